/* The sentry's VFS: path resolution (vfs_resolve, vfs_resolve_at) against Linux's
   path_resolution(7), permissions, vfs_path_name and the dentry cache, on an in-memory tree
   built from the synth helpers. Every test gets a fresh tree (checked fixture).

   The tree (all root:root, dirs 0755 and files 0644 unless said otherwise):

   /                          root fs "testfs" (cached)
     dir/ file  sub/ deep
     file
     mnt/                     fs2 is mounted here:  inner/ f2   back -> ../file
     dyn/                     an uncached fs ("dynfs") whose root counts its lookups
     counted/                 a directory of the cached root fs that counts its lookups
     locked/ (0700)           secret
     groupdir/ (0710 root:100) gfile
     jail/                    file  inner/  escape -> /file  up -> ../../../file
     links/
       rel -> ../dir/file     abs -> /dir/file        todir -> ../dir
       todir_slash -> ../dir/ up -> ../../../../..    self -> self
       a -> b   b -> a        dangling -> nowhere     empty -> ""
       dot -> .               tomnt -> /mnt/inner     tolocked -> /locked/secret
       l1 -> l2 -> ... -> l41 -> ../file   (l2 is a chain of exactly 40 links)
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sentry/fs/synth.h"
#include "tests/unit/sentry_fixture.h"

#define NONROOT_UID 1000
#define NONROOT_GID 1000
#define GROUP_MEMBER_UID 1001
#define SHARED_GID 100
#define CHAIN_LEN 41

/* The world of one test. */
static struct super_block *sb_root, *sb_fs2, *sb_dyn;
static struct mount *m_root, *m_fs2, *m_dyn;
static struct path p_root;		/* (m_root, "/") */
static struct path p_mnt_under;		/* the root fs's "mnt" dentry, covered by fs2 */

/* Inodes, borrowed (their directories own them): what resolution must arrive at. */
static struct inode *i_root, *i_dir, *i_dir_file, *i_sub, *i_deep, *i_file, *i_mnt_under;
static struct inode *i_fs2_root, *i_inner, *i_f2, *i_locked, *i_secret, *i_gfile;
static struct inode *i_jail, *i_jail_file, *i_jail_inner, *i_links, *i_rel, *i_self;
static struct inode *i_dangling, *i_l1, *i_dyn_root, *i_counted;

static int lookups_cached, lookups_uncached;

/* Tasks: root at "/", a non-root user, a member of SHARED_GID, root jailed in /jail, and
   root whose root is fs2's root (a chroot into a mount). */
static struct task *t_root, *t_user, *t_group, *t_jail, *t_mntroot;

static int fill_text(long arg, char **buf, size_t *len)
{
	(void)arg;
	*buf = strdup("text\n");
	if (!*buf)
		return -ENOMEM;
	*len = 5;
	return 0;
}

/* A directory that counts lookups in the int its priv points to and holds one file, "x". */
static int counting_lookup(struct inode *dir, const char *name, struct inode **out)
{
	(*(int *)dir->priv)++;
	if (strcmp(name, "x") != 0)
		return -ENOENT;
	*out = inode_new(dir->sb, S_IFREG | 0644);
	return *out ? 0 : -ENOMEM;
}

static const struct inode_operations counting_dir_iops = {
	.lookup = counting_lookup,
};

static struct inode *counting_dir_new(struct super_block *sb, int *counter)
{
	struct inode *inode = inode_new(sb, S_IFDIR | 0755);
	ck_assert_ptr_nonnull(inode);
	inode->iops = &counting_dir_iops;
	inode->fops = &dir_file_ops;
	inode->priv = counter;
	return inode;
}

static struct inode *add(struct inode *parent, const char *name, struct inode *child)
{
	ck_assert_ptr_nonnull(child);
	ck_assert_int_eq(synth_dir_add(parent, name, child), 0);
	return child;
}

static struct inode *add_dir(struct inode *parent, const char *name, mode_t perm, uid_t uid,
			     gid_t gid)
{
	struct inode *d = add(parent, name, synth_dir_new(parent->sb, perm));
	d->uid = uid;
	d->gid = gid;
	return d;
}

static struct inode *add_file(struct inode *parent, const char *name)
{
	return add(parent, name, synth_file_new(parent->sb, 0644, fill_text, 0));
}

static struct inode *add_link(struct inode *parent, const char *name, const char *target)
{
	return add(parent, name, synth_symlink_new(parent->sb, target));
}

/* Resolves path for t from its cwd. */
static int res(struct task *t, const char *path, int flags, struct path *out)
{
	return vfs_resolve(t, &t->fs->cwd, path, flags, out, NULL);
}

/* Resolution must succeed and end at (mnt, an inode we made). */
#define ck_resolves(t, pth, flags, want_inode, want_mnt)                                        \
	do {                                                                                    \
		struct path _p;                                                                 \
		int _r = res((t), (pth), (flags), &_p);                                         \
		ck_assert_msg(_r == 0, "resolving \"%s\": %d (%s)", (pth), _r, strerror(-_r));  \
		ck_assert_msg(_p.dentry->inode == (want_inode),                                 \
			      "resolving \"%s\": inode %p, want %s", (pth),                     \
			      (void *)_p.dentry->inode, #want_inode);                           \
		ck_assert_msg(_p.mnt == (want_mnt), "resolving \"%s\": mount %p, want %s",      \
			      (pth), (void *)_p.mnt, #want_mnt);                                \
		path_put(&_p);                                                                  \
	} while (0)

/* Resolution must fail with exactly -err. */
#define ck_resolve_fails(t, pth, flags, err)                                                    \
	do {                                                                                    \
		struct path _p = { 0 };                                                         \
		int _r = res((t), (pth), (flags), &_p);                                         \
		if (_r == 0)                                                                    \
			path_put(&_p);                                                          \
		ck_assert_msg(_r == -(err), "resolving \"%s\": %d (%s), want -%s", (pth), _r,   \
			      strerror(-_r), #err);                                             \
	} while (0)

static struct path must_resolve(struct task *t, const char *path, int flags)
{
	struct path p;
	int r = res(t, path, flags, &p);
	ck_assert_msg(r == 0, "resolving \"%s\": %d", path, r);
	return p;
}

static void build_world(void)
{
	char name[16], target[16];

	lookups_cached = lookups_uncached = 0;
	sb_root = synth_sb_new("testfs", false);
	sb_fs2 = synth_sb_new("fs2", false);
	sb_dyn = synth_sb_new("dynfs", true);
	ck_assert_ptr_nonnull(sb_root);
	ck_assert_ptr_nonnull(sb_fs2);
	ck_assert_ptr_nonnull(sb_dyn);

	i_root = synth_dir_new(sb_root, 0755);
	ck_assert_ptr_nonnull(i_root);
	i_dir = add_dir(i_root, "dir", 0755, 0, 0);
	i_dir_file = add_file(i_dir, "file");
	i_sub = add_dir(i_dir, "sub", 0755, 0, 0);
	i_deep = add_file(i_sub, "deep");
	i_file = add_file(i_root, "file");
	i_mnt_under = add_dir(i_root, "mnt", 0755, 0, 0);
	add_dir(i_root, "dyn", 0755, 0, 0);
	i_counted = add(i_root, "counted", counting_dir_new(sb_root, &lookups_cached));
	i_locked = add_dir(i_root, "locked", 0700, 0, 0);
	i_secret = add_file(i_locked, "secret");
	struct inode *groupdir = add_dir(i_root, "groupdir", 0710, 0, SHARED_GID);
	i_gfile = add_file(groupdir, "gfile");
	i_jail = add_dir(i_root, "jail", 0755, 0, 0);
	i_jail_file = add_file(i_jail, "file");
	i_jail_inner = add_dir(i_jail, "inner", 0755, 0, 0);
	add_link(i_jail, "escape", "/file");
	add_link(i_jail, "up", "../../../file");

	i_links = add_dir(i_root, "links", 0755, 0, 0);
	i_rel = add_link(i_links, "rel", "../dir/file");
	add_link(i_links, "abs", "/dir/file");
	add_link(i_links, "todir", "../dir");
	add_link(i_links, "todir_slash", "../dir/");
	add_link(i_links, "up", "../../../../..");
	i_self = add_link(i_links, "self", "self");
	add_link(i_links, "a", "b");
	add_link(i_links, "b", "a");
	i_dangling = add_link(i_links, "dangling", "nowhere");
	add_link(i_links, "empty", "");
	add_link(i_links, "dot", ".");
	add_link(i_links, "tomnt", "/mnt/inner");
	add_link(i_links, "tolocked", "/locked/secret");
	for (int i = 1; i <= CHAIN_LEN; i++) {
		snprintf(name, sizeof(name), "l%d", i);
		if (i < CHAIN_LEN)
			snprintf(target, sizeof(target), "l%d", i + 1);
		else
			snprintf(target, sizeof(target), "../file");
		struct inode *l = add_link(i_links, name, target);
		if (i == 1)
			i_l1 = l;
	}

	struct dentry *d = dentry_new_root(i_root);
	ck_assert_ptr_nonnull(d);
	m_root = vfs_mount_root(d, 0, "testfs");
	ck_assert_ptr_nonnull(m_root);
	p_root = (struct path){ m_root, d };	/* keeps dentry_new_root's reference */

	t_root = fx_task_new(0, 0, &p_root, NULL);

	/* fs2 on /mnt. */
	i_fs2_root = synth_dir_new(sb_fs2, 0755);
	ck_assert_ptr_nonnull(i_fs2_root);
	i_inner = add_dir(i_fs2_root, "inner", 0755, 0, 0);
	i_f2 = add_file(i_inner, "f2");
	add_link(i_fs2_root, "back", "../file");
	p_mnt_under = must_resolve(t_root, "/mnt", 0);
	ck_assert_ptr_eq(p_mnt_under.dentry->inode, i_mnt_under);
	d = dentry_new_root(i_fs2_root);
	ck_assert_int_eq(vfs_mount_at(&p_mnt_under, d, 0, "fs2"), 0);
	dentry_put(d);
	m_fs2 = p_mnt_under.dentry->mounted;
	ck_assert_ptr_nonnull(m_fs2);

	/* The uncached fs on /dyn. */
	i_dyn_root = counting_dir_new(sb_dyn, &lookups_uncached);
	struct path p_dyn = must_resolve(t_root, "/dyn", 0);
	d = dentry_new_root(i_dyn_root);
	ck_assert_int_eq(vfs_mount_at(&p_dyn, d, 0, "dynfs"), 0);
	dentry_put(d);
	m_dyn = p_dyn.dentry->mounted;
	ck_assert_ptr_nonnull(m_dyn);
	path_put(&p_dyn);

	t_user = fx_task_new(NONROOT_UID, NONROOT_GID, &p_root, NULL);
	t_group = fx_task_new(GROUP_MEMBER_UID, GROUP_MEMBER_UID, &p_root, NULL);
	t_group->tg->creds.ngroups = 1;
	t_group->tg->creds.groups[0] = SHARED_GID;
	struct path p_jail = must_resolve(t_root, "/jail", 0);
	t_jail = fx_task_new(0, 0, &p_jail, NULL);
	path_put(&p_jail);
	struct path p_fs2 = must_resolve(t_root, "/mnt", 0);
	ck_assert_ptr_eq(p_fs2.mnt, m_fs2);
	t_mntroot = fx_task_new(0, 0, &p_fs2, NULL);
	path_put(&p_fs2);
}

/* Mounts are never unmounted (the sentry has no umount): the trees stay reachable from the
   mount list. Only the references the test holds are dropped. */
static void destroy_world(void)
{
	fx_task_free(t_root);
	fx_task_free(t_user);
	fx_task_free(t_group);
	fx_task_free(t_jail);
	fx_task_free(t_mntroot);
	t_root = t_user = t_group = t_jail = t_mntroot = NULL;
	path_put(&p_mnt_under);
	path_put(&p_root);
}

/* Sets t's working directory to path (resolved by t). */
static void chdir_task(struct task *t, const char *path)
{
	struct path p = must_resolve(t, path, LOOKUP_FOLLOW | LOOKUP_DIRECTORY);
	path_set(&t->fs->cwd, &p);
	path_put(&p);
}

/* ---- absolute, relative, ".", ".." ---- */

START_TEST(test_absolute_paths)
{
	ck_resolves(t_root, "/", 0, i_root, m_root);
	ck_resolves(t_root, "/dir", 0, i_dir, m_root);
	ck_resolves(t_root, "/dir/file", 0, i_dir_file, m_root);
	ck_resolves(t_root, "/dir/sub/deep", 0, i_deep, m_root);
	ck_resolves(t_root, "//dir///sub//deep", 0, i_deep, m_root);
}
END_TEST

START_TEST(test_relative_paths_start_at_cwd)
{
	chdir_task(t_root, "/dir");
	ck_resolves(t_root, "file", 0, i_dir_file, m_root);
	ck_resolves(t_root, "sub/deep", 0, i_deep, m_root);
	ck_resolves(t_root, "./file", 0, i_dir_file, m_root);
	ck_resolves(t_root, "../file", 0, i_file, m_root);
	/* An absolute path ignores the cwd. */
	ck_resolves(t_root, "/file", 0, i_file, m_root);
}
END_TEST

START_TEST(test_dot_and_dotdot)
{
	ck_resolves(t_root, "/dir/.", 0, i_dir, m_root);
	ck_resolves(t_root, "/dir/..", 0, i_root, m_root);
	ck_resolves(t_root, "/dir/sub/../../file", 0, i_file, m_root);
	ck_resolves(t_root, "/dir/./sub/./deep", 0, i_deep, m_root);
	ck_resolves(t_root, ".", 0, i_root, m_root);
}
END_TEST

START_TEST(test_dotdot_at_root_stays_at_root)
{
	ck_resolves(t_root, "/..", 0, i_root, m_root);
	ck_resolves(t_root, "/../../..", 0, i_root, m_root);
	ck_resolves(t_root, "/../dir/../../file", 0, i_file, m_root);
	ck_resolves(t_root, "..", 0, i_root, m_root);
	chdir_task(t_root, "/dir/sub");
	ck_resolves(t_root, "../../../../..", 0, i_root, m_root);
}
END_TEST

START_TEST(test_same_dentry_by_every_route)
{
	struct path a = must_resolve(t_root, "/dir/file", 0);
	const char *routes[] = {
		"/dir/file", "/dir/./file", "/dir/sub/../file", "/links/../dir/file",
		"/links/rel", "/links/abs", "/links/todir/file", "/links/up/dir/file",
	};
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		struct path b = must_resolve(t_root, routes[i], LOOKUP_FOLLOW);
		ck_assert_msg(b.dentry == a.dentry, "\"%s\" gave another dentry", routes[i]);
		ck_assert_ptr_eq(b.mnt, a.mnt);
		path_put(&b);
	}
	path_put(&a);
}
END_TEST

/* ---- mounts ---- */

START_TEST(test_mount_is_crossed_downwards)
{
	ck_resolves(t_root, "/mnt", 0, i_fs2_root, m_fs2);
	ck_resolves(t_root, "/mnt/", 0, i_fs2_root, m_fs2);
	ck_resolves(t_root, "/mnt/inner/f2", 0, i_f2, m_fs2);
	ck_resolves(t_root, "/links/tomnt", LOOKUP_FOLLOW, i_inner, m_fs2);
	ck_resolves(t_root, "/dir/../mnt/inner", 0, i_inner, m_fs2);
	/* The covered directory is the mountpoint dentry, no longer reachable by name. */
	ck_assert_ptr_eq(p_mnt_under.dentry->mounted, m_fs2);
	ck_assert_ptr_eq(m_fs2->mountpoint, p_mnt_under.dentry);
	ck_assert_ptr_eq(m_fs2->parent, m_root);
}
END_TEST

START_TEST(test_dotdot_across_mount_goes_to_parent_mount)
{
	ck_resolves(t_root, "/mnt/..", 0, i_root, m_root);
	ck_resolves(t_root, "/mnt/inner/../..", 0, i_root, m_root);
	ck_resolves(t_root, "/mnt/../file", 0, i_file, m_root);
	/* A relative symlink on the mounted fs that climbs out of it. */
	ck_resolves(t_root, "/mnt/back", LOOKUP_FOLLOW, i_file, m_root);
	chdir_task(t_root, "/mnt/inner");
	ck_resolves(t_root, "../../dir", 0, i_dir, m_root);
}
END_TEST

START_TEST(test_dotdot_at_task_root_on_a_mount_stays)
{
	/* t_mntroot's root is fs2's root: ".." may not climb to the parent mount. */
	ck_resolves(t_mntroot, "/", 0, i_fs2_root, m_fs2);
	ck_resolves(t_mntroot, "/..", 0, i_fs2_root, m_fs2);
	ck_resolves(t_mntroot, "/inner/../..", 0, i_fs2_root, m_fs2);
	/* "back" -> ../file climbs to the task root and finds no "file" there. */
	ck_resolve_fails(t_mntroot, "/back", LOOKUP_FOLLOW, ENOENT);
}
END_TEST

START_TEST(test_mount_on_a_file_is_enotdir)
{
	struct path f = must_resolve(t_root, "/file", 0);
	struct dentry *d = dentry_new_root(synth_dir_new(sb_fs2, 0755));
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(vfs_mount_at(&f, d, 0, "x"), -ENOTDIR);
	ck_assert_ptr_null(f.dentry->mounted);
	dentry_put(d);
	path_put(&f);
}
END_TEST

/* ---- trailing slashes, LOOKUP_DIRECTORY ---- */

START_TEST(test_trailing_slash_on_file_is_enotdir)
{
	ck_resolve_fails(t_root, "/file/", 0, ENOTDIR);
	ck_resolve_fails(t_root, "/file/", LOOKUP_FOLLOW, ENOTDIR);
	ck_resolve_fails(t_root, "/file/.", 0, ENOTDIR);
	ck_resolve_fails(t_root, "/file/..", 0, ENOTDIR);
	ck_resolve_fails(t_root, "/file/x", 0, ENOTDIR);
	ck_resolves(t_root, "/dir/", 0, i_dir, m_root);
	ck_resolves(t_root, "/dir//", 0, i_dir, m_root);
}
END_TEST

START_TEST(test_trailing_slash_symlinks)
{
	struct path p = must_resolve(t_root, "/links/todir", 0);
	ck_assert(S_ISLNK(p.dentry->inode->mode));
	path_put(&p);
	/* ... but a trailing slash makes it followed, as path_resolution(7) says. */
	ck_resolves(t_root, "/links/todir/", 0, i_dir, m_root);
	ck_resolves(t_root, "/links/todir_slash", LOOKUP_FOLLOW, i_dir, m_root);
	ck_resolve_fails(t_root, "/links/rel/", 0, ENOTDIR);
	ck_resolve_fails(t_root, "/links/dangling/", 0, ENOENT);
	ck_resolve_fails(t_root, "/links/dangling/", LOOKUP_ALLOW_NEGATIVE, ENOENT);
}
END_TEST

START_TEST(test_lookup_directory)
{
	ck_resolve_fails(t_root, "/file", LOOKUP_DIRECTORY, ENOTDIR);
	ck_resolves(t_root, "/dir", LOOKUP_DIRECTORY, i_dir, m_root);
	ck_resolves(t_root, "/links/todir", LOOKUP_DIRECTORY | LOOKUP_FOLLOW, i_dir, m_root);
	/* O_DIRECTORY | O_NOFOLLOW on a symlink: the result is a symlink, not a directory. */
	ck_resolve_fails(t_root, "/links/todir", LOOKUP_DIRECTORY, ENOTDIR);
	ck_resolve_fails(t_root, "/links/rel", LOOKUP_DIRECTORY | LOOKUP_FOLLOW, ENOTDIR);
}
END_TEST

/* ---- symlinks ---- */

START_TEST(test_follow_versus_nofollow)
{
	ck_resolves(t_root, "/links/rel", 0, i_rel, m_root);
	ck_resolves(t_root, "/links/rel", LOOKUP_FOLLOW, i_dir_file, m_root);
	ck_resolves(t_root, "/links/abs", LOOKUP_FOLLOW, i_dir_file, m_root);
	/* Symlinks before the last component are always followed. */
	ck_resolves(t_root, "/links/todir/file", 0, i_dir_file, m_root);
	ck_resolves(t_root, "/links/todir/sub/deep", 0, i_deep, m_root);
	/* A dangling link: itself without FOLLOW, ENOENT with it. */
	ck_resolves(t_root, "/links/dangling", 0, i_dangling, m_root);
	ck_resolve_fails(t_root, "/links/dangling", LOOKUP_FOLLOW, ENOENT);
	/* An empty target names nothing. */
	ck_resolve_fails(t_root, "/links/empty", LOOKUP_FOLLOW, ENOENT);
}
END_TEST

START_TEST(test_dotdot_after_symlink_is_physical)
{
	/* todir -> ../dir: ".." is the parent of /dir, not /links. */
	ck_resolves(t_root, "/links/todir/..", 0, i_root, m_root);
	ck_resolves(t_root, "/links/todir/../links", 0, i_links, m_root);
	ck_resolves(t_root, "/links/up", LOOKUP_FOLLOW, i_root, m_root);
}
END_TEST

START_TEST(test_absolute_symlink_stays_in_task_root)
{
	/* t_jail's root is /jail: "/file" is /jail/file, whatever the route. */
	ck_resolves(t_jail, "/", 0, i_jail, m_root);
	ck_resolves(t_jail, "/file", 0, i_jail_file, m_root);
	ck_resolves(t_jail, "/escape", LOOKUP_FOLLOW, i_jail_file, m_root);
	ck_resolves(t_jail, "/up", LOOKUP_FOLLOW, i_jail_file, m_root);
	ck_resolves(t_jail, "/..", 0, i_jail, m_root);
	ck_resolves(t_jail, "/../../file", 0, i_jail_file, m_root);
	ck_resolves(t_jail, "/inner/../../..", 0, i_jail, m_root);
	ck_resolve_fails(t_jail, "/dir/file", 0, ENOENT);
	ck_resolve_fails(t_jail, "/links/rel", 0, ENOENT);
	/* The same links seen from the real root. */
	ck_resolves(t_root, "/jail/escape", LOOKUP_FOLLOW, i_file, m_root);
	ck_resolves(t_root, "/jail/up", LOOKUP_FOLLOW, i_file, m_root);
}
END_TEST

START_TEST(test_chain_of_40_links_resolves)
{
	/* l2 -> l3 -> ... -> l41 -> ../file: exactly 40 links followed. */
	ck_resolves(t_root, "/links/l2", LOOKUP_FOLLOW, i_file, m_root);
	/* The count is per resolution: a second walk starts from zero. */
	ck_resolves(t_root, "/links/l2", LOOKUP_FOLLOW, i_file, m_root);
	ck_resolves(t_root, "/links/l41", LOOKUP_FOLLOW, i_file, m_root);
}
END_TEST

START_TEST(test_chain_of_41_links_is_eloop)
{
	ck_resolve_fails(t_root, "/links/l1", LOOKUP_FOLLOW, ELOOP);
	ck_resolve_fails(t_root, "/links/l1/", 0, ELOOP);
	ck_resolve_fails(t_root, "/links/l1/x", 0, ELOOP);
	/* Not following the last component follows nothing. */
	ck_resolves(t_root, "/links/l1", 0, i_l1, m_root);
}
END_TEST

START_TEST(test_links_count_across_components)
{
	/* dot -> . followed 39 times, then rel: 40 links in one walk. */
	char path[512] = "/links/";
	for (int i = 0; i < 39; i++)
		strcat(path, "dot/");
	strcat(path, "rel");
	ck_resolves(t_root, path, LOOKUP_FOLLOW, i_dir_file, m_root);
	/* One more dot: 41. */
	char longer[sizeof(path) + 16];
	snprintf(longer, sizeof(longer), "/links/dot/%s", path + strlen("/links/"));
	ck_resolve_fails(t_root, longer, LOOKUP_FOLLOW, ELOOP);
}
END_TEST

START_TEST(test_symlink_loops_are_eloop)
{
	ck_resolve_fails(t_root, "/links/self", LOOKUP_FOLLOW, ELOOP);
	ck_resolve_fails(t_root, "/links/self/", 0, ELOOP);
	ck_resolve_fails(t_root, "/links/self/x", 0, ELOOP);
	ck_resolve_fails(t_root, "/links/a", LOOKUP_FOLLOW, ELOOP);
	ck_resolve_fails(t_root, "/links/b/x", 0, ELOOP);
	ck_resolves(t_root, "/links/self", 0, i_self, m_root);
}
END_TEST

/* ---- missing names, LOOKUP_PARENT, LOOKUP_ALLOW_NEGATIVE, LOOKUP_EMPTY ---- */

START_TEST(test_missing_components_are_enoent)
{
	ck_resolve_fails(t_root, "/nodir/file", 0, ENOENT);
	ck_resolve_fails(t_root, "/dir/nofile", 0, ENOENT);
	ck_resolve_fails(t_root, "/dir/nofile/x", 0, ENOENT);
	ck_resolve_fails(t_root, "/dir/nofile/", 0, ENOENT);
	ck_resolve_fails(t_root, "nofile", LOOKUP_FOLLOW, ENOENT);
	/* A cached negative entry answers the same way the second time. */
	ck_resolve_fails(t_root, "/dir/nofile", 0, ENOENT);
}
END_TEST

START_TEST(test_lookup_parent_returns_last_name)
{
	struct nameidata_last last;
	struct path p;

	memset(&last, 0x55, sizeof(last));
	ck_assert_int_eq(vfs_resolve(t_root, &t_root->fs->cwd, "/dir/sub/newname", LOOKUP_PARENT,
				     &p, &last), 0);
	ck_assert_ptr_eq(p.dentry->inode, i_sub);
	ck_assert_str_eq(last.name, "newname");
	ck_assert(!last.trailing_slash);
	path_put(&p);

	/* The last name is not looked up: it need not exist, and may be a symlink. */
	ck_assert_int_eq(vfs_resolve(t_root, &t_root->fs->cwd, "/links/self", LOOKUP_PARENT, &p,
				     &last), 0);
	ck_assert_ptr_eq(p.dentry->inode, i_links);
	ck_assert_str_eq(last.name, "self");
	path_put(&p);

	ck_assert_int_eq(vfs_resolve(t_root, &t_root->fs->cwd, "/dir/sub/", LOOKUP_PARENT, &p,
				     &last), 0);
	ck_assert_ptr_eq(p.dentry->inode, i_dir);
	ck_assert_str_eq(last.name, "sub");
	ck_assert(last.trailing_slash);
	path_put(&p);

	/* Symlinks on the way are followed. */
	ck_assert_int_eq(vfs_resolve(t_root, &t_root->fs->cwd, "/links/todir/new", LOOKUP_PARENT,
				     &p, &last), 0);
	ck_assert_ptr_eq(p.dentry->inode, i_dir);
	ck_assert_str_eq(last.name, "new");
	path_put(&p);

	/* A relative single name: the parent is the cwd. */
	chdir_task(t_root, "/mnt");
	ck_assert_int_eq(vfs_resolve(t_root, &t_root->fs->cwd, "x", LOOKUP_PARENT, &p, &last), 0);
	ck_assert_ptr_eq(p.dentry->inode, i_fs2_root);
	ck_assert_ptr_eq(p.mnt, m_fs2);
	ck_assert_str_eq(last.name, "x");
	path_put(&p);

	/* "/" has no last component. */
	ck_assert_int_eq(vfs_resolve(t_root, &t_root->fs->cwd, "/", LOOKUP_PARENT, &p, &last), 0);
	ck_assert_ptr_eq(p.dentry->inode, i_root);
	ck_assert_str_eq(last.name, "");
	path_put(&p);

	/* The parent must exist and be a directory. */
	ck_assert_int_eq(vfs_resolve(t_root, &t_root->fs->cwd, "/nodir/x", LOOKUP_PARENT, &p,
				     &last), -ENOENT);
	ck_assert_int_eq(vfs_resolve(t_root, &t_root->fs->cwd, "/file/x", LOOKUP_PARENT, &p,
				     &last), -ENOTDIR);
}
END_TEST

START_TEST(test_lookup_parent_needs_search_permission)
{
	struct nameidata_last last;
	struct path p;

	/* Linux checks search permission on the directory holding the last name (may_lookup in
	   link_path_walk), so creating or unlinking in /locked is EACCES for a stranger. */
	ck_assert_int_eq(vfs_resolve(t_user, &t_user->fs->cwd, "/locked/newname", LOOKUP_PARENT,
				     &p, &last), -EACCES);
	ck_assert_int_eq(vfs_resolve(t_root, &t_root->fs->cwd, "/locked/newname", LOOKUP_PARENT,
				     &p, &last), 0);
	ck_assert_ptr_eq(p.dentry->inode, i_locked);
	path_put(&p);
	/* The parent of /locked is "/", which the user may search. */
	ck_assert_int_eq(vfs_resolve(t_user, &t_user->fs->cwd, "/locked", LOOKUP_PARENT, &p, &last),
			 0);
	ck_assert_ptr_eq(p.dentry->inode, i_root);
	ck_assert_str_eq(last.name, "locked");
	path_put(&p);
}
END_TEST

START_TEST(test_allow_negative)
{
	struct path p;

	ck_assert_int_eq(res(t_root, "/dir/newname", LOOKUP_ALLOW_NEGATIVE, &p), 0);
	ck_assert_ptr_null(p.dentry->inode);
	ck_assert_str_eq(p.dentry->name, "newname");
	ck_assert_ptr_eq(p.dentry->parent->inode, i_dir);
	ck_assert_ptr_eq(p.mnt, m_root);
	path_put(&p);
	/* Only the last component may be missing, and not with a trailing slash. */
	ck_resolve_fails(t_root, "/nodir/newname", LOOKUP_ALLOW_NEGATIVE, ENOENT);
	ck_resolve_fails(t_root, "/dir/newname/", LOOKUP_ALLOW_NEGATIVE, ENOENT);
	/* Without the flag the same name is ENOENT. */
	ck_resolve_fails(t_root, "/dir/newname", 0, ENOENT);
	/* Through a dangling symlink (O_CREAT follows it): the link's target, negative. */
	ck_assert_int_eq(res(t_root, "/links/dangling", LOOKUP_ALLOW_NEGATIVE | LOOKUP_FOLLOW, &p), 0);
	ck_assert_ptr_null(p.dentry->inode);
	ck_assert_str_eq(p.dentry->name, "nowhere");
	ck_assert_ptr_eq(p.dentry->parent->inode, i_links);
	path_put(&p);
	/* An existing name is simply found. */
	ck_resolves(t_root, "/dir/file", LOOKUP_ALLOW_NEGATIVE, i_dir_file, m_root);
}
END_TEST

START_TEST(test_empty_path)
{
	chdir_task(t_root, "/dir");
	ck_resolve_fails(t_root, "", 0, ENOENT);
	ck_resolve_fails(t_root, "", LOOKUP_FOLLOW, ENOENT);
	ck_resolves(t_root, "", LOOKUP_EMPTY, i_dir, m_root);
}
END_TEST

/* ---- ENAMETOOLONG ---- */

START_TEST(test_component_of_256_bytes_is_enametoolong)
{
	char path[VFS_NAME_MAX + 16];

	path[0] = '/';
	memset(path + 1, 'a', VFS_NAME_MAX + 1);
	path[VFS_NAME_MAX + 2] = '\0';
	ck_resolve_fails(t_root, path, 0, ENAMETOOLONG);
	ck_resolve_fails(t_root, path, LOOKUP_ALLOW_NEGATIVE, ENAMETOOLONG);
	/* Also in the middle of a path, and as the last name of LOOKUP_PARENT. */
	strcat(path, "/x");
	ck_resolve_fails(t_root, path, 0, ENAMETOOLONG);
	struct nameidata_last last;
	struct path p;
	path[VFS_NAME_MAX + 2] = '\0';
	ck_assert_int_eq(vfs_resolve(t_root, &t_root->fs->cwd, path, LOOKUP_PARENT, &p, &last),
			 -ENAMETOOLONG);
	/* 255 bytes is a legal name that does not exist. */
	path[VFS_NAME_MAX + 1] = '\0';
	ck_assert_int_eq(strlen(path + 1), VFS_NAME_MAX);
	ck_resolve_fails(t_root, path, 0, ENOENT);
}
END_TEST

START_TEST(test_path_of_4096_bytes_is_enametoolong)
{
	char *path = malloc(VFS_PATH_MAX + 1);
	ck_assert_ptr_nonnull(path);

	/* 4095 bytes ("./" x 2047 + "."): the longest path, resolving to the cwd. */
	for (int i = 0; i < VFS_PATH_MAX - 1; i++)
		path[i] = (i % 2) ? '/' : '.';
	path[VFS_PATH_MAX - 1] = '\0';
	ck_assert_int_eq(strlen(path), VFS_PATH_MAX - 1);
	ck_resolves(t_root, path, 0, i_root, m_root);
	/* 4096 bytes: PATH_MAX counts the NUL. */
	path[VFS_PATH_MAX - 1] = '/';
	path[VFS_PATH_MAX] = '\0';
	ck_resolve_fails(t_root, path, 0, ENAMETOOLONG);
	free(path);
}
END_TEST

/* ---- permissions ---- */

START_TEST(test_walk_without_search_permission_is_eacces)
{
	ck_resolve_fails(t_user, "/locked/secret", 0, EACCES);
	ck_resolve_fails(t_user, "/locked/nothing", 0, EACCES);
	ck_resolve_fails(t_user, "/locked/.", 0, EACCES);
	ck_resolve_fails(t_user, "/locked/..", 0, EACCES);
	ck_resolve_fails(t_user, "/links/tolocked", LOOKUP_FOLLOW, EACCES);
	/* Naming the directory itself needs search permission on its parent only. */
	ck_resolves(t_user, "/locked", 0, i_locked, m_root);
	ck_resolves(t_user, "/locked/", 0, i_locked, m_root);
	/* Root passes. */
	ck_resolves(t_root, "/locked/secret", 0, i_secret, m_root);
	ck_resolves(t_root, "/links/tolocked", LOOKUP_FOLLOW, i_secret, m_root);
}
END_TEST

START_TEST(test_walk_with_group_search_permission)
{
	/* groupdir is 0710 root:SHARED_GID. */
	ck_resolves(t_group, "/groupdir/gfile", 0, i_gfile, m_root);
	ck_resolve_fails(t_user, "/groupdir/gfile", 0, EACCES);
}
END_TEST

START_TEST(test_permission_owner_group_other)
{
	struct inode *f = inode_new(sb_root, S_IFREG | 0640);
	struct task *owner = fx_task_new(1000, 1000, NULL, NULL);
	struct task *group = fx_task_new(2000, 100, NULL, NULL);
	struct task *supp = fx_task_new(2001, 2001, NULL, NULL);
	struct task *other = fx_task_new(2002, 2002, NULL, NULL);

	f->uid = 1000;
	f->gid = 100;
	supp->tg->creds.ngroups = 2;
	supp->tg->creds.groups[0] = 7;
	supp->tg->creds.groups[1] = 100;

	ck_assert_int_eq(vfs_permission(owner, f, MAY_READ), 0);
	ck_assert_int_eq(vfs_permission(owner, f, MAY_WRITE), 0);
	ck_assert_int_eq(vfs_permission(owner, f, MAY_READ | MAY_WRITE), 0);
	ck_assert_int_eq(vfs_permission(owner, f, MAY_EXEC), -EACCES);
	ck_assert_int_eq(vfs_permission(owner, f, MAY_READ | MAY_EXEC), -EACCES);

	ck_assert_int_eq(vfs_permission(group, f, MAY_READ), 0);
	ck_assert_int_eq(vfs_permission(group, f, MAY_WRITE), -EACCES);
	ck_assert_int_eq(vfs_permission(supp, f, MAY_READ), 0);
	ck_assert_int_eq(vfs_permission(supp, f, MAY_WRITE), -EACCES);

	ck_assert_int_eq(vfs_permission(other, f, MAY_READ), -EACCES);
	ck_assert_int_eq(vfs_permission(other, f, 0), 0);

	/* The class is chosen first: an owner denied by the owner bits gets no fallback to the
	   group or other bits. */
	f->mode = S_IFREG | 0077;
	ck_assert_int_eq(vfs_permission(owner, f, MAY_READ), -EACCES);
	ck_assert_int_eq(vfs_permission(group, f, MAY_READ | MAY_WRITE | MAY_EXEC), 0);
	ck_assert_int_eq(vfs_permission(other, f, MAY_READ | MAY_WRITE | MAY_EXEC), 0);
	f->mode = S_IFREG | 0607;
	ck_assert_int_eq(vfs_permission(group, f, MAY_READ), -EACCES);
	ck_assert_int_eq(vfs_permission(supp, f, MAY_READ), -EACCES);

	/* The fs uid is what counts, not the effective one. */
	f->mode = S_IFREG | 0600;
	owner->tg->creds.euid = 0;
	other->tg->creds.euid = 1000;
	ck_assert_int_eq(vfs_permission(owner, f, MAY_READ), 0);
	ck_assert_int_eq(vfs_permission(other, f, MAY_READ), -EACCES);

	fx_task_free(owner);
	fx_task_free(group);
	fx_task_free(supp);
	fx_task_free(other);
	inode_put(f);
}
END_TEST

START_TEST(test_permission_root)
{
	struct inode *f = inode_new(sb_root, S_IFREG | 0000);
	struct inode *d = inode_new(sb_root, S_IFDIR | 0000);
	f->uid = d->uid = 1000;

	ck_assert_int_eq(vfs_permission(t_root, f, MAY_READ | MAY_WRITE), 0);
	/* Root may execute only what someone may execute. */
	ck_assert_int_eq(vfs_permission(t_root, f, MAY_EXEC), -EACCES);
	f->mode = S_IFREG | 0100;
	ck_assert_int_eq(vfs_permission(t_root, f, MAY_EXEC), 0);
	f->mode = S_IFREG | 0010;
	ck_assert_int_eq(vfs_permission(t_root, f, MAY_EXEC), 0);
	f->mode = S_IFREG | 0001;
	ck_assert_int_eq(vfs_permission(t_root, f, MAY_EXEC), 0);
	/* Directories are always searchable by root. */
	ck_assert_int_eq(vfs_permission(t_root, d, MAY_EXEC | MAY_READ | MAY_WRITE), 0);
	ck_assert_int_eq(vfs_permission(t_user, d, MAY_EXEC), -EACCES);
	inode_put(f);
	inode_put(d);
}
END_TEST

/* Root's overrides are capabilities: CAP_DAC_READ_SEARCH reads files and reads and searches
   directories; everything else needs CAP_DAC_OVERRIDE; an owner gets only the owner bits. */
START_TEST(test_permission_capabilities)
{
	struct inode *f = inode_new(sb_root, S_IFREG | 0466);
	struct inode *d = inode_new(sb_root, S_IFDIR | 0000);
	struct creds *c = task_creds(t_root);
	const struct creds saved = *c;

	f->uid = 0;
	d->uid = 1000;
	c->cap_effective = CAPS_ALL & ~(UINT64_C(1) << CAP_DAC_OVERRIDE);
	ck_assert_int_eq(vfs_permission(t_root, f, MAY_WRITE), -EACCES);
	ck_assert_int_eq(vfs_permission(t_root, f, MAY_READ), 0);
	ck_assert_int_eq(vfs_permission(t_root, d, MAY_READ | MAY_EXEC), 0);
	ck_assert_int_eq(vfs_permission(t_root, d, MAY_WRITE | MAY_EXEC), -EACCES);
	c->cap_effective = UINT64_C(1) << CAP_DAC_READ_SEARCH;
	f->uid = 1000;
	f->mode = S_IFREG | 0000;
	ck_assert_int_eq(vfs_permission(t_root, f, MAY_READ), 0);
	ck_assert_int_eq(vfs_permission(t_root, f, MAY_READ | MAY_WRITE), -EACCES);
	c->cap_effective = 0;
	ck_assert_int_eq(vfs_permission(t_root, f, MAY_READ), -EACCES);
	ck_assert_int_eq(vfs_permission(t_root, d, MAY_EXEC), -EACCES);
	*c = saved;
	inode_put(f);
	inode_put(d);
}
END_TEST

/* ---- vfs_path_name ---- */

static void ck_path_name(struct task *t, const char *resolve, int flags, const char *want)
{
	char buf[VFS_PATH_MAX];
	struct path p = must_resolve(t_root, resolve, flags);
	int n = vfs_path_name(t, &p, buf, sizeof(buf));
	ck_assert_msg(n >= 0, "name of \"%s\": %d", resolve, n);
	ck_assert_str_eq(buf, want);
	ck_assert_int_eq(n, strlen(want));
	path_put(&p);
}

START_TEST(test_path_name_canonical)
{
	ck_path_name(t_root, "/", 0, "/");
	ck_path_name(t_root, "/dir", 0, "/dir");
	ck_path_name(t_root, "/dir/sub/deep", 0, "/dir/sub/deep");
	ck_path_name(t_root, "/dir/sub/../sub/./deep", 0, "/dir/sub/deep");
	ck_path_name(t_root, "/links/rel", LOOKUP_FOLLOW, "/dir/file");
	ck_path_name(t_root, "/links/rel", 0, "/links/rel");
	ck_path_name(t_root, "/links/todir/sub", 0, "/dir/sub");
}
END_TEST

START_TEST(test_path_name_across_mount)
{
	ck_path_name(t_root, "/mnt", 0, "/mnt");
	ck_path_name(t_root, "/mnt/inner", 0, "/mnt/inner");
	ck_path_name(t_root, "/mnt/inner/f2", 0, "/mnt/inner/f2");
	ck_path_name(t_root, "/links/tomnt", LOOKUP_FOLLOW, "/mnt/inner");
	ck_path_name(t_root, "/dyn/x", 0, "/dyn/x");
	/* Seen by a task whose root is fs2's root. */
	ck_path_name(t_mntroot, "/mnt", 0, "/");
	ck_path_name(t_mntroot, "/mnt/inner/f2", 0, "/inner/f2");
}
END_TEST

START_TEST(test_path_name_inside_jail)
{
	ck_path_name(t_jail, "/jail", 0, "/");
	ck_path_name(t_jail, "/jail/file", 0, "/file");
	ck_path_name(t_jail, "/jail/inner", 0, "/inner");
}
END_TEST

START_TEST(test_path_name_unreachable)
{
	/* Outside the task's root: getcwd(3)'s "(unreachable)" prefix on the global path. */
	ck_path_name(t_jail, "/dir/file", 0, "(unreachable)/dir/file");
	ck_path_name(t_jail, "/", 0, "(unreachable)/");
	ck_path_name(t_jail, "/mnt/inner", 0, "(unreachable)/mnt/inner");
	ck_path_name(t_mntroot, "/dir", 0, "(unreachable)/dir");
}
END_TEST

START_TEST(test_path_name_erange)
{
	char buf[16];
	struct path p = must_resolve(t_root, "/dir/file", 0);

	/* "/dir/file" is 9 bytes and a NUL. */
	ck_assert_int_eq(vfs_path_name(t_root, &p, buf, 10), 9);
	ck_assert_str_eq(buf, "/dir/file");
	ck_assert_int_eq(vfs_path_name(t_root, &p, buf, 9), -ERANGE);
	ck_assert_int_eq(vfs_path_name(t_root, &p, buf, 1), -ERANGE);
	path_put(&p);
	p = must_resolve(t_root, "/", 0);
	ck_assert_int_eq(vfs_path_name(t_root, &p, buf, 2), 1);
	ck_assert_str_eq(buf, "/");
	ck_assert_int_eq(vfs_path_name(t_root, &p, buf, 1), -ERANGE);
	path_put(&p);
}
END_TEST

/* ---- vfs_resolve_at ---- */

START_TEST(test_resolve_at)
{
	struct syscall_event ev = fx_event(t_root);
	struct path sub = must_resolve(t_root, "/dir/sub", 0);
	struct path file = must_resolve(t_root, "/file", 0);
	struct file *fd_sub_file, *fd_file_file;
	struct path p;

	chdir_task(t_root, "/dir");
	ck_assert_int_eq(vfs_open(t_root, &sub, O_RDONLY | O_DIRECTORY, &fd_sub_file), 0);
	ck_assert_int_eq(vfs_open(t_root, &file, O_PATH, &fd_file_file), 0);
	int dfd = fd_install(t_root, &ev, fd_sub_file, false, 0);
	int ffd = fd_install(t_root, &ev, fd_file_file, false, 0);
	ck_assert_int_eq(dfd, 0);
	ck_assert_int_eq(ffd, 1);
	file_put(fd_sub_file);
	file_put(fd_file_file);

	/* AT_FDCWD: the cwd. */
	ck_assert_int_eq(vfs_resolve_at(t_root, AT_FDCWD, "file", 0, &p, NULL), 0);
	ck_assert_ptr_eq(p.dentry->inode, i_dir_file);
	path_put(&p);
	/* A directory fd. */
	ck_assert_int_eq(vfs_resolve_at(t_root, dfd, "deep", 0, &p, NULL), 0);
	ck_assert_ptr_eq(p.dentry->inode, i_deep);
	path_put(&p);
	ck_assert_int_eq(vfs_resolve_at(t_root, dfd, "../file", 0, &p, NULL), 0);
	ck_assert_ptr_eq(p.dentry->inode, i_dir_file);
	path_put(&p);
	/* AT_EMPTY_PATH on a non-directory names the file itself. */
	ck_assert_int_eq(vfs_resolve_at(t_root, ffd, "", LOOKUP_EMPTY, &p, NULL), 0);
	ck_assert_ptr_eq(p.dentry, file.dentry);
	path_put(&p);
	ck_assert_int_eq(vfs_resolve_at(t_root, ffd, "", 0, &p, NULL), -ENOENT);
	/* A relative name under a non-directory fd. */
	ck_assert_int_eq(vfs_resolve_at(t_root, ffd, "x", 0, &p, NULL), -ENOTDIR);
	/* A closed fd for a relative path, but absolute paths ignore dirfd. */
	ck_assert_int_eq(vfs_resolve_at(t_root, 42, "x", 0, &p, NULL), -EBADF);
	ck_assert_int_eq(vfs_resolve_at(t_root, -5, "x", 0, &p, NULL), -EBADF);
	ck_assert_int_eq(vfs_resolve_at(t_root, 42, "/file", 0, &p, NULL), 0);
	ck_assert_ptr_eq(p.dentry, file.dentry);
	path_put(&p);
	/* Sentry-only files: the platform was never asked to install anything. */
	ck_assert_int_eq(fx_platform.ncalls, 0);
	path_put(&sub);
	path_put(&file);
}
END_TEST

/* ---- the dentry cache ---- */

START_TEST(test_cached_lookup_returns_same_dentry)
{
	struct path a = must_resolve(t_root, "/counted/x", 0);
	ck_assert_int_eq(lookups_cached, 1);
	struct path b = must_resolve(t_root, "/counted/x", 0);
	ck_assert_int_eq(lookups_cached, 1);
	ck_assert_ptr_eq(a.dentry, b.dentry);
	ck_assert(a.dentry->hashed);
	/* The cache's reference and ours. */
	ck_assert_int_eq(a.dentry->refs, 3);
	path_put(&b);
	path_put(&a);
	/* Still cached with only the table's reference. */
	struct dentry *d;
	struct path counted = must_resolve(t_root, "/counted", 0);
	ck_assert_int_eq(dentry_lookup_child(counted.dentry, "x", &d), 0);
	ck_assert_int_eq(lookups_cached, 1);
	ck_assert_int_eq(d->refs, 2);
	ck_assert_ptr_eq(d->inode->sb, sb_root);
	dentry_put(d);
	path_put(&counted);
}
END_TEST

START_TEST(test_cached_negative_lookup)
{
	ck_resolve_fails(t_root, "/counted/missing", 0, ENOENT);
	ck_assert_int_eq(lookups_cached, 1);
	ck_resolve_fails(t_root, "/counted/missing", 0, ENOENT);
	ck_assert_int_eq(lookups_cached, 1);
	ck_resolve_fails(t_root, "/counted/missing/x", 0, ENOENT);
	ck_assert_int_eq(lookups_cached, 1);
	/* A different name is looked up. */
	ck_resolve_fails(t_root, "/counted/other", 0, ENOENT);
	ck_assert_int_eq(lookups_cached, 2);
}
END_TEST

START_TEST(test_uncached_lookup_calls_fs_each_time)
{
	struct path a = must_resolve(t_root, "/dyn/x", 0);
	ck_assert_int_eq(lookups_uncached, 1);
	ck_assert_ptr_eq(a.mnt, m_dyn);
	ck_assert(!a.dentry->hashed);
	ck_assert_int_eq(a.dentry->refs, 1);	/* only ours */
	struct path b = must_resolve(t_root, "/dyn/x", 0);
	ck_assert_int_eq(lookups_uncached, 2);
	ck_assert_ptr_ne(a.dentry, b.dentry);
	ck_assert_ptr_ne(a.dentry->inode, b.dentry->inode);
	ck_assert_ptr_eq(a.dentry->parent, m_dyn->root);
	ck_assert_ptr_eq(b.dentry->parent, m_dyn->root);
	/* Each uncached child holds its parent; dropping the last reference frees it. */
	int root_refs = m_dyn->root->refs;
	path_put(&a);
	ck_assert_int_eq(m_dyn->root->refs, root_refs - 1);
	path_put(&b);
	ck_assert_int_eq(m_dyn->root->refs, root_refs - 2);
	ck_resolve_fails(t_root, "/dyn/missing", 0, ENOENT);
	ck_resolve_fails(t_root, "/dyn/missing", 0, ENOENT);
	ck_assert_int_eq(lookups_uncached, 4);
	/* The root of the uncached fs is not looked up: it is the mount's root. */
	ck_resolves(t_root, "/dyn", 0, i_dyn_root, m_dyn);
	ck_assert_int_eq(lookups_uncached, 4);
	ck_resolve_fails(t_root, "/dyn/x/..", 0, ENOTDIR);
	ck_assert_int_eq(lookups_uncached, 5);
}
END_TEST

static Suite *vfs_suite(void)
{
	Suite *s = suite_create("vfs");
	TCase *tc;

	tc = tcase_create("resolve");
	tcase_add_checked_fixture(tc, build_world, destroy_world);
	tcase_add_test(tc, test_absolute_paths);
	tcase_add_test(tc, test_relative_paths_start_at_cwd);
	tcase_add_test(tc, test_dot_and_dotdot);
	tcase_add_test(tc, test_dotdot_at_root_stays_at_root);
	tcase_add_test(tc, test_same_dentry_by_every_route);
	tcase_add_test(tc, test_missing_components_are_enoent);
	tcase_add_test(tc, test_lookup_parent_returns_last_name);
	tcase_add_test(tc, test_lookup_parent_needs_search_permission);
	tcase_add_test(tc, test_allow_negative);
	tcase_add_test(tc, test_empty_path);
	tcase_add_test(tc, test_component_of_256_bytes_is_enametoolong);
	tcase_add_test(tc, test_path_of_4096_bytes_is_enametoolong);
	tcase_add_test(tc, test_resolve_at);
	suite_add_tcase(s, tc);

	tc = tcase_create("mounts");
	tcase_add_checked_fixture(tc, build_world, destroy_world);
	tcase_add_test(tc, test_mount_is_crossed_downwards);
	tcase_add_test(tc, test_dotdot_across_mount_goes_to_parent_mount);
	tcase_add_test(tc, test_dotdot_at_task_root_on_a_mount_stays);
	tcase_add_test(tc, test_mount_on_a_file_is_enotdir);
	suite_add_tcase(s, tc);

	tc = tcase_create("slashes_and_symlinks");
	tcase_add_checked_fixture(tc, build_world, destroy_world);
	tcase_add_test(tc, test_trailing_slash_on_file_is_enotdir);
	tcase_add_test(tc, test_trailing_slash_symlinks);
	tcase_add_test(tc, test_lookup_directory);
	tcase_add_test(tc, test_follow_versus_nofollow);
	tcase_add_test(tc, test_dotdot_after_symlink_is_physical);
	tcase_add_test(tc, test_absolute_symlink_stays_in_task_root);
	tcase_add_test(tc, test_chain_of_40_links_resolves);
	tcase_add_test(tc, test_chain_of_41_links_is_eloop);
	tcase_add_test(tc, test_links_count_across_components);
	tcase_add_test(tc, test_symlink_loops_are_eloop);
	suite_add_tcase(s, tc);

	tc = tcase_create("permissions");
	tcase_add_checked_fixture(tc, build_world, destroy_world);
	tcase_add_test(tc, test_walk_without_search_permission_is_eacces);
	tcase_add_test(tc, test_walk_with_group_search_permission);
	tcase_add_test(tc, test_permission_owner_group_other);
	tcase_add_test(tc, test_permission_root);
	tcase_add_test(tc, test_permission_capabilities);
	suite_add_tcase(s, tc);

	tc = tcase_create("path_name");
	tcase_add_checked_fixture(tc, build_world, destroy_world);
	tcase_add_test(tc, test_path_name_canonical);
	tcase_add_test(tc, test_path_name_across_mount);
	tcase_add_test(tc, test_path_name_inside_jail);
	tcase_add_test(tc, test_path_name_unreachable);
	tcase_add_test(tc, test_path_name_erange);
	suite_add_tcase(s, tc);

	tc = tcase_create("dentry_cache");
	tcase_add_checked_fixture(tc, build_world, destroy_world);
	tcase_add_test(tc, test_cached_lookup_returns_same_dentry);
	tcase_add_test(tc, test_cached_negative_lookup);
	tcase_add_test(tc, test_uncached_lookup_calls_fs_each_time);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *runner = srunner_create(vfs_suite());
	int failed;

	srunner_run_all(runner, CK_ENV);
	failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
