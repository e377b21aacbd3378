/* Building blocks for file systems the sentry makes up (/dev, /proc, /sys): directories with
   a fixed list of children, symlinks with a fixed target, character devices. */
#ifndef RUNSCC_SENTRY_FS_SYNTH_H
#define RUNSCC_SENTRY_FS_SYNTH_H

#include "sentry/vfs/vfs.h"

struct inode *synth_dir_new(struct super_block *sb, mode_t perm);
/* Is inode a directory made by synth_dir_new? */
bool synth_is_dir(const struct inode *inode);
/* Adds child under name (the directory takes the reference). */
int synth_dir_add(struct inode *dir, const char *name, struct inode *child);
/* Removes the entry of child, if dir has one (dropping the directory's reference). */
void synth_dir_remove(struct inode *dir, const struct inode *child);
struct inode *synth_symlink_new(struct super_block *sb, const char *target);
struct inode *synth_chardev_new(struct super_block *sb, mode_t perm, dev_t rdev,
				const struct file_operations *fops);
/* A read-only regular file whose content is produced at open by fill(arg, &buf, &len)
   (buf malloc'd). */
typedef int (*synth_fill_fn)(long arg, char **buf, size_t *len);
struct inode *synth_file_new(struct super_block *sb, mode_t perm, synth_fill_fn fill, long arg);
struct super_block *synth_sb_new(const char *fstype, bool uncached);

#endif
