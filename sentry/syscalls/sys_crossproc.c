/* Calls that reach into another guest process, with Linux's ptrace-mode checks
   (ptrace_may_access, real ids): process_vm_readv/writev, which the sentry carries out
   itself between the two processes' memory (no guest iovec reaches the host), and kcmp,
   which compares the sentry's objects. */
#define _GNU_SOURCE
#include "sentry/syscalls/syscalls.h"
#include "sentry/ipc/ipc.h"
#include "sentry/kernel.h"
#include "sentry/mm/guest_mem.h"
#include "sentry/task/fdtable.h"
#include "sentry/task/task.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <linux/kcmp.h>

#define PAGE_SIZE_BYTES 4096

static uint64_t to_page_end(uint64_t addr)
{
	return PAGE_SIZE_BYTES - (addr & (PAGE_SIZE_BYTES - 1));
}

/* A live thread of the process that thread `tid` belongs to (any thread id names its
   process, as find_task_by_vpid does), or NULL. */
static struct task *process_thread(pid_t tid)
{
	struct task *target = tid > 0 ? task_by_tid(tid) : NULL;
	if (!target || target->tg->exited)
		return NULL;
	return target->dead ? thread_group_any(target->tg) : target;
}

/* Copies from (src, its iovecs) to (dst, its iovecs) page by page, so that a fault on
   either side stops the copy where Linux's does: the bytes before it count. */
static long copy_guest_pages(struct task *src, const struct iovec *siov, int scnt, struct task *dst,
			 const struct iovec *diov, int dcnt)
{
	char buf[PAGE_SIZE_BYTES];
	size_t done = 0, soff = 0, doff = 0;
	int si = 0, di = 0;

	while (si < scnt && di < dcnt) {
		if (soff == siov[si].iov_len) {
			si++, soff = 0;
			continue;
		}
		if (doff == diov[di].iov_len) {
			di++, doff = 0;
			continue;
		}
		uint64_t saddr = (uint64_t)(uintptr_t)siov[si].iov_base + soff;
		uint64_t daddr = (uint64_t)(uintptr_t)diov[di].iov_base + doff;
		size_t n = siov[si].iov_len - soff;
		if (n > diov[di].iov_len - doff)
			n = diov[di].iov_len - doff;
		if (n > to_page_end(saddr))
			n = to_page_end(saddr);
		if (n > to_page_end(daddr))
			n = to_page_end(daddr);
		if (guest_read(src, saddr, buf, n) < 0 || guest_write(dst, daddr, buf, n) < 0)
			break;
		done += n;
		soff += n;
		doff += n;
	}
	return done ? (long)done : -EFAULT;
}

static long process_vm_access(struct task *t, struct syscall_event *ev, bool write)
{
	pid_t pid = (pid_t)ev->args[0];
	unsigned long lcnt = ev->args[2], rcnt = ev->args[4];

	if (ev->args[5] != 0 || lcnt > IOV_MAX || rcnt > IOV_MAX)
		return -EINVAL;
	struct iovec *liov = calloc(lcnt + 1, sizeof(*liov));
	struct iovec *riov = calloc(rcnt + 1, sizeof(*riov));
	long r = !liov || !riov ? -ENOMEM : guest_read_iovec(t, ev->args[1], (int)lcnt, liov);
	size_t total = 0;
	for (unsigned long i = 0; r == 0 && i < lcnt; i++) {
		if (!guest_range_ok((uint64_t)(uintptr_t)liov[i].iov_base, liov[i].iov_len))
			r = -EFAULT;
		total += liov[i].iov_len;
	}
	/* Nothing to move: 0 before the remote side is even looked at. */
	if (r == 0 && total == 0)
		goto out;
	if (r == 0)
		r = guest_read_iovec(t, ev->args[3], (int)rcnt, riov);
	if (r < 0)
		goto out;
	struct task *target = process_thread(pid);
	if (!target) {
		r = -ESRCH;
		goto out;
	}
	if (!ptrace_may_access(t, target->tg)) {
		r = -EPERM;
		goto out;
	}
	r = write ? copy_guest_pages(t, liov, (int)lcnt, target, riov, (int)rcnt)
		  : copy_guest_pages(target, riov, (int)rcnt, t, liov, (int)lcnt);
out:
	free(liov);
	free(riov);
	return r;
}

SYSCALL(process_vm_readv)
{
	return process_vm_access(t, ev, false);
}

SYSCALL(process_vm_writev)
{
	return process_vm_access(t, ev, true);
}

/* Linux's kcmp_ptr: an order of the objects that is stable but says nothing of where
   they are (each kind has its own random key). */
static int kcmp_ptr(const void *a, const void *b, int type)
{
	static uint64_t cookies[KCMP_TYPES][2];
	static bool keyed;
	if (!keyed) {
		if (getrandom(cookies, sizeof(cookies), 0) != (ssize_t)sizeof(cookies))
			for (int i = 0; i < KCMP_TYPES; i++)
				cookies[i][0] = (uint64_t)(uintptr_t)&cookies[i] * 2654435761u;
		for (int i = 0; i < KCMP_TYPES; i++)
			cookies[i][1] |= (UINT64_C(1) << 63) | 1;
		keyed = true;
	}
	int64_t x = (int64_t)(((uint64_t)(uintptr_t)a ^ cookies[type][0]) * cookies[type][1]);
	int64_t y = (int64_t)(((uint64_t)(uintptr_t)b ^ cookies[type][0]) * cookies[type][1]);
	return (x < y) | ((x > y) << 1);
}

/* The semaphore undo list Linux shares between processes made with CLONE_SYSVSEM: here
   one per process, there once it made an undoable operation. */
static const void *sysvsem_undo_list(struct thread_group *tg)
{
	return tg->ipc && tg->ipc->undos ? tg->ipc : NULL;
}

SYSCALL(kcmp)
{
	pid_t pid1 = (pid_t)ev->args[0], pid2 = (pid_t)ev->args[1];
	int type = (int)ev->args[2];
	uint64_t idx1 = ev->args[3], idx2 = ev->args[4];

	struct task *t1 = pid1 > 0 ? task_by_tid(pid1) : NULL;
	struct task *t2 = pid2 > 0 ? task_by_tid(pid2) : NULL;
	if (!t1 || !t2)
		return -ESRCH;
	if (!ptrace_may_access(t, t1->tg) || !ptrace_may_access(t, t2->tg))
		return -EPERM;
	switch (type) {
	case KCMP_FILE: {
		struct file *f1 = idx1 <= INT_MAX ? fd_get(t1, (int)idx1) : NULL;
		struct file *f2 = idx2 <= INT_MAX ? fd_get(t2, (int)idx2) : NULL;
		return f1 && f2 ? kcmp_ptr(f1, f2, type) : -EBADF;
	}
	case KCMP_FILES:
		return kcmp_ptr(t1->files, t2->files, type);
	case KCMP_FS:
		return kcmp_ptr(t1->fs, t2->fs, type);
	case KCMP_SIGHAND:
		return kcmp_ptr(t1->sighand, t2->sighand, type);
	case KCMP_SYSVSEM:
		return kcmp_ptr(sysvsem_undo_list(t1->tg), sysvsem_undo_list(t2->tg), type);
	case KCMP_VM:
	case KCMP_IO: {
		/* Address spaces and I/O contexts are the host's: asked of it for the two
		   threads (the order it gives is as stable as the sentry's). */
		long r = syscall(SYS_kcmp, t1->host_tid, t2->host_tid, type, 0, 0);
		return r < 0 ? -errno : r;
	}
	case KCMP_EPOLL_TFD:
		/* Epoll instances are the host's; which files they watch is not the sentry's
		   to compare: as a kernel without epoll answers. */
		return -EOPNOTSUPP;
	default:
		return -EINVAL;
	}
}
