/* Starting a sandbox: the gofer and the sentry as processes of their own, connected by a
   socketpair, with the sentry told what to run through a JSON spec. */
#ifndef RUNSCC_SANDBOX_H
#define RUNSCC_SANDBOX_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "platform/platform.h"
#include "sentry/kernel.h"

struct sandbox_spec {
	const char *rootfs;
	enum platform_kind platform;
	bool strace;
	const char *hostname;
	const char *cwd;
	char **argv;		/* NULL-terminated */
	char **env;		/* NULL-terminated */
	uid_t uid;
	gid_t gid;
	uint32_t pids_max;
	const char *log_path;	/* passed on to the gofer and the sentry */
	bool debug;
};

/* Runs the sandbox in the foreground; returns the guest's exit code (128+signal if killed),
   or 125 if the sandbox could not start. */
int sandbox_run(const struct sandbox_spec *spec);

/* The sentry's side: reads the spec from fd into cfg (strings owned by cfg). */
int sandbox_read_spec(int fd, struct boot_config *cfg);

#endif
