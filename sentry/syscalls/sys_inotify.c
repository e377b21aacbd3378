/* inotify_init, inotify_init1, inotify_add_watch, inotify_rm_watch (the file and the events:
   sentry/vfs/inotify.c). fanotify is not offered (ENOSYS). */
#define _GNU_SOURCE
#include "sentry/syscalls/syscalls.h"
#include "sentry/kernel.h"
#include "sentry/task/task.h"
#include "sentry/task/fdtable.h"
#include "sentry/mm/guest_mem.h"
#include "common/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/inotify.h>

static long do_inotify_init(struct task *t, struct syscall_event *ev, int flags)
{
	if (flags & ~(IN_CLOEXEC | IN_NONBLOCK))
		return -EINVAL;
	struct file *f;
	int r = inotify_file_new(task_creds(t)->euid, flags, &f);
	if (r < 0)
		return r;
	r = fd_install(t, ev, f, flags & IN_CLOEXEC, 0);
	file_put(f);
	return r;
}

SYSCALL(inotify_init)
{
	return do_inotify_init(t, ev, 0);
}

SYSCALL(inotify_init1)
{
	return do_inotify_init(t, ev, (int)ev->args[0]);
}

/* The checks in Linux's order: the mask, the fd, the path, read permission. */
SYSCALL(inotify_add_watch)
{
	uint32_t mask = (uint32_t)ev->args[2];
	long r = inotify_mask_check(mask);
	if (r < 0)
		return r;
	struct file *f = fd_get(t, (int)ev->args[0]);
	if (!f || (f->flags & O_PATH))
		return -EBADF;
	if (!file_is_inotify(f))
		return -EINVAL;
	_cleanup_free_ char *name = malloc(VFS_PATH_MAX);
	if (!name)
		return -ENOMEM;
	r = guest_read_string(t, ev->args[1], name, VFS_PATH_MAX);
	if (r < 0)
		return r;
	int flags = (mask & IN_DONT_FOLLOW) ? 0 : LOOKUP_FOLLOW;
	if (mask & IN_ONLYDIR)
		flags |= LOOKUP_DIRECTORY;
	struct path p;
	r = vfs_resolve_at(t, AT_FDCWD, name, flags, &p, NULL);
	if (r < 0)
		return r;
	r = vfs_permission(t, p.dentry->inode, MAY_READ);
	if (r == 0)
		r = inotify_watch_add(f, p.dentry->inode, mask);
	path_put(&p);
	return r;
}

SYSCALL(inotify_rm_watch)
{
	struct file *f = fd_get(t, (int)ev->args[0]);
	if (!f || (f->flags & O_PATH))
		return -EBADF;
	return inotify_watch_rm(f, (int)ev->args[1]);
}
