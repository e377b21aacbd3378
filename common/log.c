#define _GNU_SOURCE
#include "common/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>

static const char *log_who = "runsc-c";
static int log_json_fd = -1;
/* On stderr (shared with the guest's) only warnings and errors; a --log file gets info too. */
static enum log_level log_min_level = LOG_LEVEL_WARN;

static const char *const level_names[] = { "debug", "info", "warning", "error", "trace" };

void log_init(const char *who)
{
	log_who = who;
	const char *env = getenv("RUNSCC_DEBUG");
	if (env && *env && strcmp(env, "0") != 0)
		log_min_level = LOG_LEVEL_DEBUG;
}

void log_set_json_fd(int fd)
{
	log_json_fd = fd;
	if (fd < 0)
		return;
	if (log_min_level > LOG_LEVEL_INFO)
		log_min_level = LOG_LEVEL_INFO;
	/* json-c seeds its key hash with getrandom(2) at the first key it adds: do that now,
	   while the process may still make the syscall, not at a first message written after
	   its seccomp allow-list is in place (the gofer's has no getrandom). */
	json_object *o = json_object_new_object();
	json_object_object_add(o, "level", NULL);
	json_object_put(o);
}

void log_set_level(enum log_level level)
{
	log_min_level = level;
}

int log_fd(void)
{
	return log_json_fd >= 0 ? log_json_fd : STDERR_FILENO;
}

static void log_write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

static void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	char msg[2048];
	int saved = errno;

	if (level < log_min_level && level != LOG_LEVEL_TRACE)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_json_fd >= 0) {
		struct timespec ts;
		char when[64];
		struct tm tm;
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
		json_object *o = json_object_new_object();
		json_object_object_add(o, "level", json_object_new_string(level_names[level]));
		json_object_object_add(o, "msg", json_object_new_string(msg));
		json_object_object_add(o, "time", json_object_new_string(when));
		json_object_object_add(o, "component", json_object_new_string(log_who));
		const char *line = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
		log_write_all(log_json_fd, line, strlen(line));
		log_write_all(log_json_fd, "\n", 1);
		json_object_put(o);
	} else {
		char line[2200];
		int n = snprintf(line, sizeof(line), "runsc-c[%s]: %s%s\n", log_who,
				 level == LOG_LEVEL_ERROR ? "error: " : level == LOG_LEVEL_WARN ? "warning: " : "",
				 msg);
		if (n > (int)sizeof(line))
			n = sizeof(line);
		log_write_all(STDERR_FILENO, line, (size_t)n);
	}
	errno = saved;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

int log_errno(int err, const char *fmt, ...)
{
	char msg[1536];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_msg(LOG_LEVEL_ERROR, "%s: %s", msg, strerror(err < 0 ? -err : err));
	return err;
}

void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(LOG_LEVEL_ERROR, fmt, ap);
	va_end(ap);
	exit(125);
}
