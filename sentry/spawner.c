/* The spawner: see spawner.h. A request is a kind byte and its content: SPAWNER_LAUNCH and
   the exec request's process object (JSON) with the stdio and go fds (SCM_RIGHTS), answered
   with the launcher's host pid or -errno; SPAWNER_PROC and a file index with a pidfd,
   answered with 0 and the file's fd, or -errno. */
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SPAWNER_LAUNCH 'L'
#define SPAWNER_PROC 'P'
/* The spawner's fds: its request socket and the host's /proc. */
#define SPAWNER_SOCK_FD 3
#define SPAWNER_PROC_FD 4

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

/* The number after `key` at the start of a line of the /proc file at path (under the host's
   /proc); -ENOENT without one. */
static long proc_number(const char *path, const char *key, long *out)
{
	char text[4096];
	_cleanup_close_ int fd = openat(SPAWNER_PROC_FD, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, text, sizeof(text) - 1);
	if (n < 0)
		return -errno;
	text[n] = '\0';
	size_t klen = strlen(key);
	for (const char *line = text; line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
		if (!strncmp(line, key, klen)) {
			char *end;
			errno = 0;
			*out = strtol(line + klen, &end, 10);
			return errno || end == line + klen ? -EINVAL : 0;
		}
	return -ENOENT;
}

/* The host pid the pidfd names while its process is not reaped (pidfd fdinfo's Pid line);
   -EBADF for another kind of fd, -ESRCH once reaped. */
static long pidfd_pid(int pidfd)
{
	char path[64];
	long pid;
	snprintf(path, sizeof(path), "self/fdinfo/%d", pidfd);
	long r = proc_number(path, "Pid:", &pid);
	if (r < 0)
		return r == -ENOENT ? -EBADF : r;
	return pid > 0 ? pid : -ESRCH;
}

/* The sentry's request for a guest process's /proc file: the pidfd is all that names the
   process, the file is one of a fixed list, and the process must be the sentry's child (every
   guest process is; nothing else is). The pid read from the pidfd could be reused by another
   process before the open, so the pidfd must still name it after the open: then the open file
   is that process's (a /proc/PID directory belongs to one struct pid). */
static int proc_file_open(int pidfd, unsigned file)
{
	static const char *const names[SPAWNER_PROC_NFILES] = {
		[SPAWNER_PROC_MAPS] = "maps", [SPAWNER_PROC_SMAPS] = "smaps",
		[SPAWNER_PROC_SMAPS_ROLLUP] = "smaps_rollup", [SPAWNER_PROC_STATM] = "statm",
		[SPAWNER_PROC_STATUS] = "status",
	};
	char path[64];
	long ppid;

	if (file >= SPAWNER_PROC_NFILES)
		return -EINVAL;
	long pid = pidfd_pid(pidfd);
	if (pid < 0)
		return (int)pid;
	snprintf(path, sizeof(path), "%ld/status", pid);
	long r = proc_number(path, "PPid:", &ppid);
	if (r < 0)
		return r == -ENOENT ? -ESRCH : (int)r;
	if (ppid != getppid())
		return -EPERM;
	snprintf(path, sizeof(path), "%ld/%s", pid, names[file]);
	int fd = openat(SPAWNER_PROC_FD, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	if (pidfd_pid(pidfd) != pid) {
		close(fd);
		return -ESRCH;
	}
	return fd;
}

static int answer_proc_file(const char *req, ssize_t len, const int *fds, int nfds)
{
	int32_t answer = len == 2 && nfds == 1 ? proc_file_open(fds[0], (unsigned char)req[1]) : -EINVAL;
	int fd = answer >= 0 ? answer : -1;
	if (fd >= 0)
		answer = 0;
	ssize_t n = sock_send_fds(SPAWNER_SOCK_FD, &answer, sizeof(answer), &fd, fd >= 0 ? 1 : 0);
	if (fd >= 0)
		close(fd);
	return n < 0 ? (int)n : 0;
}

static void __attribute__((noreturn)) spawner_main(int sock, int proc_dir, enum platform_kind platform)
{
	_cleanup_free_ char *buf = malloc(CONTROL_MSG_MAX + 2);

	if (!buf || prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() == 1)
		_exit(1);
	/* Nothing of the sentry's but the request socket and the host's /proc (and stdio, which
	   no one reads), and only the capabilities a launcher uses to drop to the guest
	   identity, and CAP_SYS_PTRACE, which opening a guest's maps asks for (the sentry has
	   it too). (No seccomp filter: a launcher would pass it on to the guest, under the
	   guest's own.) */
	if (dup2(sock, SPAWNER_SOCK_FD) < 0 || dup3(proc_dir, SPAWNER_PROC_FD, O_CLOEXEC) < 0 ||
	    syscall(SYS_close_range, SPAWNER_PROC_FD + 1, ~0U, 0) < 0 ||
	    confine_drop_caps(CAP_MASK(CAP_SETUID) | CAP_MASK(CAP_SETGID) | CAP_MASK(CAP_SETPCAP) |
			      CAP_MASK(CAP_SYS_PTRACE)) < 0)
		_exit(1);
	for (;;) {
		int fds[CONTROL_MAX_FDS + 1], nfds = CONTROL_MAX_FDS + 1;
		ssize_t n = sock_recv_fds(SPAWNER_SOCK_FD, buf, CONTROL_MSG_MAX + 1, fds, &nfds);
		if (n <= 0)
			_exit(n == 0 ? 0 : 1);
		buf[n] = '\0';
		int r = 0;
		if (buf[0] == SPAWNER_PROC) {
			r = answer_proc_file(buf, n, fds, nfds);
		} else {
			int32_t answer = buf[0] == SPAWNER_LAUNCH && nfds >= 4 ?
				spawn_one(platform, buf + 1, fds, nfds) : -EBADF;
			if (send(SPAWNER_SOCK_FD, &answer, sizeof(answer), MSG_NOSIGNAL) < 0)
				r = -errno;
		}
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
		if (r < 0)
			_exit(1);
	}
}

int spawner_start(enum platform_kind platform, int proc_dir)
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
		spawner_main(sv[1], proc_dir, platform);
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
	size_t len = strlen(process_json);
	_cleanup_free_ char *req = malloc(len + 1);

	if (spawner_sock < 0)
		return -ENOSYS;
	if (!req)
		return -ENOMEM;
	req[0] = SPAWNER_LAUNCH;
	memcpy(req + 1, process_json, len);
	pthread_mutex_lock(&spawner_lock);
	ssize_t n = sock_send_fds(spawner_sock, req, len + 1, fds, 4 + npreserved);
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

int spawner_proc_open(int pidfd, enum spawner_proc_file file)
{
	const char req[2] = { SPAWNER_PROC, (char)file };
	int32_t answer = -EPIPE;
	int fd = -1, nfds = 1;

	if (spawner_sock < 0)
		return -ENOSYS;
	pthread_mutex_lock(&spawner_lock);
	ssize_t n = sock_send_fds(spawner_sock, req, sizeof(req), &pidfd, 1);
	if (n >= 0) {
		n = sock_recv_fds(spawner_sock, &answer, sizeof(answer), &fd, &nfds);
		if (n >= 0 && n != sizeof(answer))
			n = -EPIPE;
	}
	pthread_mutex_unlock(&spawner_lock);
	if (n < 0) {
		if (nfds > 0 && fd >= 0)
			close(fd);
		return log_errno((int)n, "asking the spawner for a /proc file");
	}
	if (answer < 0 || nfds != 1) {
		if (nfds > 0 && fd >= 0)
			close(fd);
		return answer < 0 ? answer : -EIO;
	}
	return fd;
}
