/*
 * test_fsutil.c - descriptor-relative file helpers (fsutil.c) on real
 * files in a fresh directory under /tmp: input checks on the fd, openat2
 * confinement, bounded reads, and atomic replacement that never writes
 * through a link planted at the destination.
 *
 * Runs as root (chown to a test uid, a private tmpfs mount for ENOSPC);
 * each test is a forked child, so the mount namespace it unshares dies
 * with it.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fsutil.h"
#include "testutil.h"

static char tdir[64];
static char mounted[128];	/* a tmpfs to detach before removing tdir */
static int dfd = -1;

static void setup(void)
{
	dfd = make_test_dir(tdir, sizeof(tdir), "fsutil");
}

static void teardown(void)
{
	close(dfd);
	if (mounted[0] != '\0')
		umount2(mounted, MNT_DETACH);
	rm_tree_at(AT_FDCWD, tdir);
}

static const char *get_file(int dir, const char *name)
{
	static char buf[4096];
	int fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	n = read(fd, buf, sizeof(buf) - 1);
	ck_assert_int_ge(n, 0);
	buf[n] = '\0';
	close(fd);
	return buf;
}

START_TEST(test_open_input_regular)
{
	struct stat st;
	char buf[16];
	int fd;

	put_file(dfd, "a.py", "print(1)\n");
	fd = open_input(dfd, "a.py", 1 << 20, &st);
	ck_assert_int_ge(fd, 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(st.st_size, 9);
	ck_assert_int_eq(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	ck_assert_int_eq(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	ck_assert_int_eq(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDONLY);
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), 9);
	close(fd);
	/* Exactly at the cap is fine; one byte over is not. */
	fd = open_input(dfd, "a.py", 9, &st);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(open_input(dfd, "a.py", 8, &st), -EFBIG);
	ck_assert_int_eq(open_input(dfd, "missing.py", 100, &st), -ENOENT);
}
END_TEST

START_TEST(test_open_input_refuses)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int s;

	put_file(dfd, "secret", "canary\n");
	ck_assert_int_eq(symlinkat("secret", dfd, "link.py"), 0);
	ck_assert_int_eq(symlinkat("/etc/passwd", dfd, "abs.py"), 0);
	ck_assert_int_eq(symlinkat(".", dfd, "dirlink.py"), 0);
	ck_assert_int_eq(open_input(dfd, "link.py", 100, &st), -ELOOP);
	ck_assert_int_eq(open_input(dfd, "abs.py", 100, &st), -ELOOP);
	ck_assert_int_eq(open_input(dfd, "dirlink.py", 100, &st), -ELOOP);

	ck_assert_int_eq(mkdirat(dfd, "dir.py", 0755), 0);
	ck_assert_int_eq(open_input(dfd, "dir.py", 100, &st), -EINVAL);

	/* A FIFO with no writer: must return at once (Check's timer catches a hang). */
	ck_assert_int_eq(mkfifoat(dfd, "fifo.py", 0644), 0);
	ck_assert_int_eq(open_input(dfd, "fifo.py", 100, &st), -EINVAL);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sock.sh", tdir);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(s, 0);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(open_input(dfd, "sock.sh", 100, &st), -EINVAL);
	close(s);

	/* Another user's file linked into the folder. */
	ck_assert_int_eq(linkat(dfd, "secret", dfd, "hard.py", 0), 0);
	ck_assert_int_eq(open_input(dfd, "hard.py", 100, &st), -EMLINK);
	ck_assert_int_eq(open_input(dfd, "secret", 100, &st), -EMLINK);
}
END_TEST

/* 0, or the line of the first check that failed (may run in a grandchild). */
#define EXPECT(c)	do { if (!(c)) return __LINE__; } while (0)

static int fd_ok(int fd)
{
	int ok = fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC);

	if (fd >= 0)
		close(fd);
	return ok;
}

/* @dotdot_inside: whether "sub/../sub/f" is allowed (openat2) or not (walk). */
static int beneath_checks(bool dotdot_inside)
{
	struct stat st;
	int sub;

	EXPECT(mkdirat(dfd, "sub", 0755) == 0 && mkdirat(dfd, "outside", 0755) == 0);
	EXPECT(mkdirat(dfd, "sub/deeper", 0755) == 0);
	put_file(dfd, "sub/f", "inside\n");
	put_file(dfd, "sub/deeper/g", "deep\n");
	put_file(dfd, "outside/x", "canary\n");
	EXPECT(fd_ok(open_beneath(dfd, "sub/f", O_RDONLY, 0)));
	EXPECT(fd_ok(open_beneath(dfd, "./sub//deeper/g", O_RDONLY, 0)));
	EXPECT(fd_ok(open_beneath(dfd, "sub/deeper/", O_RDONLY | O_DIRECTORY, 0)));
	EXPECT(fd_ok(open_beneath(dfd, "sub/deeper/g", O_PATH, 0)));
	EXPECT(fd_ok(open_beneath(dfd, "sub/../sub/f", O_RDONLY, 0)) == dotdot_inside);
	EXPECT(open_beneath(dfd, "sub/missing", O_RDONLY, 0) == -ENOENT);
	EXPECT(open_beneath(dfd, "sub/f/x", O_RDONLY, 0) == -ENOTDIR);
	EXPECT(open_beneath(dfd, "", O_RDONLY, 0) == -ENOENT);

	sub = open_beneath(dfd, "sub", O_RDONLY | O_DIRECTORY, 0);
	EXPECT(sub >= 0);
	EXPECT(open_beneath(sub, "../outside/x", O_RDONLY, 0) == -EXDEV);
	EXPECT(open_beneath(sub, "..", O_RDONLY, 0) == -EXDEV);
	EXPECT(open_beneath(sub, "deeper/../../outside/x", O_RDONLY, 0) == -EXDEV);
	EXPECT(open_beneath(sub, "/etc/passwd", O_RDONLY, 0) == -EXDEV);
	EXPECT(open_beneath(dfd, tdir, O_RDONLY, 0) == -EXDEV);
	EXPECT(open_beneath(sub, "/proc/self/root/etc/passwd", O_RDONLY, 0) == -EXDEV);

	/* Symlinks anywhere in the path, even ones that stay inside. */
	EXPECT(symlinkat("f", sub, "samedir") == 0);
	EXPECT(symlinkat("../outside", sub, "up") == 0);
	EXPECT(symlinkat("sub", dfd, "lnk") == 0);
	EXPECT(symlinkat("nowhere", sub, "dangling") == 0);
	EXPECT(open_beneath(sub, "samedir", O_RDONLY, 0) == -ELOOP);
	EXPECT(open_beneath(sub, "samedir", O_PATH, 0) == -ELOOP);
	EXPECT(open_beneath(sub, "up/x", O_RDONLY, 0) == -ELOOP);
	EXPECT(open_beneath(dfd, "lnk/f", O_RDONLY, 0) == -ELOOP);
	EXPECT(open_beneath(sub, "dangling", O_WRONLY | O_CREAT, 0644) == -ELOOP);
	EXPECT(faccessat(sub, "nowhere", F_OK, AT_SYMLINK_NOFOLLOW) == -1);

	/* Creating: mode applied, the new file is where it should be. */
	EXPECT(fd_ok(open_beneath(sub, "deeper/new", O_WRONLY | O_CREAT | O_EXCL, 0600)));
	EXPECT(fstatat(dfd, "sub/deeper/new", &st, AT_SYMLINK_NOFOLLOW) == 0);
	EXPECT((st.st_mode & 0777) == 0600);
	EXPECT(strcmp(get_file(dfd, "outside/x"), "canary\n") == 0);
	close(sub);
	return 0;
}

/* Whether this process can call openat2 (valgrind 3.19 cannot). */
static bool have_openat2(void)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC };
	int fd = (int)syscall(SYS_openat2, AT_FDCWD, ".", &how, sizeof(how));

	if (fd >= 0)
		close(fd);
	return !(fd < 0 && errno == ENOSYS);
}

/* Waits (2 s at most) until @pid sleeps in openat(2). */
static bool blocked_in_openat(pid_t pid)
{
	char path[64], buf[64], want[16];
	int wl = snprintf(want, sizeof(want), "%d ", (int)SYS_openat);

	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
	for (int i = 0; i < 2000; i++) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

		if (fd >= 0)
			close(fd);
		if (n > wl && !strncmp(buf, want, (size_t)wl))
			return true;
		usleep(1000);
	}
	return false;
}

/*
 * A FIFO with a job's name is looked at, never opened: a writer blocked in
 * open() would be released by an open for reading, so it must still be
 * blocked afterwards.
 */
START_TEST(test_open_input_never_opens_fifo)
{
	struct stat st;
	int status, p[2];
	pid_t w;

	ck_assert_int_eq(mkfifoat(dfd, "job.py", 0666), 0);
	ck_assert_int_eq(pipe(p), 0);
	w = fork();
	if (w == 0) {
		int fd = openat(dfd, "job.py", O_WRONLY);	/* blocks until a reader */
		char c = 'x';

		if (fd >= 0 && write(p[1], &c, 1) != 1)
			_exit(2);
		_exit(0);
	}
	close(p[1]);
	ck_assert(blocked_in_openat(w));
	ck_assert_int_eq(open_input(dfd, "job.py", -1, &st), -EINVAL);
	struct pollfd pfd = { .fd = p[0], .events = POLLIN };
	ck_assert_int_eq(poll(&pfd, 1, 300), 0);	/* the writer still waits */
	kill(w, SIGKILL);
	ck_assert_int_eq(waitpid(w, &status, 0), w);
	close(p[0]);
}
END_TEST

START_TEST(test_open_beneath)
{
	int line = beneath_checks(have_openat2());

	ck_assert_msg(line == 0, "check at line %d failed", line);
}
END_TEST

/*
 * Where openat2 answers ENOSYS (valgrind 3.19, old seccomp profiles), the
 * component walk must confine just as well.  The filter goes into a
 * grandchild so it cannot leak into other tests even without fork mode.
 */
static int checks_without_openat2(void)
{
	scmp_filter_ctx ctx;
	int r;

	if (have_openat2()) {
		ctx = seccomp_init(SCMP_ACT_ALLOW);
		if (ctx == NULL)
			return __LINE__;
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(openat2), 0);
		if (r == 0)
			r = seccomp_load(ctx);
		seccomp_release(ctx);
		if (r < 0 || have_openat2())
			return __LINE__;
	}
	return beneath_checks(false);
}

START_TEST(test_open_beneath_without_openat2)
{
	int p[2], line = -1, status;
	pid_t pid;

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		line = checks_without_openat2();
		_exit(write(p[1], &line, sizeof(line)) == sizeof(line) ? 0 : 3);
	}
	close(p[1]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
	ck_assert_int_eq(read(p[0], &line, sizeof(line)), sizeof(line));
	ck_assert_msg(line == 0, "check at line %d failed", line);
	close(p[0]);
}
END_TEST

START_TEST(test_read_fd_all)
{
	static char big[100000];
	size_t len;
	char *buf;
	int fd;

	memset(big, 'q', sizeof(big));
	fd = openat(dfd, "big", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write_all(fd, big, sizeof(big)), 0);

	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	ck_assert_int_eq(read_fd_all(fd, sizeof(big), &buf, &len), 0);
	ck_assert_int_eq(len, sizeof(big));
	ck_assert_mem_eq(buf, big, sizeof(big));
	ck_assert_int_eq(buf[len], '\0');
	free(buf);

	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	buf = NULL;
	ck_assert_int_eq(read_fd_all(fd, sizeof(big) - 1, &buf, &len), -EFBIG);
	ck_assert_ptr_null(buf);
	close(fd);

	put_file(dfd, "empty", "");
	fd = openat(dfd, "empty", O_RDONLY | O_CLOEXEC);
	ck_assert_int_eq(read_fd_all(fd, 10, &buf, &len), 0);
	ck_assert_int_eq(len, 0);
	ck_assert_ptr_nonnull(buf);
	ck_assert_str_eq(buf, "");
	free(buf);
	close(fd);
	ck_assert_int_eq(read_fd_all(fd, 10, &buf, &len), -EBADF);
}
END_TEST

START_TEST(test_write_all_errors)
{
	int p[2];

	ck_assert_int_eq(signal(SIGPIPE, SIG_IGN) == SIG_ERR, 0);
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	close(p[0]);
	ck_assert_int_eq(write_all(p[1], "x", 1), -EPIPE);
	close(p[1]);
	ck_assert_int_eq(write_all(p[1], "x", 1), -EBADF);
	ck_assert_int_eq(write_all(p[1], "", 0), 0);	/* nothing to write */
}
END_TEST

/* atomic_write_at() with its options spelled out. */
static int aw(int dirfd, const char *name, const char *buf, size_t len, mode_t mode,
	      uid_t uid, gid_t gid, bool do_fsync)
{
	struct write_opts o = { .mode = mode, .uid = uid, .gid = gid, .fsync = do_fsync };

	return atomic_write_at(dirfd, name, buf, len, &o);
}

START_TEST(test_atomic_write_basic)
{
	struct stat st;

	ck_assert_int_eq(aw(dfd, "r.json", "one", 3, 0640,
					 (uid_t)-1, (gid_t)-1, true), 0);
	ck_assert_str_eq(get_file(dfd, "r.json"), "one");
	ck_assert_int_eq(fstatat(dfd, "r.json", &st, AT_SYMLINK_NOFOLLOW), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(st.st_mode & 07777, 0640);
	ck_assert_int_eq(st.st_uid, getuid());

	/* Replaced, owned by the given user, set-id bits never set. */
	ck_assert_int_eq(aw(dfd, "r.json", "two!", 4, 04755,
					 12345, 12346, false), 0);
	ck_assert_str_eq(get_file(dfd, "r.json"), "two!");
	ck_assert_int_eq(fstatat(dfd, "r.json", &st, AT_SYMLINK_NOFOLLOW), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0755);
	ck_assert_int_eq(st.st_uid, 12345);
	ck_assert_int_eq(st.st_gid, 12346);
	ck_assert_int_eq(st.st_nlink, 1);
	ck_assert_str_eq(listing(dfd), "r.json");	/* no temporary left */
}
END_TEST

START_TEST(test_atomic_write_links_untouched)
{
	struct stat st, cst;

	put_file(dfd, "canary", "canary\n");
	ck_assert_int_eq(fchmodat(dfd, "canary", 0600, 0), 0);
	ck_assert_int_eq(symlinkat("canary", dfd, "sym.json"), 0);
	ck_assert_int_eq(linkat(dfd, "canary", dfd, "hard.json", 0), 0);

	ck_assert_int_eq(aw(dfd, "sym.json", "new", 3, 0644,
					 12345, 12345, false), 0);
	ck_assert_int_eq(aw(dfd, "hard.json", "new", 3, 0644,
					 12345, 12345, false), 0);

	ck_assert_str_eq(get_file(dfd, "canary"), "canary\n");
	ck_assert_int_eq(fstatat(dfd, "canary", &cst, AT_SYMLINK_NOFOLLOW), 0);
	ck_assert_int_eq(cst.st_nlink, 1);
	ck_assert_int_eq(cst.st_uid, 0);
	ck_assert_int_eq(cst.st_mode & 07777, 0600);
	ck_assert_int_eq(fstatat(dfd, "sym.json", &st, AT_SYMLINK_NOFOLLOW), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(st.st_nlink, 1);
	ck_assert_str_eq(get_file(dfd, "sym.json"), "new");
	ck_assert_int_eq(fstatat(dfd, "hard.json", &st, AT_SYMLINK_NOFOLLOW), 0);
	ck_assert(st.st_ino != cst.st_ino);
	ck_assert_str_eq(listing(dfd), "canary,hard.json,sym.json");
}
END_TEST

START_TEST(test_atomic_write_refuses)
{
	char longname[300];

	/* A directory at the name is left alone, and the temporary removed. */
	ck_assert_int_eq(mkdirat(dfd, "d.json", 0755), 0);
	put_file(dfd, "d.json/keep", "k");
	ck_assert_int_eq(aw(dfd, "d.json", "x", 1, 0644,
					 (uid_t)-1, (gid_t)-1, false), -EISDIR);
	ck_assert_str_eq(get_file(dfd, "d.json/keep"), "k");
	ck_assert_str_eq(listing(dfd), "d.json");

	ck_assert_int_eq(aw(dfd, "", "x", 1, 0644, -1, -1, false), -EINVAL);
	ck_assert_int_eq(aw(dfd, "a/b", "x", 1, 0644, -1, -1, false), -EINVAL);
	ck_assert_int_eq(aw(dfd, "..", "x", 1, 0644, -1, -1, false), -EINVAL);
	memset(longname, 'n', 256);
	longname[256] = '\0';
	ck_assert_int_eq(aw(dfd, longname, "x", 1, 0644, -1, -1, false),
			 -ENAMETOOLONG);
	longname[255] = '\0';
	ck_assert_int_eq(aw(dfd, longname, "x", 1, 0644, -1, -1, false), 0);
	ck_assert_int_eq(unlinkat(dfd, longname, 0), 0);
	ck_assert_str_eq(listing(dfd), "d.json");
}
END_TEST

START_TEST(test_atomic_write_enospc_cleans_up)
{
	static char big[1 << 20];
	int small = tiny_tmpfs(tdir, "small", mounted, sizeof(mounted));

	ck_assert(fd_on_tmpfs(small));
	put_file(small, "old.json", "old");
	ck_assert_int_eq(aw(small, "old.json", big, sizeof(big), 0644,
					 (uid_t)-1, (gid_t)-1, true), -ENOSPC);
	ck_assert_str_eq(get_file(small, "old.json"), "old");	/* old one kept */
	ck_assert_str_eq(listing(small), "old.json");
	close(small);
}
END_TEST

START_TEST(test_atomic_write_removed_dir)
{
	int gone;

	ck_assert_int_eq(mkdirat(dfd, "gone", 0755), 0);
	gone = openat(dfd, "gone", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(gone, 0);
	ck_assert_int_eq(unlinkat(dfd, "gone", AT_REMOVEDIR), 0);
	ck_assert_int_eq(aw(gone, "r.json", "x", 1, 0644, -1, -1, false),
			 -ENOENT);
	close(gone);
	ck_assert_str_eq(listing(dfd), "");
}
END_TEST

START_TEST(test_atomic_write_path_dirfd)
{
	int pfd = open(tdir, O_PATH | O_DIRECTORY | O_CLOEXEC);

	/* The drop folder is held as an O_PATH descriptor. */
	ck_assert_int_ge(pfd, 0);
	ck_assert_int_eq(aw(pfd, "p.json", "p", 1, 0644, -1, -1, true), 0);
	ck_assert_str_eq(get_file(dfd, "p.json"), "p");
	close(pfd);
}
END_TEST

START_TEST(test_read_long_file)
{
	char path[128];
	long v = 0;

	snprintf(path, sizeof(path), "%s/n", tdir);
	put_file(dfd, "n", "42\n");
	ck_assert_int_eq(read_long_file(path, 0, 100, &v), 0);
	ck_assert_int_eq(v, 42);
	ck_assert_int_eq(read_long_file(path, 0, 10, &v), -ERANGE);
	put_file(dfd, "n", "4x2\n");
	ck_assert_int_eq(read_long_file(path, 0, 100, &v), -EINVAL);
	put_file(dfd, "n", "\n");
	ck_assert_int_eq(read_long_file(path, 0, 100, &v), -EINVAL);
	snprintf(path, sizeof(path), "%s/missing", tdir);
	ck_assert_int_eq(read_long_file(path, 0, 100, &v), -ENOENT);
	ck_assert_int_eq(read_long_file("/proc/sys/kernel/cap_last_cap", 1, 63, &v), 0);
}
END_TEST

START_TEST(test_fd_on_tmpfs)
{
	int proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int t = tiny_tmpfs(tdir, "t", mounted, sizeof(mounted));

	ck_assert_int_ge(proc, 0);
	ck_assert(!fd_on_tmpfs(proc));
	ck_assert(fd_on_tmpfs(t));
	ck_assert(!fd_on_tmpfs(-1));
	close(proc);
	close(t);
}
END_TEST

/* pread_dup(): a range into a NUL-terminated copy; a file that ends
 * first is -EIO with nothing left allocated. */
START_TEST(test_pread_dup)
{
	int fd = memfd_create("t", MFD_CLOEXEC);
	char *buf = (char *)1;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "hello", 5), 5);
	ck_assert_int_eq(pread_dup(fd, 3, 1, &buf), 0);
	ck_assert_str_eq(buf, "ell");
	free(buf);
	ck_assert_int_eq(pread_dup(fd, 0, 5, &buf), 0);
	ck_assert_str_eq(buf, "");
	free(buf);
	ck_assert_int_eq(pread_dup(fd, 3, 4, &buf), -EIO);
	ck_assert_ptr_null(buf);
	close(fd);
}
END_TEST

static Suite *fsutil_suite(void)
{
	Suite *s = suite_create("fsutil");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_open_input_regular);
	tcase_add_test(tc, test_open_input_refuses);
	tcase_add_test(tc, test_open_input_never_opens_fifo);
	tcase_add_test(tc, test_open_beneath);
	tcase_add_test(tc, test_open_beneath_without_openat2);
	tcase_add_test(tc, test_read_fd_all);
	tcase_add_test(tc, test_write_all_errors);
	tcase_add_test(tc, test_atomic_write_basic);
	tcase_add_test(tc, test_atomic_write_links_untouched);
	tcase_add_test(tc, test_atomic_write_refuses);
	tcase_add_test(tc, test_atomic_write_enospc_cleans_up);
	tcase_add_test(tc, test_atomic_write_removed_dir);
	tcase_add_test(tc, test_atomic_write_path_dirfd);
	tcase_add_test(tc, test_read_long_file);
	tcase_add_test(tc, test_fd_on_tmpfs);
	tcase_add_test(tc, test_pread_dup);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(fsutil_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
