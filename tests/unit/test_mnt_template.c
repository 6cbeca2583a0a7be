/*
 * test_mnt_template.c - read-only mount trees built once and entered per
 * box (mnt_template.c), on the real kernel, as root.
 *
 * What a box relies on: only a thread that is idle between jobs (a daemon
 * worker) uses templates; none exists until the thread was idle after a
 * box asked for one; the template holds exactly the paths asked for,
 * looked up as the box's ids, not as root; its mounts are read-only and
 * locked in a box's copy; it has an empty /tmp and /work and a procfs to
 * cover; entering and leaving puts the thread back in the host's
 * namespace; templates are told apart by their paths; a failed build
 * names the path it failed on (or none) and waits its own minute before
 * it is tried again; idle renewals keep a
 * template fresh but do not count as use, so one left unused is dropped
 * after two minutes (tested on a clock of the test's); dropping them leaves
 * none.  Check forks each test, so what a test leaves dies with
 * its process.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/limits.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <math.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mnt_template.h"
#include "testutil.h"

static char *const usr_only[] = { "/usr", NULL };
static char *const usr_var[] = { "/usr", "/var", NULL };

static int host_proc = -1;	/* the host's /proc: a template's shows no pids */

/* The inode of the calling thread's mount namespace. */
static ino_t here(void)
{
	return thread_ns(host_proc, "mnt");
}

static int host_fd(void)
{
	return own_ns_fd("mnt");
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* A worker's first idle moment, before any box: it uses templates. */
static int start_worker(void)
{
	int host = host_fd();

	ck_assert_int_eq(mnt_template_idle(host, 0, 0, NULL, 0), 0);
	return host;
}

/* A template for @paths, built as @uid: the result of the build. */
static int build_as(char *const *paths, unsigned uid, int host)
{
	ck_assert(!mnt_template_enter(paths));
	return mnt_template_idle(host, uid, uid, NULL, 0);
}

/* @paths failed lately: not tried again, and nothing more is reported. */
static void waits(char *const *paths, int host)
{
	ck_assert_int_eq(build_as(paths, 65534, host), 0);
	ck_assert(!mnt_template_enter(paths));
}

START_TEST(test_one_shot_threads_use_none)
{
	int host = host_fd();

	ck_assert(!mnt_template_enter(usr_only));	/* never idle: a command */
	ck_assert_int_eq(mnt_template_idle(host, 0, 0, NULL, 0), 0);	/* nothing noted */
	ck_assert(!mnt_template_enter(usr_only));
	close(host);
}
END_TEST

START_TEST(test_built_when_idle_after_a_miss)
{
	int host = start_worker();
	ino_t home = here();

	ck_assert(!mnt_template_enter(usr_only));	/* none yet: noted */
	ck_assert_uint_eq(here(), home);
	ck_assert_int_eq(mnt_template_idle(host, 0, 0, NULL, 0), 0);
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
	int host = start_worker();
	struct statfs sf;
	struct stat st;

	ck_assert_int_eq(build_as(usr_only, 65534, host), 0);
	ck_assert(mnt_template_enter(usr_only));
	ck_assert(exists("/usr/bin/sh"));
	ck_assert(exists("/etc/passwd") && exists("/etc/ld.so.cache"));
	ck_assert(exists("/dev/null") && exists("/dev/shm"));
	ck_assert_int_eq(stat("/work", &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert(exists("/tmp"));
	ck_assert_int_eq(statfs("/proc", &sf), 0);	/* a procfs, to be covered */
	ck_assert(sf.f_type == PROC_SUPER_MAGIC);
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
	int host = start_worker();

	ck_assert_int_eq(build_as(usr_only, 0, host), 0);
	ck_assert_int_eq(build_as(usr_var, 0, host), 0);	/* another language */
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
	int host = start_worker();

	ck_assert(!mnt_template_enter(usr_only));
	ck_assert_int_eq(mnt_template_idle(-1, 0, 0, NULL, 0), -EBADF);
	ck_assert_int_eq(mnt_template_idle(host, 0, 0, NULL, 0), 0);
	mnt_template_drop();
	ck_assert(!mnt_template_enter(usr_only));
	close(host);
}
END_TEST

/* The clock templates age by in the two tests below: no sleeping. */
static int64_t fake_now = 1000 * 1000000000LL;

static int64_t fake_clock(void)
{
	return fake_now;
}

static void advance(double s)
{
	fake_now += (int64_t)llround(s * 1e9);
}

static char *const usr_opt[] = { "/usr", "/opt", NULL };

/* A worker on the fake clock with templates for usr_only and usr_opt. */
static int two_on_fake_clock(void)
{
	int host;

	mnt_template_clock(fake_clock);
	host = start_worker();
	ck_assert_int_eq(build_as(usr_only, 0, host), 0);
	ck_assert_int_eq(build_as(usr_opt, 0, host), 0);
	return host;
}

/* A box enters the template of @paths (there must be a fresh one). */
static void box_uses(char *const *paths, int host)
{
	ck_assert(mnt_template_enter(paths));
	ck_assert_int_eq(mnt_template_leave(host), 0);
}

/* Never used when over ten seconds old; an idle worker renews it after
 * five, so a job after a quiet spell still finds one. */
START_TEST(test_stale_never_used_and_renewed_when_idle)
{
	int host = two_on_fake_clock();

	advance(6);
	box_uses(usr_opt, host);			/* 6 s old: still fresh */
	ck_assert_int_eq(mnt_template_idle(host, 0, 0, NULL, 0), 0);	/* renews both */
	advance(10);
	box_uses(usr_only, host);	/* 16 s since its build, 10 since renewed */
	advance(1e-9);
	ck_assert(!mnt_template_enter(usr_only));	/* a nanosecond more: stale */
	mnt_template_clock(NULL);
	close(host);
}
END_TEST

/* Renewing is not using: one no box entered for two minutes is dropped
 * although idle ticks renewed it; one entered meanwhile is kept. */
START_TEST(test_unused_dropped_though_renewed)
{
	int host = two_on_fake_clock();

	for (int tick = 1; tick <= 31; tick++) {	/* 124 s of idle ticks */
		advance(4);
		if (tick == 25)				/* at 100 s, a box */
			box_uses(usr_opt, host);
		ck_assert_int_eq(mnt_template_idle(host, 0, 0, NULL, 0), 0);
	}
	box_uses(usr_opt, host);			/* used 24 s ago: kept */
	ck_assert(!mnt_template_enter(usr_only));	/* never used: dropped */
	mnt_template_clock(NULL);
	close(host);
}
END_TEST

/* /usr and a directory below a 0700 one of root's: what a box's ids
 * cannot reach, and root can. */
struct closed {
	char dir[32], pub[64];
	char *paths[3];
};

static void closed_make(struct closed *c)
{
	snprintf(c->dir, sizeof(c->dir), "/var/tmp/cylo-tmpl-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(c->dir));		/* 0700, root's */
	snprintf(c->pub, sizeof(c->pub), "%.31s/pub", c->dir);
	ck_assert_int_eq(mkdir(c->pub, 0755), 0);
	c->paths[0] = "/usr";
	c->paths[1] = c->pub;
	c->paths[2] = NULL;
}

static void closed_remove(const struct closed *c)
{
	ck_assert_int_eq(rmdir(c->pub), 0);
	ck_assert_int_eq(rmdir(c->dir), 0);
}

/* A directory closed to the box's ids stays closed: the builder is root,
 * but looks paths up as the box would. */
START_TEST(test_paths_looked_up_as_the_box)
{
	struct closed c;
	char why[PATH_MAX];
	int host = start_worker();

	closed_make(&c);
	/* the failure names the path; while it is remembered it is neither
	 * tried nor reported again */
	ck_assert(!mnt_template_enter(c.paths));
	why[0] = '\0';
	ck_assert_int_eq(mnt_template_idle(host, 65534, 65534, why, sizeof(why)), -EACCES);
	ck_assert_str_eq(why, c.pub);
	ck_assert(!mnt_template_enter(c.paths));
	ck_assert_int_eq(mnt_template_idle(host, 65534, 65534, why, sizeof(why)), 0);
	ck_assert_str_eq(why, "");
	ck_assert(!mnt_template_enter(c.paths));	/* boxes build their own */
	mnt_template_drop();
	host = start_worker();
	ck_assert_int_eq(build_as(c.paths, 0, host), 0);	/* root may */
	ck_assert(mnt_template_enter(c.paths));
	ck_assert(exists(c.pub));
	ck_assert_int_eq(mnt_template_leave(host), 0);
	closed_remove(&c);
	close(host);
}
END_TEST

/* Two builds fail in one idle call, the wanted set's first and then a
 * renewal: the first one's path is the one reported. */
START_TEST(test_first_failure_named)
{
	struct closed a, b;
	char why[PATH_MAX];
	int host;

	mnt_template_clock(fake_clock);
	host = start_worker();
	closed_make(&b);
	ck_assert_int_eq(chmod(b.dir, 0755), 0);
	ck_assert_int_eq(build_as(b.paths, 65534, host), 0);
	ck_assert_int_eq(chmod(b.dir, 0700), 0);	/* its renewal will fail */
	closed_make(&a);
	ck_assert(!mnt_template_enter(a.paths));	/* wanted, and will fail */
	advance(6);					/* b is due for renewal */
	ck_assert_int_eq(mnt_template_idle(host, 65534, 65534, why, sizeof(why)), -EACCES);
	ck_assert_str_eq(why, a.pub);
	ck_assert(!mnt_template_enter(b.paths));	/* dropped with its renewal */
	closed_remove(&a);
	closed_remove(&b);
	mnt_template_clock(NULL);
	close(host);
}
END_TEST

/* A failure that is no one path's names none. */
START_TEST(test_failure_without_a_path)
{
	char *many[130], why[PATH_MAX];
	int host = start_worker();

	for (int i = 0; i < 129; i++)	/* one more than a template holds */
		many[i] = "/usr";
	many[129] = NULL;
	ck_assert(!mnt_template_enter(many));
	strcpy(why, "stale");
	ck_assert_int_eq(mnt_template_idle(host, 0, 0, why, sizeof(why)), -E2BIG);
	ck_assert_str_eq(why, "");
	close(host);
}
END_TEST

/* Each failed set of paths waits its own minute before it is built
 * again: another set failing meanwhile does not bring the retry forward. */
START_TEST(test_failures_remembered_per_set)
{
	struct closed one, two;
	int host = start_worker();

	closed_make(&one);
	closed_make(&two);
	ck_assert_int_eq(build_as(one.paths, 65534, host), -EACCES);
	ck_assert_int_eq(chmod(one.dir, 0755), 0);		/* it would build now */
	ck_assert_int_eq(build_as(two.paths, 65534, host), -EACCES);
	waits(one.paths, host);					/* not yet tried */
	ck_assert(!mnt_template_enter(one.paths));
	closed_remove(&one);
	closed_remove(&two);
	close(host);
}
END_TEST

/* A failed set is tried again a minute later, not sooner, and then
 * builds if it can. */
START_TEST(test_failed_set_retried_after_a_minute)
{
	struct closed c;
	int host;

	mnt_template_clock(fake_clock);
	host = start_worker();
	closed_make(&c);
	ck_assert_int_eq(build_as(c.paths, 65534, host), -EACCES);
	ck_assert_int_eq(chmod(c.dir, 0755), 0);		/* it would build now */
	advance(59.9);
	waits(c.paths, host);
	advance(0.2);
	ck_assert_int_eq(build_as(c.paths, 65534, host), 0);	/* retried */
	box_uses(c.paths, host);
	closed_remove(&c);
	mnt_template_clock(NULL);
	close(host);
}
END_TEST

/* Nine failing sets, one more than are remembered: the oldest failure is
 * forgotten (built again at once), the next one still waits. */
START_TEST(test_oldest_failure_forgotten_first)
{
	enum { SETS = 9 };
	struct closed c[SETS];
	int host = start_worker();

	for (int i = 0; i < SETS; i++) {
		closed_make(&c[i]);
		ck_assert_int_eq(build_as(c[i].paths, 65534, host), -EACCES);
	}
	ck_assert_int_eq(chmod(c[0].dir, 0755), 0);
	ck_assert_int_eq(chmod(c[1].dir, 0755), 0);
	ck_assert_int_eq(build_as(c[0].paths, 65534, host), 0);	/* forgotten */
	waits(c[1].paths, host);
	for (int i = 0; i < SETS; i++)
		closed_remove(&c[i]);
	close(host);
}
END_TEST

/* What a box's copy of the template allows, seen from a child in new user
 * and mount namespaces as the box's clone makes them: 0 or the step that
 * failed. */
static int box_copy_check(void)
{
	struct mount_attr rw = { .attr_clr = MOUNT_ATTR_RDONLY };

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		return 1;
	if (umount2("/usr", MNT_DETACH) == 0 || errno != EINVAL)
		return 2;			/* locked: cannot be unmounted */
	if (umount2("/proc", MNT_DETACH) == 0 || errno != EINVAL)
		return 3;
	if (syscall(SYS_mount_setattr, AT_FDCWD, "/usr", 0, &rw, sizeof(rw)) == 0 ||
	    errno != EPERM)
		return 4;			/* read-only is locked */
	if (syscall(SYS_mount_setattr, AT_FDCWD, "/", 0, &rw, sizeof(rw)) == 0 ||
	    errno != EPERM)
		return 5;
	if (mkdir("/x", 0755) == 0 || errno != EROFS)
		return 6;
	return 0;
}

START_TEST(test_locked_in_a_box_copy)
{
	int host = start_worker(), st;
	pid_t pid;

	ck_assert_int_eq(build_as(usr_only, 0, host), 0);
	ck_assert(mnt_template_enter(usr_only));
	pid = fork();
	if (pid == 0)
		_exit(box_copy_check());
	ck_assert_int_eq(mnt_template_leave(host), 0);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "box copy check failed at step %d", WEXITSTATUS(st));
	close(host);
}
END_TEST

int main(void)
{
	Suite *s;
	TCase *tc;

	if (lacks_root("test_mnt_template", "mount namespaces"))
		return 77;
	if ((host_proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		perror("/proc");
		return EXIT_FAILURE;
	}
	s = suite_create("mnt_template");
	tc = tcase_create("template");

	tcase_add_test(tc, test_one_shot_threads_use_none);
	tcase_add_test(tc, test_built_when_idle_after_a_miss);
	tcase_add_test(tc, test_holds_only_what_was_asked);
	tcase_add_test(tc, test_told_apart_by_paths);
	tcase_add_test(tc, test_drop_and_bad_host);
	tcase_add_test(tc, test_paths_looked_up_as_the_box);
	tcase_add_test(tc, test_failure_without_a_path);
	tcase_add_test(tc, test_first_failure_named);
	tcase_add_test(tc, test_failures_remembered_per_set);
	tcase_add_test(tc, test_failed_set_retried_after_a_minute);
	tcase_add_test(tc, test_oldest_failure_forgotten_first);
	tcase_add_test(tc, test_locked_in_a_box_copy);
	tcase_add_test(tc, test_stale_never_used_and_renewed_when_idle);
	tcase_add_test(tc, test_unused_dropped_though_renewed);
	tcase_set_timeout(tc, 40);
	/* Templates are built with clone3() and reaped through a pidfd,
	 * which valgrind 3.19 does not know: `make valgrind` leaves these
	 * out by their tag. */
	tcase_set_tags(tc, "pidfd");
	suite_add_tcase(s, tc);
	return run_suite(s);
}
