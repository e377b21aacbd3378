/* The seccomp user-notification back end: receiver threads take notifications off the
   listener and hand them to the sentry; answers and fd installs are ioctls on the listener. */
#define _GNU_SOURCE
#include "platform/platform.h"
#include "platform/marker.h"
#include "platform/notif.h"
#include "common/log.h"

#include <errno.h>
#include <poll.h>
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

/* Nobody is left to send a notification: every process under the listener's filter is gone
   (a receive then fails with ENOENT at once, as for a notification whose thread died). */
static bool listener_orphaned(int listener)
{
	struct pollfd pfd = { listener, POLLIN, 0 };
	return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLHUP);
}

struct receiver {
	struct platform *p;
	int listener;
};

static void *unotify_receiver(void *arg)
{
	struct receiver rcv = *(struct receiver *)arg;
	/* The ioctl number encodes the struct's size: the kernel copies exactly this much. */
	struct seccomp_notif notif, *req = &notif;

	free(arg);
	for (;;) {
		memset(req, 0, sizeof(*req));
		if (ioctl(rcv.listener, SECCOMP_IOCTL_NOTIF_RECV, req) < 0) {
			if (errno == EINTR || (errno == ENOENT && !listener_orphaned(rcv.listener)))
				continue;
			break;
		}
		struct syscall_event ev = {
			.host_tid = (pid_t)req->pid,
			.nr = req->data.nr,
			.ip = req->data.instruction_pointer,
			.notif_id = req->id,
			.listener = rcv.listener,
			.platform = rcv.p,
			.ops = &unotify_platform_ops,
		};
		memcpy(ev.args, req->data.args, sizeof(ev.args));
		if (marker_is(ev.nr, ev.args))
			marker_serve(rcv.listener, req);
		else
			sentry_handle_syscall(&ev);
	}
	log_debug("listener %d: no process left under it", rcv.listener);
	close(rcv.listener);
	return NULL;
}

int unotify_start(struct platform *p, int listener)
{
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) == 0)
		p->sync_wakeup = true;
	log_debug("receiving notifications on fd %d, synchronous wake-up: %s", listener,
		  p->sync_wakeup ? "yes" : "no (the kernel lacks it)");
	/* One receiver per listener. A second one waiting on the same listener doubles the cost
	   of every trap here (4.6 us -> 10 us per getpid: the wake-up no longer lands on the
	   guest's CPU), and handlers run under the kernel lock anyway; a handler that must wait
	   moves to a thread of its own. */
	struct receiver *rcv = malloc(sizeof(*rcv));
	if (!rcv)
		return -ENOMEM;
	*rcv = (struct receiver){ p, listener };
	pthread_t th;
	int r = pthread_create(&th, NULL, unotify_receiver, rcv);
	if (r) {
		free(rcv);
		return log_errno(-r, "starting the notification receiver");
	}
	pthread_detach(th);
	return 0;
}
