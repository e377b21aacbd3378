/* `runsc-c state`: runc's state JSON. */
#include <stdio.h>

#include "oci/container.h"
#include "runsc-c/commands.h"

int cmd_state(const struct global_opts *g, int argc, char **argv)
{
	const char *id = cli_only_id("state", argc, argv);
	return id && oci_state(g->root, id, stdout) == 0 ? 0 : 1;
}
