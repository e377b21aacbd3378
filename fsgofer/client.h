/* Sentry side of the gofer protocol. Calls are serialized by the client's mutex (the gofer
   answers one request at a time). Every function returns 0 or a result >= 0 on success and
   -errno on failure; -EIO means the gofer broke the protocol or went away. A gofer that does
   not answer within the client's timeout is taken for dead: that call and every later one
   get -EIO at once. */
#ifndef RUNSCC_FSGOFER_CLIENT_H
#define RUNSCC_FSGOFER_CLIENT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "fsgofer/protocol.h"

/* How long the sentry waits for a reply by default; a test may ask for less
   (gofer_client_set_timeout). */
#define GOFER_REPLY_TIMEOUT_MS 60000

struct gofer_client {
	int sock;
	pthread_mutex_t lock;
	uint32_t tag;		/* the last request's */
	bool dead;		/* it did not answer in time or the socket failed */
	/* One request/reply buffer, used under lock. */
	unsigned char buf[GOFER_MSG_MAX];
};

struct gofer_walk_result {
	uint32_t fid;
	struct gofer_attr attr;
};

/* Callback for gofer_readdir: return nonzero to stop early (the cookie of the entry just
   passed resumes after it). */
typedef int (*gofer_dirent_fn)(void *ctx, const char *name, size_t namelen, uint64_t ino,
			       uint8_t type, uint64_t next_cookie);

/* Sets the socket's send and receive timeouts to GOFER_REPLY_TIMEOUT_MS. */
void gofer_client_init(struct gofer_client *c, int sock);
int gofer_client_set_timeout(struct gofer_client *c, unsigned ms);
int gofer_attach(struct gofer_client *c, uint32_t root, uint32_t *fid, uint32_t *flags,
		 struct gofer_attr *attr);
/* Walks up to n (<= GOFER_WALK_MAX) names from fid; returns how many were walked (>= 1) and
   fills out[0..r-1]; *stop_error says why it stopped before n (0 if it did not). */
int gofer_walk(struct gofer_client *c, uint32_t fid, const char *const *names, int n,
	       struct gofer_walk_result *out, int *stop_error);
int gofer_stat(struct gofer_client *c, uint32_t fid, struct gofer_attr *attr);
/* Opens fid read-only as count (1..GOFER_OPEN_MAX) separate open file descriptions (O_CLOEXEC
   host fds) in fds; returns how many came (at least 1), or -errno. */
int gofer_open(struct gofer_client *c, uint32_t fid, uint32_t flags, int *fds, int count);
/* Calls fn for each entry from cookie on, one reply's worth; returns 1 at end of directory,
   0 if more remain (*next_cookie says where), -errno on error. */
int gofer_readdir(struct gofer_client *c, uint32_t fid, uint64_t cookie, gofer_dirent_fn fn,
		  void *ctx, uint64_t *next_cookie);
/* Calls fn for each extended attribute of fid the sandbox may read (XATTRS): the name (not
   NUL-terminated) and the value. Returns 0, fn's first non-zero answer, or -errno. */
typedef int (*gofer_xattr_fn)(void *ctx, const char *name, size_t name_len, const void *value,
			      size_t size);
int gofer_xattrs(struct gofer_client *c, uint32_t fid, gofer_xattr_fn fn, void *ctx);
/* Copies the target (not NUL-terminated) into buf; returns its length. */
int gofer_readlink(struct gofer_client *c, uint32_t fid, char *buf, size_t size);
int gofer_clunk(struct gofer_client *c, uint32_t fid);

/* Writing, on writable roots (protocol.h). MAKE's mode has the type (S_IFREG, S_IFDIR,
   S_IFLNK with a target; NULL for the others). */
int gofer_make(struct gofer_client *c, uint32_t dir_fid, const char *name, uint32_t mode,
	       uint32_t uid, uint32_t gid, const char *target, struct gofer_walk_result *out);
int gofer_link(struct gofer_client *c, uint32_t fid, uint32_t dir_fid, const char *name);
int gofer_unlink(struct gofer_client *c, uint32_t dir_fid, const char *name, uint32_t flags);
int gofer_rename(struct gofer_client *c, uint32_t old_dir_fid, const char *old_name,
		 uint32_t new_dir_fid, const char *new_name, uint32_t fid, uint32_t target_fid,
		 uint32_t flags);
/* req's fid, valid and fields; the header is filled here. */
int gofer_setattr(struct gofer_client *c, struct gofer_setattr_req *req, struct gofer_attr *attr);
int gofer_fsync(struct gofer_client *c, uint32_t fid);

#endif
