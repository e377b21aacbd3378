/* /proc: the sentry's view of the sandbox's processes (virtual pids only). Names change as
   processes come and go, so the super block is uncached and inodes are made per lookup. */
#define _GNU_SOURCE
#include "sentry/fs/fs.h"
#include "sentry/fs/synth.h"
#include "sentry/kernel.h"
#include "sentry/task/task.h"
#include "sentry/task/fdtable.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <utlist.h>

enum proc_kind {
	PROC_ROOT,
	PROC_SELF,		/* symlink to the caller's pid */
	PROC_THREAD_SELF,
	PROC_PID,		/* /proc/PID */
	PROC_PID_EXE,
	PROC_PID_CWD,
	PROC_PID_ROOT,
	PROC_PID_CMDLINE,
	PROC_PID_COMM,
	PROC_PID_STAT,
	PROC_PID_STATUS,
	PROC_PID_FD,		/* directory */
	PROC_PID_FD_LINK,	/* /proc/PID/fd/N */
	PROC_UPTIME,
	PROC_LOADAVG,
	PROC_MEMINFO,
	PROC_KIND_COUNT,
};

struct proc_node {
	enum proc_kind kind;
	pid_t pid;
	int fd;
};

struct proc_entry_def {
	const char *name;
	enum proc_kind kind;
	mode_t mode;
};

static const struct proc_entry_def proc_root_entries[] = {
	{ "self", PROC_SELF, S_IFLNK | 0777 },
	{ "thread-self", PROC_THREAD_SELF, S_IFLNK | 0777 },
	{ "uptime", PROC_UPTIME, S_IFREG | 0444 },
	{ "loadavg", PROC_LOADAVG, S_IFREG | 0444 },
	{ "meminfo", PROC_MEMINFO, S_IFREG | 0444 },
};

static const struct proc_entry_def proc_pid_entries[] = {
	{ "exe", PROC_PID_EXE, S_IFLNK | 0777 },
	{ "cwd", PROC_PID_CWD, S_IFLNK | 0777 },
	{ "root", PROC_PID_ROOT, S_IFLNK | 0777 },
	{ "cmdline", PROC_PID_CMDLINE, S_IFREG | 0444 },
	{ "comm", PROC_PID_COMM, S_IFREG | 0644 },
	{ "stat", PROC_PID_STAT, S_IFREG | 0444 },
	{ "status", PROC_PID_STATUS, S_IFREG | 0444 },
	{ "fd", PROC_PID_FD, S_IFDIR | 0500 },
};

static struct super_block *proc_sb;
static const struct inode_operations proc_iops;
static const struct file_operations proc_file_fops;

static uint64_t proc_ino(enum proc_kind kind, pid_t pid, int fd)
{
	return ((uint64_t)(uint32_t)pid << 32) | ((uint64_t)(fd + 1) << 8) | (uint64_t)kind;
}

static struct inode *proc_inode(enum proc_kind kind, mode_t mode, pid_t pid, int fd)
{
	struct proc_node *n = malloc(sizeof(*n));
	struct inode *inode = n ? inode_new(proc_sb, mode) : NULL;
	if (!inode) {
		free(n);
		return NULL;
	}
	n->kind = kind;
	n->pid = pid;
	n->fd = fd;
	inode->priv = n;
	inode->iops = &proc_iops;
	inode->fops = S_ISDIR(mode) ? &dir_file_ops : &proc_file_fops;
	inode->ino = proc_ino(kind, pid, fd);
	if (pid > 0) {
		struct thread_group *tg = thread_group_by_pid(pid);
		if (tg) {
			inode->uid = tg->creds.euid;
			inode->gid = tg->creds.egid;
		}
	}
	return inode;
}

static struct proc_node *PN(struct inode *inode)
{
	return inode->priv;
}

static struct thread_group *proc_group(struct inode *inode)
{
	struct thread_group *tg = thread_group_by_pid(PN(inode)->pid);
	return tg && !tg->exited ? tg : NULL;
}

static int proc_parse_number(const char *name, long max)
{
	char *end;
	if (!*name || *name == '0' || name[0] == '+' || name[0] == '-')
		return -1;
	long v = strtol(name, &end, 10);
	return (*end || v <= 0 || v > max) ? -1 : (int)v;
}

static int proc_lookup(struct inode *dir, const char *name, struct inode **out)
{
	struct proc_node *n = PN(dir);
	const struct proc_entry_def *defs = NULL;
	size_t ndefs = 0;

	switch (n->kind) {
	case PROC_ROOT: {
		int pid = proc_parse_number(name, 0x7fffffff);
		if (pid > 0) {
			struct thread_group *tg = thread_group_by_pid(pid);
			if (!tg || tg->exited)
				return -ENOENT;
			*out = proc_inode(PROC_PID, S_IFDIR | 0555, pid, -1);
			return *out ? 0 : -ENOMEM;
		}
		defs = proc_root_entries;
		ndefs = sizeof(proc_root_entries) / sizeof(proc_root_entries[0]);
		break;
	}
	case PROC_PID:
		if (!proc_group(dir))
			return -ENOENT;
		defs = proc_pid_entries;
		ndefs = sizeof(proc_pid_entries) / sizeof(proc_pid_entries[0]);
		break;
	case PROC_PID_FD: {
		struct thread_group *tg = proc_group(dir);
		int fd = proc_parse_number(name, FD_TABLE_MAX);
		if (!strcmp(name, "0"))
			fd = 0;
		if (!tg || !tg->leader || fd < 0 || !fd_get(tg->leader, fd))
			return -ENOENT;
		*out = proc_inode(PROC_PID_FD_LINK, S_IFLNK | 0700, n->pid, fd);
		return *out ? 0 : -ENOMEM;
	}
	default:
		return -ENOTDIR;
	}
	for (size_t i = 0; i < ndefs; i++) {
		if (!strcmp(defs[i].name, name)) {
			*out = proc_inode(defs[i].kind, defs[i].mode, n->pid, -1);
			return *out ? 0 : -ENOMEM;
		}
	}
	return -ENOENT;
}

static int proc_emit_defs(const struct proc_entry_def *defs, size_t n, pid_t pid,
			  uint64_t *cookie, uint64_t base, dir_emit_fn emit, void *ctx)
{
	for (size_t i = 0; i < n; i++) {
		if (base + i < *cookie)
			continue;
		if (emit(ctx, defs[i].name, strlen(defs[i].name), proc_ino(defs[i].kind, pid, -1),
			 vfs_dtype(defs[i].mode), base + i + 1))
			return 1;
		*cookie = base + i + 1;
	}
	return 0;
}

static int proc_iterate(struct inode *dir, uint64_t *cookie, dir_emit_fn emit, void *ctx)
{
	struct proc_node *n = PN(dir);
	char name[16];

	switch (n->kind) {
	case PROC_ROOT: {
		size_t ndefs = sizeof(proc_root_entries) / sizeof(proc_root_entries[0]);
		if (proc_emit_defs(proc_root_entries, ndefs, 0, cookie, 0, emit, ctx))
			return 0;
		/* Then pids in increasing order; the cookie past the fixed entries is pid + base. */
		for (pid_t pid = (pid_t)(*cookie > ndefs ? *cookie - ndefs : 1); pid < 4194304; pid++) {
			struct thread_group *tg = thread_group_by_pid(pid);
			if (!tg || tg->exited) {
				if (kernel.ntasks == 0)
					break;
				continue;
			}
			int len = snprintf(name, sizeof(name), "%d", pid);
			if (emit(ctx, name, (size_t)len, proc_ino(PROC_PID, pid, -1), DT_DIR,
				 (uint64_t)pid + ndefs + 1))
				return 0;
			*cookie = (uint64_t)pid + ndefs + 1;
		}
		return 0;
	}
	case PROC_PID:
		if (!proc_group(dir))
			return -ENOENT;
		proc_emit_defs(proc_pid_entries, sizeof(proc_pid_entries) / sizeof(proc_pid_entries[0]),
			       n->pid, cookie, 0, emit, ctx);
		return 0;
	case PROC_PID_FD: {
		struct thread_group *tg = proc_group(dir);
		if (!tg || !tg->leader)
			return -ENOENT;
		struct fd_table *tab = tg->leader->files;
		for (int fd = (int)*cookie; fd < tab->size; fd++) {
			if (!tab->entries[fd].file)
				continue;
			int len = snprintf(name, sizeof(name), "%d", fd);
			if (emit(ctx, name, (size_t)len, proc_ino(PROC_PID_FD_LINK, n->pid, fd), DT_LNK,
				 (uint64_t)fd + 1))
				return 0;
			*cookie = (uint64_t)fd + 1;
		}
		return 0;
	}
	default:
		return -ENOTDIR;
	}
}

static int proc_copy_link(char *buf, size_t size, const char *s)
{
	size_t len = strlen(s);
	if (len > size)
		len = size;
	memcpy(buf, s, len);
	return (int)len;
}

static int proc_readlink(struct inode *inode, char *buf, size_t size)
{
	struct proc_node *n = PN(inode);
	char tmp[VFS_PATH_MAX];
	struct thread_group *tg;

	switch (n->kind) {
	case PROC_SELF:
		snprintf(tmp, sizeof(tmp), "%d", current->tg->tgid);
		return proc_copy_link(buf, size, tmp);
	case PROC_THREAD_SELF:
		snprintf(tmp, sizeof(tmp), "%d/task/%d", current->tg->tgid, current->tid);
		return proc_copy_link(buf, size, tmp);
	default:
		break;
	}
	tg = proc_group(inode);
	if (!tg || !tg->leader)
		return -ENOENT;
	struct task *leader = tg->leader;
	switch (n->kind) {
	case PROC_PID_EXE:
		return tg->exe_path ? proc_copy_link(buf, size, tg->exe_path) : -ENOENT;
	case PROC_PID_CWD:
	case PROC_PID_ROOT: {
		const struct path *p = n->kind == PROC_PID_CWD ? &leader->fs->cwd : &leader->fs->root;
		int r = vfs_path_name(current, p, tmp, sizeof(tmp));
		return r < 0 ? r : proc_copy_link(buf, size, tmp);
	}
	case PROC_PID_FD_LINK: {
		struct file *f = fd_get(leader, n->fd);
		if (!f)
			return -ENOENT;
		int r;
		if (f->path.dentry)
			r = vfs_path_name(current, &f->path, tmp, sizeof(tmp));
		else
			r = snprintf(tmp, sizeof(tmp), "anon_inode:[%s]",
				     f->inode && f->inode->sb ? f->inode->sb->fstype : "file");
		return r < 0 ? r : proc_copy_link(buf, size, tmp);
	}
	default:
		return -EINVAL;
	}
}

/* Generated content, captured at open. */
struct proc_content {
	char *buf;
	size_t len;
};

static char proc_state_letter(struct thread_group *tg)
{
	return tg->exited ? 'Z' : 'S';
}

static int proc_fill(struct inode *inode, char **out, size_t *outlen)
{
	struct proc_node *n = PN(inode);
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	struct thread_group *tg = NULL;

	if (!m)
		return -ENOMEM;
	if (n->kind >= PROC_PID_EXE && n->kind <= PROC_PID_FD_LINK) {
		tg = proc_group(inode);
		if (!tg) {
			fclose(m);
			free(buf);
			return -ESRCH;
		}
	}
	switch (n->kind) {
	case PROC_PID_CMDLINE:
		if (tg->cmdline)
			fwrite(tg->cmdline, 1, tg->cmdline_len, m);
		break;
	case PROC_PID_COMM:
		fprintf(m, "%s\n", tg->comm);
		break;
	case PROC_PID_STAT: {
		pid_t ppid = tg->parent ? tg->parent->tgid : 0;
		long start = 0;
		fprintf(m, "%d (%s) %c %d %d %d 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 %d 0 %ld 0 0 "
			"18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
			tg->tgid, tg->comm, proc_state_letter(tg), ppid, tg->pgid, tg->sid,
			tg->nthreads, start);
		break;
	}
	case PROC_PID_STATUS: {
		const struct creds *c = &tg->creds;
		pid_t ppid = tg->parent ? tg->parent->tgid : 0;
		fprintf(m, "Name:\t%s\nUmask:\t%04o\nState:\t%c (%s)\nTgid:\t%d\nNgid:\t0\nPid:\t%d\n"
			"PPid:\t%d\nTracerPid:\t0\nUid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\n"
			"FDSize:\t%d\nGroups:\t",
			tg->comm, tg->leader ? tg->leader->fs->umask : 022, proc_state_letter(tg),
			tg->exited ? "zombie" : "sleeping", tg->tgid, tg->tgid, ppid, c->ruid, c->euid,
			c->suid, c->fsuid, c->rgid, c->egid, c->sgid, c->fsgid,
			tg->leader ? tg->leader->files->size : 0);
		for (int i = 0; i < c->ngroups; i++)
			fprintf(m, "%u ", c->groups[i]);
		fprintf(m, "\nThreads:\t%d\n", tg->nthreads);
		break;
	}
	case PROC_UPTIME: {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		double up = (double)(now.tv_sec - kernel.boot_time.tv_sec) +
			    (double)(now.tv_nsec - kernel.boot_time.tv_nsec) / 1e9;
		fprintf(m, "%.2f %.2f\n", up, up);
		break;
	}
	case PROC_LOADAVG:
		fprintf(m, "0.00 0.00 0.00 1/%u %d\n", kernel.ntasks, 1);
		break;
	case PROC_MEMINFO: {
		struct sysinfo si;
		sysinfo(&si);
		unsigned long unit = si.mem_unit ? si.mem_unit : 1;
		fprintf(m, "MemTotal:       %8lu kB\nMemFree:        %8lu kB\nMemAvailable:   %8lu kB\n"
			"Buffers:               0 kB\nCached:                0 kB\nSwapTotal:      %8lu kB\n"
			"SwapFree:       %8lu kB\n",
			si.totalram * unit / 1024, si.freeram * unit / 1024, si.freeram * unit / 1024,
			si.totalswap * unit / 1024, si.freeswap * unit / 1024);
		break;
	}
	default:
		fclose(m);
		free(buf);
		return -EINVAL;
	}
	if (fclose(m) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*out = buf;
	*outlen = len;
	return 0;
}

static int proc_open(struct inode *inode, struct file *f, int flags)
{
	(void)flags;
	if (S_ISDIR(inode->mode))
		return 0;
	struct proc_content *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	int r = proc_fill(inode, &c->buf, &c->len);
	if (r < 0) {
		free(c);
		return r;
	}
	f->priv = c;
	return 0;
}

static long proc_file_read(struct file *f, const struct iovec *iov, int iovcnt, int64_t *pos)
{
	struct proc_content *c = f->priv;
	return file_read_buffer(iov, iovcnt, pos, c->buf, c->len);
}

static long proc_file_write(struct file *f, const struct iovec *iov, int iovcnt, int64_t *pos)
{
	(void)f, (void)iov, (void)iovcnt, (void)pos;
	return -EACCES;
}

static void proc_file_release(struct file *f)
{
	struct proc_content *c = f->priv;
	if (c) {
		free(c->buf);
		free(c);
	}
}

static const struct file_operations proc_file_fops = {
	.read = proc_file_read,
	.write = proc_file_write,
	.llseek = generic_llseek,
	.release = proc_file_release,
};

static void proc_evict(struct inode *inode)
{
	free(inode->priv);
}

static const struct inode_operations proc_iops = {
	.lookup = proc_lookup,
	.readlink = proc_readlink,
	.iterate = proc_iterate,
	.open = proc_open,
	.evict = proc_evict,
};

int procfs_new(struct dentry **out)
{
	proc_sb = synth_sb_new("proc", true);
	if (!proc_sb)
		return -ENOMEM;
	struct inode *root = proc_inode(PROC_ROOT, S_IFDIR | 0555, 0, -1);
	if (!root)
		return -ENOMEM;
	*out = dentry_new_root(root);
	return *out ? 0 : -ENOMEM;
}
