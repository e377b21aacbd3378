/* fcntl leases (F_SETLEASE, F_GETLEASE), the sentry's own on its inodes for every kind of
   regular file (none reaches the host), with Linux's rules: a read lease needs no writable
   open of the file, a write lease no open but the holder's; an open that conflicts starts a
   break (the holder gets SIGIO, or its F_SETSIG signal with si_fd) and waits until the
   holder unlocks or downgrades, or lease-break-time passes. */
#define _GNU_SOURCE
#include "sentry/vfs/vfs.h"
#include "sentry/kernel.h"
#include "sentry/task/task.h"
#include "sentry/task/siginfo.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* /proc/sys/fs/lease-break-time's default, in seconds. */
#define LEASE_BREAK_TIME 45

struct lease {
	struct file *file;
	int type;			/* F_RDLCK or F_WRLCK */
	int breaking_to;		/* F_RDLCK or F_UNLCK while a break is on, else -1 */
	struct timespec deadline;	/* when a break is forced */
	pid_t owner;			/* the process that set it (its signal's receiver) */
	int fd;				/* its number there (si_fd) */
	struct lease *next;
};

static struct lease **lease_find(struct inode *inode, const struct file *f)
{
	struct lease **pp = &inode->leases;
	while (*pp && (*pp)->file != f)
		pp = &(*pp)->next;
	return pp;
}

static void lease_drop(struct lease **pp)
{
	struct lease *l = *pp;
	*pp = l->next;
	free(l);
	pthread_cond_broadcast(&kernel.task_event);
}

/* Does an open of f's own (its access mode) keep a lease of type from f? */
static bool others_open(const struct inode *inode, const struct file *f, int type)
{
	bool self_writes = (f->flags & O_ACCMODE) != O_RDONLY;
	if (type == F_RDLCK)
		return inode->open_writers > 0;
	return inode->open_writers != (self_writes ? 1 : 0) ||
	       inode->open_readers != (self_writes ? 0 : 1);
}

long lease_set(struct task *t, struct file *f, int fd, int type)
{
	struct inode *inode = f->inode;
	if (type != F_RDLCK && type != F_WRLCK && type != F_UNLCK)
		return -EINVAL;
	if (t->tg->creds.fsuid != inode->uid && !task_capable(t, CAP_LEASE))
		return -EACCES;
	if (!S_ISREG(inode->mode) || !f->path.dentry)
		return -EINVAL;
	struct lease **pp = lease_find(inode, f);
	if (type == F_UNLCK) {
		if (!*pp)
			return -EAGAIN;
		lease_drop(pp);
		return 0;
	}
	if (others_open(inode, f, type))
		return -EAGAIN;
	for (struct lease *l = inode->leases; l; l = l->next)
		if (l->file != f && (type == F_WRLCK || l->type == F_WRLCK))
			return -EAGAIN;
	if (!*pp) {
		*pp = calloc(1, sizeof(**pp));
		if (!*pp)
			return -ENOMEM;
		(*pp)->file = f;
	}
	struct lease *l = *pp;
	l->type = type;
	l->breaking_to = -1;
	l->owner = t->tg->tgid;
	l->fd = fd;
	pthread_cond_broadcast(&kernel.task_event);
	return 0;
}

long lease_get(const struct file *f)
{
	struct lease *l = f->inode ? *lease_find(f->inode, f) : NULL;
	if (!l)
		return F_UNLCK;
	return l->breaking_to >= 0 ? l->breaking_to : l->type;
}

void lease_release(struct file *f)
{
	struct lease **pp = f->inode ? lease_find(f->inode, f) : NULL;
	if (pp && *pp)
		lease_drop(pp);
}

static bool lease_conflicts(const struct lease *l, bool write)
{
	return write || l->type == F_WRLCK;
}

static void lease_notify(struct lease *l)
{
	struct thread_group *tg = thread_group_by_pid(l->owner);
	if (!tg || tg->exited)
		return;
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	/* As Linux's fasync: SIGIO alone from the kernel, or the F_SETSIG signal with the fd. */
	si.si_signo = l->file->sig ? l->file->sig : SIGIO;
	si.si_code = l->file->sig ? POLL_MSG : SI_KERNEL;
	if (l->file->sig) {
		si.si_band = POLLIN | POLLRDNORM | POLLMSG;
		si.si_fd = l->fd;
	}
	signal_send(tg, NULL, &si);
}

long lease_break(struct inode *inode, int open_flags)
{
	bool write = (open_flags & O_ACCMODE) != O_RDONLY;
	struct timespec now;
	bool waiting = false;

	clock_gettime(CLOCK_MONOTONIC, &now);
	for (struct lease **pp = &inode->leases; *pp;) {
		struct lease *l = *pp;
		if (!lease_conflicts(l, write)) {
			pp = &l->next;
			continue;
		}
		if (l->breaking_to < 0) {
			l->breaking_to = write ? F_UNLCK : F_RDLCK;
			l->deadline = now;
			l->deadline.tv_sec += LEASE_BREAK_TIME;
			lease_notify(l);
		} else if (now.tv_sec > l->deadline.tv_sec ||
			   (now.tv_sec == l->deadline.tv_sec && now.tv_nsec >= l->deadline.tv_nsec)) {
			/* The holder took too long: the break is done for it. */
			if (l->breaking_to == F_UNLCK || write) {
				lease_drop(pp);
				continue;
			}
			l->type = F_RDLCK;
			l->breaking_to = -1;
			pp = &l->next;
			continue;
		}
		waiting = true;
		pp = &l->next;
	}
	if (!waiting)
		return 0;
	return (open_flags & O_NONBLOCK) ? -EWOULDBLOCK : LEASE_WAIT;
}
