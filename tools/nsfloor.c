/*
 * nsfloor.c - a launcher that only makes a job's namespaces, or, with -l,
 * every layer of a box in its plainest form.
 *
 * `make bench` runs it beside cylo, bare runs and bubblewrap as "the
 * namespace floor": for each run it clone3()s a child into fresh user,
 * mount, PID, network, IPC, UTS and cgroup namespaces (the set SPEC section
 * 6 gives every job), the child execs the program at once, and nsfloor
 * waits for it.  Nothing else: no id map (bash and Python behave the same
 * unmapped, as uid 65534), no root, Landlock, seccomp, limits or result.
 * So it is the cost of a standalone launcher that makes every namespace on
 * its critical path; a sandbox that makes some ahead of time (cylo's
 * daemon does, for the network namespace) or defers their teardown can go
 * below it, by the margins the README gives.
 *
 * With -l it is "the layers floor": the same namespaces, then what SPEC
 * section 6 asks of a box, each done once, directly: the parent maps one
 * id (BOX_UID inside, as cylo maps it); the child takes it, builds a tmpfs
 * root with the runtime paths bound read-only, /proc, five device binds
 * and tmpfs /dev/shm, /tmp and /work, pivots into it, copies the job's
 * file into /work, sets no_new_privs and applies cylo's own Landlock plan
 * and seccomp filter.  With -e as root it builds the shared part of the
 * root once, as cylo's daemon does (make_template()).  It leaves out what
 * costs little or is cylo's own choice: configuration, messages, an init
 * process, cgroups and rlimits, dropping capabilities, closing fds, a new
 * session, /etc, the box's sysctls, the result.  The network namespace
 * is made on its critical path, as by any launcher with nothing else to
 * overlap it with.  So it is close to the least a sandbox with every
 * layer pays per job on this machine.
 *
 *   nsfloor [-l] PROG [ARG...]    runs PROG once (with -l, an absolute
 *                                 path as ARG 1 is copied into /work)
 *   nsfloor [-l] -e PROG          runs `PROG FILE` for each line FILE of
 *                                 stdin, in turn, as one daemon worker
 *                                 would, each with /dev/null as its stdin
 * Exit 0 when every run exited 0; 1 with the reason on stderr when one did
 * not (or could not start); 2 for a bad command line.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/limits.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compat.h"
#include "sandbox_landlock.h"
#include "sandbox_plan.h"
#include "sandbox_seccomp.h"

#define NS_FLAGS (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | \
		  CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP)
#define EXEC_FAILED 127		/* as a shell reports a program it cannot run */

/* Writes @s to stderr; if stderr is gone there is no one to tell. */
static void say(const char *s)
{
	if (write(STDERR_FILENO, s, strlen(s)) < 0)
		return;
}

/* ---- -l: every layer, each in its plainest form ---- */

#define ROOT "/tmp"		/* the new root's tmpfs, in the child's mount ns */
#define COPY_MAX (1 << 20)	/* a file copied into /work */

static const char *const ro_paths[] = { "/usr", "/bin", "/lib", "/lib64", "/sbin", NULL };

static struct landlock_plan lock_plan;
static struct sock_fprog filter;
static int tmpl_fd = -1, host_mnt = -1;	/* -l -e as root: make_template() */

/* Mounts @src read-only, nosuid, nodev at ROOT@src, submounts too, as
 * cylo does (a link stays a link). */
static int bind_ro(const char *src)
{
	struct mount_attr ro = {
		.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
	};
	char dst[PATH_MAX], link[PATH_MAX];
	ssize_t n;

	snprintf(dst, sizeof(dst), ROOT "%s", src);
	if ((n = readlink(src, link, sizeof(link) - 1)) >= 0) {
		link[n] = '\0';
		return symlink(link, dst);
	}
	if (errno == ENOENT)
		return 0;
	if (mkdir(dst, 0755) < 0 || mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
		return -1;
	return (int)syscall(SYS_mount_setattr, AT_FDCWD, dst, AT_RECURSIVE, &ro, sizeof(ro));
}

/* A tmpfs at @dir, made if need be. */
static int tmpfs_at(const char *dir, const char *opts)
{
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -1;
	return mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, opts);
}

/* ROOT/dev: a small tmpfs, the five device binds and the /dev/shm mount point. */
static int build_dev(void)
{
	char dst[PATH_MAX];
	int fd;

	if (tmpfs_at(ROOT "/dev", "size=64k,mode=0755") < 0)
		return -1;
	for (size_t i = 0; landlock_box_dev[i]; i++) {
		snprintf(dst, sizeof(dst), ROOT "%s", landlock_box_dev[i]);
		if ((fd = open(dst, O_CREAT | O_WRONLY | O_CLOEXEC, 0666)) < 0 || close(fd) < 0 ||
		    mount(landlock_box_dev[i], dst, NULL, MS_BIND, NULL) < 0)
			return -1;
	}
	return mkdir(ROOT "/dev/shm", 0755);
}

/* The part of a root no job writes, at ROOT: a tmpfs with the runtime
 * paths bound read-only, /dev, and the mount points of the job's own. */
static int build_shared(void)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", ROOT, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755") < 0)
		return -1;
	for (size_t i = 0; ro_paths[i]; i++)
		if (bind_ro(ro_paths[i]) < 0)
			return -1;
	if (mkdir(ROOT "/proc", 0555) < 0 || build_dev() < 0 || mkdir(ROOT "/tmp", 0755) < 0 ||
	    mkdir(ROOT "/work", 0755) < 0)
		return -1;
	return 0;
}

/* The job's own mounts beneath @top (its root): /proc, and tmpfs for
 * /dev/shm, /tmp and /work, which belong to the id that mounts them. */
static int build_own(const char *top)
{
	static const char *const tmp[] = { "/dev/shm", "/tmp", "/work" };
	char dst[PATH_MAX];

	snprintf(dst, sizeof(dst), "%s/proc", top);
	if (mount("proc", dst, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(tmp) / sizeof(tmp[0]); i++) {
		snprintf(dst, sizeof(dst), "%s%s", top, tmp[i]);
		if (mount("tmpfs", dst, "tmpfs", MS_NOSUID | MS_NODEV, "size=16m,mode=1777") < 0)
			return -1;
	}
	return 0;
}

/* Into ROOT: the old root detached, the new one made read-only. */
static int pivot(void)
{
	if (chdir(ROOT) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
	    umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		return -1;
	return mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV,
		     NULL);
}

/* The job's root: built whole for each run, or, when there is a
 * template (tmpl_fd), only the job's own mounts on a copy of it. */
static int build_root(void)
{
	if (tmpl_fd >= 0)
		return build_own("");
	if (build_shared() < 0 || build_own(ROOT) < 0)
		return -1;
	return pivot();
}

/* The template's builder: the shared part, with a procfs of its own PID
 * namespace (a job may mount one only where one is fully visible), then
 * it sends 0 on @ready (else its errno) and waits to be killed. */
static __attribute__((noreturn)) void builder(int ready)
{
	int e = 0;

	if (build_shared() < 0 ||
	    mount("proc", ROOT "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 ||
	    pivot() < 0)
		e = errno;
	if (write(ready, &e, sizeof(e)) != (ssize_t)sizeof(e) || e)
		_exit(1);
	for (;;)
		pause();
}

/* Waits for the builder's word on @ready and opens its mount namespace
 * as tmpl_fd; 0, or -1 with errno set. */
static int take_template(pid_t pid, int ready)
{
	char path[64];
	int e = EPIPE;		/* no word: it died first */

	if (read(ready, &e, sizeof(e)) == (ssize_t)sizeof(e) && e == 0) {
		snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
		if ((tmpl_fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0)
			return 0;
		e = errno;
	}
	errno = e;
	return -1;
}

/* -l -e as root, as cylo's daemon does: the shared part of every root
 * built once in a mount namespace of its own (tmpl_fd), each job's mount
 * namespace then a copy of its few mounts rather than of the host's.
 * The builder is our unreaped child until the end, so its pid is ours. */
static int make_template(void)
{
	struct clone_args args = { .flags = CLONE_NEWNS | CLONE_NEWPID, .exit_signal = SIGCHLD };
	int ready[2], status, r, e;
	long pid;

	if ((host_mnt = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC)) < 0 ||
	    pipe2(ready, O_CLOEXEC) < 0)
		return -1;
	if ((pid = syscall(SYS_clone3, &args, sizeof(args))) == 0)
		builder(ready[1]);
	e = errno;
	close(ready[1]);
	r = pid < 0 ? -1 : take_template((pid_t)pid, ready[0]);
	e = pid < 0 ? e : errno;
	close(ready[0]);
	if (pid > 0 && (kill((pid_t)pid, SIGKILL) < 0 || waitpid((pid_t)pid, &status, 0) < 0)) {
		e = errno;
		r = -1;
	}
	errno = e;
	return r;
}

/* Copies the open file @in (at most COPY_MAX bytes: the bench's jobs are
 * a line) to /work/job, the cwd, and returns its name; NULL, errno set. */
static const char *copy_in(int in)
{
	static char buf[COPY_MAX];
	ssize_t n = read(in, buf, sizeof(buf)), w;
	int out;

	if (n < 0)
		return NULL;
	if (n == (ssize_t)sizeof(buf)) {
		errno = EFBIG;
		return NULL;
	}
	if ((out = open("job", O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644)) < 0)
		return NULL;
	if ((w = write(out, buf, (size_t)n)) != n) {
		errno = w < 0 ? errno : EIO;
		close(out);
		return NULL;
	}
	return close(out) < 0 ? NULL : "/work/job";
}

/* The box's id, taken before anything is made, so that the files made
 * belong to it; as root, with no supplementary group left (cylo's way:
 * then the parent writes no "deny" to setgroups).  Raw setgroups: glibc's
 * would signal every thread, and this is a copy of a one-thread process
 * anyway. */
static int take_id(bool root)
{
	if (root && syscall(SYS_setgroups, 0, NULL) < 0)
		return -1;
	if (setresgid(BOX_GID, BOX_GID, BOX_GID) < 0 || setresuid(BOX_UID, BOX_UID, BOX_UID) < 0)
		return -1;
	return 0;
}

/* Landlock as cylo's plan gives it (reading beneath the new root too),
 * then cylo's seccomp filter. */
static int confine(void)
{
	int rs, root, e;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    (root = open("/", O_PATH | O_CLOEXEC)) < 0)
		return -1;
	if ((rs = landlock_build(&lock_plan, ro_paths, landlock_box_rw, landlock_box_dev)) < 0) {
		errno = -rs;
		return -1;
	}
	if ((e = landlock_allow_fd(rs, &lock_plan, root)) < 0 || (e = landlock_apply(rs)) < 0 ||
	    (e = seccomp_install(&filter)) < 0) {
		errno = -e;
		return -1;
	}
	return close(rs) < 0 || close(root) < 0 ? -1 : 0;
}

/* -l in the child: waits for the parent's id map on @go, then builds the
 * box around the exec to come, copying @in (if >= 0) into /work for
 * argv[1]; NULL with errno set, or the step that failed. */
static const char *layers_child(int go, int in, char **argv)
{
	char byte;
	ssize_t n = read(go, &byte, 1);

	if (n != 1) {
		errno = n < 0 ? errno : EPIPE;	/* EOF: the parent died */
		return "wait for the id map";
	}
	if (take_id(geteuid() == 0) < 0)
		return "take the box's id";
	if (build_root() < 0 || chdir("/work") < 0)
		return "build the root";
	if (in >= 0 && !(argv[1] = (char *)copy_in(in)))
		return "copy the job's file in";
	if (confine() < 0)
		return "confine";
	return NULL;
}

/* -l in the parent: one id inside, BOX_UID, mapped as cylo maps it: when
 * we are root to a worker's id (uid_base, 60000, for the first), else to
 * ourselves, with setgroups denied as an unprivileged map must. */
static int map_ids(pid_t pid)
{
	static const char *const files[] = { "setgroups", "uid_map", "gid_map" };
	bool root = geteuid() == 0;
	unsigned uid = root ? 60000 : geteuid(), gid = root ? 60000 : getegid();
	char path[64], text[3][64];

	snprintf(text[0], sizeof(text[0]), "deny");
	snprintf(text[1], sizeof(text[1]), "%d %u 1", BOX_UID, uid);
	snprintf(text[2], sizeof(text[2]), "%d %u 1", BOX_GID, gid);
	for (int i = root ? 1 : 0; i < 3; i++) {
		size_t n = strlen(text[i]);
		int fd;

		snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, files[i]);
		if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
			return -1;
		ssize_t w = write(fd, text[i], n);

		if (w != (ssize_t)n) {
			int e = w < 0 ? errno : EIO;

			close(fd);
			errno = e;
			return -1;
		}
		if (close(fd) < 0)
			return -1;
	}
	return 0;
}

/* The child: with -l (@go >= 0) the box first, then exec, else say why
 * (the process is a copy of a single-threaded one, so stdio-free calls
 * are all it needs). */
static __attribute__((noreturn)) void child(const int go[2], int in, char *argv[])
{
	const char *step;
	const char *why;

	/* Our copy of the write end would keep the wait from ever seeing
	 * the parent die. */
	if (go[1] >= 0)
		close(go[1]);
	step = go[0] >= 0 ? layers_child(go[0], in, argv) : NULL;

	if (!step)
		execv(argv[0], argv);
	why = strerror(errno);
	if (step) {
		say("nsfloor: cannot ");
		say(step);
		say(" for ");
	} else {
		say("nsfloor: cannot run ");
	}
	say(argv[0]);
	say(": ");
	say(why);
	say("\n");
	_exit(EXEC_FAILED);
}

/* Waits for @pid: 0 when it exited 0; else, said on stderr, waitpid's
 * -errno or -EPROTO for a non-zero exit or a signal. */
static int reap(pid_t pid, const char *prog)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			int e = errno;

			fprintf(stderr, "nsfloor: waitpid: %s\n", strerror(e));
			return -e;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		fprintf(stderr, "nsfloor: %s exited %d\n", prog, WEXITSTATUS(status));
	else
		fprintf(stderr, "nsfloor: %s killed by signal %d\n", prog, WTERMSIG(status));
	return -EPROTO;
}

/* -l in the parent: maps the child's ids, then lets it go on; on failure
 * the child is killed and reaped.  0 or -errno, said on stderr. */
static int release(pid_t pid, int go, const char *prog)
{
	const char *what = "map the ids";
	int e, status;

	if (map_ids(pid) == 0) {
		ssize_t w = write(go, "", 1);

		if (w == 1)
			return 0;
		errno = w < 0 ? errno : EIO;
		what = "release";
	}
	e = errno;
	fprintf(stderr, "nsfloor: cannot %s for %s: %s\n", what, prog, strerror(e));
	if (kill(pid, SIGKILL) == 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	return -e;
}

/* clone3() into fresh namespaces, from the template's mount namespace
 * when there is one; the child runs child(). */
static long spawn(const int go[2], int in, char *argv[])
{
	struct clone_args args = { .flags = NS_FLAGS, .exit_signal = SIGCHLD };
	long pid;

	if (tmpl_fd >= 0 && setns(tmpl_fd, CLONE_NEWNS) < 0)
		return -1;
	if ((pid = syscall(SYS_clone3, &args, sizeof(args))) == 0)
		child(go, in, argv);
	if (tmpl_fd >= 0 && setns(host_mnt, CLONE_NEWNS) < 0) {
		/* nothing could be opened any more: give up */
		perror("nsfloor: setns back to the host's mount namespace");
		_exit(1);
	}
	return pid;
}

/* Runs @argv in fresh namespaces (with every layer when @layers) and
 * waits: 0 when it exited 0.  waitpid and a pidfd wait cost the same
 * here, so the plainer one is used.  With -l, an absolute argv[1] is
 * opened here, where the host's files are seen, for the child to copy. */
static int run_once(bool layers, char *argv[])
{
	int go[2] = { -1, -1 }, in = -1, r = 0;
	long pid = -1;

	if (layers && argv[1] && argv[1][0] == '/' &&
	    (in = open(argv[1], O_RDONLY | O_CLOEXEC)) < 0) {
		r = -errno;
		fprintf(stderr, "nsfloor: cannot open %s: %s\n", argv[1], strerror(-r));
	} else if ((layers && pipe2(go, O_CLOEXEC) < 0) || (pid = spawn(go, in, argv)) < 0) {
		r = -errno;
		fprintf(stderr, "nsfloor: cannot start %s: %s\n", argv[0], strerror(-r));
	} else
		r = layers ? release((pid_t)pid, go[1], argv[0]) : 0;
	if (r == 0)
		r = reap((pid_t)pid, argv[0]);
	for (int i = 0; i < 2; i++)
		if (go[i] >= 0 && close(go[i]) < 0 && r == 0)
			r = -errno;
	if (in >= 0 && close(in) < 0 && r == 0)
		r = -errno;
	return r;
}

/* The list of files, moved off fd 0, which becomes /dev/null: a job that
 * reads its stdin must not eat the names of the jobs after it. */
static FILE *take_stdin(void)
{
	int list = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3), null;
	FILE *f;

	if (list < 0 || (null = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	if (dup2(null, STDIN_FILENO) < 0 || close(null) < 0 || !(f = fdopen(list, "r")))
		return NULL;
	return f;
}

/* -e: one run per line of stdin, so that any number of files fits. */
static int run_each(bool layers, char *prog)
{
	char line[PATH_MAX + 1];
	FILE *in = take_stdin();

	if (!in) {
		fprintf(stderr, "nsfloor: cannot take the list from stdin: %s\n", strerror(errno));
		return -EIO;
	}
	while (fgets(line, sizeof(line), in)) {
		size_t n = strcspn(line, "\n");
		char *argv[] = { prog, line, NULL };
		int r;

		if (line[n] != '\n' && !feof(in)) {
			fprintf(stderr, "nsfloor: a file name on stdin is too long\n");
			return -ENAMETOOLONG;
		}
		line[n] = '\0';
		if ((r = run_once(layers, argv)) < 0)
			return r;
	}
	if (ferror(in)) {
		fprintf(stderr, "nsfloor: reading stdin failed\n");
		return -EIO;
	}
	return 0;
}

/* -l once, at start: the Landlock plan and the filter cylo would use. */
static int layers_init(void)
{
	char err[256];
	int abi = landlock_abi();

	if (abi < 1) {
		fprintf(stderr, "nsfloor: Landlock is not available: %s\n", strerror(-abi));
		return -1;
	}
	landlock_plan_init(&lock_plan, abi);
	if (seccomp_build(&filter, err, sizeof(err)) < 0) {
		fprintf(stderr, "nsfloor: seccomp: %s\n", err);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	bool layers = argc > 1 && strcmp(argv[1], "-l") == 0;

	argc -= layers;
	argv += layers;
	if (layers && layers_init() < 0)
		return 1;
	if (argc == 3 && strcmp(argv[1], "-e") == 0) {
		if (layers && geteuid() == 0 && make_template() < 0) {
			fprintf(stderr, "nsfloor: cannot build the template: %s\n", strerror(errno));
			return 1;
		}
		return run_each(layers, argv[2]) < 0 ? 1 : 0;
	}
	if (argc < 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: nsfloor [-l] PROG [ARG...] | nsfloor [-l] -e PROG <FILES\n");
		return 2;
	}
	return run_once(layers, argv + 1) < 0 ? 1 : 0;
}
