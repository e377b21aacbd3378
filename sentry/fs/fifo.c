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
   waiting there: the side it needs is open). The first opener makes the pipe; a writer's
   read end stays with the FIFO (pending) until a reader comes, so what it wrote waits for
   one. Differences from Linux: open does not wait for the other side (a reader that comes
   first reads EOF, a writer's data waits in the pipe), and a side that all openers closed
   cannot be joined again while nobody has the FIFO open (a new opener starts a new pipe,
   as Linux frees the pipe then). */

struct fifo_open {
	struct fifo *fifo;
	struct file *file;
	int acc;			/* O_RDONLY, O_WRONLY or O_RDWR */
	struct fifo_open *next;
};

struct fifo {
	int pending_rd;			/* a read end no opener holds (data for a reader), or -1 */
	struct fifo_open *opens;
};

/* A description of an open with access mode acc, or the pending read end for O_RDONLY. */
static int fifo_shared_end(struct fifo *ff, int acc)
{
	for (struct fifo_open *o = ff->opens; o; o = o->next)
		if (o->acc == acc && o->file->host_fd >= 0)
			return o->file->host_fd;
	return acc == O_RDONLY ? ff->pending_rd : -1;
}

/* Any description of the pipe, or -1 if there is no pipe. */
static int fifo_any_end(struct fifo *ff)
{
	for (struct fifo_open *o = ff->opens; o; o = o->next)
		if (o->file->host_fd >= 0)
			return o->file->host_fd;
	return ff->pending_rd;
}

static bool fifo_has_reader(struct fifo *ff)
{
	for (struct fifo_open *o = ff->opens; o; o = o->next)
		if (o->acc != O_WRONLY)
			return true;
	return false;
}

static void fifo_drop_pending(struct fifo *ff)
{
	if (ff->pending_rd >= 0)
		close(ff->pending_rd);
	ff->pending_rd = -1;
}

struct fifo *fifo_new(void)
{
	struct fifo *ff = calloc(1, sizeof(*ff));
	if (ff)
		ff->pending_rd = -1;
	return ff;
}

void fifo_free(struct fifo *ff)
{
	if (!ff)
		return;
	fifo_drop_pending(ff);
	free(ff);
}

/* A new pipe, its end for an opener with access mode acc; a writer's read end pending. */
static int fifo_new_pipe(struct fifo *ff, int acc)
{
	int p[2];
	/* The reopener's (another uid): it opens the pipe again for later openers. */
	int r = reopener_pipe(p);
	if (r < 0)
		return r;
	if (acc == O_WRONLY) {
		fifo_drop_pending(ff);
		ff->pending_rd = p[0];
		return p[1];
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
		fd = any >= 0 ? reopener_reopen(any, acc) : fifo_new_pipe(ff, acc);
	}
	if (fd < 0) {
		free(o);
		return fd;
	}
	f->host_fd = fd;
	if (flags & O_NONBLOCK)
		fcntl(f->host_fd, F_SETFL, O_NONBLOCK);
	if (acc != O_WRONLY && ff->pending_rd >= 0)
		fifo_drop_pending(ff);	/* a reader holds the pipe now */
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
	if (ff->pending_rd >= 0 && ioctl(ff->pending_rd, FIONREAD, &unread) == 0 && unread > 0)
		return;
	fifo_drop_pending(ff);
}

const struct file_operations fifo_file_ops = {
	.host_io = true,
	.release = fifo_release,
};
