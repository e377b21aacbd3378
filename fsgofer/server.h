/* The gofer process: serves the container's trees to the sentry over the protocol socket. */
#ifndef RUNSCC_FSGOFER_SERVER_H
#define RUNSCC_FSGOFER_SERVER_H

#include <stdbool.h>
#include <stdio.h>

struct gofer_root {
	int fd;			/* O_PATH | O_DIRECTORY fd of the tree's top */
	bool readonly;
};

/* Answers requests on sock until the peer closes it; returns 0 then, -errno on a fatal error. */
int gofer_serve(int sock, const struct gofer_root *roots, int nroots);

/* Confines the calling process: an empty root, no capabilities but what reading the tree
   needs, the gofer's seccomp allow-list. Call after all roots are open. */
int gofer_confine(void);

/* Prints the gofer's seccomp allow-list (for `runsc-c debug gofer-syscalls`). */
int gofer_print_syscalls(FILE *out);

#endif
