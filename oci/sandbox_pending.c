/* TEMPORARY, until branch oci-sentry (which implements sandbox/sandbox.h's sandbox_create and
   sandbox/control.h) is merged: the CLI links, and every call fails with ENOSYS. Delete this
   file at that merge: the duplicate definitions make the link fail until it is gone. */
#include <errno.h>

#include "sandbox/control.h"
#include "sandbox/sandbox.h"

int sandbox_create(const struct sandbox_spec *spec, pid_t *sentry_pid)
{
	(void)spec;
	(void)sentry_pid;
	return -ENOSYS;
}

int sandbox_control_start(const char *sock_path)
{
	(void)sock_path;
	return -ENOSYS;
}

int sandbox_control_kill(const char *sock_path, int sig, bool all)
{
	(void)sock_path;
	(void)sig;
	(void)all;
	return -ENOSYS;
}

int sandbox_control_exec(const char *sock_path, const struct sandbox_process *p, int *conn,
			 pid_t *guest_pid)
{
	(void)sock_path;
	(void)p;
	(void)conn;
	(void)guest_pid;
	return -ENOSYS;
}

int sandbox_control_wait(int conn, int *exit_code)
{
	(void)conn;
	(void)exit_code;
	return -ENOSYS;
}

int sandbox_control_ps(const char *sock_path, pid_t **pids, size_t *n)
{
	(void)sock_path;
	(void)pids;
	(void)n;
	return -ENOSYS;
}

int sandbox_control_pause(const char *sock_path)
{
	(void)sock_path;
	return -ENOSYS;
}

int sandbox_control_resume(const char *sock_path)
{
	(void)sock_path;
	return -ENOSYS;
}
