/* runsc-c gofer --sock-fd N --root DIR [--mount-ro DIR]... [--mount-rw DIR]...
   Internal: the sandbox launcher runs it to serve the container's trees to the sentry. Root 0 is
   --root, always read-only; the mounts follow in command-line order. */
#define _GNU_SOURCE
#include "runsc-c/commands.h"
#include "fsgofer/server.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>

#define EXIT_SETUP_FAILED 125

struct gofer_mount_arg {
	const char *dir;
	bool readonly;
};

/* The trees to serve, in root index order. */
struct gofer_roots {
	struct gofer_root *v;
	int n;
};

static void gofer_roots_close(struct gofer_roots *roots)
{
	for (int i = 0; i < roots->n; i++)
		close(roots->v[i].fd);
	free(roots->v);
}

static int gofer_roots_add(struct gofer_roots *roots, const char *dir, bool readonly)
{
	int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return log_errno(-errno, "opening %s", dir);
	roots->v[roots->n++] = (struct gofer_root){ .fd = fd, .readonly = readonly };
	return 0;
}

static int check_seqpacket(int fd)
{
	int type;
	socklen_t len = sizeof(type);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		return log_errno(-errno, "--sock-fd %d", fd);
	if (type != SOCK_SEQPACKET)
		return log_errno(-EPROTOTYPE, "--sock-fd %d is not a SOCK_SEQPACKET socket", fd);
	return 0;
}

/* Each fid the sentry holds is an open fd here: allow as many as the hard limit does. */
static void raise_nofile_limit(void)
{
	struct rlimit lim;

	if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
		lim.rlim_cur = lim.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &lim) < 0)
			log_warn("raising the open file limit: %m");
	}
}

int cmd_gofer(const struct global_opts *g, int argc, char **argv)
{
	static const struct option options[] = {
		{ "sock-fd", required_argument, NULL, 's' },
		{ "root", required_argument, NULL, 'r' },
		{ "mount-ro", required_argument, NULL, 'o' },
		{ "mount-rw", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	/* There are fewer trees than arguments. */
	__attribute__((cleanup(gofer_roots_close))) struct gofer_roots roots = {
		.v = calloc((size_t)argc, sizeof(struct gofer_root)),
	};
	_cleanup_free_ struct gofer_mount_arg *mounts = calloc((size_t)argc, sizeof(*mounts));
	int nmounts = 0;
	const char *root_dir = NULL;
	long sock = -1;
	int opt;

	(void)g;
	log_init("gofer");
	if (!roots.v || !mounts) {
		log_error("out of memory");
		return EXIT_SETUP_FAILED;
	}
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "+", options, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (parse_int(optarg, 0, INT_MAX, &sock) < 0) {
				log_error("--sock-fd: not an fd number: %s", optarg);
				return EXIT_SETUP_FAILED;
			}
			break;
		case 'r':
			root_dir = optarg;
			break;
		case 'o':
		case 'w':
			mounts[nmounts++] = (struct gofer_mount_arg){ optarg, opt == 'o' };
			break;
		default:
			log_error("unknown option or missing value: %s", argv[optind - 1]);
			return EXIT_SETUP_FAILED;
		}
	}
	if (optind < argc) {
		log_error("unexpected argument: %s", argv[optind]);
		return EXIT_SETUP_FAILED;
	}
	if (sock < 0 || !root_dir) {
		log_error("usage: runsc-c gofer --sock-fd N --root DIR [--mount-ro DIR]... [--mount-rw DIR]...");
		return EXIT_SETUP_FAILED;
	}
	if (check_seqpacket((int)sock) < 0 || gofer_roots_add(&roots, root_dir, true) < 0)
		return EXIT_SETUP_FAILED;
	for (int i = 0; i < nmounts; i++)
		if (gofer_roots_add(&roots, mounts[i].dir, mounts[i].readonly) < 0)
			return EXIT_SETUP_FAILED;
	raise_nofile_limit();
	if (gofer_confine() < 0)
		return EXIT_SETUP_FAILED;
	log_debug("serving %d trees", roots.n);
	/* gofer_serve() has said what failed. */
	return gofer_serve((int)sock, roots.v, roots.n) < 0 ? 1 : 0;
}
