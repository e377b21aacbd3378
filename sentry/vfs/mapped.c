/* The mapped-file table: which guest file a host mapping is. The host holds the guest's
   address space, and its /proc/PID/maps names each mapped file by the host's device, inode
   and path, none of which may reach the guest. Every file mapping a guest makes goes through
   the sentry (mmap of a mirrored fd, exec, shmat), so the sentry notes there the file's guest
   name, device and inode number under the host's (device, inode); a maps line is translated
   by that key. A host inode cannot be reused while a mapping holds it, and every new mapping
   of a host object notes it again, so the entry found for a live mapping is its file. Entries
   hold no reference (a deleted file's memory must not be kept): they go with their owner,
   the sentry's inode or the object that noted them. */
#define _GNU_SOURCE
#include "sentry/vfs/vfs.h"
#include "common/hash.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct mapped_key {
	dev_t dev;
	ino_t ino;
};

struct mapped_file {
	struct mapped_key key;		/* the host object's */
	const void *owner;		/* the sentry's inode, or another object (no reference) */
	struct inode *inode;		/* the owner if an inode: device, inode and links from it */
	dev_t dev;			/* otherwise these */
	uint64_t ino;
	char *name;
	UT_hash_handle hh;		/* by key */
	UT_hash_handle hh_owner;	/* by owner */
};

static struct mapped_file *by_key, *by_owner;

static void mapped_remove(struct mapped_file *m)
{
	HASH_DEL(by_key, m);
	HASH_DELETE(hh_owner, by_owner, m);
	if (m->inode)
		m->inode->host_mapped = false;
	free(m->name);
	free(m);
}

static struct mapped_file *mapped_of(const void *owner)
{
	struct mapped_file *m;
	HASH_FIND(hh_owner, by_owner, &owner, sizeof(owner), m);
	return m;
}

/* Names host_fd's object for owner, replacing what either had. */
static int mapped_add(const void *owner, struct inode *inode, int host_fd, const char *name,
		      dev_t dev, uint64_t ino)
{
	struct mapped_file *m = mapped_of(owner);
	struct stat st;

	if (m && !strcmp(m->name, name))
		return 0;
	char *copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	if (m) {
		free(m->name);
		m->name = copy;
		return 0;
	}
	if (fstat(host_fd, &st) < 0) {
		free(copy);
		return -errno;
	}
	struct mapped_key key = { st.st_dev, st.st_ino };
	HASH_FIND(hh, by_key, &key, sizeof(key), m);
	if (m)
		mapped_remove(m);	/* a host object another owner named */
	m = calloc(1, sizeof(*m));
	if (!m) {
		free(copy);
		return -ENOMEM;
	}
	m->key = key;
	m->owner = owner;
	m->inode = inode;
	m->dev = dev;
	m->ino = ino;
	m->name = copy;
	HASH_ADD(hh, by_key, key, sizeof(key), m);
	HASH_ADD(hh_owner, by_owner, owner, sizeof(owner), m);
	if (inode)
		inode->host_mapped = true;
	return 0;
}

int vfs_mapped_note(struct task *t, struct file *f, const char *name)
{
	char path[VFS_PATH_MAX];

	if (!f->inode || f->host_fd < 0)
		return 0;
	if (!name) {
		if (!f->path.dentry || !f->path.mnt)
			return 0;
		int n = vfs_path_name(t, &f->path, path, sizeof(path));
		if (n < 0 || (size_t)n >= sizeof(path))
			return n < 0 ? n : -ENAMETOOLONG;
		name = path;
	}
	return mapped_add(f->inode, f->inode, f->host_fd, name, 0, 0);
}

int vfs_mapped_note_object(const void *owner, int host_fd, const char *name, dev_t dev, uint64_t ino)
{
	return mapped_add(owner, NULL, host_fd, name, dev, ino);
}

bool vfs_mapped_find(dev_t host_dev, uint64_t host_ino, struct mapped_name *out)
{
	struct mapped_key key = { host_dev, (ino_t)host_ino };
	struct mapped_file *m;
	HASH_FIND(hh, by_key, &key, sizeof(key), m);
	if (!m)
		return false;
	out->name = m->name;
	out->dev = m->inode ? m->inode->dev : m->dev;
	out->ino = m->inode ? m->inode->ino : m->ino;
	out->deleted = m->inode && m->inode->nlink == 0;
	return true;
}

void vfs_mapped_forget(const void *owner)
{
	struct mapped_file *m = mapped_of(owner);
	if (m)
		mapped_remove(m);
}
