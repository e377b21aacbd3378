#!/bin/bash
# Syscall throughput with several guest processes at once, native vs runsc-c vs gVisor's
# runsc: bench/concurrency (see concurrency.c) with 1, 2, 8 and 32 processes, each looping
# over open+read+close and stat of one file. Prints total operations per second (higher is
# better) and each platform's ratio to native, from one run.
#
#   bench/concurrency.sh [BUILD_DIR]
#
# SECONDS_PER_POINT=S (default 2) is how long each point runs. Run as root.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

bench_build_dir "${1:-}"
bench_build bench_concurrency
PROG=$BUILD_DIR/bench/concurrency
[ -x "$PROG" ] || bench_die "no $PROG (build target bench_concurrency in $BUILD_DIR)"
bench_find_runscc
[ "$(id -u)" = 0 ] || bench_die "run as root (chroot and sandboxes)"
ARGS=(--seconds "${SECONDS_PER_POINT:-2}")

bench_tmpdir
ROOTFS=$BENCH_TMP/rootfs
bench_rootfs "$ROOTFS"
mkdir -p "$ROOTFS/bench"
cp "$PROG" "$ROOTFS/bench/concurrency"
head -c 4096 /dev/urandom >"$ROOTFS/bench/file"

bench_run native chroot "$ROOTFS" /bench/concurrency "${ARGS[@]}"
bench_run "runsc-c unotify" "$RUNSCC" "do" --rootfs "$ROOTFS" -- /bench/concurrency "${ARGS[@]}"
if command -v runsc >/dev/null; then
	bench_run runsc runsc --network=none "do" -root "$ROOTFS" -cwd / -- /bench/concurrency "${ARGS[@]}"
else
	bench_skip runsc "not installed (apt-get install runsc)"
fi

echo "bench/concurrency: open+read+close+stat operations per second, all processes together"
echo "(higher is better); (Nx) = that platform's rate / native"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $(bench_machine)"
echo
bench_table ops/s
exit "$BENCH_FAILED"
