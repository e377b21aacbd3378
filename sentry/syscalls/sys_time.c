/* Clocks and POSIX timers. The host answers for every clock but one that names a process
   or thread by pid (a CPU-time clock, clock_getcpuclockid): the guest's pid is a virtual
   one, and passed on as it is it would name a host process (and tell the guest which host
   pids exist). The sentry reads a process's such clock itself, on the host pid; a thread's
   is read by the guest thread on the host, with the tid rewritten. Timers are the host's
   (per process, like their ids); timer_create goes through the tracer so that a clock or a
   thread (SIGEV_THREAD_ID) named by virtual id is named by host id instead. */
#define _GNU_SOURCE
#include "sentry/syscalls/syscalls.h"
#include "sentry/kernel.h"
#include "sentry/task/task.h"
#include "sentry/mm/guest_mem.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#define CPUCLOCK_PERTHREAD 4
#define CPUCLOCK_FD 3		/* a dynamic clock named by an fd, not a pid */

enum clock_kind { CLOCK_AS_NAMED, CLOCK_OF_PROCESS, CLOCK_OF_THREAD };

/* What a guest's clock id names: CLOCK_AS_NAMED, a clock the host may use as the guest
   named it; CLOCK_OF_PROCESS or CLOCK_OF_THREAD, a CPU clock, with *host set to the same
   clock of the host ids; -EINVAL for a pid that names no process, or a tid that names no
   thread of t's process (only its own process may use a thread's clock, as on Linux). */
static int guest_clock(struct task *t, clockid_t clock, clockid_t *host)
{
	if (clock >= 0 || (clock & 3) == CPUCLOCK_FD)
		return CLOCK_AS_NAMED;
	pid_t pid = (pid_t)~(clock >> 3), host_id;
	if (pid == 0)
		return CLOCK_AS_NAMED;
	if (clock & CPUCLOCK_PERTHREAD) {
		struct task *target = task_by_tid(pid);
		if (!target || target->tg != t->tg)
			return -EINVAL;
		host_id = target->host_tid;
	} else {
		struct thread_group *tg = thread_group_by_pid(pid);
		if (!tg || tg->exited)
			return -EINVAL;
		host_id = tg->host_pid;
	}
	*host = (clockid_t)((~(unsigned)host_id << 3) | ((unsigned)clock & 7));
	return clock & CPUCLOCK_PERTHREAD ? CLOCK_OF_THREAD : CLOCK_OF_PROCESS;
}

/* A thread's clock is read by the guest thread itself, on the host, with the host tid (the
   guest filter sends these through the tracer). */
static long rewrite_clock(struct syscall_event *ev, clockid_t host)
{
	if (!ev->via_tracer)
		return -EINVAL;
	ev->rewrite_nr = ev->nr;
	ev->args[0] = (uint64_t)(int64_t)host;
	return SYSCALL_REWRITE;
}

SYSCALL(clock_gettime)
{
	clockid_t clock;
	int r = guest_clock(t, (clockid_t)ev->args[0], &clock);
	if (r < 0)
		return r;
	if (r == CLOCK_AS_NAMED)
		return SYSCALL_CONTINUE;
	if (r == CLOCK_OF_THREAD)
		return rewrite_clock(ev, clock);
	struct timespec ts;
	if (clock_gettime(clock, &ts) < 0)
		return -EINVAL;	/* it has gone meanwhile */
	return guest_write(t, ev->args[1], &ts, sizeof(ts));
}

SYSCALL(clock_getres)
{
	clockid_t clock;
	int r = guest_clock(t, (clockid_t)ev->args[0], &clock);
	if (r < 0)
		return r;
	if (r == CLOCK_AS_NAMED)
		return SYSCALL_CONTINUE;
	if (r == CLOCK_OF_THREAD)
		return rewrite_clock(ev, clock);
	struct timespec ts;
	if (clock_getres(clock, &ts) < 0)
		return -EINVAL;
	return ev->args[1] ? guest_write(t, ev->args[1], &ts, sizeof(ts)) : 0;
}

/* Sleeping on another process's CPU clock is not offered (nor on a thread's: Linux refuses
   it). */
SYSCALL(clock_nanosleep)
{
	clockid_t clock;
	int r = guest_clock(t, (clockid_t)ev->args[0], &clock);
	if (r < 0)
		return r;
	return r == CLOCK_AS_NAMED ? SYSCALL_CONTINUE : -EINVAL;
}

SYSCALL(timer_create)
{
	clockid_t clock = (clockid_t)ev->args[0];
	clockid_t host_clock;
	bool rewrite = false;

	if (!ev->via_tracer)
		return -ENOSYS;
	int r = guest_clock(t, clock, &host_clock);
	if (r < 0)
		return r;
	if (r != CLOCK_AS_NAMED) {
		ev->args[0] = (uint64_t)(int64_t)host_clock;
		rewrite = true;
	}
	if (ev->args[1]) {
		struct sigevent sev;
		long e = guest_read(t, ev->args[1], &sev, sizeof(sev));
		if (e < 0)
			return e;
		if (sev.sigev_notify == SIGEV_THREAD_ID) {
			/* A thread of the caller's process, as Linux requires (good_sigevent). */
			struct task *target = task_by_tid(sev._sigev_un._tid);
			if (!target || target->tg != t->tg)
				return -EINVAL;
			sev._sigev_un._tid = target->host_tid;
			uint64_t copy = (ev->sp - GUEST_SCRATCH_GAP - sizeof(sev)) & ~15ULL;
			e = guest_write(t, copy, &sev, sizeof(sev));
			if (e < 0)
				return e;
			ev->args[1] = copy;
			rewrite = true;
		}
	}
	if (!rewrite)
		return SYSCALL_CONTINUE;
	ev->rewrite_nr = ev->nr;
	return SYSCALL_REWRITE;
}
