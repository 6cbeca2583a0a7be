/*
 * util.c - small helpers shared by every module: checked number parsing
 * (the only place that calls strtol/strtod, but for judge.c's reading of
 * a program's output, where an underflow is a number), byte buffers with
 * a hard ceiling, clocks and RFC 3339 time stamps, random numbers, hashing,
 * NULL-terminated string vectors, and the one UTF-8 validator (used by
 * logging and results).
 *
 * Nothing here logs or takes locks, and the only state is random_u64()'s
 * atomic call counter; every function may be called from any thread.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>
#include <unistd.h>

#include "util.h"

/*
 * strtol() skips leading white space and strtod() also reads "nan", "inf"
 * and hex floats: each parser first checks that the text has only the
 * characters a plain decimal number may have.
 */
static bool only_chars(const char *s, const char *allowed)
{
	if (*s == '\0')
		return false;
	return s[strspn(s, allowed)] == '\0';
}

int parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (s == NULL || !only_chars(s, "+-0123456789"))
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || *end != '\0')
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	if (errno != 0)
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_double(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	if (s == NULL || !only_chars(s, "+-.0123456789eE"))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0')
		return -EINVAL;
	/* ERANGE also reports underflow ("1e-400"): reject it as out of range. */
	if (errno == ERANGE || !isfinite(v) || v < min || v > max)
		return -ERANGE;
	if (errno != 0)
		return -EINVAL;
	*out = v;
	return 0;
}

/*
 * The suffix of a size: an optional binary unit letter (K, M, G, T, any
 * case), then "iB" or "B" after a unit, or "B" alone.  Returns the shift
 * (10 per unit step) or -1 when the suffix is not one of these.
 */
static int size_suffix(const char *u)
{
	static const char units[] = "KMGT";
	const char *p = NULL;
	int shift = 0;

	if (*u != '\0')
		p = strchr(units, toupper((unsigned char)*u));
	if (p != NULL) {
		shift = (int)(p - units + 1) * 10;
		u++;
		if (*u == 'i' || *u == 'I') {
			u++;
			if (*u != 'b' && *u != 'B')
				return -1;
		}
	}
	if (*u == 'b' || *u == 'B')
		u++;
	return *u == '\0' ? shift : -1;
}

int parse_size(const char *s, long *bytes)
{
	char num[32];
	size_t digits;
	long v;
	int shift, r;

	if (s == NULL)
		return -EINVAL;
	digits = strspn(s, "0123456789");
	if (digits == 0)
		return -EINVAL;
	shift = size_suffix(s + digits);
	if (shift < 0)
		return -EINVAL;
	if (digits >= sizeof(num))
		return -ERANGE;
	memcpy(num, s, digits);
	num[digits] = '\0';
	r = parse_long(num, 0, LONG_MAX, &v);
	if (r < 0)
		return r;
	if (v > (LONG_MAX >> shift))
		return -ERANGE;
	*bytes = v << shift;
	return 0;
}

void dynbuf_init(struct dynbuf *b, size_t max)
{
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
	/* Keep room for the terminating NUL and for doubling without overflow. */
	b->max = max < SIZE_MAX / 4 ? max : SIZE_MAX / 4;
	b->truncated = false;
}

/* Grows the allocation to hold @need bytes plus a NUL, doubling. */
static int dynbuf_grow(struct dynbuf *b, size_t need)
{
	size_t cap = b->cap ? b->cap : 256;
	char *p;

	while (cap < need + 1)
		cap *= 2;
	if (cap > b->max + 1)
		cap = b->max + 1;
	p = realloc(b->p, cap);
	if (p == NULL)
		return -ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

int dynbuf_add(struct dynbuf *b, const void *p, size_t n)
{
	size_t room = b->max - b->len;
	int r;

	if (n > room) {
		b->truncated = true;
		n = room;
	}
	if (n == 0)
		return 0;
	if (b->len + n + 1 > b->cap) {
		r = dynbuf_grow(b, b->len + n);
		if (r < 0)
			return r;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

char *dynbuf_take(struct dynbuf *b, size_t *len)
{
	char *p = b->p;

	if (len != NULL)
		*len = b->len;
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
	b->truncated = false;
	return p;
}

void dynbuf_free(struct dynbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
	b->truncated = false;
}

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) < 0)
		return -errno;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t now_mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

int64_t now_real_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

/* splitmix64's finaliser: every input bit moves every output bit. */
uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

uint64_t random_u64(void)
{
	static _Atomic uint64_t calls;
	uint64_t r;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) == (ssize_t)sizeof(r))
		return r;
	return mix64((uint64_t)now_real_ns() ^ ((uint64_t)getpid() << 32) ^
		     atomic_fetch_add(&calls, 1) * 0x9E3779B97F4A7C15ULL);
}

void format_rfc3339(int64_t real_ns, char *buf, size_t n)
{
	/* Floor division, so times before 1970 still get 0..999 ms. */
	int64_t ms = real_ns / 1000000 - (real_ns % 1000000 < 0);
	time_t sec = (time_t)(ms / 1000 - (ms % 1000 < 0));
	int frac = (int)(ms - (int64_t)sec * 1000);
	char date[32];
	struct tm tm;

	if (n == 0)
		return;
	if (gmtime_r(&sec, &tm) == NULL ||
	    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		buf[0] = '\0';
		return;
	}
	snprintf(buf, n, "%s.%03dZ", date, frac);
}

size_t strv_len(char *const *v)
{
	size_t n = 0;

	if (v == NULL)
		return 0;
	while (v[n] != NULL)
		n++;
	return n;
}

char **strv_dup(char *const *v)
{
	size_t i, n = strv_len(v);
	char **d = calloc(n + 1, sizeof(*d));

	if (d == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		d[i] = strdup(v[i]);
		if (d[i] == NULL) {
			strv_free(d);
			return NULL;
		}
	}
	return d;
}

int strv_push(char ***v, const char *s)
{
	size_t n = strv_len(*v);
	char *copy = strdup(s);
	char **nv;

	if (copy == NULL)
		return -ENOMEM;
	nv = realloc(*v, (n + 2) * sizeof(*nv));
	if (nv == NULL) {
		free(copy);
		return -ENOMEM;
	}
	nv[n] = copy;
	nv[n + 1] = NULL;
	*v = nv;
	return 0;
}

void strv_free(char **v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/*
 * The valid second-byte range of each lead byte (RFC 3629 table): it is
 * what rules out overlong forms (E0 80..9F, F0 80..8F), surrogates
 * (ED A0..BF) and code points above U+10FFFF (F4 90.., F5..FF).
 */
size_t utf8_char_len(const unsigned char *s, size_t n)
{
	unsigned char c, lo = 0x80, hi = 0xBF;
	size_t len, i;

	if (n == 0)
		return 0;
	c = s[0];
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4;
	else
		return 0;
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return len;
}

bool utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, l;

	while (i < n) {
		l = utf8_char_len(p + i, n - i);
		if (l == 0)
			return false;
		i += l;
	}
	return true;
}

uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = fnv1a_byte(h, b[i]);
	return h;
}

uint64_t fnv1a_u32(uint64_t h, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		h = fnv1a_byte(h, (unsigned char)(v >> (8 * i)));
	return h;
}
