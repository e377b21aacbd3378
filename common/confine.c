#define _GNU_SOURCE
#include "common/confine.h"
#include "common/cleanup.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>

int confine_enter_empty_root(void)
{
	/* Any directory the host has will do as the mount point: the tmpfs covers it only in
	   our private namespace. */
	static const char *const mount_points[] = { "/tmp", "/mnt", "/run", "/proc", "/" };
	const char *where = NULL;

	if (unshare(CLONE_NEWNS) < 0)
		return log_errno(-errno, "unshare(CLONE_NEWNS)");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return log_errno(-errno, "making mounts private");
	for (size_t i = 0; i < ARRAY_SIZE(mount_points); i++) {
		struct stat st;
		if (stat(mount_points[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			where = mount_points[i];
			break;
		}
	}
	if (mount("runsc-c-empty", where, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "size=4k,nr_inodes=1,mode=0555") < 0)
		return log_errno(-errno, "mounting the empty root on %s", where);
	if (chdir(where) < 0)
		return log_errno(-errno, "chdir %s", where);
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return log_errno(-errno, "pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		return log_errno(-errno, "detaching the host root");
	if (chdir("/") < 0)
		return log_errno(-errno, "chdir /");
	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return log_errno(-errno, "remounting the empty root read-only");
	return 0;
}

int confine_drop_caps(uint64_t keep)
{
	cap_t caps = cap_init();
	int r = 0;

	if (!caps)
		return log_errno(-errno, "cap_init");
	for (int c = 0; c <= CAP_LAST_CAP; c++) {
		if (keep & CAP_MASK(c)) {
			cap_value_t v = c;
			cap_set_flag(caps, CAP_PERMITTED, 1, &v, CAP_SET);
			cap_set_flag(caps, CAP_EFFECTIVE, 1, &v, CAP_SET);
		} else if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1 &&
			   prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0) {
			r = log_errno(-errno, "dropping capability %d from the bounding set", c);
			goto out;
		}
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) {
		r = log_errno(-errno, "clearing ambient capabilities");
		goto out;
	}
	if (cap_set_proc(caps) < 0) {
		r = log_errno(-errno, "cap_set_proc");
		goto out;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		r = log_errno(-errno, "PR_SET_NO_NEW_PRIVS");
out:
	cap_free(caps);
	return r;
}

int confine_export_filter(void *scmp_ctx, struct sock_fprog *out)
{
	_cleanup_close_ int mfd = memfd_create("seccomp-bpf", MFD_CLOEXEC);
	struct stat st;
	struct sock_filter *insns;
	int r;

	if (mfd < 0)
		return -errno;
	r = seccomp_export_bpf((scmp_filter_ctx)scmp_ctx, mfd);
	if (r < 0)
		return r;
	if (fstat(mfd, &st) < 0)
		return -errno;
	if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) != 0 ||
	    st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS)
		return -E2BIG;
	insns = malloc((size_t)st.st_size);
	if (!insns)
		return -ENOMEM;
	if (pread(mfd, insns, (size_t)st.st_size, 0) != st.st_size) {
		free(insns);
		return -EIO;
	}
	out->len = (unsigned short)(st.st_size / sizeof(struct sock_filter));
	out->filter = insns;
	return 0;
}

#ifdef RUNSCC_SANITIZE
/* LeakSanitizer's check at exit stops the process's threads with ptrace from a helper
   thread: nothing a confined sentry or gofer may do. ASAN_OPTIONS adds to this. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}

/* The sanitizer runtime's own calls (cmake -DRUNSCC_SANITIZE=ON, test builds only): its
   reports read /proc/self/maps and the executable's name, its threads set up alternate
   signal stacks, and it ends the process after a report. Never in a release build: a
   path-based open is what the lists keep out. */
static int allow_sanitizer_runtime(void *scmp_ctx)
{
	static const int calls[] = { SCMP_SYS(open), SCMP_SYS(openat), SCMP_SYS(read), SCMP_SYS(write),
				     SCMP_SYS(close), SCMP_SYS(readlink), SCMP_SYS(prctl), SCMP_SYS(getpid),
				     SCMP_SYS(gettid), SCMP_SYS(getppid), SCMP_SYS(sigaltstack),
				     SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mprotect), SCMP_SYS(madvise),
				     SCMP_SYS(getrlimit), SCMP_SYS(prlimit64), SCMP_SYS(sched_yield),
				     SCMP_SYS(sched_getaffinity), SCMP_SYS(nanosleep), SCMP_SYS(futex),
				     SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigprocmask), SCMP_SYS(tgkill),
				     SCMP_SYS(kill), SCMP_SYS(exit_group), SCMP_SYS(fstat),
				     SCMP_SYS(newfstatat), SCMP_SYS(lseek) };
	int r = 0;
	for (size_t i = 0; i < ARRAY_SIZE(calls) && r == 0; i++)
		r = seccomp_rule_add(scmp_ctx, SCMP_ACT_ALLOW, calls[i], 0);
	return r == -EEXIST ? 0 : r;
}
#endif

int confine_load_filter(void *scmp_ctx, unsigned int flags)
{
	struct sock_fprog prog;
#ifdef RUNSCC_SANITIZE
	int r = allow_sanitizer_runtime(scmp_ctx);
	if (r < 0)
		return r;
	r = confine_export_filter(scmp_ctx, &prog);
#else
	int r = confine_export_filter(scmp_ctx, &prog);
#endif
	if (r < 0)
		return r;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    (r = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog)) < 0)
		r = -errno;
	free(prog.filter);
	return r < 0 ? r : ((flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) ? r : 0);
}
