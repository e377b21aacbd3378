/* IP sockets: echo over TCP and UDP on IPv4 and IPv6 loopback (a forked server), names,
   options, shutdown, MSG_PEEK and FIONREAD, IP ancillary data (packet info, TOS, TTL,
   timestamps, MSG_CTRUNC), recvmmsg/sendmmsg, non-blocking connect to a closed port, epoll
   with 100 connections, hostile arguments. Prints one line per check; children never print.

   inetcheck all                the checks (the same output natively and in the sandbox)
   inetcheck sandbox            what the sandbox answers by design: raw and packet sockets
                                EPERM, SO_ZEROCOPY refused, the namespace's interfaces,
                                a ping socket's echo
   inetcheck serve ADDR PORT N  echo server for N connections ("listening PORT" once it is)
   inetcheck connect ADDR PORT  connects, sends "ping", prints the answer or the error
   inetcheck udp ADDR PORT      sends a datagram, prints what sendto answered */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/guest_check.h"

#define NCONN 100

static socklen_t make_addr(int family, const char *host, int port, struct sockaddr_storage *a)
{
	memset(a, 0, sizeof(*a));
	if (family == AF_INET) {
		struct sockaddr_in *in = (void *)a;
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		inet_pton(AF_INET, host, &in->sin_addr);
		return sizeof(*in);
	}
	struct sockaddr_in6 *in6 = (void *)a;
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons((uint16_t)port);
	inet_pton(AF_INET6, host, &in6->sin6_addr);
	return sizeof(*in6);
}

static int port_of(const struct sockaddr_storage *a)
{
	return ntohs(a->ss_family == AF_INET ? ((const struct sockaddr_in *)a)->sin_port
					     : ((const struct sockaddr_in6 *)a)->sin6_port);
}

/* A socket bound to host port 0, listening for stream sockets; its port in *port. */
static int bound(int family, int type, const char *host, int *port)
{
	struct sockaddr_storage a;
	socklen_t len = make_addr(family, host, 0, &a);
	int s = socket(family, type, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&a, len) < 0 || (type == SOCK_STREAM && listen(s, 128) < 0))
		return -1;
	len = sizeof(a);
	getsockname(s, (struct sockaddr *)&a, &len);
	*port = port_of(&a);
	return s;
}

static void tcp_echo(int family, const char *host)
{
	const char *fam = family == AF_INET ? "IPv4" : "IPv6";
	int port;
	int l = bound(family, SOCK_STREAM, host, &port);
	if (l < 0) {
		say("tcp %s: listen: %s", fam, en(errno));
		return;
	}
	pid_t pid = xfork();
	if (pid == 0) {
		int c = accept(l, NULL, NULL);
		char buf[256];
		ssize_t n;
		while ((n = read(c, buf, sizeof(buf))) > 0)
			write(c, buf, (size_t)n);
		_exit(0);
	}
	close(l);
	struct sockaddr_storage a, me, peer;
	socklen_t len = make_addr(family, host, port, &a), ml = sizeof(me), pl = sizeof(peer);
	int s = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	say("tcp %s: connect: %s", fam, res(connect(s, (struct sockaddr *)&a, len)));
	getsockname(s, (struct sockaddr *)&me, &ml);
	getpeername(s, (struct sockaddr *)&peer, &pl);
	say("tcp %s: getsockname family ok: %s, getpeername port is the server's: %s", fam,
	    yesno(me.ss_family == family && ml == len), yesno(port_of(&peer) == port));
	int one = 1;
	say("tcp %s: TCP_NODELAY: %s", fam, res(setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one))));
	const char msg[] = "hello over tcp";
	say("tcp %s: write: %zd", fam, write(s, msg, sizeof(msg)));
	char buf[64] = { 0 };
	struct pollfd p = { s, POLLIN, 0 };
	poll(&p, 1, 10000);
	int avail = 0;
	ioctl(s, FIONREAD, &avail);
	ssize_t n = recv(s, buf, sizeof(buf), MSG_PEEK);
	say("tcp %s: FIONREAD %d, MSG_PEEK %zd", fam, avail, n);
	n = recv(s, buf, sizeof(buf), 0);
	say("tcp %s: echo: %zd \"%s\"", fam, n, buf);
	/* sendmsg and recvmsg go through the sentry. */
	struct iovec iov[2] = { { (void *)"two ", 4 }, { (void *)"parts", 5 } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
	say("tcp %s: sendmsg: %zd", fam, sendmsg(s, &mh, 0));
	memset(buf, 0, sizeof(buf));
	struct iovec in = { buf, sizeof(buf) };
	struct msghdr rh = { .msg_iov = &in, .msg_iovlen = 1 };
	n = recvmsg(s, &rh, 0);
	say("tcp %s: recvmsg: %zd \"%s\" flags %d", fam, n, buf, rh.msg_flags);
	say("tcp %s: shutdown(SHUT_WR): %s", fam, res(shutdown(s, SHUT_WR)));
	say("tcp %s: read after the server saw EOF: %zd", fam, read(s, buf, sizeof(buf)));
	close(s);
	say("tcp %s: server exit: %d", fam, wait_status(pid));
}

static void udp_echo(int family, const char *host)
{
	const char *fam = family == AF_INET ? "IPv4" : "IPv6";
	int port;
	int srv = bound(family, SOCK_DGRAM, host, &port);
	pid_t pid = xfork();
	if (pid == 0) {
		for (int i = 0; i < 4; i++) {
			char buf[256];
			struct sockaddr_storage from;
			socklen_t fl = sizeof(from);
			ssize_t n = recvfrom(srv, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
			sendto(srv, buf, (size_t)n, 0, (struct sockaddr *)&from, fl);
		}
		_exit(0);
	}
	close(srv);
	struct sockaddr_storage a, from;
	socklen_t len = make_addr(family, host, port, &a), fl = sizeof(from);
	int s = socket(family, SOCK_DGRAM, 0);
	char buf[64] = { 0 };
	say("udp %s: sendto: %zd", fam, sendto(s, "datagram one", 12, 0, (struct sockaddr *)&a, len));
	ssize_t n = recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
	say("udp %s: recvfrom: %zd \"%s\" from the server's port: %s", fam, n, buf,
	    yesno(port_of(&from) == port && fl == len));
	say("udp %s: connect: %s", fam, res(connect(s, (struct sockaddr *)&a, len)));
	/* sendmmsg, as glibc's resolver sends its two queries; the server echoes one. */
	struct iovec q[2] = { { (void *)"query A", 7 }, { (void *)"query AAAA", 10 } };
	struct mmsghdr mm[2] = { { .msg_hdr = { .msg_iov = &q[0], .msg_iovlen = 1 } },
				 { .msg_hdr = { .msg_iov = &q[1], .msg_iovlen = 1 } } };
	int nm = sendmmsg(s, mm, 2, MSG_NOSIGNAL);
	say("udp %s: sendmmsg: %d, lengths %u %u", fam, nm, mm[0].msg_len, mm[1].msg_len);
	for (int i = 0; i < 2; i++) {
		memset(buf, 0, sizeof(buf));
		n = recv(s, buf, sizeof(buf), 0);
		say("udp %s: echo: %zd \"%s\"", fam, n, buf);
	}
	say("udp %s: send: %zd", fam, send(s, "datagram two", 12, 0));
	memset(buf, 0, sizeof(buf));
	n = recv(s, buf, 4, 0);
	say("udp %s: recv into 4 bytes: %zd \"%s\"", fam, n, buf);
	close(s);
	say("udp %s: server exit: %d", fam, wait_status(pid));
}

static void nonblocking_connect(void)
{
	int port;
	int l = bound(AF_INET, SOCK_STREAM, "127.0.0.1", &port);
	close(l);	/* nothing listens there now */
	struct sockaddr_storage a;
	socklen_t len = make_addr(AF_INET, "127.0.0.1", port, &a);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int r = connect(s, (struct sockaddr *)&a, len);
	int e = r < 0 ? errno : 0;
	struct pollfd p = { s, POLLOUT, 0 };
	poll(&p, 1, 10000);
	int err = 0;
	socklen_t el = sizeof(err);
	getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &el);
	say("non-blocking connect to a closed port: %s, then POLLOUT %s, SO_ERROR %s",
	    r < 0 ? en(e) : "ok", yesno(p.revents & POLLOUT), en(err));
	close(s);
	s = socket(AF_INET, SOCK_STREAM, 0);
	say("blocking connect to a closed port: %s", res(connect(s, (struct sockaddr *)&a, len)));
	close(s);
}

/* One epoll set for a listener, the connections it accepts and 100 non-blocking clients:
   each client writes once connected (EPOLLOUT), the server echoes, the client reads. */
enum { LISTENER, SERVED, CLIENT };
#define TAG(kind, fd) (((uint64_t)(kind) << 32) | (uint32_t)(fd))

static void epoll_many(void)
{
	int port;
	int l = bound(AF_INET, SOCK_STREAM, "127.0.0.1", &port);
	fcntl(l, F_SETFL, O_NONBLOCK);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = TAG(LISTENER, l) };
	epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
	struct sockaddr_storage a;
	socklen_t len = make_addr(AF_INET, "127.0.0.1", port, &a);
	int inprogress = 0, accepted = 0, echoed = 0, answered = 0;
	for (int i = 0; i < NCONN; i++) {
		int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (connect(c, (struct sockaddr *)&a, len) < 0 && errno == EINPROGRESS)
			inprogress++;
		ev = (struct epoll_event){ .events = EPOLLOUT, .data.u64 = TAG(CLIENT, c) };
		epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
	}
	while (answered < NCONN) {
		struct epoll_event evs[32];
		int n = epoll_wait(ep, evs, 32, 10000);
		if (n <= 0)
			break;
		for (int k = 0; k < n; k++) {
			int fd = (int)(uint32_t)evs[k].data.u64, kind = (int)(evs[k].data.u64 >> 32);
			char buf[16];
			if (kind == LISTENER) {
				int c;
				while ((c = accept4(l, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					ev = (struct epoll_event){ .events = EPOLLIN, .data.u64 = TAG(SERVED, c) };
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
					accepted++;
				}
			} else if (kind == SERVED) {
				ssize_t r = read(fd, buf, sizeof(buf));
				if (r > 0 && write(fd, buf, (size_t)r) == r)
					echoed++;
				else if (r == 0)
					close(fd);
			} else if (evs[k].events & EPOLLOUT) {
				if (write(fd, "abcd", 4) == 4) {
					ev = (struct epoll_event){ .events = EPOLLIN, .data.u64 = TAG(CLIENT, fd) };
					epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
				}
			} else if (read(fd, buf, sizeof(buf)) == 4) {
				answered++;
				close(fd);
			}
		}
	}
	say("epoll: %d connections (%s in progress at first), %d accepted, %d echoed, %d answers",
	    NCONN, inprogress > 0 ? "some" : "none", accepted, echoed, answered);
	close(l);
	close(ep);
}

static void options(void)
{
	int s = socket(AF_INET6, SOCK_STREAM, 0);
	int v = 1, g = -1;
	socklen_t gl = sizeof(g);
	struct linger lin = { 1, 5 }, lg;
	struct {
		int level, name;
		const char *what;
	} ints[] = {
		{ SOL_SOCKET, SO_REUSEADDR, "SO_REUSEADDR" }, { SOL_SOCKET, SO_REUSEPORT, "SO_REUSEPORT" },
		{ SOL_SOCKET, SO_KEEPALIVE, "SO_KEEPALIVE" }, { SOL_SOCKET, SO_BROADCAST, "SO_BROADCAST" },
		{ IPPROTO_TCP, TCP_NODELAY, "TCP_NODELAY" }, { IPPROTO_TCP, TCP_KEEPIDLE, "TCP_KEEPIDLE" },
		{ IPPROTO_TCP, TCP_KEEPINTVL, "TCP_KEEPINTVL" }, { IPPROTO_TCP, TCP_KEEPCNT, "TCP_KEEPCNT" },
		{ IPPROTO_IPV6, IPV6_V6ONLY, "IPV6_V6ONLY" }, { IPPROTO_IPV6, IPV6_TCLASS, "IPV6_TCLASS" },
	};
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		v = 7;
		int r = setsockopt(s, ints[i].level, ints[i].name, &v, sizeof(v));
		gl = sizeof(g);
		int r2 = getsockopt(s, ints[i].level, ints[i].name, &g, &gl);
		say("option %s: set %s, get %s = %d (len %u)", ints[i].what, res(r), res(r2), g, gl);
	}
	int r = setsockopt(s, SOL_SOCKET, SO_LINGER, &lin, sizeof(lin));
	gl = sizeof(lg);
	int r2 = getsockopt(s, SOL_SOCKET, SO_LINGER, &lg, &gl);
	say("option SO_LINGER: set %s, get %s = %d %d", res(r), res(r2), lg.l_onoff, lg.l_linger);
	gl = sizeof(g);
	r = getsockopt(s, SOL_SOCKET, SO_TYPE, &g, &gl);
	int type = g;
	r2 = getsockopt(s, SOL_SOCKET, SO_ERROR, &g, &gl);
	say("option SO_TYPE: %s %d; SO_ERROR: %s %d", res(r), type, res(r2), g);
	v = 1024 * 1024;
	say("option SO_RCVBUF: set %s", res(setsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v))));
	gl = sizeof(g);
	say("hostile: getsockopt IPv6 socket level 12345: %s", res(getsockopt(s, 12345, 1, &g, &gl)));
	close(s);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	v = 0x10;
	gl = sizeof(g);
	r = setsockopt(s, IPPROTO_IP, IP_TOS, &v, sizeof(v));
	r2 = getsockopt(s, IPPROTO_IP, IP_TOS, &g, &gl);
	say("option IP_TOS: set %s, get %s = %#x", res(r), res(r2), g);
	close(s);
}

/* Bad pointers, lengths and levels: the same errors natively. */
static void hostile(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	char big[256] = { 0 };
	struct sockaddr_in *in = (void *)big;
	in->sin_family = AF_INET;
	in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	say("hostile: bind length 0: %s", res(bind(s, (struct sockaddr *)big, 0)));
	say("hostile: bind length 200: %s", res(bind(s, (struct sockaddr *)big, 200)));
	say("hostile: bind length 8: %s", res(bind(s, (struct sockaddr *)big, 8)));
	say("hostile: connect length 0: %s", res(connect(s, (struct sockaddr *)big, 0)));
	say("hostile: connect length 200: %s", res(connect(s, (struct sockaddr *)big, 200)));
	say("hostile: connect bad pointer: %s", res(connect(s, (struct sockaddr *)8, 16)));
	say("hostile: bind bad pointer: %s", res(bind(s, (struct sockaddr *)8, 16)));
	say("hostile: connect length -1: %s", res(connect(s, (struct sockaddr *)big, (socklen_t)-1)));
	int v = 1;
	socklen_t l = sizeof(v);
	say("hostile: setsockopt level 12345: %s", res(setsockopt(s, 12345, 1, &v, sizeof(v))));
	say("hostile: getsockopt level 12345: %s", res(getsockopt(s, 12345, 1, &v, &l)));
	say("hostile: setsockopt TCP option 9999: %s", res(setsockopt(s, IPPROTO_TCP, 9999, &v, sizeof(v))));
	say("hostile: setsockopt bad pointer: %s", res(setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, (void *)8, 4)));
	say("hostile: setsockopt length 2: %s", res(setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v, 2)));
	say("hostile: setsockopt length -1: %s", res(setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v, (socklen_t)-1)));
	l = 1u << 30;
	int r = getsockopt(s, IPPROTO_TCP, TCP_NODELAY, big, &l);
	say("hostile: getsockopt huge length: %s, length %u", res(r), l);
	say("hostile: getsockopt bad length pointer: %s", res(getsockopt(s, SOL_SOCKET, SO_TYPE, big, (socklen_t *)8)));
	say("hostile: sendto unconnected, address length 200: %s",
	    res(sendto(socket(AF_INET, SOCK_DGRAM, 0), "x", 1, 0, (struct sockaddr *)big, 200)));
	say("hostile: sendto address bad pointer: %s",
	    res(sendto(socket(AF_INET, SOCK_DGRAM, 0), "x", 1, 0, (struct sockaddr *)8, 16)));
	struct msghdr mh = { .msg_name = big, .msg_namelen = 16, .msg_iov = (struct iovec *)8, .msg_iovlen = 1 };
	say("hostile: sendmsg bad iovec: %s", res(sendmsg(socket(AF_INET, SOCK_DGRAM, 0), &mh, 0)));
	say("hostile: ioctl SIOCGIFCONF bad pointer: %s", res(ioctl(s, SIOCGIFCONF, (void *)8)));
	say("hostile: ioctl SIOCGIFINDEX bad pointer: %s", res(ioctl(s, SIOCGIFINDEX, (void *)8)));
	struct ifreq ifr = { 0 };
	memset(ifr.ifr_name, 'x', sizeof(ifr.ifr_name));
	say("hostile: ioctl SIOCGIFINDEX unterminated name: %s", res(ioctl(s, SIOCGIFINDEX, &ifr)));
	strcpy(ifr.ifr_name, "lo");
	r = ioctl(s, SIOCGIFINDEX, &ifr);
	say("ioctl SIOCGIFINDEX lo: %s, index %d", res(r), ifr.ifr_ifindex);
	say("hostile: accept on a socket not listening: %s", res(accept(s, NULL, NULL)));
	listen(s, 1);
	say("hostile: accept4 bad flags: %s", res(accept4(s, NULL, NULL, 0x40000000)));
	say("hostile: socketpair AF_INET: %s", res(socketpair(AF_INET, SOCK_STREAM, 0, (int[2]){ 0 })));
	say("hostile: socket AF_INET SOCK_SEQPACKET: %s", res(socket(AF_INET, SOCK_SEQPACKET, 0)));
	say("hostile: socket AF_INET SOCK_STREAM IPPROTO_UDP: %s", res(socket(AF_INET, SOCK_STREAM, IPPROTO_UDP)));
	say("hostile: socket AF_INET type 0x100: %s", res(socket(AF_INET, 0x100, 0)));
	close(s);
}

/* Prints the control messages of a received message as natively: level, type, length and
   what the value says where it is the same on every run. */
static void print_cmsgs(const char *what, struct msghdr *mh)
{
	say("%s: controllen %zu, MSG_CTRUNC %s", what, (size_t)mh->msg_controllen, yesno(mh->msg_flags & MSG_CTRUNC));
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		char detail[128] = "";
		size_t data = cm->cmsg_len - CMSG_LEN(0);
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO && data >= sizeof(struct in_pktinfo)) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			snprintf(detail, sizeof(detail), " ifindex %d dst %s", pi.ipi_ifindex, inet_ntoa(pi.ipi_addr));
		} else if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO && data >= sizeof(struct in6_pktinfo)) {
			struct in6_pktinfo pi;
			char a[INET6_ADDRSTRLEN];
			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			snprintf(detail, sizeof(detail), " ifindex %u dst %s", pi.ipi6_ifindex,
				 inet_ntop(AF_INET6, &pi.ipi6_addr, a, sizeof(a)));
		} else if ((cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_TOS && data >= 1)) {
			snprintf(detail, sizeof(detail), " value %u", *(unsigned char *)CMSG_DATA(cm));
		} else if (data == sizeof(int) && cm->cmsg_level != SOL_SOCKET) {
			int v;
			memcpy(&v, CMSG_DATA(cm), sizeof(v));
			snprintf(detail, sizeof(detail), " value %d", v);
		}
		say("  cmsg level %d type %d len %zu%s", cm->cmsg_level, cm->cmsg_type, (size_t)cm->cmsg_len, detail);
	}
}

/* IP ancillary data on received datagrams: packet info, TOS/traffic class, TTL/hop limit,
   timestamps, a control buffer too small (MSG_CTRUNC), an empty error queue. */
static void ancillary(int family, const char *host)
{
	const char *fam = family == AF_INET ? "IPv4" : "IPv6";
	int port, one = 1, tos = 0x10;
	int r = bound(family, SOCK_DGRAM, host, &port);
	int s = socket(family, SOCK_DGRAM, 0);
	struct sockaddr_storage a;
	socklen_t len = make_addr(family, host, port, &a);
	if (family == AF_INET) {
		setsockopt(r, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
		setsockopt(r, IPPROTO_IP, IP_RECVTOS, &one, sizeof(one));
		setsockopt(r, IPPROTO_IP, IP_RECVTTL, &one, sizeof(one));
		setsockopt(r, IPPROTO_IP, IP_RECVERR, &one, sizeof(one));
		say("anc %s: IP_TOS: %s", fam, res(setsockopt(s, IPPROTO_IP, IP_TOS, &tos, sizeof(tos))));
	} else {
		setsockopt(r, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
		setsockopt(r, IPPROTO_IPV6, IPV6_RECVTCLASS, &one, sizeof(one));
		setsockopt(r, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof(one));
		setsockopt(r, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof(one));
		say("anc %s: IPV6_TCLASS: %s", fam, res(setsockopt(s, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof(tos))));
	}
	say("anc %s: SO_TIMESTAMP: %s", fam, res(setsockopt(r, SOL_SOCKET, SO_TIMESTAMP, &one, sizeof(one))));
	union {
		char b[512];
		struct cmsghdr align;
	} cbuf;
	char data[32];
	struct iovec io = { data, sizeof(data) };
	/* Whole, then into a buffer with room for the first message and part of the next. */
	size_t rooms[] = { sizeof(cbuf), family == AF_INET ? CMSG_SPACE(sizeof(struct in_pktinfo)) + 20
							   : CMSG_SPACE(sizeof(struct in6_pktinfo)) + 20, 4 };
	for (size_t i = 0; i < sizeof(rooms) / sizeof(rooms[0]); i++) {
		sendto(s, "anc", 3, 0, (struct sockaddr *)&a, len);
		struct msghdr mh = { .msg_iov = &io, .msg_iovlen = 1, .msg_control = cbuf.b, .msg_controllen = rooms[i] };
		memset(cbuf.b, 0, sizeof(cbuf));
		ssize_t n = recvmsg(r, &mh, 0);
		char what[64];
		snprintf(what, sizeof(what), "anc %s: recvmsg %zd, room %zu", fam, n, rooms[i]);
		print_cmsgs(what, &mh);
	}
	/* The sender's own control messages: TOS or traffic class and TTL or hop limit for one
	   datagram; one of the wrong size. */
	union {
		char b[CMSG_SPACE(sizeof(int)) * 2];
		struct cmsghdr align;
	} sbuf;
	memset(&sbuf, 0, sizeof(sbuf));
	struct iovec sio = { (void *)"own", 3 };
	struct msghdr sh = { .msg_name = &a, .msg_namelen = len, .msg_iov = &sio, .msg_iovlen = 1,
			     .msg_control = sbuf.b, .msg_controllen = sizeof(sbuf) };
	struct cmsghdr *c1 = CMSG_FIRSTHDR(&sh), *c2;
	int level = family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6, v40 = 0x28, v5 = 5;
	*c1 = (struct cmsghdr){ CMSG_LEN(sizeof(int)), level, family == AF_INET ? IP_TOS : IPV6_TCLASS };
	memcpy(CMSG_DATA(c1), &v40, sizeof(int));
	c2 = CMSG_NXTHDR(&sh, c1);
	*c2 = (struct cmsghdr){ CMSG_LEN(sizeof(int)), level, family == AF_INET ? IP_TTL : IPV6_HOPLIMIT };
	memcpy(CMSG_DATA(c2), &v5, sizeof(int));
	say("anc %s: sendmsg with its own TOS and TTL: %s", fam, res((int)sendmsg(s, &sh, 0)));
	struct msghdr oh = { .msg_iov = &io, .msg_iovlen = 1, .msg_control = cbuf.b, .msg_controllen = sizeof(cbuf) };
	char what[64];
	snprintf(what, sizeof(what), "anc %s: recvmsg %zd", fam, recvmsg(r, &oh, 0));
	print_cmsgs(what, &oh);
	c2->cmsg_len = CMSG_LEN(2);
	say("anc %s: sendmsg with a TTL of 2 bytes: %s", fam, res((int)sendmsg(s, &sh, 0)));
	say("anc %s: SO_TIMESTAMPNS: %s", fam, res(setsockopt(r, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one))));
	sendto(s, "ns", 2, 0, (struct sockaddr *)&a, len);
	struct msghdr mh = { .msg_iov = &io, .msg_iovlen = 1, .msg_control = cbuf.b, .msg_controllen = sizeof(cbuf) };
	ssize_t n = recvmsg(r, &mh, 0);
	bool ns = false;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		ns |= cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS &&
		      cm->cmsg_len == CMSG_LEN(sizeof(struct timespec));
	say("anc %s: recvmsg %zd with a nanosecond timestamp: %s", fam, n, yesno(ns));
	struct msghdr eh = { .msg_iov = &io, .msg_iovlen = 1, .msg_control = cbuf.b, .msg_controllen = sizeof(cbuf) };
	say("anc %s: MSG_ERRQUEUE on an empty queue: %s", fam, res((int)recvmsg(r, &eh, MSG_ERRQUEUE)));
	close(r);
	close(s);
}

/* recvmmsg: a batch of what is queued (MSG_WAITFORONE), vlen smaller than the queue, an
   empty queue, a timeout written back; sendmmsg to an address. */
static void mmsg(void)
{
	int port;
	int r = bound(AF_INET, SOCK_DGRAM, "127.0.0.1", &port);
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_storage a;
	socklen_t len = make_addr(AF_INET, "127.0.0.1", port, &a);
	char bufs[4][16];
	struct iovec iov[4];
	struct mmsghdr out[3], in[4];
	memset(out, 0, sizeof(out));
	for (int i = 0; i < 3; i++) {
		static const char *const words[] = { "one", "three", "fifteen" };
		iov[i] = (struct iovec){ (void *)words[i], strlen(words[i]) };
		out[i].msg_hdr = (struct msghdr){ .msg_name = &a, .msg_namelen = len, .msg_iov = &iov[i], .msg_iovlen = 1 };
	}
	say("mmsg: sendmmsg 3: %d", sendmmsg(s, out, 3, 0));
	struct iovec riov[4];
	struct sockaddr_in from[4];
	for (int round = 0; round < 4; round++) {
		memset(in, 0, sizeof(in));
		memset(bufs, 0, sizeof(bufs));
		for (int i = 0; i < 4; i++) {
			riov[i] = (struct iovec){ bufs[i], sizeof(bufs[i]) - 1 };
			in[i].msg_hdr = (struct msghdr){ .msg_name = &from[i], .msg_namelen = sizeof(from[i]),
							 .msg_iov = &riov[i], .msg_iovlen = 1 };
		}
		struct timespec timeout = { 5, 0 };
		int n;
		if (round == 0)
			n = recvmmsg(r, in, 2, 0, NULL);
		else if (round == 1)
			n = recvmmsg(r, in, 4, MSG_WAITFORONE, NULL);
		else if (round == 2)
			n = recvmmsg(r, in, 4, MSG_DONTWAIT, NULL);
		else {
			sendmmsg(s, out, 2, 0);
			n = recvmmsg(r, in, 2, 0, &timeout);
		}
		say("mmsg round %d: recvmmsg: %s", round, n < 0 ? en(errno) : "ok");
		for (int i = 0; i < n; i++)
			say("  %u \"%s\" from the sender: %s", in[i].msg_len, bufs[i],
			    yesno(in[i].msg_hdr.msg_namelen == sizeof(from[i]) && from[i].sin_port != 0));
		if (round == 3)
			say("  timeout written back, within 5 s: %s",
			    yesno(timeout.tv_sec >= 0 && timeout.tv_sec <= 5 && (timeout.tv_sec < 5 || timeout.tv_nsec == 0)));
	}
	struct timespec bad = { 0, 2000000000 };
	say("mmsg: recvmmsg with a bad timeout: %s", res(recvmmsg(r, in, 1, 0, &bad)));
	say("mmsg: recvmmsg with a bad timeout pointer: %s", res(recvmmsg(r, in, 1, 0, (void *)8)));
	sendto(s, "x", 1, 0, (struct sockaddr *)&a, len);
	say("mmsg: recvmmsg into a bad vector: %s", res(recvmmsg(r, (void *)8, 1, MSG_DONTWAIT, NULL)));
	say("mmsg: recvmmsg with vlen 0: %s", res(recvmmsg(r, in, 0, MSG_DONTWAIT, NULL)));
	say("mmsg: recvmmsg of what the bad vector left: %d", recvmmsg(r, in, 1, MSG_DONTWAIT, NULL));
	/* MSG_CMSG_COMPAT (0x80000000), the kernel's own flag. */
	say("mmsg: recvmmsg MSG_CMSG_COMPAT: %s", res(recvmmsg(r, in, 1, (int)0x80000000 | MSG_DONTWAIT, NULL)));
	close(r);
	close(s);
}

static int mode_all(void)
{
	tcp_echo(AF_INET, "127.0.0.1");
	tcp_echo(AF_INET6, "::1");
	udp_echo(AF_INET, "127.0.0.1");
	udp_echo(AF_INET6, "::1");
	nonblocking_connect();
	epoll_many();
	options();
	ancillary(AF_INET, "127.0.0.1");
	ancillary(AF_INET6, "::1");
	mmsg();
	hostile();
	return 0;
}

static int mode_sandbox(void)
{
	say("socket AF_INET SOCK_RAW: %s", res(socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)));
	say("socket AF_INET6 SOCK_RAW: %s", res(socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6)));
	say("socket AF_PACKET: %s", res(socket(AF_PACKET, SOCK_RAW, 0)));
	int s = socket(AF_INET, SOCK_STREAM, 0);
	int v = 1;
	say("SO_ZEROCOPY: %s", res(setsockopt(s, SOL_SOCKET, SO_ZEROCOPY, &v, sizeof(v))));
	say("TCP_ULP: %s", res(setsockopt(s, IPPROTO_TCP, TCP_ULP, "tls", 3)));
	char buf[1024];
	struct ifconf ic = { .ifc_len = sizeof(buf), .ifc_buf = buf };
	int r = ioctl(s, SIOCGIFCONF, &ic);
	say("SIOCGIFCONF: %s, %d interface(s)", res(r), r == 0 ? ic.ifc_len / (int)sizeof(struct ifreq) : 0);
	for (int i = 0; r == 0 && i < ic.ifc_len / (int)sizeof(struct ifreq); i++) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ic.ifc_req[i].ifr_addr;
		say("  %s %s", ic.ifc_req[i].ifr_name, inet_ntoa(in->sin_addr));
	}
	struct ifreq ifr = { .ifr_name = "lo" };
	say("SIOCSIFFLAGS lo: %s", res(ioctl(s, SIOCSIFFLAGS, &ifr)));
	close(s);
	/* A ping socket's echo to loopback (the sandbox's own namespace allows every group). */
	s = socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
	say("ping socket: %s", res(s < 0 ? -1 : 0));
	if (s >= 0) {
		struct icmphdr h = { .type = ICMP_ECHO, .un.echo.sequence = htons(1) };
		struct sockaddr_storage a;
		socklen_t len = make_addr(AF_INET, "127.0.0.1", 0, &a);
		say("ping sendto: %zd", sendto(s, &h, sizeof(h), 0, (struct sockaddr *)&a, len));
		struct icmphdr reply;
		struct pollfd p = { s, POLLIN, 0 };
		poll(&p, 1, 10000);
		ssize_t n = recv(s, &reply, sizeof(reply), 0);
		say("ping reply: %zd bytes, type %s", n, reply.type == ICMP_ECHOREPLY ? "echo reply" : "other");
	}
	return 0;
}

static int mode_serve(const char *host, int port, int n)
{
	int family = strchr(host, ':') ? AF_INET6 : AF_INET;
	struct sockaddr_storage a;
	socklen_t len = make_addr(family, host, port, &a);
	int l = socket(family, SOCK_STREAM, 0);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int));
	if (bind(l, (struct sockaddr *)&a, len) < 0 || listen(l, 16) < 0) {
		say("serve: %s", en(errno));
		return 1;
	}
	len = sizeof(a);
	getsockname(l, (struct sockaddr *)&a, &len);
	say("listening %d", port_of(&a));
	for (int i = 0; i < n; i++) {
		int c = accept(l, NULL, NULL);
		char buf[256];
		ssize_t r = read(c, buf, sizeof(buf));
		if (r > 0)
			write(c, buf, (size_t)r);
		close(c);
	}
	return 0;
}

static int mode_connect(const char *host, int port)
{
	int family = strchr(host, ':') ? AF_INET6 : AF_INET;
	struct sockaddr_storage a;
	socklen_t len = make_addr(family, host, port, &a);
	int s = socket(family, SOCK_STREAM, 0);
	if (connect(s, (struct sockaddr *)&a, len) < 0) {
		say("connect %s:%d: %s", host, port, en(errno));
		return 1;
	}
	char buf[64] = { 0 };
	write(s, "ping", 4);
	ssize_t n = read(s, buf, sizeof(buf) - 1);
	say("connect %s:%d: ok, answer %zd \"%s\"", host, port, n, buf);
	return 0;
}

static int mode_udp(const char *host, int port)
{
	int family = strchr(host, ':') ? AF_INET6 : AF_INET;
	struct sockaddr_storage a;
	socklen_t len = make_addr(family, host, port, &a);
	int s = socket(family, SOCK_DGRAM, 0);
	say("udp sendto %s:%d: %s", host, port, res(sendto(s, "x", 1, 0, (struct sockaddr *)&a, len)));
	struct iovec io = { (void *)"y", 1 };
	struct msghdr mh = { .msg_name = &a, .msg_namelen = len, .msg_iov = &io, .msg_iovlen = 1 };
	say("udp sendmsg %s:%d: %s", host, port, res(sendmsg(s, &mh, 0)));
	struct mmsghdr mm[2] = { { .msg_hdr = mh }, { .msg_hdr = mh } };
	say("udp sendmmsg %s:%d: %s", host, port, res(sendmmsg(s, mm, 2, 0)));
	say("udp connect %s:%d: %s", host, port, res(connect(s, (struct sockaddr *)&a, len)));
	return 0;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc == 2 && !strcmp(argv[1], "all"))
		return mode_all();
	if (argc == 2 && !strcmp(argv[1], "sandbox"))
		return mode_sandbox();
	if (argc == 5 && !strcmp(argv[1], "serve"))
		return mode_serve(argv[2], atoi(argv[3]), atoi(argv[4]));
	if (argc == 4 && !strcmp(argv[1], "connect"))
		return mode_connect(argv[2], atoi(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "udp"))
		return mode_udp(argv[2], atoi(argv[3]));
	fprintf(stderr, "usage: inetcheck all|sandbox|serve ADDR PORT N|connect ADDR PORT|udp ADDR PORT\n");
	return 2;
}
