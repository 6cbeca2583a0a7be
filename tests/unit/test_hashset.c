/*
 * test_hashset.c - the bounded set of 64-bit hashes (hashset.c) that a
 * directory scan keeps of the inputs it found finished.
 *
 * What the watcher relies on: a value added is found, one never added is
 * not (also when many share the low bits that index the table); adding
 * twice counts once; a full set refuses new values but keeps its own;
 * clearing empties it; a swap exchanges the contents and keeps the bounds.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>

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

START_TEST(test_clear_and_swap)
{
	struct hashset *a = mkset(2), *b = mkset(100);

	ck_assert_int_eq(hashset_add(a, 1), 0);
	ck_assert_int_eq(hashset_add(b, 2), 0);
	ck_assert_int_eq(hashset_add(b, 3), 0);
	ck_assert_int_eq(hashset_add(b, 4), 0);
	hashset_swap(a, b);
	ck_assert(hashset_has(a, 2) && hashset_has(a, 3) && hashset_has(a, 4));
	ck_assert(!hashset_has(a, 1));
	ck_assert(hashset_has(b, 1) && !hashset_has(b, 2));
	ck_assert_uint_eq(hashset_count(a), 3);
	ck_assert_int_eq(hashset_add(a, 5), -ENOSPC);	/* a kept its bound, 2 */
	ck_assert_int_eq(hashset_add(b, 5), 0);		/* and b its 100 */
	ck_assert_int_eq(hashset_add(b, 6), 0);
	hashset_clear(a);
	ck_assert_uint_eq(hashset_count(a), 0);
	ck_assert(!hashset_has(a, 2));
	ck_assert_int_eq(hashset_add(a, 9), 0);		/* usable after a clear */
	ck_assert(hashset_has(a, 9));
	hashset_free(a);
	hashset_free(b);
	hashset_free(NULL);
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
	tcase_add_test(tc, test_clear_and_swap);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
