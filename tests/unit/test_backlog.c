/*
 * test_backlog.c - which pending inputs a scan keeps and in what order
 * they run (backlog.c).
 *
 * What the watcher relies on: with one owner the order is oldest first;
 * owners take turns, each with its oldest first; a flood by one owner
 * beyond what a scan keeps still leaves every other owner's first inputs
 * near the front; past twice the kept count of owners the oldest owners'
 * inputs stay.  A randomised case compares the selection with the whole
 * order sorted naively and cut at the kept count.
 */
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backlog.h"
#include "testutil.h"

struct offer {
	uid_t owner;
	int64_t mtime;
	char name[32];
	uint32_t round;
};

static struct backlog *mk(size_t keep)
{
	struct backlog *b = NULL;

	ck_assert_int_eq(backlog_new(keep, &b), 0);
	return b;
}

static void add(struct backlog *b, uid_t owner, int64_t mtime, const char *name)
{
	ck_assert_int_eq(backlog_add(b, owner, mtime, name), 0);
}

static struct backlog_item *take(struct backlog *b, size_t *n, struct owner_count **oc,
				 size_t *noc)
{
	struct backlog_list l;

	ck_assert_int_eq(backlog_take(b, &l), 0);
	*n = l.n;
	*oc = l.owners;
	*noc = l.nowners;
	return l.items;
}

static void items_free(struct backlog_item *v, size_t n, struct owner_count *oc)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
	free(oc);
}

/* Takes the selection as one string of names, each followed by a space. */
static char *take_names(struct backlog *b, size_t *n)
{
	struct owner_count *oc;
	struct backlog_item *v;
	char *out = calloc(1, 65536);
	size_t noc;

	ck_assert_ptr_nonnull(out);
	v = take(b, n, &oc, &noc);
	for (size_t i = 0; i < *n; i++) {
		strcat(out, v[i].name);
		strcat(out, " ");
	}
	items_free(v, *n, oc);
	return out;
}

START_TEST(test_one_owner_oldest_first)
{
	struct backlog *b = mk(3);
	size_t n;
	char *s;

	add(b, 7, 50, "e");
	add(b, 7, 10, "a");
	add(b, 7, 40, "d");
	add(b, 7, 20, "b");
	add(b, 7, 20, "c");	/* same mtime: by name */
	s = take_names(b, &n);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(s, "a b c ");
	free(s);
	/* Taken: the selection is empty and can be used again. */
	add(b, 7, 1, "z");
	s = take_names(b, &n);
	ck_assert_str_eq(s, "z ");
	free(s);
	backlog_free(b);
}
END_TEST

START_TEST(test_owners_take_turns)
{
	struct backlog *b = mk(100);
	char name[16];
	size_t n;
	char *s;

	for (int i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "a%d", i);
		add(b, 1000, 100 + i, name);
	}
	add(b, 1001, 900, "b0");
	add(b, 1001, 901, "b1");
	add(b, 1002, 50, "c0");
	s = take_names(b, &n);
	ck_assert_uint_eq(n, 7);
	ck_assert_str_eq(s, "c0 a0 b0 a1 b1 a2 a3 ");
	free(s);
	backlog_free(b);
}
END_TEST

/* Inputs already queued push their owner's rounds back. */
START_TEST(test_queued_come_later)
{
	struct backlog *b = mk(100);
	struct owner_count *oc;
	struct backlog_item *v;
	char name[16];
	size_t n, noc;
	char *s;

	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(backlog_queued(b, 1000), 0);
		snprintf(name, sizeof(name), "a%d", i);
		add(b, 1000, 10 + i, name);
	}
	for (int i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "b%d", i);
		add(b, 2000, 100 + i, name);
	}
	s = take_names(b, &n);
	ck_assert_uint_eq(n, 8);
	ck_assert_str_eq(s, "b0 b1 b2 a0 b3 a1 b4 a2 ");
	free(s);
	/* An owner with queued inputs only is in the owners, with none listed. */
	ck_assert_int_eq(backlog_queued(b, 3000), 0);
	ck_assert_int_eq(backlog_queued(b, 3000), 0);
	add(b, 2000, 1, "b");
	v = take(b, &n, &oc, &noc);
	ck_assert_uint_eq(noc, 2);
	ck_assert_uint_eq(backlog_owner(oc, noc, 3000)->queued, 2);
	ck_assert_uint_eq(backlog_owner(oc, noc, 3000)->listed, 0);
	ck_assert_uint_eq(backlog_owner(oc, noc, 2000)->queued, 0);
	ck_assert_uint_eq(backlog_owner(oc, noc, 2000)->listed, 1);
	items_free(v, n, oc);
	backlog_free(b);
}
END_TEST

/* 100,000 files of one owner, older than another's two. */
START_TEST(test_flood_keeps_the_others)
{
	struct backlog *b = mk(8);
	struct backlog_item *v;
	struct owner_count *oc;
	char name[16];
	size_t n, no;

	for (int i = 0; i < 100000; i++) {
		snprintf(name, sizeof(name), "f%06d", (i * 7919) % 100000);
		add(b, 1000, (i * 7919) % 100000, name);
	}
	add(b, 2000, 200000, "late1");
	add(b, 2000, 200001, "late2");
	v = take(b, &n, &oc, &no);
	ck_assert_uint_eq(n, 8);
	ck_assert_str_eq(v[0].name, "f000000");
	ck_assert_str_eq(v[1].name, "late1");
	ck_assert_str_eq(v[2].name, "f000001");
	ck_assert_str_eq(v[3].name, "late2");
	ck_assert_str_eq(v[7].name, "f000005");
	ck_assert_uint_eq(no, 2);
	ck_assert_uint_eq(backlog_owner(oc, no, 1000)->n, 6);
	ck_assert_uint_eq(backlog_owner(oc, no, 1000)->listed, 6);
	ck_assert(backlog_owner(oc, no, 1000)->cut);
	ck_assert_uint_eq(backlog_owner(oc, no, 2000)->n, 2);
	ck_assert(!backlog_owner(oc, no, 2000)->cut);
	ck_assert_ptr_null(backlog_owner(oc, no, 3000));
	items_free(v, n, oc);
	backlog_free(b);
}
END_TEST

/* More owners than twice the kept count: the oldest owners' inputs stay. */
START_TEST(test_many_owners)
{
	struct backlog *b = mk(4);
	char name[16];
	size_t n;
	char *s;

	struct backlog_list l;

	for (int round = 0; round < 2; round++) {
		for (int i = 999; i >= 0; i--) {
			snprintf(name, sizeof(name), "u%d", i);
			add(b, (uid_t)(5000 + i), 1000 + i, name);
			if (i % 3 == 0)		/* a second, newer input of some */
				add(b, (uid_t)(5000 + i), 5000 + i, "second");
		}
		if (round == 0) {
			s = take_names(b, &n);
			ck_assert_uint_eq(n, 4);
			ck_assert_str_eq(s, "u0 u1 u2 u3 ");
			free(s);
			continue;
		}
		/* The list says owners were left out whole; the caller may
		 * have used the first inputs, the rest are freed. */
		ck_assert_int_eq(backlog_take(b, &l), 0);
		ck_assert(l.dropped);
		ck_assert_uint_ge(l.nowners, 4);	/* and some it holds past the list */
		ck_assert(l.owners[0].cut);
		free(l.items[0].name);
		backlog_list_free(&l, 1);
		ck_assert_ptr_null(l.items);
		ck_assert_uint_eq(l.n, 0);
	}
	backlog_free(b);
}
END_TEST

static int naive_cmp(const void *a, const void *b)
{
	const struct offer *x = a, *y = b;

	if (x->round != y->round)
		return x->round < y->round ? -1 : 1;
	if (x->mtime != y->mtime)
		return x->mtime < y->mtime ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int age_cmp(const void *a, const void *b)
{
	const struct offer *x = a, *y = b;

	if (x->owner != y->owner)
		return x->owner < y->owner ? -1 : 1;
	if (x->mtime != y->mtime)
		return x->mtime < y->mtime ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* The whole order, naively: rounds from each owner's sorted inputs. */
static void naive(struct offer *o, size_t n)
{
	qsort(o, n, sizeof(*o), age_cmp);
	for (size_t i = 0; i < n; i++)
		o[i].round = (i > 0 && o[i - 1].owner == o[i].owner) ? o[i - 1].round + 1 : 0;
	qsort(o, n, sizeof(*o), naive_cmp);
}

/* Each owner in the list once, with how many it has there, and cut when
 * one of its inputs is past the list (in the naive order @o).  Past 2 *
 * @keep owners some were dropped whole, and every owner counts as cut. */
static void check_counts(const struct offer *o, size_t total, size_t n, size_t keep,
			 struct owner_count *oc, size_t noc)
{
	size_t sum = 0, owners = 0;

	for (size_t k = 0; k < total; k++) {
		bool seen = false;

		for (size_t j = 0; j < k && !seen; j++)
			seen = o[j].owner == o[k].owner;
		owners += !seen;
	}

	for (size_t i = 0; i < noc; i++) {
		size_t listed = 0;
		bool cut = false;

		ck_assert(i == 0 || oc[i - 1].owner < oc[i].owner);
		for (size_t k = 0; k < total; k++) {
			if (o[k].owner != oc[i].owner)
				continue;
			listed += k < n;
			cut |= k >= n;
		}
		ck_assert_uint_eq(oc[i].listed, listed);
		ck_assert_uint_eq(oc[i].n, listed);
		ck_assert_int_eq(oc[i].cut, cut || owners > 2 * keep);
		sum += oc[i].listed;
	}
	ck_assert_uint_eq(sum, n);
}

START_TEST(test_random_against_naive)
{
	static const size_t keeps[] = { 1, 2, 3, 5, 6, 7, 8, 12, 16, 64 };
	unsigned seed = 12345;

	for (int round = 0; round < 400; round++) {
		size_t keep = keeps[rand_r(&seed) % 10], total = rand_r(&seed) % 600;
		unsigned owners = 1 + rand_r(&seed) % 40, span = 1 + rand_r(&seed) % 1000;
		struct offer *o = calloc(total + 1, sizeof(*o));
		struct backlog *b = mk(keep);
		struct owner_count *oc;
		struct backlog_item *v;
		size_t n, noc;

		ck_assert_ptr_nonnull(o);
		for (size_t i = 0; i < total; i++) {
			o[i].owner = 100 + rand_r(&seed) % owners;
			o[i].mtime = rand_r(&seed) % span;
			snprintf(o[i].name, sizeof(o[i].name), "n%zu", i);
			add(b, o[i].owner, o[i].mtime, o[i].name);
		}
		v = take(b, &n, &oc, &noc);
		naive(o, total);
		ck_assert_uint_eq(n, total < keep ? total : keep);
		for (size_t i = 0; i < n; i++) {
			ck_assert_str_eq(v[i].name, o[i].name);
			ck_assert_uint_eq(v[i].owner, o[i].owner);
			ck_assert_uint_eq(v[i].round, o[i].round);
		}
		check_counts(o, total, n, keep, oc, noc);
		items_free(v, n, oc);
		free(o);
		backlog_free(b);
	}
}
END_TEST

/* With inputs already queued and nothing to cut, the order is the naive
 * one with each owner's rounds pushed back by its queued inputs. */
START_TEST(test_random_queued_against_naive)
{
	unsigned seed = 777;

	for (int round = 0; round < 200; round++) {
		size_t total = rand_r(&seed) % 300, n, noc;
		unsigned owners = 1 + rand_r(&seed) % 20;
		struct offer *o = calloc(total + 1, sizeof(*o));
		struct backlog *b = mk(1000);
		size_t base[20] = { 0 };
		struct owner_count *oc;
		struct backlog_item *v;

		ck_assert_ptr_nonnull(o);
		for (unsigned k = 0; k < owners; k++) {
			base[k] = rand_r(&seed) % 5;
			for (size_t q = 0; q < base[k]; q++)
				ck_assert_int_eq(backlog_queued(b, 100 + k), 0);
		}
		for (size_t i = 0; i < total; i++) {
			o[i].owner = 100 + rand_r(&seed) % owners;
			o[i].mtime = rand_r(&seed) % 50;
			snprintf(o[i].name, sizeof(o[i].name), "n%zu", i);
			add(b, o[i].owner, o[i].mtime, o[i].name);
		}
		v = take(b, &n, &oc, &noc);
		qsort(o, total, sizeof(*o), age_cmp);
		for (size_t i = 0; i < total; i++)
			o[i].round = (i > 0 && o[i - 1].owner == o[i].owner) ? o[i - 1].round + 1
									 : (uint32_t)base[o[i].owner - 100];
		qsort(o, total, sizeof(*o), naive_cmp);
		ck_assert_uint_eq(n, total);
		for (size_t i = 0; i < n; i++) {
			ck_assert_str_eq(v[i].name, o[i].name);
			ck_assert_uint_eq(v[i].round, o[i].round);
		}
		for (size_t i = 0; i < noc; i++)
			ck_assert_uint_eq(oc[i].queued, base[oc[i].owner - 100]);
		items_free(v, n, oc);
		free(o);
		backlog_free(b);
	}
}
END_TEST

/* An odd share halved: rounding down would lose one of the first six. */
START_TEST(test_odd_share)
{
	static const struct { uid_t owner; int count; } adds[] = {
		{ 1, 6 }, { 2, 6 }, { 3, 1 }, { 3, 2 }, { 4, 3 }, { 5, 1 },
	};
	struct backlog *b = mk(6);
	int64_t t = 0;
	char name[48];
	size_t n;
	char *s;

	for (size_t i = 0; i < sizeof(adds) / sizeof(adds[0]); i++)
		for (int k = 0; k < adds[i].count; k++) {
			snprintf(name, sizeof(name), "u%u-%lld", adds[i].owner, (long long)t);
			add(b, adds[i].owner, t++, name);
		}
	s = take_names(b, &n);
	ck_assert_uint_eq(n, 6);
	ck_assert_str_eq(s, "u1-0 u2-6 u3-12 u4-15 u5-18 u1-1 ");
	free(s);
	backlog_free(b);
}
END_TEST

START_TEST(test_empty_and_bad)
{
	struct backlog *b = NULL;
	struct owner_count *oc;
	struct backlog_item *v;
	size_t n = 9, noc = 9;

	ck_assert_int_eq(backlog_new(0, &b), -EINVAL);
	ck_assert_ptr_null(b);
	b = mk(4);
	v = take(b, &n, &oc, &noc);
	ck_assert_ptr_null(v);
	ck_assert_ptr_null(oc);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(noc, 0);
	ck_assert_ptr_null(backlog_owner(oc, 0, 1));
	backlog_free(b);
	backlog_free(NULL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("backlog");
	TCase *tc = tcase_create("backlog");

	tcase_add_test(tc, test_one_owner_oldest_first);
	tcase_add_test(tc, test_owners_take_turns);
	tcase_add_test(tc, test_queued_come_later);
	tcase_add_test(tc, test_flood_keeps_the_others);
	tcase_add_test(tc, test_many_owners);
	tcase_add_test(tc, test_random_against_naive);
	tcase_add_test(tc, test_odd_share);
	tcase_add_test(tc, test_random_queued_against_naive);
	tcase_add_test(tc, test_empty_and_bad);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
