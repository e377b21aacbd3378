#!/bin/bash
# A fork bomb inside the sandbox is stopped by --pids-max; the sentry keeps running and
# answers afterwards. Killing the sandbox (its runsc-c process, or the sentry itself)
# leaves no host process behind. Needs root.
. "$(dirname "$0")/../lib/common.sh"
need_root

ROOT="$WORK/rootfs"
build_busybox_rootfs "$ROOT"
cp "$SRC_DIR/tests/lib/fork_bomb.guest.sh" "$ROOT/bomb.sh"

LIMIT=32
for platform in $PLATFORMS; do
	out="$WORK/bomb.$platform"
	mkdir -p "$out"
	"$RUNSCC" --log "$out/log" do --platform="$platform" --pids-max $LIMIT --rootfs "$ROOT" \
		-- /bin/sh /bomb.sh >"$out/stdout" 2>"$out/stderr" &
	cli=$!
	# Watch the host side while the bomb runs: guest processes are the sentry's children in
	# its pid namespace (its reopener has one of its own).
	peak=0
	while kill -0 "$cli" 2>/dev/null; do
		sentry=$(pgrep -f -P "$cli" "runsc-c.* boot" | head -1)
		if [ -n "$sentry" ]; then
			n=$(pgrep -c -P "$sentry" --ns "$sentry" --nslist pid || true)
			[ "$n" -gt "$peak" ] && peak=$n
		fi
		sleep 0.05
	done
	wait $cli
	status=$?
	if [ $status = 7 ] && grep -q "still forks: works" "$out/stdout" &&
		grep -q "no others left" "$out/stdout"; then
		pass
	else
		fail "fork bomb [$platform]: exit $status, output: $(cat "$out/stdout" "$out/stderr" | head -5)"
	fi
	if [ "$peak" -le $LIMIT ] && [ "$peak" -gt 1 ]; then
		pass
	else
		fail "fork bomb [$platform]: $peak host processes at the peak for a limit of $LIMIT"
	fi
	if grep -qi "fatal\|crash" "$out/log"; then
		fail "fork bomb [$platform]: the sentry log reports a crash"
	else
		pass
	fi
done

# no_leftovers TAG: after the sandbox is killed, none of its processes remain.
no_leftovers() {
	local tag=$1 left
	for _ in $(seq 1 600); do
		left=$(pgrep -f "$tag" || true)
		[ -z "$left" ] && return 0
		sleep 0.1
	done
	echo "    left behind: $(ps -o pid,ppid,user,args -p "$(echo $left | tr ' ' ,)" 2>/dev/null)"
	return 1
}

for platform in $PLATFORMS; do
	for victim in cli sentry; do
		tag="sleep 4242$RANDOM"
		"$RUNSCC" do --platform="$platform" --rootfs "$ROOT" -- /bin/sh -c \
			"$tag & $tag & (sh -c '$tag') & wait" >/dev/null 2>&1 &
		cli=$!
		wait_until 120 eval '[ "$(pgrep -c -f "$tag" || true)" -ge 3 ]'
		if [ "$victim" = cli ]; then
			kill -9 $cli
		else
			pkill -9 -f -P "$cli" "runsc-c.* boot"
		fi
		wait $cli 2>/dev/null
		if no_leftovers "$tag" && ! pgrep -f -P "$cli" runsc-c >/dev/null; then
			pass
		else
			fail "killing the $victim [$platform] left host processes behind"
		fi
	done
done
finish
