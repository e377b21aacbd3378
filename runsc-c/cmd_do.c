/* `runsc-c do`: run a program in a sandbox over a root filesystem directory (like runsc do). */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "runsc-c/commands.h"
#include "sandbox/sandbox.h"

static void do_usage(FILE *out)
{
	fprintf(out,
		"usage: runsc-c do --rootfs DIR [--platform=unotify|ptrace] [--strace] [--env K=V]...\n"
		"                  [--cwd DIR] [--hostname NAME] [--uid N] [--gid N] [--pids-max N]\n"
		"                  -- PROG [ARGS...]\n");
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
		{ "uid", required_argument, NULL, 'u' },
		{ "gid", required_argument, NULL, 'g' },
		{ "pids-max", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct sandbox_spec spec = { .platform = PLATFORM_UNOTIFY, .cwd = "/", .log_path = g->log,
				     .debug = g->debug, .init = { .umask = -1 }, .control_fd = -1 };
	char host[256];
	char **env = calloc((size_t)argc + 3, sizeof(char *));
	int nenv = 0;
	long v;

	if (!env)
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
	env[nenv] = NULL;
	spec.env = env;
	spec.argv = argv + optind;
	int code = sandbox_run(&spec);
	free(env);
	return code;
}
