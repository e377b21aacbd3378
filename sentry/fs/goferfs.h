/* The container's image, served by the gofer: a read-only tree whose names, attributes and
   listings are cached by the sentry (the image does not change under it). */
#ifndef RUNSCC_SENTRY_FS_GOFERFS_H
#define RUNSCC_SENTRY_FS_GOFERFS_H

#include "sentry/vfs/vfs.h"

/* Attaches gofer root index `root` and returns its root dentry. */
int goferfs_attach(uint32_t root, struct dentry **out);

#endif
