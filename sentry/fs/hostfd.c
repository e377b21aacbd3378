/* Host fds the guest inherits from whoever started the sandbox (stdin, stdout, stderr): the
   host object passes through; the sentry keeps a copy and decides each syscall. */
#define _GNU_SOURCE
#include "sentry/fs/fs.h"
#include "sentry/fs/synth.h"
#include "sentry/kernel.h"
#include "sentry/mm/guest_mem.h"
#include "sentry/task/task.h"
#include "sentry/task/siginfo.h"

#include <errno.h>
#include <stdlib.h>
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

static void terminal_forget(struct inode *inode);

/* The inode owns one host fd (for fstat and reopens); each open file owns its own. */
static void hostfd_evict(struct inode *inode)
{
	int fd = (int)(intptr_t)inode->priv;
	terminal_forget(inode);
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

/* A host terminal given to the guest as stdio (OCI terminal: true) and the guest's view of it:
   the session it is the controlling terminal of and its foreground process group, in the
   sentry's ids. The host's never change (the launcher made the terminal its controlling
   one); the guest's job control lives here. Kernel lock held. */
struct guest_tty {
	dev_t dev, rdev;
	pid_t sid;		/* 0: no session's */
	pid_t fg_pgid;
	struct guest_tty *next;
};

static struct guest_tty *guest_ttys;

static struct guest_tty *guest_tty_find(const struct inode *inode)
{
	if (!S_ISCHR(inode->mode))
		return NULL;
	for (struct guest_tty *tty = guest_ttys; tty; tty = tty->next)
		if (tty->dev == inode->dev && tty->rdev == inode->rdev)
			return tty;
	return NULL;
}

static int guest_tty_set(const struct inode *inode, pid_t sid, pid_t pgid)
{
	struct guest_tty *tty = guest_tty_find(inode);
	if (!tty) {
		if (!(tty = calloc(1, sizeof(*tty))))
			return -ENOMEM;
		tty->dev = inode->dev;
		tty->rdev = inode->rdev;
		tty->next = guest_ttys;
		guest_ttys = tty;
	}
	tty->sid = sid;
	tty->fg_pgid = pgid;
	return 0;
}

int hostfd_claim_tty(struct file *f, pid_t sid, pid_t pgid)
{
	if (!f->inode || f->inode->iops != &hostfd_iops || !isatty((int)(intptr_t)f->inode->priv))
		return 0;
	return guest_tty_set(f->inode, sid, pgid);
}

static bool session_has_tty(pid_t sid)
{
	for (struct guest_tty *tty = guest_ttys; tty; tty = tty->next)
		if (tty->sid == sid)
			return true;
	return false;
}

/* Is pgid a process group of session sid? */
static bool pgrp_in_session(pid_t pgid, pid_t sid)
{
	for (struct thread_group *tg = thread_group_first(); tg; tg = thread_group_next(tg))
		if (!tg->exited && tg->pgid == pgid && tg->sid == sid)
			return true;
	return false;
}

/* Does a live session hold tty? */
static bool tty_held(const struct guest_tty *tty)
{
	return tty && tty->sid && pgrp_in_session(tty->sid, tty->sid);
}

int terminal_open_ctty(const struct inode *inode, int flags)
{
	struct thread_group *tg = current->tg;
	if ((flags & O_NOCTTY) || tg->tgid != tg->sid || session_has_tty(tg->sid) ||
	    tty_held(guest_tty_find(inode)))
		return 0;
	return guest_tty_set(inode, tg->sid, tg->pgid);
}

/* A signal from the terminal itself (Linux's kill_pgrp(pgrp, sig, 1)): SI_KERNEL, no sender,
   to every process of group pgid. */
static void tty_signal_group(pid_t pgid, int sig)
{
	siginfo_t si;
	siginfo_user(&si, sig, SI_KERNEL, NULL);
	for (struct thread_group *tg = thread_group_first(); tg; tg = thread_group_next(tg))
		if (tg->pgid == pgid && !signal_dropped(tg, sig))
			signal_send(tg, NULL, &si);
}

void terminal_signal(const struct inode *inode, int sig)
{
	struct guest_tty *tty = guest_tty_find(inode);
	if (tty_held(tty) && tty->fg_pgid)
		tty_signal_group(tty->fg_pgid, sig);
}

void terminal_hangup(const struct inode *inode)
{
	struct guest_tty *tty = guest_tty_find(inode);
	if (!tty)
		return;
	struct thread_group *leader = tty->sid ? thread_group_by_pid(tty->sid) : NULL;
	if (leader && !leader->exited && leader->sid == tty->sid) {
		siginfo_t si;
		siginfo_user(&si, SIGHUP, SI_KERNEL, NULL);
		if (!signal_dropped(leader, SIGHUP))
			signal_send(leader, NULL, &si);
		si.si_signo = SIGCONT;
		if (!signal_dropped(leader, SIGCONT))
			signal_send(leader, NULL, &si);
	}
	tty->sid = 0;
	tty->fg_pgid = 0;
}

long terminal_peer_ioctl(const struct inode *inode, unsigned int cmd, uint64_t arg)
{
	struct guest_tty *tty = guest_tty_find(inode);
	pid_t id = !tty_held(tty) ? 0 : cmd == TIOCGPGRP ? tty->fg_pgid : tty->sid;
	if (cmd == TIOCGSID && !id)
		return -ENOTTY;
	return guest_write(current, arg, &id, sizeof(id));
}

void terminal_session_ended(pid_t sid)
{
	for (struct guest_tty *tty = guest_ttys; tty; tty = tty->next) {
		if (tty->sid != sid)
			continue;
		if (tty->fg_pgid)
			tty_signal_group(tty->fg_pgid, SIGHUP);
		tty->sid = 0;
		tty->fg_pgid = 0;
	}
}

/* Job-control requests on the caller's controlling terminal, answered from the record. */
static long guest_tty_ioctl(struct file *f, unsigned int cmd, uint64_t arg)
{
	struct thread_group *tg = current->tg;
	struct guest_tty *tty = guest_tty_find(f->inode);
	bool controlling = tty && tty->sid == tg->sid;
	pid_t pgid;

	switch (cmd) {
	case TIOCGPGRP:
		return !controlling ? -ENOTTY : guest_write(current, arg, &tty->fg_pgid, sizeof(pid_t));
	case TIOCGSID:
		return !controlling ? -ENOTTY : guest_write(current, arg, &tty->sid, sizeof(pid_t));
	case TIOCSPGRP: {
		if (!controlling)
			return -ENOTTY;
		long r = guest_read(current, arg, &pgid, sizeof(pgid));
		if (r < 0)
			return r;
		if (pgid < 0)
			return -EINVAL;
		if (!pgrp_in_session(pgid, tg->sid))
			return -EPERM;
		tty->fg_pgid = pgid;
		return 0;
	}
	case TIOCSCTTY:
		if (controlling)
			return 0;
		/* A session leader without one takes a terminal no live session holds. */
		if (tg->tgid != tg->sid || tty_held(tty))
			return -EPERM;
		return guest_tty_set(f->inode, tg->sid, tg->pgid);
	case TIOCNOTTY:
		if (!controlling)
			return -ENOTTY;
		if (tg->tgid == tg->sid)
			tty->sid = 0;
		return 0;
	}
	return -ENOTTY;
}

/* Terminal requests that only concern the terminal itself run natively: the decision rests on
   the fd and the request number (a host object the guest holds anyway); requests naming
   process groups or sessions are the sentry's. */
long terminal_ioctl(struct file *f, unsigned int cmd, uint64_t arg)
{
	switch (cmd) {
	case TCGETS:
	case TCSETS:
	case TCSETSW:
	case TCSETSF:
	case TCGETA:
	case TCSETA:
	case TCSETAW:
	case TCSETAF:
	case TIOCGWINSZ:
	case TIOCSWINSZ:
	case TCFLSH:
	case TCXONC:
	case TCSBRK:
	case TCSBRKP:
	case TIOCOUTQ:
		return SYSCALL_CONTINUE;
	default:
		return guest_tty_ioctl(f, cmd, arg);
	}
}

static const struct file_operations hostfd_fops = {
	.host_io = true,
	.llseek = host_fd_llseek,
	.ioctl = terminal_ioctl,
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

/* Host terminals given as stdio (the console, an exec's --tty): one inode per terminal while
   the sentry holds any file on it, named in /dev/pts by an alias inode with its attributes
   (what ttyname compares); the alias opens the terminal again (a description shared with
   the sentry's copy, as a reopen of stdio is) and goes when the terminal does, so that the
   caller sees the terminal closed when the guest is done with it. Kernel lock held. */
static struct host_terminal {
	struct inode *inode;	/* the hostfd inode (not held: it leaves at its eviction) */
	struct inode *alias;	/* its /dev/pts entry; priv is the inode, NULL once gone */
	struct host_terminal *next;
} *host_terminals;

static int terminal_alias_open(struct inode *alias, struct file *f, int flags)
{
	struct inode *target = alias->priv;
	if (!target)
		return -EIO;
	f->host_fd = fcntl((int)(intptr_t)target->priv, F_DUPFD_CLOEXEC, 3);
	return f->host_fd < 0 ? -errno : terminal_open_ctty(alias, flags);
}

static const struct inode_operations terminal_alias_iops = {
	.open = terminal_alias_open,
};

static void terminal_forget(struct inode *inode)
{
	for (struct host_terminal **p = &host_terminals; *p; p = &(*p)->next) {
		struct host_terminal *t = *p;
		if (t->inode != inode)
			continue;
		*p = t->next;
		t->alias->priv = NULL;
		devpts_remove(t->alias);
		inode_put(t->alias);
		free(t);
		return;
	}
}

static int terminal_name(struct inode *inode)
{
	struct host_terminal *t = calloc(1, sizeof(*t));
	struct inode *alias = t ? inode_new(hostfd_sb, inode->mode) : NULL;
	if (!alias) {
		free(t);
		return -ENOMEM;
	}
	alias->iops = &terminal_alias_iops;
	alias->fops = &hostfd_fops;
	alias->dev = inode->dev;
	alias->ino = inode->ino;
	alias->rdev = inode->rdev;
	alias->uid = inode->uid;
	alias->gid = inode->gid;
	alias->atime = inode->atime;
	alias->mtime = inode->mtime;
	alias->ctime = inode->ctime;
	alias->priv = inode;
	int r = devpts_add(alias);
	if (r < 0) {
		inode_put(alias);
		free(t);
		return r;
	}
	*t = (struct host_terminal){ inode, alias, host_terminals };
	host_terminals = t;
	return 0;
}

struct file *hostfd_terminal_file_new(int host_fd)
{
	struct stat st;
	if (fstat(host_fd, &st) < 0)
		return NULL;
	for (struct host_terminal *t = host_terminals; t; t = t->next) {
		if (t->inode->dev != st.st_dev || t->inode->rdev != st.st_rdev)
			continue;
		int acc = fcntl(host_fd, F_GETFL);
		struct file *f = file_alloc(&hostfd_fops, NULL, t->inode, acc < 0 ? O_RDWR : acc);
		if (f)
			f->host_fd = host_fd;
		return f;
	}
	struct file *f = hostfd_file_new(host_fd);
	if (f && terminal_name(f->inode) < 0) {
		/* The caller keeps host_fd on failure. */
		f->inode->priv = (void *)(intptr_t)fcntl(host_fd, F_DUPFD_CLOEXEC, 3);
		file_put(f);
		return NULL;
	}
	return f;
}
