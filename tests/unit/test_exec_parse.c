/* execve's planning in the sentry (sentry/task/exec.c), driven through exec_prepare(): the #!
   parsing, ELF PT_INTERP parsing, the argv the host will exec, the fd installed for it, and
   what /proc/PID/{exe,cmdline,comm} will show. parse_shebang() and elf_interp() are static;
   they are reached with files whose content exercises them.

   The "guest" is this process: the task's host tid is getpid(), so the sentry's guest memory
   accessors (process_vm_readv/writev) read the path and argv from our memory and write the
   new argv into a buffer we hand over as the stack. Executables are host-backed inodes (a
   memfd each), since the host execs by fd. Expectations come from Linux (fs/binfmt_script.c,
   fs/exec.c), checked on the host where it matters (5 nested scripts run, 6 give ELOOP;
   "#!/bin/true" without a newline runs). */
#define _GNU_SOURCE
#include <check.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "sentry/fs/synth.h"
#include "tests/unit/sentry_fixture.h"

long exec_prepare(struct task *t, struct syscall_event *ev, int dirfd, uint64_t upath,
		  uint64_t uargv, uint64_t uenvp, int flags);

#define LDSO "/lib/ld.so"
#define NESTED_SCRIPTS 6

static struct super_block *sb;
static struct path p_root;
static struct task *t;
static struct syscall_event ev;
static char guest_stack[1 << 16] __attribute__((aligned(16)));
static char *const envp[] = { "A=1", NULL };

/* ---- host-backed executables ---- */

struct hostfile {
	int memfd;
};

static int hostfile_open(struct inode *inode, struct file *f, int flags)
{
	struct hostfile *h = inode->priv;
	/* A description with the open's access mode, as the sentry's mirrors have. */
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", h->memfd);
	f->host_fd = open(path, (flags & O_ACCMODE) | O_CLOEXEC);
	return f->host_fd < 0 ? -errno : 0;
}

static void hostfile_evict(struct inode *inode)
{
	struct hostfile *h = inode->priv;
	close(h->memfd);
	free(h);
}

static const struct inode_operations hostfile_iops = {
	.open = hostfile_open,
	.evict = hostfile_evict,
};

static struct inode *hostfile_new(const void *content, size_t len, mode_t perm)
{
	struct hostfile *h = calloc(1, sizeof(*h));
	struct inode *inode = inode_new(sb, S_IFREG | perm);
	ck_assert_ptr_nonnull(h);
	ck_assert_ptr_nonnull(inode);
	h->memfd = memfd_create("exe", MFD_CLOEXEC);
	ck_assert_int_ge(h->memfd, 0);
	ck_assert_int_eq(write(h->memfd, content, len), (ssize_t)len);
	inode->iops = &hostfile_iops;
	inode->fops = &host_file_ops;
	inode->priv = h;
	inode->size = (int64_t)len;
	return inode;
}

/* A minimal x86-64 ELF executable: one PT_LOAD and, with interp, a PT_INTERP. */
struct elf_image {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[2];
	char interp[64];
};

static size_t elf_build(struct elf_image *img, const char *interp)
{
	memset(img, 0, sizeof(*img));
	memcpy(img->eh.e_ident, ELFMAG, SELFMAG);
	img->eh.e_ident[EI_CLASS] = ELFCLASS64;
	img->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	img->eh.e_ident[EI_VERSION] = EV_CURRENT;
	img->eh.e_type = ET_EXEC;
	img->eh.e_machine = EM_X86_64;
	img->eh.e_version = EV_CURRENT;
	img->eh.e_phoff = offsetof(struct elf_image, ph);
	img->eh.e_ehsize = sizeof(Elf64_Ehdr);
	img->eh.e_phentsize = sizeof(Elf64_Phdr);
	img->eh.e_phnum = interp ? 2 : 1;
	img->ph[0].p_type = PT_LOAD;
	if (interp) {
		img->ph[1].p_type = PT_INTERP;
		img->ph[1].p_offset = offsetof(struct elf_image, interp);
		img->ph[1].p_filesz = strlen(interp) + 1;
		snprintf(img->interp, sizeof(img->interp), "%s", interp);
	}
	return sizeof(*img);
}

static struct inode *dir_at(struct inode *parent, const char *name)
{
	struct inode *d = synth_dir_new(sb, 0755);
	ck_assert_int_eq(synth_dir_add(parent, name, d), 0);
	return d;
}

static struct inode *add_content(struct inode *dir, const char *name, const void *content,
				 size_t len, mode_t perm)
{
	struct inode *f = hostfile_new(content, len, perm);
	ck_assert_int_eq(synth_dir_add(dir, name, f), 0);
	return f;
}

static struct inode *add_text(struct inode *dir, const char *name, const char *text)
{
	return add_content(dir, name, text, strlen(text), 0755);
}

static struct inode *add_elf(struct inode *dir, const char *name, const char *interp, mode_t perm)
{
	struct elf_image img;
	size_t len = elf_build(&img, interp);
	return add_content(dir, name, &img, len, perm);
}

static int fill_none(long arg, char **buf, size_t *len)
{
	(void)arg;
	*buf = strdup("");
	*len = 0;
	return *buf ? 0 : -ENOMEM;
}

/* Inodes whose host object the installed fd must be. */
static struct inode *i_static, *i_dyn, *i_ldso, *i_sh;

static void setup(void)
{
	struct inode *root, *bin, *lib, *scripts;
	char name[16], text[64];

	sb = synth_sb_new("execfs", false);
	ck_assert_ptr_nonnull(sb);
	root = synth_dir_new(sb, 0755);
	bin = dir_at(root, "bin");
	lib = dir_at(root, "lib");
	scripts = dir_at(root, "scripts");
	dir_at(root, "dir");

	i_static = add_elf(bin, "static", NULL, 0755);
	i_dyn = add_elf(bin, "dyn", LDSO, 0755);
	i_ldso = add_elf(lib, "ld.so", NULL, 0755);
	i_sh = add_elf(bin, "sh", NULL, 0755);
	add_elf(bin, "noexec", NULL, 0644);
	add_elf(bin, "dyn_missing_ldso", "/lib/nothere.so", 0755);
	ck_assert_int_eq(synth_dir_add(bin, "link", synth_symlink_new(sb, "static")), 0);
	ck_assert_int_eq(synth_dir_add(bin, "synthetic", synth_file_new(sb, 0755, fill_none, 0)), 0);
	add_text(bin, "text", "hello world\n");
	add_content(bin, "empty", "", 0, 0755);

	/* Bad ELF images. */
	struct elf_image img;
	size_t len = elf_build(&img, NULL);
	img.eh.e_machine = EM_AARCH64;
	add_content(bin, "arm", &img, len, 0755);
	len = elf_build(&img, NULL);
	img.eh.e_ident[EI_CLASS] = ELFCLASS32;
	add_content(bin, "elf32", &img, len, 0755);
	len = elf_build(&img, NULL);
	img.eh.e_phnum = 0;
	add_content(bin, "nophdr", &img, len, 0755);
	len = elf_build(&img, LDSO);
	img.ph[1].p_filesz = 1u << 20;
	add_content(bin, "hugeinterp", &img, len, 0755);
	len = elf_build(&img, NULL);
	img.eh.e_phoff = 1u << 20;
	add_content(bin, "phoff_past_eof", &img, len, 0755);

	add_text(scripts, "plain", "#!/bin/sh\necho hi\n");
	add_text(scripts, "witharg", "#!/bin/sh -e\n");
	add_text(scripts, "spaces", "#!  /bin/sh \t -x  -y \t \nrest\n");
	add_text(scripts, "nonl", "#!/bin/sh");
	add_text(scripts, "nonl_arg", "#!/bin/sh -e");
	add_text(scripts, "blank", "#!   \n");
	add_text(scripts, "bare", "#!");
	add_text(scripts, "dyninterp", "#!/bin/dyn -a\n");
	add_text(scripts, "missing", "#!/nonexistent\n");
	add_text(scripts, "noexec_interp", "#!/bin/noexec\n");
	add_text(scripts, "relative", "#!sh\n");
	/* An interpreter name that does not fit in the 256 bytes the kernel reads. */
	char longline[400] = "#!/";
	memset(longline + 3, 'a', sizeof(longline) - 4);
	longline[sizeof(longline) - 1] = '\0';
	add_text(scripts, "truncated", longline);
	/* A long argument is fine: it is cut, the interpreter re-reads the script. */
	char longarg[400] = "#!/bin/sh ";
	memset(longarg + 10, 'b', sizeof(longarg) - 11);
	longarg[sizeof(longarg) - 1] = '\0';
	add_text(scripts, "longarg", longarg);
	/* s1 -> s2 -> ... -> s6 -> /bin/sh: s2 is 5 nested scripts, s1 six. */
	for (int i = 1; i <= NESTED_SCRIPTS; i++) {
		snprintf(name, sizeof(name), "s%d", i);
		if (i < NESTED_SCRIPTS)
			snprintf(text, sizeof(text), "#!/scripts/s%d\n", i + 1);
		else
			snprintf(text, sizeof(text), "#!/bin/sh\n");
		add_text(scripts, name, text);
	}
	struct dentry *d = dentry_new_root(root);
	struct mount *m = vfs_mount_root(d, 0, "execfs");
	ck_assert_ptr_nonnull(m);
	p_root = (struct path){ m, d };
	t = fx_task_new(1000, 1000, &p_root, NULL);
	ev = fx_event(t);
}

static void teardown(void)
{
	fx_task_free(t);
	t = NULL;
	path_put(&p_root);
}

/* Runs exec_prepare as execveat(dirfd, path, argv, envp, flags) from the guest (us). */
static long run_exec(int dirfd, const char *path, char *const *argv, int flags)
{
	ev = fx_event(t);
	ev.nr = SYS_execveat;
	ev.sp = (uint64_t)(uintptr_t)(guest_stack + sizeof(guest_stack));
	return exec_prepare(t, &ev, dirfd, (uint64_t)(uintptr_t)path, (uint64_t)(uintptr_t)argv,
			    (uint64_t)(uintptr_t)envp, flags);
}

/* The exec must have been rewritten to execveat(fd, "", new argv, envp, AT_EMPTY_PATH) with
   the fd of want's host object installed close-on-exec; new argv must equal want_argv. */
static void ck_planned(long r, struct inode *want, const char *const *want_argv)
{
	ck_assert_msg(r == SYSCALL_REWRITE, "exec_prepare: %ld (%s)", r, r < 0 ? strerror((int)-r) : "");
	ck_assert_int_eq(ev.rewrite_nr, SYS_execveat);
	ck_assert_str_eq((const char *)(uintptr_t)ev.args[1], "");
	ck_assert_int_eq(ev.args[3], (uint64_t)(uintptr_t)envp);
	ck_assert_int_eq(ev.args[4], AT_EMPTY_PATH);
	ck_assert_int_eq(ev.args[5], PLATFORM_MARKER_MAGIC);

	ck_assert_int_eq(fx_platform.ncalls, 1);
	ck_assert_int_eq(fx_platform.calls[0].guest_fd, (int)ev.args[0]);
	ck_assert(fx_platform.calls[0].cloexec);
	ck_assert(fx_platform.calls[0].st_valid);
	struct hostfile *h = want->priv;
	struct stat st;
	ck_assert_int_eq(fstat(h->memfd, &st), 0);
	ck_assert_msg(st.st_ino == fx_platform.calls[0].st.st_ino &&
		      st.st_dev == fx_platform.calls[0].st.st_dev, "another file was installed");

	char **argv = (char **)(uintptr_t)ev.args[2];
	int i;
	for (i = 0; want_argv[i]; i++) {
		ck_assert_msg(argv[i] != NULL, "argv[%d] missing, want \"%s\"", i, want_argv[i]);
		ck_assert_str_eq(argv[i], want_argv[i]);
	}
	ck_assert_msg(argv[i] == NULL, "argv[%d] is \"%s\", want the end", i, argv[i]);
}

/* What /proc/PID/cmdline will show: NUL-separated. */
static void ck_cmdline(const char *const *want)
{
	char buf[1024];
	size_t len = 0;
	for (int i = 0; want[i]; i++) {
		size_t l = strlen(want[i]) + 1;
		memcpy(buf + len, want[i], l);
		len += l;
	}
	ck_assert_ptr_nonnull(t->exec);
	ck_assert_int_eq(t->exec->cmdline_len, len);
	ck_assert_msg(memcmp(t->exec->cmdline, buf, len) == 0, "cmdline differs");
}

/* ---- ELF ---- */

START_TEST(test_static_elf_runs_itself)
{
	char *const argv[] = { "prog", "x", "y", NULL };
	long r = run_exec(AT_FDCWD, "/bin/static", argv, 0);
	const char *want[] = { "prog", "x", "y", NULL };

	ck_planned(r, i_static, want);
	/* The guest's own argv is reused untouched. */
	ck_assert_int_eq(ev.args[2], (uint64_t)(uintptr_t)argv);
	ck_assert_int_eq(ev.args[0], 0);	/* lowest free fd */
	ck_assert_str_eq(t->exec->exe_path, "/bin/static");
	ck_assert_str_eq(t->exec->comm, "static");
	ck_cmdline(want);
}
END_TEST

START_TEST(test_dynamic_elf_runs_ldso)
{
	char *const argv[] = { "dynname", "a1", NULL };
	long r = run_exec(AT_FDCWD, "/bin/dyn", argv, 0);
	const char *want[] = { LDSO, "--argv0", "dynname", "/bin/dyn", "a1", NULL };

	ck_planned(r, i_ldso, want);
	/* argv[0] is passed as the guest's own pointer. */
	ck_assert_ptr_eq(((char **)(uintptr_t)ev.args[2])[2], argv[0]);
	/* /proc shows the program, not ld.so: exe is the program, cmdline its own argv. */
	ck_assert_str_eq(t->exec->exe_path, "/bin/dyn");
	ck_assert_str_eq(t->exec->comm, "dyn");
	const char *cmdline[] = { "dynname", "a1", NULL };
	ck_cmdline(cmdline);
}
END_TEST

START_TEST(test_dynamic_elf_missing_interpreter)
{
	char *const argv[] = { "p", NULL };
	ck_assert_int_eq(run_exec(AT_FDCWD, "/bin/dyn_missing_ldso", argv, 0), -ENOENT);
	ck_assert_int_eq(fx_platform.ncalls, 0);
	ck_assert_ptr_null(t->exec);
}
END_TEST

START_TEST(test_bad_elf_is_enoexec)
{
	char *const argv[] = { "p", NULL };
	const char *bad[] = {
		"/bin/arm", "/bin/elf32", "/bin/nophdr", "/bin/hugeinterp", "/bin/phoff_past_eof",
		"/bin/text", "/bin/empty",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		long r = run_exec(AT_FDCWD, bad[i], argv, 0);
		ck_assert_msg(r == -ENOEXEC, "%s: %ld, want -ENOEXEC", bad[i], r);
		ck_assert_int_eq(fx_platform.ncalls, 0);
	}
	ck_assert_ptr_null(t->exec);
}
END_TEST

/* ---- what may be executed ---- */

START_TEST(test_exec_permission_and_type)
{
	char *const argv[] = { "p", NULL };
	ck_assert_int_eq(run_exec(AT_FDCWD, "/bin/noexec", argv, 0), -EACCES);
	ck_assert_int_eq(run_exec(AT_FDCWD, "/dir", argv, 0), -EACCES);
	ck_assert_int_eq(run_exec(AT_FDCWD, "/bin/missing", argv, 0), -ENOENT);
	/* Not host-backed: the host could not exec it. */
	ck_assert_int_eq(run_exec(AT_FDCWD, "/bin/synthetic", argv, 0), -EACCES);
	ck_assert_int_eq(run_exec(AT_FDCWD, "/bin/static/", argv, 0), -ENOTDIR);
	ck_assert_int_eq(fx_platform.ncalls, 0);
}
END_TEST

START_TEST(test_exec_symlink)
{
	char *const argv[] = { "p", NULL };
	const char *want[] = { "p", NULL };
	ck_planned(run_exec(AT_FDCWD, "/bin/link", argv, 0), i_static, want);
	/* exe is the resolved file; comm the name used. */
	ck_assert_str_eq(t->exec->exe_path, "/bin/static");
	ck_assert_str_eq(t->exec->comm, "link");
	ck_assert_int_eq(run_exec(AT_FDCWD, "/bin/link", argv, AT_SYMLINK_NOFOLLOW), -ELOOP);
}
END_TEST

START_TEST(test_exec_arguments_checked)
{
	char *const argv[] = { "p", NULL };
	ck_assert_int_eq(run_exec(AT_FDCWD, "", argv, 0), -ENOENT);
	ck_assert_int_eq(run_exec(AT_FDCWD, "/bin/static", argv, 0x1), -EINVAL);
	/* Bad guest pointers. */
	ck_assert_int_eq(run_exec(AT_FDCWD, (const char *)16, argv, 0), -EFAULT);
	ck_assert_int_eq(run_exec(AT_FDCWD, "/bin/static", (char *const *)16, 0), -EFAULT);
	/* Only the tracer can rewrite the registers. */
	ev = fx_event(t);
	ev.via_tracer = false;
	ev.sp = (uint64_t)(uintptr_t)(guest_stack + sizeof(guest_stack));
	ck_assert_int_eq(exec_prepare(t, &ev, AT_FDCWD, (uint64_t)(uintptr_t)"/bin/static",
				      (uint64_t)(uintptr_t)argv, 0, 0), -ENOSYS);
	ck_assert_int_eq(fx_platform.ncalls, 0);
}
END_TEST

START_TEST(test_exec_without_argv)
{
	/* execve(path, NULL, ...): the program gets one empty argv[0], as Linux (>= 5.18)
	   gives it. */
	long r = run_exec(AT_FDCWD, "/bin/static", NULL, 0);
	const char *want[] = { "", NULL };
	ck_planned(r, i_static, want);
}
END_TEST

START_TEST(test_exec_fd_is_lowest_free)
{
	int released = 0;
	struct file *f = fx_file_new(&released);
	ck_assert_int_eq(fd_install(t, &ev, f, false, 0), 0);
	ck_assert_int_eq(fd_install(t, &ev, f, false, 0), 1);
	bool host;
	ck_assert_int_eq(fd_remove(t, 1, &host), 0);
	task_reserve_closing(t, 1, 1);
	char *const argv[] = { "p", NULL };
	const char *want[] = { "p", NULL };
	ck_planned(run_exec(AT_FDCWD, "/bin/static", argv, 0), i_static, want);
	ck_assert_int_eq(ev.args[0], 2);	/* 0 is open, 1 reserved */
	/* Held until the exec is over: another thread's dup2 cannot change what runs. */
	ck_assert(t->files->entries[2].reserved);
	ck_assert_int_eq(fd_install_at(t, &ev, f, false, 2), -EBUSY);
	task_settle_closes(t);
	fdtable_put(t->files);
	t->files = fdtable_new();
	file_put(f);
	ck_assert_int_eq(released, 1);
}
END_TEST

START_TEST(test_execveat_empty_path)
{
	struct path p;
	struct file *f;
	ck_assert_int_eq(vfs_resolve(t, &t->fs->cwd, "/bin/static", 0, &p, NULL), 0);
	ck_assert_int_eq(vfs_open(t, &p, O_RDONLY, &f), 0);
	path_put(&p);
	ck_assert_int_eq(fd_install_at(t, &ev, f, false, 3), 3);
	file_put(f);

	char *const argv[] = { "p", NULL };
	const char *want[] = { "p", NULL };
	ck_planned(run_exec(3, "", argv, AT_EMPTY_PATH), i_static, want);
	/* Linux (6.11 on) names the task after the file, not after "/dev/fd/3". */
	ck_assert_str_eq(t->exec->comm, "static");
	ck_assert_str_eq(t->exec->exe_path, "/bin/static");
	ck_assert_int_eq(run_exec(3, "", argv, 0), -ENOENT);
	ck_assert_int_eq(run_exec(9, "", argv, AT_EMPTY_PATH), -EBADF);
}
END_TEST

/* ---- #! ---- */

START_TEST(test_script_plain)
{
	char *const argv[] = { "myname", "arg1", NULL };
	const char *want[] = { "/bin/sh", "/scripts/plain", "arg1", NULL };
	ck_planned(run_exec(AT_FDCWD, "/scripts/plain", argv, 0), i_sh, want);
	/* exe is the interpreter, comm the script, cmdline the interpreter's argv. */
	ck_assert_str_eq(t->exec->exe_path, "/bin/sh");
	ck_assert_str_eq(t->exec->comm, "plain");
	ck_cmdline(want);
}
END_TEST

START_TEST(test_script_gets_the_path_as_called)
{
	/* The script's path is the name the caller used, relative or not. */
	struct path p;
	ck_assert_int_eq(vfs_resolve(t, &t->fs->cwd, "/scripts", 0, &p, NULL), 0);
	path_set(&t->fs->cwd, &p);
	path_put(&p);
	char *const argv[] = { "x", NULL };
	const char *want[] = { "/bin/sh", "plain", NULL };
	ck_planned(run_exec(AT_FDCWD, "plain", argv, 0), i_sh, want);
}
END_TEST

START_TEST(test_script_one_argument)
{
	char *const argv[] = { "n", "a", NULL };
	const char *want[] = { "/bin/sh", "-e", "/scripts/witharg", "a", NULL };
	ck_planned(run_exec(AT_FDCWD, "/scripts/witharg", argv, 0), i_sh, want);
	/* Everything after the interpreter is one argument, inner blanks kept, outer ones
	   stripped (fs/binfmt_script.c). */
	const char *want2[] = { "/bin/sh", "-x  -y", "/scripts/spaces", "a", NULL };
	ck_planned(run_exec(AT_FDCWD, "/scripts/spaces", argv, 0), i_sh, want2);
}
END_TEST

START_TEST(test_script_without_newline)
{
	/* A file shorter than the 256-byte buffer is NUL-padded in the kernel, so an
	   interpreter without a newline after it is complete: "#!/bin/true" runs on Linux. */
	char *const argv[] = { "n", NULL };
	const char *want[] = { "/bin/sh", "/scripts/nonl", NULL };
	ck_planned(run_exec(AT_FDCWD, "/scripts/nonl", argv, 0), i_sh, want);
	const char *want2[] = { "/bin/sh", "-e", "/scripts/nonl_arg", NULL };
	ck_planned(run_exec(AT_FDCWD, "/scripts/nonl_arg", argv, 0), i_sh, want2);
}
END_TEST

START_TEST(test_script_truncated_interpreter_is_enoexec)
{
	char *const argv[] = { "n", NULL };
	ck_assert_int_eq(run_exec(AT_FDCWD, "/scripts/truncated", argv, 0), -ENOEXEC);
	/* A long argument is cut, not an error. */
	long r = run_exec(AT_FDCWD, "/scripts/longarg", argv, 0);
	ck_assert_int_eq(r, SYSCALL_REWRITE);
	char **nargv = (char **)(uintptr_t)ev.args[2];
	ck_assert_str_eq(nargv[0], "/bin/sh");
	ck_assert_int_gt(strlen(nargv[1]), 100);
	ck_assert_int_lt(strlen(nargv[1]), 256);
	ck_assert_int_eq(strspn(nargv[1], "b"), strlen(nargv[1]));
	ck_assert_str_eq(nargv[2], "/scripts/longarg");
}
END_TEST

START_TEST(test_script_blank_interpreter_is_enoexec)
{
	char *const argv[] = { "n", NULL };
	ck_assert_int_eq(run_exec(AT_FDCWD, "/scripts/blank", argv, 0), -ENOEXEC);
	ck_assert_int_eq(run_exec(AT_FDCWD, "/scripts/bare", argv, 0), -ENOEXEC);
	ck_assert_int_eq(fx_platform.ncalls, 0);
}
END_TEST

START_TEST(test_script_interpreter_errors)
{
	char *const argv[] = { "n", NULL };
	ck_assert_int_eq(run_exec(AT_FDCWD, "/scripts/missing", argv, 0), -ENOENT);
	ck_assert_int_eq(run_exec(AT_FDCWD, "/scripts/noexec_interp", argv, 0), -EACCES);
	ck_assert_int_eq(fx_platform.ncalls, 0);
	ck_assert_ptr_null(t->exec);
}
END_TEST

START_TEST(test_script_relative_interpreter_from_cwd)
{
	/* "#!sh" is looked up from the caller's cwd, as the kernel's open_exec does. */
	char *const argv[] = { "n", NULL };
	ck_assert_int_eq(run_exec(AT_FDCWD, "/scripts/relative", argv, 0), -ENOENT);
	struct path p;
	ck_assert_int_eq(vfs_resolve(t, &t->fs->cwd, "/bin", 0, &p, NULL), 0);
	path_set(&t->fs->cwd, &p);
	path_put(&p);
	const char *want[] = { "sh", "/scripts/relative", NULL };
	ck_planned(run_exec(AT_FDCWD, "/scripts/relative", argv, 0), i_sh, want);
}
END_TEST

START_TEST(test_script_with_dynamic_interpreter)
{
	char *const argv[] = { "n", "z", NULL };
	const char *want[] = {
		LDSO, "--argv0", "/bin/dyn", "/bin/dyn", "-a", "/scripts/dyninterp", "z", NULL,
	};
	ck_planned(run_exec(AT_FDCWD, "/scripts/dyninterp", argv, 0), i_ldso, want);
	ck_assert_str_eq(t->exec->exe_path, "/bin/dyn");
	ck_assert_str_eq(t->exec->comm, "dyninterp");
	/* What the interpreter itself sees as its argv. */
	const char *cmdline[] = { "/bin/dyn", "-a", "/scripts/dyninterp", "z", NULL };
	ck_cmdline(cmdline);
}
END_TEST

START_TEST(test_five_nested_scripts_run)
{
	char *const argv[] = { "n", NULL };
	const char *want[] = {
		"/bin/sh", "/scripts/s6", "/scripts/s5", "/scripts/s4", "/scripts/s3", "/scripts/s2",
		NULL,
	};
	ck_planned(run_exec(AT_FDCWD, "/scripts/s2", argv, 0), i_sh, want);
}
END_TEST

START_TEST(test_six_nested_scripts_are_eloop)
{
	char *const argv[] = { "n", NULL };
	ck_assert_int_eq(run_exec(AT_FDCWD, "/scripts/s1", argv, 0), -ELOOP);
	ck_assert_int_eq(fx_platform.ncalls, 0);
}
END_TEST

static Suite *exec_suite(void)
{
	Suite *s = suite_create("exec_parse");
	TCase *tc;

	tc = tcase_create("elf");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_static_elf_runs_itself);
	tcase_add_test(tc, test_dynamic_elf_runs_ldso);
	tcase_add_test(tc, test_dynamic_elf_missing_interpreter);
	tcase_add_test(tc, test_bad_elf_is_enoexec);
	tcase_add_test(tc, test_exec_permission_and_type);
	tcase_add_test(tc, test_exec_symlink);
	tcase_add_test(tc, test_exec_arguments_checked);
	tcase_add_test(tc, test_exec_without_argv);
	tcase_add_test(tc, test_exec_fd_is_lowest_free);
	tcase_add_test(tc, test_execveat_empty_path);
	suite_add_tcase(s, tc);

	tc = tcase_create("shebang");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_script_plain);
	tcase_add_test(tc, test_script_gets_the_path_as_called);
	tcase_add_test(tc, test_script_one_argument);
	tcase_add_test(tc, test_script_without_newline);
	tcase_add_test(tc, test_script_truncated_interpreter_is_enoexec);
	tcase_add_test(tc, test_script_blank_interpreter_is_enoexec);
	tcase_add_test(tc, test_script_interpreter_errors);
	tcase_add_test(tc, test_script_relative_interpreter_from_cwd);
	tcase_add_test(tc, test_script_with_dynamic_interpreter);
	tcase_add_test(tc, test_five_nested_scripts_run);
	tcase_add_test(tc, test_six_nested_scripts_are_eloop);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *runner = srunner_create(exec_suite());
	int failed;

	srunner_run_all(runner, CK_ENV);
	failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
