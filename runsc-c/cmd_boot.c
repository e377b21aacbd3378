/* `runsc-c boot`: internal; runs the sentry for one sandbox (started by the CLI). */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "runsc-c/commands.h"
#include "sandbox/sandbox.h"

int cmd_boot(const struct global_opts *g, int argc, char **argv)
{
	struct boot_config cfg = { .gofer_fd = -1, .control_fd = -1, .ready_fd = -1 };
	long gofer_fd = -1, spec_fd = -1, control_fd = -1, ready_fd = -1;

	(void)g;
	log_init("sentry");
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--gofer-fd") && i + 1 < argc)
			parse_int(argv[++i], 0, 1 << 20, &gofer_fd);
		else if (!strcmp(argv[i], "--spec-fd") && i + 1 < argc)
			parse_int(argv[++i], 0, 1 << 20, &spec_fd);
		else if (!strcmp(argv[i], "--control-fd") && i + 1 < argc)
			parse_int(argv[++i], 0, 1 << 20, &control_fd);
		else if (!strcmp(argv[i], "--ready-fd") && i + 1 < argc)
			parse_int(argv[++i], 0, 1 << 20, &ready_fd);
		else
			die("boot: unknown argument %s", argv[i]);
	}
	if (gofer_fd < 0 || spec_fd < 0)
		die("boot: --gofer-fd and --spec-fd are required");
	cfg.gofer_fd = (int)gofer_fd;
	cfg.control_fd = (int)control_fd;
	cfg.ready_fd = (int)ready_fd;
	if (sandbox_read_spec((int)spec_fd, &cfg) < 0)
		return 125;
	return sentry_boot(&cfg);
}
