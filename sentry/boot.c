/* `runsc-c boot`: the sentry's start. It prepares the kernel, starts the guest's init process
   (which installs the guest filter and execs the program through the sentry), confines
   itself, and runs until init exits. */
#define _GNU_SOURCE
#include "sentry/kernel.h"
#include "sentry/fs/fs.h"
#include "sentry/task/task.h"
#include "sentry/task/fdtable.h"
#include "common/cleanup.h"
#include "common/confine.h"
#include "common/log.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <signal.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

/* The host identity guest processes run as: nobody, holding no capability. */
#define GUEST_HOST_ID 65534

struct kernel kernel = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.task_event = PTHREAD_COND_INITIALIZER,
	.placeholder_fd = -1,
};

dev_t kernel_new_anon_dev(void)
{
	static unsigned next_minor = 16;
	return makedev(0, next_minor++);
}

/* Execs the program like execvp: a name without '/' is looked up in the guest's PATH. */
static void launcher_exec(const struct boot_config *cfg, int listener)
{
	const char *prog = cfg->argv[0];
	const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	char full[4096];
	int saved = ENOENT;

	if (strchr(prog, '/')) {
		syscall(SYS_execve, prog, cfg->argv, cfg->envp, 0, 0, listener);
		return;
	}
	for (char **e = cfg->envp; *e; e++)
		if (!strncmp(*e, "PATH=", 5))
			path = *e + 5;
	while (*path) {
		const char *end = strchrnul(path, ':');
		int n = snprintf(full, sizeof(full), "%.*s/%s", (int)(end - path), path, prog);
		if (n > 0 && (size_t)n < sizeof(full)) {
			syscall(SYS_execve, full, cfg->argv, cfg->envp, 0, 0, listener);
			if (errno != ENOENT && errno != ENOTDIR)
				saved = errno;
		}
		path = *end ? end + 1 : end;
	}
	errno = saved;
}

/* The guest's init process, before it is a guest: drops to the guest identity, waits for the
   tracer, installs the guest filter, and execs the program, which the sentry resolves. */
static void __attribute__((noreturn)) launcher_main(const struct boot_config *cfg, int go_fd)
{
	char go;
	sigset_t none;
	struct sock_fprog filter;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		_exit(125);
	/* Nothing of the sentry's may reach the guest: only stdio and the go pipe stay. */
	if (syscall(SYS_close_range, 3, go_fd - 1, 0) < 0 ||
	    syscall(SYS_close_range, go_fd + 1, ~0U, 0) < 0)
		_exit(125);
	/* An empty bounding set: the guest can never hold a capability again, even if something
	   got past no_new_privs (which already stops setuid and file capabilities). */
	for (int cap = 0; cap < 64; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			_exit(125);
	if (setgroups(0, NULL) < 0 || setresgid(GUEST_HOST_ID, GUEST_HOST_ID, GUEST_HOST_ID) < 0 ||
	    setresuid(GUEST_HOST_ID, GUEST_HOST_ID, GUEST_HOST_ID) < 0)
		_exit(125);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (platform_guest_filter(cfg->platform, &filter) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		_exit(125);
	if (read(go_fd, &go, 1) != 1)
		_exit(125);
	close(go_fd);
	/* From here on every syscall is the sentry's, and until the sentry has the listener a
	   notified syscall would wait forever: the exec, which stops in the tracer, is next, with
	   the listener's fd in r9. */
	int listener = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
				    SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
				    &filter);
	if (listener < 0)
		_exit(125);
	launcher_exec(cfg, listener);
	dprintf(2, "runsc-c: exec %s: %s\n", cfg->argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

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
	return fs_mount_all(cfg, &kernel.root_mount);
}

/* Init's fds 0-2 are the host fds it inherited: the sentry records them as they are. */
static int adopt_stdio(struct task *init)
{
	for (int fd = 0; fd < 3; fd++) {
		int copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		if (copy < 0)
			continue;
		struct file *f = hostfd_file_new(copy);
		if (!f) {
			close(copy);
			return -ENOMEM;
		}
		fd_adopt(init, fd, f);
		file_put(f);
	}
	return 0;
}

static int set_init_cwd(struct task *init, const char *cwd)
{
	struct path p;
	int r = vfs_resolve(init, &init->fs->root, cwd, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &p, NULL);
	if (r < 0)
		return log_errno(r, "working directory %s", cwd);
	path_set(&init->fs->cwd, &p);
	path_put(&p);
	return 0;
}

static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 125;
}

int sentry_boot(struct boot_config *cfg)
{
	struct task *init;
	int go[2];
	sigset_t chld;
	int r;

	log_init("sentry");
	/* JSON log lines carry a time from gmtime_r, whose first call makes glibc open
	   /etc/localtime: do it now, before the seccomp filter forbids openat. */
	tzset();
	crash_handler_install();
	r = kernel_init(cfg);
	if (r < 0)
		return 125;
	r = confine_enter_empty_root();
	if (r < 0)
		return 125;
	/* SIGCHLD is read by the tracer through a signalfd; terminal signals are the guest's. */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &chld, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	if (pipe2(go, O_CLOEXEC) < 0)
		return log_errno(-errno, "pipe"), 125;
	pid_t pid = fork();
	if (pid < 0)
		return log_errno(-errno, "fork"), 125;
	if (pid == 0) {
		close(go[1]);
		launcher_main(cfg, go[0]);
	}
	close(go[0]);

	kernel_lock();
	r = task_create_init(pid, cfg->uid, cfg->gid,
			     &(struct path){ kernel.root_mount, kernel.root_mount->root }, &init);
	if (r == 0)
		r = adopt_stdio(init);
	if (r == 0 && cfg->cwd)
		r = set_init_cwd(init, cfg->cwd);
	kernel_unlock();
	if (r < 0) {
		kill(pid, SIGKILL);
		return 125;
	}
	r = confine_drop_caps(CAP_MASK(CAP_SYS_PTRACE) | CAP_MASK(CAP_KILL));
	if (r == 0)
		r = sentry_confine();
	if (r == 0)
		r = tracer_start(&kernel.platform, pid, go[1]);
	if (r < 0) {
		kill(pid, SIGKILL);
		return 125;
	}
	log_debug("confined; guest pid 1 is host pid %d, platform %s", pid,
		  platform_name(kernel.platform.kind));

	kernel_lock();
	while (!kernel.init_exited)
		pthread_cond_wait(&kernel.task_event, &kernel.lock);
	/* Like a pid namespace: when init goes, everything in the sandbox goes. */
	while (kernel.ntasks > 0) {
		task_signal_all(SIGKILL);
		pthread_cond_wait(&kernel.task_event, &kernel.lock);
	}
	int status = kernel.init_status;
	kernel_unlock();
	int code = exit_code(status);
	log_debug("guest pid 1 ended with wait status 0x%x: exit code %d", status, code);
	return code;
}
