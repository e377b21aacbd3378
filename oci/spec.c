#define _GNU_SOURCE
#include "oci/spec.h"
#include "common/cleanup.h"
#include "common/egress.h"
#include "common/log.h"
#include "common/util.h"
#include "oci/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/capability.h>
#include <unistd.h>

const char *const oci_hook_names[OCI_HOOK_KINDS] = {
	[OCI_HOOK_PRESTART] = "prestart",
	[OCI_HOOK_CREATE_RUNTIME] = "createRuntime",
	[OCI_HOOK_CREATE_CONTAINER] = "createContainer",
	[OCI_HOOK_START_CONTAINER] = "startContainer",
	[OCI_HOOK_POSTSTART] = "poststart",
	[OCI_HOOK_POSTSTOP] = "poststop",
};

static const char *type_name(json_type t)
{
	switch (t) {
	case json_type_string: return "a string";
	case json_type_int: return "an integer";
	case json_type_boolean: return "a boolean";
	case json_type_array: return "an array";
	case json_type_object: return "an object";
	default: return "a value";
	}
}

/* o.key of type t into *out (NULL when absent and optional). */
static int member(json_object *o, const char *where, const char *key, json_type t, bool required,
		  json_object **out)
{
	*out = NULL;
	if (!json_object_object_get_ex(o, key, out) || json_object_is_type(*out, json_type_null)) {
		*out = NULL;
		if (required)
			return oci_error(-EINVAL, "config.json: %s.%s is missing", where, key);
		return 0;
	}
	if (!json_object_is_type(*out, t))
		return oci_error(-EINVAL, "config.json: %s.%s must be %s", where, key, type_name(t));
	return 0;
}

static int get_string(json_object *o, const char *where, const char *key, bool required,
		      const char **out)
{
	json_object *v;
	int r = member(o, where, key, json_type_string, required, &v);
	*out = v ? json_object_get_string(v) : NULL;
	return r;
}

static int get_bool(json_object *o, const char *where, const char *key, bool *out)
{
	json_object *v;
	int r = member(o, where, key, json_type_boolean, false, &v);
	if (v)
		*out = json_object_get_boolean(v);
	return r;
}

/* An integer in [min,max]; *out untouched when absent. */
static int get_int(json_object *o, const char *where, const char *key, bool required, int64_t min,
		   int64_t max, int64_t *out)
{
	json_object *v;
	int r = member(o, where, key, json_type_int, required, &v);
	if (r < 0 || !v)
		return r;
	errno = 0;
	int64_t n = json_object_get_int64(v);
	/* json-c saturates values beyond int64; uint64 ones above INT64_MAX are refused too. */
	if (errno || n < min || n > max)
		return oci_error(-EINVAL, "config.json: %s.%s is out of range", where, key);
	*out = n;
	return 0;
}

static int check_string_array(json_object *a, const char *where, const char *key)
{
	for (size_t i = 0; i < json_object_array_length(a); i++)
		if (!json_object_is_type(json_object_array_get_idx(a, i), json_type_string))
			return oci_error(-EINVAL, "config.json: %s.%s[%zu] must be a string", where, key, i);
	return 0;
}

/* A NULL-terminated array of the strings of a JSON array (pointing into it). */
static int string_array(json_object *a, const char *where, const char *key, char ***out)
{
	size_t n = json_object_array_length(a);
	int r = check_string_array(a, where, key);
	if (r < 0)
		return r;
	char **v = calloc(n + 1, sizeof(char *));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		v[i] = (char *)json_object_get_string(json_object_array_get_idx(a, i));
	*out = v;
	return 0;
}

static bool has_dotdot(const char *path)
{
	for (const char *p = path; (p = strstr(p, "..")); p += 2)
		if ((p == path || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
			return true;
	return false;
}

/* An absolute path inside the container: no "..", no NUL games, bounded. */
static int check_guest_path(const char *path, const char *what)
{
	if (path[0] != '/' || has_dotdot(path) || strlen(path) >= PATH_MAX)
		return oci_error(-EINVAL, "config.json: %s %s must be an absolute path without \"..\"",
				 what, path);
	return 0;
}

int oci_cap_from_name(const char *name)
{
	char buf[64];
	cap_value_t cap;
	if (strncasecmp(name, "CAP_", 4) != 0) {
		snprintf(buf, sizeof(buf), "CAP_%s", name);
		name = buf;
	}
	if (cap_from_name(name, &cap) < 0 || cap < 0 || cap > 63)
		return -1;
	return cap;
}

static int cap_set(json_object *caps, const char *key, uint64_t *mask)
{
	json_object *a;
	int r = member(caps, "process.capabilities", key, json_type_array, false, &a);
	*mask = 0;
	for (size_t i = 0; r == 0 && a && i < json_object_array_length(a); i++) {
		json_object *e = json_object_array_get_idx(a, i);
		if (!json_object_is_type(e, json_type_string))
			return oci_error(-EINVAL, "config.json: process.capabilities.%s[%zu] must be a string",
					 key, i);
		int cap = oci_cap_from_name(json_object_get_string(e));
		/* As runc: a capability this system does not know is skipped with a warning. */
		if (cap < 0)
			log_warn("unknown capability %s ignored", json_object_get_string(e));
		else
			*mask |= UINT64_C(1) << cap;
	}
	return r;
}

static const struct { const char *name; int resource; } rlimit_names[] = {
	{ "RLIMIT_AS", RLIMIT_AS }, { "RLIMIT_CORE", RLIMIT_CORE }, { "RLIMIT_CPU", RLIMIT_CPU },
	{ "RLIMIT_DATA", RLIMIT_DATA }, { "RLIMIT_FSIZE", RLIMIT_FSIZE },
	{ "RLIMIT_LOCKS", RLIMIT_LOCKS }, { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
	{ "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE }, { "RLIMIT_NICE", RLIMIT_NICE },
	{ "RLIMIT_NOFILE", RLIMIT_NOFILE }, { "RLIMIT_NPROC", RLIMIT_NPROC },
	{ "RLIMIT_RSS", RLIMIT_RSS }, { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
	{ "RLIMIT_RTTIME", RLIMIT_RTTIME }, { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
	{ "RLIMIT_STACK", RLIMIT_STACK },
};

static int parse_rlimits(json_object *a, struct sandbox_process *p)
{
	size_t n = json_object_array_length(a);
	p->rlimits = calloc(n ? n : 1, sizeof(*p->rlimits));
	if (!p->rlimits)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(a, i);
		const char *type;
		int64_t soft = 0, hard = 0;
		int r;
		if (!json_object_is_type(e, json_type_object))
			return oci_error(-EINVAL, "config.json: process.rlimits[%zu] must be an object", i);
		if ((r = get_string(e, "process.rlimits[]", "type", true, &type)) < 0 ||
		    (r = get_int(e, "process.rlimits[]", "soft", true, 0, INT64_MAX, &soft)) < 0 ||
		    (r = get_int(e, "process.rlimits[]", "hard", true, 0, INT64_MAX, &hard)) < 0)
			return r;
		size_t k = 0;
		while (k < ARRAY_SIZE(rlimit_names) && strcmp(rlimit_names[k].name, type))
			k++;
		if (k == ARRAY_SIZE(rlimit_names))
			return oci_error(-EINVAL, "config.json: unknown rlimit type %s", type);
		for (size_t j = 0; j < p->nrlimits; j++)
			if (p->rlimits[j].resource == rlimit_names[k].resource)
				return oci_error(-EINVAL, "config.json: duplicate rlimit %s", type);
		if (soft > hard)
			return oci_error(-EINVAL, "config.json: rlimit %s: soft %lld above hard %lld", type,
					 (long long)soft, (long long)hard);
		p->rlimits[p->nrlimits++] = (struct sandbox_rlimit){ rlimit_names[k].resource,
								     (uint64_t)soft, (uint64_t)hard };
	}
	return 0;
}

static int parse_user(json_object *user, struct sandbox_process *p)
{
	int64_t uid = 0, gid = 0, umask = -1;
	json_object *groups;
	int r;
	if ((r = get_int(user, "process.user", "uid", true, 0, UINT32_MAX - 1, &uid)) < 0 ||
	    (r = get_int(user, "process.user", "gid", true, 0, UINT32_MAX - 1, &gid)) < 0 ||
	    (r = get_int(user, "process.user", "umask", false, 0, 0777, &umask)) < 0 ||
	    (r = member(user, "process.user", "additionalGids", json_type_array, false, &groups)) < 0)
		return r;
	p->uid = (uid_t)uid;
	p->gid = (gid_t)gid;
	p->umask = (int)umask;
	size_t n = groups ? json_object_array_length(groups) : 0;
	if (n > 65536)
		return oci_error(-EINVAL, "config.json: process.user.additionalGids has too many entries");
	p->groups = calloc(n ? n : 1, sizeof(gid_t));
	if (!p->groups)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(groups, i);
		errno = 0;
		int64_t g = json_object_get_int64(e);
		if (!json_object_is_type(e, json_type_int) || errno || g < 0 || g >= UINT32_MAX)
			return oci_error(-EINVAL, "config.json: process.user.additionalGids[%zu] must be a gid", i);
		p->groups[p->ngroups++] = (gid_t)g;
	}
	return 0;
}

void oci_process_free(struct sandbox_process *p)
{
	free(p->argv);
	free(p->env);
	free(p->groups);
	free(p->rlimits);
	memset(p, 0, sizeof(*p));
}

static int process_parse(json_object *process, const char *where, struct sandbox_process *p,
			 bool *terminal, unsigned short *rows, unsigned short *cols)
{
	json_object *args, *env, *user, *caps, *rlimits, *console;
	const char *profile;
	int r;

	memset(p, 0, sizeof(*p));
	p->umask = -1;
	p->stdio[0] = p->stdio[1] = p->stdio[2] = -1;
	if ((r = member(process, where, "args", json_type_array, true, &args)) < 0 ||
	    (r = member(process, where, "env", json_type_array, false, &env)) < 0 ||
	    (r = member(process, where, "user", json_type_object, true, &user)) < 0 ||
	    (r = member(process, where, "capabilities", json_type_object, false, &caps)) < 0 ||
	    (r = member(process, where, "rlimits", json_type_array, false, &rlimits)) < 0 ||
	    (r = member(process, where, "consoleSize", json_type_object, false, &console)) < 0 ||
	    (r = get_string(process, where, "cwd", true, &p->cwd)) < 0 ||
	    (r = get_bool(process, where, "terminal", terminal)) < 0 ||
	    (r = get_bool(process, where, "noNewPrivileges", &p->no_new_privs)) < 0)
		return r;
	if (json_object_array_length(args) == 0)
		return oci_error(-EINVAL, "config.json: %s.args must not be empty", where);
	if ((r = string_array(args, where, "args", &p->argv)) < 0)
		return r;
	if (env) {
		if ((r = string_array(env, where, "env", &p->env)) < 0)
			return r;
	} else if (!(p->env = calloc(1, sizeof(char *)))) {
		return -ENOMEM;
	}
	for (char **e = p->env; *e; e++)
		if (!strchr(*e, '='))
			return oci_error(-EINVAL, "config.json: %s.env entry %s is not KEY=VALUE", where, *e);
	if ((r = check_guest_path(p->cwd, "process.cwd")) < 0 || (r = parse_user(user, p)) < 0)
		return r;
	if (caps && ((r = cap_set(caps, "bounding", &p->cap_bounding)) < 0 ||
		     (r = cap_set(caps, "effective", &p->cap_effective)) < 0 ||
		     (r = cap_set(caps, "permitted", &p->cap_permitted)) < 0 ||
		     (r = cap_set(caps, "inheritable", &p->cap_inheritable)) < 0 ||
		     (r = cap_set(caps, "ambient", &p->cap_ambient)) < 0))
		return r;
	if (rlimits && (r = parse_rlimits(rlimits, p)) < 0)
		return r;
	if (console) {
		int64_t h = 0, w = 0;
		if ((r = get_int(console, "process.consoleSize", "height", true, 0, UINT16_MAX, &h)) < 0 ||
		    (r = get_int(console, "process.consoleSize", "width", true, 0, UINT16_MAX, &w)) < 0)
			return r;
		*rows = (unsigned short)h;
		*cols = (unsigned short)w;
	}
	/* The sentry is the guest's kernel: host LSM profiles do not apply to what it runs. */
	if ((r = get_string(process, where, "apparmorProfile", false, &profile)) < 0)
		return r;
	if (profile)
		log_debug("apparmor profile %s accepted, not applied (the sentry is the guest's kernel)", profile);
	if ((r = get_string(process, where, "selinuxLabel", false, &profile)) < 0)
		return r;
	if (profile)
		log_debug("selinux label %s accepted, not applied (the sentry is the guest's kernel)", profile);
	return 0;
}

int oci_process_parse(json_object *process, const char *where, struct sandbox_process *p,
		      bool *terminal, unsigned short *rows, unsigned short *cols)
{
	int r = process_parse(process, where, p, terminal, rows, cols);
	if (r < 0)
		oci_process_free(p);
	return r;
}

/* "64m", "1024k", "65536": bytes. */
static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	int shift = 0;
	if (errno || end == s || s[0] == '-')
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	}
	if (*end || v > (UINT64_MAX >> shift))
		return -EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}

static int parse_mount(struct oci_config *cfg, json_object *m, size_t i, struct sandbox_mount *out)
{
	const char *type = NULL, *source = NULL;
	json_object *options;
	bool bind = false;
	int r;

	if (!json_object_is_type(m, json_type_object))
		return oci_error(-EINVAL, "config.json: mounts[%zu] must be an object", i);
	if ((r = get_string(m, "mounts[]", "destination", true, &out->destination)) < 0 ||
	    (r = get_string(m, "mounts[]", "type", false, &type)) < 0 ||
	    (r = get_string(m, "mounts[]", "source", false, &source)) < 0 ||
	    (r = member(m, "mounts[]", "options", json_type_array, false, &options)) < 0 ||
	    (r = check_guest_path(out->destination, "mount destination")) < 0)
		return r;
	out->type = type ? type : "bind";
	bind = type && !strcmp(type, "bind");
	for (size_t k = 0; options && k < json_object_array_length(options); k++) {
		json_object *e = json_object_array_get_idx(options, k);
		if (!json_object_is_type(e, json_type_string))
			return oci_error(-EINVAL, "config.json: mounts[%zu].options[%zu] must be a string", i, k);
		const char *opt = json_object_get_string(e);
		if (!strcmp(opt, "bind") || !strcmp(opt, "rbind"))
			bind = true;
		else if (!strcmp(opt, "ro"))
			out->readonly = true;
		else if (!strcmp(opt, "rw"))
			out->readonly = false;
		else if (!strncmp(opt, "size=", 5) && parse_size(opt + 5, &out->size) < 0)
			return oci_error(-EINVAL, "config.json: mounts[%zu]: bad option %s", i, opt);
		else if (!strncmp(opt, "mode=", 5)) {
			char *end;
			unsigned long mode = strtoul(opt + 5, &end, 8);
			if (*end || end == opt + 5 || mode > 07777)
				return oci_error(-EINVAL, "config.json: mounts[%zu]: bad option %s", i, opt);
			out->mode = (uint32_t)mode;
		}
	}
	if (!bind)
		return 0;
	out->type = "bind";
	if (!source || !*source)
		return oci_error(-EINVAL, "config.json: bind mount on %s has no source", out->destination);
	/* As runc: a relative source is relative to the bundle. */
	if (source[0] != '/') {
		_cleanup_free_ char *abs = NULL;
		if (asprintf(&abs, "%s/%s", cfg->bundle, source) < 0)
			return -ENOMEM;
		json_object *s = json_object_new_string(abs);
		json_object_array_add(cfg->owned, s);
		source = json_object_get_string(s);
	}
	out->source = source;
	return 0;
}

static int parse_mounts(struct oci_config *cfg, json_object *mounts)
{
	size_t n = json_object_array_length(mounts);
	cfg->spec.mounts = calloc(n ? n : 1, sizeof(struct sandbox_mount));
	if (!cfg->spec.mounts)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		int r = parse_mount(cfg, json_object_array_get_idx(mounts, i), i, &cfg->spec.mounts[i]);
		if (r < 0)
			return r;
		cfg->spec.nmounts++;
	}
	return 0;
}

static int parse_device_rule(json_object *d, size_t i, struct oci_device_rule *rule)
{
	const char *type = "a", *access = "rwm";
	int64_t major = -1, minor = -1;
	json_object *allow;
	int r;
	if (!json_object_is_type(d, json_type_object))
		return oci_error(-EINVAL, "config.json: linux.resources.devices[%zu] must be an object", i);
	if ((r = member(d, "linux.resources.devices[]", "allow", json_type_boolean, true, &allow)) < 0 ||
	    (r = get_string(d, "linux.resources.devices[]", "type", false, &type)) < 0 ||
	    (r = get_string(d, "linux.resources.devices[]", "access", false, &access)) < 0 ||
	    (r = get_int(d, "linux.resources.devices[]", "major", false, -1, UINT32_MAX, &major)) < 0 ||
	    (r = get_int(d, "linux.resources.devices[]", "minor", false, -1, UINT32_MAX, &minor)) < 0)
		return r;
	type = type ? type : "a";
	access = access ? access : "rwm";
	if (strlen(type) != 1 || !strchr("acb", type[0]) || strlen(access) > 3 ||
	    strspn(access, "rwm") != strlen(access))
		return oci_error(-EINVAL, "config.json: linux.resources.devices[%zu]: bad type or access", i);
	rule->allow = json_object_get_boolean(allow);
	rule->type = type[0];
	rule->major = major;
	rule->minor = minor;
	snprintf(rule->access, sizeof(rule->access), "%s", *access ? access : "rwm");
	return 0;
}

int oci_resources_parse(json_object *res, struct oci_resources *out)
{
	json_object *memory, *pids, *cpu, *devices;
	int r;

	*out = (struct oci_resources){ .memory_limit = -1, .pids_limit = -1,
				       .cpu_quota = -1 };
	if (!json_object_is_type(res, json_type_object))
		return oci_error(-EINVAL, "config.json: linux.resources must be an object");
	if ((r = member(res, "linux.resources", "memory", json_type_object, false, &memory)) < 0 ||
	    (r = member(res, "linux.resources", "pids", json_type_object, false, &pids)) < 0 ||
	    (r = member(res, "linux.resources", "cpu", json_type_object, false, &cpu)) < 0 ||
	    (r = member(res, "linux.resources", "devices", json_type_array, false, &devices)) < 0)
		return r;
	if (memory && ((r = get_int(memory, "linux.resources.memory", "limit", false, -1, INT64_MAX,
				    &out->memory_limit)) < 0 ||
		       (r = get_int(memory, "linux.resources.memory", "swap", false, -1, INT64_MAX,
				    &out->memory_swap)) < 0))
		return r;
	if (pids && (r = get_int(pids, "linux.resources.pids", "limit", false, -1, INT64_MAX,
				 &out->pids_limit)) < 0)
		return r;
	if (cpu && ((r = get_int(cpu, "linux.resources.cpu", "shares", false, 0, 262144,
				 &out->cpu_shares)) < 0 ||
		    (r = get_int(cpu, "linux.resources.cpu", "quota", false, -1, INT64_MAX,
				 &out->cpu_quota)) < 0 ||
		    (r = get_int(cpu, "linux.resources.cpu", "period", false, 0, 1000000,
				 &out->cpu_period)) < 0))
		return r;
	size_t n = devices ? json_object_array_length(devices) : 0;
	if (n > 4096)
		return oci_error(-EINVAL, "config.json: linux.resources.devices has too many entries");
	out->devices = calloc(n ? n : 1, sizeof(*out->devices));
	if (!out->devices)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if ((r = parse_device_rule(json_object_array_get_idx(devices, i), i, &out->devices[i])) < 0) {
			free(take_ptr(&out->devices));
			return r;
		}
		out->ndevices++;
	}
	return 0;
}

static const char *const namespace_types[] = { "pid", "network", "mount", "ipc", "uts", "user",
					       "cgroup", "time" };

static int parse_linux(struct oci_config *cfg, json_object *lx)
{
	json_object *namespaces, *masked, *ro, *res;
	int r;

	if ((r = member(lx, "linux", "namespaces", json_type_array, false, &namespaces)) < 0 ||
	    (r = member(lx, "linux", "maskedPaths", json_type_array, false, &masked)) < 0 ||
	    (r = member(lx, "linux", "readonlyPaths", json_type_array, false, &ro)) < 0 ||
	    (r = member(lx, "linux", "resources", json_type_object, false, &res)) < 0 ||
	    (r = get_string(lx, "linux", "cgroupsPath", false, &cfg->cgroups_path)) < 0)
		return r;
	for (size_t i = 0; namespaces && i < json_object_array_length(namespaces); i++) {
		json_object *ns = json_object_array_get_idx(namespaces, i);
		const char *type, *path;
		size_t k = 0;
		if (!json_object_is_type(ns, json_type_object))
			return oci_error(-EINVAL, "config.json: linux.namespaces[%zu] must be an object", i);
		if ((r = get_string(ns, "linux.namespaces[]", "type", true, &type)) < 0 ||
		    (r = get_string(ns, "linux.namespaces[]", "path", false, &path)) < 0)
			return r;
		while (k < ARRAY_SIZE(namespace_types) && strcmp(namespace_types[k], type))
			k++;
		if (k == ARRAY_SIZE(namespace_types))
			return oci_error(-EINVAL, "config.json: unknown namespace type %s", type);
		if (path && path[0] != '/')
			return oci_error(-EINVAL, "config.json: namespace path %s must be absolute", path);
		/* The guest's namespaces are the sentry's; only the network is the host's. */
		if (!strcmp(type, "network")) {
			cfg->netns_path = path;
			cfg->new_netns = !path;
		}
	}
	if (masked && (r = string_array(masked, "linux", "maskedPaths", &cfg->spec.masked_paths)) < 0)
		return r;
	if (ro && (r = string_array(ro, "linux", "readonlyPaths", &cfg->spec.readonly_paths)) < 0)
		return r;
	for (char **p = cfg->spec.masked_paths; p && *p; p++)
		if ((r = check_guest_path(*p, "masked path")) < 0)
			return r;
	for (char **p = cfg->spec.readonly_paths; p && *p; p++)
		if ((r = check_guest_path(*p, "read-only path")) < 0)
			return r;
	if (res)
		return oci_resources_parse(res, &cfg->resources);
	return 0;
}

static int parse_hooks(json_object *hooks)
{
	json_object_object_foreach(hooks, kind, list) {
		size_t k = 0;
		while (k < OCI_HOOK_KINDS && strcmp(oci_hook_names[k], kind))
			k++;
		if (k == OCI_HOOK_KINDS)
			return oci_error(-EINVAL, "config.json: unknown hook kind %s", kind);
		if (!json_object_is_type(list, json_type_array))
			return oci_error(-EINVAL, "config.json: hooks.%s must be an array", kind);
		for (size_t i = 0; i < json_object_array_length(list); i++) {
			json_object *h = json_object_array_get_idx(list, i), *v;
			const char *path;
			int64_t timeout = 1;
			int r;
			if (!json_object_is_type(h, json_type_object))
				return oci_error(-EINVAL, "config.json: hooks.%s[%zu] must be an object", kind, i);
			if ((r = get_string(h, "hooks[]", "path", true, &path)) < 0 ||
			    (r = get_int(h, "hooks[]", "timeout", false, 1, INT32_MAX, &timeout)) < 0 ||
			    (r = member(h, "hooks[]", "args", json_type_array, false, &v)) < 0 ||
			    (v && (r = check_string_array(v, "hooks[]", "args")) < 0) ||
			    (r = member(h, "hooks[]", "env", json_type_array, false, &v)) < 0 ||
			    (v && (r = check_string_array(v, "hooks[]", "env")) < 0))
				return r;
			if (path[0] != '/')
				return oci_error(-EINVAL, "config.json: hook path %s must be absolute", path);
		}
	}
	return 0;
}

/* Every annotation is a string; dev.runsc-c.egress is the sandbox's egress policy. */
static int parse_annotations(struct oci_config *cfg, json_object *annotations)
{
	json_object_object_foreach(annotations, key, value) {
		if (!json_object_is_type(value, json_type_string))
			return oci_error(-EINVAL, "config.json: annotations.%s must be a string", key);
		if (strcmp(key, OCI_EGRESS_ANNOTATION))
			continue;
		struct egress_policy policy;
		const char *bad;
		if (egress_parse(json_object_get_string(value), &policy, &bad) < 0)
			return oci_error(-EINVAL, "config.json: annotations.%s: bad item \"%s\"", key,
					 bad ? bad : "");
		egress_free(&policy);
		cfg->spec.egress = json_object_get_string(value);
	}
	return 0;
}

int oci_json_read_file(const char *path, json_object **out)
{
	_cleanup_close_ int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : dup(0);
	_cleanup_free_ char *buf = NULL;
	if (fd < 0)
		return oci_error(-errno, "open %s: %s", path, strerror(errno));
	if (!(buf = malloc(OCI_CONFIG_MAX + 1)))
		return -ENOMEM;
	ssize_t n = read_full(fd, buf, OCI_CONFIG_MAX + 1);
	if (n < 0)
		return oci_error((int)n, "read %s: %s", path, strerror((int)-n));
	if (n > OCI_CONFIG_MAX)
		return oci_error(-EFBIG, "%s is larger than %u bytes", path, OCI_CONFIG_MAX);
	json_tokener *tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	*out = json_tokener_parse_ex(tok, buf, (int)n);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t used = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!*out || jerr != json_tokener_success || strspn(buf + used, " \t\r\n") != (size_t)n - used) {
		json_object_put(*out);
		*out = NULL;
		return oci_error(-EINVAL, "%s: not valid JSON (%s)", path, json_tokener_error_desc(jerr));
	}
	if (!json_object_is_type(*out, json_type_object)) {
		json_object_put(take_ptr(out));
		return oci_error(-EINVAL, "%s: not a JSON object", path);
	}
	return 0;
}

void oci_config_free(struct oci_config *cfg)
{
	oci_process_free(&cfg->spec.init);
	free(cfg->spec.mounts);
	free(cfg->spec.masked_paths);
	free(cfg->spec.readonly_paths);
	free(cfg->resources.devices);
	json_object_put(cfg->json);
	json_object_put(cfg->owned);
	memset(cfg, 0, sizeof(*cfg));
}

static int config_parse(const char *bundle, struct oci_config *cfg)
{
	json_object *j, *process, *root, *mounts, *lx;
	const char *version, *root_path;
	char path[PATH_MAX], real[PATH_MAX];
	int r;

	if (!realpath(bundle, real))
		return oci_error(-errno, "bundle %s: %s", bundle, strerror(errno));
	json_object *s = json_object_new_string(real);
	json_object_array_add(cfg->owned, s);
	cfg->bundle = json_object_get_string(s);
	snprintf(path, sizeof(path), "%s/config.json", cfg->bundle);
	if ((r = oci_json_read_file(path, &cfg->json)) < 0)
		return r;
	j = cfg->json;
	if ((r = get_string(j, "config", "ociVersion", true, &version)) < 0 ||
	    (r = member(j, "config", "process", json_type_object, true, &process)) < 0 ||
	    (r = member(j, "config", "root", json_type_object, true, &root)) < 0 ||
	    (r = member(j, "config", "mounts", json_type_array, false, &mounts)) < 0 ||
	    (r = member(j, "config", "linux", json_type_object, false, &lx)) < 0 ||
	    (r = member(j, "config", "hooks", json_type_object, false, &cfg->hooks)) < 0 ||
	    (r = member(j, "config", "annotations", json_type_object, false, &cfg->annotations)) < 0 ||
	    (r = get_string(j, "config", "hostname", false, &cfg->spec.hostname)) < 0 ||
	    (r = get_string(root, "root", "path", true, &root_path)) < 0 ||
	    (r = get_bool(root, "root", "readonly", &cfg->spec.root_readonly)) < 0)
		return r;
	if (strncmp(version, "1.", 2) != 0)
		return oci_error(-EINVAL, "config.json: unsupported ociVersion %s", version);
	if (has_dotdot(root_path) || !*root_path)
		return oci_error(-EINVAL, "config.json: root.path %s must not contain \"..\"", root_path);
	if (root_path[0] == '/')
		snprintf(path, sizeof(path), "%s", root_path);
	else
		snprintf(path, sizeof(path), "%s/%s", cfg->bundle, root_path);
	if (!realpath(path, real))
		return oci_error(-errno, "rootfs %s: %s", path, strerror(errno));
	s = json_object_new_string(real);
	json_object_array_add(cfg->owned, s);
	cfg->rootfs = cfg->spec.rootfs = json_object_get_string(s);
	if ((r = oci_process_parse(process, "process", &cfg->spec.init, &cfg->terminal,
				   &cfg->console_rows, &cfg->console_cols)) < 0)
		return r;
	cfg->spec.argv = cfg->spec.init.argv;
	cfg->spec.env = cfg->spec.init.env;
	cfg->spec.cwd = cfg->spec.init.cwd;
	cfg->spec.uid = cfg->spec.init.uid;
	cfg->spec.gid = cfg->spec.init.gid;
	cfg->resources = (struct oci_resources){ .memory_limit = -1, .pids_limit = -1, .cpu_quota = -1 };
	if ((mounts && (r = parse_mounts(cfg, mounts)) < 0) || (lx && (r = parse_linux(cfg, lx)) < 0) ||
	    (cfg->hooks && (r = parse_hooks(cfg->hooks)) < 0) ||
	    (cfg->annotations && (r = parse_annotations(cfg, cfg->annotations)) < 0))
		return r;
	if (cfg->resources.pids_limit > 0)
		cfg->spec.pids_max = cfg->resources.pids_limit > (1 << 22) ? 1 << 22
									 : (uint32_t)cfg->resources.pids_limit;
	cfg->spec.control_fd = -1;
	return 0;
}

int oci_config_load(const char *bundle, struct oci_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->owned = json_object_new_array();
	if (!cfg->owned)
		return -ENOMEM;
	int r = config_parse(bundle, cfg);
	if (r < 0)
		oci_config_free(cfg);
	return r;
}
