#!/bin/bash
# linux.resources.devices on a cgroup v2 hierarchy: the BPF_PROG_TYPE_CGROUP_DEVICE program
# runsc-c attaches (oci/device_filter.c).
# 1. tests/device_filter_check: for each list of rules (default deny or allow, allow lists,
#    wildcards, r/w/m, a rule taken back), a process in a new cgroup v2 directory with the
#    program attached and one in a new cgroup v1 devices directory with the same rules
#    written to devices.allow/deny get the same result for every open and mknod tried; and
#    the first case is the expected one (/dev/null denied, /dev/zero allowed).
# 2. A container's cgroup on the v2 hierarchy (runsc-c create) holds the program: a host
#    process moved into it there (and only there) may open /dev/null but not /dev/kmsg.
# Needs root, cgroup2 (here: a hybrid set-up's /sys/fs/cgroup/unified) and, for 1, the v1
# devices controller.
. "$(dirname "$0")/../lib/common.sh"
need_root
CHECK="${BUILD_DIR:-}/tests/device_filter_check"
[ -x "$CHECK" ] || skip "tests/device_filter_check is not built (BUILD_DIR=${BUILD_DIR:-unset})"
command -v jq >/dev/null || skip "jq is not installed (apt-get install jq)"
if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
	V2=/sys/fs/cgroup
elif [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
	V2=/sys/fs/cgroup/unified
else
	skip "no cgroup2 hierarchy mounted"
fi

# --- 1. The program against v1's controller.
if [ "$(stat -f -c %T /sys/fs/cgroup/devices 2>/dev/null)" = cgroupfs ]; then
	if "$CHECK" /sys/fs/cgroup/devices "$V2" >"$WORK/check" 2>"$WORK/check.err"; then
		pass
	else
		fail "device_filter_check: $(cat "$WORK/check.err")"
	fi
	cases=$(awk '{ print $1 }' "$WORK/check" | sort -u)
	[ "$(echo "$cases" | wc -l)" -ge 8 ] && pass || fail "not every case ran: $(echo $cases)"
	for c in $cases; do
		v1=$(awk -v c="$c" '$1 == c && $2 == "v1:" { $1 = $2 = ""; print }' "$WORK/check")
		v2=$(awk -v c="$c" '$1 == c && $2 == "v2:" { $1 = $2 = ""; print }' "$WORK/check")
		[ -n "$v1" ] && [ "$v1" = "$v2" ] && pass || fail "$c: v1:$v1 / v2:$v2"
	done
	grep -q '^deny-all-allow-zero v2: null:r=EPERM .* zero:r=ok ' "$WORK/check" && pass ||
		fail "deny all, allow c 1:5: $(grep '^deny-all-allow-zero v2' "$WORK/check")"
else
	echo "SKIP: part 1: no cgroup v1 devices controller to compare with"
fi

# --- 2. A container's cgroup.
BUNDLE="$WORK/bundle"
ROOT="$WORK/state"
mkdir -p "$BUNDLE"
build_busybox_rootfs "$BUNDLE/rootfs"
(cd "$BUNDLE" && "$RUNSCC" spec) || { fail "runsc-c spec"; finish; exit; }
jq '.process.terminal = false | .process.args = ["sleep", "1000"]' "$BUNDLE/config.json" >"$BUNDLE/c.json"
mv "$BUNDLE/c.json" "$BUNDLE/config.json"
ID=devices-$$
trap '"$RUNSCC" --root "$ROOT" delete --force "$ID" >/dev/null 2>&1; rm -rf "$WORK"' EXIT
if timeout 60 "$RUNSCC" --root "$ROOT" create --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>"$WORK/create.err"; then
	pass
else
	fail "create: $(cat "$WORK/create.err")"
fi
CG="$V2/runsc-c/$ID"
if [ -d "$CG" ]; then
	out=$(sh -c 'echo $$ >"$1/cgroup.procs" && { : </dev/null && echo null-ok; (: </dev/kmsg) 2>/dev/null && echo kmsg-ok || echo kmsg-denied; }' sh "$CG" 2>&1)
	[ "$out" = "$(printf 'null-ok\nkmsg-denied')" ] && pass || fail "in $CG: $out"
else
	fail "no cgroup $CG"
fi
"$RUNSCC" --root "$ROOT" delete --force "$ID" >/dev/null 2>&1
[ ! -d "$CG" ] && pass || fail "$CG left after delete"
finish
