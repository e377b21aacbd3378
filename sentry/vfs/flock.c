/* flock(2) locks (see vfs.h). */
#define _GNU_SOURCE
#include "sentry/vfs/vfs.h"
#include "sentry/kernel.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/file.h>

struct flock_holder {
	struct file *file;
	int type;			/* LOCK_SH or LOCK_EX */
	struct flock_holder *next;
};

static struct flock_holder **flock_find(struct inode *inode, struct file *f)
{
	struct flock_holder **pp = &inode->flocks;
	while (*pp && (*pp)->file != f)
		pp = &(*pp)->next;
	return pp;
}

static void flock_drop(struct flock_holder **pp)
{
	struct flock_holder *h = *pp;
	*pp = h->next;
	free(h);
	pthread_cond_broadcast(&kernel.task_event);
}

int flock_set(struct file *f, int type)
{
	struct inode *inode = f->inode;
	struct flock_holder **pp = flock_find(inode, f);
	if (*pp && (*pp)->type == type)
		return 0;
	if (*pp)
		flock_drop(pp);
	if (type == LOCK_UN)
		return 0;
	for (struct flock_holder *h = inode->flocks; h; h = h->next)
		if (type == LOCK_EX || h->type == LOCK_EX)
			return -EWOULDBLOCK;
	struct flock_holder *h = malloc(sizeof(*h));
	if (!h)
		return -ENOMEM;
	*h = (struct flock_holder){ f, type, inode->flocks };
	inode->flocks = h;
	return 0;
}

void flock_release(struct file *f)
{
	if (!f->inode)
		return;
	struct flock_holder **pp = flock_find(f->inode, f);
	if (*pp)
		flock_drop(pp);
}
