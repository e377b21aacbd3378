/* The seccomp user-notification back end: receiver threads take notifications off the
   listener and hand them to the sentry; answers and fd installs are ioctls on the listener. */
#define _GNU_SOURCE
#include "platform/platform.h"
#include "platform/marker.h"
#include "platform/notif.h"
#include "common/log.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
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

/* Nobody is left to send a notification: every process under the listener's filter is gone
   (a receive then fails with ENOENT at once, as for a notification whose thread died). */
static bool listener_orphaned(int listener)
{
	struct pollfd pfd = { listener, POLLIN, 0 };
	return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLHUP);
}

/* A listener's receivers share it; the last to stop closes it. */
struct listener_ref {
	int listener;
	pthread_mutex_t lock;
	int users;		/* receivers */
	int slow;		/* receivers busy with slow work (slow_begin) */
	int extra;		/* receivers started for them */
};

struct receiver {
	struct platform *p;
	struct listener_ref *ref;
	bool extra;		/* ends once the slow work it stood in for is over */
	struct receiver *next;	/* in a starter's queue */
};

static void listener_put(struct listener_ref *ref)
{
	pthread_mutex_lock(&ref->lock);
	bool last = --ref->users == 0;
	pthread_mutex_unlock(&ref->lock);
	if (last) {
		log_debug("listener %d: no process left under it", ref->listener);
		close(ref->listener);
		pthread_mutex_destroy(&ref->lock);
		free(ref);
	}
}

/* An extra receiver that is no longer needed stops (after the notification it took). */
static bool receiver_retires(struct receiver *rcv)
{
	if (!rcv->extra)
		return false;
	pthread_mutex_lock(&rcv->ref->lock);
	bool retire = rcv->ref->extra > rcv->ref->slow;
	if (retire)
		rcv->ref->extra--;
	pthread_mutex_unlock(&rcv->ref->lock);
	return retire;
}

static void *unotify_receiver(void *arg)
{
	struct receiver rcv = *(struct receiver *)arg;
	int listener = rcv.ref->listener;
	/* The ioctl number encodes the struct's size: the kernel copies exactly this much. */
	struct seccomp_notif notif, *req = &notif;

	free(arg);
	for (;;) {
		memset(req, 0, sizeof(*req));
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, req) < 0) {
			if (errno == EINTR || (errno == ENOENT && !listener_orphaned(listener)))
				continue;
			break;
		}
		struct syscall_event ev = {
			.host_tid = (pid_t)req->pid,
			.nr = req->data.nr,
			.ip = req->data.instruction_pointer,
			.notif_id = req->id,
			.listener = listener,
			.receivers = rcv.ref,
			.platform = rcv.p,
			.ops = &unotify_platform_ops,
		};
		memcpy(ev.args, req->data.args, sizeof(ev.args));
		if (marker_is(ev.nr, ev.args))
			marker_serve(listener, req);
		else
			sentry_handle_syscall(&ev);
		if (receiver_retires(&rcv))
			break;
	}
	listener_put(rcv.ref);
	return NULL;
}

static int receiver_create(struct receiver *rcv)
{
	pthread_t th;
	int r = pthread_create(&th, NULL, unotify_receiver, rcv);
	if (r) {
		listener_put(rcv->ref);
		free(rcv);
		return log_errno(-r, "starting a notification receiver");
	}
	pthread_detach(th);
	return 0;
}

/* A receiver about to work without the kernel lock for long (a copy-up) is one fewer
   waiting for the listener's other guest threads: while there are fewer extra receivers
   than such ones, another starts (on the same CPU, whose affinity it inherits). */
static void unotify_slow_begin(struct syscall_event *ev)
{
	struct listener_ref *ref = ev->receivers;
	pthread_mutex_lock(&ref->lock);
	bool start = ++ref->slow > ref->extra;
	if (start) {
		ref->extra++;
		ref->users++;
	}
	pthread_mutex_unlock(&ref->lock);
	if (!start)
		return;
	struct receiver *rcv = malloc(sizeof(*rcv));
	if (rcv) {
		*rcv = (struct receiver){ ev->platform, ref, true, NULL };
		if (receiver_create(rcv) == 0)
			return;
	} else {
		listener_put(ref);
	}
	pthread_mutex_lock(&ref->lock);
	ref->extra--;
	pthread_mutex_unlock(&ref->lock);
}

static void unotify_slow_end(struct syscall_event *ev)
{
	struct listener_ref *ref = ev->receivers;
	pthread_mutex_lock(&ref->lock);
	ref->slow--;
	pthread_mutex_unlock(&ref->lock);
}

const struct platform_ops unotify_platform_ops = {
	.name = "unotify",
	.install_fd = unotify_install_fd,
	.answer = unotify_answer,
	.event_valid = unotify_event_valid,
	.slow_begin = unotify_slow_begin,
	.slow_end = unotify_slow_end,
};

/* Receivers are per CPU: one pinned to each CPU the sentry may use, every listener. The
   kernel wakes every receiver waiting on a listener, and the one waiting on the trapping
   thread's CPU runs there at once (SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP: the guest thread
   sleeps as it wakes), so a guest's trap stays on its CPU and guests on other CPUs are
   served at the same time. Unpinned, two receivers doubled the cost of a trap here (4.6 us
   -> 10 us per getpid: both woken, the one that took it was often on the other CPU).
   Pinning is sched_setaffinity, which the sentry's allow-list leaves out: a starter thread
   per CPU, pinned before the sentry confines itself, creates that CPU's receivers (a thread
   inherits its creator's affinity). */
struct starter {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct receiver *queue;
};

static struct starter *starters;
static int nstarters;

static void *starter_main(void *arg)
{
	struct starter *st = arg;
	for (;;) {
		pthread_mutex_lock(&st->lock);
		while (!st->queue)
			pthread_cond_wait(&st->cond, &st->lock);
		struct receiver *rcv = st->queue;
		st->queue = rcv->next;
		pthread_mutex_unlock(&st->lock);
		receiver_create(rcv);
	}
	return NULL;
}

int unotify_prepare_receivers(void)
{
	cpu_set_t cpus;
	if (sched_getaffinity(0, sizeof(cpus), &cpus) < 0 || CPU_COUNT(&cpus) < 2)
		return 0;
	int n = CPU_COUNT(&cpus) < UNOTIFY_MAX_RECEIVERS ? CPU_COUNT(&cpus) : UNOTIFY_MAX_RECEIVERS;
	starters = calloc((size_t)n, sizeof(*starters));
	if (!starters)
		return -ENOMEM;
	for (int cpu = 0; cpu < CPU_SETSIZE && nstarters < n; cpu++) {
		if (!CPU_ISSET(cpu, &cpus))
			continue;
		struct starter *st = &starters[nstarters];
		pthread_mutex_init(&st->lock, NULL);
		pthread_cond_init(&st->cond, NULL);
		cpu_set_t one;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&attr, 64 * 1024);
		int r = pthread_attr_setaffinity_np(&attr, sizeof(one), &one);
		pthread_t th;
		if (r == 0)
			r = pthread_create(&th, &attr, starter_main, st);
		pthread_attr_destroy(&attr);
		if (r)
			return log_errno(-r, "starting the receiver starter for CPU %d", cpu);
		nstarters++;
	}
	log_debug("notification receivers: one per CPU, %d CPUs", nstarters);
	return 0;
}

int unotify_start(struct platform *p, int listener)
{
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) == 0)
		p->sync_wakeup = true;
	log_debug("receiving notifications on fd %d, synchronous wake-up: %s", listener,
		  p->sync_wakeup ? "yes" : "no (the kernel lacks it)");
	int n = nstarters ? nstarters : 1;
	struct listener_ref *ref = malloc(sizeof(*ref));
	struct receiver *rcv[UNOTIFY_MAX_RECEIVERS];
	int made = 0;
	for (; ref && made < n && (rcv[made] = malloc(sizeof(**rcv))); made++)
		;
	if (made < n) {
		while (made > 0)
			free(rcv[--made]);
		free(ref);
		return -ENOMEM;
	}
	*ref = (struct listener_ref){ .listener = listener, .users = n };
	pthread_mutex_init(&ref->lock, NULL);
	for (int i = 0; i < n; i++)
		*rcv[i] = (struct receiver){ p, ref, false, NULL };
	if (!nstarters)
		return receiver_create(rcv[0]);
	for (int i = 0; i < n; i++) {
		struct starter *st = &starters[i];
		pthread_mutex_lock(&st->lock);
		rcv[i]->next = st->queue;
		st->queue = rcv[i];
		pthread_cond_signal(&st->cond);
		pthread_mutex_unlock(&st->lock);
	}
	return 0;
}
