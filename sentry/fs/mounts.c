/* The sandbox's mount table. */
#define _GNU_SOURCE
#include "sentry/fs/fs.h"
#include "sentry/fs/goferfs.h"
#include "sentry/fs/memfs.h"
#include "sentry/fs/synth.h"
#include "sentry/kernel.h"
#include "common/log.h"

#include <errno.h>
#include <sys/mount.h>

int sysfs_new(struct dentry **out)
{
	struct super_block *sb = synth_sb_new("sysfs", false);
	struct inode *root = sb ? synth_dir_new(sb, 0555) : NULL;
	if (!root)
		return -ENOMEM;
	*out = dentry_new_root(root);
	return *out ? 0 : -ENOMEM;
}

struct builtin_mount {
	const char *target;	/* a directory in the image's root */
	const char *fstype;
	int (*make)(struct dentry **root);
	unsigned long flags;
};

static const struct builtin_mount builtin_mounts[] = {
	{ "proc", "proc", procfs_new, MS_NOSUID | MS_NODEV | MS_NOEXEC },
	{ "dev", "tmpfs", devfs_new, MS_NOSUID },
	{ "sys", "sysfs", sysfs_new, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC },
};

/* /dev/shm: a tmpfs of its own, as in a container. */
static int mount_dev_shm(struct mount *rm)
{
	struct dentry *dev, *shm, *fsroot;
	int r = dentry_lookup_child(rm->root, "dev", &dev);
	if (r < 0)
		return r;
	struct mount *devm = dev->mounted;
	dentry_put(dev);
	if (!devm)
		return 0;
	r = dentry_lookup_child(devm->root, "shm", &shm);
	if (r < 0)
		return r;
	if (!shm->inode || !S_ISDIR(shm->inode->mode)) {
		dentry_put(shm);
		return 0;
	}
	r = memfs_new("tmpfs", 01777, &fsroot);
	if (r == 0) {
		struct path where = { devm, shm };
		r = vfs_mount_at(&where, fsroot, MS_NOSUID | MS_NODEV, "shm");
		dentry_put(fsroot);
	}
	dentry_put(shm);
	return r;
}

int fs_mount_all(struct mount **rootp)
{
	struct dentry *root;
	/* The image is the lower layer; what the guest writes stays in the sentry's memory. */
	int r = goferfs_attach(0, true, &root);
	if (r < 0)
		return r;
	/* "overlay", as Docker shows it (tools skip a "rootfs" entry: the initramfs). */
	struct mount *rm = vfs_mount_root(root, 0, "overlay");
	dentry_put(root);
	if (!rm)
		return -ENOMEM;
	for (size_t i = 0; i < sizeof(builtin_mounts) / sizeof(builtin_mounts[0]); i++) {
		const struct builtin_mount *bm = &builtin_mounts[i];
		struct dentry *mp, *fsroot;
		r = dentry_lookup_child(rm->root, bm->target, &mp);
		if (r < 0)
			return log_errno(r, "looking up mount point /%s", bm->target);
		if (!mp->inode || !S_ISDIR(mp->inode->mode)) {
			log_warn("the image has no directory /%s: %s is not mounted", bm->target, bm->fstype);
			dentry_put(mp);
			continue;
		}
		r = bm->make(&fsroot);
		if (r < 0) {
			dentry_put(mp);
			return log_errno(r, "creating %s", bm->fstype);
		}
		struct path where = { rm, mp };
		r = vfs_mount_at(&where, fsroot, bm->flags, bm->fstype);
		dentry_put(fsroot);
		dentry_put(mp);
		if (r < 0)
			return log_errno(r, "mounting %s on /%s", bm->fstype, bm->target);
	}
	r = mount_dev_shm(rm);
	if (r < 0)
		return log_errno(r, "mounting tmpfs on /dev/shm");
	*rootp = rm;
	return 0;
}
