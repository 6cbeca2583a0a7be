/*
 * test_bundle.c - the workspace bundle (bundle.c): adopting records
 * written by another process (the archive extractor, which is as hostile
 * as the archive it read) and finding a file in them.
 *
 * The extractor's output is adopted only when it is well formed and
 * within the caps; otherwise the bundle must not keep the fd, which the
 * caller closes (a kept copy would be closed twice, the second time
 * perhaps another thread's fd).
 *
 * Unpacking runs into a fresh directory under /tmp: a hidden file (a
 * test's expected output) is found by the parent but never unpacked, and
 * a second unpack of the same fd (a job's box rebuilt) gives the same tree.
 * A file can be copied from a range of another bundle's.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bundle.h"
#include "testutil.h"

/* A bundle with a directory and two files, its fd rewound. */
static int sample(struct bundle *b)
{
	ck_assert_int_eq(bundle_new(b, 1 << 20, 16), 0);
	ck_assert_int_eq(bundle_add_dir(b, "src"), 0);
	ck_assert_int_eq(bundle_add_data(b, "src/main.py", "print(1)\n", 9, 0644), 0);
	ck_assert_int_eq(bundle_add_data(b, "in.txt", "42\n", 3, 0644), 0);
	return b->fd;
}

START_TEST(test_adopt_refuses_garbage_and_keeps_no_fd)
{
	struct bundle b = { .fd = -1 };
	int fd = memfd_create("junk", MFD_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "not a bundle at all, just bytes", 31), 31);
	ck_assert_int_lt(bundle_adopt(&b, fd, 1 << 20, 16), 0);
	ck_assert_int_eq(b.fd, -1);
	close(fd);
}
END_TEST

/* A path written twice would be found as its first record and unpacked
 * as its last: refused. */
START_TEST(test_adopt_refuses_a_path_twice)
{
	struct bundle src, b = { .fd = -1 };
	int fd = sample(&src);

	ck_assert_int_eq(bundle_add_data(&src, "in.txt", "43\n", 3, 0644), 0);
	ck_assert_int_eq(bundle_adopt(&b, fd, 1 << 20, 16), -EINVAL);
	ck_assert_int_eq(b.fd, -1);
	close(fd);
}
END_TEST

START_TEST(test_adopt_refuses_over_the_caps)
{
	struct bundle src, b = { .fd = -1 };
	int fd = sample(&src);

	ck_assert_int_eq(bundle_adopt(&b, fd, 4, 16), -EFBIG);	/* 12 bytes */
	ck_assert_int_eq(b.fd, -1);
	ck_assert_int_eq(bundle_adopt(&b, fd, 1 << 20, 2), -EFBIG);	/* 3 entries */
	ck_assert_int_eq(b.fd, -1);
	ck_assert_int_eq(bundle_adopt(&b, fd, 1 << 20, 16), 0);
	ck_assert_int_eq(b.fd, fd);
	ck_assert_uint_eq(b.entries, 3);
	ck_assert_uint_eq(b.bytes, 12);
	bundle_close(&b);
}
END_TEST

START_TEST(test_find)
{
	struct bundle b;
	char buf[16] = "";
	off_t off = -1;
	size_t len = 0;

	sample(&b);
	ck_assert_int_eq(bundle_find(&b, "src/main.py", &off, &len), 0);
	ck_assert_uint_eq(len, 9);
	ck_assert_int_eq(pread(b.fd, buf, len, off), 9);
	ck_assert_str_eq(buf, "print(1)\n");
	ck_assert_int_eq(bundle_find(&b, "in.txt", &off, &len), 0);
	ck_assert_uint_eq(len, 3);
	ck_assert_int_eq(bundle_find(&b, "src", &off, &len), -ENOENT);	/* a dir */
	ck_assert_int_eq(bundle_find(&b, "main.py", &off, &len), -ENOENT);
	bundle_close(&b);
}
END_TEST

/* Unpacks @b into a fresh directory: its fd (the caller removes it). */
static int unpacked(struct bundle *b, char *dir, size_t n)
{
	int d = make_test_dir(dir, n, "bundle");

	ck_assert_int_eq(bundle_unpack(b->fd, d), 0);
	return d;
}

START_TEST(test_hide_keeps_data_out_of_the_tree)
{
	struct bundle b;
	char dir[64], again[64], buf[16] = "";
	struct stat st;
	off_t off = -1;
	size_t len = 0;
	int d, d2;

	sample(&b);
	ck_assert_int_eq(bundle_hide(&b, "in.txt"), 0);
	ck_assert_int_eq(bundle_hide(&b, "in.txt"), 0);		/* twice: still hidden */
	ck_assert_int_eq(bundle_hide(&b, "src"), -ENOENT);	/* a directory */
	ck_assert_int_eq(bundle_hide(&b, "nothere"), -ENOENT);
	ck_assert_int_eq(bundle_seal(&b), 0);
	/* The parent still reads it (the expected output it compares with). */
	ck_assert_int_eq(bundle_find(&b, "in.txt", &off, &len), 0);
	ck_assert_int_eq(pread(b.fd, buf, len, off), 3);
	ck_assert_str_eq(buf, "42\n");
	d = unpacked(&b, dir, sizeof(dir));
	ck_assert_int_eq(fstatat(d, "src/main.py", &st, AT_SYMLINK_NOFOLLOW), 0);
	ck_assert_int_eq(st.st_size, 9);
	ck_assert_int_eq(fstatat(d, "in.txt", &st, AT_SYMLINK_NOFOLLOW), -1);
	ck_assert_int_eq(errno, ENOENT);
	/* The offset is at the end now; a second unpack starts over. */
	d2 = unpacked(&b, again, sizeof(again));
	ck_assert_int_eq(fstatat(d2, "src/main.py", &st, AT_SYMLINK_NOFOLLOW), 0);
	ck_assert_int_eq(st.st_size, 9);
	ck_assert_int_eq(fstatat(d2, "in.txt", &st, AT_SYMLINK_NOFOLLOW), -1);
	close(d);
	close(d2);
	rm_tree_at(AT_FDCWD, dir);
	rm_tree_at(AT_FDCWD, again);
	bundle_close(&b);
}
END_TEST

/* A path written twice (an archive's extractor is as hostile as the
 * archive): hiding it hides both records, so neither is unpacked. */
START_TEST(test_hide_hides_every_record)
{
	struct bundle b;
	struct stat st;
	char dir[64];
	int d;

	sample(&b);
	ck_assert_int_eq(bundle_add_data(&b, "in.txt", "43\n", 3, 0644), 0);
	ck_assert_int_eq(bundle_hide(&b, "in.txt"), 0);
	ck_assert_int_eq(bundle_seal(&b), 0);
	d = unpacked(&b, dir, sizeof(dir));
	ck_assert_int_eq(fstatat(d, "in.txt", &st, AT_SYMLINK_NOFOLLOW), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(fstatat(d, "src/main.py", &st, AT_SYMLINK_NOFOLLOW), 0);
	close(d);
	rm_tree_at(AT_FDCWD, dir);
	bundle_close(&b);
}
END_TEST

/* bundle_add_at(): a range of another bundle's file (a checker's copy of
 * a job's files), the source's offset untouched; a short source fails. */
START_TEST(test_add_at_copies_a_range)
{
	struct bundle src, dst;
	char buf[16] = "";
	off_t off = -1, at = -1;
	size_t len = 0;

	sample(&src);
	ck_assert_int_eq(bundle_find(&src, "src/main.py", &at, &len), 0);
	ck_assert_int_eq(lseek(src.fd, 5, SEEK_SET), 5);
	ck_assert_int_eq(bundle_new(&dst, 1 << 20, 16), 0);
	ck_assert_int_eq(bundle_add_at(&dst, "copy.py", src.fd, at + 6, 3, 0644), 0);
	ck_assert_int_eq(lseek(src.fd, 0, SEEK_CUR), 5);
	ck_assert_int_eq(bundle_find(&dst, "copy.py", &off, &len), 0);
	ck_assert_uint_eq(len, 3);
	ck_assert_int_eq(pread(dst.fd, buf, len, off), 3);
	ck_assert_str_eq(buf, "1)\n");
	ck_assert_int_eq(bundle_add_at(&dst, "past.py", src.fd, 1 << 16, 3, 0644), -EIO);
	bundle_close(&src);
	bundle_close(&dst);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bundle");
	TCase *tc = tcase_create("bundle");

	tcase_add_test(tc, test_adopt_refuses_garbage_and_keeps_no_fd);
	tcase_add_test(tc, test_adopt_refuses_over_the_caps);
	tcase_add_test(tc, test_adopt_refuses_a_path_twice);
	tcase_add_test(tc, test_find);
	tcase_add_test(tc, test_hide_keeps_data_out_of_the_tree);
	tcase_add_test(tc, test_add_at_copies_a_range);
	tcase_add_test(tc, test_hide_hides_every_record);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
