#define _GNU_SOURCE
#include "oci/cgroup.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "oci/device_filter.h"
#include "oci/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>

#define CGROUP_ROOT "/sys/fs/cgroup"

/* The mounted hierarchies: "" for a pure v2 set-up, else the names under CGROUP_ROOT (with
   a hybrid set-up's v2 one, "unified", marked in is_v2). */
struct hierarchies {
	char names[32][64];
	bool is_v2[32];
	int n;
	bool v2;
};

static int list_hierarchies(struct hierarchies *h)
{
	struct statfs sf;
	h->n = 0;
	h->v2 = false;
	if (statfs(CGROUP_ROOT, &sf) < 0)
		return oci_error(-errno, "%s: %s", CGROUP_ROOT, strerror(errno));
	if (sf.f_type == CGROUP2_SUPER_MAGIC) {
		h->v2 = true;
		h->is_v2[0] = true;
		h->names[h->n++][0] = '\0';
		return 0;
	}
	DIR *d = opendir(CGROUP_ROOT);
	if (!d)
		return oci_error(-errno, "%s: %s", CGROUP_ROOT, strerror(errno));
	/* Symlinks (cpu -> cpu,cpuacct) name a hierarchy already listed. */
	for (struct dirent *e; (e = readdir(d)) && h->n < 32;) {
		char path[PATH_MAX];
		if (e->d_type != DT_DIR || e->d_name[0] == '.' || strlen(e->d_name) >= 64)
			continue;
		snprintf(path, sizeof(path), CGROUP_ROOT "/%s", e->d_name);
		if (statfs(path, &sf) == 0 && (sf.f_type == CGROUP_SUPER_MAGIC || sf.f_type == CGROUP2_SUPER_MAGIC)) {
			h->is_v2[h->n] = sf.f_type == CGROUP2_SUPER_MAGIC;
			snprintf(h->names[h->n++], 64, "%s", e->d_name);
		}
	}
	closedir(d);
	return 0;
}

static void hierarchy_path(char *buf, size_t len, const char *hierarchy, const char *rel, const char *file)
{
	snprintf(buf, len, CGROUP_ROOT "%s%s%s%s%s", *hierarchy ? "/" : "", hierarchy, rel,
		 file ? "/" : "", file ? file : "");
}

static bool has_dotdot(const char *path)
{
	for (const char *p = path; (p = strstr(p, "..")); p += 2)
		if ((p == path || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
			return true;
	return false;
}

/* "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice" (systemd's slice nesting). */
static int expand_slice(const char *slice, char *out, size_t len)
{
	size_t used = 0;
	out[0] = '\0';
	if (!strcmp(slice, "-.slice"))
		return 0;
	size_t n = strlen(slice);
	if (n < 7 || strcmp(slice + n - 6, ".slice") || strchr(slice, '/'))
		return -EINVAL;
	for (size_t i = 0; i < n - 6; i++) {
		if (slice[i] != '-')
			continue;
		if (i == 0 || slice[i - 1] == '-' || slice[i + 1] == '.')
			return -EINVAL;
		used += (size_t)snprintf(out + used, len - used, "/%.*s.slice", (int)i, slice);
		if (used >= len)
			return -EINVAL;
	}
	used += (size_t)snprintf(out + used, len - used, "/%s", slice);
	return used < len ? 0 : -EINVAL;
}

int oci_cgroup_path(const char *cgroups_path, bool systemd, const char *id, char **rel)
{
	const char *p = cgroups_path ? cgroups_path : "";
	const char *c1 = strchr(p, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	char buf[PATH_MAX];
	int n;

	if (systemd || (c2 && !strchr(c2 + 1, ':') && !strchr(p, '/'))) {
		char slice[PATH_MAX], expanded[PATH_MAX];
		const char *prefix = "", *name = id;
		if (c2) {
			snprintf(slice, sizeof(slice), "%.*s", (int)(c1 - p), p);
			prefix = c1 + 1;
			name = c2 + 1;
		} else if (*p) {
			return oci_error(-EINVAL, "cgroupsPath %s: expected slice:prefix:name", p);
		} else {
			slice[0] = '\0';
		}
		if (expand_slice(*slice ? slice : "system.slice", expanded, sizeof(expanded)) < 0 ||
		    !*name || strchr(name, '/'))
			return oci_error(-EINVAL, "cgroupsPath %s: bad slice or name", p);
		size_t plen = c2 ? (size_t)(c2 - prefix) : 0;
		size_t nlen = strlen(name);
		if (nlen > 6 && !strcmp(name + nlen - 6, ".slice"))
			n = snprintf(buf, sizeof(buf), "%s/%s", expanded, name);
		else
			n = snprintf(buf, sizeof(buf), "%s/%.*s%s%s.scope", expanded, (int)plen, prefix,
				     plen ? "-" : "", name);
	} else if (*p) {
		n = snprintf(buf, sizeof(buf), "%s%s", p[0] == '/' ? "" : "/", p);
	} else {
		n = snprintf(buf, sizeof(buf), "/runsc-c/%s", id);
	}
	if (n < 0 || (size_t)n >= sizeof(buf) - 64 || has_dotdot(buf) || !strcmp(buf, "/"))
		return oci_error(-EINVAL, "cgroupsPath %s is not usable", p);
	while (n > 1 && buf[n - 1] == '/')
		buf[--n] = '\0';
	*rel = strdup(buf);
	return *rel ? 0 : -ENOMEM;
}

static int write_file(const char *path, const char *value)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, value, strlen(value)) < 0)
		return -errno;
	return 0;
}

static int write_cg(const char *hierarchy, const char *rel, const char *file, const char *value)
{
	char path[PATH_MAX];
	hierarchy_path(path, sizeof(path), hierarchy, rel, file);
	int r = write_file(path, value);
	if (r < 0)
		return oci_error(r, "cgroup: writing %s to %s: %s", value, path, strerror(-r));
	log_debug("cgroup: %s = %s", path, value);
	return 0;
}

static bool cg_has(const char *hierarchy, const char *rel, const char *file)
{
	char path[PATH_MAX];
	hierarchy_path(path, sizeof(path), hierarchy, rel, file);
	return access(path, F_OK) == 0;
}

/* A new cpuset cgroup has no CPUs or memory nodes: it takes its parent's. */
static int cpuset_inherit(const char *dir)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		char path[PATH_MAX], value[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd < 0 ? -1 : read(fd, value, sizeof(value) - 1);
		if (n > 1)
			continue;
		snprintf(path, sizeof(path), "%s/../%s", dir, files[i]);
		_cleanup_close_ int pfd = open(path, O_RDONLY | O_CLOEXEC);
		n = pfd < 0 ? -1 : read(pfd, value, sizeof(value) - 1);
		if (n <= 0)
			return -EIO;
		value[n] = '\0';
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		int r = write_file(path, value);
		if (r < 0)
			return r;
	}
	return 0;
}

/* mkdir -p of the cgroup in one hierarchy; on v2 the controllers are enabled on the way. */
static int make_dirs(const char *hierarchy, const char *rel, bool v2)
{
	char path[PATH_MAX], *p;
	hierarchy_path(path, sizeof(path), hierarchy, rel, NULL);
	size_t base = strlen(path) - strlen(rel);
	for (p = path + base + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		if (v2) {
			/* Enable in the parent what the child needs (not every controller may be there). */
			char *slash = strrchr(path, '/'), ctl[PATH_MAX];
			*slash = '\0';
			snprintf(ctl, sizeof(ctl), "%s/cgroup.subtree_control", path);
			*slash = '/';
			static const char *const controllers[] = { "+memory", "+pids", "+cpu" };
			for (size_t i = 0; i < ARRAY_SIZE(controllers); i++)
				write_file(ctl, controllers[i]);
		}
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return oci_error(-errno, "cgroup: mkdir %s: %s", path, strerror(errno));
		if (!strcmp(hierarchy, "cpuset") && cpuset_inherit(path) < 0)
			return oci_error(-EIO, "cgroup: cannot set up cpuset %s", path);
		*p = saved;
		if (!saved)
			return 0;
	}
}

/* Everything denied first; after the config's rules, Linux's own defaults that runc always
   allows: null, zero, full, random, urandom, tty, console, ptmx and the pty slaves. */
static const struct oci_device_rule deny_all = { false, 'a', -1, -1, "rwm" };
static const struct oci_device_rule default_devices[] = {
	{ true, 'c', 1, 3, "rwm" }, { true, 'c', 1, 5, "rwm" }, { true, 'c', 1, 7, "rwm" },
	{ true, 'c', 1, 8, "rwm" }, { true, 'c', 1, 9, "rwm" }, { true, 'c', 5, 0, "rwm" },
	{ true, 'c', 5, 1, "rwm" }, { true, 'c', 5, 2, "rwm" }, { true, 'c', 136, -1, "rwm" },
};

static void device_number(char *buf, size_t len, int64_t n)
{
	if (n < 0)
		snprintf(buf, len, "*");
	else
		snprintf(buf, len, "%" PRId64, n);
}

/* The rules a container's cgroup gets, in order: deny_all, the config's, the defaults
   (malloc'd). */
static struct oci_device_rule *device_rules(const struct oci_resources *res, size_t *n)
{
	struct oci_device_rule *all = calloc(1 + res->ndevices + ARRAY_SIZE(default_devices), sizeof(*all));
	if (!all)
		return NULL;
	all[0] = deny_all;
	if (res->ndevices)
		memcpy(all + 1, res->devices, res->ndevices * sizeof(*all));
	memcpy(all + 1 + res->ndevices, default_devices, sizeof(default_devices));
	*n = 1 + res->ndevices + ARRAY_SIZE(default_devices);
	return all;
}

static int apply_devices_v1(const char *rel, const struct oci_resources *res)
{
	size_t n = 0;
	_cleanup_free_ struct oci_device_rule *rules = device_rules(res, &n);
	int r = rules ? 0 : -ENOMEM;
	for (size_t i = 0; r == 0 && i < n; i++) {
		const struct oci_device_rule *d = &rules[i];
		char rule[64], major[24], minor[24];
		device_number(major, sizeof(major), d->major);
		device_number(minor, sizeof(minor), d->minor);
		if (d->type == 'a')
			snprintf(rule, sizeof(rule), "a");
		else
			snprintf(rule, sizeof(rule), "%c %s:%s %s", d->type, major, minor, d->access);
		r = write_cg("devices", rel, d->allow ? "devices.allow" : "devices.deny", rule);
	}
	return r;
}

/* On a v2 hierarchy (the whole set-up's, or a hybrid one's "unified"), the same rules as a
   BPF program attached to the cgroup. */
static int apply_devices_v2(const char *hierarchy, const char *rel, const struct oci_resources *res)
{
	char dir[PATH_MAX];
	size_t n = 0;
	hierarchy_path(dir, sizeof(dir), hierarchy, rel, NULL);
	_cleanup_free_ struct oci_device_rule *rules = device_rules(res, &n);
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (!rules)
		return -ENOMEM;
	if (fd < 0)
		return oci_error(-errno, "%s: %s", dir, strerror(errno));
	int r = oci_device_filter_attach(fd, rules, n);
	return r < 0 ? oci_error(r, "%s: the device rules' BPF program: %s", dir, strerror(-r)) : 0;
}

static int apply_v1(const char *hierarchy, const char *rel, const struct oci_resources *res,
		    bool with_devices)
{
	char v[64];
	int r = 0;
	if (!strcmp(hierarchy, "memory") && res->memory_limit > 0) {
		bool memsw = res->memory_swap != 0 && cg_has(hierarchy, rel, "memory.memsw.limit_in_bytes");
		char sw[64];
		snprintf(v, sizeof(v), "%" PRId64, res->memory_limit);
		snprintf(sw, sizeof(sw), "%" PRId64, res->memory_swap);
		/* memory+swap may never be below memory: which goes first depends on the direction. */
		if (memsw && res->memory_swap == -1)
			r = write_cg(hierarchy, rel, "memory.memsw.limit_in_bytes", sw);
		if (r == 0)
			r = write_cg(hierarchy, rel, "memory.limit_in_bytes", v);
		if (r == 0 && memsw && res->memory_swap != -1)
			r = write_cg(hierarchy, rel, "memory.memsw.limit_in_bytes", sw);
	}
	if (r == 0 && !strcmp(hierarchy, "pids") && res->pids_limit != -1) {
		if (res->pids_limit > 0)
			snprintf(v, sizeof(v), "%" PRId64, OCI_CGROUP_PIDS_MAX(res->pids_limit));
		else
			snprintf(v, sizeof(v), "max");
		r = write_cg(hierarchy, rel, "pids.max", v);
	}
	if (r == 0 && cg_has(hierarchy, rel, "cpu.shares")) {
		if (res->cpu_shares > 0) {
			snprintf(v, sizeof(v), "%" PRId64, res->cpu_shares);
			r = write_cg(hierarchy, rel, "cpu.shares", v);
		}
		if (r == 0 && res->cpu_period > 0) {
			snprintf(v, sizeof(v), "%" PRId64, res->cpu_period);
			r = write_cg(hierarchy, rel, "cpu.cfs_period_us", v);
		}
		if (r == 0 && res->cpu_quota != -1 && res->cpu_quota != 0) {
			snprintf(v, sizeof(v), "%" PRId64, res->cpu_quota);
			r = write_cg(hierarchy, rel, "cpu.cfs_quota_us", v);
		}
	}
	if (r == 0 && with_devices && !strcmp(hierarchy, "devices"))
		r = apply_devices_v1(rel, res);
	return r;
}

static int apply_v2(const char *rel, const struct oci_resources *res)
{
	char v[64];
	int r = 0;
	if (res->memory_limit > 0) {
		snprintf(v, sizeof(v), "%" PRId64, res->memory_limit);
		r = write_cg("", rel, "memory.max", v);
		if (r == 0 && res->memory_swap > 0 && cg_has("", rel, "memory.swap.max")) {
			int64_t swap = res->memory_swap > res->memory_limit ? res->memory_swap - res->memory_limit : 0;
			snprintf(v, sizeof(v), "%" PRId64, swap);
			r = write_cg("", rel, "memory.swap.max", v);
		}
	}
	if (r == 0 && res->pids_limit != -1) {
		if (res->pids_limit > 0)
			snprintf(v, sizeof(v), "%" PRId64, OCI_CGROUP_PIDS_MAX(res->pids_limit));
		else
			snprintf(v, sizeof(v), "max");
		r = write_cg("", rel, "pids.max", v);
	}
	if (r == 0 && res->cpu_shares > 0) {
		/* runc's mapping of shares [2, 262144] onto weights [1, 10000]. */
		int64_t weight = 1 + ((res->cpu_shares - 2) * 9999) / 262142;
		snprintf(v, sizeof(v), "%" PRId64, weight < 1 ? 1 : weight);
		r = write_cg("", rel, "cpu.weight", v);
	}
	if (r == 0 && (res->cpu_quota > 0 || res->cpu_period > 0)) {
		if (res->cpu_quota > 0)
			snprintf(v, sizeof(v), "%" PRId64 " %" PRId64, res->cpu_quota,
				 res->cpu_period > 0 ? res->cpu_period : 100000);
		else
			snprintf(v, sizeof(v), "max %" PRId64, res->cpu_period);
		r = write_cg("", rel, "cpu.max", v);
	}
	return r;
}

static int apply(const struct hierarchies *h, const char *rel, const struct oci_resources *res,
		 bool with_devices)
{
	int r = h->v2 ? apply_v2(rel, res) : 0;
	for (int i = 0; r == 0 && i < h->n; i++) {
		if (h->is_v2[i])
			r = with_devices ? apply_devices_v2(h->names[i], rel, res) : 0;
		else
			r = apply_v1(h->names[i], rel, res, with_devices);
	}
	return r;
}

int oci_cgroup_create(const char *rel, const struct oci_resources *res)
{
	struct hierarchies h;
	int r = list_hierarchies(&h);
	for (int i = 0; r == 0 && i < h.n; i++)
		r = make_dirs(h.names[i], rel, h.v2);
	if (r == 0)
		r = apply(&h, rel, res, true);
	if (r < 0)
		oci_cgroup_destroy(rel);
	return r;
}

int oci_cgroup_apply(const char *rel, const struct oci_resources *res)
{
	struct hierarchies h;
	int r = list_hierarchies(&h);
	/* Device rules are fixed at create: rewriting them would open a window. */
	return r < 0 ? r : apply(&h, rel, res, false);
}

int oci_cgroup_enter(const char *rel)
{
	struct hierarchies h;
	char pid[32];
	int r = list_hierarchies(&h);
	snprintf(pid, sizeof(pid), "%d", getpid());
	for (int i = 0; r == 0 && i < h.n; i++)
		r = write_cg(h.names[i], rel, "cgroup.procs", pid);
	return r;
}

/* SIGKILLs every process listed; returns how many there were. */
static int kill_procs(const char *hierarchy, const char *rel)
{
	char path[PATH_MAX];
	int n = 0;
	hierarchy_path(path, sizeof(path), hierarchy, rel, "cgroup.procs");
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	for (long pid; fscanf(f, "%ld", &pid) == 1; n++)
		if (pid > 0 && pid != getpid())
			kill((pid_t)pid, SIGKILL);
	fclose(f);
	return n;
}

int oci_cgroup_destroy(const char *rel)
{
	struct hierarchies h;
	int r = list_hierarchies(&h);
	if (r < 0)
		return r;
	/* Bounded: the killed processes leave within milliseconds; 5 s is a stuck kernel. */
	for (int attempt = 0; attempt < 500; attempt++) {
		bool busy = false;
		for (int i = 0; i < h.n; i++) {
			char path[PATH_MAX];
			hierarchy_path(path, sizeof(path), h.names[i], rel, NULL);
			kill_procs(h.names[i], rel);
			if (rmdir(path) < 0 && errno != ENOENT)
				busy = true;
		}
		if (!busy)
			return 0;
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
	return oci_error(-EBUSY, "cgroup %s: cannot be removed (processes left)", rel);
}

static pid_t cgroup_run_child;

/* A SIGTERM or SIGHUP (timeout(1), a closed terminal) ends the child, whose sandbox goes
   with it; this process still removes the cgroup. */
static void forward_to_child(int sig)
{
	kill(cgroup_run_child, sig);
}

int oci_cgroup_run(const char *rel, const struct oci_resources *res, int (*run)(void *), void *arg)
{
	int r = oci_cgroup_create(rel, res);
	if (r < 0)
		return r;
	/* A child joins it, so that this process stays outside what destroy kills. */
	pid_t pid = fork();
	if (pid < 0) {
		r = -errno;
		oci_cgroup_destroy(rel);
		return r;
	}
	if (pid == 0) {
		r = oci_cgroup_enter(rel);
		_exit(r < 0 ? 125 : run(arg));
	}
	/* The terminal's signals are the guest's (run's own process group); this one waits. */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	cgroup_run_child = pid;
	signal(SIGTERM, forward_to_child);
	signal(SIGHUP, forward_to_child);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	oci_cgroup_destroy(rel);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
