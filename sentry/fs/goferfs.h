/* Trees served by the gofer: the container's image, a read-only tree whose names, attributes
   and listings are cached by the sentry (the image does not change under it), and bind
   mounts, written through to the host. */
#ifndef RUNSCC_SENTRY_FS_GOFERFS_H
#define RUNSCC_SENTRY_FS_GOFERFS_H

#include "sentry/vfs/vfs.h"

/* Attaches gofer root index `root` and returns its root dentry. With overlay, the tree is
   the lower layer of a writable overlay whose upper layer is memfs (see memfs.h);
   otherwise it is a bind mount (a directory or a single file), read-only if the gofer serves
   it so, else written through to the host. */
int goferfs_attach(uint32_t root, bool overlay, struct dentry **out);

#endif
