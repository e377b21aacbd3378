#define _GNU_SOURCE
#include "oci/console.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "oci/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

int oci_console_open(unsigned short rows, unsigned short cols, int *master, int *slave)
{
	_cleanup_close_ int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	char name[64];
	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0 || ptsname_r(m, name, sizeof(name)) != 0)
		return oci_error(-errno, "creating a pty: %s", strerror(errno));
	_cleanup_close_ int s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0)
		return oci_error(-errno, "open %s: %s", name, strerror(errno));
	if (rows && cols) {
		struct winsize ws = { .ws_row = rows, .ws_col = cols };
		if (ioctl(m, TIOCSWINSZ, &ws) < 0)
			return oci_error(-errno, "setting the console size: %s", strerror(errno));
	}
	*master = take_fd(&m);
	*slave = take_fd(&s);
	return 0;
}

int oci_socket_send_fd(const char *socket_path, int fd, const char *payload)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (strlen(socket_path) >= sizeof(addr.sun_path))
		return oci_error(-ENAMETOOLONG, "socket path %s is too long", socket_path);
	strcpy(addr.sun_path, socket_path);
	_cleanup_close_ int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return oci_error(-errno, "connecting to %s: %s", socket_path, strerror(errno));
	ssize_t n = sock_send_fds(sock, payload, strlen(payload), &fd, 1);
	if (n < 0)
		return oci_error((int)n, "sending an fd to %s: %s", socket_path, strerror((int)-n));
	return 0;
}

int oci_console_send(const char *socket_path, int master)
{
	char name[64];
	/* The payload is the pty's name, as runc sends it. */
	if (ptsname_r(master, name, sizeof(name)) != 0)
		snprintf(name, sizeof(name), "/dev/ptmx");
	return oci_socket_send_fd(socket_path, master, name);
}
