/* `runsc-c features`: the runtime-spec features document. */
#include <stdio.h>

#include "oci/features.h"
#include "runsc-c/commands.h"

int cmd_features(const struct global_opts *g, int argc, char **argv)
{
	static const struct option none[] = { { 0 } };
	(void)g;
	optind = 1;
	if (cli_getopt(argc, argv, none) != -1 || cli_nargs("features", argc, argv, 0, 0) < 0)
		return 1;
	json_object *f = oci_features();
	printf("%s\n", json_object_to_json_string_ext(f, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
							      JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(f);
	return 0;
}
