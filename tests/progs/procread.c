/* A process for tests/integration/test_proc.sh to look at through /proc.

   procread threads N: starts N-1 more threads, opens /etc/passwd (fd 3) and a pipe
   (fds 4, 5), checks from each thread that /proc/thread-self names that thread, prints
   "ready PID TID..." and waits for a signal (pause: restarted, never timed out).
   procread self: prints what the process sees of itself (its pid, and /proc/self/task).
   procread runas UID PROG ARGS...: drops to user and group UID (no supplementary groups) and
   execs PROG. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <grp.h>
#include <unistd.h>

#define MAX_THREADS 16

static pthread_barrier_t started;
static pid_t tids[MAX_THREADS];
static int failures;

/* /proc/thread-self must be PID/task/TID for the calling thread. */
static void check_thread_self(int i)
{
	char link[64], want[64];
	pid_t tid = (pid_t)syscall(SYS_gettid);
	ssize_t n = readlink("/proc/thread-self", link, sizeof(link) - 1);
	tids[i] = tid;
	snprintf(want, sizeof(want), "%d/task/%d", getpid(), tid);
	if (n < 0 || (link[n] = '\0', strcmp(link, want)) != 0) {
		fprintf(stderr, "procread: /proc/thread-self is %s, want %s\n", n < 0 ? strerror(errno) : link,
			want);
		__atomic_add_fetch(&failures, 1, __ATOMIC_SEQ_CST);
	}
}

static void *thread_main(void *arg)
{
	check_thread_self((int)(long)arg);
	pthread_barrier_wait(&started);
	for (;;)
		pause();
	return NULL;
}

static int threads(int n)
{
	int p[2];
	if (n < 1 || n > MAX_THREADS)
		return 2;
	if (open("/etc/passwd", O_RDONLY) != 3 || pipe(p) < 0 || p[0] != 4 || p[1] != 5) {
		fprintf(stderr, "procread: fds 3-5 are not what the test expects\n");
		return 1;
	}
	pthread_barrier_init(&started, NULL, (unsigned)n);
	for (int i = 1; i < n; i++) {
		pthread_t th;
		if (pthread_create(&th, NULL, thread_main, (void *)(long)i) != 0)
			return 1;
	}
	check_thread_self(0);
	pthread_barrier_wait(&started);
	if (failures)
		return 1;
	printf("ready %d", getpid());
	for (int i = 0; i < n; i++)
		printf(" %d", tids[i]);
	printf("\n");
	fflush(stdout);
	for (;;)
		pause();
}

static int self(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	if (!d)
		return 1;
	printf("pid %d tasks", getpid());
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			printf(" %s", e->d_name);
	printf("\n");
	closedir(d);
	return 0;
}

static int runas(uid_t id, char **argv)
{
	if (setgroups(0, NULL) < 0 || setresgid(id, id, id) < 0 || setresuid(id, id, id) < 0) {
		perror("procread: dropping to the user");
		return 1;
	}
	execv(argv[0], argv);
	perror("procread: exec");
	return 127;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "runas"))
		return runas((uid_t)atoi(argv[2]), argv + 3);
	if (argc == 3 && !strcmp(argv[1], "threads"))
		return threads(atoi(argv[2]));
	if (argc == 2 && !strcmp(argv[1], "self"))
		return self();
	fprintf(stderr, "usage: procread threads N | procread self | procread runas UID PROG ARGS...\n");
	return 2;
}
