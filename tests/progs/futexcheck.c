/* Threads and time: futex operations (wait, wake, requeue, cmp_requeue, wake_op, the bitset
   forms, private and shared), robust lists, nanosleep and clock_nanosleep (relative and
   TIMER_ABSTIME), sched_yield, CPU clocks of processes, POSIX timers, getrusage (self,
   children, thread), times, prlimit64.
   Prints one line per check; waits that depend on a thread being asleep are retried until
   they happen, so nothing printed depends on timing. Children never print.

   futexcheck          the checks
   futexcheck robust   a robust mutex whose owner thread exits (Linux: EOWNERDEAD)
   futexcheck sandbox  what the sandbox refuses by design (PI futexes)
   futexcheck hostclock PID   the CPU clock of a pid the sandbox does not have */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/guest_check.h"

static long futex(atomic_int *uaddr, int op, int val, const struct timespec *ts, atomic_int *uaddr2, int val3)
{
	return syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}

/* For the requeue forms, the fourth argument is a count. */
static long futex_n(atomic_int *uaddr, int op, int val, long val2, atomic_int *uaddr2, int val3)
{
	return syscall(SYS_futex, uaddr, op, val, (void *)val2, uaddr2, val3);
}

static int64_t now_ns(clockid_t clk)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t tv_ms(struct timeval tv)
{
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* Burns ms of this thread's CPU time. */
static void burn(int ms)
{
	int64_t end = now_ns(CLOCK_THREAD_CPUTIME_ID) + (int64_t)ms * 1000000;
	volatile uint64_t x = 0;
	while (now_ns(CLOCK_THREAD_CPUTIME_ID) < end)
		for (int i = 0; i < 10000; i++)
			x += (uint64_t)i;
}

/* --- futex: waiters that report how they woke --- */

struct waiter {
	atomic_int *word;
	int op;
	int val;
	uint32_t bitset;
	long result;
	int err;
	atomic_int done;
	pthread_t th;
};

static void *wait_thread(void *p)
{
	struct waiter *w = p;
	long r;
	do {
		r = futex(w->word, w->op, w->val, NULL, NULL, (int)w->bitset);
	} while (r < 0 && errno == EINTR);
	w->result = r;
	w->err = r < 0 ? errno : 0;
	atomic_store(&w->done, 1);
	return NULL;
}

static void start_waiters(struct waiter *w, int n, atomic_int *word, int op, uint32_t bitset)
{
	for (int i = 0; i < n; i++) {
		w[i] = (struct waiter){ .word = word, .op = op, .val = atomic_load(word), .bitset = bitset };
		pthread_create(&w[i].th, NULL, wait_thread, &w[i]);
	}
}

static int join_waiters(struct waiter *w, int n)
{
	int ok = 0;
	for (int i = 0; i < n; i++) {
		pthread_join(w[i].th, NULL);
		ok += w[i].result == 0;
	}
	return ok;
}

/* Wakes waiters on word one call at a time until total have been woken. */
static long wake_until(atomic_int *word, int op, int total, int per_call, uint32_t bitset, int *max_per_call)
{
	long woken = 0;
	*max_per_call = 0;
	for (int tries = 0; woken < total && tries < 5000; tries++) {
		long r = futex(word, op, per_call, NULL, NULL, (int)bitset);
		if (r < 0)
			return -errno;
		if (r > *max_per_call)
			*max_per_call = (int)r;
		woken += r;
		if (woken < total)
			msleep(1);
	}
	return woken;
}

static void check_futex_basics(void)
{
	static atomic_int word;
	struct timespec short_wait = { 0, 20000000 };
	atomic_store(&word, 1);
	say("FUTEX_WAIT with a stale value: %s", res(futex(&word, FUTEX_WAIT, 0, NULL, NULL, 0)));
	say("FUTEX_WAIT 20 ms: %s", res(futex(&word, FUTEX_WAIT, 1, &short_wait, NULL, 0)));
	say("FUTEX_WAIT_PRIVATE 20 ms: %s", res(futex(&word, FUTEX_WAIT_PRIVATE, 1, &short_wait, NULL, 0)));
	say("FUTEX_WAKE with no waiters: %ld", futex(&word, FUTEX_WAKE, 1, NULL, NULL, 0));
	struct timespec bad = { 0, 1000000000 };
	say("FUTEX_WAIT with tv_nsec 1e9: %s", res(futex(&word, FUTEX_WAIT, 1, &bad, NULL, 0)));
	say("FUTEX_WAIT on an unaligned address: %s",
	    res(syscall(SYS_futex, (char *)&word + 1, FUTEX_WAIT, 1, &short_wait, NULL, 0)));
	say("FUTEX_WAIT on a bad address: %s", res(syscall(SYS_futex, (void *)8, FUTEX_WAIT, 1, &short_wait, NULL, 0)));
	say("an unknown futex op: %s", res(futex(&word, 99, 0, NULL, NULL, 0)));
	say("FUTEX_WAIT|FUTEX_CLOCK_REALTIME: %s",
	    res(futex(&word, FUTEX_WAIT | FUTEX_CLOCK_REALTIME, 1, &short_wait, NULL, 0)));

	/* Three waiters woken one at a time, private and shared forms. */
	for (int priv = 0; priv < 2; priv++) {
		struct waiter w[3];
		int maxper;
		atomic_store(&word, 7);
		start_waiters(w, 3, &word, priv ? FUTEX_WAIT_PRIVATE : FUTEX_WAIT, 0);
		long woken = wake_until(&word, priv ? FUTEX_WAKE_PRIVATE : FUTEX_WAKE, 3, 1, 0, &maxper);
		say("%s: 3 waiters woken one at a time: %ld woken, at most %d per call, all returned 0: %s",
		    priv ? "FUTEX_WAKE_PRIVATE" : "FUTEX_WAKE", woken, maxper, yesno(join_waiters(w, 3) == 3));
	}
	/* A private wake does not reach a shared waiter's key... (same process: it does). */
	struct waiter w[4];
	int maxper;
	atomic_store(&word, 3);
	start_waiters(w, 4, &word, FUTEX_WAIT, 0);
	/* Wait until all four sleep: wake them all in one call once they are. */
	long woken = 0;
	for (int tries = 0; woken < 4 && tries < 5000; tries++) {
		msleep(2);
		woken += futex(&word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
	}
	say("FUTEX_WAKE INT_MAX: all 4 woken: %s", yesno(woken == 4 && join_waiters(w, 4) == 4));
	(void)maxper;
}

static void check_requeue(void)
{
	static atomic_int f1, f2;
	for (int cmp = 0; cmp < 2; cmp++) {
		struct waiter w[3];
		atomic_store(&f1, 11);
		atomic_store(&f2, 0);
		start_waiters(w, 3, &f1, FUTEX_WAIT_PRIVATE, 0);
		/* Move them all to f2 (none woken), as each goes to sleep on f1. */
		long moved = 0;
		for (int tries = 0; moved < 3 && tries < 5000; tries++) {
			long r = cmp ? futex_n(&f1, FUTEX_CMP_REQUEUE_PRIVATE, 0, INT_MAX, &f2, 11)
				     : futex_n(&f1, FUTEX_REQUEUE_PRIVATE, 0, INT_MAX, &f2, 0);
			if (r < 0) {
				say("requeue failed: %s", en(errno));
				break;
			}
			moved += r;
			if (moved < 3)
				msleep(1);
		}
		int any_done = atomic_load(&w[0].done) + atomic_load(&w[1].done) + atomic_load(&w[2].done);
		/* Nothing is left on f1: a wake there finds no one. */
		long on_f1 = futex(&f1, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
		int maxper;
		long woken = wake_until(&f2, FUTEX_WAKE_PRIVATE, 3, 1, 0, &maxper);
		say("%s: %ld moved to the second word, none woke by that: %s, none left on the first: %s, %ld woken "
		    "from the second, all returned 0: %s",
		    cmp ? "FUTEX_CMP_REQUEUE" : "FUTEX_REQUEUE", moved, yesno(any_done == 0), yesno(on_f1 == 0), woken,
		    yesno(join_waiters(w, 3) == 3));
	}
	atomic_store(&f1, 1);
	say("FUTEX_CMP_REQUEUE with a stale value: %s", res(futex_n(&f1, FUTEX_CMP_REQUEUE, 1, 1, &f2, 0)));
	say("FUTEX_CMP_REQUEUE with a negative count: %s", res(futex_n(&f1, FUTEX_CMP_REQUEUE, -1, 1, &f2, 1)));
	/* requeue with a wake count: one woken, the others moved. */
	struct waiter w[3];
	atomic_store(&f1, 12);
	start_waiters(w, 3, &f1, FUTEX_WAIT_PRIVATE, 0);
	long total = 0;
	int first_wakes = -1;
	for (int tries = 0; total < 3 && tries < 5000; tries++) {
		long r = futex_n(&f1, FUTEX_CMP_REQUEUE_PRIVATE, 1, INT_MAX, &f2, 12);
		if (r > 0 && first_wakes < 0)
			first_wakes = 0;
		total += r;
		if (total < 3)
			msleep(1);
	}
	int maxper;
	wake_until(&f2, FUTEX_WAKE_PRIVATE, 3, INT_MAX, 0, &maxper);
	say("FUTEX_CMP_REQUEUE wake 1, requeue the rest: 3 accounted for: %s, all returned 0: %s", yesno(total >= 3),
	    yesno(join_waiters(w, 3) == 3));
}

static void check_wake_op(void)
{
	static atomic_int a, b;
	atomic_store(&a, 0);
	atomic_store(&b, 0);
	long r = futex(&a, FUTEX_WAKE_OP, 1, (void *)1, &b, FUTEX_OP(FUTEX_OP_SET, 5, FUTEX_OP_CMP_EQ, 0));
	say("FUTEX_WAKE_OP SET 5 with no waiters: %ld, second word now %d", r, atomic_load(&b));
	r = futex(&a, FUTEX_WAKE_OP, 1, (void *)1, &b, FUTEX_OP(FUTEX_OP_ADD, 2, FUTEX_OP_CMP_GT, 5));
	say("FUTEX_WAKE_OP ADD 2: %ld, second word now %d", r, atomic_load(&b));
	r = futex(&a, FUTEX_WAKE_OP, 1, (void *)1, &b, FUTEX_OP(FUTEX_OP_OR, 8, FUTEX_OP_CMP_EQ, 7));
	say("FUTEX_WAKE_OP OR 8: %ld, second word now %d", r, atomic_load(&b));
	r = futex(&a, FUTEX_WAKE_OP, 1, (void *)1, &b, FUTEX_OP(FUTEX_OP_ANDN, 1, FUTEX_OP_CMP_NE, 0));
	say("FUTEX_WAKE_OP ANDN 1: %ld, second word now %d", r, atomic_load(&b));
	r = futex(&a, FUTEX_WAKE_OP, 1, (void *)1, &b, FUTEX_OP(FUTEX_OP_XOR, 3, FUTEX_OP_CMP_LT, 0));
	say("FUTEX_WAKE_OP XOR 3: %ld, second word now %d", r, atomic_load(&b));
	r = futex(&a, FUTEX_WAKE_OP, 1, (void *)1, &b, FUTEX_OP(7, 0, FUTEX_OP_CMP_EQ, 0));
	say("FUTEX_WAKE_OP with an unknown op: %s", res(r));

	/* A waiter on each word: the first is always woken, the second when the comparison of
	   its old value holds. */
	struct waiter wa[1], wb[1];
	atomic_store(&a, 1);
	atomic_store(&b, 0);
	start_waiters(wa, 1, &a, FUTEX_WAIT_PRIVATE, 0);
	start_waiters(wb, 1, &b, FUTEX_WAIT_PRIVATE, 0);
	/* Each call wakes whichever of the two is asleep by then. */
	long total = 0;
	for (int tries = 0; total < 2 && tries < 5000; tries++) {
		msleep(2);
		/* SET 0 keeps b at 0, and 0 == 0 wakes b's waiter too. */
		r = futex(&a, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, &b, FUTEX_OP(FUTEX_OP_SET, 0, FUTEX_OP_CMP_EQ, 0));
		if (r < 0)
			break;
		total += r;
	}
	say("FUTEX_WAKE_OP_PRIVATE woke the waiters of both words: %s",
	    yesno(join_waiters(wa, 1) + join_waiters(wb, 1) == 2));
}

static void check_bitset(void)
{
	static atomic_int word;
	atomic_store(&word, 5);
	say("FUTEX_WAIT_BITSET with bitset 0: %s", res(futex(&word, FUTEX_WAIT_BITSET, 5, NULL, NULL, 0)));
	say("FUTEX_WAKE_BITSET with bitset 0: %s", res(futex(&word, FUTEX_WAKE_BITSET, 1, NULL, NULL, 0)));
	struct timespec abs;
	clock_gettime(CLOCK_MONOTONIC, &abs);
	abs.tv_nsec += 20000000;
	if (abs.tv_nsec >= 1000000000) {
		abs.tv_sec++;
		abs.tv_nsec -= 1000000000;
	}
	long r = futex(&word, FUTEX_WAIT_BITSET, 5, &abs, NULL, FUTEX_BITSET_MATCH_ANY);
	say("FUTEX_WAIT_BITSET, absolute CLOCK_MONOTONIC deadline: %s, deadline passed: %s", res(r),
	    yesno(now_ns(CLOCK_MONOTONIC) >= (int64_t)abs.tv_sec * 1000000000 + abs.tv_nsec));
	clock_gettime(CLOCK_REALTIME, &abs);
	abs.tv_nsec += 20000000;
	if (abs.tv_nsec >= 1000000000) {
		abs.tv_sec++;
		abs.tv_nsec -= 1000000000;
	}
	r = futex(&word, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 5, &abs, NULL, FUTEX_BITSET_MATCH_ANY);
	say("FUTEX_WAIT_BITSET|FUTEX_CLOCK_REALTIME, absolute deadline: %s, passed: %s", res(r),
	    yesno(now_ns(CLOCK_REALTIME) >= (int64_t)abs.tv_sec * 1000000000 + abs.tv_nsec));
	struct timespec past = { 1, 0 };
	r = futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 5, &past, NULL, FUTEX_BITSET_MATCH_ANY);
	say("FUTEX_WAIT_BITSET, deadline in the past: %s", res(r));

	/* A waiter with bitset 0x1: a wake for 0x2 never reaches it, one for 0x1 does. */
	struct waiter w[1];
	start_waiters(w, 1, &word, FUTEX_WAIT_BITSET_PRIVATE, 0x1);
	long miss = 0, hit = 0;
	for (int tries = 0; hit < 1 && tries < 5000; tries++) {
		msleep(2);
		miss += futex(&word, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX, NULL, NULL, 0x2);
		hit += futex(&word, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX, NULL, NULL, 0x1 | 0x4);
	}
	say("FUTEX_WAKE_BITSET: a non-matching bitset woke %ld, a matching one %ld; the waiter returned 0: %s", miss,
	    hit, yesno(join_waiters(w, 1) == 1));
}

/* A futex in shared memory, between processes. */
static void check_shared(void)
{
	atomic_int *word = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	atomic_store(word, 9);
	pid_t c = xfork();
	if (c == 0) {
		long r;
		do
			r = futex(word, FUTEX_WAIT, 9, NULL, NULL, 0);
		while (r < 0 && errno == EINTR);
		_exit(r == 0 ? 0 : 1);
	}
	int maxper;
	long woken = wake_until(word, FUTEX_WAKE, 1, 1, 0, &maxper);
	say("shared futex: a waiter in another process woken: %ld, its wait returned 0: %s", woken,
	    yesno(wait_status(c) == 0));
	/* A private wake does not reach another process. */
	c = xfork();
	if (c == 0) {
		struct timespec t = { 0, 200000000 };
		long r = futex(word, FUTEX_WAIT, 9, &t, NULL, 0);
		_exit(r < 0 && errno == ETIMEDOUT ? 0 : 1);
	}
	long priv = 0;
	for (int i = 0; i < 20; i++) {
		priv += futex(word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
		msleep(5);
	}
	say("shared futex: FUTEX_WAKE_PRIVATE from another process woke %ld; the waiter timed out: %s", priv,
	    yesno(wait_status(c) == 0));
	munmap(word, 4096);
}

/* --- robust lists --- */

struct robust_head {
	void *next;
	long futex_offset;
	void *pending;
};

static struct robust_head thread_head;
static atomic_int thread_head_set, thread_may_exit;
static pid_t other_tid;

static void *robust_thread(void *arg)
{
	(void)arg;
	other_tid = gettid();
	thread_head.next = &thread_head;
	syscall(SYS_set_robust_list, &thread_head, sizeof(thread_head));
	atomic_store(&thread_head_set, 1);
	while (!atomic_load(&thread_may_exit))
		msleep(1);
	return NULL;
}

static void check_robust_list(void)
{
	struct robust_head *head = NULL;
	size_t len = 0;
	long r = syscall(SYS_get_robust_list, 0, &head, &len);
	say("get_robust_list(0): %s, glibc registered a head: %s, len %zu", res(r), yesno(head != NULL), len);
	static struct robust_head mine = { &mine, 0, NULL };
	say("set_robust_list with a wrong size: %s", res(syscall(SYS_set_robust_list, &mine, 8)));
	void *saved = head;
	size_t saved_len = len;
	say("set_robust_list: %s", res(syscall(SYS_set_robust_list, &mine, sizeof(mine))));
	syscall(SYS_get_robust_list, 0, &head, &len);
	say("get_robust_list(0) returns it: %s", yesno(head == &mine && len == sizeof(mine)));
	syscall(SYS_get_robust_list, gettid(), &head, &len);
	say("get_robust_list(own tid) returns it: %s", yesno(head == &mine));
	syscall(SYS_set_robust_list, saved, saved_len);

	pthread_t th;
	pthread_create(&th, NULL, robust_thread, NULL);
	while (!atomic_load(&thread_head_set))
		msleep(1);
	head = NULL;
	r = syscall(SYS_get_robust_list, other_tid, &head, &len);
	say("get_robust_list(another thread): %s, its head: %s", res(r), yesno(head == &thread_head));
	atomic_store(&thread_may_exit, 1);
	pthread_join(th, NULL);
	say("get_robust_list(99999): %s", res(syscall(SYS_get_robust_list, 99999, &head, &len)));
	say("get_robust_list to a bad address: %s", res(syscall(SYS_get_robust_list, 0, (void *)8, &len)));

	/* Another process's, as another user: refused. */
	pid_t c = xfork();
	if (c == 0) {
		if (setuid(1000) < 0)
			_exit(50);
		long rr = syscall(SYS_get_robust_list, getppid(), &head, &len);
		_exit(rr < 0 ? errno : 0);
	}
	int st = wait_status(c);
	say("get_robust_list(a root process) as uid 1000: %s", WEXITSTATUS(st) ? en(WEXITSTATUS(st)) : "ok");
}

/* A robust mutex whose owner thread exits while holding it. */
static pthread_mutex_t robust_mutex;
static atomic_int robust_locked;

static void *lock_and_exit(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&robust_mutex);
	atomic_store(&robust_locked, 1);
	return NULL;
}

static int robust_mode(void)
{
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&robust_mutex, &a);
	pthread_t th;
	pthread_create(&th, NULL, lock_and_exit, NULL);
	pthread_join(th, NULL);
	int r = pthread_mutex_trylock(&robust_mutex);
	say("robust mutex, owner thread gone: trylock %s", r ? en(r) : "ok");
	if (r == EOWNERDEAD)
		say("pthread_mutex_consistent: %d", pthread_mutex_consistent(&robust_mutex));
	return 0;
}

/* --- sleeping, yielding --- */

static void check_sleep(void)
{
	struct timespec req = { 0, 50000000 }, rem = { 9, 9 };
	int64_t t0 = now_ns(CLOCK_MONOTONIC);
	int r = nanosleep(&req, &rem);
	int64_t slept = now_ns(CLOCK_MONOTONIC) - t0;
	say("nanosleep 50 ms: %s, slept at least that long: %s", res(r), yesno(slept >= 50000000));
	req.tv_nsec = 1000000000;
	say("nanosleep with tv_nsec 1e9: %s", res(nanosleep(&req, NULL)));
	req = (struct timespec){ -1, 0 };
	say("nanosleep with a negative time: %s", res(nanosleep(&req, NULL)));
	say("nanosleep with a bad address: %s", res(syscall(SYS_nanosleep, (void *)8, NULL)));
	req = (struct timespec){ 0, 0 };
	say("nanosleep 0: %s", res(nanosleep(&req, NULL)));

	/* clock_nanosleep returns the error number itself. */
	req = (struct timespec){ 0, 30000000 };
	t0 = now_ns(CLOCK_MONOTONIC);
	r = clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL);
	say("clock_nanosleep MONOTONIC relative 30 ms: %d, long enough: %s", r,
	    yesno(now_ns(CLOCK_MONOTONIC) - t0 >= 30000000));
	static const struct {
		clockid_t clk;
		const char *name;
	} clocks[] = { { CLOCK_MONOTONIC, "MONOTONIC" }, { CLOCK_REALTIME, "REALTIME" }, { CLOCK_BOOTTIME, "BOOTTIME" } };
	for (size_t i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
		struct timespec abs;
		clock_gettime(clocks[i].clk, &abs);
		abs.tv_nsec += 30000000;
		if (abs.tv_nsec >= 1000000000) {
			abs.tv_sec++;
			abs.tv_nsec -= 1000000000;
		}
		r = clock_nanosleep(clocks[i].clk, TIMER_ABSTIME, &abs, NULL);
		say("clock_nanosleep %s TIMER_ABSTIME +30 ms: %d, deadline passed: %s", clocks[i].name, r,
		    yesno(now_ns(clocks[i].clk) >= (int64_t)abs.tv_sec * 1000000000 + abs.tv_nsec));
	}
	struct timespec past = { 1, 0 };
	t0 = now_ns(CLOCK_MONOTONIC);
	r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &past, NULL);
	say("clock_nanosleep TIMER_ABSTIME in the past: %d, at once: %s", r,
	    yesno(now_ns(CLOCK_MONOTONIC) - t0 < 1000000000));
	say("clock_nanosleep on CLOCK_THREAD_CPUTIME_ID: %s", strerrorname_np(clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &req, NULL)));
	say("clock_nanosleep on clock 99: %s", strerrorname_np(clock_nanosleep(99, 0, &req, NULL)));
	say("clock_nanosleep with bad flags: %s",
	    res(syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0x10, &req, NULL)));
	say("sched_yield: %s", res(sched_yield()));
}

/* --- resource usage --- */

static void *busy_thread(void *arg)
{
	burn((int)(intptr_t)arg);
	struct rusage ru;
	getrusage(RUSAGE_THREAD, &ru);
	return (void *)(intptr_t)(tv_ms(ru.ru_utime) + tv_ms(ru.ru_stime));
}

static volatile int spin_stop;

static void *spinner(void *arg)
{
	(void)arg;
	while (!spin_stop)
		;
	return NULL;
}

/* CPU-time clocks of a process named by pid (clock_getcpuclockid) and of a thread named by
   tid (pthread_getcpuclockid): they advance with its work, and a pid that does not exist
   has none. */
static void check_cpu_clocks(void)
{
	clockid_t clock;
	struct timespec a, b;
	int e = clock_getcpuclockid(getpid(), &clock);
	say("clock_getcpuclockid self: %s", e ? en(e) : "ok");
	int r1 = clock_gettime(clock, &a);
	for (volatile long i = 0; i < 20000000; i++)
		;
	int r2 = clock_gettime(clock, &b);
	say("our process clock: %s, %s, advanced: %s", res(r1), res(r2),
	    yesno(b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec > a.tv_nsec)));
	say("its resolution: %s", res(clock_getres(clock, &a)));

	int p[2];
	pipe(p);
	pid_t c = xfork();
	if (c == 0) {
		for (volatile long i = 0; i < 50000000; i++)
			;
		write_int(p[1], 0);
		for (;;)
			pause();
	}
	read_int(p[0]);
	clock_getcpuclockid(c, &clock);
	r1 = clock_gettime(clock, &a);
	say("a child's process clock: %s, at least 1 ms: %s", res(r1), yesno(a.tv_sec > 0 || a.tv_nsec > 1000000));
	kill(c, SIGKILL);
	wait_status(c);
	say("a reaped child's clock: %s", res(clock_gettime(clock, &a)));
	clockid_t none = (clockid_t)((~(unsigned)99999 << 3) | 2);
	say("the clock of a pid that does not exist: %s; its resolution: %s", res(clock_gettime(none, &a)),
	    res(clock_getres(none, &a)));

	pthread_t th;
	spin_stop = 0;
	pthread_create(&th, NULL, spinner, NULL);
	msleep(50);
	pthread_getcpuclockid(th, &clock);
	r1 = clock_gettime(clock, &a);
	r2 = clock_getres(clock, &b);
	spin_stop = 1;
	pthread_join(th, NULL);
	say("a thread's clock: %s, at least 1 ms: %s; its resolution: %s", res(r1),
	    yesno(a.tv_sec > 0 || a.tv_nsec > 1000000), res(r2));
	pthread_getcpuclockid(pthread_self(), &clock);
	say("our own thread's clock by tid: %s", res(clock_gettime(clock, &a)));
	say("a thread clock of another process: %s", res(clock_gettime((clockid_t)((~(unsigned)c << 3) | 6), &a)));

	close(p[0]);
	close(p[1]);
}

static void check_rusage(void)
{
	/* In a fresh child, so that nothing earlier counts. */
	int p[2];
	pipe(p);
	pid_t c = xfork();
	if (c == 0) {
		struct rusage ru, self, thread;
		getrusage(RUSAGE_CHILDREN, &ru);
		int64_t before = tv_ms(ru.ru_utime) + tv_ms(ru.ru_stime);
		struct tms t0;
		times(&t0);

		burn(300);
		getrusage(RUSAGE_THREAD, &thread);
		getrusage(RUSAGE_SELF, &self);
		pthread_t th;
		pthread_create(&th, NULL, busy_thread, (void *)200);
		void *thread_ms;
		pthread_join(th, &thread_ms);
		struct rusage self2;
		getrusage(RUSAGE_SELF, &self2);

		/* A busy child, which has a busy child of its own. */
		pid_t g = xfork();
		if (g == 0) {
			pid_t gg = xfork();
			if (gg == 0) {
				burn(200);
				_exit(0);
			}
			burn(300);
			wait_status(gg);
			_exit(0);
		}
		struct rusage waited;
		int st;
		wait4(g, &st, 0, &waited);
		struct rusage after;
		getrusage(RUSAGE_CHILDREN, &after);
		struct tms t1;
		times(&t1);
		/* A child with a busy thread besides its own work. */
		pid_t mt = xfork();
		if (mt == 0) {
			pthread_t t2;
			pthread_create(&t2, NULL, busy_thread, (void *)200);
			burn(100);
			pthread_join(t2, NULL);
			_exit(0);
		}
		struct rusage before_mt, after_mt;
		getrusage(RUSAGE_CHILDREN, &before_mt);
		wait_status(mt);
		getrusage(RUSAGE_CHILDREN, &after_mt);
		/* A child that is a zombie does not count yet. */
		pid_t z = xfork();
		if (z == 0) {
			burn(200);
			_exit(0);
		}
		siginfo_t si;
		waitid(P_PID, z, &si, WEXITED | WNOWAIT);
		struct rusage zombie;
		getrusage(RUSAGE_CHILDREN, &zombie);
		wait_status(z);
		struct rusage reaped;
		getrusage(RUSAGE_CHILDREN, &reaped);
		after = after_mt;

		int64_t v[] = {
			before,
			tv_ms(self.ru_utime) + tv_ms(self.ru_stime),
			tv_ms(thread.ru_utime) + tv_ms(thread.ru_stime),
			(int64_t)(intptr_t)thread_ms,
			tv_ms(self2.ru_utime) + tv_ms(self2.ru_stime),
			tv_ms(waited.ru_utime) + tv_ms(waited.ru_stime),
			tv_ms(after.ru_utime) + tv_ms(after.ru_stime),
			(int64_t)(t0.tms_cutime + t0.tms_cstime),
			(int64_t)(t1.tms_cutime + t1.tms_cstime),
			(int64_t)(t1.tms_utime + t1.tms_stime),
			tv_ms(zombie.ru_utime) + tv_ms(zombie.ru_stime),
			tv_ms(reaped.ru_utime) + tv_ms(reaped.ru_stime),
			self.ru_maxrss,
			after.ru_maxrss,
			tv_ms(after_mt.ru_utime) + tv_ms(after_mt.ru_stime) - tv_ms(before_mt.ru_utime) -
				tv_ms(before_mt.ru_stime),
			/* Exactly: thread (measured first) against process, in microseconds. */
			(thread.ru_utime.tv_sec + thread.ru_stime.tv_sec) * 1000000LL + thread.ru_utime.tv_usec +
				thread.ru_stime.tv_usec -
				((self.ru_utime.tv_sec + self.ru_stime.tv_sec) * 1000000LL + self.ru_utime.tv_usec +
				 self.ru_stime.tv_usec),
		};
		write(p[1], v, sizeof(v));
		_exit(0);
	}
	int64_t v[16];
	read(p[0], v, sizeof(v));
	wait_status(c);
	close(p[0]);
	close(p[1]);
	long tck = sysconf(_SC_CLK_TCK);
	say("RUSAGE_CHILDREN of a new process: under 50 ms: %s", yesno(v[0] < 50));
	say("RUSAGE_SELF after burning 300 ms: at least 250 ms: %s", yesno(v[1] >= 250));
	say("RUSAGE_THREAD of the main thread: at least 250 ms, at most RUSAGE_SELF: %s", yesno(v[2] >= 250 && v[15] <= 0));
	say("RUSAGE_THREAD in a thread that burned 200 ms: between 150 and 400: %s", yesno(v[3] >= 150 && v[3] < 400));
	say("RUSAGE_SELF includes that thread: %s", yesno(v[4] >= v[1] + 150));
	say("wait4's rusage of a child that burned 300 ms and reaped a 200 ms child: at least 450 ms: %s",
	    yesno(v[5] >= 450));
	say("RUSAGE_CHILDREN afterwards: at least 450 ms: %s", yesno(v[6] >= 450));
	say("times: tms_cutime+tms_cstime grew by at least 45 ticks: %s (was under 5: %s)",
	    yesno(v[8] - v[7] >= 45 * tck / 100), yesno(v[7] < 5 * tck / 100));
	say("times: tms_utime+tms_stime at least 45 ticks: %s", yesno(v[9] >= 45 * tck / 100));
	say("a zombie's time does not count until it is reaped: %s, then it does: %s", yesno(v[10] - v[6] < 100),
	    yesno(v[11] - v[6] >= 150));
	say("ru_maxrss reported: %s, for children: %s", yesno(v[12] > 0), yesno(v[13] > 0));
	say("a reaped child whose thread burned 200 ms and main 100 ms: RUSAGE_CHILDREN grew by at least 250 ms: %s",
	    yesno(v[14] >= 250));
	say("getrusage with a bad who: %s", res(getrusage(5, NULL)));
}

/* --- prlimit64 --- */

static void check_prlimit(void)
{
	struct rlimit old, lim;
	say("prlimit64 get NOFILE: %s", res(prlimit(0, RLIMIT_NOFILE, NULL, &old)));
	lim = (struct rlimit){ 16, old.rlim_max };
	say("prlimit64 set NOFILE soft 16: %s", res(prlimit(0, RLIMIT_NOFILE, &lim, NULL)));
	int opened = 0, e = 0;
	for (int i = 0; i < 32; i++) {
		int fd = open("/dev/null", O_RDONLY);
		if (fd < 0) {
			e = errno;
			break;
		}
		opened++;
	}
	say("opens until the limit: %d more, then %s", opened, e ? en(e) : "none");
	say("dup2 to fd 20 (over the limit): %s", res(dup2(0, 20)));
	say("F_DUPFD 16: %s", res(fcntl(0, F_DUPFD, 16)));
	for (int fd = 3; fd < 16; fd++)
		close(fd);
	prlimit(0, RLIMIT_NOFILE, &old, NULL);
	lim = (struct rlimit){ 10, 5 };
	say("prlimit64 soft above hard: %s", res(prlimit(0, RLIMIT_NOFILE, &lim, NULL)));
	say("prlimit64 unknown resource: %s", res(syscall(SYS_prlimit64, 0, 99, NULL, &lim)));
	say("prlimit64 pid 99999: %s", res(prlimit(99999, RLIMIT_NOFILE, NULL, &lim)));
	lim = (struct rlimit){ 1024, 1048576 * 2 };
	say("prlimit64 NOFILE hard above nr_open: %s", res(prlimit(0, RLIMIT_NOFILE, &lim, NULL)));
	say("prlimit64 bad address: %s", res(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, (void *)8)));

	/* Another process's limits: get and set them; and as another user. */
	int gate[2], rep[2];
	pipe(gate);
	pipe(rep);
	pid_t c = xfork();
	if (c == 0) {
		close(gate[1]);
		char b;
		read(gate[0], &b, 1);
		struct rlimit mine;
		getrlimit(RLIMIT_CORE, &mine);
		write(rep[1], &mine, sizeof(mine));
		_exit(0);
	}
	struct rlimit core = { 4096, 8192 }, got;
	say("prlimit64 set a child's RLIMIT_CORE: %s", res(prlimit(c, RLIMIT_CORE, &core, NULL)));
	prlimit(c, RLIMIT_CORE, NULL, &got);
	say("prlimit64 read it back: %s", yesno(got.rlim_cur == 4096 && got.rlim_max == 8192));
	close(gate[1]);
	read(rep[0], &got, sizeof(got));
	say("the child sees it: %s", yesno(got.rlim_cur == 4096 && got.rlim_max == 8192));
	wait_status(c);
	c = xfork();
	if (c == 0) {
		struct rlimit l = { 64, 128 };
		setrlimit(RLIMIT_NOFILE, &l);
		if (setuid(1000) < 0)
			_exit(50);
		int r1 = prlimit(getppid(), RLIMIT_NOFILE, NULL, &l) < 0 ? errno : 0;
		getrlimit(RLIMIT_NOFILE, &l);
		l.rlim_max++;
		int r2 = setrlimit(RLIMIT_NOFILE, &l) < 0 ? errno : 0;
		l.rlim_max -= 2;
		int r3 = setrlimit(RLIMIT_NOFILE, &l) < 0 ? errno : 0;
		l.rlim_max++;
		int r4 = setrlimit(RLIMIT_NOFILE, &l) < 0 ? errno : 0;
		write(rep[1], (int[]){ r1, r2, r3, r4 }, 4 * sizeof(int));
		_exit(0);
	}
	int rr[4];
	read(rep[0], rr, sizeof(rr));
	wait_status(c);
	say("as uid 1000: prlimit64 on a root process %s, raise own hard limit %s, lower it %s, raise it back %s",
	    rr[0] ? en(rr[0]) : "ok", rr[1] ? en(rr[1]) : "ok", rr[2] ? en(rr[2]) : "ok", rr[3] ? en(rr[3]) : "ok");
	close(rep[0]);
	close(rep[1]);
	close(gate[0]);
}

static int sandbox_mode(void)
{
	static atomic_int word;
	say("FUTEX_LOCK_PI: %s", res(futex(&word, FUTEX_LOCK_PI, 0, NULL, NULL, 0)));
	say("FUTEX_UNLOCK_PI: %s", res(futex(&word, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0)));
	say("FUTEX_TRYLOCK_PI: %s", res(futex(&word, FUTEX_TRYLOCK_PI, 0, NULL, NULL, 0)));
	say("FUTEX_WAIT_REQUEUE_PI: %s", res(futex(&word, FUTEX_WAIT_REQUEUE_PI, 0, NULL, &word, 0)));
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	say("pthread_mutexattr_setprotocol PRIO_INHERIT: %d", pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT));
	return robust_mode();
}

static volatile int timer_hits, timer_code, timer_value;
static volatile pid_t timer_tid;

static void on_timer(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	timer_code = si->si_code;
	timer_value = si->si_value.sival_int;
	timer_tid = gettid();
	timer_hits++;
}

static volatile int thread_fn_calls, thread_fn_value;

static void on_timer_thread(union sigval v)
{
	thread_fn_value = v.sival_int;
	thread_fn_calls++;
}

static volatile int timer_thread_stop;
static volatile pid_t timer_thread_tid;

static void *timer_thread(void *arg)
{
	(void)arg;
	timer_thread_tid = gettid();
	while (!timer_thread_stop)
		msleep(1);
	return NULL;
}

static void wait_for(volatile int *counter, int n)
{
	for (int i = 0; i < 2000 && *counter < n; i++)
		msleep(1);
}

/* POSIX timers: signals with the timer's value (SI_TIMER), periodic overruns, one thread
   as the target (SIGEV_THREAD_ID), a function on a thread (SIGEV_THREAD), SIGEV_NONE, a CPU
   clock, and the errors. */
static void check_timers(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_timer;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);

	timer_t tm;
	struct sigevent sev;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGUSR1;
	sev.sigev_value.sival_int = 77;
	const char *r = res(timer_create(CLOCK_MONOTONIC, &sev, &tm));
	struct itimerspec once = { { 0, 0 }, { 0, 20000000 } }, cur;
	timer_hits = 0;
	const char *set = res(timer_settime(tm, 0, &once, NULL));
	wait_for(&timer_hits, 1);
	say("timer_create MONOTONIC, SIGEV_SIGNAL: %s, settime 20 ms: %s; fired: %d, SI_TIMER: %s, value %d",
	    r, set, timer_hits, yesno(timer_code == SI_TIMER), timer_value);
	timer_gettime(tm, &cur);
	say("after it fired, timer_gettime: disarmed: %s", yesno(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0));

	/* Periodic, with the signal blocked: one signal, the rest counted as overruns. */
	sigset_t usr1;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	struct itimerspec every = { { 0, 5000000 }, { 0, 5000000 } };
	timer_settime(tm, 0, &every, NULL);
	msleep(100);
	timer_gettime(tm, &cur);
	say("periodic 5 ms: timer_gettime shows it armed: %s", yesno(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0));
	timer_hits = 0;
	sigprocmask(SIG_UNBLOCK, &usr1, NULL);
	struct itimerspec off = { { 0, 0 }, { 0, 0 } };
	timer_settime(tm, 0, &off, NULL);
	int over = timer_getoverrun(tm);
	say("blocked 100 ms: one signal taken when unblocked: %s; timer_getoverrun: %s", yesno(timer_hits >= 1),
	    res(over));
	r = res(timer_delete(tm));
	say("timer_delete: %s; settime after it: %s", r, res(timer_settime(tm, 0, &once, NULL)));

	/* One thread as the target. */
	pthread_t th;
	timer_thread_stop = 0;
	timer_thread_tid = 0;
	pthread_create(&th, NULL, timer_thread, NULL);
	while (!timer_thread_tid)
		msleep(1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGUSR1;
	sev._sigev_un._tid = timer_thread_tid;
	r = res(timer_create(CLOCK_REALTIME, &sev, &tm));
	timer_hits = 0;
	timer_settime(tm, 0, &once, NULL);
	wait_for(&timer_hits, 1);
	say("SIGEV_THREAD_ID to another thread: %s; handled by it: %s", r, yesno(timer_hits == 1 && timer_tid == timer_thread_tid));
	timer_delete(tm);
	sigprocmask(SIG_UNBLOCK, &usr1, NULL);
	timer_thread_stop = 1;
	pthread_join(th, NULL);

	sev._sigev_un._tid = 99999;
	say("SIGEV_THREAD_ID to a tid that does not exist: %s", res(timer_create(CLOCK_REALTIME, &sev, &tm)));
	int p[2];
	pipe(p);
	pid_t c = xfork();
	if (c == 0) {
		read_int(p[0]);
		_exit(0);
	}
	sev._sigev_un._tid = c;
	say("SIGEV_THREAD_ID to another process: %s", res(timer_create(CLOCK_REALTIME, &sev, &tm)));
	write_int(p[1], 0);
	wait_status(c);
	close(p[0]);
	close(p[1]);

	/* A function on a thread glibc makes (SIGEV_THREAD_ID to its helper thread). */
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD;
	sev.sigev_notify_function = on_timer_thread;
	sev.sigev_value.sival_int = 31;
	r = res(timer_create(CLOCK_MONOTONIC, &sev, &tm));
	thread_fn_calls = 0;
	timer_settime(tm, 0, &once, NULL);
	wait_for(&thread_fn_calls, 1);
	say("SIGEV_THREAD: %s; the function ran: %s, value %d", r, yesno(thread_fn_calls == 1), thread_fn_value);
	timer_delete(tm);

	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_NONE;
	timer_create(CLOCK_MONOTONIC, &sev, &tm);
	struct itimerspec long_once = { { 0, 0 }, { 5, 0 } };
	timer_settime(tm, 0, &long_once, NULL);
	timer_gettime(tm, &cur);
	say("SIGEV_NONE: counting down: %s", yesno(cur.it_value.tv_sec >= 4 && cur.it_value.tv_sec <= 5));
	timer_delete(tm);

	/* The process's CPU clock (NULL sigevent: SIGALRM, which is handled here). */
	sa.sa_sigaction = on_timer;
	sigaction(SIGALRM, &sa, NULL);
	r = res(timer_create(CLOCK_PROCESS_CPUTIME_ID, NULL, &tm));
	timer_hits = 0;
	struct itimerspec cpu = { { 0, 0 }, { 0, 30000000 } };
	timer_settime(tm, 0, &cpu, NULL);
	for (int i = 0; i < 3000 && !timer_hits; i++)
		for (volatile int j = 0; j < 100000; j++)
			;
	say("CPU clock timer, default sigevent: %s; fired after 30 ms of work: %s", r, yesno(timer_hits == 1));
	timer_delete(tm);
	signal(SIGALRM, SIG_DFL);
	signal(SIGUSR1, SIG_DFL);

	say("timer_create clock 99: %s", res(timer_create(99, NULL, &tm)));
	say("timer_create bad sigevent: %s", res(syscall(SYS_timer_create, CLOCK_MONOTONIC, (void *)8, &tm)));
	say("timer_settime on a timer id never made: %s", res(syscall(SYS_timer_settime, 4242, 0, &once, NULL)));
}

/* The CPU clock of a pid the sandbox does not have (a host process's): none. */
static int hostclock_mode(pid_t pid)
{
	clockid_t clock = (clockid_t)((~(unsigned)pid << 3) | 2);
	struct timespec ts;
	const char *get = res(clock_gettime(clock, &ts));
	say("the CPU clock of a host pid: %s, its resolution: %s", get, res(clock_getres(clock, &ts)));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "hostclock"))
		return hostclock_mode(atoi(argv[2]));
	if (argc > 1 && !strcmp(argv[1], "robust"))
		return robust_mode();
	if (argc > 1 && !strcmp(argv[1], "sandbox"))
		return sandbox_mode();
	/* Whatever the caller left open does not count. */
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
	check_futex_basics();
	check_requeue();
	check_wake_op();
	check_bitset();
	check_shared();
	check_robust_list();
	check_sleep();
	check_cpu_clocks();
	check_timers();
	check_rusage();
	check_prlimit();
	say("done");
	return 0;
}
