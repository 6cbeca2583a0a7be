/*
 * testutil.h - helpers the unit suites share: a temporary directory per
 * test and its removal.  Header-only: every suite is its own program.
 */
#ifndef CYLO_TESTUTIL_H
#define CYLO_TESTUTIL_H

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
