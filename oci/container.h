/* The OCI lifecycle operations behind the runc-compatible commands (crun's libcrun/container.c
   role): each loads the state, checks the status as runc does, drives the sandbox over its
   control socket and records the result. Errors are reported with oci_error in runc's words
   and returned as -errno. */
#ifndef RUNSCC_OCI_CONTAINER_H
#define RUNSCC_OCI_CONTAINER_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "platform/platform.h"

struct oci_create_opts {
	const char *command;		/* "create" or "run", for runc's "runc create failed: " */
	const char *root, *id, *bundle;
	const char *pid_file;		/* NULL: none */
	const char *console_socket;	/* NULL: none (process.terminal then fails) */
	const char *pidfd_socket;	/* NULL: none */
	bool systemd_cgroup;
	enum platform_kind platform;
	int preserve_fds;
	bool root_direct;		/* --overlay=none */
	const char *log_path;		/* passed to the sandbox's processes */
	bool debug;
};

int oci_create(const struct oci_create_opts *o);
int oci_start(const char *root, const char *id);
/* `run`: create + start; unless detach, waits for the container and deletes it, and
   *exit_code is its code (128+signal if killed). */
int oci_run(const struct oci_create_opts *o, bool detach, int *exit_code);
int oci_kill(const char *root, const char *id, int sig, bool all);
int oci_delete(const char *root, const char *id, bool force);
int oci_pause(const char *root, const char *id);
int oci_resume(const char *root, const char *id);
/* resources_file: a linux.resources JSON file, "-" for stdin. */
int oci_update(const char *root, const char *id, const char *resources_file);
/* Writes runc's `state` JSON to out. */
int oci_state(const char *root, const char *id, FILE *out);
/* Host pids of the container's processes (none once stopped). */
int oci_pids(const char *root, const char *id, pid_t **pids, size_t *n);
/* `runsc-c debug memory`: the sandbox's memory, one figure per line (oci/memory.c). */
int oci_memory(const char *root, const char *id, FILE *out);
/* `list`: format "table" or "json"; quiet prints ids only. */
int oci_list(const char *root, const char *format, bool quiet, FILE *out);

/* --overlay and the annotation OCI_OVERLAY_ANNOTATION: "memory" (the default: the guest's
   writes to its root stay in the sentry's memory) or "none" (*direct: they go to rootfs). */
#define OCI_OVERLAY_ANNOTATION "dev.runsc-c.overlay"
int oci_overlay_parse(const char *s, bool *direct);

/* "KILL", "SIGKILL", "9" -> 9. */
int oci_signal_parse(const char *s, int *sig);

/* Writes pid to path as runc does: to a temporary file renamed into place. */
int oci_write_pid_file(const char *path, pid_t pid);

#endif
