/* NETLINK_ROUTE and the interface calls built on it, one line per check, for a native run
   and a sandboxed one in the same network namespace to be compared:
   - glibc: getifaddrs, if_nameindex, if_nametoindex, if_indextoname; SIOCGIFCONF,
     SIOCGIFINDEX, SIOCGIFFLAGS, SIOCGIFMTU on a unix socket (Linux's dev_ioctl), a change
     (EPERM without CAP_NET_ADMIN).
   - raw netlink: names (autobind, bind errors), options of SOL_SOCKET and SOL_NETLINK, dumps
     of links, addresses and routes (every message's type, flags, sequence, port id and
     length; datagram sizes as a reader with a 0-byte peek and then 32 KiB sees them), single
     gets with acknowledgements and errors (the request echoed, or capped), changes (EPERM),
     unknown types, control messages, two dumps at once (EBUSY), MSG_PEEK, MSG_TRUNC and short
     buffers, read/write, poll.
   - hostile: short and huge nlmsg_len, truncated attributes, 2000 messages of random bytes,
     bad pointers; the socket still answers afterwards.
   Run unprivileged (the native run must not have CAP_NET_ADMIN either).
   netlinkcheck monitor N: see monitor().
   netlinkcheck changes: see check_changes() (with CAP_NET_ADMIN, in the sandbox only). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <linux/lwtunnel.h>
#include <linux/veth.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/guest_check.h"

static uint32_t my_portid;

static const char *addr_str(const struct sockaddr *sa)
{
	char *b = say_buffer();
	if (!sa)
		return "-";
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, b, SAY_BUFFER_SIZE);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, b, SAY_BUFFER_SIZE);
	else if (sa->sa_family == AF_PACKET) {
		const struct sockaddr_ll *ll = (const void *)sa;
		snprintf(b, SAY_BUFFER_SIZE, "packet ifindex %d hatype %d halen %d", ll->sll_ifindex,
			 ll->sll_hatype, ll->sll_halen);
	} else
		snprintf(b, SAY_BUFFER_SIZE, "family %d", sa->sa_family);
	return b;
}

static void check_glibc(void)
{
	struct ifaddrs *ifa;
	if (getifaddrs(&ifa) < 0) {
		say("getifaddrs: %s", en(errno));
	} else {
		for (struct ifaddrs *i = ifa; i; i = i->ifa_next)
			say("getifaddrs %s flags %#x addr %s mask %s", i->ifa_name, i->ifa_flags,
			    addr_str(i->ifa_addr), addr_str(i->ifa_netmask));
		freeifaddrs(ifa);
	}
	struct if_nameindex *ni = if_nameindex();
	for (struct if_nameindex *p = ni; p && p->if_index; p++)
		say("if_nameindex %u %s", p->if_index, p->if_name);
	if_freenameindex(ni);
	const char *names[] = { "lo", "v0", "v1", "nosuchif" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		errno = 0;
		unsigned idx = if_nametoindex(names[i]);
		say("if_nametoindex %s: %u %s", names[i], idx, idx ? "" : en(errno));
	}
	char name[IF_NAMESIZE];
	for (unsigned idx = 1; idx < 5; idx++) {
		errno = 0;
		const char *n = if_indextoname(idx, name);
		say("if_indextoname %u: %s %s", idx, n ? n : "NULL", n ? "" : en(errno));
	}
	errno = 0;
	say("if_indextoname 999: %s %s", if_indextoname(999, name) ? "found" : "NULL", en(errno));

	int s = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct ifconf ifc = { .ifc_len = 0, .ifc_buf = NULL };
	say("SIOCGIFCONF size: %s len %d", res(ioctl(s, SIOCGIFCONF, &ifc)), ifc.ifc_len);
	struct ifreq reqs[16];
	ifc.ifc_len = sizeof(reqs);
	ifc.ifc_req = reqs;
	say("SIOCGIFCONF: %s len %d", res(ioctl(s, SIOCGIFCONF, &ifc)), ifc.ifc_len);
	for (int i = 0; i < ifc.ifc_len / (int)sizeof(struct ifreq); i++)
		say("  %s %s", reqs[i].ifr_name, addr_str(&reqs[i].ifr_addr));
	struct ifreq r = { 0 };
	strcpy(r.ifr_name, "v0");
	say("SIOCGIFINDEX v0: %s %d", res(ioctl(s, SIOCGIFINDEX, &r)), r.ifr_ifindex);
	say("SIOCGIFFLAGS v0: %s %#x", res(ioctl(s, SIOCGIFFLAGS, &r)), r.ifr_flags & 0xffff);
	say("SIOCGIFMTU v0: %s %d", res(ioctl(s, SIOCGIFMTU, &r)), r.ifr_mtu);
	say("SIOCGIFADDR v0: %s %s", res(ioctl(s, SIOCGIFADDR, &r)), addr_str(&r.ifr_addr));
	r.ifr_ifindex = 1;
	say("SIOCGIFNAME 1: %s %s", res(ioctl(s, SIOCGIFNAME, &r)), r.ifr_name);
	strcpy(r.ifr_name, "nosuchif");
	say("SIOCGIFINDEX nosuchif: %s", res(ioctl(s, SIOCGIFINDEX, &r)));
	strcpy(r.ifr_name, "v0");
	r.ifr_flags = 0;
	say("SIOCSIFFLAGS v0: %s", res(ioctl(s, SIOCSIFFLAGS, &r)));
	say("SIOCGIFINDEX bad pointer: %s", res(ioctl(s, SIOCGIFINDEX, (void *)8)));
	say("ioctl TCGETS: %s", res(ioctl(s, 0x5401, &r)));
	close(s);
}

/* --- raw netlink --- */

static int nl_open(void)
{
	return socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
}

static uint32_t nl_name(int fd, int peer)
{
	struct sockaddr_nl a;
	socklen_t len = sizeof(a);
	memset(&a, 0xff, sizeof(a));
	if ((peer ? getpeername : getsockname)(fd, (struct sockaddr *)&a, &len) < 0)
		return (uint32_t)-1;
	return a.nl_pid;
}

static const char *pid_str(uint32_t pid)
{
	char *b = say_buffer();
	if (pid == 0)
		return "0";
	if (pid == my_portid)
		return "mine";
	if ((int32_t)pid < 0)
		return "negative";
	snprintf(b, SAY_BUFFER_SIZE, "other %u", pid);
	return b;
}

static long nl_send(int fd, const void *msg, size_t len)
{
	struct sockaddr_nl k = { .nl_family = AF_NETLINK };
	return sendto(fd, msg, len, 0, (struct sockaddr *)&k, sizeof(k));
}

struct req {
	struct nlmsghdr h;
	union {
		struct ifinfomsg ifi;
		struct ifaddrmsg ifa;
		struct rtmsg rtm;
		char raw[256];
	};
};

static size_t make_req(struct req *r, uint16_t type, uint16_t flags, uint32_t seq, size_t body)
{
	memset(r, 0, sizeof(*r));
	r->h.nlmsg_len = (uint32_t)NLMSG_LENGTH(body);
	r->h.nlmsg_type = type;
	r->h.nlmsg_flags = flags;
	r->h.nlmsg_seq = seq;
	return r->h.nlmsg_len;
}

static const char *type_str(uint16_t t)
{
	char *b = say_buffer();
	switch (t) {
	case NLMSG_ERROR: return "ERROR";
	case NLMSG_DONE: return "DONE";
	case RTM_NEWLINK: return "NEWLINK";
	case RTM_NEWADDR: return "NEWADDR";
	case RTM_NEWROUTE: return "NEWROUTE";
	}
	snprintf(b, SAY_BUFFER_SIZE, "type %u", t);
	return b;
}

/* Prints every message of one datagram. */
static void show_messages(const char *what, const char *buf, long n)
{
	size_t left = (size_t)n;
	for (const struct nlmsghdr *h = (const void *)buf; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
		char extra[160] = "";
		if (h->nlmsg_type == NLMSG_ERROR && h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct nlmsgerr))) {
			const struct nlmsgerr *e = NLMSG_DATA(h);
			snprintf(extra, sizeof(extra), " error %s echo type %u len %u seq %u",
				 e->error ? en(-e->error) : "0", e->msg.nlmsg_type, e->msg.nlmsg_len,
				 e->msg.nlmsg_seq);
		} else if (h->nlmsg_type == NLMSG_DONE && h->nlmsg_len >= NLMSG_LENGTH(sizeof(int))) {
			int e;
			memcpy(&e, NLMSG_DATA(h), sizeof(e));
			snprintf(extra, sizeof(extra), " done %d", e);
		} else if (h->nlmsg_type == RTM_NEWLINK) {
			const struct ifinfomsg *ifi = NLMSG_DATA(h);
			snprintf(extra, sizeof(extra), " ifindex %d", ifi->ifi_index);
		} else if (h->nlmsg_type == RTM_NEWADDR) {
			const struct ifaddrmsg *ifa = NLMSG_DATA(h);
			snprintf(extra, sizeof(extra), " family %d ifindex %u", ifa->ifa_family, ifa->ifa_index);
		}
		say("  %s: %s flags %#x seq %u pid %s len %u%s", what, type_str(h->nlmsg_type),
		    h->nlmsg_flags, h->nlmsg_seq, pid_str(h->nlmsg_pid), h->nlmsg_len, extra);
	}
}

/* Reads datagrams until none is left (the socket is non-blocking), as iproute2 does: a
   0-byte peek for the size, then a read of at least 32 KiB. */
static void drain(int fd, const char *what, int show)
{
	static char buf[65536];
	for (;;) {
		struct sockaddr_nl from;
		struct iovec io = { NULL, 0 };
		struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &io, .msg_iovlen = 1 };
		long n = recvmsg(fd, &mh, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
		if (n < 0) {
			if (show)
				say("%s: end %s", what, en(errno));
			return;
		}
		io.iov_base = buf;
		io.iov_len = n < 32768 ? 32768 : (size_t)n;
		long got = recvmsg(fd, &mh, MSG_DONTWAIT);
		if (show) {
			say("%s: datagram %ld (peeked %ld) flags %#x from pid %u namelen %u", what, got, n,
			    mh.msg_flags, from.nl_pid, mh.msg_namelen);
			show_messages(what, buf, got);
		}
	}
}

static void check_names(void)
{
	int a = nl_open(), b = nl_open();
	say("socket NETLINK_ROUTE: %s", res(a));
	say("socket SOCK_DGRAM: %s", res(socket(AF_NETLINK, SOCK_DGRAM, NETLINK_ROUTE)));
	say("socket SOCK_STREAM: %s", res(socket(AF_NETLINK, SOCK_STREAM, NETLINK_ROUTE)));
	say("socket protocol 40: %s", res(socket(AF_NETLINK, SOCK_RAW, 40)));
	int sv[2];
	say("socketpair: %s", res(socketpair(AF_NETLINK, SOCK_RAW, 0, sv)));
	say("name before bind: %u", nl_name(a, 0));
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	say("bind short: %s", res(bind(a, (struct sockaddr *)&sa, 8)));
	sa.nl_family = AF_UNIX;
	say("bind AF_UNIX: %s", res(bind(a, (struct sockaddr *)&sa, sizeof(sa))));
	sa.nl_family = AF_NETLINK;
	say("bind: %s", res(bind(a, (struct sockaddr *)&sa, sizeof(sa))));
	my_portid = nl_name(a, 0);
	say("autobound to getpid: %s", yesno(my_portid == (uint32_t)getpid()));
	say("second socket: %s", res(bind(b, (struct sockaddr *)&sa, sizeof(sa))));
	say("second socket's id: %s", pid_str(nl_name(b, 0)));
	sa.nl_pid = my_portid;
	say("bind taken id: %s", res(bind(socket(AF_NETLINK, SOCK_RAW, 0), (struct sockaddr *)&sa, sizeof(sa))));
	sa.nl_pid = 12345;
	say("rebind other id: %s", res(bind(a, (struct sockaddr *)&sa, sizeof(sa))));
	sa.nl_pid = my_portid;
	sa.nl_groups = RTMGRP_LINK;
	say("bind groups: %s", res(bind(a, (struct sockaddr *)&sa, sizeof(sa))));
	struct sockaddr_nl got;
	socklen_t len = sizeof(got);
	getsockname(a, (struct sockaddr *)&got, &len);
	say("getsockname: len %u family %d groups %#x", len, got.nl_family, got.nl_groups);
	say("getpeername: %u", nl_name(a, 1));
	sa.nl_pid = 1;
	sa.nl_groups = 0;
	say("connect to a process: %s", res(connect(b, (struct sockaddr *)&sa, sizeof(sa))));
	sa.nl_pid = 0;
	say("connect to the kernel: %s", res(connect(b, (struct sockaddr *)&sa, sizeof(sa))));
	say("listen: %s", res(listen(a, 1)));
	say("accept: %s", res(accept(a, NULL, NULL)));
	say("shutdown: %s", res(shutdown(a, SHUT_RD)));
	close(a);
	close(b);
}

static void check_options(void)
{
	int fd = nl_open();
	int v;
	socklen_t len = sizeof(v);
	getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len);
	say("SO_TYPE %d", v);
	getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &len);
	say("SO_PROTOCOL %d", v);
	getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len);
	say("SO_DOMAIN %d", v);
	v = 8192;
	say("SO_RCVBUF set: %s", res(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v))));
	len = sizeof(v);
	getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &len);
	say("SO_RCVBUF %d", v);
	v = 1;
	say("SO_RCVBUFFORCE: %s", res(setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v))));
	const int opts[] = { NETLINK_EXT_ACK, NETLINK_GET_STRICT_CHK, NETLINK_CAP_ACK, NETLINK_PKTINFO,
			     NETLINK_NO_ENOBUFS, NETLINK_BROADCAST_ERROR };
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		v = 1;
		long r = setsockopt(fd, SOL_NETLINK, opts[i], &v, sizeof(v));
		v = 42;
		len = sizeof(v);
		long g = getsockopt(fd, SOL_NETLINK, opts[i], &v, &len);
		say("SOL_NETLINK %d: set %s get %s = %d len %u", opts[i], res(r), res(g), v, len);
	}
	len = 2;
	say("SOL_NETLINK get short: %s", res(getsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &v, &len)));
	v = RTNLGRP_IPV4_IFADDR;
	say("ADD_MEMBERSHIP: %s", res(setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &v, sizeof(v))));
	v = 0;
	say("ADD_MEMBERSHIP 0: %s", res(setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &v, sizeof(v))));
	uint32_t groups[4] = { 0 };
	len = sizeof(groups);
	long r = getsockopt(fd, SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS, groups, &len);
	say("LIST_MEMBERSHIPS: %s first word %#x", res(r), groups[0]);
	say("SOL_NETLINK 99: %s", res(setsockopt(fd, SOL_NETLINK, 99, &v, sizeof(v))));
	say("SOL_IP option: %s", res(setsockopt(fd, SOL_IP, 1, &v, sizeof(v))));
	say("SO_ERROR: %s", res(getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len)));
	close(fd);
}

static void check_requests(void)
{
	int fd = nl_open();
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	my_portid = nl_name(fd, 0);
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };
	poll(&p, 1, 0);
	say("poll before a request: %#x", p.revents);
	int queued = -1;
	say("FIONREAD: %s", res(ioctl(fd, FIONREAD, &queued)));
	struct req r;

	/* Dumps. */
	make_req(&r, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 100, sizeof(struct ifinfomsg));
	say("GETLINK dump: %s", res(nl_send(fd, &r, r.h.nlmsg_len)));
	poll(&p, 1, 0);
	say("poll after a request: %#x", p.revents);
	drain(fd, "GETLINK dump", 1);
	make_req(&r, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, 101, sizeof(struct ifaddrmsg));
	r.ifa.ifa_family = AF_INET;
	say("GETADDR dump AF_INET: %s", res(nl_send(fd, &r, r.h.nlmsg_len)));
	drain(fd, "GETADDR dump", 1);
	make_req(&r, RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, 102, 1);
	say("GETROUTE dump, rtgenmsg: %s", res(nl_send(fd, &r, r.h.nlmsg_len)));
	drain(fd, "GETROUTE dump", 1);

	/* Datagram sizes for a reader that never passed a large buffer: read with 4096 bytes. */
	int small = nl_open();
	make_req(&r, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, 103, sizeof(struct ifaddrmsg));
	nl_send(small, &r, r.h.nlmsg_len);
	char buf[4096];
	long n;
	while ((n = recv(small, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		int multi = 0;
		size_t left = (size_t)n;
		for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left))
			multi++;
		say("4 KiB reader: datagram %ld, %d messages", n, multi);
	}
	say("4 KiB reader: end %s", en(errno));

	/* Short buffers: MSG_TRUNC, the datagram is gone; MSG_TRUNC asked: its length. */
	make_req(&r, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 104, sizeof(struct ifinfomsg));
	nl_send(small, &r, r.h.nlmsg_len);
	struct iovec io = { buf, 20 };
	struct msghdr mh = { .msg_iov = &io, .msg_iovlen = 1 };
	n = recvmsg(small, &mh, MSG_PEEK);
	say("peek 20: %ld flags %#x", n, mh.msg_flags);
	n = recvmsg(small, &mh, MSG_TRUNC);
	say("recv 20 with MSG_TRUNC: %s flags %#x", n > 20 ? "full length" : "20", mh.msg_flags);
	n = recvmsg(small, &mh, 0);
	say("recv 20: %ld flags %#x", n, mh.msg_flags);
	n = read(small, buf, 16);
	say("read 16: %ld", n);
	drain(small, "rest", 0);
	say("recv empty: %s", res(recv(small, buf, sizeof(buf), MSG_DONTWAIT)));

	/* Single gets, acknowledgements, errors. */
	make_req(&r, RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, 200, sizeof(struct ifinfomsg));
	r.ifi.ifi_index = 1;
	say("GETLINK lo with ack: %s", res(nl_send(fd, &r, r.h.nlmsg_len)));
	drain(fd, "GETLINK lo", 1);
	make_req(&r, RTM_GETLINK, NLM_F_REQUEST, 201, sizeof(struct ifinfomsg));
	r.ifi.ifi_index = 999;
	say("GETLINK 999: %s", res(nl_send(fd, &r, r.h.nlmsg_len)));
	drain(fd, "GETLINK 999", 1);
	/* By name: IFLA_IFNAME. */
	size_t l = make_req(&r, RTM_GETLINK, NLM_F_REQUEST, 202, sizeof(struct ifinfomsg));
	struct nlattr *a = (void *)((char *)&r + NLMSG_ALIGN(l));
	a->nla_type = IFLA_IFNAME;
	a->nla_len = NLA_HDRLEN + 3;
	memcpy(a + 1, "v0", 3);
	r.h.nlmsg_len = (uint32_t)(NLMSG_ALIGN(l) + NLA_ALIGN(a->nla_len));
	say("GETLINK by name: %s", res(nl_send(fd, &r, r.h.nlmsg_len)));
	drain(fd, "GETLINK v0", 1);
	make_req(&r, RTM_GETROUTE, NLM_F_REQUEST, 203, sizeof(struct rtmsg));
	r.rtm.rtm_family = AF_INET;
	r.rtm.rtm_dst_len = 32;
	l = r.h.nlmsg_len;
	a = (void *)((char *)&r + NLMSG_ALIGN(l));
	a->nla_type = RTA_DST;
	a->nla_len = NLA_HDRLEN + 4;
	inet_pton(AF_INET, "10.98.1.1", a + 1);
	r.h.nlmsg_len = (uint32_t)(NLMSG_ALIGN(l) + NLA_ALIGN(a->nla_len));
	say("route get 10.98.1.1: %s", res(nl_send(fd, &r, r.h.nlmsg_len)));
	drain(fd, "route get", 1);

	/* Changes, unknown types, control messages, messages that are no requests. */
	make_req(&r, RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE, 300, sizeof(struct ifaddrmsg));
	say("NEWADDR: %s", res(nl_send(fd, &r, r.h.nlmsg_len)));
	drain(fd, "NEWADDR", 1);
	int one = 1;
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	make_req(&r, RTM_DELROUTE, NLM_F_REQUEST, 301, sizeof(struct rtmsg));
	say("DELROUTE capped: %s", res(nl_send(fd, &r, r.h.nlmsg_len)));
	drain(fd, "DELROUTE", 1);
	one = 0;
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	make_req(&r, RTM_SETLINK, NLM_F_REQUEST, 302, sizeof(struct ifinfomsg));
	say("SETLINK: %s", res(nl_send(fd, &r, r.h.nlmsg_len)));
	drain(fd, "SETLINK", 1);
	make_req(&r, 0x3ff, NLM_F_REQUEST, 303, 4);
	say("type 0x3ff: %s", res(nl_send(fd, &r, r.h.nlmsg_len)));
	drain(fd, "type 0x3ff", 1);
	make_req(&r, NLMSG_NOOP, NLM_F_REQUEST | NLM_F_ACK, 304, 0);
	say("NOOP with ack: %s", res(nl_send(fd, &r, r.h.nlmsg_len)));
	drain(fd, "NOOP", 1);
	make_req(&r, RTM_GETLINK, NLM_F_ACK, 305, sizeof(struct ifinfomsg));
	say("no NLM_F_REQUEST: %s", res(nl_send(fd, &r, r.h.nlmsg_len)));
	drain(fd, "no request", 1);
	make_req(&r, RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, 306, 0);
	say("empty GETLINK: %s", res(nl_send(fd, &r, r.h.nlmsg_len)));
	drain(fd, "empty GETLINK", 1);

	/* Two dumps in one send: the second is EBUSY while the first runs. */
	struct req two[2];
	make_req(&two[0], RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 400, sizeof(struct ifinfomsg));
	make_req(&two[1], RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, 401, sizeof(struct ifaddrmsg));
	memmove((char *)&two[0] + two[0].h.nlmsg_len, &two[1], two[1].h.nlmsg_len);
	say("two dumps: %s", res(nl_send(fd, two, two[0].h.nlmsg_len + two[1].h.nlmsg_len)));
	drain(fd, "two dumps", 1);

	/* write and read. */
	make_req(&r, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, 500, sizeof(struct ifaddrmsg));
	r.ifa.ifa_family = AF_INET6;
	say("write: %s", res(write(fd, &r, r.h.nlmsg_len)));
	static char big[65536];
	n = read(fd, big, sizeof(big));
	say("read: %s", n > 0 ? "data" : en(errno));
	show_messages("read", big, n);
	drain(fd, "after read", 0);

	/* Strict checking: a dump filtered by the kernel. */
	one = 1;
	setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
	make_req(&r, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, 600, sizeof(struct ifaddrmsg));
	r.ifa.ifa_index = if_nametoindex("v0");
	say("strict GETADDR v0: %s", res(nl_send(fd, &r, r.h.nlmsg_len)));
	drain(fd, "strict GETADDR", 1);
	make_req(&r, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 601, 1);
	say("strict GETLINK, short header: %s", res(nl_send(fd, &r, r.h.nlmsg_len)));
	drain(fd, "strict short", 1);
	close(small);
	close(fd);
}

/* count messages of random bytes (from seed) as requests of types first..first+ntypes-1,
   never dumps, their answers read; then the socket must still answer a dump. */
static void junk_then_dump(int fd, uint32_t seed, int count, uint16_t first, uint16_t ntypes)
{
	static unsigned char junk[4096];
	for (int i = 0; i < count; i++) {
		size_t len = 16 + (seed % 600);
		for (size_t j = 0; j < len; j++) {
			seed = seed * 1103515245 + 12345;
			junk[j] = (unsigned char)(seed >> 16);
		}
		struct nlmsghdr *h = (void *)junk;
		h->nlmsg_len = (uint32_t)(seed % 2 ? len : seed % 1000);
		h->nlmsg_type = (uint16_t)(first + seed % ntypes);
		if (h->nlmsg_flags & NLM_F_DUMP)
			h->nlmsg_flags &= (uint16_t)~NLM_F_DUMP;
		nl_send(fd, junk, len);
		drain(fd, "junk", 0);
	}
	struct req r;
	make_req(&r, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 800, sizeof(struct ifinfomsg));
	say("dump after junk: %s", res(nl_send(fd, &r, r.h.nlmsg_len)));
	static char big[65536];
	long n = recv(fd, big, sizeof(big), MSG_DONTWAIT);
	say("answer after junk: %s", n > 0 ? "data" : en(errno));
}

static void check_hostile(void)
{
	int fd = nl_open();
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	my_portid = nl_name(fd, 0);
	struct req r;
	make_req(&r, RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, 700, sizeof(struct ifinfomsg));
	r.h.nlmsg_len = 8;
	say("nlmsg_len 8: %s", res(nl_send(fd, &r, sizeof(struct ifinfomsg) + 16)));
	drain(fd, "nlmsg_len 8", 1);
	make_req(&r, RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, 701, sizeof(struct ifinfomsg));
	r.h.nlmsg_len = 0xffffffff;
	say("nlmsg_len huge: %s", res(nl_send(fd, &r, sizeof(struct ifinfomsg) + 16)));
	drain(fd, "nlmsg_len huge", 1);
	say("send 10 bytes: %s", res(nl_send(fd, &r, 10)));
	drain(fd, "10 bytes", 1);
	say("send 0 bytes: %s", res(nl_send(fd, &r, 0)));
	drain(fd, "0 bytes", 1);
	/* A truncated attribute, and one longer than the message. */
	size_t l = make_req(&r, RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, 702, sizeof(struct ifinfomsg));
	struct nlattr *a = (void *)((char *)&r + NLMSG_ALIGN(l));
	a->nla_type = IFLA_IFNAME;
	a->nla_len = 200;
	r.h.nlmsg_len = (uint32_t)(NLMSG_ALIGN(l) + 8);
	say("attribute past the end: %s", res(nl_send(fd, &r, r.h.nlmsg_len)));
	drain(fd, "attribute past the end", 1);
	a->nla_len = 2;
	r.h.nlmsg_len = (uint32_t)(NLMSG_ALIGN(l) + 2);
	say("2-byte attribute: %s", res(nl_send(fd, &r, r.h.nlmsg_len)));
	drain(fd, "2-byte attribute", 1);
	make_req(&r, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 703, sizeof(struct ifinfomsg));
	l = r.h.nlmsg_len;
	a = (void *)((char *)&r + NLMSG_ALIGN(l));
	a->nla_type = IFLA_EXT_MASK;
	a->nla_len = NLA_HDRLEN + 1;
	r.h.nlmsg_len = (uint32_t)(NLMSG_ALIGN(l) + NLA_HDRLEN + 1);
	say("dump with a 1-byte IFLA_EXT_MASK: %s", res(nl_send(fd, &r, r.h.nlmsg_len)));
	drain(fd, "short ext mask", 0);

	/* Bad pointers and lengths. */
	say("sendto NULL buffer: %s", res(nl_send(fd, NULL, 32)));
	say("sendto bad address: %s", res(sendto(fd, &r, 20, 0, (struct sockaddr *)8, sizeof(sa))));
	say("sendto address length 4: %s", res(sendto(fd, &r, 20, 0, (struct sockaddr *)&sa, 4)));
	sa.nl_pid = 1;
	say("sendto a process: %s", res(sendto(fd, &r, 20, 0, (struct sockaddr *)&sa, sizeof(sa))));
	sa.nl_pid = 0;
	sa.nl_groups = 1;
	say("sendto a group: %s", res(sendto(fd, &r, 20, 0, (struct sockaddr *)&sa, sizeof(sa))));
	say("sendmsg bad msghdr: %s", res(sendmsg(fd, (struct msghdr *)8, 0)));
	say("sendto 1 MiB: %s", res(nl_send(fd, malloc(1 << 20), 1 << 20)));
	make_req(&r, RTM_GETLINK, NLM_F_REQUEST, 704, sizeof(struct ifinfomsg));
	r.ifi.ifi_index = 1;
	nl_send(fd, &r, r.h.nlmsg_len);
	say("recv into NULL: %s", res(recv(fd, NULL, 100, MSG_DONTWAIT)));
	say("after a failed recv: %s", res(recv(fd, &r, sizeof(r), MSG_DONTWAIT)));
	say("recvmsg bad msghdr: %s", res(recvmsg(fd, (struct msghdr *)8, MSG_DONTWAIT)));
	say("MSG_OOB: %s", res(recv(fd, &r, sizeof(r), MSG_DONTWAIT | MSG_OOB)));

	/* Only read-only requests and changes: nothing the unprivileged caller may do. */
	junk_then_dump(fd, 12345, 2000, RTM_BASE, 100);
	close(fd);
}

/* --- changes, with CAP_NET_ADMIN --- */

/* A message being built: attributes appended, nests closed by length. */
struct msgbuf {
	char b[4096];
	size_t len;
};

static struct nlattr *put(struct msgbuf *m, uint16_t type, const void *data, size_t len)
{
	struct nlattr *a = (void *)(m->b + m->len);
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	if (len)
		memcpy(a + 1, data, len);
	m->len += NLA_ALIGN(a->nla_len);
	return a;
}

static void nest_end(struct msgbuf *m, struct nlattr *a)
{
	a->nla_len = (uint16_t)(m->b + m->len - (char *)a);
}

static void start(struct msgbuf *m, uint16_t type, uint16_t flags, size_t fixed)
{
	memset(m, 0, sizeof(*m));
	struct nlmsghdr *h = (void *)m->b;
	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	h->nlmsg_seq = 900;
	m->len = NLMSG_LENGTH(fixed);
}

/* Sends m and returns its acknowledgement's error name. */
static const char *ask(int fd, struct msgbuf *m)
{
	((struct nlmsghdr *)m->b)->nlmsg_len = (uint32_t)m->len;
	if (nl_send(fd, m->b, m->len) < 0)
		return en(errno);
	static char buf[65536];
	for (;;) {
		long n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0)
			return en(errno);
		size_t left = (size_t)n;
		for (const struct nlmsghdr *h = (const void *)buf; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left))
			if (h->nlmsg_type == NLMSG_ERROR) {
				int e = ((const struct nlmsgerr *)NLMSG_DATA(h))->error;
				return e ? en(-e) : "ok";
			}
	}
}

static struct ifinfomsg *link_req(struct msgbuf *m, uint16_t flags, int index)
{
	start(m, RTM_NEWLINK, flags, sizeof(struct ifinfomsg));
	struct ifinfomsg *ifi = NLMSG_DATA((struct nlmsghdr *)m->b);
	ifi->ifi_index = index;
	return ifi;
}

static struct nlattr *linkinfo(struct msgbuf *m, const char *kind)
{
	struct nlattr *li = put(m, IFLA_LINKINFO | NLA_F_NESTED, NULL, 0);
	put(m, IFLA_INFO_KIND, kind, strlen(kind) + 1);
	return li;
}

/* netlinkcheck changes: requests that would reach another namespace, pass an fd, or make
   kinds of links or routes the sandbox does not offer, each refused; a valid change and its
   undoing; 3000 change requests of random bytes; then a dump still answers. Run in a
   sandbox with CAP_NET_ADMIN and a namespace of its own (natively the first ones would
   move links out). */
static void check_changes(void)
{
	int fd = nl_open();
	struct msgbuf m;
	uint32_t u = 1;
	int32_t fdnum = 0, nsid = 5;

	link_req(&m, NLM_F_CREATE | NLM_F_EXCL, 0);
	put(&m, IFLA_IFNAME, "hv0", 4);
	struct nlattr *li = linkinfo(&m, "veth");
	struct nlattr *data = put(&m, IFLA_INFO_DATA | NLA_F_NESTED, NULL, 0);
	struct nlattr *peer = put(&m, VETH_INFO_PEER, &(struct ifinfomsg){ 0 }, sizeof(struct ifinfomsg));
	put(&m, IFLA_IFNAME, "hv1", 4);
	put(&m, IFLA_NET_NS_PID, &u, sizeof(u));
	nest_end(&m, peer);
	nest_end(&m, data);
	nest_end(&m, li);
	say("veth peer in pid 1's namespace: %s", ask(fd, &m));

	link_req(&m, 0, 1);
	put(&m, IFLA_NET_NS_FD, &fdnum, sizeof(fdnum));
	say("lo to fd 0's namespace: %s", ask(fd, &m));
	link_req(&m, 0, 1);
	put(&m, IFLA_NET_NS_PID, &u, sizeof(u));
	say("lo to pid 1's namespace: %s", ask(fd, &m));
	link_req(&m, 0, 1);
	put(&m, IFLA_TARGET_NETNSID, &nsid, sizeof(nsid));
	say("lo in namespace id 5: %s", ask(fd, &m));
	link_req(&m, NLM_F_CREATE | NLM_F_EXCL, 0);
	put(&m, IFLA_IFNAME, "vx0", 4);
	li = linkinfo(&m, "vxlan");
	nest_end(&m, li);
	say("a vxlan link: %s", ask(fd, &m));
	link_req(&m, 0, 1);
	struct nlattr *xdp = put(&m, IFLA_XDP | NLA_F_NESTED, NULL, 0);
	put(&m, IFLA_XDP_FD, &fdnum, sizeof(fdnum));
	nest_end(&m, xdp);
	say("an XDP program on lo: %s", ask(fd, &m));
	link_req(&m, NLM_F_CREATE | NLM_F_EXCL, 0);
	put(&m, IFLA_IFNAME, "hv2", 4);
	li = linkinfo(&m, "veth");
	data = put(&m, IFLA_INFO_DATA | NLA_F_NESTED, NULL, 0);
	put(&m, VETH_INFO_PEER, "ab", 2);
	nest_end(&m, data);
	nest_end(&m, li);
	say("veth peer shorter than an ifinfomsg: %s", ask(fd, &m));

	start(&m, RTM_NEWROUTE, NLM_F_CREATE, sizeof(struct rtmsg));
	struct rtmsg *rtm = NLMSG_DATA((struct nlmsghdr *)m.b);
	*rtm = (struct rtmsg){ .rtm_family = AF_INET, .rtm_dst_len = 16, .rtm_table = RT_TABLE_MAIN,
			       .rtm_protocol = RTPROT_BOOT, .rtm_scope = RT_SCOPE_LINK, .rtm_type = RTN_UNICAST };
	uint8_t dst[4] = { 10, 40, 0, 0 };
	uint16_t encap = LWTUNNEL_ENCAP_BPF;
	put(&m, RTA_DST, dst, 4);
	put(&m, RTA_OIF, &u, sizeof(u));
	put(&m, RTA_ENCAP_TYPE, &encap, sizeof(encap));
	struct nlattr *e = put(&m, RTA_ENCAP | NLA_F_NESTED, NULL, 0);
	nest_end(&m, e);
	say("a route with a BPF encapsulation: %s", ask(fd, &m));
	start(&m, RTM_NEWROUTE, NLM_F_CREATE, sizeof(struct rtmsg));
	*(struct rtmsg *)NLMSG_DATA((struct nlmsghdr *)m.b) = *rtm;
	put(&m, RTA_DST, dst, 4);
	struct nlattr *mp = put(&m, RTA_MULTIPATH, NULL, 0);
	struct rtnexthop *nh = (void *)(m.b + m.len);
	*nh = (struct rtnexthop){ .rtnh_ifindex = 1 };
	m.len += sizeof(*nh);
	put(&m, RTA_ENCAP_TYPE, &encap, sizeof(encap));
	nh->rtnh_len = (unsigned short)(m.b + m.len - (char *)nh);
	nest_end(&m, mp);
	say("a next hop with a BPF encapsulation: %s", ask(fd, &m));
	start(&m, RTM_NEWRULE, NLM_F_CREATE, sizeof(struct rtmsg));
	rtm = NLMSG_DATA((struct nlmsghdr *)m.b);
	*rtm = (struct rtmsg){ .rtm_family = AF_INET, .rtm_table = 5, .rtm_type = RTN_UNICAST };
	say("a routing rule: %s", ask(fd, &m));
	start(&m, RTM_DELLINK, 0, sizeof(struct ifinfomsg));
	((struct ifinfomsg *)NLMSG_DATA((struct nlmsghdr *)m.b))->ifi_index = 1;
	say("deleting lo: %s", ask(fd, &m));

	uint8_t addr[4] = { 10, 5, 5, 5 };
	for (int del = 0; del < 2; del++) {
		start(&m, del ? RTM_DELADDR : RTM_NEWADDR, del ? 0 : NLM_F_CREATE | NLM_F_EXCL,
		      sizeof(struct ifaddrmsg));
		*(struct ifaddrmsg *)NLMSG_DATA((struct nlmsghdr *)m.b) =
			(struct ifaddrmsg){ .ifa_family = AF_INET, .ifa_prefixlen = 32, .ifa_index = 1 };
		put(&m, IFA_LOCAL, addr, 4);
		put(&m, IFA_ADDRESS, addr, 4);
		say("%s 10.5.5.5/32 on lo: %s", del ? "deleting" : "adding", ask(fd, &m));
	}

	junk_then_dump(fd, 54321, 3000, RTM_NEWLINK, RTM_DELNEIGH - RTM_NEWLINK + 1);
	close(fd);
}

/* netlinkcheck monitor N: joins the link and IPv4 address groups, says "listening" on
   stderr, then prints the first N notifications (type, what changed, the group they came
   to) while the test changes the namespace. */
static int monitor(int n)
{
	int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	struct sockaddr_nl a = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR };
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
		say("monitor: %s", en(errno));
		return 1;
	}
	fprintf(stderr, "listening\n");
	static char buf[65536];
	for (int got = 0; got < n;) {
		struct sockaddr_nl from = { 0 };
		struct iovec io = { buf, sizeof(buf) };
		struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &io, .msg_iovlen = 1 };
		ssize_t len = recvmsg(s, &mh, 0);
		if (len < 0) {
			say("monitor recvmsg: %s", en(errno));
			return 1;
		}
		for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, (size_t)len) && got < n; h = NLMSG_NEXT(h, len), got++) {
			if (h->nlmsg_type == RTM_NEWADDR || h->nlmsg_type == RTM_DELADDR) {
				struct ifaddrmsg *ifa = NLMSG_DATA(h);
				char addr[INET6_ADDRSTRLEN] = "-";
				int rest = (int)IFA_PAYLOAD(h);
				for (struct rtattr *rta = IFA_RTA(ifa); RTA_OK(rta, rest); rta = RTA_NEXT(rta, rest))
					if (rta->rta_type == IFA_LOCAL)
						inet_ntop(ifa->ifa_family, RTA_DATA(rta), addr, sizeof(addr));
				say("%s %s/%u from group mask %#x", h->nlmsg_type == RTM_NEWADDR ? "RTM_NEWADDR" : "RTM_DELADDR",
				    addr, ifa->ifa_prefixlen, from.nl_groups);
			} else if (h->nlmsg_type == RTM_NEWLINK || h->nlmsg_type == RTM_DELLINK) {
				struct ifinfomsg *ifi = NLMSG_DATA(h);
				const char *name = "-";
				unsigned mtu = 0;
				int rest = (int)IFLA_PAYLOAD(h);
				for (struct rtattr *rta = IFLA_RTA(ifi); RTA_OK(rta, rest); rta = RTA_NEXT(rta, rest)) {
					if (rta->rta_type == IFLA_IFNAME)
						name = RTA_DATA(rta);
					else if (rta->rta_type == IFLA_MTU)
						memcpy(&mtu, RTA_DATA(rta), sizeof(mtu));
				}
				say("%s %s mtu %u from group mask %#x", h->nlmsg_type == RTM_NEWLINK ? "RTM_NEWLINK" : "RTM_DELLINK",
				    name, mtu, from.nl_groups);
			} else {
				say("type %u from group mask %#x", h->nlmsg_type, from.nl_groups);
			}
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "monitor"))
		return monitor(atoi(argv[2]));
	if (argc == 2 && !strcmp(argv[1], "changes")) {
		check_changes();
		return 0;
	}
	check_glibc();
	check_names();
	check_options();
	check_requests();
	check_hostile();
	return 0;
}
