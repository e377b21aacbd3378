/* /proc/sysvipc and the IPC limits in /proc/sys/kernel and /proc/sys/fs/mqueue (those of a
   new IPC namespace). */
#define _GNU_SOURCE
#include "sentry/fs/procfs_internal.h"
#include "sentry/ipc/ipc.h"
#include "sentry/ipc/mqueue.h"

#include <inttypes.h>

int proc_fill_sysvipc_shm(const struct proc_target *t, FILE *m)
{
	(void)t;
	return shm_proc_show(m);
}

int proc_fill_sysvipc_sem(const struct proc_target *t, FILE *m)
{
	(void)t;
	return sem_proc_show(m);
}

int proc_fill_sysvipc_msg(const struct proc_target *t, FILE *m)
{
	(void)t;
	return msg_proc_show(m);
}

static int show_u64(FILE *m, uint64_t v)
{
	fprintf(m, "%" PRIu64 "\n", v);
	return 0;
}

int proc_fill_kernel_shmmax(const struct proc_target *t, FILE *m)
{
	(void)t;
	return show_u64(m, IPC_SHMMAX);
}

int proc_fill_kernel_shmall(const struct proc_target *t, FILE *m)
{
	(void)t;
	return show_u64(m, IPC_SHMALL);
}

int proc_fill_kernel_shmmni(const struct proc_target *t, FILE *m)
{
	(void)t;
	return show_u64(m, IPC_SHMMNI);
}

int proc_fill_kernel_msgmax(const struct proc_target *t, FILE *m)
{
	(void)t;
	return show_u64(m, IPC_MSGMAX);
}

int proc_fill_kernel_msgmnb(const struct proc_target *t, FILE *m)
{
	(void)t;
	return show_u64(m, IPC_MSGMNB);
}

int proc_fill_kernel_msgmni(const struct proc_target *t, FILE *m)
{
	(void)t;
	return show_u64(m, IPC_MSGMNI);
}

int proc_fill_kernel_sem(const struct proc_target *t, FILE *m)
{
	(void)t;
	fprintf(m, "%d\t%d\t%d\t%d\n", IPC_SEMMSL, IPC_SEMMNS, IPC_SEMOPM, IPC_SEMMNI);
	return 0;
}

int proc_fill_mqueue_msg_max(const struct proc_target *t, FILE *m)
{
	(void)t;
	return show_u64(m, MQ_MSG_MAX);
}

int proc_fill_mqueue_msgsize_max(const struct proc_target *t, FILE *m)
{
	(void)t;
	return show_u64(m, MQ_MSGSIZE_MAX);
}

int proc_fill_mqueue_queues_max(const struct proc_target *t, FILE *m)
{
	(void)t;
	return show_u64(m, MQ_QUEUES_MAX);
}

int proc_fill_mqueue_msg_default(const struct proc_target *t, FILE *m)
{
	(void)t;
	return show_u64(m, MQ_MSG_DEFAULT);
}

int proc_fill_mqueue_msgsize_default(const struct proc_target *t, FILE *m)
{
	(void)t;
	return show_u64(m, MQ_MSGSIZE_DEFAULT);
}
