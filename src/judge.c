/*
 * judge.c - whether a test's output matches its expected output (see
 * judge.h for what each mode accepts).
 *
 * Both buffers are walked side by side with a cursor each, one line (trim)
 * or one token (tokens, float) at a time, and the walk stops at the first
 * difference: nothing is copied or allocated, so an output of several MiB
 * costs one pass and no memory.  A piece is a span into its buffer.
 *
 * trim first strips white space, '\n' included, from both ends of the
 * whole buffer: that drops the blank lines at the start and at the end
 * (and the ends of the first and last lines, which trimming strips
 * anyway), so the lines left are compared one to one and an empty line
 * between them counts.
 *
 * The buffers are program output: not NUL-terminated, so a number is
 * checked against the grammar first and only then copied, bounded, for
 * strtod().  The grammar keeps out what strtod() would also take (hex,
 * inf, nan, leading white space), and a value that overflows to inf is not
 * a number either, so two numbers compared are always finite.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "judge.h"

struct span {
	const char *p;
	size_t len;
};

struct cursor {
	const char *p, *end;
	bool done;		/* next_line(): the last line was handed out */
};

/* Our own test, not isspace(): no locale, and a byte >= 0x80 is a byte. */
static bool is_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');	/* \t \n \v \f \r */
}

static bool span_eq(struct span a, struct span b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

static struct cursor cursor_of(const char *p, size_t len)
{
	return (struct cursor){ .p = p, .end = p + len, .done = false };
}

/* ---- exact ---- */

static bool match_exact(struct span o, struct span e)
{
	return span_eq(o, e);
}

/* ---- trim ---- */

static struct span strip(const char *p, const char *end)
{
	while (p < end && is_space(*p))
		p++;
	while (end > p && is_space(end[-1]))
		end--;
	return (struct span){ .p = p, .len = (size_t)(end - p) };
}

/* The next line of @c, stripped; false after the last one. */
static bool next_line(struct cursor *c, struct span *line)
{
	const char *nl;

	if (c->done)
		return false;
	nl = c->p < c->end ? memchr(c->p, '\n', (size_t)(c->end - c->p)) : NULL;
	if (!nl) {
		*line = strip(c->p, c->end);
		c->done = true;
		return true;
	}
	*line = strip(c->p, nl);
	c->p = nl + 1;
	return true;
}

/* The lines of @s once its leading and trailing blank lines are gone.
 * Nothing left reads as one empty line: a body that is not empty starts
 * with a byte that is not white space, so its first line is never empty,
 * and the two cannot be taken for each other. */
static struct cursor lines_of(struct span s)
{
	struct span body = strip(s.p, s.p + s.len);

	return cursor_of(body.p, body.len);
}

static bool match_trim(struct span o, struct span e)
{
	struct cursor co = lines_of(o), ce = lines_of(e);
	struct span lo, le;
	bool more_o, more_e;

	for (;;) {
		more_o = next_line(&co, &lo);
		more_e = next_line(&ce, &le);
		if (more_o != more_e)
			return false;	/* one has lines the other lacks */
		if (!more_o)
			return true;
		if (!span_eq(lo, le))
			return false;
	}
}

/* ---- tokens and float ---- */

/* The next run of non-space bytes of @c; false when only space is left. */
static bool next_token(struct cursor *c, struct span *tok)
{
	const char *p = c->p;

	while (p < c->end && is_space(*p))
		p++;
	if (p == c->end) {
		c->p = p;
		return false;
	}
	tok->p = p;
	while (p < c->end && !is_space(*p))
		p++;
	tok->len = (size_t)(p - tok->p);
	c->p = p;
	return true;
}

/* Moves *@p past a run of digits; how many there were. */
static size_t skip_digits(const char **p, const char *end)
{
	const char *start = *p;

	while (*p < end && **p >= '0' && **p <= '9')
		(*p)++;
	return (size_t)(*p - start);
}

/* [+-]?(D+[.D*]|.D+)([eE][+-]?D+)?, the whole token. */
static bool is_decimal(struct span t)
{
	const char *p = t.p, *end = t.p + t.len;
	size_t digits;

	if (p < end && (*p == '+' || *p == '-'))
		p++;
	digits = skip_digits(&p, end);
	if (p < end && *p == '.') {
		p++;
		digits += skip_digits(&p, end);
	}
	if (digits == 0)
		return false;	/* "", "+", ".", "e5" */
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (skip_digits(&p, end) == 0)
			return false;
	}
	return p == end;
}

/*
 * The value of @t when it is a decimal number of at most JUDGE_NUM_MAX
 * bytes and finite as a double.  strtod() must also use all of it: under
 * a locale whose decimal point is not '.', "1.5" is not taken for 1.  Not
 * parse_double(): it refuses an underflow, which here must read as 0
 * ("1e-400" is within any EPS of 0).
 */
static bool number_of(struct span t, double *v)
{
	char buf[JUDGE_NUM_MAX + 1];
	char *end;

	if (t.len > JUDGE_NUM_MAX || !is_decimal(t))
		return false;
	memcpy(buf, t.p, t.len);
	buf[t.len] = '\0';
	*v = strtod(buf, &end);
	return end == buf + t.len && isfinite(*v);
}

/* Absolute or relative error, relative to the expected value @e. */
static bool close_enough(double o, double e, double eps)
{
	double d = fabs(o - e);	/* inf when o - e overflows: not close */

	return d <= eps || d <= eps * fabs(e);
}

static bool token_match(struct span o, struct span e, bool numeric, double eps)
{
	double vo, ve;

	if (span_eq(o, e))
		return true;	/* also "nan" and "inf" as themselves */
	if (!numeric || !number_of(o, &vo) || !number_of(e, &ve))
		return false;
	return close_enough(vo, ve, eps);
}

static bool match_tokens(struct span o, struct span e, bool numeric, double eps)
{
	struct cursor co = cursor_of(o.p, o.len), ce = cursor_of(e.p, e.len);
	struct span to, te;
	bool more_o, more_e;

	for (;;) {
		more_o = next_token(&co, &to);
		more_e = next_token(&ce, &te);
		if (more_o != more_e)
			return false;	/* different counts */
		if (!more_o)
			return true;
		if (!token_match(to, te, numeric, eps))
			return false;
	}
}

bool judge_output(enum compare_mode mode, double eps,
		  const char *out, size_t out_len, const char *exp, size_t exp_len)
{
	/* A valid pointer for an empty buffer: no arithmetic on NULL. */
	struct span o = { .p = out_len ? out : "", .len = out_len };
	struct span e = { .p = exp_len ? exp : "", .len = exp_len };

	switch (mode) {
	case CMP_EXACT:
		return match_exact(o, e);
	case CMP_TRIM:
		return match_trim(o, e);
	case CMP_TOKENS:
		return match_tokens(o, e, false, 0);
	case CMP_FLOAT:
		return match_tokens(o, e, true, eps);
	}
	return false;		/* not a mode: nothing matches */
}
