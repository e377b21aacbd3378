/* x86-64 syscall number -> handler. Numbers absent here get ENOSYS (logged once). */
#define _GNU_SOURCE
#include "sentry/syscalls/syscalls.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <seccomp.h>

#define S(nr, fn, n, ...) [nr] = { #fn, sys_##fn, n, { __VA_ARGS__ }, 0 }
/* A syscall the host runs once the sentry has decided (see sys_native). */
#define N(nr, name, n, ...) [nr] = { name, sys_native, n, { __VA_ARGS__ }, 0 }

static const struct syscall_def syscall_table[SYSCALL_TABLE_SIZE] = {
	/* file: data */
	S(SYS_read, read, 3, A_FD, A_PTR, A_UINT),
	S(SYS_write, write, 3, A_FD, A_INBUF, A_UINT),
	S(SYS_pread64, pread64, 4, A_FD, A_PTR, A_UINT, A_INT),
	S(SYS_pwrite64, pwrite64, 4, A_FD, A_INBUF, A_UINT, A_INT),
	S(SYS_readv, readv, 3, A_FD, A_PTR, A_INT),
	S(SYS_writev, writev, 3, A_FD, A_PTR, A_INT),
	S(SYS_preadv, preadv, 4, A_FD, A_PTR, A_INT, A_INT),
	S(SYS_pwritev, pwritev, 4, A_FD, A_PTR, A_INT, A_INT),
	S(SYS_preadv2, preadv2, 6, A_FD, A_PTR, A_INT, A_INT, A_INT, A_HEX),
	S(SYS_pwritev2, pwritev2, 6, A_FD, A_PTR, A_INT, A_INT, A_INT, A_HEX),
	S(SYS_lseek, lseek, 3, A_FD, A_INT, A_INT),
	S(SYS_sendfile, sendfile, 4, A_FD, A_FD, A_PTR, A_UINT),
	S(SYS_copy_file_range, copy_file_range, 6, A_FD, A_PTR, A_FD, A_PTR, A_UINT, A_HEX),
	S(SYS_fadvise64, fadvise64, 4, A_FD, A_INT, A_INT, A_INT),
	/* file: names and descriptors */
	S(SYS_open, open, 3, A_PATH, A_OFLAGS, A_MODE),
	S(SYS_openat, openat, 4, A_DIRFD, A_PATH, A_OFLAGS, A_MODE),
	S(SYS_creat, creat, 2, A_PATH, A_MODE),
	S(SYS_close, close, 1, A_FD),
	S(SYS_close_range, close_range, 3, A_UINT, A_UINT, A_HEX),
	S(SYS_dup, dup, 1, A_FD),
	S(SYS_dup2, dup2, 2, A_FD, A_FD),
	S(SYS_dup3, dup3, 3, A_FD, A_FD, A_OFLAGS),
	S(SYS_fcntl, fcntl, 3, A_FD, A_INT, A_HEX),
	S(SYS_ioctl, ioctl, 3, A_FD, A_HEX, A_HEX),
	S(SYS_fstat, fstat, 2, A_FD, A_PTR),
	S(SYS_stat, stat, 2, A_PATH, A_PTR),
	S(SYS_lstat, lstat, 2, A_PATH, A_PTR),
	S(SYS_newfstatat, newfstatat, 4, A_DIRFD, A_PATH, A_PTR, A_ATFLAGS),
	S(SYS_statx, statx, 5, A_DIRFD, A_PATH, A_ATFLAGS, A_HEX, A_PTR),
	S(SYS_getdents64, getdents64, 3, A_FD, A_PTR, A_UINT),
	S(SYS_getdents, getdents, 3, A_FD, A_PTR, A_UINT),
	S(SYS_readlink, readlink, 3, A_PATH, A_PTR, A_INT),
	S(SYS_readlinkat, readlinkat, 4, A_DIRFD, A_PATH, A_PTR, A_INT),
	S(SYS_access, access, 2, A_PATH, A_HEX),
	S(SYS_faccessat, faccessat, 3, A_DIRFD, A_PATH, A_HEX),
	S(SYS_faccessat2, faccessat2, 4, A_DIRFD, A_PATH, A_HEX, A_ATFLAGS),
	S(SYS_getcwd, getcwd, 2, A_PTR, A_UINT),
	S(SYS_chdir, chdir, 1, A_PATH),
	S(SYS_fchdir, fchdir, 1, A_FD),
	S(SYS_umask, umask, 1, A_MODE),
	S(SYS_statfs, statfs, 2, A_PATH, A_PTR),
	S(SYS_fstatfs, fstatfs, 2, A_FD, A_PTR),
	/* identity */
	S(SYS_getpid, getpid, 0),
	S(SYS_getppid, getppid, 0),
	S(SYS_gettid, gettid, 0),
	S(SYS_getuid, getuid, 0),
	S(SYS_geteuid, geteuid, 0),
	S(SYS_getgid, getgid, 0),
	S(SYS_getegid, getegid, 0),
	S(SYS_getresuid, getresuid, 3, A_PTR, A_PTR, A_PTR),
	S(SYS_getresgid, getresgid, 3, A_PTR, A_PTR, A_PTR),
	S(SYS_getgroups, getgroups, 2, A_INT, A_PTR),
	S(SYS_getpgid, getpgid, 1, A_INT),
	S(SYS_getpgrp, getpgrp, 0),
	S(SYS_getsid, getsid, 1, A_INT),
	S(SYS_uname, uname, 1, A_PTR),
	S(SYS_sethostname, sethostname, 2, A_INBUF, A_UINT),
	S(SYS_setdomainname, setdomainname, 2, A_INBUF, A_UINT),
	S(SYS_sysinfo, sysinfo, 1, A_PTR),
	/* memory */
	N(SYS_brk, "brk", 1, A_PTR),
	S(SYS_mmap, mmap, 6, A_PTR, A_UINT, A_PROT, A_MAPFLAGS, A_FD, A_HEX),
	N(SYS_munmap, "munmap", 2, A_PTR, A_UINT),
	N(SYS_mprotect, "mprotect", 3, A_PTR, A_UINT, A_PROT),
	N(SYS_madvise, "madvise", 3, A_PTR, A_UINT, A_INT),
	N(SYS_mremap, "mremap", 5, A_PTR, A_UINT, A_UINT, A_HEX, A_PTR),
	N(SYS_msync, "msync", 3, A_PTR, A_UINT, A_HEX),
	N(SYS_mincore, "mincore", 3, A_PTR, A_UINT, A_PTR),
	/* time */
	N(SYS_clock_gettime, "clock_gettime", 2, A_INT, A_PTR),
	N(SYS_clock_getres, "clock_getres", 2, A_INT, A_PTR),
	N(SYS_gettimeofday, "gettimeofday", 2, A_PTR, A_PTR),
	N(SYS_time, "time", 1, A_PTR),
	N(SYS_nanosleep, "nanosleep", 2, A_PTR, A_PTR),
	N(SYS_clock_nanosleep, "clock_nanosleep", 4, A_INT, A_HEX, A_PTR, A_PTR),
	/* process */
	N(SYS_exit, "exit", 1, A_INT),
	N(SYS_exit_group, "exit_group", 1, A_INT),
	S(SYS_execve, execve, 3, A_PATH, A_STRV, A_PTR),
	S(SYS_execveat, execveat, 5, A_DIRFD, A_PATH, A_STRV, A_PTR, A_ATFLAGS),
	S(SYS_arch_prctl, arch_prctl, 2, A_HEX, A_PTR),
	S(SYS_set_tid_address, set_tid_address, 1, A_PTR),
	S(SYS_set_robust_list, set_robust_list, 2, A_PTR, A_UINT),
	N(SYS_rseq, "rseq", 4, A_PTR, A_UINT, A_HEX, A_HEX),
	S(SYS_prlimit64, prlimit64, 4, A_INT, A_INT, A_PTR, A_PTR),
	S(SYS_getrlimit, getrlimit, 2, A_INT, A_PTR),
	S(SYS_setrlimit, setrlimit, 2, A_INT, A_PTR),
	N(SYS_getrandom, "getrandom", 3, A_PTR, A_UINT, A_HEX),
	S(SYS_prctl, prctl, 5, A_INT, A_HEX, A_HEX, A_HEX, A_HEX),
	N(SYS_sched_yield, "sched_yield", 0),
	S(SYS_sched_getaffinity, sched_getaffinity, 3, A_INT, A_UINT, A_PTR),
	N(SYS_getcpu, "getcpu", 3, A_PTR, A_PTR, A_PTR),
	N(SYS_getrusage, "getrusage", 2, A_INT, A_PTR),
	N(SYS_times, "times", 1, A_PTR),
	/* signals: the host delivers them */
	S(SYS_rt_sigaction, rt_sigaction, 4, A_SIGNAL, A_PTR, A_PTR, A_UINT),
	N(SYS_rt_sigprocmask, "rt_sigprocmask", 4, A_INT, A_PTR, A_PTR, A_UINT),
	N(SYS_sigaltstack, "sigaltstack", 2, A_PTR, A_PTR),
};

const struct syscall_def *syscall_lookup(int nr)
{
	if (nr < 0 || nr >= SYSCALL_TABLE_SIZE || !syscall_table[nr].name)
		return NULL;
	return &syscall_table[nr];
}

const char *syscall_name(int nr, char *buf, size_t size)
{
	const struct syscall_def *def = syscall_lookup(nr);
	if (def)
		return def->name;
	char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, nr);
	if (name) {
		snprintf(buf, size, "%s", name);
		free(name);
	} else {
		snprintf(buf, size, "syscall_%d", nr);
	}
	return buf;
}
