/*
 * lang.c - the language table: the ten built-in languages of SPEC §1 for
 * Debian 12, lookups by name, alias, extension and file name, and the
 * expansion of compile/run templates into argv.
 *
 * The table is plain owned data.  config.c builds the daemon's table from
 * lang_builtin() and the `language` sections of the file, and never
 * changes it afterwards, so the lookups are safe from any thread.
 *
 * Templates are not shell: blanks split words, single or double quotes
 * group them (and are removed), there is no escape character, and
 * {main} {dir} {exe} {base} {maindir} expand anywhere in a word, quoted or not.
 * {args} stands alone as a word and becomes the job's arguments;
 * {sources} too, and becomes {main} and the job's other files in the
 * language (job.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lang.h"
#include "joblimits.h"
#include "util.h"

#define WORD_MAX	65536	/* bytes of one expanded argument */
#define ARGV_MAX	4096	/* arguments of one expanded template */

/*
 * What every runtime needs: the merged-/usr tree and the top-level
 * symlinks into it (the sandbox recreates those as symlinks).
 */
#define BASE_PATHS "/usr", "/bin", "/lib", "/lib64", "/sbin"

/* Debian's link to its default JDK, whatever the architecture
 * (default-jdk-headless; the JVM finds its home from the real path). */
#define JVM "/usr/lib/jvm/default-java/bin/"
/*
 * Fast JVM start in a small box: one GC thread, C1 only, the class-data
 * archive when it is there, no hsperfdata file in /tmp.
 */
#define JVM_FLAGS(p) p "-XX:+UseSerialGC " p "-XX:TieredStopAtLevel=1 " \
		     p "-Xshare:auto " p "-XX:-UsePerfData"

struct lang_def {
	const char *name;
	const char *aliases[3];
	const char *extensions[4];
	const char *compile;
	const char *run;
	const char *paths[9];
	const char *env[10];
	const char *main;
	const char *out_of_memory;
	const char *uncaught;
	/* Limits the runtime needs above the defaults; 0 = not set. */
	long processes;
	double compile_timeout;
	long address_space;
};

static const struct lang_def builtin[] = {
	{
		.name = "python", .aliases = { "py" }, .extensions = { "py" },
		.run = "/usr/bin/python3 {main}",
		.paths = { BASE_PATHS },
		.env = { "PYTHONDONTWRITEBYTECODE=1" },
		.main = "main.py",
		.uncaught = "Traceback (most recent call last):",
	}, {
		.name = "javascript", .aliases = { "js", "node" },
		.extensions = { "js", "mjs" },
		/* V8 sizes its heap for the host's memory, which the box hides:
		 * without a bound it grows past the job's limit before it
		 * collects. */
		.run = "/usr/bin/node --max-old-space-size={heap} {main}",
		.paths = { BASE_PATHS },
		.main = "main.js",
		.out_of_memory = "JavaScript heap out of memory",
		.uncaught = "\nNode.js v",	/* closes the report of an uncaught error */
		.address_space = 1024,	/* V8's reservations: 768 MiB to start */
	}, {
		/* No network and no module cache: GOPATH mode, offline, static. */
		.name = "go", .aliases = { "golang" }, .extensions = { "go" },
		.compile = "/usr/bin/go build -o {exe} {maindir}",
		.run = "{exe}",
		.paths = { BASE_PATHS },
		/* GOMEMLIMIT: the collector's target, else the heap may grow to
		 * twice the live data past the job's limit. */
		.env = { "GOCACHE=/tmp/.gocache", "GOPATH=/tmp/go", "GOPROXY=off",
			 "GO111MODULE=off", "CGO_ENABLED=0", "GOTOOLCHAIN=local",
			 "GOFLAGS=-buildvcs=false", "GOMEMLIMIT={heap}MiB" },
		.main = "main.go",
		.processes = 256, .compile_timeout = 60,
		.address_space = 1024,	/* the Go runtime's: 768 MiB to start */
	}, {
		/* rustc links with `cc`, a Debian alternative. */
		.name = "rust", .aliases = { "rs" }, .extensions = { "rs" },
		.compile = "/usr/bin/rustc --edition 2021 -O -o {exe} {main}",
		.run = "{exe}",
		.paths = { BASE_PATHS, "/etc/alternatives" },
		.main = "main.rs",
		.processes = 256, .compile_timeout = 60,
	}, {
		.name = "c", .extensions = { "c" },
		.compile = "/usr/bin/gcc -O2 -pipe -DONLINE_JUDGE -o {exe} {sources} -lm",
		.run = "{exe}",
		.paths = { BASE_PATHS },
		.main = "main.c",
	}, {
		.name = "cpp", .aliases = { "c++" }, .extensions = { "cpp", "cc", "cxx" },
		.compile = "/usr/bin/g++ -std=gnu++20 -O2 -pipe -DONLINE_JUDGE -o {exe} {sources}",
		.run = "{exe}",
		.paths = { BASE_PATHS },
		.main = "main.cpp",
	}, {
		/* The JDK's lib/ links into /etc/java-17-openjdk (jvm.cfg, security):
		 * a default JDK of another version needs a language section. */
		.name = "java", .extensions = { "java" },
		.compile = JVM "javac " JVM_FLAGS("-J") " -encoding UTF-8 -d . {main}",
		/* The JVM sizes itself for the host's memory, which the box hides
		 * (a heap of a quarter of the host's): sized for the job's.  The
		 * main thread's stack as Kattis gives it (the JVM's own 1 MiB
		 * took a recursion 20,000 calls deep). */
		.run = JVM "java " JVM_FLAGS("") " -XX:MaxRAM={memory}m -XX:MaxRAMPercentage=75"
		       " -Xss64m -cp . {base}",
		.paths = { BASE_PATHS, "/etc/java-17-openjdk" },
		.main = "Main.java",
		.out_of_memory = "java.lang.OutOfMemoryError: Java heap space",
		.uncaught = "Exception in thread \"",
		.processes = 256, .compile_timeout = 60,
		/* 1 GiB of class space, the code cache, thread stacks; the heap
		 * is {heap} */
		.address_space = 4096,
	}, {
		.name = "ruby", .aliases = { "rb" }, .extensions = { "rb" },
		.run = "/usr/bin/ruby {main}",
		.paths = { BASE_PATHS },
		.main = "main.rb",
	}, {
		/* /usr/bin/php is a Debian alternative; php.ini lives in /etc/php. */
		.name = "php", .extensions = { "php" },
		.run = "/usr/bin/php {main}",
		.paths = { BASE_PATHS, "/etc/alternatives", "/etc/php" },
		.main = "main.php",
	}, {
		/* awk and which are Debian alternatives. */
		.name = "bash", .aliases = { "sh" }, .extensions = { "sh" },
		.run = "/usr/bin/bash {main}",
		.paths = { BASE_PATHS, "/etc/alternatives" },
		.main = "main.sh",
	},
};

/* An owned NULL-terminated copy of a fixed array padded with NULLs. */
static char **strv_from(const char *const *v, size_t max)
{
	char **out = calloc(1, sizeof(*out));
	size_t i;

	for (i = 0; out != NULL && i < max && v[i] != NULL; i++)
		if (strv_push(&out, v[i]) < 0) {
			strv_free(out);
			return NULL;
		}
	return out;
}

static char *dup_or_null(const char *s, bool *oom)
{
	char *d = s ? strdup(s) : NULL;

	if (s != NULL && d == NULL)
		*oom = true;
	return d;
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static int lang_from_def(const struct lang_def *d, struct cylo_lang *l)
{
	bool oom = false;

	memset(l, 0, sizeof(*l));
	l->name = dup_or_null(d->name, &oom);
	l->compile = dup_or_null(d->compile, &oom);
	l->run = dup_or_null(d->run, &oom);
	l->default_main = dup_or_null(d->main, &oom);
	l->out_of_memory = d->out_of_memory ? dup_or_null(d->out_of_memory, &oom) : NULL;
	l->uncaught = d->uncaught ? dup_or_null(d->uncaught, &oom) : NULL;
	l->aliases = strv_from(d->aliases, NELEM(d->aliases));
	l->extensions = strv_from(d->extensions, NELEM(d->extensions));
	l->paths = strv_from(d->paths, NELEM(d->paths));
	l->env = strv_from(d->env, NELEM(d->env));
	limits_unset(&l->limits);
	if (d->processes > 0)
		l->limits.processes = d->processes;
	if (d->compile_timeout > 0)
		l->limits.compile_timeout = d->compile_timeout;
	l->address_space = d->address_space;
	if (oom || !l->aliases || !l->extensions || !l->paths || !l->env) {
		lang_clear(l);
		return -ENOMEM;
	}
	return 0;
}

int lang_builtin(struct lang_table *t)
{
	size_t i;
	int e;

	t->n = 0;
	t->v = calloc(NELEM(builtin), sizeof(*t->v));
	if (t->v == NULL)
		return -ENOMEM;
	for (i = 0; i < NELEM(builtin); i++) {
		e = lang_from_def(&builtin[i], &t->v[i]);
		if (e < 0) {
			lang_table_free(t);
			return e;
		}
		t->n++;
	}
	return 0;
}

void lang_clear(struct cylo_lang *l)
{
	free(l->name);
	strv_free(l->aliases);
	strv_free(l->extensions);
	free(l->compile);
	free(l->run);
	strv_free(l->paths);
	strv_free(l->env);
	free(l->default_main);
	free(l->out_of_memory);
	free(l->uncaught);
	memset(l, 0, sizeof(*l));
}

void lang_table_free(struct lang_table *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		lang_clear(&t->v[i]);
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

int lang_table_put(struct lang_table *t, struct cylo_lang *l, size_t *at)
{
	struct cylo_lang *v;
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcasecmp(t->v[i].name, l->name) == 0)
			break;
	if (i == t->n) {
		v = reallocarray(t->v, t->n + 1, sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		t->v = v;
		t->n++;
	} else {
		lang_clear(&t->v[i]);
	}
	t->v[i] = *l;
	memset(l, 0, sizeof(*l));
	if (at != NULL)
		*at = i;
	return 0;
}

bool lang_matches(const struct cylo_lang *l, const char *name)
{
	char **a;

	if (strcasecmp(l->name, name) == 0)
		return true;
	for (a = l->aliases; a && *a; a++)
		if (strcasecmp(*a, name) == 0)
			return true;
	return false;
}

const struct cylo_lang *lang_find(const struct lang_table *t, const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < t->n; i++)
		if (lang_matches(&t->v[i], name))
			return &t->v[i];
	return NULL;
}

const struct cylo_lang *lang_by_ext(const struct lang_table *t, const char *ext)
{
	char **e;
	size_t i;

	if (ext == NULL)
		return NULL;
	for (i = 0; i < t->n; i++)
		for (e = t->v[i].extensions; e && *e; e++)
			if (strcmp(*e, ext) == 0)
				return &t->v[i];
	return NULL;
}

/*
 * The longest extension wins, so "a.tar.gz" is never a source unless
 * some language claims "tar.gz" or "gz".  The name must have a stem:
 * ".py" alone is not a Python file.
 */
const struct cylo_lang *lang_by_filename(const struct lang_table *t, const char *fname)
{
	const struct cylo_lang *best = NULL;
	const char *base;
	size_t i, n, elen, best_len = 0;
	char **e;

	if (fname == NULL)
		return NULL;
	base = strrchr(fname, '/');
	base = base ? base + 1 : fname;
	n = strlen(base);
	for (i = 0; i < t->n; i++) {
		for (e = t->v[i].extensions; e && *e; e++) {
			elen = strlen(*e);
			if (n < elen + 2 || base[n - elen - 1] != '.' ||
			    strcmp(base + n - elen, *e) != 0 || elen <= best_len)
				continue;
			best = &t->v[i];
			best_len = elen;
		}
	}
	return best;
}

/* ------------------------------------------------------------------ */
/* Templates                                                           */
/* ------------------------------------------------------------------ */

struct word {
	char *p;
	size_t len, cap;
};

static int word_add(struct word *w, const char *s, size_t n)
{
	char *np;
	size_t ncap;

	if (w->len + n + 1 > WORD_MAX)
		return -E2BIG;
	if (w->len + n + 1 > w->cap) {
		ncap = w->cap ? w->cap * 2 : 64;
		while (ncap < w->len + n + 1)
			ncap *= 2;
		np = realloc(w->p, ncap);
		if (np == NULL)
			return -ENOMEM;
		w->p = np;
		w->cap = ncap;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
	w->p[w->len] = '\0';
	return 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* The value of the placeholder named by @n bytes at @name; -EINVAL if unknown or unset. */
static int var_value(const struct lang_vars *v, const char *name, size_t n,
		     const char **out)
{
	static const char *const names[] = { "main", "dir", "exe", "base", "memory", "heap",
					     "maindir" };
	const char *vals[] = { v->main, v->dir, v->exe, v->base, v->memory, v->heap,
			       v->maindir };
	size_t i;

	for (i = 0; i < NELEM(names); i++)
		if (strlen(names[i]) == n && memcmp(names[i], name, n) == 0) {
			*out = vals[i];
			return vals[i] ? 0 : -EINVAL;
		}
	return -EINVAL;
}

void lang_vars_memory(struct lang_vars *v, long mb, char *memory, char *heap)
{
	if (mb < 16)	/* a runtime gets a heap however small the limit */
		mb = 16;
	snprintf(memory, LANG_NUM_LEN, "%ld", mb);
	snprintf(heap, LANG_NUM_LEN, "%ld", mb / 4 * 3);
	v->memory = memory;
	v->heap = heap;
}

char *lang_env_expand(const char *kv, const struct lang_vars *v)
{
	struct word w = { 0 };
	const char *p = kv, *val;
	int e = word_add(&w, "", 0);

	while (e == 0 && *p) {
		if (!strncmp(p, "{memory}", 8) || !strncmp(p, "{heap}", 6)) {
			val = p[1] == 'm' ? v->memory : v->heap;
			e = word_add(&w, val, strlen(val));
			p += p[1] == 'm' ? 8 : 6;
		} else {
			e = word_add(&w, p++, 1);
		}
	}
	if (e < 0) {
		free(w.p);
		return NULL;
	}
	return w.p;
}

/* Appends the placeholder at **@pp ('{') to @w and moves past it. */
static int expand_var(const char **pp, const struct lang_vars *v, struct word *w)
{
	const char *name = *pp + 1, *close = strchr(name, '}'), *val;
	int e;

	if (close == NULL)
		return -EINVAL;
	e = var_value(v, name, (size_t)(close - name), &val);
	if (e == 0)
		e = word_add(w, val, strlen(val));
	*pp = close + 1;
	return e;
}

/* One word starting at **@pp into @w (reset first); moves past it. */
static int next_word(const char **pp, const struct lang_vars *v, struct word *w)
{
	const char *p = *pp;
	char quote = 0;
	int e = 0;

	w->len = 0;
	e = word_add(w, "", 0);
	while (e == 0 && *p != '\0' && (quote || !is_blank(*p))) {
		if (quote && *p == quote) {
			quote = 0;
			p++;
		} else if (!quote && (*p == '\'' || *p == '"')) {
			quote = *p++;
		} else if (*p == '{') {
			e = expand_var(&p, v, w);
		} else {
			e = word_add(w, p++, 1);
		}
	}
	*pp = p;
	if (e == 0 && quote)
		e = -EINVAL;
	return e;
}

static int push_all(char ***argv, char *const *extra)
{
	size_t i;
	int e;

	for (i = 0; extra && extra[i]; i++) {
		if (strv_len(*argv) >= ARGV_MAX)
			return -E2BIG;
		if ((e = strv_push(argv, extra[i])) < 0)
			return e;
	}
	return 0;
}

static bool is_args_word(const char *p)
{
	return strncmp(p, "{args}", 6) == 0 && (p[6] == '\0' || is_blank(p[6]));
}

static bool is_sources_word(const char *p)
{
	return strncmp(p, "{sources}", 9) == 0 && (p[9] == '\0' || is_blank(p[9]));
}

int lang_expand(const char *tmpl, const struct lang_vars *v,
		char *const *extra, char ***argv)
{
	struct word w = { 0 };
	bool args_done = false;
	char **out = calloc(1, sizeof(*out));
	const char *p = tmpl;
	size_t nwords = 0;
	int e = out ? 0 : -ENOMEM;

	*argv = NULL;
	while (e == 0) {
		p += strspn(p, " \t\n");
		if (*p == '\0')
			break;
		if (is_sources_word(p) && nwords > 0) {
			char *const one[] = { (char *)v->main, NULL };

			e = push_all(&out, v->sources ? v->sources : one);
			nwords++;
			p += 9;
			continue;
		}
		if (is_args_word(p) && !args_done) {
			/* The program itself never comes from the job. */
			if (nwords == 0)
				e = -EINVAL;
			else
				e = push_all(&out, extra);
			args_done = true;
			p += 6;
			continue;
		}
		e = next_word(&p, v, &w);
		if (e == 0)
			e = strv_len(out) >= ARGV_MAX ? -E2BIG : strv_push(&out, w.p);
		nwords++;
	}
	if (e == 0 && nwords == 0)
		e = -EINVAL;
	if (e == 0 && !args_done)
		e = push_all(&out, extra);
	free(w.p);
	if (e < 0) {
		strv_free(out);
		return e;
	}
	*argv = out;
	return 0;
}

void lang_argv_free(char **argv)
{
	strv_free(argv);
}

/*
 * A template's program must be installed, unless it is a file of the job
 * ({exe}, or a path below {dir}) which only the job can provide.
 */
static bool program_installed(const char *tmpl)
{
	static const struct lang_vars v = { "main", "/work", "/work/.cylo-exe", "main",
					    "256", "192", NULL, "." };
	const char *p = tmpl + strspn(tmpl, " \t\n");
	struct stat st;
	char **argv;
	bool ok;

	if (*p == '"' || *p == '\'')
		p++;
	if (*p == '{')
		return true;
	if (lang_expand(tmpl, &v, NULL, &argv) < 0)
		return false;
	ok = argv[0][0] == '/' && stat(argv[0], &st) == 0 && S_ISREG(st.st_mode) &&
	     access(argv[0], X_OK) == 0;
	lang_argv_free(argv);
	return ok;
}

bool lang_installed(const struct cylo_lang *l)
{
	if (l->run == NULL || !program_installed(l->run))
		return false;
	return l->compile == NULL || program_installed(l->compile);
}
