/* The seccomp user-notification back end: receiver threads take notifications off the
   listener and hand them to the sentry; answers and fd installs are ioctls on the listener. */
#define _GNU_SOURCE
#include "platform/platform.h"
#include "platform/marker.h"
#include "platform/notif.h"
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


static int unotify_answer(struct syscall_event *ev, long result)
{
	int r = notif_answer(ev->listener, ev->notif_id, ev->installs, ev->ninstalls,
			     result == SYSCALL_CONTINUE, result);
	ev->ninstalls = 0;
	return r;
}

/* Installs wait for the answer (see notif_answer); the file, and so its host fd, stays in the
   table until then: the answer comes before the kernel lock is released. */
static int unotify_install_fd(struct syscall_event *ev, int host_fd, int guest_fd, bool cloexec)
{
	if (ev->ninstalls >= PLATFORM_MAX_INSTALLS)
		return -EMFILE;
	ev->installs[ev->ninstalls++] = (struct fd_install){ host_fd, guest_fd, cloexec };
	return 0;
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
	log_debug("receiving notifications on fd %d, synchronous wake-up: %s", p->listener,
		  p->sync_wakeup ? "yes" : "no (the kernel lacks it)");
	/* One receiver. A second one waiting on the same listener doubles the cost of every
	   trap here (4.6 us -> 10 us per getpid: the wake-up no longer lands on the guest's CPU),
	   and handlers run under the kernel lock anyway; a handler that must wait moves to a
	   thread of its own. */
	pthread_t th;
	int r = pthread_create(&th, NULL, unotify_receiver, p);
	if (r)
		return log_errno(-r, "starting the notification receiver");
	pthread_detach(th);
	return 0;
}
