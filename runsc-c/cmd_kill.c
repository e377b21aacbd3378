/* `runsc-c kill [--all] ID [SIGNAL]`: SIGNAL by name (with or without SIG) or number. */
#include <signal.h>

#include "oci/container.h"
#include "runsc-c/commands.h"

int cmd_kill(const struct global_opts *g, int argc, char **argv)
{
	static const struct option opts[] = { { "all", no_argument, NULL, 'a' }, { 0 } };
	bool all = false;
	int sig = SIGTERM;
	optind = 1;
	for (int c; (c = cli_getopt(argc, argv, opts)) != -1;) {
		if (c != 'a')
			return 1;
		all = true;
	}
	if (cli_nargs("kill", argc, argv, 1, 2) < 0)
		return 1;
	if (argc - optind == 2 && oci_signal_parse(argv[optind + 1], &sig) < 0)
		return 1;
	return oci_kill(g->root, argv[optind], sig, all) == 0 ? 0 : 1;
}
