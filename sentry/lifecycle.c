/* What the platform tells the sentry about guest threads: new, exec'd, signalled, stopped,
   gone. */
#define _GNU_SOURCE
#include "platform/platform.h"
#include "sentry/kernel.h"
#include "sentry/fs/fs.h"
#include "sentry/mm/guest_mem.h"
#include "sentry/task/fdtable.h"
#include "sentry/task/task.h"
#include "sentry/task/siginfo.h"
#include "sentry/vfs/vfs.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <stdint.h>
#include <unistd.h>

void sentry_listener_ready(int listener)
{
	if (kernel.platform.listener < 0)
		kernel.platform.listener = listener;
	if (unotify_start(&kernel.platform, listener) < 0)
		die("cannot serve the guest's syscalls");
}

void sentry_thread_exited(pid_t tid, int status, const struct rusage *ru)
{
	kernel_lock();
	struct task *t = task_by_host_tid(tid);
	/* A session leader's last thread: its terminal hangs up (the group may go at its exit). */
	pid_t ended_sid = t && t->tg->tgid == t->tg->sid && t->tg->nthreads == 1 ? t->tg->sid : 0;
	if (t)
		task_exit(t, status, ru);
	if (ended_sid)
		terminal_session_ended(ended_sid);
	kernel_unlock();
}

void sentry_thread_execed(pid_t tid, pid_t former_tid)
{
	kernel_lock();
	struct task *t = task_by_host_tid(former_tid);
	if (!t) {
		log_warn("exec of unknown host thread %d", tid);
		kernel_unlock();
		return;
	}
	struct thread_group *tg = t->tg;
	/* The host has killed the other threads; a non-leader that exec'd took the leader's
	   host tid, and takes its guest tid. */
	struct task *other, *tmp;
	for (other = tg->threads; other; other = tmp) {
		tmp = other->group_next;
		if (other != t)
			task_exit(other, 0, NULL);
	}
	if (former_tid != tid || t->tid != tg->tgid) {
		task_rekey(t, tid, tg->tgid);
		tg->leader = t;
	}
#ifdef RUNSCC_FAULT_INJECTION
	/* Allocations start failing once init's first program runs: a boot or first exec that
	   fails is the run's end, not a handler's failure path. */
	if (tg->tgid == 1 && !tg->did_exec)
		sentry_fault_injection_start();
#endif
	tg->did_exec = true;
	task_exec_complete(t);
	kernel_unlock();
}

void sentry_thread_cloned(pid_t parent_tid, pid_t child_tid, unsigned long flags)
{
	struct task *child;
	(void)flags;
	kernel_lock();
	struct task *parent = task_by_host_tid(parent_tid);
	if (!parent || !parent->clone.active) {
		/* Only clones the sentry decided make threads it serves. */
		log_error("host thread %d created %d without the sentry: killing it", parent_tid, child_tid);
		syscall(SYS_tkill, child_tid, SIGKILL);
		kernel_unlock();
		return;
	}
	task_clone_settle(parent);
	/* A process killed while it was cloning takes the new thread with it, as Linux's fork
	   never outlives a fatal signal (kill(-1, SIGKILL) must leave nothing behind). */
	if (parent->tg->killed) {
		syscall(SYS_tkill, child_tid, SIGKILL);
		parent->clone.child_tid = -EINTR;
		kernel_unlock();
		return;
	}
	int r = task_clone(parent, child_tid, &child);
	if (r < 0) {
		log_errno(r, "adopting new host thread %d", child_tid);
		syscall(SYS_tkill, child_tid, SIGKILL);
		parent->clone.child_tid = r;
		kernel_unlock();
		return;
	}
	parent->clone.child_tid = child->tid;
	/* The host wrote host tids where the guest asked for its tid; the guest sees its own. */
	if (parent->clone.flags & CLONE_CHILD_SETTID)
		guest_write(child, parent->clone.child_tid_addr, &child->tid, sizeof(child->tid));
	if (parent->clone.flags & CLONE_PARENT_SETTID)
		guest_write(parent, parent->clone.parent_tid_addr, &child->tid, sizeof(child->tid));
	/* A new thread killed before this event (held at its first stop) was reaped by the
	   tracer as an unknown thread, so no exit will come for it: it is gone now, as killed.
	   (This runs on the tracer's thread, which reaps: a thread not reaped yet still exists
	   and its exit comes later.) */
	if (syscall(SYS_tgkill, child->tg->host_pid, child_tid, 0) < 0 && errno == ESRCH)
		task_exit(child, SIGKILL, NULL);
	kernel_unlock();
}

long sentry_clone_return(pid_t tid, long host_result)
{
	kernel_lock();
	struct task *t = task_by_host_tid(tid);
	long r = host_result;
	if (t && t->clone.active) {
		t->clone.active = false;
		task_clone_settle(t);
		if (host_result >= 0)
			r = t->clone.child_tid;
	} else if (t && t->exit_value_set) {
		t->exit_value_set = false;
		if (host_result >= 0)
			r = t->exit_value;
	} else if (t && t->syscall_exit) {
		long (*exit_fn)(struct task *, long) = t->syscall_exit;
		t->syscall_exit = NULL;
		r = exit_fn(t, host_result);
	}
	kernel_unlock();
	return r;
}

/* Does no member of process group pgid have a parent in another group of the same session
   (will_become_orphaned_pgrp)? Then job-control stops are discarded. */
static bool pgrp_orphaned(pid_t pgid)
{
	for (struct thread_group *tg = thread_group_first(); tg; tg = thread_group_next(tg)) {
		if (tg->pgid != pgid || tg->exited || !tg->parent)
			continue;
		if (tg->parent->pgid != pgid && tg->parent->sid == tg->sid)
			return false;
	}
	return true;
}

/* Can a call on this fd wait on Linux? Not on a regular file, a directory or a block device
   (nor on an fd that is not open: the call fails at once). */
static bool fd_may_wait(struct task *t, uint64_t fd)
{
	struct file *f = fd <= INT32_MAX ? fd_get(t, (int)fd) : NULL;
	if (!f)
		return false;
	if (!f->inode)
		return true;
	mode_t m = f->inode->mode;
	return !S_ISREG(m) && !S_ISDIR(m) && !S_ISBLK(m);
}

static bool ignored_by_default(int sig);

bool sentry_syscall_interruptible(pid_t tid, long nr, const uint64_t args[6])
{
	if (!platform_syscall_may_block_natively(nr))
		return false;
	switch (nr) {
	case SYS_futex: {
		int cmd = (int)args[1] & FUTEX_CMD_MASK;
		return cmd == FUTEX_WAIT || cmd == FUTEX_WAIT_BITSET || cmd == FUTEX_LOCK_PI ||
		       cmd == FUTEX_LOCK_PI2 || cmd == FUTEX_WAIT_REQUEUE_PI;
	}
	case SYS_fcntl:
		return (int)args[1] == F_SETLKW || (int)args[1] == F_OFD_SETLKW;
	case SYS_read: case SYS_readv: case SYS_write: case SYS_writev: case SYS_pread64:
	case SYS_pwrite64: case SYS_preadv: case SYS_pwritev: case SYS_preadv2: case SYS_pwritev2:
	case SYS_ioctl: case SYS_sendfile: case SYS_copy_file_range: {
		bool two_fds = nr == SYS_sendfile || nr == SYS_copy_file_range;
		uint64_t second = nr == SYS_sendfile ? args[1] : args[2];
		kernel_lock();
		struct task *t = task_by_host_tid(tid);
		bool may_wait = !t || fd_may_wait(t, args[0]) || (two_fds && fd_may_wait(t, second));
		kernel_unlock();
		return may_wait;
	}
	default:
		return true;
	}
}

int sentry_signal_delivery(pid_t tid, int sig, siginfo_t *info)
{
	kernel_lock();
	struct task *t = task_by_host_tid(tid);
	if (t) {
		if (info)
			siginfo_to_guest(t, info);
		struct sigaction_record *a = sig < TASK_NSIG ? &t->sighand->action[sig] : NULL;
		bool dfl = a && a->handler == (uint64_t)(uintptr_t)SIG_DFL;
		/* A syscall this thread waits for in the sentry was interrupted (the host restarts
		   or fails it); whoever waits on its behalf must look again. Not by a signal the
		   guest ignores: Linux discards those without waking anyone. */
		if (a && a->handler != (uint64_t)(uintptr_t)SIG_IGN && !(dfl && ignored_by_default(sig)))
			t->interrupts++;
		if (sig == SIGCONT && t->tg->stopped) {
			t->tg->stopped = false;
			t->tg->continued = true;
			thread_group_stop_changed(t->tg);
		}
		/* Job-control stops follow the guest's process groups, not the host's: discarded
		   in an orphaned group, otherwise a stop the host cannot discard, reported as the
		   signal it stands for. */
		if (dfl && (sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)) {
			if (pgrp_orphaned(t->tg->pgid)) {
				sig = 0;
			} else {
				t->tg->stop_as = sig;
				sig = SIGSTOP;
			}
		}
		/* A handler with SA_RESETHAND runs once: the host resets it as it delivers. */
		if (a && !dfl && a->handler != (uint64_t)(uintptr_t)SIG_IGN && (a->flags & SA_RESETHAND))
			a->handler = (uint64_t)(uintptr_t)SIG_DFL;
		pthread_cond_broadcast(&kernel.task_event);
	}
	kernel_unlock();
	return sig;
}

/* Signals whose default action is to do nothing: they never end a wait. */
static bool ignored_by_default(int sig)
{
	return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT;
}

bool sentry_signals_pending(pid_t tid, uint64_t pending)
{
	uint64_t deliverable = 0;
	kernel_lock();
	struct task *t = task_by_host_tid(tid);
	if (t) {
		for (int sig = 1; sig < TASK_NSIG; sig++) {
			if (!(pending & (UINT64_C(1) << (sig - 1))))
				continue;
			uint64_t handler = t->sighand->action[sig].handler;
			if (handler == (uint64_t)(uintptr_t)SIG_IGN ||
			    (handler == (uint64_t)(uintptr_t)SIG_DFL && ignored_by_default(sig)))
				continue;
			deliverable |= UINT64_C(1) << (sig - 1);
		}
		if (deliverable) {
			t->pending_signals |= deliverable;
			t->interrupts++;
			pthread_cond_broadcast(&kernel.task_event);
			uint64_t one = 1;
			if (t->wake_fd > 0 && write(t->wake_fd, &one, sizeof(one)) < 0)
				log_warn("waking host thread %d's wait: %m", tid);
		}
	}
	kernel_unlock();
	return deliverable != 0;
}

void sentry_thread_stopped(pid_t tid, int sig)
{
	kernel_lock();
	struct task *t = task_by_host_tid(tid);
	if (t && !t->tg->stopped) {
		t->tg->stopped = true;
		t->tg->stop_signal = sig == SIGSTOP && t->tg->stop_as ? t->tg->stop_as : sig;
		t->tg->stop_as = 0;
		t->tg->stop_reported = false;
		t->tg->continued = false;
		thread_group_stop_changed(t->tg);
	}
	kernel_unlock();
}
