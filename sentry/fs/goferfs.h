/* The container's image, served by the gofer: a read-only tree whose names, attributes and
   listings are cached by the sentry (the image does not change under it). */
#ifndef RUNSCC_SENTRY_FS_GOFERFS_H
#define RUNSCC_SENTRY_FS_GOFERFS_H

#include "sentry/vfs/vfs.h"

/* Attaches gofer root index `root` and returns its root dentry. With overlay, the tree is
   the lower layer of a writable overlay whose upper layer is memfs (see memfs.h);
   otherwise it is read-only. */
int goferfs_attach(uint32_t root, bool overlay, struct dentry **out);

#endif
