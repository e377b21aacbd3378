/* Pipes are host pipes mirrored into the guest: blocking, EOF, EPIPE/SIGPIPE and PIPE_BUF
   atomicity are the host's. The sentry keeps one copy of each end while any guest fd refers
   to it (so EOF comes when the last guest reference goes). */
#define _GNU_SOURCE
#include "sentry/syscalls/syscalls.h"
#include "sentry/kernel.h"
#include "sentry/fs/fs.h"
#include "sentry/task/task.h"
#include "sentry/task/fdtable.h"
#include "sentry/mm/guest_mem.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

static long do_pipe2(struct task *t, struct syscall_event *ev, uint64_t ufds, int flags)
{
	int host[2];
	int fds[2] = { -1, -1 };
	struct file *ends[2] = { NULL, NULL };
	long r;

	if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT))
		return -EINVAL;
	/* A bad address is EFAULT with nothing installed (fds withdrawn below would leave the
	   answer's pending installs naming host fds that are gone by then). */
	r = guest_write(t, ufds, fds, sizeof(fds));
	if (r < 0)
		return r;
	/* The sentry's copies are close-on-exec for the sentry; the guest's flags are per fd. */
	if (pipe2(host, O_CLOEXEC | (flags & (O_NONBLOCK | O_DIRECT))) < 0)
		return -errno;
	int err = 0;
	for (int i = 0; i < 2; i++) {
		ends[i] = hostfd_file_new(host[i]);
		if (!ends[i]) {
			err = errno;
			close(host[i]);
		}
	}
	if (!ends[0] || !ends[1]) {
		/* The sentry out of host fds is the system's file table full. */
		r = err == EMFILE || err == ENFILE ? -ENFILE : -ENOMEM;
		goto out;
	}
	r = fd_install(t, ev, ends[0], flags & O_CLOEXEC, 0);
	if (r < 0)
		goto out;
	fds[0] = (int)r;
	r = fd_install(t, ev, ends[1], flags & O_CLOEXEC, 0);
	if (r < 0)
		goto undo;
	fds[1] = (int)r;
	r = guest_write(t, ufds, fds, sizeof(fds));
	if (r == 0)
		goto out;
undo:
	/* The guest never learns these numbers: take them back. */
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			fd_withdraw(t, ev, fds[i]);
out:
	file_put(ends[0]);
	file_put(ends[1]);
	return r;
}

SYSCALL(pipe)
{
	return do_pipe2(t, ev, ev->args[0], 0);
}

SYSCALL(pipe2)
{
	return do_pipe2(t, ev, ev->args[0], (int)ev->args[1]);
}
