#define _GNU_SOURCE
#include "platform/notif.h"
#include "common/log.h"

#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <linux/seccomp.h>

static int notif_addfd(int listener, uint64_t id, const struct fd_install *in, uint32_t flags)
{
	struct seccomp_notif_addfd a = {
		.id = id,
		.flags = SECCOMP_ADDFD_FLAG_SETFD | flags,
		.srcfd = (uint32_t)in->host_fd,
		.newfd = (uint32_t)in->guest_fd,
		.newfd_flags = in->cloexec ? O_CLOEXEC : 0,
	};
	return ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &a) < 0 ? -errno : 0;
}

int notif_install(int listener, uint64_t id, const struct fd_install *installs, int n)
{
	for (int i = 0; i < n; i++) {
		int r = notif_addfd(listener, id, &installs[i], 0);
		if (r == -ENOENT)
			return r;
		if (r < 0) {
			/* The host refused the fd (its limits): the guest gets the error. */
			log_warn("installing fd %d in the guest: %s", installs[i].guest_fd, strerror(-r));
			return r;
		}
	}
	return 0;
}

int notif_send(int listener, uint64_t id, bool cont, long result)
{
	struct seccomp_notif_resp resp = { .id = id };
	if (cont)
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	else if (result < 0 && result >= -4095)
		resp.error = (int32_t)result;
	else
		resp.val = result;
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) == 0)
		return 0;
	/* ENOENT: the guest thread was interrupted or died; the host restarts or forgets it. */
	if (errno != ENOENT)
		log_warn("answering a notification: %m");
	return -ENOENT;
}

int notif_answer(int listener, uint64_t id, const struct fd_install *installs, int n, bool cont,
		 long result)
{
	int r = 0;
	if (n > 0 && !cont && result == installs[n - 1].guest_fd) {
		r = notif_install(listener, id, installs, n - 1);
		if (r == 0) {
			r = notif_addfd(listener, id, &installs[n - 1], SECCOMP_ADDFD_FLAG_SEND);
			if (r == 0 || r == -ENOENT)
				return r;
			log_warn("installing fd %d in the guest: %s", installs[n - 1].guest_fd, strerror(-r));
		}
	} else {
		r = notif_install(listener, id, installs, n);
	}
	if (r == -ENOENT)
		return r;
	return r < 0 ? notif_send(listener, id, false, r) : notif_send(listener, id, cont, result);
}
