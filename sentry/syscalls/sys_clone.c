/* Creating processes and threads. The host makes them (clone runs natively, stopped in the
   tracer so the sentry can adopt the new thread before it runs); the sentry decides the
   flags, numbers the thread and keeps the process tree.

   Every new process is made with CLONE_PARENT, so its host parent is the sentry, which reaps
   it and emulates the guest's parent/child relationship (wait, SIGCHLD). */
#define _GNU_SOURCE
#include "sentry/syscalls/syscalls.h"
#include "sentry/kernel.h"
#include "sentry/task/task.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

#define CLONE_NAMESPACES                                                                       \
	(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | \
	 CLONE_NEWCGROUP | CLONE_NEWTIME)

static long do_clone(struct task *t, struct syscall_event *ev, uint64_t flags, uint64_t stack,
		     uint64_t ptid, uint64_t ctid, uint64_t tls)
{
	if (!ev->via_tracer)
		return -ENOSYS;
	/* The sandbox is one set of namespaces; nested ones are not offered. */
	if (flags & CLONE_NAMESPACES)
		return -EPERM;
	/* A pidfd would be a host object naming a host pid. */
	if (flags & CLONE_PIDFD)
		return -EINVAL;
	if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND))
		return -EINVAL;
	if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM))
		return -EINVAL;
	if (task_pids_exhausted())
		return -EAGAIN;

	t->clone = (struct clone_pending){
		.active = true,
		.counted = true,
		.flags = flags,
		.parent_tid_addr = ptid,
		.child_tid_addr = ctid,
	};
	kernel.clones_pending++;
	/* The new thread must be traced (no CLONE_UNTRACED) and, if a process, the sentry's
	   host child. */
	uint64_t host_flags = flags & ~(uint64_t)(CLONE_UNTRACED | CLONE_PTRACE);
	/* The child's tid word gets the virtual tid from the sentry when it adopts the child;
	   the host would write the host tid when the child first runs, which may be later. */
	host_flags &= ~(uint64_t)CLONE_CHILD_SETTID;
	if (!(flags & CLONE_THREAD))
		host_flags |= CLONE_PARENT;
	ev->rewrite_nr = SYS_clone;
	ev->args[0] = host_flags;
	ev->args[1] = stack;
	ev->args[2] = ptid;
	ev->args[3] = ctid;
	ev->args[4] = tls;
	ev->rewrite_trace_exit = true;
	return SYSCALL_REWRITE;
}

SYSCALL(clone)
{
	return do_clone(t, ev, ev->args[0], ev->args[1], ev->args[2], ev->args[3], ev->args[4]);
}

SYSCALL(fork)
{
	return do_clone(t, ev, SIGCHLD, 0, 0, 0, 0);
}

SYSCALL(vfork)
{
	return do_clone(t, ev, CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0);
}

/* clone3 takes its arguments in guest memory, which another thread could change after the
   sentry read it: glibc falls back to clone on ENOSYS. */
SYSCALL(clone3)
{
	(void)t, (void)ev;
	return -ENOSYS;
}
