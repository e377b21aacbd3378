#!/bin/bash
# Process semantics, proven by static C programs (tests/progs) that print one line per check
# and give the same stdout, stderr and exit status natively (pid 1 of a new pid namespace,
# chrooted into a busybox rootfs, as root) and in the sandbox, on both platforms:
#  - proc_lifecycle: fork, vfork, clone for processes and threads (CLONE_VM, CLONE_THREAD,
#    CLONE_SETTLS, CLONE_PARENT_SETTID, CLONE_CHILD_SETTID/CLEARTID, CLONE_VFORK, CLONE_PARENT,
#    exit signals and __WCLONE/__WALL), exit and exit_group from threads, wait4/waitid
#    (WNOHANG, WUNTRACED, WCONTINUED, WNOWAIT, P_PGID, exact status words, every signal's
#    default action, in an orphaned process group and in one of its own), zombies, SIGCHLD
#    ignored, orphans reparented to pid 1 or to a PR_SET_CHILD_SUBREAPER, virtual pids against
#    /proc/self/stat, set_tid_address, process groups and sessions with their errnos;
#  - sigcheck: rt_sigaction flags (SA_RESTART, SA_RESETHAND, SA_NODEFER, SA_SIGINFO, SA_ONSTACK,
#    SA_NOCLDSTOP), masks, rt_sigreturn, sigaltstack, sigsuspend, sigtimedwait, sigpending,
#    kill/tgkill/tkill to pids, groups and -1, permissions, pid 1's protection, SIGCHLD,
#    SIGPIPE, stops, and read/wait4/poll/select/nanosleep/epoll_wait/futex/pause interrupted
#    (EINTR or restarted, as SA_RESTART says), sigqueue and rt_(tg)sigqueueinfo;
#  - pipecheck: pipe/pipe2 and their flags, O_NONBLOCK, end of file when the last writer in any
#    process goes (one of them after an exec), EPIPE, PIPE_BUF atomicity with four writers,
#    dup/dup2/dup3, fcntl, close-on-exec across exec, close_range;
#  - futexcheck: futex wait/wake/requeue/cmp_requeue/wake_op/bitset, private and shared, robust
#    lists, nanosleep and clock_nanosleep, sched_yield, getrusage, times, prlimit64;
#  - lockcheck: flock (shared, exclusive, conversion, ownership by the open file description,
#    waiting, EINTR or restart) on image files, created files and directories, and fcntl
#    record locks between processes;
#  - schedcheck: nice values (thread, group, user), scheduling policies and priorities, I/O
#    priorities, CPU affinity, and who may change them;
#  - hostidcheck: every pid and uid a process learns (si_pid/si_uid of kill, tgkill, sigqueue,
#    SIGCHLD, SIGPIPE, sigwaitinfo, signalfd; waitid, F_GETLK, SO_PEERCRED, /proc) names a
#    process of the sandbox, as root and as uid 1000; a signal from outside names no sender;
#  - proccontrol: prctl (name, dumpable, timer slack, no_new_privs, seccomp mode, the
#    parent-death signal at the parent thread's exit, kept across exec, not inherited),
#    personality, waitid without WEXITED, argument errors of tgkill/tkill/kill/lseek, mlock
#    within RLIMIT_MEMLOCK;
#  - ptycheck: the guest's own ptys (/dev/ptmx, /dev/pts/N names and numbers, the lock,
#    TIOCGPTN, TIOCGPTPEER, data and termios through both ends, the window size, a
#    controlling terminal taken by open or TIOCSCTTY, names gone with their master; job
#    control: ^C, ^\, ^Z written to the master (ISIG, NOFLSH, VLNEXT, another VINTR) signal the
#    foreground group, a resize sends SIGWINCH, the master's close SIGHUP and SIGCONT to the
#    session leader, a session leader's exit SIGHUP to its foreground group); python3's
#    pty.fork driving a child the same way (Debian rootfs);
#  - execcheck: execve/execveat of static (busybox rootfs) and dynamic (Debian rootfs, the same
#    program built dynamically) programs, #! scripts (nested to the kernel's limit, arguments,
#    long lines), fexecve, argv[0] and the environment, what exec keeps and resets, exec from
#    a non-leader thread; and busybox (dynamic in Debian) run under other names.
# Checked in the sandbox only, against its documented behaviour (natively, as root, these
# would succeed): clone's namespace flags (EPERM) and CLONE_PIDFD (EINVAL), raw clone3
# (ENOSYS, glibc falls back; pidfd_open works, see pidfdcheck), PI futexes (ENOSYS), a robust mutex whose owner died
# (the host cannot mark it: the futex word holds a virtual tid, so trylock says EBUSY where
# Linux says EOWNERDEAD); and a guest's kill -9 -1
# as root leaves a host process of the guests' host uid (65534) alive.
# The core-dump bit of a wait status depends on the host's core settings: the programs print
# WTERMSIG only. Needs root; the Debian part needs the cached rootfs (or network) and gcc.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/../lib/common.sh"
need_root

PROGS="proc_lifecycle sigcheck pipecheck lockcheck futexcheck execcheck schedcheck hostidcheck proccontrol ptycheck"
for p in $PROGS; do
	[ -x "${BUILD_DIR:-}/tests/progs/$p" ] || skip "tests/progs/$p is not built (BUILD_DIR=${BUILD_DIR:-unset})"
done
command -v unshare >/dev/null || skip "unshare (util-linux) is needed for the native runs"
command -v setpriv >/dev/null || skip "setpriv (util-linux) is needed to start a host process as uid 65534"

ROOT="$WORK/rootfs"
build_busybox_rootfs "$ROOT"
for p in $PROGS; do
	cp "$BUILD_DIR/tests/progs/$p" "$ROOT/$p"
done

# --- Native against sandbox. ---
compare lifecycle "$ROOT" /proc_lifecycle
compare signals "$ROOT" /sigcheck
compare pipes-fds "$ROOT" /pipecheck
compare locks "$ROOT" /lockcheck /etc/passwd /tmp
compare futex-time "$ROOT" /futexcheck
compare exec-static "$ROOT" /execcheck /tmp/exec
# Root lowers nice values again (CAP_SYS_NICE, not in Docker's default set).
CAP_ADD=SYS_NICE compare sched "$ROOT" /schedcheck
compare host-ids "$ROOT" /hostidcheck /tmp
RUN_AS=1000:1000 compare host-ids-user "$ROOT" /hostidcheck /tmp
compare process-control "$ROOT" /proccontrol
# The guest's own ptys; natively in a devpts instance of its own, mounted as Docker does.
mkdir -p "$ROOT/dev/pts"
ln -sf pts/ptmx "$ROOT/dev/ptmx"
PTS_SETUP="mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts $ROOT/dev/pts"
NATIVE_SETUP="$PTS_SETUP" compare ptys "$ROOT" /ptycheck
NATIVE_SETUP="$PTS_SETUP" RUN_AS=1000:1000 compare ptys-user "$ROOT" /ptycheck

# A signal from outside (this script, in the parent pid namespace) names no sender: si_pid 0.
for where in native $PLATFORMS; do
	out="$WORK/outside.$where"
	mkdir -p "$out"
	if [ "$where" = native ]; then
		run_native "$out" "$ROOT" /hostidcheck outside &
	else
		run_sandbox "$out" "$where" "$ROOT" /hostidcheck outside &
	fi
	runner=$!
	wait_for_line '^waiting' "$out/stdout" "$runner"
	kill -USR1 "$(pgrep -f -x '/hostidcheck outside')"
	wait "$runner"
done
compare_runs outside "/hostidcheck outside" stdout stderr status

# --- The sandbox's own behaviour where it differs from Linux by design. ---

expect_sandbox lifecycle-refused "clone CLONE_NEWNS: EPERM
clone CLONE_NEWUTS: EPERM
clone CLONE_NEWIPC: EPERM
clone CLONE_NEWUSER: EPERM
clone CLONE_NEWPID: EPERM
clone CLONE_NEWNET: EPERM
clone CLONE_NEWCGROUP: EPERM
clone CLONE_PIDFD: EINVAL
raw clone3: ENOSYS
pthread_create: 0, join: 0, ran: yes, returned 0x1234
fork (glibc, after clone3's ENOSYS): status 0x0
pidfd_open: ok" "$ROOT" /proc_lifecycle sandbox

expect_sandbox futex-refused "FUTEX_LOCK_PI: ENOSYS
FUTEX_UNLOCK_PI: ENOSYS
FUTEX_TRYLOCK_PI: ENOSYS
FUTEX_WAIT_REQUEUE_PI: ENOSYS
pthread_mutexattr_setprotocol PRIO_INHERIT: 0
robust mutex, owner thread gone: trylock EBUSY" "$ROOT" /futexcheck sandbox

# A CPU clock names its process by pid: one of the host's (this script's) is not there.
expect_sandbox cpu-clock-of-host-pid "the CPU clock of a host pid: EINVAL, its resolution: EINVAL" \
	"$ROOT" /futexcheck hostclock $$

# Natively, the same robust mutex is EOWNERDEAD (what the sandbox cannot do).
native="$WORK/robust.native"
mkdir -p "$native"
run_native "$native" "$ROOT" /futexcheck robust
if grep -q "trylock EOWNERDEAD" "$native/stdout"; then
	pass
else
	fail "robust mutex natively: $(cat "$native/stdout")"
fi

# Root raising RLIMIT_NICE and RLIMIT_RTPRIO (CAP_SYS_RESOURCE, which root natively may
# lack here), then uid 1000 using them.
CAP_ADD=SYS_RESOURCE expect_sandbox sched-rlimits "setrlimit RLIMIT_NICE 25: ok
uid 1000, RLIMIT_NICE 25 (nice -5): to 2: ok; to -5: ok; to -6: EACCES
setrlimit RLIMIT_RTPRIO 5: ok
uid 1000, RLIMIT_RTPRIO 5: SCHED_FIFO 5: ok; 6: EPERM; RR 5: ok" "$ROOT" /schedcheck rlimits

expect_sandbox signal-siginfo "kill from a child: si_signo USR1, si_code 0" "$ROOT" /sigcheck sandbox

# A guest's kill -9 -1, as root, reaches only the guest's processes: a host process with
# the guests' host identity survives, and so does the sandbox itself (gofer, sentry).
setpriv --reuid=65534 --regid=65534 --clear-groups sleep 300 </dev/null >/dev/null 2>&1 &
host_sleep=$!
wait_until 60 eval '[ "$(ps -o uid=,comm= -p "$host_sleep" | awk "{ print \$1, \$2 }")" = "65534 sleep" ]'
for platform in $PLATFORMS; do
	sb="$WORK/kill-all.$platform"
	mkdir -p "$sb"
	run_sandbox "$sb" "$platform" "$ROOT" /bin/sh -c \
		'sleep 100 & s=$!; kill -9 -1; echo "kill -9 -1: $?"; wait $s; echo "guest sleep: $?"; echo after'
	expected="kill -9 -1: 0
guest sleep: 137
after"
	if [ "$(cat "$sb/stdout")" = "$expected" ] && [ "$(cat "$sb/status")" = 0 ] &&
		kill -0 "$host_sleep" 2>/dev/null; then
		pass
	else
		fail "kill -9 -1 [$platform]: status $(cat "$sb/status"), host sleep alive: $(kill -0 "$host_sleep" 2>/dev/null && echo yes || echo no)"
		sed 's/^/    /' "$sb/stdout" "$sb/stderr" | head -10
	fi
done
kill "$host_sleep" 2>/dev/null
wait "$host_sleep" 2>/dev/null

# --- Dynamic programs (Debian rootfs). ---
. "$SRC_DIR/tests/lib/debian_rootfs.sh"
DEB="$WORK/debian"
if ! (debian_rootfs "$DEB") >"$WORK/debian.log" 2>&1; then
	echo "note: no Debian rootfs ($(tail -1 "$WORK/debian.log")): the dynamic checks are skipped"
elif ! command -v gcc >/dev/null; then
	echo "note: gcc is not installed: the dynamic execcheck is skipped"
	DYN=0
else
	DYN=1
fi
if [ -d "$DEB/bin" ]; then
	make_dev_nodes "$DEB"
	if [ "${DYN:-0}" = 1 ]; then
		mkdir -p "$DEB/dyn"
		if gcc -O1 -o "$DEB/dyn/execcheck" "$SRC_DIR/tests/progs/execcheck.c" \
			"$SRC_DIR/tests/progs/lib/guest_check.c" -lpthread; then
			# The same checks, with this program and its scripts' interpreter dynamic.
			compare exec-dynamic "$DEB" /dyn/execcheck /tmp/exec
		else
			fail "building a dynamic execcheck with the host's gcc"
		fi
	fi
	# argv[0] reaches a dynamic program: busybox picks its applet by it.
	mkdir -p "$DEB/bbdir"
	ln -sf /bin/busybox "$DEB/bbdir/echo"
	ln -sf /bin/busybox "$DEB/usr/local/bin/notanapplet"
	compare busybox-symlink "$DEB" /bbdir/echo argv0 picks the applet
	compare busybox-unknown-name "$DEB" /usr/local/bin/notanapplet
	compare busybox-exec-a "$DEB" /bin/bash -c 'exec -a printf /bin/busybox "%s|" a b'
	compare busybox-from-path "$DEB" /bin/sh -c 'PATH=/bbdir:$PATH; echo via PATH; cd /bbdir && ./echo relative'
	# python3's pty.fork driving a child over the pty: ^C, ^\, a resize, ^Z (discarded: the
	# child's group is orphaned), the master's close (SIGHUP and SIGCONT to the child).
	mkdir -p "$DEB/dev/pts"
	ln -sf pts/ptmx "$DEB/dev/ptmx"
	cat >"$DEB/pty_jobs.py" <<'EOF'
import fcntl, os, pty, select, signal, struct, termios
pid, fd = pty.fork()
if pid == 0:
    seen = set()
    def report(sig, frame):
        os.write(1, ("got %s\n" % signal.Signals(sig).name).encode())
    def record(sig, frame):
        seen.add(sig)
    for sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGWINCH):
        signal.signal(sig, report)
    for sig in (signal.SIGHUP, signal.SIGCONT):
        signal.signal(sig, record)
    t = termios.tcgetattr(0)
    t[3] &= ~termios.ECHO
    termios.tcsetattr(0, termios.TCSANOW, t)
    os.write(1, b"ready\n")
    while True:
        try:
            line = os.read(0, 100)
        except OSError:
            line = b""
        if not line:
            break
        os.write(1, b"read " + line)
    signal.pthread_sigmask(signal.SIG_SETMASK, [])  # pending handlers run by here
    os._exit(16 + (signal.SIGHUP in seen) + 2 * (signal.SIGCONT in seen))
pending = b""
def expect(want):
    global pending
    while want not in pending:
        if not select.select([fd], [], [], 10)[0]:
            break
        d = os.read(fd, 100)
        if not d:
            break
        pending += d
    i = pending.find(want)
    got, pending = (pending[:i + len(want)], pending[i + len(want):]) if i >= 0 else (pending, b"")
    print("master:", got.replace(b"\r", b""))
expect(b"ready\n")
os.write(fd, b"\x03"); expect(b"got SIGINT\n")
os.write(fd, b"\x1c"); expect(b"got SIGQUIT\n")
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 90, 0, 0)); expect(b"got SIGWINCH\n")
# The child's group is orphaned (its parent is in another session): ^Z is discarded.
os.write(fd, b"\x1a"); os.write(fd, b"hello\n"); expect(b"read hello\n")
os.close(fd)
st = os.waitpid(pid, 0)[1]
print("child:", os.waitstatus_to_exitcode(st))
EOF
	NATIVE_SETUP="mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts $DEB/dev/pts" \
		compare pty-python "$DEB" /usr/bin/python3 /pty_jobs.py
fi
finish
