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
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ptrace.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <linux/ptrace.h>
#include "common/hash.h"

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
	bool parked;		/* stopped at a syscall the sentry has not answered yet */
	/* A syscall that waits in the sentry: the thread waits in the host's pause() meanwhile,
	   which any signal it does not block ends at once, as the wait itself would. */
	bool in_pause;
	bool pause_interrupted;	/* stopped at pause's exit by a signal, the sentry told */
	bool answer_ready;	/* the sentry answered; PTRACE_INTERRUPT ends the pause */
	struct syscall_event answer_ev;
	long answer;
	/* A rewritten syscall's original argument registers: callers may rely on them being
	   preserved across the syscall (glibc's vfork keeps its return address in rdi), so they
	   are put back at syscall exit, and in a new thread before it first runs. */
	bool restore_args;
	uint64_t saved_args[6];
	uint64_t saved_nr;
	struct user_regs_struct regs;	/* at the current seccomp stop */
	UT_hash_handle hh;
};

/* A process entering the sandbox (control "exec") to attach to, waiting on go_fd. */
struct attach_request {
	pid_t pid;
	int go_fd;
	struct attach_request *next;
};

/* An answer given off the tracer thread, waiting to be applied (the event is copied: its
   owner may be gone by then). */
struct completion {
	struct syscall_event ev;
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
	struct attach_request *attaches;
	struct tracee *tracees;
} tracer;

/* The kernel's restart codes, as a syscall's return value at a signal-delivery stop. */
#define ERESTARTSYS_CODE 512
#define ERESTARTNOINTR_CODE 513

static struct tracee *tracee_find(pid_t tid)
{
	struct tracee *t;
	HASH_FIND_INT(tracer.tracees, &tid, t);
	return t;
}

static struct tracee *tracee_add(pid_t tid)
{
	struct tracee *t = calloc(1, sizeof(*t));
	if (!t) {
		/* A thread the tracer cannot follow must not run: its process dies, as in an
		   OOM kill. */
		log_error("out of memory tracking host thread %d: killing its process", tid);
		kill(tid, SIGKILL);
		return NULL;
	}
	t->tid = tid;
	HASH_ADD_INT(tracer.tracees, tid, t);
	/* A thread id the host reused: no request of the thread that had it applies. */
	marker_drop(tid);
	return t;
}

static void release_installs(struct syscall_event *ev)
{
	marker_release_installs(ev->installs, ev->ninstalls);
	ev->ninstalls = 0;
}

static void tracee_remove(struct tracee *t)
{
	if (t->answer_ready)
		release_installs(&t->answer_ev);
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

/* Resuming a thread that waits in pause() keeps stopping at syscall exit, where the
   pause ends. */
static void tracee_resume(struct tracee *tc, int sig)
{
	tracer_resume(tc->tid, tc->in_pause ? PTRACE_SYSCALL : PTRACE_CONT, sig);
}

/* The argument registers at the seccomp stop. */
static void put_back_args(struct user_regs_struct *regs, const uint64_t *args);

/* The sentry answered a syscall whose thread waited in pause(): at pause's exit stop, the
   registers become the syscall's own with its result. A restart (and a call the sentry
   lets the host run, which it then decides again) goes back to the syscall instruction;
   fds to install go through the marker, as at a seccomp stop. */
static void answer_at_pause_exit(struct tracee *tc)
{
	struct user_regs_struct regs;
	struct syscall_event *ev = &tc->answer_ev;
	long result = tc->answer;

	tc->in_pause = tc->pause_interrupted = tc->answer_ready = tc->parked = false;
	if (ptrace(PTRACE_GETREGS, tc->tid, 0, &regs) < 0) {
		release_installs(ev);
		return;
	}
	const uint64_t args[6] = { tc->regs.rdi, tc->regs.rsi, tc->regs.rdx, tc->regs.r10,
				   tc->regs.r8, tc->regs.r9 };
	put_back_args(&regs, args);
	if (result == SYSCALL_RESTART || result == SYSCALL_CONTINUE || result == SYSCALL_REWRITE) {
		release_installs(ev);
		regs.rax = tc->regs.orig_rax;
		regs.rip -= 2;
	} else if (ev->ninstalls) {
		if (marker_put(tc->tid, ev->installs, ev->ninstalls, false, result) < 0) {
			release_installs(ev);
			regs.rax = (uint64_t)-ENOMEM;
		} else {
			ev->ninstalls = 0;
			regs.rax = PLATFORM_MARKER_NR;
			regs.r9 = PLATFORM_MARKER_MAGIC;
			regs.rip -= 2;
		}
	} else {
		regs.rax = (uint64_t)result;
	}
	if (ptrace(PTRACE_SETREGS, tc->tid, 0, &regs) < 0 && errno != ESRCH)
		log_warn("setting registers of host thread %d: %m", tc->tid);
	tracer_resume(tc->tid, PTRACE_CONT, 0);
}

/* The sentry waits on the thread's behalf (SYSCALL_BLOCK): the thread runs pause() instead
   of its syscall (the filter lets pause with the marker through), so the host wakes it for
   any signal it does not block, and the tracer sees pause end at its exit stop. */
static void park_in_pause(struct tracee *tc)
{
	struct user_regs_struct regs = tc->regs;
	regs.orig_rax = SYS_pause;
	regs.r9 = PLATFORM_MARKER_MAGIC;
	if (ptrace(PTRACE_SETREGS, tc->tid, 0, &regs) < 0) {
		if (errno != ESRCH)
			log_warn("setting registers of host thread %d: %m", tc->tid);
		return;
	}
	tc->in_pause = true;
	tracer_resume(tc->tid, PTRACE_SYSCALL, 0);
}

/* Signals queued for a thread (its own and its process's) that it does not block. */
static uint64_t deliverable_signals(pid_t tid)
{
	uint64_t pending = 0, blocked = 0;
	siginfo_t si[32];
	for (int shared = 0; shared < 2; shared++) {
		struct ptrace_peeksiginfo_args a = {
			.off = 0, .flags = shared ? PTRACE_PEEKSIGINFO_SHARED : 0, .nr = 32,
		};
		long n = ptrace(PTRACE_PEEKSIGINFO, tid, &a, si);
		for (long i = 0; i < n; i++)
			if (si[i].si_signo > 0 && si[i].si_signo <= 64)
				pending |= UINT64_C(1) << (si[i].si_signo - 1);
	}
	if (!pending || ptrace(PTRACE_GETSIGMASK, tid, sizeof(blocked), &blocked) < 0)
		return 0;
	return pending & (~blocked | (UINT64_C(1) << (SIGKILL - 1)) | (UINT64_C(1) << (SIGSTOP - 1)));
}

/* pause() ended without an answer: a signal came. If the sentry says it ends the wait, the
   thread stays stopped until the waiting handler answers (EINTR, or a restart); otherwise
   (a signal that only the tracer sees, ignored by the guest) it pauses again. */
static void pause_ended_by_signal(struct tracee *tc)
{
	if (sentry_signals_pending(tc->tid, deliverable_signals(tc->tid))) {
		tc->pause_interrupted = true;
		return;
	}
	struct user_regs_struct regs;
	if (ptrace(PTRACE_GETREGS, tc->tid, 0, &regs) == 0) {
		regs.rax = SYS_pause;
		regs.rip -= 2;
		ptrace(PTRACE_SETREGS, tc->tid, 0, &regs);
	}
	tracer_resume(tc->tid, PTRACE_SYSCALL, 0);
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

	if (tc->in_pause) {
		/* It waits in pause() (or is on its way there): end it, and answer at its exit. */
		if (!tc->answer_ready) {
			tc->answer_ev = *ev;
			ev->ninstalls = 0;
			tc->answer = result;
			tc->answer_ready = true;
		}
		if (tc->pause_interrupted)
			answer_at_pause_exit(tc);
		else if (ptrace(PTRACE_INTERRUPT, tc->tid, 0, 0) < 0 && errno != ESRCH)
			log_warn("interrupting host thread %d: %m", tc->tid);
		return;
	}
	tc->parked = false;
	if (result == SYSCALL_RESTART) {
		/* Skip it now and point the thread back at its syscall instruction: after the
		   signal's handler (if any) returns, the syscall runs again. */
		regs->rax = regs->orig_rax;
		regs->orig_rax = (uint64_t)-1;
		regs->rip -= 2;
		if (ptrace(PTRACE_SETREGS, ev->host_tid, 0, regs) < 0 && errno != ESRCH)
			log_warn("setting registers of host thread %d: %m", ev->host_tid);
		release_installs(ev);
		tracer_resume(ev->host_tid, PTRACE_CONT, 0);
		return;
	}

	if (result == SYSCALL_REWRITE) {
		uint64_t orig[6] = { regs->rdi, regs->rsi, regs->rdx, regs->r10, regs->r8, regs->r9 };
		memcpy(tc->saved_args, orig, sizeof(orig));
		tc->saved_nr = regs->orig_rax;
		tc->restore_args = true;
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
	if (ev->rewrite_trace_exit)
		tc->want_exit_stop = true;
	if (ev->rewrite_trace_exit || result == SYSCALL_REWRITE)
		resume = PTRACE_SYSCALL;
	if (result != SYSCALL_CONTINUE && ptrace(PTRACE_SETREGS, ev->host_tid, 0, regs) < 0 &&
	    errno != ESRCH)
		log_warn("setting registers of host thread %d: %m", ev->host_tid);
	tracer_resume(ev->host_tid, resume, 0);
}

static void put_back_args(struct user_regs_struct *regs, const uint64_t *args)
{
	regs->rdi = args[0];
	regs->rsi = args[1];
	regs->rdx = args[2];
	regs->r10 = args[3];
	regs->r8 = args[4];
	regs->r9 = args[5];
}

/* Resumes a new thread held at its first stop, with the argument registers its creator had
   before the sentry rewrote the clone. */
static void release_new_thread(struct tracee *ct)
{
	if (ct->restore_args) {
		struct user_regs_struct regs;
		if (ptrace(PTRACE_GETREGS, ct->tid, 0, &regs) == 0) {
			put_back_args(&regs, ct->saved_args);
			ptrace(PTRACE_SETREGS, ct->tid, 0, &regs);
		}
		ct->restore_args = false;
	}
	tracer_resume(ct->tid, PTRACE_CONT, 0);
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

/* Work was queued for the tracer thread (it polls the eventfd). */
static void tracer_wake(void)
{
	uint64_t one = 1;
	if (write(tracer.wake_fd, &one, sizeof(one)) < 0)
		log_warn("waking the tracer: %m");
}

void tracer_complete(struct syscall_event *ev, long result)
{
	if (pthread_equal(pthread_self(), tracer.thread)) {
		tracer_apply(ev, result);
		return;
	}
	/* The answer must not be lost (its thread would wait for ever): a failed allocation is
	   retried. */
	struct completion *c;
	while (!(c = malloc(sizeof(*c))))
		sched_yield();
	c->ev = *ev;
	ev->ninstalls = 0;
	c->result = result;
	pthread_mutex_lock(&tracer.lock);
	c->next = tracer.done;
	tracer.done = c;
	pthread_mutex_unlock(&tracer.lock);
	tracer_wake();
}

static int ptrace_answer(struct syscall_event *ev, long result)
{
	/* A thread in a ptrace stop cannot be interrupted: it waits for this answer. */
	tracer_complete(ev, result);
	return 0;
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
	/* Until answered (right away, or later by a thread that waits in the sentry). */
	tc->parked = true;
	sentry_handle_syscall(&ev);
	if (tc->parked && !tc->answer_ready)
		park_in_pause(tc);
}

static void handle_clone_event(struct tracee *tc)
{
	unsigned long msg = 0;
	if (ptrace(PTRACE_GETEVENTMSG, tc->tid, 0, &msg) < 0)
		return;
	pid_t child = (pid_t)msg;
	sentry_thread_cloned(tc->tid, child, 0);
	struct tracee *ct = tracee_find(child);
	if (!ct && !(ct = tracee_add(child))) {
		tracer_resume(tc->tid, tc->want_exit_stop || tc->restore_args ? PTRACE_SYSCALL : PTRACE_CONT, 0);
		return;
	}
	ct->known = true;
	ct->restore_args = tc->restore_args;
	memcpy(ct->saved_args, tc->saved_args, sizeof(ct->saved_args));
	if (ct->held) {
		ct->held = false;
		release_new_thread(ct);
	}
	tracer_resume(tc->tid, tc->want_exit_stop || tc->restore_args ? PTRACE_SYSCALL : PTRACE_CONT, 0);
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
	/* The new program's registers are its own. */
	tc->restore_args = false;
	tc->want_exit_stop = false;
	sentry_thread_execed(tc->tid, (pid_t)former);
	tracer_resume(tc->tid, PTRACE_CONT, 0);
}

static void handle_stop(pid_t tid, int status, const struct rusage *ru)
{
	struct tracee *tc = tracee_find(tid);

	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		if (tc)
			tracee_remove(tc);
		sentry_thread_exited(tid, status, ru);
		return;
	}
	if (!WIFSTOPPED(status))
		return;
	if (!tc) {
		/* A new thread stopping before its creator's event: hold it until adopted. */
		if (!(tc = tracee_add(tid)))
			return;
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
			release_new_thread(tc);
		} else if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU) {
			/* Group-stop: stay stopped until SIGCONT, reported to the sentry. */
			sentry_thread_stopped(tid, sig);
			tracer_resume(tid, PTRACE_LISTEN, 0);
		} else {
			tracee_resume(tc, 0);
		}
		return;
	case 0:
		break;
	default:
		tracee_resume(tc, 0);
		return;
	}
	if (sig == (SIGTRAP | 0x80) && tc->in_pause) {
		/* pause() entered again (after a signal the guest ignores): let it run. If the
		   answer came meanwhile, the tracer's interrupt may have been spent on that
		   signal's delivery: a new one ends this pause at once. */
		struct ptrace_syscall_info info;
		if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof(info), &info) > 0 &&
		    info.op == PTRACE_SYSCALL_INFO_ENTRY) {
			if (tc->answer_ready)
				ptrace(PTRACE_INTERRUPT, tid, 0, 0);
			tracee_resume(tc, 0);
		} else if (tc->answer_ready)
			answer_at_pause_exit(tc);
		else
			pause_ended_by_signal(tc);
		return;
	}
	if (sig == (SIGTRAP | 0x80)) {
		/* Syscall-exit stop of a rewritten syscall: clone's return value is translated and
		   the caller's argument registers come back. */
		if ((tc->want_exit_stop || tc->restore_args) &&
		    ptrace(PTRACE_GETREGS, tid, 0, &tc->regs) == 0) {
			if (tc->want_exit_stop) {
				long r = sentry_clone_return(tid, (long)tc->regs.rax);
				/* The sentry ran a call of its own first: the original one runs
				   again (its number and arguments are put back below). */
				tc->regs.rax = (uint64_t)(r == SYSCALL_RESTART ? (long)tc->saved_nr : r);
				if (r == SYSCALL_RESTART)
					tc->regs.rip -= 2;
			}
			/* If the host restarts the syscall (a signal during clone gives
			   -ERESTARTNOINTR), it reruns orig_rax with these registers: the
			   original syscall, which the sentry then decides again. */
			if (tc->restore_args) {
				put_back_args(&tc->regs, tc->saved_args);
				tc->regs.orig_rax = tc->saved_nr;
			}
			tc->want_exit_stop = false;
			tc->restore_args = false;
			ptrace(PTRACE_SETREGS, tid, 0, &tc->regs);
		}
		tracer_resume(tid, PTRACE_CONT, 0);
		return;
	}
	/* A signal that comes before the listener takes a notification aborts the syscall with
	   -ERESTARTSYS, and without SA_RESTART the guest would see EINTR from a syscall that
	   cannot be interrupted on Linux (open, pipe, a write to a file, the sentry's markers).
	   The sentry never saw it, so it restarts, unless it is one that could have been
	   waiting natively: those keep Linux's rule. */
	struct user_regs_struct regs;
	bool have_regs = ptrace(PTRACE_GETREGS, tid, 0, &regs) == 0;
	if (have_regs && (long)regs.rax == -ERESTARTSYS_CODE &&
	    (long)regs.orig_rax >= 0) {
		const uint64_t args[6] = { regs.rdi, regs.rsi, regs.rdx, regs.r10, regs.r8, regs.r9 };
		if (!sentry_syscall_interruptible(tid, (long)regs.orig_rax, args)) {
			regs.rax = (uint64_t)-ERESTARTNOINTR_CODE;
			ptrace(PTRACE_SETREGS, tid, 0, &regs);
		}
	}
	/* The siginfo names the sender by host ids: the guest sees its own. */
	siginfo_t si = { 0 }, host_si;
	bool have_si = ptrace(PTRACE_GETSIGINFO, tid, 0, &si) == 0;
	host_si = si;
	/* A fault the host raised in a guest thread: where, for the log (the guest may die). */
	if (have_si && have_regs && si.si_code > 0 &&
	    (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE))
		log_info("host thread %d: %s at ip %#llx, address %p (si_code %d)", tid, strsignal(sig),
			 (unsigned long long)regs.rip, si.si_addr, si.si_code);
	int deliver = sentry_signal_delivery(tid, sig, have_si ? &si : NULL);
	if (have_si && deliver == sig && memcmp(&si, &host_si, sizeof(si)) &&
	    ptrace(PTRACE_SETSIGINFO, tid, 0, &si) < 0 && errno != ESRCH)
		log_warn("setting the siginfo of host thread %d: %m", tid);
	tracee_resume(tc, deliver);
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
		tracer_apply(&c->ev, c->result);
		free(c);
		c = next;
	}
}

/* Attaches to a launcher (the init process or one entering later) and lets it go on: its
   exec, the first syscall it makes under the guest filter, hands over its listener. */
static int attach_launcher(pid_t pid, int go_fd)
{
	if (ptrace(PTRACE_SEIZE, pid, 0, (void *)(long)TRACE_OPTIONS) < 0)
		return -errno;
	struct tracee *t = tracee_add(pid);
	if (!t)
		return -ENOMEM;
	t->known = t->initial_seen = t->launching = true;
	int r = write(go_fd, "g", 1) == 1 ? 0 : -errno;
	close(go_fd);
	return r;
}

static void drain_attaches(void)
{
	pthread_mutex_lock(&tracer.lock);
	struct attach_request *a = tracer.attaches;
	tracer.attaches = NULL;
	pthread_mutex_unlock(&tracer.lock);
	while (a) {
		struct attach_request *next = a->next;
		int r = attach_launcher(a->pid, a->go_fd);
		/* Unattached it must not run: killed, it is reaped like any child of ours. */
		if (r < 0) {
			log_errno(r, "attaching to new guest process %d", a->pid);
			kill(a->pid, SIGKILL);
		}
		free(a);
		a = next;
	}
}

void tracer_attach(pid_t pid, int go_fd)
{
	struct attach_request *a = malloc(sizeof(*a));
	if (!a) {
		log_error("out of memory attaching to new guest process %d", pid);
		close(go_fd);
		kill(pid, SIGKILL);
		return;
	}
	*a = (struct attach_request){ pid, go_fd, NULL };
	pthread_mutex_lock(&tracer.lock);
	a->next = tracer.attaches;
	tracer.attaches = a;
	pthread_mutex_unlock(&tracer.lock);
	tracer_wake();
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
	int r = attach_launcher(tracer.init_pid, tracer.go_fd);
	if (r < 0)
		die("attaching to the guest's init process: %s", strerror(-r));

	for (;;) {
		struct pollfd pfd[2] = { { tracer.sigfd, POLLIN, 0 }, { tracer.wake_fd, POLLIN, 0 } };
		int r = poll(pfd, 2, -1);
		if (r < 0 && errno != EINTR)
			die("poll in the tracer: %m");
		if (pfd[1].revents) {
			drain_completions();
			drain_attaches();
		}
		struct signalfd_siginfo si;
		while (read(tracer.sigfd, &si, sizeof(si)) == sizeof(si))
			;
		for (;;) {
			int status;
			struct rusage ru;
			pid_t tid = wait4(-1, &status, __WALL | WNOHANG, &ru);
			if (tid <= 0)
				break;
			handle_stop(tid, status, &ru);
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
