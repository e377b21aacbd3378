/* Answering a seccomp notification, with the fds to install in the guest first. */
#ifndef RUNSCC_PLATFORM_NOTIF_H
#define RUNSCC_PLATFORM_NOTIF_H

#include <stdint.h>
#include "platform/platform.h"

/* Installs the n fds, then answers: continue, or result (a value or -errno). When the result
   is the last installed fd, install and answer are one step (SECCOMP_ADDFD_FLAG_SEND): each
   ADDFD alone waits for the guest thread to take the fd, a round trip of its own. Returns 0,
   or -ENOENT when the guest thread no longer waits for the answer. */
int notif_answer(int listener, uint64_t id, const struct fd_install *installs, int n, bool cont,
		 long result);
/* The two halves, for a caller that must act between them: installs the n fds without
   answering (0, -ENOENT, or the -errno the host refused an fd with), then answers (0 or
   -ENOENT). */
int notif_install(int listener, uint64_t id, const struct fd_install *installs, int n);
int notif_send(int listener, uint64_t id, bool cont, long result);

#endif
