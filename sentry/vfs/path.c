/* Path resolution in the guest's namespace. Everything is resolved by the sentry: the gofer
   only ever sees single names, so no host path reaches outside the container. */
#define _GNU_SOURCE
#include "sentry/vfs/vfs.h"
#include "sentry/kernel.h"
#include "sentry/task/task.h"
#include "sentry/task/fdtable.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

struct walker {
	struct task *task;
	struct path root;		/* where "/" and ".." stop: the task's, or the start's */
	int nlinks;
	int resolve;			/* LOOKUP_RESOLVE_MASK bits */
	bool root_used;			/* an absolute path or ".." met the root (see walk) */
};

static bool path_equal(const struct path *a, const struct path *b)
{
	return a->mnt == b->mnt && a->dentry == b->dentry;
}

/* Steps into whatever is mounted on p->dentry (a mount of a tree onto itself, as a
   read-only path is, is entered once). */
void vfs_follow_mounts(struct path *p)
{
	while (p->dentry->mounted && p->dentry->mounted != p->mnt) {
		struct mount *m = p->dentry->mounted;
		struct dentry *d = dentry_get(m->root);
		dentry_put(p->dentry);
		p->mnt = m;
		p->dentry = d;
	}
}

void vfs_path_up(struct path *cur, const struct path *root)
{
	for (;;) {
		if (path_equal(cur, root))
			return;
		if (cur->dentry != cur->mnt->root)
			break;
		if (!cur->mnt->parent)
			return;
		struct dentry *mp = dentry_get(cur->mnt->mountpoint);
		struct mount *pm = cur->mnt->parent;
		dentry_put(cur->dentry);
		cur->mnt = pm;
		cur->dentry = mp;
	}
	struct dentry *parent = dentry_get(cur->dentry->parent);
	dentry_put(cur->dentry);
	cur->dentry = parent;
	vfs_follow_mounts(cur);
}

static int walk(struct walker *w, struct path *cur, const char *p, int flags,
		struct nameidata_last *last);

static int walk_symlink(struct walker *w, struct path *cur, struct inode *link, int flags)
{
	_Static_assert(VFS_PATH_MAX >= 4096, "symlink buffer");
	char *target;
	int r;

	if (w->resolve & LOOKUP_NO_SYMLINKS)
		return -ELOOP;
	if (++w->nlinks > VFS_MAX_SYMLINKS)
		return -ELOOP;
	if (link->iops && link->iops->get_link) {
		struct path to;
		if (w->resolve & LOOKUP_NO_MAGICLINKS)
			return -ELOOP;
		r = link->iops->get_link(link, &to);
		if (r < 0)
			return r;
		/* A jump can leave any scope (Linux refuses it in scoped lookups). */
		if ((w->resolve & (LOOKUP_BENEATH | LOOKUP_IN_ROOT)) ||
		    ((w->resolve & LOOKUP_NO_XDEV) && to.mnt != cur->mnt)) {
			path_put(&to);
			return -EXDEV;
		}
		path_put(cur);
		*cur = to;
		if ((flags & LOOKUP_DIRECTORY) && cur->dentry->inode && !S_ISDIR(cur->dentry->inode->mode))
			return -ENOTDIR;
		return 0;
	}
	if (!link->iops || !link->iops->readlink)
		return -EINVAL;
	target = malloc(VFS_PATH_MAX);
	if (!target)
		return -ENOMEM;
	r = link->iops->readlink(link, target, VFS_PATH_MAX - 1);
	if (r >= 0) {
		target[r] = '\0';
		r = r == 0 ? -ENOENT : walk(w, cur, target, flags, NULL);
	}
	free(target);
	return r;
}

static int walk(struct walker *w, struct path *cur, const char *p, int flags,
		struct nameidata_last *last)
{
	char name[VFS_NAME_MAX + 1];
	bool trailing_slash = false;
	int r;

	if (*p == '/') {
		/* An absolute symlink target (the path's own first jump is vfs_resolve's). With
		   RESOLVE_NO_XDEV Linux compares the mount with a root it looks up only for an
		   absolute path or "..": before either, any absolute symlink is EXDEV. */
		if ((w->resolve & LOOKUP_BENEATH) ||
		    ((w->resolve & LOOKUP_NO_XDEV) && (!w->root_used || cur->mnt != w->root.mnt)))
			return -EXDEV;
		path_set(cur, &w->root);
		while (*p == '/')
			p++;
	}
	while (*p) {
		const char *s = p;
		while (*p && *p != '/')
			p++;
		size_t n = (size_t)(p - s);
		trailing_slash = *p == '/';
		while (*p == '/')
			p++;
		bool is_last = *p == '\0';

		if (n > VFS_NAME_MAX)
			return -ENAMETOOLONG;
		memcpy(name, s, n);
		name[n] = '\0';
		struct inode *dir = cur->dentry->inode;
		if (!dir || !S_ISDIR(dir->mode))
			return -ENOTDIR;
		/* Search permission on the directory holding every name, the last one included
		   (Linux's may_lookup): creating or unlinking in a directory needs it too. */
		r = vfs_permission(w->task, dir, MAY_EXEC);
		if (r < 0)
			return r;
		if (is_last && (flags & LOOKUP_PARENT)) {
			memcpy(last->name, name, n + 1);
			last->trailing_slash = trailing_slash;
			return 0;
		}
		if (!strcmp(name, "."))
			continue;
		if (!strcmp(name, "..")) {
			struct mount *from = cur->mnt;
			w->root_used = true;
			if ((w->resolve & LOOKUP_BENEATH) && path_equal(cur, &w->root))
				return -EXDEV;
			vfs_path_up(cur, &w->root);
			if ((w->resolve & LOOKUP_NO_XDEV) && cur->mnt != from)
				return -EXDEV;
			continue;
		}
		struct dentry *child;
		r = dentry_lookup_child(cur->dentry, name, &child);
		if (r < 0)
			return r;
		struct path next = { cur->mnt, child };
		if (!child->inode) {
			if (is_last && !trailing_slash && (flags & LOOKUP_ALLOW_NEGATIVE)) {
				path_put(cur);
				*cur = next;
				return 0;
			}
			path_put(&next);
			return -ENOENT;
		}
		vfs_follow_mounts(&next);
		if ((w->resolve & LOOKUP_NO_XDEV) && next.mnt != cur->mnt) {
			path_put(&next);
			return -EXDEV;
		}
		struct inode *inode = next.dentry->inode;
		if (S_ISLNK(inode->mode) && (!is_last || trailing_slash || (flags & LOOKUP_FOLLOW))) {
			int lflags = is_last ? (flags & (LOOKUP_DIRECTORY | LOOKUP_ALLOW_NEGATIVE)) : 0;
			/* A trailing slash asks for a directory: a missing target is ENOENT, as a
			   missing name with a trailing slash is. */
			if (trailing_slash)
				lflags = (lflags | LOOKUP_DIRECTORY) & ~LOOKUP_ALLOW_NEGATIVE;
			inode_get(inode);
			r = walk_symlink(w, cur, inode, lflags | LOOKUP_FOLLOW);
			inode_put(inode);
			path_put(&next);
			if (r < 0)
				return r;
			continue;
		}
		path_put(cur);
		*cur = next;
	}
	if (flags & LOOKUP_PARENT) {
		/* Nothing after the parent ("/"): the caller sees an empty name. ("a/.." and "a/."
		   end in a name the loop returned: callers handle "." and ".." as last names.) */
		last->name[0] = '\0';
		last->trailing_slash = trailing_slash;
		return 0;
	}
	if ((flags & LOOKUP_DIRECTORY) || trailing_slash) {
		struct inode *inode = cur->dentry->inode;
		if (inode && !S_ISDIR(inode->mode))
			return -ENOTDIR;
	}
	return 0;
}

int vfs_resolve(struct task *t, const struct path *start, const char *path, int flags,
		struct path *out, struct nameidata_last *last)
{
	bool scoped = flags & (LOOKUP_BENEATH | LOOKUP_IN_ROOT);
	struct walker w = { .task = t, .root = scoped ? *start : t->fs->root,
			    .resolve = flags & LOOKUP_RESOLVE_MASK, .root_used = scoped };
	struct path cur = *start;
	int r;

	if (!*path && !(flags & LOOKUP_EMPTY))
		return -ENOENT;
	if (strlen(path) >= VFS_PATH_MAX)
		return -ENAMETOOLONG;
	/* An absolute path starts at the root, from any mount (RESOLVE_NO_XDEV allows that
	   first jump; RESOLVE_BENEATH refuses it, in walk). */
	if (*path == '/' && !(flags & LOOKUP_BENEATH)) {
		cur = w.root;
		w.root_used = true;
		while (*path == '/')
			path++;
	}
	path_get(&cur);
	r = walk(&w, &cur, path, flags, last);
	if (r < 0) {
		path_put(&cur);
		return r;
	}
	*out = cur;
	return 0;
}

int vfs_resolve_at(struct task *t, int dirfd, const char *path, int flags, struct path *out,
		   struct nameidata_last *last)
{
	const struct path *start = &t->fs->cwd;

	/* A scoped lookup starts at dirfd even for an absolute path (RESOLVE_IN_ROOT). */
	bool scoped = flags & (LOOKUP_BENEATH | LOOKUP_IN_ROOT);
	if ((path[0] != '/' || scoped) && dirfd != AT_FDCWD) {
		struct file *f = fd_get(t, dirfd);
		if (!f)
			return -EBADF;
		if (!f->path.dentry)
			return path[0] ? -ENOTDIR : -ENOENT;
		if (path[0] && (!f->inode || !S_ISDIR(f->inode->mode)))
			return -ENOTDIR;
		start = &f->path;
	}
	return vfs_resolve(t, start, path, flags, out, last);
}

int vfs_path_name(struct task *t, const struct path *p, char *buf, size_t size)
{
	/* Collect names leaf to root, then reverse. */
	const char *names[VFS_PATH_MAX / 2];
	int n = 0;
	struct path cur = *p;
	bool reachable = true;

	for (;;) {
		if (path_equal(&cur, &t->fs->root))
			break;
		if (cur.dentry == cur.mnt->root) {
			if (!cur.mnt->parent) {
				reachable = false;
				break;
			}
			cur.dentry = cur.mnt->mountpoint;
			cur.mnt = cur.mnt->parent;
			continue;
		}
		if (n >= (int)(sizeof(names) / sizeof(names[0])))
			return -ENAMETOOLONG;
		names[n++] = cur.dentry->name;
		cur.dentry = cur.dentry->parent;
	}
	size_t len = 0;
	const char *prefix = reachable ? "" : "(unreachable)";
	size_t plen = strlen(prefix);
	if (plen + 2 > size)
		return -ERANGE;
	memcpy(buf, prefix, plen);
	len = plen;
	if (n == 0)
		buf[len++] = '/';
	for (int i = n - 1; i >= 0; i--) {
		size_t l = strlen(names[i]);
		if (len + 1 + l + 1 > size)
			return -ERANGE;
		buf[len++] = '/';
		memcpy(buf + len, names[i], l);
		len += l;
	}
	buf[len] = '\0';
	return (int)len;
}
