/*
 * job_checker.c - a manifest's checker program judging its tests.
 *
 * The checker's box gets a bundle of its own: the job's files (the ones
 * the program saw, and the checker itself, but not a test's hidden
 * stdin_file or expect_file: those reach it as INPUT and ANSWER), and one
 * directory per judged test, .cylo-check/N/ (N the test's index), with
 * `input`, `output` (the program's stdout), `answer` (the expected
 * output, empty without one) and `stderr` (its first CHECK_ERR_KEEP
 * bytes, to show in the result).  The runs' files together may fill the
 * job's workspace, no more (checks_add()).  The checker is compiled once
 * when its language compiles, then run once per test as its language's
 * run command with the three paths as arguments, under its language's
 * limits and the manifest's job-wide ones.  The exit statuses are
 * testlib's: 0 accepted, 1 wrong answer, 2 presentation error (a wrong
 * answer here); any other end is a checker that could not judge, and
 * the job fails as invalid_job, so that no grade rests on it.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "job_checker.h"
#include "job_stage.h"
#include "log.h"
#include "manifest.h"
#include "util.h"

#define CHECK_ENTRIES 5		/* a test's directory and its four files */
#define ERR_LINE 200		/* of what the checker wrote, kept */

struct copy {
	struct bundle *to;
	const struct job_spec *s;
};

/* Every file of the job, hidden or not (the checker, and the tests'
 * stdin_file and expect_file, which reach it as they are), with its mode
 * (a helper the checker runs keeps its execute bits).  CHECKER_DIR is the
 * checker's: a job's own of that name stays the program's. */
static int copy_visit(void *arg, const char *path, char type, size_t size, off_t data,
		      unsigned mode)
{
	struct copy *c = arg;
	size_t n = strlen(CHECKER_DIR);

	if (!strncmp(path, CHECKER_DIR, n) && (path[n] == '\0' || path[n] == '/'))
		return 0;
	if (type == 'd')
		return bundle_add_dir(c->to, path);
	return bundle_add_at(c->to, path, c->s->files.fd, data, size, mode);
}

int checks_init(struct checks *k, const struct job_spec *s)
{
	memset(k, 0, sizeof(*k));
	k->files.fd = -1;
	/* What the runs leave may fill the job's workspace, no more: a
	 * hostile program must not make the daemon hold 256 outputs. */
	k->budget = (size_t)s->limits.workspace << 20;
	k->tests = calloc(s->ntests ? s->ntests : 1, sizeof(*k->tests));
	return k->tests ? 0 : -ENOMEM;
}

/* The bundle, with a copy of the job's files: made for the first run
 * kept, so that a job whose runs all failed copies nothing. */
static int checks_open(struct checks *k, const struct job_spec *s)
{
	struct copy c = { .to = &k->files, .s = s };
	size_t bytes = s->files.bytes + k->budget;
	int e;

	/* inline parts only: a file many tests name is copied once */
	for (size_t i = 0; i < s->ntests; i++)
		bytes += (s->tests[i].in.in_bundle ? 0 : s->tests[i].in.len) +
			 (s->tests[i].answer.in_bundle ? 0 : s->tests[i].answer.len);
	if ((e = bundle_new(&k->files, bytes,
			    s->files.entries + 1 + CHECK_ENTRIES * s->ntests)) < 0)
		return e;
	if ((e = bundle_walk(&s->files, copy_visit, &c)) < 0)
		return e;
	return bundle_add_dir(&k->files, CHECKER_DIR);
}

/*
 * Test @i's parts in CHECKER_DIR/@i: the run's output and stderr, and the
 * input and answer unless they are files of the job (which the copy holds
 * once, however many tests name them; a part that is none is an empty
 * file).  Over the budget: 1, nothing kept.
 */
int checks_add(struct checks *k, const struct job_spec *s, size_t i,
	       const struct stage_outcome *o)
{
	size_t err = o->err.len < CHECK_ERR_KEEP ? o->err.len : CHECK_ERR_KEEP;
	const struct { const char *name; struct job_part p; } files[] = {
		{ "input", s->tests[i].in },
		{ "output", { .text = o->out.p, .len = o->out.len } },
		{ "answer", s->tests[i].answer },
		{ "stderr", { .text = o->err.p, .len = err } },
	};
	char dir[64], path[96];
	int e;

	if (o->out.len + err > k->budget)
		return 1;
	if (k->files.fd < 0 && (e = checks_open(k, s)) < 0)
		return e;
	k->budget -= o->out.len + err;
	snprintf(dir, sizeof(dir), CHECKER_DIR "/%zu", i);
	if ((e = bundle_add_dir(&k->files, dir)) < 0)
		return e;
	for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		const struct job_part *p = &files[f].p;

		if (p->in_bundle)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, files[f].name);
		if ((e = bundle_add_data(&k->files, path, p->len ? p->text : "", p->len,
					 0644)) < 0)
			return e;
	}
	k->tests[k->n++] = i;
	return 0;
}

int checks_read(const struct checks *k, size_t i, const char *what, char **buf,
		size_t *len)
{
	char path[96];
	off_t off;
	int e;

	*buf = NULL;
	snprintf(path, sizeof(path), CHECKER_DIR "/%zu/%s", i, what);
	if ((e = bundle_find(&k->files, path, &off, len)) < 0)
		return e;
	return pread_dup(k->files.fd, *len, off, buf);
}

void checks_free(struct checks *k)
{
	bundle_close(&k->files);
	free(k->tests);
	k->tests = NULL;
	k->n = 0;
}

/* The checker's stages, [compile,] then one run per test, and what
 * they borrow, owned here until the box is closed. */
struct cplan {
	struct stage_spec *st;
	char ***argv;
	size_t n;
	size_t first;		/* the first test's stage: 1 after a compile */
	char **ro_paths;
	char *base;
};

static void cplan_free(struct cplan *p)
{
	for (size_t i = 0; p->argv && i < p->n; i++)
		lang_argv_free(p->argv[i]);
	free(p->argv);
	free(p->st);
	strv_free(p->ro_paths);
	free(p->base);
}

/* Where test @t's part @name is in the checker's /work: the job's own
 * file ("./" first, so that no name reads as an option), or its copy. */
static void part_path(char *buf, size_t n, const char *file, size_t t, const char *name)
{
	if (file)
		snprintf(buf, n, "./%s", file);
	else
		snprintf(buf, n, CHECKER_DIR "/%zu/%s", t, name);
}

/* Test @t's run: the language's run command and INPUT OUTPUT ANSWER. */
static int check_argv(const struct cylo_lang *l, const struct lang_vars *v,
		      const struct manifest_test *mt, size_t t, char ***argv)
{
	char in[PATH_MAX + 8], out[64], ans[PATH_MAX + 8];
	char *const extra[] = { in, out, ans, NULL };

	part_path(in, sizeof(in), mt->stdin_file, t, "input");
	part_path(out, sizeof(out), NULL, t, "output");
	part_path(ans, sizeof(ans), mt->expect_file, t, "answer");
	return lang_expand(l->run, v, extra, argv);
}

static int cplan_build(struct cplan *p, const struct job_ctx *c, const struct job_spec *s,
		       const struct checks *k)
{
	const struct cylo_lang *l = s->checker_lang;
	struct lang_vars v = { .main = s->checker, .dir = "/work", .exe = JOB_EXE_PATH };
	char mainbuf[1100], memory[LANG_NUM_LEN], heap[LANG_NUM_LEN];
	int e;

	lang_vars_memory(&v, s->checker_limits.memory, memory, heap);
	memset(p, 0, sizeof(*p));
	p->first = l->compile ? 1 : 0;
	p->n = p->first + k->n;
	if (!(p->st = calloc(p->n, sizeof(*p->st))) || !(p->argv = calloc(p->n, sizeof(*p->argv))) ||
	    !(p->base = job_base_name(s->checker)) || !(p->ro_paths = strv_dup(l->paths)))
		return -ENOMEM;
	for (char **x = c->cfg->sandbox.extra_ro_paths; x && *x; x++)
		if (strv_push(&p->ro_paths, *x) < 0)
			return -ENOMEM;
	v.base = p->base;
	if (s->checker[0] == '-') {	/* a file named "-x.py" is not an option */
		snprintf(mainbuf, sizeof(mainbuf), "./%s", s->checker);
		v.main = mainbuf;
	}
	if (l->compile) {
		if ((e = lang_expand(l->compile, &v, NULL, &p->argv[0])) < 0)
			return e;
		job_stage_limits(&p->st[0], &s->checker_limits, true);
	}
	for (size_t j = 0; j < k->n; j++) {
		if ((e = check_argv(l, &v, s->tests[k->tests[j]].t, k->tests[j],
				    &p->argv[p->first + j])) < 0)
			return e;
		job_stage_limits(&p->st[p->first + j], &s->checker_limits, false);
	}
	for (size_t i = 0; i < p->n; i++) {
		p->st[i].argv = p->argv[i];
		p->st[i].envp = s->checker_env;
		p->st[i].address_space_mb = l->address_space;
		p->st[i].stdin_fd = p->st[i].exec_fd = p->st[i].stdout_fd = -1;
	}
	return 0;
}

/* The first line of @p's @len bytes that is not empty, at most ERR_LINE
 * bytes, not cut inside a UTF-8 sequence; a NUL ends it like a newline.
 * Its length, 0 for none. */
static size_t line_in(const char *p, size_t len, const char **text)
{
	size_t i = 0, n;

	for (;;) {
		while (i < len && (p[i] == '\n' || p[i] == '\r' || p[i] == '\0'))
			i++;
		if (i == len)
			return 0;
		for (n = 0; i + n < len && p[i + n] != '\n' && p[i + n] != '\0'; n++)
			;
		while (n && p[i + n - 1] == '\r')
			n--;
		if (n)
			break;
	}
	*text = p + i;
	if (n > ERR_LINE) {	/* back to the start of a character */
		n = ERR_LINE;
		while (n && ((unsigned char)p[i + n] & 0xc0) == 0x80)
			n--;
	}
	return n;
}

/* The first line the checker wrote, of stderr, else of stdout (a compiler
 * may use either); line_in()'s. */
static size_t first_line(const struct stage_outcome *o, const char **text)
{
	size_t n = line_in(o->err.p, o->err.len, text);

	return n ? n : line_in(o->out.p, o->out.len, text);
}

/* Whether a checker in language @l died of an uncaught error: its
 * runtime's exit 1 would read as a wrong answer, the student's loss for
 * the checker's bug.  The runtime starts a line with its report; a
 * checker that quotes the program's output in its message ("got
 * 'Traceback ...'") judged, and the program wrote that text. */
static bool crashed(const struct cylo_lang *l, const struct stage_outcome *o)
{
	return o->exit_code != 0 && job_stderr_has_line(o, l->uncaught);
}

/* A test's verdict and message from how a checker in language @l ended;
 * false when it did not judge. */
static bool judged(const struct cylo_lang *l, const struct stage_outcome *o,
		   struct check_verdict *v)
{
	const char *text;
	size_t n;

	if (o->timed_out || o->memory_exceeded || o->output_exceeded || o->signal ||
	    o->exit_code < 0 || o->exit_code > 2 || crashed(l, o))
		return false;
	v->verdict = o->exit_code == 0 ? V_ACCEPTED : V_WRONG_ANSWER;
	if ((n = first_line(o, &text)) > 0)
		v->message = strndup(text, n);	/* none on ENOMEM: only a message */
	return true;
}

/* invalid_job at the manifest's checker line: @what, how the checker
 * ended and the first line it wrote (stderr, else stdout: a compiler may
 * use either). */
static void failed(struct job_result *r, const struct job_spec *s, const char *what,
		   const struct stage_outcome *o)
{
	const char *text;
	size_t n = first_line(o, &text);
	char how[64];

	if (o->timed_out)
		snprintf(how, sizeof(how), "ran out of time");
	else if (o->memory_exceeded)
		snprintf(how, sizeof(how), "went over its memory limit");
	else if (o->output_exceeded)
		snprintf(how, sizeof(how), "went over its output limit");
	else if (o->signal)
		snprintf(how, sizeof(how), "was killed by signal %d", o->signal);
	else if (crashed(s->checker_lang, o))
		snprintf(how, sizeof(how), "died of an uncaught error (exit %d)", o->exit_code);
	else
		snprintf(how, sizeof(how), "exited %d", o->exit_code);
	result_set_error(r, ST_INVALID_JOB, "%s:%d: checker: %s: it %s%s%.*s",
			 s->manifest->fname, s->manifest->line.checker, what, how,
			 n ? ": " : "", (int)n, n ? text : "");
}

/* Runs stage @i of the checker's box; false when the job must end. */
static bool run_check(struct box *b, const struct cplan *p, const struct job_spec *s,
		      const struct checks *k, size_t i, struct check_verdict *v,
		      struct job_result *r)
{
	struct stage_outcome o;
	char what[1200];
	bool ok = true;

	if (i < p->first)
		job_compile_outcome_init(&o, p->st[i].output_kb);
	else
		stage_outcome_init(&o, (size_t)p->st[i].output_kb << 10);
	box_run(b, i, &o);
	if (o.error) {
		result_set_error(r, ST_SANDBOX_ERROR, "checker: %s", o.reason);
		ok = false;
	} else if (i < p->first && job_status_of(&o) != ST_OK) {
		snprintf(what, sizeof(what), "'%s' did not compile", s->checker);
		failed(r, s, what, &o);
		ok = false;
	} else if (i >= p->first && !judged(s->checker_lang, &o, &v[i - p->first])) {
		snprintf(what, sizeof(what), "test '%s'",
			 s->tests[k->tests[i - p->first]].t->name);
		failed(r, s, what, &o);
		ok = false;
	}
	stage_outcome_free(&o);
	return ok;
}

int checks_run(const struct job_ctx *c, const struct job_spec *s, struct checks *k,
	       struct check_verdict *v, struct job_result *r)
{
	struct box_spec bs = {
		.bundle_fd = k->files.fd, .tmp_mb = s->checker_limits.tmp_size,
		.slot = c->slot,
		/* the files, and its language's room for what it writes */
		.workspace_mb = s->checker_limits.workspace + (long)(k->files.bytes >> 20) + 1,
	};
	struct box *b = NULL;
	struct cplan p;
	char err[512];
	int e, rc = -1;

	if ((e = cplan_build(&p, c, s, k)) < 0 || (e = bundle_seal(&k->files)) < 0) {
		result_set_error(r, ST_INTERNAL_ERROR, "checker: cannot prepare its box: %s",
				 log_errstr(e, (char[96]){0}, 96));
		goto out;
	}
	bs.ro_paths = p.ro_paths;
	if ((e = box_open(c->sb, &bs, p.st, p.n, &b, err, sizeof(err))) < 0) {
		result_set_error(r, job_open_status(e), "checker: %s", err);
		goto out;
	}
	for (size_t i = 0; i < p.n; i++)
		if (!run_check(b, &p, s, k, i, v, r))
			goto out;
	rc = 0;
out:
	box_close(b);
	cplan_free(&p);
	return rc;
}
