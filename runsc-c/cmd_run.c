/* `runsc-c run`: create and start; in the foreground, wait for the container, delete it
   and exit with its code. */
#include "oci/container.h"
#include "runsc-c/commands.h"

int cmd_run(const struct global_opts *g, int argc, char **argv)
{
	struct oci_create_opts o;
	bool detach;
	int code = 0;
	if (cli_create_opts(g, "run", argc, argv, &o, &detach) < 0)
		return 1;
	if (oci_run(&o, detach, &code) < 0)
		return code ? code : 1;
	return code;
}
