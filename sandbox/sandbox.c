#define _GNU_SOURCE
#include "sandbox/sandbox.h"
#include "sandbox/mounts.h"
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

static json_object *string_array(char **v)
{
	json_object *a = json_object_new_array();
	for (; v && *v; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

static char *spec_to_json(const struct sandbox_spec *s)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "platform", json_object_new_string(platform_name(s->platform)));
	json_object_object_add(o, "strace", json_object_new_boolean(s->strace));
	if (s->hostname)
		json_object_object_add(o, "hostname", json_object_new_string(s->hostname));
	if (s->cwd)
		json_object_object_add(o, "cwd", json_object_new_string(s->cwd));
	json_object_object_add(o, "args", string_array(s->argv));
	json_object_object_add(o, "env", string_array(s->env));
	json_object_object_add(o, "uid", json_object_new_int64(s->uid));
	json_object_object_add(o, "gid", json_object_new_int64(s->gid));
	json_object_object_add(o, "pids_max", json_object_new_int64(s->pids_max));
	if (sandbox_mounts_to_json(s, o) < 0) {
		json_object_put(o);
		return NULL;
	}
	char *text = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return text;
}

static char **json_strings(json_object *a)
{
	size_t n = json_object_array_length(a);
	char **v = calloc(n + 1, sizeof(char *));
	for (size_t i = 0; v && i < n; i++) {
		json_object *e = json_object_array_get_idx(a, i);
		if (!json_object_is_type(e, json_type_string) || !(v[i] = strdup(json_object_get_string(e)))) {
			for (size_t k = 0; k < i; k++)
				free(v[k]);
			free(v);
			return NULL;
		}
	}
	return v;
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
	if (json_object_object_get_ex(o, "cwd", &v))
		cfg->cwd = strdup(json_object_get_string(v));
	if (json_object_object_get_ex(o, "uid", &v))
		cfg->uid = (uid_t)json_object_get_int64(v);
	if (json_object_object_get_ex(o, "gid", &v))
		cfg->gid = (gid_t)json_object_get_int64(v);
	if (json_object_object_get_ex(o, "pids_max", &v))
		cfg->pids_max = (uint32_t)json_object_get_int64(v);
	if (!json_object_object_get_ex(o, "args", &v) || !json_object_is_type(v, json_type_array) ||
	    json_object_array_length(v) == 0 || !(cfg->argv = json_strings(v)))
		goto out;
	if (!json_object_object_get_ex(o, "env", &v) || !json_object_is_type(v, json_type_array) ||
	    !(cfg->envp = json_strings(v)))
		goto out;
	r = sandbox_mounts_from_json(o, cfg);
out:
	if (r < 0)
		log_error("the sandbox spec is incomplete or malformed");
	json_object_put(o);
	return r;
}

/* Starts `runsc-c ARGS` with the given fds at 3, 4, ...; stdio is inherited. */
static pid_t spawn_self(char *const argv[], const int *fds, int nfds)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid < 0 ? -errno : pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* Move the fds out of the way first, then into place. */
	int tmp[4];
	for (int i = 0; i < nfds; i++)
		tmp[i] = fcntl(fds[i], F_DUPFD, 100);
	for (int i = 0; i < nfds; i++)
		if (tmp[i] < 0 || dup2(tmp[i], 3 + i) < 0)
			_exit(125);
	cloexec_fds_from(3 + nfds, NULL, 0);
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	execv("/proc/self/exe", argv);
	dprintf(2, "runsc-c: exec /proc/self/exe: %s\n", strerror(errno));
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

int sandbox_run(const struct sandbox_spec *spec)
{
	int sv[2], specpipe[2];
	pid_t gofer, sentry;
	int status;

	_cleanup_free_ char **gofer_argv = calloc(12 + sandbox_mounts_gofer_nargs(spec), sizeof(char *));
	if (!gofer_argv)
		return log_errno(-ENOMEM, "starting the gofer"), 125;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return log_errno(-errno, "socketpair"), 125;
	int n = 0;
	global_args(spec, gofer_argv, &n);
	gofer_argv[n++] = "gofer";
	gofer_argv[n++] = "--sock-fd";
	gofer_argv[n++] = "3";
	gofer_argv[n++] = "--root";
	gofer_argv[n++] = (char *)spec->rootfs;
	sandbox_mounts_gofer_args(spec, gofer_argv, &n);
	gofer_argv[n] = NULL;
	gofer = spawn_self(gofer_argv, &sv[1], 1);
	close(sv[1]);
	if (gofer < 0) {
		close(sv[0]);
		return log_errno(gofer, "starting the gofer"), 125;
	}

	if (pipe2(specpipe, O_CLOEXEC) < 0)
		return log_errno(-errno, "pipe"), 125;
	char *sentry_argv[12];
	n = 0;
	global_args(spec, sentry_argv, &n);
	sentry_argv[n++] = "boot";
	sentry_argv[n++] = "--gofer-fd";
	sentry_argv[n++] = "3";
	sentry_argv[n++] = "--spec-fd";
	sentry_argv[n++] = "4";
	sentry_argv[n] = NULL;
	int fds[2] = { sv[0], specpipe[0] };
	sentry = spawn_self(sentry_argv, fds, 2);
	close(sv[0]);
	close(specpipe[0]);
	if (sentry < 0) {
		close(specpipe[1]);
		kill(gofer, SIGKILL);
		waitpid(gofer, NULL, 0);
		return log_errno(sentry, "starting the sentry"), 125;
	}
	char *json = spec_to_json(spec);
	int wr = json ? write_full(specpipe[1], json, strlen(json)) : -ENOMEM;
	free(json);
	close(specpipe[1]);
	if (wr < 0)
		log_errno(wr, "sending the spec to the sentry");

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
