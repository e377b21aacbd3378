/* Scheduling settings: nice values (getpriority/setpriority for a thread, a process group, a
   user), policies and real-time priorities (sched_*), I/O priorities (ioprio_*), CPU
   affinity, and who may change what (root, another uid, SCHED_RESET_ON_FORK). Prints one
   line per check; run as root.

   schedcheck           the checks
   schedcheck rlimits   RLIMIT_NICE and RLIMIT_RTPRIO let uid 1000 lower its nice value and
                        take a real-time policy (root raises the limits first) */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/ioprio.h>

#include "lib/guest_check.h"

/* The raw syscall: 20 - nice, or -1 with errno (glibc's wrapper hides which). */
static long raw_getpriority(int which, int who)
{
	return syscall(SYS_getpriority, which, who);
}

static const char *prio(long r)
{
	char *b = say_buffer();
	if (r < 0)
		snprintf(b, SAY_BUFFER_SIZE, "%s", en(errno));
	else
		snprintf(b, SAY_BUFFER_SIZE, "nice %ld", 20 - r);
	return b;
}

static const char *policy_name(int p)
{
	char *buf = say_buffer();
	if (p < 0)
		return en(errno);
	const char *names[] = { "OTHER", "FIFO", "RR", "BATCH", "?", "IDLE", "DEADLINE" };
	int base = p & ~SCHED_RESET_ON_FORK;
	snprintf(buf, SAY_BUFFER_SIZE, "%s%s", base >= 0 && base < 7 ? names[base] : "?",
		 p & SCHED_RESET_ON_FORK ? "|RESET_ON_FORK" : "");
	return buf;
}

static int set_policy(pid_t pid, int policy, int priority)
{
	struct sched_param sp = { .sched_priority = priority };
	return sched_setscheduler(pid, policy, &sp);
}

/* Runs fn in a child that becomes uid/gid 1000 first; prints its lines. */
static void as_user(void (*fn)(void))
{
	pid_t c = xfork();
	if (c == 0) {
		if (setgid(1000) < 0 || setuid(1000) < 0) {
			say("becoming uid 1000: %s", en(errno));
			_exit(1);
		}
		fn();
		_exit(0);
	}
	wait_status(c);
}

static volatile pid_t thread_tid;
static volatile int thread_go;

static void *idle_thread(void *arg)
{
	(void)arg;
	thread_tid = gettid();
	while (!thread_go)
		msleep(1);
	return NULL;
}

static void check_nice(void)
{
	say("getpriority self: %s", prio(raw_getpriority(PRIO_PROCESS, 0)));
	const char *r = res(setpriority(PRIO_PROCESS, 0, 5));
	say("setpriority 5: %s; now %s", r, prio(raw_getpriority(PRIO_PROCESS, 0)));
	r = res(setpriority(PRIO_PROCESS, 0, 100));
	say("setpriority 100 (clamped): %s; now %s", r, prio(raw_getpriority(PRIO_PROCESS, 0)));
	r = res(setpriority(PRIO_PROCESS, 0, -100));
	say("setpriority -100 as root (clamped): %s; now %s", r, prio(raw_getpriority(PRIO_PROCESS, 0)));
	setpriority(PRIO_PROCESS, 0, 0);
	say("getpriority by our pid: %s", prio(raw_getpriority(PRIO_PROCESS, getpid())));
	say("getpriority bad which: %s", prio(raw_getpriority(7, 0)));
	say("setpriority bad which: %s", res(setpriority(7, 0, 1)));
	say("getpriority no such pid: %s", prio(raw_getpriority(PRIO_PROCESS, 99999)));
	say("setpriority no such pid: %s", res(setpriority(PRIO_PROCESS, 99999, 1)));

	/* Nice is per thread: set through the thread's tid, seen there and not in main. */
	pthread_t th;
	thread_tid = 0;
	thread_go = 0;
	pthread_create(&th, NULL, idle_thread, NULL);
	while (!thread_tid)
		msleep(1);
	r = res(setpriority(PRIO_PROCESS, thread_tid, 7));
	const char *seen = prio(raw_getpriority(PRIO_PROCESS, thread_tid));
	say("setpriority on a thread's tid: %s; the thread %s, main %s", r, seen,
	    prio(raw_getpriority(PRIO_PROCESS, 0)));
	/* A process group's priority is its best thread's. */
	say("getpriority of our group: %s", prio(raw_getpriority(PRIO_PGRP, 0)));
	thread_go = 1;
	pthread_join(th, NULL);

	/* Children inherit it. */
	setpriority(PRIO_PROCESS, 0, 3);
	int p[2];
	pipe(p);
	pid_t c = xfork();
	if (c == 0) {
		write_int(p[1], (int)raw_getpriority(PRIO_PROCESS, 0));
		_exit(0);
	}
	say("a child inherits nice 3: %s", prio(read_int(p[0])));
	wait_status(c);

	/* A group: our own, in which the child sits too. */
	c = xfork();
	if (c == 0) {
		setpgid(0, 0);
		write_int(p[1], 0);
		for (;;)
			pause();
	}
	read_int(p[0]);
	setpgid(c, c);
	r = res(setpriority(PRIO_PGRP, c, 9));
	say("setpriority PRIO_PGRP of the child's group to 9: %s; the child %s", r,
	    prio(raw_getpriority(PRIO_PROCESS, c)));
	say("getpriority PRIO_PGRP of a group that does not exist: %s", prio(raw_getpriority(PRIO_PGRP, 99999)));
	kill(c, SIGKILL);
	wait_status(c);

	/* A user: uid 1000 owns no process yet; then one. */
	say("getpriority PRIO_USER 1000, no process: %s", prio(raw_getpriority(PRIO_USER, 1000)));
	c = xfork();
	if (c == 0) {
		setuid(1000);
		write_int(p[1], 0);
		for (;;)
			pause();
	}
	read_int(p[0]);
	r = res(setpriority(PRIO_USER, 1000, 11));
	say("setpriority PRIO_USER 1000 to 11: %s; that process %s", r, prio(raw_getpriority(PRIO_PROCESS, c)));
	say("getpriority PRIO_USER 1000: %s", prio(raw_getpriority(PRIO_USER, 1000)));
	kill(c, SIGKILL);
	wait_status(c);
	close(p[0]);
	close(p[1]);
	setpriority(PRIO_PROCESS, 0, 0);
}

static void user_nice(void)
{
	say("uid 1000: raise own nice to 4: %s", res(setpriority(PRIO_PROCESS, 0, 4)));
	say("uid 1000: lower it to 2: %s", res(setpriority(PRIO_PROCESS, 0, 2)));
	say("uid 1000: change pid 1's: %s", res(setpriority(PRIO_PROCESS, 1, 10)));
	say("uid 1000: read pid 1's: %s", prio(raw_getpriority(PRIO_PROCESS, 1)));
}

static void user_nice_rlimit(void)
{
	setpriority(PRIO_PROCESS, 0, 10);
	const char *to2 = res(setpriority(PRIO_PROCESS, 0, 2));
	const char *to5 = res(setpriority(PRIO_PROCESS, 0, -5));
	say("uid 1000, RLIMIT_NICE 25 (nice -5): to 2: %s; to -5: %s; to -6: %s", to2, to5,
	    res(setpriority(PRIO_PROCESS, 0, -6)));
}

/* Root raises a hard limit: natively that needs CAP_SYS_RESOURCE, which root may lack (the
   "rlimits" mode runs in the sandbox only). */
static void check_nice_rlimit(void)
{
	struct rlimit old, rl = { 25, 25 };
	getrlimit(RLIMIT_NICE, &old);
	say("setrlimit RLIMIT_NICE 25: %s", res(setrlimit(RLIMIT_NICE, &rl)));
	as_user(user_nice_rlimit);
	setrlimit(RLIMIT_NICE, &old);
}

static void check_policies(void)
{
	struct sched_param sp = { 0 };
	say("sched_getscheduler self: %s", policy_name(sched_getscheduler(0)));
	const char *r = res(sched_getparam(0, &sp));
	say("sched_getparam self: %s, priority %d", r, sp.sched_priority);
	for (int pol = 0; pol <= 7; pol++) {
		int max = sched_get_priority_max(pol);
		const char *max_r = res(max);
		int min = sched_get_priority_min(pol);
		say("priority range of policy %d: max %d (%s), min %d (%s)", pol, max, max_r, min, res(min));
	}
	static const struct {
		const char *name;
		int policy, priority;
	} changes[] = { { "SCHED_BATCH", SCHED_BATCH, 0 }, { "SCHED_IDLE", SCHED_IDLE, 0 },
			{ "SCHED_FIFO 10 as root", SCHED_FIFO, 10 } };
	for (unsigned i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
		r = res(set_policy(0, changes[i].policy, changes[i].priority));
		say("%s: %s; now %s", changes[i].name, r, policy_name(sched_getscheduler(0)));
	}
	sp.sched_priority = -1;
	r = res(sched_getparam(0, &sp));
	say("sched_getparam: %s, priority %d", r, sp.sched_priority);
	struct timespec ts = { 7, 7 };
	r = res(sched_rr_get_interval(0, &ts));
	say("sched_rr_get_interval under FIFO: %s, %ld.%09ld", r, (long)ts.tv_sec, ts.tv_nsec);
	sp.sched_priority = 20;
	r = res(sched_setparam(0, &sp));
	sched_getparam(0, &sp);
	say("sched_setparam 20: %s; priority now %d", r, sp.sched_priority);
	r = res(set_policy(0, SCHED_RR, 5));
	say("SCHED_RR 5: %s; now %s", r, policy_name(sched_getscheduler(0)));
	r = res(sched_rr_get_interval(0, &ts));
	say("sched_rr_get_interval under RR: %s, %ld.%09ld", r, (long)ts.tv_sec, ts.tv_nsec);
	say("SCHED_FIFO priority 0: %s", res(set_policy(0, SCHED_FIFO, 0)));
	say("SCHED_FIFO priority 100: %s", res(set_policy(0, SCHED_FIFO, 100)));
	say("SCHED_OTHER priority 5: %s", res(set_policy(0, SCHED_OTHER, 5)));
	say("policy 4: %s", res(set_policy(0, 4, 0)));
	say("policy 42: %s", res(set_policy(0, 42, 0)));
	say("policy -1: %s", res(syscall(SYS_sched_setscheduler, 0, -1, &sp)));
	say("pid -1: %s", res(set_policy(-1, SCHED_OTHER, 0)));
	say("no such pid: %s", res(set_policy(99999, SCHED_OTHER, 0)));
	say("NULL param: %s", res(syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, NULL)));
	say("bad param pointer: %s", res(syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, (void *)8)));
	say("sched_getparam NULL: %s", res(syscall(SYS_sched_getparam, 0, NULL)));
	say("sched_getparam bad pointer: %s", res(syscall(SYS_sched_getparam, 0, (void *)8)));
	r = policy_name(sched_getscheduler(-1));
	say("sched_getscheduler -1: %s; no such pid: %s", r, policy_name(sched_getscheduler(99999)));

	/* SCHED_RESET_ON_FORK: the child starts as SCHED_OTHER without the flag. */
	r = res(set_policy(0, SCHED_FIFO | SCHED_RESET_ON_FORK, 3));
	say("SCHED_FIFO|RESET_ON_FORK 3: %s; now %s", r, policy_name(sched_getscheduler(0)));
	int p[2];
	pipe(p);
	pid_t c = xfork();
	if (c == 0) {
		write_int(p[1], sched_getscheduler(0));
		_exit(0);
	}
	say("its child: %s", policy_name(read_int(p[0])));
	wait_status(c);
	/* Without the flag, a child keeps the real-time policy. */
	set_policy(0, SCHED_RR, 4);
	c = xfork();
	if (c == 0) {
		struct sched_param cp;
		sched_getparam(0, &cp);
		write_int(p[1], sched_getscheduler(0));
		write_int(p[1], cp.sched_priority);
		_exit(0);
	}
	int cpol = read_int(p[0]);
	int cprio = read_int(p[0]);
	say("a child of SCHED_RR 4: %s %d", policy_name(cpol), cprio);
	wait_status(c);
	/* A thread has its own policy. */
	pthread_t th;
	thread_tid = 0;
	thread_go = 0;
	pthread_create(&th, NULL, idle_thread, NULL);
	while (!thread_tid)
		msleep(1);
	r = res(set_policy(thread_tid, SCHED_BATCH, 0));
	say("SCHED_BATCH on a thread: %s; the thread %s", r, policy_name(sched_getscheduler(thread_tid)));
	say("main still: %s", policy_name(sched_getscheduler(0)));
	thread_go = 1;
	pthread_join(th, NULL);
	say("back to SCHED_OTHER: %s", res(set_policy(0, SCHED_OTHER, 0)));
	close(p[0]);
	close(p[1]);
}

static void user_policies(void)
{
	say("uid 1000: SCHED_BATCH: %s", res(set_policy(0, SCHED_BATCH, 0)));
	say("uid 1000: SCHED_FIFO 1: %s", res(set_policy(0, SCHED_FIFO, 1)));
	say("uid 1000: SCHED_OTHER for pid 1: %s", res(set_policy(1, SCHED_OTHER, 0)));
	const char *r = res(set_policy(0, SCHED_IDLE, 0));
	say("uid 1000: SCHED_IDLE: %s; back to SCHED_OTHER: %s", r, res(set_policy(0, SCHED_OTHER, 0)));
	r = res(set_policy(0, SCHED_BATCH | SCHED_RESET_ON_FORK, 0));
	say("uid 1000: BATCH|RESET_ON_FORK: %s; drop the flag: %s", r, res(set_policy(0, SCHED_BATCH, 0)));
}

static void user_policies_rtprio(void)
{
	const char *fifo5 = res(set_policy(0, SCHED_FIFO, 5));
	const char *fifo6 = res(set_policy(0, SCHED_FIFO, 6));
	say("uid 1000, RLIMIT_RTPRIO 5: SCHED_FIFO 5: %s; 6: %s; RR 5: %s", fifo5, fifo6,
	    res(set_policy(0, SCHED_RR, 5)));
}

static void check_policy_rlimit(void)
{
	struct rlimit old, rl = { 5, 5 };
	getrlimit(RLIMIT_RTPRIO, &old);
	say("setrlimit RLIMIT_RTPRIO 5: %s", res(setrlimit(RLIMIT_RTPRIO, &rl)));
	as_user(user_policies_rtprio);
	setrlimit(RLIMIT_RTPRIO, &old);
}

static long ioprio_get(int which, int who)
{
	return syscall(SYS_ioprio_get, which, who);
}

static long ioprio_set(int which, int who, int ioprio)
{
	return syscall(SYS_ioprio_set, which, who, ioprio);
}

static const char *ioprio_str(long r)
{
	char *b = say_buffer();
	if (r < 0)
		snprintf(b, SAY_BUFFER_SIZE, "%s", en(errno));
	else
		snprintf(b, SAY_BUFFER_SIZE, "class %ld data %ld", IOPRIO_PRIO_CLASS(r), IOPRIO_PRIO_DATA(r));
	return b;
}

static void check_ioprio(void)
{
	say("ioprio_get self: %s", ioprio_str(ioprio_get(IOPRIO_WHO_PROCESS, 0)));
	static const int sets[][2] = { { IOPRIO_CLASS_BE, 3 },	 { IOPRIO_CLASS_BE, 0x3f }, { IOPRIO_CLASS_IDLE, 0 },
				       { IOPRIO_CLASS_RT, 2 },	 { IOPRIO_CLASS_NONE, 1 },  { IOPRIO_CLASS_NONE, 8 },
				       { 4, 0 },		 { 7, 0 },		    { IOPRIO_CLASS_NONE, 0 } };
	for (unsigned i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		const char *r = res(ioprio_set(IOPRIO_WHO_PROCESS, 0, IOPRIO_PRIO_VALUE(sets[i][0], sets[i][1])));
		say("ioprio_set class %d data 0x%x: %s; now %s", sets[i][0], sets[i][1], r,
		    ioprio_str(ioprio_get(IOPRIO_WHO_PROCESS, 0)));
	}
	const char *bad = ioprio_str(ioprio_get(0, 0));
	say("ioprio_get bad which: %s; no such pid: %s", bad, ioprio_str(ioprio_get(IOPRIO_WHO_PROCESS, 99999)));
	ioprio_set(IOPRIO_WHO_PROCESS, 0, IOPRIO_PRIO_VALUE(IOPRIO_CLASS_BE, 6));
	int p[2];
	pipe(p);
	pid_t c = xfork();
	if (c == 0) {
		write_int(p[1], (int)ioprio_get(IOPRIO_WHO_PROCESS, 0));
		setpgid(0, 0);
		ioprio_set(IOPRIO_WHO_PROCESS, 0, IOPRIO_PRIO_VALUE(IOPRIO_CLASS_BE, 1));
		write_int(p[1], 0);
		for (;;)
			pause();
	}
	say("a child inherits it: %s", ioprio_str(read_int(p[0])));
	read_int(p[0]);
	setpgid(c, c);
	say("ioprio_get of the child's group: %s", ioprio_str(ioprio_get(IOPRIO_WHO_PGRP, c)));
	const char *r = res(ioprio_set(IOPRIO_WHO_PGRP, c, IOPRIO_PRIO_VALUE(IOPRIO_CLASS_IDLE, 0)));
	say("ioprio_set of the child's group to IDLE: %s; the child %s", r,
	    ioprio_str(ioprio_get(IOPRIO_WHO_PROCESS, c)));
	kill(c, SIGKILL);
	wait_status(c);
	close(p[0]);
	close(p[1]);
	ioprio_set(IOPRIO_WHO_PROCESS, 0, 0);
}

static void user_ioprio(void)
{
	const char *rt = res(ioprio_set(IOPRIO_WHO_PROCESS, 0, IOPRIO_PRIO_VALUE(IOPRIO_CLASS_RT, 0)));
	const char *be = res(ioprio_set(IOPRIO_WHO_PROCESS, 0, IOPRIO_PRIO_VALUE(IOPRIO_CLASS_BE, 2)));
	say("uid 1000: ioprio RT: %s; BE 2: %s; pid 1's: %s", rt, be,
	    res(ioprio_set(IOPRIO_WHO_PROCESS, 1, IOPRIO_PRIO_VALUE(IOPRIO_CLASS_BE, 2))));
}

static void check_affinity(void)
{
	cpu_set_t set, one;
	CPU_ZERO(&set);
	const char *r = res(sched_getaffinity(0, sizeof(set), &set));
	say("sched_getaffinity self: %s, CPU 0 in it: %s", r, yesno(CPU_ISSET(0, &set)));
	int ncpu = CPU_COUNT(&set);
	r = res(sched_getaffinity(getpid(), sizeof(set), &set));
	say("sched_getaffinity by pid: %s, same count: %s", r, yesno(CPU_COUNT(&set) == ncpu));
	long n = syscall(SYS_sched_getaffinity, 0, sizeof(set), &set);
	say("raw sched_getaffinity returns the mask size: %s", yesno(n > 0 && n <= (long)sizeof(set)));
	r = res(sched_getaffinity(99999, sizeof(set), &set));
	say("sched_getaffinity no such pid: %s; bad buffer: %s", r,
	    res(syscall(SYS_sched_getaffinity, 0, sizeof(set), (void *)8)));

	pthread_t th;
	thread_tid = 0;
	thread_go = 0;
	pthread_create(&th, NULL, idle_thread, NULL);
	while (!thread_tid)
		msleep(1);
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	say("sched_setaffinity of a thread to CPU 0: %s", res(sched_setaffinity(thread_tid, sizeof(one), &one)));
	sched_getaffinity(thread_tid, sizeof(set), &set);
	say("the thread's mask: %d CPU(s), CPU 0: %s", CPU_COUNT(&set), yesno(CPU_ISSET(0, &set)));
	sched_getaffinity(0, sizeof(set), &set);
	say("main's mask unchanged: %s", yesno(CPU_COUNT(&set) == ncpu));
	thread_go = 1;
	pthread_join(th, NULL);

	int p[2];
	pipe(p);
	pid_t c = xfork();
	if (c == 0) {
		write_int(p[1], 0);
		for (;;)
			pause();
	}
	read_int(p[0]);
	say("sched_setaffinity of a child: %s", res(sched_setaffinity(c, sizeof(one), &one)));
	sched_getaffinity(c, sizeof(set), &set);
	say("the child's mask: %d CPU(s)", CPU_COUNT(&set));
	kill(c, SIGKILL);
	wait_status(c);
	close(p[0]);
	close(p[1]);
}

static void user_affinity(void)
{
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	const char *r = res(sched_setaffinity(1, sizeof(one), &one));
	say("uid 1000: sched_setaffinity of pid 1: %s; own: %s", r, res(sched_setaffinity(0, sizeof(one), &one)));
	cpu_set_t set;
	say("uid 1000: sched_getaffinity of pid 1: %s", res(sched_getaffinity(1, sizeof(set), &set)));
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "rlimits")) {
		check_nice_rlimit();
		check_policy_rlimit();
		return 0;
	}
	check_nice();
	as_user(user_nice);
	check_policies();
	as_user(user_policies);
	check_ioprio();
	as_user(user_ioprio);
	check_affinity();
	as_user(user_affinity);
	say("done");
	return 0;
}
