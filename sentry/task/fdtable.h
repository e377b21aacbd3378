/* A task's file descriptor table: the source of truth for guest fds. Files backed by a host
   fd are mirrored into the guest's host fd table at the same number, so the host can run
   data-path syscalls on them natively. */
#ifndef RUNSCC_SENTRY_FDTABLE_H
#define RUNSCC_SENTRY_FDTABLE_H

#include <stdbool.h>

struct file;
struct task;
struct syscall_event;

#define FD_TABLE_MAX 1048576

struct fd_entry {
	struct file *file;
	bool cloexec;
	bool reserved;		/* number held until a host call naming it completes (a native
				   close, an exec of the program installed there) */
};

struct fd_table {
	int refs;
	int size;
	struct fd_entry *entries;
};

struct fd_table *fdtable_new(void);
struct fd_table *fdtable_dup(struct fd_table *src);
void fdtable_put(struct fd_table *t);

/* The open file at fd, or NULL (no reference taken; valid while the kernel lock is held). */
struct file *fd_get(struct task *t, int fd);

/* Installs f (taking a new reference) at the lowest free fd >= min, mirroring it into the
   guest when it is host-backed. Returns the fd or -errno (EMFILE). */
int fd_install(struct task *t, struct syscall_event *ev, struct file *f, bool cloexec, int min);
/* Records f at fd for a host fd the guest already holds there (inherited stdio). */
void fd_adopt(struct task *t, int fd, struct file *f);
/* Installs f at exactly fd, closing what was there (dup2 semantics). */
int fd_install_at(struct task *t, struct syscall_event *ev, struct file *f, bool cloexec, int fd);
/* The lowest number neither in use nor reserved, with room for it in the table; -errno. */
int fd_lowest_unused(struct task *t);
/* Removes fd; *was_host says whether the guest holds a host mirror the caller must let the
   host close. Returns 0 or -EBADF. */
int fd_remove(struct task *t, int fd, bool *was_host);
/* Removes fd the sentry installed during this syscall, dropping its host mirror too (the
   placeholder takes the slot). */
void fd_withdraw(struct task *t, struct syscall_event *ev, int fd);
int fd_set_cloexec(struct task *t, int fd, bool cloexec);
int fd_get_cloexec(struct task *t, int fd);
/* Drops close-on-exec entries (exec: the host closes its mirrors natively). */
void fdtable_exec(struct fd_table *t);

#endif
