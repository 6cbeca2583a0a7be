/*
 * fsutil.c - file access inside directories other users can write (the
 * drop folder, a job's workspace).
 *
 * Every operation is relative to a directory fd and never follows a link
 * a user could plant: final components are opened with O_NOFOLLOW, longer
 * paths with openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS), and files are
 * judged by fstat() on the opened fd, never by a stat() of the name.
 * Results are published with a fresh O_EXCL temporary and rename(), so an
 * existing file (or whatever a link at the name points to) is never opened
 * for writing.  Nothing here logs; every function is thread-safe.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fsutil.h"
#include "util.h"

/*
 * The checked inode itself, opened for reading (plus @flags) through its
 * O_PATH fd's /proc magic link: nothing can swap the name in between.
 */
static int reopen_checked(int pfd, const struct stat *st, int flags)
{
	char path[64];
	struct stat st2;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", pfd);
	fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC | flags);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st2) < 0 || st2.st_ino != st->st_ino || st2.st_dev != st->st_dev) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}

/* open_regular(), with @flags added to the read open and, when
 * @input, open_input()'s checks made before it: a file refused is never
 * opened for reading. */
static int open_regular_flags(int dirfd, const char *name, struct stat *st, int flags,
			      bool input, off_t max_size)
{
	int pfd, fd;

	/*
	 * O_PATH first: a FIFO, a device or a socket with a job's name is
	 * looked at, never opened (opening a device can have effects); with
	 * O_NOFOLLOW a symlink is the link itself, refused below.
	 */
	pfd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (pfd < 0)
		return -errno;
	if (fstat(pfd, st) < 0)
		fd = -errno;
	else if (S_ISLNK(st->st_mode))
		fd = -ELOOP;
	else if (!S_ISREG(st->st_mode))
		fd = -EINVAL;
	/* A second name may be another user's file linked into the folder. */
	else if (input && st->st_nlink > 1)
		fd = -EMLINK;
	else if (input && max_size >= 0 && st->st_size > max_size)
		fd = -EFBIG;
	else
		fd = reopen_checked(pfd, st, flags);
	close(pfd);
	return fd;
}

int open_regular(int dirfd, const char *name, struct stat *st)
{
	return open_regular_flags(dirfd, name, st, 0, false, -1);
}

int open_input(int dirfd, const char *name, off_t max_size, struct stat *st)
{
	return open_regular_flags(dirfd, name, st, 0, true, max_size);
}

int open_for_writing(int dirfd, const char *name)
{
	struct stat st;
	int fd, r;

	/* O_NONBLOCK: a blocking open would wait out another process's write
	 * lease (up to lease-break-time, 45 s by default), and the watcher
	 * serves every folder.  A lease held is a writer for us. */
	fd = open_regular_flags(dirfd, name, &st, O_NONBLOCK, false, -1);
	if (fd == -EWOULDBLOCK)
		return 1;
	if (fd < 0)
		return fd;
	/* Refused (EAGAIN) while any process has the file open for writing. */
	if (fcntl(fd, F_SETLEASE, F_RDLCK) == 0)
		r = fcntl(fd, F_SETLEASE, F_UNLCK) == 0 ? 0 : -errno;
	else
		r = errno == EAGAIN ? 1 : -errno;
	close(fd);
	return r;
}

/*
 * An intermediate component, as a directory; a symlink there is ELOOP, as
 * openat2(RESOLVE_NO_SYMLINKS) says.
 */
static int walk_dir(int cur, const char *comp)
{
	struct stat st;
	int fd = openat(cur, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	if (errno == ENOTDIR && fstatat(cur, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode))
		return -ELOOP;
	return -errno;
}

/* The last component; with O_PATH, O_NOFOLLOW would open a symlink itself. */
static int walk_final(int cur, const char *comp, int flags, mode_t mode)
{
	struct stat st;
	int fd = openat(cur, comp[0] != '\0' ? comp : ".",
			flags | O_NOFOLLOW | O_CLOEXEC, mode);

	if (fd < 0)
		return -errno;
	if ((flags & O_PATH) && (fstat(fd, &st) < 0 || S_ISLNK(st.st_mode))) {
		close(fd);
		return -ELOOP;
	}
	return fd;
}

/*
 * COMPAT(valgrind < 3.20; seccomp profiles older than Linux 5.6): openat2
 * answers ENOSYS.  The same confinement by walking the path one component
 * at a time with O_NOFOLLOW, stricter in one way: ".." is refused even
 * where it would stay beneath @dirfd.
 */
static int open_walk(int dirfd, const char *path, int flags, mode_t mode)
{
	char comp[NAME_MAX + 1];
	const char *p = path, *slash;
	int cur = dirfd, r;
	size_t len;

	if (*p == '/')
		return -EXDEV;
	for (;;) {
		slash = strchr(p, '/');
		len = slash != NULL ? (size_t)(slash - p) : strlen(p);
		r = -ENAMETOOLONG;
		if (len > NAME_MAX)
			goto out;
		memcpy(comp, p, len);
		comp[len] = '\0';
		r = -EXDEV;
		if (strcmp(comp, "..") == 0)
			goto out;
		if (slash == NULL)
			break;
		p = slash + 1;
		if (len == 0 || strcmp(comp, ".") == 0)
			continue;
		r = walk_dir(cur, comp);
		if (r < 0)
			goto out;
		if (cur != dirfd)
			close(cur);
		cur = r;
	}
	r = walk_final(cur, comp, flags, mode);
out:
	if (cur != dirfd)
		close(cur);
	return r;
}

int open_beneath(int dirfd, const char *path, int flags, mode_t mode)
{
	struct open_how how;
	int tries, fd;

	if (*path == '\0')
		return -ENOENT;
	memset(&how, 0, sizeof(how));
	how.flags = (unsigned int)(flags | O_CLOEXEC);
	/* openat2 refuses a mode without O_CREAT/O_TMPFILE (EINVAL). */
	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE)
		how.mode = mode;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
		      RESOLVE_NO_MAGICLINKS;
	/*
	 * EAGAIN: a concurrent rename or mount moved something while ".." was
	 * being resolved; the kernel asks the caller to retry.
	 */
	for (tries = 0; tries < 8; tries++) {
		fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
		if (fd >= 0)
			return fd;
		if (errno == ENOSYS)
			return open_walk(dirfd, path, flags, (mode_t)how.mode);
		if (errno != EAGAIN && errno != EINTR)
			break;
	}
	return -errno;
}

int read_fd_all(int fd, size_t max, char **buf, size_t *len)
{
	struct dynbuf b;
	char chunk[16384];
	ssize_t n;
	int r = 0;

	dynbuf_init(&b, max);
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			goto out;
		}
		if (n == 0)
			break;
		r = dynbuf_add(&b, chunk, (size_t)n);
		if (r == 0 && b.truncated)
			r = -EFBIG;
		if (r < 0)
			goto out;
	}
	*buf = dynbuf_take(&b, len);
	/* Callers get a NUL-terminated buffer even for an empty file. */
	if (*buf == NULL) {
		*buf = calloc(1, 1);
		if (*buf == NULL)
			return -ENOMEM;
	}
	return 0;
out:
	dynbuf_free(&b);
	return r;
}

int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		if (w == 0)
			return -EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int pread_dup(int fd, size_t n, off_t off, char **out)
{
	int e;

	if (!(*out = malloc(n + 1)))
		return -ENOMEM;
	if ((e = pread_all(fd, *out, n, off)) < 0) {
		free(*out);
		*out = NULL;
		return e;
	}
	(*out)[n] = '\0';
	return 0;
}

int pread_all(int fd, void *buf, size_t n, off_t off)
{
	char *p = buf;
	ssize_t r;

	while (n > 0) {
		r = pread(fd, p, n, off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EIO;	/* the file is shorter than promised */
		p += r;
		off += r;
		n -= (size_t)r;
	}
	return 0;
}

/* One final name component: not empty, not "." or "..", no '/'. */
static int check_name(const char *name)
{
	if (name[0] == '\0' || strchr(name, '/') != NULL ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return -EINVAL;
	if (strlen(name) > NAME_MAX)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * Creates a hidden, unique temporary in @dirfd: pid + counter + random, so
 * neither another thread nor another cylo on an NFS client picks the same
 * name, and O_EXCL|O_NOFOLLOW, so nothing planted under it is ever opened.
 */
static int create_temp(int dirfd, char *tmp, size_t n)
{
	static atomic_uint counter;
	int tries, fd;

	for (tries = 0; tries < 16; tries++) {
		snprintf(tmp, n, ".cylo.%d.%u.%016jx.tmp", (int)getpid(),
			 atomic_fetch_add(&counter, 1), (uintmax_t)random_u64());
		fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
			    O_NOCTTY | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			return fd >= 0 ? fd : -errno;
	}
	return -EEXIST;
}

static int fill_temp(int fd, const void *buf, size_t len, const struct write_opts *o)
{
	int r = write_all(fd, buf, len);

	if (r < 0)
		return r;
	if (o->uid != (uid_t)-1 && fchown(fd, o->uid, o->gid) < 0) {
		struct stat st;

		r = -errno;
		if (o->chown_refused && (r == -EPERM || r == -EINVAL))
			*o->chown_refused = fstat(fd, &st) == 0 && st.st_uid == geteuid()
					    ? CHOWN_REFUSED_OURS : CHOWN_REFUSED_SQUASHED;
		return r;
	}
	/* After fchown, which may clear bits; never set-id or sticky bits. */
	if (fchmod(fd, o->mode & 0777) < 0)
		return -errno;
	if (o->fsync && fsync(fd) < 0)
		return -errno;
	return 0;
}

int atomic_write_at(int dirfd, const char *name, const void *buf, size_t len,
		    const struct write_opts *o)
{
	char tmp[64];
	int fd, r;

	r = check_name(name);
	if (r < 0)
		return r;
	fd = create_temp(dirfd, tmp, sizeof(tmp));
	if (fd < 0)
		return fd;
	r = fill_temp(fd, buf, len, o);
	/* close() reports delayed write errors (NFS): a failure fails the write. */
	if (close(fd) < 0 && r == 0)
		r = -errno;
	/*
	 * rename() replaces a file, symlink or hardlink at @name without
	 * touching what it points to; over a directory it fails (EISDIR) and
	 * leaves it alone.
	 */
	if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
		r = -errno;
	/*
	 * The first error is the one to report; should the unlink fail too,
	 * the leftover is hidden and ends in ".tmp", which scans ignore.
	 */
	if (r < 0)
		(void)unlinkat(dirfd, tmp, 0);
	return r;
}

bool fd_on_tmpfs(int fd)
{
	struct statfs sf;

	if (fstatfs(fd, &sf) < 0)
		return false;
	return sf.f_type == TMPFS_MAGIC || sf.f_type == RAMFS_MAGIC;
}

int read_line_file(const char *path, char *buf, size_t n)
{
	ssize_t got;
	int fd, e;

	if (n < 1)
		return -EINVAL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	got = read(fd, buf, n - 1);
	e = got < 0 ? -errno : 0;	/* before close() may change errno */
	close(fd);
	if (e < 0)
		return e;
	while (got > 0 && (buf[got - 1] == '\n' || buf[got - 1] == ' '))
		got--;
	buf[got] = '\0';
	return 0;
}

int read_long_file(const char *path, long min, long max, long *out)
{
	char buf[64];
	int e = read_line_file(path, buf, sizeof(buf));

	return e < 0 ? e : parse_long(buf, min, max, out);
}
