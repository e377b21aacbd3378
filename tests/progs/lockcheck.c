/* File locks: flock(2) (shared and exclusive, LOCK_NB, conversion, locks shared by dup and
   fork and owned by the open file description, release at the last close, waiting,
   interrupted by a signal or restarted as SA_RESTART says, errors) and fcntl record locks
   (F_SETLK, F_GETLK, F_OFD_SETLK between processes), on a file of the image, a file
   created here, a directory and a pipe. Prints one line per check.

   lockcheck IMAGE_FILE DIR   DIR must be writable (a file is created in it) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/guest_check.h"

/* Tries flock(op | LOCK_NB) on a fresh open of path in a child: what another open file
   description would get. */
static const char *other_open_gets(const char *path, int op)
{
	int p[2];
	pipe(p);
	pid_t c = xfork();
	if (c == 0) {
		int fd = open(path, O_RDONLY);
		int r = flock(fd, op | LOCK_NB);
		write_int(p[1], r < 0 ? errno : 0);
		_exit(0);
	}
	int e = read_int(p[0]);
	wait_status(c);
	close(p[0]);
	close(p[1]);
	return e ? en(e) : "ok";
}

static void check_flock_on(const char *what, const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		say("%s: open: %s", what, en(errno));
		return;
	}
	const char *r = res(flock(fd, LOCK_SH));
	const char *sh = other_open_gets(path, LOCK_SH);
	say("%s: LOCK_SH: %s; another open, LOCK_SH: %s, LOCK_EX: %s", what, r, sh,
	    other_open_gets(path, LOCK_EX));
	r = res(flock(fd, LOCK_EX));
	say("%s: to LOCK_EX: %s; another open, LOCK_SH: %s", what, r, other_open_gets(path, LOCK_SH));
	say("%s: LOCK_EX again: %s", what, res(flock(fd, LOCK_EX | LOCK_NB)));
	int fd2 = open(path, O_RDONLY);
	say("%s: a second open of ours, LOCK_SH|LOCK_NB: %s", what, res(flock(fd2, LOCK_SH | LOCK_NB)));
	/* A dup is the same description: it holds the lock, and unlocks it. */
	int d = dup(fd);
	r = res(flock(d, LOCK_EX | LOCK_NB));
	const char *un = res(flock(d, LOCK_UN));
	say("%s: the dup, LOCK_EX: %s; LOCK_UN: %s; another open, LOCK_EX: %s", what, r, un,
	    other_open_gets(path, LOCK_EX));
	/* A lock lives while any fd of its description does. */
	flock(fd, LOCK_EX);
	close(fd);
	say("%s: the first fd closed, the dup open: another open, LOCK_EX: %s", what,
	    other_open_gets(path, LOCK_EX));
	close(d);
	say("%s: the last fd closed: another open, LOCK_EX: %s", what, other_open_gets(path, LOCK_EX));
	/* A forked child shares the description, and its lock. */
	fd = open(path, O_RDONLY);
	int p[2], q[2];
	pipe(p);
	pipe(q);
	pid_t c = xfork();
	if (c == 0) {
		flock(fd, LOCK_EX);
		write_int(p[1], 0);
		read_int(q[0]);
		_exit(0);
	}
	read_int(p[0]);
	r = res(flock(fd, LOCK_EX | LOCK_NB));
	say("%s: a child locked our description: we LOCK_EX: %s; another open: %s", what, r,
	    other_open_gets(path, LOCK_SH));
	write_int(q[1], 0);
	wait_status(c);
	say("%s: the child gone, the lock stays with us: another open: %s", what, other_open_gets(path, LOCK_SH));
	close(fd);
	close(fd2);
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* A waiter on a lock another process holds: woken when it is released; interrupted by a
   handled signal (EINTR), or waiting on with SA_RESTART. */
static void check_flock_wait(const char *path)
{
	int holder = open(path, O_RDONLY);
	flock(holder, LOCK_EX);
	int p[2];
	pipe(p);
	pid_t c = xfork();
	if (c == 0) {
		int fd = open(path, O_RDONLY);
		write_int(p[1], 0);
		int r = flock(fd, LOCK_EX);
		write_int(p[1], r < 0 ? errno : 0);
		_exit(0);
	}
	read_int(p[0]);
	msleep(100);
	flock(holder, LOCK_UN);
	int e = read_int(p[0]);
	say("waiting LOCK_EX: got it when released: %s", e ? en(e) : "ok");
	wait_status(c);

	for (int restart = 0; restart < 2; restart++) {
		flock(holder, LOCK_EX);
		c = xfork();
		if (c == 0) {
			struct sigaction sa;
			memset(&sa, 0, sizeof(sa));
			sa.sa_handler = on_alarm;
			sa.sa_flags = restart ? SA_RESTART : 0;
			sigaction(SIGALRM, &sa, NULL);
			int fd = open(path, O_RDONLY);
			write_int(p[1], 0);
			alarm(1);
			int r = flock(fd, LOCK_EX);
			write_int(p[1], r < 0 ? errno : 0);
			_exit(0);
		}
		read_int(p[0]);
		if (restart)
			msleep(1500);	/* the alarm has come and gone: the waiter still waits */
		else
			msleep(2000);
		flock(holder, LOCK_UN);
		e = read_int(p[0]);
		say("waiting LOCK_EX, SIGALRM handled %s SA_RESTART: %s", restart ? "with" : "without",
		    e ? en(e) : "ok");
		wait_status(c);
	}
	close(holder);
	close(p[0]);
	close(p[1]);
}

static void check_flock_errors(const char *dir)
{
	say("flock bad fd: %s; with a bad op too: %s; with LOCK_MAND: %s", res(flock(99, LOCK_SH)),
	    res(flock(99, 3)), res(flock(99, 32)));
	say("flock -1: %s", res(flock(-1, LOCK_SH)));
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	say("flock a directory: %s", res(flock(fd, LOCK_EX | LOCK_NB)));
	const char *op0 = res(flock(fd, 0));
	const char *op3 = res(flock(fd, 3));
	const char *op16 = res(flock(fd, 16));
	say("flock op 0: %s; op 3: %s; op 16: %s; LOCK_UN|LOCK_NB: %s", op0, op3, op16,
	    res(flock(fd, LOCK_UN | LOCK_NB)));
	close(fd);
	fd = open(dir, O_PATH);
	say("flock an O_PATH fd: %s", res(flock(fd, LOCK_SH)));
	close(fd);
	int p[2];
	pipe(p);
	say("flock a pipe: %s", res(flock(p[0], LOCK_EX | LOCK_NB)));
	close(p[0]);
	close(p[1]);
}

/* A record lock the child asks about (F_GETLK) or tries (F_SETLK) while we hold one. */
static const char *child_record_lock(const char *path, int cmd, short type)
{
	char *b = say_buffer();
	int p[2];
	pipe(p);
	pid_t c = xfork();
	if (c == 0) {
		int fd = open(path, O_RDWR);
		struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10 };
		int r = fcntl(fd, cmd, &fl);
		write_int(p[1], r < 0 ? errno : 0);
		write_int(p[1], fl.l_type);
		_exit(0);
	}
	int e = read_int(p[0]), t = read_int(p[0]);
	wait_status(c);
	close(p[0]);
	close(p[1]);
	if (e)
		snprintf(b, SAY_BUFFER_SIZE, "%s", en(e));
	else if (cmd == F_GETLK)	/* l_pid in the sandbox is a host pid (DESIGN.md) */
		snprintf(b, SAY_BUFFER_SIZE, "%s", t == F_UNLCK ? "unlocked" : t == F_WRLCK ? "write-locked" : "read-locked");
	else
		snprintf(b, SAY_BUFFER_SIZE, "ok");
	return b;
}

static void check_record_locks(const char *path)
{
	int fd = open(path, O_RDWR);
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10 };
	say("F_SETLK write lock: %s", res(fcntl(fd, F_SETLK, &fl)));
	const char *get = child_record_lock(path, F_GETLK, F_RDLCK);
	say("another process: F_GETLK: %s; F_SETLK read: %s", get, child_record_lock(path, F_SETLK, F_RDLCK));
	fl.l_type = F_UNLCK;
	fcntl(fd, F_SETLK, &fl);
	say("unlocked: another process F_SETLK write: %s", child_record_lock(path, F_SETLK, F_WRLCK));
	struct flock ofd = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10 };
	say("F_OFD_SETLK read lock: %s", res(fcntl(fd, F_OFD_SETLK, &ofd)));
	say("another process: F_SETLK write: %s", child_record_lock(path, F_SETLK, F_WRLCK));
	close(fd);
	int ro = open(path, O_RDONLY);
	fl.l_type = F_WRLCK;
	say("F_SETLK write lock on a read-only fd: %s", res(fcntl(ro, F_SETLK, &fl)));
	close(ro);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: lockcheck IMAGE_FILE DIR\n");
		return 2;
	}
	char created[512];
	snprintf(created, sizeof(created), "%s/lockcheck.file", argv[2]);
	int fd = open(created, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "0123456789abcdef", 16) != 16) {
		say("creating %s: %s", created, en(errno));
		return 1;
	}
	close(fd);
	check_flock_on("image file", argv[1]);
	check_flock_on("created file", created);
	check_flock_on("directory", argv[2]);
	check_flock_wait(created);
	check_flock_errors(argv[2]);
	check_record_locks(created);
	unlink(created);
	say("done");
	return 0;
}
