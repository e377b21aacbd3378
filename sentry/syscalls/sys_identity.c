/* Who the task is: pids, credentials, the host name. */
#define _GNU_SOURCE
#include "sentry/syscalls/syscalls.h"
#include "sentry/kernel.h"
#include "sentry/task/task.h"
#include "sentry/mm/guest_mem.h"

#include <errno.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>

SYSCALL(getpid)
{
	(void)ev;
	return t->tg->tgid;
}

SYSCALL(getppid)
{
	(void)ev;
	return t->tg->parent ? t->tg->parent->tgid : 0;
}

SYSCALL(gettid)
{
	(void)ev;
	return t->tid;
}

SYSCALL(getuid)
{
	(void)ev;
	return task_creds(t)->ruid;
}

SYSCALL(geteuid)
{
	(void)ev;
	return task_creds(t)->euid;
}

SYSCALL(getgid)
{
	(void)ev;
	return task_creds(t)->rgid;
}

SYSCALL(getegid)
{
	(void)ev;
	return task_creds(t)->egid;
}

static long write_three_ids(struct task *t, const struct syscall_event *ev, uint32_t a,
			    uint32_t b, uint32_t c)
{
	long r = guest_write(t, ev->args[0], &a, sizeof(a));
	if (r == 0)
		r = guest_write(t, ev->args[1], &b, sizeof(b));
	if (r == 0)
		r = guest_write(t, ev->args[2], &c, sizeof(c));
	return r;
}

SYSCALL(getresuid)
{
	const struct creds *c = task_creds(t);
	return write_three_ids(t, ev, c->ruid, c->euid, c->suid);
}

SYSCALL(getresgid)
{
	const struct creds *c = task_creds(t);
	return write_three_ids(t, ev, c->rgid, c->egid, c->sgid);
}

SYSCALL(getgroups)
{
	const struct creds *c = task_creds(t);
	int size = (int)ev->args[0];
	if (size < 0)
		return -EINVAL;
	if (size == 0)
		return c->ngroups;
	if (size < c->ngroups)
		return -EINVAL;
	long r = guest_write(t, ev->args[1], c->groups, sizeof(gid_t) * (size_t)c->ngroups);
	return r < 0 ? r : c->ngroups;
}

static pid_t pid_arg_group(struct task *t, pid_t pid, struct thread_group **out)
{
	if (pid < 0)
		return -ESRCH;
	struct thread_group *tg = pid == 0 ? t->tg : thread_group_by_pid(pid);
	if (!tg)
		return -ESRCH;
	*out = tg;
	return 0;
}

SYSCALL(getpgid)
{
	struct thread_group *tg;
	long r = pid_arg_group(t, (pid_t)ev->args[0], &tg);
	return r < 0 ? r : tg->pgid;
}

SYSCALL(getpgrp)
{
	(void)ev;
	return t->tg->pgid;
}

SYSCALL(getsid)
{
	struct thread_group *tg;
	long r = pid_arg_group(t, (pid_t)ev->args[0], &tg);
	return r < 0 ? r : tg->sid;
}

SYSCALL(uname)
{
	return guest_write(t, ev->args[0], &kernel.uts, sizeof(kernel.uts));
}

static long set_uts_field(struct task *t, const struct syscall_event *ev, char *field)
{
	char buf[sizeof(kernel.uts.nodename)];
	int64_t len = (int64_t)ev->args[1];
	if (!task_capable(t, CAP_SYS_ADMIN))
		return -EPERM;
	if (len < 0 || len >= (int64_t)sizeof(buf))
		return -EINVAL;
	long r = guest_read(t, ev->args[0], buf, (size_t)len);
	if (r < 0)
		return r;
	memcpy(field, buf, (size_t)len);
	field[len] = '\0';
	return 0;
}

SYSCALL(sethostname)
{
	return set_uts_field(t, ev, kernel.uts.nodename);
}

SYSCALL(setdomainname)
{
	return set_uts_field(t, ev, kernel.uts.domainname);
}

SYSCALL(sysinfo)
{
	struct sysinfo si;
	if (sysinfo(&si) < 0)
		return -errno;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	si.uptime = now.tv_sec - kernel.boot_time.tv_sec;
	si.procs = (unsigned short)kernel.ntasks;
	return guest_write(t, ev->args[0], &si, sizeof(si));
}

SYSCALL(setpgid)
{
	pid_t pid = (pid_t)ev->args[0], pgid = (pid_t)ev->args[1];
	struct thread_group *target = pid == 0 ? t->tg : thread_group_by_pid(pid);

	if (pgid < 0)
		return -EINVAL;
	if (!target || target->exited)
		return -ESRCH;
	/* Only the caller itself or one of its children, before that child has exec'd. */
	if (target != t->tg) {
		if (target->parent != t->tg)
			return -ESRCH;
		if (target->sid != t->tg->sid)
			return -EPERM;
		if (target->did_exec)
			return -EACCES;
	}
	if (target->sid == target->tgid)
		return -EPERM;
	if (pgid == 0)
		pgid = target->tgid;
	if (pgid != target->tgid) {
		/* Joining a group needs that group in the same session. */
		bool found = false;
		for (struct thread_group *tg = thread_group_first(); tg; tg = thread_group_next(tg))
			if (!tg->exited && tg->pgid == pgid && tg->sid == target->sid)
				found = true;
		if (!found)
			return -EPERM;
	}
	target->pgid = pgid;
	return 0;
}

SYSCALL(setsid)
{
	(void)ev;
	struct thread_group *tg = t->tg;
	/* A process group leader cannot start a session (its group would be split). */
	for (struct thread_group *o = thread_group_first(); o; o = thread_group_next(o))
		if (!o->exited && o->pgid == tg->tgid)
			return -EPERM;
	tg->sid = tg->pgid = tg->tgid;
	return tg->sid;
}
