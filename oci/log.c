#define _GNU_SOURCE
#include "oci/log.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>

static int oci_log_fd = -1;
static bool oci_log_text;

int oci_log_open(const char *path, const char *format, bool debug)
{
	if (format && strcmp(format, "json") && strcmp(format, "text"))
		return oci_error(-EINVAL, "invalid log-format: %s", format);
	oci_log_text = format && !strcmp(format, "text");
	if (debug)
		log_set_level(LOG_LEVEL_DEBUG);
	if (!path)
		return 0;
	oci_log_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (oci_log_fd < 0)
		return oci_error(-errno, "open %s: %s", path, strerror(errno));
	log_set_json_fd(oci_log_fd);
	if (debug)
		log_set_level(LOG_LEVEL_DEBUG);
	return 0;
}

/* logrus's text form: time="..." level=error msg="..." (msg quoted with escapes). */
static void write_text_line(int fd, const char *when, const char *msg)
{
	json_object *s = json_object_new_string(msg);
	dprintf(fd, "time=\"%s\" level=error msg=%s\n", when,
		json_object_to_json_string_ext(s, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(s);
}

int oci_error(int err, const char *fmt, ...)
{
	char msg[2048], when[32];
	time_t now = time(NULL);
	struct tm tm;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (oci_log_fd < 0) {
		write_text_line(STDERR_FILENO, when, msg);
		return err;
	}
	if (oci_log_text) {
		write_text_line(oci_log_fd, when, msg);
	} else {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "level", json_object_new_string("error"));
		json_object_object_add(o, "msg", json_object_new_string(msg));
		json_object_object_add(o, "time", json_object_new_string(when));
		dprintf(oci_log_fd, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
									     JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	}
	dprintf(STDERR_FILENO, "%s\n", msg);
	return err;
}
