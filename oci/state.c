#define _GNU_SOURCE
#include "oci/state.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "oci/log.h"
#include "oci/spec.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STATE_FILE "state.json"
#define SOCK_NAME "control.sock"

int oci_id_check(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > 1024 || !strcmp(id, ".") || !strcmp(id, ".."))
		return oci_error(-EINVAL, "invalid container ID format");
	for (const char *p = id; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_+-.", *p))
			return oci_error(-EINVAL, "invalid container ID format");
	return 0;
}

int oci_pid_start_time(pid_t pid, uint64_t *start)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -ESRCH;
	ssize_t n = read_full(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -ESRCH;
	buf[n] = '\0';
	/* After the last ')' (the name may hold anything): state is field 3, starttime 22. */
	char *p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X')
		return -ESRCH;
	p += 2;
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (!p)
			return -ESRCH;
		p++;
	}
	*start = strtoull(p, NULL, 10);
	return 0;
}

static void set_sock_path(struct oci_container *c)
{
	int n = snprintf(c->sock_path, sizeof(c->sock_path), "%s/%s/%s", c->root, c->id, SOCK_NAME);
	if (n < 0 || (size_t)n >= sizeof(c->sock_path))
		snprintf(c->sock_path, sizeof(c->sock_path), "/proc/self/fd/%d/%s", c->dirfd, SOCK_NAME);
}

static int container_init(struct oci_container *c, const char *root, const char *id)
{
	memset(c, 0, sizeof(*c));
	c->dirfd = -1;
	c->root = strdup(root);
	c->id = strdup(id);
	return c->root && c->id ? 0 : -ENOMEM;
}

int oci_container_create_dir(const char *root, const char *id, struct oci_container *c)
{
	char path[4096];
	int r = oci_id_check(id);
	if (r < 0)
		return r;
	if ((r = container_init(c, root, id)) < 0)
		return r;
	if (mkdir(root, 0700) < 0 && errno != EEXIST)
		return oci_error(-errno, "mkdir %s: %s", root, strerror(errno));
	snprintf(path, sizeof(path), "%s/%s", root, id);
	if (mkdir(path, 0700) < 0) {
		if (errno == EEXIST)
			return oci_error(-EEXIST, "container with given ID already exists");
		return oci_error(-errno, "mkdir %s: %s", path, strerror(errno));
	}
	c->dirfd = open(path, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (c->dirfd < 0) {
		r = -errno;
		rmdir(path);
		return oci_error(r, "open %s: %s", path, strerror(-r));
	}
	set_sock_path(c);
	struct passwd *pw = getpwuid(getuid());
	c->owner = strdup(pw ? pw->pw_name : "");
	struct timespec ts;
	struct tm tm;
	char when[64];
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
	c->created = strdup(when);
	return c->owner && c->created ? 0 : -ENOMEM;
}

static void add_string(json_object *o, const char *key, const char *value)
{
	json_object_object_add(o, key, json_object_new_string(value ? value : ""));
}

int oci_container_save(const struct oci_container *c)
{
	json_object *o = json_object_new_object();
	add_string(o, "id", c->id);
	json_object_object_add(o, "pid", json_object_new_int64(c->pid));
	json_object_object_add(o, "pid_start", json_object_new_uint64(c->pid_start));
	json_object_object_add(o, "started", json_object_new_boolean(c->started));
	json_object_object_add(o, "paused", json_object_new_boolean(c->paused));
	add_string(o, "bundle", c->bundle);
	add_string(o, "rootfs", c->rootfs);
	add_string(o, "created", c->created);
	add_string(o, "owner", c->owner);
	if (c->cgroup)
		add_string(o, "cgroup", c->cgroup);
	if (c->annotations)
		json_object_object_add(o, "annotations", json_object_get(c->annotations));
	if (c->hooks)
		json_object_object_add(o, "hooks", json_object_get(c->hooks));
	if (c->mounts)
		json_object_object_add(o, "mounts", json_object_get(c->mounts));
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	_cleanup_close_ int fd = openat(c->dirfd, STATE_FILE ".tmp",
					O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int r = fd < 0 ? -errno : write_full(fd, text, strlen(text));
	json_object_put(o);
	if (r == 0 && renameat(c->dirfd, STATE_FILE ".tmp", c->dirfd, STATE_FILE) < 0)
		r = -errno;
	if (r < 0)
		return oci_error(r, "saving the state of %s: %s", c->id, strerror(-r));
	return 0;
}

static char *dup_member(json_object *o, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return strdup(json_object_get_string(v));
}

static json_object *get_member(json_object *o, const char *key, json_type t)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, t))
		return NULL;
	return json_object_get(v);
}

int oci_container_load(const char *root, const char *id, struct oci_container *c)
{
	char path[4096];
	json_object *o = NULL, *v;
	int r;

	if ((r = oci_id_check(id)) < 0 || (r = container_init(c, root, id)) < 0)
		return r;
	snprintf(path, sizeof(path), "%s/%s", root, id);
	c->dirfd = open(path, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (c->dirfd < 0)
		return -ENOENT;
	set_sock_path(c);
	snprintf(path, sizeof(path), "/proc/self/fd/%d/" STATE_FILE, c->dirfd);
	if (access(path, F_OK) < 0)
		return -ENOENT;
	if ((r = oci_json_read_file(path, &o)) < 0)
		return r;
	if (json_object_object_get_ex(o, "pid", &v))
		c->pid = (pid_t)json_object_get_int64(v);
	if (json_object_object_get_ex(o, "pid_start", &v))
		c->pid_start = json_object_get_uint64(v);
	if (json_object_object_get_ex(o, "started", &v))
		c->started = json_object_get_boolean(v);
	if (json_object_object_get_ex(o, "paused", &v))
		c->paused = json_object_get_boolean(v);
	c->bundle = dup_member(o, "bundle");
	c->rootfs = dup_member(o, "rootfs");
	c->created = dup_member(o, "created");
	c->owner = dup_member(o, "owner");
	c->cgroup = dup_member(o, "cgroup");
	c->annotations = get_member(o, "annotations", json_type_object);
	c->hooks = get_member(o, "hooks", json_type_object);
	c->mounts = get_member(o, "mounts", json_type_array);
	json_object_put(o);
	return 0;
}

int oci_container_remove_dir(struct oci_container *c)
{
	char path[4096];
	unlinkat(c->dirfd, SOCK_NAME, 0);
	unlinkat(c->dirfd, STATE_FILE ".tmp", 0);
	unlinkat(c->dirfd, STATE_FILE, 0);
	snprintf(path, sizeof(path), "%s/%s", c->root, c->id);
	if (rmdir(path) < 0 && errno != ENOENT)
		return oci_error(-errno, "removing %s: %s", path, strerror(errno));
	return 0;
}

void oci_container_free(struct oci_container *c)
{
	if (c->dirfd >= 0)
		close(c->dirfd);
	free(c->root);
	free(c->id);
	free(c->bundle);
	free(c->rootfs);
	free(c->created);
	free(c->owner);
	free(c->cgroup);
	json_object_put(c->annotations);
	json_object_put(c->hooks);
	json_object_put(c->mounts);
	memset(c, 0, sizeof(*c));
	c->dirfd = -1;
}

enum oci_status oci_container_status(const struct oci_container *c)
{
	uint64_t start;
	if (c->pid == 0)
		return OCI_CREATING;
	if (oci_pid_start_time(c->pid, &start) < 0 || start != c->pid_start)
		return OCI_STOPPED;
	if (c->paused)
		return OCI_PAUSED;
	return c->started ? OCI_RUNNING : OCI_CREATED;
}

const char *oci_status_name(enum oci_status s)
{
	static const char *const names[] = { "creating", "created", "running", "paused", "stopped" };
	return names[s];
}

json_object *oci_container_state_json(const struct oci_container *c)
{
	enum oci_status s = oci_container_status(c);
	json_object *o = json_object_new_object();
	add_string(o, "ociVersion", "1.0.2");
	add_string(o, "id", c->id);
	json_object_object_add(o, "pid", json_object_new_int64(s == OCI_STOPPED ? 0 : c->pid));
	add_string(o, "status", oci_status_name(s));
	add_string(o, "bundle", c->bundle);
	add_string(o, "rootfs", c->rootfs);
	add_string(o, "created", c->created);
	add_string(o, "owner", "");
	if (c->annotations && json_object_object_length(c->annotations))
		json_object_object_add(o, "annotations", json_object_get(c->annotations));
	return o;
}

static int compare_ids(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int oci_container_list(const char *root, char ***ids, size_t *n)
{
	DIR *d = opendir(root);
	size_t cap = 0;
	*ids = NULL;
	*n = 0;
	if (!d)
		return errno == ENOENT ? 0 : oci_error(-errno, "open %s: %s", root, strerror(errno));
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.' || e->d_type != DT_DIR)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			char **grown = realloc(*ids, cap * sizeof(char *));
			if (!grown)
				break;
			*ids = grown;
		}
		if (!((*ids)[*n] = strdup(e->d_name)))
			break;
		(*n)++;
	}
	closedir(d);
	qsort(*ids, *n, sizeof(char *), compare_ids);
	return 0;
}
