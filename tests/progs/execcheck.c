/* execve and execveat: static and dynamic programs, #! scripts (nested, with arguments, the
   kernel's limits), fexecve and execveat(AT_EMPTY_PATH), argv[0] and the environment, errors,
   what exec keeps and resets (pid, signal dispositions, mask, pending signals, fds), exec
   from a thread other than the leader. The exec'd program is this one in "report" mode,
   which prints what it sees; the parent waits for it, so lines come in a fixed order.

   execcheck [DIR]     the checks; scratch files go in DIR (default /tmp)
   execcheck report*   prints argv, T_* environment, comm, exe, fds, signal state */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/guest_check.h"

extern char **environ;

static const char *self_path;
static char dir[256] = "/tmp";

/* A string with control characters escaped, at most 80 characters of it. */
static const char *esc(const char *s)
{
	static char bufs[4][400];
	static int next;
	char *b = bufs[next++ % 4];
	size_t n = 0, len = strlen(s);
	for (size_t i = 0; i < len && i < 80 && n < sizeof(bufs[0]) - 8; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 32 || c == '"' || c == '\\' || c >= 127)
			n += (size_t)snprintf(b + n, sizeof(bufs[0]) - n, "\\x%02x", c);
		else
			b[n++] = (char)c;
	}
	if (len > 80)
		n += (size_t)snprintf(b + n, sizeof(bufs[0]) - n, "...(%zu bytes)", len);
	b[n] = '\0';
	return b;
}

/* --- the exec'd side --- */

static const char *disposition(int sig)
{
	struct sigaction sa;
	sigaction(sig, NULL, &sa);
	return sa.sa_handler == SIG_DFL ? "default" : sa.sa_handler == SIG_IGN ? "ignored" : "handler";
}

static int report(int argc, char **argv)
{
	say("  argc %d", argc);
	for (int i = 0; i < argc; i++)
		say("  argv[%d] \"%s\"", i, esc(argv[i]));
	for (char **e = environ; *e; e++)
		if (!strncmp(*e, "T_", 2) && strncmp(*e, "T_PID=", 6))
			say("  env %s", esc(*e));
	char buf[512] = "";
	int fd = open("/proc/self/comm", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n - 1 : 0] = '\0';
	char exe[512] = "";
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	say("  comm \"%s\", exe %s", esc(buf), exe);
	char fds[256] = "";
	size_t k = 0;
	for (int i = 0; i < 64; i++)
		if (fcntl(i, F_GETFD) >= 0)
			k += (size_t)snprintf(fds + k, sizeof(fds) - k, " %d", i);
	say("  fds:%s", fds);
	sigset_t mask, pending;
	sigprocmask(SIG_SETMASK, NULL, &mask);
	sigpending(&pending);
	say("  SIGUSR1 %s, SIGUSR2 %s, SIGTERM %s; SIGUSR2 blocked %s, pending %s", disposition(SIGUSR1),
	    disposition(SIGUSR2), disposition(SIGTERM), yesno(sigismember(&mask, SIGUSR2)),
	    yesno(sigismember(&pending, SIGUSR2)));
	stack_t ss;
	sigaltstack(NULL, &ss);
	say("  alternate stack disabled: %s", yesno(ss.ss_flags & SS_DISABLE));
	const char *want_pid = getenv("T_PID");
	if (want_pid) {
		int threads = 0;
		for (int i = 0; i < 1000; i++) {
			char p[64];
			snprintf(p, sizeof(p), "/proc/self/task/%d", getpid() + i);
			threads += access(p, F_OK) == 0;
		}
		say("  pid unchanged: %s, gettid == getpid: %s, threads: %d", yesno(getpid() == atoi(want_pid)),
		    yesno(gettid() == getpid()), threads);
	}
	return 0;
}

/* --- the exec'ing side --- */

/* Runs fn in a child (which execs) and waits; prints the exec's error or the exit status. */
static void run(const char *what, void (*fn)(void *), void *arg)
{
	say("%s:", what);
	int p[2];
	pipe2(p, O_CLOEXEC);
	pid_t c = fork();
	if (c == 0) {
		close(p[0]);
		errno = 0;
		fn(arg);
		/* Still here: the exec failed (or returned 0 without running anything). */
		int e = errno ? errno : -1;
		write(p[1], &e, sizeof(e));
		_exit(127);
	}
	close(p[1]);
	int e = 0;
	ssize_t n = read(p[0], &e, sizeof(e));
	close(p[0]);
	int st;
	waitpid(c, &st, 0);
	if (n == sizeof(e))
		say("  exec failed: %s", e < 0 ? "returned without an error" : en(e));
	else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		say("  status 0x%x", st);
}

struct execv_args {
	const char *path;
	char *const *argv;
	char *const *envp;
};

static void do_execve(void *p)
{
	struct execv_args *a = p;
	syscall(SYS_execve, a->path, a->argv, a->envp);
}

static char *std_env[] = { "T_ONE=1", "T_TWO=two words", "PATH=/bin", NULL };

static void exec_path(const char *what, const char *path, char *const *argv)
{
	struct execv_args a = { path, argv, std_env };
	run(what, do_execve, &a);
}

static char *tmp(const char *name)
{
	static char bufs[8][512];
	static int next;
	char *b = bufs[next++ % 8];
	snprintf(b, sizeof(bufs[0]), "%s/%s", dir, name);
	return b;
}

static void write_file(const char *name, const char *content, size_t len, mode_t mode)
{
	char *path = tmp(name);
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0 || write(fd, content, len) != (ssize_t)len) {
		say("cannot write %s: %s", path, en(errno));
		exit(1);
	}
	close(fd);
	chmod(path, mode);
}

static void write_script(const char *name, const char *line)
{
	write_file(name, line, strlen(line), 0755);
}

static void check_static(void)
{
	exec_path("execve of this program, custom argv[0], environment", self_path,
		  (char *[]){ "custom-argv0", "report", "b c", "", NULL });
	struct execv_args none = { self_path, NULL, NULL };
	run("execve with NULL argv and envp", do_execve, &none);
	char *empty[] = { NULL };
	struct execv_args e = { self_path, empty, empty };
	run("execve with empty argv and envp", do_execve, &e);
}

static void check_errors(void)
{
	char *argv[] = { "x", "report", NULL };
	exec_path("execve of a missing file", "/nonexistent/prog", argv);
	exec_path("execve of a directory", dir, argv);
	write_file("plain.txt", "just text\n", 10, 0644);
	exec_path("execve of a file without exec permission", tmp("plain.txt"), argv);
	write_file("garbage", "this is not a program\n", 22, 0755);
	exec_path("execve of an executable that is no format", tmp("garbage"), argv);
	write_file("empty", "", 0, 0755);
	exec_path("execve of an empty executable", tmp("empty"), argv);
	char notdir[600];
	snprintf(notdir, sizeof(notdir), "%s/x", self_path);
	exec_path("execve through a file as a directory", notdir, argv);
	exec_path("execve of an empty path", "", argv);
	char *longpath = malloc(PATH_MAX + 10);
	memset(longpath, 'a', PATH_MAX + 5);
	longpath[0] = '/';
	longpath[PATH_MAX + 5] = '\0';
	exec_path("execve of a path longer than PATH_MAX", longpath, argv);
	free(longpath);
	unlink(tmp("loop1"));
	unlink(tmp("loop2"));
	symlink(tmp("loop2"), tmp("loop1"));
	symlink(tmp("loop1"), tmp("loop2"));
	exec_path("execve of a symlink loop", tmp("loop1"), argv);
	struct execv_args bad = { (const char *)8, argv, std_env };
	run("execve with a bad path pointer", do_execve, &bad);
	struct execv_args badv = { self_path, (char *const *)8, std_env };
	run("execve with a bad argv pointer", do_execve, &badv);
	char *badelem[] = { "x", (char *)8, NULL };
	struct execv_args bade = { self_path, badelem, std_env };
	run("execve with a bad argv string", do_execve, &bade);
	static char big[200000];
	memset(big, 'b', sizeof(big) - 1);
	char *hugearg[] = { "x", "report", big, NULL };
	exec_path("execve with an argument over MAX_ARG_STRLEN", self_path, hugearg);
	/* Many arguments, too many in all. */
	static char mid[100000];
	memset(mid, 'm', sizeof(mid) - 1);
	char **many = calloc(120, sizeof(char *));
	many[0] = "x";
	for (int i = 1; i < 119; i++)
		many[i] = mid;
	exec_path("execve with 12 MB of arguments", self_path, many);
	free(many);
}

static void check_scripts(void)
{
	char line[1024];
	snprintf(line, sizeof(line), "#!%s report\necho not reached\n", self_path);
	write_script("s1", line);
	exec_path("a script", tmp("s1"), (char *[]){ "s1-argv0", "x", "y", NULL });
	snprintf(line, sizeof(line), "#!  %s   report  a  b \t \nrest\n", self_path);
	write_script("s2", line);
	exec_path("a script with spaces and an argument with spaces", tmp("s2"), (char *[]){ "s2", "x", NULL });
	snprintf(line, sizeof(line), "#!%s arg3\n", tmp("s1"));
	write_script("s3", line);
	exec_path("a script whose interpreter is a script", tmp("s3"), (char *[]){ "s3", "x", NULL });
	snprintf(line, sizeof(line), "#!%s\n", tmp("s3"));
	write_script("s4", line);
	exec_path("three levels", tmp("s4"), (char *[]){ "s4", NULL });

	/* A chain of n scripts ending in the program. */
	snprintf(line, sizeof(line), "#!%s report\n", self_path);
	write_script("c1", line);
	for (int i = 2; i <= 7; i++) {
		char prev[16], name[16];
		snprintf(prev, sizeof(prev), "c%d", i - 1);
		snprintf(name, sizeof(name), "c%d", i);
		snprintf(line, sizeof(line), "#!%s\n", tmp(prev));
		write_script(name, line);
	}
	for (int i = 4; i <= 7; i++) {
		char name[16], what[64];
		snprintf(name, sizeof(name), "c%d", i);
		snprintf(what, sizeof(what), "a chain of %d scripts", i);
		exec_path(what, tmp(name), (char *[]){ name, NULL });
	}

	snprintf(line, sizeof(line), "#!%s report", self_path);
	write_script("nonl", line);
	exec_path("a script without a newline", tmp("nonl"), (char *[]){ "nonl", NULL });
	snprintf(line, sizeof(line), "#!%s report\r\n", self_path);
	write_script("crlf", line);
	exec_path("a script with CRLF", tmp("crlf"), (char *[]){ "crlf", NULL });
	write_script("noint", "#!\n");
	exec_path("a script without an interpreter", tmp("noint"), (char *[]){ "noint", NULL });
	write_script("blank", "#!   \t \n");
	exec_path("a script with only blanks after #!", tmp("blank"), (char *[]){ "blank", NULL });
	write_script("missing", "#!/nonexistent/interp arg\n");
	exec_path("a script whose interpreter is missing", tmp("missing"), (char *[]){ "missing", NULL });
	snprintf(line, sizeof(line), "#!%s\n", tmp("plain.txt"));
	write_script("notexec", line);
	exec_path("a script whose interpreter is not executable", tmp("notexec"), (char *[]){ "notexec", NULL });
	snprintf(line, sizeof(line), "#!%s report\n", self_path);
	write_file("noperm", line, strlen(line), 0644);
	exec_path("a script without exec permission", tmp("noperm"), (char *[]){ "noperm", NULL });
	/* A #! line longer than the kernel's 256-byte buffer: the argument is cut... */
	int n = snprintf(line, sizeof(line), "#!%s report-", self_path);
	memset(line + n, 'x', 400);
	strcpy(line + n + 400, "\n");
	write_script("longarg", line);
	exec_path("a #! line longer than 256 bytes (long argument)", tmp("longarg"), (char *[]){ "longarg", NULL });
	/* ...but a cut interpreter name is an error. */
	n = snprintf(line, sizeof(line), "#!/");
	memset(line + n, 'i', 300);
	strcpy(line + n + 300, " arg\n");
	write_script("longinterp", line);
	exec_path("a #! line whose interpreter name is longer than 256 bytes", tmp("longinterp"),
		  (char *[]){ "longinterp", NULL });
	/* The script's name as the caller gave it: relative. */
	chdir(dir);
	exec_path("a script by a relative path", "./s1", (char *[]){ "s1", NULL });
	chdir("/");
}

struct execveat_args {
	int dirfd;
	const char *path;
	char *const *argv;
	int flags;
};

static void do_execveat(void *p)
{
	struct execveat_args *a = p;
	syscall(SYS_execveat, a->dirfd, a->path, a->argv, std_env, a->flags);
}

static void check_execveat(void)
{
	char *argv[] = { "at", "report", NULL };
	char *self_base = strrchr(self_path, '/') + 1;
	char self_dir[256];
	snprintf(self_dir, sizeof(self_dir), "%.*s", (int)(self_base - self_path), self_path);
	int d = open(self_dir, O_RDONLY | O_DIRECTORY);
	struct execveat_args a = { d, self_base, argv, 0 };
	run("execveat(dirfd, relative path)", do_execveat, &a);
	a = (struct execveat_args){ AT_FDCWD, self_path, argv, 0 };
	run("execveat(AT_FDCWD, absolute path)", do_execveat, &a);
	int f = open(self_path, O_RDONLY);
	a = (struct execveat_args){ f, "", argv, AT_EMPTY_PATH };
	run("execveat(fd, \"\", AT_EMPTY_PATH)", do_execveat, &a);
	int fc = open(self_path, O_RDONLY | O_CLOEXEC);
	a = (struct execveat_args){ fc, "", argv, AT_EMPTY_PATH };
	run("execveat(close-on-exec fd, \"\", AT_EMPTY_PATH)", do_execveat, &a);
	close(fc);
	a = (struct execveat_args){ f, "", argv, 0 };
	run("execveat(fd, \"\", 0)", do_execveat, &a);
	int op = open(self_path, O_PATH);
	a = (struct execveat_args){ op, "", argv, AT_EMPTY_PATH };
	run("execveat(O_PATH fd, \"\", AT_EMPTY_PATH)", do_execveat, &a);
	a = (struct execveat_args){ f, "x", argv, 0 };
	run("execveat(a file's fd, relative path)", do_execveat, &a);
	a = (struct execveat_args){ d, self_base, argv, 0x1000000 };
	run("execveat with unknown flags", do_execveat, &a);
	unlink(tmp("link"));
	symlink(self_path, tmp("link"));
	a = (struct execveat_args){ AT_FDCWD, tmp("link"), argv, AT_SYMLINK_NOFOLLOW };
	run("execveat(symlink, AT_SYMLINK_NOFOLLOW)", do_execveat, &a);
	exec_path("execve of a symlink to the program", tmp("link"), argv);
	a = (struct execveat_args){ 999, "x", argv, 0 };
	run("execveat(bad fd, relative path)", do_execveat, &a);

	/* fexecve of a program and of scripts. */
	int s = open(tmp("s1"), O_RDONLY);
	a = (struct execveat_args){ s, "", (char *[]){ "fs", "x", NULL }, AT_EMPTY_PATH };
	run("execveat of a script's fd", do_execveat, &a);
	int sc = open(tmp("s1"), O_RDONLY | O_CLOEXEC);
	a = (struct execveat_args){ sc, "", (char *[]){ "fs", NULL }, AT_EMPTY_PATH };
	run("execveat of a script's close-on-exec fd", do_execveat, &a);
	int dd = open(dir, O_RDONLY | O_DIRECTORY);
	a = (struct execveat_args){ dd, "s1", (char *[]){ "s1", NULL }, 0 };
	run("execveat(dirfd, a script's relative name)", do_execveat, &a);
	close(dd);
	close(s);
	close(sc);
	close(op);
	close(f);
	close(d);
}

/* What exec keeps: pid, mask, pending signals, ignored dispositions, fds without
   close-on-exec; what it resets: handlers, the alternate stack. */
static void on_usr1(int sig)
{
	(void)sig;
}

static void exec_with_state(void *arg)
{
	(void)arg;
	signal(SIGUSR1, on_usr1);
	signal(SIGUSR2, SIG_IGN);
	signal(SIGUSR2, SIG_DFL);
	signal(SIGTERM, SIG_IGN);
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	sigprocmask(SIG_BLOCK, &s, NULL);
	raise(SIGUSR2);
	static char alt[65536];
	stack_t ss = { .ss_sp = alt, .ss_size = sizeof(alt) };
	sigaltstack(&ss, NULL);
	int fd = open("/dev/null", O_RDONLY);
	dup2(fd, 20);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	char pid[32];
	snprintf(pid, sizeof(pid), "T_PID=%d", getpid());
	char *env[] = { pid, NULL };
	char *argv[] = { "state", "report", NULL };
	execve(self_path, argv, env);
}

static void *exec_thread(void *arg)
{
	(void)arg;
	char pid[32];
	snprintf(pid, sizeof(pid), "T_PID=%d", getpid());
	char *env[] = { pid, NULL };
	char *argv[] = { "from-thread", "report", NULL };
	execve(self_path, argv, env);
	return NULL;
}

static void *blocked_reader(void *arg)
{
	int fd = *(int *)arg;
	char b;
	read(fd, &b, 1);
	return NULL;
}

static void exec_from_thread(void *arg)
{
	(void)arg;
	/* Another thread blocked in a read dies with the exec. */
	static int p[2];
	pipe(p);
	pthread_t th, reader;
	pthread_create(&reader, NULL, blocked_reader, &p[0]);
	msleep(20);
	pthread_create(&th, NULL, exec_thread, NULL);
	pthread_join(th, NULL);
	/* Only if the exec failed. */
	_exit(126);
}

static void exec_from_leader_with_threads(void *arg)
{
	(void)arg;
	static int p[2];
	pipe(p);
	pthread_t reader;
	pthread_create(&reader, NULL, blocked_reader, &p[0]);
	msleep(20);
	exec_thread(NULL);
}

static void check_state(void)
{
	run("exec keeps and resets", exec_with_state, NULL);
	run("execve from a thread that is not the leader", exec_from_thread, NULL);
	run("execve from the leader while another thread waits in read", exec_from_leader_with_threads, NULL);
	/* vfork + exec: the parent goes on once the child has exec'd. */
	say("vfork + execve:");
	pid_t c = vfork();
	if (c == 0) {
		char *argv[] = { "vforked", "report", NULL };
		execve(self_path, argv, std_env);
		_exit(127);
	}
	int st;
	waitpid(c, &st, 0);
	say("  status 0x%x", st);
}

int main(int argc, char **argv)
{
	self_path = "/proc/self/exe";
	if (argc > 1 && !strncmp(argv[1], "report", 6))
		return report(argc, argv);
	if (argc == 0 || (argc == 1 && argv[0][0] == '\0'))
		return report(argc, argv);
	self_path = argv[0];
	if (self_path[0] != '/') {
		say("run me by my absolute path");
		return 2;
	}
	if (argc > 1)
		snprintf(dir, sizeof(dir), "%s", argv[1]);
	mkdir(dir, 0777);
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
	check_static();
	check_errors();
	check_scripts();
	check_execveat();
	check_state();
	say("done");
	return 0;
}
