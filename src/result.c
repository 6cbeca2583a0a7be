/*
 * result.c - the result document of one job (SPEC §4): building it from a
 * struct job_result, publishing it atomically next to the input, and
 * reading back the input identity an existing result records.
 *
 * The only module that touches jansson.  Every field of SPEC §4 is always
 * present, null where unknown, in a fixed order (schema, job, input first:
 * result_read_identity() relies on finding "input" near the start).
 * Output bytes that are not UTF-8 become U+FFFD; NUL bytes survive as
 * \u0000.  Representation decisions:
 *   - times in ms (execution_time_ms, cpu_time_ms, compile/test time_ms)
 *     are integers, rounded, as the HTTP execution APIs report them;
 *   - memory_used_mb is memory_used_kb / 1024 rounded to 2 decimals;
 *   - "signal" is the signal's name ("SIGKILL", as Piston reports it) and
 *     "exit_signal" its number (as Judge0 reports it), both null for none;
 *   - input.dev and input.ino are written as signed 64-bit integers (JSON
 *     libraries rarely read more); values above 2^63 wrap but round-trip.
 *
 * All functions may be called from any thread; nothing here logs.
 */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <jansson.h>

#include "fsutil.h"
#include "result.h"
#include "util.h"

/*
 * How much of a result is read to find "input" before parsing it all: the
 * schema, the job's name (255 bytes, at most 1.5 KiB escaped) and the
 * input come first.  The buffer is on the stack of threads whose pages
 * every clone of a box write-protects, and the compiler touches each of
 * its pages on entry: one page, not four.
 */
#define IDENTITY_PREFIX	4000
/* A result holds two streams up to the output limit, escaped. */
#define RESULT_MAX_SIZE	((size_t)256 << 20)

static const char *const status_names[] = {
	[ST_OK] = "ok",
	[ST_RUNTIME_ERROR] = "runtime_error",
	[ST_TIMEOUT] = "timeout",
	[ST_MEMORY_LIMIT] = "memory_limit",
	[ST_OUTPUT_LIMIT] = "output_limit",
	[ST_COMPILE_ERROR] = "compile_error",
	[ST_INVALID_JOB] = "invalid_job",
	[ST_SANDBOX_ERROR] = "sandbox_error",
	[ST_INTERNAL_ERROR] = "internal_error",
};

static const char *const verdict_names[] = {
	[V_ACCEPTED] = "accepted",
	[V_WRONG_ANSWER] = "wrong_answer",
	[V_TIMEOUT] = "timeout",
	[V_MEMORY_LIMIT] = "memory_limit",
	[V_OUTPUT_LIMIT] = "output_limit",
	[V_RUNTIME_ERROR] = "runtime_error",
};

const char *status_name(enum job_status s)
{
	if ((unsigned)s >= sizeof(status_names) / sizeof(status_names[0]))
		return "internal_error";
	return status_names[s];
}

const char *verdict_name(enum test_verdict v)
{
	if ((unsigned)v >= sizeof(verdict_names) / sizeof(verdict_names[0]))
		return "runtime_error";
	return verdict_names[v];
}

void result_init(struct job_result *r)
{
	memset(r, 0, sizeof(*r));
	r->exit_code = -1;
	r->memory_used_kb = -1;
	r->compile.exit_code = -1;
	r->worker = -1;
	r->address_space_mb = -1;
	r->execution_time_ms = r->cpu_time_ms = -1;	/* no run: null */
	r->input_uid = (uid_t)-1;
	r->input_gid = (gid_t)-1;
	limits_unset(&r->limits);
}

void result_tests_free(struct result_test *t, size_t n)
{
	for (size_t i = 0; i < n && t != NULL; i++) {
		free(t[i].name);
		free(t[i].checker_msg);
	}
	free(t);
}

void result_free(struct job_result *r)
{
	free(r->job);
	free(r->language);
	free(r->out);
	free(r->err);
	free(r->compile.output);
	result_tests_free(r->tests, r->ntests);
	free(r->host);
	free(r->error);
	result_init(r);
}

void result_set_error(struct job_result *r, enum job_status st,
		      const char *fmt, ...)
{
	va_list ap;
	char *msg;

	r->status = st;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	free(r->error);
	r->error = msg;
}

/*
 * A JSON string of @n raw bytes: valid UTF-8 is kept (NUL included), each
 * byte of an invalid sequence becomes U+FFFD.  NULL on ENOMEM.
 */
static json_t *json_text(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0, l;
	char *fixed;
	json_t *j;

	if (s == NULL || n == 0)
		return json_string("");
	if (utf8_valid(s, n))
		return json_stringn(s, n);
	if (n > SIZE_MAX / 3)
		return NULL;
	fixed = malloc(n * 3);
	if (fixed == NULL)
		return NULL;
	while (i < n) {
		l = utf8_char_len(p + i, n - i);
		if (l == 0) {
			memcpy(fixed + o, "\xEF\xBF\xBD", 3);
			o += 3;
			i++;
		} else {
			memcpy(fixed + o, s + i, l);
			o += l;
			i += l;
		}
	}
	/* The checking variant: a bug above must not produce invalid JSON. */
	j = json_stringn(fixed, o);
	free(fixed);
	return j;
}

static json_t *json_str_or_null(const char *s)
{
	return s != NULL ? json_text(s, strlen(s)) : json_null();
}

static json_t *json_int_or_null(long long v, bool known)
{
	return known ? json_integer(v) : json_null();
}

/* Milliseconds as a rounded integer; negative means unknown. */
static json_t *json_ms(double ms)
{
	return ms >= 0 && isfinite(ms) ? json_integer(llround(ms)) : json_null();
}

static json_t *json_real_or_null(double v)
{
	return v >= 0 && isfinite(v) ? json_real(v) : json_null();
}

static json_t *json_time(int64_t real_ns)
{
	char buf[40];

	if (real_ns == 0)
		return json_null();
	format_rfc3339(real_ns, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *json_signal(int sig)
{
	const char *abbrev;
	char buf[32];

	if (sig <= 0)
		return json_null();
	abbrev = sigabbrev_np(sig);
	if (abbrev != NULL)
		snprintf(buf, sizeof(buf), "SIG%s", abbrev);
	else
		snprintf(buf, sizeof(buf), "SIG%d", sig);	/* real-time signals */
	return json_string(buf);
}

/* json_object_set_new() consumes @v even on failure and fails on NULL @v. */
#define SET(o, k, v)	(json_object_set_new((o), (k), (v)) != 0)

static bool add_head(json_t *o, const struct job_result *r)
{
	json_t *in = json_object();
	bool bad = false;

	bad |= SET(in, "dev", json_integer((json_int_t)r->input.dev));
	bad |= SET(in, "ino", json_integer((json_int_t)r->input.ino));
	bad |= SET(in, "size", json_integer(r->input.size));
	bad |= SET(in, "mtime_ns", json_integer(r->input.mtime_ns));
	bad |= SET(o, "schema", json_integer(1));
	bad |= SET(o, "job", json_str_or_null(r->job));
	bad |= SET(o, "input", in);
	bad |= SET(o, "language", json_str_or_null(r->language));
	bad |= SET(o, "status", json_string(status_name(r->status)));
	return bad;
}

static bool add_run(json_t *o, const struct job_result *r)
{
	bool known_mem = r->memory_used_kb >= 0;
	bool bad = false;

	bad |= SET(o, "exit_code", json_int_or_null(r->exit_code, r->exit_code >= 0));
	bad |= SET(o, "signal", json_signal(r->signal));
	bad |= SET(o, "exit_signal", json_int_or_null(r->signal, r->signal > 0));
	bad |= SET(o, "stdout", json_text(r->out, r->out_len));
	bad |= SET(o, "stderr", json_text(r->err, r->err_len));
	bad |= SET(o, "stdout_truncated", json_boolean(r->out_truncated));
	bad |= SET(o, "stderr_truncated", json_boolean(r->err_truncated));
	bad |= SET(o, "timeout", json_boolean(r->timeout));
	bad |= SET(o, "memory_exceeded", json_boolean(r->memory_exceeded));
	bad |= SET(o, "execution_time_ms", json_ms(r->execution_time_ms));
	bad |= SET(o, "cpu_time_ms", json_ms(r->cpu_time_ms));
	bad |= SET(o, "memory_used_kb", json_int_or_null(r->memory_used_kb, known_mem));
	bad |= SET(o, "memory_used_mb", known_mem ?
		   json_real(round(r->memory_used_kb / 1024.0 * 100) / 100) :
		   json_null());
	return bad;
}

/* @o when every member went in, else NULL (and @o freed). */
static json_t *built(json_t *o, bool bad)
{
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *json_compile(const struct job_result *r)
{
	const struct result_compile *c = &r->compile;
	json_t *o;
	bool bad = false;

	if (!r->has_compile)
		return json_null();
	o = json_object();
	bad |= SET(o, "exit_code", json_int_or_null(c->exit_code, c->exit_code >= 0));
	bad |= SET(o, "output", json_text(c->output, c->output_len));
	bad |= SET(o, "output_truncated", json_boolean(c->output_truncated));
	bad |= SET(o, "time_ms", json_ms(c->time_ms));
	return built(o, bad);
}

static json_t *json_test(const struct result_test *t)
{
	json_t *o = json_object();
	bool bad = false;

	bad |= SET(o, "name", json_str_or_null(t->name));
	bad |= SET(o, "verdict", json_string(verdict_name(t->verdict)));
	bad |= SET(o, "time_ms", json_ms(t->time_ms));
	bad |= SET(o, "memory_used_kb",
		   json_int_or_null(t->memory_used_kb, t->memory_used_kb >= 0));
	bad |= SET(o, "points", json_real(t->points));
	bad |= SET(o, "checker_message", json_str_or_null(t->checker_msg));
	return built(o, bad);
}

static json_t *json_tests(const struct job_result *r)
{
	json_t *a;
	size_t i;

	if (r->tests == NULL)
		return json_null();
	a = json_array();
	for (i = 0; a != NULL && i < r->ntests; i++) {
		if (json_array_append_new(a, json_test(&r->tests[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *json_limits(const struct job_result *r)
{
	const struct cylo_limits *l = &r->limits;
	json_t *o = json_object();
	bool bad = false;

	bad |= SET(o, "timeout", json_real_or_null(l->timeout));
	bad |= SET(o, "cpu_time", json_real_or_null(l->cpu_time));
	bad |= SET(o, "memory", json_int_or_null(l->memory, l->memory >= 0));
	bad |= SET(o, "processes", json_int_or_null(l->processes, l->processes >= 0));
	bad |= SET(o, "output_limit",
		   json_int_or_null(l->output_limit, l->output_limit >= 0));
	bad |= SET(o, "compile_timeout", json_real_or_null(l->compile_timeout));
	bad |= SET(o, "compile_memory",
		   json_int_or_null(l->compile_memory, l->compile_memory >= 0));
	bad |= SET(o, "workspace", json_int_or_null(l->workspace, l->workspace >= 0));
	bad |= SET(o, "tmp_size", json_int_or_null(l->tmp_size, l->tmp_size >= 0));
	bad |= SET(o, "file_size", json_int_or_null(l->file_size, l->file_size >= 0));
	bad |= SET(o, "open_files", json_int_or_null(l->open_files, l->open_files >= 0));
	bad |= SET(o, "enforced_by", json_str_or_null(r->limits_by));
	bad |= SET(o, "address_space",
		   json_int_or_null(r->address_space_mb, r->address_space_mb >= 0));
	return built(o, bad);
}

/* An addition to SPEC 4, for the benchmark: where the time went. */
static json_t *json_timing(const struct job_timing *t)
{
	static const struct { const char *key; size_t off; } f[] = {
#define T(x) { #x, offsetof(struct job_timing, x) }
		T(claim), T(copy_in), T(cgroup), T(clone), T(ids), T(mounts),
		T(compile), T(setup), T(landlock), T(seccomp), T(run), T(drain),
		T(reap),
#undef T
	};
	json_t *o = json_object();
	bool bad = false;

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		double v = *(const double *)(const void *)((const char *)t + f[i].off);
		bad |= SET(o, f[i].key, json_real((double)(long long)(v * 1000) / 1000));
	}
	return built(o, bad);
}

static bool add_tail(json_t *o, const struct job_result *r)
{
	bool bad = false;

	bad |= SET(o, "compile", json_compile(r));
	bad |= SET(o, "tests", json_tests(r));
	bad |= SET(o, "score", r->tests != NULL ? json_real(r->score) : json_null());
	bad |= SET(o, "limits", json_limits(r));
	bad |= SET(o, "worker", json_int_or_null(r->worker, r->worker >= 0));
	bad |= SET(o, "host", json_str_or_null(r->host));
	bad |= SET(o, "queued_at", json_time(r->queued_at_ns));
	bad |= SET(o, "started_at", json_time(r->started_at_ns));
	bad |= SET(o, "finished_at", json_time(r->finished_at_ns));
	bad |= SET(o, "error", json_str_or_null(r->error));
	bad |= SET(o, "timing_ms", json_timing(&r->timing));
	return bad;
}

char *result_to_json(const struct job_result *r, bool pretty)
{
	/* 15 digits: 0.1 prints as 0.1, not 0.10000000000000001. */
	size_t flags = JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15) |
		       (pretty ? JSON_INDENT(2) : JSON_COMPACT);
	json_t *o = json_object();
	char *s = NULL;

	if (o == NULL)
		return NULL;
	if (!add_head(o, r) && !add_run(o, r) && !add_tail(o, r))
		s = json_dumps(o, flags);
	json_decref(o);
	return s;
}

/* Reads up to @cap bytes from the start of @fd.  Count or -errno. */
static ssize_t read_prefix(int fd, char *buf, size_t cap)
{
	size_t got = 0;
	ssize_t n;

	while (got < cap) {
		n = read(fd, buf + got, cap - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t skip_ws(const char *p, size_t n, size_t i)
{
	while (i < n && is_ws(p[i]))
		i++;
	return i;
}

/*
 * The index just past the JSON value starting at p[i], or 0 when @n ends
 * first.  Only delimits (strings with their escapes, nesting by depth);
 * the one value wanted is then parsed by jansson.
 */
static size_t skip_value(const char *p, size_t n, size_t i)
{
	bool in_str = false;
	int depth = 0;

	for (; i < n; i++) {
		if (in_str) {
			if (p[i] == '\\') {
				i++;
			} else if (p[i] == '"') {
				in_str = false;
				if (depth == 0)
					return i + 1;
			}
		} else if (p[i] == '"') {
			in_str = true;
		} else if (p[i] == '{' || p[i] == '[') {
			depth++;
		} else if (p[i] == '}' || p[i] == ']') {
			/* Depth below 0: the '}' that ends a bare scalar's object. */
			if (--depth <= 0)
				return depth == 0 ? i + 1 : i;
		} else if (depth == 0 && (p[i] == ',' || is_ws(p[i]))) {
			return i;
		}
	}
	return 0;
}

/*
 * Finds the top-level "input" member in the first @n bytes of a result
 * and parses just that object: reading a whole result, which can hold
 * megabytes of output, for four numbers would make the start-up scan of a
 * large backlog slow.  NULL when it is not there.
 */
static json_t *find_input(const char *p, size_t n)
{
	size_t i = skip_ws(p, n, 0), key, keyend;

	if (i >= n || p[i++] != '{')
		return NULL;
	for (;;) {
		i = skip_ws(p, n, i);
		if (i >= n || p[i] != '"')
			return NULL;
		key = i + 1;
		keyend = skip_value(p, n, i);	/* just past the closing quote */
		if (keyend == 0)
			return NULL;
		i = skip_ws(p, n, keyend);
		if (i >= n || p[i] != ':')
			return NULL;
		i = skip_ws(p, n, i + 1);
		if (keyend - 1 - key == 5 && memcmp(p + key, "input", 5) == 0)
			return json_loadb(p + i, n - i, JSON_DISABLE_EOF_CHECK, NULL);
		i = skip_value(p, n, i);
		if (i == 0)
			return NULL;
		i = skip_ws(p, n, i);
		if (i >= n || p[i++] != ',')
			return NULL;
	}
}

/*
 * The slow path, for a document not in the order we write: all of it
 * through jansson.  @buf holds its first @n bytes, all of it when shorter
 * than @cap.
 */
static json_t *load_input(int fd, const char *buf, size_t n, size_t cap)
{
	json_t *root, *in = NULL;
	char *all = NULL;
	size_t len;

	if (n < cap)
		root = json_loadb(buf, n, JSON_ALLOW_NUL, NULL);
	else if (lseek(fd, 0, SEEK_SET) < 0 ||
		 read_fd_all(fd, RESULT_MAX_SIZE, &all, &len) < 0)
		return NULL;
	else
		root = json_loadb(all, len, JSON_ALLOW_NUL, NULL);
	free(all);
	if (root != NULL) {
		in = json_object_get(root, "input");
		json_incref(in);
		json_decref(root);
	}
	return in;
}

static int identity_from(json_t *in, struct input_id *id)
{
	json_int_t dev, ino, size, mtime;

	if (in == NULL || json_unpack(in, "{s:I, s:I, s:I, s:I}", "dev", &dev,
				      "ino", &ino, "size", &size,
				      "mtime_ns", &mtime) != 0)
		return -EINVAL;
	id->dev = (uint64_t)dev;
	id->ino = (uint64_t)ino;
	id->size = size;
	id->mtime_ns = mtime;
	return 0;
}

int result_read_identity(int dirfd, const char *name, struct input_id *id, uid_t *owner)
{
	char buf[IDENTITY_PREFIX];
	json_t *in = NULL;
	struct stat st;
	ssize_t n;
	int fd, r;

	fd = openat(dirfd, name,
		    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return errno == ELOOP || errno == ENXIO ? -EINVAL : -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	r = -EINVAL;
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size > RESULT_MAX_SIZE)
		goto out;
	if (owner)
		*owner = st.st_uid;
	n = read_prefix(fd, buf, sizeof(buf));
	r = (int)n;
	if (n < 0)
		goto out;
	in = find_input(buf, (size_t)n);
	if (in == NULL)
		in = load_input(fd, buf, (size_t)n, sizeof(buf));
	r = identity_from(in, id);
out:
	json_decref(in);
	close(fd);
	return r;
}

static int publish_one(int dirfd, const char *input, const char *suffix,
		       const void *buf, size_t len, const struct publish_opts *o)
{
	char name[NAME_MAX + 1];
	int n = snprintf(name, sizeof(name), "%s%s", input, suffix);

	if (n < 0 || (size_t)n >= sizeof(name))
		return -ENAMETOOLONG;
	struct write_opts w = { .mode = (mode_t)o->mode, .uid = o->uid, .gid = o->gid,
				.fsync = o->fsync, .chown_refused = o->chown_refused };

	return atomic_write_at(dirfd, name, buf != NULL ? buf : "", len, &w);
}

/* Writes X.stdout and X.stderr; on failure a sentence for "error" in @note. */
static int publish_raw(int dirfd, const char *input, const struct job_result *r,
		       const struct publish_opts *o, char *note, size_t n)
{
	const char *which = ".stdout";
	char es[96];
	int rc;

	rc = publish_one(dirfd, input, which, r->out, r->out_len, o);
	if (rc == 0) {
		which = ".stderr";
		rc = publish_one(dirfd, input, which, r->err, r->err_len, o);
	}
	if (rc < 0)
		snprintf(note, n, "%s%sraw output: cannot write %s%s (%s); stdout and "
			 "stderr are in this result only", r->error ? r->error : "",
			 r->error ? "; " : "", input, which, strerror_r(-rc, es, sizeof(es)));
	return rc;
}

bool result_name_fits(const char *input)
{
	return strlen(input) + RESULT_SUFFIX_LEN <= NAME_MAX;
}

void input_id_of(const struct stat *st, struct input_id *id)
{
	id->dev = (uint64_t)st->st_dev;
	id->ino = (uint64_t)st->st_ino;
	id->size = (int64_t)st->st_size;
	id->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

bool input_id_same(const struct input_id *a, const struct input_id *b)
{
	return a->ino == b->ino && a->size == b->size && a->mtime_ns == b->mtime_ns;
}

int result_name(const char *input, char out[NAME_MAX + 1])
{
	int k = snprintf(out, NAME_MAX + 1, "%s" RESULT_SUFFIX, input);

	return k < 0 || k > NAME_MAX ? -ENAMETOOLONG : 0;
}

size_t result_input_len(const char *name)
{
	size_t n = strlen(name);

	if (n <= RESULT_SUFFIX_LEN || strcmp(name + n - RESULT_SUFFIX_LEN, RESULT_SUFFIX))
		return 0;
	return n - RESULT_SUFFIX_LEN;
}

/* A result at most this large is never weighed against the folder's
 * filesystem (none is that small); a folder with less free is full. */
#define RESULT_SMALL ((size_t)64 << 10)

bool result_folder_full(int dirfd)
{
	struct statvfs sv;

	return fstatvfs(dirfd, &sv) == 0 && sv.f_frsize > 0 &&
	       sv.f_bavail < RESULT_SMALL / sv.f_frsize;
}

/*
 * The most a result of @len bytes may hold in @dirfd: what a reader takes
 * (@max, else RESULT_MAX_SIZE: result_read_identity()) and what the
 * folder's filesystem could hold at all.  A larger one could never be
 * written, or read back, at any run.  Only a large result costs a statfs
 * (a round trip on NFS).
 */
static size_t result_room(int dirfd, size_t len, size_t max)
{
	struct statvfs sv;
	size_t room = max && max < RESULT_MAX_SIZE ? max : RESULT_MAX_SIZE;

	if (len > RESULT_SMALL && fstatvfs(dirfd, &sv) == 0 && sv.f_blocks > 0 &&
	    sv.f_frsize > 0 && sv.f_blocks < room / sv.f_frsize)
		room = (size_t)sv.f_blocks * sv.f_frsize;
	return room;
}

/*
 * The bytes @n bytes of output take in the JSON, quotes included, as
 * json_text() and jansson write them: a UTF-8 character as itself, each
 * byte of an invalid sequence as U+FFFD (3), a quote, a backslash and
 * \b \f \n \r \t as 2, another control character as \u00XX (6).
 */
static size_t json_text_len(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t k = 2, i = 0, l;

	while (s != NULL && i < n) {
		if (p[i] >= 0x80) {
			l = utf8_char_len(p + i, n - i);
			k += l ? l : 3;
			i += l ? l : 1;
			continue;
		}
		k += p[i] == '"' || p[i] == '\\' || (p[i] && strchr("\b\f\n\r\t", p[i])) ? 2 :
		     p[i] < 0x20 ? 6 : 1;
		i++;
	}
	return k;
}

/*
 * @r as JSON, or, when that exceeds what result_room() allows, without the
 * job's output (the only unbounded part): the streams are marked
 * truncated, an ok job without tests becomes output_limit (its output
 * cannot be judged; tests were judged already), and the error says why,
 * in @note; *@status is the status rendered.  An output whose JSON alone
 * exceeds the room is never rendered: escaping 64 MiB of control bytes
 * takes 400 MB.  NULL on ENOMEM.
 */
static char *render_within(int dirfd, const struct job_result *r,
			   const struct publish_opts *o, char *note, size_t n,
			   enum job_status *status)
{
	struct job_result c = *r;	/* a shallow copy, only to render */
	size_t len = json_text_len(r->out, r->out_len) +
		     json_text_len(r->err, r->err_len) +
		     json_text_len(r->compile.output, r->compile.output_len);
	size_t room = result_room(dirfd, len, o->max_size);
	const char *size = "at least ";
	char *json;

	*status = r->status;
	if (len <= room) {
		if (!(json = result_to_json(r, true)))
			return NULL;
		len = strlen(json);
		if (len <= (room = result_room(dirfd, len, o->max_size)))
			return json;
		free(json);
		size = "";
	}
	snprintf(note, n, "the result with the job's output (%s%zu bytes) is larger than "
		 "%s (%zu bytes): the output %s%s%s", size, len,
		 room == (size_t)RESULT_MAX_SIZE || room == o->max_size ?
		 "a result may be" : "the folder's filesystem", room,
		 o->raw_output ? "is only in the raw output files" : "was dropped",
		 r->error ? "; " : "", r->error ? r->error : "");
	c.out = c.err = c.compile.output = NULL;
	c.out_len = c.err_len = c.compile.output_len = 0;
	c.out_truncated = c.err_truncated = true;
	if (c.status == ST_OK && c.ntests == 0)
		c.status = ST_OUTPUT_LIMIT;
	c.error = note;
	*status = c.status;
	return result_to_json(&c, true);
}

int result_publish(int dirfd, const char *input_name, const struct job_result *r,
		   const struct publish_opts *o)
{
	struct job_result with_note;
	char note[1024], big[1280], *json;
	enum job_status status;
	int rc, raw = 0;

	if (input_name[0] == '\0' || strchr(input_name, '/') != NULL)
		return -EINVAL;
	if (!result_name_fits(input_name))	/* raw files' suffixes are shorter */
		return -ENAMETOOLONG;
	if (o->raw_output && publish_raw(dirfd, input_name, r, o, note, sizeof(note)) < 0) {
		with_note = *r;		/* a shallow copy, only to render */
		with_note.error = note;
		r = &with_note;
		raw = 1;
	}
	json = render_within(dirfd, r, o, big, sizeof(big), &status);
	if (json == NULL)
		return -ENOMEM;
	/* Last: the result marks the job complete, so the raw files are in place. */
	rc = publish_one(dirfd, input_name, RESULT_SUFFIX, json, strlen(json), o);
	free(json);
	if (rc >= 0 && o->written != NULL)
		*o->written = status;
	return rc < 0 ? rc : raw;
}
