/* Changing names and attributes: mkdir, mknod, symlink, link, unlink, rmdir, rename, and
   chmod, chown, utimes, truncate. The checks (permissions, the sticky bit, types, mount
   points, loops) and their order follow Linux's fs/namei.c, fs/open.c, fs/attr.c and
   fs/utimes.c; the file system only changes its own names (inode_operations), and this file
   keeps the dentry cache in step:

   - a created name turns its negative dentry positive (d_instantiate);
   - a removed name's dentry leaves its parent's table (d_drop): whoever still holds it (an
     open file, a working directory) keeps the inode, and the next lookup of the name asks
     the file system again, which knows it is gone;
   - a renamed dentry moves to its new parent and name (d_move), the one it replaced is
     dropped.

   Everything runs under the kernel lock. */
#define _GNU_SOURCE
#include "sentry/vfs/vfs.h"
#include "sentry/kernel.h"
#include "sentry/task/task.h"
#include "sentry/task/fdtable.h"

#include "common/cleanup.h"

#include <errno.h>
#include <sys/inotify.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#define RENAME_EXCHANGE (1 << 1)
#define RENAME_WHITEOUT (1 << 2)
#endif

#define S_IRWXUGO (S_IRWXU | S_IRWXG | S_IRWXO)
#define S_IALLUGO (S_ISUID | S_ISGID | S_ISVTX | S_IRWXUGO)

/* ---- helpers ---- */

/* Linux's inode_owner_or_capable. */
static bool owner_or_capable(struct task *t, struct inode *inode)
{
	return task_creds(t)->fsuid == inode->uid || task_capable(t, CAP_FOWNER);
}

void inode_touch(struct inode *inode)
{
	clock_gettime(CLOCK_REALTIME, &inode->mtime);
	inode->ctime = inode->mtime;
}

void inode_apply_attr(struct inode *inode, const struct iattr *ia)
{
	if (ia->valid & VFS_ATTR_MODE)
		inode->mode = (inode->mode & S_IFMT) | (ia->mode & ~S_IFMT);
	if (ia->valid & VFS_ATTR_UID)
		inode->uid = ia->uid;
	if (ia->valid & VFS_ATTR_GID)
		inode->gid = ia->gid;
	if (ia->valid & VFS_ATTR_ATIME)
		inode->atime = ia->atime;
	if (ia->valid & VFS_ATTR_MTIME)
		inode->mtime = ia->mtime;
	if (ia->valid & VFS_ATTR_CTIME)
		inode->ctime = ia->ctime;
}

int vfs_copy_up(struct inode *inode, int64_t keep)
{
	if (inode->iops && inode->iops->copy_up)
		return inode->iops->copy_up(inode, keep);
	return 0;
}

/* EROFS: a read-only mount or super block (Linux's mnt_want_write). */
static int may_write_fs(struct mount *mnt, struct inode *inode)
{
	if ((mnt && (mnt->flags & MS_RDONLY)) || (inode && inode->sb->readonly))
		return -EROFS;
	return 0;
}

static int setattr(const struct path *p, struct inode *inode, struct iattr *ia)
{
	if (!inode->iops || !inode->iops->setattr)
		return -EPERM;
	unsigned changed = ia->valid;
	ia->valid |= VFS_ATTR_CTIME;
	clock_gettime(CLOCK_REALTIME, &ia->ctime);
	int r = inode->iops->setattr(inode, ia);
	if (r == 0)
		fsnotify_change(p, inode, changed);
	return r;
}

static int count_entry(void *ctx, const char *name, size_t namelen, uint64_t ino, unsigned type,
		       uint64_t next_cookie)
{
	(void)name, (void)namelen, (void)ino, (void)type, (void)next_cookie;
	(*(int *)ctx)++;
	return 1;
}

int vfs_dir_empty(struct inode *dir)
{
	uint64_t cookie = 0;
	int n = 0;
	if (!dir->iops || !dir->iops->iterate)
		return 1;
	int r = dir->iops->iterate(dir, &cookie, count_entry, &n);
	return r < 0 ? r : n == 0;
}

/* ---- the dentry cache ---- */

/* The name now exists: its (negative) dentry takes the new inode's reference, and is cached
   (a file system that caches no missing names had left it out). */
static void d_instantiate(struct dentry *d, struct inode *inode)
{
	inode_put(d->inode);
	d->inode = inode;
	if (d->parent && !d->parent->inode->sb->uncached)
		dentry_hash(d);
}

/* Takes d out of its parent's table (its holders keep it, the name is looked up afresh). */
static void d_drop(struct dentry *d)
{
	if (!d->hashed || !d->parent)
		return;
	HASH_DEL(d->parent->children, d);
	d->hashed = false;
	dentry_put(d);
}

/* A removed directory: its cached children are all negative (it was empty); dropping them
   breaks the parent/child reference cycle so it can be freed. */
static void d_prune_children(struct dentry *d)
{
	struct dentry *c, *tmp;
	HASH_ITER(hh, d->children, c, tmp) {
		HASH_DEL(d->children, c);
		c->hashed = false;
		dentry_put(c);
	}
}

/* Moves d to new_parent under name (which the caller allocated): the table's reference
   moves with it. */
static void d_move(struct dentry *d, struct dentry *new_parent, char *name)
{
	bool hashed = d->hashed;
	if (hashed)
		HASH_DEL(d->parent->children, d);
	free(d->name);
	d->name = name;
	if (d->parent != new_parent) {
		struct dentry *old = d->parent;
		d->parent = dentry_get(new_parent);
		dentry_put(old);
	}
	if (hashed)
		HASH_ADD_KEYPTR(hh, new_parent->children, d->name, strlen(d->name), d);
}

/* ---- permission checks (Linux's may_create, may_delete) ---- */

static int may_create(struct task *t, struct inode *dir)
{
	/* A removed directory takes no new names. */
	if (dir->nlink == 0)
		return -ENOENT;
	return vfs_permission(t, dir, MAY_WRITE | MAY_EXEC);
}

/* The sticky bit: only the file's owner, the directory's owner or CAP_FOWNER may remove. */
static bool sticky_denies(struct task *t, struct inode *dir, struct inode *victim)
{
	const struct creds *c = task_creds(t);
	if (!(dir->mode & S_ISVTX))
		return false;
	if (c->fsuid == victim->uid || c->fsuid == dir->uid)
		return false;
	return !task_capable(t, CAP_FOWNER);
}

static int may_delete(struct task *t, struct inode *dir, struct dentry *victim, bool isdir)
{
	struct inode *inode = victim->inode;
	if (!inode)
		return -ENOENT;
	int r = vfs_permission(t, dir, MAY_WRITE | MAY_EXEC);
	if (r < 0)
		return r;
	if (sticky_denies(t, dir, inode))
		return -EPERM;
	if (isdir) {
		if (!S_ISDIR(inode->mode))
			return -ENOTDIR;
		if (!victim->parent)
			return -EBUSY;
	} else if (S_ISDIR(inode->mode)) {
		return -EISDIR;
	}
	if (dir->nlink == 0)
		return -ENOENT;
	return 0;
}

/* Is the name "", "." or ".."? (Linux's LAST_ROOT, LAST_DOT, LAST_DOTDOT.) */
static bool last_is_special(const char *name)
{
	return !name[0] || !strcmp(name, ".") || !strcmp(name, "..");
}

/* ---- creating ---- */

struct create_target {
	struct path parent;
	struct dentry *child;		/* negative, in parent's table */
	struct nameidata_last last;
};

static void create_target_release(struct create_target *ct)
{
	if (ct->child)
		dentry_put(ct->child);
	if (ct->parent.dentry)
		path_put(&ct->parent);
}

/* Linux's filename_create: the parent of path and the negative dentry of its last name
   (EEXIST, ENOENT for "missing/", EROFS). */
static int lookup_create(struct task *t, int dirfd, const char *path, bool is_dir,
			 struct create_target *ct)
{
	memset(ct, 0, sizeof(*ct));
	int r = vfs_resolve_at(t, dirfd, path, LOOKUP_PARENT, &ct->parent, &ct->last);
	if (r < 0)
		return r;
	if (last_is_special(ct->last.name))
		return -EEXIST;
	r = dentry_lookup_child(ct->parent.dentry, ct->last.name, &ct->child);
	if (r < 0)
		return r;
	if (ct->child->inode)
		return -EEXIST;
	/* A file system whose names are made up (procfs) fails the lookup of a missing name,
	   as Linux's proc_lookup does: nothing can be created there. */
	if (ct->parent.dentry->inode->sb->uncached)
		return -ENOENT;
	/* "foo/" names a directory: a missing one cannot be anything else. */
	if (ct->last.trailing_slash && !is_dir)
		return -ENOENT;
	return may_write_fs(ct->parent.mnt, ct->parent.dentry->inode);
}

/* May t add a name to dir? Then dir is copied up for it. */
static int prepare_create(struct task *t, struct inode *dir)
{
	int r = may_create(t, dir);
	return r < 0 ? r : vfs_copy_up(dir, INT64_MAX);
}

/* Owner, group and mode of a new inode in dir (Linux's inode_init_owner). */
static void init_owner(struct task *t, struct inode *dir, mode_t mode, struct inode_init *init)
{
	const struct creds *c = task_creds(t);
	init->uid = c->fsuid;
	init->gid = c->fsgid;
	init->rdev = 0;
	if (dir->mode & S_ISGID) {
		init->gid = dir->gid;
		if (S_ISDIR(mode))
			mode |= S_ISGID;
		else if ((mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP) &&
			 !creds_in_group(c, dir->gid) && !task_capable(t, CAP_FSETID))
			mode &= ~S_ISGID;
	}
	init->mode = mode;
}

int vfs_mkdirat(struct task *t, int dirfd, const char *path, mode_t mode)
{
	struct create_target ct;
	int r = lookup_create(t, dirfd, path, true, &ct);
	if (r == 0)
		r = prepare_create(t, ct.parent.dentry->inode);
	if (r == 0) {
		struct inode *dir = ct.parent.dentry->inode;
		struct inode_init init;
		struct inode *inode;
		init_owner(t, dir, S_IFDIR | ((mode & (S_IRWXUGO | S_ISVTX)) & ~t->fs->umask), &init);
		if (!dir->iops || !dir->iops->mkdir)
			r = -EPERM;
		else if ((r = dir->iops->mkdir(dir, ct.last.name, &init, &inode)) == 0) {
			d_instantiate(ct.child, inode);
			fsnotify_name(dir, ct.last.name, true, IN_CREATE, 0);
		}
	}
	create_target_release(&ct);
	return r;
}

static int create_in(struct task *t, struct inode *dir, struct dentry *child, mode_t mode,
		     dev_t rdev)
{
	struct inode_init init;
	struct inode *inode;
	init_owner(t, dir, mode, &init);
	init.rdev = rdev;
	if (!dir->iops || !dir->iops->create)
		return -EPERM;
	int r = dir->iops->create(dir, child->name, &init, &inode);
	if (r == 0) {
		d_instantiate(child, inode);
		fsnotify_name(dir, child->name, false, IN_CREATE, 0);
	}
	return r;
}

int vfs_mknodat(struct task *t, int dirfd, const char *path, mode_t mode, dev_t rdev)
{
	switch (mode & S_IFMT) {
	case 0:
		mode |= S_IFREG;
		break;
	case S_IFREG:
	case S_IFIFO:
	case S_IFSOCK:
	case S_IFCHR:
	case S_IFBLK:
		break;
	case S_IFDIR:
		return -EPERM;
	default:
		return -EINVAL;
	}
	struct create_target ct;
	int r = lookup_create(t, dirfd, path, false, &ct);
	if (r == 0)
		r = may_create(t, ct.parent.dentry->inode);
	/* No device nodes in the sandbox (a device would be the host's), CAP_MKNOD or not. */
	if (r == 0 && (S_ISCHR(mode) || S_ISBLK(mode)))
		r = -EPERM;
	if (r == 0)
		r = vfs_copy_up(ct.parent.dentry->inode, INT64_MAX);
	if (r == 0)
		r = create_in(t, ct.parent.dentry->inode, ct.child,
			      (mode & S_IFMT) | ((mode & S_IALLUGO) & ~t->fs->umask), rdev);
	create_target_release(&ct);
	return r;
}

int vfs_create(struct task *t, const struct path *p, mode_t mode)
{
	struct dentry *child = p->dentry;
	struct dentry *parent = child->parent;
	if (!parent || child->inode)
		return -EEXIST;
	struct inode *dir = parent->inode;
	if (dir->sb->uncached)
		return -ENOENT;	/* as in lookup_create */
	int r = may_write_fs(p->mnt, dir);
	if (r == 0)
		r = may_create(t, dir);
	if (r == 0)
		r = vfs_copy_up(dir, INT64_MAX);
	if (r == 0)
		r = create_in(t, dir, child, S_IFREG | ((mode & S_IALLUGO) & ~t->fs->umask), 0);
	return r;
}

int vfs_symlinkat(struct task *t, const char *target, int dirfd, const char *path)
{
	if (!target[0])
		return -ENOENT;
	struct create_target ct;
	int r = lookup_create(t, dirfd, path, false, &ct);
	if (r == 0)
		r = prepare_create(t, ct.parent.dentry->inode);
	if (r == 0) {
		struct inode *dir = ct.parent.dentry->inode;
		struct inode_init init;
		struct inode *inode;
		init_owner(t, dir, S_IFLNK | 0777, &init);
		if (!dir->iops || !dir->iops->symlink)
			r = -EPERM;
		else if ((r = dir->iops->symlink(dir, ct.last.name, target, &init, &inode)) == 0) {
			d_instantiate(ct.child, inode);
			fsnotify_name(dir, ct.last.name, false, IN_CREATE, 0);
		}
	}
	create_target_release(&ct);
	return r;
}

/* fs.protected_hardlinks (on by default): linking someone else's file needs the right to
   read and write it, and it must be an ordinary file. */
static int may_linkat(struct task *t, struct inode *inode)
{
	if (owner_or_capable(t, inode))
		return 0;
	if (!S_ISREG(inode->mode) || (inode->mode & S_ISUID) ||
	    (inode->mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP))
		return -EPERM;
	if (vfs_permission(t, inode, MAY_READ | MAY_WRITE) < 0)
		return -EPERM;
	return 0;
}

int vfs_linkat(struct task *t, int olddirfd, const char *oldpath, int newdirfd,
	       const char *newpath, int flags)
{
	struct path old;
	struct create_target ct;
	int r;

	if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if ((flags & AT_EMPTY_PATH) && !oldpath[0]) {
		/* The file an fd refers to. */
		if (!task_capable(t, CAP_DAC_READ_SEARCH))
			return -ENOENT;
		struct file *f = olddirfd == AT_FDCWD ? NULL : fd_get(t, olddirfd);
		if (olddirfd == AT_FDCWD) {
			old = t->fs->cwd;
		} else {
			if (!f)
				return -EBADF;
			if (!f->path.dentry)
				return -ENOENT;
			old = f->path;
		}
		path_get(&old);
	} else {
		r = vfs_resolve_at(t, olddirfd, oldpath, (flags & AT_SYMLINK_FOLLOW) ? LOOKUP_FOLLOW : 0,
				   &old, NULL);
		if (r < 0)
			return r;
	}
	r = lookup_create(t, newdirfd, newpath, false, &ct);
	if (r < 0)
		goto out;
	struct inode *inode = old.dentry->inode;
	struct inode *dir = ct.parent.dentry->inode;
	if (old.mnt != ct.parent.mnt) {
		r = -EXDEV;
		goto out;
	}
	r = may_linkat(t, inode);
	if (r == 0)
		r = prepare_create(t, dir);
	if (r < 0)
		goto out;
	if (inode->sb != dir->sb) {
		r = -EXDEV;
		goto out;
	}
	if (S_ISDIR(inode->mode)) {
		r = -EPERM;
		goto out;
	}
	/* An unlinked file cannot get a name back. */
	if (inode->nlink == 0) {
		r = -ENOENT;
		goto out;
	}
	if (!dir->iops || !dir->iops->link) {
		r = -EPERM;
		goto out;
	}
	r = dir->iops->link(dir, ct.last.name, inode);
	if (r == 0) {
		d_instantiate(ct.child, inode_get(inode));
		fsnotify_inode(inode, IN_ATTRIB);
		fsnotify_name(dir, ct.last.name, false, IN_CREATE, 0);
	}
out:
	create_target_release(&ct);
	path_put(&old);
	return r;
}

/* ---- removing ---- */

/* The last name's dentry under a resolved parent (positive or not). */
static int lookup_last(struct path *parent, const char *name, struct dentry **out)
{
	return dentry_lookup_child(parent->dentry, name, out);
}

static int do_rmdir(struct task *t, struct path *parent, const char *name)
{
	struct inode *dir = parent->dentry->inode;
	struct dentry *d;
	int r = lookup_last(parent, name, &d);
	if (r < 0)
		return r;
	r = may_delete(t, dir, d, true);
	if (r == 0 && d->mounted)
		r = -EBUSY;
	if (r == 0) {
		r = vfs_dir_empty(d->inode);
		r = r < 0 ? r : r ? 0 : -ENOTEMPTY;
	}
	if (r == 0)
		r = vfs_copy_up(dir, INT64_MAX);
	if (r == 0)
		r = dir->iops && dir->iops->rmdir ? dir->iops->rmdir(dir, name, d->inode) : -EPERM;
	if (r == 0) {
		d_prune_children(d);
		d_drop(d);
	}
	/* The directory's own watches hear of it first, when the dentry goes (Linux's d_delete
	   then fsnotify_delete). */
	dentry_put(d);
	if (r == 0)
		fsnotify_name(dir, name, true, IN_DELETE, 0);
	return r;
}

static int do_unlink(struct task *t, struct path *parent, const char *name, bool trailing_slash)
{
	struct inode *dir = parent->dentry->inode;
	struct dentry *d;
	int r = lookup_last(parent, name, &d);
	if (r < 0)
		return r;
	if (trailing_slash) {
		/* "file/": what is there decides the error. */
		r = !d->inode ? -ENOENT : S_ISDIR(d->inode->mode) ? -EISDIR : -ENOTDIR;
		dentry_put(d);
		return r;
	}
	r = may_delete(t, dir, d, false);
	if (r == 0 && d->mounted)
		r = -EBUSY;
	if (r == 0)
		r = vfs_copy_up(dir, INT64_MAX);
	if (r == 0)
		r = dir->iops && dir->iops->unlink ? dir->iops->unlink(dir, name, d->inode) : -EPERM;
	bool child_isdir = d->inode && S_ISDIR(d->inode->mode);
	if (r == 0) {
		fsnotify_inode(d->inode, IN_ATTRIB);
		d_drop(d);
	}
	dentry_put(d);
	if (r == 0)
		fsnotify_name(dir, name, child_isdir, IN_DELETE, 0);
	return r;
}

int vfs_unlinkat(struct task *t, int dirfd, const char *path, int flags)
{
	struct path parent;
	struct nameidata_last last;

	if (flags & ~AT_REMOVEDIR)
		return -EINVAL;
	int r = vfs_resolve_at(t, dirfd, path, LOOKUP_PARENT, &parent, &last);
	if (r < 0)
		return r;
	if (flags & AT_REMOVEDIR) {
		if (!strcmp(last.name, "."))
			r = -EINVAL;
		else if (!strcmp(last.name, ".."))
			r = -ENOTEMPTY;
		else if (!last.name[0])
			r = -EBUSY;
	} else if (last_is_special(last.name)) {
		r = -EISDIR;
	}
	if (r == 0)
		r = may_write_fs(parent.mnt, parent.dentry->inode);
	if (r == 0)
		r = (flags & AT_REMOVEDIR) ? do_rmdir(t, &parent, last.name)
					   : do_unlink(t, &parent, last.name, last.trailing_slash);
	path_put(&parent);
	return r;
}

/* ---- rename ---- */

/* Linux's fsnotify_move: the two names with one cookie, the replaced file's link count, the
   moved inode itself. */
static void rename_notify(struct inode *odir, const char *oname, struct inode *ndir,
			  const char *nname, struct inode *moved, struct inode *replaced)
{
	bool dir = S_ISDIR(moved->mode);
	uint32_t cookie = fsnotify_cookie();
	fsnotify_name(odir, oname, dir, IN_MOVED_FROM, cookie);
	fsnotify_name(ndir, nname, dir, IN_MOVED_TO, cookie);
	if (replaced)
		fsnotify_inode(replaced, IN_ATTRIB);
	fsnotify_inode(moved, IN_MOVE_SELF);
}

/* Is anc a proper ancestor of d (within one file system)? */
static bool is_ancestor(struct dentry *anc, struct dentry *d)
{
	for (struct dentry *p = d->parent; p; p = p->parent)
		if (p == anc)
			return true;
	return false;
}

int vfs_renameat2(struct task *t, int olddirfd, const char *oldpath, int newdirfd,
		  const char *newpath, unsigned flags)
{
	struct path op = { 0 }, np = { 0 };
	struct nameidata_last ol, nl;
	struct dentry *od = NULL, *nd = NULL;
	char *new_name = NULL, *old_name = NULL;
	bool exchange = flags & RENAME_EXCHANGE;
	int r;

	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
		return -EINVAL;
	if ((flags & (RENAME_NOREPLACE | RENAME_WHITEOUT)) && exchange)
		return -EINVAL;
	/* Whiteouts are an overlay's business; this one needs none. */
	if (flags & RENAME_WHITEOUT)
		return task_capable(t, CAP_MKNOD) ? -EINVAL : -EPERM;
	r = vfs_resolve_at(t, olddirfd, oldpath, LOOKUP_PARENT, &op, &ol);
	if (r < 0)
		return r;
	r = vfs_resolve_at(t, newdirfd, newpath, LOOKUP_PARENT, &np, &nl);
	if (r < 0)
		goto out;
	if (op.mnt != np.mnt) {
		r = -EXDEV;
		goto out;
	}
	if (last_is_special(ol.name)) {
		r = -EBUSY;
		goto out;
	}
	if (last_is_special(nl.name)) {
		r = (flags & RENAME_NOREPLACE) ? -EEXIST : -EBUSY;
		goto out;
	}
	struct inode *odir = op.dentry->inode, *ndir = np.dentry->inode;
	r = may_write_fs(op.mnt, odir);
	if (r < 0)
		goto out;
	r = lookup_last(&op, ol.name, &od);
	if (r < 0)
		goto out;
	if (!od->inode) {
		r = -ENOENT;
		goto out;
	}
	r = lookup_last(&np, nl.name, &nd);
	if (r < 0)
		goto out;
	if ((flags & RENAME_NOREPLACE) && nd->inode) {
		r = -EEXIST;
		goto out;
	}
	if (exchange && !nd->inode) {
		r = -ENOENT;
		goto out;
	}
	struct inode *src = od->inode, *target = nd->inode;
	bool src_dir = S_ISDIR(src->mode);
	bool target_dir = target && S_ISDIR(target->mode);
	if (exchange && !target_dir && nl.trailing_slash) {
		r = -ENOTDIR;
		goto out;
	}
	if (!src_dir && (ol.trailing_slash || (!exchange && nl.trailing_slash))) {
		r = -ENOTDIR;
		goto out;
	}
	/* Moving a directory into itself, or over one of its ancestors. */
	if (od == nd) {
		r = 0;
		goto out;
	}
	if (is_ancestor(od, nd)) {
		r = -EINVAL;
		goto out;
	}
	if (is_ancestor(nd, od)) {
		r = exchange ? -EINVAL : -ENOTEMPTY;
		goto out;
	}
	/* Two names of one inode: nothing to do. */
	if (src == target) {
		r = 0;
		goto out;
	}
	r = may_delete(t, odir, od, src_dir);
	if (r < 0)
		goto out;
	if (!target)
		r = may_create(t, ndir);
	else
		r = may_delete(t, ndir, nd, exchange ? target_dir : src_dir);
	if (r < 0)
		goto out;
	/* A directory that changes parent rewrites its "..": it must be writable. */
	if (odir != ndir) {
		if (src_dir && (r = vfs_permission(t, src, MAY_WRITE)) < 0)
			goto out;
		if (exchange && target_dir && (r = vfs_permission(t, target, MAY_WRITE)) < 0)
			goto out;
	}
	if (od->mounted || nd->mounted) {
		r = -EBUSY;
		goto out;
	}
	if (target_dir && !exchange) {
		r = vfs_dir_empty(target);
		if (r <= 0) {
			r = r < 0 ? r : -ENOTEMPTY;
			goto out;
		}
	}
	if (src->sb != ndir->sb) {
		r = -EXDEV;
		goto out;
	}
	new_name = strdup(nl.name);
	old_name = exchange ? strdup(ol.name) : NULL;
	if (!new_name || (exchange && !old_name)) {
		r = -ENOMEM;
		goto out;
	}
	r = vfs_copy_up(odir, INT64_MAX);
	if (r == 0)
		r = vfs_copy_up(ndir, INT64_MAX);
	if (r < 0)
		goto out;
	if (!odir->iops || !odir->iops->rename) {
		r = -EPERM;
		goto out;
	}
	r = odir->iops->rename(odir, ol.name, src, ndir, nl.name, target,
			       exchange ? VFS_RENAME_EXCHANGE : 0);
	if (r < 0)
		goto out;
	rename_notify(odir, ol.name, ndir, nl.name, src, exchange ? NULL : target);
	if (exchange)
		rename_notify(ndir, nl.name, odir, ol.name, target, NULL);
	if (exchange) {
		struct dentry *op_parent = dentry_get(od->parent);
		struct dentry *np_parent = nd->parent;
		bool oh = od->hashed, nh = nd->hashed;
		/* Out of both tables first (the two may share one), then each in the other's
		   place. */
		if (oh)
			HASH_DEL(od->parent->children, od);
		if (nh)
			HASH_DEL(nd->parent->children, nd);
		od->hashed = nd->hashed = false;
		d_move(od, np_parent, take_ptr(&new_name));
		d_move(nd, op_parent, take_ptr(&old_name));
		if (oh)
			HASH_ADD_KEYPTR(hh, od->parent->children, od->name, strlen(od->name), od);
		if (nh)
			HASH_ADD_KEYPTR(hh, nd->parent->children, nd->name, strlen(nd->name), nd);
		od->hashed = oh;
		nd->hashed = nh;
		dentry_put(op_parent);
	} else {
		if (target_dir)
			d_prune_children(nd);
		d_drop(nd);
		d_move(od, nd->parent, take_ptr(&new_name));
	}
out:
	free(new_name);
	free(old_name);
	if (od)
		dentry_put(od);
	if (nd)
		dentry_put(nd);
	if (np.dentry)
		path_put(&np);
	path_put(&op);
	return r;
}

/* ---- attributes ---- */

static int attr_target_writable(const struct path *p, struct inode *inode)
{
	return may_write_fs(p ? p->mnt : NULL, inode);
}

int vfs_chmod(struct task *t, const struct path *p, struct inode *inode, mode_t mode)
{
	int r = attr_target_writable(p, inode);
	if (r < 0)
		return r;
	if (!owner_or_capable(t, inode))
		return -EPERM;
	struct iattr ia = { .valid = VFS_ATTR_MODE, .mode = mode & S_IALLUGO };
	/* Only a member of the file's group (or CAP_FSETID) may set its setgid bit. */
	if (!creds_in_group(task_creds(t), inode->gid) && !task_capable(t, CAP_FSETID))
		ia.mode &= ~S_ISGID;
	return setattr(p, inode, &ia);
}

int vfs_chown(struct task *t, const struct path *p, struct inode *inode, uid_t uid, gid_t gid)
{
	const struct creds *c = task_creds(t);
	int r = attr_target_writable(p, inode);
	if (r < 0)
		return r;
	struct iattr ia = { 0 };
	if (uid != (uid_t)-1) {
		if (!task_capable(t, CAP_CHOWN) && !(c->fsuid == inode->uid && uid == inode->uid))
			return -EPERM;
		ia.valid |= VFS_ATTR_UID;
		ia.uid = uid;
	}
	if (gid != (gid_t)-1) {
		if (!task_capable(t, CAP_CHOWN) &&
		    !(c->fsuid == inode->uid && (gid == inode->gid || creds_in_group(c, gid))))
			return -EPERM;
		ia.valid |= VFS_ATTR_GID;
		ia.gid = gid;
	}
	/* A new owner of a program does not inherit the old owner's set-id bits (root's
	   chown included, as on Linux since 2.2.13), nor its file capabilities. */
	if (!S_ISDIR(inode->mode)) {
		vfs_xattr_kill_priv(inode);
		mode_t m = inode->mode & ~S_IFMT;
		mode_t kept = m & ~S_ISUID;
		if ((m & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP))
			kept &= ~S_ISGID;
		if (kept != m) {
			ia.valid |= VFS_ATTR_MODE;
			ia.mode = kept;
		}
	}
	return setattr(p, inode, &ia);
}

int vfs_utimens(struct task *t, const struct path *p, struct inode *inode,
		const struct timespec times[2])
{
	struct iattr ia = { .valid = VFS_ATTR_ATIME | VFS_ATTR_MTIME };
	struct timespec now;
	int r = attr_target_writable(p, inode);
	if (r < 0)
		return r;
	if (times && times[0].tv_nsec == UTIME_NOW && times[1].tv_nsec == UTIME_NOW)
		times = NULL;
	clock_gettime(CLOCK_REALTIME, &now);
	ia.atime = ia.mtime = now;
	if (!times) {
		/* "Touch": the owner, CAP_FOWNER, or anyone who may write the file. */
		if (!owner_or_capable(t, inode) && (r = vfs_permission(t, inode, MAY_WRITE)) < 0)
			return r;
	} else {
		bool explicit_time = false;
		for (int i = 0; i < 2; i++) {
			unsigned bit = i == 0 ? VFS_ATTR_ATIME : VFS_ATTR_MTIME;
			struct timespec *dst = i == 0 ? &ia.atime : &ia.mtime;
			if (times[i].tv_nsec == UTIME_OMIT) {
				ia.valid &= ~bit;
			} else if (times[i].tv_nsec != UTIME_NOW) {
				*dst = times[i];
				explicit_time = true;
			}
		}
		if (explicit_time && !owner_or_capable(t, inode))
			return -EPERM;
		if (!explicit_time && !owner_or_capable(t, inode) &&
		    (r = vfs_permission(t, inode, MAY_WRITE)) < 0)
			return r;
	}
	return setattr(p, inode, &ia);
}

int vfs_truncate_permitted(struct task *t, const struct path *p, struct inode *inode, int64_t size,
			   bool check_perm)
{
	if (size < 0)
		return -EINVAL;
	if (S_ISDIR(inode->mode))
		return -EISDIR;
	if (!S_ISREG(inode->mode))
		return -EINVAL;
	int r = attr_target_writable(p, inode);
	if (r == 0 && check_perm)
		r = vfs_permission(t, inode, MAY_WRITE);
	return r;
}

int vfs_truncate(struct task *t, const struct path *p, struct inode *inode, int64_t size,
		 bool check_perm)
{
	int r = vfs_truncate_permitted(t, p, inode, size, check_perm);
	if (r < 0)
		return r;
	if (inode->iops && inode->iops->refresh)
		inode->iops->refresh(inode);
	/* truncate(2) leaves the times alone when the size does not change; ftruncate(2) and
	   O_TRUNC always set them (Linux passes ATTR_MTIME | ATTR_CTIME for those). */
	bool times = !check_perm || size != inode->size;
	r = vfs_copy_up(inode, size);
	if (r < 0)
		return r;
	struct iattr ia = { .valid = VFS_ATTR_SIZE, .size = size };
	if (times) {
		ia.valid |= VFS_ATTR_MTIME;
		clock_gettime(CLOCK_REALTIME, &ia.mtime);
	}
	vfs_xattr_kill_priv(inode);
	/* Writing clears the set-id bits of someone else's program (file_remove_privs). */
	mode_t m = inode->mode & ~S_IFMT;
	if (!task_capable(t, CAP_FSETID) &&
	    ((m & S_ISUID) || (m & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP))) {
		ia.valid |= VFS_ATTR_MODE;
		ia.mode = m & ~(S_ISUID | S_ISGID);
	}
	return setattr(p, inode, &ia);
}
