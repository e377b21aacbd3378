/* Every pid (and the uid beside it) a process can learn names a process of its own pid
   namespace: getpid/getppid/gettid, si_pid and si_uid of kill, tgkill, sigqueue, SIGCHLD of
   a child's exit, stop and continue, SIGPIPE, sigwaitinfo and signalfd, waitid's si_pid,
   F_GETLK's l_pid, SO_PEERCRED, and /proc/self/stat and /proc/PID/status. Prints relations
   ("si_pid == child: yes"), not numbers, so that a native run (pid 1 of a new pid namespace)
   and a sandboxed one print the same lines.

   hostidcheck DIR   DIR must be writable (a lock file is created in it)
   hostidcheck outside   says "waiting", then how a SIGUSR1 from outside (the test script,
                         in the parent pid namespace) names its sender */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/guest_check.h"

static volatile sig_atomic_t hits;
static volatile siginfo_t last;

static void record(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	memcpy((void *)&last, si, sizeof(*si));
	hits++;
}

static void catch(int sig)
{
	struct sigaction sa = { .sa_sigaction = record, .sa_flags = SA_SIGINFO | SA_RESTART };
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static void wait_hits(int n)
{
	for (int i = 0; i < 5000 && hits < n; i++)
		msleep(1);
}

static void block(int sig, int how)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(how, &set, NULL);
}

static void ids(void)
{
	say("getpid == 1: %s", yesno(getpid() == 1));
	say("gettid == getpid: %s", yesno(syscall(SYS_gettid) == getpid()));
	pid_t me = getpid();
	int p[2];
	pipe(p);
	pid_t c = xfork();
	if (c == 0) {
		write_int(p[1], getppid() == me);
		write_int(p[1], getpid());
		_exit(0);
	}
	int ppid_ok = read_int(p[0]);
	say("child: getppid == parent: %s, getpid == fork's answer: %s", yesno(ppid_ok), yesno(read_int(p[0]) == c));
	wait_status(c);
	close(p[0]);
	close(p[1]);
}

/* A child sends sig to its parent with send (kill or sigqueue); the handler's siginfo. */
static void from_child(const char *what, int sig, int use_sigqueue)
{
	catch(sig);
	hits = 0;
	pid_t me = getpid();
	pid_t c = xfork();
	if (c == 0) {
		if (use_sigqueue)
			sigqueue(me, sig, (union sigval){ .sival_int = 42 });
		else
			kill(me, sig);
		_exit(0);
	}
	wait_hits(1);
	wait_status(c);
	say("%s from a child: si_pid == child: %s, si_uid == getuid: %s, si_code %d", what,
	    yesno(last.si_pid == c), yesno(last.si_uid == getuid()), last.si_code);
}

static void from_parent(void)
{
	int p[2], go[2];
	pipe(p);
	pipe(go);
	pid_t me = getpid();
	pid_t c = xfork();
	if (c == 0) {
		catch(SIGUSR2);
		hits = 0;
		write_int(go[1], 1);
		wait_hits(1);
		write_int(p[1], last.si_pid == me);
		write_int(p[1], last.si_pid == getppid());
		write_int(p[1], last.si_code);
		_exit(0);
	}
	read_int(go[0]);
	kill(c, SIGUSR2);
	int is_parent = read_int(p[0]);
	int is_ppid = read_int(p[0]);
	int code = read_int(p[0]);
	wait_status(c);
	say("kill from the parent: si_pid == parent: %s, == getppid: %s, si_code %d", yesno(is_parent),
	    yesno(is_ppid), code);
	close(p[0]);
	close(p[1]);
	close(go[0]);
	close(go[1]);
}

static void to_self(void)
{
	catch(SIGUSR1);
	hits = 0;
	kill(getpid(), SIGUSR1);
	wait_hits(1);
	say("kill to self: si_pid == getpid: %s, si_code %d", yesno(last.si_pid == getpid()), last.si_code);
	hits = 0;
	syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1);
	wait_hits(1);
	say("tgkill to self: si_pid == getpid: %s, si_code %d", yesno(last.si_pid == getpid()), last.si_code);
	hits = 0;
	sigqueue(getpid(), SIGUSR1, (union sigval){ .sival_int = 7 });
	wait_hits(1);
	say("sigqueue to self: si_pid == getpid: %s, si_code %d, value %d", yesno(last.si_pid == getpid()),
	    last.si_code, last.si_value.sival_int);
}

static void sigpipe(void)
{
	catch(SIGPIPE);
	hits = 0;
	int p[2];
	pipe(p);
	close(p[0]);
	long r = write(p[1], "x", 1);
	wait_hits(1);
	say("SIGPIPE of a write: %s, si_pid == getpid: %s, si_uid == getuid: %s, si_code %d", res(r),
	    yesno(last.si_pid == getpid()), yesno(last.si_uid == getuid()), last.si_code);
	close(p[1]);
	signal(SIGPIPE, SIG_DFL);
}

static void sigchld(void)
{
	catch(SIGCHLD);
	hits = 0;
	pid_t c = xfork();
	if (c == 0)
		_exit(7);
	wait_hits(1);
	say("SIGCHLD of an exit: si_pid == child: %s, si_uid == getuid: %s, CLD_EXITED: %s, si_status %d",
	    yesno(last.si_pid == c), yesno(last.si_uid == getuid()), yesno(last.si_code == CLD_EXITED),
	    last.si_status);
	wait_status(c);

	hits = 0;
	c = xfork();
	if (c == 0) {
		raise(SIGSTOP);
		_exit(0);
	}
	wait_hits(1);
	say("SIGCHLD of a stop: si_pid == child: %s, CLD_STOPPED: %s, si_status %s", yesno(last.si_pid == c),
	    yesno(last.si_code == CLD_STOPPED), sname(last.si_status));
	int st;
	waitpid(c, &st, WUNTRACED);
	hits = 0;
	kill(c, SIGCONT);
	wait_hits(2);
	say("SIGCHLD of a continue or the exit: si_pid == child: %s", yesno(last.si_pid == c));
	wait_status(c);

	c = xfork();
	if (c == 0)
		_exit(3);
	siginfo_t wi = { 0 };
	waitid(P_PID, c, &wi, WEXITED);
	say("waitid: si_pid == child: %s, si_uid == getuid: %s, CLD_EXITED: %s, si_status %d",
	    yesno(wi.si_pid == c), yesno(wi.si_uid == getuid()), yesno(wi.si_code == CLD_EXITED), wi.si_status);
	signal(SIGCHLD, SIG_DFL);
}

static void waited(void)
{
	block(SIGUSR1, SIG_BLOCK);
	pid_t me = getpid();
	pid_t c = xfork();
	if (c == 0) {
		kill(me, SIGUSR1);
		_exit(0);
	}
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	siginfo_t si = { 0 };
	int r = sigwaitinfo(&set, &si);
	say("sigwaitinfo for a child's kill: %s, si_pid == child: %s, si_uid == getuid: %s, si_code %d",
	    r == SIGUSR1 ? "SIGUSR1" : res(r), yesno(si.si_pid == c), yesno(si.si_uid == getuid()), si.si_code);
	wait_status(c);

	c = xfork();
	if (c == 0) {
		kill(me, SIGUSR1);
		_exit(0);
	}
	wait_status(c);
	struct timespec ts = { 5, 0 };
	memset(&si, 0, sizeof(si));
	r = sigtimedwait(&set, &si, &ts);
	say("sigtimedwait for a child's kill: %s, si_pid == child: %s", r == SIGUSR1 ? "SIGUSR1" : res(r),
	    yesno(si.si_pid == c));

	int sfd = signalfd(-1, &set, 0);
	c = xfork();
	if (c == 0) {
		kill(me, SIGUSR1);
		_exit(0);
	}
	struct signalfd_siginfo ssi = { 0 };
	long n = read(sfd, &ssi, sizeof(ssi));
	say("signalfd for a child's kill: %s, ssi_pid == child: %s, ssi_uid == getuid: %s",
	    n == sizeof(ssi) ? "read" : res(n), yesno(ssi.ssi_pid == (uint32_t)c), yesno(ssi.ssi_uid == getuid()));
	wait_status(c);
	close(sfd);
	block(SIGUSR1, SIG_UNBLOCK);

	/* A child's exit read from a signalfd, as script(1) waits for it: the code and status. */
	block(SIGCHLD, SIG_BLOCK);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sfd = signalfd(-1, &set, 0);
	c = xfork();
	if (c == 0)
		_exit(7);
	memset(&ssi, 0, sizeof(ssi));
	n = read(sfd, &ssi, sizeof(ssi));
	say("signalfd for a child's exit: %s, code CLD_EXITED: %s, status %d, ssi_pid == child: %s",
	    n == sizeof(ssi) ? "read" : res(n), yesno(ssi.ssi_code == CLD_EXITED), ssi.ssi_status,
	    yesno(ssi.ssi_pid == (uint32_t)c));
	wait_status(c);
	close(sfd);
	block(SIGCHLD, SIG_UNBLOCK);
}

static void locks(const char *dir)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/hostidcheck.lock", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		say("open %s: %s", path, en(errno));
		return;
	}
	int p[2], done[2];
	pipe(p);
	pipe(done);
	pid_t c = xfork();
	if (c == 0) {
		struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10 };
		write_int(p[1], fcntl(fd, F_SETLK, &fl) < 0 ? errno : 0);
		read_int(done[0]);
		_exit(0);
	}
	int e = read_int(p[0]);
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1 };
	int r = fcntl(fd, F_GETLK, &fl);
	say("F_GETLK against a child's lock (set: %s): %s, l_type F_WRLCK: %s, l_pid == child: %s",
	    e ? en(e) : "ok", res(r), yesno(fl.l_type == F_WRLCK), yesno(fl.l_pid == c));
	write_int(done[1], 1);
	wait_status(c);

	/* Another access mode: a description of its own in the sandbox's upper layer too. */
	int fd2 = open(path, O_WRONLY);
	struct flock ofd = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10 };
	r = fcntl(fd2, F_OFD_SETLK, &ofd);
	struct flock q = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1 };
	int r2 = fcntl(fd, F_OFD_GETLK, &q);
	say("F_OFD_GETLK against an OFD lock (set: %s): %s, l_pid %d", res(r), res(r2), (int)q.l_pid);
	struct flock q2 = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1 };
	r2 = fcntl(fd, F_GETLK, &q2);
	say("F_GETLK against an OFD lock: %s, l_pid %d", res(r2), (int)q2.l_pid);
	close(fd2);
	close(fd);
	unlink(path);
	close(p[0]);
	close(p[1]);
	close(done[0]);
	close(done[1]);
}

static void peercred(const char *dir)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	snprintf(a.sun_path, sizeof(a.sun_path), "%s/hostidcheck.sock", dir);
	unlink(a.sun_path);
	socklen_t alen = sizeof(a);
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	if (bind(l, (struct sockaddr *)&a, alen) < 0 || listen(l, 1) < 0) {
		say("bind/listen: %s", en(errno));
		return;
	}
	pid_t me = getpid();
	int p[2], done[2];
	pipe(p);
	pipe(done);
	pid_t c = xfork();
	if (c == 0) {
		int s = socket(AF_UNIX, SOCK_STREAM, 0);
		connect(s, (struct sockaddr *)&a, alen);
		struct ucred cr = { 0 };
		socklen_t n = sizeof(cr);
		getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &n);
		write_int(p[1], cr.pid == me);
		read_int(done[0]);
		_exit(0);
	}
	int s = accept(l, NULL, NULL);
	struct ucred cr = { 0 };
	socklen_t n = sizeof(cr);
	int r = getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &n);
	int theirs = read_int(p[0]);
	say("SO_PEERCRED: %s, pid == child: %s, uid == getuid: %s; the child's: pid == parent: %s", res(r),
	    yesno(cr.pid == c), yesno(cr.uid == getuid()), yesno(theirs));
	write_int(done[1], 1);
	wait_status(c);
	close(done[0]);
	close(done[1]);
	int sp[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sp);
	getsockopt(sp[0], SOL_SOCKET, SO_PEERCRED, &cr, &n);
	say("SO_PEERCRED of a socketpair: pid == getpid: %s", yesno(cr.pid == getpid()));
	close(sp[0]);
	close(sp[1]);
	close(s);
	close(l);
	unlink(a.sun_path);
	close(p[0]);
	close(p[1]);
}

/* Field n (1-based) of /proc/PID/stat, after the command's parentheses. */
static long stat_field(pid_t pid, int n)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	if (n == 1)
		return atol(buf);
	char *s = strrchr(buf, ')');
	if (!s)
		return -1;
	s += 2;
	for (int i = 3; i < n && s; i++) {
		s = strchr(s, ' ');
		if (s)
			s++;
	}
	return s ? atol(s) : -1;
}

/* The last number of a line "Key:\t..." of /proc/PID/status. */
static long status_field(pid_t pid, const char *key)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	FILE *f = fopen(path, "r");
	long v = -1;
	if (!f)
		return -1;
	size_t klen = strlen(key);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) || line[klen] != ':')
			continue;
		char *last_tab = strrchr(line, '\t');
		v = last_tab ? atol(last_tab + 1) : -1;
	}
	fclose(f);
	return v;
}

static void *thread_tid(void *arg)
{
	*(pid_t *)arg = (pid_t)syscall(SYS_gettid);
	return NULL;
}

static void proc(void)
{
	pid_t me = getpid();
	say("/proc/self/stat: pid == getpid: %s, ppid == getppid: %s, pgrp == getpgrp: %s, session == getsid: %s",
	    yesno(stat_field(me, 1) == me), yesno(stat_field(me, 4) == getppid()),
	    yesno(stat_field(me, 5) == getpgrp()), yesno(stat_field(me, 6) == getsid(0)));
	int p[2], done[2];
	pipe(p);
	pipe(done);
	pid_t c = xfork();
	if (c == 0) {
		setpgid(0, 0);
		write_int(p[1], 1);
		read_int(done[0]);
		_exit(0);
	}
	read_int(p[0]);
	say("/proc/CHILD/stat: pid: %s, ppid == parent: %s, pgrp == child: %s", yesno(stat_field(c, 1) == c),
	    yesno(stat_field(c, 4) == me), yesno(stat_field(c, 5) == c));
	say("/proc/CHILD/status: Pid: %s, PPid == parent: %s, Tgid: %s, NSpid: %s, NStgid: %s",
	    yesno(status_field(c, "Pid") == c), yesno(status_field(c, "PPid") == me),
	    yesno(status_field(c, "Tgid") == c), yesno(status_field(c, "NSpid") == c),
	    yesno(status_field(c, "NStgid") == c));
	write_int(done[1], 1);
	wait_status(c);
	pthread_t th;
	pid_t tid = 0;
	pthread_create(&th, NULL, thread_tid, &tid);
	pthread_join(th, NULL);
	say("a thread's tid is not the pid: %s, /proc/self/task has the caller: %s", yesno(tid != me && tid > 0),
	    yesno(access("/proc/self/task/1", F_OK) == 0));
	close(p[0]);
	close(p[1]);
	close(done[0]);
	close(done[1]);
}

static void timer_signal(void)
{
	catch(SIGALRM);
	hits = 0;
	timer_t id;
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGALRM,
				.sigev_value.sival_int = 5 };
	timer_create(CLOCK_MONOTONIC, &sev, &id);
	struct itimerspec its = { .it_value = { 0, 1000000 } };
	timer_settime(id, 0, &its, NULL);
	wait_hits(1);
	say("timer: si_code SI_TIMER: %s, value %d", yesno(last.si_code == SI_TIMER), last.si_value.sival_int);
	timer_delete(id);
}

static int outside(void)
{
	catch(SIGUSR1);
	hits = 0;
	say("waiting");
	for (int i = 0; i < 120000 && !hits; i++)
		msleep(1);
	say("SIGUSR1 from outside: %s, si_pid %d, si_uid %d, si_code %d", yesno(hits), last.si_pid,
	    (int)last.si_uid, last.si_code);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "outside"))
		return outside();
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	ids();
	from_child("kill", SIGUSR1, 0);
	from_child("sigqueue", SIGUSR1, 1);
	from_parent();
	to_self();
	sigpipe();
	sigchld();
	waited();
	locks(dir);
	peercred(dir);
	proc();
	timer_signal();
	return 0;
}
