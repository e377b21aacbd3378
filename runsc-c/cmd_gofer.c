/* runsc-c gofer --sock-fd N --root DIR|--root-rw DIR [--mount-ro PATH]... [--mount-rw PATH]...
   Internal: the sandbox launcher runs it to serve the container's trees to the sentry. Root 0 is
   --root, read-only (the image below the sentry's in-memory layer), or --root-rw (--overlay=none:
   the guest writes to it); the mounts (directories or regular files: bind sources) follow in
   command-line order. */
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
#include <string.h>
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
	for (int i = 0; i < roots->n; i++) {
		close(roots->v[i].fd);
		free((char *)roots->v[i].file);
	}
	free(roots->v);
}

/* A directory is served as a tree; a regular file through its directory, by name. */
static int gofer_roots_add(struct gofer_roots *roots, const char *path, bool readonly)
{
	struct gofer_root root = { .fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC),
				   .readonly = readonly };

	if (root.fd < 0 && errno == ENOTDIR) {
		const char *slash = strrchr(path, '/');
		_cleanup_free_ char *dir = slash ? strndup(path, (size_t)(slash - path) + 1) : strdup(".");
		root.file = strdup(slash ? slash + 1 : path);
		if (!dir || !root.file) {
			free((char *)root.file);
			return log_errno(-ENOMEM, "opening %s", path);
		}
		root.fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	if (root.fd < 0) {
		int r = -errno;
		free((char *)root.file);
		return log_errno(r, "opening %s", path);
	}
	roots->v[roots->n++] = root;
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
		{ "root-rw", required_argument, NULL, 'R' },
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
	bool root_writable = false;
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
		case 'R':
			root_dir = optarg;
			root_writable = opt == 'R';
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
		log_error("usage: runsc-c gofer --sock-fd N --root DIR|--root-rw DIR [--mount-ro DIR]... [--mount-rw DIR]...");
		return EXIT_SETUP_FAILED;
	}
	if (check_seqpacket((int)sock) < 0 || gofer_roots_add(&roots, root_dir, !root_writable) < 0)
		return EXIT_SETUP_FAILED;
	for (int i = 0; i < nmounts; i++)
		if (gofer_roots_add(&roots, mounts[i].dir, mounts[i].readonly) < 0)
			return EXIT_SETUP_FAILED;
	raise_nofile_limit();
	bool writable = root_writable;
	for (int i = 0; i < nmounts; i++)
		writable |= !mounts[i].readonly;
	if (gofer_confine(writable) < 0)
		return EXIT_SETUP_FAILED;
	log_debug("serving %d trees", roots.n);
	/* gofer_serve() has said what failed. */
	return gofer_serve((int)sock, roots.v, roots.n) < 0 ? 1 : 0;
}
