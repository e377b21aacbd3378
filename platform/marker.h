#ifndef RUNSCC_PLATFORM_MARKER_H
#define RUNSCC_PLATFORM_MARKER_H

#include <fcntl.h>
#include <linux/seccomp.h>
#include "platform/platform.h"

/* Leaves a request for tid's next marker notification; takes ownership of the install fds. */
int marker_put(pid_t tid, const struct fd_install *installs, int n, bool cont, long value);
void marker_release_installs(struct fd_install *installs, int n);
bool marker_is(int nr, const uint64_t *args);
/* Forgets tid's request (the thread is gone). */
void marker_drop(pid_t tid);
/* Serves a marker notification: installs, then continues or answers. */
void marker_serve(int listener, const struct seccomp_notif *req);

#endif
