#define _GNU_SOURCE
#include "sentry/mm/guest_mem.h"
#include "sentry/task/task.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#define PAGE_SIZE_GUEST 4096UL

int guest_read(struct task *t, uint64_t addr, void *buf, size_t len)
{
	if (len == 0)
		return 0;
	if (!guest_range_ok(addr, len))
		return -EFAULT;
	struct iovec local = { buf, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };
	ssize_t n = process_vm_readv(t->host_tid, &local, 1, &remote, 1, 0);
	return n == (ssize_t)len ? 0 : -EFAULT;
}

int guest_write(struct task *t, uint64_t addr, const void *buf, size_t len)
{
	if (len == 0)
		return 0;
	if (!guest_range_ok(addr, len))
		return -EFAULT;
	struct iovec local = { (void *)buf, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };
	ssize_t n = process_vm_writev(t->host_tid, &local, 1, &remote, 1, 0);
	return n == (ssize_t)len ? 0 : -EFAULT;
}

int guest_read_string(struct task *t, uint64_t addr, char *buf, size_t size)
{
	size_t done = 0;

	if (size == 0)
		return -ENAMETOOLONG;
	/* Page by page: a string may end just before an unmapped page. Like the kernel's
	   strncpy_from_user(), the NUL may be the size-th byte: a 4095-byte path fits 4096. */
	while (done < size) {
		uint64_t at = addr + done;
		if (at < addr || !guest_range_ok(at, 1))
			return -EFAULT;
		size_t chunk = PAGE_SIZE_GUEST - (at % PAGE_SIZE_GUEST);
		if (chunk > size - done)
			chunk = size - done;
		struct iovec local = { buf + done, chunk };
		struct iovec remote = { (void *)(uintptr_t)at, chunk };
		ssize_t n = process_vm_readv(t->host_tid, &local, 1, &remote, 1, 0);
		if (n <= 0)
			return -EFAULT;
		char *nul = memchr(buf + done, '\0', (size_t)n);
		if (nul)
			return (int)(nul - buf);
		done += (size_t)n;
	}
	buf[size - 1] = '\0';
	return -ENAMETOOLONG;
}

int guest_read_iovec(struct task *t, uint64_t addr, int iovcnt, struct iovec *out)
{
	if (iovcnt < 0 || iovcnt > IOV_MAX)
		return -EINVAL;
	if (iovcnt == 0)
		return 0;
	int r = guest_read(t, addr, out, sizeof(*out) * (size_t)iovcnt);
	if (r < 0)
		return r;
	/* The sum of lengths must fit in ssize_t, as the kernel requires. */
	size_t total = 0;
	for (int i = 0; i < iovcnt; i++) {
		if (out[i].iov_len > (size_t)SSIZE_MAX - total)
			return -EINVAL;
		total += out[i].iov_len;
	}
	return 0;
}

long guest_write_iov(struct task *t, const struct iovec *iov, int iovcnt, const void *buf,
		     size_t len)
{
	size_t done = 0;
	for (int i = 0; i < iovcnt && done < len; i++) {
		size_t chunk = iov[i].iov_len < len - done ? iov[i].iov_len : len - done;
		if (guest_write(t, (uint64_t)(uintptr_t)iov[i].iov_base, (const char *)buf + done,
				chunk) < 0)
			return done ? (long)done : -EFAULT;
		done += chunk;
	}
	return (long)done;
}

int guest_read_ptr_array(struct task *t, uint64_t addr, size_t max, uint64_t **out)
{
	size_t cap = 64, n = 0;
	uint64_t *v = malloc(cap * sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (;;) {
		uint64_t p;
		if (n >= max) {
			free(v);
			return -E2BIG;
		}
		if (guest_read(t, addr + n * sizeof(p), &p, sizeof(p)) < 0) {
			free(v);
			return -EFAULT;
		}
		if (p == 0)
			break;
		if (n + 1 >= cap) {
			uint64_t *nv = realloc(v, cap * 2 * sizeof(*v));
			if (!nv) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
			cap *= 2;
		}
		v[n++] = p;
	}
	*out = v;
	return (int)n;
}
