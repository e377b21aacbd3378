/* The syscall table: number -> name, handler and how --strace shows the arguments. One
   file per family implements the handlers declared here. */
#ifndef RUNSCC_SENTRY_SYSCALLS_H
#define RUNSCC_SENTRY_SYSCALLS_H

#include <stdint.h>
#include "platform/platform.h"

struct task;

typedef long (*syscall_handler)(struct task *t, struct syscall_event *ev);

/* How strace prints an argument. */
enum strace_arg {
	A_NONE,
	A_INT,		/* signed decimal */
	A_UINT,		/* unsigned decimal */
	A_HEX,
	A_PTR,		/* address or NULL */
	A_FD,
	A_DIRFD,	/* AT_FDCWD shown by name */
	A_PATH,		/* NUL-terminated string in guest memory */
	A_INBUF,	/* bytes from guest memory, length in the next argument */
	A_OFLAGS,	/* open(2) flags */
	A_MODE,		/* octal */
	A_SIGNAL,
	A_CLONE,	/* clone flags */
	A_STRV,		/* argv/envp style array */
	A_ATFLAGS,
	A_PROT,
	A_MAPFLAGS,
};

#define SYSCALL_MAY_BLOCK 0x1	/* may wait in the sentry (runs off the tracer thread) */

struct syscall_def {
	const char *name;
	syscall_handler handler;
	uint8_t nargs;
	uint8_t arg[6];
	uint8_t flags;
};

#define SYSCALL_TABLE_SIZE 512

/* The definition of nr, or NULL if the sentry does not implement it. */
const struct syscall_def *syscall_lookup(int nr);
/* The name of any x86-64 syscall number ("syscall_N" if unknown). */
const char *syscall_name(int nr, char *buf, size_t size);

/* Prints one traced syscall ("[pid N] name(args) = result") to the log. */
void strace_print(struct task *t, const struct syscall_event *ev, const struct syscall_def *def,
		  long result);

/* Answers ev through its platform, installing ev's deferred fds first. */
void syscall_answer(struct syscall_event *ev, long result);

#define SYSCALL(name) long sys_##name(struct task *t, struct syscall_event *ev)

/* Syscalls whose decision rests on register arguments alone and which act only on the
   caller's own state (its memory map, its clocks, its signal mask): the host runs them. */
SYSCALL(native);

/* file */
SYSCALL(read); SYSCALL(write); SYSCALL(pread64); SYSCALL(pwrite64); SYSCALL(readv);
SYSCALL(writev); SYSCALL(preadv); SYSCALL(pwritev); SYSCALL(preadv2); SYSCALL(pwritev2);
SYSCALL(lseek); SYSCALL(open); SYSCALL(openat); SYSCALL(creat); SYSCALL(close);
SYSCALL(close_range);
SYSCALL(fstat); SYSCALL(stat); SYSCALL(lstat); SYSCALL(newfstatat); SYSCALL(statx);
SYSCALL(getdents64); SYSCALL(getdents); SYSCALL(readlink); SYSCALL(readlinkat);
SYSCALL(access); SYSCALL(faccessat); SYSCALL(faccessat2); SYSCALL(fcntl); SYSCALL(ioctl);
SYSCALL(dup); SYSCALL(dup2); SYSCALL(dup3); SYSCALL(getcwd); SYSCALL(chdir); SYSCALL(fchdir);
SYSCALL(umask); SYSCALL(statfs); SYSCALL(fstatfs); SYSCALL(fadvise64); SYSCALL(sendfile);
SYSCALL(copy_file_range);
/* identity */
SYSCALL(getpid); SYSCALL(getppid); SYSCALL(gettid); SYSCALL(getuid); SYSCALL(geteuid);
SYSCALL(getgid); SYSCALL(getegid); SYSCALL(getresuid); SYSCALL(getresgid);
SYSCALL(getgroups); SYSCALL(uname); SYSCALL(sethostname); SYSCALL(setdomainname);
SYSCALL(sysinfo); SYSCALL(getpgid); SYSCALL(getpgrp); SYSCALL(getsid);
/* memory */
SYSCALL(mmap);
/* process */
SYSCALL(arch_prctl); SYSCALL(set_tid_address); SYSCALL(set_robust_list); SYSCALL(prlimit64);
SYSCALL(getrlimit); SYSCALL(setrlimit); SYSCALL(prctl); SYSCALL(sched_getaffinity);
SYSCALL(execve); SYSCALL(execveat);
/* signal */
SYSCALL(rt_sigaction);

#endif
