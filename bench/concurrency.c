/* Syscall throughput of several guest processes at once: N processes each loop over one
   workload for a fixed time; prints the total operations per second of all of them, one
   "WORKLOAD_N VALUE" line per workload and N.

     concurrency [--file PATH] [--seconds S] [N...]   (default N: 1 2 8 32, S: 2)

   Workloads: "file", one open/read/close plus one stat of PATH (four syscalls, the VFS and
   fd table), and "getpid", one raw getpid (the bare trap round trip). The workers start
   together (a pipe the parent closes) and count until the deadline; their counts come back
   through a pipe. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 16 operations; false on a failed call. */
static bool file_ops(const char *file)
{
	char buf[4096];
	struct stat st;
	for (int i = 0; i < 16; i++) {
		int fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return false;
		if (read(fd, buf, sizeof(buf)) < 0 || close(fd) < 0 || stat(file, &st) < 0)
			return false;
	}
	return true;
}

static bool getpid_ops(const char *file)
{
	(void)file;
	for (int i = 0; i < 16; i++)
		if (syscall(SYS_getpid) <= 0)
			return false;
	return true;
}

struct workload {
	const char *name;
	bool (*ops16)(const char *file);
};

static const struct workload workloads[] = {
	{ "file", file_ops },
	{ "getpid", getpid_ops },
};

static uint64_t worker(const struct workload *w, const char *file, double seconds, int go)
{
	char c;
	uint64_t ops = 0;

	if (read(go, &c, 1) < 0)
		return 0;
	double end = now() + seconds;
	while (now() < end) {
		if (!w->ops16(file))
			return 0;
		ops += 16;
	}
	return ops;
}

/* Total operations per second of n workers, or a negative value on failure. */
static double run(const struct workload *w, const char *file, double seconds, int n)
{
	int go[2], counts[2];
	if (pipe(go) < 0 || pipe(counts) < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0)
			return -1;
		if (pid == 0) {
			close(go[1]);
			close(counts[0]);
			uint64_t ops = worker(w, file, seconds, go[0]);
			_exit(write(counts[1], &ops, sizeof(ops)) == sizeof(ops) && ops > 0 ? 0 : 1);
		}
	}
	close(go[0]);
	close(counts[1]);
	double start = now();
	close(go[1]);
	uint64_t total = 0, ops;
	int got = 0;
	while (read(counts[0], &ops, sizeof(ops)) == sizeof(ops)) {
		total += ops;
		got++;
	}
	double elapsed = now() - start;
	close(counts[0]);
	int failed = 0, status;
	while (wait(&status) > 0)
		failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	if (failed || got != n || elapsed <= 0)
		return -1;
	return (double)total / elapsed;
}

int main(int argc, char **argv)
{
	const char *file = "/bench/file";
	double seconds = 2;
	int i = 1;

	for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (!strcmp(argv[i], "--file")) {
			file = argv[i + 1];
		} else if (!strcmp(argv[i], "--seconds")) {
			seconds = atof(argv[i + 1]);
		} else {
			fprintf(stderr, "usage: concurrency [--file PATH] [--seconds S] [N...]\n");
			return 2;
		}
	}
	static const int defaults[] = { 1, 2, 8, 32 };
	int nn = argc - i > 0 ? argc - i : (int)(sizeof(defaults) / sizeof(defaults[0]));
	for (int k = 0; k < nn; k++) {
		int n = argc - i > 0 ? atoi(argv[i + k]) : defaults[k];
		if (n < 1 || n > 1024) {
			fprintf(stderr, "concurrency: bad N %s\n", argv[i + k]);
			return 2;
		}
		for (size_t j = 0; j < sizeof(workloads) / sizeof(workloads[0]); j++) {
			const struct workload *w = &workloads[j];
			double rate = run(w, file, seconds, n);
			if (rate < 0) {
				fprintf(stderr, "concurrency: %s, %d processes: %s\n", w->name, n,
					strerror(errno ? errno : EIO));
				return 1;
			}
			printf("%s_%d %.0f\n", w->name, n, rate);
			fflush(stdout);
		}
	}
	return 0;
}
