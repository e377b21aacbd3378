#define _GNU_SOURCE
#include "sentry/fs/goferfs.h"
#include "sentry/kernel.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

struct gofer_dir_entry {
	char *name;
	uint64_t ino;
	unsigned type;
};

struct gofer_inode {
	uint32_t fid;
	char *link;			/* cached symlink target */
	size_t link_len;
	struct gofer_dir_entry *entries;	/* cached listing, loaded on first iterate */
	size_t nentries, cap;
	bool listed;
};

static const struct inode_operations gofer_iops;

static void gofer_timespec(struct timespec *ts, int64_t sec, int64_t nsec)
{
	ts->tv_sec = sec;
	ts->tv_nsec = nsec;
}

static struct inode *gofer_inode_new(struct super_block *sb, uint32_t fid,
				     const struct gofer_attr *a)
{
	struct gofer_inode *gi = calloc(1, sizeof(*gi));
	struct inode *inode = gi ? inode_new(sb, a->mode) : NULL;
	if (!inode) {
		free(gi);
		return NULL;
	}
	gi->fid = fid;
	inode->priv = gi;
	inode->iops = &gofer_iops;
	if (S_ISDIR(a->mode))
		inode->fops = &dir_file_ops;
	else if (S_ISREG(a->mode))
		inode->fops = &host_file_ops;
	/* The image's own identities, so stat in the sandbox matches stat of the image. */
	inode->dev = a->dev;
	inode->ino = a->ino;
	inode->uid = a->uid;
	inode->gid = a->gid;
	inode->nlink = a->nlink;
	inode->rdev = a->rdev;
	inode->size = a->size;
	inode->blksize = a->blksize;
	inode->blocks = a->blocks;
	gofer_timespec(&inode->atime, a->atime_sec, a->atime_nsec);
	gofer_timespec(&inode->mtime, a->mtime_sec, a->mtime_nsec);
	gofer_timespec(&inode->ctime, a->ctime_sec, a->ctime_nsec);
	return inode;
}

static struct gofer_inode *GI(struct inode *inode)
{
	return inode->priv;
}

static int goferfs_lookup(struct inode *dir, const char *name, struct inode **out)
{
	struct gofer_walk_result res;
	int stop_error = 0;
	const char *names[1] = { name };
	int r = gofer_walk(&kernel.gofer, GI(dir)->fid, names, 1, &res, &stop_error);
	if (r < 0)
		return r;
	*out = gofer_inode_new(dir->sb, res.fid, &res.attr);
	if (!*out) {
		gofer_clunk(&kernel.gofer, res.fid);
		return -ENOMEM;
	}
	return 0;
}

static int goferfs_readlink(struct inode *inode, char *buf, size_t size)
{
	struct gofer_inode *gi = GI(inode);
	if (!gi->link) {
		char tmp[GOFER_PATH_MAX];
		int r = gofer_readlink(&kernel.gofer, gi->fid, tmp, sizeof(tmp));
		if (r < 0)
			return r;
		gi->link = malloc((size_t)r + 1);
		if (!gi->link)
			return -ENOMEM;
		memcpy(gi->link, tmp, (size_t)r);
		gi->link[r] = '\0';
		gi->link_len = (size_t)r;
	}
	size_t n = gi->link_len < size ? gi->link_len : size;
	memcpy(buf, gi->link, n);
	return (int)n;
}

static int gofer_collect_entry(void *ctx, const char *name, size_t namelen, uint64_t ino,
			       uint8_t type, uint64_t next_cookie)
{
	struct gofer_inode *gi = ctx;
	(void)next_cookie;
	if (gi->nentries == gi->cap) {
		size_t cap = gi->cap ? gi->cap * 2 : 16;
		struct gofer_dir_entry *e = realloc(gi->entries, cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		gi->entries = e;
		gi->cap = cap;
	}
	struct gofer_dir_entry *e = &gi->entries[gi->nentries];
	e->name = strndup(name, namelen);
	if (!e->name)
		return -ENOMEM;
	e->ino = ino;
	e->type = type;
	gi->nentries++;
	return 0;
}

static int gofer_load_listing(struct gofer_inode *gi)
{
	uint64_t cookie = 0;
	for (;;) {
		int r = gofer_readdir(&kernel.gofer, gi->fid, cookie, gofer_collect_entry, gi, &cookie);
		if (r < 0)
			return r;
		if (r == 1)
			break;
	}
	gi->listed = true;
	return 0;
}

static int goferfs_iterate(struct inode *dir, uint64_t *cookie, dir_emit_fn emit, void *ctx)
{
	struct gofer_inode *gi = GI(dir);
	if (!gi->listed) {
		int r = gofer_load_listing(gi);
		if (r < 0)
			return r;
	}
	for (uint64_t i = *cookie; i < gi->nentries; i++) {
		struct gofer_dir_entry *e = &gi->entries[i];
		if (emit(ctx, e->name, strlen(e->name), e->ino, e->type, i + 1))
			return 0;
		*cookie = i + 1;
	}
	return 0;
}

static int goferfs_open(struct inode *inode, struct file *f, int flags)
{
	(void)flags;
	if (S_ISDIR(inode->mode))
		return 0;
	if (!S_ISREG(inode->mode))
		return -EACCES;
	int fd = gofer_open(&kernel.gofer, GI(inode)->fid, O_RDONLY);
	if (fd < 0)
		return fd;
	f->host_fd = fd;
	return 0;
}

static void goferfs_evict(struct inode *inode)
{
	struct gofer_inode *gi = GI(inode);
	gofer_clunk(&kernel.gofer, gi->fid);
	for (size_t i = 0; i < gi->nentries; i++)
		free(gi->entries[i].name);
	free(gi->entries);
	free(gi->link);
	free(gi);
}

static const struct inode_operations gofer_iops = {
	.lookup = goferfs_lookup,
	.readlink = goferfs_readlink,
	.iterate = goferfs_iterate,
	.open = goferfs_open,
	.evict = goferfs_evict,
};

int goferfs_attach(uint32_t root, struct dentry **out)
{
	struct gofer_attr attr;
	uint32_t fid, flags;
	int r = gofer_attach(&kernel.gofer, root, &fid, &flags, &attr);
	if (r < 0)
		return log_errno(r, "attaching gofer root %u", root);
	struct super_block *sb = calloc(1, sizeof(*sb));
	if (!sb)
		return -ENOMEM;
	sb->fstype = "gofer";
	sb->dev = (dev_t)attr.dev;
	sb->readonly = flags & GOFER_ROOT_READONLY;
	struct inode *inode = gofer_inode_new(sb, fid, &attr);
	if (!inode)
		return -ENOMEM;
	*out = dentry_new_root(inode);
	return *out ? 0 : -ENOMEM;
}
