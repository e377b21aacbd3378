/* Sockets: the sandbox has no network stack yet and offers no socket family. Creating a
   socket fails as on a kernel built without the family (EAFNOSUPPORT), which programs that
   probe for one (shadow's useradd for audit netlink, glibc's nscd client) take in their
   stride; ENOSYS would tell them the syscall itself is missing. */
#define _GNU_SOURCE
#include "sentry/syscalls/syscalls.h"
#include "common/log.h"

#include <errno.h>
#include <sys/socket.h>

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

static long socket_refused(int family, int type)
{
	if (type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC | 0xf))
		return -EINVAL;
	log_family_refused(family);
	return -EAFNOSUPPORT;
}

SYSCALL(socket)
{
	(void)t;
	return socket_refused((int)ev->args[0], (int)ev->args[1]);
}

SYSCALL(socketpair)
{
	(void)t;
	return socket_refused((int)ev->args[0], (int)ev->args[1]);
}
