/* A process to start in the sandbox, as the sandbox spec (the first process) and a control
   "exec" request describe it: the same JSON object in both, parsed here. */
#ifndef RUNSCC_SENTRY_GUEST_PROCESS_H
#define RUNSCC_SENTRY_GUEST_PROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <json-c/json.h>

struct task;

/* The capability sets of struct guest_process, in this order; their names in the JSON. */
enum { GUEST_CAP_BOUNDING, GUEST_CAP_EFFECTIVE, GUEST_CAP_PERMITTED, GUEST_CAP_INHERITABLE,
       GUEST_CAP_AMBIENT, GUEST_CAP_SETS };
extern const char *const guest_cap_set_names[GUEST_CAP_SETS];

struct guest_rlimit {
	int resource;
	uint64_t soft, hard;
};

struct guest_process {
	char **argv;			/* NULL-terminated, at least one entry */
	char **envp;			/* NULL-terminated */
	char *cwd;			/* NULL: / */
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	size_t ngroups;
	int umask;			/* -1: 022 */
	struct guest_rlimit *rlimits;
	size_t nrlimits;
	bool no_new_privs;		/* the host always sets it; recorded for the request */
	/* Capability sets (bit CAP_X) the process has before it execs its program, as runc
	   leaves them before its exec; the exec then moves them as Linux's execve does. */
	uint64_t caps[GUEST_CAP_SETS];
};

/* Fills p from a JSON object {"args":[...],"env":[...],"cwd","uid","gid","groups":[...],
   "umask","rlimits":[{"type","soft","hard"}],"no_new_privs","capabilities":{"bounding":N,
   "effective":N,"permitted":N,"inheritable":N,"ambient":N}} (bit masks; absent: empty);
   -EINVAL if malformed. */
int guest_process_from_json(json_object *o, struct guest_process *p);
void guest_process_free(struct guest_process *p);

/* Gives a task just created for p (kernel lock held) its groups, capabilities, umask,
   rlimits, working directory and fds 0-2 (host fds the sentry keeps copies of). With own_session (its
   launcher leads a host session of its own), a terminal on fd 0 is its session's
   controlling terminal. */
int guest_process_apply(struct task *t, const struct guest_process *p, const int stdio[3],
			bool own_session);
/* What a guest may be given (stdio, --preserve-fds): never a directory (a guest holds no host
   fd that reaches one), nor anything but a pipe, a terminal or another character device, a
   file or a socket, and no O_PATH fd. -EBADF otherwise. */
int guest_process_check_fds(const int *fds, int n);
/* The host fds[0..n-1] become t's fds first.. (the host process has them there already). */
int guest_process_adopt_fds(struct task *t, int first, const int *fds, int n);

/* Tries the paths p's program may be at, as execvp does: argv[0] itself if it has a '/',
   else each entry of the PATH in p's environment (or the default). Stops at the first try
   returning 0 and returns 0; otherwise the last error worth reporting (ENOENT unless
   another one came up). Allocates nothing (the launcher calls it between fork and exec). */
int guest_process_find_program(const struct guest_process *p, int (*try)(const char *path, void *arg),
			       void *arg);

/* In a launcher (host process about to become p): the limits the host enforces. */
void guest_process_host_rlimits(const struct guest_process *p);

#endif
