/* Signals: dispositions and their flags, masks, the alternate stack, waiting for signals,
   kill/tgkill/tkill to pids, groups and -1, SIGCHLD, SIGPIPE, and signals interrupting
   blocking syscalls (EINTR, or a restart as SA_RESTART says). Runs as pid 1 (natively in a
   new pid namespace, or as a sandbox's init); prints one line per check, nothing that
   depends on timing or on pid values. Children never print.

   sigcheck          the checks
   sigcheck sandbox  the sandbox's defined behaviour where it differs from Linux by design */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/guest_check.h"

static const char *describe(int st)
{
	char *buf = say_buffer();
	if (WIFEXITED(st))
		snprintf(buf, SAY_BUFFER_SIZE, "exited %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, SAY_BUFFER_SIZE, "killed by %s", sname(WTERMSIG(st)));
	else
		snprintf(buf, SAY_BUFFER_SIZE, "status 0x%x", st);
	return buf;
}

static void set_handler(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigaction(sig, &sa, NULL);
}

static void set_action(int sig, void (*fn)(int, siginfo_t *, void *), int flags, const sigset_t *mask)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = flags | SA_SIGINFO;
	if (mask)
		sa.sa_mask = *mask;
	sigaction(sig, &sa, NULL);
}

static bool blocked_now(int sig)
{
	sigset_t cur;
	sigprocmask(SIG_SETMASK, NULL, &cur);
	return sigismember(&cur, sig);
}

static void unblock_all(void)
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* --- handlers and siginfo --- */

static volatile int hits;
static volatile int last_signo, last_code, last_status, last_errno_seen, last_value;
static volatile pid_t last_tid, last_pid;
static volatile uintptr_t last_addr;
static volatile int in_handler_blocked_self, in_handler_blocked_usr2;
static volatile int depth, max_depth;

static void count(int sig)
{
	(void)sig;
	hits++;
}

/* hits last: a thread that waits for it then finds the rest written. */
static void record(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	last_signo = si->si_signo;
	last_code = si->si_code;
	last_status = si->si_status;
	last_value = si->si_value.sival_int;
	last_pid = si->si_pid;
	last_tid = gettid();
	(void)sig;
	hits++;
}

static void check_siginfo(void)
{
	set_action(SIGUSR1, record, 0, NULL);
	hits = 0;
	kill(getpid(), SIGUSR1);
	say("kill to self: handler ran %d time(s), si_signo %s, si_code %d (SI_USER %d)", hits, sname(last_signo),
	    last_code, SI_USER);
	hits = 0;
	raise(SIGUSR1);
	say("raise (tgkill): si_code %d (SI_TKILL %d)", last_code, SI_TKILL);
	syscall(SYS_tkill, gettid(), SIGUSR1);
	say("tkill: si_code %d", last_code);
	signal(SIGUSR1, SIG_DFL);
}

static volatile int queue_thread_stop;
static volatile pid_t queue_thread_tid;

static void *queue_thread(void *arg)
{
	(void)arg;
	queue_thread_tid = gettid();
	while (!queue_thread_stop)
		msleep(1);
	return NULL;
}

static long queueinfo(pid_t pid, int sig, int code)
{
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	si.si_signo = sig;
	si.si_code = code;
	si.si_pid = getpid();
	si.si_value.sival_int = 99;
	return syscall(SYS_rt_sigqueueinfo, pid, sig, &si);
}

static long tgqueueinfo(pid_t tgid, pid_t tid, int sig, int code)
{
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	si.si_signo = sig;
	si.si_code = code;
	si.si_value.sival_int = 5;
	return syscall(SYS_rt_tgsigqueueinfo, tgid, tid, sig, &si);
}

/* sigqueue and the raw rt_sigqueueinfo/rt_tgsigqueueinfo: the receiver gets the sender's
   siginfo; only a thread signalling itself may claim kill's or tkill's codes. */
static void check_sigqueue(void)
{
	set_action(SIGUSR1, record, 0, NULL);
	hits = 0;
	const char *r = res(sigqueue(getpid(), SIGUSR1, (union sigval){ .sival_int = 42 }));
	say("sigqueue to self: %s, handler ran %d time(s), si_code %d (SI_QUEUE %d), value %d, si_pid ours: %s", r,
	    hits, last_code, SI_QUEUE, last_value, yesno(last_pid == getpid()));

	int p[2];
	pipe(p);
	pid_t c = xfork();
	if (c == 0) {
		sigset_t usr1;
		sigemptyset(&usr1);
		sigaddset(&usr1, SIGUSR1);
		sigprocmask(SIG_BLOCK, &usr1, NULL);
		write_int(p[1], 0);
		siginfo_t si;
		write_int(p[1], sigwaitinfo(&usr1, &si));
		write_int(p[1], si.si_code);
		write_int(p[1], si.si_value.sival_int);
		write_int(p[1], si.si_pid == getppid());
		_exit(0);
	}
	read_int(p[0]);
	r = res(sigqueue(c, SIGUSR1, (union sigval){ .sival_int = 7 }));
	int got = read_int(p[0]), code = read_int(p[0]), value = read_int(p[0]), from_parent = read_int(p[0]);
	say("sigqueue to a child: %s; it took %s, si_code %d, value %d, si_pid its parent's: %s", r, sname(got),
	    code, value, yesno(from_parent));
	wait_status(c);
	close(p[0]);
	close(p[1]);

	hits = 0;
	r = res(queueinfo(getpid(), SIGUSR1, SI_USER));
	say("rt_sigqueueinfo SI_USER to self: %s, si_code %d, value %d", r, last_code, last_value);
	pid_t other = xfork();
	if (other == 0) {
		for (;;)
			pause();
	}
	say("rt_sigqueueinfo SI_USER to another process: %s", res(queueinfo(other, SIGUSR1, SI_USER)));
	say("rt_sigqueueinfo SI_TKILL to another process: %s", res(queueinfo(other, SIGUSR1, SI_TKILL)));
	say("rt_sigqueueinfo SI_KERNEL to another process: %s", res(queueinfo(other, SIGUSR1, SI_KERNEL)));
	say("rt_sigqueueinfo signal 0 to another process: %s", res(queueinfo(other, 0, SI_QUEUE)));
	kill(other, SIGKILL);
	wait_status(other);
	say("rt_sigqueueinfo to a pid that does not exist: %s", res(queueinfo(99999, SIGUSR1, SI_QUEUE)));
	say("rt_sigqueueinfo pid 0: %s; pid -1: %s", res(queueinfo(0, SIGUSR1, SI_QUEUE)),
	    res(queueinfo(-1, SIGUSR1, SI_QUEUE)));
	say("rt_sigqueueinfo signal 99: %s", res(queueinfo(getpid(), 99, SI_QUEUE)));
	say("rt_sigqueueinfo bad siginfo pointer: %s", res(syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, (void *)8)));

	/* To one thread: main blocks the signal, so only a thread-directed one reaches the
	   other thread's handler. */
	sigset_t usr1;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_t th;
	queue_thread_stop = 0;
	queue_thread_tid = 0;
	pthread_create(&th, NULL, queue_thread, NULL);
	while (!queue_thread_tid)
		msleep(1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	hits = 0;
	r = res(tgqueueinfo(getpid(), queue_thread_tid, SIGUSR1, SI_QUEUE));
	while (!hits)
		msleep(1);
	say("rt_tgsigqueueinfo to a thread: %s; handled by it: %s, si_code %d, value %d", r,
	    yesno(last_tid == queue_thread_tid), last_code, last_value);
	say("rt_tgsigqueueinfo SI_TKILL to another thread: %s",
	    res(tgqueueinfo(getpid(), queue_thread_tid, SIGUSR1, SI_TKILL)));
	say("rt_tgsigqueueinfo wrong tgid: %s; tgid 0: %s; tid -1: %s",
	    res(tgqueueinfo(getpid() + 1000, queue_thread_tid, SIGUSR1, SI_QUEUE)),
	    res(tgqueueinfo(0, queue_thread_tid, SIGUSR1, SI_QUEUE)), res(tgqueueinfo(getpid(), -1, SIGUSR1, SI_QUEUE)));
	sigprocmask(SIG_UNBLOCK, &usr1, NULL);
	hits = 0;
	r = res(tgqueueinfo(getpid(), gettid(), SIGUSR1, SI_TKILL));
	say("rt_tgsigqueueinfo SI_TKILL to itself: %s, si_code %d", r, last_code);
	queue_thread_stop = 1;
	pthread_join(th, NULL);
	signal(SIGUSR1, SIG_DFL);
}

static sigjmp_buf jump;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	last_signo = sig;
	last_code = si->si_code;
	last_addr = (uintptr_t)si->si_addr;
	siglongjmp(jump, 1);
}

static void check_fault(void)
{
	set_action(SIGSEGV, on_segv, SA_NODEFER, NULL);
	if (sigsetjmp(jump, 1) == 0) {
		volatile int *bad = (volatile int *)0x10;
		*bad = 1;
	}
	say("fault: %s, si_code %d (SEGV_MAPERR %d), si_addr 0x%lx", sname(last_signo), last_code, SEGV_MAPERR,
	    (unsigned long)last_addr);
	signal(SIGSEGV, SIG_DFL);
}

/* --- flags --- */

static void probe_mask(int sig)
{
	(void)sig;
	hits++;
	in_handler_blocked_self = blocked_now(SIGUSR1);
	in_handler_blocked_usr2 = blocked_now(SIGUSR2);
}

static volatile int calls;

static void recurse(int sig)
{
	depth++;
	calls++;
	if (depth > max_depth)
		max_depth = depth;
	if (calls < 3)
		raise(sig);
	depth--;
}

static void check_flags(void)
{
	/* sa_mask and the signal itself are blocked while the handler runs... */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = probe_mask;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	say("in the handler: SIGUSR1 blocked %s, sa_mask's SIGUSR2 blocked %s; after it: %s, %s",
	    yesno(in_handler_blocked_self), yesno(in_handler_blocked_usr2), yesno(blocked_now(SIGUSR1)),
	    yesno(blocked_now(SIGUSR2)));
	/* ...but not with SA_NODEFER. */
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	say("SA_NODEFER: SIGUSR1 blocked in its handler: %s", yesno(in_handler_blocked_self));
	set_handler(SIGUSR1, recurse, SA_NODEFER);
	max_depth = depth = calls = 0;
	raise(SIGUSR1);
	say("SA_NODEFER: the handler re-entered itself, depth %d, %d calls", max_depth, calls);
	set_handler(SIGUSR1, recurse, 0);
	max_depth = depth = calls = 0;
	raise(SIGUSR1);
	say("without SA_NODEFER: depth %d, %d calls (each after the previous returned)", max_depth, calls);

	/* SA_RESETHAND: once, then the default action. */
	int p[2];
	pipe(p);
	pid_t c = xfork();
	if (c == 0) {
		hits = 0;
		set_handler(SIGUSR1, count, SA_RESETHAND);
		raise(SIGUSR1);
		struct sigaction now;
		sigaction(SIGUSR1, NULL, &now);
		write_int(p[1], hits);
		write_int(p[1], now.sa_handler == SIG_DFL);
		raise(SIGUSR1);
		_exit(0);
	}
	int h = read_int(p[0]);
	int dfl = read_int(p[0]);
	say("SA_RESETHAND: handler ran %d time(s), then SIG_DFL: %s, second signal: %s", h, yesno(dfl),
	    describe(wait_status(c)));
	close(p[0]);
	close(p[1]);

	/* The old action comes back from sigaction. */
	set_handler(SIGUSR2, count, SA_RESTART | SA_NODEFER);
	struct sigaction old;
	sigaction(SIGUSR2, NULL, &old);
	say("sigaction reads back: handler %s, SA_RESTART %s, SA_NODEFER %s", yesno(old.sa_handler == count),
	    yesno(old.sa_flags & SA_RESTART), yesno(old.sa_flags & SA_NODEFER));
	signal(SIGUSR1, SIG_DFL);
	signal(SIGUSR2, SIG_DFL);
	say("sigaction(SIGKILL): %s", res(sigaction(SIGKILL, &old, NULL)));
	say("sigaction(SIGSTOP): %s", res(sigaction(SIGSTOP, &old, NULL)));
	say("sigaction(0): %s", res(syscall(SYS_rt_sigaction, 0, NULL, &old, 8)));
	say("sigaction(65): %s", res(syscall(SYS_rt_sigaction, 65, NULL, &old, 8)));
	say("rt_sigaction with sigsetsize 4: %s", res(syscall(SYS_rt_sigaction, SIGUSR1, NULL, &old, 4)));
	say("sigaction(SIGKILL) query only: %s", res(sigaction(SIGKILL, NULL, &old)));
}

/* --- masks, pending, sigreturn --- */

static void add_usr2_on_return(int sig, siginfo_t *si, void *ucv)
{
	(void)sig, (void)si;
	ucontext_t *uc = ucv;
	sigaddset(&uc->uc_sigmask, SIGUSR2);
	hits++;
}

static void check_masks(void)
{
	set_handler(SIGUSR1, count, 0);
	hits = 0;
	sigset_t s, old, pending;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	sigprocmask(SIG_BLOCK, &s, &old);
	raise(SIGUSR1);
	sigpending(&pending);
	say("blocked: handler ran %d time(s), pending: %s", hits, yesno(sigismember(&pending, SIGUSR1)));
	raise(SIGUSR1);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	say("unblocked: handler ran %d time(s) (two sends while blocked make one)", hits);
	sigpending(&pending);
	say("pending now: %s", yesno(sigismember(&pending, SIGUSR1)));

	sigset_t kill_stop;
	sigemptyset(&kill_stop);
	sigaddset(&kill_stop, SIGKILL);
	sigaddset(&kill_stop, SIGSTOP);
	sigprocmask(SIG_BLOCK, &kill_stop, NULL);
	say("SIGKILL/SIGSTOP cannot be blocked: %s", yesno(!blocked_now(SIGKILL) && !blocked_now(SIGSTOP)));
	say("rt_sigprocmask with a bad how: %s", res(syscall(SYS_rt_sigprocmask, 7, &s, NULL, 8)));
	say("rt_sigprocmask with sigsetsize 4: %s", res(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &s, NULL, 4)));
	sigprocmask(SIG_SETMASK, &s, NULL);
	sigset_t prev;
	sigprocmask(SIG_SETMASK, &old, &prev);
	say("SIG_SETMASK returns the previous mask: %s", yesno(sigismember(&prev, SIGUSR1)));

	/* A pending signal the process ignores is discarded when set to SIG_IGN. */
	sigprocmask(SIG_BLOCK, &s, NULL);
	raise(SIGUSR1);
	signal(SIGUSR1, SIG_IGN);
	sigpending(&pending);
	say("setting SIG_IGN discards the pending signal: %s", yesno(!sigismember(&pending, SIGUSR1)));
	unblock_all();

	/* rt_sigreturn restores the mask from the frame, as the handler left it there. */
	set_action(SIGUSR1, add_usr2_on_return, 0, NULL);
	raise(SIGUSR1);
	say("rt_sigreturn takes the mask from the frame: SIGUSR2 blocked after the handler: %s",
	    yesno(blocked_now(SIGUSR2)));
	unblock_all();
	signal(SIGUSR1, SIG_DFL);

	/* The mask is per thread: a process-directed signal goes to a thread that does not
	   block it. */
}

static volatile pid_t worker_tid;
static volatile int worker_stop;

static void *worker(void *arg)
{
	(void)arg;
	worker_tid = gettid();
	while (!worker_stop)
		pause();
	return NULL;
}

static void check_threads(void)
{
	set_action(SIGUSR1, record, 0, NULL);
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	pthread_t th;
	pthread_create(&th, NULL, worker, NULL);
	while (!worker_tid)
		msleep(1);
	sigprocmask(SIG_BLOCK, &s, NULL);
	hits = 0;
	kill(getpid(), SIGUSR1);
	while (!hits)
		msleep(1);
	say("process signal with main blocking it: taken by the other thread: %s", yesno(last_tid == worker_tid));
	hits = 0;
	say("tgkill to the thread: %s", res(syscall(SYS_tgkill, getpid(), worker_tid, SIGUSR1)));
	while (!hits)
		msleep(1);
	say("tgkill: handled by that thread: %s, si_code %d", yesno(last_tid == worker_tid), last_code);
	hits = 0;
	say("tkill to the thread: %s", res(syscall(SYS_tkill, worker_tid, SIGUSR1)));
	while (!hits)
		msleep(1);
	say("tkill: handled by that thread: %s", yesno(last_tid == worker_tid));
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	say("tgkill with the wrong tgid: %s", res(syscall(SYS_tgkill, getpid() + 5000, worker_tid, SIGUSR1)));
	say("tgkill to a tid that does not exist: %s", res(syscall(SYS_tgkill, getpid(), 99999, SIGUSR1)));
	say("tgkill tid 0: %s", res(syscall(SYS_tgkill, getpid(), 0, SIGUSR1)));
	say("tkill tid -1: %s", res(syscall(SYS_tkill, -1, SIGUSR1)));
	say("tgkill sig 0 (existence): %s", res(syscall(SYS_tgkill, getpid(), worker_tid, 0)));
	/* The worker may be between its test of worker_stop and pause when a signal comes:
	   signal it until it has gone. */
	worker_stop = 1;
	for (;;) {
		syscall(SYS_tgkill, getpid(), worker_tid, SIGUSR1);
		struct timespec deadline;
		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_nsec += 10000000;
		if (deadline.tv_nsec >= 1000000000) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000;
		}
		if (pthread_timedjoin_np(th, NULL, &deadline) == 0)
			break;
	}
	signal(SIGUSR1, SIG_DFL);
}

/* --- the alternate stack --- */

static char *alt_base;
static size_t alt_size;
static volatile int on_alt, alt_flags_inside, nested_change;

static void on_altstack(int sig)
{
	(void)sig;
	char here;
	on_alt = &here >= alt_base && &here < alt_base + alt_size;
	stack_t cur;
	sigaltstack(NULL, &cur);
	alt_flags_inside = cur.ss_flags;
	stack_t other = { .ss_sp = malloc(SIGSTKSZ * 4), .ss_size = SIGSTKSZ * 4 };
	nested_change = sigaltstack(&other, NULL) < 0 ? errno : 0;
}

static void check_altstack(void)
{
	alt_size = SIGSTKSZ * 4;
	alt_base = malloc(alt_size);
	stack_t ss = { .ss_sp = alt_base, .ss_size = alt_size }, old;
	say("sigaltstack: %s", res(sigaltstack(&ss, &old)));
	say("no alternate stack before: %s", yesno(old.ss_flags & SS_DISABLE));
	set_handler(SIGUSR1, on_altstack, SA_ONSTACK);
	raise(SIGUSR1);
	say("SA_ONSTACK handler ran on the alternate stack: %s; SS_ONSTACK inside: %s; changing it there: %s",
	    yesno(on_alt), yesno(alt_flags_inside & SS_ONSTACK), nested_change ? en(nested_change) : "ok");
	sigaltstack(NULL, &old);
	say("outside the handler: ss_flags %d, same stack: %s", old.ss_flags,
	    yesno(old.ss_sp == alt_base && old.ss_size == alt_size));
	set_handler(SIGUSR1, on_altstack, 0);
	raise(SIGUSR1);
	say("without SA_ONSTACK: on the alternate stack: %s", yesno(on_alt));
	stack_t tiny = { .ss_sp = alt_base, .ss_size = 512 };
	say("sigaltstack too small: %s", res(sigaltstack(&tiny, NULL)));
	stack_t badflags = { .ss_sp = alt_base, .ss_size = alt_size, .ss_flags = 0x10 };
	say("sigaltstack bad flags: %s", res(sigaltstack(&badflags, NULL)));
	stack_t off = { .ss_flags = SS_DISABLE };
	sigaltstack(&off, NULL);
	set_handler(SIGUSR1, on_altstack, SA_ONSTACK);
	raise(SIGUSR1);
	say("SS_DISABLE: SA_ONSTACK handler on the alternate stack: %s", yesno(on_alt));
	signal(SIGUSR1, SIG_DFL);
}

/* --- waiting for signals --- */

/* A child that sends sig to target every 20 ms, count times (0: until the pipe stop reads
   end of file, once the caller closed its write end), then exits with code. */
static pid_t pester(pid_t target, int sig, int count_, const int *stop, int code)
{
	int stop_fd = stop ? stop[0] : -1;
	pid_t c = xfork();
	if (c == 0) {
		if (stop)
			close(stop[1]);
		for (int i = 0; count_ == 0 || i < count_; i++) {
			msleep(20);
			if (stop_fd >= 0) {
				struct pollfd pfd = { stop_fd, POLLIN, 0 };
				if (poll(&pfd, 1, 0) == 1)
					break;
			}
			kill(target, sig);
		}
		_exit(code);
	}
	return c;
}

static void check_waiting(void)
{
	sigset_t usr1, empty, pending;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigemptyset(&empty);

	/* rt_sigsuspend: waits with a temporary mask, returns EINTR after the handler. */
	set_handler(SIGUSR1, count, 0);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	hits = 0;
	pid_t c = pester(getpid(), SIGUSR1, 1, NULL, 0);
	int r = sigsuspend(&empty);
	say("sigsuspend: %s, handler ran: %s, SIGUSR1 blocked again after: %s", res(r), yesno(hits == 1),
	    yesno(blocked_now(SIGUSR1)));
	wait_status(c);

	/* rt_sigtimedwait: takes a blocked pending signal without a handler running. */
	hits = 0;
	raise(SIGUSR1);
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	struct timespec zero = { 0, 0 }, short_wait = { 0, 10000000 }, bad = { 0, 1000000000 };
	r = sigtimedwait(&usr1, &si, &zero);
	say("sigtimedwait on a pending signal: %s, si_signo %s, si_code %d, handler ran: %s",
	    r == SIGUSR1 ? "SIGUSR1" : res(r), sname(si.si_signo), si.si_code, yesno(hits));
	r = sigtimedwait(&usr1, &si, &short_wait);
	say("sigtimedwait with nothing pending, 10 ms: %s", res(r));
	r = sigtimedwait(&usr1, &si, &bad);
	say("sigtimedwait with tv_nsec 1e9: %s", res(r));
	c = pester(getpid(), SIGUSR1, 1, NULL, 0);
	memset(&si, 0, sizeof(si));
	r = sigwaitinfo(&usr1, &si);
	say("sigwaitinfo for a kill from a child: %s, si_code %d", r == SIGUSR1 ? "SIGUSR1" : res(r), si.si_code);
	wait_status(c);
	sigpending(&pending);
	say("nothing pending afterwards: %s", yesno(!sigismember(&pending, SIGUSR1)));
	unblock_all();

	/* pause: EINTR once a handler ran (signals keep coming until it returns). */
	hits = 0;
	int stop[2];
	pipe(stop);
	c = pester(getpid(), SIGUSR1, 0, stop, 0);
	r = pause();
	say("pause: %s, handler ran: %s", res(r), yesno(hits > 0));
	close(stop[1]);
	wait_status(c);
	close(stop[0]);

	/* setitimer's SIGALRM (periodic, so that one comes while paused). */
	set_handler(SIGALRM, count, 0);
	hits = 0;
	struct itimerval it = { { 0, 30000 }, { 0, 30000 } }, off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &it, NULL);
	r = pause();
	setitimer(ITIMER_REAL, &off, NULL);
	say("ITIMER_REAL: pause %s, handler ran: %s", res(r), yesno(hits > 0));
	signal(SIGALRM, SIG_DFL);
	signal(SIGUSR1, SIG_DFL);
}

/* --- interrupted syscalls --- */

enum call { C_READ, C_WAIT4, C_POLL, C_SELECT, C_NANOSLEEP, C_EPOLL, C_FUTEX };
static const char *call_name[] = { "read on a pipe", "wait4", "poll", "select", "nanosleep", "epoll_wait",
				   "futex wait" };

/* The blocking call, interrupted by SIGUSR1 (handler with or without SA_RESTART). With
   SA_RESTART, calls Linux restarts complete (after a few signals, the child makes them
   complete by writing or exiting); the others fail with EINTR. */
static void interrupt_one(enum call call, bool restart)
{
	set_handler(SIGUSR1, count, restart ? SA_RESTART : 0);
	hits = 0;
	int data[2], stop[2];
	pipe(data);
	pipe(stop);
	/* Restartable calls get 3 signals and then their event; the others get signals until
	   they return. */
	bool completes = restart && (call == C_READ || call == C_WAIT4 || call == C_FUTEX);
	pid_t c = xfork();
	if (c == 0) {
		close(data[0]);
		close(stop[1]);
		pid_t parent = getppid();
		for (int i = 0; !completes || i < 3; i++) {
			msleep(20);
			struct pollfd pfd = { stop[0], POLLIN, 0 };
			if (!completes && poll(&pfd, 1, 0) == 1)
				break;
			kill(parent, SIGUSR1);
		}
		if (call == C_READ)
			write(data[1], "x", 1);
		_exit(7);
	}
	close(data[1]);
	close(stop[0]);
	static int futex_word;
	char buf[8];
	long r = -1;
	int e = 0, st = 0;
	struct timespec req = { 30, 0 }, rem = { 0, 0 };
	switch (call) {
	case C_READ:
		r = read(data[0], buf, sizeof(buf));
		break;
	case C_WAIT4:
		r = wait4(c, &st, 0, NULL);
		break;
	case C_POLL: {
		struct pollfd pfd = { data[0], POLLIN, 0 };
		r = poll(&pfd, 1, -1);
		break;
	}
	case C_SELECT: {
		fd_set rd;
		FD_ZERO(&rd);
		FD_SET(data[0], &rd);
		r = select(data[0] + 1, &rd, NULL, NULL, NULL);
		break;
	}
	case C_NANOSLEEP:
		r = nanosleep(&req, &rem);
		break;
	case C_EPOLL: {
		int ep = epoll_create1(EPOLL_CLOEXEC);
		struct epoll_event ee = { .events = EPOLLIN }, out;
		epoll_ctl(ep, EPOLL_CTL_ADD, data[0], &ee);
		r = epoll_wait(ep, &out, 1, -1);
		e = errno;
		close(ep);
		errno = e;
		break;
	}
	case C_FUTEX:
		futex_word = 0;
		r = syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
		break;
	}
	e = r < 0 ? errno : 0;
	close(stop[1]);
	if (call != C_WAIT4 || r < 0)
		st = wait_status(c);
	char extra[64] = "";
	if (call == C_NANOSLEEP && r < 0)
		snprintf(extra, sizeof(extra), ", remaining time between 0 and 30 s: %s",
			 yesno((rem.tv_sec > 0 || rem.tv_nsec > 0) && rem.tv_sec < 30));
	if (call == C_WAIT4 && r >= 0)
		snprintf(extra, sizeof(extra), ", status 0x%x", st);
	say("%s, %s: %s%s, handler ran: %s", call_name[call], restart ? "SA_RESTART" : "no SA_RESTART",
	    r < 0 ? en(e) : "completed", extra, yesno(hits > 0));
	close(data[0]);
	signal(SIGUSR1, SIG_DFL);
}

static volatile int futex_word2;
static void *futex_waker(void *arg)
{
	(void)arg;
	msleep(150);
	futex_word2 = 1;
	syscall(SYS_futex, &futex_word2, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	return NULL;
}

static void check_interrupts(void)
{
	for (int restart = 0; restart < 2; restart++)
		for (enum call c = C_READ; c <= C_EPOLL; c++)
			interrupt_one(c, restart);

	/* futex wait: EINTR without SA_RESTART; with it, back to waiting until woken. */
	interrupt_one(C_FUTEX, false);
	set_handler(SIGUSR1, count, SA_RESTART);
	hits = 0;
	futex_word2 = 0;
	pthread_t th;
	pthread_create(&th, NULL, futex_waker, NULL);
	pid_t c = pester(getpid(), SIGUSR1, 3, NULL, 0);
	long r;
	do
		r = syscall(SYS_futex, &futex_word2, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	while (r < 0 && errno == EAGAIN && futex_word2 == 0);
	say("futex wait, SA_RESTART: %s after the wake (word %d)", r == 0 || errno == EAGAIN ? "returned" : res(r),
	    futex_word2);
	pthread_join(th, NULL);
	wait_status(c);
	signal(SIGUSR1, SIG_DFL);

	/* Signals that have nothing to run do not interrupt: ignored ones, default-ignored
	   ones, and a stop followed by a continue. */
	int data[2];
	static const int quiet[][2] = { { SIGUSR2, 1 }, { SIGCHLD, 0 }, { SIGWINCH, 0 }, { SIGSTOP, 0 } };
	for (size_t i = 0; i < sizeof(quiet) / sizeof(quiet[0]); i++) {
		int sig = quiet[i][0];
		if (quiet[i][1])
			signal(sig, SIG_IGN);
		pipe(data);
		int ready[2];
		pipe(ready);
		pid_t reader = xfork();
		if (reader == 0) {
			close(data[1]);
			close(ready[0]);
			if (sig == SIGSTOP)
				setpgid(0, 0);	/* not orphaned: a job-control group of its own */
			write_int(ready[1], 1);
			char buf[4];
			ssize_t n = read(data[0], buf, sizeof(buf));
			_exit(n == 1 ? 0 : n < 0 ? 10 + (errno == EINTR) : 20);
		}
		close(data[0]);
		close(ready[1]);
		read_int(ready[0]);
		close(ready[0]);
		msleep(50);
		kill(reader, sig);
		if (sig == SIGSTOP) {
			int st;
			waitpid(reader, &st, WUNTRACED);
			kill(reader, SIGCONT);
		}
		msleep(50);
		write(data[1], "y", 1);
		close(data[1]);
		say("read on a pipe, %s %s meanwhile: %s", sname(sig),
		    sig == SIGSTOP ? "then SIGCONT" : quiet[i][1] ? "(ignored)" : "(default: ignore)",
		    describe(wait_status(reader)));
		signal(sig, SIG_DFL);
	}
}

/* Calls that never wait on Linux are never interrupted, however many signals arrive (with a
   handler without SA_RESTART): writes and reads of a regular file, futex wakes. In the
   sandbox a signal may come while the call waits for the sentry to take it. A child sends
   the next signal as soon as the last one was handled, so one is always on its way. */
static void check_uninterruptible(void)
{
	volatile int *handled = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	set_handler(SIGUSR1, count, 0);
	hits = 0;
	*handled = 0;
	int fd = open("/tmp/sigcheck-file", O_RDWR | O_CREAT | O_TRUNC, 0600);
	pid_t target = getpid();
	pid_t c = xfork();
	if (c == 0) {
		for (int sent = 0;; sent++) {
			kill(target, SIGUSR1);
			while (*handled <= sent)
				sched_yield();
		}
	}
	int eintr = 0, short_count = 0, other = 0;
	char buf[64];
	memset(buf, 'x', sizeof(buf));
	int word = 0;
	for (int i = 0; i < 3000 || hits < 100; i++) {
		ssize_t n = i % 3 == 0 ? pwrite(fd, buf, sizeof(buf), 0) :
			    i % 3 == 1 ? pread(fd, buf, sizeof(buf), 0) :
			    syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
		*handled = hits;
		if (n < 0 && errno == EINTR)
			eintr++;
		else if (n < 0)
			other++;
		else if (i % 3 != 2 && n != (ssize_t)sizeof(buf))
			short_count++;
	}
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
	signal(SIGUSR1, SIG_DFL);
	close(fd);
	unlink("/tmp/sigcheck-file");
	munmap((void *)handled, sizeof(int));
	say("file pwrite/pread and futex wake under a stream of signals: EINTR %d, short %d, other errors %d",
	    eintr, short_count, other);
}

/* --- kill: pids, groups, -1, permissions, init --- */

static pid_t sleeper(pid_t pgid)
{
	pid_t c = xfork();
	if (c == 0) {
		if (pgid >= 0)
			setpgid(0, pgid);
		for (;;)
			pause();
	}
	if (pgid >= 0)
		setpgid(c, pgid ? pgid : c);
	return c;
}

static void check_kill(void)
{
	say("kill(self, 0): %s", res(kill(getpid(), 0)));
	say("kill(99999, 0): %s", res(kill(99999, 0)));
	say("kill(self, 65): %s", res(kill(getpid(), 65)));
	say("kill(self, -1): %s", res(kill(getpid(), -1)));
	say("kill(-99999, 0): %s", res(kill(-99999, 0)));
	say("kill(INT_MIN, 0): %s", res(kill(INT32_MIN, 0)));

	/* A process group. */
	pid_t a = sleeper(0);
	pid_t b = sleeper(a);
	pid_t out = sleeper(-1);
	say("kill(-group, SIGTERM): %s", res(kill(-a, SIGTERM)));
	say("group members: %s, %s", describe(wait_status(a)), describe(wait_status(b)));
	say("outside the group: still there: %s", yesno(waitpid(out, NULL, WNOHANG) == 0));
	kill(out, SIGKILL);
	wait_status(out);

	/* kill(0) reaches the sender's own group, the sender included. */
	int p[2];
	pipe(p);
	pid_t leader = xfork();
	if (leader == 0) {
		setpgid(0, 0);
		pid_t m = sleeper(getpid());
		set_handler(SIGUSR2, count, 0);
		hits = 0;
		kill(0, SIGUSR2);
		int st = wait_status(m);
		write_int(p[1], hits);
		write_int(p[1], WIFSIGNALED(st) ? WTERMSIG(st) : -1);
		_exit(0);
	}
	int h = read_int(p[0]);
	int msig = read_int(p[0]);
	wait_status(leader);
	say("kill(0, SIGUSR2): the sender's handler ran: %s, the other member killed by %s", yesno(h == 1),
	    msig > 0 ? sname(msig) : "-");

	/* kill(-1): everything but init and the sender. */
	pid_t s1 = sleeper(-1), s2 = sleeper(0);
	pid_t killer = xfork();
	if (killer == 0) {
		int r = kill(-1, SIGKILL);
		_exit(r == 0 ? 0 : 1);
	}
	int kst = wait_status(killer), st1 = wait_status(s1), st2 = wait_status(s2);
	say("kill(-1, SIGKILL) from a child: the sender %s; the others %s and %s; init (us) still here",
	    describe(kst), describe(st1), describe(st2));
	killer = xfork();
	if (killer == 0)
		_exit(kill(-1, 0) < 0 ? errno : 0);
	int st = wait_status(killer);
	say("kill(-1, 0) with no one else to signal: %s", WEXITSTATUS(st) ? en(WEXITSTATUS(st)) : "ok");

	/* Permissions: an unprivileged sender may signal only its own uid's processes. */
	pid_t victim = sleeper(-1);
	pid_t user = xfork();
	if (user == 0) {
		if (setuid(1000) < 0)
			_exit(50);
		int r1 = kill(victim, SIGTERM) < 0 ? errno : 0;
		int r2 = kill(victim, 0) < 0 ? errno : 0;
		int r3 = kill(-1, SIGTERM) < 0 ? errno : 0;
		write_int(p[1], r1);
		write_int(p[1], r2);
		write_int(p[1], r3);
		_exit(0);
	}
	int e1 = read_int(p[0]), e2 = read_int(p[0]), e3 = read_int(p[0]);
	st = wait_status(user);
	say("uid 1000 signals a root process: kill %s, kill 0 %s, kill(-1) %s (only root's and init there), %s; "
	    "the target alive: %s", e1 ? en(e1) : "ok", e2 ? en(e2) : "ok", e3 ? en(e3) : "ok", describe(st),
	    yesno(waitpid(victim, NULL, WNOHANG) == 0));
	close(p[0]);
	close(p[1]);
	kill(victim, SIGKILL);
	wait_status(victim);

	/* init (us) ignores the signals it has no handler for, even SIGKILL, from its own
	   processes; it gets those it handles. */
	set_handler(SIGUSR1, count, 0);
	hits = 0;
	pid_t sender = xfork();
	if (sender == 0) {
		int r = kill(1, SIGTERM) | kill(1, SIGKILL) | kill(1, SIGSTOP) | kill(1, SIGUSR1);
		_exit(r == 0 ? 0 : 1);
	}
	st = wait_status(sender);
	while (!hits)
		msleep(1);
	say("kill(1, TERM/KILL/STOP/USR1) from a child: sends %s; init survived, its SIGUSR1 handler ran: %s",
	    describe(st), yesno(hits == 1));
	signal(SIGUSR1, SIG_DFL);
}

/* --- SIGCHLD, SIGPIPE --- */

static void check_sigchld_sigpipe(void)
{
	set_action(SIGCHLD, record, 0, NULL);
	hits = 0;
	pid_t c = xfork();
	if (c == 0)
		_exit(3);
	while (!hits)
		msleep(1);
	say("SIGCHLD at a child's exit: %s", sname(last_signo));
	wait_status(c);
	/* SA_NOCLDSTOP: no SIGCHLD for a stop. */
	set_action(SIGCHLD, record, SA_NOCLDSTOP, NULL);
	hits = 0;
	c = xfork();
	if (c == 0) {
		setpgid(0, 0);
		raise(SIGSTOP);
		_exit(4);
	}
	int st;
	waitpid(c, &st, WUNTRACED);
	msleep(50);
	int after_stop = hits;
	kill(c, SIGCONT);
	wait_status(c);
	while (!hits)
		msleep(1);
	say("SA_NOCLDSTOP: SIGCHLD for the stop: %s, for the exit: %s", yesno(after_stop), yesno(hits));
	signal(SIGCHLD, SIG_DFL);

	/* Writing to a pipe nobody reads. */
	for (int how = 0; how < 3; how++) {
		int p[2], rep[2];
		pipe(p);
		pipe(rep);
		c = xfork();
		if (c == 0) {
			/* A pipe of its own whose reader is gone for sure. */
			close(p[0]);
			close(p[1]);
			pipe(p);
			close(p[0]);
			hits = 0;
			if (how == 1)
				signal(SIGPIPE, SIG_IGN);
			if (how == 2)
				set_handler(SIGPIPE, count, 0);
			ssize_t n = write(p[1], "z", 1);
			write_int(rep[1], n < 0 ? errno : 0);
			write_int(rep[1], hits);
			_exit(0);
		}
		close(p[0]);
		close(p[1]);
		close(rep[1]);
		int e = read_int(rep[0]);
		int h = read_int(rep[0]);
		st = wait_status(c);
		static const char *hows[] = { "default", "ignored", "handled" };
		if (WIFSIGNALED(st))
			say("write to a pipe without readers, SIGPIPE %s: %s", hows[how], describe(st));
		else
			say("write to a pipe without readers, SIGPIPE %s: write %s, handler ran: %s, %s", hows[how],
			    e ? en(e) : "ok", yesno(h), describe(st));
		close(rep[0]);
	}
}

/* --- default actions seen by the parent, and handled fatal signals --- */

static void check_stop_in_handler_child(void)
{
	/* A stopped process does not run its handlers until continued; SIGKILL ends it
	   stopped. */
	int p[2];
	pipe(p);
	pid_t c = xfork();
	if (c == 0) {
		close(p[0]);
		setpgid(0, 0);
		hits = 0;
		set_handler(SIGUSR1, count, 0);
		/* SIGUSR1 is taken only in sigsuspend: the stop may come before the child gets
		   there, and a handler run before it would leave it waiting for another. */
		sigset_t usr1, none;
		sigemptyset(&usr1);
		sigaddset(&usr1, SIGUSR1);
		sigemptyset(&none);
		sigprocmask(SIG_BLOCK, &usr1, NULL);
		write_int(p[1], 0);
		for (;;) {
			sigsuspend(&none);
			write_int(p[1], hits);
		}
	}
	setpgid(c, c);
	close(p[1]);
	read_int(p[0]);
	kill(c, SIGSTOP);
	int st;
	waitpid(c, &st, WUNTRACED);
	kill(c, SIGUSR1);
	struct pollfd pfd = { p[0], POLLIN, 0 };
	int early = poll(&pfd, 1, 100);
	kill(c, SIGCONT);
	int h = read_int(p[0]);
	say("a signal to a stopped process: handled while stopped: %s; after SIGCONT: %s", yesno(early == 1),
	    yesno(h == 1));
	kill(c, SIGSTOP);
	waitpid(c, &st, WUNTRACED);
	kill(c, SIGKILL);
	say("SIGKILL while stopped: %s", describe(wait_status(c)));
	close(p[0]);
}

static int sandbox_mode(void)
{
	/* A kill the sentry sends on a guest's behalf: the signal, its handler, SI_USER (the
	   sender's virtual pid is hostidcheck's to check, against a native run). */
	set_action(SIGUSR1, record, 0, NULL);
	hits = 0;
	pid_t c = xfork();
	if (c == 0) {
		kill(getppid(), SIGUSR1);
		_exit(0);
	}
	wait_status(c);
	while (!hits)
		msleep(1);
	say("kill from a child: si_signo %s, si_code %d", sname(last_signo), last_code);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "sandbox"))
		return sandbox_mode();
	setsid();
	check_siginfo();
	check_sigqueue();
	check_fault();
	check_flags();
	check_masks();
	check_threads();
	check_altstack();
	check_waiting();
	check_interrupts();
	check_uninterruptible();
	check_kill();
	check_sigchld_sigpipe();
	check_stop_in_handler_child();
	say("done");
	return 0;
}
