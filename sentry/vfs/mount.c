/* The mount table. Mounts live as long as the sandbox (no umount yet). */
#define _GNU_SOURCE
#include "sentry/vfs/vfs.h"
#include "sentry/kernel.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

static struct mount *mount_list;
static int mount_next_id = 1;

static struct mount *mount_alloc(struct dentry *root, unsigned long flags, const char *source)
{
	struct mount *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->source = strdup(source ? source : "none");
	if (!m->source) {
		free(m);
		return NULL;
	}
	m->id = mount_next_id++;
	m->root = dentry_get(root);
	m->flags = flags;
	struct mount **tail = &mount_list;
	while (*tail)
		tail = &(*tail)->next;
	*tail = m;
	return m;
}

struct mount *vfs_mount_first(void)
{
	return mount_list;
}

struct mount *vfs_mount_root(struct dentry *root, unsigned long flags, const char *source)
{
	return mount_alloc(root, flags, source);
}

int vfs_mount_at(const struct path *where, struct dentry *root, unsigned long flags,
		 const char *source)
{
	struct inode *at = where->dentry->inode;
	if (!at || !root->inode)
		return -ENOENT;
	/* Linux's graft_tree: ENOTDIR either way. */
	if (S_ISDIR(at->mode) != S_ISDIR(root->inode->mode))
		return -ENOTDIR;
	struct mount *m = mount_alloc(root, flags, source);
	if (!m)
		return -ENOMEM;
	m->parent = where->mnt;
	m->mountpoint = dentry_get(where->dentry);
	where->dentry->mounted = m;
	/* In a file system that caches no names (procfs) the way to a mount point is kept, and
	   found again by lookups (dentry_lookup_child). */
	for (struct dentry *d = where->dentry; d->parent && !d->hashed; d = d->parent)
		dentry_hash(d);
	return 0;
}

/* Objects without a name (pipes, sockets, event fds) reached through a magic link: a dentry
   of their own under a mount that is in no namespace, so ".." and path names stop there. */
int vfs_anon_path(struct inode *inode, struct path *out)
{
	static struct mount anon_mount;
	static struct dentry *anon_root;

	if (!anon_root) {
		anon_root = dentry_new_root(NULL);
		if (!anon_root)
			return -ENOMEM;
		anon_mount.root = anon_root;
		anon_mount.source = "anon";
	}
	struct dentry *d = dentry_new_anon(anon_root, inode_get(inode));
	if (!d) {
		inode_put(inode);
		return -ENOMEM;
	}
	out->mnt = &anon_mount;
	out->dentry = d;
	return 0;
}

dev_t vfs_new_anon_dev(void)
{
	/* Major 0 as Linux's anonymous super blocks; the first minors are left to the host's. */
	static unsigned next_minor = 16;
	return makedev(0, __atomic_fetch_add(&next_minor, 1, __ATOMIC_RELAXED));
}
