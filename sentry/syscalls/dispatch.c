/* Entry point for every trapped guest syscall, whatever platform trapped it. */
#define _GNU_SOURCE
#include "sentry/syscalls/syscalls.h"
#include "sentry/kernel.h"
#include "sentry/task/task.h"
#include "common/log.h"

#include <errno.h>
#include <stdio.h>

__thread struct task *current;

static uint64_t unimplemented_logged[SYSCALL_TABLE_SIZE / 64];

static void log_unimplemented(int nr)
{
	char name[32];
	if (nr >= 0 && nr < SYSCALL_TABLE_SIZE) {
		uint64_t bit = UINT64_C(1) << (nr % 64);
		if (unimplemented_logged[nr / 64] & bit)
			return;
		unimplemented_logged[nr / 64] |= bit;
	}
	log_info("unimplemented syscall %s (%d): ENOSYS", syscall_name(nr, name, sizeof(name)), nr);
}

void syscall_answer(struct syscall_event *ev, long result)
{
	ev->ops->answer(ev, result);
}

void sentry_handle_syscall(struct syscall_event *ev)
{
	const struct syscall_def *def;
	long r;

	kernel_lock();
	struct task *t = task_by_host_tid(ev->host_tid);
	if (!t) {
		/* A thread the sentry does not know cannot be served (it is exiting). */
		log_warn("syscall %d from unknown host thread %d", ev->nr, ev->host_tid);
		syscall_answer(ev, -ESRCH);
		kernel_unlock();
		return;
	}
	ev->task = t;
	current = t;
	task_settle_closes(t);
	if (t->exec) {
		/* The task is still here: its exec failed on the host. */
		exec_pending_free(t->exec);
		t->exec = NULL;
	}
	def = syscall_lookup(ev->nr);
	/* Handlers may rewrite the arguments; strace shows what the guest passed. */
	struct syscall_event orig;
	if (kernel.strace)
		orig = *ev;
	if (def && def->handler) {
		r = def->handler(t, ev);
	} else {
		log_unimplemented(ev->nr);
		r = -ENOSYS;
	}
	if (kernel.strace)
		strace_print(t, &orig, def, r);
	syscall_answer(ev, r);
	current = NULL;
	kernel_unlock();
}
