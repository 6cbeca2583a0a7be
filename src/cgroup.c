/*
 * cgroup.c - per-job control groups on cgroup v2 or v1 (see cgroup.h).
 *
 * Where the groups live.
 *   v1: in each hierarchy used (memory and pids; cpuacct and cpu when
 *   mounted: cpu gives each box's group an equal share against the other
 *   boxes, so a job of many busy threads cannot starve a neighbour into
 *   its wall timeout; a hierarchy mounted with several of them counts
 *   once), below the
 *   daemon's own group as /proc/self/cgroup names it:
 *   <mount>/<own>/cylo-<pid>-<n>/<box>, or for a one-shot command the
 *   parent <mount>/<own>/cylo-<pid>-<n> itself (cg_box_parent()).
 *   v2: below a delegated group.  With sandbox.cgroup_root that is the
 *   directory given.  Without it the daemon takes over its own group, the
 *   systemd Delegate=yes pattern: cgroup v2 lets a non-root group either
 *   hold processes or hand controllers to its children ("no internal
 *   processes"), so the daemon first moves itself into <own>/supervisor,
 *   then enables +memory +pids (+cpu) in <own>/cgroup.subtree_control,
 *   and the boxes live in <own>/cylo-<pid>-<n>/<box>.  It does so only
 *   when it is the sole process of a non-root group it can write; a
 *   daemon already in <x>/supervisor with the controllers enabled in <x>
 *   (a second detect, or systemd's DelegateSubgroup=supervisor) uses <x>.
 * Writes go only to groups this module created, plus the subtree_control
 * (and the supervisor move) of the delegated group.  Groups are found by
 * parsing /proc/self/mountinfo (super options name the v1 controllers)
 * and /proc/self/cgroup.
 *
 * Cost per box (jobs run at ~1000/s): the parent groups are opened once
 * at detect; a box is one mkdirat per hierarchy relative to those fds
 * (a parent box none), and every later access is relative to the box's
 * own O_PATH fds.
 *
 * The parent is named cylo-<pid>-<n>, n counting the envs of the process
 * (tests and tools may build more than one).
 * Groups left by daemons that died without cleaning up (SIGKILL) are
 * removed at start when their pid is gone (sweep_dead()).
 * A leftover of the same name, from a crashed daemon that had our pid, is
 * cleared of empty groups and reused; a crashed daemon's parent under
 * another pid is left for the administrator.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/limits.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "config.h"
#include "fsutil.h"
#include "util.h"

#define CG_HIER_MAX	4
#define CG_NAME_MAX	64
#define CG_FILE_MAX	1024		/* the keyed files read are a few lines */
#define CG_STAT_MAX	16384		/* memory.stat: some 40 (v1) to 60 (v2) lines */
#define CG_TEXT_MAX	(4 << 20)	/* /proc/self/mountinfo of a busy host */
#define CG_PROCS_MAX	(1 << 20)	/* cgroup.procs of one box */
#define CG_RMDIR_TRIES	8		/* backoff 1..128 ms, ~0.25 s in all */
#define CG_FIELDS_MAX	64
/*
 * Not <limits.h>: GCC's copy include_next's into src/limits.h even under
 * -iquote src, so the bounds come from the compiler.
 */
#define CG_LONG_MAX	__LONG_MAX__
#define CG_INT_MAX	__INT_MAX__

/* CTL_CPU is CPU accounting (v1 cpuacct), CTL_SCHED the scheduler's
 * share (v1 cpu; on v2 the cpu controller, enabled in subtree_control). */
enum cg_ctl { CTL_MEMORY, CTL_PIDS, CTL_CPU, CTL_SCHED, CTL_N };

/* v1 mount options naming each controller; cpuacct and cpu are optional. */
static const char *const v1_ctl_name[CTL_N] = { "memory", "pids", "cpuacct", "cpu" };

struct cg_env {
	enum cg_kind kind;
	unsigned seq;			/* this env's number in the process */
	size_t nhier;
	char *path[CG_HIER_MAX];	/* the daemon's parent groups */
	int fd[CG_HIER_MAX];		/* O_PATH|O_DIRECTORY of path[] */
	int ctl[CTL_N];			/* hierarchy of each controller, -1: none */
};

#define CG_STATS 5			/* the counters cg_box_stats() reads */

struct cg_box {
	const struct cg_env *env;
	int fd[CG_HIER_MAX];		/* O_PATH|O_DIRECTORY, -1: not created */
	int peak_fd;			/* v2 memory.peak after a reset, or -1 */
	int stat_fd[CG_STATS];		/* opened at the first read, or -1 */
	bool threads;			/* joined by a thread of ours (v1) */
	bool parent;			/* the env's own groups: never removed */
	char name[CG_NAME_MAX + 1];
};

/* What /proc/self/mountinfo and /proc/self/cgroup say, parsed in place. */
struct host {
	char *mountinfo, *cgroup;
	const char *v2_mnt, *v2_root, *v2_own;
	const char *v1_mnt[CTL_N], *v1_root[CTL_N], *v1_dev[CTL_N], *v1_own[CTL_N];
};

/* ---- small helpers ------------------------------------------------- */

static int errf(char *err, size_t n, int r, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int errf(char *err, size_t n, int r, const char *fmt, ...)
{
	va_list ap;

	if (n > 0) {
		va_start(ap, fmt);
		vsnprintf(err, n, fmt, ap);
		va_end(ap);
	}
	return r;
}

static const char *errstr(int r, char *buf, size_t n)
{
	return strerror_r(-r, buf, n);
}

/* Whether @name is one of the tokens of @list separated by any of @seps. */
static bool has_token(const char *list, const char *seps, const char *name)
{
	size_t n = strlen(name), k;

	list += strspn(list, seps);
	while (*list) {
		k = strcspn(list, seps);
		if (k == n && strncmp(list, name, n) == 0)
			return true;
		list += k;
		list += strspn(list, seps);
	}
	return false;
}

/* Splits @s at @sep in place into at most @max fields (the last keeps the rest). */
static size_t split(char *s, char sep, char **f, size_t max)
{
	size_t k = 0;

	while (k < max) {
		f[k++] = s;
		s = strchr(s, sep);
		if (!s)
			break;
		*s++ = '\0';
	}
	return k;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *d = s;

	for (; *s; s++, d++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		} else {
			*d = *s;
		}
	}
	*d = '\0';
}

/* ---- cgroup files ---------------------------------------------------- */

/* One write(): the kernel takes a cgroup file's value from a single call. */
static int cg_write(int dirfd, const char *file, const char *val)
{
	size_t len = strlen(val);
	ssize_t w;
	int fd, r = 0;

	fd = openat(dirfd, file, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	do
		w = write(fd, val, len);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		r = -errno;
	else if ((size_t)w != len)
		r = -EIO;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

/* Writes @v, or @unlimited when @v < 0. */
static int cg_write_num(int dirfd, const char *file, long v, const char *unlimited)
{
	char buf[24];

	if (v < 0)
		return cg_write(dirfd, file, unlimited);
	snprintf(buf, sizeof(buf), "%ld", v);
	return cg_write(dirfd, file, buf);
}

/* Reads @fd from offset 0 into @buf, NUL-terminated.  Length or -errno. */
static int pread_small(int fd, char *buf, size_t n)
{
	size_t len = 0;
	ssize_t k;

	while (len < n - 1) {
		k = pread(fd, buf + len, n - 1 - len, (off_t)len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			break;
		len += (size_t)k;
	}
	if (len == n - 1)
		return -EFBIG;
	buf[len] = '\0';
	return (int)len;
}

static int cg_read(int dirfd, const char *file, char *buf, size_t n)
{
	int fd, r;

	fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	r = pread_small(fd, buf, n);
	close(fd);
	return r;
}

/*
 * The number on line "@key VALUE" of @buf, or @buf as a whole when @key is
 * NULL.  -ENOENT when the key is absent (an older kernel).
 */
static int keyed_value(const char *buf, const char *key, long *out)
{
	const char *p = buf, *v = buf, *end;
	char tok[32];
	size_t kl;

	if (key) {
		kl = strlen(key);
		while (strncmp(p, key, kl) != 0 || p[kl] != ' ') {
			p = strchr(p, '\n');
			if (!p)
				return -ENOENT;
			p++;
		}
		v = p + kl + 1;
	}
	end = strchrnul(v, '\n');
	if ((size_t)(end - v) >= sizeof(tok))
		return -ERANGE;
	memcpy(tok, v, (size_t)(end - v));
	tok[end - v] = '\0';
	return parse_long(tok, 0, CG_LONG_MAX, out);
}

/*
 * rmdir of a group answers EBUSY while the kernel still tears down tasks
 * that have exited or were just killed.  v1 offers no event for the end of
 * that, so retry with a short backoff.
 */
static int rmdir_at(int dirfd, const char *name)
{
	struct timespec ts = { 0, 1000000 };

	for (int i = 0;; i++) {
		if (unlinkat(dirfd, name, AT_REMOVEDIR) == 0)
			return 0;
		if (errno != EBUSY || i == CG_RMDIR_TRIES)
			return -errno;
		(void)nanosleep(&ts, NULL);	/* EINTR only shortens a retry */
		ts.tv_nsec *= 2;
	}
}

/* ---- what the host offers ------------------------------------------- */

static int read_text(const char *path, char **out)
{
	size_t len;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = read_fd_all(fd, CG_TEXT_MAX, out, &len);
	close(fd);
	return r;
}

/* Records the first cgroup2 mount and the first v1 mount of each controller. */
static void parse_mountinfo(struct host *h)
{
	char *line, *next, *f[CG_FIELDS_MAX];
	size_t nf, sep;

	for (line = h->mountinfo; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		/* id parent dev root mountpoint opts [optional...] - fstype source superopts */
		nf = split(line, ' ', f, CG_FIELDS_MAX);
		for (sep = 6; sep < nf && strcmp(f[sep], "-") != 0; sep++)
			;
		if (sep + 3 >= nf)
			continue;
		unescape(f[3]);
		unescape(f[4]);
		if (strcmp(f[sep + 1], "cgroup2") == 0 && !h->v2_mnt) {
			h->v2_mnt = f[4];
			h->v2_root = f[3];
		} else if (strcmp(f[sep + 1], "cgroup") == 0) {
			for (int c = 0; c < CTL_N; c++) {
				if (h->v1_mnt[c] || !has_token(f[sep + 3], ",", v1_ctl_name[c]))
					continue;
				h->v1_mnt[c] = f[4];
				h->v1_root[c] = f[3];
				h->v1_dev[c] = f[2];
			}
		}
	}
}

/* Lines "ID:CONTROLLERS:PATH"; cgroup2 is "0::PATH". */
static void parse_own(struct host *h)
{
	char *line, *next, *f[3];

	for (line = h->cgroup; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (split(line, ':', f, 3) != 3)
			continue;
		if (strcmp(f[0], "0") == 0 && f[1][0] == '\0') {
			h->v2_own = f[2];
			continue;
		}
		for (int c = 0; c < CTL_N; c++)
			if (has_token(f[1], ",", v1_ctl_name[c]))
				h->v1_own[c] = f[2];
	}
}

static int host_load(struct host *h)
{
	int r;

	r = read_text("/proc/self/mountinfo", &h->mountinfo);
	if (r == 0)
		r = read_text("/proc/self/cgroup", &h->cgroup);
	if (r < 0)
		return r;
	parse_mountinfo(h);
	parse_own(h);
	return 0;
}

static void host_free(struct host *h)
{
	free(h->mountinfo);
	free(h->cgroup);
}

/*
 * The directory of our group @own under a mount at @mnt that shows the
 * hierarchy from @root.  -ENOENT when our group lies outside that view.
 */
static int own_dir(const char *mnt, const char *root, const char *own,
		   char *buf, size_t n)
{
	size_t rl = strlen(root);
	const char *rel = own;
	int k;

	if (strcmp(root, "/") != 0) {
		if (strncmp(own, root, rl) != 0 || (own[rl] != '/' && own[rl] != '\0'))
			return -ENOENT;
		rel = own + rl;
	}
	if (strcmp(rel, "/") == 0)
		rel = "";
	k = snprintf(buf, n, "%s%s", mnt, rel);
	return k < 0 || (size_t)k >= n ? -ENAMETOOLONG : 0;
}

/* ---- the env ---------------------------------------------------------- */

static atomic_uint env_seq;

static void env_init(struct cg_env *e, unsigned seq)
{
	memset(e, 0, sizeof(*e));
	e->kind = CG_NONE;
	e->seq = seq;
	for (int i = 0; i < CG_HIER_MAX; i++)
		e->fd[i] = -1;
	for (int c = 0; c < CTL_N; c++)
		e->ctl[c] = -1;
}

/* Removes the parent groups and forgets them. */
static void env_release(struct cg_env *e)
{
	for (size_t i = 0; i < e->nhier; i++) {
		close(e->fd[i]);
		/* fails only if boxes leaked, or a thread that joined a
		 * parent box (cg_box_parent()) still lives */
		(void)rmdir_at(AT_FDCWD, e->path[i]);
		free(e->path[i]);
	}
	env_init(e, e->seq);
}

/*
 * A crashed daemon that had our pid left @path: remove its empty groups.
 * rmdir fails on a group that holds a process, so nothing alive is touched.
 */
static int clear_stale(const char *path)
{
	struct dirent *de;
	DIR *d;
	int fd;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -ENOMEM;
	}
	while ((de = readdir(d)) != NULL)
		if (de->d_type == DT_DIR && de->d_name[0] != '.')
			(void)unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR);
	closedir(d);
	return rmdir(path) < 0 ? -errno : 0;
}

/*
 * A daemon killed outright (SIGKILL, a crash) never removes its groups.
 * At start, remove the empty groups of every cylo-<pid>-<n> whose pid is
 * gone; a live pid (another cylo, or a reused pid) is left alone, and
 * rmdir refuses any group that still holds a process.
 */
static void sweep_dead(const char *base)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(base);

	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		char *end;
		long pid;

		if (de->d_type != DT_DIR || strncmp(de->d_name, "cylo-", 5) != 0)
			continue;
		pid = strtol(de->d_name + 5, &end, 10);
		if (end == de->d_name + 5 || *end != '-' || pid <= 0 || pid == getpid())
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", base, de->d_name) < (int)sizeof(path))
			(void)clear_stale(path);
	}
	closedir(d);
}

/* Creates <@base>/cylo-<pid>-<seq> as the next hierarchy.  Its index or -errno. */
static int add_parent(struct cg_env *e, const char *base)
{
	char path[PATH_MAX];
	int k, fd, r;

	if (e->nhier == CG_HIER_MAX)
		return -E2BIG;
	sweep_dead(base);
	k = snprintf(path, sizeof(path), "%s/cylo-%d-%u", base, (int)getpid(), e->seq);
	if (k < 0 || (size_t)k >= sizeof(path))
		return -ENAMETOOLONG;
	if (mkdir(path, 0755) < 0) {
		if (errno != EEXIST)
			return -errno;
		if ((r = clear_stale(path)) < 0)
			return r;
		if (mkdir(path, 0755) < 0)
			return -errno;
	}
	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		r = -errno;
		goto fail;
	}
	e->path[e->nhier] = strdup(path);
	if (!e->path[e->nhier]) {
		close(fd);
		r = -ENOMEM;
		goto fail;
	}
	e->fd[e->nhier] = fd;
	return (int)e->nhier++;
fail:
	(void)rmdir(path);
	return r;
}

/* ---- v1 ----------------------------------------------------------------- */

/* Finds the hierarchy of controller @c, creating our parent group in it. */
static int v1_controller(struct cg_env *e, const struct host *h, int c,
			 const char **dev, char *err, size_t n)
{
	const char *name = v1_ctl_name[c];
	char base[PATH_MAX], es[64];
	int r;

	if (!h->v1_mnt[c] || !h->v1_own[c])
		return errf(err, n, -ENOENT, "cgroup1: the %s controller is not "
			    "mounted; fix: mount it, or set cgroups = v2 or none", name);
	for (size_t i = 0; i < e->nhier; i++) {
		if (strcmp(dev[i], h->v1_dev[c]) == 0) {
			e->ctl[c] = (int)i;	/* mounted together with another */
			return 0;
		}
	}
	r = own_dir(h->v1_mnt[c], h->v1_root[c], h->v1_own[c], base, sizeof(base));
	if (r == 0)
		r = add_parent(e, base);
	if (r < 0)
		return errf(err, n, r, "cgroup1: cannot create a %s group below our "
			    "group %s: %s; fix: run cylo as root, or set cgroups = none",
			    name, h->v1_own[c], errstr(r, es, sizeof(es)));
	dev[r] = h->v1_dev[c];
	e->ctl[c] = r;
	return 0;
}

static int setup_v1(struct cg_env *e, const struct host *h, char *err, size_t n)
{
	const char *dev[CG_HIER_MAX] = { NULL };
	int r;

	e->kind = CG_V1;
	if ((r = v1_controller(e, h, CTL_MEMORY, dev, err, n)) < 0 ||
	    (r = v1_controller(e, h, CTL_PIDS, dev, err, n)) < 0)
		return r;
	/* CPU accounting is optional: without it RLIMIT_CPU still bounds the
	 * job; without cpu, the boxes share the CPUs thread by thread. */
	if (v1_controller(e, h, CTL_CPU, dev, err, n) < 0)
		e->ctl[CTL_CPU] = -1;
	if (v1_controller(e, h, CTL_SCHED, dev, err, n) < 0)
		e->ctl[CTL_SCHED] = -1;
	return errf(err, n, 0, "%s", "");
}

/* ---- v2 ----------------------------------------------------------------- */

/* Whether @fd's cgroup.subtree_control already hands memory and pids down. */
static bool v2_delegating(int dirfd)
{
	char buf[CG_FILE_MAX];

	return cg_read(dirfd, "cgroup.subtree_control", buf, sizeof(buf)) >= 0 &&
	       has_token(buf, " \n", "memory") && has_token(buf, " \n", "pids");
}

/* Checks that @base is a cgroup2 group offering memory and pids. */
static int v2_check_base(int bfd, const char *base, bool *cpu, char *err, size_t n)
{
	char ctl[CG_FILE_MAX], es[64];
	struct statfs sf;
	int r;

	if (fstatfs(bfd, &sf) < 0 || sf.f_type != CGROUP2_SUPER_MAGIC)
		return errf(err, n, -EINVAL, "cgroup2: %s is not a cgroup2 directory; "
			    "fix: set sandbox.cgroup_root to a group below the cgroup2 "
			    "mount", base);
	r = cg_read(bfd, "cgroup.controllers", ctl, sizeof(ctl));
	if (r < 0)
		return errf(err, n, r, "cgroup2: cannot read %s/cgroup.controllers: %s",
			    base, errstr(r, es, sizeof(es)));
	ctl[strcspn(ctl, "\n")] = '\0';
	if (!has_token(ctl, " ", "memory") || !has_token(ctl, " ", "pids"))
		return errf(err, n, -EOPNOTSUPP, "cgroup2: the memory and pids "
			    "controllers are not available in %s (it offers: %s); fix: "
			    "enable them in the parent's cgroup.subtree_control "
			    "(systemd: Delegate=yes), or set cgroups = v1 or none",
			    base, ctl[0] ? ctl : "none");
	*cpu = has_token(ctl, " ", "cpu");
	if (faccessat(bfd, "cgroup.subtree_control", W_OK, AT_EACCESS) < 0 ||
	    faccessat(bfd, ".", W_OK, AT_EACCESS) < 0) {
		r = -errno;
		return errf(err, n, r, "cgroup2: %s is not writable: %s; fix: run cylo "
			    "as a systemd service with Delegate=yes, or set "
			    "sandbox.cgroup_root", base, errstr(r, es, sizeof(es)));
	}
	return 0;
}

/*
 * A daemon in <x>/supervisor below an <x> that already hands memory and
 * pids down (a second detect, or systemd's DelegateSubgroup=supervisor)
 * uses <x>: rewrites @base and returns true.
 */
static bool v2_supervisor_parent(char *base)
{
	char *slash = strrchr(base, '/');
	bool ok;
	int fd;

	if (!slash || strcmp(slash, "/supervisor") != 0)
		return false;
	*slash = '\0';
	fd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ok = fd >= 0 && faccessat(fd, "cgroup.type", F_OK, 0) == 0 &&
	     v2_delegating(fd);
	if (fd >= 0)
		close(fd);
	if (!ok)
		*slash = '/';
	return ok;
}

/*
 * Our own group may be taken over only when it is not the root (the root
 * has no cgroup.type) and we are its only process.
 */
static int v2_own_ok(int bfd, const char *base, char *err, size_t n)
{
	char buf[64], me[24];
	int r;

	if (faccessat(bfd, "cgroup.type", F_OK, 0) < 0)
		return errf(err, n, -EPERM, "cgroup2: the daemon runs in the root "
			    "group, which cylo does not take over; fix: run it as a "
			    "systemd service with Delegate=yes, or set "
			    "sandbox.cgroup_root");
	r = cg_read(bfd, "cgroup.procs", buf, sizeof(buf));
	snprintf(me, sizeof(me), "%d\n", (int)getpid());
	if (r < 0 || strcmp(buf, me) != 0)
		return errf(err, n, -EBUSY, "cgroup2: other processes share our group "
			    "%s; fix: run cylo as a systemd service with Delegate=yes, "
			    "or set sandbox.cgroup_root", base);
	return 0;
}

/* Turns controllers on for the children of @dirfd. */
static int v2_enable(int dirfd, bool cpu)
{
	int r = cg_write(dirfd, "cgroup.subtree_control", "+memory +pids");

	/*
	 * cpu gives every box the same weight, so that a job's threads take
	 * one share of the CPUs, not one each (cpu.stat is a core file either
	 * way): a host that refuses it (realtime tasks under
	 * CONFIG_RT_GROUP_SCHED) still gets boxes, without that share.
	 */
	if (r == 0 && cpu)
		(void)cg_write(dirfd, "cgroup.subtree_control", "+cpu");
	return r;
}

/*
 * "No internal processes": the daemon moves into <own>/supervisor before
 * <own> may hand controllers down.  Undone when enabling them fails.
 */
static int v2_take_over(int bfd, const char *base, bool cpu, char *err, size_t n)
{
	char es[64];
	int sfd, r;

	if (mkdirat(bfd, "supervisor", 0755) < 0 && errno != EEXIST)
		return errf(err, n, -errno, "cgroup2: cannot create %s/supervisor", base);
	sfd = openat(bfd, "supervisor", O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (sfd < 0)
		return errf(err, n, -errno, "cgroup2: cannot open %s/supervisor", base);
	r = cg_write(sfd, "cgroup.procs", "0");
	close(sfd);
	if (r == 0 && (r = v2_enable(bfd, cpu)) < 0) {
		(void)cg_write(bfd, "cgroup.procs", "0");
		(void)unlinkat(bfd, "supervisor", AT_REMOVEDIR);
	}
	if (r < 0)
		return errf(err, n, r, "cgroup2: cannot delegate %s (move into "
			    "supervisor, enable memory and pids): %s; fix: run cylo as "
			    "a systemd service with Delegate=yes, or set "
			    "sandbox.cgroup_root", base, errstr(r, es, sizeof(es)));
	return 0;
}

static int v2_base(const struct host *h, const char *root, char *base, size_t bn,
		   char *err, size_t n)
{
	int k;

	if (root) {
		k = snprintf(base, bn, "%s", root);
		return k < 0 || (size_t)k >= bn ? -ENAMETOOLONG : 0;
	}
	if (!h->v2_mnt || !h->v2_own)
		return errf(err, n, -ENOENT, "cgroup2: no cgroup2 filesystem is "
			    "mounted; fix: boot with systemd.unified_cgroup_hierarchy=1, "
			    "or set cgroups = v1 or none");
	if (own_dir(h->v2_mnt, h->v2_root, h->v2_own, base, bn) < 0)
		return errf(err, n, -ENOENT, "cgroup2: our group %s is not visible "
			    "under %s; fix: set sandbox.cgroup_root", h->v2_own, h->v2_mnt);
	return 0;
}

static int setup_v2(struct cg_env *e, const struct host *h, const char *root,
		    char *err, size_t n)
{
	char base[PATH_MAX], es[64];
	bool move, cpu = false;
	int bfd, r;

	if ((r = v2_base(h, root, base, sizeof(base), err, n)) < 0)
		return r;
	move = !root && !v2_supervisor_parent(base);
	bfd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (bfd < 0)
		return errf(err, n, -errno, "cgroup2: cannot open %s", base);
	r = v2_check_base(bfd, base, &cpu, err, n);
	if (r == 0 && move && (r = v2_own_ok(bfd, base, err, n)) == 0)
		r = v2_take_over(bfd, base, cpu, err, n);
	else if (r == 0 && !move && (r = v2_enable(bfd, cpu)) < 0)
		errf(err, n, r, "cgroup2: cannot enable memory and pids in %s: %s "
		     "(does it hold processes?); fix: delegate a group without "
		     "processes", base, errstr(r, es, sizeof(es)));
	close(bfd);
	if (r < 0)
		return r;
	e->kind = CG_V2;
	if ((r = add_parent(e, base)) < 0 || (r = v2_enable(e->fd[0], cpu)) < 0)
		return errf(err, n, r, "cgroup2: cannot create our group below %s: %s",
			    base, errstr(r, es, sizeof(es)));
	e->ctl[CTL_MEMORY] = e->ctl[CTL_PIDS] = e->ctl[CTL_CPU] = 0;
	e->ctl[CTL_SCHED] = cpu ? 0 : -1;	/* equal weights by default */
	return errf(err, n, 0, "%s", "");
}

/* AUTO: v2, else v1, else none; @err says why the better ones were passed over. */
static int setup_auto(struct cg_env *e, const struct host *h, const char *root,
		      char *err, size_t n)
{
	char why2[512], why1[512];
	int r;

	r = setup_v2(e, h, root, why2, sizeof(why2));
	if (r == 0 || root)	/* a configured root is never silently ignored */
		return errf(err, n, r, "%s", why2);
	env_release(e);
	if (setup_v1(e, h, why1, sizeof(why1)) == 0)
		return errf(err, n, 0, "%s", why2);
	env_release(e);
	return errf(err, n, 0, "%s; %s", why2, why1);
}

/* ---- public: env ------------------------------------------------------ */

int cg_env_detect(int want, const char *root, struct cg_env **out,
		  char *err, size_t n)
{
	struct host h = { .mountinfo = NULL };
	struct cg_env *e;
	char es[64];
	int r = 0;

	*out = NULL;
	errf(err, n, 0, "%s", "");
	e = malloc(sizeof(*e));
	if (!e)
		return -ENOMEM;
	env_init(e, atomic_fetch_add(&env_seq, 1));
	if (want != CGROUP_NONE && (r = host_load(&h)) < 0) {
		errf(err, n, r, "cgroups: cannot read /proc/self/mountinfo or "
		     "/proc/self/cgroup: %s", errstr(r, es, sizeof(es)));
		goto out;
	}
	if (want == CGROUP_V2)
		r = setup_v2(e, &h, root, err, n);
	else if (want == CGROUP_V1)
		r = setup_v1(e, &h, err, n);
	else if (want == CGROUP_AUTO)
		r = setup_auto(e, &h, root, err, n);
	else if (want != CGROUP_NONE)
		r = errf(err, n, -EINVAL, "cgroups: unknown mode %d", want);
out:
	host_free(&h);
	if (r < 0) {
		cg_env_free(e);
		return r;
	}
	*out = e;
	return 0;
}

int cg_env_v2_bare(struct cg_env **out, char *err, size_t n)
{
	struct host h = { .mountinfo = NULL };
	char base[PATH_MAX], es[64];
	struct cg_env *e;
	int r;

	*out = NULL;
	e = malloc(sizeof(*e));
	if (!e)
		return -ENOMEM;
	env_init(e, atomic_fetch_add(&env_seq, 1));
	r = host_load(&h);
	if (r == 0)
		r = v2_base(&h, NULL, base, sizeof(base), err, n);
	if (r == 0 && access(base, W_OK) < 0)
		r = errf(err, n, -errno, "cgroup2: our group %s is not writable", base);
	if (r == 0 && (r = add_parent(e, base)) < 0)
		errf(err, n, r, "cgroup2: cannot create a group below %s: %s", base,
		     errstr(r, es, sizeof(es)));
	host_free(&h);
	if (r < 0) {
		cg_env_free(e);
		return r;
	}
	e->kind = CG_V2;
	e->ctl[CTL_CPU] = 0;	/* cpu.stat is a core file; memory and pids stay off */
	*out = e;
	return 0;
}

enum cg_kind cg_env_kind(const struct cg_env *e)
{
	return e->kind;
}

const char *cg_kind_name(enum cg_kind k)
{
	switch (k) {
	case CG_V2:
		return "cgroup2";
	case CG_V1:
		return "cgroup1";
	case CG_NONE:
		break;
	}
	return "rlimit";
}

const char *cg_env_path(const struct cg_env *e, size_t i)
{
	return i < e->nhier ? e->path[i] : NULL;
}

void cg_env_free(struct cg_env *e)
{
	if (!e)
		return;
	env_release(e);
	free(e);
}

/* ---- boxes ---------------------------------------------------------------- */

static bool name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n > 0 && n <= CG_NAME_MAX && s[0] != '.' &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789-_.") == n;
}

/* The box's directory in the hierarchy of controller @c, or -1. */
static int ctl_fd(const struct cg_box *b, int c)
{
	int i = b->env->ctl[c];

	return i < 0 ? -1 : b->fd[i];
}

static int v2_box_memory(int fd)
{
	/* On OOM the whole box dies, not one task the job could respawn. */
	int r = cg_write(fd, "memory.oom.group", "1");

	if (r < 0)
		return r;
	/* ENOENT: a kernel without swap support has neither the file nor swap. */
	r = cg_write(fd, "memory.swap.max", "0");
	return r == -ENOENT ? 0 : r;
}

static struct cg_box *box_new(const struct cg_env *e, const char *name)
{
	struct cg_box *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->env = e;
	b->peak_fd = -1;
	for (size_t i = 0; i < CG_STATS; i++)
		b->stat_fd[i] = -1;
	memcpy(b->name, name, strlen(name) + 1);
	for (size_t i = 0; i < CG_HIER_MAX; i++)
		b->fd[i] = -1;
	return b;
}

int cg_box_parent(const struct cg_env *e, struct cg_box **out)
{
	struct cg_box *b;

	*out = NULL;
	if (e->kind != CG_V1)
		return -EOPNOTSUPP;
	if (!(b = box_new(e, ".")))
		return -ENOMEM;
	b->parent = true;
	for (size_t i = 0; i < e->nhier; i++) {
		if ((b->fd[i] = fcntl(e->fd[i], F_DUPFD_CLOEXEC, 0)) < 0) {
			int r = -errno;

			(void)cg_box_destroy(b);
			return r;
		}
	}
	*out = b;
	return 0;
}

int cg_box_create(const struct cg_env *e, const char *name, struct cg_box **out)
{
	struct cg_box *b;
	int r = 0;

	*out = NULL;
	if (e->kind == CG_NONE)
		return -EOPNOTSUPP;
	if (!name_ok(name))
		return -EINVAL;
	if (!(b = box_new(e, name)))
		return -ENOMEM;
	for (size_t i = 0; i < e->nhier && r == 0; i++) {
		if (mkdirat(e->fd[i], name, 0755) < 0) {
			r = -errno;
			break;
		}
		b->fd[i] = openat(e->fd[i], name, O_PATH | O_DIRECTORY | O_CLOEXEC |
				  O_NOFOLLOW);
		if (b->fd[i] < 0) {
			r = -errno;
			(void)unlinkat(e->fd[i], name, AT_REMOVEDIR);
		}
	}
	if (r == 0 && e->kind == CG_V2 && e->ctl[CTL_MEMORY] >= 0)
		r = v2_box_memory(b->fd[0]);
	if (r < 0) {
		(void)cg_box_destroy(b);	/* only the groups made above */
		return r;
	}
	*out = b;
	return 0;
}

/*
 * v1 refuses memory.memsw.limit_in_bytes below memory.limit_in_bytes and
 * the reverse, so raising writes memsw first and lowering writes it last.
 * ENOENT: no swap accounting, and then no swap to limit.
 */
static int v1_memory_limit(int fd, long mb)
{
	long v = mb < 0 ? -1 : mb << 20;
	int r;

	r = cg_write_num(fd, "memory.memsw.limit_in_bytes", v, "-1");
	if (r == 0 || r == -ENOENT)
		return cg_write_num(fd, "memory.limit_in_bytes", v, "-1");
	if (r != -EINVAL)
		return r;
	r = cg_write_num(fd, "memory.limit_in_bytes", v, "-1");
	if (r == 0)
		r = cg_write_num(fd, "memory.memsw.limit_in_bytes", v, "-1");
	return r;
}

int cg_box_limit(struct cg_box *b, long memory_mb, long pids)
{
	int mfd = ctl_fd(b, CTL_MEMORY), pfd = ctl_fd(b, CTL_PIDS), r = 0;

	if ((memory_mb >= 0 && mfd < 0) || (pids >= 0 && pfd < 0))
		return -EOPNOTSUPP;
	if (memory_mb > (CG_LONG_MAX >> 20) || pids > CG_INT_MAX)
		return -ERANGE;
	if (mfd >= 0 && b->env->kind == CG_V2)
		r = cg_write_num(mfd, "memory.max", memory_mb < 0 ? -1 : memory_mb << 20,
				 "max");
	else if (mfd >= 0)
		r = v1_memory_limit(mfd, memory_mb);
	if (r == 0 && pfd >= 0)
		r = cg_write_num(pfd, "pids.max", pids, "max");
	return r;
}

/*
 * Linux 6.12 made memory.peak writable: a write restarts the peak as seen
 * through that open file only, so the box keeps the fd and reads later
 * peaks through it.  Before, the file is read-only (EACCES at open) or,
 * before 5.19, absent.
 */
static int v2_reset_peak(struct cg_box *b, int dirfd)
{
	ssize_t w;
	int fd;

	fd = openat(dirfd, "memory.peak", O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == EACCES || errno == ENOENT ? -EOPNOTSUPP : -errno;
	w = write(fd, "reset\n", 6);
	if (w != 6) {
		int r = w < 0 ? (errno == EINVAL ? -EOPNOTSUPP : -errno) : -EIO;

		close(fd);
		return r;
	}
	if (b->peak_fd >= 0)
		close(b->peak_fd);
	b->peak_fd = fd;
	return 0;
}

int cg_box_reset_peak(struct cg_box *b)
{
	int fd = ctl_fd(b, CTL_MEMORY);

	if (fd < 0)
		return -EOPNOTSUPP;
	if (b->env->kind == CG_V2)
		return v2_reset_peak(b, fd);
	return cg_write(fd, "memory.max_usage_in_bytes", "0");
}

int cg_box_dirfd(const struct cg_box *b)
{
	return b->env->kind == CG_V2 ? b->fd[0] : -1;
}

int cg_box_attach(struct cg_box *b, pid_t pid)
{
	char val[16];
	int r;

	if (pid <= 0)
		return -EINVAL;
	snprintf(val, sizeof(val), "%d", (int)pid);
	for (size_t i = 0; i < b->env->nhier; i++)
		if ((r = cg_write(b->fd[i], "cgroup.procs", val)) < 0)
			return r;
	return 0;
}

/*
 * "0" rather than our tid: a thread that moves itself is the one case where
 * the kernel skips write-locking cgroup_threadgroup_rwsem
 * (cgroup_procs_write_start), and that lock waits for an RCU grace period,
 * 5-20 ms, which a one-shot `cylo exec` would otherwise pay on every run.
 */
int cg_box_join_thread(struct cg_box *b)
{
	int r;

	if (cg_env_kind(b->env) != CG_V1)
		return -EOPNOTSUPP;
	b->threads = true;
	for (size_t i = 0; i < b->env->nhier; i++)
		if ((r = cg_write(b->fd[i], "tasks", "0")) < 0)
			return r;
	return 0;
}

/* ---- stats ------------------------------------------------------------------ */

struct stat_src {
	int ctl;
	const char *file;
	const char *key;	/* NULL: the whole file is the number */
	long div;
	size_t off;		/* field of struct cg_stats */
};

#define FIELD(f) offsetof(struct cg_stats, f)
static const struct stat_src v2_stats[] = {
	{ CTL_MEMORY, "memory.peak", NULL, 1024, FIELD(peak_kb) },
	{ CTL_MEMORY, "memory.events", "oom_kill", 1, FIELD(oom_kills) },
	{ CTL_CPU, "cpu.stat", "usage_usec", 1, FIELD(cpu_usec) },
	{ CTL_PIDS, "pids.events", "max", 1, FIELD(pids_max_hits) },
	{ CTL_MEMORY, "memory.current", NULL, 1024, FIELD(usage_kb) },
};
static const struct stat_src v1_stats[] = {
	{ CTL_MEMORY, "memory.max_usage_in_bytes", NULL, 1024, FIELD(peak_kb) },
	{ CTL_MEMORY, "memory.oom_control", "oom_kill", 1, FIELD(oom_kills) },
	{ CTL_CPU, "cpuacct.usage", NULL, 1000, FIELD(cpu_usec) },
	{ CTL_PIDS, "pids.events", "max", 1, FIELD(pids_max_hits) },
	{ CTL_MEMORY, "memory.usage_in_bytes", NULL, 1024, FIELD(usage_kb) },
};

/*
 * Counter @i; -ENOENT when this kernel or host does not provide it.  Its
 * file stays open for the next read (a stage reads them at its start, at
 * its end, and every 100 ms against a CPU budget): a cgroup file read
 * again from offset 0 says what holds now.
 */
static int stat_read(struct cg_box *b, size_t i, const struct stat_src *s, long *v)
{
	char buf[CG_FILE_MAX];
	int fd = ctl_fd(b, s->ctl), r;

	if (fd < 0)
		return -ENOENT;
	if (s->off == FIELD(peak_kb) && b->peak_fd >= 0) {
		r = pread_small(b->peak_fd, buf, sizeof(buf));
	} else {
		if (b->stat_fd[i] < 0 &&
		    (b->stat_fd[i] = openat(fd, s->file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
			return -errno;
		r = pread_small(b->stat_fd[i], buf, sizeof(buf));
	}
	if (r < 0)
		return r;
	return keyed_value(buf, s->key, v);
}

int cg_box_stats(struct cg_box *b, struct cg_stats *s)
{
	const struct stat_src *t = b->env->kind == CG_V2 ? v2_stats : v1_stats;
	long v;
	int r;

	s->peak_kb = s->oom_kills = s->cpu_usec = s->pids_max_hits = s->usage_kb = -1;
	for (size_t i = 0; i < CG_STATS; i++) {
		r = stat_read(b, i, &t[i], &v);
		if (r == -ENOENT)
			continue;
		if (r < 0)
			return r;
		*(long long *)(void *)((char *)s + t[i].off) = v / t[i].div;
	}
	return 0;
}
#undef FIELD

int cg_box_file_kb(struct cg_box *b, long *kb)
{
	char buf[CG_STAT_MAX];
	int fd = ctl_fd(b, CTL_MEMORY), r;
	long active, inactive;

	if (fd < 0)
		return -ENOENT;
	/* The same keys, in bytes, in v1 (the group's own) and v2. */
	if ((r = cg_read(fd, "memory.stat", buf, sizeof(buf))) < 0 ||
	    (r = keyed_value(buf, "active_file", &active)) < 0 ||
	    (r = keyed_value(buf, "inactive_file", &inactive)) < 0)
		return r;
	*kb = (active + inactive) / 1024;
	return 0;
}
_Static_assert(sizeof(v1_stats) == sizeof(v2_stats), "one source per field");
_Static_assert(sizeof(v1_stats) / sizeof(v1_stats[0]) == CG_STATS, "a fd per counter");

/* ---- kill and emptiness ---------------------------------------------------- */

struct pidlist {
	pid_t *pid;
	size_t n;
};

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

static int pids_parse(char *txt, struct pidlist *l)
{
	size_t cap = 0;
	char *p, *nl;
	long v;

	for (p = txt; (p = strchr(p, '\n')) != NULL; p++)
		cap++;
	l->pid = malloc((cap ? cap : 1) * sizeof(pid_t));
	if (!l->pid)
		return -ENOMEM;
	for (p = txt; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		*nl = '\0';
		if (parse_long(p, 1, CG_INT_MAX, &v) < 0)
			return -EPROTO;
		l->pid[l->n++] = (pid_t)v;
	}
	qsort(l->pid, l->n, sizeof(pid_t), cmp_pid);
	return (int)l->n;
}

/* The processes listed in @dirfd's cgroup.procs, sorted.  Count or -errno. */
static int pids_read(int dirfd, struct pidlist *l)
{
	char *txt = NULL;
	size_t len;
	int fd, r;

	l->pid = NULL;
	l->n = 0;
	fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	r = read_fd_all(fd, CG_PROCS_MAX, &txt, &len);
	close(fd);
	if (r == 0)
		r = pids_parse(txt, l);
	free(txt);
	return r;
}

/* Pins each process of @l into @pfd (-1 for one already gone).  0 or -errno. */
static int pin_all(const struct pidlist *l, int *pfd)
{
	int r = 0;

	for (size_t i = 0; i < l->n; i++) {
		pfd[i] = r < 0 ? -1 : pidfd_open(l->pid[i], 0);
		if (pfd[i] < 0 && r == 0 && errno != ESRCH)	/* ESRCH: gone */
			r = -errno;
	}
	return r;
}

/*
 * Signals every process listed in @dirfd's cgroup.procs.  A listed pid may
 * be reused by an unrelated process before we act, so each is pinned with
 * a pidfd first and signalled only if the file still lists it afterwards.
 * A process cannot leave the box on its own, so a pid still listed is
 * either the pinned process or, if that one died and its pid was reused
 * inside the box, a dead pidfd the kernel answers with ESRCH.
 */
static int kill_round(int dirfd)
{
	struct pidlist before, after = { NULL, 0 };
	int *pfd = NULL, r;

	r = pids_read(dirfd, &before);
	if (r <= 0)
		goto out;
	pfd = malloc(before.n * sizeof(int));
	if (!pfd) {
		r = -ENOMEM;
		goto out;
	}
	r = pin_all(&before, pfd);
	if (r == 0)
		r = pids_read(dirfd, &after);
	for (size_t i = 0; i < before.n; i++) {
		if (r >= 0 && pfd[i] >= 0 &&
		    bsearch(&before.pid[i], after.pid, after.n, sizeof(pid_t), cmp_pid) &&
		    pidfd_send_signal(pfd[i], SIGKILL, NULL, 0) < 0 && errno != ESRCH)
			r = -errno;
		if (pfd[i] >= 0)
			close(pfd[i]);
	}
out:
	free(pfd);
	free(before.pid);
	free(after.pid);
	return r < 0 ? r : 0;
}

/*
 * Without cgroup.kill: pids.max 0 closes the set (no task of the box can
 * fork any more), so one round reaches everyone but a fork already past
 * its pids charge, which the second round catches.
 */
static int kill_listed(struct cg_box *b)
{
	int pfd = ctl_fd(b, CTL_PIDS), r;

	if (pfd >= 0 && (r = cg_write(pfd, "pids.max", "0")) < 0)
		return r;
	for (int round = 0; round < 2; round++)
		if ((r = kill_round(pfd >= 0 ? pfd : b->fd[0])) < 0)
			return r;
	return 0;
}

int cg_box_kill(struct cg_box *b)
{
	int r;

	/* v1 lists the tgid of a member thread: that would be us. */
	if (b->threads)
		return -EOPNOTSUPP;
	if (b->env->kind == CG_V2) {
		r = cg_write(b->fd[0], "cgroup.kill", "1");
		/* COMPAT(Linux < 5.14, no cgroup.kill): drop with 5.14 as the minimum. */
		if (r != -ENOENT)
			return r;
	}
	return kill_listed(b);
}

static int procs_nonempty(int dirfd)
{
	char c[16];
	ssize_t k;
	int fd;

	fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	do
		k = read(fd, c, sizeof(c));
	while (k < 0 && errno == EINTR);
	if (k < 0)
		k = -errno;
	close(fd);
	return k < 0 ? (int)k : k > 0;
}

int cg_box_populated(struct cg_box *b)
{
	char buf[CG_FILE_MAX];
	long v;
	int r;

	if (b->env->kind == CG_V2) {
		r = cg_read(b->fd[0], "cgroup.events", buf, sizeof(buf));
		if (r >= 0)
			r = keyed_value(buf, "populated", &v);
		return r < 0 ? r : v != 0;
	}
	for (size_t i = 0; i < b->env->nhier; i++)
		if ((r = procs_nonempty(b->fd[i])) != 0)
			return r;
	return 0;
}

int cg_box_destroy(struct cg_box *b)
{
	int r = 0, k;

	if (!b)
		return 0;
	if (b->peak_fd >= 0)
		close(b->peak_fd);
	for (size_t i = 0; i < CG_STATS; i++)
		if (b->stat_fd[i] >= 0)
			close(b->stat_fd[i]);
	for (size_t i = 0; i < b->env->nhier; i++) {
		if (b->fd[i] < 0)
			continue;
		close(b->fd[i]);
		if (b->parent)
			continue;
		k = rmdir_at(b->env->fd[i], b->name);
		if (k < 0 && r == 0)
			r = k;
	}
	free(b);
	return r;
}
