/* prctl: one function per option, found in a table (an option absent from it is EINVAL, as
   Linux answers an unknown one). */
#define _GNU_SOURCE
#include "sentry/syscalls/syscalls.h"
#include "sentry/kernel.h"
#include "sentry/task/task.h"
#include "sentry/mm/guest_mem.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#define PRCTL(name) static long prctl_##name(struct task *t, struct syscall_event *ev)

/* Options whose unused arguments must be zero (Linux checks them). */
static bool args_zero_from(const struct syscall_event *ev, int first)
{
	for (int i = first; i < 5; i++)
		if (ev->args[i])
			return false;
	return true;
}

PRCTL(get_name)
{
	return guest_write(t, ev->args[1], t->tg->comm, sizeof(t->tg->comm));
}

PRCTL(set_name)
{
	char name[TASK_COMM_LEN];
	long r = guest_read_string(t, ev->args[1], name, sizeof(name));
	if (r == -ENAMETOOLONG)
		r = (long)strlen(name);
	if (r < 0)
		return r;
	memcpy(t->tg->comm, name, sizeof(name));
	/* The host's name too (ps and docker top on the host show it, as under runc). */
	return ev->via_tracer ? host_comm_rewrite(t, ev) : 0;
}

PRCTL(get_dumpable)
{
	(void)ev;
	return !t->tg->nondumpable;
}

/* 0 or 1 (2, SUID_DUMP_ROOT, is only the kernel's); exec makes a process dumpable again. */
PRCTL(set_dumpable)
{
	if (ev->args[1] > 1)
		return -EINVAL;
	t->tg->nondumpable = ev->args[1] == 0;
	return 0;
}

PRCTL(set_child_subreaper)
{
	t->tg->child_subreaper = ev->args[1] != 0;
	return 0;
}

PRCTL(get_child_subreaper)
{
	int v = t->tg->child_subreaper;
	return guest_write(t, ev->args[1], &v, sizeof(v));
}

/* The thread's flag, inherited by its children and kept across exec; never cleared. */
PRCTL(get_no_new_privs)
{
	if (!args_zero_from(ev, 1))
		return -EINVAL;
	return t->no_new_privs;
}

PRCTL(set_no_new_privs)
{
	if (ev->args[1] != 1 || !args_zero_from(ev, 2))
		return -EINVAL;
	t->no_new_privs = true;
	return 0;
}

/* The guest cannot install seccomp filters (seccomp(2) is ENOSYS): mode 0, as a process
   without one on Linux (the sentry's own filter is how the sandbox works, not the guest's). */
PRCTL(get_seccomp)
{
	(void)t;
	(void)ev;
	return 0;
}

/* The signal this thread gets when the thread that created it exits (task.c). */
PRCTL(set_pdeathsig)
{
	if (ev->args[1] >= TASK_NSIG)
		return -EINVAL;
	t->pdeath_signal = (int)ev->args[1];
	return 0;
}

PRCTL(get_pdeathsig)
{
	int v = t->pdeath_signal;
	return guest_write(t, ev->args[1], &v, sizeof(v));
}

/* A record: the host's timers keep its own slack for guest threads. 0 restores the slack the
   thread started with (its creator's at the time). */
PRCTL(set_timerslack)
{
	t->timer_slack_ns = ev->args[1] ? ev->args[1] : t->default_timer_slack_ns;
	return 0;
}

PRCTL(get_timerslack)
{
	(void)ev;
	return (long)t->timer_slack_ns;
}

/* Naming anonymous memory: the caller's own address space. */
PRCTL(set_vma)
{
	(void)t;
	(void)ev;
	return SYSCALL_CONTINUE;
}

static const struct {
	int option;
	long (*fn)(struct task *t, struct syscall_event *ev);
} prctl_options[] = {
	{ PR_GET_NAME, prctl_get_name },
	{ PR_SET_NAME, prctl_set_name },
	{ PR_GET_DUMPABLE, prctl_get_dumpable },
	{ PR_SET_DUMPABLE, prctl_set_dumpable },
	{ PR_SET_CHILD_SUBREAPER, prctl_set_child_subreaper },
	{ PR_GET_CHILD_SUBREAPER, prctl_get_child_subreaper },
	/* Capabilities: sys_cred.c. */
	{ PR_GET_KEEPCAPS, prctl_capabilities },
	{ PR_SET_KEEPCAPS, prctl_capabilities },
	{ PR_CAPBSET_READ, prctl_capabilities },
	{ PR_CAPBSET_DROP, prctl_capabilities },
	{ PR_CAP_AMBIENT, prctl_capabilities },
	{ PR_GET_SECUREBITS, prctl_capabilities },
	{ PR_SET_SECUREBITS, prctl_capabilities },
	{ PR_GET_NO_NEW_PRIVS, prctl_get_no_new_privs },
	{ PR_SET_NO_NEW_PRIVS, prctl_set_no_new_privs },
	{ PR_GET_SECCOMP, prctl_get_seccomp },
	{ PR_SET_PDEATHSIG, prctl_set_pdeathsig },
	{ PR_GET_PDEATHSIG, prctl_get_pdeathsig },
	{ PR_SET_TIMERSLACK, prctl_set_timerslack },
	{ PR_GET_TIMERSLACK, prctl_get_timerslack },
	{ PR_SET_VMA, prctl_set_vma },
};

SYSCALL(prctl)
{
	for (size_t i = 0; i < sizeof(prctl_options) / sizeof(prctl_options[0]); i++)
		if ((uint64_t)prctl_options[i].option == ev->args[0])
			return prctl_options[i].fn(t, ev);
	return -EINVAL;
}
