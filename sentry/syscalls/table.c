/* x86-64 syscall number -> handler. Numbers absent here get ENOSYS (logged once). */
#define _GNU_SOURCE
#include "sentry/syscalls/syscalls.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <seccomp.h>

#define S(nr, fn, n, ...) [nr] = { #fn, sys_##fn, n, { __VA_ARGS__ } }
/* A syscall the host runs once the sentry has decided (see sys_native). */
#define N(nr, name, n, ...) [nr] = { name, sys_native, n, { __VA_ARGS__ } }

static const struct syscall_def syscall_table[SYSCALL_TABLE_SIZE] = {
	/* file: data */
	S(SYS_read, read, 3, A_FD, A_PTR, A_UINT),
	S(SYS_write, write, 3, A_FD, A_INBUF, A_UINT),
	S(SYS_pread64, pread64, 4, A_FD, A_PTR, A_UINT, A_LONG),
	S(SYS_pwrite64, pwrite64, 4, A_FD, A_INBUF, A_UINT, A_LONG),
	S(SYS_readv, readv, 3, A_FD, A_PTR, A_INT),
	S(SYS_writev, writev, 3, A_FD, A_PTR, A_INT),
	S(SYS_preadv, preadv, 4, A_FD, A_PTR, A_INT, A_LONG),
	S(SYS_pwritev, pwritev, 4, A_FD, A_PTR, A_INT, A_LONG),
	S(SYS_preadv2, preadv2, 6, A_FD, A_PTR, A_INT, A_LONG, A_LONG, A_HEX),
	S(SYS_pwritev2, pwritev2, 6, A_FD, A_PTR, A_INT, A_LONG, A_LONG, A_HEX),
	S(SYS_lseek, lseek, 3, A_FD, A_LONG, A_INT),
	S(SYS_sendfile, sendfile, 4, A_FD, A_FD, A_PTR, A_UINT),
	S(SYS_copy_file_range, copy_file_range, 6, A_FD, A_PTR, A_FD, A_PTR, A_UINT, A_HEX),
	S(SYS_fadvise64, fadvise64, 4, A_FD, A_LONG, A_LONG, A_INT),
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
	/* file: changing names and attributes */
	S(SYS_mkdir, mkdir, 2, A_PATH, A_MODE),
	S(SYS_mkdirat, mkdirat, 3, A_DIRFD, A_PATH, A_MODE),
	S(SYS_mknod, mknod, 3, A_PATH, A_MODE, A_HEX),
	S(SYS_mknodat, mknodat, 4, A_DIRFD, A_PATH, A_MODE, A_HEX),
	S(SYS_rmdir, rmdir, 1, A_PATH),
	S(SYS_unlink, unlink, 1, A_PATH),
	S(SYS_unlinkat, unlinkat, 3, A_DIRFD, A_PATH, A_ATFLAGS),
	S(SYS_rename, rename, 2, A_PATH, A_PATH),
	S(SYS_renameat, renameat, 4, A_DIRFD, A_PATH, A_DIRFD, A_PATH),
	S(SYS_renameat2, renameat2, 5, A_DIRFD, A_PATH, A_DIRFD, A_PATH, A_HEX),
	S(SYS_link, link, 2, A_PATH, A_PATH),
	S(SYS_linkat, linkat, 5, A_DIRFD, A_PATH, A_DIRFD, A_PATH, A_ATFLAGS),
	S(SYS_symlink, symlink, 2, A_PATH, A_PATH),
	S(SYS_symlinkat, symlinkat, 3, A_PATH, A_DIRFD, A_PATH),
	S(SYS_chmod, chmod, 2, A_PATH, A_MODE),
	S(SYS_fchmod, fchmod, 2, A_FD, A_MODE),
	S(SYS_fchmodat, fchmodat, 3, A_DIRFD, A_PATH, A_MODE),
	S(452 /* fchmodat2 */, fchmodat2, 4, A_DIRFD, A_PATH, A_MODE, A_ATFLAGS),
	S(SYS_chown, chown, 3, A_PATH, A_INT, A_INT),
	S(SYS_fchown, fchown, 3, A_FD, A_INT, A_INT),
	S(SYS_lchown, lchown, 3, A_PATH, A_INT, A_INT),
	S(SYS_fchownat, fchownat, 5, A_DIRFD, A_PATH, A_INT, A_INT, A_ATFLAGS),
	S(SYS_utimensat, utimensat, 4, A_DIRFD, A_PATH, A_PTR, A_ATFLAGS),
	S(SYS_utimes, utimes, 2, A_PATH, A_PTR),
	S(SYS_utime, utime, 2, A_PATH, A_PTR),
	S(SYS_futimesat, futimesat, 3, A_DIRFD, A_PATH, A_PTR),
	S(SYS_truncate, truncate, 2, A_PATH, A_INT),
	S(SYS_ftruncate, ftruncate, 2, A_FD, A_INT),
	S(SYS_fallocate, fallocate, 4, A_FD, A_HEX, A_INT, A_INT),
	S(SYS_fsync, fsync, 1, A_FD),
	S(SYS_fdatasync, fdatasync, 1, A_FD),
	S(SYS_syncfs, syncfs, 1, A_FD),
	S(SYS_sync, sync, 0),
	/* extended attributes */
	S(SYS_getxattr, getxattr, 4, A_PATH, A_PATH, A_PTR, A_UINT),
	S(SYS_lgetxattr, lgetxattr, 4, A_PATH, A_PATH, A_PTR, A_UINT),
	S(SYS_fgetxattr, fgetxattr, 4, A_FD, A_PATH, A_PTR, A_UINT),
	S(SYS_listxattr, listxattr, 3, A_PATH, A_PTR, A_UINT),
	S(SYS_llistxattr, llistxattr, 3, A_PATH, A_PTR, A_UINT),
	S(SYS_flistxattr, flistxattr, 3, A_FD, A_PTR, A_UINT),
	S(SYS_setxattr, setxattr, 5, A_PATH, A_PATH, A_PTR, A_UINT, A_HEX),
	S(SYS_lsetxattr, lsetxattr, 5, A_PATH, A_PATH, A_PTR, A_UINT, A_HEX),
	S(SYS_fsetxattr, fsetxattr, 5, A_FD, A_PATH, A_PTR, A_UINT, A_HEX),
	S(SYS_removexattr, removexattr, 2, A_PATH, A_PATH),
	S(SYS_lremovexattr, lremovexattr, 2, A_PATH, A_PATH),
	S(SYS_fremovexattr, fremovexattr, 2, A_FD, A_PATH),
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
	S(SYS_setuid, setuid, 1, A_INT),
	S(SYS_setgid, setgid, 1, A_INT),
	S(SYS_setreuid, setreuid, 2, A_INT, A_INT),
	S(SYS_setregid, setregid, 2, A_INT, A_INT),
	S(SYS_setresuid, setresuid, 3, A_INT, A_INT, A_INT),
	S(SYS_setresgid, setresgid, 3, A_INT, A_INT, A_INT),
	S(SYS_setfsuid, setfsuid, 1, A_INT),
	S(SYS_setfsgid, setfsgid, 1, A_INT),
	S(SYS_setgroups, setgroups, 2, A_INT, A_PTR),
	S(SYS_capget, capget, 2, A_PTR, A_PTR),
	S(SYS_capset, capset, 2, A_PTR, A_PTR),
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
	S(SYS_clone, clone, 5, A_CLONE, A_PTR, A_PTR, A_PTR, A_PTR),
	S(SYS_clone3, clone3, 2, A_PTR, A_UINT),
	S(SYS_fork, fork, 0),
	S(SYS_vfork, vfork, 0),
	S(SYS_wait4, wait4, 4, A_INT, A_PTR, A_HEX, A_PTR),
	S(SYS_waitid, waitid, 5, A_INT, A_INT, A_PTR, A_HEX, A_PTR),
	S(SYS_setpgid, setpgid, 2, A_INT, A_INT),
	S(SYS_setsid, setsid, 0),
	S(SYS_arch_prctl, arch_prctl, 2, A_HEX, A_PTR),
	S(SYS_set_tid_address, set_tid_address, 1, A_PTR),
	S(SYS_set_robust_list, set_robust_list, 2, A_PTR, A_UINT),
	N(SYS_rseq, "rseq", 4, A_PTR, A_UINT, A_HEX, A_HEX),
	S(SYS_prlimit64, prlimit64, 4, A_INT, A_INT, A_PTR, A_PTR),
	S(SYS_getrlimit, getrlimit, 2, A_INT, A_PTR),
	S(SYS_setrlimit, setrlimit, 2, A_INT, A_PTR),
	N(SYS_getrandom, "getrandom", 3, A_PTR, A_UINT, A_HEX),
	S(SYS_prctl, prctl, 5, A_INT, A_HEX, A_HEX, A_HEX, A_HEX),
	S(SYS_seccomp, seccomp, 3, A_INT, A_HEX, A_PTR),
	N(SYS_sched_yield, "sched_yield", 0),
	N(SYS_restart_syscall, "restart_syscall", 0),
	S(SYS_sched_getaffinity, sched_getaffinity, 3, A_INT, A_UINT, A_PTR),
	N(SYS_getcpu, "getcpu", 3, A_PTR, A_PTR, A_PTR),
	S(SYS_getrusage, getrusage, 2, A_INT, A_PTR),
	S(SYS_times, times, 1, A_PTR),
	/* signals: the host delivers them */
	S(SYS_rt_sigaction, rt_sigaction, 4, A_SIGNAL, A_PTR, A_PTR, A_UINT),
	S(SYS_kill, kill, 2, A_INT, A_SIGNAL),
	S(SYS_tgkill, tgkill, 3, A_INT, A_INT, A_SIGNAL),
	S(SYS_tkill, tkill, 2, A_INT, A_SIGNAL),
	N(SYS_rt_sigsuspend, "rt_sigsuspend", 2, A_PTR, A_UINT),
	N(SYS_rt_sigtimedwait, "rt_sigtimedwait", 4, A_PTR, A_PTR, A_PTR, A_UINT),
	N(SYS_rt_sigpending, "rt_sigpending", 2, A_PTR, A_UINT),
	N(SYS_pause, "pause", 0),
	N(SYS_alarm, "alarm", 1, A_UINT),
	N(SYS_setitimer, "setitimer", 3, A_INT, A_PTR, A_PTR),
	N(SYS_getitimer, "getitimer", 2, A_INT, A_PTR),
	/* pipes and threads */
	S(SYS_pipe, pipe, 1, A_PTR),
	S(SYS_pipe2, pipe2, 2, A_PTR, A_OFLAGS),
	S(SYS_futex, futex, 6, A_PTR, A_INT, A_INT, A_PTR, A_PTR, A_INT),
	N(SYS_futex_waitv, "futex_waitv", 5, A_PTR, A_UINT, A_HEX, A_PTR, A_INT),
	/* waiting on fds */
	S(SYS_poll, poll, 3, A_PTR, A_UINT, A_INT),
	S(SYS_ppoll, ppoll, 5, A_PTR, A_UINT, A_PTR, A_PTR, A_UINT),
	S(SYS_select, select, 5, A_INT, A_PTR, A_PTR, A_PTR, A_PTR),
	S(SYS_pselect6, pselect6, 6, A_INT, A_PTR, A_PTR, A_PTR, A_PTR, A_PTR),
	S(SYS_epoll_create, epoll_create, 1, A_INT),
	S(SYS_epoll_create1, epoll_create1, 1, A_HEX),
	S(SYS_epoll_ctl, epoll_ctl, 4, A_FD, A_INT, A_FD, A_PTR),
	S(SYS_epoll_wait, epoll_wait, 4, A_FD, A_PTR, A_INT, A_INT),
	[SYS_epoll_pwait] = { "epoll_pwait", sys_epoll_wait, 6, { A_FD, A_PTR, A_INT, A_INT, A_PTR, A_UINT } },
	[SYS_epoll_pwait2] = { "epoll_pwait2", sys_epoll_wait, 6, { A_FD, A_PTR, A_INT, A_PTR, A_PTR, A_UINT } },
	S(SYS_eventfd, eventfd, 1, A_UINT),
	S(SYS_eventfd2, eventfd2, 2, A_UINT, A_HEX),
	S(SYS_timerfd_create, timerfd_create, 2, A_INT, A_HEX),
	S(SYS_timerfd_settime, timerfd_settime, 4, A_FD, A_HEX, A_PTR, A_PTR),
	[SYS_timerfd_gettime] = { "timerfd_gettime", sys_timerfd_settime, 2, { A_FD, A_PTR } },
	S(SYS_signalfd, signalfd, 3, A_FD, A_PTR, A_UINT),
	S(SYS_signalfd4, signalfd4, 4, A_FD, A_PTR, A_UINT, A_HEX),
	S(SYS_get_robust_list, get_robust_list, 3, A_INT, A_PTR, A_PTR),
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
