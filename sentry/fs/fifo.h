/* Named pipes (FIFOs) of any file system in the sentry: the in-memory one's and those of the
   image the gofer serves (never opened on the host: a host FIFO would be a channel out of
   the sandbox). */
#ifndef RUNSCC_SENTRY_FS_FIFO_H
#define RUNSCC_SENTRY_FS_FIFO_H

#include "sentry/vfs/vfs.h"

struct fifo;

/* A FIFO's state, kept by its inode. */
struct fifo *fifo_new(void);
void fifo_free(struct fifo *ff);
/* Opens f (of an inode whose fops are fifo_file_ops) on ff. Returns 0 or -errno. */
int fifo_open(struct fifo *ff, struct file *f, int flags);

/* The file operations of an open FIFO. */
extern const struct file_operations fifo_file_ops;

#endif
