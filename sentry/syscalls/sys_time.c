/* Clocks and POSIX timers. The host answers for every clock but one that names a process
   or thread by pid (a CPU-time clock, clock_getcpuclockid): the guest's pid is a virtual
   one, and passed on as it is it would name a host process (and tell the guest which host
   pids exist). The sentry reads such a clock itself, on the host id of the guest's
   process. Timers are the host's (per process, like their ids); timer_create goes through
   the tracer so that a clock or a thread (SIGEV_THREAD_ID) named by virtual id is named by
   host id instead. */
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

/* For a guest's clock id: 1 when the host may answer it as the guest named it; 0 with
   *host set to the host clock id to read in the sentry (a process's CPU clock); -EINVAL for
   a pid that names no process, and for a thread's clock named by tid: Linux lets only the
   thread's own process read it, and the sentry is not that process. */
static int guest_clock(clockid_t clock, clockid_t *host)
{
	if (clock >= 0 || (clock & 3) == CPUCLOCK_FD)
		return 1;
	pid_t pid = (pid_t)~(clock >> 3);
	if (pid == 0)
		return 1;
	if (clock & CPUCLOCK_PERTHREAD)
		return -EINVAL;
	struct thread_group *tg = thread_group_by_pid(pid);
	if (!tg || tg->exited)
		return -EINVAL;
	*host = (clockid_t)((~(unsigned)tg->host_pid << 3) | ((unsigned)clock & 7));
	return 0;
}

SYSCALL(clock_gettime)
{
	clockid_t clock;
	int r = guest_clock((clockid_t)ev->args[0], &clock);
	if (r != 0)
		return r > 0 ? SYSCALL_CONTINUE : r;
	struct timespec ts;
	if (clock_gettime(clock, &ts) < 0)
		return -EINVAL;	/* it has gone meanwhile */
	return guest_write(t, ev->args[1], &ts, sizeof(ts));
}

SYSCALL(clock_getres)
{
	clockid_t clock;
	int r = guest_clock((clockid_t)ev->args[0], &clock);
	if (r != 0)
		return r > 0 ? SYSCALL_CONTINUE : r;
	struct timespec ts;
	if (clock_getres(clock, &ts) < 0)
		return -EINVAL;
	return ev->args[1] ? guest_write(t, ev->args[1], &ts, sizeof(ts)) : 0;
}

/* Sleeping on another process's CPU clock is not offered. */
SYSCALL(clock_nanosleep)
{
	(void)t;
	clockid_t clock;
	int r = guest_clock((clockid_t)ev->args[0], &clock);
	if (r != 0)
		return r > 0 ? SYSCALL_CONTINUE : r;
	return -EINVAL;
}

SYSCALL(timer_create)
{
	clockid_t clock = (clockid_t)ev->args[0];
	clockid_t host_clock;
	bool rewrite = false;

	if (!ev->via_tracer)
		return -ENOSYS;
	int r = guest_clock(clock, &host_clock);
	if (r < 0)
		return r;
	if (r == 0) {
		ev->args[0] = (uint64_t)host_clock;
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
