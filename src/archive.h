/*
 * archive.h - safe extraction of a job's archive (tar, tar.gz/bz2/xz/zst,
 * zip) into the job's workspace.
 *
 * Only regular files and directories are created, each relative to a
 * directory fd without following any link; names are validated (relative,
 * no "..", UTF-8 without control characters, no duplicates even by case);
 * entries, bytes, expansion ratio, depth and path length are capped.  Any
 * doubt rejects the whole archive.  Meant to run in a confined process:
 * the job's sandbox, as an internal command of the cylo binary.
 */
#ifndef CYLO_ARCHIVE_H
#define CYLO_ARCHIVE_H

#include <stdbool.h>
#include <stddef.h>

struct archive_caps {
	long max_entries;	/* headers read, including skipped "./" */
	long long max_bytes;	/* file bytes really written, in all */
	long max_ratio;		/* bytes written : archive bytes read, past 1 MiB written */
	int max_depth;		/* path components */
	int max_path;		/* bytes of a path, 1..4095 */
};

/* 10000 entries, 256 MiB, 200:1, 32 components, 1024 bytes. */
void archive_caps_default(struct archive_caps *c);

/*
 * Extracts the archive read from @fd (borrowed, read sequentially from its
 * current offset; a pipe will do) into the directory @dirfd (borrowed;
 * meant to be empty: nothing existing is ever overwritten or followed).
 *
 * Returns 0, or on failure a negative errno with a one-line reason in @err
 * (size @n, always terminated when @n > 0; names in it are escaped):
 *   -EINVAL  the archive is refused or unreadable, e.g.
 *            "entry '../../x': path escapes the workspace";
 *            what was written before the refusal stays: discard @dirfd.
 *   -ENOMEM  out of memory;
 *   -EIO     anything else that is not the archive's fault.
 * May allocate; not thread-safe with respect to @dirfd's tree.  Intended
 * for the sandboxed extractor process, never the daemon itself.
 */
int archive_extract(int fd, int dirfd, const struct archive_caps *c,
		    char *err, size_t n);

/*
 * Whether @name has one of the archive suffixes of SPEC 2.3 (.tar .tar.gz
 * .tgz .tar.xz .tar.zst .zip, lower case) after a non-empty stem.
 */
bool archive_is_archive_name(const char *name);

#endif
