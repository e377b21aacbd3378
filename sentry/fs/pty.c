/* The ptys a guest makes through /dev/ptmx (a symlink to /dev/pts/ptmx, as in a runc
   container): host ptys of a devpts instance of the sandbox's own, mounted by the sentry
   before it confines itself and attached nowhere, named /dev/pts/N in the sandbox's
   numbering. A new master is a new open of that instance's ptmx, made by the reopener (the
   confined sentry opens no paths); a slave is the master's TIOCGPTPEER. Both ends are host
   terminals mirrored into the guest: data, termios, window size and the lock run natively,
   as for the console; the pty's number, the peer open and job control are the sentry's.
   The host pty is no host process's controlling terminal, so what its line discipline would
   signal the sentry signals: writes to the master go through the sentry, which writes the
   bytes it read from the guest and sends the signal of each ISIG character among them after
   it (the host drops and flushes as Linux does); a resize sends SIGWINCH, the master's last
   close hangs the slave up. */
#define _GNU_SOURCE
#include "sentry/fs/fs.h"
#include "sentry/fs/reopen.h"
#include "sentry/kernel.h"
#include "sentry/mm/guest_mem.h"
#include "sentry/socket/socket.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/task/fdtable.h"
#include "sentry/task/task.h"
#include "common/cleanup.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
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
/* Bytes one write to a master moves through the sentry. */
#define PTY_IO_MAX (1024 * 1024)

static int ptmx_host = -1;		/* O_PATH: the private instance's ptmx */
static struct super_block *pts_sb;	/* /dev/pts's, where slaves are named */

/* One pty; the slave inode's priv. Kernel lock held. */
struct pty {
	int master_fd;		/* the master file's host fd; -1 once the master is closed */
	int number;		/* N of /dev/pts/N */
	struct inode *slave;
	bool lnext;		/* the last byte written was VLNEXT: the next one is literal */
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

/* TIOCSWINSZ on either end: the sentry sets the size it read (the host signals no one) and a
   change sends SIGWINCH to the foreground group, as Linux's pty_resize. */
static long pty_resize(struct pty *pty, int host_fd, uint64_t arg)
{
	struct winsize ws, old;
	long r = guest_read(current, arg, &ws, sizeof(ws));
	if (r < 0)
		return r;
	if (ioctl(host_fd, TIOCGWINSZ, &old) < 0 || ioctl(host_fd, TIOCSWINSZ, &ws) < 0)
		return -errno;
	if (memcmp(&ws, &old, sizeof(ws)))
		terminal_signal(pty->slave, SIGWINCH);
	return 0;
}

static long pts_ioctl(struct file *f, unsigned int cmd, uint64_t arg)
{
	struct pty *pty = f->inode->priv;
	if (cmd == TIOCSWINSZ)
		return pty_resize(pty, f->host_fd, arg);
	/* A hung-up slave answers job control as Linux's hung_up_tty_ioctl. */
	if (pty->master_fd < 0 && (cmd == TIOCGPGRP || cmd == TIOCSPGRP || cmd == TIOCGSID ||
				   cmd == TIOCSCTTY || cmd == TIOCNOTTY))
		return cmd == TIOCSPGRP ? -ENOTTY : -EIO;
	return terminal_ioctl(f, cmd, arg);
}

static const struct file_operations pts_fops = {
	.host_io = true,
	.llseek = host_fd_llseek,
	.ioctl = pts_ioctl,
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
	case TIOCSWINSZ:
		return pty_resize(pty, f->host_fd, arg);
	case TIOCGPGRP:
	case TIOCGSID:
		return terminal_peer_ioctl(pty->slave, cmd, arg);
	case TIOCSPTLCK:
	case TIOCGPTLCK:
	case TIOCPKT:
	case TIOCGPKT:
	case FIONREAD:
		return SYSCALL_CONTINUE;
	}
	return terminal_ioctl(f, cmd, arg);
}

/* The signal the slave's line discipline gives byte c (n_tty_receive_char_special), 0 for
   none; follows VLNEXT in canonical mode. */
static int pty_isig(struct pty *pty, const struct termios *t, unsigned char c)
{
	if (!(t->c_lflag & ISIG) || (t->c_lflag & EXTPROC))
		return 0;
	if (pty->lnext) {
		pty->lnext = false;
		return 0;
	}
	if (t->c_iflag & ISTRIP)
		c &= 0x7f;
	/* _POSIX_VDISABLE (0) disables a character. */
	static const struct { int cc, sig; } chars[] = {
		{ VINTR, SIGINT }, { VQUIT, SIGQUIT }, { VSUSP, SIGTSTP },
	};
	for (size_t i = 0; i < sizeof(chars) / sizeof(chars[0]); i++)
		if (c && c == t->c_cc[chars[i].cc])
			return chars[i].sig;
	if ((t->c_lflag & (ICANON | IEXTEN)) == (ICANON | IEXTEN) && c && c == t->c_cc[VLNEXT])
		pty->lnext = true;
	return 0;
}

/* A write to the host master that never waits: the description is the guest's mirror's, so
   its O_NONBLOCK is the guest's (reads of the master run natively); a blocking one is made
   non-blocking for the call, under the kernel lock. */
static ssize_t pty_write_now(struct file *f, const char *buf, size_t len)
{
	int fl = f->flags & O_NONBLOCK ? -1 : fcntl(f->host_fd, F_GETFL);
	if (fl >= 0 && fcntl(f->host_fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	ssize_t n = write(f->host_fd, buf, len);
	int e = errno;
	if (fl >= 0)
		fcntl(f->host_fd, F_SETFL, fl);
	errno = e;
	return n;
}

/* Bytes of buf the slave's line discipline takes up to and including the first signal
   character (*sig its signal, else 0: all of them); moves pty->lnext along. */
static size_t pty_scan(struct pty *pty, const struct termios *t, const char *buf, size_t len,
		       int *sig)
{
	*sig = 0;
	for (size_t i = 0; i < len; i++)
		if ((*sig = pty_isig(pty, t, (unsigned char)buf[i])))
			return i + 1;
	return len;
}

/* The bytes go to the host as the sentry read them, in parts that end at a signal character,
   each signalled once the host has it (the slave's termios read again for the next part: a
   handler may change it). A blocking write runs on a thread of its own, where it may wait for
   room in host polls, until everything is written or a signal the sentry sees comes. */
static long ptmx_write(struct file *f, const struct iovec *iov, int iovcnt, int64_t *pos)
{
	struct pty *pty = f->priv;
	if (pos != &f->pos)
		return -ESPIPE;
	if (!(f->flags & O_NONBLOCK) && !current_event->may_block)
		return SYSCALL_BLOCK;
	size_t len = socket_iov_total(iov, iovcnt, PTY_IO_MAX);
	_cleanup_free_ char *buf = malloc(len ? len : 1);
	if (!buf)
		return -ENOMEM;
	long r = socket_gather(current, iov, iovcnt, buf, len);
	if (r <= 0)
		return r;
	unsigned seen = current_event->interrupts_seen;
	struct file *held = file_get(f);
	size_t done = 0;
	bool lnext = pty->lnext;	/* the state at buf[done] */
	r = 0;
	while (done < len) {
		struct termios t;
		if (ioctl(f->host_fd, TCGETS, &t) < 0) {
			r = -errno;
			break;
		}
		int sig;
		size_t part = pty_scan(pty, &t, buf + done, len - done, &sig);
		pty->lnext = lnext;
		ssize_t n = pty_write_now(f, buf + done, part);
		if (n > 0) {
			/* Only the last byte of a part is a signal character. */
			pty_scan(pty, &t, buf + done, (size_t)n, &sig);
			lnext = pty->lnext;
			done += (size_t)n;
			if (sig)
				terminal_signal(pty->slave, sig);
			continue;
		}
		r = n == 0 ? -EAGAIN : -errno;
		if (r != -EAGAIN || (f->flags & O_NONBLOCK))
			break;
		if ((r = socket_wait_host(current, current_event, f->host_fd, POLLOUT, seen)) !=
		    SYSCALL_NOT_YET)
			break;
	}
	pty->lnext = lnext;
	file_put(held);
	return done ? (long)done : r;
}

/* The master closed: its slave's name goes, as Linux's does; open slaves stay (and read EOF
   or EIO, which the host's pty gives them). */
static void ptmx_release(struct file *f)
{
	struct pty *pty = f->priv;
	if (!pty)
		return;
	pty->master_fd = -1;
	terminal_hangup(pty->slave);
	devpts_remove(pty->slave);
	inode_put(pty->slave);
}

static const struct file_operations ptmx_fops = {
	.host_io = true,
	.write = ptmx_write,
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
