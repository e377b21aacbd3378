/* Process file descriptors (pidfd_open): a sentry file naming a guest process by its
   virtual pid and start time (a reaped process's pid may be handed out again). Its guest
   number mirrors a host object that is readable once the process has exited, so poll and
   epoll run natively: a host pidfd of the process, or for a process already a zombie an
   eventfd holding 1. */
#define _GNU_SOURCE
#include "sentry/fs/fs.h"
#include "sentry/fs/synth.h"
#include "sentry/task/task.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>

struct pidfd {
	pid_t pid;
	uint64_t start_ns;
};

static struct super_block *pidfd_sb;

/* Reading or writing a pidfd is EINVAL, as Linux's pidfd_fops has neither. */
static long pidfd_rw(struct file *f, const struct iovec *iov, int iovcnt, int64_t *pos)
{
	(void)f, (void)iov, (void)iovcnt, (void)pos;
	return -EINVAL;
}

static void pidfd_release(struct file *f)
{
	free(f->priv);
	f->priv = NULL;
}

static void pidfd_show_fdinfo(struct file *f, FILE *m)
{
	struct thread_group *tg = NULL;
	pid_t nr = pidfd_process(f, &tg) == 0 ? tg->tgid : -1;
	fprintf(m, "Pid:\t%d\nNSpid:\t%d\n", nr, nr);
}

static const struct file_operations pidfd_fops = {
	.read = pidfd_rw,
	.write = pidfd_rw,
	.release = pidfd_release,
	.show_fdinfo = pidfd_show_fdinfo,
};

/* The host object poll sees: readable once tg has exited. */
static int pidfd_host_object(struct thread_group *tg, bool nonblock)
{
	if (!tg->exited) {
		int fd = (int)syscall(SYS_pidfd_open, tg->host_pid, nonblock ? O_NONBLOCK : 0);
		if (fd >= 0) {
			fcntl(fd, F_SETFD, FD_CLOEXEC);
			return fd;
		}
	}
	int fd = eventfd(1, EFD_CLOEXEC | (nonblock ? EFD_NONBLOCK : 0));
	return fd < 0 ? -errno : fd;
}

int pidfd_file_new(struct thread_group *tg, int flags, struct file **out)
{
	if (!pidfd_sb && !(pidfd_sb = synth_sb_new("pidfd", true)))
		return -ENOMEM;
	struct pidfd *p = malloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	*p = (struct pidfd){ tg->tgid, tg->start_ns };
	int host_fd = pidfd_host_object(tg, flags & O_NONBLOCK);
	if (host_fd < 0) {
		free(p);
		return host_fd;
	}
	struct inode *inode = inode_new(pidfd_sb, S_IFREG | 0600);
	struct file *f = inode ? file_alloc(&pidfd_fops, NULL, inode, O_RDWR | (flags & O_NONBLOCK)) : NULL;
	inode_put(inode);
	if (!f) {
		close(host_fd);
		free(p);
		return -ENOMEM;
	}
	f->priv = p;
	f->host_fd = host_fd;
	*out = f;
	return 0;
}

int pidfd_process(struct file *f, struct thread_group **out)
{
	if (!f || f->ops != &pidfd_fops)
		return -EBADF;
	const struct pidfd *p = f->priv;
	struct thread_group *tg = thread_group_by_pid(p->pid);
	if (!tg || tg->start_ns != p->start_ns)
		return -ESRCH;
	*out = tg;
	return 0;
}
