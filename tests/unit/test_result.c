/*
 * test_result.c - the result document (result.c): every field of SPEC §4,
 * UTF-8 repair, atomic publication next to the input on real files in a
 * fresh directory under /tmp (links planted at the result names, names
 * too long, failures that must leave no temporary), and reading back the
 * recorded input identity.
 *
 * Runs as root (results chowned to a test uid, a private tmpfs mount for
 * ENOSPC).  The test parses the documents with jansson, as a client would.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "result.h"
#include "testutil.h"

static char tdir[64];
static char mounted[128];
static int dfd = -1;

static void setup(void)
{
	dfd = make_test_dir(tdir, sizeof(tdir), "result");
}

static void teardown(void)
{
	close(dfd);
	if (mounted[0] != '\0')
		umount2(mounted, MNT_DETACH);
	rm_tree_at(AT_FDCWD, tdir);
}

/* The whole file @name (no symlink followed); owned, NUL-terminated. */
static char *slurp(int dir, const char *name, size_t *len)
{
	int fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char *buf;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(read_fd_all(fd, 1 << 26, &buf, len), 0);
	close(fd);
	return buf;
}

static json_t *load_doc(int dir, const char *name)
{
	json_error_t err;
	size_t len;
	char *text = slurp(dir, name, &len);
	json_t *doc = json_loadb(text, len, JSON_ALLOW_NUL, &err);

	ck_assert_msg(doc != NULL, "%s: %s", name, err.text);
	free(text);
	return doc;
}

static json_t *parse(const struct job_result *r, bool pretty)
{
	char *s = result_to_json(r, pretty);
	json_error_t err;
	json_t *doc;

	ck_assert_ptr_nonnull(s);
	doc = json_loads(s, JSON_ALLOW_NUL, &err);
	ck_assert_msg(doc != NULL, "invalid JSON: %s", err.text);
	free(s);
	return doc;
}

#define T0 1795468088123456789LL	/* 2026-11-23T21:08:08.123Z */

static void full_result(struct job_result *r)
{
	result_init(r);
	r->job = strdup("hello.py");
	r->input = (struct input_id){ 2049, 1234567, 42, T0 };
	r->language = strdup("python");
	r->status = ST_RUNTIME_ERROR;
	r->exit_code = 1;
	r->signal = 9;
	r->out = strdup("out\n");
	r->out_len = 4;
	r->err = strdup("err\n");
	r->err_len = 4;
	r->out_truncated = true;
	r->memory_exceeded = true;
	r->execution_time_ms = 12.6;
	r->cpu_time_ms = 3.4;
	r->memory_used_kb = 2560;
	r->has_compile = true;
	r->compile = (struct result_compile){ .exit_code = 0, .output = strdup("warning"),
					      .output_len = 7, .time_ms = 100.2 };
	r->tests = calloc(2, sizeof(*r->tests));
	r->ntests = 2;
	r->tests[0] = (struct result_test){ strdup("t1"), V_ACCEPTED, 5, 1000, 1, NULL };
	r->tests[1] = (struct result_test){ strdup("t2"), V_WRONG_ANSWER, 6.5, -1, 0,
					    strdup("expected 3, found \xff") };
	r->score = 1.5;
	limits_builtin_defaults(&r->limits);
	r->limits_by = "cgroup2";
	r->worker = 3;
	r->host = strdup("box");
	r->queued_at_ns = T0;
	r->started_at_ns = T0 + 1000000000;
	r->finished_at_ns = T0 + 2500000000;
	r->error = strdup("boom");
}

static const char *const spec_keys[] = {
	"schema", "job", "input", "language", "status", "exit_code", "signal",
	"exit_signal", "stdout", "stderr", "stdout_truncated",
	"stderr_truncated", "timeout", "memory_exceeded", "execution_time_ms",
	"cpu_time_ms", "memory_used_kb", "memory_used_mb", "compile", "tests",
	"score", "limits", "worker", "host", "queued_at", "started_at",
	"finished_at", "error", "timing_ms",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void assert_keys(json_t *doc)
{
	void *it = json_object_iter(doc);
	size_t i;

	for (i = 0; i < N(spec_keys); i++, it = json_object_iter_next(doc, it)) {
		ck_assert_ptr_nonnull(it);
		ck_assert_str_eq(json_object_iter_key(it), spec_keys[i]);
	}
	ck_assert_ptr_null(it);
}

/* An input's version is its inode, size and mtime; the device number is
 * each NFS client's own and does not count. */
/* atomic_write_at(): 0644, ours, no fsync. */
static const struct write_opts KEEP_OWNER = { .mode = 0644, .uid = (uid_t)-1, .gid = (gid_t)-1 };

START_TEST(test_input_id_same)
{
	struct input_id a = { .dev = 1, .ino = 2, .size = 3, .mtime_ns = 4 }, b = a;

	ck_assert(input_id_same(&a, &b));
	b.dev = 99;
	ck_assert(input_id_same(&a, &b));
	b = a;
	b.ino = 5;
	ck_assert(!input_id_same(&a, &b));
	b = a;
	b.size = 5;
	ck_assert(!input_id_same(&a, &b));
	b = a;
	b.mtime_ns = 5;
	ck_assert(!input_id_same(&a, &b));
}
END_TEST

/* The folder protocol's names: X.result.json beside X, within 255 bytes. */
START_TEST(test_result_file_names)
{
	char name[300], rname[NAME_MAX + 1];

	memset(name, 'a', sizeof(name));
	name[243] = '\0';			/* 243 + 12 = 255: fits */
	ck_assert(result_name_fits(name));
	name[243] = 'a';
	name[244] = '\0';
	ck_assert(!result_name_fits(name));
	ck_assert_int_eq(result_name(name, rname), -ENAMETOOLONG);
	name[243] = '\0';
	ck_assert_int_eq(result_name(name, rname), 0);
	ck_assert_uint_eq(strlen(rname), NAME_MAX);
	ck_assert_int_eq(result_name("a.sh", rname), 0);
	ck_assert_str_eq(rname, "a.sh.result.json");
	ck_assert_uint_eq(result_input_len("a.sh.result.json"), 4);
	ck_assert_uint_eq(result_input_len("x.result.json.result.json"), 13);
	ck_assert_uint_eq(result_input_len(".result.json"), 0);	/* no input name */
	ck_assert_uint_eq(result_input_len("a.sh.result.jsonx"), 0);
	ck_assert_uint_eq(result_input_len("a.sh"), 0);
	ck_assert_uint_eq(result_input_len(""), 0);
}
END_TEST

START_TEST(test_names)
{
	static const char *const st[] = { "ok", "runtime_error", "timeout",
		"memory_limit", "output_limit", "compile_error", "invalid_job",
		"sandbox_error", "internal_error" };
	static const char *const vd[] = { "accepted", "wrong_answer", "timeout",
		"memory_limit", "output_limit", "runtime_error" };
	size_t i;

	for (i = 0; i < N(st); i++)
		ck_assert_str_eq(status_name((enum job_status)i), st[i]);
	for (i = 0; i < N(vd); i++)
		ck_assert_str_eq(verdict_name((enum test_verdict)i), vd[i]);
}
END_TEST

START_TEST(test_json_every_field)
{
	struct job_result r;
	json_t *doc, *in, *c, *t, *l;

	full_result(&r);
	doc = parse(&r, _i);
	assert_keys(doc);
	ck_assert_int_eq(json_integer_value(json_object_get(doc, "schema")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "job")), "hello.py");
	in = json_object_get(doc, "input");
	ck_assert_int_eq(json_integer_value(json_object_get(in, "dev")), 2049);
	ck_assert_int_eq(json_integer_value(json_object_get(in, "ino")), 1234567);
	ck_assert_int_eq(json_integer_value(json_object_get(in, "size")), 42);
	ck_assert(json_integer_value(json_object_get(in, "mtime_ns")) == T0);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "language")), "python");
	ck_assert_str_eq(json_string_value(json_object_get(doc, "status")), "runtime_error");
	ck_assert_int_eq(json_integer_value(json_object_get(doc, "exit_code")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "signal")), "SIGKILL");
	ck_assert_int_eq(json_integer_value(json_object_get(doc, "exit_signal")), 9);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "stdout")), "out\n");
	ck_assert_str_eq(json_string_value(json_object_get(doc, "stderr")), "err\n");
	ck_assert(json_is_true(json_object_get(doc, "stdout_truncated")));
	ck_assert(json_is_false(json_object_get(doc, "stderr_truncated")));
	ck_assert(json_is_false(json_object_get(doc, "timeout")));
	ck_assert(json_is_true(json_object_get(doc, "memory_exceeded")));
	ck_assert_int_eq(json_integer_value(json_object_get(doc, "execution_time_ms")), 13);
	ck_assert_int_eq(json_integer_value(json_object_get(doc, "cpu_time_ms")), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(doc, "memory_used_kb")), 2560);
	ck_assert_double_eq(json_real_value(json_object_get(doc, "memory_used_mb")), 2.5);

	c = json_object_get(doc, "compile");
	ck_assert_int_eq(json_object_size(c), 4);
	ck_assert(json_is_false(json_object_get(c, "output_truncated")));
	ck_assert_int_eq(json_integer_value(json_object_get(c, "exit_code")), 0);
	ck_assert(json_is_integer(json_object_get(c, "exit_code")));
	ck_assert_str_eq(json_string_value(json_object_get(c, "output")), "warning");
	ck_assert_int_eq(json_integer_value(json_object_get(c, "time_ms")), 100);

	t = json_object_get(doc, "tests");
	ck_assert_int_eq(json_array_size(t), 2);
	ck_assert_int_eq(json_object_size(json_array_get(t, 0)), 6);
	ck_assert(json_is_null(json_object_get(json_array_get(t, 0), "checker_message")));
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(t, 1), "checker_message")),
			 "expected 3, found \xef\xbf\xbd");	/* U+FFFD */
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(t, 0), "name")), "t1");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(t, 0), "verdict")),
			 "accepted");
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(t, 0),
							     "memory_used_kb")), 1000);
	ck_assert_double_eq(json_number_value(json_object_get(json_array_get(t, 0),
							       "points")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(t, 1), "verdict")),
			 "wrong_answer");
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(t, 1), "time_ms")), 7);
	ck_assert(json_is_null(json_object_get(json_array_get(t, 1), "memory_used_kb")));
	ck_assert_double_eq(json_number_value(json_object_get(doc, "score")), 1.5);

	l = json_object_get(doc, "limits");
	ck_assert_double_eq(json_number_value(json_object_get(l, "timeout")), 10);
	ck_assert_double_eq(json_number_value(json_object_get(l, "cpu_time")), 10);
	ck_assert_int_eq(json_integer_value(json_object_get(l, "memory")), 256);
	ck_assert_int_eq(json_integer_value(json_object_get(l, "processes")), 64);
	ck_assert_int_eq(json_integer_value(json_object_get(l, "output_limit")), 1024);
	ck_assert_int_eq(json_integer_value(json_object_get(l, "workspace")), 64);
	ck_assert_int_eq(json_integer_value(json_object_get(l, "tmp_size")), 64);
	ck_assert_int_eq(json_integer_value(json_object_get(l, "file_size")), 64);
	ck_assert_int_eq(json_integer_value(json_object_get(l, "open_files")), 256);
	ck_assert_str_eq(json_string_value(json_object_get(l, "enforced_by")), "cgroup2");

	ck_assert_int_eq(json_integer_value(json_object_get(doc, "worker")), 3);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "host")), "box");
	ck_assert_str_eq(json_string_value(json_object_get(doc, "queued_at")),
			 "2026-11-23T21:08:08.123Z");
	ck_assert_str_eq(json_string_value(json_object_get(doc, "started_at")),
			 "2026-11-23T21:08:09.123Z");
	ck_assert_str_eq(json_string_value(json_object_get(doc, "finished_at")),
			 "2026-11-23T21:08:10.623Z");
	ck_assert_str_eq(json_string_value(json_object_get(doc, "error")), "boom");
	json_decref(doc);
	result_free(&r);
}
END_TEST

START_TEST(test_json_unknowns_are_null)
{
	static const char *const nulls[] = { "job", "language", "exit_code",
		"signal", "exit_signal", "memory_used_kb", "memory_used_mb",
		"compile", "tests", "score", "worker", "host", "queued_at",
		"started_at", "finished_at", "error" };
	struct job_result r;
	json_t *doc, *l, *v;
	const char *k;
	size_t i;

	result_init(&r);
	doc = parse(&r, false);
	assert_keys(doc);
	for (i = 0; i < N(nulls); i++)
		ck_assert_msg(json_is_null(json_object_get(doc, nulls[i])), "%s", nulls[i]);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "status")), "ok");
	ck_assert_str_eq(json_string_value(json_object_get(doc, "stdout")), "");
	ck_assert_str_eq(json_string_value(json_object_get(doc, "stderr")), "");
	ck_assert(json_is_null(json_object_get(doc, "execution_time_ms")));
	ck_assert(json_is_null(json_object_get(doc, "cpu_time_ms")));	/* no run */
	l = json_object_get(doc, "limits");
	ck_assert(json_object_size(l) >= 10);
	json_object_foreach(l, k, v)
		ck_assert_msg(json_is_null(v), "limits.%s", k);
	json_decref(doc);

	/* A run with tests but a zero score, and exit code 0, stay numbers. */
	r.exit_code = 0;
	r.tests = calloc(1, sizeof(*r.tests));
	doc = parse(&r, false);
	ck_assert(json_is_integer(json_object_get(doc, "exit_code")));
	ck_assert(json_is_number(json_object_get(doc, "score")));
	ck_assert_int_eq(json_array_size(json_object_get(doc, "tests")), 0);
	json_decref(doc);
	result_free(&r);
	ck_assert_ptr_null(r.tests);
	ck_assert_int_eq(r.exit_code, -1);
}
END_TEST

START_TEST(test_json_utf8_repair)
{
	static const char raw[] =
		"ok \xff mid \xc3\xa9 \0 nul \xed\xa0\x80 end \xc0\xaf \xf4\x90\x80\x80"
		" \xf0\x9f\x98\x80 cut \xe2\x82";
	static const char want[] =
		"ok \xef\xbf\xbd mid \xc3\xa9 \0 nul "
		"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd end \xef\xbf\xbd\xef\xbf\xbd "
		"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd \xf0\x9f\x98\x80 cut "
		"\xef\xbf\xbd\xef\xbf\xbd";
	struct job_result r;
	json_t *doc, *s;
	char *text;

	result_init(&r);
	r.out = malloc(sizeof(raw) - 1);
	memcpy(r.out, raw, sizeof(raw) - 1);
	r.out_len = sizeof(raw) - 1;
	r.err = strdup("\x1b[31m\"quoted\"\\\n");
	r.err_len = strlen(r.err);
	r.error = strdup("bad \xfe name");
	r.job = strdup("caf\xc3\xa9\xff.py");
	text = result_to_json(&r, false);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(strstr(text, "\\u0000"));	/* NUL escaped, kept */
	doc = json_loads(text, JSON_ALLOW_NUL, NULL);
	ck_assert_ptr_nonnull(doc);
	s = json_object_get(doc, "stdout");
	ck_assert_int_eq(json_string_length(s), sizeof(want) - 1);
	ck_assert_mem_eq(json_string_value(s), want, sizeof(want) - 1);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "stderr")),
			 "\x1b[31m\"quoted\"\\\n");
	ck_assert_str_eq(json_string_value(json_object_get(doc, "error")),
			 "bad \xef\xbf\xbd name");
	ck_assert_str_eq(json_string_value(json_object_get(doc, "job")),
			 "caf\xc3\xa9\xef\xbf\xbd.py");
	json_decref(doc);
	free(text);
	result_free(&r);
}
END_TEST

START_TEST(test_set_error)
{
	struct job_result r;

	result_init(&r);
	result_set_error(&r, ST_INVALID_JOB, "line %d: key '%s'", 3, "memory");
	ck_assert_int_eq(r.status, ST_INVALID_JOB);
	ck_assert_str_eq(r.error, "line 3: key 'memory'");
	result_set_error(&r, ST_SANDBOX_ERROR, "landlock");
	ck_assert_int_eq(r.status, ST_SANDBOX_ERROR);
	ck_assert_str_eq(r.error, "landlock");
	result_free(&r);
	ck_assert_ptr_null(r.error);
	result_free(&r);	/* safe twice */
}
END_TEST

static struct publish_opts opts(bool raw)
{
	return (struct publish_opts){ .raw_output = raw, .mode = 0640,
				      .uid = 12345, .gid = 12346, .fsync = true };
}

START_TEST(test_publish_creates_and_replaces)
{
	struct publish_opts o = opts(true);
	struct job_result r;
	struct stat st;
	struct input_id id;
	size_t len;
	json_t *doc;
	char *raw;

	full_result(&r);
	free(r.out);
	r.out = malloc(5);
	memcpy(r.out, "a\0\xff" "b\n", 5);
	r.out_len = 5;
	put_file(dfd, "hello.py", "print(1)\n");
	put_file(dfd, "hello.py.result.json", "{\"old\": true}");
	ck_assert_int_eq(result_publish(dfd, "hello.py", &r, &o), 0);
	ck_assert_str_eq(listing(dfd), "hello.py,hello.py.result.json,"
			 "hello.py.stderr,hello.py.stdout");

	ck_assert_int_eq(fstatat(dfd, "hello.py.result.json", &st, AT_SYMLINK_NOFOLLOW), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(st.st_mode & 07777, 0640);
	ck_assert_int_eq(st.st_uid, 12345);
	ck_assert_int_eq(st.st_gid, 12346);
	ck_assert_int_eq(st.st_nlink, 1);
	doc = load_doc(dfd, "hello.py.result.json");
	assert_keys(doc);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "job")), "hello.py");
	json_decref(doc);

	/* Raw files byte for byte, same owner and mode. */
	raw = slurp(dfd, "hello.py.stdout", &len);
	ck_assert_int_eq(len, 5);
	ck_assert_mem_eq(raw, "a\0\xff" "b\n", 5);
	free(raw);
	raw = slurp(dfd, "hello.py.stderr", &len);
	ck_assert_str_eq(raw, "err\n");
	free(raw);
	ck_assert_int_eq(fstatat(dfd, "hello.py.stdout", &st, AT_SYMLINK_NOFOLLOW), 0);
	ck_assert_int_eq(st.st_uid, 12345);
	ck_assert_int_eq(st.st_mode & 07777, 0640);

	ck_assert_int_eq(result_read_identity(dfd, "hello.py.result.json", &id, NULL), 0);
	ck_assert(id.dev == 2049 && id.ino == 1234567 && id.size == 42 &&
		  id.mtime_ns == T0);

	/* Without raw output and as ourselves. */
	o = (struct publish_opts){ .mode = 0644, .uid = (uid_t)-1, .gid = (gid_t)-1 };
	r.input.size = 43;
	ck_assert_int_eq(result_publish(dfd, "hello.py", &r, &o), 0);
	ck_assert_int_eq(fstatat(dfd, "hello.py.result.json", &st, AT_SYMLINK_NOFOLLOW), 0);
	ck_assert_int_eq(st.st_uid, getuid());
	ck_assert_int_eq(st.st_mode & 07777, 0644);
	ck_assert_int_eq(result_read_identity(dfd, "hello.py.result.json", &id, NULL), 0);
	ck_assert_int_eq(id.size, 43);
	ck_assert_str_eq(listing(dfd), "hello.py,hello.py.result.json,"
			 "hello.py.stderr,hello.py.stdout");
	result_free(&r);
}
END_TEST

START_TEST(test_publish_links_untouched)
{
	struct publish_opts o = opts(true);
	struct job_result r;
	struct stat st, cst;
	size_t len;
	char *text;

	full_result(&r);
	put_file(dfd, "canary", "canary\n");
	ck_assert_int_eq(fchmodat(dfd, "canary", 0600, 0), 0);
	ck_assert_int_eq(fstatat(dfd, "canary", &cst, 0), 0);
	/* X02: the result a hardlink to a canary, raw files symlinks to it. */
	ck_assert_int_eq(linkat(dfd, "canary", dfd, "x.py.result.json", 0), 0);
	ck_assert_int_eq(symlinkat("canary", dfd, "x.py.stdout"), 0);
	ck_assert_int_eq(symlinkat("canary", dfd, "y.py.result.json"), 0);
	ck_assert_int_eq(result_publish(dfd, "x.py", &r, &o), 0);
	ck_assert_int_eq(result_publish(dfd, "y.py", &r, &o), 0);

	text = slurp(dfd, "canary", &len);
	ck_assert_str_eq(text, "canary\n");
	free(text);
	ck_assert_int_eq(fstatat(dfd, "canary", &st, 0), 0);
	ck_assert_int_eq(st.st_nlink, 1);
	ck_assert_int_eq(st.st_uid, cst.st_uid);
	ck_assert_int_eq(st.st_mode, cst.st_mode);
	ck_assert(st.st_mtim.tv_sec == cst.st_mtim.tv_sec &&
		  st.st_mtim.tv_nsec == cst.st_mtim.tv_nsec);

	ck_assert_int_eq(fstatat(dfd, "x.py.result.json", &st, AT_SYMLINK_NOFOLLOW), 0);
	ck_assert(S_ISREG(st.st_mode) && st.st_nlink == 1 && st.st_ino != cst.st_ino);
	ck_assert_int_eq(fstatat(dfd, "x.py.stdout", &st, AT_SYMLINK_NOFOLLOW), 0);
	ck_assert(S_ISREG(st.st_mode) && st.st_nlink == 1);
	ck_assert_int_eq(fstatat(dfd, "y.py.result.json", &st, AT_SYMLINK_NOFOLLOW), 0);
	ck_assert(S_ISREG(st.st_mode) && st.st_nlink == 1);
	json_decref(load_doc(dfd, "y.py.result.json"));
	ck_assert_str_eq(listing(dfd), "canary,x.py.result.json,x.py.stderr,"
			 "x.py.stdout,y.py.result.json,y.py.stderr,y.py.stdout");
	result_free(&r);
}
END_TEST

START_TEST(test_publish_name_too_long)
{
	struct publish_opts o = opts(true);
	struct job_result r;
	char name[256];

	result_init(&r);
	memset(name, 'a', 250);
	memcpy(name + 247, ".py", 4);	/* 250 bytes */
	ck_assert_int_eq(result_publish(dfd, name, &r, &o), -ENAMETOOLONG);
	ck_assert_str_eq(listing(dfd), "");	/* not even the raw files */
	name[243] = '\0';	/* 243 + ".result.json" = 255: fits */
	ck_assert_int_eq(result_publish(dfd, name, &r, &o), 0);
	strncat(name, ".result.json", sizeof(name) - strlen(name) - 1);
	ck_assert_int_eq(strlen(name), 255);
	json_decref(load_doc(dfd, name));
	result_free(&r);
}
END_TEST

START_TEST(test_publish_failures_leave_no_temp)
{
	struct publish_opts o = opts(true);
	struct job_result r;
	json_t *doc;

	result_init(&r);
	/* The result name is a directory: refused, left alone. */
	ck_assert_int_eq(mkdirat(dfd, "a.py.result.json", 0755), 0);
	put_file(dfd, "a.py.result.json/inside", "keep");
	ck_assert_int_eq(result_publish(dfd, "a.py", &r, &o), -EISDIR);
	ck_assert_str_eq(listing(dfd), "a.py.result.json,a.py.stderr,a.py.stdout");
	ck_assert_int_eq(faccessat(dfd, "a.py.result.json/inside", F_OK, 0), 0);

	/* A raw file name is a directory: left alone, and the result (which
	 * marks completion) says so, or the input would run again forever. */
	ck_assert_int_eq(mkdirat(dfd, "b.py.stdout", 0755), 0);
	ck_assert_int_eq(result_publish(dfd, "b.py", &r, &o), 1);
	ck_assert_str_eq(listing(dfd), "a.py.result.json,a.py.stderr,a.py.stdout,"
			 "b.py.result.json,b.py.stdout");
	doc = load_doc(dfd, "b.py.result.json");
	ck_assert_str_eq(json_string_value(json_object_get(doc, "error")),
			 "raw output: cannot write b.py.stdout (Is a directory); "
			 "stdout and stderr are in this result only");
	ck_assert_str_eq(json_string_value(json_object_get(doc, "status")), "ok");
	json_decref(doc);
	ck_assert_int_eq(result_publish(dfd, "", &r, &o), -EINVAL);
	ck_assert_int_eq(result_publish(dfd, "../c.py", &r, &o), -EINVAL);
	result_free(&r);
}
END_TEST

START_TEST(test_publish_enospc)
{
	struct publish_opts o = opts(false);
	struct job_result r;
	int small = tiny_tmpfs(tdir, "small", mounted, sizeof(mounted));

	result_init(&r);
	r.out = malloc(1 << 20);
	memset(r.out, 'x', 1 << 20);
	r.out_len = 1 << 20;
	put_file(small, "j.py.result.json", "old");
	ck_assert_int_eq(result_publish(small, "j.py", &r, &o), -ENOSPC);
	ck_assert_str_eq(listing(small), "j.py.result.json");
	o.raw_output = true;
	ck_assert_int_eq(result_publish(small, "j.py", &r, &o), -ENOSPC);
	ck_assert_str_eq(listing(small), "j.py.result.json");
	close(small);
	result_free(&r);
}
END_TEST

/* A document larger than a result may be (max_size here, 256 MiB in the
 * daemon) is written without the output, the error saying why; an ok job
 * without tests becomes output_limit, any other verdict stays. */
static json_t *publish_big(struct job_result *r, enum job_status st, bool raw)
{
	struct publish_opts o = opts(raw);
	size_t n = 100000;

	o.max_size = 4096;
	r->status = st;
	free(r->out);
	r->out = malloc(n);
	memset(r->out, 'x', n);
	r->out_len = n;
	r->out_truncated = false;
	ck_assert_int_eq(result_publish(dfd, "big.py", r, &o), 0);
	return load_doc(dfd, "big.py.result.json");
}

static const char *field(json_t *doc, const char *key)
{
	return json_string_value(json_object_get(doc, key));
}

/* An output that fits is kept, however it is counted: 2000 bytes of 'é'
 * are 2000 bytes of JSON, the result within 4096 (an upper bound of 3
 * bytes per byte over 0x7f, 6000, dropped it). */
START_TEST(test_publish_fitting_utf8_kept)
{
	struct publish_opts o = opts(false);
	struct job_result r;
	json_t *doc;

	result_init(&r);
	o.max_size = 4096;
	r.status = ST_OK;
	r.out = malloc(2000);
	for (size_t i = 0; i < 2000; i += 2)
		memcpy(r.out + i, "\xc3\xa9", 2);
	r.out_len = 2000;
	ck_assert_int_eq(result_publish(dfd, "utf.py", &r, &o), 0);
	doc = load_doc(dfd, "utf.py.result.json");
	ck_assert_str_eq(field(doc, "status"), "ok");
	ck_assert_uint_eq(strlen(field(doc, "stdout")), 2000);
	json_decref(doc);
	result_free(&r);
}
END_TEST

START_TEST(test_publish_too_large)
{
	struct job_result r;
	size_t len;
	json_t *doc;
	char *raw;

	result_init(&r);
	doc = publish_big(&r, ST_OK, false);
	ck_assert_str_eq(field(doc, "status"), "output_limit");
	ck_assert_str_eq(field(doc, "stdout"), "");
	ck_assert(json_is_true(json_object_get(doc, "stdout_truncated")));
	ck_assert(json_is_true(json_object_get(doc, "stderr_truncated")));
	ck_assert_ptr_nonnull(strstr(field(doc, "error"), "is larger than a result may be "
				     "(4096 bytes): the output was dropped"));
	json_decref(doc);

	doc = publish_big(&r, ST_RUNTIME_ERROR, false);
	ck_assert_str_eq(field(doc, "status"), "runtime_error");
	json_decref(doc);

	/* With raw files the output is kept there, and the error says so. */
	doc = publish_big(&r, ST_OK, true);
	ck_assert_ptr_nonnull(strstr(field(doc, "error"),
				     "the output is only in the raw output files"));
	json_decref(doc);
	raw = slurp(dfd, "big.py.stdout", &len);
	ck_assert_int_eq(len, 100000);
	free(raw);
	result_free(&r);

	/* Tests were judged on the output already: their verdict stands. */
	full_result(&r);
	doc = publish_big(&r, ST_OK, false);
	ck_assert_str_eq(field(doc, "status"), "ok");
	ck_assert_str_eq(field(doc, "stdout"), "");
	json_decref(doc);
	result_free(&r);
}
END_TEST

/* Full: less than a small result's 64 KiB free, on a 256 KiB tmpfs. */
START_TEST(test_folder_full)
{
	char path[sizeof(mounted)], *fill = calloc(1, 200 << 10);
	int fd;

	snprintf(path, sizeof(path), "%s/quarter", tdir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	ck_assert_int_eq(unshare(CLONE_NEWNS), 0);
	ck_assert_int_eq(mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL), 0);
	ck_assert_int_eq(mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV,
			       "size=256k,mode=0755"), 0);
	snprintf(mounted, sizeof(mounted), "%s", path);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert(!result_folder_full(dfd));
	ck_assert(!result_folder_full(fd));
	ck_assert_int_eq(atomic_write_at(fd, "fill", fill, 200 << 10, &KEEP_OWNER), 0);
	ck_assert(result_folder_full(fd));
	close(fd);
	free(fill);
}
END_TEST

START_TEST(test_publish_removed_dir)
{
	struct publish_opts o = opts(false);
	struct job_result r;
	int gone;

	result_init(&r);
	ck_assert_int_eq(mkdirat(dfd, "gone", 0755), 0);
	gone = openat(dfd, "gone", O_PATH | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(gone, 0);
	ck_assert_int_eq(unlinkat(dfd, "gone", AT_REMOVEDIR), 0);
	ck_assert_int_eq(result_publish(gone, "a.py", &r, &o), -ENOENT);
	close(gone);
	ck_assert_str_eq(listing(dfd), "");
	result_free(&r);
}
END_TEST

/* Identity survives both layouts, big outputs, and 64-bit dev/ino. */
START_TEST(test_identity_round_trip)
{
	struct job_result r;
	struct input_id id;
	char *s;

	result_init(&r);
	r.job = strdup("big.c");
	r.input = (struct input_id){ 0xfffffffffffffff0ULL, 0x8000000000000001ULL,
				     1 << 20, -5 };
	r.out_len = 3 << 20;
	r.out = malloc(r.out_len);
	memset(r.out, '\x01', r.out_len);	/* escapes to 6 bytes each */
	s = result_to_json(&r, _i);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(atomic_write_at(dfd, "big.c.result.json", s, strlen(s),
					 &KEEP_OWNER), 0);
	free(s);
	memset(&id, 0, sizeof(id));
	ck_assert_int_eq(result_read_identity(dfd, "big.c.result.json", &id, NULL), 0);
	ck_assert(id.dev == 0xfffffffffffffff0ULL);
	ck_assert(id.ino == 0x8000000000000001ULL);
	ck_assert_int_eq(id.size, 1 << 20);
	ck_assert_int_eq(id.mtime_ns, -5);
	result_free(&r);
}
END_TEST

START_TEST(test_identity_other_layouts)
{
	static char doc[200000];
	struct input_id id;
	size_t n;

	/* "input" after a long member (with a NUL): the whole document parsed. */
	n = (size_t)snprintf(doc, sizeof(doc), "{\"stdout\": \"\\u0000");
	memset(doc + n, 'z', 100000);
	n += 100000;
	snprintf(doc + n, sizeof(doc) - n, "\", \"input\": {\"mtime_ns\": 4, "
		 "\"size\": 3, \"ino\": 2, \"dev\": 1}}");
	put_file(dfd, "late.result.json", doc);
	ck_assert_int_eq(result_read_identity(dfd, "late.result.json", &id, NULL), 0);
	ck_assert(id.dev == 1 && id.ino == 2 && id.size == 3 && id.mtime_ns == 4);

	/* Short documents: members with nesting and escapes before "input". */
	put_file(dfd, "nest.result.json", "{\"a\": {\"input\": [1, \"}\\\"\"]}, "
		 "\"b\": [{}], \"c\": -1.5e3, \"d\": null,\n\"input\":"
		 "{\"dev\":5,\"ino\":6,\"size\":7,\"mtime_ns\":8}, \"z\": 1}");
	ck_assert_int_eq(result_read_identity(dfd, "nest.result.json", &id, NULL), 0);
	ck_assert(id.dev == 5 && id.ino == 6 && id.size == 7 && id.mtime_ns == 8);
}
END_TEST

START_TEST(test_identity_refuses)
{
	struct input_id id;

	put_file(dfd, "r.result.json", "{\"input\": {\"dev\": 1, \"ino\": 2, "
		 "\"size\": 3, \"mtime_ns\": 4}}");
	ck_assert_int_eq(result_read_identity(dfd, "r.result.json", &id, NULL), 0);
	ck_assert_int_eq(symlinkat("r.result.json", dfd, "sym.result.json"), 0);
	ck_assert_int_eq(result_read_identity(dfd, "sym.result.json", &id, NULL), -EINVAL);
	ck_assert_int_eq(result_read_identity(dfd, "none.result.json", &id, NULL), -ENOENT);
	ck_assert_int_eq(mkfifoat(dfd, "fifo.result.json", 0644), 0);
	ck_assert_int_eq(result_read_identity(dfd, "fifo.result.json", &id, NULL), -EINVAL);
	ck_assert_int_eq(mkdirat(dfd, "dir.result.json", 0755), 0);
	ck_assert_int_eq(result_read_identity(dfd, "dir.result.json", &id, NULL), -EINVAL);
	put_file(dfd, "empty.result.json", "");
	ck_assert_int_eq(result_read_identity(dfd, "empty.result.json", &id, NULL), -EINVAL);
	put_file(dfd, "junk.result.json", "not json at all");
	ck_assert_int_eq(result_read_identity(dfd, "junk.result.json", &id, NULL), -EINVAL);
	put_file(dfd, "cut.result.json", "{\"schema\": 1, \"input\": {\"dev\": 1, ");
	ck_assert_int_eq(result_read_identity(dfd, "cut.result.json", &id, NULL), -EINVAL);
	put_file(dfd, "part.result.json", "{\"input\": {\"dev\": 1, \"ino\": 2}}");
	ck_assert_int_eq(result_read_identity(dfd, "part.result.json", &id, NULL), -EINVAL);
	put_file(dfd, "type.result.json", "{\"input\": {\"dev\": \"1\", \"ino\": 2, "
		 "\"size\": 3, \"mtime_ns\": 4}}");
	ck_assert_int_eq(result_read_identity(dfd, "type.result.json", &id, NULL), -EINVAL);
	put_file(dfd, "arr.result.json", "[{\"input\": {\"dev\": 1, \"ino\": 2, "
		 "\"size\": 3, \"mtime_ns\": 4}}]");
	ck_assert_int_eq(result_read_identity(dfd, "arr.result.json", &id, NULL), -EINVAL);
}
END_TEST

static Suite *result_suite(void)
{
	Suite *s = suite_create("result");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_result_file_names);
	tcase_add_test(tc, test_input_id_same);
	tcase_add_loop_test(tc, test_json_every_field, 0, 2);	/* compact, pretty */
	tcase_add_test(tc, test_json_unknowns_are_null);
	tcase_add_test(tc, test_json_utf8_repair);
	tcase_add_test(tc, test_set_error);
	tcase_add_test(tc, test_publish_creates_and_replaces);
	tcase_add_test(tc, test_publish_links_untouched);
	tcase_add_test(tc, test_publish_name_too_long);
	tcase_add_test(tc, test_publish_failures_leave_no_temp);
	tcase_add_test(tc, test_publish_enospc);
	tcase_add_test(tc, test_publish_removed_dir);
	tcase_add_test(tc, test_publish_fitting_utf8_kept);
	tcase_add_test(tc, test_publish_too_large);
	tcase_add_test(tc, test_folder_full);
	tcase_add_loop_test(tc, test_identity_round_trip, 0, 2);
	tcase_add_test(tc, test_identity_other_layouts);
	tcase_add_test(tc, test_identity_refuses);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(result_suite());
}
