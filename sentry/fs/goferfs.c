/* The image, served by the gofer. As the lower layer of the root overlay, its inodes turn
   into memfs ones in place when first changed (copy_up): a directory becomes a complete
   in-memory directory, a regular file an in-memory copy. Attribute changes (chmod, chown,
   utimes) need no copy: attributes live in the sentry's inodes. Until then an inode reads
   the image exactly as before: no extra trip to the gofer for lookups, stats or reads. */
#define _GNU_SOURCE
#include "sentry/fs/goferfs.h"
#include "sentry/fs/fifo.h"
#include "sentry/fs/memfs.h"
#include "sentry/kernel.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Inode numbers of files created in the overlay: far above what the image's file systems
   hand out (ext4 and xfs numbers stay far below 2^40 on any disk this runs on), so a new
   file never shares (st_dev, st_ino) with an image file. */
#define GOFERFS_UPPER_INO_BASE (UINT64_C(1) << 40)

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
	/* Descriptions of a file opened more than once, fetched ahead (one gofer trip for several
	   opens: each open needs a description of its own, for its own offset). */
	int spare_fds[GOFER_OPEN_MAX - 1];
	int nspare;
	unsigned opens;
	struct fifo *fifo;		/* a FIFO's pipe, the sentry's (never the host's) */
};

static const struct inode_operations gofer_dir_iops, gofer_file_iops, gofer_link_iops,
	gofer_fifo_iops, gofer_other_iops;

static void gofer_timespec(struct timespec *ts, int64_t sec, int64_t nsec)
{
	ts->tv_sec = sec;
	ts->tv_nsec = nsec;
}

static struct inode *gofer_inode_new(struct super_block *sb, uint32_t fid,
				     const struct gofer_attr *a)
{
	struct gofer_inode *gi = calloc(1, sizeof(*gi));
	if (gi && S_ISFIFO(a->mode) && !(gi->fifo = fifo_new())) {
		free(gi);
		return NULL;
	}
	struct inode *inode = gi ? inode_new(sb, a->mode) : NULL;
	if (!inode) {
		if (gi)
			fifo_free(gi->fifo);
		free(gi);
		return NULL;
	}
	gi->fid = fid;
	inode->priv = gi;
	if (S_ISDIR(a->mode)) {
		inode->iops = &gofer_dir_iops;
		inode->fops = &dir_file_ops;
	} else if (S_ISREG(a->mode)) {
		inode->iops = &gofer_file_iops;
		inode->fops = &host_file_ops;
	} else if (S_ISLNK(a->mode)) {
		inode->iops = &gofer_link_iops;
	} else if (S_ISFIFO(a->mode)) {
		inode->iops = &gofer_fifo_iops;
		inode->fops = &fifo_file_ops;
	} else {
		inode->iops = &gofer_other_iops;
	}
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

/* A new read-only description of an image file: a spare if there is one, else from the gofer
   (with spares, for a file opened before). */
static int gofer_file_description(struct gofer_inode *gi)
{
	int fds[GOFER_OPEN_MAX];

	if (gi->nspare > 0)
		return gi->spare_fds[--gi->nspare];
	int n = gofer_open(&kernel.gofer, gi->fid, O_RDONLY, fds, gi->opens++ ? GOFER_OPEN_MAX : 1);
	if (n < 0)
		return n;
	for (int i = 1; i < n; i++)
		gi->spare_fds[gi->nspare++] = fds[i];
	return fds[0];
}

static int goferfs_open(struct inode *inode, struct file *f, int flags)
{
	(void)flags;
	if (S_ISDIR(inode->mode))
		return 0;
	/* Sockets cannot be opened; devices of the image are not the sandbox's. */
	if (S_ISSOCK(inode->mode))
		return -ENXIO;
	if (!S_ISREG(inode->mode))
		return -EACCES;
	int fd = gofer_file_description(GI(inode));
	if (fd < 0)
		return fd;
	f->host_fd = fd;
	return 0;
}

static void gofer_listing_free(struct gofer_inode *gi)
{
	for (size_t i = 0; i < gi->nentries; i++)
		free(gi->entries[i].name);
	free(gi->entries);
	gi->entries = NULL;
	gi->nentries = gi->cap = 0;
	gi->listed = false;
}

static void gofer_inode_free(struct gofer_inode *gi)
{
	while (gi->nspare > 0)
		close(gi->spare_fds[--gi->nspare]);
	gofer_clunk(&kernel.gofer, gi->fid);
	gofer_listing_free(gi);
	fifo_free(gi->fifo);
	free(gi->link);
	free(gi);
}

static void goferfs_evict(struct inode *inode)
{
	if (inode->priv)
		gofer_inode_free(GI(inode));
}

/* The directory becomes a complete memfs directory; a hidden inode keeps the gofer's fid to
   look up the names it listed (the image never changes, so what it listed stays true). */
static int goferfs_dir_copy_up(struct inode *dir, int64_t keep)
{
	struct gofer_inode *gi = GI(dir);
	(void)keep;
	struct inode *lower = inode_new(dir->sb, dir->mode);
	if (!lower)
		return -ENOMEM;
	lower->iops = &gofer_dir_iops;
	lower->fops = &dir_file_ops;
	lower->priv = gi;
	lower->dev = dir->dev;
	lower->ino = dir->ino;
	int r = memfs_dir_adopt(dir, lower);
	if (r < 0) {
		lower->priv = NULL;
		inode_put(lower);
		return r;
	}
	/* memfs has the names now. */
	gofer_listing_free(gi);
	return 0;
}

/* The file's content (as much as will be kept) goes into a memfd. */
static int goferfs_file_copy_up(struct inode *inode, int64_t keep)
{
	struct gofer_inode *gi = GI(inode);
	int fd = -1;
	if (keep > 0 && inode->size > 0) {
		fd = gofer_file_description(gi);
		if (fd < 0)
			return log_errno(fd, "opening an image file to copy it up");
	}
	int r = memfs_file_adopt(inode, fd, keep);
	if (fd >= 0)
		close(fd);
	if (r < 0)
		return r;
	gofer_inode_free(gi);
	return 0;
}

static const struct inode_operations gofer_dir_iops = {
	.lookup = goferfs_lookup,
	.iterate = goferfs_iterate,
	.open = goferfs_open,
	.evict = goferfs_evict,
	.copy_up = goferfs_dir_copy_up,
	.setattr = memfs_setattr_attrs,
};

static const struct inode_operations gofer_file_iops = {
	.open = goferfs_open,
	.evict = goferfs_evict,
	.copy_up = goferfs_file_copy_up,
	.setattr = memfs_setattr_attrs,
};

static const struct inode_operations gofer_link_iops = {
	.readlink = goferfs_readlink,
	.evict = goferfs_evict,
	.setattr = memfs_setattr_attrs,
};

static int goferfs_fifo_open(struct inode *inode, struct file *f, int flags)
{
	return fifo_open(GI(inode)->fifo, f, flags);
}

static const struct inode_operations gofer_fifo_iops = {
	.open = goferfs_fifo_open,
	.evict = goferfs_evict,
	.setattr = memfs_setattr_attrs,
};

/* Devices and sockets of the image: names and attributes only. */
static const struct inode_operations gofer_other_iops = {
	.open = goferfs_open,
	.evict = goferfs_evict,
	.setattr = memfs_setattr_attrs,
};

int goferfs_attach(uint32_t root, bool overlay, struct dentry **out)
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
	/* The gofer never writes: only an overlay makes the tree writable. */
	sb->readonly = !overlay;
	(void)flags;
	sb->next_ino = GOFERFS_UPPER_INO_BASE;
	struct inode *inode = gofer_inode_new(sb, fid, &attr);
	if (!inode)
		return -ENOMEM;
	*out = dentry_new_root(inode);
	return *out ? 0 : -ENOMEM;
}
