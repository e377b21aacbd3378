/* A guest process before it is one: the host process that drops to the guest identity,
   waits for the tracer, installs the guest filter and execs the program through the sentry.
   The first process is forked by the sentry itself; those of control "exec" requests by the
   spawner (sentry/spawner.c). */
#ifndef RUNSCC_SENTRY_LAUNCHER_H
#define RUNSCC_SENTRY_LAUNCHER_H

#include <stdbool.h>

#include "platform/platform.h"
#include "sentry/guest_process.h"

/* The host identity guest processes run as: nobody, holding no capability. */
#define GUEST_HOST_ID 65534

/* Runs in the new host process with the guest's stdio at 0-2 (and fds[0..nfds-1] put at
   3..3+nfds-1, OCI --preserve-fds): reads one byte from go_fd (the
   tracer has attached), then one from start_fd unless it is -1 (OCI start), and execs.
   init stays in the sentry's session and process group; a process entering later
   (entering: control "exec") gets a process group of its own, or a session of its own with a
   terminal on fd 0 as its controlling terminal. */
void __attribute__((noreturn)) launcher_main(enum platform_kind platform, const struct guest_process *p,
					     int go_fd, int start_fd, const int *fds, int nfds,
					     bool entering);

#endif
