/* The syscalls the host runs for a guest once the sentry has decided: as the guest issued
   them (SYSCALL_CONTINUE) or rewritten by the sentry (SYSCALL_REWRITE, through the tracer).
   A decision never rests on guest memory the host reads again (another thread may change it
   in between), and where it rests on an fd number, the number cannot come to name another
   object the decision did not allow (see DESIGN.md, "What the host runs after the sentry
   decides"). syscall_finish refuses any other call a handler would let through. */
#define _GNU_SOURCE
#include "sentry/syscalls/syscalls.h"

#include <stdio.h>
#include <sys/syscall.h>

struct host_call {
	const char *condition;	/* when the handler lets the host run it */
	const char *why;	/* why that cannot do more than the sentry decided */
	bool rewritten;
};

#define FD_MODES "the mirror's description has the open's access mode (fd_place)"
#define OWN_STATE "acts on the caller's own address space, clocks, timers or signal state"

#define C(nr, cond, reason) [nr] = { cond, reason, false }
#define R(nr, cond, reason) [nr] = { cond, reason, true }

static const struct host_call host_calls[SYSCALL_TABLE_SIZE] = {
	/* data calls on mirrors */
	C(SYS_read, "fd mirrors a host object with a native data path (pipe, stdio, event fd, socket), or a blocking read of an empty inotify queue",
	  "access mode checked by the sentry and held by the description; memory is only data"),
	C(SYS_write, "as read", "as read"),
	C(SYS_pread64, "as read", "as read"),
	C(SYS_pwrite64, "as read", "as read"),
	C(SYS_readv, "as read", "as read"),
	C(SYS_writev, "as read", "as read"),
	C(SYS_preadv, "as read", "as read"),
	C(SYS_pwritev, "as read", "as read"),
	C(SYS_preadv2, "as read", "as read"),
	C(SYS_pwritev2, "as read", "as read"),
	C(SYS_sendto, "no address (register), on a connected unix socket's mirror (a host socketpair) "
		      "or an IP socket's",
	  "a pair the sentry made reaches only its peer; an IP socket only where the sentry's "
	  "connect (egress policy checked) pointed it; memory is only data"),
	C(SYS_recvfrom, "as sendto", "as sendto"),
	C(SYS_sendfile, "both fds may be copied by the host (native data path, or an offset given)",
	  FD_MODES "; the offsets in memory are data"),
	C(SYS_copy_file_range, "as sendfile", "as sendfile"),
	C(SYS_splice, "as sendfile", "as sendfile"),
	C(SYS_tee, "as sendfile", "as sendfile"),
	C(SYS_vmsplice, "fd mirrors an object with a native data path (a pipe)",
	  "the pipe's access mode is its description's; the iovecs are the caller's memory"),
	C(SYS_fadvise64, "fd is a host object", "advice only"),
	C(SYS_fallocate, "writable open of a memory or host file", FD_MODES),
	C(SYS_ftruncate, "writable open of a host file passed in", FD_MODES),
	C(SYS_fsync, "host object passed in", "no effect beyond the object"),
	C(SYS_fdatasync, "as fsync", "as fsync"),
	/* the fd table */
	C(SYS_close, "fd has a host mirror", "the number stays reserved until the thread's next syscall"),
	C(SYS_close_range, "a mirror in the range", "as close"),
	C(SYS_fcntl, "F_SETFD, F_GETFL/F_SETFL, F_GETSIG/F_SETSIG (objects shared as they "
		     "are), record locks, pipe sizes and seals of host objects",
	  FD_MODES ": the host checks a lock's type (struct flock) and F_ADD_SEALS against it"),
	C(SYS_ioctl, "FIOCLEX/FIONCLEX of a mirror, FIONREAD of a native object, TCGETS/TIOCGWINSZ of "
		     "a host terminal, TIOCSPTLCK/TIOCGPTLCK/TIOCPKT/TIOCGPKT/FIONREAD of a guest pty's master",
	  "register arguments; queries write only the caller's memory"),
	C(SYS_epoll_ctl, "both fds are host objects", "every host object in the guest's table is its own"),
	C(SYS_epoll_wait, "epfd is a host epoll", "as epoll_ctl"),
	C(SYS_epoll_pwait, "as epoll_wait", "as epoll_ctl"),
	C(SYS_epoll_pwait2, "as epoll_wait", "as epoll_ctl"),
	C(SYS_timerfd_settime, "fd is a host timerfd", "as epoll_ctl"),
	C(SYS_timerfd_gettime, "as timerfd_settime", "as epoll_ctl"),
	C(SYS_poll, "every fd of the set (read from memory) is a host object",
	  "whatever the memory says then, the host polls only objects of the guest's own table"),
	C(SYS_ppoll, "as poll", "as poll"),
	C(SYS_select, "as poll", "as poll"),
	C(SYS_pselect6, "as poll", "as poll"),
	/* memory */
	C(SYS_mmap, "anonymous, or a mirrored host object (exec needs a mount without noexec)",
	  FD_MODES ": a read-only open cannot be mapped shared and writable, nor a write-only one "
		   "at all; noexec is not a boundary (the data can be read and copied)"),
	C(SYS_brk, "always", OWN_STATE),
	C(SYS_munmap, "always", OWN_STATE),
	C(SYS_mprotect, "always", OWN_STATE "; shared mappings keep their description's mode"),
	C(SYS_madvise, "always", OWN_STATE),
	C(SYS_mremap, "always", OWN_STATE),
	C(SYS_msync, "always", OWN_STATE),
	C(SYS_mincore, "always", OWN_STATE),
	C(SYS_mlock, "within the guest's RLIMIT_MEMLOCK (or root)", OWN_STATE "; the host's own "
	  "limit for the guest's host identity applies too"),
	C(SYS_mlock2, "as mlock, known flags", "as mlock"),
	C(SYS_munlock, "always", OWN_STATE),
	C(SYS_mlockall, "known flags; a guest RLIMIT_MEMLOCK above 0 (or root)", "as mlock"),
	C(SYS_munlockall, "always", OWN_STATE),
	/* time and timers */
	C(SYS_clock_gettime, "a clock id that names no process (register)", OWN_STATE),
	C(SYS_clock_getres, "as clock_gettime", OWN_STATE),
	C(SYS_clock_nanosleep, "as clock_gettime", OWN_STATE),
	C(SYS_gettimeofday, "always", OWN_STATE),
	C(SYS_time, "always", OWN_STATE),
	C(SYS_nanosleep, "always", OWN_STATE),
	C(SYS_settimeofday, "always", "the host refuses guests (no capabilities)"),
	C(SYS_clock_settime, "always", "as settimeofday"),
	C(SYS_adjtimex, "always", "as settimeofday (reading is anyone's)"),
	C(SYS_clock_adjtime, "always", "as adjtimex"),
	C(SYS_timer_settime, "always", OWN_STATE),
	C(SYS_timer_gettime, "always", OWN_STATE),
	C(SYS_timer_getoverrun, "always", OWN_STATE),
	C(SYS_timer_delete, "always", OWN_STATE),
	C(SYS_alarm, "always", OWN_STATE),
	C(SYS_setitimer, "always", OWN_STATE),
	C(SYS_getitimer, "always", OWN_STATE),
	/* process and signals */
	C(SYS_exit, "always", OWN_STATE),
	C(SYS_exit_group, "always", OWN_STATE),
	C(SYS_arch_prctl, "ARCH_SET/GET_FS/GS, ARCH_GET/SET_CPUID (register)", OWN_STATE),
	C(SYS_set_robust_list, "length 24", OWN_STATE),
	C(SYS_rseq, "always", OWN_STATE),
	C(SYS_prctl, "PR_SET_VMA", OWN_STATE),
	C(SYS_personality, "always", OWN_STATE " (its execution domain, applied by the host at exec)"),
	C(SYS_futex, "not a priority-inheritance operation (register)",
	  OWN_STATE "; PI words would hold tids"),
	C(SYS_futex_waitv, "always", "as futex (no PI)"),
	C(SYS_getrusage, "RUSAGE_SELF, RUSAGE_THREAD", OWN_STATE),
	C(SYS_getrandom, "always", "no state"),
	C(SYS_sched_yield, "always", "no state"),
	C(SYS_getcpu, "always", "no state"),
	C(SYS_restart_syscall, "always", OWN_STATE),
	C(SYS_rt_sigaction, "a valid signal, not SIGKILL/SIGSTOP (register)",
	  OWN_STATE "; the sentry's record is read from the same memory, and only tells how the "
		    "caller's own signals behave"),
	C(SYS_rt_sigprocmask, "always", OWN_STATE),
	C(SYS_rt_sigsuspend, "always", OWN_STATE),
	C(SYS_rt_sigtimedwait, "no siginfo asked for", OWN_STATE),
	C(SYS_rt_sigpending, "always", OWN_STATE),
	C(SYS_sigaltstack, "always", OWN_STATE),
	C(SYS_pause, "always", OWN_STATE),
};

/* Rewritten calls: the host runs the sentry's registers (through the tracer). */
static const struct host_call host_rewrites[SYSCALL_TABLE_SIZE] = {
	R(SYS_execve, "always", "execveat(N, \"\", argv', envp, AT_EMPTY_PATH): N is the program "
				 "the sentry resolved, held against dup2 until the exec is over; "
				 "any string the path may become names nothing (N is no directory, "
				 "the host root is empty); argv is data the new program gets"),
	R(SYS_execveat, "always", "as execve"),
	R(SYS_clone, "no namespace flags", "a host clone with CLONE_PARENT; ids written by the sentry"),
	R(SYS_fork, "always", "as clone"),
	R(SYS_vfork, "always", "as clone"),
	R(SYS_set_tid_address, "always", "its answer is replaced by the virtual tid; the first after "
	  "an exec is a prctl(PR_SET_NAME) first, as prctl below"),
	R(SYS_clock_gettime, "a CPU clock of a thread of the caller's process or of a process",
	  "named by host id (register)"),
	R(SYS_clock_getres, "as clock_gettime", "as clock_gettime"),
	R(SYS_timer_create, "a sigevent or a CPU clock named by virtual id",
	  "host clock id (register); the sigevent, with a host tid, copied into the sentry's "
	  "read-only page of the process, which the guest cannot write, unmap or move"),
	R(SYS_sched_getaffinity, "the target exists", "target named by host tid (register)"),
	R(SYS_sched_setaffinity, "the caller may change the target", "as sched_getaffinity"),
	R(SYS_rt_sigqueueinfo, "the caller may signal the target",
	  "target named by host id (register); the host applies its own si_code rule to the same "
	  "pair of threads, whatever the siginfo in memory says"),
	R(SYS_rt_tgsigqueueinfo, "as rt_sigqueueinfo", "as rt_sigqueueinfo"),
	R(SYS_rt_sigtimedwait, "a siginfo asked for", OWN_STATE "; run as issued, the siginfo it "
	  "wrote made the guest's at the syscall-exit stop"),
	R(SYS_read, "a signalfd's, of one record's size (the guest's filter sends those to the tracer)",
	  OWN_STATE "; run as issued, the records it wrote made the guest's at the syscall-exit stop"),
	R(SYS_fcntl, "F_GETLK, F_OFD_GETLK of a host object", "run as issued (as the record "
	  "locks above); the holder's host pid in l_pid made the guest's at the syscall-exit stop"),
	R(SYS_prctl, "PR_SET_NAME (register)", "the name is the sentry's copy in the sentry's page; "
	  "own state"),
	R(SYS_shmat, "the caller may attach the segment",
	  "three steps, each back to shmat at its exit: a marker installs the segment's memfd "
	  "(a description with the attach's access mode) at a free number, mmap of that number, "
	  "close of it; registers only"),
	R(SYS_shmdt, "an attachment starts at the address", "munmap of the attachment (registers)"),
};

bool guest_host_call_allowed(int nr, bool rewritten)
{
	if (nr < 0 || nr >= SYSCALL_TABLE_SIZE)
		return false;
	return (rewritten ? host_rewrites : host_calls)[nr].condition != NULL;
}

static void print_table(FILE *out, const struct host_call *table, const char *how)
{
	for (int nr = 0; nr < SYSCALL_TABLE_SIZE; nr++) {
		char buf[32];
		if (table[nr].condition)
			fprintf(out, "%s\t%s\t%s\t%s\n", syscall_name(nr, buf, sizeof(buf)), how,
				table[nr].condition, table[nr].why);
	}
}

int guest_host_calls_print(FILE *out)
{
	fprintf(out, "# syscalls the host runs for a guest after the sentry decides\n"
		     "# name\thow\tcondition\twhy it does no more than the sentry decided\n");
	print_table(out, host_calls, "as-issued");
	print_table(out, host_rewrites, "rewritten");
	return 0;
}
