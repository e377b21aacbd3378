/* The sentry's virtual file system: inodes, dentries, mounts and open files.

   Every file system is a set of inode_operations; every open file a file_operations table.
   Dentries are cached: a dentry once looked up (positive or negative) is kept, which is what
   lets a repeated path walk skip the gofer. File systems whose names change behind the cache
   (procfs) set sb->uncached, and their dentries live only as long as a reference. */
#ifndef RUNSCC_SENTRY_VFS_H
#define RUNSCC_SENTRY_VFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>
#include "common/hash.h"

struct task;
struct file;
struct path;
struct inode;
struct dentry;
struct mount;
struct super_block;

#define VFS_NAME_MAX 255
#define VFS_PATH_MAX 4096
#define VFS_MAX_SYMLINKS 40

/* Called by iterate for each directory entry with the cookie that resumes after it; returns
   nonzero to stop (the entry was not taken: iteration resumes at it next time). */
typedef int (*dir_emit_fn)(void *ctx, const char *name, size_t namelen, uint64_t ino,
			   unsigned type, uint64_t next_cookie);

/* What a new inode starts with (the VFS decides owner, group and mode: umask, setgid
   directories). */
struct inode_init {
	mode_t mode;			/* type and permission bits */
	uid_t uid;
	gid_t gid;
	dev_t rdev;
};

/* Attribute changes for setattr: which fields are valid. */
#define VFS_ATTR_MODE 0x1
#define VFS_ATTR_UID 0x2
#define VFS_ATTR_GID 0x4
#define VFS_ATTR_SIZE 0x8
#define VFS_ATTR_ATIME 0x10
#define VFS_ATTR_MTIME 0x20
#define VFS_ATTR_CTIME 0x40

struct iattr {
	unsigned valid;
	mode_t mode;			/* permission bits only; the type is kept */
	uid_t uid;
	gid_t gid;
	int64_t size;
	struct timespec atime, mtime, ctime;
};

/* The renameat2 flag the VFS passes to rename (it handles RENAME_NOREPLACE itself). */
#define VFS_RENAME_EXCHANGE 0x2

struct inode_operations {
	/* Looks name up in dir: 0 and a new reference in *out, or -ENOENT, or -errno. */
	int (*lookup)(struct inode *dir, const char *name, struct inode **out);
	/* Copies the symlink target into buf (not NUL-terminated); returns its length. */
	int (*readlink)(struct inode *inode, char *buf, size_t size);
	/* A magic link (/proc/PID/fd/N, cwd, root) leads to the object itself, whatever its
	   name is now: a new reference in *out. Path walks use it in place of readlink. */
	int (*get_link)(struct inode *inode, struct path *out);
	/* Lists dir from *cookie (0: start; fs-defined), advancing *cookie per entry taken.
	   Returns 0 when done or stopped, -errno on error. */
	int (*iterate)(struct inode *dir, uint64_t *cookie, dir_emit_fn emit, void *ctx);
	/* Prepares f (f->ops, f->host_fd, f->priv) for an open with flags. */
	int (*open)(struct inode *inode, struct file *f, int flags);
	/* Puts the file's data on stable storage (a file written through to the host); NULL:
	   nothing to flush. */
	int (*fsync)(struct inode *inode);
	/* Refreshes attributes that change outside the sentry's view (a host fd's size). */
	void (*refresh)(struct inode *inode);
	void (*evict)(struct inode *inode);
	/* Adds the attributes the file has below the sentry (the image's, through the gofer) to
	   inode->xattrs, the first time (vfs_xattr_add). */
	int (*load_xattrs)(struct inode *inode);

	/* Writing. An operation a file system does not support is NULL: the VFS answers EPERM
	   (EROFS on a read-only mount or super block, checked first). The VFS has checked
	   permissions, existence and types and keeps the dentry cache; the file system keeps
	   its own names. New inodes come back with a reference in *out. */

	/* Overlay copy-up: makes the inode writable in place, before any change to it or to
	   its names. A lower regular file becomes an upper one holding its first `keep` bytes
	   (the caller truncates to `keep` next; INT64_MAX: all), a lower directory becomes a
	   complete in-memory one. NULL once there is nothing to copy up. */
	int (*copy_up)(struct inode *inode, int64_t keep);
	/* Regular files, FIFOs and sockets (init->mode says which). */
	int (*create)(struct inode *dir, const char *name, const struct inode_init *init,
		      struct inode **out);
	int (*mkdir)(struct inode *dir, const char *name, const struct inode_init *init,
		     struct inode **out);
	int (*symlink)(struct inode *dir, const char *name, const char *target,
		       const struct inode_init *init, struct inode **out);
	/* Adds name for inode (a non-directory of the same super block). */
	int (*link)(struct inode *dir, const char *name, struct inode *inode);
	/* Removes name, which the VFS found to be inode (an empty directory for rmdir). */
	int (*unlink)(struct inode *dir, const char *name, struct inode *inode);
	int (*rmdir)(struct inode *dir, const char *name, struct inode *inode);
	/* Moves old_name (inode) to new_name, replacing target (NULL: none; for
	   VFS_RENAME_EXCHANGE: swapped with it). Both directories are of this file system and
	   copied up. */
	int (*rename)(struct inode *old_dir, const char *old_name, struct inode *inode,
		      struct inode *new_dir, const char *new_name, struct inode *target,
		      unsigned flags);
	/* Applies the valid fields of ia (VFS_ATTR_SIZE only on copied-up regular files). */
	int (*setattr)(struct inode *inode, const struct iattr *ia);
};

struct file_operations {
	/* The host object mirrored at the guest's number only shows readiness to poll and
	   epoll (no native data path: read and write are ops), so its access mode need not
	   be the open's. */
	bool readiness_mirror;
	/* The file is a host object mirrored into the guest (f->host_fd): mmap and exec run on
	   it natively, and so does the data path (read, write and their vector and positioned
	   forms, lseek, sendfile) unless the file has its own read/write ops, in which case the
	   sentry moves the data at its own position (file_native_io). A file with only a write op
   has its reads run natively (file_native_read). */
	bool host_io;
	/* Data transfer with guest memory (iov holds guest addresses). pos is the file position
	   to use and advance. */
	long (*read)(struct file *f, const struct iovec *iov, int iovcnt, int64_t *pos);
	long (*write)(struct file *f, const struct iovec *iov, int iovcnt, int64_t *pos);
	int64_t (*llseek)(struct file *f, int64_t offset, int whence);
	long (*ioctl)(struct file *f, unsigned int cmd, uint64_t arg);
	void (*release)(struct file *f);
	/* Lines of /proc/PID/fdinfo/N after the common ones (NULL: none). */
	void (*show_fdinfo)(struct file *f, FILE *m);
};

struct super_block {
	const char *fstype;
	dev_t dev;
	bool readonly;
	bool uncached;			/* names are dynamic: do not cache dentries */
	bool shared;			/* another (the host) adds names: cache no missing ones */
	uint64_t next_ino;
	uint64_t bytes_max;		/* tmpfs size=: file data the sentry may hold; 0: no limit */
	uint64_t bytes_used;
	void *priv;
};

struct inode {
	int refs;
	const struct inode_operations *iops;
	const struct file_operations *fops;	/* for files opened on this inode */
	struct super_block *sb;
	dev_t dev;
	uint64_t ino;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	uint64_t nlink;
	dev_t rdev;
	int64_t size;
	int64_t blksize;
	int64_t blocks;
	struct timespec atime, mtime, ctime;
	struct flock_holder *flocks;	/* flock(2) locks on it (sentry/vfs/flock.c) */
	struct inode_xattr *xattrs;	/* extended attributes (sentry/vfs/xattr.c) */
	struct inotify_mark *inotify_marks;	/* inotify watches on it (sentry/vfs/inotify.c) */
	struct lease *leases;		/* fcntl leases on it (sentry/vfs/lease.c) */
	int open_readers, open_writers;	/* its open files, read-only and writable (not O_PATH) */
	bool host_mapped;		/* named in the mapped-file table (mapped.c) */
	void *priv;
};

struct dentry {
	int refs;
	char *name;
	struct dentry *parent;		/* NULL for the root of a file system */
	struct inode *inode;		/* NULL: negative entry */
	struct mount *mounted;		/* the mount on top of this dentry, if any */
	struct dentry *children;	/* uthash by name */
	bool hashed;			/* in parent's children (cached) */
	UT_hash_handle hh;
};

struct mount {
	int id;
	struct dentry *root;
	struct mount *parent;		/* NULL for the root mount */
	struct dentry *mountpoint;	/* in parent */
	unsigned long flags;		/* MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC */
	char *source;
	struct mount *next;		/* all mounts, in mount order */
};

struct path {
	struct mount *mnt;
	struct dentry *dentry;
};

struct file {
	int refs;
	const struct file_operations *ops;
	struct path path;
	struct inode *inode;
	int flags;			/* O_ACCMODE and status flags as opened */
	int64_t pos;			/* sentry-side position (not used by host-backed files) */
	int host_fd;			/* the sentry's copy of a host fd mirrored into the guest */
	uint64_t dir_cookie;		/* getdents position */
	bool notify_close;		/* an open of a name: inotify reports its close */
	bool native_writer;		/* writes run natively: IN_MODIFY at close if mtime moved */
	struct timespec open_mtime;	/* the host file's at open, for native_writer */
	bool open_counted;		/* in its inode's open_readers/open_writers */
	int sig;			/* F_SETSIG's signal (0: SIGIO) for a sentry file */
	int owner_type;			/* F_SETOWN(_EX): F_OWNER_TID, _PID or _PGRP, in guest ids */
	pid_t owner;			/* 0: none */
	void *priv;
};

/* The status flags F_GETFL shows: an open by name on 64-bit Linux always adds O_LARGEFILE
   (which glibc defines as 0 there). */
static inline int file_status_flags(const struct file *f)
{
	return f->flags | (f->path.dentry ? 0100000 : 0);
}

/* Does the host run this file's data path (read, write, lseek) on the guest's mirror? */
static inline bool file_native_io(const struct file *f)
{
	return f->ops && f->ops->host_io && !f->ops->read && !f->ops->write;
}

/* Does the host run this file's reads on the guest's mirror (so its status flags, O_NONBLOCK,
   must be the host description's)? */
static inline bool file_native_read(const struct file *f)
{
	return f->ops && f->ops->host_io && !f->ops->read;
}

/* Lookup flags for vfs_resolve. */
#define LOOKUP_FOLLOW 0x1		/* follow a symlink in the last component */
#define LOOKUP_DIRECTORY 0x2		/* the result must be a directory */
#define LOOKUP_PARENT 0x4		/* stop at the parent; return the last name */
#define LOOKUP_EMPTY 0x8		/* "" names the start directory (AT_EMPTY_PATH) */
#define LOOKUP_ALLOW_NEGATIVE 0x10	/* a missing last component is not an error */
/* openat2's RESOLVE_* restrictions, for the whole walk (symlinks included). */
#define LOOKUP_NO_SYMLINKS 0x20		/* any symlink: ELOOP */
#define LOOKUP_NO_MAGICLINKS 0x40	/* a /proc magic link: ELOOP */
#define LOOKUP_NO_XDEV 0x80		/* leaving the start's mount: EXDEV */
#define LOOKUP_BENEATH 0x100		/* leaving the start directory: EXDEV */
#define LOOKUP_IN_ROOT 0x200		/* the start directory is the root ("/" and ".." stay in it) */
#define LOOKUP_RESOLVE_MASK \
	(LOOKUP_NO_SYMLINKS | LOOKUP_NO_MAGICLINKS | LOOKUP_NO_XDEV | LOOKUP_BENEATH | LOOKUP_IN_ROOT)

/* Permission bits for vfs_permission. */
#define MAY_EXEC 1
#define MAY_WRITE 2
#define MAY_READ 4

/* Inodes and dentries (kernel lock held for all of these). */
struct inode *inode_new(struct super_block *sb, mode_t mode);
struct inode *inode_get(struct inode *inode);
void inode_put(struct inode *inode);
struct dentry *dentry_get(struct dentry *d);
void dentry_put(struct dentry *d);
struct dentry *dentry_new_root(struct inode *inode);
/* An unhashed dentry for an object reached without a name (takes the inode reference). */
struct dentry *dentry_new_anon(struct dentry *parent, struct inode *inode);
/* Forgets parent's cached entry for name (the file system removed it on its own). */
void dentry_drop_child(struct dentry *parent, const char *name);
/* Puts d in its parent's table of cached names (which takes a reference), if not there. */
void dentry_hash(struct dentry *d);
/* The cached child name of parent, looked up through the file system on a miss. */
int dentry_lookup_child(struct dentry *parent, const char *name, struct dentry **out);

void path_get(struct path *p);
void path_put(struct path *p);
void path_set(struct path *dst, const struct path *src);

/* Mounts. */
struct mount *vfs_mount_root(struct dentry *root, unsigned long flags, const char *source);
/* Mounts root on where: a directory on a directory, a file on a file (where may be root
   itself: a path made read-only). */
int vfs_mount_at(const struct path *where, struct dentry *root, unsigned long flags,
		 const char *source);
/* Steps p into what is mounted on it, if anything. */
void vfs_follow_mounts(struct path *p);
/* "..": cur to its parent, across mount points upwards, never above root. */
void vfs_path_up(struct path *cur, const struct path *root);
/* All mounts, in mount order (follow mount.next): /proc/mounts. */
struct mount *vfs_mount_first(void);
/* A path for a nameless object (a pipe reached through /proc/PID/fd/N). */
int vfs_anon_path(struct inode *inode, struct path *out);
/* A device number for a new super block (major 0, as Linux's anonymous ones). */
dev_t vfs_new_anon_dev(void);

/* Path resolution, from `start` (or the task root for absolute paths): the whole path
   (LOOKUP_PARENT: all but the last component, whose name goes to last/lastlen). Symlinks,
   "." and ".." resolve inside the task's root; loops give ELOOP. */
struct nameidata_last {
	char name[VFS_NAME_MAX + 1];
	bool trailing_slash;
};
int vfs_resolve(struct task *t, const struct path *start, const char *path, int flags,
		struct path *out, struct nameidata_last *last);
/* Resolves (dirfd, path) as the *at syscalls do. */
int vfs_resolve_at(struct task *t, int dirfd, const char *path, int flags, struct path *out,
		   struct nameidata_last *last);

int vfs_permission(struct task *t, struct inode *inode, int mask);
void vfs_fill_stat(struct inode *inode, struct stat *st);
/* Guest-visible path of p relative to the task root ("/" based); returns length. */
int vfs_path_name(struct task *t, const struct path *p, char *buf, size_t size);

/* Open files. vfs_open_created opens a file this very open created (no permission check,
   no truncation, as Linux's FMODE_CREATED). */
int vfs_open(struct task *t, const struct path *p, int flags, struct file **out);
int vfs_open_created(struct task *t, const struct path *p, int flags, struct file **out);
struct file *file_alloc(const struct file_operations *ops, const struct path *p,
			struct inode *inode, int flags);
struct file *file_get(struct file *f);
void file_put(struct file *f);

/* flock(2) locks, owned by open files (descriptions) and kept on their inodes: the sentry's
   own, for every kind of file (the opens of an in-memory file share one host description,
   and locks on image files must not reach the host's). flock_set takes LOCK_SH, LOCK_EX or
   LOCK_UN and gives 0, -EWOULDBLOCK for a conflicting lock, or -ENOMEM; as on Linux a lock
   of the other type that f holds is dropped first, whether or not the new one is had.
   flock_release drops f's lock (its last reference went). Waiters are woken through
   kernel.task_event. */
int flock_set(struct file *f, int type);
void flock_release(struct file *f);

/* fcntl leases (lease.c). lease_set: F_SETLEASE of type by t's process on f, its fd number
   (0 or -errno). lease_get: F_GETLEASE (the type a break is taking it to, during one).
   lease_break: what an open with open_flags of inode may do: 0 go on, -EWOULDBLOCK
   (O_NONBLOCK) or LEASE_WAIT while a conflicting lease's holder has time to give way (the
   first call signals it). lease_release: f's last reference went. Kernel lock held; lease
   changes wake kernel.task_event. */
#define LEASE_WAIT 1
long lease_set(struct task *t, struct file *f, int fd, int type);
long lease_get(const struct file *f);
long lease_break(struct inode *inode, int open_flags);
void lease_release(struct file *f);

/* Extended attributes (xattr.c): user.* and trusted.* of in-memory files. Lengths, or
   -errno with Linux's precedence; size 0 asks for the length. */
long vfs_getxattr(struct task *t, struct inode *inode, const char *name, void *buf, size_t size);
/* A write, truncate or chown of a file drops its file capabilities (security.capability),
   whoever makes it, as Linux's file_remove_privs. */
void vfs_xattr_kill_priv(struct inode *inode);
/* An attribute of inode as its file system has it (load_xattrs): 0 or -ENOMEM. */
int vfs_xattr_add(struct inode *inode, const char *name, size_t name_len, const void *value,
		  size_t size);
long vfs_listxattr(struct task *t, struct inode *inode, char *buf, size_t size);
long vfs_setxattr(struct task *t, const struct path *p, struct inode *inode, const char *name,
		  const void *value, size_t size, int flags);
long vfs_removexattr(struct task *t, const struct path *p, struct inode *inode, const char *name);
void inode_xattrs_free(struct inode *inode);

/* inotify (inotify.c). The VFS reports what guests do to files at these hooks; each event
   goes to the watches on the inode and, for the events Linux also reports to a directory
   about its children, to its parent's (with the name). */
void fsnotify_dentry(struct dentry *d, struct inode *inode, uint32_t mask);
void fsnotify_file(struct file *f, uint32_t mask);
/* To the inode's own watches only (IN_MOVE_SELF, a link count's IN_ATTRIB). */
void fsnotify_inode(struct inode *inode, uint32_t mask);
/* A name in dir changed (IN_CREATE, IN_DELETE, IN_MOVED_FROM/TO with cookie). */
void fsnotify_name(struct inode *dir, const char *name, bool child_isdir, uint32_t mask,
		   uint32_t cookie);
uint32_t fsnotify_cookie(void);
/* Attributes changed (VFS_ATTR_* bits valid): IN_ATTRIB, IN_MODIFY or IN_ACCESS as Linux. */
void fsnotify_change(const struct path *p, struct inode *inode, unsigned valid);
/* inode_put of a watched inode: IN_DELETE_SELF and IN_IGNORED once only watches hold an
   inode without names. */
void fsnotify_inode_put(struct inode *inode);
/* The inotify file: limits (/proc/sys/fs/inotify), watches, /proc/PID/fdinfo lines. */
extern unsigned inotify_max_queued_events, inotify_max_user_instances, inotify_max_user_watches;
unsigned inotify_default_max_watches(void);
int inotify_file_new(uid_t uid, int flags, struct file **out);
bool file_is_inotify(struct file *f);
/* -EINVAL for a mask inotify_add_watch refuses before it looks at anything else. */
int inotify_mask_check(uint32_t mask);
int inotify_watch_add(struct file *f, struct inode *inode, uint32_t mask);
int inotify_watch_rm(struct file *f, int wd);

/* Copies a sentry buffer out to the guest iovecs from *pos (content of an emulated file). */
long file_read_buffer(const struct iovec *iov, int iovcnt, int64_t *pos, const void *data,
		      size_t size);

/* Ops shared by file systems. */
extern const struct file_operations dir_file_ops;	/* getdents through iterate */
extern const struct file_operations host_file_ops;	/* host fd mirrored into the guest */
int64_t generic_llseek(struct file *f, int64_t offset, int whence);
/* Seeks the sentry's copy of a host fd (the same open file description as the guest's). */
int64_t host_fd_llseek(struct file *f, int64_t offset, int whence);

/* Mode to DT_* for getdents. */
unsigned vfs_dtype(mode_t mode);

/* Changing names and attributes (namei.c). Paths are resolved as the *at syscalls do;
   every function returns 0 or -errno with Linux's precedence of errors. */
int vfs_mkdirat(struct task *t, int dirfd, const char *path, mode_t mode);
/* mknod: S_IFREG (or no type), S_IFIFO, S_IFSOCK; devices get EPERM. */
int vfs_mknodat(struct task *t, int dirfd, const char *path, mode_t mode, dev_t rdev);
int vfs_symlinkat(struct task *t, const char *target, int dirfd, const char *path);
/* flags: AT_SYMLINK_FOLLOW, AT_EMPTY_PATH. */
int vfs_linkat(struct task *t, int olddirfd, const char *oldpath, int newdirfd,
	       const char *newpath, int flags);
/* flags: AT_REMOVEDIR. */
int vfs_unlinkat(struct task *t, int dirfd, const char *path, int flags);
/* flags: RENAME_NOREPLACE, RENAME_EXCHANGE (RENAME_WHITEOUT gets EINVAL). */
int vfs_renameat2(struct task *t, int olddirfd, const char *oldpath, int newdirfd,
		  const char *newpath, unsigned flags);
/* Creates the regular file the negative dentry of p names (open with O_CREAT). */
int vfs_create(struct task *t, const struct path *p, mode_t mode);

/* Attribute changes on an inode reached through p (p->mnt may be NULL: an fd without a
   path, such as a pipe). They check ownership and permissions as chmod(2) & co. do. */
int vfs_chmod(struct task *t, const struct path *p, struct inode *inode, mode_t mode);
int vfs_chown(struct task *t, const struct path *p, struct inode *inode, uid_t uid, gid_t gid);
/* times NULL: both now; otherwise tv_nsec may be UTIME_NOW or UTIME_OMIT. */
int vfs_utimens(struct task *t, const struct path *p, struct inode *inode,
		const struct timespec times[2]);
/* truncate(2) (check_perm) and ftruncate(2) (the fd's write access is the permission). */
int vfs_truncate_permitted(struct task *t, const struct path *p, struct inode *inode, int64_t size,
			   bool check_perm);
int vfs_truncate(struct task *t, const struct path *p, struct inode *inode, int64_t size,
		 bool check_perm);
/* Copies inode up if its file system wants that before a change (vfs_copy_up). */
int vfs_copy_up(struct inode *inode, int64_t keep);
/* Sets ctime and mtime to now (a directory whose names changed, a written file). */
void inode_touch(struct inode *inode);
/* Applies the attribute fields of ia (not the size) to the sentry's inode. */
void inode_apply_attr(struct inode *inode, const struct iattr *ia);
/* Is dir empty (no names but "." and "..")? 1, 0 or -errno. */
int vfs_dir_empty(struct inode *dir);

/* Mapped files (mapped.c): the guest's name, device and inode number of each host object a
   guest may have mapped, by the host's (device, inode), for /proc/PID/maps. name NULL: the
   file's guest path as t sees it (a file without one is not noted, but keeps a name given
   before); device and inode are its inode's. Entries go with their inode. */
int vfs_mapped_note(struct task *t, struct file *f, const char *name);
/* The same for a host object of the sentry's that is no file (a System V segment), with a
   fixed name, device and inode, until vfs_mapped_forget(owner). */
int vfs_mapped_note_object(const void *owner, int host_fd, const char *name, dev_t dev, uint64_t ino);
struct mapped_name {
	const char *name;
	dev_t dev;
	uint64_t ino;
	bool deleted;			/* its last link is gone (Linux appends " (deleted)") */
};
bool vfs_mapped_find(dev_t host_dev, uint64_t host_ino, struct mapped_name *out);
void vfs_mapped_forget(const void *owner);

#endif
