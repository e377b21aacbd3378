#define _GNU_SOURCE
#include "sentry/fs/fifo.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/ioctl.h>

/* A FIFO is a host pipe shared by its openers: readers get the read end, writers the write
   end, mirrored into the guest so the data path, blocking and EOF are the host's. The ends
   a side has not taken yet are kept by the FIFO (pending) until someone opens that side;
   the ends of open files are the files' own (f->host_fd), so EOF comes when the last writer
   closes. Differences from Linux, for lack of a way to reopen a pipe end (no /proc in the
   sentry): open does not wait for the other side (a reader that comes first waits in read
   instead), openers of one side share one open file description (O_NONBLOCK is shared), a
   side that all openers closed cannot be joined again (a new opener starts a new pipe),
   and O_RDWR gets the read end while keeping the write end open (reads never see EOF;
   writes fail). */

struct fifo_open {
	struct fifo *fifo;
	struct file *file;
	int side;			/* 0: reads (O_RDONLY, O_RDWR), 1: writes */
	int extra_wr;			/* O_RDWR: the write end it keeps open, or -1 */
	struct fifo_open *next;
};

struct fifo {
	int pending[2];			/* ends no opener holds yet, or -1 */
	struct fifo_open *opens;
};

/* An fd of the pipe's side (0 read, 1 write): pending, or held by an open file. */
static int fifo_end(struct fifo *ff, int side)
{
	if (ff->pending[side] >= 0)
		return ff->pending[side];
	for (struct fifo_open *o = ff->opens; o; o = o->next) {
		if (o->side == side && o->file->host_fd >= 0)
			return o->file->host_fd;
		if (side == 1 && o->extra_wr >= 0)
			return o->extra_wr;
	}
	return -1;
}

static bool fifo_has_reader(struct fifo *ff)
{
	for (struct fifo_open *o = ff->opens; o; o = o->next)
		if (o->side == 0)
			return true;
	return false;
}

static void fifo_drop_pending(struct fifo *ff)
{
	for (int i = 0; i < 2; i++) {
		if (ff->pending[i] >= 0)
			close(ff->pending[i]);
		ff->pending[i] = -1;
	}
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
	fifo_drop_pending(ff);
	free(ff);
}

int fifo_open(struct fifo *ff, struct file *f, int flags)
{
	int acc = flags & O_ACCMODE;
	int side = acc == O_WRONLY ? 1 : 0;

	if (side == 1 && (flags & O_NONBLOCK) && !fifo_has_reader(ff))
		return -ENXIO;
	struct fifo_open *o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->extra_wr = -1;
	if (fifo_end(ff, side) < 0) {
		/* Nobody holds this side: a new pipe (its other end waits for its opener). */
		int p[2];
		if (pipe2(p, O_CLOEXEC) < 0) {
			free(o);
			return -errno;
		}
		fifo_drop_pending(ff);
		ff->pending[0] = p[0];
		ff->pending[1] = p[1];
	}
	f->host_fd = fcntl(fifo_end(ff, side), F_DUPFD_CLOEXEC, 0);
	if (f->host_fd < 0) {
		free(o);
		return -errno;
	}
	if (acc == O_RDWR && fifo_end(ff, 1) >= 0)
		o->extra_wr = fcntl(fifo_end(ff, 1), F_DUPFD_CLOEXEC, 0);
	if (flags & O_NONBLOCK)
		fcntl(f->host_fd, F_SETFL, O_NONBLOCK);
	if (ff->pending[side] >= 0) {
		close(ff->pending[side]);
		ff->pending[side] = -1;
	}
	if (o->extra_wr >= 0 && ff->pending[1] >= 0) {
		close(ff->pending[1]);
		ff->pending[1] = -1;
	}
	o->fifo = ff;
	o->file = f;
	o->side = side;
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
	if (o->extra_wr >= 0)
		close(o->extra_wr);
	free(o);
	f->priv = NULL;
	if (ff->opens)
		return;
	/* Nobody has it open. On Linux a writer's open waits for a reader, so what a writer
	   wrote before any reader came still waits for one: keep the read end while it holds
	   data. Otherwise start afresh next time. */
	int unread = 0;
	if (ff->pending[0] >= 0 && ioctl(ff->pending[0], FIONREAD, &unread) == 0 && unread > 0) {
		if (ff->pending[1] >= 0)
			close(ff->pending[1]);
		ff->pending[1] = -1;
		return;
	}
	fifo_drop_pending(ff);
}

const struct file_operations fifo_file_ops = {
	.host_io = true,
	.release = fifo_release,
};
