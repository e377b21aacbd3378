/* One function per runsc-c subcommand; each lives in its own file and stays thin. */
#ifndef RUNSCC_CLI_COMMANDS_H
#define RUNSCC_CLI_COMMANDS_H

#include <stdbool.h>

struct global_opts {
	const char *root;	/* --root: state directory */
	const char *log;	/* --log: JSON log file */
	const char *log_format;
	bool debug;
};

int cmd_do(const struct global_opts *g, int argc, char **argv);
int cmd_boot(const struct global_opts *g, int argc, char **argv);
int cmd_gofer(const struct global_opts *g, int argc, char **argv);
int cmd_debug(const struct global_opts *g, int argc, char **argv);
int cmd_install(const struct global_opts *g, int argc, char **argv);

#endif
