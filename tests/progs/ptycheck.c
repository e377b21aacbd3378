/* The guest's own ptys (/dev/ptmx, /dev/pts): names, numbers, the lock, the peer open, data
   and termios through both ends, the window size, controlling terminals, a master's close;
   job control through the line discipline (signal characters written to the master, a
   resize, the master's last close: the signals a session on the slave sees, in order).
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
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
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

/* A write bigger than the slave's input holds: a non-blocking one writes part, a blocking
   one waits for the reader and writes everything. The slave s is raw. */
static void big_write(int m, int s)
{
	enum { BIG = 100000 };
	char *buf = malloc(BIG);
	memset(buf, 'a', BIG);
	int fl = fcntl(m, F_GETFL);
	fcntl(m, F_SETFL, fl | O_NONBLOCK);
	ssize_t part = write(m, buf, BIG);
	say("non-blocking write of %d: %s", BIG, part > 0 && part < BIG ? "part" : rv(part));
	fcntl(m, F_SETFL, fl);
	pid_t reader = xfork();
	if (reader == 0) {
		size_t want = BIG + (size_t)(part > 0 ? part : 0), got = 0;
		char b[4096];
		while (got < want) {
			ssize_t n = read(s, b, sizeof(b));
			if (n <= 0)
				_exit(1);
			for (ssize_t i = 0; i < n; i++)
				if (b[i] != 'a')
					_exit(2);
			got += (size_t)n;
		}
		_exit(0);
	}
	say("blocking write of %d: %s", BIG, rv(write(m, buf, BIG)));
	int st = wait_status(reader);
	say("reader: exit %d", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	free(buf);
}

/* --- Job control: a session on the slave reports what it sees, one line per event, on a
   pipe; the parent writes to the master and prints each report. --- */

static int report_fd = -1;
static const char *who = "leader";

/* A report line, written at once (handlers report too: no stdio). */
static void report(const char *what, const char *detail)
{
	char line[160];
	size_t n = 0;
	const char *parts[] = { who, ": ", what, *detail ? " " : "", detail, "\n" };
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		for (const char *p = parts[i]; *p && n < sizeof(line) - 1; p++)
			line[n++] = *p;
	if (write(report_fd, line, n) < 0)
		_exit(97);
}

static const char *code_name(int code)
{
	return code == SI_KERNEL ? "SI_KERNEL" : code == SI_USER ? "SI_USER" : "other code";
}

/* The hang-up's signals come together, their handlers in an order of the kernel's making:
   they are reported in signal order after the read they interrupt. */
static volatile sig_atomic_t hangup_codes[NSIG];

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (sig == SIGHUP || sig == SIGCONT) {
		hangup_codes[sig] = si->si_code;
		return;
	}
	int e = errno;
	char what[32] = "SIG";
	strncat(what, sname(sig), sizeof(what) - 4);
	report(what, code_name(si->si_code));
	errno = e;
}

/* Handlers restart the leader's read: the signal may come before it is back in read. */
static void handle(int sig)
{
	struct sigaction sa = { .sa_sigaction = on_signal, .sa_flags = SA_SIGINFO | SA_RESTART };
	sigaction(sig, &sa, NULL);
	hangup_codes[sig] = -1;
}

static void report_hangup_signals(void)
{
	for (int sig = SIGHUP; sig <= SIGCONT; sig += SIGCONT - SIGHUP)
		if (hangup_codes[sig] != -1) {
			char what[32] = "SIG";
			strncat(what, sname(sig), sizeof(what) - 4);
			report(what, code_name(hangup_codes[sig]));
			hangup_codes[sig] = -1;
		}
}

/* Bytes as text, control characters spelled out. */
static const char *escaped(const char *buf, size_t n)
{
	char *out = say_buffer();
	size_t o = 0;
	for (size_t i = 0; i < n && o + 5 < SAY_BUFFER_SIZE; i++) {
		unsigned char c = (unsigned char)buf[i];
		if (c == '\n')
			o += (size_t)snprintf(out + o, SAY_BUFFER_SIZE - o, "\\n");
		else if (c < 0x20 || c >= 0x7f)
			o += (size_t)snprintf(out + o, SAY_BUFFER_SIZE - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	out[o] = 0;
	return out;
}

/* The child's new session, with the slave name as its controlling terminal (fd returned). */
static int session_on(const char *name)
{
	setsid();
	int s = open(name, O_RDWR | O_NOCTTY);
	if (s < 0 || ioctl(s, TIOCSCTTY, 0) < 0)
		_exit(10);
	return s;
}

/* A member's start: a process group of its own, then a byte on go (its leader has made it
   the foreground one). */
static void member_start(int go)
{
	who = "member";
	setpgid(0, 0);
	char c;
	if (read(go, &c, 1) != 1)
		_exit(21);
}

/* The leader makes a member process group the foreground one and reports its stops and its
   end (it continues a stopped member); then takes the terminal back. */
static void job_member(int s)
{
	int go[2];
	if (pipe(go) < 0)
		_exit(20);
	pid_t g = xfork();
	if (g == 0) {
		member_start(go[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTSTP, SIG_DFL);
		signal(SIGCONT, SIG_DFL);
		report("ready", "");
		for (;;)
			pause();
	}
	setpgid(g, g);
	report("tcsetpgrp(member)", res(tcsetpgrp(s, g)));
	if (write(go[1], "g", 1) != 1)
		_exit(22);
	for (;;) {
		int st;
		if (waitpid(g, &st, WUNTRACED | WCONTINUED) < 0) {
			if (errno == EINTR)
				continue;
			report("waitpid", en(errno));
			break;
		}
		if (WIFSTOPPED(st)) {
			report("member stopped by", sname(WSTOPSIG(st)));
			kill(g, SIGCONT);
		} else if (WIFCONTINUED(st)) {
			report("member continued", "");
		} else {
			report("member ended by", WIFSIGNALED(st) ? sname(WTERMSIG(st)) : "exit");
			break;
		}
	}
	/* From the background: SIGTTOU blocked, as a shell does. */
	sigset_t ttou, old;
	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	sigprocmask(SIG_BLOCK, &ttou, &old);
	report("tcsetpgrp(leader)", res(tcsetpgrp(s, getpgrp())));
	sigprocmask(SIG_SETMASK, &old, NULL);
}

/* A session leader with the slave as its controlling terminal, reading it until the end. */
static void job_leader(const char *name, int master)
{
	close(master);
	int s = session_on(name);
	handle(SIGINT);
	handle(SIGQUIT);
	handle(SIGTSTP);
	handle(SIGWINCH);
	handle(SIGHUP);
	handle(SIGCONT);
	report("ready", "");
	int errors = 0;
	for (;;) {
		char buf[64];
		ssize_t n = read(s, buf, sizeof(buf));
		report_hangup_signals();
		if (n < 0) {
			/* A hang-up's first read gives EIO or EOF, as the reader wakes (Linux). */
			if (errno != EIO)
				report("read", en(errno));
			if (++errors == 3)
				break;
			continue;
		}
		if (n == 0) {
			report("read", "EOF");
			break;
		}
		report("read", escaped(buf, (size_t)n));
		if (n == 5 && !memcmp(buf, "fork\n", 5))
			job_member(s);
	}
	report("tcgetpgrp", res(tcgetpgrp(s)));
	_exit(0);
}

static int report_rd = -1;
static bool report_missing;	/* then the test ends its processes rather than wait for them */

/* Prints the next n reports (waiting up to 5 s for each: none comes when no signal does). */
static void expect_reports(int n)
{
	static char buf[1024];
	static size_t have;
	for (int i = 0; i < n; i++) {
		char *nl;
		while (!(nl = memchr(buf, '\n', have))) {
			struct pollfd p = { .fd = report_rd, .events = POLLIN };
			ssize_t r = poll(&p, 1, 5000) > 0 ? read(report_rd, buf + have, sizeof(buf) - have) : 0;
			if (r <= 0) {
				say("  (no report)");
				report_missing = true;
				return;
			}
			have += (size_t)r;
		}
		*nl = 0;
		say("  %s", buf);
		have -= (size_t)(nl + 1 - buf);
		memmove(buf, nl + 1, have);
	}
}

static void master_write(int m, const char *bytes, int reports)
{
	size_t n = strlen(bytes);
	say("write master '%s': %s", escaped(bytes, n), rv(write(m, bytes, n)));
	expect_reports(reports);
}

/* Changes the slave's termios through the master. */
static void set_lflag(int m, tcflag_t set, tcflag_t clear, int intr)
{
	struct termios t;
	tcgetattr(m, &t);
	t.c_lflag = (t.c_lflag | set) & ~clear;
	if (intr >= 0)
		t.c_cc[VINTR] = (cc_t)intr;
	say("tcsetattr(master): %s", res(tcsetattr(m, TCSANOW, &t)));
}

static void resize(const char *what, int fd, unsigned short rows, int reports)
{
	struct winsize ws = { .ws_row = rows, .ws_col = 100 };
	say("TIOCSWINSZ(%s) %u: %s", what, rows, res(ioctl(fd, TIOCSWINSZ, &ws)));
	expect_reports(reports);
}

static void job_control(void)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0) {
		say("job control pty: %s", en(errno));
		return;
	}
	char *name = strdup(ptsname(m));
	set_lflag(m, 0, ECHO, -1);
	int rep[2];
	if (pipe(rep) < 0)
		return;
	report_fd = rep[1];
	report_rd = rep[0];
	say("tcgetpgrp(master), nobody's terminal: %s", rv(tcgetpgrp(m)));
	say("tcgetsid(master), nobody's terminal: %s", rv(tcgetsid(m)));
	pid_t leader = xfork();
	if (leader == 0) {
		close(rep[0]);
		job_leader(name, m);
	}
	close(rep[1]);
	expect_reports(1);
	/* Anyone may ask the master about its slave's session (tmux names windows so). */
	say("tcgetpgrp(master) is the leader: %s", yesno(tcgetpgrp(m) == leader));
	say("tcgetsid(master) is the leader: %s", yesno(tcgetsid(m) == leader));

	/* VINTR, VQUIT, VSUSP: their signal to the foreground group (the leader's), not queued;
	   input before them flushed, unless NOFLSH. */
	master_write(m, "\x03", 1);
	master_write(m, "\x1c", 1);
	master_write(m, "\x1a", 1);
	master_write(m, "ab", 0);
	master_write(m, "\x03", 1);
	master_write(m, "x\n", 1);
	master_write(m, "\x16\x03\n", 1);
	set_lflag(m, NOFLSH, 0, -1);
	master_write(m, "ab", 0);
	master_write(m, "\x03", 1);
	master_write(m, "c\n", 1);
	set_lflag(m, 0, ISIG, -1);
	master_write(m, "\x03\x1a\n", 1);
	set_lflag(m, ISIG, NOFLSH, 'q');
	master_write(m, "q", 1);
	master_write(m, "\x03\n", 1);
	set_lflag(m, 0, 0, 3);

	/* A resize signals a change only, from either end. */
	resize("master", m, 40, 1);
	resize("master, the same size", m, 40, 0);
	master_write(m, "p\n", 1);
	int s = open(name, O_RDWR | O_NOCTTY);
	resize("slave", s, 41, 1);
	close(s);

	/* Another process group in the foreground: it alone gets the signals; its stop. */
	master_write(m, "fork\n", 3);
	pid_t fg = tcgetpgrp(m);
	say("tcgetpgrp(master): the member's: %s", yesno(fg > 0 && fg != leader));
	master_write(m, "\x1c", 1);
	master_write(m, "\x1a", 2);
	master_write(m, "\x03", 2);

	/* The master's last close hangs the slave up: SIGHUP and SIGCONT to the session leader. */
	say("close master: %s", res(close(m)));
	expect_reports(4);
	if (report_missing)
		kill(leader, SIGKILL);
	int st = wait_status(leader);
	say("leader: exit %d", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	close(report_rd);
	free(name);
}

/* A session leader's exit hangs up its terminal's foreground group (for a pty: SIGHUP). */
static void leader_exit(void)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0)
		return;
	char *name = strdup(ptsname(m));
	int rep[2], ready[2], go[2];
	if (pipe(rep) < 0 || pipe(ready) < 0 || pipe(go) < 0)
		return;
	report_fd = rep[1];
	report_rd = rep[0];
	who = "leader";
	pid_t leader = xfork();
	if (leader == 0) {
		close(m);
		int s = session_on(name);
		pid_t g = xfork();
		if (g == 0) {
			member_start(go[0]);
			handle(SIGHUP);
			handle(SIGCONT);
			/* Held until it waits: the leader exits once it is ready. */
			sigset_t hup, none;
			sigemptyset(&hup);
			sigaddset(&hup, SIGHUP);
			sigprocmask(SIG_BLOCK, &hup, &none);
			report("ready", "");
			if (write(ready[1], "r", 1) != 1)
				_exit(11);
			alarm(20);	/* no hang-up: SIGALRM ends it */
			sigsuspend(&none);
			report_hangup_signals();
			_exit(0);
		}
		setpgid(g, g);
		report("tcsetpgrp(member)", res(tcsetpgrp(s, g)));
		char c;
		_exit(write(go[1], "g", 1) == 1 && read(ready[0], &c, 1) == 1 ? 0 : 12);
	}
	close(rep[1]);
	expect_reports(3);
	int st = wait_status(leader);
	say("leader: exit %d", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	/* The member is pid 1's now (this program's, natively and in the sandbox). */
	st = -1;
	pid_t member = wait(&st);
	say("member: wait %s, exit %d, signal %s", member > 0 ? "ok" : en(errno),
	    WIFEXITED(st) ? WEXITSTATUS(st) : -1, WIFSIGNALED(st) ? sname(WTERMSIG(st)) : "none");
	close(m);
	close(report_rd);
	free(name);
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
	big_write(m, s);
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
	job_control();
	leader_exit();
	return 0;
}
