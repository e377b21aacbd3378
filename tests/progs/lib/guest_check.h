/* Helpers shared by the guest check programs (proc_lifecycle and the tests/progs/ programs
   named ...check): each prints one line per check, and the test compares the lines of a
   native run with those of a sandboxed one. */
#ifndef RUNSCC_GUEST_CHECK_H
#define RUNSCC_GUEST_CHECK_H

#include <stdbool.h>
#include <sys/types.h>

/* One line on stdout, written with a single write(2) so that lines from several processes
   do not interleave. */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The errno name ("ENOENT"), "E?" for an unknown number. */
const char *en(int e);
/* "ok", or the errno name of a call that returned -1. */
const char *res(long r);
/* The count a call returned, or the errno name if it returned -1 (a say_buffer). */
const char *nres(long n);
const char *yesno(int b);
/* The signal's abbreviation ("INT"), "?" for an unknown number. */
const char *sname(int sig);
/* Sleeps ms milliseconds, through signal handlers. */
void msleep(int ms);
/* fork(), or the program exits 1 after saying why. */
pid_t xfork(void);
/* The wait status of pid (any kind of child), retried through EINTR; -1 on error. */
int wait_status(pid_t pid);
/* One of four static buffers of SAY_BUFFER_SIZE bytes, in turn: for a function that formats
   a value for say(), used up to four times in one call. */
#define SAY_BUFFER_SIZE 128
char *say_buffer(void);
/* An int through a pipe: a short write exits 98, a short read gives -12345. */
void write_int(int fd, int v);
int read_int(int fd);

#endif
