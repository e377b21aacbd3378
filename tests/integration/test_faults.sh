#!/bin/bash
# Fault injection: the sandbox meets a failure of one of its own parts or of the host and
# neither the sentry nor the gofer crashes, hangs or leaves anything behind.
# - the gofer killed mid-run: file reads get EIO in the guest, which goes on (its exit
#   status is the sandbox's);
# - the sentry killed mid-run: the guest dies, `do` exits 125 saying the sentry died, and
#   no process of the sandbox, mount of its rootfs or cgroup (--memory) is left;
# - the CLI itself ended by SIGTERM (timeout(1)) under --memory: its cgroup is removed;
# - a guest process killed from the host in the middle of a syscall the sentry is handling
#   (a read of a file from the gofer, then of /dev/zero, which the sentry writes into the
#   reader's memory, without end; a wait4): the others go on;
# - the sentry short of host fds (RUNSCC_DEBUG_SENTRY_NOFILE lowers its own RLIMIT_NOFILE
#   after boot): a guest that opens fds of every kind gets EMFILE or ENFILE, never anything
#   else, can open again once it closed them, and a fuzzer run there ends normally;
# - regressions of the sentry crashes the fuzzer found (hostile_races, fallocate), and
#   hostile_races again with the sanitizer build when there is one (RUNSCC_SAN): its races
#   end in a use after free that only ASan sees.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/security.sh"
need_root

ROOT="$WORK/rootfs"
build_busybox_rootfs "$ROOT"
cp "$(guest_prog fdexhaust)" "$ROOT/fdexhaust"
FUZZ=${BUILD_DIR:+$BUILD_DIR/tests/fuzz/fuzz}
[ -x "${FUZZ:-}" ] && cp "$FUZZ" "$ROOT/fuzz"
BIG=big-$$
dd if=/dev/zero of="$ROOT/$BIG" bs=1M count=64 status=none

# start_sandbox OUT PLATFORM [DO_OPTION...] -- CMD...: runs `runsc-c do` in the background
# (its pid in SANDBOX_PID), output in OUT/stdout and OUT/stderr, status in OUT/status.
start_sandbox() {
	local out=$1 platform=$2
	shift 2
	mkdir -p "$out"
	("$RUNSCC" --log "$out/log" do --platform="$platform" --rootfs "$ROOT" "$@" \
		>"$out/stdout" 2>"$out/stderr" </dev/null
	 echo $? >"$out/status") &
	SANDBOX_PID=$!
}

# finished OUT: waits (bounded) for the sandbox's status; fails the test if it hangs.
finished() {
	if ! wait_until 120 test -s "$1/status"; then
		fail "$1: the sandbox did not end within 120 s"
		return 1
	fi
}

# run_pids OUT [WHAT]: host pids of the processes of the run logging to OUT/log (the CLI,
# its cgroup child, the gofer, the sentry and its helpers); WHAT narrows to gofer or boot.
run_pids() {
	pgrep -f -- "--log $1/log ${2:-}" || true
}

# host_pid_of PATTERN: the host pid of the guest process whose command line matches.
host_pid_of() {
	pgrep -f -- "$1" | head -1
}

nothing_left() {
	local name=$1 out=$2 left
	left=$(run_pids "$out")
	[ -z "$left" ] && pass || fail "$name: processes of the sandbox are left: $left"
	if grep -q -- "$ROOT" /proc/mounts; then
		fail "$name: a mount of the rootfs is left on the host"
	else
		pass
	fi
}

for platform in $PLATFORMS; do
	# The gofer killed while the guest reads files.
	out="$WORK/gofer-killed.$platform"
	start_sandbox "$out" "$platform" -- /bin/sh -c 'echo started
		while cat /etc/passwd >/dev/null; do :; done
		echo "read failed"; exit 7'
	wait_for_line started "$out/stdout" "$SANDBOX_PID"
	gofer=$(run_pids "$out" gofer)
	[ -n "$gofer" ] && kill -KILL $gofer
	if finished "$out"; then
		if [ "$(cat "$out/status")" = 7 ] && grep -q "read failed" "$out/stdout" &&
			grep -q "Input/output error" "$out/stderr"; then
			pass
		else
			fail "[$platform] gofer killed: status $(cat "$out/status") (expected the guest's 7 after an EIO)"
			head -5 "$out/stderr" | sed 's/^/    /'
		fi
		sentry_healthy "[$platform] gofer killed" "$out" && pass
		nothing_left "[$platform] gofer killed" "$out"
	fi

	# The sentry killed while guests run (one in a read loop, one asleep).
	out="$WORK/sentry-killed.$platform"
	start_sandbox "$out" "$platform" --memory 256m -- /bin/sh -c 'echo started; sleep 1000 &
		while :; do cat /etc/passwd >/dev/null; done'
	wait_for_line started "$out/stdout" "$SANDBOX_PID"
	cli=$(pgrep -P "$SANDBOX_PID")
	sentry=$(run_pids "$out" boot | head -1)
	[ -n "$sentry" ] && kill -KILL "$sentry"
	if finished "$out"; then
		if [ "$(cat "$out/status")" = 125 ] && log_msgs "$out/log" | grep -q "the sentry died of signal 9"; then
			pass
		else
			fail "[$platform] sentry killed: status $(cat "$out/status"), expected 125 and 'the sentry died'"
		fi
		nothing_left "[$platform] sentry killed" "$out"
		cgroups=$(find /sys/fs/cgroup -maxdepth 3 -name "do-$cli" 2>/dev/null)
		[ -n "$cli" ] && [ -z "$cgroups" ] && pass || fail "[$platform] sentry killed: cgroup left: '$cgroups' (CLI pid '$cli')"
	fi

	# A guest killed from the host in the middle of an endless read, another in wait4.
	out="$WORK/guest-killed.$platform"
	start_sandbox "$out" "$platform" -- /bin/sh -c "echo started
		cat /$BIG /dev/zero >/dev/null; echo \"cat: \$?\"
		sh -c 'sleep 1000 & echo waiting; wait'; echo \"waiter: \$?\"
		echo done; exit 3"
	wait_for_line started "$out/stdout" "$SANDBOX_PID"
	pid=""
	wait_until 60 eval 'pid=$(host_pid_of "^cat /$BIG"); [ -n "$pid" ]'
	[ -n "$pid" ] && kill -KILL "$pid"
	wait_for_line waiting "$out/stdout" "$SANDBOX_PID"
	pid=""
	wait_until 60 eval 'pid=$(host_pid_of "^sh -c sleep 1000 & echo waiting"); [ -n "$pid" ]'
	[ -n "$pid" ] && kill -KILL "$pid"
	if finished "$out"; then
		printf 'started\ncat: 137\nwaiting\nwaiter: 137\ndone\n' >"$out/expected"
		if cmp -s "$out/expected" "$out/stdout" && [ "$(cat "$out/status")" = 3 ]; then
			pass
		else
			fail "[$platform] guest killed in a syscall: status $(cat "$out/status") (expected 3)"
			diff -u "$out/expected" "$out/stdout" | sed 's/^/    /'
		fi
		sentry_healthy "[$platform] guest killed" "$out" && pass
	fi

	# The sentry short of fds.
	out="$WORK/nofile.$platform"
	mkdir -p "$out"
	RUNSCC_DEBUG_SENTRY_NOFILE=48 run_sandbox "$out" "$platform" "$ROOT" /fdexhaust
	errors=$(sed -n 's/^errors //p' "$out/stdout")
	if [ "$(cat "$out/status")" = 0 ] && grep -q '^after ok$' "$out/stdout" &&
		[ -n "$errors" ] && [ -z "$(tr ' ' '\n' <<<"$errors" | grep -v -x -E 'EMFILE|ENFILE|ENOSYS')" ]; then
		echo "[$platform] sentry out of fds: $(tr '\n' ';' <"$out/stdout")"
		pass
	else
		fail "[$platform] sentry out of fds: status $(cat "$out/status"), $(tr '\n' ';' <"$out/stdout") (only EMFILE or ENFILE may fail an open)"
	fi
	sentry_healthy "[$platform] sentry out of fds" "$out" && pass
	if [ -x "$ROOT/fuzz" ]; then
		out="$WORK/nofile-fuzz.$platform"
		mkdir -p "$out"
		RUNSCC_DEBUG_SENTRY_NOFILE=48 DO_OPTS="--memory 1G --pids-max 256" \
			run_sandbox "$out" "$platform" "$ROOT" /fuzz --seed 48 --calls 200000 --seconds 10
		if [ "$(cat "$out/status")" = 0 ] && grep -q '^fuzz: seed' "$out/stdout"; then
			echo "[$platform] sentry out of fds: $(grep '^fuzz: seed' "$out/stdout")"
			pass
		else
			fail "[$platform] fuzzer with the sentry out of fds: status $(cat "$out/status")"
			head -5 "$out/stderr" | sed 's/^/    /'
		fi
		sentry_healthy "[$platform] fuzzer, sentry out of fds" "$out" && pass
	fi
done

# Regressions of what the fuzzer found (tests/progs/hostile_races.c): an exit signal init
# does not handle, a socket closed under a waiting recvfrom, a ppoll timeout of 2^62 s.
cp "$(guest_prog hostile_races)" "$ROOT/hostile_races"
compare hostile_races "$ROOT" /hostile_races
if [ -n "${RUNSCC_SAN:-}" ]; then
	for platform in $PLATFORMS; do
		out="$WORK/hostile_races.sanitized.$platform"
		mkdir -p "$out"
		RUNSCC=$RUNSCC_SAN ASAN_OPTIONS=halt_on_error=1:detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1 \
			run_sandbox "$out" "$platform" "$ROOT" /hostile_races
		cmp -s "$WORK/hostile_races.native/stdout" "$out/stdout" && pass ||
			fail "hostile_races [$platform, sanitizer build]: stdout differs from the native run: $(tr '\n' ';' <"$out/stdout")"
		sentry_healthy "hostile_races [$platform, sanitizer build]" "$out" && pass
	done
fi
# fallocate past the memory layer's bound (half of --memory): ENOSPC, not the cgroup's OOM.
for platform in $PLATFORMS; do
	out="$WORK/fallocate.$platform"
	mkdir -p "$out"
	DO_OPTS="--memory 128m" run_sandbox "$out" "$platform" "$ROOT" /bin/sh -c \
		'fallocate -l 1G /big-file; echo "1G: $?"; fallocate -l 16M /small-file; echo "16M: $?"'
	if [ "$(cat "$out/stdout")" = "$(printf '1G: 1\n16M: 0')" ] && grep -q "No space left" "$out/stderr"; then
		pass
	else
		fail "[$platform] fallocate past the overlay's bound: $(tr '\n' ';' <"$out/stdout") $(cat "$out/stderr")"
	fi
done

# The CLI ended by SIGTERM under --memory: its sandbox goes and its cgroup is removed.
out="$WORK/cli-terminated"
mkdir -p "$out"
start_sandbox "$out" unotify --memory 256m -- /bin/sh -c 'echo started; sleep 1000'
wait_for_line started "$out/stdout" "$SANDBOX_PID"
cli=$(pgrep -P "$SANDBOX_PID")
cgroup_dirs() { find /sys/fs/cgroup -maxdepth 3 -name "do-$cli" 2>/dev/null; }
[ -n "$(cgroup_dirs)" ] && pass || fail "CLI terminated: no cgroup do-$cli while it ran"
kill -TERM "$cli"
if finished "$out"; then
	[ "$(cat "$out/status")" != 0 ] && pass || fail "CLI terminated: status 0"
	nothing_left "CLI terminated" "$out"
	[ -z "$(cgroup_dirs)" ] && pass || fail "CLI terminated: its cgroup is left: $(cgroup_dirs)"
fi
finish
