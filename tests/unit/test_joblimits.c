/*
 * test_joblimits.c - layering a job's or a test's limits over the ones
 * below (joblimits.c).
 *
 * What the jobs rely on: limits_merge() copies what is set and nothing
 * else; limits_layer() also lifts the other of timeout and cpu_time to a
 * time that was set alone, never lowers it, never past the maxima, and
 * leaves both alone when both were set.
 */
#include <check.h>

#include "joblimits.h"
#include "testutil.h"

static struct cylo_limits base, max;

static void setup(void)
{
	limits_builtin_defaults(&base);	/* timeout 10, cpu_time 10 */
	limits_builtin_maxima(&max);	/* 600 each */
}

static struct cylo_limits layered(double timeout, double cpu_time)
{
	struct cylo_limits l = base, over;

	limits_unset(&over);
	over.timeout = timeout;
	over.cpu_time = cpu_time;
	limits_layer(&l, &over, &max);
	return l;
}

START_TEST(test_merge_copies_only_what_is_set)
{
	struct cylo_limits l = base, over;

	limits_unset(&over);
	over.timeout = 15;
	limits_merge(&l, &over);
	ck_assert_double_eq(l.timeout, 15);
	ck_assert_double_eq(l.cpu_time, 10);
	ck_assert_int_eq(l.memory, 256);
}
END_TEST

START_TEST(test_a_time_set_alone_lifts_the_other)
{
	struct cylo_limits l = layered(15, -1);

	ck_assert_double_eq(l.timeout, 15);
	ck_assert_double_eq(l.cpu_time, 15);
	l = layered(-1, 20);
	ck_assert_double_eq(l.cpu_time, 20);
	ck_assert_double_eq(l.timeout, 20);
	/* Never lowered: 2 s of wall keeps the 10 s of CPU below. */
	l = layered(2, -1);
	ck_assert_double_eq(l.timeout, 2);
	ck_assert_double_eq(l.cpu_time, 10);
	/* Both set: each as given. */
	l = layered(15, 1);
	ck_assert_double_eq(l.timeout, 15);
	ck_assert_double_eq(l.cpu_time, 1);
}
END_TEST

START_TEST(test_lifted_within_the_maxima)
{
	struct cylo_limits l;

	max.cpu_time = 12;
	l = layered(15, -1);
	ck_assert_double_eq(l.timeout, 15);
	ck_assert_double_eq(l.cpu_time, 12);
	/* A value below already over a lower maximum is not lowered. */
	max.cpu_time = 5;
	l = layered(15, -1);
	ck_assert_double_eq(l.cpu_time, 10);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("joblimits");
	TCase *tc = tcase_create("joblimits");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_merge_copies_only_what_is_set);
	tcase_add_test(tc, test_a_time_set_alone_lifts_the_other);
	tcase_add_test(tc, test_lifted_within_the_maxima);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
