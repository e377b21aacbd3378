/* `runsc-c exec [options] ID (--process FILE | ARGS...)`: a new process in the container. */
#include <errno.h>
#include <stdlib.h>

#include "common/util.h"
#include "oci/exec.h"
#include "sentry/control.h"
#include "oci/log.h"
#include "runsc-c/commands.h"

int cmd_exec(const struct global_opts *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "process", required_argument, NULL, 'p' },
		{ "pid-file", required_argument, NULL, 'P' },
		{ "console-socket", required_argument, NULL, 'c' },
		{ "pidfd-socket", required_argument, NULL, 'F' },
		{ "detach", no_argument, NULL, 'd' },
		{ "d", no_argument, NULL, 'd' },
		{ "tty", no_argument, NULL, 't' },
		{ "t", no_argument, NULL, 't' },
		{ "env", required_argument, NULL, 'e' },
		{ "e", required_argument, NULL, 'e' },
		{ "cwd", required_argument, NULL, 'w' },
		{ "user", required_argument, NULL, 'u' },
		{ "u", required_argument, NULL, 'u' },
		{ "additional-gids", required_argument, NULL, 'g' },
		{ "g", required_argument, NULL, 'g' },
		{ "no-new-privs", no_argument, NULL, 'n' },
		{ "preserve-fds", required_argument, NULL, 'X' },
		{ "cap", required_argument, NULL, 'C' },
		{ "c", required_argument, NULL, 'C' },
		{ "apparmor", required_argument, NULL, 'x' },
		{ "process-label", required_argument, NULL, 'x' },
		{ "cgroup", required_argument, NULL, 'x' },
		{ 0 },
	};
	struct oci_exec_opts o = { .root = g->root };
	int code = 255;
	/* At most one --env/--additional-gids/--cap per argument: argc bounds them. */
	o.env = calloc((size_t)argc, sizeof(char *));
	o.additional_gids = calloc((size_t)argc, sizeof(char *));
	o.caps = calloc((size_t)argc, sizeof(char *));
	if (!o.env || !o.additional_gids || !o.caps)
		return 1;
	optind = 1;
	for (int c; (c = cli_getopt(argc, argv, opts)) != -1;) {
		switch (c) {
		case 'p': o.process_file = optarg; break;
		case 'P': o.pid_file = optarg; break;
		case 'c': o.console_socket = optarg; break;
		case 'd': o.detach = true; break;
		case 't': o.tty = true; break;
		case 'e': o.env[o.n_env++] = optarg; break;
		case 'w': o.cwd = optarg; break;
		case 'u': o.user = optarg; break;
		case 'g': o.additional_gids[o.n_gids++] = optarg; break;
		case 'n': o.no_new_privs = true; break;
		case 'C': o.caps[o.n_caps++] = optarg; break;
		case 'X': {
			long n;
			if (parse_int(optarg, 0, CONTROL_MAX_FDS - 3, &n) < 0) {
				oci_error(-EINVAL, "exec: --preserve-fds %s: runsc-c passes 0 to %d fds", optarg,
					  CONTROL_MAX_FDS - 3);
				return 1;
			}
			o.preserve_fds = (int)n;
			break;
		}
		case 'F':
		case 'x':
			oci_error(-1, "exec: %s is not supported by runsc-c", argv[optind - 1]);
			return 1;
		default:
			return 1;
		}
	}
	if (cli_nargs("exec", argc, argv, o.process_file ? 1 : 2, o.process_file ? 1 : -1) < 0)
		return 1;
	o.id = argv[optind];
	o.argv = argv + optind + 1;
	int r = oci_exec(&o, &code);
	free(o.env);
	free(o.additional_gids);
	free(o.caps);
	if (r < 0)
		return 255;
	return o.detach ? 0 : code;
}
