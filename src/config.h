/*
 * config.h - the daemon's configuration as an immutable struct.
 *
 * config_load() parses etc/cylo.conf (libconfuse) and validates every
 * value; the result is never changed afterwards, so worker threads read it
 * without locks.  SIGHUP builds a new one and swaps the pointer.
 */
#ifndef CYLO_CONFIG_H
#define CYLO_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "lang.h"
#include "joblimits.h"

enum cgroup_mode { CGROUP_AUTO, CGROUP_V2, CGROUP_V1, CGROUP_NONE };

struct sandbox_conf {
	uid_t uid_base;		/* root mode: worker slot N runs as uid_base+N */
	bool require_landlock;
	bool require_seccomp;
	bool require_cgroups;
	enum cgroup_mode cgroups;	/* `cgroups = auto|v2|v1|none` */
	char *cgroup_root;	/* NULL: our own cgroup; else a delegated dir */
	char **extra_ro_paths;	/* NULL-terminated */
};

struct watch_conf {
	char *path;
	int line;		/* of its section; 0 for a DIR of the command line */
	char *tmpfs;		/* size string ("256M") or NULL */
	long tmpfs_bytes;	/* parsed tmpfs size, 0 when none */
	int poll;		/* -1 auto (network fs), 0 off, 1 on */
	double settle;
	double rescan_interval;
	double claim_timeout;
	int max_attempts;
	bool bare_sources;
	bool archives;
	char **languages;	/* NULL-terminated allowed subset, or NULL = all */
	bool raw_output;
	unsigned result_mode;	/* permission bits of result files, 0644 */
	long max_input_size;	/* bytes */
	struct cylo_limits defaults;	/* merged: global, then this watch */
	struct cylo_limits maxima;
};

/* The most workers: half the sandbox's 1024 host uids a configuration,
 * the other half for one-shot commands running beside the daemon. */
#define WORKERS_MAX 512

struct cylo_config {
	char *path;		/* file it came from, NULL for built-ins */
	int workers;		/* resolved: 0 in the file means nproc, at most WORKERS_MAX */
	int log_level;		/* LOG_ERR .. LOG_DEBUG */
	char *metrics_file;
	char *status_file;
	double shutdown_grace;
	struct sandbox_conf sandbox;
	struct cylo_limits defaults;
	struct cylo_limits maxima;
	long max_input_size;	/* global default for watches, bytes */
	struct watch_conf *watches;
	size_t nwatches;
	struct lang_table langs;
};

/*
 * Loads @path.  @must_exist false: a missing file yields the built-in
 * defaults (the default path may be absent).  On error returns -EINVAL
 * (or -errno) and writes every problem, one per line, as
 * "FILE:LINE: key: message" into @err.  Returns an owned config in *@out.
 * Serialised internally (libconfuse is not thread-safe).
 */
int config_load(const char *path, bool must_exist, struct cylo_config **out,
		char *err, size_t errlen);

/* The built-in configuration (no file).  Returns 0 or -ENOMEM. */
int config_builtin(struct cylo_config **out);

/* Adds a watch with the defaults of SPEC §5 for a DIR given on the command line. */
int config_add_watch(struct cylo_config *c, const char *path);

void config_free(struct cylo_config *c);

/*
 * Opens watch @w's directory (O_DIRECTORY, no symlink as the last
 * component): a read-only fd, or -errno with "FILE:LINE: watch: PATH:
 * why" in @err ("watch PATH: why" for a DIR of the command line).  The
 * daemon and `cylo check` both use it, so check refuses what the daemon
 * would.  @c is @w's configuration.
 */
int config_open_watch(const struct cylo_config *c, const struct watch_conf *w,
		      char *err, size_t n);

/* Serialises every libconfuse parse in the process (config and manifests). */
void config_parse_lock(void);
void config_parse_unlock(void);

/*
 * libconfuse plumbing shared by config.c and manifest.c, the two modules
 * that parse with it.  Declared only where <confuse.h> was included first,
 * so no other module sees a libconfuse type.
 *
 * conf_parse() never hands libconfuse the text as written.  It blanks
 * comments (libconfuse 3.3 counts one line too many after every C comment),
 * escapes each '$' inside double quotes and refuses "${" elsewhere
 * (libconfuse substitutes environment variables there and has no switch to
 * turn that off), refuses NUL bytes and NUL escapes, and reports an
 * unterminated string or comment at the line where it began.  No function
 * option (include) is ever registered, and keys naming another section's
 * option ("test|memory") are refused.  Every value passes a callback that
 * checks it against the caller's key table as it is read and remembers its
 * line, so that errors are collected, each as "FILE:LINE: key: message".
 *
 * One conf_run is one parse.  Hold config_parse_lock() from conf_parse()
 * until cfg_free() of the result.
 */
#ifdef CONFUSE_H_
enum conf_kind {
	CONF_STR,		/* text: max_len bytes, then check() */
	CONF_LONG,		/* decimal integer in [min, max] */
	CONF_DOUBLE,		/* decimal number in [min, max] */
	CONF_OCTAL,		/* permission bits, octal digits, in [min, max] */
	CONF_SIZE,		/* "64M", "1G", "4096": bytes in [min, max] */
};	/* booleans need no entry: true/false, yes/no, on/off */

struct conf_key {
	const char *name;
	enum conf_kind kind;
	double min, max;
	size_t max_len;		/* strings: bytes per value; 0 means 4096 */
	size_t max_count;	/* lists: entries; 0 means 64 */
	const char *(*check)(const char *value);	/* NULL or the problem */
};

struct conf_run;

/*
 * A parse of text named @fname in messages, checked against @keys (ended by
 * a NULL name; an option missing from it is a plain string or number).
 * Parsing stops after @max_errors errors; more than @max_sections sections
 * is refused before libconfuse sees the text.  NULL on ENOMEM.
 */
struct conf_run *conf_run_new(const char *fname, const struct conf_key *keys,
			      size_t max_errors, size_t max_sections);
void conf_run_free(struct conf_run *r);

/*
 * Parses @len bytes of @text with schema @opts.  Returns 0 and an owned
 * cfg_t in *@out (check conf_nerrors(): refused values are recorded and the
 * parse goes on), -EINVAL after a syntax error, -ENOMEM.  Caller holds the
 * parse lock.
 */
int conf_parse(struct conf_run *r, cfg_opt_t *opts, const char *text,
	       size_t len, cfg_t **out);

/* Records "FILE:LINE: key: message" (line 0: no line, key NULL: no key). */
void conf_error(struct conf_run *r, int line, const char *key,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
size_t conf_nerrors(const struct conf_run *r);
/* Writes the errors sorted by line, one per line, into @buf. */
void conf_errors(const struct conf_run *r, char *buf, size_t n);

/*
 * The line of value @idx of option @key in section @sec, or of the opening
 * of section @sec itself when @key is NULL; 0 when it was not in the text.
 */
int conf_line(const struct conf_run *r, const cfg_t *sec, const char *key,
	      unsigned idx);

/* Fields of struct cylo_limits that @sec has options for and were set. */
void conf_get_limits(cfg_t *sec, struct cylo_limits *l);
/* Records "key: V exceeds the maximum M" for each set field of @l over @max. */
void conf_check_limits(struct conf_run *r, cfg_t *sec,
		       const struct cylo_limits *l, const struct cylo_limits *max);
/* Owned copy of string @key of @sec, NULL when not given.  0 or -ENOMEM. */
int conf_str(cfg_t *sec, const char *key, char **out);
/* Owned NULL-terminated copy of list @key of @sec (never NULL itself); NULL on ENOMEM. */
char **conf_strv(cfg_t *sec, const char *key);

/* Value checks shared by both schemas: NULL or the problem. */
const char *conf_check_relpath(const char *s);
const char *conf_check_env(const char *s);
#endif

#endif
