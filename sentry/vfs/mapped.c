/* The mapped-file table: which guest file a host mapping is. The host holds the guest's
   address space, and its /proc/PID/maps names each mapped file by the host's device, inode
   and path, none of which may reach the guest. Every file mapping a guest makes goes through
   the sentry (mmap of a mirrored fd, exec), so the sentry notes there the file's guest name,
   device and inode number under the host's (device, inode); a maps line is translated by that
   key. A host inode cannot be reused while a mapping holds it, and every new mapping of a
   host object notes it again, so the entry found for a live mapping is its file. Entries hold
   no reference (a deleted file's memory must not be kept): they go with the sentry's inode. */
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
	struct inode *inode;		/* the sentry's (no reference: see above) */
	char *name;
	UT_hash_handle hh;		/* by key */
	UT_hash_handle hh_inode;	/* by inode */
};

static struct mapped_file *by_key, *by_inode;

static void mapped_remove(struct mapped_file *m)
{
	HASH_DEL(by_key, m);
	HASH_DELETE(hh_inode, by_inode, m);
	m->inode->host_mapped = false;
	free(m->name);
	free(m);
}

int vfs_mapped_note(struct task *t, struct file *f, const char *name)
{
	char path[VFS_PATH_MAX];
	struct inode *inode = f->inode;
	struct mapped_file *m = NULL;
	struct stat st;

	if (!inode || f->host_fd < 0)
		return 0;
	if (!name) {
		if (!f->path.dentry || !f->path.mnt)
			return 0;
		int n = vfs_path_name(t, &f->path, path, sizeof(path));
		if (n < 0 || (size_t)n >= sizeof(path))
			return n < 0 ? n : -ENAMETOOLONG;
		name = path;
	}
	if (inode->host_mapped)
		HASH_FIND(hh_inode, by_inode, &inode, sizeof(inode), m);
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
	if (fstat(f->host_fd, &st) < 0) {
		free(copy);
		return -errno;
	}
	struct mapped_key key = { st.st_dev, st.st_ino };
	HASH_FIND(hh, by_key, &key, sizeof(key), m);
	if (m)
		mapped_remove(m);	/* a host object another inode of ours named */
	m = calloc(1, sizeof(*m));
	if (!m) {
		free(copy);
		return -ENOMEM;
	}
	m->key = key;
	m->inode = inode;
	m->name = copy;
	HASH_ADD(hh, by_key, key, sizeof(key), m);
	HASH_ADD(hh_inode, by_inode, inode, sizeof(inode), m);
	inode->host_mapped = true;
	return 0;
}

bool vfs_mapped_find(dev_t host_dev, uint64_t host_ino, struct mapped_name *out)
{
	struct mapped_key key = { host_dev, (ino_t)host_ino };
	struct mapped_file *m;
	HASH_FIND(hh, by_key, &key, sizeof(key), m);
	if (!m)
		return false;
	out->name = m->name;
	out->dev = m->inode->dev;
	out->ino = m->inode->ino;
	out->deleted = m->inode->nlink == 0;
	return true;
}

void vfs_mapped_forget(struct inode *inode)
{
	struct mapped_file *m;
	HASH_FIND(hh_inode, by_inode, &inode, sizeof(inode), m);
	if (m)
		mapped_remove(m);
}
