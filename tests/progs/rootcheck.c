/* chroot and openat2: a process's root (absolute paths, symlinks and ".." stay inside it;
   fork and exec keep it; /proc/PID/root shows it; CAP_SYS_CHROOT), openat2's struct checks
   (sizes, unknown bits, modes) and each RESOLVE_* flag. Prints one line per check.

   rootcheck        run the checks (in /tmp/rootcheck, made and removed here)
   rootcheck inside what a program exec'd in the chroot sees */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/guest_check.h"

#define DIR "/tmp/rootcheck"

static const char *exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? "yes" : en(errno);
}

/* What the process's root looks like: the jail holds "inside", the real root holds "tmp". */
static void say_view(const char *who)
{
	char cwd[256];
	long n = syscall(SYS_getcwd, cwd, sizeof(cwd));
	say("%s: /inside %s, /tmp %s, /../../inside %s, up/inside %s, abs %s, cwd %s", who,
	    exists("/inside"), exists("/tmp"), exists("/../../inside"), exists("/up/inside"),
	    exists("/abs"), n < 0 ? en(errno) : cwd);
}

static void copy_self(const char *to)
{
	char buf[65536];
	int in = open("/proc/self/exe", O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	ssize_t n;
	if (in < 0 || out < 0) {
		say("copy of the program: %s", en(errno));
		exit(1);
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			exit(1);
	close(in);
	close(out);
}

static void check_chroot(void)
{
	mkdir(DIR "/jail", 0755);
	mkdir(DIR "/jail/sub", 0755);
	close(open(DIR "/jail/inside", O_CREAT | O_WRONLY, 0644));
	close(open(DIR "/jail/sub/deeper", O_CREAT | O_WRONLY, 0644));
	symlink("../../..", DIR "/jail/up");
	symlink("/inside", DIR "/jail/abs");
	copy_self(DIR "/jail/check");

	say("chroot missing: %s", res(chroot(DIR "/none")));
	say("chroot of a file: %s", res(chroot(DIR "/jail/inside")));

	pid_t pid = xfork();
	if (pid == 0) {
		if (setresuid(65534, 65534, 65534) < 0)
			_exit(1);
		say("chroot without CAP_SYS_CHROOT: %s", res(chroot(DIR "/jail")));
		_exit(0);
	}
	wait_status(pid);

	int ready[2], done[2];
	if (pipe(ready) < 0 || pipe(done) < 0)
		exit(1);
	pid = xfork();
	if (pid == 0) {
		/* The working directory stays outside the new root until a chdir. */
		say("chroot: %s", res(chroot(DIR "/jail")));
		char cwd[256];
		long n = syscall(SYS_getcwd, cwd, sizeof(cwd));
		say("cwd outside the root: %s", n > 0 && !strncmp(cwd, "(unreachable)", 13) ? "unreachable" : "reachable");
		say("chdir /: %s", res(chdir("/")));
		say_view("chrooted");
		say("chdir ..: %s", res(chdir("..")));
		say_view("after chdir ..");
		pid_t child = xfork();
		if (child == 0) {
			say_view("forked child");
			_exit(0);
		}
		wait_status(child);
		child = xfork();
		if (child == 0) {
			execl("/check", "check", "inside", (char *)NULL);
			say("exec in the chroot: %s", en(errno));
			_exit(1);
		}
		say("exec'd child: %d", WEXITSTATUS(wait_status(child)));
		/* A chroot into a subdirectory leaves the working directory above it: ".." from
		   there goes on up (Linux's well-known property), here one level. */
		say("chroot sub: %s", res(chroot("sub")));
		say("sub's view: /deeper %s, /inside %s", exists("/deeper"), exists("/inside"));
		say("cwd ..: %s", res(chdir("..")));
		say("from there: inside %s, jail/inside %s", exists("inside"), exists("jail/inside"));
		write_int(ready[1], 1);
		read_int(done[0]);
		_exit(0);
	}
	read_int(ready[0]);
	char link[256], path[64];
	snprintf(path, sizeof(path), "/proc/%d/root", pid);
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = 0;
	say("/proc/PID/root: %s", n < 0 ? en(errno) : link);
	snprintf(path, sizeof(path), "/proc/%d/root/deeper", pid);
	say("/proc/PID/root/deeper: %s", exists(path));
	write_int(done[1], 1);
	wait_status(pid);
}

static long openat2_how(int dirfd, const char *path, const void *how, size_t size)
{
	return syscall(SYS_openat2, dirfd, path, how, size);
}

/* openat2 of path from dirfd with flags and resolve: "ok" (the fd closed) or the errno. */
static const char *o2(int dirfd, const char *path, uint64_t flags, uint64_t resolve)
{
	struct open_how how = { .flags = flags, .resolve = resolve };
	long fd = openat2_how(dirfd, path, &how, sizeof(how));
	if (fd >= 0)
		close((int)fd);
	return res(fd);
}

static void check_open_how(void)
{
	unsigned char big[4200];
	struct open_how how = { .flags = O_RDONLY };
	memset(big, 0, sizeof(big));
	memcpy(big, &how, sizeof(how));
	say("size 0: %s", res(openat2_how(AT_FDCWD, "inside", &how, 0)));
	say("size 23: %s", res(openat2_how(AT_FDCWD, "inside", &how, 23)));
	long fd = openat2_how(AT_FDCWD, "inside", big, 40);
	say("size 40, zero tail: %s", res(fd));
	if (fd >= 0)
		close((int)fd);
	say("size 4096: %s", res(fd = openat2_how(AT_FDCWD, "inside", big, 4096)));
	if (fd >= 0)
		close((int)fd);
	say("size 4097: %s", res(openat2_how(AT_FDCWD, "inside", big, 4097)));
	big[39] = 1;
	say("size 40, non-zero tail: %s", res(openat2_how(AT_FDCWD, "inside", big, 40)));
	say("bad address: %s", res(openat2_how(AT_FDCWD, "inside", (void *)8, sizeof(how))));
	say("unknown flag: %s", o2(AT_FDCWD, "inside", 1ULL << 40, 0));
	say("unknown O_ bit: %s", o2(AT_FDCWD, "inside", 040000000000ULL, 0));
	say("unknown resolve: %s", o2(AT_FDCWD, "inside", O_RDONLY, 0x80));
	say("beneath and in-root: %s", o2(AT_FDCWD, "inside", O_RDONLY, RESOLVE_BENEATH | RESOLVE_IN_ROOT));
	struct open_how m = { .flags = O_RDONLY, .mode = 0644 };
	say("mode without O_CREAT: %s", res(openat2_how(AT_FDCWD, "inside", &m, sizeof(m))));
	m = (struct open_how){ .flags = O_CREAT | O_WRONLY, .mode = 0100644 };
	say("mode with a type: %s", res(openat2_how(AT_FDCWD, "made", &m, sizeof(m))));
	m.mode = 0640;
	fd = openat2_how(AT_FDCWD, "made", &m, sizeof(m));
	struct stat st;
	say("create 0640: %s, mode %o", res(fd), stat("made", &st) == 0 ? st.st_mode & 07777 : 0);
	if (fd >= 0)
		close((int)fd);
	say("O_PATH with O_APPEND: %s", o2(AT_FDCWD, "inside", O_PATH | O_APPEND, 0));
	say("O_PATH with O_CLOEXEC: %s", o2(AT_FDCWD, "inside", O_PATH | O_CLOEXEC, 0));
	say("O_CREAT|O_DIRECTORY: %s", o2(AT_FDCWD, "new", O_CREAT | O_DIRECTORY, 0));
	say("cached create: %s", o2(AT_FDCWD, "new", O_CREAT | O_WRONLY, RESOLVE_CACHED));
	say("cached truncate: %s", o2(AT_FDCWD, "inside", O_TRUNC | O_WRONLY, RESOLVE_CACHED));
	/* Linux answers EAGAIN when the name is not in its cache: either is right. */
	const char *c = o2(AT_FDCWD, "inside", O_RDONLY, RESOLVE_CACHED);
	say("cached lookup: %s", !strcmp(c, "ok") || !strcmp(c, "EAGAIN") ? "ok or EAGAIN" : c);
}

static void check_resolve(void)
{
	int dir = open(".", O_DIRECTORY | O_RDONLY);
	int proc = open("/proc", O_DIRECTORY | O_RDONLY);
	int root = open("/", O_DIRECTORY | O_RDONLY);
	int self = open("/proc/self", O_DIRECTORY | O_RDONLY);
	mkdir("d", 0755);
	mkdir("d/e", 0755);
	close(open("d/e/f", O_CREAT | O_WRONLY, 0644));
	symlink("d/../inside", "rel");
	symlink(DIR "/inside", "abs");
	symlink("/inside", "rootabs");
	symlink("..", "esc");
	symlink("d", "dirlink");
	symlink("/proc/self", "toproc");

	static const struct {
		const char *name;
		uint64_t resolve;
	} modes[] = {
		{ "none", 0 },
		{ "beneath", RESOLVE_BENEATH },
		{ "in-root", RESOLVE_IN_ROOT },
		{ "no-symlinks", RESOLVE_NO_SYMLINKS },
		{ "no-magiclinks", RESOLVE_NO_MAGICLINKS },
		{ "no-xdev", RESOLVE_NO_XDEV },
	};
	static const char *paths[] = {
		"inside", "d/e/f", "d/e/../../inside", "../rootcheck/inside", "d/../../rootcheck/inside",
		DIR "/inside", "/inside", "rel", "abs", "rootabs", "esc/rootcheck/inside",
		"dirlink/e/f", "toproc", "../../proc/self", "d/../../../../inside", "d/../abs",
	};
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		char line[1024] = "";
		for (size_t j = 0; j < sizeof(paths) / sizeof(paths[0]); j++)
			snprintf(line + strlen(line), sizeof(line) - strlen(line), " %s=%s", paths[j],
				 o2(dir, paths[j], O_RDONLY, modes[i].resolve));
		say("%s:%s", modes[i].name, line);
		/* The magic links of /proc/self/fd, followed and not. */
		say("%s: fd/0 %s, fd/0 nofollow %s, proc self/status %s, root proc %s, proc /tmp %s",
		    modes[i].name, o2(self, "fd/0", O_RDONLY, modes[i].resolve),
		    o2(self, "fd/0", O_PATH | O_NOFOLLOW, modes[i].resolve),
		    o2(proc, "self/status", O_RDONLY, modes[i].resolve),
		    o2(root, "proc/self", O_RDONLY | O_DIRECTORY, modes[i].resolve),
		    o2(proc, DIR "/inside", O_RDONLY, modes[i].resolve));
	}
	say("no-symlinks O_PATH|O_NOFOLLOW rel: %s", o2(dir, "rel", O_PATH | O_NOFOLLOW, RESOLVE_NO_SYMLINKS));
	say("no-symlinks O_NOFOLLOW rel: %s", o2(dir, "rel", O_RDONLY | O_NOFOLLOW, RESOLVE_NO_SYMLINKS));
	say("in-root create /made2: %s, made here %s",
	    o2(dir, "/made2", O_CREAT | O_WRONLY, RESOLVE_IN_ROOT), exists("made2"));
	say("beneath create ../made3: %s", o2(dir, "../made3", O_CREAT | O_WRONLY, RESOLVE_BENEATH));
	close(dir);
	close(proc);
	close(root);
	close(self);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 1 && !strcmp(argv[1], "inside")) {
		say_view("exec'd in the chroot");
		return 3;
	}
	if (system("rm -rf " DIR) != 0 || mkdir(DIR, 0755) < 0 || chdir(DIR) < 0) {
		perror(DIR);
		return 2;
	}
	close(open("inside", O_CREAT | O_WRONLY, 0644));
	check_chroot();
	check_open_how();
	check_resolve();
	return 0;
}
