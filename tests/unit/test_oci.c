/* The OCI library (oci/): config.json parsing and its validation, the state directory and
   the status derived from the sentry's pid, container ids, cgroup paths, signal names, hooks
   and the console. The runc-compatible behaviour end to end is tests/integration/test_oci.sh. */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "oci/caps.h"
#include "oci/cgroup.h"
#include "oci/console.h"
#include "oci/container.h"
#include "oci/hooks.h"
#include "oci/spec.h"
#include "oci/state.h"

static char bundle[PATH_MAX];

static void write_config(const char *text)
{
	char path[PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void setup(void)
{
	char path[PATH_MAX + 16];
	snprintf(bundle, sizeof(bundle), "/tmp/oci-unit.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(bundle));
	snprintf(path, sizeof(path), "%s/rootfs", bundle);
	ck_assert_int_eq(mkdir(path, 0755), 0);
}

static void teardown(void)
{
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", bundle);
	ck_assert_int_eq(system(cmd), 0);
}

#define FULL_CONFIG                                                                              \
	"{\"ociVersion\":\"1.0.2\",\"process\":{\"terminal\":true,\"consoleSize\":{\"height\":40,"  \
	"\"width\":120},\"user\":{\"uid\":1000,\"gid\":100,\"umask\":18,\"additionalGids\":[5,6]},"  \
	"\"args\":[\"sh\",\"-c\",\"true\"],\"env\":[\"PATH=/bin\",\"A=b=c\"],\"cwd\":\"/tmp\","      \
	"\"capabilities\":{\"bounding\":[\"CAP_KILL\",\"CAP_CHOWN\"],\"effective\":[\"CAP_KILL\"]," \
	"\"ambient\":[\"CAP_NOT_A_CAPABILITY\"]},"                                                   \
	"\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":100,\"hard\":200}],"                      \
	"\"noNewPrivileges\":true,\"apparmorProfile\":\"docker-default\"},"                          \
	"\"root\":{\"path\":\"rootfs\",\"readonly\":true},\"hostname\":\"box\","                     \
	"\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"             \
	"{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"data\",\"options\":[\"rbind\","   \
	"\"ro\"]},{\"destination\":\"/t\",\"type\":\"tmpfs\",\"options\":[\"size=64k\","             \
	"\"mode=1777\"]}],"                                                                          \
	"\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\",\"path\":"              \
	"\"/proc/1/ns/net\"}],\"maskedPaths\":[\"/proc/kcore\"],\"readonlyPaths\":[\"/proc/sys\"],"  \
	"\"cgroupsPath\":\"/docker/abc\",\"resources\":{\"memory\":{\"limit\":67108864,"            \
	"\"swap\":134217728},\"pids\":{\"limit\":50},\"cpu\":{\"shares\":512,\"quota\":50000,"       \
	"\"period\":100000},\"devices\":[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,"      \
	"\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rw\"}]}},"                               \
	"\"hooks\":{\"prestart\":[{\"path\":\"/bin/true\",\"args\":[\"true\"],\"timeout\":5}]},"     \
	"\"annotations\":{\"k\":\"v\"}}"

START_TEST(config_full)
{
	struct oci_config cfg;
	write_config(FULL_CONFIG);
	ck_assert_int_eq(oci_config_load(bundle, &cfg), 0);
	const struct sandbox_process *p = &cfg.spec.init;
	ck_assert_str_eq(p->argv[0], "sh");
	ck_assert_str_eq(p->argv[2], "true");
	ck_assert_ptr_null(p->argv[3]);
	ck_assert_str_eq(p->env[1], "A=b=c");
	ck_assert_str_eq(cfg.spec.cwd, "/tmp");
	ck_assert_int_eq(p->uid, 1000);
	ck_assert_int_eq(cfg.spec.gid, 100);
	ck_assert_int_eq(p->umask, 022);
	ck_assert_int_eq(p->ngroups, 2);
	ck_assert_int_eq(p->groups[1], 6);
	ck_assert_int_eq(p->nrlimits, 1);
	ck_assert_int_eq(p->rlimits[0].resource, RLIMIT_NOFILE);
	ck_assert_int_eq(p->rlimits[0].soft, 100);
	ck_assert_int_eq(p->rlimits[0].hard, 200);
	ck_assert_uint_eq(p->cap_bounding, (1ull << CAP_KILL) | (1ull << CAP_CHOWN));
	ck_assert_uint_eq(p->cap_effective, 1ull << CAP_KILL);
	ck_assert_uint_eq(p->cap_ambient, 0);	/* unknown names are skipped, as runc does */
	ck_assert(p->no_new_privs);
	ck_assert(cfg.terminal);
	ck_assert_int_eq(cfg.console_rows, 40);
	ck_assert_int_eq(cfg.console_cols, 120);
	ck_assert(cfg.spec.root_readonly);
	ck_assert_str_eq(cfg.spec.hostname, "box");
	char want[PATH_MAX + 16];
	snprintf(want, sizeof(want), "%s/rootfs", bundle);
	ck_assert_str_eq(cfg.rootfs, want);
	ck_assert_int_eq(cfg.spec.nmounts, 3);
	ck_assert_str_eq(cfg.spec.mounts[0].type, "proc");
	ck_assert_str_eq(cfg.spec.mounts[1].type, "bind");
	snprintf(want, sizeof(want), "%s/data", bundle);
	ck_assert_str_eq(cfg.spec.mounts[1].source, want);	/* relative to the bundle */
	ck_assert(cfg.spec.mounts[1].readonly);
	ck_assert_str_eq(cfg.spec.mounts[2].type, "tmpfs");
	ck_assert_uint_eq(cfg.spec.mounts[2].size, 65536);
	ck_assert_uint_eq(cfg.spec.mounts[2].mode, 01777);
	ck_assert_str_eq(cfg.netns_path, "/proc/1/ns/net");
	ck_assert(!cfg.new_netns);
	ck_assert_str_eq(cfg.spec.masked_paths[0], "/proc/kcore");
	ck_assert_str_eq(cfg.spec.readonly_paths[0], "/proc/sys");
	ck_assert_str_eq(cfg.cgroups_path, "/docker/abc");
	ck_assert_int_eq(cfg.resources.memory_limit, 64 << 20);
	ck_assert_int_eq(cfg.resources.memory_swap, 128 << 20);
	ck_assert_int_eq(cfg.resources.pids_limit, 50);
	ck_assert_int_eq(cfg.spec.pids_max, 50);
	ck_assert_int_eq(cfg.resources.cpu_shares, 512);
	ck_assert_int_eq(cfg.resources.cpu_quota, 50000);
	ck_assert_int_eq(cfg.resources.ndevices, 2);
	ck_assert(!cfg.resources.devices[0].allow);
	ck_assert_int_eq(cfg.resources.devices[0].type, 'a');
	ck_assert_int_eq(cfg.resources.devices[1].major, 1);
	ck_assert_str_eq(cfg.resources.devices[1].access, "rw");
	ck_assert_ptr_nonnull(cfg.hooks);
	ck_assert_ptr_nonnull(cfg.annotations);
	ck_assert_int_eq(cfg.spec.control_fd, -1);
	oci_config_free(&cfg);
}
END_TEST

/* Each of these is refused with -EINVAL (or -EFBIG) and leaves nothing to free. */
static const char *const bad_configs[] = {
	"",
	"[]",
	"{\"ociVersion\":\"1.0.2\"",
	"{\"ociVersion\":\"1.0.2\"} trailing",
	"{\"process\":{},\"root\":{\"path\":\"rootfs\"}}",
	"{\"ociVersion\":\"2.0.0\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],\"cwd\":\"/\"},\"root\":{\"path\":\"rootfs\"}}",
	"{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"}}",
	"{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},\"args\":\"sh\",\"cwd\":\"/\"},\"root\":{\"path\":\"rootfs\"}}",
	"{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},\"args\":[],\"cwd\":\"/\"},\"root\":{\"path\":\"rootfs\"}}",
	"{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},\"args\":[1],\"cwd\":\"/\"},\"root\":{\"path\":\"rootfs\"}}",
	"{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":{\"uid\":\"0\",\"gid\":0},\"args\":[\"sh\"],\"cwd\":\"/\"},\"root\":{\"path\":\"rootfs\"}}",
	"{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":{\"uid\":-1,\"gid\":0},\"args\":[\"sh\"],\"cwd\":\"/\"},\"root\":{\"path\":\"rootfs\"}}",
	"{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],\"cwd\":\"tmp\"},\"root\":{\"path\":\"rootfs\"}}",
	"{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],\"cwd\":\"/\",\"env\":[\"NOEQUALS\"]},\"root\":{\"path\":\"rootfs\"}}",
	"{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],\"cwd\":\"/\",\"terminal\":\"yes\"},\"root\":{\"path\":\"rootfs\"}}",
	"{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],\"cwd\":\"/\",\"rlimits\":[{\"type\":\"RLIMIT_BOGUS\",\"soft\":1,\"hard\":1}]},\"root\":{\"path\":\"rootfs\"}}",
	"{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],\"cwd\":\"/\",\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":2,\"hard\":1}]},\"root\":{\"path\":\"rootfs\"}}",
	"{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],\"cwd\":\"/\"},\"root\":{\"path\":\"../rootfs\"}}",
	"{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],\"cwd\":\"/\"},\"root\":{\"path\":\"nonexistent\"}}",
	"{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],\"cwd\":\"/\"},\"root\":{\"path\":\"rootfs\"},\"mounts\":[{\"destination\":\"/a/../../etc\",\"type\":\"tmpfs\"}]}",
	"{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],\"cwd\":\"/\"},\"root\":{\"path\":\"rootfs\"},\"mounts\":[{\"destination\":\"rel\",\"type\":\"tmpfs\"}]}",
	"{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],\"cwd\":\"/\"},\"root\":{\"path\":\"rootfs\"},\"mounts\":[{\"destination\":\"/x\",\"type\":\"bind\"}]}",
	"{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],\"cwd\":\"/\"},\"root\":{\"path\":\"rootfs\"},\"mounts\":[{\"destination\":\"/t\",\"type\":\"tmpfs\",\"options\":[\"size=lots\"]}]}",
	"{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],\"cwd\":\"/\"},\"root\":{\"path\":\"rootfs\"},\"mounts\":{}}",
	"{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],\"cwd\":\"/\"},\"root\":{\"path\":\"rootfs\"},\"linux\":{\"namespaces\":[{\"type\":\"bogus\"}]}}",
	"{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],\"cwd\":\"/\"},\"root\":{\"path\":\"rootfs\"},\"linux\":{\"maskedPaths\":[\"/proc/../etc\"]}}",
	"{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],\"cwd\":\"/\"},\"root\":{\"path\":\"rootfs\"},\"linux\":{\"resources\":{\"memory\":{\"limit\":\"1g\"}}}}",
	"{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],\"cwd\":\"/\"},\"root\":{\"path\":\"rootfs\"},\"linux\":{\"resources\":{\"devices\":[{\"access\":\"rwm\"}]}}}",
	"{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],\"cwd\":\"/\"},\"root\":{\"path\":\"rootfs\"},\"hooks\":{\"prestart\":[{\"path\":\"relative\"}]}}",
	"{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],\"cwd\":\"/\"},\"root\":{\"path\":\"rootfs\"},\"hooks\":{\"sometime\":[]}}",
	"{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],\"cwd\":\"/\"},\"root\":{\"path\":\"rootfs\"},\"annotations\":{\"k\":1}}",
};

#define CAPBIT(c) (UINT64_C(1) << (c))

/* Docker's --cap-add/--cap-drop rule, and runc exec --cap. */
START_TEST(caps_docker_rule)
{
	const uint64_t def = oci_caps_docker_default();
	struct oci_caps_change none = { 0 }, drop = { 0 }, drop_all = { 0 }, add_all = { 0 };

	ck_assert_uint_eq(def, 0xa80425fb);	/* what runc shows in CapEff under docker */
	ck_assert_uint_eq(oci_caps_apply_change(def, &none), def);
	ck_assert_int_eq(oci_caps_change_parse(&drop, "chown,CAP_KILL", false), 0);
	ck_assert_int_eq(oci_caps_change_parse(&drop, "sys_admin", true), 0);
	ck_assert_uint_eq(oci_caps_apply_change(def, &drop),
			  (def & ~(CAPBIT(CAP_CHOWN) | CAPBIT(CAP_KILL))) | CAPBIT(CAP_SYS_ADMIN));
	ck_assert_int_eq(oci_caps_change_parse(&drop_all, "ALL", false), 0);
	ck_assert_int_eq(oci_caps_change_parse(&drop_all, "NET_RAW", true), 0);
	ck_assert_uint_eq(oci_caps_apply_change(def, &drop_all), CAPBIT(CAP_NET_RAW));
	ck_assert_int_eq(oci_caps_change_parse(&add_all, "all", true), 0);
	ck_assert_int_eq(oci_caps_change_parse(&add_all, "SETUID", false), 0);
	ck_assert_uint_eq(oci_caps_apply_change(def, &add_all), oci_caps_all() & ~CAPBIT(CAP_SETUID));
	ck_assert_int_eq(oci_caps_change_parse(&none, "NO_SUCH_CAP", true), -EINVAL);

	struct sandbox_process p = { 0 };
	oci_caps_set_process(&p, def);
	ck_assert_uint_eq(p.cap_bounding & p.cap_effective & p.cap_permitted, def);
	ck_assert_uint_eq(p.cap_inheritable | p.cap_ambient, 0);
	ck_assert_int_eq(oci_caps_exec_add(&p, "SYS_ADMIN"), 0);
	ck_assert_uint_eq(p.cap_permitted, def | CAPBIT(CAP_SYS_ADMIN));
	ck_assert_uint_eq(p.cap_ambient, 0);	/* nothing inheritable: no ambient */
	p.cap_inheritable = CAPBIT(CAP_CHOWN);
	ck_assert_int_eq(oci_caps_exec_add(&p, "cap_net_admin"), 0);
	ck_assert_uint_eq(p.cap_ambient, CAPBIT(CAP_NET_ADMIN));
	ck_assert_int_eq(oci_caps_exec_add(&p, "bogus"), -EINVAL);
}
END_TEST

START_TEST(config_bad)
{
	struct oci_config cfg;
	write_config(bad_configs[_i]);
	int r = oci_config_load(bundle, &cfg);
	ck_assert_msg(r == -EINVAL || r == -ENOENT, "config %d: %d", _i, r);
	ck_assert_ptr_null(cfg.json);
}
END_TEST

START_TEST(config_huge)
{
	struct oci_config cfg;
	char path[PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, OCI_CONFIG_MAX + 1), 0);
	close(fd);
	ck_assert_int_eq(oci_config_load(bundle, &cfg), -EFBIG);
}
END_TEST

START_TEST(ids)
{
	ck_assert_int_eq(oci_id_check("abc-DEF_1.2+3"), 0);
	ck_assert_int_eq(oci_id_check("a/b"), -EINVAL);
	ck_assert_int_eq(oci_id_check(".."), -EINVAL);
	ck_assert_int_eq(oci_id_check(""), -EINVAL);
	ck_assert_int_eq(oci_id_check("a b"), -EINVAL);
}
END_TEST

START_TEST(state_lifecycle)
{
	struct oci_container c, d;
	char root[PATH_MAX + 16];
	snprintf(root, sizeof(root), "%s/state", bundle);
	ck_assert_int_eq(oci_container_create_dir(root, "c1", &c), 0);
	ck_assert_int_eq(oci_container_create_dir(root, "c1", &d), -EEXIST);
	oci_container_free(&d);
	ck_assert_int_eq(oci_container_status(&c), OCI_CREATING);
	c.bundle = strdup(bundle);
	/* A live process stands in for the sentry. */
	c.pid = getpid();
	ck_assert_int_eq(oci_pid_start_time(c.pid, &c.pid_start), 0);
	ck_assert_int_eq(oci_container_save(&c), 0);
	ck_assert_int_eq(oci_container_load(root, "c1", &d), 0);
	ck_assert_int_eq(oci_container_status(&d), OCI_CREATED);
	ck_assert_str_eq(d.bundle, bundle);
	d.started = true;
	ck_assert_int_eq(oci_container_status(&d), OCI_RUNNING);
	d.paused = true;
	ck_assert_int_eq(oci_container_status(&d), OCI_PAUSED);
	/* Another process at the same pid (start time differs) is not the sentry. */
	d.pid_start++;
	ck_assert_int_eq(oci_container_status(&d), OCI_STOPPED);
	json_object *s = oci_container_state_json(&d), *v;
	ck_assert(json_object_object_get_ex(s, "status", &v));
	ck_assert_str_eq(json_object_get_string(v), "stopped");
	ck_assert(json_object_object_get_ex(s, "pid", &v));
	ck_assert_int_eq(json_object_get_int(v), 0);
	json_object_put(s);
	/* A zombie is stopped too. */
	pid_t child = fork();
	if (child == 0)
		_exit(0);
	siginfo_t si;
	ck_assert_int_eq(waitid(P_PID, child, &si, WEXITED | WNOWAIT), 0);
	uint64_t start;
	ck_assert_int_eq(oci_pid_start_time(child, &start), -ESRCH);
	waitpid(child, NULL, 0);
	oci_container_free(&d);

	char **ids;
	size_t n;
	ck_assert_int_eq(oci_container_list(root, &ids, &n), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(ids[0], "c1");
	free(ids[0]);
	free(ids);
	ck_assert_int_eq(oci_container_remove_dir(&c), 0);
	oci_container_free(&c);
	ck_assert_int_eq(oci_container_load(root, "c1", &d), -ENOENT);
	oci_container_free(&d);
}
END_TEST

START_TEST(cgroup_paths)
{
	char *rel;
	ck_assert_int_eq(oci_cgroup_path("/docker/abc", false, "abc", &rel), 0);
	ck_assert_str_eq(rel, "/docker/abc");
	free(rel);
	ck_assert_int_eq(oci_cgroup_path(NULL, false, "abc", &rel), 0);
	ck_assert_str_eq(rel, "/runsc-c/abc");
	free(rel);
	ck_assert_int_eq(oci_cgroup_path("system.slice:docker:abc", false, "abc", &rel), 0);
	ck_assert_str_eq(rel, "/system.slice/docker-abc.scope");
	free(rel);
	ck_assert_int_eq(oci_cgroup_path("a-b.slice:p:n", true, "x", &rel), 0);
	ck_assert_str_eq(rel, "/a.slice/a-b.slice/p-n.scope");
	free(rel);
	ck_assert_int_eq(oci_cgroup_path(NULL, true, "x", &rel), 0);
	ck_assert_str_eq(rel, "/system.slice/x.scope");
	free(rel);
	ck_assert_int_eq(oci_cgroup_path("/docker/../../etc", false, "x", &rel), -EINVAL);
	ck_assert_int_eq(oci_cgroup_path("/", false, "x", &rel), -EINVAL);
	ck_assert_int_eq(oci_cgroup_path("bad-.slice:p:n", true, "x", &rel), -EINVAL);
}
END_TEST

START_TEST(signals)
{
	int sig;
	ck_assert_int_eq(oci_signal_parse("KILL", &sig), 0);
	ck_assert_int_eq(sig, SIGKILL);
	ck_assert_int_eq(oci_signal_parse("SIGTERM", &sig), 0);
	ck_assert_int_eq(sig, SIGTERM);
	ck_assert_int_eq(oci_signal_parse("sigusr1", &sig), 0);
	ck_assert_int_eq(sig, SIGUSR1);
	ck_assert_int_eq(oci_signal_parse("9", &sig), 0);
	ck_assert_int_eq(sig, 9);
	ck_assert_int_eq(oci_signal_parse("NOPE", &sig), -EINVAL);
	ck_assert_int_eq(oci_signal_parse("0", &sig), -EINVAL);
}
END_TEST

static void read_cg(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s", path);
	ck_assert_ptr_nonnull(fgets(buf, (int)len, f));
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
}

/* The cgroup itself (v1 hierarchies, as on this machine; v2 when /sys/fs/cgroup is cgroup2):
   made with the limits, joined by a child, limits updated, removed with the child killed. */
START_TEST(cgroup_lifecycle)
{
	struct stat st;
	if (geteuid() != 0 || stat("/sys/fs/cgroup/memory/memory.limit_in_bytes", &st) < 0)
		return;	/* needs root and cgroup v1's memory hierarchy */
	char rel[64], path[PATH_MAX], buf[256];
	struct oci_device_rule rules[] = { { .allow = false, .type = 'a', .major = -1, .minor = -1, .access = "rwm" },
					   { .allow = true, .type = 'c', .major = 10, .minor = 200, .access = "rw" } };
	struct oci_resources res = { .memory_limit = 64 << 20, .memory_swap = 128 << 20, .pids_limit = 10,
				     .cpu_shares = 512, .cpu_quota = 50000, .cpu_period = 100000,
				     .devices = rules, .ndevices = 2 };
	snprintf(rel, sizeof(rel), "/runsc-c-unit/%d", getpid());
	ck_assert_int_eq(oci_cgroup_create(rel, &res), 0);
	snprintf(path, sizeof(path), "/sys/fs/cgroup/memory%s/memory.limit_in_bytes", rel);
	read_cg(path, buf, sizeof(buf));
	ck_assert_str_eq(buf, "67108864");
	snprintf(path, sizeof(path), "/sys/fs/cgroup/memory%s/memory.memsw.limit_in_bytes", rel);
	if (access(path, F_OK) == 0) {
		read_cg(path, buf, sizeof(buf));
		ck_assert_str_eq(buf, "134217728");
	}
	snprintf(path, sizeof(path), "/sys/fs/cgroup/pids%s/pids.max", rel);
	read_cg(path, buf, sizeof(buf));
	ck_assert_int_eq(atoi(buf), OCI_CGROUP_PIDS_MAX(10));
	snprintf(path, sizeof(path), "/sys/fs/cgroup/cpu%s/cpu.cfs_quota_us", rel);
	read_cg(path, buf, sizeof(buf));
	ck_assert_str_eq(buf, "50000");
	snprintf(path, sizeof(path), "/sys/fs/cgroup/cpu%s/cpu.shares", rel);
	read_cg(path, buf, sizeof(buf));
	ck_assert_str_eq(buf, "512");
	/* Denied all, then the rule and Linux's standard devices (null first) allowed. */
	snprintf(path, sizeof(path), "/sys/fs/cgroup/devices%s/devices.list", rel);
	FILE *list = fopen(path, "r");
	ck_assert_ptr_nonnull(list);
	int rules_found = 0, allow_all = 0;
	while (fgets(buf, sizeof(buf), list)) {
		rules_found += !strcmp(buf, "c 10:200 rw\n") || !strcmp(buf, "c 1:3 rwm\n");
		allow_all += !strcmp(buf, "a *:* rwm\n");
	}
	fclose(list);
	ck_assert_int_eq(rules_found, 2);
	ck_assert_int_eq(allow_all, 0);

	int ready[2];
	ck_assert_int_eq(pipe(ready), 0);
	pid_t child = fork();
	if (child == 0) {
		char r = oci_cgroup_enter(rel) == 0;
		ck_assert_int_eq(write(ready[1], &r, 1), 1);
		pause();
		_exit(0);
	}
	char ok = 0;
	ck_assert_int_eq(read(ready[0], &ok, 1), 1);
	ck_assert_int_eq(ok, 1);
	snprintf(path, sizeof(path), "/proc/%d/cgroup", child);
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	int found = 0;
	while (fgets(buf, sizeof(buf), f))
		found += strstr(buf, rel) != NULL;
	fclose(f);
	ck_assert_int_ge(found, 4);

	struct oci_resources update = { .memory_limit = 32 << 20, .pids_limit = -1, .cpu_quota = -1 };
	ck_assert_int_eq(oci_cgroup_apply(rel, &update), 0);
	snprintf(path, sizeof(path), "/sys/fs/cgroup/memory%s/memory.limit_in_bytes", rel);
	read_cg(path, buf, sizeof(buf));
	ck_assert_str_eq(buf, "33554432");

	ck_assert_int_eq(oci_cgroup_destroy(rel), 0);
	int status;
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	snprintf(path, sizeof(path), "/sys/fs/cgroup/memory%s", rel);
	ck_assert_int_eq(access(path, F_OK), -1);
	rmdir("/sys/fs/cgroup/memory/runsc-c-unit");
	ck_assert_int_eq(oci_cgroup_destroy("/runsc-c-unit"), 0);
}
END_TEST

static json_object *hooks_of(const char *text)
{
	json_object *h = json_tokener_parse(text);
	ck_assert_ptr_nonnull(h);
	return h;
}

START_TEST(hooks)
{
	char text[PATH_MAX * 3], out[PATH_MAX + 16], buf[256];
	snprintf(out, sizeof(out), "%s/hook.out", bundle);
	snprintf(text, sizeof(text),
		 "{\"poststart\":[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"cat > %s; echo $X >> %s\"],"
		 "\"env\":[\"X=from-env\"]}],"
		 "\"poststop\":[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"echo oops; exit 3\"]}],"
		 "\"prestart\":[{\"path\":\"/bin/sleep\",\"args\":[\"sleep\",\"30\"],\"timeout\":1}]}",
		 out, out);
	json_object *h = hooks_of(text);
	json_object *state = json_tokener_parse("{\"id\":\"c1\",\"status\":\"created\"}");
	ck_assert_int_eq(oci_hooks_run(h, OCI_HOOK_POSTSTART, state), 0);
	FILE *f = fopen(out, "r");
	ck_assert_ptr_nonnull(f);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	ck_assert_str_eq(buf, "{\"id\":\"c1\",\"status\":\"created\"}from-env\n");
	ck_assert_int_eq(oci_hooks_run(h, OCI_HOOK_POSTSTOP, state), -ECANCELED);
	ck_assert_int_eq(oci_hooks_run(h, OCI_HOOK_PRESTART, state), -ETIMEDOUT);
	ck_assert_int_eq(oci_hooks_run(h, OCI_HOOK_CREATE_RUNTIME, state), 0);
	ck_assert_int_eq(oci_hooks_run(NULL, OCI_HOOK_CREATE_RUNTIME, state), 0);
	json_object_put(state);
	json_object_put(h);
}
END_TEST

START_TEST(console)
{
	int master, slave;
	struct winsize ws;
	ck_assert_int_eq(oci_console_open(40, 120, &master, &slave), 0);
	ck_assert(isatty(slave));
	ck_assert_int_eq(ioctl(slave, TIOCGWINSZ, &ws), 0);
	ck_assert_int_eq(ws.ws_row, 40);
	ck_assert_int_eq(ws.ws_col, 120);
	ck_assert_int_eq(write(slave, "x\n", 2), 2);
	char c;
	ck_assert_int_eq(read(master, &c, 1), 1);
	ck_assert_int_eq(c, 'x');
	close(master);
	close(slave);
}
END_TEST

static Suite *oci_suite(void)
{
	Suite *s = suite_create("oci");
	TCase *tc = tcase_create("oci");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, config_full);
	tcase_add_test(tc, caps_docker_rule);
	tcase_add_loop_test(tc, config_bad, 0, sizeof(bad_configs) / sizeof(bad_configs[0]));
	tcase_add_test(tc, config_huge);
	tcase_add_test(tc, ids);
	tcase_add_test(tc, state_lifecycle);
	tcase_add_test(tc, cgroup_paths);
	tcase_add_test(tc, cgroup_lifecycle);
	tcase_add_test(tc, signals);
	tcase_add_test(tc, hooks);
	tcase_add_test(tc, console);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *runner = srunner_create(oci_suite());
	int failed;
	srunner_run_all(runner, CK_ENV);
	failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
