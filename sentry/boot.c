/* `runsc-c boot`: the sentry's start. It prepares the kernel, starts the guest's init process
   (which installs the guest filter and execs the program through the sentry), confines
   itself, and runs until init exits. */
#define _GNU_SOURCE
#include "sentry/kernel.h"
#include "sentry/control.h"
#include "sentry/launcher.h"
#include "sentry/spawner.h"
#include "sentry/fs/fs.h"
#include "sentry/fs/reopen.h"
#include "sentry/socket/socket.h"
#include "sentry/task/task.h"
#include "sentry/task/fdtable.h"
#include "common/cleanup.h"
#include "common/confine.h"
#include "common/log.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/close_range.h>
#include <signal.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <malloc.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

struct kernel kernel = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.task_event = PTHREAD_COND_INITIALIZER,
	.placeholder_fd = -1,
};

static int kernel_init(struct boot_config *cfg)
{
	struct rlimit nofile;

	kernel.platform.kind = cfg->platform;
	kernel.platform.listener = -1;
	kernel.strace = cfg->strace;
	kernel.pids_max = cfg->pids_max;
	kernel.host_uid = GUEST_HOST_ID;
	kernel.host_gid = GUEST_HOST_ID;
	clock_gettime(CLOCK_MONOTONIC, &kernel.boot_time);
	procfs_capture_host();
	uname(&kernel.uts);
	/* The sandbox's kernel, not the host's: a release of its own (a modern one, so that
	   version checks pass) and a version string that says what it is. */
	snprintf(kernel.uts.release, sizeof(kernel.uts.release), "%s",
		 cfg->uname_release ? cfg->uname_release : SANDBOX_UNAME_RELEASE);
	snprintf(kernel.uts.version, sizeof(kernel.uts.version), "%s", SANDBOX_UNAME_VERSION);
	if (cfg->hostname)
		snprintf(kernel.uts.nodename, sizeof(kernel.uts.nodename), "%s", cfg->hostname);
	/* The sentry holds a copy of every host fd it mirrors. */
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0) {
		nofile.rlim_cur = nofile.rlim_max;
		setrlimit(RLIMIT_NOFILE, &nofile);
	}
	kernel.placeholder_fd = memfd_create("runsc-c-placeholder", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (kernel.placeholder_fd < 0)
		return log_errno(-errno, "memfd_create");
	fcntl(kernel.placeholder_fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK);
	gofer_client_init(&kernel.gofer, cfg->gofer_fd);
	kernel.gofer_pid = cfg->gofer_pid;
	/* Testing only: a shorter wait for a gofer that does not answer (test_gofer_double). */
	const char *timeout = getenv("RUNSCC_DEBUG_GOFER_TIMEOUT_MS");
	long ms;
	if (timeout && (parse_int(timeout, 1, INT_MAX, &ms) < 0 ||
			gofer_client_set_timeout(&kernel.gofer, (unsigned)ms) < 0))
		log_warn("RUNSCC_DEBUG_GOFER_TIMEOUT_MS=%s: not a timeout in ms", timeout);
	if (inet_egress_init(cfg->egress) < 0)
		return -EINVAL;
	return fs_mount_all(cfg, &kernel.root_mount);
}

/* Is there an executable file at path, for init? (The exec itself decides the rest.) */
static int init_program_at(const char *path, void *arg)
{
	struct task *init = arg;
	struct path p;
	int r = vfs_resolve(init, &init->fs->cwd, path, LOOKUP_FOLLOW, &p, NULL);
	if (r < 0)
		return r;
	r = S_ISREG(p.dentry->inode->mode) ? vfs_permission(init, p.dentry->inode, MAY_EXEC) : -EACCES;
	path_put(&p);
	return r;
}

/* Tells the caller of sandbox_create that init waits for "start". */
static void say_ready(int ready_fd)
{
	if (ready_fd < 0)
		return;
	if (write(ready_fd, "r", 1) != 1)
		log_warn("telling the sandbox's creator it is ready: %m");
	close(ready_fd);
}

/* Under a memory limit the OOM killer should take a guest's process, as in a runc
   container, not the sentry that runs them all: what the sentry forks while its score is
   raised (the spawner and init, whose forks and launches inherit it) keeps the higher score;
   the sentry then takes its own back (lowering needs CAP_SYS_RESOURCE, not dropped yet). */
#define GUEST_OOM_SCORE_ADJ "500"

static void set_oom_score(int fd, const char *score)
{
	if (fd >= 0 && pwrite(fd, score, strlen(score), 0) < 0)
		log_warn("setting the OOM score to %s: %m", score);
}

int sentry_boot(struct boot_config *cfg)
{
	struct task *init;
	int go[2], start[2] = { -1, -1 };
	sigset_t chld;
	int r;

	log_init("sentry");
	/* JSON log lines carry a time from gmtime_r, whose first call makes glibc open
	   /etc/localtime: do it now, before the seccomp filter forbids openat. */
	tzset();
	crash_handler_install();
	/* glibc sizes its malloc arenas from the CPU count the first time a ninth thread needs
	   one, by opening /sys/devices/system/cpu/online: an openat the allow-list kills the
	   sentry for (many control connections at once did). A fixed maximum never asks. */
	mallopt(M_ARENA_MAX, 8);
	r = kernel_init(cfg);
	if (r == 0)
		r = reopener_start();
	/* The sandbox's network namespace is the sentry's: netlink and /proc/net ask it on
	   descriptors kept from now (after the reopener's fork, which needs none of them). */
	if (r == 0)
		r = netlink_host_open(cfg->init.caps[GUEST_CAP_BOUNDING] | cfg->init.caps[GUEST_CAP_PERMITTED] |
				      cfg->init.caps[GUEST_CAP_AMBIENT], cfg->netns_own);
	if (r == 0)
		procfs_net_open();
	if (r < 0)
		return 125;
	char own_oom_score[16] = "0";
	_cleanup_close_ int oom_fd = open("/proc/self/oom_score_adj", O_RDWR | O_CLOEXEC);
	ssize_t n = oom_fd >= 0 ? pread(oom_fd, own_oom_score, sizeof(own_oom_score) - 1, 0) : -1;
	if (n > 0)
		own_oom_score[n] = '\0';
	/* The host's /proc, for the spawner: the guests' maps and memory figures. */
	_cleanup_close_ int host_proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (host_proc < 0)
		return log_errno(-errno, "opening /proc"), 125;
	r = confine_enter_empty_root();
	if (r < 0)
		return 125;
	/* Without it the guest's own ptys are missing (ENODEV), nothing else. */
	pty_host_init();
	set_oom_score(oom_fd, GUEST_OOM_SCORE_ADJ);
	/* SIGCHLD is read by the tracer through a signalfd; terminal signals are the guest's. */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &chld, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	if (cfg->control_fd >= 0) {
		/* Detached (OCI create), we lead a session of our own: a terminal given as init's
		   stdio becomes ours, and init, in our process group, gets its signals. Those that
		   would stop or end us are the guest's alone. */
		if (isatty(0))
			ioctl(0, TIOCSCTTY, 0);
		signal(SIGTSTP, SIG_IGN);
		signal(SIGTTIN, SIG_IGN);
		signal(SIGTTOU, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
	}
	if (spawner_start(cfg->platform, host_proc) < 0)
		return 125;
	close(host_proc);
	host_proc = -1;
	if (pipe2(go, O_CLOEXEC) < 0 || (cfg->wait_for_start && pipe2(start, O_CLOEXEC) < 0))
		return log_errno(-errno, "pipe"), 125;
	int preserved[cfg->preserved_fds + 1];
	for (int i = 0; i < cfg->preserved_fds; i++)
		preserved[i] = cfg->preserved_at + i;
	if (guest_process_check_fds(preserved, cfg->preserved_fds) < 0) {
		log_error("--preserve-fds: fds 3 to %d must be pipes, files, sockets or character devices",
			  2 + cfg->preserved_fds);
		return 125;
	}
	pid_t pid = fork();
	if (pid < 0)
		return log_errno(-errno, "fork"), 125;
	if (pid == 0) {
		close(go[1]);
		launcher_main(cfg->platform, &cfg->init, go[0], start[0], preserved, cfg->preserved_fds, false);
	}
	close(go[0]);
	if (start[0] >= 0)
		close(start[0]);
	set_oom_score(oom_fd, own_oom_score);
	close(oom_fd);
	oom_fd = -1;

	kernel_lock();
	r = task_create_process(pid, cfg->init.uid, cfg->init.gid,
				&(struct path){ kernel.root_mount, kernel.root_mount->root }, &init);
	if (r == 0)
		r = guest_process_apply(init, &cfg->init, (const int[]){ 0, 1, 2 }, cfg->control_fd >= 0);
	if (r == 0)
		r = guest_process_adopt_fds(init, 3, preserved, cfg->preserved_fds);
	for (int i = 0; i < cfg->preserved_fds; i++)
		close(preserved[i]);	/* init has them, and the sentry its copies */
	/* OCI create fails, as runc's does, when init's program is not there: with the exit
	   code a shell gives (sandbox_create reads it). */
	int found = r == 0 && cfg->control_fd >= 0 ? guest_process_find_program(&cfg->init, init_program_at, init) : 0;
	kernel_unlock();
	if (r < 0 || found < 0) {
		if (found == -ENOENT && !strchr(cfg->init.argv[0], '/'))
			log_error("exec: \"%s\": executable file not found in $PATH", cfg->init.argv[0]);
		else if (found < 0)
			log_errno(found, "exec: \"%s\"", cfg->init.argv[0]);
		kill(pid, SIGKILL);
		return found == -ENOENT ? 127 : found < 0 ? 126 : 125;
	}
	/* CAP_NET_BIND_SERVICE: guest root's sockets on ports below 1024 (inet.c checks);
	   CAP_NET_ADMIN: changes to the sandbox's own network namespace by guests that may. */
	r = confine_drop_caps(CAP_MASK(CAP_SYS_PTRACE) | CAP_MASK(CAP_KILL) | CAP_MASK(CAP_NET_BIND_SERVICE) |
			      (netlink_net_admin_kept() ? CAP_MASK(CAP_NET_ADMIN) : 0));
	if (r == 0 && kernel.platform.kind == PLATFORM_UNOTIFY)
		r = unotify_prepare_receivers();
	if (r == 0)
		r = sentry_confine();
	if (r == 0)
		r = netlink_events_start();
	/* The policy's host names are resolved before init runs, by a confined sentry whose
	   refresher thread is created with its capabilities dropped. */
	if (r == 0) {
		kernel_lock();
		r = inet_egress_hosts_start(init);
		kernel_unlock();
	}
	if (r == 0)
		r = tracer_start(&kernel.platform, pid, go[1]);
	if (r == 0 && cfg->control_fd >= 0)
		r = control_server_start(cfg->control_fd, start[1]);
	if (r < 0) {
		kill(pid, SIGKILL);
		return 125;
	}
	log_debug("confined; guest pid 1 is host pid %d, platform %s", pid,
		  platform_name(kernel.platform.kind));
	/* Fault injection (test_faults.sh): the sentry short of host fds, as under a low limit. */
	const char *nofile = getenv("RUNSCC_DEBUG_SENTRY_NOFILE");
	if (nofile) {
		struct rlimit lim = { (rlim_t)atol(nofile), (rlim_t)atol(nofile) };
		if (setrlimit(RLIMIT_NOFILE, &lim) < 0)
			log_warn("RUNSCC_DEBUG_SENTRY_NOFILE=%s: %m", nofile);
	}
	say_ready(cfg->ready_fd);

	kernel_lock();
	while (!kernel.init_exited)
		pthread_cond_wait(&kernel.task_event, &kernel.lock);
	/* Like a pid namespace: when init goes, everything in the sandbox goes. */
	while (kernel.ntasks > 0) {
		task_signal_all(SIGKILL);
		pthread_cond_wait(&kernel.task_event, &kernel.lock);
	}
	/* Answers to control requests (a kill that ended init, exit codes of processes started
	   by "exec") go out before we do. */
	while (kernel.control_pending > 0)
		pthread_cond_wait(&kernel.task_event, &kernel.lock);
	int status = kernel.init_status;
	kernel_unlock();
	int code = wait_status_exit_code(status);
	log_debug("guest pid 1 ended with wait status 0x%x: exit code %d", status, code);
	return code;
}
