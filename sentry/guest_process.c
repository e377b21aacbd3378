/* The JSON description of a process to start in the sandbox, and what the sentry records
   for it. */
#define _GNU_SOURCE
#include "sentry/guest_process.h"
#include "sentry/kernel.h"
#include "sentry/fs/fs.h"
#include "sentry/task/task.h"
#include "sentry/task/fdtable.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static void strings_free(char **v)
{
	for (char **s = v; s && *s; s++)
		free(*s);
	free(v);
}

static char **json_strings(json_object *a)
{
	if (!json_object_is_type(a, json_type_array))
		return NULL;
	size_t n = json_object_array_length(a);
	char **v = calloc(n + 1, sizeof(char *));
	for (size_t i = 0; v && i < n; i++) {
		json_object *e = json_object_array_get_idx(a, i);
		if (!json_object_is_type(e, json_type_string) || !(v[i] = strdup(json_object_get_string(e)))) {
			strings_free(v);
			return NULL;
		}
	}
	return v;
}

/* An integer member in [min, max], or the default when absent; -EINVAL if it has another
   type or range. */
static int int_member(json_object *o, const char *key, int64_t min, int64_t max, int64_t dflt,
		      int64_t *out)
{
	json_object *v;
	*out = dflt;
	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return -EINVAL;
	*out = json_object_get_int64(v);
	return *out >= min && *out <= max ? 0 : -EINVAL;
}

static int parse_groups(json_object *a, struct guest_process *p)
{
	if (!json_object_is_type(a, json_type_array))
		return -EINVAL;
	size_t n = json_object_array_length(a);
	if (n > TASK_NGROUPS_MAX)
		return -EINVAL;
	p->groups = calloc(n + 1, sizeof(gid_t));
	if (!p->groups)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(a, i);
		int64_t g = json_object_get_int64(e);
		if (!json_object_is_type(e, json_type_int) || g < 0 || g > UINT32_MAX - 1)
			return -EINVAL;
		p->groups[i] = (gid_t)g;
	}
	p->ngroups = n;
	return 0;
}

static int parse_rlimits(json_object *a, struct guest_process *p)
{
	if (!json_object_is_type(a, json_type_array))
		return -EINVAL;
	size_t n = json_object_array_length(a);
	if (n > RLIM_NLIMITS * 4)
		return -EINVAL;
	p->rlimits = calloc(n + 1, sizeof(*p->rlimits));
	if (!p->rlimits)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(a, i), *soft, *hard;
		int64_t type;
		if (!json_object_is_type(e, json_type_object) ||
		    int_member(e, "type", 0, RLIM_NLIMITS - 1, -1, &type) < 0 || type < 0 ||
		    !json_object_object_get_ex(e, "soft", &soft) || !json_object_is_type(soft, json_type_int) ||
		    !json_object_object_get_ex(e, "hard", &hard) || !json_object_is_type(hard, json_type_int))
			return -EINVAL;
		p->rlimits[i] = (struct guest_rlimit){ (int)type, json_object_get_uint64(soft),
						       json_object_get_uint64(hard) };
		if (p->rlimits[i].soft > p->rlimits[i].hard)
			return -EINVAL;
	}
	p->nrlimits = n;
	return 0;
}

const char *const guest_cap_set_names[GUEST_CAP_SETS] = { "bounding", "effective", "permitted",
							   "inheritable", "ambient" };

static int parse_caps(json_object *o, struct guest_process *p)
{
	if (!json_object_is_type(o, json_type_object))
		return -EINVAL;
	for (int i = 0; i < GUEST_CAP_SETS; i++) {
		int64_t n;
		if (int_member(o, guest_cap_set_names[i], 0, INT64_MAX, 0, &n) < 0)
			return -EINVAL;
		p->caps[i] = (uint64_t)n & CAPS_ALL;	/* capabilities the sandbox does not know */
	}
	return 0;
}

int guest_process_from_json(json_object *o, struct guest_process *p)
{
	json_object *v;
	int64_t n;
	int r = -EINVAL;

	memset(p, 0, sizeof(*p));
	p->umask = -1;
	if (!json_object_is_type(o, json_type_object))
		goto bad;
	if (!json_object_object_get_ex(o, "args", &v) || !(p->argv = json_strings(v)) || !p->argv[0])
		goto bad;
	if (!json_object_object_get_ex(o, "env", &v) || !(p->envp = json_strings(v)))
		goto bad;
	if (json_object_object_get_ex(o, "cwd", &v)) {
		if (!json_object_is_type(v, json_type_string) || !(p->cwd = strdup(json_object_get_string(v))))
			goto bad;
	}
	if (int_member(o, "uid", 0, UINT32_MAX - 1, 0, &n) < 0)
		goto bad;
	p->uid = (uid_t)n;
	if (int_member(o, "gid", 0, UINT32_MAX - 1, 0, &n) < 0)
		goto bad;
	p->gid = (gid_t)n;
	if (int_member(o, "umask", -1, 0777, -1, &n) < 0)
		goto bad;
	p->umask = (int)n;
	if (json_object_object_get_ex(o, "groups", &v) && (r = parse_groups(v, p)) < 0)
		goto bad;
	if (json_object_object_get_ex(o, "rlimits", &v) && (r = parse_rlimits(v, p)) < 0)
		goto bad;
	if (json_object_object_get_ex(o, "no_new_privs", &v))
		p->no_new_privs = json_object_get_boolean(v);
	if (json_object_object_get_ex(o, "capabilities", &v) && (r = parse_caps(v, p)) < 0)
		goto bad;
	return 0;
bad:
	guest_process_free(p);
	return r == -ENOMEM ? r : -EINVAL;
}

void guest_process_free(struct guest_process *p)
{
	strings_free(p->argv);
	strings_free(p->envp);
	free(p->cwd);
	free(p->groups);
	free(p->rlimits);
	memset(p, 0, sizeof(*p));
}

int guest_process_check_fds(const int *fds, int n)
{
	for (int i = 0; i < n; i++) {
		struct stat st;
		if (fstat(fds[i], &st) < 0)
			return -errno;
		if (!S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode) && !S_ISREG(st.st_mode) &&
		    !S_ISSOCK(st.st_mode))
			return -EBADF;
		int fl = fcntl(fds[i], F_GETFL);
		if (fl < 0 || (fl & O_PATH))
			return -EBADF;
	}
	return 0;
}

/* The sentry keeps its own copy of each host fd: the caller's may be closed after. */
static int adopt_fds(struct task *t, int first, const int *fds, int n, bool own_session)
{
	for (int i = 0; i < n; i++) {
		int fd = first + i, copy = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
		if (copy < 0)
			continue;
		/* A terminal (the OCI console, an exec's --tty) is named in /dev/pts while the
		   guest holds it: the console is /dev/pts/0, as under runc. */
		struct file *f = isatty(copy) ? hostfd_terminal_file_new(copy) : hostfd_file_new(copy);
		if (!f) {
			close(copy);
			return -ENOMEM;
		}
		fd_adopt(t, fd, f);
		int r = own_session && fd == 0 ? hostfd_claim_tty(f, t->tg->sid, t->tg->pgid) : 0;
		file_put(f);
		if (r < 0)
			return r;
	}
	return 0;
}

int guest_process_apply(struct task *t, const struct guest_process *p, const int stdio[3],
			bool own_session)
{
	struct thread_group *tg = t->tg;
	struct creds *c = &tg->creds;

	c->ngroups = (int)p->ngroups;
	memcpy(c->groups, p->groups, p->ngroups * sizeof(gid_t));
	c->cap_bounding = p->caps[GUEST_CAP_BOUNDING];
	c->cap_permitted = p->caps[GUEST_CAP_PERMITTED];
	c->cap_inheritable = p->caps[GUEST_CAP_INHERITABLE];
	/* Linux's invariants: effective within permitted, ambient within both of the others. */
	c->cap_effective = p->caps[GUEST_CAP_EFFECTIVE] & c->cap_permitted;
	c->cap_ambient = p->caps[GUEST_CAP_AMBIENT] & c->cap_permitted & c->cap_inheritable;
	if (p->umask >= 0)
		t->fs->umask = (mode_t)p->umask;
	for (size_t i = 0; i < p->nrlimits; i++)
		tg->rlimits[p->rlimits[i].resource] =
			(struct rlimit){ p->rlimits[i].soft, p->rlimits[i].hard };
	if (p->cwd) {
		struct path cwd;
		int r = vfs_resolve(t, &t->fs->root, p->cwd, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &cwd, NULL);
		if (r < 0)
			return log_errno(r, "working directory %s", p->cwd);
		path_set(&t->fs->cwd, &cwd);
		path_put(&cwd);
	}
	return adopt_fds(t, 0, stdio, 3, own_session);
}

int guest_process_adopt_fds(struct task *t, int first, const int *fds, int n)
{
	return adopt_fds(t, first, fds, n, false);
}

int guest_process_find_program(const struct guest_process *p, int (*try)(const char *path, void *arg),
			       void *arg)
{
	const char *prog = p->argv[0];
	const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	char full[4096];
	int saved = -ENOENT;

	if (strchr(prog, '/'))
		return try(prog, arg);
	for (char **e = p->envp; *e; e++)
		if (!strncmp(*e, "PATH=", 5))
			path = *e + 5;
	while (*path) {
		const char *end = strchrnul(path, ':');
		int n = snprintf(full, sizeof(full), "%.*s/%s", (int)(end - path), path, prog);
		if (n > 0 && (size_t)n < sizeof(full)) {
			int r = try(full, arg);
			if (r == 0)
				return 0;
			if (r != -ENOENT && r != -ENOTDIR)
				saved = r;
		}
		path = *end ? end + 1 : end;
	}
	return saved;
}

/* Limits only the host can enforce (CPU time, sizes of what the host allocates); the others
   (open files, processes, priorities) are the sentry's record. */
static const int host_enforced[] = { RLIMIT_CPU, RLIMIT_DATA, RLIMIT_STACK, RLIMIT_CORE,
				     RLIMIT_AS, RLIMIT_MEMLOCK };

void guest_process_host_rlimits(const struct guest_process *p)
{
	for (size_t i = 0; i < p->nrlimits; i++)
		for (size_t k = 0; k < sizeof(host_enforced) / sizeof(host_enforced[0]); k++)
			if (p->rlimits[i].resource == host_enforced[k])
				setrlimit(host_enforced[k],
					  &(struct rlimit){ p->rlimits[i].soft, p->rlimits[i].hard });
}
