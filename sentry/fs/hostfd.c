/* Host fds the guest inherits from whoever started the sandbox (stdin, stdout, stderr): the
   host object passes through; the sentry keeps a copy and decides each syscall. */
#define _GNU_SOURCE
#include "sentry/fs/fs.h"
#include "sentry/fs/synth.h"
#include "sentry/kernel.h"

#include <errno.h>
#include <termios.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/ioctl.h>

static struct super_block *hostfd_sb;

static void hostfd_refresh(struct inode *inode)
{
	struct stat st;
	int fd = (int)(intptr_t)inode->priv;
	if (fstat(fd, &st) == 0) {
		inode->size = st.st_size;
		inode->blocks = st.st_blocks;
		inode->mtime = st.st_mtim;
		inode->atime = st.st_atim;
		inode->ctime = st.st_ctim;
	}
}

/* Opening the object again (through /proc/PID/fd/N) shares its host description, as a
   reopen of a pipe shares the pipe. */
static int hostfd_open(struct inode *inode, struct file *f, int flags)
{
	(void)flags;
	f->host_fd = fcntl((int)(intptr_t)inode->priv, F_DUPFD_CLOEXEC, 3);
	return f->host_fd < 0 ? -errno : 0;
}

/* The inode owns one host fd (for fstat and reopens); each open file owns its own. */
static void hostfd_evict(struct inode *inode)
{
	int fd = (int)(intptr_t)inode->priv;
	if (fd >= 0)
		close(fd);
}

/* The object is the host's: a size change (O_TRUNC of stdout redirected to a file) happens
   there; attributes the sentry would only pretend to change are refused. */
static int hostfd_setattr(struct inode *inode, const struct iattr *ia)
{
	if (ia->valid & ~(VFS_ATTR_SIZE | VFS_ATTR_CTIME | VFS_ATTR_MTIME))
		return -EPERM;
	if ((ia->valid & VFS_ATTR_SIZE) && S_ISREG(inode->mode) &&
	    ftruncate((int)(intptr_t)inode->priv, ia->size) < 0)
		return -errno;
	hostfd_refresh(inode);
	return 0;
}

static const struct inode_operations hostfd_iops = {
	.refresh = hostfd_refresh,
	.open = hostfd_open,
	.setattr = hostfd_setattr,
	.evict = hostfd_evict,
};

/* Terminal queries on the guest's own terminal run natively: they only read state the
   guest is allowed to see, through register-only arguments. */
static long hostfd_ioctl(struct file *f, unsigned int cmd, uint64_t arg)
{
	(void)f, (void)arg;
	switch (cmd) {
	case TCGETS:
	case TIOCGWINSZ:
		return SYSCALL_CONTINUE;
	default:
		return -ENOTTY;
	}
}

static const struct file_operations hostfd_fops = {
	.host_io = true,
	.llseek = host_fd_llseek,
	.ioctl = hostfd_ioctl,
};

/* Takes ownership of host_fd when it succeeds. */
struct file *hostfd_file_new(int host_fd)
{
	struct stat st;
	if (fstat(host_fd, &st) < 0)
		return NULL;
	int file_fd = fcntl(host_fd, F_DUPFD_CLOEXEC, 3);
	if (file_fd < 0)
		return NULL;
	if (!hostfd_sb && !(hostfd_sb = synth_sb_new("hostfd", true)))
		return NULL;
	struct inode *inode = inode_new(hostfd_sb, st.st_mode);
	if (!inode) {
		close(file_fd);
		return NULL;
	}
	inode->iops = &hostfd_iops;
	inode->fops = &hostfd_fops;
	inode->dev = st.st_dev;
	inode->ino = st.st_ino;
	inode->uid = 0;
	inode->gid = 0;
	inode->rdev = st.st_rdev;
	inode->nlink = st.st_nlink;
	inode->blksize = st.st_blksize;
	inode->priv = (void *)(intptr_t)host_fd;
	hostfd_refresh(inode);
	int acc = fcntl(host_fd, F_GETFL);
	struct file *f = file_alloc(&hostfd_fops, NULL, inode, acc < 0 ? O_RDWR : acc);
	if (!f) {
		/* The caller keeps host_fd on failure. */
		inode->priv = (void *)(intptr_t)-1;
		close(file_fd);
	} else {
		f->host_fd = file_fd;
	}
	inode_put(inode);
	return f;
}
