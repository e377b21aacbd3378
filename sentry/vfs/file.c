/* Open files and the file operations shared by several file systems. */
#define _GNU_SOURCE
#include "sentry/vfs/vfs.h"
#include "sentry/kernel.h"
#include "sentry/task/task.h"
#include "sentry/mm/guest_mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/mount.h>

struct file *file_alloc(const struct file_operations *ops, const struct path *p,
			struct inode *inode, int flags)
{
	struct file *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->refs = 1;
	f->ops = ops;
	if (p) {
		f->path = *p;
		path_get(&f->path);
	}
	f->inode = inode_get(inode);
	f->flags = flags;
	f->host_fd = -1;
	return f;
}

struct file *file_get(struct file *f)
{
	f->refs++;
	return f;
}

/* The sentry sees no write a guest makes on a mirrored host file (a writable bind mount's):
   a change of the file's mtime while it was open is reported at its close. */
static void note_native_writer(struct file *f)
{
	struct stat st;
	if ((f->flags & O_ACCMODE) != O_RDONLY && f->host_fd >= 0 && f->ops && f->ops->host_io &&
	    !f->ops->write && fstat(f->host_fd, &st) == 0 && S_ISREG(st.st_mode)) {
		f->native_writer = true;
		f->open_mtime = st.st_mtim;
	}
}

static bool modified_natively(struct file *f)
{
	struct stat st;
	return fstat(f->host_fd, &st) == 0 && (st.st_mtim.tv_sec != f->open_mtime.tv_sec ||
					       st.st_mtim.tv_nsec != f->open_mtime.tv_nsec);
}

void file_put(struct file *f)
{
	if (!f || --f->refs > 0)
		return;
	if (f->native_writer && modified_natively(f))
		fsnotify_file(f, IN_MODIFY);
	if (f->notify_close)
		fsnotify_file(f, (f->flags & O_ACCMODE) == O_RDONLY ? IN_CLOSE_NOWRITE : IN_CLOSE_WRITE);
	if (f->ops && f->ops->release)
		f->ops->release(f);
	flock_release(f);
	if (f->open_counted) {
		lease_release(f);
		if ((f->flags & O_ACCMODE) == O_RDONLY)
			f->inode->open_readers--;
		else
			f->inode->open_writers--;
	}
	if (f->host_fd >= 0)
		close(f->host_fd);
	inode_put(f->inode);
	if (f->path.dentry)
		path_put(&f->path);
	free(f);
}

static int vfs_open_common(struct task *t, const struct path *p, int flags, bool created,
			   struct file **out)
{
	struct inode *inode = p->dentry->inode;
	int acc = flags & O_ACCMODE;
	int mask = 0;
	int r;

	if (!inode)
		return -ENOENT;
	/* O_PATH | O_NOFOLLOW opens a symlink itself. */
	if (S_ISLNK(inode->mode) && !(flags & O_PATH))
		return -ELOOP;
	if ((flags & O_DIRECTORY) && !S_ISDIR(inode->mode))
		return -ENOTDIR;
	if (acc == O_RDONLY || acc == O_RDWR)
		mask |= MAY_READ;
	if (acc == O_WRONLY || acc == O_RDWR || (flags & O_TRUNC))
		mask |= MAY_WRITE;
	if (acc == 3)
		return -EINVAL;
	if (S_ISDIR(inode->mode) && (mask & MAY_WRITE))
		return -EISDIR;
	if ((mask & MAY_WRITE) && (S_ISREG(inode->mode) || S_ISDIR(inode->mode)) &&
	    ((p->mnt->flags & MS_RDONLY) || inode->sb->readonly))
		return -EROFS;
	if (!(flags & O_PATH) && !created) {
		r = vfs_permission(t, inode, mask);
		if (r < 0)
			return r;
		if ((mask & MAY_WRITE) && S_ISREG(inode->mode)) {
			/* Writing a lower file copies it up first; O_TRUNC needs none of it. */
			r = vfs_copy_up(inode, (flags & O_TRUNC) ? 0 : INT64_MAX);
			if (r < 0)
				return r;
		}
	}
	struct file *f = file_alloc(inode->fops, p, inode, flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC));
	if (!f)
		return -ENOMEM;
	if (!(flags & O_PATH) && inode->iops && inode->iops->open) {
		r = inode->iops->open(inode, f, flags);
		if (r < 0) {
			file_put(f);
			return r;
		}
	}
	if (!(flags & O_PATH)) {
		fsnotify_file(f, IN_OPEN);
		f->notify_close = true;
		f->open_counted = true;
		if (acc == O_RDONLY)
			inode->open_readers++;
		else
			inode->open_writers++;
	}
	/* Truncation follows the open, as Linux's handle_truncate (IN_OPEN, then IN_MODIFY). */
	if ((flags & O_TRUNC) && !(flags & O_PATH) && !created && (mask & MAY_WRITE) &&
	    S_ISREG(inode->mode) && (r = vfs_truncate(t, p, inode, 0, false)) < 0) {
		file_put(f);
		return r;
	}
	if (!(flags & O_PATH))
		note_native_writer(f);
	*out = f;
	return 0;
}

int vfs_open(struct task *t, const struct path *p, int flags, struct file **out)
{
	return vfs_open_common(t, p, flags, false, out);
}

int vfs_open_created(struct task *t, const struct path *p, int flags, struct file **out)
{
	return vfs_open_common(t, p, flags, true, out);
}

long file_read_buffer(const struct iovec *iov, int iovcnt, int64_t *pos, const void *data,
		      size_t size)
{
	if (*pos < 0)
		return -EINVAL;
	if ((uint64_t)*pos >= size)
		return 0;
	long n = guest_write_iov(current, iov, iovcnt, (const char *)data + *pos, size - (size_t)*pos);
	if (n > 0)
		*pos += n;
	return n;
}

int64_t generic_llseek(struct file *f, int64_t offset, int whence)
{
	int64_t base;

	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = f->pos;
		break;
	case SEEK_END:
		if (f->inode && f->inode->iops && f->inode->iops->refresh)
			f->inode->iops->refresh(f->inode);
		base = f->inode ? f->inode->size : 0;
		break;
	default:
		return -EINVAL;
	}
	if ((offset > 0 && base > INT64_MAX - offset) || base + offset < 0)
		return -EINVAL;
	f->pos = base + offset;
	return f->pos;
}

static long dir_read(struct file *f, const struct iovec *iov, int iovcnt, int64_t *pos)
{
	(void)f, (void)iov, (void)iovcnt, (void)pos;
	return -EISDIR;
}

/* Directories seek by iterate cookie: only back to the start or to a cookie getdents gave. */
static int64_t dir_llseek(struct file *f, int64_t offset, int whence)
{
	if (whence == SEEK_CUR && offset == 0)
		return (int64_t)f->dir_cookie;
	if (whence != SEEK_SET || offset < 0)
		return -EINVAL;
	f->dir_cookie = (uint64_t)offset;
	return offset;
}

const struct file_operations dir_file_ops = {
	.read = dir_read,
	.write = dir_read,
	.llseek = dir_llseek,
};

/* The sentry's copy shares the open file description with the guest's mirror, so seeking
   it moves the guest's offset too. */
int64_t host_fd_llseek(struct file *f, int64_t offset, int whence)
{
	off_t r = lseek(f->host_fd, offset, whence);
	return r < 0 ? -errno : r;
}

const struct file_operations host_file_ops = {
	.host_io = true,
	.llseek = host_fd_llseek,
};
