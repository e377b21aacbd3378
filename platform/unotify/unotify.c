/* The seccomp user-notification back end: receiver threads take notifications off the
   listener and hand them to the sentry; answers and fd installs are ioctls on the listener. */
#define _GNU_SOURCE
#include "platform/platform.h"
#include "platform/marker.h"
#include "common/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/seccomp.h>

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

#define UNOTIFY_RECEIVERS 2

static int unotify_answer(struct syscall_event *ev, long result)
{
	struct seccomp_notif_resp resp = { .id = ev->notif_id };

	if (result == SYSCALL_CONTINUE)
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	else if (result < 0 && result >= -4095)
		resp.error = (int32_t)result;
	else
		resp.val = result;
	/* ENOENT: the guest thread was interrupted or died; the host restarts or forgets it. */
	if (ioctl(ev->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) == 0)
		return 0;
	if (errno != ENOENT)
		log_warn("answering syscall %d of host thread %d: %m", ev->nr, ev->host_tid);
	return -ENOENT;
}

static int unotify_install_fd(struct syscall_event *ev, int host_fd, int guest_fd, bool cloexec)
{
	struct seccomp_notif_addfd a = {
		.id = ev->notif_id,
		.flags = SECCOMP_ADDFD_FLAG_SETFD,
		.srcfd = (uint32_t)host_fd,
		.newfd = (uint32_t)guest_fd,
		.newfd_flags = cloexec ? O_CLOEXEC : 0,
	};
	return ioctl(ev->listener, SECCOMP_IOCTL_NOTIF_ADDFD, &a) < 0 ? -errno : 0;
}

static bool unotify_event_valid(struct syscall_event *ev)
{
	return ioctl(ev->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &ev->notif_id) == 0;
}

const struct platform_ops unotify_platform_ops = {
	.name = "unotify",
	.install_fd = unotify_install_fd,
	.answer = unotify_answer,
	.event_valid = unotify_event_valid,
};

static void *unotify_receiver(void *arg)
{
	struct platform *p = arg;
	/* The ioctl number encodes the struct's size: the kernel copies exactly this much. */
	struct seccomp_notif notif, *req = &notif;

	for (;;) {
		memset(req, 0, sizeof(*req));
		if (ioctl(p->listener, SECCOMP_IOCTL_NOTIF_RECV, req) < 0) {
			if (errno == EINTR || errno == ENOENT)
				continue;
			/* The listener goes away only when the last guest thread has. */
			break;
		}
		struct syscall_event ev = {
			.host_tid = (pid_t)req->pid,
			.nr = req->data.nr,
			.ip = req->data.instruction_pointer,
			.notif_id = req->id,
			.listener = p->listener,
			.platform = p,
			.ops = &unotify_platform_ops,
		};
		memcpy(ev.args, req->data.args, sizeof(ev.args));
		if (marker_is(ev.nr, ev.args))
			marker_serve(p->listener, req);
		else
			sentry_handle_syscall(&ev);
	}
	return NULL;
}

int unotify_start(struct platform *p)
{
	if (ioctl(p->listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) == 0)
		p->sync_wakeup = true;
	/* The ptrace back end only needs the listener for markers: one receiver is enough. */
	int n = p->kind == PLATFORM_UNOTIFY ? UNOTIFY_RECEIVERS : 1;
	for (int i = 0; i < n; i++) {
		pthread_t th;
		int r = pthread_create(&th, NULL, unotify_receiver, p);
		if (r)
			return log_errno(-r, "starting a notification receiver");
		pthread_detach(th);
	}
	return 0;
}
