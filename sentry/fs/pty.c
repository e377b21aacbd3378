/* The ptys a guest makes through /dev/ptmx (a symlink to /dev/pts/ptmx, as in a runc
   container): host ptys of a devpts instance of the sandbox's own, mounted by the sentry
   before it confines itself and attached nowhere, named /dev/pts/N in the sandbox's
   numbering. A new master is a new open of that instance's ptmx, made by the reopener (the
   confined sentry opens no paths); a slave is the master's TIOCGPTPEER. Both ends are host
   terminals mirrored into the guest: data, termios, window size and the lock run natively,
   as for the console; the pty's number, the peer open and job control are the sentry's. */
#define _GNU_SOURCE
#include "sentry/fs/fs.h"
#include "sentry/fs/reopen.h"
#include "sentry/kernel.h"
#include "sentry/mm/guest_mem.h"
#include "sentry/task/fdtable.h"
#include "sentry/task/task.h"
#include "common/cleanup.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/sysmacros.h>
#include <termios.h>

/* Linux's device numbers: /dev/ptmx and the first major of Unix 98 pty slaves. */
#define PTMX_RDEV makedev(5, 2)
#define PTY_SLAVE_MAJOR 136
/* The tty group, which Docker's devpts mount gives every slave (gid=5,mode=620). */
#define TTY_GID 5
/* Ptys one sandbox may hold: the host's are shared by every devpts instance but the first
   (kernel.pty.max less kernel.pty.reserve), which one sandbox must not use up. */
#define PTYS_MAX "256"

static int ptmx_host = -1;		/* O_PATH: the private instance's ptmx */
static struct super_block *pts_sb;	/* /dev/pts's, where slaves are named */

/* One pty; the slave inode's priv. Kernel lock held. */
struct pty {
	int master_fd;		/* the master file's host fd; -1 once the master is closed */
	int number;		/* N of /dev/pts/N */
	struct inode *slave;
};

int pty_host_init(void)
{
	_cleanup_close_ int fs = fsopen("devpts", FSOPEN_CLOEXEC);
	if (fs < 0 || fsconfig(fs, FSCONFIG_SET_STRING, "ptmxmode", "0666", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0620", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "max", PTYS_MAX, 0) < 0 ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return log_errno(-errno, "a devpts instance for guest ptys");
	_cleanup_close_ int mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
	if (mnt < 0)
		return log_errno(-errno, "mounting the guest ptys' devpts");
	ptmx_host = openat(mnt, "ptmx", O_PATH | O_CLOEXEC);
	return ptmx_host < 0 ? log_errno(-errno, "the guest ptys' ptmx") : 0;
}

static int pts_open(struct inode *inode, struct file *f, int flags)
{
	struct pty *pty = inode->priv;
	if (pty->master_fd < 0)
		return -EIO;
	f->host_fd = ioctl(pty->master_fd, TIOCGPTPEER,
			   (flags & (O_ACCMODE | O_NONBLOCK)) | O_NOCTTY | O_CLOEXEC);
	return f->host_fd < 0 ? -errno : terminal_open_ctty(inode, flags);
}

static void pts_evict(struct inode *inode)
{
	free(inode->priv);
}

static const struct inode_operations pts_iops = {
	.open = pts_open,
	.evict = pts_evict,
};

static const struct file_operations pts_fops = {
	.host_io = true,
	.llseek = host_fd_llseek,
	.ioctl = terminal_ioctl,
};

/* TIOCGPTPEER: the slave, opened with flags, at a new guest fd. */
static long pty_open_peer(struct pty *pty, int flags)
{
	struct file *f = file_alloc(&pts_fops, NULL, pty->slave, flags & (O_ACCMODE | O_NONBLOCK));
	if (!f)
		return -ENOMEM;
	long r = pts_open(pty->slave, f, flags);
	if (r == 0)
		r = fd_install(current, current_event, f, flags & O_CLOEXEC, 0);
	file_put(f);
	return r;
}

static long ptmx_ioctl(struct file *f, unsigned int cmd, uint64_t arg)
{
	struct pty *pty = f->priv;
	switch (cmd) {
	case TIOCGPTN: {
		unsigned int n = (unsigned int)pty->number;
		return guest_write(current, arg, &n, sizeof(n));
	}
	case TIOCGPTPEER:
		return pty_open_peer(pty, (int)arg);
	case TIOCSPTLCK:
	case TIOCGPTLCK:
	case TIOCPKT:
	case TIOCGPKT:
		return SYSCALL_CONTINUE;
	}
	return terminal_ioctl(f, cmd, arg);
}

/* The master closed: its slave's name goes, as Linux's does; open slaves stay (and read EOF
   or EIO, which the host's pty gives them). */
static void ptmx_release(struct file *f)
{
	struct pty *pty = f->priv;
	if (!pty)
		return;
	pty->master_fd = -1;
	devpts_remove(pty->slave);
	inode_put(pty->slave);
}

static const struct file_operations ptmx_fops = {
	.host_io = true,
	.llseek = host_fd_llseek,
	.ioctl = ptmx_ioctl,
	.release = ptmx_release,
};

static int ptmx_open(struct inode *inode, struct file *f, int flags)
{
	(void)inode, (void)flags;
	if (ptmx_host < 0)
		return -ENODEV;
	struct pty *pty = calloc(1, sizeof(*pty));
	struct inode *slave = pty ? inode_new(pts_sb, S_IFCHR | 0620) : NULL;
	if (!slave) {
		free(pty);
		return -ENOMEM;
	}
	slave->iops = &pts_iops;
	slave->fops = &pts_fops;
	slave->uid = current->tg->creds.fsuid;
	slave->gid = TTY_GID;
	slave->priv = pty;
	pty->slave = slave;
	pty->master_fd = reopener_reopen(ptmx_host, O_RDWR);
	pty->number = pty->master_fd < 0 ? pty->master_fd : devpts_add(slave);
	if (pty->number < 0) {
		int r = pty->number;
		if (pty->master_fd >= 0)
			close(pty->master_fd);
		inode_put(slave);
		return r;
	}
	slave->rdev = makedev(PTY_SLAVE_MAJOR, pty->number);
	f->host_fd = pty->master_fd;
	f->priv = pty;
	return 0;
}

static const struct inode_operations ptmx_iops = {
	.open = ptmx_open,
};

struct inode *pty_ptmx_new(struct super_block *sb)
{
	pts_sb = sb;
	struct inode *inode = inode_new(sb, S_IFCHR | 0666);
	if (inode) {
		inode->iops = &ptmx_iops;
		inode->fops = &ptmx_fops;
		inode->rdev = PTMX_RDEV;
	}
	return inode;
}
