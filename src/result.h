/*
 * result.h - the result document of one job (SPEC §4) and its atomic
 * publication next to the input.
 */
#ifndef CYLO_RESULT_H
#define CYLO_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/limits.h>
#include <sys/types.h>

#include "fsutil.h"
#include "joblimits.h"

/* The result of input X is X.result.json, beside it. */
#define RESULT_SUFFIX ".result.json"
#define RESULT_SUFFIX_LEN (sizeof(RESULT_SUFFIX) - 1)

/* Whether @input's result name fits in a file name (NAME_MAX, 255 bytes):
 * the longest of the names written beside an input. */
bool result_name_fits(const char *input);

/* @input's result name into @out.  0, or -ENAMETOOLONG when it would not
 * fit (see result_name_fits()). */
int result_name(const char *input, char out[NAME_MAX + 1]);

/* For a file named @name: the length of the input name it is the result
 * of, or 0 when it is not a result's name. */
size_t result_input_len(const char *name);

enum job_status {
	ST_OK, ST_RUNTIME_ERROR, ST_TIMEOUT, ST_MEMORY_LIMIT, ST_OUTPUT_LIMIT,
	ST_COMPILE_ERROR, ST_INVALID_JOB, ST_SANDBOX_ERROR, ST_INTERNAL_ERROR,
};

enum test_verdict {
	V_ACCEPTED, V_WRONG_ANSWER, V_TIMEOUT, V_MEMORY_LIMIT, V_OUTPUT_LIMIT,
	V_RUNTIME_ERROR,
};

struct input_id {
	uint64_t dev, ino;
	int64_t size;
	int64_t mtime_ns;
};

/*
 * Whether @a and @b identify the same version of an input: inode, size and
 * modification time.  Not the device: each NFS client numbers the same
 * export differently, and a remount renumbers it, so a result or claim
 * written by another host, or before a remount, still counts as this
 * input's.  A re-drop changes the inode (rename) or the time (rewrite).
 */
bool input_id_same(const struct input_id *a, const struct input_id *b);

struct stat;
/* The identity of the file @st describes. */
void input_id_of(const struct stat *st, struct input_id *id);

struct result_compile {
	int exit_code;
	char *output;		/* owned, raw bytes */
	size_t output_len;
	bool output_truncated;	/* cut at output_limit */
	double time_ms;
};

struct result_test {
	char *name;
	enum test_verdict verdict;
	double time_ms;
	long memory_used_kb;
	double points;		/* points earned */
	char *checker_msg;	/* what the checker said of this run, owned;
				   NULL when none judged it or it wrote nothing */
};

/*
 * Where one job's time went, in ms: the benchmark's per-stage breakdown.
 * The sandbox fills its part; the caller adds claim, copy_in and the
 * result write (which a result can only report for the metrics).
 */
struct job_timing {
	double claim, copy_in;
	double cgroup, clone, ids, mounts;	/* opening the box */
	double setup, landlock, seccomp, run, drain;	/* the run stage */
	double compile;		/* the whole compile stage, 0 without one */
	double reap;		/* killing and reaping the box */
	double result_write;
};

struct job_result {
	char *job;		/* input name */
	struct input_id input;
	uid_t input_uid;	/* the owner of the input opened and run, for the */
	gid_t input_gid;	/* result's; -1 until it is opened (not rendered) */
	char *language;		/* canonical name or NULL */
	enum job_status status;
	int exit_code;		/* -1 when none */
	int signal;		/* 0 when none */
	char *out, *err;	/* owned raw bytes (may hold NUL, non-UTF-8) */
	size_t out_len, err_len;
	bool out_truncated, err_truncated;
	bool timeout, memory_exceeded;
	double execution_time_ms, cpu_time_ms;	/* < 0: no run (null) */
	long memory_used_kb;	/* -1 unknown */
	bool has_compile;
	bool compile_ended;	/* the job ended in its compile stage */
	struct result_compile compile;
	struct result_test *tests;	/* NULL: no tests */
	size_t ntests;
	double score;
	struct cylo_limits limits;	/* what was enforced */
	const char *limits_by;	/* "cgroup2", "cgroup1", "rlimit" */
	long address_space_mb;	/* RLIMIT_AS where rlimits limit memory, else -1 */
	int worker;		/* -1 for the CLI */
	char *host;
	int64_t queued_at_ns, started_at_ns, finished_at_ns;	/* CLOCK_REALTIME */
	char *error;		/* for invalid_job/sandbox_error/internal_error */
	struct job_timing timing;
};

const char *status_name(enum job_status s);
const char *verdict_name(enum test_verdict v);

/*
 * Zeroes @r with exit_code -1, memory -1, times -1, worker -1,
 * compile.exit_code -1 and every limit unset (each one null in the JSON
 * until filled in).
 */
void result_init(struct job_result *r);
void result_free(struct job_result *r);	/* frees owned members, not @r */
/* Frees @n tests and their owned members, and the array. */
void result_tests_free(struct result_test *t, size_t n);

/* Formats a printf-style message into r->error (replacing it). */
void result_set_error(struct job_result *r, enum job_status st,
		      const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Renders the document (UTF-8 JSON, invalid bytes as U+FFFD, every field
 * present).  Returns an owned NUL-terminated string (free()) or NULL on
 * ENOMEM.  Output with NUL bytes holds \u0000: jansson readers need
 * JSON_ALLOW_NUL.
 */
char *result_to_json(const struct job_result *r, bool pretty);

/*
 * Reads the identity recorded in an existing result @name in @dirfd (no
 * symlinks followed; not a regular file or unparsable: -EINVAL; missing:
 * -ENOENT), and the file's owner into @owner unless it is NULL.  Used to
 * decide whether an input is pending.
 */
int result_read_identity(int dirfd, const char *name, struct input_id *id, uid_t *owner);

struct publish_opts {
	bool raw_output;	/* also X.stdout / X.stderr */
	unsigned mode;		/* e.g. 0644 */
	uid_t uid;		/* owner, or (uid_t)-1 to keep ours */
	gid_t gid;
	bool fsync;		/* false on tmpfs, where it buys nothing */
	size_t max_size;	/* a result's largest size; 0: 256 MiB */
	enum chown_refusal *chown_refused;	/* or NULL: set when giving a file
						   to uid was refused (fsutil.h) */
	enum job_status *written;	/* or NULL: set to the status written */
};

/*
 * Writes X.result.json (and raw files) for input @input_name into @dirfd
 * atomically: hidden O_CREAT|O_EXCL|O_NOFOLLOW temporary, fchown, write,
 * fsync, rename over the old result.  Never opens an existing file for
 * writing.  Returns 0 or -errno; -ENAMETOOLONG when the name does not fit.
 * When a raw file cannot be written (its name is a directory, say), the
 * result is still written, its "error" saying which and why, and the
 * return is 1: a job without a result would run again at every scan.
 * For the same reason a result larger than could ever be written or read
 * back (max_size, 256 MiB by default, or the folder's whole filesystem)
 * is written without the job's output, an ok job without tests as
 * output_limit, its "error" saying so.
 */
int result_publish(int dirfd, const char *input_name, const struct job_result *r,
		   const struct publish_opts *o);

/*
 * Whether the folder @dirfd has less than 64 KiB free: a result that
 * failed there for want of space may fit once room is made; one that
 * failed with more free is too large for the folder as it is.
 */
bool result_folder_full(int dirfd);

#endif
