#define _GNU_SOURCE
#include "sentry/task/fdtable.h"
#include "sentry/task/task.h"
#include "sentry/vfs/vfs.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/kernel.h"

#include "common/log.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

struct fd_table *fdtable_new(void)
{
	struct fd_table *t = calloc(1, sizeof(*t));
	if (t)
		t->refs = 1;
	return t;
}

static int fdtable_grow(struct fd_table *t, int need)
{
	if (need < t->size)
		return 0;
	if (need >= FD_TABLE_MAX)
		return -EMFILE;
	int size = t->size ? t->size : 64;
	while (size <= need)
		size *= 2;
	if (size > FD_TABLE_MAX)
		size = FD_TABLE_MAX;
	struct fd_entry *e = realloc(t->entries, sizeof(*e) * (size_t)size);
	if (!e)
		return -ENOMEM;
	memset(e + t->size, 0, sizeof(*e) * (size_t)(size - t->size));
	t->entries = e;
	t->size = size;
	return 0;
}

struct fd_table *fdtable_dup(struct fd_table *src)
{
	struct fd_table *t = fdtable_new();
	if (!t)
		return NULL;
	if (src->size && fdtable_grow(t, src->size - 1) < 0) {
		free(t);
		return NULL;
	}
	for (int i = 0; i < src->size; i++) {
		t->entries[i] = src->entries[i];
		/* Another thread's pending native close belongs to the source table only. */
		t->entries[i].reserved = false;
		if (t->entries[i].file)
			file_get(t->entries[i].file);
	}
	return t;
}

void fdtable_put(struct fd_table *t)
{
	if (!t || --t->refs > 0)
		return;
	for (int i = 0; i < t->size; i++)
		file_put(t->entries[i].file);
	free(t->entries);
	free(t);
}

struct file *fd_get(struct task *t, int fd)
{
	struct fd_table *tab = t->files;
	if (fd < 0 || fd >= tab->size)
		return NULL;
	return tab->entries[fd].file;
}

static long task_nofile_limit(struct task *t)
{
	rlim_t lim = t->tg->rlimits[RLIMIT_NOFILE].rlim_cur;
	return lim > FD_TABLE_MAX ? FD_TABLE_MAX : (long)lim;
}

/* The host runs calls on a mirror as the guest issues them (mmap, fcntl locks, copies): its
   description must allow no more than the guest's open does. */
static bool mirror_within_open(const struct file *f)
{
	int host = fcntl(f->host_fd, F_GETFL);
	if (host < 0)
		return false;
	int h = host & O_ACCMODE, g = f->flags & O_ACCMODE;
	return (h == O_WRONLY || g != O_WRONLY) && (h == O_RDONLY || g != O_RDONLY);
}

static int fd_place(struct task *t, struct syscall_event *ev, struct file *f, bool cloexec, int fd)
{
	struct fd_entry *e = &t->files->entries[fd];
	if (f->host_fd >= 0 && !(f->ops && f->ops->readiness_mirror) && !mirror_within_open(f))
		return log_errno(-EIO, "fd %d: the host description allows more than the open", fd);
	/* A host mirror being replaced by a sentry-only file must still drop its host object
	   (a pipe end kept open would hide EOF): the placeholder takes its slot. */
	int host_fd = f->host_fd >= 0 ? f->host_fd
		      : (e->file && e->file->host_fd >= 0 ? kernel.placeholder_fd : -1);
	if (host_fd >= 0) {
		int r = ev->ops->install_fd(ev, host_fd, fd, cloexec);
		if (r < 0)
			return r;
	}
	struct file *old = e->file;
	e->file = file_get(f);
	e->cloexec = cloexec;
	e->reserved = false;
	file_put(old);
	return fd;
}

int fd_install(struct task *t, struct syscall_event *ev, struct file *f, bool cloexec, int min)
{
	struct fd_table *tab = t->files;
	long limit = task_nofile_limit(t);
	int fd;

	for (fd = min; fd < tab->size; fd++)
		if (!tab->entries[fd].file && !tab->entries[fd].reserved)
			break;
	if (fd >= limit)
		return -EMFILE;
	int r = fdtable_grow(tab, fd);
	if (r < 0)
		return r;
	return fd_place(t, ev, f, cloexec, fd);
}

void fd_adopt(struct task *t, int fd, struct file *f)
{
	if (fdtable_grow(t->files, fd) < 0)
		return;
	file_put(t->files->entries[fd].file);
	t->files->entries[fd] = (struct fd_entry){ .file = file_get(f) };
}

int fd_install_at(struct task *t, struct syscall_event *ev, struct file *f, bool cloexec, int fd)
{
	if (fd < 0 || fd >= task_nofile_limit(t))
		return -EBADF;
	int r = fdtable_grow(t->files, fd);
	if (r < 0)
		return r;
	/* A number a host call of another thread is about to use (a native close, an exec's
	   program) keeps naming what the sentry decided on: Linux's answer for a number in the
	   middle of an install. */
	if (t->files->entries[fd].reserved)
		return -EBUSY;
	/* A host mirror is replaced atomically by the install; a sentry-only file in the way has
	   no host fd to close. */
	return fd_place(t, ev, f, cloexec, fd);
}

int fd_lowest_unused(struct task *t)
{
	struct fd_table *tab = t->files;
	int fd = 0;
	while (fd < tab->size && (tab->entries[fd].file || tab->entries[fd].reserved))
		fd++;
	int r = fdtable_grow(tab, fd);
	return r < 0 ? r : fd;
}

int fd_remove(struct task *t, int fd, bool *was_host)
{
	struct fd_table *tab = t->files;
	if (fd < 0 || fd >= tab->size || !tab->entries[fd].file)
		return -EBADF;
	struct fd_entry *e = &tab->entries[fd];
	*was_host = e->file->host_fd >= 0;
	file_put(e->file);
	e->file = NULL;
	e->cloexec = false;
	return 0;
}

void fd_withdraw(struct task *t, struct syscall_event *ev, int fd)
{
	bool host;
	if (fd_remove(t, fd, &host) == 0 && host)
		ev->ops->install_fd(ev, kernel.placeholder_fd, fd, false);
}

int fd_set_cloexec(struct task *t, int fd, bool cloexec)
{
	if (!fd_get(t, fd))
		return -EBADF;
	t->files->entries[fd].cloexec = cloexec;
	return 0;
}

int fd_get_cloexec(struct task *t, int fd)
{
	if (!fd_get(t, fd))
		return -EBADF;
	return t->files->entries[fd].cloexec;
}

void fdtable_exec(struct fd_table *t)
{
	for (int i = 0; i < t->size; i++) {
		if (t->entries[i].file && t->entries[i].cloexec) {
			file_put(t->entries[i].file);
			t->entries[i].file = NULL;
			t->entries[i].cloexec = false;
		}
	}
}
