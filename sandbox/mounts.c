/* The container's mounts in the sandbox spec: what the CLI decided (struct sandbox_mount)
   as the sentry reads it (struct boot_mount). */
#define _GNU_SOURCE
#include "sandbox/mounts.h"
#include "common/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool is_bind(const struct sandbox_mount *m)
{
	return m->type && !strcmp(m->type, "bind");
}

static json_object *strings_to_json(char **v)
{
	json_object *a = json_object_new_array();
	for (; v && *v; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

int sandbox_mounts_to_json(const struct sandbox_spec *s, json_object *o)
{
	json_object *a = json_object_new_array();
	uint32_t root = 1;

	if (!a)
		return -ENOMEM;
	for (size_t i = 0; i < s->nmounts; i++) {
		const struct sandbox_mount *m = &s->mounts[i];
		json_object *e = json_object_new_object();
		if (!e || !m->destination || !m->type) {
			json_object_put(e);
			json_object_put(a);
			return -EINVAL;
		}
		json_object_object_add(e, "destination", json_object_new_string(m->destination));
		json_object_object_add(e, "type", json_object_new_string(m->type));
		if (is_bind(m))
			json_object_object_add(e, "gofer_root", json_object_new_int64(root++));
		json_object_object_add(e, "readonly", json_object_new_boolean(m->readonly));
		json_object_object_add(e, "size", json_object_new_int64((int64_t)m->size));
		json_object_object_add(e, "mode", json_object_new_int64(m->mode));
		json_object_array_add(a, e);
	}
	json_object_object_add(o, "mounts", a);
	json_object_object_add(o, "root_readonly", json_object_new_boolean(s->root_readonly));
	json_object_object_add(o, "overlay_size", json_object_new_int64((int64_t)s->overlay_size));
	json_object_object_add(o, "root_direct", json_object_new_boolean(s->root_direct));
	json_object_object_add(o, "masked_paths", strings_to_json(s->masked_paths));
	json_object_object_add(o, "readonly_paths", strings_to_json(s->readonly_paths));
	json_object *files = json_object_new_object();
	for (size_t i = 0; i < s->nfiles; i++)
		json_object_object_add(files, s->files[i].path, json_object_new_string(s->files[i].content));
	json_object_object_add(o, "files", files);
	return 0;
}

static int string_field(json_object *e, const char *key, char **out)
{
	json_object *v;
	if (!json_object_object_get_ex(e, key, &v) || !json_object_is_type(v, json_type_string))
		return -EINVAL;
	*out = strdup(json_object_get_string(v));
	return *out ? 0 : -ENOMEM;
}

static int64_t int_field(json_object *e, const char *key, int64_t min, int64_t max, int *err)
{
	json_object *v;
	if (!json_object_object_get_ex(e, key, &v))
		return 0;
	int64_t n = json_object_get_int64(v);
	if (!json_object_is_type(v, json_type_int) || n < min || n > max)
		*err = -EINVAL;
	return n;
}

static int mount_from_json(json_object *e, struct boot_mount *m)
{
	json_object *v;
	int r = 0;

	if (!json_object_is_type(e, json_type_object))
		return -EINVAL;
	if ((r = string_field(e, "destination", &m->destination)) < 0 ||
	    (r = string_field(e, "type", &m->type)) < 0)
		return r;
	if (m->destination[0] != '/')
		return -EINVAL;
	m->gofer_root = (uint32_t)int_field(e, "gofer_root", 0, UINT32_MAX, &r);
	m->size = (uint64_t)int_field(e, "size", 0, INT64_MAX, &r);
	m->mode = (uint32_t)int_field(e, "mode", 0, 07777, &r);
	if (json_object_object_get_ex(e, "readonly", &v))
		m->readonly = json_object_get_boolean(v);
	if (!strcmp(m->type, "bind") && m->gofer_root == 0)
		r = -EINVAL;
	return r;
}

static int strings_from_json(json_object *o, const char *key, char ***out)
{
	json_object *a;
	if (!json_object_object_get_ex(o, key, &a))
		return 0;
	if (!json_object_is_type(a, json_type_array))
		return -EINVAL;
	size_t n = json_object_array_length(a);
	char **v = calloc(n + 1, sizeof(char *));
	if (!v)
		return -ENOMEM;
	*out = v;
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(a, i);
		if (!json_object_is_type(e, json_type_string))
			return -EINVAL;
		if (!(v[i] = strdup(json_object_get_string(e))))
			return -ENOMEM;
	}
	return 0;
}

static int files_from_json(json_object *o, struct boot_config *cfg)
{
	json_object *files;
	if (!json_object_object_get_ex(o, "files", &files))
		return 0;
	if (!json_object_is_type(files, json_type_object))
		return -EINVAL;
	cfg->files = calloc((size_t)json_object_object_length(files) + 1, sizeof(*cfg->files));
	if (!cfg->files)
		return -ENOMEM;
	json_object_object_foreach(files, path, content) {
		struct boot_file *f = &cfg->files[cfg->nfiles];
		if (path[0] != '/' || !json_object_is_type(content, json_type_string))
			return -EINVAL;
		f->path = strdup(path);
		f->content = strdup(json_object_get_string(content));
		cfg->nfiles++;
		if (!f->path || !f->content)
			return -ENOMEM;
	}
	return 0;
}

int sandbox_mounts_from_json(json_object *o, struct boot_config *cfg)
{
	json_object *a, *v;
	int r;

	if (json_object_object_get_ex(o, "root_readonly", &v))
		cfg->root_readonly = json_object_get_boolean(v);
	if (json_object_object_get_ex(o, "root_direct", &v))
		cfg->root_direct = json_object_get_boolean(v);
	if (json_object_object_get_ex(o, "overlay_size", &v) && json_object_is_type(v, json_type_int) &&
	    json_object_get_int64(v) > 0)
		cfg->overlay_size = (uint64_t)json_object_get_int64(v);
	if ((r = strings_from_json(o, "masked_paths", &cfg->masked_paths)) < 0 ||
	    (r = strings_from_json(o, "readonly_paths", &cfg->readonly_paths)) < 0)
		return log_errno(r, "the spec's masked or read-only paths");
	if ((r = files_from_json(o, cfg)) < 0)
		return log_errno(r, "the spec's files");
	if (!json_object_object_get_ex(o, "mounts", &a))
		return 0;
	if (!json_object_is_type(a, json_type_array))
		return log_errno(-EINVAL, "the spec's mounts are not a list");
	size_t n = json_object_array_length(a);
	cfg->mounts = calloc(n ? n : 1, sizeof(*cfg->mounts));
	if (!cfg->mounts)
		return -ENOMEM;
	for (; cfg->nmounts < n; cfg->nmounts++) {
		r = mount_from_json(json_object_array_get_idx(a, cfg->nmounts),
				    &cfg->mounts[cfg->nmounts]);
		if (r < 0)
			return log_errno(r, "mount %zu of the spec", cfg->nmounts);
	}
	return 0;
}

size_t sandbox_mounts_gofer_nargs(const struct sandbox_spec *s)
{
	return 2 * s->nmounts;
}

void sandbox_mounts_gofer_args(const struct sandbox_spec *s, char **argv, int *n)
{
	for (size_t i = 0; i < s->nmounts; i++) {
		if (!is_bind(&s->mounts[i]))
			continue;
		argv[(*n)++] = s->mounts[i].readonly ? "--mount-ro" : "--mount-rw";
		argv[(*n)++] = (char *)s->mounts[i].source;
	}
}
