/* `runsc-c do`: run a program in a sandbox over a root filesystem directory (like runsc do). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/egress.h"
#include "common/log.h"
#include "common/util.h"
#include "runsc-c/commands.h"
#include "oci/caps.h"
#include "oci/cgroup.h"
#include "sandbox/network.h"
#include "sandbox/sandbox.h"

static void do_usage(FILE *out)
{
	fprintf(out,
		"usage: runsc-c do --rootfs DIR [--platform=unotify|ptrace] [--strace] [--env K=V]...\n"
		"                  [--cwd DIR] [--hostname NAME] [--uname-release REL] [--uid N] [--gid N] [--pids-max N]\n"
		"                  [--read-only] [--masked-path PATH]... [--readonly-path PATH]...\n"
		"                  [--memory N[k|m|g]] [--overlay-size N[k|m|g]]\n"
		"                  [--cap-add CAP[,CAP...]|ALL]... [--cap-drop CAP[,CAP...]|ALL]...\n"
		"                  [--mount type=bind,src=HOST,dst=GUEST[,ro]]...\n"
		"                  [--mount type=tmpfs,dst=GUEST[,size=N[k|m|g]][,mode=0NNN][,ro]]...\n"
		"                  [--network=none|host|NSPATH] [--egress=deny-all|allow:CIDR|HOST[:PORTS],...]\n"
		"                  -- PROG [ARGS...]\n");
}

/* A host text file of up to 1 MiB, NUL-terminated (malloc'd); NULL if unreadable. */
static char *read_small_file(const char *path)
{
	enum { MAX = 1 << 20 };
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf = fd >= 0 ? malloc(MAX + 1) : NULL;
	ssize_t n = buf ? read_full(fd, buf, MAX) : -1;
	if (n < 0) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

/* A size with an optional k, m or g suffix (powers of 1024), as tmpfs's size= takes it. */
static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long n = strtoull(s, &end, 10);
	int shift = 0;
	if (end == s || errno || s[0] == '-')
		return -EINVAL;
	if (*end) {
		const char *suffix = strchr("kmg", *end | 0x20);
		if (!suffix || end[1])
			return -EINVAL;
		shift = 10 * (int)(suffix - "kmg" + 1);
	}
	if (n > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = (uint64_t)n << shift;
	return 0;
}

/* An octal mode, as tmpfs's mode= takes it. */
static int parse_mode(const char *s, uint32_t *out)
{
	char *end;
	errno = 0;
	unsigned long n = strtoul(s, &end, 8);
	if (end == s || *end || errno || s[0] == '-' || n > 07777)
		return -EINVAL;
	*out = (uint32_t)n;
	return 0;
}

/* --mount type=T,src=S,dst=D[,ro][,size=N][,mode=M] (the value is modified in place). */
static void parse_mount(char *arg, struct sandbox_mount *m)
{
	char *save = NULL;
	*m = (struct sandbox_mount){ 0 };
	for (char *opt = strtok_r(arg, ",", &save); opt; opt = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(opt, '=');
		const char *val = eq ? eq + 1 : "";
		if (eq)
			*eq = '\0';
		if (!strcmp(opt, "type") && eq)
			m->type = val;
		else if ((!strcmp(opt, "src") || !strcmp(opt, "source")) && eq)
			m->source = val;
		else if ((!strcmp(opt, "dst") || !strcmp(opt, "destination")) && eq)
			m->destination = val;
		else if (!strcmp(opt, "ro") && !eq)
			m->readonly = true;
		else if (!strcmp(opt, "rw") && !eq)
			m->readonly = false;
		else if (!strcmp(opt, "size") && parse_size(val, &m->size) == 0)
			continue;
		else if (!strcmp(opt, "mode") && parse_mode(val, &m->mode) == 0)
			continue;
		else
			die("--mount: bad option %s%s%s", opt, eq ? "=" : "", val);
	}
	if (!m->type || !m->destination || m->destination[0] != '/')
		die("--mount needs type= and an absolute dst=");
	if (!strcmp(m->type, "bind")) {
		if (!m->source)
			die("--mount type=bind needs src=");
		char *abs = realpath(m->source, NULL);
		if (!abs)
			die("--mount src=%s: %m", m->source);
		m->source = abs;
	} else if (m->source) {
		die("--mount type=%s takes no src=", m->type);
	}
}

static int run_sandbox(void *spec)
{
	return sandbox_run(spec);
}

/* --memory: the whole sandbox (gofer, sentry, guest) in a cgroup of its own, without swap,
   removed afterwards. */
static int run_in_memory_cgroup(const struct sandbox_spec *spec, uint64_t memory)
{
	struct oci_resources res = { .memory_limit = (int64_t)memory, .memory_swap = (int64_t)memory };
	char rel[64];
	snprintf(rel, sizeof(rel), "/runsc-c/do-%d", (int)getpid());
	int r = oci_cgroup_run(rel, &res, run_sandbox, (void *)spec);
	if (r < 0)
		die("--memory: cgroup %s: %s", rel, strerror(-r));
	return r;
}

int cmd_do(const struct global_opts *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rootfs", required_argument, NULL, 'r' },
		{ "platform", required_argument, NULL, 'p' },
		{ "strace", no_argument, NULL, 's' },
		{ "env", required_argument, NULL, 'e' },
		{ "cwd", required_argument, NULL, 'c' },
		{ "hostname", required_argument, NULL, 'n' },
		{ "uname-release", required_argument, NULL, 'K' },
		{ "uid", required_argument, NULL, 'u' },
		{ "gid", required_argument, NULL, 'g' },
		{ "pids-max", required_argument, NULL, 'P' },
		{ "mount", required_argument, NULL, 'm' },
		{ "read-only", no_argument, NULL, 'R' },
		{ "masked-path", required_argument, NULL, 'M' },
		{ "readonly-path", required_argument, NULL, 'O' },
		{ "memory", required_argument, NULL, 'L' },
		{ "overlay-size", required_argument, NULL, 'S' },
		{ "network", required_argument, NULL, 'N' },
		{ "egress", required_argument, NULL, 'E' },
		{ "cap-add", required_argument, NULL, 'A' },
		{ "cap-drop", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct sandbox_spec spec = { .platform = PLATFORM_UNOTIFY, .cwd = "/", .log_path = g->log,
				     .debug = g->debug, .init = { .umask = -1 }, .control_fd = -1 };
	char host[256];
	char **env = calloc((size_t)argc + 3, sizeof(char *));
	struct sandbox_mount *mounts = calloc((size_t)argc, sizeof(*mounts));
	const char *network = "none";
	char **masked = calloc((size_t)argc, sizeof(char *));
	char **readonly = calloc((size_t)argc, sizeof(char *));
	int nenv = 0, nmasked = 0, nreadonly = 0;
	uint64_t memory = 0;
	struct oci_caps_change caps = { 0 };
	long v;

	if (!env || !mounts || !masked || !readonly)
		die("out of memory");
	env[nenv++] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	env[nenv++] = "HOME=/root";
	if (gethostname(host, sizeof(host)) == 0)
		spec.hostname = host;
	optind = 1;
	for (int c; (c = getopt_long(argc, argv, "+h", opts, NULL)) != -1;) {
		switch (c) {
		case 'r':
			spec.rootfs = optarg;
			break;
		case 'p':
			if (platform_parse(optarg, &spec.platform) < 0)
				die("unknown platform %s (unotify or ptrace)", optarg);
			break;
		case 's':
			spec.strace = true;
			break;
		case 'e':
			if (!strchr(optarg, '='))
				die("--env wants K=V, got %s", optarg);
			/* A later K=V replaces an earlier one, defaults included. */
			for (int i = 0; i < nenv; i++) {
				size_t k = (size_t)(strchr(env[i], '=') - env[i]);
				if (!strncmp(env[i], optarg, k + 1)) {
					env[i] = env[--nenv];
					break;
				}
			}
			env[nenv++] = optarg;
			break;
		case 'c':
			spec.cwd = optarg;
			break;
		case 'n':
			spec.hostname = optarg;
			break;
		case 'K':
			if (!*optarg || strlen(optarg) >= sizeof(((struct utsname *)0)->release))
				die("--uname-release wants 1 to 64 characters");
			spec.uname_release = optarg;
			break;
		case 'u':
			if (parse_int(optarg, 0, 0xfffffffe, &v) < 0)
				die("bad --uid %s", optarg);
			spec.uid = (uid_t)v;
			break;
		case 'g':
			if (parse_int(optarg, 0, 0xfffffffe, &v) < 0)
				die("bad --gid %s", optarg);
			spec.gid = (gid_t)v;
			break;
		case 'P':
			if (parse_int(optarg, 0, 1 << 22, &v) < 0)
				die("bad --pids-max %s", optarg);
			spec.pids_max = (uint32_t)v;
			break;
		case 'm':
			parse_mount(optarg, &mounts[spec.nmounts++]);
			break;
		case 'R':
			spec.root_readonly = true;
			break;
		case 'M':
			masked[nmasked++] = optarg;
			break;
		case 'O':
			readonly[nreadonly++] = optarg;
			break;
		case 'L':
			if (parse_size(optarg, &memory) < 0 || memory == 0 || memory > INT64_MAX)
				die("bad --memory %s", optarg);
			break;
		case 'S':
			if (parse_size(optarg, &spec.overlay_size) < 0 || spec.overlay_size == 0)
				die("bad --overlay-size %s", optarg);
			break;
		case 'N':
			network = optarg;
			break;
		case 'E': {
			struct egress_policy policy;
			const char *bad;
			if (egress_parse(optarg, &policy, &bad) < 0)
				die("bad --egress item %s (deny-all, or allow:CIDR|HOST[:PORT[-PORT]],...)", bad ? bad : optarg);
			egress_free(&policy);
			spec.egress = optarg;
			break;
		}
		case 'A':
		case 'D':
			if (oci_caps_change_parse(&caps, optarg, c == 'A') < 0)
				return 2;
			break;
		case 'h':
			do_usage(stdout);
			return 0;
		default:
			do_usage(stderr);
			return 2;
		}
	}
	if (!spec.rootfs || optind >= argc) {
		do_usage(stderr);
		return 2;
	}
	if (access(spec.rootfs, R_OK | X_OK) < 0)
		die("rootfs %s: %m", spec.rootfs);
	/* The host's name resolution goes with the host's network: a copy in the upper layer,
	   which the guest may change. */
	static const char *const resolution[] = { "/etc/resolv.conf", "/etc/hosts" };
	struct sandbox_file files[2];
	for (size_t i = 0; !strcmp(network, "host") && i < 2; i++) {
		char *content = read_small_file(resolution[i]);
		if (content)
			files[spec.nfiles++] = (struct sandbox_file){ .path = resolution[i], .content = content };
	}
	spec.files = files;
	if (sandbox_network_enter(network) < 0)
		die("--network=%s: cannot set up the network namespace", network);
	env[nenv] = NULL;
	spec.env = env;
	spec.argv = argv + optind;
	spec.mounts = mounts;
	spec.masked_paths = masked;
	spec.readonly_paths = readonly;
	/* Docker's default capabilities, as `docker run` gives them. */
	oci_caps_set_process(&spec.init, oci_caps_apply_change(oci_caps_docker_default(), &caps));
	/* Within --memory, the in-memory layer's default is half of it (as tmpfs's is half of
	   the host's): files written up to the cgroup's limit would OOM-kill the sentry. */
	if (memory && !spec.overlay_size)
		spec.overlay_size = memory / 2;
	int code = memory ? run_in_memory_cgroup(&spec, memory) : sandbox_run(&spec);
	free(env);
	free(mounts);
	free(masked);
	free(readonly);
	for (size_t i = 0; i < spec.nfiles; i++)
		free((char *)files[i].content);
	return code;
}
