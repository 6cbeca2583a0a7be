/*
 * test_archive.c - safe extraction (archive.c) against the archive rows
 * of SECURITY.md (A01-A09) and plain good archives.
 *
 * Every archive is built at test time with libarchive's write API into a
 * memfd (or patched from one): no stored binaries.  Each test extracts
 * into BASE/work, a fresh directory under /tmp, and the refusals also
 * check that BASE holds nothing but work/ afterwards (nothing escaped) and
 * that the reason is one clean line.  Runs as root: one test mounts a tiny
 * tmpfs in a private mount namespace of its forked child.
 */
#include <archive.h>
#include <archive_entry.h>
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "archive.h"
#include "fsutil.h"
#include "util.h"
#include "testutil.h"

enum fmt { TAR, PAX, ZIP, CPIO };
enum flt { NONE, GZ, BZ2, XZ, ZST };

/* One entry to write; zero fields mean a plain 0644 regular file. */
struct ent {
	const char *name;
	const char *data;	/* NULL: no data */
	size_t len;		/* bytes of data, 0: strlen(data) */
	unsigned type;		/* AE_IF*, 0: AE_IFREG */
	int perm;		/* 0: 0644 */
	const char *link;	/* symlink target */
	const char *hard;	/* hard link target */
	long long zeros;	/* data of this many zero bytes instead */
	bool nosize;		/* leave the size unset (zip data descriptor) */
	bool xattr;		/* add security.capability and user.cylo */
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static char base[64];
static int basefd = -1, destfd = -1;
static char err[512];
static struct archive_caps caps;

static void setup(void)
{
	basefd = make_test_dir(base, sizeof(base), "archive");
	ck_assert_int_eq(mkdirat(basefd, "work", 0755), 0);
	destfd = openat(basefd, "work", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(destfd, 0);
	archive_caps_default(&caps);
	err[0] = '\0';
	/* Modes must not depend on the extractor's umask. */
	umask(077);
}

static void teardown(void)
{
	umount2(base, MNT_DETACH);
	close(destfd);
	rm_tree_at(basefd, "work");
	rm_tree_at(basefd, "outside");
	close(basefd);
	rmdir(base);
}

/* Building archives */

static void write_zeros(struct archive *w, long long n)
{
	static const char zero[1 << 20];
	la_ssize_t k;

	while (n > 0) {
		k = archive_write_data(w, zero, n < (long long)sizeof(zero) ? (size_t)n : sizeof(zero));
		ck_assert_int_gt(k, 0);
		n -= k;
	}
}

static void add_entry(struct archive *w, const struct ent *e)
{
	struct archive_entry *ae = archive_entry_new();
	unsigned type = e->type ? e->type : AE_IFREG;
	size_t len = e->len ? e->len : e->data ? strlen(e->data) : 0;
	long long size = e->zeros ? e->zeros : (long long)len;

	ck_assert_ptr_nonnull(ae);
	archive_entry_set_pathname(ae, e->name);
	archive_entry_set_filetype(ae, type);
	archive_entry_set_perm(ae, e->perm ? e->perm : 0644);
	if (e->link)
		archive_entry_set_symlink(ae, e->link);
	if (e->hard)
		archive_entry_set_hardlink(ae, e->hard);
	if (type == AE_IFCHR || type == AE_IFBLK)
		archive_entry_set_rdev(ae, makedev(1, 3));
	if (e->xattr) {
		archive_entry_xattr_add_entry(ae, "security.capability", "\1\0\0\2", 4);
		archive_entry_xattr_add_entry(ae, "user.cylo", "x", 1);
	}
	if (!e->nosize)
		archive_entry_set_size(ae, type == AE_IFREG ? size : 0);
	/* WARN: a name the C locale cannot translate, written as raw bytes. */
	ck_assert_int_ge(archive_write_header(w, ae), ARCHIVE_WARN);
	if (e->zeros)
		write_zeros(w, e->zeros);
	else if (e->data && !e->hard)
		ck_assert_int_eq(archive_write_data(w, e->data, len), (la_ssize_t)len);
	else if (e->data)
		archive_write_data(w, e->data, len);	/* the writer may drop it */
	archive_entry_free(ae);
}

static void set_format(struct archive *w, enum fmt f, enum flt z)
{
	int r = f == TAR ? archive_write_set_format_pax_restricted(w) :
		f == PAX ? archive_write_set_format_pax(w) :
		f == ZIP ? archive_write_set_format_zip(w) :
		archive_write_set_format_cpio_newc(w);

	ck_assert_int_eq(r, ARCHIVE_OK);
	r = z == GZ ? archive_write_add_filter_gzip(w) :
	    z == BZ2 ? archive_write_add_filter_bzip2(w) :
	    z == XZ ? archive_write_add_filter_xz(w) :
	    z == ZST ? archive_write_add_filter_zstd(w) :
	    archive_write_add_filter_none(w);
	ck_assert_int_eq(r, ARCHIVE_OK);
}

/* A memfd holding the archive, at offset 0. */
static int build(enum fmt f, enum flt z, const struct ent *e, size_t n)
{
	struct archive *w = archive_write_new();
	int fd = memfd_create("archive", MFD_CLOEXEC);
	size_t i;

	ck_assert_ptr_nonnull(w);
	ck_assert_int_ge(fd, 0);
	set_format(w, f, z);
	ck_assert_int_eq(archive_write_open_fd(w, fd), ARCHIVE_OK);
	for (i = 0; i < n; i++)
		add_entry(w, &e[i]);
	ck_assert_int_eq(archive_write_close(w), ARCHIVE_OK);
	archive_write_free(w);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static int mem_fd(const void *p, size_t len)
{
	int fd = memfd_create("patched", MFD_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write_all(fd, p, len), 0);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

/* The bytes of archive @fd (closed). */
static char *slurp(int fd, size_t *len)
{
	char *buf;

	ck_assert_int_eq(read_fd_all(fd, 64 << 20, &buf, len), 0);
	close(fd);
	return buf;
}

/* Checking results */

static int extract(int fd)
{
	int r = archive_extract(fd, destfd, &caps, err, sizeof(err));

	ck_assert_int_ge(fcntl(fd, F_GETFD), 0);	/* borrowed, not closed */
	close(fd);
	return r;
}

/* BASE holds only work/ (and @also, when given): nothing escaped. */
static void assert_contained(const char *also)
{
	DIR *d = opendir(base);
	struct dirent *e;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    !strcmp(e->d_name, "work") || (also && !strcmp(e->d_name, also)))
			continue;
		ck_abort_msg("'%s' appeared beside the destination", e->d_name);
	}
	closedir(d);
	ck_assert_int_eq(access("/tmp/pwned", F_OK), -1);
}

/* The reason is one line of UTF-8 without control characters. */
static void assert_clean_err(void)
{
	size_t i;

	ck_assert_msg(err[0] != '\0', "no reason given");
	ck_assert(utf8_valid(err, strlen(err)));
	for (i = 0; err[i]; i++)
		ck_assert_msg((unsigned char)err[i] >= 0x20 && err[i] != 0x7f,
			      "control byte in '%s'", err);
}

static void refused(int fd, const char *reason)
{
	ck_assert_int_eq(extract(fd), -EINVAL);
	ck_assert_msg(strstr(err, reason) != NULL, "reason '%s' lacks '%s'", err, reason);
	assert_clean_err();
	assert_contained(NULL);
}

static void absent(const char *path)
{
	ck_assert_msg(faccessat(destfd, path, F_OK, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT,
		      "'%s' exists", path);
}

static void expect_file(const char *path, const char *data, mode_t mode)
{
	int fd = openat(destfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	size_t len;
	char *buf;

	ck_assert_msg(fd >= 0, "'%s': %s", path, strerror(errno));
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(st.st_mode & 07777, mode);
	ck_assert_int_eq(st.st_nlink, 1);
	buf = slurp(fd, &len);
	ck_assert_uint_eq(len, strlen(data));
	ck_assert_mem_eq(buf, data, len);
	free(buf);
}

static void expect_dir(const char *path)
{
	struct stat st;

	ck_assert_int_eq(fstatat(destfd, path, &st, AT_SYMLINK_NOFOLLOW), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_int_eq(st.st_mode & 07777, 0755);
}

static off_t file_size(const char *path)
{
	struct stat st;

	if (fstatat(destfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	return st.st_size;
}

/* A fresh, empty destination for the next extraction of a test. */
static void reset_dest(void)
{
	close(destfd);
	rm_tree_at(basefd, "work");
	ck_assert_int_eq(mkdirat(basefd, "work", 0755), 0);
	destfd = openat(basefd, "work", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(destfd, 0);
}

/* Names */

START_TEST(test_archive_names)
{
	static const struct { const char *name; bool yes; } t[] = {
		{ "job.tar", true }, { "job.tar.gz", true }, { "job.tgz", true },
		{ "job.tar.xz", true }, { "job.tar.zst", true }, { "job.zip", true },
		{ "a.b.zip", true }, { ".tar", false }, { ".zip", false },
		{ "job.tar.bz2", false }, { "job.gz", false }, { "job.ZIP", false },
		{ "job.py", false }, { "tar", false }, { "", false },
		{ "job.tar.gz.part", false }, { "job.zipx", false },
	};
	size_t i;

	for (i = 0; i < N(t); i++)
		ck_assert_msg(archive_is_archive_name(t[i].name) == t[i].yes, "%s", t[i].name);
}
END_TEST

START_TEST(test_defaults)
{
	ck_assert_int_eq(caps.max_entries, 10000);
	ck_assert_int_eq(caps.max_bytes, 256LL << 20);
	ck_assert_int_eq(caps.max_ratio, 200);
	ck_assert_int_eq(caps.max_depth, 32);
	ck_assert_int_eq(caps.max_path, 1024);
}
END_TEST

/* Good archives */

static const struct ent tree[] = {
	{ .name = "./", .type = AE_IFDIR, .perm = 0700 },
	{ .name = "./src/", .type = AE_IFDIR, .perm = 0700 },
	{ .name = "./src/util.py", .data = "def f():\n    return 1\n" },
	{ .name = "./main.py", .data = "import src.util\n", .perm = 0700 },
	{ .name = "lib/deep/x.txt", .data = "x" },	/* implicit parents */
	{ .name = "lib/", .type = AE_IFDIR },		/* after its contents */
	{ .name = "caf\xc3\xa9.txt", .data = "utf-8 name" },
	{ .name = "empty", .data = "" },
	{ .name = "notes/", .type = AE_IFDIR },
};

/* @exec: the mode of main.py, whose entry has execute bits. */
static void check_tree(mode_t exec)
{
	expect_dir("src");
	expect_dir("lib");
	expect_dir("lib/deep");
	expect_dir("notes");
	expect_file("src/util.py", "def f():\n    return 1\n", 0644);
	expect_file("main.py", "import src.util\n", exec);
	expect_file("lib/deep/x.txt", "x", 0644);
	expect_file("caf\xc3\xa9.txt", "utf-8 name", 0644);
	expect_file("empty", "", 0644);
	assert_contained(NULL);
}

START_TEST(test_tar_gz_tree)
{
	ck_assert_int_eq(extract(build(TAR, GZ, tree, N(tree))), 0);
	ck_assert_str_eq(err, "");
	check_tree(0755);
}
END_TEST

/* Local zip headers carry no mode: every file lands 0644. */
START_TEST(test_zip_tree)
{
	ck_assert_int_eq(extract(build(ZIP, NONE, tree, N(tree))), 0);
	check_tree(0644);
}
END_TEST

/* Every supported decompressor is built in (no external program). */
START_TEST(test_filters)
{
	static const enum flt f[] = { NONE, GZ, BZ2, XZ, ZST };
	const struct ent e[] = { { .name = "main.py", .data = "print(1)\n" } };

	ck_assert_int_eq(extract(build(TAR, f[_i], e, N(e))), 0);
	expect_file("main.py", "print(1)\n", 0644);
}
END_TEST

/* A streamed archive: one pass, no seeking. */
START_TEST(test_pipe_input)
{
	const struct ent e[] = { { .name = "a/main.py", .data = "print(2)\n" } };
	int p[2], fd = build(TAR, XZ, e, N(e));
	size_t len;
	char *buf = slurp(fd, &len);

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	ck_assert_uint_lt(len, 65536);
	ck_assert_int_eq(write_all(p[1], buf, len), 0);
	close(p[1]);
	free(buf);
	ck_assert_int_eq(extract(p[0]), 0);
	expect_file("a/main.py", "print(2)\n", 0644);
}
END_TEST

/* A01: names that leave the workspace, and other bad forms */

static const struct {
	enum fmt fmt;
	const char *name;
	const char *reason;
} bad_names[] = {
	{ TAR, "../../../tmp/pwned", "path escapes the workspace" },
	{ TAR, "../escaped", "path escapes the workspace" },
	{ TAR, "a/../../escaped", "path escapes the workspace" },
	{ TAR, "a/..", "path escapes the workspace" },
	{ ZIP, "../escaped", "path escapes the workspace" },
	{ TAR, "/etc/x", "absolute paths are not accepted" },
	{ TAR, "/tmp/pwned", "absolute paths are not accepted" },
	{ ZIP, "/tmp/pwned", "absolute paths are not accepted" },
	{ TAR, "..\\..\\escaped", "backslash in the name" },
	{ TAR, "a\\b.py", "backslash in the name" },
	/* the zip reader turns '\' into '/': then it is "..", refused too */
	{ ZIP, "..\\..\\escaped", "path escapes the workspace" },
	{ TAR, "a//b.py", "empty path component" },
	{ TAR, "a/./b.py", "'.' path component" },
	{ TAR, "././b.py", "'.' path component" },
	/* libarchive itself refuses a regular file named "x/" in tar */
	{ TAR, "dir.py/", "cannot read the archive" },
};

START_TEST(test_escape_names)
{
	const struct ent e[] = {
		{ .name = "first.py", .data = "1" },
		{ .name = bad_names[_i].name, .data = "owned" },
		{ .name = "after.py", .data = "2" },
	};

	refused(build(bad_names[_i].fmt, GZ, e, N(e)), bad_names[_i].reason);
	absent("after.py");	/* nothing further once refused */
}
END_TEST

START_TEST(test_escape_reason_format)
{
	const struct ent e[] = { { .name = "../../x", .data = "x" } };

	refused(build(TAR, NONE, e, N(e)), "x");
	ck_assert_str_eq(err, "entry '../../x': path escapes the workspace");
}
END_TEST

/* A02: symlinks */

START_TEST(test_symlink_then_through)
{
	const struct ent e[] = {
		{ .name = "d", .type = AE_IFLNK, .link = "/etc", .perm = 0777 },
		{ .name = "d/passwd", .data = "root::0:0::/:/bin/sh\n" },
	};

	refused(build(TAR, GZ, e, N(e)), "entry 'd': symlinks are not accepted");
	absent("d");
}
END_TEST

START_TEST(test_symlink_two_hops)
{
	const struct ent e[] = {
		{ .name = "a", .type = AE_IFLNK, .link = "b", .perm = 0777 },
		{ .name = "b", .type = AE_IFLNK, .link = "/etc", .perm = 0777 },
		{ .name = "a/x", .data = "x" },
	};

	refused(build(TAR, NONE, e, N(e)), "symlinks are not accepted");
}
END_TEST

START_TEST(test_dir_then_symlink)
{
	const struct ent e[] = {
		{ .name = "d/", .type = AE_IFDIR },
		{ .name = "d", .type = AE_IFLNK, .link = "/etc", .perm = 0777 },
		{ .name = "d/x", .data = "x" },
	};

	refused(build(TAR, NONE, e, N(e)), "symlinks are not accepted");
	absent("d/x");
}
END_TEST

START_TEST(test_relative_symlink)
{
	const struct ent e[] = {
		{ .name = "ok.py", .data = "1" },
		{ .name = "l", .type = AE_IFLNK, .link = "ok.py", .perm = 0777 },
	};

	refused(build(TAR, NONE, e, N(e)), "entry 'l': symlinks are not accepted");
}
END_TEST

/*
 * The streaming zip reader sees no file type in local headers: a zip
 * symlink is a plain file holding the target's text, and going through
 * it is a file used as a directory.  The central directory, read after,
 * says what it was: refused as a tar's symlink is (it was accepted as a
 * file holding "/etc/shadow").
 */
START_TEST(test_zip_symlink)
{
	const struct ent e[] = {
		{ .name = "d", .type = AE_IFLNK, .link = "/etc", .perm = 0777 },
		{ .name = "d/passwd", .data = "x" },
	};
	const struct ent one[] = {
		{ .name = "s", .type = AE_IFLNK, .link = "/etc/shadow", .perm = 0777 },
	};

	refused(build(ZIP, NONE, e, N(e)), "entry 'd/passwd': a parent directory is a file");
	ck_assert_int_eq(faccessat(destfd, "d/passwd", F_OK, AT_SYMLINK_NOFOLLOW), -1);
	reset_dest();
	refused(build(ZIP, NONE, one, N(one)), "entry 's': symlinks are not accepted");
}
END_TEST

/* A03: hard links, to anything */

static const char *const hard_targets[] = {
	"/etc/shadow", "../../etc/shadow", "/usr/bin/su", "main.py",
};

START_TEST(test_hardlinks)
{
	const struct ent e[] = {
		{ .name = "main.py", .data = "print(1)\n" },
		{ .name = "h", .hard = hard_targets[_i] },
	};

	refused(build(TAR, GZ, e, N(e)), "entry 'h': hard links are not accepted");
	absent("h");
}
END_TEST

/* A hard link entry carrying data (CVE-2016-5418 shape). */
START_TEST(test_hardlink_with_data)
{
	const struct ent e[] = {
		{ .name = "h", .hard = "/etc/passwd", .data = "root::0:0::/:/bin/sh\n" },
	};

	refused(build(PAX, NONE, e, N(e)), "hard links are not accepted");
}
END_TEST

/* A04: special files, modes, xattrs */

static const struct {
	unsigned type;
	const char *name, *reason;
} specials[] = {
	{ AE_IFCHR, "null", "entry 'null': device files are not accepted" },
	{ AE_IFBLK, "sda", "entry 'sda': device files are not accepted" },
	{ AE_IFIFO, "input.txt", "entry 'input.txt': FIFOs are not accepted" },
};

START_TEST(test_special_files)
{
	const struct ent e[] = { { .name = specials[_i].name, .type = specials[_i].type } };

	refused(build(TAR, NONE, e, N(e)), specials[_i].reason);
	absent(specials[_i].name);
}
END_TEST

/* Tar cannot hold a socket; cpio can, and cpio is not a format we read. */
START_TEST(test_cpio_socket)
{
	const struct ent e[] = {
		{ .name = "main.py", .data = "1" },
		{ .name = "sock", .type = AE_IFSOCK },
	};

	refused(build(CPIO, NONE, e, N(e)), "cannot read the archive");
	absent("main.py");
}
END_TEST

START_TEST(test_modes)
{
	const struct ent e[] = {
		{ .name = "suid", .data = "x", .perm = 04755 },
		{ .name = "sgid", .data = "x", .perm = 02644 },
		{ .name = "sticky", .data = "x", .perm = 01777 },
		{ .name = "ro", .data = "x", .perm = 0400 },
		{ .name = "xonly", .data = "x", .perm = 0001 },
		{ .name = "cap", .data = "x", .perm = 0755, .xattr = true },
		{ .name = "d/", .type = AE_IFDIR, .perm = 07777 },
	};
	int fd;

	ck_assert_int_eq(extract(build(PAX, NONE, e, N(e))), 0);
	expect_file("suid", "x", 0755);
	expect_file("sgid", "x", 0644);
	expect_file("sticky", "x", 0755);
	expect_file("ro", "x", 0644);
	expect_file("xonly", "x", 0755);
	expect_file("cap", "x", 0755);
	expect_dir("d");
	fd = openat(destfd, "cap", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(flistxattr(fd, NULL, 0), 0);
	close(fd);
}
END_TEST

/* A05: expansion */

START_TEST(test_zeros_ratio)
{
	const struct ent e[] = { { .name = "zeros", .zeros = 100LL << 20 } };

	refused(build(TAR, GZ, e, N(e)), "entry 'zeros': expands more than 200:1");
	ck_assert_int_le(file_size("zeros"), 2 << 20);
}
END_TEST

START_TEST(test_declared_size_cap)
{
	const struct ent e[] = { { .name = "big", .zeros = 3 << 20 } };

	caps.max_bytes = 1 << 20;
	refused(build(TAR, GZ, e, N(e)), "declares 3145728 bytes, over the 1048576-byte cap");
	absent("big");
}
END_TEST

/* Sizes unknown until the data ends: the bytes really written count. */
START_TEST(test_written_bytes_cap)
{
	const struct ent e[] = {
		{ .name = "a", .zeros = 600 << 10, .nosize = true },
		{ .name = "b", .zeros = 600 << 10, .nosize = true },
	};

	caps.max_bytes = 1 << 20;
	caps.max_ratio = 1L << 40;
	refused(build(ZIP, NONE, e, N(e)), "entry 'b': the archive expands beyond 1048576 bytes");
	ck_assert_int_le(file_size("a") + file_size("b"), 1 << 20);
}
END_TEST

/* A bomb of many small entries trips the ratio across entries. */
START_TEST(test_ratio_across_entries)
{
	struct ent e[40];
	char names[40][8];
	size_t i;

	for (i = 0; i < N(e); i++) {
		snprintf(names[i], sizeof(names[i]), "z%zu", i);
		e[i] = (struct ent){ .name = names[i], .zeros = 256 << 10 };
	}
	refused(build(TAR, XZ, e, N(e)), "expands more than 200:1");
}
END_TEST

START_TEST(test_nested_archive_is_a_file)
{
	const struct ent inner[] = { { .name = "../../x", .data = "x" } };
	size_t len;
	char *zip = slurp(build(ZIP, NONE, inner, N(inner)), &len);
	const struct ent e[] = { { .name = "inner.zip", .data = zip, .len = len } };
	char *out;
	size_t outlen;
	int fd;

	ck_assert_int_eq(extract(build(TAR, GZ, e, N(e))), 0);
	fd = openat(destfd, "inner.zip", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	out = slurp(fd, &outlen);
	ck_assert_uint_eq(outlen, len);
	ck_assert_mem_eq(out, zip, len);
	absent("x");
	assert_contained(NULL);
	free(zip);
	free(out);
}
END_TEST

START_TEST(test_workspace_full)
{
	const struct ent e[] = { { .name = "big", .zeros = 1 << 20 } };

	ck_assert_int_eq(unshare(CLONE_NEWNS), 0);
	ck_assert_int_eq(mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL), 0);
	close(destfd);
	ck_assert_int_eq(mount("tmpfs", base, "tmpfs", 0, "size=64k"), 0);
	destfd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(destfd, 0);
	caps.max_ratio = 1L << 40;
	ck_assert_int_eq(extract(build(TAR, GZ, e, N(e))), -EINVAL);
	ck_assert_str_eq(err, "entry 'big': the workspace is full");
}
END_TEST

/* A06: counts, depth, length, declared size */

START_TEST(test_entry_count)
{
	struct ent e[101];
	char names[101][8];
	size_t i;

	caps.max_entries = 100;
	for (i = 0; i < N(e); i++) {
		snprintf(names[i], sizeof(names[i]), "f%zu", i);
		e[i] = (struct ent){ .name = names[i], .data = "" };
	}
	ck_assert_int_eq(extract(build(TAR, NONE, e, 100)), 0);
	reset_dest();
	refused(build(TAR, NONE, e, N(e)), "entry 'f100': more than 100 entries");
	absent("f100");
}
END_TEST

/* "a/a/.../a" with @depth components. */
static void deep_name(char *buf, size_t n, int depth)
{
	size_t o = 0;
	int i;

	for (i = 0; i < depth && o + 3 < n; i++) {
		buf[o++] = 'a';
		buf[o++] = '/';
	}
	buf[o - 1] = '\0';
}

START_TEST(test_depth)
{
	char ok[128], deep[128];
	const struct ent good[] = { { .name = ok, .data = "x" } };
	const struct ent bad[] = { { .name = deep, .data = "x" } };

	deep_name(ok, sizeof(ok), 32);
	deep_name(deep, sizeof(deep), 33);
	ck_assert_int_eq(extract(build(TAR, NONE, good, N(good))), 0);
	expect_file(ok, "x", 0644);
	refused(build(TAR, NONE, bad, N(bad)), "more than 32 path components");
}
END_TEST

START_TEST(test_long_names)
{
	char path[1100], comp[300];
	const struct ent e1[] = { { .name = path, .data = "x" } };
	const struct ent e2[] = { { .name = comp, .data = "x" } };
	size_t i;

	for (i = 0; i < 1025; i++)
		path[i] = (i % 100 == 99) ? '/' : 'p';
	path[1025] = '\0';
	memset(comp, 'c', 256);
	comp[256] = '\0';
	refused(build(TAR, GZ, e1, N(e1)), "name longer than 1024 bytes");
	refused(build(TAR, GZ, e2, N(e2)), "path component longer than 255 bytes");
	comp[255] = '\0';
	ck_assert_int_eq(extract(build(TAR, GZ, e2, N(e2))), 0);
	expect_file(comp, "x", 0644);
}
END_TEST

/* A ustar header whose size field claims 8 GiB with no data behind it. */
START_TEST(test_huge_declared_size)
{
	const struct ent e[] = { { .name = "big.bin", .data = "" } };
	unsigned sum = 0;
	size_t len, i;
	char *tar = slurp(build(TAR, NONE, e, N(e)), &len);

	ck_assert_uint_ge(len, 1024);
	ck_assert_mem_eq(tar + 257, "ustar", 5);
	memcpy(tar + 124, "77777777777", 12);
	memset(tar + 148, ' ', 8);
	for (i = 0; i < 512; i++)
		sum += (unsigned char)tar[i];
	snprintf(tar + 148, 8, "%06o", sum);
	refused(mem_fd(tar, len), "entry 'big.bin': declares 8589934591 bytes");
	absent("big.bin");
	free(tar);
}
END_TEST

START_TEST(test_sparse)
{
	struct archive *w = archive_write_new();
	struct archive_entry *ae = archive_entry_new();
	int fd = memfd_create("sparse", MFD_CLOEXEC);
	static const char data[8192];

	ck_assert_int_ge(fd, 0);
	set_format(w, TAR, NONE);
	ck_assert_int_eq(archive_write_open_fd(w, fd), ARCHIVE_OK);
	archive_entry_set_pathname(ae, "sparse.bin");
	archive_entry_set_filetype(ae, AE_IFREG);
	archive_entry_set_perm(ae, 0644);
	/* Under the byte cap: only the sparse rule can refuse it first. */
	archive_entry_set_size(ae, 8 << 20);
	archive_entry_sparse_add_entry(ae, 0, 4096);
	archive_entry_sparse_add_entry(ae, (8 << 20) - 4096, 4096);
	ck_assert_int_eq(archive_write_header(w, ae), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_data(w, data, sizeof(data)), (la_ssize_t)sizeof(data));
	ck_assert_int_eq(archive_write_close(w), ARCHIVE_OK);
	archive_write_free(w);
	archive_entry_free(ae);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	refused(fd, "entry 'sparse.bin': sparse files are not accepted");
	absent("sparse.bin");
}
END_TEST

/* A07: duplicates and bad bytes */

static const struct {
	struct ent a, b;
	const char *reason;
} dups[] = {
	{ { .name = "main.py", .data = "1" }, { .name = "main.py", .data = "2" },
	  "entry 'main.py': duplicate entry" },
	{ { .name = "main.py", .data = "1" }, { .name = "./main.py", .data = "2" },
	  "duplicate entry" },
	{ { .name = "Main.py", .data = "1" }, { .name = "main.py", .data = "2" },
	  "entry 'main.py': name differs only in case from an earlier entry" },
	{ { .name = "A/x", .data = "1" }, { .name = "a/y", .data = "2" },
	  "differs only in case" },
	{ { .name = "main.py", .data = "1" },
	  { .name = "main.py", .type = AE_IFLNK, .link = "/etc/shadow", .perm = 0777 },
	  "symlinks are not accepted" },
	{ { .name = "a", .data = "1" }, { .name = "a/x", .data = "2" },
	  "a parent directory is a file" },
	{ { .name = "a/x", .data = "1" }, { .name = "a", .data = "2" },
	  "entry 'a': duplicate entry" },
	{ { .name = "d/", .type = AE_IFDIR }, { .name = "d/", .type = AE_IFDIR },
	  "duplicate entry" },
	{ { .name = "d", .data = "1" }, { .name = "d/", .type = AE_IFDIR },
	  "duplicate entry" },
};

START_TEST(test_duplicates)
{
	const struct ent e[] = { dups[_i].a, dups[_i].b };

	refused(build(TAR, GZ, e, N(e)), dups[_i].reason);
}
END_TEST

START_TEST(test_zip_duplicates)
{
	const struct ent e[] = {
		{ .name = "Main.py", .data = "1" }, { .name = "main.py", .data = "2" },
	};

	refused(build(ZIP, NONE, e, N(e)), "differs only in case");
	expect_file("Main.py", "1", 0644);
}
END_TEST

static const char *const bad_bytes[] = {
	"new\nline.py", "\x1b[31mred.py", "bad\xff.py", "csi\xc2\x9b" "2J.py",
	"del\x7f.py", "tab\t.py", "cr\r.py", "overlong\xc0\xaf.py",
	"surrogate\xed\xa0\x80.py",
};

START_TEST(test_bad_bytes)
{
	const struct ent e[] = { { .name = bad_bytes[_i], .data = "x" } };

	refused(build(_i % 2 ? ZIP : TAR, NONE, e, N(e)),
		"control character or invalid UTF-8 in the name");
	ck_assert(strncmp(err, "entry '", 7) == 0);
}
END_TEST

/* Corrupt, truncated and empty archives */

START_TEST(test_garbage)
{
	static const char junk[] = "this is not an archive, not even close\n";
	static const unsigned char gz[] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3,
					    'g', 'a', 'r', 'b', 'a', 'g', 'e', 0xff };

	refused(mem_fd(junk, sizeof(junk)), "cannot read the archive");
	refused(mem_fd(gz, sizeof(gz)), "cannot read the archive");
	refused(mem_fd("", 0), "cannot read the archive");
}
END_TEST

/*
 * Cut in half inside the second file's data (libarchive's gzip reader
 * decompresses 64 KiB blocks, so the data must be bigger than that).
 */
START_TEST(test_truncated)
{
	static const enum flt f[] = { NONE, GZ };
	size_t size = 512 << 10, len, i;
	char *blob = malloc(size + 1), *arc;
	const struct ent e[] = {
		{ .name = "a.txt", .data = "first" },
		{ .name = "blob", .data = blob },
	};
	unsigned x = 12345;

	/* Letters from an LCG: compressible only so far. */
	ck_assert_ptr_nonnull(blob);
	for (i = 0; i < size; i++) {
		x = x * 1103515245 + 12345;
		blob[i] = (char)('A' + (x >> 16) % 26);
	}
	blob[size] = '\0';
	arc = slurp(build(TAR, f[_i], e, N(e)), &len);
	refused(mem_fd(arc, len / 2), "entry 'blob': ");
	ck_assert_msg(strstr(err, "runcated") != NULL, "%s", err);
	expect_file("a.txt", "first", 0644);
	ck_assert_int_lt(file_size("blob"), (off_t)size);
	free(arc);
	free(blob);
}
END_TEST

START_TEST(test_bitflips)
{
	const struct ent e[] = {
		{ .name = "a.py", .data = "print('a')\n" },
		{ .name = "b.py", .data = "print('b')\n" },
	};
	size_t len, i;
	char *tgz = slurp(build(TAR, GZ, e, N(e)), &len);
	int r;

	/* Whatever the damage, a clean answer and nothing outside. */
	for (i = 10; i < len; i += 7) {
		tgz[i] ^= 0x5a;
		r = extract(mem_fd(tgz, len));
		ck_assert(r == 0 || r == -EINVAL);
		if (r < 0)
			assert_clean_err();
		assert_contained(NULL);
		tgz[i] ^= 0x5a;
		reset_dest();
	}
	free(tgz);
}
END_TEST

START_TEST(test_empty)
{
	const struct ent root[] = { { .name = "./", .type = AE_IFDIR } };

	refused(build(TAR, GZ, NULL, 0), "the archive is empty");
	ck_assert_str_eq(err, "the archive is empty");
	refused(build(TAR, NONE, root, N(root)), "the archive is empty");
	refused(build(ZIP, NONE, NULL, 0), "the archive is empty");
}
END_TEST

/* A09: zip local header vs central directory */

/* Replaces @from by @to (same length) in the zip header with @sig. */
static void patch_zip_name(char *zip, size_t len, const char *sig, size_t name_off,
			   const char *from, const char *to)
{
	size_t i, n = strlen(from);

	for (i = 0; i + name_off + n <= len; i++)
		if (!memcmp(zip + i, sig, 4) && !memcmp(zip + i + name_off, from, n)) {
			memcpy(zip + i + name_off, to, n);
			return;
		}
	ck_abort_msg("no %s header for %s", sig[2] == 1 ? "central" : "local", from);
}

START_TEST(test_zip_central_name_differs)
{
	const struct ent e[] = { { .name = "ok_1.py", .data = "print(1)\n" } };
	size_t len;
	char *zip = slurp(build(ZIP, NONE, e, N(e)), &len);
	struct stat before, after;
	bool existed = lstat("/tmp/x", &before) == 0;

	patch_zip_name(zip, len, "PK\1\2", 46, "ok_1.py", "../../x");
	ck_assert_int_eq(extract(mem_fd(zip, len)), 0);
	expect_file("ok_1.py", "print(1)\n", 0644);
	assert_contained(NULL);
	/* ../../x from the destination is /tmp/x */
	ck_assert_int_eq(lstat("/tmp/x", &after) == 0, existed);
	if (existed)
		ck_assert(before.st_ino == after.st_ino && before.st_mtim.tv_nsec == after.st_mtim.tv_nsec);
	free(zip);
}
END_TEST

START_TEST(test_zip_local_name_differs)
{
	const struct ent e[] = { { .name = "ok_1.py", .data = "print(1)\n" } };
	size_t len;
	char *zip = slurp(build(ZIP, NONE, e, N(e)), &len);

	patch_zip_name(zip, len, "PK\3\4", 30, "ok_1.py", "../../x");
	refused(mem_fd(zip, len), "entry '../../x': path escapes the workspace");
	absent("ok_1.py");
	free(zip);
}
END_TEST

/* The destination: never followed, never overwritten */

START_TEST(test_planted_symlink_in_dest)
{
	const struct ent e[] = { { .name = "lib/x.py", .data = "x" } };
	char target[96];

	ck_assert_int_eq(mkdirat(basefd, "outside", 0755), 0);
	snprintf(target, sizeof(target), "%s/outside", base);
	ck_assert_int_eq(symlinkat(target, destfd, "lib"), 0);
	ck_assert_int_eq(extract(build(TAR, NONE, e, N(e))), -EINVAL);
	ck_assert_msg(strstr(err, "entry 'lib/x.py': cannot create a parent directory") != NULL,
		      "%s", err);
	ck_assert_int_eq(faccessat(basefd, "outside/x.py", F_OK, 0), -1);
	assert_contained("outside");
}
END_TEST

START_TEST(test_existing_file_in_dest)
{
	const struct ent e[] = { { .name = "main.py", .data = "new" } };
	int fd = openat(destfd, "main.py", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write_all(fd, "old", 3), 0);
	close(fd);
	refused(build(TAR, NONE, e, N(e)), "cannot create the file");
	expect_file("main.py", "old", 0600);	/* as made, under umask 077 */
}
END_TEST

START_TEST(test_small_err_buffer)
{
	const struct ent e[] = { { .name = "../x", .data = "x" } };
	char small[8];

	memset(small, 'z', sizeof(small));
	ck_assert_int_eq(archive_extract(build(TAR, NONE, e, N(e)), destfd, &caps,
					 small, sizeof(small)), -EINVAL);
	ck_assert_str_eq(small, "entry '");
	ck_assert_int_eq(archive_extract(build(TAR, NONE, e, N(e)), destfd, &caps,
					 NULL, 0), -EINVAL);
}
END_TEST

static Suite *archive_suite(void)
{
	Suite *s = suite_create("archive");
	TCase *tc = tcase_create("names");
	TCase *good = tcase_create("good");
	TCase *bad = tcase_create("hostile");
	TCase *big = tcase_create("expansion");

	tcase_add_test(tc, test_archive_names);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(good, setup, teardown);
	tcase_add_test(good, test_defaults);
	tcase_add_test(good, test_tar_gz_tree);
	tcase_add_test(good, test_zip_tree);
	tcase_add_loop_test(good, test_filters, 0, 5);
	tcase_add_test(good, test_pipe_input);
	tcase_add_test(good, test_modes);
	tcase_add_test(good, test_nested_archive_is_a_file);
	suite_add_tcase(s, good);

	tcase_add_checked_fixture(bad, setup, teardown);
	tcase_add_loop_test(bad, test_escape_names, 0, N(bad_names));
	tcase_add_test(bad, test_escape_reason_format);
	tcase_add_test(bad, test_symlink_then_through);
	tcase_add_test(bad, test_symlink_two_hops);
	tcase_add_test(bad, test_dir_then_symlink);
	tcase_add_test(bad, test_relative_symlink);
	tcase_add_test(bad, test_zip_symlink);
	tcase_add_loop_test(bad, test_hardlinks, 0, N(hard_targets));
	tcase_add_test(bad, test_hardlink_with_data);
	tcase_add_loop_test(bad, test_special_files, 0, N(specials));
	tcase_add_test(bad, test_cpio_socket);
	tcase_add_test(bad, test_entry_count);
	tcase_add_test(bad, test_depth);
	tcase_add_test(bad, test_long_names);
	tcase_add_test(bad, test_huge_declared_size);
	tcase_add_test(bad, test_sparse);
	tcase_add_loop_test(bad, test_duplicates, 0, N(dups));
	tcase_add_test(bad, test_zip_duplicates);
	tcase_add_loop_test(bad, test_bad_bytes, 0, N(bad_bytes));
	tcase_add_test(bad, test_garbage);
	tcase_add_loop_test(bad, test_truncated, 0, 2);
	tcase_add_test(bad, test_bitflips);
	tcase_add_test(bad, test_empty);
	tcase_add_test(bad, test_zip_central_name_differs);
	tcase_add_test(bad, test_zip_local_name_differs);
	tcase_add_test(bad, test_planted_symlink_in_dest);
	tcase_add_test(bad, test_existing_file_in_dest);
	tcase_add_test(bad, test_small_err_buffer);
	suite_add_tcase(s, bad);

	/* 100 MB through gzip, several times slower under valgrind. */
	tcase_set_timeout(big, 300);
	tcase_add_checked_fixture(big, setup, teardown);
	tcase_add_test(big, test_zeros_ratio);
	tcase_add_test(big, test_declared_size_cap);
	tcase_add_test(big, test_written_bytes_cap);
	tcase_add_test(big, test_ratio_across_entries);
	tcase_add_test(big, test_workspace_full);
	suite_add_tcase(s, big);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(archive_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
