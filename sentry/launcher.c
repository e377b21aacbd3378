/* The launcher: see launcher.h. */
#define _GNU_SOURCE
#include "sentry/launcher.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

struct launch_exec {
	const struct guest_process *p;
	int listener;
};

/* Execs path, handing the sentry the listener; returns only on failure. */
static int exec_with_listener(const char *path, void *arg)
{
	const struct launch_exec *x = arg;
	syscall(SYS_execve, path, x->p->argv, x->p->envp, 0, 0, x->listener);
	return -errno;
}

/* Closes every fd from `from` up but a and b (-1: none; both above from). */
static int close_all_but(int from, int a, int b)
{
	int lo = a < b ? a : b, hi = a < b ? b : a;
	if (lo < 0)
		lo = hi;
	if (lo < 0)
		return (int)syscall(SYS_close_range, from, ~0U, 0);
	if ((lo > from && syscall(SYS_close_range, from, lo - 1, 0) < 0) ||
	    (hi > lo + 1 && syscall(SYS_close_range, lo + 1, hi - 1, 0) < 0))
		return -1;
	return (int)syscall(SYS_close_range, hi + 1, ~0U, 0);
}

static bool read_byte(int fd)
{
	char c;
	ssize_t n;
	while ((n = read(fd, &c, 1)) < 0 && errno == EINTR)
		;
	close(fd);
	return n == 1;
}

/* Puts fds[0..n-1] at 3..3+n-1, moving *go_fd and *start_fd above them first. */
static int place_fds(const int *fds, int n, int *go_fd, int *start_fd)
{
	int tmp[n];
	if ((*go_fd = fcntl(*go_fd, F_DUPFD_CLOEXEC, 3 + n)) < 0 ||
	    (*start_fd >= 0 && (*start_fd = fcntl(*start_fd, F_DUPFD_CLOEXEC, 3 + n)) < 0))
		return -1;
	for (int i = 0; i < n; i++)
		if ((tmp[i] = fcntl(fds[i], F_DUPFD, 3 + n)) < 0)
			return -1;
	for (int i = 0; i < n; i++)
		if (dup2(tmp[i], 3 + i) < 0)
			return -1;
	return 0;
}

void launcher_main(enum platform_kind platform, const struct guest_process *p, int go_fd, int start_fd,
		   const int *fds, int nfds, bool entering)
{
	sigset_t none;
	struct sock_fprog filter;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		_exit(125);
	/* Nothing of the sentry's may reach the guest: only stdio, the fds it is given and the
	   go pipes stay. */
	if ((nfds > 0 && place_fds(fds, nfds, &go_fd, &start_fd) < 0) ||
	    close_all_but(3 + nfds, go_fd, start_fd) < 0)
		_exit(125);
	/* A process entering later is not in init's foreground process group; with a terminal
	   of its own it leads a session with it as the controlling terminal, so that the
	   terminal's signals reach it. Only then: a session of its own is a scheduling autogroup
	   of its own too, and a guest in another autogroup than the sentry's receiver pays for it
	   on every trap (getpid: ~9 us -> ~20 us here). */
	if (entering && isatty(0)) {
		if (setsid() >= 0)
			ioctl(0, TIOCSCTTY, 0);
	} else if (entering) {
		setpgid(0, 0);
	}
	/* An empty bounding set: the guest can never hold a capability again, even if something
	   got past no_new_privs (which already stops setuid and file capabilities). */
	for (int cap = 0; cap < 64; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			_exit(125);
	guest_process_host_rlimits(p);
	if (setgroups(0, NULL) < 0 || setresgid(GUEST_HOST_ID, GUEST_HOST_ID, GUEST_HOST_ID) < 0 ||
	    setresuid(GUEST_HOST_ID, GUEST_HOST_ID, GUEST_HOST_ID) < 0)
		_exit(125);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (platform_guest_filter(platform, &filter) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		_exit(125);
	if (!read_byte(go_fd) || (start_fd >= 0 && !read_byte(start_fd)))
		_exit(125);
	/* From here on every syscall is the sentry's, and until the sentry has the listener a
	   notified syscall would wait forever: the exec, which stops in the tracer, is next, with
	   the listener's fd in r9. */
	int listener = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
				    SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
				    &filter);
	if (listener < 0)
		_exit(125);
	int r = guest_process_find_program(p, exec_with_listener, &(struct launch_exec){ p, listener });
	dprintf(2, "runsc-c: exec %s: %s\n", p->argv[0], strerror(-r));
	_exit(r == -ENOENT ? 127 : 126);
}
