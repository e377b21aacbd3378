#!/bin/bash
# A guest process in a slow operation does not stall the sandbox's other processes
# (tests/progs/slowcheck.c): a reader blocked on an empty FIFO (both platforms), and a copy
# of a 128 MiB image file into the upper layer, which the sentry makes without its kernel
# lock (unotify: under ptrace every syscall waits for the one tracer thread, see DESIGN.md).
# Rates are compared with the same process's rate alone, measured in the same run. Needs root.
. "$(dirname "$0")/../lib/common.sh"
need_root
PROG="${BUILD_DIR:-}/tests/progs/slowcheck"
[ -x "$PROG" ] || skip "tests/progs/slowcheck is not built (BUILD_DIR=$BUILD_DIR)"

ROOT="$WORK/rootfs"
build_busybox_rootfs "$ROOT"
cp "$PROG" "$ROOT/slowcheck"
dd if=/dev/zero of="$ROOT/big" bs=1M count=128 status=none

expect_sandbox fifo "fifo: busy went on while a reader waited: yes" "$ROOT" /slowcheck fifo
PLATFORMS=unotify expect_sandbox copyup "copyup: busy went on during the copy: yes
copyup: both openers wrote, size kept: yes" "$ROOT" /slowcheck copyup /big
grep -h "copy-up open took" "$WORK"/copyup.*/stderr
finish
