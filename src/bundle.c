/*
 * bundle.c - the job's files as one memfd (see bundle.h).
 *
 * Format: a sequence of records, each a struct rec header, the path bytes
 * (no NUL), then `size` data bytes for a file.  A hidden file ('h', see
 * bundle_hide()) keeps its bytes for the parent but is never unpacked.
 * The writer validates every path; the reader trusts nothing but the
 * fixed-size header and checks the lengths again, since a bug in the
 * writer must not become a write outside /work.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "fsutil.h"
#include "hashset.h"
#include "util.h"

#define REC_MAGIC 0x63796c62u	/* "cylb" */
#define PATH_MAX_BYTES 1024
#define MAX_COMPONENTS 32
#define MAX_TREE_DEPTH MAX_COMPONENTS	/* as archives' max_depth (archive.c) */

struct rec {
	uint32_t magic;
	uint8_t type;		/* 'd', 'f', or 'h' for a hidden file */
	uint8_t pad;
	uint16_t pathlen;
	uint32_t mode;
	uint64_t size;
};

static int count_entry(void *arg, const char *path, char type, size_t size,
		       off_t data, unsigned mode)
{
	struct bundle *b = arg;

	(void)path;
	(void)type;
	(void)data;
	(void)mode;
	b->entries++;
	b->bytes += size;
	return b->entries > b->max_entries || b->bytes > b->max_bytes ? -EFBIG : 0;
}

int bundle_new(struct bundle *b, size_t max_bytes, size_t max_entries)
{
	b->fd = memfd_create("cylo-bundle", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (b->fd < 0)
		return -errno;
	b->bytes = b->entries = 0;
	b->max_bytes = max_bytes;
	b->max_entries = max_entries;
	return 0;
}

int bundle_path_ok(const char *path)
{
	size_t len = strlen(path), comp = 0, ncomp = 0;

	if (len == 0 || len > PATH_MAX_BYTES || path[0] == '/')
		return 0;
	for (size_t i = 0; i <= len; i++) {
		unsigned char c = (unsigned char)path[i];
		if (c == '/' || c == '\0') {
			const char *s = path + i - comp;
			if (comp == 0 || comp > 255)
				return 0;
			if ((comp == 1 && s[0] == '.') ||
			    (comp == 2 && s[0] == '.' && s[1] == '.'))
				return 0;
			if (++ncomp > MAX_COMPONENTS)
				return 0;
			comp = 0;
			continue;
		}
		if (c < 0x20 || c == 0x7f || c == '\\')
			return 0;
		comp++;
	}
	return 1;
}

static int put_header(struct bundle *b, char type, const char *path,
		      mode_t mode, uint64_t size)
{
	struct rec r = {
		.magic = REC_MAGIC, .type = (uint8_t)type,
		.pathlen = (uint16_t)strlen(path), .mode = mode & 0777,
		.size = size,
	};
	int e;

	if (!bundle_path_ok(path))
		return -EINVAL;
	if (b->entries + 1 > b->max_entries)
		return -E2BIG;
	if (size > b->max_bytes - b->bytes)
		return -EFBIG;
	if ((e = write_all(b->fd, &r, sizeof(r))) < 0)
		return e;
	if ((e = write_all(b->fd, path, r.pathlen)) < 0)
		return e;
	b->entries++;
	b->bytes += size;
	return 0;
}

int bundle_add_dir(struct bundle *b, const char *path)
{
	return put_header(b, 'd', path, 0755, 0);
}

int bundle_add_data(struct bundle *b, const char *path, const void *data,
		    size_t len, mode_t mode)
{
	int e = put_header(b, 'f', path, mode, len);

	return e < 0 ? e : write_all(b->fd, data, len);
}

int bundle_add_fd(struct bundle *b, const char *path, int fd, size_t len,
		  mode_t mode)
{
	return bundle_add_at(b, path, fd, 0, len, mode);
}

int bundle_add_at(struct bundle *b, const char *path, int fd, off_t from, size_t len,
		  mode_t mode)
{
	off_t off = from;
	int e = put_header(b, 'f', path, mode, len);

	if (e < 0)
		return e;
	/* pread-style copy: the source offset stays ours, short files fail. */
	while ((size_t)(off - from) < len) {
		ssize_t n = sendfile(b->fd, fd, &off, len - (size_t)(off - from));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;	/* the file shrank under us */
	}
	return 0;
}

static int join(char *buf, size_t n, const char *prefix, const char *name)
{
	int r = snprintf(buf, n, "%s%s%s", prefix, *prefix ? "/" : "", name);

	return r < 0 || (size_t)r >= n ? -ENAMETOOLONG : 0;
}

static int add_tree_depth(struct bundle *b, int dirfd, const char *prefix,
			  uid_t owner, char *bad, size_t badlen, int depth);

/* A directory's entry: a subdirectory first (O_DIRECTORY opens nothing
 * else), else a regular file through open_regular().  A second hard link
 * is fine here: in a drop folder the owner check refuses another user's
 * file, and elsewhere the caller names what is read. */
static int add_entry(struct bundle *b, int dirfd, const char *name, const char *rel,
		     uid_t owner, char *bad, size_t badlen, int depth)
{
	struct stat st;
	int fd, e;

	if (!bundle_path_ok(rel)) {
		snprintf(bad, badlen, "%s", rel);
		return depth >= MAX_TREE_DEPTH ? -ENAMETOOLONG : -EILSEQ;
	}
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno != ENOTDIR && errno != ELOOP) {
		e = -errno;
	} else if (fd < 0) {
		fd = open_regular(dirfd, name, &st);
		e = fd < 0 ? fd : owner != (uid_t)-1 && st.st_uid != owner ? -EPERM :
		    bundle_add_fd(b, rel, fd, (size_t)st.st_size,
				  st.st_mode & 0111 ? 0755 : 0644);
	} else {
		e = fstat(fd, &st) < 0 ? -errno :
		    owner != (uid_t)-1 && st.st_uid != owner ? -EPERM : bundle_add_dir(b, rel);
		if (e == 0)
			e = add_tree_depth(b, fd, rel, owner, bad, badlen, depth + 1);
	}
	if (e < 0 && !*bad)
		snprintf(bad, badlen, "%s", rel);
	if (fd >= 0)
		close(fd);
	return e;
}

static int add_tree_depth(struct bundle *b, int dirfd, const char *prefix,
			  uid_t owner, char *bad, size_t badlen, int depth)
{
	char rel[PATH_MAX_BYTES + 1];
	struct dirent *de;
	DIR *d;
	int fd, e = 0;

	if (depth > MAX_TREE_DEPTH)
		return -ENAMETOOLONG;
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		e = -errno;
		close(fd);
		return e;
	}
	while (e == 0 && (errno = 0, de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		e = join(rel, sizeof(rel), prefix, de->d_name);
		if (e == 0)
			e = add_entry(b, dirfd, de->d_name, rel, owner, bad, badlen, depth);
	}
	if (e == 0 && errno)
		e = -errno;
	closedir(d);
	return e;
}

int bundle_add_tree(struct bundle *b, int dirfd, const char *prefix, uid_t owner,
		    char *bad, size_t badlen)
{
	if (badlen)
		bad[0] = '\0';
	return add_tree_depth(b, dirfd, prefix, owner, bad, badlen, 0);
}

int bundle_seal(struct bundle *b)
{
	if (lseek(b->fd, 0, SEEK_SET) < 0)
		return -errno;
	if (fcntl(b->fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW |
		  F_SEAL_SHRINK | F_SEAL_SEAL) < 0)
		return -errno;
	return 0;
}

void bundle_close(struct bundle *b)
{
	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
}

static int once_entry(void *arg, const char *path, char type, size_t size,
		      off_t data, unsigned mode)
{
	struct hashset *seen = arg;
	uint64_t h = fnv1a(FNV1A_BASIS, path, strlen(path));

	(void)type;
	(void)size;
	(void)data;
	(void)mode;
	/* a path twice (or, by a crafted collision, a path's twin: then the
	 * writer only loses its own job) */
	return hashset_has(seen, h) ? -EINVAL : hashset_add(seen, h);
}

/*
 * Every path once: a writer as hostile as its archive could write one
 * twice, and then a lookup (bundle_find) would read the first record
 * while unpacking shows the last.
 */
static int paths_once(const struct bundle *b)
{
	struct hashset *seen;
	int e;

	if (b->entries == 0)
		return 0;
	if ((e = hashset_new(b->entries, &seen)) < 0)
		return e;
	e = bundle_walk(b, once_entry, seen);
	hashset_free(seen);
	return e;
}

int bundle_adopt(struct bundle *b, int fd, size_t max_bytes, size_t max_entries)
{
	struct bundle t = { .fd = fd, .max_bytes = max_bytes, .max_entries = max_entries };
	int e;

	if (lseek(fd, 0, SEEK_END) < 0)
		return -errno;
	/* @b takes @fd only when it is a bundle within the caps, each path
	 * once: on failure the caller still owns it and closes it, once. */
	if ((e = bundle_walk(&t, count_entry, &t)) != 0 || (e = paths_once(&t)) != 0)
		return e;
	*b = t;
	return 0;
}

int bundle_walk(const struct bundle *b,
		int (*fn)(void *arg, const char *path, char type, size_t size, off_t data,
			  unsigned mode),
		void *arg)
{
	char path[PATH_MAX_BYTES + 1];
	struct rec r;
	off_t off = 0;
	ssize_t n;
	int e;

	for (;;) {
		n = pread(b->fd, &r, sizeof(r), off);
		if (n == 0)
			return 0;
		if (n != sizeof(r) || r.magic != REC_MAGIC || r.pathlen == 0 ||
		    r.pathlen > PATH_MAX_BYTES ||
		    (r.type != 'd' && r.type != 'f' && r.type != 'h'))
			return n < 0 ? -errno : -EINVAL;
		off += (off_t)sizeof(r);
		if (pread(b->fd, path, r.pathlen, off) != r.pathlen)
			return -EINVAL;
		path[r.pathlen] = '\0';
		off += r.pathlen;
		if (!bundle_path_ok(path))
			return -EINVAL;
		if ((e = fn(arg, path, (char)r.type, (size_t)r.size, off, r.mode & 0777)) != 0)
			return e;
		off += (off_t)r.size;
	}
}

struct find {
	const char *want;
	off_t off;
	size_t len;
};

static int find_visit(void *arg, const char *path, char type, size_t size, off_t data,
		      unsigned mode)
{
	struct find *f = arg;

	(void)mode;
	if ((type != 'f' && type != 'h') || strcmp(path, f->want))
		return 0;
	f->off = data;
	f->len = size;
	return 1;
}

int bundle_find(const struct bundle *b, const char *path, off_t *off, size_t *len)
{
	struct find f = { .want = path };
	int e = bundle_walk(b, find_visit, &f);

	if (e <= 0)
		return e < 0 ? e : -ENOENT;
	*off = f.off;
	*len = f.len;
	return 0;
}

struct hide {
	const char *want;
	int fd;
	int found;		/* records hidden */
};

/* Every record of the path: an archive's extractor, as hostile as the
 * archive, may write one twice, and unpacking would show the second. */
static int hide_visit(void *arg, const char *path, char type, size_t size, off_t data,
		      unsigned mode)
{
	const uint8_t hidden = 'h';
	struct hide *h = arg;
	off_t type_at;

	(void)size;
	(void)mode;
	if ((type != 'f' && type != 'h') || strcmp(path, h->want))
		return 0;
	/* The data follows the header and the path: step back over both. */
	type_at = data - (off_t)strlen(path) - (off_t)sizeof(struct rec) +
		  (off_t)offsetof(struct rec, type);
	if (pwrite(h->fd, &hidden, 1, type_at) != 1)
		return -EIO;
	h->found++;
	return 0;
}

int bundle_hide(struct bundle *b, const char *path)
{
	struct hide h = { .want = path, .fd = b->fd };
	int e = bundle_walk(b, hide_visit, &h);

	if (e < 0)
		return e;
	return h.found ? 0 : -ENOENT;
}

/* --- the reader: post-clone, async-signal-safe ------------------------ */

static int read_exact(int fd, void *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return got == 0 ? 0 : -EIO;
		got += (size_t)r;
	}
	return 1;
}

static int unpack_file(int fd, int dirfd, const char *path, const struct rec *r)
{
	int out, e = 0;
	uint64_t left = r->size;

	out = openat(dirfd, path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		     O_CLOEXEC, r->mode & 0755);
	if (out < 0)
		return -errno;
	while (left > 0 && e == 0) {
		ssize_t n = sendfile(out, fd, NULL, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			e = -errno;
		else if (n == 0)
			e = -EIO;
		else
			left -= (uint64_t)n;
	}
	if (close(out) < 0 && e == 0)
		e = -errno;
	return e;
}

int bundle_unpack(int fd, int dirfd)
{
	char path[PATH_MAX_BYTES + 1];
	struct rec r;
	int e;

	/* From the start, whoever read the shared offset before: a job whose
	 * box died between its tests unpacks the same bundle again. */
	if (lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	for (;;) {
		e = read_exact(fd, &r, sizeof(r));
		if (e <= 0)
			return e;	/* 0: clean end of the bundle */
		if (r.magic != REC_MAGIC || r.pathlen == 0 ||
		    r.pathlen > PATH_MAX_BYTES)
			return -EINVAL;
		if ((e = read_exact(fd, path, r.pathlen)) <= 0)
			return e < 0 ? e : -EIO;
		path[r.pathlen] = '\0';
		if (!bundle_path_ok(path))
			return -EINVAL;
		if (r.type == 'd')
			e = mkdirat(dirfd, path, 0755) < 0 ? -errno : 0;
		else if (r.type == 'f')
			e = unpack_file(fd, dirfd, path, &r);
		else if (r.type == 'h')
			e = r.size > INT64_MAX || lseek(fd, (off_t)r.size, SEEK_CUR) < 0 ?
			    -EINVAL : 0;
		else
			e = -EINVAL;
		if (e < 0)
			return e;
	}
}

const char *bundle_error(int e)
{
	return e == -EFBIG ? "the files exceed the workspace" :
	       e == -E2BIG ? "more than 10000 files and directories" :
	       e == -EPERM ? "belongs to another user than the manifest" :
	       e == -ELOOP ? "is a symbolic link (only regular files and directories are "
			     "accepted)" :
	       e == -EINVAL ? "is not a regular file or a directory" :
	       e == -EILSEQ ? "its name cannot be used (a control character, a "
			      "backslash, or too long)" :
	       e == -ENAMETOOLONG ? "its path is too long (over 1024 bytes or 32 levels)" :
	       e == -EIO ? "changed while it was read" :
	       e == -EACCES ? "is not readable" : "cannot be read";
}
