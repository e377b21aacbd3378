/* System V semaphores, the sentry's alone: semop applies a set of operations atomically or
   waits (stopped in the tracer, so that a signal ends the wait with EINTR as on Linux,
   whether or not a handler runs); SEM_UNDO adjustments are kept per process and applied
   when it exits; removing a set wakes its waiters with EIDRM. */
#define _GNU_SOURCE
#include "sentry/syscalls/syscalls.h"
#include "sentry/ipc/ipc.h"
#include "sentry/kernel.h"
#include "sentry/mm/guest_mem.h"
#include "sentry/task/task.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/stat.h>
#include <utlist.h>

struct sem {
	int val;
	pid_t pid;
	int ncnt, zcnt;			/* tasks waiting for it to grow, to be zero */
};

struct sem_set {
	struct ipc_obj obj;
	int64_t otime, ctime;
	int nsems;
	struct sem sems[];
};

struct sem_undo {
	struct sem_set *set;
	int16_t *adj;			/* one per semaphore of the set */
	struct sem_undo *next;
};

/* The x86-64 semid64_ds and seminfo. */
struct semid_ds_abi {
	struct ipc_perm_abi perm;
	int64_t otime;
	uint64_t unused1;
	int64_t ctime;
	uint64_t unused2;
	uint64_t nsems, unused3, unused4;
};
struct seminfo_abi {
	int32_t semmap, semmni, semmns, semmnu, semmsl, semopm, semume, semusz, semvmx, semaem;
};

struct sembuf_abi {
	uint16_t num;
	int16_t op;
	int16_t flg;
};

static struct ipc_ids sem_ids = { .max = IPC_SEMMNI };
static int64_t sems_used;

static int set_create(struct task *t, const struct ipc_get_params *p, void *arg, struct ipc_obj **out)
{
	int nsems = *(const int *)arg;
	if (nsems == 0)
		return -EINVAL;
	if (sems_used + nsems > IPC_SEMMNS)
		return -ENOSPC;
	struct sem_set *set = calloc(1, sizeof(*set) + sizeof(struct sem) * (size_t)nsems);
	if (!set)
		return -ENOMEM;
	set->nsems = nsems;
	set->ctime = ipc_now();
	int r = ipc_add(t, &sem_ids, &set->obj, p);
	if (r < 0) {
		free(set);
		return r;
	}
	sems_used += nsems;
	*out = &set->obj;
	return 0;
}

static int set_check(struct ipc_obj *obj, void *arg)
{
	return *(const int *)arg > ((struct sem_set *)obj)->nsems ? -EINVAL : 0;
}

SYSCALL(semget)
{
	int nsems = (int)ev->args[1];
	if (nsems < 0 || nsems > IPC_SEMMSL)
		return -EINVAL;
	struct ipc_get_params p = { (int32_t)ev->args[0], (int)ev->args[2] };
	return ipc_get(t, &sem_ids, &p, set_check, set_create, &nsems);
}

static struct sem_set *set_find(int id)
{
	return (struct sem_set *)ipc_find(&sem_ids, id);
}

/* Undo records follow the values the set was given (SETVAL, SETALL clear them). */
static void undo_clear(struct sem_set *set, int num)
{
	for (struct thread_group *tg = thread_group_first(); tg; tg = thread_group_next(tg)) {
		struct sem_undo *u;
		if (!tg->ipc)
			continue;
		LL_FOREACH(tg->ipc->undos, u)
			if (u->set == set) {
				if (num < 0)
					memset(u->adj, 0, sizeof(*u->adj) * (size_t)set->nsems);
				else
					u->adj[num] = 0;
			}
	}
}

static void undo_free(struct ipc_process *ipc, struct sem_undo *u)
{
	LL_DELETE(ipc->undos, u);
	free(u->adj);
	free(u);
}

static void set_remove(struct sem_set *set)
{
	for (struct thread_group *tg = thread_group_first(); tg; tg = thread_group_next(tg)) {
		struct sem_undo *u, *tmp;
		if (tg->ipc)
			LL_FOREACH_SAFE(tg->ipc->undos, u, tmp)
				if (u->set == set)
					undo_free(tg->ipc, u);
	}
	ipc_remove(&sem_ids, &set->obj);
	sems_used -= set->nsems;
	free(set);
	/* Waiters find the id gone: EIDRM. */
	ipc_wake();
}

static struct sem_undo *undo_of(struct thread_group *tg, struct sem_set *set)
{
	struct ipc_process *ipc = ipc_process_of(tg);
	if (!ipc)
		return NULL;
	struct sem_undo *u;
	LL_SEARCH_SCALAR(ipc->undos, u, set, set);
	if (u)
		return u;
	u = calloc(1, sizeof(*u));
	if (u && !(u->adj = calloc((size_t)set->nsems, sizeof(*u->adj)))) {
		free(u);
		u = NULL;
	}
	if (!u)
		return NULL;
	u->set = set;
	LL_APPEND(ipc->undos, u);
	return u;
}

void sem_undo_apply_all(struct thread_group *tg)
{
	while (tg->ipc->undos) {
		struct sem_undo *u = tg->ipc->undos;
		struct sem_set *set = u->set;
		for (int i = 0; i < set->nsems; i++) {
			if (!u->adj[i])
				continue;
			int v = set->sems[i].val + u->adj[i];
			set->sems[i].val = v < 0 ? 0 : v > IPC_SEMVMX ? IPC_SEMVMX : v;
			set->sems[i].pid = tg->tgid;
		}
		undo_free(tg->ipc, u);
		ipc_wake();
	}
}

struct semop_wait {
	int id;
	struct sem_set *set;
	struct sembuf_abi *sops;
	int nsops;
	const struct timespec *deadline;
	struct sem *counted;		/* the semaphore this wait is counted on, if any */
	bool counted_zero;
};

static void wait_uncount(struct semop_wait *w)
{
	if (w->counted && set_find(w->id) == w->set) {
		if (w->counted_zero)
			w->counted->zcnt--;
		else
			w->counted->ncnt--;
	}
	w->counted = NULL;
}

/* All of the operations or none (perform_atomic_semop). */
static long semop_attempt(struct task *t, void *arg)
{
	struct semop_wait *w = arg;
	wait_uncount(w);
	if (set_find(w->id) != w->set)
		return -EIDRM;
	struct sem_set *set = w->set;
	struct sem_undo *undo = NULL;
	int vals[IPC_SEMOPM];
	for (int i = 0; i < w->nsops; i++) {
		const struct sembuf_abi *s = &w->sops[i];
		if ((s->flg & SEM_UNDO) && !undo && !(undo = undo_of(t->tg, set)))
			return -ENOMEM;
	}
	for (int i = 0; i < w->nsops; i++) {
		const struct sembuf_abi *s = &w->sops[i];
		int cur = set->sems[s->num].val;
		/* An earlier operation in the same call on the same semaphore counts. */
		for (int j = 0; j < i; j++)
			if (w->sops[j].num == s->num)
				cur = vals[j];
		int result = cur + s->op;
		if ((s->op == 0 && cur != 0) || result < 0) {
			if (s->flg & IPC_NOWAIT)
				return -EAGAIN;
			if (w->deadline && ipc_deadline_passed(w->deadline))
				return -EAGAIN;
			w->counted = &set->sems[s->num];
			w->counted_zero = s->op == 0;
			if (w->counted_zero)
				w->counted->zcnt++;
			else
				w->counted->ncnt++;
			return SYSCALL_NOT_YET;
		}
		if (result > IPC_SEMVMX)
			return -ERANGE;
		if (s->flg & SEM_UNDO) {
			int adj = undo->adj[s->num] - s->op;
			for (int j = 0; j < i; j++)
				if (w->sops[j].num == s->num && (w->sops[j].flg & SEM_UNDO))
					adj -= w->sops[j].op;
			if (adj < -IPC_SEMAEM - 1 || adj > IPC_SEMAEM)
				return -ERANGE;
		}
		vals[i] = result;
	}
	for (int i = 0; i < w->nsops; i++) {
		const struct sembuf_abi *s = &w->sops[i];
		set->sems[s->num].val = vals[i];
		set->sems[s->num].pid = t->tg->tgid;
		if (s->flg & SEM_UNDO)
			undo->adj[s->num] = (int16_t)(undo->adj[s->num] - s->op);
	}
	set->otime = ipc_now();
	ipc_wake();
	return 0;
}

static long do_semtimedop(struct task *t, struct syscall_event *ev, uint64_t timeout_addr)
{
	int id = (int)ev->args[0];
	unsigned nsops = (unsigned)ev->args[2];
	struct sembuf_abi sops[IPC_SEMOPM];
	struct timespec deadline;

	if (nsops < 1 || id < 0)
		return -EINVAL;
	if (nsops > IPC_SEMOPM)
		return -E2BIG;
	int r = guest_read(t, ev->args[1], sops, sizeof(sops[0]) * nsops);
	if (r < 0)
		return r;
	if (timeout_addr) {
		struct timespec ts;
		r = guest_read(t, timeout_addr, &ts, sizeof(ts));
		if (r < 0)
			return r;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
			return -EINVAL;
		ipc_deadline_after(&ts, &deadline);
	}
	unsigned max = 0;
	bool alter = false;
	for (unsigned i = 0; i < nsops; i++) {
		if (sops[i].num > max)
			max = sops[i].num;
		if (sops[i].op != 0)
			alter = true;
	}
	struct sem_set *set = set_find(id);
	if (!set)
		return -EINVAL;
	if (max >= (unsigned)set->nsems)
		return -EFBIG;
	if (!ipc_may(t, &set->obj, alter ? S_IWUGO : S_IRUGO))
		return -EACCES;
	struct semop_wait w = { id, set, sops, (int)nsops, timeout_addr ? &deadline : NULL, NULL, false };
	/* semop never restarts: a signal gives EINTR even without a handler. */
	long res = ipc_wait(t, ev, semop_attempt, &w, w.deadline, -EINTR);
	wait_uncount(&w);
	return res;
}

SYSCALL(semop)
{
	return do_semtimedop(t, ev, 0);
}

SYSCALL(semtimedop)
{
	return do_semtimedop(t, ev, ev->args[3]);
}

static void set_to_abi(const struct sem_set *set, struct semid_ds_abi *out)
{
	memset(out, 0, sizeof(*out));
	ipc_perm_to_abi(&set->obj, &out->perm);
	out->otime = set->otime;
	out->ctime = set->ctime;
	out->nsems = (uint64_t)set->nsems;
}

static long sem_info(struct task *t, int cmd, uint64_t buf)
{
	struct seminfo_abi info = {
		.semmap = IPC_SEMMNS, .semmni = IPC_SEMMNI, .semmns = IPC_SEMMNS,
		.semmnu = IPC_SEMMNS, .semmsl = IPC_SEMMSL, .semopm = IPC_SEMOPM,
		.semume = IPC_SEMOPM, .semusz = 20, .semvmx = IPC_SEMVMX, .semaem = IPC_SEMAEM,
	};
	if (cmd == SEM_INFO) {
		info.semusz = sem_ids.count;
		info.semaem = (int32_t)sems_used;
	}
	int r = guest_write(t, buf, &info, sizeof(info));
	return r < 0 ? r : ipc_max_index(&sem_ids);
}

/* GETALL, SETALL and the per-semaphore reads (semctl_main). */
static long sem_values(struct task *t, struct sem_set *set, int num, int cmd, uint64_t arg)
{
	if (!ipc_may(t, &set->obj, cmd == SETALL ? S_IWUGO : S_IRUGO))
		return -EACCES;
	uint16_t vals[IPC_SEMMSL];
	size_t len = sizeof(vals[0]) * (size_t)set->nsems;
	int r;
	switch (cmd) {
	case GETALL:
		for (int i = 0; i < set->nsems; i++)
			vals[i] = (uint16_t)set->sems[i].val;
		r = guest_write(t, arg, vals, len);
		return r < 0 ? r : 0;
	case SETALL:
		r = guest_read(t, arg, vals, len);
		if (r < 0)
			return r;
		for (int i = 0; i < set->nsems; i++)
			if (vals[i] > IPC_SEMVMX)
				return -ERANGE;
		for (int i = 0; i < set->nsems; i++) {
			set->sems[i].val = vals[i];
			set->sems[i].pid = t->tg->tgid;
		}
		undo_clear(set, -1);
		set->ctime = ipc_now();
		ipc_wake();
		return 0;
	}
	if (num < 0 || num >= set->nsems)
		return -EINVAL;
	const struct sem *s = &set->sems[num];
	switch (cmd) {
	case GETVAL:
		return s->val;
	case GETPID:
		return s->pid;
	case GETNCNT:
		return s->ncnt;
	default:
		return s->zcnt;
	}
}

static long sem_setval(struct task *t, int id, int num, int val)
{
	if (val > IPC_SEMVMX || val < 0)
		return -ERANGE;
	struct sem_set *set = set_find(id);
	if (!set)
		return -EINVAL;
	if (num < 0 || num >= set->nsems)
		return -EINVAL;
	if (!ipc_may(t, &set->obj, S_IWUGO))
		return -EACCES;
	undo_clear(set, num);
	set->sems[num].val = val;
	set->sems[num].pid = t->tg->tgid;
	set->ctime = ipc_now();
	ipc_wake();
	return 0;
}

SYSCALL(semctl)
{
	int id = (int)ev->args[0], num = (int)ev->args[1], cmd = (int)ev->args[2];
	uint64_t arg = ev->args[3];
	struct semid_ds_abi ds;
	struct ipc_obj *obj;
	struct sem_set *set;
	int r;

	if (id < 0)
		return -EINVAL;
	switch (cmd) {
	case IPC_INFO:
	case SEM_INFO:
		return sem_info(t, cmd, arg);
	case IPC_STAT:
	case SEM_STAT:
	case SEM_STAT_ANY:
		r = ipc_stat_lookup(t, &sem_ids, id, cmd != IPC_STAT, cmd == SEM_STAT_ANY, &obj);
		if (r < 0)
			return r;
		set = (struct sem_set *)obj;
		set_to_abi(set, &ds);
		r = guest_write(t, arg, &ds, sizeof(ds));
		return r < 0 ? r : cmd == IPC_STAT ? 0 : set->obj.id;
	case GETALL:
	case SETALL:
	case GETVAL:
	case GETPID:
	case GETNCNT:
	case GETZCNT:
		if (!(set = set_find(id)))
			return -EINVAL;
		return sem_values(t, set, num, cmd, arg);
	case SETVAL:
		return sem_setval(t, id, num, (int)arg);
	case IPC_SET:
		r = guest_read(t, arg, &ds, sizeof(ds));
		if (r < 0 || (r = ipc_owned_lookup(t, &sem_ids, id, &obj)) < 0)
			return r;
		set = (struct sem_set *)obj;
		ipc_perm_set(&set->obj, &ds.perm);
		set->ctime = ipc_now();
		return 0;
	case IPC_RMID:
		if ((r = ipc_owned_lookup(t, &sem_ids, id, &obj)) < 0)
			return r;
		set_remove((struct sem_set *)obj);
		return 0;
	default:
		return -EINVAL;
	}
}

int sem_proc_show(FILE *m)
{
	fprintf(m, "       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n");
	for (int i = 0; i < sem_ids.nslots; i++) {
		struct sem_set *s = (struct sem_set *)sem_ids.slots[i];
		if (s)
			fprintf(m, "%10d %10d  %4o %10u %5u %5u %5u %5u %10lld %10lld\n", s->obj.key,
				s->obj.id, s->obj.mode, (unsigned)s->nsems, s->obj.uid, s->obj.gid,
				s->obj.cuid, s->obj.cgid, (long long)s->otime, (long long)s->ctime);
	}
	return 0;
}
