/* The sentry's control server (OCI create): requests on a listening unix SOCK_SEQPACKET
   socket, one JSON object per message, answered on the same connection.

   Request {"op": OP, ...}; reply {"error": 0 or an errno, ...}:
     "start"                               init execs its program (once)
     "kill"   "signal": N, "all": bool     to init (as to a pid namespace's init from outside:
                                           SIGKILL and SIGSTOP always, others if it handles
                                           them) or to every guest process;
              with "pid": P (a guest pid, from "exec"), to that process only
     "ps"                                  reply "pids": [host pids of the guest processes]
     "pause", "resume"                     SIGSTOP / SIGCONT to every guest process
     "exec"   "process": {guest_process JSON, sentry/guest_process.h}, with three fds or
              more (SCM_RIGHTS: its 0, 1, 2, then its 3, 4, ... (exec --preserve-fds); no
              directories); reply "pid": its guest pid;
              the connection stays open and later carries {"exit_code": N} (128+signal
              if killed). */
#ifndef RUNSCC_SENTRY_CONTROL_H
#define RUNSCC_SENTRY_CONTROL_H

/* The largest message either side accepts. */
#define CONTROL_MSG_MAX (1 << 20)
/* fds in one message: an exec's stdio and the fds it preserves (exec --preserve-fds). */
#define CONTROL_MAX_FDS 64

/* Serves listen_fd on threads of its own; start_fd (-1: none) is the write end of the pipe
   the first process waits on for "start". */
int control_server_start(int listen_fd, int start_fd);

#endif
