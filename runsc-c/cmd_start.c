/* `runsc-c start`: lets the created container's first process run. */
#include "oci/container.h"
#include "runsc-c/commands.h"

int cmd_start(const struct global_opts *g, int argc, char **argv)
{
	const char *id = cli_only_id("start", argc, argv);
	return id && oci_start(g->root, id) == 0 ? 0 : 1;
}
