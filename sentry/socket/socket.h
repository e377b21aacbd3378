/* Sockets: one struct socket per socket object (the open file's priv), with an ops table per
   family (unix.c, inet.c, netlink.c; the families are a table in socket.c). sys_socket.c decodes the guest's arguments
   (addresses, msghdr, control messages) into sentry buffers and calls the ops; the ops move
   data between guest memory and host objects the sentry made. */
#ifndef RUNSCC_SENTRY_SOCKET_H
#define RUNSCC_SENTRY_SOCKET_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/uio.h>

struct task;
struct file;
struct syscall_event;
struct socket;

#define SOCKET_MAX_RIGHTS 253		/* SCM_MAX_FD */

#define SOCKET_HOST_CMSG_MAX 512	/* IP-level control messages of one received message */

/* The ancillary data of one message, in the sentry's terms: files (references held) and
   credentials in virtual ids; the control messages of protocol levels as sent (the family
   checks them), and on receipt those the host made (IP_PKTINFO, timestamps...) that the
   family checked, laid out for a buffer of host_room bytes. */
struct socket_control {
	struct file *rights[SOCKET_MAX_RIGHTS];
	int nrights;
	bool has_creds;
	struct ucred creds;
	size_t host_room;		/* recv: the guest's control buffer size (in) */
	size_t host_len;		/* bytes of host_cmsgs */
	char host_cmsgs[SOCKET_HOST_CMSG_MAX];
};

/* One sendmsg or recvmsg: data in guest iovecs, the rest decoded. */
struct socket_msg {
	const struct iovec *iov;	/* guest addresses */
	int iovcnt;
	struct sockaddr_storage name;	/* send: destination; recv: source */
	socklen_t namelen;		/* 0: none */
	int flags;			/* MSG_*; recv: msg_flags out */
	struct socket_control *control;	/* send: what to attach; recv: what came (may be NULL) */
	bool want_creds;		/* recv: SO_PASSCRED was on */
	bool nonblock;			/* O_NONBLOCK or MSG_DONTWAIT */
};

struct socket_ops {
	int (*bind)(struct task *t, struct socket *sk, const struct sockaddr_storage *a, socklen_t len);
	int (*listen)(struct task *t, struct syscall_event *ev, struct socket *sk, int backlog);
	/* 0, -errno, or what a waiting handler answers (SYSCALL_BLOCK, a restart). */
	long (*connect)(struct task *t, struct syscall_event *ev, struct socket *sk,
			const struct sockaddr_storage *a, socklen_t len);
	/* A queued connection as a new open file, or -EAGAIN (nothing queued yet). */
	int (*accept)(struct task *t, struct socket *sk, struct file **out);
	/* Bytes sent or received, -EAGAIN when it would wait, -errno. */
	long (*sendmsg)(struct task *t, struct socket *sk, struct socket_msg *m);
	long (*recvmsg)(struct task *t, struct socket *sk, struct socket_msg *m);
	/* The host fd to wait on for recvmsg/sendmsg to make progress (-1: none). */
	int (*wait_fd)(struct socket *sk, bool send);
	int (*getname)(struct socket *sk, bool peer, struct sockaddr_storage *a, socklen_t *len);
	int (*shutdown)(struct socket *sk, int how);
	/* *len in: the guest's buffer size (at most the sentry's buffer), out: the value's. */
	int (*getsockopt)(struct socket *sk, int level, int name, void *val, socklen_t *len);
	int (*setsockopt)(struct task *t, struct socket *sk, int level, int name, const void *val,
			  socklen_t len);
	/* May read, write, recvfrom and sendto without an address run natively on the mirror? */
	bool (*native_recv)(struct socket *sk);
	bool (*native_send)(struct socket *sk);
	void (*release)(struct socket *sk);
};

struct socket {
	const struct socket_ops *ops;
	struct file *file;		/* the open file it belongs to (no reference) */
	int family;
	int type;
};

/* The socket behind an open file, or NULL when it is not one. */
struct socket *socket_of(struct file *f);
/* A new open file for sk (S_IFSOCK inode), O_RDWR | nonblock_flag. */
struct file *socket_file_new(struct socket *sk, int flags);
/* Is the open file's O_NONBLOCK set (where it is kept: the host description of a mirror whose
   reads run natively, else the sentry's)? */
bool socket_nonblocking(struct file *f);
/* The open file's host object changes (a socket connects or listens): the guest's fds for it
   in t's table are mirrored again; the status flags go to the new host description. */
int socket_rebind_host(struct task *t, struct syscall_event *ev, struct file *f, int host_fd);

/* A new socket of the family (type without flags; flags: O_NONBLOCK), or -EAFNOSUPPORT. */
int socket_create(struct task *t, int family, int type, int protocol, int flags, struct file **out);
/* socketpair(2) of the family: AF_UNIX only, as Linux. */
int socket_pair_create(struct task *t, int family, int type, int protocol, int flags, struct file *out[2]);
/* One slice of a handler's wait for host fd (events), which a signal ends: SYSCALL_NOT_YET to
   try again, else the handler's answer (SYSCALL_BLOCK, or an interrupted wait's). seen:
   t->interrupts when the wait began. The kernel lock is let go meanwhile: the caller holds a
   reference to the socket's open file (the guest may close its fd). */
long socket_wait_host(struct task *t, struct syscall_event *ev, int fd, short events, unsigned seen);
/* Bytes in the guest's iovecs, at most cap; up to len of them gathered into buf. */
size_t socket_iov_total(const struct iovec *iov, int iovcnt, size_t cap);
long socket_gather(struct task *t, const struct iovec *iov, int iovcnt, char *buf, size_t len);
/* The device requests every socket answers (SIOCGIFINDEX, SIOCGIFCONF...: Linux's dev_ioctl),
   from the sandbox's network namespace (netlink.c); ENOTTY for others. */
long socket_dev_ioctl(unsigned int cmd, uint64_t arg);
/* An ifreq request on host socket fd with the sentry's copy of the guest's; a change is not
   written back and has the egress policy's own peers checked again. */
long socket_ifreq_ioctl(int fd, unsigned int cmd, uint64_t arg, bool change);
/* May t change the sandbox's network namespace? CAP_NET_ADMIN in t and kept by the sentry. */
bool socket_net_admin(struct task *t);

/* AF_UNIX. */
int unix_socket_create(struct task *t, int type, int flags, struct file **out);
int unix_socketpair_create(struct task *t, int type, int flags, struct file *out[2]);
/* /proc/net/unix: every unix socket of the sandbox. */
void unix_proc_list(FILE *m);

/* AF_INET, AF_INET6: host sockets in the sandbox's network namespace (inet.c). */
int inet_socket_create(struct task *t, int family, int type, int protocol, int flags, struct file **out);
/* The sandbox's egress policy (common/egress.h text; NULL or "": none). */
int inet_egress_init(const char *policy);
/* Its host names, if it has any: resolved now (the nameservers of init's /etc/resolv.conf)
   and kept fresh by a thread of the sentry's. */
int inet_egress_hosts_start(struct task *init);
/* After a guest's change to the namespace: sockets connected to one of its own addresses
   that is no longer its own are disconnected. */
void inet_egress_recheck(void);
/* When the sentry keeps CAP_NET_ADMIN: what the host would then allow the sentry that Linux
   allows only a caller with it, read at boot (before the sentry confines itself). */
void inet_net_admin_init(void);
/* Host names of a policy (egress_hosts.c): the nameservers become rules of p. */
struct egress_policy;
int egress_hosts_start(struct task *init, struct egress_policy *p);
/* Is a (with its port) an address a host name of the policy resolved to? */
bool egress_hosts_allow(const struct sockaddr *a, socklen_t len);
/* AF_NETLINK: NETLINK_ROUTE answered from the sandbox's network namespace, which the sentry
   asks on a socket netlink_host_open makes before the sentry confines itself. */
int netlink_host_open(uint64_t guest_caps, bool netns_own);
/* Did the sentry keep CAP_NET_ADMIN: guest_caps (init's sets) had it, and the namespace is
   the sandbox's own (not the host's, which the CLI's caller is in)? */
bool netlink_net_admin_kept(void);
/* Starts the reader of the namespace's notifications (after the sentry confined itself). */
int netlink_events_start(void);
/* netlink_change.c: the links present at boot (never deleted by a guest), and the checks of
   a change request (-errno to refuse it; host_fd: a socket in the namespace). */
void rtnl_change_boot_links(void);
struct nlmsghdr;
int rtnl_change_check(int host_fd, const struct nlmsghdr *req);
int netlink_socket_create(struct task *t, int type, int protocol, int flags, struct file **out);

#endif
