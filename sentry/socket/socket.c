/* What every socket family shares: the open file and its inode, the host object behind it. */
#define _GNU_SOURCE
#include "sentry/socket/socket.h"
#include "sentry/fs/synth.h"
#include "sentry/task/task.h"
#include "sentry/task/fdtable.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/mm/guest_mem.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

static struct super_block *sockfs_sb;

struct socket *socket_of(struct file *f)
{
	if (!f || !f->inode || !sockfs_sb || f->inode->sb != sockfs_sb)
		return NULL;
	return f->priv;
}

/* The file takes over the socket: its release op frees it (through the file's ops). */
struct file *socket_file_new(struct socket *sk, int flags)
{
	if (!sockfs_sb && !(sockfs_sb = synth_sb_new("sockfs", true)))
		return NULL;
	struct inode *inode = inode_new(sockfs_sb, S_IFSOCK | 0777);
	if (!inode)
		return NULL;
	struct file *f = file_alloc(NULL, NULL, inode, O_RDWR | (flags & O_NONBLOCK));
	inode_put(inode);
	if (!f)
		return NULL;
	f->priv = sk;
	sk->file = f;
	return f;
}

bool socket_nonblocking(struct file *f)
{
	if (f->host_fd >= 0 && f->ops && f->ops->host_io && !f->ops->read) {
		int fl = fcntl(f->host_fd, F_GETFL);
		return fl >= 0 && (fl & O_NONBLOCK);
	}
	return f->flags & O_NONBLOCK;
}

int socket_rebind_host(struct task *t, struct syscall_event *ev, struct file *f, int host_fd)
{
	/* Every number of this table that names the file gets the new mirror; other processes
	   sharing the open file (forked before it connected) keep what they had (DESIGN.md).
	   All of them or none: an install is carried out at the answer, by host fd number, so
	   none may be queued for a host fd the caller closes on failure. */
	struct fd_table *tab = t->files;
	int count = 0;
	for (int fd = 0; fd < tab->size; fd++)
		count += tab->entries[fd].file == f;
	if (count > PLATFORM_MAX_INSTALLS - ev->ninstalls)
		return -EMFILE;
	if (fcntl(host_fd, F_SETFL, f->flags & O_NONBLOCK) < 0)
		return -errno;
	for (int fd = 0; fd < tab->size; fd++) {
		if (tab->entries[fd].file != f)
			continue;
		/* Only the ptrace back end can fail here (its own copy of the fd). */
		int r = ev->ops->install_fd(ev, host_fd, fd, tab->entries[fd].cloexec);
		if (r < 0)
			return r;
	}
	int old = f->host_fd;
	f->host_fd = host_fd;
	if (old >= 0)
		close(old);
	return 0;
}

size_t socket_iov_total(const struct iovec *iov, int iovcnt, size_t cap)
{
	size_t total = 0;
	for (int i = 0; i < iovcnt && total < cap; i++)
		total += iov[i].iov_len < cap - total ? iov[i].iov_len : cap - total;
	return total;
}

long socket_gather(struct task *t, const struct iovec *iov, int iovcnt, char *buf, size_t len)
{
	size_t done = 0;
	for (int i = 0; i < iovcnt && done < len; i++) {
		size_t n = iov[i].iov_len < len - done ? iov[i].iov_len : len - done;
		int r = guest_read(t, (uint64_t)(uintptr_t)iov[i].iov_base, buf + done, n);
		if (r < 0)
			return r;
		done += n;
	}
	return (long)done;
}
