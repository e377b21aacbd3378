/* Looking at files: the stat family, readlink, access and directory listings. */
#define _GNU_SOURCE
#include "sentry/syscalls/syscalls.h"
#include "sentry/kernel.h"
#include "sentry/task/task.h"
#include "sentry/task/fdtable.h"
#include "sentry/mm/guest_mem.h"

#include <dirent.h>
#include <errno.h>
#include <sys/inotify.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/sysmacros.h>
#include <linux/stat.h>

/* The inode named by (dirfd, path) as the *at syscalls name it, AT_EMPTY_PATH included. */
static long stat_target(struct task *t, int dirfd, uint64_t upath, bool follow, bool empty_ok,
			struct inode **out)
{
	char path[VFS_PATH_MAX];
	long r = guest_read_string(t, upath, path, sizeof(path));
	if (r < 0)
		return r;
	if (!path[0] && empty_ok) {
		if (dirfd == AT_FDCWD) {
			*out = inode_get(t->fs->cwd.dentry->inode);
			return 0;
		}
		struct file *f = fd_get(t, dirfd);
		if (!f)
			return -EBADF;
		*out = inode_get(f->inode);
		return 0;
	}
	struct path p;
	r = vfs_resolve_at(t, dirfd, path, follow ? LOOKUP_FOLLOW : 0, &p, NULL);
	if (r < 0)
		return r;
	*out = inode_get(p.dentry->inode);
	path_put(&p);
	return 0;
}

static long stat_out(struct task *t, struct inode *inode, uint64_t ubuf)
{
	struct stat st;
	vfs_fill_stat(inode, &st);
	inode_put(inode);
	return guest_write(t, ubuf, &st, sizeof(st));
}

SYSCALL(fstat)
{
	struct file *f = fd_get(t, (int)ev->args[0]);
	if (!f)
		return -EBADF;
	return stat_out(t, inode_get(f->inode), ev->args[1]);
}

static long do_stat(struct task *t, int dirfd, uint64_t upath, uint64_t ubuf, int flags)
{
	struct inode *inode;
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
		return -EINVAL;
	long r = stat_target(t, dirfd, upath, !(flags & AT_SYMLINK_NOFOLLOW),
			     flags & AT_EMPTY_PATH, &inode);
	return r < 0 ? r : stat_out(t, inode, ubuf);
}

SYSCALL(stat)
{
	return do_stat(t, AT_FDCWD, ev->args[0], ev->args[1], 0);
}

SYSCALL(lstat)
{
	return do_stat(t, AT_FDCWD, ev->args[0], ev->args[1], AT_SYMLINK_NOFOLLOW);
}

SYSCALL(newfstatat)
{
	return do_stat(t, (int)ev->args[0], ev->args[1], ev->args[2], (int)ev->args[3]);
}

static void statx_time(struct statx_timestamp *dst, const struct timespec *src)
{
	dst->tv_sec = src->tv_sec;
	dst->tv_nsec = (uint32_t)src->tv_nsec;
}

SYSCALL(statx)
{
	int dirfd = (int)ev->args[0], flags = (int)ev->args[2];
	unsigned mask = (unsigned)ev->args[3];
	struct inode *inode;
	struct statx sx;
	struct stat st;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE))
		return -EINVAL;
	if ((flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE || (mask & STATX__RESERVED))
		return -EINVAL;
	long r = stat_target(t, dirfd, ev->args[1], !(flags & AT_SYMLINK_NOFOLLOW),
			     flags & AT_EMPTY_PATH, &inode);
	if (r < 0)
		return r;
	vfs_fill_stat(inode, &st);
	inode_put(inode);
	memset(&sx, 0, sizeof(sx));
	sx.stx_mask = STATX_BASIC_STATS;
	sx.stx_blksize = (uint32_t)st.st_blksize;
	sx.stx_nlink = (uint32_t)st.st_nlink;
	sx.stx_uid = st.st_uid;
	sx.stx_gid = st.st_gid;
	sx.stx_mode = (uint16_t)st.st_mode;
	sx.stx_ino = st.st_ino;
	sx.stx_size = (uint64_t)st.st_size;
	sx.stx_blocks = (uint64_t)st.st_blocks;
	statx_time(&sx.stx_atime, &st.st_atim);
	statx_time(&sx.stx_mtime, &st.st_mtim);
	statx_time(&sx.stx_ctime, &st.st_ctim);
	sx.stx_rdev_major = major(st.st_rdev);
	sx.stx_rdev_minor = minor(st.st_rdev);
	sx.stx_dev_major = major(st.st_dev);
	sx.stx_dev_minor = minor(st.st_dev);
	return guest_write(t, ev->args[4], &sx, sizeof(sx));
}

static long do_readlinkat(struct task *t, int dirfd, uint64_t upath, uint64_t ubuf, int64_t size)
{
	char target[VFS_PATH_MAX];
	struct inode *inode;

	if (size <= 0)
		return -EINVAL;
	long r = stat_target(t, dirfd, upath, false, true, &inode);
	if (r < 0)
		return r;
	if (!S_ISLNK(inode->mode) || !inode->iops || !inode->iops->readlink) {
		inode_put(inode);
		/* Like Linux: an empty path (dirfd itself) that is not a link is ENOENT. */
		char c;
		return guest_read(t, upath, &c, 1) == 0 && c == '\0' ? -ENOENT : -EINVAL;
	}
	r = inode->iops->readlink(inode, target, sizeof(target));
	inode_put(inode);
	if (r < 0)
		return r;
	if (r > size)
		r = size;
	long w = guest_write(t, ubuf, target, (size_t)r);
	return w < 0 ? w : r;
}

SYSCALL(readlink)
{
	return do_readlinkat(t, AT_FDCWD, ev->args[0], ev->args[1], (int64_t)(int)ev->args[2]);
}

SYSCALL(readlinkat)
{
	return do_readlinkat(t, (int)ev->args[0], ev->args[1], ev->args[2], (int64_t)(int)ev->args[3]);
}

static long do_faccessat(struct task *t, int dirfd, uint64_t upath, int mode, int flags)
{
	char path[VFS_PATH_MAX];
	struct path p;

	if (mode & ~(R_OK | W_OK | X_OK))
		return -EINVAL;
	if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	long r = guest_read_string(t, upath, path, sizeof(path));
	if (r < 0)
		return r;
	r = vfs_resolve_at(t, dirfd, path,
			   (flags & AT_SYMLINK_NOFOLLOW ? 0 : LOOKUP_FOLLOW) |
				   (flags & AT_EMPTY_PATH ? LOOKUP_EMPTY : 0),
			   &p, NULL);
	if (r < 0)
		return r;
	struct inode *inode = p.dentry->inode;
	if ((mode & W_OK) && (S_ISREG(inode->mode) || S_ISDIR(inode->mode) || S_ISLNK(inode->mode)) &&
	    ((p.mnt->flags & MS_RDONLY) || inode->sb->readonly)) {
		path_put(&p);
		return -EROFS;
	}
	/* access(2) checks with the real ids unless AT_EACCESS. */
	struct creds saved = t->tg->creds;
	if (!(flags & AT_EACCESS)) {
		t->tg->creds.fsuid = saved.ruid;
		t->tg->creds.fsgid = saved.rgid;
	}
	r = mode ? vfs_permission(t, inode, mode) : 0;
	t->tg->creds = saved;
	path_put(&p);
	return r;
}

SYSCALL(access)
{
	return do_faccessat(t, AT_FDCWD, ev->args[0], (int)ev->args[1], 0);
}

SYSCALL(faccessat)
{
	return do_faccessat(t, (int)ev->args[0], ev->args[1], (int)ev->args[2], 0);
}

SYSCALL(faccessat2)
{
	return do_faccessat(t, (int)ev->args[0], ev->args[1], (int)ev->args[2], (int)ev->args[3]);
}

/* Directory listings: "." and ".." come first (cookies 0 and 1), then the file system's
   entries with its cookies shifted by 2. */
struct dirent_sink {
	char *buf;
	size_t size, used;
	bool legacy;		/* getdents (struct linux_dirent) rather than getdents64 */
	uint64_t cookie_shift;	/* added to the file system's cookies (2 for "." and "..") */
	bool full;
};

static int dirent_emit(void *ctx, const char *name, size_t namelen, uint64_t ino, unsigned type,
		       uint64_t next_cookie)
{
	struct dirent_sink *s = ctx;
	size_t reclen;

	if (s->legacy)
		reclen = (offsetof(struct dirent, d_name) - offsetof(struct dirent, d_ino) + namelen + 2 + 7) & ~(size_t)7;
	else
		reclen = (offsetof(struct dirent64, d_name) + namelen + 1 + 7) & ~(size_t)7;
	if (s->used + reclen > s->size) {
		s->full = true;
		return 1;
	}
	char *rec = s->buf + s->used;
	memset(rec, 0, reclen);
	if (s->legacy) {
		/* struct linux_dirent: ino, off, reclen, name, NUL, ..., type in the last byte. */
		uint64_t *u = (uint64_t *)rec;
		u[0] = ino;
		u[1] = next_cookie + s->cookie_shift;
		*(uint16_t *)(rec + 16) = (uint16_t)reclen;
		memcpy(rec + 18, name, namelen);
		rec[reclen - 1] = (char)type;
	} else {
		struct dirent64 *d = (struct dirent64 *)rec;
		d->d_ino = ino;
		d->d_off = (int64_t)(next_cookie + s->cookie_shift);
		d->d_reclen = (uint16_t)reclen;
		d->d_type = (unsigned char)type;
		memcpy(d->d_name, name, namelen);
	}
	s->used += reclen;
	return 0;
}

static uint64_t parent_ino(const struct path *p)
{
	struct dentry *d = p->dentry;
	struct mount *m = p->mnt;
	while (d == m->root && m->parent) {
		d = m->mountpoint;
		m = m->parent;
	}
	return d->parent && d->parent->inode ? d->parent->inode->ino : d->inode->ino;
}

static long do_getdents(struct task *t, int fd, uint64_t ubuf, unsigned int count, bool legacy)
{
	struct file *f = fd_get(t, fd);
	if (!f || (f->flags & O_PATH))
		return -EBADF;
	struct inode *dir = f->inode;
	if (!dir || !S_ISDIR(dir->mode) || !dir->iops || !dir->iops->iterate)
		return -ENOTDIR;
	if (count > 65536)
		count = 65536;
	struct dirent_sink s = { .size = count, .legacy = legacy };
	s.buf = malloc(count ? count : 1);
	if (!s.buf)
		return -ENOMEM;
	long r = 0;
	if (f->dir_cookie == 0) {
		if (dirent_emit(&s, ".", 1, dir->ino, DT_DIR, 1))
			goto done;
		f->dir_cookie = 1;
	}
	if (f->dir_cookie == 1) {
		if (dirent_emit(&s, "..", 2, parent_ino(&f->path), DT_DIR, 2))
			goto done;
		f->dir_cookie = 2;
	}
	uint64_t fs_cookie = f->dir_cookie - 2;
	s.cookie_shift = 2;
	r = dir->iops->iterate(dir, &fs_cookie, dirent_emit, &s);
	f->dir_cookie = fs_cookie + 2;
done:
	fsnotify_file(f, IN_ACCESS);
	if (r == 0) {
		if (s.used == 0 && s.full)
			r = -EINVAL;
		else
			r = guest_write(t, ubuf, s.buf, s.used) < 0 ? -EFAULT : (long)s.used;
	}
	free(s.buf);
	return r;
}

SYSCALL(getdents64)
{
	return do_getdents(t, (int)ev->args[0], ev->args[1], (unsigned int)ev->args[2], false);
}

SYSCALL(getdents)
{
	return do_getdents(t, (int)ev->args[0], ev->args[1], (unsigned int)ev->args[2], true);
}
