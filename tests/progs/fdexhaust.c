/* Opens fds of every kind until they run out (test_faults.sh runs it with the sentry's own
   RLIMIT_NOFILE lowered): files, directories, pipes, unix socket pairs, eventfds, memfds,
   epoll instances, dups. Prints
       opened N
       errors E1 E2 ...    (the distinct errno names of the failed calls, sorted by first seen)
       after ok|<errno>    (once all are closed: an open and a pipe work again)
   and exits 0. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/guest_check.h"

#define MAX_FDS 4096

static int fds[MAX_FDS];
static int nfds;
static int seen[8];
static int nseen;

static void note(long r, int count)
{
	if (r >= 0) {
		for (int i = 0; i < count && nfds < MAX_FDS; i++)
			nfds++;
		return;
	}
	for (int i = 0; i < nseen; i++)
		if (seen[i] == errno)
			return;
	if (nseen < 8)
		seen[nseen++] = errno;
}

int main(void)
{
	int failures = 0;
	for (int round = 0; nfds < MAX_FDS - 2 && failures < 64; round++) {
		int before = nfds, p[2];
		long r;
		switch (round % 8) {
		case 0: r = fds[nfds] = open("/etc/passwd", O_RDONLY); note(r, 1); break;
		case 1: r = fds[nfds] = open("/", O_RDONLY | O_DIRECTORY); note(r, 1); break;
		case 2:
			r = pipe(p);
			if (r == 0) {
				fds[nfds] = p[0];
				fds[nfds + 1] = p[1];
			}
			note(r, 2);
			break;
		case 3:
			r = socketpair(AF_UNIX, SOCK_STREAM, 0, p);
			if (r == 0) {
				fds[nfds] = p[0];
				fds[nfds + 1] = p[1];
			}
			note(r, 2);
			break;
		case 4: r = fds[nfds] = eventfd(0, 0); note(r, 1); break;
		case 5: r = fds[nfds] = memfd_create("x", 0); note(r, 1); break;
		case 6: r = fds[nfds] = epoll_create1(0); note(r, 1); break;
		default: r = fds[nfds] = nfds ? dup(fds[0]) : -1; note(r, 1); break;
		}
		failures = nfds == before ? failures + 1 : 0;
	}
	say("opened %d", nfds);
	char list[256] = "";
	for (int i = 0; i < nseen; i++) {
		strcat(list, " ");
		strcat(list, en(seen[i]));
	}
	say("errors%s", list);
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	int fd = open("/etc/passwd", O_RDONLY), p[2];
	int ok = fd >= 0 && pipe(p) == 0;
	say("after %s", ok ? "ok" : en(errno));
	return 0;
}
