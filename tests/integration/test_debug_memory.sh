#!/bin/bash
# `runsc-c debug memory ID` on a running OCI sandbox: the sentry's and the gofer's resident
# and proportional set sizes, the memory files' budget, what each in-memory mount holds, System
# V segments. Checked against what the guest does, relatively (no fixed numbers): idle, after
# it writes 8 MiB into the root's in-memory layer and 4 MiB into /dev/shm (each mount grows by
# at least that, the budget by both), and after it removes them (back to the idle figures).
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/../lib/common.sh"
need_root
command -v jq >/dev/null || skip "jq is not installed (apt-get install jq)"

ROOTDIR="$WORK/state"
BUNDLE="$WORK/bundle"
MIB=1048576
mkdir -p "$BUNDLE"
build_busybox_rootfs "$BUNDLE/rootfs"
(cd "$BUNDLE" && "$RUNSCC" spec) || { fail "runsc-c spec"; finish; exit; }
jq '.process.terminal = false | .process.args = ["sleep", "1000"] | .root.readonly = false' \
	"$BUNDLE/config.json" >"$BUNDLE/config.json.new" && mv "$BUNDLE/config.json.new" "$BUNDLE/config.json"
trap '"$RUNSCC" --root "$ROOTDIR" delete --force mem >/dev/null 2>&1; rm -rf "$WORK"' EXIT

# figure FILE KEY...: the number after the line's words KEY... and "used"/"rss" (awk field).
figure() {
	local file=$1 prefix=$2 name=$3
	awk -v p="$prefix" -v n="$name" 'index($0, p " ") == 1 { for (i = 1; i < NF; i++) if ($i == n) { print $(i + 1); exit } }' "$file"
}

snapshot() {
	timeout 30 "$RUNSCC" --root "$ROOTDIR" debug memory mem >"$WORK/$1" 2>"$WORK/$1.err" ||
		fail "debug memory ($1): status $?, $(cat "$WORK/$1.err")"
}

timeout 60 "$RUNSCC" --root "$ROOTDIR" create --bundle "$BUNDLE" mem </dev/null &&
	timeout 60 "$RUNSCC" --root "$ROOTDIR" start mem || { fail "create/start"; finish; exit; }
snapshot idle
sed 's/^/    idle: /' "$WORK/idle"
for who in sentry gofer; do
	rss=$(figure "$WORK/idle" "$who" rss)
	pss=$(figure "$WORK/idle" "$who" pss)
	[ -n "$rss" ] && [ "$rss" -gt 0 ] && [ -n "$pss" ] && [ "$pss" -gt 0 ] && [ "$pss" -le "$rss" ] && pass ||
		fail "$who: no resident figures: $(grep "^$who" "$WORK/idle")"
done
limit=$(figure "$WORK/idle" memory-files limit)
[ -n "$limit" ] && [ "$limit" -gt 0 ] && pass || fail "no memory-file budget limit: $(cat "$WORK/idle")"

timeout 60 "$RUNSCC" --root "$ROOTDIR" exec mem sh -c \
	"dd if=/dev/zero of=/tmp/big bs=$MIB count=8 2>/dev/null && dd if=/dev/zero of=/dev/shm/x bs=$MIB count=4 2>/dev/null" ||
	fail "exec dd: status $?"
snapshot written
sed 's/^/    written: /' "$WORK/written"
grows() {
	local what=$1 prefix=$2 by=$3 before after
	before=$(figure "$WORK/idle" "$prefix" used)
	after=$(figure "$WORK/written" "$prefix" used)
	if [ -n "$before" ] && [ -n "$after" ] && [ $((after - before)) -ge "$by" ]; then
		pass
	else
		fail "$what: from '$before' to '$after', expected at least $by more"
	fi
}
grows "root layer" "mount /" $((8 * MIB))
grows "/dev/shm" "mount /dev/shm" $((4 * MIB))
grows "memory-file budget" memory-files $((12 * MIB))

timeout 60 "$RUNSCC" --root "$ROOTDIR" exec mem rm /tmp/big /dev/shm/x || fail "exec rm: status $?"
snapshot removed
for prefix in "mount /" "mount /dev/shm" memory-files; do
	[ "$(figure "$WORK/removed" "$prefix" used)" = "$(figure "$WORK/idle" "$prefix" used)" ] && pass ||
		fail "$prefix: $(figure "$WORK/removed" "$prefix" used) after the files went, $(figure "$WORK/idle" "$prefix" used) idle"
done

timeout 60 "$RUNSCC" --root "$ROOTDIR" delete --force mem || fail "delete"
timeout 30 "$RUNSCC" --root "$ROOTDIR" debug memory mem >/dev/null 2>&1 && fail "debug memory of a deleted container succeeded" || pass
finish
