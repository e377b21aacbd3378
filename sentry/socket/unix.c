/* AF_UNIX sockets. Names, peers, credentials and ancillary data are the sentry's; the host
   only moves bytes, over socketpairs the sentry makes and mirrors into the guest:
   - socketpair: one host socketpair, both ends mirrored; data calls run natively.
   - SOCK_STREAM / SOCK_SEQPACKET from socket(): no host object until connect (the guest's
     number holds nothing, or the placeholder). listen() gives it a host eventfd (a semaphore
     counting queued connections) so that poll, select and epoll see a listener ready
     natively. connect() makes a host socketpair: one end replaces the connecting guest's fd,
     the other waits in the listener's queue for accept4.
   - SOCK_DGRAM from socket(): an inbox, a host datagram socketpair whose receiving end is
     mirrored (reads run natively) and whose other end the sentry keeps; whoever sends to the
     socket's name does so through the sentry, into the inbox.
   Ancillary data never travels as the guest wrote it. A message that carries rights,
   credentials or its sender's name is sent by the sentry with one host fd attached: the
   write end of a fresh pipe, the message's *token*, whose inode number keys a record of the
   files, credentials and name. The host kernel keeps the token with exactly those bytes (a
   stream read stops after a message with fds, as it would for the files themselves), so the
   receiving recvmsg finds the record through the token it gets; a native read discards the
   token as Linux discards unreceived files, and the record goes once its pipe's read end,
   which the sentry keeps, sees the hang-up. */
#define _GNU_SOURCE
#include "sentry/socket/socket.h"
#include "sentry/kernel.h"
#include "sentry/task/task.h"
#include "sentry/mm/guest_mem.h"
#include "sentry/syscalls/syscalls.h"
#include "common/cleanup.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/sockios.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/un.h>
#include <utlist.h>

#define UNIX_DEFAULT_BUF 212992		/* net.core.[rw]mem_default */
#define UNIX_MAX_BACKLOG 4096		/* net.core.somaxconn */
#define UNIX_STREAM_CHUNK (256 * 1024)	/* most one sentry send or receive moves on a stream */
#define UNIX_DGRAM_MAX (4 * 1024 * 1024)
#define UNIX_NOBODY 65534		/* overflowuid: credentials nobody recorded */

enum unix_state { UNIX_IDLE, UNIX_LISTENING, UNIX_CONNECTED };

struct unix_addr {
	socklen_t len;			/* 0: unnamed */
	struct sockaddr_un sun;
};

struct unix_sock;

/* A connection made by connect(), waiting in its listener's queue. */
struct unix_conn {
	int fd;				/* the end accept4 hands out */
	struct unix_addr client_addr;
	struct ucred client_cred;
	struct unix_sock *client;	/* NULL once the client's socket is gone */
	struct unix_conn *next;
};

struct unix_sock {
	struct socket sk;
	enum unix_state state;
	struct unix_addr addr;		/* its own name (an accepted socket: its listener's) */
	bool abstract_owner;		/* addr is its entry in by_abstract */
	struct unix_addr peer_addr;	/* stream: the peer's name; dgram: where connect() aimed */
	struct inode *inode;		/* the socket inode of a path name it is bound to */
	struct inode *peer_inode;	/* dgram connected to a path name */
	struct unix_sock *peer;		/* the connected peer, while it lives */
	struct unix_conn *pending;	/* its connection, until accepted */
	bool has_peercred;
	struct ucred peercred;
	bool passcred;
	int inbox_tx;			/* dgram from socket(): the sentry's end of the inbox */
	int sndbuf, rcvbuf;		/* until there is a host socket */
	int backlog;
	struct unix_conn *queue, **queue_tail;
	int nqueue;
	struct ucred listen_cred;
	struct unix_sock *all_prev, *all_next;	/* all_socks */
	UT_hash_handle hh_inode;	/* by_inode, keyed by inode */
	UT_hash_handle hh_abstract;	/* by_abstract, keyed by the name's bytes */
};

/* The sandbox's names: socket inodes of its file systems, and its abstract namespace. */
static struct unix_sock *by_inode;
static struct unix_sock *by_abstract;
static struct unix_sock *all_socks;
static unsigned autobind_next;

/* The records of messages in flight that carry ancillary data, by token inode. */
struct unix_record {
	ino_t key;
	int keep_fd;
	struct file **files;
	int nfiles;
	bool has_creds;
	struct ucred creds;
	struct unix_addr from;
	UT_hash_handle hh;
};
static struct unix_record *records;

static const struct socket_ops unix_ops;
static const struct file_operations unix_idle_fops, unix_native_fops, unix_inbox_fops;

static struct unix_sock *unix_sk(struct socket *sk)
{
	return (struct unix_sock *)sk;
}

static struct ucred task_ucred(struct task *t, bool effective)
{
	const struct creds *c = task_creds(t);
	return (struct ucred){ .pid = t->tg->tgid, .uid = effective ? c->euid : c->ruid,
			       .gid = effective ? c->egid : c->rgid };
}

/* --- records --- */

static void record_free(struct unix_record *rec)
{
	HASH_DEL(records, rec);
	for (int i = 0; i < rec->nfiles; i++)
		file_put(rec->files[i]);
	free(rec->files);
	close(rec->keep_fd);
	free(rec);
}

/* Drops the records whose message is gone (read natively, or its socket closed), with one
   poll of every record's pipe. */
static void records_sweep(void)
{
	unsigned n = HASH_COUNT(records), i = 0;
	if (!n)
		return;
	_cleanup_free_ struct pollfd *p = calloc(n, sizeof(*p));
	if (!p)
		return;
	struct unix_record *rec, *tmp;
	HASH_ITER(hh, records, rec, tmp)
		p[i++] = (struct pollfd){ .fd = rec->keep_fd, .events = POLLIN };
	if (poll(p, n, 0) <= 0)
		return;
	i = 0;
	HASH_ITER(hh, records, rec, tmp)
		if (p[i++].revents & (POLLHUP | POLLERR))
			record_free(rec);
}

/* A record for ctl and from; its token fd (to send, then close) in *token. */
static int record_new(const struct socket_control *ctl, const struct ucred *creds,
		      const struct unix_addr *from, int *token)
{
	int p[2];
	struct stat st;

	records_sweep();
	struct unix_record *rec = calloc(1, sizeof(*rec));
	if (!rec)
		return -ENOMEM;
	if (ctl && ctl->nrights) {
		rec->files = calloc((size_t)ctl->nrights, sizeof(*rec->files));
		if (!rec->files) {
			free(rec);
			return -ENOMEM;
		}
	}
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0 || fstat(p[0], &st) < 0) {
		int e = -errno;
		free(rec->files);
		free(rec);
		return e;
	}
	rec->key = st.st_ino;
	rec->keep_fd = p[0];
	for (int i = 0; ctl && i < ctl->nrights; i++)
		rec->files[rec->nfiles++] = file_get(ctl->rights[i]);
	if (creds) {
		rec->has_creds = true;
		rec->creds = *creds;
	}
	if (from)
		rec->from = *from;
	HASH_ADD(hh, records, key, sizeof(rec->key), rec);
	*token = p[1];
	return 0;
}

static struct unix_record *record_by_token(int token)
{
	struct stat st;
	struct unix_record *rec = NULL;
	if (fstat(token, &st) == 0)
		HASH_FIND(hh, records, &st.st_ino, sizeof(st.st_ino), rec);
	return rec;
}

/* --- names --- */

/* Decodes a guest sockaddr_un (len already within sockaddr_storage). A path name stops at its
   first NUL (Linux terminates it at len) and goes to path. */
static int unix_mkname(const struct sockaddr_storage *a, socklen_t len, struct unix_addr *out,
		       char path[sizeof(out->sun.sun_path) + 1])
{
	const size_t base = offsetof(struct sockaddr_un, sun_path);
	if (len <= base || len > sizeof(struct sockaddr_un) || a->ss_family != AF_UNIX)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	memcpy(&out->sun, a, len);
	out->len = len;
	path[0] = '\0';
	if (out->sun.sun_path[0]) {
		size_t n = strnlen(out->sun.sun_path, len - base);
		memcpy(path, out->sun.sun_path, n);
		path[n] = '\0';
		memset(out->sun.sun_path + n, 0, sizeof(out->sun.sun_path) - n);
		out->len = (socklen_t)(base + n + 1);
	}
	return 0;
}

static size_t abstract_len(const struct unix_addr *a)
{
	return a->len - offsetof(struct sockaddr_un, sun_path);
}

static struct unix_sock *find_abstract(const struct unix_addr *a)
{
	struct unix_sock *u = NULL;
	HASH_FIND(hh_abstract, by_abstract, a->sun.sun_path, abstract_len(a), u);
	return u;
}

static struct unix_sock *find_inode(struct inode *inode)
{
	struct unix_sock *u = NULL;
	HASH_FIND(hh_inode, by_inode, &inode, sizeof(inode), u);
	return u;
}

/* The socket a name leads to; its socket inode in *inode for path names (a reference). */
static int unix_find(struct task *t, const struct unix_addr *a, const char *path, int type,
		     struct unix_sock **out, struct inode **inode)
{
	struct unix_sock *u;
	if (inode)
		*inode = NULL;
	if (path[0]) {
		struct path p;
		int r = vfs_resolve_at(t, AT_FDCWD, path, LOOKUP_FOLLOW, &p, NULL);
		if (r < 0)
			return r;
		struct inode *ino = p.dentry->inode;
		r = !S_ISSOCK(ino->mode) ? -ECONNREFUSED : vfs_permission(t, ino, MAY_WRITE);
		u = r == 0 ? find_inode(ino) : NULL;
		if (r == 0 && inode)
			*inode = inode_get(ino);
		path_put(&p);
		if (r < 0)
			return r;
	} else {
		u = find_abstract(a);
	}
	if (!u) {
		if (inode && *inode) {
			inode_put(*inode);
			*inode = NULL;
		}
		return -ECONNREFUSED;
	}
	if (u->sk.type != type)
		return -EPROTOTYPE;
	*out = u;
	return 0;
}

static int unix_autobind(struct unix_sock *u)
{
	if (u->addr.len)
		return 0;
	for (unsigned tries = 0; tries < 0x100000; tries++) {
		struct unix_addr a = { .sun.sun_family = AF_UNIX };
		char name[8];
		snprintf(name, sizeof(name), "%05x", autobind_next++ & 0xfffff);
		memcpy(a.sun.sun_path + 1, name, 5);
		a.len = offsetof(struct sockaddr_un, sun_path) + 6;
		if (find_abstract(&a))
			continue;
		u->addr = a;
		HASH_ADD_KEYPTR(hh_abstract, by_abstract, u->addr.sun.sun_path, abstract_len(&u->addr), u);
		u->abstract_owner = true;
		return 0;
	}
	return -ENOSPC;
}

static int unix_bind(struct task *t, struct socket *sk, const struct sockaddr_storage *sa, socklen_t len)
{
	struct unix_sock *u = unix_sk(sk);
	struct unix_addr a;
	char path[sizeof(a.sun.sun_path) + 1];

	if (len == offsetof(struct sockaddr_un, sun_path) && sa->ss_family == AF_UNIX)
		return unix_autobind(u);
	int r = unix_mkname(sa, len, &a, path);
	if (r < 0)
		return r;
	if (!path[0]) {
		if (u->addr.len)
			return -EINVAL;
		if (find_abstract(&a))
			return -EADDRINUSE;
		u->addr = a;
		HASH_ADD_KEYPTR(hh_abstract, by_abstract, u->addr.sun.sun_path, abstract_len(&u->addr), u);
		u->abstract_owner = true;
		return 0;
	}
	/* The name is a socket inode of the sandbox's own file system (never a host one). */
	r = vfs_mknodat(t, AT_FDCWD, path, S_IFSOCK | 0777, 0);
	if (r < 0)
		return r == -EEXIST ? -EADDRINUSE : r;
	/* As Linux: the name is made before the socket is found bound, and taken back. */
	if (u->addr.len) {
		vfs_unlinkat(t, AT_FDCWD, path, 0);
		return -EINVAL;
	}
	struct path p;
	r = vfs_resolve_at(t, AT_FDCWD, path, 0, &p, NULL);
	if (r < 0)
		return r;
	u->inode = inode_get(p.dentry->inode);
	path_put(&p);
	u->addr = a;
	HASH_ADD(hh_inode, by_inode, inode, sizeof(u->inode), u);
	return 0;
}

static void unix_unbind(struct unix_sock *u)
{
	if (u->inode) {
		HASH_DELETE(hh_inode, by_inode, u);
		inode_put(u->inode);
		u->inode = NULL;
	} else if (u->abstract_owner) {
		HASH_DELETE(hh_abstract, by_abstract, u);
	}
}

static int unix_getname(struct socket *sk, bool peer, struct sockaddr_storage *a, socklen_t *len)
{
	struct unix_sock *u = unix_sk(sk);
	const struct unix_addr *ua = &u->addr;
	if (peer) {
		bool connected = u->state == UNIX_CONNECTED || u->peer_addr.len;
		if (!connected)
			return -ENOTCONN;
		ua = &u->peer_addr;
	}
	memset(a, 0, sizeof(*a));
	if (!ua->len) {
		a->ss_family = AF_UNIX;
		*len = sizeof(sa_family_t);
		return 0;
	}
	memcpy(a, &ua->sun, ua->len);
	*len = ua->len;
	return 0;
}

/* --- objects --- */

static struct unix_sock *unix_sock_new(int type)
{
	struct unix_sock *u = calloc(1, sizeof(*u));
	if (!u)
		return NULL;
	u->sk.ops = &unix_ops;
	u->sk.family = AF_UNIX;
	u->sk.type = type;
	u->inbox_tx = -1;
	u->sndbuf = u->rcvbuf = UNIX_DEFAULT_BUF;
	u->queue_tail = &u->queue;
	DL_APPEND2(all_socks, u, all_prev, all_next);
	return u;
}

/* Frees a socket no file took over. */
static void unix_sock_discard(struct unix_sock *u)
{
	if (!u)
		return;
	DL_DELETE2(all_socks, u, all_prev, all_next);
	free(u);
}

/* A file for u, of the given ops, on host_fd (-1: none; taken over on success). */
static int unix_file(struct unix_sock *u, const struct file_operations *fops, int host_fd,
		     int flags, struct file **out)
{
	struct file *f = socket_file_new(&u->sk, flags);
	if (!f)
		return -ENOMEM;
	f->ops = fops;
	f->host_fd = host_fd;
	*out = f;
	return 0;
}

static void unix_conn_free(struct unix_conn *c)
{
	if (c->client)
		c->client->pending = NULL;
	close(c->fd);
	free(c);
}

static void unix_release(struct socket *sk)
{
	struct unix_sock *u = unix_sk(sk);
	unix_unbind(u);
	if (u->peer)
		u->peer->peer = NULL;
	if (u->pending)
		u->pending->client = NULL;
	while (u->queue) {
		struct unix_conn *c = u->queue;
		u->queue = c->next;
		unix_conn_free(c);
	}
	if (u->peer_inode)
		inode_put(u->peer_inode);
	if (u->inbox_tx >= 0)
		close(u->inbox_tx);
	DL_DELETE2(all_socks, u, all_prev, all_next);
	free(u);
}

void unix_proc_list(FILE *m)
{
	fputs("Num       RefCount Protocol Flags    Type St Inode Path\n", m);
	struct unix_sock *u;
	DL_FOREACH2(all_socks, u, all_next) {
		if (!u->sk.file)
			continue;
		bool listening = u->state == UNIX_LISTENING;
		bool connected = u->state == UNIX_CONNECTED || u->peer_addr.len;
		fprintf(m, "%016x: %08X %08X %08X %04X %02X %5llu", 0, 2, 0, listening ? 0x10000 : 0,
			u->sk.type, connected ? 3 : 1, (unsigned long long)u->sk.file->inode->ino);
		if (u->addr.len) {
			size_t n = u->addr.len - offsetof(struct sockaddr_un, sun_path);
			const char *p = u->addr.sun.sun_path;
			fputc(' ', m);
			if (p[0]) {
				fputs(p, m);
			} else {
				for (size_t i = 0; i < n; i++)
					fputc(p[i] ? p[i] : '@', m);
			}
		}
		fputc('\n', m);
	}
}

static void unix_file_release(struct file *f)
{
	struct socket *sk = socket_of(f);
	if (sk)
		sk->ops->release(sk);
	f->priv = NULL;
}

int unix_socket_create(struct task *t, int type, int flags, struct file **out)
{
	(void)t;
	struct unix_sock *u = unix_sock_new(type);
	if (!u)
		return -ENOMEM;
	if (type != SOCK_DGRAM) {
		int r = unix_file(u, &unix_idle_fops, -1, flags, out);
		if (r < 0)
			unix_sock_discard(u);
		return r;
	}
	int inbox[2];
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, inbox) < 0) {
		unix_sock_discard(u);
		return -errno;
	}
	if ((flags & O_NONBLOCK) && fcntl(inbox[0], F_SETFL, O_NONBLOCK) < 0) {
		int e = -errno;
		close(inbox[0]);
		close(inbox[1]);
		unix_sock_discard(u);
		return e;
	}
	int r = unix_file(u, &unix_inbox_fops, inbox[0], flags, out);
	if (r < 0) {
		close(inbox[0]);
		close(inbox[1]);
		unix_sock_discard(u);
		return r;
	}
	u->inbox_tx = inbox[1];
	return 0;
}

static void unix_link(struct unix_sock *a, struct unix_sock *b)
{
	a->peer = b;
	b->peer = a;
	a->state = b->state = UNIX_CONNECTED;
}

int unix_socketpair_create(struct task *t, int type, int flags, struct file *out[2])
{
	int host[2];
	struct unix_sock *u[2] = { unix_sock_new(type), unix_sock_new(type) };
	int r = -ENOMEM;

	out[0] = out[1] = NULL;
	if (!u[0] || !u[1])
		goto fail;
	if (socketpair(AF_UNIX, type | SOCK_CLOEXEC | (flags & O_NONBLOCK ? SOCK_NONBLOCK : 0), 0, host) < 0) {
		r = -errno;
		goto fail;
	}
	for (int i = 0; i < 2; i++) {
		r = unix_file(u[i], &unix_native_fops, host[i], flags, &out[i]);
		if (r < 0) {
			for (int j = i; j < 2; j++)
				close(host[j]);
			goto fail;
		}
		u[i]->has_peercred = true;
		u[i]->peercred = task_ucred(t, true);
	}
	unix_link(u[0], u[1]);
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (out[i])
			file_put(out[i]);	/* frees u[i] */
		else
			unix_sock_discard(u[i]);
		out[i] = NULL;
	}
	return r;
}

/* --- connections --- */

static int unix_listen(struct task *t, struct syscall_event *ev, struct socket *sk, int backlog)
{
	struct unix_sock *u = unix_sk(sk);
	if (sk->type == SOCK_DGRAM)
		return -EOPNOTSUPP;
	if (u->state == UNIX_CONNECTED || !u->addr.len)
		return -EINVAL;
	if (backlog < 0 || backlog > UNIX_MAX_BACKLOG)
		backlog = UNIX_MAX_BACKLOG;
	u->backlog = backlog;
	if (u->state == UNIX_LISTENING)
		return 0;
	int efd = eventfd(0, EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC);
	if (efd < 0)
		return -errno;
	int r = socket_rebind_host(t, ev, sk->file, efd);
	if (r < 0) {
		close(efd);
		return r;
	}
	/* The eventfd stays non-blocking for the sentry whatever the guest's flags say. */
	fcntl(efd, F_SETFL, O_NONBLOCK);
	u->state = UNIX_LISTENING;
	u->listen_cred = task_ucred(t, true);
	return 0;
}

static int unix_connect_dgram(struct task *t, struct unix_sock *u, const struct sockaddr_storage *sa,
			      socklen_t len)
{
	struct unix_addr a;
	char path[sizeof(a.sun.sun_path) + 1];
	if (len >= sizeof(sa_family_t) && sa->ss_family == AF_UNSPEC) {
		/* Dissolves the association. */
		memset(&u->peer_addr, 0, sizeof(u->peer_addr));
		if (u->peer_inode)
			inode_put(u->peer_inode);
		u->peer_inode = NULL;
		return 0;
	}
	int r = unix_mkname(sa, len, &a, path);
	if (r < 0)
		return r;
	struct unix_sock *target;
	struct inode *inode;
	r = unix_find(t, &a, path, SOCK_DGRAM, &target, &inode);
	if (r < 0)
		return r;
	if (u->peer_inode)
		inode_put(u->peer_inode);
	u->peer_inode = inode;
	u->peer_addr = target->addr;
	return 0;
}

static long unix_connect(struct task *t, struct syscall_event *ev, struct socket *sk,
			 const struct sockaddr_storage *sa, socklen_t len)
{
	struct unix_sock *u = unix_sk(sk);
	if (sk->type == SOCK_DGRAM) {
		if (u->inbox_tx < 0)
			return -EISCONN;	/* a socketpair's end stays with its pair */
		return unix_connect_dgram(t, u, sa, len);
	}
	struct unix_addr a;
	char path[sizeof(a.sun.sun_path) + 1];
	int r = unix_mkname(sa, len, &a, path);
	if (r < 0)
		return r;
	/* Linux's order: the listener, its queue, then the caller's own state. */
	struct unix_sock *l;
	r = unix_find(t, &a, path, sk->type, &l, NULL);
	if (r < 0)
		return r;
	if (l->state != UNIX_LISTENING)
		return -ECONNREFUSED;
	if (l->nqueue > l->backlog)
		return -EAGAIN;
	if (u->state == UNIX_CONNECTED)
		return -EISCONN;
	if (u->state == UNIX_LISTENING)
		return -EINVAL;
	int host[2];
	if (socketpair(AF_UNIX, sk->type | SOCK_CLOEXEC, 0, host) < 0)
		return -errno;
	struct unix_conn *c = calloc(1, sizeof(*c));
	if (!c) {
		close(host[0]);
		close(host[1]);
		return -ENOMEM;
	}
	r = socket_rebind_host(t, ev, sk->file, host[0]);
	if (r < 0) {
		close(host[0]);
		close(host[1]);
		free(c);
		return r;
	}
	uint64_t one = 1;
	if (write(l->sk.file->host_fd, &one, sizeof(one)) != sizeof(one))
		log_warn("unix listener: doorbell: %m");
	c->fd = host[1];
	c->client_addr = u->addr;
	c->client_cred = task_ucred(t, true);
	c->client = u;
	*l->queue_tail = c;
	l->queue_tail = &c->next;
	l->nqueue++;
	u->pending = c;
	u->state = UNIX_CONNECTED;
	u->peer_addr = l->addr;
	u->has_peercred = true;
	u->peercred = l->listen_cred;
	sk->file->ops = &unix_native_fops;
	pthread_cond_broadcast(&kernel.task_event);
	return 0;
}

static int unix_accept(struct task *t, struct socket *sk, struct file **out)
{
	(void)t;
	struct unix_sock *l = unix_sk(sk);
	if (l->state != UNIX_LISTENING)
		return -EINVAL;
	struct unix_conn *c = l->queue;
	if (!c)
		return -EAGAIN;
	struct unix_sock *u = unix_sock_new(sk->type);
	if (!u)
		return -ENOMEM;
	int r = unix_file(u, &unix_native_fops, c->fd, 0, out);
	if (r < 0) {
		unix_sock_discard(u);
		return r;
	}
	uint64_t v;
	if (read(sk->file->host_fd, &v, sizeof(v)) != sizeof(v))
		log_warn("unix listener: doorbell: %m");
	l->queue = c->next;
	if (!l->queue)
		l->queue_tail = &l->queue;
	l->nqueue--;
	u->state = UNIX_CONNECTED;
	u->addr = l->addr;
	u->peer_addr = c->client_addr;
	u->has_peercred = true;
	u->peercred = c->client_cred;
	if (c->client) {
		c->client->pending = NULL;
		unix_link(u, c->client);
	}
	free(c);
	return 0;
}

/* --- data --- */

/* The host fd a connected socket sends on, and its peer. */
static int unix_connected_target(struct unix_sock *u, const struct socket_msg *m, int *fd,
				 struct unix_sock **rcv)
{
	if (m->namelen && u->sk.type == SOCK_STREAM)
		return u->state == UNIX_CONNECTED ? -EISCONN : -EOPNOTSUPP;
	if (u->state != UNIX_CONNECTED)
		return -ENOTCONN;
	*fd = u->sk.file->host_fd;
	*rcv = u->peer;
	return 0;
}

/* The inbox a datagram goes to: the name given (a), or the one connect() gave. */
static int unix_dgram_target(struct task *t, struct unix_sock *u, const struct unix_addr *a,
			     const char *path, int *fd, struct unix_sock **rcv)
{
	struct unix_sock *target = NULL;
	int r;
	if (a) {
		r = unix_find(t, a, path, SOCK_DGRAM, &target, NULL);
	} else if (u->peer_inode) {
		target = find_inode(u->peer_inode);
		r = target ? 0 : -ECONNREFUSED;
	} else if (u->peer_addr.len) {
		target = find_abstract(&u->peer_addr);
		r = target ? 0 : -ECONNREFUSED;
	} else {
		r = -ENOTCONN;
	}
	if (r < 0)
		return r;
	/* A socketpair's datagram end has no inbox for strangers. */
	if (target->inbox_tx < 0)
		return -ECONNREFUSED;
	*fd = target->inbox_tx;
	*rcv = target;
	return 0;
}

static int unix_sndbuf(struct unix_sock *u)
{
	int v = u->sndbuf;
	socklen_t l = sizeof(v);
	if (u->sk.file->host_fd >= 0 && u->state != UNIX_LISTENING)
		getsockopt(u->sk.file->host_fd, SOL_SOCKET, SO_SNDBUF, &v, &l);
	return v;
}

/* Checks in Linux's order: a connection's state first, a datagram's name, size and bytes
   before its receiver is looked up. */
static long unix_sendmsg(struct task *t, struct socket *sk, struct socket_msg *m)
{
	struct unix_sock *u = unix_sk(sk);
	struct unix_sock *rcv = NULL;
	struct unix_addr a;
	char path[sizeof(a.sun.sun_path) + 1];
	int fd = -1;
	int r;

	if (sk->type == SOCK_SEQPACKET)
		m->namelen = 0;		/* as Linux: ignored */
	bool addressed = sk->type == SOCK_DGRAM && (m->namelen || u->inbox_tx >= 0);
	if (!addressed && (r = unix_connected_target(u, m, &fd, &rcv)) < 0)
		return r;
	if (sk->type != SOCK_STREAM && (m->flags & MSG_OOB))
		return -EOPNOTSUPP;
	if (addressed && m->namelen && (r = unix_mkname(&m->name, m->namelen, &a, path)) < 0)
		return r;
	size_t total = socket_iov_total(m->iov, m->iovcnt, SIZE_MAX);
	if (sk->type != SOCK_STREAM && total > (size_t)unix_sndbuf(u) - 32)
		return -EMSGSIZE;
	size_t len = sk->type == SOCK_STREAM && total > UNIX_STREAM_CHUNK ? UNIX_STREAM_CHUNK : total;
	_cleanup_free_ char *buf = malloc(len ? len : 1);
	if (!buf)
		return -ENOMEM;
	long n = socket_gather(t, m->iov, m->iovcnt, buf, len);
	if (n < 0)
		return n;
	if (addressed && (r = unix_dgram_target(t, u, m->namelen ? &a : NULL, path, &fd, &rcv)) < 0)
		return r;

	/* What the receiver must learn beyond the bytes. */
	const struct socket_control *ctl = m->control;
	bool rights = ctl && ctl->nrights;
	bool creds = (ctl && ctl->has_creds) || (rcv && rcv->passcred);
	bool from = u->inbox_tx >= 0 && u->addr.len;
	struct ucred cred = ctl && ctl->has_creds ? ctl->creds : task_ucred(t, false);
	_cleanup_close_ int token = -1;
	if (rights || creds || from) {
		r = record_new(ctl, creds ? &cred : NULL, from ? &u->addr : NULL, &token);
		if (r < 0)
			return r;
	}
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cbuf;
	struct iovec io = { buf, (size_t)n };
	struct msghdr mh = { .msg_iov = &io, .msg_iovlen = 1 };
	if (token >= 0) {
		mh.msg_control = cbuf.buf;
		mh.msg_controllen = sizeof(cbuf.buf);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &token, sizeof(int));
	}
	ssize_t sent = sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT | (m->flags & (MSG_EOR | MSG_OOB)));
	if (sent < 0)
		return -errno;
	return sent;
}

static long unix_recvmsg(struct task *t, struct socket *sk, struct socket_msg *m)
{
	struct unix_sock *u = unix_sk(sk);
	int fd = sk->file->host_fd;

	if (u->state == UNIX_LISTENING || (u->state == UNIX_IDLE && u->inbox_tx < 0))
		return sk->type == SOCK_SEQPACKET ? -ENOTCONN : -EINVAL;
	if (sk->type != SOCK_STREAM && (m->flags & MSG_OOB))
		return -EOPNOTSUPP;
	size_t cap = sk->type == SOCK_STREAM ? UNIX_STREAM_CHUNK : UNIX_DGRAM_MAX;
	size_t len = socket_iov_total(m->iov, m->iovcnt, cap);
	_cleanup_free_ char *buf = malloc(len ? len : 1);
	if (!buf)
		return -ENOMEM;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cbuf;
	struct iovec io = { buf, len };
	struct msghdr mh = { .msg_iov = &io, .msg_iovlen = 1, .msg_control = cbuf.buf,
			     .msg_controllen = sizeof(cbuf.buf) };
	ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC |
			    (m->flags & (MSG_PEEK | MSG_TRUNC | MSG_WAITALL | MSG_OOB)));
	if (n < 0)
		return -errno;
	size_t copy = (size_t)n < len ? (size_t)n : len;
	if (copy && guest_write_iov(t, m->iov, m->iovcnt, buf, copy) < 0)
		n = -EFAULT;
	m->flags = mh.msg_flags & (MSG_TRUNC | MSG_EOR);

	struct unix_record *rec = NULL;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		int nfd = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (int i = 0; i < nfd; i++) {
			int token;
			memcpy(&token, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (!rec)
				rec = record_by_token(token);
			close(token);
		}
	}
	struct socket_control *ctl = m->control;
	if (ctl) {
		ctl->nrights = 0;
		ctl->has_creds = false;
	}
	if (rec && ctl) {
		for (int i = 0; i < rec->nfiles; i++)
			ctl->rights[ctl->nrights++] = file_get(rec->files[i]);
	}
	if (m->want_creds && ctl) {
		ctl->has_creds = true;
		if (rec && rec->has_creds)
			ctl->creds = rec->creds;
		else if (u->has_peercred)
			ctl->creds = u->peercred;
		else
			ctl->creds = (struct ucred){ 0, UNIX_NOBODY, UNIX_NOBODY };
	}
	m->namelen = 0;
	const struct unix_addr *src = sk->type == SOCK_DGRAM ? (rec ? &rec->from : NULL) : &u->peer_addr;
	if (src && src->len) {
		memcpy(&m->name, &src->sun, src->len);
		m->namelen = src->len;
	}
	return n;
}

static int unix_wait_fd(struct socket *sk, bool send)
{
	struct unix_sock *u = unix_sk(sk);
	if (send && u->inbox_tx >= 0)
		return -1;
	return sk->file->host_fd;
}

/* The inbox's write: a datagram to the connected peer, through the sentry. */
static long unix_inbox_write(struct file *f, const struct iovec *iov, int iovcnt, int64_t *pos)
{
	(void)pos;
	struct socket *sk = socket_of(f);
	struct socket_msg m = { .iov = iov, .iovcnt = iovcnt };
	return sk->ops->sendmsg(current, sk, &m);
}

static long unix_idle_read(struct file *f, const struct iovec *iov, int iovcnt, int64_t *pos)
{
	(void)iov, (void)iovcnt, (void)pos;
	struct unix_sock *u = unix_sk(socket_of(f));
	return u->sk.type == SOCK_SEQPACKET ? -ENOTCONN : -EINVAL;
}

static long unix_idle_write(struct file *f, const struct iovec *iov, int iovcnt, int64_t *pos)
{
	(void)f, (void)iov, (void)iovcnt, (void)pos;
	return -ENOTCONN;
}

/* SIOCINQ/SIOCOUTQ of a socket whose host object is not the guest's to ask. */
static long unix_ioctl(struct file *f, unsigned int cmd, uint64_t arg)
{
	struct unix_sock *u = unix_sk(socket_of(f));
	int v = 0;
	if (cmd != SIOCINQ && cmd != SIOCOUTQ)
		return socket_dev_ioctl(cmd, arg);
	if (u->state == UNIX_LISTENING)
		return -EINVAL;
	if (f->host_fd >= 0 && ioctl(f->host_fd, cmd, &v) < 0)
		return -errno;
	return guest_write(current, arg, &v, sizeof(v));
}

static const struct file_operations unix_idle_fops = {
	.read = unix_idle_read,
	.write = unix_idle_write,
	.ioctl = unix_ioctl,
	.release = unix_file_release,
};

static const struct file_operations unix_native_fops = {
	.host_io = true,
	.ioctl = unix_ioctl,
	.release = unix_file_release,
};

static const struct file_operations unix_inbox_fops = {
	.host_io = true,
	.write = unix_inbox_write,
	.ioctl = unix_ioctl,
	.release = unix_file_release,
};

static bool unix_native_recv(struct socket *sk)
{
	return sk->file->ops == &unix_native_fops || sk->file->ops == &unix_inbox_fops;
}

static bool unix_native_send(struct socket *sk)
{
	return sk->file->ops == &unix_native_fops;
}

/* --- options and shutdown --- */

/* Has the socket a host socket of its own (not a listener's eventfd), whose plain options
   the host may keep? */
static bool unix_host_socket(struct unix_sock *u)
{
	return u->sk.file->host_fd >= 0 && u->state != UNIX_LISTENING;
}

static int unix_shutdown(struct socket *sk, int how)
{
	struct unix_sock *u = unix_sk(sk);
	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	if (unix_host_socket(u) && shutdown(sk->file->host_fd, how) < 0)
		return -errno;
	return 0;
}

/* Options that change nothing the sentry decides: kept by the host socket when there is one
   (the value the guest sees is the host's), else accepted and read back as zero. The size
   of each value, as Linux copies it. */
static socklen_t plain_option_size(int name)
{
	switch (name) {
	case SO_DEBUG:
	case SO_REUSEADDR:
	case SO_KEEPALIVE:
	case SO_DONTROUTE:
	case SO_BROADCAST:
	case SO_OOBINLINE:
	case SO_RCVLOWAT:
	case SO_PRIORITY:
		return sizeof(int);
	case SO_LINGER:
		return sizeof(struct linger);
	case SO_RCVTIMEO_OLD:
	case SO_SNDTIMEO_OLD:
		return sizeof(struct timeval);
	default:
		return 0;
	}
}

static int unix_getsockopt(struct socket *sk, int level, int name, void *val, socklen_t *len)
{
	struct unix_sock *u = unix_sk(sk);
	int v;
	if (level != SOL_SOCKET)
		return -EOPNOTSUPP;
	socklen_t size = plain_option_size(name);
	if (size && unix_host_socket(u)) {
		*len = size;
		return getsockopt(sk->file->host_fd, SOL_SOCKET, name, val, len) < 0 ? -errno : 0;
	}
	if (size) {
		memset(val, 0, size);
		*len = size;
		return 0;
	}
	switch (name) {
	case SO_TYPE:
		v = sk->type;
		break;
	case SO_DOMAIN:
		v = AF_UNIX;
		break;
	case SO_PROTOCOL:
	case SO_ERROR:
		v = 0;
		break;
	case SO_ACCEPTCONN:
		v = u->state == UNIX_LISTENING;
		break;
	case SO_PASSCRED:
		v = u->passcred;
		break;
	case SO_SNDBUF:
	case SO_RCVBUF:
		if (unix_host_socket(u)) {
			socklen_t l = sizeof(v);
			if (getsockopt(sk->file->host_fd, SOL_SOCKET, name, &v, &l) < 0)
				return -errno;
		} else {
			v = name == SO_SNDBUF ? u->sndbuf : u->rcvbuf;
		}
		break;
	case SO_PEERCRED: {
		struct ucred c = u->has_peercred ? u->peercred : (struct ucred){ 0, (uid_t)-1, (gid_t)-1 };
		memcpy(val, &c, sizeof(c));
		*len = sizeof(c);
		return 0;
	}
	default:
		return -ENOPROTOOPT;
	}
	memcpy(val, &v, sizeof(v));
	*len = sizeof(v);
	return 0;
}

static int unix_setsockopt(struct task *t, struct socket *sk, int level, int name, const void *val,
			   socklen_t len)
{
	(void)t;
	struct unix_sock *u = unix_sk(sk);
	int v;
	if (level != SOL_SOCKET)
		return -EOPNOTSUPP;
	if (len < sizeof(int))
		return -EINVAL;
	if (plain_option_size(name)) {
		if (!unix_host_socket(u))
			return 0;
		return setsockopt(sk->file->host_fd, SOL_SOCKET, name, val, len) < 0 ? -errno : 0;
	}
	memcpy(&v, val, sizeof(v));
	switch (name) {
	case SO_PASSCRED:
		u->passcred = v != 0;
		return 0;
	case SO_SNDBUF:
	case SO_RCVBUF:
		if (unix_host_socket(u))
			return setsockopt(sk->file->host_fd, SOL_SOCKET, name, &v, sizeof(v)) < 0 ? -errno : 0;
		/* As Linux: the value taken as unsigned (a negative one is huge), doubled for
		   bookkeeping, within its floor. */
		v = (unsigned)v > INT32_MAX / 2 ? INT32_MAX : 2 * v;
		if (name == SO_SNDBUF)
			u->sndbuf = v < 4608 ? 4608 : v;
		else
			u->rcvbuf = v < 2304 ? 2304 : v;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

static const struct socket_ops unix_ops = {
	.bind = unix_bind,
	.listen = unix_listen,
	.connect = unix_connect,
	.accept = unix_accept,
	.sendmsg = unix_sendmsg,
	.recvmsg = unix_recvmsg,
	.wait_fd = unix_wait_fd,
	.getname = unix_getname,
	.shutdown = unix_shutdown,
	.getsockopt = unix_getsockopt,
	.setsockopt = unix_setsockopt,
	.native_recv = unix_native_recv,
	.native_send = unix_native_send,
	.release = unix_release,
};
