/*
 * mnt_template.c - read-only mount trees built once, copied per box.
 *
 * A template is a mount namespace whose root is the shared part of every
 * box's root (sandbox_mount.c, mount_build_template()).  A child cloned
 * into new mount and PID namespaces builds it and waits; the worker
 * thread opens /proc/PID/ns/mnt, which keeps the namespace alive after
 * the child exits.  To clone a box from it, the thread setns()es into the
 * template just for the clone3(), whose CLONE_NEWNS then copies the
 * template's few mounts instead of the host's, and returns at once.
 * setns() into a mount namespace needs a thread with its own fs_struct
 * (root and cwd), so each thread unshares CLONE_FS once.
 *
 * The template belongs to the daemon's user namespace: the copy a box
 * gets belongs to the box's, so the kernel locks its mounts (see
 * sandbox_mount.c).  Templates are never written after they are built.
 *
 * Nothing here runs in a box: on the worker thread, and in the builder
 * child, which only makes syscalls (a copy of a multi-threaded process).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mnt_template.h"
#include "sandbox_plan.h"
#include "util.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define TMPL_MAX 4
#define TMPL_PATHS 128		/* a language's paths and extra_ro_paths */
#define NS 1000000000LL
#define TMPL_FRESH_NS (10 * NS)	/* not used when older */
#define TMPL_RENEW_NS (5 * NS)	/* rebuilt when idle and older */
#define TMPL_UNUSED_NS (120 * NS)	/* dropped when unused that long */
#define TMPL_RETRY_NS (60 * NS)	/* no build that long after one failed */
#define BUILD_TIMEOUT_MS 10000	/* a bind of a hung NFS or FUSE path */
#define TMPL_FAILED_MAX 8	/* failed sets of paths remembered */

struct tmpl {
	char *key;		/* the read-only paths, each with its NUL */
	size_t keylen;
	int fd;			/* the mount namespace; -1: free slot */
	int64_t born, used;
};

static __thread struct tmpl cache[TMPL_MAX];
static __thread bool cache_init, fs_own;
static __thread bool active;	/* the thread calls mnt_template_idle() */
static __thread char *wanted;	/* a box's paths that had no template */
static __thread size_t wantedlen;

/* A set of paths whose build failed, and when to try it again. */
struct failure {
	char *key;		/* NULL: a free entry */
	size_t keylen;
	int64_t retry_at;
};

/* What a builder reports: its error, and the path it was binding. */
struct build_report {
	int err;
	int path;		/* its offset in the key; -1: not one path's fault */
};

static __thread struct failure failures[TMPL_FAILED_MAX];

/* An idle worker renews a template before it is too old to use. */
_Static_assert(MNT_TEMPLATE_IDLE_MS * 1000000LL < TMPL_RENEW_NS &&
	       TMPL_RENEW_NS + MNT_TEMPLATE_IDLE_MS * 1000000LL < TMPL_FRESH_NS,
	       "idle ticks too far apart for the renewal and freshness ages");

/* What templates age by: CLOCK_MONOTONIC, or a test's clock. */
static int64_t (*clock_ns)(void) = now_mono_ns;

void mnt_template_clock(int64_t (*fn)(void))
{
	clock_ns = fn ? fn : now_mono_ns;
}

static void init_cache(void)
{
	if (cache_init)
		return;
	for (int i = 0; i < TMPL_MAX; i++)
		cache[i].fd = -1;
	cache_init = true;
}

/* @ro_paths as one key: every path with its NUL.  NULL on ENOMEM. */
static char *make_key(char *const *ro_paths, size_t *len)
{
	size_t n = 0, off = 0;
	char *k;

	for (int i = 0; ro_paths && ro_paths[i]; i++)
		n += strlen(ro_paths[i]) + 1;
	if (!(k = malloc(n + 1)))
		return NULL;
	for (int i = 0; ro_paths && ro_paths[i]; i++) {
		size_t l = strlen(ro_paths[i]) + 1;
		memcpy(k + off, ro_paths[i], l);
		off += l;
	}
	*len = n;
	return k;
}

static struct tmpl *find(const char *key, size_t len)
{
	init_cache();
	for (int i = 0; i < TMPL_MAX; i++)
		if (cache[i].fd >= 0 && cache[i].keylen == len &&
		    memcmp(cache[i].key, key, len) == 0)
			return &cache[i];
	return NULL;
}

/* Which slot to reuse first: free ones, then the least recently used. */
static int64_t tmpl_age(const struct tmpl *t)
{
	return t->fd < 0 ? INT64_MIN : t->used;
}

static void forget(struct tmpl *t)
{
	if (t->fd >= 0)
		close(t->fd);
	free(t->key);
	t->key = NULL;
	t->fd = -1;
}

bool mnt_template_enter(char *const *ro_paths)
{
	size_t len;
	char *key;
	struct tmpl *t;

	if (!active)		/* a one-shot command: no template pays off */
		return false;
	if (!(key = make_key(ro_paths, &len)))
		return false;
	t = find(key, len);
	/* Too old to use: what it binds by path may have been replaced. */
	if (!t || clock_ns() - t->born > TMPL_FRESH_NS) {
		free(wanted);
		wanted = key;
		wantedlen = len;
		return false;
	}
	free(key);
	if (setns(t->fd, CLONE_NEWNS) < 0)
		return false;
	t->used = clock_ns();
	return true;
}

int mnt_template_leave(int host_fd)
{
	return setns(host_fd, CLONE_NEWNS) < 0 ? -errno : 0;
}

/* The builder child: builds, reports, waits for the parent to look. */
static __attribute__((noreturn)) void builder(const char *key, size_t len,
					      const struct fs_as *as, int sock)
{
	char *paths[TMPL_PATHS + 1];
	int n = 0, step = STEP_NONE, arg = -1;
	struct build_report rep = { .path = -1 };
	char c;

	/* Only our end of the socket: with the parent's end (or any fd of
	 * the daemon's) still open here, EOF would never come. */
	if ((sock > 0 && syscall(SYS_close_range, 0, sock - 1, 0) < 0) ||
	    syscall(SYS_close_range, sock + 1, ~0U, 0) < 0)
		_exit(1);
	for (size_t off = 0; off < len; off += strlen(key + off) + 1) {
		if (n == TMPL_PATHS) {	/* build() checked; this bounds paths[] */
			rep.err = -E2BIG;
			goto report;
		}
		paths[n++] = (char *)key + off;
	}
	paths[n] = NULL;
	rep.err = mount_build_template(paths, as, &step, &arg);
	if (rep.err < 0 && step == STEP_MOUNT_RO && arg >= 0 && arg < n)
		rep.path = (int)(paths[arg] - key);
report:
	if (send(sock, &rep, sizeof(rep), 0) != (ssize_t)sizeof(rep))
		_exit(1);
	/* Until the parent closes its end, having opened our namespace. */
	while (recv(sock, &c, 1, 0) < 0 && errno == EINTR)
		;
	_exit(0);
}

/* Waits up to BUILD_TIMEOUT_MS for the builder's report: 0 or -errno. */
static int report_of(int sock, struct build_report *rep)
{
	struct pollfd pfd = { .fd = sock, .events = POLLIN };
	int r;

	do
		r = poll(&pfd, 1, BUILD_TIMEOUT_MS);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return -ETIMEDOUT;
	if (r < 0)
		return -errno;
	do
		r = (int)recv(sock, rep, sizeof(*rep), 0);
	while (r < 0 && errno == EINTR);
	return r == (int)sizeof(*rep) ? 0 : -EIO;	/* died before reporting */
}

/* How many paths @key holds (each ends in its NUL). */
static size_t npaths(const char *key, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += key[i] == '\0';
	return n;
}

/* A new template's namespace fd for @key, or -errno with *@path the
 * offset in @key of the path it failed on (-1: none in particular). */
static int build(const char *key, size_t len, const struct fs_as *as, int *path)
{
	struct build_report rep = { .path = -1 };
	int sv[2], pidfd = -1, e, fd = -1, r;
	char nspath[64];
	struct clone_args a = {
		.flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_PIDFD,
		.pidfd = (uint64_t)(uintptr_t)&pidfd,
		.exit_signal = 0,	/* reaped through the pidfd, no SIGCHLD */
	};
	long pid;

	*path = -1;
	if (npaths(key, len) > TMPL_PATHS)	/* known without a builder */
		return -E2BIG;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	pid = syscall(SYS_clone3, &a, sizeof(a));
	if (pid == 0)
		builder(key, len, as, sv[1]);
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return -errno;
	}
	if ((r = report_of(sv[0], &rep)) < 0) {
		rep.err = r;
		syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	}
	e = rep.err;
	*path = rep.path >= 0 && (size_t)rep.path < len ? rep.path : -1;
	if (e == 0) {
		/* Our unreaped child: the pid cannot have been reused. */
		snprintf(nspath, sizeof(nspath), "/proc/%ld/ns/mnt", pid);
		if ((fd = open(nspath, O_RDONLY | O_CLOEXEC)) < 0)
			e = -errno;
	}
	close(sv[0]);
	while (waitid(P_PIDFD, (id_t)pidfd, NULL, WEXITED | __WALL) < 0 && errno == EINTR)
		;
	close(pidfd);
	return e < 0 ? e : fd;
}

static struct failure *failure_of(const char *key, size_t len)
{
	for (int i = 0; i < TMPL_FAILED_MAX; i++)
		if (failures[i].key && failures[i].keylen == len &&
		    memcmp(failures[i].key, key, len) == 0)
			return &failures[i];
	return NULL;
}

static void failure_clear(struct failure *f)
{
	free(f->key);
	f->key = NULL;
}

/* Which entry to reuse first: free ones, then the oldest failure. */
static int64_t failure_age(const struct failure *f)
{
	return f->key ? f->retry_at : INT64_MIN;
}

/*
 * Remembers that @key's build failed; takes @key.  Each set of
 * paths has its own entry: two languages failing in turn must not retry
 * each other's build (up to BUILD_TIMEOUT_MS each) at every job.
 */
static void failure_note(char *key, size_t len, int64_t now)
{
	struct failure *f = failure_of(key, len);

	if (!f) {		/* a free entry, else the oldest failure */
		f = &failures[0];
		for (int i = 1; i < TMPL_FAILED_MAX; i++)
			if (failure_age(&failures[i]) < failure_age(f))
				f = &failures[i];
	}
	failure_clear(f);
	*f = (struct failure){ .key = key, .keylen = len,
			       .retry_at = now + TMPL_RETRY_NS };
}

/* The path at offset @path of @key into @buf ("" for -1: none in
 * particular), when there is a buffer. */
static void say_path(char *buf, size_t n, const char *key, int path)
{
	if (n)
		snprintf(buf, n, "%s", path >= 0 ? key + path : "");
}

/*
 * Builds the template of @key, or rebuilds it (@renew: an idle renewal,
 * which is not a use); takes @key.  A set whose build failed less than
 * TMPL_RETRY_NS ago is not tried: 0.  On a failed build the path it
 * failed on goes to @why ("" when none); otherwise @why is left as it is.
 */
static int add(char *key, size_t len, const struct fs_as *as, int64_t now, bool renew,
	       char *why, size_t whylen)
{
	struct tmpl *t = find(key, len);
	struct failure *f = failure_of(key, len);
	int64_t used = renew && t ? t->used : now;
	int fd, path;

	if (f && now < f->retry_at) {
		free(key);
		return 0;	/* not tried, and reported when it failed */
	}
	if (!fs_own) {
		if (unshare(CLONE_FS) < 0) {
			free(key);
			return -errno;
		}
		fs_own = true;
	}
	if ((fd = build(key, len, as, &path)) < 0) {
		if (t)
			forget(t);	/* boxes build their own meanwhile */
		say_path(why, whylen, key, path);
		failure_note(key, len, now);	/* takes key */
		return fd;
	}
	if (f)
		failure_clear(f);
	if (!t) {		/* a free slot, else the least recently used */
		t = &cache[0];
		for (int i = 1; i < TMPL_MAX; i++)
			if (tmpl_age(&cache[i]) < tmpl_age(t))
				t = &cache[i];
	}
	forget(t);
	t->key = key;
	t->keylen = len;
	t->fd = fd;
	t->born = now;
	t->used = used;		/* so one left unused is dropped after all */
	return 0;
}

int mnt_template_idle(int host_fd, unsigned uid, unsigned gid, char *path, size_t pathlen)
{
	const struct fs_as as = { uid, gid };
	int64_t now = clock_ns();
	int e = 0, r;

	if (pathlen)
		path[0] = '\0';
	if (host_fd < 0)
		return -EBADF;
	init_cache();
	active = true;
	if (wanted) {
		e = add(wanted, wantedlen, &as, now, false, path, pathlen);
		wanted = NULL;
	}
	for (int i = 0; i < TMPL_MAX; i++) {
		struct tmpl *t = &cache[i];
		char *key;

		if (t->fd < 0)
			continue;
		if (now - t->used > TMPL_UNUSED_NS) {
			forget(t);
		} else if (now - t->born > TMPL_RENEW_NS) {
			if (!(key = malloc(t->keylen ? t->keylen : 1))) {
				e = e < 0 ? e : -ENOMEM;	/* path stays "" */
				continue;
			}
			memcpy(key, t->key, t->keylen);
			/* the first failure is the one reported */
			r = add(key, t->keylen, &as, now, true, e < 0 ? NULL : path,
				e < 0 ? 0 : pathlen);
			if (r < 0 && e == 0)
				e = r;
		}
	}
	return e;
}

void mnt_template_drop(void)
{
	init_cache();
	for (int i = 0; i < TMPL_MAX; i++)
		forget(&cache[i]);
	free(wanted);
	wanted = NULL;
	active = false;
	for (int i = 0; i < TMPL_FAILED_MAX; i++)
		failure_clear(&failures[i]);
}
