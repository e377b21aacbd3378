/* Capabilities: the five sets in /proc/self/status and capget (versions 1, 2, 3 and the
   version probe), capset's rules, PR_CAPBSET_*, PR_CAP_AMBIENT_*, PR_*_KEEPCAPS,
   PR_*_SECUREBITS, the set*uid transitions, the execve transitions, and the checks that ask
   for a capability (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_CHOWN,
   CAP_FSETID, CAP_SETUID, CAP_SETGID, CAP_KILL, CAP_SYS_ADMIN, CAP_SYS_NICE,
   CAP_SYS_RESOURCE). Prints one line per check, whatever capabilities it starts with: the
   test runs it with several sets, natively and in the sandbox, and compares.

   capcheck DIR         the checks; DIR holds files the test made: own0466 of root, f0600,
                        f0466, f0000, d0700/file, x0644 of uid 1000; DIR is writable
   capcheck report TAG  (exec'd by the checks) prints its sets after the exec
   capcheck caps MASK PROG ARGS...
                        the native run's stand-in for the sandbox's --cap-drop/--cap-add (a
                        chroot cannot be entered without CAP_SYS_CHROOT): as root, keeps
                        only the capabilities of the hex MASK in the bounding set, clears
                        inheritable and ambient, and execs PROG, which gets MASK as root. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/securebits.h>

#include "lib/guest_check.h"

static const char *self;
static const char *dir;

struct caps {
	uint64_t eff, prm, inh;
};

static long raw_capget(uint32_t version, pid_t pid, struct __user_cap_data_struct *data)
{
	struct __user_cap_header_struct hdr = { version, pid };
	return syscall(SYS_capget, &hdr, data);
}

static struct caps get_caps(void)
{
	struct __user_cap_data_struct d[2] = { 0 };
	struct caps c = { 0 };
	if (raw_capget(_LINUX_CAPABILITY_VERSION_3, 0, d) < 0)
		return c;
	c.eff = d[0].effective | (uint64_t)d[1].effective << 32;
	c.prm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	c.inh = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	return c;
}

static long set_caps(struct caps c)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = {
		{ (uint32_t)c.eff, (uint32_t)c.prm, (uint32_t)c.inh },
		{ (uint32_t)(c.eff >> 32), (uint32_t)(c.prm >> 32), (uint32_t)(c.inh >> 32) },
	};
	return syscall(SYS_capset, &hdr, d);
}

#define BIT(cap) (UINT64_C(1) << (cap))

static void say_caps(const char *what)
{
	struct caps c = get_caps();
	say("%s: eff %llx prm %llx inh %llx", what, (unsigned long long)c.eff,
	    (unsigned long long)c.prm, (unsigned long long)c.inh);
}

/* The Cap lines of /proc/self/status and the securebits, keepcaps and ambient bits. */
static void report(const char *tag)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");
	if (!f) {
		say("%s: /proc/self/status: %s", tag, en(errno));
		return;
	}
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Cap", 3)) {
			line[strcspn(line, "\n")] = '\0';
			say("%s: %s", tag, line);
		}
	fclose(f);
	say_caps(tag);
	say("%s: securebits %#lx keepcaps %ld", tag, (long)prctl(PR_GET_SECUREBITS, 0, 0, 0, 0),
	    (long)prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
}

static char *path_in(const char *name)
{
	char *b = say_buffer();
	snprintf(b, SAY_BUFFER_SIZE, "%s/%s", dir, name);
	return b;
}

/* Runs fn in a child, so that each check starts from the program's own sets. */
static void in_child(void (*fn)(void))
{
	pid_t pid = xfork();
	if (pid == 0) {
		fn();
		fflush(stdout);
		_exit(0);
	}
	wait_status(pid);
}

/* Execs "capcheck report TAG" and waits for it. */
static void exec_report(const char *tag)
{
	execl(self, self, "report", tag, (char *)NULL);
	say("%s: exec: %s", tag, en(errno));
}

static void check_capget(void)
{
	struct __user_cap_data_struct d[2];
	struct __user_cap_header_struct hdr = { 0x12345678, 0 };
	long r = syscall(SYS_capget, &hdr, NULL);
	say("capget bad version, no data: %s, version now %#x", res(r), hdr.version);
	hdr.version = 0x12345678;
	r = syscall(SYS_capget, &hdr, d);
	say("capget bad version: %s, version now %#x", res(r), hdr.version);
	hdr.version = 0x12345678;
	r = syscall(SYS_capset, &hdr, d);
	say("capset bad version: %s, version now %#x", res(r), hdr.version);
	memset(d, 0xee, sizeof(d));
	r = raw_capget(_LINUX_CAPABILITY_VERSION_1, 0, d);
	say("capget v1: %s, eff %x prm %x inh %x, second word untouched %s", res(r), d[0].effective,
	    d[0].permitted, d[0].inheritable, yesno(d[1].effective == 0xeeeeeeee));
	r = raw_capget(_LINUX_CAPABILITY_VERSION_2, 0, d);
	say("capget v2: %s, eff %x:%x", res(r), d[1].effective, d[0].effective);
	r = raw_capget(_LINUX_CAPABILITY_VERSION_3, getpid(), d);
	say("capget v3 own pid: %s, eff %x:%x", res(r), d[1].effective, d[0].effective);
	say("capget pid -1: %s", res(raw_capget(_LINUX_CAPABILITY_VERSION_3, -1, d)));
	say("capget pid 99999: %s", res(raw_capget(_LINUX_CAPABILITY_VERSION_3, 99999, d)));
	say("capget v3 no data: %s", res(raw_capget(_LINUX_CAPABILITY_VERSION_3, 0, NULL)));
	raw_capget(_LINUX_CAPABILITY_VERSION_3, 0, d);
	hdr = (struct __user_cap_header_struct){ _LINUX_CAPABILITY_VERSION_3, getpid() + 1 };
	say("capset of another pid: %s", res(syscall(SYS_capset, &hdr, d)));
}

static void check_bounding(void)
{
	char bits[64] = { 0 };
	for (int cap = 0; cap <= 40; cap++)
		bits[cap] = prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1 ? '1' : '0';
	say("bounding 0..40: %s", bits);
	say("PR_CAPBSET_READ 41: %s", res(prctl(PR_CAPBSET_READ, 41, 0, 0, 0)));
	say("PR_CAPBSET_READ -1: %s", res(prctl(PR_CAPBSET_READ, -1L, 0, 0, 0)));
}

static void child_bounding_drop(void)
{
	say("PR_CAPBSET_DROP 99: %s", res(prctl(PR_CAPBSET_DROP, 99, 0, 0, 0)));
	say("PR_CAPBSET_DROP MKNOD: %s, read %ld", res(prctl(PR_CAPBSET_DROP, CAP_MKNOD, 0, 0, 0)),
	    (long)prctl(PR_CAPBSET_READ, CAP_MKNOD, 0, 0, 0));
	say_caps("after bounding drop");
	exec_report("exec after bounding drop");
}

static void child_capset(void)
{
	struct caps c = get_caps();
	struct caps less = { c.eff & ~BIT(CAP_CHOWN), c.prm & ~BIT(CAP_CHOWN), c.inh };
	say("capset eff beyond prm: %s", res(set_caps((struct caps){ c.prm | BIT(CAP_CHOWN), c.prm & ~BIT(CAP_CHOWN), c.inh })));
	say("capset drop CHOWN: %s", res(set_caps(less)));
	say_caps("after drop");
	say("capset raise CHOWN again: %s", res(set_caps(c)));
	struct caps inh = get_caps();
	inh.inh |= BIT(CAP_KILL);
	say("capset inheritable KILL: %s", res(set_caps(inh)));
	inh.inh |= BIT(CAP_SYS_MODULE);
	say("capset inheritable SYS_MODULE: %s", res(set_caps(inh)));
	say_caps("after capset");
	uint32_t bad[3] = { 0xffffffff, 0, 0 };
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_1, 0 };
	say("capset v1 eff all: %s", res(syscall(SYS_capset, &hdr, bad)));
	exec_report("exec after capset drop");
}

static void child_ambient(void)
{
	say("ambient raise CHOWN (not inheritable): %s",
	    res(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_CHOWN, 0, 0)));
	struct caps c = get_caps();
	c.inh |= c.prm & (BIT(CAP_CHOWN) | BIT(CAP_KILL));
	say("capset inheritable CHOWN KILL: %s", res(set_caps(c)));
	say("ambient raise CHOWN: %s", res(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_CHOWN, 0, 0)));
	say("ambient raise KILL: %s", res(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_KILL, 0, 0)));
	say("ambient is_set CHOWN: %s", res(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_CHOWN, 0, 0)));
	say("ambient is_set 41: %s", res(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, 41, 0, 0)));
	say("ambient clear_all with arg: %s", res(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 1, 0, 0)));
	say("ambient op 9: %s", res(prctl(PR_CAP_AMBIENT, 9, CAP_CHOWN, 0, 0)));
	say("ambient lower KILL: %s", res(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, CAP_KILL, 0, 0)));
	c.inh &= ~BIT(CAP_KILL);
	set_caps(c);
	report("ambient before setuid");
	/* Ambient CHOWN survives a uid change with keepcaps and an exec as non-root. */
	prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
	say("setresuid 1000 keepcaps: %s", res(syscall(SYS_setresuid, 1000, 1000, 1000)));
	say("ambient is_set CHOWN after setuid: %s",
	    res(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_CHOWN, 0, 0)));
	exec_report("exec non-root (no ambient: cleared by setuid)");
}

static void child_ambient_nonroot(void)
{
	struct caps c = get_caps();
	prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
	say("setresuid 1000 keepcaps: %s", res(syscall(SYS_setresuid, 1000, 1000, 1000)));
	c.eff = c.prm;
	c.inh = c.prm & BIT(CAP_CHOWN);
	say("capset after setuid: %s", res(set_caps(c)));
	say("ambient raise CHOWN as 1000: %s", res(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_CHOWN, 0, 0)));
	exec_report("exec non-root with ambient");
}

static void child_keepcaps(void)
{
	say("keepcaps: %ld", (long)prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
	say("PR_SET_KEEPCAPS 2: %s", res(prctl(PR_SET_KEEPCAPS, 2, 0, 0, 0)));
	say("PR_SET_KEEPCAPS 1: %s", res(prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0)));
	say("keepcaps: %ld securebits %#lx", (long)prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0),
	    (long)prctl(PR_GET_SECUREBITS, 0, 0, 0, 0));
	say("setuid 1000: %s", res(setuid(1000)));
	report("keepcaps setuid");
	struct caps c = get_caps();
	c.eff = c.prm;
	say("capset eff = prm as 1000: %s", res(set_caps(c)));
	say_caps("raised as 1000");
	exec_report("exec after keepcaps setuid");
}

static void child_setuid_plain(void)
{
	say("setuid 1000: %s", res(setuid(1000)));
	report("plain setuid");
	say("setuid 0 back: %s", res(setuid(0)));
}

static void child_seteuid(void)
{
	say("setresuid -1 1000 -1: %s", res(syscall(SYS_setresuid, -1, 1000, -1)));
	say_caps("euid 1000");
	say("setresuid -1 0 -1: %s", res(syscall(SYS_setresuid, -1, 0, -1)));
	say_caps("euid 0 again");
	say("setfsuid 1000: old %ld", (long)syscall(SYS_setfsuid, 1000));
	say_caps("fsuid 1000");
	say("open 0466 for writing with fsuid 1000: %s", res(open(path_in("f0466"), O_WRONLY)));
	say("setfsuid 0: old %ld", (long)syscall(SYS_setfsuid, 0));
	say_caps("fsuid 0 again");
	say("setresuid 1000 1000 0: %s", res(syscall(SYS_setresuid, 1000, 1000, 0)));
	say_caps("saved uid 0");
	say("setresuid -1 0 -1: %s", res(syscall(SYS_setresuid, -1, 0, -1)));
	say_caps("back to euid 0 from saved");
	say("setreuid 0 -1: %s", res(setreuid(0, -1)));
	exec_report("exec ruid 0 euid 0");
}

static void child_ruid_only(void)
{
	say("setresuid 0 1000 1000: %s", res(syscall(SYS_setresuid, 0, 1000, 1000)));
	exec_report("exec ruid 0 euid 1000");
}

static void child_securebits(void)
{
	say("PR_SET_SECUREBITS unknown bit: %s", res(prctl(PR_SET_SECUREBITS, 1 << 20, 0, 0, 0)));
	say("PR_SET_SECUREBITS NO_SETUID_FIXUP: %s",
	    res(prctl(PR_SET_SECUREBITS, SECBIT_NO_SETUID_FIXUP, 0, 0, 0)));
	say("setresuid -1 1000 -1: %s", res(syscall(SYS_setresuid, -1, 1000, -1)));
	say_caps("no fixup euid 1000");
	say("setresuid -1 0 -1: %s", res(syscall(SYS_setresuid, -1, 0, -1)));
	say("PR_SET_SECUREBITS KEEP_CAPS|LOCKED: %s",
	    res(prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS | SECBIT_KEEP_CAPS_LOCKED, 0, 0, 0)));
	say("PR_SET_KEEPCAPS 0 locked: %s", res(prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0)));
	say("PR_SET_SECUREBITS unlock: %s", res(prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS, 0, 0, 0)));
	say("PR_SET_SECUREBITS NOROOT|KEEP_CAPS|LOCKED: %s",
	    res(prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_KEEP_CAPS | SECBIT_KEEP_CAPS_LOCKED, 0, 0, 0)));
	say("securebits %#lx", (long)prctl(PR_GET_SECUREBITS, 0, 0, 0, 0));
	exec_report("exec with SECBIT_NOROOT");
}

/* The checks Linux makes with a capability, each on files and processes that need it. */
static void check_dac(void)
{
	static const char *const writable[] = { "own0466", "f0600", "f0466" };
	int fd;
	for (size_t i = 0; i < sizeof(writable) / sizeof(writable[0]); i++) {
		struct stat st;
		stat(path_in(writable[i]), &st);
		fd = open(path_in(writable[i]), O_WRONLY);
		say("open %o of uid %u for writing: %s", st.st_mode & 07777, st.st_uid, res(fd));
		if (fd >= 0)
			close(fd);
	}
	fd = open(path_in("f0000"), O_RDONLY);
	say("open 0000 of uid 1000 for reading: %s", res(fd));
	if (fd >= 0)
		close(fd);
	struct stat st;
	say("stat in 0700 dir of uid 1000: %s", res(stat(path_in("d0700/file"), &st)));
	DIR *d = opendir(path_in("d0700"));
	say("opendir 0700 of uid 1000: %s", d ? "ok" : en(errno));
	if (d)
		closedir(d);
	say("mkdir in 0700 dir of uid 1000: %s", res(mkdir(path_in("d0700/new"), 0755)));
	rmdir(path_in("d0700/new"));
	say("exec of 0644 file: %s", res(access(path_in("x0644"), X_OK)));
	say("access W of 0466: %s", res(access(path_in("f0466"), W_OK)));
}

static void check_owner(void)
{
	const char *p = path_in("mine");
	close(open(p, O_CREAT | O_WRONLY, 0644));
	say("chown to 1000: %s", res(chown(p, 1000, 1000)));
	say("chmod of uid 1000's file: %s", res(chmod(p, 04755)));
	struct timeval tv[2] = { { 1000, 0 }, { 2000, 0 } };
	say("utimes of uid 1000's file: %s", res(utimes(p, tv)));
	say("chown back to 0: %s", res(chown(p, 0, 0)));
	unlink(p);
	/* The same mode and times again: natively, these are the test's files. */
	say("chmod of uid 1000's f0000: %s", res(chmod(path_in("f0000"), 0)));
	say("utimes now of uid 1000's f0000: %s", res(utimes(path_in("f0000"), NULL)));
	say("utimes now of uid 1000's f0466: %s", res(utimes(path_in("f0466"), NULL)));
	/* Set-gid bits: chmod by a non-member keeps them only with CAP_FSETID. */
	const char *g = path_in("sgid");
	close(open(g, O_CREAT | O_WRONLY, 0644));
	chown(g, 0, 1234);
	say("chmod 2755 (group 1234): %s", res(chmod(g, 02755)));
	struct stat st;
	stat(g, &st);
	say("mode after chmod: %o", st.st_mode & 07777);
	unlink(g);
	/* Unlink in a sticky directory of someone else's file. */
	const char *sticky = path_in("sticky");
	mkdir(sticky, 01777);
	char f[256];
	snprintf(f, sizeof(f), "%s/theirs", sticky);
	close(open(f, O_CREAT | O_WRONLY, 0644));
	chown(f, 1000, 1000);
	chown(sticky, 1001, 1001);
	say("unlink of uid 1000's file in sticky dir of uid 1001: %s", res(unlink(f)));
	unlink(f);
	rmdir(sticky);
}

static void check_system(void)
{
	struct utsname u;
	uname(&u);
	/* The same name: natively this is the host's own UTS namespace. */
	say("sethostname: %s", res(sethostname(u.nodename, strlen(u.nodename))));
	say("setdomainname: %s", res(setdomainname(u.domainname, strlen(u.domainname))));
	say("setpriority -5: %s", res(setpriority(PRIO_PROCESS, 0, -5)));
	setpriority(PRIO_PROCESS, 0, 0);
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	struct rlimit more = { rl.rlim_cur, rl.rlim_max + 1 };
	say("raise hard NOFILE: %s", res(setrlimit(RLIMIT_NOFILE, &more)));
	setrlimit(RLIMIT_NOFILE, &rl);
	gid_t g = 0;
	say("setgroups: %s", res(setgroups(1, &g)));
	say("setgid 0: %s", res(setgid(0)));
	say("mknod fifo: %s", res(mknod(path_in("fifo"), S_IFIFO | 0600, 0)));
	unlink(path_in("fifo"));
}

/* kill of a process of another uid: CAP_KILL. The child leaves when its pipe closes, so a
   refused kill leaves nothing behind. */
static void check_kill(void)
{
	int p[2], ready[2];
	if (pipe(p) < 0 || pipe(ready) < 0)
		return;
	pid_t pid = xfork();
	if (pid == 0) {
		close(p[1]);
		close(ready[0]);
		write_int(ready[1], setresuid(1000, 1000, 1000) == 0 ? 0 : errno);
		char c;
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(p[0]);
	close(ready[1]);
	int e = read_int(ready[0]);
	if (e)
		say("child setresuid 1000: %s", en(e));
	else
		say("kill 0 to uid 1000: %s", res(kill(pid, 0)));
	close(p[1]);
	int st = wait_status(pid);
	say("child: %s", WIFEXITED(st) ? "exited" : "killed");
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	self = argv[0];
	if (argc >= 4 && !strcmp(argv[1], "caps")) {
		uint64_t keep = strtoull(argv[2], NULL, 16);
		for (int cap = 0; cap <= 40; cap++)
			if (!(keep & BIT(cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
				return 3;
		struct caps c = get_caps();
		c.inh = 0;
		if (set_caps(c) < 0 || prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
			return 3;
		execv(argv[3], argv + 3);
		return 127;
	}
	if (argc == 3 && !strcmp(argv[1], "report")) {
		report(argv[2]);
		return 0;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: capcheck DIR | capcheck report TAG\n");
		return 2;
	}
	dir = argv[1];
	report("start");
	check_capget();
	check_bounding();
	check_dac();
	check_owner();
	check_system();
	check_kill();
	in_child(child_bounding_drop);
	in_child(child_capset);
	in_child(child_ambient);
	in_child(child_ambient_nonroot);
	in_child(child_keepcaps);
	in_child(child_setuid_plain);
	in_child(child_seteuid);
	in_child(child_ruid_only);
	in_child(child_securebits);
	return 0;
}
