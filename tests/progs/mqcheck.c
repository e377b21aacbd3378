/* POSIX message queues: /proc/sys/fs/mqueue, mq_open (O_CREAT/O_EXCL, attributes and their
   limits, names, close-on-exec, permissions), priorities, O_NONBLOCK (EAGAIN), timeouts
   (ETIMEDOUT, EINVAL), EMSGSIZE/EBADF, blocking sends and receives woken by another process,
   signals (EINTR, SA_RESTART), mq_notify (SIGEV_SIGNAL's siginfo, SIGEV_NONE, EBUSY, only
   when the queue was empty), mq_getsetattr, poll and epoll readiness, /dev/mqueue (listing,
   the QSIZE line, open(O_CREAT), unlink), mq_unlink (EPERM in the sticky root),
   RLIMIT_MSGQUEUE accounting and queues_max. Prints one line per check; run as root in a
   fresh IPC namespace with its mqueue mounted on /dev/mqueue. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "lib/guest_check.h"

static const char *attrs(mqd_t q)
{
	struct mq_attr a;
	char *b = say_buffer();
	if (mq_getattr(q, &a) < 0)
		return en(errno);
	snprintf(b, SAY_BUFFER_SIZE, "flags %s maxmsg %ld msgsize %ld curmsgs %ld",
		 (a.mq_flags & O_NONBLOCK) ? "O_NONBLOCK" : "0", a.mq_maxmsg, a.mq_msgsize, a.mq_curmsgs);
	return b;
}

/* A file's content, its last newline dropped. */
static const char *contents(const char *path)
{
	char *b = say_buffer();
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, b, SAY_BUFFER_SIZE - 1);
	if (fd >= 0)
		close(fd);
	if (n < 0)
		return en(errno);
	b[n] = 0;
	if (n > 0 && b[n - 1] == '\n')
		b[n - 1] = 0;
	return b;
}

static const char *poll_state(int fd)
{
	struct pollfd p = { fd, POLLIN | POLLOUT, 0 };
	int n = poll(&p, 1, 0);
	char *b = say_buffer();
	snprintf(b, SAY_BUFFER_SIZE, "%d%s%s", n, (p.revents & POLLIN) ? " IN" : "",
		 (p.revents & POLLOUT) ? " OUT" : "");
	return b;
}

static struct timespec in_ms(int ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += (long)ms * 1000000;
	ts.tv_sec += ts.tv_nsec / 1000000000;
	ts.tv_nsec %= 1000000000;
	return ts;
}

static mqd_t create(const char *name, int flags, mode_t mode, long maxmsg, long msgsize)
{
	struct mq_attr a = { .mq_maxmsg = maxmsg, .mq_msgsize = msgsize };
	return mq_open(name, flags | O_CREAT, mode, maxmsg ? &a : NULL);
}

static void check_limits_and_open(void)
{
	static const char *files[] = { "msg_max", "msgsize_max", "queues_max", "msg_default",
				       "msgsize_default" };
	char path[64];
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "/proc/sys/fs/mqueue/%s", files[i]);
		say("%s: %s", path, contents(path));
	}
	say("open missing: %s", rv(mq_open("/nothere", O_RDWR)));
	say("name with a slash: %s", rv(syscall(SYS_mq_open, "a/b", O_RDWR | O_CREAT, 0600, NULL)));
	say("name ..: %s", rv(syscall(SYS_mq_open, "..", O_RDWR | O_CREAT, 0600, NULL)));
	say("empty name: %s", rv(syscall(SYS_mq_open, "", O_RDWR | O_CREAT, 0600, NULL)));
	char longname[300];
	memset(longname, 'n', sizeof(longname));
	longname[0] = '/';
	longname[sizeof(longname) - 1] = 0;
	say("long name: %s", rv(mq_open(longname, O_RDWR | O_CREAT, 0600, NULL)));
	say("maxmsg above msg_max: %s", rv(create("/big", O_RDWR, 0600, 11, 64)));
	say("msgsize above msgsize_max: %s", rv(create("/big", O_RDWR, 0600, 2, 8193)));
	say("maxmsg 0: %s", rv(create("/big", O_RDWR, 0600, -1, 8)));
	struct mq_attr zero = { .mq_maxmsg = 0, .mq_msgsize = 8 };
	say("attr maxmsg 0: %s", rv(mq_open("/big", O_RDWR | O_CREAT, 0600, &zero)));
	say("bad attr pointer: %s",
	    rv(syscall(SYS_mq_open, "big", O_RDWR | O_CREAT, 0600, (void *)8)));

	mqd_t q = create("/defaults", O_RDWR, 0600, 0, 0);
	say("defaults: %s", attrs(q));
	say("close-on-exec without O_CLOEXEC: %s", yesno(fcntl(q, F_GETFD) & FD_CLOEXEC));
	struct stat st;
	fstat(q, &st);
	say("fstat: mode %o size %lld nlink %lu uid %u", st.st_mode, (long long)st.st_size,
	    (unsigned long)st.st_nlink, st.st_uid);
	say("O_EXCL of an existing one: %s", rv(create("/defaults", O_RDWR | O_EXCL, 0600, 0, 0)));
	say("open existing O_ACCMODE: %s", rv(syscall(SYS_mq_open, "defaults", 3, 0, NULL)));
	mqd_t again = create("/defaults", O_RDONLY, 0600, 5, 5);
	say("O_CREAT of an existing one keeps it: %s", attrs(again));
	char buf[64];
	say("write to a queue: %s", rv(write(q, "x", 1)));
	say("write to a read-only queue: %s", rv(write(again, "x", 1)));
	ssize_t n = read(again, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	say("read of a queue: %s '%.*s'", rv(n), n > 0 ? (int)n - 1 : 0, buf);
	mq_close(again);
	mq_close(q);
	say("unlink: %s", rv(mq_unlink("/defaults")));
	say("unlink again: %s", rv(mq_unlink("/defaults")));
}

static char *buf_of_65(void)
{
	static char b[65];
	memset(b, 'x', sizeof(b));
	return b;
}

static void check_messages(void)
{
	mqd_t q = create("/q1", O_RDWR | O_EXCL, 0640, 3, 64);
	say("create q1: %s", attrs(q));
	say("empty: poll %s", poll_state(q));
	say("send prio 1: %s", rv(mq_send(q, "low", 3, 1)));
	say("non-empty: poll %s", poll_state(q));
	say("send prio 5: %s", rv(mq_send(q, "high", 4, 5)));
	say("send prio 3: %s", rv(mq_send(q, "middle", 6, 3)));
	say("full: poll %s; %s", poll_state(q), attrs(q));
	say("/dev/mqueue/q1: %s", contents("/dev/mqueue/q1"));
	struct timespec past = { 1, 0 }, bad = { 0, 2000000000 };
	say("send full, timeout passed: %s", rv(mq_timedsend(q, "x", 1, 0, &past)));
	struct timespec soon = in_ms(30);
	say("send full, timeout in 30 ms: %s", rv(mq_timedsend(q, "x", 1, 0, &soon)));
	say("send bad timeout: %s", rv(mq_timedsend(q, "x", 1, 0, &bad)));
	say("send bad timeout pointer: %s", rv(mq_timedsend(q, "x", 1, 0, (void *)8)));
	struct mq_attr nb = { .mq_flags = O_NONBLOCK }, old;
	say("setattr O_NONBLOCK: %s", rv(mq_setattr(q, &nb, &old)));
	say("old flags %ld, now %s", old.mq_flags, attrs(q));
	say("send full nonblocking: %s", rv(mq_send(q, "x", 1, 0)));
	struct mq_attr badflags = { .mq_flags = O_APPEND };
	say("setattr other flags: %s", rv(mq_setattr(q, &badflags, NULL)));
	say("prio 32768: %s", rv(mq_send(q, "x", 1, 32768)));
	say("too long: %s", rv(mq_send(q, buf_of_65(), 65, 0)));
	say("send on a bad fd: %s", rv(mq_send(99, "x", 1, 0)));
	say("send on a pipe: %s", rv(mq_send(0, "x", 1, 0)));
	char buf[64];
	unsigned prio;
	say("receive short buffer: %s", rv(mq_receive(q, buf, 63, &prio)));
	for (int i = 0; i < 3; i++) {
		ssize_t n = mq_receive(q, buf, sizeof(buf), &prio);
		say("receive: %s '%.*s' prio %u", rv(n), n > 0 ? (int)n : 0, buf, prio);
	}
	say("receive empty nonblocking: %s", rv(mq_receive(q, buf, sizeof(buf), NULL)));
	mq_setattr(q, &old, NULL);
	say("receive empty, timeout passed: %s", rv(mq_timedreceive(q, buf, sizeof(buf), NULL, &past)));
	say("receive bad timeout: %s", rv(mq_timedreceive(q, buf, sizeof(buf), NULL, &bad)));
	long s1 = mq_send(q, "first", 5, 2);
	long s2 = mq_send(q, "second", 6, 2);
	say("same priority in order: %s %s", rv(s1), rv(s2));
	ssize_t n = mq_receive(q, buf, sizeof(buf), NULL);
	say("receive: '%.*s'", n > 0 ? (int)n : 0, buf);
	n = mq_receive(q, buf, sizeof(buf), NULL);
	say("receive: '%.*s'", n > 0 ? (int)n : 0, buf);
	s1 = mq_send(q, "", 0, 0);
	say("zero-length message: %s %s", rv(s1), rv(mq_receive(q, buf, sizeof(buf), NULL)));
	mq_send(q, "gone", 4, 0);
	say("receive into a bad buffer: %s", rv(mq_receive(q, (void *)8, 64, NULL)));
	say("the message went: %s", attrs(q));

	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event e = { .events = EPOLLIN, .data.u32 = 9 }, out;
	say("epoll_ctl add: %s", rv(epoll_ctl(ep, EPOLL_CTL_ADD, q, &e)));
	say("epoll_wait empty: %s", rv(epoll_wait(ep, &out, 1, 0)));
	mq_send(q, "e", 1, 0);
	n = epoll_wait(ep, &out, 1, 0);
	say("epoll_wait after a send: %s data %u", rv(n), n == 1 ? out.data.u32 : 0);
	mq_receive(q, buf, sizeof(buf), NULL);
	close(ep);

	mqd_t ro = mq_open("/q1", O_RDONLY);
	say("send on a read-only descriptor: %s", rv(mq_send(ro, "x", 1, 0)));
	mqd_t wo = mq_open("/q1", O_WRONLY);
	say("receive on a write-only descriptor: %s", rv(mq_receive(wo, buf, sizeof(buf), NULL)));
	mq_close(ro);
	mq_close(wo);
	mq_close(q);
}

static int sigpipe_fd = -1;

static void on_alarm(int sig)
{
	char c = 'a';
	(void)sig;
	if (sigpipe_fd >= 0)
		write(sigpipe_fd, &c, 1);
}

/* Blocking sends and receives, and what a signal does to them, from a child. */
static void check_waits(void)
{
	mqd_t q = mq_open("/q1", O_RDWR);
	char buf[64];
	int back[2];
	pipe(back);

	pid_t child = xfork();
	if (child == 0) {
		ssize_t n = mq_receive(q, buf, sizeof(buf), NULL);
		write_int(back[1], (int)n);
		_exit(0);
	}
	mq_send(q, "to the child", 12, 0);
	say("blocking receive woken by a send: %d", read_int(back[0]));
	wait_status(child);

	for (int i = 0; i < 3; i++)
		mq_send(q, "fill", 4, 0);
	child = xfork();
	if (child == 0) {
		write_int(back[1], mq_send(q, "more", 4, 7) == 0 ? 0 : errno);
		_exit(0);
	}
	ssize_t n = mq_receive(q, buf, sizeof(buf), NULL);
	say("receive from a full queue: %s; blocked send: %s", rv(n), en(read_int(back[0])));
	wait_status(child);
	n = mq_receive(q, buf, sizeof(buf), NULL);
	say("the blocked send's message first: '%.*s'", n > 0 ? (int)n : 0, buf);
	while (mq_timedreceive(q, buf, sizeof(buf), NULL, &(struct timespec){ 1, 0 }) >= 0)
		;

	/* A timer's signal, without and with SA_RESTART. */
	for (int restart = 0; restart < 2; restart++) {
		int ack[2];
		pipe(ack);
		child = xfork();
		if (child == 0) {
			sigpipe_fd = ack[1];
			struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = restart ? SA_RESTART : 0 };
			sigaction(SIGALRM, &sa, NULL);
			struct itimerval it = { { 0, 0 }, { 0, 30000 } };
			setitimer(ITIMER_REAL, &it, NULL);
			ssize_t r = mq_receive(q, buf, sizeof(buf), NULL);
			write_int(back[1], r < 0 ? -errno : (int)r);
			_exit(0);
		}
		char c;
		read(ack[0], &c, 1);
		/* Received only by a restarted call (or, wrongly, by a call made after the
		   signal: then the output says so rather than the test hanging). */
		mq_send(q, "after the signal", 16, 0);
		int r = read_int(back[0]);
		say("receive interrupted by a handler%s: %s", restart ? " with SA_RESTART" : "",
		    r < 0 ? en(-r) : rv(r));
		wait_status(child);
		close(ack[0]), close(ack[1]);
		while (mq_timedreceive(q, buf, sizeof(buf), NULL, &(struct timespec){ 1, 0 }) >= 0)
			;
	}
	close(back[0]), close(back[1]);
	mq_close(q);
}

static void check_notify(void)
{
	mqd_t q = mq_open("/q1", O_RDWR);
	char buf[64];
	sigset_t usr2;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	sigprocmask(SIG_BLOCK, &usr2, NULL);

	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR2 };
	sev.sigev_value.sival_int = 7;
	struct sigevent badn = { .sigev_notify = 99 }, bads = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = 100 };
	say("notify bad method: %s", rv(mq_notify(q, &badn)));
	say("notify bad signal: %s", rv(mq_notify(q, &bads)));
	say("notify on a pipe: %s", rv(mq_notify(0, &sev)));
	say("notify: %s", rv(mq_notify(q, &sev)));
	say("notify again: %s", rv(mq_notify(q, &sev)));
	/* The owner's close of any descriptor of the queue drops its registration. */
	say("/dev/mqueue/q1: %s", contents("/dev/mqueue/q1"));
	say("notify after the owner's close: %s", rv(mq_notify(q, &sev)));
	int back[2];
	pipe(back);
	pid_t child = xfork();
	if (child == 0) {
		write_int(back[1], mq_notify(q, &sev) == 0 ? 0 : errno);
		write_int(back[1], mq_notify(q, NULL) == 0 ? 0 : errno);
		mq_send(q, "wake", 4, 0);
		write_int(back[1], 0);
		_exit(0);
	}
	int e1 = read_int(back[0]), e2 = read_int(back[0]);
	read_int(back[0]);
	say("another process: notify %s, remove %s", e1 ? en(e1) : "ok", e2 ? en(e2) : "ok");
	siginfo_t si;
	int sig = sigwaitinfo(&usr2, &si);
	say("notified: %s code %d from the sender %s uid %d value %d", sname(sig), si.si_code,
	    yesno(si.si_pid == child), si.si_uid, si.si_value.sival_int);
	wait_status(child);
	say("after the notification: %s", contents("/dev/mqueue/q1"));
	say("notify once more: %s", rv(mq_notify(q, &sev)));
	mq_send(q, "second", 6, 0);
	struct timespec none = { 0, 0 };
	say("no notification when not empty: %s", rv(sigtimedwait(&usr2, &si, &none)));
	say("remove: %s", rv(mq_notify(q, NULL)));
	mq_receive(q, buf, sizeof(buf), NULL);
	mq_receive(q, buf, sizeof(buf), NULL);

	struct sigevent quiet = { .sigev_notify = SIGEV_NONE };
	say("notify SIGEV_NONE: %s", rv(mq_notify(q, &quiet)));
	mq_send(q, "x", 1, 0);
	say("registration gone after a message: %s", rv(mq_notify(q, &quiet)));
	say("/dev/mqueue/q1: %s", contents("/dev/mqueue/q1"));
	mq_receive(q, buf, sizeof(buf), NULL);
	mq_notify(q, NULL);

	sigprocmask(SIG_UNBLOCK, &usr2, NULL);
	close(back[0]), close(back[1]);
	mq_close(q);
}

static void check_dev_mqueue(void)
{
	struct stat st;
	stat("/dev/mqueue", &st);
	say("/dev/mqueue: mode %o", st.st_mode);
	int fd = open("/dev/mqueue/viaopen", O_CREAT | O_RDWR, 0600);
	say("open(O_CREAT) in /dev/mqueue: %s", fd >= 0 ? "ok" : en(errno));
	mqd_t q = mq_open("/viaopen", O_RDWR);
	say("mq_open of it: %s", attrs(q));
	say("mq_send on the open()ed fd: %s", rv(mq_send(fd, "hi", 2, 0)));
	say("/dev/mqueue/viaopen: %s", contents("/dev/mqueue/viaopen"));
	struct dirent **list;
	char names[256] = "";
	int count = scandir("/dev/mqueue", &list, NULL, alphasort);
	for (int i = 0; i < count; i++) {
		if (list[i]->d_name[0] != '.') {
			strcat(names, " ");
			strcat(names, list[i]->d_name);
		}
		free(list[i]);
	}
	if (count >= 0)
		free(list);
	say("listing:%s", names);
	say("unlink(2) in /dev/mqueue: %s", rv(unlink("/dev/mqueue/viaopen")));
	say("mq_open after: %s", rv(mq_open("/viaopen", O_RDWR)));
	char buf[8192];
	say("the open queue still works: %s", rv(mq_receive(q, buf, sizeof(buf), NULL)));
	mq_close(q);
	close(fd);
}

/* Another user: the root-owned q1 (0640) and the sticky root; RLIMIT_MSGQUEUE charged
   by Linux's formula; queues_max for a process without CAP_SYS_RESOURCE. */
static void check_users_and_limits(void)
{
	int back[2];
	pipe(back);
	pid_t child = xfork();
	if (child == 0) {
		struct rlimit rl = { 82880 + 196, 82880 + 196 };
		setrlimit(RLIMIT_MSGQUEUE, &rl);
		setresgid(4242, 4242, 4242);
		setresuid(4242, 4242, 4242);
		write_int(back[1], mq_open("/q1", O_RDONLY) >= 0 ? 0 : errno);
		write_int(back[1], mq_unlink("/q1") == 0 ? 0 : errno);
		mqd_t a = create("/user-a", O_RDWR, 0600, 0, 0);
		mqd_t b = create("/user-b", O_RDWR, 0600, 1, 100);
		mqd_t c = create("/user-c", O_RDWR, 0600, 1, 1);
		write_int(back[1], a >= 0 ? 0 : errno);
		write_int(back[1], b >= 0 ? 0 : errno);
		write_int(back[1], c >= 0 ? 0 : errno);
		mq_close(a);
		mq_unlink("/user-a");
		mqd_t d = create("/user-d", O_RDWR, 0600, 1, 1);
		write_int(back[1], d >= 0 ? 0 : errno);
		_exit(0);
	}
	int e[6];
	for (int i = 0; i < 6; i++)
		e[i] = read_int(back[0]);
	wait_status(child);
	say("another user opens q1 (0640): %s; unlinks it: %s", e[0] ? en(e[0]) : "ok",
	    e[1] ? en(e[1]) : "ok");
	say("RLIMIT_MSGQUEUE: default queue %s, 1x100 %s, 1x1 %s, after an unlink %s",
	    e[2] ? en(e[2]) : "ok", e[3] ? en(e[3]) : "ok", e[4] ? en(e[4]) : "ok",
	    e[5] ? en(e[5]) : "ok");
	mqd_t b = mq_open("/user-b", O_RDWR);
	say("root opens another user's 0600 queue: %s", b >= 0 ? "ok" : en(errno));
	mq_close(b);
	say("root unlinks it: %s", rv(mq_unlink("/user-b")));
	mq_unlink("/user-d");

	char name[32];
	int made = 0, err = 0;
	for (; made < 300; made++) {
		snprintf(name, sizeof(name), "/many%d", made);
		mqd_t q = create(name, O_RDWR, 0600, 1, 1);
		if (q < 0) {
			err = errno;
			break;
		}
		mq_close(q);
	}
	say("queues made until refused: %d (with q1), then %s", made + 1, en(err));
	for (int i = 0; i < made; i++) {
		snprintf(name, sizeof(name), "/many%d", i);
		mq_unlink(name);
	}
	say("unlink q1: %s", rv(mq_unlink("/q1")));
	close(back[0]), close(back[1]);
}

int main(void)
{
	umask(022);
	check_limits_and_open();
	check_messages();
	check_waits();
	check_notify();
	check_dev_mqueue();
	check_users_and_limits();
	return 0;
}
