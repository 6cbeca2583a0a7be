/*
 * test_judge.c - the output comparison of a test case (judge.c).
 *
 * What users were told (cylo.conf(5)): exact is byte for byte; trim
 * ignores white space at the ends of the output and of every line, but
 * not a blank line in the middle nor spaces inside a line; tokens ignores
 * all white space between words; float:EPS is tokens where two decimal
 * numbers also match within EPS, absolute or relative to the expected
 * one, and anything else (words, hex, inf, nan, overflow) only matches
 * itself.  NUL and bytes >= 0x80 are never white space, the buffers are
 * not NUL-terminated, and a 4 MiB output is judged like a short one.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "judge.h"
#include "testutil.h"

/* String literals with their length, so that an embedded NUL counts. */
#define JUDGE(m, eps, o, e) judge_output(m, eps, o, sizeof(o) - 1, e, sizeof(e) - 1)
#define ACCEPT(m, eps, o, e) \
	ck_assert_msg(JUDGE(m, eps, o, e), "%s refused \"%s\" for \"%s\"", #m, o, e)
#define REFUSE(m, eps, o, e) \
	ck_assert_msg(!JUDGE(m, eps, o, e), "%s accepted \"%s\" for \"%s\"", #m, o, e)

#define EPS 1e-9

START_TEST(test_exact)
{
	ACCEPT(CMP_EXACT, 0, "3\n", "3\n");
	ACCEPT(CMP_EXACT, 0, "", "");
	ACCEPT(CMP_EXACT, 0, "\xff\xfe", "\xff\xfe");
	REFUSE(CMP_EXACT, 0, "3\n", "3");		/* trailing newline */
	REFUSE(CMP_EXACT, 0, "3", "3\n");
	REFUSE(CMP_EXACT, 0, "1\r\n2\r\n", "1\n2\n");	/* CRLF */
	REFUSE(CMP_EXACT, 0, "", " ");
	REFUSE(CMP_EXACT, 0, "a b", "a  b");
	REFUSE(CMP_EXACT, 0, "3 ", "3");
}
END_TEST

/* What strcmp() would get wrong. */
START_TEST(test_exact_nul)
{
	ACCEPT(CMP_EXACT, 0, "a\0b", "a\0b");
	REFUSE(CMP_EXACT, 0, "a\0b", "a\0c");
	REFUSE(CMP_EXACT, 0, "a\0b", "a");
	REFUSE(CMP_EXACT, 0, "a", "a\0");
}
END_TEST

START_TEST(test_trim_ends)
{
	ACCEPT(CMP_TRIM, 0, "3\n", "3");
	ACCEPT(CMP_TRIM, 0, "3", "3\n");
	ACCEPT(CMP_TRIM, 0, "  3  \r\n\n", "3");
	ACCEPT(CMP_TRIM, 0, "1\r\n2\r\n", "1\n2");	/* CRLF */
	ACCEPT(CMP_TRIM, 0, "\n\n \t\n1\n2", "1\n2\n");	/* leading blank lines */
	ACCEPT(CMP_TRIM, 0, "1\n2\n\n \n\r\n", "1\n2");	/* trailing ones */
	ACCEPT(CMP_TRIM, 0, "\t a b \v\f\n  c\r\n", "a b\nc");
	REFUSE(CMP_TRIM, 0, "3.", "3");
	REFUSE(CMP_TRIM, 0, "x\n3", "3");
	REFUSE(CMP_TRIM, 0, "1\n2\n3", "1\n2");	/* a line more */
	REFUSE(CMP_TRIM, 0, "1\n2", "1\n2\n3");	/* a line less */
}
END_TEST

START_TEST(test_trim_inside)
{
	REFUSE(CMP_TRIM, 0, "1\n\n2", "1\n2");		/* blank line in the middle */
	REFUSE(CMP_TRIM, 0, "1\n2", "1\n\n2");
	ACCEPT(CMP_TRIM, 0, "1\n \t\r\n2", "1\n\n2");	/* blank is blank */
	REFUSE(CMP_TRIM, 0, "a b", "a  b");		/* spaces inside a line */
	REFUSE(CMP_TRIM, 0, "a\tb", "a b");
	ACCEPT(CMP_TRIM, 0, "  a  b\t", "a  b");
	REFUSE(CMP_TRIM, 0, "1 2", "1\n2");		/* lines are not words */
	REFUSE(CMP_TRIM, 0, "1\r2", "1\n2");		/* only '\n' splits */
}
END_TEST

START_TEST(test_trim_empty_and_bytes)
{
	ACCEPT(CMP_TRIM, 0, "", "");
	ACCEPT(CMP_TRIM, 0, "", " \n\r\n\t\n");
	ACCEPT(CMP_TRIM, 0, " \n\v\f", "");
	REFUSE(CMP_TRIM, 0, "", "x");
	REFUSE(CMP_TRIM, 0, "x", "\n");
	ACCEPT(CMP_TRIM, 0, "a\0 \n", "a\0");
	REFUSE(CMP_TRIM, 0, "a\0", "a");		/* NUL is no white space */
	REFUSE(CMP_TRIM, 0, "\0", "");
	REFUSE(CMP_TRIM, 0, "a\0b", "a\0c");
	REFUSE(CMP_TRIM, 0, "3\xa0", "3");		/* nor is a byte >= 0x80 */
	REFUSE(CMP_TRIM, 0, "\x85" "3", "3");
}
END_TEST

START_TEST(test_tokens)
{
	ACCEPT(CMP_TOKENS, 0, "1 2 3", "1\n2\t3\r\n");
	ACCEPT(CMP_TOKENS, 0, "a  b", "a b");		/* runs of space */
	ACCEPT(CMP_TOKENS, 0, "\n\n a \v\f b \n\n", "a b");
	ACCEPT(CMP_TOKENS, 0, "1\n\n2", "1\n2");
	ACCEPT(CMP_TOKENS, 0, "3\n", "3");
	ACCEPT(CMP_TOKENS, 0, "1\r\n2\r\n", "1 2");	/* CRLF */
	REFUSE(CMP_TOKENS, 0, "1 2", "12");
	REFUSE(CMP_TOKENS, 0, "12", "1 2");
	REFUSE(CMP_TOKENS, 0, "abc", "abd");
	REFUSE(CMP_TOKENS, 0, "1.0", "1");		/* words, not numbers */
	REFUSE(CMP_TOKENS, 0, "1 2", "1 2 3");
	REFUSE(CMP_TOKENS, 0, "1 2 3", "1 2");
	REFUSE(CMP_TOKENS, 0, "1 2", "2 1");
}
END_TEST

START_TEST(test_tokens_empty_and_bytes)
{
	ACCEPT(CMP_TOKENS, 0, "", "");
	ACCEPT(CMP_TOKENS, 0, "", " \n\t\v\f\r");
	ACCEPT(CMP_TOKENS, 0, "\r\n", "");
	REFUSE(CMP_TOKENS, 0, "", "x");
	REFUSE(CMP_TOKENS, 0, " x ", "\n");
	ACCEPT(CMP_TOKENS, 0, "a\0b", "a\0b");
	REFUSE(CMP_TOKENS, 0, "a\0b", "a b");		/* NUL is no white space */
	REFUSE(CMP_TOKENS, 0, "a\0b", "a\0c");
	REFUSE(CMP_TOKENS, 0, "\0", "");
	REFUSE(CMP_TOKENS, 0, "a\x85" "b", "a b");	/* nor is a byte >= 0x80 */
	REFUSE(CMP_TOKENS, 0, "\xc2\xa0", "");
}
END_TEST

START_TEST(test_float_close)
{
	ACCEPT(CMP_FLOAT, EPS, "0.30000000000000004", "0.3");
	ACCEPT(CMP_FLOAT, EPS, "0.3", "0.30000000000000004");
	REFUSE(CMP_FLOAT, EPS, "0.31", "0.3");
	ACCEPT(CMP_FLOAT, EPS, "0.0000000001", "0");	/* absolute */
	REFUSE(CMP_FLOAT, EPS, "0.00000001", "0");
	ACCEPT(CMP_FLOAT, EPS, "-1.5000000001", "-1.5");
	REFUSE(CMP_FLOAT, EPS, "-1", "1");
	ACCEPT(CMP_FLOAT, EPS, "-0", "0");
	ACCEPT(CMP_FLOAT, EPS, "1e-400", "0");		/* underflow is finite */
	REFUSE(CMP_FLOAT, EPS, "1e308", "-1e308");	/* o - e overflows */
}
END_TEST

/* Relative to the expected value, which a float answer is judged by. */
START_TEST(test_float_relative)
{
	ACCEPT(CMP_FLOAT, 1e-6, "1000000000001", "1e12");
	ACCEPT(CMP_FLOAT, 1e-6, "1e12", "1000000000001");
	REFUSE(CMP_FLOAT, 1e-6, "1000002000000", "1e12");
	REFUSE(CMP_FLOAT, 1e-6, "1", "2");
	REFUSE(CMP_FLOAT, 1e-6, "2", "1");
	ACCEPT(CMP_FLOAT, 0.5, "1", "2");		/* |1 - 2| <= 0.5 * 2 */
	REFUSE(CMP_FLOAT, 0.5, "2", "1");		/* |2 - 1| >  0.5 * 1 */
	ACCEPT(CMP_FLOAT, 1e-6, "-1000000000001", "-1e12");
	REFUSE(CMP_FLOAT, 1e-6, "1000000000001", "-1e12");
	ACCEPT(CMP_FLOAT, 1e-12, "1e-300", "2e-300");	/* absolute, though 2x */
}
END_TEST

START_TEST(test_float_forms)
{
	ACCEPT(CMP_FLOAT, EPS, "1e3", "1000.0");
	ACCEPT(CMP_FLOAT, EPS, "1000.0", "1E+3");
	ACCEPT(CMP_FLOAT, EPS, "12.5e-1", "1.25");
	ACCEPT(CMP_FLOAT, EPS, "+1", "1");
	ACCEPT(CMP_FLOAT, EPS, ".5", "0.5");
	ACCEPT(CMP_FLOAT, EPS, "-.5", "-0.5");
	ACCEPT(CMP_FLOAT, EPS, "5.", "5");
	ACCEPT(CMP_FLOAT, EPS, "5.e0", "5");
	ACCEPT(CMP_FLOAT, EPS, "007", "7");
	REFUSE(CMP_FLOAT, EPS, "1e", "1");		/* not numbers: as words */
	REFUSE(CMP_FLOAT, EPS, "1e+", "1");
	REFUSE(CMP_FLOAT, EPS, "1.2.3", "1.2");
	REFUSE(CMP_FLOAT, EPS, "++1", "1");
	REFUSE(CMP_FLOAT, EPS, "1,0", "1");
	REFUSE(CMP_FLOAT, EPS, "1e5x", "1e5");
	REFUSE(CMP_FLOAT, EPS, ".e1", "0");
	ACCEPT(CMP_FLOAT, EPS, ".", ".");
	ACCEPT(CMP_FLOAT, EPS, "-", "-");
	REFUSE(CMP_FLOAT, EPS, "+", "-");
}
END_TEST

START_TEST(test_float_words)
{
	ACCEPT(CMP_FLOAT, EPS, "abc", "abc");
	REFUSE(CMP_FLOAT, EPS, "abc", "abd");
	REFUSE(CMP_FLOAT, EPS, "1", "one");
	REFUSE(CMP_FLOAT, EPS, "one", "1");
	REFUSE(CMP_FLOAT, EPS, "0x10", "16");		/* no hex */
	REFUSE(CMP_FLOAT, EPS, "16", "0x10");
	REFUSE(CMP_FLOAT, 1.0, "0x1p0", "1");
	ACCEPT(CMP_FLOAT, EPS, "x = 1.0000000001", "x = 1");
	REFUSE(CMP_FLOAT, EPS, "x = 1", "y = 1");
}
END_TEST

/* inf, nan and overflow only ever match the identical token. */
START_TEST(test_float_inf_nan)
{
	ACCEPT(CMP_FLOAT, EPS, "inf", "inf");
	REFUSE(CMP_FLOAT, EPS, "inf", "1e400");
	REFUSE(CMP_FLOAT, EPS, "1e400", "inf");
	REFUSE(CMP_FLOAT, EPS, "inf", "Infinity");
	REFUSE(CMP_FLOAT, EPS, "1", "inf");		/* |1 - inf| <= eps * inf */
	REFUSE(CMP_FLOAT, EPS, "1", "1e400");
	REFUSE(CMP_FLOAT, EPS, "1e308", "1e400");
	ACCEPT(CMP_FLOAT, EPS, "1e400", "1e400");
	REFUSE(CMP_FLOAT, EPS, "1e400", "1e401");	/* both overflow to inf */
	REFUSE(CMP_FLOAT, EPS, "-1e400", "-1e401");
	ACCEPT(CMP_FLOAT, EPS, "nan", "nan");
	REFUSE(CMP_FLOAT, EPS, "nan", "NaN");
	REFUSE(CMP_FLOAT, EPS, "nan", "-nan");
	REFUSE(CMP_FLOAT, EPS, "nan", "0");
	REFUSE(CMP_FLOAT, EPS, "0", "nan");
}
END_TEST

START_TEST(test_float_tokens)
{
	ACCEPT(CMP_FLOAT, EPS, "1 2 3", "1\n2\r\n3\n");
	ACCEPT(CMP_FLOAT, EPS, "", " \n");
	REFUSE(CMP_FLOAT, EPS, "", "0");
	REFUSE(CMP_FLOAT, EPS, "1 2", "1 2 3");
	REFUSE(CMP_FLOAT, EPS, "1 2 3", "1 2");
	REFUSE(CMP_FLOAT, EPS, "12", "1 2");
	REFUSE(CMP_FLOAT, EPS, "1\0", "1");		/* NUL is a byte */
	ACCEPT(CMP_FLOAT, EPS, "1\0", "1\0");
}
END_TEST

/* A number at the end of a buffer that goes on in memory: strtod() must
 * not read on into the digits after it. */
START_TEST(test_float_unterminated)
{
	const char out[] = "12345", exp[] = "12.0999";

	ck_assert(judge_output(CMP_FLOAT, EPS, out, 2, exp, 4));	/* 12 12.0 */
	ck_assert(!judge_output(CMP_FLOAT, EPS, out, 3, exp, 4));	/* 123 */
	ck_assert(!judge_output(CMP_FLOAT, EPS, out, 2, exp, 5));	/* 12.09 */
}
END_TEST

/* "0.000...01" of @len bytes: 0 as far as EPS can tell. */
static char *tiny_number(size_t len)
{
	char *s = malloc(len);

	ck_assert_ptr_nonnull(s);
	memset(s, '0', len);
	s[1] = '.';
	s[len - 1] = '1';
	return s;
}

/* A number of more than JUDGE_NUM_MAX bytes is compared as a word. */
START_TEST(test_float_long_number)
{
	char *at = tiny_number(JUDGE_NUM_MAX), *over = tiny_number(JUDGE_NUM_MAX + 1);

	ck_assert(judge_output(CMP_FLOAT, EPS, at, JUDGE_NUM_MAX, "0", 1));
	ck_assert(judge_output(CMP_FLOAT, EPS, "0", 1, at, JUDGE_NUM_MAX));
	ck_assert(!judge_output(CMP_FLOAT, EPS, over, JUDGE_NUM_MAX + 1, "0", 1));
	ck_assert(judge_output(CMP_FLOAT, EPS, over, JUDGE_NUM_MAX + 1,
			       over, JUDGE_NUM_MAX + 1));
	free(at);
	free(over);
}
END_TEST

START_TEST(test_null_and_bad_mode)
{
	ck_assert(judge_output(CMP_EXACT, 0, NULL, 0, NULL, 0));
	ck_assert(judge_output(CMP_TRIM, 0, NULL, 0, " \n", 2));
	ck_assert(judge_output(CMP_TOKENS, 0, "\t", 1, NULL, 0));
	ck_assert(judge_output(CMP_FLOAT, EPS, NULL, 0, NULL, 0));
	ck_assert(!judge_output(CMP_TRIM, 0, NULL, 0, "x", 1));
	ck_assert(!judge_output((enum compare_mode)99, 0, "x", 1, "x", 1));
}
END_TEST

#define BIG (4u << 20)

/* 4 MiB of "12345 0.5\n" lines, the last one cut short by the size. */
static char *big_output(void)
{
	static const char line[] = "12345 0.5\n";
	char *s = malloc(BIG);

	ck_assert_ptr_nonnull(s);
	for (size_t i = 0; i < BIG; i++)
		s[i] = line[i % (sizeof(line) - 1)];
	return s;
}

static void judge_all(const char *o, const char *e, size_t len, bool want)
{
	ck_assert_int_eq(judge_output(CMP_EXACT, 0, o, len, e, len), want);
	ck_assert_int_eq(judge_output(CMP_TRIM, 0, o, len, e, len), want);
	ck_assert_int_eq(judge_output(CMP_TOKENS, 0, o, len, e, len), want);
	ck_assert_int_eq(judge_output(CMP_FLOAT, EPS, o, len, e, len), want);
}

START_TEST(test_big)
{
	char *o = big_output(), *e = big_output();
	size_t mid = BIG / 2 - BIG / 2 % 10;		/* a line's "1" */

	judge_all(o, e, BIG, true);
	judge_all(o, o, BIG, true);
	o[mid + 2] = '4';				/* 12345 -> 12445 */
	judge_all(o, e, BIG, false);
	o[mid + 2] = '3';
	judge_all(o, e, BIG, true);
	o[BIG - 1] = '7';				/* the last byte */
	judge_all(o, e, BIG, false);
	o[BIG - 1] = e[BIG - 1];
	o[mid + 5] = '\t';				/* space to tab */
	ck_assert(!judge_output(CMP_EXACT, 0, o, BIG, e, BIG));
	ck_assert(!judge_output(CMP_TRIM, 0, o, BIG, e, BIG));
	ck_assert(judge_output(CMP_TOKENS, 0, o, BIG, e, BIG));
	ck_assert(judge_output(CMP_FLOAT, EPS, o, BIG, e, BIG));
	free(o);
	free(e);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("judge");
	TCase *tc = tcase_create("judge");

	tcase_add_test(tc, test_exact);
	tcase_add_test(tc, test_exact_nul);
	tcase_add_test(tc, test_trim_ends);
	tcase_add_test(tc, test_trim_inside);
	tcase_add_test(tc, test_trim_empty_and_bytes);
	tcase_add_test(tc, test_tokens);
	tcase_add_test(tc, test_tokens_empty_and_bytes);
	tcase_add_test(tc, test_float_close);
	tcase_add_test(tc, test_float_relative);
	tcase_add_test(tc, test_float_forms);
	tcase_add_test(tc, test_float_words);
	tcase_add_test(tc, test_float_inf_nan);
	tcase_add_test(tc, test_float_tokens);
	tcase_add_test(tc, test_float_unterminated);
	tcase_add_test(tc, test_float_long_number);
	tcase_add_test(tc, test_null_and_bad_mode);
	tcase_add_test(tc, test_big);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
