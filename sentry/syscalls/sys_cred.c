/* Credentials inside the sandbox. They are the sentry's alone: on the host every guest
   process stays the unprivileged guest identity whatever it becomes here. "Privileged" is
   euid 0 (the sandbox's root holds every capability; others none). */
#define _GNU_SOURCE
#include "sentry/syscalls/syscalls.h"
#include "sentry/kernel.h"
#include "sentry/task/task.h"
#include "sentry/mm/guest_mem.h"

#include <errno.h>
#include <string.h>
#include <linux/capability.h>

#define ID_UNCHANGED ((uint32_t)-1)

static bool is_one_of(uint32_t id, uint32_t a, uint32_t b, uint32_t c)
{
	return id == a || id == b || id == c;
}

/* setresuid/setresgid and the forms built on them: each new id, unless unchanged, must be
   one of the current three when unprivileged. */
static long set_res(struct task *t, uint32_t *r, uint32_t *e, uint32_t *s, uint32_t *fs,
		    uint32_t nr, uint32_t ne, uint32_t ns)
{
	if (!creds_privileged(task_creds(t))) {
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
	struct creds *c = task_creds(t);
	return set_res(t, &c->ruid, &c->euid, &c->suid, &c->fsuid, (uint32_t)ev->args[0],
		       (uint32_t)ev->args[1], (uint32_t)ev->args[2]);
}

SYSCALL(setresgid)
{
	struct creds *c = task_creds(t);
	return set_res(t, &c->rgid, &c->egid, &c->sgid, &c->fsgid, (uint32_t)ev->args[0],
		       (uint32_t)ev->args[1], (uint32_t)ev->args[2]);
}

/* setreuid: the saved id follows the new effective one when the real id is set or the
   effective one moves away from the old real id. */
static long set_re(struct task *t, uint32_t *r, uint32_t *e, uint32_t *s, uint32_t *fs,
		   uint32_t nr, uint32_t ne)
{
	uint32_t old_r = *r;
	if (!creds_privileged(task_creds(t))) {
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
	struct creds *c = task_creds(t);
	return set_re(t, &c->ruid, &c->euid, &c->suid, &c->fsuid, (uint32_t)ev->args[0],
		      (uint32_t)ev->args[1]);
}

SYSCALL(setregid)
{
	struct creds *c = task_creds(t);
	return set_re(t, &c->rgid, &c->egid, &c->sgid, &c->fsgid, (uint32_t)ev->args[0],
		      (uint32_t)ev->args[1]);
}

/* setuid: privileged sets all three; otherwise only the effective one, to real or saved. */
static long set_one(struct task *t, uint32_t *r, uint32_t *e, uint32_t *s, uint32_t *fs, uint32_t id)
{
	if (id == ID_UNCHANGED)
		return -EINVAL;
	if (creds_privileged(task_creds(t))) {
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
	struct creds *c = task_creds(t);
	return set_one(t, &c->ruid, &c->euid, &c->suid, &c->fsuid, (uint32_t)ev->args[0]);
}

SYSCALL(setgid)
{
	struct creds *c = task_creds(t);
	return set_one(t, &c->rgid, &c->egid, &c->sgid, &c->fsgid, (uint32_t)ev->args[0]);
}

/* setfsuid never fails: it returns the old value, and changes it only when allowed. */
static long set_fs(struct task *t, uint32_t r, uint32_t e, uint32_t s, uint32_t *fs, uint32_t id)
{
	uint32_t old = *fs;
	if (id != ID_UNCHANGED &&
	    (creds_privileged(task_creds(t)) || is_one_of(id, r, e, s) || id == *fs))
		*fs = id;
	return old;
}

SYSCALL(setfsuid)
{
	struct creds *c = task_creds(t);
	return set_fs(t, c->ruid, c->euid, c->suid, &c->fsuid, (uint32_t)ev->args[0]);
}

SYSCALL(setfsgid)
{
	struct creds *c = task_creds(t);
	return set_fs(t, c->rgid, c->egid, c->sgid, &c->fsgid, (uint32_t)ev->args[0]);
}

SYSCALL(setgroups)
{
	struct creds *c = task_creds(t);
	int64_t n = (int)ev->args[0];
	gid_t groups[TASK_NGROUPS_MAX];

	if (!creds_privileged(c))
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

/* Capabilities follow euid: everything for root, nothing for others. */
static uint64_t cap_set_of(struct task *t)
{
	return creds_privileged(task_creds(t)) ? (UINT64_C(1) << (CAP_LAST_CAP + 1)) - 1 : 0;
}

SYSCALL(capget)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[2];
	long r = guest_read(t, ev->args[0], &hdr, sizeof(hdr));
	if (r < 0)
		return r;
	if (hdr.version != _LINUX_CAPABILITY_VERSION_3 && hdr.version != _LINUX_CAPABILITY_VERSION_2) {
		hdr.version = _LINUX_CAPABILITY_VERSION_3;
		guest_write(t, ev->args[0], &hdr, sizeof(hdr));
		return ev->args[1] ? -EINVAL : 0;
	}
	if (hdr.pid < 0 || (hdr.pid && !task_by_tid(hdr.pid)))
		return -ESRCH;
	if (!ev->args[1])
		return 0;
	struct task *target = hdr.pid ? task_by_tid(hdr.pid) : t;
	uint64_t caps = cap_set_of(target);
	for (int i = 0; i < 2; i++) {
		uint32_t word = (uint32_t)(caps >> (32 * i));
		data[i] = (struct __user_cap_data_struct){ word, word, 0 };
	}
	return guest_write(t, ev->args[1], data, sizeof(data));
}

SYSCALL(capset)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[2];
	long r = guest_read(t, ev->args[0], &hdr, sizeof(hdr));
	if (r < 0)
		return r;
	if (hdr.version != _LINUX_CAPABILITY_VERSION_3 && hdr.version != _LINUX_CAPABILITY_VERSION_2)
		return -EINVAL;
	if (hdr.pid != 0 && hdr.pid != t->tid)
		return -EPERM;
	r = guest_read(t, ev->args[1], data, sizeof(data));
	if (r < 0)
		return r;
	/* Dropping is accepted and not remembered (capabilities follow euid); raising what the
	   caller does not hold is refused. */
	uint64_t want = 0, held = cap_set_of(t);
	for (int i = 0; i < 2; i++)
		want |= ((uint64_t)(data[i].permitted | data[i].effective)) << (32 * i);
	return (want & ~held) ? -EPERM : 0;
}
