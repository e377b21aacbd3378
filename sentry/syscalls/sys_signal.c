/* Signal dispositions: the host delivers signals; the sentry keeps the record. */
#define _GNU_SOURCE
#include "sentry/syscalls/syscalls.h"
#include "sentry/kernel.h"
#include "sentry/task/task.h"
#include "sentry/task/siginfo.h"
#include "sentry/mm/guest_mem.h"
#include "sentry/fs/fs.h"
#include "sentry/task/fdtable.h"

#include <errno.h>
#include <signal.h>

/* The kernel's struct sigaction layout for rt_sigaction on x86-64. */
struct kernel_sigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

SYSCALL(rt_sigaction)
{
	int sig = (int)ev->args[0];
	uint64_t uact = ev->args[1];

	if (sig < 1 || sig >= TASK_NSIG || ev->args[3] != 8)
		return -EINVAL;
	if (uact) {
		struct kernel_sigaction ka;
		if (sig == SIGKILL || sig == SIGSTOP)
			return -EINVAL;
		long r = guest_read(t, uact, &ka, sizeof(ka));
		if (r < 0)
			return r;
		/* Only the record is the sentry's; the host installs the handler it reads. */
		t->sighand->action[sig] = (struct sigaction_record){ ka.handler, ka.flags, ka.mask };
	}
	return SYSCALL_CONTINUE;
}

/* May the caller signal tg? With CAP_KILL; otherwise it needs a matching uid (kill(2)). */
static bool may_signal(struct task *t, struct thread_group *tg)
{
	const struct creds *c = task_creds(t);
	if (creds_capable(c, CAP_KILL))
		return true;
	return c->ruid == tg->creds.ruid || c->ruid == tg->creds.suid || c->euid == tg->creds.ruid ||
	       c->euid == tg->creds.suid;
}

/* Sends sig to tg (or one thread of it). A signal to the caller itself is delivered as the
   syscall returns, as on Linux: the caller waits killably (or stopped) for the answer, so
   the signal does not interrupt the kill itself. */
static long send_signal_info(struct task *t, struct thread_group *tg, struct task *thread, int sig,
			     const siginfo_t *info)
{
	if (sig < 0 || sig >= TASK_NSIG)
		return -EINVAL;
	if (!may_signal(t, tg))
		return -EPERM;
	if (signal_dropped(tg, sig))
		return 0;
	siginfo_t si;
	if (info)
		si = *info;
	else
		siginfo_user(&si, sig, thread ? SI_TKILL : SI_USER, t->tg);
	return signal_send(tg, thread, &si);
}

static long send_signal(struct task *t, struct syscall_event *ev, struct thread_group *tg,
			struct task *thread, int sig)
{
	(void)ev;
	return send_signal_info(t, tg, thread, sig, NULL);
}

enum kill_scope { KILL_GROUP, KILL_ALL };

/* kill(0 | -pgrp | -1, sig): every process in scope; ESRCH if none, EPERM if none could be
   signalled. */
static long kill_many_info(struct task *t, enum kill_scope scope, pid_t pgid, int sig,
			   const siginfo_t *info)
{
	bool found = false, sent = false;
	long err = -ESRCH, all_err = 0;

	/* Zombies count, as on Linux (signalling one succeeds and does nothing). */
	for (struct thread_group *tg = thread_group_first(); tg; tg = thread_group_next(tg)) {
		if (scope == KILL_GROUP ? tg->pgid != pgid : (tg->tgid == 1 || tg == t->tg))
			continue;
		found = true;
		long r = send_signal_info(t, tg, NULL, sig, info);
		if (r == 0)
			sent = true;
		else
			err = r;
		if (r != -EPERM)
			all_err = r;
	}
	/* kill(-1) is refused only for another reason than EPERM (kill_something_info). */
	if (scope == KILL_ALL)
		return found ? all_err : -ESRCH;
	if (sent)
		return 0;
	return found ? err : -ESRCH;
}

static long kill_many(struct task *t, struct syscall_event *ev, enum kill_scope scope, pid_t pgid,
		      int sig)
{
	(void)ev;
	return kill_many_info(t, scope, pgid, sig, NULL);
}

SYSCALL(kill)
{
	pid_t pid = (pid_t)ev->args[0];
	int sig = (int)ev->args[1];

	/* The target is looked up before the signal is checked (ESRCH before EINVAL). */
	if (pid > 0) {
		struct thread_group *tg = thread_group_by_pid(pid);
		if (!tg)
			return -ESRCH;
		return send_signal(t, ev, tg, NULL, sig);
	}
	if (pid == -1)
		return kill_many(t, ev, KILL_ALL, 0, sig);
	if (pid == INT32_MIN)
		return -ESRCH;
	return kill_many(t, ev, KILL_GROUP, pid == 0 ? t->tg->pgid : -pid, sig);
}

/* tgid 0: the thread of any process (tkill). As Linux: ids first (EINVAL), then the target
   (ESRCH), then the signal (EINVAL) and the permission. */
static long thread_kill(struct task *t, struct syscall_event *ev, pid_t tgid, pid_t tid, int sig)
{
	struct task *target = task_by_tid(tid);
	if (!target || (tgid > 0 && target->tg->tgid != tgid))
		return -ESRCH;
	return send_signal(t, ev, target->tg, target, sig);
}

SYSCALL(tgkill)
{
	pid_t tgid = (pid_t)ev->args[0], tid = (pid_t)ev->args[1];
	if (tgid <= 0 || tid <= 0)
		return -EINVAL;
	return thread_kill(t, ev, tgid, tid, (int)ev->args[2]);
}

SYSCALL(tkill)
{
	pid_t tid = (pid_t)ev->args[0];
	if (tid <= 0)
		return -EINVAL;
	return thread_kill(t, ev, 0, tid, (int)ev->args[1]);
}

/* rt_sigqueueinfo and rt_tgsigqueueinfo: the sentry decides as for kill and tgkill, then the
   host runs the syscall as the caller, on the target's host ids (through the tracer, which
   can rewrite registers). The receiver gets the caller's siginfo as written, si_pid
   included, and the host applies its rule on si_code to the same pair of threads. */
static long queue_signal(struct task *t, struct syscall_event *ev, struct thread_group *tg,
			 struct task *thread, int sig)
{
	if (sig < 0 || sig >= TASK_NSIG)
		return -EINVAL;
	if (!may_signal(t, tg))
		return -EPERM;
	if (signal_dropped(tg, sig))
		return 0;
	ev->rewrite_nr = ev->nr;
	ev->args[0] = (uint64_t)tg->host_pid;
	if (thread)
		ev->args[1] = (uint64_t)thread->host_tid;
	return SYSCALL_REWRITE;
}

/* Only a thread signalling itself may claim a code of kill's or the kernel's (si_code >= 0)
   or tkill's. */
static long read_queued_info(struct task *t, uint64_t uinfo, bool to_self)
{
	siginfo_t info;
	long r = guest_read(t, uinfo, &info, sizeof(info));
	if (r < 0)
		return r;
	if ((info.si_code >= 0 || info.si_code == SI_TKILL) && !to_self)
		return -EPERM;
	return 0;
}

SYSCALL(rt_sigqueueinfo)
{
	pid_t pid = (pid_t)ev->args[0];
	if (!ev->via_tracer)
		return -ENOSYS;
	long r = read_queued_info(t, ev->args[2], pid == t->tg->tgid);
	if (r < 0)
		return r;
	struct thread_group *tg = pid > 0 ? thread_group_by_pid(pid) : NULL;
	if (!tg)
		return -ESRCH;
	return queue_signal(t, ev, tg, NULL, (int)ev->args[1]);
}

SYSCALL(rt_tgsigqueueinfo)
{
	pid_t tgid = (pid_t)ev->args[0], tid = (pid_t)ev->args[1];
	if (!ev->via_tracer)
		return -ENOSYS;
	if (tgid <= 0 || tid <= 0)
		return -EINVAL;
	long r = read_queued_info(t, ev->args[3], tid == t->tid);
	if (r < 0)
		return r;
	struct task *target = task_by_tid(tid);
	if (!target || target->tg->tgid != tgid)
		return -ESRCH;
	return queue_signal(t, ev, target->tg, target, (int)ev->args[2]);
}

#define PIDFD_SIGNAL_THREAD 1
#define PIDFD_SIGNAL_THREAD_GROUP 2
#define PIDFD_SIGNAL_PROCESS_GROUP 4

/* As kill (SI_USER; SI_TKILL to the thread) to the process the pidfd names, its leader
   thread (PIDFD_SIGNAL_THREAD) or its process group (PIDFD_SIGNAL_PROCESS_GROUP), or with
   the caller's siginfo, whose code must be one a process may send another unless it
   signals its own process or thread; the siginfo keeps the caller's si_pid and si_uid, as
   rt_sigqueueinfo's. */
SYSCALL(pidfd_send_signal)
{
	int sig = (int)ev->args[1];
	uint64_t uinfo = ev->args[2], flags = ev->args[3];
	struct thread_group *tg;
	siginfo_t info;

	if ((flags & ~(uint64_t)(PIDFD_SIGNAL_THREAD | PIDFD_SIGNAL_THREAD_GROUP |
				 PIDFD_SIGNAL_PROCESS_GROUP)) || __builtin_popcountll(flags) > 1)
		return -EINVAL;
	struct file *f = fd_get(t, (int)ev->args[0]);
	if (!f)
		return -EBADF;
	long r = pidfd_process(f, &tg);
	if (r < 0)
		return r;
	struct task *thread = NULL;
	if (flags == PIDFD_SIGNAL_THREAD && !(thread = tg->leader))
		return -ESRCH;
	if (uinfo) {
		if ((r = guest_read(t, uinfo, &info, sizeof(info))) < 0)
			return r;
		if (info.si_signo != sig)
			return -EINVAL;
		bool to_self = thread ? thread == t : tg == t->tg && flags != PIDFD_SIGNAL_PROCESS_GROUP;
		if (!to_self && (info.si_code >= 0 || info.si_code == SI_TKILL))
			return -EPERM;
	}
	if (flags == PIDFD_SIGNAL_PROCESS_GROUP)
		return kill_many_info(t, KILL_GROUP, tg->pgid, sig, uinfo ? &info : NULL);
	return send_signal_info(t, tg, thread, sig, uinfo ? &info : NULL);
}

/* The host waits, for the caller's own signals; the siginfo it writes is the host's, which
   the syscall-exit stop turns into the guest's. */
static long sigtimedwait_exit(struct task *t, long host_result)
{
	siginfo_t si;
	if (host_result > 0 && guest_read(t, t->syscall_exit_addr, &si, sizeof(si)) == 0 &&
	    siginfo_to_guest(t, &si))
		guest_write(t, t->syscall_exit_addr, &si, sizeof(si));
	return host_result;
}

SYSCALL(rt_sigtimedwait)
{
	if (!ev->args[1])
		return SYSCALL_CONTINUE;
	return syscall_host_then(t, ev, sigtimedwait_exit, ev->args[1]);
}
