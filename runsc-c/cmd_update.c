/* `runsc-c update --resources FILE|- ID`: new linux.resources for the container's cgroup. */
#include "oci/container.h"
#include "oci/log.h"
#include "runsc-c/commands.h"

#include <errno.h>

int cmd_update(const struct global_opts *g, int argc, char **argv)
{
	static const struct option opts[] = { { "resources", required_argument, NULL, 'r' }, { 0 } };
	const char *resources = NULL;
	optind = 1;
	for (int c; (c = cli_getopt(argc, argv, opts)) != -1;) {
		if (c != 'r')
			return 1;
		resources = optarg;
	}
	if (cli_nargs("update", argc, argv, 1, 1) < 0)
		return 1;
	if (!resources) {
		oci_error(-EINVAL, "update: only --resources FILE|- is supported");
		return 1;
	}
	return oci_update(g->root, argv[optind], resources) == 0 ? 0 : 1;
}
