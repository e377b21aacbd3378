/* Requests the tracer leaves for the listener: a guest thread stopped in the tracer is sent
   on with a marker syscall, and its notification is where fds get installed (ADDFD exists
   only for notifications) before the answer the tracer decided. */
#define _GNU_SOURCE
#include "platform/marker.h"
#include "platform/notif.h"
#include "common/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <linux/seccomp.h>
#include "common/hash.h"

struct marker_request {
	pid_t tid;
	struct fd_install installs[PLATFORM_MAX_INSTALLS];
	int ninstalls;
	bool installed;		/* the fds are in the guest (and our copies closed): answer only */
	bool cont;		/* run the (rewritten) syscall natively after installing */
	long value;		/* otherwise, the syscall's result */
	UT_hash_handle hh;
};

static pthread_mutex_t marker_lock = PTHREAD_MUTEX_INITIALIZER;
static struct marker_request *markers;

int marker_put(pid_t tid, const struct fd_install *installs, int n, bool cont, long value)
{
	struct marker_request *m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->tid = tid;
	m->ninstalls = n;
	for (int i = 0; i < n; i++)
		m->installs[i] = installs[i];
	m->cont = cont;
	m->value = value;
	pthread_mutex_lock(&marker_lock);
	struct marker_request *old;
	HASH_FIND_INT(markers, &tid, old);
	if (old) {
		HASH_DEL(markers, old);
		if (!old->installed)
			marker_release_installs(old->installs, old->ninstalls);
		free(old);
	}
	HASH_ADD_INT(markers, tid, m);
	pthread_mutex_unlock(&marker_lock);
	return 0;
}

void marker_drop(pid_t tid)
{
	struct marker_request *m;
	pthread_mutex_lock(&marker_lock);
	HASH_FIND_INT(markers, &tid, m);
	if (m)
		HASH_DEL(markers, m);
	pthread_mutex_unlock(&marker_lock);
	if (m) {
		if (!m->installed)
			marker_release_installs(m->installs, m->ninstalls);
		free(m);
	}
}

void marker_release_installs(struct fd_install *installs, int n)
{
	for (int i = 0; i < n; i++)
		close(installs[i].host_fd);
}

bool marker_is(int nr, const uint64_t *args)
{
	return args[5] == PLATFORM_MARKER_MAGIC && (nr == PLATFORM_MARKER_NR || nr == SYS_execveat);
}

void marker_serve(int listener, const struct seccomp_notif *req)
{
	struct marker_request *m;
	pid_t tid = (pid_t)req->pid;

	pthread_mutex_lock(&marker_lock);
	HASH_FIND_INT(markers, &tid, m);
	/* An exec marker must name the fd the sentry installs; a guest forging a marker
	   without a pending request gets EPERM. */
	if (m && req->data.nr == SYS_execveat &&
	    (!m->cont || m->ninstalls < 1 || req->data.args[0] != (uint64_t)m->installs[0].guest_fd))
		m = NULL;
	if (m)
		HASH_DEL(markers, m);
	pthread_mutex_unlock(&marker_lock);
	if (!m) {
		log_warn("host thread %d made a marker syscall the sentry did not ask for", tid);
		notif_answer(listener, req->id, NULL, 0, false, -EPERM);
		return;
	}
	/* The installs are our own copies of the host objects (ptrace_install_fd): they are
	   closed before the answer lets the guest run on, or a guest that closes, say, a pipe's
	   read end next would still find a reader (our copy) and never get EPIPE. So no
	   install-and-answer in one step here. */
	bool interrupted = false;
	int r = 0;
	if (!m->installed) {
		r = notif_install(listener, req->id, m->installs, m->ninstalls);
		interrupted = r == -ENOENT;
		if (!interrupted) {
			marker_release_installs(m->installs, m->ninstalls);
			m->installed = true;
		}
		if (r < 0 && !interrupted) {
			/* The host refused an fd: the guest gets that error. */
			m->cont = false;
			m->value = r;
		}
	}
	if (!interrupted)
		interrupted = notif_send(listener, req->id, m->cont, m->value) == -ENOENT;
	/* ENOENT: a signal (say the SIGCHLD of an exiting child) interrupted the thread while
	   it waited here, and the kernel restarts the marker syscall: keep the request for the
	   restart (installing again is harmless: same fds, same numbers; once installed, only
	   the answer is left). If the thread died instead, its tracee_remove() (or a new
	   thread's tracee_add()) drops the request. */
	if (interrupted) {
		pthread_mutex_lock(&marker_lock);
		struct marker_request *newer;
		HASH_FIND_INT(markers, &tid, newer);
		if (!newer)
			HASH_ADD_INT(markers, tid, m);
		pthread_mutex_unlock(&marker_lock);
		if (!newer)
			return;
	}
	if (!m->installed)
		marker_release_installs(m->installs, m->ninstalls);
	free(m);
}
