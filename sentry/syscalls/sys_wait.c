/* Waiting for children: the sentry keeps the process tree, so wait4 and waitid are its own.
   A reaped child is committed only once the guest has the answer (a signal may interrupt
   the wait at any moment, and the status must not be lost). */
#define _GNU_SOURCE
#include "sentry/syscalls/syscalls.h"
#include "sentry/kernel.h"
#include "sentry/task/task.h"
#include "sentry/mm/guest_mem.h"
#include "sentry/fs/fs.h"
#include "sentry/task/fdtable.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <sys/wait.h>
#include <utlist.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

enum wait_what { WAIT_EXITED, WAIT_STOPPED, WAIT_CONTINUED };

struct wait_request {
	idtype_t idtype;
	pid_t id;
	int options;		/* WEXITED | WSTOPPED (WUNTRACED) | WCONTINUED | WNOHANG | WNOWAIT | __W* */
	uint64_t ustatus;	/* wait4: int * */
	uint64_t uinfop;	/* waitid: siginfo_t * */
	uint64_t urusage;
	bool waitid;		/* returns 0 rather than the pid */
	bool eagain;		/* nothing to report is EAGAIN (a non-blocking pidfd's) */
};

static bool wait_matches(struct task *t, const struct wait_request *w, struct thread_group *c)
{
	switch (w->idtype) {
	case P_PID:
		if (c->tgid != w->id)
			return false;
		break;
	case P_PGID:
		if (c->pgid != (w->id ? w->id : t->tg->pgid))
			return false;
		break;
	default:
		break;
	}
	/* "Clone" children (exit signal other than SIGCHLD) need __WCLONE or __WALL. */
	if (w->options & __WALL)
		return true;
	bool clone_child = c->exit_signal != SIGCHLD;
	return clone_child == !!(w->options & __WCLONE);
}

static void fill_siginfo(siginfo_t *si, struct thread_group *c, enum wait_what what)
{
	memset(si, 0, sizeof(*si));
	si->si_signo = SIGCHLD;
	si->si_pid = c->tgid;
	si->si_uid = c->creds.ruid;
	switch (what) {
	case WAIT_EXITED:
		if (WIFEXITED(c->exit_status)) {
			si->si_code = CLD_EXITED;
			si->si_status = WEXITSTATUS(c->exit_status);
		} else {
			si->si_code = WCOREDUMP(c->exit_status) ? CLD_DUMPED : CLD_KILLED;
			si->si_status = WTERMSIG(c->exit_status);
		}
		break;
	case WAIT_STOPPED:
		si->si_code = CLD_STOPPED;
		si->si_status = c->stop_signal;
		break;
	case WAIT_CONTINUED:
		si->si_code = CLD_CONTINUED;
		si->si_status = SIGCONT;
		break;
	}
}

/* Reports c's state change to the guest; returns SYSCALL_ANSWERED or -errno. */
static long wait_report(struct task *t, struct syscall_event *ev, const struct wait_request *w,
			struct thread_group *c, enum wait_what what)
{
	struct rusage ru = { 0 };
	long r = 0;

	if (what == WAIT_EXITED) {
		ru = c->rusage;
		timeradd(&ru.ru_utime, &c->children_rusage.ru_utime, &ru.ru_utime);
		timeradd(&ru.ru_stime, &c->children_rusage.ru_stime, &ru.ru_stime);
	}
	if (w->ustatus) {
		int status = what == WAIT_EXITED    ? c->exit_status
			     : what == WAIT_STOPPED ? (c->stop_signal << 8) | 0x7f
						    : 0xffff;
		r = guest_write(t, w->ustatus, &status, sizeof(status));
	}
	if (r == 0 && w->uinfop) {
		siginfo_t si;
		fill_siginfo(&si, c, what);
		r = guest_write(t, w->uinfop, &si, sizeof(si));
	}
	if (r == 0 && w->urusage)
		r = guest_write(t, w->urusage, &ru, sizeof(ru));
	if (r < 0)
		return r;
	/* waitid returns 0, wait4 the child's pid. */
	if (syscall_answer(ev, w->waitid ? 0 : c->tgid) < 0 || (w->options & WNOWAIT))
		return SYSCALL_ANSWERED;
	switch (what) {
	case WAIT_EXITED:
		thread_group_reap(c);
		break;
	case WAIT_STOPPED:
		c->stop_reported = true;
		break;
	case WAIT_CONTINUED:
		c->continued = false;
		break;
	}
	return SYSCALL_ANSWERED;
}

/* One pass over the children: a report, -ECHILD, or 0 when some may change later. */
static long wait_scan(struct task *t, struct syscall_event *ev, const struct wait_request *w)
{
	struct thread_group *c;
	bool any = false;

	DL_FOREACH2(t->tg->children, c, sibling_next) {
		/* A zombie is nothing to wait for without WEXITED: ECHILD if it is the only one. */
		if (!wait_matches(t, w, c) || (c->exited && !(w->options & WEXITED)))
			continue;
		any = true;
		if (c->exited && (w->options & WEXITED))
			return wait_report(t, ev, w, c, WAIT_EXITED);
		if (!c->exited && c->stopped && !c->stop_reported && (w->options & WSTOPPED))
			return wait_report(t, ev, w, c, WAIT_STOPPED);
		if (!c->exited && c->continued && (w->options & WCONTINUED))
			return wait_report(t, ev, w, c, WAIT_CONTINUED);
	}
	return any ? 0 : -ECHILD;
}

/* A child to report, or no child that could ever be one (ECHILD), or WNOHANG: the answer;
   else the wait goes on. */
static long wait_attempt(struct task *t, struct syscall_event *ev, void *arg)
{
	const struct wait_request *w = arg;
	long r = wait_scan(t, ev, w);
	if (r != 0)
		return r;
	if (!(w->options & WNOHANG))
		return SYSCALL_NOT_YET;
	if (w->eagain)
		return -EAGAIN;
	if (w->uinfop) {
		siginfo_t none;
		memset(&none, 0, sizeof(none));
		return guest_write(t, w->uinfop, &none, sizeof(none));
	}
	return 0;
}

static long do_wait(struct task *t, struct syscall_event *ev, const struct wait_request *w)
{
	return syscall_wait_until(t, ev, wait_attempt, (void *)w);
}

SYSCALL(wait4)
{
	pid_t pid = (pid_t)ev->args[0];
	int options = (int)ev->args[2];
	struct wait_request w = { .ustatus = ev->args[1], .urusage = ev->args[3] };

	if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL))
		return -EINVAL;
	if (pid == INT32_MIN)
		return -ESRCH;
	w.options = options | WEXITED;
	if (pid < -1) {
		w.idtype = P_PGID;
		w.id = -pid;
	} else if (pid == -1) {
		w.idtype = P_ALL;
	} else if (pid == 0) {
		w.idtype = P_PGID;
		w.id = 0;
	} else {
		w.idtype = P_PID;
		w.id = pid;
	}
	return do_wait(t, ev, &w);
}

SYSCALL(waitid)
{
	int idtype = (int)ev->args[0];
	int options = (int)ev->args[3];
	struct wait_request w = { .id = (pid_t)ev->args[1], .uinfop = ev->args[2],
				  .urusage = ev->args[4], .options = options, .waitid = true };

	if (options & ~(WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED | __WNOTHREAD |
			__WCLONE | __WALL))
		return -EINVAL;
	if (!(options & (WEXITED | WSTOPPED | WCONTINUED)))
		return -EINVAL;
	switch (idtype) {
	case P_ALL:
		w.idtype = P_ALL;
		break;
	case P_PID:
		if (w.id <= 0)
			return -EINVAL;
		w.idtype = P_PID;
		break;
	case P_PGID:
		if (w.id < 0)
			return -EINVAL;
		w.idtype = P_PGID;
		break;
	case P_PIDFD: {
		/* The process the pidfd names, if it is still there; a non-blocking pidfd waits
		   as WNOHANG and answers EAGAIN when nothing is to report. */
		struct thread_group *tg;
		struct file *f = w.id >= 0 ? fd_get(t, w.id) : NULL;
		if (w.id < 0)
			return -EINVAL;
		long r = pidfd_process(f, &tg);
		if (r < 0)
			return r == -ESRCH ? -ECHILD : r;
		w.idtype = P_PID;
		w.id = tg->tgid;
		if (f->flags & O_NONBLOCK) {
			w.options |= WNOHANG;
			w.eagain = !(options & WNOHANG);
		}
		break;
	}
	default:
		return -EINVAL;
	}
	/* A NULL infop still reaps (Linux allows it); nothing is written then. */
	return do_wait(t, ev, &w);
}

SYSCALL(getrusage)
{
	int who = (int)ev->args[0];
	switch (who) {
	case RUSAGE_SELF:
	case RUSAGE_THREAD:
		return SYSCALL_CONTINUE;
	case RUSAGE_CHILDREN:
		/* The host counts the guest's children as the sentry's. */
		return guest_write(t, ev->args[1], &t->tg->children_rusage, sizeof(struct rusage));
	default:
		return -EINVAL;
	}
}

#define USER_HZ 100
#define CPUCLOCK_PROF 0	/* user + system, sampled at ticks */
#define CPUCLOCK_VIRT 1	/* user, sampled at ticks */
#define CPUCLOCK_SCHED 2	/* run time, exact */

static clock_t ns_to_ticks(int64_t ns)
{
	return (clock_t)(ns / (1000000000 / USER_HZ));
}

static clock_t tv_to_ticks(struct timeval tv)
{
	return (clock_t)(tv.tv_sec * USER_HZ + tv.tv_usec / (1000000 / USER_HZ));
}

static int64_t cpu_clock_ns(pid_t pid, int which)
{
	struct timespec ts;
	if (clock_gettime(cpu_clock_id(pid, (unsigned)which), &ts) < 0)
		return -errno;
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The process's own times come from its host CPU clocks, the run time split in the ratio of
   the sampled user and system times as the kernel does (cputime_adjust); its children's from
   the sentry's record of reaped children (on the host they are the sentry's children). */
SYSCALL(times)
{
	if (ev->args[0]) {
		int64_t run = cpu_clock_ns(t->tg->host_pid, CPUCLOCK_SCHED);
		int64_t all = cpu_clock_ns(t->tg->host_pid, CPUCLOCK_PROF);
		int64_t user = cpu_clock_ns(t->tg->host_pid, CPUCLOCK_VIRT);
		if (run < 0 || all < 0 || user < 0)
			return run < 0 ? run : all < 0 ? all : user;
		int64_t user_ns = all > 0 ? (int64_t)((double)run * (double)user / (double)all) : run;
		struct tms out = {
			.tms_utime = ns_to_ticks(user_ns),
			.tms_stime = ns_to_ticks(run) - ns_to_ticks(user_ns),
			.tms_cutime = tv_to_ticks(t->tg->children_rusage.ru_utime),
			.tms_cstime = tv_to_ticks(t->tg->children_rusage.ru_stime),
		};
		long r = guest_write(t, ev->args[0], &out, sizeof(out));
		if (r < 0)
			return r;
	}
	/* Clock ticks since an arbitrary point: boot. */
	struct timespec now;
	clock_gettime(CLOCK_BOOTTIME, &now);
	return (long)(now.tv_sec * USER_HZ + now.tv_nsec / (1000000000 / USER_HZ));
}
