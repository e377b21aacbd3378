#define _GNU_SOURCE
#include "guest_check.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void say(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(1, buf, (size_t)n) < 0)
		_exit(99);
}

const char *en(int e)
{
	const char *s = strerrorname_np(e);
	return s ? s : "E?";
}

const char *res(long r)
{
	return r < 0 ? en(errno) : "ok";
}

const char *nres(long n)
{
	char *b = say_buffer();
	if (n < 0)
		snprintf(b, SAY_BUFFER_SIZE, "%s", en(errno));
	else
		snprintf(b, SAY_BUFFER_SIZE, "%ld", n);
	return b;
}

const char *yesno(int b)
{
	return b ? "yes" : "no";
}

const char *sname(int sig)
{
	const char *s = sigabbrev_np(sig);
	return s ? s : "?";
}

void msleep(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

pid_t xfork(void)
{
	pid_t p = fork();
	if (p < 0) {
		say("fork failed: %s", en(errno));
		exit(1);
	}
	return p;
}

int wait_status(pid_t pid)
{
	int st = -1;
	while (waitpid(pid, &st, __WALL) < 0 && errno == EINTR)
		;
	return st;
}

void write_int(int fd, int v)
{
	if (write(fd, &v, sizeof(v)) != sizeof(v))
		_exit(98);
}

int read_int(int fd)
{
	int v = -12345;
	ssize_t n;
	while ((n = read(fd, &v, sizeof(v))) < 0 && errno == EINTR)
		;
	return n == sizeof(v) ? v : -12345;
}

char *say_buffer(void)
{
	static char bufs[4][SAY_BUFFER_SIZE];
	static unsigned next;
	return bufs[next++ % 4];
}
