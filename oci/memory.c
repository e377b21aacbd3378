/* `runsc-c debug memory ID`: a running sandbox's memory, as the host sees the sentry and the
   gofer (resident and proportional set sizes from /proc/PID/smaps_rollup) and as the sentry
   counts what the guest keeps in memory (sentry/control.c op_memory). Figures in bytes. */
#define _GNU_SOURCE
#include "oci/container.h"
#include "oci/log.h"
#include "oci/state.h"
#include "sandbox/control.h"
#include "common/cleanup.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

/* Rss and Pss of pid in bytes; -errno if it cannot be read. */
static int smaps_rollup(pid_t pid, uint64_t *rss, uint64_t *pss)
{
	char path[64], line[256];
	unsigned long long kb;
	int found = 0;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Rss: %llu kB", &kb) == 1) {
			*rss = kb * 1024;
			found |= 1;
		} else if (sscanf(line, "Pss: %llu kB", &kb) == 1) {
			*pss = kb * 1024;
			found |= 2;
		}
	}
	fclose(f);
	return found == 3 ? 0 : -EINVAL;
}

static void print_process(FILE *out, const char *name, pid_t pid)
{
	uint64_t rss = 0, pss = 0;
	if (pid > 0 && smaps_rollup(pid, &rss, &pss) == 0)
		fprintf(out, "%s pid %d rss %" PRIu64 " pss %" PRIu64 "\n", name, (int)pid, rss, pss);
	else
		fprintf(out, "%s pid %d unknown\n", name, (int)pid);
}

static uint64_t field(json_object *o, const char *name)
{
	json_object *v;
	return json_object_object_get_ex(o, name, &v) ? (uint64_t)json_object_get_uint64(v) : 0;
}

int oci_memory(const char *root, const char *id, FILE *out)
{
	struct oci_container c = { .dirfd = -1 };
	_cleanup_free_ char *text = NULL;
	json_object *reply, *v;
	int r = oci_container_load(root, id, &c);

	if (r < 0) {
		oci_container_free(&c);
		return oci_error(r, r == -ENOENT ? "container does not exist" : "%s", strerror(-r));
	}
	if (oci_container_status(&c) == OCI_STOPPED)
		r = oci_error(-ESRCH, "container not running");
	else if ((r = sandbox_control_memory(c.sock_path, &text)) < 0)
		r = oci_error(r, "memory: %s", strerror(-r));
	if (r < 0) {
		oci_container_free(&c);
		return r;
	}
	reply = json_tokener_parse(text);
	print_process(out, "sentry", c.pid);
	print_process(out, "gofer", reply && json_object_object_get_ex(reply, "gofer_pid", &v)
					    ? json_object_get_int(v) : 0);
	if (reply && json_object_object_get_ex(reply, "memory_files", &v))
		fprintf(out, "memory-files used %" PRIu64 " limit %" PRIu64 "\n", field(v, "used"),
			field(v, "limit"));
	if (reply && json_object_object_get_ex(reply, "mounts", &v)) {
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			json_object *m = json_object_array_get_idx(v, i), *s;
			const char *path = json_object_object_get_ex(m, "path", &s) ? json_object_get_string(s) : "?";
			const char *type = json_object_object_get_ex(m, "fstype", &s) ? json_object_get_string(s) : "?";
			fprintf(out, "mount %s %s used %" PRIu64 " limit %" PRIu64 "\n", path, type,
				field(m, "used"), field(m, "limit"));
		}
	}
	if (reply && json_object_object_get_ex(reply, "sysv_shm", &v))
		fprintf(out, "sysv-shm segments %" PRIu64 " bytes %" PRIu64 " resident %" PRIu64 "\n",
			field(v, "segments"), field(v, "bytes"), field(v, "resident"));
	json_object_put(reply);
	oci_container_free(&c);
	return 0;
}
