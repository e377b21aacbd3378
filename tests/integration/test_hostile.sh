#!/bin/bash
# Invariant 4: a hostile static program passes bad pointers, huge lengths, negative fds and
# unterminated strings to every syscall the sentry implements (read from
# sentry/syscalls/table.c): each call comes back with a result, the sentry keeps running, and
# a normal command works in a new sandbox afterwards.
#
# tests/progs/hostile "sweep" tries, argument by argument, each hostile value of the
# argument's kind; its results are compared with a native (chroot) run: differences are
# reported, and fail for the calls whose errno Linux defines and the sentry must match (EBADF
# for bad fds, EFAULT for bad pointers on paths and stat buffers, ENAMETOOLONG, ENOENT,
# ENOTDIR, ELOOP; marked S). "fuzz" makes a few thousand calls of random syscalls from the
# list with random mixes of hostile arguments (fixed seed, printed; HOSTILE_SEED and
# HOSTILE_FUZZ_CALLS change them).
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/security.sh"
need_root

SEED=${HOSTILE_SEED:-20260101}
FUZZ_CALLS=${HOSTILE_FUZZ_CALLS:-3000}
HOSTILE=$(guest_prog hostile)
TABLE="$SRC_DIR/sentry/syscalls/table.c"
[ -f "$TABLE" ] || skip "$TABLE not found (SRC_DIR)"

ROOT="$WORK/rootfs"
build_busybox_rootfs "$ROOT"
cp "$HOSTILE" "$ROOT/hostile"
ln -s /loop "$ROOT/loop"

# The implemented syscalls, as NAME:NR,...
NAMES="$WORK/syscall-names"
syscall_names "$NAMES" || { finish; exit; }
LIST=""
while read -r name; do
	nr=$(awk -v n="$name" '$2 == n { print $1; exit }' "$NAMES")
	if [ -z "$nr" ]; then
		fail "table.c names $name, which runsc-c debug syscall-names does not know"
		continue
	fi
	LIST="${LIST:+$LIST,}$name:$nr"
done < <(sed -n 's/^[[:space:]]*[SN](SYS_\([a-z0-9_]*\),.*/\1/p' "$TABLE")
echo "implemented syscalls: $(tr ',' '\n' <<<"$LIST" | wc -l) (from sentry/syscalls/table.c)"

# hostile_ok NAME OUTDIR CALLS: the run printed "hostile: done" (CALLS calls, if given) and
# exited 0, and the sentry survived.
hostile_ok() {
	local name=$1 out=$2 calls=${3:-} status done_line
	status=$(cat "$out/status")
	done_line=$(grep '^hostile: done' "$out/stderr")
	if [ "$status" = 0 ] && [ -n "$done_line" ] &&
		{ [ -z "$calls" ] || [ "$done_line" = "hostile: done $calls calls" ]; }; then
		echo "$name: $done_line"
		pass
	else
		fail "$name: exit status $status, ${done_line:-no 'hostile: done' line}${calls:+ (expected $calls calls)}"
		grep -E '^[CF][0-9]+ ' "$out/stderr" | tail -2 | sed 's/^/    last: /'
		grep -v -E '^[CF][0-9]+ |^hostile: ' "$out/stderr" | head -10 | sed 's/^/    /'
		[ -f "$out/log" ] && log_msgs "$out/log" | tail -5 | sed 's/^/    log: /'
	fi
	sentry_healthy "$name" "$out" && pass
	# hostile never forges the sentry's marker syscall: one the sentry did not ask for is a
	# request the platform lost.
	if grep -q 'marker syscall the sentry did not ask for' "$out/log" 2>/dev/null; then
		fail "$name: the sentry saw marker syscalls it did not ask for (lost fd installs)"
	else
		pass
	fi
}

# A normal command in a new sandbox still works.
still_works() {
	local platform=$1 out="$WORK/after.$1"
	mkdir -p "$out"
	run_sandbox "$out" "$platform" "$ROOT" ls /etc
	if [ "$(cat "$out/status")" = 0 ] && grep -qx passwd "$out/stdout"; then
		pass
	else
		fail "[$platform] ls /etc in a new sandbox after the hostile runs: status $(cat "$out/status")"
		head -5 "$out/stderr" | sed 's/^/    /'
	fi
}

# compare_sweep NATIVE SANDBOX PLATFORM: per case, the native and sandbox results.
compare_sweep() {
	local native=$1 sandbox=$2 platform=$3
	awk -v platform="$platform" '
		function parse(line) {
			id = $1
			strict = $2
			desc = $3
			res = line
			sub(/^.* = /, "", res)
		}
		FNR == NR && /^C[0-9]+ / { parse($0); nres[id] = res; ndesc[id] = desc; next }
		/^C[0-9]+ / {
			parse($0)
			if (!(id in nres)) { print "MISSING", id, desc, "(no native result)"; next }
			if (ndesc[id] != desc) { print "MISALIGNED", id, desc, ndesc[id]; next }
			seen[id] = 1
			if (nres[id] != res)
				print (strict == "S" ? "STRICT" : "INFO"), id, desc, "native " nres[id] ", sandbox " res
		}
		END {
			for (id in nres)
				if (!(id in seen))
					print "MISSING", id, ndesc[id], "(no sandbox result)"
		}' "$native" "$sandbox"
}

# Natively on a copy: as the sentry learns to write files, the sweep's calls may too.
native="$WORK/sweep.native"
mkdir -p "$native"
cp -a "$ROOT" "$WORK/native-root"
run_native_isolated "$native" "$WORK/native-root" /hostile sweep "$LIST" nogeneric
native_calls=$(sed -n 's/^hostile: done \([0-9]*\) calls$/\1/p' "$native/stderr")
if [ "$(cat "$native/status")" = 0 ] && [ -n "$native_calls" ]; then
	echo "native: $native_calls calls"
	pass
else
	fail "native: hostile sweep did not run through (status $(cat "$native/status")): $(grep -E '^C[0-9]+ ' "$native/stderr" | tail -1)"
fi
grep '^hostile: .*no spec' "$native/stderr" | sed 's/^hostile: \(.*\): no spec.*/note: \1 has no spec in hostile.c: generic arguments, in the sandbox only/'

for platform in $PLATFORMS; do
	out="$WORK/sweep.$platform"
	mkdir -p "$out"
	run_sandbox "$out" "$platform" "$ROOT" /hostile sweep "$LIST"
	hostile_ok "[$platform] hostile sweep" "$out"
	compare_sweep "$native/stderr" "$out/stderr" "$platform" >"$out/diff"
	strict=$(grep -c -E '^(STRICT|MISSING|MISALIGNED) ' "$out/diff")
	info=$(grep -c '^INFO ' "$out/diff")
	echo "[$platform] errno differences from Linux: $strict where Linux's errno is defined (must be 0), $info others (reported only):"
	sed 's/^/    /' "$out/diff"
	if [ "$strict" = 0 ]; then
		pass
	else
		fail "[$platform] $strict calls got another result than on Linux where the errno is well defined (lines STRICT/MISSING above)"
	fi

	out="$WORK/fuzz.$platform"
	mkdir -p "$out"
	echo "[$platform] fuzz: seed $SEED, $FUZZ_CALLS calls"
	run_sandbox "$out" "$platform" "$ROOT" /hostile fuzz "$SEED" "$FUZZ_CALLS" "$LIST"
	hostile_ok "[$platform] hostile fuzz (seed $SEED)" "$out" "$FUZZ_CALLS"

	# Opens while children exit (their SIGCHLD interrupts the fd installation).
	out="$WORK/forkopen.$platform"
	mkdir -p "$out"
	run_sandbox "$out" "$platform" "$ROOT" /hostile forkopen
	if [ "$(cat "$out/status")" = 0 ]; then
		pass
	else
		fail "[$platform] hostile forkopen: status $(cat "$out/status")"
		grep '^hostile: forkopen' "$out/stderr" | head -5 | sed 's/^/    /'
	fi

	still_works "$platform"
done
finish
