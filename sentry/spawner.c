/* The spawner: see spawner.h. Its requests are the exec request's process object (JSON) with
   the stdio and go fds (SCM_RIGHTS); its answer is the launcher's host pid or -errno. */
#define _GNU_SOURCE
#include "sentry/spawner.h"
#include "sentry/control.h"
#include "sentry/launcher.h"
#include "common/cleanup.h"
#include "common/confine.h"
#include "common/log.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static int spawner_sock = -1;
static pthread_mutex_t spawner_lock = PTHREAD_MUTEX_INITIALIZER;

/* In the new launcher: fds[0-3] (stdio and go) to 0-3 (out of the way first: they may
   overlap), then on with the rest, which the launcher puts at 3 and up. */
static void __attribute__((noreturn)) launch(enum platform_kind platform, const struct guest_process *p,
					     const int *fds, int nfds)
{
	int tmp[4];
	for (int i = 0; i < 4; i++)
		if ((tmp[i] = fcntl(fds[i], F_DUPFD, 10)) < 0)
			_exit(125);
	for (int i = 0; i < 4; i++)
		if (dup2(tmp[i], i) < 0)
			_exit(125);
	launcher_main(platform, p, 3, -1, fds + 4, nfds - 4, true);
}

static int32_t spawn_one(enum platform_kind platform, const char *json, const int *fds, int nfds)
{
	struct guest_process p;
	json_object *o = json_tokener_parse(json);
	int r = guest_process_from_json(o, &p);
	json_object_put(o);
	if (r < 0)
		return r;
	/* A sibling of ours: the sentry is its host parent, reaps it and is told of its end. */
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_PARENT, 0, NULL, NULL, 0);
	if (pid == 0)
		launch(platform, &p, fds, nfds);
	r = pid < 0 ? -errno : pid;
	guest_process_free(&p);
	return r;
}

static void __attribute__((noreturn)) spawner_main(int sock, enum platform_kind platform)
{
	_cleanup_free_ char *buf = malloc(CONTROL_MSG_MAX + 1);

	if (!buf || prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() == 1)
		_exit(1);
	/* Nothing of the sentry's but the request socket (and stdio, which no one reads), and
	   only the capabilities a launcher uses to drop to the guest identity. (No seccomp
	   filter: a launcher would pass it on to the guest, under the guest's own.) */
	if (dup2(sock, 3) < 0 || syscall(SYS_close_range, 4, ~0U, 0) < 0 ||
	    confine_drop_caps(CAP_MASK(CAP_SETUID) | CAP_MASK(CAP_SETGID) | CAP_MASK(CAP_SETPCAP)) < 0)
		_exit(1);
	for (;;) {
		int fds[CONTROL_MAX_FDS + 1], nfds = CONTROL_MAX_FDS + 1;
		ssize_t n = sock_recv_fds(3, buf, CONTROL_MSG_MAX, fds, &nfds);
		if (n <= 0)
			_exit(n == 0 ? 0 : 1);
		buf[n] = '\0';
		int32_t answer = nfds >= 4 ? spawn_one(platform, buf, fds, nfds) : -EBADF;
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
		if (send(3, &answer, sizeof(answer), MSG_NOSIGNAL) < 0)
			_exit(1);
	}
}

int spawner_start(enum platform_kind platform)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return log_errno(-errno, "socketpair");
	pid_t pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return log_errno(-errno, "fork");
	}
	if (pid == 0)
		spawner_main(sv[1], platform);
	close(sv[1]);
	spawner_sock = sv[0];
	return 0;
}

int spawner_launch(const char *process_json, const int stdio[3], int go_fd, const int *preserved,
		   int npreserved, pid_t *host_pid)
{
	int fds[CONTROL_MAX_FDS + 1] = { stdio[0], stdio[1], stdio[2], go_fd };
	if (npreserved > CONTROL_MAX_FDS - 3)
		return -EMFILE;
	for (int i = 0; i < npreserved; i++)
		fds[4 + i] = preserved[i];
	int32_t answer = -EPIPE;

	if (spawner_sock < 0)
		return -ENOSYS;
	pthread_mutex_lock(&spawner_lock);
	ssize_t n = sock_send_fds(spawner_sock, process_json, strlen(process_json), fds, 4 + npreserved);
	if (n >= 0) {
		n = recv(spawner_sock, &answer, sizeof(answer), 0);
		n = n < 0 ? -errno : n != sizeof(answer) ? -EPIPE : n;
	}
	pthread_mutex_unlock(&spawner_lock);
	if (n < 0)
		return log_errno((int)n, "asking the spawner for a process");
	if (answer < 0)
		return answer;
	*host_pid = answer;
	return 0;
}
