/* A process's memory in /proc/PID: maps, smaps, smaps_rollup, statm and the memory lines of
   status and stat. The host holds the guest's address space (each guest process is a host
   process), so these come from the host's /proc files of that process, which the spawner
   opens for the sentry (spawner.h: the confined sentry opens no paths), one round trip per
   open of the guest's file. The host's text is parsed, never passed through: a mapping's
   host device, inode and path are replaced by the guest's (vfs_mapped_find); a mapping of a
   host object the sentry never named shows no name, device or inode, like anonymous memory.
   The kernel's own names ([heap], [stack], [vdso], [vvar], [vsyscall], [anon:NAME], ...) are
   kept as they are. */
#define _GNU_SOURCE
#include "sentry/fs/procfs_internal.h"
#include "sentry/kernel.h"
#include "sentry/spawner.h"
#include "sentry/task/task.h"
#include "sentry/vfs/vfs.h"
#include "common/cleanup.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* A maps line's name starts at this column (Linux's seq_setwidth(25 + 6 * 8 - 1) and pad). */
#define MAPS_NAME_COLUMN 73
/* The host's /proc files of one process are small, but a process with many mappings has a
   long smaps: enough for 64k mappings' headers. */
#define HOST_PROC_MAX (64u << 20)

/* The host's /proc/<pid>/<file> of tg's process, whole and NUL-terminated. */
static int host_proc_read(const struct thread_group *tg, enum spawner_proc_file file, char **out,
			  size_t *out_len)
{
	if (tg->pidfd < 0)
		return -ESRCH;
	_cleanup_close_ int fd = spawner_proc_open(tg->pidfd, file);
	if (fd < 0)
		return fd;
	size_t cap = 16384, len = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (!buf)
			return -ENOMEM;
		if (cap - len < 4096) {
			char *bigger = cap < HOST_PROC_MAX ? realloc(buf, cap * 2) : NULL;
			if (!bigger) {
				free(buf);
				return cap < HOST_PROC_MAX ? -ENOMEM : -EFBIG;
			}
			buf = bigger;
			cap *= 2;
		}
		ssize_t n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = -errno;
			free(buf);
			return e;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	return 0;
}

/* The host's file for a live process; none for a zombie (Linux has no memory to show). */
static int proc_host_text(const struct proc_target *t, enum spawner_proc_file file, char **out)
{
	size_t len;
	*out = NULL;
	if (!t->task || t->tg->exited)
		return 0;
	int r = host_proc_read(t->tg, file, out, &len);
	return r == -ESRCH ? 0 : r;	/* gone meanwhile: as a zombie */
}

/* Is name one of the kernel's bracketed names for a mapping without a file? */
static bool kernel_vma_name(const char *name)
{
	size_t len = strlen(name);
	return len >= 2 && name[0] == '[' && name[len - 1] == ']' && !strchr(name, '\n');
}

/* One mapping's line, the host's translated; false if the line is not one. */
static bool put_vma_header(FILE *m, char *line)
{
	unsigned long long start, end, offset, host_ino;
	unsigned maj, min;
	char perms[5];
	int n = -1;

	if (sscanf(line, "%llx-%llx %4s %llx %x:%x %llu %n", &start, &end, perms, &offset, &maj, &min,
		   &host_ino, &n) != 7 || n < 0)
		return false;
	const char *host_name = line + n;
	struct mapped_name found = { 0 };
	const char *name = NULL;
	if (*host_name == '[') {
		if (kernel_vma_name(host_name))
			name = host_name;
		/* 00:00 0, but for named shared anonymous memory: the kernel's own shmem inode. */
		if (maj == 0)
			found = (struct mapped_name){ .dev = makedev(0, min), .ino = host_ino };
	} else if (*host_name && vfs_mapped_find(makedev(maj, min), host_ino, &found)) {
		name = found.name;
	} else if (!strcmp(host_name, "/dev/zero (deleted)") && maj == 0 && min == 1) {
		/* A shared mapping of /dev/zero: new shared memory, named so by the kernel. */
		name = host_name;
		found = (struct mapped_name){ .dev = makedev(0, 1), .ino = host_ino };
	}
	int w = fprintf(m, "%08llx-%08llx %s %08llx %02x:%02x %llu ", start, end, perms, offset,
			name ? major(found.dev) : 0, name ? minor(found.dev) : 0,
			name ? (unsigned long long)found.ino : 0ULL);
	if (name) {
		fprintf(m, "%*s%s", w < MAPS_NAME_COLUMN ? MAPS_NAME_COLUMN - w : 1, "", name);
		size_t len = strlen(name);
		if (found.deleted && (len < 10 || strcmp(name + len - 10, " (deleted)")))
			fputs(" (deleted)", m);
	}
	fputc('\n', m);
	return true;
}

/* A "Key: value" line of smaps (or status): a capitalised word, a colon, no more. */
static bool key_line(const char *line)
{
	if (*line < 'A' || *line > 'Z')
		return false;
	while ((*line >= 'A' && *line <= 'Z') || (*line >= 'a' && *line <= 'z') || *line == '_' ||
	       (*line >= '0' && *line <= '9'))
		line++;
	return *line == ':';
}

/* maps, smaps and smaps_rollup: the host's, line by line. */
static int proc_fill_vmas(const struct proc_target *t, FILE *m, enum spawner_proc_file file)
{
	if (!proc_may_access(t->tg))
		return -EACCES;
	_cleanup_free_ char *text = NULL;
	int r = proc_host_text(t, file, &text);
	if (r < 0 || !text)
		return r;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (!put_vma_header(m, line) && file != SPAWNER_PROC_MAPS && key_line(line))
			fprintf(m, "%s\n", line);
	return 0;
}

int proc_fill_maps(const struct proc_target *t, FILE *m)
{
	return proc_fill_vmas(t, m, SPAWNER_PROC_MAPS);
}

int proc_fill_smaps(const struct proc_target *t, FILE *m)
{
	return proc_fill_vmas(t, m, SPAWNER_PROC_SMAPS);
}

int proc_fill_smaps_rollup(const struct proc_target *t, FILE *m)
{
	return proc_fill_vmas(t, m, SPAWNER_PROC_SMAPS_ROLLUP);
}

/* statm's seven numbers (pages): size resident shared text lib data dt. */
static int proc_statm(const struct proc_target *t, unsigned long long v[7])
{
	_cleanup_free_ char *text = NULL;
	memset(v, 0, 7 * sizeof(v[0]));
	int r = proc_host_text(t, SPAWNER_PROC_STATM, &text);
	if (r < 0 || !text)
		return r;
	if (sscanf(text, "%llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
		   &v[5], &v[6]) != 7)
		return -EIO;
	return 0;
}

int proc_fill_statm(const struct proc_target *t, FILE *m)
{
	unsigned long long v[7];
	int r = proc_statm(t, v);
	if (r < 0)
		return r;
	fprintf(m, "%llu %llu %llu %llu %llu %llu %llu\n", v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
	return 0;
}

void proc_stat_memory(const struct proc_target *t, unsigned long long *vsize, unsigned long long *rss)
{
	unsigned long long v[7];
	*vsize = *rss = 0;
	if (proc_statm(t, v) == 0) {
		*vsize = v[0] * (unsigned long long)sysconf(_SC_PAGESIZE);
		*rss = v[1];
	}
}

void proc_put_status_memory(const struct proc_target *t, FILE *m)
{
	static const char *const vm[] = { "VmPeak", "VmSize", "VmLck", "VmPin", "VmHWM", "VmRSS",
		"RssAnon", "RssFile", "RssShmem", "VmData", "VmStk", "VmExe", "VmLib", "VmPTE",
		"VmSwap", "HugetlbPages" };
	_cleanup_free_ char *text = NULL;
	if (proc_host_text(t, SPAWNER_PROC_STATUS, &text) < 0 || !text)
		return;
	for (size_t i = 0; i < sizeof(vm) / sizeof(vm[0]); i++) {
		unsigned long long kb = 0;
		size_t len = strlen(vm[i]);
		for (const char *line = text; line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
			if (!strncmp(line, vm[i], len) && line[len] == ':') {
				sscanf(line + len + 1, "%llu", &kb);
				break;
			}
		fprintf(m, "%s:\t%8llu kB\n", vm[i], kb);
	}
}
