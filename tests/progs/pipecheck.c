/* Pipes and file descriptors: pipe/pipe2 and their flags, blocking and non-blocking I/O, end
   of file when the last writer (in any process) goes, EPIPE, PIPE_BUF atomicity with several
   writers, dup/dup2/dup3, fcntl, close-on-exec across exec, close_range. Prints one line per
   check; children never print (but the exec'd "fds" mode, which reports its open fds).

   pipecheck                 the checks (needs a writable /tmp)
   pipecheck fds             prints the fds open in this process
   pipecheck wait-eof FD     waits for end of file on FD, then exits 0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/close_range.h>

#include "lib/guest_check.h"

static const char *self_path;

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static bool cloexec(int fd)
{
	int f = fcntl(fd, F_GETFD);
	return f >= 0 && (f & FD_CLOEXEC);
}

static const char *accmode(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return en(errno);
	switch (fl & O_ACCMODE) {
	case O_RDONLY:
		return "O_RDONLY";
	case O_WRONLY:
		return "O_WRONLY";
	default:
		return "O_RDWR";
	}
}

/* The fds open in this process, as "0 1 2 ...". */
static void list_fds(char *out, size_t size)
{
	size_t n = 0;
	out[0] = '\0';
	for (int fd = 0; fd < 256; fd++)
		if (fd_open(fd))
			n += (size_t)snprintf(out + n, size - n, "%s%d", n ? " " : "", fd);
}

/* Runs this program in mode "fds" in a child and returns what it printed. */
static void fds_after_exec(char *out, size_t size)
{
	int p[2];
	pipe2(p, O_CLOEXEC);
	pid_t c = xfork();
	if (c == 0) {
		dup2(p[1], 1);	/* dup2 clears close-on-exec on 1 */
		char *argv[] = { (char *)self_path, "fds", NULL };
		execv(self_path, argv);
		_exit(127);
	}
	close(p[1]);
	ssize_t n, total = 0;
	while ((n = read(p[0], out + total, size - 1 - (size_t)total)) > 0)
		total += n;
	out[total] = '\0';
	if (total > 0 && out[total - 1] == '\n')
		out[total - 1] = '\0';
	close(p[0]);
	wait_status(c);
}

/* --- pipe and pipe2 --- */

static void check_pipe_basics(void)
{
	int p[2];
	const char *made = res(pipe(p));
	say("pipe: %s, lowest free numbers: %s", made, yesno(p[0] == 3 && p[1] == 4));
	say("read end %s, write end %s, close-on-exec: %s", accmode(p[0]), accmode(p[1]),
	    yesno(cloexec(p[0]) || cloexec(p[1])));
	write(p[1], "hello", 5);
	char buf[16] = "";
	ssize_t n = read(p[0], buf, sizeof(buf));
	say("write 5, read: %zd \"%.*s\"", n, (int)(n > 0 ? n : 0), buf);
	close(p[0]);
	close(p[1]);

	made = res(pipe2(p, O_CLOEXEC));
	say("pipe2 O_CLOEXEC: %s, both close-on-exec: %s", made, yesno(cloexec(p[0]) && cloexec(p[1])));
	close(p[0]);
	close(p[1]);
	pipe2(p, O_NONBLOCK);
	say("pipe2 O_NONBLOCK: F_GETFL has it on both ends: %s",
	    yesno((fcntl(p[0], F_GETFL) & O_NONBLOCK) && (fcntl(p[1], F_GETFL) & O_NONBLOCK)));
	n = read(p[0], buf, sizeof(buf));
	say("non-blocking read of an empty pipe: %s", res(n));
	char chunk[PIPE_BUF];
	memset(chunk, 'a', sizeof(chunk));
	long total = 0;
	while ((n = write(p[1], chunk, 1024)) > 0)
		total += n;
	say("non-blocking writes until full: %ld bytes, then %s", total, en(errno));
	say("F_GETPIPE_SZ: %d", fcntl(p[1], F_GETPIPE_SZ));
	n = read(p[0], chunk, 1024);
	say("after reading %zd, a PIPE_BUF write that does not fit: %s", n, res(write(p[1], chunk, PIPE_BUF)));
	close(p[0]);
	close(p[1]);
	say("pipe2 with bad flags: %s", res(pipe2(p, O_APPEND)));
	say("pipe with a bad address: %s", res(syscall(SYS_pipe, (void *)8)));

	/* O_DIRECT: packet mode, each write is one read. */
	if (pipe2(p, O_DIRECT) == 0) {
		write(p[1], "one", 3);
		write(p[1], "three", 5);
		n = read(p[0], buf, sizeof(buf));
		ssize_t m = read(p[0], buf + 8, 8);
		say("pipe2 O_DIRECT: reads of %zd and %zd bytes", n, m);
		close(p[0]);
		close(p[1]);
	} else {
		say("pipe2 O_DIRECT: %s", en(errno));
	}

	/* F_SETPIPE_SZ. */
	pipe(p);
	int set = fcntl(p[0], F_SETPIPE_SZ, 4096);
	say("F_SETPIPE_SZ 4096: %d, F_GETPIPE_SZ: %d", set, fcntl(p[1], F_GETPIPE_SZ));
	close(p[0]);
	close(p[1]);
}

static void check_blocking_and_eof(void)
{
	int p[2];
	char buf[64];
	pipe(p);
	pid_t c = xfork();
	if (c == 0) {
		close(p[0]);
		msleep(50);
		write(p[1], "later", 5);
		_exit(0);
	}
	ssize_t n = read(p[0], buf, sizeof(buf));
	say("blocking read waits for another process's write: %zd \"%.*s\"", n, (int)(n > 0 ? n : 0), buf);
	close(p[1]);
	n = read(p[0], buf, sizeof(buf));
	say("after the writer exited: end of file: %s", yesno(n == 0));
	wait_status(c);
	close(p[0]);

	/* Three writer processes and an exec'd one; end of file only when all are gone. */
	pipe(p);
	pid_t w[4];
	for (int i = 0; i < 3; i++) {
		w[i] = xfork();
		if (w[i] == 0) {
			close(p[0]);
			msleep(30 * (i + 1));
			char ch = (char)('0' + i);
			write(p[1], &ch, 1);
			_exit(0);
		}
	}
	w[3] = xfork();
	if (w[3] == 0) {
		close(p[0]);
		char fd[16];
		snprintf(fd, sizeof(fd), "%d", p[1]);
		char *argv[] = { (char *)self_path, "write-late", fd, NULL };
		execv(self_path, argv);
		_exit(127);
	}
	close(p[1]);
	char got[16];
	int ngot = 0;
	while ((n = read(p[0], got + ngot, sizeof(got) - 1 - (size_t)ngot)) > 0)
		ngot += (int)n;
	got[ngot] = '\0';
	/* The order is the scheduler's. */
	for (int i = 0; i < ngot; i++)
		for (int j = i + 1; j < ngot; j++)
			if (got[j] < got[i]) {
				char t = got[i];
				got[i] = got[j];
				got[j] = t;
			}
	say("four writers (one after exec): read \"%s\" then end of file", got);
	for (int i = 0; i < 4; i++)
		wait_status(w[i]);
	close(p[0]);

	/* A close-on-exec write end goes at the exec: end of file while the child still runs. */
	int release[2];
	pipe2(p, O_CLOEXEC);
	pipe(release);
	c = xfork();
	if (c == 0) {
		close(p[0]);
		close(release[1]);
		char fd[16];
		snprintf(fd, sizeof(fd), "%d", release[0]);
		char *argv[] = { (char *)self_path, "wait-eof", fd, NULL };
		execv(self_path, argv);
		_exit(127);
	}
	close(p[1]);
	close(release[0]);
	n = read(p[0], buf, sizeof(buf));
	say("close-on-exec write end: end of file at the child's exec: %s, child still running: %s", yesno(n == 0),
	    yesno(waitpid(c, NULL, WNOHANG) == 0));
	close(release[1]);
	int st = wait_status(c);
	say("that child: status 0x%x", st);
	close(p[0]);
}

static void check_epipe(void)
{
	signal(SIGPIPE, SIG_IGN);
	int p[2];
	pipe(p);
	close(p[0]);
	say("write with no reader: %s", res(write(p[1], "x", 1)));
	close(p[1]);

	/* The last reader is another process, which exits. */
	pipe(p);
	pid_t c = xfork();
	if (c == 0) {
		close(p[1]);
		char b;
		read(p[0], &b, 1);
		_exit(0);
	}
	close(p[0]);
	say("write while a reader exists: %s", res(write(p[1], "y", 1)));
	wait_status(c);
	say("write after the reader exited: %s", res(write(p[1], "z", 1)));
	close(p[1]);

	/* A blocked writer gets EPIPE when the reader goes. */
	pipe(p);
	c = xfork();
	if (c == 0) {
		close(p[1]);
		msleep(100);
		_exit(0);
	}
	close(p[0]);
	char big[65536 * 2];
	memset(big, 'b', sizeof(big));
	ssize_t n = write(p[1], big, sizeof(big));
	say("a blocked write when the reader exits: %s (partial count or EPIPE)", n < 0 ? en(errno) : n == 65536 ? "65536" : "other");
	wait_status(c);
	close(p[1]);
	signal(SIGPIPE, SIG_DFL);
}

/* PIPE_BUF-sized writes from several processes never interleave. */
static void check_atomicity(void)
{
	enum { WRITERS = 4, RECORDS = 256 };
	int p[2];
	pipe(p);
	pid_t w[WRITERS];
	for (int i = 0; i < WRITERS; i++) {
		w[i] = xfork();
		if (w[i] == 0) {
			close(p[0]);
			char rec[PIPE_BUF];
			memset(rec, 'A' + i, sizeof(rec));
			for (int r = 0; r < RECORDS; r++)
				if (write(p[1], rec, sizeof(rec)) != sizeof(rec))
					_exit(1);
			_exit(0);
		}
	}
	close(p[1]);
	static char all[WRITERS * RECORDS * PIPE_BUF + 1];
	size_t total = 0;
	ssize_t n;
	while ((n = read(p[0], all + total, sizeof(all) - total)) > 0)
		total += (size_t)n;
	int mixed = 0, per[WRITERS] = { 0 };
	for (size_t off = 0; off + PIPE_BUF <= total; off += PIPE_BUF) {
		char c = all[off];
		for (size_t k = 1; k < PIPE_BUF; k++)
			if (all[off + k] != c) {
				mixed++;
				break;
			}
		if (c >= 'A' && c < 'A' + WRITERS)
			per[c - 'A']++;
	}
	int ok = 1;
	for (int i = 0; i < WRITERS; i++)
		ok &= (wait_status(w[i]) == 0);
	say("%d writers x %d records of PIPE_BUF: %zu bytes, mixed records %d, per writer %d %d %d %d, writers ok: %s",
	    WRITERS, RECORDS, total, mixed, per[0], per[1], per[2], per[3], yesno(ok));
	close(p[0]);
}

/* --- dup, dup2, dup3, fcntl --- */

static void check_dup(void)
{
	int fd = open("/tmp/pipecheck.dat", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	say("open a scratch file: %s", res(fd));
	write(fd, "abcdef", 6);
	int d = dup(fd);
	say("dup: lowest free number: %s, close-on-exec cleared: %s", yesno(d == fd + 1), yesno(!cloexec(d)));
	lseek(d, 2, SEEK_SET);
	say("the offset is shared: %s", yesno(lseek(fd, 0, SEEK_CUR) == 2));
	fcntl(d, F_SETFL, O_APPEND);
	say("status flags are shared: %s", yesno(fcntl(fd, F_GETFL) & O_APPEND));
	fcntl(d, F_SETFL, 0);
	say("dup of a bad fd: %s", res(dup(999)));

	say("dup2(fd, fd): %s", dup2(fd, fd) == fd ? "returns fd" : res(-1));
	say("dup2(bad, 50): %s", res(dup2(999, 50)));
	say("dup2(bad, bad): %s", res(dup2(998, 998)));
	say("dup2(fd, 1 << 20): %s", res(dup2(fd, 1 << 20)));
	int r = dup2(fd, 50);
	say("dup2(fd, 50): %s, close-on-exec clear: %s", r == 50 ? "50" : res(r), yesno(!cloexec(50)));

	/* dup2 onto an open fd closes what was there: the pipe's only write end. */
	int p[2];
	pipe(p);
	int wr = dup2(p[1], 60);
	close(p[1]);
	dup2(fd, 60);
	char b;
	say("dup2 over the last write end of a pipe: the reader sees end of file: %s (was %d)",
	    yesno(read(p[0], &b, 1) == 0), wr);
	close(p[0]);

	say("dup3(fd, fd, 0): %s", res(dup3(fd, fd, 0)));
	r = dup3(fd, 51, O_CLOEXEC);
	say("dup3(fd, 51, O_CLOEXEC): %s, close-on-exec: %s", r == 51 ? "51" : res(r), yesno(cloexec(51)));
	say("dup3 with bad flags: %s", res(dup3(fd, 52, O_NONBLOCK)));

	/* fcntl. */
	r = fcntl(fd, F_DUPFD, 40);
	say("F_DUPFD 40: %d, close-on-exec clear: %s", r, yesno(!cloexec(r)));
	r = fcntl(fd, F_DUPFD, 40);
	say("F_DUPFD 40 again: %d", r);
	r = fcntl(fd, F_DUPFD_CLOEXEC, 40);
	say("F_DUPFD_CLOEXEC 40: %d, close-on-exec: %s", r, yesno(cloexec(r)));
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	say("F_DUPFD at RLIMIT_NOFILE: %s", res(fcntl(fd, F_DUPFD, (int)rl.rlim_cur)));
	say("F_DUPFD -1: %s", res(fcntl(fd, F_DUPFD, -1)));
	int fd1 = fcntl(fd, F_GETFD);
	const char *set0 = res(fcntl(fd, F_SETFD, 0));
	int fd2 = fcntl(fd, F_GETFD);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	say("F_GETFD: %d; F_SETFD 0: %s, F_GETFD: %d; F_SETFD FD_CLOEXEC: F_GETFD %d", fd1, set0, fd2,
	    fcntl(fd, F_GETFD));
	int fl = fcntl(fd, F_GETFL);
	say("F_GETFL: access %s, O_APPEND %s, O_NONBLOCK %s", accmode(fd), yesno(fl & O_APPEND), yesno(fl & O_NONBLOCK));
	fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK | O_WRONLY);
	fl = fcntl(fd, F_GETFL);
	say("F_SETFL O_APPEND|O_NONBLOCK|O_WRONLY: access still %s, O_APPEND %s, O_NONBLOCK %s", accmode(fd),
	    yesno(fl & O_APPEND), yesno(fl & O_NONBLOCK));
	write(fd, "gh", 2);
	say("O_APPEND writes at the end: size %ld", (long)lseek(fd, 0, SEEK_END));
	say("F_SETFL on a bad fd: %s", res(fcntl(999, F_SETFL, 0)));
	say("F_GETFD on a bad fd: %s", res(fcntl(999, F_GETFD)));
	say("fcntl with an unknown command: %s", res(fcntl(fd, 9999)));

	/* close. */
	say("close(bad): %s", res(close(999)));
	int e = dup(fd);
	close(e);
	say("close twice: %s", res(close(e)));

	/* Each process has its own table after fork. */
	pid_t c = xfork();
	if (c == 0) {
		close(fd);
		_exit(fd_open(fd) ? 1 : 0);
	}
	int cst = wait_status(c);
	say("closed in a child, still open here: %s (child 0x%x)", yesno(fd_open(fd)), cst);
	for (int i = 40; i < 64; i++)
		close(i);
	close(d);
	close(fd);
	unlink("/tmp/pipecheck.dat");
}

/* --- close-on-exec, close_range --- */

static void check_exec_fds(void)
{
	char got[512];
	int base = open("/dev/null", O_RDONLY);	/* 3 */
	dup2(base, 10);				/* kept */
	int a = open("/dev/null", O_RDONLY | O_CLOEXEC);
	dup2(a, 11);				/* dup2 clears it: kept */
	close(a);
	a = open("/dev/null", O_RDONLY | O_CLOEXEC);
	dup3(a, 12, O_CLOEXEC);			/* closed */
	close(a);
	fcntl(base, F_DUPFD_CLOEXEC, 13);	/* 13, closed */
	int p[2];
	pipe2(p, O_CLOEXEC);
	dup3(p[0], 14, O_CLOEXEC);		/* closed */
	dup2(p[1], 15);				/* kept */
	close(p[0]);
	close(p[1]);
	a = open("/dev/null", O_RDONLY | O_CLOEXEC);
	dup3(a, 16, O_CLOEXEC);
	fcntl(16, F_SETFD, 0);			/* kept */
	close(a);
	dup2(base, 17);
	fcntl(17, F_SETFD, FD_CLOEXEC);		/* closed */
	fcntl(base, F_SETFD, FD_CLOEXEC);	/* 3: closed */
	list_fds(got, sizeof(got));
	say("before exec: %s", got);
	fds_after_exec(got, sizeof(got));
	say("after exec: %s", got);

	/* close_range. */
	for (int i = 20; i < 30; i++)
		dup2(10, i);
	say("close_range(22, 25, 0): %s", res(syscall(SYS_close_range, 22, 25, 0)));
	list_fds(got, sizeof(got));
	say("open now: %s", got);
	say("close_range(5, 4, 0): %s", res(syscall(SYS_close_range, 5, 4, 0)));
	say("close_range with unknown flags: %s", res(syscall(SYS_close_range, 20, 30, 0x100)));
	say("close_range over nothing open (200..300): %s", res(syscall(SYS_close_range, 200, 300, 0)));
	say("close_range(26, ~0, CLOSE_RANGE_CLOEXEC): %s",
	    res(syscall(SYS_close_range, 26, ~0U, CLOSE_RANGE_CLOEXEC)));
	list_fds(got, sizeof(got));
	say("still open (marked, not closed): %s; 26 close-on-exec: %s, 20 not: %s", got, yesno(cloexec(26)),
	    yesno(!cloexec(20)));
	fds_after_exec(got, sizeof(got));
	say("after exec: %s", got);
	say("close_range(3, ~0, 0): %s", res(syscall(SYS_close_range, 3, ~0U, 0)));
	list_fds(got, sizeof(got));
	say("open now: %s", got);
	/* With CLOSE_RANGE_UNSHARE. */
	dup2(0, 7);
	const char *made = res(syscall(SYS_close_range, 7, 7, CLOSE_RANGE_UNSHARE));
	say("close_range(7, 7, CLOSE_RANGE_UNSHARE): %s, 7 open: %s", made, yesno(fd_open(7)));
}

int main(int argc, char **argv)
{
	self_path = argv[0];
	if (argc > 1 && !strcmp(argv[1], "fds")) {
		char got[512];
		list_fds(got, sizeof(got));
		printf("%s\n", got);
		return 0;
	}
	if (argc > 2 && !strcmp(argv[1], "wait-eof")) {
		char b;
		while (read(atoi(argv[2]), &b, 1) > 0)
			;
		return 5;
	}
	if (argc > 2 && !strcmp(argv[1], "write-late")) {
		msleep(120);
		return write(atoi(argv[2]), "E", 1) == 1 ? 0 : 1;
	}
	/* Whatever the caller left open does not count. */
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
	check_pipe_basics();
	check_blocking_and_eof();
	check_epipe();
	check_atomicity();
	check_dup();
	check_exec_fds();
	say("done");
	return 0;
}
