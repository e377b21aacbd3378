/* The writable root: memfs as the upper layer over an image served by a real gofer (a forked
   gofer_serve() over a temporary tree), driven through the VFS (sentry/vfs/namei.c, vfs_open)
   as the syscalls drive it. Every test gets a fresh tree, gofer and mount.

   The image (the temporary tree):
     data/ a ("aaaa")  sparse (1 MiB, data only at 512 KiB)  sub/ x ("x")  empty/
     data/link -> a
     tmp/ (1777)
   and /shm is a pure memfs mounted on the image's shm/ directory. */
#define _GNU_SOURCE
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "fsgofer/client.h"
#include "fsgofer/server.h"
#include "sentry/fs/goferfs.h"
#include "sentry/fs/memfs.h"
#include "tests/unit/sentry_fixture.h"

#define SPARSE_SIZE (1 << 20)
#define SPARSE_DATA_AT (512 * 1024)
#define USER_UID 1000
#define USER_GID 1000

static char tree[64];
static pid_t gofer_pid;
static int gofer_sock = -1;
static struct mount *m_root;
static struct path p_root;
static struct task *t_root, *t_user;

static void write_file(const char *rel, const char *content)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", tree, rel);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
}

static void make_dir(const char *rel, mode_t mode)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", tree, rel);
	ck_assert_int_eq(mkdir(path, mode), 0);
	ck_assert_int_eq(chmod(path, mode), 0);
}

static void build_tree(void)
{
	char path[256];
	snprintf(tree, sizeof(tree), "/tmp/test_overlay.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tree));
	ck_assert_int_eq(chmod(tree, 0755), 0);
	make_dir("data", 0755);
	make_dir("data/sub", 0755);
	make_dir("data/empty", 0755);
	make_dir("tmp", 01777);
	make_dir("shm", 01777);
	write_file("data/a", "aaaa");
	write_file("data/sub/x", "x");
	snprintf(path, sizeof(path), "%s/data/sparse", tree);
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, SPARSE_SIZE), 0);
	ck_assert_int_eq(pwrite(fd, "data", 4, SPARSE_DATA_AT), 4);
	close(fd);
	snprintf(path, sizeof(path), "%s/data/link", tree);
	ck_assert_int_eq(symlink("a", path), 0);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

/* Reads a file of the image on the host (what the gofer serves). */
static char *host_content(const char *rel)
{
	static char buf[64];
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", tree, rel);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

static void setup(void)
{
	int sv[2];
	build_tree();
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	fflush(NULL);
	gofer_pid = fork();
	ck_assert_int_ge(gofer_pid, 0);
	if (gofer_pid == 0) {
		struct gofer_root root = { .fd = open(tree, O_PATH | O_DIRECTORY | O_CLOEXEC), .readonly = true };
		close(sv[0]);
		_exit(root.fd < 0 || gofer_serve(sv[1], &root, 1) < 0 ? 1 : 0);
	}
	close(sv[1]);
	gofer_sock = sv[0];
	gofer_client_init(&kernel.gofer, gofer_sock);

	struct dentry *root;
	ck_assert_int_eq(goferfs_attach(0, true, &root), 0);
	m_root = vfs_mount_root(root, 0, "rootfs");
	ck_assert_ptr_nonnull(m_root);
	p_root = (struct path){ m_root, root };

	struct dentry *shm, *shm_root;
	ck_assert_int_eq(dentry_lookup_child(root, "shm", &shm), 0);
	ck_assert_int_eq(memfs_new("tmpfs", 01777, 0, &shm_root), 0);
	struct path where = { m_root, shm };
	ck_assert_int_eq(vfs_mount_at(&where, shm_root, 0, "shm"), 0);
	dentry_put(shm_root);
	dentry_put(shm);

	t_root = fx_task_new(0, 0, &p_root, NULL);
	t_user = fx_task_new(USER_UID, USER_GID, &p_root, NULL);
	current = t_root;
}

static void teardown(void)
{
	int status;
	fx_task_free(t_root);
	fx_task_free(t_user);
	current = NULL;
	close(gofer_sock);
	waitpid(gofer_pid, &status, 0);
	nftw(tree, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* The inode path names for t (following symlinks), or NULL (errno in *err). */
static struct inode *lookup(struct task *t, const char *path, int *err)
{
	struct path p;
	int r = vfs_resolve(t, &p_root, path, LOOKUP_FOLLOW, &p, NULL);
	if (err)
		*err = r;
	if (r < 0)
		return NULL;
	struct inode *inode = p.dentry->inode;
	path_put(&p);
	return inode;	/* borrowed: the dentry cache keeps it */
}

static int resolve_err(struct task *t, const char *path)
{
	int err;
	lookup(t, path, &err);
	return err;
}

static struct file *open_path(struct task *t, const char *path, int flags, mode_t mode, int *err)
{
	struct path p;
	struct file *f = NULL;
	int r = vfs_resolve(t, &p_root, path, LOOKUP_FOLLOW | ((flags & O_CREAT) ? LOOKUP_ALLOW_NEGATIVE : 0),
			    &p, NULL);
	if (r == 0) {
		if (!p.dentry->inode) {
			r = vfs_create(t, &p, mode);
			if (r == 0)
				r = vfs_open_created(t, &p, flags, &f);
		} else {
			r = vfs_open(t, &p, flags, &f);
		}
		path_put(&p);
	}
	*err = r;
	return r == 0 ? f : NULL;
}

static void file_pwrite(struct file *f, const char *s, int64_t at)
{
	struct iovec iov = { (void *)s, strlen(s) };
	int64_t pos = at;
	ck_assert_ptr_nonnull(f->ops->write);
	ck_assert_int_eq(f->ops->write(f, &iov, 1, &pos), (long)strlen(s));
}

/* Reads through the file's read op (memfs) or its host fd (an image file's gofer fd). */
static char *file_content(struct file *f)
{
	static char buf[64];
	memset(buf, 0, sizeof(buf));
	if (f->ops->read) {
		struct iovec iov = { buf, sizeof(buf) - 1 };
		int64_t pos = 0;
		ck_assert_int_ge(f->ops->read(f, &iov, 1, &pos), 0);
	} else {
		ck_assert_int_ge(pread(f->host_fd, buf, sizeof(buf) - 1, 0), 0);
	}
	return buf;
}

struct names {
	char list[1024];
	int count;
	int stop_every;		/* stop iteration after this many (0: never) */
	int taken;
};

static int collect(void *ctx, const char *name, size_t namelen, uint64_t ino, unsigned type,
		   uint64_t next_cookie)
{
	struct names *n = ctx;
	(void)ino, (void)type, (void)next_cookie;
	if (n->stop_every && n->taken == n->stop_every)
		return 1;
	n->taken++;
	n->count++;
	strncat(n->list, " ", sizeof(n->list) - strlen(n->list) - 1);
	strncat(n->list, name, namelen < sizeof(n->list) - strlen(n->list) - 1 ? namelen : 0);
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of a directory, sorted, space-separated. */
static char *listing(struct task *t, const char *path)
{
	static char out[1024];
	struct names n = { 0 };
	uint64_t cookie = 0;
	struct inode *dir = lookup(t, path, NULL);
	ck_assert_ptr_nonnull(dir);
	ck_assert_int_eq(dir->iops->iterate(dir, &cookie, collect, &n), 0);
	char *words[64];
	int k = 0;
	for (char *s = strtok(n.list, " "); s && k < 64; s = strtok(NULL, " "))
		words[k++] = s;
	qsort(words, (size_t)k, sizeof(words[0]), cmp_names);
	out[0] = '\0';
	for (int i = 0; i < k; i++) {
		strcat(out, i ? " " : "");
		strcat(out, words[i]);
	}
	return out;
}

START_TEST(test_create_in_image_directory)
{
	int err;
	struct inode *root_inode = lookup(t_root, "/", NULL);
	ck_assert_int_eq(vfs_mkdirat(t_root, AT_FDCWD, "/data/newdir", 0777), 0);
	struct file *f = open_path(t_root, "/data/newdir/file", O_CREAT | O_WRONLY, 0666, &err);
	ck_assert_int_eq(err, 0);
	file_pwrite(f, "hello", 0);
	file_put(f);

	struct inode *dir = lookup(t_root, "/data/newdir", NULL);
	struct inode *file = lookup(t_root, "/data/newdir/file", NULL);
	ck_assert_ptr_nonnull(file);
	ck_assert_uint_eq(dir->mode, S_IFDIR | 0755);	/* umask 022 */
	ck_assert_uint_eq(file->mode, S_IFREG | 0644);
	/* New inodes: the root's device, numbers of their own. */
	ck_assert_uint_eq(file->dev, root_inode->dev);
	ck_assert_uint_ge(file->ino, UINT64_C(1) << 40);
	ck_assert_uint_ne(file->ino, dir->ino);
	struct stat st;
	vfs_fill_stat(file, &st);
	ck_assert_int_eq(st.st_size, 5);
	ck_assert_str_eq(listing(t_root, "/data"), "a empty link newdir sparse sub");
	ck_assert_uint_eq(lookup(t_root, "/data", NULL)->nlink, 5);	/* . sub empty newdir + .. */
	/* The image did not change. */
	char path[256];
	snprintf(path, sizeof(path), "%s/data/newdir", tree);
	ck_assert_int_eq(access(path, F_OK), -1);
}
END_TEST

START_TEST(test_copy_up_keeps_identity_and_image)
{
	int err;
	struct inode *a = lookup(t_root, "/data/a", NULL);
	uint64_t ino = a->ino;
	struct timespec mtime = a->mtime;
	struct file *ro = open_path(t_root, "/data/a", O_RDONLY, 0, &err);
	ck_assert_int_eq(err, 0);
	ck_assert_ptr_null(ro->ops->read);	/* the image's file: the host reads it */

	struct file *rw = open_path(t_root, "/data/a", O_RDWR, 0, &err);
	ck_assert_int_eq(err, 0);
	ck_assert_ptr_eq(lookup(t_root, "/data/a", NULL), a);	/* the same inode, copied up */
	ck_assert_uint_eq(a->ino, ino);
	ck_assert_int_eq(a->mtime.tv_sec, mtime.tv_sec);
	ck_assert_str_eq(file_content(rw), "aaaa");
	file_pwrite(rw, "bb", 1);
	ck_assert_str_eq(file_content(rw), "abba");
	/* The fd opened before the copy-up keeps reading the image (overlayfs's semantic). */
	ck_assert_str_eq(file_content(ro), "aaaa");
	ck_assert_str_eq(host_content("data/a"), "aaaa");
	/* A new read-only open reads the upper file. */
	struct file *ro2 = open_path(t_root, "/data/a", O_RDONLY, 0, &err);
	ck_assert_str_eq(file_content(ro2), "abba");
	file_put(ro);
	file_put(rw);
	file_put(ro2);
}
END_TEST

START_TEST(test_copy_up_keeps_holes)
{
	int err;
	struct file *f = open_path(t_root, "/data/sparse", O_RDWR, 0, &err);
	ck_assert_int_eq(err, 0);
	struct stat st;
	vfs_fill_stat(f->inode, &st);
	ck_assert_int_eq(st.st_size, SPARSE_SIZE);
	ck_assert_int_lt(st.st_blocks, 64);	/* one page of data, not 1 MiB */
	char buf[4];
	ck_assert_int_eq(pread(f->host_fd, buf, 4, SPARSE_DATA_AT), 4);
	ck_assert_int_eq(memcmp(buf, "data", 4), 0);
	file_put(f);
}
END_TEST

START_TEST(test_truncate_needs_no_copy)
{
	struct inode *a = lookup(t_root, "/data/a", NULL);
	ck_assert_int_eq(vfs_truncate(t_root, NULL, a, 0, true), 0);
	ck_assert_int_eq(a->size, 0);
	ck_assert_int_eq(a->blocks, 0);
	ck_assert_ptr_null(a->iops->copy_up);
	ck_assert_int_eq(vfs_truncate(t_root, NULL, a, 10, true), 0);
	struct stat st;
	vfs_fill_stat(a, &st);
	ck_assert_int_eq(st.st_size, 10);
	ck_assert_str_eq(host_content("data/a"), "aaaa");
}
END_TEST

START_TEST(test_independent_positions_and_append)
{
	int err;
	struct file *w = open_path(t_root, "/tmp/f", O_CREAT | O_WRONLY, 0644, &err);
	ck_assert_int_eq(err, 0);
	file_pwrite(w, "0123456789", 0);
	struct file *r1 = open_path(t_root, "/tmp/f", O_RDONLY, 0, &err);
	struct file *r2 = open_path(t_root, "/tmp/f", O_RDONLY, 0, &err);
	char b1[4] = { 0 }, b2[4] = { 0 };
	struct iovec v1 = { b1, 3 }, v2 = { b2, 2 };
	ck_assert_int_eq(r1->ops->read(r1, &v1, 1, &r1->pos), 3);
	ck_assert_int_eq(r2->ops->read(r2, &v2, 1, &r2->pos), 2);
	ck_assert_int_eq(r1->ops->read(r1, &v1, 1, &r1->pos), 3);
	ck_assert_str_eq(b1, "345");
	ck_assert_str_eq(b2, "01");
	struct file *ap = open_path(t_root, "/tmp/f", O_WRONLY | O_APPEND, 0, &err);
	file_pwrite(ap, "AB", 0);	/* O_APPEND: at the end whatever the position */
	ck_assert_str_eq(file_content(r1), "0123456789AB");
	file_put(w);
	file_put(r1);
	file_put(r2);
	file_put(ap);
}
END_TEST

START_TEST(test_unlink_image_file)
{
	ck_assert_int_eq(vfs_unlinkat(t_root, AT_FDCWD, "/data/a", 0), 0);
	ck_assert_int_eq(resolve_err(t_root, "/data/a"), -ENOENT);
	ck_assert_int_eq(resolve_err(t_root, "/data/link"), -ENOENT);	/* dangling now */
	ck_assert_int_eq(vfs_unlinkat(t_root, AT_FDCWD, "/data/a", 0), -ENOENT);
	ck_assert_str_eq(listing(t_root, "/data"), "empty link sparse sub");
	ck_assert_str_eq(host_content("data/a"), "aaaa");
	/* The name can be made again. */
	ck_assert_int_eq(vfs_symlinkat(t_root, "sub/x", AT_FDCWD, "/data/a"), 0);
	ck_assert_int_eq(resolve_err(t_root, "/data/link"), 0);
}
END_TEST

START_TEST(test_rmdir)
{
	ck_assert_int_eq(vfs_unlinkat(t_root, AT_FDCWD, "/data/sub", AT_REMOVEDIR), -ENOTEMPTY);
	ck_assert_int_eq(vfs_unlinkat(t_root, AT_FDCWD, "/data/empty", AT_REMOVEDIR), 0);
	ck_assert_int_eq(resolve_err(t_root, "/data/empty"), -ENOENT);
	ck_assert_int_eq(vfs_unlinkat(t_root, AT_FDCWD, "/data/sub/x", 0), 0);
	ck_assert_int_eq(vfs_unlinkat(t_root, AT_FDCWD, "/data/sub", AT_REMOVEDIR), 0);
	ck_assert_uint_eq(lookup(t_root, "/data", NULL)->nlink, 2);
	ck_assert_int_eq(vfs_unlinkat(t_root, AT_FDCWD, "/shm", AT_REMOVEDIR), -EBUSY);
}
END_TEST

START_TEST(test_rename_image_directory)
{
	struct inode *sub = lookup(t_root, "/data/sub", NULL);
	ck_assert_int_eq(vfs_renameat2(t_root, AT_FDCWD, "/data/sub", AT_FDCWD, "/moved", 0), 0);
	ck_assert_int_eq(resolve_err(t_root, "/data/sub"), -ENOENT);
	ck_assert_ptr_eq(lookup(t_root, "/moved", NULL), sub);
	/* The moved image directory still looks its names up in the image. */
	ck_assert_int_eq(resolve_err(t_root, "/moved/x"), 0);
	ck_assert_int_eq(resolve_err(t_root, "/moved/../data/a"), 0);
	ck_assert_int_eq(vfs_renameat2(t_root, AT_FDCWD, "/moved", AT_FDCWD, "/moved/x/y", 0), -ENOTDIR);
	ck_assert_int_eq(vfs_mkdirat(t_root, AT_FDCWD, "/moved/deeper", 0755), 0);
	ck_assert_int_eq(vfs_renameat2(t_root, AT_FDCWD, "/moved", AT_FDCWD, "/moved/deeper/in", 0), -EINVAL);
	ck_assert_int_eq(vfs_renameat2(t_root, AT_FDCWD, "/moved/deeper", AT_FDCWD, "/moved", 0), -ENOTEMPTY);
	ck_assert_int_eq(vfs_renameat2(t_root, AT_FDCWD, "/data/a", AT_FDCWD, "/shm/a", 0), -EXDEV);
	char name[VFS_PATH_MAX];
	struct path p;
	ck_assert_int_eq(vfs_resolve(t_root, &p_root, "/moved/x", 0, &p, NULL), 0);
	ck_assert_int_gt(vfs_path_name(t_root, &p, name, sizeof(name)), 0);
	ck_assert_str_eq(name, "/moved/x");
	path_put(&p);
}
END_TEST

START_TEST(test_rename_over_and_exchange)
{
	int err;
	struct inode *a = lookup(t_root, "/data/a", NULL);
	struct inode *x = inode_get(lookup(t_root, "/data/sub/x", NULL));	/* as an open file would */
	ck_assert_int_eq(vfs_renameat2(t_root, AT_FDCWD, "/data/a", AT_FDCWD, "/data/sub/x", 0), 0);
	ck_assert_ptr_eq(lookup(t_root, "/data/sub/x", NULL), a);
	ck_assert_uint_eq(x->nlink, 0);
	inode_put(x);
	ck_assert_int_eq(vfs_renameat2(t_root, AT_FDCWD, "/data/sub/x", AT_FDCWD, "/data/empty",
				       RENAME_EXCHANGE), 0);
	ck_assert_ptr_eq(lookup(t_root, "/data/empty", NULL), a);
	ck_assert_int_eq(S_ISDIR(lookup(t_root, "/data/sub/x", NULL)->mode), 1);
	struct file *f = open_path(t_root, "/data/empty", O_RDONLY, 0, &err);
	ck_assert_str_eq(file_content(f), "aaaa");
	file_put(f);
	ck_assert_int_eq(vfs_renameat2(t_root, AT_FDCWD, "/data/sparse", AT_FDCWD, "/data/empty",
				       RENAME_NOREPLACE), -EEXIST);
}
END_TEST

START_TEST(test_hard_link_of_image_file)
{
	int err;
	struct inode *a = lookup(t_root, "/data/a", NULL);
	ck_assert_int_eq(vfs_linkat(t_root, AT_FDCWD, "/data/a", AT_FDCWD, "/tmp/a2", 0), 0);
	ck_assert_ptr_eq(lookup(t_root, "/tmp/a2", NULL), a);
	ck_assert_uint_eq(a->nlink, 2);
	ck_assert_ptr_nonnull(a->iops->copy_up);	/* a name needs no copy of the content */
	struct file *f = open_path(t_root, "/tmp/a2", O_WRONLY | O_APPEND, 0, &err);
	ck_assert_int_eq(err, 0);
	file_pwrite(f, "!", 0);
	file_put(f);
	f = open_path(t_root, "/data/a", O_RDONLY, 0, &err);
	ck_assert_str_eq(file_content(f), "aaaa!");
	file_put(f);
	ck_assert_int_eq(vfs_linkat(t_root, AT_FDCWD, "/data/sub", AT_FDCWD, "/tmp/sub", 0), -EPERM);
	ck_assert_int_eq(vfs_linkat(t_root, AT_FDCWD, "/data/a", AT_FDCWD, "/shm/a", 0), -EXDEV);
}
END_TEST

START_TEST(test_sticky_and_permissions)
{
	int err;
	struct file *f = open_path(t_root, "/tmp/roots", O_CREAT | O_WRONLY, 0666, &err);
	ck_assert_int_eq(err, 0);
	file_put(f);
	ck_assert_int_eq(vfs_unlinkat(t_user, AT_FDCWD, "/tmp/roots", 0), -EPERM);
	ck_assert_int_eq(vfs_renameat2(t_user, AT_FDCWD, "/tmp/roots", AT_FDCWD, "/tmp/mine", 0), -EPERM);
	f = open_path(t_user, "/tmp/users", O_CREAT | O_WRONLY, 0644, &err);
	ck_assert_int_eq(err, 0);
	ck_assert_uint_eq(f->inode->uid, USER_UID);
	ck_assert_uint_eq(f->inode->gid, USER_GID);
	file_put(f);
	ck_assert_int_eq(vfs_unlinkat(t_root, AT_FDCWD, "/tmp/users", 0), 0);
	ck_assert_int_eq(vfs_mkdirat(t_user, AT_FDCWD, "/data/nope", 0755), -EACCES);
	ck_assert_int_eq(vfs_unlinkat(t_user, AT_FDCWD, "/data/a", 0), -EACCES);
	struct inode *a = lookup(t_root, "/data/a", NULL);
	ck_assert_int_eq(vfs_chmod(t_user, NULL, a, 0777), -EPERM);
	ck_assert_int_eq(vfs_chown(t_user, NULL, a, USER_UID, -1), -EPERM);
	ck_assert_int_eq(vfs_truncate(t_user, NULL, a, 0, true), -EACCES);
	ck_assert_int_eq(vfs_chown(t_root, NULL, a, USER_UID, 50), 0);
	/* Attributes of an image file change without a copy. */
	ck_assert_ptr_nonnull(a->iops->copy_up);
	ck_assert_int_eq(vfs_chmod(t_user, NULL, a, 02600), 0);
	ck_assert_uint_eq(a->mode, S_IFREG | 0600);	/* not in group 50: no setgid */
}
END_TEST

START_TEST(test_setgid_directory)
{
	struct inode *tmpdir = lookup(t_root, "/tmp", NULL);
	ck_assert_int_eq(vfs_mkdirat(t_root, AT_FDCWD, "/tmp/g", 0777), 0);
	struct inode *g = lookup(t_root, "/tmp/g", NULL);
	ck_assert_int_eq(vfs_chown(t_root, NULL, g, 0, 50), 0);
	ck_assert_int_eq(vfs_chmod(t_root, NULL, g, 02777), 0);
	ck_assert_int_eq(vfs_mkdirat(t_user, AT_FDCWD, "/tmp/g/d", 0755), 0);
	struct inode *d = lookup(t_root, "/tmp/g/d", NULL);
	ck_assert_uint_eq(d->gid, 50);
	ck_assert_uint_eq(d->mode, S_IFDIR | 02755);
	ck_assert_uint_eq(tmpdir->mode, S_IFDIR | 01777);
}
END_TEST

START_TEST(test_readonly_gofer_tree)
{
	struct dentry *ro;
	ck_assert_int_eq(goferfs_attach(0, false, &ro), 0);
	struct mount *m = vfs_mount_root(ro, 0, "ro");
	struct path p_ro = { m, ro };
	struct task *t = fx_task_new(0, 0, &p_ro, NULL);
	int err;
	ck_assert_int_eq(vfs_mkdirat(t, AT_FDCWD, "/data/x", 0755), -EROFS);
	ck_assert_int_eq(vfs_unlinkat(t, AT_FDCWD, "/data/a", 0), -EROFS);
	struct path p;
	ck_assert_int_eq(vfs_resolve(t, &p_ro, "/data/a", 0, &p, NULL), 0);
	struct file *f;
	ck_assert_int_eq(vfs_open(t, &p, O_WRONLY, &f), -EROFS);
	ck_assert_int_eq(vfs_chmod(t, &p, p.dentry->inode, 0600), -EROFS);
	path_put(&p);
	(void)err;
	fx_task_free(t);
	dentry_put(ro);
}
END_TEST

START_TEST(test_listing_resumes_across_changes)
{
	int err;
	char name[32];
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "/data/f%02d", i);
		struct file *f = open_path(t_root, name, O_CREAT | O_WRONLY, 0644, &err);
		ck_assert_int_eq(err, 0);
		file_put(f);
	}
	struct inode *dir = lookup(t_root, "/data", NULL);
	struct names n = { .stop_every = 7 };
	uint64_t cookie = 0;
	int rounds = 0;
	do {
		n.taken = 0;
		ck_assert_int_eq(dir->iops->iterate(dir, &cookie, collect, &n), 0);
		rounds++;
	} while (n.taken == n.stop_every);
	ck_assert_int_eq(n.count, 45);	/* 5 image names, 40 new ones, each once */
	ck_assert_int_ge(rounds, 7);
}
END_TEST

START_TEST(test_memfs_mount)
{
	int err;
	struct inode *shm = lookup(t_root, "/shm", NULL);
	ck_assert_str_eq(shm->sb->fstype, "tmpfs");
	ck_assert_int_eq(vfs_mkdirat(t_user, AT_FDCWD, "/shm/d", 0700), 0);
	struct file *f = open_path(t_user, "/shm/d/f", O_CREAT | O_RDWR, 0600, &err);
	ck_assert_int_eq(err, 0);
	file_pwrite(f, "in memory", 0);
	ck_assert_str_eq(file_content(f), "in memory");
	ck_assert_uint_eq(f->inode->dev, shm->dev);
	file_put(f);
	ck_assert_int_eq(vfs_renameat2(t_user, AT_FDCWD, "/shm/d/f", AT_FDCWD, "/shm/g", 0), 0);
	ck_assert_int_eq(vfs_unlinkat(t_user, AT_FDCWD, "/shm/d", AT_REMOVEDIR), 0);
	ck_assert_str_eq(listing(t_root, "/shm"), "g");
}
END_TEST

static Suite *overlay_suite(void)
{
	Suite *s = suite_create("overlay");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_create_in_image_directory);
	tcase_add_test(tc, test_copy_up_keeps_identity_and_image);
	tcase_add_test(tc, test_copy_up_keeps_holes);
	tcase_add_test(tc, test_truncate_needs_no_copy);
	tcase_add_test(tc, test_independent_positions_and_append);
	tcase_add_test(tc, test_unlink_image_file);
	tcase_add_test(tc, test_rmdir);
	tcase_add_test(tc, test_rename_image_directory);
	tcase_add_test(tc, test_rename_over_and_exchange);
	tcase_add_test(tc, test_hard_link_of_image_file);
	tcase_add_test(tc, test_sticky_and_permissions);
	tcase_add_test(tc, test_setgid_directory);
	tcase_add_test(tc, test_readonly_gofer_tree);
	tcase_add_test(tc, test_listing_resumes_across_changes);
	tcase_add_test(tc, test_memfs_mount);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(overlay_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
