/* POSIX message queues of the sandbox's IPC namespace (mqueue.c): the queues, the mqueue
   file system that shows them (/dev/mqueue), and the limits of a new IPC namespace
   (/proc/sys/fs/mqueue). The calls are in sys_mq.c. */
#ifndef RUNSCC_SENTRY_MQUEUE_H
#define RUNSCC_SENTRY_MQUEUE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct dentry;
struct file;
struct inode;
struct task;

/* ipc/mq_sysctl.c and include/linux/ipc_namespace.h. */
#define MQ_QUEUES_MAX 256
#define MQ_MSG_MAX 10
#define MQ_MSGSIZE_MAX 8192
#define MQ_MSG_DEFAULT 10
#define MQ_MSGSIZE_DEFAULT 8192
#define MQ_HARD_MSGMAX 65536
#define MQ_HARD_MSGSIZEMAX (16 * 1024 * 1024)
#define MQ_PRIO_MAX_ 32768

/* The x86-64 struct mq_attr. */
struct mq_attr_abi {
	int64_t mq_flags, mq_maxmsg, mq_msgsize, mq_curmsgs;
	int64_t reserved[4];
};

struct mq_msg {
	struct mq_msg *next;
	unsigned prio;
	size_t len;
	char data[];
};

struct mqueue {
	int64_t maxmsg, msgsize, curmsgs;
	uint64_t qsize;			/* bytes of the messages queued */
	struct mq_msg *msgs;		/* highest priority first, oldest first within one */
	uid_t charged_uid;		/* whose RLIMIT_MSGQUEUE the queue counts against */
	uint64_t charged;
	int receivers_waiting;		/* a message for them is not a notification's */
	/* mq_notify's registration: the process (pid and start time), what to send. */
	pid_t notify_pid;		/* 0: none */
	uint64_t notify_start_ns;
	int notify_method, notify_signo;
	union sigval notify_value;
	struct mq_file *files;		/* open files, whose host objects show readiness */
};

/* The queue behind an open file of the mqueue file system, or NULL. */
struct mqueue *mqueue_of_file(struct file *f);
/* The root of the namespace's mqueue file system (a new reference), made on first use. */
int mqueue_root(struct dentry **out);

/* mq_open's part: the queue named name (no '/'), made with attr (NULL: the defaults) when
   missing and O_CREAT says so, opened with flags; -errno as Linux's. */
int mqueue_open(struct task *t, const char *name, int flags, mode_t mode,
		const struct mq_attr_abi *attr, struct file **out);
int mqueue_unlink(struct task *t, const char *name);

/* Queue changes (kernel lock held): the message goes in at its priority; the first
   message taken. Both update readiness and wake waiters; insertion sends the notification
   when the queue was empty and no receiver waits. sender: for the notification's siginfo. */
void mqueue_insert(struct mqueue *q, struct mq_msg *m, struct task *sender);
struct mq_msg *mqueue_take(struct mqueue *q);
/* The registration went (mq_notify(NULL), or the owner's close). */
void mqueue_notify_clear(struct mqueue *q);

#endif
