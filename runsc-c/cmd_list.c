/* `runsc-c list [--format table|json] [-q]`. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "oci/container.h"
#include "oci/log.h"
#include "runsc-c/commands.h"

int cmd_list(const struct global_opts *g, int argc, char **argv)
{
	static const struct option opts[] = { { "format", required_argument, NULL, 'f' },
					      { "quiet", no_argument, NULL, 'q' },
					      { "q", no_argument, NULL, 'q' },
					      { 0 } };
	const char *format = "table";
	bool quiet = false;
	optind = 1;
	for (int c; (c = cli_getopt(argc, argv, opts)) != -1;) {
		if (c == 'f')
			format = optarg;
		else if (c == 'q')
			quiet = true;
		else
			return 1;
	}
	if (strcmp(format, "table") && strcmp(format, "json")) {
		oci_error(-EINVAL, "invalid format option");
		return 1;
	}
	if (cli_nargs("list", argc, argv, 0, 0) < 0)
		return 1;
	return oci_list(g->root, format, quiet, stdout) == 0 ? 0 : 1;
}
