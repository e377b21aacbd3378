#!/bin/bash
# The container's mounts (runsc-c do --mount, --read-only), each compared with the same
# mounts made natively (unshare --mount, mount --bind, tmpfs, chroot):
# - a read-write bind of a host directory: what the guest creates, writes, renames, links and
#   removes is on the host after the run, exactly as after the native run; host files are
#   read by the guest, a file the host adds while the guest runs is seen;
# - a read-only bind: every write gives EROFS;
# - a single file bound over /etc/hostname, read-only and read-write;
# - symlinks inside a bind source that point at "/" or climb out with "..": resolved in the
#   guest's root as in the native chroot; host markers next to the source never reached;
# - a file bound onto a symlink of the image lands on the link's target;
# - a tmpfs with size= (dd until ENOSPC) and mode=;
# - a read-only root (EROFS) with a writable tmpfs on it;
# - mount points the image lacks appear in the sandbox, without a warning; OCI mount types
#   (proc, sysfs, cgroup, devpts, mqueue) map to the sentry's own file systems.
# Needs root (mounts and chroot for the native runs).
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/../lib/common.sh"
need_root

ROOT="$WORK/rootfs"
build_busybox_rootfs "$ROOT"
echo imagehost >"$ROOT/etc/hostname"
mkdir -p "$ROOT/ro" "$ROOT/run"
echo "image resolv.conf" >"$ROOT/run/resolv.conf"
ln -s ../run/resolv.conf "$ROOT/etc/resolv.conf"

# Host markers next to the bind sources ($WORK) and in /tmp: never read by the guest.
SECRET="runscc-secret-$RANDOM$RANDOM$RANDOM"
MNAME="runscc-marker-$RANDOM$RANDOM"
TNAME="runscc-tmp-marker-$RANDOM$RANDOM"
echo "$SECRET" >"$WORK/$MNAME"
echo "$SECRET" >"/tmp/$TNAME"
trap 'rm -rf "$WORK" "/tmp/$TNAME"' EXIT

# The bind source every run starts from.
SEED="$WORK/seed"
mkdir -p "$SEED/sub/deep" "$SEED/gone-dir"
echo "from the host" >"$SEED/hostfile"
echo "to be removed" >"$SEED/gone"
echo "old" >"$SEED/sub/replaced"
printf 'line1\nline2\nline3\n' >"$SEED/sub/deep/truncate-me"
chmod 640 "$SEED/sub/deep/truncate-me"
ln -s / "$SEED/toroot"
ln -s ../../.. "$SEED/up3"
ln -s ../../../../../../.. "$SEED/sub/deep/up7"
ln -s "$WORK/$MNAME" "$SEED/hostabs"
ln -s "../$MNAME" "$SEED/hostrel"
ln -s "/tmp/$TNAME" "$SEED/tmpabs"
ln -s hostfile "$SEED/inner"
echo "host file for /etc/hostname" >"$WORK/hostname-seed"

# The tree of a bind source after a run: names, types, modes, owners, sizes, link targets
# and contents (no times).
tree_of() {
	(cd "$1" && find . -printf '%p %y %m %U:%G %s %l\n' | LC_ALL=C sort &&
		find . -type f -exec md5sum {} + | LC_ALL=C sort)
}

# compare_bind NAME DO_OPTS NATIVE_SETUP CMD...: a fresh copy of $SEED for each run (native
# and each platform); SRC in DO_OPTS and NATIVE_SETUP stands for it, FILE for a fresh copy of
# hostname-seed. Output, status and the copies afterwards equal the native run's.
compare_bind() {
	local name=$1 opts=$2 setup=$3
	shift 3
	local run
	for run in native $PLATFORMS; do
		local out="$WORK/$name.$run" src="$WORK/$name.$run.src" file="$WORK/$name.$run.file"
		mkdir -p "$out"
		cp -a "$SEED" "$src"
		cp -a "$WORK/hostname-seed" "$file"
		local o=${opts//SRC/$src} s=${setup//SRC/$src}
		o=${o//FILE/$file}
		s=${s//FILE/$file}
		if [ "$run" = native ]; then
			NATIVE_SETUP=$s run_native "$out" "$ROOT" "$@"
		else
			DO_OPTS=$o run_sandbox "$out" "$run" "$ROOT" "$@"
		fi
		{ tree_of "$src"; md5sum <"$file"; stat -c '%a %s' "$file"; } >"$out/tree"
	done
	compare_runs "$name" "$*" stdout stderr status tree
}

BIND_RW="--mount type=bind,src=SRC,dst=/data"
NATIVE_RW="mount --bind SRC $ROOT/data"
BIND_RO="--mount type=bind,src=SRC,dst=/data,ro"
NATIVE_RO="mount --bind SRC $ROOT/data; mount -o remount,bind,ro $ROOT/data"

# Read-write: every kind of change goes through to the host directory.
compare_bind rw-changes "$BIND_RW" "$NATIVE_RW" sh -c '
cat /data/hostfile /data/inner
echo guest >/data/new && cat /data/new
mkdir /data/dir && mkdir -m 700 /data/dir/private
mv /data/new /data/dir/moved
mv /data/dir/moved /data/dir/private/
echo new >/data/sub/replacement && mv /data/sub/replacement /data/sub/replaced
rm /data/gone && rmdir /data/gone-dir
ln /data/hostfile /data/hardlink
ln -s hostfile /data/guestlink && cat /data/guestlink
chmod 600 /data/hostfile && chown 1:1 /data/hostfile
echo appended >>/data/hostfile
truncate -s 6 /data/sub/deep/truncate-me
touch /data/empty
dd if=/dev/zero of=/data/sparse bs=1 count=1 seek=100000 2>/dev/null
sync /data/hostfile
ls -ln /data /data/dir /data/sub /data/sub/deep | sed "s/ [A-Z][a-z][a-z] [ 0-9][0-9] [0-9:]* / /"
cat /data/hostfile /data/sub/replaced /data/sub/deep/truncate-me
stat -c "%n %s %h %a %u:%g" /data/hostfile /data/hardlink /data/sparse /data/dir/private'
# Errors on a writable bind, as on the host's file system.
compare_bind rw-errors "$BIND_RW" "$NATIVE_RW" sh -c '
mkdir /data/sub; rmdir /data/sub; rm /data/sub; mv /data/sub /data/sub/deep/x
ln /data/sub /data/dirlink; ln /etc/passwd /data/cross
echo x >/data/missing/file; cat /data/gone/x; true'
# Unprivileged guests: the host's owners and modes decide.
compare_bind rw-user "$BIND_RW" "$NATIVE_RW" sh -c '
chmod 1777 /data/sub
su daemon -s /bin/sh -c "id; echo x >/data/nope; echo y >/data/sub/mine; stat -c \"%n %u:%g %a\" /data/sub/mine
rm /data/hostfile; rm /data/sub/mine; touch /data/sub/deep/truncate-me; cat /data/sub/deep/truncate-me"'

# Read-only: every write gives EROFS, the source is unchanged.
compare_bind ro "$BIND_RO" "$NATIVE_RO" sh -c '
cat /data/hostfile
echo x >/data/hostfile; echo x >>/data/hostfile; echo x >/data/new; mkdir /data/d
rm /data/gone; rmdir /data/gone-dir; mv /data/gone /data/g2; ln -s x /data/l
ln /data/hostfile /data/h2; chmod 777 /data/hostfile; chown 1 /data/hostfile
touch /data/hostfile; truncate -s 0 /data/hostfile; touch -c /data/gone
ls /data | wc -l; true'

# A single file over the image's /etc/hostname: read-only, then read-write.
compare_bind file-ro "--mount type=bind,src=FILE,dst=/etc/hostname,ro" \
	"mount --bind FILE $ROOT/etc/hostname; mount -o remount,bind,ro $ROOT/etc/hostname" sh -c '
cat /etc/hostname; echo x >/etc/hostname; rm /etc/hostname; mv /etc/hostname /etc/h2
ls /etc; true'
compare_bind file-rw "--mount type=bind,src=FILE,dst=/etc/hostname" \
	"mount --bind FILE $ROOT/etc/hostname" sh -c '
cat /etc/hostname; echo written-by-the-guest >/etc/hostname; cat /etc/hostname
chmod 600 /etc/hostname; rm /etc/hostname; mv /etc/hostname /etc/h2; ls /etc; true'

# A destination that is a symlink in the image: the mount lands on its target.
compare_bind file-on-link "--mount type=bind,src=FILE,dst=/etc/resolv.conf,ro" \
	"mount --bind FILE $ROOT/etc/resolv.conf" sh -c '
cat /etc/resolv.conf /run/resolv.conf; readlink /etc/resolv.conf; grep -c resolv.conf /proc/mounts'

# Symlinks inside the source: resolved in the guest's root, as natively in the chroot.
compare_bind escape "$BIND_RW" "$NATIVE_RW" sh -c "
cat /data/toroot/etc/passwd /data/up3/etc/group /data/sub/deep/up7/etc/hostname
ls /data/toroot/ /data/up3/ /data/sub/deep/up7/ /data/toroot/..
cat /data/hostabs /data/hostrel /data/tmpabs /data/toroot/../$MNAME /data/../$MNAME
cat /data/up3/$MNAME /data/sub/deep/up7/tmp/$TNAME
ln -s / /data/mine && ls /data/mine/
ln -s ../../../../.. /data/mine-up && ls /data/mine-up/ && cat /data/mine-up/$MNAME
cd /data/up3 && pwd -P && ls
readlink -f /data/toroot /data/up3 /data/sub/deep/up7 /data/hostabs; true"
if grep -q -r -F "$SECRET" "$WORK"/escape.*/stdout "$WORK"/escape.*/stderr; then
	fail "a host marker's content reached the guest through a bind mount"
else
	pass
fi

# A file the host adds while the guest runs is seen (names missing once are asked again).
for platform in $PLATFORMS; do
	out="$WORK/host-adds.$platform"
	src="$WORK/host-adds.$platform.src"
	mkdir -p "$out" "$src"
	DO_OPTS="--mount type=bind,src=$src,dst=/data" run_sandbox "$out" "$platform" "$ROOT" \
		sh -c '[ -e /data/later ] || echo absent; echo ready >/data/ready
		       while [ ! -e /data/later ]; do usleep 10000; done; cat /data/later' &
	rpid=$!
	wait_until 120 eval "[ -e '$src/ready' ] || ! kill -0 $rpid 2>/dev/null"
	# Made whole, then named: the guest must never find it empty.
	echo "added by the host" >"$src/.later" && mv "$src/.later" "$src/later"
	wait "$rpid"
	if [ "$(cat "$out/stdout")" = "absent
added by the host" ] && [ "$(cat "$out/status")" = 0 ]; then
		pass
	else
		fail "host-adds [$platform]: $(cat "$out/stdout" "$out/stderr")"
	fi
done

# tmpfs with size=: ENOSPC at the same point as the host's tmpfs; space comes back on rm.
TMPFS_SCRIPT='dd if=/dev/zero of=/tmp/fill bs=1k count=2000 2>&1 | grep -v copied
stat -c "%s" /tmp/fill; echo more >>/tmp/fill
rm /tmp/fill && dd if=/dev/zero of=/tmp/again bs=64k count=4 2>&1 | grep -v copied
stat -c "%a" /tmp; echo x >/tmp/again/x; true'
NATIVE_SETUP="mount -t tmpfs -o size=1m,mode=0750 tmpfs $ROOT/tmp" \
	DO_OPTS="--mount type=tmpfs,dst=/tmp,size=1m,mode=0750" \
	compare tmpfs-size "$ROOT" sh -c "$TMPFS_SCRIPT"
NATIVE_SETUP="mount -t tmpfs -o size=1m,mode=0750 tmpfs $ROOT/tmp" \
	DO_OPTS="--mount type=tmpfs,dst=/tmp,size=1024k,mode=0750" \
	compare tmpfs-size-k "$ROOT" sh -c "$TMPFS_SCRIPT"
NATIVE_SETUP="mount -t tmpfs -o ro tmpfs $ROOT/tmp" DO_OPTS="--mount type=tmpfs,dst=/tmp,ro" \
	compare tmpfs-ro "$ROOT" sh -c 'touch /tmp/x; mkdir /tmp/d; ls -a /tmp; true'

# A read-only root, with a writable tmpfs on /tmp.
NATIVE_SETUP="mount --rbind $ROOT $ROOT; mount -o remount,bind,ro $ROOT; mount -t tmpfs tmpfs $ROOT/tmp" \
	DO_OPTS="--read-only --mount type=tmpfs,dst=/tmp" \
	compare read-only-root "$ROOT" sh -c '
touch /; touch /x; mkdir /y; rm /bin/ls; echo x >>/etc/passwd; chmod 700 /root; ln -s a /b
mv /etc/hostname /etc/h; echo ok >/tmp/t && cat /tmp/t; echo x >/dev/null && echo devnull-ok
ls /; true'

# Masked and read-only paths, as runc makes them: /dev/null over a file, an empty read-only
# tmpfs over a directory, a read-only bind of a path onto itself; missing paths are skipped.
mkdir -p "$ROOT/masked"
echo hidden >"$ROOT/masked/file"
NATIVE_SETUP="mount --bind /dev/null $ROOT/etc/group; mount -t tmpfs -o ro tmpfs $ROOT/masked
mount --bind $ROOT/data $ROOT/data; mount -o remount,bind,ro $ROOT/data" \
	DO_OPTS="--masked-path /etc/group --masked-path /masked --masked-path /no/such/path
		 --masked-path /proc/kcore --readonly-path /data --readonly-path /proc/sys" \
	compare masked-readonly "$ROOT" sh -c '
cat /etc/group; echo x >/etc/group && echo written; ls -a /masked; cat /masked/file
touch /masked/x; touch /data/x; mkdir /data/d; ls -a /data; cd /data && ls ../masked
echo x >/tmp/ok && cat /tmp/ok; true'
DO_OPTS="--readonly-path /proc/sys" expect_sandbox proc-sys-readonly \
	"sh: can't create /proc/sys/kernel/hostname: Read-only file system
/proc/sys proc ro" "$ROOT" sh -c '
{ echo x >/proc/sys/kernel/hostname; } 2>&1; grep " /proc/sys " /proc/mounts | cut -d" " -f2,3,4 | cut -d, -f1'

# Mount points the image lacks: made in the sandbox's view, nothing printed about them.
BARE="$WORK/bare"
mkdir -p "$BARE/bin" "$BARE/etc"
cp "$ROOT/bin/busybox" "$BARE/bin/"
for a in sh ls cat echo touch stat; do ln -s busybox "$BARE/bin/$a"; done
for platform in $PLATFORMS; do
	out="$WORK/bare.$platform"
	mkdir -p "$out"
	DO_OPTS="--mount type=tmpfs,dst=/mnt/a/b --mount type=bind,src=$WORK/hostname-seed,dst=/etc/new/file,ro
		 --mount type=proc,dst=/proc --mount type=sysfs,dst=/sys --mount type=tmpfs,dst=/dev
		 --mount type=cgroup,dst=/sys/fs/cgroup --mount type=devpts,dst=/dev/pts
		 --mount type=mqueue,dst=/dev/mqueue --mount type=tmpfs,dst=/dev/shm,size=64k" \
		run_sandbox "$out" "$platform" "$BARE" sh -c '
ls -d /proc/self/ /sys /dev/null /mnt/a/b /sys/fs/cgroup /dev/pts /dev/mqueue
cat /etc/new/file; touch /mnt/a/b/x && echo tmpfs-writable; touch /sys/fs/cgroup/x
echo $(cat /proc/mounts | cut -d" " -f2,3)
ls /'
	expected="/dev/mqueue
/dev/null
/dev/pts
/mnt/a/b
/proc/self/
/sys
/sys/fs/cgroup
host file for /etc/hostname
tmpfs-writable
/ overlay /proc proc /dev tmpfs /sys sysfs /dev/shm tmpfs /dev/mqueue mqueue /mnt/a/b tmpfs /etc/new/file bind /sys/fs/cgroup cgroup /dev/pts devpts /dev/shm tmpfs
bin
dev
etc
mnt
proc
sys"
	if [ "$(cat "$out/stdout")" = "$expected" ] && [ "$(cat "$out/status")" = 0 ] &&
		[ "$(cat "$out/stderr")" = "touch: /sys/fs/cgroup/x: Read-only file system" ]; then
		pass
	else
		fail "bare [$platform]: status $(cat "$out/status")"
		diff -u <(echo "$expected") "$out/stdout" | sed 's/^/    /'
		sed 's/^/    stderr: /' "$out/stderr"
	fi
done

finish
