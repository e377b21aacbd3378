/* The tracer thread: attached to every guest thread with PTRACE_SEIZE (ptrace requests must
   come from the attaching thread, so this one thread makes them all). It serves the control
   path under both back ends (exec, clone, signal delivery, exits) and, for the ptrace back
   end, every syscall. */
#define _GNU_SOURCE
#include "platform/platform.h"
#include "platform/marker.h"
#include "common/log.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ptrace.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <linux/ptrace.h>
#include <uthash.h>

#define TRACE_OPTIONS                                                                          \
	(PTRACE_O_TRACESECCOMP | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE | \
	 PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD)

struct tracee {
	pid_t tid;
	bool known;		/* the sentry has adopted it (its creator's event was seen) */
	bool held;		/* stopped at its first stop, waiting to be adopted */
	bool initial_seen;	/* its first (attach) stop has happened */
	bool launching;		/* the init process before its first exec */
	bool want_exit_stop;	/* the next syscall-exit stop fixes a clone's return value */
	struct user_regs_struct regs;	/* at the current seccomp stop */
	UT_hash_handle hh;
};

struct completion {
	struct syscall_event *ev;
	long result;
	struct completion *next;
};

static struct {
	struct platform *p;
	pthread_t thread;
	pid_t init_pid;
	int go_fd;
	int sigfd;
	int wake_fd;		/* eventfd: completions are queued */
	pthread_mutex_t lock;
	struct completion *done;
	struct tracee *tracees;
} tracer;

static struct tracee *tracee_find(pid_t tid)
{
	struct tracee *t;
	HASH_FIND_INT(tracer.tracees, &tid, t);
	return t;
}

static struct tracee *tracee_add(pid_t tid)
{
	struct tracee *t = calloc(1, sizeof(*t));
	if (!t)
		die("out of memory tracking host thread %d", tid);
	t->tid = tid;
	HASH_ADD_INT(tracer.tracees, tid, t);
	return t;
}

static void tracee_remove(struct tracee *t)
{
	HASH_DEL(tracer.tracees, t);
	marker_drop(t->tid);
	free(t);
}

static void tracer_resume(pid_t tid, int request, int sig)
{
	/* ESRCH: the thread was killed meanwhile; its exit is reported next. */
	if (ptrace(request, tid, 0, (void *)(long)sig) < 0 && errno != ESRCH)
		log_warn("resuming host thread %d: %m", tid);
}

static void release_installs(struct syscall_event *ev)
{
	marker_release_installs(ev->installs, ev->ninstalls);
	ev->ninstalls = 0;
}

/* Applies the sentry's answer to a thread stopped at its seccomp stop, and resumes it. */
static void tracer_apply(struct syscall_event *ev, long result)
{
	struct tracee *tc = tracee_find(ev->host_tid);
	if (!tc) {
		release_installs(ev);
		return;
	}
	struct user_regs_struct *regs = &tc->regs;
	int resume = PTRACE_CONT;
	bool cont = result == SYSCALL_CONTINUE || result == SYSCALL_REWRITE;

	if (result == SYSCALL_REWRITE) {
		regs->orig_rax = (uint64_t)ev->rewrite_nr;
		regs->rdi = ev->args[0];
		regs->rsi = ev->args[1];
		regs->rdx = ev->args[2];
		regs->r10 = ev->args[3];
		regs->r8 = ev->args[4];
		regs->r9 = ev->args[5];
	}
	if (ev->ninstalls) {
		/* fds can only be installed from a notification: go through the listener. */
		if (marker_put(ev->host_tid, ev->installs, ev->ninstalls, cont, result) < 0) {
			release_installs(ev);
			regs->orig_rax = (uint64_t)-1;
			regs->rax = (uint64_t)-ENOMEM;
		} else {
			ev->ninstalls = 0;
			if (!cont) {
				regs->orig_rax = PLATFORM_MARKER_NR;
				regs->r9 = PLATFORM_MARKER_MAGIC;
			}
		}
	} else if (!cont) {
		regs->orig_rax = (uint64_t)-1;
		regs->rax = (uint64_t)result;
	}
	if (ev->rewrite_trace_exit) {
		tc->want_exit_stop = true;
		resume = PTRACE_SYSCALL;
	}
	if (result != SYSCALL_CONTINUE && ptrace(PTRACE_SETREGS, ev->host_tid, 0, regs) < 0 &&
	    errno != ESRCH)
		log_warn("setting registers of host thread %d: %m", ev->host_tid);
	tracer_resume(ev->host_tid, resume, 0);
}

static int ptrace_install_fd(struct syscall_event *ev, int host_fd, int guest_fd, bool cloexec)
{
	if (ev->ninstalls >= PLATFORM_MAX_INSTALLS)
		return -EMFILE;
	/* Our own copy: the sentry may drop its file before the listener installs it. */
	int fd = fcntl(host_fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return -errno;
	ev->installs[ev->ninstalls++] = (struct fd_install){ fd, guest_fd, cloexec };
	return 0;
}

void tracer_complete(struct syscall_event *ev, long result)
{
	if (pthread_equal(pthread_self(), tracer.thread)) {
		tracer_apply(ev, result);
		return;
	}
	struct completion *c = malloc(sizeof(*c));
	if (!c)
		die("out of memory queueing a syscall answer");
	c->ev = ev;
	c->result = result;
	pthread_mutex_lock(&tracer.lock);
	c->next = tracer.done;
	tracer.done = c;
	pthread_mutex_unlock(&tracer.lock);
	uint64_t one = 1;
	if (write(tracer.wake_fd, &one, sizeof(one)) < 0)
		log_warn("waking the tracer: %m");
}

static void ptrace_answer(struct syscall_event *ev, long result)
{
	tracer_complete(ev, result);
}

static bool ptrace_event_valid(struct syscall_event *ev)
{
	/* A thread in a ptrace stop stays there until the tracer lets it go. */
	return tracee_find(ev->host_tid) != NULL;
}

const struct platform_ops ptrace_platform_ops = {
	.name = "ptrace",
	.install_fd = ptrace_install_fd,
	.answer = ptrace_answer,
	.event_valid = ptrace_event_valid,
};

/* The init process hands its listener over in r9 of its first execve. */
static void adopt_listener(struct tracee *tc)
{
	int pidfd = (int)syscall(SYS_pidfd_open, tc->tid, 0);
	int fd = pidfd < 0 ? -1 : (int)syscall(SYS_pidfd_getfd, pidfd, (int)tc->regs.r9, 0);
	if (fd < 0)
		die("taking the guest's seccomp listener: %m");
	close(pidfd);
	sentry_listener_ready(fd);
}

static void handle_seccomp_stop(struct tracee *tc)
{
	if (ptrace(PTRACE_GETREGS, tc->tid, 0, &tc->regs) < 0) {
		if (errno != ESRCH)
			log_warn("reading registers of host thread %d: %m", tc->tid);
		return;
	}
	if (tc->launching) {
		tc->launching = false;
		adopt_listener(tc);
	}
	struct syscall_event ev = {
		.host_tid = tc->tid,
		.nr = (int)tc->regs.orig_rax,
		.args = { tc->regs.rdi, tc->regs.rsi, tc->regs.rdx, tc->regs.r10, tc->regs.r8,
			  tc->regs.r9 },
		.ip = tc->regs.rip,
		.sp = tc->regs.rsp,
		.via_tracer = true,
		.platform = tracer.p,
		.ops = &ptrace_platform_ops,
	};
	sentry_handle_syscall(&ev);
}

static void handle_clone_event(struct tracee *tc)
{
	unsigned long msg = 0;
	if (ptrace(PTRACE_GETEVENTMSG, tc->tid, 0, &msg) < 0)
		return;
	pid_t child = (pid_t)msg;
	sentry_thread_cloned(tc->tid, child, 0);
	struct tracee *ct = tracee_find(child);
	if (!ct) {
		ct = tracee_add(child);
	} else if (ct->held) {
		ct->held = false;
		tracer_resume(child, PTRACE_CONT, 0);
	}
	ct->known = true;
	tracer_resume(tc->tid, tc->want_exit_stop ? PTRACE_SYSCALL : PTRACE_CONT, 0);
}

static void handle_exec_event(struct tracee *tc)
{
	unsigned long former = 0;
	ptrace(PTRACE_GETEVENTMSG, tc->tid, 0, &former);
	if ((pid_t)former != tc->tid) {
		struct tracee *old = tracee_find((pid_t)former);
		if (old)
			tracee_remove(old);
	}
	sentry_thread_execed(tc->tid, (pid_t)former);
	tracer_resume(tc->tid, PTRACE_CONT, 0);
}

static void handle_stop(pid_t tid, int status)
{
	struct tracee *tc = tracee_find(tid);

	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		if (tc)
			tracee_remove(tc);
		sentry_thread_exited(tid, status);
		return;
	}
	if (!WIFSTOPPED(status))
		return;
	if (!tc) {
		/* A new thread stopping before its creator's event: hold it until adopted. */
		tc = tracee_add(tid);
		tc->initial_seen = true;
		tc->held = true;
		return;
	}
	int sig = WSTOPSIG(status);
	switch (status >> 16) {
	case PTRACE_EVENT_SECCOMP:
		handle_seccomp_stop(tc);
		return;
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
	case PTRACE_EVENT_CLONE:
		handle_clone_event(tc);
		return;
	case PTRACE_EVENT_EXEC:
		handle_exec_event(tc);
		return;
	case PTRACE_EVENT_STOP:
		if (!tc->initial_seen) {
			tc->initial_seen = true;
			tracer_resume(tid, PTRACE_CONT, 0);
		} else if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU) {
			/* Group-stop: stay stopped until SIGCONT, reported to the sentry. */
			sentry_thread_stopped(tid, sig);
			tracer_resume(tid, PTRACE_LISTEN, 0);
		} else {
			tracer_resume(tid, PTRACE_CONT, 0);
		}
		return;
	case 0:
		break;
	default:
		tracer_resume(tid, PTRACE_CONT, 0);
		return;
	}
	if (sig == (SIGTRAP | 0x80)) {
		/* Syscall-exit stop of a clone whose return value the sentry translates. */
		if (tc->want_exit_stop && ptrace(PTRACE_GETREGS, tid, 0, &tc->regs) == 0) {
			tc->want_exit_stop = false;
			tc->regs.rax = (uint64_t)sentry_clone_return(tid, (long)tc->regs.rax);
			ptrace(PTRACE_SETREGS, tid, 0, &tc->regs);
		}
		tracer_resume(tid, PTRACE_CONT, 0);
		return;
	}
	tracer_resume(tid, PTRACE_CONT, sentry_signal_delivery(tid, sig));
}

static void drain_completions(void)
{
	uint64_t n;
	if (read(tracer.wake_fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_warn("reading the tracer's wake-up: %m");
	pthread_mutex_lock(&tracer.lock);
	struct completion *c = tracer.done;
	tracer.done = NULL;
	pthread_mutex_unlock(&tracer.lock);
	while (c) {
		struct completion *next = c->next;
		tracer_apply(c->ev, c->result);
		free(c->ev);
		free(c);
		c = next;
	}
}

static void *tracer_main(void *arg)
{
	(void)arg;
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	tracer.sigfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	if (tracer.sigfd < 0)
		die("signalfd: %m");
	if (ptrace(PTRACE_SEIZE, tracer.init_pid, 0, (void *)(long)TRACE_OPTIONS) < 0)
		die("attaching to the guest's init process: %m");
	struct tracee *init = tracee_add(tracer.init_pid);
	init->known = init->initial_seen = init->launching = true;
	if (write(tracer.go_fd, "g", 1) != 1)
		die("starting the guest's init process: %m");
	close(tracer.go_fd);

	for (;;) {
		struct pollfd pfd[2] = { { tracer.sigfd, POLLIN, 0 }, { tracer.wake_fd, POLLIN, 0 } };
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			die("poll in the tracer: %m");
		if (pfd[1].revents)
			drain_completions();
		struct signalfd_siginfo si;
		while (read(tracer.sigfd, &si, sizeof(si)) == sizeof(si))
			;
		for (;;) {
			int status;
			pid_t tid = waitpid(-1, &status, __WALL | WNOHANG);
			if (tid <= 0)
				break;
			handle_stop(tid, status);
		}
	}
	return NULL;
}

int tracer_start(struct platform *p, pid_t init_pid, int go_fd)
{
	tracer.p = p;
	tracer.init_pid = init_pid;
	tracer.go_fd = go_fd;
	pthread_mutex_init(&tracer.lock, NULL);
	tracer.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (tracer.wake_fd < 0)
		return log_errno(-errno, "eventfd");
	int r = pthread_create(&tracer.thread, NULL, tracer_main, NULL);
	if (r)
		return log_errno(-r, "starting the tracer");
	pthread_detach(tracer.thread);
	return 0;
}
