/* `runsc-c debug`: what the sandbox's processes are allowed to ask of the host kernel. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <seccomp.h>

#include "fsgofer/server.h"
#include "oci/container.h"
#include "platform/platform.h"
#include "runsc-c/commands.h"
#include "sentry/kernel.h"
#include "sentry/syscalls/syscalls.h"

static int print_guest_native(FILE *out)
{
	fprintf(out, "# syscalls the host kernel runs for a guest without asking the sentry\n");
	/* Named as syscall-names names them (syscall_N where libseccomp has no name). */
	for (int i = 0; i < platform_guest_native_count; i++) {
		char buf[32];
		fprintf(out, "%s\n", syscall_name(platform_guest_native_syscalls[i], buf, sizeof(buf)));
	}
	return 0;
}

/* Number and name of every x86-64 syscall the sentry may see, as strace prints them. */
static int print_syscall_names(FILE *out)
{
	char buf[32];
	for (int nr = 0; nr < SYSCALL_TABLE_SIZE; nr++)
		fprintf(out, "%d %s\n", nr, syscall_name(nr, buf, sizeof(buf)));
	return 0;
}

int cmd_debug(const struct global_opts *g, int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "memory"))
		return oci_memory(g->root, argv[2], stdout) < 0;
	if (argc == 2 && !strcmp(argv[1], "sentry-syscalls"))
		return sentry_print_syscalls(stdout) < 0;
	if (argc == 2 && !strcmp(argv[1], "gofer-syscalls"))
		return gofer_print_syscalls(stdout) < 0;
	if (argc == 2 && !strcmp(argv[1], "guest-native-syscalls"))
		return print_guest_native(stdout) < 0;
	if (argc == 2 && !strcmp(argv[1], "guest-host-syscalls"))
		return guest_host_calls_print(stdout) < 0;
	if (argc == 2 && !strcmp(argv[1], "syscall-names"))
		return print_syscall_names(stdout) < 0;
	fprintf(stderr, "usage: runsc-c debug sentry-syscalls|gofer-syscalls|guest-native-syscalls|"
			"guest-host-syscalls|syscall-names | memory ID\n");
	return 2;
}
