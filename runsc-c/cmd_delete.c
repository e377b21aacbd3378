/* `runsc-c delete [--force] ID`: removes a stopped container (--force: any). */
#include "oci/container.h"
#include "runsc-c/commands.h"

int cmd_delete(const struct global_opts *g, int argc, char **argv)
{
	static const struct option opts[] = { { "force", no_argument, NULL, 'f' }, { 0 } };
	bool force = false;
	optind = 1;
	for (int c; (c = cli_getopt(argc, argv, opts)) != -1;) {
		if (c != 'f')
			return 1;
		force = true;
	}
	if (cli_nargs("delete", argc, argv, 1, 1) < 0)
		return 1;
	return oci_delete(g->root, argv[optind], force) == 0 ? 0 : 1;
}
