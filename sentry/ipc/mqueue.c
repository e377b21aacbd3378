/* POSIX message queues, the sentry's alone: one mqueue file system per sandbox (its IPC
   namespace), whose root directory holds the queues by name. mq_open finds names there
   directly, as Linux does through the namespace's internal mount; a mount of type mqueue
   (/dev/mqueue) shows the same tree, where open(O_CREAT) makes a queue, unlink removes one
   and reading one gives its QSIZE line. An open queue's guest number mirrors a host eventfd
   whose count shows the queue's state to poll and epoll, natively: 0 when empty (writable),
   1 when neither empty nor full (both), its maximum when full (readable only). */
#define _GNU_SOURCE
#include "sentry/ipc/mqueue.h"
#include "sentry/fs/synth.h"
#include "sentry/ipc/ipc.h"
#include "sentry/kernel.h"
#include "sentry/task/siginfo.h"
#include "sentry/task/task.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <utlist.h>

/* Linux's inode sizes: a queue file is FILENT_SIZE, a directory grows by DIRENT_SIZE. */
#define MQ_FILENT_SIZE 80
#define MQ_DIRENT_SIZE 20
/* Bookkeeping Linux charges per message slot (struct msg_msg) and per priority in use
   (struct posix_msg_tree_node) against RLIMIT_MSGQUEUE. */
#define MQ_MSG_OVERHEAD 48
#define MQ_PRIO_OVERHEAD 48

struct mq_file {
	struct file *file;
	struct mqueue *q;
	uint64_t shown;			/* the eventfd's count */
	struct mq_file *next, *prev;
};

struct mq_entry {
	char *name;
	struct inode *inode;
	struct mq_entry *next;
};

/* Bytes charged to each user's RLIMIT_MSGQUEUE. */
struct mq_user {
	uid_t uid;
	uint64_t bytes;
	struct mq_user *next;
};

static struct super_block *mq_sb;
static struct inode *mq_dir;
static struct dentry *mq_root_dentry;	/* of every mount: one name cache */
static struct mq_entry *mq_entries;
static struct mq_user *mq_users;
static int mq_count;

static const struct inode_operations mq_dir_iops, mq_file_iops;
static const struct file_operations mq_fops;

/* --- readiness and notification --- */

static uint64_t mq_shown_count(const struct mqueue *q)
{
	if (q->curmsgs == 0)
		return 0;
	return q->curmsgs < q->maxmsg ? 1 : UINT64_C(0xfffffffffffffffe);
}

static void mq_update_ready(struct mqueue *q)
{
	uint64_t want = mq_shown_count(q), v;
	struct mq_file *mf;
	DL_FOREACH(q->files, mf) {
		if (mf->shown == want || mf->file->host_fd < 0)
			continue;
		if (mf->shown != 0 && read(mf->file->host_fd, &v, sizeof(v)) != sizeof(v))
			continue;
		mf->shown = 0;
		if (want == 0 || write(mf->file->host_fd, &want, sizeof(want)) == sizeof(want))
			mf->shown = want;
	}
}

void mqueue_notify_clear(struct mqueue *q)
{
	q->notify_pid = 0;
}

/* Linux's __do_notify: the queue became non-empty with no receiver waiting. SIGEV_SIGNAL
   sends SI_MESGQ with the sender's pid and uid to the registered process (if it is still
   the one that registered); either way the registration goes. */
static void mq_notify_fire(struct mqueue *q, struct task *sender)
{
	if (!q->notify_pid || q->curmsgs != 1 || q->receivers_waiting)
		return;
	struct thread_group *owner = thread_group_by_pid(q->notify_pid);
	if (q->notify_method == SIGEV_SIGNAL && q->notify_signo && owner && owner->start_ns == q->notify_start_ns &&
	    !owner->exited) {
		siginfo_t si;
		memset(&si, 0, sizeof(si));
		si.si_signo = q->notify_signo;
		si.si_code = SI_MESGQ;
		si.si_value = q->notify_value;
		si.si_pid = sender->tg->tgid;
		si.si_uid = sender->tg->creds.ruid;
		signal_send(owner, NULL, &si);
	}
	mqueue_notify_clear(q);
}

void mqueue_insert(struct mqueue *q, struct mq_msg *m, struct task *sender)
{
	struct mq_msg **p = &q->msgs;
	while (*p && (*p)->prio >= m->prio)
		p = &(*p)->next;
	m->next = *p;
	*p = m;
	q->curmsgs++;
	q->qsize += m->len;
	mq_notify_fire(q, sender);
	mq_update_ready(q);
	ipc_wake();
}

struct mq_msg *mqueue_take(struct mqueue *q)
{
	struct mq_msg *m = q->msgs;
	if (!m)
		return NULL;
	q->msgs = m->next;
	q->curmsgs--;
	q->qsize -= m->len;
	mq_update_ready(q);
	ipc_wake();
	return m;
}

/* --- open files --- */

struct mqueue *mqueue_of_file(struct file *f)
{
	/* An O_PATH open of a queue file has the ops but no queue of its own. */
	return f && f->ops == &mq_fops && f->priv ? ((struct mq_file *)f->priv)->q : NULL;
}

/* Reading gives Linux's one line about the queue. */
static long mq_read(struct file *f, const struct iovec *iov, int iovcnt, int64_t *pos)
{
	struct mqueue *q = mqueue_of_file(f);
	char line[MQ_FILENT_SIZE];
	if (!q)
		return -EBADF;
	bool signal = q->notify_pid && q->notify_method == SIGEV_SIGNAL;
	snprintf(line, sizeof(line), "QSIZE:%-10llu NOTIFY:%-5d SIGNO:%-5d NOTIFY_PID:%-6d\n",
		 (unsigned long long)q->qsize, q->notify_pid ? q->notify_method : 0,
		 signal ? q->notify_signo : 0, q->notify_pid);
	long n = file_read_buffer(iov, iovcnt, pos, line, strlen(line));
	if (n > 0)
		clock_gettime(CLOCK_REALTIME, &f->inode->atime), f->inode->ctime = f->inode->atime;
	return n;
}

/* A queue file has no write (the messages go through mq_timedsend). */
static long mq_write(struct file *f, const struct iovec *iov, int iovcnt, int64_t *pos)
{
	(void)f, (void)iov, (void)iovcnt, (void)pos;
	return -EINVAL;
}

/* The owner's last close of a file of the queue drops its registration (Linux drops it at
   any close by the owner: mqueue_flush_file). */
static void mq_release(struct file *f)
{
	struct mq_file *mf = f->priv;
	if (!mf)
		return;
	if (current && mf->q->notify_pid == current->tg->tgid)
		mqueue_notify_clear(mf->q);
	DL_DELETE(mf->q->files, mf);
	free(mf);
	f->priv = NULL;
}

static const struct file_operations mq_fops = {
	.readiness_mirror = true,
	.read = mq_read,
	.write = mq_write,
	.llseek = generic_llseek,
	.release = mq_release,
};

static int mq_file_open(struct inode *inode, struct file *f, int flags)
{
	struct mq_file *mf = calloc(1, sizeof(*mf));
	if (!mf)
		return -ENOMEM;
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (efd < 0) {
		free(mf);
		return -errno;
	}
	(void)flags;
	mf->file = f;
	mf->q = inode->priv;
	f->ops = &mq_fops;
	f->host_fd = efd;
	f->priv = mf;
	DL_APPEND(mf->q->files, mf);
	mq_update_ready(mf->q);
	return 0;
}

/* --- the file system --- */

static struct mq_user *mq_user(uid_t uid, bool make)
{
	struct mq_user *u;
	LL_FOREACH(mq_users, u)
		if (u->uid == uid)
			return u;
	if (!make || !(u = calloc(1, sizeof(*u))))
		return NULL;
	u->uid = uid;
	LL_PREPEND(mq_users, u);
	return u;
}

static void mq_file_evict(struct inode *inode)
{
	struct mqueue *q = inode->priv;
	struct mq_msg *m;
	while ((m = q->msgs)) {
		q->msgs = m->next;
		free(m);
	}
	struct mq_user *u = mq_user(q->charged_uid, false);
	if (u)
		u->bytes -= q->charged;
	mq_count--;
	free(q);
}

static int mq_setattr(struct inode *inode, const struct iattr *ia)
{
	if (ia->valid & VFS_ATTR_SIZE)
		return -EPERM;
	inode_apply_attr(inode, ia);
	return 0;
}

static const struct inode_operations mq_file_iops = {
	.open = mq_file_open,
	.setattr = mq_setattr,
	.evict = mq_file_evict,
};

static struct mq_entry *mq_find(const char *name)
{
	struct mq_entry *e;
	LL_FOREACH(mq_entries, e)
		if (!strcmp(e->name, name))
			return e;
	return NULL;
}

static int mq_dir_lookup(struct inode *dir, const char *name, struct inode **out)
{
	(void)dir;
	struct mq_entry *e = mq_find(name);
	if (!e)
		return -ENOENT;
	*out = inode_get(e->inode);
	return 0;
}

static int mq_dir_iterate(struct inode *dir, uint64_t *cookie, dir_emit_fn emit, void *ctx)
{
	(void)dir;
	uint64_t i = 0;
	struct mq_entry *e;
	LL_FOREACH(mq_entries, e) {
		if (i++ < *cookie)
			continue;
		if (emit(ctx, e->name, strlen(e->name), e->inode->ino, vfs_dtype(e->inode->mode), i))
			return 0;
		*cookie = i;
	}
	return 0;
}

static void mq_dir_touch(struct inode *dir, int64_t size_change)
{
	dir->size += size_change;
	clock_gettime(CLOCK_REALTIME, &dir->mtime);
	dir->ctime = dir->atime = dir->mtime;
}

/* Linux's mqueue_get_inode for a queue: the limits (without CAP_SYS_RESOURCE the
   namespace's, else the hard ones), the queue count, and RLIMIT_MSGQUEUE of the creator. */
static int mq_make(struct task *t, const char *name, mode_t mode, uid_t uid, gid_t gid,
		   const struct mq_attr_abi *attr, struct inode **out)
{
	int64_t maxmsg = MQ_MSG_DEFAULT, msgsize = MQ_MSGSIZE_DEFAULT;
	bool capable = task_capable(t, CAP_SYS_RESOURCE);
	if (mq_count >= MQ_QUEUES_MAX && !capable)
		return -ENOSPC;
	if (attr) {
		if (attr->mq_maxmsg <= 0 || attr->mq_msgsize <= 0)
			return -EINVAL;
		if (capable ? attr->mq_maxmsg > MQ_HARD_MSGMAX || attr->mq_msgsize > MQ_HARD_MSGSIZEMAX
			    : attr->mq_maxmsg > MQ_MSG_MAX || attr->mq_msgsize > MQ_MSGSIZE_MAX)
			return -EINVAL;
		maxmsg = attr->mq_maxmsg;
		msgsize = attr->mq_msgsize;
	}
	uint64_t bytes = (uint64_t)maxmsg * (uint64_t)msgsize + (uint64_t)maxmsg * MQ_MSG_OVERHEAD +
			 (uint64_t)(maxmsg < MQ_PRIO_MAX_ ? maxmsg : MQ_PRIO_MAX_) * MQ_PRIO_OVERHEAD;
	struct mq_user *u = mq_user(task_creds(t)->ruid, true);
	if (!u)
		return -ENOMEM;
	const struct rlimit *lim = &t->tg->rlimits[RLIMIT_MSGQUEUE];
	if (lim->rlim_cur != RLIM_INFINITY && u->bytes + bytes > lim->rlim_cur)
		return -EMFILE;
	struct mqueue *q = calloc(1, sizeof(*q));
	struct mq_entry *e = calloc(1, sizeof(*e));
	struct inode *inode = q && e ? inode_new(mq_sb, S_IFREG | (mode & 07777)) : NULL;
	if (!inode || !(e->name = strdup(name))) {
		inode_put(inode);
		free(q);
		free(e);
		return -ENOMEM;
	}
	q->maxmsg = maxmsg;
	q->msgsize = msgsize;
	q->charged_uid = u->uid;
	q->charged = bytes;
	u->bytes += bytes;
	mq_count++;
	inode->iops = &mq_file_iops;
	inode->fops = &mq_fops;
	inode->uid = uid;
	inode->gid = gid;
	inode->size = MQ_FILENT_SIZE;
	inode->priv = q;
	e->inode = inode_get(inode);
	LL_APPEND(mq_entries, e);
	mq_dir_touch(mq_dir, MQ_DIRENT_SIZE);
	*out = inode;
	return 0;
}

/* open(O_CREAT) in a mounted mqueue directory: a queue with the default attributes. */
static int mq_dir_create(struct inode *dir, const char *name, const struct inode_init *init,
			 struct inode **out)
{
	(void)dir;
	if (!S_ISREG(init->mode))
		return -EINVAL;
	return mq_make(current, name, init->mode, init->uid, init->gid, NULL, out);
}

static void mq_entry_remove(struct mq_entry *e)
{
	LL_DELETE(mq_entries, e);
	mq_dir_touch(mq_dir, -MQ_DIRENT_SIZE);
	e->inode->nlink = 0;
	inode_put(e->inode);
	free(e->name);
	free(e);
}

static int mq_dir_unlink(struct inode *dir, const char *name, struct inode *inode)
{
	(void)dir, (void)inode;
	struct mq_entry *e = mq_find(name);
	if (!e)
		return -ENOENT;
	mq_entry_remove(e);
	return 0;
}

static const struct inode_operations mq_dir_iops = {
	.lookup = mq_dir_lookup,
	.iterate = mq_dir_iterate,
	.create = mq_dir_create,
	.unlink = mq_dir_unlink,
	.setattr = mq_setattr,
};

static int mq_init(void)
{
	if (mq_dir)
		return 0;
	/* Names are cached, missing ones not: mq_open adds names behind the cache's back,
	   and mq_unlink drops them from it. */
	if (!mq_sb && !(mq_sb = synth_sb_new("mqueue", false)))
		return -ENOMEM;
	mq_sb->shared = true;
	struct inode *dir = inode_new(mq_sb, S_IFDIR | S_ISVTX | 0777);
	if (!dir)
		return -ENOMEM;
	dir->iops = &mq_dir_iops;
	dir->fops = &dir_file_ops;
	dir->size = 2 * MQ_DIRENT_SIZE;
	if (!(mq_root_dentry = dentry_new_root(dir)))
		return -ENOMEM;
	mq_dir = dir;
	return 0;
}

int mqueue_root(struct dentry **out)
{
	int r = mq_init();
	if (r < 0)
		return r;
	*out = dentry_get(mq_root_dentry);
	return 0;
}

/* Names as lookup_one_len takes them: no '/', not "." or "..". */
static int mq_name_ok(const char *name)
{
	if (!*name)
		return -ENOENT;
	if (strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return -EACCES;
	return strlen(name) > VFS_NAME_MAX ? -ENAMETOOLONG : 0;
}

static int access_mask(int acc)
{
	return acc == O_RDONLY ? MAY_READ : acc == O_WRONLY ? MAY_WRITE : MAY_READ | MAY_WRITE;
}

int mqueue_open(struct task *t, const char *name, int flags, mode_t mode,
		const struct mq_attr_abi *attr, struct file **out)
{
	int r = mq_name_ok(name);
	if (r < 0 || (r = mq_init()) < 0)
		return r;
	int acc = flags & O_ACCMODE;
	struct mq_entry *e = mq_find(name);
	struct inode *inode;
	if (e) {
		if ((flags & O_CREAT) && (flags & O_EXCL))
			return -EEXIST;
		if (acc == O_ACCMODE)
			return -EINVAL;
		if ((r = vfs_permission(t, e->inode, access_mask(acc))) < 0)
			return r;
		inode = inode_get(e->inode);
	} else {
		if (!(flags & O_CREAT))
			return -ENOENT;
		if (acc == O_ACCMODE)
			return -EINVAL;
		if ((r = vfs_permission(t, mq_dir, MAY_WRITE | MAY_EXEC)) < 0)
			return r;
		const struct creds *c = task_creds(t);
		r = mq_make(t, name, mode & ~t->fs->umask, c->fsuid, c->fsgid, attr, &inode);
		if (r < 0)
			return r;
	}
	struct file *f = file_alloc(&mq_fops, NULL, inode, flags & (O_ACCMODE | O_NONBLOCK));
	r = f ? mq_file_open(inode, f, flags) : -ENOMEM;
	inode_put(inode);
	if (r < 0) {
		file_put(f);
		return r;
	}
	*out = f;
	return 0;
}

/* As unlink in the sticky root: the queue's or the directory's owner, or CAP_FOWNER. */
int mqueue_unlink(struct task *t, const char *name)
{
	int r = mq_name_ok(name);
	if (r < 0 || (r = mq_init()) < 0)
		return r;
	struct mq_entry *e = mq_find(name);
	if (!e)
		return -ENOENT;
	if ((r = vfs_permission(t, mq_dir, MAY_WRITE | MAY_EXEC)) < 0)
		return r;
	const struct creds *c = task_creds(t);
	if (c->fsuid != e->inode->uid && c->fsuid != mq_dir->uid && !creds_capable(c, CAP_FOWNER))
		return -EPERM;
	dentry_drop_child(mq_root_dentry, name);
	mq_entry_remove(e);
	return 0;
}
