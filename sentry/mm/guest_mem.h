/* Access to a guest task's memory. Every address is untrusted: any fault, wrap-around or
   unmapped page gives -EFAULT. */
#ifndef RUNSCC_SENTRY_GUEST_MEM_H
#define RUNSCC_SENTRY_GUEST_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

struct task;

/* A rewritten syscall whose new arguments live in guest memory gets them written this far
   below the stopped thread's stack pointer: past the x86-64 red zone and whatever the
   caller keeps there. */
#define GUEST_SCRATCH_GAP 512

/* Like the kernel's access_ok(): does [base, base + len) lie in the user address space? */
#define GUEST_ADDR_LIMIT 0x00007ffffffff000ULL	/* the end of the x86-64 user address space */
static inline bool guest_range_ok(uint64_t base, size_t len)
{
	return len <= GUEST_ADDR_LIMIT && base <= GUEST_ADDR_LIMIT - len;
}

int guest_read(struct task *t, uint64_t addr, void *buf, size_t len);
int guest_write(struct task *t, uint64_t addr, const void *buf, size_t len);
/* Reads a NUL-terminated string of at most size-1 bytes; returns its length, -EFAULT, or
   -ENAMETOOLONG when no NUL comes within size bytes (buf then holds size-1 of them). */
int guest_read_string(struct task *t, uint64_t addr, char *buf, size_t size);
/* Reads an iovec array (iovcnt <= IOV_MAX); returns 0 or -EFAULT/-EINVAL. */
int guest_read_iovec(struct task *t, uint64_t addr, int iovcnt, struct iovec *out);
/* Copies a sentry buffer to guest iovecs; returns bytes written or -EFAULT if none. */
long guest_write_iov(struct task *t, const struct iovec *iov, int iovcnt, const void *buf,
		     size_t len);
/* Reads a guest pointer array (argv/envp style) ending in NULL, at most max entries;
   returns the count or -E2BIG/-EFAULT. *out is malloc'd. */
int guest_read_ptr_array(struct task *t, uint64_t addr, size_t max, uint64_t **out);

#endif
