/* The control channel of a sandbox started by sandbox_create: a unix SOCK_SEQPACKET socket
   at a path of the caller's choice (the OCI state directory), served by the sentry. Each
   call connects, sends one request and reads the reply. Every function returns 0 or
   -errno (-ECONNREFUSED/-ENOENT: the sandbox is gone; the sentry's own error otherwise). */
#ifndef RUNSCC_SANDBOX_CONTROL_H
#define RUNSCC_SANDBOX_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "sandbox/sandbox.h"

/* Lets the first process exec its program (OCI start). */
int sandbox_control_start(const char *sock_path);

/* Sends sig to the first process (the guest's pid 1: as to a pid namespace's init from an
   ancestor namespace, SIGKILL and SIGSTOP always arrive, other signals only if it handles
   them, once its program runs; before "start" any signal reaches it), or with all to every
   guest process. -ESRCH: nothing left to signal. */
int sandbox_control_kill(const char *sock_path, int sig, bool all);
/* Sends sig to the guest process pid (as sandbox_control_exec gave it). */
int sandbox_control_kill_pid(const char *sock_path, pid_t pid, int sig);

/* Starts p in the same sandbox (same sentry, pid namespace, files, mounts) with p->stdio
   as its 0-2 (passed with SCM_RIGHTS; the caller may close its copies afterwards). On
   success *conn is a connection that stays open: sandbox_control_wait reads the exit code
   from it; closing it does not affect the process. *guest_pid is its pid in the sandbox. */
int sandbox_control_exec(const char *sock_path, const struct sandbox_process *p, int *conn,
			 pid_t *guest_pid);
/* The exit code of the process exec started (128+signal if killed); blocks. */
int sandbox_control_wait(int conn, int *exit_code);

/* The host pids of every guest process (for `runc ps`, which the shim reads as host pids);
   *pids malloc'd. */
int sandbox_control_ps(const char *sock_path, pid_t **pids, size_t *n);

/* The sentry's account of the sandbox's memory (sentry/control.c op_memory): the reply's
   JSON text in *json (malloc'd). */
int sandbox_control_memory(const char *sock_path, char **json);

/* Stops / continues every guest process (OCI pause/resume: SIGSTOP / SIGCONT). */
int sandbox_control_pause(const char *sock_path);
int sandbox_control_resume(const char *sock_path);

#endif
