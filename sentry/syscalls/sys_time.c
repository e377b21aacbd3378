/* Clocks. The host answers for every clock but one that names a process or thread by pid
   (a CPU-time clock, clock_getcpuclockid): the guest's pid is a virtual one, and passed on
   as it is it would name a host process (and tell the guest which host pids exist). The
   sentry reads such a clock itself, on the host id of the guest's process or thread. */
#define _GNU_SOURCE
#include "sentry/syscalls/syscalls.h"
#include "sentry/kernel.h"
#include "sentry/task/task.h"
#include "sentry/mm/guest_mem.h"

#include <errno.h>
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
