/*
 * test_lang.c - the language table (lang.c): the ten built-ins of SPEC §1
 * on this machine, lookups by name, alias, extension and file name,
 * template expansion, and the equality of the built-ins with the shipped
 * etc/cylo.conf.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lang.h"


static struct lang_table table;

static void setup(void)
{
	ck_assert_int_eq(lang_builtin(&table), 0);
}

static void teardown(void)
{
	lang_table_free(&table);
}

/* SPEC §1: every name accepted everywhere. */
static const struct {
	const char *query;
	const char *name;	/* NULL: no such language */
} names[] = {
	{ "python", "python" }, { "py", "python" }, { "PY", "python" },
	{ "javascript", "javascript" }, { "js", "javascript" }, { "node", "javascript" },
	{ "Node", "javascript" }, { "go", "go" }, { "golang", "go" }, { "rust", "rust" },
	{ "rs", "rust" }, { "c", "c" }, { "C", "c" }, { "cpp", "cpp" }, { "c++", "cpp" },
	{ "java", "java" }, { "ruby", "ruby" }, { "rb", "ruby" }, { "php", "php" },
	{ "bash", "bash" }, { "sh", "bash" }, { "SH", "bash" },
	{ "cobol", NULL }, { "", NULL }, { "pyth", NULL }, { "python3", NULL },
};

START_TEST(test_find)
{
	const struct cylo_lang *l = lang_find(&table, names[_i].query);

	if (names[_i].name == NULL)
		ck_assert_msg(l == NULL, "\"%s\" found %s", names[_i].query, l ? l->name : "");
	else
		ck_assert_msg(l && strcmp(l->name, names[_i].name) == 0, "\"%s\" -> %s",
			      names[_i].query, l ? l->name : "NULL");
}
END_TEST

/* SPEC §2: the bare-source extensions. */
static const struct {
	const char *ext;
	const char *name;
} exts[] = {
	{ "py", "python" }, { "js", "javascript" }, { "mjs", "javascript" }, { "go", "go" },
	{ "rs", "rust" }, { "c", "c" }, { "cpp", "cpp" }, { "cc", "cpp" }, { "cxx", "cpp" },
	{ "java", "java" }, { "rb", "ruby" }, { "php", "php" }, { "sh", "bash" },
	{ "PY", NULL }, { ".py", NULL }, { "txt", NULL }, { "", NULL }, { "gz", NULL },
};

START_TEST(test_by_ext)
{
	const struct cylo_lang *l = lang_by_ext(&table, exts[_i].ext);

	if (exts[_i].name == NULL)
		ck_assert_ptr_null(l);
	else
		ck_assert_msg(l && strcmp(l->name, exts[_i].name) == 0, "%s -> %s",
			      exts[_i].ext, l ? l->name : "NULL");
}
END_TEST

static const struct {
	const char *file;
	const char *name;
} files[] = {
	{ "a.cpp", "cpp" }, { "a.cc", "cpp" }, { "hello.py", "python" },
	{ "Main.java", "java" }, { "x.mjs", "javascript" }, { "dir/sub/a.rb", "ruby" },
	{ "a.b.c", "c" }, { "run.sh", "bash" }, { "x.tar.gz", NULL }, { "x.tgz", NULL },
	{ ".py", NULL }, { "py", NULL }, { "a.", NULL }, { "a.PY", NULL }, { "a.py~", NULL },
	{ "a.py.stdin", NULL }, { "a.py.result.json", NULL }, { "dir.py/x", NULL },
};

START_TEST(test_by_filename)
{
	const struct cylo_lang *l = lang_by_filename(&table, files[_i].file);

	if (files[_i].name == NULL)
		ck_assert_msg(l == NULL, "%s -> %s", files[_i].file, l ? l->name : "");
	else
		ck_assert_msg(l && strcmp(l->name, files[_i].name) == 0, "%s -> %s",
			      files[_i].file, l ? l->name : "NULL");
}
END_TEST

static struct cylo_lang fake(const char *name, const char *ext, const char *run)
{
	struct cylo_lang l = { 0 };

	l.name = strdup(name);
	l.aliases = calloc(1, sizeof(char *));
	l.extensions = calloc(2, sizeof(char *));
	l.paths = calloc(1, sizeof(char *));
	l.env = calloc(1, sizeof(char *));
	ck_assert(l.name && l.aliases && l.extensions && l.paths && l.env);
	l.extensions[0] = strdup(ext);
	l.run = strdup(run);
	l.default_main = strdup("main");
	limits_unset(&l.limits);
	return l;
}

/* The longest extension wins; a replaced language keeps its place. */
START_TEST(test_longest_extension_and_put)
{
	struct cylo_lang gz = fake("gzip", "gz", "/bin/zcat {main}");
	struct cylo_lang tgz = fake("tarball", "tar.gz", "/bin/tar xf {main}");
	struct cylo_lang py = fake("PYTHON", "pyx", "/usr/bin/python3 {main}");
	size_t at = 99;

	ck_assert_int_eq(lang_table_put(&table, &gz, &at), 0);
	ck_assert_uint_eq(at, 10);
	ck_assert_int_eq(lang_table_put(&table, &tgz, NULL), 0);
	ck_assert_uint_eq(table.n, 12);
	ck_assert_str_eq(lang_by_filename(&table, "x.tar.gz")->name, "tarball");
	ck_assert_str_eq(lang_by_filename(&table, "x.gz")->name, "gzip");
	ck_assert_ptr_null(gz.name);
	/* Same name, any case: replaced in place, whole. */
	ck_assert_int_eq(lang_table_put(&table, &py, &at), 0);
	ck_assert_uint_eq(at, 0);
	ck_assert_uint_eq(table.n, 12);
	ck_assert_ptr_null(lang_by_ext(&table, "py"));
	ck_assert_ptr_eq(lang_by_ext(&table, "pyx"), &table.v[0]);
	ck_assert_ptr_null(lang_find(&table, "py"));
}
END_TEST

static const struct lang_vars vars = {
	.main = "Main.java", .dir = "/work", .exe = "/work/.cylo-exe", .base = "Main",
	.memory = "256", .heap = "192", .maindir = "./src",
};

static char *const two_args[] = { "1", "two words", NULL };

static const struct {
	const char *tmpl;
	char *const *extra;
	int rc;
	const char *want;	/* argv joined with '|' */
} expand_cases[] = {
	{ "/usr/bin/python3 {main}", NULL, 0, "/usr/bin/python3|Main.java" },
	{ "  /bin/x\t-o {exe}   {main}  ", NULL, 0, "/bin/x|-o|/work/.cylo-exe|Main.java" },
	{ "/bin/x -cp . {base}", NULL, 0, "/bin/x|-cp|.|Main" },
	{ "/bin/x --in={dir}/{main}", NULL, 0, "/bin/x|--in=/work/Main.java" },
	{ "'/opt/my prog' \"a b\" c'd e'f", NULL, 0, "/opt/my prog|a b|cd ef" },
	{ "/bin/x \"{dir}/{base}.class\" '{main}'", NULL, 0,
	  "/bin/x|/work/Main.class|Main.java" },
	{ "/bin/x \"\" ''", NULL, 0, "/bin/x||" },
	{ "/bin/x \"it's\" 'say \"hi\"'", NULL, 0, "/bin/x|it's|say \"hi\"" },
	{ "/bin/x {main}", two_args, 0, "/bin/x|Main.java|1|two words" },
	{ "/bin/x {args} --end", two_args, 0, "/bin/x|1|two words|--end" },
	{ "/bin/x {args}", NULL, 0, "/bin/x" },
	{ "{exe}", two_args, 0, "/work/.cylo-exe|1|two words" },
	{ "/bin/x {nope}", NULL, -EINVAL, NULL },
	{ "/bin/x {Main}", NULL, -EINVAL, NULL },
	{ "/bin/x {main", NULL, -EINVAL, NULL },
	{ "/bin/x 'open", NULL, -EINVAL, NULL },
	{ "/bin/x \"open'", NULL, -EINVAL, NULL },
	{ "", NULL, -EINVAL, NULL },
	{ " \t ", NULL, -EINVAL, NULL },
	{ "{args}", two_args, -EINVAL, NULL },
	{ "/bin/x a{args}", two_args, -EINVAL, NULL },
	{ "/bin/x \"{args}\"", two_args, -EINVAL, NULL },
	{ "/bin/x {args} {args}", two_args, -EINVAL, NULL },
	/* {sources} without a list is {main} (vars has none: a checker's) */
	{ "/bin/x -o {exe} {sources} -lm", NULL, 0, "/bin/x|-o|/work/.cylo-exe|Main.java|-lm" },
	{ "/bin/x a{sources}", NULL, -EINVAL, NULL },
	{ "/bin/go build -o {exe} {maindir}", NULL, 0, "/bin/go|build|-o|/work/.cylo-exe|./src" },
	{ "{sources}", NULL, -EINVAL, NULL },
};

START_TEST(test_expand)
{
	char **argv = (char **)1, joined[512] = "";
	size_t i;
	int rc = lang_expand(expand_cases[_i].tmpl, &vars, expand_cases[_i].extra, &argv);

	ck_assert_msg(rc == expand_cases[_i].rc, "\"%s\": rc %d, want %d",
		      expand_cases[_i].tmpl, rc, expand_cases[_i].rc);
	if (rc < 0) {
		ck_assert_ptr_null(argv);
		return;
	}
	for (i = 0; argv[i]; i++)
		snprintf(joined + strlen(joined), sizeof(joined) - strlen(joined), "%s%s",
			 i ? "|" : "", argv[i]);
	ck_assert_str_eq(joined, expand_cases[_i].want);
	lang_argv_free(argv);
}
END_TEST

/* {sources} with a list: every word of it, where it stands. */
START_TEST(test_expand_sources)
{
	static char *const srcs[] = { "main.c", "./-odd.c", "util.c", NULL };
	struct lang_vars v = vars;
	char **argv;

	v.sources = srcs;
	ck_assert_int_eq(lang_expand("/bin/cc -o {exe} {sources} -lm", &v, two_args, &argv), 0);
	ck_assert_str_eq(argv[3], "main.c");
	ck_assert_str_eq(argv[4], "./-odd.c");
	ck_assert_str_eq(argv[5], "util.c");
	ck_assert_str_eq(argv[6], "-lm");
	ck_assert_str_eq(argv[7], "1");
	ck_assert_ptr_null(argv[9]);
	lang_argv_free(argv);
}
END_TEST

/* A placeholder whose variable is not set (no {exe} for an interpreter). */
START_TEST(test_expand_unset_var)
{
	struct lang_vars v = { .main = "a.py", .dir = "/work" };
	char **argv;

	ck_assert_int_eq(lang_expand("/bin/x {exe}", &v, NULL, &argv), -EINVAL);
	ck_assert_int_eq(lang_expand("/bin/x {main}", &v, NULL, &argv), 0);
	lang_argv_free(argv);
}
END_TEST

/*
 * {memory} and {heap} (three quarters) size a runtime's heap for the job,
 * in templates and in a language's env; other braces in env stay.  The
 * JVM, V8 and Go sized theirs for the host, which the box hides, and
 * outgrew the job's limit.
 */
START_TEST(test_memory_vars)
{
	char memory[LANG_NUM_LEN], heap[LANG_NUM_LEN], *kv, **argv;
	struct lang_vars v = vars;

	lang_vars_memory(&v, 256, memory, heap);
	ck_assert_str_eq(v.memory, "256");
	ck_assert_str_eq(v.heap, "192");
	ck_assert_int_eq(lang_expand("/bin/j -XX:MaxRAM={memory}m --h={heap}", &v, NULL, &argv), 0);
	ck_assert_str_eq(argv[1], "-XX:MaxRAM=256m");
	ck_assert_str_eq(argv[2], "--h=192");
	lang_argv_free(argv);
	kv = lang_env_expand("GOMEMLIMIT={heap}MiB", &v);
	ck_assert_str_eq(kv, "GOMEMLIMIT=192MiB");
	free(kv);
	kv = lang_env_expand("X={other} {memory", &v);
	ck_assert_str_eq(kv, "X={other} {memory");
	free(kv);
	lang_vars_memory(&v, 1, memory, heap);	/* a floor for tiny limits */
	ck_assert_str_eq(v.memory, "16");
	ck_assert_str_eq(v.heap, "12");
}
END_TEST

/* Every built-in template expands, with its program first. */
START_TEST(test_builtin_templates)
{
	const struct cylo_lang *l = &table.v[_i];
	char **argv;

	ck_assert_int_eq(lang_expand(l->run, &vars, NULL, &argv), 0);
	ck_assert_msg(argv[0][0] == '/', "%s: run program %s", l->name, argv[0]);
	lang_argv_free(argv);
	if (l->compile) {
		ck_assert_int_eq(lang_expand(l->compile, &vars, NULL, &argv), 0);
		ck_assert_msg(argv[0][0] == '/', "%s: compile program %s", l->name, argv[0]);
		lang_argv_free(argv);
	}
	/* The default entry file is a source of the language itself. */
	ck_assert_ptr_eq(lang_by_filename(&table, l->default_main), l);
}
END_TEST

/* The runtimes are installed on this machine (Debian 12 paths). */
START_TEST(test_builtin_installed)
{
	ck_assert_msg(lang_installed(&table.v[_i]), "%s is not installed", table.v[_i].name);
}
END_TEST

/* Every path a built-in binds exists here. */
START_TEST(test_builtin_paths_exist)
{
	const struct cylo_lang *l = &table.v[_i];
	struct stat st;
	char **p;

	for (p = l->paths; *p; p++)
		ck_assert_msg(lstat(*p, &st) == 0, "%s: %s is missing", l->name, *p);
}
END_TEST

START_TEST(test_installed_false)
{
	struct cylo_lang l = fake("ghost", "gh", "/nonexistent/ghost {main}");

	ck_assert(!lang_installed(&l));
	free(l.run);
	l.run = strdup("/etc/passwd {main}");	/* exists, not executable */
	ck_assert(!lang_installed(&l));
	free(l.run);
	l.run = strdup("{exe}");
	ck_assert(lang_installed(&l));
	l.compile = strdup("/nonexistent/cc {main}");
	ck_assert(!lang_installed(&l));
	free(l.compile);
	l.compile = strdup("/usr/bin/gcc {main}");
	ck_assert(lang_installed(&l));
	free(l.run);
	l.run = strdup("relative {main}");
	ck_assert(!lang_installed(&l));
	lang_clear(&l);
}
END_TEST

static Suite *lang_suite(void)
{
	Suite *s = suite_create("lang");
	TCase *tc = tcase_create("lang");
	int n = 10;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_find, 0, sizeof(names) / sizeof(names[0]));
	tcase_add_loop_test(tc, test_by_ext, 0, sizeof(exts) / sizeof(exts[0]));
	tcase_add_loop_test(tc, test_by_filename, 0, sizeof(files) / sizeof(files[0]));
	tcase_add_test(tc, test_longest_extension_and_put);
	tcase_add_loop_test(tc, test_expand, 0, sizeof(expand_cases) / sizeof(expand_cases[0]));
	tcase_add_test(tc, test_expand_unset_var);
	tcase_add_test(tc, test_expand_sources);
	tcase_add_test(tc, test_memory_vars);
	tcase_add_loop_test(tc, test_builtin_templates, 0, n);
	tcase_add_loop_test(tc, test_builtin_installed, 0, n);
	tcase_add_loop_test(tc, test_builtin_paths_exist, 0, n);
	tcase_add_test(tc, test_installed_false);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(lang_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
