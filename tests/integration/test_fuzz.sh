#!/bin/bash
# The syscall fuzzer (tests/fuzz/fuzz.c) in the sandbox, for a bounded time on both platforms:
# random syscalls from 3 processes of 2 threads with signals in flight, in a sandbox bounded
# by --memory and --pids-max. Each run must end with the fuzzer's own exit status and summary
# (a dead sentry makes `do` exit 125 with "the sentry died"), within its time bound, with no
# crash or sanitizer report on stderr or in the log, nothing changed on the host (the rootfs
# and a canary directory beside it hashed before and after, no name the fuzzer makes in the
# host's / or /tmp), and no runsc-c process of the run left.
#
# RUNSCC_SAN=PATH (test.sh sets it: a runsc-c built with -DRUNSCC_SANITIZE=ON) runs the same
# against that build, with ASan and UBSan halting at the first report; with
# RUNSCC_SAN_FAULT_INJECTION=1 (that build also has -DRUNSCC_FAULT_INJECTION=ON) once more with
# about one allocation in 300 of the sentry failing (RUNSCC_DEBUG_MALLOC_FAIL). FUZZ_SEED (by
# default the commit's hash, or the time outside a git checkout), FUZZ_CALLS
# and FUZZ_SECONDS (per run) change the defaults. On a failure the seed is printed with the
# command that replays it one thread at a time, printing each call (--trace).
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/security.sh"
need_root

# The default seed comes from the commit under test: a run on a clean clone replays what CI
# will run at that commit, and each new commit fuzzes other sequences.
commit=$(git -C "$SRC_DIR" rev-parse --short=8 HEAD 2>/dev/null) || commit=""
SEED=${FUZZ_SEED:-$([ -n "$commit" ] && echo $((16#$commit)) || date +%s)}
CALLS=${FUZZ_CALLS:-2000000}
SECONDS_PER_RUN=${FUZZ_SECONDS:-25}
FUZZ=${BUILD_DIR:+$BUILD_DIR/tests/fuzz/fuzz}
[ -x "${FUZZ:-}" ] || skip "no fuzzer built (BUILD_DIR/tests/fuzz/fuzz)"

ROOT="$WORK/rootfs"
build_busybox_rootfs "$ROOT"
cp "$FUZZ" "$ROOT/fuzz"
CANARY="$WORK/canary"
mkdir -p "$CANARY/sub"
echo "host file" >"$CANARY/file"
ln -s file "$CANARY/link"
# The names the fuzzer creates (tests/fuzz/fuzz.c make_tree): none may appear on the host.
FUZZ_NAMES='^(fuzz-work|f0|f1|d0|loop1|loop2|selfloop|dangle|fifo|sock|nnnnn*|lllll*)$'

tree_hash() {
	(cd "$1" && find . -printf '%p %y %m %s %l\n' | sort && find . -type f -exec sha256sum {} + | sort) | sha256sum
}

host_names() {
	ls -A / /tmp | grep -E "$FUZZ_NAMES" || true
}

# fuzz_run NAME RUNSCC PLATFORM: one bounded run and the checks after it.
fuzz_run() {
	local name=$1 runscc=$2 platform=$3 out="$WORK/$1" status summary before_root before_canary
	mkdir -p "$out"
	before_root=$(tree_hash "$ROOT")
	before_canary=$(tree_hash "$CANARY")
	local before_names
	before_names=$(host_names)
	# The fuzzer stops itself after SECONDS_PER_RUN; the timeout only catches a hang.
	timeout -k 5 $((SECONDS_PER_RUN + 90)) \
		env ASAN_OPTIONS=halt_on_error=1:abort_on_error=0:detect_leaks=0:symbolize=0:quarantine_size_mb=64 \
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		${MALLOC_FAIL:+RUNSCC_DEBUG_MALLOC_FAIL=$MALLOC_FAIL} \
		"$runscc" --log "$out/log" do --platform="$platform" --memory 1G --pids-max 256 \
		--rootfs "$ROOT" -- /fuzz --seed "$SEED" --calls "$CALLS" --seconds "$SECONDS_PER_RUN" \
		>"$out/stdout" 2>"$out/stderr" </dev/null
	status=$?
	echo "$status" >"$out/status"
	summary=$(grep '^fuzz: seed' "$out/stdout")
	if [ "$status" = 0 ] && [ -n "$summary" ]; then
		echo "$name: $summary"
		grep '^fuzz: workers killed' "$out/stdout" | sed 's/^/    /'
		pass
	else
		fail "$name: exit status $status (124: hung), ${summary:-no summary from the fuzzer}"
		echo "    replay: $runscc do --platform=$platform --memory 1G --pids-max 256 --rootfs ROOT -- /fuzz --seed $SEED --calls $CALLS --procs 1 --threads 1 --trace"
		grep -v '^fuzz: seed' "$out/stderr" | head -20 | symbolize | sed 's/^/    /'
	fi
	grep -A 40 'made no progress' "$out/stderr" | head -40 | sed 's/^/    /'
	if grep -E -q 'Sanitizer|runtime error:' "$out/stderr"; then
		fail "$name: sanitizer report"
		grep -E -A 30 'Sanitizer|runtime error:' "$out/stderr" | head -60 | symbolize | sed 's/^/    /'
	fi
	sentry_healthy "$name" "$out" && pass
	[ "$(tree_hash "$ROOT")" = "$before_root" ] && pass || fail "$name: the rootfs changed on the host"
	[ "$(tree_hash "$CANARY")" = "$before_canary" ] && pass || fail "$name: the canary directory beside the rootfs changed"
	[ "$(host_names)" = "$before_names" ] && pass || fail "$name: names the fuzzer makes appeared in the host's / or /tmp: $(host_names)"
	local left
	left=$(pgrep -f -- "$out/log")
	if [ -n "$left" ]; then
		fail "$name: runsc-c processes of the run are left: $left"
		# shellcheck disable=SC2086
		kill -KILL $left
	else
		pass
	fi
}

echo "fuzz: seed $SEED, up to $CALLS calls or $SECONDS_PER_RUN s per run"
for platform in $PLATFORMS; do
	fuzz_run "fuzz-$platform" "$RUNSCC" "$platform"
done
if [ -n "${RUNSCC_SAN:-}" ]; then
	[ -x "$RUNSCC_SAN" ] || fail "RUNSCC_SAN=$RUNSCC_SAN is not an executable"
	for platform in $PLATFORMS; do
		fuzz_run "fuzz-sanitized-$platform" "$RUNSCC_SAN" "$platform"
	done
	# The same build failing about one allocation in 300 in the sentry (test.sh builds it with
	# -DRUNSCC_FAULT_INJECTION=ON too): each handler's ENOMEM path, under ASan.
	if [ "${RUNSCC_SAN_FAULT_INJECTION:-0}" = 1 ]; then
		for platform in $PLATFORMS; do
			MALLOC_FAIL=300 HEALTHY_EXPECTED='^out of memory (recording|tracking) ' \
				fuzz_run "fuzz-malloc-fail-$platform" "$RUNSCC_SAN" "$platform"
		done
	else
		echo "the sanitizer build has no fault injection (RUNSCC_SAN_FAULT_INJECTION): failing allocations left out"
	fi
else
	echo "no sanitizer build given (RUNSCC_SAN): the sanitized runs are left out"
fi
finish
