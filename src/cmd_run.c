/*
 * cmd_run.c - the one-shot commands `cylo exec` and `cylo run`: one job,
 * run by the same engine as the daemon's, its result printed.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "fsutil.h"
#include "job.h"
#include "log.h"
#include "netns_spare.h"
#include "result.h"
#include "sandbox.h"
#include "util.h"

#define MAX_CODE (1L << 20)
#define MAX_STDIN_PIPE (64L << 20)	/* what --stdin reads from a pipe or device */

/* The exit code of `exec` and `run` (SPEC §1). */
static int exit_code_of(const struct job_result *r)
{
	switch (r->status) {
	case ST_OK:
	case ST_RUNTIME_ERROR:
		if (r->signal)
			return 128 + r->signal;
		return r->exit_code < 0 ? EXIT_FAIL : r->exit_code;
	case ST_TIMEOUT:
		return EXIT_TIMEOUT;
	case ST_MEMORY_LIMIT:
	case ST_OUTPUT_LIMIT:
		return EXIT_KILLED;
	case ST_COMPILE_ERROR:
		return EXIT_FAIL;
	default:
		return EXIT_SANDBOX;
	}
}

/*
 * Config and sandbox for a one-shot command.  EXIT_CONFIG (said on
 * stderr), or EXIT_SANDBOX with the layer that failed in @err; both leave
 * nothing to free.
 */
static int setup(const struct cli *cli, struct cylo_config **cfg,
		 struct sandbox_env **sb, char *err, size_t errlen)
{
	struct sandbox_caps caps;

	*sb = NULL;
	if (!(*cfg = cli_load_config(cli)))
		return EXIT_CONFIG;
	if (sandbox_env_init(&(*cfg)->sandbox, sb, err, errlen) < 0) {
		config_free(*cfg);
		*cfg = NULL;
		return EXIT_SANDBOX;
	}
	if (sandbox_env_one_slot(*sb, (*cfg)->workers, err, errlen) < 0) {
		sandbox_env_free(*sb);
		*sb = NULL;
		config_free(*cfg);
		*cfg = NULL;
		return EXIT_SANDBOX;
	}
	if (log_level() >= LOG_DEBUG) {
		sandbox_env_caps(*sb, &caps);
		log_debug("sandbox: Landlock ABI %d, seccomp %s, limits by %s, %s",
			  caps.landlock_abi, caps.seccomp ? "on" : "off", caps.limits_by,
			  caps.root_mode ? "root mode" : "unprivileged");
	}
	return 0;
}

/* --debug: the steps of the job just run. */
static void log_steps(const struct job_result *r)
{
	char esc[1100];

	if (log_level() >= LOG_DEBUG)
		job_log_steps(log_escape(r->job ? r->job : "-", esc, sizeof(esc)), r);
}

static void finish_times(struct job_result *r, int64_t t0)
{
	char host[256] = "";

	r->queued_at_ns = r->started_at_ns = t0;
	r->finished_at_ns = now_real_ns();
	if (gethostname(host, sizeof(host) - 1) == 0)
		r->host = strdup(host);
}

/*
 * The job runs on a thread of its own: on cgroup v1 the thread joins the
 * command's own groups (sandbox_env_one_slot()), which can be removed
 * once the thread is gone (sandbox.h).
 */
struct cli_job {
	const struct job_ctx *ctx;
	struct job_spec *s;
	struct job_result *r;
	int dirfd;			/* run */
	const char *name;
	const char *lang, *code;	/* exec */
	size_t len;
	int stdin_fd;
	const struct cylo_limits *over;
};

static void exec_thread(void *arg)
{
	struct cli_job *j = arg;

	if (jobspec_from_code(j->ctx, j->lang, j->code, j->len, j->stdin_fd, j->over,
			      j->s, j->r) == 0)
		job_execute(j->ctx, j->s, j->r);
}

static void run_thread(void *arg)
{
	struct cli_job *j = arg;
	int64_t t0 = now_mono_ns();
	int e = jobspec_from_input(j->ctx, j->dirfd, j->name, j->s, j->r);

	j->r->timing.copy_in = (double)(now_mono_ns() - t0) / 1e6;
	if (e == 0)
		job_execute(j->ctx, j->s, j->r);
}

static int write_out(int fd, const char *p, size_t n)
{
	return n ? write_all(fd, p, n) : 0;
}

static int read_code(const char *arg, char **code, size_t *len)
{
	if (strcmp(arg, "-") != 0) {
		*code = strdup(arg);
		*len = strlen(arg);
		return *code ? 0 : -ENOMEM;
	}
	return read_fd_all(STDIN_FILENO, MAX_CODE, code, len);
}

/*
 * --stdin FILE as a regular file's fd.  A pipe, a FIFO or a device (a
 * process substitution, /dev/null), and a file that says it is empty but
 * may not be (procfs), is read whole first, up to MAX_STDIN_PIPE: the job
 * gets a file it can seek and read again.  Like cat, this waits for a
 * FIFO's writer and for the writer to close; --timeout starts after.
 */
static int open_stdin(const char *path)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int fd, mfd, e;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		e = -errno;
		close(fd);
		return e;
	}
	if (S_ISREG(st.st_mode) && st.st_size > 0)
		return fd;
	e = S_ISDIR(st.st_mode) ? -EISDIR : read_fd_all(fd, MAX_STDIN_PIPE, &buf, &len);
	close(fd);
	if (e < 0)
		return e;
	mfd = memfd_create("cylo-stdin", MFD_CLOEXEC);
	e = mfd < 0 ? -errno : write_all(mfd, buf, len);
	free(buf);
	if (e < 0 && mfd >= 0)
		close(mfd);
	return e < 0 ? e : mfd;
}

/* Whether open_stdin()'s failure is the named file's (a bad command line),
 * not cylo's own (out of memory or memfds). */
static bool stdin_unusable(int e)
{
	return e == -ENOENT || e == -EACCES || e == -EISDIR || e == -ENOTDIR ||
	       e == -ELOOP || e == -ENAMETOOLONG || e == -ENXIO || e == -EFBIG ||
	       e == -EIO || e == -EPERM;
}

struct exec_opts {
	const char *lang, *stdin_path;
	struct cylo_limits over;
};

static int exec_parse(int argc, char **argv, struct exec_opts *o)
{
	static const struct option opts[] = {
		{ "lang", required_argument, NULL, 'l' },
		{ "stdin", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "memory", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	limits_unset(&o->over);
	optind = 0;
	while ((c = getopt_long(argc, argv, "+l:s:t:m:", opts, NULL)) != -1) {
		if (c == 'l')
			o->lang = optarg;
		else if (c == 's')
			o->stdin_path = optarg;
		/* Only the form is judged here; a value over the configured
		 * maxima is refused with the job (125), as a manifest's is. */
		else if (c == 't' && parse_double(optarg, 0.001, 1e9, &o->over.timeout) == 0)
			o->over.cpu_time = o->over.timeout;
		else if (c == 'm' && parse_long(optarg, 1, LONG_MAX >> 20, &o->over.memory) == 0)
			;
		else {
			fprintf(stderr, "cylo exec: bad option or value\n");
			return -EINVAL;
		}
	}
	if (!o->lang || optind != argc - 1) {
		fprintf(stderr, "usage: cylo exec --lang LANG [--stdin FILE] "
			"[--timeout S] [--memory MB] CODE\n");
		return -EINVAL;
	}
	return optind;
}

static int exec_job(const struct cli *cli, const struct exec_opts *o,
		    const char *code, size_t len, int stdin_fd)
{
	struct cylo_config *cfg;
	struct sandbox_env *sb;
	struct job_spec s;
	struct job_result r;
	char err[512];
	int rc;

	if ((rc = setup(cli, &cfg, &sb, err, sizeof(err))) != 0) {
		if (rc == EXIT_SANDBOX)
			fprintf(stderr, "cylo: %s: %s\n", status_name(ST_SANDBOX_ERROR), err);
		return rc;
	}
	struct job_ctx ctx = { .cfg = cfg, .sb = sb, .slot = 0, .worker = -1,
			       .self_fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC) };
	int64_t t0 = now_real_ns();

	job_spec_init(&s);
	result_init(&r);
	if (!lang_find(&cfg->langs, o->lang)) {
		fprintf(stderr, "cylo exec: unknown language '%s' (see cylo langs)\n", o->lang);
		rc = EXIT_USAGE;
		goto out;
	}
	struct cli_job j = { .ctx = &ctx, .s = &s, .r = &r, .lang = o->lang, .code = code,
			     .len = len, .stdin_fd = stdin_fd, .over = &o->over };
	if (sandbox_on_thread(exec_thread, &j) < 0)
		result_set_error(&r, ST_INTERNAL_ERROR, "cannot start a thread");
	log_steps(&r);
	finish_times(&r, t0);
	if (r.compile_ended)
		write_out(STDERR_FILENO, r.compile.output, r.compile.output_len);
	write_out(STDOUT_FILENO, r.out, r.out_len);
	write_out(STDERR_FILENO, r.err, r.err_len);
	if (r.status >= ST_INVALID_JOB)
		fprintf(stderr, "cylo: %s: %s\n", status_name(r.status), r.error ? r.error : "");
	rc = exit_code_of(&r);
out:
	job_spec_free(&s);
	result_free(&r);
	if (ctx.self_fd >= 0)
		close(ctx.self_fd);
	sandbox_env_free(sb);
	config_free(cfg);
	return rc;
}

int cmd_exec(const struct cli *cli, int argc, char **argv)
{
	struct exec_opts o = { 0 };
	char *code = NULL;
	size_t len = 0;
	int i, fd = -1, rc;

	if ((i = exec_parse(argc, argv, &o)) < 0)
		return EXIT_USAGE;
	if (read_code(argv[i], &code, &len) < 0) {
		fprintf(stderr, "cylo exec: cannot read the code\n");
		return EXIT_USAGE;
	}
	if (o.stdin_path && (fd = open_stdin(o.stdin_path)) < 0) {
		fprintf(stderr, "cylo exec: --stdin %s: %s\n", o.stdin_path,
			fd == -EFBIG ? "more than 64 MiB" : strerror(-fd));
		free(code);
		return stdin_unusable(fd) ? EXIT_USAGE : EXIT_SANDBOX;
	}
	netns_spare_ahead();	/* made while the box is prepared */
	rc = exec_job(cli, &o, code, len, fd);
	netns_spare_ahead_end();
	if (fd >= 0)
		close(fd);
	free(code);
	return rc;
}

static void print_stream(const char *label, const char *p, size_t n, bool trunc)
{
	if (!n && !trunc)
		return;
	printf("--- %s%s ---\n", label, trunc ? " (truncated)" : "");
	fflush(stdout);
	write_out(STDOUT_FILENO, p, n);
	if (n && p[n - 1] != '\n')
		printf("\n");
}

static void print_summary(const struct job_result *r)
{
	printf("job:      %s\nlanguage: %s\nstatus:   %s\n", r->job,
	       r->language ? r->language : "-", status_name(r->status));
	if (r->error)
		printf("error:    %s\n", r->error);
	if (r->exit_code >= 0)
		printf("exit:     %d\n", r->exit_code);
	if (r->signal)
		printf("signal:   %d\n", r->signal);
	if (r->execution_time_ms >= 0)
		printf("time:     %.1f ms wall, %.1f ms cpu\n", r->execution_time_ms,
		       r->cpu_time_ms);
	if (r->memory_used_kb >= 0)
		printf("memory:   %ld KiB (limits by %s)\n", r->memory_used_kb,
		       r->limits_by ? r->limits_by : "-");
	for (size_t i = 0; r->tests && i < r->ntests; i++)
		printf("test:     %s: %s (%.1f ms, %g points)%s%s\n",
		       r->tests[i].name ? r->tests[i].name : "-",
		       verdict_name(r->tests[i].verdict), r->tests[i].time_ms,
		       r->tests[i].points, r->tests[i].checker_msg ? ": " : "",
		       r->tests[i].checker_msg ? r->tests[i].checker_msg : "");
	if (r->tests)
		printf("score:    %g\n", r->score);
	if (r->has_compile)
		print_stream("compile", r->compile.output, r->compile.output_len, false);
	print_stream("stdout", r->out, r->out_len, r->out_truncated);
	print_stream("stderr", r->err, r->err_len, r->err_truncated);
	fflush(stdout);
}

static int run_file(const struct cli *cli, const char *path, bool json)
{
	char *dup1 = strdup(path), *dup2 = strdup(path);
	struct cylo_config *cfg = NULL;
	struct sandbox_env *sb = NULL;
	struct job_spec s;
	struct job_result r;
	struct job_ctx ctx = { .slot = 0, .worker = -1, .self_fd = -1 };
	int dirfd = -1, rc = EXIT_FAIL;
	int64_t t0 = now_real_ns();
	const char *name;
	char err[512];

	job_spec_init(&s);
	result_init(&r);
	if (!dup1 || !dup2 || (rc = setup(cli, &cfg, &sb, err, sizeof(err))) == EXIT_CONFIG) {
		rc = dup1 && dup2 ? rc : EXIT_FAIL;
		goto out;
	}
	ctx.cfg = cfg;
	ctx.sb = sb;
	ctx.self_fd = sb ? open("/proc/self/exe", O_RDONLY | O_CLOEXEC) : -1;
	name = basename(dup2);

	r.job = strdup(name);
	if (!sb)	/* a required layer is missing: a result that says which */
		result_set_error(&r, ST_SANDBOX_ERROR, "%s", err);
	else if ((dirfd = open(dirname(dup1), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		result_set_error(&r, ST_INVALID_JOB, "cannot open the directory of %s", path);
	else if (!job_is_input_name(cfg, NULL, name))
		result_set_error(&r, ST_INVALID_JOB, "'%s' is not a job file (a source with "
				 "a configured extension, NAME.job, or an archive)", name);
	else {
		struct cli_job j = { .ctx = &ctx, .s = &s, .r = &r, .dirfd = dirfd, .name = name };
		if (sandbox_on_thread(run_thread, &j) < 0)
			result_set_error(&r, ST_INTERNAL_ERROR, "cannot start a thread");
		log_steps(&r);
	}
	finish_times(&r, t0);
	if (json) {
		char *doc = result_to_json(&r, true);
		if (doc)
			printf("%s\n", doc);
		free(doc);
	} else {
		print_summary(&r);
	}
	rc = exit_code_of(&r);
out:
	if (dirfd >= 0)
		close(dirfd);
	if (ctx.self_fd >= 0)
		close(ctx.self_fd);
	job_spec_free(&s);
	result_free(&r);
	sandbox_env_free(sb);
	config_free(cfg);
	free(dup1);
	free(dup2);
	return rc;
}

int cmd_run(const struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false;
	int c, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+j", opts, NULL)) != -1) {
		if (c != 'j')
			return EXIT_USAGE;
		json = true;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: cylo run [--json] JOBFILE\n");
		return EXIT_USAGE;
	}
	netns_spare_ahead();	/* made while the box is prepared */
	rc = run_file(cli, argv[optind], json);
	netns_spare_ahead_end();
	return rc;
}
