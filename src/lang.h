/*
 * lang.h - the language table: what a language is called, which files
 * are its sources, how it is compiled and run, and what it may see.
 *
 * Languages come from `language "NAME" { }` sections of the config; the
 * built-in table (lang_builtin()) holds the ten languages of the spec so
 * cylo runs without a config file.  Adding a language is a config change.
 */
#ifndef CYLO_LANG_H
#define CYLO_LANG_H

#include <stdbool.h>
#include <stddef.h>

#include "joblimits.h"

struct cylo_lang {
	char *name;		/* canonical: "python" */
	char **aliases;		/* NULL-terminated: "py" */
	char **extensions;	/* NULL-terminated, no dot: "py" */
	char *compile;		/* command template, NULL when interpreted */
	char *run;		/* command template */
	char **paths;		/* NULL-terminated host paths bound read-only */
	char **env;		/* NULL-terminated KEY=VALUE */
	char *default_main;	/* file name for inline code: "main.py" */
	struct cylo_limits limits;	/* per-language defaults (unset = -1) */
	long address_space;	/* MiB the runtime reserves beyond its use: added
				   to memory for RLIMIT_AS when rlimits limit it */
	char *out_of_memory;	/* what the runtime writes to stderr when its own
				   heap bound stops it, or NULL */
	char *uncaught;		/* what it writes when it dies of an uncaught
				   error, or NULL: a checker's crash */
};

struct lang_table {
	struct cylo_lang *v;
	size_t n;
};

/* The ten built-in languages.  Returns 0 or -ENOMEM; free with lang_table_free(). */
int lang_builtin(struct lang_table *t);
void lang_table_free(struct lang_table *t);

/* Frees what @l owns (not @l itself) and zeroes it. */
void lang_clear(struct cylo_lang *l);

/*
 * Takes the contents of @l into @t: it replaces the language of the same
 * name (case-insensitive) in place, or is appended.  *@at (may be NULL)
 * receives its index.  0, or -ENOMEM with @l still the caller's.
 */
int lang_table_put(struct lang_table *t, struct cylo_lang *l, size_t *at);

/* Whether @l answers to @name: its name or an alias, case-insensitive. */
bool lang_matches(const struct cylo_lang *l, const char *name);

/*
 * Lookup by name or alias (case-insensitive), or by extension without dot
 * (case-sensitive, as compilers treat them: ".C" is not ".c").
 */
const struct cylo_lang *lang_find(const struct lang_table *t, const char *name);
const struct cylo_lang *lang_by_ext(const struct lang_table *t, const char *ext);
/* Language of a file name by its longest matching extension, or NULL. */
const struct cylo_lang *lang_by_filename(const struct lang_table *t, const char *fname);

/* What a template may refer to. */
struct lang_vars {
	const char *main;	/* {main}: entry file, relative to /work */
	const char *dir;	/* {dir}: the workspace, "/work" */
	const char *exe;	/* {exe}: compiled program, "/work/.cylo-exe" */
	const char *base;	/* {base}: main without its extension (Java class) */
	const char *memory;	/* {memory}: the run's memory limit, MiB */
	const char *heap;	/* {heap}: three quarters of it, for a runtime's heap */
	char *const *sources;	/* {sources}: main and the job's other files in
				   the language, as words; NULL: main alone */
	const char *maindir;	/* {maindir}: main's directory, "." or "./DIR"
				   (Go builds the package there) */
};

#define LANG_NUM_LEN 24	/* a number's text in {memory}, {heap} */

/* {memory} and {heap} for a memory limit of @mb MiB, into @memory and @heap
 * (each LANG_NUM_LEN bytes), pointed to from @v. */
void lang_vars_memory(struct lang_vars *v, long mb, char *memory, char *heap);

/*
 * Expands a template into a NULL-terminated argv (owned, free with
 * lang_argv_free()).  The template is split on blanks; single or double
 * quotes group words; a placeholder expands inside a word.  Extra
 * arguments @extra (may be NULL) are appended after {args} if present, or at
 * the end.  {sources}, a word of its own, becomes @v's sources (else
 * {main}).  Returns 0, -EINVAL for an unknown placeholder or unbalanced
 * quote, -ENOMEM.
 */
int lang_expand(const char *tmpl, const struct lang_vars *v,
		char *const *extra, char ***argv);

/*
 * A language's environment entry with {memory} and {heap} expanded (any
 * other brace stays as it is): owned, or NULL when out of memory.
 */
char *lang_env_expand(const char *kv, const struct lang_vars *v);
void lang_argv_free(char **argv);

/*
 * Whether the runtime is installed: the first word of the run (and
 * compile) template is an absolute path that exists and is executable.
 */
bool lang_installed(const struct cylo_lang *l);

#endif
