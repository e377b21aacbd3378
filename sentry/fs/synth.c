#define _GNU_SOURCE
#include "sentry/fs/synth.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct synth_entry {
	char *name;
	struct inode *inode;
	struct synth_entry *next;
};

struct super_block *synth_sb_new(const char *fstype, bool uncached)
{
	struct super_block *sb = calloc(1, sizeof(*sb));
	if (!sb)
		return NULL;
	sb->fstype = fstype;
	sb->dev = vfs_new_anon_dev();
	sb->uncached = uncached;
	return sb;
}

static int synth_dir_lookup(struct inode *dir, const char *name, struct inode **out)
{
	for (struct synth_entry *e = dir->priv; e; e = e->next) {
		if (!strcmp(e->name, name)) {
			*out = inode_get(e->inode);
			return 0;
		}
	}
	return -ENOENT;
}

static int synth_dir_iterate(struct inode *dir, uint64_t *cookie, dir_emit_fn emit, void *ctx)
{
	uint64_t i = 0;
	for (struct synth_entry *e = dir->priv; e; e = e->next, i++) {
		if (i < *cookie)
			continue;
		if (emit(ctx, e->name, strlen(e->name), e->inode->ino, vfs_dtype(e->inode->mode), i + 1))
			return 0;
		*cookie = i + 1;
	}
	return 0;
}

static void synth_dir_evict(struct inode *dir)
{
	struct synth_entry *e = dir->priv;
	while (e) {
		struct synth_entry *next = e->next;
		inode_put(e->inode);
		free(e->name);
		free(e);
		e = next;
	}
}

static const struct inode_operations synth_dir_iops = {
	.lookup = synth_dir_lookup,
	.iterate = synth_dir_iterate,
	.evict = synth_dir_evict,
};

struct inode *synth_dir_new(struct super_block *sb, mode_t perm)
{
	struct inode *inode = inode_new(sb, S_IFDIR | perm);
	if (inode) {
		inode->iops = &synth_dir_iops;
		inode->fops = &dir_file_ops;
	}
	return inode;
}

bool synth_is_dir(const struct inode *inode)
{
	return inode->iops == &synth_dir_iops;
}

int synth_dir_add(struct inode *dir, const char *name, struct inode *child)
{
	if (!child)
		return -ENOMEM;
	struct synth_entry *e = calloc(1, sizeof(*e));
	if (!e || !(e->name = strdup(name))) {
		free(e);
		inode_put(child);
		return -ENOMEM;
	}
	e->inode = child;
	struct synth_entry **tail = (struct synth_entry **)&dir->priv;
	while (*tail)
		tail = &(*tail)->next;
	*tail = e;
	if (S_ISDIR(child->mode))
		dir->nlink++;
	return 0;
}

void synth_dir_remove(struct inode *dir, const struct inode *child)
{
	for (struct synth_entry **e = (struct synth_entry **)&dir->priv; *e; e = &(*e)->next) {
		if ((*e)->inode != child)
			continue;
		struct synth_entry *gone = *e;
		*e = gone->next;
		if (S_ISDIR(gone->inode->mode))
			dir->nlink--;
		inode_put(gone->inode);
		free(gone->name);
		free(gone);
		return;
	}
}

static int synth_readlink(struct inode *inode, char *buf, size_t size)
{
	size_t len = strlen(inode->priv);
	if (len > size)
		len = size;
	memcpy(buf, inode->priv, len);
	return (int)len;
}

static void synth_free_priv(struct inode *inode)
{
	free(inode->priv);
}

static const struct inode_operations synth_symlink_iops = {
	.readlink = synth_readlink,
	.evict = synth_free_priv,
};

struct inode *synth_symlink_new(struct super_block *sb, const char *target)
{
	struct inode *inode = inode_new(sb, S_IFLNK | 0777);
	if (!inode)
		return NULL;
	inode->iops = &synth_symlink_iops;
	inode->priv = strdup(target);
	if (!inode->priv) {
		inode_put(inode);
		return NULL;
	}
	inode->size = (int64_t)strlen(target);
	return inode;
}

struct inode *synth_chardev_new(struct super_block *sb, mode_t perm, dev_t rdev,
				const struct file_operations *fops)
{
	struct inode *inode = inode_new(sb, S_IFCHR | perm);
	if (inode) {
		inode->rdev = rdev;
		inode->fops = fops;
	}
	return inode;
}

/* Content of a synthesized regular file, captured at open so reads are consistent. */
struct synth_content {
	char *buf;
	size_t len;
};

static long synth_file_read(struct file *f, const struct iovec *iov, int iovcnt, int64_t *pos)
{
	struct synth_content *c = f->priv;
	return file_read_buffer(iov, iovcnt, pos, c->buf, c->len);
}

static void synth_file_release(struct file *f)
{
	struct synth_content *c = f->priv;
	if (c) {
		free(c->buf);
		free(c);
	}
}

static long synth_file_write(struct file *f, const struct iovec *iov, int iovcnt, int64_t *pos)
{
	(void)f, (void)iov, (void)iovcnt, (void)pos;
	return -EACCES;
}

static const struct file_operations synth_file_fops = {
	.read = synth_file_read,
	.write = synth_file_write,
	.llseek = generic_llseek,
	.release = synth_file_release,
};

struct synth_file_source {
	synth_fill_fn fill;
	long arg;
};

static int synth_file_open(struct inode *inode, struct file *f, int flags)
{
	struct synth_file_source *src = inode->priv;
	struct synth_content *c = calloc(1, sizeof(*c));
	(void)flags;
	if (!c)
		return -ENOMEM;
	int r = src->fill(src->arg, &c->buf, &c->len);
	if (r < 0) {
		free(c);
		return r;
	}
	f->priv = c;
	return 0;
}

static const struct inode_operations synth_file_iops = {
	.open = synth_file_open,
	.evict = synth_free_priv,
};

struct inode *synth_file_new(struct super_block *sb, mode_t perm, synth_fill_fn fill, long arg)
{
	struct synth_file_source *src = malloc(sizeof(*src));
	struct inode *inode = src ? inode_new(sb, S_IFREG | perm) : NULL;
	if (!inode) {
		free(src);
		return NULL;
	}
	src->fill = fill;
	src->arg = arg;
	inode->iops = &synth_file_iops;
	inode->fops = &synth_file_fops;
	inode->priv = src;
	return inode;
}
