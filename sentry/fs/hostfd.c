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

static const struct inode_operations hostfd_iops = {
	.refresh = hostfd_refresh,
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

struct file *hostfd_file_new(int host_fd)
{
	struct stat st;
	if (fstat(host_fd, &st) < 0)
		return NULL;
	if (!hostfd_sb && !(hostfd_sb = synth_sb_new("hostfd", true)))
		return NULL;
	struct inode *inode = inode_new(hostfd_sb, st.st_mode);
	if (!inode)
		return NULL;
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
	inode_put(inode);
	if (f)
		f->host_fd = host_fd;
	return f;
}
