/* The task tables and the life cycle of guest threads and processes. */
#define _GNU_SOURCE
#include "sentry/task/task.h"
#include "sentry/task/fdtable.h"
#include "sentry/task/siginfo.h"
#include "sentry/kernel.h"
#include "sentry/mm/guest_mem.h"
#include "sentry/ipc/ipc.h"
#include "common/log.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <utlist.h>

#define PID_MAX 4194304
/* Linux's timer slack of an ordinary thread. */
#define DEFAULT_TIMER_SLACK_NS 50000

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

void task_rekey(struct task *t, pid_t host_tid, pid_t tid)
{
	HASH_DELETE(hh_host, tasks_by_host, t);
	HASH_DELETE(hh_tid, tasks_by_tid, t);
	t->host_tid = host_tid;
	t->tid = tid;
	HASH_ADD(hh_host, tasks_by_host, host_tid, sizeof(t->host_tid), t);
	HASH_ADD(hh_tid, tasks_by_tid, tid, sizeof(t->tid), t);
}

pid_t task_last_pid(void)
{
	return last_pid;
}

struct thread_group *thread_group_first(void)
{
	return groups_by_tgid;
}

struct thread_group *thread_group_next(struct thread_group *tg)
{
	return tg->hh.next;
}

static int pid_compare(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return (x > y) - (x < y);
}

pid_t *thread_group_live_pids(int *n)
{
	int count = 0;
	pid_t *v = malloc(sizeof(pid_t) * (HASH_COUNT(groups_by_tgid) + 1));
	if (!v)
		return NULL;
	for (struct thread_group *tg = groups_by_tgid; tg; tg = tg->hh.next)
		if (!tg->exited)
			v[count++] = tg->tgid;
	qsort(v, (size_t)count, sizeof(pid_t), pid_compare);
	*n = count;
	return v;
}

struct task *task_get(struct task *t)
{
	t->refs++;
	return t;
}

static void thread_group_put(struct thread_group *tg);

void task_put(struct task *t)
{
	if (--t->refs > 0)
		return;
	thread_group_put(t->tg);
	exec_pending_free(t->exec);
	if (t->wake_fd > 0)
		close(t->wake_fd);
	free(t);
}

/* A pid not in use as a thread, process, process group or session id. */
static bool pid_in_use(pid_t pid)
{
	if (task_by_tid(pid) || thread_group_by_pid(pid))
		return true;
	struct thread_group *tg, *tmp;
	HASH_ITER(hh, groups_by_tgid, tg, tmp)
		if (tg->pgid == pid || tg->sid == pid)
			return true;
	return false;
}

/* Next free pid after the last one handed out, wrapping like Linux. */
static pid_t pid_alloc(void)
{
	for (int tries = 0; tries < PID_MAX; tries++) {
		pid_t p = last_pid >= PID_MAX - 1 ? 2 : last_pid + 1;
		last_pid = p;
		if (!pid_in_use(p))
			return p;
	}
	return -EAGAIN;
}

static void task_hash(struct task *t)
{
	HASH_ADD(hh_host, tasks_by_host, host_tid, sizeof(t->host_tid), t);
	HASH_ADD(hh_tid, tasks_by_tid, tid, sizeof(t->tid), t);
	kernel.ntasks++;
}

static struct fs_context *fs_context_new(const struct path *root, const struct path *cwd,
					 mode_t umask)
{
	struct fs_context *fs = calloc(1, sizeof(*fs));
	if (!fs)
		return NULL;
	fs->refs = 1;
	fs->root = *root;
	path_get(&fs->root);
	fs->cwd = *cwd;
	path_get(&fs->cwd);
	fs->umask = umask;
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

static uint64_t sandbox_now_ns(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)(now.tv_sec - kernel.boot_time.tv_sec) * 1000000000ULL +
	       (uint64_t)(now.tv_nsec - kernel.boot_time.tv_nsec);
}

static struct task *task_alloc(void)
{
	struct task *t = calloc(1, sizeof(*t));
	if (t) {
		t->refs = 1;
		t->closing_lo = 1;
		t->timer_slack_ns = t->default_timer_slack_ns = DEFAULT_TIMER_SLACK_NS;
	}
	return t;
}

int task_create_process(pid_t host_pid, uid_t uid, gid_t gid, const struct path *root,
			struct task **out)
{
	pid_t pid = pid_alloc();
	if (pid < 0)
		return pid;
	struct thread_group *tg = calloc(1, sizeof(*tg));
	struct task *t = task_alloc();
	if (!tg || !t)
		goto nomem;
	t->files = fdtable_new();
	t->fs = fs_context_new(root, root, 022);
	t->sighand = calloc(1, sizeof(*t->sighand));
	if (!t->files || !t->fs || !t->sighand)
		goto nomem;
	t->sighand->refs = 1;
	tg->tgid = t->tid = pid;
	tg->host_pid = t->host_tid = host_pid;
	tg->pidfd = (int)syscall(SYS_pidfd_open, host_pid, 0);
	tg->leader = t;
	tg->pgid = tg->sid = pid;
	tg->exit_signal = SIGCHLD;
	tg->start_ns = sandbox_now_ns();
	tg->coredump_filter = PROC_DEFAULT_COREDUMP_FILTER;
	creds_init(&tg->creds, uid, gid);
	for (int r = 0; r < RLIM_NLIMITS; r++)
		getrlimit(r, &tg->rlimits[r]);
	/* The guest sees the conventional defaults, whatever the sentry raised for itself. */
	tg->rlimits[RLIMIT_NOFILE].rlim_cur = 1024;
	tg->rlimits[RLIMIT_NOFILE].rlim_max = 1048576;
	tg->refs = 2;
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

static void thread_group_put(struct thread_group *tg)
{
	if (!tg || --tg->refs > 0)
		return;
	if (tg->pidfd >= 0)
		close(tg->pidfd);
	free(tg->exe_path);
	free(tg->cmdline);
	free(tg->environ);
	signal_records_free(tg);
	free(tg);
}

static char *memdup_or_null(const char *src, size_t len, size_t *out_len)
{
	char *copy = src && len ? malloc(len) : NULL;
	if (copy)
		memcpy(copy, src, len);
	*out_len = copy ? len : 0;
	return copy;
}

/* A new process: everything copied from the parent process but its pids. */
static struct thread_group *thread_group_fork(struct thread_group *src, pid_t pid, pid_t host_pid,
					      int exit_signal)
{
	struct thread_group *tg = calloc(1, sizeof(*tg));
	if (!tg)
		return NULL;
	tg->refs = 1;
	tg->tgid = pid;
	tg->host_pid = host_pid;
	tg->pidfd = (int)syscall(SYS_pidfd_open, host_pid, 0);
	tg->pgid = src->pgid;
	tg->oom_score_adj = src->oom_score_adj;
	tg->oom_score_adj_min = src->oom_score_adj_min;
	tg->coredump_filter = src->coredump_filter;
	tg->sid = src->sid;
	tg->creds = src->creds;
	memcpy(tg->rlimits, src->rlimits, sizeof(tg->rlimits));
	memcpy(tg->comm, src->comm, sizeof(tg->comm));
	tg->exit_signal = exit_signal;
	tg->exe_path = src->exe_path ? strdup(src->exe_path) : NULL;
	tg->cmdline = memdup_or_null(src->cmdline, src->cmdline_len, &tg->cmdline_len);
	tg->environ = memdup_or_null(src->environ, src->environ_len, &tg->environ_len);
	tg->start_ns = sandbox_now_ns();
	tg->sentry_page = src->sentry_page;
	return tg;
}

void task_clone_settle(struct task *t)
{
	if (t->clone.counted) {
		t->clone.counted = false;
		kernel.clones_pending--;
	}
}

int task_clone(struct task *parent, pid_t host_tid, struct task **out)
{
	unsigned long flags = parent->clone.flags;
	struct task *t = task_alloc();
	pid_t tid = pid_alloc();

	if (!t || tid < 0) {
		free(t);
		return -EAGAIN;
	}
	t->tid = tid;
	t->host_tid = host_tid;
	t->sched = parent->sched;
	t->timer_slack_ns = t->default_timer_slack_ns = parent->timer_slack_ns;
	t->no_new_privs = parent->no_new_privs;
	/* SCHED_RESET_ON_FORK: no real-time policy and no negative nice for the child, which
	   does not inherit the flag (sched_fork). */
	if (t->sched.reset_on_fork) {
		if (t->sched.policy == SCHED_FIFO || t->sched.policy == SCHED_RR)
			t->sched = (struct sched_settings){ .policy = SCHED_OTHER };
		else if (t->sched.nice < 0)
			t->sched.nice = 0;
		t->sched.reset_on_fork = false;
	}
	/* A shared table is referenced at once, so that the error path puts exactly what was
	   taken. */
	if (flags & CLONE_FILES) {
		t->files = parent->files;
		t->files->refs++;
	} else {
		t->files = fdtable_dup(parent->files);
	}
	if (flags & CLONE_FS) {
		t->fs = parent->fs;
		t->fs->refs++;
	} else {
		t->fs = fs_context_new(&parent->fs->root, &parent->fs->cwd, parent->fs->umask);
	}
	if (flags & CLONE_SIGHAND) {
		t->sighand = parent->sighand;
	} else if ((t->sighand = malloc(sizeof(*t->sighand)))) {
		*t->sighand = *parent->sighand;
		t->sighand->refs = 0;
	}
	if (t->sighand)
		t->sighand->refs++;
	if (!t->files || !t->fs || !t->sighand)
		goto nomem;

	struct thread_group *tg;
	if (flags & CLONE_THREAD) {
		tg = parent->tg;
	} else {
		tg = thread_group_fork(parent->tg, tid, host_tid, (int)(flags & CSIGNAL));
		if (!tg)
			goto nomem;
		tg->leader = t;
		/* CLONE_PARENT makes a sibling; init's siblings would have no parent: init adopts. */
		struct thread_group *p = parent->tg;
		if ((flags & CLONE_PARENT) && p->parent)
			p = p->parent;
		tg->parent = p;
		tg->parent_tid = p == parent->tg ? parent->tid : parent->tg->parent_tid;
		DL_APPEND2(p->children, tg, sibling_prev, sibling_next);
		HASH_ADD_INT(groups_by_tgid, tgid, tg);
		ipc_process_fork(tg, parent->tg, flags & CLONE_VM);
	}
	t->tg = tg;
	tg->refs++;
	LL_APPEND2(tg->threads, t, group_next);
	tg->nthreads++;
	task_hash(t);
	*out = t;
	return 0;
nomem:
	fdtable_put(t->files);
	fs_context_put(t->fs);
	sighand_put(t->sighand);
	free(t);
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

int thread_group_signal(struct thread_group *tg, struct task *thread, int sig)
{
	siginfo_t si;
	siginfo_user(&si, sig, thread ? SI_TKILL : SI_USER, NULL);
	return signal_send(tg, thread, &si);
}

/* The parent hears of child with its exit signal (sig). */
static void notify_parent(struct thread_group *parent, const struct thread_group *child, int sig)
{
	siginfo_t si;
	siginfo_child(&si, sig, child);
	signal_send(parent, NULL, &si);
}

static bool ignores_children(struct thread_group *parent)
{
	struct task *t = parent->threads;
	if (!t)
		return false;
	const struct sigaction_record *a = &t->sighand->action[SIGCHLD];
	return a->handler == (uint64_t)(uintptr_t)SIG_IGN || (a->flags & SA_NOCLDWAIT);
}

void thread_group_reap(struct thread_group *tg)
{
	struct thread_group *parent = tg->parent;
	if (parent) {
		struct rusage *acc = &parent->children_rusage;
		timeradd(&acc->ru_utime, &tg->rusage.ru_utime, &acc->ru_utime);
		timeradd(&acc->ru_stime, &tg->rusage.ru_stime, &acc->ru_stime);
		timeradd(&acc->ru_utime, &tg->children_rusage.ru_utime, &acc->ru_utime);
		timeradd(&acc->ru_stime, &tg->children_rusage.ru_stime, &acc->ru_stime);
		if (tg->rusage.ru_maxrss > acc->ru_maxrss)
			acc->ru_maxrss = tg->rusage.ru_maxrss;
		acc->ru_minflt += tg->rusage.ru_minflt;
		acc->ru_majflt += tg->rusage.ru_majflt;
		acc->ru_nvcsw += tg->rusage.ru_nvcsw;
		acc->ru_nivcsw += tg->rusage.ru_nivcsw;
		DL_DELETE2(parent->children, tg, sibling_prev, sibling_next);
	}
	tg->parent = NULL;
	HASH_DEL(groups_by_tgid, tg);
	if (tg->exited)
		kernel.nzombies--;
	thread_group_put(tg);
}

/* Who adopts tg's children: the nearest live ancestor that is a child subreaper
   (PR_SET_CHILD_SUBREAPER), else init (find_new_reaper). */
static struct thread_group *find_reaper(struct thread_group *tg)
{
	for (struct thread_group *p = tg->parent; p; p = p->parent)
		if (p->child_subreaper && !p->exited)
			return p;
	struct thread_group *init = thread_group_by_pid(1);
	return init != tg ? init : NULL;
}

/* Orphans go to the reaper; as on Linux they now signal SIGCHLD at exit, and the reaper is
   told about those already dead (which it reaps at once if it ignores SIGCHLD). */
static void reparent_children(struct thread_group *tg)
{
	struct thread_group *reaper = find_reaper(tg);
	struct thread_group *c, *tmp, *zombie = NULL;

	DL_FOREACH_SAFE2(tg->children, c, tmp, sibling_next) {
		DL_DELETE2(tg->children, c, sibling_prev, sibling_next);
		c->parent = reaper;
		c->exit_signal = SIGCHLD;
		if (!reaper)
			continue;
		c->parent_tid = thread_group_any(reaper) ? thread_group_any(reaper)->tid : 0;
		DL_APPEND2(reaper->children, c, sibling_prev, sibling_next);
		if (c->exited) {
			if (!reaper->exited && ignores_children(reaper))
				thread_group_reap(c);
			else
				zombie = c;
		}
	}
	if (zombie && !reaper->exited)
		notify_parent(reaper, zombie, SIGCHLD);
}

bool task_pids_exhausted(void)
{
	/* As Linux's pids cgroup: a zombie holds its pid until it is reaped, so a parent that
	   never waits cannot make processes without end (nor the sentry's tables grow). */
	return kernel.pids_max &&
	       kernel.ntasks + kernel.nzombies + kernel.clones_pending >= kernel.pids_max;
}

/* A child's exit signal to the sandbox's init is dropped unless init handles it, as Linux
   does for a pid namespace's init (a clone's exit signal may be any number). */
static bool init_drops_exit_signal(struct thread_group *parent, int sig)
{
	struct task *any = thread_group_any(parent);
	if (parent->tgid != 1 || !any || sig == SIGCHLD || sig >= TASK_NSIG)
		return false;
	uint64_t handler = any->sighand->action[sig].handler;
	return handler == (uint64_t)(uintptr_t)SIG_DFL || handler == (uint64_t)(uintptr_t)SIG_IGN;
}

static void thread_group_exited(struct thread_group *tg)
{
	tg->exited = true;
	kernel.nzombies++;
	reparent_children(tg);
	if (tg->tgid == 1) {
		kernel.init_exited = true;
		kernel.init_status = tg->exit_status;
		return;
	}
	struct thread_group *parent = tg->parent;
	if (!parent) {
		if (!tg->exit_watched)
			thread_group_reap(tg);
		return;
	}
	if (tg->exit_signal > 0 && !parent->exited && !init_drops_exit_signal(parent, tg->exit_signal))
		notify_parent(parent, tg, tg->exit_signal);
	/* A parent ignoring SIGCHLD (or with SA_NOCLDWAIT) leaves no zombies. */
	if (tg->exit_signal == SIGCHLD && ignores_children(parent))
		thread_group_reap(tg);
}

/* t, a thread of a parent, exits: the children it made get their parent-death signal
   (from t's process, as Linux sends it) and another thread of the process for parent. */
static void parent_thread_exited(struct task *t)
{
	struct task *heir = t->tg->threads;
	while (heir && heir == t)
		heir = heir->group_next;
	struct thread_group *c;
	DL_FOREACH2(t->tg->children, c, sibling_next) {
		if (c->parent_tid != t->tid)
			continue;
		c->parent_tid = heir ? heir->tid : 0;
		for (struct task *ct = c->threads; ct; ct = ct->group_next) {
			if (!ct->pdeath_signal)
				continue;
			siginfo_t si;
			siginfo_user(&si, ct->pdeath_signal, SI_USER, t->tg);
			signal_send(c, NULL, &si);
		}
	}
}

void task_exit(struct task *t, int wait_status, const struct rusage *ru)
{
	struct thread_group *tg = t->tg;

	parent_thread_exited(t);

	task_settle_closes(t);
	task_clone_settle(t);
	HASH_DELETE(hh_host, tasks_by_host, t);
	HASH_DELETE(hh_tid, tasks_by_tid, t);
	kernel.ntasks--;
	LL_DELETE2(tg->threads, t, group_next);
	tg->nthreads--;
	if (t == tg->leader) {
		tg->exit_status = wait_status;
		if (ru)
			tg->rusage = *ru;
		tg->leader = NULL;
	}
	fdtable_put(t->files);
	fs_context_put(t->fs);
	sighand_put(t->sighand);
	t->files = NULL;
	t->fs = NULL;
	t->sighand = NULL;
	t->dead = true;
	if (tg->nthreads == 0) {
		ipc_process_exit(tg);
		thread_group_exited(tg);
	}
	task_put(t);
	pthread_cond_broadcast(&kernel.task_event);
}

void thread_group_stop_changed(struct thread_group *tg)
{
	struct thread_group *parent = tg->parent;
	if (parent && !parent->exited && parent->threads &&
	    !(parent->threads->sighand->action[SIGCHLD].flags & SA_NOCLDSTOP))
		notify_parent(parent, tg, SIGCHLD);
	pthread_cond_broadcast(&kernel.task_event);
}
