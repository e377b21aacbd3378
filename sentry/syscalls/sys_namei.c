/* Changing the file system: names (mkdir, mknod, symlink, link, unlink, rmdir, rename),
   attributes (chmod, chown, utimes, truncate), space (fallocate) and sync. The work is the
   VFS's (sentry/vfs/namei.c); these handlers read the guest's arguments. */
#define _GNU_SOURCE
#include "sentry/syscalls/syscalls.h"
#include "sentry/kernel.h"
#include "sentry/task/task.h"
#include "sentry/task/fdtable.h"
#include "sentry/mm/guest_mem.h"
#include "sentry/fs/memfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <utime.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

static long read_path(struct task *t, uint64_t addr, char *buf)
{
	long r = guest_read_string(t, addr, buf, VFS_PATH_MAX);
	return r < 0 ? r : 0;
}

/* ---- names ---- */

static long do_mkdirat(struct task *t, int dirfd, uint64_t upath, mode_t mode)
{
	char path[VFS_PATH_MAX];
	long r = read_path(t, upath, path);
	return r < 0 ? r : vfs_mkdirat(t, dirfd, path, mode);
}

SYSCALL(mkdir)
{
	return do_mkdirat(t, AT_FDCWD, ev->args[0], (mode_t)ev->args[1]);
}

SYSCALL(mkdirat)
{
	return do_mkdirat(t, (int)ev->args[0], ev->args[1], (mode_t)ev->args[2]);
}

static long do_mknodat(struct task *t, int dirfd, uint64_t upath, mode_t mode, dev_t dev)
{
	char path[VFS_PATH_MAX];
	long r = read_path(t, upath, path);
	return r < 0 ? r : vfs_mknodat(t, dirfd, path, mode, dev);
}

SYSCALL(mknod)
{
	return do_mknodat(t, AT_FDCWD, ev->args[0], (mode_t)ev->args[1], (dev_t)(unsigned)ev->args[2]);
}

SYSCALL(mknodat)
{
	return do_mknodat(t, (int)ev->args[0], ev->args[1], (mode_t)ev->args[2],
			  (dev_t)(unsigned)ev->args[3]);
}

static long do_symlinkat(struct task *t, uint64_t utarget, int dirfd, uint64_t upath)
{
	char target[VFS_PATH_MAX], path[VFS_PATH_MAX];
	long r = read_path(t, utarget, target);
	if (r == 0)
		r = read_path(t, upath, path);
	return r < 0 ? r : vfs_symlinkat(t, target, dirfd, path);
}

SYSCALL(symlink)
{
	return do_symlinkat(t, ev->args[0], AT_FDCWD, ev->args[1]);
}

SYSCALL(symlinkat)
{
	return do_symlinkat(t, ev->args[0], (int)ev->args[1], ev->args[2]);
}

static long do_linkat(struct task *t, int olddirfd, uint64_t uold, int newdirfd, uint64_t unew,
		      int flags)
{
	char oldpath[VFS_PATH_MAX], newpath[VFS_PATH_MAX];
	if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	long r = read_path(t, uold, oldpath);
	if (r == 0)
		r = read_path(t, unew, newpath);
	return r < 0 ? r : vfs_linkat(t, olddirfd, oldpath, newdirfd, newpath, flags);
}

SYSCALL(link)
{
	return do_linkat(t, AT_FDCWD, ev->args[0], AT_FDCWD, ev->args[1], 0);
}

SYSCALL(linkat)
{
	return do_linkat(t, (int)ev->args[0], ev->args[1], (int)ev->args[2], ev->args[3],
			 (int)ev->args[4]);
}

static long do_unlinkat(struct task *t, int dirfd, uint64_t upath, int flags)
{
	char path[VFS_PATH_MAX];
	if (flags & ~AT_REMOVEDIR)
		return -EINVAL;
	long r = read_path(t, upath, path);
	return r < 0 ? r : vfs_unlinkat(t, dirfd, path, flags);
}

SYSCALL(unlink)
{
	return do_unlinkat(t, AT_FDCWD, ev->args[0], 0);
}

SYSCALL(rmdir)
{
	return do_unlinkat(t, AT_FDCWD, ev->args[0], AT_REMOVEDIR);
}

SYSCALL(unlinkat)
{
	return do_unlinkat(t, (int)ev->args[0], ev->args[1], (int)ev->args[2]);
}

static long do_renameat2(struct task *t, int olddirfd, uint64_t uold, int newdirfd,
			 uint64_t unew, unsigned flags)
{
	char oldpath[VFS_PATH_MAX], newpath[VFS_PATH_MAX];
	long r = read_path(t, uold, oldpath);
	if (r == 0)
		r = read_path(t, unew, newpath);
	return r < 0 ? r : vfs_renameat2(t, olddirfd, oldpath, newdirfd, newpath, flags);
}

SYSCALL(rename)
{
	return do_renameat2(t, AT_FDCWD, ev->args[0], AT_FDCWD, ev->args[1], 0);
}

SYSCALL(renameat)
{
	return do_renameat2(t, (int)ev->args[0], ev->args[1], (int)ev->args[2], ev->args[3], 0);
}

SYSCALL(renameat2)
{
	return do_renameat2(t, (int)ev->args[0], ev->args[1], (int)ev->args[2], ev->args[3],
			    (unsigned)ev->args[4]);
}

/* ---- attributes ---- */

/* What an attribute syscall acts on: a path, or an fd's file. */
struct attr_target {
	struct path path;		/* dentry NULL: an fd without a path (a pipe) */
	struct inode *inode;		/* a reference */
};

static void attr_target_release(struct attr_target *a)
{
	if (a->path.dentry)
		path_put(&a->path);
	inode_put(a->inode);
}

static const struct path *attr_path(const struct attr_target *a)
{
	return a->path.dentry ? &a->path : NULL;
}

/* The file of fd (not O_PATH: fchmod, fchown, futimens, ftruncate refuse those). */
static long fd_target(struct task *t, int fd, struct attr_target *a)
{
	struct file *f = fd_get(t, fd);
	memset(a, 0, sizeof(*a));
	if (!f || (f->flags & O_PATH) || !f->inode)
		return -EBADF;
	if (f->path.dentry) {
		a->path = f->path;
		path_get(&a->path);
	}
	a->inode = inode_get(f->inode);
	return 0;
}

/* (dirfd, path) as the *at syscalls name it, AT_EMPTY_PATH and AT_SYMLINK_NOFOLLOW
   included (an O_PATH fd is fine here). */
static long path_target(struct task *t, int dirfd, const char *path, int at_flags,
			struct attr_target *a)
{
	memset(a, 0, sizeof(*a));
	if (!path[0] && (at_flags & AT_EMPTY_PATH)) {
		if (dirfd == AT_FDCWD) {
			a->path = t->fs->cwd;
		} else {
			struct file *f = fd_get(t, dirfd);
			if (!f || !f->inode)
				return -EBADF;
			if (!f->path.dentry) {
				a->inode = inode_get(f->inode);
				return 0;
			}
			a->path = f->path;
		}
		path_get(&a->path);
		a->inode = inode_get(a->path.dentry->inode);
		return 0;
	}
	long r = vfs_resolve_at(t, dirfd, path, (at_flags & AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW,
				&a->path, NULL);
	if (r < 0) {
		a->path.dentry = NULL;
		return r;
	}
	a->inode = inode_get(a->path.dentry->inode);
	return 0;
}

static long upath_target(struct task *t, int dirfd, uint64_t upath, int at_flags,
			 struct attr_target *a)
{
	char path[VFS_PATH_MAX];
	memset(a, 0, sizeof(*a));
	long r = read_path(t, upath, path);
	return r < 0 ? r : path_target(t, dirfd, path, at_flags, a);
}

static long do_fchmodat(struct task *t, int dirfd, uint64_t upath, mode_t mode, int flags)
{
	struct attr_target a;
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	long r = upath_target(t, dirfd, upath, flags, &a);
	if (r == 0)
		r = S_ISLNK(a.inode->mode) ? -EOPNOTSUPP : vfs_chmod(t, attr_path(&a), a.inode, mode);
	attr_target_release(&a);
	return r;
}

SYSCALL(chmod)
{
	return do_fchmodat(t, AT_FDCWD, ev->args[0], (mode_t)ev->args[1], 0);
}

SYSCALL(fchmodat)
{
	return do_fchmodat(t, (int)ev->args[0], ev->args[1], (mode_t)ev->args[2], 0);
}

SYSCALL(fchmodat2)
{
	return do_fchmodat(t, (int)ev->args[0], ev->args[1], (mode_t)ev->args[2], (int)ev->args[3]);
}

SYSCALL(fchmod)
{
	struct attr_target a;
	long r = fd_target(t, (int)ev->args[0], &a);
	if (r == 0)
		r = vfs_chmod(t, attr_path(&a), a.inode, (mode_t)ev->args[1]);
	attr_target_release(&a);
	return r;
}

static long do_fchownat(struct task *t, int dirfd, uint64_t upath, uid_t uid, gid_t gid,
			int flags)
{
	struct attr_target a;
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	long r = upath_target(t, dirfd, upath, flags, &a);
	if (r == 0)
		r = vfs_chown(t, attr_path(&a), a.inode, uid, gid);
	attr_target_release(&a);
	return r;
}

SYSCALL(chown)
{
	return do_fchownat(t, AT_FDCWD, ev->args[0], (uid_t)ev->args[1], (gid_t)ev->args[2], 0);
}

SYSCALL(lchown)
{
	return do_fchownat(t, AT_FDCWD, ev->args[0], (uid_t)ev->args[1], (gid_t)ev->args[2],
			   AT_SYMLINK_NOFOLLOW);
}

SYSCALL(fchownat)
{
	return do_fchownat(t, (int)ev->args[0], ev->args[1], (uid_t)ev->args[2], (gid_t)ev->args[3],
			   (int)ev->args[4]);
}

SYSCALL(fchown)
{
	struct attr_target a;
	long r = fd_target(t, (int)ev->args[0], &a);
	if (r == 0)
		r = vfs_chown(t, attr_path(&a), a.inode, (uid_t)ev->args[1], (gid_t)ev->args[2]);
	attr_target_release(&a);
	return r;
}

static bool nsec_valid(long nsec)
{
	return nsec == UTIME_NOW || nsec == UTIME_OMIT || (nsec >= 0 && nsec <= 999999999);
}

/* The common part of the utimes family: times NULL means now. A NULL path (upath 0) with
   a dirfd names the fd's file. */
static long do_utimes(struct task *t, int dirfd, uint64_t upath, const struct timespec *times,
		      int flags)
{
	struct attr_target a = { 0 };	/* released even when no target was taken (NULL path) */
	long r;

	if (upath == 0 && dirfd != AT_FDCWD) {
		if (flags)
			return -EINVAL;
		r = fd_target(t, dirfd, &a);
	} else {
		if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
			return -EINVAL;
		r = upath == 0 ? -EFAULT : upath_target(t, dirfd, upath, flags, &a);
	}
	if (r == 0) {
		if (times && (!nsec_valid(times[0].tv_nsec) || !nsec_valid(times[1].tv_nsec)))
			r = -EINVAL;
		else
			r = vfs_utimens(t, attr_path(&a), a.inode, times);
	}
	attr_target_release(&a);
	return r;
}

SYSCALL(utimensat)
{
	struct timespec ts[2];
	const struct timespec *times = NULL;
	if (ev->args[2]) {
		long r = guest_read(t, ev->args[2], ts, sizeof(ts));
		if (r < 0)
			return r;
		/* Nothing to do: the path is not even looked at. */
		if (ts[0].tv_nsec == UTIME_OMIT && ts[1].tv_nsec == UTIME_OMIT)
			return 0;
		times = ts;
	}
	return do_utimes(t, (int)ev->args[0], ev->args[1], times, (int)ev->args[3]);
}

/* utimes(2) and futimesat(2): microseconds. */
static long do_futimesat(struct task *t, int dirfd, uint64_t upath, uint64_t utv)
{
	struct timeval tv[2];
	struct timespec ts[2];
	if (!utv)
		return do_utimes(t, dirfd, upath, NULL, 0);
	long r = guest_read(t, utv, tv, sizeof(tv));
	if (r < 0)
		return r;
	for (int i = 0; i < 2; i++) {
		if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
			return -EINVAL;
		ts[i].tv_sec = tv[i].tv_sec;
		ts[i].tv_nsec = tv[i].tv_usec * 1000;
	}
	return do_utimes(t, dirfd, upath, ts, 0);
}

SYSCALL(utimes)
{
	return do_futimesat(t, AT_FDCWD, ev->args[0], ev->args[1]);
}

SYSCALL(futimesat)
{
	return do_futimesat(t, (int)ev->args[0], ev->args[1], ev->args[2]);
}

SYSCALL(utime)
{
	struct utimbuf ub;
	struct timespec ts[2];
	if (!ev->args[1])
		return do_utimes(t, AT_FDCWD, ev->args[0], NULL, 0);
	long r = guest_read(t, ev->args[1], &ub, sizeof(ub));
	if (r < 0)
		return r;
	ts[0] = (struct timespec){ ub.actime, 0 };
	ts[1] = (struct timespec){ ub.modtime, 0 };
	return do_utimes(t, AT_FDCWD, ev->args[0], ts, 0);
}

SYSCALL(truncate)
{
	struct attr_target a;
	int64_t length = (int64_t)ev->args[1];
	if (length < 0)
		return -EINVAL;
	long r = upath_target(t, AT_FDCWD, ev->args[0], 0, &a);
	/* As Linux's vfs_truncate: once permitted, leases are broken as for an open for
	   writing. */
	if (r == 0)
		r = vfs_truncate_permitted(t, attr_path(&a), a.inode, length, true);
	if (r == 0)
		r = lease_break_wait(t, ev, a.inode, O_WRONLY);
	if (r == 0)
		r = vfs_truncate(t, attr_path(&a), a.inode, length, true);
	attr_target_release(&a);
	return r;
}

SYSCALL(ftruncate)
{
	int64_t length = (int64_t)ev->args[1];
	if (length < 0)
		return -EINVAL;
	struct file *f = fd_get(t, (int)ev->args[0]);
	if (!f || (f->flags & O_PATH))
		return -EBADF;
	int acc = f->flags & O_ACCMODE;
	if (!f->inode || !S_ISREG(f->inode->mode) || (acc != O_WRONLY && acc != O_RDWR))
		return -EINVAL;
	/* A host file passed in (stdout redirected to a file): the host's business. */
	if (file_native_io(f) && f->host_fd >= 0 && !f->path.dentry)
		return SYSCALL_CONTINUE;
	return vfs_truncate(t, f->path.dentry ? &f->path : NULL, f->inode, length, false);
}

/* ---- space and sync ---- */

SYSCALL(fallocate)
{
	struct file *f = fd_get(t, (int)ev->args[0]);
	int64_t offset = (int64_t)ev->args[2], len = (int64_t)ev->args[3];
	if (offset < 0 || len <= 0)
		return -EINVAL;
	if (!f || (f->flags & O_PATH))
		return -EBADF;
	int acc = f->flags & O_ACCMODE;
	if (acc != O_WRONLY && acc != O_RDWR)
		return -EBADF;
	struct inode *inode = f->inode;
	if (inode && S_ISFIFO(inode->mode))
		return -ESPIPE;
	if (inode && S_ISDIR(inode->mode))
		return -EISDIR;
	/* A file system with a size bound (the root's memory layer, a tmpfs): what the host
	   would allocate must fit; it counts now (the true blocks when the sentry next looks). */
	int mode = (int)ev->args[1];
	if (inode && !(mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_COLLAPSE_RANGE))) {
		if ((uint64_t)len > memfs_room(inode, offset))
			return -ENOSPC;
		memfs_reserve(inode, (uint64_t)len);
	}
	/* Memory files and host files: the host allocates on the guest's mirror (every
	   argument is a register); stat then sees the new size from the host. */
	if (f->host_fd >= 0 && f->ops && f->ops->host_io && inode && S_ISREG(inode->mode))
		return SYSCALL_CONTINUE;
	return -ENODEV;
}

static long do_fsync(struct task *t, int fd)
{
	struct file *f = fd_get(t, fd);
	if (!f || (f->flags & O_PATH))
		return -EBADF;
	/* Host objects answer for themselves (a pipe: EINVAL); files written through to the
	   host flush there; the sentry's others live in memory or in the image, with nothing
	   to flush. */
	if (file_native_io(f) && f->host_fd >= 0 && !f->path.dentry)
		return SYSCALL_CONTINUE;
	if (f->inode && f->inode->iops && f->inode->iops->fsync)
		return f->inode->iops->fsync(f->inode);
	if (f->inode && (S_ISREG(f->inode->mode) || S_ISDIR(f->inode->mode)))
		return 0;
	return -EINVAL;
}

SYSCALL(fsync)
{
	return do_fsync(t, (int)ev->args[0]);
}

SYSCALL(fdatasync)
{
	return do_fsync(t, (int)ev->args[0]);
}

SYSCALL(syncfs)
{
	return fd_get(t, (int)ev->args[0]) ? 0 : -EBADF;
}

SYSCALL(sync)
{
	(void)t, (void)ev;
	return 0;
}
