/* Extended attributes of the sandbox's in-memory files (the overlay's upper layer, which a
   change copies up first, and tmpfs mounts): user.* (regular files and directories, by
   their permissions) and trusted.* (root, for CAP_SYS_ADMIN), kept on the sentry's inode.
   The image's own user.* attributes and security.capability come through the gofer
   (load_xattrs) onto the same list, where a copy-up keeps them; security.capability can be
   read, not set. Other name spaces (security.*, system.*) and other file systems (binds,
   /proc) have none: EOPNOTSUPP to set. */
#define _GNU_SOURCE
#include "sentry/vfs/vfs.h"
#include "sentry/kernel.h"
#include "sentry/task/task.h"

#include <errno.h>
#include <sys/inotify.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/xattr.h>

#define XATTR_NAME_MAX 255
#define XATTR_SIZE_MAX 65536

struct inode_xattr {
	char *name;
	void *value;
	size_t size;
	struct inode_xattr *next;
};

void inode_xattrs_free(struct inode *inode)
{
	while (inode->xattrs) {
		struct inode_xattr *x = inode->xattrs;
		inode->xattrs = x->next;
		free(x->name);
		free(x->value);
		free(x);
	}
}

static bool sb_has_xattrs(const struct super_block *sb)
{
	return !strcmp(sb->fstype, "gofer") || !strcmp(sb->fstype, "tmpfs");
}

static bool is_user(const char *name)
{
	return !strncmp(name, "user.", 5);
}

static bool is_trusted(const char *name)
{
	return !strncmp(name, "trusted.", 8);
}

#define XATTR_CAPS "security.capability"

/* The file system's own attributes (the image's), on the list before it is used. */
static int xattrs_load(struct inode *inode)
{
	if (!sb_has_xattrs(inode->sb) || !inode->iops || !inode->iops->load_xattrs)
		return 0;
	return inode->iops->load_xattrs(inode);
}

/* xattr_permission: MAY_READ or MAY_WRITE on name. */
static int xattr_permission(struct task *t, struct inode *inode, const char *name, int mask)
{
	if (is_trusted(name))
		return task_capable(t, CAP_SYS_ADMIN) ? 0 : (mask & MAY_WRITE) ? -EPERM : -ENODATA;
	if (is_user(name)) {
		if (!S_ISREG(inode->mode) && !S_ISDIR(inode->mode))
			return (mask & MAY_WRITE) ? -EPERM : -ENODATA;
		if (S_ISDIR(inode->mode) && (inode->mode & S_ISVTX) && (mask & MAY_WRITE) &&
		    task_creds(t)->fsuid != inode->uid && task_creds(t)->fsuid != 0)
			return -EPERM;
		return vfs_permission(t, inode, mask);
	}
	return -EOPNOTSUPP;
}

static int xattr_name_ok(const char *name)
{
	size_t len = strlen(name);
	return len == 0 || len > XATTR_NAME_MAX ? -ERANGE : 0;
}

static struct inode_xattr *xattr_find(struct inode *inode, const char *name)
{
	for (struct inode_xattr *x = inode->xattrs; x; x = x->next)
		if (!strcmp(x->name, name))
			return x;
	return NULL;
}

long vfs_getxattr(struct task *t, struct inode *inode, const char *name, void *buf, size_t size)
{
	int r = xattr_name_ok(name);
	if (r < 0)
		return r;
	bool caps = !strcmp(name, XATTR_CAPS) && sb_has_xattrs(inode->sb);
	if (!is_user(name) && !is_trusted(name) && !caps)
		return sb_has_xattrs(inode->sb) && (!strncmp(name, "security.", 9) ||
						    !strncmp(name, "system.", 7)) ? -ENODATA : -EOPNOTSUPP;
	/* security.* is readable by anyone, as Linux's. */
	if (!caps && (r = xattr_permission(t, inode, name, MAY_READ)) < 0)
		return r;
	if ((r = xattrs_load(inode)) < 0)
		return r;
	struct inode_xattr *x = xattr_find(inode, name);
	if (!x)
		return -ENODATA;
	if (size == 0)
		return (long)x->size;
	if (size < x->size)
		return -ERANGE;
	memcpy(buf, x->value, x->size);
	return (long)x->size;
}

long vfs_listxattr(struct task *t, struct inode *inode, char *buf, size_t size)
{
	size_t total = 0;
	bool admin = task_capable(t, CAP_SYS_ADMIN);
	int r = xattrs_load(inode);
	if (r < 0)
		return r;
	for (struct inode_xattr *x = inode->xattrs; x; x = x->next) {
		if (is_trusted(x->name) && !admin)
			continue;
		size_t n = strlen(x->name) + 1;
		if (size) {
			if (total + n > size)
				return -ERANGE;
			memcpy(buf + total, x->name, n);
		}
		total += n;
	}
	return (long)total;
}

/* Checks shared by set and remove: a name space this file has, on a writable mount. */
static int xattr_may_change(struct task *t, const struct path *p, struct inode *inode, const char *name)
{
	int r = xattr_name_ok(name);
	if (r < 0)
		return r;
	if (p && p->mnt && (p->mnt->flags & MS_RDONLY))
		return -EROFS;
	if (inode->sb->readonly)
		return -EROFS;
	if (!sb_has_xattrs(inode->sb) || (!is_user(name) && !is_trusted(name)))
		return -EOPNOTSUPP;
	if ((r = xattr_permission(t, inode, name, MAY_WRITE)) < 0)
		return r;
	if ((r = xattrs_load(inode)) < 0)
		return r;
	return vfs_copy_up(inode, INT64_MAX);
}

long vfs_setxattr(struct task *t, const struct path *p, struct inode *inode, const char *name,
		  const void *value, size_t size, int flags)
{
	if (flags & ~(XATTR_CREATE | XATTR_REPLACE))
		return -EINVAL;
	if (size > XATTR_SIZE_MAX)
		return -E2BIG;
	int r = xattr_may_change(t, p, inode, name);
	if (r < 0)
		return r;
	struct inode_xattr *x = xattr_find(inode, name);
	if (x && (flags & XATTR_CREATE))
		return -EEXIST;
	if (!x && (flags & XATTR_REPLACE))
		return -ENODATA;
	r = vfs_xattr_add(inode, name, strlen(name), value, size);
	if (r == 0) {
		clock_gettime(CLOCK_REALTIME, &inode->ctime);
		fsnotify_dentry(p ? p->dentry : NULL, inode, IN_ATTRIB);
	}
	return r;
}

int vfs_xattr_add(struct inode *inode, const char *name, size_t name_len, const void *value,
		  size_t size)
{
	char *key = strndup(name, name_len);
	void *copy = malloc(size ? size : 1);
	if (!key || !copy) {
		free(key);
		free(copy);
		return -ENOMEM;
	}
	memcpy(copy, value, size);
	struct inode_xattr *x = xattr_find(inode, key);
	if (!x) {
		if (!(x = calloc(1, sizeof(*x)))) {
			free(key);
			free(copy);
			return -ENOMEM;
		}
		x->name = key;
		x->next = inode->xattrs;
		inode->xattrs = x;
	} else {
		free(key);
	}
	free(x->value);
	x->value = copy;
	x->size = size;
	return 0;
}

/* Removes name from inode's list: whether it was there. */
static bool xattr_unlink(struct inode *inode, const char *name)
{
	for (struct inode_xattr **pp = &inode->xattrs; *pp; pp = &(*pp)->next) {
		struct inode_xattr *x = *pp;
		if (strcmp(x->name, name))
			continue;
		*pp = x->next;
		free(x->name);
		free(x->value);
		free(x);
		return true;
	}
	return false;
}

void vfs_xattr_kill_priv(struct inode *inode)
{
	if (xattrs_load(inode) == 0)
		xattr_unlink(inode, XATTR_CAPS);
}

long vfs_removexattr(struct task *t, const struct path *p, struct inode *inode, const char *name)
{
	int r = xattr_may_change(t, p, inode, name);
	if (r < 0)
		return r;
	if (!xattr_unlink(inode, name))
		return -ENODATA;
	clock_gettime(CLOCK_REALTIME, &inode->ctime);
	fsnotify_dentry(p ? p->dentry : NULL, inode, IN_ATTRIB);
	return 0;
}
