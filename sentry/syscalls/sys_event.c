/* Event fds: epoll, eventfd, timerfd, signalfd, and memfds. Each is a host object the sentry creates
   and mirrors into the guest, which then uses it natively. A signalfd works for the guest
   although the sentry made it: it reads the signals of whoever reads it. */
#define _GNU_SOURCE
#include "sentry/syscalls/syscalls.h"
#include "sentry/kernel.h"
#include "sentry/fs/fs.h"
#include "sentry/task/task.h"
#include "sentry/task/fdtable.h"
#include "sentry/task/siginfo.h"
#include "sentry/mm/guest_mem.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>

/* memfd_create's longest name (MFD_NAME_MAX_LEN). */
#define MEMFD_NAME_MAX 249

/* Marks the files of signalfds (f->priv). */
static const char signalfd_tag[] = "signalfd";

/* Installs a new host object (the sentry's copy: fd) for the guest; priv: the file's;
   mapped_name: what /proc/PID/maps calls its mappings (NULL: no name). */
static long install_host_object(struct task *t, struct syscall_event *ev, int fd, bool cloexec,
				void *priv, const char *mapped_name)
{
	if (fd < 0)
		return -errno;
	struct file *f = hostfd_file_new(fd);
	if (!f) {
		/* The sentry out of host fds is the system's file table full (as pipe's). */
		int e = errno;
		close(fd);
		return e == EMFILE || e == ENFILE ? -ENFILE : -ENOMEM;
	}
	f->priv = priv;
	if (mapped_name)
		vfs_mapped_note(t, f, mapped_name);
	long r = fd_install(t, ev, f, cloexec, 0);
	file_put(f);
	return r;
}

/* The host fd behind guest fd if it is a host object at all. */
static int host_object(struct task *t, int fd)
{
	struct file *f = fd_get(t, fd);
	return f ? f->host_fd : -1;
}

static long do_epoll_create(struct task *t, struct syscall_event *ev, int flags)
{
	if (flags & ~EPOLL_CLOEXEC)
		return -EINVAL;
	return install_host_object(t, ev, epoll_create1(EPOLL_CLOEXEC), flags & EPOLL_CLOEXEC, NULL, NULL);
}

SYSCALL(epoll_create)
{
	if ((int)ev->args[0] <= 0)
		return -EINVAL;
	return do_epoll_create(t, ev, 0);
}

SYSCALL(epoll_create1)
{
	return do_epoll_create(t, ev, (int)ev->args[0]);
}

/* A memfd is the sentry's, made with the guest's name and flags (the host checks them as
   it does for anyone); its data path, mappings and seals are the host's. */
SYSCALL(memfd_create)
{
	char name[MEMFD_NAME_MAX + 1];
	unsigned flags = (unsigned)ev->args[1];
	int r = guest_read_string(t, ev->args[0], name, sizeof(name));
	if (r < 0)
		return r == -ENAMETOOLONG ? -EINVAL : r;
	/* The host's memfd has the guest's name: its mappings are called what Linux calls them. */
	char mapped_name[sizeof(name) + 32];
	snprintf(mapped_name, sizeof(mapped_name), "/memfd:%s (deleted)", name);
	return install_host_object(t, ev, memfd_create(name, flags | MFD_CLOEXEC), flags & MFD_CLOEXEC,
				   NULL, mapped_name);
}

/* Both fds must be host objects: the host's epoll watches the guest's mirror. Files the
   sentry serves itself cannot be watched (like regular files on Linux: EPERM). */
SYSCALL(epoll_ctl)
{
	int epfd = (int)ev->args[0], fd = (int)ev->args[2];
	if (!fd_get(t, epfd) || !fd_get(t, fd))
		return -EBADF;
	if (host_object(t, epfd) < 0)
		return -EINVAL;
	if (host_object(t, fd) < 0)
		return -EPERM;
	return SYSCALL_CONTINUE;
}

SYSCALL(epoll_wait)
{
	int epfd = (int)ev->args[0];
	if (!fd_get(t, epfd))
		return -EBADF;
	return host_object(t, epfd) >= 0 ? SYSCALL_CONTINUE : -EINVAL;
}

static long do_eventfd(struct task *t, struct syscall_event *ev, unsigned count, int flags)
{
	if (flags & ~(EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE))
		return -EINVAL;
	return install_host_object(t, ev, eventfd(count, (flags & ~EFD_CLOEXEC) | EFD_CLOEXEC),
				   flags & EFD_CLOEXEC, NULL, NULL);
}

SYSCALL(eventfd)
{
	return do_eventfd(t, ev, (unsigned)ev->args[0], 0);
}

SYSCALL(eventfd2)
{
	return do_eventfd(t, ev, (unsigned)ev->args[0], (int)ev->args[1]);
}

SYSCALL(timerfd_create)
{
	int clockid = (int)ev->args[0], flags = (int)ev->args[1];
	if (flags & ~(TFD_CLOEXEC | TFD_NONBLOCK))
		return -EINVAL;
	return install_host_object(t, ev, timerfd_create(clockid, (flags & ~TFD_CLOEXEC) | TFD_CLOEXEC),
				   flags & TFD_CLOEXEC, NULL, NULL);
}

/* timerfd_settime/gettime: on a host timerfd the host does it. */
SYSCALL(timerfd_settime)
{
	if (!fd_get(t, (int)ev->args[0]))
		return -EBADF;
	return host_object(t, (int)ev->args[0]) >= 0 ? SYSCALL_CONTINUE : -EINVAL;
}

static long do_signalfd(struct task *t, struct syscall_event *ev, int fd, uint64_t umask,
			size_t masksize, int flags)
{
	sigset_t mask;
	if (flags & ~(SFD_CLOEXEC | SFD_NONBLOCK) || masksize != 8)
		return -EINVAL;
	sigemptyset(&mask);
	long r = guest_read(t, umask, &mask, 8);
	if (r < 0)
		return r;
	if (fd != -1) {
		/* Changing the mask of an existing signalfd: the sentry's copy is the same one. */
		int host = host_object(t, fd);
		if (!fd_get(t, fd))
			return -EBADF;
		if (host < 0)
			return -EINVAL;
		return signalfd(host, &mask, 0) < 0 ? -errno : fd;
	}
	return install_host_object(t, ev, signalfd(-1, &mask, (flags & ~SFD_CLOEXEC) | SFD_CLOEXEC),
				   flags & SFD_CLOEXEC, (void *)signalfd_tag, NULL);
}

/* The host reads the caller's own signals; the records it wrote become the guest's at the
   syscall-exit stop, as rt_sigtimedwait's siginfo. */
static long signalfd_read_exit(struct task *t, long host_result)
{
	for (long off = 0; off + (long)sizeof(struct signalfd_siginfo) <= host_result;
	     off += (long)sizeof(struct signalfd_siginfo)) {
		struct signalfd_siginfo ssi;
		uint64_t at = t->syscall_exit_addr + (uint64_t)off;
		if (guest_read(t, at, &ssi, sizeof(ssi)) == 0 && signalfd_info_to_guest(t, &ssi))
			guest_write(t, at, &ssi, sizeof(ssi));
	}
	return host_result;
}

long signalfd_read(struct task *t, struct syscall_event *ev, struct file *f)
{
	if (f->priv != signalfd_tag || !ev->via_tracer)
		return SYSCALL_CONTINUE;
	return syscall_host_then(t, ev, signalfd_read_exit, ev->args[1]);
}

SYSCALL(signalfd)
{
	return do_signalfd(t, ev, (int)ev->args[0], ev->args[1], ev->args[2], 0);
}

SYSCALL(signalfd4)
{
	return do_signalfd(t, ev, (int)ev->args[0], ev->args[1], ev->args[2], (int)ev->args[3]);
}
