/* The sentry's side of the gofer protocol. The gofer is another process, less trusted than the
   sentry: every reply is checked against the request before anything in it is used, and any
   mismatch is -EIO. */
#define _GNU_SOURCE
#include "fsgofer/client.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>

/* Largest errno the kernel hands out; a reply's error must be in [-MAX_ERRNO, -1]. */
#define MAX_ERRNO 4095

static struct gofer_client *client_lock(struct gofer_client *c)
{
	pthread_mutex_lock(&c->lock);
	return c;
}

static void client_unlockp(struct gofer_client **c)
{
	pthread_mutex_unlock(&(*c)->lock);
}

/* Holds c->lock until the end of the enclosing scope. */
#define CLIENT_LOCKED(c) \
	__attribute__((cleanup(client_unlockp))) struct gofer_client *locked_client_ = client_lock(c)

void gofer_client_init(struct gofer_client *c, int sock)
{
	c->sock = sock;
	c->tag = 0;
	c->dead = false;
	pthread_mutex_init(&c->lock, NULL);
	gofer_client_set_timeout(c, GOFER_REPLY_TIMEOUT_MS);
}

int gofer_client_set_timeout(struct gofer_client *c, unsigned ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	if (setsockopt(c->sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(c->sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		return -errno;
	return 0;
}

/* Replies to earlier requests (a gofer answering twice) skipped before one call gives up. */
#define STALE_REPLIES_MAX 16

static void close_fds(const int *fds, int n)
{
	for (int i = 0; i < n; i++)
		close(fds[i]);
}

/* Takes the gofer for dead: every later call fails at once, so that a reply it sends late is
   never read as the answer to another request. */
static ssize_t client_dead(struct gofer_client *c, const char *why)
{
	if (!c->dead)
		log_error("the gofer %s: every file operation through it fails with EIO from now on",
			  why);
	c->dead = true;
	return -EIO;
}

/* Receives the reply to the request tagged tag into c->buf, skipping replies to earlier
   requests; returns its length (the header's tag checked, nothing else), -ENFILE (fds that
   did not fit), or -EIO. */
static ssize_t client_recv(struct gofer_client *c, uint32_t tag, int *got, int *ngot)
{
	int cap = *ngot;

	for (int stale = 0; stale <= STALE_REPLIES_MAX; stale++) {
		struct gofer_hdr hdr;
		ssize_t n;

		*ngot = cap;
		n = sock_recv_fds(c->sock, c->buf, sizeof(c->buf), got, ngot);
		if (n == -EAGAIN)
			return client_dead(c, "did not answer in time");
		/* A datagram over GOFER_MSG_MAX was cut and consumed: garbage, not a lost link. */
		if (n == -ENFILE || n == -EMSGSIZE)
			return n == -ENFILE ? n : -EIO;
		if (n < 0)
			return client_dead(c, "connection failed");
		/* Short, or empty: a SOCK_SEQPACKET end of stream reads as an empty datagram; a
		   gofer that is gone fails the next send. */
		if ((size_t)n < sizeof(hdr))
			return -EIO;
		memcpy(&hdr, c->buf, sizeof(hdr));
		if (hdr.tag == tag)
			return n;
		close_fds(got, *ngot);
		*ngot = 0;
		/* Only a request already answered is older; a tag never sent is garbage. */
		if (tag - hdr.tag > STALE_REPLIES_MAX || hdr.tag == 0)
			return -EIO;
	}
	return client_dead(c, "keeps sending replies to earlier requests");
}

/* Sends the req_len-byte request in c->buf, receives the reply into c->buf and checks its
   header. Returns the reply's length, or the error the gofer answered, or -EIO. With fds, the
   reply must carry between 1 and *nfds fds, returned there (*nfds: how many). */
static ssize_t client_call(struct gofer_client *c, size_t req_len, int *fds, int *nfds)
{
	struct gofer_hdr req_hdr, reply_hdr;
	int got[GOFER_OPEN_MAX];
	int ngot = fds ? *nfds : 0;
	ssize_t n;

	if (c->dead)
		return -EIO;
	memcpy(&req_hdr, c->buf, sizeof(req_hdr));
	req_hdr.tag = ++c->tag ? c->tag : ++c->tag;
	memcpy(c->buf, &req_hdr, sizeof(req_hdr));
	n = sock_send_fds(c->sock, c->buf, req_len, NULL, 0);
	if (n < 0)
		return client_dead(c, n == -EAGAIN ? "did not take a request in time" : "connection failed");
	n = client_recv(c, req_hdr.tag, got, &ngot);
	if (n >= 0) {
		memcpy(&reply_hdr, c->buf, sizeof(reply_hdr));
		if (reply_hdr.op != req_hdr.op || reply_hdr.len != (size_t)n)
			n = -EIO;
		else if (reply_hdr.error != 0)
			n = reply_hdr.error < -MAX_ERRNO || reply_hdr.error > 0 ||
					    (size_t)n != sizeof(reply_hdr)
				    ? -EIO
				    : reply_hdr.error;
		else if (fds && ngot == 0)
			n = -EIO;
	}
	if (n < 0 || !fds) {
		close_fds(got, ngot);
		return n;
	}
	memcpy(fds, got, sizeof(int) * (size_t)ngot);
	*nfds = ngot;
	return n;
}

/* Sends a request with a fixed size and no names; returns the reply's length or -errno. */
static ssize_t client_call_fixed(struct gofer_client *c, const void *req, size_t req_len, int *fds,
				 int *nfds)
{
	memcpy(c->buf, req, req_len);
	return client_call(c, req_len, fds, nfds);
}

/* A call whose reply starts with a fixed part of reply_len bytes (copied to reply): the
   whole reply's length, or -errno (-EIO for a shorter one). */
static ssize_t client_call_reply(struct gofer_client *c, const void *req, size_t req_len,
				 void *reply, size_t reply_len)
{
	ssize_t n = client_call_fixed(c, req, req_len, NULL, NULL);
	if (n >= 0 && (size_t)n < reply_len)
		return -EIO;
	if (n >= 0)
		memcpy(reply, c->buf, reply_len);
	return n;
}

static struct gofer_hdr request_hdr(enum gofer_op op, size_t len)
{
	return (struct gofer_hdr){ .op = op, .len = (uint32_t)len };
}

/* Attributes a host's stat can give: a known file type, sizes and times in range. The sentry
   shows them to the guest and computes with them. */
static bool attr_valid(const struct gofer_attr *a)
{
	switch (a->mode & S_IFMT) {
	case S_IFREG: case S_IFDIR: case S_IFLNK: case S_IFIFO: case S_IFSOCK: case S_IFCHR:
	case S_IFBLK:
		break;
	default:
		return false;
	}
	return a->size >= 0 && a->blocks >= 0 && a->blksize >= 0 && a->atime_nsec >= 0 &&
	       a->atime_nsec < 1000000000 && a->mtime_nsec >= 0 && a->mtime_nsec < 1000000000 &&
	       a->ctime_nsec >= 0 && a->ctime_nsec < 1000000000;
}

/* A reply that is a bare header. */
static int bare_reply(ssize_t n)
{
	if (n < 0)
		return (int)n;
	return (size_t)n == sizeof(struct gofer_hdr) ? 0 : -EIO;
}

int gofer_attach(struct gofer_client *c, uint32_t root, uint32_t *fid, uint32_t *flags,
		 struct gofer_attr *attr)
{
	CLIENT_LOCKED(c);
	struct gofer_attach_req req = { .hdr = request_hdr(GOFER_OP_ATTACH, sizeof(req)), .root = root };
	struct gofer_attach_reply reply;
	ssize_t n = client_call_fixed(c, &req, sizeof(req), NULL, NULL);

	if (n < 0)
		return (int)n;
	if ((size_t)n != sizeof(reply))
		return -EIO;
	memcpy(&reply, c->buf, sizeof(reply));
	if (!attr_valid(&reply.attr))
		return -EIO;
	*fid = reply.fid;
	*flags = reply.flags;
	*attr = reply.attr;
	return 0;
}

/* Checks a WALK reply for n names: between 1 and n entries, only directories before the last,
   and a reason to have stopped early that agrees with the last entry. */
static int walk_check_reply(const struct gofer_client *c, size_t len, int n,
			    const struct gofer_walk_reply *reply)
{
	struct gofer_walk_entry entry = { 0 };
	bool ok;

	if (reply->nwalked < 1 || reply->nwalked > (uint32_t)n ||
	    len != sizeof(*reply) + reply->nwalked * sizeof(entry))
		return -EIO;
	for (uint32_t i = 0; i < reply->nwalked; i++) {
		memcpy(&entry, c->buf + sizeof(*reply) + i * sizeof(entry), sizeof(entry));
		if (!attr_valid(&entry.attr) || (i + 1 < reply->nwalked && !S_ISDIR(entry.attr.mode)))
			return -EIO;
	}
	if (reply->stop_error > 0 || reply->stop_error < -MAX_ERRNO)
		return -EIO;
	if (reply->nwalked == (uint32_t)n)
		ok = reply->stop_error == 0;
	else if (S_ISLNK(entry.attr.mode))
		ok = reply->stop_error == 0;
	else if (S_ISDIR(entry.attr.mode))
		ok = reply->stop_error != 0;
	else
		ok = reply->stop_error == -ENOTDIR;
	return ok ? 0 : -EIO;
}

int gofer_walk(struct gofer_client *c, uint32_t fid, const char *const *names, int n,
	       struct gofer_walk_result *out, int *stop_error)
{
	CLIENT_LOCKED(c);
	struct gofer_walk_req req = { .fid = fid, .nnames = (uint32_t)n };
	struct gofer_walk_reply reply;
	size_t len = sizeof(req);
	ssize_t r;

	if (n < 1 || n > GOFER_WALK_MAX)
		return -EINVAL;
	/* GOFER_WALK_MAX names of GOFER_NAME_MAX bytes fit in one request. */
	for (int i = 0; i < n; i++) {
		size_t name_len = strnlen(names[i], GOFER_NAME_MAX + 1);
		uint16_t wire_len = (uint16_t)name_len;

		if (name_len > GOFER_NAME_MAX)
			return -ENAMETOOLONG;
		memcpy(c->buf + len, &wire_len, sizeof(wire_len));
		memcpy(c->buf + len + sizeof(wire_len), names[i], name_len);
		len += sizeof(wire_len) + name_len;
	}
	req.hdr = request_hdr(GOFER_OP_WALK, len);
	memcpy(c->buf, &req, sizeof(req));
	r = client_call(c, len, NULL, NULL);
	if (r < 0)
		return (int)r;
	if ((size_t)r < sizeof(reply))
		return -EIO;
	memcpy(&reply, c->buf, sizeof(reply));
	r = walk_check_reply(c, (size_t)r, n, &reply);
	if (r < 0)
		return (int)r;
	for (uint32_t i = 0; i < reply.nwalked; i++) {
		struct gofer_walk_entry entry;

		memcpy(&entry, c->buf + sizeof(reply) + i * sizeof(entry), sizeof(entry));
		out[i] = (struct gofer_walk_result){ .fid = entry.fid, .attr = entry.attr };
	}
	*stop_error = reply.stop_error;
	return (int)reply.nwalked;
}

/* A STAT reply of length n (or the error n) in c->buf. */
static int stat_reply(const struct gofer_client *c, ssize_t n, struct gofer_attr *attr)
{
	struct gofer_stat_reply reply;

	if (n < 0)
		return (int)n;
	if ((size_t)n != sizeof(reply))
		return -EIO;
	memcpy(&reply, c->buf, sizeof(reply));
	if (!attr_valid(&reply.attr))
		return -EIO;
	*attr = reply.attr;
	return 0;
}

int gofer_stat(struct gofer_client *c, uint32_t fid, struct gofer_attr *attr)
{
	CLIENT_LOCKED(c);
	struct gofer_fid_req req = { .hdr = request_hdr(GOFER_OP_STAT, sizeof(req)), .fid = fid };

	return stat_reply(c, client_call_fixed(c, &req, sizeof(req), NULL, NULL), attr);
}

int gofer_open(struct gofer_client *c, uint32_t fid, uint32_t flags, int *fds, int count)
{
	CLIENT_LOCKED(c);
	struct gofer_open_req req = { .hdr = request_hdr(GOFER_OP_OPEN, sizeof(req)), .fid = fid,
				      .flags = flags, .count = (uint32_t)count };
	int nfds = count;

	if (count < 1 || count > GOFER_OPEN_MAX)
		return -EINVAL;
	ssize_t n = client_call_fixed(c, &req, sizeof(req), fds, &nfds);
	if (n < 0)
		return (int)n;
	if ((size_t)n != sizeof(struct gofer_hdr)) {
		close_fds(fds, nfds);
		return -EIO;
	}
	return nfds;
}

/* Checks every entry of a READDIR reply before any is handed out, so that a caller never sees
   part of a listing that turns out broken. */
static int readdir_check_reply(const struct gofer_client *c, size_t len,
			       const struct gofer_readdir_reply *reply)
{
	size_t off = sizeof(*reply);

	if (reply->eof > 1 || (reply->count == 0 && !reply->eof))
		return -EIO;
	for (uint32_t i = 0; i < reply->count; i++) {
		struct gofer_dirent entry;

		if (len - off < sizeof(entry))
			return -EIO;
		memcpy(&entry, c->buf + off, sizeof(entry));
		if (len - off < GOFER_DIRENT_SIZE(entry.namelen) ||
		    gofer_check_name((const char *)c->buf + off + sizeof(entry), entry.namelen) < 0)
			return -EIO;
		off += GOFER_DIRENT_SIZE(entry.namelen);
	}
	return off == len ? 0 : -EIO;
}

int gofer_readdir(struct gofer_client *c, uint32_t fid, uint64_t cookie, gofer_dirent_fn fn,
		  void *ctx, uint64_t *next_cookie)
{
	CLIENT_LOCKED(c);
	struct gofer_readdir_req req = { .hdr = request_hdr(GOFER_OP_READDIR, sizeof(req)),
					 .fid = fid, .cookie = cookie };
	struct gofer_readdir_reply reply;
	size_t off = sizeof(reply);
	ssize_t n = client_call_reply(c, &req, sizeof(req), &reply, sizeof(reply));
	int r;

	if (n < 0)
		return (int)n;
	r = readdir_check_reply(c, (size_t)n, &reply);
	if (r < 0)
		return r;
	*next_cookie = cookie;
	for (uint32_t i = 0; i < reply.count; i++) {
		struct gofer_dirent entry;

		memcpy(&entry, c->buf + off, sizeof(entry));
		*next_cookie = entry.next_cookie;
		if (fn(ctx, (const char *)c->buf + off + sizeof(entry), entry.namelen, entry.ino,
		       entry.type, entry.next_cookie))
			return i + 1 == reply.count && reply.eof ? 1 : 0;
		off += GOFER_DIRENT_SIZE(entry.namelen);
	}
	return reply.eof ? 1 : 0;
}

int gofer_readlink(struct gofer_client *c, uint32_t fid, char *buf, size_t size)
{
	CLIENT_LOCKED(c);
	struct gofer_fid_req req = { .hdr = request_hdr(GOFER_OP_READLINK, sizeof(req)), .fid = fid };
	struct gofer_readlink_reply reply;
	ssize_t n = client_call_reply(c, &req, sizeof(req), &reply, sizeof(reply));

	if (n < 0)
		return (int)n;
	if (reply.len == 0 || reply.len > GOFER_PATH_MAX || (size_t)n != sizeof(reply) + reply.len)
		return -EIO;
	if (reply.len > size)
		return -ERANGE;
	memcpy(buf, c->buf + sizeof(reply), reply.len);
	return (int)reply.len;
}

int gofer_xattrs(struct gofer_client *c, uint32_t fid, gofer_xattr_fn fn, void *ctx)
{
	CLIENT_LOCKED(c);
	struct gofer_fid_req req = { .hdr = request_hdr(GOFER_OP_XATTRS, sizeof(req)), .fid = fid };
	struct gofer_xattrs_reply reply;
	ssize_t n = client_call_reply(c, &req, sizeof(req), &reply, sizeof(reply));

	if (n < 0)
		return (int)n;
	size_t off = sizeof(reply);
	for (uint32_t i = 0; i < reply.count; i++) {
		struct gofer_xattr_entry e;
		if ((size_t)n - off < sizeof(e))
			return -EIO;
		memcpy(&e, c->buf + off, sizeof(e));
		off += sizeof(e);
		if ((size_t)n - off < (size_t)e.name_len + e.value_len || e.name_len == 0)
			return -EIO;
		int r = fn(ctx, (const char *)c->buf + off, e.name_len, c->buf + off + e.name_len,
			   e.value_len);
		if (r)
			return r;
		off += (size_t)e.name_len + e.value_len;
	}
	return off == (size_t)n ? 0 : -EIO;
}

int gofer_clunk(struct gofer_client *c, uint32_t fid)
{
	CLIENT_LOCKED(c);
	struct gofer_fid_req req = { .hdr = request_hdr(GOFER_OP_CLUNK, sizeof(req)), .fid = fid };

	return bare_reply(client_call_fixed(c, &req, sizeof(req), NULL, NULL));
}

/* Sends a fixed part followed by n strings (their lengths are in the fixed part already);
   returns the reply's length or -errno. */
static ssize_t client_call_strings(struct gofer_client *c, void *req, size_t fixed,
				   const char *const *strs, int n)
{
	size_t len = fixed;

	for (int i = 0; i < n; i++) {
		size_t l = strlen(strs[i]);
		if (l > GOFER_PATH_MAX)
			return -ENAMETOOLONG;
		memcpy(c->buf + len, strs[i], l);
		len += l;
	}
	/* Every request starts with its header. */
	((struct gofer_hdr *)req)->len = (uint32_t)len;
	memcpy(c->buf, req, fixed);
	return client_call(c, len, NULL, NULL);
}

static int name_len(const char *name, uint16_t *out)
{
	size_t l = strlen(name);
	int r = gofer_check_name(name, l);
	*out = (uint16_t)l;
	return r;
}


int gofer_make(struct gofer_client *c, uint32_t dir_fid, const char *name, uint32_t mode,
	       uint32_t uid, uint32_t gid, const char *target, struct gofer_walk_result *out)
{
	CLIENT_LOCKED(c);
	struct gofer_make_req req = { .hdr = request_hdr(GOFER_OP_MAKE, 0), .dir_fid = dir_fid,
				      .mode = mode, .uid = uid, .gid = gid };
	struct gofer_make_reply reply;
	const char *strs[2] = { name, target ? target : "" };
	size_t tlen = strlen(strs[1]);
	int r = name_len(name, &req.namelen);

	if (r < 0)
		return r;
	if (tlen > GOFER_PATH_MAX)
		return -ENAMETOOLONG;
	req.targetlen = (uint16_t)tlen;
	ssize_t n = client_call_strings(c, &req, sizeof(req), strs, 2);
	if (n < 0)
		return (int)n;
	if ((size_t)n != sizeof(reply))
		return -EIO;
	memcpy(&reply, c->buf, sizeof(reply));
	if ((reply.entry.attr.mode & S_IFMT) != (mode & S_IFMT) || !attr_valid(&reply.entry.attr))
		return -EIO;
	*out = (struct gofer_walk_result){ .fid = reply.entry.fid, .attr = reply.entry.attr };
	return 0;
}

int gofer_link(struct gofer_client *c, uint32_t fid, uint32_t dir_fid, const char *name)
{
	CLIENT_LOCKED(c);
	struct gofer_link_req req = { .hdr = request_hdr(GOFER_OP_LINK, 0), .fid = fid,
				      .dir_fid = dir_fid };
	int r = name_len(name, &req.namelen);

	return r < 0 ? r : bare_reply(client_call_strings(c, &req, sizeof(req), &name, 1));
}

int gofer_unlink(struct gofer_client *c, uint32_t dir_fid, const char *name, uint32_t flags)
{
	CLIENT_LOCKED(c);
	struct gofer_unlink_req req = { .hdr = request_hdr(GOFER_OP_UNLINK, 0), .dir_fid = dir_fid,
					.flags = flags };
	int r = name_len(name, &req.namelen);

	return r < 0 ? r : bare_reply(client_call_strings(c, &req, sizeof(req), &name, 1));
}

int gofer_rename(struct gofer_client *c, uint32_t old_dir_fid, const char *old_name,
		 uint32_t new_dir_fid, const char *new_name, uint32_t fid, uint32_t target_fid,
		 uint32_t flags)
{
	CLIENT_LOCKED(c);
	struct gofer_rename_req req = { .hdr = request_hdr(GOFER_OP_RENAME, 0),
					.old_dir_fid = old_dir_fid, .new_dir_fid = new_dir_fid,
					.fid = fid, .target_fid = target_fid, .flags = flags };
	const char *strs[2] = { old_name, new_name };
	int r = name_len(old_name, &req.oldlen);

	if (r == 0)
		r = name_len(new_name, &req.newlen);
	return r < 0 ? r : bare_reply(client_call_strings(c, &req, sizeof(req), strs, 2));
}

int gofer_setattr(struct gofer_client *c, struct gofer_setattr_req *req, struct gofer_attr *attr)
{
	CLIENT_LOCKED(c);

	req->hdr = request_hdr(GOFER_OP_SETATTR, sizeof(*req));
	return stat_reply(c, client_call_fixed(c, req, sizeof(*req), NULL, NULL), attr);
}

int gofer_fsync(struct gofer_client *c, uint32_t fid)
{
	CLIENT_LOCKED(c);
	struct gofer_fid_req req = { .hdr = request_hdr(GOFER_OP_FSYNC, sizeof(req)), .fid = fid };

	return bare_reply(client_call_fixed(c, &req, sizeof(req), NULL, NULL));
}
