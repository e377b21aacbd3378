#define _GNU_SOURCE
#include "oci/features.h"
#include "common/cleanup.h"
#include "oci/spec.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

static json_object *strings(const char *const *v, size_t n)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

static json_object *object_with(const char *key, json_object *value)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, key, value);
	return o;
}

static const char *const default_caps[] = { "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" };

static json_object *mount(const char *dest, const char *type, const char *source,
			  const char *const *options, size_t n)
{
	json_object *m = json_object_new_object();
	json_object_object_add(m, "destination", json_object_new_string(dest));
	json_object_object_add(m, "type", json_object_new_string(type));
	json_object_object_add(m, "source", json_object_new_string(source));
	if (n)
		json_object_object_add(m, "options", strings(options, n));
	return m;
}

json_object *oci_default_config(void)
{
	static const char *const env[] = { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
					   "TERM=xterm" };
	static const char *const dev_opts[] = { "nosuid", "strictatime", "mode=755", "size=65536k" };
	static const char *const pts_opts[] = { "nosuid", "noexec", "newinstance", "ptmxmode=0666",
						"mode=0620", "gid=5" };
	static const char *const shm_opts[] = { "nosuid", "noexec", "nodev", "mode=1777", "size=65536k" };
	static const char *const mq_opts[] = { "nosuid", "noexec", "nodev" };
	static const char *const sys_opts[] = { "nosuid", "noexec", "nodev", "ro" };
	static const char *const masked[] = { "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
					      "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
					      "/proc/sched_debug", "/sys/firmware", "/proc/scsi" };
	static const char *const readonly[] = { "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
						"/proc/sysrq-trigger" };
	static const char *const namespaces[] = { "pid", "network", "ipc", "uts", "mount" };

	json_object *c = json_object_new_object();
	json_object_object_add(c, "ociVersion", json_object_new_string(OCI_SPEC_VERSION));

	json_object *p = json_object_new_object();
	json_object_object_add(p, "terminal", json_object_new_boolean(1));
	json_object *user = json_object_new_object();
	json_object_object_add(user, "uid", json_object_new_int(0));
	json_object_object_add(user, "gid", json_object_new_int(0));
	json_object_object_add(p, "user", user);
	json_object_object_add(p, "args", strings((const char *const[]){ "sh" }, 1));
	json_object_object_add(p, "env", strings(env, ARRAY_SIZE(env)));
	json_object_object_add(p, "cwd", json_object_new_string("/"));
	json_object *caps = json_object_new_object();
	static const char *const sets[] = { "bounding", "effective", "permitted", "ambient" };
	for (size_t i = 0; i < ARRAY_SIZE(sets); i++)
		json_object_object_add(caps, sets[i], strings(default_caps, ARRAY_SIZE(default_caps)));
	json_object_object_add(p, "capabilities", caps);
	json_object *nofile = json_object_new_object();
	json_object_object_add(nofile, "type", json_object_new_string("RLIMIT_NOFILE"));
	json_object_object_add(nofile, "hard", json_object_new_int(1024));
	json_object_object_add(nofile, "soft", json_object_new_int(1024));
	json_object *rlimits = json_object_new_array();
	json_object_array_add(rlimits, nofile);
	json_object_object_add(p, "rlimits", rlimits);
	json_object_object_add(p, "noNewPrivileges", json_object_new_boolean(1));
	json_object_object_add(c, "process", p);

	json_object *root = json_object_new_object();
	json_object_object_add(root, "path", json_object_new_string("rootfs"));
	json_object_object_add(root, "readonly", json_object_new_boolean(1));
	json_object_object_add(c, "root", root);
	json_object_object_add(c, "hostname", json_object_new_string("runsc-c"));

	json_object *mounts = json_object_new_array();
	json_object_array_add(mounts, mount("/proc", "proc", "proc", NULL, 0));
	json_object_array_add(mounts, mount("/dev", "tmpfs", "tmpfs", dev_opts, ARRAY_SIZE(dev_opts)));
	json_object_array_add(mounts, mount("/dev/pts", "devpts", "devpts", pts_opts, ARRAY_SIZE(pts_opts)));
	json_object_array_add(mounts, mount("/dev/shm", "tmpfs", "shm", shm_opts, ARRAY_SIZE(shm_opts)));
	json_object_array_add(mounts, mount("/dev/mqueue", "mqueue", "mqueue", mq_opts, ARRAY_SIZE(mq_opts)));
	json_object_array_add(mounts, mount("/sys", "sysfs", "sysfs", sys_opts, ARRAY_SIZE(sys_opts)));
	json_object_object_add(c, "mounts", mounts);

	json_object *lx = json_object_new_object();
	json_object *deny = json_object_new_object();
	json_object_object_add(deny, "allow", json_object_new_boolean(0));
	json_object_object_add(deny, "access", json_object_new_string("rwm"));
	json_object *devices = json_object_new_array();
	json_object_array_add(devices, deny);
	json_object_object_add(lx, "resources", object_with("devices", devices));
	json_object *ns = json_object_new_array();
	for (size_t i = 0; i < ARRAY_SIZE(namespaces); i++)
		json_object_array_add(ns, object_with("type", json_object_new_string(namespaces[i])));
	json_object_object_add(lx, "namespaces", ns);
	json_object_object_add(lx, "maskedPaths", strings(masked, ARRAY_SIZE(masked)));
	json_object_object_add(lx, "readonlyPaths", strings(readonly, ARRAY_SIZE(readonly)));
	json_object_object_add(c, "linux", lx);
	return c;
}

/* Every capability libcap knows, as CAP_NAME. */
static json_object *all_caps(void)
{
	json_object *a = json_object_new_array();
	for (cap_value_t cap = 0; cap <= CAP_LAST_CAP; cap++) {
		char *name = cap_to_name(cap);
		if (!name)
			continue;
		char upper[64];
		size_t i = 0;
		for (; name[i] && i < sizeof(upper) - 1; i++)
			upper[i] = (char)toupper((unsigned char)name[i]);
		upper[i] = '\0';
		cap_free(name);
		json_object_array_add(a, json_object_new_string(upper));
	}
	return a;
}

json_object *oci_features(void)
{
	static const char *const mount_options[] = { "bind", "rbind", "ro", "rw", "size", "mode" };
	static const char *const namespaces[] = { "cgroup", "ipc", "mount", "network", "pid", "user",
						  "uts" };
	json_object *f = json_object_new_object();
	json_object_object_add(f, "ociVersionMin", json_object_new_string("1.0.0"));
	json_object_object_add(f, "ociVersionMax", json_object_new_string(OCI_SPEC_VERSION));
	json_object_object_add(f, "hooks", strings(oci_hook_names, OCI_HOOK_KINDS));
	json_object_object_add(f, "mountOptions", strings(mount_options, ARRAY_SIZE(mount_options)));
	json_object *lx = json_object_new_object();
	json_object_object_add(lx, "namespaces", strings(namespaces, ARRAY_SIZE(namespaces)));
	json_object_object_add(lx, "capabilities", all_caps());
	json_object *cg = json_object_new_object();
	json_object_object_add(cg, "v1", json_object_new_boolean(1));
	json_object_object_add(cg, "v2", json_object_new_boolean(1));
	json_object_object_add(cg, "systemd", json_object_new_boolean(1));
	json_object_object_add(cg, "systemdUser", json_object_new_boolean(0));
	json_object_object_add(lx, "cgroup", cg);
	/* The sentry is the guest's kernel: host seccomp/LSM profiles from config.json do not
	   apply to what runs in the sandbox (its own filters do). */
	json_object_object_add(lx, "seccomp", object_with("enabled", json_object_new_boolean(0)));
	json_object_object_add(lx, "apparmor", object_with("enabled", json_object_new_boolean(0)));
	json_object_object_add(lx, "selinux", object_with("enabled", json_object_new_boolean(0)));
	json_object_object_add(f, "linux", lx);
	json_object_object_add(f, "annotations",
			       object_with("io.github.runsc-c.sandbox", json_object_new_string("sentry")));
	return f;
}
