#!/bin/bash
# Syscall throughput with several guest processes at once, native vs runsc-c (both
# platforms) vs gVisor's runsc: bench/concurrency (see concurrency.c) with 1, 2, 8 and 32
# processes, each looping over open+read+close and stat of one file ("file_N"), then over a
# raw getpid ("getpid_N"). Prints total operations per second (higher is better), each
# platform's ratio to native, and how each column scales: its rate at N over its rate at 1.
#
#   bench/concurrency.sh [BUILD_DIR]
#
# SECONDS_PER_POINT=S (default 2) is how long each point runs; ROUNDS=R (default 1) runs the
# whole set R times, interleaved, and shows medians. PROCS="1 2" measures other counts.
# Run as root.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

bench_build_dir "${1:-}"
bench_build bench_concurrency
PROG=$BUILD_DIR/bench/concurrency
[ -x "$PROG" ] || bench_die "no $PROG (build target bench_concurrency in $BUILD_DIR)"
bench_find_runscc
[ "$(id -u)" = 0 ] || bench_die "run as root (chroot and sandboxes)"
ROUNDS=${ROUNDS:-1}
# shellcheck disable=SC2206  # a list of numbers
ARGS=(--seconds "${SECONDS_PER_POINT:-2}" ${PROCS:-})

bench_tmpdir
ROOTFS=$BENCH_TMP/rootfs
bench_rootfs "$ROOTFS"
mkdir -p "$ROOTFS/bench"
cp "$PROG" "$ROOTFS/bench/concurrency"
head -c 4096 /dev/urandom >"$ROOTFS/bench/file"

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for ((round = 1; round <= ROUNDS; round++)); do
	bench_run native chroot "$ROOTFS" /bench/concurrency "${ARGS[@]}"
	bench_run_sandboxes "unotify ptrace" "$ROOTFS" /bench/concurrency "${ARGS[@]}"
done

echo "bench/concurrency: operations per second, all processes together (higher is better);"
echo "file = open+read+close+stat, getpid = one raw getpid; (Nx) = that platform's rate / native"
[ "$ROUNDS" -gt 1 ] && echo "each cell: the median of $ROUNDS rounds"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $(bench_machine)"
echo "load average before: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
bench_table ops/s
echo
echo "scaling: rate at N processes / rate at 1, per column"
for c in "${BENCH_COLUMNS[@]}"; do
	line="$c:"
	for w in file getpid; do
		# shellcheck disable=SC2086  # a cell holds one value per round
		one=${BENCH_VAL[$c|${w}_1]:-} && [ -n "$one" ] && one=$(bench_median $one)
		for o in "${BENCH_OPS[@]}"; do
			[[ "$o" == "${w}_"* && "$o" != "${w}_1" && -n "$one" ]] || continue
			v=${BENCH_VAL[$c|$o]:-}
			# shellcheck disable=SC2086
			[ -n "$v" ] && line+=$(awk -v v="$(bench_median $v)" -v b="$one" -v o="$o" \
				'BEGIN { printf " %s %.2fx", o, (b > 0 ? v / b : 0) }')
		done
	done
	echo "$line"
done
exit "$BENCH_FAILED"
