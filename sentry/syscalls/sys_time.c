/* Clocks and POSIX timers. The host answers for every clock but one that names a process
   or thread by pid (a CPU-time clock, clock_getcpuclockid): the guest's pid is a virtual
   one, and passed on as it is it would name a host process (and tell the guest which host
   pids exist). Such a clock is used by the guest thread on the host, named by host id (the
   syscall rewritten in the tracer). Timers are the host's
   (per process, like their ids); timer_create goes through the tracer so that a clock or a
   thread (SIGEV_THREAD_ID) named by virtual id is named by host id instead, the sigevent
   read from the sentry's page (sentry_page.c). */
#define _GNU_SOURCE
#include "sentry/syscalls/syscalls.h"
#include "sentry/kernel.h"
#include "sentry/task/task.h"
#include "sentry/mm/guest_mem.h"
#include "sentry/mm/sentry_page.h"

#include <errno.h>
#include <signal.h>

#define CPUCLOCK_PERTHREAD 4
#define CPUCLOCK_FD 3		/* a dynamic clock named by an fd, not a pid */

#define CLOCK_AS_NAMED 1

/* What a guest's clock id names: CLOCK_AS_NAMED, a clock the host may use as the guest
   named it; 0, a CPU clock of a process or thread named by virtual id, with *host set to
   the same clock of its host id; -EINVAL for a pid that names no live process, or a tid
   that names no thread of t's process (only its own process may use a thread's clock). */
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
	*host = cpu_clock_id(host_id, (unsigned)clock);
	return 0;
}

/* clock_gettime and clock_getres of a CPU clock named by id run on the host as the guest
   thread, with the host id (the guest filter sends negative clock ids through the tracer,
   where registers can be rewritten). */
static long clock_by_host_id(struct task *t, struct syscall_event *ev)
{
	clockid_t host;
	int r = guest_clock(t, (clockid_t)ev->args[0], &host);
	if (r != 0)
		return r == CLOCK_AS_NAMED ? SYSCALL_CONTINUE : r;
	if (!ev->via_tracer)
		return -EINVAL;
	ev->rewrite_nr = ev->nr;
	ev->args[0] = (uint64_t)(int64_t)host;
	return SYSCALL_REWRITE;
}

SYSCALL(clock_gettime)
{
	return clock_by_host_id(t, ev);
}

SYSCALL(clock_getres)
{
	return clock_by_host_id(t, ev);
}

/* Sleeping on another process's CPU clock is not offered (nor on a thread's: Linux refuses
   it). */
SYSCALL(clock_nanosleep)
{
	clockid_t clock;
	int r = guest_clock(t, (clockid_t)ev->args[0], &clock);
	return r == 0 ? -EINVAL : r == CLOCK_AS_NAMED ? SYSCALL_CONTINUE : r;
}

SYSCALL(timer_create)
{
	clockid_t clock = (clockid_t)ev->args[0];
	clockid_t host_clock;

	if (!ev->via_tracer)
		return -ENOSYS;
	int r = guest_clock(t, clock, &host_clock);
	if (r < 0)
		return r;
	uint64_t host_sev = 0;
	if (ev->args[1]) {
		/* The host reads the sentry's copy, in a page the guest cannot change: what it
		   runs is what was checked here, whatever another thread writes meanwhile. */
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
		}
		e = sentry_page_put(t, ev, &sev, sizeof(sev), &host_sev);
		if (e != 0)
			return e;
	}
	ev->rewrite_nr = ev->nr;
	if (r == 0)
		ev->args[0] = (uint64_t)(int64_t)host_clock;
	ev->args[1] = host_sev;
	return SYSCALL_REWRITE;
}
