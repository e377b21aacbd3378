#!/bin/bash
# The root file system is writable in the sandbox: an in-memory upper layer over the image,
# which itself never changes. Shell scripts (busybox) and tests/progs/fsops (the syscalls'
# errno semantics) give the same stdout, stderr and exit status in the sandbox as natively,
# on both platforms. Needs root: the native reference runs in a chroot.
#
# Each native run gets a throwaway copy of the rootfs (its writes must not reach the image
# the sandbox runs on); every sandbox run starts from the same, unchanged image, and the
# image is checked byte for byte (sha256 of a tar of it) after all of them.
#
# What is not compared, and why:
# - inode numbers and st_dev: the native copy is a different set of files, and the
#   sandbox's new files get numbers of the upper layer;
# - atime and ctime: they are "now" when the run touches a file, and the two runs happen
#   at different moments (the sandbox does not update atime when reading the image);
#   mtime is compared where a test sets it (touch -d, utimensat);
# - "total" in ls -l and block counts: how many blocks data takes is the storage's
#   business (ext4 extents natively, memory pages in the sandbox);
# - the order of names as getdents returns them (the file system's own: the host's hash
#   order natively, creation order in the sandbox's in-memory directories): lists are
#   sorted (ls sorts by itself).
. "$(dirname "$0")/../lib/common.sh" || exit 1
need_root
[ -d "${WORK:-}" ] || { echo "no work directory"; exit 1; }

FSOPS="${BUILD_DIR:+$BUILD_DIR/tests/progs/fsops}"
ROOT="$WORK/rootfs"
build_busybox_rootfs "$ROOT"

# The image: /data with files, a tree, an empty directory; /tmp with files of other users
# for the unprivileged checks.
mkdir -p "$ROOT/data/tree/sub/deeper" "$ROOT/data/empty" "$ROOT/data/keep"
printf 'banana\napple\ncherry\n' >"$ROOT/data/words"
seq 1 5000 >"$ROOT/data/numbers"
head -c 70000 /dev/urandom >"$ROOT/data/random.bin"
printf 'root here\n' >"$ROOT/data/tree/a.txt"
printf 'deep\n' >"$ROOT/data/tree/sub/deeper/c.txt"
ln -s ../a.txt "$ROOT/data/tree/sub/link-to-a"
ln -s /data/words "$ROOT/data/abs-link"
printf 'small\n' >"$ROOT/data/keep/small"
head -c 100000 /dev/urandom >"$ROOT/data/keep/big"
printf 'secret\n' >"$ROOT/data/keep/secret"
chmod 600 "$ROOT/data/keep/secret"
printf 'users\n' >"$ROOT/data/keep/usersfile"
chown 1000:1000 "$ROOT/data/keep/usersfile"
mkfifo "$ROOT/data/fifo"
printf 'root file\n' >"$ROOT/tmp/rootfile"
chmod 666 "$ROOT/tmp/rootfile"
mkdir "$ROOT/tmp/userdir" "$ROOT/tmp/sgid"
printf 'x\n' >"$ROOT/tmp/userdir/rootowned"
chown 1000:1000 "$ROOT/tmp/userdir"
printf 'u\n' >"$ROOT/tmp/userfile"
chown 1000:2000 "$ROOT/tmp/userfile"
chmod 755 "$ROOT/tmp/userfile"
chown 0:50 "$ROOT/tmp/sgid"
chmod 2777 "$ROOT/tmp/sgid"
touch -d '2020-01-02 03:04:05' "$ROOT/data/words" "$ROOT/data/tree/a.txt"
if [ -n "$FSOPS" ] && [ -x "$FSOPS" ]; then
	cp "$FSOPS" "$ROOT/bin/fsops"
else
	echo "note: tests/progs/fsops not built (BUILD_DIR unset): its checks are skipped"
fi

image_sum() {
	tar -C "$ROOT" --numeric-owner --sort=name -cf - . | sha256sum | cut -d' ' -f1
}
IMAGE_BEFORE=$(image_sum)

# run_native_copy OUTDIR USERSPEC CMD...: chrooted into a fresh copy of the image, in a
# mount namespace of its own with what the sandbox mounts that the checks touch: /proc and
# a tmpfs on /dev/shm.
run_native_copy() {
	local out=$1 userspec=$2
	shift 2
	local nr="$WORK/native-root"
	rm -rf "$nr"
	cp -a "$ROOT" "$nr"
	mkdir -p "$nr/dev/shm"
	(cd / && env -i PATH="$GUEST_PATH" HOME=/root unshare -m --propagation private sh -c '
		mount -t proc proc "$0/proc" && mount -t tmpfs -o mode=1777 shm "$0/dev/shm" &&
		exec chroot "$@"' "$nr" ${userspec:+--userspec=$userspec --groups=${userspec#*:}} \
		"$nr" "$@") >"$out/stdout" 2>"$out/stderr" </dev/null
	echo $? >"$out/status"
}

# run_sandbox_as OUTDIR PLATFORM USERSPEC CMD...
run_sandbox_as() {
	local out=$1 platform=$2 userspec=$3
	shift 3
	local ids=()
	[ -n "$userspec" ] && ids=(--uid "${userspec%:*}" --gid "${userspec#*:}")
	timeout 300 "$RUNSCC" --log "$out/log" do --platform="$platform" "${ids[@]}" --rootfs "$ROOT" \
		-- "$@" >"$out/stdout" 2>"$out/stderr" </dev/null
	echo $? >"$out/status"
}

show_diff() {
	local a=$1 b=$2
	diff -u "$a" "$b" | head -30 | sed 's/^/    /'
}

# compare_fs NAME USERSPEC CMD...: native (on a copy) and sandbox agree.
compare_fs() {
	local name=$1 userspec=$2
	shift 2
	local native="$WORK/$name.native"
	mkdir -p "$native"
	run_native_copy "$native" "$userspec" "$@"
	for platform in $PLATFORMS; do
		local sb="$WORK/$name.$platform" ok=1
		mkdir -p "$sb"
		run_sandbox_as "$sb" "$platform" "$userspec" "$@"
		for f in stdout stderr status; do
			if ! cmp -s "$native/$f" "$sb/$f"; then
				ok=0
				fail "$name [$platform]: $f differs from the native run"
				show_diff "$native/$f" "$sb/$f"
			fi
		done
		if [ $ok = 1 ]; then
			pass
		elif [ -s "$sb/log" ]; then
			echo "    sentry log:"
			tail -5 "$sb/log" | sed 's/^/    /'
		fi
	done
}

# ls -la without the times and the block total (see the top).
LSL='ls_l() { ls -la "$@" | grep -v "^total" | awk "{ \$6=\$7=\$8=\"\"; print }"; }'

compare_fs tmp-files "" sh -c '
	cd /tmp && echo one > f && echo two >> f && cat f && echo three > f && cat f
	: > f && wc -c f && printf abc > g && truncate -s 10 g && od -c g
	truncate -s 2 g && cat g && echo && rm f g && ls /tmp'

compare_fs image-files "" sh -c "$LSL"'
	echo "extra:x:99:99::/:/bin/false" >> /etc/passwd && tail -2 /etc/passwd
	echo replaced > /data/words && cat /data/words
	truncate -s 100 /data/numbers && tail -c 20 /data/numbers | od -c | head -3
	: > /data/random.bin && wc -c /data/random.bin
	echo new > /etc/newfile && cat /etc/newfile
	ls_l /etc /data'

# FIFOs: one of the image (the sentry's pipe, never the host's FIFO) and one made here.
compare_fs fifos "" sh -c '
	(echo through the image fifo > /data/fifo &); cat /data/fifo
	(seq 3 > /data/fifo &); wc -l < /data/fifo
	mkfifo /tmp/made && (echo through a new fifo > /tmp/made &); cat /tmp/made
	ls -l /data/fifo /tmp/made | cut -c1-10'

compare_fs dirs "" sh -c '
	mkdir -p /tmp/a/b/c /data/x/y/z /data/tree/sub/new && echo in > /data/x/y/z/f
	find /tmp/a /data -xdev | sort
	rm -r /tmp/a /data/tree /data/x && echo removed && find /data | sort
	rmdir /data/empty && ls /data
	mkdir /data/empty && touch /data/empty/again && ls -R /data/empty'

compare_fs renames "" sh -c "$LSL"'
	cd /data && mv words words2 && mv words2 /tmp/ && mv /tmp/words2 tree/
	echo over > /tmp/over && mv /tmp/over numbers && cat numbers
	mv tree /tmp/tree2 && mv /tmp/tree2 /data/tree3 && ls tree3 tree3/sub
	cat tree3/words2 tree3/sub/link-to-a
	mkdir /tmp/e && mv /data/empty /tmp/e/ && ls -R /tmp/e
	mkdir /data/target && mv /tmp/e /data/target && find /data/target | sort
	mkdir /tmp/nonempty /tmp/d2 && touch /tmp/nonempty/x && mv /tmp/d2 /tmp/nonempty/
	mv /tmp/nonempty /data/tree3/sub/deeper; echo "status $?"
	mv /data/tree3 /data/tree3/sub/inside; echo "status $?"
	ls_l /data /tmp'

compare_fs links "" sh -c "$LSL"'
	ln /data/words /data/words.hard && ln -s words /data/words.sym && ln -s /nowhere /tmp/dangling
	ls_l /data /tmp
	stat -c "%n %h %s" /data/words /data/words.hard
	echo more >> /data/words.hard && cat /data/words /data/words.sym
	rm /data/words && cat /data/words.hard && cat /data/words.sym; echo "status $?"
	readlink /tmp/dangling /data/words.sym
	ln -sf /data/numbers /data/words.sym && head -2 /data/words.sym
	ln /data/tree /data/treelink; echo "status $?"'

compare_fs attrs "" sh -c '
	chmod 751 /data/words && chown 12:34 /data/numbers && chown -h 5:6 /data/abs-link
	touch -d "2021-03-04 05:06:07" /data/words /tmp/newfile && chmod u+s,g+s /tmp/newfile
	chmod 1777 /data/tree && chown 7 /data/tree/a.txt && chgrp 8 /data/tree/a.txt
	stat -c "%n %A %u %g %h %s %Y" /data/words /data/numbers /tmp/newfile /data/tree /data/tree/a.txt
	stat -c "%n %A %u %g" /data/abs-link
	chown 9:9 /tmp/newfile && stat -c "%n %A %u %g" /tmp/newfile
	touch -d "2019-05-06 07:08:09" /data/abs-link && stat -L -c "%n %Y" /data/abs-link
	touch -m -d "2018-01-01 00:00:00" /data/keep && stat -c "%n %Y" /data/keep
	cat /data/words /data/tree/a.txt'

compare_fs dd-sha256 "" sh -c '
	dd if=/data/random.bin of=/tmp/r bs=4096 2>/dev/null && sha256sum /tmp/r
	dd if=/dev/zero of=/tmp/z bs=1k count=100 seek=10 2>/dev/null && sha256sum /tmp/z && wc -c /tmp/z
	dd if=/data/numbers of=/data/random.bin bs=1000 count=3 seek=5 conv=notrunc 2>/dev/null
	sha256sum /data/random.bin && wc -c /data/random.bin
	dd if=/data/random.bin bs=7 skip=3 count=5 2>/dev/null | sha256sum'

compare_fs heredoc-redirections "" sh -c '
	cat > /etc/hd <<EOF
first line
second \$HOME line
EOF
	cat /etc/hd
	exec 3>/tmp/fd3; echo a >&3; echo b >&3; exec 3>&-; cat /tmp/fd3
	exec 4>>/etc/group; echo "extra:x:9:" >&4; exec 4>&-; tail -1 /etc/group
	exec 5<>/tmp/rw; echo hello >&5; exec 5>&-; cat /tmp/rw
	exec 6>/data/words; exec 6>&-; wc -c /data/words
	echo x > /tmp/ro && chmod 444 /tmp/ro && echo y >> /tmp/ro && cat /tmp/ro'

compare_fs big-file "" sh -c '
	seq 1 6500000 > /tmp/big && wc -c /tmp/big && sha256sum /tmp/big && tail -1 /tmp/big
	cp /tmp/big /data/big2 && cmp /tmp/big /data/big2 && echo same
	sha256sum /data/big2 && rm /tmp/big && wc -l /data/big2'

compare_fs fifo "" sh -c '
	mkfifo /tmp/p && ls -l /tmp/p | cut -c1
	(echo through the fifo > /tmp/p) & cat /tmp/p; wait
	cat /tmp/p & echo second way > /tmp/p; wait'

compare_fs scripts "" sh -c '
	printf "#!/bin/sh\necho script args: \"\$@\"\n" > /tmp/s.sh && chmod +x /tmp/s.sh && /tmp/s.sh a b
	cp /bin/busybox /data/bb && /data/bb echo copied binary runs
	printf "#!/bin/sh\necho image script edited\n" > /data/tree/a.txt && chmod 755 /data/tree/a.txt
	/data/tree/a.txt'

if [ -x "$ROOT/bin/fsops" ]; then
	compare_fs fsops-root "" fsops root
	compare_fs fsops-user 1000:1000 fsops user
fi

# Sandbox only: what has no native equivalent here.

# A file copied up while an fd was open on it: that fd keeps reading the image's content
# (overlayfs's semantic; natively the file is one inode and the fd sees the new content).
expect_sandbox copy-up-old-fd "banana
apple
cherry
--
rewritten" "$ROOT" sh -c 'exec 3</data/words; echo rewritten > /data/words; cat <&3; echo --; cat /data/words'

# /dev/shm is a tmpfs of its own (the chroot has no /dev/shm).
expect_sandbox dev-shm "shared
tmpfs 1777
moved across mounts (copied: rename gives EXDEV): shared" "$ROOT" sh -c '
	echo shared > /dev/shm/f && cat /dev/shm/f
	stat -f -c "%T" /dev/shm | tr -d "\n"; stat -c " %a" /dev/shm
	mv /dev/shm/f /tmp/f && test ! -e /dev/shm/f && echo "moved across mounts (copied: rename gives EXDEV): $(cat /tmp/f)"'

# Writes stay in the sandbox: a second sandbox sees the image as it was.
expect_sandbox fresh-sandbox "banana
apple
cherry
/data/keep/small" "$ROOT" sh -c 'cat /data/words; ls /data/keep/small'

IMAGE_AFTER=$(image_sum)
if [ "$IMAGE_BEFORE" = "$IMAGE_AFTER" ]; then
	pass
else
	fail "the image changed under the sandbox (sha256 of its tar: $IMAGE_BEFORE -> $IMAGE_AFTER)"
fi
finish
