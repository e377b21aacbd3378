/* Process file descriptors and calls that reach into another process: pidfd_open
   (PIDFD_NONBLOCK, errors), pidfd_send_signal (SI_USER with the sender's pid and uid, a
   caller's SI_QUEUE siginfo, EPERM/EINVAL/EBADF/ESRCH), pidfd_getfd, poll and epoll on a
   pidfd (readable at exit), waitid(P_PIDFD) (EAGAIN on a non-blocking one, ECHILD once
   reaped), /proc/self/fdinfo's Pid line; process_vm_readv/writev (partial counts at an
   unmapped page, EFAULT, ESRCH, EINVAL, EPERM for another user or a non-dumpable process);
   kcmp of files, file tables, fs, signal handlers, address spaces, semaphore undo lists
   (between threads, a child, an exec'd-less fork), its order and errors. Prints one line
   per check; run as root, as pid 1 of a pid namespace. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/kcmp.h>

#include "lib/guest_check.h"

#ifndef PIDFD_NONBLOCK
#define PIDFD_NONBLOCK O_NONBLOCK
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static int pidfd_open(pid_t pid, unsigned flags)
{
	return (int)syscall(SYS_pidfd_open, pid, flags);
}

static long pidfd_send_signal(int fd, int sig, siginfo_t *info, unsigned flags)
{
	return syscall(SYS_pidfd_send_signal, fd, sig, info, flags);
}

static int pidfd_getfd(int pidfd, int fd, unsigned flags)
{
	return (int)syscall(SYS_pidfd_getfd, pidfd, fd, flags);
}

static long kcmp(pid_t a, pid_t b, int type, unsigned long i1, unsigned long i2)
{
	return syscall(SYS_kcmp, a, b, type, i1, i2);
}

/* kcmp's answer as equal, or different in a consistent order (a,b and b,a opposite). */
static const char *order(pid_t a, pid_t b, int type, unsigned long i1, unsigned long i2)
{
	long ab = kcmp(a, b, type, i1, i2);
	if (ab < 0)
		return en(errno);
	long ba = kcmp(b, a, type, i2, i1);
	if (ab == 0)
		return ba == 0 ? "same" : "inconsistent";
	return ab + ba == 3 ? "different" : "inconsistent";
}

/* The "Pid:" line of fd's fdinfo, as relative to want: "child", "-1" or the line. */
static const char *fdinfo_pid(int fd, pid_t want)
{
	char path[64], buf[512], *b = say_buffer();
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	int f = open(path, O_RDONLY);
	ssize_t n = f < 0 ? -1 : read(f, buf, sizeof(buf) - 1);
	if (f >= 0)
		close(f);
	if (n < 0)
		return en(errno);
	buf[n] = 0;
	char *p = strstr(buf, "Pid:\t"), *q = strstr(buf, "NSpid:\t");
	if (!p || !q)
		return "no Pid line";
	int pid = atoi(p + 5), nspid = atoi(q + 7);
	snprintf(b, SAY_BUFFER_SIZE, "%s%s", pid == want ? "child" : pid == -1 ? "-1" : "other",
		 nspid == pid ? "" : " (NSpid differs)");
	return b;
}

static volatile sig_atomic_t got_sig, got_code, got_pid, got_uid, got_val;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got_sig = sig;
	got_code = si->si_code;
	got_pid = si->si_pid;
	got_uid = (sig_atomic_t)si->si_uid;
	got_val = si->si_value.sival_int;
}

static char shared_buf[8192] __attribute__((aligned(4096)));

static void check_pidfd_open(void)
{
	say("pidfd_open bad flags: %s", rv(pidfd_open(getpid(), 1)));
	say("pidfd_open pid 0: %s", rv(pidfd_open(0, 0)));
	say("pidfd_open no such pid: %s", rv(pidfd_open(99999, 0)));
	int fd = pidfd_open(getpid(), 0);
	say("pidfd_open self: %s, cloexec %s", fd >= 0 ? "ok" : en(errno),
	    yesno(fcntl(fd, F_GETFD) & FD_CLOEXEC));
	char buf[8];
	say("read of a pidfd: %s", rv(read(fd, buf, sizeof(buf))));
	struct pollfd p = { fd, POLLIN, 0 };
	say("poll of a live process's pidfd: %s", rv(poll(&p, 1, 0)));
	close(fd);
}

/* A child waiting for a byte, its signals reported back. */
static void check_signals(void)
{
	int go[2], back[2];
	pipe(go);
	pipe(back);
	pid_t child = xfork();
	if (child == 0) {
		struct sigaction sa = { .sa_sigaction = on_usr1, .sa_flags = SA_SIGINFO };
		sigaction(SIGUSR1, &sa, NULL);
		sigaction(SIGUSR2, &sa, NULL);
		/* Taken only inside sigsuspend, so none is lost while one is reported. */
		sigset_t usr;
		sigemptyset(&usr);
		sigaddset(&usr, SIGUSR1);
		sigaddset(&usr, SIGUSR2);
		sigprocmask(SIG_BLOCK, &usr, NULL);
		setpgid(0, 0);
		write_int(back[1], 0);
		for (int i = 0; i < 3; i++) {
			sigset_t none;
			sigemptyset(&none);
			while (!got_sig)
				sigsuspend(&none);
			write_int(back[1], got_sig);
			write_int(back[1], got_code);
			write_int(back[1], got_pid == getppid());
			write_int(back[1], got_uid);
			write_int(back[1], got_val);
			got_sig = 0;
		}
		read_int(go[0]);
		_exit(7);
	}
	read_int(back[0]);
	int pfd = pidfd_open(child, PIDFD_NONBLOCK);
	say("pidfd_open child nonblocking: %s, O_NONBLOCK %s", pfd >= 0 ? "ok" : en(errno),
	    yesno(fcntl(pfd, F_GETFL) & O_NONBLOCK));
	say("fdinfo Pid of a live child: %s", fdinfo_pid(pfd, child));

	say("pidfd_send_signal flags 8: %s", rv(pidfd_send_signal(pfd, SIGUSR1, NULL, 8)));
	say("pidfd_send_signal flags 3: %s", rv(pidfd_send_signal(pfd, SIGUSR1, NULL, 3)));
	say("pidfd_send_signal bad signal: %s", rv(pidfd_send_signal(pfd, 99, NULL, 0)));
	say("pidfd_send_signal on a pipe: %s", rv(pidfd_send_signal(go[0], SIGUSR1, NULL, 0)));
	say("pidfd_send_signal signal 0: %s", rv(pidfd_send_signal(pfd, 0, NULL, 0)));
	say("pidfd_send_signal SIGUSR1 to the thread: %s",
	    rv(pidfd_send_signal(pfd, SIGUSR1, NULL, 1)));
	int sig = read_int(back[0]), code = read_int(back[0]), frompid = read_int(back[0]);
	int uid = read_int(back[0]);
	read_int(back[0]);
	say("child got %s code %d from its parent %s uid %d", sname(sig), code, yesno(frompid), uid);

	siginfo_t info;
	memset(&info, 0, sizeof(info));
	info.si_signo = SIGUSR2;
	info.si_code = SI_USER;
	say("pidfd_send_signal SI_USER info to another: %s",
	    rv(pidfd_send_signal(pfd, SIGUSR2, &info, 0)));
	info.si_code = SI_QUEUE;
	say("pidfd_send_signal info of another signal: %s",
	    rv(pidfd_send_signal(pfd, SIGUSR1, &info, 0)));
	info.si_pid = getpid();
	info.si_uid = 0;
	info.si_value.sival_int = 42;
	say("pidfd_send_signal SI_QUEUE info: %s", rv(pidfd_send_signal(pfd, SIGUSR2, &info, 0)));
	sig = read_int(back[0]), code = read_int(back[0]), frompid = read_int(back[0]);
	uid = read_int(back[0]);
	int val = read_int(back[0]);
	say("child got %s code %d from its parent %s uid %d value %d", sname(sig), code,
	    yesno(frompid), uid, val);
	say("pidfd_send_signal SIGUSR1 to the process group: %s",
	    rv(pidfd_send_signal(pfd, SIGUSR1, NULL, 4)));
	sig = read_int(back[0]), code = read_int(back[0]), frompid = read_int(back[0]);
	uid = read_int(back[0]);
	read_int(back[0]);
	say("child got %s code %d from its parent %s uid %d", sname(sig), code, yesno(frompid), uid);

	siginfo_t si;
	say("waitid P_PIDFD nonblocking, running: %s", rv(waitid(P_PIDFD, pfd, &si, WEXITED)));
	say("waitid P_PIDFD of a pipe: %s", rv(waitid(P_PIDFD, go[0], &si, WEXITED)));
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event e = { .events = EPOLLIN, .data.u32 = 5 }, out;
	say("epoll_ctl add pidfd: %s", rv(epoll_ctl(ep, EPOLL_CTL_ADD, pfd, &e)));
	say("epoll_wait before exit: %s", rv(epoll_wait(ep, &out, 1, 0)));
	write_int(go[1], 1);
	struct pollfd p = { pfd, POLLIN, 0 };
	int n = poll(&p, 1, 10000);
	say("poll until exit: %s, POLLIN %s", rv(n), yesno(p.revents & POLLIN));
	n = epoll_wait(ep, &out, 1, 10000);
	say("epoll_wait after exit: %s data %u", rv(n), n == 1 ? out.data.u32 : 0);
	say("fdinfo Pid of a zombie: %s", fdinfo_pid(pfd, child));
	memset(&si, 0, sizeof(si));
	n = waitid(P_PIDFD, pfd, &si, WEXITED);
	say("waitid P_PIDFD: %s pid %s status %d", rv(n), yesno(si.si_pid == child), si.si_status);
	say("waitid P_PIDFD again: %s", rv(waitid(P_PIDFD, pfd, &si, WEXITED)));
	say("pidfd_send_signal to a reaped process: %s", rv(pidfd_send_signal(pfd, SIGUSR1, NULL, 0)));
	say("fdinfo Pid of a reaped process: %s", fdinfo_pid(pfd, child));
	close(ep);
	close(pfd);
	close(go[0]), close(go[1]), close(back[0]), close(back[1]);
}

static void *thread_main(void *arg)
{
	int *tid = arg;
	*tid = gettid();
	pause();
	return NULL;
}

static void check_getfd_and_kcmp(void)
{
	int go[2], back[2];
	pipe(go);
	pipe(back);
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	pid_t child = xfork();
	if (child == 0) {
		int own = open("/", O_RDONLY | O_DIRECTORY);
		dup2(own, 40);
		write_int(back[1], 0);
		read_int(go[0]);
		_exit(0);
	}
	read_int(back[0]);
	pid_t me = getpid();
	int pfd = pidfd_open(child, 0);

	say("pidfd_getfd flags 1: %s", rv(pidfd_getfd(pfd, 40, 1)));
	say("pidfd_getfd no such fd: %s", rv(pidfd_getfd(pfd, 77, 0)));
	say("pidfd_getfd of a pipe: %s", rv(pidfd_getfd(go[0], 40, 0)));
	int got = pidfd_getfd(pfd, 40, 0);
	say("pidfd_getfd: %s, cloexec %s", got >= 0 ? "ok" : en(errno),
	    yesno(fcntl(got, F_GETFD) & FD_CLOEXEC));
	say("kcmp FILE getfd copy, child's: %s", order(me, child, KCMP_FILE, got, 40));
	say("kcmp FILE inherited: %s", order(me, child, KCMP_FILE, devnull, devnull));
	int dup = fcntl(devnull, F_DUPFD_CLOEXEC, 0);
	say("kcmp FILE dup: %s", order(me, me, KCMP_FILE, devnull, dup));
	int other = open("/dev/null", O_RDONLY | O_CLOEXEC);
	say("kcmp FILE another open: %s", order(me, me, KCMP_FILE, devnull, other));
	say("kcmp FILE bad fd: %s", rv(kcmp(me, child, KCMP_FILE, devnull, 99)));
	say("kcmp FILES child: %s", order(me, child, KCMP_FILES, 0, 0));
	say("kcmp FS child: %s", order(me, child, KCMP_FS, 0, 0));
	say("kcmp SIGHAND child: %s", order(me, child, KCMP_SIGHAND, 0, 0));
	say("kcmp VM child: %s", order(me, child, KCMP_VM, 0, 0));
	say("kcmp VM self: %s", order(me, me, KCMP_VM, 0, 0));
	say("kcmp SYSVSEM child (no undo): %s", order(me, child, KCMP_SYSVSEM, 0, 0));
	say("kcmp bad type: %s", rv(kcmp(me, child, 99, 0, 0)));
	say("kcmp no such pid: %s", rv(kcmp(me, 99999, KCMP_VM, 0, 0)));

	pthread_t th;
	volatile int tid = 0;
	pthread_create(&th, NULL, thread_main, (void *)&tid);
	while (!tid)
		sched_yield();
	say("kcmp VM thread: %s", order(me, tid, KCMP_VM, 0, 0));
	say("kcmp FILES thread: %s", order(me, tid, KCMP_FILES, 0, 0));
	say("kcmp FS thread: %s", order(me, tid, KCMP_FS, 0, 0));
	say("kcmp SIGHAND thread: %s", order(me, tid, KCMP_SIGHAND, 0, 0));
	say("kcmp FILE through a thread's id: %s", order(tid, me, KCMP_FILE, devnull, devnull));

	write_int(go[1], 1);
	wait_status(child);
	say("pidfd_getfd of a reaped process: %s", rv(pidfd_getfd(pfd, 40, 0)));
	close(got), close(dup), close(other), close(devnull), close(pfd);
	close(go[0]), close(go[1]), close(back[0]), close(back[1]);
}

/* The child changes shared_buf and its identity as asked, then waits. */
static void check_process_vm(void)
{
	int go[2], back[2];
	pipe(go);
	pipe(back);
	char *two = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(two + 4096, 4096);
	memset(two, 'p', 4096);
	pid_t child = xfork();
	if (child == 0) {
		strcpy(shared_buf, "written by the child");
		memset(two, 'c', 4096);
		write_int(back[1], 0);
		read_int(go[0]);
		write(back[1], shared_buf, 32);
		_exit(0);
	}
	read_int(back[0]);
	char local[8192] = { 0 };
	struct iovec l = { local, 32 }, r = { shared_buf, 32 };
	long n = process_vm_readv(child, &l, 1, &r, 1, 0);
	say("process_vm_readv: %s '%s'", rv(n), local);
	say("process_vm_readv flags 1: %s", rv(process_vm_readv(child, &l, 1, &r, 1, 1)));
	say("process_vm_readv no such pid: %s", rv(process_vm_readv(99999, &l, 1, &r, 1, 0)));
	struct iovec empty = { local, 0 };
	say("process_vm_readv nothing, no such pid: %s",
	    rv(process_vm_readv(99999, &empty, 1, &r, 1, 0)));
	say("process_vm_readv 1025 iovecs: %s", rv(process_vm_readv(child, &l, 1025, &r, 1, 0)));
	struct iovec bad = { (void *)8, 32 };
	say("process_vm_readv unmapped remote: %s", rv(process_vm_readv(child, &l, 1, &bad, 1, 0)));
	say("process_vm_readv unmapped local: %s", rv(process_vm_readv(child, &bad, 1, &r, 1, 0)));
	struct iovec big = { local, 8192 }, edge = { two, 8192 };
	n = process_vm_readv(child, &big, 1, &edge, 1, 0);
	say("process_vm_readv across an unmapped page: %s, first byte %c", rv(n), local[0]);
	struct iovec split[2] = { { local, 10 }, { local + 100, 30 } }, rs[2] = { { shared_buf, 5 }, { shared_buf + 5, 35 } };
	memset(local, 0, sizeof(local));
	n = process_vm_readv(child, split, 2, rs, 2, 0);
	say("process_vm_readv scattered: %s '%.10s' '%.10s'", rv(n), local, local + 100);
	struct iovec w = { "written by the parent", 22 };
	say("process_vm_writev: %s", rv(process_vm_writev(child, &w, 1, &r, 1, 0)));
	struct iovec ro = { (void *)check_process_vm, 4 };
	say("process_vm_writev to read-only code: %s", rv(process_vm_writev(child, &w, 1, &ro, 1, 0)));
	write_int(go[1], 1);
	char echo[33] = { 0 };
	read(back[0], echo, 32);
	say("child's buffer now '%s'", echo);
	wait_status(child);
	munmap(two, 4096);
	close(go[0]), close(go[1]), close(back[0]), close(back[1]);
}

/* Another user, or a process that is not dumpable: neither side may reach the other
   without CAP_SYS_PTRACE. */
static void check_permissions(void)
{
	for (int kind = 0; kind < 2; kind++) {
		int go[2], back[2];
		pipe(go);
		pipe(back);
		pid_t parent = getpid();
		pid_t child = xfork();
		if (child == 0) {
			if (kind == 0)
				setresuid(1000, 1000, 1000);
			else
				prctl(PR_SET_DUMPABLE, 0);
			char buf[8];
			struct iovec l = { buf, 8 }, r = { shared_buf, 8 };
			write_int(back[1], process_vm_readv(parent, &l, 1, &r, 1, 0) < 0 ? errno : 0);
			write_int(back[1], kcmp(getpid(), parent, KCMP_VM, 0, 0) < 0 ? errno : 0);
			read_int(go[0]);
			_exit(0);
		}
		const char *what = kind == 0 ? "another user" : "a non-dumpable child";
		int e1 = read_int(back[0]), e2 = read_int(back[0]);
		say("%s reads its parent: %s; kcmp: %s", what, e1 ? en(e1) : "ok", e2 ? en(e2) : "ok");
		char buf[8];
		struct iovec l = { buf, 8 }, r = { shared_buf, 8 };
		say("parent reads %s: %s", what, rv(process_vm_readv(child, &l, 1, &r, 1, 0)));
		say("parent kcmp of %s: %s", what, rv(kcmp(getpid(), child, KCMP_VM, 0, 0)));
		int pfd = pidfd_open(child, 0);
		say("parent pidfd_getfd of %s: %s", what, rv(pidfd_getfd(pfd, 0, 0)));
		say("parent signals %s through its pidfd: %s", what,
		    rv(pidfd_send_signal(pfd, 0, NULL, 0)));
		close(pfd);
		write_int(go[1], 1);
		wait_status(child);
		close(go[0]), close(go[1]), close(back[0]), close(back[1]);
	}
}

int main(void)
{
	check_pidfd_open();
	check_signals();
	check_getfd_and_kcmp();
	check_process_vm();
	check_permissions();
	return 0;
}
