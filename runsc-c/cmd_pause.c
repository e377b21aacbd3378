/* `runsc-c pause`: stops every process of the container. */
#include "oci/container.h"
#include "runsc-c/commands.h"

int cmd_pause(const struct global_opts *g, int argc, char **argv)
{
	const char *id = cli_only_id("pause", argc, argv);
	return id && oci_pause(g->root, id) == 0 ? 0 : 1;
}
