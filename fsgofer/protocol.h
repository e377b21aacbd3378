/* The sentry <-> gofer protocol, shared by both sides.

   Transport: one AF_UNIX SOCK_SEQPACKET socketpair; each request and each reply is exactly one
   datagram of at most GOFER_MSG_MAX bytes, starting with struct gofer_hdr. The sentry sends one
   request and waits for its reply (no pipelining). Each request carries a tag the reply echoes,
   so that a reply to an earlier request (sent twice, or late) is never taken for the answer to
   the current one. Host fds travel with a reply as SCM_RIGHTS.

   Names: a "fid" is a small integer naming a file the gofer holds open (O_PATH). Fids are chosen
   by the gofer. Each attached root (GOFER_OP_ATTACH) is a tree the gofer serves; a walk can
   never leave it: walk components must be plain names (no '/', not "." or "..", not empty), the
   gofer never follows symlinks itself (the sentry reads them with READLINK and resolves them in
   its own namespace), and opening is fd-relative with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
   RESOLVE_NO_MAGICLINKS. All integers are in host byte order (both ends run on the same host).

   Every request gets exactly one reply, echoing its op. A request the gofer cannot parse (shorter
   than its fixed part, len not the datagram's length, names overrunning it, an unknown op) gets
   -EPROTO, a datagram longer than GOFER_MSG_MAX -EMSGSIZE, a fid it does not hold -EBADF. */
#ifndef RUNSCC_FSGOFER_PROTOCOL_H
#define RUNSCC_FSGOFER_PROTOCOL_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define GOFER_MSG_MAX 65536
#define GOFER_NAME_MAX 255
#define GOFER_WALK_MAX 64	/* names per WALK request */
#define GOFER_PATH_MAX 4096	/* READLINK targets */
#define GOFER_OPEN_MAX 4	/* descriptions one OPEN may ask for */
#define GOFER_FID_MAX (1u << 20)	/* fids held at once; -ENFILE beyond */

enum gofer_op {
	GOFER_OP_ATTACH = 1,	/* root index -> fid of that root */
	GOFER_OP_WALK = 2,	/* fid + names -> one fid and attr per walked name */
	GOFER_OP_STAT = 3,	/* fid -> attr */
	GOFER_OP_OPEN = 4,	/* fid + flags -> host fd (SCM_RIGHTS) */
	GOFER_OP_READDIR = 5,	/* fid + cookie -> entries */
	GOFER_OP_READLINK = 6,	/* fid -> target */
	GOFER_OP_CLUNK = 7,	/* fid -> released */
	/* Writing, on the trees of writable roots only (-EROFS elsewhere). */
	GOFER_OP_MAKE = 8,	/* dir fid + name (+ symlink target) -> fid and attr of a new file */
	GOFER_OP_LINK = 9,	/* fid + dir fid + name -> a new name for the file */
	GOFER_OP_UNLINK = 10,	/* dir fid + name -> removed */
	GOFER_OP_RENAME = 11,	/* dir fid + name -> dir fid + name */
	GOFER_OP_SETATTR = 12,	/* fid + attributes -> attr */
	GOFER_OP_FSYNC = 13,	/* fid -> the file's data and attributes on stable storage */
	GOFER_OP_XATTRS = 14,	/* fid -> the extended attributes the sandbox may read */
};

/* Every message starts with this. In replies, error is 0 or a negative errno; on error the
   reply carries no body. len is the total datagram length including the header; tag is the
   request's, echoed in its reply. */
struct gofer_hdr {
	uint32_t op;
	uint32_t len;
	int32_t error;
	uint32_t tag;
};

/* File attributes as the gofer's host sees them (struct stat, fixed layout). */
struct gofer_attr {
	uint64_t dev;
	uint64_t ino;
	uint64_t nlink;
	uint32_t mode;
	uint32_t uid;
	uint32_t gid;
	uint32_t reserved;
	uint64_t rdev;
	int64_t size;
	int64_t blksize;
	int64_t blocks;
	int64_t atime_sec, atime_nsec;
	int64_t mtime_sec, mtime_nsec;
	int64_t ctime_sec, ctime_nsec;
};

/* ATTACH: each call returns a new fid of that root; an unknown index gets -EINVAL. A root is a
   directory tree or a single regular file (a file bind mount: nothing else of its directory
   can be reached). */
struct gofer_attach_req {
	struct gofer_hdr hdr;
	uint32_t root;		/* index of the root the gofer was started with; 0 is the rootfs */
	uint32_t reserved;
};
struct gofer_attach_reply {
	struct gofer_hdr hdr;
	uint32_t fid;
	uint32_t flags;		/* GOFER_ROOT_* */
	struct gofer_attr attr;
};
#define GOFER_ROOT_READONLY 1u

/* WALK: nnames (1..GOFER_WALK_MAX) names follow the fixed part, each as uint16_t length then
   the bytes (no NUL). Every name is checked before anything is walked (gofer_check_name): one bad
   name fails the whole request. The reply lists one entry per name walked, in order, each with
   a new fid the caller must clunk. The walk stops, successfully, after a symlink (stop_error 0:
   the caller reads it and resolves it itself), after a non-directory (stop_error -ENOTDIR), or
   at the first name that cannot be walked (stop_error -ENOENT, -EACCES, -ENFILE...); if the
   first name fails the reply is that error. A walk from a fid that is not a directory fails
   with -ENOTDIR. */
struct gofer_walk_req {
	struct gofer_hdr hdr;
	uint32_t fid;
	uint32_t nnames;
	/* names */
};
struct gofer_walk_entry {
	uint32_t fid;
	uint32_t reserved;
	struct gofer_attr attr;
};
struct gofer_walk_reply {
	struct gofer_hdr hdr;
	uint32_t nwalked;
	int32_t stop_error;	/* why the walk stopped early (e.g. -ENOENT); 0 if it did not or
				   stopped at a symlink */
	struct gofer_walk_entry entries[];
};

/* STAT, READLINK, CLUNK. READLINK of anything but a symlink gets -EINVAL. The root fids from
   ATTACH can be clunked like any other. */
struct gofer_fid_req {
	struct gofer_hdr hdr;
	uint32_t fid;
	uint32_t reserved;
};
struct gofer_stat_reply {
	struct gofer_hdr hdr;
	struct gofer_attr attr;
};
struct gofer_readlink_reply {
	struct gofer_hdr hdr;
	uint32_t len;
	uint32_t reserved;
	char target[];		/* len bytes, no NUL */
};

/* XATTRS (request: struct gofer_fid_req): a directory's or regular file's user.* attributes
   and security.capability, count entries each a struct gofer_xattr_entry then its name and
   value (no NUL); anything else has none. -E2BIG when they do not fit one reply. */
struct gofer_xattrs_reply {
	struct gofer_hdr hdr;
	uint32_t count;
	uint32_t reserved;
};
struct gofer_xattr_entry {
	uint32_t name_len;
	uint32_t value_len;
};

/* OPEN: regular files and directories. flags are open(2) flags: on a read-only root a write
   access mode, O_CREAT, O_TRUNC, O_APPEND or O_TMPFILE get -EROFS; on a writable root a regular
   file may be opened O_WRONLY or O_RDWR, with O_APPEND and O_TRUNC (O_CREAT and O_TMPFILE still
   get -EROFS: MAKE creates); O_DIRECTORY on a non-directory -ENOTDIR;
   O_NONBLOCK, O_NOATIME, O_LARGEFILE (the kernel's 0100000), O_CLOEXEC, O_NOFOLLOW and O_NOCTTY
   are accepted and ignored; any other bit gets -EINVAL. Symlinks get -ELOOP; devices, fifos and
   sockets -EACCES (never opened, so never blocking). A file that is no longer the one walked
   (renamed, replaced) gets -ESTALE. The reply is a bare header, the fds (O_RDONLY; O_NONBLOCK set
   for regular files, meaningless for them) arrive with it: count (1..GOFER_OPEN_MAX) separate
   open file descriptions of a regular file, so the sentry can keep spares for later opens of a
   file opened again and again (fewer, if the host refuses some but the first); one for a
   directory. */
struct gofer_open_req {
	struct gofer_hdr hdr;
	uint32_t fid;
	uint32_t flags;
	uint32_t count;
	uint32_t reserved;
};

/* READDIR: cookie 0 starts; each entry carries the cookie that continues after it (the host's
   getdents64 d_off: opaque, not an index; one above INT64_MAX gets -EINVAL). The reply has as
   many entries as fit, at least one unless eof is set, which it is when the directory has no more. "." and ".." are not returned: the sentry synthesizes them.
   Entries: struct gofer_dirent then namelen bytes (a valid name, no NUL), zero-padded to 8
   (GOFER_DIRENT_SIZE). type may be DT_UNKNOWN on file systems that do not record it. */
struct gofer_readdir_req {
	struct gofer_hdr hdr;
	uint32_t fid;
	uint32_t reserved;
	uint64_t cookie;
};
struct gofer_dirent {
	uint64_t ino;
	uint64_t next_cookie;
	uint8_t type;		/* DT_* */
	uint8_t reserved;
	uint16_t namelen;
	uint32_t reserved2;
	/* name */
};
struct gofer_readdir_reply {
	struct gofer_hdr hdr;
	uint32_t count;
	uint32_t eof;
	/* entries */
};
#define GOFER_DIRENT_SIZE(namelen) \
	((sizeof(struct gofer_dirent) + (size_t)(namelen) + 7) & ~(size_t)7)

/* MAKE: a regular file, a directory or a symlink (mode's type; its permission bits as given,
   no umask), owned by uid:gid, named by namelen bytes after the fixed part, followed by
   targetlen bytes of the symlink's target (0 for the others). Fails with the host's errno
   (-EEXIST...); the reply is that of a walk of the new name. */
struct gofer_make_req {
	struct gofer_hdr hdr;
	uint32_t dir_fid;
	uint32_t mode;
	uint32_t uid;
	uint32_t gid;
	uint16_t namelen;
	uint16_t targetlen;
	uint32_t reserved;
	/* name, target */
};
struct gofer_make_reply {
	struct gofer_hdr hdr;
	struct gofer_walk_entry entry;
};

/* LINK: fid (not a directory) gets the name namelen bytes after the fixed part in dir_fid. */
struct gofer_link_req {
	struct gofer_hdr hdr;
	uint32_t fid;
	uint32_t dir_fid;
	uint16_t namelen;
	uint16_t reserved;
	uint32_t reserved2;
	/* name */
};

/* UNLINK: flags 0 or AT_REMOVEDIR (unlinkat(2)). */
struct gofer_unlink_req {
	struct gofer_hdr hdr;
	uint32_t dir_fid;
	uint32_t flags;
	uint16_t namelen;
	uint16_t reserved;
	uint32_t reserved2;
	/* name */
};

/* RENAME: renameat2(2) flags (RENAME_NOREPLACE, RENAME_EXCHANGE). fid is the file renamed and
   target_fid the one replaced or exchanged (GOFER_NOFID: none), so that the gofer's fids keep
   naming them under their new names. */
#define GOFER_NOFID UINT32_MAX
struct gofer_rename_req {
	struct gofer_hdr hdr;
	uint32_t old_dir_fid;
	uint32_t new_dir_fid;
	uint32_t fid;
	uint32_t target_fid;
	uint32_t flags;
	uint16_t oldlen;
	uint16_t newlen;
	/* old name, new name */
};

/* SETATTR: the GOFER_ATTR_* fields in valid. SIZE only for regular files; MODE (permission
   bits) and times not for symlinks (-EOPNOTSUPP). Times may be UTIME_NOW. The reply is a
   STAT reply. */
#define GOFER_ATTR_MODE 0x1
#define GOFER_ATTR_UID 0x2
#define GOFER_ATTR_GID 0x4
#define GOFER_ATTR_SIZE 0x8
#define GOFER_ATTR_ATIME 0x10
#define GOFER_ATTR_MTIME 0x20
struct gofer_setattr_req {
	struct gofer_hdr hdr;
	uint32_t fid;
	uint32_t valid;
	uint32_t mode;
	uint32_t uid;
	uint32_t gid;
	uint32_t reserved;
	int64_t size;
	int64_t atime_sec, atime_nsec;
	int64_t mtime_sec, mtime_nsec;
};

/* FSYNC: a gofer_fid_req. */

/* What a name in WALK and READDIR must be: one plain path component. Returns 0, -EINVAL (empty,
   ".", "..", a '/' or a NUL in it) or -ENAMETOOLONG (over GOFER_NAME_MAX bytes). */
static inline int gofer_check_name(const char *name, size_t len)
{
	if (len == 0)
		return -EINVAL;
	if (len > GOFER_NAME_MAX)
		return -ENAMETOOLONG;
	if (memchr(name, '/', len) || memchr(name, '\0', len))
		return -EINVAL;
	if (name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.')))
		return -EINVAL;
	return 0;
}

#endif
