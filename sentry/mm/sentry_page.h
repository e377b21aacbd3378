/* A page of the sentry's in each guest process, for the arguments of a rewritten syscall
   that the host reads from memory (see sentry_page.c). */
#ifndef RUNSCC_SENTRY_SENTRY_PAGE_H
#define RUNSCC_SENTRY_SENTRY_PAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct task;
struct syscall_event;

#define SENTRY_PAGE_SIZE 4096
#define SENTRY_PAGE_SLOT 64		/* bytes per slot; one slot per call in flight */

/* Does [addr, addr+len) touch t's process's sentry page? Calls that would unmap, move,
   unprotect or replace it are refused with EPERM, as for a sealed mapping. */
bool sentry_page_overlaps(struct task *t, uint64_t addr, uint64_t len);

/* Puts len (<= SENTRY_PAGE_SLOT) bytes in a slot of the page for the call being decided
   (through the tracer) and sets *addr to it; the slot is the call's until its syscall-exit
   stop (the caller sets ev->rewrite_trace_exit). Without a page yet, rewrites the call into
   the mmap that makes one and returns SYSCALL_REWRITE: the original call then runs again.
   Else 0 or -errno (EAGAIN: every slot in use). */
long sentry_page_put(struct task *t, struct syscall_event *ev, const void *data, size_t len,
		     uint64_t *addr);

/* The exit sentry_page_put() sets for the mmap that makes the page: the page is there, the
   original call runs again (SYSCALL_RESTART), or the mmap's error is the call's. */
long sentry_page_made(struct task *t, long host_result);

/* The syscall-exit that sentry_page_put() sets: frees the call's slot, returns host_result.
   A handler with an exit of its own calls it there. */
long sentry_page_release(struct task *t, long host_result);

#endif
