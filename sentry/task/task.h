/* Guest tasks: threads (struct task) grouped into processes (struct thread_group), with the
   virtual pid namespace the guest sees. Host tids never reach the guest. */
#ifndef RUNSCC_SENTRY_TASK_H
#define RUNSCC_SENTRY_TASK_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>
#include "common/hash.h"
#include <linux/capability.h>

#include "sentry/vfs/vfs.h"

#define TASK_COMM_LEN 16
#define TASK_NGROUPS_MAX 64
#define TASK_NSIG 65
/* Linux's default: anonymous private and shared memory, ELF headers, private huge pages. */
#define PROC_DEFAULT_COREDUMP_FILTER 0x33

struct fd_table;
struct sent_signal;
struct syscall_event;
struct ipc_process;

struct creds {
	uid_t ruid, euid, suid, fsuid;
	gid_t rgid, egid, sgid, fsgid;
	int ngroups;
	gid_t groups[TASK_NGROUPS_MAX];
	/* Capability sets (bit CAP_X) and SECBIT_* flags, with Linux's rules (caps.c). */
	uint64_t cap_effective, cap_permitted, cap_inheritable, cap_bounding, cap_ambient;
	unsigned securebits;
};

/* Root, working directory and umask: shared between tasks cloned with CLONE_FS. */
struct fs_context {
	int refs;
	struct path root;
	struct path cwd;
	mode_t umask;
};

/* The sentry's record of a signal disposition (the host holds the real one). */
struct sigaction_record {
	uint64_t handler;
	uint64_t flags;
	uint64_t mask;
};

/* Signal dispositions: shared between tasks cloned with CLONE_SIGHAND. */
struct sighand {
	int refs;
	struct sigaction_record action[TASK_NSIG];
};

struct thread_group {
	pid_t tgid;
	pid_t host_pid;			/* host pid of the leader */
	int pidfd;			/* host pidfd of the leader, opened before it can be reaped (-1: none) */
	struct task *leader;
	struct task *threads;		/* utlist, linked by task.group_next */
	int nthreads;
	struct thread_group *parent;
	struct thread_group *children;	/* utlist, linked by sibling_next/prev */
	struct thread_group *sibling_next, *sibling_prev;
	pid_t pgid, sid;
	struct creds creds;
	struct rlimit rlimits[RLIM_NLIMITS];
	char comm[TASK_COMM_LEN];
	bool host_comm_stale;		/* the host's name is the exec'd file's (see set_tid_address) */
	bool host_comm_unsynced;	/* no sentry's page could be made: the host's name stays */
	char *exe_path;			/* guest path of the running executable */
	char *cmdline;			/* argv, each NUL-terminated */
	size_t cmdline_len;
	char *environ;			/* envp at exec, each NUL-terminated */
	size_t environ_len;
	uint64_t start_ns;		/* creation, in ns since the sandbox booted */
	bool exited;			/* all threads gone; a zombie until reaped */
	int exit_status;		/* wait status */
	int exit_signal;		/* sent to the parent at exit (clone's CSIGNAL; SIGCHLD) */
	bool did_exec;			/* setpgid by the parent is refused after an exec */
	bool killed;			/* SIGKILL sent: threads it is creating die with it */
	bool child_subreaper;		/* PR_SET_CHILD_SUBREAPER: adopts orphaned descendants */
	bool nondumpable;		/* PR_SET_DUMPABLE 0, until the next exec */
	/* /proc/PID/oom_score_adj (recorded: the host's OOM killer keeps its own view of the
	   process) and the lowest value a writer without CAP_SYS_RESOURCE may set; inherited. */
	int oom_score_adj, oom_score_adj_min;
	unsigned coredump_filter;	/* /proc/PID/coredump_filter, inherited (cores are the host's) */
	pid_t parent_tid;		/* the parent's thread that made it (its exit is the
					   parent's death for PR_SET_PDEATHSIG); 0: none */
	bool exit_watched;		/* entered by control "exec": a zombie until its exit code
					   is sent (a parentless one is reaped at exit otherwise) */
	uint64_t sentry_page;		/* the sentry's read-only page here (sentry_page.c), or 0 */
	uint64_t sentry_page_slots;	/* its slots in use, one bit each */
	struct ipc_process *ipc;	/* shm attachments, semaphore undos (sentry/ipc), or NULL */
	/* Job control as the parent's wait sees it. */
	bool stopped;
	int stop_signal;
	bool stop_reported;
	bool continued;			/* resumed by SIGCONT, not yet reported */
	int stop_as;			/* the job-control signal a SIGSTOP stands for (0: none) */
	struct rusage rusage;		/* the group's own use, once exited */
	struct rusage children_rusage;	/* reaped children's, for RUSAGE_CHILDREN */
	struct sent_signal *sent_signals;	/* what the sentry sent, until delivered (siginfo.c) */
	/* One for the kernel table, until reaped, and one per task struct naming it: a handler
	   still running for a dead thread reads its group after the parent reaped it. */
	int refs;
	UT_hash_handle hh;		/* kernel table by tgid */
};

/* What a task becomes if its exec, already decided by the sentry, succeeds on the host. */
struct exec_pending {
	char *exe_path;
	char comm[TASK_COMM_LEN];
	char *cmdline;
	size_t cmdline_len;
	char *environ;
	size_t environ_len;
};

/* A clone the sentry has decided, until the host has made the thread. */
struct clone_pending {
	bool active;
	bool counted;			/* still in kernel.clones_pending */
	unsigned long flags;
	uint64_t parent_tid_addr;
	uint64_t child_tid_addr;
	pid_t child_tid;		/* the new thread's tid, for the parent's return value */
};

/* A thread's nice value, scheduling policy and I/O priority, as the guest sets and reads
   them. The host schedules every guest thread as SCHED_OTHER, nice 0, with no I/O priority:
   the guest's settings are a record. */
struct sched_settings {
	int nice;			/* -20..19 */
	int policy;			/* SCHED_OTHER, _FIFO, _RR, _BATCH or _IDLE */
	int rt_priority;		/* 1..99 for SCHED_FIFO and SCHED_RR, else 0 */
	bool reset_on_fork;		/* SCHED_RESET_ON_FORK */
	int ioprio;			/* ioprio_set's class and level (0: none set) */
};

struct task {
	int refs;			/* the task tables, and handlers waiting on its behalf */
	bool dead;			/* its host thread is gone */
	pid_t tid;
	pid_t host_tid;
	struct thread_group *tg;
	struct fd_table *files;
	struct fs_context *fs;
	struct sighand *sighand;
	uint64_t clear_child_tid;
	uint64_t robust_list;		/* set_robust_list's head (the host has it too) */
	struct sched_settings sched;
	int pdeath_signal;		/* PR_SET_PDEATHSIG; cleared in a new thread */
	uint64_t timer_slack_ns;	/* PR_SET_TIMERSLACK's record */
	uint64_t default_timer_slack_ns;	/* what 0 restores: the creator's at clone */
	bool no_new_privs;		/* PR_SET_NO_NEW_PRIVS: inherited, kept across exec */
	/* fd numbers [closing_lo, closing_hi] a host call of this task names (its mirrors it
	   closes natively, the program of its exec): reserved until the task's next syscall
	   proves the call happened (empty: lo > hi). */
	int closing_lo, closing_hi;
	struct exec_pending *exec;
	struct clone_pending clone;
	/* A syscall the host runs whose result the guest sees replaced at its syscall-exit stop
	   (set_tid_address: the host's answer is the host tid). */
	bool exit_value_set;
	long exit_value;
	/* Else, what the syscall-exit stop of a rewritten call does: the guest's result from
	   the host's, or SYSCALL_RESTART to run the original call again (sentry_page.c). */
	long (*syscall_exit)(struct task *t, long host_result);
	uint64_t syscall_exit_addr;	/* guest memory syscall_exit reads (syscall_host_then) */
	int sentry_page_slot;		/* the slot of the call in flight */
	unsigned interrupts;		/* signals that ended (or must end) a wait in the sentry */
	int wake_fd;			/* eventfd a waiting handler polls (0: none yet) */
	uint64_t pending_signals;	/* deliverable ones seen while waiting (bit sig-1) */
	struct task *group_next;
	UT_hash_handle hh_host;		/* kernel task table by host tid */
	UT_hash_handle hh_tid;		/* kernel task table by virtual tid */
};

/* Lookups (kernel lock held). */
struct task *task_by_host_tid(pid_t host_tid);
struct task *task_by_tid(pid_t tid);
struct thread_group *thread_group_by_pid(pid_t pid);
/* All processes, zombies included, in no particular order. */
struct thread_group *thread_group_first(void);
struct thread_group *thread_group_next(struct thread_group *tg);
/* The pids of live processes, ascending (malloc'd; *n entries). */
pid_t *thread_group_live_pids(int *n);
/* The pid handed out last (/proc/loadavg; /proc/stat's count of forks). */
pid_t task_last_pid(void);

/* Creates a process with no parent in the sandbox for host process host_pid, with the given
   credentials and root, leading a session of its own: the first one is pid 1; later ones
   enter from outside (control "exec", like setns + exec: parent pid 0). */
int task_create_process(pid_t host_pid, uid_t uid, gid_t gid, const struct path *root,
			struct task **out);
/* The clone pending on t no longer counts towards the pids limit (made, failed or moot). */
void task_clone_settle(struct task *t);
/* Adopts host thread host_tid as the child the clone pending on parent asked for. */
int task_clone(struct task *parent, pid_t host_tid, struct task **out);
/* Sends sig to every guest thread (the sandbox is going away). */
void task_signal_all(int sig);
/* Removes a thread whose host thread is gone; the group becomes a zombie when empty, its
   parent is told (exit signal, waiters woken) and its children go to init. */
void task_exit(struct task *t, int wait_status, const struct rusage *ru);
/* Frees a zombie its parent has waited for (folding its use into the parent's). */
void thread_group_reap(struct thread_group *tg);
/* Sends sig to a thread group, or to one thread of it (tid != 0), through the host, as
   from outside the sandbox (si_pid 0); signal_send (siginfo.h) names a sender. */
int thread_group_signal(struct thread_group *tg, struct task *thread, int sig);
/* A signal Linux sends a thread for what it did itself (SIGPIPE): SI_USER from its process. */
int signal_self(struct task *t, int sig);
/* The parent's view of a stop or a continue of tg changed: SIGCHLD and waiters. */
void thread_group_stop_changed(struct thread_group *tg);

/* Gives t new ids (a non-leader thread that exec'd becomes the leader). */
void task_rekey(struct task *t, pid_t host_tid, pid_t tid);

struct task *task_get(struct task *t);
void task_put(struct task *t);

void exec_pending_free(struct exec_pending *e);
/* The host completed t's exec: adopt what was pending (closes, resets, names). */
void task_exec_complete(struct task *t);

/* Holds fd numbers [lo, hi] while the host closes this task's mirrors natively. */
void task_reserve_closing(struct task *t, int lo, int hi);
/* Releases fd numbers reserved by natively executed closes. */
void task_settle_closes(struct task *t);
/* Are the sandbox's pids (live threads, zombies, clones under way) at --pids-max? */
bool task_pids_exhausted(void);

/* The thread that stands for the process: the leader, or any thread once it has exited. */
static inline struct task *thread_group_any(struct thread_group *tg)
{
	return tg->leader ? tg->leader : tg->threads;
}

static inline struct creds *task_creds(struct task *t)
{
	return &t->tg->creds;
}

/* Capabilities (caps.c). The highest one the sandbox knows (CAP_CHECKPOINT_RESTORE). */
#define CAPS_LAST 40
#define CAPS_ALL ((UINT64_C(1) << (CAPS_LAST + 1)) - 1)

/* Does c hold capability cap in its effective set? What every check of Linux's capable()
   asks in the sentry (the sandbox has one user namespace). */
bool creds_capable(const struct creds *c, int cap);
bool task_capable(struct task *t, int cap);
/* After a set*uid call changed c from old: Linux's capability fixups (cap_task_fix_setuid),
   unless SECBIT_NO_SETUID_FIXUP; fs_only for setfsuid. */
void creds_fix_setuid(struct creds *c, const struct creds *old, bool fs_only);
/* At execve (no set-id bits or file capabilities are honoured): the new sets, as Linux
   computes them for a file without capabilities (root gets its bounding set unless
   SECBIT_NOROOT); saved and fs ids follow the effective ones. */
void creds_exec(struct creds *c);

bool creds_in_group(const struct creds *c, gid_t gid);
/* Linux's ptrace_may_access with PTRACE_MODE_REALCREDS (process_vm_*, kcmp, pidfd_getfd):
   its own process, or the same real ids as all of target's and target dumpable, or
   CAP_SYS_PTRACE. */
bool ptrace_may_access(struct task *t, struct thread_group *target);

void fs_context_put(struct fs_context *fs);
void sighand_put(struct sighand *sh);

#endif
