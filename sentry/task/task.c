/* The task tables and the life cycle of guest threads and processes. */
#define _GNU_SOURCE
#include "sentry/task/task.h"
#include "sentry/task/fdtable.h"
#include "sentry/kernel.h"
#include "common/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <utlist.h>

static struct task *tasks_by_host;
static struct task *tasks_by_tid;
static struct thread_group *groups_by_tgid;
static pid_t last_pid;

struct task *task_by_host_tid(pid_t host_tid)
{
	struct task *t;
	HASH_FIND(hh_host, tasks_by_host, &host_tid, sizeof(host_tid), t);
	return t;
}

struct task *task_by_tid(pid_t tid)
{
	struct task *t;
	HASH_FIND(hh_tid, tasks_by_tid, &tid, sizeof(tid), t);
	return t;
}

struct thread_group *thread_group_by_pid(pid_t pid)
{
	struct thread_group *tg;
	HASH_FIND_INT(groups_by_tgid, &pid, tg);
	return tg;
}

static void task_hash(struct task *t)
{
	HASH_ADD(hh_host, tasks_by_host, host_tid, sizeof(t->host_tid), t);
	HASH_ADD(hh_tid, tasks_by_tid, tid, sizeof(t->tid), t);
	kernel.ntasks++;
}

static struct fs_context *fs_context_new(const struct path *root)
{
	struct fs_context *fs = calloc(1, sizeof(*fs));
	if (!fs)
		return NULL;
	fs->refs = 1;
	fs->root = *root;
	path_get(&fs->root);
	fs->cwd = *root;
	path_get(&fs->cwd);
	fs->umask = 022;
	return fs;
}

void fs_context_put(struct fs_context *fs)
{
	if (!fs || --fs->refs > 0)
		return;
	path_put(&fs->root);
	path_put(&fs->cwd);
	free(fs);
}

void sighand_put(struct sighand *sh)
{
	if (sh && --sh->refs == 0)
		free(sh);
}

static void creds_init(struct creds *c, uid_t uid, gid_t gid)
{
	memset(c, 0, sizeof(*c));
	c->ruid = c->euid = c->suid = c->fsuid = uid;
	c->rgid = c->egid = c->sgid = c->fsgid = gid;
}

int task_create_init(pid_t host_pid, uid_t uid, gid_t gid, const struct path *root,
		     struct task **out)
{
	struct thread_group *tg = calloc(1, sizeof(*tg));
	struct task *t = calloc(1, sizeof(*t));
	if (!tg || !t)
		goto nomem;
	t->files = fdtable_new();
	t->fs = fs_context_new(root);
	t->sighand = calloc(1, sizeof(*t->sighand));
	if (!t->files || !t->fs || !t->sighand)
		goto nomem;
	t->sighand->refs = 1;
	t->closing_lo = 1;
	last_pid = 1;
	tg->tgid = t->tid = 1;
	tg->host_pid = t->host_tid = host_pid;
	tg->pidfd = -1;
	tg->leader = t;
	tg->pgid = tg->sid = 1;
	creds_init(&tg->creds, uid, gid);
	for (int r = 0; r < RLIM_NLIMITS; r++)
		getrlimit(r, &tg->rlimits[r]);
	/* The guest sees the conventional defaults, whatever the sentry raised for itself. */
	tg->rlimits[RLIMIT_NOFILE].rlim_cur = 1024;
	tg->rlimits[RLIMIT_NOFILE].rlim_max = 1048576;
	t->tg = tg;
	LL_APPEND2(tg->threads, t, group_next);
	tg->nthreads = 1;
	HASH_ADD_INT(groups_by_tgid, tgid, tg);
	task_hash(t);
	*out = t;
	return 0;
nomem:
	if (t) {
		fdtable_put(t->files);
		fs_context_put(t->fs);
		free(t->sighand);
	}
	free(t);
	free(tg);
	return -ENOMEM;
}

void task_reserve_closing(struct task *t, int lo, int hi)
{
	task_settle_closes(t);
	t->closing_lo = lo;
	t->closing_hi = hi;
	for (int fd = lo; fd <= hi && fd < t->files->size; fd++)
		t->files->entries[fd].reserved = true;
}

void task_settle_closes(struct task *t)
{
	if (t->closing_lo > t->closing_hi)
		return;
	for (int fd = t->closing_lo; fd <= t->closing_hi && fd < t->files->size; fd++)
		t->files->entries[fd].reserved = false;
	t->closing_lo = 1;
	t->closing_hi = 0;
}

void task_signal_all(int sig)
{
	struct task *t, *tmp;
	HASH_ITER(hh_host, tasks_by_host, t, tmp)
		syscall(SYS_tgkill, t->tg->host_pid, t->host_tid, sig);
}

void task_exit(struct task *t, int wait_status)
{
	struct thread_group *tg = t->tg;

	task_settle_closes(t);
	HASH_DELETE(hh_host, tasks_by_host, t);
	HASH_DELETE(hh_tid, tasks_by_tid, t);
	kernel.ntasks--;
	LL_DELETE2(tg->threads, t, group_next);
	tg->nthreads--;
	if (t == tg->leader) {
		tg->exit_status = wait_status;
		tg->leader = NULL;
	}
	fdtable_put(t->files);
	fs_context_put(t->fs);
	sighand_put(t->sighand);
	free(t);
	if (tg->nthreads > 0)
		return;
	tg->exited = true;
	if (tg->tgid == 1) {
		kernel.init_exited = true;
		kernel.init_status = tg->exit_status;
	}
	pthread_cond_broadcast(&kernel.exited);
}
