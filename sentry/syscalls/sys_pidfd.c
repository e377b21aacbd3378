/* Process file descriptors: pidfd_open and pidfd_getfd (pidfd_send_signal is with the
   signals, waitid's P_PIDFD with the waits). Pids are the sandbox's; a pidfd names a
   process (PIDFD_THREAD, Linux 6.9, is not offered: EINVAL, as the kernel the sandbox
   reports). */
#define _GNU_SOURCE
#include "sentry/syscalls/syscalls.h"
#include "sentry/fs/fs.h"
#include "sentry/kernel.h"
#include "sentry/task/fdtable.h"
#include "sentry/task/task.h"

#include <errno.h>
#include <fcntl.h>

#define PIDFD_NONBLOCK O_NONBLOCK

SYSCALL(pidfd_open)
{
	pid_t pid = (pid_t)ev->args[0];
	unsigned flags = (unsigned)ev->args[1];

	if ((flags & ~PIDFD_NONBLOCK) || pid <= 0)
		return -EINVAL;
	struct thread_group *tg = thread_group_by_pid(pid);
	if (!tg)
		return task_by_tid(pid) ? -EINVAL : -ESRCH;
	struct file *f;
	int r = pidfd_file_new(tg, (int)flags, &f);
	if (r < 0)
		return r;
	r = fd_install(t, ev, f, true, 0);
	file_put(f);
	return r;
}

/* A copy of another process's fd, as SCM_RIGHTS would give it, always close-on-exec. */
SYSCALL(pidfd_getfd)
{
	int pidfd = (int)ev->args[0], fd = (int)ev->args[1];
	struct thread_group *tg;

	if (ev->args[2] != 0)
		return -EINVAL;
	struct file *pf = fd_get(t, pidfd);
	if (!pf)
		return -EBADF;
	int r = pidfd_process(pf, &tg);
	if (r < 0)
		return r;
	if (!ptrace_may_access(t, tg))
		return -EPERM;
	struct task *owner = thread_group_any(tg);
	struct file *f = owner && !tg->exited ? fd_get(owner, fd) : NULL;
	if (!f)
		return -EBADF;
	return fd_install(t, ev, f, true, 0);
}
