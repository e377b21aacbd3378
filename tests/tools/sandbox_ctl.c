/* Test driver for the OCI side of the sandbox library: sandbox_create and the control
   channel, called directly (the OCI CLI is built on the same calls).

   sandbox_ctl create --rootfs DIR --sock PATH --pid-file F [--platform P] [--log F] -- PROG ARGS...
       binds PATH, creates the sandbox with our stdio as init's, writes the sentry's host pid
       to F and exits (the sentry is inherited by our parent or the subreaper); the gofer and
       the sentry run from $RUNSCC
   sandbox_ctl start|ps|pause|resume SOCK
   sandbox_ctl kill SOCK SIG [all]
   sandbox_ctl exec SOCK [--uid N] [--gid N] [--group N]... [--cwd DIR] [--umask N]
                    [--env K=V]... [--nofile SOFT:HARD] [--pid-file F] -- PROG ARGS...
       runs PROG in the sandbox with our stdio; writes its guest pid to F; exits with its
       exit code
   sandbox_ctl supervise FILE -- CMD ARGS...
       runs CMD as a child subreaper would (containerd's shim is one): every orphan that ends
       under us is reaped and "PID EXIT_CODE" appended to FILE; exits with CMD's code once
       no child is left */
#define _GNU_SOURCE
#include "sandbox/control.h"
#include "sandbox/sandbox.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sys/un.h>
#include <unistd.h>

static char *default_env[] = { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			       "HOME=/root", NULL };

static int usage(void)
{
	fprintf(stderr, "usage: see the comment at the top of tests/tools/sandbox_ctl.c\n");
	return 2;
}

static int fail(const char *what, int r)
{
	fprintf(stderr, "sandbox_ctl: %s: %s\n", what, strerror(-r));
	return 1;
}

static int bind_socket(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 64) < 0)
		return -errno;
	return fd;
}

static int cmd_create(int argc, char **argv)
{
	struct sandbox_spec spec = { .platform = PLATFORM_UNOTIFY, .cwd = "/", .env = default_env,
				     .init = { .umask = -1, .stdio = { 0, 1, 2 } },
				     .control_fd = -1, .wait_for_start = true };
	const char *sock = NULL, *pid_file = NULL;
	int i;
	for (i = 2; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--rootfs") && i + 1 < argc)
			spec.rootfs = argv[++i];
		else if (!strcmp(argv[i], "--sock") && i + 1 < argc)
			sock = argv[++i];
		else if (!strcmp(argv[i], "--platform") && i + 1 < argc)
			platform_parse(argv[++i], &spec.platform);
		else if (!strcmp(argv[i], "--log") && i + 1 < argc)
			spec.log_path = argv[++i];
		else if (!strcmp(argv[i], "--pid-file") && i + 1 < argc)
			pid_file = argv[++i];
		else
			return usage();
	}
	if (!spec.rootfs || !sock || !pid_file || i + 1 >= argc || !getenv("RUNSCC"))
		return usage();
	sandbox_runtime_path = getenv("RUNSCC");
	spec.argv = argv + i + 1;
	spec.control_fd = bind_socket(sock);
	if (spec.control_fd < 0)
		return fail(sock, spec.control_fd);
	pid_t pid;
	int r = sandbox_create(&spec, &pid);
	if (r < 0)
		return fail("sandbox_create", r);
	FILE *f = fopen(pid_file, "w");
	if (!f || fprintf(f, "%d\n", pid) < 0 || fclose(f) != 0)
		return fail(pid_file, -errno);
	return 0;
}

static int cmd_exec(int argc, char **argv)
{
	static char *env[64];
	static gid_t groups[16];
	static struct sandbox_rlimit nofile = { .resource = RLIMIT_NOFILE };
	int nenv = 0;
	const char *pid_file = NULL;
	struct sandbox_process p = { .cwd = "/", .umask = -1, .stdio = { 0, 1, 2 } };
	int i;
	for (i = 3; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--uid") && i + 1 < argc)
			p.uid = (uid_t)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--gid") && i + 1 < argc)
			p.gid = (gid_t)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--cwd") && i + 1 < argc)
			p.cwd = argv[++i];
		else if (!strcmp(argv[i], "--umask") && i + 1 < argc)
			p.umask = (int)strtol(argv[++i], NULL, 8);
		else if (!strcmp(argv[i], "--env") && i + 1 < argc && nenv < 62)
			env[nenv++] = argv[++i];
		else if (!strcmp(argv[i], "--pid-file") && i + 1 < argc)
			pid_file = argv[++i];
		else if (!strcmp(argv[i], "--group") && i + 1 < argc && p.ngroups < 16)
			groups[p.ngroups++] = (gid_t)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--nofile") && i + 1 < argc &&
			 sscanf(argv[++i], "%" SCNu64 ":%" SCNu64, &nofile.soft, &nofile.hard) == 2) {
			p.rlimits = &nofile;
			p.nrlimits = 1;
		} else
			return usage();
	}
	if (i + 1 >= argc)
		return usage();
	p.groups = groups;
	for (char **e = default_env; *e; e++)
		env[nenv++] = *e;
	p.env = env;
	p.argv = argv + i + 1;
	int conn, code;
	pid_t pid;
	int r = sandbox_control_exec(argv[2], &p, &conn, &pid);
	if (r < 0)
		return fail("exec", r);
	FILE *f = pid_file ? fopen(pid_file, "w") : NULL;
	if (f) {
		fprintf(f, "%d\n", pid);
		fclose(f);
	}
	r = sandbox_control_wait(conn, &code);
	close(conn);
	if (r < 0)
		return fail("wait", r);
	return code;
}

static int cmd_supervise(int argc, char **argv)
{
	if (argc < 5 || strcmp(argv[3], "--"))
		return usage();
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		return fail("PR_SET_CHILD_SUBREAPER", -errno);
	pid_t cmd = fork();
	if (cmd == 0) {
		execvp(argv[4], argv + 4);
		_exit(127);
	}
	int cmd_code = 125, status;
	pid_t pid;
	while ((pid = wait(&status)) > 0 || errno == EINTR) {
		if (pid == cmd) {
			cmd_code = wait_status_exit_code(status);
			continue;
		}
		FILE *f = pid > 0 ? fopen(argv[2], "a") : NULL;
		if (f) {
			fprintf(f, "%d %d\n", pid, wait_status_exit_code(status));
			fclose(f);
		}
	}
	return cmd_code;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return usage();
	const char *cmd = argv[1], *sock = argv[2];
	int r;
	if (!strcmp(cmd, "create"))
		return cmd_create(argc, argv);
	if (!strcmp(cmd, "exec"))
		return cmd_exec(argc, argv);
	if (!strcmp(cmd, "supervise"))
		return cmd_supervise(argc, argv);
	if (!strcmp(cmd, "start"))
		r = sandbox_control_start(sock);
	else if (!strcmp(cmd, "pause"))
		r = sandbox_control_pause(sock);
	else if (!strcmp(cmd, "resume"))
		r = sandbox_control_resume(sock);
	else if (!strcmp(cmd, "kill") && argc >= 4)
		r = sandbox_control_kill(sock, atoi(argv[3]), argc > 4 && !strcmp(argv[4], "all"));
	else if (!strcmp(cmd, "ps")) {
		pid_t *pids;
		size_t n;
		r = sandbox_control_ps(sock, &pids, &n);
		for (size_t i = 0; r == 0 && i < n; i++)
			printf("%d\n", pids[i]);
		if (r == 0)
			free(pids);
	} else
		return usage();
	return r < 0 ? fail(cmd, r) : 0;
}
