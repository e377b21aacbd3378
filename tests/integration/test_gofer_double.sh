#!/bin/bash
# A gofer that misbehaves (tests/tools/fake_gofer.c, started in the gofer's place with
# RUNSCC_DEBUG_GOFER): it passes requests to a real gofer and spoils the replies for files
# named walk-MODE (the walk's reply) and open-MODE (the open's): truncated, empty, longer than
# said or than any message, the wrong op, a huge length, an error out of range or with a body,
# a tag never sent, attributes no file has, fds where none are expected, the reply sent twice,
# descriptions of another host file (read-write, read-only, O_PATH), of a directory or a
# socket, none at all, more than asked for, a slow answer and none at all.
# The guest must get EIO for each spoilt file (the right content when the reply was only slow,
# carried extra fds or came twice), go on reading the other files, never see the host file the
# gofer handed out, which must stay unchanged and not be held open by the sandbox; a gofer that
# never answers is given up after RUNSCC_DEBUG_GOFER_TIMEOUT_MS (every later file operation:
# EIO) and the sandbox ends normally, nothing left behind.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/security.sh"
need_root

FAKE=${BUILD_DIR:+$BUILD_DIR/tests/fake_gofer}
[ -x "${FAKE:-}" ] || skip "no fake gofer built (BUILD_DIR/tests/fake_gofer)"
ROOT="$WORK/rootfs"
minimal_rootfs "$ROOT" "$(guest_prog goferread)"
CANARY="$WORK/canary"
echo "host secret" >"$CANARY"
canary_hash=$(sha256sum <"$CANARY")

# A well-formed reply whatever the spoiling: the content comes through.
OK_MODES="walk-slow walk-fds walk-twice open-slow open-twice open-extra open-fds"
BAD_MODES="walk-short walk-empty walk-badop walk-hugelen walk-long walk-oversize
	walk-baderror walk-poserror walk-errbody walk-badtag walk-nwalked walk-badtype walk-negsize
	open-short open-empty open-badop open-hugelen open-long open-oversize open-baderror
	open-poserror open-badtag open-rw open-other open-path open-dir open-sock open-nofd"
files=()
expected=()
i=0
for f in $OK_MODES $BAD_MODES open-hang walk-hang; do
	echo "content of $f" >"$ROOT/$f"
done
for f in $OK_MODES $BAD_MODES; do
	i=$((i + 1))
	echo "good $i" >"$ROOT/good-$i"
	files+=("/$f" "/good-$i")
	case " $OK_MODES " in
	*" $f "*) expected+=("/$f: ok content of $f") ;;
	*) expected+=("/$f: open EIO") ;;
	esac
	expected+=("/good-$i: ok good $i")
done

export RUNSCC_DEBUG_GOFER="$FAKE" FAKE_GOFER_REAL="$RUNSCC" FAKE_GOFER_CANARY="$CANARY"

# canary_holders OUT: processes of the run holding the host file open.
canary_holders() {
	local pid
	for pid in $(pgrep -f -- "--log $1/log"); do
		if find "/proc/$pid/fd" -lname "$CANARY" 2>/dev/null | grep -q .; then
			echo "$pid($(tr '\0' ' ' <"/proc/$pid/cmdline" | cut -c1-60))"
		fi
	done
}

for platform in $PLATFORMS; do
	# Every spoilt reply in one sandbox; it waits halfway (stdin a FIFO) while the host's view
	# of its fds is checked.
	out="$WORK/garbage.$platform"
	mkdir -p "$out"
	mkfifo "$out/stdin"
	(timeout 120 "$RUNSCC" --log "$out/log" do --platform="$platform" \
		--rootfs "$ROOT" -- /goferread "${files[@]}" --wait <"$out/stdin" >"$out/stdout" 2>"$out/stderr"
	 echo $? >"$out/status") &
	pid=$!
	exec 9>"$out/stdin"
	wait_for_line '^waiting' "$out/stdout" "$pid"
	holders=$(canary_holders "$out")
	echo go >&9
	exec 9>&-
	wait "$pid"
	[ -z "$holders" ] && pass || fail "[$platform] the sandbox holds the gofer's host file open: $holders"
	printf '%s\n' "${expected[@]}" waiting >"$out/expected"
	if [ "$(cat "$out/status")" = 0 ] && cmp -s "$out/expected" "$out/stdout"; then
		pass
	else
		fail "[$platform] spoilt replies: status $(cat "$out/status"), output differs from the expected"
		diff -u "$out/expected" "$out/stdout" | head -40 | sed 's/^/    /'
		head -5 "$out/stderr" | sed 's/^/    /'
	fi
	grep -q "host secret" "$out/stdout" && fail "[$platform] the guest read the host file the gofer handed out" || pass
	sentry_healthy "[$platform] spoilt replies" "$out" && pass
	log_msgs "$out/log" | grep -q "gofer answered an open of inode .* another file or access mode" && pass ||
		fail "[$platform] the refused descriptions are not logged"

	# A gofer that stops answering (at a walk, at an open): EIO after the timeout, then EIO
	# for everything through it; the sandbox still ends with the guest's status.
	for f in walk-hang open-hang; do
		out="$WORK/$f.$platform"
		mkdir -p "$out"
		start=$SECONDS
		RUNSCC_DEBUG_GOFER_TIMEOUT_MS=2000 run_sandbox "$out" "$platform" "$ROOT" \
			/goferread /good-1 "/$f" /good-2 /good-3
		printf '%s\n' "/good-1: ok good 1" "/$f: open EIO" "/good-2: open EIO" "/good-3: open EIO" >"$out/expected"
		if [ "$(cat "$out/status")" = 0 ] && cmp -s "$out/expected" "$out/stdout"; then
			echo "[$platform] $f: EIO after $((SECONDS - start)) s"
			pass
		else
			fail "[$platform] $f: status $(cat "$out/status") (124: the sandbox hung)"
			diff -u "$out/expected" "$out/stdout" | head -20 | sed 's/^/    /'
		fi
		log_msgs "$out/log" | grep -q "the gofer did not answer in time" && pass ||
			fail "[$platform] $f: no 'did not answer in time' in the log"
		sentry_healthy "[$platform] $f" "$out" && pass
		left=$(pgrep -f -- "--log $out/log")
		[ -z "$left" ] && pass || fail "[$platform] $f: processes of the sandbox are left: $left"
	done
done
[ "$(sha256sum <"$CANARY")" = "$canary_hash" ] && pass || fail "the host file the gofer handed out changed"
finish
