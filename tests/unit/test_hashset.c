/*
 * test_hashset.c - the bounded set of 64-bit hashes (hashset.c) that a
 * directory scan keeps of the inputs it found finished.
 *
 * What the watcher relies on: a value added is found, one never added is
 * not (also when many share the low bits that index the table); adding
 * twice counts once; a full set refuses new values but keeps its own;
 * reserving keeps what is there; clearing empties it; a NULL set is an
 * empty one that refuses values.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stddef.h>

#include "hashset.h"
#include "testutil.h"

static struct hashset *mkset(size_t max)
{
	struct hashset *s = NULL;

	ck_assert_int_eq(hashset_new(max, &s), 0);
	return s;
}

START_TEST(test_add_and_find)
{
	struct hashset *s = mkset(100000);

	ck_assert(!hashset_has(s, 42));			/* empty, no table yet */
	for (uint64_t v = 1; v <= 50000; v++)
		ck_assert_int_eq(hashset_add(s, v * 0x9e3779b97f4a7c15ULL), 0);
	ck_assert_uint_eq(hashset_count(s), 50000);
	for (uint64_t v = 1; v <= 50000; v++)
		ck_assert(hashset_has(s, v * 0x9e3779b97f4a7c15ULL));
	for (uint64_t v = 50001; v <= 60000; v++)
		ck_assert(!hashset_has(s, v * 0x9e3779b97f4a7c15ULL));
	hashset_free(s);
}
END_TEST

/* Values alike in their low bits all land on one slot and probe on. */
START_TEST(test_same_low_bits)
{
	struct hashset *s = mkset(1000);

	for (uint64_t v = 1; v <= 500; v++)
		ck_assert_int_eq(hashset_add(s, v << 40), 0);
	for (uint64_t v = 1; v <= 500; v++)
		ck_assert(hashset_has(s, v << 40));
	ck_assert(!hashset_has(s, 501ULL << 40));
	ck_assert(!hashset_has(s, 0));
	hashset_free(s);
}
END_TEST

START_TEST(test_twice_counts_once_and_zero)
{
	struct hashset *s = mkset(10);

	ck_assert_int_eq(hashset_add(s, 7), 0);
	ck_assert_int_eq(hashset_add(s, 7), 0);
	ck_assert_uint_eq(hashset_count(s), 1);
	ck_assert_int_eq(hashset_add(s, 0), 0);		/* stored as 1 */
	ck_assert(hashset_has(s, 0));
	ck_assert(hashset_has(s, 1));
	ck_assert_uint_eq(hashset_count(s), 2);
	hashset_free(s);
}
END_TEST

START_TEST(test_full_keeps_its_own)
{
	struct hashset *s = mkset(3);

	ck_assert_int_eq(hashset_add(s, 10), 0);
	ck_assert_int_eq(hashset_add(s, 20), 0);
	ck_assert_int_eq(hashset_add(s, 30), 0);
	ck_assert_int_eq(hashset_add(s, 40), -ENOSPC);
	ck_assert_int_eq(hashset_add(s, 20), 0);	/* already there */
	ck_assert(!hashset_has(s, 40));
	ck_assert(hashset_has(s, 10) && hashset_has(s, 20) && hashset_has(s, 30));
	ck_assert_uint_eq(hashset_count(s), 3);
	hashset_free(s);
}
END_TEST

START_TEST(test_clear_and_reserve)
{
	struct hashset *s = mkset(1000);

	ck_assert_int_eq(hashset_reserve(s, 600), 0);	/* no value yet */
	for (uint64_t v = 1; v <= 600; v++)
		ck_assert_int_eq(hashset_add(s, v << 20), 0);
	ck_assert_int_eq(hashset_reserve(s, 5000), 0);	/* capped at max */
	for (uint64_t v = 1; v <= 600; v++)
		ck_assert(hashset_has(s, v << 20));
	hashset_clear(s);
	ck_assert_uint_eq(hashset_count(s), 0);
	ck_assert(!hashset_has(s, 1 << 20));
	ck_assert_int_eq(hashset_add(s, 9), 0);		/* usable after a clear */
	ck_assert(hashset_has(s, 9));
	hashset_free(s);
	hashset_free(NULL);
}
END_TEST

/* What a folder whose sets could not be allocated gets: read every time. */
START_TEST(test_null_is_empty_and_refuses)
{
	struct hashset *s = NULL;

	ck_assert(!hashset_has(NULL, 1));
	ck_assert_int_eq(hashset_add(NULL, 1), -ENOMEM);
	ck_assert_int_eq(hashset_reserve(NULL, 10), -ENOMEM);
	ck_assert_uint_eq(hashset_count(NULL), 0);
	hashset_clear(NULL);
	ck_assert_int_eq(hashset_new(SIZE_MAX, &s), -EINVAL);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(hashset_new(0, &s), 0);	/* refuses every value */
	ck_assert_int_eq(hashset_add(s, 1), -ENOSPC);
	hashset_free(s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hashset");
	TCase *tc = tcase_create("hashset");

	tcase_add_test(tc, test_add_and_find);
	tcase_add_test(tc, test_same_low_bits);
	tcase_add_test(tc, test_twice_counts_once_and_zero);
	tcase_add_test(tc, test_full_keeps_its_own);
	tcase_add_test(tc, test_clear_and_reserve);
	tcase_add_test(tc, test_null_is_empty_and_refuses);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
