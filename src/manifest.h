/*
 * manifest.h - a job manifest (NAME.job, cylo.job) parsed into plain data.
 *
 * The text is untrusted: libconfuse runs without include(), without
 * environment substitution and without any function options, and every
 * string and list has a ceiling.
 */
#ifndef CYLO_MANIFEST_H
#define CYLO_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>

#include "joblimits.h"

enum compare_mode { CMP_EXACT, CMP_TRIM, CMP_TOKENS, CMP_FLOAT };

struct manifest_test {
	char *name;
	char *stdin_text;	/* or NULL */
	char *stdin_file;	/* or NULL, relative to /work */
	char *expect;		/* or NULL */
	char *expect_file;	/* or NULL */
	enum compare_mode compare;
	double float_eps;	/* for CMP_FLOAT */
	double points;
	struct cylo_limits limits;	/* overrides, unset = -1 */
	struct {		/* where keys were given (0: absent) */
		int stdin_file, expect_file;
	} line;
};

struct manifest {
	char *language;		/* NULL: infer from main */
	char *main;		/* NULL: the language's default_main */
	char *code;		/* inline source, or NULL */
	size_t code_len;
	char **args;		/* NULL-terminated, never NULL itself */
	char *stdin_text;	/* or NULL */
	char *stdin_file;	/* or NULL */
	char **env;		/* NULL-terminated KEY=VALUE, never NULL */
	struct cylo_limits limits;	/* overrides, unset = -1 */
	struct manifest_test *tests;
	size_t ntests;
	char *checker;		/* or NULL */
	struct {		/* where keys were given (0: absent), for later errors */
		int language, main, code, stdin, stdin_file, checker;
	} line;
	char *fname;		/* the name messages use */
};

/*
 * Parses @len bytes of @text (need not be NUL-terminated); @fname names it
 * in messages.  Values are checked against @maxima.  On success returns 0
 * and an owned manifest.  On any error returns -EINVAL and writes one
 * message "FNAME:LINE: key: problem" into @err (e.g. "job.job:3: tmeout:
 * unknown key").  Never reads a file or the environment.
 */
int manifest_parse(const char *text, size_t len, const char *fname,
		   const struct cylo_limits *maxima, struct manifest **out,
		   char *err, size_t errlen);

void manifest_free(struct manifest *m);

#endif
