/* uthash, as the project includes it. uthash ends the process when a table cannot grow
   (uthash_fatal); under allocation fault injection (sentry/fault_inject.c) its tables are
   therefore allocated with the real malloc, so that the injected failures reach the callers
   that can answer ENOMEM rather than ending the sentry. */
#ifndef RUNSCC_COMMON_HASH_H
#define RUNSCC_COMMON_HASH_H

#ifdef RUNSCC_FAULT_INJECTION
#include <stddef.h>
void *__real_malloc(size_t size);
#define uthash_malloc(size) __real_malloc(size)
#endif
#include <uthash.h>

#endif
