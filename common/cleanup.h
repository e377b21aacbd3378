/* Scope-bound release of fds and allocations, so early error returns do not leak. */
#ifndef RUNSCC_COMMON_CLEANUP_H
#define RUNSCC_COMMON_CLEANUP_H

#include <stdlib.h>
#include <unistd.h>
#include <errno.h>

static inline void cleanup_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void cleanup_freep(void *p)
{
	free(*(void **)p);
}

#define _cleanup_close_ __attribute__((cleanup(cleanup_closep)))
#define _cleanup_free_ __attribute__((cleanup(cleanup_freep)))

/* Hand ownership out of a cleanup-managed variable. */
static inline int take_fd(int *fd)
{
	int r = *fd;
	*fd = -1;
	return r;
}

static inline void *take_ptr(void *pp)
{
	void **p = pp;
	void *r = *p;
	*p = NULL;
	return r;
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
