/* A process's memory in /proc as programs read it: /proc/self/maps names each of this
   program's own mappings (a file of the root file system with an offset, anonymous memory
   partly mprotected, a shared memfd, shared anonymous memory, System V shared memory, a file
   unlinked while mapped)
   with the perms, offset, name, device and inode Linux gives (the last two compared with
   stat(2) of the file); [stack] holds a local variable, as does the stack pthread_getattr_np
   finds for the main thread (glibc reads maps for it); VmRSS grows by what the program
   touches, statm, stat and smaps_rollup agree with status; a thread's task/TID/maps is the
   process's; a zombie has empty maps and no memory lines. Each check prints one line: the
   test compares them with a native run. Usage: mapscheck FILE (a file of 2 pages or more). */
#define _GNU_SOURCE
#include "lib/guest_check.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096UL
#define TOUCH_MB 32

static char text[1 << 20];

/* A whole /proc file into text (no malloc: the process's memory stays as it is). */
static size_t read_proc(const char *path)
{
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	for (;;) {
		ssize_t n = read(fd, text + len, sizeof(text) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	text[len] = '\0';
	return len;
}

struct vma {
	uintptr_t start, end;
	char perms[5];
	unsigned long long offset, ino;
	unsigned maj, min;
	char name[512];
};

/* The line of maps (in text) for the mapping that starts at addr, or (contains) holds it. */
static bool find_vma(uintptr_t addr, bool contains, struct vma *v)
{
	for (char *line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		char one[sizeof(v->name) + 128];
		const char *e = strchr(line, '\n');
		size_t len = e ? (size_t)(e - line) : strlen(line);
		int n = -1;
		if (len >= sizeof(one))
			continue;
		memcpy(one, line, len);
		one[len] = '\0';
		memset(v, 0, sizeof(*v));
		if (sscanf(one, "%lx-%lx %4s %llx %x:%x %llu %n", &v->start, &v->end, v->perms,
			   &v->offset, &v->maj, &v->min, &v->ino, &n) != 7 || n < 0)
			continue;
		if (contains ? (addr >= v->start && addr < v->end) : v->start == addr) {
			snprintf(v->name, sizeof(v->name), "%s", one + n);
			return true;
		}
	}
	return false;
}

/* Prints a mapping of ours: perms, offset, name, and whether device and inode are st's. */
static void show(const char *label, void *addr, const struct stat *st)
{
	struct vma v;
	read_proc("/proc/self/maps");
	if (!find_vma((uintptr_t)addr, false, &v)) {
		say("%s: not in maps", label);
		return;
	}
	say("%s: %s %08llx %s", label, v.perms, v.offset, v.name[0] ? v.name : "-");
	if (st)
		say("%s: device and inode as stat: %s", label,
		    yesno(makedev(v.maj, v.min) == st->st_dev && v.ino == st->st_ino));
	else
		say("%s: device and inode 0: %s", label, yesno(v.maj == 0 && v.min == 0 && v.ino == 0));
}

/* A "Key: N" number from text (status, smaps_rollup), -1 if missing. */
static long long field(const char *from, const char *key)
{
	size_t klen = strlen(key);
	for (const char *line = from; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
		if (!strncmp(line, key, klen) && line[klen] == ':')
			return strtoll(line + klen + 1, NULL, 10);
	return -1;
}

static long long status_field(const char *path, const char *key)
{
	read_proc(path);
	return field(text, key);
}

static bool near(long long a, long long b, long long slack)
{
	return a >= b - slack && a <= b + slack;
}

static void check_files(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		say("open %s: %s", path, en(errno));
		return;
	}
	void *file = mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE, fd, PAGE);
	close(fd);
	if (file == MAP_FAILED)
		say("mmap file: %s", en(errno));
	else
		show("file", file, &st);

	/* Anonymous, its middle page made read-only: three mappings. */
	char *anon = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (anon == MAP_FAILED || mprotect(anon + PAGE, PAGE, PROT_READ) < 0) {
		say("anon: %s", en(errno));
	} else {
		show("anon", anon, NULL);
		show("anon+1", anon + PAGE, NULL);
		show("anon+2", anon + 2 * PAGE, NULL);
	}

	int mfd = memfd_create("mapscheck", MFD_CLOEXEC);
	void *shared = MAP_FAILED;
	if (mfd >= 0 && ftruncate(mfd, (off_t)PAGE) == 0 && fstat(mfd, &st) == 0)
		shared = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	if (shared == MAP_FAILED) {
		say("memfd: %s", en(errno));
	} else {
		show("memfd", shared, &st);
	}
	if (mfd >= 0)
		close(mfd);

	void *zero = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (zero == MAP_FAILED) {
		say("shared anon: %s", en(errno));
	} else {
		struct vma v;
		read_proc("/proc/self/maps");
		if (find_vma((uintptr_t)zero, false, &v))
			say("shared anon: %s %08llx %s device %02x:%02x", v.perms, v.offset, v.name, v.maj, v.min);
		else
			say("shared anon: not in maps");
	}

	/* System V shared memory: /SYSV<key> (deleted) on the shm mount, the id as inode. */
	int id = shmget(IPC_PRIVATE, PAGE, IPC_CREAT | 0600);
	void *seg = id < 0 ? (void *)-1 : shmat(id, NULL, 0);
	if (seg == (void *)-1) {
		say("shm: %s", en(errno));
	} else {
		struct vma v;
		read_proc("/proc/self/maps");
		if (find_vma((uintptr_t)seg, false, &v))
			say("shm: %s %08llx %s device %02x:%02x inode is the id: %s", v.perms, v.offset,
			    v.name, v.maj, v.min, yesno(v.ino == (unsigned long long)id));
		else
			say("shm: not in maps");
		shmdt(seg);
	}
	if (id >= 0)
		shmctl(id, IPC_RMID, NULL);

	/* A file of our own, mapped shared, then unlinked: "(deleted)". */
	const char *tmp = "/tmp/mapscheck.data";
	int tfd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	void *tmap = MAP_FAILED;
	if (tfd >= 0 && ftruncate(tfd, (off_t)(2 * PAGE)) == 0 && fstat(tfd, &st) == 0)
		tmap = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, tfd, 0);
	if (tmap == MAP_FAILED) {
		say("tmp file: %s", en(errno));
	} else {
		show("tmp file", tmap, &st);
		unlink(tmp);
		show("tmp file unlinked", tmap, &st);
	}
	if (tfd >= 0)
		close(tfd);
}

static void check_stacks(void)
{
	int local = 0;
	struct vma v;
	read_proc("/proc/self/maps");
	say("[stack] holds a local: %s",
	    yesno(find_vma((uintptr_t)&local, true, &v) && !strcmp(v.name, "[stack]")));
	read_proc("/proc/self/maps");
	say("the program's own code is named: %s",
	    yesno(find_vma((uintptr_t)check_stacks, true, &v) && v.name[0] == '/' && strchr(v.perms, 'x')));

	pthread_attr_t attr;
	void *addr;
	size_t size;
	int r = pthread_getattr_np(pthread_self(), &attr);
	if (r == 0)
		r = pthread_attr_getstack(&attr, &addr, &size);
	say("pthread_getattr_np on the main thread: %s", r ? en(r) : "ok");
	if (r == 0) {
		say("its stack holds a local: %s",
		    yesno((uintptr_t)&local >= (uintptr_t)addr && (uintptr_t)&local < (uintptr_t)addr + size));
		pthread_attr_destroy(&attr);
	}
}

static void check_figures(void)
{
	long long rss0 = status_field("/proc/self/status", "VmRSS");
	char *big = mmap(NULL, TOUCH_MB << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (big == MAP_FAILED) {
		say("mmap %d MiB: %s", TOUCH_MB, en(errno));
		return;
	}
	memset(big, 1, (size_t)TOUCH_MB << 20);
	long long rss1 = status_field("/proc/self/status", "VmRSS");
	long long grew = rss1 - rss0;
	say("VmRSS grew by the %d MiB touched: %s", TOUCH_MB,
	    yesno(grew >= (TOUCH_MB << 10) && grew <= (TOUCH_MB << 10) + 2048));

	/* smaps: the touched region is all resident and anonymous. */
	read_proc("/proc/self/smaps");
	char head[32];
	snprintf(head, sizeof(head), "%08lx-", (unsigned long)big);
	char *at = strstr(text, head);
	say("smaps: the region's Rss and Anonymous are its size: %s",
	    yesno(at && field(at, "Size") == TOUCH_MB << 10 && field(at, "Rss") == TOUCH_MB << 10 &&
		  field(at, "Anonymous") == TOUCH_MB << 10));

	/* statm, stat and smaps_rollup against status, read back to back. */
	long long vmsize = status_field("/proc/self/status", "VmSize");
	long long vmrss = status_field("/proc/self/status", "VmRSS");
	unsigned long long sm[7] = { 0 };
	read_proc("/proc/self/statm");
	int n = sscanf(text, "%llu %llu %llu %llu %llu %llu %llu", &sm[0], &sm[1], &sm[2], &sm[3], &sm[4],
		       &sm[5], &sm[6]);
	say("statm has 7 numbers: %s", yesno(n == 7));
	say("statm size is VmSize: %s", yesno((long long)sm[0] * 4 == vmsize));
	say("statm resident is VmRSS: %s", yesno(near((long long)sm[1] * 4, vmrss, 256)));
	long long data = status_field("/proc/self/status", "VmData");
	long long stk = status_field("/proc/self/status", "VmStk");
	say("statm data is VmData + VmStk: %s", yesno((long long)sm[5] * 4 == data + stk));

	read_proc("/proc/self/stat");
	char *p = strrchr(text, ')');
	unsigned long long vsize = 0, rss = 0;
	for (int i = 3; p && i <= 24; i++) {
		p = strchr(p + 1, ' ');
		if (p && i == 23)
			vsize = strtoull(p + 1, NULL, 10);
		if (p && i == 24)
			rss = strtoull(p + 1, NULL, 10);
	}
	say("stat vsize is VmSize: %s", yesno((long long)(vsize >> 10) == vmsize));
	say("stat rss is VmRSS: %s", yesno(near((long long)rss * 4, vmrss, 256)));
	read_proc("/proc/self/smaps_rollup");
	say("smaps_rollup Rss is VmRSS: %s", yesno(near(field(text, "Rss"), vmrss, 256)));
	munmap(big, TOUCH_MB << 20);
}

/* The thread says its tid on one pipe and waits for the other to close. */
struct idle {
	int ready, go;
	pid_t tid;
};

static void *idle_thread(void *arg)
{
	struct idle *idle = arg;
	char c;
	idle->tid = gettid();
	write_int(idle->ready, 1);
	ssize_t n = read(idle->go, &c, 1);
	(void)n;
	return NULL;
}

static char task_maps[sizeof(text)];

static void check_thread(void)
{
	int ready[2], go[2];
	pthread_t th;
	if (pipe(ready) < 0 || pipe(go) < 0) {
		say("pipe: %s", en(errno));
		return;
	}
	struct idle idle = { ready[1], go[0], 0 };
	int r = pthread_create(&th, NULL, idle_thread, &idle);
	if (r) {
		say("thread: %s", en(r));
		return;
	}
	read_int(ready[0]);
	pid_t tid = idle.tid;
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/task/%d/maps", tid);
	size_t n = read_proc(path);
	memcpy(task_maps, text, n + 1);
	read_proc("/proc/self/maps");
	say("task/TID/maps is the process's: %s", yesno(tid && n > 0 && !strcmp(task_maps, text)));
	snprintf(path, sizeof(path), "/proc/self/task/%d/status", tid);
	long long vmsize = status_field(path, "VmSize");
	say("task/TID/status VmSize is the process's: %s",
	    yesno(vmsize > 0 && vmsize == status_field("/proc/self/status", "VmSize")));
	close(go[1]);
	pthread_join(th, NULL);
	close(go[0]);
	close(ready[0]);
	close(ready[1]);
}

static void check_zombie(void)
{
	pid_t pid = xfork();
	if (pid == 0)
		_exit(0);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	bool zombie = false;
	for (int i = 0; i < 6000 && !zombie; i++) {
		read_proc(path);
		char *p = strrchr(text, ')');
		zombie = p && p[1] == ' ' && p[2] == 'Z';
		if (!zombie)
			msleep(10);
	}
	say("child is a zombie: %s", yesno(zombie));
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	say("zombie maps empty: %s", yesno(read_proc(path) == 0));
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	read_proc(path);
	say("zombie status has no VmSize: %s", yesno(field(text, "VmSize") < 0));
	snprintf(path, sizeof(path), "/proc/%d/statm", pid);
	read_proc(path);
	say("zombie statm: %s", text[0] ? strtok(text, "\n") : "-");
	wait_status(pid);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: mapscheck FILE\n");
		return 2;
	}
	check_files(argv[1]);
	check_stacks();
	check_figures();
	check_thread();
	check_zombie();
	return 0;
}
