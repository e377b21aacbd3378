/* The file systems the sentry mounts for a sandbox. */
#ifndef RUNSCC_SENTRY_FS_H
#define RUNSCC_SENTRY_FS_H

#include "sentry/vfs/vfs.h"

int devfs_new(struct dentry **out);
/* /dev/pts (also what a devpts mount shows): the host terminals the guest was given. */
int devpts_new(struct dentry **out);
/* Names the host terminal inode (of hostfd_file_new) in /dev/pts, once per terminal;
   returns its number (0 for the first: the container's console, as under runc). */
int devpts_add(struct inode *tty);
/* The /dev/pts number of the host terminal rdev, or -1. */
int devpts_number(dev_t rdev);
int procfs_new(struct dentry **out);
int sysfs_new(struct dentry **out);
/* Captures what /proc shows of the host (CPUs, boot time) while the sentry still can. */
void procfs_capture_host(void);
/* Opens the network namespace's /proc/net files for /proc/PID/net (procfs_net.c). */
void procfs_net_open(void);

struct boot_config;
/* Builds the mount table: the image at /, then /proc, /dev, /sys, /dev/shm, then the
   container's mounts, masked and read-only paths. */
int fs_mount_all(const struct boot_config *cfg, struct mount **root);

/* A file for a host fd the guest inherited (stdio): the host object passes through. NULL
   with errno set on failure (EMFILE: the sentry is out of fds). */
struct file *hostfd_file_new(int host_fd);
/* A host terminal given as stdio becomes the controlling terminal of session sid in the
   guest's eyes, with pgid in the foreground (a no-op for anything but a terminal). */
int hostfd_claim_tty(struct file *f, pid_t sid, pid_t pgid);

#endif
