/* The spawner: a small unconfined host process the sentry forks before it confines itself,
   which starts the processes that enter the sandbox later (control "exec"). The sentry cannot
   do it itself: its seccomp filter allows only thread clones, and it no longer holds the
   capabilities a launcher needs to drop to the guest identity. Each launcher is cloned with
   CLONE_PARENT, so that, like every guest process, it is a host child of the sentry. */
#ifndef RUNSCC_SENTRY_SPAWNER_H
#define RUNSCC_SENTRY_SPAWNER_H

#include <sys/types.h>

#include "platform/platform.h"

/* Forks the spawner (before confinement). */
int spawner_start(enum platform_kind platform);

/* Starts a launcher for the process described by process_json (a guest_process JSON
   object) with stdio as its 0-2, waiting on go_fd; *host_pid is its host pid. Serialised:
   any thread may call it. */
int spawner_launch(const char *process_json, const int stdio[3], int go_fd, const int *preserved,
		   int npreserved, pid_t *host_pid);

#endif
