/* The gofer process: serves the container's trees to the sentry over the protocol socket. */
#ifndef RUNSCC_FSGOFER_SERVER_H
#define RUNSCC_FSGOFER_SERVER_H

#include <stdbool.h>
#include <stdio.h>

struct gofer_root {
	int fd;			/* O_PATH | O_DIRECTORY fd of the tree's top, or of the directory
				   holding file */
	bool readonly;
	const char *file;	/* NULL: a tree; else the one regular file of fd served */
};

/* Answers requests on sock until the peer closes it; returns 0 then, -errno on a fatal error. */
int gofer_serve(int sock, const struct gofer_root *roots, int nroots);

/* Confines the calling process: an empty root, no capabilities but what reading the trees
   needs (and, with writable, writing them as the guest's users), the gofer's seccomp
   allow-list. Call after all roots are open. */
int gofer_confine(bool writable);

/* Prints the gofer's seccomp allow-list (for `runsc-c debug gofer-syscalls`). */
int gofer_print_syscalls(FILE *out);

#endif
