/* Trees served by the gofer: the image and bind mounts.

   The image. As the lower layer of the root overlay, its inodes turn
   into memfs ones in place when first changed (copy_up): a directory becomes a complete
   in-memory directory, a regular file an in-memory copy. Attribute changes (chmod, chown,
   utimes) need no copy: attributes live in the sentry's inodes. Until then an inode reads
   the image exactly as before: no extra trip to the gofer for lookups, stats or reads.

   A bind mount's tree is the host's, changed by the host too: every change the guest makes
   is a gofer operation on the host file (write through), attributes are asked again at
   each stat and listings at each new read of the directory. A name found missing is asked
   for again at the next lookup; names found stay cached (a file the host removes or
   replaces gives ESTALE when opened). */
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
#include <sys/stat.h>

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
	bool copying;			/* a thread copies it up, without the kernel lock */
	bool xattrs_loaded;		/* the image's attributes are on the inode */
};

/* The inode operations of one kind of tree, by file type (sb->priv). */
struct goferfs_kind {
	const struct inode_operations *dir, *file, *link, *fifo, *other;
};

static const struct inode_operations gofer_dir_iops;

static void gofer_timespec(struct timespec *ts, int64_t sec, int64_t nsec)
{
	ts->tv_sec = sec;
	ts->tv_nsec = nsec;
}

/* The host's identities and attributes, so stat in the sandbox matches stat of the file. */
static void inode_set_attr(struct inode *inode, const struct gofer_attr *a)
{
	inode->mode = a->mode;
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
}

static struct inode *gofer_inode_new(struct super_block *sb, uint32_t fid,
				     const struct gofer_attr *a)
{
	const struct goferfs_kind *kind = sb->priv;
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
		inode->iops = kind->dir;
		inode->fops = &dir_file_ops;
	} else if (S_ISREG(a->mode)) {
		inode->iops = kind->file;
		inode->fops = &host_file_ops;
	} else if (S_ISLNK(a->mode)) {
		inode->iops = kind->link;
	} else if (S_ISFIFO(a->mode)) {
		inode->iops = kind->fifo;
		inode->fops = &fifo_file_ops;
	} else {
		inode->iops = kind->other;
	}
	inode_set_attr(inode, a);
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

/* Is fd a description of the inode's file, with exactly the access mode asked for? The gofer is
   less trusted than the sentry: a description of another file, or one allowing more, would
   reach the guest's mirror or an exec. */
static bool gofer_fd_is(const struct inode *inode, int fd, int accmode)
{
	struct stat st;
	int fl = fcntl(fd, F_GETFL);

	return fl >= 0 && !(fl & O_PATH) && (fl & O_ACCMODE) == accmode && fstat(fd, &st) == 0 &&
	       S_ISREG(st.st_mode) && st.st_dev == inode->dev && st.st_ino == inode->ino;
}

/* Opens the inode's file through the gofer (n descriptions, 1..GOFER_OPEN_MAX) and checks what
   came back; returns how many came or -errno. */
static int gofer_open_checked(struct inode *inode, uint32_t flags, int *fds, int n)
{
	n = gofer_open(&kernel.gofer, GI(inode)->fid, flags, fds, n);
	for (int i = 0; i < n; i++) {
		if (gofer_fd_is(inode, fds[i], (int)(flags & O_ACCMODE)))
			continue;
		for (int j = 0; j < n; j++)
			close(fds[j]);
		log_error("the gofer answered an open of inode %llu with a description of another "
			  "file or access mode", (unsigned long long)inode->ino);
		return -EIO;
	}
	return n;
}

/* A new read-only description of an image file: a spare if there is one, else from the gofer
   (with spares, for a file opened before). */
static int gofer_file_description(struct inode *inode)
{
	struct gofer_inode *gi = GI(inode);
	int fds[GOFER_OPEN_MAX];

	if (gi->nspare > 0)
		return gi->spare_fds[--gi->nspare];
	int n = gofer_open_checked(inode, O_RDONLY, fds, gi->opens++ ? GOFER_OPEN_MAX : 1);
	if (n < 0)
		return n;
	for (int i = 1; i < n; i++)
		gi->spare_fds[gi->nspare++] = fds[i];
	return fds[0];
}

/* A description open for writing (a bind mount's file: the overlay copies up first). */
static int gofer_write_description(struct inode *inode, int flags)
{
	int fd;
	int r = gofer_open_checked(inode, (uint32_t)(flags & (O_ACCMODE | O_APPEND)), &fd, 1);
	return r < 0 ? r : fd;
}

static int goferfs_open(struct inode *inode, struct file *f, int flags)
{
	if (S_ISDIR(inode->mode))
		return 0;
	/* Sockets cannot be opened; devices of the image are not the sandbox's. */
	if (S_ISSOCK(inode->mode))
		return -ENXIO;
	if (!S_ISREG(inode->mode))
		return -EACCES;
	int fd = (flags & O_ACCMODE) == O_RDONLY ? gofer_file_description(inode)
						 : gofer_write_description(inode, flags);
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

static int goferfs_add_xattr(void *ctx, const char *name, size_t name_len, const void *value,
			     size_t size)
{
	return vfs_xattr_add(ctx, name, name_len, value, size);
}

/* The image's user.* attributes and security.capability, onto the sentry's inode, where a
   copy-up keeps them. */
static int goferfs_load_xattrs(struct inode *inode)
{
	struct gofer_inode *gi = GI(inode);
	if (gi->xattrs_loaded)
		return 0;
	int r = gofer_xattrs(&kernel.gofer, gi->fid, goferfs_add_xattr, inode);
	if (r < 0)
		return log_errno(r, "the extended attributes of an image file");
	gi->xattrs_loaded = true;
	return 0;
}

/* The directory becomes a complete memfs directory; a hidden inode keeps the gofer's fid to
   look up the names it listed (the image never changes, so what it listed stays true). */
static int goferfs_dir_copy_up(struct inode *dir, int64_t keep)
{
	struct gofer_inode *gi = GI(dir);
	(void)keep;
	int loaded = goferfs_load_xattrs(dir);
	if (loaded < 0)
		return loaded;
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

/* Copies smaller than this are made under the kernel lock: quicker than what releasing it
   costs (an extra receiver thread started for the time). */
#define COPY_UP_UNLOCKED_MIN (1 << 20)

/* The file's content (as much as will be kept) goes into a memfd. A large copy runs without
   the kernel lock (it takes long, and every other guest thread would wait): the
   inode stays a gofer one meanwhile, served as before (reads of the image file, stat), and
   another copy-up of it (an open for writing, truncate) waits for this one's result. */
static int goferfs_file_copy_up(struct inode *inode, int64_t keep)
{
	while (GI(inode)->copying) {
		int r = kernel_wait_slow();
		if (inode->iops->copy_up != goferfs_file_copy_up)
			return 0;	/* copied up meanwhile */
		if (r < 0)
			return r;
	}
	struct gofer_inode *gi = GI(inode);
	int64_t size = inode->size < keep ? inode->size : keep;
	int fd = -1;
	int r = goferfs_load_xattrs(inode);
	if (r < 0)
		return r;
	if (size > 0) {
		fd = gofer_file_description(inode);
		if (fd < 0)
			return log_errno(fd, "opening an image file to copy it up");
	}
	struct memfile *mf = NULL;
	int dead = 0;
	if (size < COPY_UP_UNLOCKED_MIN) {
		r = memfs_file_copy(fd, size, &mf);
	} else {
		gi->copying = true;
		kernel_slow_begin();
		r = memfs_file_copy(fd, size, &mf);
		dead = kernel_slow_end();
		gi->copying = false;
		pthread_cond_broadcast(&kernel.task_event);
	}
	if (fd >= 0)
		close(fd);
	if (r < 0)
		return r;
	memfs_file_adopt(inode, mf);
	gofer_inode_free(gi);
	return dead;
}

static const struct inode_operations gofer_dir_iops = {
	.lookup = goferfs_lookup,
	.iterate = goferfs_iterate,
	.open = goferfs_open,
	.evict = goferfs_evict,
	.copy_up = goferfs_dir_copy_up,
	.load_xattrs = goferfs_load_xattrs,
	.setattr = memfs_setattr_attrs,
};

static const struct inode_operations gofer_file_iops = {
	.open = goferfs_open,
	.evict = goferfs_evict,
	.copy_up = goferfs_file_copy_up,
	.load_xattrs = goferfs_load_xattrs,
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

/* ---- bind mounts: written through to the host ---- */

static void bind_refresh(struct inode *inode)
{
	struct gofer_attr attr;
	if (gofer_stat(&kernel.gofer, GI(inode)->fid, &attr) == 0 &&
	    (attr.mode & S_IFMT) == (inode->mode & S_IFMT))
		inode_set_attr(inode, &attr);
}

/* A new read of the directory from its start lists it afresh: the host may have changed it. */
static int bind_iterate(struct inode *dir, uint64_t *cookie, dir_emit_fn emit, void *ctx)
{
	if (*cookie == 0)
		gofer_listing_free(GI(dir));
	return goferfs_iterate(dir, cookie, emit, ctx);
}

static int bind_make(struct inode *dir, const char *name, mode_t mode, uid_t uid, gid_t gid,
		     const char *target, struct inode **out)
{
	struct gofer_walk_result res;
	int r = gofer_make(&kernel.gofer, GI(dir)->fid, name, mode, uid, gid, target, &res);
	if (r < 0)
		return r;
	*out = gofer_inode_new(dir->sb, res.fid, &res.attr);
	if (!*out) {
		gofer_clunk(&kernel.gofer, res.fid);
		return -ENOMEM;
	}
	return 0;
}

/* Regular files only: a FIFO or socket of the host's would be a channel out of the sandbox. */
static int bind_create(struct inode *dir, const char *name, const struct inode_init *init,
		       struct inode **out)
{
	if (!S_ISREG(init->mode))
		return -EPERM;
	return bind_make(dir, name, init->mode, init->uid, init->gid, NULL, out);
}

static int bind_mkdir(struct inode *dir, const char *name, const struct inode_init *init,
		      struct inode **out)
{
	return bind_make(dir, name, init->mode, init->uid, init->gid, NULL, out);
}

static int bind_symlink(struct inode *dir, const char *name, const char *target,
			const struct inode_init *init, struct inode **out)
{
	return bind_make(dir, name, init->mode, init->uid, init->gid, target, out);
}

static int bind_link(struct inode *dir, const char *name, struct inode *inode)
{
	int r = gofer_link(&kernel.gofer, GI(inode)->fid, GI(dir)->fid, name);
	if (r == 0)
		inode->nlink++;
	return r;
}

static int bind_unlink(struct inode *dir, const char *name, struct inode *inode)
{
	int r = gofer_unlink(&kernel.gofer, GI(dir)->fid, name, 0);
	if (r == 0 && inode->nlink > 0)
		inode->nlink--;
	return r;
}

static int bind_rmdir(struct inode *dir, const char *name, struct inode *inode)
{
	int r = gofer_unlink(&kernel.gofer, GI(dir)->fid, name, AT_REMOVEDIR);
	if (r == 0)
		inode->nlink = 0;
	return r;
}

static int bind_rename(struct inode *old_dir, const char *old_name, struct inode *inode,
		       struct inode *new_dir, const char *new_name, struct inode *target,
		       unsigned flags)
{
	bool exchange = flags & VFS_RENAME_EXCHANGE;
	int r = gofer_rename(&kernel.gofer, GI(old_dir)->fid, old_name, GI(new_dir)->fid, new_name,
			     GI(inode)->fid, target ? GI(target)->fid : GOFER_NOFID,
			     exchange ? RENAME_EXCHANGE : 0);
	if (r == 0 && target && !exchange)
		target->nlink = S_ISDIR(target->mode) ? 0 : target->nlink - (target->nlink > 0);
	return r;
}

static int bind_setattr(struct inode *inode, const struct iattr *ia)
{
	struct gofer_setattr_req req = {
		.fid = GI(inode)->fid,
		.mode = ia->mode,
		.uid = ia->uid,
		.gid = ia->gid,
		.size = ia->size,
		.atime_sec = ia->atime.tv_sec,
		.atime_nsec = ia->atime.tv_nsec,
		.mtime_sec = ia->mtime.tv_sec,
		.mtime_nsec = ia->mtime.tv_nsec,
	};
	static const unsigned map[][2] = {
		{ VFS_ATTR_MODE, GOFER_ATTR_MODE }, { VFS_ATTR_UID, GOFER_ATTR_UID },
		{ VFS_ATTR_GID, GOFER_ATTR_GID },   { VFS_ATTR_SIZE, GOFER_ATTR_SIZE },
		{ VFS_ATTR_ATIME, GOFER_ATTR_ATIME }, { VFS_ATTR_MTIME, GOFER_ATTR_MTIME },
	};
	struct gofer_attr attr;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (ia->valid & map[i][0])
			req.valid |= map[i][1];
	/* The host sets ctime itself. */
	if (!req.valid)
		return 0;
	int r = gofer_setattr(&kernel.gofer, &req, &attr);
	if (r == 0)
		inode_set_attr(inode, &attr);
	return r;
}

static int bind_fsync(struct inode *inode)
{
	return gofer_fsync(&kernel.gofer, GI(inode)->fid);
}

static const struct inode_operations bind_dir_iops = {
	.lookup = goferfs_lookup,
	.iterate = bind_iterate,
	.open = goferfs_open,
	.fsync = bind_fsync,
	.refresh = bind_refresh,
	.evict = goferfs_evict,
	.create = bind_create,
	.mkdir = bind_mkdir,
	.symlink = bind_symlink,
	.link = bind_link,
	.unlink = bind_unlink,
	.rmdir = bind_rmdir,
	.rename = bind_rename,
	.setattr = bind_setattr,
};

static const struct inode_operations bind_file_iops = {
	.open = goferfs_open,
	.fsync = bind_fsync,
	.refresh = bind_refresh,
	.evict = goferfs_evict,
	.setattr = bind_setattr,
};

static const struct inode_operations bind_link_iops = {
	.readlink = goferfs_readlink,
	.refresh = bind_refresh,
	.evict = goferfs_evict,
	.setattr = bind_setattr,
};

static const struct goferfs_kind overlay_kind = {
	&gofer_dir_iops, &gofer_file_iops, &gofer_link_iops, &gofer_fifo_iops, &gofer_other_iops,
};

/* A bind mount's FIFOs are the sentry's, as the image's are; devices and sockets too. */
static const struct goferfs_kind bind_kind = {
	&bind_dir_iops, &bind_file_iops, &bind_link_iops, &gofer_fifo_iops, &gofer_other_iops,
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
	/* /proc/mounts shows the image as "overlay" and a bind mount as "bind". */
	sb->fstype = overlay ? "gofer" : "bind";
	sb->dev = (dev_t)attr.dev;
	/* The image is read-only below its overlay; a bind mount is as its root was given. */
	sb->readonly = !overlay && (flags & GOFER_ROOT_READONLY);
	sb->priv = (void *)(overlay ? &overlay_kind : &bind_kind);
	sb->shared = !overlay;
	sb->next_ino = GOFERFS_UPPER_INO_BASE;
	struct inode *inode = gofer_inode_new(sb, fid, &attr);
	if (!inode)
		return -ENOMEM;
	*out = dentry_new_root(inode);
	return *out ? 0 : -ENOMEM;
}
