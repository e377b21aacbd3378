/* Starting a sandbox: the gofer and the sentry as processes of their own, connected by a
   socketpair, with the sentry told what to run through a JSON spec. */
#ifndef RUNSCC_SANDBOX_H
#define RUNSCC_SANDBOX_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "platform/platform.h"
#include "sentry/kernel.h"

/* A mount of the container's (OCI config.json "mounts"), as the sentry is to provide it. */
struct sandbox_mount {
	const char *destination;	/* absolute path in the guest */
	const char *type;		/* "bind", "tmpfs", "proc", "sysfs", "devpts", "mqueue", ... */
	const char *source;		/* host path for "bind" */
	bool readonly;
	uint64_t size;			/* tmpfs size= in bytes; 0: the default */
	uint32_t mode;			/* tmpfs mode=; 0: the default */
};

/* A file the sentry writes into the root's upper layer at boot (the guest's own copy, which
   it may change): `do --network=host`'s name resolution files. */
struct sandbox_file {
	const char *path;		/* absolute path in the guest */
	const char *content;
};

/* One resource limit (RLIMIT_*), as setrlimit takes it. */
struct sandbox_rlimit {
	int resource;
	uint64_t soft, hard;
};

/* One process to run in the sandbox: the first one (init) or one started by exec. */
struct sandbox_process {
	char **argv;		/* NULL-terminated; argv[0] resolved in the guest's PATH */
	char **env;		/* NULL-terminated */
	const char *cwd;
	uid_t uid;
	gid_t gid;
	gid_t *groups;		/* additional gids */
	size_t ngroups;
	int umask;		/* -1: the default (022) */
	struct sandbox_rlimit *rlimits;
	size_t nrlimits;
	bool no_new_privs;
	/* Capability sets as bit masks (1 << CAP_X), as runc leaves them before its exec; the
	   sentry moves them through the program's exec as Linux does and enforces them. */
	uint64_t cap_bounding, cap_effective, cap_permitted, cap_inheritable, cap_ambient;
	int stdio[3];		/* host fds that become the process's 0, 1, 2 */
	int preserve_fds;	/* exec: the caller's fds 3..3+N-1 become the process's too */
};

struct sandbox_spec {
	const char *rootfs;
	enum platform_kind platform;
	bool strace;
	const char *hostname;
	const char *uname_release;	/* uname's release; NULL: SANDBOX_UNAME_RELEASE */
	const char *cwd;
	char **argv;		/* NULL-terminated */
	char **env;		/* NULL-terminated */
	uid_t uid;
	gid_t gid;
	uint32_t pids_max;
	const char *log_path;	/* passed on to the gofer and the sentry */
	bool debug;
	/* OCI: extra mounts, a read-only root, paths to mask or make read-only. */
	struct sandbox_mount *mounts;
	size_t nmounts;
	bool root_readonly;
	/* Bytes of file data the root's in-memory upper layer may hold (ENOSPC past it); 0: half
	   of the host's memory, as tmpfs's default. */
	uint64_t overlay_size;
	/* --overlay=none: no in-memory layer; the guest's writes go through the gofer to rootfs. */
	bool root_direct;
	char **masked_paths;	/* NULL-terminated or NULL */
	char **readonly_paths;	/* NULL-terminated or NULL */
	struct sandbox_file *files;
	size_t nfiles;
	/* OCI: the first process's details beyond argv/env/cwd/uid/gid above (init.stdio is
	   ignored by sandbox_run, which passes its own 0-2). */
	struct sandbox_process init;
	/* OCI create: a listening unix socket (SOCK_SEQPACKET) the sentry serves control
	   requests on (sandbox/control.h); -1: none. */
	int control_fd;
	/* OCI create: the first process does not exec until a "start" control request. */
	bool wait_for_start;
	/* Egress policy text (common/egress.h); NULL: none. */
	const char *egress;
	/* OCI create --preserve-fds: the caller's fds 3..3+N-1 are init's too. */
	int preserve_fds;
};

/* The runsc-c binary the gofer and the sentry are started from (`runsc-c gofer`, `runsc-c
   boot`): by default the running program itself; a test program linked with the library
   sets it. */
extern const char *sandbox_runtime_path;

/* Runs the sandbox in the foreground; returns the guest's exit code (128+signal if killed),
   or 125 if the sandbox could not start. */
int sandbox_run(const struct sandbox_spec *spec);

/* OCI create: starts the gofer and the sentry detached from the caller (no parent-death
   signal; the caller's subreaper, e.g. containerd's shim, inherits them) with the first
   process waiting for "start". Returns once the sentry has the first process ready, with the
   sentry's host pid in *sentry_pid: that process lives exactly as long as the guest's init
   and exits with its exit code (128+signal if killed). spec->init.stdio are the first
   process's 0-2. Returns -errno (and starts nothing, leaves nothing) on failure: -ENOENT
   when the first program is not found (in its PATH), -EACCES when it is not executable. */
int sandbox_create(const struct sandbox_spec *spec, pid_t *sentry_pid);

/* The sentry's side: reads the spec from fd into cfg (strings owned by cfg). */
int sandbox_read_spec(int fd, struct boot_config *cfg);

#endif
