/* What every socket family shares: the family table, the open file and its inode, the host
   object behind it, waits on it. */
#define _GNU_SOURCE
#include "sentry/socket/socket.h"
#include "sentry/fs/synth.h"
#include "sentry/kernel.h"
#include "sentry/task/task.h"
#include "sentry/task/fdtable.h"
#include "sentry/mm/guest_mem.h"
#include "sentry/syscalls/syscalls.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#define SOCKET_WAIT_SLICE_MS 50

/* AF_UNIX's types and protocol, as Linux's unix_create checks them. */
static int unix_type(int *type, int protocol)
{
	if (protocol && protocol != PF_UNIX)
		return -EPROTONOSUPPORT;
	if (*type == SOCK_RAW)
		*type = SOCK_DGRAM;	/* as Linux does */
	if (*type != SOCK_STREAM && *type != SOCK_DGRAM && *type != SOCK_SEQPACKET)
		return -ESOCKTNOSUPPORT;
	return 0;
}

static int unix_create(struct task *t, int family, int type, int protocol, int flags, struct file **out)
{
	(void)family;
	int r = unix_type(&type, protocol);
	return r < 0 ? r : unix_socket_create(t, type, flags, out);
}

/* Packet sockets reach the link layer: never offered. */
static int packet_refused(struct task *t, int family, int type, int protocol, int flags, struct file **out)
{
	(void)t, (void)family, (void)type, (void)protocol, (void)flags, (void)out;
	return -EPERM;
}

/* The families offered, one line each; every other one fails as on a kernel built without it
   (EAFNOSUPPORT), which programs that probe for one (shadow's useradd for audit netlink,
   glibc's nscd client) take in their stride. */
static int netlink_create(struct task *t, int family, int type, int protocol, int flags, struct file **out)
{
	(void)family;
	return netlink_socket_create(t, type, protocol, flags, out);
}

static const struct {
	int family;
	int (*create)(struct task *t, int family, int type, int protocol, int flags, struct file **out);
} socket_families[] = {
	{ AF_UNIX, unix_create },
	{ AF_INET, inet_socket_create },
	{ AF_INET6, inet_socket_create },
	{ AF_NETLINK, netlink_create },
	{ AF_PACKET, packet_refused },
};

/* Each family is logged once: what a guest wanted and did not get. */
static void log_family_refused(int family)
{
	static uint64_t logged[2];
	if (family >= 0 && family < 128) {
		uint64_t bit = UINT64_C(1) << (family % 64);
		if (logged[family / 64] & bit)
			return;
		logged[family / 64] |= bit;
	}
	log_info("socket family %d is not offered: EAFNOSUPPORT", family);
}

int socket_create(struct task *t, int family, int type, int protocol, int flags, struct file **out)
{
	for (size_t i = 0; i < sizeof(socket_families) / sizeof(socket_families[0]); i++)
		if (socket_families[i].family == family)
			return socket_families[i].create(t, family, type, protocol, flags, out);
	log_family_refused(family);
	return -EAFNOSUPPORT;
}

int socket_pair_create(struct task *t, int family, int type, int protocol, int flags, struct file *out[2])
{
	if (family == AF_INET || family == AF_INET6 || family == AF_NETLINK)
		return -EOPNOTSUPP;
	if (family != AF_UNIX) {
		log_family_refused(family);
		return -EAFNOSUPPORT;
	}
	int r = unix_type(&type, protocol);
	return r < 0 ? r : unix_socketpair_create(t, type, flags, out);
}

long socket_wait_host(struct task *t, struct syscall_event *ev, int fd, short events, unsigned seen)
{
	if (!ev->may_block)
		return SYSCALL_BLOCK;
	if (syscall_interrupted(t, ev, seen))
		return syscall_interrupted_result(t, true);
	struct pollfd p[2] = { { .fd = fd, .events = events },
			       { .fd = syscall_wake_fd(t), .events = POLLIN } };
	kernel_unlock();
	poll(p, 2, SOCKET_WAIT_SLICE_MS);
	kernel_lock();
	if (p[1].revents)
		syscall_wake_drain(t);
	return SYSCALL_NOT_YET;
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
