#include "sentry/syscalls/syscalls.h"

SYSCALL(native)
{
	(void)t, (void)ev;
	return SYSCALL_CONTINUE;
}
