#!/bin/bash
# Signal wake-up latency of a wait the sentry does for a guest thread (wait4, flock): from
# the sender's kill() to the waiter's handler, native vs runsc-c (both platforms) vs
# gVisor's runsc, in microseconds (the median of 31 rounds; see signal.c).
#
#   bench/signal.sh [BUILD_DIR]
#
# Run as root. BUILD_DIR and RUNSCC as for bench/syscall.sh.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

bench_build_dir "${1:-}"
bench_build bench_signal
PROG=$BUILD_DIR/bench/signal
[ -x "$PROG" ] || bench_die "no $PROG (build target bench_signal in $BUILD_DIR)"
bench_find_runscc
[ "$(id -u)" = 0 ] || bench_die "run as root (native runs chroot, sandboxes need root)"

bench_tmpdir
ROOTFS=$BENCH_TMP/rootfs
bench_rootfs "$ROOTFS"
mkdir -p "$ROOTFS/bench" "$ROOTFS/tmp"
cp "$PROG" "$ROOTFS/bench/signal"

bench_run native chroot "$ROOTFS" /bench/signal
bench_run_sandboxes "unotify ptrace" "$ROOTFS" /bench/signal

echo "bench/signal: microseconds from kill() to the waiter's handler (lower is better); (Nx) = / native"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $(bench_machine)"
echo
bench_table us
exit "$BENCH_FAILED"
