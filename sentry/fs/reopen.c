/* Re-opening a file with an access mode of its own. Every open of an upper-layer file is
   mirrored into the guest, and the host object must not allow more than the open does (a
   shared writable mapping of a read-only open would write the file). A memfd has one open
   file description, read-write; another description takes a path (/proc/self/fd/N), which
   the confined sentry cannot open. A small process forked before confinement does it: in a
   pid and mount namespace of its own, with the procfs of that pid namespace (where it is
   the only process: /proc/N/root reaches nothing but its own empty root), as an
   unprivileged user without capabilities, under a seccomp list of six calls, openat
   limited to that procfs and to the three access modes. It also makes the pipes of FIFOs
   (pipe2): a pipe is its maker's, mode 0600, and its later opens by path are reopens. */
#define _GNU_SOURCE
#include "sentry/fs/reopen.h"
#include "common/confine.h"
#include "common/log.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
#include <grp.h>
#include <seccomp.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#define REOPENER_UID 65534
/* A request without an fd: a new pipe. */
#define REOPENER_MAKE_PIPE (-1)

static struct {
	int sock;
	pthread_mutex_t lock;
} reopener = { -1, PTHREAD_MUTEX_INITIALIZER };

static int helper_filter(int procfd)
{
	static const int modes[] = { O_RDONLY, O_WRONLY, O_RDWR };
	static const int plain[] = { SCMP_SYS(recvmsg), SCMP_SYS(sendmsg), SCMP_SYS(close),
				     SCMP_SYS(exit_group) };
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int r = ctx ? 0 : -ENOMEM;
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]) && r == 0; i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, plain[i], 0);
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(pipe2), 1,
				     SCMP_A1_32(SCMP_CMP_EQ, O_CLOEXEC));
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]) && r == 0; i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 2,
				     SCMP_A0_32(SCMP_CMP_EQ, (uint32_t)procfd),
				     SCMP_A2_32(SCMP_CMP_EQ, (uint32_t)(modes[i] | O_CLOEXEC)));
	if (r == 0)
		r = confine_load_filter(ctx, 0);
	if (ctx)
		seccomp_release(ctx);
	return r;
}

static int helper_confine(void)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || prctl(PR_SET_NAME, "runsc-c-reopen") < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return log_errno(-errno, "reopener: a procfs of its own");
	int procfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0)
		return log_errno(-errno, "reopener: /proc");
	int r = confine_enter_empty_root();
	if (r == 0)
		r = confine_drop_caps(CAP_MASK(CAP_SETUID) | CAP_MASK(CAP_SETGID));
	if (r < 0)
		return r;
	/* The uid change clears every capability; dumpable again so /proc/self/fd stays its. */
	if (setgroups(0, NULL) < 0 ||
	    setresgid(REOPENER_UID, REOPENER_UID, REOPENER_UID) < 0 ||
	    setresuid(REOPENER_UID, REOPENER_UID, REOPENER_UID) < 0 ||
	    prctl(PR_SET_DUMPABLE, 1) < 0)
		return log_errno(-errno, "reopener: dropping privileges");
	r = helper_filter(procfd);
	return r < 0 ? log_errno(r, "reopener: seccomp") : procfd;
}

static void __attribute__((noreturn)) helper_main(int sock)
{
	int procfd = helper_confine();
	if (procfd < 0)
		_exit(1);
	for (;;) {
		int acc, fd, nfds = 1;
		ssize_t n = sock_recv_fds(sock, &acc, sizeof(acc), &fd, &nfds);
		if (n <= 0)
			_exit(0);
		int reply = -EINVAL, newfd = -1;
		if (n == sizeof(acc) && nfds == 0 && acc == REOPENER_MAKE_PIPE) {
			int p[2];
			reply = pipe2(p, O_CLOEXEC) < 0 ? -errno : 0;
			n = sock_send_fds(sock, &reply, sizeof(reply), p, reply == 0 ? 2 : 0);
			if (reply == 0) {
				close(p[0]);
				close(p[1]);
			}
			if (n < 0)
				_exit(1);
			continue;
		}
		if (n == sizeof(acc) && nfds == 1) {
			char path[32];
			snprintf(path, sizeof(path), "self/fd/%d", fd);
			newfd = openat(procfd, path, acc | O_CLOEXEC);
			reply = newfd < 0 ? -errno : 0;
		}
		if (nfds == 1)
			close(fd);
		n = sock_send_fds(sock, &reply, sizeof(reply), &newfd, newfd >= 0);
		if (newfd >= 0)
			close(newfd);
		if (n < 0)
			_exit(1);
	}
}

int reopener_start(void)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return log_errno(-errno, "reopener: socketpair");
	/* A fork into new pid and mount namespaces (the child is pid 1 of its own). */
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWPID | CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0);
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return log_errno(-errno, "reopener: clone");
	}
	if (pid == 0) {
		close(sv[0]);
		helper_main(sv[1]);
	}
	close(sv[1]);
	reopener.sock = sv[0];
	return 0;
}

int reopener_reopen(int fd, int acc)
{
	int reply, newfd = -1, nfds = 1;
	pthread_mutex_lock(&reopener.lock);
	ssize_t n = sock_send_fds(reopener.sock, &acc, sizeof(acc), &fd, 1);
	if (n >= 0)
		n = sock_recv_fds(reopener.sock, &reply, sizeof(reply), &newfd, &nfds);
	pthread_mutex_unlock(&reopener.lock);
	if (n < 0)
		return log_errno((int)n, "reopener");
	if (n != sizeof(reply) || (reply == 0) != (nfds == 1)) {
		if (nfds == 1)
			close(newfd);
		return log_errno(-EIO, "reopener: a malformed answer");
	}
	return reply < 0 ? reply : newfd;
}

int reopener_pipe(int fds[2])
{
	int reply, request = REOPENER_MAKE_PIPE, nfds = 2;
	pthread_mutex_lock(&reopener.lock);
	ssize_t n = sock_send_fds(reopener.sock, &request, sizeof(request), NULL, 0);
	if (n >= 0)
		n = sock_recv_fds(reopener.sock, &reply, sizeof(reply), fds, &nfds);
	pthread_mutex_unlock(&reopener.lock);
	if (n < 0)
		return log_errno((int)n, "reopener");
	if (n != sizeof(reply) || (reply == 0) != (nfds == 2)) {
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
		return log_errno(-EIO, "reopener: a malformed answer");
	}
	return reply;
}
