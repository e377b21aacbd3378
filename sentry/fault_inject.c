/* Fault injection for tests (cmake -DRUNSCC_FAULT_INJECTION=ON only): with
   RUNSCC_DEBUG_MALLOC_FAIL=N in its environment, the confined sentry's malloc, calloc and
   realloc fail (NULL, ENOMEM) about once in N calls from init's first exec on, so that a
   fuzzer run reaches the allocation failure paths of the handlers. The linker sends the sentry's calls here
   (--wrap); allocations inside libraries are not affected. */
#ifdef RUNSCC_FAULT_INJECTION
#define _GNU_SOURCE
#include "sentry/kernel.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);

static _Atomic uint32_t fail_one_in;
static _Thread_local uint64_t state;

void sentry_fault_injection_start(void)
{
	const char *v = getenv("RUNSCC_DEBUG_MALLOC_FAIL");
	if (v && atol(v) > 0)
		fail_one_in = (uint32_t)atol(v);
}

static bool fail_now(void)
{
	uint32_t n = fail_one_in;
	if (!n)
		return false;
	if (!state)
		state = (uint64_t)(uintptr_t)&state | 1;
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	if (state % n)
		return false;
	errno = ENOMEM;
	return true;
}

void *__wrap_malloc(size_t size)
{
	return fail_now() ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return fail_now() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
	return size && fail_now() ? NULL : __real_realloc(p, size);
}
#endif
