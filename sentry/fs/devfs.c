/* /dev: the devices a container gets, made up by the sentry (never host device nodes). */
#define _GNU_SOURCE
#include "sentry/fs/fs.h"
#include "sentry/fs/synth.h"
#include "sentry/kernel.h"
#include "sentry/mm/guest_mem.h"
#include "common/cleanup.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

static size_t iov_total(const struct iovec *iov, int iovcnt)
{
	size_t total = 0;
	for (int i = 0; i < iovcnt; i++)
		total += iov[i].iov_len;
	return total;
}

static long dev_read_eof(struct file *f, const struct iovec *iov, int iovcnt, int64_t *pos)
{
	(void)f, (void)iov, (void)iovcnt, (void)pos;
	return 0;
}

static long dev_write_sink(struct file *f, const struct iovec *iov, int iovcnt, int64_t *pos)
{
	(void)f, (void)pos;
	return (long)iov_total(iov, iovcnt);
}

static long dev_write_full(struct file *f, const struct iovec *iov, int iovcnt, int64_t *pos)
{
	(void)f, (void)iov, (void)iovcnt, (void)pos;
	return -ENOSPC;
}

/* Fills the guest's buffers chunk by chunk from gen. */
static long dev_read_generated(const struct iovec *iov, int iovcnt, void (*gen)(char *, size_t))
{
	char chunk[16384];
	long done = 0;
	for (int i = 0; i < iovcnt; i++) {
		uint64_t base = (uint64_t)(uintptr_t)iov[i].iov_base;
		size_t left = iov[i].iov_len;
		while (left > 0) {
			size_t n = left < sizeof(chunk) ? left : sizeof(chunk);
			gen(chunk, n);
			if (guest_write(current, base, chunk, n) < 0)
				return done ? done : -EFAULT;
			base += n;
			left -= n;
			done += (long)n;
			if (done >= 0x7ffff000L)
				return done;
			/* Is anyone still waiting for it? */
			if (current_syscall_abandoned())
				return -EINTR;
		}
	}
	return done;
}

static void gen_zero(char *buf, size_t n)
{
	memset(buf, 0, n);
}

static void gen_random(char *buf, size_t n)
{
	size_t done = 0;
	while (done < n) {
		ssize_t r = getrandom(buf + done, n - done, 0);
		if (r > 0)
			done += (size_t)r;
	}
}

static long dev_read_zero(struct file *f, const struct iovec *iov, int iovcnt, int64_t *pos)
{
	(void)f, (void)pos;
	return dev_read_generated(iov, iovcnt, gen_zero);
}

static long dev_read_random(struct file *f, const struct iovec *iov, int iovcnt, int64_t *pos)
{
	(void)f, (void)pos;
	return dev_read_generated(iov, iovcnt, gen_random);
}

static int64_t dev_llseek_nop(struct file *f, int64_t offset, int whence)
{
	(void)f, (void)offset, (void)whence;
	return 0;
}

static const struct file_operations null_fops = {
	.read = dev_read_eof, .write = dev_write_sink, .llseek = dev_llseek_nop,
};
/* /dev/zero's data is the sentry's, but its mappings are the host's: each open gets a host
   /dev/zero description of its access mode, mirrored into the guest, which the host maps as
   Linux does (private: anonymous memory; shared: new shared anonymous memory each time) and
   checks the mapping against the open's access mode. */
static const struct file_operations zero_fops = {
	.host_io = true, .read = dev_read_zero, .write = dev_write_sink, .llseek = dev_llseek_nop,
};
static int zero_host_fds[3] = { -1, -1, -1 };	/* by access mode */

static int zero_open(struct inode *inode, struct file *f, int flags)
{
	(void)inode;
	int host = zero_host_fds[flags & O_ACCMODE];
	if (host >= 0 && (f->host_fd = fcntl(host, F_DUPFD_CLOEXEC, 3)) < 0)
		return -errno;
	return 0;
}

static const struct inode_operations zero_iops = {
	.open = zero_open,
};

/* The host descriptions come from a device node on a tmpfs of the sentry's that is mounted
   nowhere (fsmount without move_mount): they hold nothing of the host's or the container's
   file systems open (a host /dev/zero kept Docker's rootfs mount busy). At boot, with
   CAP_SYS_ADMIN and CAP_MKNOD; without them /dev/zero cannot be mapped (ENODEV). */
static void zero_open_host(void)
{
	static const int modes[3] = { O_RDONLY, O_WRONLY, O_RDWR };
	if (zero_host_fds[O_RDONLY] >= 0)
		return;
	_cleanup_close_ int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0 || fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		log_warn("a tmpfs for /dev/zero's mappings: %m");
		return;
	}
	_cleanup_close_ int mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NOSUID);
	if (mnt < 0 || mknodat(mnt, "zero", S_IFCHR | 0600, makedev(1, 5)) < 0) {
		log_warn("a /dev/zero node for its mappings: %m");
		return;
	}
	for (int i = 0; i < 3; i++)
		zero_host_fds[modes[i]] = openat(mnt, "zero", modes[i] | O_CLOEXEC);
}
static const struct file_operations full_fops = {
	.read = dev_read_zero, .write = dev_write_full, .llseek = dev_llseek_nop,
};
static const struct file_operations random_fops = {
	.read = dev_read_random, .write = dev_write_sink, .llseek = dev_llseek_nop,
};

static int devfs_add_chr(struct super_block *sb, struct inode *dir, const char *name,
			 unsigned major, unsigned minor, const struct file_operations *fops)
{
	return synth_dir_add(dir, name, synth_chardev_new(sb, 0666, makedev(major, minor), fops));
}

static int devfs_add_zero(struct super_block *sb, struct inode *dir)
{
	zero_open_host();
	struct inode *zero = synth_chardev_new(sb, 0666, makedev(1, 5), &zero_fops);
	if (zero)
		zero->iops = &zero_iops;
	return synth_dir_add(dir, "zero", zero);
}

/* /dev/pts: the guest's terminals, numbered as a devpts instance numbers them (the lowest
   free number): the OCI console (0, as under runc), each exec's --tty (hostfd.c), and the
   ptys the guest makes through /dev/pts/ptmx (pty.c). An entry lives as long as its
   terminal: a host terminal's while the sentry holds it, a pty's until its master is
   closed. One directory for /dev and every devpts mount; not cached, since names come and
   go. Kernel lock held. */
static struct inode *devpts_dir;
static struct inode **devpts_nodes;	/* by number (the directory holds them); NULL: free */
static int devpts_slots;

static struct inode *devpts_root(void)
{
	if (!devpts_dir) {
		struct super_block *sb = synth_sb_new("devpts", true);
		devpts_dir = sb ? synth_dir_new(sb, 0755) : NULL;
		if (devpts_dir && synth_dir_add(devpts_dir, "ptmx", pty_ptmx_new(sb)) < 0) {
			inode_put(devpts_dir);
			devpts_dir = NULL;
		}
	}
	return devpts_dir ? inode_get(devpts_dir) : NULL;
}

int devpts_new(struct dentry **out)
{
	struct inode *root = devpts_root();
	if (!root)
		return -ENOMEM;
	*out = dentry_new_root(root);
	return *out ? 0 : -ENOMEM;
}

int devpts_number(const struct inode *inode)
{
	for (int i = 0; i < devpts_slots; i++) {
		const struct inode *node = devpts_nodes[i];
		if (node && S_ISCHR(inode->mode) && node->dev == inode->dev && node->rdev == inode->rdev)
			return i;
	}
	return -1;
}

int devpts_add(struct inode *node)
{
	int n = 0;
	while (n < devpts_slots && devpts_nodes[n])
		n++;
	if (n == devpts_slots) {
		struct inode **v = realloc(devpts_nodes, sizeof(*v) * ((size_t)devpts_slots + 1));
		if (!v)
			return -ENOMEM;
		devpts_nodes = v;
		v[devpts_slots++] = NULL;
	}
	struct inode *dir = devpts_root();
	if (!dir)
		return -ENOMEM;
	char name[16];
	snprintf(name, sizeof(name), "%d", n);
	int r = synth_dir_add(dir, name, inode_get(node));
	inode_put(dir);
	if (r < 0)
		return r;
	devpts_nodes[n] = node;
	return n;
}

void devpts_remove(struct inode *node)
{
	for (int i = 0; i < devpts_slots; i++) {
		if (devpts_nodes[i] == node) {
			devpts_nodes[i] = NULL;
			synth_dir_remove(devpts_dir, node);
			return;
		}
	}
}

int devfs_new(struct dentry **out)
{
	struct super_block *sb = synth_sb_new("tmpfs", false);
	struct inode *root = sb ? synth_dir_new(sb, 0755) : NULL;
	int r = 0;

	if (!root)
		return -ENOMEM;
	r = r ?: devfs_add_chr(sb, root, "null", 1, 3, &null_fops);
	r = r ?: devfs_add_zero(sb, root);
	r = r ?: devfs_add_chr(sb, root, "full", 1, 7, &full_fops);
	r = r ?: devfs_add_chr(sb, root, "random", 1, 8, &random_fops);
	r = r ?: devfs_add_chr(sb, root, "urandom", 1, 9, &random_fops);
	r = r ?: synth_dir_add(root, "fd", synth_symlink_new(sb, "/proc/self/fd"));
	r = r ?: synth_dir_add(root, "stdin", synth_symlink_new(sb, "/proc/self/fd/0"));
	r = r ?: synth_dir_add(root, "stdout", synth_symlink_new(sb, "/proc/self/fd/1"));
	r = r ?: synth_dir_add(root, "stderr", synth_symlink_new(sb, "/proc/self/fd/2"));
	r = r ?: synth_dir_add(root, "pts", devpts_root());
	r = r ?: synth_dir_add(root, "ptmx", synth_symlink_new(sb, "pts/ptmx"));
	r = r ?: synth_dir_add(root, "shm", synth_dir_new(sb, 01777));
	r = r ?: synth_dir_add(root, "mqueue", synth_dir_new(sb, 01777));
	if (r < 0) {
		inode_put(root);
		return r;
	}
	*out = dentry_new_root(root);
	return *out ? 0 : -ENOMEM;
}
