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
	pthread_cond_t wanted_changed;
	int users;		/* receivers */
	int standbys;		/* of them, standby ones */
	bool wanted;		/* the standby ones receive too */
	bool orphaned;		/* no process left under the listener */
	int slow;		/* receivers busy with slow work (slow_begin) */
	int extra;		/* receivers started for them */
};

/* The primary receiver always receives. A standby one (one per CPU) receives only while
   notifications queue up (see unotify_prepare_receivers); an extra one stands in for a
   receiver busy with slow work and ends when that is over. */
enum receiver_kind { RECEIVER_PRIMARY, RECEIVER_STANDBY, RECEIVER_EXTRA };

struct receiver {
	struct platform *p;
	struct listener_ref *ref;
	enum receiver_kind kind;
	struct receiver *next;	/* in a starter's queue */
};

/* Standby receivers start receiving when the primary one found a notification waiting
   after this many answers in a row, and stop after serving this many in a row with none
   waiting. */
#define STANDBY_BUSY_LIMIT 4
#define STANDBY_IDLE_LIMIT 16

static void listener_put(struct listener_ref *ref)
{
	pthread_mutex_lock(&ref->lock);
	bool last = --ref->users == 0;
	pthread_mutex_unlock(&ref->lock);
	if (last) {
		log_debug("listener %d: no process left under it", ref->listener);
		close(ref->listener);
		pthread_mutex_destroy(&ref->lock);
		pthread_cond_destroy(&ref->wanted_changed);
		free(ref);
	}
}

/* Is a notification waiting for a receiver? */
static bool listener_backlogged(int listener)
{
	struct pollfd pfd = { listener, POLLIN, 0 };
	return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN);
}

/* What a receiver does after serving a notification; false: it ends. */
static bool receiver_next(struct receiver *rcv, bool waiting, int *streak)
{
	struct listener_ref *ref = rcv->ref;
	bool go_on = true;
	switch (rcv->kind) {
	case RECEIVER_EXTRA:
		pthread_mutex_lock(&ref->lock);
		go_on = ref->extra <= ref->slow;
		if (!go_on)
			ref->extra--;
		pthread_mutex_unlock(&ref->lock);
		break;
	case RECEIVER_PRIMARY:
		/* Guest threads queue up behind this one (a notification waiting after each of
		   STANDBY_BUSY_LIMIT answers in a row: after one, it is as often the same thread's
		   next trap): the standby receivers join in. */
		if (!ref->standbys)
			break;
		*streak = waiting ? *streak + 1 : 0;
		if (*streak >= STANDBY_BUSY_LIMIT) {
			*streak = 0;
			pthread_mutex_lock(&ref->lock);
			if (!ref->wanted) {
				ref->wanted = true;
				pthread_cond_broadcast(&ref->wanted_changed);
			}
			pthread_mutex_unlock(&ref->lock);
		}
		break;
	case RECEIVER_STANDBY:
		*streak = waiting ? 0 : *streak + 1;
		pthread_mutex_lock(&ref->lock);
		if (*streak >= STANDBY_IDLE_LIMIT) {
			ref->wanted = false;
			*streak = 0;
		}
		while (!ref->wanted && !ref->orphaned)
			pthread_cond_wait(&ref->wanted_changed, &ref->lock);
		go_on = !ref->orphaned;
		pthread_mutex_unlock(&ref->lock);
		break;
	}
	return go_on;
}

static void *unotify_receiver(void *arg)
{
	struct receiver rcv = *(struct receiver *)arg;
	int listener = rcv.ref->listener;
	/* The ioctl number encodes the struct's size: the kernel copies exactly this much. */
	struct seccomp_notif notif, *req = &notif;
	int streak = 0;		/* receiver_next's count */

	free(arg);
	/* A standby receiver starts by waiting to be wanted. */
	if (rcv.kind == RECEIVER_STANDBY && !receiver_next(&rcv, false, &streak)) {
		listener_put(rcv.ref);
		return NULL;
	}
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
		/* Another guest thread trapped meanwhile (this one waits for us)? */
		bool waiting = rcv.ref->standbys && listener_backlogged(listener);
		if (marker_is(ev.nr, ev.args))
			marker_serve(listener, req);
		else
			sentry_handle_syscall(&ev);
		if (!receiver_next(&rcv, waiting, &streak)) {
			listener_put(rcv.ref);
			return NULL;
		}
	}
	/* Orphaned: the standby receivers waiting to be wanted end too. */
	pthread_mutex_lock(&rcv.ref->lock);
	rcv.ref->orphaned = true;
	pthread_cond_broadcast(&rcv.ref->wanted_changed);
	pthread_mutex_unlock(&rcv.ref->lock);
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
		*rcv = (struct receiver){ ev->platform, ref, RECEIVER_EXTRA, NULL };
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

/* Receivers: a primary one, unpinned, always receiving (alone, it gives the lowest latency
   per trap: SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP lands it on the trapping thread's CPU), and a
   standby one pinned to each CPU the sentry may use, which receive too while notifications
   queue up (the primary finds one waiting after it answered) until they have served
   STANDBY_IDLE_LIMIT in a row with none waiting. The kernel wakes every receiver waiting on
   a listener: always-waiting receivers on other CPUs cost each trap an inter-processor
   wake-up (getpid 10 us -> 13 us here, under load), while with guest threads on several
   CPUs the standby one on the trapping thread's CPU takes the notification there at once
   and CPUs serve their guests at the same time. Pinning is sched_setaffinity, which the
   sentry's allow-list leaves out: a starter thread per CPU, pinned before the sentry
   confines itself, creates that CPU's receivers (a thread inherits its creator's
   affinity). */
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
	log_debug("notification receivers: a primary and a standby one per CPU, %d CPUs", nstarters);
	return 0;
}

int unotify_start(struct platform *p, int listener)
{
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) == 0)
		p->sync_wakeup = true;
	log_debug("receiving notifications on fd %d, synchronous wake-up: %s", listener,
		  p->sync_wakeup ? "yes" : "no (the kernel lacks it)");
	int n = 1 + nstarters;
	struct listener_ref *ref = malloc(sizeof(*ref));
	struct receiver *rcv[1 + UNOTIFY_MAX_RECEIVERS];
	int made = 0;
	for (; ref && made < n && (rcv[made] = malloc(sizeof(**rcv))); made++)
		;
	if (made < n) {
		while (made > 0)
			free(rcv[--made]);
		free(ref);
		return -ENOMEM;
	}
	*ref = (struct listener_ref){ .listener = listener, .users = n, .standbys = nstarters };
	pthread_mutex_init(&ref->lock, NULL);
	pthread_cond_init(&ref->wanted_changed, NULL);
	for (int i = 0; i < n; i++)
		*rcv[i] = (struct receiver){ p, ref, i ? RECEIVER_STANDBY : RECEIVER_PRIMARY, NULL };
	for (int i = 0; i < nstarters; i++) {
		struct starter *st = &starters[i];
		pthread_mutex_lock(&st->lock);
		rcv[1 + i]->next = st->queue;
		st->queue = rcv[1 + i];
		pthread_cond_signal(&st->cond);
		pthread_mutex_unlock(&st->lock);
	}
	return receiver_create(rcv[0]);
}
