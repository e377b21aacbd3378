#define _GNU_SOURCE
#include "oci/container.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "oci/cgroup.h"
#include "oci/console.h"
#include "oci/hooks.h"
#include "oci/log.h"
#include "oci/rootfs.h"
#include "oci/spec.h"
#include "oci/state.h"
#include "sandbox/network.h"
#include "sandbox/control.h"
#include "sandbox/sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static void free_container(struct oci_container *c)
{
	oci_container_free(c);
}
#define _cleanup_container_ __attribute__((cleanup(free_container)))

static void free_config(struct oci_config *cfg)
{
	oci_config_free(cfg);
}
#define _cleanup_config_ __attribute__((cleanup(free_config)))

int oci_overlay_parse(const char *s, bool *direct)
{
	if (strcmp(s, "memory") && strcmp(s, "none"))
		return -EINVAL;
	*direct = !strcmp(s, "none");
	return 0;
}

/* The container's annotation, when it has one, wins over --overlay. */
static int root_direct(const struct oci_create_opts *o, json_object *annotations, bool *direct)
{
	json_object *v;
	*direct = o->root_direct;
	if (!annotations || !json_object_object_get_ex(annotations, OCI_OVERLAY_ANNOTATION, &v))
		return 0;
	if (oci_overlay_parse(json_object_get_string(v), direct) < 0)
		return oci_error(-EINVAL, "config.json: annotation %s must be memory or none",
				 OCI_OVERLAY_ANNOTATION);
	return 0;
}

int oci_signal_parse(const char *s, int *sig)
{
	long n;
	if (parse_int(s, 1, SIGRTMAX, &n) == 0) {
		*sig = (int)n;
		return 0;
	}
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (int i = 1; i < SIGRTMIN; i++) {
		const char *name = sigabbrev_np(i);
		if (name && !strcasecmp(name, s)) {
			*sig = i;
			return 0;
		}
	}
	return oci_error(-EINVAL, "unknown signal \"%s\"", s);
}

int oci_write_pid_file(const char *path, pid_t pid)
{
	char tmp[4096], text[32];
	int n = snprintf(tmp, sizeof(tmp), "%s.tmp%d", path, getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return oci_error(-ENAMETOOLONG, "pid file %s: name too long", path);
	snprintf(text, sizeof(text), "%d", pid);
	_cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	int r = fd < 0 ? -errno : write_full(fd, text, strlen(text));
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return oci_error(r, "writing the pid file %s: %s", path, strerror(-r));
	}
	return 0;
}

/* A sandbox that answers no more is a stopped container, in runc's words. */
static int control_error(int r, const char *what)
{
	if (r == -ECONNREFUSED || r == -ENOENT || r == -ECONNRESET || r == -EPIPE)
		return oci_error(-ESRCH, "container not running");
	return oci_error(r, "%s: %s", what, strerror(-r));
}

static int load(const char *root, const char *id, struct oci_container *c)
{
	int r = oci_container_load(root, id, c);
	if (r == -ENOENT)
		return oci_error(r, "container does not exist");
	return r;
}

/* Waits (bounded) for a process that is not our child to be gone. */
static void wait_gone(pid_t pid, uint64_t start, int timeout_ms)
{
	_cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	uint64_t now;
	if (pidfd < 0 || oci_pid_start_time(pid, &now) < 0 || now != start)
		return;
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	while (poll(&p, 1, timeout_ms) < 0 && errno == EINTR)
		;
}

/* Kills the sandbox and removes what create made. */
static void destroy(struct oci_container *c)
{
	uint64_t start;
	if (c->pid > 0 && oci_pid_start_time(c->pid, &start) == 0 && start == c->pid_start) {
		kill(c->pid, SIGKILL);
		wait_gone(c->pid, c->pid_start, 5000);
	}
	if (c->cgroup)
		oci_cgroup_destroy(c->cgroup);
	oci_container_remove_dir(c);
}

static int listen_control(const struct oci_container *c)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", c->sock_path);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 16) < 0)
		return oci_error(-errno, "control socket %s: %s", c->sock_path, strerror(errno));
	return take_fd(&fd);
}

struct create_result {
	int err;
	pid_t pid;
};

/* Under a memory limit the kernel's OOM killer should pick the guest's processes, as it
   would in a runc container, not the sentry that runs them all: the sentry's children (the
   first process, and the spawner whose launches inherit its score) get a higher score.
   Raising needs no capability, lowering the sentry's would (CAP_SYS_RESOURCE). */
#define GUEST_OOM_SCORE_ADJ 500

static void favour_guests_for_oom(pid_t sentry)
{
	DIR *proc = opendir("/proc");
	if (!proc)
		return;
	for (struct dirent *e; (e = readdir(proc));) {
		char path[300], buf[512];
		long pid = strtol(e->d_name, NULL, 10);
		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
		_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		char *p = strrchr(buf, ')');
		int ppid = 0;
		if (!p || sscanf(p + 1, " %*c %d", &ppid) != 1 || ppid != sentry)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/oom_score_adj", pid);
		_cleanup_close_ int adj = open(path, O_RDWR | O_CLOEXEC);
		n = adj < 0 ? -1 : read(adj, buf, sizeof(buf) - 1);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		if (atoi(buf) < GUEST_OOM_SCORE_ADJ && dprintf(adj, "%d", GUEST_OOM_SCORE_ADJ) < 0)
			log_warn("cannot raise the OOM score of pid %ld: %m", pid);
	}
	closedir(proc);
}

/* In a child: join the cgroup and the network namespace (or a new one), then start the
   sandbox, whose processes inherit both. The caller's cgroup and namespaces stay as they
   were. */
static int spawn_sandbox(struct oci_config *cfg, const char *cgroup, pid_t *pid)
{
	int p[2];
	struct create_result res = { .err = -EIO };
	if (pipe2(p, O_CLOEXEC) < 0)
		return oci_error(-errno, "pipe: %s", strerror(errno));
	pid_t child = fork();
	if (child < 0) {
		close(p[0]);
		close(p[1]);
		return oci_error(-errno, "fork: %s", strerror(errno));
	}
	if (child == 0) {
		close(p[0]);
		res.err = cgroup ? oci_cgroup_enter(cgroup) : 0;
		if (res.err == 0 && cfg->netns_path) {
			_cleanup_close_ int ns = open(cfg->netns_path, O_RDONLY | O_CLOEXEC);
			if (ns < 0 || setns(ns, CLONE_NEWNET) < 0)
				res.err = oci_error(-errno, "joining the network namespace %s: %s",
						    cfg->netns_path, strerror(errno));
		}
		/* As runc makes one (with lo up): hooks (Docker's libnetwork-setkey) find it through
		   the pid. */
		if (res.err == 0 && cfg->new_netns && sandbox_netns_new() < 0)
			res.err = oci_error(-EIO, "creating a network namespace with lo up");
		if (res.err == 0) {
			res.err = sandbox_create(&cfg->spec, &res.pid);
			if (res.err < 0)
				oci_error(res.err, "starting the sandbox: %s", strerror(-res.err));
		}
		if (res.err == 0)
			favour_guests_for_oom(res.pid);
		write_full(p[1], &res, sizeof(res));
		_exit(0);
	}
	close(p[1]);
	ssize_t n = read_full(p[0], &res, sizeof(res));
	close(p[0]);
	while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
		;
	if (n != sizeof(res))
		return oci_error(-EIO, "starting the sandbox: the helper process died");
	*pid = res.pid;
	return res.err;
}

static int send_pidfd(const char *socket_path, pid_t pid)
{
	_cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return oci_error(-errno, "pidfd_open: %s", strerror(errno));
	return oci_socket_send_fd(socket_path, pidfd, "pidfd");
}

static int create_in(const struct oci_create_opts *o, struct oci_config *cfg, struct oci_container *c)
{
	_cleanup_close_ int control = -1, master = -1, slave = -1;
	int r;

	c->bundle = strdup(cfg->bundle);
	c->rootfs = strdup(cfg->rootfs);
	c->annotations = cfg->annotations ? json_object_get(cfg->annotations) : NULL;
	c->hooks = cfg->hooks ? json_object_get(cfg->hooks) : NULL;
	c->mounts = json_object_new_array();
	if (!c->bundle || !c->rootfs || !c->mounts)
		return -ENOMEM;
	for (size_t i = 0; i < cfg->spec.nmounts; i++)
		json_object_array_add(c->mounts, json_object_new_string(cfg->spec.mounts[i].destination));
	if ((r = oci_cgroup_path(cfg->cgroups_path, o->systemd_cgroup, o->id, &c->cgroup)) < 0)
		return r;
	if ((r = oci_container_save(c)) < 0)
		return r;
	if ((r = oci_cgroup_create(c->cgroup, &cfg->resources)) < 0) {
		free(take_ptr(&c->cgroup));
		return r;
	}
	if ((r = oci_container_save(c)) < 0 || (r = control = listen_control(c)) < 0)
		return r;
	cfg->spec.control_fd = control;
	cfg->spec.wait_for_start = true;
	cfg->spec.platform = o->platform;
	cfg->spec.log_path = o->log_path;
	cfg->spec.debug = o->debug;
	if ((r = root_direct(o, cfg->annotations, &cfg->spec.root_direct)) < 0)
		return r;
	if (cfg->terminal) {
		if (!o->console_socket)
			return oci_error(-EINVAL, "cannot allocate tty if runc will detach without setting console socket");
		if ((r = oci_console_open(cfg->console_rows, cfg->console_cols, &master, &slave)) < 0 ||
		    (r = oci_console_send(o->console_socket, master)) < 0)
			return r;
		cfg->spec.init.stdio[0] = cfg->spec.init.stdio[1] = cfg->spec.init.stdio[2] = slave;
	} else {
		if (o->console_socket)
			return oci_error(-EINVAL, "cannot use console socket if runc will not detach or allocate tty");
		cfg->spec.init.stdio[0] = 0;
		cfg->spec.init.stdio[1] = 1;
		cfg->spec.init.stdio[2] = 2;
	}
	cfg->spec.preserve_fds = o->preserve_fds;
	if ((r = spawn_sandbox(cfg, c->cgroup, &c->pid)) < 0)
		return r;
	if ((r = oci_pid_start_time(c->pid, &c->pid_start)) < 0)
		return oci_error(r, "the sandbox exited during create");
	if ((r = oci_container_save(c)) < 0)
		return r;
	if (o->pidfd_socket && (r = send_pidfd(o->pidfd_socket, c->pid)) < 0)
		return r;
	/* As runc: the create hooks see the container still "creating". */
	json_object *state = oci_container_state_json(c);
	json_object_object_add(state, "status", json_object_new_string(oci_status_name(OCI_CREATING)));
	r = oci_hooks_run(c->hooks, OCI_HOOK_PRESTART, state);
	if (r == 0)
		r = oci_hooks_run(c->hooks, OCI_HOOK_CREATE_RUNTIME, state);
	if (r == 0)
		r = oci_hooks_run(c->hooks, OCI_HOOK_CREATE_CONTAINER, state);
	json_object_put(state);
	if (r == 0 && o->pid_file)
		r = oci_write_pid_file(o->pid_file, c->pid);
	return r;
}

static int create(const struct oci_create_opts *o, struct oci_container *c)
{
	_cleanup_config_ struct oci_config cfg = { 0 };
	int r = oci_id_check(o->id);
	if (r < 0)
		return r;
	if ((r = oci_config_load(o->bundle ? o->bundle : ".", &cfg)) < 0)
		return r;
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "runsc-c %s failed: ", o->command);
	if ((r = oci_rootfs_check_exec(cfg.rootfs, &cfg.spec.init, cfg.spec.mounts, cfg.spec.nmounts, prefix)) < 0 ||
	    (r = oci_rootfs_set_home(cfg.rootfs, &cfg.spec.init, cfg.owned)) < 0)
		return r;
	cfg.spec.env = cfg.spec.init.env;
	if ((r = oci_container_create_dir(o->root, o->id, c)) < 0)
		return r;
	if ((r = create_in(o, &cfg, c)) < 0)
		destroy(c);
	return r;
}

int oci_create(const struct oci_create_opts *o)
{
	_cleanup_container_ struct oci_container c = { .dirfd = -1 };
	return create(o, &c);
}

static int start(struct oci_container *c)
{
	switch (oci_container_status(c)) {
	case OCI_CREATED:
		break;
	case OCI_RUNNING:
		return oci_error(-EINVAL, "cannot start an already running container");
	case OCI_PAUSED:
		return oci_error(-EINVAL, "cannot start a container in the paused state");
	case OCI_STOPPED:
		return oci_error(-EINVAL, "cannot start a container that has stopped");
	case OCI_CREATING:
		return oci_error(-EINVAL, "cannot start a container that is being created");
	}
	json_object *state = oci_container_state_json(c);
	int r = oci_hooks_run(c->hooks, OCI_HOOK_START_CONTAINER, state);
	json_object_put(state);
	if (r < 0)
		return r;
	if ((r = sandbox_control_start(c->sock_path)) < 0)
		return control_error(r, "start");
	c->started = true;
	if ((r = oci_container_save(c)) < 0)
		return r;
	state = oci_container_state_json(c);
	/* As the runtime spec says: a failed poststart hook is a warning, the container runs. */
	if (oci_hooks_run(c->hooks, OCI_HOOK_POSTSTART, state) < 0)
		log_warn("a poststart hook failed");
	json_object_put(state);
	return 0;
}

int oci_start(const char *root, const char *id)
{
	_cleanup_container_ struct oci_container c = { .dirfd = -1 };
	int r = load(root, id, &c);
	return r < 0 ? r : start(&c);
}

int oci_kill(const char *root, const char *id, int sig, bool all)
{
	_cleanup_container_ struct oci_container c = { .dirfd = -1 };
	int r = load(root, id, &c);
	if (r < 0)
		return r;
	enum oci_status s = oci_container_status(&c);
	if (s == OCI_STOPPED || s == OCI_CREATING) {
		/* runc: --all on a stopped container has nothing to do. */
		return all ? 0 : oci_error(-ESRCH, "container not running");
	}
	if ((r = sandbox_control_kill(c.sock_path, sig, all)) < 0)
		return control_error(r, "kill");
	return 0;
}

int oci_delete(const char *root, const char *id, bool force)
{
	_cleanup_container_ struct oci_container c = { .dirfd = -1 };
	char path[4096];
	int r;

	/* runc: --force on a container that is not there succeeds silently. */
	snprintf(path, sizeof(path), "%s/%s", root, id);
	if (force && oci_id_check(id) == 0 && access(path, F_OK) < 0)
		return 0;
	if ((r = load(root, id, &c)) < 0)
		return r;
	enum oci_status s = oci_container_status(&c);
	if ((s == OCI_RUNNING || s == OCI_PAUSED) && !force)
		return oci_error(-EBUSY, "cannot delete container %s that is not stopped: %s", id,
				 oci_status_name(s));
	if (s != OCI_STOPPED)
		sandbox_control_kill(c.sock_path, SIGKILL, true);
	destroy(&c);
	json_object *state = oci_container_state_json(&c);
	if (oci_hooks_run(c.hooks, OCI_HOOK_POSTSTOP, state) < 0)
		log_warn("a poststop hook failed");
	json_object_put(state);
	return 0;
}

int oci_pause(const char *root, const char *id)
{
	_cleanup_container_ struct oci_container c = { .dirfd = -1 };
	int r = load(root, id, &c);
	if (r < 0)
		return r;
	enum oci_status s = oci_container_status(&c);
	if (s != OCI_RUNNING && s != OCI_CREATED)
		return oci_error(-EINVAL, "container not running");
	if ((r = sandbox_control_pause(c.sock_path)) < 0)
		return control_error(r, "pause");
	c.paused = true;
	return oci_container_save(&c);
}

int oci_resume(const char *root, const char *id)
{
	_cleanup_container_ struct oci_container c = { .dirfd = -1 };
	int r = load(root, id, &c);
	if (r < 0)
		return r;
	if (oci_container_status(&c) != OCI_PAUSED)
		return oci_error(-EINVAL, "container not paused");
	if ((r = sandbox_control_resume(c.sock_path)) < 0)
		return control_error(r, "resume");
	c.paused = false;
	return oci_container_save(&c);
}

int oci_update(const char *root, const char *id, const char *resources_file)
{
	_cleanup_container_ struct oci_container c = { .dirfd = -1 };
	struct oci_resources res;
	json_object *o;
	int r = load(root, id, &c);
	if (r < 0)
		return r;
	if (oci_container_status(&c) == OCI_STOPPED)
		return oci_error(-ESRCH, "container not running");
	if (!c.cgroup)
		return oci_error(-EINVAL, "container %s has no cgroup", id);
	if ((r = oci_json_read_file(resources_file, &o)) < 0)
		return r;
	r = oci_resources_parse(o, &res);
	json_object_put(o);
	if (r < 0)
		return r;
	r = oci_cgroup_apply(c.cgroup, &res);
	free(res.devices);
	return r;
}

int oci_state(const char *root, const char *id, FILE *out)
{
	_cleanup_container_ struct oci_container c = { .dirfd = -1 };
	int r = load(root, id, &c);
	if (r < 0)
		return r;
	json_object *o = oci_container_state_json(&c);
	/* As runc prints it: indented by two spaces, no newline at the end. */
	fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						       JSON_C_TO_STRING_NOSLASHESCAPE), out);
	json_object_put(o);
	return 0;
}

int oci_pids(const char *root, const char *id, pid_t **pids, size_t *n)
{
	_cleanup_container_ struct oci_container c = { .dirfd = -1 };
	int r = load(root, id, &c);
	*pids = NULL;
	*n = 0;
	if (r < 0)
		return r;
	if (oci_container_status(&c) == OCI_STOPPED)
		return 0;
	if ((r = sandbox_control_ps(c.sock_path, pids, n)) < 0)
		return control_error(r, "ps");
	return 0;
}

/* Columns as Go's tabwriter lays them out for runc (min width 12, padding 3). */
static void print_table(FILE *out, char *const *cells, size_t rows, size_t cols)
{
	size_t width[8] = { 0 };
	for (size_t i = 0; i < rows * cols; i++) {
		size_t w = strlen(cells[i]) + 3;
		if (w > width[i % cols])
			width[i % cols] = w;
	}
	for (size_t k = 0; k < cols; k++)
		if (width[k] < 12)
			width[k] = 12;
	for (size_t row = 0; row < rows; row++)
		for (size_t k = 0; k < cols; k++) {
			const char *cell = cells[row * cols + k];
			if (k == cols - 1)
				fprintf(out, "%s\n", cell);
			else
				fprintf(out, "%-*s", (int)width[k], cell);
		}
}

int oci_list(const char *root, const char *format, bool quiet, FILE *out)
{
	char **ids;
	size_t n;
	int r = oci_container_list(root, &ids, &n);
	if (r < 0)
		return r;
	json_object *array = json_object_new_array();
	char **cells = calloc((n + 1) * 6, sizeof(char *));
	size_t rows = 1;
	const char *header[] = { "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER" };
	for (size_t k = 0; cells && k < 6; k++)
		cells[k] = strdup(header[k]);
	for (size_t i = 0; i < n; i++) {
		struct oci_container c = { .dirfd = -1 };
		/* A directory without a state file (a create in progress elsewhere) is skipped. */
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s/state.json", root, ids[i]);
		if (access(path, F_OK) == 0 && oci_container_load(root, ids[i], &c) == 0) {
			json_object *o = oci_container_state_json(&c);
			json_object_object_add(o, "owner", json_object_new_string(c.owner ? c.owner : ""));
			if (quiet)
				fprintf(out, "%s\n", c.id);
			if (cells) {
				json_object *v;
				json_object_object_get_ex(o, "pid", &v);
				cells[rows * 6] = strdup(c.id);
				cells[rows * 6 + 1] = strdup(json_object_get_string(v));
				json_object_object_get_ex(o, "status", &v);
				cells[rows * 6 + 2] = strdup(json_object_get_string(v));
				cells[rows * 6 + 3] = strdup(c.bundle ? c.bundle : "");
				cells[rows * 6 + 4] = strdup(c.created ? c.created : "");
				cells[rows * 6 + 5] = strdup(c.owner ? c.owner : "");
				rows++;
			}
			json_object_array_add(array, o);
		}
		oci_container_free(&c);
		free(ids[i]);
	}
	free(ids);
	if (!strcmp(format, "json"))
		fprintf(out, "%s\n", json_object_array_length(array) ?
			json_object_to_json_string_ext(array, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : "null");
	else if (!quiet && cells)
		print_table(out, cells, rows, 6);
	for (size_t i = 0; cells && i < rows * 6; i++)
		free(cells[i]);
	free(cells);
	json_object_put(array);
	return 0;
}

/* Waits for the container's end, passing on the signals a foreground runc passes on (the
   CLI's own terminal or supervisor asking it to stop); returns the sentry's exit code
   (128+signal if killed). The sentry is our child: we are a subreaper, see oci_run. */
static int wait_forwarding(const struct oci_container *c)
{
	static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
		sigaddset(&set, forwarded[i]);
	sigprocmask(SIG_BLOCK, &set, NULL);
	_cleanup_close_ int sfd = signalfd(-1, &set, SFD_CLOEXEC);
	_cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
	struct pollfd p[2] = { { .fd = pidfd, .events = POLLIN }, { .fd = sfd, .events = POLLIN } };
	while (pidfd >= 0 && sfd >= 0 && !(p[0].revents & (POLLIN | POLLHUP))) {
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		struct signalfd_siginfo si;
		if ((p[1].revents & POLLIN) && read(sfd, &si, sizeof(si)) == sizeof(si))
			sandbox_control_kill(c->sock_path, (int)si.ssi_signo, false);
	}
	for (;;) {
		int status;
		pid_t got = waitpid(-1, &status, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return 255;
		if (got == c->pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}
}

int oci_run(const struct oci_create_opts *o, bool detach, int *exit_code)
{
	_cleanup_container_ struct oci_container c = { .dirfd = -1 };
	int r;
	/* The sandbox's processes are reparented to us when the create helper exits: waitable. */
	if (!detach)
		prctl(PR_SET_CHILD_SUBREAPER, 1);
	if ((r = create(o, &c)) < 0)
		return r;
	if ((r = start(&c)) < 0) {
		destroy(&c);
		return r;
	}
	if (detach)
		return 0;
	*exit_code = wait_forwarding(&c);
	return oci_delete(o->root, o->id, true);
}
