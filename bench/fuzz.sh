#!/bin/bash
# The syscall fuzzer (tests/fuzz/fuzz.c) in runsc-c for as long as asked: runs of up to
# RUN_SECONDS each (a new sandbox and seed every run, seeds SEED, SEED+1, ...) until the
# total reaches the calls or minutes asked, then prints the calls made, calls per second,
# and the crashes found (a run whose sandbox did not end with the fuzzer's own status and
# summary, or that printed a crash or sanitizer report). Every sandbox runs under
# `do --memory 1G --pids-max 256`: unbounded, a fuzzer can take the host into a global OOM.
#
#   bench/fuzz.sh [--calls N | --minutes M] [--seed S] [--platform unotify|ptrace] [BUILD_DIR]
#
# BUILD_DIR (argument or environment): a build tree with tests/fuzz/fuzz; without one, the
# source tree's build/ is configured and built. RUNSCC=PATH measures another runsc-c (e.g. a
# -DRUNSCC_SANITIZE=ON build's). RUN_SECONDS (default 120) bounds each run. Run as root.
# Exit status: 0 without a crash, 1 with one (the failing runs' files stay in FUZZ_KEEP, if
# set, and their seeds are printed with the command that replays them).
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

CALLS=10000000
MINUTES=""
SEED=$(date +%s)
PLATFORM=unotify
BUILD_ARG=""
while [ $# -gt 0 ]; do
	case "$1" in
	--calls) CALLS=$2; MINUTES=""; shift 2 ;;
	--minutes) MINUTES=$2; CALLS=""; shift 2 ;;
	--seed) SEED=$2; shift 2 ;;
	--platform) PLATFORM=$2; shift 2 ;;
	-h | --help) sed -n '2,16p' "$0"; exit 0 ;;
	*) BUILD_ARG=$1; shift ;;
	esac
done
[[ "${CALLS}${MINUTES}" =~ ^[0-9]+$ ]] || bench_die "--calls and --minutes take a number"
RUN_SECONDS=${RUN_SECONDS:-120}
[ "$(id -u)" = 0 ] || bench_die "run as root (the sandbox needs it)"

bench_build_dir "$BUILD_ARG"
bench_build fuzz
bench_find_runscc
FUZZ=$BUILD_DIR/tests/fuzz/fuzz
[ -x "$FUZZ" ] || bench_die "no $FUZZ (build target fuzz in $BUILD_DIR)"
bench_tmpdir
ROOT=$BENCH_TMP/rootfs
bench_rootfs "$ROOT"
cp "$FUZZ" "$ROOT/fuzz"

total=0
crashes=0
runs=0
start=$SECONDS
seed=$SEED
done_yet() {
	if [ -n "$MINUTES" ]; then
		[ $((SECONDS - start)) -ge $((MINUTES * 60)) ]
	else
		[ "$total" -ge "$CALLS" ]
	fi
}
until done_yet; do
	secs=$RUN_SECONDS
	[ -n "$MINUTES" ] && [ $((MINUTES * 60 - (SECONDS - start))) -lt "$secs" ] &&
		secs=$((MINUTES * 60 - (SECONDS - start)))
	[ "$secs" -ge 5 ] || secs=5
	left=${CALLS:-1000000000000}
	[ -n "$CALLS" ] && left=$((CALLS - total))
	out=$BENCH_TMP/run$runs
	mkdir -p "$out"
	status=0
	timeout -k 5 $((secs + 90)) \
		env ASAN_OPTIONS=halt_on_error=1:detect_leaks=0:symbolize=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		"$RUNSCC" --log "$out/log" "do" --platform="$PLATFORM" --memory 1G --pids-max 256 --rootfs "$ROOT" \
		-- /fuzz --seed "$seed" --calls "$left" --seconds "$secs" >"$out/stdout" 2>"$out/stderr" </dev/null ||
		status=$?
	summary=$(grep '^fuzz: seed' "$out/stdout" || true)
	calls=$(sed -n 's/^fuzz: seed [0-9]* calls \([0-9]*\) .*/\1/p' "$out/stdout")
	total=$((total + ${calls:-0}))
	if [ "$status" != 0 ] || [ -z "$summary" ] ||
		grep -E -q 'Sanitizer|runtime error:|died of signal|fatal' "$out/stderr"; then
		crashes=$((crashes + 1))
		bench_log "run $runs (seed $seed): exit status $status (124: hung); replay:"
		bench_log "  $RUNSCC do --platform=$PLATFORM --memory 1G --pids-max 256 --rootfs ROOT -- /fuzz --seed $seed --procs 1 --threads 1 --trace"
		grep -v '^fuzz: seed' "$out/stderr" | head -20 >&2 || true
		[ -n "${FUZZ_KEEP:-}" ] && mkdir -p "$FUZZ_KEEP" && cp -r "$out" "$FUZZ_KEEP/seed-$seed"
	fi
	bench_log "run $runs: seed $seed, ${calls:-0} calls; total $total in $((SECONDS - start)) s"
	rm -rf "$out"
	runs=$((runs + 1))
	seed=$((seed + 1))
done
elapsed=$((SECONDS - start))
[ "$elapsed" -gt 0 ] || elapsed=1
echo "fuzz ($PLATFORM): $total calls in $elapsed s ($((total / elapsed)) calls/s), $runs runs from seed $SEED, $crashes crashes"
[ "$crashes" = 0 ]
