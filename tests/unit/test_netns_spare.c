/*
 * test_netns_spare.c - network namespaces made ahead of time
 * (netns_spare.c), on the real kernel, as root.
 *
 * What a box relies on: a spare is a namespace other than ours; entering
 * it and leaving puts the thread back where it was; a spare is spent by
 * the one box it was entered for (a second enter finds none), so two
 * boxes never share one; making twice keeps one spare, not two.  A
 * one-shot command's spare, made on a helper thread, goes to the first
 * thread that enters without one of its own, once; one no box took is
 * closed at the end.  Check forks each test, so the namespaces a test
 * leaves die with its process.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netns_spare.h"
#include "testutil.h"

static int host_proc = -1;

/* The inode of the calling thread's network namespace. */
static ino_t here(void)
{
	return thread_ns(host_proc, "net");
}

static int host_fd(void)
{
	return own_ns_fd("net");
}

START_TEST(test_enter_and_leave)
{
	int host = host_fd();
	ino_t home = here(), box;

	ck_assert_int_eq(netns_spare_make(host), 0);
	ck_assert_uint_eq(here(), home);	/* making it does not move us */
	ck_assert(netns_spare_enter());
	box = here();
	ck_assert_uint_ne(box, home);
	ck_assert_int_eq(netns_spare_leave(host), 0);
	ck_assert_uint_eq(here(), home);
	close(host);
}
END_TEST

START_TEST(test_spent_after_one_box)
{
	int host = host_fd();

	ck_assert_int_eq(netns_spare_make(host), 0);
	ck_assert(netns_spare_enter());
	ck_assert_int_eq(netns_spare_leave(host), 0);
	ck_assert(!netns_spare_enter());	/* the next box makes its own */
	close(host);
}
END_TEST

START_TEST(test_each_spare_is_new)
{
	int host = host_fd(), held;
	ino_t first, second;

	ck_assert_int_eq(netns_spare_make(host), 0);
	ck_assert(netns_spare_enter());
	first = here();
	/* Keep the first alive, as its box would, so no inode is recycled. */
	held = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(held, 0);
	ck_assert_int_eq(netns_spare_leave(host), 0);
	ck_assert_int_eq(netns_spare_make(host), 0);
	ck_assert(netns_spare_enter());
	second = here();
	ck_assert_int_eq(netns_spare_leave(host), 0);
	ck_assert_uint_ne(first, second);
	close(held);
	close(host);
}
END_TEST

START_TEST(test_make_twice_keeps_one)
{
	int host = host_fd();

	ck_assert_int_eq(netns_spare_make(host), 0);
	ck_assert_int_eq(netns_spare_make(host), 0);
	ck_assert(netns_spare_enter());
	ck_assert_int_eq(netns_spare_leave(host), 0);
	ck_assert(!netns_spare_enter());
	close(host);
}
END_TEST

/* A thread a failed setns() left in a box's namespace is brought home. */
START_TEST(test_make_brings_thread_home)
{
	int host = host_fd();
	ino_t home = here();

	ck_assert_int_eq(netns_spare_make(host), 0);
	ck_assert(netns_spare_enter());		/* and no leave: stranded */
	ck_assert_uint_ne(here(), home);
	ck_assert_int_eq(netns_spare_make(host), 0);
	ck_assert_uint_eq(here(), home);
	ck_assert(netns_spare_enter());		/* a new spare, not the old one */
	ck_assert_int_eq(netns_spare_leave(host), 0);
	close(host);
}
END_TEST

START_TEST(test_drop_and_bad_host)
{
	int host = host_fd();

	ck_assert_int_eq(netns_spare_make(-1), -EBADF);
	ck_assert(!netns_spare_enter());
	ck_assert_int_eq(netns_spare_make(host), 0);
	netns_spare_drop();
	ck_assert(!netns_spare_enter());
	close(host);
}
END_TEST

/* The helper needs a CPU beside ours; with one there is no helper. */
static bool helper_expected(void)
{
	cpu_set_t cpus;

	ck_assert_int_eq(sched_getaffinity(0, sizeof(cpus), &cpus), 0);
	return CPU_COUNT(&cpus) > 1;
}

START_TEST(test_ahead_taken_once)
{
	int host = host_fd();
	ino_t home = here();

	netns_spare_ahead();
	ck_assert_uint_eq(here(), home);	/* the helper moved only itself */
	if (!helper_expected()) {
		ck_assert(!netns_spare_enter());
		close(host);
		return;
	}
	ck_assert(netns_spare_enter());
	ck_assert_uint_ne(here(), home);
	ck_assert_int_eq(netns_spare_leave(host), 0);
	ck_assert_uint_eq(here(), home);
	ck_assert(!netns_spare_enter());	/* spent by that one box */
	netns_spare_ahead_end();		/* nothing left to close */
	close(host);
}
END_TEST

/* A thread's own spare goes first; the helper's waits for the next box. */
START_TEST(test_ahead_after_own)
{
	int host = host_fd(), held;
	ino_t home = here(), own;

	if (!helper_expected())
		return;
	ck_assert_int_eq(netns_spare_make(host), 0);
	netns_spare_ahead();
	ck_assert(netns_spare_enter());
	own = here();
	held = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(held, 0);
	ck_assert_int_eq(netns_spare_leave(host), 0);
	ck_assert(netns_spare_enter());
	ck_assert_uint_ne(here(), own);
	ck_assert_uint_ne(here(), home);
	ck_assert_int_eq(netns_spare_leave(host), 0);
	ck_assert(!netns_spare_enter());
	close(held);
	close(host);
}
END_TEST

/* As in a command: the main thread starts the helper, the box's thread
 * takes the spare. */
struct taker {
	int host;
	bool entered;
	ino_t ns;
};

static void *take(void *p)
{
	struct taker *t = p;

	t->entered = netns_spare_enter();
	t->ns = here();
	if (t->entered && netns_spare_leave(t->host) < 0)
		t->entered = false;
	return NULL;
}

START_TEST(test_ahead_taken_by_another_thread)
{
	struct taker t = { .host = host_fd() };
	ino_t home = here();
	pthread_t tid;

	netns_spare_ahead();
	ck_assert_int_eq(pthread_create(&tid, NULL, take, &t), 0);
	ck_assert_int_eq(pthread_join(tid, NULL), 0);
	ck_assert(t.entered == helper_expected());
	if (t.entered)
		ck_assert_uint_ne(t.ns, home);
	ck_assert(!netns_spare_enter());	/* taken, by that thread alone */
	close(t.host);
}
END_TEST

static int entries(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/* One no box took is closed and its helper joined: no fd, no thread left,
 * and no later box finds it. */
START_TEST(test_ahead_end_discards)
{
	int host = host_fd();
	int fds = entries("/proc/self/fd"), tasks = entries("/proc/self/task");

	netns_spare_ahead();
	netns_spare_ahead_end();
	ck_assert_int_eq(entries("/proc/self/fd"), fds);
	ck_assert_int_eq(entries("/proc/self/task"), tasks);
	ck_assert(!netns_spare_enter());
	netns_spare_ahead_end();		/* twice is harmless */
	netns_spare_ahead();			/* and a new one can start */
	ck_assert(netns_spare_enter() == helper_expected());
	ck_assert_int_eq(netns_spare_leave(host), 0);
	close(host);
}
END_TEST

int main(void)
{
	Suite *s;
	TCase *tc;

	if (lacks_root("test_netns_spare", "unshare(CLONE_NEWNET)"))
		return 77;
	if ((host_proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		perror("/proc");
		return EXIT_FAILURE;
	}
	s = suite_create("netns_spare");
	tc = tcase_create("spare");

	tcase_add_test(tc, test_enter_and_leave);
	tcase_add_test(tc, test_spent_after_one_box);
	tcase_add_test(tc, test_each_spare_is_new);
	tcase_add_test(tc, test_make_twice_keeps_one);
	tcase_add_test(tc, test_make_brings_thread_home);
	tcase_add_test(tc, test_drop_and_bad_host);
	tcase_add_test(tc, test_ahead_taken_once);
	tcase_add_test(tc, test_ahead_after_own);
	tcase_add_test(tc, test_ahead_taken_by_another_thread);
	tcase_add_test(tc, test_ahead_end_discards);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
