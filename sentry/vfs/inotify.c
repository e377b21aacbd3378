/* inotify: watches (marks) on the sentry's inodes, the events the VFS reports to them, and the
   inotify file that queues and reads them, as Linux's fs/notify/inotify.

   The queue is the sentry's; its head also sits in a host SOCK_SEQPACKET pair, one event per
   packet, whose receiving end is mirrored into the guest. So poll, select and epoll see the
   file readable natively, and a blocking read of an empty queue runs natively on the mirror
   (the host blocks it, and a signal interrupts or restarts it as on Linux; it returns one
   event). Every other read is the sentry's: as many whole events as fit, EINVAL when the
   first does not. The sentry takes packets from its copy of the receiving end with
   MSG_DONTWAIT; what a native read took is found with SIOCINQ (packets go whole, from the
   front). Kernel lock held throughout. */
#define _GNU_SOURCE
#include "sentry/vfs/vfs.h"
#include "sentry/kernel.h"
#include "sentry/task/task.h"
#include "sentry/mm/guest_mem.h"
#include "common/log.h"
#include "platform/platform.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/sysinfo.h>

#ifndef IN_MASK_CREATE
#define IN_MASK_CREATE 0x10000000
#endif

/* Every bit inotify_add_watch knows (Linux's ALL_INOTIFY_BITS). */
#define INOTIFY_ALL_BITS (IN_ALL_EVENTS | IN_UNMOUNT | IN_Q_OVERFLOW | IN_IGNORED | IN_ONLYDIR | \
			  IN_DONT_FOLLOW | IN_EXCL_UNLINK | IN_MASK_CREATE | IN_MASK_ADD | IN_ISDIR | \
			  IN_ONESHOT)
/* What a mark keeps of the mask it was given. */
#define INOTIFY_MARK_BITS (IN_ALL_EVENTS | IN_ONESHOT | IN_EXCL_UNLINK)
/* Events a watched directory also gets for its children (FS_EVENTS_POSS_ON_CHILD). */
#define INOTIFY_CHILD_EVENTS (IN_ACCESS | IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_CLOSE_NOWRITE | \
			      IN_OPEN)

unsigned inotify_max_queued_events = 16384;
unsigned inotify_max_user_instances = 128;
unsigned inotify_max_user_watches;

struct inotify_rec {
	struct inotify_rec *next;
	uint32_t size;			/* header and padded name, as read */
	struct inotify_event ev;	/* followed by the name */
};

struct inotify_mark {
	struct inode *inode;		/* a reference */
	struct inotify *in;
	int wd;
	uint32_t mask;			/* INOTIFY_MARK_BITS */
	struct inotify_mark *next_on_inode;
	struct inotify_mark *next_in_group;
};

struct inotify {
	int rd;				/* the sentry's copy of the mirrored receiving end */
	int wr;				/* the sending end */
	struct inotify_rec *head, *tail;
	unsigned count;			/* records queued (an overflow record too) */
	unsigned in_host;		/* the first in_host records are packets in the pair */
	bool overflow_queued;
	struct inotify_mark *marks;
	int last_wd;
	uid_t uid;
	struct inotify *next;		/* all instances */
};

static struct inotify *instances;
static uint32_t last_cookie;
static struct super_block inotify_sb = { .fstype = "anon_inode:inotify" };

static const struct file_operations inotify_fops;

static struct inotify *inotify_of(struct file *f)
{
	return f && f->ops == &inotify_fops ? f->priv : NULL;
}

bool file_is_inotify(struct file *f)
{
	return inotify_of(f) != NULL;
}

unsigned inotify_default_max_watches(void)
{
	/* Linux: 1% of low memory over the cost of a watch, within [8192, 1048576]. */
	struct sysinfo si;
	if (sysinfo(&si) < 0)
		return 8192;
	uint64_t w = (uint64_t)si.totalram * si.mem_unit / 100 / 1280;
	return w < 8192 ? 8192 : w > 1048576 ? 1048576 : (unsigned)w;
}

/* ---- the queue ---- */

static void rec_pop(struct inotify *in)
{
	struct inotify_rec *r = in->head;
	in->head = r->next;
	if (!in->head)
		in->tail = NULL;
	if (in->in_host)
		in->in_host--;
	in->count--;
	if (r->ev.mask == IN_Q_OVERFLOW && r->ev.wd == -1)
		in->overflow_queued = false;
	free(r);
}

/* Drops the records native reads took: the pair holds whole packets from the front. */
static void inotify_sync(struct inotify *in)
{
	int avail = 0;
	if (!in->in_host || ioctl(in->rd, FIONREAD, &avail) < 0)
		return;
	uint64_t held = 0;
	struct inotify_rec *r = in->head;
	for (unsigned i = 0; i < in->in_host; i++, r = r->next)
		held += r->size;
	while (in->in_host && held > (uint64_t)avail) {
		held -= in->head->size;
		rec_pop(in);
	}
}

/* Moves queued records into the pair while it takes them. */
static void inotify_fill(struct inotify *in)
{
	struct inotify_rec *r = in->head;
	for (unsigned i = 0; i < in->in_host && r; i++)
		r = r->next;
	for (; r; r = r->next) {
		if (send(in->wr, &r->ev, r->size, MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t)r->size)
			break;
		in->in_host++;
	}
}

static void inotify_append(struct inotify *in, struct inotify_rec *r)
{
	r->next = NULL;
	if (in->tail)
		in->tail->next = r;
	else
		in->head = r;
	in->tail = r;
	in->count++;
	inotify_fill(in);
}

/* Queues one event as fsnotify_insert_event and inotify_merge do: an overflow record once
   the queue is full, and nothing when it repeats the last record. */
static void inotify_queue(struct inotify *in, int wd, uint32_t mask, uint32_t cookie, const char *name)
{
	inotify_sync(in);
	size_t namelen = name ? strlen(name) : 0;
	uint32_t len = name ? (uint32_t)((namelen + 1 + sizeof(struct inotify_event) - 1) &
					 ~(sizeof(struct inotify_event) - 1)) : 0;
	if (in->count >= inotify_max_queued_events) {
		if (in->overflow_queued)
			return;
		wd = -1;
		mask = IN_Q_OVERFLOW;
		cookie = 0;
		len = 0;
		name = NULL;
	} else if (in->tail) {
		const struct inotify_event *last = &in->tail->ev;
		if (!(last->mask & IN_IGNORED) && last->mask == mask && last->wd == wd &&
		    last->len == len && (!len || !strcmp(last->name, name)))
			return;
	}
	struct inotify_rec *r = calloc(1, sizeof(*r) + len);
	if (!r)
		return;
	r->size = (uint32_t)sizeof(struct inotify_event) + len;
	r->ev.wd = wd;
	r->ev.mask = mask;
	r->ev.cookie = cookie;
	r->ev.len = len;
	if (name)
		memcpy(r->ev.name, name, namelen);
	if (mask == IN_Q_OVERFLOW && wd == -1)
		in->overflow_queued = true;
	inotify_append(in, r);
}

/* ---- marks ---- */

static unsigned user_watches(uid_t uid)
{
	unsigned n = 0;
	for (struct inotify *in = instances; in; in = in->next)
		if (in->uid == uid)
			for (struct inotify_mark *m = in->marks; m; m = m->next_in_group)
				n++;
	return n;
}

/* Unlinks m from its inode and group; the caller puts the inode reference and frees it. */
static void mark_unlink(struct inotify_mark *m)
{
	for (struct inotify_mark **p = &m->inode->inotify_marks; *p; p = &(*p)->next_on_inode)
		if (*p == m) {
			*p = m->next_on_inode;
			break;
		}
	for (struct inotify_mark **p = &m->in->marks; *p; p = &(*p)->next_in_group)
		if (*p == m) {
			*p = m->next_in_group;
			break;
		}
}

/* Removes the watch and tells its reader (IN_IGNORED). */
static void mark_destroy(struct inotify_mark *m)
{
	mark_unlink(m);
	inotify_queue(m->in, m->wd, IN_IGNORED, 0, NULL);
	struct inode *inode = m->inode;
	free(m);
	inode_put(inode);
}

int inotify_mask_check(uint32_t mask)
{
	if (!(mask & INOTIFY_ALL_BITS))
		return -EINVAL;
	if ((mask & IN_MASK_ADD) && (mask & IN_MASK_CREATE))
		return -EINVAL;
	return 0;
}

int inotify_watch_add(struct file *f, struct inode *inode, uint32_t mask)
{
	struct inotify *in = inotify_of(f);
	if (!in)
		return -EINVAL;
	for (struct inotify_mark *m = inode->inotify_marks; m; m = m->next_on_inode) {
		if (m->in != in)
			continue;
		if (mask & IN_MASK_CREATE)
			return -EEXIST;
		m->mask = (mask & IN_MASK_ADD) ? m->mask | (mask & INOTIFY_MARK_BITS) : mask & INOTIFY_MARK_BITS;
		return m->wd;
	}
	if (user_watches(in->uid) >= inotify_max_user_watches)
		return -ENOSPC;
	struct inotify_mark *m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->inode = inode_get(inode);
	m->in = in;
	m->mask = mask & INOTIFY_MARK_BITS;
	/* Numbers go up and wrap, as idr_alloc_cyclic gives them. */
	for (;;) {
		in->last_wd = in->last_wd == INT32_MAX ? 1 : in->last_wd + 1;
		bool used = false;
		for (struct inotify_mark *o = in->marks; o && !used; o = o->next_in_group)
			used = o->wd == in->last_wd;
		if (!used)
			break;
	}
	m->wd = in->last_wd;
	m->next_on_inode = inode->inotify_marks;
	inode->inotify_marks = m;
	m->next_in_group = in->marks;
	in->marks = m;
	return m->wd;
}

int inotify_watch_rm(struct file *f, int wd)
{
	struct inotify *in = inotify_of(f);
	if (!in)
		return -EINVAL;
	for (struct inotify_mark *m = in->marks; m; m = m->next_in_group)
		if (m->wd == wd) {
			mark_destroy(m);
			return 0;
		}
	return -EINVAL;
}

/* ---- events ---- */

static bool inotify_active(void)
{
	return instances != NULL;
}

/* Reports mask to inode's own marks (name NULL) or to a directory's marks for a child. */
static void report(struct inode *inode, uint32_t mask, uint32_t cookie, const char *name,
		   bool unlinked)
{
	struct inotify_mark *m = inode->inotify_marks, *next;
	for (; m; m = next) {
		next = m->next_on_inode;
		if (!(m->mask & mask & IN_ALL_EVENTS))
			continue;
		if (unlinked && (m->mask & IN_EXCL_UNLINK))
			continue;
		/* inotify never reported IN_ISDIR with the self events (Linux masks it out). */
		inotify_queue(m->in, m->wd,
			      (mask & (IN_MOVE_SELF | IN_DELETE_SELF)) ? mask & ~IN_ISDIR : mask, cookie, name);
		if (m->mask & IN_ONESHOT)
			mark_destroy(m);
	}
}

static uint32_t isdir(const struct inode *inode)
{
	return inode && S_ISDIR(inode->mode) ? IN_ISDIR : 0;
}

void fsnotify_dentry(struct dentry *d, struct inode *inode, uint32_t mask)
{
	if (!inotify_active() || !inode)
		return;
	mask |= isdir(inode);
	bool unlinked = inode->nlink == 0;
	struct inode *dir = d && d->parent ? d->parent->inode : NULL;
	if (dir && dir != inode && dir->inotify_marks && (mask & INOTIFY_CHILD_EVENTS))
		report(dir, mask, 0, d->name, unlinked);
	if (inode->inotify_marks)
		report(inode, mask, 0, NULL, unlinked);
}

void fsnotify_file(struct file *f, uint32_t mask)
{
	if (f && !(f->flags & O_PATH))
		fsnotify_dentry(f->path.dentry, f->inode, mask);
}

void fsnotify_inode(struct inode *inode, uint32_t mask)
{
	if (inotify_active() && inode && inode->inotify_marks)
		report(inode, mask | isdir(inode), 0, NULL, false);
}

void fsnotify_name(struct inode *dir, const char *name, bool child_isdir, uint32_t mask,
		   uint32_t cookie)
{
	if (inotify_active() && dir && dir->inotify_marks)
		report(dir, mask | (child_isdir ? IN_ISDIR : 0), cookie, name, false);
}

uint32_t fsnotify_cookie(void)
{
	return ++last_cookie;
}

void fsnotify_change(const struct path *p, struct inode *inode, unsigned valid)
{
	uint32_t mask = 0;
	if (valid & (VFS_ATTR_UID | VFS_ATTR_GID | VFS_ATTR_MODE))
		mask |= IN_ATTRIB;
	if (valid & VFS_ATTR_SIZE)
		mask |= IN_MODIFY;
	if ((valid & (VFS_ATTR_ATIME | VFS_ATTR_MTIME)) == (VFS_ATTR_ATIME | VFS_ATTR_MTIME))
		mask |= IN_ATTRIB;
	else if (valid & VFS_ATTR_ATIME)
		mask |= IN_ACCESS;
	else if (valid & VFS_ATTR_MTIME)
		mask |= IN_MODIFY;
	/* One event with every bit, as fsnotify_change sends it. */
	if (mask)
		fsnotify_dentry(p ? p->dentry : NULL, inode, mask);
}

void fsnotify_inode_put(struct inode *inode)
{
	/* The inode is gone from the sandbox (no name, nothing open: only watches hold it):
	   IN_DELETE_SELF, then the watches go (IN_IGNORED), as fsnotify_inoderemove. */
	unsigned n = 0;
	for (struct inotify_mark *m = inode->inotify_marks; m; m = m->next_on_inode)
		n++;
	if (inode->nlink != 0 || (unsigned)inode->refs != n)
		return;
	inode_get(inode);
	report(inode, IN_DELETE_SELF | isdir(inode), 0, NULL, false);
	while (inode->inotify_marks)
		mark_destroy(inode->inotify_marks);
	inode_put(inode);
}

/* ---- the inotify file ---- */

static long inotify_read(struct file *f, const struct iovec *iov, int iovcnt, int64_t *pos)
{
	struct inotify *in = f->priv;
	(void)pos;
	size_t room = 0;
	for (int i = 0; i < iovcnt; i++)
		room += iov[i].iov_len;
	inotify_sync(in);
	if (!in->head)
		return (f->flags & O_NONBLOCK) ? -EAGAIN : SYSCALL_CONTINUE;
	if (in->head->size > room)
		return -EINVAL;
	size_t cap = room < 65536 ? room : 65536;
	char *buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	size_t used = 0;
	while (in->head && in->head->size <= cap - used) {
		struct inotify_rec *r = in->head;
		if (in->in_host) {
			char pkt[sizeof(struct inotify_event) + VFS_NAME_MAX + 1];
			ssize_t n = recv(in->rd, pkt, sizeof(pkt), MSG_DONTWAIT);
			inotify_sync(in);
			if (n <= 0) {
				if (in->head == r)
					break;
				continue;
			}
			/* A native read that took the front first (two readers at once) leaves
			   this packet a later one. */
			if ((size_t)n > cap - used) {
				log_info("inotify: an event read past a concurrent reader is dropped");
				break;
			}
			memcpy(buf + used, pkt, (size_t)n);
			used += (size_t)n;
			continue;
		}
		memcpy(buf + used, &r->ev, r->size);
		used += r->size;
		rec_pop(in);
	}
	inotify_fill(in);
	long w = used ? guest_write_iov(current, iov, iovcnt, buf, used) : 0;
	free(buf);
	return w < 0 ? w : (long)used;
}

/* The file is read-only on Linux (its host mirror is a socket, read-write). */
static long inotify_write(struct file *f, const struct iovec *iov, int iovcnt, int64_t *pos)
{
	(void)f, (void)iov, (void)iovcnt, (void)pos;
	return -EBADF;
}

static long inotify_ioctl(struct file *f, unsigned int cmd, uint64_t arg)
{
	struct inotify *in = f->priv;
	if (cmd != FIONREAD)
		return -EINVAL;
	inotify_sync(in);
	int n = 0;
	for (struct inotify_rec *r = in->head; r; r = r->next)
		n += (int)r->size;
	int w = guest_write(current, arg, &n, sizeof(n));
	return w < 0 ? w : 0;
}

static void inotify_release(struct file *f)
{
	struct inotify *in = f->priv;
	if (!in)
		return;
	while (in->marks) {
		struct inotify_mark *m = in->marks;
		mark_unlink(m);
		struct inode *inode = m->inode;
		free(m);
		inode_put(inode);
	}
	while (in->head)
		rec_pop(in);
	for (struct inotify **p = &instances; *p; p = &(*p)->next)
		if (*p == in) {
			*p = in->next;
			break;
		}
	close(in->rd);
	close(in->wr);
	free(in);
	f->priv = NULL;
}

static void inotify_fdinfo(struct file *f, FILE *m)
{
	struct inotify *in = inotify_of(f);
	if (!in)
		return;
	for (struct inotify_mark *k = in->marks; k; k = k->next_in_group)
		fprintf(m, "inotify wd:%x ino:%lx sdev:%lx mask:%x ignored_mask:0\n", (unsigned)k->wd,
			(unsigned long)k->inode->ino, (unsigned long)k->inode->dev, k->mask);
}

static const struct file_operations inotify_fops = {
	.read = inotify_read,
	.write = inotify_write,
	.ioctl = inotify_ioctl,
	.release = inotify_release,
	.show_fdinfo = inotify_fdinfo,
};

int inotify_file_new(uid_t uid, int flags, struct file **out)
{
	unsigned n = 0;
	for (struct inotify *in = instances; in; in = in->next)
		n += in->uid == uid;
	if (n >= inotify_max_user_instances)
		return -EMFILE;
	if (!inotify_max_user_watches)
		inotify_max_user_watches = inotify_default_max_watches();
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	struct inotify *in = calloc(1, sizeof(*in));
	struct inode *inode = inode_new(&inotify_sb, 0600);
	/* The guest's mirror and the sentry's copy of it (one description), the sending end. */
	int rd = fcntl(sv[0], F_DUPFD_CLOEXEC, 3);
	struct file *f = NULL;
	if (in && inode && rd >= 0) {
		inode->uid = uid;
		f = file_alloc(&inotify_fops, NULL, inode, O_RDWR | (flags & O_NONBLOCK));
	}
	inode_put(inode);
	if (!f) {
		free(in);
		if (rd >= 0)
			close(rd);
		close(sv[0]);
		close(sv[1]);
		return -ENOMEM;
	}
	/* Never writable (POLLOUT), as Linux's inotify_poll: the guest's end holds a packet it
	   sent that nobody reads, more than a quarter of its smallest send buffer. */
	static const char filler[2048];
	int one = 1;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &one, sizeof(one));
	if (send(sv[0], filler, sizeof(filler), MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		log_info("inotify: the mirror stays writable: %m");
	shutdown(sv[0], SHUT_WR);
	in->rd = rd;
	in->wr = sv[1];
	in->uid = uid;
	in->next = instances;
	instances = in;
	f->priv = in;
	f->host_fd = sv[0];
	*out = f;
	return 0;
}
