/* /proc/PID/...: a process's files, made from the sentry's task state in the formats of
   Linux's fs/proc/array.c and base.c. What the sentry cannot know, because the host holds
   it (pending and blocked signals, per-thread CPU time), shows as zero or empty; memory
   figures and maps are the host's, translated (procfs_mem.c). Guest-supplied strings (comm, argv, environment) are copied bounded, raw
   where Linux prints them raw. */
#define _GNU_SOURCE
#include "sentry/fs/procfs_internal.h"
#include "sentry/kernel.h"
#include "sentry/task/task.h"
#include "sentry/task/fdtable.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* task_struct.flags bits Linux shows in stat. */
#define PF_EXITING 0x00000004
#define PF_FORKNOEXEC 0x00000040
#define PF_RANDOMIZE 0x00400000

static uint64_t ns_to_ticks(uint64_t ns)
{
	return ns / PROC_NS_PER_TICK;
}

static uint64_t timeval_ns(const struct timeval *tv)
{
	return (uint64_t)tv->tv_sec * 1000000000ULL + (uint64_t)tv->tv_usec * 1000ULL;
}

static size_t comm_len(const struct thread_group *tg)
{
	return strnlen(tg->comm, sizeof(tg->comm));
}

/* Linux's task_state letters: the sentry knows exited, stopped, and the reader itself
   (which is running: it is reading); every other thread shows as sleeping. */
static char proc_state(const struct proc_target *t)
{
	if (t->tg->exited || !t->task)
		return 'Z';
	if (t->tg->stopped)
		return 'T';
	if (current && (t->thread ? current == t->task : current->tg == t->tg))
		return 'R';
	return 'S';
}

static const char *proc_state_name(char state)
{
	switch (state) {
	case 'R': return "R (running)";
	case 'T': return "T (stopped)";
	case 'Z': return "Z (zombie)";
	default: return "S (sleeping)";
	}
}

static pid_t proc_ppid(const struct thread_group *tg)
{
	return tg->parent ? tg->parent->tgid : 0;
}

static int proc_nthreads(const struct thread_group *tg)
{
	/* A zombie still counts its leader, as Linux's signal->nr_threads does. */
	return tg->nthreads > 0 ? tg->nthreads : 1;
}

/* Ignored and caught signals from the sentry's sigaction records (bit sig-1). */
static void proc_sig_masks(const struct task *task, uint64_t *ign, uint64_t *cgt)
{
	*ign = *cgt = 0;
	if (!task || !task->sighand)
		return;
	for (int sig = 1; sig < TASK_NSIG && sig <= 64; sig++) {
		uint64_t h = task->sighand->action[sig].handler;
		if (h == (uint64_t)(uintptr_t)SIG_IGN)
			*ign |= 1ULL << (sig - 1);
		else if (h != (uint64_t)(uintptr_t)SIG_DFL)
			*cgt |= 1ULL << (sig - 1);
	}
}

static void proc_cpu_of(const struct proc_target *t, uint64_t *user_ns, uint64_t *sys_ns)
{
	/* The host shows a process's CPU clock to anyone, a thread's only to its own process:
	   threads show none. */
	if (t->thread && t->task) {
		*user_ns = *sys_ns = 0;
		return;
	}
	proc_group_cpu(t->tg, user_ns, sys_ns);
}

int proc_fill_stat(const struct proc_target *t, FILE *m)
{
	struct thread_group *tg = t->tg;
	bool zombie = !t->task;
	uint64_t utime, stime, ign, cgt;
	unsigned long long vsize, rss;
	char state = proc_state(t);
	unsigned long flags = PF_RANDOMIZE | (tg->did_exec ? 0 : PF_FORKNOEXEC) | (zombie ? PF_EXITING : 0);
	const struct rusage *cru = &tg->children_rusage;
	const struct rusage *ru = zombie ? &tg->rusage : NULL;
	rlim_t rsslim = tg->rlimits[RLIMIT_RSS].rlim_cur;

	/* The shown thread's scheduling record; a real-time thread's priority is -1 - its
	   real-time priority, another's 20 + nice. */
	struct sched_settings sched = t->task ? t->task->sched : (struct sched_settings){ 0 };
	bool rt = sched.policy == SCHED_FIFO || sched.policy == SCHED_RR;
	int priority = rt ? -1 - sched.rt_priority : 20 + sched.nice;

	proc_cpu_of(t, &utime, &stime);
	proc_sig_masks(t->task, &ign, &cgt);
	proc_stat_memory(t, &vsize, &rss);
	fprintf(m, "%d (", t->id);
	fwrite(tg->comm, 1, comm_len(tg), m);	/* raw, as Linux prints it */
	fprintf(m, ") %c %d %d %d 0 -1 %lu %lu %lu %lu %lu %llu %llu %llu %llu %d %d %d 0 %llu "
		"%llu %llu %llu %lu %lu 0 0 0 0 0 %llu %llu 0 0 0 %d 0 %d %d 0 0 0 0 0 0 0 0 0 0 %d\n",
		state, proc_ppid(tg), tg->pgid, tg->sid, flags,
		ru ? (unsigned long)ru->ru_minflt : 0, (unsigned long)cru->ru_minflt,
		ru ? (unsigned long)ru->ru_majflt : 0, (unsigned long)cru->ru_majflt,
		(unsigned long long)ns_to_ticks(utime), (unsigned long long)ns_to_ticks(stime),
		(unsigned long long)ns_to_ticks(timeval_ns(&cru->ru_utime)),
		(unsigned long long)ns_to_ticks(timeval_ns(&cru->ru_stime)), priority, sched.nice,
		proc_nthreads(tg), (unsigned long long)ns_to_ticks(tg->start_ns), vsize, rss,
		(unsigned long long)rsslim,
		/* startcode, endcode: Linux shows 1 when it hides them, 0 without memory. */
		zombie ? 0UL : 1UL, zombie ? 0UL : 1UL,
		(unsigned long long)(ign & 0x7fffffffULL), (unsigned long long)(cgt & 0x7fffffffULL),
		t->thread && t->id != tg->tgid ? -1 : tg->exit_signal, sched.rt_priority, sched.policy,
		zombie ? tg->exit_status : 0);
	return 0;
}

/* A CPU set as Linux's %*pb: 32-bit hex groups, most significant first, comma separated. */
static void proc_put_cpumask(FILE *m, const cpu_set_t *set, int nbits)
{
	int ngroups = (nbits + 31) / 32;
	for (int g = ngroups - 1; g >= 0; g--) {
		uint32_t word = 0;
		for (int b = 0; b < 32 && g * 32 + b < nbits; b++)
			if (CPU_ISSET(g * 32 + b, set))
				word |= 1U << b;
		if (g == ngroups - 1) {
			int bits = nbits - g * 32;
			fprintf(m, "%0*x", (bits + 3) / 4, word);
		} else {
			fprintf(m, ",%08x", word);
		}
	}
}

/* ... and as %*pbl: ranges, "0-3,6". */
static void proc_put_cpulist(FILE *m, const cpu_set_t *set)
{
	bool first = true;
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, set))
			continue;
		int end = c;
		while (end + 1 < CPU_SETSIZE && CPU_ISSET(end + 1, set))
			end++;
		fprintf(m, end > c ? "%s%d-%d" : "%s%d", first ? "" : ",", c, end);
		first = false;
		c = end;
	}
}

int proc_fill_status(const struct proc_target *t, FILE *m)
{
	struct thread_group *tg = t->tg;
	const struct creds *c = &tg->creds;
	struct task *task = t->task;
	char state = proc_state(t);
	uint64_t ign, cgt;
	int cpu_bits = proc_host.nr_cpu_ids;

	/* Name: escaped as Linux does (newline and backslash). */
	fputs("Name:\t", m);
	for (size_t i = 0; i < comm_len(tg); i++) {
		char ch = tg->comm[i];
		if (ch == '\n')
			fputs("\\n", m);
		else if (ch == '\\')
			fputs("\\\\", m);
		else
			fputc(ch, m);
	}
	fputc('\n', m);
	if (task && task->fs)
		fprintf(m, "Umask:\t%04o\n", task->fs->umask);
	fprintf(m, "State:\t%s\nTgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n"
		"Uid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\nFDSize:\t%d\nGroups:\t",
		proc_state_name(state), tg->tgid, t->id, proc_ppid(tg), c->ruid, c->euid, c->suid,
		c->fsuid, c->rgid, c->egid, c->sgid, c->fsgid,
		task && task->files ? (task->files->size > 64 ? task->files->size : 64) : 0);
	for (int i = 0; i < c->ngroups && i < TASK_NGROUPS_MAX; i++)
		fprintf(m, i ? " %u" : "%u", c->groups[i]);
	fprintf(m, " \nNStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n", tg->tgid, t->id,
		tg->pgid, tg->sid);
	if (task) {
		proc_put_status_memory(t, m);
		fputs("CoreDumping:\t0\nTHP_enabled:\t1\n", m);
	}
	proc_sig_masks(task, &ign, &cgt);
	fprintf(m, "Threads:\t%d\nSigQ:\t0/%llu\nSigPnd:\t%016x\nShdPnd:\t%016x\nSigBlk:\t%016x\n"
		"SigIgn:\t%016llx\nSigCgt:\t%016llx\n"
		"CapInh:\t%016llx\nCapPrm:\t%016llx\nCapEff:\t%016llx\nCapBnd:\t%016llx\nCapAmb:\t%016llx\n"
		"NoNewPrivs:\t1\nSeccomp:\t0\nSeccomp_filters:\t0\nCpus_allowed:\t",
		proc_nthreads(tg), (unsigned long long)tg->rlimits[RLIMIT_SIGPENDING].rlim_cur, 0, 0, 0,
		(unsigned long long)ign, (unsigned long long)cgt, (unsigned long long)c->cap_inheritable,
		(unsigned long long)c->cap_permitted, (unsigned long long)c->cap_effective,
		(unsigned long long)c->cap_bounding, (unsigned long long)c->cap_ambient);
	proc_put_cpumask(m, &proc_host.cpus, cpu_bits > 0 ? cpu_bits : 1);
	fputs("\nCpus_allowed_list:\t", m);
	proc_put_cpulist(m, &proc_host.cpus);
	fprintf(m, "\nMems_allowed:\t00000001\nMems_allowed_list:\t0\n"
		"voluntary_ctxt_switches:\t%ld\nnonvoluntary_ctxt_switches:\t%ld\n",
		task ? 0L : tg->rusage.ru_nvcsw, task ? 0L : tg->rusage.ru_nivcsw);
	return 0;
}

/* argv as exec'd. Linux reads it from the process's memory and has none for a zombie; the
   sentry keeps the exec-time copy (a process rewriting its argv is not seen). */
int proc_fill_cmdline(const struct proc_target *t, FILE *m)
{
	if (t->task && t->tg->cmdline)
		fwrite(t->tg->cmdline, 1, t->tg->cmdline_len, m);
	return 0;
}

int proc_fill_environ(const struct proc_target *t, FILE *m)
{
	if (!proc_may_access(t->tg))
		return -EACCES;
	if (t->task && t->tg->environ)
		fwrite(t->tg->environ, 1, t->tg->environ_len, m);
	return 0;
}

int proc_fill_comm(const struct proc_target *t, FILE *m)
{
	fwrite(t->tg->comm, 1, comm_len(t->tg), m);
	fputc('\n', m);
	return 0;
}

int proc_fill_limits(const struct proc_target *t, FILE *m)
{
	static const struct {
		const char *name, *unit;
	} names[RLIM_NLIMITS] = {
		[RLIMIT_CPU] = { "Max cpu time", "seconds" },
		[RLIMIT_FSIZE] = { "Max file size", "bytes" },
		[RLIMIT_DATA] = { "Max data size", "bytes" },
		[RLIMIT_STACK] = { "Max stack size", "bytes" },
		[RLIMIT_CORE] = { "Max core file size", "bytes" },
		[RLIMIT_RSS] = { "Max resident set", "bytes" },
		[RLIMIT_NPROC] = { "Max processes", "processes" },
		[RLIMIT_NOFILE] = { "Max open files", "files" },
		[RLIMIT_MEMLOCK] = { "Max locked memory", "bytes" },
		[RLIMIT_AS] = { "Max address space", "bytes" },
		[RLIMIT_LOCKS] = { "Max file locks", "locks" },
		[RLIMIT_SIGPENDING] = { "Max pending signals", "signals" },
		[RLIMIT_MSGQUEUE] = { "Max msgqueue size", "bytes" },
		[RLIMIT_NICE] = { "Max nice priority", NULL },
		[RLIMIT_RTPRIO] = { "Max realtime priority", NULL },
		[RLIMIT_RTTIME] = { "Max realtime timeout", "us" },
	};
	fprintf(m, "%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit", "Hard Limit", "Units");
	for (int i = 0; i < RLIM_NLIMITS; i++) {
		const struct rlimit *rl = &t->tg->rlimits[i];
		fprintf(m, "%-25s ", names[i].name ? names[i].name : "");
		if (rl->rlim_cur == RLIM_INFINITY)
			fprintf(m, "%-20s ", "unlimited");
		else
			fprintf(m, "%-20llu ", (unsigned long long)rl->rlim_cur);
		if (rl->rlim_max == RLIM_INFINITY)
			fprintf(m, "%-20s ", "unlimited");
		else
			fprintf(m, "%-20llu ", (unsigned long long)rl->rlim_max);
		if (names[i].unit)
			fprintf(m, "%-10s\n", names[i].unit);
		else
			fputc('\n', m);
	}
	return 0;
}

int proc_fill_coredump_filter(const struct proc_target *t, FILE *m)
{
	fprintf(m, "%08x\n", t->tg->coredump_filter);
	return 0;
}

/* Linux's kstrtoint/kstrtouint (base 0, an optional sign for the signed, one trailing
   newline): the number in [lo, hi], else ERANGE; anything else is EINVAL. */
static int proc_parse_number(const char *buf, long long lo, long long hi, long long *out)
{
	char *end;
	if (isspace((unsigned char)buf[0]) || (lo >= 0 && buf[0] == '-'))
		return -EINVAL;
	errno = 0;
	long long v = strtoll(buf, &end, 0);
	if (end == buf)
		return -EINVAL;
	if (*end == '\n')
		end++;
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v < lo || v > hi)
		return -ERANGE;
	*out = v;
	return 0;
}

int proc_store_coredump_filter(const struct proc_target *t, const char *buf)
{
	long long v;
	int r = proc_parse_number(buf, 0, UINT32_MAX, &v);
	if (r == 0)
		t->tg->coredump_filter = (unsigned)v;
	return r;
}

/* A thread's own process only (Linux: EINVAL for another's); the name is the process's
   here, as the sentry keeps one, with the bytes as written (a trailing newline too). */
int proc_store_comm(const struct proc_target *t, const char *buf)
{
	if (!current || current->tg != t->tg)
		return -EINVAL;
	memset(t->tg->comm, 0, sizeof(t->tg->comm));
	strncpy(t->tg->comm, buf, sizeof(t->tg->comm) - 1);
	/* ps on the host keeps the old name until the next prctl(PR_SET_NAME). */
	return 0;
}

int proc_fill_oom_score_adj(const struct proc_target *t, FILE *m)
{
	fprintf(m, "%d\n", t->tg->oom_score_adj);
	return 0;
}

/* As Linux's __set_oom_adj: -1000..1000; below the process's floor only with
   CAP_SYS_RESOURCE, whose writes also set the floor. */
int proc_store_oom_score_adj(const struct proc_target *t, const char *buf)
{
	char num[64];
	long long v;
	/* Linux strips white space around it first (strstrip). */
	while (isspace((unsigned char)*buf))
		buf++;
	size_t n = strlen(buf);
	while (n && isspace((unsigned char)buf[n - 1]))
		n--;
	memcpy(num, buf, n);
	num[n] = '\0';
	int r = proc_parse_number(num, INT_MIN, INT_MAX, &v);
	if (r < 0)
		return r;
	if (v < -1000 || v > 1000)
		return -EINVAL;
	bool privileged = current && task_capable(current, CAP_SYS_RESOURCE);
	if (v < t->tg->oom_score_adj_min && !privileged)
		return -EACCES;
	t->tg->oom_score_adj = (int)v;
	if (privileged)
		t->tg->oom_score_adj_min = (int)v;
	return 0;
}

/* The host does the I/O: the sentry counts none of it. */
int proc_fill_io(const struct proc_target *t, FILE *m)
{
	(void)t;
	fputs("rchar: 0\nwchar: 0\nsyscr: 0\nsyscw: 0\nread_bytes: 0\nwrite_bytes: 0\n"
	      "cancelled_write_bytes: 0\n", m);
	return 0;
}

/* "0": a guest's OOM score and adjustment, as a container's process has them by default
   (the host's score of guest processes is raised so that they, not the sentry, are
   chosen); the kernel's taint flags (the sandbox's kernel taints nothing). */
int proc_fill_zero(const struct proc_target *t, FILE *m)
{
	(void)t;
	fputs("0\n", m);
	return 0;
}

int proc_fill_pid_mounts(const struct proc_target *t, FILE *m)
{
	return t->task ? proc_write_mounts(t->task, m, false) : 0;
}

int proc_fill_pid_mountinfo(const struct proc_target *t, FILE *m)
{
	return t->task ? proc_write_mounts(t->task, m, true) : 0;
}

/* Where a thread sleeps in the kernel: Linux hides it ("0") from most readers too. */
int proc_fill_wchan(const struct proc_target *t, FILE *m)
{
	(void)t;
	fputc('0', m);
	return 0;
}

/* One cgroup v2 hierarchy, the sandbox at its root. */
int proc_fill_cgroup(const struct proc_target *t, FILE *m)
{
	(void)t;
	fputs("0::/\n", m);
	return 0;
}

int proc_fill_fdinfo(const struct proc_target *t, FILE *m)
{
	if (!t->task)
		return -ENOENT;
	if (!proc_may_access(t->tg))
		return -EACCES;
	struct file *f = fd_get(t->task, t->fd);
	if (!f)
		return -ENOENT;
	int64_t pos = f->pos;
	/* The flags as the guest opened and changed them (F_SETFL updates them). */
	int flags = file_status_flags(f);
	if (f->host_fd >= 0) {
		/* The sentry's copy shares the guest's open file description, and its offset. */
		off_t hpos = lseek(f->host_fd, 0, SEEK_CUR);
		pos = hpos >= 0 ? hpos : 0;
	}
	if (fd_get_cloexec(t->task, t->fd) > 0)
		flags |= O_CLOEXEC;
	fprintf(m, "pos:\t%lld\nflags:\t0%o\nmnt_id:\t%d\nino:\t%llu\n", (long long)pos,
		(unsigned)flags, f->path.mnt ? f->path.mnt->id : 0,
		(unsigned long long)(f->inode ? f->inode->ino : 0));
	if (f->ops && f->ops->show_fdinfo)
		f->ops->show_fdinfo(f, m);
	return 0;
}
