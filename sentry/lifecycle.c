/* What the platform tells the sentry about guest threads: new, exec'd, signalled, gone. */
#define _GNU_SOURCE
#include "platform/platform.h"
#include "sentry/kernel.h"
#include "sentry/task/task.h"
#include "common/log.h"

#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

void sentry_listener_ready(int listener)
{
	kernel.platform.listener = listener;
	if (unotify_start(&kernel.platform) < 0)
		die("cannot serve the guest's syscalls");
}

void sentry_thread_exited(pid_t tid, int status)
{
	kernel_lock();
	struct task *t = task_by_host_tid(tid);
	if (t)
		task_exit(t, status);
	kernel_unlock();
}

void sentry_thread_execed(pid_t tid, pid_t former_tid)
{
	kernel_lock();
	struct task *t = task_by_host_tid(former_tid);
	if (t)
		task_exec_complete(t);
	else
		log_warn("exec of unknown host thread %d", tid);
	kernel_unlock();
}

void sentry_thread_cloned(pid_t parent_tid, pid_t child_tid, unsigned long flags)
{
	(void)flags;
	/* The sentry answers clone with ENOSYS until it adopts new threads; a host thread
	   created anyway is not served. */
	log_error("host thread %d created %d without the sentry: killing it", parent_tid, child_tid);
	syscall(SYS_tkill, child_tid, SIGKILL);
}

long sentry_clone_return(pid_t tid, long host_result)
{
	(void)tid;
	return host_result < 0 ? host_result : -ENOSYS;
}

int sentry_signal_delivery(pid_t tid, int sig)
{
	(void)tid;
	return sig;
}

void sentry_thread_stopped(pid_t tid, int sig)
{
	(void)tid, (void)sig;
}
