/* `runsc-c spec [--bundle DIR]`: writes a starter config.json, as `runc spec` does. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "oci/features.h"
#include "oci/log.h"
#include "runsc-c/commands.h"

int cmd_spec(const struct global_opts *g, int argc, char **argv)
{
	static const struct option opts[] = { { "bundle", required_argument, NULL, 'b' },
					      { "b", required_argument, NULL, 'b' },
					      { "rootless", no_argument, NULL, 'r' },
					      { 0 } };
	const char *bundle = ".";
	char path[4096];
	(void)g;
	optind = 1;
	for (int c; (c = cli_getopt(argc, argv, opts)) != -1;) {
		if (c == 'b')
			bundle = optarg;
		else if (c != 'r')
			return 1;
	}
	if (cli_nargs("spec", argc, argv, 0, 0) < 0)
		return 1;
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0) {
		if (errno == EEXIST)
			oci_error(-EEXIST, "File %s exists. Remove it first", path);
		else
			oci_error(-errno, "open %s: %s", path, strerror(errno));
		return 1;
	}
	json_object *spec = oci_default_config();
	const char *text = json_object_to_json_string_ext(spec, JSON_C_TO_STRING_PRETTY |
								JSON_C_TO_STRING_PRETTY_TAB |
								JSON_C_TO_STRING_SPACED |
								JSON_C_TO_STRING_NOSLASHESCAPE);
	int r = write_full(fd, text, strlen(text));
	json_object_put(spec);
	if (r < 0) {
		oci_error(r, "write %s: %s", path, strerror(-r));
		return 1;
	}
	return 0;
}
