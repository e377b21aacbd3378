#define _GNU_SOURCE
#include "oci/hooks.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "oci/log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char **strings_of(json_object *a, const char *first)
{
	size_t n = a ? json_object_array_length(a) : 0;
	char **v = calloc(n + 2, sizeof(char *));
	size_t k = 0;
	if (!v)
		return NULL;
	if (first && n == 0)
		v[k++] = (char *)first;
	for (size_t i = 0; i < n; i++)
		v[k++] = (char *)json_object_get_string(json_object_array_get_idx(a, i));
	return v;
}

/* Waits for pid at most timeout seconds (then kills it); returns its wait status. */
static int wait_timeout(pid_t pid, int timeout, bool *timed_out)
{
	_cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	int status = 0;
	*timed_out = false;
	if (pidfd >= 0) {
		struct pollfd p = { .fd = pidfd, .events = POLLIN };
		int r;
		while ((r = poll(&p, 1, timeout * 1000)) < 0 && errno == EINTR)
			;
		if (r == 0) {
			*timed_out = true;
			kill(pid, SIGKILL);
		}
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

static int run_hook(json_object *hook, const char *kind, size_t index, const char *state)
{
	json_object *path, *args = NULL, *env = NULL, *timeout = NULL;
	int in[2];
	bool timed_out;

	json_object_object_get_ex(hook, "path", &path);
	json_object_object_get_ex(hook, "args", &args);
	json_object_object_get_ex(hook, "env", &env);
	json_object_object_get_ex(hook, "timeout", &timeout);
	_cleanup_free_ char **argv = strings_of(args, json_object_get_string(path));
	_cleanup_free_ char **envp = strings_of(env, NULL);
	/* The hook's output is kept for the error message, never put on the container's stdio. */
	_cleanup_close_ int out = memfd_create("hook-output", MFD_CLOEXEC);
	if (!argv || !envp || out < 0 || pipe2(in, O_CLOEXEC) < 0)
		return oci_error(-ENOMEM, "running %s hook #%zu: out of resources", kind, index);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out, 1);
		dup2(out, 2);
		execve(json_object_get_string(path), argv, envp);
		dprintf(2, "exec %s: %s", json_object_get_string(path), strerror(errno));
		_exit(127);
	}
	close(in[0]);
	if (pid < 0) {
		close(in[1]);
		return oci_error(-errno, "running %s hook #%zu: fork: %s", kind, index, strerror(errno));
	}
	signal(SIGPIPE, SIG_IGN);
	write_full(in[1], state, strlen(state));
	close(in[1]);
	int status = wait_timeout(pid, timeout ? json_object_get_int(timeout) : 3600, &timed_out);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && !timed_out)
		return 0;
	char text[1024];
	ssize_t n = pread(out, text, sizeof(text) - 1, 0);
	text[n > 0 ? n : 0] = '\0';
	if (timed_out)
		return oci_error(-ETIMEDOUT, "error running %s hook #%zu: timeout after %d seconds",
				 kind, index, json_object_get_int(timeout));
	if (WIFSIGNALED(status))
		return oci_error(-ECANCELED, "error running %s hook #%zu: signal: %s, output: %s", kind,
				 index, strsignal(WTERMSIG(status)), text);
	return oci_error(-ECANCELED, "error running %s hook #%zu: exit status %d, output: %s", kind,
			 index, WEXITSTATUS(status), text);
}

int oci_hooks_run(json_object *hooks, enum oci_hook_kind kind, json_object *state)
{
	json_object *list;
	if (!hooks || !json_object_object_get_ex(hooks, oci_hook_names[kind], &list))
		return 0;
	const char *text = json_object_to_json_string_ext(state, JSON_C_TO_STRING_PLAIN);
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		int r = run_hook(json_object_array_get_idx(list, i), oci_hook_names[kind], i, text);
		if (r < 0)
			return r;
	}
	return 0;
}
