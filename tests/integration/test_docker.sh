#!/bin/bash
# runsc-c under Docker: every case runs with --runtime=runc and with this build's runsc-c
# (registered by `runsc-c install` as runsc-c-test) and compares stdout, stderr and exit
# status. Sets up docker itself (tests/lib/docker.sh). Needs root.
# Containers run with --network=none but on the bridge cases: the default network, and a
# python3 http.server published with -p and fetched from the host.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/../lib/common.sh"
. "$SRC_DIR/tests/lib/docker.sh"
need_root
"$RUNSCC" --help 2>&1 | grep -qw create ||
	skip "this runsc-c has no OCI commands (create/start/...) for docker to call"
docker_setup

BB=$BUSYBOX_IMAGE

# dk ARGS...: docker, bounded: a runtime that hangs fails the case instead of the suite. The
# CLI passes SIGTERM on to the container (--sig-proxy), so SIGKILL follows.
dk() {
	timeout -k 10 60 docker "$@"
}

# drun ARGS...: `docker run` with the runtime under test and the case's container name.
drun() {
	dk run --runtime="$RT" --network=none --name "$CNAME" "$@"
}

# compare_scenario NAME FUNC ARGS...: FUNC ARGS... runs once per runtime (RT names it, CNAME
# is a container name of its own, stdin is $STDIN or /dev/null); its stdout, stderr and exit
# status under runsc-c (registered as $SB_RUNTIME, by default $DOCKER_RUNTIME) must equal
# those under runc.
compare_scenario() {
	local name=$1 sbrt=${SB_RUNTIME:-$DOCKER_RUNTIME}
	shift
	local ref="$WORK/$name.runc" times="" t0
	for rt in runc $sbrt; do
		local out="$WORK/$name.$rt"
		mkdir -p "$out"
		t0=$(date +%s%N)
		(RT=$rt CNAME=$(docker_name "$name-$rt") "$@") \
			>"$out/stdout" 2>"$out/stderr" <"${STDIN:-/dev/null}"
		echo $? >"$out/status"
		times="$times $rt $((($(date +%s%N) - t0) / 1000000)) ms"
	done
	echo "$name:$times"
	local sb="$WORK/$name.$sbrt" ok=1
	for f in stdout stderr status; do
		if ! cmp -s "$ref/$f" "$sb/$f"; then
			ok=0
			fail "$name: $f differs from runc's"
			diff -u --label runc --label runsc-c "$ref/$f" "$sb/$f" | head -20 | sed 's/^/    /'
		fi
	done
	[ $ok = 1 ] && pass
}

# compare_docker NAME -- ARGS...: `docker run ARGS...` compared.
compare_docker() {
	local name=$1
	[ "$2" = -- ] || { echo "compare_docker NAME -- ARGS" >&2; exit 2; }
	shift 2
	compare_scenario "$name" drun "$@"
}

# known_gap NAME REASON: a case that is not compared yet, and why (each is an item of an open
# issue); it counts neither as passed nor as failed.
known_gap() {
	echo "SKIP: $1: $2"
}

# wait_logs PATTERN: the container's output shows PATTERN (within 20 s).
logs_match() {
	dk logs "$CNAME" 2>&1 | grep -q "$1"
}
wait_logs() {
	poll_until 20 logs_match "$1" || echo "timed out waiting for '$1' in the logs"
}

exit_code() {
	dk inspect -f '{{.State.ExitCode}}' "$CNAME"
}

# ---- docker run: the process and its configuration ----

compare_docker exit-status -- --rm $BB sh -c 'echo out; echo err >&2; exit 3'
compare_docker env -- --rm -e FOO=bar -e EMPTY= -e PATH=/bin:/usr/bin $BB \
	sh -c 'echo "$FOO"; env | grep -v ^HOSTNAME= | sort'
compare_docker workdir -- --rm -w /made/by/docker $BB sh -c 'pwd; stat -c "%n %a %U" . /made'
compare_docker user -- --rm --user 1000:1000 $BB \
	sh -c 'id; touch /tmp/x && stat -c "%u %g %a" /tmp/x; touch /root/x; echo $?'
compare_docker user-name -- --rm --user daemon $BB id
compare_docker hostname -- --rm --hostname box.example $BB \
	sh -c 'hostname; uname -n; cat /etc/hostname; grep -c box /etc/hosts'
compare_docker read-only -- --rm --read-only $BB \
	sh -c 'touch /x; echo $?; echo y >/tmp/y; echo $?; cat /etc/passwd | wc -l'
compare_docker tmpfs -- --rm --tmpfs /x $BB \
	sh -c 'echo hi >/x/f && cat /x/f; stat -c "%a %U" /x; ls /x'
compare_docker tmpfs-size -- --rm --tmpfs /x:size=1m $BB \
	sh -c 'dd if=/dev/zero of=/x/big bs=1k count=2048; echo $?; ls -l /x/big | awk "{print \$5}"'
compare_docker read-only-tmpfs -- --rm --read-only --tmpfs /tmp $BB \
	sh -c 'echo a >/tmp/a && cat /tmp/a; touch /etc/b; echo $?'
# What root may do with the capabilities docker gives: the sets, chown (CAP_CHOWN), the
# hostname (CAP_SYS_ADMIN), writing its own 0466 file (CAP_DAC_OVERRIDE).
CAPS_SCRIPT='grep ^Cap /proc/self/status; touch /tmp/f; chown 1000 /tmp/f; echo chown $?
hostname "$(hostname)"; echo hostname $?
echo x >/tmp/own; chmod 0466 /tmp/own; (echo y >>/tmp/own) 2>/dev/null; echo write-0466 $?'
compare_docker cap-default -- --rm $BB sh -c "$CAPS_SCRIPT"
compare_docker cap-drop-all -- --rm --cap-drop ALL $BB sh -c "$CAPS_SCRIPT"
compare_docker cap-drop-chown -- --rm --cap-drop CHOWN --cap-drop DAC_OVERRIDE $BB sh -c "$CAPS_SCRIPT"
compare_docker cap-add -- --rm --cap-add SYS_ADMIN $BB sh -c "$CAPS_SCRIPT"
compare_docker cap-user -- --rm --user 1000 --cap-add SYS_ADMIN $BB sh -c 'grep ^Cap /proc/self/status'
# docker exec passes the container's capabilities in its process file.
exec_caps() {
	drun -d --cap-drop CHOWN $BB sleep 1000 >/dev/null
	dk exec "$CNAME" sh -c "$CAPS_SCRIPT"
	dk rm -f "$CNAME" >/dev/null
}
compare_scenario cap-exec exec_caps
compare_docker ulimit -- --rm --ulimit nofile=100:200 $BB sh -c 'ulimit -n; ulimit -Hn'
# The one container on docker's default bridge network: its namespace is given by path.
default_network() {
	dk run --runtime="$RT" --name "$CNAME" --rm $BB echo networked
}
compare_scenario default-network default_network
# A server in the container on docker's bridge, published on a host port docker picks.
fetch_published() {
	curl -s -o "$WORK/fetched-$RT" -w '%{http_code}\n' "http://127.0.0.1:$1/etc/debian_version"
}
published_port() {
	dk run -d --runtime="$RT" --name "$CNAME" -p 127.0.0.1::8000 $DEBIAN_IMAGE \
		python3 -m http.server 8000 >/dev/null || return 1
	local port
	port=$(dk port "$CNAME" 8000/tcp | sed -n 's/.*://p' | head -1)
	poll_until 30 fetch_published "$port" >/dev/null || echo "nothing answered on port $port"
	fetch_published "$port"
	cat "$WORK/fetched-$RT"
	dk rm -f "$CNAME" >/dev/null
}
if command -v curl >/dev/null; then
	compare_scenario published-port published_port
else
	known_gap published-port "curl is not installed on the host"
fi

# Bind mounts: a host directory per runtime, made alike; the host sees what the guest wrote.
bind_rw() {
	local dir="$WORK/bind-$RT"
	mkdir -p "$dir" && echo host-data >"$dir/existing"
	drun --rm -v "$dir:/data" $BB sh -c 'cat /data/existing; echo written >/data/new
		mkdir /data/d && mv /data/new /data/d/moved; rm /data/existing; ls -R /data'
	echo "status $?"
	(cd "$dir" && ls -R)
	cat "$dir/d/moved"
	stat -c '%U %G %a' "$dir/d/moved"
}
compare_scenario bind-rw bind_rw

bind_ro() {
	local dir="$WORK/bind-ro-$RT"
	mkdir -p "$dir" && echo host-data >"$dir/existing"
	drun --rm -v "$dir:/data:ro" $BB sh -c 'cat /data/existing; echo x >/data/new; echo $?
		rm /data/existing; echo $?'
	echo "status $?"
	(cd "$dir" && ls)
}
compare_scenario bind-ro bind_ro

# ---- standard streams and terminals ----

seq 1 20000 >"$WORK/stdin"
STDIN="$WORK/stdin" compare_docker stdin -- --rm -i $BB sh -c 'head -3; sha256sum; echo done'

# -t: script(1) gives docker a terminal of 30 rows and 100 columns. docker sizes the
# container's terminal after the start: the guest polls (bounded) for the size to arrive.
TTY_SCRIPT='i=0; until [ "$(stty size 2>/dev/null)" = "30 100" ] || [ $i -ge 100 ]; do
	sleep 0.1; i=$((i + 1)); done; stty size; test -t 0 && echo stdin-is-tty
	tty; [ /dev/pts/0 -ef /proc/self/fd/1 ] && echo "/dev/pts/0 is stdout"'
tty_run() {
	timeout -k 10 60 script -qc "stty rows 30 cols 100; docker run --runtime=$RT --network=none --name $CNAME \
		--rm -t $BB sh -c $(printf %q "$TTY_SCRIPT")" /dev/null
}
compare_scenario tty tty_run

# ---- detached containers: logs, exec, signals, pause, top, stats, cp, restart ----

detached_logs() {
	drun -d $BB sh -c 'echo out; echo err >&2; exit 5' >/dev/null
	dk wait "$CNAME"
	dk logs "$CNAME"
	dk rm "$CNAME" >/dev/null
}
compare_scenario detached-logs detached_logs

exec_case() {
	drun -d $BB sh -c 'echo started >/tmp/mark; exec sleep 1000' >/dev/null
	dk exec "$CNAME" cat /tmp/mark
	dk exec "$CNAME" sh -c 'ps -o comm >/tmp/ps; sort /tmp/ps'
	dk exec -u 1000:1000 -w /tmp -e X=1 "$CNAME" sh -c 'id -u; pwd; echo "$X"'
	dk exec "$CNAME" sh -c 'echo err >&2; exit 4'
	echo "exec status $?"
	echo piped | dk exec -i "$CNAME" sh -c 'cat; echo eof'
	timeout -k 10 60 script -qc "docker exec -t $CNAME sh -c 'test -t 1 && echo tty'" /dev/null
	dk rm -f "$CNAME" >/dev/null
}
compare_scenario exec exec_case

# docker exec -t gets a terminal of its own, the next /dev/pts name after the console's.
exec_tty_names() {
	drun -d -t $BB sh -c 'exec sleep 1000' >/dev/null
	dk exec "$CNAME" ls /dev/pts
	timeout -k 10 60 script -qc "docker exec -t $CNAME sh -c 'tty; ls /dev/pts'" /dev/null
	dk rm -f "$CNAME" >/dev/null
}
compare_scenario exec-tty-names exec_tty_names

# The guest's own ptys (/dev/ptmx): script(1), python3's os.openpty and pty.fork (a child
# whose controlling terminal is the new pty); without and with a console.
GUEST_PTY_PY='
import os, pty, sys
m, s = os.openpty()
print(os.ttyname(s), sorted(os.listdir("/dev/pts")))
os.write(m, b"hi\n")
print(os.read(s, 10))
sys.stdout.flush()
pid, fd = pty.fork()
if pid == 0:
    print(os.ttyname(0), os.getsid(0) == os.getpid(), os.tcgetpgrp(0) == os.getpid())
    sys.stdout.flush()
    os._exit(3)
out = b""
while True:
    try:
        d = os.read(fd, 100)
    except OSError:
        break
    if not d:
        break
    out += d
print(out, os.waitpid(pid, 0)[1] >> 8)'
compare_docker guest-pty -- --rm $DEBIAN_IMAGE sh -c 'script -qc tty /dev/null; python3 -c "$1"' sh "$GUEST_PTY_PY"
guest_pty_console() {
	timeout -k 10 60 script -qc "docker run --runtime=$RT --network=none --name $CNAME --rm -t \
		$DEBIAN_IMAGE sh -c $(printf %q 'tty; script -qc tty /dev/null; python3 -c "$1"') sh $(printf %q "$GUEST_PTY_PY")" /dev/null
}
compare_scenario guest-pty-console guest_pty_console

stop_trapped() {
	drun -d $BB sh -c 'trap "echo got TERM; exit 42" TERM; echo ready
		while :; do sleep 0.1; done' >/dev/null
	wait_logs ready
	dk stop -t 20 "$CNAME" >/dev/null
	echo "exit $(exit_code)"
	dk logs "$CNAME"
	dk rm "$CNAME" >/dev/null
}
compare_scenario stop-trapped stop_trapped

# pid 1 that does not handle TERM ignores it (as a namespace's init): killed after -t.
stop_untrapped() {
	drun -d $BB sleep 1000 >/dev/null
	dk stop -t 1 "$CNAME" >/dev/null
	echo "exit $(exit_code)"
	dk rm "$CNAME" >/dev/null
}
compare_scenario stop-untrapped stop_untrapped

kill_case() {
	drun -d $BB sh -c 'trap "echo got USR1" USR1; echo ready; while :; do sleep 0.1; done' >/dev/null
	wait_logs ready
	dk kill -s USR1 "$CNAME" >/dev/null
	wait_logs "got USR1"
	dk kill "$CNAME" >/dev/null
	dk wait "$CNAME"
	dk logs "$CNAME"
	dk rm "$CNAME" >/dev/null
}
compare_scenario kill kill_case

log_lines() {
	dk logs "$CNAME" 2>&1 | wc -l
}
log_lines_above() {
	[ "$(log_lines)" -gt "$1" ]
}
pause_case() {
	drun -d $BB sh -c 'while :; do echo tick; sleep 0.05; done' >/dev/null
	poll_until 20 log_lines_above 2
	dk pause "$CNAME" >/dev/null
	dk inspect -f '{{.State.Status}}' "$CNAME"
	# Nothing runs while paused: the output does not grow over a 0.5 s window (a negative
	# can only be observed over an interval).
	local before
	before=$(log_lines)
	sleep 0.5
	[ "$(log_lines)" = "$before" ] && echo frozen
	dk exec "$CNAME" true 2>&1 | sed "s/$CNAME/NAME/"
	dk unpause "$CNAME" >/dev/null
	dk inspect -f '{{.State.Status}}' "$CNAME"
	poll_until 20 log_lines_above "$before" && echo resumed
	dk rm -f "$CNAME" >/dev/null
}
compare_scenario pause pause_case

# processes_are N: the container has N processes (once sh forked its children).
processes_are() {
	[ "$(dk top "$CNAME" -o pid | tail -n +2 | wc -l)" = "$1" ]
}
# top lists host pids: the names and command lines are compared. A dynamic program's host
# command line is ld.so's (`ld.so --argv0 NAME PROGRAM ARGS`, see README): the Debian case
# compares the names only.
top_case() {
	drun -d "$1" sh -c 'sleep 1000 & exec sleep 999' >/dev/null
	poll_until 20 processes_are 2
	dk top "$CNAME" -o "pid,$2" | awk 'NR > 1 { $1 = ""; print }' | sort
	dk rm -f "$CNAME" >/dev/null
}
compare_scenario top top_case $BB comm,args
compare_scenario top-debian top_case $DEBIAN_IMAGE comm

stats_case() {
	drun -d $BB sleep 1000 >/dev/null
	local line
	line=$(dk stats --no-stream --format '{{.Name}} {{.MemUsage}}' "$CNAME")
	echo "$line" | awk -v n="$CNAME" '$1 == n { print "listed" } $2 !~ /^0B$/ { print "memory used" }'
	dk rm -f "$CNAME" >/dev/null
}
compare_scenario stats stats_case

# docker cp and diff read the container's rootfs on the host: they see the guest's writes
# with --overlay=none (by default those stay in the sentry's memory, as gVisor's overlay).
guest_wrote() {
	dk exec "$CNAME" test -f /tmp/dir/made
}
cp_case() {
	local host="$WORK/cp-$RT"
	mkdir -p "$host" && echo from-host >"$host/in"
	drun -d $BB sh -c 'mkdir /tmp/dir; echo in-guest >/tmp/dir/made; rm /etc/group; exec sleep 1000' \
		>/dev/null
	poll_until 20 guest_wrote || echo "the guest's file did not appear"
	dk cp "$CNAME:/tmp/dir/made" "$host/out" && cat "$host/out"
	dk cp "$host/in" "$CNAME:/tmp/dir/in" && dk exec "$CNAME" cat /tmp/dir/in
	dk cp "$host/in" "$CNAME:/etc/in-etc" && dk exec "$CNAME" sh -c 'ls /etc | grep in-etc'
	dk diff "$CNAME" | sort
	dk rm -f "$CNAME" >/dev/null
}
SB_RUNTIME=$DOCKER_RUNTIME_OVERLAY_NONE compare_scenario cp cp_case

started_twice() {
	[ "$(dk logs "$CNAME" 2>&1 | grep -c started)" = 2 ]
}
restart_case() {
	drun -d $BB sh -c 'echo started; exec sleep 1000' >/dev/null
	wait_logs started
	dk restart -t 1 "$CNAME" >/dev/null
	poll_until 20 started_twice && echo "started twice"
	dk inspect -f '{{.State.Status}} {{.RestartCount}}' "$CNAME"
	dk exec "$CNAME" echo alive
	dk rm -f "$CNAME" >/dev/null
}
compare_scenario restart restart_case

# ---- resource limits: the host cgroup bounds the whole sandbox ----

compare_docker pids-limit -- --rm --pids-limit 64 -v "$SRC_DIR/tests/lib/fork_bomb.guest.sh:/bomb.sh:ro" $BB sh /bomb.sh

# pid 1 touches 200 MB under a 64 MB limit: killed (137), and the host carries on.
memory_hog() {
	drun -m 64m --memory-swap 64m $BB dd if=/dev/zero of=/dev/null bs=200M count=1
	echo "status $?"
	dk inspect -f 'OOMKilled={{.State.OOMKilled}}' "$CNAME"
	dk rm "$CNAME" >/dev/null
	dk run --rm --runtime="$RT" --network=none $BB echo host unharmed
}
compare_scenario memory-limit memory_hog

# ---- the Debian image: dynamic programs, as in the other suites ----

compare_docker debian -- --rm $DEBIAN_IMAGE bash -c '
	ls -l /etc/default; grep -rn root /etc/passwd /etc/group
	printf "gamma 3\nalpha 1\nbeta 2\n" >/tmp/w
	awk "{ s += \$2 } END { print s }" /tmp/w; sed -e s/a/A/g /tmp/w; sort -k2,2nr /tmp/w
	seq 1 1000 | sha256sum; find /etc/default -type f | sort | head -3; dash -c "echo \$((6*7))"
	ps -eo comm; exit 3'
compare_docker debian-python -- --rm $DEBIAN_IMAGE python3 -c '
import hashlib, json, os, subprocess, sys, threading
print(sys.version_info[:2], json.dumps({"a": [1, 2]}), hashlib.sha256(b"x").hexdigest())
print(subprocess.run(["sh", "-c", "echo sub; exit 2"], capture_output=True))
t = threading.Thread(target=lambda: print("thread")); t.start(); t.join()
print(sorted(os.listdir("/etc/default")), os.getcwd(), os.getuid())'
# Fixed dates make the commit ids the same on every run.
compare_docker debian-git -- --rm -e GIT_AUTHOR_DATE=@1700000000 -e GIT_COMMITTER_DATE=@1700000000 \
	-e GIT_AUTHOR_NAME=t -e GIT_AUTHOR_EMAIL=t@e -e GIT_COMMITTER_NAME=t -e GIT_COMMITTER_EMAIL=t@e \
	$DEBIAN_IMAGE sh -c 'git init -q -b main /tmp/r && cd /tmp/r && seq 1 100 >f && git add f &&
	git commit -qm first && sed -i s/50/fifty/ f && git commit -qam second && git log --format="%H %s" &&
	git diff HEAD~1 --stat && git status --short && git gc -q && git fsck 2>&1'

# ---- nothing left behind by docker rm -f ----

# runtime_pids: processes running this build's runsc-c (gofer, sentry, CLIs), sorted.
runtime_pids() {
	for exe in /proc/[0-9]*/exe; do
		[ "$(readlink "$exe" 2>/dev/null)" = "$RUNSCC_ABS" ] && { p=${exe#/proc/}; echo "${p%/exe}"; }
	done | sort
}
# state_left ID: files or directories under /run named after the container.
state_left() {
	find /run -path "*$1*" 2>/dev/null | sed "s/$1/ID/g; s/^/state left: /"
}
no_state_left() {
	[ -z "$(state_left "$1")" ]
}
# Mount points of Docker, containerd and the runtimes (not those other programs on the
# machine make meanwhile).
mount_points() {
	awk '{ print $5 }' /proc/self/mountinfo | grep -E '^/(var/lib/docker|run/(docker|containerd|runc|runsc))' | sort
}
gone() {
	for p in "$@"; do [ -d /proc/"$p" ] && return 1; done
	return 0
}
leftovers_case() {
	local mounts_before pids_before pids id
	mounts_before=$(mount_points)
	pids_before=$(runtime_pids)
	id=$(drun -d $BB sh -c 'sleep 1000 & exec sleep 999')
	poll_until 20 processes_are 2
	pids="$(dk top "$CNAME" -o pid | tail -n +2) $(comm -13 <(echo "$pids_before") <(runtime_pids))"
	dk rm -f "$CNAME" >/dev/null
	poll_until 10 gone $pids || for p in $pids; do
		[ -d /proc/"$p" ] && echo "process left: $(tr '\0' ' ' </proc/"$p"/cmdline)"
	done
	comm -13 <(echo "$mounts_before") <(mount_points) | sed 's/^/mount left: /'
	poll_until 10 no_state_left "$id" || state_left "$id"
	echo checked
}
compare_scenario leftovers leftovers_case

# runsc-c only: the sentry killed from outside ends the container; docker sees an exit
# status and removes it cleanly.
sentry_killed() {
	local id pids
	id=$(drun -d $BB sleep 1000)
	pids=$(comm -13 <(echo "$1") <(runtime_pids))
	for p in $pids; do
		grep -qa boot /proc/"$p"/cmdline 2>/dev/null && kill -9 "$p" 2>/dev/null
	done
	dk wait "$CNAME" >/dev/null && echo "container ended"
	dk rm -f "$CNAME" >/dev/null
	poll_until 10 gone $pids || echo "processes left: $pids"
	poll_until 10 no_state_left "$id" || state_left "$id"
}
out=$(RT=$DOCKER_RUNTIME CNAME=$(docker_name sentry-killed) sentry_killed "$(runtime_pids)" 2>&1)
if [ "$out" = "container ended" ]; then
	pass
else
	fail "sentry killed from outside: $(printf '%q' "$out")"
fi

finish
