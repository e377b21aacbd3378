/* The file systems the sentry mounts for a sandbox. */
#ifndef RUNSCC_SENTRY_FS_H
#define RUNSCC_SENTRY_FS_H

#include "sentry/vfs/vfs.h"

int devfs_new(struct dentry **out);
/* /dev/pts (also what a devpts mount shows): the guest's terminals, and ptmx. */
int devpts_new(struct dentry **out);
/* Names node /dev/pts/N with the lowest free N (0 for the first: the container's console,
   as under runc) and returns N; the directory holds a reference until devpts_remove. */
int devpts_add(struct inode *node);
void devpts_remove(struct inode *node);
/* The /dev/pts number of the terminal inode is (its device and rdev), or -1. */
int devpts_number(const struct inode *inode);
/* /dev/pts/ptmx: each open makes a new pty, its slave in sb (pty.c). */
struct inode *pty_ptmx_new(struct super_block *sb);
/* Mounts the sandbox's own host devpts instance, where guest ptys live; called while the
   sentry still may mount (a failure leaves /dev/ptmx answering ENODEV). */
int pty_host_init(void);
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
/* hostfd_file_new for a host terminal: all the sentry's files on one terminal share an
   inode, named in /dev/pts while it lives. */
struct file *hostfd_terminal_file_new(int host_fd);
/* The ioctls of a terminal mirrored into the guest: termios and window size natively, job
   control from the sentry's record. */
long terminal_ioctl(struct file *f, unsigned int cmd, uint64_t arg);
/* An open without O_NOCTTY by a session leader without a controlling terminal makes the
   terminal at inode its controlling one, if no session has it. */
int terminal_open_ctty(const struct inode *inode, int flags);

/* What the line discipline of the terminal at inode would signal (Linux's kill_pgrp with
   SI_KERNEL): sig to its foreground process group, if a live session holds it. */
void terminal_signal(const struct inode *inode, int sig);
/* Its hang-up (the last close of a pty's master, __tty_hangup): SIGHUP and SIGCONT to the
   session leader that holds it; it is nobody's controlling terminal any more. */
void terminal_hangup(const struct inode *inode);
/* TIOCGPGRP or TIOCGSID asked of a pty's master about its slave at inode (anyone may ask):
   the foreground group (0: none) or the session (ENOTTY: none). */
long terminal_peer_ioctl(const struct inode *inode, unsigned int cmd, uint64_t arg);
/* Session sid's leader exited (disassociate_ctty): SIGHUP to the foreground group of the
   terminal it held (a pty's way), which is nobody's controlling terminal any more. */
void terminal_session_ended(pid_t sid);

struct thread_group;
/* A pidfd (pidfd_open, pidfd.c) for tg; flags: O_NONBLOCK (PIDFD_NONBLOCK). */
int pidfd_file_new(struct thread_group *tg, int flags, struct file **out);
/* The process pidfd f names: 0, -EBADF (not a pidfd) or -ESRCH (reaped). */
int pidfd_process(struct file *f, struct thread_group **out);

#endif
