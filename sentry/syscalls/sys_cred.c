/* Credentials inside the sandbox. They are the sentry's alone: on the host every guest
   process stays the unprivileged guest identity whatever it becomes here. Who may change
   ids is decided by capabilities (CAP_SETUID, CAP_SETGID), and a uid change moves the
   capability sets as Linux does (creds_fix_setuid). */
#define _GNU_SOURCE
#include "sentry/syscalls/syscalls.h"
#include "sentry/kernel.h"
#include "sentry/task/task.h"
#include "sentry/mm/guest_mem.h"

#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include <linux/capability.h>
#include <linux/securebits.h>

#define ID_UNCHANGED ((uint32_t)-1)

static bool is_one_of(uint32_t id, uint32_t a, uint32_t b, uint32_t c)
{
	return id == a || id == b || id == c;
}

/* setresuid/setresgid and the forms built on them: each new id, unless unchanged, must be
   one of the current three when unprivileged. */
static long set_res(struct task *t, int cap, uint32_t *r, uint32_t *e, uint32_t *s, uint32_t *fs,
		    uint32_t nr, uint32_t ne, uint32_t ns)
{
	if (!task_capable(t, cap)) {
		if ((nr != ID_UNCHANGED && !is_one_of(nr, *r, *e, *s)) ||
		    (ne != ID_UNCHANGED && !is_one_of(ne, *r, *e, *s)) ||
		    (ns != ID_UNCHANGED && !is_one_of(ns, *r, *e, *s)))
			return -EPERM;
	}
	if (nr != ID_UNCHANGED)
		*r = nr;
	if (ne != ID_UNCHANGED)
		*e = ne;
	if (ns != ID_UNCHANGED)
		*s = ns;
	*fs = *e;
	return 0;
}

SYSCALL(setresuid)
{
	struct creds *c = task_creds(t), old = *c;
	long r = set_res(t, CAP_SETUID, &c->ruid, &c->euid, &c->suid, &c->fsuid, (uint32_t)ev->args[0],
		       (uint32_t)ev->args[1], (uint32_t)ev->args[2]);
	if (r == 0)
		creds_fix_setuid(c, &old, false);
	return r;
}

SYSCALL(setresgid)
{
	struct creds *c = task_creds(t);
	return set_res(t, CAP_SETGID, &c->rgid, &c->egid, &c->sgid, &c->fsgid, (uint32_t)ev->args[0],
		       (uint32_t)ev->args[1], (uint32_t)ev->args[2]);
}

/* setreuid: the saved id follows the new effective one when the real id is set or the
   effective one moves away from the old real id. */
static long set_re(struct task *t, int cap, uint32_t *r, uint32_t *e, uint32_t *s, uint32_t *fs,
		   uint32_t nr, uint32_t ne)
{
	uint32_t old_r = *r;
	if (!task_capable(t, cap)) {
		if ((nr != ID_UNCHANGED && nr != *r && nr != *e) ||
		    (ne != ID_UNCHANGED && !is_one_of(ne, *r, *e, *s)))
			return -EPERM;
	}
	if (nr != ID_UNCHANGED)
		*r = nr;
	if (ne != ID_UNCHANGED)
		*e = ne;
	if (nr != ID_UNCHANGED || (ne != ID_UNCHANGED && ne != old_r))
		*s = *e;
	*fs = *e;
	return 0;
}

SYSCALL(setreuid)
{
	struct creds *c = task_creds(t), old = *c;
	long r = set_re(t, CAP_SETUID, &c->ruid, &c->euid, &c->suid, &c->fsuid, (uint32_t)ev->args[0],
		      (uint32_t)ev->args[1]);
	if (r == 0)
		creds_fix_setuid(c, &old, false);
	return r;
}

SYSCALL(setregid)
{
	struct creds *c = task_creds(t);
	return set_re(t, CAP_SETGID, &c->rgid, &c->egid, &c->sgid, &c->fsgid, (uint32_t)ev->args[0],
		      (uint32_t)ev->args[1]);
}

/* setuid: privileged sets all three; otherwise only the effective one, to real or saved. */
static long set_one(struct task *t, int cap, uint32_t *r, uint32_t *e, uint32_t *s, uint32_t *fs,
		    uint32_t id)
{
	if (id == ID_UNCHANGED)
		return -EINVAL;
	if (task_capable(t, cap)) {
		*r = *e = *s = *fs = id;
		return 0;
	}
	if (id != *r && id != *s)
		return -EPERM;
	*e = *fs = id;
	return 0;
}

SYSCALL(setuid)
{
	struct creds *c = task_creds(t), old = *c;
	long r = set_one(t, CAP_SETUID, &c->ruid, &c->euid, &c->suid, &c->fsuid, (uint32_t)ev->args[0]);
	if (r == 0)
		creds_fix_setuid(c, &old, false);
	return r;
}

SYSCALL(setgid)
{
	struct creds *c = task_creds(t);
	return set_one(t, CAP_SETGID, &c->rgid, &c->egid, &c->sgid, &c->fsgid, (uint32_t)ev->args[0]);
}

/* setfsuid never fails: it returns the old value, and changes it only when allowed. */
static long set_fs(struct task *t, int cap, uint32_t r, uint32_t e, uint32_t s, uint32_t *fs,
		   uint32_t id)
{
	uint32_t old = *fs;
	if (id != ID_UNCHANGED && (task_capable(t, cap) || is_one_of(id, r, e, s) || id == *fs))
		*fs = id;
	return old;
}

SYSCALL(setfsuid)
{
	struct creds *c = task_creds(t), old = *c;
	long r = set_fs(t, CAP_SETUID, c->ruid, c->euid, c->suid, &c->fsuid, (uint32_t)ev->args[0]);
	creds_fix_setuid(c, &old, true);
	return r;
}

SYSCALL(setfsgid)
{
	struct creds *c = task_creds(t);
	return set_fs(t, CAP_SETGID, c->rgid, c->egid, c->sgid, &c->fsgid, (uint32_t)ev->args[0]);
}

SYSCALL(setgroups)
{
	struct creds *c = task_creds(t);
	int64_t n = (int)ev->args[0];
	gid_t groups[TASK_NGROUPS_MAX];

	if (!creds_capable(c, CAP_SETGID))
		return -EPERM;
	if (n < 0 || n > TASK_NGROUPS_MAX)
		return -EINVAL;
	long r = guest_read(t, ev->args[1], groups, sizeof(gid_t) * (size_t)n);
	if (r < 0)
		return r;
	memcpy(c->groups, groups, sizeof(gid_t) * (size_t)n);
	c->ngroups = (int)n;
	return 0;
}

/* The header's version: how many 32-bit words of each set the data holds (1 for version 1,
   2 for versions 2 and 3). Another version gets the kernel's preferred one written back
   and EINVAL. */
static long cap_header_words(struct task *t, uint64_t uhdr, struct __user_cap_header_struct *hdr)
{
	long r = guest_read(t, uhdr, hdr, sizeof(*hdr));
	if (r < 0)
		return r;
	switch (hdr->version) {
	case _LINUX_CAPABILITY_VERSION_1:
		return 1;
	case _LINUX_CAPABILITY_VERSION_2:
	case _LINUX_CAPABILITY_VERSION_3:
		return 2;
	default: {
		uint32_t preferred = _LINUX_CAPABILITY_VERSION_3;
		r = guest_write(t, uhdr, &preferred, sizeof(preferred));
		return r < 0 ? r : -EINVAL;
	}
	}
}

SYSCALL(capget)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[2];
	long words = cap_header_words(t, ev->args[0], &hdr);

	/* A probe (no data pointer) is answered 0 even with a version the kernel rejects. */
	if (!ev->args[1] || words < 0)
		return !ev->args[1] && words == -EINVAL ? 0 : words;
	if (hdr.pid < 0)
		return -EINVAL;
	struct task *target = hdr.pid ? task_by_tid(hdr.pid) : t;
	if (!target)
		return -ESRCH;
	const struct creds *c = task_creds(target);
	for (int i = 0; i < 2; i++)
		data[i] = (struct __user_cap_data_struct){ (uint32_t)(c->cap_effective >> (32 * i)),
							   (uint32_t)(c->cap_permitted >> (32 * i)),
							   (uint32_t)(c->cap_inheritable >> (32 * i)) };
	return guest_write(t, ev->args[1], data, sizeof(data[0]) * (size_t)words);
}

static bool is_subset(uint64_t a, uint64_t b)
{
	return (a & ~b) == 0;
}

/* capset acts on the caller only: no capability is gained (permitted only shrinks,
   inheritable grows only within inheritable | permitted without CAP_SETPCAP, and never
   beyond inheritable | bounding), effective stays within permitted; ambient shrinks to
   what permitted and inheritable both still hold. */
SYSCALL(capset)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[2] = { 0 };
	struct creds *c = task_creds(t);
	long words = cap_header_words(t, ev->args[0], &hdr);

	if (words < 0)
		return words;
	if (hdr.pid != 0 && hdr.pid != t->tid)
		return -EPERM;
	long r = guest_read(t, ev->args[1], data, sizeof(data[0]) * (size_t)words);
	if (r < 0)
		return r;
	uint64_t eff = 0, prm = 0, inh = 0;
	for (int i = 0; i < 2; i++) {
		eff |= (uint64_t)data[i].effective << (32 * i);
		prm |= (uint64_t)data[i].permitted << (32 * i);
		inh |= (uint64_t)data[i].inheritable << (32 * i);
	}
	eff &= CAPS_ALL;
	prm &= CAPS_ALL;
	inh &= CAPS_ALL;
	if ((!creds_capable(c, CAP_SETPCAP) && !is_subset(inh, c->cap_inheritable | c->cap_permitted)) ||
	    !is_subset(inh, c->cap_inheritable | c->cap_bounding) || !is_subset(prm, c->cap_permitted) ||
	    !is_subset(eff, prm))
		return -EPERM;
	c->cap_effective = eff;
	c->cap_permitted = prm;
	c->cap_inheritable = inh;
	c->cap_ambient &= prm & inh;
	return 0;
}

/* Every securebit this kernel knows, and their locks (Linux 6.14 added the two exec bits,
   8 and 10, which Debian 12's headers lack). */
#define SECUREBITS_ALL 0x555u
#define SECUREBITS_LOCKS (SECUREBITS_ALL << 1)

static long prctl_ambient(struct creds *c, unsigned long op, unsigned long cap, unsigned long a4,
			  unsigned long a5)
{
	if (op == PR_CAP_AMBIENT_CLEAR_ALL) {
		if (cap | a4 | a5)
			return -EINVAL;
		c->cap_ambient = 0;
		return 0;
	}
	if (cap > CAPS_LAST || a4 || a5)
		return -EINVAL;
	uint64_t bit = UINT64_C(1) << cap;
	switch (op) {
	case PR_CAP_AMBIENT_IS_SET:
		return (c->cap_ambient & bit) != 0;
	case PR_CAP_AMBIENT_RAISE:
		if (!(c->cap_permitted & bit) || !(c->cap_inheritable & bit) ||
		    (c->securebits & SECBIT_NO_CAP_AMBIENT_RAISE))
			return -EPERM;
		c->cap_ambient |= bit;
		return 0;
	case PR_CAP_AMBIENT_LOWER:
		c->cap_ambient &= ~bit;
		return 0;
	default:
		return -EINVAL;
	}
}

long prctl_capabilities(struct task *t, struct syscall_event *ev)
{
	struct creds *c = task_creds(t);
	unsigned long arg = ev->args[1];

	switch (ev->args[0]) {
	case PR_CAPBSET_READ:
		return arg > CAPS_LAST ? -EINVAL : (long)((c->cap_bounding >> arg) & 1);
	case PR_CAPBSET_DROP:
		if (!creds_capable(c, CAP_SETPCAP))
			return -EPERM;
		if (arg > CAPS_LAST)
			return -EINVAL;
		c->cap_bounding &= ~(UINT64_C(1) << arg);
		return 0;
	case PR_CAP_AMBIENT:
		return prctl_ambient(c, arg, ev->args[2], ev->args[3], ev->args[4]);
	case PR_GET_KEEPCAPS:
		return (c->securebits & SECBIT_KEEP_CAPS) != 0;
	case PR_SET_KEEPCAPS:
		if (arg > 1)
			return -EINVAL;
		if (c->securebits & SECBIT_KEEP_CAPS_LOCKED)
			return -EPERM;
		c->securebits = arg ? c->securebits | SECBIT_KEEP_CAPS : c->securebits & ~SECBIT_KEEP_CAPS;
		return 0;
	case PR_GET_SECUREBITS:
		return c->securebits;
	case PR_SET_SECUREBITS:
		/* A locked bit cannot change, a lock cannot be released, no unknown bit. */
		if ((((c->securebits & SECUREBITS_LOCKS) >> 1) & (c->securebits ^ arg)) ||
		    (c->securebits & SECUREBITS_LOCKS & ~arg) || (arg & ~(SECUREBITS_ALL | SECUREBITS_LOCKS)) ||
		    !creds_capable(c, CAP_SETPCAP))
			return -EPERM;
		c->securebits = (unsigned)arg;
		return 0;
	default:
		return -EINVAL;
	}
}
