#!/bin/bash
# inotify for changes made inside the sandbox, each compared with a native run:
# - tests/progs/inotifycheck in /tmp (the root's in-memory upper layer) and in a tmpfs:
#   init flags, add_watch/rm_watch errors and flags, the events of file and name operations
#   (cookies, IN_ISDIR, IN_DELETE_SELF, IN_MOVE_SELF, IN_IGNORED, IN_EXCL_UNLINK, IN_ONESHOT),
#   reads (EINVAL, padding, merging), FIONREAD, IN_Q_OVERFLOW, poll/select/epoll, blocking
#   reads woken by another process or ended/restarted by a signal, /proc/sys/fs/inotify;
# - tail -f (coreutils, which follows with inotify) of a file another process appends to,
#   in a tmpfs of the Debian test rootfs: the appender waits (bounded) for tail's output of each line
#   before it writes the next; tail polls only every 1000 s (-s 1000), so a line it shows
#   came through inotify, and its fdinfo shows the watch;
# - a python3 watcher (ctypes: inotify_init1, inotify_add_watch; select, os.read), in the
#   upper layer and in a writable bind mount.
# Needs root (chroot for the native runs).
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/../lib/common.sh"
need_root

prog="${BUILD_DIR:-}/tests/progs/inotifycheck"
[ -x "$prog" ] || skip "tests/progs/inotifycheck is not built (BUILD_DIR=${BUILD_DIR:-unset})"

ROOT="$WORK/rootfs"
build_busybox_rootfs "$ROOT"
cp "$prog" "$ROOT/inotifycheck"
compare inotifycheck "$ROOT" /inotifycheck /tmp
mkdir -p "$ROOT/mnt/t"
NATIVE_SETUP="mount -t tmpfs tmpfs '$ROOT/mnt/t'" DO_OPTS="--mount type=tmpfs,dst=/mnt/t" \
	compare inotifycheck-tmpfs "$ROOT" /inotifycheck /mnt/t

. "$SRC_DIR/tests/lib/debian_rootfs.sh"
DEB="$WORK/debian"
debian_rootfs "$DEB"
make_dev_nodes "$DEB"
cat >"$DEB/tailf.sh" <<'SCRIPT'
#!/bin/bash
f=/mnt/t/followed out=/mnt/t/tail.out
: >"$f"
tail -s 1000 -f "$f" >"$out" &
tp=$!
# A bounded poll of a condition (3000 x 10 ms).
wait_for() {
	local n=0
	until eval "$1"; do
		n=$((n + 1))
		[ $n -lt 3000 ] || return 1
		sleep 0.01
	done
}
wait_for 'grep -qs "^inotify wd:" /proc/$tp/fdinfo/*' && echo "tail watches with inotify"
for i in 1 2 3; do
	echo "line $i" >>"$f"
	wait_for 'grep -qx "line $i" "$out"' || echo "line $i not followed"
done
kill $tp
wait $tp
echo "tail: status $?"
cat "$out"
SCRIPT
chmod +x "$DEB/tailf.sh"
# In a tmpfs: coreutils 9.1 counts overlayfs (the sandbox's root, as Docker's) as remote and
# polls there.
mkdir -p "$DEB/mnt/t"
NATIVE_SETUP="mount -t tmpfs tmpfs '$DEB/mnt/t'" DO_OPTS="--mount type=tmpfs,dst=/mnt/t" \
	compare tail-f "$DEB" /tailf.sh

cat >"$DEB/pywatch.py" <<'SCRIPT'
import ctypes, os, select, struct
libc = ctypes.CDLL(None, use_errno=True)
IN_MODIFY, IN_CLOSE_WRITE, IN_CREATE, IN_DELETE, IN_MOVED_FROM, IN_MOVED_TO = 0x2, 0x8, 0x100, 0x200, 0x40, 0x80
d = "/tmp/pywatch"
os.makedirs(d, exist_ok=True)
fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
wd = libc.inotify_add_watch(fd, d.encode(), IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO)
print("watch", wd)
with open(d + "/a.txt", "w") as f:
    f.write("x")
os.rename(d + "/a.txt", d + "/b.txt")
os.unlink(d + "/b.txt")
print("ready", select.select([fd], [], [], 10)[0] == [fd])
data = os.read(fd, 65536)
cookies = {}
off = 0
while off < len(data):
    w, mask, cookie, n = struct.unpack_from("iIII", data, off)
    name = data[off + 16:off + 16 + n].rstrip(b"\0").decode()
    c = cookies.setdefault(cookie, len(cookies)) if cookie else "-"
    print(w, hex(mask), c, name)
    off += 16 + n
SCRIPT
compare python-watch "$DEB" /usr/bin/python3 /pywatch.py
# The same in a writable bind mount, whose writes run natively (IN_MODIFY comes at close).
mkdir -p "$WORK/bind" "$DEB/tmp/pywatch"
NATIVE_SETUP="mount --bind '$WORK/bind' '$DEB/tmp/pywatch'" \
	DO_OPTS="--mount type=bind,src=$WORK/bind,dst=/tmp/pywatch" \
	compare python-watch-bind "$DEB" /usr/bin/python3 /pywatch.py
finish
