/* POSIX message queue calls (the queues and their file system are sentry/ipc/mqueue.c).
   mq_timedsend and mq_timedreceive stop in the tracer, as they may wait for room or for a
   message: until the absolute CLOCK_REALTIME timeout (ETIMEDOUT), or a signal, which ends
   the wait as -ERESTARTSYS does on Linux (restarted after SA_RESTART handlers). The
   descriptors are always close-on-exec, as Linux's. mq_notify's SIGEV_THREAD, which glibc
   builds on a netlink socket the kernel writes a cookie to, is refused (ENOSYS, what glibc
   answers without that socket). */
#define _GNU_SOURCE
#include "sentry/syscalls/syscalls.h"
#include "sentry/ipc/ipc.h"
#include "sentry/ipc/mqueue.h"
#include "sentry/kernel.h"
#include "sentry/mm/guest_mem.h"
#include "sentry/task/fdtable.h"
#include "sentry/task/task.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

SYSCALL(mq_open)
{
	char name[VFS_PATH_MAX];
	struct mq_attr_abi attr;
	int flags = (int)ev->args[1];
	uint64_t uattr = ev->args[3];

	int r = guest_read_string(t, ev->args[0], name, sizeof(name));
	if (r < 0)
		return r;
	if (uattr && (r = guest_read(t, uattr, &attr, sizeof(attr))) < 0)
		return r;
	struct file *f;
	r = mqueue_open(t, name, flags, (mode_t)ev->args[2], uattr ? &attr : NULL, &f);
	if (r < 0)
		return r;
	r = fd_install(t, ev, f, true, 0);
	file_put(f);
	return r;
}

SYSCALL(mq_unlink)
{
	char name[VFS_PATH_MAX];
	int r = guest_read_string(t, ev->args[0], name, sizeof(name));
	return r < 0 ? r : mqueue_unlink(t, name);
}

/* The absolute CLOCK_REALTIME timeout at uaddr as a CLOCK_MONOTONIC deadline. */
static int read_timeout(struct task *t, uint64_t uaddr, struct timespec *deadline)
{
	struct timespec abs, now_rt;
	int r = guest_read(t, uaddr, &abs, sizeof(abs));
	if (r < 0)
		return r;
	if (abs.tv_sec < 0 || abs.tv_nsec < 0 || abs.tv_nsec >= 1000000000)
		return -EINVAL;
	clock_gettime(CLOCK_REALTIME, &now_rt);
	/* Seconds and nanoseconds apart, so that a guest's huge tv_sec cannot overflow. */
	struct timespec rel = { abs.tv_sec - now_rt.tv_sec, abs.tv_nsec - now_rt.tv_nsec };
	if (rel.tv_nsec < 0) {
		rel.tv_nsec += 1000000000;
		rel.tv_sec--;
	}
	if (rel.tv_sec < 0)
		rel.tv_sec = rel.tv_nsec = 0;
	ipc_deadline_after(&rel, deadline);
	return 0;
}

/* The queue fd names (its open file in *f), or NULL: EBADF. */
static struct mqueue *queue_of(struct task *t, int fd, struct file **f)
{
	*f = fd_get(t, fd);
	return mqueue_of_file(*f);
}

/* The queue of fd, open for access (O_RDONLY: reading, O_WRONLY: writing): EBADF else. */
static struct file *queue_file(struct task *t, int fd, int access, struct mqueue **q)
{
	struct file *f;
	if (!(*q = queue_of(t, fd, &f)))
		return NULL;
	int acc = f->flags & O_ACCMODE;
	return acc == O_RDWR || acc == access ? f : NULL;
}

/* What mq_timedsend and mq_timedreceive check first, in Linux's order: the timeout (arg 4;
   *deadline NULL without one), then the descriptor, open for access. */
static long transfer_begin(struct task *t, struct syscall_event *ev, int access,
			   struct timespec *abs, const struct timespec **deadline, struct mqueue **q,
			   struct file **f)
{
	*deadline = NULL;
	if (ev->args[4]) {
		int r = read_timeout(t, ev->args[4], abs);
		if (r < 0)
			return r;
		*deadline = abs;
	}
	/* mq_timedsend's priority comes between the two. */
	if (access == O_WRONLY && ev->args[3] >= MQ_PRIO_MAX_)
		return -EINVAL;
	*f = queue_file(t, (int)ev->args[0], access, q);
	return *f ? 0 : -EBADF;
}

struct mq_wait {
	struct file *file;
	struct mqueue *q;
	struct mq_msg *msg;		/* send: the message until queued */
	const struct timespec *deadline;
	bool waiting;			/* counted in q->receivers_waiting */
	uint64_t ubuf, uprio;		/* receive */
};

static long would_wait(struct mq_wait *w)
{
	if (w->file->flags & O_NONBLOCK)
		return -EAGAIN;
	if (w->deadline && ipc_deadline_passed(w->deadline))
		return -ETIMEDOUT;
	return SYSCALL_NOT_YET;
}

static long send_attempt(struct task *t, void *arg)
{
	struct mq_wait *w = arg;
	if (w->q->curmsgs >= w->q->maxmsg)
		return would_wait(w);
	mqueue_insert(w->q, w->msg, t);
	w->msg = NULL;
	return 0;
}

static long receive_attempt(struct task *t, void *arg)
{
	struct mq_wait *w = arg;
	if (w->q->curmsgs == 0) {
		long r = would_wait(w);
		if (r == SYSCALL_NOT_YET && !w->waiting) {
			w->waiting = true;
			w->q->receivers_waiting++;
		}
		return r;
	}
	struct mq_msg *m = mqueue_take(w->q);
	/* As Linux, a message taken is gone even if the copy-out faults. */
	long r = guest_write(t, w->ubuf, m->data, m->len);
	if (r == 0 && w->uprio)
		r = guest_write(t, w->uprio, &m->prio, sizeof(m->prio));
	r = r < 0 ? r : (long)m->len;
	free(m);
	return r;
}

SYSCALL(mq_timedsend)
{
	uint64_t ubuf = ev->args[1], len = ev->args[2];
	struct timespec abs;
	const struct timespec *deadline;
	struct mqueue *q;
	struct file *f;

	long r = transfer_begin(t, ev, O_WRONLY, &abs, &deadline, &q, &f);
	if (r < 0)
		return r;
	if (len > (uint64_t)q->msgsize)
		return -EMSGSIZE;
	struct mq_msg *m = malloc(sizeof(*m) + len);
	if (!m)
		return -ENOMEM;
	m->prio = (unsigned)ev->args[3];
	m->len = len;
	r = guest_read(t, ubuf, m->data, len);
	if (r == 0) {
		/* The fd may be closed while this waits: the open file stays until it ends. */
		struct mq_wait w = { .file = file_get(f), .q = q, .msg = m, .deadline = deadline };
		r = ipc_wait(t, ev, send_attempt, &w, w.deadline, IPC_WAIT_RESTARTSYS);
		m = w.msg;
		file_put(w.file);
	}
	free(m);
	return r;
}

SYSCALL(mq_timedreceive)
{
	struct timespec abs;
	const struct timespec *deadline;
	struct mqueue *q;
	struct file *f;

	long r = transfer_begin(t, ev, O_RDONLY, &abs, &deadline, &q, &f);
	if (r < 0)
		return r;
	if (ev->args[2] < (uint64_t)q->msgsize)
		return -EMSGSIZE;
	struct mq_wait w = { .file = file_get(f), .q = q, .deadline = deadline,
			     .ubuf = ev->args[1], .uprio = ev->args[3] };
	r = ipc_wait(t, ev, receive_attempt, &w, w.deadline, IPC_WAIT_RESTARTSYS);
	if (w.waiting)
		q->receivers_waiting--;
	file_put(w.file);
	return r;
}

/* The x86-64 struct sigevent's head (the rest is padding, or SIGEV_THREAD_ID's tid). */
struct sigevent_abi {
	union sigval value;
	int32_t signo;
	int32_t notify;
};

SYSCALL(mq_notify)
{
	uint64_t usev = ev->args[1];
	struct sigevent_abi sev;
	struct mqueue *q;

	if (usev) {
		long r = guest_read(t, usev, &sev, sizeof(sev));
		if (r < 0)
			return r;
		if (sev.notify != SIGEV_NONE && sev.notify != SIGEV_SIGNAL && sev.notify != SIGEV_THREAD)
			return -EINVAL;
		if (sev.notify == SIGEV_SIGNAL && (unsigned)sev.signo >= TASK_NSIG)
			return -EINVAL;
		if (sev.notify == SIGEV_THREAD)
			return -ENOSYS;
	}
	struct file *f;
	if (!(q = queue_of(t, (int)ev->args[0], &f)))
		return -EBADF;
	if (!usev) {
		if (q->notify_pid == t->tg->tgid)
			mqueue_notify_clear(q);
		return 0;
	}
	if (q->notify_pid)
		return -EBUSY;
	q->notify_pid = t->tg->tgid;
	q->notify_start_ns = t->tg->start_ns;
	q->notify_method = sev.notify;
	q->notify_signo = sev.signo;
	q->notify_value = sev.value;
	return 0;
}

SYSCALL(mq_getsetattr)
{
	uint64_t unew = ev->args[1], uold = ev->args[2];
	struct mq_attr_abi set, old;
	struct mqueue *q;

	if (unew) {
		long r = guest_read(t, unew, &set, sizeof(set));
		if (r < 0)
			return r;
		if (set.mq_flags & ~(int64_t)O_NONBLOCK)
			return -EINVAL;
	}
	struct file *f;
	if (!(q = queue_of(t, (int)ev->args[0], &f)))
		return -EBADF;
	memset(&old, 0, sizeof(old));
	old.mq_flags = f->flags & O_NONBLOCK;
	old.mq_maxmsg = q->maxmsg;
	old.mq_msgsize = q->msgsize;
	old.mq_curmsgs = q->curmsgs;
	if (unew)
		f->flags = (f->flags & ~O_NONBLOCK) | (int)(set.mq_flags & O_NONBLOCK);
	return uold ? guest_write(t, uold, &old, sizeof(old)) : 0;
}
