/*
 * bundle.h - the job's files as one sealed memfd.
 *
 * The parent collects the files a job brings (its source, a manifest's
 * directory, inline code) into a bundle; the box's init process, which may
 * not allocate, unpacks it into /work with plain syscalls.  A bundle holds
 * only directories and regular files with validated relative paths, so
 * unpacking can never create a link or leave /work.
 */
#ifndef CYLO_BUNDLE_H
#define CYLO_BUNDLE_H

#include <stddef.h>
#include <sys/types.h>

struct bundle {
	int fd;			/* memfd, -1 when closed */
	size_t bytes, entries;
	size_t max_bytes, max_entries;
};

/* 0 or -errno.  Caps: total file bytes and entries. */
int bundle_new(struct bundle *b, size_t max_bytes, size_t max_entries);

/*
 * Whether @path is acceptable inside /work: relative, no "." or ".."
 * components, no empty components, no control bytes, each component at
 * most 255 bytes, at most 1024 bytes and 32 components in all.
 */
int bundle_path_ok(const char *path);

/* Add entries; parents must be added before children.  0, -EINVAL (bad
 * path), -EFBIG / -E2BIG (caps), -errno. */
int bundle_add_dir(struct bundle *b, const char *path);
int bundle_add_data(struct bundle *b, const char *path, const void *data,
		    size_t len, mode_t mode);
int bundle_add_fd(struct bundle *b, const char *path, int fd, size_t len,
		  mode_t mode);
/* The same for @len bytes of @fd from offset @from (another bundle's file). */
int bundle_add_at(struct bundle *b, const char *path, int fd, off_t from, size_t len,
		  mode_t mode);

/*
 * Adds the tree below @dirfd under @prefix ("" for the top), never
 * following a link, each file through open_regular() (fsutil.h): -ELOOP
 * for a symlink, -EINVAL for a device, FIFO or socket; -EILSEQ for a name a bundle cannot hold (a control
 * character, a backslash, too long), -EPERM for an entry whose owner is not
 * @owner ((uid_t)-1: any), -EIO for a file that shrank while copied, and
 * -ENAMETOOLONG for a tree deeper than 32 levels, and -EFBIG / -E2BIG
 * past the bundle's limits.  The offending relative path is in @bad (size
 * @badlen).
 */
int bundle_add_tree(struct bundle *b, int dirfd, const char *prefix, uid_t owner,
		    char *bad, size_t badlen);

/*
 * Adopts an fd that already holds bundle records written elsewhere (the
 * archive extractor's output); appending continues at its end.  Refused
 * (and @fd left to the caller): malformed records, -EINVAL; over the
 * caps, -EFBIG; a path twice, -EINVAL.
 */
int bundle_adopt(struct bundle *b, int fd, size_t max_bytes, size_t max_entries);

/*
 * Calls @fn for each entry in @b (with pread: the write position is kept):
 * its path, type ('d', 'f', or 'h' for a hidden file), size, the offset
 * of its data and its permission bits.  Stops at
 * the first non-zero return of @fn and returns it; 0 at the end; -EINVAL
 * for a malformed bundle.
 */
int bundle_walk(const struct bundle *b,
		int (*fn)(void *arg, const char *path, char type, size_t size, off_t data,
			  unsigned mode),
		void *arg);

/*
 * Finds the regular file @path in @b, hidden or not: the offset and size
 * of its data.
 * 0, -ENOENT when @b has no such file, -EINVAL for a malformed bundle.
 */
int bundle_find(const struct bundle *b, const char *path, off_t *off, size_t *len);

/*
 * Hides the regular file @path, every record of it: it stays in @b for
 * bundle_find() by the parent (a test's expected output) but is never
 * unpacked into /work.
 * Before bundle_seal().  0, -ENOENT, -EINVAL (malformed) or -EIO.
 */
int bundle_hide(struct bundle *b, const char *path);

/* Rewinds the memfd for reading and seals it against writes.  0 or -errno. */
int bundle_seal(struct bundle *b);
void bundle_close(struct bundle *b);

/*
 * Unpacks the whole bundle in @fd, from its start, into @dirfd.
 * Async-signal-safe (no allocation): for the post-clone child.  0 or -errno.
 */
int bundle_unpack(int fd, int dirfd);

/* What bundle_add_tree()'s -errno @e says about the entry, as a phrase
 * ("is a symbolic link ..."); the limits are those of a job (10000 entries). */
const char *bundle_error(int e);

#endif
