/* What both back ends share: names, the guest's seccomp filter, the documented list of
   syscalls the host runs without asking. */
#define _GNU_SOURCE
#include "platform/platform.h"
#include "common/confine.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>

/* uretprobe and uprobe (x86-64 numbers): no seccomp filter sees them on recent kernels. */
#define NR_URETPROBE 335
#define NR_UPROBE 336

/* The syscalls the host executes for a guest without the sentry deciding:
   - rt_sigreturn: returning from a signal handler, whose frame the host itself built;
   - uretprobe and uprobe: recent kernels (seen on 6.18) run them past every seccomp filter,
     so no filter can trap them. They serve uprobe trampolines, which only the host's root
     can set up; called from anywhere else they kill the caller with SIGILL. Listed (and
     allowed) so that the list stays true. */
const int platform_guest_native_syscalls[] = { SYS_rt_sigreturn, NR_URETPROBE, NR_UPROBE };
const int platform_guest_native_count =
	sizeof(platform_guest_native_syscalls) / sizeof(platform_guest_native_syscalls[0]);

/* These stop in the tracer under every back end: they change registers (exec), create host
   threads the sentry must adopt (clone), may wait in the sentry, where only a stopped
   thread can be watched for signals (wait4, waitid, poll, select, flock, and the socket
   calls the sentry does itself), or run on the
   host with an argument or result translated between virtual and host ids. */
static const int via_tracer_syscalls[] = {
	SYS_execve, SYS_execveat, SYS_clone, SYS_clone3, SYS_fork, SYS_vfork,
	SYS_wait4, SYS_waitid, SYS_poll, SYS_ppoll, SYS_select, SYS_pselect6, SYS_flock,
	SYS_set_tid_address,	/* the host runs it; its answer (a host tid) is replaced */
	/* the host runs these on the target's host ids */
	SYS_sched_getaffinity, SYS_sched_setaffinity, SYS_rt_sigqueueinfo, SYS_rt_tgsigqueueinfo,
	SYS_timer_create,
	/* the host runs it; the siginfo it writes is made the guest's at syscall exit */
	SYS_rt_sigtimedwait,
	/* unix sockets: the sentry may wait for a peer */
	SYS_accept, SYS_accept4, SYS_recvmsg, SYS_recvmmsg, SYS_sendmsg,
	/* System V IPC: waits, and shmat/shmdt rewritten into the sentry's mmap/munmap */
	SYS_semop, SYS_semtimedop, SYS_msgsnd, SYS_msgrcv, SYS_shmat, SYS_shmdt,
	/* POSIX message queues: waits */
	SYS_mq_timedsend, SYS_mq_timedreceive,
};

/* The "slow" syscalls, which Linux lets a signal interrupt. */
static const int natively_blocking_syscalls[] = {
	SYS_read, SYS_readv, SYS_write, SYS_writev, SYS_pread64, SYS_pwrite64, SYS_preadv,
	SYS_pwritev, SYS_preadv2, SYS_pwritev2, SYS_recvfrom, SYS_recvmsg, SYS_recvmmsg,
	SYS_sendto, SYS_sendmsg, SYS_sendmmsg, SYS_accept, SYS_accept4, SYS_connect, SYS_futex,
	SYS_futex_waitv, SYS_nanosleep, SYS_clock_nanosleep, SYS_pause, SYS_rt_sigsuspend,
	SYS_rt_sigtimedwait, SYS_epoll_wait, SYS_epoll_pwait, SYS_epoll_pwait2, SYS_poll,
	SYS_ppoll, SYS_select, SYS_pselect6, SYS_wait4, SYS_waitid, SYS_flock, SYS_fcntl,
	SYS_ioctl, SYS_sendfile, SYS_splice, SYS_tee, SYS_vmsplice, SYS_copy_file_range, SYS_msgrcv,
	SYS_msgsnd, SYS_semop, SYS_semtimedop, SYS_mq_timedreceive, SYS_mq_timedsend,
	SYS_io_getevents, SYS_io_pgetevents, SYS_restart_syscall,
};

bool platform_syscall_may_block_natively(long nr)
{
	for (size_t i = 0; i < sizeof(natively_blocking_syscalls) / sizeof(natively_blocking_syscalls[0]); i++)
		if (natively_blocking_syscalls[i] == nr)
			return true;
	return false;
}

int platform_parse(const char *name, enum platform_kind *kind)
{
	if (!strcmp(name, "unotify"))
		*kind = PLATFORM_UNOTIFY;
	else if (!strcmp(name, "ptrace"))
		*kind = PLATFORM_PTRACE;
	else
		return -EINVAL;
	return 0;
}

const char *platform_name(enum platform_kind kind)
{
	return kind == PLATFORM_UNOTIFY ? "unotify" : "ptrace";
}

static int guest_filter_rules(scmp_filter_ctx ctx, enum platform_kind kind)
{
	int r;
	for (int i = 0; i < platform_guest_native_count; i++) {
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, platform_guest_native_syscalls[i], 0);
		if (r < 0)
			return r;
	}
	/* A thread the sentry waits for runs pause() meanwhile, with the marker in r9 (the
	   tracer's rewrite): it only sleeps until a signal or the tracer ends it. */
	r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SYS_pause, 1, SCMP_A5_64(SCMP_CMP_EQ, PLATFORM_MARKER_MAGIC));
	if (r < 0)
		return r;
	/* The sentry's own rewritten syscalls (exec from an fd, fd installs for the ptrace back
	   end) carry the marker in r9 and go to the listener, which serves them only when the
	   sentry asked for them. Under unotify that is the default action already. */
	if (kind == PLATFORM_PTRACE) {
		r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SYS_execveat, 1,
				     SCMP_A5_64(SCMP_CMP_EQ, PLATFORM_MARKER_MAGIC));
		if (r == 0)
			r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, PLATFORM_MARKER_NR, 1,
					     SCMP_A5_64(SCMP_CMP_EQ, PLATFORM_MARKER_MAGIC));
		return r;
	}
	for (size_t i = 0; i < sizeof(via_tracer_syscalls) / sizeof(via_tracer_syscalls[0]); i++) {
		int nr = via_tracer_syscalls[i];
		if (nr == SYS_execveat)
			r = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), nr, 1,
					     SCMP_A5_64(SCMP_CMP_NE, PLATFORM_MARKER_MAGIC));
		else
			r = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), nr, 0);
		if (r < 0)
			return r;
	}
	/* recvfrom and sendto with an address are the sentry's and may wait; without one they
	   run natively on connected unix sockets. */
	static const int addressed_syscalls[] = { SYS_recvfrom, SYS_sendto };
	for (size_t i = 0; i < sizeof(addressed_syscalls) / sizeof(addressed_syscalls[0]); i++) {
		r = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), addressed_syscalls[i], 1,
				     SCMP_A4_64(SCMP_CMP_NE, 0));
		if (r < 0)
			return r;
	}
	/* A read of one signalfd record: the sentry makes the record the guest's at exit
	   (sys_event.c); other reads of that size continue from the tracer. */
	r = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), SYS_read, 1,
			     SCMP_A2_64(SCMP_CMP_EQ, sizeof(struct signalfd_siginfo), 0));
	if (r < 0)
		return r;
	/* F_GETLK and F_OFD_GETLK write the lock holder's host pid: made the guest's at exit. */
	static const int getlk_cmds[] = { F_GETLK, F_OFD_GETLK };
	for (size_t i = 0; i < sizeof(getlk_cmds) / sizeof(getlk_cmds[0]); i++) {
		r = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), SYS_fcntl, 1,
				     SCMP_A1_32(SCMP_CMP_EQ, (uint32_t)getlk_cmds[i]));
		if (r < 0)
			return r;
	}
	/* A process's name is the host's too (ps on the host): the host reads the sentry's copy. */
	r = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), SYS_prctl, 1, SCMP_A0_32(SCMP_CMP_EQ, PR_SET_NAME));
	if (r < 0)
		return r;
	/* A CPU clock named by pid or tid (a negative clock id; the few that name the caller
	   itself, or an fd, come back unchanged): the host reads it as the guest thread (only
	   its own process may read a thread's), with the id translated. */
	static const int cpu_clock_syscalls[] = { SYS_clock_gettime, SYS_clock_getres };
	for (size_t i = 0; i < sizeof(cpu_clock_syscalls) / sizeof(cpu_clock_syscalls[0]); i++) {
		r = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), cpu_clock_syscalls[i], 1,
				     SCMP_A0_32(SCMP_CMP_MASKED_EQ, 0x80000000, 0x80000000));
		if (r < 0)
			return r;
	}
	return 0;
}

int platform_guest_filter(enum platform_kind kind, struct sock_fprog *prog)
{
	scmp_filter_ctx ctx = seccomp_init(kind == PLATFORM_UNOTIFY ? SCMP_ACT_NOTIFY : SCMP_ACT_TRACE(0));
	int r;

	if (!ctx)
		return -ENOMEM;
	/* Another architecture's syscall numbers (int 0x80, x32) never reach anything. */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (r == 0)
		r = guest_filter_rules(ctx, kind);
	if (r == 0)
		r = confine_export_filter(ctx, prog);
	seccomp_release(ctx);
	return r;
}
