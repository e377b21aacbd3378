/* The guest's own ptys (/dev/ptmx, /dev/pts): names, numbers, the lock, the peer open, data
   and termios through both ends, the window size, controlling terminals, a master's close.
   Run natively (with a devpts instance of its own mounted on /dev/pts, as Docker mounts
   one) and in the sandbox, the output must be equal. */
#define _GNU_SOURCE
#include "lib/guest_check.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static void show_node(const char *what, const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		say("%s: %s", what, en(errno));
		return;
	}
	say("%s: chr %s mode %o uid %u gid %u rdev %u:%u", what, yesno(S_ISCHR(st.st_mode)),
	    st.st_mode & 07777, st.st_uid, st.st_gid, major(st.st_rdev), minor(st.st_rdev));
}

static void show_dir(void)
{
	struct dirent **names;
	int n = scandir("/dev/pts", &names, NULL, alphasort);
	char line[256] = "";
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			strncat(line, " ", sizeof(line) - strlen(line) - 1);
			strncat(line, names[i]->d_name, sizeof(line) - strlen(line) - 1);
		}
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	say("/dev/pts:%s", line);
}

/* want bytes from fd (fewer if none come for 5 s: the line discipline passes them on
   asynchronously), as text with \r and \n spelled out. */
static void show_read(const char *what, int fd, size_t want)
{
	char buf[64], out[160] = "";
	size_t got = 0;
	while (got < want && got < sizeof(buf)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 5000) <= 0)
			break;
		ssize_t n = read(fd, buf + got, sizeof(buf) - got);
		if (n < 0) {
			say("%s: %s", what, en(errno));
			return;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	for (size_t i = 0; i < got; i++) {
		const char *s = buf[i] == '\r' ? "\\r" : buf[i] == '\n' ? "\\n" : (char[]){ buf[i], 0 };
		strncat(out, s, sizeof(out) - strlen(out) - 1);
	}
	say("%s: %zu '%s'", what, got, out);
}

/* A new session makes the slave its controlling terminal by opening it (or by TIOCSCTTY). */
static void ctty_child(const char *name, bool by_ioctl)
{
	pid_t pid = xfork();
	if (pid == 0) {
		setsid();
		int fd = open(name, O_RDWR | (by_ioctl ? O_NOCTTY : 0));
		if (fd < 0)
			_exit(10);
		if (by_ioctl && ioctl(fd, TIOCSCTTY, 0) < 0)
			_exit(11);
		if (tcgetsid(fd) != getpid())
			_exit(12);
		if (tcgetpgrp(fd) != getpid())
			_exit(13);
		/* A second session cannot take it while this one holds it. */
		pid_t other = fork();
		if (other == 0) {
			setsid();
			int o = open(name, O_RDWR | O_NOCTTY);
			_exit(o >= 0 && ioctl(o, TIOCSCTTY, 0) < 0 && errno == EPERM ? 0 : 14);
		}
		int st = wait_status(other);
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 15);
	}
	int st = wait_status(pid);
	say("controlling terminal (%s): exit %d", by_ioctl ? "TIOCSCTTY" : "open",
	    WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

int main(void)
{
	char link[64] = "";
	ssize_t ln = readlink("/dev/ptmx", link, sizeof(link) - 1);
	say("/dev/ptmx -> %s", ln > 0 ? link : en(errno));
	show_node("/dev/pts/ptmx", "/dev/pts/ptmx");
	show_dir();

	int m = posix_openpt(O_RDWR | O_NOCTTY);
	say("posix_openpt: %s", res(m));
	if (m < 0)
		return 1;
	int locked = -1, n = -1;
	const char *r = res(ioctl(m, TIOCGPTLCK, &locked));
	say("TIOCGPTLCK: %s %d", r, locked);
	r = res(ioctl(m, TIOCGPTN, &n));
	say("TIOCGPTN: %s %d", r, n);
	char *name = ptsname(m);
	say("ptsname: %s", name ? name : en(errno));
	if (!name)
		return 1;
	name = strdup(name);
	say("isatty(master): %d", isatty(m));
	say("open before unlockpt: %s", res(open(name, O_RDWR | O_NOCTTY)));
	say("TIOCGPTPEER before unlockpt: %s", res(ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY)));
	say("grantpt: %s", res(grantpt(m)));
	say("unlockpt: %s", res(unlockpt(m)));
	r = res(ioctl(m, TIOCGPTLCK, &locked));
	say("TIOCGPTLCK: %s %d", r, locked);
	show_node("slave", name);
	show_dir();

	int s = open(name, O_RDWR | O_NOCTTY);
	say("open slave: %s", res(s));
	char *tn = ttyname(s);
	say("ttyname(slave): %s", tn ? tn : en(errno));
	int peer = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	say("TIOCGPTPEER: %s", res(peer));
	tn = ttyname(peer);
	say("ttyname(peer): %s", tn ? tn : en(errno));
	say("TIOCGPTN on slave: %s", res(ioctl(s, TIOCGPTN, &n)));

	/* Data both ways, through the line discipline (echo off: what comes back is known). */
	struct termios t;
	tcgetattr(s, &t);
	t.c_lflag &= ~(tcflag_t)ECHO;
	say("tcsetattr(slave, -echo): %s", res(tcsetattr(s, TCSANOW, &t)));
	say("write master: %s", res(write(m, "hello\n", 6)));
	show_read("read slave", s, 6);
	say("write slave: %s", res(write(s, "x\n", 2)));
	show_read("read master", m, 3);

	/* termios set on one end is seen on the other; the window size too. */
	cfmakeraw(&t);
	say("tcsetattr(slave, raw): %s", res(tcsetattr(s, TCSANOW, &t)));
	struct termios seen;
	say("tcgetattr(master): %s icanon %d echo %d", res(tcgetattr(m, &seen)),
	    !!(seen.c_lflag & ICANON), !!(seen.c_lflag & ECHO));
	say("write slave raw: %s", res(write(s, "y\n", 2)));
	show_read("read master raw", m, 2);
	struct winsize ws = { .ws_row = 33, .ws_col = 101 }, got = { 0 };
	say("TIOCSWINSZ(master): %s", res(ioctl(m, TIOCSWINSZ, &ws)));
	r = res(ioctl(s, TIOCGWINSZ, &got));
	say("TIOCGWINSZ(slave): %s %ux%u", r, got.ws_row, got.ws_col);
	say("tcgetpgrp(slave), nobody's terminal: %s", res(tcgetpgrp(s)));

	ctty_child(name, false);
	ctty_child(name, true);

	/* A second pty takes the next number; closing a master removes its slave's name. */
	int m2 = posix_openpt(O_RDWR | O_NOCTTY);
	char *name2 = m2 >= 0 ? ptsname(m2) : NULL;
	say("second pty: %s", name2 ? name2 : en(errno));
	name2 = name2 ? strdup(name2) : NULL;
	show_dir();
	close(m2);
	if (name2)
		show_node("after its master's close", name2);
	int m3 = posix_openpt(O_RDWR | O_NOCTTY);
	char *name3 = m3 >= 0 ? ptsname(m3) : NULL;
	say("third pty (the freed number): %s", name3 ? name3 : en(errno));

	close(m);
	show_node("first slave after its master's close", name);
	char c;
	say("read slave after the master's close: %s", res(read(s, &c, 1)));
	show_dir();
	return 0;
}
