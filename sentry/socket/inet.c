/* AF_INET and AF_INET6 sockets: host sockets the sentry makes in the sandbox's network
   namespace (the sentry runs in it) and mirrors into the guest.
   - The host object exists from socket() on, so the data path (read, write, recvfrom, and
     sendto without an address) runs natively from the start and the status flags
     (O_NONBLOCK) are the host description's, as for pipes.
   - Everything else is done by the sentry on its own copy of the guest's arguments: bind,
     connect, listen, accept, getsockname/getpeername, shutdown, options from an allow-list,
     ioctls, and sendmsg, recvmsg and sendto/recvfrom with an address (the destination of
     every addressed send and every connect is checked against the egress policy).
   - connect and accept are made non-blocking on the host for the call (the kernel lock
     serialises the sentry's handlers); a blocking guest waits in slices a signal ends. */
#define _GNU_SOURCE
#include "sentry/socket/socket.h"
#include "sentry/kernel.h"
#include "sentry/task/task.h"
#include "sentry/mm/guest_mem.h"
#include "sentry/syscalls/syscalls.h"
#include "common/cleanup.h"
#include "common/egress.h"
#include "common/log.h"

#include <utlist.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/ipv6.h>
#include <linux/sockios.h>
#include <net/route.h>
#include <sys/ioctl.h>

#define INET_STREAM_CHUNK (1 << 20)	/* the most one sendmsg/recvmsg through the sentry moves */
#define INET_DGRAM_MAX 65536
#define INET_IFCONF_MAX (64 * 1024)
#define EGRESS_LOGGED_MAX 256

struct inet_sock {
	struct socket sk;
	int protocol;
	bool connect_waiting;		/* a blocking connect waits for its handshake */
	/* Connected under an active policy only because the peer was one of the namespace's
	   own addresses: checked again after each change a guest makes (inet_egress_recheck). */
	bool own_peer;
	struct sockaddr_storage peer;
	socklen_t peerlen;
	struct inet_sock *own_prev, *own_next;	/* own_peers */
};

static const struct socket_ops inet_ops;
static const struct file_operations inet_fops;
static struct egress_policy egress;
static struct inet_sock *own_peers;

static struct inet_sock *inet_sk(struct socket *sk)
{
	return (struct inet_sock *)sk;
}

int inet_egress_init(const char *policy)
{
	const char *bad;
	int r = egress_parse(policy, &egress, &bad);
	if (r < 0)
		log_error("egress policy: bad item \"%s\"", bad ? bad : "");
	return r;
}

int inet_egress_hosts_start(struct task *init)
{
	return egress.nhosts ? egress_hosts_start(init, &egress) : 0;
}

/* --- egress --- */

/* Is a one of the namespace's own addresses? Binding a datagram socket to it tells. */
static bool inet_local_address(const struct sockaddr_storage *a, socklen_t len)
{
	struct sockaddr_storage probe = *a;
	if (probe.ss_family == AF_INET)
		((struct sockaddr_in *)&probe)->sin_port = 0;
	else
		((struct sockaddr_in6 *)&probe)->sin6_port = 0;
	_cleanup_close_ int fd = socket(probe.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	return fd >= 0 && bind(fd, (struct sockaddr *)&probe, len) == 0;
}

/* Logs a refused destination once, with who asked. */
static void egress_log(struct task *t, const struct sockaddr_storage *a)
{
	static struct sockaddr_storage logged[EGRESS_LOGGED_MAX];
	static int nlogged;
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port;
	for (int i = 0; i < nlogged; i++)
		if (!memcmp(&logged[i], a, sizeof(*a)))
			return;
	if (nlogged < EGRESS_LOGGED_MAX)
		logged[nlogged++] = *a;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)a;
		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
	} else {
		const struct sockaddr_in6 *in6 = (const void *)a;
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
	}
	log_warn("egress refused: pid %d (%s) to %s port %u", t->tg->tgid, t->tg->comm, host, port);
}

/* May the socket send to or connect to a? ECONNREFUSED (stream) or EPERM if not. The
   address is the sentry's copy, zero-filled past len, which is what the host gets. *own:
   allowed only as one of the namespace's own addresses. */
static int egress_check(struct task *t, struct socket *sk, const struct sockaddr_storage *a, socklen_t len,
			bool *own)
{
	if (!egress.active)
		return 0;
	if (a->ss_family != AF_INET && a->ss_family != AF_INET6)
		return -EAFNOSUPPORT;
	const struct sockaddr *sa = (const struct sockaddr *)a;
	if (egress_loopback(sa, len) || egress_rules_allow(&egress, sa, len) || egress_hosts_allow(sa, len))
		return 0;
	if ((a->ss_family == AF_INET && len >= sizeof(struct sockaddr_in)) ||
	    (a->ss_family == AF_INET6 && len >= sizeof(struct sockaddr_in6))) {
		if (inet_local_address(a, len)) {
			if (own)
				*own = true;
			return 0;
		}
		egress_log(t, a);
	}
	return sk->type == SOCK_STREAM ? -ECONNREFUSED : -EPERM;
}

/* --- sockets and files --- */

static int inet_file(int family, int type, int protocol, int host_fd, int flags, struct file **out)
{
	struct inet_sock *is = calloc(1, sizeof(*is));
	if (!is)
		return -ENOMEM;
	is->sk.ops = &inet_ops;
	is->sk.family = family;
	is->sk.type = type;
	is->protocol = protocol;
	struct file *f = socket_file_new(&is->sk, flags);
	if (!f) {
		free(is);
		return -ENOMEM;
	}
	f->ops = &inet_fops;
	f->host_fd = host_fd;
	*out = f;
	return 0;
}

/* Protocols as Linux's inet_create finds them; raw and packet sockets are not offered. */
static int inet_protocol(int family, int type, int protocol)
{
	int icmp = family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	switch (type) {
	case SOCK_STREAM:
		return !protocol || protocol == IPPROTO_TCP ? IPPROTO_TCP : -EPROTONOSUPPORT;
	case SOCK_DGRAM:
		if (!protocol || protocol == IPPROTO_UDP)
			return IPPROTO_UDP;
		return protocol == icmp ? icmp : -EPROTONOSUPPORT;
	case SOCK_RAW:
	case SOCK_PACKET:
		return -EPERM;
	default:
		return -ESOCKTNOSUPPORT;
	}
}

int inet_socket_create(struct task *t, int family, int type, int protocol, int flags, struct file **out)
{
	(void)t;
	int proto = inet_protocol(family, type, protocol);
	if (proto < 0)
		return proto;
	int fd = socket(family, type | SOCK_CLOEXEC | (flags & O_NONBLOCK ? SOCK_NONBLOCK : 0), proto);
	if (fd < 0)
		return -errno;
	int r = inet_file(family, type, proto, fd, flags, out);
	if (r < 0)
		close(fd);
	return r;
}

static void inet_file_release(struct file *f)
{
	struct socket *sk = socket_of(f);
	if (sk)
		sk->ops->release(sk);
	f->priv = NULL;
}

static void own_peer_forget(struct inet_sock *is)
{
	if (is->own_peer)
		DL_DELETE2(own_peers, is, own_prev, own_next);
	is->own_peer = false;
}

static void inet_release(struct socket *sk)
{
	own_peer_forget(inet_sk(sk));
	free(inet_sk(sk));
}

/* After a guest changed the namespace (an address or route gone, a link down): a socket
   connected to an address that was the namespace's own, and is not any more, would send
   natively to wherever the routes now lead; it is disconnected (connect AF_UNSPEC: a TCP
   connection is reset) before the guest's next call. */
void inet_egress_recheck(void)
{
	struct inet_sock *is, *tmp;
	DL_FOREACH_SAFE2(own_peers, is, tmp, own_next) {
		if (inet_local_address(&is->peer, is->peerlen))
			continue;
		struct sockaddr unspec = { .sa_family = AF_UNSPEC };
		if (connect(is->sk.file->host_fd, &unspec, sizeof(unspec)) < 0)
			log_warn("disconnecting a socket whose peer is no longer the namespace's own: %m");
		else
			log_warn("egress: a socket's peer is no longer the namespace's own address: disconnected");
		own_peer_forget(is);
	}
}

/* --- control calls --- */

/* fcntl flags before the host description was made non-blocking for one call. */
static int host_nonblock_begin(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0 && !(fl & O_NONBLOCK))
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	return fl;
}

static void host_nonblock_end(int fd, int fl)
{
	int e = errno;
	if (fl >= 0 && !(fl & O_NONBLOCK))
		fcntl(fd, F_SETFL, fl);
	errno = e;
}

static uint16_t addr_port(const struct sockaddr_storage *a, socklen_t len)
{
	if (a->ss_family == AF_INET && len >= sizeof(struct sockaddr_in))
		return ntohs(((const struct sockaddr_in *)a)->sin_port);
	if (a->ss_family == AF_INET6 && len >= sizeof(struct sockaddr_in6))
		return ntohs(((const struct sockaddr_in6 *)a)->sin6_port);
	return 0;
}

static int inet_bind(struct task *t, struct socket *sk, const struct sockaddr_storage *a, socklen_t len)
{
	/* Linux's inet_bind; the sentry keeps CAP_NET_BIND_SERVICE for guests that have it. */
	uint16_t port = addr_port(a, len);
	if (port && port < 1024 && !task_capable(t, CAP_NET_BIND_SERVICE))
		return -EACCES;
	return bind(sk->file->host_fd, (const struct sockaddr *)a, len) < 0 ? -errno : 0;
}

static int inet_listen(struct task *t, struct syscall_event *ev, struct socket *sk, int backlog)
{
	(void)t, (void)ev;
	own_peer_forget(inet_sk(sk));
	return listen(sk->file->host_fd, backlog) < 0 ? -errno : 0;
}

static long inet_connect(struct task *t, struct syscall_event *ev, struct socket *sk,
			 const struct sockaddr_storage *a, socklen_t len)
{
	struct inet_sock *is = inet_sk(sk);
	int fd = sk->file->host_fd;
	bool own = false;
	long r = a->ss_family == AF_UNSPEC ? 0 : egress_check(t, sk, a, len, &own);
	if (r < 0)
		return r;
	/* Under a policy, with guests that may change the namespace, remember an own peer. */
	own_peer_forget(is);
	if (own && netlink_net_admin_kept()) {
		is->own_peer = true;
		is->peer = *a;
		is->peerlen = len;
		DL_APPEND2(own_peers, is, own_prev, own_next);
	}
	bool nonblock = socket_nonblocking(sk->file);
	int fl = host_nonblock_begin(fd);
	r = connect(fd, (const struct sockaddr *)a, len) < 0 ? -errno : 0;
	host_nonblock_end(fd, fl);
	if (r == -EISCONN && is->connect_waiting) {
		/* A blocking connect restarted after a signal, and done meanwhile. */
		is->connect_waiting = false;
		return 0;
	}
	if (nonblock || (r != -EINPROGRESS && !(r == -EALREADY && is->connect_waiting)))
		return r;
	is->connect_waiting = true;
	unsigned seen = ev->interrupts_seen;
	struct file *held = file_get(sk->file);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		if (poll(&p, 1, 0) > 0)
			break;
		r = socket_wait_host(t, ev, fd, POLLOUT, seen);
		if (r != SYSCALL_NOT_YET) {
			file_put(held);
			return r;
		}
	}
	is->connect_waiting = false;
	int err = 0;
	socklen_t el = sizeof(err);
	r = getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 ? -errno : -err;
	file_put(held);
	return r;
}

static int inet_accept(struct task *t, struct socket *sk, struct file **out)
{
	(void)t;
	int fd = sk->file->host_fd;
	int fl = host_nonblock_begin(fd);
	int nfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
	host_nonblock_end(fd, fl);
	if (nfd < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	int r = inet_file(sk->family, sk->type, inet_sk(sk)->protocol, nfd, 0, out);
	if (r < 0)
		close(nfd);
	return r;
}

static int inet_getname(struct socket *sk, bool peer, struct sockaddr_storage *a, socklen_t *len)
{
	*len = sizeof(*a);
	int r = peer ? getpeername(sk->file->host_fd, (struct sockaddr *)a, len)
		     : getsockname(sk->file->host_fd, (struct sockaddr *)a, len);
	return r < 0 ? -errno : 0;
}

static int inet_shutdown(struct socket *sk, int how)
{
	return shutdown(sk->file->host_fd, how) < 0 ? -errno : 0;
}

/* --- data through the sentry --- */

/* The control messages a guest's IP socket may send, with their data sizes (0: an int or
   a byte, as ip_cmsg_send takes IP_TOS and IP_TTL): the host checks the values. */
static const struct {
	int level, type;
	size_t size;
} inet_send_cmsgs[] = {
	{ IPPROTO_IP, IP_PKTINFO, sizeof(struct in_pktinfo) }, { IPPROTO_IP, IP_TOS, 0 },
	{ IPPROTO_IP, IP_TTL, 0 }, { IPPROTO_IPV6, IPV6_PKTINFO, sizeof(struct in6_pktinfo) },
	{ IPPROTO_IPV6, IPV6_TCLASS, sizeof(int) }, { IPPROTO_IPV6, IPV6_HOPLIMIT, sizeof(int) },
	{ IPPROTO_UDP, UDP_SEGMENT, sizeof(uint16_t) },
};

/* 1: a known one, 0: another (left out, as Linux ignores a level the socket does not
   have), -EINVAL: a known one of the wrong size (as ip_cmsg_send answers). */
static int inet_send_cmsg_known(const struct cmsghdr *cm)
{
	size_t data = cm->cmsg_len - CMSG_LEN(0);
	for (size_t i = 0; i < sizeof(inet_send_cmsgs) / sizeof(inet_send_cmsgs[0]); i++)
		if (inet_send_cmsgs[i].level == cm->cmsg_level && inet_send_cmsgs[i].type == cm->cmsg_type)
			return (inet_send_cmsgs[i].size ? data == inet_send_cmsgs[i].size
							: data == sizeof(int) || data == 1) ? 1 : -EINVAL;
	return 0;
}

/* The known protocol-level control messages of a send, into out; the bytes kept, or
   -EINVAL. */
static long inet_send_cmsgs_checked(const struct socket_control *ctl, char *out)
{
	size_t off = 0, kept = 0;
	while (ctl && off + sizeof(struct cmsghdr) <= ctl->host_len) {
		struct cmsghdr cm;
		memcpy(&cm, ctl->host_cmsgs + off, sizeof(cm));
		if (cm.cmsg_len < sizeof(cm) || cm.cmsg_len > ctl->host_len - off)
			break;
		size_t span = CMSG_ALIGN(cm.cmsg_len) < ctl->host_len - off ? CMSG_ALIGN(cm.cmsg_len) : ctl->host_len - off;
		int known = inet_send_cmsg_known(&cm);
		if (known < 0)
			return known;
		if (known) {
			memcpy(out + kept, ctl->host_cmsgs + off, span);
			kept += span;
		}
		off += span;
	}
	return (long)kept;
}

static long inet_sendmsg(struct task *t, struct socket *sk, struct socket_msg *m)
{
	const struct socket_control *ctl = m->control;
	if (ctl && (ctl->nrights || ctl->has_creds))
		return -EINVAL;
	if (m->namelen) {
		/* Linux's IPv4 datagram sends take AF_UNSPEC for AF_INET: check what the host gets. */
		if (sk->family == AF_INET && sk->type == SOCK_DGRAM && m->name.ss_family == AF_UNSPEC)
			m->name.ss_family = AF_INET;
		long r = egress_check(t, sk, &m->name, m->namelen, NULL);
		if (r < 0)
			return r;
	}
	size_t cap = sk->type == SOCK_STREAM ? INET_STREAM_CHUNK : INET_DGRAM_MAX;
	size_t len = socket_iov_total(m->iov, m->iovcnt, cap);
	_cleanup_free_ char *buf = malloc(len ? len : 1);
	if (!buf)
		return -ENOMEM;
	long n = socket_gather(t, m->iov, m->iovcnt, buf, len);
	if (n < 0)
		return n;
	/* MSG_ZEROCOPY does nothing without SO_ZEROCOPY, which is not offered. */
	int flags = MSG_NOSIGNAL | MSG_DONTWAIT |
		    (m->flags & (MSG_OOB | MSG_DONTROUTE | MSG_EOR | MSG_MORE | MSG_CONFIRM | MSG_FASTOPEN));
	union {
		char b[SOCKET_HOST_CMSG_MAX];
		struct cmsghdr align;
	} cbuf;
	struct iovec io = { buf, (size_t)n };
	struct msghdr mh = { .msg_name = m->namelen ? &m->name : NULL, .msg_namelen = m->namelen,
			     .msg_iov = &io, .msg_iovlen = 1, .msg_control = cbuf.b };
	long clen = inet_send_cmsgs_checked(ctl, cbuf.b);
	if (clen < 0)
		return clen;
	mh.msg_controllen = (size_t)clen;
	if (!clen)
		mh.msg_control = NULL;
	ssize_t sent = sendmsg(sk->file->host_fd, &mh, flags);
	return sent < 0 ? -errno : sent;
}

/* The control messages a guest's IP socket may receive: those of the options it may set
   (inet_options). */
static const struct {
	int level, type;
} inet_recv_cmsgs[] = {
	{ SOL_SOCKET, SCM_TIMESTAMP }, { SOL_SOCKET, SCM_TIMESTAMPNS },
	{ IPPROTO_IP, IP_PKTINFO }, { IPPROTO_IP, IP_TOS }, { IPPROTO_IP, IP_TTL },
	{ IPPROTO_IP, IP_RECVERR }, { IPPROTO_IPV6, IPV6_PKTINFO }, { IPPROTO_IPV6, IPV6_TCLASS },
	{ IPPROTO_IPV6, IPV6_HOPLIMIT }, { IPPROTO_IPV6, IPV6_RECVERR }, { IPPROTO_UDP, UDP_GRO },
};

static bool inet_recv_cmsg_known(const struct cmsghdr *cm)
{
	for (size_t i = 0; i < sizeof(inet_recv_cmsgs) / sizeof(inet_recv_cmsgs[0]); i++)
		if (inet_recv_cmsgs[i].level == cm->cmsg_level && inet_recv_cmsgs[i].type == cm->cmsg_type)
			return true;
	return false;
}

/* Copies the well-formed, known control messages of what the host wrote (len bytes, laid
   out for the guest's buffer size) to out, in order; returns the bytes kept. */
static size_t inet_recv_cmsgs_checked(const char *buf, size_t len, char *out)
{
	size_t off = 0, kept = 0;
	while (off + sizeof(struct cmsghdr) <= len) {
		struct cmsghdr cm;
		memcpy(&cm, buf + off, sizeof(cm));
		if (cm.cmsg_len < sizeof(cm) || cm.cmsg_len > len - off)
			break;
		size_t span = CMSG_ALIGN(cm.cmsg_len) < len - off ? CMSG_ALIGN(cm.cmsg_len) : len - off;
		if (inet_recv_cmsg_known(&cm)) {
			memcpy(out + kept, buf + off, span);
			kept += span;
		}
		off += span;
	}
	return kept;
}

static long inet_recvmsg(struct task *t, struct socket *sk, struct socket_msg *m)
{
	size_t cap = sk->type == SOCK_STREAM ? INET_STREAM_CHUNK : INET_DGRAM_MAX;
	size_t len = socket_iov_total(m->iov, m->iovcnt, cap);
	_cleanup_free_ char *buf = malloc(len ? len : 1);
	union {
		char b[SOCKET_HOST_CMSG_MAX];
		struct cmsghdr align;
	} cbuf;
	size_t room = m->control && m->control->host_room < sizeof(cbuf) ? m->control->host_room
		    : m->control ? sizeof(cbuf) : 0;
	if (!buf)
		return -ENOMEM;
	/* The error queue is read as Linux reads it: never waiting. */
	if (m->flags & MSG_ERRQUEUE)
		m->nonblock = true;
	struct iovec io = { buf, len };
	struct msghdr mh = { .msg_iov = &io, .msg_iovlen = 1, .msg_name = &m->name,
			     .msg_namelen = sizeof(m->name), .msg_control = room ? cbuf.b : NULL,
			     .msg_controllen = room };
	ssize_t n = recvmsg(sk->file->host_fd, &mh, MSG_DONTWAIT |
			    (m->flags & (MSG_PEEK | MSG_TRUNC | MSG_WAITALL | MSG_OOB | MSG_ERRQUEUE)));
	if (n < 0)
		return -errno;
	size_t copy = (size_t)n < len ? (size_t)n : len;
	if (copy && guest_write_iov(t, m->iov, m->iovcnt, buf, copy) < 0)
		return -EFAULT;
	m->flags = mh.msg_flags & (MSG_TRUNC | MSG_EOR | MSG_OOB | MSG_CTRUNC | MSG_ERRQUEUE);
	m->namelen = mh.msg_namelen;
	if (m->control) {
		m->control->nrights = 0;
		m->control->has_creds = false;
		m->control->host_len = inet_recv_cmsgs_checked(cbuf.b, room ? mh.msg_controllen : 0,
							       m->control->host_cmsgs);
	}
	return n;
}

static int inet_wait_fd(struct socket *sk, bool send)
{
	(void)send;
	return sk->file->host_fd;
}

static bool inet_native(struct socket *sk)
{
	(void)sk;
	return true;
}

/* --- options --- */

/* What a guest may get and set; the host keeps the values. Any other option (SO_ZEROCOPY,
   SO_ATTACH_FILTER, TCP_ULP, TCP_REPAIR, IP_TRANSPARENT, ...) is ENOPROTOOPT, as from a
   kernel without it; an unknown level is what Linux answers for one. */
static const struct {
	int level, name;
} inet_options[] = {
	{ SOL_SOCKET, SO_REUSEADDR }, { SOL_SOCKET, SO_REUSEPORT }, { SOL_SOCKET, SO_KEEPALIVE },
	{ SOL_SOCKET, SO_ERROR }, { SOL_SOCKET, SO_TYPE }, { SOL_SOCKET, SO_DOMAIN },
	{ SOL_SOCKET, SO_PROTOCOL }, { SOL_SOCKET, SO_ACCEPTCONN }, { SOL_SOCKET, SO_RCVBUF },
	{ SOL_SOCKET, SO_SNDBUF }, { SOL_SOCKET, SO_LINGER }, { SOL_SOCKET, SO_BROADCAST },
	{ SOL_SOCKET, SO_OOBINLINE }, { SOL_SOCKET, SO_RCVLOWAT }, { SOL_SOCKET, SO_SNDLOWAT },
	{ SOL_SOCKET, SO_RCVTIMEO_OLD }, { SOL_SOCKET, SO_SNDTIMEO_OLD },
	{ SOL_SOCKET, SO_RCVTIMEO_NEW }, { SOL_SOCKET, SO_SNDTIMEO_NEW }, { SOL_SOCKET, SO_PRIORITY },
	{ SOL_SOCKET, SO_TIMESTAMP_OLD }, { SOL_SOCKET, SO_TIMESTAMPNS_OLD },
	{ SOL_SOCKET, SO_DONTROUTE }, { SOL_SOCKET, SO_PASSCRED }, { SOL_SOCKET, SO_INCOMING_CPU },
	{ IPPROTO_TCP, TCP_NODELAY }, { IPPROTO_TCP, TCP_MAXSEG }, { IPPROTO_TCP, TCP_CORK },
	{ IPPROTO_TCP, TCP_KEEPIDLE }, { IPPROTO_TCP, TCP_KEEPINTVL }, { IPPROTO_TCP, TCP_KEEPCNT },
	{ IPPROTO_TCP, TCP_SYNCNT }, { IPPROTO_TCP, TCP_LINGER2 }, { IPPROTO_TCP, TCP_DEFER_ACCEPT },
	{ IPPROTO_TCP, TCP_WINDOW_CLAMP }, { IPPROTO_TCP, TCP_INFO }, { IPPROTO_TCP, TCP_QUICKACK },
	{ IPPROTO_TCP, TCP_USER_TIMEOUT }, { IPPROTO_TCP, TCP_CONGESTION },
	{ IPPROTO_TCP, TCP_FASTOPEN }, { IPPROTO_TCP, TCP_FASTOPEN_CONNECT },
	{ IPPROTO_TCP, TCP_NOTSENT_LOWAT },
	{ IPPROTO_UDP, UDP_CORK }, { IPPROTO_UDP, UDP_SEGMENT }, { IPPROTO_UDP, UDP_GRO },
	{ IPPROTO_IP, IP_TOS }, { IPPROTO_IP, IP_TTL }, { IPPROTO_IP, IP_RECVTOS },
	{ IPPROTO_IP, IP_RECVTTL }, { IPPROTO_IP, IP_PKTINFO }, { IPPROTO_IP, IP_RECVERR },
	{ IPPROTO_IP, IP_MTU_DISCOVER }, { IPPROTO_IP, IP_MTU }, { IPPROTO_IP, IP_MULTICAST_TTL },
	{ IPPROTO_IP, IP_MULTICAST_LOOP }, { IPPROTO_IP, IP_MULTICAST_IF },
	{ IPPROTO_IP, IP_ADD_MEMBERSHIP }, { IPPROTO_IP, IP_DROP_MEMBERSHIP },
	{ IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT }, { IPPROTO_IP, IP_FREEBIND },
	{ IPPROTO_IPV6, IPV6_V6ONLY }, { IPPROTO_IPV6, IPV6_TCLASS }, { IPPROTO_IPV6, IPV6_UNICAST_HOPS },
	{ IPPROTO_IPV6, IPV6_MULTICAST_HOPS }, { IPPROTO_IPV6, IPV6_MULTICAST_LOOP },
	{ IPPROTO_IPV6, IPV6_MULTICAST_IF }, { IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP },
	{ IPPROTO_IPV6, IPV6_DROP_MEMBERSHIP }, { IPPROTO_IPV6, IPV6_RECVPKTINFO },
	{ IPPROTO_IPV6, IPV6_RECVERR }, { IPPROTO_IPV6, IPV6_MTU_DISCOVER }, { IPPROTO_IPV6, IPV6_MTU },
	{ IPPROTO_IPV6, IPV6_RECVTCLASS }, { IPPROTO_IPV6, IPV6_RECVHOPLIMIT },
};

static bool inet_option_allowed(int level, int name)
{
	for (size_t i = 0; i < sizeof(inet_options) / sizeof(inet_options[0]); i++)
		if (inet_options[i].level == level && inet_options[i].name == name)
			return true;
	return false;
}

static bool inet_level_known(int level)
{
	return level == SOL_SOCKET || level == IPPROTO_IP || level == IPPROTO_IPV6 ||
	       level == IPPROTO_TCP || level == IPPROTO_UDP;
}

static int inet_getsockopt(struct socket *sk, int level, int name, void *val, socklen_t *len)
{
	/* ip_getsockopt's answer for a level it does not know; ipv6_getsockopt's differs. */
	if (!inet_level_known(level) && sk->family == AF_INET)
		return -EOPNOTSUPP;
	if (!inet_option_allowed(level, name))
		return -ENOPROTOOPT;
	return getsockopt(sk->file->host_fd, level, name, val, len) < 0 ? -errno : 0;
}

/* The congestion controls loaded (net.ipv4.tcp_available_congestion_control) and those
   anyone may choose (tcp_allowed_congestion_control), read at boot when the sentry keeps
   CAP_NET_ADMIN: with it the host would let any guest choose any, and load a module for a
   name it does not have. As " a b c ", each name between spaces. */
static char congestion_available[512], congestion_allowed[512];

static void congestion_list_read(const char *path, char *list, size_t size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, list + 1, size - 3) : -1;
	if (n < 0)
		n = 0;
	list[0] = ' ';
	for (ssize_t i = 1; i <= n; i++)
		if (list[i] == '\n')
			list[i] = ' ';
	memcpy(list + n + 1, " ", 2);
}

void inet_net_admin_init(void)
{
	congestion_list_read("/proc/sys/net/ipv4/tcp_available_congestion_control", congestion_available,
			     sizeof(congestion_available));
	congestion_list_read("/proc/sys/net/ipv4/tcp_allowed_congestion_control", congestion_allowed,
			     sizeof(congestion_allowed));
}

/* Options the host would allow the sentry, which holds CAP_NET_ADMIN for guests that have
   it, and Linux only a caller with it (or CAP_NET_RAW): checked against the guest's. A
   congestion control not loaded is ENOENT for every guest (no module is loaded for one). */
static int inet_option_privileged(struct task *t, int level, int name, const void *val, socklen_t len)
{
	if (!netlink_net_admin_kept())
		return 0;
	bool admin = task_capable(t, CAP_NET_ADMIN);
	int v;
	if (level == SOL_SOCKET && name == SO_PRIORITY && len >= sizeof(v)) {
		memcpy(&v, val, sizeof(v));
		return (v < 0 || v > 6) && !admin && !task_capable(t, CAP_NET_RAW) ? -EPERM : 0;
	}
	if (level == IPPROTO_TCP && name == TCP_CONGESTION && len >= 1) {
		char want[32] = " ";
		size_t n = len < sizeof(want) - 3 ? len : sizeof(want) - 3;
		memcpy(want + 1, val, n);
		want[1 + strnlen(want + 1, n)] = '\0';
		strcat(want, " ");
		if (!strstr(congestion_available, want))
			return -ENOENT;
		return admin || strstr(congestion_allowed, want) ? 0 : -EPERM;
	}
	return 0;
}

static int inet_setsockopt(struct task *t, struct socket *sk, int level, int name, const void *val,
			   socklen_t len)
{
	if (!inet_option_allowed(level, name))
		return -ENOPROTOOPT;
	int r = inet_option_privileged(t, level, name, val, len);
	if (r < 0)
		return r;
	return setsockopt(sk->file->host_fd, level, name, val, len) < 0 ? -errno : 0;
}

/* --- ioctls: queries of the socket and the namespace's interfaces, on the sentry's copy --- */

static long inet_ifconf(int fd, uint64_t arg)
{
	struct ifconf ic;
	long r = guest_read(current, arg, &ic, sizeof(ic));
	if (r < 0)
		return r;
	if (ic.ifc_len < 0)
		return -EINVAL;
	uint64_t ubuf = (uint64_t)(uintptr_t)ic.ifc_buf;
	size_t len = ic.ifc_len > INET_IFCONF_MAX ? INET_IFCONF_MAX : (size_t)ic.ifc_len;
	_cleanup_free_ char *buf = ubuf ? malloc(len ? len : 1) : NULL;
	if (ubuf && !buf)
		return -ENOMEM;
	ic.ifc_len = (int)len;
	ic.ifc_buf = buf;
	if (ioctl(fd, SIOCGIFCONF, &ic) < 0)
		return -errno;
	if (buf && ic.ifc_len && (r = guest_write(current, ubuf, buf, (size_t)ic.ifc_len)) < 0)
		return r;
	ic.ifc_buf = (char *)(uintptr_t)ubuf;
	return guest_write(current, arg, &ic, sizeof(ic));
}

/* A route of SIOCADDRT/SIOCDELRT on an IPv4 socket: its device name is a pointer into the
   guest, read as ip_rt_ioctl reads it (15 bytes at most) and pointed at the sentry's copy. */
static long inet_route_ioctl(int fd, unsigned int cmd, uint64_t arg)
{
	struct rtentry rt;
	char dev[IFNAMSIZ] = "";
	long r = guest_read(current, arg, &rt, sizeof(rt));
	if (r < 0)
		return r;
	if (rt.rt_dev) {
		r = guest_read_string(current, (uint64_t)(uintptr_t)rt.rt_dev, dev, sizeof(dev));
		if (r == -EFAULT)
			return r;
		rt.rt_dev = dev;
	}
	if (ioctl(fd, cmd, &rt) < 0)
		return -errno;
	inet_egress_recheck();
	return 0;
}

/* A change of IPv6 addresses or routes (in6_ifreq, in6_rtmsg: no pointers). */
static long inet6_change_ioctl(int fd, unsigned int cmd, uint64_t arg, size_t size)
{
	union {
		struct in6_ifreq ifr6;
		struct in6_rtmsg rt6;
	} req;
	long r = guest_read(current, arg, &req, size);
	if (r < 0)
		return r;
	if (ioctl(fd, cmd, &req) < 0)
		return -errno;
	inet_egress_recheck();
	return 0;
}

/* Address and route changes (devinet_ioctl, ip_rt_ioctl, addrconf's and ipv6_route_ioctl),
   for a guest with CAP_NET_ADMIN, on the socket's own host socket: in the namespace. */
static long inet_change_ioctl(struct file *f, unsigned int cmd, uint64_t arg)
{
	bool v6 = socket_of(f)->family == AF_INET6;
	bool route = cmd == SIOCADDRT || cmd == SIOCDELRT;
	/* Neither family has the others: they end in dev_ioctl, which has none either. */
	if (v6 ? !route && cmd != SIOCSIFADDR && cmd != SIOCDIFADDR && cmd != SIOCSIFDSTADDR
	       : cmd == SIOCDIFADDR)
		return -ENOTTY;
	if (!socket_net_admin(current))
		return -EPERM;
	if (v6 && route)
		return inet6_change_ioctl(f->host_fd, cmd, arg, sizeof(struct in6_rtmsg));
	if (v6 && cmd != SIOCSIFDSTADDR)
		return inet6_change_ioctl(f->host_fd, cmd, arg, sizeof(struct in6_ifreq));
	if (route)
		return inet_route_ioctl(f->host_fd, cmd, arg);
	return socket_ifreq_ioctl(f->host_fd, cmd, arg, true);
}

static long inet_ioctl(struct file *f, unsigned int cmd, uint64_t arg)
{
	int fd = f->host_fd;
	switch (cmd) {
	case SIOCOUTQ:
	case SIOCOUTQNSD:
	case SIOCATMARK: {
		int v = 0;
		if (ioctl(fd, cmd, &v) < 0)
			return -errno;
		return guest_write(current, arg, &v, sizeof(v));
	}
	case SIOCGIFCONF:
		return inet_ifconf(fd, arg);
	case SIOCGIFNAME:
	case SIOCGIFINDEX:
	case SIOCGIFFLAGS:
	case SIOCGIFADDR:
	case SIOCGIFDSTADDR:
	case SIOCGIFBRDADDR:
	case SIOCGIFNETMASK:
	case SIOCGIFMTU:
	case SIOCGIFHWADDR:
	case SIOCGIFTXQLEN:
	case SIOCGIFMETRIC:
	case SIOCGIFMAP:
		return socket_ifreq_ioctl(fd, cmd, arg, false);
	case SIOCSIFADDR:
	case SIOCDIFADDR:
	case SIOCSIFDSTADDR:
	case SIOCSIFBRDADDR:
	case SIOCSIFNETMASK:
	case SIOCADDRT:
	case SIOCDELRT:
		return inet_change_ioctl(f, cmd, arg);
	default:
		return socket_dev_ioctl(cmd, arg);
	}
}

static const struct file_operations inet_fops = {
	.host_io = true,
	.ioctl = inet_ioctl,
	.release = inet_file_release,
};

static const struct socket_ops inet_ops = {
	.bind = inet_bind,
	.listen = inet_listen,
	.connect = inet_connect,
	.accept = inet_accept,
	.sendmsg = inet_sendmsg,
	.recvmsg = inet_recvmsg,
	.wait_fd = inet_wait_fd,
	.getname = inet_getname,
	.shutdown = inet_shutdown,
	.getsockopt = inet_getsockopt,
	.setsockopt = inet_setsockopt,
	.native_recv = inet_native,
	.native_send = inet_native,
	.release = inet_release,
};
