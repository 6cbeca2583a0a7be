/*
 * job_stage.h - what job.c and job_checker.c share to plan a box's
 * stages: their limits, the {base} of an entry file, and the status a
 * stage's end maps to.
 */
#ifndef CYLO_JOB_STAGE_H
#define CYLO_JOB_STAGE_H

#include <stdbool.h>

#include "joblimits.h"
#include "result.h"
#include "sandbox.h"

#define JOB_EXE_PATH "/work/.cylo-exe"	/* {exe}: a compiled program */

/* @st's limits from @l: the compile's (compile_timeout, compile_memory,
 * room for the compiler) or a run's. */
void job_stage_limits(struct stage_spec *st, const struct cylo_limits *l, bool compile);

/* {base}: the file name of @main without directories and extension
 * (owned; NULL when out of memory). */
char *job_base_name(const char *main);

/*
 * Initialises @o for a compile stage.  A compiler's output over
 * @output_kb is cut, not a reason to stop it: a C++ template error runs
 * to megabytes, and the student is owed a compile_error, as DOMjudge and
 * Kattis give.  Only a compiler still writing past 16 MiB is stopped
 * (output_limit).
 */
void job_compile_outcome_init(struct stage_outcome *o, long output_kb);

/* How a stage ended, as a job status (ST_OK when it exited 0). */
enum job_status job_status_of(const struct stage_outcome *o);

/* Whether the stage's captured stderr holds @text (a runtime's report). */
bool job_stderr_has(const struct stage_outcome *o, const char *text);
/* The same, with @text at the start of a line (or itself starting one). */
bool job_stderr_has_line(const struct stage_outcome *o, const char *text);

/* The status of a box that did not open (box_open()'s -errno): the job's
 * files not fitting its workspace is invalid_job, the rest the sandbox's. */
enum job_status job_open_status(int e);

#endif
