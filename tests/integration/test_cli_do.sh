#!/bin/bash
# The `runsc-c do` contract: the guest's environment (clean default, --env, --cwd,
# --hostname, --uid/--gid), stdin/stdout/stderr passing through, the exit status (the
# guest's, or 128+signal), errors for a bad rootfs, program or platform, --debug --log
# (messages from the sentry and the gofer, both confined by then), and syscalls the sentry
# does not implement (ENOSYS, logged once by name). Where Linux has an equivalent the
# sandbox is compared with the native run. Needs root.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/../lib/common.sh"
need_root
FAULT="${BUILD_DIR:-}/tests/progs/fault"
TRAPCHECK="${BUILD_DIR:-}/tests/progs/trapcheck"
[ -x "$FAULT" ] && [ -x "$TRAPCHECK" ] || skip "tests/progs/{fault,trapcheck} are not built (BUILD_DIR=${BUILD_DIR:-unset})"

ROOT="$WORK/rootfs"
build_busybox_rootfs "$ROOT"
cp "$FAULT" "$ROOT/fault"
cp "$TRAPCHECK" "$ROOT/trapcheck"

compare env "$ROOT" /bin/env
compare exit-status "$ROOT" /bin/sh -c 'echo out; echo err >&2; exit 42'
compare killed-by-fault "$ROOT" /fault
compare killed-child "$ROOT" /bin/sh -c '/fault; echo "child status $?"'

# check NAME EXPECTED_STATUS EXPECTED_OUTPUT CMD...: runsc-c's status and its stdout+stderr.
check() {
	local name=$1 want_status=$2 want_out=$3
	shift 3
	local out status
	out=$(timeout 60 "$@" 2>&1 </dev/null)
	status=$?
	if [ "$status" = "$want_status" ] && [ "$out" = "$want_out" ]; then
		pass
	else
		fail "$name: status $status (want $want_status), output:"
		diff -u <(printf '%s\n' "$want_out") <(printf '%s\n' "$out") | sed 's/^/    /' | head -20
	fi
}

for platform in $PLATFORMS; do
	do_=("$RUNSCC" do --platform="$platform")
	check "options [$platform]" 3 "A=1 B=x=y
/etc
box
uid=1000 gid=100" "${do_[@]}" --rootfs "$ROOT" --env A=1 --env B=x=y --cwd /etc --hostname box \
		--uid 1000 --gid 100 -- /bin/sh -c 'echo "A=$A B=$B"; pwd; hostname; id; exit 3'

	out=$(printf 'line 1\nline 2\n' | "${do_[@]}" --rootfs "$ROOT" -- /bin/sh -c 'cat; echo done')
	if [ "$out" = "line 1
line 2
done" ]; then pass; else fail "stdin [$platform]: got $out"; fi

	check "no such program [$platform]" 127 "runsc-c: exec /nonexistent: No such file or directory" \
		"${do_[@]}" --rootfs "$ROOT" -- /nonexistent
	check "not executable [$platform]" 126 "runsc-c: exec /etc/passwd: Permission denied" \
		"${do_[@]}" --rootfs "$ROOT" -- /etc/passwd

	log="$WORK/debug.$platform.log"
	check "--debug --log [$platform]" 0 "ok" \
		"$RUNSCC" --debug --log "$log" do --platform="$platform" --rootfs "$ROOT" -- /bin/echo ok
	for component in gofer sentry; do
		if grep -q "\"level\":\"debug\".*\"component\":\"$component\"" "$log"; then
			pass
		else
			fail "--debug --log [$platform]: no debug message from the $component in $log"
			head -5 "$log" | sed 's/^/    /'
		fi
	done
done

# A syscall the sentry does not implement: ENOSYS every time, logged once by name.
# (io_uring_setup 425, kexec_load 246, add_key 248.)
for platform in $PLATFORMS; do
	log="$WORK/enosys.$platform.log"
	check "unimplemented syscalls [$platform]" 0 "syscall 425: ENOSYS
syscall 425: ENOSYS
syscall 246: ENOSYS
syscall 246: ENOSYS
syscall 248: ENOSYS
syscall 248: ENOSYS" "$RUNSCC" --log "$log" do --platform="$platform" --rootfs "$ROOT" -- /trapcheck calls 425 246 248
	for name in io_uring_setup kexec_load add_key; do
		n=$(grep -c "unimplemented syscall $name ([0-9]*): ENOSYS" "$log")
		if [ "$n" = 1 ]; then
			pass
		else
			fail "unimplemented $name [$platform]: logged $n times in $log"
		fi
	done
done

check "no such rootfs" 125 "runsc-c[cli]: error: rootfs $WORK/none: No such file or directory" \
	"$RUNSCC" do --rootfs "$WORK/none" -- /bin/true
check "unknown platform" 125 "runsc-c[cli]: error: unknown platform bogus (unotify or ptrace)" \
	"$RUNSCC" do --platform=bogus --rootfs "$ROOT" -- /bin/true
finish
