/* The host cgroup that holds a sandbox's gofer, sentry and guest processes, so that
   linux.resources bound the whole sandbox. cgroup v1 (each controller's hierarchy under
   /sys/fs/cgroup, plus the unified and named ones of a hybrid set-up) and v2 (/sys/fs/cgroup
   is cgroup2). Paths are relative to each hierarchy's root. */
#ifndef RUNSCC_OCI_CGROUP_H
#define RUNSCC_OCI_CGROUP_H

#include <stdbool.h>
#include <sys/types.h>

#include "oci/spec.h"

/* The cgroup's relative path from linux.cgroupsPath: cgroupfs style ("/docker/ID"; empty:
   "/runsc-c/ID") or, with systemd (--systemd-cgroup, or a "slice:prefix:name" value),
   "/system.slice/prefix-name.scope" (no systemd is asked: the directories are made here). */
int oci_cgroup_path(const char *cgroups_path, bool systemd, const char *id, char **rel);

/* Makes the cgroup in every hierarchy and applies res. Cleans up after itself on failure. */
int oci_cgroup_create(const char *rel, const struct oci_resources *res);
/* Applies res to an existing cgroup (`update`). */
int oci_cgroup_apply(const char *rel, const struct oci_resources *res);
/* Moves the calling process into the cgroup; its later children start there. */
int oci_cgroup_enter(const char *rel);
/* Kills what is left in the cgroup and removes it (bounded wait for the processes to go). */
int oci_cgroup_destroy(const char *rel);

/* Runs run(arg) in a child that joined a new cgroup rel with res applied, waits for it and
   removes the cgroup (and whatever is left in it). Returns run's exit code (125 if the child
   could not join; 128+signal if it was killed) or -errno if the cgroup could not be made. */
int oci_cgroup_run(const char *rel, const struct oci_resources *res, int (*run)(void *), void *arg);

/* The cgroup's pids.max for linux.resources.pids.limit N: the guest's limit is enforced by
   the sentry (spec.pids_max); the cgroup bounds the whole sandbox, where every guest thread
   may have a sentry thread waiting on its behalf (wait4, poll, flock...), plus the sentry's
   and gofer's own threads. At N + 64 a fork bomb at the limit starved the sentry of threads
   and hung. */
#define OCI_CGROUP_PIDS_MAX(n) (2 * (n) + 64)

#endif
