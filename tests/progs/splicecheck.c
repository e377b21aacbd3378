/* Data movement: splice, tee and vmsplice between pipes and files, sendfile and
   copy_file_range errors, memfd_create with seals, fstatfs of pipes, sockets, memfds and
   event fds, RLIMIT_FSIZE (a short write, then EFBIG and SIGXFSZ). Prints one line per check.

   splicecheck FILE   FILE: a file of the image with at least 16 bytes */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/uio.h>
#include <unistd.h>

#include "lib/guest_check.h"

static const char *io(ssize_t n)
{
	char *b = say_buffer();
	if (n < 0)
		snprintf(b, SAY_BUFFER_SIZE, "%s", en(errno));
	else
		snprintf(b, SAY_BUFFER_SIZE, "%zd", n);
	return b;
}

static const char *drain(int fd)
{
	char *b = say_buffer();
	ssize_t n = read(fd, b, SAY_BUFFER_SIZE - 1);
	b[n < 0 ? 0 : n] = 0;
	return b;
}

static void check_splice(const char *image_file)
{
	int a[2], b[2];
	pipe(a);
	pipe(b);
	write(a[1], "hello splice", 12);
	ssize_t n = tee(a[0], b[1], 100, 0);
	say("tee: %s; copy \"%s\"", io(n), drain(b[0]));
	n = splice(a[0], NULL, b[1], NULL, 5, 0);
	say("splice pipe to pipe: %s; moved \"%s\"; left \"%s\"", io(n), drain(b[0]), drain(a[0]));

	int in = open(image_file, O_RDONLY);
	loff_t off = 4;
	n = splice(in, &off, a[1], NULL, 8, 0);
	char want[16] = "";
	pread(in, want, 8, 4);
	const char *got = drain(a[0]);
	say("splice file (offset 4) to pipe: %s; same bytes %s; offset now %lld", io(n),
	    yesno(n == 8 && !memcmp(got, want, 8)), (long long)off);
	n = splice(in, NULL, b[1], NULL, 4, 0);
	say("splice file at its position: %s; position now %lld", io(n), (long long)lseek(in, 0, SEEK_CUR));
	drain(b[0]);

	int tmp = open("/tmp/splice.out", O_CREAT | O_RDWR | O_TRUNC, 0600);
	write(a[1], "to a file", 9);
	off = 0;
	n = splice(a[0], NULL, tmp, &off, 100, 0);
	char back[16] = "";
	pread(tmp, back, sizeof(back) - 1, 0);
	say("splice pipe to a new file at offset 0: %s; file has \"%s\"", io(n), back);

	say("splice file to file: %s", io(splice(in, NULL, tmp, NULL, 4, 0)));
	say("splice with an offset on a pipe: %s", io(splice(a[0], &off, b[1], NULL, 4, 0)));
	say("splice bad fd: %s; to a read end: %s", io(splice(a[0], NULL, 999, NULL, 4, 0)),
	    io(splice(in, &off, b[0], NULL, 4, 0)));
	say("tee file: %s; tee empty pipe, nonblock: %s", io(tee(in, b[1], 4, 0)),
	    io(tee(a[0], b[1], 4, SPLICE_F_NONBLOCK)));

	char buf1[] = "vm", buf2[] = "splice";
	struct iovec iov[2] = { { buf1, 2 }, { buf2, 6 } };
	n = vmsplice(b[1], iov, 2, 0);
	say("vmsplice: %s; pipe has \"%s\"; to a file: %s; to a read end: %s", io(n), drain(b[0]),
	    io(vmsplice(in, iov, 1, 0)), io(vmsplice(b[0], iov, 1, 0)));
	close(tmp);
	close(in);
	for (int i = 0; i < 2; i++) {
		close(a[i]);
		close(b[i]);
	}
}

static void check_sendfile(const char *image_file)
{
	int in = open(image_file, O_RDONLY);
	int p[2];
	pipe(p);
	off_t off = 0;
	ssize_t n = sendfile(p[1], in, &off, 6);
	say("sendfile file to pipe: %s; offset %lld; %s bytes in the pipe", io(n), (long long)off,
	    n == 6 && strlen(drain(p[0])) <= 6 ? "6" : "other");
	say("sendfile bad in: %s; bad out: %s; to a read end: %s; from a write end: %s",
	    io(sendfile(p[1], 999, NULL, 4)), io(sendfile(999, in, NULL, 4)),
	    io(sendfile(p[0], in, NULL, 4)), io(sendfile(p[1], p[1], NULL, 4)));
	say("sendfile bad offset pointer: %s", io(sendfile(p[1], in, (off_t *)8, 4)));
	int out = open("/tmp/cfr.out", O_CREAT | O_RDWR | O_TRUNC, 0600);
	say("copy_file_range bad fd: %s; flags 1: %s; from a pipe: %s",
	    io(copy_file_range(999, NULL, out, NULL, 4, 0)), io(copy_file_range(in, NULL, out, NULL, 4, 1)),
	    io(copy_file_range(p[0], NULL, out, NULL, 4, 0)));
	close(out);
	close(in);
	close(p[0]);
	close(p[1]);
}

static void check_memfd(void)
{
	int fd = memfd_create("check", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	say("memfd_create: %s; cloexec %s", fd < 0 ? en(errno) : "ok", yesno(fcntl(fd, F_GETFD) & FD_CLOEXEC));
	const char *w = io(write(fd, "memory file", 11));
	say("write: %s; size %lld", w, (long long)lseek(fd, 0, SEEK_END));
	char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	say("shared mapping sees \"%.11s\"", m == MAP_FAILED ? en(errno) : m);
	int seals = fcntl(fd, F_GET_SEALS);
	say("seals: %#x; add F_SEAL_WRITE with a writable mapping: %s", seals,
	    io(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE)));
	munmap(m, 4096);
	w = io(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE));
	say("F_SEAL_SHRINK|F_SEAL_GROW|F_SEAL_WRITE: %s; seals %#x", w, fcntl(fd, F_GET_SEALS));
	say("sealed: write %s; ftruncate %s; pwrite %s; shared writable map %s",
	    io(write(fd, "x", 1)), io(ftruncate(fd, 1)), io(pwrite(fd, "x", 1, 0)),
	    mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED ? en(errno) : "ok");
	char back[16] = "";
	say("read back: %s \"%s\"", io(pread(fd, back, 11, 0)), back);
	close(fd);
	int plain = memfd_create("plain", 0);
	say("without MFD_ALLOW_SEALING: cloexec %s; seals %#x; add: %s", yesno(fcntl(plain, F_GETFD) & FD_CLOEXEC),
	    fcntl(plain, F_GET_SEALS), io(fcntl(plain, F_ADD_SEALS, F_SEAL_WRITE)));
	close(plain);
	char longname[300];
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	say("bad flags: %s; long name: %s; bad name pointer: %s", io(memfd_create("x", 0x1000)),
	    io(memfd_create(longname, 0)), io(memfd_create((char *)8, 0)));
}

static void show_statfs(const char *what, int fd)
{
	struct statfs sf;
	if (fstatfs(fd, &sf) < 0) {
		say("fstatfs %s: %s", what, en(errno));
		return;
	}
	say("fstatfs %s: type %#lx bsize %ld namelen %ld flags %#lx", what, (unsigned long)sf.f_type,
	    (long)sf.f_bsize, (long)sf.f_namelen, (unsigned long)sf.f_flags);
}

static void check_statfs(void)
{
	int p[2], s[2];
	pipe(p);
	socketpair(AF_UNIX, SOCK_STREAM, 0, s);
	show_statfs("pipe", p[0]);
	char max[32] = "";
	int mfd = open("/proc/sys/fs/pipe-max-size", O_RDONLY);
	const char *mr = io(read(mfd, max, sizeof(max) - 1));
	say("/proc/sys/fs/pipe-max-size: %s %s", mr, max);
	close(mfd);
	show_statfs("socketpair", s[0]);
	int sock = socket(AF_UNIX, SOCK_DGRAM, 0);
	show_statfs("socket", sock);
	show_statfs("eventfd", eventfd(0, 0));
	int m = memfd_create("statfs", 0);
	struct statfs sf = { 0 };
	const char *r = io(fstatfs(m, &sf));
	say("fstatfs memfd: %s type %#lx", r, (unsigned long)sf.f_type);
}

static void check_fsize(void)
{
	struct rlimit rl = { 10, RLIM_INFINITY };
	int fd = open("/tmp/fsize", O_CREAT | O_RDWR | O_TRUNC, 0600);
	pid_t c = xfork();
	if (c == 0) {
		signal(SIGXFSZ, SIG_IGN);
		setrlimit(RLIMIT_FSIZE, &rl);
		const char *a = io(write(fd, "0123456789abcdefghij", 20));
		const char *b = io(write(fd, "x", 1));
		const char *d = io(pwrite(fd, "0123456789", 10, 5));
		const char *z = io(write(fd, "", 0));
		/* stdout is a file too. */
		setrlimit(RLIMIT_FSIZE, &(struct rlimit){ RLIM_INFINITY, RLIM_INFINITY });
		say("RLIMIT_FSIZE 10, SIGXFSZ ignored: write 20: %s; again: %s; pwrite 10 at 5: %s; "
		    "write 0: %s", a, b, d, z);
		_exit(0);
	}
	wait_status(c);
	c = xfork();
	if (c == 0) {
		setrlimit(RLIMIT_FSIZE, &rl);
		pwrite(fd, "x", 1, 10);
		_exit(0);
	}
	int st = wait_status(c);
	struct stat sb;
	fstat(fd, &sb);
	say("SIGXFSZ by default: %s %s; file size %lld", WIFSIGNALED(st) ? "killed by" : "exit",
	    WIFSIGNALED(st) ? sname(WTERMSIG(st)) : "", (long long)sb.st_size);
	close(fd);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc < 2) {
		fprintf(stderr, "usage: splicecheck FILE\n");
		return 2;
	}
	check_splice(argv[1]);
	check_sendfile(argv[1]);
	check_memfd();
	check_statfs();
	check_fsize();
	return 0;
}
