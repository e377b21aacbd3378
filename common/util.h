/* Small I/O helpers shared by the CLI, the sentry and the gofer. All return -errno. */
#ifndef RUNSCC_COMMON_UTIL_H
#define RUNSCC_COMMON_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

ssize_t read_full(int fd, void *buf, size_t len);
int write_full(int fd, const void *buf, size_t len);

/* One datagram (SOCK_SEQPACKET) carrying buf and up to nfds fds via SCM_RIGHTS. */
ssize_t sock_send_fds(int sock, const void *buf, size_t len, const int *fds, int nfds);
/* Receives one datagram; *nfds in: capacity of fds, out: how many arrived (O_CLOEXEC). */
ssize_t sock_recv_fds(int sock, void *buf, size_t len, int *fds, int *nfds);

/* Parses a decimal int in [min,max]; -EINVAL otherwise. */
int parse_int(const char *s, long min, long max, long *out);

/* Marks every fd >= from close-on-exec, except those listed in keep. */
int cloexec_fds_from(int from, const int *keep, int nkeep);

/* The exit code a shell reports for a wait status: the exit status, or 128 + the signal. */
int wait_status_exit_code(int status);

#endif
