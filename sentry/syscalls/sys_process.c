/* Per-process settings: thread area, tid address, resource limits, prctl. */
#define _GNU_SOURCE
#include "sentry/syscalls/syscalls.h"
#include "sentry/kernel.h"
#include "sentry/task/task.h"
#include "sentry/mm/guest_mem.h"
#include "sentry/mm/sentry_page.h"

#include <errno.h>
#include <string.h>
#include <asm/prctl.h>
#include <linux/futex.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>

SYSCALL(arch_prctl)
{
	(void)t;
	switch (ev->args[0]) {
	case ARCH_SET_FS:
	case ARCH_GET_FS:
	case ARCH_SET_GS:
	case ARCH_GET_GS:
	case ARCH_GET_CPUID:
	case ARCH_SET_CPUID:
		return SYSCALL_CONTINUE;
	default:
		return -EINVAL;
	}
}

/* The host's name is a nicety: a process that cannot have the sentry's page (its mmap
   failed: RLIMIT_AS, the memory cgroup) keeps the file's name, and its call goes on. */
static long host_comm_page_made(struct task *t, long host_result)
{
	if (host_result >= 0)
		return sentry_page_made(t, host_result);
	t->tg->host_comm_stale = false;
	t->tg->host_comm_unsynced = true;
	return SYSCALL_RESTART;
}

/* Rewrites the call into prctl(PR_SET_NAME) of the sentry's name for the process, read by the
   host from the sentry's page. Returns SYSCALL_REWRITE (into an mmap first when the process
   has no page yet: the call then runs again), 0 when the host's name cannot be set, or
   -errno. */
long host_comm_rewrite(struct task *t, struct syscall_event *ev)
{
	uint64_t addr;
	if (t->tg->host_comm_unsynced)
		return 0;
	long r = sentry_page_put(t, ev, t->tg->comm, sizeof(t->tg->comm), &addr);
	if (r == SYSCALL_REWRITE)
		t->syscall_exit = host_comm_page_made;
	if (r != 0)
		return r;
	uint64_t args[6] = { PR_SET_NAME, addr, 0, 0, 0, 0 };
	ev->rewrite_nr = SYS_prctl;
	memcpy(ev->args, args, sizeof(args));
	return SYSCALL_REWRITE;
}

static long host_comm_synced(struct task *t, long host_result)
{
	sentry_page_release(t, host_result);
	return SYSCALL_RESTART;
}

/* The host must hold the address: it clears the word and wakes it when the thread exits
   (pthread_join of a thread that called it, the main thread's included, waits on that). The
   syscall runs on the host, in the tracer, and the guest sees its virtual tid in place of
   the host's answer.
   After an exec the host names the process after the file it ran from an fd (busybox for
   /bin/sleep, ld.so for a dynamic program), and host tools (docker top, ps) show that: the
   first set_tid_address (every C library's start-up makes one) runs a prctl(PR_SET_NAME)
   with the guest's name first, then itself again. */
SYSCALL(set_tid_address)
{
	t->clear_child_tid = ev->args[0];
	if (!ev->via_tracer)
		return t->tid;
	if (t->tg->host_comm_stale) {
		long r = host_comm_rewrite(t, ev);
		if (r == SYSCALL_REWRITE && ev->rewrite_nr == SYS_prctl) {
			t->tg->host_comm_stale = false;
			t->syscall_exit = host_comm_synced;
		}
		if (r == SYSCALL_REWRITE)
			return r;
		t->tg->host_comm_stale = false;	/* no page or slot: the host keeps the file's name */
	}
	t->exit_value = t->tid;
	t->exit_value_set = true;
	ev->rewrite_nr = SYS_set_tid_address;
	ev->rewrite_trace_exit = true;
	return SYSCALL_REWRITE;
}

/* The host keeps the list (it walks it when the thread exits); the sentry keeps the address
   for get_robust_list, which may ask about another thread. */
SYSCALL(set_robust_list)
{
	if (ev->args[1] != 24)
		return -EINVAL;
	t->robust_list = ev->args[0];
	return SYSCALL_CONTINUE;
}

/* May a process with credentials c look at (or change the limits of) one with tc? The same
   real ids all round, or capability cap (__ptrace_may_access with real credentials:
   CAP_SYS_PTRACE; prlimit's check_prlimit_permission: CAP_SYS_RESOURCE). */
static bool may_access_creds(const struct creds *c, const struct creds *tc, int cap)
{
	if (creds_capable(c, cap))
		return true;
	return c->ruid == tc->euid && c->ruid == tc->suid && c->ruid == tc->ruid && c->rgid == tc->egid &&
	       c->rgid == tc->sgid && c->rgid == tc->rgid;
}

static long do_prlimit(struct task *t, pid_t pid, unsigned resource, uint64_t unew, uint64_t uold)
{
	struct thread_group *tg = pid == 0 ? t->tg : thread_group_by_pid(pid);
	struct rlimit nl;

	if (!tg || tg->exited)
		return -ESRCH;
	if (tg != t->tg && !may_access_creds(task_creds(t), &tg->creds, CAP_SYS_RESOURCE))
		return -EPERM;
	if (resource >= RLIM_NLIMITS)
		return -EINVAL;
	if (unew) {
		long r = guest_read(t, unew, &nl, sizeof(nl));
		if (r < 0)
			return r;
		if (nl.rlim_cur > nl.rlim_max)
			return -EINVAL;
		if (nl.rlim_max > tg->rlimits[resource].rlim_max && !task_capable(t, CAP_SYS_RESOURCE))
			return -EPERM;
		if (resource == RLIMIT_NOFILE && nl.rlim_max > 1048576)
			return -EPERM;
	}
	if (uold) {
		long r = guest_write(t, uold, &tg->rlimits[resource], sizeof(struct rlimit));
		if (r < 0)
			return r;
	}
	if (unew)
		tg->rlimits[resource] = nl;
	return 0;
}

SYSCALL(prlimit64)
{
	return do_prlimit(t, (pid_t)ev->args[0], (unsigned)ev->args[1], ev->args[2], ev->args[3]);
}

/* Unlike prlimit64's, their pointer is not optional: NULL is EFAULT. */
SYSCALL(getrlimit)
{
	return ev->args[1] ? do_prlimit(t, 0, (unsigned)ev->args[0], 0, ev->args[1]) : -EFAULT;
}

SYSCALL(setrlimit)
{
	return ev->args[1] ? do_prlimit(t, 0, (unsigned)ev->args[0], ev->args[1], 0) : -EFAULT;
}

/* Futexes live in the guest's memory, so the host does them, except the priority-inheritance
   kinds: their futex word holds a tid, which the host would read as a host tid. */
SYSCALL(futex)
{
	(void)t;
	switch (ev->args[1] & FUTEX_CMD_MASK) {
	case FUTEX_WAIT:
	case FUTEX_WAKE:
	case FUTEX_REQUEUE:
	case FUTEX_CMP_REQUEUE:
	case FUTEX_WAKE_OP:
	case FUTEX_WAIT_BITSET:
	case FUTEX_WAKE_BITSET:
		return SYSCALL_CONTINUE;
	default:
		return -ENOSYS;
	}
}

SYSCALL(get_robust_list)
{
	pid_t pid = (pid_t)ev->args[0];
	struct task *target = pid == 0 ? t : task_by_tid(pid);
	if (!target)
		return -ESRCH;
	if (target->tg != t->tg && !may_access_creds(task_creds(t), task_creds(target), CAP_SYS_PTRACE))
		return -EPERM;
	uint64_t len = 24, head = target->robust_list;
	long r = guest_write(t, ev->args[2], &len, sizeof(len));
	return r < 0 ? r : guest_write(t, ev->args[1], &head, sizeof(head));
}

/* A guest's own seccomp filters cannot be offered: a filter with a listener could answer the
   guest's syscalls in the sentry's place. The sandbox looks like a kernel without seccomp. */
SYSCALL(seccomp)
{
	(void)t, (void)ev;
	return -ENOSYS;
}
