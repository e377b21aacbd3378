/* Unix domain sockets: socketpair of each type across fork, message boundaries, a listener
   on a path and on an abstract name with several clients, names, SO_PEERCRED and
   SCM_CREDENTIALS, SCM_RIGHTS passing a pipe end and an open file, MSG_PEEK, MSG_DONTWAIT,
   MSG_TRUNC, errors (ECONNREFUSED, EADDRINUSE, EBADF and EINVAL in SCM_RIGHTS, bad
   lengths), non-blocking accept, shutdown, poll on a listener, datagrams on paths. Prints
   one line per check; children never print.

   unixcheck DIR      the checks (DIR: a writable directory for socket names)
   unixcheck sandbox  what the sandbox answers by design: no netlink protocol but
                      NETLINK_ROUTE (netlinkcheck tests that one); socketpair AF_UNIX only
   unixcheck procnet  a listener and a socketpair as /proc/net/unix lists them (inodes
                      replaced by N: the host's list is the whole machine's) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/guest_check.h"

static const char *dir;

static const char *tname(int type)
{
	return type == SOCK_STREAM ? "STREAM" : type == SOCK_DGRAM ? "DGRAM" : "SEQPACKET";
}

static socklen_t path_addr(struct sockaddr_un *a, const char *name)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	snprintf(a->sun_path, sizeof(a->sun_path), "%s/%s", dir, name);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(a->sun_path) + 1);
}

static socklen_t abstract_addr(struct sockaddr_un *a, const char *name)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	size_t n = strlen(name);
	memcpy(a->sun_path + 1, name, n);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

/* The name as the program sees it: a path relative to DIR, or @abstract. */
static const char *show_addr(const struct sockaddr_un *a, socklen_t len)
{
	char *b = say_buffer();
	size_t base = offsetof(struct sockaddr_un, sun_path);
	if (len <= base)
		snprintf(b, SAY_BUFFER_SIZE, "unnamed (len %u)", len);
	else if (a->sun_path[0] == '\0')
		snprintf(b, SAY_BUFFER_SIZE, "@%.*s (len %u)", (int)(len - base - 1), a->sun_path + 1, len);
	else if (!strncmp(a->sun_path, dir, strlen(dir)))
		snprintf(b, SAY_BUFFER_SIZE, "DIR%s (len %u)", a->sun_path + strlen(dir), len);
	else
		snprintf(b, SAY_BUFFER_SIZE, "%s (len %u)", a->sun_path, len);
	return b;
}

static void check_socketpair_types(void)
{
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };
	for (size_t i = 0; i < 3; i++) {
		int sv[2];
		int r = socketpair(AF_UNIX, types[i], 0, sv);
		int type = -1;
		socklen_t tl = sizeof(type);
		getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &type, &tl);
		pid_t c = xfork();
		if (c == 0) {
			close(sv[0]);
			char buf[64];
			ssize_t n = read(sv[1], buf, sizeof(buf));
			for (int k = 0; k < n; k++)
				buf[k] = (char)(buf[k] - 32);
			write(sv[1], buf, (size_t)(n > 0 ? n : 0));
			_exit(0);
		}
		close(sv[1]);
		write(sv[0], "ping", 4);
		char buf[64] = "";
		ssize_t n = read(sv[0], buf, sizeof(buf));
		say("socketpair %s: %s, SO_TYPE %s, child answered %zd \"%.*s\", status %d", tname(types[i]),
		    res(r), tname(type), n, (int)(n > 0 ? n : 0), buf, wait_status(c));
		close(sv[0]);
	}
	int sv[2];
	say("socket AF_UNIX type 7: %s", res(socket(AF_UNIX, 7, 0)));
	say("socket AF_UNIX protocol 5: %s", res(socket(AF_UNIX, SOCK_STREAM, 5)));
	say("socket AF_UNIX bad flags: %s", res(socket(AF_UNIX, SOCK_STREAM | 0x100000, 0)));
	int r = socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv);
	say("socketpair NONBLOCK|CLOEXEC: %s, O_NONBLOCK %s, FD_CLOEXEC %s", res(r),
	    yesno(fcntl(sv[0], F_GETFL) & O_NONBLOCK), yesno(fcntl(sv[1], F_GETFD) & FD_CLOEXEC));
	char b;
	say("read of an empty non-blocking pair: %s", res(read(sv[0], &b, 1)));
	struct stat st;
	fstat(sv[0], &st);
	say("fstat: socket %s", yesno(S_ISSOCK(st.st_mode)));
	close(sv[0]);
	close(sv[1]);
}

static void check_boundaries(void)
{
	static const int types[] = { SOCK_DGRAM, SOCK_SEQPACKET, SOCK_STREAM };
	for (size_t i = 0; i < 3; i++) {
		int sv[2];
		socketpair(AF_UNIX, types[i], 0, sv);
		send(sv[0], "one", 3, 0);
		send(sv[0], "three", 5, 0);
		char buf[64];
		ssize_t a = recv(sv[1], buf, sizeof(buf), 0);
		ssize_t b = recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT);
		say("%s: two sends, receives of %zd and %zd bytes", tname(types[i]), a, b);
		send(sv[0], "abcdefgh", 8, 0);
		ssize_t p = recv(sv[1], buf, 4, MSG_PEEK);
		ssize_t tr = recv(sv[1], buf, 4, types[i] == SOCK_STREAM ? 0 : MSG_TRUNC);
		struct msghdr mh = { 0 };
		say("%s: peek 4 of 8: %zd, then %s: %zd", tname(types[i]), p,
		    types[i] == SOCK_STREAM ? "read 4" : "MSG_TRUNC into 4", tr);
		send(sv[0], "abcdefgh", 8, 0);
		struct iovec io = { buf, 3 };
		mh.msg_iov = &io;
		mh.msg_iovlen = 1;
		ssize_t n = recvmsg(sv[1], &mh, 0);
		say("%s: recvmsg into 3: %zd, MSG_TRUNC flag %s", tname(types[i]), n,
		    yesno(mh.msg_flags & MSG_TRUNC));
		recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT);
		say("%s: MSG_DONTWAIT on empty: %s", tname(types[i]), res(recv(sv[1], buf, 1, MSG_DONTWAIT)));
		close(sv[0]);
		close(sv[1]);
	}
}

/* A stream listener on a, backlog 1. */
static int listen_on(const struct sockaddr_un *a, socklen_t len)
{
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	bind(l, (const struct sockaddr *)a, len);
	listen(l, 1);
	return l;
}

/* A server on addr (path or abstract) of type; nclients children connect, each sends its
   number and gets it back doubled. */
static void check_listener(const char *what, struct sockaddr_un *addr, socklen_t len, int type)
{
	int l = socket(AF_UNIX, type, 0);
	int rb = bind(l, (struct sockaddr *)addr, len);
	int rl = listen(l, 8);
	struct sockaddr_un got;
	socklen_t gl = sizeof(got);
	getsockname(l, (struct sockaddr *)&got, &gl);
	say("%s %s: bind %s, listen %s, name %s", what, tname(type), res(rb), res(rl), show_addr(&got, gl));
	enum { NCLIENTS = 3 };
	pid_t kids[NCLIENTS];
	for (int i = 0; i < NCLIENTS; i++) {
		kids[i] = xfork();
		if (kids[i] == 0) {
			close(l);
			int s = socket(AF_UNIX, type, 0);
			if (connect(s, (struct sockaddr *)addr, len) < 0)
				_exit(10);
			int v = i + 1;
			write(s, &v, sizeof(v));
			if (read(s, &v, sizeof(v)) != sizeof(v))
				_exit(11);
			_exit(v == 2 * (i + 1) ? 0 : 12);
		}
	}
	int served = 0, sum = 0;
	for (int i = 0; i < NCLIENTS; i++) {
		struct sockaddr_un peer;
		socklen_t pl = sizeof(peer);
		int c = accept(l, (struct sockaddr *)&peer, &pl);
		if (c < 0)
			break;
		int v = 0;
		if (read(c, &v, sizeof(v)) == sizeof(v)) {
			sum += v;
			v *= 2;
			write(c, &v, sizeof(v));
			served++;
		}
		if (i == 0) {
			struct sockaddr_un me, other;
			socklen_t ml = sizeof(me), ol = sizeof(other);
			getsockname(c, (struct sockaddr *)&me, &ml);
			getpeername(c, (struct sockaddr *)&other, &ol);
			say("%s: accepted: peer from accept %s, getsockname %s, getpeername %s", what,
			    show_addr(&peer, pl), show_addr(&me, ml), show_addr(&other, ol));
		}
		close(c);
	}
	int ok = 0;
	for (int i = 0; i < NCLIENTS; i++)
		ok += wait_status(kids[i]) == 0;
	say("%s: served %d clients (sum %d), %d exited 0", what, served, sum, ok);
	close(l);
}

static void check_names(void)
{
	struct sockaddr_un a;
	socklen_t len = path_addr(&a, "srv");
	check_listener("path", &a, len, SOCK_STREAM);
	len = path_addr(&a, "seq");
	check_listener("path", &a, len, SOCK_SEQPACKET);
	len = abstract_addr(&a, "unixcheck-abstract");
	check_listener("abstract", &a, len, SOCK_STREAM);

	struct stat st;
	path_addr(&a, "srv");
	const char *sr = res(stat(a.sun_path, &st));
	say("the path name is a socket: %s %s, mode %o", sr, yesno(S_ISSOCK(st.st_mode)), st.st_mode & 07777);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	len = path_addr(&a, "srv");
	say("connect to a path nobody listens on: %s", res(connect(s, (struct sockaddr *)&a, len)));
	len = path_addr(&a, "missing");
	say("connect to a missing path: %s", res(connect(s, (struct sockaddr *)&a, len)));
	len = abstract_addr(&a, "unixcheck-nobody");
	say("connect to an unused abstract name: %s", res(connect(s, (struct sockaddr *)&a, len)));
	len = path_addr(&a, "srv");
	say("bind to an existing path: %s", res(bind(s, (struct sockaddr *)&a, len)));
	len = path_addr(&a, "twice");
	int s2 = socket(AF_UNIX, SOCK_STREAM, 0);
	int r1 = bind(s2, (struct sockaddr *)&a, len);
	say("bind, then bind again: %s, %s", res(r1), res(bind(s2, (struct sockaddr *)&a, len)));
	len = abstract_addr(&a, "unixcheck-twice");
	int s3 = socket(AF_UNIX, SOCK_STREAM, 0);
	int s4 = socket(AF_UNIX, SOCK_STREAM, 0);
	r1 = bind(s3, (struct sockaddr *)&a, len);
	say("abstract bind twice: %s, %s", res(r1), res(bind(s4, (struct sockaddr *)&a, len)));
	say("listen unbound: %s", res(listen(s4, 1)));
	say("connect with length 0: %s", res(connect(s4, (struct sockaddr *)&a, 0)));
	say("connect with length 1: %s", res(connect(s4, (struct sockaddr *)&a, 1)));
	char big[200] = { AF_UNIX };
	say("connect with length 200: %s", res(connect(s4, (struct sockaddr *)big, 200)));
	say("connect to a bad pointer: %s", res(connect(s4, (struct sockaddr *)8, 20)));
	say("bind with a bad pointer: %s", res(bind(s4, (struct sockaddr *)8, 20)));
	a.sun_family = AF_INET;
	say("connect with family AF_INET: %s", res(connect(s4, (struct sockaddr *)&a, len)));
	struct sockaddr_un auto_a;
	socklen_t al = sizeof(auto_a);
	int ra = bind(s4, (struct sockaddr *)&(sa_family_t){ AF_UNIX }, sizeof(sa_family_t));
	getsockname(s4, (struct sockaddr *)&auto_a, &al);
	say("autobind: %s, abstract name of length %u: %s", res(ra), al,
	    yesno(al == offsetof(struct sockaddr_un, sun_path) + 6 && auto_a.sun_path[0] == 0));
	al = sizeof(auto_a);
	say("getpeername unconnected: %s", res(getpeername(s4, (struct sockaddr *)&auto_a, &al)));
	al = sizeof(auto_a);
	getsockname(s, (struct sockaddr *)&auto_a, &al);
	say("getsockname unbound: %s", show_addr(&auto_a, al));
	say("read on an unconnected stream socket: %s", res(read(s, big, 1)));
	say("write on an unconnected stream socket: %s", res(send(s, big, 1, MSG_NOSIGNAL)));
	int l = socket(AF_UNIX, SOCK_DGRAM, 0);
	say("listen on a datagram socket: %s", res(listen(l, 1)));
	say("getsockopt(level 6) on a unix socket: %s",
	    res(getsockopt(s, 6, 1, big, &(socklen_t){ 4 })));
	say("shutdown(how 7): %s", res(shutdown(s, 7)));
	say("accept on a socket that does not listen: %s", res(accept(s, NULL, NULL)));
	say("accept on a pipe: %s", res(accept(0, NULL, NULL)));
	close(s);
	close(s2);
	close(s3);
	close(s4);
	close(l);
}

static void check_nonblocking_accept_and_poll(void)
{
	struct sockaddr_un a;
	socklen_t len = path_addr(&a, "nb");
	int l = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	bind(l, (struct sockaddr *)&a, len);
	listen(l, 4);
	say("non-blocking accept with nothing queued: %s", res(accept(l, NULL, NULL)));
	struct pollfd p = { .fd = l, .events = POLLIN };
	say("poll on an idle listener: %d", poll(&p, 1, 0));
	int c = socket(AF_UNIX, SOCK_STREAM, 0);
	say("connect: %s", res(connect(c, (struct sockaddr *)&a, len)));
	p.revents = 0;
	int pr = poll(&p, 1, 1000);
	say("poll on a listener with a connection queued: %d, POLLIN %s", pr, yesno(p.revents & POLLIN));
	int s = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	say("accept4 NONBLOCK|CLOEXEC: %s, O_NONBLOCK %s, FD_CLOEXEC %s", res(s),
	    yesno(fcntl(s, F_GETFL) & O_NONBLOCK), yesno(fcntl(s, F_GETFD) & FD_CLOEXEC));
	p.revents = 0;
	say("poll on the listener after accept: %d", poll(&p, 1, 0));
	int v = 0;
	socklen_t vl = sizeof(v);
	getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl);
	say("SO_ACCEPTCONN: %d", v);
	struct pollfd q = { .fd = s, .events = POLLIN | POLLOUT };
	poll(&q, 1, 0);
	say("accepted socket: POLLOUT %s, POLLIN %s", yesno(q.revents & POLLOUT), yesno(q.revents & POLLIN));
	write(c, "x", 1);
	q.revents = 0;
	poll(&q, 1, 1000);
	say("after the client wrote: POLLIN %s", yesno(q.revents & POLLIN));
	char b[4];
	read(s, b, 1);
	say("shutdown(SHUT_WR) of the client: %s", res(shutdown(c, SHUT_WR)));
	fcntl(s, F_SETFL, 0);
	say("server reads EOF: %zd", read(s, b, sizeof(b)));
	ssize_t w = write(s, "y", 1);
	say("client can still read: write %zd, read %zd", w, read(c, b, 1));
	close(s);
	say("after the server closed, send: %s", res(send(c, "z", 1, MSG_NOSIGNAL)));
	close(c);
	close(l);
}

static void check_peercred(void)
{
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	struct ucred cr;
	socklen_t cl = sizeof(cr);
	int r = getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cr, &cl);
	say("socketpair SO_PEERCRED: %s, len %u, pid is mine %s, uid %s, gid %s", res(r), cl,
	    yesno(cr.pid == getpid()), yesno(cr.uid == geteuid()), yesno(cr.gid == getegid()));
	close(sv[0]);
	close(sv[1]);

	struct sockaddr_un a;
	socklen_t len = path_addr(&a, "cred");
	int l = listen_on(&a, len);
	int p[2];
	pipe(p);
	pid_t c = xfork();
	if (c == 0) {
		int s = socket(AF_UNIX, SOCK_STREAM, 0);
		connect(s, (struct sockaddr *)&a, len);
		struct ucred pc;
		socklen_t pcl = sizeof(pc);
		getsockopt(s, SOL_SOCKET, SO_PEERCRED, &pc, &pcl);
		write_int(p[1], pc.pid == getppid());
		write_int(p[1], getpid());
		char b;
		read(s, &b, 1);
		_exit(0);
	}
	int s = accept(l, NULL, NULL);
	cl = sizeof(cr);
	getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &cl);
	int client_sees_me = read_int(p[0]);
	int child = read_int(p[0]);
	say("connected SO_PEERCRED: server sees the client's pid %s, client sees the listener's %s, uid %s",
	    yesno(cr.pid == child && child == c), yesno(client_sees_me), yesno(cr.uid == geteuid()));
	cl = 4;
	getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &cl);
	say("SO_PEERCRED into 4 bytes: len %u", cl);
	int fam = 0;
	cl = sizeof(fam);
	getsockopt(s, SOL_SOCKET, SO_DOMAIN, &fam, &cl);
	int err = -1;
	cl = sizeof(err);
	getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &cl);
	say("SO_DOMAIN AF_UNIX %s, SO_ERROR %d", yesno(fam == AF_UNIX), err);
	int buf = 0;
	cl = sizeof(buf);
	setsockopt(s, SOL_SOCKET, SO_SNDBUF, &(int){ 65536 }, sizeof(int));
	getsockopt(s, SOL_SOCKET, SO_SNDBUF, &buf, &cl);
	say("SO_SNDBUF set 65536, reads %d", buf);

	/* SCM_CREDENTIALS with SO_PASSCRED. */
	setsockopt(s, SOL_SOCKET, SO_PASSCRED, &(int){ 1 }, sizeof(int));
	write(s, "", 1);
	wait_status(c);
	close(s);
	close(l);
	close(p[0]);
	close(p[1]);

	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &(int){ 1 }, sizeof(int));
	union {
		char b[CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr h;
	} cb;
	struct ucred mine = { getpid(), getuid(), getgid() };
	struct iovec io = { "c", 1 };
	struct msghdr mh = { .msg_iov = &io, .msg_iovlen = 1, .msg_control = cb.b, .msg_controllen = sizeof(cb.b) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_CREDENTIALS;
	cm->cmsg_len = CMSG_LEN(sizeof(mine));
	memcpy(CMSG_DATA(cm), &mine, sizeof(mine));
	say("sendmsg SCM_CREDENTIALS of my own: %s", res(sendmsg(sv[0], &mh, 0)));
	char rb[4];
	struct iovec rio = { rb, sizeof(rb) };
	union {
		char b[256];
		struct cmsghdr h;
	} rcb;
	struct msghdr rm = { .msg_iov = &rio, .msg_iovlen = 1, .msg_control = rcb.b, .msg_controllen = sizeof(rcb.b) };
	ssize_t n = recvmsg(sv[1], &rm, 0);
	struct cmsghdr *rc = CMSG_FIRSTHDR(&rm);
	struct ucred got = { 0 };
	if (rc && rc->cmsg_type == SCM_CREDENTIALS)
		memcpy(&got, CMSG_DATA(rc), sizeof(got));
	say("received %zd byte with SCM_CREDENTIALS: %s, pid mine %s, uid %s", n,
	    yesno(rc && rc->cmsg_type == SCM_CREDENTIALS), yesno(got.pid == getpid()), yesno(got.uid == getuid()));
	write(sv[0], "d", 1);
	rm.msg_controllen = sizeof(rcb.b);
	n = recvmsg(sv[1], &rm, 0);
	rc = CMSG_FIRSTHDR(&rm);
	say("plain write, SO_PASSCRED receiver: credentials %s, pid mine %s", yesno(rc && rc->cmsg_type == SCM_CREDENTIALS),
	    yesno(rc && ((struct ucred *)CMSG_DATA(rc))->pid == getpid()));
	close(sv[0]);
	close(sv[1]);
}

/* Sends fds with SCM_RIGHTS; returns sendmsg's result. */
static ssize_t send_fds(int s, const int *fds, int n, const char *data)
{
	size_t space = CMSG_SPACE(sizeof(int) * (size_t)n);
	char *cbuf = calloc(1, space);
	struct iovec io = { (void *)data, strlen(data) };
	struct msghdr mh = { .msg_iov = &io, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = space };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
	memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)n);
	ssize_t r = sendmsg(s, &mh, 0);
	free(cbuf);
	return r;
}

/* Receives up to max fds into fds; returns the count, data in buf. */
static int recv_fds(int s, int *fds, int max, char *buf, size_t size, size_t ctl_size, int *flags)
{
	char *cbuf = calloc(1, ctl_size ? ctl_size : 1);
	struct iovec io = { buf, size - 1 };
	struct msghdr mh = { .msg_iov = &io, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = ctl_size };
	ssize_t n = recvmsg(s, &mh, 0);
	buf[n > 0 ? n : 0] = '\0';
	*flags = mh.msg_flags;
	int got = 0;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		int k = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (int i = 0; i < k && got < max; i++)
			memcpy(&fds[got++], CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
	}
	free(cbuf);
	return n < 0 ? -1 : got;
}

static void check_rights(void)
{
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	char path[256];
	snprintf(path, sizeof(path), "%s/rights-file", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	write(fd, "file content", 12);
	lseek(fd, 5, SEEK_SET);
	int p[2];
	pipe(p);
	write(p[1], "through the pipe", 16);
	pid_t c = xfork();
	if (c == 0) {
		close(sv[0]);
		close(p[0]);
		close(p[1]);
		close(fd);
		int got[4];
		char buf[64];
		int flags;
		int n = recv_fds(sv[1], got, 4, buf, sizeof(buf), CMSG_SPACE(sizeof(int) * 4), &flags);
		/* The file's offset is shared: read from 5; the pipe's read end. */
		char fb[32] = "", pb[32] = "";
		ssize_t a = n >= 2 ? read(got[0], fb, sizeof(fb) - 1) : -1;
		ssize_t b = n >= 2 ? read(got[1], pb, sizeof(pb) - 1) : -1;
		char line[256];
		snprintf(line, sizeof(line), "%d %s %zd %.*s %zd %.*s", n, buf, a, (int)(a > 0 ? a : 0), fb,
			 b, (int)(b > 0 ? b : 0), pb);
		write(sv[1], line, strlen(line));
		_exit(0);
	}
	close(sv[1]);
	int fds[2] = { fd, p[0] };
	ssize_t sr = send_fds(sv[0], fds, 2, "rights");
	char line[256] = "";
	ssize_t n = read(sv[0], line, sizeof(line) - 1);
	line[n > 0 ? n : 0] = '\0';
	say("SCM_RIGHTS file and pipe: send %zd, child says: %s; status %d", sr, line, wait_status(c));
	close(sv[0]);

	socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv);
	int bad[2] = { fd, 999 };
	say("SCM_RIGHTS with a bad fd: %s", res(send_fds(sv[0], bad, 2, "x")));
	int *many = malloc(sizeof(int) * 254);
	for (int i = 0; i < 254; i++)
		many[i] = fd;
	say("SCM_RIGHTS with 254 fds: %s", res(send_fds(sv[0], many, 254, "x")));
	ssize_t r250 = send_fds(sv[0], many, 250, "x");
	int got[256];
	char buf[16];
	int flags;
	int k = recv_fds(sv[1], got, 256, buf, sizeof(buf), CMSG_SPACE(sizeof(int) * 250), &flags);
	int distinct = 1;
	for (int i = 1; i < k; i++)
		distinct += got[i] != got[i - 1];
	say("SCM_RIGHTS with 250 fds: send %s, received %d fds (%d distinct numbers), MSG_CTRUNC %s",
	    r250 < 0 ? en(errno) : "ok", k, distinct, yesno(flags & MSG_CTRUNC));
	for (int i = 0; i < k; i++)
		close(got[i]);
	send_fds(sv[0], many, 3, "y");
	k = recv_fds(sv[1], got, 256, buf, sizeof(buf), CMSG_SPACE(sizeof(int)), &flags);
	say("3 fds into room for 1: received %d, MSG_CTRUNC %s", k, yesno(flags & MSG_CTRUNC));
	for (int i = 0; i < k; i++)
		close(got[i]);
	int before = dup(0);
	close(before);
	send_fds(sv[0], many, 2, "z");
	read(sv[1], buf, sizeof(buf));
	int after = dup(0);
	close(after);
	say("a plain read drops the fds: lowest free fd unchanged %s", yesno(before == after));
	/* MSG_PEEK gives the fds too, and they stay for the real receive. */
	send_fds(sv[0], &p[1], 1, "w");
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec io = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_iov = &io, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	ssize_t pn = recvmsg(sv[1], &mh, MSG_PEEK);
	int peeked = CMSG_FIRSTHDR(&mh) != NULL;
	k = recv_fds(sv[1], got, 1, buf, sizeof(buf), CMSG_SPACE(sizeof(int)), &flags);
	ssize_t w = k == 1 ? write(got[0], "!", 1) : -1;
	char one = 0;
	read(p[0], &one, 1);
	say("MSG_PEEK: %zd, with fds %s; then received %d, writes through it %zd '%c'", pn, yesno(peeked), k, w, one);
	free(many);
	close(sv[0]);
	close(sv[1]);
	close(p[0]);
	close(p[1]);
	close(fd);
}

static void check_dgram_paths(void)
{
	struct sockaddr_un a, b;
	socklen_t al = path_addr(&a, "dg-a"), bl = path_addr(&b, "dg-b");
	int sa = socket(AF_UNIX, SOCK_DGRAM, 0);
	int sb = socket(AF_UNIX, SOCK_DGRAM, 0);
	say("datagram binds: %s, %s", res(bind(sa, (struct sockaddr *)&a, al)), res(bind(sb, (struct sockaddr *)&b, bl)));
	say("sendto b: %zd", sendto(sa, "hello b", 7, 0, (struct sockaddr *)&b, bl));
	char buf[32];
	struct sockaddr_un from;
	socklen_t fl = sizeof(from);
	ssize_t n = recvfrom(sb, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
	say("recvfrom: %zd \"%.*s\" from %s", n, (int)(n > 0 ? n : 0), buf, show_addr(&from, fl));
	int anon = socket(AF_UNIX, SOCK_DGRAM, 0);
	sendto(anon, "anon", 4, 0, (struct sockaddr *)&b, bl);
	fl = sizeof(from);
	n = recvfrom(sb, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
	say("from an unbound socket: %zd, address length %u", n, fl);
	say("connect b to a: %s", res(connect(sb, (struct sockaddr *)&a, al)));
	say("send on the connected socket: %zd", send(sb, "back", 4, 0));
	say("write on the connected socket: %zd", write(sb, "again", 5));
	n = read(sa, buf, sizeof(buf));
	ssize_t n2 = read(sa, buf, sizeof(buf));
	say("a reads %zd and %zd", n, n2);
	fl = sizeof(from);
	getpeername(sb, (struct sockaddr *)&from, &fl);
	say("getpeername of b: %s", show_addr(&from, fl));
	say("send on an unconnected datagram socket: %s", res(send(anon, "x", 1, 0)));
	struct sockaddr_un missing;
	socklen_t ml = path_addr(&missing, "dg-missing");
	say("sendto a missing path: %s", res(sendto(anon, "x", 1, 0, (struct sockaddr *)&missing, ml)));
	fcntl(sa, F_SETFL, O_NONBLOCK);
	say("non-blocking read of an empty datagram socket: %s", res(read(sa, buf, 1)));
	struct pollfd p = { .fd = sa, .events = POLLIN };
	say("poll: %d", poll(&p, 1, 0));
	sendto(anon, "z", 1, 0, (struct sockaddr *)&a, al);
	say("poll after a datagram came: %d", poll(&p, 1, 1000));
	int st = socket(AF_UNIX, SOCK_STREAM, 0);
	say("stream connect to a datagram name: %s", res(connect(st, (struct sockaddr *)&a, al)));
	close(st);
	close(sa);
	close(sb);
	close(anon);
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* Calls the sentry makes wait: woken by a peer, or ended by a signal. */
static void check_waits(void)
{
	int sv[2];
	socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv);
	pid_t c = xfork();
	if (c == 0) {
		msleep(100);
		int p[2];
		pipe(p);
		write(p[1], "late", 4);
		send_fds(sv[1], &p[0], 1, "woke");
		_exit(0);
	}
	char buf[16] = "";
	int got[1], flags;
	int k = recv_fds(sv[0], got, 1, buf, sizeof(buf), CMSG_SPACE(sizeof(int)), &flags);
	char pb[8] = "";
	ssize_t n = k == 1 ? read(got[0], pb, sizeof(pb)) : -1;
	say("blocking recvmsg woken by a child's sendmsg: \"%s\", %d fd, reads \"%.*s\"; status %d", buf, k,
	    (int)(n > 0 ? n : 0), pb, wait_status(c));

	struct sigaction sa = { .sa_handler = on_alarm };
	sigaction(SIGALRM, &sa, NULL);
	alarm(1);
	struct iovec io = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_iov = &io, .msg_iovlen = 1 };
	say("blocking recvmsg, SIGALRM without SA_RESTART: %s", res(recvmsg(sv[0], &mh, 0)));
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	c = xfork();
	if (c == 0) {
		msleep(1500);
		send(sv[1], "after", 5, 0);
		_exit(0);
	}
	alarm(1);
	ssize_t r = recvmsg(sv[0], &mh, 0);
	say("with SA_RESTART: restarted, got %zd; status %d", r, wait_status(c));
	signal(SIGALRM, SIG_DFL);
	close(sv[0]);
	close(sv[1]);

	struct sockaddr_un a;
	socklen_t len = abstract_addr(&a, "unixcheck-wait");
	int l = listen_on(&a, len);
	c = xfork();
	if (c == 0) {
		msleep(100);
		int s = socket(AF_UNIX, SOCK_STREAM, 0);
		_exit(connect(s, (struct sockaddr *)&a, len) == 0 ? 0 : 1);
	}
	int s = accept(l, NULL, NULL);
	say("blocking accept woken by a child's connect: %s; status %d", s >= 0 ? "ok" : en(errno), wait_status(c));
	char link[64] = "";
	char fdpath[32];
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", s);
	readlink(fdpath, link, sizeof(link) - 1);
	say("/proc/self/fd of a socket: %s", strncmp(link, "socket:[", 8) ? link : "socket:[...]");
	close(s);
	close(l);
}

/* The names go, so that a native run leaves the image as it found it. */
static void remove_names(void)
{
	static const char *const names[] = { "srv", "seq", "cred", "nb", "twice", "rights-file",
					      "dg-a", "dg-b" };
	char path[256];
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

static int mode_sandbox(void)
{
	int sv[2];
	say("socket AF_NETLINK NETLINK_AUDIT: %s", res(socket(AF_NETLINK, SOCK_RAW, 9)));
	say("socketpair AF_INET: %s", res(socketpair(AF_INET, SOCK_STREAM, 0, sv)));
	return 0;
}

static int mode_procnet(void)
{
	struct sockaddr_un a;
	socklen_t len = abstract_addr(&a, "unixcheck-proc");
	int l = listen_on(&a, len);
	int sv[2];
	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	FILE *f = fopen("/proc/net/unix", "r");
	if (!f) {
		say("/proc/net/unix: %s", en(errno));
		return 1;
	}
	char line[512];
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		char *inode = strrchr(line, ':') ? strchr(line, ' ') : NULL;
		/* Columns: Num RefCount Protocol Flags Type St Inode [Path] */
		char num[32], ref[16], proto[16], flags[16], type[8], st[8], path[256] = "";
		unsigned long ino;
		if (inode && sscanf(line, "%31s %15s %15s %15s %7s %7s %lu %255s", num, ref, proto, flags,
				    type, st, &ino, path) >= 7)
			say("%s %s %s %s %s %s N%s%s", num, ref, proto, flags, type, st, path[0] ? " " : "", path);
		else
			say("%s", line);
	}
	fclose(f);
	close(l);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "sandbox"))
		return mode_sandbox();
	if (argc == 2 && !strcmp(argv[1], "procnet"))
		return mode_procnet();
	if (argc < 2) {
		fprintf(stderr, "usage: unixcheck DIR\n");
		return 2;
	}
	dir = argv[1];
	mkdir(dir, 0755);
	check_socketpair_types();
	check_boundaries();
	check_names();
	check_nonblocking_accept_and_poll();
	check_peercred();
	check_rights();
	check_dgram_paths();
	check_waits();
	remove_names();
	return 0;
}
