#!/bin/bash
# A multithreaded C program (8 pthreads, mutexes, condition variables, a barrier, exit and
# join, a signal to one thread) prints the same natively and in the sandbox, on both
# platforms, several times over. Needs root (chroot for the native run).
. "$(dirname "$0")/../lib/common.sh"
need_root
PROG="${BUILD_DIR:-}/tests/progs/threads"
[ -x "$PROG" ] || skip "tests/progs/threads is not built (BUILD_DIR=$BUILD_DIR)"

ROOT="$WORK/rootfs"
build_busybox_rootfs "$ROOT"
cp "$PROG" "$ROOT/threads"
for i in 1 2 3 4 5; do
	compare "threads-$i" "$ROOT" /threads
done
finish
