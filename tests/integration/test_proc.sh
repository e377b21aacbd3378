#!/bin/bash
# /proc as ps(1) and shells see it, in a Debian rootfs, on both platforms:
#  - ps: pid 1 is the shell, known children with their parent, state (S, T for a stopped
#    child, Z and <defunct> for a zombie), command and arguments; ps -ef and ps aux run clean;
#  - a process's own links and files: /proc/self, exe, cwd, root, cmdline, comm, stat, status,
#    environ, fd/ and fdinfo/, mounts, and the system-wide files (stat's btime, uptime, sys/);
#  - a multithreaded process (tests/progs/procread): task/ lists its threads, each with its
#    own stat and status; ps -L shows them; fd/ shows its file and its pipe;
#  - a process's memory (tests/progs/mapscheck): maps names its mappings as natively, with
#    the devices and inodes stat(2) gives, [stack] and pthread_getattr_np find the stack,
#    status, statm, stat, smaps and smaps_rollup agree, as natively;
#  - nothing under /proc names a host pid (the CLI's, the gofer's, the sentry's, the guests'
#    own) or a host path: not in the maps and smaps of bash, busybox sh, python3 either.
# Needs root (the sandbox) and, once, network for debootstrap (cached).
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/../lib/common.sh"
. "$SRC_DIR/tests/lib/debian_rootfs.sh"
. "$SRC_DIR/tests/lib/security.sh"
need_root

DEB="$WORK/debian-root"
debian_rootfs "$DEB"
mkdir -p "$DEB/proctest"
PROCREAD="${BUILD_DIR:+$BUILD_DIR/tests/progs/procread}"
if [ -n "$PROCREAD" ] && [ -x "$PROCREAD" ]; then
	cp "$PROCREAD" "$DEB/procread"
else
	echo "note: tests/progs/procread is not built (BUILD_DIR unset?): the thread checks are skipped"
fi
MAPSCHECK="${BUILD_DIR:+$BUILD_DIR/tests/progs/mapscheck}"
if [ -n "$MAPSCHECK" ] && [ -x "$MAPSCHECK" ]; then
	cp "$MAPSCHECK" "$DEB/mapscheck"
else
	echo "note: tests/progs/mapscheck is not built (BUILD_DIR unset?): the memory checks are skipped"
fi

# --- The guest scripts. ---

cat >"$DEB/proctest/lib.sh" <<'EOF'
# Waits (at most 60 s: a busy machine is slow) until process $1's field $2 of stat (3: state)
# is $3.
wait_stat() {
	local i
	for i in $(seq 600); do
		[ "$(sed 's/^.*) //' /proc/$1/stat 2>/dev/null | cut -d' ' -f$(($2 - 2)))" = "$3" ] && return 0
		sleep 0.1
	done
	echo "timeout waiting for field $2 of /proc/$1/stat to be $3" >&2
	return 1
}
wait_comm() {
	local i
	for i in $(seq 600); do
		[ "$(cat /proc/$1/comm 2>/dev/null)" = "$2" ] && return 0
		sleep 0.1
	done
	echo "timeout waiting for /proc/$1/comm to be $2" >&2
	return 1
}
# The pid of a child of $1 whose state is $2 (at most 60 s).
child_in_state() {
	local i f
	for i in $(seq 600); do
		for f in /proc/[0-9]*/stat; do
			set -- "$1" "$2" $(sed 's/^.*) //' "$f" 2>/dev/null)
			if [ "${4:-}" = "$1" ] && [ "${3:-}" = "$2" ]; then
				basename "$(dirname "$f")"
				return 0
			fi
		done
		sleep 0.1
	done
	return 1
}
EOF

# ps over known children. (The stopped child is never continued: the sandbox ends with it.)
cat >"$DEB/proctest/ps.sh" <<'EOF'
. /proctest/lib.sh
sleep 30 &
S=$!
sleep 30 &
T=$!
( sleep 30; : ) &
SUB=$!
# A parent that never waits: cat's child /bin/true stays a zombie.
sleep 30 | sh -c '/bin/true & exec cat' &
CAT=$!
wait_comm $S sleep && wait_comm $T sleep && wait_comm $CAT cat || exit 1
kill -STOP $T
wait_stat $T 3 T || exit 1
SUBCHILD=$(child_in_state $SUB S) || exit 1
wait_comm $SUBCHILD sleep || exit 1
Z=$(child_in_state $CAT Z) || exit 1
echo "pids S=$S T=$T SUB=$SUB SUBCHILD=$SUBCHILD CAT=$CAT Z=$Z"
# ps, a child of the shell (no pipeline): its output goes through a variable.
PS=$(ps -e -o pid=,ppid=,pgid=,sid=,stat=,nlwp=,comm=,args=)
echo "$PS" | awk '{ $1 = $1; print "ps " $0 }'
ps -ef >/dev/null || echo "ps -ef failed"
ps aux >/dev/null || echo "ps aux failed"
echo done
EOF

# The shell's own view of itself, and the system-wide files.
cat >"$DEB/proctest/self.sh" <<'EOF'
cd /usr/share
exec 3</etc/passwd
echo "self-is-pid $(sh -c 'echo $$; exec readlink /proc/self' | sort -u | wc -l)"
echo "self-exe $(readlink /proc/self/exe)"
echo "self-cwd $(readlink /proc/self/cwd)"
echo "self-root $(readlink /proc/self/root)"
echo "sh-exe $(readlink /proc/$$/exe)"
echo "sh-cwd $(readlink /proc/$$/cwd)"
echo "sh-cmdline $(tr '\0' '|' </proc/$$/cmdline)"
echo "sh-comm $(cat /proc/$$/comm)"
read -r pid comm state ppid pgrp sid tty tpgid rest </proc/$$/stat
echo "sh-stat $pid $comm $state $ppid $pgrp $sid $tty $tpgid"
echo "sh-stat-fields $(wc -w </proc/$$/stat)"
grep -E '^(Name|State|Tgid|Pid|PPid|Uid|Gid|Threads|CapEff|NoNewPrivs):' /proc/$$/status | tr '\t' ' ' | sed 's/^/sh-status /'
echo "sh-fd3 $(readlink /proc/$$/fd/3)"
echo "sh-fdinfo3 $(tr '\t\n' ' ;' </proc/$$/fdinfo/3)"
echo "sh-environ $(tr '\0' '\n' </proc/$$/environ | grep -c -x -e HOME=/root -e "PATH=$PATH")"
echo "thread-self $(readlink /proc/thread-self | sed 's/[0-9][0-9]*/N/g')"
echo "mounts-link $(readlink /proc/mounts)"
echo "mount-proc $(grep ' /proc ' /proc/mounts)"
echo "findmnt-proc $(findmnt -n -o FSTYPE /proc)"
echo "mountinfo-root $(awk '$5 == "/" { print $4, $5 }' /proc/self/mountinfo)"
echo "uptime-small $(awk '{ print ($1 < 120) }' /proc/uptime)"
echo "stat-btime $(awk '/^btime/ { print $2 }' /proc/stat)"
echo "stat-cpu $(awk '/^cpu / { print NF }' /proc/stat)"
echo "version $(awk '{ print $1, $2, ($3 == r) }' r="$(uname -r)" /proc/version)"
echo "cpuinfo $(grep -c '^processor' /proc/cpuinfo | awk '{ print ($1 > 0) }')"
echo "sys-pid_max $(cat /proc/sys/kernel/pid_max)"
echo "sys-hostname $([ "$(cat /proc/sys/kernel/hostname)" = "$(uname -n)" ] && echo same)"
echo "sys-osrelease $([ "$(cat /proc/sys/kernel/osrelease)" = "$(uname -r)" ] && echo same)"
echo "sys-ostype $(cat /proc/sys/kernel/ostype)"
echo "sys-ngroups_max $(cat /proc/sys/kernel/ngroups_max)"
echo "sys-overcommit_memory $(cat /proc/sys/vm/overcommit_memory)"
echo "sys-file-max $(cat /proc/sys/fs/file-max)"
EOF

# A multithreaded process.
cat >"$DEB/proctest/threads.sh" <<'EOF'
coproc PR { exec /procread threads 4; }
read -r word pid t0 t1 t2 t3 <&"${PR[0]}"
echo "ready $word $pid $t0 $t1 $t2 $t3"
echo "tasks $(ls /proc/$pid/task | sort -n | tr '\n' ' ')"
for t in $(ls /proc/$pid/task | sort -n); do
	read -r id comm state ppid rest </proc/$pid/task/$t/stat
	echo "task $t stat $id $comm $state $ppid $(awk '{ print $20 }' /proc/$pid/task/$t/stat)"
	echo "task $t status $(grep -E '^(Tgid|Pid|Threads):' /proc/$pid/task/$t/status | tr '\t\n' '  ')"
	echo "task $t comm $(cat /proc/$pid/task/$t/comm) cmdline $(tr '\0' ' ' </proc/$pid/task/$t/cmdline)"
done
echo "thread-as-pid $(awk '{ print $1 }' /proc/$t2/stat) $(awk '/^Tgid:/ { print $2 }' /proc/$t2/status)"
echo "thread-listed $(ls /proc | grep -c -x "$t2")"
echo "nlwp $(ps -o nlwp= -p $pid | tr -d ' ')"
echo "ps-L $(ps -L -o lwp= -p $pid | tr -d ' ' | tr '\n' ' ')"
echo "fd3 $(readlink /proc/$pid/fd/3)"
p4=$(readlink /proc/$pid/fd/4)
p5=$(readlink /proc/$pid/fd/5)
echo "fd4 ${p4%%\[*} fd5 ${p5%%\[*} same-pipe $([ "$p4" = "$p5" ] && echo yes)"
echo "fdinfo4 $(grep flags /proc/$pid/fdinfo/4 | tr '\t' ' ')"
echo "fdinfo5 $(grep flags /proc/$pid/fdinfo/5 | tr '\t' ' ')"
kill $pid
EOF

# Everything the guest can read under /proc, while long-lived processes run.
cat >"$DEB/proctest/dump.sh" <<'EOF'
. /proctest/lib.sh
sleep 60 &
S=$!
sleep 60 | cat &
CAT=$!
wait_comm $S sleep && wait_comm $CAT cat || exit 1
if [ -x /procread ]; then
	/procread threads 3 >/dev/null &
	wait_comm $! procread && wait_stat $! 20 3 || exit 1
fi
# Their maps and smaps too: a shell of busybox, python3 with a memfd and a file of the
# upper layer mapped.
sleep 60 | busybox sh -c 'read -r x' &
wait_comm $! busybox || exit 1
python3 -c '
import mmap, os, time
fd = os.memfd_create("pyfd"); os.ftruncate(fd, 4096); m = mmap.mmap(fd, 4096)
with open("/tmp/pymapped", "wb") as f: f.write(b"x" * 4096)
f = open("/tmp/pymapped", "r+b"); m2 = mmap.mmap(f.fileno(), 4096)
time.sleep(60)' &
PY=$!
for i in $(seq 600); do
	grep -q /tmp/pymapped /proc/$PY/maps 2>/dev/null && break
	sleep 0.1
done
cd /usr/share
exec 3</etc/passwd
echo ready
# The test collects the host pids of this sandbox now; it says when it is done.
read -r go
find /proc -printf '%p %u %g %m\n' 2>/dev/null
find /proc -type l -printf '%p -> %l\n' 2>/dev/null
find /proc -type f -print0 2>/dev/null | xargs -0 cat 2>/dev/null
echo
echo dump-done
EOF

# --- Checks. ---

# expect_line NAME FILE PATTERN: FILE has a line matching the extended regex PATTERN.
expect_line() {
	if grep -E -q -x -- "$3" "$2"; then
		pass
	else
		fail "$1: no line matching '$3'"
	fi
}

# ps_line OUT PID: the ps line of PID (pid ppid pgid sid stat nlwp comm args...).
ps_line() {
	awk -v p="$2" '$1 == "ps" && $2 == p { $1 = ""; sub(/^ /, ""); print }' "$1/stdout"
}

check_ps() {
	local platform=$1
	local out="$WORK/ps.$platform"
	mkdir -p "$out"
	run_sandbox "$out" "$platform" "$DEB" /bin/bash /proctest/ps.sh
	sentry_healthy "ps [$platform]" "$out" || return
	if [ "$(cat "$out/status")" != 0 ] || ! grep -q '^done$' "$out/stdout"; then
		fail "ps [$platform]: the script failed (status $(cat "$out/status"))"
		sed 's/^/    /' "$out/stdout" "$out/stderr" | head -30
		return
	fi
	if [ -s "$out/stderr" ] || grep -q failed "$out/stdout"; then
		fail "ps [$platform]: errors"
		sed 's/^/    /' "$out/stderr" | head -10
	else
		pass
	fi
	local S T SUB SUBCHILD CAT Z
	eval "$(sed -n 's/^pids //p' "$out/stdout")"
	local name="ps [$platform]"
	# pid ppid pgid sid stat nlwp comm args
	expect_line "$name init" <(ps_line "$out" 1) "1 0 1 1 Ss 1 bash /bin/bash /proctest/ps.sh"
	expect_line "$name sleeping child" <(ps_line "$out" "$S") "$S 1 1 1 S 1 sleep sleep 30"
	expect_line "$name stopped child" <(ps_line "$out" "$T") "$T 1 1 1 T 1 sleep sleep 30"
	expect_line "$name subshell" <(ps_line "$out" "$SUB") "$SUB 1 1 1 S 1 bash /bin/bash /proctest/ps.sh"
	expect_line "$name subshell's child" <(ps_line "$out" "$SUBCHILD") "$SUBCHILD $SUB 1 1 S 1 sleep sleep 30"
	expect_line "$name non-waiting parent" <(ps_line "$out" "$CAT") "$CAT 1 1 1 S 1 cat cat"
	expect_line "$name zombie" <(ps_line "$out" "$Z") "$Z $CAT 1 1 Z 1 true \[true\] <defunct>"
	expect_line "$name ps itself" "$out/stdout" "ps [0-9]+ 1 1 1 R 1 ps ps -e -o .*"
	# Exactly these processes: init, 3 sleeps, subshell, pipeline's sleep and cat, zombie, ps.
	local n
	n=$(grep -c '^ps ' "$out/stdout")
	if [ "$n" = 9 ]; then pass; else
		fail "$name: $n processes listed, want 9"
		grep '^ps ' "$out/stdout" | sed 's/^/    /'
	fi
}

check_self() {
	local platform=$1
	local out="$WORK/self.$platform"
	mkdir -p "$out"
	local before
	before=$(date +%s)
	run_sandbox "$out" "$platform" "$DEB" /bin/bash /proctest/self.sh
	sentry_healthy "self [$platform]" "$out" || return
	if [ "$(cat "$out/status")" != 0 ] || [ -s "$out/stderr" ]; then
		fail "self [$platform]: status $(cat "$out/status")"
		sed 's/^/    /' "$out/stderr" | head -10
	fi
	local name="self [$platform]" f="$out/stdout"
	expect_line "$name" "$f" "self-is-pid 1"
	expect_line "$name" "$f" "self-exe /usr/bin/readlink"
	expect_line "$name" "$f" "self-cwd /usr/share"
	expect_line "$name" "$f" "self-root /"
	expect_line "$name" "$f" "sh-exe /usr/bin/bash"
	expect_line "$name" "$f" "sh-cwd /usr/share"
	expect_line "$name" "$f" "sh-cmdline /bin/bash\|/proctest/self.sh\|"
	expect_line "$name" "$f" "sh-comm bash"
	expect_line "$name" "$f" "sh-stat 1 \(bash\) R 0 1 1 0 -1"
	expect_line "$name" "$f" "sh-stat-fields 52"
	expect_line "$name" "$f" "sh-status Name: bash"
	expect_line "$name" "$f" "sh-status State: S \(sleeping\)"
	expect_line "$name" "$f" "sh-status Tgid: 1"
	expect_line "$name" "$f" "sh-status Pid: 1"
	expect_line "$name" "$f" "sh-status PPid: 0"
	expect_line "$name" "$f" "sh-status Uid: 0 0 0 0"
	expect_line "$name" "$f" "sh-status Gid: 0 0 0 0"
	expect_line "$name" "$f" "sh-status Threads: 1"
	expect_line "$name" "$f" "sh-status CapEff: 00000000a80425fb"
	expect_line "$name" "$f" "sh-status NoNewPrivs: 1"
	expect_line "$name" "$f" "sh-fd3 /etc/passwd"
	expect_line "$name" "$f" "sh-fdinfo3 pos: 0;flags: 0100000;mnt_id: [0-9]+;ino: [0-9]+;"
	expect_line "$name" "$f" "sh-environ 2"
	expect_line "$name" "$f" "thread-self N/task/N"
	expect_line "$name" "$f" "mounts-link self/mounts"
	expect_line "$name" "$f" "mount-proc proc /proc proc rw,nosuid,nodev,noexec 0 0"
	expect_line "$name" "$f" "findmnt-proc proc"
	expect_line "$name" "$f" "mountinfo-root / /"
	expect_line "$name" "$f" "uptime-small 1"
	expect_line "$name" "$f" "stat-cpu 11"
	expect_line "$name" "$f" "version Linux version 1"
	expect_line "$name" "$f" "cpuinfo 1"
	expect_line "$name" "$f" "sys-pid_max 4194304"
	expect_line "$name" "$f" "sys-hostname same"
	expect_line "$name" "$f" "sys-osrelease same"
	expect_line "$name" "$f" "sys-ostype Linux"
	expect_line "$name" "$f" "sys-ngroups_max 65536"
	expect_line "$name" "$f" "sys-overcommit_memory 0"
	expect_line "$name" "$f" "sys-file-max [0-9]+"
	# btime: the sandbox's boot, by the host's clock.
	local btime
	btime=$(sed -n 's/^stat-btime //p' "$f")
	if [ -n "$btime" ] && [ "$btime" -ge $((before - 2)) ] && [ "$btime" -le $(($(date +%s) + 1)) ]; then
		pass
	else
		fail "$name: /proc/stat btime '$btime' is not the sandbox's boot time (started at $before)"
	fi
}

check_threads() {
	local platform=$1
	local out="$WORK/threads.$platform"
	[ -x "$DEB/procread" ] || return
	mkdir -p "$out"
	run_sandbox "$out" "$platform" "$DEB" /bin/bash /proctest/threads.sh
	sentry_healthy "threads [$platform]" "$out" || return
	local name="threads [$platform]" f="$out/stdout"
	local word pid t0 t1 t2 t3
	read -r word pid t0 t1 t2 t3 < <(sed -n 's/^ready //p' "$f")
	if [ "$word" != ready ] || [ -z "$t3" ]; then
		fail "$name: procread did not start (status $(cat "$out/status"))"
		sed 's/^/    /' "$f" "$out/stderr" | head -20
		return
	fi
	if [ "$t0" = "$pid" ]; then pass; else fail "$name: the main thread's tid $t0 is not the pid $pid"; fi
	expect_line "$name" "$f" "tasks $t0 $t1 $t2 $t3 "
	local t
	for t in $t0 $t1 $t2 $t3; do
		expect_line "$name" "$f" "task $t stat $t \(procread\) S 1 4"
		expect_line "$name" "$f" "task $t status Tgid: $pid Pid: $t Threads: 4 "
		expect_line "$name" "$f" "task $t comm procread cmdline /procread threads 4 "
	done
	expect_line "$name" "$f" "thread-as-pid $t2 $pid"
	expect_line "$name" "$f" "thread-listed 0"
	expect_line "$name" "$f" "nlwp 4"
	expect_line "$name" "$f" "ps-L $t0 $t1 $t2 $t3 "
	expect_line "$name" "$f" "fd3 /etc/passwd"
	expect_line "$name" "$f" "fd4 pipe: fd5 pipe: same-pipe yes"
	expect_line "$name" "$f" "fdinfo4 flags: 00"
	expect_line "$name" "$f" "fdinfo5 flags: 01"
}

# Host pids (at least 4 digits: shorter numbers are everywhere) and host paths must not
# appear in anything the guest reads under /proc.
check_no_host_leaks() {
	local platform=$1
	local out="$WORK/dump.$platform"
	mkdir -p "$out"
	local go="$out/go" gofd
	mkfifo "$go"
	# (Reading all of /proc is slow on a busy machine under ptrace: a generous bound.)
	timeout 600 "$RUNSCC" --log "$out/log" "do" --platform="$platform" --rootfs "$DEB" -- \
		/bin/bash /proctest/dump.sh >"$out/stdout" 2>"$out/stderr" <"$go" &
	local timeout_pid=$!
	exec {gofd}>"$go"
	wait_for_line '^ready$' "$out/stdout" "$timeout_pid"
	local cli hostpids
	cli=$(children_of "$timeout_pid")
	hostpids=$(printf '%s\n' "$cli" "$(children_of "$cli")" "$(guest_host_pids "$cli")" | tr -s '\n' ' ')
	# (The sandbox may have ended early: no SIGPIPE for the test itself then.)
	(trap '' PIPE; echo go >&"$gofd") 2>/dev/null
	exec {gofd}>&-
	wait "$timeout_pid"
	echo $? >"$out/status"
	local name="no host leaks [$platform]" dump="$out/stdout"
	sentry_healthy "$name" "$out" || return
	# The CLI, the gofer, the sentry, and at least bash, 3 sleeps or cats and procread.
	local nhost
	nhost=$(wc -w <<<"$hostpids")
	if ! grep -q '^dump-done$' "$dump" || [ "$nhost" -lt 7 ] || [ "$(grep -a -c '^Name:' "$dump")" -lt 5 ]; then
		fail "$name: the dump did not run (status $(cat "$out/status"), host pids: $hostpids)"
		tail -5 "$out/stderr" | sed 's/^/    /'
		return
	fi
	# Counters (file positions, inode numbers, CPU ticks, memory sizes) can equal a host
	# pid by chance: from /proc/PID/stat lines keep the pid fields only, drop counter lines.
	local pidtext="$out/pid-text"
	awk '
		/^[0-9]+ \(.*\) [A-Z] / {
			tail = substr($0, match($0, /\) [A-Z] /) + 4)
			split(tail, f, " ")
			print $1, f[1], f[2], f[3], f[5]
			next
		}
		/^(pos|ino|mnt_id|flags):/ || / kB$/ { next }
		/^[0-9a-f]+-[0-9a-f]+ [-r][-w][-x][ps] [0-9a-f]+ [0-9a-f]+:[0-9a-f]+ [0-9]+/ { next }
		/^cpu[0-9]* / || /^(intr|ctxt|btime|processes|procs_running|procs_blocked|softirq) / { next }
		/^[a-z_]+ [0-9]+$/ { next }
		{ print }
	' "$dump" >"$pidtext"
	local p leaked=0
	for p in $hostpids; do
		[ "${#p}" -ge 4 ] || continue
		if grep -a -P -q "(?<![0-9.])$p(?![0-9.])" "$pidtext"; then
			fail "$name: host pid $p appears under /proc"
			grep -a -P -n "(?<![0-9.])$p(?![0-9.])" "$pidtext" | head -5 | cut -c1-200 | sed 's/^/    /'
			leaked=1
		fi
	done
	local s
	# (memfd: the guest's own memfd is "pyfd"; any other name is one the sentry gave.)
	if grep -a -v -F 'memfd:pyfd' "$dump" | grep -a -q -F 'memfd:'; then
		fail "$name: a memfd name of the sentry's appears under /proc"
		grep -a -v -F 'memfd:pyfd' "$dump" | grep -a -n -F 'memfd:' | head -5 | cut -c1-200 | sed 's/^/    /'
		leaked=1
	fi
	for s in "$WORK" "$DEB" "$(dirname "$RUNSCC")" /tmp/runscc-test; do
		if grep -a -F -q -- "$s" "$dump"; then
			fail "$name: host path $s appears under /proc"
			grep -a -F -n -- "$s" "$dump" | head -5 | cut -c1-200 | sed 's/^/    /'
			leaked=1
		fi
	done
	[ $leaked = 0 ] && pass
	# The dump did see what it should have: pipes, the shell's file, threads.
	if grep -a -q -- '/fd/3 -> /etc/passwd$' "$dump"; then pass; else fail "$name: fd/3 -> /etc/passwd not in the dump"; fi
	if grep -a -q -- '-> pipe:\[[0-9]*\]$' "$dump"; then pass; else fail "$name: no pipe:[N] link in the dump"; fi
	# and the maps of the processes, with the guest's names.
	local want
	for want in ' /usr/lib/x86_64-linux-gnu/libc\.so\.6$' ' /usr/bin/python3\.[0-9]+$' ' /usr/bin/busybox$' \
		' /tmp/pymapped$' ' /memfd:pyfd \(deleted\)$' ' \[stack\]$' ' \[heap\]$' ' \[vdso\]$'; do
		if grep -a -E -q -- "^[0-9a-f]+-[0-9a-f]+ .*$want" "$dump"; then
			pass
		else
			fail "$name: no maps line naming$want in the dump"
		fi
	done
}

for platform in $PLATFORMS; do
	check_ps "$platform"
	check_self "$platform"
	check_threads "$platform"
	check_no_host_leaks "$platform"
done
if [ -x "$DEB/mapscheck" ]; then
	compare mapscheck "$DEB" /mapscheck /mapscheck
fi
finish
