/* --strace: each syscall with decoded arguments and its result, in strace's format. */
#define _GNU_SOURCE
#include "sentry/syscalls/syscalls.h"
#include "sentry/kernel.h"
#include "sentry/task/task.h"
#include "sentry/mm/guest_mem.h"
#include "common/log.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

struct flag_name {
	unsigned long bit;
	const char *name;
};

#define F(x) { x, #x }
static const struct flag_name open_flags[] = {
	F(O_CREAT), F(O_EXCL), F(O_NOCTTY), F(O_TRUNC), F(O_APPEND), F(O_NONBLOCK), F(O_DSYNC),
	F(O_ASYNC), F(O_DIRECT), F(O_LARGEFILE), F(O_DIRECTORY), F(O_NOFOLLOW), F(O_NOATIME),
	F(O_CLOEXEC), F(O_PATH), { 0, NULL },
};
static const struct flag_name at_flags[] = {
	F(AT_SYMLINK_NOFOLLOW), F(AT_REMOVEDIR), F(AT_SYMLINK_FOLLOW), F(AT_NO_AUTOMOUNT),
	F(AT_EMPTY_PATH), F(AT_EACCESS), { 0, NULL },
};
static const struct flag_name prot_flags[] = {
	F(PROT_READ), F(PROT_WRITE), F(PROT_EXEC), { 0, NULL },
};
static const struct flag_name map_flags[] = {
	F(MAP_SHARED), F(MAP_PRIVATE), F(MAP_FIXED), F(MAP_ANONYMOUS), F(MAP_NORESERVE),
	F(MAP_POPULATE), F(MAP_STACK), F(MAP_DENYWRITE), F(MAP_GROWSDOWN), { 0, NULL },
};
#undef F

struct out {
	char buf[4096];
	size_t len;
};

static void out_printf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out_printf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	if (o->len >= sizeof(o->buf))
		return;
	va_start(ap, fmt);
	int n = vsnprintf(o->buf + o->len, sizeof(o->buf) - o->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len = o->len + (size_t)n < sizeof(o->buf) ? o->len + (size_t)n : sizeof(o->buf) - 1;
}

static void out_flags(struct out *o, unsigned long v, const struct flag_name *names,
		      const char *zero)
{
	bool any = false;
	if (zero) {
		out_printf(o, "%s", zero);
		any = true;
	}
	for (const struct flag_name *f = names; f->name; f++) {
		if (f->bit && (v & f->bit) == f->bit) {
			out_printf(o, "%s%s", any ? "|" : "", f->name);
			v &= ~f->bit;
			any = true;
		}
	}
	if (v || !any)
		out_printf(o, "%s%#lx", any ? "|" : "", v);
}

static void out_escaped(struct out *o, const unsigned char *s, size_t n, bool truncated)
{
	out_printf(o, "\"");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		if (c == '\n')
			out_printf(o, "\\n");
		else if (c == '\t')
			out_printf(o, "\\t");
		else if (c == '"' || c == '\\')
			out_printf(o, "\\%c", c);
		else if (c < 32 || c >= 127)
			out_printf(o, "\\x%02x", c);
		else
			out_printf(o, "%c", c);
	}
	out_printf(o, "\"%s", truncated ? "..." : "");
}

static void out_string(struct out *o, struct task *t, uint64_t addr)
{
	char s[256];
	if (!addr) {
		out_printf(o, "NULL");
		return;
	}
	int n = guest_read_string(t, addr, s, sizeof(s));
	if (n == -EFAULT)
		out_printf(o, "%#lx", (unsigned long)addr);
	else
		out_escaped(o, (unsigned char *)s, n < 0 ? sizeof(s) - 1 : (size_t)n, n < 0);
}

static void out_arg(struct out *o, struct task *t, const struct syscall_event *ev, int i,
		    enum strace_arg kind)
{
	uint64_t v = ev->args[i];
	switch (kind) {
	case A_INT:
	case A_FD:
		out_printf(o, "%d", (int)v);
		break;
	case A_LONG:
		out_printf(o, "%ld", (long)v);
		break;
	case A_UINT:
		out_printf(o, "%lu", (unsigned long)v);
		break;
	case A_DIRFD:
		if ((int)v == AT_FDCWD)
			out_printf(o, "AT_FDCWD");
		else
			out_printf(o, "%d", (int)v);
		break;
	case A_PATH:
		out_string(o, t, v);
		break;
	case A_INBUF: {
		unsigned char b[32];
		size_t len = i + 1 < 6 ? ev->args[i + 1] : 0;
		size_t n = len < sizeof(b) ? len : sizeof(b);
		if (guest_read(t, v, b, n) < 0)
			out_printf(o, "%#lx", (unsigned long)v);
		else
			out_escaped(o, b, n, n < len);
		break;
	}
	case A_OFLAGS: {
		static const char *const acc[] = { "O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE" };
		out_flags(o, v & ~(uint64_t)O_ACCMODE, open_flags, acc[v & O_ACCMODE]);
		break;
	}
	case A_MODE:
		out_printf(o, "0%lo", (unsigned long)v);
		break;
	case A_SIGNAL: {
		const char *name = (int)v > 0 && (int)v < NSIG ? sigabbrev_np((int)v) : NULL;
		if (name)
			out_printf(o, "SIG%s", name);
		else
			out_printf(o, "%d", (int)v);
		break;
	}
	case A_STRV: {
		out_printf(o, "[");
		for (int k = 0; k < 8; k++) {
			uint64_t p;
			if (guest_read(t, v + 8 * (uint64_t)k, &p, sizeof(p)) < 0 || !p)
				break;
			if (k == 7) {
				out_printf(o, ", ...");
				break;
			}
			out_printf(o, "%s", k ? ", " : "");
			out_string(o, t, p);
		}
		out_printf(o, "]");
		break;
	}
	case A_ATFLAGS:
		out_flags(o, v, at_flags, NULL);
		break;
	case A_PROT:
		if (v == 0)
			out_printf(o, "PROT_NONE");
		else
			out_flags(o, v, prot_flags, NULL);
		break;
	case A_MAPFLAGS:
		out_flags(o, v, map_flags, NULL);
		break;
	case A_PTR:
		if (!v) {
			out_printf(o, "NULL");
			break;
		}
		/* fallthrough */
	default:
		out_printf(o, "%#lx", (unsigned long)v);
		break;
	}
}

void strace_print(struct task *t, const struct syscall_event *ev, const struct syscall_def *def,
		  long result)
{
	struct out o = { .len = 0 };
	char name[32];

	out_printf(&o, "[pid %d] %s(", t->tid, syscall_name(ev->nr, name, sizeof(name)));
	int nargs = def ? def->nargs : 6;
	for (int i = 0; i < nargs; i++) {
		if (i)
			out_printf(&o, ", ");
		out_arg(&o, t, ev, i, def ? (enum strace_arg)def->arg[i] : A_HEX);
	}
	out_printf(&o, ") = ");
	if (result == SYSCALL_CONTINUE)
		out_printf(&o, "? <host>");
	else if (result == SYSCALL_REWRITE)
		out_printf(&o, "? <rewritten>");
	else if (result == SYSCALL_RESTART)
		out_printf(&o, "? <restart after signal>");
	else if (result < 0 && result >= -4095)
		out_printf(&o, "-1 %s (%s)", strerrorname_np((int)-result) ?: "E?", strerror((int)-result));
	else if (ev->nr == 9 /* mmap */ || ev->nr == 12 /* brk */)
		out_printf(&o, "%#lx", (unsigned long)result);
	else
		out_printf(&o, "%ld", result);
	log_trace("%s", o.buf);
}
