/* How guest syscalls reach the sentry.

   The platform traps a guest syscall and hands the sentry an event: which host thread, the
   syscall number and its six arguments. The sentry decides and answers through the same event:
   a return value, or "continue" (the host kernel executes the syscall as the guest issued it,
   used only where the decision rests on register arguments). The sentry's syscall code never
   asks which back end trapped the call.

   Two back ends:
   - unotify: the guest's seccomp filter returns SECCOMP_RET_USER_NOTIF; worker threads receive
     notifications and answer them (the fast path).
   - ptrace: the filter returns SECCOMP_RET_TRACE for every syscall; the tracer thread reads and
     writes registers (the slow, simple baseline).

   Both keep the tracer thread: it attaches to every guest thread (PTRACE_SEIZE), and the
   control-path syscalls that must change registers or learn a new host thread (execve,
   execveat, clone, fork, vfork) always go through it. Installing a host fd into a guest is
   done with SECCOMP_IOCTL_NOTIF_ADDFD, so both back ends keep a listener: the ptrace one turns
   a stopped syscall into a marker syscall that the filter sends to the listener. */
#ifndef RUNSCC_PLATFORM_H
#define RUNSCC_PLATFORM_H

#include <stdbool.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

struct task;
struct platform;

/* Return values of syscall handlers beyond ordinary results and -errno. */
#define SYSCALL_CONTINUE ((long)0x7ffffffffffff001)	/* the host runs it as issued */
#define SYSCALL_REWRITE ((long)0x7ffffffffffff002)	/* run the rewritten syscall (ptrace) */
#define SYSCALL_BLOCK ((long)0x7ffffffffffff003)	/* rerun me on a thread that may wait */
#define SYSCALL_ANSWERED ((long)0x7ffffffffffff004)	/* the handler answered already */
/* A wait interrupted by a signal that is to restart the syscall after the handler (SA_RESTART
   or no handler), as -ERESTARTSYS does in Linux. Only for syscalls that stop in the tracer. */
#define SYSCALL_RESTART ((long)0x7ffffffffffff005)

/* r9 value that marks the sentry's own rewritten syscalls (never a guest's argument: the
   guest filter sends a syscall carrying it to the listener, where it must match a pending
   request of the sentry). */
#define PLATFORM_MARKER_MAGIC 0x52756e7363634d6bULL
/* The marker syscall number: not a real syscall, so the host can never run it. */
#define PLATFORM_MARKER_NR 1023

/* SCM_RIGHTS may bring 253 files in one recvmsg. */
#define PLATFORM_MAX_INSTALLS 256

enum platform_kind { PLATFORM_UNOTIFY, PLATFORM_PTRACE };

struct fd_install {
	int host_fd;
	int guest_fd;
	bool cloexec;
};

struct syscall_event {
	pid_t host_tid;
	int nr;
	uint64_t args[6];
	uint64_t ip;
	struct task *task;		/* filled in by the dispatcher */

	/* Where the event came from; set by the platform. */
	bool via_tracer;		/* a ptrace seccomp stop: registers can be rewritten */
	uint64_t notif_id;		/* unotify */
	int listener;			/* unotify: the listener the notification came from */
	void *receivers;		/* unotify: that listener's receivers (slow_begin) */
	struct platform *platform;
	const struct platform_ops *ops;	/* how to answer: by where the event came from */

	/* Registers of a ptrace stop; a handler returning SYSCALL_REWRITE edits these
	   (rewrite_nr and args) and the tracer resumes with them. */
	int rewrite_nr;
	bool rewrite_trace_exit;	/* stop again at syscall exit (clone: fix the return value) */
	uint64_t sp;

	/* fds to install in the guest before the answer (ptrace back end: done via the marker). */
	struct fd_install installs[PLATFORM_MAX_INSTALLS];
	int ninstalls;

	/* Set when the handler runs on a thread of its own and may wait. */
	bool may_block;
	/* The task's count of signals that ended waits, when the event arrived: a signal
	   after it ends this event's wait, even one that came before a waiting handler ran. */
	unsigned interrupts_seen;
	long answered;			/* the value given, once answered (for --strace) */
};

struct platform_ops {
	const char *name;
	/* Install host_fd into the guest at guest_fd (replacing what is there); may be deferred
	   until the answer. Returns 0 or -errno. */
	int (*install_fd)(struct syscall_event *ev, int host_fd, int guest_fd, bool cloexec);
	/* Answer the event: a value, -errno, SYSCALL_CONTINUE or SYSCALL_REWRITE. Returns 0, or
	   -ENOENT when the guest thread no longer waits for this answer (a signal interrupted
	   it: the host will restart the syscall or return EINTR). */
	int (*answer)(struct syscall_event *ev, long result);
	/* Still the same live request? (After reading guest memory, before acting on it.) */
	bool (*event_valid)(struct syscall_event *ev);
	/* The thread serving ev is about to do slow work without the sentry's lock, and done
	   with it: the back end keeps other threads receiving meanwhile. May be NULL. */
	void (*slow_begin)(struct syscall_event *ev);
	void (*slow_end)(struct syscall_event *ev);
};

/* The guest's listener is killable (SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV): once the sentry
   has taken a notification, only a fatal signal ends the guest's wait, so every syscall the
   sentry decides happens exactly once, as on Linux where a non-blocking syscall is never
   interrupted. The few syscalls that may wait in the sentry (wait4, waitid, poll, select)
   stop in the tracer instead, which watches for signals arriving meanwhile (a seccomp
   filter chain can have only one listener, so there cannot be an interruptible second). */
struct platform {
	enum platform_kind kind;
	int listener;			/* the init process's; -1 until it hands it over */
	bool sync_wakeup;		/* SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP is in effect */
};

int platform_parse(const char *name, enum platform_kind *kind);
const char *platform_name(enum platform_kind kind);

/* The guest's seccomp filter for this platform (prog->filter malloc'd). The guest's first
   process loads it (SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
   right before its first exec, which stops in the tracer with the listener's fd number in
   r9: until the sentry has the listener, a notified syscall would wait forever. */
struct sock_fprog;
int platform_guest_filter(enum platform_kind kind, struct sock_fprog *prog);
/* Syscalls the host executes for the guest without asking the sentry (documented list). */
extern const int platform_guest_native_syscalls[];
extern const int platform_guest_native_count;
/* Syscalls that may block in the host once the sentry lets them run (a signal may then end
   them with EINTR, as on Linux); any other syscall is never interrupted. */
bool platform_syscall_may_block_natively(long nr);

#endif

/* Implemented by the sentry, called by the back ends (with no sentry lock held). */

/* Decide and answer one trapped syscall. */
void sentry_handle_syscall(struct syscall_event *ev);
/* A guest thread created child_tid with clone flags (fork/vfork/clone event). */
void sentry_thread_cloned(pid_t parent_tid, pid_t child_tid, unsigned long flags);
/* The syscall-exit of a rewritten syscall the sentry asked to see (clone, set_tid_address):
   returns the value the guest gets, or SYSCALL_RESTART to run the original syscall again
   (the rewritten one was the sentry's own, sentry_page.c). */
long sentry_clone_return(pid_t tid, long host_result);
/* tid completed an exec (it was former_tid before, when a non-leader thread exec'd). */
void sentry_thread_execed(pid_t tid, pid_t former_tid);
/* A signal ended tid's syscall nr (args: its six arguments) with -ERESTARTSYS, which comes
   either from the host running it natively or from its notification's wait, before the
   sentry took it. May the guest see EINTR? Only when the call could have been waiting on
   Linux: otherwise it never ran and restarts. */
bool sentry_syscall_interruptible(pid_t tid, long nr, const uint64_t args[6]);
/* A host signal is about to be delivered to tid; returns the signal to deliver (0: drop).
   info (NULL if unknown) is its siginfo, which the sentry turns into the guest's view. */
int sentry_signal_delivery(pid_t tid, int sig, siginfo_t *info);
/* tid stopped (group-stop for sig). */
void sentry_thread_stopped(pid_t tid, int sig);
/* tid is gone; status is its wait status, ru what it used. */
struct rusage;
void sentry_thread_exited(pid_t tid, int status, const struct rusage *ru);
/* A launcher (the init process's, or one entering later) handed over its listener (the
   sentry's copy). */
void sentry_listener_ready(int listener);
/* Signals (a mask, bit sig-1) are pending for tid, which it does not block, while the
   sentry waits on its behalf. Returns whether one of them ends the wait (the waiting
   handler is told); false for those the guest ignores. */
bool sentry_signals_pending(pid_t tid, uint64_t pending);

/* Back ends. */
extern const struct platform_ops unotify_platform_ops;
extern const struct platform_ops ptrace_platform_ops;

/* The tracer thread: attaches to the init process (host pid, waiting on go_fd for a byte)
   and then runs the control path until the last guest thread is gone. */
int tracer_start(struct platform *p, pid_t init_pid, int go_fd);
/* Attaches to a process entering the sandbox later (control "exec"), as to the init process;
   it gets a byte on go_fd (closed after). Any thread may call it; the tracer does it. */
void tracer_attach(pid_t pid, int go_fd);
/* Start receiving notifications on a guest listener (the init process's, and one per
   process entered later): a primary receiver thread, plus a standby one per CPU (see
   unotify_prepare_receivers) that receive while guest threads queue up; they end, closing
   it, once no process uses its filter. */
int unotify_start(struct platform *p, int listener);
/* Before the sentry confines itself: one thread pinned to each CPU the sentry may use (at
   most UNOTIFY_MAX_RECEIVERS), which creates that CPU's standby receivers. On one CPU,
   nothing (the primary receiver alone). */
#define UNOTIFY_MAX_RECEIVERS 4
int unotify_prepare_receivers(void);
/* Hand an event's answer to the tracer, which resumes the thread (any thread may call it). */
void tracer_complete(struct syscall_event *ev, long result);
