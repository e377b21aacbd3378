/* A hostile guest (invariants 1 and 4): bad pointers, huge lengths, negative fds and
   unterminated strings for every syscall the sentry implements; every call must come back with
   a result (an errno, mostly) and the sentry must keep running.

   hostile sweep NAME:NR,... [nogeneric]
	For each syscall named (test_hostile.sh passes the implemented list it reads from
	sentry/syscalls/table.c), each argument in turn takes each hostile value of its kind while
	the others keep a valid baseline. One line per call on stderr (stdout is the sink the
	write tests write to):
	    C<n> <S|-> <name>[<arg>=<value>] = <result>
	S marks a call whose errno Linux defines and the sentry must match (EBADF for bad fds,
	EFAULT for bad pointers on paths and stat buffers, ENAMETOOLONG, ENOENT, ENOTDIR, ELOOP).
	The test compares these lines with a native (chroot) run. Syscalls without a spec here
	(added to the table later) get generic arguments, on lines "G<n> ..." that are not
	compared; "nogeneric" (the native run: as root, a generic setuid would drop privileges)
	skips them. Ends with "hostile: done N calls".
   hostile fuzz SEED COUNT NAME:NR,...
	COUNT calls of random syscalls from the list with random mixes of baseline and hostile
	arguments (never exit, exit_group, rt_sigreturn, an exec of a real program or a signal to
	anyone). Ends with "hostile: done N calls".
   hostile fdscan MARKER...
	Opens a few directories, then for every fd 0..1024: fstat, openat(fd, "..") and
	getdents64, walking ".." up to the top; every listing must be one of the rootfs and
	never contain a MARKER name (host files outside the rootfs).
   hostile procscan MARKER...
	The same through /proc/self/root, /proc/self/cwd, /proc/self/fd/N and /proc/1/root.
   hostile hold
	Opens files and directories, chdirs, prints "hostile: holding", then reads stdin until
	EOF: meanwhile test_escape.sh inspects the guest's host process from outside.
   hostile forkopen
	300 times: a child that exits at once, and 20 opens while it exits. Its SIGCHLD used to
	interrupt the parent's fd installation (ptrace platform): open failed with EPERM.

   The specs below follow sentry/syscalls/table.c (which syscalls the sentry implements and
   their arguments); the list to run always comes from the command line. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/close_range.h>
#include <linux/futex.h>
#include <linux/sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>

#define PAGE 4096UL
#define KERNEL_HALF 0xffff800000000000UL
#define ARENA_ADDR 0x100000000000UL	/* 16 TiB: far from everything the program maps */
#define ARENA_SIZE (64UL << 20)

/* Baseline fds, at fixed numbers; after every call, any other fd >= 3 is closed. */
#define FD_FILE 40	/* /etc/passwd, read-only */
#define FD_DIR 41	/* "/" */
#define FD_OPATH 42	/* /etc, O_PATH */
#define FD_SYNTH 43	/* /proc/self/status (the sentry's own file; absent natively) */
#define FD_TMP 44	/* /etc/passwd again, reopened before every call: fcntl, ioctl, close... */
#define FD_WSINK 45	/* stdout: where writes go */
#define FD_STDIN 46	/* a copy of stdin, to put back at 0 */
#define FD_REPORT 47	/* a copy of stderr: where the report goes */
#define FD_SOCK 48	/* a connected, non-blocking unix stream socket, made again before every call */
#define FD_SOCKPEER 49	/* its peer */
#define FD_DSOCK 50	/* an unbound, non-blocking unix datagram socket, likewise */
#define FD_LAST_BASE 50

/* ---------------------------------------------------------------------------------------- */
/* Raw syscalls. */

static long raw6(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	long ret;
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

/* fork, vfork, clone, clone3: a child exits at once without touching its stack. */
static long raw6_forklike(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	long ret;
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;
	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 1f\n\t"
			 "mov $60, %%eax\n\t"
			 "xor %%edi, %%edi\n\t"
			 "syscall\n\t"
			 "ud2\n"
			 "1:"
			 : "=a"(ret)
			 : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	for (int done = 0; done < n;) {
		long w = raw6(SYS_write, FD_REPORT, (long)buf + done, n - done, 0, 0, 0);
		if (w == -EINTR)
			continue;
		if (w <= 0)
			break;
		done += (int)w;
	}
}

static const char *errname(long r, char *buf, size_t size)
{
	if (r < 0 && r >= -4095) {
		const char *n = strerrorname_np((int)-r);
		snprintf(buf, size, "%s", n ? n : "E?");
	} else {
		snprintf(buf, size, "ok");
	}
	return buf;
}

/* ---------------------------------------------------------------------------------------- */
/* Memory the hostile values point at. */

static char *page_ro;		/* zeros, read-only: empty strings, zero structs */
static char *page_a;		/* 'A' * 4096, read-only, then an unmapped page */
static char *page_out;		/* writable, then an unmapped page */
static char *page_in;		/* zeros, read-only, then an unmapped page (an empty signal mask,
				   so that a call that waits for SIGALRM still gets it) */
static char *page_unmapped;	/* was mapped once */
static char *page_ptrs;		/* pointers to "x" * 512, then an unmapped page */
static struct iovec *iov_ok;	/* IOV_MAX + 1 iovecs of 1 byte into page_out */
static struct iovec iov_badbase[1], iov_kernbase[1], iov_huge[1], iov_overflow[2];
static char *argv_ok[3], *argv_badstr[2], *argv_kernstr[2];
static char *envp_ok[1];
static char *p_4095, *p_4096, *p_5000, *p_comp255, *p_comp256, *p_comp256mid, *p_dotdot,
	*p_dotdot_abs;
static char x_string[] = "x";

/* A writable page followed by an unmapped one. */
static char *map_with_guard(void)
{
	char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	munmap(p + PAGE, PAGE);
	return p;
}

static char *make_path(const char *head, const char *unit, size_t len, const char *tail)
{
	char *p = malloc(len + 1);
	size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
	size_t n = hl;
	memcpy(p, head, hl);
	while (n + ul + tl <= len) {
		memcpy(p + n, unit, ul);
		n += ul;
	}
	while (n + tl < len)
		p[n++] = '/';	/* pad with slashes: the path stays the same */
	memcpy(p + n, tail, tl);
	p[len] = '\0';
	return p;
}

/* The arena is where the memory calls may do anything; mremap may also have moved a page of
   it to address 0 or to page_unmapped, which must stay unmapped. */
static void reset_arena(void)
{
	mmap((void *)ARENA_ADDR, ARENA_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE,
	     -1, 0);
	munmap(page_unmapped, PAGE);
	munmap(NULL, PAGE);
}

/* sendmsg headers: the baseline sends one byte with 250 fds (SCM_RIGHTS); the others are
   each wrong in one way. recvmsg's asks for everything into page_out. */
#define RIGHTS_MAX 256
static struct msghdr msg_rights_250, msg_rights_badfd, msg_rights_254, msg_cmsg_len0,
	msg_control_unmapped, msg_control_huge, msg_iov_bad, msg_name_len1, msg_creds_other,
	msg_recv;
static struct iovec msg_iov_one;
static char *rights_250, *rights_badfd, *rights_254, *cmsg_len0, *creds_other;
static struct sockaddr_un sun_abstract;	/* "\0hostile-nobody": nobody binds it */
static int socklen_word;		/* reset to sizeof(struct sockaddr_un) before every call */
static int one_word = 1;

static char *rights_cmsg(int n, int fd, int bad_at)
{
	char *c = calloc(1, CMSG_SPACE(sizeof(int) * RIGHTS_MAX));
	struct cmsghdr *cm = (struct cmsghdr *)c;
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
	for (int i = 0; i < n; i++)
		((int *)CMSG_DATA(cm))[i] = i == bad_at ? 4096 : fd;
	return c;
}

static struct msghdr msg_with(void *control, size_t len)
{
	return (struct msghdr){ .msg_iov = &msg_iov_one, .msg_iovlen = 1, .msg_control = control,
				.msg_controllen = len };
}

static void setup_messages(void)
{
	msg_iov_one = (struct iovec){ page_a, 1 };
	rights_250 = rights_cmsg(250, FD_FILE, -1);
	rights_badfd = rights_cmsg(2, FD_FILE, 1);
	rights_254 = rights_cmsg(254, FD_FILE, -1);
	cmsg_len0 = rights_cmsg(1, FD_FILE, -1);
	((struct cmsghdr *)cmsg_len0)->cmsg_len = 0;
	creds_other = calloc(1, CMSG_SPACE(sizeof(struct ucred)));
	struct cmsghdr *cm = (struct cmsghdr *)creds_other;
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_CREDENTIALS;
	cm->cmsg_len = CMSG_LEN(sizeof(struct ucred));
	struct ucred other = { 1, 12345, 12345 };
	memcpy(CMSG_DATA(cm), &other, sizeof(other));
	msg_rights_250 = msg_with(rights_250, CMSG_SPACE(sizeof(int) * 250));
	msg_rights_badfd = msg_with(rights_badfd, CMSG_SPACE(sizeof(int) * 2));
	msg_rights_254 = msg_with(rights_254, CMSG_SPACE(sizeof(int) * 254));
	msg_cmsg_len0 = msg_with(cmsg_len0, CMSG_SPACE(sizeof(int)));
	msg_control_unmapped = msg_with(page_unmapped, 64);
	msg_control_huge = msg_with(rights_250, (size_t)1 << 40);
	msg_iov_bad = msg_with(NULL, 0);
	msg_iov_bad.msg_iov = iov_badbase;
	msg_name_len1 = msg_with(NULL, 0);
	msg_name_len1.msg_name = &sun_abstract;
	msg_name_len1.msg_namelen = 1;
	msg_creds_other = msg_with(creds_other, CMSG_SPACE(sizeof(struct ucred)));
	static struct iovec recv_iov;
	recv_iov = (struct iovec){ page_out, 64 };
	msg_recv = (struct msghdr){ .msg_name = page_out + 64, .msg_namelen = sizeof(struct sockaddr_un),
				    .msg_iov = &recv_iov, .msg_iovlen = 1, .msg_control = page_out + 256,
				    .msg_controllen = 1024 };
	sun_abstract.sun_family = AF_UNIX;
	memcpy(sun_abstract.sun_path + 1, "hostile-nobody", 14);
}

static int setup_memory(void)
{
	page_ro = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	page_a = map_with_guard();
	page_out = map_with_guard();
	page_ptrs = map_with_guard();
	page_in = map_with_guard();
	page_unmapped = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page_ro == MAP_FAILED || !page_a || !page_out || !page_ptrs || !page_in ||
	    page_unmapped == MAP_FAILED)
		return -1;
	munmap(page_unmapped, PAGE);
	memset(page_a, 'A', PAGE);
	mprotect(page_a, PAGE, PROT_READ);
	mprotect(page_ro, PAGE, PROT_READ);
	mprotect(page_in, PAGE, PROT_READ);
	for (size_t i = 0; i < PAGE / sizeof(char *); i++)
		((char **)page_ptrs)[i] = x_string;
	mprotect(page_ptrs, PAGE, PROT_READ);
	void *arena = mmap((void *)ARENA_ADDR, ARENA_SIZE, PROT_NONE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_NORESERVE, -1, 0);
	if (arena != (void *)ARENA_ADDR)
		return -1;

	iov_ok = calloc(IOV_MAX + 1, sizeof(*iov_ok));
	for (int i = 0; i <= IOV_MAX; i++)
		iov_ok[i] = (struct iovec){ page_out + (i % 64), 1 };
	iov_badbase[0] = (struct iovec){ NULL, 64 };
	iov_kernbase[0] = (struct iovec){ (void *)KERNEL_HALF, 64 };
	iov_huge[0] = (struct iovec){ page_out, SIZE_MAX };
	iov_overflow[0] = (struct iovec){ page_out, SSIZE_MAX };
	iov_overflow[1] = (struct iovec){ page_out, SSIZE_MAX };
	argv_ok[0] = "/hostile";
	argv_ok[1] = "reexec";
	argv_badstr[0] = (char *)1;
	argv_kernstr[0] = (char *)KERNEL_HALF;
	envp_ok[0] = NULL;

	/* "/" "./"* "etc/passwd": 4095 bytes name /etc/passwd; one more byte is too long. */
	p_4095 = make_path("/", "./", 4095, "etc/passwd");
	p_4096 = make_path("/", "./", 4096, "etc/passwd");
	p_5000 = make_path("/", "a/", 5000, "a");
	p_comp255 = make_path("/", "c", 1 + 255, "");
	p_comp256 = make_path("/", "c", 1 + 256, "");
	p_comp256mid = malloc(1 + 256 + 3);
	p_comp256mid[0] = '/';
	memset(p_comp256mid + 1, 'c', 256);
	memcpy(p_comp256mid + 257, "/x", 3);
	p_dotdot = make_path("", "../", 1300 * 3, "etc/passwd");
	p_dotdot_abs = make_path("/", "../", 1 + 1300 * 3, "etc/passwd");
	setup_messages();
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Argument kinds and their hostile values. */

enum kind {
	K_NONE,
	K_FD,		/* an fd the call operates on */
	K_BADFD,	/* an fd that names nothing (or an O_PATH one): for calls that change files */
	K_DIRFD,	/* *at directory fd (the baseline path is relative) */
	K_FDNEW,	/* dup2/dup3 target */
	K_FDBOUND,	/* close_range bounds: never below the baseline fds */
	K_PATH,		/* path, resolved */
	K_PATH_NOCREAT,	/* path for calls that create: never an existing file or a creatable name */
	K_PATH2,	/* the second path of rename, link...: as K_PATH_NOCREAT, which one Linux
			   checks first is not something to insist on */
	K_XNAME,	/* xattr name */
	K_OUT,		/* output buffer */
	K_IN,		/* input buffer or struct */
	K_BADPTR,	/* a pointer that is never valid */
	K_LEN,
	K_UTSLEN,	/* sethostname lengths: never a valid one (0 and 1<<40 as an int are) */
	K_IOV,
	K_IOVCNT,
	K_OFF,
	K_FLAGS,
	K_INT,
	K_PID,
	K_SIGSEND,	/* a signal to send: only 0 or invalid numbers */
	K_SIGACT,
	K_RES,		/* rlimit resource */
	K_MADDR,	/* address for the memory calls: never one of the program's own mappings */
	K_MLEN,
	K_STRV,		/* argv */
	K_ENVP,		/* envp: never NULL (valid) */
	K_FCNTL,
	K_IOCTL,
	K_ARCH,
	K_PRCTL,
	K_FUTEXOP,
	K_CLONEFLAGS,
	K_MAPFLAGS,
	K_MADV,
	K_ANY,		/* generic: syscalls without a spec */
	K_UID,		/* a uid or gid: only -1 ("unchanged", or EINVAL): never a change */
	K_SOCKLEN,	/* a sockaddr length */
	K_MSG,		/* a sendmsg msghdr: bad pointers, bad control messages */
	K_COUNT,
};

struct hval {
	const char *label;
	uint64_t v;
	bool strict;
};

#define MAXV 32
static struct hval values[K_COUNT][MAXV];
static int nvalues[K_COUNT];

static void addv(enum kind k, const char *label, uint64_t v, bool strict)
{
	if (nvalues[k] < MAXV)
		values[k][nvalues[k]++] = (struct hval){ label, v, strict };
}

static void add_bad_pointers(enum kind k, bool strict)
{
	addv(k, "NULL", 0, strict);
	addv(k, "1", 1, strict);
	addv(k, "-1", (uint64_t)-1, strict);
	addv(k, "kernel", KERNEL_HALF, strict);
	addv(k, "unmapped", (uint64_t)page_unmapped, strict);
}

static void add_paths(enum kind k, bool creating)
{
	add_bad_pointers(k, true);
	addv(k, "unterminated-page", (uint64_t)page_a, true);
	addv(k, "unterminated-100", (uint64_t)(page_a + PAGE - 100), true);
	addv(k, "empty", (uint64_t)page_ro, true);
	addv(k, "len4096", (uint64_t)p_4096, true);
	addv(k, "len5000", (uint64_t)p_5000, true);
	addv(k, "comp256", (uint64_t)p_comp256, true);
	addv(k, "comp256-mid", (uint64_t)p_comp256mid, true);
	addv(k, "noent-dir", (uint64_t)"/nonexistent-hostile/x", true);
	addv(k, "notdir", (uint64_t)"/etc/passwd/x", true);
	addv(k, "loop", (uint64_t)"/loop/x", true);
	if (creating)
		return;
	addv(k, "len4095", (uint64_t)p_4095, true);
	addv(k, "comp255", (uint64_t)p_comp255, true);
	addv(k, "dotdot-chain", (uint64_t)p_dotdot, true);
	addv(k, "dotdot-chain-abs", (uint64_t)p_dotdot_abs, true);
	addv(k, "noent", (uint64_t)"/nonexistent-hostile", true);
	addv(k, "trailing-slash", (uint64_t)"/etc/passwd/", true);
	addv(k, "loop-last", (uint64_t)"/loop", true);
	addv(k, "root", (uint64_t)"/", true);
}

static void setup_values(void)
{
	/* fds: numbers that name nothing give EBADF everywhere. */
	addv(K_FD, "-1", (uint64_t)-1, true);
	addv(K_FD, "-100", (uint64_t)-100, false);	/* some f* calls take it as AT_FDCWD */
	addv(K_FD, "INT_MIN", (uint64_t)(int64_t)INT_MIN, true);
	addv(K_FD, "1<<20", 1 << 20, true);
	addv(K_FD, "4096", 4096, true);
	addv(K_FD, "hi-bits", 0xffffffff00000000ULL | 4096, false);
	addv(K_FD, "dirfd", FD_DIR, false);
	addv(K_FD, "opathfd", FD_OPATH, false);
	addv(K_FD, "synthfd", FD_SYNTH, false);
	addv(K_FD, "stdin", 0, false);

	for (int i = 0; i < nvalues[K_FD]; i++)
		if (values[K_FD][i].strict || values[K_FD][i].v == (uint64_t)-100)
			addv(K_BADFD, values[K_FD][i].label, values[K_FD][i].v, values[K_FD][i].strict);
	addv(K_BADFD, "opathfd", FD_OPATH, false);

	addv(K_DIRFD, "-1", (uint64_t)-1, true);
	addv(K_DIRFD, "INT_MIN", (uint64_t)(int64_t)INT_MIN, true);
	addv(K_DIRFD, "1<<20", 1 << 20, true);
	addv(K_DIRFD, "4096", 4096, true);
	addv(K_DIRFD, "filefd", FD_FILE, true);
	addv(K_DIRFD, "opathfd", FD_OPATH, false);
	addv(K_DIRFD, "synthfd", FD_SYNTH, false);

	addv(K_FDNEW, "-1", (uint64_t)-1, true);
	addv(K_FDNEW, "INT_MIN", (uint64_t)(int64_t)INT_MIN, true);
	addv(K_FDNEW, "1<<20", 1 << 20, false);
	addv(K_FDNEW, "INT_MAX", INT_MAX, false);
	addv(K_FDNEW, "4096", 4096, false);
	addv(K_FDNEW, "same", FD_TMP, false);

	addv(K_FDBOUND, "4095", 4095, false);
	addv(K_FDBOUND, "INT_MAX", INT_MAX, false);
	addv(K_FDBOUND, "1<<20", 1 << 20, false);
	addv(K_FDBOUND, "UINT_MAX", UINT_MAX, false);
	addv(K_FDBOUND, "-1", (uint64_t)-1, false);
	addv(K_FDBOUND, "hi-bits+4096", 0xffffffff00001000ULL, false);

	add_paths(K_PATH, false);
	add_paths(K_PATH_NOCREAT, true);
	for (int i = 0; i < nvalues[K_PATH_NOCREAT]; i++)
		addv(K_PATH2, values[K_PATH_NOCREAT][i].label, values[K_PATH_NOCREAT][i].v, false);

	add_bad_pointers(K_XNAME, false);
	addv(K_XNAME, "unterminated-page", (uint64_t)page_a, false);
	addv(K_XNAME, "empty", (uint64_t)page_ro, false);
	addv(K_XNAME, "len256", (uint64_t)(p_comp256 + 1), false);
	addv(K_XNAME, "no-namespace", (uint64_t)"hostile", false);
	addv(K_XNAME, "bogus-namespace", (uint64_t)"bogus.hostile", false);

	add_bad_pointers(K_OUT, false);
	addv(K_OUT, "readonly", (uint64_t)page_ro, false);
	addv(K_OUT, "edge8", (uint64_t)(page_out + PAGE - 8), false);

	add_bad_pointers(K_BADPTR, false);
	add_bad_pointers(K_IN, false);
	addv(K_IN, "edge8", (uint64_t)(page_in + PAGE - 8), false);
	addv(K_IN, "AAAA", (uint64_t)page_a, false);

	addv(K_LEN, "0", 0, false);
	addv(K_LEN, "1", 1, false);
	addv(K_LEN, "INT_MAX", INT_MAX, false);
	addv(K_LEN, "UINT_MAX", UINT_MAX, false);
	addv(K_LEN, "1<<40", 1ULL << 40, false);
	addv(K_LEN, "SSIZE_MAX", SSIZE_MAX, false);
	addv(K_LEN, "SIZE_MAX", SIZE_MAX, false);
	addv(K_LEN, "INT_MIN", (uint64_t)(int64_t)INT_MIN, false);

	addv(K_UTSLEN, "65", 65, false);
	addv(K_UTSLEN, "INT_MAX", INT_MAX, false);
	addv(K_UTSLEN, "UINT_MAX", UINT_MAX, false);
	addv(K_UTSLEN, "SIZE_MAX", SIZE_MAX, false);
	addv(K_UTSLEN, "INT_MIN", (uint64_t)(int64_t)INT_MIN, false);

	add_bad_pointers(K_IOV, false);
	addv(K_IOV, "zero-iovecs", (uint64_t)page_ro, false);
	addv(K_IOV, "bad-base", (uint64_t)iov_badbase, false);
	addv(K_IOV, "kernel-base", (uint64_t)iov_kernbase, false);
	addv(K_IOV, "huge-len", (uint64_t)iov_huge, false);
	addv(K_IOV, "edge", (uint64_t)(page_out + PAGE - 8), false);

	addv(K_IOVCNT, "0", 0, false);
	addv(K_IOVCNT, "-1", (uint64_t)-1, false);
	addv(K_IOVCNT, "IOV_MAX", IOV_MAX, false);
	addv(K_IOVCNT, "IOV_MAX+1", IOV_MAX + 1, false);
	addv(K_IOVCNT, "INT_MAX", INT_MAX, false);
	addv(K_IOVCNT, "INT_MIN", (uint64_t)(int64_t)INT_MIN, false);

	addv(K_OFF, "-1", (uint64_t)-1, false);
	addv(K_OFF, "-2", (uint64_t)-2, false);
	addv(K_OFF, "INT64_MIN", (uint64_t)INT64_MIN, false);
	addv(K_OFF, "INT64_MAX", INT64_MAX, false);
	addv(K_OFF, "1<<62", 1ULL << 62, false);
	addv(K_OFF, "4095", 4095, false);

	addv(K_FLAGS, "-1", (uint64_t)-1, false);
	addv(K_FLAGS, "0x80000000", 0x80000000, false);
	addv(K_FLAGS, "0x7fffffff", 0x7fffffff, false);
	addv(K_FLAGS, "hi-bits", 0xffffffff00000000ULL, false);
	addv(K_FLAGS, "1<<20", 1 << 20, false);

	addv(K_INT, "-1", (uint64_t)-1, false);
	addv(K_INT, "INT_MIN", (uint64_t)(int64_t)INT_MIN, false);
	addv(K_INT, "INT_MAX", INT_MAX, false);
	addv(K_INT, "1<<20", 1 << 20, false);
	addv(K_INT, "hi-bits", 0xffffffff00000001ULL, false);

	addv(K_PID, "-1", (uint64_t)-1, false);
	addv(K_PID, "0", 0, false);
	addv(K_PID, "1", 1, false);
	addv(K_PID, "INT_MIN", (uint64_t)(int64_t)INT_MIN, false);
	addv(K_PID, "INT_MAX", INT_MAX, false);
	addv(K_PID, "1<<22", 1 << 22, false);

	addv(K_SIGSEND, "-1", (uint64_t)-1, false);
	addv(K_SIGSEND, "65", 65, false);
	addv(K_SIGSEND, "1000", 1000, false);
	addv(K_SIGSEND, "INT_MAX", INT_MAX, false);
	addv(K_SIGSEND, "INT_MIN", (uint64_t)(int64_t)INT_MIN, false);
	addv(K_SIGSEND, "hi-bits+0", 0xffffffff00000000ULL, false);

	addv(K_SIGACT, "-1", (uint64_t)-1, false);
	addv(K_SIGACT, "0", 0, false);
	addv(K_SIGACT, "65", 65, false);
	addv(K_SIGACT, "INT_MAX", INT_MAX, false);
	addv(K_SIGACT, "SIGKILL", SIGKILL, false);
	addv(K_SIGACT, "SIGSTOP", SIGSTOP, false);

	addv(K_RES, "-1", (uint64_t)-1, false);
	addv(K_RES, "RLIM_NLIMITS", RLIM_NLIMITS, false);
	addv(K_RES, "INT_MAX", INT_MAX, false);
	addv(K_RES, "INT_MIN", (uint64_t)(int64_t)INT_MIN, false);

	addv(K_MADDR, "NULL", 0, false);
	addv(K_MADDR, "1", 1, false);
	addv(K_MADDR, "-1", (uint64_t)-1, false);
	addv(K_MADDR, "kernel", KERNEL_HALF, false);
	addv(K_MADDR, "unmapped", (uint64_t)page_unmapped, false);
	addv(K_MADDR, "arena+1", ARENA_ADDR + 1, false);
	addv(K_MADDR, "arena-end", ARENA_ADDR + ARENA_SIZE, false);

	addv(K_MLEN, "0", 0, false);
	addv(K_MLEN, "INT_MAX", INT_MAX, false);
	addv(K_MLEN, "UINT_MAX", UINT_MAX, false);
	addv(K_MLEN, "1<<40", 1ULL << 40, false);
	addv(K_MLEN, "SIZE_MAX", SIZE_MAX, false);

	add_bad_pointers(K_STRV, false);
	addv(K_STRV, "bad-string", (uint64_t)argv_badstr, false);
	addv(K_STRV, "kernel-string", (uint64_t)argv_kernstr, false);
	addv(K_STRV, "unterminated", (uint64_t)page_ptrs, false);
	addv(K_STRV, "edge", (uint64_t)(page_ptrs + PAGE - 8), false);
	/* envp: the same but NULL, which is a valid (empty) environment. */
	for (int i = 1; i < nvalues[K_STRV]; i++)
		addv(K_ENVP, values[K_STRV][i].label, values[K_STRV][i].v, false);

	static const struct {
		const char *l;
		int c;
	} fcntls[] = {
		{ "-1", -1 }, { "1000", 1000 }, { "F_DUPFD", F_DUPFD }, { "F_DUPFD_CLOEXEC", F_DUPFD_CLOEXEC },
		{ "F_GETFD", F_GETFD }, { "F_SETFD", F_SETFD }, { "F_GETFL", F_GETFL }, { "F_SETFL", F_SETFL },
		{ "F_GETLK", F_GETLK }, { "F_SETLK", F_SETLK }, { "F_SETLKW", F_SETLKW },
		{ "F_OFD_GETLK", F_OFD_GETLK }, { "F_OFD_SETLK", F_OFD_SETLK },
		{ "F_GETPIPE_SZ", F_GETPIPE_SZ }, { "F_SETPIPE_SZ", F_SETPIPE_SZ },
		{ "F_ADD_SEALS", F_ADD_SEALS }, { "F_GET_SEALS", F_GET_SEALS }, { "F_GETOWN", F_GETOWN },
		{ "F_NOTIFY", F_NOTIFY },
	};
	for (size_t i = 0; i < sizeof(fcntls) / sizeof(fcntls[0]); i++)
		addv(K_FCNTL, fcntls[i].l, (uint64_t)(int64_t)fcntls[i].c, false);

	addv(K_IOCTL, "-1", (uint64_t)-1, false);
	addv(K_IOCTL, "0", 0, false);
	addv(K_IOCTL, "TCGETS", TCGETS, false);
	addv(K_IOCTL, "TIOCGWINSZ", TIOCGWINSZ, false);
	addv(K_IOCTL, "FIONREAD", FIONREAD, false);
	addv(K_IOCTL, "FIONBIO", FIONBIO, false);
	addv(K_IOCTL, "FIOCLEX", FIOCLEX, false);
	addv(K_IOCTL, "FIONCLEX", FIONCLEX, false);
	addv(K_IOCTL, "FIOASYNC", FIOASYNC, false);

	/* arch_prctl: never ARCH_SET_FS (the program's TLS) nor disabling cpuid. */
	addv(K_ARCH, "-1", (uint64_t)-1, false);
	addv(K_ARCH, "0", 0, false);
	addv(K_ARCH, "0x1000", 0x1000, false);
	addv(K_ARCH, "ARCH_GET_FS", 0x1003, false);
	addv(K_ARCH, "ARCH_GET_GS", 0x1004, false);
	addv(K_ARCH, "ARCH_GET_CPUID", 0x1011, false);
	addv(K_ARCH, "0x3001", 0x3001, false);

	addv(K_PRCTL, "-1", (uint64_t)-1, false);
	addv(K_PRCTL, "1000", 1000, false);
	addv(K_PRCTL, "PR_GET_NAME", PR_GET_NAME, false);
	addv(K_PRCTL, "PR_SET_NAME", PR_SET_NAME, false);
	addv(K_PRCTL, "PR_GET_DUMPABLE", PR_GET_DUMPABLE, false);
	addv(K_PRCTL, "PR_SET_DUMPABLE", PR_SET_DUMPABLE, false);
	addv(K_PRCTL, "PR_GET_NO_NEW_PRIVS", PR_GET_NO_NEW_PRIVS, false);
	addv(K_PRCTL, "PR_CAPBSET_READ", PR_CAPBSET_READ, false);
	addv(K_PRCTL, "PR_GET_SECCOMP", PR_GET_SECCOMP, false);
	addv(K_PRCTL, "PR_SET_VMA", PR_SET_VMA, false);

	addv(K_FUTEXOP, "-1", (uint64_t)-1, false);
	addv(K_FUTEXOP, "1000", 1000, false);
	addv(K_FUTEXOP, "FUTEX_WAIT", FUTEX_WAIT, false);
	addv(K_FUTEXOP, "FUTEX_WAKE", FUTEX_WAKE, false);
	addv(K_FUTEXOP, "FUTEX_REQUEUE", FUTEX_REQUEUE, false);
	addv(K_FUTEXOP, "FUTEX_CMP_REQUEUE", FUTEX_CMP_REQUEUE, false);
	addv(K_FUTEXOP, "FUTEX_WAKE_OP", FUTEX_WAKE_OP, false);
	addv(K_FUTEXOP, "FUTEX_LOCK_PI", FUTEX_LOCK_PI, false);
	addv(K_FUTEXOP, "FUTEX_UNLOCK_PI", FUTEX_UNLOCK_PI, false);
	addv(K_FUTEXOP, "FUTEX_WAIT_BITSET", FUTEX_WAIT_BITSET, false);
	addv(K_FUTEXOP, "FUTEX_WAIT_REQUEUE_PI", FUTEX_WAIT_REQUEUE_PI, false);

	addv(K_CLONEFLAGS, "-1", (uint64_t)-1, false);
	addv(K_CLONEFLAGS, "0", 0, false);
	addv(K_CLONEFLAGS, "SIGCHLD", SIGCHLD, false);
	addv(K_CLONEFLAGS, "VM|VFORK", CLONE_VM | CLONE_VFORK | SIGCHLD, false);
	addv(K_CLONEFLAGS, "THREAD-no-VM", CLONE_THREAD | CLONE_SIGHAND, false);
	addv(K_CLONEFLAGS, "thread", CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
					  CLONE_SYSVSEM, false);
	addv(K_CLONEFLAGS, "SETTLS|PARENT_SETTID", CLONE_SETTLS | CLONE_PARENT_SETTID | SIGCHLD, false);
	addv(K_CLONEFLAGS, "CHILD_SETTID|CLEARTID", CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD, false);
	addv(K_CLONEFLAGS, "PIDFD", CLONE_PIDFD | SIGCHLD, false);
	addv(K_CLONEFLAGS, "NEWUSER", CLONE_NEWUSER | SIGCHLD, false);
	addv(K_CLONEFLAGS, "NEWNS|NEWPID", CLONE_NEWNS | CLONE_NEWPID | SIGCHLD, false);
	addv(K_CLONEFLAGS, "exit-signal-1000", 1000, false);

	/* mmap flags: MAP_FIXED only at the arena. */
	addv(K_MAPFLAGS, "-1", (uint64_t)-1, false);
	addv(K_MAPFLAGS, "0", 0, false);
	addv(K_MAPFLAGS, "SHARED", MAP_SHARED, false);
	addv(K_MAPFLAGS, "SHARED_VALIDATE|bogus", MAP_SHARED_VALIDATE | 0x40000000, false);
	addv(K_MAPFLAGS, "PRIVATE|GROWSDOWN", MAP_PRIVATE | MAP_GROWSDOWN, false);
	addv(K_MAPFLAGS, "PRIVATE|HUGETLB", MAP_PRIVATE | MAP_HUGETLB, false);
	addv(K_MAPFLAGS, "PRIVATE|ANON", MAP_PRIVATE | MAP_ANONYMOUS, false);
	addv(K_MAPFLAGS, "SHARED|ANON", MAP_SHARED | MAP_ANONYMOUS, false);

	addv(K_MADV, "-1", (uint64_t)-1, false);
	addv(K_MADV, "1000", 1000, false);
	addv(K_MADV, "MADV_DONTNEED", MADV_DONTNEED, false);
	addv(K_MADV, "MADV_FREE", MADV_FREE, false);
	addv(K_MADV, "MADV_DONTFORK", MADV_DONTFORK, false);
	addv(K_MADV, "MADV_REMOVE", MADV_REMOVE, false);

	/* Linux refuses these for a unix address whatever the call (EINVAL). */
	addv(K_SOCKLEN, "1", 1, true);
	addv(K_SOCKLEN, "200", 200, true);
	addv(K_SOCKLEN, "-1", 0xffffffffULL, true);
	addv(K_SOCKLEN, "0", 0, false);
	addv(K_SOCKLEN, "2", 2, false);
	addv(K_SOCKLEN, "111", 111, false);

	add_bad_pointers(K_MSG, false);
	addv(K_MSG, "rights-bad-fd", (uint64_t)&msg_rights_badfd, true);
	addv(K_MSG, "rights-254", (uint64_t)&msg_rights_254, true);
	addv(K_MSG, "cmsg-len-0", (uint64_t)&msg_cmsg_len0, true);
	addv(K_MSG, "control-unmapped", (uint64_t)&msg_control_unmapped, true);
	addv(K_MSG, "control-huge", (uint64_t)&msg_control_huge, false);
	addv(K_MSG, "iov-bad-base", (uint64_t)&msg_iov_bad, false);
	addv(K_MSG, "name-len-1", (uint64_t)&msg_name_len1, false);
	addv(K_MSG, "creds-of-pid-1", (uint64_t)&msg_creds_other, false);

	addv(K_UID, "-1", 0xffffffffULL, false);
	addv(K_UID, "-1-64bit", (uint64_t)-1, false);

	addv(K_ANY, "-1", (uint64_t)-1, false);
	addv(K_ANY, "kernel", KERNEL_HALF, false);
	addv(K_ANY, "unmapped", (uint64_t)page_unmapped, false);
	addv(K_ANY, "unterminated-page", (uint64_t)page_a, false);
}

/* ---------------------------------------------------------------------------------------- */
/* Specs: per syscall, the kind and baseline of each argument. */

/* Symbolic baselines, resolved at call time. */
#define B(n) (0x7e57000000000000ULL + (n))
enum {
	B_FILE = 1, B_DIR, B_OPATH, B_SYNTH, B_TMP, B_WSINK, B_OUT, B_RO, B_AAAA, B_PASSWD, B_REL,
	B_LINK, B_ROOT, B_NOENT_DIR, B_IOV, B_ARGV, B_ENVP, B_ARENA, B_SELF, B_XNAME, B_XNAME_NOENT,
	B_FUTEX_WORD, B_ARENA_MID, B_NOENT_REL, B_POLLFD, B_SOCK, B_DSOCK, B_SUN, B_SOCKLENP,
	B_MSG, B_RMSG, B_ONE,
};

static uint64_t futex_word;
static struct pollfd_like {
	int fd;
	short events, revents;
} pollfd_one;			/* fd -1: poll ignores it, so only the timeout ends the call */

static uint64_t resolve(uint64_t v)
{
	if (v < B(0) || v > B(100))
		return v;
	switch (v - B(0)) {
	case B_FILE: return FD_FILE;
	case B_DIR: return FD_DIR;
	case B_OPATH: return FD_OPATH;
	case B_SYNTH: return FD_SYNTH;
	case B_TMP: return FD_TMP;
	case B_WSINK: return FD_WSINK;
	case B_OUT: return (uint64_t)page_out;
	case B_RO: return (uint64_t)page_ro;
	case B_AAAA: return (uint64_t)page_a;
	case B_PASSWD: return (uint64_t)"/etc/passwd";
	case B_REL: return (uint64_t)"etc/passwd";
	case B_LINK: return (uint64_t)"/bin/sh";
	case B_ROOT: return (uint64_t)"/";
	case B_NOENT_DIR: return (uint64_t)"/nonexistent-hostile/x";
	case B_NOENT_REL: return (uint64_t)"nonexistent-hostile/x";
	case B_IOV: return (uint64_t)iov_ok;
	case B_ARGV: return (uint64_t)argv_ok;
	case B_ENVP: return (uint64_t)envp_ok;
	case B_ARENA: return ARENA_ADDR;
	case B_ARENA_MID: return ARENA_ADDR + ARENA_SIZE / 2;
	case B_SELF: return (uint64_t)"/hostile";
	case B_XNAME: return (uint64_t)"user.hostile";
	case B_XNAME_NOENT: return (uint64_t)"user.hostile-absent";
	case B_FUTEX_WORD: return (uint64_t)&futex_word;
	case B_POLLFD: return (uint64_t)&pollfd_one;
	case B_SOCK: return FD_SOCK;
	case B_DSOCK: return FD_DSOCK;
	case B_SUN: return (uint64_t)&sun_abstract;
	case B_SOCKLENP: return (uint64_t)&socklen_word;
	case B_MSG: return (uint64_t)&msg_rights_250;
	case B_RMSG: return (uint64_t)&msg_recv;
	case B_ONE: return (uint64_t)&one_word;
	default: return v;
	}
}

#define F_STRICT_OUT 0x1	/* bad output pointers: EFAULT, as Linux */
#define F_MEM 0x2		/* changes the address space: reset the arena after */
#define F_CWD 0x4		/* may change the cwd or umask: reset after */
#define F_FORK 0x8		/* may create a child */
#define F_FUZZ_SINGLE 0x10	/* fuzz: at most one hostile argument */
#define F_FUZZ_SKIP 0x20	/* never fuzzed */
#define F_TIMER 0x40		/* may change the interval timer: rearm after */
#define F_SIGMASK 0x80		/* may change the signal mask: clear after */

struct arg {
	enum kind k;
	uint64_t base;
};

struct spec {
	const char *name;
	int nargs;
	struct arg a[6];
	unsigned flags;
};

#define A(k, b) { k, (uint64_t)(b) }
#define NO { K_NONE, 0 }

static const struct spec specs[] = {
	/* file: data */
	{ "read", 3, { A(K_FD, B(B_FILE)), A(K_OUT, B(B_OUT)), A(K_LEN, 64) }, 0 },
	{ "write", 3, { A(K_FD, B(B_WSINK)), A(K_IN, B(B_RO)), A(K_LEN, 16) }, 0 },
	{ "pread64", 4, { A(K_FD, B(B_FILE)), A(K_OUT, B(B_OUT)), A(K_LEN, 64), A(K_OFF, 0) }, 0 },
	{ "pwrite64", 4, { A(K_FD, B(B_WSINK)), A(K_IN, B(B_RO)), A(K_LEN, 16), A(K_OFF, 0) }, 0 },
	{ "readv", 3, { A(K_FD, B(B_FILE)), A(K_IOV, B(B_IOV)), A(K_IOVCNT, 4) }, 0 },
	{ "writev", 3, { A(K_FD, B(B_WSINK)), A(K_IOV, B(B_IOV)), A(K_IOVCNT, 4) }, 0 },
	{ "preadv", 4, { A(K_FD, B(B_FILE)), A(K_IOV, B(B_IOV)), A(K_IOVCNT, 4), A(K_OFF, 0) }, 0 },
	{ "pwritev", 4, { A(K_FD, B(B_WSINK)), A(K_IOV, B(B_IOV)), A(K_IOVCNT, 4), A(K_OFF, 0) }, 0 },
	{ "preadv2", 6, { A(K_FD, B(B_FILE)), A(K_IOV, B(B_IOV)), A(K_IOVCNT, 4), A(K_OFF, 0), A(K_OFF, 0), A(K_FLAGS, 0) }, 0 },
	{ "pwritev2", 6, { A(K_FD, B(B_WSINK)), A(K_IOV, B(B_IOV)), A(K_IOVCNT, 4), A(K_OFF, 0), A(K_OFF, 0), A(K_FLAGS, 0) }, 0 },
	{ "lseek", 3, { A(K_FD, B(B_FILE)), A(K_OFF, 0), A(K_INT, SEEK_SET) }, 0 },
	{ "sendfile", 4, { A(K_FD, B(B_WSINK)), A(K_FD, B(B_FILE)), A(K_OUT, 0), A(K_LEN, 16) }, 0 },
	{ "copy_file_range", 6, { A(K_FD, B(B_FILE)), A(K_OUT, 0), A(K_FD, B(B_WSINK)), A(K_OUT, 0), A(K_LEN, 16), A(K_FLAGS, 0) }, 0 },
	{ "fadvise64", 4, { A(K_FD, B(B_FILE)), A(K_OFF, 0), A(K_LEN, 0), A(K_INT, 0) }, 0 },
	/* file: names and descriptors */
	{ "open", 3, { A(K_PATH, B(B_PASSWD)), A(K_FLAGS, O_RDONLY), A(K_INT, 0) }, 0 },
	{ "openat", 4, { A(K_DIRFD, AT_FDCWD), A(K_PATH, B(B_REL)), A(K_FLAGS, O_RDONLY), A(K_INT, 0) }, 0 },
	{ "openat", 4, { A(K_NONE, B(B_DIR)), A(K_PATH, B(B_REL)), A(K_NONE, O_RDONLY), A(K_NONE, 0) }, 0 },
	{ "creat", 2, { A(K_PATH_NOCREAT, B(B_NOENT_DIR)), A(K_INT, 0644) }, 0 },
	{ "close", 1, { A(K_FD, B(B_TMP)) }, 0 },
	{ "close_range", 3, { A(K_FDBOUND, 4096), A(K_FDBOUND, UINT_MAX), A(K_FLAGS, 0) }, 0 },
	{ "dup", 1, { A(K_FD, B(B_FILE)) }, 0 },
	{ "dup2", 2, { A(K_FD, B(B_FILE)), A(K_FDNEW, 30) }, 0 },
	{ "dup3", 3, { A(K_FD, B(B_FILE)), A(K_FDNEW, 30), A(K_FLAGS, 0) }, 0 },
	{ "fcntl", 3, { A(K_FD, B(B_TMP)), A(K_FCNTL, F_GETFD), A(K_IN, B(B_RO)) }, 0 },
	{ "fcntl", 3, { A(K_NONE, B(B_TMP)), A(K_NONE, F_SETLK), A(K_IN, B(B_RO)) }, 0 },
	{ "flock", 2, { A(K_FD, B(B_TMP)), A(K_INT, LOCK_SH | LOCK_NB) }, 0 },
	{ "fcntl", 3, { A(K_NONE, B(B_TMP)), A(K_NONE, F_GETLK), A(K_OUT, B(B_OUT)) }, 0 },
	{ "fcntl", 3, { A(K_NONE, B(B_TMP)), A(K_NONE, F_DUPFD), A(K_INT, 0) }, 0 },
	{ "ioctl", 3, { A(K_FD, B(B_TMP)), A(K_IOCTL, FIONREAD), A(K_OUT, B(B_OUT)) }, 0 },
	{ "ioctl", 3, { A(K_NONE, B(B_TMP)), A(K_NONE, FIONBIO), A(K_IN, B(B_RO)) }, 0 },
	{ "ioctl", 3, { A(K_NONE, B(B_WSINK)), A(K_NONE, TCGETS), A(K_OUT, B(B_OUT)) }, 0 },
	{ "fstat", 2, { A(K_FD, B(B_FILE)), A(K_OUT, B(B_OUT)) }, F_STRICT_OUT },
	{ "stat", 2, { A(K_PATH, B(B_PASSWD)), A(K_OUT, B(B_OUT)) }, F_STRICT_OUT },
	{ "lstat", 2, { A(K_PATH, B(B_LINK)), A(K_OUT, B(B_OUT)) }, F_STRICT_OUT },
	{ "newfstatat", 4, { A(K_DIRFD, AT_FDCWD), A(K_PATH, B(B_REL)), A(K_OUT, B(B_OUT)), A(K_FLAGS, 0) }, F_STRICT_OUT },
	{ "newfstatat", 4, { A(K_DIRFD, B(B_FILE)), A(K_NONE, B(B_RO)), A(K_OUT, B(B_OUT)), A(K_NONE, AT_EMPTY_PATH) }, F_STRICT_OUT },
	{ "statx", 5, { A(K_DIRFD, AT_FDCWD), A(K_PATH, B(B_REL)), A(K_FLAGS, 0), A(K_FLAGS, STATX_BASIC_STATS), A(K_OUT, B(B_OUT)) }, F_STRICT_OUT },
	{ "getdents64", 3, { A(K_FD, B(B_DIR)), A(K_OUT, B(B_OUT)), A(K_LEN, PAGE) }, 0 },
	{ "getdents", 3, { A(K_FD, B(B_DIR)), A(K_OUT, B(B_OUT)), A(K_LEN, PAGE) }, 0 },
	{ "readlink", 3, { A(K_PATH, B(B_LINK)), A(K_OUT, B(B_OUT)), A(K_LEN, 64) }, 0 },
	{ "readlinkat", 4, { A(K_DIRFD, AT_FDCWD), A(K_PATH, B(B_LINK)), A(K_OUT, B(B_OUT)), A(K_LEN, 64) }, 0 },
	{ "access", 2, { A(K_PATH, B(B_PASSWD)), A(K_FLAGS, R_OK) }, 0 },
	{ "faccessat", 3, { A(K_DIRFD, AT_FDCWD), A(K_PATH, B(B_REL)), A(K_FLAGS, R_OK) }, 0 },
	{ "faccessat2", 4, { A(K_DIRFD, AT_FDCWD), A(K_PATH, B(B_REL)), A(K_FLAGS, R_OK), A(K_FLAGS, 0) }, 0 },
	{ "getcwd", 2, { A(K_OUT, B(B_OUT)), A(K_LEN, 256) }, 0 },
	{ "chdir", 1, { A(K_PATH, B(B_ROOT)) }, F_CWD },
	{ "fchdir", 1, { A(K_FD, B(B_DIR)) }, F_CWD },
	{ "umask", 1, { A(K_FLAGS, 022) }, F_CWD },
	{ "statfs", 2, { A(K_PATH, B(B_PASSWD)), A(K_OUT, B(B_OUT)) }, F_STRICT_OUT },
	{ "fstatfs", 2, { A(K_FD, B(B_FILE)), A(K_OUT, B(B_OUT)) }, F_STRICT_OUT },
	/* xattrs: never one that exists, so nothing is ever set or removed */
	{ "getxattr", 4, { A(K_PATH, B(B_PASSWD)), A(K_XNAME, B(B_XNAME)), A(K_OUT, B(B_OUT)), A(K_LEN, 64) }, 0 },
	{ "lgetxattr", 4, { A(K_PATH, B(B_LINK)), A(K_XNAME, B(B_XNAME)), A(K_OUT, B(B_OUT)), A(K_LEN, 64) }, 0 },
	{ "fgetxattr", 4, { A(K_FD, B(B_FILE)), A(K_XNAME, B(B_XNAME)), A(K_OUT, B(B_OUT)), A(K_LEN, 64) }, 0 },
	{ "listxattr", 3, { A(K_PATH, B(B_PASSWD)), A(K_OUT, B(B_OUT)), A(K_LEN, 64) }, 0 },
	{ "llistxattr", 3, { A(K_PATH, B(B_LINK)), A(K_OUT, B(B_OUT)), A(K_LEN, 64) }, 0 },
	{ "flistxattr", 3, { A(K_FD, B(B_FILE)), A(K_OUT, B(B_OUT)), A(K_LEN, 64) }, 0 },
	{ "setxattr", 5, { A(K_PATH_NOCREAT, B(B_PASSWD)), A(K_XNAME, B(B_XNAME_NOENT)), A(K_IN, B(B_RO)), A(K_LEN, 4), A(K_NONE, 2 /* XATTR_REPLACE */) }, 0 },
	{ "lsetxattr", 5, { A(K_PATH_NOCREAT, B(B_LINK)), A(K_XNAME, B(B_XNAME_NOENT)), A(K_IN, B(B_RO)), A(K_LEN, 4), A(K_NONE, 2) }, 0 },
	{ "fsetxattr", 5, { A(K_FD, B(B_FILE)), A(K_XNAME, B(B_XNAME_NOENT)), A(K_IN, B(B_RO)), A(K_LEN, 4), A(K_NONE, 2) }, 0 },
	{ "removexattr", 2, { A(K_PATH_NOCREAT, B(B_PASSWD)), A(K_XNAME, B(B_XNAME_NOENT)) }, 0 },
	{ "lremovexattr", 2, { A(K_PATH_NOCREAT, B(B_LINK)), A(K_XNAME, B(B_XNAME_NOENT)) }, 0 },
	{ "fremovexattr", 2, { A(K_FD, B(B_FILE)), A(K_XNAME, B(B_XNAME_NOENT)) }, 0 },
	/* file: changes. Every baseline fails (a missing directory, a read-only fd), so that
	   nothing changes natively; one argument at a time goes hostile. */
	{ "mkdir", 2, { A(K_PATH_NOCREAT, B(B_NOENT_DIR)), A(K_INT, 0755) }, 0 },
	{ "mkdirat", 3, { A(K_DIRFD, AT_FDCWD), A(K_PATH_NOCREAT, B(B_NOENT_REL)), A(K_INT, 0755) }, 0 },
	{ "mknod", 3, { A(K_PATH_NOCREAT, B(B_NOENT_DIR)), A(K_INT, S_IFIFO | 0644), A(K_INT, 0) }, 0 },
	{ "mknodat", 4, { A(K_DIRFD, AT_FDCWD), A(K_PATH_NOCREAT, B(B_NOENT_REL)), A(K_INT, S_IFIFO | 0644), A(K_INT, 0) }, 0 },
	{ "rmdir", 1, { A(K_PATH_NOCREAT, B(B_NOENT_DIR)) }, 0 },
	{ "unlink", 1, { A(K_PATH_NOCREAT, B(B_NOENT_DIR)) }, 0 },
	{ "unlinkat", 3, { A(K_DIRFD, AT_FDCWD), A(K_PATH_NOCREAT, B(B_NOENT_REL)), A(K_FLAGS, 0) }, 0 },
	/* Two paths: which of their errors Linux reports first is not something to insist on. */
	{ "rename", 2, { A(K_PATH2, B(B_NOENT_DIR)), A(K_PATH2, B(B_NOENT_DIR)) }, 0 },
	{ "renameat", 4, { A(K_DIRFD, AT_FDCWD), A(K_PATH2, B(B_NOENT_REL)), A(K_DIRFD, AT_FDCWD), A(K_PATH2, B(B_NOENT_DIR)) }, 0 },
	{ "renameat2", 5, { A(K_DIRFD, AT_FDCWD), A(K_PATH2, B(B_NOENT_REL)), A(K_DIRFD, AT_FDCWD), A(K_PATH2, B(B_NOENT_DIR)), A(K_FLAGS, 0) }, 0 },
	{ "link", 2, { A(K_PATH2, B(B_NOENT_DIR)), A(K_PATH2, B(B_NOENT_DIR)) }, 0 },
	{ "linkat", 5, { A(K_DIRFD, AT_FDCWD), A(K_PATH2, B(B_NOENT_REL)), A(K_DIRFD, AT_FDCWD), A(K_PATH2, B(B_NOENT_DIR)), A(K_FLAGS, 0) }, 0 },
	{ "symlink", 2, { A(K_PATH2, B(B_PASSWD)), A(K_PATH_NOCREAT, B(B_NOENT_DIR)) }, 0 },
	{ "symlinkat", 3, { A(K_PATH2, B(B_PASSWD)), A(K_DIRFD, AT_FDCWD), A(K_PATH_NOCREAT, B(B_NOENT_REL)) }, 0 },
	{ "chmod", 2, { A(K_PATH_NOCREAT, B(B_NOENT_DIR)), A(K_INT, 0644) }, 0 },
	{ "fchmodat", 3, { A(K_DIRFD, AT_FDCWD), A(K_PATH_NOCREAT, B(B_NOENT_REL)), A(K_INT, 0644) }, 0 },
	{ "chown", 3, { A(K_PATH_NOCREAT, B(B_NOENT_DIR)), A(K_INT, 0), A(K_INT, 0) }, 0 },
	{ "lchown", 3, { A(K_PATH_NOCREAT, B(B_NOENT_DIR)), A(K_INT, 0), A(K_INT, 0) }, 0 },
	{ "fchownat", 5, { A(K_DIRFD, AT_FDCWD), A(K_PATH_NOCREAT, B(B_NOENT_REL)), A(K_INT, 0), A(K_INT, 0), A(K_FLAGS, 0) }, 0 },
	{ "truncate", 2, { A(K_PATH_NOCREAT, B(B_NOENT_DIR)), A(K_OFF, 0) }, 0 },
	{ "utimensat", 4, { A(K_DIRFD, AT_FDCWD), A(K_PATH_NOCREAT, B(B_NOENT_REL)), A(K_IN, 0), A(K_FLAGS, 0) }, 0 },
	{ "utimes", 2, { A(K_PATH_NOCREAT, B(B_NOENT_DIR)), A(K_IN, 0) }, 0 },
	{ "utime", 2, { A(K_PATH_NOCREAT, B(B_NOENT_DIR)), A(K_IN, 0) }, 0 },
	{ "futimesat", 3, { A(K_DIRFD, AT_FDCWD), A(K_PATH_NOCREAT, B(B_NOENT_REL)), A(K_IN, 0) }, 0 },
	/* fd forms on a read-only fd: nothing can change (fchmod/fchown: to what it is) */
	{ "ftruncate", 2, { A(K_BADFD, B(B_FILE)), A(K_OFF, 0) }, 0 },
	{ "fallocate", 4, { A(K_BADFD, B(B_FILE)), A(K_INT, 0), A(K_OFF, 0), A(K_OFF, 4096) }, 0 },
	{ "fsync", 1, { A(K_FD, B(B_FILE)) }, 0 },
	{ "fdatasync", 1, { A(K_FD, B(B_FILE)) }, 0 },
	{ "fchmod", 2, { A(K_BADFD, B(B_FILE)), A(K_NONE, 0644) }, 0 },
	{ "fchown", 3, { A(K_BADFD, B(B_FILE)), A(K_NONE, -1), A(K_NONE, -1) }, 0 },
	/* fds of the sentry's own kinds */
	{ "eventfd", 1, { A(K_INT, 0) }, 0 },
	{ "eventfd2", 2, { A(K_INT, 0), A(K_FLAGS, 0) }, 0 },
	{ "epoll_create", 1, { A(K_INT, 1) }, 0 },
	{ "epoll_create1", 1, { A(K_FLAGS, 0) }, 0 },
	{ "timerfd_create", 2, { A(K_INT, CLOCK_MONOTONIC), A(K_FLAGS, 0) }, 0 },
	{ "signalfd4", 4, { A(K_NONE, -1), A(K_IN, B(B_RO)), A(K_LEN, 8), A(K_FLAGS, 0) }, 0 },
	{ "signalfd", 3, { A(K_NONE, -1), A(K_IN, B(B_RO)), A(K_LEN, 8) }, 0 },
	/* credentials: never a change (the native run is root) */
	{ "setuid", 1, { A(K_UID, -1) }, 0 },
	{ "setgid", 1, { A(K_UID, -1) }, 0 },
	{ "setreuid", 2, { A(K_UID, -1), A(K_UID, -1) }, 0 },
	{ "setregid", 2, { A(K_UID, -1), A(K_UID, -1) }, 0 },
	{ "setresuid", 3, { A(K_UID, -1), A(K_UID, -1), A(K_UID, -1) }, 0 },
	{ "setresgid", 3, { A(K_UID, -1), A(K_UID, -1), A(K_UID, -1) }, 0 },
	{ "setfsuid", 1, { A(K_UID, -1) }, 0 },
	{ "setfsgid", 1, { A(K_UID, -1) }, 0 },
	{ "setgroups", 2, { A(K_NONE, 1), A(K_BADPTR, 0) }, 0 },
	{ "setgroups", 2, { A(K_UTSLEN, -1), A(K_NONE, B(B_RO)) }, 0 },
	{ "capget", 2, { A(K_IN, B(B_RO)), A(K_OUT, B(B_OUT)) }, 0 },
	{ "capset", 2, { A(K_BADPTR, B(B_RO)), A(K_IN, B(B_RO)) }, 0 },
	/* identity */
	{ "getpid", 0, { NO }, 0 },
	{ "getppid", 0, { NO }, 0 },
	{ "gettid", 0, { NO }, 0 },
	{ "getuid", 0, { NO }, 0 },
	{ "geteuid", 0, { NO }, 0 },
	{ "getgid", 0, { NO }, 0 },
	{ "getegid", 0, { NO }, 0 },
	{ "getresuid", 3, { A(K_OUT, B(B_OUT)), A(K_OUT, B(B_OUT)), A(K_OUT, B(B_OUT)) }, 0 },
	{ "getresgid", 3, { A(K_OUT, B(B_OUT)), A(K_OUT, B(B_OUT)), A(K_OUT, B(B_OUT)) }, 0 },
	{ "getgroups", 2, { A(K_INT, 64), A(K_OUT, B(B_OUT)) }, 0 },
	{ "getpgid", 1, { A(K_PID, 0) }, 0 },
	{ "getpgrp", 0, { NO }, 0 },
	{ "getsid", 1, { A(K_PID, 0) }, 0 },
	{ "setpgid", 2, { A(K_PID, 0), A(K_PID, 0) }, F_FUZZ_SINGLE },
	{ "setsid", 0, { NO }, 0 },
	{ "uname", 1, { A(K_OUT, B(B_OUT)) }, F_STRICT_OUT },
	/* Never a valid name with a valid length: natively that would rename the host. */
	{ "sethostname", 2, { A(K_IN, B(B_RO)), A(K_UTSLEN, 65) }, F_FUZZ_SKIP },
	{ "sethostname", 2, { A(K_BADPTR, 0), A(K_NONE, 8) }, F_FUZZ_SKIP },
	{ "setdomainname", 2, { A(K_IN, B(B_RO)), A(K_UTSLEN, 65) }, F_FUZZ_SKIP },
	{ "setdomainname", 2, { A(K_BADPTR, 0), A(K_NONE, 8) }, F_FUZZ_SKIP },
	{ "sysinfo", 1, { A(K_OUT, B(B_OUT)) }, F_STRICT_OUT },
	/* memory: addresses only in the arena or bad ones */
	{ "brk", 1, { A(K_MADDR, 0) }, F_MEM },
	{ "mmap", 6, { A(K_MADDR, 0), A(K_MLEN, PAGE), A(K_FLAGS, PROT_READ), A(K_MAPFLAGS, MAP_PRIVATE), A(K_FD, B(B_FILE)), A(K_OFF, 0) }, F_MEM | F_FUZZ_SINGLE },
	{ "mmap", 6, { A(K_NONE, B(B_ARENA)), A(K_MLEN, PAGE), A(K_NONE, PROT_READ), A(K_NONE, MAP_SHARED | MAP_FIXED), A(K_NONE, B(B_FILE)), A(K_NONE, 0) }, F_MEM | F_FUZZ_SINGLE },
	{ "munmap", 2, { A(K_MADDR, B(B_ARENA)), A(K_MLEN, PAGE) }, F_MEM | F_FUZZ_SINGLE },
	{ "mprotect", 3, { A(K_MADDR, B(B_ARENA)), A(K_MLEN, PAGE), A(K_FLAGS, PROT_READ) }, F_MEM | F_FUZZ_SINGLE },
	{ "madvise", 3, { A(K_MADDR, B(B_ARENA)), A(K_MLEN, PAGE), A(K_MADV, MADV_NORMAL) }, F_MEM | F_FUZZ_SINGLE },
	{ "mremap", 5, { A(K_MADDR, B(B_ARENA)), A(K_MLEN, PAGE), A(K_MLEN, PAGE), A(K_FLAGS, 0), A(K_NONE, 0) }, F_MEM | F_FUZZ_SINGLE },
	{ "mremap", 5, { A(K_NONE, B(B_ARENA)), A(K_NONE, PAGE), A(K_NONE, PAGE), A(K_NONE, MREMAP_MAYMOVE | MREMAP_FIXED), A(K_MADDR, B(B_ARENA_MID)) }, F_MEM | F_FUZZ_SINGLE },
	{ "msync", 3, { A(K_MADDR, B(B_ARENA)), A(K_MLEN, PAGE), A(K_FLAGS, MS_ASYNC) }, F_MEM | F_FUZZ_SINGLE },
	{ "mincore", 3, { A(K_MADDR, B(B_ARENA)), A(K_MLEN, PAGE), A(K_OUT, B(B_OUT)) }, F_MEM | F_FUZZ_SINGLE },
	/* time */
	{ "clock_gettime", 2, { A(K_INT, CLOCK_MONOTONIC), A(K_OUT, B(B_OUT)) }, 0 },
	{ "clock_getres", 2, { A(K_INT, CLOCK_MONOTONIC), A(K_OUT, B(B_OUT)) }, 0 },
	{ "gettimeofday", 2, { A(K_OUT, B(B_OUT)), A(K_OUT, 0) }, 0 },
	{ "time", 1, { A(K_OUT, B(B_OUT)) }, 0 },
	{ "nanosleep", 2, { A(K_IN, B(B_RO)), A(K_OUT, 0) }, 0 },
	{ "clock_nanosleep", 4, { A(K_INT, CLOCK_MONOTONIC), A(K_FLAGS, 0), A(K_IN, B(B_RO)), A(K_OUT, 0) }, 0 },
	/* processes: a child exits at once */
	{ "execve", 3, { A(K_PATH, B(B_NOENT_DIR)), A(K_STRV, B(B_ARGV)), A(K_STRV, B(B_ENVP)) }, F_FUZZ_SKIP },
	/* The program itself, with a bad argv or envp: must fail (EFAULT), never exec. */
	{ "execve", 3, { A(K_NONE, B(B_SELF)), A(K_STRV, B(B_ARGV)), A(K_NONE, 1) }, F_FUZZ_SKIP },
	{ "execve", 3, { A(K_NONE, B(B_SELF)), A(K_NONE, B(B_ARGV)), A(K_ENVP, 1) }, F_FUZZ_SKIP },
	{ "execveat", 5, { A(K_DIRFD, AT_FDCWD), A(K_PATH, B(B_NOENT_REL)), A(K_STRV, B(B_ARGV)), A(K_ENVP, B(B_ENVP)), A(K_FLAGS, 0) }, F_FUZZ_SKIP },
	{ "clone", 5, { A(K_CLONEFLAGS, SIGCHLD), A(K_IN, 0), A(K_OUT, 0), A(K_OUT, 0), A(K_IN, 0) }, F_FORK },
	{ "clone3", 2, { A(K_IN, B(B_RO)), A(K_LEN, 64) }, F_FORK },
	{ "fork", 0, { NO }, F_FORK },
	{ "vfork", 0, { NO }, F_FORK },
	{ "wait4", 4, { A(K_PID, -1), A(K_OUT, 0), A(K_FLAGS, WNOHANG), A(K_OUT, 0) }, 0 },
	{ "waitid", 5, { A(K_INT, P_ALL), A(K_PID, 0), A(K_OUT, B(B_OUT)), A(K_FLAGS, WEXITED | WNOHANG), A(K_OUT, 0) }, 0 },
	{ "arch_prctl", 2, { A(K_ARCH, 0x1003), A(K_OUT, B(B_OUT)) }, F_FUZZ_SINGLE },
	{ "set_tid_address", 1, { A(K_OUT, B(B_OUT)) }, 0 },
	{ "set_robust_list", 2, { A(K_IN, B(B_RO)), A(K_LEN, 24) }, 0 },
	{ "get_robust_list", 3, { A(K_PID, 0), A(K_OUT, B(B_OUT)), A(K_OUT, B(B_OUT)) }, 0 },
	{ "rseq", 4, { A(K_IN, B(B_RO)), A(K_LEN, 32), A(K_FLAGS, 0), A(K_INT, 0) }, 0 },
	{ "prlimit64", 4, { A(K_PID, 0), A(K_RES, RLIMIT_CORE), A(K_IN, 0), A(K_OUT, B(B_OUT)) }, F_FUZZ_SINGLE },
	{ "getrlimit", 2, { A(K_RES, RLIMIT_CORE), A(K_OUT, B(B_OUT)) }, 0 },
	{ "setrlimit", 2, { A(K_RES, RLIMIT_CORE), A(K_IN, B(B_AAAA)) }, 0 },
	{ "getrandom", 3, { A(K_OUT, B(B_OUT)), A(K_LEN, 16), A(K_FLAGS, 0) }, 0 },
	{ "prctl", 5, { A(K_PRCTL, PR_GET_NAME), A(K_OUT, B(B_OUT)), A(K_NONE, 0), A(K_NONE, 0), A(K_NONE, 0) }, 0 },
	{ "prctl", 5, { A(K_NONE, PR_SET_NAME), A(K_IN, B(B_AAAA)), A(K_NONE, 0), A(K_NONE, 0), A(K_NONE, 0) }, 0 },
	{ "sched_yield", 0, { NO }, 0 },
	{ "timer_create", 3, { A(K_INT, CLOCK_MONOTONIC), A(K_IN, B(B_RO)), A(K_OUT, B(B_OUT)) }, 0 },
	{ "sched_getaffinity", 3, { A(K_PID, 0), A(K_LEN, 128), A(K_OUT, B(B_OUT)) }, 0 },
	{ "sched_setaffinity", 3, { A(K_PID, 0), A(K_LEN, 8), A(K_IN, B(B_RO)) }, 0 },
	{ "getpriority", 2, { A(K_INT, PRIO_PROCESS), A(K_PID, 0) }, 0 },
	{ "setpriority", 3, { A(K_INT, PRIO_PROCESS), A(K_PID, 0), A(K_INT, 0) }, 0 },
	{ "sched_getscheduler", 1, { A(K_PID, 0) }, 0 },
	{ "sched_setscheduler", 3, { A(K_PID, 0), A(K_INT, SCHED_OTHER), A(K_IN, B(B_RO)) }, 0 },
	{ "sched_getparam", 2, { A(K_PID, 0), A(K_OUT, B(B_OUT)) }, 0 },
	{ "sched_setparam", 2, { A(K_PID, 0), A(K_IN, B(B_RO)) }, 0 },
	{ "sched_get_priority_max", 1, { A(K_INT, SCHED_OTHER) }, 0 },
	{ "sched_get_priority_min", 1, { A(K_INT, SCHED_OTHER) }, 0 },
	{ "sched_rr_get_interval", 2, { A(K_PID, 0), A(K_OUT, B(B_OUT)) }, 0 },
	{ "ioprio_get", 2, { A(K_INT, 1), A(K_PID, 0) }, 0 },
	{ "ioprio_set", 3, { A(K_INT, 1), A(K_PID, 0), A(K_INT, 0) }, 0 },
	{ "getcpu", 3, { A(K_OUT, B(B_OUT)), A(K_OUT, 0), A(K_OUT, 0) }, 0 },
	{ "getrusage", 2, { A(K_INT, RUSAGE_SELF), A(K_OUT, B(B_OUT)) }, 0 },
	{ "times", 1, { A(K_OUT, B(B_OUT)) }, 0 },
	/* signals: never one that is delivered */
	{ "rt_sigaction", 4, { A(K_SIGACT, SIGUSR2), A(K_IN, B(B_RO)), A(K_OUT, B(B_OUT)), A(K_LEN, 8) }, 0 },
	{ "kill", 2, { A(K_PID, 0), A(K_SIGSEND, 0) }, 0 },
	{ "tgkill", 3, { A(K_PID, 0), A(K_PID, 0), A(K_SIGSEND, 0) }, 0 },
	{ "tkill", 2, { A(K_PID, 0), A(K_SIGSEND, 0) }, 0 },
	{ "rt_sigqueueinfo", 3, { A(K_PID, 0), A(K_SIGSEND, 0), A(K_IN, B(B_RO)) }, 0 },
	{ "rt_tgsigqueueinfo", 4, { A(K_PID, 0), A(K_PID, 0), A(K_SIGSEND, 0), A(K_IN, B(B_RO)) }, 0 },
	{ "rt_sigsuspend", 2, { A(K_IN, B(B_RO)), A(K_LEN, 8) }, F_SIGMASK },
	{ "rt_sigtimedwait", 4, { A(K_IN, B(B_RO)), A(K_OUT, B(B_OUT)), A(K_IN, B(B_RO)), A(K_LEN, 8) }, 0 },
	{ "rt_sigpending", 2, { A(K_OUT, B(B_OUT)), A(K_LEN, 8) }, 0 },
	{ "rt_sigprocmask", 4, { A(K_INT, SIG_SETMASK), A(K_IN, 0), A(K_OUT, B(B_OUT)), A(K_LEN, 8) }, F_SIGMASK },
	{ "sigaltstack", 2, { A(K_IN, 0), A(K_OUT, B(B_OUT)) }, 0 },
	{ "pause", 0, { NO }, 0 },
	{ "alarm", 1, { A(K_INT, 0) }, F_TIMER },
	{ "setitimer", 3, { A(K_INT, ITIMER_REAL), A(K_IN, B(B_AAAA)), A(K_OUT, B(B_OUT)) }, F_TIMER },
	{ "getitimer", 2, { A(K_INT, ITIMER_REAL), A(K_OUT, B(B_OUT)) }, 0 },
	/* pipes, futexes, poll */
	{ "pipe", 1, { A(K_OUT, B(B_OUT)) }, 0 },
	{ "pipe2", 2, { A(K_OUT, B(B_OUT)), A(K_FLAGS, 0) }, 0 },
	/* The word is 0 and the value never is: FUTEX_WAIT never waits. */
	{ "futex", 6, { A(K_BADPTR, B(B_FUTEX_WORD)), A(K_FUTEXOP, FUTEX_WAKE), A(K_INT, 1), A(K_IN, 0), A(K_OUT, 0), A(K_INT, 0) }, 0 },
	{ "poll", 3, { A(K_IN, B(B_POLLFD)), A(K_LEN, 1), A(K_INT, 0) }, 0 },
	{ "ppoll", 5, { A(K_IN, B(B_POLLFD)), A(K_LEN, 1), A(K_IN, B(B_RO)), A(K_IN, 0), A(K_LEN, 8) }, 0 },
	{ "select", 5, { A(K_INT, 1), A(K_IN, 0), A(K_IN, 0), A(K_IN, 0), A(K_IN, B(B_RO)) }, 0 },
	{ "pselect6", 6, { A(K_INT, 1), A(K_IN, 0), A(K_IN, 0), A(K_IN, 0), A(K_IN, B(B_RO)), A(K_IN, 0) }, 0 },
	/* unix sockets (every other family: EAFNOSUPPORT) */
#define SUN_ABSTRACT_LEN (offsetof(struct sockaddr_un, sun_path) + 15)
	{ "socket", 3, { A(K_INT, AF_UNIX), A(K_FLAGS, SOCK_STREAM), A(K_INT, 0) }, 0 },
	{ "socketpair", 4, { A(K_INT, AF_UNIX), A(K_FLAGS, SOCK_SEQPACKET), A(K_INT, 0), A(K_OUT, B(B_OUT)) }, F_STRICT_OUT },
	{ "bind", 3, { A(K_FD, B(B_DSOCK)), A(K_IN, B(B_SUN)), A(K_SOCKLEN, SUN_ABSTRACT_LEN) }, 0 },
	{ "connect", 3, { A(K_FD, B(B_DSOCK)), A(K_IN, B(B_SUN)), A(K_SOCKLEN, SUN_ABSTRACT_LEN) }, 0 },
	{ "connect", 3, { A(K_NONE, B(B_SOCK)), A(K_IN, B(B_SUN)), A(K_SOCKLEN, SUN_ABSTRACT_LEN) }, 0 },
	{ "listen", 2, { A(K_FD, B(B_SOCK)), A(K_INT, 1) }, 0 },
	{ "accept", 3, { A(K_FD, B(B_SOCK)), A(K_OUT, B(B_OUT)), A(K_OUT, B(B_SOCKLENP)) }, 0 },
	{ "accept4", 4, { A(K_FD, B(B_SOCK)), A(K_OUT, B(B_OUT)), A(K_OUT, B(B_SOCKLENP)), A(K_FLAGS, 0) }, 0 },
	{ "getsockname", 3, { A(K_FD, B(B_SOCK)), A(K_OUT, B(B_OUT)), A(K_OUT, B(B_SOCKLENP)) }, 0 },
	{ "getpeername", 3, { A(K_FD, B(B_SOCK)), A(K_OUT, B(B_OUT)), A(K_OUT, B(B_SOCKLENP)) }, 0 },
	{ "shutdown", 2, { A(K_FD, B(B_SOCK)), A(K_INT, SHUT_RDWR) }, 0 },
	{ "sendto", 6, { A(K_FD, B(B_SOCK)), A(K_IN, B(B_AAAA)), A(K_LEN, 1), A(K_FLAGS, 0), A(K_NONE, 0), A(K_NONE, 0) }, 0 },
	{ "sendto", 6, { A(K_NONE, B(B_DSOCK)), A(K_IN, B(B_AAAA)), A(K_LEN, 1), A(K_FLAGS, 0), A(K_IN, B(B_SUN)), A(K_SOCKLEN, SUN_ABSTRACT_LEN) }, 0 },
	{ "recvfrom", 6, { A(K_FD, B(B_SOCK)), A(K_OUT, B(B_OUT)), A(K_LEN, 64), A(K_FLAGS, 0), A(K_OUT, B(B_OUT)), A(K_OUT, B(B_SOCKLENP)) }, 0 },
	{ "sendmsg", 3, { A(K_FD, B(B_SOCK)), A(K_MSG, B(B_MSG)), A(K_FLAGS, 0) }, 0 },
	{ "recvmsg", 3, { A(K_FD, B(B_SOCK)), A(K_IN, B(B_RMSG)), A(K_FLAGS, 0) }, 0 },
	{ "getsockopt", 5, { A(K_FD, B(B_SOCK)), A(K_INT, SOL_SOCKET), A(K_INT, SO_PEERCRED), A(K_OUT, B(B_OUT)), A(K_OUT, B(B_SOCKLENP)) }, 0 },
	{ "setsockopt", 5, { A(K_FD, B(B_SOCK)), A(K_INT, SOL_SOCKET), A(K_INT, SO_PASSCRED), A(K_IN, B(B_ONE)), A(K_SOCKLEN, 4) }, 0 },
};

/* Never called, whatever the list says. */
static const char *const never[] = {
	"exit", "exit_group", "rt_sigreturn", "restart_syscall", "reboot", "kexec_load",
	"kexec_file_load", "pidfd_send_signal", "rt_sigqueueinfo", "rt_tgsigqueueinfo",
	"ptrace", "process_vm_writev", "swapoff", "swapon", "umount2", "mount", "pivot_root",
	"chroot", "setns", "unshare", "seccomp", "vhangup", "init_module", "finit_module",
	"delete_module", "iopl", "ioperm", "settimeofday", "clock_settime", "adjtimex",
	"clock_adjtime", "acct", "sync", "syncfs", "uretprobe", "uprobe",
};

static bool is_never(const char *name)
{
	for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++)
		if (!strcmp(never[i], name))
			return true;
	return false;
}

/* ---------------------------------------------------------------------------------------- */
/* Running one call. */

static void on_alarm(int sig)
{
	(void)sig;
}

static void arm_timer(void)
{
	struct itimerval it = { { 0, 20000 }, { 0, 20000 } };
	setitimer(ITIMER_REAL, &it, NULL);
}

static void clear_sigmask(void)
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static int openat_to(int want, int dirfd, const char *path, int flags)
{
	int fd = openat(dirfd, path, flags);
	if (fd < 0) {
		close(want);
		return -1;
	}
	if (fd != want) {
		dup2(fd, want);
		close(fd);
	}
	return 0;
}

static void open_baseline_fds(void)
{
	openat_to(FD_FILE, AT_FDCWD, "/etc/passwd", O_RDONLY);
	openat_to(FD_DIR, AT_FDCWD, "/", O_RDONLY | O_DIRECTORY);
	openat_to(FD_OPATH, AT_FDCWD, "/etc", O_PATH | O_DIRECTORY);
	openat_to(FD_SYNTH, AT_FDCWD, "/proc/self/status", O_RDONLY);
	openat_to(FD_TMP, AT_FDCWD, "/etc/passwd", O_RDONLY);
	dup2(1, FD_WSINK);
}

static bool baseline_fds_ok(void)
{
	static const int fds[] = { FD_FILE, FD_DIR, FD_OPATH, FD_SYNTH, FD_WSINK };
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fcntl(fds[i], F_GETFD) < 0)
			return false;
	return true;
}

/* Before a call: the state every call starts from. */
static void make_sockets(void)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0) {
		dup2(sv[0], FD_SOCK);
		dup2(sv[1], FD_SOCKPEER);
		close(sv[0]);
		close(sv[1]);
	}
	int d = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (d >= 0) {
		dup2(d, FD_DSOCK);
		close(d);
	}
}

static void reset_before(void)
{
	futex_word = 0;
	socklen_word = sizeof(struct sockaddr_un);
	make_sockets();
	pollfd_one = (struct pollfd_like){ -1, 0, 0 };
	openat_to(FD_TMP, AT_FDCWD, "/etc/passwd", O_RDONLY);
	lseek(FD_FILE, 0, SEEK_SET);
	lseek(FD_DIR, 0, SEEK_SET);
}

/* After a call: close what it opened, undo what it changed, reap what it created. */
static void reset_after(const struct spec *s)
{
	syscall(SYS_close_range, 3, FD_FILE - 1, 0);
	syscall(SYS_close_range, FD_LAST_BASE + 1, ~0U, 0);
	if (!baseline_fds_ok())
		open_baseline_fds();
	if (fcntl(0, F_GETFD) < 0)
		dup2(FD_STDIN, 0);
	if (s->flags & F_SIGMASK)
		clear_sigmask();
	if (s->flags & F_MEM)
		reset_arena();
	if (s->flags & F_CWD) {
		if (chdir("/") < 0)
			out("hostile: chdir /: %s\n", strerror(errno));
		umask(022);
	}
	if (s->flags & F_TIMER)
		arm_timer();
	if (s->flags & F_FORK)
		while (waitpid(-1, NULL, __WALL | WNOHANG) > 0)
			;
}

static long do_call(int nr, const struct spec *s, const uint64_t *v)
{
	long r;
	if (s->flags & F_FORK) {
		/* The child starts with every signal blocked: a thread made on a fuzzed stack (an
		   arena page) would otherwise take the process's SIGALRM (arm_timer) there, where
		   its frame does not fit, and the kernel kills the process with SIGSEGV, natively
		   too (the ptrace platform, under load, keeps such a thread alive longest). */
		sigset_t all, old;
		sigfillset(&all);
		sigprocmask(SIG_SETMASK, &all, &old);
		r = raw6_forklike(nr, (long)v[0], (long)v[1], (long)v[2], (long)v[3], (long)v[4], (long)v[5]);
		sigprocmask(SIG_SETMASK, &old, NULL);
		return r;
	}
	r = raw6(nr, (long)v[0], (long)v[1], (long)v[2], (long)v[3], (long)v[4], (long)v[5]);
	/* A mapping that succeeded goes away again (a 1 TiB one would fill the address space). */
	if (r >= 0 || r < -4095) {
		if (!strcmp(s->name, "mmap"))
			munmap((void *)r, v[1]);
		else if (!strcmp(s->name, "mremap"))
			munmap((void *)r, v[2]);
	}
	return r;
}

static int ncalls;

static char case_prefix = 'C';
static bool run_generic = true;

static void sweep_one(int nr, const struct spec *s, int arg, const struct hval *h, int *casen)
{
	uint64_t v[6] = { 0 };
	char res[32];
	for (int i = 0; i < s->nargs; i++)
		v[i] = resolve(s->a[i].base);
	if (h)
		v[arg] = h->v;
	bool strict = h && h->strict;
	if (h && s->a[arg].k == K_OUT)
		strict = s->flags & F_STRICT_OUT;
	reset_before();
	out("%c%d %s %s[%d=%s] = ", case_prefix, (*casen)++, strict ? "S" : "-", s->name, h ? arg : -1,
	    h ? h->label : "baseline");
	long r = do_call(nr, s, v);
	ncalls++;
	out("%s\n", errname(r, res, sizeof(res)));
	reset_after(s);
}

static const struct spec generic_spec = {
	"generic", 6,
	{ A(K_ANY, -1), A(K_ANY, -1), A(K_ANY, -1), A(K_ANY, -1), A(K_ANY, -1), A(K_ANY, -1) },
	F_MEM | F_CWD | F_TIMER | F_SIGMASK,
};

static void list_names(const char *list, void (*fn)(const char *name, int nr))
{
	char *copy = strdup(list);
	for (char *tok = strtok(copy, ","); tok; tok = strtok(NULL, ",")) {
		char *colon = strchr(tok, ':');
		if (!colon)
			continue;
		*colon = '\0';
		fn(tok, atoi(colon + 1));
	}
	free(copy);
}

static int sweep_case;

static void sweep_name(const char *name, int nr)
{
	bool found = false;
	if (is_never(name)) {
		out("hostile: %s: never called\n", name);
		return;
	}
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		const struct spec *s = &specs[i];
		if (strcmp(s->name, name))
			continue;
		found = true;
		sweep_one(nr, s, 0, NULL, &sweep_case);
		for (int a = 0; a < s->nargs; a++) {
			enum kind k = s->a[a].k;
			for (int j = 0; j < nvalues[k]; j++)
				sweep_one(nr, s, a, &values[k][j], &sweep_case);
		}
	}
	if (!found) {
		/* Added to the table after this program: generic arguments (-1 but for one). */
		static int generic_case;
		struct spec g = generic_spec;
		g.name = name;
		if (!run_generic) {
			out("hostile: %s: no spec, not called\n", name);
			return;
		}
		out("hostile: %s: no spec, generic arguments\n", name);
		case_prefix = 'G';
		for (int a = 0; a < 6; a++)
			for (int j = 0; j < nvalues[K_ANY]; j++)
				sweep_one(nr, &g, a, &values[K_ANY][j], &generic_case);
		case_prefix = 'C';
	}
}

static int mode_sweep(const char *list)
{
	list_names(list, sweep_name);
	out("hostile: done %d calls\n", ncalls);
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Fuzzing. */

static uint64_t rng_state;

static uint64_t rng(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

struct fuzz_target {
	int nr;
	const struct spec *s;
};

static struct fuzz_target targets[512];
static int ntargets;
static struct spec generic_specs[512];
static int ngeneric;

static void fuzz_add(const char *name, int nr)
{
	bool found = false;
	if (is_never(name) || ntargets >= (int)(sizeof(targets) / sizeof(targets[0])))
		return;
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		if (strcmp(specs[i].name, name) || (specs[i].flags & F_FUZZ_SKIP))
			continue;
		found = true;
		if (ntargets < (int)(sizeof(targets) / sizeof(targets[0])))
			targets[ntargets++] = (struct fuzz_target){ nr, &specs[i] };
	}
	if (!found && strcmp(name, "execve") && strcmp(name, "execveat") &&
	    strcmp(name, "sethostname") && strcmp(name, "setdomainname")) {
		generic_specs[ngeneric] = generic_spec;
		generic_specs[ngeneric].name = name;
		generic_specs[ngeneric].flags |= F_FUZZ_SINGLE;
		targets[ntargets++] = (struct fuzz_target){ nr, &generic_specs[ngeneric++] };
	}
}

static int mode_fuzz(uint64_t seed, int count, const char *list)
{
	char res[32];
	list_names(list, fuzz_add);
	if (ntargets == 0) {
		out("hostile: nothing to fuzz\n");
		return 1;
	}
	rng_state = seed ? seed : 1;
	out("hostile: fuzz seed %llu, %d calls over %d targets\n", (unsigned long long)seed, count,
	    ntargets);
	for (int i = 0; i < count; i++) {
		const struct fuzz_target *t = &targets[rng() % (uint64_t)ntargets];
		const struct spec *s = t->s;
		uint64_t v[6] = { 0 };
		int hostile_args = 0;
		int only = (s->flags & F_FUZZ_SINGLE) && s->nargs ? (int)(rng() % (uint64_t)s->nargs) : -1;
		for (int a = 0; a < s->nargs; a++) {
			enum kind k = s->a[a].k;
			v[a] = resolve(s->a[a].base);
			if (k == K_NONE || nvalues[k] == 0 || (only >= 0 && a != only))
				continue;
			if (rng() % 2) {
				v[a] = values[k][rng() % (uint64_t)nvalues[k]].v;
				hostile_args++;
			}
		}
		reset_before();
		out("F%d %s(%#llx, %#llx, %#llx, %#llx, %#llx, %#llx) = ", i, s->name,
		    (unsigned long long)v[0], (unsigned long long)v[1], (unsigned long long)v[2],
		    (unsigned long long)v[3], (unsigned long long)v[4], (unsigned long long)v[5]);
		long r = do_call(t->nr, s, v);
		ncalls++;
		out("%s\n", errname(r, res, sizeof(res)));
		reset_after(s);
	}
	out("hostile: done %d calls\n", ncalls);
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Escape checks: what the guest can reach from its fds and /proc. */

static char **markers;
static int nmarkers;
static int escapes;

/* Lists a directory fd; returns the number of entries, checking each against the markers.
   names (if given) receives the names, space-separated and sorted as they come. */
static int list_dir(int fd, const char *what, char *names, size_t size)
{
	char buf[8192];
	int n = 0;
	if (names)
		names[0] = '\0';
	lseek(fd, 0, SEEK_SET);
	for (;;) {
		long r = syscall(SYS_getdents64, fd, buf, sizeof(buf));
		if (r <= 0)
			break;
		for (long off = 0; off < r;) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);
			off += d->d_reclen;
			for (int m = 0; m < nmarkers; m++) {
				if (!strcmp(d->d_name, markers[m])) {
					out("ESCAPE: %s lists %s, a host file outside the rootfs\n", what, d->d_name);
					escapes++;
				}
			}
			if (names && strlen(names) + strlen(d->d_name) + 2 < size) {
				strcat(names, d->d_name);
				strcat(names, " ");
			}
			n++;
		}
	}
	return n;
}

static dev_t root_dev;
static ino_t root_ino;
static char root_names[8192];

/* From a directory fd, walks ".." to the top: it must be the rootfs's own "/". */
static void walk_up(int fd, const char *what)
{
	char names[8192];
	struct stat st, prev;
	int cur = dup(fd);
	if (fstat(cur, &prev) < 0) {
		close(cur);
		return;
	}
	for (int depth = 0; depth < 64; depth++) {
		list_dir(cur, what, NULL, 0);
		int up = openat(cur, "..", O_RDONLY | O_DIRECTORY);
		if (up < 0) {
			out("  %s: openat(\"..\") at depth %d: %s\n", what, depth, strerrorname_np(errno));
			break;
		}
		close(cur);
		cur = up;
		if (fstat(cur, &st) < 0)
			break;
		if (st.st_dev == prev.st_dev && st.st_ino == prev.st_ino)
			break;
		prev = st;
	}
	list_dir(cur, what, names, sizeof(names));
	bool is_root = prev.st_dev == root_dev && prev.st_ino == root_ino;
	bool same_names = !strcmp(names, root_names);
	out("  %s: top of the \"..\" chain is %s (%s)\n", what, is_root ? "the rootfs's /" : "NOT the rootfs's /",
	    same_names ? "same listing as /" : "listing differs from /");
	if (!is_root || !same_names) {
		out("ESCAPE: %s: \"..\" leads somewhere that is not the rootfs's / (%s)\n", what, names);
		escapes++;
	}
	close(cur);
}

static int setup_root_identity(void)
{
	struct stat st;
	int fd = open("/", O_RDONLY | O_DIRECTORY);
	if (fd < 0 || fstat(fd, &st) < 0) {
		out("hostile: open /: %s\n", strerror(errno));
		return -1;
	}
	root_dev = st.st_dev;
	root_ino = st.st_ino;
	list_dir(fd, "/", root_names, sizeof(root_names));
	close(fd);
	return 0;
}

static int mode_fdscan(void)
{
	char what[64];
	if (setup_root_identity() < 0)
		return 1;
	/* Directories the guest holds, besides whatever it inherited. */
	open("/", O_RDONLY | O_DIRECTORY);
	open("/etc", O_RDONLY | O_DIRECTORY);
	open("/proc", O_RDONLY | O_DIRECTORY);
	open("/proc/self", O_RDONLY | O_DIRECTORY);
	open("/dev", O_RDONLY | O_DIRECTORY);
	open("/etc", O_PATH | O_DIRECTORY);
	int found = 0, dirs = 0;
	for (int fd = 0; fd <= 1024; fd++) {
		struct stat st;
		if (fstat(fd, &st) < 0) {
			if (errno != EBADF)
				out("fd %d: fstat: %s\n", fd, strerrorname_np(errno));
			continue;
		}
		found++;
		out("fd %d: mode %o dev %lx ino %lu\n", fd, st.st_mode, (unsigned long)st.st_dev,
		    (unsigned long)st.st_ino);
		int up = openat(fd, "..", O_RDONLY | O_DIRECTORY);
		if (up < 0) {
			out("  openat(%d, \"..\"): %s\n", fd, strerrorname_np(errno));
			if (S_ISDIR(st.st_mode))
				out("  (a directory whose parent cannot be opened)\n");
		} else {
			snprintf(what, sizeof(what), "fd %d", fd);
			char names[4096];
			int n = list_dir(up, what, names, sizeof(names));
			out("  openat(%d, \"..\") lists %d entries\n", fd, n);
			walk_up(up, what);
			close(up);
			dirs++;
		}
	}
	out("hostile: fdscan: %d fds, %d with a reachable parent, %d escapes\n", found, dirs, escapes);
	return escapes ? 1 : 0;
}

static void proc_path(const char *path)
{
	char target[4096];
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	if (n >= 0) {
		target[n] = '\0';
		out("%s -> %s\n", path, target);
		for (int m = 0; m < nmarkers; m++)
			if (strstr(target, markers[m])) {
				out("ESCAPE: %s names %s\n", path, markers[m]);
				escapes++;
			}
	} else {
		out("%s: readlink: %s\n", path, strerrorname_np(errno));
	}
	int fd = open(path, O_RDONLY | O_DIRECTORY);
	if (fd < 0) {
		out("  open(O_DIRECTORY): %s\n", strerrorname_np(errno));
		return;
	}
	list_dir(fd, path, NULL, 0);
	walk_up(fd, path);
	close(fd);
	/* And the same names with ".." appended, as a path. */
	char up[4200];
	for (int depth = 1; depth <= 4; depth++) {
		snprintf(up, sizeof(up), "%s", path);
		for (int i = 0; i < depth; i++)
			strcat(up, "/..");
		fd = open(up, O_RDONLY | O_DIRECTORY);
		if (fd < 0)
			continue;
		walk_up(fd, up);
		close(fd);
	}
	for (int m = 0; m < nmarkers; m++) {
		snprintf(up, sizeof(up), "%s/../../../../%s", path, markers[m]);
		fd = open(up, O_RDONLY);
		if (fd >= 0) {
			out("ESCAPE: %s opens\n", up);
			escapes++;
			close(fd);
		}
	}
}

static int mode_procscan(void)
{
	char path[64];
	if (setup_root_identity() < 0)
		return 1;
	if (chdir("/etc") < 0)
		out("hostile: chdir /etc: %s\n", strerror(errno));
	int dirs[] = { open("/", O_RDONLY | O_DIRECTORY), open("/etc", O_RDONLY | O_DIRECTORY),
		       open("/proc", O_RDONLY | O_DIRECTORY), open("/dev", O_PATH | O_DIRECTORY) };
	(void)dirs;
	proc_path("/proc/self/root");
	proc_path("/proc/self/cwd");
	proc_path("/proc/1/root");
	proc_path("/proc/1/cwd");
	proc_path("/proc/thread-self/root");
	for (int fd = 0; fd < 64; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (faccessat(AT_FDCWD, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
			proc_path(path);
	}
	proc_path("/proc/self/exe");
	proc_path("/dev/fd");
	out("hostile: procscan: %d escapes\n", escapes);
	return escapes ? 1 : 0;
}

static int mode_forkopen(void)
{
	int bad = 0, children = 0;
	for (int i = 0; i < 300; i++) {
		long c = raw6_forklike(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
		if (c > 0)
			children++;
		for (int k = 0; k < 20; k++) {
			int fd = open("/etc/passwd", O_RDONLY);
			if (fd < 0) {
				if (bad++ < 10)
					out("hostile: forkopen: open %d/%d: %s (clone: %ld)\n", i, k,
					    strerrorname_np(errno), c);
			} else {
				close(fd);
			}
		}
		while (waitpid(-1, NULL, __WALL | WNOHANG) > 0)
			;
	}
	while (waitpid(-1, NULL, __WALL) > 0)
		;
	out("hostile: forkopen: %d children, %d failed opens\n", children, bad);
	return bad ? 1 : 0;
}

static int mode_hold(void)
{
	char buf[256];
	int fds[] = { open("/", O_RDONLY | O_DIRECTORY), open("/etc", O_RDONLY | O_DIRECTORY),
		      open("/etc/passwd", O_RDONLY), open("/etc", O_PATH | O_DIRECTORY),
		      open("/proc/self", O_RDONLY | O_DIRECTORY), open("/hostile", O_RDONLY) };
	(void)fds;
	if (chdir("/etc") < 0)
		out("hostile: chdir /etc: %s\n", strerror(errno));
	printf("hostile: holding\n");
	fflush(stdout);
	while (read(0, buf, sizeof(buf)) > 0)
		;
	printf("hostile: released\n");
	return 0;
}

/* ---------------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
	/* SA_RESTART: under unotify, a signal that arrives while the guest waits for the sentry
	   aborts the notification, and without SA_RESTART even a write to a file would fail with
	   EINTR. pause, poll, nanosleep and the like return EINTR all the same. */
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };

	if (dup2(2, FD_REPORT) < 0)
		return 1;
	if (argc >= 2 && !strcmp(argv[1], "reexec")) {
		out("hostile: an execve the sentry should have refused ran the program again\n");
		return 99;
	}
	if (argc >= 2 && (!strcmp(argv[1], "fdscan") || !strcmp(argv[1], "procscan"))) {
		markers = argv + 2;
		nmarkers = argc - 2;
		return !strcmp(argv[1], "fdscan") ? mode_fdscan() : mode_procscan();
	}
	if (argc == 2 && !strcmp(argv[1], "hold"))
		return mode_hold();
	if (argc == 2 && !strcmp(argv[1], "forkopen"))
		return mode_forkopen();

	if (setup_memory() < 0) {
		out("hostile: setting up memory: %s\n", strerror(errno));
		return 1;
	}
	setup_values();
	dup2(0, FD_STDIN);
	open_baseline_fds();
	/* Calls that block once implemented come back with EINTR. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	arm_timer();
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "sweep")) {
		run_generic = argc == 3 || strcmp(argv[3], "nogeneric");
		return mode_sweep(argv[2]);
	}
	if (argc == 5 && !strcmp(argv[1], "fuzz"))
		return mode_fuzz(strtoull(argv[2], NULL, 0), atoi(argv[3]), argv[4]);
	fprintf(stderr, "usage: hostile sweep NAME:NR,... | fuzz SEED COUNT NAME:NR,... | "
			"fdscan MARKER... | procscan MARKER... | hold | forkopen\n");
	return 2;
}
