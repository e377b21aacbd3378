/* System V message queues, the sentry's alone. msgsnd and msgrcv stop in the tracer, as
   they may wait (for room, for a message of the type asked for); a signal ends the wait as
   -ERESTARTNOHAND does on Linux, and removing the queue wakes its waiters with EIDRM. */
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
#include <sys/msg.h>
#include <sys/stat.h>
#include <utlist.h>

struct msg {
	int64_t type;
	size_t len;
	struct msg *next;
	char data[];
};

struct msg_queue {
	struct ipc_obj obj;
	int64_t stime, rtime, ctime;
	uint64_t cbytes, qnum, qbytes;
	pid_t lspid, lrpid;
	struct msg *msgs;		/* utlist, in order of sending */
};

/* The x86-64 msqid64_ds and msginfo. */
struct msqid_ds_abi {
	struct ipc_perm_abi perm;
	int64_t stime, rtime, ctime;
	uint64_t cbytes, qnum, qbytes;
	int32_t lspid, lrpid;
	uint64_t unused4, unused5;
};
struct msginfo_abi {
	int32_t msgpool, msgmap, msgmax, msgmnb, msgmni, msgssz, msgtql;
	uint16_t msgseg;
};

static struct ipc_ids msg_ids = { .max = IPC_MSGMNI };
static uint64_t msg_bytes, msg_count;	/* in every queue */

static int queue_create(struct task *t, const struct ipc_get_params *p, void *arg, struct ipc_obj **out)
{
	(void)arg;
	struct msg_queue *q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->qbytes = IPC_MSGMNB;
	q->ctime = ipc_now();
	int r = ipc_add(t, &msg_ids, &q->obj, p);
	if (r < 0) {
		free(q);
		return r;
	}
	*out = &q->obj;
	return 0;
}

SYSCALL(msgget)
{
	struct ipc_get_params p = { (int32_t)ev->args[0], (int)ev->args[1] };
	return ipc_get(t, &msg_ids, &p, NULL, queue_create, NULL);
}

static struct msg_queue *queue_find(int id)
{
	return (struct msg_queue *)ipc_find(&msg_ids, id);
}

static void msg_unlink(struct msg_queue *q, struct msg *m)
{
	LL_DELETE(q->msgs, m);
	q->cbytes -= m->len;
	q->qnum--;
	msg_bytes -= m->len;
	msg_count--;
}

static void queue_remove(struct msg_queue *q)
{
	struct msg *m, *tmp;
	LL_FOREACH_SAFE(q->msgs, m, tmp) {
		msg_unlink(q, m);
		free(m);
	}
	ipc_remove(&msg_ids, &q->obj);
	free(q);
	ipc_wake();
}

struct msgsnd_wait {
	int id;
	struct msg_queue *q;
	struct msg *m;
	bool nowait;
};

static long msgsnd_attempt(struct task *t, void *arg)
{
	struct msgsnd_wait *w = arg;
	if (queue_find(w->id) != w->q)
		return -EIDRM;
	struct msg_queue *q = w->q;
	if (w->m->len + q->cbytes > q->qbytes || 1 + q->qnum > q->qbytes)
		return w->nowait ? -EAGAIN : SYSCALL_NOT_YET;
	LL_APPEND(q->msgs, w->m);
	q->cbytes += w->m->len;
	q->qnum++;
	msg_bytes += w->m->len;
	msg_count++;
	q->lspid = t->tg->tgid;
	q->stime = ipc_now();
	w->m = NULL;
	ipc_wake();
	return 0;
}

SYSCALL(msgsnd)
{
	int id = (int)ev->args[0], flg = (int)ev->args[3];
	uint64_t addr = ev->args[1], size = ev->args[2];
	int64_t type;

	int r = guest_read(t, addr, &type, sizeof(type));
	if (r < 0)
		return r;
	if (size > IPC_MSGMAX || id < 0)
		return -EINVAL;
	if (type < 1)
		return -EINVAL;
	struct msg *m = malloc(sizeof(*m) + size);
	if (!m)
		return -ENOMEM;
	m->type = type;
	m->len = size;
	if ((r = guest_read(t, addr + sizeof(type), m->data, size)) < 0) {
		free(m);
		return r;
	}
	struct msg_queue *q = queue_find(id);
	long res;
	if (!q)
		res = -EINVAL;
	else if (!ipc_may(t, &q->obj, S_IWUGO))
		res = -EACCES;
	else {
		struct msgsnd_wait w = { id, q, m, flg & IPC_NOWAIT };
		res = ipc_wait(t, ev, msgsnd_attempt, &w, NULL, 0);
		m = w.m;
	}
	free(m);
	return res;
}

struct msgrcv_wait {
	int id;
	struct msg_queue *q;
	uint64_t addr;
	size_t size;
	int64_t type;
	int flg;
};

/* The message msgrcv takes: the first, the first of the type (or of another type:
   MSG_EXCEPT), or the first of the lowest type up to -type; with MSG_COPY, the type-th. */
static struct msg *msg_pick(struct msg_queue *q, int64_t type, int flg)
{
	struct msg *m, *best = NULL;
	int64_t i = 0;
	LL_FOREACH(q->msgs, m) {
		if (flg & MSG_COPY) {
			if (i++ == type)
				return m;
		} else if (type == 0) {
			return m;
		} else if (type > 0) {
			if ((flg & MSG_EXCEPT) ? m->type != type : m->type == type)
				return m;
		} else if (m->type <= -type && (!best || m->type < best->type)) {
			best = m;
		}
	}
	return best;
}

static long msgrcv_attempt(struct task *t, void *arg)
{
	struct msgrcv_wait *w = arg;
	if (queue_find(w->id) != w->q)
		return -EIDRM;
	struct msg_queue *q = w->q;
	struct msg *m = msg_pick(q, w->type, w->flg);
	if (!m)
		return (w->flg & IPC_NOWAIT) ? -ENOMSG : SYSCALL_NOT_YET;
	if (w->size < m->len && !(w->flg & MSG_NOERROR))
		return -E2BIG;
	size_t n = m->len < w->size ? m->len : w->size;
	bool copy = w->flg & MSG_COPY;
	if (!copy) {
		msg_unlink(q, m);
		q->lrpid = t->tg->tgid;
		q->rtime = ipc_now();
		ipc_wake();
	}
	/* As Linux, a message taken is gone even if the copy-out faults. */
	int r = guest_write(t, w->addr, &m->type, sizeof(m->type));
	if (r == 0)
		r = guest_write(t, w->addr + sizeof(m->type), m->data, n);
	if (!copy)
		free(m);
	return r < 0 ? r : (long)n;
}

SYSCALL(msgrcv)
{
	int id = (int)ev->args[0], flg = (int)ev->args[4];
	int64_t size = (int64_t)ev->args[2];

	if (id < 0 || size < 0)
		return -EINVAL;
	if ((flg & MSG_COPY) && ((flg & MSG_EXCEPT) || !(flg & IPC_NOWAIT)))
		return -EINVAL;
	struct msg_queue *q = queue_find(id);
	if (!q)
		return -EINVAL;
	if (!ipc_may(t, &q->obj, S_IRUGO))
		return -EACCES;
	struct msgrcv_wait w = { id, q, ev->args[1], (size_t)size, (int64_t)ev->args[3], flg };
	return ipc_wait(t, ev, msgrcv_attempt, &w, NULL, 0);
}

static long msg_info(struct task *t, int cmd, uint64_t buf)
{
	struct msginfo_abi info = {
		.msgpool = IPC_MSGMNI * IPC_MSGMNB / 1024, .msgmap = IPC_MSGMNB, .msgmax = IPC_MSGMAX,
		.msgmnb = IPC_MSGMNB, .msgmni = IPC_MSGMNI, .msgssz = 16, .msgtql = IPC_MSGMNB,
		.msgseg = 0xffff,
	};
	if (cmd == MSG_INFO) {
		info.msgpool = msg_ids.count;
		info.msgmap = (int32_t)msg_count;
		info.msgtql = (int32_t)msg_bytes;
	}
	int r = guest_write(t, buf, &info, sizeof(info));
	return r < 0 ? r : ipc_max_index(&msg_ids);
}

SYSCALL(msgctl)
{
	int id = (int)ev->args[0], cmd = (int)ev->args[1];
	uint64_t buf = ev->args[2];
	struct msqid_ds_abi ds;
	struct ipc_obj *obj;
	struct msg_queue *q;
	int r;

	if (id < 0 || cmd < 0)
		return -EINVAL;
	switch (cmd) {
	case IPC_INFO:
	case MSG_INFO:
		return msg_info(t, cmd, buf);
	case IPC_STAT:
	case MSG_STAT:
	case MSG_STAT_ANY:
		r = ipc_stat_lookup(t, &msg_ids, id, cmd != IPC_STAT, cmd == MSG_STAT_ANY, &obj);
		if (r < 0)
			return r;
		q = (struct msg_queue *)obj;
		memset(&ds, 0, sizeof(ds));
		ipc_perm_to_abi(&q->obj, &ds.perm);
		ds.stime = q->stime;
		ds.rtime = q->rtime;
		ds.ctime = q->ctime;
		ds.cbytes = q->cbytes;
		ds.qnum = q->qnum;
		ds.qbytes = q->qbytes;
		ds.lspid = q->lspid;
		ds.lrpid = q->lrpid;
		r = guest_write(t, buf, &ds, sizeof(ds));
		return r < 0 ? r : cmd == IPC_STAT ? 0 : q->obj.id;
	case IPC_SET:
		r = guest_read(t, buf, &ds, sizeof(ds));
		if (r < 0 || (r = ipc_owned_lookup(t, &msg_ids, id, &obj)) < 0)
			return r;
		q = (struct msg_queue *)obj;
		/* Past msgmnb takes CAP_SYS_RESOURCE (root until capabilities are per task). */
		if (ds.qbytes > IPC_MSGMNB && !task_capable(t, CAP_SYS_RESOURCE))
			return -EPERM;
		ipc_perm_set(&q->obj, &ds.perm);
		q->qbytes = ds.qbytes;
		q->ctime = ipc_now();
		ipc_wake();
		return 0;
	case IPC_RMID:
		if ((r = ipc_owned_lookup(t, &msg_ids, id, &obj)) < 0)
			return r;
		queue_remove((struct msg_queue *)obj);
		return 0;
	default:
		return -EINVAL;
	}
}

int msg_proc_show(FILE *m)
{
	fprintf(m, "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime      ctime\n");
	for (int i = 0; i < msg_ids.nslots; i++) {
		struct msg_queue *q = (struct msg_queue *)msg_ids.slots[i];
		if (q)
			fprintf(m, "%10d %10d  %4o  %10lu %10lu %5d %5d %5u %5u %5u %5u %10lld %10lld %10lld\n",
				q->obj.key, q->obj.id, q->obj.mode, (unsigned long)q->cbytes,
				(unsigned long)q->qnum, q->lspid, q->lrpid, q->obj.uid, q->obj.gid,
				q->obj.cuid, q->obj.cgid, (long long)q->stime, (long long)q->rtime,
				(long long)q->ctime);
	}
	return 0;
}
