/* Edits dockerd's daemon.json with json-c: the file is someone else's configuration, so
   whatever it holds is kept, and a file we cannot understand is never rewritten. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>

#include "common/cleanup.h"
#include "common/daemon_json.h"
#include "common/log.h"
#include "common/util.h"

/* dockerd's own configuration is small; anything bigger is not one. */
#define DAEMON_JSON_MAX (1 << 20)

static void cleanup_json_putp(struct json_object **o)
{
	json_object_put(*o);
}

static void cleanup_tokener_freep(struct json_tokener **t)
{
	if (*t)
		json_tokener_free(*t);
}

#define _cleanup_json_ __attribute__((cleanup(cleanup_json_putp)))

/* Parses TEXT as one JSON object with nothing but white space after it. Empty text is an
   empty object (a freshly touched file). */
static int parse_object(const char *config, const char *text, size_t len, struct json_object **out)
{
	__attribute__((cleanup(cleanup_tokener_freep))) struct json_tokener *tok = json_tokener_new();
	_cleanup_json_ struct json_object *root = NULL;
	size_t end;

	if (!tok)
		return -ENOMEM;
	if (strspn(text, " \t\r\n") == len) {
		*out = json_object_new_object();
		return *out ? 0 : -ENOMEM;
	}
	root = json_tokener_parse_ex(tok, text, (int)len);
	if (!root || json_tokener_get_error(tok) != json_tokener_success) {
		enum json_tokener_error e = json_tokener_get_error(tok);
		log_error("%s is not valid JSON (%s at byte %zu); left untouched", config,
			  e == json_tokener_continue ? "unexpected end" : json_tokener_error_desc(e),
			  json_tokener_get_parse_end(tok));
		return -EINVAL;
	}
	end = json_tokener_get_parse_end(tok);
	if (strspn(text + end, " \t\r\n") != len - end) {
		log_error("%s has text after its JSON value (byte %zu); left untouched", config, end);
		return -EINVAL;
	}
	if (!json_object_is_type(root, json_type_object)) {
		log_error("%s is not a JSON object; left untouched", config);
		return -EINVAL;
	}
	*out = take_ptr(&root);
	return 0;
}

/* The file's object (an empty one when it does not exist) and its mode. */
static int read_config(const char *config, struct json_object **out, mode_t *mode)
{
	_cleanup_close_ int fd = open(config, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *text = NULL;
	struct stat st;
	ssize_t n;

	*mode = 0644;
	if (fd < 0 && errno == ENOENT) {
		*out = json_object_new_object();
		return *out ? 0 : -ENOMEM;
	}
	if (fd < 0 || fstat(fd, &st) < 0)
		return log_errno(-errno, "cannot read %s", config);
	if (!S_ISREG(st.st_mode))
		return log_errno(-EINVAL, "%s is not a regular file", config);
	if (st.st_size > DAEMON_JSON_MAX)
		return log_errno(-EFBIG, "%s is too big for a dockerd configuration", config);
	*mode = st.st_mode & 07777;
	text = malloc((size_t)st.st_size + 1);
	if (!text)
		return -ENOMEM;
	n = read_full(fd, text, (size_t)st.st_size);
	if (n < 0)
		return log_errno((int)n, "cannot read %s", config);
	text[n] = '\0';
	if (strlen(text) != (size_t)n)
		return log_errno(-EINVAL, "%s holds a NUL byte; left untouched", config);
	return parse_object(config, text, (size_t)n, out);
}

static int set_runtime(const char *config, struct json_object *root, const char *name,
		       const char *path, char *const *args, int nargs)
{
	struct json_object *runtimes = NULL, *runtime, *jargs;

	if (!json_object_object_get_ex(root, "runtimes", &runtimes)) {
		runtimes = json_object_new_object();
		if (!runtimes || json_object_object_add(root, "runtimes", runtimes) < 0)
			return -ENOMEM;
	} else if (!json_object_is_type(runtimes, json_type_object)) {
		log_error("%s: \"runtimes\" is not an object; left untouched", config);
		return -EINVAL;
	}
	runtime = json_object_new_object();
	if (!runtime || json_object_object_add(runtimes, name, runtime) < 0) {
		json_object_put(runtime);
		return -ENOMEM;
	}
	jargs = json_object_new_array();
	if (json_object_object_add(runtime, "path", json_object_new_string(path)) < 0 || !jargs ||
	    json_object_object_add(runtime, "runtimeArgs", jargs) < 0)
		return -ENOMEM;
	for (int i = 0; i < nargs; i++)
		if (json_object_array_add(jargs, json_object_new_string(args[i])) < 0)
			return -ENOMEM;
	return 0;
}

/* Creates the file's directory (/etc/docker on a machine where dockerd never ran). */
static int make_parent_dir(const char *config)
{
	_cleanup_free_ char *copy = strdup(config);

	if (!copy)
		return -ENOMEM;
	if (mkdir(dirname(copy), 0755) < 0 && errno != EEXIST)
		return log_errno(-errno, "cannot create the directory of %s", config);
	return 0;
}

/* Writes TEXT to a temporary file beside CONFIG and renames it over CONFIG, so that dockerd
   never reads a half-written file. */
static int write_atomically(const char *config, const char *text, mode_t mode)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int fd = -1;
	int r;

	if (asprintf(&tmp, "%s.XXXXXX", config) < 0) {
		tmp = NULL;
		return -ENOMEM;
	}
	r = make_parent_dir(config);
	if (r < 0)
		return r;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return log_errno(-errno, "cannot create a file beside %s", config);
	r = fchmod(fd, mode) < 0 ? -errno : write_full(fd, text, strlen(text));
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && rename(tmp, config) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return log_errno(r, "cannot write %s", config);
	}
	return 0;
}

int daemon_json_set_runtime(const char *config, const char *name, const char *path,
			    char *const *args, int nargs)
{
	_cleanup_json_ struct json_object *root = NULL;
	_cleanup_free_ char *text = NULL;
	const char *json;
	mode_t mode;
	int r;

	r = read_config(config, &root, &mode);
	if (r == 0)
		r = set_runtime(config, root, name, path, args, nargs);
	if (r < 0)
		return r;
	json = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
					      JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!json || asprintf(&text, "%s\n", json) < 0) {
		text = NULL;
		return -ENOMEM;
	}
	return write_atomically(config, text, mode);
}
