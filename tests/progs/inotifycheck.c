/* inotify, checked against a native run: inotify_init1 flags, inotify_add_watch and
   inotify_rm_watch errors and flags (IN_ONLYDIR, IN_DONT_FOLLOW, IN_MASK_ADD,
   IN_MASK_CREATE, IN_ONESHOT, IN_EXCL_UNLINK), the events of file and name operations in a
   directory under argv[1] (IN_ISDIR, cookies of a rename, IN_DELETE_SELF, IN_MOVE_SELF,
   IN_IGNORED), reads (EINVAL for a small buffer, name padding, merged repeats), FIONREAD,
   IN_Q_OVERFLOW, poll/select/epoll readiness, a blocking read woken by another process and
   one a signal interrupts or restarts, /proc/sys/fs/inotify and fdinfo. Each step is a
   sequence of operations then a read of what was queued, printed with cookies named by
   order of appearance. */
#define _GNU_SOURCE
#include "lib/guest_check.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#ifndef IN_MASK_CREATE
#define IN_MASK_CREATE 0x10000000
#endif

static char dir[64];

static const struct {
	uint32_t bit;
	const char *name;
} bits[] = {
	{ IN_ACCESS, "ACCESS" }, { IN_MODIFY, "MODIFY" }, { IN_ATTRIB, "ATTRIB" },
	{ IN_CLOSE_WRITE, "CLOSE_WRITE" }, { IN_CLOSE_NOWRITE, "CLOSE_NOWRITE" },
	{ IN_OPEN, "OPEN" }, { IN_MOVED_FROM, "MOVED_FROM" }, { IN_MOVED_TO, "MOVED_TO" },
	{ IN_CREATE, "CREATE" }, { IN_DELETE, "DELETE" }, { IN_DELETE_SELF, "DELETE_SELF" },
	{ IN_MOVE_SELF, "MOVE_SELF" }, { IN_UNMOUNT, "UNMOUNT" }, { IN_Q_OVERFLOW, "Q_OVERFLOW" },
	{ IN_IGNORED, "IGNORED" }, { IN_ISDIR, "ISDIR" },
};

static const char *mask_name(uint32_t mask)
{
	char *b = say_buffer();
	b[0] = 0;
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (mask & bits[i].bit) {
			if (b[0])
				strcat(b, "|");
			strcat(b, bits[i].name);
			mask &= ~bits[i].bit;
		}
	if (mask)
		snprintf(b + strlen(b), SAY_BUFFER_SIZE - strlen(b), "|0x%x", mask);
	return b;
}

static const char *path(const char *name)
{
	char *b = say_buffer();
	snprintf(b, SAY_BUFFER_SIZE, "%s/%s", dir, name);
	return b;
}

/* Prints what one buffer of events holds; cookies are named by first appearance. */
static uint32_t cookies[64];
static int ncookies;

static void print_events(const char *what, const char *buf, ssize_t n)
{
	for (ssize_t off = 0; off < n;) {
		const struct inotify_event *e = (const void *)(buf + off);
		char cookie[16] = "0";
		if (e->cookie) {
			int i;
			for (i = 0; i < ncookies && cookies[i] != e->cookie; i++)
				;
			if (i == ncookies && ncookies < 64)
				cookies[ncookies++] = e->cookie;
			snprintf(cookie, sizeof(cookie), "c%d", i);
		}
		say("%s: wd=%d %s cookie=%s len=%u name=%s", what, e->wd, mask_name(e->mask), cookie,
		    e->len, e->len ? e->name : "-");
		off += (ssize_t)sizeof(*e) + e->len;
	}
}

/* Reads everything queued (the fd is non-blocking) and prints it. */
static void drain(int fd, const char *what)
{
	char buf[4096] __attribute__((aligned(8)));
	int any = 0;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno != EAGAIN)
				say("%s: read %s", what, en(errno));
			break;
		}
		print_events(what, buf, n);
		any = 1;
	}
	if (!any)
		say("%s: nothing", what);
}

static void touch(const char *name)
{
	int fd = open(path(name), O_CREAT | O_WRONLY, 0644);
	if (fd < 0)
		say("create %s: %s", name, en(errno));
	else
		close(fd);
}

static void check_errors(void)
{
	say("init1 bad flag: %s", res(inotify_init1(0x1234)));
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	say("init1 NONBLOCK|CLOEXEC: cloexec %s nonblock %s", yesno(fcntl(fd, F_GETFD) & FD_CLOEXEC),
	    yesno(fcntl(fd, F_GETFL) & O_NONBLOCK));
	int plain = inotify_init();
	say("init: cloexec %s nonblock %s", yesno(fcntl(plain, F_GETFD) & FD_CLOEXEC),
	    yesno(fcntl(plain, F_GETFL) & O_NONBLOCK));
	close(plain);
	touch("file");
	say("add_watch mask 0: %s", res(inotify_add_watch(fd, dir, 0)));
	say("add_watch MASK_ADD|MASK_CREATE: %s",
	    res(inotify_add_watch(fd, dir, IN_MODIFY | IN_MASK_ADD | IN_MASK_CREATE)));
	say("add_watch bad fd: %s", res(inotify_add_watch(999, dir, IN_MODIFY)));
	int p[2];
	if (pipe(p) == 0) {
		say("add_watch on a pipe: %s", res(inotify_add_watch(p[0], dir, IN_MODIFY)));
		say("rm_watch on a pipe: %s", res(inotify_rm_watch(p[0], 1)));
		close(p[0]);
		close(p[1]);
	}
	say("add_watch missing: %s", res(inotify_add_watch(fd, path("missing"), IN_MODIFY)));
	say("add_watch ONLYDIR file: %s", res(inotify_add_watch(fd, path("file"), IN_MODIFY | IN_ONLYDIR)));
	say("add_watch bad path: %s", res(inotify_add_watch(fd, (const char *)8, IN_MODIFY)));
	say("rm_watch bad wd: %s", res(inotify_rm_watch(fd, 12345)));
	say("rm_watch bad fd: %s", res(inotify_rm_watch(999, 1)));
	int wd = inotify_add_watch(fd, dir, IN_OPEN | IN_ONLYDIR);
	say("add_watch ONLYDIR dir: wd %d", wd);
	say("add_watch MASK_CREATE again: %s", res(inotify_add_watch(fd, dir, IN_OPEN | IN_MASK_CREATE)));
	say("add_watch again: wd %d", inotify_add_watch(fd, dir, IN_OPEN | IN_MASK_ADD));
	say("second file: wd %d", inotify_add_watch(fd, path("file"), IN_OPEN));
	say("rm_watch: %s", res(inotify_rm_watch(fd, wd)));
	say("rm_watch twice: %s", res(inotify_rm_watch(fd, wd)));
	say("new watch after rm: wd %d", inotify_add_watch(fd, dir, IN_OPEN));
	drain(fd, "errors");
	say("write to inotify fd: %s", res(write(fd, "x", 1)));
	close(fd);
	unlink(path("file"));
}

/* File and name operations seen by a watch on the directory and one on a file. */
static void check_operations(void)
{
	int fd = inotify_init1(IN_NONBLOCK);
	inotify_add_watch(fd, dir, IN_ALL_EVENTS);
	char buf[16];

	int f = open(path("f"), O_CREAT | O_RDWR, 0644);
	say("file watch: wd %d", inotify_add_watch(fd, path("f"), IN_ALL_EVENTS));
	write(f, "hello", 5);
	write(f, "hello", 5);
	pread(f, buf, sizeof(buf), 0);
	close(f);
	drain(fd, "create-write-close");

	f = open(path("f"), O_RDONLY);
	read(f, buf, sizeof(buf));
	read(f, buf, sizeof(buf));
	close(f);
	drain(fd, "read");

	chmod(path("f"), 0600);
	chown(path("f"), 0, 0);
	utimes(path("f"), NULL);
	struct timespec ts[2] = { { 0, UTIME_OMIT }, { 5, 0 } };
	utimensat(AT_FDCWD, path("f"), ts, 0);
	ts[0] = (struct timespec){ 5, 0 };
	ts[1] = (struct timespec){ 0, UTIME_OMIT };
	utimensat(AT_FDCWD, path("f"), ts, 0);
	truncate(path("f"), 2);
	say("setxattr: %s", res(setxattr(path("f"), "user.k", "v", 1, 0)));
	say("removexattr: %s", res(removexattr(path("f"), "user.k")));
	drain(fd, "attributes");

	f = open(path("f"), O_WRONLY | O_TRUNC);
	close(f);
	drain(fd, "open-trunc");

	link(path("f"), path("g"));
	unlink(path("g"));
	drain(fd, "link-unlink");

	rename(path("f"), path("h"));
	drain(fd, "rename");

	mkdir(path("sub"), 0755);
	int d = open(path("sub"), O_RDONLY | O_DIRECTORY);
	close(d);
	rename(path("sub"), path("sub2"));
	rmdir(path("sub2"));
	symlink("h", path("sym"));
	mkfifo(path("fifo"), 0644);
	unlink(path("sym"));
	unlink(path("fifo"));
	drain(fd, "names");

	unlink(path("h"));
	drain(fd, "unlink-watched");
	close(fd);
}

static void check_self(void)
{
	int fd = inotify_init1(IN_NONBLOCK);
	touch("a");
	touch("b");
	mkdir(path("e"), 0755);
	say("watch a: wd %d", inotify_add_watch(fd, path("a"), IN_ALL_EVENTS));
	say("watch b: wd %d", inotify_add_watch(fd, path("b"), IN_ALL_EVENTS));
	say("watch e: wd %d", inotify_add_watch(fd, path("e"), IN_ALL_EVENTS));
	rename(path("a"), path("a2"));
	rename(path("a2"), path("b"));
	drain(fd, "rename-over");
	int f = open(path("b"), O_RDWR);
	unlink(path("b"));
	drain(fd, "unlink-open");
	write(f, "x", 1);
	close(f);
	drain(fd, "close-unlinked");
	rename(path("e"), path("e2"));
	drain(fd, "rename-watched-dir");
	rmdir(path("e2"));
	drain(fd, "rmdir-watched");

	/* A symlink itself (IN_DONT_FOLLOW) and its target. */
	touch("t");
	symlink("t", path("l"));
	say("watch link: wd %d", inotify_add_watch(fd, path("l"), IN_ATTRIB | IN_DONT_FOLLOW));
	say("watch through link: wd %d", inotify_add_watch(fd, path("l"), IN_ATTRIB));
	chmod(path("t"), 0600);
	drain(fd, "dont-follow");
	unlink(path("l"));
	unlink(path("t"));
	drain(fd, "dont-follow-unlink");
	close(fd);
}

static void check_flags(void)
{
	int fd = inotify_init1(IN_NONBLOCK);
	touch("o");
	int wd = inotify_add_watch(fd, path("o"), IN_MODIFY | IN_ONESHOT);
	int f = open(path("o"), O_WRONLY);
	write(f, "1", 1);
	write(f, "2", 1);
	close(f);
	drain(fd, "oneshot");
	say("rm_watch after oneshot: %s", res(inotify_rm_watch(fd, wd)));

	wd = inotify_add_watch(fd, path("o"), IN_OPEN);
	say("mask add: same wd %s", yesno(inotify_add_watch(fd, path("o"), IN_CLOSE | IN_MASK_ADD) == wd));
	close(open(path("o"), O_RDONLY));
	drain(fd, "mask-add");
	inotify_add_watch(fd, path("o"), IN_CLOSE_NOWRITE);
	close(open(path("o"), O_RDONLY));
	drain(fd, "mask-replace");
	inotify_rm_watch(fd, wd);
	drain(fd, "rm");

	/* IN_EXCL_UNLINK: nothing of a child once unlinked, for that watch only. */
	int fd2 = inotify_init1(IN_NONBLOCK);
	inotify_add_watch(fd, dir, IN_MODIFY | IN_CLOSE_WRITE | IN_EXCL_UNLINK);
	inotify_add_watch(fd2, dir, IN_MODIFY | IN_CLOSE_WRITE);
	f = open(path("o"), O_WRONLY);
	unlink(path("o"));
	write(f, "3", 1);
	close(f);
	drain(fd, "excl-unlink");
	drain(fd2, "no-excl-unlink");
	close(fd2);
	close(fd);
}

static void check_reads(void)
{
	int fd = inotify_init1(IN_NONBLOCK);
	inotify_add_watch(fd, dir, IN_CREATE);
	const char *names[] = { "n", "fifteen-chars-x", "sixteen-chars-xx", "seventeen-chars-x" };
	for (int i = 0; i < 4; i++)
		touch(names[i]);
	int avail = -1;
	long r = ioctl(fd, FIONREAD, &avail);
	say("FIONREAD: %s %d", res(r), avail);
	char buf[256] __attribute__((aligned(8)));
	say("read 0: %s", res(read(fd, buf, 0)));
	say("read 16: %s", res(read(fd, buf, 16)));
	say("read 31: %s", res(read(fd, buf, 31)));
	ssize_t n = read(fd, buf, 32);
	say("read 32: %zd", n);
	print_events("small", buf, n);
	n = read(fd, buf, 80);
	say("read 80: %zd", n);
	print_events("small", buf, n);
	r = ioctl(fd, FIONREAD, &avail);
	say("FIONREAD: %s %d", res(r), avail);
	drain(fd, "rest");
	for (int i = 0; i < 4; i++)
		unlink(path(names[i]));
	close(fd);
}

static void check_overflow(void)
{
	int max = 0;
	FILE *p = fopen("/proc/sys/fs/inotify/max_queued_events", "r");
	if (!p || fscanf(p, "%d", &max) != 1) {
		say("max_queued_events: unreadable");
		return;
	}
	fclose(p);
	int fd = inotify_init1(IN_NONBLOCK);
	touch("q");
	inotify_add_watch(fd, dir, IN_OPEN | IN_CLOSE);
	/* OPEN and CLOSE_NOWRITE alternate: none merges. */
	for (int i = 0; i < max / 2 + 8; i++)
		close(open(path("q"), O_RDONLY));
	int avail = -1;
	ioctl(fd, FIONREAD, &avail);
	static char buf[65536] __attribute__((aligned(8)));
	long events = 0, bytes = 0, overflows = 0;
	uint32_t last = 0;
	int lastwd = 0;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		bytes += n;
		for (ssize_t off = 0; off < n;) {
			const struct inotify_event *e = (const void *)(buf + off);
			events++;
			overflows += !!(e->mask & IN_Q_OVERFLOW);
			last = e->mask;
			lastwd = e->wd;
			off += (ssize_t)sizeof(*e) + e->len;
		}
	}
	say("overflow: events-max %ld, overflow events %ld, last %s wd %d, FIONREAD was all %s",
	    events - max, overflows, mask_name(last), lastwd, yesno(avail == bytes));
	close(open(path("q"), O_RDONLY));
	drain(fd, "after-overflow");
	unlink(path("q"));
	close(fd);
}

static int sig_fd = -1;

static void on_alarm(int sig)
{
	(void)sig;
	if (sig_fd >= 0)
		close(open(path("from-handler"), O_CREAT | O_WRONLY, 0644));
}

static void alarm_in(int ms)
{
	struct itimerval it = { { 0, 0 }, { 0, ms * 1000 } };
	setitimer(ITIMER_REAL, &it, NULL);
}

static void check_waiting(void)
{
	int fd = inotify_init1(IN_NONBLOCK);
	inotify_add_watch(fd, dir, IN_CREATE);
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	say("poll empty: %d", poll(&pfd, 1, 0));
	struct pollfd out = { .fd = fd, .events = POLLIN | POLLOUT };
	int k = poll(&out, 1, 0);
	say("poll POLLOUT: %d revents 0x%x", k, out.revents);
	int ep = epoll_create1(0);
	struct epoll_event ee = { .events = EPOLLIN };
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ee);
	say("epoll empty: %d", epoll_wait(ep, &ee, 1, 0));
	touch("w");
	int n = poll(&pfd, 1, 1000);
	say("poll: %d revents 0x%x", n, pfd.revents);
	n = epoll_wait(ep, &ee, 1, 1000);
	say("epoll: %d events 0x%x", n, ee.events);
	fd_set rs;
	FD_ZERO(&rs);
	FD_SET(fd, &rs);
	struct timeval tv = { 1, 0 };
	say("select: %d readable %s", select(fd + 1, &rs, NULL, NULL, &tv), yesno(FD_ISSET(fd, &rs)));
	drain(fd, "ready");
	say("poll drained: %d", poll(&pfd, 1, 0));
	close(ep);
	close(fd);
	unlink(path("w"));

	/* A blocking read, woken by another process's change. */
	fd = inotify_init();
	inotify_add_watch(fd, dir, IN_CREATE);
	pid_t pid = xfork();
	if (pid == 0) {
		touch("from-child");
		_exit(0);
	}
	char buf[4096] __attribute__((aligned(8)));
	ssize_t got = read(fd, buf, sizeof(buf));
	print_events("blocking", buf, got);
	wait_status(pid);
	unlink(path("from-child"));

	/* A signal ends a blocking read (EINTR), or restarts it (SA_RESTART): the handler's
	   own change is what the restarted read returns. */
	struct sigaction sa = { .sa_handler = on_alarm };
	sigaction(SIGALRM, &sa, NULL);
	alarm_in(20);
	got = read(fd, buf, sizeof(buf));
	say("read interrupted: %s", res(got));
	sig_fd = fd;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	alarm_in(20);
	got = read(fd, buf, sizeof(buf));
	say("read restarted: %zd", got);
	if (got > 0)
		print_events("restarted", buf, got);
	unlink(path("from-handler"));
	sig_fd = -1;
	close(fd);
}

static void check_proc(void)
{
	const char *files[] = { "max_queued_events", "max_user_instances", "max_user_watches" };
	for (int i = 0; i < 3; i++) {
		char p[128];
		long v = -1;
		snprintf(p, sizeof(p), "/proc/sys/fs/inotify/%s", files[i]);
		FILE *f = fopen(p, "r");
		say("%s: %s", files[i], f && fscanf(f, "%ld", &v) == 1 && v > 0 ? "a number" : "missing");
		if (f)
			fclose(f);
	}
	int fd = inotify_init();
	inotify_add_watch(fd, dir, IN_CREATE);
	inotify_add_watch(fd, "/", IN_CREATE);
	char p[64], line[256];
	snprintf(p, sizeof(p), "/proc/self/fdinfo/%d", fd);
	FILE *f = fopen(p, "r");
	int lines = 0;
	while (f && fgets(line, sizeof(line), f))
		lines += !strncmp(line, "inotify wd:", 11);
	say("fdinfo watch lines: %d", lines);
	char link[64] = "";
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	say("fd link: %.*s", (int)readlink(p, link, sizeof(link) - 1), link);
	if (f)
		fclose(f);
	close(fd);

	/* max_user_instances: EMFILE once the user's instances reach it. */
	int fds[1100], n = 0, err = 0;
	for (; n < 1100; n++) {
		fds[n] = inotify_init();
		if (fds[n] < 0) {
			err = errno;
			break;
		}
	}
	say("instances until: %s", err ? en(err) : "no limit below 1100");
	while (n-- > 0)
		close(fds[n]);
}

int main(int argc, char **argv)
{
	snprintf(dir, sizeof(dir), "%s/inotifycheck", argc > 1 ? argv[1] : "/tmp");
	mkdir(dir, 0755);
	check_errors();
	check_operations();
	check_self();
	check_flags();
	check_reads();
	check_overflow();
	check_waiting();
	check_proc();
	rmdir(dir);
	return 0;
}
