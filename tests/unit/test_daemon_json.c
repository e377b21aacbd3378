/* `runsc-c install`'s editing of dockerd's daemon.json (common/daemon_json.c): what was in
   the file stays, the runtime entry is added or replaced, and a file that is not a JSON
   object is left byte for byte as it was. The results are read back with json-c. */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>

#include "common/daemon_json.h"

static char dir[] = "/tmp/test_daemon_json.XXXXXX";
static char config[sizeof(dir) + 32];

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(strcpy(dir, "/tmp/test_daemon_json.XXXXXX")));
	snprintf(config, sizeof(config), "%s/etc/daemon.json", dir);
}

static void teardown(void)
{
	char *cmd;
	ck_assert_int_ge(asprintf(&cmd, "rm -rf '%s'", dir), 0);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

static void write_config(const char *text, mode_t mode)
{
	char etc[sizeof(config)];
	FILE *f;

	snprintf(etc, sizeof(etc), "%s/etc", dir);
	mkdir(etc, 0755);
	f = fopen(config, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	ck_assert_int_eq(chmod(config, mode), 0);
}

static char *read_config(void)
{
	FILE *f = fopen(config, "r");
	char *text = NULL;
	size_t len = 0;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(getdelim(&text, &len, '\0', f), 0);
	fclose(f);
	return text;
}

/* Whether runtimes.NAME in OBJ is exactly {"path": PATH, "runtimeArgs": ARGS}. */
static void assert_runtime(struct json_object *obj, const char *name, const char *path,
			   const char *const *args, int nargs)
{
	struct json_object *runtimes, *rt, *v;

	ck_assert(json_object_object_get_ex(obj, "runtimes", &runtimes));
	ck_assert(json_object_object_get_ex(runtimes, name, &rt));
	ck_assert_int_eq(json_object_object_length(rt), 2);
	ck_assert(json_object_object_get_ex(rt, "path", &v));
	ck_assert_str_eq(json_object_get_string(v), path);
	ck_assert(json_object_object_get_ex(rt, "runtimeArgs", &v));
	ck_assert_int_eq((int)json_object_array_length(v), nargs);
	for (int i = 0; i < nargs; i++)
		ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(v, (size_t)i)),
				 args[i]);
}

START_TEST(creates_missing_file_and_directory)
{
	char *const args[] = { "--debug", "--log=/var/log/runsc-c.log" };
	struct json_object *obj;
	struct stat st;

	ck_assert_int_eq(daemon_json_set_runtime(config, "runsc-c", "/usr/bin/runsc-c", args, 2), 0);
	obj = json_object_from_file(config);
	ck_assert_ptr_nonnull(obj);
	ck_assert_int_eq(json_object_object_length(obj), 1);
	assert_runtime(obj, "runsc-c", "/usr/bin/runsc-c", (const char *const *)args, 2);
	json_object_put(obj);
	ck_assert_int_eq(stat(config, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0644);
}
END_TEST

START_TEST(keeps_other_settings_and_runtimes)
{
	struct json_object *obj, *v;
	char *text;

	write_config("{ \"log-level\": \"warn\", \"default-runtime\": \"runc\",\n"
		     "  \"runtimes\": { \"other\": { \"path\": \"/opt/other\", \"runtimeArgs\": [\"-x\"] },\n"
		     "                \"runsc-c\": { \"path\": \"/old/runsc-c\", \"runtimeArgs\": [\"--old\"] } },\n"
		     "  \"features\": { \"buildkit\": true }, \"mtu\": 1400 }\n", 0600);
	ck_assert_int_eq(daemon_json_set_runtime(config, "runsc-c", "/new/runsc-c", NULL, 0), 0);
	obj = json_object_from_file(config);
	ck_assert_ptr_nonnull(obj);
	ck_assert_int_eq(json_object_object_length(obj), 5);
	ck_assert(json_object_object_get_ex(obj, "log-level", &v));
	ck_assert_str_eq(json_object_get_string(v), "warn");
	ck_assert(json_object_object_get_ex(obj, "mtu", &v));
	ck_assert_int_eq(json_object_get_int(v), 1400);
	ck_assert(json_object_object_get_ex(obj, "features", &v));
	ck_assert(json_object_object_get_ex(v, "buildkit", &v));
	ck_assert(json_object_get_boolean(v));
	assert_runtime(obj, "runsc-c", "/new/runsc-c", NULL, 0);
	assert_runtime(obj, "other", "/opt/other", (const char *const[]){ "-x" }, 1);
	json_object_put(obj);

	/* Paths are written as they are, not with "\/" escapes; the file keeps its mode. */
	text = read_config();
	ck_assert_ptr_nonnull(strstr(text, "\"/new/runsc-c\""));
	free(text);
	struct stat st;
	ck_assert_int_eq(stat(config, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
}
END_TEST

START_TEST(empty_file_is_an_empty_object)
{
	struct json_object *obj;

	write_config(" \n", 0644);
	ck_assert_int_eq(daemon_json_set_runtime(config, "t", "/bin/t", NULL, 0), 0);
	obj = json_object_from_file(config);
	ck_assert_ptr_nonnull(obj);
	assert_runtime(obj, "t", "/bin/t", NULL, 0);
	json_object_put(obj);
}
END_TEST

static const char *const malformed[] = {
	"{ \"runtimes\": {",			/* cut short */
	"{ \"a\": 1 } { \"b\": 2 }",		/* two values */
	"{ \"a\": 1, }x",			/* garbage */
	"[ \"runtimes\" ]",			/* not an object */
	"\"runtimes\"",
	"{ \"runtimes\": [] }",			/* runtimes of the wrong type */
	"{ \"runtimes\": \"runsc-c\" }",
};

START_TEST(malformed_file_is_left_untouched)
{
	char *text;

	write_config(malformed[_i], 0640);
	ck_assert_int_eq(daemon_json_set_runtime(config, "runsc-c", "/usr/bin/runsc-c", NULL, 0),
			 -EINVAL);
	text = read_config();
	ck_assert_str_eq(text, malformed[_i]);
	free(text);
}
END_TEST

START_TEST(no_temporary_file_left)
{
	char etc[sizeof(config)], *cmd;

	write_config("{}", 0644);
	ck_assert_int_eq(daemon_json_set_runtime(config, "a", "/a", NULL, 0), 0);
	ck_assert_int_eq(daemon_json_set_runtime(config, "b", "/b", NULL, 0), 0);
	write_config("{", 0644);
	ck_assert_int_eq(daemon_json_set_runtime(config, "c", "/c", NULL, 0), -EINVAL);
	snprintf(etc, sizeof(etc), "%s/etc", dir);
	ck_assert_int_ge(asprintf(&cmd, "test \"$(ls -A '%s')\" = daemon.json", etc), 0);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("daemon_json");
	TCase *tc = tcase_create("daemon_json");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, creates_missing_file_and_directory);
	tcase_add_test(tc, keeps_other_settings_and_runtimes);
	tcase_add_test(tc, empty_file_is_an_empty_object);
	tcase_add_loop_test(tc, malformed_file_is_left_untouched, 0,
			    (int)(sizeof(malformed) / sizeof(malformed[0])));
	tcase_add_test(tc, no_temporary_file_left);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
