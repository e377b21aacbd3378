/* Opening and closing files; the fd table syscalls (dup, fcntl, ioctl). */
#define _GNU_SOURCE
#include "sentry/syscalls/syscalls.h"
#include "sentry/kernel.h"
#include "sentry/task/task.h"
#include "sentry/task/fdtable.h"
#include "sentry/task/siginfo.h"
#include "sentry/mm/guest_mem.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/openat2.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>

#define VALID_OPEN_FLAGS                                                                       \
	(O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | O_NONBLOCK | O_DSYNC |    \
	 O_ASYNC | O_DIRECT | O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC |     \
	 O_PATH | O_SYNC | __O_TMPFILE)

struct lease_request {
	struct inode *inode;
	int flags;
};

static long lease_attempt(struct task *t, struct syscall_event *ev, void *arg)
{
	const struct lease_request *req = arg;
	(void)t;
	(void)ev;
	long r = lease_break(req->inode, req->flags);
	return r == LEASE_WAIT ? SYSCALL_NOT_YET : r;
}

long lease_break_wait(struct task *t, struct syscall_event *ev, struct inode *inode, int flags)
{
	if (!inode->leases)
		return 0;
	struct lease_request req = { inode, flags };
	return syscall_wait_until(t, ev, lease_attempt, &req);
}

#define O_PATH_FLAGS (O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

/* flags are checked (openat2) or filtered (open, openat) by the caller; lookup holds the
   RESOLVE_* restrictions as LOOKUP_* bits. */
static long do_openat(struct task *t, struct syscall_event *ev, int dirfd, uint64_t upath,
		      int flags, mode_t mode, int lookup)
{
	char path[VFS_PATH_MAX];
	struct path p;
	struct file *f;
	long r;

	if ((flags & __O_TMPFILE) == __O_TMPFILE)
		return -EOPNOTSUPP;
	/* Since Linux 6.4: what would this even create? */
	if ((flags & O_CREAT) && (flags & O_DIRECTORY))
		return -EINVAL;
	r = guest_read_string(t, upath, path, sizeof(path));
	if (r < 0)
		return r;
	if (!(flags & O_NOFOLLOW) && !((flags & O_CREAT) && (flags & O_EXCL)))
		lookup |= LOOKUP_FOLLOW;
	if (flags & O_DIRECTORY)
		lookup |= LOOKUP_DIRECTORY;
	if (flags & O_CREAT)
		lookup |= LOOKUP_ALLOW_NEGATIVE;
	size_t len = strlen(path);
	if ((flags & O_CREAT) && len > 0 && path[len - 1] == '/') {
		/* "name/" with O_CREAT asks for a directory, which open never creates: EISDIR,
		   once the parent is found. */
		struct nameidata_last last;
		r = vfs_resolve_at(t, dirfd, path, LOOKUP_PARENT | (lookup & LOOKUP_RESOLVE_MASK), &p, &last);
		if (r < 0)
			return r;
		path_put(&p);
		return -EISDIR;
	}
	r = vfs_resolve_at(t, dirfd, path, lookup, &p, NULL);
	if (r < 0)
		return r;
	struct inode *inode = p.dentry->inode;
	if (!inode) {
		r = vfs_create(t, &p, mode);
		if (r < 0)
			goto out;
		r = vfs_open_created(t, &p, flags, &f);
		if (r < 0)
			goto out;
		goto install;
	}
	if ((flags & O_CREAT) && (flags & O_EXCL)) {
		r = -EEXIST;
		goto out;
	}
	if ((flags & O_CREAT) && S_ISDIR(inode->mode)) {
		r = -EISDIR;
		goto out;
	}
	if (S_ISLNK(inode->mode) && !(flags & O_PATH)) {
		r = -ELOOP;
		goto out;
	}
	if (!(flags & O_PATH) && (r = lease_break_wait(t, ev, inode, flags)) != 0)
		goto out;
	r = vfs_open(t, &p, flags, &f);
	if (r < 0)
		goto out;
install:
	r = fd_install(t, ev, f, flags & O_CLOEXEC, 0);
	file_put(f);
out:
	path_put(&p);
	return r;
}

/* open(2) and openat(2) ignore unknown flags, and those O_PATH does not use. */
static long do_open_lax(struct task *t, struct syscall_event *ev, int dirfd, uint64_t upath,
			int flags, mode_t mode)
{
	flags &= VALID_OPEN_FLAGS;
	if (flags & O_PATH)
		flags &= O_PATH_FLAGS;
	return do_openat(t, ev, dirfd, upath, flags, mode, 0);
}

SYSCALL(openat)
{
	return do_open_lax(t, ev, (int)ev->args[0], ev->args[1], (int)ev->args[2], (mode_t)ev->args[3]);
}

SYSCALL(open)
{
	return do_open_lax(t, ev, AT_FDCWD, ev->args[0], (int)ev->args[1], (mode_t)ev->args[2]);
}

SYSCALL(creat)
{
	return do_open_lax(t, ev, AT_FDCWD, ev->args[0], O_CREAT | O_WRONLY | O_TRUNC,
			   (mode_t)ev->args[1]);
}

#define VALID_RESOLVE_FLAGS                                                                    \
	(RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH |        \
	 RESOLVE_IN_ROOT | RESOLVE_CACHED)

/* struct open_how as Linux copies an extensible struct: shorter than the first version is
   EINVAL, longer than a page or with non-zero bytes past what is known E2BIG. */
static long read_open_how(struct task *t, uint64_t uhow, uint64_t size, struct open_how *how)
{
	unsigned char tail[256];

	if (size < 24)	/* the first version: flags, mode, resolve */
		return -EINVAL;
	if (size > 4096)
		return -E2BIG;
	memset(how, 0, sizeof(*how));
	long r = guest_read(t, uhow, how, sizeof(*how));
	if (r < 0)
		return r;
	for (uint64_t off = sizeof(*how); off < size; off += sizeof(tail)) {
		size_t n = size - off < sizeof(tail) ? (size_t)(size - off) : sizeof(tail);
		r = guest_read(t, uhow + off, tail, n);
		if (r < 0)
			return r;
		for (size_t i = 0; i < n; i++)
			if (tail[i])
				return -E2BIG;
	}
	return 0;
}

/* openat2: every flag known or EINVAL, a mode only with O_CREAT (Linux's build_open_flags),
   and the RESOLVE_* restrictions on the walk. */
SYSCALL(openat2)
{
	struct open_how how;
	int lookup = 0;
	long r = read_open_how(t, ev->args[2], ev->args[3], &how);
	if (r < 0)
		return r;
	if ((how.flags & ~(uint64_t)VALID_OPEN_FLAGS) || (how.resolve & ~(uint64_t)VALID_RESOLVE_FLAGS))
		return -EINVAL;
	if ((how.resolve & RESOLVE_BENEATH) && (how.resolve & RESOLVE_IN_ROOT))
		return -EINVAL;
	int flags = (int)how.flags;
	bool creates = (flags & O_CREAT) || (flags & __O_TMPFILE) == __O_TMPFILE;
	if (creates ? (how.mode & ~(uint64_t)07777) : how.mode)
		return -EINVAL;
	if ((flags & O_PATH) && (flags & ~O_PATH_FLAGS))
		return -EINVAL;
	/* Nothing is tried from a cached lookup alone that would create or truncate. */
	if ((how.resolve & RESOLVE_CACHED) && (flags & (O_TRUNC | O_CREAT | __O_TMPFILE)))
		return -EAGAIN;
	static const struct { uint64_t resolve; int lookup; } map[] = {
		{ RESOLVE_NO_XDEV, LOOKUP_NO_XDEV },
		{ RESOLVE_NO_MAGICLINKS, LOOKUP_NO_MAGICLINKS },
		{ RESOLVE_NO_SYMLINKS, LOOKUP_NO_SYMLINKS },
		{ RESOLVE_BENEATH, LOOKUP_BENEATH },
		{ RESOLVE_IN_ROOT, LOOKUP_IN_ROOT },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (how.resolve & map[i].resolve)
			lookup |= map[i].lookup;
	return do_openat(t, ev, (int)ev->args[0], ev->args[1], flags, (mode_t)how.mode, lookup);
}

SYSCALL(close)
{
	int fd = (int)ev->args[0];
	bool host;
	long r = fd_remove(t, fd, &host);
	if (r < 0)
		return r;
	if (!host)
		return 0;
	/* The host drops its mirror itself; until then the number stays taken. */
	task_reserve_closing(t, fd, fd);
	return SYSCALL_CONTINUE;
}

SYSCALL(close_range)
{
	unsigned first = (unsigned)ev->args[0], last = (unsigned)ev->args[1];
	unsigned flags = (unsigned)ev->args[2];
	bool any_host = false;

	if (flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC) || first > last)
		return -EINVAL;
	int size = t->files->size;
	/* Nothing at or above the table's end (and first as an int would be negative). */
	if (first >= (unsigned)size)
		return 0;
	int hi = last >= (unsigned)size ? size - 1 : (int)last;
	for (int fd = (int)first; fd <= hi; fd++) {
		if (!fd_get(t, fd))
			continue;
		if (flags & CLOSE_RANGE_CLOEXEC) {
			fd_set_cloexec(t, fd, true);
			any_host |= fd_get(t, fd)->host_fd >= 0;
			continue;
		}
		bool host;
		fd_remove(t, fd, &host);
		any_host |= host;
	}
	if (!any_host)
		return 0;
	if (!(flags & CLOSE_RANGE_CLOEXEC))
		task_reserve_closing(t, (int)first, hi);
	return SYSCALL_CONTINUE;
}

SYSCALL(dup)
{
	struct file *f = fd_get(t, (int)ev->args[0]);
	if (!f)
		return -EBADF;
	return fd_install(t, ev, f, false, 0);
}

static long do_dup3(struct task *t, struct syscall_event *ev, int oldfd, int newfd, int flags)
{
	struct file *f = fd_get(t, oldfd);
	if (!f)
		return -EBADF;
	if (newfd < 0)
		return -EBADF;
	return fd_install_at(t, ev, f, flags & O_CLOEXEC, newfd);
}

SYSCALL(dup2)
{
	int oldfd = (int)ev->args[0], newfd = (int)ev->args[1];
	if (oldfd == newfd)
		return fd_get(t, oldfd) ? newfd : -EBADF;
	return do_dup3(t, ev, oldfd, newfd, 0);
}

SYSCALL(dup3)
{
	int oldfd = (int)ev->args[0], newfd = (int)ev->args[1], flags = (int)ev->args[2];
	if (oldfd == newfd || (flags & ~O_CLOEXEC))
		return -EINVAL;
	return do_dup3(t, ev, oldfd, newfd, flags);
}

/* F_GETLK's answer names the holder by host pid: the guest's pid, or 0 for a process
   outside the sandbox (as Linux shows one in another pid namespace). */
static long getlk_exit(struct task *t, long host_result)
{
	struct flock fl;
	if (host_result == 0 && guest_read(t, t->syscall_exit_addr, &fl, sizeof(fl)) == 0 && fl.l_pid > 0) {
		fl.l_pid = host_pid_to_guest(fl.l_pid);
		guest_write(t, t->syscall_exit_addr, &fl, sizeof(fl));
	}
	return host_result;
}

#define SETFL_MASK (O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME)

/* A file whose data path the host runs on its mirror but whose flags are the sentry's (a
   FIFO, a bind mount's file): the host description gets the flags that change that path,
   set by the sentry, whatever the guest's memory says later. */
static long sync_host_flags(struct file *f)
{
	if (f->host_fd < 0 || !file_native_read(f))
		return 0;
	int fl = fcntl(f->host_fd, F_GETFL);
	if (fl < 0)
		return -errno;
	fl = (fl & ~(O_NONBLOCK | O_APPEND)) | (f->flags & (O_NONBLOCK | O_APPEND));
	return fcntl(f->host_fd, F_SETFL, fl) < 0 ? -errno : 0;
}

/* Does the owner F_SETOWN names exist? A process group: any member. */
static bool owner_exists(int type, pid_t pid)
{
	if (type == F_OWNER_TID)
		return task_by_tid(pid) != NULL;
	if (type == F_OWNER_PID)
		return thread_group_by_pid(pid) != NULL;
	for (struct thread_group *tg = thread_group_first(); tg; tg = thread_group_next(tg))
		if (tg->pgid == pid && !tg->exited)
			return true;
	return false;
}

/* F_SETOWN and F_SETOWN_EX, as Linux's f_setown: the owner in guest ids, ESRCH for none.
   A host object's description (shared with the sentry's copy) gets the host's ids of a
   thread or a process, so that the host's SIGIO and SIGURG reach it; a process group has no
   host counterpart (the sentry keeps the groups) and gets no host owner. */
static long file_set_owner(struct file *f, int type, pid_t pid)
{
	if (type != F_OWNER_TID && type != F_OWNER_PID && type != F_OWNER_PGRP)
		return -EINVAL;
	if (pid < 0 || (pid && !owner_exists(type, pid)))
		return -ESRCH;
	f->owner_type = type;
	f->owner = pid;
	if (f->host_fd < 0)
		return 0;
	struct f_owner_ex host = { F_OWNER_PID, 0 };
	if (pid && type == F_OWNER_TID) {
		host.type = F_OWNER_TID;
		host.pid = task_by_tid(pid)->host_tid;
	} else if (pid && type == F_OWNER_PID) {
		host.pid = thread_group_by_pid(pid)->host_pid;
	}
	return fcntl(f->host_fd, F_SETOWN_EX, &host) < 0 ? -errno : 0;
}

SYSCALL(fcntl)
{
	int fd = (int)ev->args[0], cmd = (int)ev->args[1];
	uint64_t arg = ev->args[2];
	struct file *f = fd_get(t, fd);

	if (!f)
		return -EBADF;
	bool host = f->host_fd >= 0;
	/* Status flags are the host's only for objects the guest shares with the host as they
	   are (pipes, sockets, stdio): a file opened through the sentry's VFS has the flags the
	   guest opened it with, whatever the host description has (the gofer's O_NONBLOCK, a
	   memfd shared by every open of an upper file). */
	bool native_flags = host && file_native_read(f) && !f->path.dentry;
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		if (arg >= (uint64_t)t->tg->rlimits[RLIMIT_NOFILE].rlim_cur || arg >= FD_TABLE_MAX)
			return -EINVAL;
		return fd_install(t, ev, f, cmd == F_DUPFD_CLOEXEC, (int)arg);
	case F_GETFD:
		return fd_get_cloexec(t, fd) ? FD_CLOEXEC : 0;
	case F_SETFD:
		fd_set_cloexec(t, fd, arg & FD_CLOEXEC);
		/* The host mirror must carry the flag too: exec closes it natively. */
		return host ? SYSCALL_CONTINUE : 0;
	case F_GETFL:
		if (native_flags)
			return SYSCALL_CONTINUE;
		return file_status_flags(f);
	case F_SETFL:
		f->flags = (f->flags & ~SETFL_MASK) | ((int)arg & SETFL_MASK);
		return native_flags ? SYSCALL_CONTINUE : sync_host_flags(f);
	case F_GETLK:
	case F_OFD_GETLK:
		if (host)
			return syscall_host_then(t, ev, getlk_exit, arg);
		return 0;
	case F_SETLK:
	case F_SETLKW:
	case F_OFD_SETLK:
	case F_OFD_SETLKW:
		/* Record locks on host objects are the host's, which checks the lock type against
		   the mirror's access mode (the open's own, see fd_place); sentry-made files have
		   no other user. */
		return host ? SYSCALL_CONTINUE : 0;
	case F_SETLEASE:
		if (f->flags & O_PATH)
			return -EBADF;
		return f->inode ? lease_set(t, f, fd, (int)arg) : -EINVAL;
	case F_GETLEASE:
		return f->flags & O_PATH ? -EBADF : lease_get(f);
	case F_SETSIG:
		if (arg > TASK_NSIG - 1)
			return -EINVAL;
		/* A sentry file's signal is the sentry's to send (leases); a host object's the
		   host's (O_ASYNC). */
		f->sig = (int)arg;
		return native_flags ? SYSCALL_CONTINUE : 0;
	case F_GETSIG:
		return native_flags ? SYSCALL_CONTINUE : f->sig;
	case F_SETOWN: {
		int who = (int)arg;
		if (who == INT_MIN)
			return -EINVAL;
		return who < 0 ? file_set_owner(f, F_OWNER_PGRP, -who) : file_set_owner(f, F_OWNER_PID, who);
	}
	case F_GETOWN:
		return f->owner_type == F_OWNER_PGRP ? -f->owner : f->owner;
	case F_SETOWN_EX: {
		struct f_owner_ex ex;
		long r = guest_read(t, arg, &ex, sizeof(ex));
		return r < 0 ? r : file_set_owner(f, ex.type, ex.pid);
	}
	case F_GETOWN_EX: {
		/* A description never given an owner shows type 0 (F_OWNER_TID), as Linux's. */
		struct f_owner_ex ex = { f->owner_type, f->owner };
		return guest_write(t, arg, &ex, sizeof(ex));
	}
	case F_GETPIPE_SZ:
	case F_SETPIPE_SZ:
	case F_ADD_SEALS:
	case F_GET_SEALS:
		return host ? SYSCALL_CONTINUE : -EINVAL;
	default:
		return -EINVAL;
	}
}

struct flock_request {
	struct file *file;
	int type;
	bool nb;
};

/* Has the lock, or a conflict is the answer (LOCK_NB); else waits on (the guest filter
   sends flock through the tracer, so that signals interrupt the wait). */
static long flock_attempt(struct task *t, struct syscall_event *ev, void *arg)
{
	const struct flock_request *req = arg;
	(void)t;
	(void)ev;
	long r = flock_set(req->file, req->type);
	return r == -EWOULDBLOCK && !req->nb ? SYSCALL_NOT_YET : r;
}

SYSCALL(flock)
{
	unsigned op = (unsigned)ev->args[1];
	int type = (int)(op & ~(unsigned)LOCK_NB);

	/* LOCK_MAND requests are accepted and ignored, before anything is checked. */
	if (op & LOCK_MAND)
		return 0;
	if (type != LOCK_SH && type != LOCK_EX && type != LOCK_UN)
		return -EINVAL;
	struct file *f = fd_get(t, (int)ev->args[0]);
	if (!f || (f->flags & O_PATH))
		return -EBADF;
	/* The fd may be closed while this waits: the open file stays until the wait ends. */
	struct flock_request req = { file_get(f), type, op & LOCK_NB };
	long r = syscall_wait_until(t, ev, flock_attempt, &req);
	file_put(f);
	return r;
}

SYSCALL(ioctl)
{
	int fd = (int)ev->args[0];
	unsigned int cmd = (unsigned int)ev->args[1];
	struct file *f = fd_get(t, fd);

	if (!f || (f->flags & O_PATH))
		return -EBADF;
	switch (cmd) {
	case FIOCLEX:
	case FIONCLEX:
		fd_set_cloexec(t, fd, cmd == FIOCLEX);
		return f->host_fd >= 0 ? SYSCALL_CONTINUE : 0;
	case FIONBIO: {
		/* The flag is read once, here: the sentry sets it on the host description itself
		   (the mirror's), so that both agree whatever the guest's memory says later. */
		int on;
		long r = guest_read(t, ev->args[2], &on, sizeof(on));
		if (r < 0)
			return r;
		f->flags = on ? f->flags | O_NONBLOCK : f->flags & ~O_NONBLOCK;
		return sync_host_flags(f);
	}
	case FIONREAD:
		if (file_native_io(f))
			return SYSCALL_CONTINUE;
		if (f->inode && S_ISREG(f->inode->mode)) {
			/* Bytes between the position and the end, as Linux answers for files. */
			if (f->inode->iops && f->inode->iops->refresh)
				f->inode->iops->refresh(f->inode);
			int n = f->inode->size > f->pos ? (int)(f->inode->size - f->pos) : 0;
			long w = guest_write(t, ev->args[2], &n, sizeof(n));
			return w < 0 ? w : 0;
		}
		break;
	}
	if (!f->ops || !f->ops->ioctl)
		return -ENOTTY;
	return f->ops->ioctl(f, cmd, ev->args[2]);
}
