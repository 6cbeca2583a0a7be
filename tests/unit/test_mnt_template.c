/*
 * test_mnt_template.c - read-only mount trees built once and entered per
 * box (mnt_template.c), on the real kernel, as root.
 *
 * What a box relies on: no template exists until the thread was idle after
 * a box asked for one; the template holds exactly the paths asked for,
 * read-only, with an empty /tmp and /work and a procfs to cover; entering
 * and leaving puts the thread back in the host's namespace; templates are
 * told apart by their paths; dropping them leaves none.  Check forks each
 * test, so what a test leaves dies with its process.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mnt_template.h"

static char *const usr_only[] = { "/usr", NULL };
static char *const usr_var[] = { "/usr", "/var", NULL };

static int host_proc = -1;	/* the host's /proc: a template's shows no pids */

/* The inode of the calling thread's mount namespace. */
static ino_t here(void)
{
	struct stat st;

	ck_assert_int_eq(fstatat(host_proc, "thread-self/ns/mnt", &st, 0), 0);
	return st.st_ino;
}

static int host_fd(void)
{
	int fd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);

	ck_assert_msg(fd >= 0, "cannot open our mount namespace");
	return fd;
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

START_TEST(test_built_when_idle_after_a_miss)
{
	int host = host_fd();
	ino_t home = here();

	ck_assert(!mnt_template_enter(usr_only));	/* none yet: noted */
	ck_assert_uint_eq(here(), home);
	ck_assert_int_eq(mnt_template_idle(host), 0);
	ck_assert_uint_eq(here(), home);		/* building does not move us */
	ck_assert(mnt_template_enter(usr_only));
	ck_assert_uint_ne(here(), home);
	ck_assert_int_eq(mnt_template_leave(host), 0);
	ck_assert_uint_eq(here(), home);
	ck_assert(mnt_template_enter(usr_only));	/* kept for the next box */
	ck_assert_int_eq(mnt_template_leave(host), 0);
	close(host);
}
END_TEST

START_TEST(test_holds_only_what_was_asked)
{
	int host = host_fd();
	struct stat st;

	ck_assert(!mnt_template_enter(usr_only));
	ck_assert_int_eq(mnt_template_idle(host), 0);
	ck_assert(mnt_template_enter(usr_only));
	ck_assert(exists("/usr/bin/sh"));
	ck_assert(exists("/etc/passwd") && exists("/etc/ld.so.cache"));
	ck_assert(exists("/dev/null") && exists("/dev/shm"));
	ck_assert_int_eq(stat("/work", &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert(exists("/tmp") && exists("/proc/self"));
	ck_assert(!exists("/var") && !exists("/root") && !exists("/home"));
	ck_assert(!exists("/etc/shadow"));
	ck_assert_int_eq(mkdir("/x", 0755), -1);
	ck_assert_int_eq(errno, EROFS);
	ck_assert_int_eq(open("/usr/cylo-test", O_WRONLY | O_CREAT | O_CLOEXEC, 0644), -1);
	ck_assert_int_eq(errno, EROFS);
	ck_assert_int_eq(mnt_template_leave(host), 0);
	ck_assert(exists("/etc/shadow"));		/* home again */
	close(host);
}
END_TEST

START_TEST(test_told_apart_by_paths)
{
	int host = host_fd();

	ck_assert(!mnt_template_enter(usr_only));
	ck_assert_int_eq(mnt_template_idle(host), 0);
	ck_assert(!mnt_template_enter(usr_var));	/* another language */
	ck_assert_int_eq(mnt_template_idle(host), 0);
	ck_assert(mnt_template_enter(usr_var));
	ck_assert(exists("/var"));
	ck_assert_int_eq(mnt_template_leave(host), 0);
	ck_assert(mnt_template_enter(usr_only));
	ck_assert(!exists("/var"));
	ck_assert_int_eq(mnt_template_leave(host), 0);
	close(host);
}
END_TEST

START_TEST(test_drop_and_bad_host)
{
	int host = host_fd();

	ck_assert(!mnt_template_enter(usr_only));
	ck_assert_int_eq(mnt_template_idle(-1), -EBADF);
	ck_assert_int_eq(mnt_template_idle(host), 0);
	mnt_template_drop();
	ck_assert(!mnt_template_enter(usr_only));
	close(host);
}
END_TEST

int main(void)
{
	Suite *s;
	TCase *tc;
	SRunner *sr;
	int failed;

	/* Not a pass: no Check summary, so the run counts it as failed. */
	if (geteuid() != 0) {
		printf("SKIP: test_mnt_template needs root (mount namespaces)\n");
		return 77;
	}
	host_proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (host_proc < 0) {
		perror("/proc");
		return EXIT_FAILURE;
	}
	s = suite_create("mnt_template");
	tc = tcase_create("template");

	tcase_add_test(tc, test_built_when_idle_after_a_miss);
	tcase_add_test(tc, test_holds_only_what_was_asked);
	tcase_add_test(tc, test_told_apart_by_paths);
	tcase_add_test(tc, test_drop_and_bad_host);
	/* Templates are built with clone3() and reaped through a pidfd,
	 * which valgrind 3.19 does not know: `make valgrind` leaves these
	 * out by their tag. */
	tcase_set_tags(tc, "pidfd");
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
