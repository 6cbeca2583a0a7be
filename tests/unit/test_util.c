/*
 * test_util.c - checked number parsing, bounded buffers, time stamps,
 * string vectors and UTF-8 validation (util.c).
 */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const struct {
	const char *s;
	long min, max;
	int rc;
	long v;
} long_cases[] = {
	{ "0", 0, 10, 0, 0 },
	{ "42", 0, 100, 0, 42 },
	{ "-7", -10, 10, 0, -7 },
	{ "+5", 0, 10, 0, 5 },
	{ "9223372036854775807", 0, LONG_MAX, 0, LONG_MAX },
	{ "9223372036854775808", 0, LONG_MAX, -ERANGE, 0 },
	{ "-9223372036854775809", -LONG_MAX - 1, 0, -ERANGE, 0 },
	{ "11", 0, 10, -ERANGE, 0 },
	{ "-1", 0, 10, -ERANGE, 0 },
	{ "", 0, 10, -EINVAL, 0 },
	{ "12x", 0, 100, -EINVAL, 0 },
	{ " 5", 0, 10, -EINVAL, 0 },
	{ "5 ", 0, 10, -EINVAL, 0 },
	{ "0x10", 0, 100, -EINVAL, 0 },
	{ "-", -10, 10, -EINVAL, 0 },
	{ "1-2", -10, 10, -EINVAL, 0 },
	{ "nan", 0, 10, -EINVAL, 0 },
};

START_TEST(test_parse_long)
{
	long v = -12345;
	int rc = parse_long(long_cases[_i].s, long_cases[_i].min,
			    long_cases[_i].max, &v);

	ck_assert_msg(rc == long_cases[_i].rc, "\"%s\": rc %d, want %d",
		      long_cases[_i].s, rc, long_cases[_i].rc);
	if (rc == 0)
		ck_assert_int_eq(v, long_cases[_i].v);
	else
		ck_assert_int_eq(v, -12345);	/* untouched on error */
}
END_TEST

static const struct {
	const char *s;
	int rc;
	double v;
} double_cases[] = {
	{ "0", 0, 0 },
	{ "1.5", 0, 1.5 },
	{ ".25", 0, 0.25 },
	{ "2e2", 0, 200 },
	{ "-0.5", 0, -0.5 },
	{ "1000.5", -ERANGE, 0 },
	{ "1e999", -ERANGE, 0 },
	{ "1e-400", -ERANGE, 0 },
	{ "", -EINVAL, 0 },
	{ "nan", -EINVAL, 0 },
	{ "NAN", -EINVAL, 0 },
	{ "inf", -EINVAL, 0 },
	{ "-infinity", -EINVAL, 0 },
	{ "0x1p3", -EINVAL, 0 },
	{ " 5", -EINVAL, 0 },
	{ "12x", -EINVAL, 0 },
	{ "1e", -EINVAL, 0 },
	{ "1.5.", -EINVAL, 0 },
};

START_TEST(test_parse_double)
{
	double v = -1;
	int rc = parse_double(double_cases[_i].s, -1000, 1000, &v);

	ck_assert_msg(rc == double_cases[_i].rc, "\"%s\": rc %d, want %d",
		      double_cases[_i].s, rc, double_cases[_i].rc);
	if (rc == 0)
		ck_assert_double_eq(v, double_cases[_i].v);
}
END_TEST

static const struct {
	const char *s;
	int rc;
	long v;
} size_cases[] = {
	{ "4096", 0, 4096 },
	{ "0", 0, 0 },
	{ "64k", 0, 64L << 10 },
	{ "64K", 0, 64L << 10 },
	{ "256M", 0, 256L << 20 },
	{ "1G", 0, 1L << 30 },
	{ "2t", 0, 2L << 40 },
	{ "64KiB", 0, 64L << 10 },
	{ "64kib", 0, 64L << 10 },
	{ "1GB", 0, 1L << 30 },
	{ "4096B", 0, 4096 },
	{ "8388607T", 0, 8388607L << 40 },
	{ "8388608T", -ERANGE, 0 },
	{ "99999999999999999999", -ERANGE, 0 },
	{ "", -EINVAL, 0 },
	{ "M", -EINVAL, 0 },
	{ "12x", -EINVAL, 0 },
	{ " 5", -EINVAL, 0 },
	{ "-5M", -EINVAL, 0 },
	{ "1.5G", -EINVAL, 0 },
	{ "64Ki", -EINVAL, 0 },
	{ "64iB", -EINVAL, 0 },
	{ "64MM", -EINVAL, 0 },
	{ "64M ", -EINVAL, 0 },
	{ "nan", -EINVAL, 0 },
};

START_TEST(test_parse_size)
{
	long v = -1;
	int rc = parse_size(size_cases[_i].s, &v);

	ck_assert_msg(rc == size_cases[_i].rc, "\"%s\": rc %d, want %d",
		      size_cases[_i].s, rc, size_cases[_i].rc);
	if (rc == 0)
		ck_assert_int_eq(v, size_cases[_i].v);
}
END_TEST

START_TEST(test_dynbuf_ceiling)
{
	struct dynbuf b;
	char big[1000];
	size_t len;
	char *p;

	memset(big, 'a', sizeof(big));
	dynbuf_init(&b, 10);
	ck_assert_int_eq(dynbuf_add(&b, "abcd", 4), 0);
	ck_assert(!b.truncated);
	ck_assert_int_eq(dynbuf_add(&b, "efghij", 6), 0);
	ck_assert(!b.truncated);	/* exactly at the ceiling */
	ck_assert_int_eq(b.len, 10);
	ck_assert_int_eq(dynbuf_add(&b, "k", 1), 0);
	ck_assert(b.truncated);
	ck_assert_int_eq(b.len, 10);
	ck_assert_int_eq(dynbuf_add(&b, big, sizeof(big)), 0);
	ck_assert_int_eq(b.len, 10);
	ck_assert_uint_le(b.cap, 11);	/* never allocates past the ceiling */
	p = dynbuf_take(&b, &len);
	ck_assert_int_eq(len, 10);
	ck_assert_str_eq(p, "abcdefghij");	/* NUL-terminated */
	ck_assert_ptr_null(b.p);
	ck_assert(!b.truncated);
	ck_assert_int_eq(b.len, 0);
	free(p);
	dynbuf_free(&b);
}
END_TEST

START_TEST(test_dynbuf_partial_and_growth)
{
	struct dynbuf b;
	char chunk[100];
	size_t i, len;
	char *p;

	dynbuf_init(&b, 100000);
	ck_assert_ptr_null(dynbuf_take(&b, &len));	/* empty: NULL */
	ck_assert_int_eq(len, 0);
	for (i = 0; i < 2000; i++) {
		memset(chunk, 'a' + (int)(i % 26), sizeof(chunk));
		ck_assert_int_eq(dynbuf_add(&b, chunk, sizeof(chunk)), 0);
	}
	ck_assert(b.truncated);
	ck_assert_int_eq(b.len, 100000);
	/* The last accepted chunk (index 999) was whole; the 1000th dropped. */
	ck_assert_int_eq(b.p[99999], 'a' + 999 % 26);
	ck_assert_int_eq(b.p[100000], '\0');
	dynbuf_free(&b);

	/* A chunk crossing the ceiling is cut, not dropped whole. */
	dynbuf_init(&b, 5);
	ck_assert_int_eq(dynbuf_add(&b, "abc", 3), 0);
	ck_assert_int_eq(dynbuf_add(&b, "defg", 4), 0);
	ck_assert(b.truncated);
	p = dynbuf_take(&b, &len);
	ck_assert_int_eq(len, 5);
	ck_assert_mem_eq(p, "abcde", 6);
	free(p);
}
END_TEST

START_TEST(test_rfc3339)
{
	char buf[40];

	/* 2026-11-23T21:08:08.123Z */
	format_rfc3339(1795468088123456789LL, buf, sizeof(buf));
	ck_assert_str_eq(buf, "2026-11-23T21:08:08.123Z");
	format_rfc3339(0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1970-01-01T00:00:00.000Z");
	format_rfc3339(-1000000, buf, sizeof(buf));	/* 1 ms before the epoch */
	ck_assert_str_eq(buf, "1969-12-31T23:59:59.999Z");
	format_rfc3339(951782400000000000LL, buf, sizeof(buf));	/* leap day */
	ck_assert_str_eq(buf, "2000-02-29T00:00:00.000Z");
	format_rfc3339(0, buf, 5);	/* truncated but terminated */
	ck_assert_str_eq(buf, "1970");
}
END_TEST

START_TEST(test_clocks)
{
	int64_t m1 = now_mono_ns(), m2 = now_mono_ns();
	int64_t r = now_real_ns();

	ck_assert(m1 > 0);
	ck_assert(m2 >= m1);
	ck_assert(r > 1700000000LL * 1000000000LL);	/* after 2023 */
}
END_TEST

/* The published FNV-1a 64-bit vectors, and the u32 step in a fixed byte
 * order whatever the host's. */
START_TEST(test_fnv1a)
{
	const unsigned char le[4] = { 0x78, 0x56, 0x34, 0x12 };

	ck_assert_uint_eq(fnv1a(FNV1A_BASIS, "", 0), 0xcbf29ce484222325ULL);
	ck_assert_uint_eq(fnv1a(FNV1A_BASIS, "a", 1), 0xaf63dc4c8601ec8cULL);
	ck_assert_uint_eq(fnv1a(FNV1A_BASIS, "foobar", 6), 0x85944171f73967e8ULL);
	ck_assert_uint_eq(fnv1a(fnv1a(FNV1A_BASIS, "foo", 3), "bar", 3),
			  0x85944171f73967e8ULL);
	ck_assert_uint_eq(fnv1a_u32(FNV1A_BASIS, 0x12345678),
			  fnv1a(FNV1A_BASIS, le, sizeof(le)));
}
END_TEST

/* splitmix64's finaliser, against its reference implementation. */
START_TEST(test_mix64)
{
	ck_assert_uint_eq(mix64(0), 0);
	ck_assert_uint_eq(mix64(1), 0x5692161d100b05e5ULL);
	ck_assert_uint_eq(mix64(0x9E3779B97F4A7C15ULL), 0xe220a8397b1dcdafULL);
}
END_TEST

/* Temporary names and hash seeds take it: no two calls alike. */
START_TEST(test_random_u64)
{
	uint64_t v[256];

	for (size_t i = 0; i < 256; i++) {
		v[i] = random_u64();
		for (size_t j = 0; j < i; j++)
			ck_assert_uint_ne(v[i], v[j]);
	}
}
END_TEST

START_TEST(test_strv)
{
	char **v = NULL, **d;

	ck_assert_int_eq(strv_len(NULL), 0);
	ck_assert_int_eq(strv_push(&v, "a"), 0);
	ck_assert_int_eq(strv_push(&v, "bc"), 0);
	ck_assert_int_eq(strv_push(&v, ""), 0);
	ck_assert_int_eq(strv_len(v), 3);
	ck_assert_ptr_null(v[3]);
	d = strv_dup(v);
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(strv_len(d), 3);
	ck_assert_str_eq(d[1], "bc");
	ck_assert_ptr_ne(d[1], v[1]);	/* deep copy */
	strv_free(v);
	ck_assert_str_eq(d[0], "a");
	strv_free(d);
	d = strv_dup(NULL);
	ck_assert_ptr_nonnull(d);
	ck_assert_ptr_null(d[0]);
	strv_free(d);
	strv_free(NULL);
}
END_TEST

static const struct {
	const char *s;
	size_t n;
	bool valid;
} utf8_cases[] = {
	{ "plain ascii", 11, true },
	{ "a\0b", 3, true },				/* NUL is valid */
	{ "\xc3\xa9", 2, true },			/* é */
	{ "\xe2\x82\xac", 3, true },			/* € */
	{ "\xf0\x9f\x98\x80", 4, true },		/* U+1F600 */
	{ "\xf4\x8f\xbf\xbf", 4, true },		/* U+10FFFF */
	{ "\xed\x9f\xbf", 3, true },			/* U+D7FF */
	{ "\xee\x80\x80", 3, true },			/* U+E000 */
	{ "\x80", 1, false },				/* stray continuation */
	{ "\xc0\xaf", 2, false },			/* overlong '/' */
	{ "\xc1\xbf", 2, false },			/* overlong */
	{ "\xe0\x80\xaf", 3, false },			/* overlong */
	{ "\xe0\x9f\xbf", 3, false },			/* overlong */
	{ "\xf0\x8f\xbf\xbf", 4, false },		/* overlong */
	{ "\xed\xa0\x80", 3, false },			/* surrogate D800 */
	{ "\xed\xbf\xbf", 3, false },			/* surrogate DFFF */
	{ "\xf4\x90\x80\x80", 4, false },		/* U+110000 */
	{ "\xf5\x80\x80\x80", 4, false },
	{ "\xff", 1, false },
	{ "\xc3", 1, false },				/* cut short */
	{ "\xe2\x82", 2, false },			/* cut short */
	{ "\xf0\x9f\x98", 3, false },			/* cut short */
	{ "\xe2\x28\xa1", 3, false },			/* bad continuation */
};

START_TEST(test_utf8)
{
	ck_assert_msg(utf8_valid(utf8_cases[_i].s, utf8_cases[_i].n) ==
		      utf8_cases[_i].valid, "case %d", _i);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *util_suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_parse_long, 0, N(long_cases));
	tcase_add_loop_test(tc, test_parse_double, 0, N(double_cases));
	tcase_add_loop_test(tc, test_parse_size, 0, N(size_cases));
	tcase_add_test(tc, test_dynbuf_ceiling);
	tcase_add_test(tc, test_dynbuf_partial_and_growth);
	tcase_add_test(tc, test_rfc3339);
	tcase_add_test(tc, test_clocks);
	tcase_add_test(tc, test_strv);
	tcase_add_test(tc, test_fnv1a);
	tcase_add_test(tc, test_mix64);
	tcase_add_test(tc, test_random_u64);
	tcase_add_loop_test(tc, test_utf8, 0, N(utf8_cases));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(util_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
