/* Per-process settings: thread area, tid address, resource limits, prctl. */
#define _GNU_SOURCE
#include "sentry/syscalls/syscalls.h"
#include "sentry/kernel.h"
#include "sentry/task/task.h"
#include "sentry/mm/guest_mem.h"

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

/* The host must hold the address: it clears the word and wakes it when the thread exits
   (pthread_join of a thread that called it, the main thread's included, waits on that). The
   syscall runs on the host, in the tracer, and the guest sees its virtual tid in place of
   the host's answer. */
SYSCALL(set_tid_address)
{
	t->clear_child_tid = ev->args[0];
	if (!ev->via_tracer)
		return t->tid;
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

SYSCALL(prctl)
{
	char name[TASK_COMM_LEN];
	long r;

	switch (ev->args[0]) {
	case PR_GET_NAME:
		return guest_write(t, ev->args[1], t->tg->comm, sizeof(t->tg->comm));
	case PR_SET_NAME:
		r = guest_read_string(t, ev->args[1], name, sizeof(name));
		if (r == -ENAMETOOLONG)
			r = (long)strlen(name);
		if (r < 0)
			return r;
		memcpy(t->tg->comm, name, sizeof(name));
		return 0;
	case PR_GET_DUMPABLE:
		return 1;
	case PR_SET_CHILD_SUBREAPER:
		t->tg->child_subreaper = ev->args[1] != 0;
		return 0;
	case PR_GET_CHILD_SUBREAPER: {
		int v = t->tg->child_subreaper;
		return guest_write(t, ev->args[1], &v, sizeof(v));
	}
	case PR_CAPBSET_READ:
	case PR_CAPBSET_DROP:
	case PR_CAP_AMBIENT:
	case PR_GET_KEEPCAPS:
	case PR_SET_KEEPCAPS:
	case PR_GET_SECUREBITS:
	case PR_SET_SECUREBITS:
		return prctl_capabilities(t, ev);
	case PR_SET_DUMPABLE:
		return ev->args[1] > 1 ? -EINVAL : 0;
	case PR_GET_NO_NEW_PRIVS:
		return 1;
	case PR_SET_NO_NEW_PRIVS:
		return ev->args[1] == 1 ? 0 : -EINVAL;
	case PR_GET_SECCOMP:
		return 0;
	case PR_SET_VMA:
		return SYSCALL_CONTINUE;
	default:
		return -EINVAL;
	}
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
