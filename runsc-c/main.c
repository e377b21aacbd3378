/* runsc-c: an OCI runtime whose containers run on a user-space kernel (the sentry). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "runsc-c/commands.h"

struct command {
	const char *name;
	int (*run)(const struct global_opts *g, int argc, char **argv);
	const char *help;	/* NULL: internal, not listed */
};

static const struct command commands[] = {
	{ "do", cmd_do, "run a program in a sandbox over a root filesystem directory" },
	{ "debug", cmd_debug, "print the sentry's or the gofer's seccomp allow-list" },
	{ "install", cmd_install, "register runsc-c as a Docker runtime in daemon.json" },
	{ "boot", cmd_boot, NULL },
	{ "gofer", cmd_gofer, NULL },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: runsc-c [--root DIR] [--log FILE] [--debug] COMMAND [ARGS...]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].help)
			fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].help);
}

/* Global options come before the command, as with runc: `runsc-c --root R --log L create ...`.
   Both "--opt value" and "--opt=value" forms are accepted. */
static int parse_global(int argc, char **argv, struct global_opts *g)
{
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		const char **dst = NULL;
		if (!strcmp(a, "--debug")) {
			g->debug = true;
			continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return -1;
		}
		if (!strncmp(a, "--root", 6))
			dst = &g->root, a += 6;
		else if (!strncmp(a, "--log-format", 12))
			dst = &g->log_format, a += 12;
		else if (!strncmp(a, "--log", 5))
			dst = &g->log, a += 5;
		if (!dst || (*a != '=' && *a != '\0')) {
			fprintf(stderr, "runsc-c: unknown global option %s\n", argv[i]);
			return -1;
		}
		if (*a == '=') {
			*dst = a + 1;
		} else {
			if (++i >= argc) {
				fprintf(stderr, "runsc-c: %s needs a value\n", argv[i - 1]);
				return -1;
			}
			*dst = argv[i];
		}
	}
	return i;
}

int main(int argc, char **argv)
{
	struct global_opts g = { .root = "/run/runsc-c" };
	int i = parse_global(argc, argv, &g);

	if (i < 0)
		return 2;
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	log_init("cli");
	if (g.debug)
		log_set_level(LOG_LEVEL_DEBUG);
	if (g.log) {
		int fd = open(g.log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
		if (fd >= 0 && (!g.log_format || !strcmp(g.log_format, "json")))
			log_set_json_fd(fd);
	}
	for (size_t c = 0; c < sizeof(commands) / sizeof(commands[0]); c++)
		if (!strcmp(argv[i], commands[c].name))
			return commands[c].run(&g, argc - i, argv + i);
	fprintf(stderr, "runsc-c: unknown command %s\n", argv[i]);
	usage(stderr);
	return 2;
}
