/*
 * job_archive.c - an archive input becomes the job's bundle.
 *
 * libarchive never runs in the daemon.  The archive (a private copy) is
 * the stdin of a box of its own that runs this very binary (through an fd,
 * so nothing of the host is exposed for it) as the hidden command
 * `cylo __extract MAXBYTES`: it extracts into its /work with every cap of
 * archive.c, then writes the tree as a bundle to its stdout, which is a
 * memfd of the parent bounded by RLIMIT_FSIZE.  A crash, a hang or a
 * bomb in the reader stays in that box; what comes back is re-validated,
 * record by record, like any bundle.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "archive.h"
#include "bundle.h"
#include "cli.h"
#include "job.h"
#include "job_archive.h"
#include "sandbox.h"
#include "util.h"

#define EXTRACT_ENTRIES 10000

static char *const extract_paths[] = { "/usr", "/bin", "/lib", "/lib64", NULL };

static void extract_stage(struct stage_spec *st, char **argv, char **envp,
			  int self_fd, int in, int out, const struct cylo_limits *l)
{
	memset(st, 0, sizeof(*st));
	st->argv = argv;
	st->envp = envp;
	st->exec_fd = self_fd;
	st->stdin_fd = in;
	st->stdout_fd = out;
	st->timeout = l->compile_timeout > 0 ? l->compile_timeout : 30;
	st->cpu_time = st->timeout;
	st->memory_mb = l->compile_memory > 0 ? l->compile_memory : 256;
	st->processes = 4;
	st->output_kb = 16;	/* stderr: the refusal's reason */
	st->file_size_mb = 2 * l->workspace + 1;	/* bundle: files + headers */
	st->open_files = 128;	/* two a level of a 32-level tree, as it is packed */
}

int archive_to_bundle(const struct job_ctx *c, int archive_fd,
		      const struct cylo_limits *l, struct bundle *out,
		      char *err, size_t errlen)
{
	char maxb[32], *envp[] = { "LANG=C.UTF-8", NULL };
	char *argv[] = { "cylo", "__extract", maxb, NULL };
	struct box_spec bs = { .ro_paths = extract_paths, .bundle_fd = -1,
			       .workspace_mb = l->workspace, .tmp_mb = 1, .slot = c->slot };
	struct stage_spec st;
	struct stage_outcome o;
	struct box *b = NULL;
	int fd, e;

	if (c->self_fd < 0) {
		snprintf(err, errlen, "archive extraction is not available here");
		return -ENOSYS;
	}
	snprintf(maxb, sizeof(maxb), "%ld", l->workspace << 20);
	fd = memfd_create("cylo-extract", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	extract_stage(&st, argv, envp, c->self_fd, archive_fd, fd, l);
	stage_outcome_init(&o, (size_t)st.output_kb << 10);
	e = box_open(c->sb, &bs, &st, 1, &b, err, errlen);
	if (e == 0) {
		box_run(b, 0, &o);
		box_close(b);
		e = archive_outcome(&o, err, errlen);
	}
	stage_outcome_free(&o);
	if (e == 0 &&
	    bundle_adopt(out, fd, (size_t)l->workspace << 20, EXTRACT_ENTRIES) < 0) {
		/* the in-box extractor writes none such unless the archive
		 * took it over */
		snprintf(err, errlen, "archive: its extraction came back malformed, "
			 "over the caps, or with a path twice");
		e = -EINVAL;
	}
	if (e < 0)
		close(fd);
	return e;
}

int archive_outcome(const struct stage_outcome *o, char *err, size_t errlen)
{
	size_t n;

	if (o->error) {
		snprintf(err, errlen, "archive extraction: %s", o->reason);
		return o->error;
	}
	if (o->timed_out || o->memory_exceeded || o->signal == SIGXFSZ) {
		snprintf(err, errlen, "archive: extraction exceeded its limits (%s)",
			 o->timed_out ? "time" : o->memory_exceeded ? "memory" :
			 "workspace size");
		return -EINVAL;
	}
	if (o->signal || o->exit_code != 0) {
		n = o->err.len;
		while (n && (o->err.p[n - 1] == '\n'))
			n--;
		if (o->exit_code == 2 && n)
			snprintf(err, errlen, "archive: %.*s", (int)n, o->err.p);
		else
			snprintf(err, errlen, "archive: the reader failed (%s %d)",
				 o->signal ? "signal" : "exit", o->signal ? o->signal : o->exit_code);
		return -EINVAL;
	}
	return 0;
}

int cmd_extract(int argc, char **argv)
{
	struct archive_caps caps;
	struct bundle b = { .fd = STDOUT_FILENO, .max_entries = EXTRACT_ENTRIES };
	char err[1024], bad[1100];
	long maxb;
	int dfd, e;

	if (argc != 2 || parse_long(argv[1], 1, LONG_MAX, &maxb) < 0) {
		fprintf(stderr, "usage: cylo __extract MAXBYTES < archive > bundle\n");
		return 64;
	}
	/*
	 * libarchive converts the UTF-8 names of pax headers and of zip entries
	 * flagged UTF-8 to the locale's charset, and refuses them in "C".  The
	 * names must come out as UTF-8 (archive.c): the C.UTF-8 locale, from
	 * /usr/lib/locale under the box's /usr.  Without it, non-ASCII names of
	 * those archives are refused as before, with libarchive's reason.
	 */
	(void)setlocale(LC_CTYPE, "C.UTF-8");
	archive_caps_default(&caps);
	caps.max_bytes = maxb;
	b.max_bytes = (size_t)maxb;
	dfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return 1;
	e = archive_extract(STDIN_FILENO, dfd, &caps, err, sizeof(err));
	if (e == -EINVAL) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	if (e < 0)
		return 1;
	e = bundle_add_tree(&b, dfd, "", (uid_t)-1, bad, sizeof(bad));
	if (e < 0) {
		fprintf(stderr, "entry '%s': %s\n", bad, bundle_error(e));
		return 2;
	}
	return 0;
}
