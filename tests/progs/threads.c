/* Eight threads with mutexes, condition variables and a barrier; threads exit and are
   joined; a signal goes to one thread. Prints results that do not depend on scheduling,
   so a native run and a sandboxed run print the same. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NTHREADS 8
#define ROUNDS 20000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static pthread_barrier_t barrier;
static long counter;
static int turn;		/* round-robin hand-off through the condition variable */
static int order[NTHREADS * 3];
static int norder;
static atomic_int usr1_thread = -1;
static __thread int my_index = -1;

static void on_usr1(int sig)
{
	(void)sig;
	atomic_store(&usr1_thread, my_index);
}

struct arg {
	int index;
	pid_t tid;
};

static void *worker(void *p)
{
	struct arg *a = p;
	my_index = a->index;
	a->tid = (pid_t)syscall(SYS_gettid);

	/* Contended mutex. */
	for (int i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&lock);
		counter++;
		pthread_mutex_unlock(&lock);
	}
	/* Everyone arrives before anyone hands off. */
	int r = pthread_barrier_wait(&barrier);
	if (r != 0 && r != PTHREAD_BARRIER_SERIAL_THREAD)
		abort();
	/* Three rounds of strict turns: thread i waits for turn == i. */
	for (int round = 0; round < 3; round++) {
		pthread_mutex_lock(&lock);
		while (turn % NTHREADS != a->index)
			pthread_cond_wait(&cond, &lock);
		order[norder++] = a->index;
		turn++;
		pthread_cond_broadcast(&cond);
		pthread_mutex_unlock(&lock);
	}
	/* Thread 5 waits for the signal aimed at it. */
	if (a->index == 5) {
		while (atomic_load(&usr1_thread) < 0)
			usleep(1000);
	}
	return (void *)(long)(a->index * 10);
}

int main(void)
{
	pthread_t th[NTHREADS];
	struct arg args[NTHREADS];
	struct sigaction sa;

	/* Whoever started us may have left SIGUSR1 blocked; the test needs it. */
	sigset_t usr1;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	pthread_barrier_init(&barrier, NULL, NTHREADS);
	for (int i = 0; i < NTHREADS; i++) {
		args[i].index = i;
		if (pthread_create(&th[i], NULL, worker, &args[i]) != 0) {
			perror("pthread_create");
			return 1;
		}
	}
	/* Wait until thread 5 has told us its tid through the barrier-protected work. */
	while (!__atomic_load_n(&args[5].tid, __ATOMIC_SEQ_CST))
		usleep(1000);
	if (pthread_kill(th[5], SIGUSR1) != 0) {
		perror("pthread_kill");
		return 1;
	}
	long sum = 0;
	for (int i = 0; i < NTHREADS; i++) {
		void *ret;
		if (pthread_join(th[i], &ret) != 0) {
			perror("pthread_join");
			return 1;
		}
		sum += (long)ret;
	}
	printf("counter=%ld (expected %d)\n", counter, NTHREADS * ROUNDS);
	printf("joined sum=%ld\n", sum);
	printf("turn order:");
	for (int i = 0; i < norder; i++)
		printf(" %d", order[i]);
	printf("\nSIGUSR1 handled by thread %d\n", atomic_load(&usr1_thread));
	printf("distinct tids: %s\n", args[0].tid != args[1].tid && args[1].tid != getpid() ? "yes" : "no");
	return counter == NTHREADS * ROUNDS ? 0 : 1;
}
