/* What the sentry decides is what the host does: access modes hold on the host object, and
   a decision never rests on memory another thread can still change. Run as a non-root user;
   every attack below is refused by Linux, and must be in the sandbox too, where files made
   here live in the upper layer (memfds). Races loop many times with a second thread
   flipping the memory the call reads; each prints how often the attack got through (0).
   Prints one line per check.

   decisioncheck DIR   DIR must be writable (files are created in it) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "lib/guest_check.h"

#define RACE_ROUNDS 3000

static const char content[] = "the owner's data\n";

static void make_file(const char *path, mode_t mode)
{
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || write(fd, content, sizeof(content) - 1) != (ssize_t)(sizeof(content) - 1)) {
		say("create %s: %s", path, en(errno));
		exit(1);
	}
	close(fd);
	chmod(path, mode);
}

static const char *file_now(const char *path)
{
	char *buf = say_buffer();
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, SAY_BUFFER_SIZE - 1);
	if (fd >= 0)
		close(fd);
	if (n < 0)
		return en(errno);
	buf[n] = 0;
	return strcmp(buf, content) ? "CHANGED" : "unchanged";
}

/* A read-only file (mode 0444, the owner may not write it either) opened read-only: no
   mapping may write it. */
static void check_read_only(const char *path)
{
	make_file(path, 0444);
	int fd = open(path, O_RDONLY);
	static const struct {
		const char *name;
		int flags;
	} kinds[] = { { "MAP_SHARED", MAP_SHARED }, { "MAP_SHARED_VALIDATE", MAP_SHARED_VALIDATE } };
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, kinds[i].flags, fd, 0);
		if (p != MAP_FAILED) {
			memcpy(p, "X", 1);
			munmap(p, 4096);
		}
		say("read-only open, %s PROT_WRITE: %s; file %s", kinds[i].name,
		    p == MAP_FAILED ? en(errno) : "mapped", file_now(path));
	}
	char *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	say("read-only open, MAP_SHARED PROT_READ: %s, reads \"%.5s\"",
	    p == MAP_FAILED ? en(errno) : "ok", p == MAP_FAILED ? "" : p);
	if (p != MAP_FAILED) {
		int r = mprotect(p, 4096, PROT_READ | PROT_WRITE);
		if (r == 0)
			memcpy(p, "X", 1);
		say("read-only open, mprotect PROT_WRITE of the shared mapping: %s; file %s",
		    res(r), file_now(path));
		munmap(p, 4096);
	}
	/* A private mapping is the caller's copy: writable, and the file stays. */
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (p != MAP_FAILED)
		memcpy(p, "X", 1);
	say("read-only open, MAP_PRIVATE PROT_WRITE: %s; file %s", p == MAP_FAILED ? en(errno) : "ok",
	    file_now(path));
	close(fd);
}

/* A write-only open maps nothing (Linux: EACCES for any mapping). */
static void check_write_only(const char *path)
{
	make_file(path, 0600);
	int fd = open(path, O_WRONLY);
	char *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	say("write-only open, MAP_SHARED PROT_READ: %s%s", p == MAP_FAILED ? en(errno) : "mapped, reads ",
	    p == MAP_FAILED ? "" : p);
	p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	say("write-only open, MAP_PRIVATE PROT_READ: %s", p == MAP_FAILED ? en(errno) : "mapped");
	close(fd);
}

/* The legitimate use: a read-write open's shared mapping writes the file. */
static void check_read_write(const char *path)
{
	make_file(path, 0600);
	int fd = open(path, O_RDWR);
	char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED_VALIDATE, fd, 0);
	if (p != MAP_FAILED) {
		memcpy(p, "T", 1);
		msync(p, 4096, MS_SYNC);
	}
	say("read-write open, MAP_SHARED_VALIDATE PROT_WRITE: %s; file %s",
	    p == MAP_FAILED ? en(errno) : "ok", file_now(path));
	close(fd);
}

/* ---- races: a second thread flips what the call reads ---- */

static atomic_bool stop_flipping;

static struct flock shared_lock;

static void *flip_lock_type(void *arg)
{
	(void)arg;
	volatile short *type = &shared_lock.l_type;
	while (!atomic_load_explicit(&stop_flipping, memory_order_relaxed))
		*type = *type == F_RDLCK ? F_WRLCK : F_RDLCK;
	return NULL;
}

/* fcntl(F_SETLK) on a read-only open: a read lock is fine, a write lock is EBADF, and a
   struct flock flipped between the two never gives a write lock. */
static void check_lock_race(const char *path)
{
	make_file(path, 0444);
	int fd = open(path, O_RDONLY), probe = open(path, O_RDONLY);
	struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_SET };
	say("read-only open, F_SETLK F_RDLCK: %s", res(fcntl(fd, F_SETLK, &fl)));
	fl.l_type = F_UNLCK;
	fcntl(fd, F_SETLK, &fl);
	fl.l_type = F_WRLCK;
	say("read-only open, F_SETLK F_WRLCK: %s", res(fcntl(fd, F_SETLK, &fl)));

	pthread_t th;
	shared_lock = (struct flock){ .l_type = F_RDLCK, .l_whence = SEEK_SET };
	atomic_store(&stop_flipping, false);
	pthread_create(&th, NULL, flip_lock_type, NULL);
	int write_locks = 0, read_locks = 0;
	for (int i = 0; i < RACE_ROUNDS; i++) {
		if (syscall(SYS_fcntl, fd, F_SETLK, &shared_lock) != 0)
			continue;
		/* What this process holds, as another open file description sees it. */
		struct flock q = { .l_type = F_RDLCK, .l_whence = SEEK_SET };
		if (fcntl(probe, F_OFD_GETLK, &q) == 0 && q.l_type == F_WRLCK)
			write_locks++;
		else
			read_locks++;
		struct flock un = { .l_type = F_UNLCK, .l_whence = SEEK_SET };
		fcntl(fd, F_SETLK, &un);
	}
	atomic_store(&stop_flipping, true);
	pthread_join(th, NULL);
	say("read-only open, F_SETLK with l_type flipped by another thread: write locks held %d; "
	    "read locks taken: %s", write_locks, yesno(read_locks > 0));
	close(fd);
	close(probe);
}

static struct sigevent shared_sev;

static void *flip_sigevent(void *arg)
{
	(void)arg;
	volatile int *notify = &shared_sev.sigev_notify;
	while (!atomic_load_explicit(&stop_flipping, memory_order_relaxed))
		*notify = *notify == SIGEV_SIGNAL ? SIGEV_THREAD_ID : SIGEV_SIGNAL;
	return NULL;
}

/* timer_create: SIGEV_THREAD_ID names a thread of the caller's process by its (virtual)
   tid, which the host must see translated. A sigevent switched between SIGEV_SIGNAL and
   SIGEV_THREAD_ID naming this thread by another thread is valid either way: every call
   succeeds natively, and must in the sandbox (a tid the host read untranslated would name
   no thread of the process: EINVAL). */
static void check_timer_race(void)
{
	pid_t tid = gettid();
	struct sigevent sev = { .sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGUSR1 };
	sev._sigev_un._tid = tid;
	timer_t id;
	say("timer_create SIGEV_THREAD_ID own tid: %s",
	    res(syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &id)));
	syscall(SYS_timer_delete, id);

	shared_sev = (struct sigevent){ .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	shared_sev._sigev_un._tid = tid;
	pthread_t th;
	atomic_store(&stop_flipping, false);
	pthread_create(&th, NULL, flip_sigevent, NULL);
	int created = 0, refused = 0;
	for (int i = 0; i < RACE_ROUNDS; i++) {
		if (syscall(SYS_timer_create, CLOCK_MONOTONIC, &shared_sev, &id) == 0) {
			created++;
			syscall(SYS_timer_delete, id);
		} else {
			refused++;
		}
	}
	atomic_store(&stop_flipping, true);
	pthread_join(th, NULL);
	say("timer_create with the sigevent flipped by another thread: created: %s; refused %d",
	    yesno(created > 0), refused);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: decisioncheck DIR\n");
		return 2;
	}
	char path[256];
	say("running as root: %s", yesno(geteuid() == 0));
	snprintf(path, sizeof(path), "%s/decision-ro", argv[1]);
	check_read_only(path);
	snprintf(path, sizeof(path), "%s/decision-wo", argv[1]);
	check_write_only(path);
	snprintf(path, sizeof(path), "%s/decision-rw", argv[1]);
	check_read_write(path);
	snprintf(path, sizeof(path), "%s/decision-lock", argv[1]);
	check_lock_race(path);
	check_timer_race();
	return 0;
}
