/* Inodes, dentries and the dentry cache. */
#define _GNU_SOURCE
#include "sentry/vfs/vfs.h"
#include "sentry/kernel.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct inode *inode_new(struct super_block *sb, mode_t mode)
{
	struct inode *inode = calloc(1, sizeof(*inode));
	if (!inode)
		return NULL;
	inode->refs = 1;
	inode->sb = sb;
	inode->dev = sb->dev;
	inode->ino = ++sb->next_ino;
	inode->mode = mode;
	inode->nlink = S_ISDIR(mode) ? 2 : 1;
	inode->blksize = 4096;
	clock_gettime(CLOCK_REALTIME, &inode->mtime);
	inode->atime = inode->ctime = inode->mtime;
	return inode;
}

struct inode *inode_get(struct inode *inode)
{
	if (inode)
		inode->refs++;
	return inode;
}

void inode_put(struct inode *inode)
{
	if (!inode)
		return;
	if (--inode->refs > 0) {
		if (inode->inotify_marks)
			fsnotify_inode_put(inode);
		return;
	}
	if (inode->host_mapped)
		vfs_mapped_forget(inode);
	if (inode->iops && inode->iops->evict)
		inode->iops->evict(inode);
	inode_xattrs_free(inode);
	free(inode);
}

static struct dentry *dentry_alloc(struct dentry *parent, const char *name, struct inode *inode)
{
	struct dentry *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->name = strdup(name);
	if (!d->name) {
		free(d);
		return NULL;
	}
	d->refs = 1;
	d->parent = dentry_get(parent);
	d->inode = inode;
	return d;
}

struct dentry *dentry_new_root(struct inode *inode)
{
	return dentry_alloc(NULL, "/", inode);
}

struct dentry *dentry_new_anon(struct dentry *parent, struct inode *inode)
{
	return dentry_alloc(parent, "anon", inode);
}

struct dentry *dentry_get(struct dentry *d)
{
	if (d)
		d->refs++;
	return d;
}

void dentry_put(struct dentry *d)
{
	while (d && --d->refs == 0) {
		/* Cached dentries are held by their parent's table and never reach zero. */
		struct dentry *parent = d->parent;
		inode_put(d->inode);
		free(d->name);
		free(d);
		d = parent;
	}
}

void dentry_hash(struct dentry *d)
{
	if (d->hashed || !d->parent)
		return;
	HASH_ADD_KEYPTR(hh, d->parent->children, d->name, strlen(d->name), d);
	d->hashed = true;
	dentry_get(d);
}

void dentry_drop_child(struct dentry *parent, const char *name)
{
	struct dentry *d = NULL;
	HASH_FIND_STR(parent->children, name, d);
	if (!d)
		return;
	HASH_DEL(parent->children, d);
	d->hashed = false;
	dentry_put(d);
}

int dentry_lookup_child(struct dentry *parent, const char *name, struct dentry **out)
{
	struct inode *dir = parent->inode;
	struct dentry *d = NULL;
	struct inode *inode = NULL;
	int r;

	if (!dir || !S_ISDIR(dir->mode))
		return -ENOTDIR;
	/* A file system that caches no names keeps only the ways to its mount points. */
	HASH_FIND_STR(parent->children, name, d);
	if (d) {
		*out = dentry_get(d);
		return 0;
	}
	if (!dir->iops || !dir->iops->lookup)
		return -ENOENT;
	r = dir->iops->lookup(dir, name, &inode);
	if (r < 0 && r != -ENOENT)
		return r;
	d = dentry_alloc(parent, name, inode);
	if (!d) {
		inode_put(inode);
		return -ENOMEM;
	}
	/* The table's reference keeps the entry cached, negative ones included. */
	if (!dir->sb->uncached && (inode || !dir->sb->shared))
		dentry_hash(d);
	*out = d;
	return 0;
}

void path_get(struct path *p)
{
	dentry_get(p->dentry);
}

void path_put(struct path *p)
{
	dentry_put(p->dentry);
	p->dentry = NULL;
	p->mnt = NULL;
}

void path_set(struct path *dst, const struct path *src)
{
	struct path old = *dst;
	*dst = *src;
	path_get(dst);
	if (old.dentry)
		path_put(&old);
}
