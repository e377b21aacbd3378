/* Permission checks and stat, from the sentry's inode attributes (never the host's). */
#define _GNU_SOURCE
#include "sentry/vfs/vfs.h"
#include "sentry/task/task.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>

bool creds_in_group(const struct creds *c, gid_t gid)
{
	if (c->fsgid == gid)
		return true;
	for (int i = 0; i < c->ngroups; i++)
		if (c->groups[i] == gid)
			return true;
	return false;
}

/* Linux's generic_permission: the mode bits, then the capabilities that override them. */
int vfs_permission(struct task *t, struct inode *inode, int mask)
{
	const struct creds *c = task_creds(t);
	mode_t mode = inode->mode;
	unsigned bits;

	if (c->fsuid == inode->uid)
		bits = (mode >> 6) & 7;
	else if (creds_in_group(c, inode->gid))
		bits = (mode >> 3) & 7;
	else
		bits = mode & 7;
	mask &= MAY_READ | MAY_WRITE | MAY_EXEC;
	if (!((unsigned)mask & ~bits))
		return 0;
	/* Reading and searching a directory, reading a file: CAP_DAC_READ_SEARCH. */
	bool reads = S_ISDIR(mode) ? !(mask & MAY_WRITE) : mask == MAY_READ;
	if (reads && creds_capable(c, CAP_DAC_READ_SEARCH))
		return 0;
	/* Anything else, but executing a file nobody may execute: CAP_DAC_OVERRIDE. */
	if ((S_ISDIR(mode) || !(mask & MAY_EXEC) || (mode & 0111)) && creds_capable(c, CAP_DAC_OVERRIDE))
		return 0;
	return -EACCES;
}

void vfs_fill_stat(struct inode *inode, struct stat *st)
{
	if (inode->iops && inode->iops->refresh)
		inode->iops->refresh(inode);
	memset(st, 0, sizeof(*st));
	st->st_dev = inode->dev;
	st->st_ino = inode->ino;
	st->st_mode = inode->mode;
	st->st_nlink = inode->nlink;
	st->st_uid = inode->uid;
	st->st_gid = inode->gid;
	st->st_rdev = inode->rdev;
	st->st_size = inode->size;
	st->st_blksize = inode->blksize;
	st->st_blocks = inode->blocks;
	st->st_atim = inode->atime;
	st->st_mtim = inode->mtime;
	st->st_ctim = inode->ctime;
}

unsigned vfs_dtype(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return DT_REG;
	case S_IFDIR: return DT_DIR;
	case S_IFLNK: return DT_LNK;
	case S_IFCHR: return DT_CHR;
	case S_IFBLK: return DT_BLK;
	case S_IFIFO: return DT_FIFO;
	case S_IFSOCK: return DT_SOCK;
	default: return DT_UNKNOWN;
	}
}
