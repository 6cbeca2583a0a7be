/*
 * job_archive.h - archive inputs: extraction in a box of its own, and the
 * hidden in-box command that does it.
 */
#ifndef CYLO_JOB_ARCHIVE_H
#define CYLO_JOB_ARCHIVE_H

#include <stddef.h>

#include "bundle.h"
#include "joblimits.h"

struct job_ctx;
struct stage_outcome;

/*
 * Extracts the archive @archive_fd (a private read-only copy) in a box
 * and adopts the resulting bundle into @out (appendable, not sealed).
 * Returns 0; -EINVAL when the archive is refused (reason in @err: the
 * job is invalid_job); another -errno when the sandbox failed.
 */
int archive_to_bundle(const struct job_ctx *c, int archive_fd,
		      const struct cylo_limits *l, struct bundle *out,
		      char *err, size_t errlen);

/* Maps the extractor's outcome: 0, -EINVAL (refused) or the sandbox error. */
int archive_outcome(const struct stage_outcome *o, char *err, size_t errlen);

/* `cylo __extract MAXBYTES`: stdin archive -> ./ -> stdout bundle.  In the box only. */
int cmd_extract(int argc, char **argv);

#endif
