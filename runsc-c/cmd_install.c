/* `runsc-c install`: registers this binary as a Docker runtime in daemon.json (as `runsc
   install` does). */
#define _GNU_SOURCE
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "common/daemon_json.h"
#include "common/log.h"
#include "runsc-c/commands.h"

static void install_usage(FILE *out)
{
	fprintf(out, "usage: runsc-c install [--runtime NAME] [--config FILE] [-- FLAGS...]\n"
		     "  adds runtimes.NAME (default runsc-c) to FILE (default " DAEMON_JSON_DEFAULT ")\n"
		     "  with this binary's path; FLAGS are the global options dockerd passes to it\n");
}

int cmd_install(const struct global_opts *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "runtime", required_argument, NULL, 'r' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *name = "runsc-c", *config = DAEMON_JSON_DEFAULT;
	char self[PATH_MAX];
	ssize_t n;

	(void)g;
	optind = 1;
	for (int c; (c = getopt_long(argc, argv, "+h", opts, NULL)) != -1;) {
		switch (c) {
		case 'r':
			name = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 'h':
			install_usage(stdout);
			return 0;
		default:
			install_usage(stderr);
			return 2;
		}
	}
	if (!*name) {
		install_usage(stderr);
		return 2;
	}
	/* dockerd runs the path it is given: the binary itself, not the name we were called by. */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		die("cannot find this binary's path: %m");
	self[n] = '\0';
	if (daemon_json_set_runtime(config, name, self, argv + optind, argc - optind) < 0)
		return 1;
	printf("runtime \"%s\" (%s) added to %s\n"
	       "reload dockerd to use it: kill -HUP $(pidof dockerd), or restart it\n",
	       name, self, config);
	return 0;
}
