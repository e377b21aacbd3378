/* System-wide /proc files: the sandbox seen as a machine. Times count from the sandbox's boot;
   CPU time is what the sandbox's processes (and the sentry serving them) used; the CPU model
   is the host's, captured at boot before the sentry confined itself. */
#define _GNU_SOURCE
#include "sentry/fs/fs.h"
#include "sentry/fs/procfs_internal.h"
#include "sentry/socket/socket.h"
#include "sentry/kernel.h"
#include "sentry/task/task.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#define PROC_CPUINFO_MAX (1 << 20)

/* A utsname field (the guest may set some: bounded even if unterminated). */
#define UTS(field) (int)strnlen(kernel.uts.field, sizeof(kernel.uts.field)), kernel.uts.field

struct proc_host_info proc_host;

static char *read_small_file(const char *path, size_t max, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		if (n == cap) {
			char *bigger = cap < max ? realloc(buf, cap * 2) : NULL;
			if (!bigger) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = bigger;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			buf = NULL;
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	*len = n;
	return buf;
}

static void format_uuid(char out[37], const unsigned char b[16])
{
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], (b[6] & 0x0f) | 0x40, b[7], (b[8] & 0x3f) | 0x80,
		 b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* The memory cgroup the sentry (and so the sandbox) is in: its limit, and its usage file
   kept open for /proc/meminfo. cgroup v1's memory controller, else the unified hierarchy. */
static void capture_memory_cgroup(void)
{
	size_t len;
	char *cg = read_small_file("/proc/self/cgroup", 65536, &len);
	char path[PATH_MAX], *save = NULL;
	proc_host.memory_usage_fd = -1;
	if (!cg)
		return;
	cg[len] = '\0';
	for (char *line = strtok_r(cg, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *ctrl = strchr(line, ':'), *rel = ctrl ? strchr(ctrl + 1, ':') : NULL;
		if (!rel)
			continue;
		*rel++ = '\0';
		ctrl++;
		char *limit = NULL;
		size_t limit_len;
		if (strstr(ctrl, "memory") && strlen(ctrl) >= 6) {
			snprintf(path, sizeof(path), "/sys/fs/cgroup/memory%s/memory.limit_in_bytes", rel);
			limit = read_small_file(path, 64, &limit_len);
			snprintf(path, sizeof(path), "/sys/fs/cgroup/memory%s/memory.usage_in_bytes", rel);
		} else if (!*ctrl && proc_host.memory_usage_fd < 0) {
			snprintf(path, sizeof(path), "/sys/fs/cgroup%s/memory.max", rel);
			limit = read_small_file(path, 64, &limit_len);
			snprintf(path, sizeof(path), "/sys/fs/cgroup%s/memory.current", rel);
		}
		if (!limit)
			continue;
		limit[limit_len < 64 ? limit_len : 63] = '\0';
		/* "max" (v2) reads as 0: no limit. */
		proc_host.memory_limit = strtoull(limit, NULL, 10);
		free(limit);
		if (proc_host.memory_usage_fd >= 0)
			close(proc_host.memory_usage_fd);
		proc_host.memory_usage_fd = open(path, O_RDONLY | O_CLOEXEC);
		if (strstr(ctrl, "memory"))
			break;
	}
	free(cg);
}

void procfs_capture_host(void)
{
	struct timespec real;
	unsigned char rnd[16] = { 0 };

	clock_gettime(CLOCK_REALTIME, &real);
	int64_t real_ns = (int64_t)real.tv_sec * 1000000000LL + real.tv_nsec;
	proc_host.btime = (real_ns - (int64_t)proc_uptime_ns()) / 1000000000LL;
	if (sched_getaffinity(0, sizeof(proc_host.cpus), &proc_host.cpus) < 0 ||
	    CPU_COUNT(&proc_host.cpus) == 0) {
		CPU_ZERO(&proc_host.cpus);
		CPU_SET(0, &proc_host.cpus);
	}
	proc_host.ncpus = CPU_COUNT(&proc_host.cpus);
	proc_host.nr_cpu_ids = get_nprocs_conf();
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &proc_host.cpus) && c >= proc_host.nr_cpu_ids)
			proc_host.nr_cpu_ids = c + 1;
	if (proc_host.nr_cpu_ids > CPU_SETSIZE)
		proc_host.nr_cpu_ids = CPU_SETSIZE;
	proc_host.cpuinfo = read_small_file("/proc/cpuinfo", PROC_CPUINFO_MAX, &proc_host.cpuinfo_len);
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		memcpy(rnd, &real, sizeof(real) < sizeof(rnd) ? sizeof(real) : sizeof(rnd));
	format_uuid(proc_host.boot_id, rnd);
	capture_memory_cgroup();
}

uint64_t proc_uptime_ns(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	int64_t ns = (int64_t)(now.tv_sec - kernel.boot_time.tv_sec) * 1000000000LL +
		     (now.tv_nsec - kernel.boot_time.tv_nsec);
	return ns > 0 ? (uint64_t)ns : 0;
}

/* The host's CPU clocks of a process (clock_getcpuclockid's encoding): PROF is user +
   system time, VIRT user time. The host lets anyone read a process's clocks. */
#define PROC_CPUCLOCK(pid, which) ((clockid_t)((~(unsigned)(pid) << 3) | (unsigned)(which)))
#define CPUCLOCK_PROF 0
#define CPUCLOCK_VIRT 1

static uint64_t timespec_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000ULL + (uint64_t)ts->tv_nsec;
}

static uint64_t timeval_ns(const struct timeval *tv)
{
	return (uint64_t)tv->tv_sec * 1000000000ULL + (uint64_t)tv->tv_usec * 1000ULL;
}

void proc_group_cpu(struct thread_group *tg, uint64_t *user_ns, uint64_t *sys_ns)
{
	struct timespec prof, virt;
	*user_ns = *sys_ns = 0;
	if (tg->exited) {
		*user_ns = timeval_ns(&tg->rusage.ru_utime);
		*sys_ns = timeval_ns(&tg->rusage.ru_stime);
		return;
	}
	if (tg->host_pid <= 0 ||
	    clock_gettime(PROC_CPUCLOCK(tg->host_pid, CPUCLOCK_PROF), &prof) < 0 ||
	    clock_gettime(PROC_CPUCLOCK(tg->host_pid, CPUCLOCK_VIRT), &virt) < 0)
		return;
	*user_ns = timespec_ns(&virt);
	*sys_ns = timespec_ns(&prof) > *user_ns ? timespec_ns(&prof) - *user_ns : 0;
}

/* Everything the sandbox used: its processes (live, zombie, and reaped ones folded into
   their parents) in user and system time, plus the sentry's own time as system time. */
static void proc_sandbox_cpu(uint64_t *user_ns, uint64_t *sys_ns)
{
	struct rusage self;
	*user_ns = *sys_ns = 0;
	for (struct thread_group *tg = thread_group_first(); tg; tg = thread_group_next(tg)) {
		uint64_t u, s;
		proc_group_cpu(tg, &u, &s);
		*user_ns += u + timeval_ns(&tg->children_rusage.ru_utime);
		*sys_ns += s + timeval_ns(&tg->children_rusage.ru_stime);
	}
	if (getrusage(RUSAGE_SELF, &self) == 0)
		*sys_ns += timeval_ns(&self.ru_utime) + timeval_ns(&self.ru_stime);
}

/* CPUs the sandbox has (1 if nothing was captured). */
static uint64_t proc_ncpus(void)
{
	return proc_host.ncpus > 0 ? (uint64_t)proc_host.ncpus : 1;
}

struct proc_cpu_times {
	uint64_t user, system, idle;	/* ticks */
};

static void proc_cpu_times(struct proc_cpu_times *ct)
{
	uint64_t user_ns, sys_ns;
	proc_sandbox_cpu(&user_ns, &sys_ns);
	uint64_t total = proc_uptime_ns() / PROC_NS_PER_TICK * proc_ncpus();
	ct->user = user_ns / PROC_NS_PER_TICK;
	ct->system = sys_ns / PROC_NS_PER_TICK;
	ct->idle = total > ct->user + ct->system ? total - ct->user - ct->system : 0;
}

static void put_cpu_line(FILE *m, const char *name, uint64_t user, uint64_t system, uint64_t idle)
{
	fprintf(m, "%s %llu 0 %llu %llu 0 0 0 0 0 0\n", name, (unsigned long long)user,
		(unsigned long long)system, (unsigned long long)idle);
}

int proc_fill_sys_stat(const struct proc_target *t, FILE *m)
{
	struct proc_cpu_times ct;
	(void)t;
	proc_cpu_times(&ct);
	put_cpu_line(m, "cpu ", ct.user, ct.system, ct.idle);
	/* Per CPU: the sentry does not know where processes ran; an even share each (the first
	   takes the remainders, so the lines add up to the total). */
	uint64_t n = proc_ncpus();
	bool first = true;
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, &proc_host.cpus))
			continue;
		char name[16];
		snprintf(name, sizeof(name), "cpu%d", c);
		put_cpu_line(m, name, ct.user / n + (first ? ct.user % n : 0),
			     ct.system / n + (first ? ct.system % n : 0),
			     ct.idle / n + (first ? ct.idle % n : 0));
		first = false;
	}
	fprintf(m, "intr 0\nctxt 0\nbtime %lld\nprocesses %d\nprocs_running 1\nprocs_blocked 0\n"
		"softirq 0 0 0 0 0 0 0 0 0 0 0\n",
		(long long)proc_host.btime, task_last_pid());
	return 0;
}

int proc_fill_uptime(const struct proc_target *t, FILE *m)
{
	struct proc_cpu_times ct;
	(void)t;
	proc_cpu_times(&ct);
	uint64_t up = proc_uptime_ns() / 10000000ULL;	/* hundredths */
	fprintf(m, "%llu.%02llu %llu.%02llu\n", (unsigned long long)(up / 100),
		(unsigned long long)(up % 100), (unsigned long long)(ct.idle / PROC_HZ),
		(unsigned long long)(ct.idle % PROC_HZ * 100 / PROC_HZ));
	return 0;
}

int proc_fill_loadavg(const struct proc_target *t, FILE *m)
{
	(void)t;
	fprintf(m, "0.00 0.00 0.00 1/%u %d\n", kernel.ntasks, task_last_pid());
	return 0;
}

/* A decimal number at the start of what fd holds (a cgroup file kept from boot); 0 if none. */
static uint64_t pread_number(int fd)
{
	char buf[32];
	ssize_t n = fd >= 0 ? pread(fd, buf, sizeof(buf) - 1, 0) : -1;
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtoull(buf, NULL, 10);
}

int proc_fill_meminfo(const struct proc_target *t, FILE *m)
{
	struct sysinfo si;
	(void)t;
	if (sysinfo(&si) < 0)
		memset(&si, 0, sizeof(si));
	unsigned long long unit = si.mem_unit ? si.mem_unit : 1;
	uint64_t total = si.totalram * unit, free = si.freeram * unit;
	/* The sandbox's memory limit, when it has one below the host's memory, is its total. */
	if (proc_host.memory_limit > 0 && proc_host.memory_limit < total) {
		uint64_t used = pread_number(proc_host.memory_usage_fd);
		total = proc_host.memory_limit;
		free = used < total ? total - used : 0;
	}
	fprintf(m, "MemTotal:       %8llu kB\nMemFree:        %8llu kB\nMemAvailable:   %8llu kB\n"
		"Buffers:               0 kB\nCached:                0 kB\nSwapCached:            0 kB\n"
		"SwapTotal:      %8llu kB\nSwapFree:       %8llu kB\nShmem:                 0 kB\n"
		"SReclaimable:          0 kB\n",
		(unsigned long long)total / 1024, (unsigned long long)free / 1024,
		(unsigned long long)free / 1024, si.totalswap * unit / 1024, si.freeswap * unit / 1024);
	return 0;
}

int proc_fill_version(const struct proc_target *t, FILE *m)
{
	(void)t;
	fprintf(m, "%.*s version %.*s (runsc-c@sandbox) (runsc-c) %.*s\n", UTS(sysname), UTS(release),
		UTS(version));
	return 0;
}

/* Virtual memory counters: the host keeps them; free pages from sysinfo, the rest zero. */
int proc_fill_vmstat(const struct proc_target *t, FILE *m)
{
	static const char *const zero[] = { "nr_inactive_anon", "nr_active_anon", "nr_inactive_file",
		"nr_active_file", "nr_mapped", "nr_dirty", "nr_writeback", "nr_shmem", "pgpgin",
		"pgpgout", "pswpin", "pswpout", "pgfault", "pgmajfault" };
	struct sysinfo si;
	(void)t;
	if (sysinfo(&si) < 0)
		memset(&si, 0, sizeof(si));
	unsigned long long unit = si.mem_unit ? si.mem_unit : 1;
	fprintf(m, "nr_free_pages %llu\n", si.freeram * unit / 4096);
	for (size_t i = 0; i < sizeof(zero) / sizeof(zero[0]); i++)
		fprintf(m, "%s 0\n", zero[i]);
	return 0;
}

int proc_fill_cpuinfo(const struct proc_target *t, FILE *m)
{
	(void)t;
	if (proc_host.cpuinfo) {
		fwrite(proc_host.cpuinfo, 1, proc_host.cpuinfo_len, m);
		return 0;
	}
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &proc_host.cpus))
			fprintf(m, "processor\t: %d\n\n", c);
	return 0;
}

/* The file system types the sandbox shows (mounts, statfs). */
int proc_fill_filesystems(const struct proc_target *t, FILE *m)
{
	(void)t;
	fputs("nodev\tsysfs\nnodev\ttmpfs\nnodev\tproc\nnodev\toverlay\n", m);
	return 0;
}

/* The name a super block's type goes by in mount tables: the image is shown as the overlay
   statfs says it is. */
static const char *proc_fstype(const struct super_block *sb)
{
	if (!sb || !sb->fstype)
		return "none";
	return strcmp(sb->fstype, "gofer") ? sb->fstype : "overlay";
}

/* Escapes what would break a mount table line, as Linux's mangle() does. */
static void put_mangled(FILE *m, const char *s)
{
	for (; *s; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\\')
			fprintf(m, "\\%03o", (unsigned char)*s);
		else
			fputc(*s, m);
	}
}

static void put_mount_opts(FILE *m, unsigned long flags)
{
	fputs(flags & MS_RDONLY ? "ro" : "rw", m);
	if (flags & MS_NOSUID)
		fputs(",nosuid", m);
	if (flags & MS_NODEV)
		fputs(",nodev", m);
	if (flags & MS_NOEXEC)
		fputs(",noexec", m);
}

int proc_write_mounts(struct task *t, FILE *m, bool mountinfo)
{
	char path[VFS_PATH_MAX];
	if (!t->fs)
		return 0;
	for (struct mount *mnt = vfs_mount_first(); mnt; mnt = mnt->next) {
		struct path p = { mnt, mnt->root };
		int r = vfs_path_name(t, &p, path, sizeof(path));
		/* Mounts outside the reader's root are not listed (Linux's rule too). */
		if (r < 0 || path[0] != '/')
			continue;
		struct super_block *sb = mnt->root && mnt->root->inode ? mnt->root->inode->sb : NULL;
		/* A source naming a host path would reveal it: such mounts show "none". */
		const char *source = mnt->source && !strchr(mnt->source, '/') ? mnt->source : "none";
		if (mountinfo) {
			int parent = mnt->parent ? mnt->parent->id : mnt->id;
			dev_t dev = sb ? sb->dev : 0;
			fprintf(m, "%d %d %u:%u / ", mnt->id, parent, major(dev), minor(dev));
			put_mangled(m, path);
			fputc(' ', m);
			put_mount_opts(m, mnt->flags);
			fprintf(m, " - %s ", proc_fstype(sb));
			put_mangled(m, source);
			fprintf(m, " %s\n", sb && sb->readonly ? "ro" : "rw");
		} else {
			put_mangled(m, source);
			fputc(' ', m);
			put_mangled(m, path);
			fprintf(m, " %s ", proc_fstype(sb));
			put_mount_opts(m, mnt->flags);
			fputs(" 0 0\n", m);
		}
	}
	return 0;
}

/* /proc/sys. */

static int put_line(FILE *m, const char *s)
{
	fprintf(m, "%s\n", s);
	return 0;
}

static int put_uts_line(FILE *m, int len, const char *s)
{
	fprintf(m, "%.*s\n", len, s);
	return 0;
}

int proc_fill_kernel_hostname(const struct proc_target *t, FILE *m)
{
	(void)t;
	return put_uts_line(m, UTS(nodename));
}

int proc_fill_kernel_domainname(const struct proc_target *t, FILE *m)
{
	(void)t;
	return put_uts_line(m, UTS(domainname));
}

int proc_fill_kernel_osrelease(const struct proc_target *t, FILE *m)
{
	(void)t;
	return put_uts_line(m, UTS(release));
}

int proc_fill_kernel_ostype(const struct proc_target *t, FILE *m)
{
	(void)t;
	return put_uts_line(m, UTS(sysname));
}

int proc_fill_kernel_version(const struct proc_target *t, FILE *m)
{
	(void)t;
	return put_uts_line(m, UTS(version));
}

int proc_fill_kernel_pid_max(const struct proc_target *t, FILE *m)
{
	(void)t;
	fprintf(m, "%d\n", PROC_PID_MAX);
	return 0;
}

int proc_fill_kernel_ngroups_max(const struct proc_target *t, FILE *m)
{
	(void)t;
	fprintf(m, "%d\n", 65536);
	return 0;
}

int proc_fill_kernel_cap_last_cap(const struct proc_target *t, FILE *m)
{
	(void)t;
	fprintf(m, "%d\n", CAPS_LAST);
	return 0;
}

int proc_fill_kernel_overflowid(const struct proc_target *t, FILE *m)
{
	(void)t;
	return put_line(m, "65534");
}

int proc_fill_kernel_boot_id(const struct proc_target *t, FILE *m)
{
	(void)t;
	return put_line(m, proc_host.boot_id);
}

int proc_fill_kernel_uuid(const struct proc_target *t, FILE *m)
{
	unsigned char rnd[16];
	char uuid[37];
	(void)t;
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -EAGAIN;
	format_uuid(uuid, rnd);
	return put_line(m, uuid);
}

int proc_fill_vm_overcommit_memory(const struct proc_target *t, FILE *m)
{
	(void)t;
	return put_line(m, "0");
}

int proc_fill_vm_max_map_count(const struct proc_target *t, FILE *m)
{
	(void)t;
	return put_line(m, "65530");
}

int proc_fill_fs_file_max(const struct proc_target *t, FILE *m)
{
	(void)t;
	return put_line(m, "9223372036854775807");
}

int proc_fill_fs_nr_open(const struct proc_target *t, FILE *m)
{
	(void)t;
	fprintf(m, "%d\n", 1048576);
	return 0;
}

/* The host's default (guest pipes are host pipes), 1 MiB as nr_open. */
int proc_fill_fs_pipe_max_size(const struct proc_target *t, FILE *m)
{
	return proc_fill_fs_nr_open(t, m);
}

/* The sandbox's inotify limits (sentry/vfs/inotify.c), Linux's defaults. */
int proc_fill_fs_inotify_max_queued_events(const struct proc_target *t, FILE *m)
{
	(void)t;
	fprintf(m, "%u\n", inotify_max_queued_events);
	return 0;
}

int proc_fill_fs_inotify_max_user_instances(const struct proc_target *t, FILE *m)
{
	(void)t;
	fprintf(m, "%u\n", inotify_max_user_instances);
	return 0;
}

int proc_fill_fs_inotify_max_user_watches(const struct proc_target *t, FILE *m)
{
	(void)t;
	fprintf(m, "%u\n", inotify_max_user_watches ? inotify_max_user_watches
						    : inotify_default_max_watches());
	return 0;
}

/* The sandbox's unix sockets (sentry/socket/unix.c), as Linux lists them. */
int proc_fill_net_unix(const struct proc_target *t, FILE *m)
{
	(void)t;
	unix_proc_list(m);
	return 0;
}
