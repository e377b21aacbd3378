/* Extended attributes: the VFS keeps user.* and trusted.* of in-memory files
   (sentry/vfs/xattr.c); these read the names and values from guest memory and find the
   file by path (following the last symlink or not) or by fd. */
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
#include <sys/xattr.h>

#define XATTR_NAME_MAX 255
#define XATTR_SIZE_MAX 65536
#define XATTR_LIST_MAX 65536

/* The file an xattr call names: by path (upath) or by fd (>= 0). */
struct xattr_target {
	struct path path;		/* empty for an fd without a path */
	struct inode *inode;
};

static long xattr_target(struct task *t, uint64_t upath, bool follow, int fd, struct xattr_target *out)
{
	out->path = (struct path){ 0 };
	if (fd >= 0) {
		struct file *f = fd_get(t, fd);
		if (!f || !f->inode || (f->flags & O_PATH))
			return -EBADF;
		if (f->path.dentry)
			path_set(&out->path, &f->path);
		out->inode = f->inode;
		return 0;
	}
	char path[VFS_PATH_MAX];
	long r = guest_read_string(t, upath, path, sizeof(path));
	if (r < 0)
		return r;
	r = vfs_resolve_at(t, AT_FDCWD, path, follow ? LOOKUP_FOLLOW : 0, &out->path, NULL);
	if (r < 0)
		return r;
	out->inode = out->path.dentry->inode;
	return 0;
}

static void xattr_target_put(struct xattr_target *x)
{
	if (x->path.dentry)
		path_put(&x->path);
}

static long read_name(struct task *t, uint64_t uname, char name[XATTR_NAME_MAX + 1])
{
	long r = guest_read_string(t, uname, name, XATTR_NAME_MAX + 1);
	if (r == -ENAMETOOLONG || r == 0)
		return -ERANGE;
	return r < 0 ? r : 0;
}

static long xattr_get(struct task *t, struct syscall_event *ev, bool follow, int fd)
{
	char name[XATTR_NAME_MAX + 1];
	uint64_t ubuf = ev->args[2];
	size_t size = ev->args[3] > XATTR_SIZE_MAX ? XATTR_SIZE_MAX : ev->args[3];
	struct xattr_target x;
	long r = xattr_target(t, ev->args[0], follow, fd, &x);
	if (r < 0)
		return r;
	_cleanup_free_ char *buf = size ? malloc(size) : NULL;
	if ((r = read_name(t, ev->args[1], name)) == 0)
		r = size && !buf ? -ENOMEM : vfs_getxattr(t, x.inode, name, buf, size);
	xattr_target_put(&x);
	if (r > 0 && size && (r = guest_write(t, ubuf, buf, (size_t)r) ?: r) < 0)
		return r;
	return r;
}

static long xattr_list(struct task *t, struct syscall_event *ev, bool follow, int fd)
{
	uint64_t ubuf = ev->args[1];
	size_t size = ev->args[2] > XATTR_LIST_MAX ? XATTR_LIST_MAX : ev->args[2];
	struct xattr_target x;
	long r = xattr_target(t, ev->args[0], follow, fd, &x);
	if (r < 0)
		return r;
	_cleanup_free_ char *buf = size ? malloc(size) : NULL;
	r = size && !buf ? -ENOMEM : vfs_listxattr(t, x.inode, buf, size);
	xattr_target_put(&x);
	if (r > 0 && size && (r = guest_write(t, ubuf, buf, (size_t)r) ?: r) < 0)
		return r;
	return r;
}

static long xattr_set(struct task *t, struct syscall_event *ev, bool follow, int fd)
{
	char name[XATTR_NAME_MAX + 1];
	size_t size = ev->args[3];
	int flags = (int)ev->args[4];
	if (flags & ~(XATTR_CREATE | XATTR_REPLACE))
		return -EINVAL;
	long r = read_name(t, ev->args[1], name);
	if (r < 0)
		return r;
	if (size > XATTR_SIZE_MAX)
		return -E2BIG;
	_cleanup_free_ char *value = malloc(size ? size : 1);
	if (!value)
		return -ENOMEM;
	if (size && (r = guest_read(t, ev->args[2], value, size)) < 0)
		return r;
	struct xattr_target x;
	if ((r = xattr_target(t, ev->args[0], follow, fd, &x)) < 0)
		return r;
	r = vfs_setxattr(t, x.path.dentry ? &x.path : NULL, x.inode, name, value, size, flags);
	xattr_target_put(&x);
	return r;
}

static long xattr_remove(struct task *t, struct syscall_event *ev, bool follow, int fd)
{
	char name[XATTR_NAME_MAX + 1];
	long r = read_name(t, ev->args[1], name);
	if (r < 0)
		return r;
	struct xattr_target x;
	if ((r = xattr_target(t, ev->args[0], follow, fd, &x)) < 0)
		return r;
	r = vfs_removexattr(t, x.path.dentry ? &x.path : NULL, x.inode, name);
	xattr_target_put(&x);
	return r;
}

/* The f* forms take any int as the fd: a negative one is EBADF (not "no fd"). */
#define XATTR_FD(ev) ((int)(ev)->args[0] < 0 ? -EBADF : 0)

SYSCALL(getxattr) { return xattr_get(t, ev, true, -1); }
SYSCALL(lgetxattr) { return xattr_get(t, ev, false, -1); }
SYSCALL(fgetxattr) { return XATTR_FD(ev) ?: xattr_get(t, ev, false, (int)ev->args[0]); }
SYSCALL(listxattr) { return xattr_list(t, ev, true, -1); }
SYSCALL(llistxattr) { return xattr_list(t, ev, false, -1); }
SYSCALL(flistxattr) { return XATTR_FD(ev) ?: xattr_list(t, ev, false, (int)ev->args[0]); }
SYSCALL(setxattr) { return xattr_set(t, ev, true, -1); }
SYSCALL(lsetxattr) { return xattr_set(t, ev, false, -1); }
SYSCALL(fsetxattr) { return XATTR_FD(ev) ?: xattr_set(t, ev, false, (int)ev->args[0]); }
SYSCALL(removexattr) { return xattr_remove(t, ev, true, -1); }
SYSCALL(lremovexattr) { return xattr_remove(t, ev, false, -1); }
SYSCALL(fremovexattr) { return XATTR_FD(ev) ?: xattr_remove(t, ev, false, (int)ev->args[0]); }
