/* One function per runsc-c subcommand; each lives in its own file and stays thin. */
#ifndef RUNSCC_CLI_COMMANDS_H
#define RUNSCC_CLI_COMMANDS_H

#include <getopt.h>
#include <stdbool.h>

struct global_opts {
	const char *root;	/* --root: state directory */
	const char *log;	/* --log: log file */
	const char *log_format;	/* --log-format: json (default) or text */
	bool debug;
	bool systemd_cgroup;	/* --systemd-cgroup */
	const char *platform;	/* --platform: unotify (default) or ptrace, for OCI containers */
	const char *overlay;	/* --overlay: memory (default) or none, for OCI containers */
};

int cmd_do(const struct global_opts *g, int argc, char **argv);
int cmd_boot(const struct global_opts *g, int argc, char **argv);
int cmd_gofer(const struct global_opts *g, int argc, char **argv);
int cmd_debug(const struct global_opts *g, int argc, char **argv);
int cmd_install(const struct global_opts *g, int argc, char **argv);

/* The OCI runtime commands, as runc has them; each exits 0, or 1 after an error line. */
int cmd_create(const struct global_opts *g, int argc, char **argv);
int cmd_start(const struct global_opts *g, int argc, char **argv);
int cmd_run(const struct global_opts *g, int argc, char **argv);
int cmd_state(const struct global_opts *g, int argc, char **argv);
int cmd_kill(const struct global_opts *g, int argc, char **argv);
int cmd_delete(const struct global_opts *g, int argc, char **argv);
int cmd_exec(const struct global_opts *g, int argc, char **argv);
int cmd_ps(const struct global_opts *g, int argc, char **argv);
int cmd_list(const struct global_opts *g, int argc, char **argv);
int cmd_spec(const struct global_opts *g, int argc, char **argv);
int cmd_features(const struct global_opts *g, int argc, char **argv);
int cmd_pause(const struct global_opts *g, int argc, char **argv);
int cmd_resume(const struct global_opts *g, int argc, char **argv);
int cmd_update(const struct global_opts *g, int argc, char **argv);

/* Option parsing shared by the OCI commands (cli.c). */

/* getopt_long_only over argv (options end at the first argument, as in runc, and "-opt"
   is "--opt"); an unknown option is reported in runc's words and gives '?'. */
int cli_getopt(int argc, char **argv, const struct option *opts);
/* Checks that argv[optind..] has between min and max arguments (max -1: no bound). */
int cli_nargs(const char *cmd, int argc, char **argv, int min, int max);
/* A command that takes only the container id: its options are none; returns the id or NULL. */
const char *cli_only_id(const char *cmd, int argc, char **argv);

struct oci_create_opts;
/* create's and run's options; *detach gets --detach. Returns 0 or -1 (reported). */
int cli_create_opts(const struct global_opts *g, const char *cmd, int argc, char **argv,
		    struct oci_create_opts *o, bool *detach);

#endif
