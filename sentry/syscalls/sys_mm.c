/* Memory: the host manages the guest's address space; the sentry decides what may be mapped.
   Every decision here rests on register arguments, so letting the host run the call cannot be
   raced by another guest thread; the fd's access mode is checked by the host on the mirror. */
#define _GNU_SOURCE
#include "sentry/syscalls/syscalls.h"
#include "sentry/kernel.h"
#include "sentry/task/task.h"
#include "sentry/task/fdtable.h"
#include "sentry/mm/sentry_page.h"
#include "sentry/ipc/ipc.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/mount.h>

SYSCALL(mmap)
{
	int prot = (int)ev->args[2], flags = (int)ev->args[3], fd = (int)ev->args[4];
	if ((flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) && sentry_page_overlaps(t, ev->args[0], ev->args[1]))
		return -EPERM;
	if (flags & MAP_FIXED)
		shm_unmapped(t, ev->args[0], ev->args[1]);
	if (flags & MAP_ANONYMOUS)
		return SYSCALL_CONTINUE;
	struct file *f = fd_get(t, fd);
	if (!f || (f->flags & O_PATH))
		return -EBADF;
	/* Only host objects mirrored into the guest can be mapped: the host maps its own fd. */
	if (f->host_fd < 0 || !f->ops || !f->ops->host_io)
		return -ENODEV;
	if ((prot & PROT_EXEC) && f->path.mnt && (f->path.mnt->flags & MS_NOEXEC))
		return -EPERM;
	/* The access mode is the host description's own (it allows no more than the open, see
	   fd_place): the host refuses a shared writable mapping of a read-only open, whatever
	   the mapping type, and a later mprotect(PROT_WRITE) of it, as Linux does. */
	vfs_mapped_note(t, f, NULL);	/* /proc/PID/maps names the mapping by it */
	return SYSCALL_CONTINUE;
}

/* The rest of the address space is the guest's, but for the sentry's page, which it may not
   unmap, move, make writable or replace (EPERM, as for a sealed mapping). */
static long own_memory(struct task *t, uint64_t addr, uint64_t len)
{
	return sentry_page_overlaps(t, addr, len) ? -EPERM : SYSCALL_CONTINUE;
}

SYSCALL(munmap)
{
	long r = own_memory(t, ev->args[0], ev->args[1]);
	if (r == SYSCALL_CONTINUE)
		shm_unmapped(t, ev->args[0], ev->args[1]);
	return r;
}

SYSCALL(mprotect)
{
	return own_memory(t, ev->args[0], ev->args[1]);
}

SYSCALL(madvise)
{
	return own_memory(t, ev->args[0], ev->args[1]);
}

SYSCALL(mremap)
{
	long r = own_memory(t, ev->args[0], ev->args[1]);
	if (r == SYSCALL_CONTINUE && (ev->args[3] & MREMAP_FIXED))
		r = own_memory(t, ev->args[4], ev->args[2]);
	return r;
}
