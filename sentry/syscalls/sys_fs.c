/* The task's place in the file system: working directory, umask; file system statistics. */
#define _GNU_SOURCE
#include "sentry/syscalls/syscalls.h"
#include "sentry/kernel.h"
#include "sentry/task/task.h"
#include "sentry/task/fdtable.h"
#include "sentry/mm/guest_mem.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <linux/magic.h>

SYSCALL(getcwd)
{
	char buf[VFS_PATH_MAX];
	uint64_t size = ev->args[1];
	int len = vfs_path_name(t, &t->fs->cwd, buf, sizeof(buf));
	if (len < 0)
		return len;
	if ((uint64_t)len + 1 > size)
		return -ERANGE;
	long r = guest_write(t, ev->args[0], buf, (size_t)len + 1);
	return r < 0 ? r : len + 1;
}

static long set_cwd(struct task *t, const struct path *p)
{
	struct inode *inode = p->dentry->inode;
	if (!S_ISDIR(inode->mode))
		return -ENOTDIR;
	long r = vfs_permission(t, inode, MAY_EXEC);
	if (r < 0)
		return r;
	path_set(&t->fs->cwd, p);
	return 0;
}

/* The directory named by the guest's string at upath (chdir, chroot). */
static long resolve_dir(struct task *t, uint64_t upath, struct path *p)
{
	char path[VFS_PATH_MAX];
	long r = guest_read_string(t, upath, path, sizeof(path));
	if (r < 0)
		return r;
	return vfs_resolve(t, &t->fs->cwd, path, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, p, NULL);
}

SYSCALL(chdir)
{
	struct path p;
	long r = resolve_dir(t, ev->args[0], &p);
	if (r < 0)
		return r;
	r = set_cwd(t, &p);
	path_put(&p);
	return r;
}

SYSCALL(fchdir)
{
	struct file *f = fd_get(t, (int)ev->args[0]);
	if (!f)
		return -EBADF;
	if (!f->path.dentry)
		return -ENOTDIR;
	return set_cwd(t, &f->path);
}

/* The new root is the process's (its fs context's) for every later walk: absolute paths and
   symlinks start there, ".." stops there; fork and exec keep it. The working directory
   stays where it is, as Linux leaves it (outside the root, getcwd says "(unreachable)"). */
SYSCALL(chroot)
{
	struct path p;
	long r = resolve_dir(t, ev->args[0], &p);
	if (r < 0)
		return r;
	r = vfs_permission(t, p.dentry->inode, MAY_EXEC);
	if (r == 0 && !task_capable(t, CAP_SYS_CHROOT))
		r = -EPERM;
	if (r == 0)
		path_set(&t->fs->root, &p);
	path_put(&p);
	return r;
}

SYSCALL(umask)
{
	mode_t old = t->fs->umask;
	t->fs->umask = (mode_t)ev->args[0] & 0777;
	return old;
}

static long fill_statfs(struct task *t, const struct path *p, uint64_t ubuf)
{
	struct statfs sf;
	const char *type = p->dentry->inode->sb->fstype;
	memset(&sf, 0, sizeof(sf));
	if (!strcmp(type, "proc"))
		sf.f_type = PROC_SUPER_MAGIC;
	else if (!strcmp(type, "sysfs"))
		sf.f_type = SYSFS_MAGIC;
	else if (!strcmp(type, "gofer"))
		sf.f_type = OVERLAYFS_SUPER_MAGIC;
	else
		sf.f_type = TMPFS_MAGIC;
	sf.f_bsize = 4096;
	sf.f_frsize = 4096;
	sf.f_namelen = VFS_NAME_MAX;
	const struct super_block *sb = p->dentry->inode->sb;
	if (sb->bytes_max) {
		/* A tmpfs with size=: its own room. */
		sf.f_blocks = sb->bytes_max / 4096;
		sf.f_bfree = sf.f_bavail = sb->bytes_used < sb->bytes_max
						   ? (sb->bytes_max - sb->bytes_used) / 4096 : 0;
	} else if (sf.f_type != PROC_SUPER_MAGIC && sf.f_type != SYSFS_MAGIC) {
		/* What is written goes to memory (the overlay's upper layer, tmpfs): its room is
		   the host's memory, as tmpfs without a size= shows it (no accounting yet). */
		struct sysinfo si;
		if (sysinfo(&si) == 0) {
			uint64_t unit = si.mem_unit ? si.mem_unit : 1;
			sf.f_blocks = si.totalram * unit / 4096;
			sf.f_bfree = sf.f_bavail = (si.freeram + si.bufferram) * unit / 4096;
			sf.f_files = sf.f_blocks;
			sf.f_ffree = sf.f_bfree;
		}
	}
	sf.f_flags = 0x20; /* ST_VALID: f_flags is meaningful */
	if (p->mnt->flags & MS_RDONLY)
		sf.f_flags |= 1; /* ST_RDONLY */
	return guest_write(t, ubuf, &sf, sizeof(sf));
}

SYSCALL(statfs)
{
	char path[VFS_PATH_MAX];
	struct path p;
	long r = guest_read_string(t, ev->args[0], path, sizeof(path));
	if (r < 0)
		return r;
	r = vfs_resolve(t, &t->fs->cwd, path, LOOKUP_FOLLOW, &p, NULL);
	if (r < 0)
		return r;
	r = fill_statfs(t, &p, ev->args[1]);
	path_put(&p);
	return r;
}

/* Files without a name live on the kernel's internal file systems: pipes on pipefs,
   sockets on sockfs, memfds on tmpfs, event fds on the anonymous inode file system. */
static long fill_statfs_nameless(struct task *t, const struct file *f, uint64_t ubuf)
{
	struct statfs sf;
	mode_t mode = f->inode ? f->inode->mode : 0;
	memset(&sf, 0, sizeof(sf));
	sf.f_type = S_ISFIFO(mode) ? PIPEFS_MAGIC : S_ISSOCK(mode) ? SOCKFS_MAGIC
		    : S_ISREG(mode) ? TMPFS_MAGIC : ANON_INODE_FS_MAGIC;
	sf.f_bsize = 4096;
	sf.f_frsize = 4096;
	sf.f_namelen = VFS_NAME_MAX;
	sf.f_flags = 0x20; /* ST_VALID */
	return guest_write(t, ubuf, &sf, sizeof(sf));
}

SYSCALL(fstatfs)
{
	struct file *f = fd_get(t, (int)ev->args[0]);
	if (!f)
		return -EBADF;
	if (!f->path.dentry)
		return fill_statfs_nameless(t, f, ev->args[1]);
	return fill_statfs(t, &f->path, ev->args[1]);
}

SYSCALL(fadvise64)
{
	struct file *f = fd_get(t, (int)ev->args[0]);
	if (!f || (f->flags & O_PATH))
		return -EBADF;
	return f->ops && f->ops->host_io ? SYSCALL_CONTINUE : 0;
}
