#define _GNU_SOURCE
#include "sandbox/sandbox.h"
#include "sandbox/mounts.h"
#include "sandbox/network.h"
#include "sandbox/process_json.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <json-c/json.h>

#define SPEC_MAX (1 << 24)

const char *sandbox_runtime_path = "/proc/self/exe";

static json_object *string_array(char **v)
{
	json_object *a = json_object_new_array();
	for (; v && *v; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

json_object *sandbox_process_json(const struct sandbox_process *p)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "args", string_array(p->argv));
	json_object_object_add(o, "env", string_array(p->env));
	if (p->cwd)
		json_object_object_add(o, "cwd", json_object_new_string(p->cwd));
	json_object_object_add(o, "uid", json_object_new_int64(p->uid));
	json_object_object_add(o, "gid", json_object_new_int64(p->gid));
	json_object *groups = json_object_new_array();
	for (size_t i = 0; i < p->ngroups; i++)
		json_object_array_add(groups, json_object_new_int64(p->groups[i]));
	json_object_object_add(o, "groups", groups);
	if (p->umask >= 0)
		json_object_object_add(o, "umask", json_object_new_int(p->umask));
	json_object *rlimits = json_object_new_array();
	for (size_t i = 0; i < p->nrlimits; i++) {
		json_object *l = json_object_new_object();
		json_object_object_add(l, "type", json_object_new_int(p->rlimits[i].resource));
		json_object_object_add(l, "soft", json_object_new_uint64(p->rlimits[i].soft));
		json_object_object_add(l, "hard", json_object_new_uint64(p->rlimits[i].hard));
		json_object_array_add(rlimits, l);
	}
	json_object_object_add(o, "rlimits", rlimits);
	json_object_object_add(o, "no_new_privs", json_object_new_boolean(p->no_new_privs));
	const struct { const char *name; uint64_t set; } cap_sets[] = {
		{ "bounding", p->cap_bounding }, { "effective", p->cap_effective },
		{ "permitted", p->cap_permitted }, { "inheritable", p->cap_inheritable },
		{ "ambient", p->cap_ambient },
	};
	json_object *caps = json_object_new_object();
	for (size_t i = 0; i < sizeof(cap_sets) / sizeof(cap_sets[0]); i++)
		json_object_object_add(caps, cap_sets[i].name, json_object_new_int64((int64_t)cap_sets[i].set));
	json_object_object_add(o, "capabilities", caps);
	return o;
}

/* The first process: argv, env, cwd and ids from the spec's top level, the rest from init. */
static json_object *init_process_json(const struct sandbox_spec *s)
{
	struct sandbox_process p = s->init;
	p.argv = s->argv;
	p.env = s->env;
	p.cwd = s->cwd;
	p.uid = s->uid;
	p.gid = s->gid;
	return sandbox_process_json(&p);
}

static char *spec_to_json(const struct sandbox_spec *s, bool wait_for_start, int preserved_at,
			  pid_t gofer)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "gofer_pid", json_object_new_int(gofer));
	json_object_object_add(o, "platform", json_object_new_string(platform_name(s->platform)));
	json_object_object_add(o, "strace", json_object_new_boolean(s->strace));
	if (s->hostname)
		json_object_object_add(o, "hostname", json_object_new_string(s->hostname));
	if (s->uname_release)
		json_object_object_add(o, "uname_release", json_object_new_string(s->uname_release));
	json_object_object_add(o, "pids_max", json_object_new_int64(s->pids_max));
	json_object_object_add(o, "wait_for_start", json_object_new_boolean(wait_for_start));
	if (s->egress)
		json_object_object_add(o, "egress", json_object_new_string(s->egress));
	json_object_object_add(o, "netns_own", json_object_new_boolean(sandbox_netns_own()));
	json_object_object_add(o, "process", init_process_json(s));
	if (preserved_at > 0) {
		json_object_object_add(o, "preserved_fds", json_object_new_int(s->preserve_fds));
		json_object_object_add(o, "preserved_at", json_object_new_int(preserved_at));
	}
	if (sandbox_mounts_to_json(s, o) < 0) {
		json_object_put(o);
		return NULL;
	}
	char *text = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return text;
}

int sandbox_read_spec(int fd, struct boot_config *cfg)
{
	_cleanup_free_ char *buf = malloc(SPEC_MAX);
	json_object *o, *v;
	int r = -EINVAL;

	if (!buf)
		return -ENOMEM;
	ssize_t n = read_full(fd, buf, SPEC_MAX - 1);
	if (n < 0)
		return (int)n;
	buf[n] = '\0';
	o = json_tokener_parse(buf);
	if (!o)
		return log_errno(-EINVAL, "the sandbox spec is not JSON");
	if (!json_object_object_get_ex(o, "platform", &v) ||
	    platform_parse(json_object_get_string(v), &cfg->platform) < 0)
		goto out;
	if (json_object_object_get_ex(o, "strace", &v))
		cfg->strace = json_object_get_boolean(v);
	if (json_object_object_get_ex(o, "hostname", &v))
		cfg->hostname = strdup(json_object_get_string(v));
	if (json_object_object_get_ex(o, "uname_release", &v))
		cfg->uname_release = strdup(json_object_get_string(v));
	if (json_object_object_get_ex(o, "gofer_pid", &v))
		cfg->gofer_pid = json_object_get_int(v);
	if (json_object_object_get_ex(o, "pids_max", &v))
		cfg->pids_max = (uint32_t)json_object_get_int64(v);
	if (json_object_object_get_ex(o, "wait_for_start", &v))
		cfg->wait_for_start = json_object_get_boolean(v);
	if (json_object_object_get_ex(o, "egress", &v))
		cfg->egress = strdup(json_object_get_string(v));
	if (json_object_object_get_ex(o, "netns_own", &v))
		cfg->netns_own = json_object_get_boolean(v);
	if (!json_object_object_get_ex(o, "process", &v) || guest_process_from_json(v, &cfg->init) < 0)
		goto out;
	if (json_object_object_get_ex(o, "preserved_fds", &v)) {
		cfg->preserved_fds = json_object_get_int(v);
		if (!json_object_object_get_ex(o, "preserved_at", &v) || cfg->preserved_fds < 0 ||
		    (cfg->preserved_at = json_object_get_int(v)) < 3)
			goto out;
	}
	r = sandbox_mounts_from_json(o, cfg);
out:
	if (r < 0)
		log_error("the sandbox spec is incomplete or malformed");
	json_object_put(o);
	return r;
}

/* Starts `runsc-c ARGS` (program: NULL, or another program given the same arguments) with the
   given fds at 3, 4, ... and stdio (NULL: ours). A detached one (OCI create) outlives us: no
   parent-death signal, a session of its own. */
static pid_t spawn_self(const char *program, char *const argv[], const int *stdio, const int *fds,
			int nfds, bool detached)
{
	const char *path = program ? program : sandbox_runtime_path;
	pid_t pid = fork();
	if (pid != 0)
		return pid < 0 ? -errno : pid;
	if (detached)
		setsid();
	else
		prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* Move the fds out of the way first, then into place. */
	int tmp[nfds], tmp_stdio[3], away = 3 + nfds < 100 ? 100 : 3 + nfds;
	for (int i = 0; i < nfds; i++)
		tmp[i] = fcntl(fds[i], F_DUPFD, away);
	for (int i = 0; stdio && i < 3; i++)
		if ((tmp_stdio[i] = fcntl(stdio[i], F_DUPFD, away)) < 0 || dup2(tmp_stdio[i], i) < 0)
			_exit(125);
	for (int i = 0; i < nfds; i++)
		if (tmp[i] < 0 || dup2(tmp[i], 3 + i) < 0)
			_exit(125);
	cloexec_fds_from(3 + nfds, NULL, 0);
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	execv(path, argv);
	dprintf(2, "runsc-c: exec %s: %s\n", path, strerror(errno));
	_exit(125);
}

static void global_args(const struct sandbox_spec *s, char **argv, int *n)
{
	argv[(*n)++] = "runsc-c";
	if (s->log_path) {
		argv[(*n)++] = "--log";
		argv[(*n)++] = (char *)s->log_path;
	}
	if (s->debug)
		argv[(*n)++] = "--debug";
}

/* Returns its wait status. */
static int kill_and_reap(pid_t pid)
{
	int status = 0;
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

/* Starts the gofer and the sentry and sends the spec. With ready_fd (OCI create: not -1), they
   are detached, the sentry serves spec->control_fd, says "ready" on ready_fd, and its init
   (stdio spec->init.stdio) waits for "start" if the spec says so. */
static int sandbox_start(const struct sandbox_spec *spec, int ready_fd, pid_t *gofer_pid,
			 pid_t *sentry_pid)
{
	bool create = ready_fd >= 0;
	int sv[2], specpipe[2];
	_cleanup_close_ int devnull = create ? open("/dev/null", O_RDWR | O_CLOEXEC) : -1;
	int null_stdio[3] = { devnull, devnull, devnull };

	if (create && devnull < 0)
		return log_errno(-errno, "/dev/null");
	_cleanup_free_ char **gofer_argv = calloc(12 + sandbox_mounts_gofer_nargs(spec), sizeof(char *));
	if (!gofer_argv)
		return log_errno(-ENOMEM, "starting the gofer");
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return log_errno(-errno, "socketpair");
	int n = 0;
	global_args(spec, gofer_argv, &n);
	gofer_argv[n++] = "gofer";
	gofer_argv[n++] = "--sock-fd";
	gofer_argv[n++] = "3";
	gofer_argv[n++] = spec->root_direct ? "--root-rw" : "--root";
	gofer_argv[n++] = (char *)spec->rootfs;
	sandbox_mounts_gofer_args(spec, gofer_argv, &n);
	gofer_argv[n] = NULL;
	/* Testing only: RUNSCC_DEBUG_GOFER=PROGRAM runs PROGRAM with the gofer's arguments and
	   socket in its place (tests/tools/fake_gofer.c, a gofer that misbehaves). */
	pid_t gofer = spawn_self(getenv("RUNSCC_DEBUG_GOFER"), gofer_argv, create ? null_stdio : NULL,
				 &sv[1], 1, create);
	close(sv[1]);
	if (gofer < 0) {
		close(sv[0]);
		return log_errno(gofer, "starting the gofer");
	}

	if (pipe2(specpipe, O_CLOEXEC) < 0) {
		int r = -errno;
		close(sv[0]);
		kill_and_reap(gofer);
		return log_errno(r, "pipe");
	}
	char *sentry_argv[16];
	n = 0;
	global_args(spec, sentry_argv, &n);
	sentry_argv[n++] = "boot";
	sentry_argv[n++] = "--gofer-fd";
	sentry_argv[n++] = "3";
	sentry_argv[n++] = "--spec-fd";
	sentry_argv[n++] = "4";
	if (create) {
		sentry_argv[n++] = "--ready-fd";
		sentry_argv[n++] = "5";
		if (spec->control_fd >= 0) {
			sentry_argv[n++] = "--control-fd";
			sentry_argv[n++] = "6";
		}
	}
	sentry_argv[n] = NULL;
	/* --preserve-fds: the caller's 3..3+N-1 follow the sentry's own (with a control socket). */
	int npreserved = create && spec->control_fd >= 0 ? spec->preserve_fds : 0;
	int fds[4 + npreserved];
	memcpy(fds, (int[]){ sv[0], specpipe[0], ready_fd, spec->control_fd }, 4 * sizeof(int));
	for (int i = 0; i < npreserved; i++)
		fds[4 + i] = 3 + i;
	int nfds = !create ? 2 : spec->control_fd >= 0 ? 4 + npreserved : 3;
	pid_t sentry = spawn_self(NULL, sentry_argv, create ? spec->init.stdio : NULL, fds, nfds, create);
	close(sv[0]);
	close(specpipe[0]);
	if (sentry < 0) {
		close(specpipe[1]);
		kill_and_reap(gofer);
		return log_errno(sentry, "starting the sentry");
	}
	char *json = spec_to_json(spec, create && spec->wait_for_start, npreserved ? 3 + 4 : 0, gofer);
	int wr = json ? write_full(specpipe[1], json, strlen(json)) : -ENOMEM;
	free(json);
	close(specpipe[1]);
	if (wr < 0)
		log_errno(wr, "sending the spec to the sentry");
	*gofer_pid = gofer;
	*sentry_pid = sentry;
	return 0;
}

int sandbox_create(const struct sandbox_spec *spec, pid_t *sentry_pid)
{
	int ready[2];
	pid_t gofer, sentry;
	char c;
	ssize_t n;

	if (pipe2(ready, O_CLOEXEC) < 0)
		return log_errno(-errno, "pipe");
	int r = sandbox_start(spec, ready[1], &gofer, &sentry);
	close(ready[1]);
	if (r < 0) {
		close(ready[0]);
		return r;
	}
	while ((n = read(ready[0], &c, 1)) < 0 && errno == EINTR)
		;
	close(ready[0]);
	if (n != 1) {
		/* It ended without saying ready: with 127 or 126 when init's program is missing
		   or not executable (as a shell says), else for a reason it logged. */
		int code = wait_status_exit_code(kill_and_reap(sentry));
		kill_and_reap(gofer);
		return log_errno(code == 127 ? -ENOENT : code == 126 ? -EACCES : -EIO,
				 "the sandbox did not start");
	}
	*sentry_pid = sentry;
	return 0;
}

int sandbox_run(const struct sandbox_spec *spec)
{
	pid_t gofer, sentry;
	int status;

	if (sandbox_start(spec, -1, &gofer, &sentry) < 0)
		return 125;
	/* The terminal's signals go to the guest (same process group); we only wait. */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	while (waitpid(sentry, &status, 0) < 0 && errno == EINTR)
		;
	/* The gofer sees its socket close and exits. */
	while (waitpid(gofer, NULL, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	log_error("the sentry died of signal %d", WTERMSIG(status));
	return 125;
}
