/* A syscall fuzzer run inside the sandbox (tests/integration/test_fuzz.sh, bench/fuzz.sh):
   random syscall numbers (every x86-64 number, plus x32 and out-of-range ones) with arguments
   from typed generators, from several processes and threads at once, with signals in flight.

   fuzz [--seed N] [--calls M] [--seconds S] [--procs P] [--threads T] [--trace]
	Runs until M calls were made in total or S seconds passed, then prints
	    fuzz: seed N calls C procs-died D stuck K seconds S calls/s R
	and exits 0. The sandbox's pid 1 (this process, the supervisor) makes no random calls:
	it forks P workers of T threads each and a signal sender, respawns the workers that die
	(a random call may kill its caller: kill(0, SIGKILL), munmap of its stack...), and kills a
	worker whose thread made no progress for 10 s (a pause() with every signal blocked), after
	printing its last calls. --trace prints every call before it is made ("T<worker>.<thread>
	#<n> nr(args)"), and " = result" after: with --procs 1 --threads 1 a seed replays the same
	sequence, so a call that kills the sentry is the last line printed.

   Every thread draws from its own generator, seeded from (seed, worker slot, generation,
   thread): a seed gives the same calls per thread; only the interleaving differs.

   What is never made by a worker (it would only end the fuzzer itself): exit, exit_group,
   rt_sigreturn, execve, execveat, arch_prctl, seccomp, rseq, rt_sigaction and sigaltstack with
   random handlers and stacks, uretprobe and uprobe (SIGILL, natively too), and numbers from 0x40000000 up (x32: the sandbox kills the
   caller with SIGSYS, by design). They are made, with the rest, by short-lived forked children
   (1 call in 256 forks one, which makes up to 16 random calls, then exits). fork, vfork,
   clone and clone3 are made by workers too: the new child exits at once in the syscall stub,
   before it touches the (maybe shared) stack. Memory calls (mmap, munmap, mprotect, mremap,
   madvise, brk...) get addresses inside the worker's scratch area only, so the fuzzer's own
   code, stack and heap stay mapped; pid 1 (the supervisor) is never a target pid.
   memfd_create is never made: a memfd's data is host memory charged to the sandbox's memory
   cgroup that the sentry does not bound per file (DESIGN, known limits), so one huge
   fallocate ends the run in the sandbox's own OOM kill, the supervisor included. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096
#define MAX_NR 480		/* past the last x86-64 number (out-of-range ones included) */
#define MAX_PROCS 16
#define MAX_THREADS 8
#define RING 32
#define POOL 48
#define STUCK_SECONDS 10

/* One call, as logged in the thread's ring (shared with the supervisor). */
struct call_rec {
	uint64_t n;
	int64_t nr;
	uint64_t a[6];
	int64_t ret;
	int done;
};

struct thread_slot {
	_Atomic pid_t pid, tid;
	_Atomic uint64_t progress;
	struct call_rec ring[RING];
};

struct shared {
	_Atomic uint64_t calls;
	_Atomic int stop;
	struct thread_slot slots[MAX_PROCS][MAX_THREADS];
};

static struct shared *sh;
static uint64_t opt_seed = 1, opt_calls = 100000;
static int opt_seconds = 0, opt_procs = 3, opt_threads = 2, opt_trace = 0;

/* ---- random numbers (splitmix64: small, fast, seedable) ---- */

static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t below(uint64_t *s, uint64_t n)
{
	return n ? rnd(s) % n : 0;
}

/* ---- a worker's resources: fds of every kind, paths, its memory arena ---- */

/* The arena: guard, data (4 pages), read-only, guard, data, hole (unmapped), then the
   scratch area the memory calls may remap, unmap and protect at will. */
enum { A_GUARD0, A_DATA, A_RO = 5, A_GUARD1, A_DATA2, A_HOLE, A_SCRATCH = 10, A_PAGES = 26 };
#define ARENA_GUARD 256

static char *arena;
static char data_template[4 * PAGE];
static int pool[POOL], npool;
static const char *const paths[] = {
	"f0", "f1", "d0", "d0/sub", "d0/../f0", "d0/sub/../../f1", "loop1", "selfloop", "dangle",
	"fifo", "sock", "..", "../..", "../../../../../../..", "/", ".", "", "f0/", "nonexistent/x",
	"/proc/self/fd/0", "/proc/self/fd/3", "/proc/self/mem", "/proc/self/maps", "/proc/self/root/..",
	"/proc/self/cwd/f0", "/proc/1/root", "/proc/self/exe", "/proc/self/status", "/proc/self/task",
	"/proc/sys/kernel/hostname", "/proc", "/dev/null", "/dev/zero", "/dev/urandom", "/dev/shm",
	"/etc/passwd", "/tmp", "/fuzz", "/bin/sh", "/sys", "loop1/x", "d0/sub/../../../../f0",
};
#define NPATHS (sizeof(paths) / sizeof(paths[0]))
static uint64_t path_ptr[NPATHS + 3];

static void pool_add(int fd)
{
	if (fd >= 0 && npool < POOL)
		pool[npool++] = fd;
}

/* Files, directories, symlink loops, a FIFO and a socket name in the worker's directory. */
static void make_tree(const char *dir)
{
	mkdir("/fuzz-work", 0777);
	mkdir(dir, 0777);
	if (chdir(dir) < 0)
		return;
	close(open("f0", O_CREAT | O_WRONLY, 0644));
	close(open("f1", O_CREAT | O_WRONLY, 0600));
	mkdir("d0", 0755);
	mkdir("d0/sub", 0700);
	symlink("loop2", "loop1");
	symlink("loop1", "loop2");
	symlink("selfloop", "selfloop");
	symlink("nowhere/x", "dangle");
	mkfifo("fifo", 0644);
}

static void make_pool(void)
{
	int p[2], efd;
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = "sock" };

	npool = 0;
	pool_add(open("f0", O_RDWR | O_CREAT, 0644));
	pool_add(open("f1", O_RDONLY));
	pool_add(open(".", O_RDONLY | O_DIRECTORY));
	pool_add(open("d0", O_RDONLY | O_DIRECTORY));
	pool_add(open("/", O_RDONLY | O_DIRECTORY));
	pool_add(open("/proc", O_RDONLY | O_DIRECTORY));
	pool_add(open("/proc/self/status", O_RDONLY));
	pool_add(open("/proc/self/maps", O_RDONLY));
	pool_add(open("/etc/passwd", O_RDONLY));
	pool_add(open("/dev/null", O_RDWR));
	pool_add(open("/dev/zero", O_RDONLY));
	pool_add(open("fifo", O_RDWR | O_NONBLOCK));
	pool_add(open("d0", O_PATH));
	if (pipe2(p, O_NONBLOCK) == 0) {
		pool_add(p[0]);
		pool_add(p[1]);
	}
	if (pipe(p) == 0) {
		pool_add(p[0]);
		pool_add(p[1]);
	}
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, p) == 0) {
		pool_add(p[0]);
		pool_add(p[1]);
	}
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, p) == 0) {
		pool_add(p[0]);
		pool_add(p[1]);
	}
	int ls = socket(AF_UNIX, SOCK_STREAM, 0);
	unlink("sock");
	if (ls >= 0 && bind(ls, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		listen(ls, 4);
	pool_add(ls);
	pool_add(socket(AF_UNIX, SOCK_SEQPACKET, 0));
	pool_add(efd = eventfd(1, EFD_NONBLOCK));
	int ep = epoll_create1(0);
	if (ep >= 0 && efd >= 0) {
		struct epoll_event ev = { .events = EPOLLIN };
		epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev);
	}
	pool_add(ep);
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	struct itimerspec its = { { 0, 1000000 }, { 0, 1000000 } };
	if (tfd >= 0)
		timerfd_settime(tfd, 0, &its, NULL);
	pool_add(tfd);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	pool_add(signalfd(-1, &set, SFD_NONBLOCK));
	pool_add((int)syscall(SYS_pidfd_open, getpid(), 0));
	pool_add((int)syscall(SYS_mq_open, "fuzz", O_RDWR | O_CREAT, 0600, NULL));
	pool_add(open("/proc/self/mem", O_RDONLY));
	int ino = inotify_init1(IN_NONBLOCK);
	if (ino >= 0)
		inotify_add_watch(ino, ".", IN_ALL_EVENTS);
	pool_add(ino);
}

/* The arena at a fixed-size random place, filled with paths (in data and read-only pages,
   one unterminated at the end of a data page before a guard page), iovecs, msghdrs and
   random bytes. */
static void make_arena(uint64_t *s)
{
	/* Between wide guard areas: a write of any length from a data or scratch page stops
	   there, and the memory calls (at most 32 pages past the scratch area's start) cannot
	   open them up, so the thread stacks and the shared state stay intact. */
	char *reserve = mmap(NULL, (A_PAGES + 2 * ARENA_GUARD) * PAGE, PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (reserve == MAP_FAILED)
		_exit(90);
	arena = reserve + ARENA_GUARD * PAGE;
	if (mprotect(arena, A_PAGES * PAGE, PROT_READ | PROT_WRITE) < 0)
		_exit(90);
	char *d = data_template;
	for (size_t i = 0; i < sizeof(data_template); i += 8) {
		uint64_t v = rnd(s);
		memcpy(d + i, &v, 8);
	}
	/* Page 0: paths. */
	size_t off = 0;
	for (size_t i = 0; i < NPATHS; i++) {
		strcpy(d + off, paths[i]);
		path_ptr[i] = (uint64_t)(arena + A_DATA * PAGE + off);
		off += strlen(paths[i]) + 1;
	}
	/* A 255-byte name, a 300-byte one and a 5000-byte path (past PATH_MAX). */
	memset(d + off, 'n', 255);
	d[off + 255] = 0;
	path_ptr[NPATHS] = (uint64_t)(arena + A_DATA * PAGE + off);
	off += 256;
	memset(d + off, 'l', 300);
	d[off + 300] = 0;
	path_ptr[NPATHS + 1] = (uint64_t)(arena + A_DATA * PAGE + off);
	for (size_t i = 0; i < 5000 && PAGE + i < 3 * PAGE; i++)
		d[PAGE + i] = i % 2 ? '/' : 'a';
	d[PAGE + 5000] = 0;
	path_ptr[NPATHS + 2] = (uint64_t)(arena + (A_DATA + 1) * PAGE);
	/* Page 3: iovecs and msghdrs pointing into the data pages. */
	struct iovec *iov = (struct iovec *)(d + 3 * PAGE);
	for (int i = 0; i < 16; i++)
		iov[i] = (struct iovec){ arena + (A_DATA + 2) * PAGE + i * 64, (size_t)(i * 37 % 200) };
	struct msghdr *mh = (struct msghdr *)(d + 3 * PAGE + 1024);
	*mh = (struct msghdr){ .msg_iov = (struct iovec *)(arena + (A_DATA + 3) * PAGE), .msg_iovlen = 4 };
	memcpy(arena + A_DATA * PAGE, d, sizeof(data_template));
	/* The last data page ends with bytes and no NUL before the guard page. */
	memset(arena + A_RO * PAGE - 64, 'u', 64);
	memcpy(arena + A_RO * PAGE, d, PAGE);
	memcpy(arena + A_DATA2 * PAGE, d + PAGE, PAGE);
	mprotect(arena + A_RO * PAGE, PAGE, PROT_READ);
	mprotect(arena + A_GUARD0 * PAGE, PAGE, PROT_NONE);
	mprotect(arena + A_GUARD1 * PAGE, PAGE, PROT_NONE);
	munmap(arena + A_HOLE * PAGE, 2 * PAGE);
}

/* ---- typed argument generators ---- */

static uint64_t gen_fd(uint64_t *s)
{
	static const int64_t bad[] = { -1, -100, -9, 1023, 1024, 65535, 1 << 20, 0x7fffffff, 0, 1, 2 };
	if (below(s, 8) && npool)
		return (uint64_t)(int64_t)pool[below(s, (uint64_t)npool)];
	if (below(s, 3) == 0)
		return below(s, 64);
	return (uint64_t)bad[below(s, sizeof(bad) / sizeof(bad[0]))];
}

static uint64_t gen_ptr(uint64_t *s)
{
	char *a = arena;
	switch (below(s, 16)) {
	case 0: return 0;
	case 1: return (uint64_t)(a + A_RO * PAGE + below(s, PAGE));
	case 2: return (uint64_t)(a + A_GUARD1 * PAGE + below(s, PAGE));
	case 3: return (uint64_t)(a + A_HOLE * PAGE + below(s, 2 * PAGE));
	case 4: return (uint64_t)(a + A_RO * PAGE - 1 - below(s, 16));	/* the edge of a guard */
	case 5: return (uint64_t)(a + A_GUARD1 * PAGE - below(s, 64));
	case 6: return 0xffffffff81000000ULL;				/* kernel */
	case 7: return 0x8000000000000000ULL + below(s, PAGE);		/* non-canonical */
	case 8: return 0x300000000000ULL + below(s, 1 << 20) * PAGE;	/* unmapped */
	case 9: return (uint64_t)(a + A_SCRATCH * PAGE + below(s, 16 * PAGE));
	case 10: return path_ptr[below(s, NPATHS + 3)];
	case 11: return (uint64_t)(a + (A_DATA + 3) * PAGE + below(s, 2) * 1024);	/* iovec, msghdr */
	default: return (uint64_t)(a + A_DATA * PAGE + below(s, 4 * PAGE));
	}
}

static uint64_t gen_len(uint64_t *s)
{
	static const uint64_t edge[] = { 0, 1, 2, 7, 8, 16, 64, PAGE - 1, PAGE, PAGE + 1, 2 * PAGE,
					 65536, 1 << 20, 0x7fffffff, 0x80000000ULL, 0xffffffffULL,
					 (uint64_t)-1, (uint64_t)-PAGE, 1ULL << 62 };
	return below(s, 3) ? edge[below(s, sizeof(edge) / sizeof(edge[0]))] : below(s, 512);
}

static uint64_t gen_flags(uint64_t *s)
{
	switch (below(s, 4)) {
	case 0: return 0;
	case 1: return 1ULL << below(s, 32);
	case 2: return rnd(s) & 0xffff;
	default: return rnd(s) & (below(s, 2) ? 0xffffffffULL : ~0ULL);
	}
}

static uint64_t gen_pid(uint64_t *s)
{
	static const int64_t odd[] = { 0, -1, -2, 2, 3, 4, 5, 99999, 0x7fffffff, -0x7fffffff };
	switch (below(s, 4)) {
	case 0: return (uint64_t)(int64_t)getpid();
	case 1: return (uint64_t)(int64_t)gettid();
	case 2: return (uint64_t)(int64_t)-getpid();
	default: return (uint64_t)odd[below(s, sizeof(odd) / sizeof(odd[0]))];
	}
}

static uint64_t gen_sig(uint64_t *s)
{
	static const int common[] = { 0, SIGUSR1, SIGUSR2, SIGALRM, SIGCHLD, SIGURG, SIGWINCH, SIGCONT,
				      __SIGRTMIN + 3 /* SIGRTMIN + 1 */, SIGPIPE };
	/* Rarely any number, SIGKILL and SIGSTOP included. */
	return below(s, 64) ? (uint64_t)common[below(s, sizeof(common) / sizeof(common[0]))]
			    : below(s, 70);
}

static uint64_t gen_int(uint64_t *s)
{
	static const int64_t v[] = { 0, 1, 2, 3, 4, 5, 8, 16, 64, -1, -2, 0x7fffffff, INT32_MIN };
	return below(s, 2) ? below(s, 40) : (uint64_t)v[below(s, sizeof(v) / sizeof(v[0]))];
}

static uint64_t gen_scratch_addr(uint64_t *s)
{
	switch (below(s, 8)) {
	case 0: return 0;
	case 1: return 0x300000000000ULL + below(s, 256) * PAGE;
	case 2: return (uint64_t)(arena + A_SCRATCH * PAGE + below(s, 16 * PAGE));	/* unaligned */
	default: return (uint64_t)(arena + (A_SCRATCH + below(s, 16)) * PAGE);
	}
}

static uint64_t gen_scratch_len(uint64_t *s)
{
	static const uint64_t v[] = { 0, 1, PAGE - 1, PAGE, 2 * PAGE, 16 * PAGE, (uint64_t)-PAGE };
	return below(s, 2) ? v[below(s, 6)] : v[below(s, sizeof(v) / sizeof(v[0]))];
}

static uint64_t gen_any(uint64_t *s);

static uint64_t gen(uint64_t *s, char kind)
{
	switch (kind) {
	case 'f': return gen_fd(s);
	case 'd': return below(s, 3) ? (uint64_t)(int64_t)AT_FDCWD : gen_fd(s);
	case 's': return below(s, 6) ? path_ptr[below(s, NPATHS + 3)] : gen_ptr(s);
	case 'p': return gen_ptr(s);
	case 'l': return gen_len(s);
	case 'o': return below(s, 2) ? below(s, 3 * PAGE) : gen_len(s);
	case 'F': return gen_flags(s);
	case 'i': return gen_int(s);
	case 'P': return gen_pid(s);
	case 'S': return gen_sig(s);
	case 'u': return below(s, 2) ? below(s, 3) : (below(s, 2) ? 65534 : (uint64_t)-1);
	case 'c': return below(s, 2) ? below(s, 12) : (uint64_t)(int64_t)-below(s, 40);
	case 'a': return gen_scratch_addr(s);
	case 'm': return gen_scratch_len(s);
	default: return gen_any(s);
	}
}

static uint64_t gen_any(uint64_t *s)
{
	static const char kinds[] = "fdsplFiPS";
	return below(s, 10) ? gen(s, kinds[below(s, sizeof(kinds) - 1)]) : rnd(s);
}

/* Argument kinds of the syscalls whose signature matters most; the others get any kind. */
static const char *const sig_of[MAX_NR] = {
	[SYS_read] = "fpl", [SYS_write] = "fpl", [SYS_open] = "sFi", [SYS_close] = "f",
	[SYS_stat] = "sp", [SYS_fstat] = "fp", [SYS_lstat] = "sp", [SYS_poll] = "pli",
	[SYS_lseek] = "foi", [SYS_mmap] = "amFFfo", [SYS_mprotect] = "amF", [SYS_munmap] = "am",
	[SYS_brk] = "a", [SYS_rt_sigprocmask] = "ippl", [SYS_ioctl] = "fxp", [SYS_pread64] = "fplo",
	[SYS_pwrite64] = "fplo", [SYS_readv] = "fpi", [SYS_writev] = "fpi", [SYS_access] = "si",
	[SYS_pipe] = "p", [SYS_select] = "ipppp", [SYS_mremap] = "ammFa", [SYS_msync] = "amF",
	[SYS_mincore] = "amp", [SYS_madvise] = "ami", [SYS_shmat] = "iaF", [SYS_dup] = "f",
	[SYS_dup2] = "ff", [SYS_nanosleep] = "pp", [SYS_alarm] = "i", [SYS_sendfile] = "ffpl",
	[SYS_socket] = "iFi", [SYS_connect] = "fpl", [SYS_accept] = "fpp", [SYS_sendto] = "fplFpl",
	[SYS_recvfrom] = "fplFpp", [SYS_sendmsg] = "fpF", [SYS_recvmsg] = "fpF", [SYS_shutdown] = "fi",
	[SYS_bind] = "fpl", [SYS_listen] = "fi", [SYS_getsockname] = "fpp", [SYS_getpeername] = "fpp",
	[SYS_socketpair] = "iFip", [SYS_setsockopt] = "fiipl", [SYS_getsockopt] = "fiipp",
	[SYS_clone] = "Fpppx", [SYS_execve] = "spp", [SYS_exit] = "i", [SYS_wait4] = "PpFp",
	[SYS_kill] = "PS", [SYS_uname] = "p", [SYS_shmdt] = "a", [SYS_fcntl] = "fix", [SYS_flock] = "fF",
	[SYS_fsync] = "f", [SYS_truncate] = "so", [SYS_ftruncate] = "fo", [SYS_getdents] = "fpl",
	[SYS_getcwd] = "pl", [SYS_chdir] = "s", [SYS_fchdir] = "f", [SYS_rename] = "ss",
	[SYS_mkdir] = "sF", [SYS_rmdir] = "s", [SYS_creat] = "sF", [SYS_link] = "ss", [SYS_unlink] = "s",
	[SYS_symlink] = "ss", [SYS_readlink] = "spl", [SYS_chmod] = "sF", [SYS_fchmod] = "fF",
	[SYS_chown] = "suu", [SYS_fchown] = "fuu", [SYS_lchown] = "suu", [SYS_umask] = "F",
	[SYS_getrlimit] = "ip", [SYS_getrusage] = "ip", [SYS_ptrace] = "iPpp", [SYS_setuid] = "u",
	[SYS_setgid] = "u", [SYS_setpgid] = "PP", [SYS_setreuid] = "uu", [SYS_setresuid] = "uuu",
	[SYS_getgroups] = "lp", [SYS_setgroups] = "lp", [SYS_getpgid] = "P", [SYS_getsid] = "P",
	[SYS_rt_sigtimedwait] = "pppl", [SYS_rt_sigqueueinfo] = "PSp", [SYS_rt_sigsuspend] = "pl",
	[SYS_mknod] = "sFx", [SYS_statfs] = "sp", [SYS_fstatfs] = "fp", [SYS_getpriority] = "iP",
	[SYS_setpriority] = "iPi", [SYS_sched_setscheduler] = "Pip", [SYS_sched_getparam] = "Pp",
	[SYS_mlock] = "am", [SYS_munlock] = "am", [SYS_prctl] = "ixxxx", [SYS_setrlimit] = "ip",
	[SYS_chroot] = "s", [SYS_mount] = "sssFp", [SYS_umount2] = "sF", [SYS_sethostname] = "pl",
	[SYS_readahead] = "fol", [SYS_setxattr] = "ssplF", [SYS_getxattr] = "sspl",
	[SYS_fsetxattr] = "fsplF", [SYS_fgetxattr] = "fspl", [SYS_listxattr] = "spl",
	[SYS_flistxattr] = "fpl", [SYS_removexattr] = "ss", [SYS_tkill] = "PS", [SYS_futex] = "pixppi",
	[SYS_sched_setaffinity] = "Plp", [SYS_sched_getaffinity] = "Plp", [SYS_getdents64] = "fpl",
	[SYS_fadvise64] = "foli", [SYS_timer_create] = "cpp", [SYS_timer_settime] = "iFpp",
	[SYS_clock_gettime] = "cp", [SYS_clock_getres] = "cp", [SYS_clock_nanosleep] = "cFpp",
	[SYS_epoll_wait] = "fpii", [SYS_epoll_ctl] = "fifp", [SYS_tgkill] = "PPS", [SYS_waitid] = "iPpFp",
	[SYS_inotify_add_watch] = "fsF", [SYS_inotify_rm_watch] = "fi",
	[SYS_openat] = "dsFi", [SYS_mkdirat] = "dsF",
	[SYS_mknodat] = "dsFx", [SYS_fchownat] = "dsuuF", [SYS_newfstatat] = "dspF",
	[SYS_unlinkat] = "dsF", [SYS_renameat] = "dsds", [SYS_linkat] = "dsdsF", [SYS_symlinkat] = "sds",
	[SYS_readlinkat] = "dspl", [SYS_fchmodat] = "dsF", [SYS_faccessat] = "dsF",
	[SYS_pselect6] = "ipppp", [SYS_ppoll] = "plppl", [SYS_unshare] = "F", [SYS_splice] = "fpfplF",
	[SYS_tee] = "fflF", [SYS_vmsplice] = "fplF", [SYS_utimensat] = "dspF", [SYS_epoll_pwait] = "fpiipl",
	[SYS_signalfd] = "fpl", [SYS_timerfd_create] = "cF", [SYS_eventfd] = "i", [SYS_fallocate] = "fFol",
	[SYS_timerfd_settime] = "fFpp", [SYS_accept4] = "fppF", [SYS_signalfd4] = "fplF",
	[SYS_eventfd2] = "iF", [SYS_epoll_create1] = "F", [SYS_dup3] = "ffF", [SYS_pipe2] = "pF",
	[SYS_preadv] = "fpio", [SYS_pwritev] = "fpio", [SYS_rt_tgsigqueueinfo] = "PPSp",
	[SYS_recvmmsg] = "fplFp", [SYS_prlimit64] = "Pipp", [SYS_sendmmsg] = "fplF", [SYS_setns] = "fF",
	[SYS_process_vm_readv] = "PpipiF", [SYS_process_vm_writev] = "PpipiF", [SYS_kcmp] = "PPiff",
	[SYS_renameat2] = "dsdsF", [SYS_getrandom] = "plF", [SYS_memfd_create] = "sF",
	[SYS_execveat] = "dsppF", [SYS_mlock2] = "amF", [SYS_copy_file_range] = "fpfplF",
	[SYS_preadv2] = "fpioF", [SYS_pwritev2] = "fpioF", [SYS_pkey_mprotect] = "amFi",
	[SYS_statx] = "dsFFp", [SYS_pidfd_send_signal] = "fSpF", [SYS_pidfd_open] = "PF",
	[SYS_clone3] = "pl", [SYS_close_range] = "ffF", [SYS_openat2] = "dspl", [SYS_pidfd_getfd] = "ffF",
	[SYS_faccessat2] = "dsFF", [SYS_process_madvise] = "fpliF", [SYS_remap_file_pages] = "amiiF",
	[SYS_mbind] = "amipiF", [SYS_migrate_pages] = "Plpp", [SYS_move_pages] = "PlpppF",
	[SYS_set_mempolicy_home_node] = "amiF", [SYS_munlockall] = "", [SYS_mlockall] = "F",
	[SYS_io_uring_setup] = "lp", [SYS_userfaultfd] = "F", [SYS_perf_event_open] = "pPifF",
	[SYS_name_to_handle_at] = "dsppF", [SYS_open_by_handle_at] = "fpF", [SYS_fsopen] = "sF",
	[SYS_open_tree] = "dsF", [SYS_move_mount] = "dsdsF", [SYS_fspick] = "dsF",
	[SYS_mount_setattr] = "dsFpl", [SYS_inotify_init1] = "F", [SYS_fanotify_init] = "FF",
	[SYS_mq_open] = "sFip", [SYS_mq_unlink] = "s", [SYS_mq_timedsend] = "fplip",
	[SYS_mq_timedreceive] = "fplpp", [SYS_mq_notify] = "fp", [SYS_mq_getsetattr] = "fpp",
};

/* Memory calls: their address arguments stay in the scratch area (see the header). */
static int is_memory_call(long nr)
{
	return nr == SYS_mmap || nr == SYS_munmap || nr == SYS_mprotect || nr == SYS_mremap ||
	       nr == SYS_madvise || nr == SYS_msync || nr == SYS_mlock || nr == SYS_munlock ||
	       nr == SYS_mlock2 || nr == SYS_brk || nr == SYS_shmat || nr == SYS_shmdt ||
	       nr == SYS_pkey_mprotect || nr == SYS_remap_file_pages || nr == SYS_mbind ||
	       nr == SYS_set_mempolicy_home_node || nr == 453 /* map_shadow_stack */ ||
	       nr == 462 /* mseal */ || nr == SYS_process_madvise || nr == SYS_mincore;
}

/* Calls only forked children make (they end or replace the caller, or install handlers and
   stacks at random addresses). */
static int is_child_only(long nr)
{
	/* The guest filter's bad-arch action kills the caller on x32 numbers (and every number
	   from 0x40000000 up, as seccomp reads them): by design, see test_trap_all. */
	if ((unsigned long)nr >= 0x40000000)
		return 1;
	/* uretprobe and uprobe (335, 336): the host kills a caller outside a uprobe trampoline
	   with SIGILL, natively too. */
	return nr == 335 || nr == 336 || nr == SYS_exit || nr == SYS_exit_group || nr == SYS_rt_sigreturn || nr == SYS_execve ||
	       nr == SYS_execveat || nr == SYS_arch_prctl || nr == SYS_seccomp || nr == SYS_rseq ||
	       nr == SYS_rt_sigaction || nr == SYS_sigaltstack;
}

static int is_fork_like(long nr)
{
	return nr == SYS_fork || nr == SYS_vfork || nr == SYS_clone || nr == SYS_clone3;
}

/* The raw call. A new child of a fork-like call exits (exit, not exit_group: it may be a
   thread of the caller's group) before it returns here: it may share this stack. */
static long raw_syscall(long nr, const uint64_t a[6], long fork_like)
{
	register long r10 __asm__("r10") = (long)a[3];
	register long r8 __asm__("r8") = (long)a[4];
	register long r9 __asm__("r9") = (long)a[5];
	long ret;
	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 1f\n\t"
			 "test %[fl], %[fl]\n\t"
			 "jz 1f\n\t"
			 "mov $60, %%eax\n\t"
			 "xor %%edi, %%edi\n\t"
			 "syscall\n"
			 "1:"
			 : "=a"(ret)
			 : "a"(nr), "D"(a[0]), "S"(a[1]), "d"(a[2]), "r"(r10), "r"(r8), "r"(r9),
			   [fl] "r"(fork_like)
			 : "rcx", "r11", "memory");
	return ret;
}

/* ---- workers ---- */

static _Atomic uint64_t signals_caught;
static int worker_slot;
static uint64_t worker_gen;

static void on_signal(int sig)
{
	(void)sig;
	signals_caught++;
}

static void install_handlers(void)
{
	static const int sigs[] = { SIGUSR1, SIGUSR2, SIGALRM, SIGCHLD, SIGWINCH, SIGCONT, SIGPIPE,
				    SIGPROF, SIGVTALRM, SIGIO };
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a signal ends a call that would block for ever. SIGURG restarts. */
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGURG, &sa, NULL);
	sigaction(SIGRTMIN + 1, &sa, NULL);
	signal(SIGXFSZ, SIG_IGN);
	signal(SIGTTOU, SIG_IGN);
	signal(SIGTTIN, SIG_IGN);
}

static void draw_call(uint64_t *s, int in_child, long *nr, uint64_t a[6])
{
	long n;
	do {
		uint64_t r = below(s, 64);
		if (r == 0)
			n = 0x40000000 | (long)below(s, 548);	/* x32 */
		else if (r == 1)
			n = (long)(rnd(s) & 0xffffffff) | (below(s, 2) ? 0 : (long)0xffffffff00000000);
		else
			n = (long)below(s, MAX_NR);
	} while (n == SYS_memfd_create || (!in_child && is_child_only(n)));
	const char *sig = n >= 0 && n < MAX_NR ? sig_of[n] : NULL;
	for (int i = 0; i < 6; i++) {
		char kind = sig && i < (int)strlen(sig) ? sig[i] : 0;
		a[i] = gen(s, kind);
	}
	if (n >= 0 && n < MAX_NR && is_memory_call(n) && !in_child) {
		a[0] = gen_scratch_addr(s);
		if (n != SYS_brk && n != SYS_shmdt)
			a[1] = gen_scratch_len(s);
		if (n == SYS_brk)
			a[0] = 0;
		if (n == SYS_mmap && (a[3] & MAP_FIXED) && a[0] == 0)
			a[3] &= ~(uint64_t)MAP_FIXED;
		if (n == SYS_mremap)
			a[4] = gen_scratch_addr(s);
		if (n == SYS_shmat || n == SYS_process_madvise)
			a[1] = gen_scratch_addr(s);
		if (n == SYS_process_madvise) {
			a[0] = gen_fd(s);
			a[1] = gen_ptr(s);
		}
	}
	*nr = n;
}

static void trace_call(int slot, int th, uint64_t i, long nr, const uint64_t a[6])
{
	fprintf(stderr, "T%d.%d #%llu %ld(%#llx, %#llx, %#llx, %#llx, %#llx, %#llx)\n", slot, th,
		(unsigned long long)i, nr, (unsigned long long)a[0], (unsigned long long)a[1],
		(unsigned long long)a[2], (unsigned long long)a[3], (unsigned long long)a[4],
		(unsigned long long)a[5]);
}

/* A short-lived child: up to 16 random calls of any number, the child-only ones included. */
static void child_calls(uint64_t seed)
{
	uint64_t s = seed, a[6];
	long nr;
	for (int i = 0; i < 16; i++) {
		draw_call(&s, 1, &nr, a);
		raw_syscall(nr, a, is_fork_like(nr));
	}
	_exit(0);
}

struct thread_arg {
	int index;
	uint64_t seed;
};

#define MAX_KIDS 4

static void *worker_thread(void *p)
{
	struct thread_arg *ta = p;
	struct thread_slot *slot = &sh->slots[worker_slot][ta->index];
	uint64_t s = ta->seed, a[6];
	pid_t kids[MAX_KIDS] = { 0 };
	time_t kid_start[MAX_KIDS] = { 0 };
	sigset_t none;
	long nr;

	sigemptyset(&none);
	slot->pid = getpid();
	slot->tid = gettid();
	for (uint64_t i = 0; !sh->stop; i++) {
		if (atomic_fetch_add(&sh->calls, 1) >= opt_calls) {
			sh->stop = 1;
			break;
		}
		if (i % 256 == 255) {
			/* Restore the data pages the calls wrote into; end stale children. */
			memcpy(arena + A_DATA * PAGE, data_template, sizeof(data_template));
			time_t now = time(NULL);
			for (int k = 0; k < MAX_KIDS; k++)
				if (kids[k] && now - kid_start[k] > 2)
					kill(kids[k], SIGKILL);
			while (waitpid(-1, NULL, WNOHANG | __WALL) > 0)
				;
			for (int k = 0; k < MAX_KIDS; k++)
				if (kids[k] && kill(kids[k], 0) < 0)
					kids[k] = 0;
		}
		if (ta->index == 0 && i % 4096 == 4095) {
			/* Fresh fds and working directory: the calls closed and moved them. */
			char dir[64];
			snprintf(dir, sizeof(dir), "/fuzz-work/w%d", worker_slot);
			syscall(SYS_close_range, 3, ~0U, 0);
			if (chdir(dir) < 0)
				make_tree(dir);
			make_pool();
		}
		if (below(&s, 256) == 0) {
			uint64_t kid_seed = rnd(&s);
			int k = (int)below(&s, MAX_KIDS);
			if (!kids[k]) {
				pid_t pid = fork();
				if (pid == 0)
					child_calls(kid_seed);
				kids[k] = pid > 0 ? pid : 0;
				kid_start[k] = time(NULL);
			}
			continue;
		}
		draw_call(&s, 0, &nr, a);
		struct call_rec *rec = &slot->ring[i % RING];
		rec->done = 0;
		rec->n = i;
		rec->nr = nr;
		memcpy(rec->a, a, sizeof(rec->a));
		if (opt_trace)
			trace_call(worker_slot, ta->index, i, nr, a);
		long ret = raw_syscall(nr, a, is_fork_like(nr));
		rec->ret = ret;
		rec->done = 1;
		if (opt_trace)
			fprintf(stderr, " = %ld\n", ret);
		if (nr == SYS_rt_sigprocmask || nr == SYS_rt_sigsuspend)
			sigprocmask(SIG_SETMASK, &none, NULL);
		slot->progress++;
	}
	return NULL;
}

static void worker(int slot_index, uint64_t gen)
{
	char dir[64];
	uint64_t s = opt_seed ^ (0x5151ULL * (uint64_t)(slot_index + 1)) ^ (gen << 32);
	pthread_t th[MAX_THREADS];
	struct thread_arg ta[MAX_THREADS];

	worker_slot = slot_index;
	worker_gen = gen;
	install_handlers();
	/* Files a worker fills (fallocate on a file of a tmpfs) may reach the sandbox's memory: the
	   OOM killer then takes a worker (respawned), not the supervisor. */
	int oom = open("/proc/self/oom_score_adj", O_WRONLY);
	if (oom >= 0) {
		if (write(oom, "1000", 4) < 0)
			_exit(92);
		close(oom);
	}
	/* A worker never writes to the sandbox's output: random writes to fds 1 and 2 land in
	   /dev/null (a --trace run keeps stderr). */
	int null = open("/dev/null", O_RDWR);
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || (!opt_trace && dup2(null, 2) < 0))
		_exit(93);	/* a sandbox short of fds: the supervisor starts another */
	close(null);
	snprintf(dir, sizeof(dir), "/fuzz-work/w%d", slot_index);
	make_tree(dir);
	make_arena(&s);
	make_pool();
	for (int t = 0; t < opt_threads; t++) {
		ta[t] = (struct thread_arg){ t, rnd(&s) };
		if (t > 0 && pthread_create(&th[t], NULL, worker_thread, &ta[t]) != 0)
			_exit(91);
	}
	worker_thread(&ta[0]);
	for (int t = 1; t < opt_threads; t++)
		pthread_join(th[t], NULL);
	_exit(0);
}

/* ---- the signal sender and the supervisor ---- */

static void signal_sender(uint64_t seed)
{
	static const int sigs[] = { SIGUSR1, SIGUSR2, SIGALRM, SIGCHLD, SIGURG, SIGWINCH, SIGCONT,
				    SIGPIPE, SIGPROF, SIGIO };
	uint64_t s = seed;
	struct timespec ts = { 0, 2000000 };
	for (;;) {
		struct thread_slot *slot = &sh->slots[below(&s, (uint64_t)opt_procs)][below(&s, (uint64_t)opt_threads)];
		int sig = sigs[below(&s, sizeof(sigs) / sizeof(sigs[0]))];
		pid_t pid = slot->pid, tid = slot->tid;
		if (pid > 1) {
			if (below(&s, 2))
				syscall(SYS_tgkill, pid, tid, sig);
			else
				kill(pid, sig);
		}
		nanosleep(&ts, NULL);
	}
}

static void print_ring(int w, int t)
{
	struct thread_slot *slot = &sh->slots[w][t];
	uint64_t last = 0;
	for (int i = 0; i < RING; i++)
		if (slot->ring[i].n > last)
			last = slot->ring[i].n;
	for (uint64_t n = last >= RING ? last - RING + 1 : 0; n <= last; n++) {
		struct call_rec *r = &slot->ring[n % RING];
		if (r->n != n)
			continue;
		fprintf(stderr, "  T%d.%d #%llu %lld(%#llx, %#llx, %#llx, %#llx, %#llx, %#llx)", w, t,
			(unsigned long long)r->n, (long long)r->nr, (unsigned long long)r->a[0],
			(unsigned long long)r->a[1], (unsigned long long)r->a[2],
			(unsigned long long)r->a[3], (unsigned long long)r->a[4],
			(unsigned long long)r->a[5]);
		if (r->done)
			fprintf(stderr, " = %lld\n", (long long)r->ret);
		else
			fprintf(stderr, " (in progress)\n");
	}
}

static pid_t spawn(int slot_index, uint64_t gen)
{
	for (int t = 0; t < MAX_THREADS; t++) {
		sh->slots[slot_index][t].pid = 0;
		sh->slots[slot_index][t].tid = 0;
	}
	pid_t pid = fork();
	if (pid == 0)
		worker(slot_index, gen);
	/* A fork that failed (the sandbox short of pids or memory) is tried again on a later
	   round: never a -1 kept as a pid, which kill() would take for every process. */
	return pid > 0 ? pid : 0;
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(void)
{
	fprintf(stderr, "usage: fuzz [--seed N] [--calls M] [--seconds S] [--procs P] [--threads T] [--trace]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(argv[i], "--trace")) {
			opt_trace = 1;
			continue;
		}
		if (!v)
			usage();
		if (!strcmp(argv[i], "--seed"))
			opt_seed = strtoull(v, NULL, 0);
		else if (!strcmp(argv[i], "--calls"))
			opt_calls = strtoull(v, NULL, 0);
		else if (!strcmp(argv[i], "--seconds"))
			opt_seconds = atoi(v);
		else if (!strcmp(argv[i], "--procs"))
			opt_procs = atoi(v);
		else if (!strcmp(argv[i], "--threads"))
			opt_threads = atoi(v);
		else
			usage();
		i++;
	}
	if (opt_procs < 1 || opt_procs > MAX_PROCS || opt_threads < 1 || opt_threads > MAX_THREADS)
		usage();
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("fuzz: mmap");
		return 1;
	}
	/* The supervisor survives what the workers send it: it ignores every catchable signal. */
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && sig != SIGCHLD)
			signal(sig, SIG_IGN);
	fprintf(stderr, "fuzz: seed %llu calls %llu procs %d threads %d\n", (unsigned long long)opt_seed,
		(unsigned long long)opt_calls, opt_procs, opt_threads);

	pid_t workers[MAX_PROCS], sender = 0;
	uint64_t gens[MAX_PROCS], seen[MAX_PROCS][MAX_THREADS] = { { 0 } };
	double since[MAX_PROCS][MAX_THREADS];
	uint64_t died = 0, stuck = 0, died_by[128] = { 0 };
	double start = now_seconds();
	int alive = 0;
	for (int w = 0; w < opt_procs; w++) {
		gens[w] = 0;
		workers[w] = spawn(w, 0);
		alive += workers[w] != 0;
		for (int t = 0; t < opt_threads; t++)
			since[w][t] = start;
	}
	double stop_at = 0;
	while (alive > 0 || !sh->stop) {
		int status;
		pid_t pid;
		double now = now_seconds();
		if (!sender && !sh->stop && (sender = fork()) == 0)
			signal_sender(opt_seed * 31 + 7);
		if (sender < 0)
			sender = 0;
		for (int w = 0; w < opt_procs && !sh->stop; w++) {
			if (!workers[w] && (workers[w] = spawn(w, ++gens[w]))) {
				alive++;
				for (int t = 0; t < opt_threads; t++)
					since[w][t] = now;
			}
		}
		while ((pid = waitpid(-1, &status, WNOHANG | __WALL)) > 0) {
			if (pid == sender) {
				sender = 0;
				continue;
			}
			for (int w = 0; w < opt_procs; w++) {
				if (workers[w] != pid)
					continue;
				alive--;
				workers[w] = 0;
				if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
					died++;
				if (WIFSIGNALED(status))
					died_by[WTERMSIG(status) & 127]++;
				if (!sh->stop && (workers[w] = spawn(w, ++gens[w]))) {
					alive++;
					for (int t = 0; t < opt_threads; t++)
						since[w][t] = now;
				}
			}
		}
		if (!sh->stop && opt_seconds && now - start >= opt_seconds)
			sh->stop = 1;
		if (sh->stop && !stop_at) {
			stop_at = now;
			if (sender)
				kill(sender, SIGKILL);
		}
		/* The workers finish their current call; one still in a call after 2 s is killed. */
		if (stop_at && now - stop_at > 2)
			for (int w = 0; w < opt_procs; w++)
				if (workers[w])
					kill(workers[w], SIGKILL);
		for (int w = 0; w < opt_procs && !sh->stop; w++) {
			for (int t = 0; t < opt_threads && workers[w]; t++) {
				uint64_t p = sh->slots[w][t].progress;
				if (p != seen[w][t] || !sh->slots[w][t].tid) {
					seen[w][t] = p;
					since[w][t] = now;
				} else if (now - since[w][t] > STUCK_SECONDS) {
					fprintf(stderr, "fuzz: worker %d thread %d made no progress for %d s; its last calls:\n",
						w, t, STUCK_SECONDS);
					print_ring(w, t);
					stuck++;
					kill(workers[w], SIGCONT);
					kill(workers[w], SIGKILL);
					since[w][t] = now;
				}
			}
		}
		struct timespec ts = { 0, 50000000 };
		nanosleep(&ts, NULL);
	}
	if (sender) {
		kill(sender, SIGKILL);
		waitpid(sender, NULL, 0);
	}
	while (waitpid(-1, NULL, WNOHANG | __WALL) > 0)
		;
	double secs = now_seconds() - start;
	uint64_t calls = sh->calls < opt_calls ? sh->calls : opt_calls;
	printf("fuzz: seed %llu calls %llu procs-died %llu stuck %llu seconds %.1f calls/s %.0f\n",
	       (unsigned long long)opt_seed, (unsigned long long)calls, (unsigned long long)died,
	       (unsigned long long)stuck, secs, (double)calls / secs);
	printf("fuzz: calls per thread:");
	for (int w = 0; w < opt_procs; w++)
		for (int t = 0; t < opt_threads; t++)
			printf(" %llu", (unsigned long long)sh->slots[w][t].progress);
	printf("\n");
	printf("fuzz: workers killed by signal:");
	for (int sig = 1; sig < 128; sig++)
		if (died_by[sig])
			printf(" %s %llu", sigabbrev_np(sig) ? sigabbrev_np(sig) : "?", (unsigned long long)died_by[sig]);
	printf("\n");
	return 0;
}
