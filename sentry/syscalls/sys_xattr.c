/* Extended attributes: the sandbox's files have none, and none can be set (as on a file
   system without xattr support for user-visible names). Paths still resolve, so a missing
   file is ENOENT as it should be. */
#define _GNU_SOURCE
#include "sentry/syscalls/syscalls.h"
#include "sentry/kernel.h"
#include "sentry/task/task.h"
#include "sentry/task/fdtable.h"
#include "sentry/mm/guest_mem.h"

#include <errno.h>
#include <fcntl.h>

/* 0 if (path, follow) or fd names a file; -errno otherwise. */
static long xattr_target(struct task *t, uint64_t upath, bool follow, int fd)
{
	if (fd >= 0)
		return fd_get(t, fd) ? 0 : -EBADF;
	char path[VFS_PATH_MAX];
	struct path p;
	long r = guest_read_string(t, upath, path, sizeof(path));
	if (r < 0)
		return r;
	r = vfs_resolve_at(t, AT_FDCWD, path, follow ? LOOKUP_FOLLOW : 0, &p, NULL);
	if (r < 0)
		return r;
	path_put(&p);
	return 0;
}

/* The f* forms take any int as the fd: a negative one is EBADF (not "no fd"). */
#define XATTR_FD(ev) ((int)(ev)->args[0] < 0 ? -EBADF : 0)

static long xattr_get(struct task *t, uint64_t upath, bool follow, int fd)
{
	long r = xattr_target(t, upath, follow, fd);
	return r < 0 ? r : -ENODATA;
}

static long xattr_list(struct task *t, uint64_t upath, bool follow, int fd)
{
	long r = xattr_target(t, upath, follow, fd);
	return r < 0 ? r : 0;
}

static long xattr_set(struct task *t, uint64_t upath, bool follow, int fd)
{
	long r = xattr_target(t, upath, follow, fd);
	return r < 0 ? r : -EOPNOTSUPP;
}

SYSCALL(getxattr) { return xattr_get(t, ev->args[0], true, -1); }
SYSCALL(lgetxattr) { return xattr_get(t, ev->args[0], false, -1); }
SYSCALL(fgetxattr) { return XATTR_FD(ev) ?: xattr_get(t, 0, false, (int)ev->args[0]); }
SYSCALL(listxattr) { return xattr_list(t, ev->args[0], true, -1); }
SYSCALL(llistxattr) { return xattr_list(t, ev->args[0], false, -1); }
SYSCALL(flistxattr) { return XATTR_FD(ev) ?: xattr_list(t, 0, false, (int)ev->args[0]); }
SYSCALL(setxattr) { return xattr_set(t, ev->args[0], true, -1); }
SYSCALL(lsetxattr) { return xattr_set(t, ev->args[0], false, -1); }
SYSCALL(fsetxattr) { return XATTR_FD(ev) ?: xattr_set(t, 0, false, (int)ev->args[0]); }
SYSCALL(removexattr) { return xattr_get(t, ev->args[0], true, -1); }
SYSCALL(lremovexattr) { return xattr_get(t, ev->args[0], false, -1); }
SYSCALL(fremovexattr) { return XATTR_FD(ev) ?: xattr_get(t, 0, false, (int)ev->args[0]); }
