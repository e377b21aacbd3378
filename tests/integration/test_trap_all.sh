#!/bin/bash
# Invariant 2: every syscall number tried from inside is trapped (answered by the sentry),
# except the documented list the host runs natively (`runsc-c debug guest-native-syscalls`).
#
# tests/progs/trapcheck calls every number from 0 to 511 with harmless arguments, each after a
# marker write ("trapcheck NR\n" on stderr); with --strace, the sentry logs every syscall it
# answers, so the line after each marker must name that number's syscall. The documented
# native syscalls must never show up in the log (trapcheck returns from a signal handler, so
# rt_sigreturn did run). x32 and int $0x80 syscalls must never return: the filter's bad-arch
# action kills the process with SIGSYS (128 + 31), or the kernel refuses the ABI as it does
# natively (each is run natively first to learn which).
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/security.sh"
need_root

MAX_NR=511
TRAPCHECK=$(guest_prog trapcheck)
ROOT="$WORK/rootfs"
minimal_rootfs "$ROOT" "$TRAPCHECK"

NAMES="$WORK/syscall-names"
syscall_names "$NAMES" || { finish; exit; }
SKIP=$(native_syscall_numbers "$NAMES")
echo "documented native syscalls: $(grep -v '^#' <("$RUNSCC" debug guest-native-syscalls) | tr '\n' ' ')(numbers: $SKIP)"

# The name strace shows for a number (extras beyond the table: syscall_N, and a number with
# high bits set is its low 32 bits).
name_of() {
	local nr=$1
	if [ "$nr" -ge 4294967296 ]; then
		nr=$((nr & 0xffffffff))
	fi
	awk -v n="$nr" '$1 == n { print $2; found = 1; exit } END { if (!found) print "syscall_" n }' "$NAMES"
}

# Every number trapcheck called: 0..MAX_NR less exit, exit_group and the documented list.
expected_numbers() {
	local nr
	for nr in $(seq 0 "$MAX_NR"); do
		case ",$SKIP,60,231," in *",$nr,"*) continue ;; esac
		echo "$nr"
	done
	# Extras (trapcheck.c extras[]), except the forged markers the sentry refuses silently.
	printf '%s\n' 1023 1024 1073741823 -1 4294967335
}

# Reference run: the harness itself survives every call natively.
native="$WORK/native"
mkdir -p "$native"
run_native_isolated "$native" "$ROOT" /trapcheck all "$SKIP" "$MAX_NR"
if [ "$(cat "$native/status")" = 0 ] && grep -q '^trapcheck: done' "$native/stdout"; then
	pass
else
	fail "native: trapcheck did not run through (status $(cat "$native/status"); last marker: $(tail -1 "$native/stderr"))"
fi

# What this kernel does natively with another architecture's syscall (a kernel without IA-32
# emulation answers int $0x80 with SIGSEGV).
for mode in x32 int80; do
	mkdir -p "$WORK/$mode.native"
	run_native_isolated "$WORK/$mode.native" "$ROOT" /trapcheck "$mode"
	echo "native trapcheck $mode: status $(cat "$WORK/$mode.native/status"): $(tail -1 "$WORK/$mode.native/stdout")"
done

for platform in $PLATFORMS; do
	out="$WORK/all.$platform"
	mkdir -p "$out"
	run_sandbox_strace "$out" "$platform" "$ROOT" /trapcheck all "$SKIP" "$MAX_NR"
	status=$(cat "$out/status")
	if [ "$status" = 0 ] && grep -q '^trapcheck: done' "$out/stdout"; then
		pass
	else
		fail "[$platform] trapcheck all: status $status, last marker: $(tail -1 "$out/stderr")"
		tail -3 "$out/stdout" | sed 's/^/    /'
	fi
	sentry_healthy "[$platform] trapcheck all" "$out" && pass
	strace_lines "$out/log" >"$out/strace"

	# For each marker, the first of pid 1's lines after it: "NR NAME". (A marker write that a
	# signal interrupted shows twice: the call is what follows the last one.)
	awk '
		/^\[pid 1\] / {
			if (match($0, /^\[pid 1\] write\(2, "trapcheck -?[0-9]+\\n"/)) {
				s = substr($0, RSTART, RLENGTH)
				sub(/^.*"trapcheck /, "", s)
				sub(/\\n"$/, "", s)
				cur = s
				next
			}
			if (cur != "") {
				name = $3
				sub(/\(.*/, "", name)
				print cur, name
				cur = ""
			}
		}' "$out/strace" >"$out/seen"
	missing=0
	missing_list=""
	while read -r nr; do
		want=$(name_of "$nr")
		got=$(awk -v n="$nr" '$1 == n { print $2; exit }' "$out/seen")
		if [ "$got" != "$want" ]; then
			missing=$((missing + 1))
			[ "$missing" -le 20 ] && missing_list="$missing_list $nr:$want(${got:-nothing})"
		fi
	done < <(expected_numbers)
	ncalled=$(expected_numbers | wc -l)
	if [ "$missing" = 0 ]; then
		echo "[$platform] all $ncalled numbers were answered by the sentry"
		pass
	else
		fail "[$platform] $missing of $ncalled numbers were not answered by the sentry right after their marker (nr:expected(seen)):$missing_list"
	fi

	# The program's end and the documented list.
	if grep -q '^\[pid 1\] exit_group(' "$out/strace"; then
		pass
	else
		fail "[$platform] no exit_group line in the strace log"
	fi
	while read -r name; do
		case "$name" in '#'* | '') continue ;; esac
		if grep -q "^\[pid [0-9]*\] $name(" "$out/strace"; then
			fail "[$platform] documented native syscall $name appears in the strace log (so it is trapped, and the list is wrong)"
		else
			pass
		fi
	done < <("$RUNSCC" debug guest-native-syscalls)
	if grep -q '^trapcheck: signal handler returned (segv 1, value 42)' "$out/stdout"; then
		pass
	else
		fail "[$platform] returning from a signal handler (native rt_sigreturn) did not work"
	fi

	# Forged markers: refused by the sentry (EPERM), never run by the host.
	for what in 'forged marker' 'forged exec marker'; do
		if grep -q "^trapcheck: extra $what .* = -1 EPERM\$" "$out/stdout"; then
			pass
		else
			fail "[$platform] $what: $(grep "^trapcheck: extra $what" "$out/stdout" || echo 'no result')"
		fi
	done

	# Another architecture's syscalls: never run by the host. Where the native run makes the
	# call (the kernel has that ABI), the filter's bad-arch action kills the caller with
	# SIGSYS; where the kernel itself refuses the ABI (int $0x80 is SIGSEGV on a kernel
	# without IA-32 emulation), the sandbox may end as the native run did, or with SIGSYS.
	# Either way the call must not return.
	for mode in x32 int80; do
		out="$WORK/$mode.$platform"
		mkdir -p "$out"
		run_sandbox_strace "$out" "$platform" "$ROOT" /trapcheck "$mode"
		status=$(cat "$out/status")
		native_status=$(cat "$WORK/$mode.native/status")
		if grep -q 'not killed' "$out/stdout"; then
			fail "[$platform] trapcheck $mode: the call returned in the sandbox: $(tail -1 "$out/stdout")"
		elif [ "$status" = 159 ] || { [ "$status" = "$native_status" ] && [ "$status" -gt 128 ]; }; then
			pass
		else
			fail "[$platform] trapcheck $mode: exit status $status, expected 159 (SIGSYS) or the native run's $native_status"
		fi
		sentry_healthy "[$platform] trapcheck $mode" "$out" && pass
	done
done
finish
