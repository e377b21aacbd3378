/* The gofer, end to end: a forked gofer_serve() over a temporary tree, driven through the client
   API (what the sentry does) and through raw datagrams (what a compromised sentry could do). */
#define _GNU_SOURCE
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#define SANITIZED __has_feature(address_sanitizer)
#else
#define SANITIZED 0
#endif

#include "common/cleanup.h"
#include "common/util.h"
#include "fsgofer/client.h"
#include "fsgofer/protocol.h"
#include "fsgofer/server.h"

#define BIG_DIR_ENTRIES 3000
#define BIG_NAME_LEN 240
#define FUZZ_ROUNDS 5000
#define REPLY_TIMEOUT_SEC 60
#define KERNEL_O_LARGEFILE 0100000

/* The served tree, built once by main(): root 0 is all of it (read-only), root 1 its "dir"
   (writable), root 2 its "file.txt" alone (read-only). */

/* One description, as most opens ask. */
static int open_one(struct gofer_client *c, uint32_t fid, uint32_t flags)
{
	int fd;
	int r = gofer_open(c, fid, flags, &fd, 1);
	return r < 0 ? r : fd;
}

static char tree[] = "/tmp/test_gofer.XXXXXX";

static const char *const root_names[] = {
	"file.txt", "dir", "big", "scratch", "link_root", "link_up", "loop_a", "loop_b",
	"link_file", "fifo", "sock", "empty",
};

struct gofer_child {
	pid_t pid;
	int sock;
	struct gofer_client *client;
	uint32_t root_fid;
};

struct child_opts {
	bool confine;
	rlim_t nofile;		/* 0: leave the limit alone */
};

/* ---- the tree ---- */

static void setup_check(bool ok, const char *what)
{
	if (!ok) {
		perror(what);
		exit(EXIT_FAILURE);
	}
}

static void write_file_at(int dirfd, const char *name, const char *content)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	setup_check(fd >= 0, name);
	setup_check(write_full(fd, content, strlen(content)) == 0, name);
}

static void big_name(int i, char *buf)
{
	int n = snprintf(buf, BIG_NAME_LEN + 1, "entry-%04d-", i);

	memset(buf + n, 'n', (size_t)(BIG_NAME_LEN - n));
	buf[BIG_NAME_LEN] = '\0';
}

static void tree_build(void)
{
	_cleanup_close_ int dirfd = -1;
	_cleanup_close_ int bigfd = -1;
	_cleanup_close_ int sockfd = -1;
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char name[BIG_NAME_LEN + 1];

	setup_check(mkdtemp(tree) != NULL, "mkdtemp");
	dirfd = open(tree, O_PATH | O_DIRECTORY | O_CLOEXEC);
	setup_check(dirfd >= 0, tree);
	write_file_at(dirfd, "file.txt", "hello gofer\n");
	setup_check(mkdirat(dirfd, "dir", 0755) == 0, "dir");
	setup_check(mkdirat(dirfd, "dir/sub", 0755) == 0, "dir/sub");
	write_file_at(dirfd, "dir/sub/deep.txt", "deep\n");
	setup_check(symlinkat("sub", dirfd, "dir/link_dir") == 0, "dir/link_dir");
	setup_check(mkdirat(dirfd, "scratch", 0755) == 0, "scratch");
	setup_check(mkdirat(dirfd, "empty", 0755) == 0, "empty");
	setup_check(symlinkat("/", dirfd, "link_root") == 0, "link_root");
	setup_check(symlinkat("../../..", dirfd, "link_up") == 0, "link_up");
	setup_check(symlinkat("loop_b", dirfd, "loop_a") == 0, "loop_a");
	setup_check(symlinkat("loop_a", dirfd, "loop_b") == 0, "loop_b");
	setup_check(symlinkat("file.txt", dirfd, "link_file") == 0, "link_file");
	setup_check(mkfifoat(dirfd, "fifo", 0644) == 0, "fifo");
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/sock", tree);
	sockfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setup_check(sockfd >= 0 && bind(sockfd, (struct sockaddr *)&addr, sizeof(addr)) == 0, "sock");
	setup_check(mkdirat(dirfd, "big", 0755) == 0, "big");
	bigfd = openat(dirfd, "big", O_PATH | O_DIRECTORY | O_CLOEXEC);
	setup_check(bigfd >= 0, "big");
	for (int i = 0; i < BIG_DIR_ENTRIES; i++) {
		big_name(i, name);
		write_file_at(bigfd, name, "");
	}
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void tree_remove(void)
{
	nftw(tree, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void host_lstat(const char *rel, struct stat *st)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", tree, rel);
	ck_assert_msg(lstat(path, st) == 0, "lstat %s: %s", path, strerror(errno));
}

/* ---- the gofer child ---- */

static int gofer_child_main(int sock, const struct child_opts *opts)
{
	char dir[PATH_MAX];
	struct gofer_root roots[3];

	snprintf(dir, sizeof(dir), "%s/dir", tree);
	roots[0] = (struct gofer_root){ .fd = open(tree, O_PATH | O_DIRECTORY | O_CLOEXEC),
					.readonly = true };
	roots[1] = (struct gofer_root){ .fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC),
					.readonly = false };
	roots[2] = (struct gofer_root){ .fd = open(tree, O_PATH | O_DIRECTORY | O_CLOEXEC),
					.readonly = true, .file = "file.txt" };
	if (roots[0].fd < 0 || roots[1].fd < 0 || roots[2].fd < 0)
		return 2;
	if (opts->nofile) {
		struct rlimit lim = { opts->nofile, opts->nofile };
		if (setrlimit(RLIMIT_NOFILE, &lim) < 0)
			return 2;
	}
	if (opts->confine && gofer_confine(false) < 0)
		return 3;
	if (gofer_serve(sock, roots, 3) < 0)
		return 1;
	for (int i = 0; i < 3; i++)
		close(roots[i].fd);
	return 0;
}

/* valgrind 3.19 does not know openat2 (it fails with ENOSYS), so under valgrind the gofer runs
   as a new exec of this program, which valgrind does not follow; main() sends it here. */
#define GOFER_CHILD_ARG "--gofer-child"

static void exec_unvalgrinded_gofer(int sock, const struct child_opts *opts)
{
	char exe[PATH_MAX], sock_arg[16], nofile_arg[32];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n < 0 || fcntl(sock, F_SETFD, 0) < 0)
		_exit(2);
	exe[n] = '\0';
	snprintf(sock_arg, sizeof(sock_arg), "%d", sock);
	snprintf(nofile_arg, sizeof(nofile_arg), "%lu", (unsigned long)opts->nofile);
	execl(exe, exe, GOFER_CHILD_ARG, tree, sock_arg, nofile_arg, (char *)NULL);
	_exit(2);
}

static int gofer_child_exec_main(char **argv)
{
	struct child_opts opts = { .nofile = strtoul(argv[4], NULL, 10) };

	if (strlen(argv[2]) != strlen(tree))
		return 2;
	memcpy(tree, argv[2], sizeof(tree));
	return gofer_child_main(atoi(argv[3]), &opts);
}

static void gofer_start_opts(struct gofer_child *g, const struct child_opts *opts)
{
	struct timeval timeout = { .tv_sec = REPLY_TIMEOUT_SEC };
	struct gofer_attr attr;
	uint32_t flags;
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	fflush(NULL);
	g->pid = fork();
	ck_assert_int_ge(g->pid, 0);
	if (g->pid == 0) {
		close(sv[0]);
		if (RUNNING_ON_VALGRIND)
			exec_unvalgrinded_gofer(sv[1], opts);
		/* exit(), not _exit(): the confined gofer must survive its own exit path. */
		exit(gofer_child_main(sv[1], opts));
	}
	close(sv[1]);
	g->sock = sv[0];
	/* A gofer that blocks (on a fifo, say) fails the test instead of hanging it. */
	ck_assert_int_eq(setsockopt(g->sock, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)), 0);
	g->client = malloc(sizeof(*g->client));
	ck_assert_ptr_nonnull(g->client);
	gofer_client_init(g->client, g->sock);
	ck_assert_int_eq(gofer_attach(g->client, 0, &g->root_fid, &flags, &attr), 0);
}

static void gofer_start(struct gofer_child *g)
{
	static const struct child_opts plain = { 0 };

	gofer_start_opts(g, &plain);
}

/* Closes the socket and checks that the gofer then exits 0. */
static void gofer_stop(struct gofer_child *g)
{
	int status;

	close(g->sock);
	free(g->client);
	ck_assert_int_eq(waitpid(g->pid, &status, 0), g->pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "gofer ended with status 0x%x", status);
}

static int count_fds(pid_t pid)
{
	char path[64];
	DIR *d;
	struct dirent *e;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* ---- client helpers ---- */

/* Walks the '/'-separated path from fid; returns what gofer_walk() returns. */
static int walk_path(struct gofer_child *g, uint32_t fid, const char *path,
		     struct gofer_walk_result *out, int *stop_error)
{
	char copy[PATH_MAX];
	const char *names[GOFER_WALK_MAX];
	char *save = NULL;
	int n = 0;

	snprintf(copy, sizeof(copy), "%s", path);
	for (char *name = strtok_r(copy, "/", &save); name; name = strtok_r(NULL, "/", &save))
		names[n++] = name;
	return gofer_walk(g->client, fid, names, n, out, stop_error);
}

/* Walks a path that must be walked to its end; returns the last fid. */
static uint32_t walk_fid(struct gofer_child *g, const char *path, struct gofer_attr *attr)
{
	struct gofer_walk_result out[GOFER_WALK_MAX];
	int stop_error = 1;
	int n = walk_path(g, g->root_fid, path, out, &stop_error);

	ck_assert_msg(n >= 1, "walk %s: %s", path, strerror(-n));
	ck_assert_int_eq(stop_error, 0);
	if (attr)
		*attr = out[n - 1].attr;
	return out[n - 1].fid;
}

static int walk_one(struct gofer_child *g, uint32_t fid, const char *name)
{
	struct gofer_walk_result out;
	int stop_error;

	return gofer_walk(g->client, fid, &name, 1, &out, &stop_error);
}

static void assert_attr_is(const struct gofer_attr *attr, const char *rel)
{
	struct stat st;

	host_lstat(rel, &st);
	ck_assert_uint_eq(attr->dev, st.st_dev);
	ck_assert_uint_eq(attr->ino, st.st_ino);
	ck_assert_uint_eq(attr->mode, st.st_mode);
	ck_assert_uint_eq(attr->nlink, st.st_nlink);
	ck_assert_uint_eq(attr->uid, st.st_uid);
	ck_assert_uint_eq(attr->gid, st.st_gid);
	ck_assert_int_eq(attr->size, st.st_size);
	ck_assert_int_eq(attr->mtime_sec, st.st_mtim.tv_sec);
	ck_assert_int_eq(attr->mtime_nsec, st.st_mtim.tv_nsec);
}

static void assert_fd_content(int fd, const char *expected)
{
	char buf[256];
	ssize_t n = pread(fd, buf, sizeof(buf), 0);

	ck_assert_int_eq(n, (ssize_t)strlen(expected));
	ck_assert_mem_eq(buf, expected, (size_t)n);
}

/* ---- readdir helpers ---- */

struct small_listing {
	char names[32][64];
	uint8_t types[32];
	int n;
};

static int collect_small(void *ctx, const char *name, size_t len, uint64_t ino, uint8_t type,
			 uint64_t next_cookie)
{
	struct small_listing *l = ctx;

	(void)ino;
	(void)next_cookie;
	ck_assert_int_lt(l->n, 32);
	ck_assert_uint_lt(len, 64);
	memcpy(l->names[l->n], name, len);
	l->names[l->n][len] = '\0';
	l->types[l->n++] = type;
	return 0;
}

static int small_find(const struct small_listing *l, const char *name)
{
	for (int i = 0; i < l->n; i++)
		if (!strcmp(l->names[i], name))
			return i;
	return -1;
}

struct big_listing {
	int seen[BIG_DIR_ENTRIES];
	int entries;
	int stop_every;		/* stop the callback after this many entries, 0: never */
	int since_stop;
};

static int collect_big(void *ctx, const char *name, size_t len, uint64_t ino, uint8_t type,
		       uint64_t next_cookie)
{
	struct big_listing *l = ctx;
	char expected[BIG_NAME_LEN + 1], got[BIG_NAME_LEN + 1];
	int i;

	(void)next_cookie;
	ck_assert_uint_ne(ino, 0);
	ck_assert_uint_eq(type, DT_REG);
	ck_assert_uint_eq(len, BIG_NAME_LEN);
	/* Names are not NUL-terminated. */
	memcpy(got, name, len);
	got[len] = '\0';
	ck_assert_int_eq(sscanf(got, "entry-%4d-", &i), 1);
	ck_assert(i >= 0 && i < BIG_DIR_ENTRIES);
	big_name(i, expected);
	ck_assert_str_eq(got, expected);
	l->seen[i]++;
	l->entries++;
	if (l->stop_every && ++l->since_stop == l->stop_every) {
		l->since_stop = 0;
		return 1;
	}
	return 0;
}

/* Reads a whole directory; returns how many gofer_readdir() calls it took. */
static int read_dir(struct gofer_child *g, uint32_t fid, gofer_dirent_fn fn, void *ctx)
{
	uint64_t cookie = 0;
	int calls = 0;
	int r;

	do {
		r = gofer_readdir(g->client, fid, cookie, fn, ctx, &cookie);
		calls++;
		ck_assert_msg(r >= 0, "readdir: %s", strerror(-r));
		ck_assert_int_lt(calls, 10 * BIG_DIR_ENTRIES);
	} while (r == 0);
	return calls;
}

static void assert_big_listing(struct gofer_child *g, int stop_every, int min_calls)
{
	struct big_listing *l = calloc(1, sizeof(*l));
	uint32_t fid = walk_fid(g, "big", NULL);
	int calls;

	ck_assert_ptr_nonnull(l);
	l->stop_every = stop_every;
	calls = read_dir(g, fid, collect_big, l);
	ck_assert_msg(calls >= min_calls, "%d calls", calls);
	ck_assert_int_eq(l->entries, BIG_DIR_ENTRIES);
	for (int i = 0; i < BIG_DIR_ENTRIES; i++)
		ck_assert_msg(l->seen[i] == 1, "entry %d seen %d times", i, l->seen[i]);
	free(l);
	ck_assert_int_eq(gofer_clunk(g->client, fid), 0);
}

/* ---- raw datagrams ---- */

struct raw_msg {
	unsigned char b[GOFER_MSG_MAX + 8192];
	size_t len;
};

static void raw_put(struct raw_msg *m, const void *p, size_t n)
{
	ck_assert_uint_le(m->len + n, sizeof(m->b));
	memcpy(m->b + m->len, p, n);
	m->len += n;
}

/* Sets the header's len to the datagram's length, as a well-behaved client does. */
static void raw_seal(struct raw_msg *m)
{
	uint32_t len = (uint32_t)m->len;

	memcpy(m->b + offsetof(struct gofer_hdr, len), &len, sizeof(len));
}

static void raw_fixed(struct raw_msg *m, const void *req, size_t size)
{
	m->len = 0;
	raw_put(m, req, size);
	raw_seal(m);
}

static void raw_walk_begin(struct raw_msg *m, uint32_t fid, uint32_t nnames)
{
	struct gofer_walk_req req = { .hdr = { .op = GOFER_OP_WALK }, .fid = fid, .nnames = nnames };

	m->len = 0;
	raw_put(m, &req, sizeof(req));
}

static void raw_walk_name(struct raw_msg *m, uint16_t len_field, const char *bytes, size_t n)
{
	raw_put(m, &len_field, sizeof(len_field));
	raw_put(m, bytes, n);
}

/* Sends one datagram (with nfds fds) and returns the error of its reply, checking that the reply
   is well framed and echoes the op. */
static int raw_request_fds(int sock, const void *req, size_t len, const int *send_fds, int nfds)
{
	static unsigned char reply[GOFER_MSG_MAX];
	struct gofer_hdr hdr, sent = { 0 };
	int fds[1];
	int nreceived = 1;
	ssize_t n;

	ck_assert_int_eq(sock_send_fds(sock, req, len, send_fds, nfds), (ssize_t)len);
	n = sock_recv_fds(sock, reply, sizeof(reply), fds, &nreceived);
	ck_assert_msg(n >= (ssize_t)sizeof(hdr), "reply: %zd", n);
	if (nreceived)
		close(fds[0]);
	memcpy(&hdr, reply, sizeof(hdr));
	memcpy(&sent, req, len < sizeof(sent) ? len : sizeof(sent));
	ck_assert_uint_eq(hdr.len, (size_t)n);
	ck_assert_uint_eq(hdr.op, sent.op);
	if (hdr.error) {
		ck_assert_int_lt(hdr.error, 0);
		ck_assert_int_ge(hdr.error, -4095);
		ck_assert_uint_eq((size_t)n, sizeof(hdr));
		ck_assert_int_eq(nreceived, 0);
	}
	return hdr.error;
}

static int raw_request(int sock, const struct raw_msg *m)
{
	return raw_request_fds(sock, m->b, m->len, NULL, 0);
}

/* After abuse, a fresh attach, walk, open and read still work. */
static void assert_still_serves(struct gofer_child *g)
{
	struct gofer_attr attr;
	uint32_t root, flags, fid;
	_cleanup_close_ int fd = -1;

	ck_assert_int_eq(gofer_attach(g->client, 0, &root, &flags, &attr), 0);
	g->root_fid = root;
	fid = walk_fid(g, "dir/sub/deep.txt", NULL);
	fd = open_one(g->client, fid, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	assert_fd_content(fd, "deep\n");
}

/* ---- tests ---- */

START_TEST(test_attach)
{
	struct gofer_child g;
	struct gofer_attr attr;
	uint32_t fid, fid2, flags;

	gofer_start(&g);
	ck_assert_int_eq(gofer_attach(g.client, 0, &fid, &flags, &attr), 0);
	ck_assert_uint_eq(flags, GOFER_ROOT_READONLY);
	ck_assert_uint_ne(fid, g.root_fid);
	assert_attr_is(&attr, ".");
	ck_assert_int_eq(gofer_attach(g.client, 1, &fid2, &flags, &attr), 0);
	ck_assert_uint_eq(flags, 0);
	assert_attr_is(&attr, "dir");
	ck_assert_int_eq(gofer_attach(g.client, 3, &fid, &flags, &attr), -EINVAL);
	ck_assert_int_eq(gofer_attach(g.client, UINT32_MAX, &fid, &flags, &attr), -EINVAL);
	/* Root 1 is the tree's "dir": its "sub" is there. */
	ck_assert_int_eq(walk_one(&g, fid2, "sub"), 1);
	gofer_stop(&g);
}
END_TEST

START_TEST(test_walk)
{
	struct gofer_child g;
	struct gofer_walk_result out[GOFER_WALK_MAX];
	int stop_error = 1;
	uint32_t sub;

	gofer_start(&g);
	ck_assert_int_eq(walk_path(&g, g.root_fid, "dir/sub/deep.txt", out, &stop_error), 3);
	ck_assert_int_eq(stop_error, 0);
	assert_attr_is(&out[0].attr, "dir");
	assert_attr_is(&out[1].attr, "dir/sub");
	assert_attr_is(&out[2].attr, "dir/sub/deep.txt");
	ck_assert(out[0].fid != out[1].fid && out[1].fid != out[2].fid && out[0].fid != out[2].fid);
	/* A walked directory's fid walks on. */
	sub = out[1].fid;
	ck_assert_int_eq(walk_path(&g, sub, "deep.txt", out, &stop_error), 1);
	assert_attr_is(&out[0].attr, "dir/sub/deep.txt");
	/* A symlink as the last name is walked, not followed. */
	ck_assert_int_eq(walk_path(&g, g.root_fid, "dir/link_dir", out, &stop_error), 2);
	ck_assert_int_eq(stop_error, 0);
	assert_attr_is(&out[1].attr, "dir/link_dir");
	gofer_stop(&g);
}
END_TEST

START_TEST(test_walk_stops)
{
	struct gofer_child g;
	struct gofer_walk_result out[GOFER_WALK_MAX];
	int stop_error;
	uint32_t file, link;

	gofer_start(&g);
	/* At a symlink, successfully: the sentry resolves it. */
	stop_error = 1;
	ck_assert_int_eq(walk_path(&g, g.root_fid, "dir/link_dir/deep.txt", out, &stop_error), 2);
	ck_assert_int_eq(stop_error, 0);
	ck_assert(S_ISLNK(out[1].attr.mode));
	/* At a missing name. */
	ck_assert_int_eq(walk_path(&g, g.root_fid, "missing", out, &stop_error), -ENOENT);
	ck_assert_int_eq(walk_path(&g, g.root_fid, "dir/missing/x", out, &stop_error), 1);
	ck_assert_int_eq(stop_error, -ENOENT);
	assert_attr_is(&out[0].attr, "dir");
	/* At a file with names left. */
	ck_assert_int_eq(walk_path(&g, g.root_fid, "file.txt/x", out, &stop_error), 1);
	ck_assert_int_eq(stop_error, -ENOTDIR);
	assert_attr_is(&out[0].attr, "file.txt");
	file = out[0].fid;
	/* From a file or a symlink, nothing can be walked. */
	ck_assert_int_eq(walk_one(&g, file, "x"), -ENOTDIR);
	ck_assert_int_eq(walk_path(&g, g.root_fid, "link_file", out, &stop_error), 1);
	link = out[0].fid;
	ck_assert_int_eq(walk_one(&g, link, "x"), -ENOTDIR);
	gofer_stop(&g);
}
END_TEST

START_TEST(test_stat)
{
	struct gofer_child g;
	struct gofer_attr attr;
	uint32_t fid;

	gofer_start(&g);
	ck_assert_int_eq(gofer_stat(g.client, g.root_fid, &attr), 0);
	assert_attr_is(&attr, ".");
	fid = walk_fid(&g, "file.txt", NULL);
	ck_assert_int_eq(gofer_stat(g.client, fid, &attr), 0);
	assert_attr_is(&attr, "file.txt");
	ck_assert_int_eq(attr.size, 12);
	/* A symlink's own attributes, never its target's. */
	fid = walk_fid(&g, "link_root", NULL);
	ck_assert_int_eq(gofer_stat(g.client, fid, &attr), 0);
	assert_attr_is(&attr, "link_root");
	ck_assert(S_ISLNK(attr.mode));
	ck_assert_int_eq(attr.size, 1);
	fid = walk_fid(&g, "fifo", NULL);
	ck_assert_int_eq(gofer_stat(g.client, fid, &attr), 0);
	ck_assert(S_ISFIFO(attr.mode));
	gofer_stop(&g);
}
END_TEST

START_TEST(test_open_read)
{
	struct gofer_child g;
	struct gofer_attr attr;
	uint32_t dir, file;
	struct stat st;
	_cleanup_close_ int fd = -1;
	_cleanup_close_ int dirfd = -1;
	_cleanup_close_ int flagged = -1;

	gofer_start(&g);
	file = walk_fid(&g, "file.txt", &attr);
	fd = open_one(g.client, file, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	assert_fd_content(fd, "hello gofer\n");
	ck_assert_int_eq(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDONLY);
	ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	ck_assert_int_eq(write(fd, "x", 1), -1);
	ck_assert_int_eq(errno, EBADF);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_uint_eq(st.st_ino, attr.ino);

	/* Flags the gofer ignores. */
	flagged = open_one(g.client, file, O_RDONLY | O_NONBLOCK | O_NOATIME | O_CLOEXEC |
				      O_NOFOLLOW | O_NOCTTY | KERNEL_O_LARGEFILE);
	ck_assert_int_ge(flagged, 0);
	assert_fd_content(flagged, "hello gofer\n");

	dir = walk_fid(&g, "dir", &attr);
	dirfd = open_one(g.client, dir, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(dirfd, 0);
	ck_assert_int_eq(fstat(dirfd, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_uint_eq(st.st_ino, attr.ino);
	ck_assert_int_eq(open_one(g.client, file, O_RDONLY | O_DIRECTORY), -ENOTDIR);
	gofer_stop(&g);
}
END_TEST

/* One OPEN can ask for several descriptions of a file: each has its own offset. A directory
   gets one; counts outside 1..GOFER_OPEN_MAX are refused. */
START_TEST(test_open_many)
{
	struct gofer_child g;
	int fds[GOFER_OPEN_MAX];
	char c;

	gofer_start(&g);
	uint32_t file = walk_fid(&g, "file.txt", NULL);
	ck_assert_int_eq(gofer_open(g.client, file, O_RDONLY, fds, GOFER_OPEN_MAX), GOFER_OPEN_MAX);
	ck_assert_int_eq(read(fds[0], &c, 1), 1);
	ck_assert_int_eq(c, 'h');
	for (int i = 1; i < GOFER_OPEN_MAX; i++) {
		ck_assert_int_eq(lseek(fds[i], 0, SEEK_CUR), 0);
		assert_fd_content(fds[i], "hello gofer\n");
	}
	for (int i = 0; i < GOFER_OPEN_MAX; i++)
		close(fds[i]);
	uint32_t dir = walk_fid(&g, "dir", NULL);
	ck_assert_int_eq(gofer_open(g.client, dir, O_RDONLY | O_DIRECTORY, fds, 3), 1);
	close(fds[0]);
	ck_assert_int_eq(gofer_open(g.client, file, O_RDONLY, fds, 0), -EINVAL);
	ck_assert_int_eq(gofer_open(g.client, file, O_RDONLY, fds, GOFER_OPEN_MAX + 1), -EINVAL);
	gofer_stop(&g);
}
END_TEST

/* A file fid stays openable after the fid of its directory is clunked. */
START_TEST(test_open_after_parent_clunk)
{
	struct gofer_child g;
	struct gofer_walk_result out[3];
	int stop_error;
	_cleanup_close_ int fd = -1;

	gofer_start(&g);
	ck_assert_int_eq(walk_path(&g, g.root_fid, "dir/sub/deep.txt", out, &stop_error), 3);
	ck_assert_int_eq(gofer_clunk(g.client, out[0].fid), 0);
	ck_assert_int_eq(gofer_clunk(g.client, out[1].fid), 0);
	ck_assert_int_eq(gofer_clunk(g.client, g.root_fid), 0);
	fd = open_one(g.client, out[2].fid, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	assert_fd_content(fd, "deep\n");
	gofer_stop(&g);
}
END_TEST

START_TEST(test_open_refused)
{
	struct gofer_child g;
	uint32_t file;

	gofer_start(&g);
	ck_assert_int_eq(open_one(g.client, walk_fid(&g, "link_file", NULL), O_RDONLY), -ELOOP);
	ck_assert_int_eq(open_one(g.client, walk_fid(&g, "link_root", NULL), O_RDONLY), -ELOOP);
	/* A fifo would block a reader with no writer: refused without being opened. */
	ck_assert_int_eq(open_one(g.client, walk_fid(&g, "fifo", NULL), O_RDONLY), -EACCES);
	ck_assert_int_eq(open_one(g.client, walk_fid(&g, "sock", NULL), O_RDONLY), -EACCES);
	file = walk_fid(&g, "file.txt", NULL);
	ck_assert_int_eq(open_one(g.client, file, O_WRONLY), -EROFS);
	ck_assert_int_eq(open_one(g.client, file, O_RDWR), -EROFS);
	ck_assert_int_eq(open_one(g.client, file, O_RDONLY | O_CREAT), -EROFS);
	ck_assert_int_eq(open_one(g.client, file, O_RDONLY | O_TRUNC), -EROFS);
	ck_assert_int_eq(open_one(g.client, file, O_RDONLY | O_APPEND), -EROFS);
	ck_assert_int_eq(open_one(g.client, g.root_fid, O_TMPFILE | O_RDWR), -EROFS);
	ck_assert_int_eq(open_one(g.client, g.root_fid, O_WRONLY | O_DIRECTORY), -EROFS);
	ck_assert_int_eq(open_one(g.client, file, O_PATH), -EINVAL);
	ck_assert_int_eq(open_one(g.client, file, O_RDONLY | O_DIRECT), -EINVAL);
	ck_assert_int_eq(open_one(g.client, file, UINT32_MAX), -EROFS);
	gofer_stop(&g);
}
END_TEST

/* A file replaced on the host after the walk is not handed out under the old fid. */
START_TEST(test_open_swapped)
{
	struct gofer_child g;
	_cleanup_close_ int scratch = -1;
	uint32_t fid;

	scratch = open(tree, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(scratch, 0);
	write_file_at(scratch, "scratch/swap.txt", "before\n");
	write_file_at(scratch, "scratch/other.txt", "other\n");
	gofer_start(&g);
	fid = walk_fid(&g, "scratch/swap.txt", NULL);
	ck_assert_int_eq(renameat(scratch, "scratch/other.txt", scratch, "scratch/swap.txt"), 0);
	ck_assert_int_eq(open_one(g.client, fid, O_RDONLY), -ESTALE);
	ck_assert_int_eq(symlinkat("/etc/passwd", scratch, "scratch/swap.txt.new"), 0);
	ck_assert_int_eq(renameat(scratch, "scratch/swap.txt.new", scratch, "scratch/swap.txt"), 0);
	ck_assert_int_eq(open_one(g.client, fid, O_RDONLY), -ESTALE);
	ck_assert_int_eq(unlinkat(scratch, "scratch/swap.txt", 0), 0);
	ck_assert_int_eq(open_one(g.client, fid, O_RDONLY), -ESTALE);
	gofer_stop(&g);
}
END_TEST

START_TEST(test_readdir_small)
{
	struct gofer_child g;
	struct small_listing l = { .n = 0 };
	uint64_t cookie;
	int i;

	gofer_start(&g);
	ck_assert_int_eq(read_dir(&g, g.root_fid, collect_small, &l), 1);
	ck_assert_int_eq(l.n, (int)ARRAY_SIZE(root_names));
	for (size_t k = 0; k < ARRAY_SIZE(root_names); k++)
		ck_assert_msg(small_find(&l, root_names[k]) >= 0, "%s not listed", root_names[k]);
	ck_assert_int_eq(small_find(&l, "."), -1);
	ck_assert_int_eq(small_find(&l, ".."), -1);
	i = small_find(&l, "dir");
	ck_assert_uint_eq(l.types[i], DT_DIR);
	i = small_find(&l, "link_root");
	ck_assert_uint_eq(l.types[i], DT_LNK);
	i = small_find(&l, "fifo");
	ck_assert_uint_eq(l.types[i], DT_FIFO);
	i = small_find(&l, "file.txt");
	ck_assert_uint_eq(l.types[i], DT_REG);

	/* Reading again from the start gives the same listing. */
	l.n = 0;
	ck_assert_int_eq(read_dir(&g, g.root_fid, collect_small, &l), 1);
	ck_assert_int_eq(l.n, (int)ARRAY_SIZE(root_names));

	ck_assert_int_eq(read_dir(&g, walk_fid(&g, "empty", NULL), collect_small, &l), 1);
	ck_assert_int_eq(l.n, (int)ARRAY_SIZE(root_names));

	ck_assert_int_eq(gofer_readdir(g.client, walk_fid(&g, "file.txt", NULL), 0, collect_small,
				       &l, &cookie), -ENOTDIR);
	ck_assert_int_eq(gofer_readdir(g.client, walk_fid(&g, "link_up", NULL), 0, collect_small,
				       &l, &cookie), -ENOTDIR);
	ck_assert_int_eq(gofer_readdir(g.client, g.root_fid, UINT64_MAX, collect_small, &l, &cookie),
			 -EINVAL);
	gofer_stop(&g);
}
END_TEST

START_TEST(test_readdir_big)
{
	struct gofer_child g;

	gofer_start(&g);
	/* 3000 names of 240 bytes do not fit in fewer than 11 replies. */
	assert_big_listing(&g, 0, 11);
	/* Stopping the callback resumes after the entry it stopped at. */
	assert_big_listing(&g, 97, BIG_DIR_ENTRIES / 97);
	assert_big_listing(&g, 1, BIG_DIR_ENTRIES);
	gofer_stop(&g);
}
END_TEST

START_TEST(test_readlink)
{
	struct gofer_child g;
	char buf[GOFER_PATH_MAX];

	gofer_start(&g);
	ck_assert_int_eq(gofer_readlink(g.client, walk_fid(&g, "link_root", NULL), buf, sizeof(buf)), 1);
	ck_assert_mem_eq(buf, "/", 1);
	ck_assert_int_eq(gofer_readlink(g.client, walk_fid(&g, "link_up", NULL), buf, sizeof(buf)), 8);
	ck_assert_mem_eq(buf, "../../..", 8);
	ck_assert_int_eq(gofer_readlink(g.client, walk_fid(&g, "loop_a", NULL), buf, sizeof(buf)), 6);
	ck_assert_mem_eq(buf, "loop_b", 6);
	ck_assert_int_eq(gofer_readlink(g.client, walk_fid(&g, "dir/link_dir", NULL), buf, sizeof(buf)),
			 3);
	ck_assert_mem_eq(buf, "sub", 3);
	ck_assert_int_eq(gofer_readlink(g.client, walk_fid(&g, "link_up", NULL), buf, 3), -ERANGE);
	ck_assert_int_eq(gofer_readlink(g.client, walk_fid(&g, "file.txt", NULL), buf, sizeof(buf)),
			 -EINVAL);
	ck_assert_int_eq(gofer_readlink(g.client, g.root_fid, buf, sizeof(buf)), -EINVAL);
	gofer_stop(&g);
}
END_TEST

START_TEST(test_clunk)
{
	struct gofer_child g;
	struct gofer_attr attr;
	uint32_t fid, flags;
	int baseline;

	gofer_start(&g);
	fid = walk_fid(&g, "file.txt", NULL);
	ck_assert_int_eq(gofer_clunk(g.client, fid), 0);
	ck_assert_int_eq(gofer_stat(g.client, fid, &attr), -EBADF);
	ck_assert_int_eq(gofer_clunk(g.client, fid), -EBADF);
	/* The root fid too; attaching again gives a new one. */
	ck_assert_int_eq(gofer_clunk(g.client, g.root_fid), 0);
	ck_assert_int_eq(gofer_stat(g.client, g.root_fid, &attr), -EBADF);
	ck_assert_int_eq(gofer_attach(g.client, 0, &g.root_fid, &flags, &attr), 0);
	ck_assert_int_eq(gofer_stat(g.client, g.root_fid, &attr), 0);

	/* Walked and clunked fids, opened and read directories leave no fd behind. */
	baseline = count_fds(g.pid);
	for (int i = 0; i < 200; i++) {
		struct gofer_walk_result out[3];
		struct small_listing l = { .n = 0 };
		int stop_error;

		ck_assert_int_eq(walk_path(&g, g.root_fid, "dir/sub/deep.txt", out, &stop_error), 3);
		read_dir(&g, out[1].fid, collect_small, &l);
		for (int k = 0; k < 3; k++)
			ck_assert_int_eq(gofer_clunk(g.client, out[k].fid), 0);
	}
	ck_assert_int_eq(count_fds(g.pid), baseline);
	gofer_stop(&g);
}
END_TEST

START_TEST(test_escapes)
{
	static const char *const links[] = { "link_root", "link_up", "loop_a", "loop_b" };
	static const char *const bad_names[] = { "..", ".", "a/b", "", "/", "/etc", "../file.txt" };
	struct gofer_child g;
	struct gofer_walk_result out[GOFER_WALK_MAX];
	char long_name[301];
	const char *names[3];
	int stop_error;

	gofer_start(&g);
	/* Walking through a symlink stops at the link, whatever it points at. */
	for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
		names[0] = links[i];
		names[1] = "etc";
		names[2] = "passwd";
		stop_error = 1;
		ck_assert_int_eq(gofer_walk(g.client, g.root_fid, names, 3, out, &stop_error), 1);
		ck_assert_int_eq(stop_error, 0);
		ck_assert(S_ISLNK(out[0].attr.mode));
		assert_attr_is(&out[0].attr, links[i]);
		ck_assert_int_eq(open_one(g.client, out[0].fid, O_RDONLY), -ELOOP);
		ck_assert_int_eq(open_one(g.client, out[0].fid, O_RDONLY | O_DIRECTORY), -ELOOP);
	}
	/* Names that are not one plain component, first or after a good one. */
	for (size_t i = 0; i < ARRAY_SIZE(bad_names); i++) {
		names[0] = bad_names[i];
		ck_assert_msg(gofer_walk(g.client, g.root_fid, names, 1, out, &stop_error) == -EINVAL,
			      "name \"%s\"", bad_names[i]);
		names[0] = "dir";
		names[1] = bad_names[i];
		ck_assert_int_eq(gofer_walk(g.client, g.root_fid, names, 2, out, &stop_error), -EINVAL);
	}
	memset(long_name, 'x', 300);
	long_name[300] = '\0';
	names[0] = long_name;
	ck_assert_int_eq(gofer_walk(g.client, g.root_fid, names, 1, out, &stop_error), -ENAMETOOLONG);
	ck_assert_int_eq(gofer_walk(g.client, g.root_fid, names, 0, out, &stop_error), -EINVAL);
	ck_assert_int_eq(gofer_walk(g.client, g.root_fid, names, GOFER_WALK_MAX + 1, out, &stop_error),
			 -EINVAL);
	/* Root 1 is "dir" of root 0: its parent is out of its reach. */
	{
		struct gofer_attr attr;
		uint32_t fid, flags;

		ck_assert_int_eq(gofer_attach(g.client, 1, &fid, &flags, &attr), 0);
		names[0] = "..";
		ck_assert_int_eq(gofer_walk(g.client, fid, names, 1, out, &stop_error), -EINVAL);
		ck_assert_int_eq(walk_one(&g, fid, "file.txt"), -ENOENT);
	}
	gofer_stop(&g);
}
END_TEST

START_TEST(test_bad_fids)
{
	static const uint32_t bad[] = { 12345, 1u << 20, UINT32_MAX };
	struct gofer_child g;
	struct gofer_attr attr;
	struct small_listing l = { .n = 0 };
	struct gofer_walk_result out;
	const char *name = "dir";
	char buf[64];
	uint64_t cookie;
	int stop_error;

	gofer_start(&g);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		ck_assert_int_eq(gofer_stat(g.client, bad[i], &attr), -EBADF);
		ck_assert_int_eq(open_one(g.client, bad[i], O_RDONLY), -EBADF);
		ck_assert_int_eq(gofer_readdir(g.client, bad[i], 0, collect_small, &l, &cookie), -EBADF);
		ck_assert_int_eq(gofer_readlink(g.client, bad[i], buf, sizeof(buf)), -EBADF);
		ck_assert_int_eq(gofer_walk(g.client, bad[i], &name, 1, &out, &stop_error), -EBADF);
		ck_assert_int_eq(gofer_clunk(g.client, bad[i]), -EBADF);
	}
	gofer_stop(&g);
}
END_TEST

/* Out of fds, the walk fails cleanly, and works again once fids are clunked. */
START_TEST(test_fd_exhaustion)
{
	static const struct child_opts few_fds = { .nofile = 40 };
	struct gofer_child g;
	uint32_t fids[64];
	int n = 0;
	int r;

	gofer_start_opts(&g, &few_fds);
	for (;;) {
		struct gofer_walk_result out;
		int stop_error;
		const char *name = "file.txt";

		ck_assert_int_lt(n, (int)ARRAY_SIZE(fids));
		r = gofer_walk(g.client, g.root_fid, &name, 1, &out, &stop_error);
		if (r < 0)
			break;
		fids[n++] = out.fid;
	}
	ck_assert_int_eq(r, -EMFILE);
	ck_assert_int_gt(n, 20);
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(gofer_clunk(g.client, fids[i]), 0);
	assert_still_serves(&g);
	gofer_stop(&g);
}
END_TEST

/* Attaches need no fd: fill the fid table to GOFER_FID_MAX, pipelining requests to be quick. */
START_TEST(test_fid_limit)
{
	enum { BATCH = 64 };
	struct gofer_child g;
	struct gofer_attach_req req = { .hdr = { .op = GOFER_OP_ATTACH, .len = sizeof(req) } };
	unsigned char reply[sizeof(struct gofer_attach_reply)];
	uint32_t attached = 1;	/* the root fid */
	int errors = 0;
	struct gofer_attr attr;
	uint32_t fid, flags;

	gofer_start(&g);
	while (attached + (uint32_t)errors < GOFER_FID_MAX + BATCH) {
		for (int i = 0; i < BATCH; i++)
			ck_assert_int_eq(send(g.sock, &req, sizeof(req), MSG_NOSIGNAL), sizeof(req));
		for (int i = 0; i < BATCH; i++) {
			struct gofer_hdr hdr;
			ssize_t n = recv(g.sock, reply, sizeof(reply), 0);

			ck_assert_int_ge(n, (ssize_t)sizeof(hdr));
			memcpy(&hdr, reply, sizeof(hdr));
			if (hdr.error == 0) {
				attached++;
			} else {
				ck_assert_int_eq(hdr.error, -ENFILE);
				errors++;
			}
		}
	}
	ck_assert_uint_eq(attached, GOFER_FID_MAX);
	/* Clunks make room: an attach and a walk of three names take the four fids freed. */
	for (uint32_t fid = 100; fid < 104; fid++)
		ck_assert_int_eq(gofer_clunk(g.client, fid), 0);
	assert_still_serves(&g);
	ck_assert_int_eq(gofer_attach(g.client, 0, &fid, &flags, &attr), -ENFILE);
	gofer_stop(&g);
}
END_TEST

START_TEST(test_raw_crafted)
{
	struct gofer_child g;
	struct raw_msg *m = malloc(sizeof(*m));
	struct gofer_fid_req stat_req = { .hdr = { .op = GOFER_OP_STAT }, .fid = 0 };
	char name[300];
	_cleanup_close_ int devnull = -1;
	int baseline;

	ck_assert_ptr_nonnull(m);
	gofer_start(&g);
	stat_req.fid = g.root_fid;
	memset(m->b, 0, sizeof(m->b));

	/* Too short to be anything, empty included. */
	for (size_t len = 0; len < sizeof(struct gofer_hdr); len++)
		ck_assert_int_eq(raw_request_fds(g.sock, m->b, len, NULL, 0), -EPROTO);

	/* Unknown ops. */
	{
		static const uint32_t ops[] = { 0, 8, 99, UINT32_MAX };
		for (size_t i = 0; i < ARRAY_SIZE(ops); i++) {
			struct gofer_fid_req req = stat_req;
			req.hdr.op = ops[i];
			raw_fixed(m, &req, sizeof(req));
			ck_assert_int_eq(raw_request(g.sock, m), -EPROTO);
		}
	}

	/* A len field that lies, a request cut short or with bytes trailing. */
	raw_fixed(m, &stat_req, sizeof(stat_req));
	ck_assert_int_eq(raw_request(g.sock, m), 0);
	{
		static const uint32_t lies[] = { 0, 16, 23, 25, 100, UINT32_MAX };
		for (size_t i = 0; i < ARRAY_SIZE(lies); i++) {
			raw_fixed(m, &stat_req, sizeof(stat_req));
			memcpy(m->b + offsetof(struct gofer_hdr, len), &lies[i], sizeof(lies[i]));
			ck_assert_int_eq(raw_request(g.sock, m), -EPROTO);
		}
	}
	raw_fixed(m, &stat_req, sizeof(struct gofer_hdr));
	ck_assert_int_eq(raw_request(g.sock, m), -EPROTO);
	raw_fixed(m, &stat_req, sizeof(stat_req) - 4);
	ck_assert_int_eq(raw_request(g.sock, m), -EPROTO);
	m->len = 0;
	raw_put(m, &stat_req, sizeof(stat_req));
	raw_put(m, "junk", 4);
	raw_seal(m);
	ck_assert_int_eq(raw_request(g.sock, m), -EPROTO);
	{
		struct gofer_walk_req req = { .hdr = { .op = GOFER_OP_WALK }, .fid = g.root_fid };
		raw_fixed(m, &req, sizeof(struct gofer_hdr));
		ck_assert_int_eq(raw_request(g.sock, m), -EPROTO);
	}

	/* WALK: name counts out of range, names overrunning or missing, bytes trailing. */
	{
		static const uint32_t counts[] = { 0, GOFER_WALK_MAX + 1, 1u << 16, UINT32_MAX };
		for (size_t i = 0; i < ARRAY_SIZE(counts); i++) {
			raw_walk_begin(m, g.root_fid, counts[i]);
			raw_walk_name(m, 3, "dir", 3);
			raw_seal(m);
			ck_assert_int_eq(raw_request(g.sock, m), -EINVAL);
		}
	}
	raw_walk_begin(m, g.root_fid, 1);
	raw_walk_name(m, 1000, "dir", 3);
	raw_seal(m);
	ck_assert_int_eq(raw_request(g.sock, m), -EPROTO);
	raw_walk_begin(m, g.root_fid, 1);
	raw_walk_name(m, UINT16_MAX, "dir", 3);
	raw_seal(m);
	ck_assert_int_eq(raw_request(g.sock, m), -EPROTO);
	raw_walk_begin(m, g.root_fid, 2);
	raw_walk_name(m, 3, "dir", 3);
	raw_seal(m);
	ck_assert_int_eq(raw_request(g.sock, m), -EPROTO);
	raw_walk_begin(m, g.root_fid, 2);
	raw_walk_name(m, 3, "dir", 3);
	raw_put(m, "\x03", 1);	/* half a length */
	raw_seal(m);
	ck_assert_int_eq(raw_request(g.sock, m), -EPROTO);
	raw_walk_begin(m, g.root_fid, 1);
	raw_walk_name(m, 3, "dir", 3);
	raw_put(m, "trailing", 8);
	raw_seal(m);
	ck_assert_int_eq(raw_request(g.sock, m), -EPROTO);
	raw_walk_begin(m, g.root_fid, 1);
	raw_walk_name(m, 3, "dir", 3);
	ck_assert_int_eq(raw_request(g.sock, m), -EPROTO);	/* len field left 0 */

	/* WALK: names that are not plain components. */
	raw_walk_begin(m, g.root_fid, 1);
	raw_walk_name(m, 3, "d\0r", 3);
	raw_seal(m);
	ck_assert_int_eq(raw_request(g.sock, m), -EINVAL);
	raw_walk_begin(m, g.root_fid, 1);
	raw_walk_name(m, 0, "", 0);
	raw_seal(m);
	ck_assert_int_eq(raw_request(g.sock, m), -EINVAL);
	memset(name, 'x', sizeof(name));
	raw_walk_begin(m, g.root_fid, 1);
	raw_walk_name(m, sizeof(name), name, sizeof(name));
	raw_seal(m);
	ck_assert_int_eq(raw_request(g.sock, m), -ENAMETOOLONG);
	raw_walk_begin(m, g.root_fid, 2);
	raw_walk_name(m, 3, "dir", 3);
	raw_walk_name(m, 2, "..", 2);
	raw_seal(m);
	ck_assert_int_eq(raw_request(g.sock, m), -EINVAL);
	/* The largest well-formed WALK. */
	raw_walk_begin(m, g.root_fid, GOFER_WALK_MAX);
	for (int i = 0; i < GOFER_WALK_MAX; i++)
		raw_walk_name(m, GOFER_NAME_MAX, name, GOFER_NAME_MAX);
	raw_seal(m);
	ck_assert_int_eq(raw_request(g.sock, m), -ENOENT);
	raw_walk_begin(m, UINT32_MAX, 1);
	raw_walk_name(m, 3, "dir", 3);
	raw_seal(m);
	ck_assert_int_eq(raw_request(g.sock, m), -EBADF);

	/* Other requests with out-of-range fields. */
	{
		struct gofer_attach_req req = { .hdr = { .op = GOFER_OP_ATTACH }, .root = 3 };
		raw_fixed(m, &req, sizeof(req));
		ck_assert_int_eq(raw_request(g.sock, m), -EINVAL);
	}
	{
		struct gofer_readdir_req req = { .hdr = { .op = GOFER_OP_READDIR },
						 .fid = g.root_fid, .cookie = UINT64_MAX };
		raw_fixed(m, &req, sizeof(req));
		ck_assert_int_eq(raw_request(g.sock, m), -EINVAL);
	}
	{
		struct gofer_open_req req = { .hdr = { .op = GOFER_OP_OPEN }, .fid = g.root_fid,
					      .flags = UINT32_MAX };
		raw_fixed(m, &req, sizeof(req));
		ck_assert_int_eq(raw_request(g.sock, m), -EROFS);
	}

	/* Longer than any message: cut, answered, and the next one is read whole. */
	m->len = 0;
	raw_put(m, &stat_req, sizeof(stat_req));
	m->len = GOFER_MSG_MAX + 4096;
	raw_seal(m);
	ck_assert_int_eq(raw_request(g.sock, m), -EMSGSIZE);
	raw_fixed(m, &stat_req, sizeof(stat_req));
	ck_assert_int_eq(raw_request(g.sock, m), 0);

	/* Fds sent along with requests are closed, not kept. */
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(devnull, 0);
	int extra_fds[] = { devnull, devnull, devnull, devnull };
	baseline = count_fds(g.pid);
	for (int i = 0; i < 100; i++) {
		raw_fixed(m, &stat_req, sizeof(stat_req));
		ck_assert_int_eq(raw_request_fds(g.sock, m->b, m->len, extra_fds, 1 + i % 4), 0);
	}
	ck_assert_int_eq(count_fds(g.pid), baseline);

	free(m);
	assert_still_serves(&g);
	gofer_stop(&g);
}
END_TEST

static uint64_t fuzz_state = 0x9e3779b97f4a7c15ull;

static uint64_t fuzz_next(void)
{
	fuzz_state ^= fuzz_state << 13;
	fuzz_state ^= fuzz_state >> 7;
	fuzz_state ^= fuzz_state << 17;
	return fuzz_state;
}

/* Random bytes, made plausible enough (a real op, a true len, small fids, name lists) to get
   past the first checks some of the time. */
static void fuzz_message(struct raw_msg *m)
{
	struct gofer_hdr hdr;
	uint64_t shape = fuzz_next();

	m->len = shape % 4 == 0 ? fuzz_next() % 4096 : fuzz_next() % 300;
	for (size_t i = 0; i < m->len; i++)
		m->b[i] = (unsigned char)fuzz_next();
	if (m->len < sizeof(hdr))
		return;
	memcpy(&hdr, m->b, sizeof(hdr));
	if (shape & 4)
		hdr.op = 1 + (uint32_t)(fuzz_next() % (GOFER_OP_FSYNC + 1));
	if (shape & 8)
		hdr.len = (uint32_t)m->len;
	memcpy(m->b, &hdr, sizeof(hdr));
	if (m->len >= sizeof(struct gofer_walk_req) && (shape & 16)) {
		uint32_t fid = (uint32_t)(fuzz_next() % 4);
		memcpy(m->b + offsetof(struct gofer_fid_req, fid), &fid, sizeof(fid));
	}
	if (hdr.op == GOFER_OP_WALK && m->len >= sizeof(struct gofer_walk_req) && (shape & 32)) {
		size_t off = sizeof(struct gofer_walk_req);
		uint32_t nnames = 0;

		while (off + sizeof(uint16_t) <= m->len) {
			uint16_t len = (uint16_t)(fuzz_next() % 12);
			memcpy(m->b + off, &len, sizeof(len));
			off += 2 + len;
			nnames++;
		}
		if (shape & 64)
			nnames = (uint32_t)(fuzz_next() % (GOFER_WALK_MAX + 2));
		memcpy(m->b + offsetof(struct gofer_walk_req, nnames), &nnames, sizeof(nnames));
	}
}

START_TEST(test_raw_fuzz)
{
	struct gofer_child g;
	struct raw_msg *m = malloc(sizeof(*m));
	int errors = 0;

	ck_assert_ptr_nonnull(m);
	gofer_start(&g);
	for (int i = 0; i < FUZZ_ROUNDS; i++) {
		fuzz_message(m);
		if (raw_request(g.sock, m) < 0)
			errors++;
	}
	ck_assert_int_gt(errors, FUZZ_ROUNDS * 9 / 10);
	free(m);
	assert_still_serves(&g);
	assert_big_listing(&g, 0, 11);
	gofer_stop(&g);
}
END_TEST

static bool status_has(pid_t pid, const char *line)
{
	char path[64], buf[4096];
	_cleanup_close_ int fd = -1;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	n = read_full(fd, buf, sizeof(buf) - 1);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	return strstr(buf, line) != NULL;
}

/* The confined gofer still serves, sees an empty root, keeps two capabilities, is under
   seccomp, and exits 0 (through exit()) when the socket closes. */
START_TEST(test_confined)
{
	static const struct child_opts confined = { .confine = true };
	struct gofer_child g;
	char path[64];
	DIR *d;
	struct dirent *e;
	int entries = 0;

	gofer_start_opts(&g, &confined);
	assert_still_serves(&g);
	assert_big_listing(&g, 0, 11);
	snprintf(path, sizeof(path), "/proc/%d/root", (int)g.pid);
	d = opendir(path);
	ck_assert_msg(d != NULL, "%s: %s", path, strerror(errno));
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			entries++;
	closedir(d);
	ck_assert_int_eq(entries, 0);
	ck_assert(status_has(g.pid, "\nCapEff:\t0000000000000006\n"));
	ck_assert(status_has(g.pid, "\nCapBnd:\t0000000000000006\n"));
	ck_assert(status_has(g.pid, "\nNoNewPrivs:\t1\n"));
	ck_assert(status_has(g.pid, "\nSeccomp:\t2\n"));
	gofer_stop(&g);
}
END_TEST

/* A syscall off the list kills the confined gofer. */
START_TEST(test_confined_kill)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct rlimit no_core = { 0, 0 };

		setrlimit(RLIMIT_CORE, &no_core);
		if (gofer_confine(false) < 0)
			_exit(3);
		syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS, "status 0x%x", status);
}
END_TEST

START_TEST(test_print_syscalls)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	char *line, *save = NULL;
	int lines = 0;

	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(gofer_print_syscalls(out), 0);
	fclose(out);
	ck_assert_msg(strncmp(text, "gofer seccomp allow-list", 24) == 0, "%s", text);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (lines++ == 0)
			continue;
		ck_assert_msg(strspn(line, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(line),
			      "not a syscall name: %s", line);
		ck_assert_str_ne(line, "execve");
		ck_assert_str_ne(line, "socket");
		ck_assert_str_ne(line, "open");
	}
	ck_assert_int_gt(lines, 10);
	free(text);
}
END_TEST

/* ---- writing (root 1 is writable) ---- */

static uint32_t make_one(struct gofer_child *g, uint32_t dir, const char *name, uint32_t mode,
			 const char *target)
{
	struct gofer_walk_result res;
	ck_assert_int_eq(gofer_make(g->client, dir, name, mode, 1234, 5678, target, &res), 0);
	ck_assert_uint_eq(res.attr.mode, mode);
	ck_assert_uint_eq(res.attr.uid, 1234);
	ck_assert_uint_eq(res.attr.gid, 5678);
	return res.fid;
}

static void assert_host_mode(const char *rel, mode_t mode, nlink_t nlink)
{
	struct stat st;
	host_lstat(rel, &st);
	ck_assert_uint_eq(st.st_mode, mode);
	ck_assert_uint_eq(st.st_nlink, nlink);
}

START_TEST(test_write_through)
{
	struct gofer_child g;
	struct gofer_attr attr;
	uint32_t dir, flags, file, sub;
	char target[16];

	gofer_start(&g);
	ck_assert_int_eq(gofer_attach(g.client, 1, &dir, &flags, &attr), 0);
	/* A file made with its owner and mode (set-id bits too: no umask, chown first). */
	file = make_one(&g, dir, "new.txt", S_IFREG | 02640, NULL);
	assert_host_mode("dir/new.txt", S_IFREG | 02640, 1);
	int fd = open_one(g.client, file, O_WRONLY | O_APPEND);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "written", 7), 7);
	close(fd);
	fd = open_one(g.client, file, O_RDONLY);
	assert_fd_content(fd, "written");
	close(fd);
	struct gofer_setattr_req req = { .fid = file, .valid = GOFER_ATTR_SIZE | GOFER_ATTR_MODE |
							    GOFER_ATTR_UID | GOFER_ATTR_MTIME,
					 .size = 4, .mode = 0600, .uid = 42, .mtime_sec = 1000000 };
	ck_assert_int_eq(gofer_setattr(g.client, &req, &attr), 0);
	ck_assert_int_eq(attr.size, 4);
	ck_assert_uint_eq(attr.mode, S_IFREG | 0600);
	ck_assert_uint_eq(attr.uid, 42);
	ck_assert_int_eq(attr.mtime_sec, 1000000);
	assert_host_mode("dir/new.txt", S_IFREG | 0600, 1);
	ck_assert_int_eq(gofer_fsync(g.client, file), 0);
	/* Directories, symlinks (the target as given, never followed), hard links. */
	sub = make_one(&g, dir, "newdir", S_IFDIR | 01750, NULL);
	assert_host_mode("dir/newdir", S_IFDIR | 01750, 2);
	make_one(&g, sub, "up", S_IFLNK | 0777, "../../..");
	char host_link[PATH_MAX];
	snprintf(host_link, sizeof(host_link), "%s/dir/newdir/up", tree);
	ck_assert_int_eq(readlink(host_link, target, sizeof(target)), 8);
	ck_assert_int_eq(memcmp(target, "../../..", 8), 0);
	ck_assert_int_eq(gofer_link(g.client, file, sub, "hard"), 0);
	assert_host_mode("dir/newdir/hard", S_IFREG | 0600, 2);
	ck_assert_int_eq(gofer_make(g.client, dir, "new.txt", S_IFREG | 0644, 0, 0, NULL,
				    &(struct gofer_walk_result){ 0 }), -EEXIST);
	ck_assert_int_eq(gofer_make(g.client, dir, "fifo", S_IFIFO | 0644, 0, 0, NULL,
				    &(struct gofer_walk_result){ 0 }), -EINVAL);
	ck_assert_int_eq(gofer_link(g.client, sub, dir, "dirlink"), -EPERM);
	/* A renamed file's fid follows it: it opens under its new name. */
	ck_assert_int_eq(gofer_rename(g.client, dir, "new.txt", sub, "moved.txt", file, GOFER_NOFID, 0), 0);
	fd = open_one(g.client, file, O_RDONLY);
	assert_fd_content(fd, "writ");
	close(fd);
	ck_assert_int_eq(gofer_rename(g.client, sub, "moved.txt", sub, "hard", file, GOFER_NOFID,
				      RENAME_NOREPLACE), -EEXIST);
	ck_assert_int_eq(gofer_unlink(g.client, dir, "newdir", AT_REMOVEDIR), -ENOTEMPTY);
	ck_assert_int_eq(gofer_unlink(g.client, sub, "up", AT_REMOVEDIR), -ENOTDIR);
	ck_assert_int_eq(gofer_unlink(g.client, sub, "hard", 0), 0);
	ck_assert_int_eq(gofer_unlink(g.client, sub, "moved.txt", 0), 0);
	ck_assert_int_eq(gofer_unlink(g.client, sub, "up", 0), 0);
	ck_assert_int_eq(gofer_unlink(g.client, dir, "newdir", AT_REMOVEDIR), 0);
	ck_assert_int_eq(open_one(g.client, file, O_RDONLY), -ESTALE);
	gofer_stop(&g);
}
END_TEST

/* Names are single components; the read-only roots refuse every change. */
START_TEST(test_write_refused)
{
	struct gofer_child g;
	struct gofer_attr attr;
	struct gofer_walk_result res;
	uint32_t dir, flags, file, one;

	gofer_start(&g);
	ck_assert_int_eq(gofer_attach(g.client, 1, &dir, &flags, &attr), 0);
	static const char *const bad[] = { "..", ".", "", "a/b", "sub/../../x" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		ck_assert_int_eq(gofer_make(g.client, dir, bad[i], S_IFREG | 0644, 0, 0, NULL, &res), -EINVAL);
		ck_assert_int_eq(gofer_unlink(g.client, dir, bad[i], 0), -EINVAL);
		ck_assert_int_eq(gofer_rename(g.client, dir, "sub", dir, bad[i], GOFER_NOFID, GOFER_NOFID, 0), -EINVAL);
	}
	ck_assert_int_eq(gofer_unlink(g.client, dir, "sub", AT_SYMLINK_NOFOLLOW), -EINVAL);
	ck_assert_int_eq(gofer_rename(g.client, dir, "sub", dir, "x", GOFER_NOFID, GOFER_NOFID,
				      RENAME_WHITEOUT), -EINVAL);
	file = walk_fid(&g, "file.txt", NULL);
	ck_assert_int_eq(gofer_make(g.client, g.root_fid, "x", S_IFREG | 0644, 0, 0, NULL, &res), -EROFS);
	ck_assert_int_eq(gofer_unlink(g.client, g.root_fid, "file.txt", 0), -EROFS);
	ck_assert_int_eq(gofer_rename(g.client, g.root_fid, "file.txt", g.root_fid, "y", file,
				      GOFER_NOFID, 0), -EROFS);
	ck_assert_int_eq(gofer_link(g.client, file, dir, "z"), -EROFS);
	ck_assert_int_eq(gofer_rename(g.client, g.root_fid, "file.txt", dir, "y", file, GOFER_NOFID, 0),
			 -EROFS);
	struct gofer_setattr_req req = { .fid = file, .valid = GOFER_ATTR_MODE, .mode = 0777 };
	ck_assert_int_eq(gofer_setattr(g.client, &req, &attr), -EROFS);
	ck_assert_int_eq(open_one(g.client, file, O_RDWR), -EROFS);
	/* Root 2 is file.txt alone: read, never walked from, never written. */
	ck_assert_int_eq(gofer_attach(g.client, 2, &one, &flags, &attr), 0);
	ck_assert_uint_eq(flags, GOFER_ROOT_READONLY);
	assert_attr_is(&attr, "file.txt");
	ck_assert_int_eq(walk_one(&g, one, "dir"), -ENOTDIR);
	int fd = open_one(g.client, one, O_RDONLY);
	assert_fd_content(fd, "hello gofer\n");
	close(fd);
	ck_assert_int_eq(open_one(g.client, one, O_WRONLY), -EROFS);
	struct stat st;
	host_lstat("file.txt", &st);
	ck_assert_uint_eq(st.st_mode, S_IFREG | 0644);
	assert_still_serves(&g);
	gofer_stop(&g);
}
END_TEST

int main(int argc, char **argv)
{
	Suite *suite;
	TCase *serve;
	SRunner *runner;
	int failed;

	if (argc == 5 && !strcmp(argv[1], GOFER_CHILD_ARG))
		return gofer_child_exec_main(argv);
	tree_build();
	suite = suite_create("gofer");
	serve = tcase_create("serve");
	tcase_set_timeout(serve, 600);
	tcase_add_test(serve, test_attach);
	tcase_add_test(serve, test_walk);
	tcase_add_test(serve, test_walk_stops);
	tcase_add_test(serve, test_stat);
	tcase_add_test(serve, test_open_read);
	tcase_add_test(serve, test_open_many);
	tcase_add_test(serve, test_open_after_parent_clunk);
	tcase_add_test(serve, test_open_refused);
	tcase_add_test(serve, test_open_swapped);
	tcase_add_test(serve, test_readdir_small);
	tcase_add_test(serve, test_readdir_big);
	tcase_add_test(serve, test_readlink);
	tcase_add_test(serve, test_clunk);
	tcase_add_test(serve, test_escapes);
	tcase_add_test(serve, test_bad_fids);
	tcase_add_test(serve, test_fd_exhaustion);
	tcase_add_test(serve, test_raw_crafted);
	tcase_add_test(serve, test_raw_fuzz);
	tcase_add_test(serve, test_print_syscalls);
	tcase_add_test(serve, test_write_through);
	tcase_add_test(serve, test_write_refused);
	/* A million round trips take minutes under valgrind, for code it checks elsewhere. */
	if (RUNNING_ON_VALGRIND)
		printf("test_gofer: skipping test_fid_limit under valgrind\n");
	else
		tcase_add_test(serve, test_fid_limit);
	suite_add_tcase(suite, serve);

	/* Confining needs root (a mount namespace, capabilities); valgrind and sanitizer runtimes
	   make syscalls of their own that the seccomp filter kills. */
	if (geteuid() != 0) {
		printf("test_gofer: skipping the confined tests: they need root\n");
	} else if (RUNNING_ON_VALGRIND || SANITIZED) {
		printf("test_gofer: skipping the confined tests under valgrind or a sanitizer\n");
	} else {
		TCase *confined = tcase_create("confined");

		tcase_set_timeout(confined, 120);
		tcase_add_test(confined, test_confined);
		tcase_add_test(confined, test_confined_kill);
		suite_add_tcase(suite, confined);
	}

	runner = srunner_create(suite);
	srunner_run_all(runner, CK_ENV);
	failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	tree_remove();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
