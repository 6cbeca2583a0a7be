/*
 * fsutil.h - descriptor-relative file helpers that never follow a link a
 * user could have planted.
 */
#ifndef CYLO_FSUTIL_H
#define CYLO_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/*
 * Opens regular file @name in @dirfd for reading, never following a link
 * and never opening anything else: O_PATH|O_NOFOLLOW and fstat first
 * (-ELOOP for a symlink, -EINVAL for a FIFO, device or socket), then the
 * checked inode through /proc/self/fd.  Returns the fd, @st filled.
 */
int open_regular(int dirfd, const char *name, struct stat *st);

/* open_regular(), and -EMLINK when st_nlink > 1, -EFBIG over @max_size
 * (< 0: no cap): an input of a drop folder. */
int open_input(int dirfd, const char *name, off_t max_size, struct stat *st);

/*
 * Whether any process has regular file @name in @dirfd open for writing:
 * 1 yes (or holds a write lease on it), 0 no, or -errno when it cannot
 * tell (a read lease, which the kernel refuses while the file is open for
 * writing, needs the file's owner or CAP_LEASE and a local filesystem).
 * Never follows a link, never blocks.
 */
int open_for_writing(int dirfd, const char *name);

/*
 * openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS), with
 * O_CLOEXEC added: -EXDEV for an absolute path or one leaving @dirfd, -ELOOP
 * for a symlink anywhere.  Where openat2 answers ENOSYS (valgrind 3.19),
 * walks the path component by component with O_NOFOLLOW and also refuses
 * ".." that would stay inside.  Returns the fd or -errno.
 */
int open_beneath(int dirfd, const char *path, int flags, mode_t mode);

/*
 * Reads all of @fd (at most @max bytes, else -EFBIG) into an owned buffer,
 * NUL-terminated (also when empty); *@len excludes the NUL.
 */
int read_fd_all(int fd, size_t max, char **buf, size_t *len);

/* pread() exactly @n bytes at @off, retrying on EINTR and short reads;
 * -EIO when the file ends first.  0 or -errno. */
int pread_all(int fd, void *buf, size_t n, off_t off);

/* The same into a new buffer of @n bytes and a NUL, owned in *@out (NULL
 * on failure).  0 or -errno. */
int pread_dup(int fd, size_t n, off_t off, char **out);

/* write() all of @buf, retrying on EINTR and short writes. */
int write_all(int fd, const void *buf, size_t n);

/* Why fchown failed with EPERM or EINVAL (write_opts.chown_refused). */
enum chown_refusal {
	CHOWN_DONE,
	CHOWN_REFUSED_OURS,	/* the file is ours (an unmapped owner, no CAP_CHOWN) */
	CHOWN_REFUSED_SQUASHED,	/* the file is another id's: root squashed (NFS) */
};

struct write_opts {
	mode_t mode;
	uid_t uid;		/* owner, or (uid_t)-1 to keep ours */
	gid_t gid;
	bool fsync;
	enum chown_refusal *chown_refused;	/* or NULL: set when refused */
};

/*
 * Atomically replaces @name in @dirfd with @len bytes of @buf: a hidden
 * O_CREAT|O_EXCL|O_NOFOLLOW temporary, write, fchown (if uid != -1),
 * fchmod, optional fsync, close (checked), renameat.  0 or -errno.
 */
int atomic_write_at(int dirfd, const char *name, const void *buf, size_t len,
		    const struct write_opts *o);

/*
 * Reads the first @n - 1 bytes of a small file such as a /proc or /sys
 * entry into @buf, without its trailing newlines and spaces.  0 or -errno.
 * Plain syscalls only.
 */
int read_line_file(const char *path, char *buf, size_t n);

/*
 * Reads a number from a small file such as a /proc or /sys entry (one
 * line), checked with parse_long against [@min, @max].  0 or -errno.
 */
int read_long_file(const char *path, long min, long max, long *out);

/* Whether the filesystem of @fd is tmpfs/ramfs (fsync buys nothing). */
bool fd_on_tmpfs(int fd);

#endif
