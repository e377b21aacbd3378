/* read, write and their vector and positioned forms; lseek; sendfile. */
#define _GNU_SOURCE
#include "sentry/syscalls/syscalls.h"
#include "sentry/kernel.h"
#include "sentry/task/task.h"
#include "sentry/task/fdtable.h"
#include "sentry/mm/guest_mem.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/inotify.h>

#define MAX_RW_COUNT (INT_MAX & ~4095L)

enum rw_dir { RW_READ, RW_WRITE };

/* The open file behind fd, if it may be read (or written). */
static long rw_file(struct task *t, int fd, enum rw_dir dir, struct file **out)
{
	struct file *f = fd_get(t, fd);
	if (!f || (f->flags & O_PATH))
		return -EBADF;
	int acc = f->flags & O_ACCMODE;
	if (dir == RW_READ ? acc == O_WRONLY : acc == O_RDONLY)
		return -EBADF;
	if (!f->ops)
		return -EINVAL;
	*out = f;
	return 0;
}

/* RLIMIT_FSIZE on a regular file the sentry writes: nothing at or past the limit (EFBIG
   and SIGXFSZ), and only up to it (generic_write_check_limits). */
static long fsize_limit(struct task *t, struct file *f, int64_t offset, struct iovec *iov, int iovcnt)
{
	rlim_t limit = t->tg->rlimits[RLIMIT_FSIZE].rlim_cur;
	if (limit == RLIM_INFINITY || !f->inode || !S_ISREG(f->inode->mode))
		return 0;
	int64_t pos = offset >= 0 ? offset : (f->flags & O_APPEND) ? f->inode->size : f->pos;
	if (pos < 0 || (uint64_t)pos >= limit) {
		thread_group_signal(t->tg, t, SIGXFSZ);
		return -EFBIG;
	}
	uint64_t room = limit - (uint64_t)pos;
	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > room)
			iov[i].iov_len = room;
		room -= iov[i].iov_len;
	}
	return 0;
}

/* Shared by all forms: offset < 0 means "at the file position". */
static long do_rw(struct task *t, int fd, enum rw_dir dir, uint64_t iov_addr, int iovcnt,
		  const struct iovec *single, int64_t offset)
{
	struct file *f;
	long r = rw_file(t, fd, dir, &f);
	if (r < 0)
		return r;
	long (*op)(struct file *, const struct iovec *, int, int64_t *) =
		dir == RW_READ ? f->ops->read : f->ops->write;
	/* A host object may have one direction natively (a unix datagram inbox's reads). */
	if (!op && f->ops->host_io)
		return SYSCALL_CONTINUE;
	if (!op)
		return -EINVAL;

	struct iovec stack_iov[8];
	struct iovec *iov = stack_iov;
	if (single) {
		stack_iov[0] = *single;
		iovcnt = 1;
	} else {
		if (iovcnt < 0 || iovcnt > IOV_MAX)
			return -EINVAL;
		if (iovcnt > (int)(sizeof(stack_iov) / sizeof(stack_iov[0])) &&
		    !(iov = malloc(sizeof(*iov) * (size_t)iovcnt)))
			return -ENOMEM;
		r = guest_read_iovec(t, iov_addr, iovcnt, iov);
		if (r < 0)
			goto out;
	}
	/* Like access_ok(): a buffer that reaches past the user address space is EFAULT. */
	for (int i = 0; i < iovcnt; i++) {
		if (!guest_range_ok((uint64_t)(uintptr_t)iov[i].iov_base, iov[i].iov_len)) {
			r = -EFAULT;
			goto out;
		}
	}
	/* Like the kernel, never move more than MAX_RW_COUNT in one call. */
	size_t total = 0;
	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > MAX_RW_COUNT - total)
			iov[i].iov_len = MAX_RW_COUNT - total;
		total += iov[i].iov_len;
	}
	int64_t pos = offset;
	if (dir == RW_WRITE && total > 0 && (r = fsize_limit(t, f, offset, iov, iovcnt)) < 0)
		goto out;
	r = op(f, iov, iovcnt, offset < 0 ? &f->pos : &pos);
	if (r > 0)
		fsnotify_file(f, dir == RW_READ ? IN_ACCESS : IN_MODIFY);
out:
	if (iov != stack_iov)
		free(iov);
	return r;
}

static long do_single(struct task *t, struct syscall_event *ev, enum rw_dir dir, int64_t offset)
{
	/* A huge count is EFAULT (access_ok), after the fd checks: do_rw decides. */
	struct iovec one = { (void *)(uintptr_t)ev->args[1], (size_t)ev->args[2] };
	return do_rw(t, (int)ev->args[0], dir, 0, 1, &one, offset);
}

SYSCALL(read)
{
	struct file *f;
	long r = rw_file(t, (int)ev->args[0], RW_READ, &f);
	if (r == 0 && file_native_read(f) && f->priv)
		return signalfd_read(t, ev, f);
	return do_single(t, ev, RW_READ, -1);
}

SYSCALL(write)
{
	return do_single(t, ev, RW_WRITE, -1);
}

SYSCALL(pread64)
{
	if ((int64_t)ev->args[3] < 0)
		return -EINVAL;
	return do_single(t, ev, RW_READ, (int64_t)ev->args[3]);
}

SYSCALL(pwrite64)
{
	if ((int64_t)ev->args[3] < 0)
		return -EINVAL;
	return do_single(t, ev, RW_WRITE, (int64_t)ev->args[3]);
}

SYSCALL(readv)
{
	return do_rw(t, (int)ev->args[0], RW_READ, ev->args[1], (int)ev->args[2], NULL, -1);
}

SYSCALL(writev)
{
	return do_rw(t, (int)ev->args[0], RW_WRITE, ev->args[1], (int)ev->args[2], NULL, -1);
}

SYSCALL(preadv)
{
	int64_t off = (int64_t)ev->args[3];
	if (off < 0)
		return -EINVAL;
	return do_rw(t, (int)ev->args[0], RW_READ, ev->args[1], (int)ev->args[2], NULL, off);
}

SYSCALL(pwritev)
{
	int64_t off = (int64_t)ev->args[3];
	if (off < 0)
		return -EINVAL;
	return do_rw(t, (int)ev->args[0], RW_WRITE, ev->args[1], (int)ev->args[2], NULL, off);
}

/* The v2 forms: offset -1 means the file position; flags are per-call hints. On x86-64 the
   offset is the low register alone (the high one only matters to 32-bit callers). */
static long do_rwv2(struct task *t, struct syscall_event *ev, enum rw_dir dir)
{
	int64_t off = (int64_t)ev->args[3];
	if (off < -1)
		return -EINVAL;
	/* The flags are an int (rwf_t): the register's upper half is not part of them. */
	if ((uint32_t)ev->args[5] & ~(uint32_t)(RWF_HIPRI | RWF_DSYNC | RWF_SYNC | RWF_NOWAIT | RWF_APPEND))
		return -EOPNOTSUPP;
	return do_rw(t, (int)ev->args[0], dir, ev->args[1], (int)ev->args[2], NULL, off);
}

SYSCALL(preadv2)
{
	return do_rwv2(t, ev, RW_READ);
}

SYSCALL(pwritev2)
{
	return do_rwv2(t, ev, RW_WRITE);
}

SYSCALL(lseek)
{
	struct file *f = fd_get(t, (int)ev->args[0]);
	if (!f || (f->flags & O_PATH))
		return -EBADF;
	/* An unknown whence is EINVAL on any file, a pipe's included (ksys_lseek). */
	if ((int)ev->args[2] < SEEK_SET || (int)ev->args[2] > SEEK_HOLE)
		return -EINVAL;
	if (!f->ops || !f->ops->llseek)
		return -ESPIPE;
	return f->ops->llseek(f, (int64_t)ev->args[1], (int)ev->args[2]);
}

/* May the host move f's data in a copy? Yes for files whose data path is the host's; for a
   mirrored file whose position is the sentry's (a memfd shared by several opens) only at an
   offset the call itself gives (the host then never uses the shared position). */
static bool host_may_copy(struct file *f, bool explicit_offset)
{
	return file_native_io(f) || (explicit_offset && f->ops->host_io && f->host_fd >= 0);
}

/* Copies between two files run natively when the host may do them on both sides; other
   cases get EINVAL, on which callers fall back to read and write. */
static long copy_between(struct task *t, int in_fd, bool in_offset, int out_fd, bool out_offset)
{
	struct file *in, *out;
	long r = rw_file(t, in_fd, RW_READ, &in);
	if (r < 0)
		return r;
	r = rw_file(t, out_fd, RW_WRITE, &out);
	if (r < 0)
		return r;
	/* O_APPEND of a sentry-positioned file is the sentry's alone: the host would not
	   refuse (copy_file_range does, with EBADF). */
	if (!file_native_io(out) && (out->flags & O_APPEND))
		return -EBADF;
	return host_may_copy(in, in_offset) && host_may_copy(out, out_offset) ? SYSCALL_CONTINUE
									      : -EINVAL;
}

SYSCALL(sendfile)
{
	return copy_between(t, (int)ev->args[1], ev->args[2] != 0, (int)ev->args[0], false);
}

/* Pipes are host pipes: splice and tee between host objects run natively, and the host
   refuses what is not a pipe on either side as Linux does. */
SYSCALL(splice)
{
	return copy_between(t, (int)ev->args[0], ev->args[1] != 0, (int)ev->args[2],
			    ev->args[3] != 0);
}

SYSCALL(tee)
{
	return copy_between(t, (int)ev->args[0], false, (int)ev->args[1], false);
}

/* The pipe's access mode is the host's; the iovecs are the caller's own memory. */
SYSCALL(vmsplice)
{
	struct file *f = fd_get(t, (int)ev->args[0]);
	if (!f || (f->flags & O_PATH))
		return -EBADF;
	return file_native_io(f) ? SYSCALL_CONTINUE : -EBADF;
}

SYSCALL(copy_file_range)
{
	return copy_between(t, (int)ev->args[0], ev->args[1] != 0, (int)ev->args[2],
			    ev->args[3] != 0);
}
