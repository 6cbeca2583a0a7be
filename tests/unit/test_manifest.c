/*
 * test_manifest.c - job manifests (manifest.c): every key of SPEC §3, the
 * caps, and one table of broken manifests each reported as
 * "FNAME:LINE: key: problem".  Manifests are untrusted: ${VAR} must stay
 * literal and include() must never open anything.
 */
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "joblimits.h"
#include "manifest.h"

#define FNAME "job.job"

static struct cylo_limits maxima;

static void setup(void)
{
	limits_builtin_maxima(&maxima);
}

static int parse(const char *text, struct manifest **m, char *err, size_t n)
{
	return manifest_parse(text, strlen(text), FNAME, &maxima, m, err, n);
}

START_TEST(test_every_key)
{
	struct manifest *m = NULL;
	char err[1024];
	const char *text =
		"# a full manifest\n"
		"language = \"python\"\n"
		"main = \"src/prog.py\"\n"
		"code = \"import sys\n"
		"print(sys.argv[1:], 'done')\n"
		"\"\n"
		"args = { \"one\", \"two words\", \"\" }\n"
		"stdin = \"input\\n\"\n"
		"env = { \"MODE=fast\", \"PATH=/opt/bin:/usr/bin\", \"EMPTY=\" }\n"
		"timeout = 2.5\n"
		"cpu_time = 2\n"
		"memory = 128\n"
		"processes = 4\n"
		"output_limit = 64\n"
		"compile_timeout = 20\n"
		"compile_memory = 512\n"
		"checker = \"judge/check.py\"\n"
		"test \"first\" {\n"
		"  stdin = \"1 2\"\n"
		"  expect = \"3\"\n"
		"  compare = \"float:1e-6\"\n"
		"  points = 2.5\n"
		"  timeout = 1\n"
		"  cpu_time = 0.5\n"
		"  memory = 64\n"
		"  output_limit = 8\n"
		"}\n"
		"test \"second\" {\n"
		"  stdin_file = \"tests/2.in\"\n"
		"  expect_file = \"tests/2.out\"\n"
		"  compare = tokens\n"
		"}\n"
		"test \"third\" {\n"
		"  compare = exact\n"
		"}\n";

	ck_assert_msg(parse(text, &m, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(m->language, "python");
	ck_assert_str_eq(m->main, "src/prog.py");
	ck_assert_str_eq(m->code, "import sys\nprint(sys.argv[1:], 'done')\n");
	ck_assert_uint_eq(m->code_len, strlen(m->code));
	ck_assert_str_eq(m->args[0], "one");
	ck_assert_str_eq(m->args[1], "two words");
	ck_assert_str_eq(m->args[2], "");
	ck_assert_ptr_null(m->args[3]);
	ck_assert_str_eq(m->stdin_text, "input\n");
	ck_assert_ptr_null(m->stdin_file);
	ck_assert_str_eq(m->env[0], "MODE=fast");
	ck_assert_str_eq(m->env[1], "PATH=/opt/bin:/usr/bin");
	ck_assert_str_eq(m->env[2], "EMPTY=");
	ck_assert_ptr_null(m->env[3]);
	ck_assert(m->limits.timeout == 2.5 && m->limits.cpu_time == 2);
	ck_assert_int_eq(m->limits.memory, 128);
	ck_assert_int_eq(m->limits.processes, 4);
	ck_assert_int_eq(m->limits.output_limit, 64);
	ck_assert(m->limits.compile_timeout == 20);
	ck_assert_int_eq(m->limits.compile_memory, 512);
	ck_assert_int_eq(m->limits.workspace, -1);
	ck_assert_str_eq(m->checker, "judge/check.py");

	ck_assert_uint_eq(m->ntests, 3);
	ck_assert_str_eq(m->tests[0].name, "first");
	ck_assert_str_eq(m->tests[0].stdin_text, "1 2");
	ck_assert_str_eq(m->tests[0].expect, "3");
	ck_assert_int_eq(m->tests[0].compare, CMP_FLOAT);
	ck_assert(m->tests[0].float_eps == 1e-6);
	ck_assert(m->tests[0].points == 2.5);
	ck_assert(m->tests[0].limits.timeout == 1 && m->tests[0].limits.cpu_time == 0.5);
	ck_assert_int_eq(m->tests[0].limits.memory, 64);
	ck_assert_int_eq(m->tests[0].limits.output_limit, 8);
	ck_assert_int_eq(m->tests[0].limits.processes, -1);
	ck_assert_str_eq(m->tests[1].name, "second");
	ck_assert_ptr_null(m->tests[1].stdin_text);
	ck_assert_str_eq(m->tests[1].stdin_file, "tests/2.in");
	ck_assert_str_eq(m->tests[1].expect_file, "tests/2.out");
	ck_assert_int_eq(m->tests[1].compare, CMP_TOKENS);
	ck_assert(m->tests[1].points == 1);
	ck_assert_int_eq(m->tests[2].compare, CMP_EXACT);
	manifest_free(m);
}
END_TEST

START_TEST(test_minimal_defaults)
{
	struct manifest *m = NULL;
	char err[256];

	ck_assert_int_eq(parse("main = \"a.py\"\ntest \"t\" { }\n", &m, err, sizeof(err)), 0);
	ck_assert_ptr_null(m->language);
	ck_assert_ptr_null(m->code);
	ck_assert_uint_eq(m->code_len, 0);
	ck_assert_ptr_nonnull(m->args);
	ck_assert_ptr_null(m->args[0]);
	ck_assert_ptr_nonnull(m->env);
	ck_assert_ptr_null(m->env[0]);
	ck_assert_ptr_null(m->stdin_text);
	ck_assert_ptr_null(m->checker);
	ck_assert_int_eq(m->limits.timeout, -1);
	ck_assert_int_eq(m->limits.memory, -1);
	ck_assert_int_eq(m->tests[0].compare, CMP_TRIM);
	ck_assert(m->tests[0].points == 1);
	manifest_free(m);

	ck_assert_int_eq(parse("", &m, err, sizeof(err)), 0);
	ck_assert_uint_eq(m->ntests, 0);
	ck_assert_ptr_null(m->tests);
	manifest_free(m);
}
END_TEST

static const struct {
	const char *text;
	int line;
	const char *key;	/* NULL: a syntax problem without a key */
	const char *msg;
} bad[] = {
	{ "language = \"c\"\ntmeout = 3\n", 2, "tmeout", "unknown key" },
	{ "test \"a\" {\n  stdin = \"x\"\n  expected = \"y\"\n}\n", 3, "expected", "unknown key" },
	{ "memory = lots\n", 1, "memory", "not an integer" },
	{ "timeout = soon\n", 1, "timeout", "not a number" },
	{ "timeout = -1\n", 1, "timeout", "must not be negative" },
	{ "memory = -5\n", 1, "memory", "must not be negative" },
	{ "memory = 0\n", 1, "memory", "below the minimum 1" },
	{ "language = \"c\"\n\nmemory = 99999\n", 3, "memory", "99999 exceeds the maximum 4096" },
	{ "timeout = 601\n", 1, "timeout", "601 exceeds the maximum 600" },
	{ "test \"a\" {\n  memory = 5000\n}\n", 2, "memory", "5000 exceeds the maximum 4096" },
	{ "test \"a\" {\n  compare = \"fuzzy\"\n}\n", 2, "compare", "exact, trim, tokens" },
	{ "test \"a\" {\n  compare = \"float:0\"\n}\n", 2, "compare", "EPS > 0" },
	{ "test \"a\" {\n  compare = \"float:x\"\n}\n", 2, "compare", "float:EPS" },
	{ "test \"a\" {\n  points = -2\n}\n", 2, "points", "must not be negative" },
	{ "test \"a\" {\n  processes = 2\n}\n", 2, "processes", "unknown key" },
	{ "main = \"/etc/passwd\"\n", 1, "main", "relative path" },
	{ "main = \"../up.py\"\n", 1, "main", "'..'" },
	{ "main = \"a/../../up.py\"\n", 1, "main", "'..'" },
	{ "main = \"a//b.py\"\n", 1, "main", "empty path components" },
	{ "main = \"\"\n", 1, "main", "must not be empty" },
	{ "stdin_file = \"/dev/zero\"\n", 1, "stdin_file", "relative path" },
	{ "checker = \"../judge\"\n", 1, "checker", "'..'" },
	{ "test \"a\" {\n  expect_file = \"/etc/shadow\"\n}\n", 2, "expect_file", "relative" },
	{ "env = { \"A=1\",\n  \"NOVALUE\" }\n", 2, "env", "KEY=VALUE" },
	{ "env = { \"1A=x\" }\n", 1, "env", "start with a letter" },
	{ "env = { \"A-B=x\" }\n", 1, "env", "letters, digits" },
	{ "env = { \"LD_PRELOAD=/work/x.so\" }\n", 1, "env", "LD_* variables" },
	{ "env = { \"A=1\",\n \"B=2\",\n \"A=3\" }\n", 3, "env", "A is set twice" },
	{ "stdin = \"x\"\nstdin_file = \"in.txt\"\n", 2, "stdin_file", "cannot both be given" },
	{ "test \"a\" {\n  expect_file = \"o\"\n  expect = \"x\"\n}\n", 3, "expect",
	  "cannot both be given" },
	{ "test \"a\" {\n}\ntest \"a\" {\n}\n", 3, "test", "\"a\" given twice (first on line 1)" },
	{ "test \"\" {\n}\n", 1, "test", "the name must be" },
	{ "test \"a\tb\" {\n}\n", 1, "test", "the name must be" },
	{ "timeout = 1\ntimeout = 2\n", 2, "timeout", "given twice (first on line 1)" },
	{ "language = {\"bash\"}\n", 1, "language", "unexpected '{'" },
	{ "test \"a\" {\n  stdin = {1}\n}\n", 2, "stdin", "unexpected '{'" },
	{ "args = {\"a\"\n \"b\"}\n", 2, NULL, "unexpected 'b'" },
	{ "args = { \"a\" }\nargs = { \"b\" }\n", 2, "args", "given twice" },
	{ "include(\"/etc/passwd\")\n", 1, "include", "unknown key" },
	{ "language = \"c\"\ncode = ${HOME}\n", 2, NULL, "environment variables" },
	{ "code = \"a\\0b\"\n", 1, NULL, "NUL byte" },
	{ "code = \"a\\x0\"\n", 1, NULL, "NUL byte" },
	{ "code = \"a\\000\"\n", 1, NULL, "NUL byte" },
	{ "language = \"c\"\ncode = \"int main(void) {\n  return 0;\n}\n", 2, NULL,
	  "unterminated string" },
	/* The quote missing on line 2 pairs every later quote wrongly. */
	{ "language = \"c\"\nmain = \"x.c\nstdin = \"in\"\nargs = { \"a\" }\n", 2, NULL,
	  "unterminated string" },
	/* ... also when the tests come one to a line, as the README shows. */
	{ "language = \"c\"\ncode = \"x\ntest \"a\" { stdin = \"1\" expect = \"1\" }\n"
	  "test \"b\" { stdin = \"2\" expect = \"2\" }\n"
	  "test \"c\" { stdin = \"3\" expect = \"3\" }\n", 2, NULL, "unterminated string" },
	{ "language = \"c\"\ntest \"a\" { stdin = \"1 expect = \"1\" }\n"
	  "test \"b\" { stdin = \"2\" expect = \"2\" }\n"
	  "test \"c\" { stdin = \"3\" expect = \"3\" }\n", 2, NULL, "unterminated string" },
	{ "code = \"one\ntwo\nthree\"\ntimeout = x\n", 4, "timeout", "not a number" },
	{ "test \"a\" {\n  stdin = \"x\"\n", 1, NULL, "never closed" },
	{ "language = \"c\" }\n", 1, NULL, "unexpected '}'" },
	{ "language \"c\"\n", 1, "language", "expected '='" },
	{ "language = \"\"\n", 1, "language", "must not be empty" },
	{ "test \"a\" {\n}\ntest|memory = 99999\n", 3, "memory", "section paths" },
	{ "test \"a\" {\n}\n\"test=a|stdin\" = \"x\"\n", 3, "stdin", "section paths" },
};

START_TEST(test_bad_manifest)
{
	struct manifest *m = (void *)1;
	char err[1024], head[128];
	int rc = parse(bad[_i].text, &m, err, sizeof(err));

	ck_assert_msg(rc == -EINVAL, "case %d: rc %d", _i, rc);
	ck_assert_ptr_null(m);
	if (bad[_i].key)
		snprintf(head, sizeof(head), FNAME ":%d: %s: ", bad[_i].line, bad[_i].key);
	else
		snprintf(head, sizeof(head), FNAME ":%d: ", bad[_i].line);
	ck_assert_msg(strncmp(err, head, strlen(head)) == 0 && strstr(err, bad[_i].msg),
		      "case %d: want \"%s...%s\", got \"%s\"", _i, head, bad[_i].msg, err);
	/* One message, one line. */
	ck_assert_ptr_null(strchr(err, '\n'));
}
END_TEST

/* An error never vanishes for its length: a long key is quoted by its
 * start, and a first error longer than the room is cut (a 500-byte key
 * left only "(1 more)", with no line). */
START_TEST(test_long_errors_kept)
{
	char text[600], err[512], want[128];
	struct manifest *m = NULL;

	memset(text, 'k', 500);
	strcpy(text + 500, " = 1\n");
	ck_assert_int_eq(parse(text, &m, err, sizeof(err)), -EINVAL);
	memset(want, 'k', 64);
	snprintf(want + 64, sizeof(want) - 64, "...: unknown key");
	ck_assert_msg(strncmp(err, FNAME ":1: kkkk", 13) == 0 && strstr(err, want),
		      "got \"%s\"", err);
	/* 49 bytes: whole in 50, cut to 26 and "..." in 30. */
	ck_assert_int_eq(parse("timeout = 1\ntimeout = 2\n", &m, err, 50), -EINVAL);
	ck_assert_str_eq(err, FNAME ":2: timeout: given twice (first on line 1)");
	ck_assert_int_eq(parse("timeout = 1\ntimeout = 2\n", &m, err, 30), -EINVAL);
	ck_assert_str_eq(err, FNAME ":2: timeout: given ...");
}
END_TEST

/* libconfuse would put the daemon's environment in place of ${...}. */
START_TEST(test_env_stays_literal)
{
	struct manifest *m = NULL;
	char err[512];
	const char *text =
		"code = \"echo ${HOME} $HOME ${PATH:-none}\"\n"
		"stdin = '${HOME}'\n"
		"args = { \"${HOME}\", \"\\${HOME}\" }\n"
		"test \"${HOME}\" {\n"
		"  expect = \"${CYLO_SECRET}\"\n"
		"}\n";

	ck_assert_int_eq(setenv("HOME", "/root/secret", 1), 0);
	ck_assert_int_eq(setenv("CYLO_SECRET", "token", 1), 0);
	ck_assert_msg(parse(text, &m, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(m->code, "echo ${HOME} $HOME ${PATH:-none}");
	ck_assert_str_eq(m->stdin_text, "${HOME}");
	ck_assert_str_eq(m->args[0], "${HOME}");
	ck_assert_str_eq(m->args[1], "${HOME}");
	ck_assert_str_eq(m->tests[0].name, "${HOME}");
	ck_assert_str_eq(m->tests[0].expect, "${CYLO_SECRET}");
	manifest_free(m);
}
END_TEST

/*
 * Where a comment ends decides where strings begin.  libconfuse reads a
 * C comment that starts right where another ends; had the sanitiser not,
 * it would take the quote inside for a string and leave the '$' unescaped.
 */
START_TEST(test_env_after_comments)
{
	struct manifest *m = NULL;
	char err[512];
	const char *text =
		"/* x *//* ' */ code = \"${HOME}\" # '\n"
		"stdin = \"a//b/*c\"\n"
		"args = { \"x\" } // ' \"${HOME}\"\n";

	ck_assert_int_eq(setenv("HOME", "/root/secret", 1), 0);
	ck_assert_msg(parse(text, &m, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(m->code, "${HOME}");
	ck_assert_str_eq(m->stdin_text, "a//b/*c");
	ck_assert_str_eq(m->args[0], "x");
	ck_assert_ptr_null(m->args[1]);
	manifest_free(m);
}
END_TEST

/*
 * include() is never offered: naming a FIFO proves nothing is opened,
 * since opening a FIFO for reading would block this test until it times out.
 */
START_TEST(test_include_never_opens)
{
	char dir[] = "/tmp/cylo-test-manifest.XXXXXX", fifo[64], text[160], err[512];
	struct manifest *m = (void *)1;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	snprintf(text, sizeof(text), "language = \"c\"\ninclude(\"%s\")\n", fifo);
	ck_assert_int_eq(parse(text, &m, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_null(m);
	ck_assert_str_eq(err, FNAME ":2: include: unknown key");
	unlink(fifo);
	rmdir(dir);
}
END_TEST

/* The text need not be NUL-terminated; bytes past @len are never read. */
START_TEST(test_length_not_nul)
{
	const char text[] = "language = \"c\"\nmemory = 64\ngarbage here";
	struct manifest *m = NULL;
	char err[256];
	size_t len = strlen("language = \"c\"\nmemory = 64\n");

	ck_assert_int_eq(manifest_parse(text, len, FNAME, &maxima, &m, err, sizeof(err)), 0);
	ck_assert_int_eq(m->limits.memory, 64);
	manifest_free(m);
}
END_TEST

START_TEST(test_nul_byte_in_text)
{
	const char text[] = "language = \"c\"\nco\0de = \"x\"\n";
	struct manifest *m = NULL;
	char err[256];

	ck_assert_int_eq(manifest_parse(text, sizeof(text) - 1, FNAME, &maxima, &m, err,
					sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, FNAME ":2: NUL byte in the text");
}
END_TEST

/* Lower maxima from a watch apply to the manifest and its tests. */
START_TEST(test_custom_maxima)
{
	struct cylo_limits mx;
	struct manifest *m = NULL;
	char err[256];
	const char *text = "memory = 100\ntest \"t\" {\n  timeout = 3\n}\n";

	limits_builtin_maxima(&mx);
	mx.memory = 100;
	mx.timeout = 2;
	ck_assert_int_eq(manifest_parse(text, strlen(text), FNAME, &mx, &m, err,
					sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, FNAME ":3: timeout: 3 exceeds the maximum 2");
	mx.timeout = 3;
	ck_assert_int_eq(manifest_parse(text, strlen(text), FNAME, &mx, &m, err,
					sizeof(err)), 0);
	manifest_free(m);
}
END_TEST

/*
 * Builds "key = { "aaa", "aaa", ... }" with @n entries of @len bytes; env
 * entries are "Vnn=aaa" (@len >= 4) so that their names differ.
 */
static char *list_text(const char *key, size_t n, size_t len)
{
	size_t i, size = strlen(key) + 16 + n * (len + 4), o;
	bool env = strcmp(key, "env") == 0;
	char *t = malloc(size);

	ck_assert_ptr_nonnull(t);
	o = (size_t)snprintf(t, size, "%s = {", key);
	for (i = 0; i < n; i++) {
		t[o++] = i ? ',' : ' ';
		t[o++] = '"';
		memset(t + o, 'a', len);
		if (env) {
			t[o] = 'V';
			t[o + 1] = (char)('0' + i / 10 % 10);
			t[o + 2] = (char)('0' + i % 10);
			t[o + 3] = '=';
		}
		o += len;
		t[o++] = '"';
	}
	snprintf(t + o, size - o, " }\n");
	return t;
}

START_TEST(test_caps)
{
	struct manifest *m = NULL;
	char err[512], *t;
	size_t i, n;

	t = list_text("args", 256, 4096);
	ck_assert_msg(parse(t, &m, err, sizeof(err)) == 0, "%s", err);
	ck_assert_ptr_null(m->args[256]);
	manifest_free(m);
	free(t);

	t = list_text("args", 257, 1);
	ck_assert_int_eq(parse(t, &m, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, FNAME ":1: args: more than 256 entries");
	free(t);

	t = list_text("args", 1, 4097);
	ck_assert_int_eq(parse(t, &m, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, FNAME ":1: args: longer than 4096 bytes");
	free(t);

	t = list_text("env", 64, 8);
	ck_assert_msg(parse(t, &m, err, sizeof(err)) == 0, "%s", err);
	manifest_free(m);
	free(t);
	t = list_text("env", 65, 8);
	ck_assert_int_eq(parse(t, &m, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, FNAME ":1: env: more than 64 entries");
	free(t);

	/* code: 1 MiB fits, one byte more does not. */
	n = (1 << 20) + 1;
	t = malloc(n + 16);
	ck_assert_ptr_nonnull(t);
	memcpy(t, "code = \"", 8);
	memset(t + 8, 'x', n);
	memcpy(t + 8 + n, "\"\n", 3);
	ck_assert_int_eq(parse(t, &m, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, FNAME ":1: code: longer than 1048576 bytes");
	memcpy(t + 8 + n - 1, "\"\n", 3);
	ck_assert_msg(parse(t, &m, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(m->code_len, 1 << 20);
	manifest_free(m);
	free(t);

	/* 256 tests fit, the 257th is refused at its line. */
	t = malloc(300 * 32);
	ck_assert_ptr_nonnull(t);
	for (i = 0, n = 0; i < 257; i++)
		n += (size_t)snprintf(t + n, 300 * 32 - n, "test \"t%zu\" {\n}\n", i);
	ck_assert_int_eq(parse(t, &m, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, FNAME ":513: too many sections (at most 256)");
	t[n - strlen("test \"t256\" {\n}\n")] = '\0';
	ck_assert_msg(parse(t, &m, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(m->ntests, 256);
	ck_assert_str_eq(m->tests[255].name, "t255");
	manifest_free(m);
	free(t);
}
END_TEST

START_TEST(test_long_path_component)
{
	struct manifest *m = NULL;
	char text[600], err[512];

	snprintf(text, sizeof(text), "main = \"dir/%0256d.py\"\n", 0);
	ck_assert_int_eq(parse(text, &m, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, FNAME ":1: main: has a path component longer than 255 bytes");
	snprintf(text, sizeof(text), "main = \"dir/%0252d.py\"\n", 0);
	ck_assert_int_eq(parse(text, &m, err, sizeof(err)), 0);
	manifest_free(m);
}
END_TEST

static Suite *manifest_suite(void)
{
	Suite *s = suite_create("manifest");
	TCase *tc = tcase_create("manifest");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_every_key);
	tcase_add_test(tc, test_minimal_defaults);
	tcase_add_loop_test(tc, test_bad_manifest, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, test_long_errors_kept);
	tcase_add_test(tc, test_env_stays_literal);
	tcase_add_test(tc, test_env_after_comments);
	tcase_add_test(tc, test_include_never_opens);
	tcase_add_test(tc, test_length_not_nul);
	tcase_add_test(tc, test_nul_byte_in_text);
	tcase_add_test(tc, test_custom_maxima);
	tcase_add_test(tc, test_caps);
	tcase_add_test(tc, test_long_path_component);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(manifest_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
