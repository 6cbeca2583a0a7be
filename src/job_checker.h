/*
 * job_checker.h - a manifest's checker program judging its tests.
 *
 * While the tests run, each run that ended well is added (checks_add()):
 * its input, its output and the expected answer go into a bundle that
 * also holds the job's files and the checker.  Then checks_run() opens a
 * box of the checker's own, compiles the checker when its language
 * compiles, and runs `checker INPUT OUTPUT ANSWER` once per run: exit 0
 * accepts it, 1 or 2 is a wrong answer, and anything else fails the job.
 * The program never sees the checker; the checker never shares a box
 * with the program.
 */
#ifndef CYLO_JOB_CHECKER_H
#define CYLO_JOB_CHECKER_H

#include <stddef.h>

#include "bundle.h"
#include "job.h"
#include "sandbox.h"

#define CHECK_ERR_KEEP 4096	/* of a judged run's stderr, kept to show it */

struct checks {
	struct bundle files;	/* the checker's /work */
	size_t *tests;		/* the tests to judge, in their order */
	size_t n;
	size_t budget;		/* bytes the runs' outputs may still take */
};

/* An empty set for @s; the first checks_add() copies its files (and the
 * checker).  0 or -errno. */
int checks_init(struct checks *k, const struct job_spec *s);

/*
 * Adds test @i, whose run ended well with @o: its stdout, and the first
 * CHECK_ERR_KEEP bytes of its stderr (to show).  1 when they do not fit in
 * what is left of the job's workspace (no run is kept then); 0 or -errno.
 */
int checks_add(struct checks *k, const struct job_spec *s, size_t i,
	       const struct stage_outcome *o);

/* The stdout ("output") or stderr ("stderr", at most its first CHECK_ERR_KEEP
 * bytes) kept for test @i, owned in *@buf (NUL-terminated).  0 or -errno. */
int checks_read(const struct checks *k, size_t i, const char *what, char **buf,
		size_t *len);

/* What the checker said of one run. */
struct check_verdict {
	enum test_verdict verdict;	/* accepted or wrong_answer */
	char *message;		/* the first line it wrote (stderr, else stdout),
				   owned; NULL if it wrote none */
};

/*
 * Runs the checker on every test added; v[j] is what it said of the j-th
 * (@v zeroed by the caller, who frees the messages even on failure).  -1
 * when the job must end, with @r's status and error set: sandbox_error,
 * or invalid_job when the checker did not compile or judge (another exit,
 * a signal, a limit).
 */
int checks_run(const struct job_ctx *c, const struct job_spec *s, struct checks *k,
	       struct check_verdict *v, struct job_result *r);

void checks_free(struct checks *k);

#endif
