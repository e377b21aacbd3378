#!/bin/bash
# inotify for changes made inside the sandbox, each compared with a native run:
# - tests/progs/inotifycheck in /tmp (the root's in-memory upper layer) and in a tmpfs:
#   init flags, add_watch/rm_watch errors and flags, the events of file and name operations
#   (cookies, IN_ISDIR, IN_DELETE_SELF, IN_MOVE_SELF, IN_IGNORED, IN_EXCL_UNLINK, IN_ONESHOT),
#   reads (EINVAL, padding, merging), FIONREAD, IN_Q_OVERFLOW, poll/select/epoll, blocking
#   reads woken by another process or ended/restarted by a signal, /proc/sys/fs/inotify;
# - tail -f (coreutils, which follows with inotify) of a file another process appends to:
#   the appender waits for tail's output of each line before it writes the next.
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
finish
