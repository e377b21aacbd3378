/* Loopback socket costs: TCP 1-byte request/response round trips, TCP bulk throughput over
   one connection, unix-socket 1-byte round trips. A forked peer serves each; prints one
   "NAME VALUE" line per measure.

     net [--roundtrips N] [--bytes B]   (default N: 20000, B: 1 GiB) */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (256 * 1024)

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* A connected TCP pair on 127.0.0.1 (server side in *srv), TCP_NODELAY on both. */
static void tcp_pair(int *cli, int *srv)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	if (l < 0 || bind(l, (struct sockaddr *)&a, len) < 0 || listen(l, 1) < 0 ||
	    getsockname(l, (struct sockaddr *)&a, &len) < 0)
		die("listen");
	*cli = socket(AF_INET, SOCK_STREAM, 0);
	if (*cli < 0 || connect(*cli, (struct sockaddr *)&a, len) < 0)
		die("connect");
	*srv = accept(l, NULL, NULL);
	if (*srv < 0)
		die("accept");
	setsockopt(*cli, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(*srv, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	close(l);
}

/* Microseconds per 1-byte round trip between fd a (here) and b (a forked echoer). */
static double pingpong(int a, int b, long n)
{
	char c = 'x';
	pid_t pid = fork();
	if (pid == 0) {
		close(a);
		while (read(b, &c, 1) == 1 && write(b, &c, 1) == 1)
			;
		_exit(0);
	}
	close(b);
	double t0 = now();
	for (long i = 0; i < n; i++)
		if (write(a, &c, 1) != 1 || read(a, &c, 1) != 1)
			die("ping-pong");
	double us = (now() - t0) * 1e6 / (double)n;
	close(a);
	waitpid(pid, NULL, 0);
	return us;
}

/* MB/s (10^6 bytes) of bytes sent from a forked writer on b to a reader on a. */
static double bulk(int a, int b, uint64_t bytes)
{
	static char buf[CHUNK];
	pid_t pid = fork();
	if (pid == 0) {
		close(a);
		for (uint64_t sent = 0; sent < bytes;) {
			size_t want = bytes - sent < CHUNK ? (size_t)(bytes - sent) : CHUNK;
			ssize_t w = write(b, buf, want);
			if (w <= 0)
				_exit(1);
			sent += (uint64_t)w;
		}
		_exit(0);
	}
	close(b);
	double t0 = now();
	uint64_t got = 0;
	ssize_t r;
	while (got < bytes && (r = read(a, buf, CHUNK)) > 0)
		got += (uint64_t)r;
	double secs = now() - t0;
	close(a);
	int status;
	waitpid(pid, &status, 0);
	if (got != bytes || !WIFEXITED(status) || WEXITSTATUS(status))
		die("bulk transfer incomplete");
	return (double)bytes / secs / 1e6;
}

int main(int argc, char **argv)
{
	long n = 20000;
	uint64_t bytes = UINT64_C(1) << 30;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--roundtrips"))
			n = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--bytes"))
			bytes = strtoull(argv[i + 1], NULL, 10);
	}
	int a, b, sv[2];
	tcp_pair(&a, &b);
	printf("tcp_pingpong_us %.2f\n", pingpong(a, b, n));
	fflush(stdout);
	tcp_pair(&a, &b);
	printf("tcp_bulk_MBps %.1f\n", bulk(a, b, bytes));
	fflush(stdout);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		die("socketpair");
	printf("unix_pingpong_us %.2f\n", pingpong(sv[0], sv[1], n));
	return 0;
}
