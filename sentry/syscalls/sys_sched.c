/* Scheduling: nice values, policies, I/O priorities and CPU affinity. The host schedules
   every guest thread as an ordinary SCHED_OTHER thread; nice values, policies and I/O
   priorities are the sentry's record, kept and checked as Linux does
   (kernel/sched/syscalls.c, block/ioprio.c), so that programs that set and read them (nice,
   renice, chrt, ionice) see what they would natively. Affinity is the host's. */
#define _GNU_SOURCE
#include "sentry/syscalls/syscalls.h"
#include "sentry/kernel.h"
#include "sentry/task/task.h"
#include "sentry/mm/guest_mem.h"

#include <errno.h>
#include <linux/ioprio.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define NICE_MIN (-20)
#define NICE_MAX 19
#define RT_PRIORITY_MAX 99
#define RR_TIMESLICE_NS 100000000L	/* sched_rr_timeslice_ms's default */

#ifndef SCHED_EXT
#define SCHED_EXT 7	/* Linux 6.12: a BPF scheduler's class; the fair class without one */
#endif

static bool rt_policy(int policy)
{
	return policy == SCHED_FIFO || policy == SCHED_RR;
}

/* The policies a thread may be given (SCHED_DEADLINE, sched_setattr's only, is not
   offered). */
static bool settable_policy(int policy)
{
	return policy == SCHED_OTHER || policy == SCHED_BATCH || policy == SCHED_IDLE ||
	       policy == SCHED_EXT || rt_policy(policy);
}

/* Is the caller, t, the owner of target for scheduling purposes, or does it hold
   CAP_SYS_NICE (set_one_prio_perm, check_same_owner)? */
static bool may_change(struct task *t, struct task *target)
{
	const struct creds *c = task_creds(t), *tc = task_creds(target);
	return creds_capable(c, CAP_SYS_NICE) || tc->ruid == c->euid || tc->euid == c->euid;
}

/* May t give target a nice value of nice, lower than its current one (can_nice)? */
static bool may_lower_nice(struct task *t, struct task *target, int nice)
{
	return task_capable(t, CAP_SYS_NICE) ||
	       (rlim_t)(20 - nice) <= target->tg->rlimits[RLIMIT_NICE].rlim_cur;
}

/* pid 0 is the caller; otherwise any thread's tid (find_process_by_pid). */
static struct task *sched_target(struct task *t, pid_t pid)
{
	return pid == 0 ? t : task_by_tid(pid);
}

/* The target of the sched_* calls that take a pid: EINVAL for a negative one. */
static long sched_lookup(struct task *t, pid_t pid, struct task **out)
{
	if (pid < 0)
		return -EINVAL;
	*out = sched_target(t, pid);
	return *out ? 0 : -ESRCH;
}

/* Calls fn for each thread that which/who names (getpriority(2); ioprio_set(2)'s
   IOPRIO_WHO_* are PRIO_* + 1); -ESRCH when none, -EINVAL for a bad which. fn returns the
   new accumulated result. */
typedef long (*prio_fn)(struct task *t, struct task *target, long acc, void *arg);

static long for_each_prio_target(struct task *t, int which, int who, prio_fn fn, void *arg)
{
	long acc = -ESRCH;
	switch (which) {
	case PRIO_PROCESS: {
		struct task *target = sched_target(t, who);
		return target ? fn(t, target, acc, arg) : acc;
	}
	case PRIO_PGRP: {
		pid_t pgid = who ? who : t->tg->pgid;
		for (struct thread_group *tg = thread_group_first(); tg; tg = thread_group_next(tg)) {
			if (tg->pgid != pgid || tg->exited)
				continue;
			for (struct task *th = tg->threads; th; th = th->group_next)
				acc = fn(t, th, acc, arg);
		}
		return acc;
	}
	case PRIO_USER: {
		uid_t uid = who ? (uid_t)who : task_creds(t)->ruid;
		for (struct thread_group *tg = thread_group_first(); tg; tg = thread_group_next(tg)) {
			if (tg->creds.ruid != uid || tg->exited)
				continue;
			for (struct task *th = tg->threads; th; th = th->group_next)
				acc = fn(t, th, acc, arg);
		}
		return acc;
	}
	default:
		return -EINVAL;
	}
}

/* The raw syscall answers 20 - nice (1..40) for the highest priority among the targets. */
static long get_one_prio(struct task *t, struct task *target, long acc, void *arg)
{
	(void)t;
	(void)arg;
	long v = 20 - target->sched.nice;
	return v > acc ? v : acc;
}

SYSCALL(getpriority)
{
	return for_each_prio_target(t, (int)ev->args[0], (int)ev->args[1], get_one_prio, NULL);
}

/* An error for one target is the answer unless a later one succeeds... as set_one_prio:
   the last error wins, and the first success turns ESRCH into 0. */
static long set_one_prio(struct task *t, struct task *target, long acc, void *arg)
{
	int nice = *(int *)arg;
	if (!may_change(t, target))
		return -EPERM;
	if (nice < target->sched.nice && !may_lower_nice(t, target, nice))
		return -EACCES;
	target->sched.nice = nice;
	return acc == -ESRCH ? 0 : acc;
}

SYSCALL(setpriority)
{
	int nice = (int)ev->args[2];
	if (nice < NICE_MIN)
		nice = NICE_MIN;
	if (nice > NICE_MAX)
		nice = NICE_MAX;
	return for_each_prio_target(t, (int)ev->args[0], (int)ev->args[1], set_one_prio, &nice);
}

SYSCALL(sched_getscheduler)
{
	struct task *target;
	long r = sched_lookup(t, (pid_t)ev->args[0], &target);
	if (r < 0)
		return r;
	return target->sched.policy | (target->sched.reset_on_fork ? SCHED_RESET_ON_FORK : 0);
}

SYSCALL(sched_getparam)
{
	struct task *target;
	if (!ev->args[1])
		return -EINVAL;
	long r = sched_lookup(t, (pid_t)ev->args[0], &target);
	if (r < 0)
		return r;
	struct sched_param param = { .sched_priority = target->sched.rt_priority };
	return guest_write(t, ev->args[1], &param, sizeof(param));
}

static long sched_apply(struct task *t, struct task *target, int policy, int priority, bool reset_on_fork);

/* policy -1 keeps the current one (sched_setparam). Linux's order of checks: arguments,
   then the target, then the policy and priority, then permission. */
static long set_scheduler(struct task *t, pid_t pid, int policy, uint64_t uparam)
{
	struct sched_param param;
	struct task *target;
	if (pid < 0 || !uparam)
		return -EINVAL;
	long r = guest_read(t, uparam, &param, sizeof(param));
	if (r < 0)
		return r;
	r = sched_lookup(t, pid, &target);
	if (r < 0)
		return r;

	bool reset_on_fork = target->sched.reset_on_fork;
	if (policy < 0) {
		policy = target->sched.policy;
	} else {
		reset_on_fork = (policy & SCHED_RESET_ON_FORK) != 0;
		policy &= ~SCHED_RESET_ON_FORK;
		if (!settable_policy(policy))
			return -EINVAL;
	}
	return sched_apply(t, target, policy, param.sched_priority, reset_on_fork);
}

/* A policy and real-time priority for target, checked as Linux does (__sched_setscheduler). */
static long sched_apply(struct task *t, struct task *target, int policy, int priority, bool reset_on_fork)
{
	if (priority < 0 || priority > RT_PRIORITY_MAX || rt_policy(policy) != (priority != 0))
		return -EINVAL;

	if (!task_capable(t, CAP_SYS_NICE)) {
		rlim_t rtprio = target->tg->rlimits[RLIMIT_RTPRIO].rlim_cur;
		if (rt_policy(policy)) {
			if (policy != target->sched.policy && !rtprio)
				return -EPERM;
			if (priority > target->sched.rt_priority && (rlim_t)priority > rtprio)
				return -EPERM;
		}
		/* Leaving SCHED_IDLE needs the right to the nice value it has. */
		if (target->sched.policy == SCHED_IDLE && policy != SCHED_IDLE &&
		    !may_lower_nice(t, target, target->sched.nice))
			return -EPERM;
		if (!may_change(t, target))
			return -EPERM;
		if (target->sched.reset_on_fork && !reset_on_fork)
			return -EPERM;
	}
	target->sched.policy = policy;
	target->sched.rt_priority = priority;
	target->sched.reset_on_fork = reset_on_fork;
	return 0;
}

SYSCALL(sched_setscheduler)
{
	int policy = (int)ev->args[1];
	if (policy < 0)
		return -EINVAL;
	return set_scheduler(t, (pid_t)ev->args[0], policy, ev->args[2]);
}

SYSCALL(sched_setparam)
{
	return set_scheduler(t, (pid_t)ev->args[0], -1, ev->args[1]);
}

static long priority_bound(int policy, long rt_bound)
{
	if (rt_policy(policy))
		return rt_bound;
	return settable_policy(policy) || policy == SCHED_DEADLINE ? 0 : -EINVAL;
}

SYSCALL(sched_get_priority_max)
{
	(void)t;
	return priority_bound((int)ev->args[0], RT_PRIORITY_MAX);
}

SYSCALL(sched_get_priority_min)
{
	(void)t;
	return priority_bound((int)ev->args[0], 1);
}

/* SCHED_RR's time slice is fixed; SCHED_FIFO has none; an ordinary thread's is the host's
   (the sentry's own thread is one too). */
SYSCALL(sched_rr_get_interval)
{
	struct task *target;
	long r = sched_lookup(t, (pid_t)ev->args[0], &target);
	if (r < 0)
		return r;
	struct timespec ts = { 0, 0 };
	if (target->sched.policy == SCHED_RR)
		ts.tv_nsec = RR_TIMESLICE_NS;
	else if (target->sched.policy != SCHED_FIFO && sched_rr_get_interval(0, &ts) < 0)
		return -errno;
	return guest_write(t, ev->args[1], &ts, sizeof(ts));
}

/* Affinity is the host's: the syscall runs there (through the tracer, which can rewrite a
   register) on the target's host tid. Anyone may read a thread's affinity; changing it
   needs the target's owner or privilege. */
static long affinity_rewrite(struct task *t, struct syscall_event *ev, bool change)
{
	pid_t pid = (pid_t)ev->args[0];
	if (pid < 0)
		return -ESRCH;
	struct task *target = sched_target(t, pid);
	if (!target)
		return -ESRCH;
	if (change && !may_change(t, target))
		return -EPERM;
	if (!ev->via_tracer)
		return -ENOSYS;
	ev->rewrite_nr = ev->nr;
	ev->args[0] = (uint64_t)target->host_tid;
	return SYSCALL_REWRITE;
}

SYSCALL(sched_getaffinity)
{
	return affinity_rewrite(t, ev, false);
}

SYSCALL(sched_setaffinity)
{
	return affinity_rewrite(t, ev, true);
}

/* I/O priorities: IOPRIO_WHO_PROCESS, _PGRP and _USER name threads as PRIO_* do. */
static long get_one_ioprio(struct task *t, struct task *target, long acc, void *arg)
{
	(void)t;
	(void)arg;
	long v = target->sched.ioprio;
	if (acc == -ESRCH)
		return v;
	/* ioprio_best: the lower value, a thread with none counting as best-effort level 4. */
	long dflt = IOPRIO_PRIO_VALUE(IOPRIO_CLASS_BE, IOPRIO_BE_NORM);
	long a = IOPRIO_PRIO_CLASS(acc) == IOPRIO_CLASS_NONE ? dflt : acc;
	long b = IOPRIO_PRIO_CLASS(v) == IOPRIO_CLASS_NONE ? dflt : v;
	return a < b ? a : b;
}

SYSCALL(ioprio_get)
{
	int which = (int)ev->args[0];
	if (which < IOPRIO_WHO_PROCESS || which > IOPRIO_WHO_USER)
		return -EINVAL;
	return for_each_prio_target(t, which - 1, (int)ev->args[1], get_one_ioprio, NULL);
}

/* set_task_ioprio's check: the owner by real or effective uid, or CAP_SYS_NICE. */
static long set_one_ioprio(struct task *t, struct task *target, long acc, void *arg)
{
	const struct creds *c = task_creds(t), *tc = task_creds(target);
	if (!creds_capable(c, CAP_SYS_NICE) && tc->ruid != c->euid && tc->ruid != c->ruid)
		return -EPERM;
	target->sched.ioprio = *(int *)arg;
	return acc == -ESRCH ? 0 : acc;
}

SYSCALL(ioprio_set)
{
	int which = (int)ev->args[0];
	int ioprio = (int)ev->args[2];
	/* The data's low 3 bits are the level (0..7, so never too high); the others are hints,
	   which Linux takes as they are. */
	int level = IOPRIO_PRIO_DATA(ioprio) & 0x7;

	switch (IOPRIO_PRIO_CLASS(ioprio)) {
	case IOPRIO_CLASS_RT:
		if (!task_capable(t, CAP_SYS_NICE) && !task_capable(t, CAP_SYS_ADMIN))
			return -EPERM;
		break;
	case IOPRIO_CLASS_BE:
	case IOPRIO_CLASS_IDLE:
		break;
	case IOPRIO_CLASS_NONE:
		if (level)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	if (which < IOPRIO_WHO_PROCESS || which > IOPRIO_WHO_USER)
		return -EINVAL;
	return for_each_prio_target(t, which - 1, (int)ev->args[1], set_one_ioprio, &ioprio);
}

/* struct sched_attr as Linux 4.13+ has it (SCHED_ATTR_SIZE_VER1); the utilization clamps
   are the defaults (no clamping). */
struct sched_attr_v1 {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
	uint32_t sched_util_min, sched_util_max;
};
#define SCHED_ATTR_SIZE_VER0 48
#define SCHED_ATTR_SIZE_MAX 4096
#define SCHED_FLAG_RESET_ON_FORK 0x01
#define SCHED_FLAG_KEEP_POLICY 0x08
#define SCHED_FLAG_KEEP_PARAMS 0x10
#define SCHED_UTIL_MAX 1024

SYSCALL(sched_getattr)
{
	uint64_t uattr = ev->args[1];
	uint32_t usize = (uint32_t)ev->args[2];
	if (!uattr || (int)ev->args[0] < 0 || ev->args[3] || usize < SCHED_ATTR_SIZE_VER0 ||
	    usize > SCHED_ATTR_SIZE_MAX)
		return -EINVAL;
	struct task *target;
	long r = sched_lookup(t, (pid_t)ev->args[0], &target);
	if (r < 0)
		return r;
	struct sched_attr_v1 a = {
		.sched_policy = (uint32_t)target->sched.policy,
		.sched_flags = target->sched.reset_on_fork ? SCHED_FLAG_RESET_ON_FORK : 0,
		.sched_util_max = SCHED_UTIL_MAX,
	};
	if (rt_policy(target->sched.policy))
		a.sched_priority = (uint32_t)target->sched.rt_priority;
	else
		a.sched_nice = target->sched.nice;
	/* The caller gets min(its size, ours); a larger buffer's tail is zeroed. */
	a.size = usize < sizeof(a) ? usize : (uint32_t)sizeof(a);
	char buf[SCHED_ATTR_SIZE_MAX] = { 0 };
	memcpy(buf, &a, a.size);
	return guest_write(t, uattr, buf, usize);
}

/* A size the kernel does not take (or a larger one with more than zeros): the caller is
   told the size it would take. */
static long sched_attr_too_big(struct task *t, uint64_t uattr)
{
	uint32_t ours = sizeof(struct sched_attr_v1);
	guest_write(t, uattr, &ours, sizeof(ours));
	return -E2BIG;
}

/* Policy and priority as sched_setscheduler, the nice value of a fair policy as
   setpriority; SCHED_DEADLINE is not offered (EINVAL, as a kernel without it). */
SYSCALL(sched_setattr)
{
	uint64_t uattr = ev->args[1];
	if (!uattr || (int)ev->args[0] < 0 || ev->args[2])
		return -EINVAL;
	uint32_t size;
	long r = guest_read(t, uattr, &size, sizeof(size));
	if (r < 0)
		return r;
	if (size == 0)
		size = SCHED_ATTR_SIZE_VER0;
	struct sched_attr_v1 a = { 0 };
	if (size < SCHED_ATTR_SIZE_VER0 || size > SCHED_ATTR_SIZE_MAX)
		return sched_attr_too_big(t, uattr);
	char buf[SCHED_ATTR_SIZE_MAX];
	r = guest_read(t, uattr, buf, size);
	if (r < 0)
		return r;
	for (uint32_t i = sizeof(a); i < size; i++)
		if (buf[i])
			return sched_attr_too_big(t, uattr);
	memcpy(&a, buf, size < sizeof(a) ? size : sizeof(a));
	if (a.sched_flags & ~(uint64_t)(SCHED_FLAG_RESET_ON_FORK | SCHED_FLAG_KEEP_POLICY |
					SCHED_FLAG_KEEP_PARAMS))
		return -EINVAL;
	struct task *target;
	r = sched_lookup(t, (pid_t)ev->args[0], &target);
	if (r < 0)
		return r;
	int policy = (a.sched_flags & SCHED_FLAG_KEEP_POLICY) ? target->sched.policy : (int)a.sched_policy;
	if (!settable_policy(policy))
		return -EINVAL;
	if (a.sched_flags & SCHED_FLAG_KEEP_PARAMS)
		a.sched_priority = (uint32_t)target->sched.rt_priority;
	bool set_nice = !rt_policy(policy) && !(a.sched_flags & SCHED_FLAG_KEEP_PARAMS);
	int nice = a.sched_nice < NICE_MIN ? NICE_MIN : a.sched_nice > NICE_MAX ? NICE_MAX : a.sched_nice;
	if (set_nice && nice < target->sched.nice && !may_lower_nice(t, target, nice))
		return -EPERM;
	if (a.sched_priority > RT_PRIORITY_MAX)
		return -EINVAL;
	r = sched_apply(t, target, policy, (int)a.sched_priority,
			(a.sched_flags & SCHED_FLAG_RESET_ON_FORK) != 0);
	if (r == 0 && set_nice)
		target->sched.nice = nice;
	return r;
}
