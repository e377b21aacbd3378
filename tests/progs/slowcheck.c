/* One guest process blocked in a slow operation does not stall another that keeps making
   syscalls (test_slow_ops.sh). A "busy" child calls getppid in a loop (the sentry answers it
   from its task table, under its kernel lock) and counts the calls in shared memory.

     slowcheck fifo            a reader blocks on an empty FIFO: busy makes 2000 calls
                               before the FIFO gets its data (a wait on events only)
     slowcheck copyup FILE     two processes open FILE (large, in the image) for writing at
                               once, which copies it up; busy's rate while the first open
                               runs, against its rate alone for as long afterwards, is at
                               least a fifth; then both writes land and the size holds

   Prints one line per check (the figures go to stderr); exits 1 when one fails. */
#define _GNU_SOURCE
#include "lib/guest_check.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct shared {
	atomic_ulong calls;		/* busy's getppid calls so far */
	atomic_int stop;
	double open_start, open_end;	/* the first opener's open, CLOCK_MONOTONIC */
	unsigned long calls_start, calls_end;
};

static struct shared *sh;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static pid_t start_busy(void)
{
	pid_t pid = xfork();
	if (pid == 0) {
		while (!atomic_load(&sh->stop)) {
			syscall(SYS_getppid);
			atomic_fetch_add(&sh->calls, 1);
		}
		_exit(0);
	}
	/* It has started once it counts. */
	while (atomic_load(&sh->calls) == 0)
		msleep(1);
	return pid;
}

static void stop_busy(pid_t pid)
{
	atomic_store(&sh->stop, 1);
	wait_status(pid);
}

static int check_fifo(void)
{
	if (mkfifo("/tmp/slowcheck.fifo", 0600) < 0 && errno != EEXIST) {
		say("mkfifo: %s", en(errno));
		return 1;
	}
	pid_t busy = start_busy();
	pid_t reader = xfork();
	if (reader == 0) {
		char c;
		int fd = open("/tmp/slowcheck.fifo", O_RDONLY);
		_exit(fd >= 0 && read(fd, &c, 1) == 1 && c == 'x' ? 0 : 1);
	}
	/* The reader opens and blocks in read; a writer's open needs a reader on Linux, which
	   the sandbox does not wait for (DESIGN.md), so open only once busy has gone on for
	   2000 calls beyond the reader's start: if the reader held up the sentry, that never
	   happens (the test's timeout ends it). */
	unsigned long from = atomic_load(&sh->calls);
	while (atomic_load(&sh->calls) < from + 2000)
		msleep(1);
	int fd = open("/tmp/slowcheck.fifo", O_WRONLY);
	int ok = fd >= 0 && write(fd, "x", 1) == 1;
	if (fd >= 0)
		close(fd);
	int st = wait_status(reader);
	stop_busy(busy);
	unlink("/tmp/slowcheck.fifo");
	say("fifo: busy went on while a reader waited: %s", yesno(ok && st == 0));
	return ok && st == 0 ? 0 : 1;
}

static pid_t start_opener(const char *file, bool first, off_t at, char mark)
{
	pid_t pid = xfork();
	if (pid == 0) {
		if (first) {
			sh->calls_start = atomic_load(&sh->calls);
			sh->open_start = now();
		}
		int fd = open(file, O_RDWR);
		if (first) {
			sh->open_end = now();
			sh->calls_end = atomic_load(&sh->calls);
		}
		_exit(fd >= 0 && pwrite(fd, &mark, 1, at) == 1 && close(fd) == 0 ? 0 : 1);
	}
	return pid;
}

static int check_copyup(const char *file)
{
	struct stat before, after;
	if (stat(file, &before) < 0 || before.st_size < 2) {
		say("stat %s: %s", file, en(errno));
		return 1;
	}
	pid_t busy = start_busy();
	pid_t a = start_opener(file, true, 0, 'a');
	pid_t b = start_opener(file, false, before.st_size - 1, 'b');
	int sa = wait_status(a), sb = wait_status(b);
	double dur = sh->open_end - sh->open_start > 1e-6 ? sh->open_end - sh->open_start : 1e-6;
	double during = (double)(sh->calls_end - sh->calls_start) / dur;
	/* Alone, for as long (at least 50 ms): the same busy loop, measured the same way. */
	double window = dur > 0.05 ? dur : 0.05;
	unsigned long c0 = atomic_load(&sh->calls);
	double t0 = now(), t1;
	while ((t1 = now()) - t0 < window)
		;	/* no syscall: the clock is the vDSO's */
	double alone = (double)(atomic_load(&sh->calls) - c0) / (t1 - t0);
	stop_busy(busy);
	fprintf(stderr, "copy-up open took %.1f ms; busy: %.0f calls/s during it, %.0f alone\n",
		dur * 1e3, during, alone);
	bool kept_going = alone > 0 && during >= alone / 5;
	say("copyup: busy went on during the copy: %s", yesno(kept_going));

	char c0c = 0, c1c = 0;
	int fd = open(file, O_RDONLY);
	bool data = fd >= 0 && pread(fd, &c0c, 1, 0) == 1 &&
		    pread(fd, &c1c, 1, before.st_size - 1) == 1 && c0c == 'a' && c1c == 'b';
	if (fd >= 0)
		close(fd);
	bool size = stat(file, &after) == 0 && after.st_size == before.st_size;
	say("copyup: both openers wrote, size kept: %s", yesno(sa == 0 && sb == 0 && data && size));
	return kept_going && sa == 0 && sb == 0 && data && size ? 0 : 1;
}

int main(int argc, char **argv)
{
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		say("mmap: %s", en(errno));
		return 1;
	}
	if (argc == 2 && !strcmp(argv[1], "fifo"))
		return check_fifo();
	if (argc == 3 && !strcmp(argv[1], "copyup"))
		return check_copyup(argv[2]);
	fprintf(stderr, "usage: slowcheck fifo | slowcheck copyup FILE\n");
	return 2;
}
