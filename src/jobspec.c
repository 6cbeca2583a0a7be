/*
 * jobspec.c - from an input in the drop folder (or a snippet) to a
 * job_spec: which language, which files, which arguments, stdin,
 * environment and limits.
 *
 * Everything here reads untrusted names and files: inputs are opened once
 * with O_NOFOLLOW|O_NONBLOCK and checked on the fd (fsutil.c), copied at
 * once into a private bundle (the user may change the original while the
 * job runs), and every refusal becomes an invalid_job result that says
 * what is wrong.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive.h"
#include "fsutil.h"
#include "job_archive.h"
#include "job.h"
#include "log.h"
#include "manifest.h"
#include "util.h"

#define MAX_MANIFEST (1L << 20)
#define BUNDLE_ENTRIES 10000
#define ARCHIVE_MANIFEST "cylo.job"	/* an archive's manifest, at its top */

void job_spec_init(struct job_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->files.fd = -1;
	s->stdin_fd = -1;
	s->archive_fd = -1;
	limits_unset(&s->limits);
}

void job_spec_free(struct job_spec *s)
{
	free(s->main);
	bundle_close(&s->files);
	strv_free(s->args);
	strv_free(s->env);
	strv_free(s->compile_env);
	strv_free(s->checker_env);
	if (s->stdin_fd >= 0)
		close(s->stdin_fd);
	if (s->archive_fd >= 0)
		close(s->archive_fd);
	free(s->tests);
	if (s->manifest)
		manifest_free(s->manifest);
	job_spec_init(s);
}

/* Refuses the job: invalid_job with a message; evaluates to -EINVAL. */
#define invalid(r, ...) (result_set_error((r), ST_INVALID_JOB, __VA_ARGS__), -EINVAL)

const struct cylo_limits *job_maxima(const struct job_ctx *c)
{
	return c->watch ? &c->watch->maxima : &c->cfg->maxima;
}

/* Refuses a manifest's job at @line of it: "job.job:3: main: ...". */
static int __attribute__((format(printf, 4, 5)))
invalid_at(struct job_result *r, const struct manifest *m, int line,
	   const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		result_set_error(r, ST_INVALID_JOB, "%s:%d: %s", m->fname, line, msg);
	else
		result_set_error(r, ST_INVALID_JOB, "%s: %s", m->fname, msg);
	return -EINVAL;
}

/* defaults: built-in, then the config's, then the watch's. */
static void base_limits(const struct job_ctx *c, struct cylo_limits *lim)
{
	limits_builtin_defaults(lim);
	limits_merge(lim, &c->cfg->defaults);
	if (c->watch)
		limits_merge(lim, &c->watch->defaults);
	limits_clamp(lim, job_maxima(c));
}

/*
 * defaults (built-in, config, watch) < the language's own < the job's.
 * A language default above the maxima is clamped; a job's value above
 * them is refused.
 */
static int resolve_limits(const struct job_ctx *c, const struct cylo_lang *l,
			  const struct cylo_limits *job, struct cylo_limits *out,
			  struct job_result *r)
{
	const struct cylo_limits *max = job_maxima(c);
	struct cylo_limits lim;
	const char *key;

	base_limits(c, &lim);
	limits_merge(&lim, &l->limits);
	limits_clamp(&lim, max);
	if (job && limits_check(job, max, &key) < 0)
		return invalid(r, "%s: the value exceeds %s maximum", key,
			       c->watch ? "this folder's" : "the configured");
	if (job)
		limits_layer(&lim, job, max);
	*out = lim;
	return 0;
}

static bool lang_allowed(const struct job_ctx *c, const struct cylo_lang *l)
{
	if (!c->watch || !c->watch->languages)
		return true;
	for (char **p = c->watch->languages; *p; p++)
		if (lang_find(&c->cfg->langs, *p) == l)
			return true;
	return false;
}

/* Seals @fd (a memfd) and returns a read-only reopening of it in *@out. */
static int reopen_ro(int fd, int *out)
{
	char path[64];
	int ro;

	if (fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK |
		  F_SEAL_SEAL) < 0)
		return -errno;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if ((ro = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	*out = ro;
	return 0;
}

/* A private, sealed, read-only copy of @len bytes of @src from @off. */
static int memfd_copy_at(int src, off_t off, size_t len, int *out)
{
	int fd, e = 0;

	fd = memfd_create("cylo-stdin", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	for (size_t done = 0; done < len && e == 0;) {
		ssize_t n = sendfile(fd, src, &off, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			e = n < 0 ? -errno : -EIO;	/* the file shrank */
		else
			done += (size_t)n;
	}
	if (e == 0)
		e = reopen_ro(fd, out);
	close(fd);
	return e;
}

/* The same for @len bytes of @data, or of @src_fd from its start. */
static int memfd_ro(const void *data, size_t len, int src_fd, int *out)
{
	int fd, e;

	if (!data)
		return memfd_copy_at(src_fd, 0, len, out);
	fd = memfd_create("cylo-stdin", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	e = write_all(fd, data, len);
	if (e == 0)
		e = reopen_ro(fd, out);
	close(fd);
	return e;
}

static int env_set(char ***env, const char *kv)
{
	size_t klen = strcspn(kv, "=");

	for (char **p = *env; p && *p; p++) {
		if (!strncmp(*p, kv, klen) && (*p)[klen] == '=') {
			char *d = strdup(kv);
			if (!d)
				return -ENOMEM;
			free(*p);
			*p = d;
			return 0;
		}
	}
	return strv_push(env, kv);
}

/* The minimal environment, then @l's (its {memory} and {heap} those of
 * @memory_mb), then @extra (the manifest's). */
static int build_env(char ***env, const struct cylo_lang *l, long memory_mb,
		     char *const *extra)
{
	static const char *const base[] = {
		"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/work", "TMPDIR=/tmp",
		"LANG=C.UTF-8", "USER=cylo", NULL
	};
	char memory[LANG_NUM_LEN], heap[LANG_NUM_LEN], *kv;
	struct lang_vars v = { 0 };
	int e = 0;

	lang_vars_memory(&v, memory_mb, memory, heap);
	for (size_t i = 0; base[i] && e == 0; i++)
		e = env_set(env, base[i]);
	for (char **p = l->env; p && *p && e == 0; p++) {
		if (!(kv = lang_env_expand(*p, &v)))
			return -ENOMEM;
		e = env_set(env, kv);
		free(kv);
	}
	for (char *const *p = extra; p && *p && e == 0; p++)
		e = env_set(env, *p);
	return e;
}

/*
 * The common tail: language check, limits, environment, arguments.
 * @tests_mb is the most memory a test of the job asks for (0: none): the
 * runs' {memory} and {heap} are sized for the largest, since the tests
 * share the run's command and environment.
 */
static int finish(const struct job_ctx *c, struct job_spec *s,
		  const struct cylo_limits *job, long tests_mb, char *const *args,
		  char *const *env, struct job_result *r)
{
	int e;

	free(r->language);
	r->language = strdup(s->lang->name);
	if (!lang_allowed(c, s->lang))
		return invalid(r, "language: %s is not allowed in this folder",
			       s->lang->name);
	if ((e = resolve_limits(c, s->lang, job, &s->limits, r)) < 0)
		return e;
	s->heap_mb = s->limits.memory > tests_mb ? s->limits.memory : tests_mb;
	s->args = strv_dup(args ? args : (char *const[]){ NULL });
	if (!s->args || !r->language || build_env(&s->env, s->lang, s->heap_mb, env) < 0 ||
	    (s->lang->compile &&
	     build_env(&s->compile_env, s->lang, s->limits.compile_memory, env) < 0)) {
		result_set_error(r, ST_INTERNAL_ERROR, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

static int open_failed(struct job_result *r, const char *name, int e)
{
	const char *why =
		e == -ELOOP ? "is a symbolic link" :
		e == -EINVAL ? "is not a regular file" :
		e == -EMLINK ? "has more than one hard link" :
		e == -EFBIG ? "is larger than max_input_size" :
		e == -ENOENT ? "does not exist" :
		e == -EACCES ? "is not readable" : "cannot be opened";

	return invalid(r, "input '%s' %s", name, why);
}

static long input_cap(const struct job_ctx *c)
{
	return c->watch ? c->watch->max_input_size : c->cfg->max_input_size;
}

static size_t workspace_bytes(const struct job_spec *s)
{
	return (size_t)s->limits.workspace << 20;
}

/*
 * Whose files a drop-folder input may take beside it (NAME/, NAME.EXT.stdin):
 * its own owner's only, or a user could have the daemon copy another
 * user's private files into a job of theirs.  A command (`cylo run`) reads
 * what its caller names: any owner.
 */
static uid_t side_owner(const struct job_ctx *c, const struct stat *input)
{
	return c->watch ? input->st_uid : (uid_t)-1;
}

/* NAME.EXT.stdin beside a bare source: optional, same checks as the input,
 * and @owner's (side_owner()). */
static int bare_stdin(const struct job_ctx *c, int dirfd, const char *name, uid_t owner,
		      struct job_spec *s, struct job_result *r)
{
	char sname[512];
	struct stat st;
	int fd, e;

	if (snprintf(sname, sizeof(sname), "%s.stdin", name) >= (int)sizeof(sname))
		return 0;
	fd = open_input(dirfd, sname, input_cap(c), &st);
	if (fd == -ENOENT)
		return 0;
	if (fd >= 0 && owner != (uid_t)-1 && st.st_uid != owner) {
		close(fd);
		return invalid(r, "input '%s' belongs to another user than '%s'", sname, name);
	}
	if (fd < 0)
		return open_failed(r, sname, fd);
	e = memfd_ro(NULL, (size_t)st.st_size, fd, &s->stdin_fd);
	close(fd);
	if (e < 0)
		result_set_error(r, ST_INTERNAL_ERROR, "cannot copy stdin: %s", log_errstr(e, (char[96]){0}, 96));
	return e;
}

static int from_bare(const struct job_ctx *c, int dirfd, const char *name,
		     int fd, const struct stat *st, struct job_spec *s,
		     struct job_result *r)
{
	int e;

	s->lang = lang_by_filename(&c->cfg->langs, name);
	if (!s->lang)
		return invalid(r, "input '%s': no configured language has this extension",
			       name);
	if (!bundle_path_ok(name))
		return invalid(r, "input name '%s' cannot be used as a file name in the job",
			       name);
	if ((e = finish(c, s, NULL, 0, NULL, NULL, r)) < 0)
		return e;
	if ((size_t)st->st_size > workspace_bytes(s))
		return invalid(r, "input '%s' is larger than the workspace (%ld MiB)",
			       name, s->limits.workspace);
	s->main = strdup(name);
	e = !s->main || bundle_new(&s->files, workspace_bytes(s), BUNDLE_ENTRIES) < 0 ? -ENOMEM
	    : bundle_add_fd(&s->files, name, fd, (size_t)st->st_size, 0644);
	if (e == -EIO)	/* it shrank: its new version runs again (input identity) */
		return invalid(r, "input '%s' changed while it was read", name);
	if (e < 0 || bundle_seal(&s->files) < 0) {
		result_set_error(r, ST_INTERNAL_ERROR, "cannot copy the input");
		return -EIO;
	}
	return bare_stdin(c, dirfd, name, side_owner(c, st), s, r);
}

/* NAME.job -> NAME */
static int job_dirname(const char *name, char *buf, size_t n)
{
	size_t len = strlen(name) - 4;

	if (len == 0 || len >= n)
		return -ENAMETOOLONG;
	memcpy(buf, name, len);
	buf[len] = '\0';
	return 0;
}

/* The manifest's NAME/ directory, @owner's (side_owner()), or -ENOENT. */
static int open_job_dir(int dirfd, const char *name, uid_t owner, struct job_result *r)
{
	char dname[256];
	struct stat st;
	int fd;

	if (job_dirname(name, dname, sizeof(dname)) < 0)
		return -ENOENT;
	fd = openat(dirfd, dname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return -ENOENT;
	if (fd < 0)
		return invalid(r, "'%s/' beside the manifest is not a directory", dname);
	if (fstat(fd, &st) < 0 || (owner != (uid_t)-1 && st.st_uid != owner)) {
		close(fd);
		return invalid(r, "'%s/' beside the manifest belongs to another user than "
			       "'%s'", dname, name);
	}
	return fd;
}

/* The job directory's files, copied into the workspace bundle. */
static int manifest_files(int jdir, uid_t owner, struct job_spec *s, struct job_result *r)
{
	char bad[1100], esc[512];
	int e;

	if (bundle_new(&s->files, workspace_bytes(s), BUNDLE_ENTRIES) < 0)
		return -ENOMEM;
	if (jdir < 0)
		return 0;
	e = bundle_add_tree(&s->files, jdir, "", owner, bad, sizeof(bad));
	if (e < 0)	/* the name as archives' are shown: a newline in it stays one line */
		return invalid(r, "job directory entry '%s': %s",
			       log_escape(bad, esc, sizeof(esc)), bundle_error(e));
	return 0;
}

int jobspec_test_stdin(const struct job_spec *s, size_t i, int *fd)
{
	const struct job_part *in = &s->tests[i].in;

	*fd = -1;
	if (in->text)
		return memfd_ro(in->text, in->len, -1, fd);
	if (in->in_bundle)
		return memfd_copy_at(s->files.fd, in->off, in->len, fd);
	return 0;
}

/* @text, or where @file is in the bundle; -ENOENT when it is not. */
static int test_part(const struct job_spec *s, const char *text, const char *file,
		     struct job_part *p)
{
	*p = (struct job_part){ .text = text, .len = text ? strlen(text) : 0 };
	if (!file)
		return 0;
	p->in_bundle = true;
	return bundle_find(&s->files, file, &p->off, &p->len) < 0 ? -ENOENT : 0;
}

/*
 * One test's stdin and expected output: inline, or where its stdin_file
 * and expect_file are in the bundle (hidden from /work later, by
 * manifest_tests()).
 */
static int test_files(const struct manifest *m, const struct manifest_test *t,
		      const char *where, struct job_spec *s, struct job_test *jt,
		      struct job_result *r)
{
	jt->t = t;
	if (test_part(s, t->stdin_text, t->stdin_file, &jt->in) < 0)
		return invalid_at(r, m, t->line.stdin_file, "stdin_file: '%s' "
				  "(test '%s') is not a file of %s",
				  t->stdin_file, t->name, where);
	if (test_part(s, t->expect, t->expect_file, &jt->answer) < 0)
		return invalid_at(r, m, t->line.expect_file, "expect_file: '%s' (test "
				  "'%s') is not a file of %s", t->expect_file, t->name, where);
	return 0;
}

/* Hides @path from /work; refused when it is the program itself. */
static int test_hide(const struct manifest *m, const char *path, int line,
		     const char *key, struct job_spec *s, struct job_result *r)
{
	if (strcmp(path, s->main) == 0)
		return invalid_at(r, m, line, "%s: '%s' is main, which the program needs; "
				  "%s is kept out of its workspace", key, path,
				  strcmp(key, "checker") ? "a test's file" : "the checker");
	return bundle_hide(&s->files, path);
}

/*
 * The checker: a file of the job, in a language this folder allows (known
 * by its extension), kept out of the program's workspace like a test's
 * files.  job_checker.c runs it in a box of its own.
 */
static int checker_file(const struct job_ctx *c, const struct manifest *m,
			const char *where, struct job_spec *s, struct job_result *r)
{
	size_t n = strlen(CHECKER_DIR);
	off_t off;
	size_t len;
	int e;

	if (!strncmp(m->checker, CHECKER_DIR, n) && m->checker[n] == '/')
		return invalid_at(r, m, m->line.checker, "checker: '%s': " CHECKER_DIR
				  "/ is the checker's own directory", m->checker);
	for (size_t i = 0; i < m->ntests; i++)
		if (m->tests[i].stdin_file && !strcmp(m->tests[i].stdin_file, m->checker))
			return invalid_at(r, m, m->line.checker, "checker: '%s' is test "
					  "'%s''s stdin_file: the program would read it",
					  m->checker, m->tests[i].name);
	if (bundle_find(&s->files, m->checker, &off, &len) < 0)
		return invalid_at(r, m, m->line.checker, "checker: '%s' is not a file of %s",
				  m->checker, where);
	s->checker_lang = lang_by_filename(&c->cfg->langs, m->checker);
	if (!s->checker_lang)
		return invalid_at(r, m, m->line.checker, "checker: no language runs '%s' "
				  "(a language is known by its file's extension)", m->checker);
	if (!lang_allowed(c, s->checker_lang))
		return invalid_at(r, m, m->line.checker, "checker: %s is not allowed in "
				  "this folder", s->checker_lang->name);
	s->checker = m->checker;
	/* Its language's limits under the manifest's, as a program's. */
	if ((e = resolve_limits(c, s->checker_lang, &m->limits, &s->checker_limits, r)) < 0)
		return e;
	if (build_env(&s->checker_env, s->checker_lang, s->checker_limits.memory, NULL) < 0)
		return -ENOMEM;
	return test_hide(m, m->checker, m->line.checker, "checker", s, r);
}

/* Every test's files (see test_files()) and the checker; a job-wide
 * stdin that no run would read, and a checker with nothing to judge, are
 * refused. */
static int manifest_tests(const struct job_ctx *c, const struct manifest *m,
			  const char *where, struct job_spec *s, struct job_result *r)
{
	int e;

	if (m->checker && m->ntests == 0)
		return invalid_at(r, m, m->line.checker, "checker: the manifest has no "
				  "test for it to judge");
	if (m->ntests == 0)
		return 0;
	if (m->stdin_text || m->stdin_file)
		return invalid_at(r, m, m->stdin_text ? m->line.stdin : m->line.stdin_file,
				  "%s: a job with tests takes each run's input from its "
				  "test's stdin or stdin_file", m->stdin_text ? "stdin" : "stdin_file");
	if (!(s->tests = calloc(m->ntests, sizeof(*s->tests))))
		return -ENOMEM;
	s->ntests = m->ntests;
	for (size_t i = 0; i < m->ntests; i++)
		if ((e = test_files(m, &m->tests[i], where, s, &s->tests[i], r)) < 0)
			return e;
	/* Hidden only once every test has found its files. */
	for (size_t i = 0; i < m->ntests; i++) {
		const struct manifest_test *t = &m->tests[i];

		if (t->stdin_file && (e = test_hide(m, t->stdin_file, t->line.stdin_file,
						    "stdin_file", s, r)) < 0)
			return e;
		if (t->expect_file && (e = test_hide(m, t->expect_file, t->line.expect_file,
						     "expect_file", s, r)) < 0)
			return e;
	}
	return m->checker ? checker_file(c, m, where, s, r) : 0;
}

struct entry_type {
	const char *path;
	char type;		/* bundle_walk()'s, 0 while none seen */
};

static int type_visit(void *arg, const char *path, char type, size_t size, off_t data,
		      unsigned mode)
{
	struct entry_type *t = arg;

	(void)size;
	(void)data;
	(void)mode;
	if (strcmp(path, t->path) != 0)
		return 0;
	t->type = type;
	return 1;
}

/* The type of @path's entry in @b ('d', 'f', 'h'), 0 for none, or -errno. */
static int entry_type(const struct bundle *b, const char *path)
{
	struct entry_type t = { .path = path };
	int e = bundle_walk(b, type_visit, &t);

	return e < 0 ? e : t.type;
}

/*
 * Inline code as @main, after the directories on its path that the job's
 * files lack.  -EEXIST when an entry of theirs is in the way: a file where
 * a directory goes, or anything at @main itself.
 */
static int add_code(struct bundle *b, const char *main, const char *code, size_t len)
{
	char *dir = strdup(main);
	int e = dir ? 0 : -ENOMEM;

	for (char *p = dir; e == 0 && p && (p = strchr(p, '/')) != NULL; *p++ = '/') {
		*p = '\0';
		if ((e = entry_type(b, dir)) == 'd')
			e = 0;
		else if (e == 0)
			e = bundle_add_dir(b, dir);
		else if (e > 0)
			e = -EEXIST;
	}
	free(dir);
	if (e == 0 && (e = entry_type(b, main)) > 0)
		e = -EEXIST;
	return e < 0 ? e : bundle_add_data(b, main, code, len, 0644);
}

/*
 * What a manifest takes from its files once they are in the bundle
 * (copied from the job directory, or extracted from the archive, named by
 * @where): main, or inline code in its place, and stdin_file.  Looked up
 * in the copy, never in the live folder its owner may change meanwhile.
 */
static int manifest_stage(const struct job_ctx *c, const struct manifest *m,
			  const char *where, struct job_spec *s, struct job_result *r)
{
	off_t off;
	size_t len;
	bool have_main = bundle_find(&s->files, s->main, &off, &len) == 0;
	int e;

	if (m->code && have_main)
		return invalid_at(r, m, m->line.code, "code: the manifest has inline code "
				  "and %s has '%s' too", where, s->main);
	if (m->code) {
		if (!bundle_path_ok(s->main))
			return invalid_at(r, m, m->line.main, "main: '%s' is not a valid "
					  "file name", s->main);
		e = add_code(&s->files, s->main, m->code, m->code_len);
		if (e == -EEXIST)
			return invalid_at(r, m, m->line.code, "code: the manifest has inline "
					  "code and %s has an entry in the way of '%s'", where,
					  s->main);
		if (e < 0)
			return invalid_at(r, m, m->line.code, "code: %s", e == -EFBIG ?
					  "larger than the workspace" : e == -E2BIG ?
					  "too many files with the job's" : "cannot be stored");
	} else if (!have_main) {
		return invalid_at(r, m, m->line.main, "main: '%s' is neither inline code "
				  "nor a file of %s", s->main, where);
	}
	if (m->stdin_text)
		e = memfd_ro(m->stdin_text, strlen(m->stdin_text), -1, &s->stdin_fd);
	else if (!m->stdin_file)
		e = 0;
	else if (bundle_find(&s->files, m->stdin_file, &off, &len) < 0)
		return invalid_at(r, m, m->line.stdin_file, "stdin_file: '%s' is not a "
				  "file of %s", m->stdin_file, where);
	else
		e = memfd_copy_at(s->files.fd, off, len, &s->stdin_fd);
	return e < 0 ? e : manifest_tests(c, m, where, s, r);
}

static int manifest_lang(const struct job_ctx *c, const struct manifest *m,
			 struct job_spec *s, struct job_result *r)
{
	if (m->language) {
		s->lang = lang_find(&c->cfg->langs, m->language);
		if (!s->lang)
			return invalid_at(r, m, m->line.language,
					  "language: unknown language '%s'", m->language);
	} else if (m->main) {
		s->lang = lang_by_filename(&c->cfg->langs, m->main);
		if (!s->lang)
			return invalid_at(r, m, m->line.main, "language: missing, and main "
					  "'%s' has no known extension", m->main);
	} else {
		return invalid_at(r, m, 0, "language: missing (and no main to infer it from)");
	}
	if (!lang_allowed(c, s->lang)) {	/* finish() checks the rest, with no line */
		free(r->language);
		r->language = strdup(s->lang->name);
		return invalid_at(r, m, m->language ? m->line.language : m->line.main,
				  "language: %s is not allowed in this folder", s->lang->name);
	}
	s->main = strdup(m->main ? m->main : s->lang->default_main);
	return s->main ? 0 : -ENOMEM;
}

/* The most memory a test of @m asks for, 0 when none does. */
static long tests_memory(const struct manifest *m)
{
	long mb = 0;

	for (size_t i = 0; i < m->ntests; i++)
		if (m->tests[i].limits.memory > mb)
			mb = m->tests[i].limits.memory;
	return mb;
}

/* Parses manifest text and settles language, main, limits, args, env. */
static int apply_manifest(const struct job_ctx *c, const char *text, size_t len,
			  const char *fname, struct job_spec *s, struct job_result *r)
{
	char err[512];
	struct manifest *m = NULL;
	int e;

	e = manifest_parse(text, len, fname, job_maxima(c), &m, err, sizeof(err));
	if (e < 0)
		return invalid(r, "%s", err);
	s->manifest = m;
	if ((e = manifest_lang(c, m, s, r)) < 0)
		return e;
	return finish(c, s, &m->limits, tests_memory(m), m->args, m->env, r);
}

static int from_manifest(const struct job_ctx *c, int dirfd, const char *name,
			 int fd, uid_t owner, struct job_spec *s, struct job_result *r)
{
	char *text = NULL;
	size_t len;
	int e, jdir = -1;

	if ((e = read_fd_all(fd, MAX_MANIFEST, &text, &len)) < 0)
		return e == -EFBIG ? invalid(r, "input '%s': a manifest is at most "
					     "1 MiB", name) :
		       invalid(r, "input '%s' cannot be read", name);
	e = apply_manifest(c, text, len, name, s, r);
	free(text);
	if (e < 0)
		return e;
	jdir = open_job_dir(dirfd, name, owner, r);
	if (jdir < 0 && jdir != -ENOENT)
		return jdir;
	e = manifest_files(jdir, owner, s, r);
	if (jdir >= 0)
		close(jdir);
	if (e == 0)
		e = manifest_stage(c, s->manifest, "the job directory", s, r);
	if (e == 0)
		e = bundle_seal(&s->files);
	if (e < 0 && r->status != ST_INVALID_JOB)
		result_set_error(r, ST_INTERNAL_ERROR, "cannot stage the job's files: %s",
				 log_errstr(e, (char[96]){0}, 96));
	return e;
}

/* What an archive holds at its top: cylo.job, and the candidates for main. */
struct arc_scan {
	const struct lang_table *langs;
	off_t manifest_off;
	size_t manifest_len;
	bool has_manifest;
	int nsources;
	char single[256];	/* the only top-level source, if one */
	char main_guess[256];	/* main.EXT or Main.java */
	char main_other[256];	/* another of them: which one is meant? */
};

static int arc_visit(void *arg, const char *path, char type, size_t size, off_t data,
		     unsigned mode)
{
	struct arc_scan *a = arg;
	const struct cylo_lang *l;

	(void)mode;
	if (type != 'f' || strchr(path, '/'))
		return 0;
	if (!strcmp(path, ARCHIVE_MANIFEST)) {
		a->has_manifest = true;
		a->manifest_off = data;
		a->manifest_len = size;
	} else if ((l = lang_by_filename(a->langs, path))) {
		a->nsources++;
		snprintf(a->single, sizeof(a->single), "%s", path);
		if (!strncmp(path, "main.", 5) || !strcmp(path, "Main.java")) {
			if (a->main_guess[0])
				snprintf(a->main_other, sizeof(a->main_other), "%s",
					 a->main_guess);
			snprintf(a->main_guess, sizeof(a->main_guess), "%s", path);
		}
	}
	return 0;
}

static int arc_manifest(const struct job_ctx *c, const char *name,
			const struct arc_scan *a, struct job_spec *s,
			struct job_result *r)
{
	char fname[300], *text;
	int e;

	if (a->manifest_len > MAX_MANIFEST)
		return invalid(r, "%s: cylo.job is larger than 1 MiB", name);
	if ((e = pread_dup(s->files.fd, a->manifest_len, a->manifest_off, &text)) < 0)
		return e == -ENOMEM ? e : invalid(r, "%s: cylo.job cannot be read", name);
	snprintf(fname, sizeof(fname), "%s:cylo.job", name);
	e = apply_manifest(c, text, a->manifest_len, fname, s, r);
	free(text);
	if (e < 0 || (e = manifest_stage(c, s->manifest, "the archive", s, r)) < 0)
		return e;
	/* The manifest holds every test's inline input and answer. */
	if (s->ntests && !strcmp(s->main, ARCHIVE_MANIFEST))
		return invalid_at(r, s->manifest, s->manifest->line.main, "main: '%s' "
				  "holds the tests' answers, which are kept out of the "
				  "workspace", ARCHIVE_MANIFEST);
	return s->ntests ? bundle_hide(&s->files, ARCHIVE_MANIFEST) : 0;
}

static int arc_infer(const struct job_ctx *c, const char *name,
		     const struct arc_scan *a, struct job_spec *s, struct job_result *r)
{
	const char *main = a->nsources == 1 ? a->single :
			   a->main_guess[0] ? a->main_guess : NULL;

	if (!main)
		return invalid(r, "%s: cannot tell what to run: add a cylo.job manifest, "
			       "or keep a single source file or a main.EXT at the top", name);
	if (a->nsources > 1 && a->main_other[0])
		return invalid(r, "%s: cannot tell what to run: both %s and %s are at the "
			       "top; add a cylo.job manifest naming one", name,
			       a->main_other, a->main_guess);
	s->lang = lang_by_filename(&c->cfg->langs, main);
	if (!(s->main = strdup(main)))
		return -ENOMEM;
	return finish(c, s, NULL, 0, NULL, NULL, r);
}

static int from_archive(const struct job_ctx *c, const char *name, int fd,
			const struct stat *st, struct job_spec *s, struct job_result *r)
{
	struct arc_scan a = { .langs = &c->cfg->langs };
	struct cylo_limits lim;
	char err[512];
	int afd = -1, e;

	if (c->watch && !c->watch->archives)
		return invalid(r, "input '%s': archives are not accepted in this folder", name);
	base_limits(c, &lim);
	if ((e = memfd_ro(NULL, (size_t)st->st_size, fd, &afd)) < 0)
		goto out;
	e = archive_to_bundle(c, afd, &lim, &s->files, err, sizeof(err));
	if (e == -EINVAL) {
		result_set_error(r, ST_INVALID_JOB, "%s", err);
		goto out;
	} else if (e < 0) {
		result_set_error(r, ST_SANDBOX_ERROR, "%s", err);
		goto out;
	}
	if ((e = bundle_walk(&s->files, arc_visit, &a)) < 0) {
		result_set_error(r, ST_INVALID_JOB, "archive: malformed extraction");
		goto out;
	}
	e = a.has_manifest ? arc_manifest(c, name, &a, s, r) : arc_infer(c, name, &a, s, r);
	if (e == 0)
		e = bundle_seal(&s->files);
out:
	if (afd >= 0)
		close(afd);
	if (e < 0 && r->status == ST_OK)
		result_set_error(r, ST_INTERNAL_ERROR, "cannot stage the archive: %s",
				 log_errstr(e, (char[96]){0}, 96));
	return e;
}

int jobspec_from_input(const struct job_ctx *c, int dirfd, const char *name,
		       struct job_spec *s, struct job_result *r)
{
	struct stat st;
	size_t n = strlen(name);
	int fd, e;

	memset(&st, 0, sizeof(st));
	fd = open_input(dirfd, name, input_cap(c), &st);
	/* The file opened or refused (open_input() stats it first: a refusal,
	 * EACCES included, has its identity), not the one the scan saw:
	 * another user may have swapped theirs in at the name, and the result
	 * must neither go to them nor stand for the other. */
	if (fd >= 0 || st.st_ino != 0) {
		input_id_of(&st, &r->input);
		r->input_uid = st.st_uid;
		r->input_gid = st.st_gid;
	}
	if (fd < 0)
		return open_failed(r, name, fd);
	if (n > 4 && !strcmp(name + n - 4, ".job"))
		e = from_manifest(c, dirfd, name, fd, side_owner(c, &st), s, r);
	else if (archive_is_archive_name(name))
		e = from_archive(c, name, fd, &st, s, r);
	else
		e = from_bare(c, dirfd, name, fd, &st, s, r);
	close(fd);
	return e;
}

int jobspec_from_code(const struct job_ctx *c, const char *lang_name,
		      const char *code, size_t code_len, int stdin_fd,
		      const struct cylo_limits *over, struct job_spec *s,
		      struct job_result *r)
{
	struct stat st;
	int e;

	s->lang = lang_find(&c->cfg->langs, lang_name);
	if (!s->lang)
		return invalid(r, "language: unknown language '%s'", lang_name);
	if (code_len == 0)
		return invalid(r, "code: empty program");
	if ((e = finish(c, s, over, 0, NULL, NULL, r)) < 0)
		return e;
	s->main = strdup(s->lang->default_main);
	if (!s->main || bundle_new(&s->files, workspace_bytes(s), BUNDLE_ENTRIES) < 0)
		return -ENOMEM;
	e = bundle_add_data(&s->files, s->main, code, code_len, 0644);
	if (e < 0)
		return invalid(r, "code: %s", "larger than the workspace");
	if ((e = bundle_seal(&s->files)) < 0)
		return e;
	if (stdin_fd >= 0) {
		if (fstat(stdin_fd, &st) == 0 && S_ISREG(st.st_mode))
			return memfd_ro(NULL, (size_t)st.st_size, stdin_fd, &s->stdin_fd);
		return invalid(r, "stdin: not a regular file");
	}
	return 0;
}

static bool has_suffix(const char *s, size_t n, const char *suf)
{
	size_t k = strlen(suf);

	return n >= k && !strcmp(s + n - k, suf);
}

bool job_is_input_name(const struct cylo_config *cfg, const struct watch_conf *w,
		       const char *name)
{
	static const char *const never[] = {
		"~", ".tmp", ".part", ".swp", RESULT_SUFFIX, ".stdout", ".stderr",
		".stdin", NULL
	};
	size_t n = strlen(name);

	if (n == 0 || name[0] == '.')
		return false;
	for (size_t i = 0; never[i]; i++)
		if (has_suffix(name, n, never[i]))
			return false;
	if (has_suffix(name, n, ".job"))
		return n > 4;
	if (archive_is_archive_name(name))
		return !w || w->archives;
	return (!w || w->bare_sources) && lang_by_filename(&cfg->langs, name);
}
