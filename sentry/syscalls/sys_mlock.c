/* Memory locks: the host locks the caller's own pages; the sentry applies the guest's
   RLIMIT_MEMLOCK first (the host's limit for the guests' host identity applies as well). */
#define _GNU_SOURCE
#include "sentry/syscalls/syscalls.h"
#include "sentry/task/task.h"

#include <errno.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

/* Linux's check without CAP_IPC_LOCK: a zero limit is EPERM, a request over it ENOMEM. What
   the process has locked already is the host's to count. */
static long memlock_allowed(struct task *t, uint64_t addr, uint64_t len)
{
	if (task_capable(t, CAP_IPC_LOCK))
		return SYSCALL_CONTINUE;
	rlim_t limit = t->tg->rlimits[RLIMIT_MEMLOCK].rlim_cur;
	if (limit == RLIM_INFINITY)
		return SYSCALL_CONTINUE;
	if (limit == 0)
		return -EPERM;
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t start = addr & ~(page - 1), end = (addr + len + page - 1) & ~(page - 1);
	return end - start > limit ? -ENOMEM : SYSCALL_CONTINUE;
}

SYSCALL(mlock)
{
	return memlock_allowed(t, ev->args[0], ev->args[1]);
}

SYSCALL(mlock2)
{
	if (ev->args[2] & ~(uint64_t)MLOCK_ONFAULT)
		return -EINVAL;
	return memlock_allowed(t, ev->args[0], ev->args[1]);
}

SYSCALL(mlockall)
{
	uint64_t flags = ev->args[0];
	if (!flags || (flags & ~(uint64_t)(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) || flags == MCL_ONFAULT)
		return -EINVAL;
	if (!task_capable(t, CAP_IPC_LOCK) && t->tg->rlimits[RLIMIT_MEMLOCK].rlim_cur == 0)
		return -EPERM;
	return SYSCALL_CONTINUE;
}
