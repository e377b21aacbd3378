/* Reads files the gofer serves, for test_gofer_double.sh (a gofer that misbehaves on some of
   them). For each argument: "NAME: ok FIRST-LINE" or "NAME: open|read ERRNO"; the argument
   "--wait" prints "waiting" and reads a line from stdin first (the test looks at the host
   meanwhile). Exits 0. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/guest_check.h"

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		char buf[128];
		ssize_t n;

		if (!strcmp(argv[i], "--wait")) {
			say("waiting");
			n = read(0, buf, sizeof(buf));
			continue;
		}
		int fd = open(argv[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			say("%s: open %s", argv[i], en(errno));
			continue;
		}
		n = read(fd, buf, sizeof(buf) - 1);
		if (n < 0) {
			say("%s: read %s", argv[i], en(errno));
		} else {
			buf[n] = '\0';
			buf[strcspn(buf, "\n")] = '\0';
			say("%s: ok %s", argv[i], buf);
		}
		close(fd);
	}
	return 0;
}
