/* The device rules as a cgroup v2 BPF program. The rules are first reduced as cgroup v1's
   devices controller reduces what is written to devices.allow and devices.deny (a default,
   allow or deny, and exceptions to it with their access), then each exception becomes a
   block of instructions checked in turn, and the default ends the program: the same
   decisions as v1's controller (an exception to "deny" must allow all the access asked for;
   an exception to "allow" denies any of its access), which runc's rules were written for. */
#define _GNU_SOURCE
#include "oci/device_filter.h"
#include "common/cleanup.h"
#include "common/util.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>

/* One exception to the default: type 'c' or 'b', -1 for any number. */
struct exception {
	char type;
	int64_t major, minor;
	unsigned access;	/* BPF_DEVCG_ACC_* bits */
};

struct device_policy {
	bool allow;		/* the default */
	struct exception ex[256];
	size_t n;
};

static unsigned access_bits(const char *access)
{
	unsigned bits = 0;
	for (const char *c = access; *c; c++)
		bits |= *c == 'r' ? BPF_DEVCG_ACC_READ : *c == 'w' ? BPF_DEVCG_ACC_WRITE : BPF_DEVCG_ACC_MKNOD;
	return bits;
}

static struct exception *exception_find(struct device_policy *p, const struct exception *e)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->ex[i].type == e->type && p->ex[i].major == e->major && p->ex[i].minor == e->minor)
			return &p->ex[i];
	return NULL;
}

/* devices.allow or devices.deny of one rule, as Linux's devcgroup_update_access. */
static int policy_apply(struct device_policy *p, const struct oci_device_rule *r)
{
	/* "a" is every device whatever its numbers say (as Linux reads "a 1:3 r"). */
	if (r->type == 'a') {
		p->allow = r->allow;
		p->n = 0;
		return 0;
	}
	struct exception e = { r->type, r->major, r->minor, access_bits(r->access) };
	struct exception *have = exception_find(p, &e);
	if (r->allow != p->allow) {
		if (have) {
			have->access |= e.access;
		} else {
			if (p->n == ARRAY_SIZE(p->ex))
				return -E2BIG;
			p->ex[p->n++] = e;
		}
	} else if (have) {
		have->access &= ~e.access;
		if (!have->access)
			*have = p->ex[--p->n];
	}
	return 0;
}

/* The context's fields (struct bpf_cgroup_dev_ctx) in registers: r2 the device type, r3
   the access asked for, r4 the major, r5 the minor; r6 a scratch register. */
static const struct bpf_insn prologue[] = {
	{ .code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = BPF_REG_2, .src_reg = BPF_REG_1, .off = 0 },
	{ .code = BPF_ALU | BPF_MOV | BPF_X, .dst_reg = BPF_REG_3, .src_reg = BPF_REG_2 },
	{ .code = BPF_ALU | BPF_AND | BPF_K, .dst_reg = BPF_REG_2, .imm = 0xffff },
	{ .code = BPF_ALU | BPF_RSH | BPF_K, .dst_reg = BPF_REG_3, .imm = 16 },
	{ .code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = BPF_REG_4, .src_reg = BPF_REG_1, .off = 4 },
	{ .code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = BPF_REG_5, .src_reg = BPF_REG_1, .off = 8 },
};

static struct bpf_insn jne(int reg, int32_t imm)
{
	return (struct bpf_insn){ .code = BPF_JMP | BPF_JNE | BPF_K, .dst_reg = reg, .imm = imm };
}

/* r0 = value; exit (two instructions). */
static size_t ret(int32_t value, struct bpf_insn *out)
{
	out[0] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = value };
	out[1] = (struct bpf_insn){ .code = BPF_JMP | BPF_EXIT };
	return 2;
}

/* One exception's block: its checks jump past the block when the device or the access
   does not match; a match ends the program with the exception's decision. */
static size_t exception_block(const struct exception *e, bool default_allow, struct bpf_insn *out)
{
	size_t n = 0;
	out[n++] = jne(BPF_REG_2, e->type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK);
	if (e->major >= 0)
		out[n++] = jne(BPF_REG_4, (int32_t)e->major);
	if (e->minor >= 0)
		out[n++] = jne(BPF_REG_5, (int32_t)e->minor);
	out[n++] = (struct bpf_insn){ .code = BPF_ALU | BPF_MOV | BPF_X, .dst_reg = BPF_REG_6, .src_reg = BPF_REG_3 };
	if (default_allow) {
		/* Denied if any of the access asked for is the exception's. */
		out[n++] = (struct bpf_insn){ .code = BPF_ALU | BPF_AND | BPF_K, .dst_reg = BPF_REG_6,
					      .imm = (int32_t)e->access };
		out[n++] = (struct bpf_insn){ .code = BPF_JMP | BPF_JEQ | BPF_K, .dst_reg = BPF_REG_6 };
	} else {
		/* Allowed if all of it is. */
		out[n++] = (struct bpf_insn){ .code = BPF_ALU | BPF_AND | BPF_K, .dst_reg = BPF_REG_6,
					      .imm = (int32_t)(~e->access & 7) };
		out[n++] = jne(BPF_REG_6, 0);
	}
	n += ret(!default_allow, out + n);
	for (size_t i = 0; i < n; i++)
		if (BPF_CLASS(out[i].code) == BPF_JMP && BPF_OP(out[i].code) != BPF_EXIT)
			out[i].off = (int16_t)(n - i - 1);
	return n;
}

int oci_device_filter_attach(int cgroup_fd, const struct oci_device_rule *rules, size_t n)
{
	/* Nothing written to a new v1 cgroup allows every device. */
	_cleanup_free_ struct device_policy *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->allow = true;
	for (size_t i = 0; i < n; i++) {
		int r = policy_apply(p, &rules[i]);
		if (r < 0)
			return r;
	}
	/* Each block is at most 9 instructions. */
	size_t max = ARRAY_SIZE(prologue) + p->n * 9 + 2, len = ARRAY_SIZE(prologue);
	_cleanup_free_ struct bpf_insn *prog = calloc(max, sizeof(*prog));
	if (!prog)
		return -ENOMEM;
	memcpy(prog, prologue, sizeof(prologue));
	for (size_t i = 0; i < p->n; i++)
		len += exception_block(&p->ex[i], p->allow, prog + len);
	len += ret(p->allow, prog + len);

	int fd = bpf_prog_load(BPF_PROG_TYPE_CGROUP_DEVICE, "runscc_devices", "MIT", prog, len, NULL);
	if (fd < 0)
		return fd;
	int r = bpf_prog_attach(fd, cgroup_fd, BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI);
	close(fd);
	return r < 0 ? r : 0;
}
