/* A container's state directory, ROOT/ID (0700): state.json (runc's public fields plus what
   later commands need: the sentry's start time, started/paused, cgroup, hooks) and the
   control socket the sentry serves. */
#ifndef RUNSCC_OCI_STATE_H
#define RUNSCC_OCI_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/un.h>
#include <json-c/json.h>

enum oci_status { OCI_CREATING, OCI_CREATED, OCI_RUNNING, OCI_PAUSED, OCI_STOPPED };

struct oci_container {
	char *root, *id;
	int dirfd;
	/* The control socket, by a path short enough for sun_path (via /proc/self/fd if the
	   state directory's own is too long). */
	char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	pid_t pid;		/* the sentry; 0 while creating */
	uint64_t pid_start;	/* its start time (/proc/PID/stat field 22): defeats pid reuse */
	bool started, paused;
	char *bundle, *rootfs, *created, *owner;
	char *cgroup;		/* relative cgroup path, or NULL */
	json_object *annotations, *hooks;
	json_object *mounts;	/* the mount destinations (exec checks its program against them) */
};

/* runc's rule: letters, digits, '_', '+', '-', '.'; not "." or "..". */
int oci_id_check(const char *id);

/* Makes ROOT/ID; -EEXIST ("container with given ID already exists") if it is there. */
int oci_container_create_dir(const char *root, const char *id, struct oci_container *c);
/* -ENOENT, with no message (the caller words it), if there is no such container. */
int oci_container_load(const char *root, const char *id, struct oci_container *c);
int oci_container_save(const struct oci_container *c);
/* Removes the state directory. */
int oci_container_remove_dir(struct oci_container *c);
void oci_container_free(struct oci_container *c);

enum oci_status oci_container_status(const struct oci_container *c);
const char *oci_status_name(enum oci_status s);
/* runc's `state` JSON: ociVersion, id, pid (0 once stopped), status, bundle, rootfs,
   created, owner, annotations. */
json_object *oci_container_state_json(const struct oci_container *c);

/* The ids under root, sorted; *ids malloc'd (each too). */
int oci_container_list(const char *root, char ***ids, size_t *n);

/* Start time of a live, non-zombie pid; -ESRCH otherwise. */
int oci_pid_start_time(pid_t pid, uint64_t *start);

#endif
