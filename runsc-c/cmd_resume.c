/* `runsc-c resume`: continues a paused container. */
#include "oci/container.h"
#include "runsc-c/commands.h"

int cmd_resume(const struct global_opts *g, int argc, char **argv)
{
	const char *id = cli_only_id("resume", argc, argv);
	return id && oci_resume(g->root, id) == 0 ? 0 : 1;
}
