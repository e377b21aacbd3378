/* The sentry's global kernel state.

   Locking: one kernel lock (kernel.lock) protects all kernel state. Syscall handlers run with
   it held; a handler that must wait (wait4, ...) waits on a condition variable, which releases
   it, and slow work (a copy-up's copy) runs between kernel_slow_begin and kernel_slow_end.
   Platform threads (tracer, notification receivers, several at once) take it only through
   the sentry_* entry points, and answer a syscall after releasing it unless the answer
   installs fds. Nothing waits on a platform thread while holding the lock. Locks taken
   under it: the gofer client's, the tracer's queues, a listener's receiver count. */
#ifndef RUNSCC_SENTRY_KERNEL_H
#define RUNSCC_SENTRY_KERNEL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <stdio.h>
#include <time.h>

#include "fsgofer/client.h"
#include "platform/platform.h"
#include "sentry/guest_process.h"

struct task;
struct mount;

/* A mount of the container's, as the sentry makes it (sandbox/mounts.c reads them). */
struct boot_mount {
	char *destination;		/* absolute path in the guest */
	char *type;			/* "bind", "tmpfs", "proc", "sysfs", ... */
	uint32_t gofer_root;		/* bind: the gofer root that serves the source */
	bool readonly;
	uint64_t size;			/* tmpfs: bytes; 0: no limit */
	uint32_t mode;			/* tmpfs: the root's permissions; 0: 01777 */
};

/* A file written into the root's upper layer at boot (sandbox.h's struct sandbox_file). */
struct boot_file {
	char *path;
	char *content;
};

/* What `runsc-c boot` was asked to run. */
struct boot_config {
	enum platform_kind platform;
	bool strace;
	int gofer_fd;			/* protocol socket to the gofer */
	pid_t gofer_pid;		/* its host pid, for `runsc-c debug memory` (0: unknown) */
	const char *hostname;
	const char *uname_release;	/* NULL: the default (SANDBOX_UNAME_RELEASE) */
	struct guest_process init;	/* the first process (argv[0] looked up in its PATH) */
	uint32_t pids_max;		/* 0: no limit */
	struct boot_mount *mounts;	/* in mount order */
	size_t nmounts;
	bool root_readonly;
	uint64_t overlay_size;		/* the root's upper layer's size limit; 0: the default */
	bool root_direct;		/* --overlay=none: no upper layer, writes reach the gofer */
	char **masked_paths;		/* NULL-terminated or NULL */
	char **readonly_paths;		/* NULL-terminated or NULL */
	struct boot_file *files;	/* written into the upper layer after the mounts */
	size_t nfiles;
	/* OCI create (sandbox_create): a listening socket to serve control requests on
	   (sentry/control.h), a pipe to say "ready" on, and whether init waits for "start";
	   -1 / false under `runsc-c do`. */
	int control_fd;
	int ready_fd;
	bool wait_for_start;
	char *egress;			/* egress policy text (common/egress.h); NULL: none */
	bool netns_own;			/* the network namespace is not the CLI's caller's */
	/* OCI create --preserve-fds: init's fds 3..3+N-1 are ours at preserved_at.. */
	int preserved_fds;
	int preserved_at;
};

/* What uname(2), /proc/version and /proc/sys/kernel/{osrelease,version} report. */
#define SANDBOX_UNAME_RELEASE "6.1.0-runsc-c"
#define SANDBOX_UNAME_VERSION "#1 SMP runsc-c"

struct kernel {
	pthread_mutex_t lock;
	/* Broadcast whenever a thread or process changes state (exit, stop, continue) or a
	   signal is delivered: waiters recheck what they wait for. */
	pthread_cond_t task_event;
	struct platform platform;
	struct gofer_client gofer;
	pid_t gofer_pid;
	bool strace;
	struct utsname uts;		/* what uname(2) reports */
	struct timespec boot_time;	/* CLOCK_MONOTONIC at boot */
	uint32_t pids_max;
	uint32_t ntasks;		/* live guest threads */
	uint32_t nzombies;		/* exited processes not reaped yet: they keep their pid */
	uint32_t clones_pending;	/* decided clones the host has not made yet */
	struct mount *root_mount;
	bool init_exited;
	int init_status;		/* wait status of pid 1 */
	/* Control requests being answered, and exit codes owed to control "exec" connections:
	   the sentry ends once they are out. */
	uint32_t control_pending;
	uid_t host_uid;			/* the unprivileged host identity of guest processes */
	gid_t host_gid;
	int placeholder_fd;		/* inert host fd that takes a dropped mirror's slot */
};

extern struct kernel kernel;

/* The guest thread whose syscall this sentry thread is handling, and that syscall. */
extern __thread struct task *current;
extern __thread struct syscall_event *current_event;

/* Has the guest thread stopped waiting for the syscall being served (killed, say by the OOM
   killer)? Long copies into guest memory stop there: each page written to a dying process
   is charged to its memory cgroup again, and a second OOM kill takes another guest. */
static inline bool current_syscall_abandoned(void)
{
	return current_event && !current_event->ops->event_valid(current_event);
}

static inline void kernel_lock(void)
{
	pthread_mutex_lock(&kernel.lock);
}

static inline void kernel_unlock(void)
{
	pthread_mutex_unlock(&kernel.lock);
}

/* Slow work without the kernel lock (copying a file up), on the thread serving a syscall:
   kernel_slow_begin releases the lock (the platform keeps another thread receiving the
   listener's syscalls meanwhile), kernel_slow_end takes it back and returns -EINTR when the
   guest thread died meanwhile (its task is kept, but its files and the rest are gone: the
   handler must only return), else 0. Whoever uses an object meanwhile keeps it alive and
   marks it busy; others that need it wait with kernel_wait_slow (the same, around a wait
   for kernel.task_event, which the busy one broadcasts when done). */
void kernel_slow_begin(void);
int kernel_slow_end(void);
int kernel_wait_slow(void);

/* Runs the sandbox to completion: returns the exit code for the host (the guest init's exit
   status, or 128 + signal). */
int sentry_boot(struct boot_config *cfg);

/* Prints a backtrace if the sentry crashes (the alternate stack serves the calling thread;
   other threads crash on their own stack, which is fine for everything but overflows). */
void crash_handler_install(void);

/* The sentry's own seccomp allow-list. */
int sentry_confine(void);
#ifdef RUNSCC_FAULT_INJECTION
/* Starts failing allocations as RUNSCC_DEBUG_MALLOC_FAIL asks (sentry/fault_inject.c). */
void sentry_fault_injection_start(void);
#endif
int sentry_print_syscalls(FILE *out);

/* Guest-visible identity of a host object: sentry-made devices get minor numbers here. */

#endif
