/* The gofer's confinement. After it, the gofer sees no file but what it reaches from the root
   fds it already holds, and can make no syscall but the few gofer_serve() needs. */
#define _GNU_SOURCE
#include "fsgofer/server.h"
#include "common/cleanup.h"
#include "common/confine.h"
#include "common/log.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <seccomp.h>

/* Every syscall the gofer makes once confined: loaded by gofer_confine(), printed by
   gofer_print_syscalls(). Anything else kills the process. */
static const int gofer_syscalls[] = {
	/* the protocol socket; poll tells an empty datagram from the peer closing */
	SCMP_SYS(recvmsg),
	SCMP_SYS(sendmsg),
	SCMP_SYS(poll),
	/* fd-relative access to the served trees */
	SCMP_SYS(openat2),
	SCMP_SYS(openat),
	SCMP_SYS(newfstatat),
	SCMP_SYS(fstat),	/* glibc before 2.33 implements fstat() with it */
	SCMP_SYS(readlinkat),
	SCMP_SYS(flistxattr),	/* the image's user.* and security.capability (XATTRS) */
	SCMP_SYS(fgetxattr),
	SCMP_SYS(getdents64),
	SCMP_SYS(lseek),
	SCMP_SYS(close),
	/* writable roots: fd-relative changes of one name, attributes of an open file */
	SCMP_SYS(mkdirat),
	SCMP_SYS(symlinkat),
	SCMP_SYS(linkat),
	SCMP_SYS(unlinkat),
	SCMP_SYS(renameat2),
	SCMP_SYS(fchownat),
	SCMP_SYS(fchown),
	SCMP_SYS(fchmod),
	SCMP_SYS(ftruncate),
	SCMP_SYS(utimensat),
	SCMP_SYS(fsync),
	/* logging to the log fd; clock_gettime when the vDSO falls back to the kernel */
	SCMP_SYS(write),
	SCMP_SYS(clock_gettime),
	/* malloc; madvise only under some glibc tunables */
	SCMP_SYS(brk),
	SCMP_SYS(mmap),
	SCMP_SYS(munmap),
	SCMP_SYS(mremap),
	SCMP_SYS(madvise),
	/* signal returns and exit */
	SCMP_SYS(rt_sigreturn),
	SCMP_SYS(restart_syscall),
	SCMP_SYS(exit),
	SCMP_SYS(exit_group),
};

static void seccomp_releasep(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}

static int gofer_load_seccomp(void)
{
	__attribute__((cleanup(seccomp_releasep))) scmp_filter_ctx ctx =
		seccomp_init(SCMP_ACT_KILL_PROCESS);
	int r;

	if (!ctx)
		return log_errno(-ENOMEM, "creating the gofer's seccomp filter");
	for (size_t i = 0; i < ARRAY_SIZE(gofer_syscalls); i++) {
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, gofer_syscalls[i], 0);
		if (r < 0)
			return log_errno(r, "allowing syscall %d in the gofer's seccomp filter",
					 gofer_syscalls[i]);
	}
	r = confine_load_filter(ctx, 0);
	if (r < 0)
		return log_errno(r, "loading the gofer's seccomp filter");
	return 0;
}

int gofer_confine(bool writable)
{
	/* JSON log lines carry a time from gmtime_r, whose first call makes glibc open
	   /etc/localtime: do it now, before the seccomp filter forbids openat. */
	tzset();
	int r = confine_enter_empty_root();

	if (r < 0)
		return r;
	/* The gofer reads the trees as root whatever their permissions: the sentry enforces the
	   guest's. Writing, it gives new files the guest's owners and changes attributes of
	   files it does not own. */
	uint64_t keep = CAP_MASK(CAP_DAC_OVERRIDE) | CAP_MASK(CAP_DAC_READ_SEARCH);
	if (writable)
		keep |= CAP_MASK(CAP_CHOWN) | CAP_MASK(CAP_FOWNER) | CAP_MASK(CAP_FSETID);
	r = confine_drop_caps(keep);
	if (r < 0)
		return r;
	return gofer_load_seccomp();
}

int gofer_print_syscalls(FILE *out)
{
	fprintf(out, "gofer seccomp allow-list (%zu syscalls; any other kills the gofer):\n",
		ARRAY_SIZE(gofer_syscalls));
	for (size_t i = 0; i < ARRAY_SIZE(gofer_syscalls); i++) {
		_cleanup_free_ char *name =
			seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, gofer_syscalls[i]);

		if (!name)
			return -EINVAL;
		fprintf(out, "%s\n", name);
	}
	return ferror(out) ? -EIO : 0;
}
