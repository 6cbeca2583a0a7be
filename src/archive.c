/*
 * archive.c - safe extraction of a job's archive with libarchive.
 *
 * libarchive only parses here: it reads tar and zip headers and
 * decompresses (gzip, bzip2, xz, zstd, built-in code only; never an
 * external program).  archive_write_disk is not used at all.  Each entry
 * is checked, then created by this file with *at() calls relative to the
 * destination directory fd, walking component by component with O_NOFOLLOW
 * and creating files with O_EXCL, so nothing is ever followed, replaced or
 * written outside the destination.  That gives what SECURITY.md asks of
 * ARCHIVE_EXTRACT_SECURE_NODOTDOT|SECURE_SYMLINKS|SECURE_NOABSOLUTEPATHS,
 * by construction rather than by flags.
 *
 * Rules (any failure refuses the archive; nothing further is extracted):
 * - only regular files and directories; every link (symbolic or hard),
 *   device, FIFO and socket is refused: refusing all links is the one rule
 *   that needs no reasoning about targets;
 * - names: relative, UTF-8 without control characters, no backslash, no
 *   empty, "." or ".." component, at most max_depth components of at most
 *   255 bytes and max_path bytes in all.  One leading "./" (what
 *   `tar -C dir .` writes) is dropped and the "./" entry itself skipped;
 * - no name twice, even when they differ only in ASCII case, and no file
 *   where a directory is needed: a tree of the names seen so far, keyed by
 *   (parent, lower-cased component);
 * - files land 0644, or 0755 when the entry has any execute bit; directories
 *   0755; no owner, set-id bit, timestamp, xattr, ACL or flag is restored;
 * - caps: entries, files and directories (those the paths imply
 *   included: the workspace holds them all), bytes really written (and
 *   any declared size above what is left), expansion ratio against the
 *   bytes read from @fd; sparse entries are refused.
 *
 * Zip is read by the streaming reader only, which uses the local headers
 * and never the central directory: a name that differs between the two
 * cannot matter, since the name validated is the name written (one pass).
 */
#include <archive.h>
#include <archive_entry.h>
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive.h"
#include "fsutil.h"
#include "log.h"
#include "util.h"

#define DATA_BLOCK	(64 * 1024)
#define RATIO_FLOOR	(1024 * 1024)	/* bytes written before the ratio counts */
#define READ_BLOCK	10240

enum node_kind { NODE_IMPLICIT_DIR, NODE_DIR, NODE_FILE };

/* One path component seen so far; node 0 is the destination itself. */
struct node {
	uint32_t parent;
	uint8_t kind;
	char *name;		/* exact bytes, for case-only differences */
};

/* Open addressing over (parent, lower-cased name); slot holds index + 1. */
struct names {
	struct node *v;
	size_t n, cap;
	uint32_t *slot;
	size_t nslot;		/* a power of two, at most half full */
	uint64_t seed;
};

struct xctx {
	struct archive *a;
	const struct archive_caps *caps;
	int dirfd;
	long entries;		/* headers read */
	long created;		/* files and directories the archive names */
	long long written;	/* file bytes */
	const char *cur;	/* raw name of the current entry, or NULL */
	char missing[32];	/* decompressors without built-in code */
	struct names names;
	char *path;		/* checked name of the current entry */
	char *buf;		/* DATA_BLOCK */
	char *err;
	size_t errn;
};

void archive_caps_default(struct archive_caps *c)
{
	c->max_entries = 10000;
	c->max_bytes = 256LL << 20;
	c->max_ratio = 200;
	c->max_depth = 32;
	c->max_path = 1024;
}

bool archive_is_archive_name(const char *name)
{
	static const char *const suffix[] = {
		".tar", ".tar.gz", ".tgz", ".tar.xz", ".tar.zst", ".zip",
	};
	size_t len = strlen(name), i, l;

	for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		l = strlen(suffix[i]);
		if (len > l && !strcmp(name + len - l, suffix[i]))
			return true;
	}
	return false;
}

/* Reasons and errors */

/*
 * Copies libarchive's message with every byte that is not printable ASCII
 * or valid UTF-8 (control characters included) replaced by '?': it may
 * quote a name from the archive, and the reason must stay one line.
 */
static void sanitize(const char *s, char *out, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, o = 0, l;

	while (i < len && o + 1 < n) {
		l = utf8_char_len(p + i, len - i);
		if (l == 0 || p[i] < 0x20 || p[i] == 0x7f ||
		    (p[i] == 0xC2 && p[i + 1] < 0xA0))
			l = 0;
		if (l == 0 || o + l >= n) {
			out[o++] = '?';
			i += l ? l : 1;
			continue;
		}
		memcpy(out + o, p + i, l);
		o += l;
		i += l;
	}
	out[o] = '\0';
}

/* Stores "entry 'NAME': REASON" (or REASON alone between entries); returns @r. */
__attribute__((format(printf, 3, 4)))
static int fail(struct xctx *x, int r, const char *fmt, ...)
{
	char name[256], reason[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (x->errn == 0)
		return r;
	if (x->cur != NULL)
		snprintf(x->err, x->errn, "entry '%s': %s",
			 log_escape(x->cur, name, sizeof(name)), reason);
	else
		snprintf(x->err, x->errn, "%s", reason);
	return r;
}

static int fail_archive(struct xctx *x)
{
	const char *s = archive_error_string(x->a);
	char msg[256];

	sanitize(s != NULL ? s : "unknown libarchive error", msg, sizeof(msg));
	return fail(x, archive_errno(x->a) == ENOMEM ? -ENOMEM : -EINVAL,
		    "%s%s%s%s", x->cur ? "" : "cannot read the archive: ", msg,
		    x->missing[0] ? "; no built-in decompressor for:" : "",
		    x->missing);
}

/*
 * What the workspace refusing a name or a byte means: full, or something
 * in the way (a name the archive already used in another form) is the
 * archive's fault; anything else is not.
 */
static int fail_fs(struct xctx *x, int r, const char *what)
{
	char buf[128];

	switch (-r) {
	case ENOSPC:
	case EDQUOT:
	case EFBIG:
		return fail(x, -EINVAL, "the workspace is full");
	case EEXIST:
	case ELOOP:
	case ENOTDIR:
	case EISDIR:
	case ENAMETOOLONG:
	case EMLINK:
		return fail(x, -EINVAL, "%s: %s", what, log_errstr(r, buf, sizeof(buf)));
	case ENOMEM:
		return fail(x, -ENOMEM, "%s: %s", what, log_errstr(r, buf, sizeof(buf)));
	default:
		return fail(x, -EIO, "%s: %s", what, log_errstr(r, buf, sizeof(buf)));
	}
}

/* Names seen so far */

/* ASCII only, whatever the locale: a Turkish locale must not fold 'I'. */
static unsigned char fold(char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : (unsigned char)c;
}

static uint64_t name_hash(const struct names *t, uint32_t parent,
			  const char *s, size_t len)
{
	/* FNV-1a from a random basis: crafted collisions would make the
	   probing quadratic in the entry count. */
	uint64_t h = fnv1a_u32(t->seed, parent);

	for (size_t i = 0; i < len; i++)
		h = fnv1a_byte(h, fold(s[i]));
	return h;
}

static bool name_folds_to(const struct node *nd, uint32_t parent,
			  const char *s, size_t len)
{
	size_t i;

	if (nd->parent != parent || strlen(nd->name) != len)
		return false;
	for (i = 0; i < len; i++)
		if (fold(nd->name[i]) != fold(s[i]))
			return false;
	return true;
}

/* The index of (@parent, @s) up to ASCII case, or 0. */
static uint32_t names_find(const struct names *t, uint32_t parent,
			   const char *s, size_t len)
{
	size_t i = name_hash(t, parent, s, len) & (t->nslot - 1);

	for (; t->slot[i] != 0; i = (i + 1) & (t->nslot - 1))
		if (name_folds_to(&t->v[t->slot[i] - 1], parent, s, len))
			return t->slot[i] - 1;
	return 0;
}

static int names_rehash(struct names *t, size_t nslot)
{
	uint32_t *slot = calloc(nslot, sizeof(*slot));
	const struct node *nd;
	size_t j, k;

	if (slot == NULL)
		return -ENOMEM;
	for (j = 1; j < t->n; j++) {
		nd = &t->v[j];
		k = name_hash(t, nd->parent, nd->name, strlen(nd->name)) & (nslot - 1);
		while (slot[k] != 0)
			k = (k + 1) & (nslot - 1);
		slot[k] = (uint32_t)j + 1;
	}
	free(t->slot);
	t->slot = slot;
	t->nslot = nslot;
	return 0;
}

static int names_init(struct names *t)
{
	memset(t, 0, sizeof(*t));
	t->seed = random_u64();	/* against names crafted to collide */
	t->cap = 64;
	t->v = calloc(t->cap, sizeof(*t->v));
	if (t->v == NULL)
		return -ENOMEM;
	t->n = 1;		/* the root */
	return names_rehash(t, 128);
}

static void names_free(struct names *t)
{
	size_t i;

	for (i = 1; i < t->n; i++)
		free(t->v[i].name);
	free(t->v);
	free(t->slot);
}

/* Adds (@parent, @s) of @kind; returns its index or -ENOMEM. */
static long names_add(struct names *t, uint32_t parent, const char *s,
		      size_t len, enum node_kind kind)
{
	struct node *v;
	size_t k;

	if (t->n >= UINT32_MAX / 2)	/* slots hold uint32_t indexes */
		return -ENOMEM;
	if (t->n == t->cap) {
		v = reallocarray(t->v, t->cap * 2, sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		t->v = v;
		t->cap *= 2;
	}
	if (t->n * 2 >= t->nslot && names_rehash(t, t->nslot * 2) < 0)
		return -ENOMEM;
	t->v[t->n] = (struct node){ .parent = parent, .kind = (uint8_t)kind,
				    .name = strndup(s, len) };
	if (t->v[t->n].name == NULL)
		return -ENOMEM;
	k = name_hash(t, parent, s, len) & (t->nslot - 1);
	while (t->slot[k] != 0)
		k = (k + 1) & (t->nslot - 1);
	t->slot[k] = (uint32_t)t->n + 1;
	return (long)t->n++;
}

/*
 * Records x->path (already checked) as a file or directory: refuses a
 * second use of a name (a directory entry may follow files inside it),
 * a name differing from an earlier one only in case, and a file used as
 * a directory.
 */
static int names_claim(struct xctx *x, bool is_dir)
{
	struct names *t = &x->names;
	const char *s = x->path, *end;
	uint32_t parent = 0, i;
	size_t len;
	bool last;
	long r;

	for (;; s = end + 1) {
		end = strchrnul(s, '/');
		len = (size_t)(end - s);
		last = *end == '\0';
		i = names_find(t, parent, s, len);
		if (i == 0) {
			r = names_add(t, parent, s, len, !last ? NODE_IMPLICIT_DIR :
				      is_dir ? NODE_DIR : NODE_FILE);
			if (r < 0)
				return fail(x, (int)r, "out of memory");
			/* The workspace holds what the paths imply too. */
			if (r > x->caps->max_entries)
				return fail(x, -EINVAL, "more than %ld files and directories "
					    "(counting those its paths imply)",
					    x->caps->max_entries);
			i = (uint32_t)r;
		} else if (strncmp(t->v[i].name, s, len) != 0) {
			return fail(x, -EINVAL, "name differs only in case from an earlier entry");
		} else if (!last && t->v[i].kind == NODE_FILE) {
			return fail(x, -EINVAL, "a parent directory is a file of the archive");
		} else if (last && is_dir && t->v[i].kind == NODE_IMPLICIT_DIR) {
			t->v[i].kind = NODE_DIR;
		} else if (last) {
			return fail(x, -EINVAL, "duplicate entry");
		}
		if (last)
			return 0;
		parent = i;
	}
}

/* Checks on one entry */

/* Entry types other than a plain regular file or directory. */
static int check_type(struct xctx *x, struct archive_entry *e)
{
	if (archive_entry_hardlink(e) != NULL)
		return fail(x, -EINVAL, "hard links are not accepted");
	switch (archive_entry_filetype(e)) {
	case AE_IFREG:
		if (archive_entry_symlink(e) != NULL)
			break;
		if (archive_entry_sparse_count(e) > 0)
			return fail(x, -EINVAL, "sparse files are not accepted");
		return 0;
	case AE_IFDIR:
		return 0;
	case AE_IFLNK:
		break;
	case AE_IFCHR:
	case AE_IFBLK:
		return fail(x, -EINVAL, "device files are not accepted");
	case AE_IFIFO:
		return fail(x, -EINVAL, "FIFOs are not accepted");
	case AE_IFSOCK:
		return fail(x, -EINVAL, "sockets are not accepted");
	default:
		return fail(x, -EINVAL, "unknown entry type");
	}
	return fail(x, -EINVAL, "symlinks are not accepted");
}

/* Bytes: UTF-8 only (names end up in JSON and logs), no control, no '\\'. */
static int check_bytes(struct xctx *x, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, l;

	for (i = 0; i < len; i += l) {
		if (p[i] == '\\')
			return fail(x, -EINVAL, "backslash in the name");
		l = utf8_char_len(p + i, len - i);
		/* C0, DEL and C1 (U+0080..U+009F, which some terminals obey) */
		if (l == 0 || p[i] < 0x20 || p[i] == 0x7f ||
		    (p[i] == 0xC2 && p[i + 1] < 0xA0))
			return fail(x, -EINVAL, "control character or invalid UTF-8 in the name");
	}
	return 0;
}

static int check_components(struct xctx *x, const char *s)
{
	const char *end;
	size_t len;
	int depth = 0;

	for (;; s = end + 1) {
		end = strchrnul(s, '/');
		len = (size_t)(end - s);
		if (len == 0)
			return fail(x, -EINVAL, "empty path component");
		if (len == 1 && s[0] == '.')
			return fail(x, -EINVAL, "'.' path component");
		if (len == 2 && s[0] == '.' && s[1] == '.')
			return fail(x, -EINVAL, "path escapes the workspace");
		if (len > NAME_MAX)
			return fail(x, -EINVAL, "path component longer than %d bytes", NAME_MAX);
		if (++depth > x->caps->max_depth)
			return fail(x, -EINVAL, "more than %d path components",
				    x->caps->max_depth);
		if (*end == '\0')
			return 0;
	}
}

/*
 * Checks the entry's name and leaves the name to create in x->path.
 * Returns 1 for the archive's own root ("./" or "."), which is skipped.
 */
static int check_name(struct xctx *x, const char *raw, bool is_dir)
{
	size_t len = strlen(raw);
	int r;

	if (len == 0)
		return fail(x, -EINVAL, "empty name");
	if (len > (size_t)x->caps->max_path)
		return fail(x, -EINVAL, "name longer than %d bytes", x->caps->max_path);
	if ((r = check_bytes(x, raw, len)) < 0)
		return r;
	if (raw[0] == '/')
		return fail(x, -EINVAL, "absolute paths are not accepted");
	if (!strncmp(raw, "./", 2)) {
		raw += 2;
		len -= 2;
	}
	if (len > 0 && raw[len - 1] == '/') {
		if (!is_dir)
			return fail(x, -EINVAL, "file name ends in '/'");
		len--;
	}
	if (is_dir && (len == 0 || (len == 1 && raw[0] == '.')))
		return 1;
	memcpy(x->path, raw, len);
	x->path[len] = '\0';
	return check_components(x, x->path);
}

/* Writing */

/* Opens directory @name in @at, making it (0755) when missing; never follows. */
static int ensure_dir(int at, const char *name)
{
	bool made = false;
	int fd, r;

	if (mkdirat(at, name, 0755) == 0)
		made = true;
	else if (errno != EEXIST)
		return -errno;
	fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* umask may have taken bits; the mode must not depend on it. */
	if (made && fchmod(fd, 0755) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

/*
 * Walks x->path below the destination, making missing directories; returns
 * an fd of the last one and points *@leaf at the final component.  Each
 * step is one component with O_NOFOLLOW: no link is ever followed.
 */
static int open_parent(struct xctx *x, const char **leaf)
{
	char *s = x->path, *slash;
	int cur, next;

	cur = fcntl(x->dirfd, F_DUPFD_CLOEXEC, 3);
	if (cur < 0)
		return fail_fs(x, -errno, "cannot use the destination");
	while ((slash = strchr(s, '/')) != NULL) {
		*slash = '\0';
		next = ensure_dir(cur, s);
		*slash = '/';
		close(cur);
		if (next < 0)
			return fail_fs(x, next, "cannot create a parent directory");
		cur = next;
		s = slash + 1;
	}
	*leaf = s;
	return cur;
}

/* The ratio counts only once the output is big enough to matter. */
static int check_ratio(struct xctx *x)
{
	la_int64_t in = archive_filter_bytes(x->a, -1);

	if (x->written <= RATIO_FLOOR)
		return 0;
	if (in <= 0 || x->written / x->caps->max_ratio > in)
		return fail(x, -EINVAL, "expands more than %ld:1", x->caps->max_ratio);
	return 0;
}

/* Copies the entry's data into @fd, counting what is really written. */
static int copy_data(struct xctx *x, int fd)
{
	la_ssize_t n;
	int r;

	for (;;) {
		n = archive_read_data(x->a, x->buf, DATA_BLOCK);
		if (n == 0)
			return 0;
		if (n < 0)
			return fail_archive(x);
		if (n > x->caps->max_bytes - x->written)
			return fail(x, -EINVAL, "the archive expands beyond %lld bytes",
				    x->caps->max_bytes);
		if ((r = write_all(fd, x->buf, (size_t)n)) < 0)
			return fail_fs(x, r, "cannot write the file");
		x->written += n;
		if ((r = check_ratio(x)) < 0)
			return r;
	}
}

static int write_file(struct xctx *x, int at, const char *leaf, mode_t mode)
{
	int fd, r;

	fd = openat(at, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_NOCTTY | O_CLOEXEC, mode);
	if (fd < 0)
		return fail_fs(x, -errno, "cannot create the file");
	r = fchmod(fd, mode) < 0 ? fail_fs(x, -errno, "cannot set the mode") : 0;
	if (r == 0)
		r = copy_data(x, fd);
	if (close(fd) < 0 && r == 0)
		r = fail_fs(x, -errno, "cannot write the file");
	return r;
}

/* Creates x->path as a directory or a file with @e's data. */
static int create_entry(struct xctx *x, struct archive_entry *e, bool is_dir)
{
	const char *leaf = NULL;
	int at, fd, r = 0;

	at = open_parent(x, &leaf);
	if (at < 0)
		return at;
	if (is_dir) {
		fd = ensure_dir(at, leaf);
		if (fd < 0)
			r = fail_fs(x, fd, "cannot create the directory");
		else
			close(fd);
	} else {
		r = write_file(x, at, leaf,
			       (archive_entry_perm(e) & 0111) ? 0755 : 0644);
	}
	close(at);
	return r;
}

static int extract_entry(struct xctx *x, struct archive_entry *e)
{
	bool is_dir = archive_entry_filetype(e) == AE_IFDIR;
	la_int64_t size = archive_entry_size(e);
	int r;

	x->cur = archive_entry_pathname(e);
	if (++x->entries > x->caps->max_entries)
		return fail(x, -EINVAL, "more than %ld entries", x->caps->max_entries);
	if (x->cur == NULL)
		return fail(x, -EINVAL, "an entry has no usable name");
	if ((r = check_type(x, e)) < 0)
		return r;
	if ((r = check_name(x, x->cur, is_dir)) != 0)
		return r < 0 ? r : 0;
	if (!is_dir && archive_entry_size_is_set(e) &&
	    (size < 0 || size > x->caps->max_bytes - x->written))
		return fail(x, -EINVAL, "declares %lld bytes, over the %lld-byte cap",
			    (long long)size, x->caps->max_bytes);
	if ((r = names_claim(x, is_dir)) < 0)
		return r;
	x->created++;
	return create_entry(x, e, is_dir);
}

/* Reading */

/*
 * Registers the four decompressors only where libarchive has them built
 * in.  A support_filter call answering ARCHIVE_WARN has registered an
 * external program instead, and cannot be undone, so each is first tried
 * on a throwaway reader.
 */
static int add_filters(struct xctx *x)
{
	static const struct {
		const char *name;
		int (*add)(struct archive *);
	} f[] = {
		{ "gzip", archive_read_support_filter_gzip },
		{ "bzip2", archive_read_support_filter_bzip2 },
		{ "xz", archive_read_support_filter_xz },
		{ "zstd", archive_read_support_filter_zstd },
	};
	struct archive *probe;
	size_t i;
	int r;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		probe = archive_read_new();
		if (probe == NULL)
			return fail(x, -ENOMEM, "out of memory");
		r = f[i].add(probe);
		archive_read_free(probe);
		if (r != ARCHIVE_OK) {
			strncat(x->missing, " ", sizeof(x->missing) - strlen(x->missing) - 1);
			strncat(x->missing, f[i].name, sizeof(x->missing) - strlen(x->missing) - 1);
		} else if (f[i].add(x->a) != ARCHIVE_OK) {
			return fail_archive(x);
		}
	}
	return 0;
}

/*
 * tar and the streaming zip reader only: support_format_all would add
 * formats that open other files by name, and the seekable zip reader
 * trusts the central directory, which the local headers may contradict.
 */
static int open_reader(struct xctx *x, int fd)
{
	int r;

	x->a = archive_read_new();
	if (x->a == NULL)
		return fail(x, -ENOMEM, "out of memory");
	if (archive_read_support_format_tar(x->a) != ARCHIVE_OK ||
	    archive_read_support_format_zip_streamable(x->a) != ARCHIVE_OK)
		return fail_archive(x);
	if ((r = add_filters(x)) < 0)
		return r;
	if (archive_read_open_fd(x->a, fd, READ_BLOCK) != ARCHIVE_OK)
		return fail_archive(x);
	return 0;
}

/* Every header until the end; anything but ARCHIVE_OK is a refusal. */
static int extract_all(struct xctx *x)
{
	struct archive_entry *e;
	int r;

	for (;;) {
		x->cur = NULL;
		r = archive_read_next_header(x->a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK)
			return fail_archive(x);
		if ((r = extract_entry(x, e)) < 0)
			return r;
	}
	x->cur = NULL;
	if (x->created == 0)
		return fail(x, -EINVAL, "the archive is empty");
	return 0;
}

/*
 * The streaming zip reader sees only the local headers, which carry no
 * file type: a symlink came out as a regular file holding its target.  A
 * zip's central directory says what each entry is; one it calls anything
 * but a file or a directory refuses the archive, as a tar's would be
 * (nothing was placed outside /work either way: this is about the truth),
 * and so does a central directory that cannot be read.
 */
static int zip_types(struct xctx *x, int fd)
{
	struct archive_entry *e;
	struct archive *a;
	int r = 0, h = ARCHIVE_FATAL;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return fail(x, -errno, "cannot read the archive again");
	if ((a = archive_read_new()) == NULL)
		return fail(x, -ENOMEM, "out of memory");
	if (archive_read_support_format_zip_seekable(a) == ARCHIVE_OK &&
	    archive_read_open_fd(a, fd, READ_BLOCK) == ARCHIVE_OK)
		while (r == 0 && (h = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
			x->cur = archive_entry_pathname(e);
			r = check_type(x, e);
		}
	x->cur = NULL;
	if (r == 0 && h != ARCHIVE_EOF)
		r = fail(x, -EINVAL, "cannot read the zip's central directory");
	archive_read_free(a);
	return r;
}

int archive_extract(int fd, int dirfd, const struct archive_caps *c,
		    char *err, size_t n)
{
	struct xctx x = { .caps = c, .dirfd = dirfd, .err = err, .errn = n };
	int r;

	assert(c->max_entries > 0 && c->max_bytes > 0 && c->max_ratio > 0);
	assert(c->max_depth > 0 && c->max_path > 0 && c->max_path < PATH_MAX);
	if (n > 0)
		err[0] = '\0';
	if ((r = names_init(&x.names)) < 0) {
		r = fail(&x, r, "out of memory");
		goto out;
	}
	x.path = malloc((size_t)c->max_path + 1);
	x.buf = malloc(DATA_BLOCK);
	if (x.path == NULL || x.buf == NULL) {
		r = fail(&x, -ENOMEM, "out of memory");
		goto out;
	}
	r = open_reader(&x, fd);
	if (r == 0)
		r = extract_all(&x);
	if (r == 0 && (archive_format(x.a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_ZIP)
		r = zip_types(&x, fd);
out:
	if (x.a != NULL)
		archive_read_free(x.a);
	names_free(&x.names);
	free(x.path);
	free(x.buf);
	return r;
}
