/* AF_NETLINK sockets: NETLINK_ROUTE only, a sentry object (no host socket of the guest's).
   The sandbox's network namespace is the sentry's own, so the sentry answers the guest's
   read-only requests (links, addresses, routes) by asking the host kernel on a NETLINK_ROUTE
   socket it opened before it confined itself (its allow-list has no socket(2)). It never
   passes the guest's bytes on: each request is rebuilt from its header, its fixed part and
   the attributes the request type reads (filters), and the answer is relayed with the guest's
   port id and sequence number, packed into datagrams as Linux packs a dump for that reader.
   Changes need CAP_NET_ADMIN in the guest (of the sender, and of the socket's opener, as
   netlink_net_capable) and in the sentry, which keeps it only for a sandbox whose processes
   may have it and whose namespace is not the host's; they are checked (netlink_change.c)
   and sent as the guest wrote them on the sentry's socket, and the host's answer (with its
   extended-ack message) is the guest's.
   Notifications of the namespace's multicast groups come from a second socket of the
   sentry's, read by a thread of its own, to every guest socket in the group.
   The guest's number mirrors a host eventfd that is readable while replies are queued, so
   poll, select and epoll on the socket run natively. */
#define _GNU_SOURCE
#include "sentry/socket/socket.h"
#include "sentry/kernel.h"
#include "sentry/task/task.h"
#include "sentry/mm/guest_mem.h"
#include "common/cleanup.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/neighbour.h>
#include <linux/netconf.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <utlist.h>
#include "common/hash.h"

#define NETLINK_DEFAULT_BUF 212992	/* net.core.[rw]mem_default */
#define NETLINK_BUF_MAX (2 * 212992)	/* net.core.[rw]mem_max, doubled as Linux keeps it */
#define NETLINK_GOODSIZE 3776		/* SKB_WITH_OVERHEAD(PAGE_SIZE): a dump's smallest datagram */
#define NETLINK_RECVMSG_MAX 32448	/* SKB_WITH_OVERHEAD(32768): the most a reader's size raises it */
#define NETLINK_DUMP_MAX (16 << 20)	/* a dump's answer the sentry holds for one socket */
#define NETLINK_AUTOBIND_FIRST (-4096)	/* Linux's rover for a process's further sockets */
#define NETLINK_EXTACK_MSG_MAX 256	/* an extended ack's message relayed (Linux's are short) */

_Static_assert(RTNLGRP_MAX <= 64, "the groups of NETLINK_ROUTE fit a uint64_t");

/* Options of level SOL_NETLINK kept as flags (Linux's NETLINK_F_*). */
enum {
	NLF_PKTINFO = 1 << 0,
	NLF_BROADCAST_ERROR = 1 << 1,
	NLF_NO_ENOBUFS = 1 << 2,
	NLF_CAP_ACK = 1 << 3,
	NLF_EXT_ACK = 1 << 4,
	NLF_STRICT_CHK = 1 << 5,
};

struct nl_datagram {
	struct nl_datagram *next;
	uint32_t group;			/* a notification's multicast group; 0: a reply */
	size_t len;
	char data[];
};

struct netlink_sock {
	struct socket sk;
	uint32_t portid;
	bool bound;
	uint64_t groups;		/* multicast groups joined */
	struct nl_datagram *queue;	/* replies waiting for recvmsg */
	size_t queued;
	bool readable;			/* the eventfd holds 1 */
	int pending_error;		/* reported by the next recvmsg (ENOBUFS) */
	char *dump;			/* a dump's messages not yet packed into datagrams */
	size_t dump_len, dump_off;
	bool dump_done_alone;		/* NLMSG_DONE in a datagram of its own, as the host sent it */
	size_t max_recvmsg_len;
	int sndbuf, rcvbuf;
	unsigned flags;			/* NLF_* */
	bool passcred;
	bool opener_net_admin;		/* its opener had CAP_NET_ADMIN (the file's credentials) */
	UT_hash_handle hh;		/* by_portid */
};

/* The sandbox's port ids, and the sentry's socket in its network namespace. */
static struct netlink_sock *by_portid;
static int32_t autobind_rover = NETLINK_AUTOBIND_FIRST;
static int host_rtnl = -1;
static uint32_t host_seq;
static bool net_admin_kept;		/* the sentry kept CAP_NET_ADMIN for the guests' changes */

static const struct socket_ops netlink_ops;
static const struct file_operations netlink_fops;
static int nl_events_open(void);

static struct netlink_sock *nl_sk(struct socket *sk)
{
	return (struct netlink_sock *)sk;
}

bool netlink_net_admin_kept(void)
{
	return net_admin_kept;
}

bool socket_net_admin(struct task *t)
{
	return net_admin_kept && task_capable(t, CAP_NET_ADMIN);
}

/* netns_own: not the host's namespace (--network=host, an OCI spec without one), whose
   changes are never a sandbox's. */
int netlink_host_open(uint64_t guest_caps, bool netns_own)
{
	net_admin_kept = (guest_caps & (UINT64_C(1) << CAP_NET_ADMIN)) && netns_own;
	if (net_admin_kept) {
		rtnl_change_boot_links();
		inet_net_admin_init();
	}
	host_rtnl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (host_rtnl < 0) {
		int e = -errno;
		log_errno(e, "opening the sentry's NETLINK_ROUTE socket");
		return e;
	}
	/* Errors carry no copy of the request: the guest's own is echoed instead. */
	int one = 1;
	setsockopt(host_rtnl, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	return nl_events_open();
}

/* --- notifications: the namespace's multicast groups, relayed to the guest's members --- */

static int host_events = -1;

static void nl_queue(struct netlink_sock *n, const void *data, size_t len, uint32_t group);

/* The group a notification went to (NETLINK_PKTINFO); 0 if none said. */
static uint32_t nl_group_of(struct msghdr *mh)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm))
		if (cm->cmsg_level == SOL_NETLINK && cm->cmsg_type == NETLINK_PKTINFO &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(struct nl_pktinfo)))
			return ((struct nl_pktinfo *)CMSG_DATA(cm))->group;
	return 0;
}

/* A thread of the sentry's: each notification of the namespace goes, as the host sent it,
   to every guest socket that joined its group (an overrun of the sentry's socket is one for
   every member: ENOBUFS at their next recvmsg, as Linux tells a reader that lost some). */
static void *nl_events_thread(void *arg)
{
	(void)arg;
	static char buf[65536];
	for (;;) {
		union {
			char b[CMSG_SPACE(sizeof(struct nl_pktinfo))];
			struct cmsghdr align;
		} cbuf;
		struct iovec io = { buf, sizeof(buf) };
		struct msghdr mh = { .msg_iov = &io, .msg_iovlen = 1, .msg_control = cbuf.b,
				     .msg_controllen = sizeof(cbuf) };
		ssize_t len = recvmsg(host_events, &mh, 0);
		if (len < 0 && errno != ENOBUFS && errno != EINTR) {
			log_errno(-errno, "reading the namespace's netlink notifications");
			return NULL;
		}
		uint32_t group = len > 0 ? nl_group_of(&mh) : 0;
		if (len < 0 ? errno != ENOBUFS : (group == 0 || group > RTNLGRP_MAX))
			continue;
		kernel_lock();
		struct netlink_sock *n, *tmp;
		HASH_ITER(hh, by_portid, n, tmp) {
			if (len < 0 && n->groups && !(n->flags & NLF_NO_ENOBUFS))
				n->pending_error = ENOBUFS;
			else if (len > 0 && (n->groups & (1ULL << (group - 1))))
				nl_queue(n, buf, (size_t)len, group);
		}
		kernel_unlock();
	}
}

/* A second socket of the sentry's, in every group of the namespace. */
static int nl_events_open(void)
{
	host_events = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (host_events < 0)
		return log_errno(-errno, "opening the sentry's netlink notification socket");
	int one = 1, size = 4 << 20;
	setsockopt(host_events, SOL_NETLINK, NETLINK_PKTINFO, &one, sizeof(one));
	if (setsockopt(host_events, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(host_events, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	/* Bound (a port id of its own): a notification skips the sockets with the port id it
	   excludes, 0 for most. */
	struct sockaddr_nl me = { .nl_family = AF_NETLINK };
	if (bind(host_events, (struct sockaddr *)&me, sizeof(me)) < 0)
		return log_errno(-errno, "binding the sentry's netlink notification socket");
	for (int g = 1; g <= RTNLGRP_MAX; g++)
		setsockopt(host_events, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &g, sizeof(g));
	return 0;
}

/* Its reader: a thread started once the sentry has dropped its capabilities (a thread keeps
   the ones it was created with). */
int netlink_events_start(void)
{
	if (host_events < 0)
		return 0;
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	pthread_t thread;
	int r = -pthread_create(&thread, NULL, nl_events_thread, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0)
		return log_errno(r, "starting the netlink notification reader");
	pthread_detach(thread);
	return 0;
}

/* --- the reader's side: queued datagrams --- */

static void nl_update_ready(struct netlink_sock *n)
{
	int efd = n->sk.file ? n->sk.file->host_fd : -1;
	uint64_t v = 1;
	if (efd < 0 || n->readable == (n->queue != NULL))
		return;
	if (n->queue ? write(efd, &v, sizeof(v)) == sizeof(v) : read(efd, &v, sizeof(v)) == sizeof(v))
		n->readable = n->queue != NULL;
}

/* Appends a datagram of len bytes; drops it (ENOBUFS at the next recvmsg, as Linux's
   overrun) when the receive buffer is full. */
static void nl_queue(struct netlink_sock *n, const void *data, size_t len, uint32_t group)
{
	if (n->queued > (size_t)n->rcvbuf) {
		if (!(n->flags & NLF_NO_ENOBUFS))
			n->pending_error = ENOBUFS;
		return;
	}
	struct nl_datagram *d = malloc(sizeof(*d) + len);
	if (!d) {
		n->pending_error = ENOBUFS;
		return;
	}
	d->next = NULL;
	d->group = group;
	d->len = len;
	memcpy(d->data, data, len);
	LL_APPEND(n->queue, d);
	n->queued += len;
	nl_update_ready(n);
}

/* The next datagram of a running dump, as large as Linux makes it for this reader: the
   largest buffer it has received with (within 32 KiB), at least NLMSG_GOODSIZE, whole
   messages only (one larger message alone). None while the receive buffer is full: the
   dump goes on at a later recvmsg, as Linux's. */
static void nl_dump_next(struct netlink_sock *n)
{
	if (n->queued >= (size_t)n->rcvbuf)
		return;
	size_t room = n->max_recvmsg_len > NETLINK_GOODSIZE ? n->max_recvmsg_len : NETLINK_GOODSIZE;
	size_t start = n->dump_off, end = start;
	while (end < n->dump_len) {
		const struct nlmsghdr *h = (const void *)(n->dump + end);
		size_t sz = NLMSG_ALIGN(h->nlmsg_len);
		if (end > start && (end - start + sz > room ||
				    (h->nlmsg_type == NLMSG_DONE && n->dump_done_alone)))
			break;
		end += sz;
	}
	nl_queue(n, n->dump + start, end - start, 0);
	n->dump_off = end;
	if (n->dump_off >= n->dump_len) {
		free(n->dump);
		n->dump = NULL;
		n->dump_len = n->dump_off = 0;
	}
}

/* --- requests --- */

/* Appends a message to buf (of *len used bytes); NULL-safe growth. */
static int buf_append(char **buf, size_t *len, size_t *cap, const void *msg, size_t msglen)
{
	size_t need = *len + NLMSG_ALIGN(msglen);
	if (need > *cap) {
		size_t c = *cap ? *cap : 8192;
		while (c < need)
			c *= 2;
		char *nb = realloc(*buf, c);
		if (!nb)
			return -ENOMEM;
		*buf = nb;
		*cap = c;
	}
	memcpy(*buf + *len, msg, msglen);
	memset(*buf + *len + msglen, 0, NLMSG_ALIGN(msglen) - msglen);
	*len = need;
	return 0;
}

/* NLMSG_ERROR for req, as Linux's netlink_ack makes it (the request echoed on an error unless
   NETLINK_CAP_ACK; of the extended-ack attributes only the host's message, msg, when the
   socket asked for them: offsets would be the host request's). */
static void nl_ack(struct netlink_sock *n, const struct nlmsghdr *req, int err, const char *msg)
{
	bool echo = err && !(n->flags & NLF_CAP_ACK);
	size_t payload = echo ? req->nlmsg_len - NLMSG_HDRLEN : 0;
	size_t msglen = msg && *msg && (n->flags & NLF_EXT_ACK) ? strlen(msg) + 1 : 0;
	size_t tlvs = msglen ? NLA_HDRLEN + NLA_ALIGN(msglen) : 0;
	size_t len = NLMSG_LENGTH(sizeof(struct nlmsgerr)) + NLMSG_ALIGN(payload) + tlvs;
	_cleanup_free_ char *buf = calloc(1, len);
	if (!buf) {
		n->pending_error = ENOBUFS;
		return;
	}
	struct nlmsghdr *h = (void *)buf;
	*h = (struct nlmsghdr){ .nlmsg_len = (uint32_t)len, .nlmsg_type = NLMSG_ERROR,
				.nlmsg_flags = (echo ? 0 : NLM_F_CAPPED) | (tlvs ? NLM_F_ACK_TLVS : 0),
				.nlmsg_seq = req->nlmsg_seq, .nlmsg_pid = n->portid };
	struct nlmsgerr *e = NLMSG_DATA(h);
	e->error = err;
	e->msg = *req;
	memcpy(e + 1, NLMSG_DATA(req), payload);
	if (tlvs) {
		struct nlattr *a = (void *)((char *)(e + 1) + NLMSG_ALIGN(payload));
		a->nla_type = NLMSGERR_ATTR_MSG;
		a->nla_len = (uint16_t)(NLA_HDRLEN + msglen);
		memcpy((char *)a + NLA_HDRLEN, msg, msglen);
	}
	nl_queue(n, buf, len, 0);
}

/* The attributes each request type reads, in the order of the fixed part's size. */
struct rtnl_request_kind {
	uint16_t type;
	size_t fixed;		/* ifinfomsg, ifaddrmsg, rtmsg */
	const uint16_t *attrs;	/* passed on (filters and keys of a single get) */
	size_t nattrs;
	uint16_t netnsid;	/* naming another namespace: refused */
};

static const uint16_t link_attrs[] = { IFLA_IFNAME, IFLA_EXT_MASK, IFLA_MASTER, IFLA_LINKINFO,
				       IFLA_ALT_IFNAME };
static const uint16_t route_attrs[] = { RTA_DST, RTA_SRC, RTA_IIF, RTA_OIF, RTA_TABLE, RTA_MARK,
					RTA_UID, RTA_IP_PROTO, RTA_SPORT, RTA_DPORT };

static const uint16_t neigh_attrs[] = { NDA_DST, NDA_IFINDEX, NDA_MASTER };
static const uint16_t netconf_attrs[] = { NETCONFA_IFINDEX };

/* What `ip` shows (addr, link, route, neigh, rule, netconf), glibc's getifaddrs and
   if_nameindex ask; other requests are EOPNOTSUPP, as a kernel without their handler. */
static const struct rtnl_request_kind rtnl_kinds[] = {
	{ RTM_GETLINK, sizeof(struct ifinfomsg), link_attrs, ARRAY_SIZE(link_attrs), IFLA_TARGET_NETNSID },
	{ RTM_GETADDR, sizeof(struct ifaddrmsg), NULL, 0, IFA_TARGET_NETNSID },
	{ RTM_GETROUTE, sizeof(struct rtmsg), route_attrs, ARRAY_SIZE(route_attrs), 0 },
	{ RTM_GETNEIGH, sizeof(struct ndmsg), neigh_attrs, ARRAY_SIZE(neigh_attrs), 0 },
	{ RTM_GETRULE, sizeof(struct rtmsg), NULL, 0, 0 },	/* fib_rule_hdr: rtmsg's size */
	{ RTM_GETNETCONF, sizeof(struct netconfmsg), netconf_attrs, ARRAY_SIZE(netconf_attrs), 0 },
};

/* The host's request for the guest's: its header, its fixed part (as long as the guest made
   it), the attributes the type reads. A malformed attribute tail is kept as it came, so the
   host kernel judges it as it would the guest's. A single get asks for an acknowledgement:
   its end is then always the host's NLMSG_ERROR. */
static int rtnl_rebuild(const struct rtnl_request_kind *k, const struct nlmsghdr *req,
			char *out, size_t *outlen)
{
	size_t plen = req->nlmsg_len - NLMSG_HDRLEN;
	const char *p = NLMSG_DATA(req);
	size_t fixed = plen < NLMSG_ALIGN(k->fixed) ? plen : NLMSG_ALIGN(k->fixed);
	struct nlmsghdr *h = (void *)out;
	size_t len = NLMSG_HDRLEN + fixed;
	memcpy(out + NLMSG_HDRLEN, p, fixed);
	for (size_t off = fixed; off < plen;) {
		const struct nlattr *a = (const void *)(p + off);
		size_t rest = plen - off;
		if (rest < NLA_HDRLEN || a->nla_len < NLA_HDRLEN || a->nla_len > rest) {
			memcpy(out + len, p + off, rest);
			len += rest;
			break;
		}
		uint16_t type = a->nla_type & NLA_TYPE_MASK;
		if (k->netnsid && type == k->netnsid)
			return -EINVAL;	/* no other namespace has an id in the sandbox */
		for (size_t i = 0; i < k->nattrs; i++) {
			if (k->attrs[i] == type) {
				size_t sz = (size_t)NLA_ALIGN(a->nla_len) <= rest ? (size_t)NLA_ALIGN(a->nla_len) : rest;
				memcpy(out + len, a, sz);
				len += sz;
				break;
			}
		}
		off += NLA_ALIGN(a->nla_len);
	}
	bool dump = (req->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	*h = (struct nlmsghdr){ .nlmsg_len = (uint32_t)len, .nlmsg_type = req->nlmsg_type,
				.nlmsg_flags = (req->nlmsg_flags & (NLM_F_REQUEST | NLM_F_DUMP)) |
					       (dump ? 0 : NLM_F_ACK),
				.nlmsg_seq = ++host_seq };
	*outlen = len;
	return 0;
}

/* One datagram from the host socket into *buf (grown to fit); its length or -errno. */
static ssize_t host_recv(char **buf, size_t *cap)
{
	ssize_t n = recv(host_rtnl, NULL, 0, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
	if (n < 0)
		return -errno;
	if ((size_t)n > *cap) {
		char *nb = realloc(*buf, (size_t)n);
		if (!nb)
			return -ENOMEM;
		*buf = nb;
		*cap = (size_t)n;
	}
	n = recv(host_rtnl, *buf, *cap, MSG_DONTWAIT);
	return n < 0 ? -errno : n;
}

/* The message of the host's extended acknowledgement h (capped: its attributes follow the
   nlmsgerr) into msg, NETLINK_EXTACK_MSG_MAX bytes; "" if it has none. */
static void host_extack_msg(const struct nlmsghdr *h, char *msg)
{
	msg[0] = '\0';
	size_t start = NLMSG_LENGTH(sizeof(struct nlmsgerr));
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS) || !(h->nlmsg_flags & NLM_F_CAPPED) || h->nlmsg_len <= start)
		return;
	const char *p = (const char *)h + start;
	size_t len = h->nlmsg_len - start;
	for (size_t off = 0; len - off >= NLA_HDRLEN;) {
		const struct nlattr *a = (const void *)(p + off);
		if (a->nla_len < NLA_HDRLEN || a->nla_len > len - off)
			return;
		if (a->nla_type == NLMSGERR_ATTR_MSG) {
			size_t n = a->nla_len - NLA_HDRLEN;
			n = n < NETLINK_EXTACK_MSG_MAX - 1 ? n : NETLINK_EXTACK_MSG_MAX - 1;
			memcpy(msg, (const char *)a + NLA_HDRLEN, n);
			msg[n] = '\0';
			return;
		}
		off += NLA_ALIGN(a->nla_len);
		if (off > len)
			return;
	}
}

/* Asks the host kernel and collects its answer for the guest: the data messages (seq and
   port id made the guest's) in *out, then NLMSG_DONE for a dump (*done_alone: the host sent
   it in a datagram of its own, as Linux does for some dumps and not others). Returns the
   request's error (0, or the host's -errno), its extended ack's message in msg. */
static int rtnl_ask_host(struct netlink_sock *n, const struct nlmsghdr *req, const char *hreq,
			 size_t hlen, char **out, size_t *outlen, bool *done_alone, char *msg)
{
	size_t cap = 0, rcap = 0;
	_cleanup_free_ char *rbuf = NULL;
	int done_errno = 0;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	*out = NULL;
	*outlen = 0;
	if (host_rtnl < 0)
		return -EOPNOTSUPP;
	/* The host checks and filters requests as strictly as the guest's socket asks, and
	   explains its errors if the guest's socket asks. */
	static int host_strict, host_ext_ack;
	int strict = (n->flags & NLF_STRICT_CHK) != 0, ext_ack = (n->flags & NLF_EXT_ACK) != 0;
	if (strict != host_strict &&
	    setsockopt(host_rtnl, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &strict, sizeof(strict)) == 0)
		host_strict = strict;
	if (ext_ack != host_ext_ack &&
	    setsockopt(host_rtnl, SOL_NETLINK, NETLINK_EXT_ACK, &ext_ack, sizeof(ext_ack)) == 0)
		host_ext_ack = ext_ack;
	uint32_t seq = ((const struct nlmsghdr *)hreq)->nlmsg_seq;
	if (sendto(host_rtnl, hreq, hlen, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	for (;;) {
		ssize_t r = host_recv(&rbuf, &rcap);
		if (r < 0) {
			log_errno((int)r, "reading the host's netlink answer");
			return (int)r;
		}
		size_t left = (size_t)r;
		for (struct nlmsghdr *h = (void *)rbuf; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_seq != seq)
				continue;	/* left over from an answer that was cut short */
			h->nlmsg_seq = req->nlmsg_seq;
			h->nlmsg_pid = n->portid;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return -EIO;
				host_extack_msg(h, msg);
				return e->error;
			}
			if (h->nlmsg_type == NLMSG_DONE) {
				*done_alone = (char *)h == rbuf;
				if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
					memcpy(&done_errno, NLMSG_DATA(h), sizeof(int));
				if (*outlen + NLMSG_ALIGN(h->nlmsg_len) > NETLINK_DUMP_MAX)
					done_errno = -ENOBUFS;
				/* Its extended-ack attributes are not passed on. */
				struct { struct nlmsghdr h; int err; } d = {
					{ NLMSG_LENGTH(sizeof(int)), NLMSG_DONE,
					  h->nlmsg_flags & ~NLM_F_ACK_TLVS,
					  req->nlmsg_seq, n->portid }, done_errno };
				return buf_append(out, outlen, &cap, &d, sizeof(d));
			}
			/* Beyond the bound the answer is still read (the host's dump must end) but
			   dropped; the guest's dump ends with ENOBUFS. */
			if (*outlen + NLMSG_ALIGN(h->nlmsg_len) > NETLINK_DUMP_MAX)
				continue;
			int e = buf_append(out, outlen, &cap, h, h->nlmsg_len);
			if (e < 0)
				return e;
		}
	}
}

/* A change, checked, sent as the guest wrote it (its create and replace flags kept, an
   acknowledgement always asked); a notification echoed (NLM_F_ECHO) is the guest's answer. */
static int rtnl_change(struct netlink_sock *n, const struct nlmsghdr *req, char *msg)
{
	if (host_rtnl < 0)
		return -EOPNOTSUPP;
	int r = rtnl_change_check(host_rtnl, req);
	if (r < 0)
		return r;
	_cleanup_free_ char *hreq = malloc(req->nlmsg_len);
	if (!hreq)
		return -ENOMEM;
	memcpy(hreq, req, req->nlmsg_len);
	struct nlmsghdr *h = (void *)hreq;
	h->nlmsg_flags = (req->nlmsg_flags & (NLM_F_REQUEST | NLM_F_ECHO | 0xf00)) | NLM_F_ACK;
	h->nlmsg_seq = ++host_seq;
	h->nlmsg_pid = 0;
	_cleanup_free_ char *answer = NULL;
	size_t alen;
	bool done_alone;
	r = rtnl_ask_host(n, req, hreq, req->nlmsg_len, &answer, &alen, &done_alone, msg);
	if (alen)
		nl_queue(n, answer, alen, 0);
	if (r == 0)
		inet_egress_recheck();
	return r;
}

/* One request message, as rtnetlink_rcv_msg answers it: -EINTR when a dump took over the
   answer (no acknowledgement), else the error to acknowledge (msg: the host's extended-ack
   message, if any). */
static int rtnl_request(struct task *t, struct netlink_sock *n, const struct nlmsghdr *req, char *msg)
{
	if (req->nlmsg_type > RTM_MAX)
		return -EOPNOTSUPP;
	if (req->nlmsg_len - NLMSG_HDRLEN < sizeof(struct rtgenmsg))
		return 0;
	/* Changes: CAP_NET_ADMIN of the sender and of the socket's opener (netlink_net_capable). */
	if (((req->nlmsg_type - RTM_BASE) & 3) != 2) {
		if (!n->opener_net_admin || !socket_net_admin(t))
			return -EPERM;
		return rtnl_change(n, req, msg);
	}
	const struct rtnl_request_kind *k = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(rtnl_kinds); i++)
		if (rtnl_kinds[i].type == req->nlmsg_type)
			k = &rtnl_kinds[i];
	if (!k)
		return -EOPNOTSUPP;
	bool dump = (req->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	if (dump && n->dump)
		return -EBUSY;
	_cleanup_free_ char *hreq = malloc(req->nlmsg_len);
	size_t hlen;
	if (!hreq)
		return -ENOMEM;
	int r = rtnl_rebuild(k, req, hreq, &hlen);
	if (r < 0)
		return r;
	char *answer;
	size_t alen;
	bool done_alone = false;
	r = rtnl_ask_host(n, req, hreq, hlen, &answer, &alen, &done_alone, msg);
	if (r < 0 || !dump) {
		/* A single get: its answer, then the acknowledgement if asked. */
		if (r == 0 && alen)
			nl_queue(n, answer, alen, 0);
		free(answer);
		return r;
	}
	n->dump = answer;
	n->dump_len = alen;
	n->dump_off = 0;
	n->dump_done_alone = done_alone;
	nl_dump_next(n);
	return -EINTR;
}

/* The messages of one sendmsg to the kernel, as netlink_rcv_skb walks them. */
static void nl_kernel_input(struct task *t, struct netlink_sock *n, const char *buf, size_t len)
{
	while (len >= NLMSG_HDRLEN) {
		const struct nlmsghdr *h = (const void *)buf;
		if (h->nlmsg_len < NLMSG_HDRLEN || h->nlmsg_len > len)
			return;
		int err = 0;
		char msg[NETLINK_EXTACK_MSG_MAX] = "";
		if ((h->nlmsg_flags & NLM_F_REQUEST) && h->nlmsg_type >= NLMSG_MIN_TYPE)
			err = rtnl_request(t, n, h, msg);
		if (err != -EINTR && ((h->nlmsg_flags & NLM_F_ACK) || err))
			nl_ack(n, h, err, msg);
		size_t step = NLMSG_ALIGN(h->nlmsg_len);
		if (step > len)
			step = len;
		buf += step;
		len -= step;
	}
}

/* --- names --- */

static int nl_insert(struct netlink_sock *n, uint32_t portid)
{
	struct netlink_sock *other = NULL;
	HASH_FIND(hh, by_portid, &portid, sizeof(portid), other);
	if (other)
		return -EADDRINUSE;
	n->portid = portid;
	n->bound = true;
	HASH_ADD(hh, by_portid, portid, sizeof(n->portid), n);
	return 0;
}

/* netlink_autobind: the process's id first, then negative ids from -4096 down. */
static int nl_autobind(struct task *t, struct netlink_sock *n)
{
	if (nl_insert(n, (uint32_t)t->tg->tgid) == 0)
		return 0;
	for (int tries = 0; tries < 1 << 20; tries++) {
		int32_t id = autobind_rover--;
		if (autobind_rover > NETLINK_AUTOBIND_FIRST)
			autobind_rover = NETLINK_AUTOBIND_FIRST;
		if (nl_insert(n, (uint32_t)id) == 0)
			return 0;
	}
	return -ENOSPC;
}

static int netlink_bind(struct task *t, struct socket *sk, const struct sockaddr_storage *a, socklen_t len)
{
	struct netlink_sock *n = nl_sk(sk);
	const struct sockaddr_nl *nl = (const void *)a;
	if (len < sizeof(*nl) || nl->nl_family != AF_NETLINK)
		return -EINVAL;
	uint64_t groups = nl->nl_groups & ((1ULL << RTNLGRP_MAX) - 1);
	if (n->bound && nl->nl_pid != n->portid)
		return -EINVAL;
	if (!n->bound) {
		int r = nl->nl_pid ? nl_insert(n, nl->nl_pid) : nl_autobind(t, n);
		if (r < 0)
			return r;
	}
	n->groups = (n->groups & ~0xffffffffULL) | groups;
	return 0;
}

static long netlink_connect(struct task *t, struct syscall_event *ev, struct socket *sk,
			   const struct sockaddr_storage *a, socklen_t len)
{
	(void)ev;
	struct netlink_sock *n = nl_sk(sk);
	const struct sockaddr_nl *nl = (const void *)a;
	if (a->ss_family == AF_UNSPEC)
		return 0;
	if (a->ss_family != AF_NETLINK || len < sizeof(*nl))
		return -EINVAL;
	/* Only the kernel may be a peer without CAP_NET_ADMIN (NL_CFG_F_NONROOT_SEND). */
	if (nl->nl_pid || nl->nl_groups)
		return -EPERM;
	return n->bound ? 0 : nl_autobind(t, n);
}

static int netlink_getname(struct socket *sk, bool peer, struct sockaddr_storage *a, socklen_t *len)
{
	struct netlink_sock *n = nl_sk(sk);
	struct sockaddr_nl *nl = (void *)a;
	memset(a, 0, sizeof(*a));
	nl->nl_family = AF_NETLINK;
	if (!peer) {
		nl->nl_pid = n->portid;
		nl->nl_groups = (uint32_t)n->groups;
	}
	*len = sizeof(*nl);
	return 0;
}

/* --- data --- */

static long netlink_sendmsg(struct task *t, struct socket *sk, struct socket_msg *m)
{
	struct netlink_sock *n = nl_sk(sk);
	if (m->flags & MSG_OOB)
		return -EOPNOTSUPP;
	size_t len = socket_iov_total(m->iov, m->iovcnt, SIZE_MAX);
	if (len == 0)
		return -ENODATA;	/* as Linux 6.x: an empty message would be an empty skb */
	if (m->namelen) {
		const struct sockaddr_nl *nl = (const void *)&m->name;
		if (m->namelen < sizeof(*nl) || nl->nl_family != AF_NETLINK)
			return -EINVAL;
		if (nl->nl_pid || nl->nl_groups)
			return -EPERM;	/* to another socket or a group: CAP_NET_ADMIN */
	}
	if (!n->bound) {
		int r = nl_autobind(t, n);
		if (r < 0)
			return r;
	}
	if (len > (size_t)n->sndbuf - 32)
		return -EMSGSIZE;
	_cleanup_free_ char *buf = malloc(len ? len : 1);
	if (!buf)
		return -ENOBUFS;
	long got = socket_gather(t, m->iov, m->iovcnt, buf, len);
	if (got < 0)
		return got;
	nl_kernel_input(t, n, buf, len);
	return (long)len;
}

static long netlink_recvmsg(struct task *t, struct socket *sk, struct socket_msg *m)
{
	struct netlink_sock *n = nl_sk(sk);
	if (m->flags & MSG_OOB)
		return -EOPNOTSUPP;
	struct nl_datagram *d = n->queue;
	if (n->pending_error) {
		int e = n->pending_error;
		n->pending_error = 0;
		return -e;
	}
	if (!d)
		return -EAGAIN;
	size_t want = socket_iov_total(m->iov, m->iovcnt, SIZE_MAX);
	if (want > n->max_recvmsg_len)
		n->max_recvmsg_len = want < NETLINK_RECVMSG_MAX ? want : NETLINK_RECVMSG_MAX;
	size_t copy = d->len < want ? d->len : want;
	int out_flags = d->len > want ? MSG_TRUNC : 0;
	long r = copy ? guest_write_iov(t, m->iov, m->iovcnt, d->data, copy) : 0;
	long result = r < 0 ? r : (m->flags & MSG_TRUNC) ? (long)d->len : (long)copy;
	/* netlink_group_mask: groups past 32 have no bit in the address. */
	struct sockaddr_nl from = { .nl_family = AF_NETLINK,
				    .nl_groups = d->group && d->group <= 32 ? 1U << (d->group - 1) : 0 };
	if (!(m->flags & MSG_PEEK)) {
		LL_DELETE(n->queue, d);
		n->queued -= d->len;
		free(d);
	}
	/* As netlink_recvmsg: a running dump adds its next datagram once the reader has room. */
	if (n->dump && n->queued <= (size_t)n->rcvbuf / 2)
		nl_dump_next(n);
	nl_update_ready(n);
	m->flags = out_flags;
	memcpy(&m->name, &from, sizeof(from));
	m->namelen = sizeof(from);
	if (m->control) {
		m->control->nrights = 0;
		m->control->has_creds = m->want_creds;
		m->control->creds = (struct ucred){ 0, 0, 0 };	/* the kernel sent it */
	}
	return result;
}

static int netlink_wait_fd(struct socket *sk, bool send)
{
	return send ? -1 : sk->file->host_fd;
}

static long netlink_read(struct file *f, const struct iovec *iov, int iovcnt, int64_t *pos)
{
	(void)pos;
	struct socket *sk = socket_of(f);
	struct socket_msg m = { .iov = iov, .iovcnt = iovcnt };
	return sk->ops->recvmsg(current, sk, &m);
}

static long netlink_write(struct file *f, const struct iovec *iov, int iovcnt, int64_t *pos)
{
	(void)pos;
	struct socket *sk = socket_of(f);
	struct socket_msg m = { .iov = iov, .iovcnt = iovcnt };
	return sk->ops->sendmsg(current, sk, &m);
}

/* Netlink has no requests of its own (not even SIOCINQ): only the devices'. */
static long netlink_ioctl(struct file *f, unsigned int cmd, uint64_t arg)
{
	(void)f;
	return socket_dev_ioctl(cmd, arg);
}

/* --- device ioctls --- */

/* The SIOCGIF* requests every socket answers (Linux's dev_ioctl), asked of the host on the
   sentry's socket in the namespace: they read what netlink shows. */
static const unsigned dev_get_ioctls[] = { SIOCGIFNAME, SIOCGIFINDEX, SIOCGIFFLAGS, SIOCGIFMTU,
					   SIOCGIFADDR, SIOCGIFNETMASK, SIOCGIFBRDADDR,
					   SIOCGIFDSTADDR, SIOCGIFHWADDR, SIOCGIFMETRIC,
					   SIOCGIFTXQLEN, SIOCGIFMAP };
/* Changes dev_ioctl makes for a caller with CAP_NET_ADMIN, on an ifreq without pointers
   (addresses and routes are the families' own: inet.c). */
static const unsigned dev_set_ioctls[] = { SIOCSIFNAME, SIOCSIFFLAGS, SIOCSIFMTU, SIOCSIFHWADDR,
					   SIOCSIFMETRIC, SIOCSIFTXQLEN, SIOCSIFMAP, SIOCADDMULTI,
					   SIOCDELMULTI, SIOCSIFHWBROADCAST };

#define IFCONF_MAX (64 * 1024)

static long dev_ifconf(uint64_t arg)
{
	struct ifconf ifc;
	long r = guest_read(current, arg, &ifc, sizeof(ifc));
	if (r < 0)
		return r;
	uint64_t ubuf = (uint64_t)(uintptr_t)ifc.ifc_buf;
	_cleanup_free_ char *buf = NULL;
	if (ubuf) {
		if (ifc.ifc_len < 0)
			return -EINVAL;
		if (ifc.ifc_len > IFCONF_MAX)
			ifc.ifc_len = IFCONF_MAX;
		if (!(buf = calloc(1, (size_t)ifc.ifc_len + 1)))
			return -ENOMEM;
		ifc.ifc_buf = buf;
	}
	if (ioctl(host_rtnl, SIOCGIFCONF, &ifc) < 0)
		return -errno;
	if (buf && ifc.ifc_len > 0 && (r = guest_write(current, ubuf, buf, (size_t)ifc.ifc_len)) < 0)
		return r;
	ifc.ifc_buf = (char *)(uintptr_t)ubuf;
	return guest_write(current, arg, &ifc, sizeof(ifc));
}

/* One ifreq request on the host socket fd, with the sentry's copy; a change (CAP_NET_ADMIN
   checked by the caller) has the egress policy's own addresses checked again. */
long socket_ifreq_ioctl(int fd, unsigned int cmd, uint64_t arg, bool change)
{
	struct ifreq ifr;
	long r = guest_read(current, arg, &ifr, sizeof(ifr));
	if (r < 0)
		return r;
	ifr.ifr_name[IFNAMSIZ - 1] = '\0';
	if (ioctl(fd, cmd, &ifr) < 0)
		return -errno;
	if (change) {
		inet_egress_recheck();
		return 0;	/* nothing written back, as dev_ioctl for a change */
	}
	return guest_write(current, arg, &ifr, sizeof(ifr));
}

long socket_dev_ioctl(unsigned int cmd, uint64_t arg)
{
	for (size_t i = 0; i < ARRAY_SIZE(dev_set_ioctls); i++)
		if (dev_set_ioctls[i] == cmd)
			return socket_net_admin(current) ? socket_ifreq_ioctl(host_rtnl, cmd, arg, true) : -EPERM;
	if (cmd == SIOCGIFCONF)
		return dev_ifconf(arg);
	for (size_t i = 0; i < ARRAY_SIZE(dev_get_ioctls); i++)
		if (dev_get_ioctls[i] == cmd)
			return socket_ifreq_ioctl(host_rtnl, cmd, arg, false);
	return -ENOTTY;
}

/* --- options --- */

static int netlink_listen(struct task *t, struct syscall_event *ev, struct socket *sk, int backlog)
{
	(void)t, (void)ev, (void)sk, (void)backlog;
	return -EOPNOTSUPP;
}

static int netlink_accept(struct task *t, struct socket *sk, struct file **out)
{
	(void)t, (void)sk, (void)out;
	return -EOPNOTSUPP;
}

static int netlink_shutdown(struct socket *sk, int how)
{
	(void)sk, (void)how;
	return -EOPNOTSUPP;
}

/* Level SOL_SOCKET. */
static int netlink_socket_getsockopt(struct socket *sk, int name, void *val, socklen_t *len)
{
	struct netlink_sock *n = nl_sk(sk);
	int v;
	switch (name) {
	case SO_TYPE:
		v = sk->type;
		break;
	case SO_DOMAIN:
		v = AF_NETLINK;
		break;
	case SO_PROTOCOL:
		v = NETLINK_ROUTE;
		break;
	case SO_ERROR:
		v = n->pending_error;
		n->pending_error = 0;
		break;
	case SO_PASSCRED:
		v = n->passcred;
		break;
	case SO_SNDBUF:
		v = n->sndbuf;
		break;
	case SO_RCVBUF:
		v = n->rcvbuf;
		break;
	case SO_ACCEPTCONN:
		v = 0;
		break;
	default:
		return -ENOPROTOOPT;
	}
	memcpy(val, &v, sizeof(v));
	*len = sizeof(v);
	return 0;
}

static int netlink_socket_setsockopt(struct socket *sk, int name, const void *val, socklen_t len)
{
	struct netlink_sock *n = nl_sk(sk);
	int v;
	if (len < sizeof(int))
		return -EINVAL;
	memcpy(&v, val, sizeof(v));
	switch (name) {
	case SO_PASSCRED:
		n->passcred = v != 0;
		return 0;
	case SO_SNDBUF:
	case SO_RCVBUF: {
		/* As sock_setsockopt: capped at the maximum, doubled, within its floor. */
		long d = (long)(unsigned)v > NETLINK_BUF_MAX / 2 ? NETLINK_BUF_MAX : 2L * (unsigned)v;
		if (name == SO_SNDBUF)
			n->sndbuf = d < 4608 ? 4608 : (int)d;
		else
			n->rcvbuf = d < 2304 ? 2304 : (int)d;
		return 0;
	}
	case SO_SNDBUFFORCE:
	case SO_RCVBUFFORCE:
		return -EPERM;
	default:
		return -ENOPROTOOPT;
	}
}

static const struct { int name; unsigned flag; } nl_flag_options[] = {
	{ NETLINK_PKTINFO, NLF_PKTINFO },
	{ NETLINK_BROADCAST_ERROR, NLF_BROADCAST_ERROR },
	{ NETLINK_NO_ENOBUFS, NLF_NO_ENOBUFS },
	{ NETLINK_CAP_ACK, NLF_CAP_ACK },
	{ NETLINK_EXT_ACK, NLF_EXT_ACK },
	{ NETLINK_GET_STRICT_CHK, NLF_STRICT_CHK },
};

static unsigned nl_flag_of(int name)
{
	for (size_t i = 0; i < ARRAY_SIZE(nl_flag_options); i++)
		if (nl_flag_options[i].name == name)
			return nl_flag_options[i].flag;
	return 0;
}

/* Level SOL_NETLINK, as Linux's netlink_getsockopt: *len in is the guest's buffer size,
   out the size to report. */
static int netlink_getsockopt(struct socket *sk, int level, int name, void *val, socklen_t *len)
{
	struct netlink_sock *n = nl_sk(sk);
	if (level == SOL_SOCKET)
		return netlink_socket_getsockopt(sk, name, val, len);
	if (level != SOL_NETLINK)
		return -ENOPROTOOPT;
	if (name == NETLINK_LIST_MEMBERSHIPS) {
		/* Whole words as fit, and the size of all of them. */
		uint32_t g[2] = { (uint32_t)n->groups, (uint32_t)(n->groups >> 32) };
		socklen_t need = (RTNLGRP_MAX + 31) / 32 * sizeof(uint32_t);
		socklen_t fit = *len / sizeof(uint32_t) * sizeof(uint32_t);
		memcpy(val, g, fit < need ? fit : need);
		*len = need;
		return 0;
	}
	unsigned flag = nl_flag_of(name);
	if (!flag)
		return -ENOPROTOOPT;
	if (*len < sizeof(int))
		return -EINVAL;
	int v = (n->flags & flag) != 0;
	memcpy(val, &v, sizeof(v));
	*len = sizeof(v);
	return 0;
}

static int netlink_setsockopt(struct task *t, struct socket *sk, int level, int name,
			      const void *val, socklen_t len)
{
	(void)t;
	struct netlink_sock *n = nl_sk(sk);
	int v = 0;
	if (level == SOL_SOCKET)
		return netlink_socket_setsockopt(sk, name, val, len);
	if (level != SOL_NETLINK)
		return -ENOPROTOOPT;
	if (len >= sizeof(int))
		memcpy(&v, val, sizeof(v));
	switch (name) {
	case NETLINK_ADD_MEMBERSHIP:
	case NETLINK_DROP_MEMBERSHIP:
		if (v <= 0 || v > RTNLGRP_MAX)
			return -EINVAL;
		if (name == NETLINK_ADD_MEMBERSHIP)
			n->groups |= 1ULL << (v - 1);
		else
			n->groups &= ~(1ULL << (v - 1));
		return 0;
	case NETLINK_LISTEN_ALL_NSID:
		return -EPERM;	/* CAP_NET_BROADCAST */
	}
	unsigned flag = nl_flag_of(name);
	if (!flag)
		return -ENOPROTOOPT;
	if (v)
		n->flags |= flag;
	else
		n->flags &= ~flag;
	return 0;
}

static bool netlink_native(struct socket *sk)
{
	(void)sk;
	return false;
}

/* --- objects --- */

static void netlink_release(struct socket *sk)
{
	struct netlink_sock *n = nl_sk(sk);
	if (n->bound)
		HASH_DEL(by_portid, n);
	struct nl_datagram *d, *tmp;
	LL_FOREACH_SAFE(n->queue, d, tmp)
		free(d);
	free(n->dump);
	free(n);
}

static void netlink_file_release(struct file *f)
{
	struct socket *sk = socket_of(f);
	if (sk)
		sk->ops->release(sk);
	f->priv = NULL;
}

int netlink_socket_create(struct task *t, int type, int protocol, int flags, struct file **out)
{
	if (type != SOCK_RAW && type != SOCK_DGRAM)
		return -ESOCKTNOSUPPORT;
	/* Only NETLINK_ROUTE is served; the others are as on a kernel without them. */
	if (protocol != NETLINK_ROUTE)
		return -EPROTONOSUPPORT;
	struct netlink_sock *n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->sk.ops = &netlink_ops;
	n->sk.family = AF_NETLINK;
	n->sk.type = type;
	n->sndbuf = n->rcvbuf = NETLINK_DEFAULT_BUF;
	n->opener_net_admin = task_capable(t, CAP_NET_ADMIN);
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (efd < 0) {
		int e = -errno;
		free(n);
		return e;
	}
	struct file *f = socket_file_new(&n->sk, flags);
	if (!f) {
		close(efd);
		free(n);
		return -ENOMEM;
	}
	f->ops = &netlink_fops;
	f->host_fd = efd;
	*out = f;
	return 0;
}

static const struct file_operations netlink_fops = {
	.read = netlink_read,
	.write = netlink_write,
	.ioctl = netlink_ioctl,
	.release = netlink_file_release,
};

static const struct socket_ops netlink_ops = {
	.bind = netlink_bind,
	.listen = netlink_listen,
	.connect = netlink_connect,
	.accept = netlink_accept,
	.sendmsg = netlink_sendmsg,
	.recvmsg = netlink_recvmsg,
	.wait_fd = netlink_wait_fd,
	.getname = netlink_getname,
	.shutdown = netlink_shutdown,
	.getsockopt = netlink_getsockopt,
	.setsockopt = netlink_setsockopt,
	.native_recv = netlink_native,
	.native_send = netlink_native,
	.release = netlink_release,
};
