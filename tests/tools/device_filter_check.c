/* The cgroup v2 device program (oci/device_filter.c) against cgroup v1's devices controller:
   for each case, a list of rules in the order runc writes them, a child in a new cgroup of
   each kind tries the same opens and mknods, and prints what it got, one line per kind:
     CASE v1: null:r=ok null:w=EPERM ...
     CASE v2: null:r=ok null:w=EPERM ...
   Usage: device_filter_check V1_DEVICES_ROOT V2_ROOT (e.g. /sys/fs/cgroup/devices
   /sys/fs/cgroup/unified). Needs root. */
#define _GNU_SOURCE
#include "oci/device_filter.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#define ALLOW(t, ma, mi, acc) { true, t, ma, mi, acc }
#define DENY(t, ma, mi, acc) { false, t, ma, mi, acc }

static const struct test_case {
	const char *name;
	struct oci_device_rule rules[8];
	size_t n;
} cases[] = {
	{ "deny-all-allow-zero", { DENY('a', -1, -1, "rwm"), ALLOW('c', 1, 5, "rwm") }, 2 },
	{ "major-wildcard-read", { DENY('a', -1, -1, "rwm"), ALLOW('c', 1, -1, "r") }, 2 },
	{ "allow-all-deny-null-write", { ALLOW('a', -1, -1, "rwm"), DENY('c', 1, 3, "w") }, 2 },
	{ "mknod-any-char", { DENY('a', -1, -1, "rwm"), ALLOW('c', -1, -1, "m"), ALLOW('c', 1, 7, "rw") }, 3 },
	{ "allow-then-take-back", { DENY('a', -1, -1, "rwm"), ALLOW('c', 1, 3, "rwm"), DENY('c', 1, 3, "w") }, 3 },
	{ "block-only", { DENY('a', -1, -1, "rwm"), ALLOW('b', -1, -1, "rwm") }, 2 },
	{ "any-type", { DENY('a', -1, -1, "rwm"), ALLOW('a', 1, 9, "r") }, 2 },
	{ "runc-defaults", { DENY('a', -1, -1, "rwm"), ALLOW('c', 1, 3, "rwm"), ALLOW('c', 1, 5, "rwm"),
			     ALLOW('c', 1, 7, "rwm"), ALLOW('c', 1, 8, "rwm"), ALLOW('c', 1, 9, "rwm"),
			     ALLOW('c', 136, -1, "rwm") }, 7 },
};

/* What a child tries: open a device with an access mode, or make a node of it. */
static const struct probe {
	const char *name;
	const char *path;	/* NULL: mknod of type/major/minor */
	int flags;
	mode_t type;
	unsigned major, minor;
} probes[] = {
	{ "null:r", "/dev/null", O_RDONLY, 0, 0, 0 },
	{ "null:w", "/dev/null", O_WRONLY, 0, 0, 0 },
	{ "null:rw", "/dev/null", O_RDWR, 0, 0, 0 },
	{ "zero:r", "/dev/zero", O_RDONLY, 0, 0, 0 },
	{ "zero:w", "/dev/zero", O_WRONLY, 0, 0, 0 },
	{ "full:rw", "/dev/full", O_RDWR, 0, 0, 0 },
	{ "urandom:r", "/dev/urandom", O_RDONLY, 0, 0, 0 },
	{ "mknod-c-1:3", NULL, 0, S_IFCHR, 1, 3 },
	{ "mknod-c-1:9", NULL, 0, S_IFCHR, 1, 9 },
	{ "mknod-b-7:0", NULL, 0, S_IFBLK, 7, 0 },
};

static int write_file(const char *dir, const char *file, const char *value)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, value, strlen(value));
	int e = errno;
	close(fd);
	return n < 0 ? -e : 0;
}

static int v1_rules(const char *dir, const struct test_case *c)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct oci_device_rule *d = &c->rules[i];
		char rule[64], major[24], minor[24];
		snprintf(major, sizeof(major), d->major < 0 ? "*" : "%lld", (long long)d->major);
		snprintf(minor, sizeof(minor), d->minor < 0 ? "*" : "%lld", (long long)d->minor);
		if (d->type == 'a' && d->major < 0 && d->minor < 0)
			snprintf(rule, sizeof(rule), "a");
		else
			snprintf(rule, sizeof(rule), "%c %s:%s %s", d->type, major, minor, d->access);
		int r = write_file(dir, d->allow ? "devices.allow" : "devices.deny", rule);
		if (r < 0)
			return r;
	}
	return 0;
}

/* In a child that joins dir: every probe, as one line. */
static int run_probes(const char *name, const char *kind, const char *dir, const char *scratch)
{
	int p[2];
	if (pipe(p) < 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		char line[1024];
		int len = snprintf(line, sizeof(line), "%s %s:", name, kind);
		if (write_file(dir, "cgroup.procs", "0") < 0)
			_exit(2);
		for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
			const struct probe *pr = &probes[i];
			int r;
			if (pr->path) {
				r = open(pr->path, pr->flags | O_CLOEXEC);
				if (r >= 0)
					close(r);
			} else {
				char node[600];
				snprintf(node, sizeof(node), "%s/node", scratch);
				r = mknod(node, pr->type | 0600, makedev(pr->major, pr->minor));
				if (r == 0)
					unlink(node);
			}
			len += snprintf(line + len, sizeof(line) - (size_t)len, " %s=%s", pr->name,
					r >= 0 ? "ok" : errno == EPERM ? "EPERM" : strerrorname_np(errno));
		}
		line[len++] = '\n';
		_exit(write(p[1], line, (size_t)len) == len ? 0 : 3);
	}
	close(p[1]);
	char buf[1024];
	ssize_t n = read(p[0], buf, sizeof(buf));
	close(p[0]);
	int st;
	waitpid(pid, &st, 0);
	if (n <= 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		return -EIO;
	fwrite(buf, 1, (size_t)n, stdout);
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s V1_DEVICES_ROOT V2_ROOT\n", argv[0]);
		return 2;
	}
	char scratch[] = "/tmp/devcheck.XXXXXX";
	if (!mkdtemp(scratch))
		return perror("mkdtemp"), 1;
	int failed = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]) && !failed; i++) {
		const struct test_case *c = &cases[i];
		char v1[512], v2[512];
		snprintf(v1, sizeof(v1), "%s/runscc-devcheck-%d", argv[1], getpid());
		snprintf(v2, sizeof(v2), "%s/runscc-devcheck-%d", argv[2], getpid());
		if (mkdir(v1, 0755) < 0 || mkdir(v2, 0755) < 0) {
			perror("mkdir");
			failed = 1;
		}
		int r = failed ? 0 : v1_rules(v1, c);
		if (r < 0)
			fprintf(stderr, "%s: v1 rules: %s\n", c->name, strerror(-r));
		int fd = open(v2, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		int a = failed || r < 0 ? 0 : fd < 0 ? -errno : oci_device_filter_attach(fd, c->rules, c->n);
		if (a < 0)
			fprintf(stderr, "%s: attaching the program: %s\n", c->name, strerror(-a));
		if (fd >= 0)
			close(fd);
		if (!failed && (r < 0 || a < 0 || run_probes(c->name, "v1", v1, scratch) < 0 ||
				run_probes(c->name, "v2", v2, scratch) < 0))
			failed = 1;
		rmdir(v1);
		rmdir(v2);
	}
	rmdir(scratch);
	return failed;
}
