/* The sandbox's mount table: the image at /, the sentry's /proc, /dev, /dev/shm, /dev/mqueue and
   /sys, then
   the container's mounts in order, then its masked and read-only paths (as runc makes them).
   Nothing here mounts anything of the host's: a bind mount is a tree the gofer serves, every
   other type is one of the sentry's file systems. Mount points the image lacks are made in
   the sentry's view (the image is never written). Destinations are resolved by the sentry
   in the sandbox's own tree. */
#define _GNU_SOURCE
#include "sentry/fs/fs.h"
#include "sentry/fs/goferfs.h"
#include "sentry/fs/memfs.h"
#include "sentry/fs/synth.h"
#include "sentry/ipc/mqueue.h"
#include "sentry/kernel.h"
#include "common/cleanup.h"
#include "common/log.h"

#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/sysinfo.h>

int sysfs_new(struct dentry **out)
{
	struct super_block *sb = synth_sb_new("sysfs", false);
	struct inode *root = sb ? synth_dir_new(sb, 0555) : NULL;
	if (!root)
		return -ENOMEM;
	*out = dentry_new_root(root);
	return *out ? 0 : -ENOMEM;
}

static void path_release(struct path *p)
{
	if (p->dentry)
		path_put(p);
}

#define _cleanup_path_ __attribute__((cleanup(path_release)))

/* Makes name in dir (a directory, or with file a regular file), owned by root: through the
   file system's own operations (the overlay's upper layer, a tmpfs, a bind mount's host
   directory), or as a fixed entry of a synthesized directory. */
static int mountpoint_make(struct dentry *parent, struct dentry *child, bool file)
{
	struct inode *dir = parent->inode;
	struct inode_init init = { .mode = file ? S_IFREG | 0644 : S_IFDIR | 0755 };
	struct inode *inode;
	int r;

	if (synth_is_dir(dir)) {
		if (file)
			return -EPERM;
		inode = synth_dir_new(dir->sb, 0755);
		r = inode ? synth_dir_add(dir, child->name, inode_get(inode)) : -ENOMEM;
	} else {
		/* The overlay's directory takes new names once copied up. */
		r = vfs_copy_up(dir, INT64_MAX);
		if (r < 0)
			return r;
		int (*make)(struct inode *, const char *, const struct inode_init *, struct inode **) =
			!dir->iops ? NULL : file ? dir->iops->create : dir->iops->mkdir;
		r = make ? make(dir, child->name, &init, &inode) : -EPERM;
	}
	if (r < 0)
		return r;
	child->inode = inode;
	return 0;
}

/* Continues the walk at a symlink's target: todo becomes the target, then what was left of
   the path (rest, which points into todo). */
static int follow_link(struct inode *link, char *todo, const char *rest)
{
	char joined[VFS_PATH_MAX];
	if (!link->iops || !link->iops->readlink)
		return -ELOOP;
	int n = link->iops->readlink(link, joined, sizeof(joined) - 1);
	if (n <= 0)
		return n < 0 ? n : -ENOENT;
	size_t rest_len = strlen(rest);
	if ((size_t)n + 1 + rest_len >= VFS_PATH_MAX)
		return -ENAMETOOLONG;
	joined[n] = '/';
	memcpy(joined + n + 1, rest, rest_len + 1);
	memcpy(todo, joined, (size_t)n + rest_len + 2);
	return 0;
}

/* Walks dest from the root of the mount table into what is mounted on each name. With make,
   missing names are made (directories; the last a regular file with file); else a missing
   name is -ENOENT. Symlinks on the way, the last name's included, are followed inside the
   sandbox's root (as runc resolves a destination inside the rootfs): a mount onto a link
   lands on its target. */
static int mountpoint_walk(struct mount *rm, const char *dest, bool make, bool file,
			   struct path *out)
{
	const struct path top = { rm, rm->root };
	struct path cur = { rm, dentry_get(rm->root) };
	_cleanup_free_ char *todo = malloc(VFS_PATH_MAX);
	char name[VFS_NAME_MAX + 1];
	int links = 0, r = 0;

	if (!todo || strlen(dest) >= VFS_PATH_MAX) {
		path_put(&cur);
		return todo ? -ENAMETOOLONG : -ENOMEM;
	}
	strcpy(todo, dest);
	vfs_follow_mounts(&cur);
	for (const char *p = todo; r == 0 && *p;) {
		if (*p == '/' && p == todo) {
			path_set(&cur, &top);
			vfs_follow_mounts(&cur);
		}
		while (*p == '/')
			p++;
		size_t n = strcspn(p, "/");
		if (n == 0)
			break;
		if (n > VFS_NAME_MAX) {
			r = -ENAMETOOLONG;
			break;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		p += n;
		while (*p == '/')
			p++;
		if (!strcmp(name, "."))
			continue;
		if (!strcmp(name, "..")) {
			vfs_path_up(&cur, &top);
			continue;
		}
		struct dentry *child;
		r = dentry_lookup_child(cur.dentry, name, &child);
		if (r < 0)
			break;
		if (!child->inode) {
			r = make ? mountpoint_make(cur.dentry, child, file && !*p) : -ENOENT;
		} else if (S_ISLNK(child->inode->mode)) {
			r = ++links > VFS_MAX_SYMLINKS ? -ELOOP : follow_link(child->inode, todo, p);
			p = todo;
			dentry_put(child);
			continue;
		}
		if (r < 0) {
			dentry_put(child);
			break;
		}
		dentry_put(cur.dentry);
		cur.dentry = child;
		vfs_follow_mounts(&cur);
		if (*p && !S_ISDIR(cur.dentry->inode->mode))
			r = -ENOTDIR;
	}
	if (r < 0) {
		path_put(&cur);
		return r;
	}
	*out = cur;
	return 0;
}

/* Mounts root on dest, made if missing. */
static int mount_on(struct mount *rm, const char *dest, struct dentry *root, unsigned long flags,
		    const char *source)
{
	_cleanup_path_ struct path where = { 0 };
	int r = mountpoint_walk(rm, dest, true, !S_ISDIR(root->inode->mode), &where);
	if (r < 0)
		return log_errno(r, "the mount point %s", dest);
	r = vfs_mount_at(&where, root, flags, source);
	return r < 0 ? log_errno(r, "mounting %s on %s", source, dest) : 0;
}

/* A file system of the sentry's for one mount type. */
struct mount_type {
	const char *type;
	const char *source;	/* as /proc/mounts shows it */
	unsigned long flags;
	int (*make)(const struct boot_mount *m, struct dentry **root);
};

static int make_proc(const struct boot_mount *m, struct dentry **root)
{
	(void)m;
	return procfs_new(root);
}

static int make_sysfs(const struct boot_mount *m, struct dentry **root)
{
	(void)m;
	return sysfs_new(root);
}

static int make_dev(const struct boot_mount *m, struct dentry **root)
{
	(void)m;
	return devfs_new(root);
}

static int make_tmpfs(const struct boot_mount *m, struct dentry **root)
{
	return memfs_new("tmpfs", m->mode ? m->mode : 01777, m->size, root);
}

static int make_devpts(const struct boot_mount *m, struct dentry **root)
{
	(void)m;
	return devpts_new(root);
}

/* Kernel interfaces the sandbox does not have (cgroups): an empty directory that goes
   by their name. */
static int make_empty(const struct boot_mount *m, struct dentry **root)
{
	return memfs_new(m->type, 0555, 0, root);
}

/* Every mqueue mount shows the sandbox's one IPC namespace. */
static int make_mqueue(const struct boot_mount *m, struct dentry **root)
{
	(void)m;
	return mqueue_root(root);
}

static int make_bind(const struct boot_mount *m, struct dentry **root)
{
	return goferfs_attach(m->gofer_root, false, root);
}

static const struct mount_type bind_type = { "bind", "bind", 0, make_bind },
	tmpfs_type = { "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV, make_tmpfs },
	proc_type = { "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, make_proc },
	sysfs_type = { "sysfs", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, make_sysfs },
	devpts_type = { "devpts", "devpts", MS_NOSUID | MS_NOEXEC, make_devpts },
	mqueue_type = { "mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, make_mqueue },
	cgroup_type = { "cgroup", "cgroup", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, make_empty },
	cgroup2_type = { "cgroup2", "cgroup2", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			 make_empty },
	/* The sentry's /dev, "tmpfs" as Docker mounts it, and its /dev/shm. */
	dev_type = { "tmpfs", "tmpfs", MS_NOSUID, make_dev },
	shm_type = { "shm", "shm", MS_NOSUID | MS_NODEV, make_tmpfs };

static const struct mount_type *const mount_types[] = {
	&bind_type, &tmpfs_type, &proc_type, &sysfs_type, &devpts_type, &mqueue_type, &cgroup_type,
	&cgroup2_type,
};

/* The sentry's own, always there. */
static const struct {
	const char *dest;
	const struct mount_type *type;
} builtin_mounts[] = {
	{ "/proc", &proc_type },
	{ "/dev", &dev_type },
	{ "/sys", &sysfs_type },
	{ "/dev/shm", &shm_type },
	{ "/dev/mqueue", &mqueue_type },
};

static int mount_one(struct mount *rm, const struct mount_type *t, const struct boot_mount *m)
{
	struct dentry *root;
	int r = t->make(m, &root);
	if (r < 0)
		return log_errno(r, "creating the %s for %s", t->type, m->destination);
	r = mount_on(rm, m->destination, root, t->flags | (m->readonly ? MS_RDONLY : 0), t->source);
	dentry_put(root);
	return r;
}

/* Is dest one of the sentry's own mounts of type t (proc at /proc, a tmpfs at /dev)? The
   container's mount of it is that one. */
static bool builtin_at(struct mount *rm, const struct mount_type *t, const char *dest)
{
	_cleanup_path_ struct path at = { 0 };
	if (mountpoint_walk(rm, dest, false, false, &at) < 0 || at.dentry != at.mnt->root)
		return false;
	for (size_t i = 0; i < sizeof(builtin_mounts) / sizeof(builtin_mounts[0]); i++)
		if (!strcmp(builtin_mounts[i].dest, dest) && !strcmp(builtin_mounts[i].type->type, t->type) &&
		    !strcmp(at.mnt->source, builtin_mounts[i].type->source))
			return true;
	return false;
}

static int mount_container(struct mount *rm, const struct boot_mount *m)
{
	for (size_t i = 0; i < sizeof(mount_types) / sizeof(mount_types[0]); i++) {
		const struct mount_type *t = mount_types[i];
		if (strcmp(t->type, m->type))
			continue;
		return builtin_at(rm, t, m->destination) ? 0 : mount_one(rm, t, m);
	}
	return log_errno(-EINVAL, "mount type %s (on %s) is not supported", m->type, m->destination);
}

/* runc's maskedPaths: an empty read-only directory over a directory, /dev/null over anything
   else; a path that does not exist is left alone. */
static int mask_path(struct mount *rm, const char *dest)
{
	_cleanup_path_ struct path at = { 0 }, null = { 0 };
	struct dentry *root;
	int r = mountpoint_walk(rm, dest, false, false, &at);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return log_errno(r, "masking %s", dest);
	if (S_ISDIR(at.dentry->inode->mode)) {
		r = memfs_new("tmpfs", 0555, 0, &root);
		if (r < 0)
			return r;
	} else {
		r = mountpoint_walk(rm, "/dev/null", false, false, &null);
		if (r < 0)
			return log_errno(r, "masking %s with /dev/null", dest);
		root = dentry_get(null.dentry);
	}
	r = vfs_mount_at(&at, root, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "tmpfs");
	dentry_put(root);
	return r < 0 ? log_errno(r, "masking %s", dest) : 0;
}

/* runc's readonlyPaths: the path mounted on itself, read-only. */
static int readonly_path(struct mount *rm, const char *dest)
{
	_cleanup_path_ struct path at = { 0 };
	int r = mountpoint_walk(rm, dest, false, false, &at);
	if (r == -ENOENT)
		return 0;
	if (r == 0)
		r = vfs_mount_at(&at, at.dentry, at.mnt->flags | MS_RDONLY, at.mnt->source);
	return r < 0 ? log_errno(r, "making %s read-only", dest) : 0;
}

/* A file of the spec's: made (or copied up, emptied) in the upper layer and given its content. */
static int write_file(struct mount *rm, const struct boot_file *f)
{
	_cleanup_path_ struct path at = { 0 };
	int r = mountpoint_walk(rm, f->path, true, true, &at);
	if (r == 0 && !S_ISREG(at.dentry->inode->mode))
		r = -EISDIR;
	if (r == 0)
		r = vfs_copy_up(at.dentry->inode, 0);
	if (r == 0)
		r = memfs_file_set(at.dentry->inode, f->content, strlen(f->content));
	return r < 0 ? log_errno(r, "writing %s in the upper layer", f->path) : 0;
}

/* tmpfs's default size: half of the host's memory. */
static uint64_t default_overlay_size(void)
{
	struct sysinfo si;
	if (sysinfo(&si) < 0)
		return 0;
	return (uint64_t)si.totalram * si.mem_unit / 2;
}

int fs_mount_all(const struct boot_config *cfg, struct mount **rootp)
{
	struct dentry *root;
	/* The image is the lower layer; what the guest writes stays in the sentry's memory, or
	   with --overlay=none goes through the gofer to the image, as a bind mount's writes. */
	int r = goferfs_attach(0, !cfg->root_direct, &root);
	if (r < 0)
		return r;
	/* "overlay", as Docker shows it (tools skip a "rootfs" entry: the initramfs). */
	struct mount *rm = vfs_mount_root(root, cfg->root_readonly ? MS_RDONLY : 0, "overlay");
	dentry_put(root);
	if (!rm)
		return -ENOMEM;
	/* What the guest writes is the sentry's memory: bounded like a tmpfs (ENOSPC past it),
	   never the host's whole memory. */
	uint64_t budget = cfg->overlay_size ? cfg->overlay_size : default_overlay_size();
	if (!cfg->root_direct)
		rm->root->inode->sb->bytes_max = budget;
	memfs_set_budget(budget);
	for (size_t i = 0; i < sizeof(builtin_mounts) / sizeof(builtin_mounts[0]); i++) {
		struct boot_mount m = { .destination = (char *)builtin_mounts[i].dest };
		r = mount_one(rm, builtin_mounts[i].type, &m);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < cfg->nmounts; i++)
		if ((r = mount_container(rm, &cfg->mounts[i])) < 0)
			return r;
	for (size_t i = 0; i < cfg->nfiles && !cfg->root_direct; i++)
		if ((r = write_file(rm, &cfg->files[i])) < 0)
			return r;
	for (char **p = cfg->masked_paths; p && *p; p++)
		if ((r = mask_path(rm, *p)) < 0)
			return r;
	for (char **p = cfg->readonly_paths; p && *p; p++)
		if ((r = readonly_path(rm, *p)) < 0)
			return r;
	*rootp = rm;
	return 0;
}
