/*
 * bench/syscall: per-operation latency of a few system calls, in ns per op.
 *
 *   syscall [--file PATH] [--null PATH] [OP|all [ITERATIONS]]
 *
 * For each op (or only OP) it warms up, then times batches of iterations with
 * clock_gettime(CLOCK_MONOTONIC) (served by the vDSO, so the clock itself is not a trapped
 * syscall) and prints one machine-readable line per op, the median batch's ns per op:
 *
 *   getpid 6511.2
 *
 * An op's default count (see --help) is sized so that it takes ~0.3-1 s under the slowest
 * platform (gVisor's ptrace, up to ~100 us per syscall) and is timed as 5 batches of a
 * fifth each; on faster platforms batches are repeated until at least 0.2 s has passed, so
 * they are timed over a meaningful interval too. ITERATIONS replaces the default count
 * (still 5 batches of ITERATIONS/5, and no repeating).
 *
 * The file for open/stat/pread is --file PATH, else $BENCH_FILE, else /bench/file (at least
 * 4 KiB); the sink for write is --null PATH, else /dev/null. Both are plain arguments so
 * the same static binary runs natively, chrooted, in runsc-c and in runsc.
 *
 * Adding an op: write one `static void op_NAME(struct bench *b, long n)` that performs n
 * iterations (die() on any failure) and add one line to ops[] below, with an optional
 * setup/teardown for state kept across iterations (fds, buffers, child processes).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MIN_NS 200000000LL /* a default-length measurement lasts at least 0.2 s */
#define BATCHES 5	   /* timed batches at least; the median one is reported */
#define MAX_BATCHES 8192
#define BUF_SIZE 4096

struct bench {
	const char *file; /* regular file, >= BUF_SIZE bytes */
	const char *null; /* character device that swallows writes */
	const char *self; /* this program's path, for fork+exec (argv[0]) */
	int fd;		  /* per-op state, opened by setup, closed by teardown */
	pid_t child;	  /* ping-pong partner */
	int to_child, from_child;
	char buf[BUF_SIZE];
};

struct op {
	const char *name;
	long iters; /* BATCHES timed batches in all: ~0.3-1 s under gVisor (~100 us/syscall) */
	void (*setup)(struct bench *b);
	void (*run)(struct bench *b, long n);
	void (*teardown)(struct bench *b);
	const char *what;
};

static void die(const char *fmt, ...)
{
	va_list ap;
	int e = errno;

	fputs("syscall: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(e));
	exit(1);
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---- ops ------------------------------------------------------------------------------ */

static void op_getpid(struct bench *b, long n)
{
	(void)b;
	for (long i = 0; i < n; i++)
		if (syscall(SYS_getpid) <= 0) /* raw: glibc may cache getpid() */
			die("getpid");
}

static void op_open_close(struct bench *b, long n)
{
	for (long i = 0; i < n; i++) {
		int fd = open(b->file, O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			die("open %s", b->file);
		if (close(fd) < 0)
			die("close");
	}
}

static void op_stat(struct bench *b, long n)
{
	struct stat st;

	for (long i = 0; i < n; i++)
		if (stat(b->file, &st) < 0)
			die("stat %s", b->file);
}

static void open_file(struct bench *b)
{
	b->fd = open(b->file, O_RDONLY | O_CLOEXEC);
	if (b->fd < 0)
		die("open %s", b->file);
}

static void op_pread(struct bench *b, long n)
{
	for (long i = 0; i < n; i++) {
		ssize_t r = pread(b->fd, b->buf, BUF_SIZE, 0);

		if (r != BUF_SIZE) {
			if (r >= 0)
				errno = EIO;
			die("pread %s returned %zd (is it >= %d bytes?)", b->file, r, BUF_SIZE);
		}
	}
}

static void open_null(struct bench *b)
{
	b->fd = open(b->null, O_WRONLY | O_CLOEXEC);
	if (b->fd < 0)
		die("open %s", b->null);
}

static void op_write_null(struct bench *b, long n)
{
	for (long i = 0; i < n; i++) {
		ssize_t r = write(b->fd, b->buf, BUF_SIZE);

		if (r != BUF_SIZE) {
			if (r >= 0)
				errno = EIO;
			die("write %s returned %zd", b->null, r);
		}
	}
}

static void close_fd(struct bench *b)
{
	close(b->fd);
	b->fd = -1;
}

static void wait_child(pid_t pid)
{
	int status;
	if (waitpid(pid, &status, 0) != pid)
		die("waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		errno = ECHILD;
		die("child exited with status %#x", status);
	}
}

static void op_fork_exit_wait(struct bench *b, long n)
{
	(void)b;
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0)
			_exit(0);
		wait_child(pid);
	}
}

/* The child execs this very program with "--exit", which exits at once. */
static void op_fork_exec_wait(struct bench *b, long n)
{
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0) {
			execl(b->self, b->self, "--exit", (char *)NULL);
			_exit(127);
		}
		wait_child(pid);
	}
}

/* A child that echoes every byte it reads back, until EOF. */
static void start_echo_child(struct bench *b)
{
	int down[2], up[2];
	if (pipe(down) < 0 || pipe(up) < 0)
		die("pipe");
	b->child = fork();
	if (b->child < 0)
		die("fork");
	if (b->child == 0) {
		char c;
		close(down[1]);
		close(up[0]);
		while (read(down[0], &c, 1) == 1)
			if (write(up[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	close(down[0]);
	close(up[1]);
	b->to_child = down[1];
	b->from_child = up[0];
}

static void op_pipe_pingpong(struct bench *b, long n)
{
	char c = 'x';
	for (long i = 0; i < n; i++) {
		if (write(b->to_child, &c, 1) != 1 || read(b->from_child, &c, 1) != 1)
			die("pipe ping-pong");
	}
}

static void stop_echo_child(struct bench *b)
{
	close(b->to_child);
	close(b->from_child);
	wait_child(b->child);
}

static const struct op ops[] = {
	{ "getpid", 5000, NULL, op_getpid, NULL, "syscall(SYS_getpid)" },
	{ "open_close", 2500, NULL, op_open_close, NULL, "open(FILE, O_RDONLY) + close" },
	{ "stat", 4000, NULL, op_stat, NULL, "stat(FILE)" },
	{ "pread_4k", 5000, open_file, op_pread, close_fd, "pread(fd, 4096 bytes, offset 0)" },
	{ "write_null_4k", 5000, open_null, op_write_null, close_fd, "write(/dev/null fd, 4096 bytes)" },
	{ "fork_exit_wait", 300, NULL, op_fork_exit_wait, NULL, "fork + child _exit + waitpid" },
	{ "fork_exec_wait", 100, NULL, op_fork_exec_wait, NULL, "fork + exec of this program + waitpid" },
	{ "pipe_pingpong", 2500, start_echo_child, op_pipe_pingpong, stop_echo_child,
	  "1 byte to a child over a pipe and back (a round trip)" },
};
#define NOPS (sizeof(ops) / sizeof(ops[0]))

/* ---- driver --------------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * Times op in batches of a fifth of its iterations: at least BATCHES of them, and (unless
 * the count was given) more until MIN_NS has passed; prints the median batch's ns per op,
 * so a burst of interference (the host, a noisy neighbour vCPU) does not move the figure.
 */
static void run_op(struct bench *b, const struct op *op, long iters)
{
	static double ns[MAX_BATCHES];
	long n = (iters > 0 ? iters : op->iters) / BATCHES;
	long long total = 0, t0, t;
	int k = 0;

	if (n < 1)
		n = 1;
	if (op->setup)
		op->setup(b);
	op->run(b, n); /* warm-up: caches, lazily built sentry state, branch predictors */
	while (k < BATCHES || (iters <= 0 && total < MIN_NS && k < MAX_BATCHES)) {
		t0 = now_ns();
		op->run(b, n);
		t = now_ns() - t0;
		total += t;
		ns[k++] = (double)t / (double)n;
	}
	if (op->teardown)
		op->teardown(b);
	qsort(ns, (size_t)k, sizeof(ns[0]), cmp_double);
	printf("%s %.1f\n", op->name, k % 2 ? ns[k / 2] : (ns[k / 2 - 1] + ns[k / 2]) / 2);
	fflush(stdout);
}

static void usage(FILE *out)
{
	fprintf(out, "usage: syscall [--file PATH] [--null PATH] [OP|all [ITERATIONS]]\n"
		     "  --file PATH  file for open/stat/pread (default $BENCH_FILE or /bench/file)\n"
		     "  --null PATH  write sink (default /dev/null)\n"
		     "prints one line per op: NAME NS_PER_OP (median of >= %d batches)\n"
		     "ops (default ITERATIONS, what one iteration does):\n", BATCHES);
	for (size_t i = 0; i < NOPS; i++)
		fprintf(out, "  %-14s %-6ld %s\n", ops[i].name, ops[i].iters, ops[i].what);
}

int main(int argc, char **argv)
{
	static struct bench b = { .file = "/bench/file", .null = "/dev/null", .fd = -1 };
	const char *only = NULL;
	long iters = 0;
	int i = 1;

	/* fork_exec_wait's child: nothing to do. */
	if (argc == 2 && !strcmp(argv[1], "--exit"))
		return 0;
	b.self = argv[0];
	if (b.self[0] != '/') {
		fprintf(stderr, "syscall: run me by absolute path (fork_exec_wait execs argv[0])\n");
		return 2;
	}

	if (getenv("BENCH_FILE") && *getenv("BENCH_FILE"))
		b.file = getenv("BENCH_FILE");
	for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if (!strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--file") && i + 1 < argc) {
			b.file = argv[++i];
		} else if (!strcmp(argv[i], "--null") && i + 1 < argc) {
			b.null = argv[++i];
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (i < argc && strcmp(argv[i], "all"))
		only = argv[i];
	if (i < argc)
		i++;
	if (i < argc) {
		char *end;

		errno = 0;
		iters = strtol(argv[i], &end, 10);
		if (errno || *end || iters <= 0) {
			fprintf(stderr, "syscall: bad ITERATIONS %s\n", argv[i]);
			return 2;
		}
		i++;
	}
	if (i < argc) {
		usage(stderr);
		return 2;
	}
	memset(b.buf, 'x', sizeof(b.buf));

	for (size_t k = 0; k < NOPS; k++) {
		if (!only || !strcmp(only, ops[k].name)) {
			run_op(&b, &ops[k], iters);
			if (only)
				return 0;
		}
	}
	if (only) {
		fprintf(stderr, "syscall: unknown op %s\n", only);
		usage(stderr);
		return 2;
	}
	return 0;
}
