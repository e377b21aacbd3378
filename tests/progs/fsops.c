/* File system calls made directly, for their errno semantics: each check prints one line,
   "name: OK" or "name: ENAME" (or a value), so a run in the sandbox can be compared with the
   same run natively (tests/integration/test_writable_fs.sh).

   fsops root   as root, in a scratch directory /tmp/fsops it creates, and in /data (an image
                directory: the sandbox's lower layer)
   fsops user   as an unprivileged user (uid 1000, gid 1000), against files the test script
                put in the image: the sticky /tmp, someone else's files, a setgid directory */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/wait.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#define RENAME_EXCHANGE (1 << 1)
#endif

static void report(const char *name, long r)
{
	if (r < 0)
		printf("%s: %s\n", name, strerrorname_np(errno) ? strerrorname_np(errno) : "E?");
	else
		printf("%s: OK\n", name);
	fflush(stdout);
}

#define CHECK(name, expr) report(name, (long)(expr))

static void put(const char *path, const char *content)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, content, strlen(content)) < 0) {
		printf("setup %s: %s\n", path, strerror(errno));
		exit(1);
	}
	close(fd);
}

static void show_file(const char *name, const char *path)
{
	char buf[256];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (n < 0) {
		report(name, -1);
	} else {
		buf[n] = '\0';
		printf("%s: \"%s\"\n", name, buf);
	}
	if (fd >= 0)
		close(fd);
}

/* Type, permissions, owner and link count (no inode numbers or times: those differ). */
static void show_stat(const char *name, const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		report(name, -1);
		return;
	}
	printf("%s: mode=%o uid=%u gid=%u nlink=%lu size=%lld\n", name, st.st_mode, st.st_uid,
	       st.st_gid, (unsigned long)st.st_nlink, (long long)st.st_size);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names in a directory, sorted (getdents order is the file system's own). */
static void show_dir(const char *name, const char *path)
{
	char *names[256];
	int n = 0;
	DIR *d = opendir(path);
	if (!d) {
		report(name, -1);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d)) && n < 256)
		names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), cmp_str);
	printf("%s:", name);
	for (int i = 0; i < n; i++) {
		printf(" %s", names[i]);
		free(names[i]);
	}
	printf("\n");
}

static void root_names(void)
{
	mkdir("/tmp/fsops", 0755);
	CHECK("chdir scratch", chdir("/tmp/fsops"));
	put("file", "content\n");
	mkdir("dir", 0755);
	mkdir("full", 0755);
	put("full/x", "x");

	CHECK("mkdir existing", mkdir("dir", 0755));
	CHECK("mkdir existing file", mkdir("file", 0755));
	CHECK("mkdir root", mkdir("/", 0755));
	CHECK("mkdir dot", mkdir(".", 0755));
	CHECK("mkdir missing parent", mkdir("nope/sub", 0755));
	CHECK("mkdir under file", mkdir("file/sub", 0755));
	CHECK("mkdir trailing slash", mkdir("newdir/", 0755));
	CHECK("mkdir in /proc", mkdir("/proc/newdir", 0755));
	CHECK("mkdir symlink to missing", (symlink("missing", "dangling"), mkdir("dangling", 0755)));

	CHECK("rmdir not empty", rmdir("full"));
	CHECK("rmdir file", rmdir("file"));
	CHECK("rmdir dot", rmdir("."));
	CHECK("rmdir dotdot", rmdir("dir/.."));
	CHECK("rmdir root", rmdir("/"));
	CHECK("rmdir mount point", rmdir("/proc"));
	CHECK("rmdir missing", rmdir("nope"));
	CHECK("rmdir symlink", rmdir("dangling"));

	CHECK("unlink dir", unlink("dir"));
	CHECK("unlink missing", unlink("nope"));
	CHECK("unlink file slash", unlink("file/"));
	CHECK("unlink dir slash", unlink("dir/"));
	CHECK("unlinkat removedir file", unlinkat(AT_FDCWD, "file", AT_REMOVEDIR));
	CHECK("unlinkat bad flag", unlinkat(AT_FDCWD, "file", 0x1));
	CHECK("unlink dotdot", unlink(".."));
	CHECK("unlink dangling symlink", unlink("dangling"));
	CHECK("unlink in /proc", unlink("/proc/self/status"));

	CHECK("creat exclusive existing", open("file", O_CREAT | O_EXCL | O_WRONLY, 0644));
	CHECK("creat on dir", open("dir", O_CREAT | O_WRONLY, 0644));
	CHECK("creat trailing slash", open("newfile/", O_CREAT | O_WRONLY, 0644));
	CHECK("creat directory flag", open("newfile2", O_CREAT | O_DIRECTORY | O_RDONLY, 0644));
	CHECK("creat missing dir", open("nope/file", O_CREAT | O_WRONLY, 0644));
	CHECK("creat in /proc", open("/proc/newfile", O_CREAT | O_WRONLY, 0644));
	mode_t old = umask(027);
	int fd = open("masked", O_CREAT | O_WRONLY, 0777);
	CHECK("creat with umask", fd);
	close(fd);
	show_stat("creat with umask stat", "masked");
	mkdir("maskdir", 0777);
	show_stat("mkdir with umask stat", "maskdir");
	umask(old);
	fd = open("ro-created", O_CREAT | O_RDWR, 0444);
	CHECK("creat 0444 read-write", fd);
	CHECK("write to new 0444 file", write(fd, "abc", 3));
	close(fd);
	CHECK("creat over dangling symlink", (symlink("target-made", "dl2"), open("dl2", O_CREAT | O_WRONLY, 0644)));
	show_stat("dangling symlink target made", "target-made");
}

static void root_rename(void)
{
	mkdir("a", 0755);
	mkdir("a/b", 0755);
	mkdir("empty", 0755);
	put("f1", "one");
	put("f2", "two");

	CHECK("rename into own subtree", rename("a", "a/b/c"));
	CHECK("rename dir over nonempty dir", rename("a", "full"));
	CHECK("rename file over dir", rename("f1", "dir"));
	CHECK("rename dir over file", rename("dir", "f1"));
	CHECK("rename to /proc", rename("f1", "/proc/f1"));
	CHECK("rename to /dev/shm", rename("f1", "/dev/shm/f1"));
	CHECK("rename self", rename("f1", "f1"));
	CHECK("rename dot", rename(".", "x"));
	CHECK("rename to dot", rename("f1", "."));
	CHECK("rename dotdot target", rename("f1", "a/.."));
	CHECK("rename missing", rename("nope", "x"));
	CHECK("rename file slash", rename("f1/", "x"));
	CHECK("rename to file slash", rename("f1", "x/"));
	CHECK("rename ancestor over descendant", rename("a/b", "a"));
	CHECK("rename dir over empty dir", rename("dir", "empty"));
	show_dir("after dir over empty", ".");
	CHECK("rename noreplace existing", renameat2(AT_FDCWD, "f1", AT_FDCWD, "f2", RENAME_NOREPLACE));
	CHECK("rename noreplace new", renameat2(AT_FDCWD, "f1", AT_FDCWD, "f3", RENAME_NOREPLACE));
	CHECK("rename exchange file and dir", renameat2(AT_FDCWD, "f3", AT_FDCWD, "a", RENAME_EXCHANGE));
	show_file("exchanged file", "a");
	show_dir("exchanged dir", "f3");
	CHECK("rename exchange missing", renameat2(AT_FDCWD, "f2", AT_FDCWD, "nope", RENAME_EXCHANGE));
	CHECK("rename exchange noreplace", renameat2(AT_FDCWD, "f2", AT_FDCWD, "a", RENAME_EXCHANGE | RENAME_NOREPLACE));
	CHECK("rename bad flags", renameat2(AT_FDCWD, "f2", AT_FDCWD, "x", 0x100));
	CHECK("rename over file", rename("f2", "a"));
	show_file("renamed over", "a");
	CHECK("rename moved away", access("f2", F_OK));
	link("a", "hard");
	CHECK("rename hard link onto its twin", rename("a", "hard"));
	show_stat("twin kept", "a");
	CHECK("rename across dirs", rename("hard", "f3/hard"));
	show_stat("moved link", "f3/hard");
	show_stat("dir nlink after moves", "f3");
	show_stat("scratch nlink", ".");
	CHECK("rename dir across dirs", rename("empty", "f3/b/empty2"));
	CHECK("cd into moved dir", chdir("f3/b/empty2"));
	CHECK("dotdot of moved dir", access("../../hard", F_OK));
	CHECK("back", chdir("/tmp/fsops"));
}

static void root_links(void)
{
	mkdir("dir", 0755);
	CHECK("link dir", link("dir", "dirlink"));
	CHECK("link existing", link("file", "masked"));
	CHECK("link to /dev/shm", link("file", "/dev/shm/file"));
	CHECK("link missing", link("nope", "x"));
	CHECK("link", link("file", "file2"));
	show_stat("link count", "file");
	CHECK("unlink one name", unlink("file2"));
	show_stat("link count after unlink", "file");
	CHECK("symlink existing", symlink("x", "file"));
	CHECK("symlink empty target", symlink("", "emptylink"));
	CHECK("symlink", symlink("file", "sym"));
	char buf[64];
	ssize_t n = readlink("sym", buf, sizeof(buf));
	printf("readlink: %.*s\n", (int)(n < 0 ? 0 : n), buf);
	show_file("through symlink", "sym");
	CHECK("link to symlink (no follow)", link("sym", "symhard"));
	show_stat("hard link to symlink", "symhard");
	CHECK("linkat follow", linkat(AT_FDCWD, "sym", AT_FDCWD, "followed", AT_SYMLINK_FOLLOW));
	show_stat("followed link", "followed");
	CHECK("mknod fifo", mknod("fifo", S_IFIFO | 0644, 0));
	show_stat("fifo", "fifo");
	CHECK("mkfifo existing", mkfifo("fifo", 0644));
	CHECK("mknod dir", mknod("mkdir", S_IFDIR | 0755, 0));
	CHECK("mknod bad type", mknod("bad", 0170000, 0));
	CHECK("mknod regular", mknod("plain", S_IFREG | 0600, 0));
	show_stat("mknod regular stat", "plain");
	CHECK("mknod socket", mknod("sock", S_IFSOCK | 0600, 0));
	CHECK("open socket", open("sock", O_RDONLY));
	CHECK("fifo nonblocking writer without reader", open("fifo", O_WRONLY | O_NONBLOCK));
	pid_t pid = fork();
	if (pid == 0) {
		int w = open("fifo", O_WRONLY);
		if (write(w, "through the fifo", 16) != 16)
			_exit(1);
		_exit(0);
	}
	int r = open("fifo", O_RDONLY);
	char fb[64];
	ssize_t got = 0, k;
	while (r >= 0 && (k = read(r, fb + got, sizeof(fb) - 1 - (size_t)got)) > 0)
		got += k;
	fb[got] = '\0';
	int status;
	waitpid(pid, &status, 0);
	printf("fifo read: \"%s\" writer status %d\n", fb, status);
	close(r);
}

static void root_attrs(void)
{
	CHECK("truncate dir", truncate("dir", 0));
	CHECK("truncate negative", truncate("file", -1));
	CHECK("truncate missing", truncate("nope", 0));
	CHECK("truncate grow", truncate("file", 100000));
	show_stat("grown", "file");
	CHECK("truncate shrink", truncate("file", 4));
	show_file("shrunk", "file");
	int fd = open("file", O_RDONLY);
	CHECK("ftruncate read-only fd", ftruncate(fd, 0));
	close(fd);
	fd = open("dir", O_RDONLY);
	CHECK("ftruncate dir", ftruncate(fd, 0));
	close(fd);
	fd = open("file", O_WRONLY);
	CHECK("ftruncate", ftruncate(fd, 2));
	CHECK("fallocate", fallocate(fd, 0, 0, 8192));
	CHECK("fsync", fsync(fd));
	CHECK("fdatasync", fdatasync(fd));
	close(fd);
	show_stat("fallocated", "file");
	fd = open("file", O_RDONLY);
	CHECK("fallocate read-only", fallocate(fd, 0, 0, 8192));
	CHECK("fallocate bad length", fallocate(fd, 0, 0, 0));
	close(fd);

	CHECK("chmod", chmod("file", 04751));
	show_stat("chmod stat", "file");
	CHECK("chown", chown("file", 1234, 5678));
	show_stat("chown clears setuid", "file");
	CHECK("chmod dir sticky", chmod("dir", 01777));
	show_stat("chmod dir stat", "dir");
	CHECK("lchown", lchown("sym", 42, 43));
	show_stat("lchown stat", "sym");
	show_stat("lchown target untouched", "file");
	CHECK("fchmodat nofollow symlink", fchmodat(AT_FDCWD, "sym", 0600, AT_SYMLINK_NOFOLLOW));
	CHECK("fchownat empty path", (fd = open("file", O_RDONLY), fchownat(fd, "", 7, 8, AT_EMPTY_PATH)));
	CHECK("fchmod", fchmod(fd, 0640));
	close(fd);
	show_stat("after fchown/fchmod", "file");
	fd = open("file", O_PATH);
	CHECK("fchmod O_PATH", fchmod(fd, 0600));
	close(fd);

	struct timespec ts[2] = { { 1000000000, 123456789 }, { 1200000000, 987654321 } };
	CHECK("utimensat", utimensat(AT_FDCWD, "file", ts, 0));
	struct stat st;
	stat("file", &st);
	printf("times: atime=%ld.%09ld mtime=%ld.%09ld\n", (long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
	       (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	struct timespec omit[2] = { { 5, UTIME_OMIT }, { 1300000000, 0 } };
	CHECK("utimensat omit atime", utimensat(AT_FDCWD, "file", omit, 0));
	stat("file", &st);
	printf("times: atime=%ld mtime=%ld\n", (long)st.st_atim.tv_sec, (long)st.st_mtim.tv_sec);
	struct timespec both_omit[2] = { { 0, UTIME_OMIT }, { 0, UTIME_OMIT } };
	CHECK("utimensat omit both missing", utimensat(AT_FDCWD, "nope", both_omit, 0));
	struct timespec bad[2] = { { 0, 1000000000 }, { 0, 0 } };
	CHECK("utimensat bad nsec", utimensat(AT_FDCWD, "file", bad, 0));
	CHECK("utimensat bad flags", utimensat(AT_FDCWD, "file", NULL, 0x1));
	CHECK("utimensat nofollow", utimensat(AT_FDCWD, "sym", ts, AT_SYMLINK_NOFOLLOW));
	lstat("sym", &st);
	printf("symlink mtime=%ld\n", (long)st.st_mtim.tv_sec);
	fd = open("file", O_RDONLY);
	CHECK("futimens", futimens(fd, ts));
	close(fd);
	struct timeval tv[2] = { { 1100000000, 5 }, { 1100000001, 6 } };
	CHECK("utimes", utimes("file", tv));
	stat("file", &st);
	printf("utimes: atime=%ld.%09ld mtime=%ld.%09ld\n", (long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
	       (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	struct timeval badtv[2] = { { 0, 1000000 }, { 0, 0 } };
	CHECK("utimes bad usec", utimes("file", badtv));
}

static void root_data(void)
{
	put("data", "0123456789");
	int a = open("data", O_RDONLY), b = open("data", O_RDONLY);
	char x[4] = { 0 }, y[4] = { 0 };
	if (read(a, x, 3) != 3 || read(b, y, 2) != 2)
		printf("independent reads: failed\n");
	printf("independent offsets: %s %s at %ld %ld\n", x, y, (long)lseek(a, 0, SEEK_CUR),
	       (long)lseek(b, 0, SEEK_CUR));
	CHECK("write to read-only fd", write(a, "z", 1));
	close(a);
	close(b);
	a = open("data", O_WRONLY | O_APPEND);
	lseek(a, 0, SEEK_SET);
	CHECK("append write", write(a, "AB", 2));
	CHECK("read from write-only fd", read(a, x, 1));
	printf("append offset: %ld\n", (long)lseek(a, 0, SEEK_CUR));
	CHECK("pwrite with O_APPEND", pwrite(a, "CD", 2, 0));
	close(a);
	show_file("appended", "data");
	a = open("data", O_RDWR);
	char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, a, 0);
	CHECK("mmap shared", m == MAP_FAILED ? -1 : 0);
	if (m != MAP_FAILED) {
		m[0] = 'M';
		CHECK("pwrite under mapping", pwrite(a, "W", 1, 1));
		printf("mapping sees write: %c\n", m[1]);
		munmap(m, 4096);
	}
	close(a);
	show_file("after mapping", "data");
	a = open("data", O_RDWR);
	CHECK("getfl", (printf("getfl: %o\n", fcntl(a, F_GETFL) & (O_ACCMODE | O_APPEND)), 0));
	CHECK("setfl append", fcntl(a, F_SETFL, O_APPEND));
	CHECK("write after setfl", write(a, "!", 1));
	printf("getfl after: %o\n", fcntl(a, F_GETFL) & (O_ACCMODE | O_APPEND));
	close(a);
	show_file("after setfl", "data");
	a = open("data", O_RDONLY);
	printf("seek end: %ld\n", (long)lseek(a, 0, SEEK_END));
	printf("seek hole: %ld\n", (long)lseek(a, 0, SEEK_HOLE));
	/* Copies at explicit offsets (what servers do with sendfile). */
	int p[2];
	off_t off = 2;
	CHECK("pipe", pipe(p));
	CHECK("sendfile at an offset", sendfile(p[1], a, &off, 4));
	char sb[8] = { 0 };
	CHECK("read what was sent", read(p[0], sb, 4));
	printf("sent: %s offset now %ld position %ld\n", sb, (long)off, (long)lseek(a, 0, SEEK_CUR));
	close(p[0]);
	close(p[1]);
	int c = open("copy", O_CREAT | O_RDWR, 0644);
	loff_t in_off = 1, out_off = 3;
	CHECK("copy_file_range at offsets", copy_file_range(a, &in_off, c, &out_off, 5, 0));
	close(c);
	close(a);
	c = open("copy", O_RDONLY);
	char cb[16] = { 0 };
	CHECK("read the copy", read(c, cb, sizeof(cb) - 1));
	printf("copy: %zu bytes, tail \"%s\"\n", strlen(cb + 3) + 3, cb + 3);
	close(c);

	/* An unlinked file stays readable through its fd. */
	put("gone", "still here");
	a = open("gone", O_RDONLY);
	CHECK("unlink open file", unlink("gone"));
	struct stat st;
	fstat(a, &st);
	printf("unlinked nlink: %lu\n", (unsigned long)st.st_nlink);
	char buf[32] = { 0 };
	CHECK("read unlinked", read(a, buf, sizeof(buf) - 1));
	printf("unlinked content: %s\n", buf);
	close(a);

	/* A removed working directory takes no new names. */
	mkdir("doomed", 0755);
	CHECK("chdir doomed", chdir("doomed"));
	CHECK("rmdir cwd", rmdir("/tmp/fsops/doomed"));
	CHECK("create in removed cwd", open("x", O_CREAT | O_WRONLY, 0644));
	CHECK("mkdir in removed cwd", mkdir("x", 0755));
	CHECK("chdir back", chdir("/tmp/fsops"));

	/* A program written in the upper layer runs. */
	int in = open("/bin/busybox", O_RDONLY), out = open("bb", O_CREAT | O_WRONLY, 0755);
	char chunk[65536];
	ssize_t n;
	while ((n = read(in, chunk, sizeof(chunk))) > 0)
		if (write(out, chunk, (size_t)n) != n)
			break;
	close(in);
	close(out);
	pid_t pid = fork();
	if (pid == 0) {
		execl("/tmp/fsops/bb", "echo", "ran from the upper layer", (char *)NULL);
		_exit(127);
	}
	int status;
	waitpid(pid, &status, 0);
	printf("exec status: %d\n", status);
	show_dir("scratch listing", ".");
}

/* The image directory /data: removed, renamed and created names. */
static void root_image(void)
{
	CHECK("unlink image file", unlink("/data/words"));
	CHECK("unlink image file again", unlink("/data/words"));
	CHECK("rename image file", rename("/data/numbers", "/data/renamed"));
	CHECK("rename image dir", rename("/data/tree", "/tmp/fsops/tree"));
	show_dir("moved image dir", "/tmp/fsops/tree");
	show_file("file in moved image dir", "/tmp/fsops/tree/a.txt");
	CHECK("rmdir image dir not empty", rmdir("/tmp/fsops/tree"));
	CHECK("rmdir empty image dir", rmdir("/data/empty"));
	CHECK("mkdir over removed image dir", mkdir("/data/empty", 0700));
	show_stat("recreated dir", "/data/empty");
	show_dir("recreated dir listing", "/data/empty");
	CHECK("create in image dir", open("/data/new", O_CREAT | O_WRONLY, 0600));
	show_dir("image dir", "/data");
	show_stat("image dir nlink", "/data");
	CHECK("open image file for write", open("/data/renamed", O_WRONLY | O_APPEND));
	show_stat("copied-up file", "/data/renamed");
	CHECK("chmod image file", chmod("/data/renamed", 0600));
	show_stat("chmod image file stat", "/data/renamed");
	CHECK("chmod image dir", chmod("/data/keep", 0700));
	show_stat("chmod image dir stat", "/data/keep");
	show_dir("untouched image dir listing", "/data/keep");
	CHECK("truncate image file", truncate("/data/keep/big", 10));
	show_stat("truncated image file", "/data/keep/big");
	CHECK("link image file", link("/data/keep/small", "/data/keep/small2"));
	show_stat("linked image file", "/data/keep/small");
	int fd = open("/data/keep/small2", O_WRONLY | O_APPEND);
	CHECK("append through the new link", write(fd, "+", 1));
	close(fd);
	show_file("seen through the first name", "/data/keep/small");
}

static void user_checks(void)
{
	CHECK("unlink other's file in sticky /tmp", unlink("/tmp/rootfile"));
	CHECK("rename other's file in sticky /tmp", rename("/tmp/rootfile", "/tmp/stolen"));
	CHECK("rename onto other's file in sticky /tmp", (creat("/tmp/mine", 0644), rename("/tmp/mine", "/tmp/rootfile")));
	CHECK("unlink own file in sticky /tmp", unlink("/tmp/mine"));
	CHECK("rmdir own dir in sticky /tmp", (mkdir("/tmp/mydir", 0755), rmdir("/tmp/mydir")));
	CHECK("unlink in own dir under sticky /tmp", unlink("/tmp/userdir/rootowned"));
	CHECK("mkdir in root's dir", mkdir("/data/nope", 0755));
	CHECK("create in root's dir", open("/data/nope", O_CREAT | O_WRONLY, 0644));
	CHECK("unlink in root's dir", unlink("/data/keep/small"));
	CHECK("rename in root's dir", rename("/data/keep/small", "/tmp/small"));
	CHECK("chmod other's file", chmod("/tmp/rootfile", 0777));
	CHECK("chown other's file", chown("/tmp/rootfile", 1000, 1000));
	int fd = creat("/tmp/own", 0644);
	close(fd);
	CHECK("chown own file to root", chown("/tmp/own", 0, -1));
	CHECK("chown own file to self", chown("/tmp/own", 1000, 1000));
	CHECK("chgrp own file to other group", chown("/tmp/own", -1, 0));
	CHECK("chmod own file setgid, group not mine", chmod("/tmp/userfile", 02755));
	show_stat("setgid cleared", "/tmp/userfile");
	struct timespec ts[2] = { { 1, 0 }, { 2, 0 } };
	CHECK("utimensat explicit on other's writable file", utimensat(AT_FDCWD, "/tmp/rootfile", ts, 0));
	CHECK("utimensat now on other's writable file", utimensat(AT_FDCWD, "/tmp/rootfile", NULL, 0));
	CHECK("utimensat now on other's read-only file", utimensat(AT_FDCWD, "/data/keep/small", NULL, 0));
	CHECK("truncate other's read-only file", truncate("/data/keep/small", 0));
	CHECK("open other's read-only file for write", open("/data/keep/small", O_WRONLY));
	CHECK("hard link to other's file", link("/data/keep/small", "/tmp/hl"));
	CHECK("hard link to other's writable file", link("/tmp/rootfile", "/tmp/hl2"));
	CHECK("create in setgid dir", (fd = creat("/tmp/sgid/f", 0755), close(fd), fd));
	show_stat("file in setgid dir", "/tmp/sgid/f");
	CHECK("mkdir in setgid dir", mkdir("/tmp/sgid/d", 0755));
	show_stat("dir in setgid dir", "/tmp/sgid/d");
	CHECK("move own dir into root's dir", rename("/tmp/userdir", "/data/keep/userdir"));
	CHECK("read root-only file", open("/data/keep/secret", O_RDONLY));
	CHECK("access W_OK other's file", access("/data/keep/small", W_OK));
	CHECK("write own copy-up candidate", (fd = open("/data/keep/usersfile", O_WRONLY | O_APPEND), write(fd, "u", 1)));
	close(fd);
	show_file("user's image file", "/data/keep/usersfile");
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "user")) {
		user_checks();
		return 0;
	}
	root_names();
	root_rename();
	root_links();
	root_attrs();
	root_data();
	root_image();
	return 0;
}
