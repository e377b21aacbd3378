/* Extended attributes on files this program creates: user.* (set, get, list, remove,
   XATTR_CREATE/XATTR_REPLACE, sizes, ERANGE), trusted.* for root only, user.* refused on
   symlinks and devices, another user's rights, unknown name spaces, bad names, flags and
   sizes, the fd forms. Prints one line per check.

   xattrcheck DIR   DIR must be writable and support user xattrs */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
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

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names listxattr gives, sorted (the order is the file system's). */
static const char *names(const char *path)
{
	char list[1024];
	char *b = say_buffer();
	ssize_t n = listxattr(path, list, sizeof(list));
	if (n < 0) {
		snprintf(b, SAY_BUFFER_SIZE, "%s", en(errno));
		return b;
	}
	char *v[64];
	int c = 0;
	for (char *p = list; p < list + n && c < 64; p += strlen(p) + 1)
		v[c++] = p;
	qsort(v, (size_t)c, sizeof(v[0]), cmp);
	b[0] = 0;
	for (int i = 0; i < c; i++)
		snprintf(b + strlen(b), SAY_BUFFER_SIZE - strlen(b), "%s%s", i ? "," : "", v[i]);
	if (!c)
		snprintf(b, SAY_BUFFER_SIZE, "(none)");
	return b;
}

static const char *value(const char *path, const char *name)
{
	char *b = say_buffer();
	ssize_t n = getxattr(path, name, b, SAY_BUFFER_SIZE - 1);
	if (n < 0)
		snprintf(b, SAY_BUFFER_SIZE, "%s", en(errno));
	else
		b[n] = 0;
	return b;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc < 2) {
		fprintf(stderr, "usage: xattrcheck DIR\n");
		return 2;
	}
	if (chdir(argv[1]) < 0) {
		perror(argv[1]);
		return 2;
	}
	int fd = open("file", O_CREAT | O_RDWR | O_TRUNC, 0644);
	say("new file: %s", names("file"));
	const char *r = io(setxattr("file", "user.color", "blue", 4, 0));
	say("set user.color: %s; get: %s", r, value("file", "user.color"));
	say("size query: %s; small buffer: %s", io(getxattr("file", "user.color", NULL, 0)),
	    io(getxattr("file", "user.color", (char[2]){ 0 }, 2)));
	r = io(setxattr("file", "user.color", "red", 3, XATTR_CREATE));
	say("XATTR_CREATE existing: %s; XATTR_REPLACE missing: %s", r,
	    io(setxattr("file", "user.shape", "x", 1, XATTR_REPLACE)));
	r = io(setxattr("file", "user.color", "green", 5, XATTR_REPLACE));
	say("XATTR_REPLACE: %s; get: %s", r, value("file", "user.color"));
	setxattr("file", "user.empty", "", 0, 0);
	setxattr("file", "trusted.secret", "s", 1, 0);
	say("list: %s; list size query: %s; small list buffer: %s", names("file"),
	    io(listxattr("file", NULL, 0)), io(listxattr("file", (char[4]){ 0 }, 4)));
	say("empty value: %s", io(getxattr("file", "user.empty", (char[4]){ 0 }, 4)));
	r = io(removexattr("file", "user.empty"));
	say("remove: %s; again: %s; get removed: %s", r, io(removexattr("file", "user.empty")),
	    value("file", "user.empty"));
	say("missing: %s", value("file", "user.none"));

	symlink("file", "link");
	mkdir("dir", 0755);
	r = io(lsetxattr("link", "user.x", "1", 1, 0));
	say("user.* on a symlink: %s; through it: %s", r, io(setxattr("link", "user.via", "1", 1, 0)));
	say("user.* on a directory: %s; get %s", io(setxattr("dir", "user.d", "dv", 2, 0)), value("dir", "user.d"));
	say("user.* on /dev/null: %s", io(setxattr("/dev/null", "user.x", "1", 1, 0)));

	char longname[300] = "user.";
	memset(longname + 5, 'n', 260);
	r = io(setxattr("file", "", "1", 1, 0));
	say("empty name: %s; long name: %s; bad flags: %s; 65537 bytes: %s", r,
	    io(setxattr("file", longname, "1", 1, 0)), io(setxattr("file", "user.f", "1", 1, 4)),
	    io(setxattr("file", "user.big", calloc(1, 65537), 65537, 0)));
	r = io(setxattr("file", "foo.bar", "1", 1, 0));
	say("unknown name space: set %s; get %s", r, value("file", "foo.bar"));
	say("no file: %s", io(setxattr("nofile", "user.x", "1", 1, 0)));

	r = io(fsetxattr(fd, "user.byfd", "fd", 2, 0));
	char buf[8] = "";
	say("fsetxattr: %s; fgetxattr: %s \"%s\"; bad fd: %s", r, io(fgetxattr(fd, "user.byfd", buf, 7)),
	    buf, io(fgetxattr(-1, "user.byfd", buf, 7)));
	int pathfd = open("file", O_PATH);
	say("O_PATH fd: %s", io(fgetxattr(pathfd, "user.byfd", buf, 7)));

	chmod("dir", 0777);
	pid_t c = xfork();
	if (c == 0) {
		setgid(65534);
		setuid(65534);
		say("nobody: get user.color %s; get trusted %s; list %s", value("file", "user.color"),
		    value("file", "trusted.secret"), names("file"));
		r = io(setxattr("file", "user.color", "x", 1, 0));
		say("nobody: set on a 0644 file: %s; set trusted: %s", r,
		    io(setxattr("dir", "trusted.x", "1", 1, 0)));
		say("nobody: set on a 0777 directory: %s", io(setxattr("dir", "user.n", "1", 1, 0)));
		_exit(0);
	}
	wait_status(c);
	say("root: trusted %s; dir list %s", value("file", "trusted.secret"), names("dir"));
	unlink("link");
	unlink("file");
	rmdir("dir");
	return 0;
}
