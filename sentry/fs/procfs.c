/* /proc: the sentry's view of the sandbox's processes (virtual pids only, guest paths only).
   Names change as processes come and go, so the super block is uncached and inodes are made
   per lookup.

   The tree is a set of tables: every entry has a name, a kind (which also makes its inode
   number), a mode, and either a fill function (regular files: content made at open), a
   fixed symlink target, or a table of children (directories). A few kinds behave specially:
   the directories with dynamic children (the root's pids, task/'s tids, fd/ and fdinfo/'s
   numbers) and the symlinks whose target is computed (self, exe, cwd, root, fd/N). */
#define _GNU_SOURCE
#include "sentry/fs/fs.h"
#include "sentry/fs/procfs_internal.h"
#include "sentry/fs/synth.h"
#include "sentry/kernel.h"
#include "sentry/mm/guest_mem.h"
#include "sentry/task/task.h"
#include "sentry/task/fdtable.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum proc_kind {
	PROC_ROOT = 1,		/* inode numbers: never 0 */
	/* Directories with dynamic children. */
	PROC_PID,		/* /proc/PID (and /proc/TID: a thread's process view) */
	PROC_TID,		/* /proc/PID/task/TID */
	PROC_TASK,		/* /proc/PID/task */
	PROC_FD,		/* /proc/PID/fd */
	PROC_FDINFO,		/* /proc/PID/fdinfo */
	/* Symlinks with a computed target. */
	PROC_SELF,
	PROC_THREAD_SELF,
	PROC_EXE,
	PROC_CWD,
	PROC_ROOT_LINK,
	PROC_FD_LINK,		/* /proc/PID/fd/N */
	/* Everything else: a fixed table entry. */
	PROC_FDINFO_FILE,	/* /proc/PID/fdinfo/N */
	PROC_MOUNTS_LINK,
	PROC_CPUINFO,
	PROC_FILESYSTEMS,
	PROC_LOADAVG,
	PROC_MEMINFO,
	PROC_STAT,
	PROC_UPTIME,
	PROC_VERSION,
	PROC_VMSTAT,
	PROC_NET_LINK,
	PROC_NET,		/* /proc/PID/net */
	PROC_NET_UNIX,
	PROC_NET_DEV,
	PROC_NET_ROUTE,
	PROC_NET_IPV6_ROUTE,
	PROC_NET_IF_INET6,
	PROC_NET_ARP,
	PROC_NET_TCP,
	PROC_NET_TCP6,
	PROC_NET_UDP,
	PROC_NET_UDP6,
	PROC_SYS,
	PROC_SYS_KERNEL,
	PROC_SYS_KERNEL_RANDOM,
	PROC_SYS_VM,
	PROC_SYS_FS,
	PROC_K_CAP_LAST_CAP,
	PROC_K_DOMAINNAME,
	PROC_K_HOSTNAME,
	PROC_K_NGROUPS_MAX,
	PROC_K_OSRELEASE,
	PROC_K_OSTYPE,
	PROC_K_OVERFLOWGID,
	PROC_K_OVERFLOWUID,
	PROC_K_PID_MAX,
	PROC_K_VERSION,
	PROC_K_BOOT_ID,
	PROC_K_UUID,
	PROC_VM_MAX_MAP_COUNT,
	PROC_VM_OVERCOMMIT_MEMORY,
	PROC_FS_FILE_MAX,
	PROC_FS_NR_OPEN,
	PROC_FS_PIPE_MAX_SIZE,
	PROC_FS_INOTIFY,
	PROC_FS_INOTIFY_MAX_QUEUED_EVENTS,
	PROC_FS_INOTIFY_MAX_USER_INSTANCES,
	PROC_FS_INOTIFY_MAX_USER_WATCHES,
	PROC_SYS_FS_MQUEUE,
	PROC_MQ_MSG_MAX,
	PROC_MQ_MSGSIZE_MAX,
	PROC_MQ_QUEUES_MAX,
	PROC_MQ_MSG_DEFAULT,
	PROC_MQ_MSGSIZE_DEFAULT,
	PROC_SYSVIPC,
	PROC_SYSVIPC_SHM,
	PROC_SYSVIPC_SEM,
	PROC_SYSVIPC_MSG,
	PROC_K_SHMMAX,
	PROC_K_SHMALL,
	PROC_K_SHMMNI,
	PROC_K_MSGMAX,
	PROC_K_MSGMNB,
	PROC_K_MSGMNI,
	PROC_K_SEM,
	PROC_P_CGROUP,
	PROC_P_CMDLINE,
	PROC_P_COMM,
	PROC_P_ENVIRON,
	PROC_P_LIMITS,
	PROC_P_MAPS,
	PROC_P_MOUNTINFO,
	PROC_P_MOUNTS,
	PROC_P_STAT,
	PROC_P_STATM,
	PROC_P_STATUS,
	PROC_P_WCHAN,
	PROC_P_SMAPS,
	PROC_P_SMAPS_ROLLUP,
	PROC_P_COREDUMP_FILTER,
	PROC_P_IO,
	PROC_P_OOM_SCORE,
	PROC_P_OOM_SCORE_ADJ,
	PROC_P_NS,
	PROC_NS_CGROUP,
	PROC_NS_IPC,
	PROC_NS_MNT,
	PROC_NS_NET,
	PROC_NS_PID,
	PROC_NS_PID_CHILDREN,
	PROC_NS_TIME,
	PROC_NS_TIME_CHILDREN,
	PROC_NS_USER,
	PROC_NS_UTS,
	PROC_K_TAINTED,
	PROC_KIND_COUNT,
};

_Static_assert(PROC_KIND_COUNT < 256, "proc kinds fit the inode number's low byte");

/* Entry flags. */
#define PROC_NOT_IN_TID 0x1	/* a process's entry that task/TID directories do not have */

struct proc_entry {
	const char *name;
	enum proc_kind kind;
	mode_t mode;
	proc_fill_fn fill;			/* regular files */
	proc_store_fn store;			/* writable ones */
	const char *target;			/* fixed symlinks */
	const struct proc_entry *children;	/* directories: fixed entries */
	size_t nchildren;
	unsigned flags;
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define FILE_ENTRY(n, k, perm, fn) { .name = n, .kind = k, .mode = S_IFREG | (perm), .fill = fn }
#define STORE_ENTRY(n, k, perm, fn, st) \
	{ .name = n, .kind = k, .mode = S_IFREG | (perm), .fill = fn, .store = st }
#define LINK_ENTRY(n, k) { .name = n, .kind = k, .mode = S_IFLNK | 0777 }
#define DIR_ENTRY(n, k, perm, tab) \
	{ .name = n, .kind = k, .mode = S_IFDIR | (perm), .children = tab, .nchildren = ARRAY_LEN(tab) }

static const struct proc_entry proc_sys_kernel_random_entries[] = {
	FILE_ENTRY("boot_id", PROC_K_BOOT_ID, 0444, proc_fill_kernel_boot_id),
	FILE_ENTRY("uuid", PROC_K_UUID, 0444, proc_fill_kernel_uuid),
};

static const struct proc_entry proc_sys_kernel_entries[] = {
	FILE_ENTRY("cap_last_cap", PROC_K_CAP_LAST_CAP, 0444, proc_fill_kernel_cap_last_cap),
	FILE_ENTRY("domainname", PROC_K_DOMAINNAME, 0644, proc_fill_kernel_domainname),
	FILE_ENTRY("hostname", PROC_K_HOSTNAME, 0644, proc_fill_kernel_hostname),
	FILE_ENTRY("ngroups_max", PROC_K_NGROUPS_MAX, 0444, proc_fill_kernel_ngroups_max),
	FILE_ENTRY("osrelease", PROC_K_OSRELEASE, 0444, proc_fill_kernel_osrelease),
	FILE_ENTRY("ostype", PROC_K_OSTYPE, 0444, proc_fill_kernel_ostype),
	FILE_ENTRY("overflowgid", PROC_K_OVERFLOWGID, 0644, proc_fill_kernel_overflowid),
	FILE_ENTRY("overflowuid", PROC_K_OVERFLOWUID, 0644, proc_fill_kernel_overflowid),
	FILE_ENTRY("pid_max", PROC_K_PID_MAX, 0644, proc_fill_kernel_pid_max),
	DIR_ENTRY("random", PROC_SYS_KERNEL_RANDOM, 0555, proc_sys_kernel_random_entries),
	FILE_ENTRY("version", PROC_K_VERSION, 0444, proc_fill_kernel_version),
	FILE_ENTRY("msgmax", PROC_K_MSGMAX, 0644, proc_fill_kernel_msgmax),
	FILE_ENTRY("msgmnb", PROC_K_MSGMNB, 0644, proc_fill_kernel_msgmnb),
	FILE_ENTRY("msgmni", PROC_K_MSGMNI, 0644, proc_fill_kernel_msgmni),
	FILE_ENTRY("sem", PROC_K_SEM, 0644, proc_fill_kernel_sem),
	FILE_ENTRY("shmall", PROC_K_SHMALL, 0644, proc_fill_kernel_shmall),
	FILE_ENTRY("shmmax", PROC_K_SHMMAX, 0644, proc_fill_kernel_shmmax),
	FILE_ENTRY("shmmni", PROC_K_SHMMNI, 0644, proc_fill_kernel_shmmni),
	FILE_ENTRY("tainted", PROC_K_TAINTED, 0644, proc_fill_zero),
};

static const struct proc_entry proc_sysvipc_entries[] = {
	FILE_ENTRY("msg", PROC_SYSVIPC_MSG, 0444, proc_fill_sysvipc_msg),
	FILE_ENTRY("sem", PROC_SYSVIPC_SEM, 0444, proc_fill_sysvipc_sem),
	FILE_ENTRY("shm", PROC_SYSVIPC_SHM, 0444, proc_fill_sysvipc_shm),
};

static const struct proc_entry proc_sys_vm_entries[] = {
	FILE_ENTRY("max_map_count", PROC_VM_MAX_MAP_COUNT, 0644, proc_fill_vm_max_map_count),
	FILE_ENTRY("overcommit_memory", PROC_VM_OVERCOMMIT_MEMORY, 0644,
		   proc_fill_vm_overcommit_memory),
};

static const struct proc_entry proc_sys_fs_inotify_entries[] = {
	FILE_ENTRY("max_queued_events", PROC_FS_INOTIFY_MAX_QUEUED_EVENTS, 0644,
		   proc_fill_fs_inotify_max_queued_events),
	FILE_ENTRY("max_user_instances", PROC_FS_INOTIFY_MAX_USER_INSTANCES, 0644,
		   proc_fill_fs_inotify_max_user_instances),
	FILE_ENTRY("max_user_watches", PROC_FS_INOTIFY_MAX_USER_WATCHES, 0644,
		   proc_fill_fs_inotify_max_user_watches),
};

static const struct proc_entry proc_sys_fs_mqueue_entries[] = {
	FILE_ENTRY("msg_default", PROC_MQ_MSG_DEFAULT, 0644, proc_fill_mqueue_msg_default),
	FILE_ENTRY("msg_max", PROC_MQ_MSG_MAX, 0644, proc_fill_mqueue_msg_max),
	FILE_ENTRY("msgsize_default", PROC_MQ_MSGSIZE_DEFAULT, 0644, proc_fill_mqueue_msgsize_default),
	FILE_ENTRY("msgsize_max", PROC_MQ_MSGSIZE_MAX, 0644, proc_fill_mqueue_msgsize_max),
	FILE_ENTRY("queues_max", PROC_MQ_QUEUES_MAX, 0644, proc_fill_mqueue_queues_max),
};

static const struct proc_entry proc_sys_fs_entries[] = {
	FILE_ENTRY("file-max", PROC_FS_FILE_MAX, 0644, proc_fill_fs_file_max),
	DIR_ENTRY("inotify", PROC_FS_INOTIFY, 0555, proc_sys_fs_inotify_entries),
	DIR_ENTRY("mqueue", PROC_SYS_FS_MQUEUE, 0555, proc_sys_fs_mqueue_entries),
	FILE_ENTRY("nr_open", PROC_FS_NR_OPEN, 0644, proc_fill_fs_nr_open),
	FILE_ENTRY("pipe-max-size", PROC_FS_PIPE_MAX_SIZE, 0644, proc_fill_fs_pipe_max_size),
};

static const struct proc_entry proc_sys_entries[] = {
	DIR_ENTRY("fs", PROC_SYS_FS, 0555, proc_sys_fs_entries),
	DIR_ENTRY("kernel", PROC_SYS_KERNEL, 0555, proc_sys_kernel_entries),
	DIR_ENTRY("vm", PROC_SYS_VM, 0555, proc_sys_vm_entries),
};

static const struct proc_entry proc_net_entries[] = {
	FILE_ENTRY("arp", PROC_NET_ARP, 0444, proc_fill_net_arp),
	FILE_ENTRY("dev", PROC_NET_DEV, 0444, proc_fill_net_dev),
	FILE_ENTRY("if_inet6", PROC_NET_IF_INET6, 0444, proc_fill_net_if_inet6),
	FILE_ENTRY("ipv6_route", PROC_NET_IPV6_ROUTE, 0444, proc_fill_net_ipv6_route),
	FILE_ENTRY("route", PROC_NET_ROUTE, 0444, proc_fill_net_route),
	FILE_ENTRY("tcp", PROC_NET_TCP, 0444, proc_fill_net_tcp),
	FILE_ENTRY("tcp6", PROC_NET_TCP6, 0444, proc_fill_net_tcp6),
	FILE_ENTRY("udp", PROC_NET_UDP, 0444, proc_fill_net_udp),
	FILE_ENTRY("udp6", PROC_NET_UDP6, 0444, proc_fill_net_udp6),
	FILE_ENTRY("unix", PROC_NET_UNIX, 0444, proc_fill_net_unix),
};

static const struct proc_entry proc_root_entries[] = {
	LINK_ENTRY("self", PROC_SELF),
	LINK_ENTRY("thread-self", PROC_THREAD_SELF),
	{ .name = "mounts", .kind = PROC_MOUNTS_LINK, .mode = S_IFLNK | 0777, .target = "self/mounts" },
	FILE_ENTRY("cpuinfo", PROC_CPUINFO, 0444, proc_fill_cpuinfo),
	FILE_ENTRY("filesystems", PROC_FILESYSTEMS, 0444, proc_fill_filesystems),
	FILE_ENTRY("loadavg", PROC_LOADAVG, 0444, proc_fill_loadavg),
	FILE_ENTRY("meminfo", PROC_MEMINFO, 0444, proc_fill_meminfo),
	{ .name = "net", .kind = PROC_NET_LINK, .mode = S_IFLNK | 0777, .target = "self/net" },
	FILE_ENTRY("stat", PROC_STAT, 0444, proc_fill_sys_stat),
	FILE_ENTRY("uptime", PROC_UPTIME, 0444, proc_fill_uptime),
	FILE_ENTRY("version", PROC_VERSION, 0444, proc_fill_version),
	FILE_ENTRY("vmstat", PROC_VMSTAT, 0444, proc_fill_vmstat),
	DIR_ENTRY("sys", PROC_SYS, 0555, proc_sys_entries),
	DIR_ENTRY("sysvipc", PROC_SYSVIPC, 0555, proc_sysvipc_entries),
};

/* The sandbox's namespaces, the same for every process (its own pid, mount, IPC, UTS,
   network and cgroup namespaces; the initial user and time namespaces, as under runc). The
   links name them only: opening one (setns) is ENOENT. */
#define NS_LINK(n, k, to) { .name = n, .kind = k, .mode = S_IFLNK | 0777, .target = to }
static const struct proc_entry proc_ns_entries[] = {
	NS_LINK("cgroup", PROC_NS_CGROUP, "cgroup:[4026532316]"),
	NS_LINK("ipc", PROC_NS_IPC, "ipc:[4026532313]"),
	NS_LINK("mnt", PROC_NS_MNT, "mnt:[4026532311]"),
	NS_LINK("net", PROC_NS_NET, "net:[4026532317]"),
	NS_LINK("pid", PROC_NS_PID, "pid:[4026532314]"),
	NS_LINK("pid_for_children", PROC_NS_PID_CHILDREN, "pid:[4026532314]"),
	NS_LINK("time", PROC_NS_TIME, "time:[4026531834]"),
	NS_LINK("time_for_children", PROC_NS_TIME_CHILDREN, "time:[4026531834]"),
	NS_LINK("user", PROC_NS_USER, "user:[4026531837]"),
	NS_LINK("uts", PROC_NS_UTS, "uts:[4026532312]"),
};

/* A process's directory; task/TID directories have the same but task/. */
static const struct proc_entry proc_pid_entries[] = {
	FILE_ENTRY("cgroup", PROC_P_CGROUP, 0444, proc_fill_cgroup),
	FILE_ENTRY("cmdline", PROC_P_CMDLINE, 0444, proc_fill_cmdline),
	STORE_ENTRY("comm", PROC_P_COMM, 0644, proc_fill_comm, proc_store_comm),
	STORE_ENTRY("coredump_filter", PROC_P_COREDUMP_FILTER, 0644, proc_fill_coredump_filter,
		    proc_store_coredump_filter),
	LINK_ENTRY("cwd", PROC_CWD),
	FILE_ENTRY("environ", PROC_P_ENVIRON, 0400, proc_fill_environ),
	LINK_ENTRY("exe", PROC_EXE),
	{ .name = "fd", .kind = PROC_FD, .mode = S_IFDIR | 0500 },
	{ .name = "fdinfo", .kind = PROC_FDINFO, .mode = S_IFDIR | 0500 },
	FILE_ENTRY("io", PROC_P_IO, 0400, proc_fill_io),
	FILE_ENTRY("limits", PROC_P_LIMITS, 0444, proc_fill_limits),
	FILE_ENTRY("maps", PROC_P_MAPS, 0444, proc_fill_maps),
	FILE_ENTRY("mountinfo", PROC_P_MOUNTINFO, 0444, proc_fill_pid_mountinfo),
	FILE_ENTRY("mounts", PROC_P_MOUNTS, 0444, proc_fill_pid_mounts),
	DIR_ENTRY("net", PROC_NET, 0555, proc_net_entries),
	DIR_ENTRY("ns", PROC_P_NS, 0511, proc_ns_entries),
	FILE_ENTRY("oom_score", PROC_P_OOM_SCORE, 0444, proc_fill_zero),
	STORE_ENTRY("oom_score_adj", PROC_P_OOM_SCORE_ADJ, 0644, proc_fill_oom_score_adj,
		    proc_store_oom_score_adj),
	LINK_ENTRY("root", PROC_ROOT_LINK),
	FILE_ENTRY("smaps", PROC_P_SMAPS, 0444, proc_fill_smaps),
	FILE_ENTRY("smaps_rollup", PROC_P_SMAPS_ROLLUP, 0444, proc_fill_smaps_rollup),
	FILE_ENTRY("stat", PROC_P_STAT, 0444, proc_fill_stat),
	FILE_ENTRY("statm", PROC_P_STATM, 0444, proc_fill_statm),
	FILE_ENTRY("status", PROC_P_STATUS, 0444, proc_fill_status),
	{ .name = "task", .kind = PROC_TASK, .mode = S_IFDIR | 0555, .flags = PROC_NOT_IN_TID },
	FILE_ENTRY("wchan", PROC_P_WCHAN, 0444, proc_fill_wchan),
};

/* The entries made for dynamic names. */
static const struct proc_entry proc_root_entry = DIR_ENTRY("", PROC_ROOT, 0555, proc_root_entries);
static const struct proc_entry proc_pid_entry = DIR_ENTRY("", PROC_PID, 0555, proc_pid_entries);
static const struct proc_entry proc_tid_entry = DIR_ENTRY("", PROC_TID, 0555, proc_pid_entries);
static const struct proc_entry proc_fd_link_entry = { .kind = PROC_FD_LINK, .mode = S_IFLNK };
static const struct proc_entry proc_fdinfo_file_entry =
	FILE_ENTRY("", PROC_FDINFO_FILE, 0444, proc_fill_fdinfo);

struct proc_node {
	const struct proc_entry *e;
	pid_t pid;		/* the process of a /proc/PID subtree (0 elsewhere) */
	pid_t tid;		/* the thread of a task/TID subtree or of /proc/TID (0: the process) */
	int fd;			/* fd/N and fdinfo/N (-1 elsewhere) */
	uint64_t start_ns;	/* the process's creation: a reused pid is another process */
};

static struct super_block *proc_sb;
static const struct inode_operations proc_iops;
static const struct inode_operations proc_magic_link_iops;
static const struct file_operations proc_file_fops;

static struct proc_node *PN(struct inode *inode)
{
	return inode->priv;
}

/* pid in the high half, the fd or tid (+1) in bits 8-31, the kind in the low byte. */
static uint64_t proc_ino(enum proc_kind kind, pid_t pid, pid_t tid, int fd)
{
	uint64_t sub = fd >= 0 ? (uint64_t)fd + 1 : tid > 0 ? (uint64_t)tid + 1 : 0;
	return ((uint64_t)(uint32_t)pid << 32) | ((sub & 0xffffff) << 8) | (uint64_t)kind;
}

static bool proc_is_thread_dir(const struct proc_node *n)
{
	return n->e->kind == PROC_TID;
}

static bool proc_entry_hidden(const struct proc_node *dir, const struct proc_entry *e)
{
	return proc_is_thread_dir(dir) && (e->flags & PROC_NOT_IN_TID);
}

/* What a node under /proc/PID shows, if that process (and thread) still exists. */
static int proc_resolve(const struct proc_node *n, struct proc_target *t)
{
	memset(t, 0, sizeof(*t));
	t->fd = n->fd;
	if (n->pid <= 0)
		return 0;
	struct thread_group *tg = thread_group_by_pid(n->pid);
	if (!tg || tg->start_ns != n->start_ns)
		return -ESRCH;
	t->tg = tg;
	t->id = tg->tgid;
	t->task = tg->exited ? NULL : thread_group_any(tg);
	if (n->tid > 0) {
		struct task *th = task_by_tid(n->tid);
		t->thread = true;
		t->id = n->tid;
		if (th && th->tg == tg)
			t->task = th;
		else if (n->tid == tg->tgid)
			t->task = NULL;		/* an exited leader: a zombie thread */
		else
			return -ESRCH;
	}
	return 0;
}

static struct inode *proc_inode(const struct proc_entry *e, const struct proc_node *parent,
				pid_t pid, pid_t tid, int fd)
{
	struct proc_node *n = malloc(sizeof(*n));
	struct inode *inode = n ? inode_new(proc_sb, e->mode) : NULL;
	if (!inode) {
		free(n);
		return NULL;
	}
	n->e = e;
	n->pid = pid;
	n->tid = tid;
	n->fd = fd;
	n->start_ns = parent ? parent->start_ns : 0;
	inode->priv = n;
	bool magic = e->kind == PROC_FD_LINK || e->kind == PROC_CWD || e->kind == PROC_ROOT_LINK;
	inode->iops = magic ? &proc_magic_link_iops : &proc_iops;
	inode->fops = S_ISDIR(e->mode) ? &dir_file_ops : &proc_file_fops;
	inode->ino = proc_ino(e->kind, pid, tid, fd);
	inode->nlink = S_ISDIR(e->mode) ? 2 : 1;
	if (e->target)
		inode->size = (int64_t)strlen(e->target);
	struct thread_group *tg = pid > 0 ? thread_group_by_pid(pid) : NULL;
	if (tg) {
		/* A /proc/PID directory remembers which process it is for. */
		if (!parent || !parent->pid)
			n->start_ns = tg->start_ns;
		/* A process's files belong to its effective user, as on Linux. */
		inode->uid = tg->creds.euid;
		inode->gid = tg->creds.egid;
	}
	return inode;
}

/* Parses a decimal number without sign or leading zero ("0" itself when zero_ok). */
static int proc_parse_number(const char *name, long max, bool zero_ok)
{
	char *end;
	if (zero_ok && !strcmp(name, "0"))
		return 0;
	if (*name < '1' || *name > '9')
		return -1;
	long v = strtol(name, &end, 10);
	return (*end || v <= 0 || v > max) ? -1 : (int)v;
}

static int proc_make(struct inode **out, const struct proc_entry *e, const struct proc_node *parent,
		     pid_t pid, pid_t tid, int fd)
{
	*out = proc_inode(e, parent, pid, tid, fd);
	return *out ? 0 : -ENOMEM;
}

static int proc_lookup(struct inode *dir, const char *name, struct inode **out)
{
	const struct proc_node *n = PN(dir);
	struct proc_target t;

	if (proc_resolve(n, &t) < 0)
		return -ENOENT;
	for (size_t i = 0; i < n->e->nchildren; i++) {
		const struct proc_entry *c = &n->e->children[i];
		if (!proc_entry_hidden(n, c) && !strcmp(c->name, name))
			return proc_make(out, c, n, n->pid, n->tid, -1);
	}
	switch (n->e->kind) {
	case PROC_ROOT: {
		int pid = proc_parse_number(name, PROC_PID_MAX, false);
		if (pid < 0)
			return -ENOENT;
		struct thread_group *tg = thread_group_by_pid(pid);
		if (tg)
			return proc_make(out, &proc_pid_entry, NULL, pid, 0, -1);
		/* A thread's id names its process seen from that thread (not listed). */
		struct task *th = task_by_tid(pid);
		if (!th)
			return -ENOENT;
		return proc_make(out, &proc_pid_entry, NULL, th->tg->tgid, pid, -1);
	}
	case PROC_TASK: {
		int tid = proc_parse_number(name, PROC_PID_MAX, false);
		struct task *th = tid > 0 ? task_by_tid(tid) : NULL;
		if (tid < 0 || (!(th && th->tg == t.tg) && !(t.tg->exited && tid == t.tg->tgid)))
			return -ENOENT;
		return proc_make(out, &proc_tid_entry, n, n->pid, tid, -1);
	}
	case PROC_FD:
	case PROC_FDINFO: {
		int fd = proc_parse_number(name, FD_TABLE_MAX, true);
		if (fd < 0 || !t.task || !fd_get(t.task, fd))
			return -ENOENT;
		if (n->e->kind == PROC_FDINFO)
			return proc_make(out, &proc_fdinfo_file_entry, n, n->pid, n->tid, fd);
		int r = proc_make(out, &proc_fd_link_entry, n, n->pid, n->tid, fd);
		if (r == 0) {
			/* Linux: r-x for a readable fd, -wx for a writable one, for the owner. */
			int acc = fd_get(t.task, fd)->flags & O_ACCMODE;
			(*out)->mode = S_IFLNK | (acc != O_WRONLY ? 0500 : 0) | (acc != O_RDONLY ? 0300 : 0);
		}
		return r;
	}
	default:
		return S_ISDIR(n->e->mode) ? -ENOENT : -ENOTDIR;
	}
}

static int pid_compare(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return (x > y) - (x < y);
}

/* Every process, zombies included (they are in /proc until reaped), ascending. */
static pid_t *proc_all_pids(int *count)
{
	int n = 0, cap = 16;
	pid_t *v = malloc(sizeof(pid_t) * (size_t)cap);
	for (struct thread_group *tg = thread_group_first(); v && tg; tg = thread_group_next(tg)) {
		if (n == cap) {
			pid_t *bigger = realloc(v, sizeof(pid_t) * (size_t)(cap *= 2));
			if (!bigger) {
				free(v);
				return NULL;
			}
			v = bigger;
		}
		v[n++] = tg->tgid;
	}
	if (v)
		qsort(v, (size_t)n, sizeof(pid_t), pid_compare);
	*count = n;
	return v;
}

/* The threads of a process, ascending; a zombie shows its leader. */
static pid_t *proc_thread_ids(struct thread_group *tg, int *count)
{
	int n = 0;
	pid_t *v = malloc(sizeof(pid_t) * (size_t)(tg->nthreads + 1));
	if (!v)
		return NULL;
	for (struct task *th = tg->threads; th && n < tg->nthreads; th = th->group_next)
		v[n++] = th->tid;
	if (n == 0)
		v[n++] = tg->tgid;
	qsort(v, (size_t)n, sizeof(pid_t), pid_compare);
	*count = n;
	return v;
}

/* Emits numbered entries (ids ascending) with cookie base + id + 1. */
static int proc_emit_ids(const pid_t *ids, int n, enum proc_kind kind, pid_t pid, unsigned type,
			 uint64_t base, uint64_t *cookie, dir_emit_fn emit, void *ctx)
{
	char name[16];
	for (int i = 0; i < n; i++) {
		uint64_t next = base + (uint64_t)ids[i] + 1;
		if (next <= *cookie)
			continue;
		int len = snprintf(name, sizeof(name), "%d", ids[i]);
		uint64_t ino = kind == PROC_PID ? proc_ino(kind, ids[i], 0, -1)
						: proc_ino(kind, pid, ids[i], -1);
		if (emit(ctx, name, (size_t)len, ino, type, next))
			return 1;
		*cookie = next;
	}
	return 0;
}

static int proc_iterate(struct inode *dir, uint64_t *cookie, dir_emit_fn emit, void *ctx)
{
	const struct proc_node *n = PN(dir);
	struct proc_target t;
	char name[16];

	if (proc_resolve(n, &t) < 0)
		return -ENOENT;
	/* Fixed entries first, cookies 1..nchildren. */
	uint64_t nfixed = n->e->nchildren;
	for (size_t i = 0; i < n->e->nchildren; i++) {
		const struct proc_entry *c = &n->e->children[i];
		if (i < *cookie || proc_entry_hidden(n, c))
			continue;
		if (emit(ctx, c->name, strlen(c->name), proc_ino(c->kind, n->pid, n->tid, -1),
			 vfs_dtype(c->mode), i + 1))
			return 0;
		*cookie = i + 1;
	}
	int count = 0;
	pid_t *ids = NULL;
	switch (n->e->kind) {
	case PROC_ROOT:
		if (!(ids = proc_all_pids(&count)))
			return -ENOMEM;
		proc_emit_ids(ids, count, PROC_PID, 0, DT_DIR, nfixed, cookie, emit, ctx);
		break;
	case PROC_TASK:
		if (!(ids = proc_thread_ids(t.tg, &count)))
			return -ENOMEM;
		proc_emit_ids(ids, count, PROC_TID, n->pid, DT_DIR, nfixed, cookie, emit, ctx);
		break;
	case PROC_FD:
	case PROC_FDINFO: {
		if (!t.task)
			break;		/* a zombie has no files */
		struct fd_table *tab = t.task->files;
		bool links = n->e->kind == PROC_FD;
		for (int fd = (int)(*cookie > nfixed ? *cookie - nfixed : 0); fd < tab->size; fd++) {
			if (!tab->entries[fd].file)
				continue;
			int len = snprintf(name, sizeof(name), "%d", fd);
			uint64_t ino = proc_ino(links ? PROC_FD_LINK : PROC_FDINFO_FILE, n->pid, n->tid, fd);
			if (emit(ctx, name, (size_t)len, ino, links ? DT_LNK : DT_REG, nfixed + (uint64_t)fd + 1))
				break;
			*cookie = nfixed + (uint64_t)fd + 1;
		}
		break;
	}
	default:
		break;
	}
	free(ids);
	return 0;
}

bool proc_may_access(const struct thread_group *tg)
{
	if (!current)
		return false;
	const struct creds *me = task_creds(current), *c = &tg->creds;
	if (current->tg == tg || creds_capable(me, CAP_SYS_PTRACE))
		return true;
	return me->fsuid == c->ruid && me->fsuid == c->euid && me->fsuid == c->suid &&
	       me->fsgid == c->rgid && me->fsgid == c->egid && me->fsgid == c->sgid;
}

static int proc_copy_link(char *buf, size_t size, const char *s, size_t len)
{
	if (len > size)
		len = size;
	memcpy(buf, s, len);
	return (int)len;
}

/* What fd/N points to: the guest path of a file, or the kernel's names for objects without
   one. A file the host passed in (stdio) has no guest path: its host name stays hidden. */
static int proc_fd_target(struct file *f, char *tmp, size_t size)
{
	mode_t mode = f->inode ? f->inode->mode : 0;
	uint64_t ino = f->inode ? f->inode->ino : 0;

	if (f->path.dentry && f->path.mnt)
		return vfs_path_name(current, &f->path, tmp, size);
	if (S_ISFIFO(mode))
		return snprintf(tmp, size, "pipe:[%llu]", (unsigned long long)ino);
	if (S_ISSOCK(mode))
		return snprintf(tmp, size, "socket:[%llu]", (unsigned long long)ino);
	int pts = S_ISCHR(mode) ? devpts_number(f->inode) : -1;
	if (pts >= 0)
		return snprintf(tmp, size, "/dev/pts/%d", pts);
	const char *type = f->inode && f->inode->sb ? f->inode->sb->fstype : "file";
	if (!strcmp(type, "hostfd"))
		return snprintf(tmp, size, "host:[%llu]", (unsigned long long)ino);
	/* A name Linux gives without brackets (anon_inode:inotify) is the fstype itself. */
	if (!strncmp(type, "anon_inode:", 11))
		return snprintf(tmp, size, "%s", type);
	return snprintf(tmp, size, "anon_inode:[%s]", type);
}

static int proc_readlink(struct inode *inode, char *buf, size_t size)
{
	const struct proc_node *n = PN(inode);
	char tmp[VFS_PATH_MAX];
	struct proc_target t;
	int r;

	if (n->e->target)
		return proc_copy_link(buf, size, n->e->target, strlen(n->e->target));
	if (!current)
		return -ENOENT;
	switch (n->e->kind) {
	case PROC_SELF:
		r = snprintf(tmp, sizeof(tmp), "%d", current->tg->tgid);
		return proc_copy_link(buf, size, tmp, (size_t)r);
	case PROC_THREAD_SELF:
		r = snprintf(tmp, sizeof(tmp), "%d/task/%d", current->tg->tgid, current->tid);
		return proc_copy_link(buf, size, tmp, (size_t)r);
	default:
		break;
	}
	if (proc_resolve(n, &t) < 0 || !t.task)
		return -ENOENT;
	if (!proc_may_access(t.tg))
		return -EACCES;
	switch (n->e->kind) {
	case PROC_EXE:
		if (!t.tg->exe_path)
			return -ENOENT;
		return proc_copy_link(buf, size, t.tg->exe_path, strnlen(t.tg->exe_path, VFS_PATH_MAX));
	case PROC_CWD:
	case PROC_ROOT_LINK:
		r = vfs_path_name(current, n->e->kind == PROC_CWD ? &t.task->fs->cwd : &t.task->fs->root,
				  tmp, sizeof(tmp));
		break;
	case PROC_FD_LINK: {
		struct file *f = fd_get(t.task, n->fd);
		if (!f)
			return -ENOENT;
		r = proc_fd_target(f, tmp, sizeof(tmp));
		break;
	}
	default:
		return -EINVAL;
	}
	if (r < 0)
		return r;
	if ((size_t)r >= sizeof(tmp))
		return -ENAMETOOLONG;
	return proc_copy_link(buf, size, tmp, (size_t)r);
}

/* fd/N, cwd and root lead to the object itself: a file renamed or unlinked since, or one with
   no name at all (a pipe), opens as what it is. */
static int proc_get_link(struct inode *inode, struct path *out)
{
	const struct proc_node *n = PN(inode);
	struct proc_target t;

	if (!current || proc_resolve(n, &t) < 0 || !t.task)
		return -ENOENT;
	if (!proc_may_access(t.tg))
		return -EACCES;
	switch (n->e->kind) {
	case PROC_CWD:
		*out = t.task->fs->cwd;
		break;
	case PROC_ROOT_LINK:
		*out = t.task->fs->root;
		break;
	case PROC_FD_LINK: {
		struct file *f = fd_get(t.task, n->fd);
		if (!f)
			return -ENOENT;
		if (!f->path.dentry)
			return f->inode ? vfs_anon_path(f->inode, out) : -ENOENT;
		*out = f->path;
		break;
	}
	default:
		return -EINVAL;
	}
	path_get(out);
	return 0;
}

/* Generated content, captured at open (reads of one open file are consistent). */
struct proc_content {
	char *buf;
	size_t len;
};

static int proc_open(struct inode *inode, struct file *f, int flags)
{
	const struct proc_node *n = PN(inode);
	struct proc_target t;
	char *buf = NULL;
	size_t len = 0;

	if (S_ISDIR(inode->mode))
		return proc_resolve(n, &t) < 0 ? -ENOENT : 0;
	if (!n->e->fill)
		return -ENXIO;
	/* The others are read-only whatever their mode says (sysctls are the sandbox's). */
	if ((flags & O_ACCMODE) != O_RDONLY && !n->e->store)
		return -EACCES;
	int r = proc_resolve(n, &t);
	if (r < 0)
		return r;
	struct proc_content *c = calloc(1, sizeof(*c));
	FILE *m = c ? open_memstream(&buf, &len) : NULL;
	if (!m) {
		free(c);
		return -ENOMEM;
	}
	r = n->e->fill(&t, m);
	if (fclose(m) != 0 && r == 0)
		r = -ENOMEM;
	if (r < 0) {
		free(buf);
		free(c);
		return r;
	}
	c->buf = buf;
	c->len = len;
	f->priv = c;
	return 0;
}

static long proc_file_read(struct file *f, const struct iovec *iov, int iovcnt, int64_t *pos)
{
	struct proc_content *c = f->priv;
	return file_read_buffer(iov, iovcnt, pos, c->buf, c->len);
}

/* As Linux's writes of these files: each write is taken whole, its first bytes parsed, and
   the count answered in full. */
static long proc_file_write(struct file *f, const struct iovec *iov, int iovcnt, int64_t *pos)
{
	const struct proc_node *n = PN(f->inode);
	char buf[64];
	size_t len = 0, count = 0;
	struct proc_target t;
	(void)pos;

	if (!n->e->store)
		return -EACCES;
	for (int i = 0; i < iovcnt; i++) {
		size_t take = iov[i].iov_len < sizeof(buf) - 1 - len ? iov[i].iov_len : sizeof(buf) - 1 - len;
		if (take && guest_read(current, (uint64_t)(uintptr_t)iov[i].iov_base, buf + len, take) < 0)
			return -EFAULT;
		len += take;
		count += iov[i].iov_len;
	}
	buf[len] = '\0';
	int r = proc_resolve(n, &t);
	if (r == 0)
		r = n->e->store(&t, buf);
	return r < 0 ? r : (long)count;
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

static const struct inode_operations proc_magic_link_iops = {
	.readlink = proc_readlink,
	.get_link = proc_get_link,
	.evict = proc_evict,
};

/* As Linux's proc_setattr: no mode or owner change; O_TRUNC's size and times are
   accepted and change nothing (the content is made at each open). */
static int proc_setattr(struct inode *inode, const struct iattr *ia)
{
	(void)inode;
	return ia->valid & (VFS_ATTR_MODE | VFS_ATTR_UID | VFS_ATTR_GID) ? -EPERM : 0;
}

static const struct inode_operations proc_iops = {
	.lookup = proc_lookup,
	.setattr = proc_setattr,
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
	struct inode *root = proc_inode(&proc_root_entry, NULL, 0, 0, -1);
	if (!root)
		return -ENOMEM;
	*out = dentry_new_root(root);
	return *out ? 0 : -ENOMEM;
}
