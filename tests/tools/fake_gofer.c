/* A gofer that misbehaves, for test_gofer_double.sh: started in the gofer's place
   (RUNSCC_DEBUG_GOFER=fake_gofer, same arguments, the sentry's socket at fd 3), it runs the
   real gofer (FAKE_GOFER_REAL, the runsc-c binary) behind a socketpair of its own and passes
   requests and replies through, so that the sandbox boots and serves files as usual. A walk to
   a file named walk-MODE gets its reply spoilt as MODE says; a file named open-MODE is walked
   as usual and the reply to the OPEN of its fid is spoilt (modes below). FAKE_GOFER_CANARY is
   a host file outside the rootfs that the bad opens hand out; FAKE_GOFER_SLOW_MS is how long
   "slow" waits (default 300). It ends when the sentry closes its end. */
#define _GNU_SOURCE
#include "common/util.h"
#include "fsgofer/protocol.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FIDS_MAX 256
#define REPLY_FDS_MAX 8	/* as many as one message carries (common/util.c) */

/* A reply being passed through: the datagram and the fds with it. */
struct reply {
	unsigned char buf[GOFER_MSG_MAX + 8192];
	size_t len;
	int fds[REPLY_FDS_MAX];
	int nfds;
};

static const char *canary;
static long slow_ms = 300;

/* Fids whose OPEN is to be spoilt, with the mode. */
static struct {
	uint32_t fid;
	char mode[32];
} marked[FIDS_MAX];
static int nmarked;

static void die_msg(const char *what)
{
	fprintf(stderr, "fake_gofer: %s: %s\n", what, strerror(errno));
	exit(2);
}

static int open_canary(int flags)
{
	int fd = open(canary ? canary : "/dev/null", flags | O_CLOEXEC);
	if (fd < 0)
		die_msg(canary ? canary : "/dev/null");
	return fd;
}

static void drop_fds(struct reply *r)
{
	for (int i = 0; i < r->nfds; i++)
		close(r->fds[i]);
	r->nfds = 0;
}

/* The reply carries copies of fd (which it takes) instead of its own fds. */
static void set_fds(struct reply *r, int fd, int copies)
{
	int fds[REPLY_FDS_MAX];

	for (int i = 0; i < copies; i++)
		if ((fds[i] = i == 0 ? fd : fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0)
			die_msg("dup");
	drop_fds(r);
	memcpy(r->fds, fds, sizeof(int) * (size_t)copies);
	r->nfds = copies;
}

static struct gofer_hdr *hdr_of(struct reply *r)
{
	return (struct gofer_hdr *)r->buf;
}

/* The mode a request's names ask for (walk-MODE), or where an open-MODE name is (its index). */
static const char *walk_mode(const unsigned char *req, size_t len, int *open_index,
			     const char **open_mode)
{
	struct gofer_walk_req w;
	size_t off = sizeof(w);
	static char mode[32];

	*open_index = -1;
	if (len < sizeof(w))
		return NULL;
	memcpy(&w, req, sizeof(w));
	for (uint32_t i = 0; i < w.nnames && off + 2 <= len; i++) {
		uint16_t l;
		memcpy(&l, req + off, 2);
		const char *name = (const char *)req + off + 2;
		if (off + 2 + l > len)
			break;
		if (l > 5 && (size_t)(l - 5) < sizeof(mode) && !memcmp(name, "walk-", 5)) {
			memcpy(mode, name + 5, l - 5);
			mode[l - 5] = '\0';
			return mode;
		}
		if (l > 5 && (size_t)(l - 5) < sizeof(mode) && !memcmp(name, "open-", 5)) {
			static char omode[32];
			memcpy(omode, name + 5, l - 5);
			omode[l - 5] = '\0';
			*open_index = (int)i;
			*open_mode = omode;
		}
		off += 2 + l;
	}
	return NULL;
}

static const char *fid_mode(uint32_t fid)
{
	for (int i = 0; i < nmarked; i++)
		if (marked[i].fid == fid)
			return marked[i].mode;
	return NULL;
}

/* Spoils reply r as mode says; returns false if it is not to be sent at all. */
static bool spoil(struct reply *r, const char *mode, int sentry)
{
	struct gofer_hdr *h = hdr_of(r);
	int sv[2];

	if (!strcmp(mode, "hang")) {
		drop_fds(r);
		return false;
	} else if (!strcmp(mode, "slow")) {
		struct timespec ts = { slow_ms / 1000, (slow_ms % 1000) * 1000000 };
		nanosleep(&ts, NULL);
	} else if (!strcmp(mode, "short")) {
		r->len = 10;
	} else if (!strcmp(mode, "empty")) {
		r->len = 0;
	} else if (!strcmp(mode, "badop")) {
		h->op ^= 0x40;
	} else if (!strcmp(mode, "hugelen")) {
		h->len = UINT32_MAX;
	} else if (!strcmp(mode, "long")) {
		memset(r->buf + r->len, 0xa5, 100);
		r->len += 100;
		h->len = (uint32_t)r->len;
	} else if (!strcmp(mode, "oversize")) {
		memset(r->buf + r->len, 0x5a, sizeof(r->buf) - r->len);
		r->len = sizeof(r->buf);
		h->len = (uint32_t)r->len;
	} else if (!strcmp(mode, "baderror")) {
		h->error = -100000;
		h->len = sizeof(*h);
		r->len = sizeof(*h);
	} else if (!strcmp(mode, "poserror")) {
		h->error = 5;
		h->len = sizeof(*h);
		r->len = sizeof(*h);
	} else if (!strcmp(mode, "errbody")) {
		h->error = -ENOENT;
	} else if (!strcmp(mode, "badtag")) {
		h->tag += 3;
	} else if (!strcmp(mode, "fds")) {
		/* Fds where none are expected (or more than asked for): a host file opened for
		   writing, several times. */
		int extra = r->nfds;
		for (int i = 0; extra + i < REPLY_FDS_MAX; i++)
			r->fds[r->nfds++] = open_canary(O_RDWR);
	} else if (!strcmp(mode, "twice")) {
		/* The same reply, fds and all, once more before it. */
		if (sock_send_fds(sentry, r->buf, r->len, r->fds, r->nfds) < 0)
			die_msg("send");
	} else if (!strcmp(mode, "nwalked")) {
		struct gofer_walk_reply w;
		memcpy(&w, r->buf, sizeof(w));
		w.nwalked = UINT32_MAX;
		memcpy(r->buf, &w, sizeof(w));
	} else if (!strcmp(mode, "badtype") || !strcmp(mode, "negsize")) {
		/* Every entry's attributes. */
		struct gofer_walk_reply w;
		memcpy(&w, r->buf, sizeof(w));
		for (uint32_t i = 0; i < w.nwalked && sizeof(w) + (i + 1) * sizeof(struct gofer_walk_entry) <= r->len; i++) {
			struct gofer_walk_entry e;
			unsigned char *at = r->buf + sizeof(w) + i * sizeof(e);
			memcpy(&e, at, sizeof(e));
			if (!strcmp(mode, "badtype"))
				e.attr.mode |= 0170000;
			else
				e.attr.size = -4096;
			memcpy(at, &e, sizeof(e));
		}
	} else if (!strcmp(mode, "rw")) {
		set_fds(r, open_canary(O_RDWR), 1);
	} else if (!strcmp(mode, "other")) {
		set_fds(r, open_canary(O_RDONLY), 1);
	} else if (!strcmp(mode, "dir")) {
		int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			die_msg("/");
		set_fds(r, fd, 1);
	} else if (!strcmp(mode, "path")) {
		int fd = open(canary ? canary : "/dev/null", O_PATH | O_CLOEXEC);
		if (fd < 0)
			die_msg("O_PATH");
		set_fds(r, fd, 1);
	} else if (!strcmp(mode, "sock")) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
			die_msg("socketpair");
		close(sv[1]);
		set_fds(r, sv[0], 1);
	} else if (!strcmp(mode, "nofd")) {
		drop_fds(r);
	} else if (!strcmp(mode, "extra")) {
		/* The right description and more copies than asked for. */
		if (r->nfds > 0)
			set_fds(r, fcntl(r->fds[0], F_DUPFD_CLOEXEC, 0), REPLY_FDS_MAX);
	} else {
		fprintf(stderr, "fake_gofer: unknown mode %s\n", mode);
	}
	return true;
}

int main(int argc, char **argv)
{
	const char *real = getenv("FAKE_GOFER_REAL");
	const char *slow = getenv("FAKE_GOFER_SLOW_MS");
	int sv[2], sentry = 3;
	static struct reply reply;
	static unsigned char req[GOFER_MSG_MAX];

	(void)argc;
	canary = getenv("FAKE_GOFER_CANARY");
	if (slow)
		slow_ms = atol(slow);
	if (!real) {
		fprintf(stderr, "fake_gofer: FAKE_GOFER_REAL (the runsc-c to run the real gofer of) is not set\n");
		return 2;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		die_msg("socketpair");
	pid_t pid = fork();
	if (pid < 0)
		die_msg("fork");
	if (pid == 0) {
		if (dup2(sv[1], 3) < 0)
			_exit(125);
		execv(real, argv);
		_exit(125);
	}
	close(sv[1]);
	for (;;) {
		int nfds = 0;
		ssize_t n = sock_recv_fds(sentry, req, sizeof(req), NULL, &nfds);
		const char *mode = NULL, *open_mode = NULL;
		int open_index = -1;
		struct gofer_hdr h;

		if (n <= 0)
			break;
		if ((size_t)n >= sizeof(h)) {
			memcpy(&h, req, sizeof(h));
			if (h.op == GOFER_OP_WALK)
				mode = walk_mode(req, (size_t)n, &open_index, &open_mode);
			else if (h.op == GOFER_OP_OPEN && (size_t)n >= sizeof(struct gofer_open_req))
				mode = fid_mode(((struct gofer_open_req *)(void *)req)->fid);
		}
		if (sock_send_fds(sv[0], req, (size_t)n, NULL, 0) < 0)
			break;
		reply.nfds = REPLY_FDS_MAX;
		n = sock_recv_fds(sv[0], reply.buf, GOFER_MSG_MAX, reply.fds, &reply.nfds);
		if (n <= 0)
			break;
		reply.len = (size_t)n;
		if (open_index >= 0 && nmarked < FIDS_MAX && reply.len >= sizeof(struct gofer_walk_reply)) {
			struct gofer_walk_reply w;
			struct gofer_walk_entry e;
			memcpy(&w, reply.buf, sizeof(w));
			if ((uint32_t)open_index < w.nwalked &&
			    sizeof(w) + ((size_t)open_index + 1) * sizeof(e) <= reply.len) {
				memcpy(&e, reply.buf + sizeof(w) + (size_t)open_index * sizeof(e), sizeof(e));
				marked[nmarked].fid = e.fid;
				snprintf(marked[nmarked++].mode, sizeof(marked[0].mode), "%s", open_mode);
			}
		}
		if (mode && !spoil(&reply, mode, sentry))
			continue;
		n = sock_send_fds(sentry, reply.buf, reply.len, reply.fds, reply.nfds);
		drop_fds(&reply);
		if (n < 0 && n != -EMSGSIZE) {
			fprintf(stderr, "fake_gofer: sending a reply: %s\n", strerror((int)-n));
			break;
		}
	}
	close(sentry);
	close(sv[0]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return 0;
}
