/* A sentry crash is a bug: print where it happened (libunwind), then die with the signal so
   the guest's processes go with it (PTRACE_O_EXITKILL). The confined sentry cannot open its
   own binary for symbol names, so frames are printed as module+offset, which
   `addr2line -f -e /usr/local/bin/runsc-c OFFSET` turns into functions and lines. */
#define _GNU_SOURCE
#define UNW_LOCAL_ONLY
#include "sentry/kernel.h"

#include <dlfcn.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libunwind.h>

static void crash_write(const char *s)
{
	size_t len = strlen(s);
	while (len > 0) {
		ssize_t n = write(STDERR_FILENO, s, len);
		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

static void crash_handler(int sig, siginfo_t *si, void *uc)
{
	char line[512];
	unw_cursor_t cursor;
	unw_context_t ctx;

	(void)uc;
	snprintf(line, sizeof(line), "runsc-c[sentry]: fatal: signal %d (%s) at address %p; backtrace:\n",
		 sig, strsignal(sig), si->si_addr);
	crash_write(line);
	unw_getcontext(&ctx);
	unw_init_local(&cursor, &ctx);
	for (int depth = 0; depth < 64 && unw_step(&cursor) > 0; depth++) {
		unw_word_t ip = 0;
		Dl_info info = { 0 };
		unw_get_reg(&cursor, UNW_REG_IP, &ip);
		if (dladdr((void *)ip, &info) && info.dli_fname)
			snprintf(line, sizeof(line), "  #%-2d %s+0x%lx\n", depth, info.dli_fname,
				 (unsigned long)(ip - (uintptr_t)info.dli_fbase));
		else
			snprintf(line, sizeof(line), "  #%-2d 0x%lx\n", depth, (unsigned long)ip);
		crash_write(line);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

void crash_handler_install(void)
{
	static char altstack[65536];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct sigaction sa = { .sa_sigaction = crash_handler, .sa_flags = SA_SIGINFO | SA_ONSTACK };
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };

	sigaltstack(&ss, NULL);
	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		sigaction(fatal[i], &sa, NULL);
}
