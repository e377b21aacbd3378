/* process.terminal: a pty pair; the master goes to the caller's --console-socket (one
   SCM_RIGHTS fd, as runc sends it), the slave becomes the process's stdio. */
#ifndef RUNSCC_OCI_CONSOLE_H
#define RUNSCC_OCI_CONSOLE_H

/* rows/cols 0: left as the kernel makes them. */
int oci_console_open(unsigned short rows, unsigned short cols, int *master, int *slave);
int oci_console_send(const char *socket_path, int master);
/* Connects to a unix stream socket and sends fd (SCM_RIGHTS) with payload as the data. */
int oci_socket_send_fd(const char *socket_path, int fd, const char *payload);

#endif
