/* The in-memory file system (see memfs.h). One inode_operations table per kind of object:
   directories, regular files, symlinks, FIFOs, sockets.

   Regular files are memfds. The guest's fd is a mirror of a description of the memfd with
   the open's access mode (mmap and exec run on it natively, and the host refuses what the
   open does not allow: a shared writable mapping of a read-only open, any mapping of a
   write-only one), made by the reopener (reopen.c); read,
   write and lseek are the sentry's, at the file's own position and with the access mode
   and O_APPEND of the open (memfile_fops). */
#define _GNU_SOURCE
#include "sentry/fs/memfs.h"
#include "sentry/fs/fifo.h"
#include "sentry/fs/reopen.h"
#include "sentry/kernel.h"
#include "sentry/task/task.h"
#include "sentry/mm/guest_mem.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#define MEMFILE_CHUNK (1 << 20)		/* bounce buffer for the sentry's reads and writes */

static const struct inode_operations memdir_iops, memfile_iops, memlink_iops, memfifo_iops,
	memsock_iops;
static const struct file_operations memfile_fops;

static void touch_ctime(struct inode *inode)
{
	clock_gettime(CLOCK_REALTIME, &inode->ctime);
}

int memfs_setattr_attrs(struct inode *inode, const struct iattr *ia)
{
	if (ia->valid & VFS_ATTR_SIZE)
		return -EINVAL;
	inode_apply_attr(inode, ia);
	return 0;
}

static struct inode *mem_inode_new(struct super_block *sb, const struct inode_init *init,
				   const struct inode_operations *iops,
				   const struct file_operations *fops)
{
	struct inode *inode = inode_new(sb, init->mode);
	if (!inode)
		return NULL;
	inode->uid = init->uid;
	inode->gid = init->gid;
	inode->rdev = init->rdev;
	inode->iops = iops;
	inode->fops = fops;
	return inode;
}

/* ---- directories ---- */

struct memdir_entry {
	char *name;
	struct inode *inode;		/* NULL: a lower name not looked up yet */
	uint64_t ino;			/* for listing a name not looked up yet */
	unsigned char dtype;
	uint64_t seq;			/* listing order; getdents cookies */
	UT_hash_handle hh;
};

struct memdir {
	struct memdir_entry *entries;	/* uthash by name, in insertion (seq) order */
	uint64_t next_seq;
	struct inode *lower;		/* lower directory for names not looked up yet, or NULL */
};

static struct memdir *MD(struct inode *dir)
{
	return dir->priv;
}

static struct memdir_entry *memdir_find(struct memdir *md, const char *name)
{
	struct memdir_entry *e;
	HASH_FIND_STR(md->entries, name, e);
	return e;
}

static struct memdir_entry *memdir_entry_new(const char *name, struct inode *inode)
{
	struct memdir_entry *e = calloc(1, sizeof(*e));
	if (!e || !(e->name = strdup(name))) {
		free(e);
		return NULL;
	}
	e->inode = inode;
	if (inode) {
		e->ino = inode->ino;
		e->dtype = (unsigned char)vfs_dtype(inode->mode);
	}
	return e;
}

static void memdir_insert(struct memdir *md, struct memdir_entry *e)
{
	e->seq = md->next_seq++;
	HASH_ADD_KEYPTR(hh, md->entries, e->name, strlen(e->name), e);
}

static void memdir_entry_free(struct memdir_entry *e)
{
	inode_put(e->inode);
	free(e->name);
	free(e);
}

static void memdir_remove(struct memdir *md, struct memdir_entry *e)
{
	HASH_DEL(md->entries, e);
	memdir_entry_free(e);
}

/* Adds name for inode, whose reference the directory takes (dropped on failure). */
static int memdir_add(struct inode *dir, const char *name, struct inode *inode)
{
	struct memdir_entry *e = memdir_entry_new(name, inode);
	if (!e) {
		inode_put(inode);
		return -ENOMEM;
	}
	memdir_insert(MD(dir), e);
	return 0;
}

static int memdir_lookup(struct inode *dir, const char *name, struct inode **out)
{
	struct memdir *md = MD(dir);
	struct memdir_entry *e = memdir_find(md, name);
	if (!e)
		return -ENOENT;
	if (!e->inode) {
		/* A name the lower directory listed: its inode comes from there, once. */
		struct inode *lower = md->lower;
		int r = lower && lower->iops && lower->iops->lookup
				? lower->iops->lookup(lower, name, &e->inode)
				: -ENOENT;
		if (r < 0) {
			e->inode = NULL;
			if (r == -ENOENT)
				memdir_remove(md, e);
			return r;
		}
	}
	*out = inode_get(e->inode);
	return 0;
}

static int memdir_iterate(struct inode *dir, uint64_t *cookie, dir_emit_fn emit, void *ctx)
{
	struct memdir_entry *e, *tmp;
	HASH_ITER(hh, MD(dir)->entries, e, tmp) {
		if (e->seq < *cookie)
			continue;
		uint64_t ino = e->inode ? e->inode->ino : e->ino;
		unsigned type = e->inode ? vfs_dtype(e->inode->mode) : e->dtype;
		if (emit(ctx, e->name, strlen(e->name), ino, type, e->seq + 1))
			return 0;
		*cookie = e->seq + 1;
	}
	return 0;
}

static struct memdir *memdir_alloc(void)
{
	return calloc(1, sizeof(struct memdir));
}

static void memdir_free(struct memdir *md)
{
	struct memdir_entry *e, *tmp;
	if (!md)
		return;
	HASH_ITER(hh, md->entries, e, tmp) {
		HASH_DEL(md->entries, e);
		memdir_entry_free(e);
	}
	inode_put(md->lower);
	free(md);
}

static void memdir_evict(struct inode *dir)
{
	memdir_free(MD(dir));
}

static struct inode *memdir_new(struct super_block *sb, const struct inode_init *init)
{
	struct memdir *md = memdir_alloc();
	struct inode *inode = md ? mem_inode_new(sb, init, &memdir_iops, &dir_file_ops) : NULL;
	if (!inode) {
		free(md);
		return NULL;
	}
	inode->priv = md;
	/* What a directory of one block shows on the disk file systems images come from. */
	inode->size = 4096;
	inode->blocks = 8;
	return inode;
}

/* Hangs a new inode under name: the directory keeps one reference, *out gets the other. */
static int memdir_add_new(struct inode *dir, const char *name, struct inode *inode,
			  struct inode **out)
{
	if (!inode)
		return -ENOMEM;
	int r = memdir_add(dir, name, inode_get(inode));
	if (r < 0) {
		inode_put(inode);
		return r;
	}
	if (S_ISDIR(inode->mode))
		dir->nlink++;
	inode_touch(dir);
	*out = inode;
	return 0;
}

static struct inode *memfile_new(struct super_block *sb, const struct inode_init *init);
static struct inode *memfifo_new(struct super_block *sb, const struct inode_init *init);

static int memdir_create(struct inode *dir, const char *name, const struct inode_init *init,
			 struct inode **out)
{
	struct inode *inode;
	if (S_ISREG(init->mode))
		inode = memfile_new(dir->sb, init);
	else if (S_ISFIFO(init->mode))
		inode = memfifo_new(dir->sb, init);
	else if (S_ISSOCK(init->mode))
		inode = mem_inode_new(dir->sb, init, &memsock_iops, NULL);
	else
		return -EINVAL;
	return memdir_add_new(dir, name, inode, out);
}

static int memdir_mkdir(struct inode *dir, const char *name, const struct inode_init *init,
			struct inode **out)
{
	return memdir_add_new(dir, name, memdir_new(dir->sb, init), out);
}

static int memdir_symlink(struct inode *dir, const char *name, const char *target,
			  const struct inode_init *init, struct inode **out)
{
	char *copy = strdup(target);
	struct inode *inode = copy ? mem_inode_new(dir->sb, init, &memlink_iops, NULL) : NULL;
	if (!inode) {
		free(copy);
		return -ENOMEM;
	}
	inode->priv = copy;
	inode->size = (int64_t)strlen(copy);
	return memdir_add_new(dir, name, inode, out);
}

static int memdir_link(struct inode *dir, const char *name, struct inode *inode)
{
	int r = memdir_add(dir, name, inode_get(inode));
	if (r < 0)
		return r;
	inode->nlink++;
	touch_ctime(inode);
	inode_touch(dir);
	return 0;
}

static int memdir_unlink(struct inode *dir, const char *name, struct inode *inode)
{
	struct memdir_entry *e = memdir_find(MD(dir), name);
	if (!e)
		return -ENOENT;
	memdir_remove(MD(dir), e);
	if (inode->nlink > 0)
		inode->nlink--;
	touch_ctime(inode);
	inode_touch(dir);
	return 0;
}

static int memdir_rmdir(struct inode *dir, const char *name, struct inode *inode)
{
	struct memdir_entry *e = memdir_find(MD(dir), name);
	if (!e)
		return -ENOENT;
	memdir_remove(MD(dir), e);
	/* nlink 0 marks it removed: nothing may be created in it any more. */
	inode->nlink = 0;
	touch_ctime(inode);
	dir->nlink--;
	inode_touch(dir);
	return 0;
}

static void entry_set_inode(struct memdir_entry *e, struct inode *inode)
{
	inode_put(e->inode);
	e->inode = inode_get(inode);
	e->ino = inode->ino;
	e->dtype = (unsigned char)vfs_dtype(inode->mode);
}

static int memdir_rename(struct inode *old_dir, const char *old_name, struct inode *inode,
			 struct inode *new_dir, const char *new_name, struct inode *target,
			 unsigned flags)
{
	if (new_dir->iops != &memdir_iops)
		return -EXDEV;
	struct memdir *omd = MD(old_dir), *nmd = MD(new_dir);
	struct memdir_entry *oe = memdir_find(omd, old_name);
	struct memdir_entry *ne = memdir_find(nmd, new_name);
	bool is_dir = S_ISDIR(inode->mode);

	if (!oe || ((flags & VFS_RENAME_EXCHANGE) && !ne))
		return -ENOENT;
	if (flags & VFS_RENAME_EXCHANGE) {
		entry_set_inode(oe, target);
		entry_set_inode(ne, inode);
		if (old_dir != new_dir && is_dir != (bool)S_ISDIR(target->mode)) {
			/* The directory of the two changes parent. */
			struct inode *from = is_dir ? old_dir : new_dir, *to = is_dir ? new_dir : old_dir;
			from->nlink--;
			to->nlink++;
		}
		touch_ctime(target);
	} else {
		struct memdir_entry *moved = memdir_entry_new(new_name, inode_get(inode));
		if (!moved) {
			inode_put(inode);
			return -ENOMEM;
		}
		if (target) {
			if (ne)
				memdir_remove(nmd, ne);
			if (S_ISDIR(target->mode)) {
				target->nlink = 0;
				new_dir->nlink--;
			} else if (target->nlink > 0) {
				target->nlink--;
			}
			touch_ctime(target);
		}
		memdir_remove(omd, oe);
		memdir_insert(nmd, moved);
		if (is_dir && old_dir != new_dir) {
			old_dir->nlink--;
			new_dir->nlink++;
		}
	}
	touch_ctime(inode);
	inode_touch(old_dir);
	if (new_dir != old_dir)
		inode_touch(new_dir);
	return 0;
}

static const struct inode_operations memdir_iops = {
	.lookup = memdir_lookup,
	.iterate = memdir_iterate,
	.evict = memdir_evict,
	.create = memdir_create,
	.mkdir = memdir_mkdir,
	.symlink = memdir_symlink,
	.link = memdir_link,
	.unlink = memdir_unlink,
	.rmdir = memdir_rmdir,
	.rename = memdir_rename,
	.setattr = memfs_setattr_attrs,
};

struct adopt_ctx {
	struct memdir *md;
	int error;
};

static int adopt_emit(void *ctx, const char *name, size_t namelen, uint64_t ino, unsigned type,
		      uint64_t next_cookie)
{
	struct adopt_ctx *a = ctx;
	char buf[VFS_NAME_MAX + 1];
	(void)next_cookie;
	if (namelen > VFS_NAME_MAX)
		return 0;
	memcpy(buf, name, namelen);
	buf[namelen] = '\0';
	if (memdir_find(a->md, buf))
		return 0;
	struct memdir_entry *e = memdir_entry_new(buf, NULL);
	if (!e) {
		a->error = -ENOMEM;
		return 1;
	}
	e->ino = ino;
	e->dtype = (unsigned char)type;
	memdir_insert(a->md, e);
	return 0;
}

int memfs_dir_adopt(struct inode *dir, struct inode *lower)
{
	struct adopt_ctx a = { memdir_alloc(), 0 };
	uint64_t cookie = 0;
	if (!a.md)
		return -ENOMEM;
	int r = lower->iops && lower->iops->iterate
			? lower->iops->iterate(lower, &cookie, adopt_emit, &a)
			: 0;
	if (r == 0)
		r = a.error;
	if (r < 0) {
		memdir_free(a.md);
		return r;
	}
	a.md->lower = lower;
	dir->priv = a.md;
	dir->iops = &memdir_iops;
	dir->fops = &dir_file_ops;
	return 0;
}

int memfs_new(const char *fstype, mode_t mode, uint64_t size_max, struct dentry **out)
{
	struct super_block *sb = calloc(1, sizeof(*sb));
	if (!sb)
		return -ENOMEM;
	sb->fstype = fstype;
	sb->bytes_max = size_max;
	sb->dev = vfs_new_anon_dev();
	struct inode_init init = { .mode = S_IFDIR | (mode & ~S_IFMT) };
	struct inode *root = memdir_new(sb, &init);
	if (!root) {
		free(sb);
		return -ENOMEM;
	}
	*out = dentry_new_root(root);
	if (!*out) {
		inode_put(root);
		return -ENOMEM;
	}
	return 0;
}

/* ---- regular files ---- */

struct memfile {
	int fd;				/* the memfd; -1 until the file is opened or sized */
	struct timespec host_mtime;	/* the memfd's mtime when the sentry last looked */
	uint64_t charged;		/* bytes counted in sb->bytes_used (the memfd's blocks) */
};

static struct memfile *MF(struct inode *inode)
{
	return inode->priv;
}

static bool timespec_eq(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/* The sandbox-wide bound (memfs_set_budget) and what all memory files hold. */
static uint64_t budget_max, budget_used;

void memfs_set_budget(uint64_t bytes)
{
	budget_max = bytes;
}

void memfs_budget_get(uint64_t *used, uint64_t *max)
{
	*used = budget_used;
	*max = budget_max;
}

int memfs_budget_take(uint64_t bytes)
{
	if (budget_max && (bytes > budget_max || budget_used > budget_max - bytes))
		return -ENOSPC;
	budget_used += bytes;
	return 0;
}

void memfs_budget_give(uint64_t bytes)
{
	budget_used -= bytes;
}

static void memfile_charge(struct inode *inode, uint64_t bytes)
{
	struct memfile *mf = MF(inode);
	inode->sb->bytes_used += bytes - mf->charged;
	budget_used += bytes - mf->charged;
	mf->charged = bytes;
}

static const struct inode_operations memfile_iops;

void memfs_reserve(struct inode *inode, uint64_t bytes)
{
	if (inode->iops == &memfile_iops)
		memfile_charge(inode, MF(inode)->charged + bytes);
}

/* Size and blocks come from the memfd; so do the times when the host changed them (a
   write through a shared mapping, fallocate) since the sentry last looked, while times the
   sentry set (utimes) stay. */
static void memfile_refresh(struct inode *inode)
{
	struct memfile *mf = MF(inode);
	struct stat st;
	if (mf->fd < 0 || fstat(mf->fd, &st) < 0)
		return;
	inode->size = st.st_size;
	inode->blocks = st.st_blocks;
	memfile_charge(inode, (uint64_t)st.st_blocks * 512);
	if (!timespec_eq(&st.st_mtim, &mf->host_mtime)) {
		mf->host_mtime = st.st_mtim;
		inode->mtime = st.st_mtim;
		inode->ctime = st.st_ctim;
	}
}

static int memfile_make_fd(struct memfile *mf)
{
	struct stat st;
	int fd = memfd_create("runsc-c", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) == 0)
		mf->host_mtime = st.st_mtim;
	mf->fd = fd;
	return 0;
}

/* The memfd, made on first need. */
static int memfile_fd(struct inode *inode)
{
	struct memfile *mf = MF(inode);
	if (mf->fd < 0) {
		int r = memfile_make_fd(mf);
		if (r < 0)
			return log_errno(r, "memfd_create for an upper-layer file");
	}
	return mf->fd;
}

static struct memfile *memfile_alloc(void)
{
	struct memfile *mf = calloc(1, sizeof(*mf));
	if (mf)
		mf->fd = -1;
	return mf;
}

static struct inode *memfile_new(struct super_block *sb, const struct inode_init *init)
{
	struct memfile *mf = memfile_alloc();
	struct inode *inode = mf ? mem_inode_new(sb, init, &memfile_iops, &memfile_fops) : NULL;
	if (!inode) {
		free(mf);
		return NULL;
	}
	inode->priv = mf;
	return inode;
}

/* The guest's mirror, for mmap, record locks and exec: a description of the memfd of the
   open's own, with its access mode, so that the host checks mappings against it, OFD locks
   tell opens apart, and exec is refused (ETXTBSY) while a description writing the file
   exists, as on Linux. */
static int memfile_open(struct inode *inode, struct file *f, int flags)
{
	int fd = memfile_fd(inode);
	if (fd < 0)
		return fd;
	fd = reopener_reopen(fd, flags & O_ACCMODE);
	if (fd < 0)
		return fd;
	f->host_fd = fd;
	return 0;
}

static int memfile_setattr(struct inode *inode, const struct iattr *ia)
{
	struct memfile *mf = MF(inode);
	/* Catch up with the host first, so the times set here are not taken for its own. */
	memfile_refresh(inode);
	if (ia->valid & VFS_ATTR_SIZE) {
		if (mf->fd >= 0 || ia->size > 0) {
			int fd = memfile_fd(inode);
			if (fd < 0)
				return fd;
			if (ftruncate(fd, ia->size) < 0)
				return -errno;
			memfile_refresh(inode);
		}
	}
	inode_apply_attr(inode, ia);
	return 0;
}

static void memfile_evict(struct inode *inode)
{
	struct memfile *mf = MF(inode);
	memfile_charge(inode, 0);
	if (mf->fd >= 0)
		close(mf->fd);
	free(mf);
}

static const struct inode_operations memfile_iops = {
	.open = memfile_open,
	.refresh = memfile_refresh,
	.evict = memfile_evict,
	.setattr = memfile_setattr,
};

#define MEMFS_PAGE 4096

uint64_t memfs_room(struct inode *inode, int64_t pos)
{
	struct super_block *sb = inode->sb;
	if (inode->iops != &memfile_iops || (!sb->bytes_max && !budget_max))
		return UINT64_MAX;
	uint64_t held = ((uint64_t)inode->size + MEMFS_PAGE - 1) & ~(uint64_t)(MEMFS_PAGE - 1);
	uint64_t avail = UINT64_MAX;
	if (sb->bytes_max)
		avail = sb->bytes_used < sb->bytes_max ? sb->bytes_max - sb->bytes_used : 0;
	if (budget_max) {
		uint64_t left = budget_used < budget_max ? budget_max - budget_used : 0;
		avail = left < avail ? left : avail;
	}
	uint64_t end = ((uint64_t)pos & ~(uint64_t)(MEMFS_PAGE - 1)) + avail;
	if (end < held)
		end = held;
	return end > (uint64_t)pos ? end - (uint64_t)pos : 0;
}

/* The data path for memfd files: between guest memory and the memfd, through a bounce
   buffer, at *pos. */
static long memfile_transfer(struct file *f, const struct iovec *iov, int iovcnt, int64_t *pos,
			     bool write)
{
	struct inode *inode = f->inode;
	size_t total = 0;
	long done = 0;

	if (*pos < 0)
		return -EINVAL;
	for (int i = 0; i < iovcnt; i++)
		total += iov[i].iov_len;
	if (total == 0)
		return 0;
	int fd = memfile_fd(inode);
	if (fd < 0)
		return fd;
	if (write && (f->flags & O_APPEND)) {
		struct stat st;
		if (fstat(fd, &st) < 0)
			return -errno;
		*pos = st.st_size;
	}
	uint64_t room = UINT64_MAX;
	if (write) {
		memfile_refresh(inode);
		room = memfs_room(inode, *pos);
		if (room == 0)
			return -ENOSPC;
		if (total > room)
			total = room;
	}
	size_t bufsize = total < MEMFILE_CHUNK ? total : MEMFILE_CHUNK;
	char *buf = malloc(bufsize);
	if (!buf)
		return -ENOMEM;
	long r = 0;
	for (int i = 0; i < iovcnt && r == 0 && (size_t)done < total; i++) {
		uint64_t addr = (uint64_t)(uintptr_t)iov[i].iov_base;
		size_t left = iov[i].iov_len < total - (size_t)done ? iov[i].iov_len : total - (size_t)done;
		while (left > 0) {
			size_t n = left < bufsize ? left : bufsize;
			ssize_t got;
			if (write) {
				if (guest_read(current, addr, buf, n) < 0) {
					r = -EFAULT;
					break;
				}
				got = pwrite(fd, buf, n, *pos);
			} else {
				got = pread(fd, buf, n, *pos);
				if (got > 0 && guest_write(current, addr, buf, (size_t)got) < 0) {
					r = -EFAULT;
					break;
				}
			}
			if (got < 0) {
				r = -errno;
				break;
			}
			*pos += got;
			done += got;
			addr += (uint64_t)got;
			left -= (size_t)got;
			if ((size_t)got < n) {
				r = 1;	/* end of file, or a short write: stop here */
				break;
			}
		}
	}
	free(buf);
	if (write && done > 0) {
		memfile_refresh(inode);
		vfs_xattr_kill_priv(inode);
		/* Writing clears the set-id bits of a program (file_remove_privs), unless the
		   writer holds CAP_FSETID. */
		mode_t m = inode->mode;
		if (!task_capable(current, CAP_FSETID) &&
		    ((m & S_ISUID) || (m & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP))) {
			inode->mode &= ~(mode_t)(S_ISUID | S_ISGID);
			touch_ctime(inode);
		}
	}
	return done > 0 ? done : (r < 0 ? r : 0);
}

static long memfile_read(struct file *f, const struct iovec *iov, int iovcnt, int64_t *pos)
{
	return memfile_transfer(f, iov, iovcnt, pos, false);
}

static long memfile_write(struct file *f, const struct iovec *iov, int iovcnt, int64_t *pos)
{
	return memfile_transfer(f, iov, iovcnt, pos, true);
}

static int64_t memfile_llseek(struct file *f, int64_t offset, int whence)
{
	if (whence == SEEK_DATA || whence == SEEK_HOLE) {
		/* The memfd knows its holes; its own offset is nobody's position. */
		int fd = memfile_fd(f->inode);
		if (fd < 0)
			return fd;
		off_t r = lseek(fd, offset, whence);
		if (r < 0)
			return -errno;
		f->pos = r;
		return r;
	}
	return generic_llseek(f, offset, whence);
}

static const struct file_operations memfile_fops = {
	.host_io = true,
	.read = memfile_read,
	.write = memfile_write,
	.llseek = memfile_llseek,
};

/* Copies [0, size) of src to dst, skipping src's holes (dst is sized already). */
static int copy_content(int src, int dst, int64_t size)
{
	char *buf = malloc(MEMFILE_CHUNK);
	int64_t off = 0;
	int r = 0;
	if (!buf)
		return -ENOMEM;
	while (off < size && r == 0) {
		off_t data = lseek(src, off, SEEK_DATA);
		off_t hole;
		if (data < 0) {
			if (errno == ENXIO)
				break;		/* nothing but a hole up to the end */
			data = off;		/* no SEEK_DATA here: copy everything */
			hole = size;
		} else {
			hole = lseek(src, data, SEEK_HOLE);
			if (hole < 0 || hole > size)
				hole = size;
		}
		if (data >= size)
			break;
		for (off = data; off < hole;) {
			size_t n = (size_t)(hole - off) < MEMFILE_CHUNK ? (size_t)(hole - off) : MEMFILE_CHUNK;
			ssize_t got = pread(src, buf, n, off);
			if (got < 0) {
				r = -errno;
				break;
			}
			if (got == 0) {
				off = size;	/* the file is shorter than it said */
				break;
			}
			for (ssize_t w = 0; w < got;) {
				ssize_t k = pwrite(dst, buf + w, (size_t)(got - w), off + w);
				if (k < 0) {
					r = -errno;
					break;
				}
				w += k;
			}
			off += got;
		}
	}
	free(buf);
	return r;
}

/* Copy-up. Files already open on the lower file keep reading the lower content: their
   host fds are the gofer's. This is the known overlayfs semantic (Linux's overlayfs behaved
   so for read(2) before 4.19, and still does for MAP_SHARED mappings of the lower file). */
int memfs_file_copy(int src_fd, int64_t size, struct memfile **out)
{
	struct memfile *mf = memfile_alloc();
	int r = 0;

	if (!mf)
		return -ENOMEM;
	if (src_fd >= 0 && size > 0) {
		r = memfile_make_fd(mf);
		if (r == 0 && ftruncate(mf->fd, size) < 0)
			r = -errno;
		if (r == 0)
			r = copy_content(src_fd, mf->fd, size);
		if (r < 0) {
			memfs_file_discard(mf);
			return log_errno(r, "copying up a file of %lld bytes", (long long)size);
		}
	}
	*out = mf;
	return 0;
}

void memfs_file_discard(struct memfile *mf)
{
	if (mf->fd >= 0)
		close(mf->fd);
	free(mf);
}

void memfs_file_adopt(struct inode *inode, struct memfile *mf)
{
	struct stat st;
	if (mf->fd >= 0 && fstat(mf->fd, &st) == 0) {
		/* The copy is not a change of the file: the image's times stay. */
		mf->host_mtime = st.st_mtim;
		inode->size = st.st_size;
		inode->blocks = st.st_blocks;
	} else {
		inode->size = 0;
		inode->blocks = 0;
	}
	inode->priv = mf;
	inode->iops = &memfile_iops;
	inode->fops = &memfile_fops;
}

int memfs_file_set(struct inode *inode, const void *data, size_t len)
{
	if (inode->iops != &memfile_iops)
		return -EINVAL;
	if (len > memfs_room(inode, 0))
		return -ENOSPC;
	int fd = memfile_fd(inode);
	if (fd < 0)
		return fd;
	if (ftruncate(fd, 0) < 0)
		return -errno;
	for (size_t done = 0; done < len;) {
		ssize_t n = pwrite(fd, (const char *)data + done, len - done, (off_t)done);
		if (n < 0)
			return -errno;
		done += (size_t)n;
	}
	memfile_refresh(inode);
	return 0;
}

/* ---- symlinks ---- */

static int memlink_readlink(struct inode *inode, char *buf, size_t size)
{
	size_t len = strlen(inode->priv);
	if (len > size)
		len = size;
	memcpy(buf, inode->priv, len);
	return (int)len;
}

static void mem_free_priv(struct inode *inode)
{
	free(inode->priv);
}

static const struct inode_operations memlink_iops = {
	.readlink = memlink_readlink,
	.evict = mem_free_priv,
	.setattr = memfs_setattr_attrs,
};

/* ---- sockets: a name only (nothing binds to it yet) ---- */

static int memsock_open(struct inode *inode, struct file *f, int flags)
{
	(void)inode, (void)f, (void)flags;
	return -ENXIO;
}

static const struct inode_operations memsock_iops = {
	.open = memsock_open,
	.setattr = memfs_setattr_attrs,
};

/* ---- FIFOs (sentry/fs/fifo.c) ---- */

static struct inode *memfifo_new(struct super_block *sb, const struct inode_init *init)
{
	struct fifo *ff = fifo_new();
	struct inode *inode = ff ? mem_inode_new(sb, init, &memfifo_iops, &fifo_file_ops) : NULL;
	if (!inode) {
		fifo_free(ff);
		return NULL;
	}
	inode->priv = ff;
	return inode;
}

static int memfifo_open(struct inode *inode, struct file *f, int flags)
{
	return fifo_open(inode->priv, f, flags);
}

static void memfifo_evict(struct inode *inode)
{
	fifo_free(inode->priv);
}

static const struct inode_operations memfifo_iops = {
	.open = memfifo_open,
	.evict = memfifo_evict,
	.setattr = memfs_setattr_attrs,
};
