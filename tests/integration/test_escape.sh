#!/bin/bash
# Invariants 1 and 4: the guest has no host file system. A tree of hostile symlinks inside a
# busybox rootfs ("/", "../../..", loops, self-links, chains of 40 and 41 links, absolute and
# relative links that would reach host files if the host resolved them) behaves exactly as in
# a native chroot (the rootfs's own "/" and "..", ELOOP for loops), and marker files put on
# the host next to the rootfs and in /tmp are never reached: not through busybox applets, not
# through any fd the guest holds (tests/progs/hostile fdscan), not through the sentry's /proc
# (hostile procscan). From outside, the guest's host process has an empty root and cwd, holds
# no directory fd, and runs unprivileged under seccomp (hostile hold); the sentry's reopener
# has an empty root, no capabilities, seccomp, and no directory but its own procfs; the
# spawner an empty root, only its socket and the host's /proc, and only its capabilities;
# every thread of the sentry and of the gofer is under its filter, with no capability more
# than its process's first thread.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/security.sh"
need_root

HOSTILE=$(guest_prog hostile)
ROOT="$WORK/rootfs"
build_busybox_rootfs "$ROOT"
cp "$HOSTILE" "$ROOT/hostile"

# Host markers: next to the rootfs (its parent is $WORK) and in /tmp.
SECRET="runscc-secret-$RANDOM$RANDOM$RANDOM"
MNAME="runscc-marker-$RANDOM$RANDOM"
MDIR="runscc-markerdir-$RANDOM$RANDOM"
TNAME="runscc-tmp-marker-$RANDOM$RANDOM"
echo "$SECRET" >"$WORK/$MNAME"
mkdir "$WORK/$MDIR"
echo "$SECRET" >"$WORK/$MDIR/secret"
echo "$SECRET" >"/tmp/$TNAME"
trap 'rm -rf "$WORK" "/tmp/$TNAME"' EXIT

# The hostile tree.
E="$ROOT/data/esc"
mkdir -p "$E/deep/a/b/c" "$ROOT/data/tree/sub"
echo "inside the rootfs" >"$ROOT/data/tree/file"
ln -s / "$E/root"
ln -s ../../.. "$E/up3"
ln -s ../../../../../../.. "$E/up7"
ln -s ../../../../../../../.. "$E/deep/a/b/c/up8"
ln -s loopb "$E/loopa"
ln -s loopa "$E/loopb"
ln -s self "$E/self"
ln -s /etc "$E/etcabs"
ln -s ../tree "$E/dirlink"
ln -s "$WORK/$MNAME" "$E/hostabs"
ln -s "../../../$MNAME" "$E/hostrel"
ln -s "$WORK" "$E/hostdir"
ln -s "$WORK/$MDIR" "$E/hostmdir"
ln -s "/tmp/$TNAME" "$E/tmpabs"
ln -s "/proc/self/root/../../$MNAME" "$E/procroot"
# Chains: cN_1 -> cN_2 -> ... -> cN_N -> /etc/passwd, N links to follow in all.
for n in 40 41; do
	for i in $(seq 1 "$n"); do
		if [ "$i" = "$n" ]; then
			ln -s /etc/passwd "$E/c${n}_$i"
		else
			ln -s "c${n}_$((i + 1))" "$E/c${n}_$i"
		fi
	done
done

# Busybox applets through every link: the same as natively.
compare cat-root "$ROOT" cat /data/esc/root/etc/passwd /data/esc/root/../../../etc/group
compare cat-up "$ROOT" cat /data/esc/up3/etc/passwd /data/esc/up7/etc/passwd /data/esc/deep/a/b/c/up8/etc/passwd
compare cat-etcabs "$ROOT" cat /data/esc/etcabs/passwd /data/esc/etcabs/../etc/group
compare cat-dirlink "$ROOT" cat /data/esc/dirlink/file /data/esc/dirlink/../tree/file /data/esc/dirlink/sub/../file
compare cat-chain40 "$ROOT" cat /data/esc/c40_1
compare cat-chain41 "$ROOT" cat /data/esc/c41_1
compare cat-chain-mid "$ROOT" cat /data/esc/c40_20
compare cat-loops "$ROOT" cat /data/esc/loopa /data/esc/loopb /data/esc/self /data/esc/self/x /data/esc/loopa/
compare cat-host-links "$ROOT" cat /data/esc/hostabs /data/esc/hostrel /data/esc/tmpabs /data/esc/procroot
compare cat-host-paths "$ROOT" cat "/../$MNAME" "/../../../$MNAME" "/data/esc/up7/$MNAME" \
	"/data/esc/up7/../$MNAME" "/data/esc/root/../$MNAME" "/data/esc/hostdir/$MNAME" \
	"/data/esc/hostmdir/secret" "/../$MDIR/secret" "/tmp/$TNAME" "/data/esc/up7/tmp/$TNAME" \
	"/data/esc/dirlink/../../../$MNAME"
compare ls-esc "$ROOT" ls -la /data/esc
compare ls-esc-L "$ROOT" ls -laL /data/esc
compare ls-through "$ROOT" ls -a /data/esc/root/ /data/esc/up3/ /data/esc/up7/ /data/esc/up7/.. /data/esc/dirlink/ /data/esc/etcabs/
compare ls-host-links "$ROOT" ls -a /data/esc/hostdir/ /data/esc/hostmdir/ /../ /../../
compare stat-links "$ROOT" stat /data/esc/root /data/esc/up7 /data/esc/loopa /data/esc/self /data/esc/hostabs /data/esc/c41_1
compare stat-L "$ROOT" stat -L /data/esc/root /data/esc/up3 /data/esc/up7 /data/esc/etcabs /data/esc/c40_1
compare stat-L-bad "$ROOT" stat -L /data/esc/loopa /data/esc/self /data/esc/c41_1 /data/esc/hostabs /data/esc/hostdir
compare readlink "$ROOT" readlink /data/esc/root /data/esc/up3 /data/esc/up7 /data/esc/loopa /data/esc/self \
	/data/esc/hostabs /data/esc/hostrel /data/esc/c40_1 /data/esc/c41_41
compare readlink-f "$ROOT" readlink -f /data/esc/root /data/esc/up3 /data/esc/up7 /data/esc/deep/a/b/c/up8 \
	/data/esc/etcabs /data/esc/dirlink /data/esc/c40_1
compare readlink-f-bad "$ROOT" readlink -f /data/esc/loopa /data/esc/self /data/esc/hostabs /data/esc/hostrel /data/esc/c41_1
compare realpath "$ROOT" realpath /data/esc/up7/.. /data/esc/root/data/esc/up3 /data/esc/dirlink
compare find "$ROOT" find /data/esc -name 'c4*' -prune -o -print
# (No find -follow: busybox's loops forever through root -> /, natively too.)
compare cd-up "$ROOT" sh -c 'cd /data/esc/up7/.. && pwd -P && ls -a; cd /data/esc/root/.. && pwd -P && ls -a'
compare test-e "$ROOT" sh -c "for p in /data/esc/hostabs /data/esc/hostrel /data/esc/hostdir/$MNAME /../$MNAME /tmp/$TNAME; do [ -e \$p ] && echo \"\$p exists\" || echo \"\$p absent\"; done"

# Whatever the guest printed: never a marker's content, never a marker's name in a listing.
leaks=$(grep -l -r -F "$SECRET" "$WORK" --include=stdout --include=stderr 2>/dev/null)
if [ -z "$leaks" ]; then
	pass
else
	fail "the content of a host marker reached the guest's output: $leaks"
fi
# (ls -la /data/esc rightly shows the rootfs's own links to host paths: not a listing of them.)
for f in "$WORK"/ls-through.*/stdout "$WORK"/ls-host-links.*/stdout "$WORK"/find.*/stdout \
	"$WORK"/cd-up.*/stdout; do
	if grep -q -F -e "$MNAME" -e "$MDIR" -e "$TNAME" "$f" 2>/dev/null; then
		fail "a host marker's name shows in a listing: $f"
	fi
done
pass

# From inside, through fds and the sentry's /proc.
for mode in fdscan procscan; do
	for platform in $PLATFORMS; do
		out="$WORK/$mode.$platform"
		mkdir -p "$out"
		run_sandbox "$out" "$platform" "$ROOT" /hostile "$mode" "$MNAME" "$MDIR" "$TNAME" secret
		if [ "$(cat "$out/status")" = 0 ] && ! grep -q ESCAPE "$out/stderr"; then
			echo "[$platform] hostile $mode: $(grep "^hostile: $mode" "$out/stderr")"
			pass
		else
			fail "[$platform] hostile $mode: status $(cat "$out/status")"
			grep -E 'ESCAPE|^hostile' "$out/stderr" | head -10 | sed 's/^/    /'
		fi
		sentry_healthy "[$platform] hostile $mode" "$out" && pass
	done
done

# From outside: the guest's host process, while it holds files and directories open.
inspect_guest() {
	local platform=$1 pid=$2 problems=0 fd target
	local host_root
	host_root=$(stat -L -c %d:%i /)
	if [ -n "$(find "/proc/$pid/root/" -mindepth 1 -maxdepth 1 2>&1)" ]; then
		fail "[$platform] guest host process $pid: its root is not empty: $(find "/proc/$pid/root/" -mindepth 1 -maxdepth 1 2>&1 | head -5 | tr '\n' ' ')"
		problems=1
	fi
	if [ "$(stat -L -c %d:%i "/proc/$pid/root/")" = "$host_root" ]; then
		fail "[$platform] guest host process $pid: its root is the host's /"
		problems=1
	fi
	if [ -n "$(find "/proc/$pid/cwd/" -mindepth 1 -maxdepth 1 2>&1)" ]; then
		fail "[$platform] guest host process $pid: its cwd is not an empty directory"
		problems=1
	fi
	for fd in /proc/"$pid"/fd/*; do
		target=$(readlink "$fd")
		echo "    [$platform] host fd $(basename "$fd") -> $target"
		if [ -d "$fd" ]; then
			fail "[$platform] guest host process $pid: fd $(basename "$fd") is a directory ($target)"
			problems=1
		fi
		case "$target" in
		*seccomp*)
			fail "[$platform] guest host process $pid: fd $(basename "$fd") is a seccomp listener"
			problems=1
			;;
		esac
	done
	local status="/proc/$pid/status"
	awk '/^Uid:/ { exit !($2 == 65534 && $3 == 65534 && $4 == 65534) }' "$status" ||
		{ fail "[$platform] guest host process $pid: not uid 65534: $(grep ^Uid: "$status")"; problems=1; }
	confined "[$platform] guest host process $pid" "$status" 'CapEff|CapPrm|CapBnd|CapAmb' || problems=1
	return $problems
}

# confined WHAT STATUS CAPS: the process of /proc/PID/status STATUS has none of the capability
# sets CAPS (a regex of field names), a seccomp filter and no_new_privs.
confined() {
	local what=$1 status=$2 caps=$3 problems=0
	awk -v caps="^($caps):" '$0 ~ caps && $2 !~ /^0+$/ { bad = 1 } END { exit bad }' "$status" ||
		{ fail "$what: holds capabilities: $(grep ^Cap "$status" | tr '\n' ' ')"; problems=1; }
	grep -q '^Seccomp:[[:space:]]*2' "$status" ||
		{ fail "$what: not under a seccomp filter"; problems=1; }
	grep -q '^NoNewPrivs:[[:space:]]*1' "$status" ||
		{ fail "$what: no_new_privs is not set"; problems=1; }
	return $problems
}

# Every thread of the sentry and the gofer runs under its seccomp filter with no_new_privs,
# and none holds a capability its process's first thread dropped (filters and capabilities
# are per thread: one started before the confinement kept neither).
inspect_confined_threads() {
	local what=$1 pid=$2 problems=0 task caps
	if [ -z "$pid" ] || [ ! -d "/proc/$pid/task" ]; then
		fail "$what: no process found"
		return 1
	fi
	caps=$(awk '/^CapEff:/ { print $2 }' "/proc/$pid/status")
	for task in /proc/"$pid"/task/*; do
		local status="$task/status" tid
		tid=$(basename "$task")
		[ -f "$status" ] || continue
		grep -q '^Seccomp:[[:space:]]*2' "$status" ||
			{ fail "$what: thread $tid is not under the seccomp filter"; problems=1; }
		grep -q '^NoNewPrivs:[[:space:]]*1' "$status" ||
			{ fail "$what: thread $tid has no no_new_privs"; problems=1; }
		awk -v caps="$caps" '/^Cap(Eff|Prm):/ && $2 != caps { bad = 1 } END { exit bad }' "$status" ||
			{ fail "$what: thread $tid holds other capabilities than the process: $(grep -E '^Cap(Eff|Prm):' "$status" | tr '\n' ' ')"; problems=1; }
	done
	return $problems
}

# The sentry's reopener (sentry/fs/reopen.c) holds one directory: the procfs of its own pid
# namespace, where it is the only process. Otherwise it is confined as a guest is, and runs
# as no root.
inspect_reopener() {
	local platform=$1 pid=$2 problems=0
	if [ -z "$pid" ] || [ "$(echo "$pid" | wc -w)" != 1 ]; then
		fail "[$platform] the sentry has not exactly one reopener: '$pid'"
		return 1
	fi
	local status="/proc/$pid/status"
	[ -z "$(find "/proc/$pid/root/" -mindepth 1 -maxdepth 1 2>&1)" ] ||
		{ fail "[$platform] reopener: its root is not empty"; problems=1; }
	[ "$(stat -L -c %d:%i "/proc/$pid/root/")" != "$(stat -L -c %d:%i /)" ] ||
		{ fail "[$platform] reopener: its root is the host's /"; problems=1; }
	for fd in /proc/"$pid"/fd/*; do
		[ -d "$fd" ] || continue
		local procs
		procs=$(find "$fd/" -mindepth 1 -maxdepth 1 -name '[0-9]*' -printf '%f ' 2>&1)
		if [ "$(stat -f -L -c %T "$fd")" != proc ] || [ "$procs" != "1 " ]; then
			fail "[$platform] reopener: fd $(basename "$fd") is a directory other than its own procfs ($(readlink "$fd"); processes: $procs)"
			problems=1
		fi
	done
	awk '/^Uid:|^Gid:/ && ($2 == 0 || $3 == 0 || $4 == 0) { bad = 1 } END { exit bad }' "$status" ||
		{ fail "[$platform] reopener: runs as root: $(grep -E '^(Uid|Gid):' "$status" | tr '\n' ' ')"; problems=1; }
	confined "[$platform] reopener" "$status" 'CapEff|CapPrm|CapAmb' || problems=1
	return $problems
}

# The spawner (sentry/spawner.c) is unconfined by design, holding only its request socket and
# the host's /proc (for the guests' maps), with the capabilities a launcher needs and
# CAP_SYS_PTRACE; its root is the sentry's empty one.
inspect_spawner() {
	local platform=$1 pid=$2 problems=0
	if [ -z "$pid" ] || [ "$(echo "$pid" | wc -w)" != 1 ]; then
		fail "[$platform] the sentry has not exactly one spawner: '$pid'"
		return 1
	fi
	[ -z "$(find "/proc/$pid/root/" -mindepth 1 -maxdepth 1 2>&1)" ] ||
		{ fail "[$platform] spawner: its root is not empty"; problems=1; }
	local fd n
	for fd in /proc/"$pid"/fd/*; do
		n=$(basename "$fd")
		[ "$n" -le 2 ] && continue
		if [ "$n" = 3 ] && [[ "$(readlink "$fd")" == socket:* ]]; then
			continue
		fi
		if [ "$n" = 4 ] && [ -d "$fd" ] && [ "$(stat -f -L -c %T "$fd")" = proc ]; then
			continue
		fi
		fail "[$platform] spawner: fd $n is $(readlink "$fd")"
		problems=1
	done
	local caps
	caps=$(awk '/^CapEff:/ { print $2 }' "/proc/$pid/status")
	# CAP_SETGID, CAP_SETUID, CAP_SETPCAP, CAP_SYS_PTRACE.
	[ "$caps" = 00000000000801c0 ] ||
		{ fail "[$platform] spawner: capabilities $caps"; problems=1; }
	return $problems
}

for platform in $PLATFORMS; do
	out="$WORK/hold.$platform"
	mkdir -p "$out"
	mkfifo "$out/in"
	"$RUNSCC" --log "$out/log" "do" --platform="$platform" --rootfs "$ROOT" -- /hostile hold \
		<"$out/in" >"$out/stdout" 2>"$out/stderr" &
	rpid=$!
	exec 9>"$out/in"
	for _ in $(seq 1 300); do
		grep -q '^hostile: holding' "$out/stdout" && break
		kill -0 "$rpid" 2>/dev/null || break
		sleep 0.1
	done
	pids=$(guest_host_pids "$rpid")
	if ! grep -q '^hostile: holding' "$out/stdout" || [ -z "$pids" ]; then
		fail "[$platform] hostile hold did not start (guest pids: '${pids}')"
		head -5 "$out/stderr" | sed 's/^/    /'
	else
		for pid in $pids; do
			inspect_guest "$platform" "$pid" && pass
		done
		inspect_reopener "$platform" "$(sentry_children "$rpid" OTHER)" && pass
		inspect_spawner "$platform" "$(sentry_children "$rpid" SPAWNER)" && pass
		for c in $(children_of "$rpid"); do
			case "$(tr '\0' ' ' <"/proc/$c/cmdline" 2>/dev/null)" in
			*" boot "*) inspect_confined_threads "[$platform] sentry" "$c" && pass ;;
			*" gofer "*) inspect_confined_threads "[$platform] gofer" "$c" && pass ;;
			esac
		done
	fi
	exec 9>&-
	for _ in $(seq 1 300); do
		kill -0 "$rpid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$rpid" 2>/dev/null; then
		kill "$rpid"
		fail "[$platform] hostile hold did not exit after its stdin closed"
	fi
	wait "$rpid"
	status=$?
	if [ "$status" = 0 ] && grep -q '^hostile: released' "$out/stdout"; then
		pass
	else
		fail "[$platform] hostile hold: exit status $status"
	fi
done
finish
