/* /proc/net's files about the sandbox's network namespace (dev, route, ipv6_route, if_inet6,
   arp, tcp, tcp6, udp, udp6): the host's own, read on descriptors the sentry opened at boot in that
   namespace (its own; a seq_file read again from offset 0 is made anew). Socket lines are
   put in the guest's view: a socket of the sandbox shows its owner's uid and its inode in
   the sentry's socket file system; any other socket (the namespace may be shared with host
   processes) shows the overflow uid and inode 0, so no host inode number or uid gets in;
   kernel addresses show as zeros. */
#define _GNU_SOURCE
#include "sentry/fs/fs.h"
#include "sentry/fs/procfs_internal.h"
#include "sentry/socket/socket.h"
#include "sentry/kernel.h"
#include "sentry/task/task.h"
#include "sentry/task/fdtable.h"
#include "common/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "common/hash.h"

#define PROC_NET_MAX (64 << 20)	/* a file's content the sentry reads at most */
#define OVERFLOW_UID 65534

enum proc_net_file { NET_DEV, NET_ROUTE, NET_IPV6_ROUTE, NET_IF_INET6, NET_ARP, NET_TCP, NET_TCP6,
		     NET_UDP, NET_UDP6, NET_COUNT };

static const struct {
	const char *name;
	bool sockets;		/* lines with uid, inode and a kernel address */
} net_files[NET_COUNT] = {
	[NET_DEV] = { "dev", false },
	[NET_ROUTE] = { "route", false },
	[NET_IPV6_ROUTE] = { "ipv6_route", false },
	[NET_IF_INET6] = { "if_inet6", false },
	[NET_ARP] = { "arp", false },
	[NET_TCP] = { "tcp", true },
	[NET_TCP6] = { "tcp6", true },
	[NET_UDP] = { "udp", true },
	[NET_UDP6] = { "udp6", true },
};

static int net_fds[NET_COUNT] = { [0 ... NET_COUNT - 1] = -1 };

void procfs_net_open(void)
{
	char path[64];
	for (int i = 0; i < NET_COUNT; i++) {
		snprintf(path, sizeof(path), "/proc/self/net/%s", net_files[i].name);
		/* A file the namespace lacks (IPv6 off) stays missing in the sandbox too (-1). */
		net_fds[i] = open(path, O_RDONLY | O_CLOEXEC);
	}
}

/* The host file's whole content, NUL-terminated. */
static char *read_host(int fd, size_t *len)
{
	size_t cap = 16384, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		if (n + 1 >= cap) {
			char *nb = cap < PROC_NET_MAX ? realloc(buf, cap * 2) : NULL;
			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		ssize_t r = pread(fd, buf + n, cap - n - 1, (off_t)n);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	if (buf)
		buf[n] = '\0';
	*len = n;
	return buf;
}

/* The sandbox's sockets that are host sockets, by host inode. */
struct sandbox_socket {
	ino_t host_ino;
	uid_t uid;
	uint64_t ino;
	UT_hash_handle hh;
};

static void sandbox_sockets_free(struct sandbox_socket **set)
{
	struct sandbox_socket *s, *tmp;
	HASH_ITER(hh, *set, s, tmp) {
		HASH_DEL(*set, s);
		free(s);
	}
}

static struct sandbox_socket *sandbox_sockets(void)
{
	struct sandbox_socket *set = NULL;
	for (struct thread_group *tg = thread_group_first(); tg; tg = thread_group_next(tg)) {
		struct task *t = thread_group_any(tg);
		if (!t || !t->files)
			continue;
		for (int fd = 0; fd < t->files->size; fd++) {
			struct file *f = t->files->entries[fd].file;
			struct stat st;
			struct sandbox_socket *s = NULL;
			if (!f || f->host_fd < 0 || !socket_of(f) || fstat(f->host_fd, &st) < 0 ||
			    !S_ISSOCK(st.st_mode))
				continue;
			HASH_FIND(hh, set, &st.st_ino, sizeof(st.st_ino), s);
			if (s || !(s = calloc(1, sizeof(*s))))
				continue;
			*s = (struct sandbox_socket){ .host_ino = st.st_ino, .uid = f->inode->uid,
						      .ino = f->inode->ino };
			HASH_ADD(hh, set, host_ino, sizeof(s->host_ino), s);
		}
	}
	return set;
}

/* Where each whitespace-separated field of a line starts and ends. */
#define FIELDS_MAX 24
static int split_fields(const char *line, size_t len, size_t start[], size_t end[])
{
	int n = 0;
	size_t i = 0;
	while (n < FIELDS_MAX) {
		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i >= len)
			break;
		start[n] = i;
		while (i < len && line[i] != ' ' && line[i] != '\t')
			i++;
		end[n++] = i;
	}
	return n;
}

/* Fields of /proc/net/{tcp,udp}[6] lines (the same in all four, TIME_WAIT included). */
enum { F_UID = 7, F_TIMEOUT = 8, F_INODE = 9, F_POINTER = 11 };

static void put_socket_line(FILE *m, const char *line, size_t len, struct sandbox_socket *set)
{
	size_t s[FIELDS_MAX], e[FIELDS_MAX];
	int n = split_fields(line, len, s, e);
	if (n <= F_INODE) {
		fwrite(line, 1, len, m);
		return;
	}
	ino_t host_ino = strtoull(line + s[F_INODE], NULL, 10);
	struct sandbox_socket *sock = NULL;
	if (host_ino)
		HASH_FIND(hh, set, &host_ino, sizeof(host_ino), sock);
	fwrite(line, 1, e[F_UID - 1], m);
	fprintf(m, " %5u", sock ? (unsigned)sock->uid : OVERFLOW_UID);
	fwrite(line + e[F_UID], 1, e[F_TIMEOUT] - e[F_UID], m);
	fprintf(m, " %llu", sock ? (unsigned long long)sock->ino : 0ULL);
	size_t at = e[F_INODE];
	if (n > F_POINTER) {
		fwrite(line + at, 1, s[F_POINTER] - at, m);
		for (size_t i = s[F_POINTER]; i < e[F_POINTER]; i++)
			fputc('0', m);
		at = e[F_POINTER];
	}
	fwrite(line + at, 1, len - at, m);
}

static int fill_net(enum proc_net_file which, FILE *m)
{
	if (net_fds[which] < 0)
		return -ENOENT;
	size_t len;
	_cleanup_free_ char *buf = read_host(net_fds[which], &len);
	if (!buf)
		return -ENOMEM;
	if (!net_files[which].sockets) {
		fwrite(buf, 1, len, m);
		return 0;
	}
	struct sandbox_socket *set = sandbox_sockets();
	bool header = true;
	for (size_t at = 0; at < len;) {
		const char *nl = memchr(buf + at, '\n', len - at);
		size_t l = nl ? (size_t)(nl - (buf + at)) + 1 : len - at;
		if (header)
			fwrite(buf + at, 1, l, m);
		else
			put_socket_line(m, buf + at, l, set);
		header = false;
		at += l;
	}
	sandbox_sockets_free(&set);
	return 0;
}

#define NET_FILL(fn, which)                                   \
	int fn(const struct proc_target *t, FILE *m)          \
	{                                                     \
		(void)t;                                      \
		return fill_net(which, m);                    \
	}

NET_FILL(proc_fill_net_dev, NET_DEV)
NET_FILL(proc_fill_net_route, NET_ROUTE)
NET_FILL(proc_fill_net_ipv6_route, NET_IPV6_ROUTE)
NET_FILL(proc_fill_net_if_inet6, NET_IF_INET6)
NET_FILL(proc_fill_net_arp, NET_ARP)
NET_FILL(proc_fill_net_tcp, NET_TCP)
NET_FILL(proc_fill_net_tcp6, NET_TCP6)
NET_FILL(proc_fill_net_udp, NET_UDP)
NET_FILL(proc_fill_net_udp6, NET_UDP6)
