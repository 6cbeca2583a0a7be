/*
 * job.h - one job's life, from an input (or a snippet) to a result.
 *
 * jobspec.c turns an input into a job_spec: language, files (a bundle),
 * arguments, stdin, environment and limits, refusing bad input with a
 * reason.  job.c runs a spec in a box (compile, then run) and fills the
 * result document.  Neither writes the result file: the caller publishes.
 */
#ifndef CYLO_JOB_H
#define CYLO_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "bundle.h"
#include "config.h"
#include "lang.h"
#include "joblimits.h"
#include "result.h"

struct sandbox_env;
struct manifest;

/* What a job may use; everything borrowed. */
struct job_ctx {
	const struct cylo_config *cfg;
	const struct watch_conf *watch;	/* NULL: the CLI, global defaults */
	struct sandbox_env *sb;
	int slot;			/* worker slot (uid_base + slot as root) */
	int worker;			/* -1 for the CLI */
	int self_fd;			/* the cylo binary, for in-box archive extraction, or -1 */
};

/* A test's stdin or expected output: the manifest's text, a hidden file
 * of the job's bundle, or none (len 0, neither). */
struct job_part {
	const char *text;		/* borrowed from the manifest, or NULL */
	bool in_bundle;
	off_t off;			/* in the bundle */
	size_t len;
};

/* A test case ready to run: where its stdin and expected output are. */
struct job_test {
	const struct manifest_test *t;	/* borrowed from the spec's manifest */
	struct job_part in, answer;
};

struct job_spec {
	const struct cylo_lang *lang;
	char *main;			/* relative to /work */
	struct bundle files;
	char **args;			/* NULL-terminated */
	char **env;			/* NULL-terminated, full environment */
	char **compile_env;		/* the compile stage's ({heap} of its memory), or NULL */
	long heap_mb;			/* {memory} of the runs: the most a run gets */
	int stdin_fd;			/* read-only, or -1 */
	int archive_fd;			/* archive to extract in the box first, or -1 */
	struct cylo_limits limits;	/* merged and checked */
	struct manifest *manifest;	/* owned, for its tests; or NULL */
	struct job_test *tests;		/* one per manifest test, or NULL */
	size_t ntests;
	const char *checker;		/* in files, hidden; borrowed from the manifest */
	const struct cylo_lang *checker_lang;
	char **checker_env;		/* its environment, NULL-terminated */
	struct cylo_limits checker_limits;	/* its language's, under the manifest's */
};

#define CHECKER_DIR ".cylo-check"	/* the checker's: its inputs, in its /work */

void job_spec_init(struct job_spec *s);
void job_spec_free(struct job_spec *s);

/* The maxima a job of @c is held to: its folder's, or the configuration's. */
const struct cylo_limits *job_maxima(const struct job_ctx *c);

/*
 * Builds the spec of input @name in @dirfd: a bare source (with an
 * optional NAME.EXT.stdin), a NAME.job manifest (inline code and/or the
 * NAME/ directory), or an archive.  Records the input's identity in @r.
 * On bad input returns -EINVAL with r->status = invalid_job and r->error set.
 */
int jobspec_from_input(const struct job_ctx *ctx, int dirfd, const char *name,
		       struct job_spec *s, struct job_result *r);

/*
 * The stdin of @s's test @i: a sealed read-only memfd in *@fd, or -1 for
 * /dev/null.  Made just before the test runs, so that a job holds one at
 * a time, not one per test.  0 or -errno.
 */
int jobspec_test_stdin(const struct job_spec *s, size_t i, int *fd);

/* A snippet: `cylo exec`.  @over: limits given on the command line. */
int jobspec_from_code(const struct job_ctx *ctx, const char *lang_name,
		      const char *code, size_t code_len, int stdin_fd,
		      const struct cylo_limits *over, struct job_spec *s,
		      struct job_result *r);

/*
 * Runs @s in a fresh box and fills @r (status, outputs, times, memory,
 * compile, limits).  Never fails: a broken sandbox is sandbox_error.
 */
void job_execute(const struct job_ctx *ctx, struct job_spec *s, struct job_result *r);

/*
 * At debug level, one line with every step of @r's run and its time in ms
 * (claim, copy-in, the box's set-up, compile, run, reap), for `--debug`.
 * @esc is the job's name as log_escape() made it.
 */
void job_log_steps(const char *esc, const struct job_result *r);

/* Whether @name is a job input of any kind for @watch (NULL: all kinds). */
bool job_is_input_name(const struct cylo_config *cfg, const struct watch_conf *w,
		       const char *name);

#endif
