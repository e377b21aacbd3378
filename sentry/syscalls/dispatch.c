/* Entry point for every trapped guest syscall, whatever platform trapped it. */
#define _GNU_SOURCE
#include "sentry/syscalls/syscalls.h"
#include "sentry/kernel.h"
#include "sentry/task/task.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

__thread struct task *current;
__thread struct syscall_event *current_event;

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

int syscall_answer(struct syscall_event *ev, long result)
{
	ev->answered = result;
	return ev->ops->answer(ev, result);
}

long syscall_host_then(struct task *t, struct syscall_event *ev,
		       long (*at_exit)(struct task *t, long host_result), uint64_t addr)
{
	if (!ev->via_tracer)
		return -ENOSYS;
	t->syscall_exit_addr = addr;
	t->syscall_exit = at_exit;
	ev->rewrite_nr = ev->nr;
	ev->rewrite_trace_exit = true;
	return SYSCALL_REWRITE;
}

/* A handler's result as the guest gets it: ENOSYS for a call it let the host run that is
   not on the list. */
static long syscall_checked(const struct syscall_event *ev, long r)
{
	if ((r == SYSCALL_CONTINUE || r == SYSCALL_REWRITE) &&
	    !guest_host_call_allowed(ev->nr, r == SYSCALL_REWRITE)) {
		char name[32];
		log_error("%s: a handler let the host run a call that is not on its list",
			  syscall_name(ev->nr, name, sizeof(name)));
		return -ENOSYS;
	}
	return r;
}

static void syscall_finish(struct task *t, struct syscall_event *ev, const struct syscall_event *orig,
			   const struct syscall_def *def, long r)
{
	r = syscall_checked(ev, r);
	if (r != SYSCALL_ANSWERED)
		syscall_answer(ev, r);
	if (kernel.strace)
		strace_print(t, orig, def, ev->answered);
}

/* May the answer wait until the kernel lock is released? Not when it installs fds (their
   host fds belong to files another thread could close once the lock is free) nor under
   --strace (the line shows the answer, in order). The answer is then an ioctl that the
   thread makes while other handlers run. */
static bool answer_after_unlock(const struct syscall_event *ev, long r)
{
	return r != SYSCALL_ANSWERED && ev->ninstalls == 0 && !kernel.strace;
}

struct blocking_call {
	struct syscall_event ev;
	struct syscall_event orig;
	const struct syscall_def *def;
};

/* A handler that has to wait runs again on a thread of its own, so the thread that took the
   event can take the next one. */
static void *blocking_call_main(void *arg)
{
	struct blocking_call *bc = arg;
	struct task *t = bc->ev.task;

	kernel_lock();
	current = t;
	current_event = &bc->ev;
	long r = t->dead ? -ESRCH : bc->def->handler(t, &bc->ev);
	syscall_finish(t, &bc->ev, &bc->orig, bc->def, r);
	current = NULL;
	current_event = NULL;
	task_put(t);
	kernel_unlock();
	free(bc);
	return NULL;
}

static long run_blocking(struct task *t, struct syscall_event *ev, const struct syscall_event *orig,
			 const struct syscall_def *def)
{
	pthread_attr_t attr;
	pthread_t th;
	struct blocking_call *bc = malloc(sizeof(*bc));

	if (!bc)
		return -ENOMEM;
	bc->ev = *ev;
	bc->ev.may_block = true;
	bc->orig = *orig;
	bc->def = def;
	task_get(t);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	int r = pthread_create(&th, &attr, blocking_call_main, bc);
	pthread_attr_destroy(&attr);
	if (r) {
		task_put(t);
		free(bc);
		return -EAGAIN;
	}
	/* The event now belongs to the new thread. */
	ev->ninstalls = 0;
	return 0;
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
	/* Kept while the handler runs: it may release the lock (kernel_slow_begin). */
	task_get(t);
	ev->task = t;
	current = t;
	current_event = ev;
	task_settle_closes(t);
	if (t->exec) {
		/* The task is still here: its exec failed on the host. */
		exec_pending_free(t->exec);
		t->exec = NULL;
	}
	ev->interrupts_seen = t->interrupts;
	t->pending_signals = 0;
	def = syscall_lookup(ev->nr);
	/* Handlers may rewrite the arguments; strace shows what the guest passed. */
	struct syscall_event orig = *ev;
	if (def && def->handler) {
		r = def->handler(t, ev);
	} else {
		log_unimplemented(ev->nr);
		r = -ENOSYS;
	}
	if (r == SYSCALL_BLOCK) {
		r = run_blocking(t, ev, &orig, def);
		if (r == 0) {
			current = NULL;
			current_event = NULL;
			task_put(t);
			kernel_unlock();
			return;
		}
	}
	if (answer_after_unlock(ev, r)) {
		r = syscall_checked(ev, r);
		current = NULL;
		current_event = NULL;
		task_put(t);
		kernel_unlock();
		syscall_answer(ev, r);
		return;
	}
	syscall_finish(t, ev, &orig, def, r);
	current = NULL;
	current_event = NULL;
	task_put(t);
	kernel_unlock();
}

/* The platform's thread that took the event is about to be busy for long (a thread of a
   waiting handler's own is nobody's receiver). */
static void slow_work(bool begin)
{
	struct syscall_event *ev = current_event;
	if (!ev || ev->may_block)
		return;
	if (begin && ev->ops->slow_begin)
		ev->ops->slow_begin(ev);
	else if (!begin && ev->ops->slow_end)
		ev->ops->slow_end(ev);
}

void kernel_slow_begin(void)
{
	slow_work(true);
	kernel_unlock();
}

int kernel_slow_end(void)
{
	kernel_lock();
	slow_work(false);
	return current && current->dead ? -EINTR : 0;
}

int kernel_wait_slow(void)
{
	slow_work(true);
	syscall_wait_event();
	slow_work(false);
	return current && current->dead ? -EINTR : 0;
}

bool syscall_interrupted(struct task *t, struct syscall_event *ev, unsigned seen)
{
	if (t->dead)
		return true;
	if (ev->via_tracer)
		return t->interrupts != seen;
	return !ev->ops->event_valid(ev);
}

long syscall_interrupted_result(struct task *t, bool restartable)
{
	uint64_t pending = t->pending_signals;
	t->pending_signals = 0;
	if (t->dead)
		return -EINTR;
	for (int sig = 1; sig < TASK_NSIG; sig++) {
		if (!(pending & (UINT64_C(1) << (sig - 1))))
			continue;
		const struct sigaction_record *a = &t->sighand->action[sig];
		bool handled = a->handler != (uint64_t)(uintptr_t)SIG_DFL &&
			       a->handler != (uint64_t)(uintptr_t)SIG_IGN;
		if (handled && (!restartable || !(a->flags & SA_RESTART)))
			return -EINTR;
	}
	return SYSCALL_RESTART;
}

long syscall_wait_until(struct task *t, struct syscall_event *ev, syscall_attempt_fn attempt, void *arg)
{
	unsigned seen = ev->interrupts_seen;
	for (;;) {
		long r = attempt(t, ev, arg);
		if (r != SYSCALL_NOT_YET)
			return r;
		if (!ev->may_block)
			return SYSCALL_BLOCK;
		if (syscall_interrupted(t, ev, seen))
			return syscall_interrupted_result(t, true);
		syscall_wait_event();
	}
}

int syscall_wake_fd(struct task *t)
{
	if (t->wake_fd > 0)
		return t->wake_fd;
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fd == 0) {
		/* 0 means none: keep it off that number. */
		fd = fcntl(0, F_DUPFD_CLOEXEC, 3);
		close(0);
	}
	if (fd < 0)
		return -1;
	return t->wake_fd = fd;
}

void syscall_wake_drain(struct task *t)
{
	uint64_t n;
	if (t->wake_fd > 0 && read(t->wake_fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_warn("reading a wake-up eventfd: %m");
}

void syscall_wait_event(void)
{
	struct timespec deadline;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 1;
	pthread_cond_timedwait(&kernel.task_event, &kernel.lock, &deadline);
}
