/* `runsc-c ps [--format table|json] ID [PS_ARGS...]`: json is the array of host pids the
   shim reads; table is the host's `ps` (default -ef) cut to those pids, as runc does. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "oci/container.h"
#include "oci/log.h"
#include "runsc-c/commands.h"

static bool listed(pid_t pid, const pid_t *pids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

/* Runs the host's ps with args (default -ef) and keeps the header and the lines of pids. */
static int print_table(char **ps_args, int nargs, const pid_t *pids, size_t n)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return oci_error(-errno, "pipe: %m");
	pid_t child = fork();
	if (child == 0) {
		char *def[] = { "ps", "-ef", NULL };
		char **args = def;
		if (nargs > 0) {
			args = calloc((size_t)nargs + 2, sizeof(char *));
			if (!args)
				_exit(127);
			args[0] = "ps";
			memcpy(args + 1, ps_args, (size_t)nargs * sizeof(char *));
		}
		dup2(fds[1], 1);
		execvp("ps", args);
		_exit(127);
	}
	close(fds[1]);
	if (child < 0) {
		close(fds[0]);
		return oci_error(-errno, "fork: %m");
	}
	FILE *ps = fdopen(fds[0], "r");
	if (!ps) {
		close(fds[0]);
		waitpid(child, NULL, 0);
		return -ENOMEM;
	}
	char *line = NULL;
	size_t cap = 0;
	int pid_column = -1;
	for (ssize_t len; (len = getline(&line, &cap, ps)) > 0;) {
		char copy[4096], *save = NULL;
		snprintf(copy, sizeof(copy), "%s", line);
		int col = 0;
		const char *tok = strtok_r(copy, " \t\n", &save);
		if (pid_column < 0) {
			for (; tok && strcmp(tok, "PID"); tok = strtok_r(NULL, " \t\n", &save))
				col++;
			if (!tok) {
				free(line);
				fclose(ps);
				waitpid(child, NULL, 0);
				return oci_error(-EINVAL, "couldn't find PID field in ps output");
			}
			pid_column = col;
			fputs(line, stdout);
			continue;
		}
		for (; tok && col < pid_column; tok = strtok_r(NULL, " \t\n", &save))
			col++;
		if (tok && listed((pid_t)atoi(tok), pids, n))
			fputs(line, stdout);
	}
	free(line);
	fclose(ps);
	waitpid(child, NULL, 0);
	return 0;
}

int cmd_ps(const struct global_opts *g, int argc, char **argv)
{
	static const struct option opts[] = { { "format", required_argument, NULL, 'f' }, { 0 } };
	const char *format = "table";
	_cleanup_free_ pid_t *pids = NULL;
	size_t n;
	optind = 1;
	for (int c; (c = cli_getopt(argc, argv, opts)) != -1;) {
		if (c != 'f')
			return 1;
		format = optarg;
	}
	if (cli_nargs("ps", argc, argv, 1, -1) < 0 || oci_pids(g->root, argv[optind], &pids, &n) < 0)
		return 1;
	if (!strcmp(format, "json")) {
		printf("[");
		for (size_t i = 0; i < n; i++)
			printf("%s%d", i ? "," : "", pids[i]);
		printf("]\n");
		return 0;
	}
	if (strcmp(format, "table")) {
		oci_error(-EINVAL, "invalid format option");
		return 1;
	}
	int extra = argc - optind - 1;
	char **ps_args = argv + optind + 1;
	if (extra > 0 && !strcmp(ps_args[0], "--"))
		ps_args++, extra--;
	return print_table(ps_args, extra, pids, n) == 0 ? 0 : 1;
}
