/* Capability sets of guest processes, with Linux's transitions (security/commoncap.c): the
   sentry's checks ask for capabilities, never for uid 0. File capabilities (the
   security.capability xattr) and set-id bits are not honoured at exec. */
#define _GNU_SOURCE
#include "sentry/task/task.h"

#include <linux/capability.h>
#include <linux/securebits.h>

/* CAP_FS_SET: what a change of fsuid away from (or back to) 0 takes from (or gives back
   to) the effective set. */
#define CAPS_FS_MASK                                                                               \
	((UINT64_C(1) << CAP_CHOWN) | (UINT64_C(1) << CAP_MKNOD) | (UINT64_C(1) << CAP_DAC_OVERRIDE) | \
	 (UINT64_C(1) << CAP_DAC_READ_SEARCH) | (UINT64_C(1) << CAP_FOWNER) |                      \
	 (UINT64_C(1) << CAP_FSETID) | (UINT64_C(1) << CAP_MAC_OVERRIDE) |                         \
	 (UINT64_C(1) << CAP_LINUX_IMMUTABLE))

bool creds_capable(const struct creds *c, int cap)
{
	return cap >= 0 && cap <= CAPS_LAST && (c->cap_effective >> cap) & 1;
}

bool task_capable(struct task *t, int cap)
{
	return creds_capable(task_creds(t), cap);
}

static bool any_root(uid_t r, uid_t e, uid_t s)
{
	return r == 0 || e == 0 || s == 0;
}

void creds_fix_setuid(struct creds *c, const struct creds *old, bool fs_only)
{
	if (c->securebits & SECBIT_NO_SETUID_FIXUP)
		return;
	if (fs_only) {
		if (old->fsuid == 0 && c->fsuid != 0)
			c->cap_effective &= ~CAPS_FS_MASK;
		if (old->fsuid != 0 && c->fsuid == 0)
			c->cap_effective |= c->cap_permitted & CAPS_FS_MASK;
		return;
	}
	if (any_root(old->ruid, old->euid, old->suid) && !any_root(c->ruid, c->euid, c->suid)) {
		if (!(c->securebits & SECBIT_KEEP_CAPS))
			c->cap_permitted = c->cap_effective = 0;
		/* Programs from before ambient capabilities expect setuid to non-root then exec to
		   drop everything. */
		c->cap_ambient = 0;
	}
	if (old->euid == 0 && c->euid != 0)
		c->cap_effective = 0;
	if (old->euid != 0 && c->euid == 0)
		c->cap_effective = c->cap_permitted;
}

void creds_exec(struct creds *c)
{
	bool raise_effective = false;

	/* A file without capabilities: fP = fI = 0, except for root, whose files count as
	   fully capable (fP = fI = all, fE set when the effective uid is 0). */
	c->cap_permitted = 0;
	if (!(c->securebits & SECBIT_NOROOT)) {
		if (c->euid == 0 || c->ruid == 0)
			c->cap_permitted = c->cap_bounding | c->cap_inheritable;
		raise_effective = c->euid == 0;
	}
	c->suid = c->fsuid = c->euid;
	c->sgid = c->fsgid = c->egid;
	c->cap_permitted |= c->cap_ambient;
	c->cap_effective = raise_effective ? c->cap_permitted : c->cap_ambient;
	c->securebits &= ~(unsigned)SECBIT_KEEP_CAPS;
}

bool ptrace_may_access(struct task *t, struct thread_group *target)
{
	const struct creds *me = task_creds(t), *c = &target->creds;
	if (t->tg == target)
		return true;
	bool capable = creds_capable(me, CAP_SYS_PTRACE);
	bool same = me->ruid == c->euid && me->ruid == c->suid && me->ruid == c->ruid &&
		    me->rgid == c->egid && me->rgid == c->sgid && me->rgid == c->rgid;
	return capable || (same && !target->nondumpable);
}
