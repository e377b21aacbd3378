/* `runsc-c create`: the sandbox with its first process waiting for `start`. */
#include "oci/container.h"
#include "runsc-c/commands.h"

int cmd_create(const struct global_opts *g, int argc, char **argv)
{
	struct oci_create_opts o;
	bool detach;
	if (cli_create_opts(g, "create", argc, argv, &o, &detach) < 0)
		return 1;
	return oci_create(&o) < 0 ? 1 : 0;
}
