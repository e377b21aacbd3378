#define _GNU_SOURCE
#include "sentry/fs/fifo.h"
#include "sentry/fs/reopen.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/ioctl.h>

/* A FIFO is a host pipe shared by its openers, mirrored into the guest so the data path,
   blocking and EOF are the host's. An open of a mode some open already has shares that
   open's description (so O_NONBLOCK is shared among them); any other gets a description of
   its own with its access mode, reopened by the reopener from one of the pipe's (never
   waiting there: the side it needs is open). The first opener makes the pipe; the other
   end stays with the FIFO (pending) until an opener of that side comes: a writer's data
   waits for a reader, a blocking reader waits in read for a writer (a non-blocking one
   reads EOF). Differences from Linux: open does not wait for the other side (the wait is
   in read, or the data waits in the pipe), and a side that all openers closed
   cannot be joined again while nobody has the FIFO open (a new opener starts a new pipe,
   as Linux frees the pipe then). */

struct fifo_open {
	struct fifo *fifo;
	struct file *file;
	int acc;			/* O_RDONLY, O_WRONLY or O_RDWR */
	struct fifo_open *next;
};

struct fifo {
	int pending[2];			/* ends no opener holds yet (0 read, 1 write), or -1 */
	struct fifo_open *opens;
};

/* A description of an open with access mode acc, or the pending end of that side. */
static int fifo_shared_end(struct fifo *ff, int acc)
{
	for (struct fifo_open *o = ff->opens; o; o = o->next)
		if (o->acc == acc && o->file->host_fd >= 0)
			return o->file->host_fd;
	return acc == O_RDWR ? -1 : ff->pending[acc == O_WRONLY];
}

/* Any description of the pipe, or -1 if there is no pipe. */
static int fifo_any_end(struct fifo *ff)
{
	for (struct fifo_open *o = ff->opens; o; o = o->next)
		if (o->file->host_fd >= 0)
			return o->file->host_fd;
	return ff->pending[0] >= 0 ? ff->pending[0] : ff->pending[1];
}

static bool fifo_has_reader(struct fifo *ff)
{
	for (struct fifo_open *o = ff->opens; o; o = o->next)
		if (o->acc != O_WRONLY)
			return true;
	return false;
}

static void fifo_drop_pending(struct fifo *ff, int side)
{
	if (ff->pending[side] >= 0)
		close(ff->pending[side]);
	ff->pending[side] = -1;
}

struct fifo *fifo_new(void)
{
	struct fifo *ff = calloc(1, sizeof(*ff));
	if (ff)
		ff->pending[0] = ff->pending[1] = -1;
	return ff;
}

void fifo_free(struct fifo *ff)
{
	if (!ff)
		return;
	fifo_drop_pending(ff, 0);
	fifo_drop_pending(ff, 1);
	free(ff);
}

/* A new pipe, its end for an opener with open flags; the other end pending (a reader's only
   when it blocks: a non-blocking one reads EOF, as with no writer on Linux). */
static int fifo_new_pipe(struct fifo *ff, int flags)
{
	int acc = flags & O_ACCMODE;
	int p[2];
	/* The reopener's (another uid): it opens the pipe again for later openers. */
	int r = reopener_pipe(p);
	if (r < 0)
		return r;
	fifo_drop_pending(ff, 0);
	fifo_drop_pending(ff, 1);
	if (acc == O_WRONLY) {
		ff->pending[0] = p[0];
		return p[1];
	}
	if (acc == O_RDONLY && !(flags & O_NONBLOCK)) {
		ff->pending[1] = p[1];
		return p[0];
	}
	close(p[1]);
	if (acc == O_RDONLY)
		return p[0];
	int rw = reopener_reopen(p[0], O_RDWR);
	close(p[0]);
	return rw;
}

int fifo_open(struct fifo *ff, struct file *f, int flags)
{
	int acc = flags & O_ACCMODE;

	if (acc == O_WRONLY && (flags & O_NONBLOCK) && !fifo_has_reader(ff))
		return -ENXIO;
	struct fifo_open *o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	int shared = acc == O_RDWR ? -1 : fifo_shared_end(ff, acc), any = fifo_any_end(ff);
	int fd;
	if (shared >= 0) {
		fd = fcntl(shared, F_DUPFD_CLOEXEC, 0);
		if (fd < 0)
			fd = -errno;
	} else {
		fd = any >= 0 ? reopener_reopen(any, acc) : fifo_new_pipe(ff, flags);
	}
	if (fd < 0) {
		free(o);
		return fd;
	}
	f->host_fd = fd;
	if (flags & O_NONBLOCK)
		fcntl(f->host_fd, F_SETFL, O_NONBLOCK);
	/* An opener of a side holds the pipe's end of that side now. */
	if (acc != O_WRONLY)
		fifo_drop_pending(ff, 0);
	if (acc != O_RDONLY)
		fifo_drop_pending(ff, 1);
	o->fifo = ff;
	o->file = f;
	o->acc = acc;
	o->next = ff->opens;
	ff->opens = o;
	f->priv = o;
	return 0;
}

static void fifo_release(struct file *f)
{
	struct fifo_open *o = f->priv;
	if (!o)
		return;
	struct fifo *ff = o->fifo;
	for (struct fifo_open **pp = &ff->opens; *pp; pp = &(*pp)->next) {
		if (*pp == o) {
			*pp = o->next;
			break;
		}
	}
	free(o);
	f->priv = NULL;
	if (ff->opens)
		return;
	/* Nobody has it open. On Linux a writer's open waits for a reader, so what a writer
	   wrote before any reader came still waits for one: keep the read end while it holds
	   data. Otherwise start afresh next time. */
	int unread = 0;
	fifo_drop_pending(ff, 1);
	if (ff->pending[0] >= 0 && ioctl(ff->pending[0], FIONREAD, &unread) == 0 && unread > 0)
		return;
	fifo_drop_pending(ff, 0);
}

const struct file_operations fifo_file_ops = {
	.host_io = true,
	.release = fifo_release,
};
