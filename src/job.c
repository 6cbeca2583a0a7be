/*
 * job.c - runs a job_spec in a box and fills the result.
 *
 * Theory of operation.  All stages of the job are prepared first (the
 * box's init process cannot allocate): the compile command when the
 * language has one, the run command, and one run per test of a manifest.
 * One box holds them all, so the compiled program in /work is there for
 * every run; each stage gets its own limits (compile_timeout and
 * compile_memory for the compiler, a test's own overrides).  A stage
 * that the sandbox could not start is sandbox_error naming the layer;
 * everything the program itself did maps to a job status.
 *
 * Tests run in their order, every one of them.  Each gets a verdict from
 * how its run ended and, when it ended well, from comparing its stdout
 * with the expected output (judge.c), which never enters the box.  A run
 * killed at a limit takes only its own processes with it; should it have
 * taken the box (cgroup v2 kills a whole group at OOM), the next test gets
 * a fresh box, compiled again.  The caller publishes the result.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "job.h"
#include "job_checker.h"
#include "job_stage.h"
#include "judge.h"
#include "log.h"
#include "manifest.h"
#include "sandbox.h"
#include "util.h"

#define COMPILE_MIN_PROCESSES 256

struct plan {
	struct stage_spec *st;	/* [compile,] run, then one per test */
	char **argv[2];		/* the compile and run commands */
	size_t n;
	int compile;		/* index of the compile stage, or -1 */
	int run;
	char *base;
	char **ro_paths;
};

static void plan_free(struct plan *p)
{
	for (size_t i = 0; i < 2; i++)
		lang_argv_free(p->argv[i]);
	free(p->st);
	free(p->base);
	strv_free(p->ro_paths);
}

char *job_base_name(const char *main)
{
	const char *b = strrchr(main, '/');
	char *d = strdup(b ? b + 1 : main), *dot;

	if (d && (dot = strrchr(d, '.')) && dot != d)
		*dot = '\0';
	return d;
}

struct sources {
	const struct job_spec *s;
	char **list;		/* the files but main, "./" before a leading '-' */
};

static bool in_language(const struct cylo_lang *l, const char *path)
{
	const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');

	if (!dot || (slash && dot < slash))
		return false;
	for (char *const *x = l->extensions; x && *x; x++)
		if (!strcmp(dot + 1, *x))
			return true;
	return false;
}

/* A file of the job in its language, not hidden (a component starting
 * with '.'; the bundle keeps a test's files and the checker hidden too),
 * not main and not the job's stdin_file. */
static int source_visit(void *arg, const char *path, char type, size_t size, off_t data,
			unsigned mode)
{
	struct sources *w = arg;
	char buf[1100];

	(void)size;
	(void)data;
	(void)mode;
	if (type != 'f' || path[0] == '.' || strstr(path, "/.") ||
	    !strcmp(path, w->s->main) ||
	    (w->s->manifest && w->s->manifest->stdin_file &&
	     !strcmp(path, w->s->manifest->stdin_file)) ||
	    !in_language(w->s->lang, path))
		return 0;
	/* "./": a name starting with '-' or '@' (gcc's response files) is a file. */
	snprintf(buf, sizeof(buf), "./%s", path);
	return strv_push(&w->list, buf) < 0 ? -ENOMEM : 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* {sources}: @main, then the job's other files in its language, sorted
 * (the bundle's order is a directory listing's).  Owned, in *@out. */
static int job_sources(const struct job_spec *s, const char *main, char ***out)
{
	struct sources w = { .s = s, .list = NULL };
	int e;

	*out = NULL;
	if (strv_push(&w.list, main) < 0)
		return -ENOMEM;
	if ((e = bundle_walk(&s->files, source_visit, &w)) < 0) {
		strv_free(w.list);
		return e;
	}
	qsort(w.list + 1, strv_len(w.list) - 1, sizeof(*w.list), cmp_str);
	*out = w.list;
	return 0;
}

/* @tmpl for @s, its {memory} and {heap} those of @memory_mb. */
static int expand(struct plan *p, const struct job_spec *s, const char *tmpl,
		  long memory_mb, char *const *extra, char ***argv)
{
	char mainbuf[1100], maindir[1100], memory[LANG_NUM_LEN], heap[LANG_NUM_LEN];
	char **sources = NULL;
	const char *slash = strrchr(s->main, '/');
	struct lang_vars v = { .main = s->main, .dir = "/work", .exe = JOB_EXE_PATH,
			       .base = p->base, .maindir = "." };
	int e;

	if (slash) {
		snprintf(maindir, sizeof(maindir), "./%.*s", (int)(slash - s->main), s->main);
		v.maindir = maindir;
	}

	lang_vars_memory(&v, memory_mb, memory, heap);

	/* A file named "-x.py" must not read as an option. */
	if (s->main[0] == '-') {
		snprintf(mainbuf, sizeof(mainbuf), "./%s", s->main);
		v.main = mainbuf;
	}
	if (strstr(tmpl, "{sources}") && (e = job_sources(s, v.main, &sources)) < 0)
		return e;
	v.sources = sources;
	e = lang_expand(tmpl, &v, extra, argv);
	strv_free(sources);
	return e;
}

void job_stage_limits(struct stage_spec *st, const struct cylo_limits *l, bool compile)
{
	st->timeout = compile ? l->compile_timeout : l->timeout;
	st->cpu_time = compile ? l->compile_timeout : l->cpu_time;
	st->memory_mb = compile ? l->compile_memory : l->memory;
	st->processes = l->processes;
	if (compile && st->processes < COMPILE_MIN_PROCESSES)
		st->processes = COMPILE_MIN_PROCESSES;
	st->output_kb = l->output_limit;
	st->file_size_mb = compile && l->file_size < l->workspace ? l->workspace : l->file_size;
	st->open_files = l->open_files;
}

/* The stages of the tests, after the run stage: its command, their limits. */
static void plan_tests(struct plan *p, const struct job_ctx *c, const struct job_spec *s)
{
	const struct cylo_limits *max = job_maxima(c);

	for (size_t i = 0; i < s->ntests; i++) {
		struct stage_spec *st = &p->st[p->n++];
		struct cylo_limits l = s->limits;

		limits_layer(&l, &s->tests[i].t->limits, max);
		job_stage_limits(st, &l, false);
		st->stdin_fd = -1;	/* set by run_test() for its run only */
	}
}

static int plan_build(struct plan *p, const struct job_ctx *c, struct job_spec *s)
{
	int e;

	memset(p, 0, sizeof(*p));
	p->compile = -1;
	if (!(p->st = calloc(2 + s->ntests, sizeof(*p->st))))
		return -ENOMEM;
	if (!(p->base = job_base_name(s->main)))
		return -ENOMEM;
	p->ro_paths = strv_dup(s->lang->paths);
	for (char **x = c->cfg->sandbox.extra_ro_paths; p->ro_paths && x && *x; x++)
		if (strv_push(&p->ro_paths, *x) < 0)
			return -ENOMEM;
	if (!p->ro_paths)
		return -ENOMEM;
	if (s->lang->compile) {
		p->compile = (int)p->n;
		if ((e = expand(p, s, s->lang->compile, s->limits.compile_memory, NULL,
				  &p->argv[0])) < 0)
			return e;
		job_stage_limits(&p->st[p->n], &s->limits, true);
		p->st[p->n].stdin_fd = -1;
		p->n++;
	}
	p->run = (int)p->n;
	if ((e = expand(p, s, s->lang->run, s->heap_mb, s->args, &p->argv[1])) < 0)
		return e;
	job_stage_limits(&p->st[p->n], &s->limits, false);
	p->st[p->n].stdin_fd = s->stdin_fd;
	p->n++;
	plan_tests(p, c, s);
	for (size_t i = 0; i < p->n; i++) {
		p->st[i].argv = p->argv[(int)i == p->compile ? 0 : 1];
		p->st[i].envp = (int)i == p->compile && s->compile_env ? s->compile_env : s->env;
		p->st[i].address_space_mb = s->lang->address_space;
		p->st[i].exec_fd = -1;
		p->st[i].stdout_fd = -1;
	}
	return 0;
}

static char *join_output(const struct stage_outcome *o, size_t *len)
{
	char *buf = malloc(o->out.len + o->err.len + 1);

	if (!buf)
		return NULL;
	if (o->out.len)
		memcpy(buf, o->out.p, o->out.len);
	if (o->err.len)
		memcpy(buf + o->out.len, o->err.p, o->err.len);
	*len = o->out.len + o->err.len;
	buf[*len] = '\0';
	return buf;
}

#define COMPILE_DRAIN_BYTES ((size_t)16 << 20)

void job_compile_outcome_init(struct stage_outcome *o, long output_kb)
{
	stage_outcome_init(o, (size_t)output_kb << 10);
	o->drain_max = COMPILE_DRAIN_BYTES;
}

enum job_status job_status_of(const struct stage_outcome *o)
{
	if (o->error)
		return ST_SANDBOX_ERROR;
	if (o->output_exceeded)
		return ST_OUTPUT_LIMIT;
	if (o->memory_exceeded)
		return ST_MEMORY_LIMIT;
	if (o->timed_out)
		return ST_TIMEOUT;
	if (o->signal || o->exit_code != 0)
		return ST_RUNTIME_ERROR;
	return ST_OK;
}

bool job_stderr_has(const struct stage_outcome *o, const char *text)
{
	return text && o->err.p && memmem(o->err.p, o->err.len, text, strlen(text)) != NULL;
}

bool job_stderr_has_line(const struct stage_outcome *o, const char *text)
{
	const char *p = o->err.p, *end = p ? p + o->err.len : NULL, *hit;
	size_t n = text ? strlen(text) : 0;

	if (!n || !p)
		return false;
	for (; (hit = memmem(p, (size_t)(end - p), text, n)); p = hit + 1)
		if (hit == o->err.p || hit[-1] == '\n' || text[0] == '\n')
			return true;
	return false;
}

enum job_status job_open_status(int e)
{
	return e == -EDQUOT ? ST_INVALID_JOB : ST_SANDBOX_ERROR;
}

/*
 * A run that failed after its runtime wrote its own out-of-memory error
 * (a heap bounded by {heap} stops there, before the cgroup kills the box)
 * was over its memory.
 */
static void note_out_of_memory(const struct cylo_lang *l, struct stage_outcome *o)
{
	if (!o->error && !o->memory_exceeded && !o->timed_out && !o->output_exceeded &&
	    (o->exit_code != 0 || o->signal) && job_stderr_has(o, l->out_of_memory))
		o->memory_exceeded = true;
}

/* Runs the compile stage; false when the job ends there. */
static bool compile(struct box *b, const struct plan *p, struct job_result *r)
{
	struct stage_outcome o;
	bool go_on = false;

	job_compile_outcome_init(&o, p->st[p->compile].output_kb);
	box_run(b, (size_t)p->compile, &o);
	r->has_compile = true;
	r->compile.exit_code = o.exit_code;
	r->compile.output_truncated = o.out.truncated || o.err.truncated;
	r->compile.time_ms = o.wall_ms;
	r->timing.compile = o.wall_ms;
	r->compile.output = join_output(&o, &r->compile.output_len);
	/* A limit ends the job with that limit's status, as it would the
	 * run's (SECURITY.md R11); only the compiler's own failure is a
	 * compile_error. */
	switch (o.error ? ST_SANDBOX_ERROR : job_status_of(&o)) {
	case ST_OK:
		go_on = true;
		break;
	case ST_SANDBOX_ERROR:
		result_set_error(r, ST_SANDBOX_ERROR, "compile: %s", o.reason);
		break;
	case ST_MEMORY_LIMIT:
		result_set_error(r, ST_MEMORY_LIMIT, "the compile stage went over "
				 "compile_memory (%ld MiB)", p->st[p->compile].memory_mb);
		break;
	case ST_TIMEOUT:
		result_set_error(r, ST_TIMEOUT, "the compile stage went over "
				 "compile_timeout (%g s)", p->st[p->compile].timeout);
		break;
	case ST_OUTPUT_LIMIT:
		result_set_error(r, ST_OUTPUT_LIMIT, "the compile stage went over "
				 "output_limit");
		break;
	default:
		result_set_error(r, ST_COMPILE_ERROR, "compilation failed");
		break;
	}
	r->timeout = o.timed_out;
	r->memory_exceeded = o.memory_exceeded;
	r->compile_ended = !go_on;
	stage_outcome_free(&o);
	return go_on;
}

static void fill_run(struct job_result *r, struct stage_outcome *o)
{
	r->status = job_status_of(o);
	if (o->error)
		result_set_error(r, ST_SANDBOX_ERROR, "%s", o->reason);
	r->exit_code = o->exit_code;
	r->signal = o->signal;
	if ((o->timed_out || o->memory_exceeded || o->output_exceeded) &&
	    o->exit_code < 0 && !o->signal)
		r->signal = SIGKILL;	/* the box was killed */
	r->timeout = o->timed_out;
	r->memory_exceeded = o->memory_exceeded;
	r->out_truncated = o->out.truncated;
	r->err_truncated = o->err.truncated;
	r->out = dynbuf_take(&o->out, &r->out_len);
	r->err = dynbuf_take(&o->err, &r->err_len);
	r->execution_time_ms = o->wall_ms;
	r->cpu_time_ms = o->cpu_ms;
	r->memory_used_kb = o->memory_kb;
}

static void box_timing(const struct box *b, struct job_timing *t)
{
	struct box_timing bt;

	box_get_timing(b, &bt);
	t->cgroup = bt.cgroup;
	t->clone = bt.clone;
	t->ids = bt.ids;
	t->mounts = bt.mounts;
}

static void stage_timing(const struct stage_timing *s, struct job_timing *t)
{
	t->setup = s->setup;
	t->landlock = s->landlock;
	t->seccomp = s->seccomp;
	t->run = s->run;
	t->drain = s->drain;
}

static void record_limits(const struct job_ctx *c, const struct job_spec *s,
			  struct job_result *r)
{
	struct sandbox_caps caps;

	r->limits = s->limits;
	sandbox_env_caps(c->sb, &caps);
	r->limits_by = caps.limits_by;
	/* What limited memory there: the run's RLIMIT_AS (sandbox_limits.c). */
	if (!strcmp(caps.limits_by, "rlimit") && s->limits.memory > 0)
		r->address_space_mb = s->limits.memory + s->lang->address_space;
}

/* The expected output of @jt: the manifest's text, or read from the bundle
 * (kept out of /work).  *@buf is to be freed when set.  0 or -errno. */
static int expected(const struct job_spec *s, const struct job_test *jt,
		    const char **exp, size_t *len, char **buf)
{
	const struct job_part *a = &jt->answer;
	int e;

	*buf = NULL;
	*len = a->len;
	*exp = a->text;
	if (!a->in_bundle)
		return 0;
	if ((e = pread_dup(s->files.fd, a->len, a->off, buf)) < 0)
		return e;
	*exp = *buf;
	return 0;
}

/*
 * The verdict of a test's run: how it ended, else what it printed.  A
 * test without an expected output is accepted when its run ends well.
 * -errno in *@err when the expected output could not be read.
 */
static enum test_verdict verdict_of(const struct job_spec *s, const struct job_test *jt,
				    const struct stage_outcome *o, int *err)
{
	const struct manifest_test *t = jt->t;
	const char *exp;
	size_t len;
	char *buf;
	bool same;

	switch (job_status_of(o)) {
	case ST_OUTPUT_LIMIT:
		return V_OUTPUT_LIMIT;
	case ST_MEMORY_LIMIT:
		return V_MEMORY_LIMIT;
	case ST_TIMEOUT:
		return V_TIMEOUT;
	case ST_RUNTIME_ERROR:
		return V_RUNTIME_ERROR;
	default:
		break;
	}
	if (!t->expect && !t->expect_file)
		return V_ACCEPTED;
	if ((*err = expected(s, jt, &exp, &len, &buf)) < 0) {
		free(buf);
		return V_WRONG_ANSWER;
	}
	same = judge_output(t->compare, t->float_eps, o->out.p, o->out.len, exp, len);
	free(buf);
	return same ? V_ACCEPTED : V_WRONG_ANSWER;
}

/*
 * Drops the verdicts and the run shown: a job the sandbox failed has
 * neither worth reporting, and the error says why.
 */
static void drop_tests(struct job_result *r)
{
	result_tests_free(r->tests, r->ntests);
	r->tests = NULL;
	r->ntests = 0;
	r->score = 0;
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
	r->out_len = r->err_len = 0;
	r->out_truncated = r->err_truncated = false;
	r->exit_code = -1;
	r->signal = 0;
	r->timeout = r->memory_exceeded = false;
	r->execution_time_ms = r->cpu_time_ms = -1;
	r->memory_used_kb = -1;
}

/*
 * A fresh box for the tests after @after, whose run took the box down
 * with it, compiled again.  0, or -1 with the job's status and error set.
 */
static int reopen(const struct job_ctx *c, const struct box_spec *bs,
		  const struct plan *p, struct box **b, struct job_result *r,
		  const char *after)
{
	struct stage_outcome o;
	char err[512];
	bool ok;
	int e;

	box_close(*b);
	*b = NULL;
	if ((e = box_open(c->sb, bs, p->st, p->n, b, err, sizeof(err))) < 0) {
		result_set_error(r, job_open_status(e), "%s", err);
		return -1;
	}
	if (p->compile < 0)
		return 0;
	job_compile_outcome_init(&o, p->st[p->compile].output_kb);
	box_run(*b, (size_t)p->compile, &o);
	ok = !o.error && job_status_of(&o) == ST_OK;
	if (o.error)
		result_set_error(r, ST_SANDBOX_ERROR, "compile: %s", o.reason);
	else if (!ok)
		result_set_error(r, ST_INTERNAL_ERROR, "the program compiled once but "
				 "not a second time, in the box for the tests after '%s'", after);
	stage_outcome_free(&o);
	return ok ? 0 : -1;
}

/* The top-level fields from @o, in place of a run shown before it. */
static void show_run(struct job_result *r, struct stage_outcome *o)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
	fill_run(r, o);
}

/* The tests' progress: which run the top-level fields show, and with a
 * checker, the runs it is to judge. */
struct judging {
	bool shown;
	size_t shown_at;
	bool checking;		/* the manifest has a checker */
	struct checks checks;
	struct kept {		/* each test's, to show a run the checker rejects */
		double cpu_ms;
		bool err_cut;	/* more stderr than checks_add() kept */
		struct stage_timing timing;
	} *kept;
};

/*
 * A run that ended well: the checker's to judge, its verdict pending
 * (accepted, no points, until checks_run()).  One whose output no longer
 * fits in the job's workspace is output_limit instead.  0 or -errno.
 */
static int pending(struct judging *j, const struct job_spec *s, size_t i,
		   const struct stage_outcome *o, struct result_test *rt)
{
	int e = checks_add(&j->checks, s, i, o);

	rt->verdict = e == 1 ? V_OUTPUT_LIMIT : V_ACCEPTED;
	j->kept[i].cpu_ms = o->cpu_ms;
	j->kept[i].timing = o->timing;
	j->kept[i].err_cut = o->err.truncated || o->err.len > CHECK_ERR_KEEP;
	return e == 1 ? 0 : e;
}

/* Runs test @i and records its verdict; false when the job must end here
 * (the sandbox failed, or the expected output is unreadable). */
static bool run_test(struct box *b, struct plan *p, const struct job_spec *s,
		     size_t i, struct judging *j, struct job_result *r)
{
	size_t k = (size_t)p->run + 1 + i;	/* the stage of test @i */
	struct result_test *rt = &r->tests[i];
	bool last = i + 1 == s->ntests;
	struct stage_outcome o;
	int err = 0, in;

	if ((err = jobspec_test_stdin(s, i, &in)) < 0) {
		result_set_error(r, ST_INTERNAL_ERROR, "test '%s': cannot stage its stdin: %s",
				 s->tests[i].t->name, log_errstr(err, (char[96]){0}, 96));
		return false;
	}
	p->st[k].stdin_fd = in;
	stage_outcome_init(&o, (size_t)p->st[k].output_kb << 10);
	box_run(b, k, &o);
	note_out_of_memory(s->lang, &o);
	p->st[k].stdin_fd = -1;
	if (in >= 0)
		close(in);
	if (o.error) {
		show_run(r, &o);
		stage_outcome_free(&o);
		return false;
	}
	if (j->checking && job_status_of(&o) == ST_OK)
		err = pending(j, s, i, &o, rt);
	else
		rt->verdict = verdict_of(s, &s->tests[i], &o, &err);
	rt->name = strdup(s->tests[i].t->name);
	rt->time_ms = o.wall_ms;
	rt->memory_used_kb = o.memory_kb;
	rt->points = rt->verdict == V_ACCEPTED && !j->checking ? s->tests[i].t->points : 0;
	r->score += rt->points;
	/* The top-level fields show the first test not accepted, else the last
	 * (with a checker, see judge_checked()). */
	if (!j->shown && (rt->verdict != V_ACCEPTED || last)) {
		show_run(r, &o);
		stage_timing(&o.timing, &r->timing);
		j->shown = true;
		j->shown_at = i;
	}
	stage_outcome_free(&o);
	if (err < 0 || !rt->name) {
		result_set_error(r, ST_INTERNAL_ERROR, "test '%s': %s", s->tests[i].t->name,
				 !rt->name ? "out of memory" : j->checking ?
				 "cannot keep its run for the checker" :
				 "cannot read its expected output");
		return false;
	}
	return true;
}

/* The top-level fields from test @i's run, kept for the checker: it
 * ended well, so only its streams and figures differ. */
static void show_kept(struct judging *j, size_t i, struct job_result *r)
{
	const struct result_test *rt = &r->tests[i];

	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
	r->out_len = r->err_len = 0;
	if (checks_read(&j->checks, i, "output", &r->out, &r->out_len) < 0 ||
	    checks_read(&j->checks, i, "stderr", &r->err, &r->err_len) < 0)
		result_set_error(r, ST_INTERNAL_ERROR, "test '%s': cannot read its run back",
				 rt->name);
	r->status = r->status == ST_INTERNAL_ERROR ? r->status : ST_OK;
	r->exit_code = 0;
	r->signal = 0;
	r->timeout = r->memory_exceeded = false;
	r->out_truncated = false;
	r->err_truncated = j->kept[i].err_cut;
	r->execution_time_ms = rt->time_ms;
	r->cpu_time_ms = j->kept[i].cpu_ms;
	r->memory_used_kb = rt->memory_used_kb;
	stage_timing(&j->kept[i].timing, &r->timing);
}

/* The checker's verdicts on the pending runs, their points, and the
 * top-level fields moved to the first test not accepted if the checker
 * rejected one before the run they show. */
static void judge_checked(const struct job_ctx *c, const struct job_spec *s,
			  struct judging *j, struct job_result *r)
{
	struct check_verdict *v = calloc(j->checks.n, sizeof(*v));
	bool ok;

	if (!v) {
		result_set_error(r, ST_INTERNAL_ERROR, "out of memory");
		return;
	}
	ok = checks_run(c, s, &j->checks, v, r) == 0;
	for (size_t q = 0; q < j->checks.n; q++) {
		struct result_test *rt = &r->tests[j->checks.tests[q]];

		if (!ok) {
			free(v[q].message);
			continue;
		}
		rt->verdict = v[q].verdict;
		rt->checker_msg = v[q].message;
		rt->points = rt->verdict == V_ACCEPTED ? s->tests[j->checks.tests[q]].t->points : 0;
		r->score += rt->points;
	}
	free(v);
	if (!ok)
		return;
	for (size_t i = 0; i < r->ntests && j->shown; i++)
		if (r->tests[i].verdict != V_ACCEPTED) {
			if (i != j->shown_at)
				show_kept(j, i, r);
			break;
		}
}

/* Every test, in order, then the checker on the runs that ended well. */
static void run_tests(const struct job_ctx *c, const struct box_spec *bs,
		      struct plan *p, const struct job_spec *s, struct box **b,
		      struct job_result *r)
{
	struct judging j = { .checking = s->checker != NULL, .checks.files.fd = -1 };
	bool ended = false;
	int e = 0;

	if (!(r->tests = calloc(s->ntests, sizeof(*r->tests))) ||
	    (j.checking && !(j.kept = calloc(s->ntests, sizeof(*j.kept)))))
		e = -ENOMEM;
	else if (j.checking)
		e = checks_init(&j.checks, s);
	if (e < 0) {
		result_set_error(r, ST_INTERNAL_ERROR, "cannot prepare the tests: %s",
				 log_errstr(e, (char[96]){0}, 96));
		ended = true;
	}
	r->ntests = r->tests ? s->ntests : 0;
	for (size_t i = 0; i < s->ntests && !ended; i++) {
		if (i > 0 && box_dead(*b) &&
		    reopen(c, bs, p, b, r, s->tests[i - 1].t->name) < 0)
			ended = true;
		else
			ended = !run_test(*b, p, s, i, &j, r);
	}
	if (!ended && j.checking && j.checks.n > 0) {
		/* One box per slot at a time: the program's goes first. */
		int64_t t0 = now_mono_ns();

		box_close(*b);
		*b = NULL;
		r->timing.reap = (double)(now_mono_ns() - t0) / 1e6;
		judge_checked(c, s, &j, r);
	}
	if (j.checking)
		checks_free(&j.checks);
	free(j.kept);
	if (r->status == ST_SANDBOX_ERROR || r->status == ST_INTERNAL_ERROR ||
	    r->status == ST_INVALID_JOB)
		drop_tests(r);
}

void job_log_steps(const char *esc, const struct job_result *r)
{
	const struct job_timing *t = &r->timing;

	log_debug("job=%s stage=steps claim=%.2f copy_in=%.2f cgroup=%.2f clone=%.2f "
		  "ids=%.2f mounts=%.2f compile=%.2f setup=%.2f landlock=%.2f seccomp=%.2f "
		  "run=%.2f drain=%.2f reap=%.2f status=%s", esc, t->claim, t->copy_in,
		  t->cgroup, t->clone, t->ids, t->mounts, t->compile, t->setup, t->landlock,
		  t->seccomp, t->run, t->drain, t->reap, status_name(r->status));
}

void job_execute(const struct job_ctx *c, struct job_spec *s, struct job_result *r)
{
	struct box_spec bs = {
		.bundle_fd = s->files.fd, .workspace_mb = s->limits.workspace,
		.tmp_mb = s->limits.tmp_size, .slot = c->slot,
	};
	struct stage_outcome o;
	struct box *b = NULL;
	struct plan p;
	char err[512];
	int64_t t0;
	int e;

	record_limits(c, s, r);
	if ((e = plan_build(&p, c, s)) == -E2BIG) {	/* the job's files, or args */
		result_set_error(r, ST_INVALID_JOB, "the %s command would have more than "
				 "4096 words: too many source files or arguments", s->lang->name);
		goto out;
	} else if (e < 0) {
		result_set_error(r, ST_INTERNAL_ERROR, "cannot expand the %s command "
				 "template (%s)", s->lang->name, log_errstr(e, (char[96]){0}, 96));
		goto out;
	}
	bs.ro_paths = p.ro_paths;
	if ((e = box_open(c->sb, &bs, p.st, p.n, &b, err, sizeof(err))) < 0) {
		result_set_error(r, job_open_status(e), "%s", err);
		goto out;
	}
	box_timing(b, &r->timing);
	if (p.compile >= 0 && !compile(b, &p, r))
		goto out;
	if (s->ntests > 0) {
		run_tests(c, &bs, &p, s, &b, r);
		goto out;
	}
	stage_outcome_init(&o, (size_t)s->limits.output_limit << 10);
	box_run(b, (size_t)p.run, &o);
	note_out_of_memory(s->lang, &o);
	fill_run(r, &o);
	stage_timing(&o.timing, &r->timing);
	stage_outcome_free(&o);
out:
	t0 = now_mono_ns();
	box_close(b);
	if (b)		/* else closed already, or never opened */
		r->timing.reap = (double)(now_mono_ns() - t0) / 1e6;
	plan_free(&p);
}
