/* Sockets. The families are sentry/socket/ (socket.c has their table). Addresses, message
   headers and control messages are read from guest memory here, once, and the call is then
   done by the sentry: only plain data calls without an address (read, write, recvfrom and
   sendto with no address) run natively, on sockets whose mirror is their own byte path. */
#define _GNU_SOURCE
#include "sentry/syscalls/syscalls.h"
#include "sentry/socket/socket.h"
#include "sentry/kernel.h"
#include "sentry/task/task.h"
#include "sentry/task/fdtable.h"
#include "sentry/mm/guest_mem.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#define MSG_CMSG_COMPAT 0x80000000	/* the kernel's own flag: refused from user space */
#define SOCKET_OPTMEM_MAX (128 * 1024)	/* net.core.optmem_max: the largest control buffer */
#define MAX_RW_COUNT (INT_MAX & ~4095L)	/* the most one call moves (a longer buffer is cut) */

/* socket(2)'s and socketpair(2)'s type word: the base type in *type, its flags returned. */
static long socket_type_flags(int *type)
{
	if (*type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC | 0xf))
		return -EINVAL;
	int flags = *type & (SOCK_NONBLOCK | SOCK_CLOEXEC);
	*type &= 0xf;
	return flags;
}

SYSCALL(socket)
{
	int type = (int)ev->args[1];
	long flags = socket_type_flags(&type);
	if (flags < 0)
		return flags;
	struct file *f;
	long r = socket_create(t, (int)ev->args[0], type, (int)ev->args[2], flags & SOCK_NONBLOCK, &f);
	if (r < 0)
		return r;
	r = fd_install(t, ev, f, flags & SOCK_CLOEXEC, 0);
	file_put(f);
	return r;
}

SYSCALL(socketpair)
{
	int type = (int)ev->args[1];
	long flags = socket_type_flags(&type);
	uint64_t ufds = ev->args[3];
	int fds[2] = { -1, -1 };
	struct file *f[2];
	if (flags < 0)
		return flags;
	long r = 0;
	/* A bad address is EFAULT with nothing installed (as pipe2). */
	r = guest_write(t, ufds, fds, sizeof(fds));
	if (r < 0)
		return r;
	r = socket_pair_create(t, (int)ev->args[0], type, (int)ev->args[2], flags & SOCK_NONBLOCK, f);
	if (r < 0)
		return r;
	for (int i = 0; i < 2 && r >= 0; i++) {
		r = fd_install(t, ev, f[i], flags & SOCK_CLOEXEC, 0);
		if (r >= 0)
			fds[i] = (int)r;
	}
	if (r >= 0)
		r = guest_write(t, ufds, fds, sizeof(fds));
	if (r < 0)
		for (int i = 0; i < 2; i++)
			if (fds[i] >= 0)
				fd_withdraw(t, ev, fds[i]);
	file_put(f[0]);
	file_put(f[1]);
	return r < 0 ? r : 0;
}

static long socket_fd(struct task *t, int fd, struct socket **out)
{
	struct file *f = fd_get(t, fd);
	if (!f || (f->flags & O_PATH))
		return -EBADF;
	*out = socket_of(f);
	return *out ? 0 : -ENOTSOCK;
}

/* A guest sockaddr, as move_addr_to_kernel reads it. */
static long read_sockaddr(struct task *t, uint64_t uaddr, uint64_t ulen, struct sockaddr_storage *a,
			  socklen_t *len)
{
	int l = (int)ulen;
	memset(a, 0, sizeof(*a));
	if (l < 0 || (size_t)l > sizeof(*a))
		return -EINVAL;
	*len = (socklen_t)l;
	return l ? guest_read(t, uaddr, a, (size_t)l) : 0;
}

/* Checks the guest's length word before a call that will fill it (accept, getsockname). */
static long check_addrlen(struct task *t, uint64_t ulenp)
{
	int len;
	long r = guest_read(t, ulenp, &len, sizeof(len));
	if (r < 0)
		return r;
	return len < 0 ? -EINVAL : 0;
}

/* move_addr_to_user: as much as the guest's buffer holds, and the full length. */
static long write_sockaddr(struct task *t, const struct sockaddr_storage *a, socklen_t klen,
			   uint64_t uaddr, uint64_t ulenp)
{
	int len;
	long r = guest_read(t, ulenp, &len, sizeof(len));
	if (r < 0)
		return r;
	if (len < 0)
		return -EINVAL;
	if ((socklen_t)len > klen)
		len = (int)klen;
	if (len && (r = guest_write(t, uaddr, a, (size_t)len)) < 0)
		return r;
	int kl = (int)klen;
	return guest_write(t, ulenp, &kl, sizeof(kl));
}

/* The socket and the address bind and connect name. */
static long socket_and_addr(struct task *t, struct syscall_event *ev, struct socket **sk,
			    struct sockaddr_storage *a, socklen_t *len)
{
	long r = socket_fd(t, (int)ev->args[0], sk);
	return r < 0 ? r : read_sockaddr(t, ev->args[1], ev->args[2], a, len);
}

SYSCALL(bind)
{
	struct socket *sk;
	struct sockaddr_storage a;
	socklen_t len;
	long r = socket_and_addr(t, ev, &sk, &a, &len);
	return r < 0 ? r : sk->ops->bind(t, sk, &a, len);
}

SYSCALL(listen)
{
	struct socket *sk;
	long r = socket_fd(t, (int)ev->args[0], &sk);
	return r < 0 ? r : sk->ops->listen(t, ev, sk, (int)ev->args[1]);
}

SYSCALL(connect)
{
	struct socket *sk;
	struct sockaddr_storage a;
	socklen_t len;
	long r = socket_and_addr(t, ev, &sk, &a, &len);
	if (r == 0 && len < sizeof(sa_family_t))
		r = -EINVAL;
	return r < 0 ? r : sk->ops->connect(t, ev, sk, &a, len);
}

static long do_accept4(struct task *t, struct syscall_event *ev, int flags)
{
	uint64_t uaddr = ev->args[1], ulenp = ev->args[2];
	struct socket *sk;
	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	long r = socket_fd(t, (int)ev->args[0], &sk);
	if (r < 0)
		return r;
	/* A queued connection, or a wait (for the family's host object to be readable). */
	bool nonblock = socket_nonblocking(sk->file);
	struct file *f = NULL;
	unsigned seen = ev->interrupts_seen;
	struct file *held = file_get(sk->file);
	while ((r = sk->ops->accept(t, sk, &f)) == -EAGAIN && !nonblock) {
		r = socket_wait_host(t, ev, sk->ops->wait_fd(sk, false), POLLIN, seen);
		if (r != SYSCALL_NOT_YET)
			break;
	}
	file_put(held);
	if (r < 0 || r >= SYSCALL_CONTINUE)
		return r;
	/* As Linux, the connection is taken before the address is written: a bad one loses it.
	   The address goes first: an install is carried out at the answer by host fd number,
	   so the file must not go after its install was queued. */
	if (uaddr) {
		struct socket *nsk = socket_of(f);
		struct sockaddr_storage a;
		socklen_t len;
		r = nsk->ops->getname(nsk, true, &a, &len);
		if (r == 0)
			r = write_sockaddr(t, &a, len, uaddr, ulenp);
		if (r < 0) {
			file_put(f);
			return r;
		}
	}
	if (flags & SOCK_NONBLOCK) {
		f->flags |= O_NONBLOCK;
		fcntl(f->host_fd, F_SETFL, O_NONBLOCK);
	}
	int fd = fd_install(t, ev, f, flags & SOCK_CLOEXEC, 0);
	file_put(f);
	return fd;
}

SYSCALL(accept)
{
	return do_accept4(t, ev, 0);
}

SYSCALL(accept4)
{
	return do_accept4(t, ev, (int)ev->args[3]);
}

static long do_getname(struct task *t, struct syscall_event *ev, bool peer)
{
	struct socket *sk;
	struct sockaddr_storage a;
	socklen_t len;
	long r = socket_fd(t, (int)ev->args[0], &sk);
	if (r == 0)
		r = check_addrlen(t, ev->args[2]);
	if (r == 0)
		r = sk->ops->getname(sk, peer, &a, &len);
	return r < 0 ? r : write_sockaddr(t, &a, len, ev->args[1], ev->args[2]);
}

SYSCALL(getsockname)
{
	return do_getname(t, ev, false);
}

SYSCALL(getpeername)
{
	return do_getname(t, ev, true);
}

SYSCALL(shutdown)
{
	struct socket *sk;
	long r = socket_fd(t, (int)ev->args[0], &sk);
	return r < 0 ? r : sk->ops->shutdown(sk, (int)ev->args[1]);
}

/* --- data --- */

/* Sends or receives through the sentry, waiting (on a thread of its own, in slices, so that
   a signal ends the wait) while the host says it would block. The socket is held for the
   whole transfer: another thread may close its fd while the lock is released. */
static long socket_transfer(struct task *t, struct syscall_event *ev, struct socket *sk,
			    struct socket_msg *m, bool send)
{
	unsigned seen = ev->interrupts_seen;
	struct file *held = file_get(sk->file);
	long r;
	for (;;) {
		r = send ? sk->ops->sendmsg(t, sk, m) : sk->ops->recvmsg(t, sk, m);
		if (r == -EPIPE && send && !(m->flags & MSG_NOSIGNAL))
			signal_self(t, SIGPIPE);
		if (r != -EAGAIN || m->nonblock)
			break;
		r = socket_wait_host(t, ev, sk->ops->wait_fd(sk, send), send ? POLLOUT : POLLIN, seen);
		if (r != SYSCALL_NOT_YET)
			break;
	}
	file_put(held);
	return r;
}

/* Did the transfer complete with a byte count (not an error, nor a wait or restart)? */
static bool transferred(long r)
{
	return r >= 0 && r < SYSCALL_CONTINUE;
}

static void control_put(struct socket_control *ctl)
{
	for (int i = 0; i < ctl->nrights; i++)
		file_put(ctl->rights[i]);
	ctl->nrights = 0;
}

/* Decodes the control messages of a sendmsg as Linux's __scm_send checks them. */
static long control_decode(struct task *t, const char *buf, size_t len, struct socket_control *ctl)
{
	struct msghdr mh = { .msg_control = (void *)buf, .msg_controllen = len };
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		size_t room = len - (size_t)((const char *)cm - buf);
		if (cm->cmsg_len < sizeof(struct cmsghdr) || cm->cmsg_len > room)
			return -EINVAL;
		if (cm->cmsg_level != SOL_SOCKET) {
			/* Protocol levels: kept as they are for the family to check (or ignore). */
			size_t span = CMSG_ALIGN(cm->cmsg_len) < room ? CMSG_ALIGN(cm->cmsg_len) : room;
			if (span <= sizeof(ctl->host_cmsgs) - ctl->host_len) {
				memcpy(ctl->host_cmsgs + ctl->host_len, cm, span);
				ctl->host_len += span;
			}
			continue;
		}
		size_t data = cm->cmsg_len - CMSG_LEN(0);
		if (cm->cmsg_type == SCM_RIGHTS) {
			size_t n = data / sizeof(int);
			if (n > (size_t)(SOCKET_MAX_RIGHTS - ctl->nrights))
				return -EINVAL;
			for (size_t i = 0; i < n; i++) {
				int fd;
				memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(fd));
				struct file *f = fd_get(t, fd);
				if (!f)
					return -EBADF;
				ctl->rights[ctl->nrights++] = file_get(f);
			}
		} else if (cm->cmsg_type == SCM_CREDENTIALS) {
			if (cm->cmsg_len != CMSG_LEN(sizeof(struct ucred)))
				return -EINVAL;
			struct ucred c;
			memcpy(&c, CMSG_DATA(cm), sizeof(c));
			const struct creds *cr = task_creds(t);
			if ((c.pid != t->tg->tgid && !creds_capable(cr, CAP_SYS_ADMIN)) ||
			    (c.uid != cr->ruid && c.uid != cr->euid && c.uid != cr->suid &&
			     !creds_capable(cr, CAP_SETUID)) ||
			    (c.gid != cr->rgid && c.gid != cr->egid && c.gid != cr->sgid &&
			     !creds_capable(cr, CAP_SETGID)))
				return -EPERM;
			ctl->has_creds = true;
			ctl->creds = c;
		} else {
			return -EINVAL;
		}
	}
	return 0;
}

/* Reads msghdr and its iovecs; *iov is malloc'd. */
static long read_msghdr(struct task *t, uint64_t umsg, struct msghdr *mh, struct iovec **iov)
{
	*iov = NULL;
	long r = guest_read(t, umsg, mh, sizeof(*mh));
	if (r < 0)
		return r;
	if (mh->msg_iovlen > IOV_MAX)
		return -EMSGSIZE;
	if (!mh->msg_name)
		mh->msg_namelen = 0;
	if ((int)mh->msg_namelen < 0)
		return -EINVAL;
	if (mh->msg_namelen > sizeof(struct sockaddr_storage))
		mh->msg_namelen = sizeof(struct sockaddr_storage);
	*iov = malloc(sizeof(**iov) * (mh->msg_iovlen ? mh->msg_iovlen : 1));
	if (!*iov)
		return -ENOMEM;
	return guest_read_iovec(t, (uint64_t)(uintptr_t)mh->msg_iov, (int)mh->msg_iovlen, *iov);
}

/* import_iovec's access_ok: a buffer beyond the user address space is EFAULT at once. */
static long check_iov(const struct iovec *iov, int iovcnt)
{
	for (int i = 0; i < iovcnt; i++)
		if (!guest_range_ok((uint64_t)(uintptr_t)iov[i].iov_base, iov[i].iov_len))
			return -EFAULT;
	return 0;
}

static long do_send(struct task *t, struct syscall_event *ev, struct socket *sk, struct socket_msg *m)
{
	long r = check_iov(m->iov, m->iovcnt);
	if (r < 0)
		return r;
	m->nonblock = (m->flags & MSG_DONTWAIT) || socket_nonblocking(sk->file);
	return socket_transfer(t, ev, sk, m, true);
}

SYSCALL(sendto)
{
	struct socket *sk;
	uint64_t uaddr = ev->args[4];
	long r = socket_fd(t, (int)ev->args[0], &sk);
	if (r < 0)
		return r;
	if (!uaddr && sk->ops->native_send(sk))
		return SYSCALL_CONTINUE;
	size_t len = ev->args[2] > MAX_RW_COUNT ? MAX_RW_COUNT : (size_t)ev->args[2];
	struct iovec one = { (void *)(uintptr_t)ev->args[1], len };
	struct socket_msg m = { .iov = &one, .iovcnt = 1, .flags = (int)ev->args[3] };
	if (uaddr && (r = read_sockaddr(t, uaddr, ev->args[5], &m.name, &m.namelen)) < 0)
		return r;
	return do_send(t, ev, sk, &m);
}

/* One message of sendmsg or sendmmsg, its msghdr at umsg. */
static long send_msghdr(struct task *t, struct syscall_event *ev, struct socket *sk, uint64_t umsg, int flags)
{
	struct msghdr mh;
	struct iovec *iov;
	struct socket_control *ctl = NULL;
	char *cbuf = NULL;
	long r = read_msghdr(t, umsg, &mh, &iov);
	struct socket_msg m = { .iov = iov, .iovcnt = (int)mh.msg_iovlen, .flags = flags };
	if (r == 0 && mh.msg_namelen)
		r = read_sockaddr(t, (uint64_t)(uintptr_t)mh.msg_name, mh.msg_namelen, &m.name, &m.namelen);
	if (r == 0 && mh.msg_controllen) {
		if (mh.msg_controllen > INT_MAX || mh.msg_controllen > SOCKET_OPTMEM_MAX)
			r = -ENOBUFS;
		else if (!(cbuf = malloc(mh.msg_controllen)) || !(ctl = calloc(1, sizeof(*ctl))))
			r = -ENOMEM;
		else if ((r = guest_read(t, (uint64_t)(uintptr_t)mh.msg_control, cbuf, mh.msg_controllen)) == 0)
			r = control_decode(t, cbuf, mh.msg_controllen, ctl);
	}
	if (r == 0) {
		m.control = ctl;
		r = do_send(t, ev, sk, &m);
	}
	if (ctl)
		control_put(ctl);
	free(ctl);
	free(cbuf);
	free(iov);
	return r;
}

SYSCALL(sendmsg)
{
	struct socket *sk;
	if (ev->args[2] & MSG_CMSG_COMPAT)
		return -EINVAL;
	long r = socket_fd(t, (int)ev->args[0], &sk);
	return r < 0 ? r : send_msghdr(t, ev, sk, ev->args[1], (int)ev->args[2]);
}

/* As Linux's __sys_sendmmsg: messages in turn, each one's length written back; an error
   after the first ends the batch with the count so far. Only the first may wait (a handler
   that waits is run again from the start, which must not send a message twice). */
SYSCALL(sendmmsg)
{
	struct socket *sk;
	unsigned vlen = (unsigned)ev->args[2];
	int flags = (int)ev->args[3];
	if (flags & MSG_CMSG_COMPAT)
		return -EINVAL;
	long r = socket_fd(t, (int)ev->args[0], &sk);
	if (r < 0)
		return r;
	if (vlen > UIO_MAXIOV)
		vlen = UIO_MAXIOV;
	unsigned sent = 0;
	for (; sent < vlen; sent++) {
		uint64_t umsg = ev->args[1] + sent * sizeof(struct mmsghdr);
		r = send_msghdr(t, ev, sk, umsg, sent ? flags | MSG_DONTWAIT : flags);
		if (!transferred(r))
			break;
		unsigned len = (unsigned)r;
		r = guest_write(t, umsg + offsetof(struct mmsghdr, msg_len), &len, sizeof(len));
		if (r < 0)
			break;
	}
	return sent ? (long)sent : r;
}

/* Writes what came with a message as cmsgs into the guest's control buffer, as Linux's
   put_cmsg and scm_detach_fds do: credentials, then as many fds as fit (the rest are
   dropped, MSG_CTRUNC). Returns the bytes used. */
static long control_encode(struct task *t, struct syscall_event *ev, struct socket_control *ctl,
			   uint64_t ubuf, size_t ulen, bool cloexec, int *flags)
{
	size_t used = 0;
	if (ctl->has_creds) {
		union {
			char b[CMSG_SPACE(sizeof(struct ucred))];
			struct cmsghdr h;
		} c = { .h = { .cmsg_len = CMSG_LEN(sizeof(struct ucred)), .cmsg_level = SOL_SOCKET,
			       .cmsg_type = SCM_CREDENTIALS } };
		memcpy(CMSG_DATA(&c.h), &ctl->creds, sizeof(ctl->creds));
		if (ulen < sizeof(struct cmsghdr)) {
			*flags |= MSG_CTRUNC;
		} else {
			size_t n = CMSG_LEN(sizeof(struct ucred));
			if (n > ulen) {
				*flags |= MSG_CTRUNC;
				n = ulen;
			}
			long r = guest_write(t, ubuf, c.b, n);
			if (r < 0)
				return r;
			used = CMSG_SPACE(sizeof(struct ucred)) < ulen ? CMSG_SPACE(sizeof(struct ucred)) : ulen;
		}
	}
	if (ctl->host_len) {
		/* Laid out by the host for a buffer no larger than the guest's (put_cmsg's
		   truncation and MSG_CTRUNC included), so it fits. */
		size_t n = ctl->host_len < ulen - used ? ctl->host_len : ulen - used;
		long r = guest_write(t, ubuf + used, ctl->host_cmsgs, n);
		if (r < 0)
			return r;
		used += n;
	}
	if (!ctl->nrights)
		return (long)used;
	size_t room = ulen - used;
	int fit = room > sizeof(struct cmsghdr) ? (int)((room - sizeof(struct cmsghdr)) / sizeof(int)) : 0;
	if (fit > ctl->nrights)
		fit = ctl->nrights;
	int fds[SOCKET_MAX_RIGHTS];
	/* The buffer must take the cmsg before any fd is installed (fds withdrawn afterwards
	   would leave pending installs naming host fds that are gone by the answer). */
	static const char zeros[CMSG_LEN(sizeof(int) * SOCKET_MAX_RIGHTS)];
	if (fit) {
		long r = guest_write(t, ubuf + used, zeros, CMSG_LEN(sizeof(int) * (size_t)fit));
		if (r < 0)
			return r;
	}
	int n = 0;
	for (; n < fit; n++) {
		int fd = fd_install(t, ev, ctl->rights[n], cloexec, 0);
		if (fd < 0)
			break;
		fds[n] = fd;
	}
	if (n < ctl->nrights)
		*flags |= MSG_CTRUNC;
	if (n) {
		struct cmsghdr h = { .cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n), .cmsg_level = SOL_SOCKET,
				     .cmsg_type = SCM_RIGHTS };
		long r = guest_write(t, ubuf + used, &h, sizeof(h));
		if (r == 0)
			r = guest_write(t, ubuf + used + CMSG_LEN(0), fds, sizeof(int) * (size_t)n);
		if (r < 0) {
			for (int i = 0; i < n; i++)
				fd_withdraw(t, ev, fds[i]);
			return r;
		}
		size_t sp = CMSG_SPACE(sizeof(int) * (size_t)n);
		used += sp < room ? sp : room;
	}
	return (long)used;
}

static long do_recv(struct task *t, struct syscall_event *ev, struct socket *sk, struct socket_msg *m)
{
	int passcred = 0;
	socklen_t len = sizeof(passcred);
	long r = check_iov(m->iov, m->iovcnt);
	if (r < 0)
		return r;
	m->nonblock = (m->flags & MSG_DONTWAIT) || socket_nonblocking(sk->file);
	if (m->control && sk->ops->getsockopt(sk, SOL_SOCKET, SO_PASSCRED, &passcred, &len) == 0)
		m->want_creds = passcred;
	return socket_transfer(t, ev, sk, m, false);
}

SYSCALL(recvfrom)
{
	struct socket *sk;
	uint64_t uaddr = ev->args[4], ulenp = ev->args[5];
	long r = socket_fd(t, (int)ev->args[0], &sk);
	if (r < 0)
		return r;
	if (!uaddr && sk->ops->native_recv(sk))
		return SYSCALL_CONTINUE;
	size_t len = ev->args[2] > MAX_RW_COUNT ? MAX_RW_COUNT : (size_t)ev->args[2];
	struct iovec one = { (void *)(uintptr_t)ev->args[1], len };
	struct socket_msg m = { .iov = &one, .iovcnt = 1, .flags = (int)ev->args[3] };
	r = do_recv(t, ev, sk, &m);
	if (!transferred(r) || !uaddr)
		return r;
	long w = write_sockaddr(t, &m.name, m.namelen, uaddr, ulenp);
	return w < 0 ? w : r;
}

/* One message of recvmsg or recvmmsg, its msghdr at umsg: the bytes received, with the
   name, control messages and flags written back. */
static long recv_msghdr(struct task *t, struct syscall_event *ev, struct socket *sk, uint64_t umsg, int flags)
{
	struct msghdr mh;
	struct iovec *iov;
	struct socket_control *ctl = NULL;
	long r = read_msghdr(t, umsg, &mh, &iov);
	struct socket_msg m = { .iov = iov, .iovcnt = (int)mh.msg_iovlen, .flags = flags };
	if (r == 0 && !(ctl = calloc(1, sizeof(*ctl))))
		r = -ENOMEM;
	if (r == 0) {
		ctl->host_room = mh.msg_control ? mh.msg_controllen : 0;
		m.control = ctl;
		r = do_recv(t, ev, sk, &m);
	}
	if (transferred(r)) {
		int oflags = m.flags;
		long used = control_encode(t, ev, ctl, (uint64_t)(uintptr_t)mh.msg_control,
					   mh.msg_controllen, flags & MSG_CMSG_CLOEXEC, &oflags);
		long w = used < 0 ? used : 0;
		if (w == 0 && mh.msg_name)
			w = write_sockaddr(t, &m.name, m.namelen, (uint64_t)(uintptr_t)mh.msg_name,
					   umsg + offsetof(struct msghdr, msg_namelen));
		if (w == 0) {
			size_t cl = (size_t)used;
			w = guest_write(t, umsg + offsetof(struct msghdr, msg_controllen), &cl, sizeof(cl));
		}
		if (w == 0)
			w = guest_write(t, umsg + offsetof(struct msghdr, msg_flags), &oflags, sizeof(oflags));
		if (w < 0)
			r = w;
	}
	if (ctl)
		control_put(ctl);
	free(ctl);
	free(iov);
	return r;
}

SYSCALL(recvmsg)
{
	struct socket *sk;
	int flags = (int)ev->args[2];
	if (flags & MSG_CMSG_COMPAT)
		return -EINVAL;
	long r = socket_fd(t, (int)ev->args[0], &sk);
	return r < 0 ? r : recv_msghdr(t, ev, sk, ev->args[1], flags);
}

static int64_t timespec_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

/* As Linux's do_recvmmsg: messages in turn, each one's length written back; the count so far
   when an error follows the first, or an out-of-band message; with a timeout, the batch ends
   once it has run out (checked after each message, as Linux does: it does not bound a wait)
   and what is left of it is written back. Only the first message may wait (a handler that
   waits is run again from the start, which must not lose a message received): the rest of
   the batch is what is queued by then, as under MSG_WAITFORONE. */
SYSCALL(recvmmsg)
{
	struct socket *sk;
	unsigned vlen = (unsigned)ev->args[2];
	int flags = (int)ev->args[3];
	uint64_t utimeout = ev->args[4];
	struct timespec timeout = { 0 }, start, now;
	if (flags & MSG_CMSG_COMPAT)
		return -EINVAL;
	long r = socket_fd(t, (int)ev->args[0], &sk);
	if (r < 0)
		return r;
	if (utimeout) {
		if ((r = guest_read(t, utimeout, &timeout, sizeof(timeout))) < 0)
			return r;
		if (timeout.tv_sec < 0 || timeout.tv_nsec < 0 || timeout.tv_nsec >= 1000000000)
			return -EINVAL;
		clock_gettime(CLOCK_MONOTONIC, &start);
	}
	if (vlen > UIO_MAXIOV)
		vlen = UIO_MAXIOV;
	unsigned got = 0;
	struct timespec rem = timeout;
	while (got < vlen) {
		uint64_t umsg = ev->args[1] + got * sizeof(struct mmsghdr);
		int oflags;
		r = recv_msghdr(t, ev, sk, umsg, got ? flags | MSG_DONTWAIT : flags);
		if (!transferred(r))
			break;
		unsigned len = (unsigned)r;
		r = guest_write(t, umsg + offsetof(struct mmsghdr, msg_len), &len, sizeof(len));
		if (r == 0)
			r = guest_read(t, umsg + offsetof(struct mmsghdr, msg_hdr.msg_flags), &oflags, sizeof(oflags));
		if (r < 0)
			break;
		got++;
		if (utimeout) {
			/* In seconds and nanoseconds: a guest's huge tv_sec would overflow as ns. */
			clock_gettime(CLOCK_MONOTONIC, &now);
			int64_t elapsed = timespec_ns(&now) - timespec_ns(&start);
			rem.tv_sec = timeout.tv_sec - elapsed / 1000000000;
			rem.tv_nsec = timeout.tv_nsec - elapsed % 1000000000;
			if (rem.tv_nsec < 0) {
				rem.tv_nsec += 1000000000;
				rem.tv_sec--;
			}
			if (rem.tv_sec < 0 || (rem.tv_sec == 0 && rem.tv_nsec == 0)) {
				rem.tv_sec = rem.tv_nsec = 0;
				break;
			}
		}
		if (oflags & MSG_OOB)
			break;
	}
	if (!got)
		return r;
	if (utimeout) {
		if (guest_write(t, utimeout, &rem, sizeof(rem)) < 0)
			return -EFAULT;
	}
	return (long)got;
}

/* --- options --- */

#define SOCKOPT_MAX 256	/* the largest value the sentry copies (TCP_INFO fits) */

SYSCALL(getsockopt)
{
	struct socket *sk;
	int level = (int)ev->args[1], name = (int)ev->args[2];
	uint64_t uval = ev->args[3], ulenp = ev->args[4];
	int len;
	char val[SOCKOPT_MAX] = { 0 };
	long r = socket_fd(t, (int)ev->args[0], &sk);
	if (r < 0)
		return r;
	if ((r = guest_read(t, ulenp, &len, sizeof(len))) < 0)
		return r;
	if (len < 0)
		return -EINVAL;
	socklen_t vlen = (size_t)len < sizeof(val) ? (socklen_t)len : sizeof(val);
	if ((r = sk->ops->getsockopt(sk, level, name, val, &vlen)) < 0)
		return r;
	int copy = (socklen_t)len > vlen ? (int)vlen : len;
	if (copy > SOCKOPT_MAX)
		copy = SOCKOPT_MAX;
	if ((r = guest_write(t, uval, val, (size_t)copy)) < 0)
		return r;
	len = level != SOL_SOCKET ? (int)vlen : copy;
	return guest_write(t, ulenp, &len, sizeof(len));
}

SYSCALL(setsockopt)
{
	struct socket *sk;
	int level = (int)ev->args[1], name = (int)ev->args[2];
	int len = (int)ev->args[4];
	char val[SOCKOPT_MAX] = { 0 };
	long r = socket_fd(t, (int)ev->args[0], &sk);
	if (r < 0)
		return r;
	if (len < 0)
		return -EINVAL;
	size_t n = (size_t)len < sizeof(val) ? (size_t)len : sizeof(val);
	if ((r = guest_read(t, ev->args[3], val, n)) < 0)
		return r;
	return sk->ops->setsockopt(t, sk, level, name, val, (socklen_t)n);
}
