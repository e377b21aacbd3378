/* What the three kinds of System V IPC objects share: ids, keys, permissions, waiting, and
   the per-process records a fork, an exec and an exit change. */
#define _GNU_SOURCE
#include "sentry/ipc/ipc.h"
#include "sentry/kernel.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/task/task.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/stat.h>

#define S_IRWXUGO 0777

int64_t ipc_now(void)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	return now.tv_sec;
}

struct ipc_obj *ipc_at(struct ipc_ids *ids, int idx)
{
	return idx >= 0 && idx < ids->nslots ? ids->slots[idx] : NULL;
}

struct ipc_obj *ipc_find(struct ipc_ids *ids, int id)
{
	if (id < 0)
		return NULL;
	struct ipc_obj *obj = ipc_at(ids, id % IPC_MNI);
	return obj && obj->id == id ? obj : NULL;
}

int ipc_max_index(const struct ipc_ids *ids)
{
	for (int i = ids->nslots - 1; i >= 0; i--)
		if (ids->slots[i])
			return i;
	return 0;
}

/* The next free index at or after next_idx, wrapping around (idr_alloc_cyclic). */
static int ipc_free_index(struct ipc_ids *ids)
{
	for (int n = 0; n < ids->max; n++) {
		int idx = (ids->next_idx + n) % ids->max;
		if (idx >= ids->nslots) {
			int size = ids->nslots ? ids->nslots : 16;
			while (size <= idx)
				size *= 2;
			if (size > ids->max)
				size = ids->max;
			struct ipc_obj **slots = realloc(ids->slots, sizeof(*slots) * (size_t)size);
			if (!slots)
				return -ENOMEM;
			memset(slots + ids->nslots, 0, sizeof(*slots) * (size_t)(size - ids->nslots));
			ids->slots = slots;
			ids->nslots = size;
		}
		if (!ids->slots[idx])
			return idx;
	}
	return -ENOSPC;
}

int ipc_add(struct task *t, struct ipc_ids *ids, struct ipc_obj *obj, const struct ipc_get_params *p)
{
	if (ids->count >= ids->max)
		return -ENOSPC;
	int idx = ipc_free_index(ids);
	if (idx < 0)
		return idx;
	const struct creds *c = task_creds(t);
	obj->key = p->key;
	obj->uid = obj->cuid = c->euid;
	obj->gid = obj->cgid = c->egid;
	obj->mode = (unsigned)p->flags & S_IRWXUGO;
	obj->id = ids->seq * IPC_MNI + idx;
	ids->seq = (ids->seq + 1) % (INT32_MAX / IPC_MNI);
	ids->next_idx = (idx + 1) % ids->max;
	ids->slots[idx] = obj;
	ids->count++;
	return obj->id;
}

void ipc_remove(struct ipc_ids *ids, struct ipc_obj *obj)
{
	int idx = obj->id % IPC_MNI;
	if (ipc_at(ids, idx) == obj) {
		ids->slots[idx] = NULL;
		ids->count--;
	}
}

bool ipc_may(struct task *t, const struct ipc_obj *obj, int flag)
{
	const struct creds *c = task_creds(t);
	int requested = (flag >> 6) | (flag >> 3) | flag;
	unsigned granted = obj->mode;
	if (c->euid == obj->cuid || c->euid == obj->uid)
		granted >>= 6;
	else if (creds_in_group(c, obj->cgid) || creds_in_group(c, obj->gid))
		granted >>= 3;
	return !(requested & ~granted & 7) || creds_capable(c, CAP_IPC_OWNER);
}

bool ipc_is_owner(struct task *t, const struct ipc_obj *obj)
{
	const struct creds *c = task_creds(t);
	return c->euid == obj->cuid || c->euid == obj->uid || creds_capable(c, CAP_SYS_ADMIN);
}

int ipc_stat_lookup(struct task *t, struct ipc_ids *ids, int id, bool by_index, bool any,
		    struct ipc_obj **out)
{
	struct ipc_obj *obj = by_index ? ipc_at(ids, id) : ipc_find(ids, id);
	if (!obj)
		return -EINVAL;
	if (!any && !ipc_may(t, obj, S_IRUGO))
		return -EACCES;
	*out = obj;
	return 0;
}

int ipc_owned_lookup(struct task *t, struct ipc_ids *ids, int id, struct ipc_obj **out)
{
	struct ipc_obj *obj = ipc_find(ids, id);
	if (!obj)
		return -EINVAL;
	if (!ipc_is_owner(t, obj))
		return -EPERM;
	*out = obj;
	return 0;
}

void ipc_perm_to_abi(const struct ipc_obj *obj, struct ipc_perm_abi *out)
{
	memset(out, 0, sizeof(*out));
	out->key = obj->key;
	out->uid = obj->uid;
	out->gid = obj->gid;
	out->cuid = obj->cuid;
	out->cgid = obj->cgid;
	out->mode = obj->mode;
	out->seq = (uint16_t)(obj->id / IPC_MNI);
}

void ipc_perm_set(struct ipc_obj *obj, const struct ipc_perm_abi *in)
{
	obj->uid = in->uid;
	obj->gid = in->gid;
	obj->mode = (obj->mode & ~(unsigned)S_IRWXUGO) | (in->mode & S_IRWXUGO);
}

int ipc_get(struct task *t, struct ipc_ids *ids, const struct ipc_get_params *p,
	    ipc_check_fn check, ipc_create_fn create, void *arg)
{
	struct ipc_obj *found = NULL;
	if (p->key != IPC_PRIVATE) {
		for (int i = 0; i < ids->nslots && !found; i++) {
			struct ipc_obj *obj = ids->slots[i];
			if (obj && !obj->removed && obj->key == p->key)
				found = obj;
		}
	}
	if (!found) {
		if (p->key != IPC_PRIVATE && !(p->flags & IPC_CREAT))
			return -ENOENT;
		struct ipc_obj *obj;
		int r = create(t, p, arg, &obj);
		return r < 0 ? r : obj->id;
	}
	if ((p->flags & IPC_CREAT) && (p->flags & IPC_EXCL))
		return -EEXIST;
	int r = check ? check(found, arg) : 0;
	if (r < 0)
		return r;
	return ipc_may(t, found, p->flags) ? found->id : -EACCES;
}

void ipc_wake(void)
{
	pthread_cond_broadcast(&kernel.task_event);
}

void ipc_deadline_after(const struct timespec *rel, struct timespec *deadline)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	time_t sec = rel->tv_sec;
	long nsec = now.tv_nsec + rel->tv_nsec;
	if (nsec >= 1000000000) {
		nsec -= 1000000000;
		if (sec < INT64_MAX)
			sec++;
	}
	if (sec > INT64_MAX - now.tv_sec) {
		deadline->tv_sec = INT64_MAX;
		deadline->tv_nsec = 0;
		return;
	}
	deadline->tv_sec = now.tv_sec + sec;
	deadline->tv_nsec = nsec;
}

bool ipc_deadline_passed(const struct timespec *deadline)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > deadline->tv_sec ||
	       (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec);
}

/* Waits on the kernel's event at most a second, and no later than the deadline. */
static void ipc_wait_event(const struct timespec *deadline)
{
	struct timespec now, until;
	clock_gettime(CLOCK_MONOTONIC, &now);
	int64_t ns = 1000000000;
	/* Only a deadline within a second shortens the wait (a far one cannot overflow). */
	if (deadline && deadline->tv_sec - now.tv_sec <= 1) {
		int64_t left = (deadline->tv_sec - now.tv_sec) * 1000000000 + (deadline->tv_nsec - now.tv_nsec);
		if (left < ns)
			ns = left < 0 ? 0 : left;
	}
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)(ns / 1000000000);
	until.tv_nsec += (long)(ns % 1000000000);
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_cond_timedwait(&kernel.task_event, &kernel.lock, &until);
}

long ipc_wait(struct task *t, struct syscall_event *ev, ipc_attempt_fn attempt, void *arg,
	      const struct timespec *deadline, long interrupted)
{
	unsigned seen = t->interrupts;
	t->pending_signals = 0;
	for (;;) {
		long r = attempt(t, arg);
		if (r != SYSCALL_NOT_YET)
			return r;
		if (!ev->may_block)
			return SYSCALL_BLOCK;
		if (syscall_interrupted(t, ev, seen)) {
			if (interrupted == IPC_WAIT_RESTARTSYS)
				return syscall_interrupted_result(t, true);
			if (interrupted)
				return interrupted;
			return syscall_interrupted_result(t, false);
		}
		ipc_wait_event(deadline);
	}
}

struct ipc_process *ipc_process_of(struct thread_group *tg)
{
	if (!tg->ipc)
		tg->ipc = calloc(1, sizeof(*tg->ipc));
	return tg->ipc;
}

void ipc_process_fork(struct thread_group *child, struct thread_group *parent, bool shares_vm)
{
	/* A child sharing the address space (vfork) has no attachments of its own: they are
	   the parent's. Semaphore undo records are not inherited. */
	if (shares_vm || !parent->ipc || !parent->ipc->attaches || !ipc_process_of(child))
		return;
	shm_process_fork(child->ipc, parent->ipc);
}

void ipc_process_exec(struct thread_group *tg)
{
	if (tg->ipc)
		shm_detach_all(tg);
}

void ipc_process_exit(struct thread_group *tg)
{
	if (!tg->ipc)
		return;
	sem_undo_apply_all(tg);
	shm_detach_all(tg);
	free(tg->ipc);
	tg->ipc = NULL;
}
