/* Logging for all runsc-c processes. Each process names itself once (log_init); messages go
   to stderr as "runsc-c[sentry]: ...", or as JSON lines when a --log file is configured. */
#ifndef RUNSCC_COMMON_LOG_H
#define RUNSCC_COMMON_LOG_H

#include <stdarg.h>

/* LOG_LEVEL_TRACE is output asked for explicitly (--strace): shown whatever the threshold. */
enum log_level { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR, LOG_LEVEL_TRACE };

void log_init(const char *who);
/* Send log lines to fd as JSON objects ({"level","msg","time"}); -1 restores stderr text. */
void log_set_json_fd(int fd);
void log_set_level(enum log_level level);
int log_fd(void);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Logs "fmt: strerror(-err)" and returns err, so callers can `return log_errno(r, ...)`. */
int log_errno(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_trace(...) log_msg(LOG_LEVEL_TRACE, __VA_ARGS__)

#endif
