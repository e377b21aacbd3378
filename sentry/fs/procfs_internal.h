/* /proc, inside: the tree (procfs.c) and the content generators (procfs_pid.c for a
   process's files, procfs_sys.c for the system-wide ones). Everything here runs with the
   kernel lock held, on behalf of `current`, the reading task. */
#ifndef RUNSCC_SENTRY_FS_PROCFS_INTERNAL_H
#define RUNSCC_SENTRY_FS_PROCFS_INTERNAL_H

#include <sched.h>		/* cpu_set_t: includers define _GNU_SOURCE */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct task;
struct thread_group;

/* Clock ticks as the guest's sysconf(_SC_CLK_TCK) reports them (USER_HZ). */
#define PROC_HZ 100
#define PROC_NS_PER_TICK (1000000000ULL / PROC_HZ)
/* The largest pid the sandbox hands out (sentry/task/task.c). */
#define PROC_PID_MAX 4194304

/* What a generator shows: a process, or one of its threads. */
struct proc_target {
	struct thread_group *tg;	/* NULL outside /proc/PID */
	struct task *task;		/* the thread shown (process view: one of its threads);
					   NULL when it is gone (a zombie) */
	pid_t id;			/* the pid shown: the tid in a thread view, else the tgid */
	bool thread;			/* task/TID or /proc/TID */
	int fd;				/* fdinfo/N */
};

/* Writes a file's content to m. Returns 0 or -errno. */
typedef int (*proc_fill_fn)(const struct proc_target *t, FILE *m);
/* Takes one write(2) to a writable file (buf holds its first bytes, NUL-terminated; as
   Linux, each write is taken whole, at any offset). Returns 0 or -errno. */
typedef int (*proc_store_fn)(const struct proc_target *t, const char *buf);

/* What the sentry captured from the host at boot, before it confined itself. */
struct proc_host_info {
	char *cpuinfo;			/* /proc/cpuinfo as the host had it (NULL: synthesized) */
	size_t cpuinfo_len;
	cpu_set_t cpus;			/* CPUs the sandbox may run on (the sentry's affinity) */
	int ncpus;
	int nr_cpu_ids;			/* CPU numbers the host may have (mask widths) */
	int64_t btime;			/* wall-clock second the sandbox booted */
	char boot_id[37];
	uint64_t memory_limit;		/* bytes the sandbox's memory cgroup allows; 0: none */
	int memory_usage_fd;		/* that cgroup's usage file, or -1 */
};
extern struct proc_host_info proc_host;

/* Nanoseconds since the sandbox booted. */
uint64_t proc_uptime_ns(void);
/* CPU time a process used, in ns (live: the host's process CPU clocks; exited: its rusage). */
void proc_group_cpu(struct thread_group *tg, uint64_t *user_ns, uint64_t *sys_ns);
/* May the reader look inside tg (its links, environment, fds), as ptrace's read check? */
bool proc_may_access(const struct thread_group *tg);
/* Mount table, in the format of /proc/mounts or /proc/PID/mountinfo, as t's root sees it. */
int proc_write_mounts(struct task *t, FILE *m, bool mountinfo);

/* Per process (procfs_pid.c). */
int proc_fill_stat(const struct proc_target *t, FILE *m);
int proc_fill_status(const struct proc_target *t, FILE *m);
int proc_fill_cmdline(const struct proc_target *t, FILE *m);
int proc_fill_environ(const struct proc_target *t, FILE *m);
int proc_fill_comm(const struct proc_target *t, FILE *m);
int proc_fill_limits(const struct proc_target *t, FILE *m);
int proc_fill_pid_mounts(const struct proc_target *t, FILE *m);
int proc_fill_pid_mountinfo(const struct proc_target *t, FILE *m);
int proc_fill_cgroup(const struct proc_target *t, FILE *m);
int proc_fill_fdinfo(const struct proc_target *t, FILE *m);
int proc_fill_wchan(const struct proc_target *t, FILE *m);
int proc_fill_coredump_filter(const struct proc_target *t, FILE *m);
int proc_store_coredump_filter(const struct proc_target *t, const char *buf);
int proc_store_comm(const struct proc_target *t, const char *buf);
int proc_fill_oom_score_adj(const struct proc_target *t, FILE *m);
int proc_store_oom_score_adj(const struct proc_target *t, const char *buf);
int proc_fill_io(const struct proc_target *t, FILE *m);
int proc_fill_zero(const struct proc_target *t, FILE *m);

/* Memory, from the host's files of the process (procfs_mem.c). */
int proc_fill_maps(const struct proc_target *t, FILE *m);
int proc_fill_smaps(const struct proc_target *t, FILE *m);
int proc_fill_smaps_rollup(const struct proc_target *t, FILE *m);
int proc_fill_statm(const struct proc_target *t, FILE *m);
/* stat's vsize (bytes) and rss (pages); 0 for a zombie. */
void proc_stat_memory(const struct proc_target *t, unsigned long long *vsize, unsigned long long *rss);
/* status's Vm and Rss lines (and HugetlbPages); none for a zombie. */
void proc_put_status_memory(const struct proc_target *t, FILE *m);

/* System-wide (procfs_sys.c). */
int proc_fill_sys_stat(const struct proc_target *t, FILE *m);
int proc_fill_uptime(const struct proc_target *t, FILE *m);
int proc_fill_loadavg(const struct proc_target *t, FILE *m);
int proc_fill_meminfo(const struct proc_target *t, FILE *m);
int proc_fill_version(const struct proc_target *t, FILE *m);
int proc_fill_vmstat(const struct proc_target *t, FILE *m);
int proc_fill_net_unix(const struct proc_target *t, FILE *m);

/* The network namespace's files (procfs_net.c), from descriptors opened at boot
   (procfs_net_open, fs.h). */
int proc_fill_net_dev(const struct proc_target *t, FILE *m);
int proc_fill_net_route(const struct proc_target *t, FILE *m);
int proc_fill_net_ipv6_route(const struct proc_target *t, FILE *m);
int proc_fill_net_if_inet6(const struct proc_target *t, FILE *m);
int proc_fill_net_arp(const struct proc_target *t, FILE *m);
int proc_fill_net_tcp(const struct proc_target *t, FILE *m);
int proc_fill_net_tcp6(const struct proc_target *t, FILE *m);
int proc_fill_net_udp(const struct proc_target *t, FILE *m);
int proc_fill_net_udp6(const struct proc_target *t, FILE *m);
int proc_fill_cpuinfo(const struct proc_target *t, FILE *m);
int proc_fill_filesystems(const struct proc_target *t, FILE *m);
int proc_fill_kernel_hostname(const struct proc_target *t, FILE *m);
int proc_fill_kernel_domainname(const struct proc_target *t, FILE *m);
int proc_fill_kernel_osrelease(const struct proc_target *t, FILE *m);
int proc_fill_kernel_ostype(const struct proc_target *t, FILE *m);
int proc_fill_kernel_version(const struct proc_target *t, FILE *m);
int proc_fill_kernel_pid_max(const struct proc_target *t, FILE *m);
int proc_fill_kernel_ngroups_max(const struct proc_target *t, FILE *m);
int proc_fill_kernel_cap_last_cap(const struct proc_target *t, FILE *m);
int proc_fill_kernel_overflowid(const struct proc_target *t, FILE *m);
int proc_fill_kernel_boot_id(const struct proc_target *t, FILE *m);
int proc_fill_kernel_uuid(const struct proc_target *t, FILE *m);
int proc_fill_vm_overcommit_memory(const struct proc_target *t, FILE *m);
int proc_fill_vm_max_map_count(const struct proc_target *t, FILE *m);
int proc_fill_fs_file_max(const struct proc_target *t, FILE *m);
int proc_fill_fs_nr_open(const struct proc_target *t, FILE *m);
int proc_fill_fs_pipe_max_size(const struct proc_target *t, FILE *m);
int proc_fill_fs_inotify_max_queued_events(const struct proc_target *t, FILE *m);
int proc_fill_fs_inotify_max_user_instances(const struct proc_target *t, FILE *m);
int proc_fill_fs_inotify_max_user_watches(const struct proc_target *t, FILE *m);

/* System V IPC (procfs_ipc.c). */
int proc_fill_sysvipc_shm(const struct proc_target *t, FILE *m);
int proc_fill_sysvipc_sem(const struct proc_target *t, FILE *m);
int proc_fill_sysvipc_msg(const struct proc_target *t, FILE *m);
int proc_fill_kernel_shmmax(const struct proc_target *t, FILE *m);
int proc_fill_kernel_shmall(const struct proc_target *t, FILE *m);
int proc_fill_kernel_shmmni(const struct proc_target *t, FILE *m);
int proc_fill_kernel_msgmax(const struct proc_target *t, FILE *m);
int proc_fill_mqueue_msg_max(const struct proc_target *t, FILE *m);
int proc_fill_mqueue_msgsize_max(const struct proc_target *t, FILE *m);
int proc_fill_mqueue_queues_max(const struct proc_target *t, FILE *m);
int proc_fill_mqueue_msg_default(const struct proc_target *t, FILE *m);
int proc_fill_mqueue_msgsize_default(const struct proc_target *t, FILE *m);
int proc_fill_kernel_msgmnb(const struct proc_target *t, FILE *m);
int proc_fill_kernel_msgmni(const struct proc_target *t, FILE *m);
int proc_fill_kernel_sem(const struct proc_target *t, FILE *m);

#endif
