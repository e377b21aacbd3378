/* Process control: prctl (names, dumpable, timer slack, no_new_privs, seccomp mode, the
   parent-death signal: from the parent *thread*'s exit, cleared in a fork's child, kept
   across exec), personality, waitid without WEXITED, argument errors of tgkill, tkill, kill
   and lseek, mlock/mlockall within RLIMIT_MEMLOCK, and sched_getattr/sched_setattr. Prints one line per check.

   proccontrol                   the checks
   proccontrol pdeathsig-after-exec   (internal) prints PR_GET_PDEATHSIG after an exec */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/guest_check.h"

static void names(void)
{
	char name[32] = { 0 };
	long r = prctl(PR_SET_NAME, "a-very-long-process-name");
	prctl(PR_GET_NAME, name);
	say("PR_SET_NAME (truncated): %s, PR_GET_NAME: %s", res(r), name);
	char comm[64] = { 0 };
	int fd = open("/proc/self/comm", O_RDONLY);
	long n = read(fd, comm, sizeof(comm) - 1);
	close(fd);
	say("/proc/self/comm: %ld bytes, %s", n, comm);
}

static void flags(void)
{
	say("PR_GET_DUMPABLE: %d", prctl(PR_GET_DUMPABLE));
	long r = prctl(PR_SET_DUMPABLE, 0);
	say("PR_SET_DUMPABLE 0: %s, now %d; 2: %s", res(r), prctl(PR_GET_DUMPABLE), res(prctl(PR_SET_DUMPABLE, 2)));
	prctl(PR_SET_DUMPABLE, 1);
	say("PR_GET_TIMERSLACK: %d", prctl(PR_GET_TIMERSLACK));
	r = prctl(PR_SET_TIMERSLACK, 123456);
	say("PR_SET_TIMERSLACK 123456: %s, now %d", res(r), prctl(PR_GET_TIMERSLACK));
	pid_t c = xfork();
	if (c == 0) {
		int inherited = prctl(PR_GET_TIMERSLACK);
		prctl(PR_SET_TIMERSLACK, 777);
		prctl(PR_SET_TIMERSLACK, 0);
		say("child: timer slack inherited %d, after 0: %d", inherited, prctl(PR_GET_TIMERSLACK));
		_exit(0);
	}
	wait_status(c);
	prctl(PR_SET_TIMERSLACK, 0);
	say("PR_SET_TIMERSLACK 0: back to %d", prctl(PR_GET_TIMERSLACK));
	say("PR_GET_SECCOMP: %d", prctl(PR_GET_SECCOMP));
	say("PR_GET_NO_NEW_PRIVS: %d; with arg 1: %s", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0),
	    res(prctl(PR_GET_NO_NEW_PRIVS, 1, 0, 0, 0)));
	say("PR_SET_NO_NEW_PRIVS 2: %s; 1 with arg3: %s", res(prctl(PR_SET_NO_NEW_PRIVS, 2, 0, 0, 0)),
	    res(prctl(PR_SET_NO_NEW_PRIVS, 1, 1, 0, 0)));
	c = xfork();
	if (c == 0) {
		long s = prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		pid_t g = xfork();
		if (g == 0)
			_exit(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
		int st = wait_status(g);
		say("child: PR_SET_NO_NEW_PRIVS 1: %s, now %d, its child's %d", res(s),
		    prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), WEXITSTATUS(st));
		_exit(0);
	}
	wait_status(c);
	say("unknown option 12345: %s", res(prctl(12345, 0, 0, 0, 0)));
}

static volatile sig_atomic_t got;
static void on_sig(int sig)
{
	got = sig;
}

static int pipe_w;

/* A thread forks a child that asks for SIGUSR1 at its parent's death, then the thread exits
   (the process lives on): the child gets the signal. */
static void *forking_thread(void *arg)
{
	(void)arg;
	int ready[2];
	pipe(ready);
	pid_t c = xfork();
	if (c == 0) {
		signal(SIGUSR1, on_sig);
		prctl(PR_SET_PDEATHSIG, SIGUSR1);
		write_int(ready[1], 1);
		for (int i = 0; i < 10000 && !got; i++)
			msleep(1);
		write_int(pipe_w, got);
		_exit(0);
	}
	read_int(ready[0]);
	close(ready[0]);
	close(ready[1]);
	return (void *)(long)c;
}

static void pdeathsig(int argc0_exec, char **argv)
{
	(void)argc0_exec;
	int r0 = -1;
	long r = prctl(PR_GET_PDEATHSIG, &r0);
	say("PR_GET_PDEATHSIG: %s, %d; signal 65: %s", res(r), r0, res(prctl(PR_SET_PDEATHSIG, 65)));

	int p[2];
	pipe(p);
	pipe_w = p[1];
	pthread_t th;
	void *child;
	pthread_create(&th, NULL, forking_thread, NULL);
	pthread_join(th, &child);
	int sig = read_int(p[0]);
	wait_status((pid_t)(long)child);
	say("the parent thread exited (process alive): child got %s", sig ? sname(sig) : "nothing");

	/* A fork's child does not inherit it; an exec keeps it. */
	pid_t c = xfork();
	if (c == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		pid_t g = xfork();
		if (g == 0) {
			int v = -1;
			prctl(PR_GET_PDEATHSIG, &v);
			_exit(v);
		}
		int st = wait_status(g);
		say("fork's child: PR_GET_PDEATHSIG %d", WEXITSTATUS(st));
		execl(argv[0], argv[0], "pdeathsig-after-exec", (char *)NULL);
		_exit(99);
	}
	wait_status(c);
	close(p[0]);
	close(p[1]);
}

static void persona(void)
{
	int cur = personality(0xffffffff);
	say("personality: 0x%x", cur);
	int old = personality(PER_LINUX | ADDR_NO_RANDOMIZE);
	say("personality ADDR_NO_RANDOMIZE: old 0x%x, now 0x%x", old, personality(0xffffffff));
	personality(PER_LINUX);
	say("personality back: 0x%x", personality(0xffffffff));
}

static void waits(void)
{
	siginfo_t si;
	say("waitid without any of WEXITED/WSTOPPED/WCONTINUED: %s", res(waitid(P_ALL, 0, &si, WNOHANG)));
	pid_t c = xfork();
	if (c == 0)
		_exit(0);
	/* Only the exit can come, which WSTOPPED does not ask for: ECHILD once it is a zombie. */
	long r;
	do {
		memset(&si, 0, sizeof(si));
		r = waitid(P_PID, c, &si, WSTOPPED);
	} while (r == 0 && si.si_pid == 0);
	say("waitid WSTOPPED on a child that exits: %s", res(r));
	wait_status(c);
	say("waitid WCONTINUED with no children: %s", res(waitid(P_ALL, 0, &si, WCONTINUED)));
}

static void arg_errors(void)
{
	say("tgkill(0, tid): %s; (pid, 0): %s; (-1, tid): %s", res(syscall(SYS_tgkill, 0, getpid(), 0)),
	    res(syscall(SYS_tgkill, getpid(), 0, 0)), res(syscall(SYS_tgkill, -1, getpid(), 0)));
	say("tgkill with signal 99: %s; to no such thread with signal 99: %s",
	    res(syscall(SYS_tgkill, getpid(), getpid(), 99)), res(syscall(SYS_tgkill, getpid(), 99999, 99)));
	say("tgkill with another tgid: %s; tkill(0): %s; tkill(-5): %s",
	    res(syscall(SYS_tgkill, getpid() + 1000, getpid(), 0)), res(syscall(SYS_tkill, 0, 0)),
	    res(syscall(SYS_tkill, -5, 0)));
	say("kill(no such pid, 99): %s; kill(self, 99): %s; kill(self, -1): %s", res(kill(99999, 99)),
	    res(kill(getpid(), 99)), res(kill(getpid(), -1)));
	int p[2];
	pipe(p);
	int fd = open("/proc/self/stat", O_RDONLY);
	say("lseek pipe SEEK_SET: %s; whence 7 on a pipe: %s; whence 7 on a file: %s; whence -1: %s",
	    res(lseek(p[0], 0, SEEK_SET)), res(lseek(p[0], 0, 7)), res(lseek(fd, 0, 7)), res(lseek(fd, 0, -1)));
	say("lseek bad fd: %s; negative offset: %s", res(lseek(555, 0, SEEK_SET)), res(lseek(fd, -10, SEEK_SET)));
	close(fd);
	close(p[0]);
	close(p[1]);
}

static void locks(void)
{
	size_t len = 4 * 4096;
	char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	say("mlock 16 KiB: %s; munlock: %s", res(mlock(m, len)), res(munlock(m, len)));
	say("mlock2 bad flags: %s; MLOCK_ONFAULT: %s", res(syscall(SYS_mlock2, m, len, 8)),
	    res(syscall(SYS_mlock2, m, len, MLOCK_ONFAULT)));
	munlock(m, len);
	say("mlockall 0: %s; MCL_ONFAULT alone: %s", res(mlockall(0)), res(mlockall(MCL_ONFAULT)));
	pid_t c = xfork();
	if (c == 0) {
		struct rlimit rl = { 8192, 8192 };
		setrlimit(RLIMIT_MEMLOCK, &rl);
		setgid(1000);
		setuid(1000);
		const char *a = res(mlock(m, 4096));
		const char *b = res(mlock(m, len));
		struct rlimit zero = { 0, 0 };
		setrlimit(RLIMIT_MEMLOCK, &zero);
		say("uid 1000, RLIMIT_MEMLOCK 8 KiB: mlock 4 KiB %s, 16 KiB %s; limit 0: mlock %s, mlockall %s", a,
		    b, res(mlock(m, 4096)), res(mlockall(MCL_CURRENT)));
		_exit(0);
	}
	wait_status(c);
	munmap(m, len);
}

struct sched_attr_v1 {
	uint32_t size, policy;
	uint64_t flags;
	int32_t nice;
	uint32_t priority;
	uint64_t runtime, deadline, period;
	uint32_t util_min, util_max;
};

static void sched_attrs(void)
{
	struct sched_attr_v1 a;
	memset(&a, 0xff, sizeof(a));
	const char *r = res(syscall(SYS_sched_getattr, 0, &a, sizeof(a), 0));
	say("sched_getattr: %s, size %u, policy %u, flags %lu, nice %d, priority %u", r, a.size, a.policy,
	    (unsigned long)a.flags, a.nice, a.priority);
	say("sched_getattr size 47: %s; flags 1: %s; pid -1: %s; no such pid: %s",
	    res(syscall(SYS_sched_getattr, 0, &a, 47, 0)), res(syscall(SYS_sched_getattr, 0, &a, sizeof(a), 1)),
	    res(syscall(SYS_sched_getattr, -1, &a, sizeof(a), 0)),
	    res(syscall(SYS_sched_getattr, 99999, &a, sizeof(a), 0)));
	pid_t c = xfork();
	if (c == 0) {
		struct sched_attr_v1 s = { .size = 48, .policy = SCHED_BATCH, .nice = 5 };
		const char *r1 = res(syscall(SYS_sched_setattr, 0, &s, 0));
		struct sched_attr_v1 g = { 0 };
		syscall(SYS_sched_getattr, 0, &g, sizeof(g), 0);
		say("sched_setattr BATCH nice 5: %s; now policy %u nice %d, getpriority %d", r1, g.policy, g.nice,
		    getpriority(PRIO_PROCESS, 0));
		struct sched_attr_v1 f = { .size = 48, .policy = SCHED_FIFO, .priority = 10,
					   .flags = 1 /* SCHED_FLAG_RESET_ON_FORK */ };
		r1 = res(syscall(SYS_sched_setattr, 0, &f, 0));
		syscall(SYS_sched_getattr, 0, &g, sizeof(g), 0);
		say("sched_setattr FIFO 10 reset-on-fork: %s; now policy %u priority %u flags %lu, getscheduler 0x%x",
		    r1, g.policy, g.priority, (unsigned long)g.flags, sched_getscheduler(0));
		struct sched_attr_v1 bad = { .size = 48, .policy = SCHED_FIFO, .priority = 0 };
		struct sched_attr_v1 odd = { .size = 40 };
		const char *small = res(syscall(SYS_sched_setattr, 0, &odd, 0));
		say("sched_setattr FIFO priority 0: %s; size 40: %s (size now %u); flags 0x100: %s",
		    res(syscall(SYS_sched_setattr, 0, &bad, 0)), small, odd.size,
		    res(syscall(SYS_sched_setattr, 0, &(struct sched_attr_v1){ .size = 48, .flags = 0x100 }, 0)));
		_exit(0);
	}
	wait_status(c);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "pdeathsig-after-exec")) {
		int v = -1;
		prctl(PR_GET_PDEATHSIG, &v);
		say("after exec: PR_GET_PDEATHSIG %s", sname(v));
		return 0;
	}
	names();
	flags();
	pdeathsig(argc, argv);
	persona();
	waits();
	arg_errors();
	locks();
	sched_attrs();
	return 0;
}
