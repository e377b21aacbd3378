#define _GNU_SOURCE
#include "oci/exec.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "oci/caps.h"
#include "oci/console.h"
#include "oci/container.h"
#include "oci/log.h"
#include "oci/rootfs.h"
#include "oci/spec.h"
#include "oci/state.h"
#include "sandbox/control.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

/* What the process is: --process FILE, or config.json's process with the flags over it. */
struct exec_process {
	struct sandbox_process p;
	json_object *json;		/* owns the strings p points to */
	struct oci_config cfg;		/* or these */
	json_object *owned;		/* strings made for it (HOME) */
	bool terminal;
	unsigned short rows, cols;
};

static void exec_process_free(struct exec_process *e)
{
	oci_process_free(&e->p);
	json_object_put(e->json);
	json_object_put(e->owned);
	oci_config_free(&e->cfg);
}

/* K=V replaces an existing K, or is added. */
static int env_set(char ***env, const char *kv)
{
	size_t n = 0, klen = (size_t)(strchr(kv, '=') - kv);
	for (; (*env)[n]; n++)
		if (!strncmp((*env)[n], kv, klen + 1)) {
			(*env)[n] = (char *)kv;
			return 0;
		}
	char **grown = realloc(*env, (n + 2) * sizeof(char *));
	if (!grown)
		return -ENOMEM;
	grown[n] = (char *)kv;
	grown[n + 1] = NULL;
	*env = grown;
	return 0;
}

static int apply_flags(const struct oci_exec_opts *o, struct exec_process *e)
{
	struct sandbox_process *p = &e->p;
	long v;
	size_t n = 0;
	while (o->argv[n])
		n++;
	if (n == 0)
		return oci_error(-EINVAL, "exec: no command given");
	free(p->argv);
	if (!(p->argv = calloc(n + 1, sizeof(char *))))
		return -ENOMEM;
	memcpy(p->argv, o->argv, n * sizeof(char *));
	for (size_t i = 0; i < o->n_env; i++) {
		if (!strchr(o->env[i], '='))
			return oci_error(-EINVAL, "exec: --env %s is not KEY=VALUE", o->env[i]);
		if (env_set(&p->env, o->env[i]) < 0)
			return -ENOMEM;
	}
	if (o->cwd) {
		if (o->cwd[0] != '/')
			return oci_error(-EINVAL, "exec: --cwd %s must be absolute", o->cwd);
		p->cwd = o->cwd;
	}
	if (o->user) {
		char *colon = strchr(o->user, ':');
		char uid[32];
		snprintf(uid, sizeof(uid), "%.*s", colon ? (int)(colon - o->user) : (int)strlen(o->user), o->user);
		if (parse_int(uid, 0, 0xfffffffe, &v) < 0)
			return oci_error(-EINVAL, "exec: --user %s: only numeric UID[:GID] is supported", o->user);
		p->uid = (uid_t)v;
		p->gid = 0;
		if (colon) {
			if (parse_int(colon + 1, 0, 0xfffffffe, &v) < 0)
				return oci_error(-EINVAL, "exec: --user %s: bad gid", o->user);
			p->gid = (gid_t)v;
		}
	}
	if (o->n_gids) {
		free(p->groups);
		p->ngroups = 0;
		if (!(p->groups = calloc(o->n_gids, sizeof(gid_t))))
			return -ENOMEM;
		for (size_t i = 0; i < o->n_gids; i++) {
			if (parse_int(o->additional_gids[i], 0, 0xfffffffe, &v) < 0)
				return oci_error(-EINVAL, "exec: bad --additional-gids %s", o->additional_gids[i]);
			p->groups[p->ngroups++] = (gid_t)v;
		}
	}
	for (size_t i = 0; i < o->n_caps; i++)
		if (oci_caps_exec_add(p, o->caps[i]) < 0)
			return -EINVAL;
	if (o->no_new_privs)
		p->no_new_privs = true;
	e->terminal = o->tty;
	return 0;
}

static int describe(const struct oci_exec_opts *o, const struct oci_container *c, struct exec_process *e)
{
	int r;
	if (o->process_file) {
		if ((r = oci_json_read_file(o->process_file, &e->json)) < 0)
			return r;
		return oci_process_parse(e->json, "process", &e->p, &e->terminal, &e->rows, &e->cols);
	}
	if ((r = oci_config_load(c->bundle, &e->cfg)) < 0)
		return r;
	e->p = e->cfg.spec.init;
	memset(&e->cfg.spec.init, 0, sizeof(e->cfg.spec.init));
	e->rows = e->cfg.console_rows;
	e->cols = e->cfg.console_cols;
	return apply_flags(o, e);
}

/* runc's checks before the process starts: its program, its HOME. */
static int prepare(const struct oci_container *c, struct exec_process *e)
{
	size_t n = c->mounts ? json_object_array_length(c->mounts) : 0;
	_cleanup_free_ struct sandbox_mount *mounts = calloc(n ? n : 1, sizeof(*mounts));
	if (!mounts || !(e->owned = json_object_new_array()))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		mounts[i].destination = json_object_get_string(json_object_array_get_idx(c->mounts, i));
	int r = oci_rootfs_check_exec(c->rootfs, &e->p, mounts, n, "exec failed: ");
	if (r < 0)
		return r;
	return oci_rootfs_set_home(c->rootfs, &e->p, e->owned);
}

/* Waits for the exec'd process's exit code on conn; a signal the holder gets (the shim kills
   an exec by its pid-file pid) goes on to the process. */
static int holder_wait(const char *sock_path, int conn, pid_t guest_pid, int *code)
{
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	_cleanup_close_ int sigfd = signalfd(-1, &all, SFD_CLOEXEC);
	if (sigfd < 0)
		return -errno;
	for (;;) {
		struct pollfd p[2] = { { .fd = conn, .events = POLLIN }, { .fd = sigfd, .events = POLLIN } };
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (p[0].revents)
			return sandbox_control_wait(conn, code);
		struct signalfd_siginfo si;
		if (read(sigfd, &si, sizeof(si)) == sizeof(si))
			sandbox_control_kill_pid(sock_path, guest_pid, (int)si.ssi_signo);
	}
}

/* The detached holder: keeps the connection, exits with the process's code. It lets go of
   the caller's stdio, which must see EOF when the process closes its copies. */
static int detach_holder(const char *sock_path, int conn, pid_t guest_pid, pid_t *holder)
{
	pid_t pid = fork();
	if (pid < 0)
		return oci_error(-errno, "fork: %s", strerror(errno));
	if (pid == 0) {
		int code = 255;
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		for (int fd = 0; fd < 3; fd++)
			dup2(null, fd);
		setsid();
		if (holder_wait(sock_path, conn, guest_pid, &code) < 0)
			code = 255;
		_exit(code);
	}
	*holder = pid;
	return 0;
}

static int exec_in(const struct oci_exec_opts *o, struct oci_container *c, int *exit_code)
{
	struct exec_process e = { 0 };
	_cleanup_close_ int master = -1, slave = -1, conn = -1;
	pid_t guest_pid;
	int r;

	switch (oci_container_status(c)) {
	case OCI_STOPPED:
		return oci_error(-ESRCH, "exec failed: cannot exec in a stopped container");
	case OCI_PAUSED:
		return oci_error(-EINVAL, "exec failed: cannot exec in a paused container");
	case OCI_CREATING:
		return oci_error(-EINVAL, "exec failed: cannot exec in a container that is being created");
	default:
		break;
	}
	if ((r = describe(o, c, &e)) < 0 || (r = prepare(c, &e)) < 0)
		goto out;
	if (e.terminal) {
		r = -EINVAL;
		if (!o->console_socket) {
			oci_error(r, "exec failed: --tty needs --console-socket (runsc-c does not copy a terminal itself)");
			goto out;
		}
		if ((r = oci_console_open(e.rows, e.cols, &master, &slave)) < 0 ||
		    (r = oci_console_send(o->console_socket, master)) < 0)
			goto out;
		e.p.stdio[0] = e.p.stdio[1] = e.p.stdio[2] = slave;
	} else {
		e.p.stdio[0] = 0;
		e.p.stdio[1] = 1;
		e.p.stdio[2] = 2;
	}
	e.p.preserve_fds = o->preserve_fds;
	if ((r = sandbox_control_exec(c->sock_path, &e.p, &conn, &guest_pid)) < 0) {
		if (r == -ECONNREFUSED || r == -ENOENT)
			oci_error(r, "exec failed: cannot exec in a stopped container");
		else
			oci_error(r, "exec failed: %s", strerror(-r));
		goto out;
	}
	if (o->detach) {
		pid_t holder = 0;
		if ((r = detach_holder(c->sock_path, conn, guest_pid, &holder)) == 0 && o->pid_file)
			r = oci_write_pid_file(o->pid_file, holder);
		goto out;
	}
	if (o->pid_file && (r = oci_write_pid_file(o->pid_file, getpid())) < 0)
		goto out;
	if ((r = sandbox_control_wait(conn, exit_code)) < 0)
		oci_error(r, "exec: waiting for the process: %s", strerror(-r));
out:
	exec_process_free(&e);
	return r;
}

int oci_exec(const struct oci_exec_opts *o, int *exit_code)
{
	struct oci_container c = { .dirfd = -1 };
	int r = oci_container_load(o->root, o->id, &c);
	if (r < 0) {
		if (r == -ENOENT)
			oci_error(r, "exec failed: container does not exist");
		oci_container_free(&c);
		return r;
	}
	r = exec_in(o, &c, exit_code);
	oci_container_free(&c);
	return r;
}
