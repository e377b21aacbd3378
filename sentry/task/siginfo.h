/* The siginfo a guest receives names guest processes only.

   Signals the sentry sends (a guest's kill or tgkill, SIGCHLD, SIGPIPE, the parent-death
   signal) go out with rt_(tg)sigqueueinfo carrying the siginfo Linux would give, in virtual
   ids, as SI_QUEUE (the only kind one process may send another with data): every reader
   (handler, sigwaitinfo, signalfd) sees the virtual si_pid and si_uid. The code Linux would
   give (SI_USER, SI_TKILL, CLD_*) is kept in a record of the receiving process, matched by
   content and put back where the sentry sees the siginfo: the tracer's signal-delivery stop
   and rt_sigtimedwait's and signalfd reads' results (a read of one record's size goes
   through the tracer). Signals the host kernel fills in itself (SIGPIPE of a native
   write, a kill from outside the sandbox) name a host pid: a guest's becomes its virtual pid,
   any other 0, as Linux shows a sender in an ancestor pid namespace. */
#ifndef RUNSCC_SENTRY_SIGINFO_H
#define RUNSCC_SENTRY_SIGINFO_H

#include <signal.h>
#include <stdbool.h>

struct task;
struct thread_group;

/* A signal's siginfo as kill (SI_USER) or tkill (SI_TKILL) from sender gives it; sender NULL:
   from outside the sandbox (si_pid 0). */
void siginfo_user(siginfo_t *si, int sig, int code, const struct thread_group *sender);
/* SIGCHLD (or the exit signal sig) telling child's parent about it: CLD_EXITED, CLD_KILLED
   or CLD_DUMPED from its wait status, else CLD_STOPPED or CLD_CONTINUED. */
void siginfo_child(siginfo_t *si, int sig, const struct thread_group *child);

/* Sends si to tg (or one thread of it) through the host (kernel lock held). */
int signal_send(struct thread_group *tg, struct task *thread, const siginfo_t *si);

/* Does a signal sent to tg do nothing: signal 0 (a check), a zombie, or a signal the
   sandbox's pid 1 does not handle (like a pid namespace's init, it only gets those)? */
bool signal_dropped(struct thread_group *tg, int sig);

/* Turns a siginfo the host has for receiver into the guest's (kernel lock held); true if
   it changed. */
bool siginfo_to_guest(struct task *receiver, siginfo_t *si);

/* The same for one record read from a signalfd. */
struct signalfd_siginfo;
bool signalfd_info_to_guest(struct task *receiver, struct signalfd_siginfo *ssi);

/* A host pid as the guest sees it: a guest process's virtual pid, else 0. */
pid_t host_pid_to_guest(pid_t host_pid);

/* Drops what the sentry remembers of signals sent to tg (it is freed). */
void signal_records_free(struct thread_group *tg);

#endif
