/* The spawner: a small unconfined host process the sentry forks before it confines itself,
   which starts the processes that enter the sandbox later (control "exec"). The sentry cannot
   do it itself: its seccomp filter allows only thread clones, and it no longer holds the
   capabilities a launcher needs to drop to the guest identity. Each launcher is cloned with
   CLONE_PARENT, so that, like every guest process, it is a host child of the sentry. */
#ifndef RUNSCC_SENTRY_SPAWNER_H
#define RUNSCC_SENTRY_SPAWNER_H

#include <sys/types.h>

#include "platform/platform.h"

/* Forks the spawner (before confinement), handing it proc_dir, a directory fd of the host's
   /proc (it keeps its own copy). */
int spawner_start(enum platform_kind platform, int proc_dir);

/* Starts a launcher for the process described by process_json (a guest_process JSON
   object) with stdio as its 0-2, waiting on go_fd; *host_pid is its host pid. Serialised:
   any thread may call it. */
int spawner_launch(const char *process_json, const int stdio[3], int go_fd, const int *preserved,
		   int npreserved, pid_t *host_pid);

/* The host's /proc files of a guest process the spawner opens for the sentry (the guest's
   memory figures and maps, which the host holds): a fixed list, named by index. */
enum spawner_proc_file {
	SPAWNER_PROC_MAPS,
	SPAWNER_PROC_SMAPS,
	SPAWNER_PROC_SMAPS_ROLLUP,
	SPAWNER_PROC_STATM,
	SPAWNER_PROC_STATUS,
	SPAWNER_PROC_NFILES
};

/* A read-only fd of the host's /proc/<pid>/<file> of the process pidfd names, which must be
   a host child of the sentry; -errno otherwise (-ESRCH: gone). One round trip. */
int spawner_proc_open(int pidfd, enum spawner_proc_file file);

#endif
