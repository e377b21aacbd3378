/* Signal wake-up latency: how long a signal takes to end a wait the sentry does on a
   thread's behalf (wait4 for a child that does not exit, flock on a file another process
   holds), from the sender's kill() to the start of the waiter's handler. Prints
   "OP MICROSECONDS" (the median of the rounds) for bench/signal.sh. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 31

static volatile double *handled_at;

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void on_usr1(int sig)
{
	(void)sig;
	*handled_at = now_us();
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The waiter blocks in wait(); a sender, told by a pipe that the waiter is about to block,
   gives it 2 ms to get there, then signals it. */
static double one_round(int (*wait_call)(void *), void *arg)
{
	int ready[2];
	if (pipe(ready) < 0)
		exit(1);
	pid_t waiter = getpid();
	volatile double *sent_at = handled_at + 1;
	pid_t sender = fork();
	if (sender == 0) {
		char c;
		if (read(ready[0], &c, 1) != 1)
			_exit(1);
		struct timespec ts = { 0, 2000000 };
		nanosleep(&ts, NULL);
		*sent_at = now_us();
		kill(waiter, SIGUSR1);
		_exit(0);
	}
	*handled_at = 0;
	if (write(ready[1], "r", 1) != 1)
		exit(1);
	int r = wait_call(arg);
	int e = errno;
	waitpid(sender, NULL, 0);
	close(ready[0]);
	close(ready[1]);
	if (r >= 0 || e != EINTR) {
		fprintf(stderr, "signal: the wait ended with %d (%s), not EINTR\n", r, strerror(e));
		exit(1);
	}
	return *handled_at - *sent_at;
}

static int wait_for_child(void *arg)
{
	return waitpid(*(pid_t *)arg, NULL, 0);
}

static int wait_for_lock(void *arg)
{
	return flock(*(int *)arg, LOCK_EX);
}

static void report(const char *name, int (*wait_call)(void *), void *arg)
{
	double us[ROUNDS];
	for (int i = 0; i < ROUNDS; i++)
		us[i] = one_round(wait_call, arg);
	qsort(us, ROUNDS, sizeof(us[0]), by_value);
	printf("%s %.1f\n", name, us[ROUNDS / 2]);
}

int main(void)
{
	handled_at = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (handled_at == MAP_FAILED)
		return 1;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;	/* no SA_RESTART: the wait ends with EINTR */
	sigaction(SIGUSR1, &sa, NULL);

	pid_t child = fork();
	if (child == 0) {
		for (;;)
			pause();
	}
	report("wait4_signal_us", wait_for_child, &child);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);

	char path[] = "/tmp/bench-signal-XXXXXX";
	int fd = mkstemp(path);
	int holder_ready[2];
	if (fd < 0 || pipe(holder_ready) < 0)
		return 1;
	pid_t holder = fork();
	if (holder == 0) {
		int hfd = open(path, O_RDONLY);
		flock(hfd, LOCK_EX);
		if (write(holder_ready[1], "h", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	char c;
	if (read(holder_ready[0], &c, 1) != 1)
		return 1;
	report("flock_signal_us", wait_for_lock, &fd);
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
	unlink(path);
	return 0;
}
