/* The control server: see control.h. One thread accepts; each connection is served on a
   thread of its own (an "exec" one lives as long as its process). */
#define _GNU_SOURCE
#include "sentry/control.h"
#include "sentry/kernel.h"
#include "sentry/spawner.h"
#include "sentry/fs/memfs.h"
#include "sentry/ipc/ipc.h"
#include "sentry/task/task.h"
#include "sentry/vfs/vfs.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>

#define CONTROL_STACK_SIZE (256 * 1024)
#define CONTROL_REQUEST_TIMEOUT_MS 10000

static int listen_sock = -1;
static int start_pipe = -1;		/* kernel lock */

/* Fds a request may carry (more make the message fail). */

struct request {
	json_object *msg;
	json_object *reply;
	int fds[CONTROL_MAX_FDS];
	int nfds;
	struct thread_group *exec_tg;	/* "exec": the process whose exit the reply promises */
};

static int op_start(struct request *rq)
{
	(void)rq;
	kernel_lock();
	int fd = start_pipe;
	start_pipe = -1;
	kernel_unlock();
	if (fd < 0)
		return -EALREADY;
	int r = write(fd, "s", 1) == 1 ? 0 : -errno;
	close(fd);
	return r;
}

/* A signal from outside to the sandbox's init, as to a pid namespace's init from an ancestor
   namespace: SIGKILL and SIGSTOP always arrive, others only if it handles them. Before
   "start" it is our launcher, which any signal may end (as runc's waiting init). After
   "start" and before its exec completes it is treated as the program it is becoming, whose
   handlers start at the default: a "docker stop" right after "docker run -d" must not find
   it still in the launcher (kernel lock held). */
static bool init_ignores(struct thread_group *tg, int sig)
{
	struct task *any = thread_group_any(tg);
	if (sig == SIGKILL || sig == SIGSTOP || (!tg->did_exec && start_pipe >= 0) || !any)
		return false;
	uint64_t handler = any->sighand->action[sig].handler;
	return handler == (uint64_t)(uintptr_t)SIG_DFL || handler == (uint64_t)(uintptr_t)SIG_IGN;
}

/* Sends sig to every live guest process (kernel lock held); with init_rules, init only
   gets it as init_ignores() says (kill --all, not pause/resume). */
static int signal_all_processes(int sig, bool init_rules)
{
	int r = -ESRCH;
	for (struct thread_group *tg = thread_group_first(); tg; tg = thread_group_next(tg)) {
		if (tg->exited || (init_rules && tg->tgid == 1 && init_ignores(tg, sig)))
			continue;
		thread_group_signal(tg, NULL, sig);
		r = 0;
	}
	return r;
}

static int op_kill(struct request *rq)
{
	json_object *v;
	bool all = json_object_object_get_ex(rq->msg, "all", &v) && json_object_get_boolean(v);
	if (!json_object_object_get_ex(rq->msg, "signal", &v) || !json_object_is_type(v, json_type_int))
		return -EINVAL;
	int64_t sig = json_object_get_int64(v);
	if (sig < 0 || sig >= TASK_NSIG)
		return -EINVAL;
	kernel_lock();
	int r;
	struct thread_group *init = thread_group_by_pid(1), *target;
	if (json_object_object_get_ex(rq->msg, "pid", &v)) {
		target = json_object_is_type(v, json_type_int) && json_object_get_int64(v) > 1 ?
				 thread_group_by_pid((pid_t)json_object_get_int64(v)) : NULL;
		r = !target || target->exited ? -ESRCH : sig ? thread_group_signal(target, NULL, (int)sig) : 0;
	} else if (all)
		r = signal_all_processes((int)sig, true);
	else if (!init || init->exited)
		r = -ESRCH;
	else
		r = sig == 0 || init_ignores(init, (int)sig) ? 0 : thread_group_signal(init, NULL, (int)sig);
	kernel_unlock();
	return r;
}

static int op_ps(struct request *rq)
{
	json_object *pids = json_object_new_array();
	kernel_lock();
	for (struct thread_group *tg = thread_group_first(); tg; tg = thread_group_next(tg))
		if (!tg->exited)
			json_object_array_add(pids, json_object_new_int(tg->host_pid));
	kernel_unlock();
	json_object_object_add(rq->reply, "pids", pids);
	return 0;
}

/* The sandbox's memory as the sentry counts it (`runsc-c debug memory` adds the host's view
   of the sentry's and the gofer's own memory): the memory files' budget, each mount that holds
   file data in memory, System V segments, and the gofer's host pid (from the spec). */
static int op_memory(struct request *rq)
{
	json_object *mounts = json_object_new_array(), *files = json_object_new_object(),
		    *shm = json_object_new_object();
	uint64_t used, max, bytes, resident;
	size_t segments;
	char path[VFS_PATH_MAX];

	kernel_lock();
	memfs_budget_get(&used, &max);
	json_object_object_add(files, "used", json_object_new_uint64(used));
	json_object_object_add(files, "limit", json_object_new_uint64(max));
	/* Paths as a guest process sees them. */
	struct thread_group *any = thread_group_first();
	while (any && !any->threads)
		any = thread_group_next(any);
	for (struct mount *mnt = vfs_mount_first(); mnt && any; mnt = mnt->next) {
		struct super_block *sb = mnt->root && mnt->root->inode ? mnt->root->inode->sb : NULL;
		if (!sb || (!sb->bytes_max && !sb->bytes_used) ||
		    vfs_path_name(any->threads, &(struct path){ mnt, mnt->root }, path, sizeof(path)) < 0)
			continue;
		json_object *m = json_object_new_object();
		json_object_object_add(m, "path", json_object_new_string(path));
		json_object_object_add(m, "fstype", json_object_new_string(sb->fstype));
		json_object_object_add(m, "used", json_object_new_uint64(sb->bytes_used));
		json_object_object_add(m, "limit", json_object_new_uint64(sb->bytes_max));
		json_object_array_add(mounts, m);
	}
	shm_totals(&segments, &bytes, &resident);
	kernel_unlock();
	json_object_object_add(shm, "segments", json_object_new_uint64(segments));
	json_object_object_add(shm, "bytes", json_object_new_uint64(bytes));
	json_object_object_add(shm, "resident", json_object_new_uint64(resident));
	json_object_object_add(rq->reply, "memory_files", files);
	json_object_object_add(rq->reply, "mounts", mounts);
	json_object_object_add(rq->reply, "sysv_shm", shm);
	json_object_object_add(rq->reply, "gofer_pid", json_object_new_int(kernel.gofer_pid));
	return 0;
}

/* pause and resume: every process, init included (SIGSTOP and SIGCONT are not init's to
   refuse here). */
static int signal_everything(int sig)
{
	kernel_lock();
	int r = signal_all_processes(sig, false);
	kernel_unlock();
	return r;
}

static int op_pause(struct request *rq)
{
	(void)rq;
	return signal_everything(SIGSTOP);
}

static int op_resume(struct request *rq)
{
	(void)rq;
	return signal_everything(SIGCONT);
}

/* Records the new process (kernel lock held); kills it if that fails. */
static int enter_process(pid_t host_pid, const struct guest_process *p, const int *fds, int nfds,
			 struct thread_group **out)
{
	struct task *t;
	/* The sandbox is going away: nothing new enters. */
	if (kernel.init_exited)
		return -ESRCH;
	if (task_pids_exhausted())
		return -EAGAIN;
	int r = task_create_process(host_pid, p->uid, p->gid,
				    &(struct path){ kernel.root_mount, kernel.root_mount->root }, &t);
	if (r < 0)
		return r;
	r = guest_process_apply(t, p, fds, true);
	if (r == 0)
		r = guest_process_adopt_fds(t, 3, fds + 3, nfds - 3);
	if (r < 0)
		return r;
	t->tg->exit_watched = true;
	kernel.control_pending++;
	*out = t->tg;
	return 0;
}

static int op_exec(struct request *rq)
{
	json_object *proc;
	struct guest_process p;
	int go[2];
	pid_t host_pid;

	if (rq->nfds < 3)
		return -EBADF;
	int r = guest_process_check_fds(rq->fds, rq->nfds);
	if (r < 0)
		return r;
	if (!json_object_object_get_ex(rq->msg, "process", &proc) || (r = guest_process_from_json(proc, &p)) < 0)
		return -EINVAL;
	if (pipe2(go, O_CLOEXEC) < 0) {
		guest_process_free(&p);
		return -errno;
	}
	r = spawner_launch(json_object_to_json_string_ext(proc, JSON_C_TO_STRING_PLAIN), rq->fds, go[0],
			   rq->fds + 3, rq->nfds - 3, &host_pid);
	close(go[0]);
	if (r == 0) {
		kernel_lock();
		r = enter_process(host_pid, &p, rq->fds, rq->nfds, &rq->exec_tg);
		kernel_unlock();
		/* Not recorded, it must not run: killed before it is attached, it is reaped (and
		   forgotten, if half recorded: it has no parent) like any other. */
		if (r < 0)
			kill(host_pid, SIGKILL);
	}
	guest_process_free(&p);
	if (r < 0) {
		close(go[1]);
		return r;
	}
	tracer_attach(host_pid, go[1]);
	kernel_lock();
	json_object_object_add(rq->reply, "pid", json_object_new_int(rq->exec_tg->tgid));
	kernel_unlock();
	return 0;
}

static const struct control_op {
	const char *name;
	int (*handle)(struct request *rq);
} control_ops[] = {
	{ "start", op_start }, { "kill", op_kill }, { "ps", op_ps },
	{ "pause", op_pause }, { "resume", op_resume }, { "exec", op_exec },
	{ "memory", op_memory },
};

static int dispatch(struct request *rq)
{
	json_object *op;
	if (!json_object_is_type(rq->msg, json_type_object) || !json_object_object_get_ex(rq->msg, "op", &op) ||
	    !json_object_is_type(op, json_type_string))
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(control_ops); i++)
		if (!strcmp(control_ops[i].name, json_object_get_string(op)))
			return control_ops[i].handle(rq);
	return -EOPNOTSUPP;
}

static void send_json(int conn, json_object *o)
{
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	/* The client may be gone: its process goes on regardless. */
	if (send(conn, text, strlen(text), MSG_NOSIGNAL) < 0)
		log_debug("control: reply not sent: %m");
}

static void control_done(void)
{
	kernel_lock();
	kernel.control_pending--;
	pthread_cond_broadcast(&kernel.task_event);
	kernel_unlock();
}

/* Waits for the exec'd process to end and hands its exit code over (then it is reaped). */
static void send_exit_code(int conn, struct thread_group *tg)
{
	kernel_lock();
	while (!tg->exited)
		pthread_cond_wait(&kernel.task_event, &kernel.lock);
	int code = wait_status_exit_code(tg->exit_status);
	thread_group_reap(tg);
	kernel_unlock();
	json_object *o = json_object_new_object();
	json_object_object_add(o, "exit_code", json_object_new_int(code));
	send_json(conn, o);
	json_object_put(o);
	control_done();
}

static void *connection_main(void *arg)
{
	_cleanup_close_ int conn = (int)(intptr_t)arg;
	_cleanup_free_ char *buf = malloc(CONTROL_MSG_MAX + 1);
	struct request rq = { .nfds = CONTROL_MAX_FDS };

	if (!buf)
		return NULL;
	/* A client that connects and says nothing does not keep a thread forever. */
	struct pollfd pfd = { conn, POLLIN, 0 };
	if (poll(&pfd, 1, CONTROL_REQUEST_TIMEOUT_MS) != 1)
		return NULL;
	ssize_t n = sock_recv_fds(conn, buf, CONTROL_MSG_MAX, rq.fds, &rq.nfds);
	if (n == 0)
		return NULL;
	buf[n < 0 ? 0 : n] = '\0';
	kernel_lock();
	kernel.control_pending++;
	kernel_unlock();
	rq.msg = json_tokener_parse(buf);
	rq.reply = json_object_new_object();
	/* A message too large, or with too many fds, was cut: refused as a whole. */
	int r = n < 0 ? (int)n : dispatch(&rq);
	if (r < 0)
		log_debug("control: request %.200s: %s", buf, strerror(-r));
	json_object_object_add(rq.reply, "error", json_object_new_int(-r));
	send_json(conn, rq.reply);
	json_object_put(rq.reply);
	json_object_put(rq.msg);
	for (int i = 0; i < rq.nfds; i++)
		close(rq.fds[i]);
	control_done();
	if (rq.exec_tg)
		send_exit_code(conn, rq.exec_tg);
	return NULL;
}

static void *accept_main(void *arg)
{
	pthread_attr_t attr;
	(void)arg;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, CONTROL_STACK_SIZE);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (;;) {
		int conn = accept4(listen_sock, NULL, NULL, SOCK_CLOEXEC);
		if (conn < 0) {
			/* Out of fds or memory: let the connections in flight finish first. */
			if (errno != EINTR && errno != ECONNABORTED)
				nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
			continue;
		}
		pthread_t th;
		if (pthread_create(&th, &attr, connection_main, (void *)(intptr_t)conn) != 0)
			close(conn);
	}
	return NULL;
}

int control_server_start(int listen_fd, int start_fd)
{
	pthread_t th;
	listen_sock = listen_fd;
	start_pipe = start_fd;
	int r = pthread_create(&th, NULL, accept_main, NULL);
	if (r)
		return log_errno(-r, "starting the control server");
	pthread_detach(th);
	return 0;
}
