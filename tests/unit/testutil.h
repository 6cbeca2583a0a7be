/*
 * testutil.h - helpers the unit suites share: a temporary directory per
 * test and its removal, small files, a tiny tmpfs.  Header-only: every
 * suite is its own program.
 */
#ifndef CYLO_TESTUTIL_H
#define CYLO_TESTUTIL_H

#include <check.h>
#include <dirent.h>
#include <stdbool.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

/* Removes @name below @parent, never following a link. */
static inline void rm_tree_at(int parent, const char *name)
{
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct dirent *e;
	DIR *d;

	if (fd < 0) {
		unlinkat(parent, name, 0);
		return;
	}
	d = fdopendir(fd);
	while (d != NULL && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (e->d_type == DT_DIR)
			rm_tree_at(dirfd(d), e->d_name);
		else
			unlinkat(dirfd(d), e->d_name, 0);
	}
	if (d != NULL)
		closedir(d);
	unlinkat(parent, name, AT_REMOVEDIR);
}

/* Writes @text to @name below @dir, created or truncated. */
static inline void put_file(int dir, const char *name, const char *text)
{
	int fd = openat(dir, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ck_assert_int_eq(close(fd), 0);
}

/*
 * A 4 KiB tmpfs on @top/@sub, in a mount namespace of this test only (Check
 * forks each test); its path goes to @mounted, for the teardown to detach.
 * Returns an fd of it.
 */
static inline int tiny_tmpfs(const char *top, const char *sub, char *mounted, size_t n)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", top, sub);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	ck_assert_int_eq(unshare(CLONE_NEWNS), 0);
	ck_assert_int_eq(mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL), 0);
	ck_assert_int_eq(mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV,
			       "size=4k,mode=0755"), 0);
	snprintf(mounted, n, "%s", path);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	return fd;
}

static inline int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in @dir, sorted, joined with ','. */
static inline const char *listing(int dir)
{
	static char out[4096];
	char *names[64];
	size_t n = 0, i;
	struct dirent *e;
	DIR *d = fdopendir(openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL && n < 64)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_str);
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		if (i > 0)
			strncat(out, ",", sizeof(out) - strlen(out) - 1);
		strncat(out, names[i], sizeof(out) - strlen(out) - 1);
		free(names[i]);
	}
	return out;
}

/* Runs suite @s: the exit status of the suite's program. */
static inline int run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/*
 * A suite that needs root says so and returns true without root: its
 * program then exits 77, with no Check summary, which the run counts as
 * failed, not passed.
 */
static inline bool lacks_root(const char *suite, const char *why)
{
	if (geteuid() == 0)
		return false;
	printf("SKIP: %s needs root (%s)\n", suite, why);
	return true;
}

/* An fd of this process's namespace @kind ("net", "mnt"), to setns() home. */
static inline int own_ns_fd(const char *kind)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/self/ns/%s", kind);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "cannot open %s", path);
	return fd;
}

/*
 * The inode of the calling thread's namespace @kind, looked up in @proc,
 * the host's /proc opened beforehand: a mount namespace the thread has
 * entered may have another procfs at /proc.
 */
static inline ino_t thread_ns(int proc, const char *kind)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "thread-self/ns/%s", kind);
	ck_assert_int_eq(fstatat(proc, path, &st, 0), 0);
	return st.st_ino;
}

/* mkdtemp of /tmp/cylo-test-@what-XXXXXX into @buf; returns its dirfd. */
static inline int make_test_dir(char *buf, size_t n, const char *what)
{
	int fd;

	snprintf(buf, n, "/tmp/cylo-test-%s-XXXXXX", what);
	ck_assert_ptr_nonnull(mkdtemp(buf));
	fd = open(buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	return fd;
}

#endif
