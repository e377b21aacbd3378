/* Files: mappings of /dev/zero (private, shared with a child, access modes), fcntl leases
   and their breaks, OFD locks per open file, named pipes' status flags and non-blocking
   opens, RLIMIT_NOFILE, /proc files by shape, extended attributes a file of the image has.
   Prints one line per check.

   filecheck DIR [FILE]   DIR must be writable; FILE has user.image and security.capability */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "lib/guest_check.h"

static const char *mapped(void *p)
{
	return p == MAP_FAILED ? en(errno) : "ok";
}

/* /dev/zero maps as anonymous memory: private, or shared with a child; each shared mapping
   is memory of its own. */
static void check_dev_zero(void)
{
	int ro = open("/dev/zero", O_RDONLY), rw = open("/dev/zero", O_RDWR);
	int wo = open("/dev/zero", O_WRONLY);
	char *priv = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);
	say("/dev/zero private mapping of a read-only open: %s", mapped(priv));
	if (priv != MAP_FAILED) {
		priv[100] = 'p';
		say("private: zeros %s, writable %s", yesno(priv[0] == 0 && priv[8191] == 0),
		    yesno(priv[100] == 'p'));
	}
	say("shared writable of a read-only open: %s",
	    mapped(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0)));
	say("shared read-only of a read-only open: %s",
	    mapped(mmap(NULL, 4096, PROT_READ, MAP_SHARED, ro, 0)));
	say("any mapping of a write-only open: %s",
	    mapped(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, wo, 0)));
	say("offset 1 MiB: %s", mapped(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, ro, 1 << 20)));
	char *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, rw, 0);
	char *other = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, rw, 0);
	say("/dev/zero shared mapping: %s", mapped(shared));
	if (shared != MAP_FAILED && other != MAP_FAILED) {
		pid_t c = xfork();
		if (c == 0) {
			strcpy(shared, "child wrote");
			_exit(0);
		}
		wait_status(c);
		say("shared with a child: \"%s\"; a second mapping: \"%s\"", shared, other);
	}
	char buf[4] = { 1, 1, 1, 1 };
	const char *r = rv(read(rw, buf, 4));
	say("read: %s zeros %s; write: %s", r, yesno(!buf[0] && !buf[3]), rv(write(rw, buf, 4)));
	close(ro);
	close(rw);
	close(wo);
}

static const char *lease_name(long r)
{
	if (r < 0)
		return en(errno);
	return r == F_RDLCK ? "RDLCK" : r == F_WRLCK ? "WRLCK" : r == F_UNLCK ? "UNLCK" : "?";
}

static volatile sig_atomic_t lease_sig, lease_code, lease_fd;

static void on_lease_break(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	lease_sig = sig;
	lease_code = si->si_code;
	lease_fd = si->si_fd;
}

/* Waits (bounded) for the lease-break signal; says which came. */
static void await_break(int fd)
{
	sigset_t none;
	sigemptyset(&none);
	for (int i = 0; i < 200 && !lease_sig; i++)
		msleep(10);
	say("break signal: %s, code %d, si_fd is the lease's: %s", lease_sig ? sname(lease_sig) : "none",
	    lease_code, yesno(lease_fd == fd));
	lease_sig = 0;
}

/* An open in a child: its result. */
static const char *child_open(const char *path, int flags)
{
	int p[2];
	if (pipe(p) < 0)
		return "pipe";
	pid_t c = xfork();
	if (c == 0) {
		int fd = open(path, flags);
		write_int(p[1], fd < 0 ? errno : 0);
		_exit(0);
	}
	close(p[1]);
	int e = read_int(p[0]);
	close(p[0]);
	wait_status(c);
	return e ? en(e) : "ok";
}

/* fcntl leases: who may take which, and a break: the holder gets its signal, a
   non-blocking opener EWOULDBLOCK, a blocking one waits until the holder gives way. */
static void check_leases(void)
{
	struct sigaction sa = { .sa_sigaction = on_lease_break, .sa_flags = SA_SIGINFO | SA_RESTART };
	sigaction(SIGIO, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	int rw = open("lease", O_CREAT | O_RDWR | O_TRUNC, 0644);
	say("read lease of a writable open: %s", res(fcntl(rw, F_SETLEASE, F_RDLCK)));
	say("write lease of the only open (read-write): %s", res(fcntl(rw, F_SETLEASE, F_WRLCK)));
	say("get: %s", lease_name(fcntl(rw, F_GETLEASE)));
	const char *r = res(fcntl(rw, F_SETLEASE, F_UNLCK));
	say("unlock: %s, get: %s", r, lease_name(fcntl(rw, F_GETLEASE)));
	close(rw);
	int ro = open("lease", O_RDONLY);
	r = res(fcntl(ro, F_SETLEASE, F_RDLCK));
	say("read lease: %s, get %s", r, lease_name(fcntl(ro, F_GETLEASE)));
	r = res(fcntl(ro, F_SETLEASE, F_WRLCK));
	say("upgrade to write (only open): %s, get %s", r, lease_name(fcntl(ro, F_GETLEASE)));
	fcntl(ro, F_SETLEASE, F_UNLCK);
	int ro2 = open("lease", O_RDONLY);
	say("write lease with another reader: %s", res(fcntl(ro, F_SETLEASE, F_WRLCK)));
	say("read lease with another reader: %s", res(fcntl(ro, F_SETLEASE, F_RDLCK)));
	say("second read lease: %s", res(fcntl(ro2, F_SETLEASE, F_RDLCK)));
	say("bad type: %s", res(fcntl(ro2, F_SETLEASE, 7)));
	fcntl(ro2, F_SETLEASE, F_UNLCK);
	close(ro2);
	int pfd[2];
	if (pipe(pfd) == 0) {
		r = res(fcntl(pfd[0], F_SETLEASE, F_RDLCK));
		say("lease of a pipe: %s, get %s", r, lease_name(fcntl(pfd[0], F_GETLEASE)));
		close(pfd[0]);
		close(pfd[1]);
	}
	int dir = open(".", O_RDONLY | O_DIRECTORY);
	say("lease of a directory: %s", res(fcntl(dir, F_SETLEASE, F_RDLCK)));
	close(dir);
	pid_t c = xfork();
	if (c == 0) {
		if (setresuid(65534, 65534, 65534) < 0)
			_exit(1);
		int fd = open("lease", O_RDONLY);
		say("lease of another's file: %s", res(fcntl(fd, F_SETLEASE, F_RDLCK)));
		_exit(0);
	}
	wait_status(c);

	/* A read lease broken by a writer. */
	say("readers do not break a read lease: %s", child_open("lease", O_RDONLY | O_NONBLOCK));
	say("non-blocking writer: %s", child_open("lease", O_WRONLY | O_NONBLOCK));
	await_break(ro);
	say("get while breaking: %s", lease_name(fcntl(ro, F_GETLEASE)));
	int p[2];
	if (pipe(p) < 0)
		return;
	c = xfork();
	if (c == 0) {
		int fd = open("lease", O_WRONLY);
		write_int(p[1], fd < 0 ? -errno : 1);
		_exit(0);
	}
	/* The writer waits for the lease (its open has not answered while the lease stands). */
	say("unlock: %s", res(fcntl(ro, F_SETLEASE, F_UNLCK)));
	int got = read_int(p[0]);
	say("blocked writer's open: %s, get %s", got == 1 ? "ok" : en(-got), lease_name(fcntl(ro, F_GETLEASE)));
	wait_status(c);

	/* truncate(2) by path breaks a read lease as a writer's open does, and waits for it. */
	say("read lease again: %s", res(fcntl(ro, F_SETLEASE, F_RDLCK)));
	c = xfork();
	if (c == 0) {
		write_int(p[1], truncate("lease", 0) < 0 ? -errno : 1);
		_exit(0);
	}
	await_break(ro);
	say("get while truncate breaks it: %s", lease_name(fcntl(ro, F_GETLEASE)));
	say("unlock: %s", res(fcntl(ro, F_SETLEASE, F_UNLCK)));
	got = read_int(p[0]);
	say("blocked truncate: %s, get %s", got == 1 ? "ok" : en(-got), lease_name(fcntl(ro, F_GETLEASE)));
	wait_status(c);
	close(p[0]);
	close(p[1]);

	/* A write lease broken by a reader, with F_SETSIG: downgraded to a read lease. */
	r = res(fcntl(ro, F_SETSIG, SIGUSR1));
	say("F_SETSIG USR1: %s, F_GETSIG %d", r, fcntl(ro, F_GETSIG));
	say("write lease: %s", res(fcntl(ro, F_SETLEASE, F_WRLCK)));
	say("non-blocking reader: %s", child_open("lease", O_RDONLY | O_NONBLOCK));
	await_break(ro);
	say("get while breaking: %s", lease_name(fcntl(ro, F_GETLEASE)));
	r = res(fcntl(ro, F_SETLEASE, F_RDLCK));
	say("downgrade: %s, get %s", r, lease_name(fcntl(ro, F_GETLEASE)));
	say("reader after the downgrade: %s", child_open("lease", O_RDONLY | O_NONBLOCK));
	fcntl(ro, F_SETLEASE, F_UNLCK);
	close(ro);
	signal(SIGIO, SIG_DFL);
	signal(SIGUSR1, SIG_DFL);
}

static const char *lock_type(short t)
{
	return t == F_RDLCK ? "RDLCK" : t == F_WRLCK ? "WRLCK" : t == F_UNLCK ? "UNLCK" : "?";
}

static long setlk(int fd, int cmd, short type)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10 };
	return fcntl(fd, cmd, &fl);
}

static const char *getlk(int fd, int cmd)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10 };
	char *b = say_buffer();
	if (fcntl(fd, cmd, &fl) < 0)
		return en(errno);
	snprintf(b, SAY_BUFFER_SIZE, "%s pid %s", lock_type(fl.l_type),
		 fl.l_type == F_UNLCK ? "-" : fl.l_pid == -1 ? "-1" : fl.l_pid == getpid() ? "self" : "other");
	return b;
}

/* OFD locks belong to the open file description: two opens conflict even in one process,
   a dup shares, the last close releases. Process-associated locks do not conflict within
   the process, and any close of the file releases them. name: a file in DIR. */
static void check_ofd_locks(const char *name, int mode)
{
	int a = open(name, O_CREAT | mode, 0644), b = open(name, mode);
	say("%s OFD write lock: %s", name, res(setlk(a, F_OFD_SETLK, F_WRLCK)));
	const char *r = res(setlk(b, F_OFD_SETLK, F_WRLCK));
	say("%s second open's OFD lock: %s, its GETLK: %s", name, r, getlk(b, F_OFD_GETLK));
	int d = dup(a);
	say("%s through a dup: %s", name, res(setlk(d, F_OFD_SETLK, F_WRLCK)));
	close(d);
	say("%s after closing the dup: %s", name, res(setlk(b, F_OFD_SETLK, F_WRLCK)));
	close(a);
	say("%s after the last close: %s", name, res(setlk(b, F_OFD_SETLK, F_WRLCK)));
	struct flock bad = { .l_type = F_WRLCK, .l_pid = 1 };
	say("%s OFD lock with l_pid: %s", name, res(fcntl(b, F_OFD_SETLK, &bad)));
	setlk(b, F_OFD_SETLK, F_UNLCK);
	a = open(name, mode);
	r = res(setlk(a, F_SETLK, F_WRLCK));
	say("%s process lock: %s, again through another open: %s", name, r, res(setlk(b, F_SETLK, F_WRLCK)));
	pid_t c = xfork();
	if (c == 0) {
		int fd = open(name, mode);
		r = getlk(fd, F_GETLK);
		say("%s child's GETLK: %s, OFD lock: %s", name, r, res(setlk(fd, F_OFD_SETLK, F_RDLCK)));
		_exit(0);
	}
	wait_status(c);
	close(a);
	c = xfork();
	if (c == 0) {
		int fd = open(name, mode);
		say("%s child after a close: %s", name, getlk(fd, F_GETLK));
		_exit(0);
	}
	wait_status(c);
	close(b);
}

/* Named pipes: the status flags each open gets, non-blocking opens without a peer. */
static void check_fifo(void)
{
	unlink("fifo");
	say("mkfifo: %s", res(mkfifo("fifo", 0644)));
	int r = open("fifo", O_RDONLY | O_NONBLOCK);
	say("non-blocking reader alone: %s, flags %#x", r < 0 ? en(errno) : "ok", r < 0 ? 0 : fcntl(r, F_GETFL));
	int w = open("fifo", O_WRONLY | O_NONBLOCK);
	say("non-blocking writer with a reader: %s, flags %#x", w < 0 ? en(errno) : "ok", w < 0 ? 0 : fcntl(w, F_GETFL));
	close(w);
	close(r);
	say("non-blocking writer alone: %s", res(open("fifo", O_WRONLY | O_NONBLOCK)));
	int rw = open("fifo", O_RDWR);
	say("read-write: %s, flags %#x", rw < 0 ? en(errno) : "ok", rw < 0 ? 0 : fcntl(rw, F_GETFL));
	char buf[8];
	const char *wr = rv(write(rw, "abc", 3));
	say("write: %s, read: %s", wr, rv(read(rw, buf, sizeof(buf))));
	int fl = fcntl(rw, F_GETFL);
	const char *set = res(fcntl(rw, F_SETFL, fl | O_NONBLOCK));
	fl = fcntl(rw, F_GETFL);
	say("F_SETFL O_NONBLOCK: %s, flags %#x, empty read: %s", set, fl, rv(read(rw, buf, sizeof(buf))));
	close(rw);
	int rd = open("fifo", O_RDONLY | O_NONBLOCK | O_APPEND);
	fl = fcntl(rd, F_GETFL);
	say("reader with O_APPEND: flags %#x, read with no writer: %s", fl, rv(read(rd, buf, 1)));
	struct stat st;
	fstat(rd, &st);
	say("fstat: fifo %s, size %lld", yesno(S_ISFIFO(st.st_mode)), (long long)st.st_size);
	close(rd);
}

/* RLIMIT_NOFILE: opens past it give EMFILE, dup2 past it EBADF, F_DUPFD past it EINVAL. */
static void check_nofile(void)
{
	pid_t c = xfork();
	if (c == 0) {
		struct rlimit rl = { 16, 16 };
		setrlimit(RLIMIT_NOFILE, &rl);
		int last = -1, n = 0;
		for (;;) {
			int fd = open("/dev/null", O_RDONLY);
			if (fd < 0)
				break;
			last = fd;
			n++;
		}
		say("opens until: %s, last fd %d", en(errno), last);
		int p[2];
		const char *pr = res(pipe(p)), *dr = res(dup(0));
		say("pipe: %s, dup: %s, dup2 to 16: %s", pr, dr, res(dup2(0, 16)));
		const char *fr = res(fcntl(0, F_DUPFD, 16));
		say("F_DUPFD 16: %s, open of a directory: %s", fr, res(open("/", O_RDONLY | O_DIRECTORY)));
		close(last);
		say("after a close: %s", res(open("/dev/null", O_RDONLY)));
		_exit(0);
	}
	wait_status(c);
}

/* A /proc file's content with every run of digits as N: values differ from the host's by
   nature (counters, the sandbox's own namespace numbers), their form must not. keys_only:
   each line up to its colon; header: the first line (addresses) as its last word. */
static void say_shape(const char *path, bool keys_only, bool header)
{
	char buf[4096], out[4096];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (n < 0) {
		say("%s: %s", path, en(errno));
		return;
	}
	buf[n] = 0;
	size_t o = 0;
	bool skip = false;
	char *p = buf;
	if (header) {
		char *nl = strchr(buf, '\n');
		if (nl) {
			*nl = 0;
			char *last = strrchr(buf, ' ');
			o = (size_t)snprintf(out, sizeof(out), "%s|", last ? last + 1 : buf);
			p = nl + 1;
		}
	}
	for (; *p && o < sizeof(out) - 2; p++) {
		if (*p == '\n') {
			out[o++] = '|';
			skip = false;
		} else if (skip) {
			continue;
		} else if (keys_only && *p == ':') {
			out[o++] = ':';
			skip = true;
		} else if (*p >= '0' && *p <= '9') {
			if (!o || out[o - 1] != 'N')
				out[o++] = 'N';
		} else if (*p != ' ' || (o && out[o - 1] != ' ')) {
			out[o++] = *p;
		}
	}
	out[o] = 0;
	say("%s: %s", path, out);
}

static const char *link_shape(const char *path)
{
	char *b = say_buffer(), t[256];
	ssize_t n = readlink(path, t, sizeof(t) - 1);
	if (n < 0)
		return en(errno);
	t[n] = 0;
	size_t o = 0;
	for (char *p = t; *p && o < SAY_BUFFER_SIZE - 2; p++)
		if (*p < '0' || *p > '9')
			b[o++] = *p;
		else if (!o || b[o - 1] != 'N')
			b[o++] = 'N';
	b[o] = 0;
	return b;
}

/* Per-process and system files of /proc, by shape. */
static void check_proc_files(void)
{
	say_shape("/proc/self/coredump_filter", false, false);
	say_shape("/proc/self/io", true, false);
	say_shape("/proc/self/oom_score", false, false);
	say_shape("/proc/self/oom_score_adj", false, false);
	say_shape("/proc/self/smaps_rollup", true, true);
	say_shape("/proc/sys/kernel/tainted", false, false);
	say_shape("/proc/sys/fs/pipe-max-size", false, false);
	static const char *ns[] = { "cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time",
				    "time_for_children", "user", "uts" };
	char path[64], other[64];
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		snprintf(path, sizeof(path), "/proc/self/ns/%s", ns[i]);
		snprintf(other, sizeof(other), "/proc/1/ns/%s", ns[i]);
		char mine[256], init[256];
		ssize_t a = readlink(path, mine, sizeof(mine) - 1), b = readlink(other, init, sizeof(init) - 1);
		bool same = a > 0 && a == b && !memcmp(mine, init, (size_t)a);
		say("ns/%s: %s, init's the same: %s", ns[i], link_shape(path), yesno(same));
	}
	struct stat st;
	say("ns/ directory: %s", stat("/proc/self/ns", &st) < 0 ? en(errno) : (st.st_mode & 0777) == 0511 ? "0511" : "other mode");
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* listxattr's names, sorted (the order is the file system's). */
static const char *xattr_names(const char *path)
{
	char list[1024], *v[32], *b = say_buffer();
	ssize_t n = listxattr(path, list, sizeof(list));
	int c = 0;
	if (n < 0)
		return en(errno);
	for (char *p = list; p < list + n && c < 32; p += strlen(p) + 1)
		v[c++] = p;
	qsort(v, (size_t)c, sizeof(v[0]), by_name);
	b[0] = 0;
	for (int i = 0; i < c; i++)
		snprintf(b + strlen(b), SAY_BUFFER_SIZE - strlen(b), "%s%s", i ? "," : "", v[i]);
	return c ? b : "(none)";
}

static const char *xattr_value(const char *path, const char *name)
{
	char *b = say_buffer();
	ssize_t n = getxattr(path, name, b, SAY_BUFFER_SIZE - 1);
	if (n < 0)
		return en(errno);
	b[n] = 0;
	return b;
}

/* A file of the image with attributes: read as they are, by another user too, and kept when
   the file is written (copied up) and given another. */
static void check_image_xattrs(const char *path)
{
	char caps[64];
	say("image file: %s", xattr_names(path));
	say("user.image: %s, security.capability: %s bytes", xattr_value(path, "user.image"),
	    rv(getxattr(path, "security.capability", caps, sizeof(caps))));
	pid_t c = xfork();
	if (c == 0) {
		if (setresuid(65534, 65534, 65534) < 0)
			_exit(1);
		say("another user: %s, user.image %s, security.capability: %s bytes", xattr_names(path),
		    xattr_value(path, "user.image"), rv(getxattr(path, "security.capability", caps, sizeof(caps))));
		_exit(0);
	}
	wait_status(c);
	/* A write drops the file's capabilities (file_remove_privs). */
	int fd = open(path, O_WRONLY | O_APPEND);
	const char *w = rv(write(fd, "x", 1));
	say("written: %s; attributes: %s", w, xattr_names(path));
	close(fd);
	const char *r = res(setxattr(path, "user.added", "1", 1, 0));
	say("user.added: %s; attributes: %s", r, xattr_names(path));
}

static const char *owner_ex(int fd)
{
	struct f_owner_ex ex = { 99, 99 };
	char *b = say_buffer();
	if (fcntl(fd, F_GETOWN_EX, &ex) < 0)
		return en(errno);
	snprintf(b, SAY_BUFFER_SIZE, "type %d %s", ex.type,
		 ex.pid == 0 ? "0" : ex.pid == getpid() ? "self" : ex.pid == gettid() ? "self-tid" : "other");
	return b;
}

/* F_SETOWN/F_GETOWN and their _EX forms name processes, threads and groups by the caller's
   pids; a pipe with O_ASYNC signals its owner (SIGIO from the kernel). Raw syscalls: glibc
   turns F_GETOWN into F_GETOWN_EX. */
static void check_owner(void)
{
	int p[2];
	if (pipe(p) < 0)
		return;
	setpgid(0, 0);
	long own = syscall(SYS_fcntl, p[0], F_GETOWN);
	say("fresh: getown %ld, ex %s", own, owner_ex(p[0]));
	const char *r = rv(syscall(SYS_fcntl, p[0], F_SETOWN, getpid()));
	own = syscall(SYS_fcntl, p[0], F_GETOWN);
	say("setown self: %s, getown is self: %s, ex %s", r, yesno(own == getpid()), owner_ex(p[0]));
	r = rv(syscall(SYS_fcntl, p[0], F_SETOWN, -getpgrp()));
	own = syscall(SYS_fcntl, p[0], F_GETOWN);
	say("setown -pgrp: %s, getown is -pgrp: %s, ex %s", r, yesno(own == -getpgrp()), owner_ex(p[0]));
	say("setown no such pid: %s", rv(syscall(SYS_fcntl, p[0], F_SETOWN, 99999)));
	say("setown INT_MIN: %s", rv(syscall(SYS_fcntl, p[0], F_SETOWN, INT_MIN)));
	struct f_owner_ex ex = { 7, getpid() };
	say("setown_ex bad type: %s", rv(syscall(SYS_fcntl, p[0], F_SETOWN_EX, &ex)));
	ex = (struct f_owner_ex){ F_OWNER_PID, -5 };
	say("setown_ex negative pid: %s", rv(syscall(SYS_fcntl, p[0], F_SETOWN_EX, &ex)));
	say("setown_ex bad pointer: %s", rv(syscall(SYS_fcntl, p[0], F_SETOWN_EX, (void *)1)));
	ex = (struct f_owner_ex){ F_OWNER_TID, gettid() };
	r = rv(syscall(SYS_fcntl, p[0], F_SETOWN_EX, &ex));
	own = syscall(SYS_fcntl, p[0], F_GETOWN);
	say("setown_ex tid: %s, ex %s, getown is the tid: %s", r, owner_ex(p[0]), yesno(own == gettid()));
	r = rv(syscall(SYS_fcntl, p[0], F_SETOWN, 0));
	own = syscall(SYS_fcntl, p[0], F_GETOWN);
	say("setown 0: %s, getown %ld, ex %s", r, own, owner_ex(p[0]));
	int d = dup(p[0]);
	syscall(SYS_fcntl, p[0], F_SETOWN, getpid());
	say("a dup shares the owner: %s", yesno(syscall(SYS_fcntl, d, F_GETOWN) == getpid()));
	close(d);

	struct sigaction sa = { .sa_sigaction = on_lease_break, .sa_flags = SA_SIGINFO | SA_RESTART };
	sigaction(SIGIO, &sa, NULL);
	fcntl(p[0], F_SETFL, O_ASYNC | O_NONBLOCK);
	lease_sig = 0;
	if (write(p[1], "x", 1) != 1)
		say("write failed");
	for (int i = 0; i < 200 && !lease_sig; i++)
		msleep(10);
	say("O_ASYNC pipe write: %s, code %d", lease_sig ? sname(lease_sig) : "none", lease_code);
	signal(SIGIO, SIG_DFL);
	close(p[0]);
	close(p[1]);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc < 2 || chdir(argv[1]) < 0) {
		fprintf(stderr, "usage: filecheck DIR\n");
		return 2;
	}
	check_dev_zero();
	check_leases();
	check_ofd_locks("ofd", O_RDWR);
	check_ofd_locks("ofd-ro", O_RDONLY);
	check_fifo();
	check_nofile();
	check_proc_files();
	check_owner();
	if (argc > 2)
		check_image_xattrs(argv[2]);
	return 0;
}
