/*
 * test_config.c - the configuration file (config.c): the shipped
 * etc/cylo.conf, built-in defaults, inheritance, language override and
 * addition, and one table of broken files, each of which must be reported
 * at the right FILE:LINE: key.
 */
#include <check.h>
#include <errno.h>
#include <linux/limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "config.h"
#include "lang.h"
#include "joblimits.h"

/* The tests run from the top of the tree (tests/run-all.sh does so). */
#define SHIPPED_CONF "etc/cylo.conf"

static char tmpdir[64];
static char conf_path[128];

static void setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/cylo-test-config.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(conf_path, sizeof(conf_path), "%s/t.conf", tmpdir);
}

static void teardown(void)
{
	unlink(conf_path);
	rmdir(tmpdir);
}

static void write_conf(const char *text)
{
	FILE *f = fopen(conf_path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

static int load_text(const char *text, struct cylo_config **c, char *err, size_t n)
{
	write_conf(text);
	return config_load(conf_path, true, c, err, n);
}

/* Whether @err holds a line starting "PATH:LINE: KEY: " that contains @msg. */
static bool has_error(const char *err, int line, const char *key, const char *msg)
{
	char head[256];
	const char *p = err;

	if (key)
		snprintf(head, sizeof(head), "%s:%d: %s: ", conf_path, line, key);
	else
		snprintf(head, sizeof(head), "%s:%d: ", conf_path, line);
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char one[1024];

		snprintf(one, sizeof(one), "%.*s", (int)len, p);
		if (strncmp(one, head, strlen(head)) == 0 && strstr(one, msg))
			return true;
		p = nl ? nl + 1 : NULL;
	}
	return false;
}

static bool strv_eq(char *const *a, char *const *b)
{
	size_t i;

	for (i = 0; a && b && a[i] && b[i]; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return (a == NULL || a[i] == NULL) && (b == NULL || b[i] == NULL);
}

static bool str_eq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

static bool limits_eq(const struct cylo_limits *a, const struct cylo_limits *b)
{
	return a->timeout == b->timeout && a->cpu_time == b->cpu_time &&
	       a->memory == b->memory && a->processes == b->processes &&
	       a->output_limit == b->output_limit &&
	       a->compile_timeout == b->compile_timeout &&
	       a->compile_memory == b->compile_memory && a->workspace == b->workspace &&
	       a->tmp_size == b->tmp_size && a->file_size == b->file_size &&
	       a->open_files == b->open_files;
}

static void assert_lang_eq(const struct cylo_lang *a, const struct cylo_lang *b)
{
	ck_assert_str_eq(a->name, b->name);
	ck_assert_msg(strv_eq(a->aliases, b->aliases), "%s: aliases differ", a->name);
	ck_assert_msg(strv_eq(a->extensions, b->extensions), "%s: extensions", a->name);
	ck_assert_msg(str_eq(a->compile, b->compile), "%s: compile differs", a->name);
	ck_assert_msg(str_eq(a->run, b->run), "%s: run differs", a->name);
	ck_assert_msg(strv_eq(a->paths, b->paths), "%s: paths differ", a->name);
	ck_assert_msg(strv_eq(a->env, b->env), "%s: env differs", a->name);
	ck_assert_msg(str_eq(a->default_main, b->default_main), "%s: main", a->name);
	ck_assert_msg(limits_eq(&a->limits, &b->limits), "%s: limits differ", a->name);
	ck_assert_msg(a->address_space == b->address_space, "%s: address_space", a->name);
}

START_TEST(test_shipped_conf_equals_builtins)
{
	struct cylo_config *c = NULL, *b = NULL;
	struct cylo_limits d, m;
	char err[4096];
	size_t i;

	ck_assert_msg(config_load(SHIPPED_CONF, true, &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(config_builtin(&b), 0);
	ck_assert_uint_eq(c->langs.n, 10);
	ck_assert_uint_eq(c->langs.n, b->langs.n);
	for (i = 0; i < c->langs.n; i++)
		assert_lang_eq(&c->langs.v[i], &b->langs.v[i]);
	limits_builtin_defaults(&d);
	limits_builtin_maxima(&m);
	ck_assert(limits_eq(&c->defaults, &d));
	ck_assert(limits_eq(&c->maxima, &m));
	ck_assert_int_eq(c->workers, b->workers);
	ck_assert_int_eq(c->log_level, LOG_INFO);
	ck_assert_ptr_null(c->metrics_file);
	ck_assert_ptr_null(c->status_file);
	ck_assert(c->shutdown_grace == b->shutdown_grace);
	ck_assert_int_eq(c->max_input_size, 1L << 20);
	ck_assert_int_eq(c->sandbox.uid_base, 60000);
	ck_assert(c->sandbox.require_landlock && c->sandbox.require_seccomp);
	ck_assert(!c->sandbox.require_cgroups);
	ck_assert_int_eq(c->sandbox.cgroups, CGROUP_AUTO);
	ck_assert_ptr_null(c->sandbox.cgroup_root);
	ck_assert_ptr_nonnull(c->sandbox.extra_ro_paths);
	ck_assert_ptr_null(c->sandbox.extra_ro_paths[0]);
	ck_assert_uint_eq(c->nwatches, 0);
	ck_assert_str_eq(c->path, SHIPPED_CONF);
	config_free(c);
	config_free(b);
}
END_TEST

START_TEST(test_missing_file)
{
	struct cylo_config *c = (void *)1;
	char err[512];
	char want[256];

	snprintf(want, sizeof(want), "%s/absent.conf", tmpdir);
	ck_assert_int_eq(config_load(want, true, &c, err, sizeof(err)), -ENOENT);
	ck_assert_ptr_null(c);
	strncat(want, ": cannot open: No such file or directory", sizeof(want) - strlen(want) - 1);
	ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(test_missing_default_gives_builtins)
{
	struct cylo_config *c = NULL;
	char err[512], path[256];

	snprintf(path, sizeof(path), "%s/absent.conf", tmpdir);
	ck_assert_int_eq(config_load(path, false, &c, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(err, "");
	ck_assert_ptr_null(c->path);
	ck_assert_uint_eq(c->langs.n, 10);
	ck_assert_uint_eq(c->nwatches, 0);
	ck_assert_int_ge(c->workers, 1);
	config_free(c);
}
END_TEST

START_TEST(test_not_a_regular_file)
{
	struct cylo_config *c = NULL;
	char err[512];

	ck_assert_int_eq(config_load(tmpdir, false, &c, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "not a regular file"));
}
END_TEST

static const struct {
	const char *text;
	int line;
	const char *key;	/* NULL: a syntax problem without a key */
	const char *msg;
} bad_cases[] = {
	{ "workers = 1\ntmeout = 3\n", 2, "tmeout", "unknown key" },
	{ "sandbox {\n  uid_bse = 1\n}\n", 2, "uid_bse", "unknown key" },
	{ "workers = many\n", 1, "workers", "not an integer" },
	{ "workers = -1\n", 1, "workers", "must not be negative" },
	{ "workers = 513\n", 1, "workers", "exceeds the maximum 512" },	/* WORKERS_MAX */
	{ "workers = 0x10\n", 1, "workers", "not an integer" },
	{ "shutdown_grace = nan\n", 1, "shutdown_grace", "not a number" },
	{ "sandbox {\n  require_landlock = maybe\n}\n", 2, "require_landlock", "not a boolean" },
	{ "defaults {\n  memory = 9000\n}\n", 2, "memory", "9000 exceeds the maximum 4096" },
	{ "maxima {\n  memory = 8192\n}\ndefaults {\n  memory = 9000\n}\n", 5, "memory",
	  "9000 exceeds the maximum 8192" },
	{ "maxima {\n\n  timeout = 5\n}\n", 3, "timeout", "the maximum 5 is below the default 10" },
	{ "defaults {\n  open_files = 2\n}\n", 2, "open_files", "2 is below the minimum 16" },
	{ "sandbox {\n\n  cgroups = \"v3\"\n}\n", 3, "cgroups", "must be auto, v2, v1 or none" },
	{ "sandbox {\n  extra_ro_paths = { \"/opt\",\n    \"rel\" }\n}\n", 3, "extra_ro_paths",
	  "absolute" },
	{ "sandbox {\n  extra_ro_paths = { \"/tmp/tools\" }\n}\n", 2, "extra_ro_paths",
	  "mounts its own" },
	{ "sandbox {\n  extra_ro_paths = { \"/opt\", \"/dev\" }\n}\n", 2, "extra_ro_paths",
	  "mounts its own" },
	{ "sandbox {\n  extra_ro_paths = { \"//tmp/x\" }\n}\n", 2, "extra_ro_paths",
	  "spelled without" },
	{ "sandbox {\n  extra_ro_paths = { \"/usr/../tmp/x\" }\n}\n", 2, "extra_ro_paths",
	  "spelled without" },
	{ "sandbox {\n  extra_ro_paths = { \"/./dev/x\" }\n}\n", 2, "extra_ro_paths",
	  "spelled without" },
	{ "sandbox {\n  extra_ro_paths = { \"/\" }\n}\n", 2, "extra_ro_paths",
	  "root or /etc" },
	{ "sandbox {\n  extra_ro_paths = { \"/etc/hosts\" }\n}\n", 2, "extra_ro_paths",
	  "root or /etc" },
	{ "sandbox {\n  extra_ro_paths = { \"/etc/\" }\n}\n", 2, "extra_ro_paths",
	  "trailing" },
	{ "language \"new\" {\n  run = \"/bin/x {main}\"\n  paths = { \"/usr\", \"/tmp/x\" }\n}\n",
	  3, "paths", "mounts its own" },
	{ "log_level = \"loud\"\n", 1, "log_level", "error, warning, info or debug" },
	{ "metrics_file = \"m.prom\"\n", 1, "metrics_file", "absolute" },
	{ "max_input_size = \"12Q\"\n", 1, "max_input_size", "not a size" },
	{ "workers = 2\nlog_level = \"info\nmetrics_file = \"/x\"\n", 2, NULL,
	  "unterminated string" },
	{ "workers = 2\n\nlog_level = \"info\n\n\n", 3, NULL, "unterminated string" },
	{ "workers = 2\nlog_level = 'info\n", 2, NULL, "unterminated string" },
	{ "/* never\n closed\n", 1, NULL, "unterminated comment" },
	{ "/* a\n b */ /* c */\n// d\n# e\nworkers = x\n", 5, "workers", "not an integer" },
	{ "watch \"rel/dir\" {\n}\n", 1, "watch", "must be absolute" },
	{ "watch \"/srv/a\" {\n}\nwatch \"/srv/a/\" {\n}\n", 3, "watch", "already watched" },
	{ "watch \"/srv/a\" {\n}\nwatch \"/srv/a\" {\n}\n", 3, "watch",
	  "\"/srv/a\" given twice (first on line 1)" },
	{ "workers = {2}\n", 1, "workers", "unexpected '{'" },
	{ "watch \"/srv//a\" {\n}\n", 1, "watch", "must be spelled without" },
	{ "language \"x\" {\n  run = \"/bin/true\"\n  out_of_memory = \"\"\n}\n", 3,
	  "out_of_memory", "must not be empty" },
	{ "language \"x\" {\n  run = \"/bin/true\"\n  uncaught = \"\"\n}\n", 3,
	  "uncaught", "must not be empty" },
	{ "watch \"/srv/./a\" {\n}\n", 1, "watch", "must be spelled without" },
	{ "watch \"/srv/b/../a\" {\n}\n", 1, "watch", "must be spelled without" },
	{ "watch \"/srv/a\" {\n  defaults {\n    memory = 5000\n  }\n}\n", 3, "memory",
	  "5000 exceeds the maximum 4096" },
	{ "watch \"/srv/a\" {\n  maxima {\n    memory = 128\n  }\n}\n", 3, "memory",
	  "the maximum 128 is below the default 256" },
	{ "watch \"/srv/a\" {\n  languages = { \"python\",\n    \"cobol\" }\n}\n", 3,
	  "languages", "unknown language 'cobol'" },
	{ "watch \"/srv/a\" {\n  languages = {}\n}\n", 1, "languages",
	  "an empty list would accept no job" },
	{ "watch \"/srv/a\" {\n  result_mode = 0999\n}\n", 2, "result_mode", "octal" },
	{ "watch \"/srv/a\" {\n  result_mode = 1777\n}\n", 2, "result_mode", "between 0 and 0777" },
	{ "watch \"/srv/a\" {\n  tmpfs = \"10K\"\n}\n", 2, "tmpfs", "below the minimum" },
	{ "watch \"/srv/a\" {\n  poll = sometimes\n}\n", 2, "poll", "not a boolean" },
	{ "language \"new\" {\n  extensions = { \"nw\" }\n}\n", 1, "run", "missing" },
	{ "language \"new\" {\n  run = \"/bin/x {nope}\"\n}\n", 2, "run", "placeholder" },
	{ "language \"new\" {\n  run = \"/bin/x 'open\"\n}\n", 2, "run", "unbalanced quote" },
	{ "language \"new\" {\n  run = \"x {main}\"\n}\n", 2, "run", "absolute path or {exe}" },
	{ "language \"new\" {\n  run = \"/bin/x\"\n  main = \"../m.x\"\n}\n", 3, "main", ".." },
	{ "language \"new\" {\n  run = \"/bin/x\"\n  env = { \"NOEQUALS\" }\n}\n", 3, "env",
	  "KEY=VALUE" },
	{ "language \"new\" {\n  run = \"/bin/x\"\n  extensions = { \".x\" }\n}\n", 3,
	  "extensions", "leading dot" },
	{ "language \"new\" {\n  run = \"/bin/x\"\n  memory = 99999\n}\n", 3, "memory",
	  "99999 exceeds the maximum 4096" },
	{ "language \"new\" {\n  run = \"/bin/x\"\n  address_space = -1\n}\n", 3,
	  "address_space", "must not be negative" },
	{ "language \"pypy\" {\n  run = \"/usr/bin/pypy {main}\"\n  extensions = { \"py\" }\n}\n",
	  1, "extensions", "'py' already belongs to language \"python\"" },
	{ "language \"snake\" {\n  run = \"/usr/bin/snake {main}\"\n  aliases = { \"PY\" }\n}\n",
	  1, "language", "'PY' already means language \"python\"" },
	{ "language \"bad name\" {\n  run = \"/bin/x\"\n}\n", 1, "language", "the name must be" },
	{ "workers = 1\nworkers = 2\n", 2, "workers", "given twice (first on line 1)" },
	{ "sandbox {\n}\nsandbox {\n}\n", 3, "sandbox", "given twice (first on line 1)" },
	{ "log_level = ${LEVEL}\n", 1, NULL, "environment variables are never substituted" },
	{ "include(\"/etc/passwd\")\n", 1, "include", "unknown key" },
	{ "metrics_file = \"/x\\0y\"\n", 1, NULL, "NUL byte" },
	{ "metrics_file = \"/x\\x00y\"\n", 1, NULL, "NUL byte" },
	{ "sandbox {\n  uid_base = 1\n", 1, NULL, "'{' opened on this line is never closed" },
	{ "workers = 1\nsandbox {\n  extra_ro_paths = {\n}\n", 2, NULL, "never closed" },
	{ "workers =\n", 2, NULL, "unexpected end of text" },
	{ "workers = 1\n}\n", 2, NULL, "unexpected '}'" },
	{ "sandbox = 3\n", 1, "sandbox", "expected '{'" },
	{ "workers 3\n", 1, "workers", "expected '='" },
	{ "workers += 3\n", 1, "workers", "'+=' only works on lists" },
	{ "sandbox|uid_base = 5\n", 1, "uid_base", "section paths" },
	{ "watch \"/a\" {\n}\n\"watch=/a|maxima\" {\n  memory = 1\n}\n", 3, "maxima",
	  "section paths" },
};

START_TEST(test_bad_config)
{
	struct cylo_config *c = (void *)1;
	char err[8192];
	int rc = load_text(bad_cases[_i].text, &c, err, sizeof(err));

	ck_assert_msg(rc == -EINVAL, "case %d: rc %d", _i, rc);
	ck_assert_ptr_null(c);
	ck_assert_msg(has_error(err, bad_cases[_i].line, bad_cases[_i].key, bad_cases[_i].msg),
		      "case %d: want line %d key %s \"%s\", got:\n%s", _i, bad_cases[_i].line,
		      bad_cases[_i].key ? bad_cases[_i].key : "-", bad_cases[_i].msg, err);
}
END_TEST

/* A bind path too long to sit below the box's root, which is built under
 * /tmp: refused when read, not at every job. */
START_TEST(test_bind_path_room_for_the_root)
{
	char path[PATH_MAX], text[PATH_MAX + 64], err[8192];

	/* "/tmp" and the path, with its NUL, must fit PATH_MAX: 4091 bytes
	 * do, 4092 do not. */
	for (size_t len = PATH_MAX - 5; len <= PATH_MAX - 4; len++) {
		struct cylo_config *c = (void *)1;
		int r;

		memset(path, 'a', len);
		path[0] = '/';
		path[len] = '\0';
		snprintf(text, sizeof(text), "sandbox {\n  extra_ro_paths = { \"%s\" }\n}\n",
			 path);
		r = load_text(text, &c, err, sizeof(err));
		if (len == PATH_MAX - 5) {
			ck_assert_msg(r == 0, "%zu bytes refused: %s", len, err);
			config_free(c);
			continue;
		}
		ck_assert_int_eq(r, -EINVAL);
		ck_assert_ptr_null(c);
		ck_assert_msg(has_error(err, 2, "extra_ro_paths", "too long"), "%s", err);
	}
}
END_TEST

/* Problems in values do not stop the parse: every one is reported, in line order. */
START_TEST(test_all_errors_reported)
{
	struct cylo_config *c = NULL;
	char err[8192];
	const char *text =
		"workers = -3\n"
		"sandbox {\n"
		"  cgroups = \"v9\"\n"
		"}\n"
		"watch \"/srv/a\" {\n"
		"  languages = { \"cobol\" }\n"
		"}\n"
		"log_level = \"loud\"\n";

	ck_assert_int_eq(load_text(text, &c, err, sizeof(err)), -EINVAL);
	ck_assert_msg(has_error(err, 1, "workers", "negative"), "%s", err);
	ck_assert_msg(has_error(err, 3, "cgroups", "v2"), "%s", err);
	ck_assert_msg(has_error(err, 6, "languages", "cobol"), "%s", err);
	ck_assert_msg(has_error(err, 8, "log_level", "debug"), "%s", err);
	ck_assert_ptr_nonnull(strstr(err, ":1: workers"));
	ck_assert(strstr(err, ":1: workers") < strstr(err, ":3: cgroups"));
	ck_assert(strstr(err, ":6: languages") < strstr(err, ":8: log_level"));
}
END_TEST

START_TEST(test_values_and_inheritance)
{
	struct cylo_config *c = NULL;
	struct watch_conf *w;
	struct cylo_limits d;
	char err[4096];
	const char *text =
		"workers = 3\n"
		"log_level = debug\n"
		"metrics_file = \"/var/lib/cylo/m.prom\"\n"
		"shutdown_grace = 2.5\n"
		"max_input_size = \"2M\"\n"
		"sandbox {\n"
		"  uid_base = 70000\n"
		"  require_cgroups = yes\n"
		"  cgroups = v2\n"
		"  cgroup_root = \"/sys/fs/cgroup/cylo\"\n"
		"  extra_ro_paths = { \"/opt/data\", \"/tmpx\", \"/workspace\" }\n"
		"}\n"
		"defaults { memory = 512  timeout = 4.5 }\n"
		"maxima { memory = 2048 }\n"
		"watch \"/srv/drop/\" {\n"
		"  tmpfs = \"256M\"\n"
		"  poll = yes\n"
		"  settle = 0.2\n"
		"  languages = { \"PY\", \"c++\" }\n"
		"  result_mode = \"0640\"\n"
		"  defaults { timeout = 2 }\n"
		"  maxima { timeout = 20 }\n"
		"}\n"
		"watch \"/srv/other\" {\n"
		"  max_input_size = \"64K\"\n"
		"  raw_output = true\n"
		"  bare_sources = false\n"
		"}\n";

	ck_assert_msg(load_text(text, &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(c->workers, 3);
	ck_assert_int_eq(c->log_level, LOG_DEBUG);
	ck_assert_str_eq(c->metrics_file, "/var/lib/cylo/m.prom");
	ck_assert(c->shutdown_grace == 2.5);
	ck_assert_int_eq(c->max_input_size, 2L << 20);
	ck_assert_int_eq(c->sandbox.uid_base, 70000);
	ck_assert(c->sandbox.require_cgroups);
	ck_assert_int_eq(c->sandbox.cgroups, CGROUP_V2);
	ck_assert_str_eq(c->sandbox.cgroup_root, "/sys/fs/cgroup/cylo");
	ck_assert_str_eq(c->sandbox.extra_ro_paths[0], "/opt/data");
	ck_assert_str_eq(c->sandbox.extra_ro_paths[1], "/tmpx");	/* not in /tmp */
	ck_assert_str_eq(c->sandbox.extra_ro_paths[2], "/workspace");
	ck_assert_ptr_null(c->sandbox.extra_ro_paths[3]);

	limits_builtin_defaults(&d);
	d.memory = 512;
	d.timeout = 4.5;
	ck_assert(limits_eq(&c->defaults, &d));
	ck_assert_int_eq(c->maxima.memory, 2048);
	ck_assert(c->maxima.timeout == 600);

	ck_assert_uint_eq(c->nwatches, 2);
	w = &c->watches[0];
	ck_assert_str_eq(w->path, "/srv/drop");
	ck_assert_str_eq(w->tmpfs, "256M");
	ck_assert_int_eq(w->tmpfs_bytes, 256L << 20);
	ck_assert_int_eq(w->poll, 1);
	ck_assert(w->settle == 0.2);
	ck_assert(w->rescan_interval == 30 && w->claim_timeout == 60);
	ck_assert_int_eq(w->max_attempts, 3);
	ck_assert(w->bare_sources && w->archives && !w->raw_output);
	ck_assert_str_eq(w->languages[0], "python");
	ck_assert_str_eq(w->languages[1], "cpp");
	ck_assert_ptr_null(w->languages[2]);
	ck_assert_uint_eq(w->result_mode, 0640);
	ck_assert_int_eq(w->max_input_size, 2L << 20);
	/* Global defaults, then the watch's own. */
	ck_assert(w->defaults.timeout == 2);
	ck_assert_int_eq(w->defaults.memory, 512);
	ck_assert(w->maxima.timeout == 20);
	ck_assert_int_eq(w->maxima.memory, 2048);
	ck_assert_int_eq(w->defaults.processes, d.processes);

	w = &c->watches[1];
	ck_assert_str_eq(w->path, "/srv/other");
	ck_assert_ptr_null(w->tmpfs);
	ck_assert_int_eq(w->poll, -1);
	ck_assert_ptr_null(w->languages);
	ck_assert(w->raw_output && !w->bare_sources && w->archives);
	ck_assert_uint_eq(w->result_mode, 0644);
	ck_assert_int_eq(w->max_input_size, 64L << 10);
	ck_assert(limits_eq(&w->defaults, &c->defaults));
	ck_assert(limits_eq(&w->maxima, &c->maxima));
	config_free(c);
}
END_TEST

START_TEST(test_language_override_and_addition)
{
	struct cylo_config *c = NULL;
	const struct cylo_lang *l;
	char err[4096];
	const char *text =
		"language \"python\" {\n"
		"  extensions = { \"py\", \"pyw\" }\n"
		"  run = \"/usr/bin/python3 -I {main}\"\n"
		"  paths = { \"/usr\" }\n"
		"}\n"
		"language \"lua\" {\n"
		"  aliases = { \"lua5\" }\n"
		"  extensions = { \"lua\" }\n"
		"  run = \"/usr/bin/lua {main} {args}\"\n"
		"  env = { \"LUA_PATH=/work/?.lua\" }\n"
		"  timeout = 3\n"
		"  processes = 8\n"
		"  address_space = 512\n"
		"}\n";

	ck_assert_msg(load_text(text, &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(c->langs.n, 11);
	/* Replaced in place and whole: the old alias is gone. */
	ck_assert_str_eq(c->langs.v[0].name, "python");
	ck_assert_str_eq(c->langs.v[0].run, "/usr/bin/python3 -I {main}");
	ck_assert_ptr_null(c->langs.v[0].aliases[0]);
	ck_assert_ptr_null(lang_find(&c->langs, "py"));
	ck_assert_ptr_eq(lang_by_filename(&c->langs, "gui.pyw"), &c->langs.v[0]);
	ck_assert_str_eq(c->langs.v[0].default_main, "main.py");
	ck_assert_int_eq(c->langs.v[0].limits.processes, -1);

	l = lang_find(&c->langs, "LUA5");
	ck_assert_ptr_eq(l, &c->langs.v[10]);
	ck_assert_str_eq(l->name, "lua");
	ck_assert_ptr_eq(lang_by_filename(&c->langs, "x.lua"), l);
	ck_assert_str_eq(l->default_main, "main.lua");
	ck_assert_str_eq(l->env[0], "LUA_PATH=/work/?.lua");
	ck_assert_ptr_null(l->compile);
	ck_assert(l->limits.timeout == 3);
	ck_assert_int_eq(l->limits.processes, 8);
	ck_assert_int_eq(l->limits.memory, -1);
	ck_assert_int_eq(l->address_space, 512);
	/* Replaced whole: none unless the section gives it. */
	ck_assert_int_eq(c->langs.v[0].address_space, 0);
	/* The other built-ins are untouched. */
	ck_assert_ptr_nonnull(lang_find(&c->langs, "golang"));
	ck_assert_int_eq(lang_find(&c->langs, "java")->address_space, 4096);
	config_free(c);
}
END_TEST

/* libconfuse replaces ${NAME} in double quotes with the environment: not here. */
START_TEST(test_no_environment_substitution)
{
	struct cylo_config *c = NULL;
	char err[4096];
	const char *text =
		"metrics_file = \"/m/${HOME}/x\"\n"
		"status_file = '/s/${HOME}'\n"
		"watch \"/w/${CYLO_TEST_VAR:-dflt}\" {\n"
		"}\n";

	ck_assert_int_eq(setenv("HOME", "/home/secret", 1), 0);
	ck_assert_int_eq(setenv("CYLO_TEST_VAR", "leak", 1), 0);
	ck_assert_msg(load_text(text, &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(c->metrics_file, "/m/${HOME}/x");
	ck_assert_str_eq(c->status_file, "/s/${HOME}");
	ck_assert_str_eq(c->watches[0].path, "/w/${CYLO_TEST_VAR:-dflt}");
	config_free(c);
}
END_TEST

/* Escapes still work, and an escaped '$' stays one '$'. */
START_TEST(test_string_escapes)
{
	struct cylo_config *c = NULL;
	char err[4096];
	const char *text =
		"metrics_file = \"/a\\\"b\\\\c\\$d\\x41\"\n"
		"status_file = \"/multi\\\n"
		"line\"\n";

	ck_assert_msg(load_text(text, &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(c->metrics_file, "/a\"b\\c$dA");
	ck_assert_str_eq(c->status_file, "/multiline");
	config_free(c);
}
END_TEST

START_TEST(test_add_watch)
{
	struct cylo_config *c = NULL;
	char cwd[4096], want[4200];

	ck_assert_int_eq(config_builtin(&c), 0);
	ck_assert_int_eq(config_add_watch(c, "/srv/drop/"), 0);
	ck_assert_int_eq(config_add_watch(c, "/srv/drop"), -EEXIST);
	ck_assert_int_eq(config_add_watch(c, ""), -EINVAL);
	ck_assert_int_eq(config_add_watch(c, "rel"), 0);
	ck_assert_uint_eq(c->nwatches, 2);
	ck_assert_str_eq(c->watches[0].path, "/srv/drop");
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	snprintf(want, sizeof(want), "%s/rel", cwd);
	ck_assert_str_eq(c->watches[1].path, want);
	ck_assert_int_eq(c->watches[0].poll, -1);
	ck_assert(c->watches[0].settle == 1 && c->watches[0].rescan_interval == 30);
	ck_assert(c->watches[0].claim_timeout == 60);
	ck_assert_int_eq(c->watches[0].max_attempts, 3);
	ck_assert(c->watches[0].bare_sources && c->watches[0].archives);
	ck_assert(!c->watches[0].raw_output);
	ck_assert_ptr_null(c->watches[0].languages);
	ck_assert_ptr_null(c->watches[0].tmpfs);
	ck_assert_uint_eq(c->watches[0].result_mode, 0644);
	ck_assert_int_eq(c->watches[0].max_input_size, c->max_input_size);
	ck_assert(limits_eq(&c->watches[0].defaults, &c->defaults));
	ck_assert(limits_eq(&c->watches[0].maxima, &c->maxima));
	config_free(c);
}
END_TEST

/* libconfuse's lexer is global: parses from several threads must not mix. */
static void *load_many(void *arg)
{
	const char *path = arg;
	char err[1024];
	long i, bad = 0;

	for (i = 0; i < 40; i++) {
		struct cylo_config *c = NULL;

		if (config_load(path, true, &c, err, sizeof(err)) != 0 ||
		    c->langs.n != 10 || c->nwatches != 1 || c->workers != 7)
			bad++;
		config_free(c);
	}
	return (void *)bad;
}

START_TEST(test_parallel_loads)
{
	pthread_t t[4];
	void *bad;
	int i;

	write_conf("workers = 7\nwatch \"/srv/x\" {\n  settle = 0.5\n}\n"
		   "language \"python\" {\n  run = \"/usr/bin/python3 {main}\"\n}\n");
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, load_many, conf_path), 0);
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(pthread_join(t[i], &bad), 0);
		ck_assert_ptr_null(bad);
	}
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_shipped_conf_equals_builtins);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_missing_default_gives_builtins);
	tcase_add_test(tc, test_not_a_regular_file);
	tcase_add_loop_test(tc, test_bad_config, 0, sizeof(bad_cases) / sizeof(bad_cases[0]));
	tcase_add_test(tc, test_bind_path_room_for_the_root);
	tcase_add_test(tc, test_all_errors_reported);
	tcase_add_test(tc, test_values_and_inheritance);
	tcase_add_test(tc, test_language_override_and_addition);
	tcase_add_test(tc, test_no_environment_substitution);
	tcase_add_test(tc, test_string_escapes);
	tcase_add_test(tc, test_add_watch);
	tcase_add_test(tc, test_parallel_loads);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(config_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
