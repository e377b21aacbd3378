/* Regressions of sentry crashes the syscall fuzzer (tests/fuzz) found, as direct checks run
   as pid 1 (test_faults.sh compares the output with a native run in a pid namespace):
   - exitsig: a grandchild made with CLONE_PARENT and exit signal 40 becomes init's child;
     its exit signal, which init does not handle, must not kill init (it killed the sandbox);
   - closerecv: a thread waits in recvfrom (with an address: the sentry's path) while another
     closes the socket's fd; the wait ends when data comes (the sentry freed the socket
     under the waiting call and crashed);
   - ppoll: a timeout of 2^62 seconds waits (until a signal), not returns at once (the
     deadline's arithmetic overflowed);
   - reapblocked: a child blocked in mq_timedreceive is killed and reaped at once; the
     sentry's handler, still waiting for it, ends after the reap (it read the freed process
     under ASan). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/guest_check.h"

static void exitsig(void)
{
	pid_t child = xfork();
	if (child == 0) {
		/* No CLONE_VM: the grandchild runs on a copy of this stack, like fork's child. */
		long r = syscall(SYS_clone, CLONE_PARENT | 40, 0, 0, 0, 0);
		if (r == 0)
			_exit(0);
		_exit(r > 0 ? 0 : 1);
	}
	int reaped = 0;
	while (waitpid(-1, NULL, __WALL) > 0)
		reaped++;
	say("exitsig: init alive, reaped %d", reaped);
}

/* A delay that grows with n, made of instructions, not sched_yield: on a loaded machine
   each yield can give the CPU away for a whole slice (thousands of them took minutes). */
static void spin(int n)
{
	for (volatile long k = 0; k < n * 20000L; k++)
		;
}

static int recv_fd;

static void *receiver(void *arg)
{
	char c;
	struct sockaddr_storage from;
	socklen_t len = sizeof(from);
	(void)arg;
	recvfrom(recv_fd, &c, 1, 0, (struct sockaddr *)&from, &len);
	return NULL;
}

static void closerecv(void)
{
	for (int i = 0; i < 100; i++) {
		int sv[2];
		pthread_t th;
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
			break;
		recv_fd = sv[0];
		pthread_create(&th, NULL, receiver, NULL);
		/* Let the receiver reach its wait some of the times. */
		spin(i);
		close(sv[0]);
		/* EPIPE when the receiver's call came after the close (and found no fd). */
		send(sv[1], "x", 1, MSG_NOSIGNAL);
		pthread_join(th, NULL);
		close(sv[1]);
	}
	say("closerecv: done");
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void ppoll_huge(void)
{
	int p[2];
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = { .it_value = { 0, 200000 } };
	if (pipe(p) < 0)
		return;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	struct pollfd fd = { .fd = p[0], .events = POLLIN };
	struct timespec huge = { (time_t)1 << 62, 0 };
	int r = ppoll(&fd, 1, &huge, NULL);
	say("ppoll huge timeout: %s", res(r));
}

static void reapblocked(void)
{
	char name[32];
	struct mq_attr attr = { .mq_maxmsg = 1, .mq_msgsize = 8 };
	int reaped = 0;

	snprintf(name, sizeof(name), "/reapblocked-%d", getpid());
	for (int i = 0; i < 50; i++) {
		int ready[2];
		if (pipe(ready) < 0)
			break;
		pid_t child = xfork();
		if (child == 0) {
			char buf[8];
			mqd_t q = mq_open(name, O_RDONLY | O_CREAT, 0600, &attr);
			if (write(ready[1], "r", 1) < 0 || q == (mqd_t)-1)
				_exit(1);
			mq_receive(q, buf, sizeof(buf), NULL);
			_exit(2);
		}
		char c;
		if (read(ready[0], &c, 1) == 1) {
			/* Some of the kills come before the receive waits, most after. */
			spin(i);
		}
		kill(child, SIGKILL);
		int status;
		if (waitpid(child, &status, 0) == child && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
			reaped++;
		close(ready[0]);
		close(ready[1]);
	}
	mq_unlink(name);
	say("reapblocked: %d of 50 killed and reaped", reaped);
}

int main(void)
{
	exitsig();
	closerecv();
	ppoll_huge();
	reapblocked();
	return 0;
}
