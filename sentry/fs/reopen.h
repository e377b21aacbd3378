/* New open file descriptions of a file the sentry holds, with an access mode of their own
   (see reopen.c). */
#ifndef RUNSCC_SENTRY_FS_REOPEN_H
#define RUNSCC_SENTRY_FS_REOPEN_H

/* Starts the re-opening process; called before the sentry confines itself. */
int reopener_start(void);

/* A new description of the file behind fd, opened with access mode acc (O_RDONLY, O_WRONLY
   or O_RDWR) and O_CLOEXEC; -errno if it cannot be had. */
int reopener_reopen(int fd, int acc);

/* A new pipe (O_CLOEXEC) the reopener can reopen later (FIFOs): 0 or -errno. */
int reopener_pipe(int fds[2]);

#endif
