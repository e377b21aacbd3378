/* The syscall table: number -> name, handler and how --strace shows the arguments. One
   file per family implements the handlers declared here. */
#ifndef RUNSCC_SENTRY_SYSCALLS_H
#define RUNSCC_SENTRY_SYSCALLS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "platform/platform.h"

struct task;
struct inode;

typedef long (*syscall_handler)(struct task *t, struct syscall_event *ev);

/* How strace prints an argument. */
enum strace_arg {
	A_NONE,
	A_INT,		/* int (32-bit), signed decimal */
	A_LONG,		/* 64-bit signed decimal (offsets) */
	A_UINT,		/* unsigned decimal */
	A_HEX,
	A_PTR,		/* address or NULL */
	A_FD,
	A_DIRFD,	/* AT_FDCWD shown by name */
	A_PATH,		/* NUL-terminated string in guest memory */
	A_INBUF,	/* bytes from guest memory, length in the next argument */
	A_OFLAGS,	/* open(2) flags */
	A_MODE,		/* octal */
	A_SIGNAL,
	A_CLONE,	/* clone flags */
	A_STRV,		/* argv/envp style array */
	A_ATFLAGS,
	A_PROT,
	A_MAPFLAGS,
};

struct syscall_def {
	const char *name;
	syscall_handler handler;
	uint8_t nargs;
	uint8_t arg[6];
};

#define SYSCALL_TABLE_SIZE 512

/* The definition of nr, or NULL if the sentry does not implement it. */
const struct syscall_def *syscall_lookup(int nr);
/* The name of any x86-64 syscall number ("syscall_N" if unknown). */
const char *syscall_name(int nr, char *buf, size_t size);

/* Prints one traced syscall ("[pid N] name(args) = result") to the log. */
void strace_print(struct task *t, const struct syscall_event *ev, const struct syscall_def *def,
		  long result);

/* Answers ev through its platform; -ENOENT if the guest no longer waits for it. A handler
   that must not commit an effect the guest never learns of (reaping a child) answers itself
   and returns SYSCALL_ANSWERED. */
int syscall_answer(struct syscall_event *ev, long result);

/* For handlers that wait (ev->may_block): has the guest thread stopped waiting for this
   answer (a signal came)? The ptrace back end keeps threads stopped, so a signal the sentry
   itself sent (t->interrupts moved past `seen`) is what interrupts there. */
bool syscall_interrupted(struct task *t, struct syscall_event *ev, unsigned seen);
/* Waits for a task event (exit, stop, signal) with the kernel lock held; bounded so that a
   missed wake-up only delays. */
void syscall_wait_event(void);
/* What an interrupted wait answers, as Linux does: restart after the handler (SA_RESTART, or
   a signal without handler such as a stop) or EINTR. restartable is false for calls Linux
   never restarts after a handler (poll, select: -ERESTARTNOHAND). */
long syscall_interrupted_result(struct task *t, bool restartable);

/* A wait in the sentry for a condition the kernel lock guards (a child's exit, a lock's
   release): calls attempt until it answers anything but SYSCALL_NOT_YET, waking on task
   events. The first call comes on the receiving thread: if the answer is not there yet, the
   handler goes on a thread of its own (SYSCALL_BLOCK) and starts again. A signal ends the
   wait as for a syscall Linux restarts after SA_RESTART handlers. */
#define SYSCALL_NOT_YET ((long)0x7ffffffffffff0f0)
typedef long (*syscall_attempt_fn)(struct task *t, struct syscall_event *ev, void *arg);
/* The task's wake-up eventfd (made on first use): a handler that waits in a host poll adds it,
   so that a signal ending the wait (sentry_signals_pending writes it) ends the poll at once;
   syscall_wake_drain empties it. -1 if none can be made: the wait notices at its next slice. */
int syscall_wake_fd(struct task *t);
void syscall_wake_drain(struct task *t);
long syscall_wait_until(struct task *t, struct syscall_event *ev, syscall_attempt_fn attempt, void *arg);
/* Breaks the leases on inode that an open with these flags conflicts with, waiting until
   their holders give way or the break time runs out (an open, truncate(2)). */
long lease_break_wait(struct task *t, struct syscall_event *ev, struct inode *inode, int flags);

/* The host runs the call as issued, through the tracer; at its syscall-exit stop at_exit
   gives the guest's result (the host's answer in memory at addr names host ids). */
long syscall_host_then(struct task *t, struct syscall_event *ev,
		       long (*at_exit)(struct task *t, long host_result), uint64_t addr);

/* A CPU-time clock id (clock_getcpuclockid) of host id pid, flags its low 3 bits (which
   clock, and CPUCLOCK_PERTHREAD). */
static inline clockid_t cpu_clock_id(pid_t pid, unsigned flags)
{
	return (clockid_t)((~(unsigned)pid << 3) | (flags & 7));
}

/* Is nr on the list of calls the host may run for a guest after the sentry decides, as
   issued (SYSCALL_CONTINUE) or rewritten (SYSCALL_REWRITE)? host_calls.c keeps the list with
   the condition and the reason for each; guest_host_calls_print prints it. */
bool guest_host_call_allowed(int nr, bool rewritten);
int guest_host_calls_print(FILE *out);

/* Rewrites the call into the host's prctl(PR_SET_NAME) of the process's name (sys_process.c). */
long host_comm_rewrite(struct task *t, struct syscall_event *ev);

/* A read of f, if f is a signalfd (sys_event.c): the host reads, the sentry makes the
   records the guest's (through the tracer: reads of one record's size go there); else
   SYSCALL_CONTINUE. */
struct file;
long signalfd_read(struct task *t, struct syscall_event *ev, struct file *f);

#define SYSCALL(name) long sys_##name(struct task *t, struct syscall_event *ev)

/* Syscalls whose decision rests on register arguments alone and which act only on the
   caller's own state (its memory map, its clocks, its signal mask): the host runs them. */
SYSCALL(native);

/* file */
SYSCALL(read); SYSCALL(write); SYSCALL(pread64); SYSCALL(pwrite64); SYSCALL(readv);
SYSCALL(writev); SYSCALL(preadv); SYSCALL(pwritev); SYSCALL(preadv2); SYSCALL(pwritev2);
SYSCALL(lseek); SYSCALL(open); SYSCALL(openat); SYSCALL(creat); SYSCALL(close);
SYSCALL(close_range);
SYSCALL(fstat); SYSCALL(stat); SYSCALL(lstat); SYSCALL(newfstatat); SYSCALL(statx);
SYSCALL(inotify_init); SYSCALL(inotify_init1); SYSCALL(inotify_add_watch); SYSCALL(inotify_rm_watch);
SYSCALL(getdents64); SYSCALL(getdents); SYSCALL(readlink); SYSCALL(readlinkat);
SYSCALL(access); SYSCALL(faccessat); SYSCALL(faccessat2); SYSCALL(fcntl); SYSCALL(flock);
SYSCALL(ioctl);
SYSCALL(dup); SYSCALL(dup2); SYSCALL(dup3); SYSCALL(getcwd); SYSCALL(chdir); SYSCALL(fchdir);
SYSCALL(umask); SYSCALL(statfs); SYSCALL(fstatfs); SYSCALL(fadvise64); SYSCALL(sendfile);
SYSCALL(copy_file_range);
SYSCALL(chroot); SYSCALL(openat2);
/* file: changing names and attributes (sys_namei.c) */
SYSCALL(mkdir); SYSCALL(mkdirat); SYSCALL(mknod); SYSCALL(mknodat); SYSCALL(rmdir);
SYSCALL(unlink); SYSCALL(unlinkat); SYSCALL(rename); SYSCALL(renameat); SYSCALL(renameat2);
SYSCALL(link); SYSCALL(linkat); SYSCALL(symlink); SYSCALL(symlinkat); SYSCALL(chmod);
SYSCALL(fchmod); SYSCALL(fchmodat); SYSCALL(fchmodat2); SYSCALL(chown); SYSCALL(fchown);
SYSCALL(lchown); SYSCALL(fchownat); SYSCALL(utimensat); SYSCALL(utimes); SYSCALL(utime);
SYSCALL(futimesat); SYSCALL(truncate); SYSCALL(ftruncate); SYSCALL(fallocate);
SYSCALL(fsync); SYSCALL(fdatasync); SYSCALL(syncfs); SYSCALL(sync);
/* identity */
SYSCALL(getpid); SYSCALL(getppid); SYSCALL(gettid); SYSCALL(getuid); SYSCALL(geteuid);
SYSCALL(getgid); SYSCALL(getegid); SYSCALL(getresuid); SYSCALL(getresgid);
SYSCALL(getgroups); SYSCALL(uname); SYSCALL(sethostname); SYSCALL(setdomainname);
SYSCALL(sysinfo); SYSCALL(getpgid); SYSCALL(getpgrp); SYSCALL(getsid);
/* memory */
SYSCALL(mmap); SYSCALL(munmap); SYSCALL(mprotect); SYSCALL(madvise); SYSCALL(mremap);
/* process */
SYSCALL(arch_prctl); SYSCALL(set_tid_address); SYSCALL(set_robust_list); SYSCALL(prlimit64);
SYSCALL(getrlimit); SYSCALL(setrlimit); SYSCALL(prctl);
SYSCALL(execve); SYSCALL(execveat); SYSCALL(clone); SYSCALL(clone3); SYSCALL(fork);
SYSCALL(vfork); SYSCALL(wait4); SYSCALL(waitid); SYSCALL(setpgid); SYSCALL(setsid);
SYSCALL(getrusage); SYSCALL(times); SYSCALL(futex); SYSCALL(get_robust_list); SYSCALL(seccomp);
/* sockets */
SYSCALL(socket); SYSCALL(socketpair); SYSCALL(bind); SYSCALL(listen); SYSCALL(connect);
SYSCALL(accept); SYSCALL(accept4); SYSCALL(getsockname); SYSCALL(getpeername);
SYSCALL(shutdown); SYSCALL(sendto); SYSCALL(recvfrom); SYSCALL(sendmsg); SYSCALL(sendmmsg); SYSCALL(recvmsg); SYSCALL(recvmmsg);
SYSCALL(getsockopt); SYSCALL(setsockopt);
/* time */
SYSCALL(clock_gettime); SYSCALL(clock_getres); SYSCALL(clock_nanosleep); SYSCALL(timer_create);
/* scheduling */
SYSCALL(getpriority); SYSCALL(setpriority); SYSCALL(sched_getscheduler); SYSCALL(sched_setscheduler);
SYSCALL(sched_getparam); SYSCALL(sched_setparam); SYSCALL(sched_get_priority_max);
SYSCALL(sched_get_priority_min); SYSCALL(sched_rr_get_interval); SYSCALL(sched_getaffinity);
SYSCALL(sched_setaffinity); SYSCALL(ioprio_get); SYSCALL(ioprio_set); SYSCALL(sched_getattr);
SYSCALL(sched_setattr);
/* signal */
SYSCALL(rt_sigaction); SYSCALL(kill); SYSCALL(tgkill); SYSCALL(tkill); SYSCALL(rt_sigqueueinfo);
SYSCALL(rt_tgsigqueueinfo); SYSCALL(rt_sigtimedwait);
/* memory locks (sys_mlock.c) */
SYSCALL(mlock); SYSCALL(mlock2); SYSCALL(mlockall);
/* credentials */
SYSCALL(setuid); SYSCALL(setgid); SYSCALL(setreuid); SYSCALL(setregid); SYSCALL(setresuid);
SYSCALL(setresgid); SYSCALL(setfsuid); SYSCALL(setfsgid); SYSCALL(setgroups); SYSCALL(capget);
SYSCALL(capset);
/* prctl's capability options (PR_CAPBSET_*, PR_CAP_AMBIENT, PR_*_KEEPCAPS, PR_*_SECUREBITS). */
long prctl_capabilities(struct task *t, struct syscall_event *ev);
/* xattr */
SYSCALL(getxattr); SYSCALL(lgetxattr); SYSCALL(fgetxattr); SYSCALL(listxattr);
SYSCALL(llistxattr); SYSCALL(flistxattr); SYSCALL(setxattr); SYSCALL(lsetxattr);
SYSCALL(fsetxattr); SYSCALL(removexattr); SYSCALL(lremovexattr); SYSCALL(fremovexattr);
/* System V IPC (sys_shm.c, sys_sem.c, sys_msg.c) */
SYSCALL(shmget); SYSCALL(shmat); SYSCALL(shmdt); SYSCALL(shmctl); SYSCALL(semget);
SYSCALL(semop); SYSCALL(semtimedop); SYSCALL(semctl); SYSCALL(msgget); SYSCALL(msgsnd);
SYSCALL(msgrcv); SYSCALL(msgctl);
/* POSIX message queues (sys_mq.c) */
SYSCALL(mq_open); SYSCALL(mq_unlink); SYSCALL(mq_timedsend); SYSCALL(mq_timedreceive);
SYSCALL(mq_notify); SYSCALL(mq_getsetattr);
/* pidfds (sys_pidfd.c; pidfd_send_signal in sys_signal.c), other processes' memory and
   objects (sys_crossproc.c) */
SYSCALL(pidfd_open); SYSCALL(pidfd_getfd); SYSCALL(pidfd_send_signal);
SYSCALL(process_vm_readv); SYSCALL(process_vm_writev); SYSCALL(kcmp);
/* pipe */
SYSCALL(pipe); SYSCALL(pipe2);
/* poll and event fds */
SYSCALL(poll); SYSCALL(ppoll); SYSCALL(select); SYSCALL(pselect6); SYSCALL(epoll_create);
SYSCALL(epoll_create1); SYSCALL(epoll_ctl); SYSCALL(epoll_wait); SYSCALL(eventfd);
SYSCALL(eventfd2); SYSCALL(timerfd_create); SYSCALL(timerfd_settime); SYSCALL(signalfd);
SYSCALL(signalfd4); SYSCALL(memfd_create);
/* splice family (sys_rw.c) */
SYSCALL(splice); SYSCALL(tee); SYSCALL(vmsplice);

#endif
