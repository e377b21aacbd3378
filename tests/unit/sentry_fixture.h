/* Shared fixture code for the sentry's unit tests: hand-built tasks (no pid tables, no host
   process behind them), a fake platform that records fd installs, and files whose release
   is counted.

   Tasks are built by hand rather than with task_create_process(): that one registers pid 1 in the
   kernel's tables (which have no reaping yet), so calling it once per test would pile up
   zombie thread groups. The fields set here are the ones task_create_process() sets. */
#ifndef RUNSCC_TESTS_SENTRY_FIXTURE_H
#define RUNSCC_TESTS_SENTRY_FIXTURE_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "platform/platform.h"
#include "sentry/kernel.h"
#include "sentry/task/fdtable.h"
#include "sentry/task/task.h"
#include "sentry/vfs/vfs.h"

#define FX_NOFILE_DEFAULT 1024

/* A task of uid/gid with root and cwd (references taken), an empty fd table, the guest's
   default RLIMIT_NOFILE and host tid = this process (guest memory is our own memory); uid
   0 holds every capability, others none (as after an exec). */
static inline struct task *fx_task_new(uid_t uid, gid_t gid, const struct path *root,
				       const struct path *cwd)
{
	struct task *t = calloc(1, sizeof(*t));
	struct thread_group *tg = calloc(1, sizeof(*tg));
	struct fs_context *fs = calloc(1, sizeof(*fs));
	struct sighand *sh = calloc(1, sizeof(*sh));

	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_nonnull(tg);
	ck_assert_ptr_nonnull(fs);
	ck_assert_ptr_nonnull(sh);
	t->files = fdtable_new();
	ck_assert_ptr_nonnull(t->files);
	fs->refs = 1;
	fs->umask = 022;
	if (root) {
		fs->root = *root;
		path_get(&fs->root);
		fs->cwd = cwd ? *cwd : *root;
		path_get(&fs->cwd);
	}
	sh->refs = 1;
	t->fs = fs;
	t->sighand = sh;
	t->tg = tg;
	t->tid = 1;
	t->host_tid = getpid();
	t->closing_lo = 1;	/* empty reservation range: lo > hi */
	t->closing_hi = 0;
	tg->tgid = 1;
	tg->host_pid = getpid();
	tg->pidfd = -1;
	tg->leader = t;
	tg->nthreads = 1;
	tg->pgid = tg->sid = 1;
	tg->creds.ruid = tg->creds.euid = tg->creds.suid = tg->creds.fsuid = uid;
	tg->creds.rgid = tg->creds.egid = tg->creds.sgid = tg->creds.fsgid = gid;
	tg->creds.cap_bounding = CAPS_ALL;
	if (uid == 0)
		tg->creds.cap_effective = tg->creds.cap_permitted = CAPS_ALL;
	for (int r = 0; r < RLIM_NLIMITS; r++)
		tg->rlimits[r] = (struct rlimit){ RLIM_INFINITY, RLIM_INFINITY };
	tg->rlimits[RLIMIT_NOFILE] = (struct rlimit){ FX_NOFILE_DEFAULT, 1048576 };
	return t;
}

static inline void fx_task_free(struct task *t)
{
	if (!t)
		return;
	fdtable_put(t->files);
	if (t->fs->root.dentry) {
		fs_context_put(t->fs);
	} else {
		free(t->fs);
	}
	sighand_put(t->sighand);
	exec_pending_free(t->exec);
	free(t->tg->exe_path);
	free(t->tg->cmdline);
	free(t->tg);
	free(t);
}

/* The fake platform: every install_fd is recorded; fx_install_fail makes the next ones fail. */
#define FX_MAX_INSTALLS 64

struct fx_install_call {
	int host_fd;
	int guest_fd;
	bool cloexec;
	struct stat st;		/* what host_fd was at the time (it may be closed since) */
	bool st_valid;
};

struct fx_platform_state {
	struct fx_install_call calls[FX_MAX_INSTALLS];
	int ncalls;
	int fail_with;		/* 0, or the -errno install_fd returns */
	int answers;
	long last_answer;
};

static struct fx_platform_state fx_platform __attribute__((unused));

static inline int fx_install_fd(struct syscall_event *ev, int host_fd, int guest_fd, bool cloexec)
{
	(void)ev;
	if (fx_platform.fail_with)
		return fx_platform.fail_with;
	ck_assert_int_lt(fx_platform.ncalls, FX_MAX_INSTALLS);
	struct fx_install_call *c = &fx_platform.calls[fx_platform.ncalls++];
	*c = (struct fx_install_call){ .host_fd = host_fd, .guest_fd = guest_fd, .cloexec = cloexec };
	c->st_valid = fstat(host_fd, &c->st) == 0;
	return 0;
}

static inline int fx_answer(struct syscall_event *ev, long result)
{
	(void)ev;
	fx_platform.answers++;
	fx_platform.last_answer = result;
	return 0;
}

static inline bool fx_event_valid(struct syscall_event *ev)
{
	(void)ev;
	return true;
}

static const struct platform_ops fx_platform_ops __attribute__((unused)) = {
	.name = "fake",
	.install_fd = fx_install_fd,
	.answer = fx_answer,
	.event_valid = fx_event_valid,
};

/* Resets the recorder and returns an event answered through the fake platform. */
static inline struct syscall_event fx_event(struct task *t)
{
	memset(&fx_platform, 0, sizeof(fx_platform));
	return (struct syscall_event){
		.host_tid = t ? t->host_tid : 0,
		.task = t,
		.via_tracer = true,
		.ops = &fx_platform_ops,
		.rewrite_nr = -1,
	};
}

/* Files whose release is counted (per file, through priv pointing at a counter). */
static inline void fx_counted_release(struct file *f)
{
	int *count = f->priv;
	if (count)
		(*count)++;
}

static const struct file_operations fx_counted_fops __attribute__((unused)) = {
	.release = fx_counted_release,
};

/* A sentry-only file (no host fd) whose release increments *released. */
static inline struct file *fx_file_new(int *released)
{
	struct file *f = file_alloc(&fx_counted_fops, NULL, NULL, 0);
	ck_assert_ptr_nonnull(f);
	f->priv = released;
	return f;
}

/* A host-backed file: f->host_fd is a fresh host fd (on /dev/null) that file_put closes. */
static inline struct file *fx_host_file_new(int *released)
{
	struct file *f = fx_file_new(released);
	f->host_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(f->host_fd, 0);
	return f;
}

#endif
