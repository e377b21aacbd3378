/* Error lines in runc's format, which containerd's shim reads back from --log on failure:
   {"level":"error","msg":...,"time":...} (or logfmt with --log-format text) in the log file,
   the bare message on stderr; without --log, the logfmt line on stderr. */
#ifndef RUNSCC_OCI_LOG_H
#define RUNSCC_OCI_LOG_H

#include <stdbool.h>

/* path may be NULL; format "json" (the default) or "text". Messages of the sandbox library
   (common/log) go to the same file as JSON lines, never to the container's stdio. */
int oci_log_open(const char *path, const char *format, bool debug);

/* Writes msg as the command's error and returns err (a -errno), so callers can
   `return oci_error(-EINVAL, "...")`. */
int oci_error(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
