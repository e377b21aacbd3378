/* Invariant 2 from inside: every syscall number is trapped by the sentry, except the short
   documented list the host runs natively (`runsc-c debug guest-native-syscalls`).

   trapcheck all [SKIP] [MAX]
	Calls every number from 0 to MAX (default 511) with harmless arguments (all -1), except
	exit, exit_group and the numbers in SKIP (comma-separated; "-" for none: the documented
	native list, which test_trap_all.sh passes). Before each call it writes the marker
	"trapcheck NR\n" to stderr with a raw write, so that in the sentry's --strace log the line
	after the marker is the call itself. Then a few extra numbers (see extras[]), a signal
	handler that returns through rt_sigreturn, and exit_group(0).
	fork/vfork/clone/clone3 may create a child once the sentry implements them: the child
	_exits at once, without touching its stack (vfork shares it). Calls that could block once
	implemented (pause, rt_sigsuspend, poll, nanosleep ...) are broken by an interval timer
	(ITIMER_REAL every 20 ms); it is fine if setitimer is not implemented yet.
   trapcheck x32
	An x32 syscall (getpid | __X32_SYSCALL_BIT): the guest filter's bad-arch action must kill
	the process with SIGSYS.
   trapcheck int80
	An i386 syscall through int $0x80 (getpid, 20): the same.
   trapcheck calls NR...
	Each number twice (arguments -1), a line each: "syscall NR: ERRNO" or "ok". */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>

#define DEFAULT_MAX_NR 511
#define X32_SYSCALL_BIT 0x40000000L
/* platform/platform.h: the sentry's marker syscall and the r9 value that marks it. */
#define MARKER_NR 1023
#define MARKER_MAGIC 0x52756e7363634d6bL

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

/* fork, vfork, clone, clone3: a child (result 0) exits right away with a raw exit, using no
   stack at all (its stack may be -1, or its parent's under vfork). */
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

static void marker(long nr)
{
	char buf[48];
	int n = snprintf(buf, sizeof(buf), "trapcheck %ld\n", nr);
	while (raw6(SYS_write, 2, (long)buf, n, 0, 0, 0) == -EINTR)
		;
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void arm_timer(void)
{
	struct itimerval it = { { 0, 20000 }, { 0, 20000 } };
	setitimer(ITIMER_REAL, &it, NULL);
}

static bool is_forklike(long nr)
{
	return nr == SYS_fork || nr == SYS_vfork || nr == SYS_clone || nr == SYS_clone3;
}

static const char *result_str(long r, char *buf, size_t size)
{
	if (r < 0 && r >= -4095)
		snprintf(buf, size, "-1 %s", strerrorname_np((int)-r) ?: "E?");
	else
		snprintf(buf, size, "%ld", r);
	return buf;
}

static long call_one(long nr, const long *a)
{
	long r = is_forklike(nr) ? raw6_forklike(nr, a[0], a[1], a[2], a[3], a[4], a[5])
				 : raw6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	if (is_forklike(nr) && r > 0)
		waitpid((pid_t)r, NULL, __WALL);
	if (nr == SYS_alarm || nr == SYS_setitimer)
		arm_timer();
	return r;
}

/* The page the SIGSEGV handler makes accessible again, so that returning from the handler
   (rt_sigreturn, run by the host) retries the access successfully. */
static volatile char *fault_page;
static volatile int segv_seen;

static void on_segv(int sig)
{
	(void)sig;
	segv_seen++;
	mprotect((void *)fault_page, 4096, PROT_READ | PROT_WRITE);
}

static int signal_return_check(void)
{
	struct sigaction sa = { .sa_handler = on_segv };
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, NULL) < 0) {
		printf("trapcheck: sigaction(SIGSEGV): %m\n");
		return 1;
	}
	void *p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		printf("trapcheck: mmap: %m\n");
		return 1;
	}
	fault_page = p;
	marker(SYS_rt_sigreturn);
	fault_page[0] = 42;	/* SIGSEGV; the handler fixes the page; rt_sigreturn retries */
	printf("trapcheck: signal handler returned (segv %d, value %d)\n", segv_seen, fault_page[0]);
	return segv_seen == 1 && fault_page[0] == 42 ? 0 : 1;
}

static bool in_list(long nr, const char *list)
{
	if (!list || !strcmp(list, "-"))
		return false;
	const char *p = list;
	while (*p) {
		char *end;
		long v = strtol(p, &end, 10);
		if (end == p)
			break;
		if (v == nr)
			return true;
		p = *end ? end + 1 : end;
	}
	return false;
}

static int mode_all(const char *skip, long max)
{
	/* SA_RESTART: under unotify, a signal that arrives while the guest waits for the sentry
	   aborts the notification, and without SA_RESTART even a write to a file would fail with
	   EINTR. pause, poll, nanosleep and the like return EINTR all the same. */
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
	char rbuf[64];
	int calls = 0;
	const long minus1[6] = { -1, -1, -1, -1, -1, -1 };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	arm_timer();
	for (long nr = 0; nr <= max; nr++) {
		if (nr == SYS_exit || nr == SYS_exit_group || in_list(nr, skip))
			continue;
		marker(nr);
		long r = call_one(nr, minus1);
		printf("trapcheck: %ld = %s\n", nr, result_str(r, rbuf, sizeof(rbuf)));
		calls++;
	}
	fflush(stdout);

	/* Extra numbers: beyond the table, -1, the sentry's marker number (without and with a
	   forged marker: the sentry must refuse it with EPERM), an execveat carrying the marker,
	   and a number with high bits set (the kernel and seccomp use its low 32 bits: getpid). */
	struct extra {
		long nr;
		long r9;
		const char *what;
	} extras[] = {
		{ 1023, -1, "marker number" },
		{ 1024, -1, "1024" },
		{ 0x3fffffff, -1, "largest non-x32 number" },
		{ -1, -1, "-1" },
		{ 0x100000000L | SYS_getpid, -1, "getpid with high bits" },
		{ MARKER_NR, MARKER_MAGIC, "forged marker" },
		{ SYS_execveat, MARKER_MAGIC, "forged exec marker" },
	};
	for (size_t i = 0; i < sizeof(extras) / sizeof(extras[0]); i++) {
		long a[6] = { -1, -1, -1, -1, -1, extras[i].r9 };
		marker(extras[i].nr);
		long r = call_one(extras[i].nr, a);
		printf("trapcheck: extra %s (%#lx, r9 %#lx) = %s\n", extras[i].what,
		       (unsigned long)extras[i].nr, (unsigned long)extras[i].r9,
		       result_str(r, rbuf, sizeof(rbuf)));
		calls++;
	}
	int bad = signal_return_check();
	printf("trapcheck: done %d calls\n", calls);
	fflush(stdout);
	marker(SYS_exit_group);
	raw6(SYS_exit_group, bad, 0, 0, 0, 0, 0);
	return 1;
}

static int mode_x32(void)
{
	printf("trapcheck: x32 getpid\n");
	fflush(stdout);
	long r = raw6(X32_SYSCALL_BIT | SYS_getpid, 0, 0, 0, 0, 0, 0);
	printf("trapcheck: x32 syscall returned %ld: not killed\n", r);
	return 1;
}

static int mode_int80(void)
{
	long r;
	printf("trapcheck: int $0x80 getpid\n");
	fflush(stdout);
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory");
	printf("trapcheck: int $0x80 returned %ld: not killed\n", r);
	return 1;
}

/* Each number twice, with harmless arguments: what came back. */
static int mode_calls(int argc, char **argv)
{
	for (int i = 2; i < argc; i++) {
		long nr = strtol(argv[i], NULL, 0);
		for (int k = 0; k < 2; k++) {
			long r = raw6(nr, -1, -1, -1, -1, -1, -1);
			printf("syscall %ld: %s\n", nr, r < 0 && r > -4096 ? strerrorname_np((int)-r) : "ok");
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "all"))
		return mode_all(argc >= 3 ? argv[2] : NULL,
				argc >= 4 ? strtol(argv[3], NULL, 0) : DEFAULT_MAX_NR);
	if (argc == 2 && !strcmp(argv[1], "x32"))
		return mode_x32();
	if (argc == 2 && !strcmp(argv[1], "int80"))
		return mode_int80();
	if (argc >= 3 && !strcmp(argv[1], "calls"))
		return mode_calls(argc, argv);
	fprintf(stderr, "usage: trapcheck all [SKIP,...|-] [MAX] | x32 | int80 | calls NR...\n");
	return 2;
}
