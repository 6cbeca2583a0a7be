/*
 * test_landlock.c - the Landlock layer (sandbox_landlock.c): the ABI
 * masks, and rulesets applied for real in forked children.
 *
 * The applied cases run in a helper, this binary run again as "--probe
 * MODE": it runs natively under `make valgrind` (valgrind does not follow
 * exec by default, and 3.19 knows no Landlock syscall) and leaves the test
 * process unrestricted in CK_FORK=no mode.  The helper does each probe
 * once without Landlock (so the probe is known to work), then forks a
 * child that restricts itself and does them again; it cleans up and sends
 * every errno back, and the test asserts.  This kernel has ABI 7: the TCP
 * (ABI 4), device ioctl (ABI 5) and scope (ABI 6) probes run whenever the
 * kernel has the ABI, and the ABI in use is printed.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "compat.h"
#include "sandbox_landlock.h"

static const struct {
	int abi;
	uint64_t handled, ro, rw, dev, net, scoped;
} abi_rows[] = {
	{ 0, 0, 0, 0, 0, 0, 0 },
	{ 1, 0x1fff, 0xd, 0x1fff, 0x6, 0, 0 },
	{ 2, 0x3fff, 0xd, 0x3fff, 0x6, 0, 0 },
	{ 3, 0x7fff, 0xd, 0x7fff, 0x4006, 0, 0 },
	{ 4, 0x7fff, 0xd, 0x7fff, 0x4006, 0x3, 0 },
	{ 5, 0xffff, 0xd, 0x7fff, 0x4006, 0x3, 0 },	/* rw: no IOCTL_DEV */
	{ 6, 0xffff, 0xd, 0x7fff, 0x4006, 0x3, 0x3 },
	{ 7, 0xffff, 0xd, 0x7fff, 0x4006, 0x3, 0x3 },
};

START_TEST(test_plan_masks)
{
	struct landlock_plan p;

	memset(&p, 0xa5, sizeof(p));
	landlock_plan_init(&p, abi_rows[_i].abi);
	ck_assert_int_eq(p.abi, abi_rows[_i].abi);
	ck_assert_uint_eq(p.fs_handled, abi_rows[_i].handled);
	ck_assert_uint_eq(p.fs_ro, abi_rows[_i].ro);
	ck_assert_uint_eq(p.fs_rw, abi_rows[_i].rw);
	ck_assert_uint_eq(p.fs_dev, abi_rows[_i].dev);
	ck_assert_uint_eq(p.net_handled, abi_rows[_i].net);
	ck_assert_uint_eq(p.scoped, abi_rows[_i].scoped);
	/* Every granted right is a handled one. */
	ck_assert_uint_eq((p.fs_ro | p.fs_rw | p.fs_dev) & ~p.fs_handled, 0);
}
END_TEST

/* The child checks abi > 0 first; building anyway is refused. */
START_TEST(test_build_without_abi)
{
	struct landlock_plan p;

	landlock_plan_init(&p, 0);
	ck_assert_int_eq(landlock_build(&p, NULL, NULL, NULL), -EOPNOTSUPP);
}
END_TEST

/* ---- the helper's side: plain C, no Check; errors as -errno ---- */

/* Temp tree: A (ro), B (rw), C/g (ro, a single file), D/k (added with
 * landlock_allow_fd), C/h and D/other (not allowed). */
struct tree {
	char a[64], b[64], c[64], d[64];
	char path[6][128];
};

enum { A_F, B_TRUE, C_G, C_H, D_K, D_OTHER, NPATHS };

static int put(const char *path, const void *buf, size_t n, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode), e = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, buf, n) != (ssize_t)n)
		e = -EIO;
	if (close(fd) < 0 && !e)
		e = -errno;
	return e;
}

/* A program to run from the rw tree: a copy of true(1). */
static int copy_true(const char *to)
{
	static char buf[1 << 20];
	int fd = open("/usr/bin/true", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n <= 0 || n == (ssize_t)sizeof(buf))
		return -EIO;
	return put(to, buf, (size_t)n, 0755);
}

static int tree_make(struct tree *t)
{
	static const char *const names[NPATHS] = { "A/f", "B/true", "C/g", "C/h",
						   "D/k", "D/other" };
	static const char *const text[NPATHS] = { "hello", NULL, "g", "h", "k", "o" };
	char *dirs[] = { t->a, t->b, t->c, t->d };
	int e = 0;

	for (int i = 0; i < 4; i++) {
		snprintf(dirs[i], sizeof(t->a), "/tmp/cylo-ll-%c-XXXXXX", 'A' + i);
		if (!mkdtemp(dirs[i]))
			return -errno;
	}
	for (int i = 0; i < NPATHS && !e; i++) {
		snprintf(t->path[i], sizeof(t->path[i]), "%s/%s",
			 dirs[names[i][0] - 'A'], names[i] + 2);
		e = text[i] ? put(t->path[i], text[i], strlen(text[i]), 0644)
			    : copy_true(t->path[i]);
	}
	return e;
}

/* Removes what tree_make and the probes created (names known). */
static void tree_remove(const struct tree *t)
{
	char p[160];

	for (int i = 0; i < NPATHS; i++)
		unlink(t->path[i]);
	snprintf(p, sizeof(p), "%s/new", t->a);
	unlink(p);
	snprintf(p, sizeof(p), "%s/new", t->b);
	unlink(p);
	snprintf(p, sizeof(p), "%s/sub", t->b);
	rmdir(p);
	rmdir(t->a);
	rmdir(t->b);
	rmdir(t->c);
	rmdir(t->d);
}

/* 0 when the open works (and closes it), else errno. */
static int try_open(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC, 0644);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/* 0 when @path runs and exits 0, errno when exec fails. */
static int try_exec(const char *path)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return errno;
	if (pid == 0) {
		char *argv[] = { (char *)path, NULL };

		execv(path, argv);
		_exit(100 + errno);
	}
	if (waitpid(pid, &status, 0) < 0)
		return errno;
	if (!WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status) >= 100 ? WEXITSTATUS(status) - 100
					  : WEXITSTATUS(status);
}

static int try_tty_ioctl(void)
{
	struct termios tio;
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC), e = 0;

	if (fd < 0)
		return errno;
	if (ioctl(fd, TCGETS, &tio) < 0)
		e = errno;
	close(fd);
	return e;
}

enum { P_READ_A, P_WRITE_A, P_CREATE_A, P_LIST_A, P_CREATE_B, P_MKDIR_B,
       P_TRUNC_B, P_EXEC_B, P_OUTSIDE, P_FILE_RULE, P_FILE_SIBLING,
       P_FD_RULE, P_FD_SIBLING, P_DEV_WRITE, P_DEV_IOCTL, NPROBES };

static const char *const probe_name[NPROBES] = {
	"read A/f", "write A/f", "create in A", "list A", "create in B",
	"mkdir in B", "truncate in B", "exec B/true", "read /etc/hostname",
	"read C/g (file rule)", "read C/h (sibling)", "read D/k (fd rule)",
	"read D/other (sibling)", "write /dev/null", "TCGETS on /dev/null",
};

static void probe_fs(const void *arg, int *r)
{
	const struct tree *t = arg;
	char p[160];

	r[P_READ_A] = try_open(t->path[A_F], O_RDONLY);
	r[P_WRITE_A] = try_open(t->path[A_F], O_WRONLY);
	snprintf(p, sizeof(p), "%s/new", t->a);
	r[P_CREATE_A] = try_open(p, O_WRONLY | O_CREAT | O_EXCL);
	r[P_LIST_A] = try_open(t->a, O_RDONLY | O_DIRECTORY);
	snprintf(p, sizeof(p), "%s/new", t->b);
	r[P_CREATE_B] = try_open(p, O_WRONLY | O_CREAT | O_EXCL);
	r[P_TRUNC_B] = truncate(p, 0) < 0 ? errno : 0;
	snprintf(p, sizeof(p), "%s/sub", t->b);
	r[P_MKDIR_B] = mkdir(p, 0755) < 0 ? errno : 0;
	r[P_EXEC_B] = try_exec(t->path[B_TRUE]);
	r[P_OUTSIDE] = try_open("/etc/hostname", O_RDONLY);
	r[P_FILE_RULE] = try_open(t->path[C_G], O_RDONLY);
	r[P_FILE_SIBLING] = try_open(t->path[C_H], O_RDONLY);
	r[P_FD_RULE] = try_open(t->path[D_K], O_RDONLY);
	r[P_FD_SIBLING] = try_open(t->path[D_OTHER], O_RDONLY);
	r[P_DEV_WRITE] = try_open("/dev/null", O_WRONLY);
	r[P_DEV_IOCTL] = try_tty_ioctl();
}

/* The tree's ruleset: A and the single file C/g read-only (with the
 * runtime for exec), B read-write, /dev/null as a device, D/k by fd. */
static int restrict_fs(const void *arg, const struct landlock_plan *p)
{
	const struct tree *t = arg;
	const char *ro[] = { t->a, t->path[C_G], "/usr", "/lib", "/lib64",
			     "/nonexistent-cylo-path", NULL };
	const char *rw[] = { t->b, NULL };
	const char *dev[] = { "/dev/null", NULL };
	int rs, fd, e;

	if ((rs = landlock_build(p, ro, rw, dev)) < 0)
		return rs;
	if ((fd = open(t->path[D_K], O_PATH | O_CLOEXEC)) < 0)
		return -errno;
	if ((e = landlock_allow_fd(rs, p, fd)) < 0)
		return e;
	close(fd);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	e = landlock_apply(rs);
	close(rs);
	return e;
}

/* Network and scope probes: a TCP listener and an abstract unix socket
 * of the (unrestricted) helper, and kill(helper, 0). */
struct peer {
	struct sockaddr_in tcp;
	struct sockaddr_un un;
	socklen_t unlen;
	pid_t parent;
};

enum { N_CONNECT, N_BIND, N_UDP, N_UNIX, N_KILL, NNET };
static const char *const net_name[NNET] = {
	"TCP connect 127.0.0.1", "TCP bind 127.0.0.1:0", "UDP connect 127.0.0.1",
	"connect abstract unix socket", "kill(parent, 0)",
};

static int try_connect(int type, const void *sa, socklen_t len)
{
	int fd = socket(((const struct sockaddr *)sa)->sa_family, type | SOCK_CLOEXEC, 0);
	int e = 0;

	if (fd < 0)
		return errno;
	if (connect(fd, sa, len) < 0)
		e = errno;
	close(fd);
	return e;
}

static void probe_net(const void *arg, int *r)
{
	const struct peer *pe = arg;
	struct sockaddr_in lo = { .sin_family = AF_INET };
	int fd;

	r[N_CONNECT] = try_connect(SOCK_STREAM, &pe->tcp, sizeof(pe->tcp));
	lo.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	r[N_BIND] = fd < 0 ? errno : bind(fd, (void *)&lo, sizeof(lo)) < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	r[N_UDP] = try_connect(SOCK_DGRAM, &pe->tcp, sizeof(pe->tcp));
	r[N_UNIX] = try_connect(SOCK_STREAM, &pe->un, pe->unlen);
	r[N_KILL] = kill(pe->parent, 0) < 0 ? errno : 0;
}

/* No paths: only the handled TCP rights and scopes matter here. */
static int restrict_net(const void *arg, const struct landlock_plan *p)
{
	int rs, e;

	(void)arg;
	if ((rs = landlock_build(p, NULL, NULL, NULL)) < 0)
		return rs;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	e = landlock_apply(rs);
	close(rs);
	return e;
}

static int listener(int family, void *sa, socklen_t *len)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (bind(fd, sa, *len) < 0 || listen(fd, 8) < 0 || getsockname(fd, sa, len) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

static int peer_make(struct peer *pe, int *fds)
{
	socklen_t tlen = sizeof(pe->tcp);

	memset(pe, 0, sizeof(*pe));
	pe->tcp.sin_family = AF_INET;
	pe->tcp.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	pe->un.sun_family = AF_UNIX;
	pe->parent = getpid();
	/* Abstract name: a NUL, then text unique to this process. */
	snprintf(pe->un.sun_path + 1, sizeof(pe->un.sun_path) - 1, "cylo-ll-%d",
		 (int)getpid());
	pe->unlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
				strlen(pe->un.sun_path + 1));
	if ((fds[0] = listener(AF_INET, &pe->tcp, &tlen)) < 0)
		return fds[0];
	if ((fds[1] = listener(AF_UNIX, &pe->un, &pe->unlen)) < 0) {
		close(fds[0]);
		return fds[1];
	}
	return 0;
}

/*
 * What the helper sends: out[0] the ABI, out[1] a setup error, then the n
 * unrestricted results, the restriction's result, the n restricted ones.
 */
#define OUT_LEN(n) (2 + 2 * (n) + 1)

/* Forks a child that restricts itself with @fn, runs @probe and writes
 * {restrict result, probe results} to a pipe; reads them into @r. */
static int restricted(int (*fn)(const void *, const struct landlock_plan *),
		      void (*probe)(const void *, int *), const void *arg,
		      const struct landlock_plan *p, int *r, size_t n)
{
	size_t size = (1 + n) * sizeof(*r);
	int fds[2], status;
	ssize_t got;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	if ((pid = fork()) < 0)
		return -errno;
	if (pid == 0) {
		r[0] = fn(arg, p);
		if (r[0] == 0)
			probe(arg, r + 1);
		_exit(write(fds[1], r, size) == (ssize_t)size ? 0 : 1);
	}
	close(fds[1]);
	got = read(fds[0], r, size);
	close(fds[0]);
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return got == (ssize_t)size ? 0 : -EIO;
}

static int helper_fs(const struct landlock_plan *p, int *out)
{
	struct tree t;

	memset(&t, 0, sizeof(t));
	if ((out[1] = tree_make(&t)) == 0)
		probe_fs(&t, out + 2);
	tree_remove(&t);
	memset(&t, 0, sizeof(t));
	if (out[1] == 0 && (out[1] = tree_make(&t)) == 0)
		out[1] = restricted(restrict_fs, probe_fs, &t, p, out + 2 + NPROBES,
				    NPROBES);
	tree_remove(&t);
	return OUT_LEN(NPROBES);
}

static int helper_net(const struct landlock_plan *p, int *out)
{
	struct peer pe;
	int fds[2];

	if ((out[1] = peer_make(&pe, fds)) < 0)
		return OUT_LEN(NNET);
	probe_net(&pe, out + 2);
	out[1] = restricted(restrict_net, probe_net, &pe, p, out + 2 + NNET, NNET);
	close(fds[0]);
	close(fds[1]);
	return OUT_LEN(NNET);
}

/* "--probe MODE ABI": out[0] is the ABI used, the lower of ABI and the
 * kernel's (a newer kernel takes an older ABI's ruleset), or -errno. */
static int probe_main(const char *mode, const char *abi)
{
	struct landlock_plan p;
	int out[OUT_LEN(NPROBES) + OUT_LEN(NNET)] = { 0 }, n = 1;
	long want = strtol(abi, NULL, 10);

	out[0] = landlock_abi();
	if (out[0] > want)
		out[0] = (int)want;
	landlock_plan_init(&p, out[0] < 0 ? 0 : out[0]);
	if (out[0] >= 1 && !strcmp(mode, "fs"))
		n = helper_fs(&p, out);
	else if (out[0] >= 1 && !strcmp(mode, "net"))
		n = helper_net(&p, out);
	else if (strcmp(mode, "abi") && out[0] >= 1)
		return 2;
	return write(1, out, (size_t)n * sizeof(*out)) == (ssize_t)(n * sizeof(*out)) ? 0 : 3;
}

/* ---- the test side ---- */

/* Runs the helper in @mode for @abi; returns how many ints it sent. */
static size_t run_probe(const char *mode, int abi, int *out, size_t max)
{
	char self[4096], flag[] = "--probe", num[16];
	ssize_t r = readlink("/proc/self/exe", self, sizeof(self) - 1);
	size_t got = 0;
	int fds[2], status;
	pid_t pid;

	/* The path, not /proc/self/exe: under valgrind that is valgrind. */
	ck_assert_int_gt(r, 0);
	self[r] = '\0';
	snprintf(num, sizeof(num), "%d", abi);
	ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
	ck_assert_int_ge(pid = fork(), 0);
	if (pid == 0) {
		char *argv[] = { self, flag, (char *)mode, num, NULL };

		if (dup2(fds[1], 1) == 1)	/* dup2 clears close-on-exec */
			execv(self, argv);
		_exit(127);
	}
	close(fds[1]);
	while (got < max * sizeof(*out) &&
	       (r = read(fds[0], (char *)out + got, max * sizeof(*out) - got)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		ck_assert_int_gt(r, 0);
		got += (size_t)r;
	}
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "helper %s: status 0x%x", mode, status);
	ck_assert_msg(out[0] >= 1, "Landlock unavailable (%s): boot with "
		      "lsm=...,landlock", strerror(-out[0]));
	return got / sizeof(*out);
}

START_TEST(test_abi_probe)
{
	int out[1];

	run_probe("abi", 1000, out, 1);
	printf("landlock: kernel ABI %d\n", out[0]);
	fflush(stdout);
}
END_TEST

/* Checks the helper's results: setup, unrestricted @base, restricted @want.
 * @abi is the ABI asked for; out[0] the one the kernel could give. */
static void check_results(const char *what, int abi, const int *out, size_t got,
			  size_t n, const char *const *name, const int *base,
			  const int *want)
{
	const int *u = out + 2, *r = out + 2 + n + 1;

	ck_assert_uint_eq(got, OUT_LEN(n));
	ck_assert_msg(out[1] == 0, "%s setup: %s", what, strerror(-out[1]));
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(u[i] == base[i], "unrestricted %s: %s", name[i],
			      strerror(u[i]));
	ck_assert_msg(r[-1] == 0, "building or applying the ruleset: %s",
		      strerror(-r[-1]));
	if (out[0] < abi)
		printf("landlock: %s: ABI %d is newer than the kernel's, checked "
		       "with ABI %d\n", what, abi, out[0]);
	else
		printf("landlock: %s checked with ABI %d\n", what, abi);
	fflush(stdout);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(r[i] == want[i], "%s: %s, want %s", name[i],
			      strerror(r[i]), strerror(want[i]));
}

/* For each ABI from 1 to 7 (_i + 1), as far as the kernel has it. */
START_TEST(test_fs_rules)
{
	int out[OUT_LEN(NPROBES)], base[NPROBES] = { 0 }, want[NPROBES] = { 0 };
	size_t got = run_probe("fs", _i + 1, out, OUT_LEN(NPROBES));

	base[P_DEV_IOCTL] = ENOTTY;
	want[P_WRITE_A] = want[P_CREATE_A] = want[P_OUTSIDE] = EACCES;
	want[P_FILE_SIBLING] = want[P_FD_SIBLING] = EACCES;
	/* ABI 5: device ioctls are handled and granted nowhere, not on /dev. */
	want[P_DEV_IOCTL] = out[0] >= 5 ? EACCES : ENOTTY;
	check_results("file system", _i + 1, out, got, NPROBES, probe_name, base, want);
}
END_TEST

START_TEST(test_net_and_scope)
{
	int out[OUT_LEN(NNET)], base[NNET] = { 0 }, want[NNET] = { 0 };
	size_t got = run_probe("net", _i + 1, out, OUT_LEN(NNET));

	if (out[0] >= 4)
		want[N_CONNECT] = want[N_BIND] = EACCES;	/* UDP: no ABI covers it */
	if (out[0] >= 6)
		want[N_UNIX] = want[N_KILL] = EPERM;
	check_results("network and scopes", _i + 1, out, got, NNET, net_name, base,
		      want);
}
END_TEST

static Suite *landlock_suite(void)
{
	Suite *s = suite_create("landlock");
	TCase *tc = tcase_create("landlock");

	tcase_add_loop_test(tc, test_plan_masks, 0,
			    (int)(sizeof(abi_rows) / sizeof(abi_rows[0])));
	tcase_add_test(tc, test_abi_probe);
	tcase_add_test(tc, test_build_without_abi);
	tcase_add_loop_test(tc, test_fs_rules, 0, 7);
	tcase_add_loop_test(tc, test_net_and_scope, 0, 7);
	suite_add_tcase(s, tc);
	return s;
}

int main(int argc, char **argv)
{
	SRunner *sr;
	int failed;

	/* _exit: the helper sent its results; it runs no exit handlers. */
	if (argc == 4 && !strcmp(argv[1], "--probe"))
		_exit(probe_main(argv[2], argv[3]));
	sr = srunner_create(landlock_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
