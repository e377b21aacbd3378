/* Files: mappings of /dev/zero (private, shared with a child, access modes), fcntl leases
   and their breaks, OFD locks per open file, named pipes' status flags and non-blocking
   opens, RLIMIT_NOFILE. Prints one line per check.

   filecheck DIR   DIR must be writable */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
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
	const char *r = nres(read(rw, buf, 4));
	say("read: %s zeros %s; write: %s", r, yesno(!buf[0] && !buf[3]), nres(write(rw, buf, 4)));
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

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc < 2 || chdir(argv[1]) < 0) {
		fprintf(stderr, "usage: filecheck DIR\n");
		return 2;
	}
	check_dev_zero();
	check_leases();
	return 0;
}
