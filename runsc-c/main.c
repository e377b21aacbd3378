/* runsc-c: an OCI runtime whose containers run on a user-space kernel (the sentry). */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "oci/features.h"
#include "oci/log.h"
#include "runsc-c/commands.h"

#define RUNSCC_VERSION "0.1.0"

struct command {
	const char *name;
	int (*run)(const struct global_opts *g, int argc, char **argv);
	const char *help;	/* NULL: internal, not listed */
};

static const struct command commands[] = {
	{ "create", cmd_create, "create a container (its first process waits for start)" },
	{ "start", cmd_start, "start the first process of a created container" },
	{ "run", cmd_run, "create and start a container (wait for it unless --detach)" },
	{ "state", cmd_state, "output the state of a container" },
	{ "kill", cmd_kill, "send a signal to the container's init (or --all processes)" },
	{ "delete", cmd_delete, "delete a stopped container (--force: any)" },
	{ "exec", cmd_exec, "run a new process inside the container" },
	{ "ps", cmd_ps, "list the container's processes" },
	{ "list", cmd_list, "list the containers under --root" },
	{ "pause", cmd_pause, "suspend every process of the container" },
	{ "resume", cmd_resume, "resume a paused container" },
	{ "update", cmd_update, "update the container's resource limits" },
	{ "spec", cmd_spec, "write a starter config.json" },
	{ "features", cmd_features, "show what this runtime supports (runtime-spec features)" },
	{ "do", cmd_do, "run a program in a sandbox over a root filesystem directory" },
	{ "debug", cmd_debug, "print the sentry's or the gofer's seccomp allow-list" },
	{ "install", cmd_install, "register runsc-c as a Docker runtime in daemon.json" },
	{ "boot", cmd_boot, NULL },
	{ "gofer", cmd_gofer, NULL },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: runsc-c [--root DIR] [--log FILE] [--log-format json|text] [--debug]\n"
		     "               [--systemd-cgroup] [--platform unotify|ptrace]\n"
		     "               [--overlay memory|none] COMMAND [ARGS...]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].help)
			fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].help);
}

/* Global options come before the command, as with runc: `runsc-c --root R --log L create ...`.
   Both "--opt value" and "--opt=value" (and runc's "-opt") forms are accepted; runc's
   options that mean nothing here (--rootless, --criu) are accepted and ignored. */
static int parse_global(int argc, char **argv, struct global_opts *g)
{
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i] + (argv[i][1] == '-' ? 2 : 1);
		const char **dst = NULL, *ignored;
		size_t n = strcspn(a, "=");
		if (n == 5 && !strncmp(a, "debug", n)) {
			g->debug = true;
			continue;
		}
		if (n == 14 && !strncmp(a, "systemd-cgroup", n)) {
			g->systemd_cgroup = true;
			continue;
		}
		if ((n == 1 && *a == 'h') || (n == 4 && !strncmp(a, "help", n))) {
			usage(stdout);
			return -1;
		}
		if ((n == 1 && *a == 'v') || (n == 7 && !strncmp(a, "version", n))) {
			printf("runsc-c version " RUNSCC_VERSION "\nspec: " OCI_SPEC_VERSION "\n");
			return -1;
		}
		if (n == 4 && !strncmp(a, "root", n))
			dst = &g->root;
		else if (n == 10 && !strncmp(a, "log-format", n))
			dst = &g->log_format;
		else if (n == 3 && !strncmp(a, "log", n))
			dst = &g->log;
		else if (n == 8 && !strncmp(a, "platform", n))
			dst = &g->platform;
		else if (n == 7 && !strncmp(a, "overlay", n))
			dst = &g->overlay;
		else if ((n == 8 && !strncmp(a, "rootless", n)) || (n == 4 && !strncmp(a, "criu", n)))
			dst = &ignored;
		if (!dst) {
			oci_error(-1, "flag provided but not defined: %s", argv[i]);
			return -2;
		}
		if (a[n] == '=') {
			*dst = a + n + 1;
		} else {
			if (++i >= argc) {
				oci_error(-1, "flag needs an argument: %s", argv[i - 1]);
				return -2;
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

	if (i == -1)
		return 0;
	if (i < 0)
		return 1;
	if (i >= argc) {
		usage(stderr);
		return 1;
	}
	log_init("cli");
	if (oci_log_open(g.log, g.log_format, g.debug) < 0)
		return 1;
	for (size_t c = 0; c < sizeof(commands) / sizeof(commands[0]); c++)
		if (!strcmp(argv[i], commands[c].name))
			return commands[c].run(&g, argc - i, argv + i);
	oci_error(-1, "No help topic for '%s'", argv[i]);
	return 1;
}
