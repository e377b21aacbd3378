/* Signal dispositions: the host delivers signals; the sentry keeps the record. */
#define _GNU_SOURCE
#include "sentry/syscalls/syscalls.h"
#include "sentry/kernel.h"
#include "sentry/task/task.h"
#include "sentry/mm/guest_mem.h"

#include <errno.h>
#include <signal.h>

/* The kernel's struct sigaction layout for rt_sigaction on x86-64. */
struct kernel_sigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

SYSCALL(rt_sigaction)
{
	int sig = (int)ev->args[0];
	uint64_t uact = ev->args[1];

	if (sig < 1 || sig >= TASK_NSIG || ev->args[3] != 8)
		return -EINVAL;
	if (uact) {
		struct kernel_sigaction ka;
		if (sig == SIGKILL || sig == SIGSTOP)
			return -EINVAL;
		long r = guest_read(t, uact, &ka, sizeof(ka));
		if (r < 0)
			return r;
		/* Only the record is the sentry's; the host installs the handler it reads. */
		t->sighand->action[sig] = (struct sigaction_record){ ka.handler, ka.flags, ka.mask };
	}
	return SYSCALL_CONTINUE;
}
