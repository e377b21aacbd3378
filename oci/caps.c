#define _GNU_SOURCE
#include "oci/caps.h"
#include "oci/log.h"
#include "oci/spec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>

static const int docker_default[] = {
	CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FSETID, CAP_FOWNER, CAP_MKNOD, CAP_NET_RAW, CAP_SETGID,
	CAP_SETUID, CAP_SETFCAP, CAP_SETPCAP, CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT, CAP_KILL,
	CAP_AUDIT_WRITE,
};

uint64_t oci_caps_docker_default(void)
{
	uint64_t set = 0;
	for (size_t i = 0; i < sizeof(docker_default) / sizeof(docker_default[0]); i++)
		set |= UINT64_C(1) << docker_default[i];
	return set;
}

uint64_t oci_caps_all(void)
{
	return (UINT64_C(1) << (CAP_LAST_CAP + 1)) - 1;
}

int oci_caps_change_parse(struct oci_caps_change *ch, const char *list, bool add)
{
	char *copy = strdup(list), *save = NULL;
	int r = 0;
	if (!copy)
		return -ENOMEM;
	for (char *name = strtok_r(copy, ",", &save); name && r == 0; name = strtok_r(NULL, ",", &save)) {
		if (!strcasecmp(name, "ALL")) {
			*(add ? &ch->add_all : &ch->drop_all) = true;
			continue;
		}
		int cap = oci_cap_from_name(name);
		if (cap < 0)
			r = oci_error(-EINVAL, "unknown capability %s", name);
		else
			*(add ? &ch->add : &ch->drop) |= UINT64_C(1) << cap;
	}
	free(copy);
	return r;
}

uint64_t oci_caps_apply_change(uint64_t base, const struct oci_caps_change *ch)
{
	if (ch->add_all)
		return oci_caps_all() & ~ch->drop;
	if (ch->drop_all)
		return ch->add;
	return (base & ~ch->drop) | ch->add;
}

void oci_caps_set_process(struct sandbox_process *p, uint64_t caps)
{
	p->cap_bounding = p->cap_effective = p->cap_permitted = caps;
	p->cap_inheritable = p->cap_ambient = 0;
}

int oci_caps_exec_add(struct sandbox_process *p, const char *name)
{
	int cap = oci_cap_from_name(name);
	if (cap < 0)
		return oci_error(-EINVAL, "exec: unknown capability %s", name);
	uint64_t bit = UINT64_C(1) << cap;
	p->cap_bounding |= bit;
	p->cap_effective |= bit;
	p->cap_permitted |= bit;
	if (p->cap_inheritable)
		p->cap_ambient |= bit;
	return 0;
}
