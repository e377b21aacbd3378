#define _GNU_SOURCE
#include "sentry/syscalls/syscalls.h"
#include "sentry/task/task.h"

#include <fcntl.h>

long exec_prepare(struct task *t, struct syscall_event *ev, int dirfd, uint64_t upath,
		  uint64_t uargv, uint64_t uenvp, int flags);

SYSCALL(execve)
{
	return exec_prepare(t, ev, AT_FDCWD, ev->args[0], ev->args[1], ev->args[2], 0);
}

SYSCALL(execveat)
{
	return exec_prepare(t, ev, (int)ev->args[0], ev->args[1], ev->args[2], ev->args[3],
			    (int)ev->args[4]);
}
