/* The sentry's in-memory file system: the writable upper layer of the root overlay and
   tmpfs mounts (/dev/shm). Directories are name tables in the sentry, regular files are
   memfds (one per file, created when the file is first opened or given content), symlinks
   are strings; attributes live in the sentry's inodes.

   A directory of a lower layer becomes a memfs directory in place when it is first changed
   (memfs_dir_adopt): its listing is read once, and from then on the memfs table is the
   whole truth about its names (no whiteouts: the lower directory is never listed again);
   names not looked up yet are looked up in the lower directory when first needed. A lower
   regular file becomes a memfs file in place by copying its content into a memfd
   (memfs_file_adopt). */
#ifndef RUNSCC_SENTRY_FS_MEMFS_H
#define RUNSCC_SENTRY_FS_MEMFS_H

#include "sentry/vfs/vfs.h"

/* A tmpfs of its own (a new anonymous device); its root directory has mode (type
   included) and is owned by root. size_max bounds the file data it holds (writes past it
   get ENOSPC, as tmpfs's size=); 0: no bound. */
int memfs_new(const char *fstype, mode_t mode, uint64_t size_max, struct dentry **out);

/* Turns dir into a complete in-memory directory listing what lower (a directory inode,
   whose reference it takes on success) lists; lower keeps serving lookups of the names
   not looked up yet. On failure dir is unchanged. */
int memfs_dir_adopt(struct inode *dir, struct inode *lower);

/* A regular file becomes an in-memory one in two steps, so that the copy, which can take
   long, runs without the kernel lock: memfs_file_copy puts the first size bytes of src_fd
   (-1: none, the file becomes empty; holes stay holes) in a new memory file, touching no
   sentry state; memfs_file_adopt (under the lock) makes the inode that file. The caller
   owns what inode->priv pointed to before (it is overwritten). */
struct memfile;
int memfs_file_copy(int src_fd, int64_t size, struct memfile **out);
void memfs_file_adopt(struct inode *inode, struct memfile *mf);
void memfs_file_discard(struct memfile *mf);

/* Replaces the content of a memfs regular file with len bytes of data (the sentry's own
   write: no permission asked). */
int memfs_file_set(struct inode *inode, const void *data, size_t len);

/* How many bytes a write at pos may put in the file before its file system is full (as
   tmpfs counts: pages of data; what the file holds already can be rewritten); UINT64_MAX
   on a file system without a size bound. */
uint64_t memfs_room(struct inode *inode, int64_t pos);
/* One bound on the file data of every in-memory file system together (the root's layer and
   each tmpfs, whatever their own size=), so that all of them fit in the sandbox's memory;
   0: none. */
void memfs_set_budget(uint64_t bytes);
/* What the budget holds now and its bound (0: none), for `runsc-c debug memory`. */
void memfs_budget_get(uint64_t *used, uint64_t *max);
/* The host is about to add up to bytes to a memory file (a fallocate the sentry let through):
   counted now, so that calls before the next look at its blocks see them; that look sets
   the true figure. */
void memfs_reserve(struct inode *inode, uint64_t bytes);
/* Other memory the sandbox's files hold (System V segments, by size) counted in the same
   bound: -ENOSPC when it does not fit. */
int memfs_budget_take(uint64_t bytes);
void memfs_budget_give(uint64_t bytes);

/* Attribute changes that need no content (shared with lower-layer inodes). */
int memfs_setattr_attrs(struct inode *inode, const struct iattr *ia);

#endif
