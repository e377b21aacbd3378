/* A rewritten syscall whose arguments the host reads from memory (timer_create's sigevent)
   must read the sentry's copy, and a copy anywhere the guest can write (below its stack
   pointer, say) can be changed by another thread, or another process sharing the page,
   between the sentry's check and the host's read. So each guest process gets a page the
   guest cannot write: an anonymous private mapping made PROT_READ by a syscall the sentry
   injects (the first call that needs it is rewritten into the mmap, then runs again), which
   the tracer writes with PTRACE_POKEDATA (it writes through the page protection), and which
   no mprotect, munmap, mremap, madvise or MAP_FIXED mmap of the guest may touch (sys_mm.c).
   A fork's child has it at the same address; an exec drops it. Slots keep concurrent calls
   of several threads apart. */
#define _GNU_SOURCE
#include "sentry/mm/sentry_page.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/task/task.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>

/* Where the page goes if that is free: far from where the host puts the guest's own
   mappings (top down below the stack) and its program and heap (low), so that a hole the
   guest left in its address space stays a hole. */
#define SENTRY_PAGE_HINT UINT64_C(0x200000000000)

bool sentry_page_overlaps(struct task *t, uint64_t addr, uint64_t len)
{
	uint64_t page = t->tg->sentry_page;
	if (!page)
		return false;
	uint64_t end = addr + len < addr ? UINT64_MAX : addr + len;
	return addr < page + SENTRY_PAGE_SIZE && end > page;
}

long sentry_page_made(struct task *t, long host_result)
{
	if (host_result < 0)
		return host_result;
	t->tg->sentry_page = (uint64_t)host_result;
	t->tg->sentry_page_slots = 0;
	return SYSCALL_RESTART;
}

long sentry_page_release(struct task *t, long host_result)
{
	t->tg->sentry_page_slots &= ~(UINT64_C(1) << t->sentry_page_slot);
	return host_result;
}

long sentry_page_put(struct task *t, struct syscall_event *ev, const void *data, size_t len,
		     uint64_t *addr)
{
	struct thread_group *tg = t->tg;
	if (!ev->via_tracer || len > SENTRY_PAGE_SLOT)
		return -EINVAL;
	if (!tg->sentry_page) {
		ev->rewrite_nr = SYS_mmap;
		uint64_t args[6] = { SENTRY_PAGE_HINT, SENTRY_PAGE_SIZE, PROT_READ,
				     MAP_PRIVATE | MAP_ANONYMOUS, (uint64_t)-1, 0 };
		memcpy(ev->args, args, sizeof(args));
		ev->rewrite_trace_exit = true;
		t->syscall_exit = sentry_page_made;
		return SYSCALL_REWRITE;
	}
	if (tg->sentry_page_slots == UINT64_MAX)
		return -EAGAIN;
	int slot = __builtin_ctzll(~tg->sentry_page_slots);
	uint64_t where = tg->sentry_page + (uint64_t)slot * SENTRY_PAGE_SLOT;
	uint64_t words[SENTRY_PAGE_SLOT / 8] = { 0 };
	memcpy(words, data, len);
	for (size_t i = 0; i < (len + 7) / 8; i++)
		if (ptrace(PTRACE_POKEDATA, ev->host_tid, where + i * 8, words[i]) < 0)
			return -EFAULT;
	tg->sentry_page_slots |= UINT64_C(1) << slot;
	t->sentry_page_slot = slot;
	ev->rewrite_trace_exit = true;
	t->syscall_exit = sentry_page_release;
	*addr = where;
	return 0;
}
