/* The sentry's fd table: allocation (lowest free, F_DUPFD's minimum, RLIMIT_NOFILE), dup2
   replacement, close, close-on-exec, fork-style duplication, numbers reserved while the host
   closes a mirror, and the mirroring of host-backed files into the guest through the
   platform's install_fd (a fake platform that records calls). */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/sentry_fixture.h"

#define PLACEHOLDER_FD 987

static struct task *t;
static struct syscall_event ev;

/* Release counters of the test's files. Not on the test's stack: files the table still holds
   are released by the teardown, after the test function returned. */
static struct {
	int rel, rel_old, rel_new, rel_keep, rel_close, rel_shared, rel_a, rel_b, rel_c;
	int rel_host, rel_sentry;
} rel;

static void setup(void)
{
	t = fx_task_new(1000, 1000, NULL, NULL);
	ev = fx_event(t);
	memset(&rel, 0, sizeof(rel));
	kernel.placeholder_fd = PLACEHOLDER_FD;
}

static void teardown(void)
{
	fx_task_free(t);
	t = NULL;
	kernel.placeholder_fd = -1;
}

static bool host_fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

/* Installs a sentry-only file that the table then owns alone; returns the fd. */
static int install_new(int *released, bool cloexec, int min)
{
	struct file *f = fx_file_new(released);
	int fd = fd_install(t, &ev, f, cloexec, min);
	file_put(f);
	return fd;
}

/* ---- allocation ---- */

START_TEST(test_install_takes_lowest_free)
{
	bool host;

	ck_assert_int_eq(install_new(&rel.rel, false, 0), 0);
	ck_assert_int_eq(install_new(&rel.rel, false, 0), 1);
	ck_assert_int_eq(install_new(&rel.rel, false, 0), 2);
	ck_assert_int_eq(install_new(&rel.rel, false, 0), 3);
	ck_assert_int_eq(fd_remove(t, 1, &host), 0);
	ck_assert_int_eq(fd_remove(t, 2, &host), 0);
	ck_assert_int_eq(rel.rel, 2);
	ck_assert_int_eq(install_new(&rel.rel, false, 0), 1);
	ck_assert_int_eq(install_new(&rel.rel, false, 0), 2);
	ck_assert_int_eq(install_new(&rel.rel, false, 0), 4);
	ck_assert_int_eq(fd_remove(t, 0, &host), 0);
	ck_assert_int_eq(install_new(&rel.rel, false, 0), 0);
}
END_TEST

START_TEST(test_install_takes_a_reference)
{
	struct file *f = fx_file_new(&rel.rel);
	bool host;

	ck_assert_int_eq(fd_install(t, &ev, f, false, 0), 0);
	ck_assert_int_eq(f->refs, 2);
	ck_assert_ptr_eq(fd_get(t, 0), f);
	ck_assert_int_eq(fd_install(t, &ev, f, false, 0), 1);
	ck_assert_int_eq(f->refs, 3);
	ck_assert_ptr_eq(fd_get(t, 1), f);
	file_put(f);
	ck_assert_int_eq(fd_remove(t, 0, &host), 0);
	ck_assert_int_eq(f->refs, 1);
	ck_assert_int_eq(rel.rel, 0);
	ck_assert_int_eq(fd_remove(t, 1, &host), 0);
	ck_assert_int_eq(rel.rel, 1);
}
END_TEST

START_TEST(test_install_min_is_f_dupfd)
{
	bool host;

	ck_assert_int_eq(install_new(&rel.rel, false, 10), 10);
	ck_assert_int_eq(install_new(&rel.rel, false, 10), 11);
	ck_assert_int_eq(install_new(&rel.rel, false, 5), 5);
	ck_assert_int_eq(install_new(&rel.rel, false, 0), 0);
	ck_assert_int_eq(fd_remove(t, 10, &host), 0);
	ck_assert_int_eq(install_new(&rel.rel, false, 6), 6);
	ck_assert_int_eq(install_new(&rel.rel, false, 6), 7);
	ck_assert_int_eq(install_new(&rel.rel, false, 9), 9);
	ck_assert_int_eq(install_new(&rel.rel, false, 9), 10);
	ck_assert_int_eq(install_new(&rel.rel, false, 9), 12);
	/* Beyond the table's current size: the table grows. */
	ck_assert_int_eq(install_new(&rel.rel, false, 500), 500);
	ck_assert_int_ge(t->files->size, 501);
	ck_assert_ptr_null(fd_get(t, 499));
	ck_assert_ptr_nonnull(fd_get(t, 500));
	ck_assert_int_eq(rel.rel, 1);
}
END_TEST

START_TEST(test_install_emfile_at_rlimit)
{
	bool host;

	t->tg->rlimits[RLIMIT_NOFILE].rlim_cur = 4;
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(install_new(&rel.rel, false, 0), i);
	struct file *f = fx_file_new(&rel.rel);
	ck_assert_int_eq(fd_install(t, &ev, f, false, 0), -EMFILE);
	ck_assert_int_eq(f->refs, 1);	/* no reference kept on failure */
	/* A minimum at or past the limit: nothing to give. */
	ck_assert_int_eq(fd_remove(t, 2, &host), 0);
	ck_assert_int_eq(fd_install(t, &ev, f, false, 3), -EMFILE);
	ck_assert_int_eq(fd_install(t, &ev, f, false, 4), -EMFILE);
	ck_assert_int_eq(fd_install(t, &ev, f, false, 100), -EMFILE);
	/* The freed slot below the limit is still there. */
	ck_assert_int_eq(fd_install(t, &ev, f, false, 0), 2);
	ck_assert_int_eq(f->refs, 2);
	/* dup2 to the limit or beyond is EBADF, as in Linux. */
	ck_assert_int_eq(fd_install_at(t, &ev, f, false, 4), -EBADF);
	ck_assert_int_eq(fd_install_at(t, &ev, f, false, -1), -EBADF);
	ck_assert_int_eq(fd_install_at(t, &ev, f, false, 3), 3);
	ck_assert_int_eq(f->refs, 3);
	/* Raising the limit makes room. */
	t->tg->rlimits[RLIMIT_NOFILE].rlim_cur = 5;
	ck_assert_int_eq(fd_install(t, &ev, f, false, 0), 4);
	ck_assert_int_eq(fd_install(t, &ev, f, false, 0), -EMFILE);
	file_put(f);
	ck_assert_int_eq(fx_platform.ncalls, 0);
}
END_TEST

START_TEST(test_install_at_replaces_and_drops_old)
{
	struct file *old = fx_file_new(&rel.rel_old);
	struct file *new = fx_file_new(&rel.rel_new);

	ck_assert_int_eq(fd_install_at(t, &ev, old, false, 7), 7);
	ck_assert_int_eq(old->refs, 2);
	file_put(old);	/* the table holds the last reference */
	ck_assert_int_eq(rel.rel_old, 0);
	ck_assert_int_eq(fd_install_at(t, &ev, new, true, 7), 7);
	ck_assert_int_eq(rel.rel_old, 1);	/* released exactly once */
	ck_assert_ptr_eq(fd_get(t, 7), new);
	ck_assert_int_eq(new->refs, 2);
	ck_assert_int_eq(fd_get_cloexec(t, 7), 1);
	/* Replacing a file by itself keeps it alive and updates the flag. */
	ck_assert_int_eq(fd_install_at(t, &ev, new, false, 7), 7);
	ck_assert_int_eq(new->refs, 2);
	ck_assert_int_eq(rel.rel_new, 0);
	ck_assert_int_eq(fd_get_cloexec(t, 7), 0);
	/* The slots below were not touched. */
	for (int fd = 0; fd < 7; fd++)
		ck_assert_ptr_null(fd_get(t, fd));
	file_put(new);
	ck_assert_int_eq(fx_platform.ncalls, 0);
}
END_TEST

START_TEST(test_remove_ebadf)
{
	bool host = true;

	ck_assert_int_eq(fd_remove(t, 0, &host), -EBADF);	/* empty table */
	ck_assert_int_eq(install_new(&rel.rel, false, 3), 3);
	ck_assert_int_eq(fd_remove(t, -1, &host), -EBADF);
	ck_assert_int_eq(fd_remove(t, 2, &host), -EBADF);	/* free slot */
	ck_assert_int_eq(fd_remove(t, t->files->size, &host), -EBADF);
	ck_assert_int_eq(fd_remove(t, 1 << 30, &host), -EBADF);
	ck_assert_int_eq(rel.rel, 0);
	ck_assert_int_eq(fd_remove(t, 3, &host), 0);
	ck_assert(!host);
	ck_assert_int_eq(rel.rel, 1);
	ck_assert_int_eq(fd_remove(t, 3, &host), -EBADF);	/* twice */
	ck_assert_ptr_null(fd_get(t, 3));
	ck_assert_ptr_null(fd_get(t, -1));
	ck_assert_ptr_null(fd_get(t, 1 << 30));
}
END_TEST

/* ---- close-on-exec ---- */

START_TEST(test_cloexec_flags)
{

	ck_assert_int_eq(install_new(&rel.rel, true, 0), 0);
	ck_assert_int_eq(install_new(&rel.rel, false, 0), 1);
	ck_assert_int_eq(fd_get_cloexec(t, 0), 1);
	ck_assert_int_eq(fd_get_cloexec(t, 1), 0);
	ck_assert_int_eq(fd_set_cloexec(t, 1, true), 0);
	ck_assert_int_eq(fd_set_cloexec(t, 0, false), 0);
	ck_assert_int_eq(fd_get_cloexec(t, 0), 0);
	ck_assert_int_eq(fd_get_cloexec(t, 1), 1);
	ck_assert_int_eq(fd_get_cloexec(t, 2), -EBADF);
	ck_assert_int_eq(fd_set_cloexec(t, 2, true), -EBADF);
	ck_assert_int_eq(fd_get_cloexec(t, -1), -EBADF);
	/* A closed fd's flag does not stick to the next file at that number. */
	bool host;
	ck_assert_int_eq(fd_remove(t, 1, &host), 0);
	ck_assert_int_eq(install_new(&rel.rel, false, 0), 1);
	ck_assert_int_eq(fd_get_cloexec(t, 1), 0);
}
END_TEST

START_TEST(test_exec_closes_only_cloexec)
{

	ck_assert_int_eq(install_new(&rel.rel_keep, false, 0), 0);
	ck_assert_int_eq(install_new(&rel.rel_close, true, 0), 1);
	ck_assert_int_eq(install_new(&rel.rel_keep, false, 0), 2);
	ck_assert_int_eq(install_new(&rel.rel_close, true, 0), 3);
	ck_assert_int_eq(install_new(&rel.rel_close, true, 70), 70);
	fdtable_exec(t->files);
	ck_assert_int_eq(rel.rel_close, 3);
	ck_assert_int_eq(rel.rel_keep, 0);
	ck_assert_ptr_nonnull(fd_get(t, 0));
	ck_assert_ptr_null(fd_get(t, 1));
	ck_assert_ptr_nonnull(fd_get(t, 2));
	ck_assert_ptr_null(fd_get(t, 3));
	ck_assert_ptr_null(fd_get(t, 70));
	/* The closed numbers are free again. */
	ck_assert_int_eq(install_new(&rel.rel_keep, false, 0), 1);
	/* A file shared by a kept and a cloexec fd survives with one reference. */
	struct file *f = fx_file_new(&rel.rel_shared);
	ck_assert_int_eq(fd_install(t, &ev, f, false, 0), 3);
	ck_assert_int_eq(fd_install(t, &ev, f, true, 0), 4);
	file_put(f);
	ck_assert_int_eq(f->refs, 2);
	fdtable_exec(t->files);
	ck_assert_int_eq(rel.rel_shared, 0);
	ck_assert_int_eq(f->refs, 1);
	ck_assert_ptr_eq(fd_get(t, 3), f);
	ck_assert_ptr_null(fd_get(t, 4));
}
END_TEST

/* ---- duplication (fork without CLONE_FILES) ---- */

START_TEST(test_dup_shares_files_then_independent)
{
	struct file *a = fx_file_new(&rel.rel_a);
	struct file *b = fx_file_new(&rel.rel_b);
	bool host;

	ck_assert_int_eq(fd_install(t, &ev, a, false, 0), 0);
	ck_assert_int_eq(fd_install(t, &ev, b, true, 0), 1);
	ck_assert_int_eq(fd_install(t, &ev, a, false, 200), 200);
	ck_assert_int_eq(a->refs, 3);
	ck_assert_int_eq(b->refs, 2);

	struct fd_table *copy = fdtable_dup(t->files);
	ck_assert_ptr_nonnull(copy);
	ck_assert_ptr_ne(copy, t->files);
	ck_assert_int_eq(copy->refs, 1);
	ck_assert_int_ge(copy->size, 201);
	ck_assert_int_eq(a->refs, 5);
	ck_assert_int_eq(b->refs, 3);
	ck_assert_ptr_eq(copy->entries[0].file, a);
	ck_assert_ptr_eq(copy->entries[1].file, b);
	ck_assert_ptr_eq(copy->entries[200].file, a);
	ck_assert(!copy->entries[0].cloexec);
	ck_assert(copy->entries[1].cloexec);

	/* Independent afterwards: closing in the original leaves the copy's entries. */
	ck_assert_int_eq(fd_remove(t, 0, &host), 0);
	ck_assert_ptr_eq(copy->entries[0].file, a);
	ck_assert_int_eq(a->refs, 4);
	ck_assert_int_eq(install_new(&rel.rel_c, false, 0), 0);
	ck_assert_ptr_eq(copy->entries[0].file, a);
	ck_assert_int_eq(fd_set_cloexec(t, 200, true), 0);
	ck_assert(!copy->entries[200].cloexec);

	/* Dropping the copy drops its references only. */
	fdtable_put(copy);
	ck_assert_int_eq(a->refs, 2);
	ck_assert_int_eq(b->refs, 2);
	ck_assert_int_eq(rel.rel_a + rel.rel_b, 0);
	file_put(a);
	file_put(b);
	ck_assert_int_eq(fx_platform.ncalls, 0);
}
END_TEST

START_TEST(test_dup_of_empty_table)
{
	struct fd_table *copy = fdtable_dup(t->files);
	ck_assert_ptr_nonnull(copy);
	ck_assert_int_eq(copy->size, 0);
	fdtable_put(copy);
}
END_TEST

START_TEST(test_shared_table_put)
{

	ck_assert_int_eq(install_new(&rel.rel, false, 0), 0);
	t->files->refs++;	/* a second task shares it (CLONE_FILES) */
	fdtable_put(t->files);
	ck_assert_int_eq(rel.rel, 0);
	ck_assert_ptr_nonnull(fd_get(t, 0));
}
END_TEST

/* ---- numbers reserved while the host closes a mirror ---- */

START_TEST(test_reserved_not_reused_until_settled)
{
	bool host;

	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(install_new(&rel.rel, false, 0), i);
	/* close(1) of a host mirror: the host closes it natively, the number stays taken. */
	ck_assert_int_eq(fd_remove(t, 1, &host), 0);
	task_reserve_closing(t, 1, 1);
	ck_assert_ptr_null(fd_get(t, 1));
	ck_assert_int_eq(install_new(&rel.rel, false, 0), 5);
	ck_assert_int_eq(install_new(&rel.rel, false, 1), 6);
	/* The close of a reserved number is EBADF (it is not open). */
	ck_assert_int_eq(fd_remove(t, 1, &host), -EBADF);
	/* The task's next syscall settles it. */
	task_settle_closes(t);
	ck_assert_int_eq(install_new(&rel.rel, false, 0), 1);
	ck_assert_int_eq(install_new(&rel.rel, false, 0), 7);
}
END_TEST

START_TEST(test_reserved_range)
{
	bool host;

	for (int i = 0; i < 8; i++)
		ck_assert_int_eq(install_new(&rel.rel, false, 0), i);
	/* close_range(2, 5). */
	for (int fd = 2; fd <= 5; fd++)
		ck_assert_int_eq(fd_remove(t, fd, &host), 0);
	task_reserve_closing(t, 2, 5);
	ck_assert_int_eq(install_new(&rel.rel, false, 0), 8);
	ck_assert_int_eq(install_new(&rel.rel, false, 3), 9);
	/* A new reservation settles the previous one (the task made another syscall). */
	ck_assert_int_eq(fd_remove(t, 0, &host), 0);
	task_reserve_closing(t, 0, 0);
	ck_assert_int_eq(install_new(&rel.rel, false, 0), 2);
	task_settle_closes(t);
	ck_assert_int_eq(install_new(&rel.rel, false, 0), 0);
	/* Settling twice, or with nothing reserved, is harmless. */
	task_settle_closes(t);
	ck_assert_int_eq(t->closing_lo > t->closing_hi, 1);
	ck_assert_int_eq(install_new(&rel.rel, false, 0), 3);
}
END_TEST

START_TEST(test_reserved_range_beyond_table)
{

	ck_assert_int_eq(install_new(&rel.rel, false, 0), 0);
	int size = t->files->size;
	/* close_range(0, ~0U) clamps to the table; numbers beyond it cannot be marked. */
	task_reserve_closing(t, 1, size + 1000);
	ck_assert_int_eq(t->files->size, size);
	ck_assert_int_eq(install_new(&rel.rel, false, 0), size);
	task_settle_closes(t);
	ck_assert_int_eq(install_new(&rel.rel, false, 0), 1);
}
END_TEST

START_TEST(test_install_at_reserved_number)
{
	bool host;

	ck_assert_int_eq(install_new(&rel.rel, false, 0), 0);
	ck_assert_int_eq(install_new(&rel.rel, false, 0), 1);
	ck_assert_int_eq(fd_remove(t, 1, &host), 0);
	task_reserve_closing(t, 1, 1);
	/* dup2 onto a number another thread's host close is about to use is refused as Linux
	   refuses a number being installed (the close would take the new mirror); once the
	   closing thread's next syscall settles it, the number is free. */
	struct file *f = fx_file_new(&rel.rel);
	ck_assert_int_eq(fd_install_at(t, &ev, f, false, 1), -EBUSY);
	task_settle_closes(t);
	ck_assert_int_eq(fd_install_at(t, &ev, f, false, 1), 1);
	ck_assert(!t->files->entries[1].reserved);
	file_put(f);
	ck_assert_int_eq(install_new(&rel.rel, false, 0), 2);
}
END_TEST

/* ---- host-backed files and the platform ---- */

START_TEST(test_host_file_install_calls_platform)
{
	struct file *f = fx_host_file_new(&rel.rel);
	int host_fd = f->host_fd;

	ck_assert_int_eq(fd_install(t, &ev, f, true, 0), 0);
	ck_assert_int_eq(fx_platform.ncalls, 1);
	ck_assert_int_eq(fx_platform.calls[0].host_fd, host_fd);
	ck_assert_int_eq(fx_platform.calls[0].guest_fd, 0);
	ck_assert(fx_platform.calls[0].cloexec);

	ck_assert_int_eq(fd_install(t, &ev, f, false, 5), 5);
	ck_assert_int_eq(fx_platform.ncalls, 2);
	ck_assert_int_eq(fx_platform.calls[1].host_fd, host_fd);
	ck_assert_int_eq(fx_platform.calls[1].guest_fd, 5);
	ck_assert(!fx_platform.calls[1].cloexec);

	ck_assert_int_eq(fd_install_at(t, &ev, f, true, 9), 9);
	ck_assert_int_eq(fx_platform.ncalls, 3);
	ck_assert_int_eq(fx_platform.calls[2].host_fd, host_fd);
	ck_assert_int_eq(fx_platform.calls[2].guest_fd, 9);
	ck_assert(fx_platform.calls[2].cloexec);

	/* Removing a mirror tells the caller the host must close it; the sentry's copy of the
	   host fd lives as long as the file. */
	bool host = false;
	ck_assert_int_eq(fd_remove(t, 0, &host), 0);
	ck_assert(host);
	ck_assert_int_eq(fx_platform.ncalls, 3);
	file_put(f);
	ck_assert(host_fd_open(host_fd));
	fdtable_put(t->files);
	t->files = fdtable_new();
	ck_assert_int_eq(rel.rel, 1);
	ck_assert(!host_fd_open(host_fd));
}
END_TEST

START_TEST(test_replacing_host_file_installs_placeholder)
{
	struct file *h = fx_host_file_new(&rel.rel_host);
	struct file *s = fx_file_new(&rel.rel_sentry);

	ck_assert_int_eq(fd_install_at(t, &ev, h, false, 4), 4);
	ck_assert_int_eq(fx_platform.ncalls, 1);
	file_put(h);
	/* dup2(sentry-only, 4): the guest's host fd 4 must stop being the old object. */
	ck_assert_int_eq(fd_install_at(t, &ev, s, true, 4), 4);
	ck_assert_int_eq(fx_platform.ncalls, 2);
	ck_assert_int_eq(fx_platform.calls[1].host_fd, PLACEHOLDER_FD);
	ck_assert_int_eq(fx_platform.calls[1].guest_fd, 4);
	ck_assert(fx_platform.calls[1].cloexec);
	ck_assert_int_eq(rel.rel_host, 1);
	ck_assert_ptr_eq(fd_get(t, 4), s);
	/* Replacing a sentry-only file by another: nothing for the host to do. */
	ck_assert_int_eq(fd_install_at(t, &ev, s, false, 4), 4);
	ck_assert_int_eq(fx_platform.ncalls, 2);
	file_put(s);
}
END_TEST

START_TEST(test_replacing_host_file_by_host_file)
{
	struct file *a = fx_host_file_new(&rel.rel);
	struct file *b = fx_host_file_new(&rel.rel);

	ck_assert_int_eq(fd_install_at(t, &ev, a, false, 2), 2);
	ck_assert_int_eq(fd_install_at(t, &ev, b, false, 2), 2);
	/* The new mirror replaces the old one in one install, no placeholder. */
	ck_assert_int_eq(fx_platform.ncalls, 2);
	ck_assert_int_eq(fx_platform.calls[1].host_fd, b->host_fd);
	ck_assert_int_eq(fx_platform.calls[1].guest_fd, 2);
	ck_assert_int_eq(a->refs, 1);
	file_put(a);
	file_put(b);
	ck_assert_int_eq(rel.rel, 1);
}
END_TEST

START_TEST(test_platform_install_failure_leaves_table)
{
	struct file *f = fx_host_file_new(&rel.rel);
	struct file *old = fx_file_new(&rel.rel_old);

	ck_assert_int_eq(fd_install_at(t, &ev, old, false, 1), 1);
	fx_platform.fail_with = -EMFILE;
	ck_assert_int_eq(fd_install(t, &ev, f, false, 0), -EMFILE);
	ck_assert_ptr_null(fd_get(t, 0));
	ck_assert_int_eq(f->refs, 1);
	/* A failed dup2 keeps what was there. */
	ck_assert_int_eq(fd_install_at(t, &ev, f, false, 1), -EMFILE);
	ck_assert_ptr_eq(fd_get(t, 1), old);
	ck_assert_int_eq(old->refs, 2);
	ck_assert_int_eq(rel.rel_old, 0);
	fx_platform.fail_with = 0;
	ck_assert_int_eq(fd_install(t, &ev, f, false, 0), 0);
	ck_assert_int_eq(fx_platform.ncalls, 1);
	file_put(f);
	file_put(old);
}
END_TEST

START_TEST(test_adopt_does_not_call_platform)
{
	struct file *f = fx_host_file_new(&rel.rel);

	/* Inherited stdio: the guest already holds the host fd at that number. */
	fd_adopt(t, 2, f);
	ck_assert_ptr_eq(fd_get(t, 2), f);
	ck_assert_int_eq(f->refs, 2);
	ck_assert_int_eq(fx_platform.ncalls, 0);
	ck_assert_int_eq(fd_get_cloexec(t, 2), 0);
	file_put(f);
	ck_assert_int_eq(install_new(&rel.rel, false, 0), 0);
	ck_assert_int_eq(install_new(&rel.rel, false, 0), 1);
	ck_assert_int_eq(install_new(&rel.rel, false, 0), 3);
}
END_TEST

static Suite *fdtable_suite(void)
{
	Suite *s = suite_create("fdtable");
	TCase *tc;

	tc = tcase_create("allocation");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_install_takes_lowest_free);
	tcase_add_test(tc, test_install_takes_a_reference);
	tcase_add_test(tc, test_install_min_is_f_dupfd);
	tcase_add_test(tc, test_install_emfile_at_rlimit);
	tcase_add_test(tc, test_install_at_replaces_and_drops_old);
	tcase_add_test(tc, test_remove_ebadf);
	suite_add_tcase(s, tc);

	tc = tcase_create("cloexec_and_dup");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_cloexec_flags);
	tcase_add_test(tc, test_exec_closes_only_cloexec);
	tcase_add_test(tc, test_dup_shares_files_then_independent);
	tcase_add_test(tc, test_dup_of_empty_table);
	tcase_add_test(tc, test_shared_table_put);
	suite_add_tcase(s, tc);

	tc = tcase_create("reserved");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_reserved_not_reused_until_settled);
	tcase_add_test(tc, test_reserved_range);
	tcase_add_test(tc, test_reserved_range_beyond_table);
	tcase_add_test(tc, test_install_at_reserved_number);
	suite_add_tcase(s, tc);

	tc = tcase_create("host_mirrors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_host_file_install_calls_platform);
	tcase_add_test(tc, test_replacing_host_file_installs_placeholder);
	tcase_add_test(tc, test_replacing_host_file_by_host_file);
	tcase_add_test(tc, test_platform_install_failure_leaves_table);
	tcase_add_test(tc, test_adopt_does_not_call_platform);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *runner = srunner_create(fdtable_suite());
	int failed;

	srunner_run_all(runner, CK_ENV);
	failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
