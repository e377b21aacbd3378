/* The sentry's own seccomp allow-list: no path-based open, no exec, no socket(2) but IP
   stream and datagram sockets (the guest's, in the sandbox's network namespace; the
   NETLINK_ROUTE socket it asks that namespace on is made before the filter), no mounts.
   One table feeds both the loaded filter and `runsc-c debug sentry-syscalls`. */
#define _GNU_SOURCE
#include "sentry/kernel.h"
#include "common/confine.h"
#include "common/log.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <seccomp.h>

struct sentry_rule {
	int nr;
	const char *why;
	/* Allowed only when arg0 has all these bits (clone: threads only). */
	uint64_t arg0_mask;
	/* Answered with this errno instead of running (0: allowed). */
	int error;
};

static const struct sentry_rule sentry_rules[] = {
	{ SYS_read, "files, pipes, eventfd, signalfd", 0, 0 },
	{ SYS_write, "logs, eventfd", 0, 0 },
	{ SYS_pread64, "program headers of executables; /proc/net files kept from boot", 0, 0 },
	{ SYS_pwrite64, "copy-up into memory files", 0, 0 },
	{ SYS_readv, "files", 0, 0 },
	{ SYS_writev, "logs", 0, 0 },
	{ SYS_lseek, "seeking mirrored files", 0, 0 },
	{ SYS_close, "fds", 0, 0 },
	{ SYS_close_range, "fds", 0, 0 },
	{ SYS_dup, "fds", 0, 0 },
	{ SYS_dup3, "fds", 0, 0 },
	{ SYS_fcntl, "fd flags", 0, 0 },
	{ SYS_fstat, "host fd attributes", 0, 0 },
	{ SYS_newfstatat, "fstat (glibc calls it with AT_EMPTY_PATH)", 0, 0 },
	{ SYS_ftruncate, "memory files", 0, 0 },
	{ SYS_memfd_create, "memory files", 0, 0 },
	{ SYS_pipe2, "guest pipes; crash backtraces probe memory through a pipe", 0, 0 },
	{ SYS_ioctl, "seccomp listener; guest IP sockets' queries (SIOCGIF*, SIOCOUTQ); SIOCGIF* on the netlink socket kept from boot; TIOCGPTPEER of guest ptys", 0, 0 },
	{ SYS_sendmsg, "gofer protocol; control replies; spawner requests (fds for exec); unix sockets' messages with ancillary data; guest IP sockets' sendmsg", 0, 0 },
	{ SYS_recvmsg, "gofer protocol; control requests (fds for exec); unix sockets' messages with ancillary data; guest IP sockets' recvmsg", 0, 0 },
	{ SYS_sendto, "control replies and spawner requests (send); guest IP sockets' addressed sends; netlink requests on the socket kept from boot", 0, 0 },
	{ SYS_recvfrom, "spawner answers (recv); guest IP sockets' addressed receives; netlink answers", 0, 0 },
	{ SYS_accept4, "control connections on the socket the OCI runtime bound; guest IP listeners", 0, 0 },
	{ SYS_socketpair, "guest unix sockets: a connected pair reaches nothing outside", 0, 0 },
	{ SYS_shutdown, "guest unix sockets (the sentry's socketpairs); guest IP sockets", 0, 0 },
	{ SYS_getsockopt, "guest unix sockets' buffer sizes; guest IP sockets' allowed options", 0, 0 },
	{ SYS_setsockopt, "guest unix sockets' buffer sizes; guest IP sockets' allowed options; strict checking of netlink requests", 0, 0 },
	{ SYS_bind, "guest IP sockets (and probing whether an address is the namespace's own)", 0, 0 },
	{ SYS_connect, "guest IP sockets, after the egress policy; DNS queries for the policy's host names", 0, 0 },
	{ SYS_listen, "guest IP sockets", 0, 0 },
	{ SYS_getsockname, "guest IP sockets", 0, 0 },
	{ SYS_getpeername, "guest IP sockets", 0, 0 },
	{ SYS_poll, "tracer loop", 0, 0 },
	{ SYS_ppoll, "tracer loop", 0, 0 },
	{ SYS_signalfd4, "tracer loop; guest signalfds", 0, 0 },
	{ SYS_eventfd2, "tracer loop; guest eventfds", 0, 0 },
	{ SYS_epoll_create1, "guest epoll instances", 0, 0 },
	{ SYS_timerfd_create, "guest timerfds", 0, 0 },
	{ SYS_wait4, "reaping guest threads", 0, 0 },
	{ SYS_waitid, "reaping guest threads", 0, 0 },
	{ SYS_ptrace, "control path", 0, 0 },
	{ SYS_process_vm_readv, "guest memory", 0, 0 },
	{ SYS_process_vm_writev, "guest memory", 0, 0 },
	{ SYS_pidfd_open, "guest listener handover", 0, 0 },
	{ SYS_pidfd_getfd, "guest listener handover", 0, 0 },
	{ SYS_pidfd_send_signal, "signals to guests", 0, 0 },
	{ SYS_kcmp, "guests' kcmp of address spaces and I/O contexts", 0, 0 },
	{ SYS_kill, "signals to guests", 0, 0 },
	{ SYS_sched_rr_get_interval, "the time slice of guests' ordinary threads", 0, 0 },
	{ SYS_tgkill, "signals to guests", 0, 0 },
	{ SYS_tkill, "signals to guests", 0, 0 },
	{ SYS_rt_sigqueueinfo, "signals to guests, with the sender's virtual ids", 0, 0 },
	{ SYS_rt_tgsigqueueinfo, "signals to guests, with the sender's virtual ids", 0, 0 },
	{ SYS_clone, "sentry threads (CLONE_THREAD only)", CLONE_THREAD, 0 },
	{ SYS_clone3, "refused: glibc falls back to clone", 0, ENOSYS },
	{ SYS_futex, "locks", 0, 0 },
	{ SYS_set_robust_list, "threads", 0, 0 },
	{ SYS_rseq, "threads", 0, 0 },
	{ SYS_mmap, "memory", 0, 0 },
	{ SYS_munmap, "memory", 0, 0 },
	{ SYS_mprotect, "memory, thread stacks", 0, 0 },
	{ SYS_mremap, "memory", 0, 0 },
	{ SYS_madvise, "memory", 0, 0 },
	{ SYS_brk, "memory", 0, 0 },
	{ SYS_mincore, "crash backtraces", 0, 0 },
	{ SYS_msync, "crash backtraces", 0, 0 },
	{ SYS_rt_sigaction, "signals", 0, 0 },
	{ SYS_rt_sigprocmask, "signals", 0, 0 },
	{ SYS_rt_sigreturn, "signals", 0, 0 },
	{ SYS_sigaltstack, "crash handler stack", 0, 0 },
	{ SYS_restart_syscall, "signals", 0, 0 },
	{ SYS_clock_gettime, "time", 0, 0 },
	{ SYS_clock_nanosleep, "time", 0, 0 },
	{ SYS_nanosleep, "time", 0, 0 },
	{ SYS_gettimeofday, "time", 0, 0 },
	{ SYS_getrandom, "/dev/urandom", 0, 0 },
	{ SYS_getpid, "self", 0, 0 },
	{ SYS_gettid, "self", 0, 0 },
	{ SYS_sched_yield, "locks", 0, 0 },
	{ SYS_sched_getaffinity, "glibc", 0, 0 },
	{ SYS_prlimit64, "rlimits", 0, 0 },
	{ SYS_getrusage, "rusage", 0, 0 },
	{ SYS_sysinfo, "sysinfo, /proc/meminfo", 0, 0 },
	{ SYS_uname, "uname", 0, 0 },
	{ SYS_exit, "threads", 0, 0 },
	{ SYS_exit_group, "exit", 0, 0 },
};

/* socket(2): only these families and base types (guest TCP, UDP and ping sockets). */
static const int ip_families[] = { AF_INET, AF_INET6 };
static const int ip_types[] = { SOCK_STREAM, SOCK_DGRAM };

static int add_ip_socket_rules(scmp_filter_ctx ctx)
{
	int r = 0;
	for (size_t f = 0; f < sizeof(ip_families) / sizeof(ip_families[0]) && r == 0; f++)
		for (size_t ty = 0; ty < sizeof(ip_types) / sizeof(ip_types[0]) && r == 0; ty++)
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SYS_socket, 2,
					     SCMP_A0_32(SCMP_CMP_EQ, (uint32_t)ip_families[f]),
					     SCMP_A1_32(SCMP_CMP_MASKED_EQ, 0xf, (uint32_t)ip_types[ty]));
	return r;
}

int sentry_confine(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int r = 0;

	if (!ctx)
		return -ENOMEM;
	for (size_t i = 0; i < sizeof(sentry_rules) / sizeof(sentry_rules[0]) && r == 0; i++) {
		const struct sentry_rule *rule = &sentry_rules[i];
		if (rule->error)
			r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(rule->error), rule->nr, 0);
		else if (rule->arg0_mask)
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, rule->nr, 1,
					     SCMP_A0_64(SCMP_CMP_MASKED_EQ, rule->arg0_mask, rule->arg0_mask));
		else
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, rule->nr, 0);
	}
	if (r == 0)
		r = add_ip_socket_rules(ctx);
	/* TSYNC: the threads started before (standby receivers' starters, readers of the
	   namespace's notifications and of DNS answers) get the filter too. */
	if (r == 0)
		r = confine_load_filter(ctx, SECCOMP_FILTER_FLAG_TSYNC);
	seccomp_release(ctx);
	if (r < 0)
		log_errno(r, "loading the sentry's seccomp filter");
	return r;
}

int sentry_print_syscalls(FILE *out)
{
	fprintf(out, "# sentry seccomp allow-list (everything else kills the sentry)\n");
	for (size_t i = 0; i < sizeof(sentry_rules) / sizeof(sentry_rules[0]); i++) {
		const struct sentry_rule *rule = &sentry_rules[i];
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, rule->nr);
		fprintf(out, "%-20s %s%s%s\n", name ? name : "?",
			rule->error ? "(errno) " : "", rule->arg0_mask ? "(arg0 & CLONE_THREAD) " : "",
			rule->why);
		free(name);
	}
	fprintf(out, "%-20s (AF_INET/AF_INET6, SOCK_STREAM/SOCK_DGRAM) guest IP sockets\n", "socket");
	return 0;
}
