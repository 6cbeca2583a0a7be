/*
 * test_log.c - log line format, one write() per line, journal prefixes,
 * level filter, escaping of untrusted strings (log.c).
 *
 * Tests replace fd 2 with a pipe or a SOCK_SEQPACKET socket (a seqpacket
 * socket keeps write() boundaries, which makes "one write per line"
 * observable); the fixture puts the real stderr back, so the suite also
 * runs without fork mode (make valgrind).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

static int saved_stderr = -1;

static void setup(void)
{
	saved_stderr = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 10);
	ck_assert_int_ge(saved_stderr, 0);
}

static void teardown(void)
{
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
}

/* Makes fd 2 one end of a seqpacket pair; returns the other end. */
static int capture_stderr_packets(void)
{
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	ck_assert_int_eq(dup2(sv[1], STDERR_FILENO), STDERR_FILENO);
	close(sv[1]);
	return sv[0];
}

/* One record (one write) from @fd, NUL-terminated; -1 when none is queued. */
static ssize_t next_record(int fd, char *buf, size_t n)
{
	ssize_t r = recv(fd, buf, n - 1, MSG_DONTWAIT);

	if (r >= 0)
		buf[r] = '\0';
	return r;
}

START_TEST(test_one_write_per_line)
{
	int fd = capture_stderr_packets();
	char buf[8192];

	unsetenv("JOURNAL_STREAM");
	log_init(LOG_INFO, "cylo");
	log_info("job=%s stage=%s finished", "a.py", "run");
	ck_assert_int_eq(next_record(fd, buf, sizeof(buf)), 34);
	ck_assert_str_eq(buf, "cylo: job=a.py stage=run finished\n");
	log_err("two\nlines\rand\x1b[31m");
	ck_assert_int_gt(next_record(fd, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "cylo: two?lines?and?[31m\n");
	ck_assert_int_eq(next_record(fd, buf, sizeof(buf)), -1);	/* nothing more */
}
END_TEST

START_TEST(test_level_filter)
{
	int fd = capture_stderr_packets();
	char buf[256];

	unsetenv("JOURNAL_STREAM");
	log_init(LOG_WARNING, "cylo");
	ck_assert_int_eq(log_level(), LOG_WARNING);
	log_info("hidden");
	log_debug("hidden");
	ck_assert_int_eq(next_record(fd, buf, sizeof(buf)), -1);
	log_warn("shown");
	ck_assert_int_gt(next_record(fd, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "cylo: shown\n");
	log_set_level(LOG_DEBUG);
	log_debug("dbg %d", 7);
	ck_assert_int_gt(next_record(fd, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "cylo: dbg 7\n");
	log_set_level(99);
	ck_assert_int_eq(log_level(), LOG_DEBUG);
	log_set_level(-5);
	ck_assert_int_eq(log_level(), LOG_EMERG);
}
END_TEST

START_TEST(test_long_line_truncated)
{
	int fd = capture_stderr_packets();
	static char big[10000], buf[16384];
	ssize_t n;

	unsetenv("JOURNAL_STREAM");
	log_init(LOG_INFO, "cylo");
	memset(big, 'x', sizeof(big) - 1);
	log_info("%s", big);
	n = next_record(fd, buf, sizeof(buf));
	ck_assert_int_eq(n, 4096);
	ck_assert_mem_eq(buf, "cylo: xxx", 9);
	ck_assert_str_eq(buf + n - 5, "x...\n");
	ck_assert_int_eq(next_record(fd, buf, sizeof(buf)), -1);

	/* The cut never splits a UTF-8 sequence ("é" is 2 bytes). */
	for (n = 0; n + 2 < (ssize_t)sizeof(big); n += 2)
		memcpy(big + n, "\xc3\xa9", 2);
	big[n] = '\0';
	log_info("%s", big);
	n = next_record(fd, buf, sizeof(buf));
	ck_assert_int_le(n, 4096);
	ck_assert_str_eq(buf + n - 6, "\xc3\xa9...\n");
}
END_TEST

START_TEST(test_journal_prefix)
{
	int fd = capture_stderr_packets();
	char buf[256], env[64];
	struct stat st;

	ck_assert_int_eq(fstat(STDERR_FILENO, &st), 0);
	snprintf(env, sizeof(env), "%ju:%ju", (uintmax_t)st.st_dev,
		 (uintmax_t)st.st_ino);
	ck_assert_int_eq(setenv("JOURNAL_STREAM", env, 1), 0);
	log_init(LOG_DEBUG, "cylo");
	log_warn("w %s", "x");
	ck_assert_int_gt(next_record(fd, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "<4>w x\n");
	log_err("e");
	ck_assert_int_gt(next_record(fd, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "<3>e\n");
	log_debug("d");
	ck_assert_int_gt(next_record(fd, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "<7>d\n");

	/* Inherited by a process whose stderr is something else: no prefix. */
	ck_assert_int_eq(setenv("JOURNAL_STREAM", "1:2", 1), 0);
	log_init(LOG_DEBUG, "other");
	log_warn("w");
	ck_assert_int_gt(next_record(fd, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "other: w\n");
}
END_TEST

#define THREADS 4
#define LINES 300

static void *log_lines(void *arg)
{
	int t = (int)(intptr_t)arg, i;

	for (i = 0; i < LINES; i++)
		log_info("thread=%d line=%d %s", t, i, "padding-padding-padding");
	return NULL;
}

START_TEST(test_threads_whole_lines)
{
	static char buf[1 << 20];
	pthread_t th[THREADS];
	int p[2], seen[THREADS] = { 0 }, t, lines = 0;
	size_t got = 0;
	ssize_t n;
	char *line, *end, want[128];

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	ck_assert_int_gt(fcntl(p[1], F_SETPIPE_SZ, 1 << 20), 0);
	ck_assert_int_eq(dup2(p[1], STDERR_FILENO), STDERR_FILENO);
	close(p[1]);
	unsetenv("JOURNAL_STREAM");
	log_init(LOG_INFO, "cylo");
	for (t = 0; t < THREADS; t++)
		ck_assert_int_eq(pthread_create(&th[t], NULL, log_lines,
						(void *)(intptr_t)t), 0);
	for (t = 0; t < THREADS; t++)
		ck_assert_int_eq(pthread_join(th[t], NULL), 0);
	close(STDERR_FILENO);
	while ((n = read(p[0], buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	/* Every line whole, and each thread's lines in its own order. */
	for (line = buf; *line != '\0'; line = end + 1, lines++) {
		end = strchr(line, '\n');
		ck_assert_ptr_nonnull(end);
		*end = '\0';
		ck_assert_msg(strncmp(line, "cylo: thread=", 13) == 0 &&
			      line[13] >= '0' && line[13] < '0' + THREADS,
			      "mangled line: %s", line);
		t = line[13] - '0';
		snprintf(want, sizeof(want), "cylo: thread=%d line=%d %s", t,
			 seen[t]++, "padding-padding-padding");
		ck_assert_str_eq(line, want);
	}
	ck_assert_int_eq(lines, THREADS * LINES);
	close(p[0]);
}
END_TEST

/* The write itself fails (stderr read-only: EBADF), and errno survives. */
START_TEST(test_errno_preserved)
{
	int saved = dup(STDERR_FILENO), ro = open("/dev/null", O_RDONLY | O_CLOEXEC);

	ck_assert_int_ge(saved, 0);
	ck_assert_int_ge(ro, 0);
	unsetenv("JOURNAL_STREAM");
	log_init(LOG_INFO, "cylo");
	ck_assert_int_eq(dup2(ro, STDERR_FILENO), STDERR_FILENO);
	errno = EXDEV;
	log_info("x");
	ck_assert_int_eq(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	ck_assert_int_eq(errno, EXDEV);
	close(saved);
	close(ro);
}
END_TEST

/* fatal() ends the process: run it in a child of our own. */
START_TEST(test_fatal_exits)
{
	int fd = capture_stderr_packets(), status;
	char buf[256];
	pid_t pid;

	unsetenv("JOURNAL_STREAM");
	log_init(LOG_ERR, "cylo");
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		fatal(78, "bad config %s", "x");
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 78);
	ck_assert_int_gt(next_record(fd, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "cylo: bad config x\n");
}
END_TEST

static const struct {
	const char *in, *out;
} esc_cases[] = {
	{ "plain.py", "plain.py" },
	{ "", "" },
	{ "a b", "a\\x20b" },
	{ "line\nstatus=ok", "line\\x0astatus=ok" },
	{ "cr\rx", "cr\\x0dx" },
	{ "tab\t", "tab\\x09" },
	{ "\x1b[31mred", "\\x1b[31mred" },
	{ "del\x7f", "del\\x7f" },
	{ "say \"hi\"", "say\\x20\\x22hi\\x22" },
	{ "back\\slash", "back\\x5cslash" },
	{ "caf\xc3\xa9", "caf\xc3\xa9" },		/* valid UTF-8 kept */
	{ "\xe2\x82\xac\xf0\x9f\x98\x80", "\xe2\x82\xac\xf0\x9f\x98\x80" },
	{ "\xff\xfe", "\\xff\\xfe" },
	{ "\xc0\xaf", "\\xc0\\xaf" },		/* overlong '/' */
	{ "\xed\xa0\x80", "\\xed\\xa0\\x80" },	/* surrogate */
	{ "\xe2\x82", "\\xe2\\x82" },		/* cut short */
	{ "\xc2\x9b" "31m", "\\xc2\\x9b31m" },	/* C1 CSI */
	{ "\xc2\xa0", "\xc2\xa0" },		/* U+00A0 is not C1 */
	{ "k=v,x", "k=v,x" },
};

START_TEST(test_escape_table)
{
	char buf[256];

	ck_assert_str_eq(log_escape(esc_cases[_i].in, buf, sizeof(buf)),
			 esc_cases[_i].out);
}
END_TEST

START_TEST(test_escape_bounds)
{
	char buf[64];

	ck_assert_str_eq(log_escape(NULL, buf, sizeof(buf)), "(null)");
	ck_assert_str_eq(log_escape("abcdefghij", buf, 8), "abcdefg");
	/* An escape is written whole or not at all. */
	ck_assert_str_eq(log_escape("ab\ncd", buf, 6), "ab");
	ck_assert_str_eq(log_escape("ab\ncd", buf, 7), "ab\\x0a");
	/* So is a multibyte character. */
	ck_assert_str_eq(log_escape("a\xe2\x82\xac", buf, 4), "a");
	ck_assert_str_eq(log_escape("a\xe2\x82\xac", buf, 5), "a\xe2\x82\xac");
	buf[0] = 'Z';
	log_escape("x", buf, 0);
	ck_assert_int_eq(buf[0], 'Z');	/* n == 0 writes nothing */
	log_escape("x", buf, 1);
	ck_assert_str_eq(buf, "");
}
END_TEST

START_TEST(test_errstr)
{
	char buf[64];

	ck_assert_str_eq(log_errstr(-ENOENT, buf, sizeof(buf)),
			 "No such file or directory");
	ck_assert_str_eq(log_errstr(EACCES, buf, sizeof(buf)), "Permission denied");
	ck_assert_str_eq(log_errstr(-ENOENT, buf, 6), "No su");
	ck_assert_ptr_eq(log_errstr(-ENOENT, buf, sizeof(buf)), buf);
	ck_assert_str_eq(log_errstr(-100000, buf, sizeof(buf)), "Unknown error 100000");
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_one_write_per_line);
	tcase_add_test(tc, test_level_filter);
	tcase_add_test(tc, test_long_line_truncated);
	tcase_add_test(tc, test_journal_prefix);
	tcase_add_test(tc, test_threads_whole_lines);
	tcase_add_test(tc, test_errno_preserved);
	tcase_add_test(tc, test_fatal_exits);
	tcase_add_loop_test(tc, test_escape_table, 0, N(esc_cases));
	tcase_add_test(tc, test_escape_bounds);
	tcase_add_test(tc, test_errstr);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(log_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
