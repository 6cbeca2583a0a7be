/*
 * config.c - the configuration file (SPEC §5) and the libconfuse plumbing
 * that config.c and manifest.c share.
 *
 * libconfuse 3.3 is used with every feature a daemon must not offer to
 * text it did not write switched off or worked around (see config.h):
 * the text is sanitised before libconfuse sees it, no function option is
 * registered, and every value goes through a callback installed here that
 * checks it and remembers its line.  The callbacks find their parse through
 * one static pointer, which is safe because libconfuse itself keeps global
 * lexer state and every parse in the process already holds parse_mutex.
 *
 * config_load() turns the parsed tree into an immutable struct
 * cylo_config: built-in values first, then the file, then checks that need
 * the whole file (defaults against maxima, languages against each other,
 * watch subsets against the language table).  All problems are collected
 * and reported together, one "FILE:LINE: key: message" per line; only
 * syntax errors (which libconfuse cannot recover from) stop at the first.
 */
#include <confuse.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <syslog.h>
#include <unistd.h>

#include "config.h"
#include "lang.h"
#include "joblimits.h"
#include "log.h"
#include "util.h"

/* ------------------------------------------------------------------ */
/* The parse lock                                                      */
/* ------------------------------------------------------------------ */

static pthread_mutex_t parse_mutex = PTHREAD_MUTEX_INITIALIZER;

void config_parse_lock(void)
{
	/* Fails only on a corrupt or self-deadlocked mutex: a programmer error. */
	if (pthread_mutex_lock(&parse_mutex) != 0)
		abort();
}

void config_parse_unlock(void)
{
	if (pthread_mutex_unlock(&parse_mutex) != 0)
		abort();
}

/* ------------------------------------------------------------------ */
/* Error collection and line marks                                     */
/* ------------------------------------------------------------------ */

#define CONF_ERR_MAX	1024	/* bytes of one formatted error */
#define CONF_DEPTH_MAX	32	/* nesting of braces */
#define CONF_LEN_DEFAULT 4096
#define CONF_COUNT_DEFAULT 64

struct conf_err {
	int line;
	char *text;		/* "FILE:LINE: key: message" */
};

/* Where a value (or a section when name is NULL) was read. */
struct conf_mark {
	const void *sec;
	const char *name;
	unsigned idx;
	int line;
};

/* A string that spans lines: libconfuse reports its last line. */
struct conf_span {
	int first, last;
};

struct conf_run {
	char *fname;
	const struct conf_key *keys;
	size_t max_errors, max_sections;
	struct conf_err *errs;
	size_t nerrs;
	struct conf_mark *marks;
	size_t nmarks, capmarks;
	struct conf_span *spans;
	size_t nspans, capspans;
	int *sec_lines;		/* opening line of each section, in closing order */
	size_t nsec_lines, capsec, sec_closed;
	const char *parsed;	/* the text libconfuse is reading, or NULL */
	char line_key[64];	/* key_on_line()'s answer */
	bool oom;
};

/* The parse in progress, for libconfuse's callbacks; under parse_mutex. */
static struct conf_run *cur_run;

struct conf_run *conf_run_new(const char *fname, const struct conf_key *keys,
			      size_t max_errors, size_t max_sections)
{
	struct conf_run *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->fname = strdup(fname != NULL ? fname : "(text)");
	r->errs = calloc(max_errors > 0 ? max_errors : 1, sizeof(*r->errs));
	if (r->fname == NULL || r->errs == NULL) {
		conf_run_free(r);
		return NULL;
	}
	r->keys = keys;
	r->max_errors = max_errors > 0 ? max_errors : 1;
	r->max_sections = max_sections;
	return r;
}

void conf_run_free(struct conf_run *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nerrs; i++)
		free(r->errs[i].text);
	free(r->errs);
	free(r->marks);
	free(r->spans);
	free(r->sec_lines);
	free(r->fname);
	free(r);
}

/*
 * Room for element @n of an array of @cap elements of @size bytes: returns
 * the (possibly moved) array, or NULL with @v untouched on ENOMEM.
 */
static void *grow(void *v, size_t *cap, size_t n, size_t size)
{
	size_t ncap = *cap ? *cap * 2 : 32;
	void *nv;

	if (n < *cap)
		return v;
	nv = reallocarray(v, ncap, size);
	if (nv != NULL)
		*cap = ncap;
	return nv;
}

/* Keeps the errors sorted by line; equal lines stay in the order found. */
static void add_error(struct conf_run *r, int line, char *text)
{
	size_t at = r->nerrs;

	while (at > 0 && r->errs[at - 1].line > line)
		at--;
	memmove(&r->errs[at + 1], &r->errs[at], (r->nerrs - at) * sizeof(*r->errs));
	r->errs[at].line = line;
	r->errs[at].text = text;
	r->nerrs++;
}

#define KEY_SHOWN 64	/* bytes of a key an error quotes */

void conf_error(struct conf_run *r, int line, const char *key, const char *fmt, ...)
{
	char msg[CONF_ERR_MAX], head[CONF_ERR_MAX / 2], *text;
	va_list ap;

	if (r->nerrs >= r->max_errors)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(head, sizeof(head), "%s:%d: ", r->fname, line);
	else
		snprintf(head, sizeof(head), "%s: ", r->fname);
	/* A key as the text spelt it may be any length: its start names it. */
	if (asprintf(&text, "%s%.*s%s%s%s", head, KEY_SHOWN, key ? key : "",
		     key && strlen(key) > KEY_SHOWN ? "..." : "", key ? ": " : "", msg) < 0) {
		r->oom = true;
		return;
	}
	add_error(r, line, text);
}

size_t conf_nerrors(const struct conf_run *r)
{
	return r->nerrs;
}

void conf_errors(const struct conf_run *r, char *buf, size_t n)
{
	size_t i, used = 0, len;

	if (n == 0)
		return;
	buf[0] = '\0';
	for (i = 0; i < r->nerrs; i++) {
		len = strlen(r->errs[i].text);
		if (i == 0 && len >= n && n > 8) {
			/* The first one is cut, never dropped: it names the line;
			 * room is left for "(N more)" when more follow. */
			len = n - 4 - (r->nerrs > 1 && n > 64 ? 32 : 0);
			while (len > 0 && (r->errs[0].text[len] & 0xC0) == 0x80)
				len--;	/* not inside a UTF-8 sequence */
			memcpy(buf, r->errs[0].text, len);
			memcpy(buf + len, "...", 4);
			used = len + 3;
			continue;
		}
		if (used + (used > 0) + len >= n)
			break;
		if (used > 0)
			buf[used++] = '\n';
		memcpy(buf + used, r->errs[i].text, len + 1);
		used += len;
	}
	if (i < r->nerrs && used + 32 < n)
		snprintf(buf + used, n - used, "%s(%zu more)", used ? "\n" : "", r->nerrs - i);
	else if (r->oom && used + 32 < n)
		snprintf(buf + used, n - used, "%sout of memory", used ? "\n" : "");
}

/* The parse stops once the error budget is spent (or memory ran out). */
static bool run_full(const struct conf_run *r)
{
	return r->oom || r->nerrs >= r->max_errors;
}

static struct conf_mark *find_mark(const struct conf_run *r, const void *sec,
				   const char *name, unsigned idx)
{
	size_t i;

	for (i = r->nmarks; i-- > 0;) {
		const struct conf_mark *m = &r->marks[i];

		if (m->sec != sec || m->idx != idx)
			continue;
		if (name == NULL ? m->name == NULL :
		    m->name != NULL && strcmp(m->name, name) == 0)
			return &r->marks[i];
	}
	return NULL;
}

int conf_line(const struct conf_run *r, const cfg_t *sec, const char *key,
	      unsigned idx)
{
	const struct conf_mark *m = find_mark(r, sec, key, idx);

	return m ? m->line : 0;
}

/*
 * Remembers where value @idx of @name in @sec was read.  A value read a
 * second time under the same index was assigned twice, which libconfuse
 * would silently accept with the last one winning: report it instead.
 */
static void mark(struct conf_run *r, const void *sec, const char *name,
		 unsigned idx, int line)
{
	struct conf_mark *m = find_mark(r, sec, name, idx);

	if (m != NULL && name != NULL) {
		conf_error(r, line, name, "given twice (first on line %d)", m->line);
		return;
	}
	m = grow(r->marks, &r->capmarks, r->nmarks, sizeof(*m));
	if (m == NULL) {
		r->oom = true;
		return;
	}
	r->marks = m;
	r->marks[r->nmarks++] = (struct conf_mark){ sec, name, idx, line };
}

/* ------------------------------------------------------------------ */
/* The sanitiser: what libconfuse sees                                 */
/* ------------------------------------------------------------------ */

/*
 * One pass over the text with the lexer's own states (outside, double- and
 * single-quoted string, line and block comment).  Output has the same
 * lines as the input, so every line libconfuse reports is still right.
 *
 * Outside quotes, '#', two slashes, and a slash and a star always begin a
 * comment here, while libconfuse's lexer sometimes reads them as part of a
 * word ("//x", "a/" then a star).  Blanking
 * every comment we see leaves libconfuse no comment to find, so the two
 * of us cannot disagree about where a string begins: that agreement is
 * what makes escaping '$' inside double quotes sufficient.
 */
struct scan {
	struct conf_run *r;
	const char *in;
	size_t len, i;
	char *out;
	size_t o;
	int line;
	char last;		/* last significant character outside strings */
	struct {
		int line;
		bool section;
	} stack[CONF_DEPTH_MAX];
	size_t depth, nsections;
	bool stop;
};

static char peek(const struct scan *s, size_t ahead)
{
	return s->i + ahead < s->len ? s->in[s->i + ahead] : '\0';
}

/* Copies the current input byte (blanked when @blank) and advances. */
static void take(struct scan *s, bool blank)
{
	char c = s->in[s->i++];

	if (c == '\n')
		s->line++;
	s->out[s->o++] = (blank && c != '\n') ? ' ' : c;
}

static void scan_error(struct scan *s, int line, const char *msg)
{
	conf_error(s->r, line, NULL, "%s", msg);
	s->stop = true;
}

/*
 * Whether the escape starting at the backslash yields a NUL byte: the
 * lexer reads up to three octal or two hex digits, and the byte is NUL
 * exactly when all of them are '0' ("\0", "\000", "\x00").
 */
static bool nul_escape(const struct scan *s)
{
	bool hex = peek(s, 1) == 'x';
	const char *digits = hex ? "0123456789abcdefABCDEF" : "01234567";
	size_t k = hex ? 2 : 1, end = k + (hex ? 2 : 3), n = 0;
	bool zero = true;

	for (; k < end && peek(s, k) != '\0' && strchr(digits, peek(s, k)); k++, n++)
		zero = zero && peek(s, k) == '0';
	return n > 0 && zero;
}

static void note_span(struct scan *s, int first)
{
	struct conf_run *r = s->r;
	struct conf_span *v;

	if (first == s->line)
		return;
	v = grow(r->spans, &r->capspans, r->nspans, sizeof(*v));
	if (v == NULL) {
		r->oom = true;
		s->stop = true;
		return;
	}
	r->spans = v;
	r->spans[r->nspans++] = (struct conf_span){ first, s->line };
}

/* Whether @line (@n bytes) goes on from @i with '"TITLE" {': a section
 * opens there, as `test "b" { ... }` does on a line of its own. */
static bool opens_titled_section(const char *line, size_t n, size_t i)
{
	const char *q;

	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i >= n || line[i] != '"' || !(q = memchr(line + i + 1, '"', n - i - 1)))
		return false;
	for (i = (size_t)(q - line) + 1; i < n && (line[i] == ' ' || line[i] == '\t'); i++)
		;
	return i < n && line[i] == '{';
}

/* Whether @line (not NUL-terminated, @n bytes) reads "KEY =" for a known
 * key, or opens a titled section. */
static bool looks_like_assignment(const struct conf_run *r, const char *line, size_t n)
{
	size_t i = 0, start;
	const struct conf_key *k;

	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	start = i;
	while (i < n && (line[i] == '_' || (line[i] >= 'a' && line[i] <= 'z')))
		i++;
	if (i == start)
		return false;
	if (opens_titled_section(line, n, i))
		return true;
	for (k = r->keys; k != NULL && k->name != NULL; k++) {
		size_t j = i;

		if (strlen(k->name) != i - start || memcmp(k->name, line + start, i - start) != 0)
			continue;
		while (j < n && (line[j] == ' ' || line[j] == '\t'))
			j++;
		return j < n && (line[j] == '=' || (line[j] == '+' && j + 1 < n && line[j + 1] == '='));
	}
	return false;
}

/*
 * The text ended inside a string opened on line @open.  A quote missing
 * earlier pairs every later quote wrongly, so the string that runs away is
 * often not the culprit: blame the first string spanning lines whose
 * continuation holds a line like "key = ..." or 'test "b" {' (a quote
 * was forgotten there), else the string left open.
 */
static int runaway_string(const struct scan *s, int open)
{
	const char *p = s->in, *end = s->in + s->len, *nl;
	size_t k = 0;
	int line = 1;

	for (; p < end && k < s->r->nspans; p = nl + 1, line++) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		while (k < s->r->nspans && s->r->spans[k].last < line)
			k++;
		if (k < s->r->nspans && line > s->r->spans[k].first &&
		    line <= s->r->spans[k].last &&
		    looks_like_assignment(s->r, p, (size_t)(nl - p)))
			return s->r->spans[k].first;
	}
	return open;
}

/*
 * A quoted string.  In double quotes libconfuse replaces "${NAME}" with
 * the daemon's environment: every '$' there is escaped, so it stays a '$'.
 */
static void scan_string(struct scan *s)
{
	char q = s->in[s->i];
	int first = s->line;

	take(s, false);
	while (s->i < s->len) {
		char c = s->in[s->i];

		if (c == '\0') {
			scan_error(s, s->line, "NUL byte in a string");
			return;
		}
		if (c == q) {
			take(s, false);
			s->last = '"';
			note_span(s, first);
			return;
		}
		if (c == '\\') {
			if ((q == '"' && nul_escape(s)) || peek(s, 1) == '\0') {
				if (s->i + 1 >= s->len)
					break;
				scan_error(s, s->line, "NUL byte in a string");
				return;
			}
			take(s, false);
			take(s, false);
			continue;
		}
		if (c == '$' && q == '"') {
			s->out[s->o++] = '\\';
			s->out[s->o++] = '$';
			s->i++;
			continue;
		}
		take(s, false);
	}
	scan_error(s, runaway_string(s, first),
		   "unterminated string: the quote opened on this line is never closed");
}

static void scan_comment(struct scan *s)
{
	int first = s->line;
	bool block = s->in[s->i] == '/' && peek(s, 1) == '*';

	if (block) {
		take(s, true);
		take(s, true);
	}
	while (s->i < s->len) {
		if (s->in[s->i] == '\0') {
			scan_error(s, s->line, "NUL byte in a comment");
			return;
		}
		if (!block && s->in[s->i] == '\n')
			return;
		if (block && s->in[s->i] == '*' && peek(s, 1) == '/') {
			take(s, true);
			take(s, true);
			return;
		}
		take(s, true);
	}
	if (block)
		scan_error(s, first, "unterminated comment: the /* on this line is never closed");
}

/*
 * Braces: a '{' right after '=' opens a list, any other opens a section.
 * Sections close in the order of their '}', which is the order in which
 * libconfuse calls the section callback, so that callback can learn the
 * line the section began on.
 */
static void scan_brace(struct scan *s)
{
	struct conf_run *r = s->r;
	char c = s->in[s->i];

	if (c == '{') {
		bool section = s->last != '=';

		if (s->depth == CONF_DEPTH_MAX) {
			scan_error(s, s->line, "braces nested too deeply");
			return;
		}
		if (section && ++s->nsections > r->max_sections) {
			conf_error(r, s->line, NULL, "too many sections (at most %zu)",
				   r->max_sections);
			s->stop = true;
			return;
		}
		s->stack[s->depth].line = s->line;
		s->stack[s->depth++].section = section;
	} else if (s->depth > 0 && s->stack[--s->depth].section) {
		int *v = grow(r->sec_lines, &r->capsec, r->nsec_lines, sizeof(*v));

		if (v == NULL) {
			r->oom = true;
			s->stop = true;
			return;
		}
		r->sec_lines = v;
		r->sec_lines[r->nsec_lines++] = s->stack[s->depth].line;
	}
	s->last = c;
	take(s, false);
}

static void scan_step(struct scan *s)
{
	char c = s->in[s->i];

	if (c == '\0')
		scan_error(s, s->line, "NUL byte in the text");
	else if (c == '"' || c == '\'')
		scan_string(s);
	else if (c == '#' || (c == '/' && (peek(s, 1) == '/' || peek(s, 1) == '*')))
		scan_comment(s);
	else if (c == '{' || c == '}')
		scan_brace(s);
	else {
		if (c == '$' && peek(s, 1) == '{')
			conf_error(s->r, s->line, NULL,
				   "\"${\" outside quotes: environment variables are "
				   "never substituted; quote the text");
		if (!strchr(" \t\r\n", c))
			s->last = c;
		take(s, false);
	}
}

/* Returns 0 and the text for libconfuse in *@out, -EINVAL, -ENOMEM. */
static int sanitize(struct conf_run *r, const char *text, size_t len, char **out)
{
	struct scan s = { .r = r, .in = text, .len = len, .line = 1 };

	*out = NULL;
	if (len > (SIZE_MAX - 1) / 2)
		return -ENOMEM;
	s.out = malloc(2 * len + 1);
	if (s.out == NULL)
		return -ENOMEM;
	while (s.i < s.len && !s.stop)
		scan_step(&s);
	/* libconfuse takes the end of the text as the end of open sections. */
	if (!s.stop && s.depth > 0)
		conf_error(r, s.stack[s.depth - 1].line, NULL,
			   "the '{' opened on this line is never closed");
	s.out[s.o] = '\0';
	if (r->oom || r->nerrs > 0) {
		free(s.out);
		return r->oom ? -ENOMEM : -EINVAL;
	}
	*out = s.out;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Value callbacks                                                     */
/* ------------------------------------------------------------------ */

static const struct conf_key *key_of(const struct conf_run *r, const char *name)
{
	const struct conf_key *k;

	for (k = r->keys; k != NULL && k->name != NULL; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

/*
 * The line a value was read on.  libconfuse reports the line where a token
 * ends; for a string over several lines, the key is on its first line.
 */
static int value_line(const struct conf_run *r, const cfg_t *cfg, const char *value)
{
	size_t lo = 0, hi = r->nspans;

	if (value == NULL || strchr(value, '\n') == NULL)
		return cfg->line;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (r->spans[mid].last < cfg->line)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < r->nspans && r->spans[lo].last == cfg->line)
		return r->spans[lo].first;
	return cfg->line;
}

/* Index of the value being parsed: lists grow before the callback runs. */
static unsigned value_index(const cfg_opt_t *opt)
{
	return (opt->flags & CFGF_LIST) && opt->nvalues > 0 ? opt->nvalues - 1 : 0;
}

/*
 * libconfuse looks keys up with cfg_getopt(), which also accepts paths:
 * "test|memory" or "test=NAME|memory" reach into another section and
 * would slip past the checks made per section.  Only a section's own
 * options may be set in it.
 */
static bool own_option(const cfg_t *cfg, const cfg_opt_t *opt)
{
	const cfg_opt_t *o;

	for (o = cfg->opts; o->name != NULL; o++)
		if (o == opt)
			return true;
	return false;
}

static int begin_value(struct conf_run *r, cfg_t *cfg, cfg_opt_t *opt,
		       const char *value)
{
	int line = value_line(r, cfg, value);

	if (!own_option(cfg, opt))
		conf_error(r, line, opt->name, "not a key here (section paths are not accepted)");
	else
		mark(r, cfg, opt->name, value_index(opt), line);
	return line;
}

static void range_error(struct conf_run *r, int line, const char *name,
			double v, const struct conf_key *k)
{
	if (v < 0 && k->min >= 0)
		conf_error(r, line, name, "must not be negative");
	else if (v < k->min)
		conf_error(r, line, name, "%.15g is below the minimum %.15g", v, k->min);
	else
		conf_error(r, line, name, "%.15g exceeds the maximum %.15g", v, k->max);
}

/* Permission bits as chmod(1) reads them: octal, with or without a leading 0. */
static int parse_octal(const char *s, long *out)
{
	long v = 0;
	size_t n = 0;

	for (; s[n] >= '0' && s[n] <= '7'; n++) {
		if (n >= 8)
			return -ERANGE;
		v = v * 8 + (s[n] - '0');
	}
	if (n == 0 || s[n] != '\0')
		return -EINVAL;
	*out = v;
	return 0;
}

static int cb_long(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	static const struct conf_key any = { NULL, CONF_LONG, (double)LONG_MIN, (double)LONG_MAX, 0, 0, NULL };
	struct conf_run *r = cur_run;
	const struct conf_key *k = key_of(r, opt->name);
	int line = begin_value(r, cfg, opt, value);
	long v = 0;
	int e;

	if (k == NULL)
		k = &any;
	if (k->kind == CONF_OCTAL)
		e = parse_octal(value, &v);
	else
		e = parse_long(value, LONG_MIN, LONG_MAX, &v);
	if (e == -EINVAL)
		conf_error(r, line, opt->name, k->kind == CONF_OCTAL ?
			   "not octal permission bits like 0644" : "not an integer");
	else if (e < 0)
		conf_error(r, line, opt->name, "out of range");
	else if (v < k->min || v > k->max) {
		if (k->kind == CONF_OCTAL)
			conf_error(r, line, opt->name, "must be between 0 and 0%o",
				   (unsigned)k->max);
		else
			range_error(r, line, opt->name, (double)v, k);
	}
	*(long *)result = v;
	return run_full(r) ? -1 : 0;
}

static int cb_double(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	static const struct conf_key any = { NULL, CONF_DOUBLE, -1e300, 1e300, 0, 0, NULL };
	struct conf_run *r = cur_run;
	const struct conf_key *k = key_of(r, opt->name);
	int line = begin_value(r, cfg, opt, value);
	double v = 0;
	int e;

	if (k == NULL)
		k = &any;
	e = parse_double(value, -1e300, 1e300, &v);
	if (e == -EINVAL)
		conf_error(r, line, opt->name, "not a number");
	else if (e < 0)
		conf_error(r, line, opt->name, "out of range");
	else if (v < k->min || v > k->max)
		range_error(r, line, opt->name, v, k);
	*(double *)result = v;
	return run_full(r) ? -1 : 0;
}

static int cb_bool(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	struct conf_run *r = cur_run;
	int line = begin_value(r, cfg, opt, value);
	int b = cfg_parse_boolean(value);

	if (b < 0) {
		conf_error(r, line, opt->name, "not a boolean (true/false, yes/no, on/off)");
		b = 0;
	}
	*(int *)result = b;
	return run_full(r) ? -1 : 0;
}

static void check_size(struct conf_run *r, int line, const char *name,
		       const char *value, const struct conf_key *k)
{
	long bytes;
	int e = parse_size(value, &bytes);

	if (e == -EINVAL)
		conf_error(r, line, name, "not a size like 512K, 64M or 1G");
	else if (e < 0)
		conf_error(r, line, name, "out of range");
	else if (bytes < k->min || bytes > k->max)
		range_error(r, line, name, (double)bytes, k);
}

static int cb_str(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	struct conf_run *r = cur_run;
	const struct conf_key *k = key_of(r, opt->name);
	int line = begin_value(r, cfg, opt, value);
	size_t max_len = k && k->max_len ? k->max_len : CONF_LEN_DEFAULT;
	size_t max_count = k && k->max_count ? k->max_count : CONF_COUNT_DEFAULT;
	const char *why;

	*(const char **)result = value;
	if ((opt->flags & CFGF_LIST) && value_index(opt) == max_count)
		conf_error(r, line, opt->name, "more than %zu entries", max_count);
	else if (strlen(value) > max_len)
		conf_error(r, line, opt->name, "longer than %zu bytes", max_len);
	else if (k != NULL && k->kind == CONF_SIZE)
		check_size(r, line, opt->name, value, k);
	else if (k != NULL && k->check != NULL && (why = k->check(value)) != NULL)
		conf_error(r, line, opt->name, "%s", why);
	return run_full(r) ? -1 : 0;
}

/*
 * After a section's '}': its opening line is the next one the sanitiser
 * saw (sections close in text order).  Non-repeatable sections given
 * twice are merged by libconfuse; mark() reports them instead.
 */
static int cb_section(cfg_t *cfg, cfg_opt_t *opt)
{
	struct conf_run *r = cur_run;
	int line = r->sec_closed < r->nsec_lines ? r->sec_lines[r->sec_closed] : cfg->line;
	unsigned idx = opt->nvalues > 0 ? opt->nvalues - 1 : 0;

	r->sec_closed++;
	if (!own_option(cfg, opt))
		conf_error(r, line, opt->name, "not a key here (section paths are not accepted)");
	mark(r, cfg, opt->name, idx, line);
	if (opt->nvalues > 0)
		mark(r, opt->values[idx]->section, NULL, 0, line);
	return run_full(r) ? -1 : 0;
}

/* libconfuse's own messages, in the "key: problem" form. */
static const struct {
	const char *fmt;
	const char *text;
	bool arg_is_key;
} lib_msgs[] = {
	{ "no such option '%s'", "unknown key", true },
	{ "missing equal sign after option '%s'", "expected '=' after the key", true },
	{ "attempt to append to non-list option '%s'", "'+=' only works on lists", true },
	{ "missing opening brace for section '%s'", "expected '{'", true },
	{ "missing title for section '%s'", "expected a title before '{'", true },
	{ "unexpected token '%s'", "unexpected", false },
	{ "invalid octal number '%s'", "invalid octal escape", false },
	{ "bad escape sequence '%s'", "bad escape sequence", false },
};

/*
 * libconfuse's duplicate-title message names the title but not the key:
 * find the titled section of @cfg that already holds @title and name it,
 * with the line the first one opened on.
 */
static void duplicate_title(struct conf_run *r, cfg_t *cfg, const char *title)
{
	for (const cfg_opt_t *o = cfg->opts; o->name != NULL; o++) {
		if (o->type != CFGT_SEC || !(o->flags & CFGF_TITLE))
			continue;
		for (unsigned i = 0; i < o->nvalues; i++) {
			const cfg_t *sec = o->values[i]->section;

			if (sec->title == NULL || strcmp(sec->title, title) != 0)
				continue;
			conf_error(r, cfg->line, o->name, "\"%.*s%s\" given twice (first on "
				   "line %d)", KEY_SHOWN, title, strlen(title) > KEY_SHOWN ?
				   "..." : "", conf_line(r, sec, NULL, 0));
			return;
		}
	}
	conf_error(r, cfg->line, NULL, "a section titled '%s' is already defined", title);
}

/*
 * The key that line @line of the text starts with ("KEY =" or "KEY +="),
 * for libconfuse's messages that name only the token they choked on; NULL
 * when the line starts no assignment (a list continued from above).
 */
static const char *key_on_line(struct conf_run *r, int line)
{
	const char *p = r->parsed;
	size_t n;

	if (p == NULL || line < 1)
		return NULL;
	while (--line > 0 && (p = strchr(p, '\n')) != NULL)
		p++;
	if (p == NULL)
		return NULL;
	p += strspn(p, " \t");
	n = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");
	if (n == 0 || n >= sizeof(r->line_key))
		return NULL;
	memcpy(r->line_key, p, n);
	r->line_key[n] = '\0';
	p += n;
	p += strspn(p, " \t");
	return *p == '=' || (p[0] == '+' && p[1] == '=') ? r->line_key : NULL;
}

static void __attribute__((format(printf, 2, 0)))
on_lib_error(cfg_t *cfg, const char *fmt, va_list ap)
{
	struct conf_run *r = cur_run;
	char msg[CONF_ERR_MAX];
	size_t i;

	if (r == NULL)
		return;
	if (strcmp(fmt, "found duplicate title '%s'") == 0) {
		duplicate_title(r, cfg, va_arg(ap, const char *));
		return;
	}
	for (i = 0; i < sizeof(lib_msgs) / sizeof(lib_msgs[0]); i++) {
		const char *arg;

		if (strcmp(fmt, lib_msgs[i].fmt) != 0)
			continue;
		arg = va_arg(ap, const char *);
		if (lib_msgs[i].arg_is_key)
			conf_error(r, cfg->line, arg, "%s", lib_msgs[i].text);
		else
			conf_error(r, cfg->line, key_on_line(r, cfg->line), "%s '%s'",
				   lib_msgs[i].text, arg);
		return;
	}
	if (strcmp(fmt, "premature end of file") == 0) {
		conf_error(r, cfg->line, NULL, "unexpected end of text (a '}' is missing?)");
		return;
	}
	if (strcmp(fmt, "unexpected closing brace") == 0) {
		conf_error(r, cfg->line, NULL, "unexpected '}'");
		return;
	}
	vsnprintf(msg, sizeof(msg), fmt, ap);
	conf_error(r, cfg->line, key_on_line(r, cfg->line), "%s", msg);
}

/*
 * Puts our callbacks on every option of a freshly initialised tree: on the
 * templates sections are copied from, and on the sections cfg_init()
 * already created (those that are not repeatable exist from the start).
 */
static void install_callbacks(cfg_opt_t *opts)
{
	cfg_opt_t *o;
	unsigned i;

	for (o = opts; o->name != NULL; o++) {
		switch (o->type) {
		case CFGT_INT:
			o->parsecb = cb_long;
			break;
		case CFGT_FLOAT:
			o->parsecb = cb_double;
			break;
		case CFGT_BOOL:
			o->parsecb = cb_bool;
			break;
		case CFGT_STR:
			o->parsecb = cb_str;
			break;
		case CFGT_SEC:
			o->validcb = cb_section;
			install_callbacks(o->subopts);
			for (i = 0; i < o->nvalues; i++)
				install_callbacks(o->values[i]->section->opts);
			break;
		default:
			/* Function and pointer options are never offered. */
			abort();
		}
	}
}

int conf_parse(struct conf_run *r, cfg_opt_t *opts, const char *text,
	       size_t len, cfg_t **out)
{
	char *buf = NULL;
	cfg_t *cfg = NULL;
	int e, rc;

	*out = NULL;
	e = sanitize(r, text, len, &buf);
	if (e < 0)
		return e;
	cfg = cfg_init(opts, CFGF_NONE);
	if (cfg == NULL) {
		e = -ENOMEM;
		goto out;
	}
	cfg_set_error_function(cfg, on_lib_error);
	install_callbacks(cfg->opts);
	cur_run = r;
	r->parsed = buf;
	rc = cfg_parse_buf(cfg, buf);
	r->parsed = NULL;
	cur_run = NULL;
	/*
	 * Errors in values leave a complete tree, which the caller may still
	 * check for more problems; a syntax error leaves half a tree.
	 */
	if (r->oom)
		e = -ENOMEM;
	else if (rc != CFG_SUCCESS)
		e = -EINVAL;
	if (e == -EINVAL && r->nerrs == 0)
		conf_error(r, 0, NULL, "cannot be parsed");
out:
	free(buf);
	if (e < 0 && cfg != NULL)
		cfg_free(cfg);
	else
		*out = cfg;
	return e;
}

/* ------------------------------------------------------------------ */
/* Helpers for reading a parsed tree                                   */
/* ------------------------------------------------------------------ */

static const struct {
	const char *name;
	size_t off;
	bool real;
} limit_fields[] = {
	{ "timeout", offsetof(struct cylo_limits, timeout), true },
	{ "cpu_time", offsetof(struct cylo_limits, cpu_time), true },
	{ "memory", offsetof(struct cylo_limits, memory), false },
	{ "processes", offsetof(struct cylo_limits, processes), false },
	{ "output_limit", offsetof(struct cylo_limits, output_limit), false },
	{ "compile_timeout", offsetof(struct cylo_limits, compile_timeout), true },
	{ "compile_memory", offsetof(struct cylo_limits, compile_memory), false },
	{ "workspace", offsetof(struct cylo_limits, workspace), false },
	{ "tmp_size", offsetof(struct cylo_limits, tmp_size), false },
	{ "file_size", offsetof(struct cylo_limits, file_size), false },
	{ "open_files", offsetof(struct cylo_limits, open_files), false },
};
#define NLIMITS (sizeof(limit_fields) / sizeof(limit_fields[0]))

static double lim_get(const struct cylo_limits *l, size_t i)
{
	const char *p = (const char *)l + limit_fields[i].off;

	return limit_fields[i].real ? *(const double *)p : (double)*(const long *)p;
}

static void lim_set(struct cylo_limits *l, size_t i, double v)
{
	char *p = (char *)l + limit_fields[i].off;

	if (limit_fields[i].real)
		*(double *)p = v;
	else
		*(long *)p = (long)v;
}

void conf_get_limits(cfg_t *sec, struct cylo_limits *l)
{
	cfg_opt_t *o;
	size_t i;

	limits_unset(l);
	for (o = sec->opts; o->name != NULL; o++) {
		for (i = 0; i < NLIMITS; i++)
			if (strcmp(o->name, limit_fields[i].name) == 0)
				break;
		if (i == NLIMITS || cfg_opt_size(o) == 0)
			continue;
		if (o->type == CFGT_FLOAT)
			lim_set(l, i, cfg_opt_getnfloat(o, 0));
		else if (o->type == CFGT_INT)
			lim_set(l, i, (double)cfg_opt_getnint(o, 0));
	}
}

void conf_check_limits(struct conf_run *r, cfg_t *sec,
		       const struct cylo_limits *l, const struct cylo_limits *max)
{
	size_t i;

	for (i = 0; i < NLIMITS; i++) {
		double v = lim_get(l, i), m = lim_get(max, i);
		const char *name = limit_fields[i].name;

		if (v >= 0 && m >= 0 && v > m)
			conf_error(r, conf_line(r, sec, name, 0), name,
				   "%.15g exceeds the maximum %.15g", v, m);
	}
}

int conf_str(cfg_t *sec, const char *key, char **out)
{
	const char *s = cfg_size(sec, key) ? cfg_getstr(sec, key) : NULL;

	*out = NULL;
	if (s == NULL)
		return 0;
	*out = strdup(s);
	return *out ? 0 : -ENOMEM;
}

char **conf_strv(cfg_t *sec, const char *key)
{
	unsigned i, n = cfg_size(sec, key);
	char **v = calloc((size_t)n + 1, sizeof(*v));

	if (v == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		v[i] = strdup(cfg_getnstr(sec, key, i));
		if (v[i] == NULL) {
			strv_free(v);
			return NULL;
		}
	}
	return v;
}

const char *conf_check_relpath(const char *s)
{
	const char *p = s, *slash;
	size_t n;

	if (*s == '\0')
		return "must not be empty";
	if (*s == '/')
		return "must be a relative path (no leading '/')";
	for (;;) {
		slash = strchr(p, '/');
		n = slash ? (size_t)(slash - p) : strlen(p);
		if (n == 0)
			return "must not contain empty path components ('//' or a trailing '/')";
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return "must not contain '..'";
		if (n > 255)
			return "has a path component longer than 255 bytes";
		if (slash == NULL)
			return NULL;
		p = slash + 1;
	}
}

const char *conf_check_env(const char *s)
{
	const char *eq = strchr(s, '=');
	const char *p;

	if (eq == NULL || eq == s)
		return "must be KEY=VALUE";
	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
		return "the name must start with a letter or '_'";
	for (p = s; p < eq; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || *p == '_'))
			return "the name may hold only letters, digits and '_'";
	return NULL;
}

/* ------------------------------------------------------------------ */
/* The configuration schema                                            */
/* ------------------------------------------------------------------ */

#define DEF_WORKERS		0
#define DEF_LOG_LEVEL		"info"
#define DEF_SHUTDOWN_GRACE	10.0
#define DEF_MAX_INPUT		"1M"
#define DEF_UID_BASE		60000
#define DEF_SETTLE		1.0
#define DEF_RESCAN		30.0
#define DEF_CLAIM_TIMEOUT	60.0
#define DEF_MAX_ATTEMPTS	3
#define DEF_RESULT_MODE		0644
#define CONFIG_MAX_BYTES	(1L << 20)
#define CONFIG_MAX_ERRORS	100

#define LIMIT_OPTS \
	CFG_FLOAT("timeout", 0, CFGF_NODEFAULT), \
	CFG_FLOAT("cpu_time", 0, CFGF_NODEFAULT), \
	CFG_INT("memory", 0, CFGF_NODEFAULT), \
	CFG_INT("processes", 0, CFGF_NODEFAULT), \
	CFG_INT("output_limit", 0, CFGF_NODEFAULT), \
	CFG_FLOAT("compile_timeout", 0, CFGF_NODEFAULT), \
	CFG_INT("compile_memory", 0, CFGF_NODEFAULT), \
	CFG_INT("workspace", 0, CFGF_NODEFAULT), \
	CFG_INT("tmp_size", 0, CFGF_NODEFAULT), \
	CFG_INT("file_size", 0, CFGF_NODEFAULT), \
	CFG_INT("open_files", 0, CFGF_NODEFAULT)

static cfg_opt_t limit_opts[] = {
	LIMIT_OPTS,
	CFG_END()
};

static cfg_opt_t sandbox_opts[] = {
	CFG_INT("uid_base", DEF_UID_BASE, CFGF_NONE),
	CFG_BOOL("require_landlock", cfg_true, CFGF_NONE),
	CFG_BOOL("require_seccomp", cfg_true, CFGF_NONE),
	CFG_BOOL("require_cgroups", cfg_false, CFGF_NONE),
	CFG_STR("cgroups", "auto", CFGF_NONE),
	CFG_STR("cgroup_root", NULL, CFGF_NODEFAULT),
	CFG_STR_LIST("extra_ro_paths", NULL, CFGF_NONE),
	CFG_END()
};

static cfg_opt_t watch_opts[] = {
	CFG_STR("tmpfs", NULL, CFGF_NODEFAULT),
	CFG_BOOL("poll", cfg_false, CFGF_NODEFAULT),
	CFG_FLOAT("settle", DEF_SETTLE, CFGF_NONE),
	CFG_FLOAT("rescan_interval", DEF_RESCAN, CFGF_NONE),
	CFG_FLOAT("claim_timeout", DEF_CLAIM_TIMEOUT, CFGF_NONE),
	CFG_INT("max_attempts", DEF_MAX_ATTEMPTS, CFGF_NONE),
	CFG_BOOL("bare_sources", cfg_true, CFGF_NONE),
	CFG_BOOL("archives", cfg_true, CFGF_NONE),
	CFG_STR_LIST("languages", NULL, CFGF_NONE),
	CFG_BOOL("raw_output", cfg_false, CFGF_NONE),
	CFG_INT("result_mode", DEF_RESULT_MODE, CFGF_NONE),
	CFG_STR("max_input_size", NULL, CFGF_NODEFAULT),
	CFG_SEC("defaults", limit_opts, CFGF_NONE),
	CFG_SEC("maxima", limit_opts, CFGF_NONE),
	CFG_END()
};

static cfg_opt_t language_opts[] = {
	CFG_STR_LIST("aliases", NULL, CFGF_NONE),
	CFG_STR_LIST("extensions", NULL, CFGF_NONE),
	CFG_STR("compile", NULL, CFGF_NODEFAULT),
	CFG_STR("run", NULL, CFGF_NODEFAULT),
	CFG_STR_LIST("paths", NULL, CFGF_NONE),
	CFG_STR_LIST("env", NULL, CFGF_NONE),
	CFG_STR("main", NULL, CFGF_NODEFAULT),
	CFG_INT("address_space", 0, CFGF_NONE),
	CFG_STR("out_of_memory", NULL, CFGF_NODEFAULT),
	CFG_STR("uncaught", NULL, CFGF_NODEFAULT),
	LIMIT_OPTS,
	CFG_END()
};

static cfg_opt_t root_opts[] = {
	CFG_INT("workers", DEF_WORKERS, CFGF_NONE),
	CFG_STR("log_level", DEF_LOG_LEVEL, CFGF_NONE),
	CFG_STR("metrics_file", NULL, CFGF_NODEFAULT),
	CFG_STR("status_file", NULL, CFGF_NODEFAULT),
	CFG_FLOAT("shutdown_grace", DEF_SHUTDOWN_GRACE, CFGF_NONE),
	CFG_STR("max_input_size", DEF_MAX_INPUT, CFGF_NONE),
	CFG_SEC("sandbox", sandbox_opts, CFGF_NONE),
	CFG_SEC("defaults", limit_opts, CFGF_NONE),
	CFG_SEC("maxima", limit_opts, CFGF_NONE),
	CFG_SEC("watch", watch_opts, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
	CFG_SEC("language", language_opts, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
	CFG_END()
};

static const char *check_abspath(const char *s)
{
	if (s[0] != '/')
		return "must be an absolute path";
	return strlen(s) >= PATH_MAX ? "longer than PATH_MAX" : NULL;
}

/* Whether @s is @dir or lies below it. */
static bool path_in(const char *s, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(s, dir, n) == 0 && (s[n] == '\0' || s[n] == '/');
}

/* Why absolute path @s is not spelled one way only ("//", ".", "..", a
 * trailing "/"), or NULL. */
static const char *plain_path(const char *s)
{
	for (const char *p = s; *p; p++) {
		const char *c = p + 1;	/* a component starts after each '/' */
		size_t n;

		if (*p != '/')
			continue;
		n = strcspn(c, "/");
		if ((n == 0 && (c[0] == '/' || p != s)) || (n == 1 && c[0] == '.') ||
		    (n == 2 && c[0] == '.' && c[1] == '.'))
			return "must be spelled without \"//\", \".\", \"..\" "
			       "or a trailing \"/\"";
	}
	return NULL;
}

/*
 * A path bound read-only into boxes, spelled plainly (no "//", "." or
 * "..", no trailing "/", so that the checks below see where it really
 * is).  Every box mounts its own /tmp, /work, /proc and /dev over the
 * binds, and builds its root over /tmp, so a path there would be hidden
 * or silently missing; "/" would cover the whole root, and /etc or the
 * files the box writes there would make every box fail.  The root being
 * built under /tmp, the path must leave room for that prefix.
 */
static const char *check_bind_path(const char *s)
{
	static const char *const covered[] = { "/tmp", "/work", "/proc", "/dev", NULL };
	static const char *const whole[] = { "/", "/etc", "/etc/passwd", "/etc/group",
					     "/etc/hosts", NULL };
	const char *why = check_abspath(s);

	if (why)
		return why;
	if (strlen(s) >= PATH_MAX - (sizeof("/tmp") - 1))
		return "is too long to be bound below the box's root";
	if ((why = plain_path(s)) != NULL)
		return why;
	for (int i = 0; covered[i]; i++)
		if (path_in(s, covered[i]))
			return "lies in /tmp, /work, /proc or /dev, which every box "
			       "mounts its own of";
	for (int i = 0; whole[i]; i++)
		if (strcmp(s, whole[i]) == 0)
			return "would cover the box's own root or /etc";
	return NULL;
}

static const char *const log_levels[] = { "error", "warning", "info", "debug", NULL };
static const int log_prios[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
static const char *const cgroup_modes[] = { "auto", "v2", "v1", "none", NULL };

static int word_index(const char *const *words, const char *s)
{
	int i;

	for (i = 0; words[i] != NULL; i++)
		if (strcmp(words[i], s) == 0)
			return i;
	return -1;
}

static const char *check_log_level(const char *s)
{
	return word_index(log_levels, s) < 0 ? "must be error, warning, info or debug" : NULL;
}

static const char *check_cgroups(const char *s)
{
	return word_index(cgroup_modes, s) < 0 ? "must be auto, v2, v1 or none" : NULL;
}

/* Language names and aliases: what a manifest's `language` may say. */
static const char *check_lang_name(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			  "0123456789_+#.-");

	if (*s == '\0' || s[n] != '\0' || n > 32)
		return "must be 1 to 32 letters, digits or _+#.-";
	return NULL;
}

static const char *check_extension(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			  "0123456789_+.-");

	if (*s == '\0' || s[n] != '\0' || n > 16 || s[0] == '.' || s[n - 1] == '.' ||
	    strstr(s, "..") != NULL)
		return "must be 1 to 16 letters, digits or _+.- without a leading dot";
	return NULL;
}

/* Text to look for: an empty one would be found in anything. */
static const char *check_text(const char *s)
{
	return *s ? NULL : "must not be empty";
}

/* A template must expand, and name its program by absolute path or {exe}. */
static const char *check_template(const char *s)
{
	static const struct lang_vars v = { "main.x", "/work", "/work/.cylo-exe", "main",
					    "256", "192", NULL, "." };
	char **argv = NULL;
	bool relative;
	int e = lang_expand(s, &v, NULL, &argv);

	if (e == -EINVAL)
		return "unknown {placeholder}, misplaced {args} or unbalanced quote";
	if (e < 0)
		return "cannot be expanded";
	relative = argv[0][0] != '/';
	lang_argv_free(argv);
	return relative ? "the program must be an absolute path or {exe}" : NULL;
}

static const struct conf_key config_keys[] = {
	{ "workers", CONF_LONG, 0, WORKERS_MAX, 0, 0, NULL },
	{ "log_level", CONF_STR, 0, 0, 16, 0, check_log_level },
	{ "metrics_file", CONF_STR, 0, 0, PATH_MAX, 0, check_abspath },
	{ "status_file", CONF_STR, 0, 0, PATH_MAX, 0, check_abspath },
	{ "shutdown_grace", CONF_DOUBLE, 0, 3600, 0, 0, NULL },
	{ "max_input_size", CONF_SIZE, 1, 1L << 32, 32, 0, NULL },
	{ "uid_base", CONF_LONG, 1, 4294000000.0, 0, 0, NULL },
	{ "cgroups", CONF_STR, 0, 0, 16, 0, check_cgroups },
	{ "cgroup_root", CONF_STR, 0, 0, PATH_MAX, 0, check_abspath },
	{ "extra_ro_paths", CONF_STR, 0, 0, PATH_MAX, 64, check_bind_path },
	{ "tmpfs", CONF_SIZE, 1L << 20, 1L << 40, 32, 0, NULL },
	{ "settle", CONF_DOUBLE, 0, 3600, 0, 0, NULL },
	{ "rescan_interval", CONF_DOUBLE, 0.1, 86400, 0, 0, NULL },
	{ "claim_timeout", CONF_DOUBLE, 1, 86400, 0, 0, NULL },
	{ "max_attempts", CONF_LONG, 1, 100, 0, 0, NULL },
	{ "languages", CONF_STR, 0, 0, 32, 64, check_lang_name },
	{ "result_mode", CONF_OCTAL, 0, 0777, 0, 0, NULL },
	{ "aliases", CONF_STR, 0, 0, 32, 16, check_lang_name },
	{ "extensions", CONF_STR, 0, 0, 16, 16, check_extension },
	{ "compile", CONF_STR, 0, 0, 4096, 0, check_template },
	{ "run", CONF_STR, 0, 0, 4096, 0, check_template },
	{ "paths", CONF_STR, 0, 0, PATH_MAX, 64, check_bind_path },
	{ "env", CONF_STR, 0, 0, 4096, 64, conf_check_env },
	{ "main", CONF_STR, 0, 0, 255, 0, conf_check_relpath },
	{ "address_space", CONF_LONG, 0, 1L << 20, 0, 0, NULL },
	{ "out_of_memory", CONF_STR, 0, 0, 255, 0, check_text },
	{ "uncaught", CONF_STR, 0, 0, 255, 0, check_text },
	{ "timeout", CONF_DOUBLE, 0.001, 86400, 0, 0, NULL },
	{ "cpu_time", CONF_DOUBLE, 0.001, 86400, 0, 0, NULL },
	{ "compile_timeout", CONF_DOUBLE, 0.001, 86400, 0, 0, NULL },
	{ "memory", CONF_LONG, 1, 1L << 20, 0, 0, NULL },
	{ "compile_memory", CONF_LONG, 1, 1L << 20, 0, 0, NULL },
	{ "processes", CONF_LONG, 1, 65536, 0, 0, NULL },
	{ "output_limit", CONF_LONG, 1, 1L << 20, 0, 0, NULL },
	{ "workspace", CONF_LONG, 1, 1L << 20, 0, 0, NULL },
	{ "tmp_size", CONF_LONG, 1, 1L << 20, 0, 0, NULL },
	{ "file_size", CONF_LONG, 1, 1L << 20, 0, 0, NULL },
	{ "open_files", CONF_LONG, 16, 1L << 20, 0, 0, NULL },
	{ NULL, CONF_STR, 0, 0, 0, 0, NULL },
};

/* ------------------------------------------------------------------ */
/* Built-in configuration                                              */
/* ------------------------------------------------------------------ */

static int nproc(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 4096 ? 4096 : (int)n;
}

/* One a CPU, within WORKERS_MAX. */
static int default_workers(void)
{
	int n = nproc();

	return n > WORKERS_MAX ? WORKERS_MAX : n;
}

static int builtin_globals(struct cylo_config *c)
{
	c->workers = default_workers();
	c->log_level = LOG_INFO;
	c->shutdown_grace = DEF_SHUTDOWN_GRACE;
	c->max_input_size = 1L << 20;
	c->sandbox.uid_base = DEF_UID_BASE;
	c->sandbox.require_landlock = true;
	c->sandbox.require_seccomp = true;
	c->sandbox.require_cgroups = false;
	c->sandbox.cgroups = CGROUP_AUTO;
	c->sandbox.extra_ro_paths = calloc(1, sizeof(char *));
	limits_builtin_defaults(&c->defaults);
	limits_builtin_maxima(&c->maxima);
	return c->sandbox.extra_ro_paths ? 0 : -ENOMEM;
}

int config_builtin(struct cylo_config **out)
{
	struct cylo_config *c = calloc(1, sizeof(*c));
	int e;

	*out = NULL;
	if (c == NULL)
		return -ENOMEM;
	e = builtin_globals(c);
	if (e == 0)
		e = lang_builtin(&c->langs);
	if (e < 0) {
		config_free(c);
		return e;
	}
	*out = c;
	return 0;
}

static void watch_clear(struct watch_conf *w)
{
	free(w->path);
	free(w->tmpfs);
	strv_free(w->languages);
}

void config_free(struct cylo_config *c)
{
	size_t i;

	if (c == NULL)
		return;
	free(c->path);
	free(c->metrics_file);
	free(c->status_file);
	free(c->sandbox.cgroup_root);
	strv_free(c->sandbox.extra_ro_paths);
	for (i = 0; i < c->nwatches; i++)
		watch_clear(&c->watches[i]);
	free(c->watches);
	lang_table_free(&c->langs);
	free(c);
}

/* "/srv/drop/" and "/srv/drop" are one directory; "/" stays "/". */
static void trim_slashes(char *p)
{
	size_t n = strlen(p);

	while (n > 1 && p[n - 1] == '/')
		p[--n] = '\0';
}

static void watch_defaults(const struct cylo_config *c, struct watch_conf *w)
{
	w->tmpfs = NULL;
	w->tmpfs_bytes = 0;
	w->poll = -1;
	w->settle = DEF_SETTLE;
	w->rescan_interval = DEF_RESCAN;
	w->claim_timeout = DEF_CLAIM_TIMEOUT;
	w->max_attempts = DEF_MAX_ATTEMPTS;
	w->bare_sources = true;
	w->archives = true;
	w->languages = NULL;
	w->raw_output = false;
	w->result_mode = DEF_RESULT_MODE;
	w->max_input_size = c->max_input_size;
	w->defaults = c->defaults;
	w->maxima = c->maxima;
}

static struct watch_conf *find_watch(const struct cylo_config *c, const char *path)
{
	size_t i;

	for (i = 0; i < c->nwatches; i++)
		if (strcmp(c->watches[i].path, path) == 0)
			return &c->watches[i];
	return NULL;
}

/* A new, zeroed watch at the end of c->watches. */
static struct watch_conf *append_watch(struct cylo_config *c)
{
	struct watch_conf *v = reallocarray(c->watches, c->nwatches + 1, sizeof(*v));

	if (v == NULL)
		return NULL;
	c->watches = v;
	memset(&v[c->nwatches], 0, sizeof(*v));
	return &v[c->nwatches++];
}

/* An absolute, slash-trimmed copy of @path (relative to the cwd). */
static char *absolute_path(const char *path)
{
	char cwd[PATH_MAX], *p;

	if (path[0] == '/')
		p = strdup(path);
	else if (getcwd(cwd, sizeof(cwd)) == NULL)
		return NULL;
	else if (asprintf(&p, "%s/%s", cwd, path) < 0)
		p = NULL;
	if (p != NULL)
		trim_slashes(p);
	return p;
}

int config_open_watch(const struct cylo_config *c, const struct watch_conf *w,
		      char *err, size_t n)
{
	int fd = open(w->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), e;
	const char *hint;

	if (fd >= 0)
		return fd;
	e = errno;
	hint = e == ELOOP || e == ENOTDIR ? " (a watched directory must be a directory, "
					     "not a symbolic link)" : "";
	if (w->line > 0 && c->path)
		snprintf(err, n, "%s:%d: watch: \"%s\": %s%s", c->path, w->line, w->path,
			 strerror(e), hint);
	else
		snprintf(err, n, "watch %s: %s%s", w->path, strerror(e), hint);
	return -e;
}

int config_add_watch(struct cylo_config *c, const char *path)
{
	struct watch_conf *w;
	char *abs;

	if (path == NULL || path[0] == '\0')
		return -EINVAL;
	abs = absolute_path(path);
	if (abs == NULL)
		return errno == ERANGE ? -ENAMETOOLONG : -ENOMEM;
	if (find_watch(c, abs) != NULL) {
		free(abs);
		return -EEXIST;
	}
	w = append_watch(c);
	if (w == NULL) {
		free(abs);
		return -ENOMEM;
	}
	watch_defaults(c, w);
	w->path = abs;
	return 0;
}

/* ------------------------------------------------------------------ */
/* From the parsed tree to struct cylo_config                          */
/* ------------------------------------------------------------------ */

static int read_globals(cfg_t *cfg, struct cylo_config *c)
{
	long workers = cfg_getint(cfg, "workers");
	int lvl = word_index(log_levels, cfg_getstr(cfg, "log_level"));
	long bytes;

	c->workers = workers == 0 ? default_workers() : (int)workers;
	c->log_level = lvl >= 0 ? log_prios[lvl] : LOG_INFO;
	c->shutdown_grace = cfg_getfloat(cfg, "shutdown_grace");
	if (parse_size(cfg_getstr(cfg, "max_input_size"), &bytes) == 0)
		c->max_input_size = bytes;
	if (conf_str(cfg, "metrics_file", &c->metrics_file) < 0 ||
	    conf_str(cfg, "status_file", &c->status_file) < 0)
		return -ENOMEM;
	return 0;
}

static int read_sandbox(struct conf_run *r, cfg_t *sec, struct sandbox_conf *s)
{
	int mode = word_index(cgroup_modes, cfg_getstr(sec, "cgroups"));
	static const enum cgroup_mode modes[] = { CGROUP_AUTO, CGROUP_V2, CGROUP_V1, CGROUP_NONE };

	s->uid_base = (uid_t)cfg_getint(sec, "uid_base");
	s->require_landlock = cfg_getbool(sec, "require_landlock");
	s->require_seccomp = cfg_getbool(sec, "require_seccomp");
	s->require_cgroups = cfg_getbool(sec, "require_cgroups");
	s->cgroups = mode >= 0 ? modes[mode] : CGROUP_AUTO;
	if (conf_str(sec, "cgroup_root", &s->cgroup_root) < 0)
		return -ENOMEM;
	/* v1 and none never look at it: a root given there would be ignored. */
	if (s->cgroup_root && s->cgroups != CGROUP_AUTO && s->cgroups != CGROUP_V2)
		conf_error(r, conf_line(r, sec, "cgroup_root", 0), "cgroup_root",
			   "needs cgroups = auto or v2 (it is a cgroup2 directory)");
	strv_free(s->extra_ro_paths);
	s->extra_ro_paths = conf_strv(sec, "extra_ro_paths");
	return s->extra_ro_paths ? 0 : -ENOMEM;
}

/*
 * @def and @max are merged (inherited, then this section pair's own values
 * @own_def and @own_max).  A default above its maximum is reported at the
 * value this pair gave: the default when it set one, else the maximum.
 * A conflict it merely inherited was reported where it came from.
 */
static void check_defaults(struct conf_run *r, cfg_t *dsec, cfg_t *msec,
			   const struct cylo_limits *own_def,
			   const struct cylo_limits *own_max,
			   const struct cylo_limits *def, const struct cylo_limits *max)
{
	size_t i;

	for (i = 0; i < NLIMITS; i++) {
		double d = lim_get(def, i), m = lim_get(max, i);
		const char *name = limit_fields[i].name;

		if (d < 0 || m < 0 || d <= m)
			continue;
		if (lim_get(own_def, i) >= 0)
			conf_error(r, conf_line(r, dsec, name, 0), name,
				   "%.15g exceeds the maximum %.15g", d, m);
		else if (lim_get(own_max, i) >= 0)
			conf_error(r, conf_line(r, msec, name, 0), name,
				   "the maximum %.15g is below the default %.15g", m, d);
	}
}

/* Layers a section pair (defaults, maxima) of @sec over @def and @max. */
static void read_limits(struct conf_run *r, cfg_t *sec, struct cylo_limits *def,
			struct cylo_limits *max)
{
	cfg_t *dsec = cfg_getsec(sec, "defaults"), *msec = cfg_getsec(sec, "maxima");
	struct cylo_limits own_def, own_max;

	conf_get_limits(dsec, &own_def);
	conf_get_limits(msec, &own_max);
	limits_merge(def, &own_def);
	limits_merge(max, &own_max);
	check_defaults(r, dsec, msec, &own_def, &own_max, def, max);
}

static int lang_from_section(struct conf_run *r, const struct cylo_config *c,
			     cfg_t *sec, struct cylo_lang *l)
{
	int line = conf_line(r, sec, NULL, 0);

	memset(l, 0, sizeof(*l));
	l->name = strdup(cfg_title(sec));
	l->aliases = conf_strv(sec, "aliases");
	l->extensions = conf_strv(sec, "extensions");
	l->paths = conf_strv(sec, "paths");
	l->env = conf_strv(sec, "env");
	if (l->name == NULL || !l->aliases || !l->extensions || !l->paths || !l->env ||
	    conf_str(sec, "compile", &l->compile) < 0 ||
	    conf_str(sec, "run", &l->run) < 0 ||
	    conf_str(sec, "main", &l->default_main) < 0 ||
	    conf_str(sec, "out_of_memory", &l->out_of_memory) < 0 ||
	    conf_str(sec, "uncaught", &l->uncaught) < 0)
		return -ENOMEM;
	if (check_lang_name(l->name) != NULL)
		conf_error(r, line, "language", "\"%s\": the name %s", l->name,
			   check_lang_name(l->name));
	if (l->run == NULL)
		conf_error(r, line, "run", "missing in language \"%s\"", l->name);
	if (l->default_main == NULL &&
	    asprintf(&l->default_main, "main%s%s", l->extensions[0] ? "." : "",
		     l->extensions[0] ? l->extensions[0] : "") < 0) {
		l->default_main = NULL;
		return -ENOMEM;
	}
	l->address_space = cfg_getint(sec, "address_space");
	conf_get_limits(sec, &l->limits);
	conf_check_limits(r, sec, &l->limits, &c->maxima);
	return 0;
}

/* Some name of @a (name or alias) that @b also answers to, or NULL. */
static const char *shared_name(const struct cylo_lang *a, const struct cylo_lang *b)
{
	char **p;

	if (lang_matches(b, a->name))
		return a->name;
	for (p = a->aliases; p && *p; p++)
		if (lang_matches(b, *p))
			return *p;
	return NULL;
}

static const char *shared_ext(const struct cylo_lang *a, const struct cylo_lang *b)
{
	char **p, **q;

	for (p = a->extensions; p && *p; p++)
		for (q = b->extensions; q && *q; q++)
			if (strcmp(*p, *q) == 0)
				return *p;
	return NULL;
}

/*
 * Names, aliases and extensions must each lead to one language.  @from[i]
 * is the section language i came from, NULL for a built-in; the error is
 * reported at the later language from the file.
 */
static void check_lang_conflicts(struct conf_run *r, const struct lang_table *t,
				 cfg_t *const *from)
{
	size_t i, j;
	const char *s;

	for (j = 0; j < t->n; j++) {
		if (from[j] == NULL)
			continue;
		for (i = 0; i < t->n; i++) {
			if (i == j || (i > j && from[i] != NULL))
				continue;
			if ((s = shared_name(&t->v[j], &t->v[i])) != NULL)
				conf_error(r, conf_line(r, from[j], NULL, 0), "language",
					   "\"%s\": the name '%s' already means language \"%s\"",
					   t->v[j].name, s, t->v[i].name);
			if ((s = shared_ext(&t->v[j], &t->v[i])) != NULL)
				conf_error(r, conf_line(r, from[j], NULL, 0), "extensions",
					   "\"%s\": '%s' already belongs to language \"%s\"",
					   t->v[j].name, s, t->v[i].name);
		}
	}
}

/*
 * Built-ins first; a section named like a built-in replaces it in place,
 * any other adds a language at the end.
 */
static int read_languages(struct conf_run *r, cfg_t *cfg, struct cylo_config *c)
{
	unsigned i, n = cfg_size(cfg, "language");
	cfg_t **from = calloc(c->langs.n + n + 1, sizeof(*from));
	struct cylo_lang l;
	size_t at;
	int e = 0;

	if (from == NULL)
		return -ENOMEM;
	for (i = 0; i < n && e == 0; i++) {
		cfg_t *sec = cfg_getnsec(cfg, "language", i);

		e = lang_from_section(r, c, sec, &l);
		if (e == 0)
			e = lang_table_put(&c->langs, &l, &at);
		if (e < 0)
			lang_clear(&l);
		else
			from[at] = sec;
	}
	if (e == 0)
		check_lang_conflicts(r, &c->langs, from);
	free(from);
	return e;
}

/* The watch's language subset, by canonical name; NULL when absent. */
static int watch_languages(struct conf_run *r, cfg_t *sec, const struct lang_table *t,
			   char ***out)
{
	unsigned i, n = cfg_size(sec, "languages");
	const struct cylo_lang *l;
	char **v = NULL;

	*out = NULL;
	/* An explicit empty list would read as "every language" (NULL). */
	if (n == 0 && (cfg_getopt(sec, "languages")->flags & CFGF_MODIFIED)) {
		conf_error(r, conf_line(r, sec, NULL, 0), "languages", "an empty "
			   "list would accept no job; leave the key out for every language");
		return 0;
	}
	for (i = 0; i < n; i++) {
		const char *name = cfg_getnstr(sec, "languages", i);

		l = lang_find(t, name);
		if (l == NULL) {
			conf_error(r, conf_line(r, sec, "languages", i), "languages",
				   "unknown language '%s'", name);
			continue;
		}
		if (strv_push(&v, l->name) < 0) {
			strv_free(v);
			return -ENOMEM;
		}
	}
	*out = v;
	return 0;
}

static int read_watch(struct conf_run *r, cfg_t *sec, struct cylo_config *c,
		      struct watch_conf *w)
{
	int line = conf_line(r, sec, NULL, 0);

	watch_defaults(c, w);
	w->path = strdup(cfg_title(sec));
	if (w->path == NULL || conf_str(sec, "tmpfs", &w->tmpfs) < 0)
		return -ENOMEM;
	trim_slashes(w->path);
	/* One spelling per directory: two would be two watches of one folder,
	 * the second's settings silently ignored. */
	if (w->path[0] != '/')
		conf_error(r, line, "watch", "\"%s\": the path must be absolute", w->path);
	else if (plain_path(w->path) != NULL)
		conf_error(r, line, "watch", "\"%s\": the path %s", w->path, plain_path(w->path));
	if (w->tmpfs != NULL && parse_size(w->tmpfs, &w->tmpfs_bytes) < 0)
		w->tmpfs_bytes = 0;
	w->poll = cfg_size(sec, "poll") ? (cfg_getbool(sec, "poll") ? 1 : 0) : -1;
	w->settle = cfg_getfloat(sec, "settle");
	w->rescan_interval = cfg_getfloat(sec, "rescan_interval");
	w->claim_timeout = cfg_getfloat(sec, "claim_timeout");
	w->max_attempts = (int)cfg_getint(sec, "max_attempts");
	w->bare_sources = cfg_getbool(sec, "bare_sources");
	w->archives = cfg_getbool(sec, "archives");
	w->raw_output = cfg_getbool(sec, "raw_output");
	w->result_mode = (unsigned)cfg_getint(sec, "result_mode");
	/* Sizes were checked while parsing; a bad one already failed the load. */
	if (cfg_size(sec, "max_input_size") &&
	    parse_size(cfg_getstr(sec, "max_input_size"), &w->max_input_size) < 0)
		w->max_input_size = c->max_input_size;
	read_limits(r, sec, &w->defaults, &w->maxima);
	return watch_languages(r, sec, &c->langs, &w->languages);
}

static int read_watches(struct conf_run *r, cfg_t *cfg, struct cylo_config *c)
{
	unsigned i, n = cfg_size(cfg, "watch");
	struct watch_conf *w;
	int e;

	for (i = 0; i < n; i++) {
		cfg_t *sec = cfg_getnsec(cfg, "watch", i);

		w = append_watch(c);
		if (w == NULL)
			return -ENOMEM;
		e = read_watch(r, sec, c, w);
		if (e < 0)
			return e;
		w->line = conf_line(r, sec, NULL, 0);
		if (find_watch(c, w->path) != w)
			conf_error(r, conf_line(r, sec, NULL, 0), "watch",
				   "\"%s\": this directory is already watched", w->path);
	}
	return 0;
}

static int config_from_cfg(struct conf_run *r, cfg_t *cfg, struct cylo_config *c)
{
	int e;

	if ((e = read_globals(cfg, c)) < 0 ||
	    (e = read_sandbox(r, cfg_getsec(cfg, "sandbox"), &c->sandbox)) < 0)
		return e;
	read_limits(r, cfg, &c->defaults, &c->maxima);
	if ((e = read_languages(r, cfg, c)) < 0)
		return e;
	return read_watches(r, cfg, c);
}

/* ------------------------------------------------------------------ */
/* Loading                                                             */
/* ------------------------------------------------------------------ */

/* Reads the whole file; on failure writes "FILE: problem" into @err. */
static int read_file(const char *path, char **text, size_t *len, char *err, size_t errlen)
{
	char why[128];
	struct stat st;
	ssize_t n;
	size_t got = 0;
	int fd, e = 0;

	*text = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		e = -errno;
		snprintf(err, errlen, "%s: cannot open: %s", path, log_errstr(e, why, sizeof(why)));
		return e;
	}
	if (fstat(fd, &st) < 0) {
		e = -errno;
		snprintf(err, errlen, "%s: cannot stat: %s", path, log_errstr(e, why, sizeof(why)));
		goto out;
	}
	/* /dev/null, the usual "no file": the built-in defaults, as an empty one. */
	if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3))
		st.st_size = 0;
	else if (!S_ISREG(st.st_mode) || st.st_size > CONFIG_MAX_BYTES) {
		e = S_ISREG(st.st_mode) ? -EFBIG : -EINVAL;
		snprintf(err, errlen, "%s: %s", path, e == -EFBIG ?
			 "larger than 1 MiB" : "not a regular file");
		goto out;
	}
	*text = malloc((size_t)st.st_size + 1);
	if (*text == NULL) {
		e = -ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, *text + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			e = n < 0 ? -errno : 0;
			break;
		}
		got += (size_t)n;
	}
	if (e < 0)
		snprintf(err, errlen, "%s: cannot read: %s", path, log_errstr(e, why, sizeof(why)));
	*len = got;
out:
	if (close(fd) < 0 && e == 0)
		e = -errno;
	if (e < 0) {
		free(*text);
		*text = NULL;
	}
	return e;
}

/* Parses @text into @c (which holds the built-ins); errors go to @r. */
static int parse_config(struct conf_run *r, const char *text, size_t len,
			struct cylo_config *c)
{
	cfg_t *cfg = NULL;
	int e;

	config_parse_lock();
	e = conf_parse(r, root_opts, text, len, &cfg);
	if (e == 0)
		e = config_from_cfg(r, cfg, c);
	if (cfg != NULL)
		cfg_free(cfg);
	config_parse_unlock();
	if (e == 0 && conf_nerrors(r) > 0)
		e = -EINVAL;
	return e;
}

int config_load(const char *path, bool must_exist, struct cylo_config **out,
		char *err, size_t errlen)
{
	struct cylo_config *c = NULL;
	struct conf_run *r = NULL;
	char *text = NULL;
	size_t len = 0;
	int e;

	*out = NULL;
	if (errlen > 0)
		err[0] = '\0';
	e = read_file(path, &text, &len, err, errlen);
	if (e == -ENOENT && !must_exist) {
		if (errlen > 0)
			err[0] = '\0';
		return config_builtin(out);
	}
	if (e < 0)
		return e;
	e = config_builtin(&c);
	if (e == 0) {
		r = conf_run_new(path, config_keys, CONFIG_MAX_ERRORS, SIZE_MAX);
		e = r ? parse_config(r, text, len, c) : -ENOMEM;
	}
	if (e == 0)
		e = (c->path = strdup(path)) ? 0 : -ENOMEM;
	if (e == -EINVAL)
		conf_errors(r, err, errlen);
	else if (e < 0)
		snprintf(err, errlen, "%s: out of memory", path);
	free(text);
	conf_run_free(r);
	if (e < 0)
		config_free(c);
	else
		*out = c;
	return e;
}
