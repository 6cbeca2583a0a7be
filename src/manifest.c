/*
 * manifest.c - a job manifest (SPEC §3) parsed into plain data.
 *
 * The text comes from whoever can write to a drop folder, so it is parsed
 * with the least libconfuse offers (SECURITY.md principle 14): through
 * conf_parse() in config.c, which never registers include(), never lets
 * libconfuse substitute the daemon's environment, refuses NUL bytes, and
 * checks every value against the key table below as it is read.  Every
 * string, list and section count has a ceiling; the caller caps the whole
 * text.  The first problem found is reported, with the line and the key,
 * and nothing of a bad manifest is returned.
 *
 * Decisions the spec leaves open (documented in cylo.conf(5)):
 *  - env may override PATH, HOME and the rest, but not LD_* (the loader's
 *    variables would change how the runtime's own binaries start);
 *  - a test without `compare` compares with `trim`, without `points` is
 *    worth 1;
 *  - stdin/stdin_file and expect/expect_file exclude each other.
 */
#include <confuse.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "joblimits.h"
#include "manifest.h"
#include "util.h"

#define MAX_CODE	(1L << 20)	/* inline code, bytes */
#define MAX_TEXT	(1L << 20)	/* stdin, expect, bytes */
#define MAX_ARGS	256
#define MAX_ARG_LEN	4096
#define MAX_ENV		64
#define MAX_TESTS	256
#define MAX_TEST_NAME	128

static cfg_opt_t test_opts[] = {
	CFG_STR("stdin", NULL, CFGF_NODEFAULT),
	CFG_STR("stdin_file", NULL, CFGF_NODEFAULT),
	CFG_STR("expect", NULL, CFGF_NODEFAULT),
	CFG_STR("expect_file", NULL, CFGF_NODEFAULT),
	CFG_STR("compare", NULL, CFGF_NODEFAULT),
	CFG_FLOAT("points", 0, CFGF_NODEFAULT),
	CFG_FLOAT("timeout", 0, CFGF_NODEFAULT),
	CFG_FLOAT("cpu_time", 0, CFGF_NODEFAULT),
	CFG_INT("memory", 0, CFGF_NODEFAULT),
	CFG_INT("output_limit", 0, CFGF_NODEFAULT),
	CFG_END()
};

static cfg_opt_t manifest_opts[] = {
	CFG_STR("language", NULL, CFGF_NODEFAULT),
	CFG_STR("main", NULL, CFGF_NODEFAULT),
	CFG_STR("code", NULL, CFGF_NODEFAULT),
	CFG_STR_LIST("args", NULL, CFGF_NONE),
	CFG_STR("stdin", NULL, CFGF_NODEFAULT),
	CFG_STR("stdin_file", NULL, CFGF_NODEFAULT),
	CFG_STR_LIST("env", NULL, CFGF_NONE),
	CFG_FLOAT("timeout", 0, CFGF_NODEFAULT),
	CFG_FLOAT("cpu_time", 0, CFGF_NODEFAULT),
	CFG_INT("memory", 0, CFGF_NODEFAULT),
	CFG_INT("processes", 0, CFGF_NODEFAULT),
	CFG_INT("output_limit", 0, CFGF_NODEFAULT),
	CFG_FLOAT("compile_timeout", 0, CFGF_NODEFAULT),
	CFG_INT("compile_memory", 0, CFGF_NODEFAULT),
	CFG_SEC("test", test_opts, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
	CFG_STR("checker", NULL, CFGF_NODEFAULT),
	CFG_END()
};

static const char *check_language(const char *s)
{
	return *s == '\0' ? "must not be empty" : NULL;
}

static const char *check_env(const char *s)
{
	const char *why = conf_check_env(s);

	if (why == NULL && strncmp(s, "LD_", 3) == 0)
		return "LD_* variables are not accepted";
	return why;
}

/* "exact", "trim", "tokens" or "float:EPS" with EPS > 0. */
static int parse_compare(const char *s, enum compare_mode *mode, double *eps)
{
	*eps = 0;
	if (strcmp(s, "exact") == 0)
		*mode = CMP_EXACT;
	else if (strcmp(s, "trim") == 0)
		*mode = CMP_TRIM;
	else if (strcmp(s, "tokens") == 0)
		*mode = CMP_TOKENS;
	else if (strncmp(s, "float:", 6) == 0 && parse_double(s + 6, 0, 1e300, eps) == 0 &&
		 *eps > 0)
		*mode = CMP_FLOAT;
	else
		return -EINVAL;
	return 0;
}

static const char *check_compare(const char *s)
{
	enum compare_mode mode;
	double eps;

	if (parse_compare(s, &mode, &eps) < 0)
		return "must be exact, trim, tokens or float:EPS with EPS > 0";
	return NULL;
}

/*
 * Static ranges; the configured maxima are checked after the parse.
 * Numbers have no useful upper bound here beyond not overflowing.
 */
static const struct conf_key manifest_keys[] = {
	{ "language", CONF_STR, 0, 0, 64, 0, check_language },
	{ "main", CONF_STR, 0, 0, 4095, 0, conf_check_relpath },
	{ "code", CONF_STR, 0, 0, MAX_CODE, 0, NULL },
	{ "args", CONF_STR, 0, 0, MAX_ARG_LEN, MAX_ARGS, NULL },
	{ "stdin", CONF_STR, 0, 0, MAX_TEXT, 0, NULL },
	{ "stdin_file", CONF_STR, 0, 0, 4095, 0, conf_check_relpath },
	{ "env", CONF_STR, 0, 0, MAX_ARG_LEN, MAX_ENV, check_env },
	{ "expect", CONF_STR, 0, 0, MAX_TEXT, 0, NULL },
	{ "expect_file", CONF_STR, 0, 0, 4095, 0, conf_check_relpath },
	{ "compare", CONF_STR, 0, 0, 64, 0, check_compare },
	{ "checker", CONF_STR, 0, 0, 4095, 0, conf_check_relpath },
	{ "points", CONF_DOUBLE, 0, 1e9, 0, 0, NULL },
	{ "timeout", CONF_DOUBLE, 0.001, 1e9, 0, 0, NULL },
	{ "cpu_time", CONF_DOUBLE, 0.001, 1e9, 0, 0, NULL },
	{ "compile_timeout", CONF_DOUBLE, 0.001, 1e9, 0, 0, NULL },
	{ "memory", CONF_LONG, 1, 1e15, 0, 0, NULL },
	{ "processes", CONF_LONG, 1, 1e15, 0, 0, NULL },
	{ "output_limit", CONF_LONG, 1, 1e15, 0, 0, NULL },
	{ "compile_memory", CONF_LONG, 1, 1e15, 0, 0, NULL },
	{ NULL, CONF_STR, 0, 0, 0, 0, NULL },
};

/* A pair of keys that exclude each other: reported at the later one. */
static void exclusive(struct conf_run *r, cfg_t *sec, const char *a, const char *b)
{
	int la = conf_line(r, sec, a, 0), lb = conf_line(r, sec, b, 0);

	if (cfg_size(sec, a) && cfg_size(sec, b))
		conf_error(r, la > lb ? la : lb, la > lb ? a : b,
			   "%s and %s cannot both be given", a, b);
}

/* Each KEY of env once: a second one would silently win in execve's envp. */
static void check_env_names(struct conf_run *r, cfg_t *sec, char *const *env)
{
	size_t i, j, n;

	for (i = 0; env[i] != NULL; i++) {
		n = strcspn(env[i], "=");
		for (j = 0; j < i; j++)
			if (strncmp(env[i], env[j], n + 1) == 0) {
				conf_error(r, conf_line(r, sec, "env", (unsigned)i), "env",
					   "%.*s is set twice", (int)n, env[i]);
				break;
			}
	}
}

static int read_test(struct conf_run *r, cfg_t *sec, const struct cylo_limits *maxima,
		     struct manifest_test *t)
{
	const char *name = cfg_title(sec);
	size_t len = strlen(name);
	int line = conf_line(r, sec, NULL, 0);

	limits_unset(&t->limits);
	t->compare = CMP_TRIM;
	t->points = cfg_size(sec, "points") ? cfg_getfloat(sec, "points") : 1;
	if ((t->name = strdup(name)) == NULL ||
	    conf_str(sec, "stdin", &t->stdin_text) < 0 ||
	    conf_str(sec, "stdin_file", &t->stdin_file) < 0 ||
	    conf_str(sec, "expect", &t->expect) < 0 ||
	    conf_str(sec, "expect_file", &t->expect_file) < 0)
		return -ENOMEM;
	if (len == 0 || len > MAX_TEST_NAME || !utf8_valid(name, len) ||
	    strpbrk(name, "\n\r\t") != NULL)
		conf_error(r, line, "test", "the name must be 1 to %d bytes of UTF-8 "
			   "without tabs or newlines", MAX_TEST_NAME);
	/* Checked while parsing (check_compare); a bad mode failed the parse. */
	if (cfg_size(sec, "compare") &&
	    parse_compare(cfg_getstr(sec, "compare"), &t->compare, &t->float_eps) < 0)
		t->compare = CMP_EXACT;
	exclusive(r, sec, "stdin", "stdin_file");
	exclusive(r, sec, "expect", "expect_file");
	t->line.stdin_file = conf_line(r, sec, "stdin_file", 0);
	t->line.expect_file = conf_line(r, sec, "expect_file", 0);
	conf_get_limits(sec, &t->limits);
	conf_check_limits(r, sec, &t->limits, maxima);
	return 0;
}

static int read_tests(struct conf_run *r, cfg_t *cfg, const struct cylo_limits *maxima,
		      struct manifest *m)
{
	unsigned i, n = cfg_size(cfg, "test");
	int e;

	if (n == 0)
		return 0;
	m->tests = calloc(n, sizeof(*m->tests));
	if (m->tests == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		m->ntests++;
		e = read_test(r, cfg_getnsec(cfg, "test", i), maxima, &m->tests[i]);
		if (e < 0)
			return e;
	}
	return 0;
}

static int manifest_from_cfg(struct conf_run *r, cfg_t *cfg,
			     const struct cylo_limits *maxima, struct manifest *m)
{
	if (conf_str(cfg, "language", &m->language) < 0 ||
	    conf_str(cfg, "main", &m->main) < 0 ||
	    conf_str(cfg, "code", &m->code) < 0 ||
	    conf_str(cfg, "stdin", &m->stdin_text) < 0 ||
	    conf_str(cfg, "stdin_file", &m->stdin_file) < 0 ||
	    conf_str(cfg, "checker", &m->checker) < 0 ||
	    (m->args = conf_strv(cfg, "args")) == NULL ||
	    (m->env = conf_strv(cfg, "env")) == NULL)
		return -ENOMEM;
	/* The sanitiser refused NUL bytes, so the length is the string's. */
	m->code_len = m->code ? strlen(m->code) : 0;
	if (m->code && m->code_len == 0)
		conf_error(r, conf_line(r, cfg, "code", 0), "code", "empty program");
	/* For the job layer's own checks (language known? main there?). */
	m->line.language = conf_line(r, cfg, "language", 0);
	m->line.main = conf_line(r, cfg, "main", 0);
	m->line.code = conf_line(r, cfg, "code", 0);
	m->line.stdin = conf_line(r, cfg, "stdin", 0);
	m->line.stdin_file = conf_line(r, cfg, "stdin_file", 0);
	m->line.checker = conf_line(r, cfg, "checker", 0);
	exclusive(r, cfg, "stdin", "stdin_file");
	check_env_names(r, cfg, m->env);
	limits_unset(&m->limits);
	conf_get_limits(cfg, &m->limits);
	conf_check_limits(r, cfg, &m->limits, maxima);
	return read_tests(r, cfg, maxima, m);
}

int manifest_parse(const char *text, size_t len, const char *fname,
		   const struct cylo_limits *maxima, struct manifest **out,
		   char *err, size_t errlen)
{
	struct manifest *m = calloc(1, sizeof(*m));
	struct conf_run *r = conf_run_new(fname, manifest_keys, 1, MAX_TESTS);
	cfg_t *cfg = NULL;
	int e = m && r ? 0 : -ENOMEM;

	*out = NULL;
	if (errlen > 0)
		err[0] = '\0';
	if (e == 0) {
		config_parse_lock();
		e = conf_parse(r, manifest_opts, text, len, &cfg);
		if (e == 0)
			e = manifest_from_cfg(r, cfg, maxima, m);
		if (cfg != NULL)
			cfg_free(cfg);
		config_parse_unlock();
	}
	if (e == 0 && conf_nerrors(r) > 0)
		e = -EINVAL;
	if (e == 0 && !(m->fname = strdup(fname ? fname : "manifest")))
		e = -ENOMEM;
	if (e == -EINVAL)
		conf_errors(r, err, errlen);
	else if (e < 0)
		snprintf(err, errlen, "%s: out of memory", fname ? fname : "manifest");
	conf_run_free(r);
	if (e < 0)
		manifest_free(m);
	else
		*out = m;
	return e;
}

void manifest_free(struct manifest *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->ntests; i++) {
		free(m->tests[i].name);
		free(m->tests[i].stdin_text);
		free(m->tests[i].stdin_file);
		free(m->tests[i].expect);
		free(m->tests[i].expect_file);
	}
	free(m->tests);
	free(m->language);
	free(m->main);
	free(m->code);
	strv_free(m->args);
	free(m->stdin_text);
	free(m->stdin_file);
	strv_free(m->env);
	free(m->checker);
	free(m->fname);
	free(m);
}
