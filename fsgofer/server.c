/* The gofer's request loop: one request at a time, answered from a table of fids, each naming an
   O_PATH fd inside one of the served trees. Nothing here resolves a path of more than one
   component or follows a symlink: every open is openat2() of one checked name (or of "." to
   reopen a directory), beneath an fd the gofer already holds. */
#define _GNU_SOURCE
#include "fsgofer/server.h"
#include "fsgofer/protocol.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <linux/openat2.h>

/* glibc defines O_LARGEFILE as 0 on 64-bit hosts, but flags coming from a guest carry the
   kernel's bit (x86_64 value). */
#define KERNEL_O_LARGEFILE 0100000
#define OPEN_IGNORED_FLAGS \
	(O_NONBLOCK | O_NOATIME | KERNEL_O_LARGEFILE | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY)
#define OPEN_WRITE_FLAGS (O_CREAT | O_TRUNC | O_APPEND | (O_TMPFILE & ~O_DIRECTORY))

/* For opening one plain name: never through or to a symlink, never outside the directory. */
#define RESOLVE_ONE_NAME (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)

#define FID_TABLE_INITIAL 256
#define DENTS_BUF_SIZE 32768

/* A walked file. Fids share nodes (every ATTACH of a root returns the same node), hence refs. */
struct gofer_node {
	unsigned refs;
	int fd;			/* O_PATH | O_NOFOLLOW: for a symlink, the link itself */
	int dir_fd;		/* directories: read fd for READDIR, opened on first use, else -1 */
	dev_t dev;
	ino_t ino;
	mode_t mode;
	bool writable;		/* in the tree of a writable root */
	/* Regular files only: an O_PATH fd cannot be read, so OPEN reopens the file by name in
	   its directory, which this node keeps alive. */
	struct gofer_node *parent;
	char *name;
};

struct gofer_fid_table {
	struct gofer_node **nodes;	/* indexed by fid; NULL when free */
	uint32_t *free_fids;		/* stack of released fids, reused first */
	uint32_t nfree;
	uint32_t used;			/* fids below this have been handed out at least once */
	uint32_t cap;
};

struct gofer_server {
	const struct gofer_root *roots;
	struct gofer_node **root_nodes;
	uint32_t nroots;
	struct gofer_fid_table fids;
	size_t req_len;
	unsigned char req[GOFER_MSG_MAX];
	unsigned char reply[GOFER_MSG_MAX];
	unsigned char dents[DENTS_BUF_SIZE];
};

static int openat2_mode(int dirfd, const char *name, uint64_t flags, uint64_t mode)
{
	struct open_how how = { .flags = flags, .mode = mode, .resolve = RESOLVE_ONE_NAME };
	int fd = (int)syscall(SYS_openat2, dirfd, name, &how, sizeof(how));
	return fd < 0 ? -errno : fd;
}

static int openat2_fd(int dirfd, const char *name, uint64_t flags)
{
	return openat2_mode(dirfd, name, flags, 0);
}

static void attr_from_stat(const struct stat *st, struct gofer_attr *attr)
{
	*attr = (struct gofer_attr){
		.dev = st->st_dev,
		.ino = st->st_ino,
		.nlink = st->st_nlink,
		.mode = st->st_mode,
		.uid = st->st_uid,
		.gid = st->st_gid,
		.rdev = st->st_rdev,
		.size = st->st_size,
		.blksize = st->st_blksize,
		.blocks = st->st_blocks,
		.atime_sec = st->st_atim.tv_sec,
		.atime_nsec = st->st_atim.tv_nsec,
		.mtime_sec = st->st_mtim.tv_sec,
		.mtime_nsec = st->st_mtim.tv_nsec,
		.ctime_sec = st->st_ctim.tv_sec,
		.ctime_nsec = st->st_ctim.tv_nsec,
	};
}

static int fd_stat(int fd, struct stat *st)
{
	return fstatat(fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

/* Takes ownership of fd on success. parent and name are given for regular files only. */
static struct gofer_node *node_new(int fd, const struct stat *st, struct gofer_node *parent,
				   const char *name)
{
	struct gofer_node *node = calloc(1, sizeof(*node));

	if (!node)
		return NULL;
	if (name) {
		node->name = strdup(name);
		if (!node->name) {
			free(node);
			return NULL;
		}
		parent->refs++;
		node->parent = parent;
	}
	node->refs = 1;
	node->fd = fd;
	node->dir_fd = -1;
	node->dev = st->st_dev;
	node->ino = st->st_ino;
	node->mode = st->st_mode;
	return node;
}

static void node_unref(struct gofer_node *node)
{
	if (--node->refs > 0)
		return;
	close(node->fd);
	if (node->dir_fd >= 0)
		close(node->dir_fd);
	if (node->parent)
		node_unref(node->parent);
	free(node->name);
	free(node);
}

static int fid_table_grow(struct gofer_fid_table *t)
{
	uint32_t cap = t->cap ? t->cap * 2 : FID_TABLE_INITIAL;
	struct gofer_node **nodes;
	uint32_t *free_fids;

	if (cap > GOFER_FID_MAX)
		cap = GOFER_FID_MAX;
	nodes = realloc(t->nodes, cap * sizeof(*nodes));
	if (!nodes)
		return -ENOMEM;
	t->nodes = nodes;
	free_fids = realloc(t->free_fids, cap * sizeof(*free_fids));
	if (!free_fids)
		return -ENOMEM;
	t->free_fids = free_fids;
	t->cap = cap;
	return 0;
}

/* Gives node (and the caller's reference to it) a fid; returns the fid or -errno. */
static int64_t fid_alloc(struct gofer_fid_table *t, struct gofer_node *node)
{
	uint32_t fid;

	if (t->nfree > 0) {
		fid = t->free_fids[--t->nfree];
	} else {
		if (t->used == GOFER_FID_MAX)
			return -ENFILE;
		if (t->used == t->cap) {
			int r = fid_table_grow(t);
			if (r < 0)
				return r;
		}
		fid = t->used++;
	}
	t->nodes[fid] = node;
	return fid;
}

static struct gofer_node *fid_lookup(const struct gofer_fid_table *t, uint32_t fid)
{
	return fid < t->used ? t->nodes[fid] : NULL;
}

static int fid_release(struct gofer_fid_table *t, uint32_t fid)
{
	struct gofer_node *node = fid_lookup(t, fid);

	if (!node)
		return -EBADF;
	t->nodes[fid] = NULL;
	t->free_fids[t->nfree++] = fid;
	node_unref(node);
	return 0;
}

static void fid_table_free(struct gofer_fid_table *t)
{
	for (uint32_t fid = 0; fid < t->used; fid++)
		if (t->nodes[fid])
			node_unref(t->nodes[fid]);
	free(t->nodes);
	free(t->free_fids);
}

/* The fds a reply donates (OPEN), closed here once sent: the sentry has its copies. */
struct reply_fds {
	int fd[GOFER_OPEN_MAX];
	int n;
};

static void reply_fds_close(struct reply_fds *r)
{
	for (int i = 0; i < r->n; i++)
		close(r->fd[i]);
	r->n = 0;
}

static int handle_attach(struct gofer_server *s, struct reply_fds *reply_fds)
{
	struct gofer_attach_req req;
	struct gofer_attach_reply reply = { .hdr = { 0 } };
	struct gofer_node *root;
	struct stat st;
	int64_t fid;
	int r;

	(void)reply_fds;
	memcpy(&req, s->req, sizeof(req));
	if (req.root >= s->nroots)
		return -EINVAL;
	root = s->root_nodes[req.root];
	r = fd_stat(root->fd, &st);
	if (r < 0)
		return r;
	root->refs++;
	fid = fid_alloc(&s->fids, root);
	if (fid < 0) {
		node_unref(root);
		return (int)fid;
	}
	reply.fid = (uint32_t)fid;
	reply.flags = s->roots[req.root].readonly ? GOFER_ROOT_READONLY : 0;
	attr_from_stat(&st, &reply.attr);
	memcpy(s->reply, &reply, sizeof(reply));
	return sizeof(reply);
}

struct walk_name {
	const char *bytes;
	uint16_t len;
};

/* Splits the names after the fixed part of a WALK request, which must end exactly after them. */
static int walk_parse_names(const struct gofer_server *s, uint32_t nnames, struct walk_name *names)
{
	size_t off = sizeof(struct gofer_walk_req);

	for (uint32_t i = 0; i < nnames; i++) {
		uint16_t len;

		if (s->req_len - off < sizeof(len))
			return -EPROTO;
		memcpy(&len, s->req + off, sizeof(len));
		off += sizeof(len);
		if (s->req_len - off < len)
			return -EPROTO;
		names[i] = (struct walk_name){ .bytes = (const char *)s->req + off, .len = len };
		off += len;
	}
	return off == s->req_len ? 0 : -EPROTO;
}

/* Opens one checked name in dir, without following it, as a new node. */
static int node_walk(struct gofer_node *dir, const struct walk_name *name, struct stat *st,
		     struct gofer_node **child)
{
	char cname[GOFER_NAME_MAX + 1];
	_cleanup_close_ int fd = -1;
	int r;

	memcpy(cname, name->bytes, name->len);
	cname[name->len] = '\0';
	fd = openat2_fd(dir->fd, cname, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return fd;
	r = fd_stat(fd, st);
	if (r < 0)
		return r;
	*child = S_ISREG(st->st_mode) ? node_new(fd, st, dir, cname) : node_new(fd, st, NULL, NULL);
	if (!*child)
		return -ENOMEM;
	(*child)->writable = dir->writable;
	take_fd(&fd);
	return 0;
}

static int handle_walk(struct gofer_server *s, struct reply_fds *reply_fds)
{
	struct gofer_walk_req req;
	struct walk_name names[GOFER_WALK_MAX];
	struct gofer_walk_reply reply = { .hdr = { 0 } };
	size_t reply_len = sizeof(reply);
	struct gofer_node *dir;
	int r;

	(void)reply_fds;
	memcpy(&req, s->req, sizeof(req));
	if (req.nnames == 0 || req.nnames > GOFER_WALK_MAX)
		return -EINVAL;
	r = walk_parse_names(s, req.nnames, names);
	if (r < 0)
		return r;
	for (uint32_t i = 0; i < req.nnames; i++) {
		r = gofer_check_name(names[i].bytes, names[i].len);
		if (r < 0)
			return r;
	}
	dir = fid_lookup(&s->fids, req.fid);
	if (!dir)
		return -EBADF;
	for (uint32_t i = 0; i < req.nnames; i++) {
		struct gofer_walk_entry entry = { 0 };
		struct gofer_node *child;
		struct stat st;
		int64_t fid;

		r = node_walk(dir, &names[i], &st, &child);
		if (r < 0) {
			reply.stop_error = r;
			break;
		}
		fid = fid_alloc(&s->fids, child);
		if (fid < 0) {
			node_unref(child);
			reply.stop_error = (int32_t)fid;
			break;
		}
		entry.fid = (uint32_t)fid;
		attr_from_stat(&st, &entry.attr);
		memcpy(s->reply + reply_len, &entry, sizeof(entry));
		reply_len += sizeof(entry);
		reply.nwalked++;
		if (S_ISDIR(st.st_mode)) {
			dir = child;
			continue;
		}
		/* A symlink stops the walk without error: the sentry resolves it. */
		if (i + 1 < req.nnames && !S_ISLNK(st.st_mode))
			reply.stop_error = -ENOTDIR;
		break;
	}
	if (reply.nwalked == 0)
		return reply.stop_error;
	memcpy(s->reply, &reply, sizeof(reply));
	return (int)reply_len;
}

/* A STAT reply with node's attributes. */
static int reply_stat(struct gofer_server *s, const struct gofer_node *node)
{
	struct gofer_stat_reply reply = { .hdr = { 0 } };
	struct stat st;
	int r = fd_stat(node->fd, &st);

	if (r < 0)
		return r;
	attr_from_stat(&st, &reply.attr);
	memcpy(s->reply, &reply, sizeof(reply));
	return sizeof(reply);
}

static int handle_stat(struct gofer_server *s, struct reply_fds *reply_fds)
{
	struct gofer_fid_req req;
	struct gofer_node *node;

	(void)reply_fds;
	memcpy(&req, s->req, sizeof(req));
	node = fid_lookup(&s->fids, req.fid);
	return node ? reply_stat(s, node) : -EBADF;
}

static int check_open_flags(uint32_t flags, bool writable)
{
	if (!writable && ((flags & O_ACCMODE) != O_RDONLY || (flags & OPEN_WRITE_FLAGS)))
		return -EROFS;
	if (flags & (O_CREAT | (O_TMPFILE & ~O_DIRECTORY)))
		return -EROFS;
	if ((flags & O_ACCMODE) == O_ACCMODE ||
	    (flags & ~(uint32_t)(OPEN_IGNORED_FLAGS | O_DIRECTORY | O_ACCMODE | O_APPEND | O_TRUNC)))
		return -EINVAL;
	return 0;
}

/* Reopens a regular file readable by its name in its directory, and makes sure the name still
   leads to the file that was walked. O_NONBLOCK: if a fifo was put there, do not wait on it. */
static int node_open_file(const struct gofer_node *node, int flags)
{
	_cleanup_close_ int fd = openat2_fd(node->parent->fd, node->name,
					    flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	struct stat st;

	/* Gone, or a symlink now: either way not the file the fid names. */
	if (fd == -ENOENT || fd == -ELOOP)
		return -ESTALE;
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_dev != node->dev || st.st_ino != node->ino)
		return -ESTALE;
	return take_fd(&fd);
}

static int handle_open(struct gofer_server *s, struct reply_fds *reply_fds)
{
	struct gofer_open_req req;
	struct gofer_node *node;
	int r;

	memcpy(&req, s->req, sizeof(req));
	node = fid_lookup(&s->fids, req.fid);
	if (!node)
		return -EBADF;
	r = check_open_flags(req.flags, node->writable);
	if (r < 0)
		return r;
	if (req.count < 1 || req.count > GOFER_OPEN_MAX)
		return -EINVAL;
	if (S_ISDIR(node->mode) && (req.flags & (O_ACCMODE | O_APPEND | O_TRUNC))) {
		return -EISDIR;
	} else if (S_ISDIR(node->mode)) {
		int fd = openat(node->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		reply_fds->fd[reply_fds->n++] = fd;
	} else if (S_ISLNK(node->mode)) {
		return -ELOOP;
	} else if (req.flags & O_DIRECTORY) {
		return -ENOTDIR;
	} else if (!S_ISREG(node->mode)) {
		return -EACCES;
	} else {
		/* Each open is a description of its own (its own offset). */
		while (reply_fds->n < (int)req.count) {
			int fd = node_open_file(node, (int)(req.flags & (O_ACCMODE | O_APPEND | O_TRUNC)));
			if (fd < 0)
				return reply_fds->n ? (int)sizeof(struct gofer_hdr) : fd;
			reply_fds->fd[reply_fds->n++] = fd;
		}
	}
	return sizeof(struct gofer_hdr);
}

/* Appends the entries of one getdents64() batch to the READDIR reply; false once it is full. */
static bool readdir_pack(struct gofer_server *s, size_t batch_len, size_t *reply_len,
			 uint32_t *count)
{
	for (size_t off = 0; off < batch_len;) {
		const struct dirent64 *d = (const struct dirent64 *)(s->dents + off);
		size_t namelen = strnlen(d->d_name, d->d_reclen - offsetof(struct dirent64, d_name));
		size_t size = GOFER_DIRENT_SIZE(namelen);
		struct gofer_dirent entry = {
			.ino = d->d_ino,
			.next_cookie = (uint64_t)d->d_off,
			.type = d->d_type,
			.namelen = (uint16_t)namelen,
		};

		off += d->d_reclen;
		/* "." and ".." (the sentry makes its own) and names no walk could take are left out. */
		if (gofer_check_name(d->d_name, namelen) < 0)
			continue;
		if (GOFER_MSG_MAX - *reply_len < size)
			return false;
		memset(s->reply + *reply_len, 0, size);
		memcpy(s->reply + *reply_len, &entry, sizeof(entry));
		memcpy(s->reply + *reply_len + sizeof(entry), d->d_name, namelen);
		*reply_len += size;
		(*count)++;
	}
	return true;
}

static int handle_readdir(struct gofer_server *s, struct reply_fds *reply_fds)
{
	struct gofer_readdir_req req;
	struct gofer_readdir_reply reply = { .hdr = { 0 } };
	size_t reply_len = sizeof(reply);
	struct gofer_node *node;

	(void)reply_fds;
	memcpy(&req, s->req, sizeof(req));
	node = fid_lookup(&s->fids, req.fid);
	if (!node)
		return -EBADF;
	if (!S_ISDIR(node->mode))
		return -ENOTDIR;
	if (req.cookie > INT64_MAX)
		return -EINVAL;
	if (node->dir_fd < 0) {
		node->dir_fd = openat(node->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (node->dir_fd < 0)
			return -errno;
	}
	/* Every reply seeks: the previous batch may have been read past what fit. */
	if (lseek(node->dir_fd, (off_t)req.cookie, SEEK_SET) < 0)
		return -errno;
	for (;;) {
		ssize_t n = getdents64(node->dir_fd, s->dents, sizeof(s->dents));

		if (n < 0)
			return -errno;
		if (n == 0) {
			reply.eof = 1;
			break;
		}
		if (!readdir_pack(s, (size_t)n, &reply_len, &reply.count))
			break;
	}
	memcpy(s->reply, &reply, sizeof(reply));
	return (int)reply_len;
}

static int handle_readlink(struct gofer_server *s, struct reply_fds *reply_fds)
{
	struct gofer_fid_req req;
	struct gofer_readlink_reply reply = { .hdr = { 0 } };
	struct gofer_node *node;
	ssize_t n;

	(void)reply_fds;
	memcpy(&req, s->req, sizeof(req));
	node = fid_lookup(&s->fids, req.fid);
	if (!node)
		return -EBADF;
	if (!S_ISLNK(node->mode))
		return -EINVAL;
	/* One byte more than allowed, to tell a target that is too long. */
	n = readlinkat(node->fd, "", (char *)s->reply + sizeof(reply), GOFER_PATH_MAX + 1);
	if (n < 0)
		return -errno;
	if (n > GOFER_PATH_MAX)
		return -ENAMETOOLONG;
	reply.len = (uint32_t)n;
	memcpy(s->reply, &reply, sizeof(reply));
	return (int)(sizeof(reply) + (size_t)n);
}

static int handle_clunk(struct gofer_server *s, struct reply_fds *reply_fds)
{
	struct gofer_fid_req req;
	int r;

	(void)reply_fds;
	memcpy(&req, s->req, sizeof(req));
	r = fid_release(&s->fids, req.fid);
	return r < 0 ? r : (int)sizeof(struct gofer_hdr);
}

/* ---- writing (writable roots) ---- */

/* The strings after a request's fixed part, lens[i] bytes each, which must end exactly after
   them; copied NUL-terminated into out[i]. */
static int req_strings(const struct gofer_server *s, size_t fixed, const uint16_t *lens, int n,
		       char (*out)[GOFER_PATH_MAX + 1])
{
	size_t off = fixed;

	for (int i = 0; i < n; i++) {
		if (lens[i] > GOFER_PATH_MAX || s->req_len - off < lens[i])
			return -EPROTO;
		memcpy(out[i], s->req + off, lens[i]);
		out[i][lens[i]] = '\0';
		off += lens[i];
	}
	return off == s->req_len ? 0 : -EPROTO;
}

static int check_name(const char *name)
{
	return gofer_check_name(name, strlen(name));
}

/* The node of fid, in a writable tree (and a directory, if dir). */
static int writable_node(const struct gofer_server *s, uint32_t fid, bool dir,
			 struct gofer_node **out)
{
	struct gofer_node *node = fid_lookup(&s->fids, fid);

	if (!node)
		return -EBADF;
	if (!node->writable)
		return -EROFS;
	if (dir && !S_ISDIR(node->mode))
		return -ENOTDIR;
	*out = node;
	return 0;
}

/* A readable fd of a directory or regular file, for the calls that take no O_PATH fd. */
static int node_open_any(const struct gofer_node *node, int flags)
{
	if (S_ISDIR(node->mode)) {
		int fd = openat(node->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}
	if (S_ISREG(node->mode))
		return node_open_file(node, flags);
	return -EOPNOTSUPP;
}

/* May the sandbox read this attribute of the image? */
static bool xattr_readable(const char *name)
{
	return !strncmp(name, "user.", 5) || !strcmp(name, "security.capability");
}

static int handle_xattrs(struct gofer_server *s, struct reply_fds *reply_fds)
{
	struct gofer_fid_req req;
	struct gofer_xattrs_reply reply = { .hdr = { 0 } };
	char names[GOFER_MSG_MAX];
	size_t len = sizeof(reply);

	(void)reply_fds;
	memcpy(&req, s->req, sizeof(req));
	struct gofer_node *node = fid_lookup(&s->fids, req.fid);
	if (!node)
		return -EBADF;
	_cleanup_close_ int fd = S_ISREG(node->mode) || S_ISDIR(node->mode) ? node_open_any(node, O_RDONLY) : -EOPNOTSUPP;
	ssize_t n = fd >= 0 ? flistxattr(fd, names, sizeof(names)) : 0;
	if (n < 0 && errno != EOPNOTSUPP)
		return errno == ERANGE ? -E2BIG : -errno;
	for (char *p = names; n > 0 && p < names + n; p += strlen(p) + 1) {
		struct gofer_xattr_entry e = { .name_len = (uint32_t)strlen(p) };
		if (!xattr_readable(p))
			continue;
		if (len + sizeof(e) + e.name_len > GOFER_MSG_MAX)
			return -E2BIG;
		char *value = (char *)s->reply + len + sizeof(e) + e.name_len;
		ssize_t v = fgetxattr(fd, p, value, GOFER_MSG_MAX - (len + sizeof(e) + e.name_len));
		if (v < 0 && errno == ENODATA)
			continue;	/* removed meanwhile */
		if (v < 0)
			return errno == ERANGE ? -E2BIG : -errno;
		e.value_len = (uint32_t)v;
		memcpy(s->reply + len, &e, sizeof(e));
		memcpy(s->reply + len + sizeof(e), p, e.name_len);
		len += sizeof(e) + e.name_len + (size_t)v;
		reply.count++;
	}
	memcpy(s->reply, &reply, sizeof(reply));
	return (int)len;
}

/* Gives a file made by make_file its owner and mode. */
static int make_owner(struct gofer_node *dir, const char *name, const struct gofer_make_req *req)
{
	mode_t perm = req->mode & 07777;
	_cleanup_close_ int fd = -1;

	if (S_ISLNK(req->mode))
		return fchownat(dir->fd, name, req->uid, req->gid, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
	fd = openat2_fd(dir->fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK |
					       (S_ISDIR(req->mode) ? O_DIRECTORY : 0));
	if (fd < 0)
		return fd;
	/* chown clears set-id bits: the mode goes last, as asked whatever the gofer's umask. */
	if (fchown(fd, req->uid, req->gid) < 0 || fchmod(fd, perm) < 0)
		return -errno;
	return 0;
}

/* Creates name in dir as asked; nothing is left if it fails. */
static int make_file(struct gofer_node *dir, const char *name, const struct gofer_make_req *req,
		     const char *target)
{
	mode_t perm = req->mode & 07777;
	int r;

	if (S_ISREG(req->mode)) {
		r = openat2_mode(dir->fd, name, O_CREAT | O_EXCL | O_RDONLY | O_NOFOLLOW | O_CLOEXEC,
				 perm);
		if (r < 0)
			return r;
		close(r);
	} else if (S_ISDIR(req->mode)) {
		if (mkdirat(dir->fd, name, perm) < 0)
			return -errno;
	} else if (S_ISLNK(req->mode)) {
		if (symlinkat(target, dir->fd, name) < 0)
			return -errno;
	} else {
		return -EINVAL;
	}
	r = make_owner(dir, name, req);
	if (r < 0)
		unlinkat(dir->fd, name, S_ISDIR(req->mode) ? AT_REMOVEDIR : 0);
	return r;
}

static int handle_make(struct gofer_server *s, struct reply_fds *reply_fds)
{
	struct gofer_make_req req;
	struct gofer_make_reply reply = { .hdr = { 0 } };
	char strs[2][GOFER_PATH_MAX + 1];
	struct gofer_node *dir, *child;
	struct stat st;
	int64_t fid;
	int r;

	(void)reply_fds;
	memcpy(&req, s->req, sizeof(req));
	r = req_strings(s, sizeof(req), (uint16_t[]){ req.namelen, req.targetlen }, 2, strs);
	if (r < 0)
		return r;
	if ((r = check_name(strs[0])) < 0)
		return r;
	if (((req.mode & S_IFMT) == S_IFLNK) != (req.targetlen > 0) ||
	    strlen(strs[1]) != req.targetlen)
		return -EINVAL;
	if ((r = writable_node(s, req.dir_fid, true, &dir)) < 0)
		return r;
	r = make_file(dir, strs[0], &req, strs[1]);
	if (r < 0)
		return r;
	r = node_walk(dir, &(struct walk_name){ strs[0], req.namelen }, &st, &child);
	if (r < 0) {
		unlinkat(dir->fd, strs[0], S_ISDIR(req.mode) ? AT_REMOVEDIR : 0);
		return r;
	}
	fid = fid_alloc(&s->fids, child);
	if (fid < 0) {
		node_unref(child);
		return (int)fid;
	}
	reply.entry.fid = (uint32_t)fid;
	attr_from_stat(&st, &reply.entry.attr);
	memcpy(s->reply, &reply, sizeof(reply));
	return sizeof(reply);
}

static int handle_link(struct gofer_server *s, struct reply_fds *reply_fds)
{
	struct gofer_link_req req;
	char name[1][GOFER_PATH_MAX + 1];
	struct gofer_node *node, *dir;
	int r;

	(void)reply_fds;
	memcpy(&req, s->req, sizeof(req));
	if ((r = req_strings(s, sizeof(req), &req.namelen, 1, name)) < 0 ||
	    (r = check_name(name[0])) < 0 || (r = writable_node(s, req.fid, false, &node)) < 0 ||
	    (r = writable_node(s, req.dir_fid, true, &dir)) < 0)
		return r;
	if (S_ISDIR(node->mode))
		return -EPERM;
	if (linkat(node->fd, "", dir->fd, name[0], AT_EMPTY_PATH) < 0)
		return -errno;
	return sizeof(struct gofer_hdr);
}

static int handle_unlink(struct gofer_server *s, struct reply_fds *reply_fds)
{
	struct gofer_unlink_req req;
	char name[1][GOFER_PATH_MAX + 1];
	struct gofer_node *dir;
	int r;

	(void)reply_fds;
	memcpy(&req, s->req, sizeof(req));
	if ((r = req_strings(s, sizeof(req), &req.namelen, 1, name)) < 0 ||
	    (r = check_name(name[0])) < 0 || (r = writable_node(s, req.dir_fid, true, &dir)) < 0)
		return r;
	if (req.flags & ~(uint32_t)AT_REMOVEDIR)
		return -EINVAL;
	if (unlinkat(dir->fd, name[0], (int)req.flags) < 0)
		return -errno;
	return sizeof(struct gofer_hdr);
}

/* A regular file's node reopens it by name: it follows the file to its new one. */
static int node_rename(struct gofer_server *s, uint32_t fid, struct gofer_node *dir,
		       const char *name)
{
	struct gofer_node *node = fid == GOFER_NOFID ? NULL : fid_lookup(&s->fids, fid);
	char *copy;

	if (!node || !node->name)
		return 0;
	copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	free(node->name);
	node->name = copy;
	dir->refs++;
	node_unref(node->parent);
	node->parent = dir;
	return 0;
}

static int handle_rename(struct gofer_server *s, struct reply_fds *reply_fds)
{
	struct gofer_rename_req req;
	char names[2][GOFER_PATH_MAX + 1];
	struct gofer_node *odir, *ndir;
	int r;

	(void)reply_fds;
	memcpy(&req, s->req, sizeof(req));
	if ((r = req_strings(s, sizeof(req), (uint16_t[]){ req.oldlen, req.newlen }, 2, names)) < 0 ||
	    (r = check_name(names[0])) < 0 || (r = check_name(names[1])) < 0 ||
	    (r = writable_node(s, req.old_dir_fid, true, &odir)) < 0 ||
	    (r = writable_node(s, req.new_dir_fid, true, &ndir)) < 0)
		return r;
	if (req.flags & ~(uint32_t)(RENAME_NOREPLACE | RENAME_EXCHANGE))
		return -EINVAL;
	if (syscall(SYS_renameat2, odir->fd, names[0], ndir->fd, names[1], req.flags) < 0)
		return -errno;
	r = node_rename(s, req.fid, ndir, names[1]);
	if (r == 0 && (req.flags & RENAME_EXCHANGE))
		r = node_rename(s, req.target_fid, odir, names[0]);
	return r < 0 ? r : (int)sizeof(struct gofer_hdr);
}

static int setattr_apply(const struct gofer_node *node, const struct gofer_setattr_req *req)
{
	if (req->valid & (GOFER_ATTR_UID | GOFER_ATTR_GID)) {
		uid_t uid = req->valid & GOFER_ATTR_UID ? req->uid : (uid_t)-1;
		gid_t gid = req->valid & GOFER_ATTR_GID ? req->gid : (gid_t)-1;
		if (fchownat(node->fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
	}
	if (req->valid & GOFER_ATTR_SIZE) {
		if (!S_ISREG(node->mode))
			return -EINVAL;
		_cleanup_close_ int fd = node_open_file(node, O_WRONLY);
		if (fd < 0)
			return fd;
		if (ftruncate(fd, req->size) < 0)
			return -errno;
	}
	if (!(req->valid & (GOFER_ATTR_MODE | GOFER_ATTR_ATIME | GOFER_ATTR_MTIME)))
		return 0;
	_cleanup_close_ int fd = node_open_any(node, O_RDONLY);
	if (fd < 0)
		return fd;
	if ((req->valid & GOFER_ATTR_MODE) && fchmod(fd, req->mode & 07777) < 0)
		return -errno;
	if (req->valid & (GOFER_ATTR_ATIME | GOFER_ATTR_MTIME)) {
		struct timespec ts[2] = {
			{ req->atime_sec, req->valid & GOFER_ATTR_ATIME ? req->atime_nsec : UTIME_OMIT },
			{ req->mtime_sec, req->valid & GOFER_ATTR_MTIME ? req->mtime_nsec : UTIME_OMIT },
		};
		if (futimens(fd, ts) < 0)
			return -errno;
	}
	return 0;
}

static int handle_setattr(struct gofer_server *s, struct reply_fds *reply_fds)
{
	struct gofer_setattr_req req;
	struct gofer_node *node;
	int r;

	(void)reply_fds;
	memcpy(&req, s->req, sizeof(req));
	if ((r = writable_node(s, req.fid, false, &node)) < 0)
		return r;
	if (req.size < 0 || (req.valid & ~(uint32_t)(GOFER_ATTR_MODE | GOFER_ATTR_UID | GOFER_ATTR_GID |
						     GOFER_ATTR_SIZE | GOFER_ATTR_ATIME |
						     GOFER_ATTR_MTIME)))
		return -EINVAL;
	r = setattr_apply(node, &req);
	return r < 0 ? r : reply_stat(s, node);
}

static int handle_fsync(struct gofer_server *s, struct reply_fds *reply_fds)
{
	struct gofer_fid_req req;
	struct gofer_node *node;

	(void)reply_fds;
	memcpy(&req, s->req, sizeof(req));
	node = fid_lookup(&s->fids, req.fid);
	if (!node)
		return -EBADF;
	_cleanup_close_ int fd = node_open_any(node, O_RDONLY);
	if (fd < 0)
		return fd;
	if (fsync(fd) < 0)
		return -errno;
	return sizeof(struct gofer_hdr);
}

/* Each handler gets a request at least req_size long (exactly, unless it has names after the
   fixed part), fills s->reply after the header and returns the reply's length or -errno. */
struct gofer_op_handler {
	size_t req_size;
	bool names_follow;
	int (*handle)(struct gofer_server *s, struct reply_fds *reply_fds);
};

static const struct gofer_op_handler op_handlers[] = {
	[GOFER_OP_ATTACH] = { sizeof(struct gofer_attach_req), false, handle_attach },
	[GOFER_OP_WALK] = { sizeof(struct gofer_walk_req), true, handle_walk },
	[GOFER_OP_STAT] = { sizeof(struct gofer_fid_req), false, handle_stat },
	[GOFER_OP_OPEN] = { sizeof(struct gofer_open_req), false, handle_open },
	[GOFER_OP_READDIR] = { sizeof(struct gofer_readdir_req), false, handle_readdir },
	[GOFER_OP_READLINK] = { sizeof(struct gofer_fid_req), false, handle_readlink },
	[GOFER_OP_CLUNK] = { sizeof(struct gofer_fid_req), false, handle_clunk },
	[GOFER_OP_MAKE] = { sizeof(struct gofer_make_req), true, handle_make },
	[GOFER_OP_LINK] = { sizeof(struct gofer_link_req), true, handle_link },
	[GOFER_OP_UNLINK] = { sizeof(struct gofer_unlink_req), true, handle_unlink },
	[GOFER_OP_RENAME] = { sizeof(struct gofer_rename_req), true, handle_rename },
	[GOFER_OP_SETATTR] = { sizeof(struct gofer_setattr_req), false, handle_setattr },
	[GOFER_OP_FSYNC] = { sizeof(struct gofer_fid_req), false, handle_fsync },
	[GOFER_OP_XATTRS] = { sizeof(struct gofer_fid_req), false, handle_xattrs },
};

static int dispatch(struct gofer_server *s, const struct gofer_hdr *hdr, struct reply_fds *reply_fds)
{
	const struct gofer_op_handler *h;

	if (hdr->op >= ARRAY_SIZE(op_handlers) || !op_handlers[hdr->op].handle)
		return -EPROTO;
	h = &op_handlers[hdr->op];
	if (hdr->len != s->req_len || s->req_len < h->req_size ||
	    (!h->names_follow && s->req_len != h->req_size))
		return -EPROTO;
	return h->handle(s, reply_fds);
}

/* Answers the request in s->req (received is its length or -EMSGSIZE if it was cut); returns
   the reply's length, with the fds that go with it in *reply_fds. */
static size_t answer(struct gofer_server *s, ssize_t received, struct reply_fds *reply_fds)
{
	struct gofer_hdr hdr = { 0 };
	int r;

	if (received < 0) {
		s->req_len = sizeof(s->req);
		r = (int)received;
	} else {
		s->req_len = (size_t)received;
		r = s->req_len < sizeof(hdr) ? -EPROTO : 0;
	}
	/* Echo the op even of a short request, as far as it goes. */
	memcpy(&hdr, s->req, s->req_len < sizeof(hdr) ? s->req_len : sizeof(hdr));
	if (r == 0)
		r = dispatch(s, &hdr, reply_fds);
	if (r < 0) {
		hdr = (struct gofer_hdr){ .op = hdr.op, .len = sizeof(hdr), .error = r, .tag = hdr.tag };
		memcpy(s->reply, &hdr, sizeof(hdr));
		return sizeof(hdr);
	}
	hdr = (struct gofer_hdr){ .op = hdr.op, .len = (uint32_t)r, .tag = hdr.tag };
	memcpy(s->reply, &hdr, sizeof(hdr));
	return (size_t)r;
}

/* A SOCK_SEQPACKET recvmsg() returns 0 both for an empty datagram and at end of stream. */
static int peer_closed(int sock)
{
	struct pollfd pfd = { .fd = sock, .events = POLLIN | POLLRDHUP };

	if (poll(&pfd, 1, 0) < 0)
		return -errno;
	return (pfd.revents & (POLLHUP | POLLRDHUP)) != 0;
}

static void server_free(struct gofer_server *s)
{
	fid_table_free(&s->fids);
	for (uint32_t i = 0; i < s->nroots; i++)
		if (s->root_nodes[i])
			node_unref(s->root_nodes[i]);
	free(s->root_nodes);
	free(s);
}

static void server_freep(struct gofer_server **s)
{
	if (*s)
		server_free(*s);
}

/* A tree's top, or a single file whose directory only the file's node holds (no fid reaches
   it, so none of its other names can be walked). */
static int root_node_new(const struct gofer_root *root, struct gofer_node **out)
{
	_cleanup_close_ int fd = openat(root->fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct gofer_node *dir;
	struct stat st;
	int r;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	dir = node_new(fd, &st, NULL, NULL);
	if (!dir)
		return -ENOMEM;
	take_fd(&fd);
	dir->writable = !root->readonly;
	if (!root->file) {
		*out = dir;
		return 0;
	}
	r = gofer_check_name(root->file, strlen(root->file));
	if (r < 0) {
		node_unref(dir);
		return r;
	}
	r = node_walk(dir, &(struct walk_name){ root->file, (uint16_t)strlen(root->file) }, &st, out);
	node_unref(dir);
	if (r == 0 && !S_ISREG(st.st_mode)) {
		node_unref(*out);
		r = -EINVAL;
	}
	return r;
}

/* The server owns a copy of each root fd, so all nodes own their fds alike. */
static int server_new(const struct gofer_root *roots, int nroots, struct gofer_server **out)
{
	__attribute__((cleanup(server_freep))) struct gofer_server *s = calloc(1, sizeof(*s));

	if (!s)
		return log_errno(-ENOMEM, "allocating the gofer's state");
	s->roots = roots;
	s->root_nodes = calloc(nroots > 0 ? (size_t)nroots : 1, sizeof(*s->root_nodes));
	if (!s->root_nodes)
		return log_errno(-ENOMEM, "allocating the gofer's state");
	for (; s->nroots < (uint32_t)nroots; s->nroots++) {
		int r = root_node_new(&roots[s->nroots], &s->root_nodes[s->nroots]);
		if (r < 0)
			return log_errno(r, "opening root %u", s->nroots);
	}
	*out = take_ptr(&s);
	return 0;
}

int gofer_serve(int sock, const struct gofer_root *roots, int nroots)
{
	__attribute__((cleanup(server_freep))) struct gofer_server *s = NULL;
	int r;

	if (nroots < 0)
		return -EINVAL;
	r = server_new(roots, nroots, &s);
	if (r < 0)
		return r;
	for (;;) {
		__attribute__((cleanup(reply_fds_close))) struct reply_fds reply_fds = { .n = 0 };
		ssize_t received = sock_recv_fds(sock, s->req, sizeof(s->req), NULL, NULL);
		ssize_t sent;
		size_t reply_len;

		if (received == 0) {
			r = peer_closed(sock);
			if (r < 0)
				return log_errno(r, "polling the gofer socket");
			if (r)
				return 0;
		}
		if (received == -ECONNRESET)
			return 0;
		if (received < 0 && received != -EMSGSIZE)
			return log_errno((int)received, "receiving a gofer request");
		reply_len = answer(s, received, &reply_fds);
		/* An error reply carries no fds. */
		if (reply_len == sizeof(struct gofer_hdr) && ((struct gofer_hdr *)s->reply)->error)
			reply_fds_close(&reply_fds);
		sent = sock_send_fds(sock, s->reply, reply_len, reply_fds.fd, reply_fds.n);
		if (sent == -EPIPE || sent == -ECONNRESET)
			return 0;
		if (sent < 0)
			return log_errno((int)sent, "sending a gofer reply");
	}
}
