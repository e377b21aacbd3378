/* Process life cycle, virtual pids, process groups and sessions. Run as pid 1 (natively in
   a new pid namespace with its own /proc, or as a sandbox's init); prints one line per check,
   relationships rather than raw pids, so a native run and a sandboxed run print the same.
   Children never print: they report to their parent through exit codes and pipes.

   proc_lifecycle            the checks every platform must pass like Linux
   proc_lifecycle sandbox    what the sandbox refuses by design (namespaces, clone3, pidfds)
   proc_lifecycle exit7      exits 7 (an exec target)
   proc_lifecycle hold W R   writes a byte to fd W, then waits for EOF on fd R (exec target) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/guest_check.h"

static const char *self_path;

static long futex(void *addr, int op, int val, const struct timespec *ts)
{
	return syscall(SYS_futex, addr, op, val, ts, NULL, 0);
}

/* Field n (1-based) of a /proc stat file, as a number; the comm field is field 2. */
static long stat_field(const char *path, int n, char *comm, size_t commsz)
{
	char buf[1024];
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return -1;
	buf[len] = '\0';
	char *open_paren = strchr(buf, '('), *close_paren = strrchr(buf, ')');
	if (!open_paren || !close_paren)
		return -1;
	if (comm)
		snprintf(comm, commsz, "%.*s", (int)(close_paren - open_paren - 1), open_paren + 1);
	if (n == 1)
		return atol(buf);
	if (n == 2)
		return 0;
	/* Fields from 3 on follow ") ". */
	char *p = close_paren + 2;
	for (int i = 3; i < n; i++) {
		p = strchr(p, ' ');
		if (!p)
			return -1;
		p++;
	}
	if (n == 3)
		return (unsigned char)*p;
	return atol(p);
}

/* --- ids --- */

static pid_t thread_tid;
static pid_t thread_stat_pid;
static pid_t thread_self_stat_pid;
static int thread_task_dir;
static int thread_tidaddr_ok;
static volatile int thread_tidaddr_word;

static void *id_thread(void *arg)
{
	(void)arg;
	char path[64];
	thread_tid = gettid();
	thread_stat_pid = (pid_t)stat_field("/proc/thread-self/stat", 1, NULL, 0);
	thread_self_stat_pid = (pid_t)stat_field("/proc/self/stat", 1, NULL, 0);
	snprintf(path, sizeof(path), "/proc/self/task/%d", thread_tid);
	struct stat st;
	thread_task_dir = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
	/* The clear-tid address set by the thread itself is cleared (and woken) at its exit. */
	thread_tidaddr_word = 1;
	thread_tidaddr_ok = syscall(SYS_set_tid_address, &thread_tidaddr_word) == thread_tid;
	return NULL;
}

static void check_ids(void)
{
	char comm[64];
	say("main: getpid = %d, getppid = %d", getpid(), getppid());
	say("main: gettid == getpid: %s", yesno(gettid() == getpid()));
	int word;
	say("main: set_tid_address returns gettid: %s",
	    yesno(syscall(SYS_set_tid_address, &word) == gettid()));
	say("main: /proc/self/stat pid == getpid: %s",
	    yesno(stat_field("/proc/self/stat", 1, comm, sizeof(comm)) == getpid()));
	say("main: /proc/self/stat comm: %s", comm);
	say("main: /proc/self/stat ppid == getppid: %s",
	    yesno(stat_field("/proc/self/stat", 4, NULL, 0) == getppid()));
	say("main: /proc/self/stat pgrp == getpgrp: %s",
	    yesno(stat_field("/proc/self/stat", 5, NULL, 0) == getpgrp()));
	say("main: /proc/self/stat session == getsid(0): %s",
	    yesno(stat_field("/proc/self/stat", 6, NULL, 0) == getsid(0)));
	say("main: getpgrp == getpgid(0) == getpgid(getpid()): %s",
	    yesno(getpgrp() == getpgid(0) && getpgid(0) == getpgid(getpid())));
	say("main: getsid(0) == getsid(getpid()) == getpid: %s",
	    yesno(getsid(0) == getsid(getpid()) && getsid(0) == getpid()));

	/* Detached: the thread replaces the clear-tid address pthread_join would wait on. */
	pthread_t th;
	thread_tidaddr_word = -1;
	pthread_create(&th, NULL, id_thread, NULL);
	pthread_detach(th);
	/* -1 until the thread ran; then 1 until its exit clears it (at most 5 s). */
	struct timespec ts = { 0, 100000000 };
	for (int i = 0; i < 50 && thread_tidaddr_word != 0; i++)
		futex((void *)&thread_tidaddr_word, FUTEX_WAIT, thread_tidaddr_word, &ts);
	say("thread: gettid != getpid: %s", yesno(thread_tid != getpid() && thread_tid > 0));
	say("thread: /proc/thread-self/stat pid == its gettid: %s", yesno(thread_stat_pid == thread_tid));
	say("thread: /proc/self/stat pid == getpid: %s", yesno(thread_self_stat_pid == getpid()));
	say("thread: /proc/self/task/TID is a directory: %s", yesno(thread_task_dir));
	say("thread: set_tid_address returns its gettid: %s", yesno(thread_tidaddr_ok));
	say("thread: its set_tid_address word cleared at exit: %s", yesno(thread_tidaddr_word == 0));

	int p[2];
	pipe(p);
	pid_t c = xfork();
	if (c == 0) {
		int ok = 0;
		if (getppid() == 1)
			ok |= 1;
		if (stat_field("/proc/self/stat", 4, NULL, 0) == getppid())
			ok |= 2;
		if (stat_field("/proc/self/stat", 1, NULL, 0) == getpid())
			ok |= 4;
		if (gettid() == getpid())
			ok |= 8;
		write_int(p[1], getpid());
		_exit(ok);
	}
	int reported = read_int(p[0]);
	int st = wait_status(c);
	say("child: fork's return == child's getpid: %s", yesno(reported == c));
	say("child: getppid == parent, stat ppid, stat pid, tid checks: 0x%x", WEXITSTATUS(st));
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", c);
	say("child: /proc/PID gone after reaping: %s", yesno(access(path, F_OK) < 0 && errno == ENOENT));
	close(p[0]);
	close(p[1]);
}

/* --- exit statuses, waiting --- */

static void check_exit_codes(void)
{
	int codes[] = { 0, 1, 42, 127, 255, 256, 511 };
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		pid_t c = xfork();
		if (c == 0)
			_exit(codes[i]);
		int st;
		pid_t r = wait4(c, &st, 0, NULL);
		say("exit(%d): wait4 returns the child: %s, status word = 0x%x", codes[i], yesno(r == c), st);
	}
	pid_t c = xfork();
	if (c == 0)
		exit(3);	/* exit_group through libc */
	say("exit via libc: status word = 0x%x", wait_status(c));
}

static void check_wait_variants(void)
{
	int gate[2];
	pipe(gate);
	pid_t c = xfork();
	if (c == 0) {
		close(gate[1]);
		char b;
		while (read(gate[0], &b, 1) < 0 && errno == EINTR)
			;
		_exit(9);
	}
	close(gate[0]);
	int st = 0x5555;
	pid_t r = wait4(c, &st, WNOHANG, NULL);
	say("wait4 WNOHANG on a running child: returns %d, status untouched: %s", r, yesno(st == 0x5555));
	siginfo_t si;
	memset(&si, 0x55, sizeof(si));
	r = waitid(P_PID, c, &si, WEXITED | WNOHANG);
	say("waitid WNOHANG on a running child: returns %d, si_pid %d, si_signo %d", r, si.si_pid,
	    si.si_signo);
	close(gate[1]);
	memset(&si, 0, sizeof(si));
	r = waitid(P_PID, c, &si, WEXITED | WNOWAIT);
	say("waitid WNOWAIT: returns %d, si_pid == child: %s, si_signo %d, si_code %d, si_status %d, si_uid %d",
	    r, yesno(si.si_pid == c), si.si_signo, si.si_code, si.si_status, si.si_uid);
	memset(&si, 0, sizeof(si));
	r = waitid(P_ALL, 0, &si, WEXITED | WNOWAIT);
	say("waitid P_ALL WNOWAIT again: same child: %s, si_code %d", yesno(si.si_pid == c),
	    si.si_code);
	st = 0;
	r = wait4(-1, &st, 0, NULL);
	say("wait4 after WNOWAIT reaps it: %s, status word = 0x%x", yesno(r == c), st);
	r = wait4(-1, &st, WNOHANG, NULL);
	say("wait4 with no children: %s", res(r));
	r = wait4(-1, &st, 0, NULL);
	say("wait4 blocking with no children: %s", res(r));
	memset(&si, 0, sizeof(si));
	r = waitid(P_ALL, 0, &si, WEXITED);
	say("waitid with no children: %s", res(r));
	r = wait4(99999, &st, 0, NULL);
	say("wait4 on a pid that is no child: %s", res(r));
	r = wait4(-1, &st, 0x1000, NULL);
	say("wait4 with unknown options: %s", res(r));
	r = waitid(P_ALL, 0, &si, 0);
	say("waitid without WEXITED/WSTOPPED/WCONTINUED: %s", res(r));
	r = waitid(P_PID, 0, &si, WEXITED);
	say("waitid P_PID 0: %s", res(r));
	r = waitid(7, 0, &si, WEXITED);
	say("waitid with a bad idtype: %s", res(r));

	/* waitid with a NULL infop still reaps. */
	c = xfork();
	if (c == 0)
		_exit(4);
	r = waitid(P_PID, c, NULL, WEXITED);
	say("waitid with NULL infop: returns %d; child gone: %s", r,
	    yesno(waitpid(c, NULL, WNOHANG) < 0 && errno == ECHILD));

	/* wait4 with rusage of a child that exits. */
	c = xfork();
	if (c == 0)
		_exit(0);
	struct rusage ru;
	memset(&ru, 0x55, sizeof(ru));
	r = wait4(c, &st, 0, &ru);
	say("wait4 fills rusage: %s", yesno(ru.ru_utime.tv_usec >= 0 && ru.ru_utime.tv_usec < 1000000 &&
					  ru.ru_stime.tv_usec >= 0 && ru.ru_stime.tv_usec < 1000000));

	/* Waiting by process group: 0 (the caller's), -PGID. */
	int g[2];
	pipe(g);
	pid_t in_group = xfork();
	if (in_group == 0) {
		close(g[1]);
		char b;
		read(g[0], &b, 1);
		_exit(11);
	}
	pid_t other = xfork();
	if (other == 0) {
		setpgid(0, 0);
		close(g[1]);
		char b;
		read(g[0], &b, 1);
		_exit(12);
	}
	setpgid(other, other);
	close(g[0]);
	close(g[1]);
	r = wait4(-other, &st, 0, NULL);
	say("wait4(-pgid) takes the child in that group: %s, status 0x%x", yesno(r == other), st);
	r = wait4(0, &st, 0, NULL);
	say("wait4(0) takes the child in the caller's group: %s, status 0x%x", yesno(r == in_group), st);
	memset(&si, 0, sizeof(si));
	pid_t again = xfork();
	if (again == 0) {
		setpgid(0, 0);
		_exit(13);
	}
	setpgid(again, again);
	r = waitid(P_PGID, again, &si, WEXITED);
	say("waitid P_PGID: returns %d, si_pid == child: %s, si_status %d", r, yesno(si.si_pid == again),
	    si.si_status);
}

/* What each signal's default action does to a child; prints what the parent's wait sees.
   The core-dump bit depends on the host's core settings: only WIFSIGNALED/WTERMSIG count.
   A child that survives its signal says so and waits for the parent to let it exit, so
   that a continue is always reported before the exit. */
static void check_default_actions(bool own_group)
{
	for (int sig = 1; sig < 32; sig++) {
		int ready[2], alive[2], gate[2];
		pipe(ready);
		pipe(alive);
		pipe(gate);
		pid_t c = xfork();
		if (c == 0) {
			sigset_t none;
			sigemptyset(&none);
			sigprocmask(SIG_SETMASK, &none, NULL);
			if (sig != SIGKILL && sig != SIGSTOP)
				signal(sig, SIG_DFL);
			if (own_group)
				setpgid(0, 0);
			close(ready[0]);
			close(alive[0]);
			close(gate[1]);
			write_int(ready[1], 1);
			kill(getpid(), sig);
			write_int(alive[1], 1);
			char b;
			while (read(gate[0], &b, 1) != 0)
				;
			_exit(100);
		}
		close(ready[1]);
		close(alive[1]);
		close(gate[0]);
		read_int(ready[0]);
		close(ready[0]);
		char line[256];
		int n = snprintf(line, sizeof(line), "%s sig %2d (%s):", own_group ? "own group" : "orphaned group",
				 sig, sigabbrev_np(sig));
		for (;;) {
			int st;
			pid_t r = waitpid(c, &st, WUNTRACED | WNOHANG);
			if (r < 0) {
				n += snprintf(line + n, sizeof(line) - (size_t)n, " wait: %s", en(errno));
				break;
			}
			if (r == c && WIFSIGNALED(st)) {
				n += snprintf(line + n, sizeof(line) - (size_t)n, " killed by %s",
					      sigabbrev_np(WTERMSIG(st)));
				break;
			}
			if (r == c && WIFEXITED(st)) {
				n += snprintf(line + n, sizeof(line) - (size_t)n, " exited %d early", WEXITSTATUS(st));
				break;
			}
			if (r == c && WIFSTOPPED(st)) {
				n += snprintf(line + n, sizeof(line) - (size_t)n, " stopped by %s (0x%x),",
					      sigabbrev_np(WSTOPSIG(st)), st);
				kill(c, SIGCONT);
				r = waitpid(c, &st, WCONTINUED);
				if (r == c && WIFCONTINUED(st))
					n += snprintf(line + n, sizeof(line) - (size_t)n, " continued (0x%x),", st);
				continue;
			}
			struct pollfd pfd = { alive[0], POLLIN, 0 };
			if (poll(&pfd, 1, 20) == 1) {
				/* A byte: it survived; end of file: it died meanwhile. */
				read_int(alive[0]);
				close(gate[1]);
				gate[1] = -1;
				r = waitpid(c, &st, 0);
				if (r == c && WIFEXITED(st))
					n += snprintf(line + n, sizeof(line) - (size_t)n, " exited %d", WEXITSTATUS(st));
				else if (r == c && WIFSIGNALED(st))
					n += snprintf(line + n, sizeof(line) - (size_t)n, " killed by %s",
						      sigabbrev_np(WTERMSIG(st)));
				else
					n += snprintf(line + n, sizeof(line) - (size_t)n, " wait status 0x%x", st);
				break;
			}
		}
		if (gate[1] >= 0)
			close(gate[1]);
		close(alive[0]);
		say("%s", line);
	}
}

/* Stops and continues seen by waitid, and by wait4 without WUNTRACED (not at all). */
static void check_stop_continue(void)
{
	int ready[2];
	pipe(ready);
	pid_t c = xfork();
	if (c == 0) {
		setpgid(0, 0);	/* not an orphaned group: job control stops apply */
		close(ready[0]);
		write_int(ready[1], 1);
		for (;;)
			pause();
	}
	setpgid(c, c);
	close(ready[1]);
	read_int(ready[0]);
	close(ready[0]);
	kill(c, SIGSTOP);
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	int r = waitid(P_PID, c, &si, WSTOPPED);
	say("waitid WSTOPPED: returns %d, si_code %d (CLD_STOPPED %d), si_status %d, si_pid == child: %s",
	    r, si.si_code, CLD_STOPPED, si.si_status, yesno(si.si_pid == c));
	int st;
	say("wait4 WUNTRACED|WNOHANG after the stop was reported: returns %d",
	    (int)waitpid(c, &st, WUNTRACED | WNOHANG));
	kill(c, SIGCONT);
	memset(&si, 0, sizeof(si));
	r = waitid(P_PID, c, &si, WCONTINUED);
	say("waitid WCONTINUED: returns %d, si_code %d (CLD_CONTINUED %d), si_status %d", r, si.si_code,
	    CLD_CONTINUED, si.si_status);
	kill(c, SIGSTOP);
	r = waitpid(c, &st, WUNTRACED);
	say("wait4 WUNTRACED: %s, status word = 0x%x", yesno(r == c), st);
	kill(c, SIGCONT);
	r = waitpid(c, &st, WCONTINUED);
	say("wait4 WCONTINUED: %s, status word = 0x%x", yesno(r == c), st);
	/* WNOWAIT leaves a stop reportable. */
	kill(c, SIGSTOP);
	memset(&si, 0, sizeof(si));
	waitid(P_PID, c, &si, WSTOPPED | WNOWAIT);
	say("waitid WSTOPPED|WNOWAIT: si_code %d", si.si_code);
	r = waitpid(c, &st, WUNTRACED);
	say("then wait4 WUNTRACED still sees the stop: %s, 0x%x", yesno(r == c), st);
	kill(c, SIGKILL);
	r = waitpid(c, &st, 0);
	say("SIGKILL to a stopped child: killed by %s", WIFSIGNALED(st) ? sigabbrev_np(WTERMSIG(st)) : "-");
}

/* --- SIGCHLD ignored, zombies --- */

static void check_zombies(void)
{
	pid_t c = xfork();
	if (c == 0)
		_exit(5);
	char path[64], state = 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", c);
	for (int i = 0; i < 500 && state != 'Z'; i++) {
		state = (char)stat_field(path, 3, NULL, 0);
		if (state != 'Z')
			msleep(10);
	}
	say("unreaped child: state %c", state);
	say("kill(zombie, 0): %s", res(kill(c, 0)));
	say("getpgid(zombie) == ours: %s", yesno(getpgid(c) == getpgrp()));
	int st;
	say("reaped: %s, status 0x%x", yesno(waitpid(c, &st, 0) == c), st);
	say("kill(reaped, 0): %s", res(kill(c, 0)));

	/* In a child: SIGCHLD ignored (or SA_NOCLDWAIT) leaves no zombies; wait waits for the
	   children to go and then says ECHILD. */
	for (int how = 0; how < 2; how++) {
		int p[2];
		pipe(p);
		pid_t w = xfork();
		if (w == 0) {
			struct sigaction sa;
			memset(&sa, 0, sizeof(sa));
			sa.sa_handler = how == 0 ? SIG_IGN : SIG_DFL;
			sa.sa_flags = how == 1 ? SA_NOCLDWAIT : 0;
			sigaction(SIGCHLD, &sa, NULL);
			pid_t quick = xfork();
			if (quick == 0)
				_exit(1);
			pid_t slow = xfork();
			if (slow == 0) {
				msleep(100);
				_exit(2);
			}
			int st2;
			pid_t r = wait4(-1, &st2, 0, NULL);
			int e = errno;
			/* Linux may wake the waiter just before it frees the children: give /proc a
			   moment. */
			char qpath[64], spath[64];
			snprintf(qpath, sizeof(qpath), "/proc/%d", quick);
			snprintf(spath, sizeof(spath), "/proc/%d", slow);
			int quick_gone = 0, slow_gone = 0;
			for (int i = 0; i < 100 && !(quick_gone && slow_gone); i++) {
				quick_gone = access(qpath, F_OK) < 0;
				slow_gone = access(spath, F_OK) < 0;
				if (!(quick_gone && slow_gone))
					msleep(10);
			}
			write_int(p[1], r < 0 ? e : 0);
			write_int(p[1], quick_gone | slow_gone << 1);
			_exit(0);
		}
		close(p[1]);
		int e = read_int(p[0]);
		int gone = read_int(p[0]);
		close(p[0]);
		wait_status(w);
		say("%s: wait4 gives %s after the children exit; none left behind: %s",
		    how == 0 ? "SIGCHLD SIG_IGN" : "SA_NOCLDWAIT", e ? en(e) : "a child", yesno(gone == 3));
	}
}

/* --- vfork --- */

static volatile int vfork_shared;

static void check_vfork(void)
{
	vfork_shared = 0;
	pid_t c = vfork();
	if (c == 0) {
		vfork_shared = 1;
		_exit(3);
	}
	say("vfork: child's write seen by the parent: %s", yesno(vfork_shared == 1));
	say("vfork: status 0x%x", wait_status(c));

	vfork_shared = 0;
	c = vfork();
	if (c == 0) {
		/* The parent stays suspended while the child sleeps. */
		struct timespec ts = { 0, 50000000 };
		nanosleep(&ts, NULL);
		vfork_shared = 2;
		_exit(0);
	}
	say("vfork: parent resumed only after the child exited: %s", yesno(vfork_shared == 2));
	wait_status(c);

	c = vfork();
	if (c == 0) {
		char *argv[] = { (char *)self_path, "exit7", NULL };
		execv(self_path, argv);
		_exit(127);
	}
	say("vfork + execve: status 0x%x", wait_status(c));
	c = vfork();
	if (c == 0) {
		char *argv[] = { "/nonexistent", NULL };
		execv("/nonexistent", argv);
		_exit(errno == ENOENT ? 44 : 45);
	}
	say("vfork + failed execve: status 0x%x", wait_status(c));
}

/* --- clone --- */

#define STACK_SIZE (256 * 1024)

struct clone_result {
	volatile int ctid;		/* CLONE_CHILD_SETTID / CLEARTID */
	volatile int ptid;		/* CLONE_PARENT_SETTID */
	volatile long tid;		/* gettid in the child */
	volatile long pid;		/* getpid in the child */
	volatile int ctid_seen;		/* ctid as the child first saw it */
	volatile uint64_t fs0;		/* %fs:0 in the child */
	volatile int done;
};

static long raw_syscall0(long nr)
{
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr) : "rcx", "r11", "memory");
	return ret;
}

/* Runs with its own TLS (CLONE_SETTLS): no libc, no errno, no stack protector. */
__attribute__((no_stack_protector, noinline)) static int tls_thread(void *arg)
{
	struct clone_result *r = arg;
	uint64_t fs0;
	__asm__ volatile("mov %%fs:0, %0" : "=r"(fs0));
	r->fs0 = fs0;
	r->tid = raw_syscall0(SYS_gettid);
	r->pid = raw_syscall0(SYS_getpid);
	r->ctid_seen = r->ctid;
	r->done = 1;
	return 0;
}

static int fork_like(void *arg)
{
	struct clone_result *r = arg;
	r->tid = syscall(SYS_gettid);
	r->pid = getpid();
	r->ctid_seen = r->ctid;
	r->done = 1;
	return (int)(getppid() & 0x7f);
}

static int private_ctid;

static int private_settid(void *arg)
{
	struct clone_result *r = arg;
	r->pid = getpid();
	r->ctid_seen = private_ctid;
	return 0;
}

static int sleepy(void *arg)
{
	(void)arg;
	msleep(50);
	vfork_shared = 5;
	return 6;
}

static int quick_child(void *arg)
{
	return (int)(intptr_t)arg;
}

static int parent_reporter(void *arg)
{
	int fd = (int)(intptr_t)arg;
	write_int(fd, getppid());
	return 0;
}

static volatile int usr1_count;
static void on_usr1(int sig)
{
	(void)sig;
	usr1_count++;
}

static void check_clone(void)
{
	char *stack = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *top = stack + STACK_SIZE;
	struct clone_result *r = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	/* A thread as pthread_create makes it, with its own TLS. */
	uint64_t *tcb = calloc(1, 4096);
	uint64_t canary;
	__asm__ volatile("mov %%fs:0x28, %0" : "=r"(canary));
	tcb[0] = (uint64_t)(uintptr_t)tcb;	/* the TCB points to itself */
	tcb[5] = canary;
	memset((void *)r, 0, sizeof(*r));
	int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
		    CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID;
	int tid = clone(tls_thread, top, flags, (void *)r, &r->ptid, tcb, &r->ctid);
	say("clone thread: %s", res(tid));
	/* Until CLONE_CHILD_CLEARTID clears the word (at most 5 s). */
	struct timespec ts = { 0, 100000000 };
	for (int i = 0; i < 50 && (r->ctid != 0 || !r->done); i++) {
		if (!r->done)
			msleep(1);	/* CHILD_SETTID is written when the child first runs */
		else
			futex((void *)&r->ctid, FUTEX_WAIT, r->ctid, &ts);
	}
	say("clone thread: CLONE_PARENT_SETTID word == returned tid: %s", yesno(r->ptid == tid));
	say("clone thread: CLONE_CHILD_SETTID word == its gettid: %s", yesno(r->ctid_seen == r->tid));
	say("clone thread: its gettid == returned tid: %s", yesno(r->tid == tid));
	say("clone thread: its getpid == ours: %s", yesno(r->pid == getpid()));
	say("clone thread: CLONE_SETTLS (%%fs:0 is the new TCB): %s", yesno(r->fs0 == (uint64_t)(uintptr_t)tcb));
	say("clone thread: CLONE_CHILD_CLEARTID cleared the word at exit: %s", yesno(r->ctid == 0 && r->done));
	int st;
	say("clone thread: not waitable: %s", res(waitpid(tid, &st, __WALL | WNOHANG)));

	/* A process sharing memory (CLONE_VM without CLONE_THREAD), with CHILD_SETTID. */
	memset((void *)r, 0, sizeof(*r));
	pid_t c = clone(fork_like, top, CLONE_VM | CLONE_CHILD_SETTID | CLONE_PARENT_SETTID | SIGCHLD,
			(void *)r, &r->ptid, NULL, &r->ctid);
	st = wait_status(c);
	say("clone CLONE_VM process: child's getpid == returned pid: %s, ptid: %s, ctid: %s, ppid == us: %s",
	    yesno(r->pid == c), yesno(r->ptid == c), yesno(r->ctid_seen == c), yesno(WEXITSTATUS(st) == (getpid() & 0x7f)));

	/* A process without shared memory: CHILD_SETTID writes in the child's copy only. */
	memset((void *)r, 0, sizeof(*r));
	private_ctid = 0;
	c = clone(private_settid, top, CLONE_CHILD_SETTID | SIGCHLD, (void *)r, NULL, NULL, &private_ctid);
	wait_status(c);
	say("clone fork-like CLONE_CHILD_SETTID: the child's copy holds its pid: %s, ours untouched: %s",
	    yesno(r->ctid_seen == c && r->pid == c), yesno(private_ctid == 0));

	/* CLONE_VFORK without CLONE_VM: the parent waits for the child's exit. */
	vfork_shared = 0;
	c = clone(sleepy, top, CLONE_VFORK | CLONE_VM | SIGCHLD, NULL);
	say("clone CLONE_VM|CLONE_VFORK: parent resumed after the child: %s", yesno(vfork_shared == 5));
	say("clone CLONE_VM|CLONE_VFORK: status 0x%x", wait_status(c));

	/* Children with another exit signal are "clone" children. */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	usr1_count = 0;
	c = clone(quick_child, top, SIGUSR1, (void *)(intptr_t)21);
	say("clone exit signal SIGUSR1: wait4 without __WCLONE: %s", res(waitpid(c, &st, 0)));
	pid_t w = waitpid(c, &st, __WCLONE);
	say("clone exit signal SIGUSR1: wait4 __WCLONE: %s, status 0x%x, SIGUSR1 received: %s",
	    yesno(w == c), st, yesno(usr1_count == 1));
	c = clone(quick_child, top, 0, (void *)(intptr_t)22);
	w = waitpid(c, &st, __WALL);
	say("clone exit signal 0: wait4 __WALL: %s, status 0x%x", yesno(w == c), st);
	c = clone(quick_child, top, 0, (void *)(intptr_t)23);
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	say("clone exit signal 0: waitid without __WCLONE: %s", res(waitid(P_PID, c, &si, WEXITED)));
	memset(&si, 0, sizeof(si));
	waitid(P_PID, c, &si, WEXITED | __WCLONE);
	say("clone exit signal 0: waitid __WCLONE: si_status %d", si.si_status);
	pid_t normal = xfork();
	if (normal == 0)
		_exit(24);
	say("wait4 __WCLONE skips a SIGCHLD child: %s", res(waitpid(normal, &st, __WCLONE)));
	waitpid(normal, &st, 0);

	/* CLONE_PARENT: the new process is our sibling. */
	int p[2], q[2];
	pipe(p);
	pipe(q);
	pid_t mid = xfork();
	if (mid == 0) {
		pid_t s = clone(parent_reporter, top, CLONE_PARENT | SIGCHLD, (void *)(intptr_t)p[1]);
		write_int(q[1], s);
		_exit(0);
	}
	int reported_ppid = read_int(p[0]);
	int sibling = read_int(q[0]);
	wait_status(mid);
	close(q[0]);
	close(q[1]);
	w = waitpid(sibling, &st, 0);
	say("clone CLONE_PARENT: the child's parent is its creator's parent: %s; we reap it: %s",
	    yesno(reported_ppid == getpid()), yesno(w == sibling));
	close(p[0]);
	close(p[1]);

	/* Invalid flag combinations. */
	say("clone CLONE_THREAD without CLONE_SIGHAND: %s",
	    res(clone(quick_child, top, CLONE_THREAD | CLONE_VM, NULL)));
	say("clone CLONE_SIGHAND without CLONE_VM: %s", res(clone(quick_child, top, CLONE_SIGHAND, NULL)));

	munmap(stack, STACK_SIZE);
	munmap((void *)r, 4096);
	signal(SIGUSR1, SIG_DFL);
}

static volatile int pthread_ran;
static void *pthread_fn(void *arg)
{
	pthread_ran = 1;
	return arg;
}

static void check_pthread(void)
{
	pthread_t th;
	void *ret = NULL;
	int r = pthread_create(&th, NULL, pthread_fn, (void *)0x1234);
	int j = pthread_join(th, &ret);
	say("pthread_create: %d, join: %d, ran: %s, returned 0x%lx", r, j, yesno(pthread_ran), (long)(intptr_t)ret);
}

/* --- exit and exit_group from threads --- */

static void *group_exiter(void *arg)
{
	msleep(20);
	syscall(SYS_exit_group, (int)(intptr_t)arg);
	return NULL;
}

static void *late_exiter(void *arg)
{
	msleep(50);
	exit((int)(intptr_t)arg);
}

static void *thread_exiter(void *arg)
{
	msleep(50);
	syscall(SYS_exit, (int)(intptr_t)arg);
	return NULL;
}

static void *crasher(void *arg)
{
	(void)arg;
	msleep(20);
	syscall(SYS_tgkill, getpid(), gettid(), SIGSEGV);
	return NULL;
}

static pthread_t main_thread;

static void *join_main(void *arg)
{
	(void)arg;
	struct timespec deadline;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 5;
	int r = pthread_timedjoin_np(main_thread, NULL, &deadline);
	exit(r == 0 ? 33 : r == ETIMEDOUT ? 34 : 35);
}

/* The main thread of a freshly exec'd program exits; another thread joins it, which waits
   for the kernel to clear the tid word glibc registered with set_tid_address at start. */
static int join_main_mode(void)
{
	pthread_t th;
	main_thread = pthread_self();
	pthread_create(&th, NULL, join_main, NULL);
	pthread_exit(NULL);
}

static void check_thread_exits(void)
{
	pthread_t th;
	pid_t c = xfork();
	if (c == 0) {
		pthread_create(&th, NULL, group_exiter, (void *)42);
		for (;;)
			pause();
	}
	say("exit_group from a thread while the leader waits: status 0x%x", wait_status(c));

	c = xfork();
	if (c == 0) {
		pthread_create(&th, NULL, late_exiter, (void *)5);
		syscall(SYS_exit, 0);	/* the leader goes first */
	}
	say("leader exits first, then a thread calls exit(5): status 0x%x", wait_status(c));

	c = xfork();
	if (c == 0) {
		pthread_create(&th, NULL, thread_exiter, (void *)9);
		syscall(SYS_exit, 3);
	}
	say("leader exit(3) first, then the last thread exit(9) (no exit_group): status 0x%x", wait_status(c));

	c = xfork();
	if (c == 0) {
		pthread_create(&th, NULL, crasher, NULL);
		for (;;)
			pause();
	}
	int st = wait_status(c);
	say("a thread killed by SIGSEGV: process killed by %s", WIFSIGNALED(st) ? sigabbrev_np(WTERMSIG(st)) : "-");

	c = xfork();
	if (c == 0) {
		pthread_create(&th, NULL, crasher, NULL);
		syscall(SYS_exit, 0);
	}
	st = wait_status(c);
	say("leader gone, then a thread killed by SIGSEGV: killed by %s",
	    WIFSIGNALED(st) ? sigabbrev_np(WTERMSIG(st)) : "-");

	c = xfork();
	if (c == 0) {
		char *argv[] = { (char *)self_path, "joinmain", NULL };
		execv(self_path, argv);
		_exit(127);
	}
	say("after exec, a thread joins the main thread that called pthread_exit: status 0x%x",
	    wait_status(c));
}

/* --- orphans and subreapers --- */

static void check_orphans(void)
{
	/* An orphan goes to pid 1 (us). */
	int p[2];
	pipe(p);
	pid_t b = xfork();
	if (b == 0) {
		pid_t old = getpid();
		pid_t cc = xfork();
		if (cc == 0) {
			while (getppid() == old)
				msleep(1);
			write_int(p[1], getppid());
			_exit(17);
		}
		write_int(p[1], cc);
		_exit(0);
	}
	pid_t cc = read_int(p[0]);
	wait_status(b);
	int newparent = read_int(p[0]);
	int st;
	pid_t w = waitpid(cc, &st, 0);
	say("orphan: reparented to pid %d; init reaps it: %s, status 0x%x", newparent, yesno(w == cc), st);
	close(p[0]);
	close(p[1]);

	/* An orphaned zombie goes to pid 1 too, which reaps it. */
	pipe(p);
	b = xfork();
	if (b == 0) {
		pid_t z = xfork();
		if (z == 0)
			_exit(18);
		/* z stays a zombie: its parent never waits. */
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/stat", z);
		while (stat_field(path, 3, NULL, 0) != 'Z')
			msleep(1);
		write_int(p[1], z);
		_exit(0);
	}
	pid_t z = read_int(p[0]);
	wait_status(b);
	w = waitpid(z, &st, 0);
	say("orphaned zombie: init reaps it: %s, status 0x%x", yesno(w == z), st);
	close(p[0]);
	close(p[1]);

	/* PR_SET_CHILD_SUBREAPER: orphans below go to the subreaper. */
	pipe(p);
	pid_t a = xfork();
	if (a == 0) {
		int v = -1;
		prctl(PR_GET_CHILD_SUBREAPER, &v, 0, 0, 0);
		write_int(p[1], v);
		write_int(p[1], prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0);
		v = -1;
		prctl(PR_GET_CHILD_SUBREAPER, &v, 0, 0, 0);
		write_int(p[1], v);
		int q[2];
		pipe(q);
		pid_t bb = xfork();
		if (bb == 0) {
			int u = -1;
			prctl(PR_GET_CHILD_SUBREAPER, &u, 0, 0, 0);
			write_int(q[1], u);
			pid_t old = getpid();
			pid_t c2 = xfork();
			if (c2 == 0) {
				while (getppid() == old)
					msleep(1);
				write_int(q[1], getppid());
				pause();
				_exit(0);
			}
			pid_t zz = xfork();
			if (zz == 0)
				_exit(19);
			char path[64];
			snprintf(path, sizeof(path), "/proc/%d/stat", zz);
			while (stat_field(path, 3, NULL, 0) != 'Z')
				msleep(1);
			write_int(q[1], c2);
			write_int(q[1], zz);
			_exit(0);
		}
		int child_flag = read_int(q[0]);
		pid_t c2 = read_int(q[0]);
		pid_t zz = read_int(q[0]);
		int bst = wait_status(bb);
		int c2_parent = read_int(q[0]);
		int zst = -1;
		pid_t zw = waitpid(zz, &zst, 0);
		kill(c2, SIGTERM);
		int cst = -1;
		pid_t cw = waitpid(c2, &cst, 0);
		write_int(p[1], child_flag);
		write_int(p[1], WEXITSTATUS(bst));
		write_int(p[1], c2_parent == getpid());
		write_int(p[1], zw == zz ? zst : -1);
		write_int(p[1], cw == c2 ? cst : -1);
		_exit(0);
	}
	int before = read_int(p[0]);
	int set_ok = read_int(p[0]);
	int after = read_int(p[0]);
	int child_flag = read_int(p[0]);
	int bstatus = read_int(p[0]);
	int reparented = read_int(p[0]);
	int zstatus = read_int(p[0]);
	int cstatus = read_int(p[0]);
	wait_status(a);
	say("subreaper: PR_GET_CHILD_SUBREAPER before %d, set: %s, after %d, in a new child %d", before,
	    yesno(set_ok), after, child_flag);
	say("subreaper: orphan reparented to it: %s (its parent exited %d)", yesno(reparented), bstatus);
	say("subreaper: reaps the orphaned zombie: status 0x%x; the orphan: 0x%x", zstatus, cstatus);
	close(p[0]);
	close(p[1]);
}

/* --- process groups and sessions --- */

static void check_pgrp_session(void)
{
	int gate[2], p[2];
	pipe(gate);
	pipe(p);
	pid_t c = xfork();
	if (c == 0) {
		close(gate[1]);
		write_int(p[1], getpgrp() == getpgid(getppid()));
		char b;
		read(gate[0], &b, 1);	/* until the parent is done with us */
		write_int(p[1], getpgrp());
		write_int(p[1], setsid() < 0 ? errno : 0);	/* a group leader now: EPERM */
		_exit(0);
	}
	close(gate[0]);
	say("child starts in its parent's group: %s", yesno(read_int(p[0])));
	say("setpgid(child, child): %s", res(setpgid(c, c)));
	say("getpgid(child) == child: %s", yesno(getpgid(c) == c));
	say("setpgid(child, 0) again: %s", res(setpgid(c, 0)));
	const char *moved = res(setpgid(c, getpgrp()));
	say("setpgid(child, our group) moves it back: %s, getpgid == ours: %s", moved,
	    yesno(getpgid(c) == getpgrp()));
	setpgid(c, c);
	say("setpgid(0, -1): %s", res(setpgid(0, -1)));
	say("setpgid(99999, 0): %s", res(setpgid(99999, 0)));
	say("setpgid(child, group 99999 that does not exist): %s", res(setpgid(c, 99999)));
	say("getpgid(99999): %s", res(getpgid(99999)));
	say("getsid(99999): %s", res(getsid(99999)));
	say("getpgid(-1): %s", res(getpgid(-1)));
	close(gate[1]);
	int pg = read_int(p[0]);
	int e = read_int(p[0]);
	wait_status(c);
	say("the child sees the group we gave it: %s; setsid as a group leader: %s", yesno(pg == c), e ? en(e) : "ok");

	/* A child that starts a session. */
	pipe(gate);
	c = xfork();
	if (c == 0) {
		close(gate[1]);
		pid_t s = setsid();
		int ok = s == getpid() && getsid(0) == getpid() && getpgrp() == getpid();
		write_int(p[1], ok);
		write_int(p[1], setpgid(0, 0) < 0 ? errno : 0);	/* a session leader: EPERM */
		write_int(p[1], setsid() < 0 ? errno : 0);
		char b;
		read(gate[0], &b, 1);
		_exit(0);
	}
	close(gate[0]);
	say("setsid in a child: new session and group named after it: %s", yesno(read_int(p[0])));
	e = read_int(p[0]);
	say("setpgid(0, 0) in a session leader: %s", e ? en(e) : "ok");
	e = read_int(p[0]);
	say("setsid again: %s", e ? en(e) : "ok");
	say("getsid(child in another session) == child: %s", yesno(getsid(c) == c));
	say("setpgid(child in another session, ...): %s", res(setpgid(c, c)));
	/* Joining a group of another session. */
	say("setpgid(0, a group of another session): %s", res(setpgid(0, c)));
	close(gate[1]);
	wait_status(c);

	/* A child that exec'd can no longer be moved by its parent. */
	int ready[2], hold[2];
	pipe(ready);
	pipe(hold);
	c = xfork();
	if (c == 0) {
		close(ready[0]);
		close(hold[1]);
		char w[16], r[16];
		snprintf(w, sizeof(w), "%d", ready[1]);
		snprintf(r, sizeof(r), "%d", hold[0]);
		char *argv[] = { (char *)self_path, "hold", w, r, NULL };
		execv(self_path, argv);
		_exit(127);
	}
	close(ready[1]);
	close(hold[0]);
	char b;
	read(ready[0], &b, 1);
	say("setpgid(child after its exec): %s", res(setpgid(c, c)));
	close(hold[1]);
	close(ready[0]);
	say("held child: status 0x%x", wait_status(c));

	/* Two children: the second joins the first one's group. */
	pipe(gate);
	pid_t c1 = xfork();
	if (c1 == 0) {
		close(gate[1]);
		read(gate[0], &b, 1);
		_exit(0);
	}
	pid_t c2 = xfork();
	if (c2 == 0) {
		close(gate[1]);
		read(gate[0], &b, 1);
		_exit(0);
	}
	close(gate[0]);
	setpgid(c1, c1);
	const char *joined = res(setpgid(c2, c1));
	say("setpgid(second child, first child's group): %s; same group: %s", joined,
	    yesno(getpgid(c2) == c1));
	/* A grandchild is not ours to move. */
	close(gate[1]);
	wait_status(c1);
	wait_status(c2);

	pipe(gate);
	c = xfork();
	if (c == 0) {
		pid_t g = xfork();
		if (g == 0) {
			close(gate[1]);
			read(gate[0], &b, 1);
			_exit(0);
		}
		write_int(p[1], g);
		close(gate[1]);
		close(gate[0]);
		wait_status(g);
		_exit(0);
	}
	close(gate[0]);
	pid_t g = read_int(p[0]);
	say("setpgid(grandchild): %s", res(setpgid(g, 0)));
	close(gate[1]);
	wait_status(c);
	close(p[0]);
	close(p[1]);
}

/* What the sandbox refuses by design; natively, as root, these would succeed. */
static int sandbox_only(void)
{
	char *stack = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *top = stack + STACK_SIZE;
	static const struct {
		int flag;
		const char *name;
	} ns[] = {
		{ CLONE_NEWNS, "CLONE_NEWNS" },	  { CLONE_NEWUTS, "CLONE_NEWUTS" },
		{ CLONE_NEWIPC, "CLONE_NEWIPC" }, { CLONE_NEWUSER, "CLONE_NEWUSER" },
		{ CLONE_NEWPID, "CLONE_NEWPID" }, { CLONE_NEWNET, "CLONE_NEWNET" },
		{ CLONE_NEWCGROUP, "CLONE_NEWCGROUP" },
	};
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		long r = clone(quick_child, top, ns[i].flag | SIGCHLD, NULL);
		say("clone %s: %s", ns[i].name, res(r));
		if (r > 0)
			wait_status((pid_t)r);
	}
	int pidfd = -1;
	long r = clone(quick_child, top, CLONE_PIDFD | SIGCHLD, NULL, &pidfd);
	say("clone CLONE_PIDFD: %s", res(r));
	if (r > 0)
		wait_status((pid_t)r);
	struct {
		uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	} args = { .exit_signal = SIGCHLD };
	r = syscall(SYS_clone3, &args, sizeof(args));
	if (r == 0)
		_exit(0);
	say("raw clone3: %s", res(r));
	if (r > 0)
		wait_status((pid_t)r);
	check_pthread();
	pid_t c = xfork();
	if (c == 0)
		_exit(0);
	say("fork (glibc, after clone3's ENOSYS): status 0x%x", wait_status(c));
	say("pidfd_open: %s", res(syscall(SYS_pidfd_open, getpid(), 0)));
	return 0;
}

int main(int argc, char **argv)
{
	self_path = argv[0];
	if (argc > 1 && !strcmp(argv[1], "exit7"))
		return 7;
	if (argc > 3 && !strcmp(argv[1], "hold")) {
		char b = 'x';
		if (write(atoi(argv[2]), &b, 1) != 1)
			return 1;
		while (read(atoi(argv[3]), &b, 1) > 0)
			;
		return 8;
	}
	if (argc > 1 && !strcmp(argv[1], "joinmain"))
		return join_main_mode();
	if (argc > 1 && !strcmp(argv[1], "sandbox"))
		return sandbox_only();

	/* The same starting point natively (a new pid namespace's init, in the session it
	   inherited) and in the sandbox (pid 1, already leading session 1): a session of our
	   own. */
	setsid();
	signal(SIGPIPE, SIG_IGN);
	check_ids();
	check_exit_codes();
	check_wait_variants();
	check_default_actions(false);
	check_default_actions(true);
	check_stop_continue();
	check_zombies();
	check_vfork();
	check_clone();
	check_pthread();
	check_thread_exits();
	check_orphans();
	check_pgrp_session();
	say("done");
	return 0;
}
