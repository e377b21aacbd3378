#define _GNU_SOURCE
#include "oci/rootfs.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "oci/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/openat2.h>

#define PASSWD_MAX (1 << 20)

static int open_in_root(const char *rootfs, const char *path, int flags)
{
	_cleanup_close_ int root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct open_how how = { .flags = (uint64_t)(flags | O_CLOEXEC), .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	if (root < 0)
		return -errno;
	int fd = (int)syscall(SYS_openat2, root, path, &how, sizeof(how));
	return fd < 0 ? -errno : fd;
}

static const char *env_get(char **env, const char *key)
{
	size_t n = strlen(key);
	for (; env && *env; env++)
		if (!strncmp(*env, key, n) && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

/* The home directory field of uid's line in /etc/passwd, or "/" . */
static void home_of(const char *rootfs, uid_t uid, char *home, size_t len)
{
	_cleanup_close_ int fd = open_in_root(rootfs, "/etc/passwd", O_RDONLY);
	_cleanup_free_ char *buf = malloc(PASSWD_MAX + 1);
	snprintf(home, len, "/");
	ssize_t n = fd >= 0 && buf ? read_full(fd, buf, PASSWD_MAX) : -1;
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		/* name:password:uid:gid:gecos:home:shell */
		char *field[7] = { 0 };
		int k = 0;
		for (char *p = line; k < 7; k++) {
			field[k] = p;
			p = strchr(p, ':');
			if (!p)
				break;
			*p++ = '\0';
		}
		if (k < 6 || !field[5])
			continue;
		char *end;
		unsigned long id = strtoul(field[2], &end, 10);
		if (*end == '\0' && end != field[2] && id == uid && field[5][0] == '/') {
			snprintf(home, len, "%s", field[5]);
			return;
		}
	}
}

int oci_rootfs_set_home(const char *rootfs, struct sandbox_process *p, json_object *owned)
{
	char home[PATH_MAX], *entry;
	size_t n = 0;
	if (env_get(p->env, "HOME"))
		return 0;
	home_of(rootfs, p->uid, home, sizeof(home));
	if (asprintf(&entry, "HOME=%s", home) < 0)
		return -ENOMEM;
	json_object *s = json_object_new_string(entry);
	free(entry);
	json_object_array_add(owned, s);
	while (p->env[n])
		n++;
	char **grown = realloc(p->env, (n + 2) * sizeof(char *));
	if (!grown)
		return -ENOMEM;
	grown[n] = (char *)json_object_get_string(s);
	grown[n + 1] = NULL;
	p->env = grown;
	return 0;
}

static bool under_mount(const char *path, const struct sandbox_mount *mounts, size_t nmounts)
{
	for (size_t i = 0; i < nmounts; i++) {
		size_t n = strlen(mounts[i].destination);
		while (n > 1 && mounts[i].destination[n - 1] == '/')
			n--;
		if (!strncmp(path, mounts[i].destination, n) && (path[n] == '/' || path[n] == '\0' || n == 1))
			return true;
	}
	return false;
}

/* 0 if path is an executable file in the rootfs (or under a mount); -errno otherwise. */
static int executable(const char *rootfs, const char *path, const struct sandbox_mount *mounts,
		      size_t nmounts)
{
	struct stat st;
	if (under_mount(path, mounts, nmounts))
		return 0;
	_cleanup_close_ int fd = open_in_root(rootfs, path, O_PATH);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111))
		return -EACCES;
	return 0;
}

int oci_rootfs_check_exec(const char *rootfs, const struct sandbox_process *p,
			  const struct sandbox_mount *mounts, size_t nmounts, const char *prefix)
{
	const char *prog = p->argv[0];
	char path[PATH_MAX];
	int r;

	if (strchr(prog, '/')) {
		snprintf(path, sizeof(path), "%s%s%s", prog[0] == '/' ? "" : p->cwd,
			 prog[0] == '/' || p->cwd[strlen(p->cwd) - 1] == '/' ? "" : "/", prog);
		r = executable(rootfs, path, mounts, nmounts);
		if (r == -ENOENT || r == -ENOTDIR)
			return oci_error(r, "%sunable to start container process: exec: \"%s\": stat %s: no such file or directory",
					 prefix, prog, prog);
		if (r < 0)
			return oci_error(r, "%sunable to start container process: exec: \"%s\": permission denied", prefix, prog);
		return 0;
	}
	const char *search = env_get(p->env, "PATH");
	_cleanup_free_ char *dirs = strdup(search ? search : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	if (!dirs)
		return -ENOMEM;
	bool denied = false;
	for (char *save = NULL, *dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		if (dir[0] != '/')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, prog);
		r = executable(rootfs, path, mounts, nmounts);
		if (r == 0)
			return 0;
		denied |= r == -EACCES;
	}
	if (denied)
		return oci_error(-EACCES, "%sunable to start container process: exec: \"%s\": permission denied", prefix, prog);
	return oci_error(-ENOENT, "%sunable to start container process: exec: \"%s\": executable file not found in $PATH",
			 prefix, prog);
}
