/* `exec`: a new process in a running container's sandbox (same sentry, pid namespace, files,
   mounts), described by --process FILE, or by args with flags over the container's own
   config.json process. */
#ifndef RUNSCC_OCI_EXEC_H
#define RUNSCC_OCI_EXEC_H

#include <stdbool.h>
#include <stddef.h>

struct oci_exec_opts {
	const char *root, *id;
	const char *process_file;	/* NULL: argv and the flags below */
	char **argv;			/* NULL-terminated */
	char **env;			/* --env K=V, n_env of them */
	size_t n_env;
	const char *cwd;		/* NULL: config.json's */
	const char *user;		/* "UID[:GID]" or NULL */
	char **additional_gids;		/* n_gids decimal gids */
	size_t n_gids;
	char **caps;			/* --cap NAME, n_caps of them */
	size_t n_caps;
	bool tty, detach, no_new_privs;
	const char *pid_file, *console_socket;
	int preserve_fds;		/* the caller's fds 3..3+N-1 go to the process */
};

/* Without detach: waits and sets *exit_code (128+signal if killed). With detach: a child
   holds the process's connection and exits with its code; its pid goes to pid_file. */
int oci_exec(const struct oci_exec_opts *o, int *exit_code);

#endif
