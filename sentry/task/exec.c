/* execve: the sentry resolves the program (scripts, the ELF interpreter) in the guest's
   namespace and has the host exec it from an fd.

   The host cannot look a path up in the guest's empty root, so the guest's execve is
   rewritten at its ptrace stop into execveat(N, "", argv', envp, AT_EMPTY_PATH), where N is
   the program's fd installed for the occasion (close-on-exec). A script runs its interpreter
   with the script's path as an argument; a dynamic ELF runs its interpreter (ld.so) with the
   program's path, so the host never needs PT_INTERP resolved. New argument strings are
   written below the guest's stack pointer, which exec throws away on success. */
#define _GNU_SOURCE
#include "sentry/task/task.h"
#include "sentry/task/fdtable.h"
#include "sentry/kernel.h"
#include "sentry/mm/guest_mem.h"
#include "sentry/ipc/ipc.h"
#include "sentry/syscalls/syscalls.h"
#include "common/cleanup.h"
#include "common/log.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/syscall.h>

#define EXEC_MAX_SCRIPT_DEPTH 5	/* the kernel's exec_binprm: 5 rewrites, the 6th is ELOOP */
#define EXEC_HEADER_SIZE 256	/* BINPRM_BUF_SIZE: how much of a #! line counts */
#define EXEC_MAX_ARGS 0x20000

/* The new argv is head[] followed by the guest's argv[1..]. A NULL in head stands for the
   guest's argv[0] (passed as the guest's own pointer). */
#define EXEC_HEAD_MAX (4 * EXEC_MAX_SCRIPT_DEPTH + 8)

struct exec_plan {
	char *head[EXEC_HEAD_MAX];
	int nhead;
	int program_argv0;	/* index in head of what the program sees as argv[0] */
	struct file *file;	/* what the host finally execs */
	char *exe_path;		/* guest path of the program, for /proc/PID/exe */
	char comm[TASK_COMM_LEN];
};

static void exec_plan_free(struct exec_plan *p)
{
	for (int i = 0; i < p->nhead; i++)
		free(p->head[i]);
	file_put(p->file);
	free(p->exe_path);
}

/* Inserts the n strings of repl at head[at], replacing head[at] unless keep is set (NULL
   entries stand for the guest's argv[0]). */
static int plan_splice(struct exec_plan *p, int at, const char *const *repl, int n, bool keep)
{
	int removed = keep ? 0 : 1;
	char *copies[4];

	if (n > 4 || p->nhead - removed + n > EXEC_HEAD_MAX)
		return -E2BIG;
	for (int i = 0; i < n; i++) {
		copies[i] = NULL;
		if (repl[i] && !(copies[i] = strdup(repl[i]))) {
			while (i-- > 0)
				free(copies[i]);
			return -ENOMEM;
		}
	}
	if (!keep)
		free(p->head[at]);
	memmove(p->head + at + n, p->head + at + removed,
		sizeof(char *) * (size_t)(p->nhead - at - removed));
	memcpy(p->head + at, copies, sizeof(char *) * (size_t)n);
	p->nhead += n - removed;
	return 0;
}

/* Opens what path names for execution (no read permission needed, as for the kernel). */
static int exec_open(struct task *t, int dirfd, const char *path, int flags, struct file **out,
		     char **resolved)
{
	struct path p;
	int lookup = (flags & AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW;
	if (flags & AT_EMPTY_PATH)
		lookup |= LOOKUP_EMPTY;
	int r = vfs_resolve_at(t, dirfd, path, lookup, &p, NULL);
	if (r < 0)
		return r;
	struct inode *inode = p.dentry->inode;
	if (S_ISLNK(inode->mode))
		r = -ELOOP;
	else if (!S_ISREG(inode->mode) || (p.mnt->flags & MS_NOEXEC))
		r = -EACCES;
	else
		r = vfs_permission(t, inode, MAY_EXEC);
	if (r == 0) {
		struct file *f = file_alloc(inode->fops, &p, inode, O_RDONLY);
		if (!f)
			r = -ENOMEM;
		else if (inode->iops && inode->iops->open && (r = inode->iops->open(inode, f, O_RDONLY)) < 0)
			file_put(f);
		else if (f->host_fd < 0) {
			file_put(f);
			r = -EACCES;
		} else
			*out = f;
	}
	if (r == 0 && resolved) {
		char buf[VFS_PATH_MAX];
		int n = vfs_path_name(t, &p, buf, sizeof(buf));
		*resolved = strdup(n >= 0 ? buf : path);
		if (!*resolved) {
			file_put(*out);
			r = -ENOMEM;
		}
	}
	path_put(&p);
	return r;
}

/* Parses "#!interp [arg]" the way the kernel does (one optional argument, whitespace-split). */
static int parse_shebang(char *hdr, size_t len, char **interp, char **arg)
{
	char *end = memchr(hdr, '\n', len);
	bool cut = false;
	if (!end) {
		/* The kernel keeps the last byte of its buffer for a NUL: a longer line is cut
		   there, and an interpreter name that does not fit is an error. */
		cut = len >= EXEC_HEADER_SIZE;
		end = hdr + (cut ? EXEC_HEADER_SIZE - 1 : len);
	}
	*end = '\0';
	char *p = hdr + 2;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p)
		return -ENOEXEC;
	*interp = p;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	if (!*p) {
		/* Only a full buffer can have cut the name: a shorter file ends in the kernel's
		   NUL padding, so "#!/bin/sh" without a newline runs. */
		if (cut)
			return -ENOEXEC;
		*arg = NULL;
		return 0;
	}
	*p++ = '\0';
	while (*p == ' ' || *p == '\t')
		p++;
	char *q = end;
	while (q > p && (q[-1] == ' ' || q[-1] == '\t'))
		*--q = '\0';
	*arg = *p ? p : NULL;
	return 0;
}

/* The PT_INTERP path of an x86-64 ELF executable, or NULL for a static one. */
static int elf_interp(int fd, const unsigned char *hdr, size_t len, char **interp)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)hdr;
	*interp = NULL;
	if (len < sizeof(*eh) || eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_machine != EM_X86_64 ||
	    (eh->e_type != ET_EXEC && eh->e_type != ET_DYN) || eh->e_phentsize != sizeof(Elf64_Phdr) ||
	    eh->e_phnum == 0 || eh->e_phnum > 256)
		return -ENOEXEC;
	for (int i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph;
		if (pread(fd, &ph, sizeof(ph), (off_t)(eh->e_phoff + (uint64_t)i * sizeof(ph))) != sizeof(ph))
			return -ENOEXEC;
		if (ph.p_type != PT_INTERP)
			continue;
		if (ph.p_filesz < 2 || ph.p_filesz > VFS_PATH_MAX)
			return -ENOEXEC;
		char *s = malloc(ph.p_filesz + 1);
		if (!s)
			return -ENOMEM;
		if (pread(fd, s, ph.p_filesz, (off_t)ph.p_offset) != (ssize_t)ph.p_filesz) {
			free(s);
			return -ENOEXEC;
		}
		s[ph.p_filesz] = '\0';
		*interp = s;
		return 0;
	}
	return 0;
}

/* Follows #! lines and PT_INTERP from (dirfd, path) to the file the host will exec. */
static int exec_plan_build(struct task *t, int dirfd, const char *path, int flags,
			   struct exec_plan *plan)
{
	char display[VFS_PATH_MAX];
	int r;

	plan->head[0] = NULL;
	plan->nhead = 1;
	r = exec_open(t, dirfd, path, flags, &plan->file, &plan->exe_path);
	if (r < 0)
		return r;
	/* The name the caller used, as the kernel makes it (bprm->filename): scripts are told
	   it, and the task is named after it. A script named through a close-on-exec fd could
	   not be opened by its interpreter: the kernel refuses it (BINPRM_FLAGS_PATH_INACCESSIBLE). */
	bool by_fd = dirfd != AT_FDCWD && path[0] != '/';
	bool inaccessible = by_fd && fd_get_cloexec(t, dirfd) > 0;
	if (!by_fd)
		snprintf(display, sizeof(display), "%s", path);
	else if (!path[0])
		snprintf(display, sizeof(display), "/dev/fd/%d", dirfd);
	else if (snprintf(display, sizeof(display), "/dev/fd/%d/%s", dirfd, path) >= (int)sizeof(display))
		return -ENAMETOOLONG;
	const char *base = strrchr(display, '/');
	snprintf(plan->comm, sizeof(plan->comm), "%.*s", (int)sizeof(plan->comm) - 1,
		 base ? base + 1 : display);

	for (int depth = 0;; depth++) {
		unsigned char hdr[EXEC_HEADER_SIZE + 1];
		ssize_t n = pread(plan->file->host_fd, hdr, EXEC_HEADER_SIZE, 0);
		if (n < 0)
			return -EIO;
		if (n >= 2 && hdr[0] == '#' && hdr[1] == '!') {
			char *interp, *arg;
			if (inaccessible)
				return -ENOENT;
			if (depth >= EXEC_MAX_SCRIPT_DEPTH)
				return -ELOOP;
			r = parse_shebang((char *)hdr, (size_t)n, &interp, &arg);
			if (r < 0)
				return r;
			/* argv[0] becomes: interp [arg] script */
			const char *with_arg[3] = { interp, arg, display };
			const char *without_arg[2] = { interp, display };
			r = arg ? plan_splice(plan, 0, with_arg, 3, false)
				: plan_splice(plan, 0, without_arg, 2, false);
			if (r < 0)
				return r;
			snprintf(display, sizeof(display), "%s", interp);
			file_put(take_ptr(&plan->file));
			free(take_ptr(&plan->exe_path));
			r = exec_open(t, AT_FDCWD, display, 0, &plan->file, &plan->exe_path);
			if (r < 0)
				return r;
			continue;
		}
		if (n < 4 || memcmp(hdr, ELFMAG, SELFMAG) != 0)
			return -ENOEXEC;
		char *interp;
		r = elf_interp(plan->file->host_fd, hdr, (size_t)n, &interp);
		if (r < 0 || !interp)
			return r;
		/* ld.so runs the program: "ld.so --argv0 ARGV0 PROGRAM args". The program's path
		   comes back to the sentry when ld.so opens it: the resolved one when the caller
		   named it through an fd, which may be closed by then. */
		const char *ldso[2] = { interp, "--argv0" };
		const char *prog[1] = { by_fd && depth == 0 && plan->exe_path ? plan->exe_path : display };
		r = plan_splice(plan, 0, ldso, 2, true);
		if (r == 0)
			r = plan_splice(plan, 3, prog, 1, true);
		plan->program_argv0 = 2;
		file_put(take_ptr(&plan->file));
		if (r == 0)
			r = exec_open(t, AT_FDCWD, interp, 0, &plan->file, NULL);
		free(interp);
		return r;
	}
}

/* Lays out strings and the pointer array below sp; returns the new argv address. */
struct stack_writer {
	struct task *t;
	uint64_t top;		/* next free byte is below this */
	uint64_t floor;
};

static int stack_push(struct stack_writer *w, const void *data, size_t len, size_t align,
		      uint64_t *addr)
{
	uint64_t at = (w->top - len) & ~(uint64_t)(align - 1);
	if (at < w->floor || at > w->top)
		return -E2BIG;
	int r = guest_write(w->t, at, data, len);
	if (r < 0)
		return r;
	w->top = at;
	*addr = at;
	return 0;
}

/* Appends a guest string to m; a string that cannot be read shows as empty. */
static void capture_guest_string(struct task *t, FILE *m, uint64_t addr)
{
	char buf[VFS_PATH_MAX];
	int n = guest_read_string(t, addr, buf, sizeof(buf));
	if (n < 0)
		n = n == -ENAMETOOLONG ? (int)sizeof(buf) - 1 : 0;
	fwrite(buf, 1, (size_t)n, m);
	fputc('\0', m);
}

/* Records what the task becomes: /proc/PID/cmdline shows the program's own argv (not
   ld.so's options), exe the program (the interpreter, for a script). */
/* Captures a guest string array (envp) as NUL-separated strings, up to 64 KiB. */
static int capture_guest_strings(struct task *t, uint64_t uarray, char **out, size_t *len)
{
	uint64_t *v = NULL;
	int n = uarray ? guest_read_ptr_array(t, uarray, EXEC_MAX_ARGS, &v) : 0;
	if (n < 0)
		return n;
	FILE *m = open_memstream(out, len);
	if (!m) {
		free(v);
		return -ENOMEM;
	}
	for (int i = 0; i < n && ftell(m) < 65536; i++)
		capture_guest_string(t, m, v[i]);
	fclose(m);
	free(v);
	return 0;
}

static int exec_pending_capture(struct task *t, struct exec_plan *plan, const uint64_t *argv,
				int argc, uint64_t uenvp)
{
	struct exec_pending *e = calloc(1, sizeof(*e));
	FILE *m;
	if (!e)
		return -ENOMEM;
	int r = capture_guest_strings(t, uenvp, &e->environ, &e->environ_len);
	if (r < 0) {
		free(e);
		return r;
	}
	m = open_memstream(&e->cmdline, &e->cmdline_len);
	if (!m) {
		free(e->environ);
		free(e);
		return -ENOMEM;
	}
	for (int i = plan->program_argv0; i < plan->nhead; i++) {
		/* ld.so's PROGRAM operand (after --argv0 ARGV0) is not in the program's argv. */
		if (plan->program_argv0 > 0 && i == plan->program_argv0 + 1)
			continue;
		if (plan->head[i])
			fwrite(plan->head[i], 1, strlen(plan->head[i]) + 1, m);
		else if (argc > 0)
			capture_guest_string(t, m, argv[0]);
		else
			fputc('\0', m);
	}
	for (int i = 1; i < argc && ftell(m) < 65536; i++)
		capture_guest_string(t, m, argv[i]);
	fclose(m);
	e->exe_path = take_ptr(&plan->exe_path);
	memcpy(e->comm, plan->comm, sizeof(e->comm));
	exec_pending_free(t->exec);
	t->exec = e;
	return 0;
}

long exec_prepare(struct task *t, struct syscall_event *ev, int dirfd, uint64_t upath,
		  uint64_t uargv, uint64_t uenvp, int flags)
{
	char path[VFS_PATH_MAX];
	struct exec_plan plan = { 0 };
	uint64_t *argv = NULL;
	int argc = 0;
	long r;

	if (!ev->via_tracer)
		return -ENOSYS;
	if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
		return -EINVAL;
	r = guest_read_string(t, upath, path, sizeof(path));
	if (r < 0)
		return r;
	if (!path[0] && !(flags & AT_EMPTY_PATH))
		return -ENOENT;
	if (uargv) {
		argc = guest_read_ptr_array(t, uargv, EXEC_MAX_ARGS, &argv);
		if (argc < 0)
			return argc;
	}
	r = exec_plan_build(t, dirfd, path, flags, &plan);
	if (r < 0)
		goto out;
	/* Run from an fd (fexecve), the task is named after the file it runs (the kernel's
	   comm_from_dentry), not "N" of /dev/fd/N. */
	if (!path[0] && plan.exe_path) {
		const char *base = strrchr(plan.exe_path, '/');
		snprintf(plan.comm, sizeof(plan.comm), "%.*s", (int)sizeof(plan.comm) - 1,
			 base ? base + 1 : plan.exe_path);
	}

	/* Strings the host needs are written below the guest's stack pointer. */
	struct stack_writer w = { t, (ev->sp - GUEST_SCRATCH_GAP) & ~15ULL, 0 };
	w.floor = w.top > (1u << 20) ? w.top - (1u << 20) : 0;
	uint64_t empty_addr, new_argv = uargv;
	r = stack_push(&w, "", 1, 1, &empty_addr);
	if (r == 0 && (plan.nhead > 1 || argc == 0)) {
		int n = plan.nhead + (argc > 1 ? argc - 1 : 0);
		uint64_t *v = calloc((size_t)n + 1, sizeof(*v));
		if (!v) {
			r = -ENOMEM;
			goto out;
		}
		for (int i = 0; i < plan.nhead && r == 0; i++) {
			if (plan.head[i])
				r = stack_push(&w, plan.head[i], strlen(plan.head[i]) + 1, 1, &v[i]);
			else
				v[i] = argc > 0 ? argv[0] : empty_addr;
		}
		for (int i = 1; i < argc; i++)
			v[plan.nhead + i - 1] = argv[i];
		if (r == 0)
			r = stack_push(&w, v, sizeof(*v) * ((size_t)n + 1), 16, &new_argv);
		free(v);
	}
	if (r < 0)
		goto out;
	r = exec_pending_capture(t, &plan, argv, argc, uenvp);
	if (r < 0)
		goto out;

	/* The program's fd goes in at the lowest number the guest does not use, held until the
	   exec is over: another thread's dup2 onto it would change what the host runs. */
	int fd = fd_lowest_unused(t);
	r = fd < 0 ? fd : ev->ops->install_fd(ev, plan.file->host_fd, fd, true);
	if (r < 0)
		goto out;
	task_reserve_closing(t, fd, fd);
	vfs_mapped_note(t, plan.file, NULL);	/* the host maps it: /proc/PID/maps names it */
	ev->rewrite_nr = SYS_execveat;
	ev->args[0] = (uint64_t)fd;
	ev->args[1] = empty_addr;
	ev->args[2] = new_argv;
	ev->args[3] = uenvp;
	ev->args[4] = AT_EMPTY_PATH;
	ev->args[5] = PLATFORM_MARKER_MAGIC;
	r = SYSCALL_REWRITE;
out:
	exec_plan_free(&plan);
	free(argv);
	return r;
}

void exec_pending_free(struct exec_pending *e)
{
	if (!e)
		return;
	free(e->exe_path);
	free(e->cmdline);
	free(e->environ);
	free(e);
}

void task_exec_complete(struct task *t)
{
	struct thread_group *tg = t->tg;
	struct exec_pending *e = take_ptr(&t->exec);

	tg->sentry_page = 0;	/* the old address space went with it */
	tg->host_comm_stale = e != NULL;
	tg->host_comm_unsynced = false;
	ipc_process_exec(tg);
	/* exec gives the process its own fd table and signal handlers, as the host just did. */
	if (t->files->refs > 1) {
		struct fd_table *own = fdtable_dup(t->files);
		if (own) {
			fdtable_put(t->files);
			t->files = own;
		}
	}
	fdtable_exec(t->files);
	if (t->sighand->refs > 1) {
		struct sighand *own = malloc(sizeof(*own));
		if (own) {
			*own = *t->sighand;
			own->refs = 1;
			sighand_put(t->sighand);
			t->sighand = own;
		}
	}
	for (int sig = 1; sig < TASK_NSIG; sig++) {
		struct sigaction_record *a = &t->sighand->action[sig];
		if (a->handler != (uint64_t)(uintptr_t)SIG_IGN)
			*a = (struct sigaction_record){ 0 };
	}
	t->clear_child_tid = 0;
	t->robust_list = 0;
	tg->nondumpable = false;
	creds_exec(&tg->creds);
	if (e) {
		free(tg->exe_path);
		free(tg->cmdline);
		tg->exe_path = take_ptr(&e->exe_path);
		tg->cmdline = take_ptr(&e->cmdline);
		tg->cmdline_len = e->cmdline_len;
		free(tg->environ);
		tg->environ = take_ptr(&e->environ);
		tg->environ_len = e->environ_len;
		memcpy(tg->comm, e->comm, sizeof(tg->comm));
		exec_pending_free(e);
	}
}
