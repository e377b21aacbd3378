/* Option parsing shared by the OCI commands: runc's conventions and error phrases. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "oci/container.h"
#include "oci/log.h"
#include "platform/platform.h"
#include "runsc-c/commands.h"

int cli_getopt(int argc, char **argv, const struct option *opts)
{
	opterr = 0;
	int c = getopt_long_only(argc, argv, "+", opts, NULL);
	if (c == '?') {
		const char *bad = argv[optind - 1];
		if (optopt)
			oci_error(-EINVAL, "flag needs an argument: %s", bad);
		else
			oci_error(-EINVAL, "flag provided but not defined: %s", bad);
	}
	return c;
}

int cli_nargs(const char *cmd, int argc, char **argv, int min, int max)
{
	int n = argc - optind;
	(void)argv;
	if (min == max && n != min)
		return oci_error(-EINVAL, "runsc-c: \"%s\" requires exactly %d argument(s)", cmd, min);
	if (n < min)
		return oci_error(-EINVAL, "runsc-c: \"%s\" requires a minimum of %d argument(s)", cmd, min);
	if (max >= 0 && n > max)
		return oci_error(-EINVAL, "runsc-c: \"%s\" requires a maximum of %d argument(s)", cmd, max);
	return 0;
}

const char *cli_only_id(const char *cmd, int argc, char **argv)
{
	static const struct option none[] = { { 0 } };
	optind = 1;
	if (cli_getopt(argc, argv, none) != -1 || cli_nargs(cmd, argc, argv, 1, 1) < 0)
		return NULL;
	return argv[optind];
}

int cli_create_opts(const struct global_opts *g, const char *cmd, int argc, char **argv,
		    struct oci_create_opts *o, bool *detach)
{
	static const struct option opts[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "pid-file", required_argument, NULL, 'p' },
		{ "console-socket", required_argument, NULL, 'c' },
		{ "pidfd-socket", required_argument, NULL, 'P' },
		{ "preserve-fds", required_argument, NULL, 'f' },
		{ "detach", no_argument, NULL, 'd' },
		{ "no-pivot", no_argument, NULL, 'n' },
		{ "no-new-keyring", no_argument, NULL, 'n' },
		{ "no-subreaper", no_argument, NULL, 'n' },
		{ "keep", no_argument, NULL, 'n' },
		{ 0 },
	};
	long n;
	*o = (struct oci_create_opts){ .command = cmd, .root = g->root, .bundle = ".", .systemd_cgroup = g->systemd_cgroup,
				       .log_path = g->log, .debug = g->debug };
	*detach = false;
	if (g->platform && platform_parse(g->platform, &o->platform) < 0)
		return oci_error(-EINVAL, "unknown platform %s (unotify or ptrace)", g->platform), -1;
	if (g->overlay && oci_overlay_parse(g->overlay, &o->root_direct) < 0)
		return oci_error(-EINVAL, "unknown overlay %s (memory or none)", g->overlay), -1;
	optind = 1;
	for (int c; (c = cli_getopt(argc, argv, opts)) != -1;) {
		switch (c) {
		case 'b':
			o->bundle = optarg;
			break;
		case 'p':
			o->pid_file = optarg;
			break;
		case 'c':
			o->console_socket = optarg;
			break;
		case 'P':
			o->pidfd_socket = optarg;
			break;
		case 'f':
			if (parse_int(optarg, 0, 1 << 20, &n) < 0)
				return oci_error(-EINVAL, "invalid value \"%s\" for flag -preserve-fds", optarg), -1;
			o->preserve_fds = (int)n;
			break;
		case 'd':
			*detach = true;
			break;
		case 'n':
			/* pivot_root, keyrings, subreaping: the sentry's business, not the host's. */
			break;
		default:
			return -1;
		}
	}
	if (cli_nargs(cmd, argc, argv, 1, 1) < 0)
		return -1;
	o->id = argv[optind];
	return 0;
}
