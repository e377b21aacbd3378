/* poll, ppoll, select, pselect6. When every fd is a host object mirrored into the guest, the
   host waits (natively, with the guest's signal semantics). Otherwise the sentry answers:
   its own files are always ready, fds it does not know are POLLNVAL (EBADF for select), and
   the host ones are polled through the sentry's copies, waiting in short slices so that a
   signal to the guest ends the wait. */
#define _GNU_SOURCE
#include "sentry/syscalls/syscalls.h"
#include "sentry/kernel.h"
#include "sentry/task/task.h"
#include "sentry/task/fdtable.h"
#include "sentry/mm/guest_mem.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>

#define POLL_SLICE_MS 50
#define ALWAYS_READY (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM)

enum fd_kind { FD_HOST, FD_SENTRY, FD_INVALID };

static enum fd_kind classify_fd(struct task *t, int fd, int *host_fd)
{
	struct file *f = fd_get(t, fd);
	if (!f || (f->flags & O_PATH))
		return FD_INVALID;
	*host_fd = f->host_fd;
	return f->host_fd >= 0 ? FD_HOST : FD_SENTRY;
}

/* *deadline = now + sec seconds + nsec (< 1 s) nanoseconds, on CLOCK_MONOTONIC. A guest's
   timeout past 2^40 s (never reached) is cut there, so that the sums cannot overflow. */
static void deadline_in(struct timespec *deadline, time_t sec, long nsec)
{
	clock_gettime(CLOCK_MONOTONIC, deadline);
	deadline->tv_sec += sec < ((time_t)1 << 40) ? sec : ((time_t)1 << 40);
	deadline->tv_nsec += nsec;
	if (deadline->tv_nsec >= 1000000000) {
		deadline->tv_sec++;
		deadline->tv_nsec -= 1000000000;
	}
}

/* Milliseconds left of a timeout given as an absolute CLOCK_MONOTONIC deadline (-1: none). */
static int ms_left(const struct timespec *deadline)
{
	if (!deadline)
		return -1;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (deadline->tv_sec - now.tv_sec > 0x7fffffff / 1000)
		return 0x7fffffff;
	int64_t ms = (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : (int)(ms > 0x7fffffff ? 0x7fffffff : ms);
}

/* Sentry-side poll of fds (guest numbers) for events; fills revents; returns how many are
   ready, 0 on timeout, -EINTR if the guest stopped waiting. */
static long sentry_poll(struct task *t, struct syscall_event *ev, struct pollfd *fds, nfds_t n,
			const struct timespec *deadline)
{
	/* One more: the task's wake-up eventfd, which a signal that ends the wait writes. */
	struct pollfd *host = calloc(n + 1, sizeof(*host));
	struct file **held = calloc(n ? n : 1, sizeof(*held));
	unsigned seen = ev->interrupts_seen;
	long ready = -ENOMEM;

	if (!host || !held)
		goto out;
	for (;;) {
		ready = 0;
		for (nfds_t i = 0; i < n; i++) {
			host[i] = (struct pollfd){ .fd = -1 };
			fds[i].revents = 0;
			if (fds[i].fd < 0)
				continue;
			struct file *f = fd_get(t, fds[i].fd);
			int hfd;
			switch (classify_fd(t, fds[i].fd, &hfd)) {
			case FD_INVALID:
				fds[i].revents = POLLNVAL;
				break;
			case FD_SENTRY:
				fds[i].revents = fds[i].events & ALWAYS_READY;
				break;
			case FD_HOST:
				/* Held so the sentry's copy stays open while we wait unlocked. */
				held[i] = file_get(f);
				host[i] = (struct pollfd){ .fd = hfd, .events = fds[i].events };
				break;
			}
			ready += fds[i].revents != 0;
		}
		int wait = ready || !ev->may_block ? 0 : ms_left(deadline);
		if (wait < 0 || wait > POLL_SLICE_MS)
			wait = POLL_SLICE_MS;
		host[n] = (struct pollfd){ .fd = wait ? syscall_wake_fd(t) : -1, .events = POLLIN };
		kernel_unlock();
		int r = poll(host, n + 1, wait);
		kernel_lock();
		if (host[n].revents)
			syscall_wake_drain(t);
		for (nfds_t i = 0; i < n; i++) {
			if (host[i].fd >= 0 && r > 0 && host[i].revents) {
				fds[i].revents = host[i].revents;
				ready++;
			}
			file_put(held[i]);
			held[i] = NULL;
		}
		if (ready || (deadline && ms_left(deadline) == 0))
			break;
		if (!ev->may_block) {
			ready = SYSCALL_BLOCK;
			break;
		}
		if (syscall_interrupted(t, ev, seen)) {
			ready = syscall_interrupted_result(t, false);
			break;
		}
	}
out:
	free(held);
	free(host);
	return ready;
}

/* True when the host can do the whole call: every fd is a mirrored host object. */
static bool all_host(struct task *t, const struct pollfd *fds, nfds_t n)
{
	for (nfds_t i = 0; i < n; i++) {
		int hfd;
		if (fds[i].fd >= 0 && classify_fd(t, fds[i].fd, &hfd) != FD_HOST)
			return false;
	}
	return true;
}

static long deadline_from_timespec(struct task *t, uint64_t uts, struct timespec *deadline,
				   bool *has)
{
	struct timespec ts;
	*has = false;
	if (!uts)
		return 0;
	long r = guest_read(t, uts, &ts, sizeof(ts));
	if (r < 0)
		return r;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
		return -EINVAL;
	deadline_in(deadline, ts.tv_sec, ts.tv_nsec);
	*has = true;
	return 0;
}

/* nfds is an unsigned int to Linux (the callers drop the register's upper half). */
static long do_poll(struct task *t, struct syscall_event *ev, uint64_t ufds, uint64_t nfds,
		    struct timespec *deadline)
{
	if (nfds > t->tg->rlimits[RLIMIT_NOFILE].rlim_cur || nfds > FD_TABLE_MAX)
		return -EINVAL;
	size_t size = sizeof(struct pollfd) * (size_t)nfds;
	struct pollfd *fds = malloc(size ? size : 1);
	if (!fds)
		return -ENOMEM;
	long r = guest_read(t, ufds, fds, size);
	if (r == 0 && all_host(t, fds, (nfds_t)nfds))
		r = SYSCALL_CONTINUE;
	else if (r == 0)
		r = sentry_poll(t, ev, fds, (nfds_t)nfds, deadline);
	if (r >= 0 && r <= (long)nfds) {
		long w = guest_write(t, ufds, fds, size);
		if (w < 0)
			r = w;
	}
	free(fds);
	return r;
}

SYSCALL(poll)
{
	int timeout = (int)ev->args[2];
	struct timespec deadline;
	if (timeout >= 0) {
		deadline_in(&deadline, timeout / 1000, (timeout % 1000) * 1000000L);
	}
	return do_poll(t, ev, ev->args[0], (uint32_t)ev->args[1], timeout >= 0 ? &deadline : NULL);
}

SYSCALL(ppoll)
{
	struct timespec deadline;
	bool has;
	long r = deadline_from_timespec(t, ev->args[2], &deadline, &has);
	if (r < 0)
		return r;
	return do_poll(t, ev, ev->args[0], (uint32_t)ev->args[1], has ? &deadline : NULL);
}

/* select: the three fd sets become a poll set and back. */
static long do_select(struct task *t, struct syscall_event *ev, int nfds, uint64_t uin,
		      uint64_t uout, uint64_t uex, struct timespec *deadline)
{
	fd_set sets[3];
	uint64_t uset[3] = { uin, uout, uex };
	static const short kinds[3] = { POLLIN | POLLRDNORM | POLLHUP | POLLERR,
					POLLOUT | POLLWRNORM | POLLERR, POLLPRI };

	if (nfds < 0)
		return -EINVAL;
	if (nfds > FD_SETSIZE)
		nfds = FD_SETSIZE;
	size_t bytes = ((size_t)nfds + 63) / 64 * 8;
	for (int k = 0; k < 3; k++) {
		FD_ZERO(&sets[k]);
		if (uset[k]) {
			long r = guest_read(t, uset[k], &sets[k], bytes);
			if (r < 0)
				return r;
		}
	}
	struct pollfd pfds[FD_SETSIZE];
	nfds_t n = 0;
	bool host_only = true;
	for (int fd = 0; fd < nfds; fd++) {
		short events = 0;
		for (int k = 0; k < 3; k++)
			if (uset[k] && FD_ISSET(fd, &sets[k]))
				events |= k == 2 ? POLLPRI : (k == 0 ? POLLIN : POLLOUT);
		if (!events)
			continue;
		int hfd;
		switch (classify_fd(t, fd, &hfd)) {
		case FD_INVALID:
			return -EBADF;
		case FD_SENTRY:
			host_only = false;
			break;
		case FD_HOST:
			break;
		}
		pfds[n++] = (struct pollfd){ .fd = fd, .events = events };
	}
	if (host_only)
		return SYSCALL_CONTINUE;
	long r = sentry_poll(t, ev, pfds, n, deadline);
	if (r < 0 || r > (long)n)
		return r;
	long count = 0;
	for (int k = 0; k < 3; k++)
		FD_ZERO(&sets[k]);
	for (nfds_t i = 0; i < n; i++) {
		for (int k = 0; k < 3; k++) {
			if ((pfds[i].events & (k == 2 ? POLLPRI : k == 0 ? POLLIN : POLLOUT)) &&
			    (pfds[i].revents & kinds[k])) {
				FD_SET(pfds[i].fd, &sets[k]);
				count++;
			}
		}
	}
	for (int k = 0; k < 3; k++) {
		if (uset[k]) {
			long w = guest_write(t, uset[k], &sets[k], bytes);
			if (w < 0)
				return w;
		}
	}
	return count;
}

SYSCALL(select)
{
	struct timespec deadline;
	bool has = false;
	if (ev->args[4]) {
		struct timeval tv;
		long r = guest_read(t, ev->args[4], &tv, sizeof(tv));
		if (r < 0)
			return r;
		if (tv.tv_sec < 0 || tv.tv_usec < 0)
			return -EINVAL;
		deadline_in(&deadline, tv.tv_sec + tv.tv_usec / 1000000, (tv.tv_usec % 1000000) * 1000L);
		has = true;
	}
	return do_select(t, ev, (int)ev->args[0], ev->args[1], ev->args[2], ev->args[3],
			 has ? &deadline : NULL);
}

SYSCALL(pselect6)
{
	struct timespec deadline;
	bool has;
	long r = deadline_from_timespec(t, ev->args[4], &deadline, &has);
	if (r < 0)
		return r;
	return do_select(t, ev, (int)ev->args[0], ev->args[1], ev->args[2], ev->args[3],
			 has ? &deadline : NULL);
}
