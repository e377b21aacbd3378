# shellcheck shell=bash
# Helpers for the security tests (test_escape.sh, test_trap_all.sh, test_hostile.sh), sourced
# after common.sh.

# guest_prog NAME: the path of a static test program built from tests/progs/NAME.c.
guest_prog() {
	local p="${BUILD_DIR:+$BUILD_DIR/tests/progs/}$1"
	[ -n "$BUILD_DIR" ] || skip "BUILD_DIR is not set (the test programs live in BUILD_DIR/tests/progs)"
	[ -x "$p" ] || skip "$p is not built"
	echo "$p"
}

# minimal_rootfs DIR PROG...: the mount points the sandbox provides and the given programs at
# the root (static programs need nothing else).
minimal_rootfs() {
	local root=$1
	shift
	mkdir -p "$root"/{proc,dev,sys,tmp,etc}
	chmod 1777 "$root/tmp"
	echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
	echo 'root:x:0:' >"$root/etc/group"
	for p in "$@"; do
		cp "$p" "$root/"
	done
}

# run_native_isolated OUTDIR ROOT CMD...: run_native for programs that make odd syscalls as
# root: in a new session (no controlling terminal to hang up), new UTS and IPC namespaces (the
# host's name and IPC objects stay untouched whatever the program does), and with an empty
# file of its own as stdin (not the host's /dev/null, which an fchmod(0) would change).
run_native_isolated() {
	local out=$1 root=$2
	shift 2
	if ! command -v unshare >/dev/null || ! command -v setsid >/dev/null; then
		skip "needs unshare and setsid (util-linux) to run hostile programs natively"
	fi
	: >"$out/stdin"
	(cd / && env -i PATH="$GUEST_PATH" HOME=/root setsid -w unshare --uts --ipc chroot "$root" "$@") \
		>"$out/stdout" 2>"$out/stderr" <"$out/stdin"
	echo $? >"$out/status"
}

# run_sandbox_strace OUTDIR PLATFORM ROOT CMD...: run_sandbox with --strace.
run_sandbox_strace() {
	local out=$1 platform=$2 root=$3
	shift 3
	timeout 300 "$RUNSCC" --log "$out/log" "do" --platform="$platform" --strace --rootfs "$root" \
		-- "$@" >"$out/stdout" 2>"$out/stderr" </dev/null
	echo $? >"$out/status"
}

# log_msgs LOG: the "msg" field of every JSON line of a sentry log, JSON escapes undone
# (\" \/ \\; \n stays as the two characters).
log_msgs() {
	sed -n 's/^{.*"msg":"\(.*\)","time":".*$/\1/p' "$1" |
		sed -e 's/\\\//\//g' -e 's/\\"/"/g' -e 's/\\\\/\\/g'
}

# strace_lines LOG: the --strace lines of a sentry log ("[pid N] name(args) = result").
strace_lines() {
	log_msgs "$1" | grep -E '^\[pid -?[0-9]+\] '
}

# syscall_names FILE: `runsc-c debug syscall-names` ("NR NAME" for 0..511) into FILE.
syscall_names() {
	"$RUNSCC" debug syscall-names >"$1" || {
		fail "runsc-c debug syscall-names failed"
		return 1
	}
	[ "$(wc -l <"$1")" -ge 461 ] || fail "runsc-c debug syscall-names printed fewer than 461 lines"
}

# native_syscall_numbers NAMES_FILE: the numbers of the documented list of syscalls the host runs
# for a guest without the sentry (`runsc-c debug guest-native-syscalls`), comma-separated.
native_syscall_numbers() {
	local names=$1 list="" name nr
	while read -r name; do
		case "$name" in '#'* | '') continue ;; esac
		nr=$(awk -v n="$name" '$2 == n { print $1; exit }' "$names")
		if [ -z "$nr" ]; then
			fail "documented native syscall '$name' is not a name from runsc-c debug syscall-names"
			continue
		fi
		list="${list:+$list,}$nr"
	done < <("$RUNSCC" debug guest-native-syscalls)
	echo "${list:--}"
}

# sentry_healthy NAME OUTDIR: the sandbox's sentry and gofer did not crash (no fatal signal,
# no sanitizer report, no death reported by the CLI, status not 125). HEALTHY_EXPECTED: a
# regex of log messages the run causes on purpose (injected allocation failures).
sentry_healthy() {
	local name=$1 out=$2 ok=0
	local pat='fatal|died of signal|AddressSanitizer|LeakSanitizer|runtime error:|Assertion .* failed|out of memory'
	local expected=${HEALTHY_EXPECTED:-'^$'}
	if grep -E -i -q "$pat" "$out/stderr" 2>/dev/null; then
		fail "$name: the sandbox's stderr reports a crash"
		grep -E -i "$pat" "$out/stderr" | head -5 | sed 's/^/    /'
		ok=1
	fi
	if [ -f "$out/log" ] && log_msgs "$out/log" | grep -v '^\[pid' | grep -E -v "$expected" | grep -E -i -q "$pat"; then
		fail "$name: the sentry log reports a crash"
		log_msgs "$out/log" | grep -v '^\[pid' | grep -E -v "$expected" | grep -E -i "$pat" | head -5 | sed 's/^/    /'
		ok=1
	fi
	if [ "$(cat "$out/status")" = 125 ]; then
		fail "$name: runsc-c exited with 125 (sandbox failure)"
		ok=1
	fi
	return $ok
}

# symbolize: a sanitizer report on stdin, with each frame of a binary of ours, `(PATH+0xOFF)`,
# followed by the function and line addr2line finds there (the runs keep ASan's own
# symbolizer off, for speed).
symbolize() {
	local line bin off
	while IFS= read -r line; do
		if [[ $line =~ \((/[^+]*runsc-c)\+(0x[0-9a-f]+)\) ]]; then
			bin=${BASH_REMATCH[1]} off=${BASH_REMATCH[2]}
			line="$line $(addr2line -f -i -e "$bin" "$off" 2>/dev/null | paste -sd' ')"
		fi
		printf '%s\n' "$line"
	done
}

# children_of PID: the host pids whose parent is PID.
children_of() {
	[ -n "$1" ] && ps -o pid= --ppid "$1" | tr -d ' '
}

# sentry_children RUNSCC_PID SAME|SPAWNER|OTHER: children of the sentry (`runsc-c boot`) of
# the sandbox started by the `runsc-c do` process RUNSCC_PID, in the sentry's pid namespace
# (the guest processes; the spawner, sentry/spawner.c, a fork of the sentry that runs its
# program, apart) or in another one (the reopener, sentry/fs/reopen.c).
sentry_children() {
	local c g
	for c in $(children_of "$1"); do
		if tr '\0' ' ' <"/proc/$c/cmdline" 2>/dev/null | grep -q ' boot '; then
			for g in $(children_of "$c"); do
				if [ "$(readlink "/proc/$g/ns/pid")" = "$(readlink "/proc/$c/ns/pid")" ]; then
					if [ "$(readlink "/proc/$g/exe")" = "$(readlink "/proc/$c/exe")" ]; then
						[ "$2" = SPAWNER ] && echo "$g"
					else
						[ "$2" = SAME ] && echo "$g"
					fi
				else
					[ "$2" = OTHER ] && echo "$g"
				fi
			done
		fi
	done
}

# guest_host_pids RUNSCC_PID: host pids of the guest processes of that sandbox.
guest_host_pids() {
	sentry_children "$1" SAME
}
