/*
 * daemon.c - `cylo watch`: startup, the worker loop, signals, reload,
 * metrics and status files, shutdown.
 *
 * Startup order: signals blocked (read from a signalfd by the main thread
 * only), the sandbox probed (a host that cannot give the required layers
 * stops us with 71), our identity for claims, every watched directory
 * opened (tmpfs mounted first where asked), the queue, the workers, the
 * watcher thread.  The main thread then only waits: for signals, for a
 * timer (lease renewal, freeing retired configurations, metrics and status
 * files) and for notices from the watcher.
 *
 * Generations.  The configuration in use is a struct watch_set: the
 * config plus its opened directories.  A worker holds a reference to the
 * set of the moment for the whole job, the watcher holds one, the daemon
 * one for the current set.  SIGHUP loads a new config; if it is broken the
 * errors are logged and nothing changes; otherwise a new set is built
 * (directories that stay are shared, new ones opened) and published.  Old
 * sets are freed by the main thread once nobody holds them, so running
 * jobs are never affected.  `workers` and `sandbox { }` take effect at the
 * next start (threads and the sandbox are set up once).
 *
 * A job's life (run_input): lstat, claim, check again under the claim,
 * then the result: internal_error after max_attempts claims, invalid_job
 * for anything not a regular file (never opened), otherwise the job layer
 * builds and runs it.  The result is published (as the input's owner when
 * we are root), then the claim removed, then one log line.  When the
 * result cannot be written, the claim is abandoned instead, so that the
 * next run counts one more attempt, unless the folder is full (room may
 * come: the claim is removed); the line then says so.
 *
 * Shutdown (SIGTERM/SIGINT, or --once done): the queue is closed and
 * drained (queued jobs stay pending in the folder), the watcher stopped,
 * running jobs get shutdown_grace seconds; after that their boxes are
 * killed, their results dropped and their claims removed, so they run
 * again at the next start without counting an attempt.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "claim.h"
#include "cli.h"
#include "config.h"
#include "daemon.h"
#include "fsutil.h"
#include "job.h"
#include "log.h"
#include "pool.h"
#include "queue.h"
#include "result.h"
#include "sandbox.h"
#include "util.h"
#include "watcher.h"

#define NS 1000000000LL
#define TICK_MS 500
#define MAX_NOTES 64
#define MAX_COUNTERS 512
#define KILL_WAIT_NS (30 * NS)	/* after the kill, boxes end at once */
#define SLOT_UIDS_WAIT_MS 5000	/* see take_slot_uids() */
#define ESC_NAME 1100		/* log_escape() of a 255-byte name */

static const double buckets[] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
};
#define NBUCKETS (sizeof(buckets) / sizeof(buckets[0]))

struct counter {
	char lang[48];
	enum job_status st;
	uint64_t n;
};

struct metrics {
	pthread_mutex_t lock;
	struct counter c[MAX_COUNTERS];
	size_t nc;
	uint64_t bucket[NBUCKETS + 1];
	double sum_s;
	uint64_t count;
	double publish_s;	/* writing results: the benchmark's last stage */
	uint64_t published;
	uint64_t publish_errors;
};

struct cfg_node {
	struct cylo_config *cfg;
	struct cfg_node *next;
};

struct set_node {
	struct watch_set *set;
	struct set_node *next;
};

struct notice {
	uint32_t id;
	enum watch_event ev;
};

/* An admin file we rewrite (metrics_file, status_file). */
struct out_file {
	char *last;		/* what is there now, to skip identical rewrites */
	bool failing;		/* warned about a failure, until one succeeds */
};

struct daemon {
	const struct daemon_opts *o;
	struct cylo_config *cfg;	/* the current set's */
	struct cfg_node *cfgs;		/* every config a set may still use */
	struct sandbox_env *sb;
	int self_fd;
	char host[256];
	int workers;
	struct queue *q;
	struct pool *pool;
	pthread_mutex_t wlock;		/* guards @watcher against stop */
	struct watcher *watcher;
	struct watcher_stats last_stats;	/* @watcher's when it stopped */
	pthread_mutex_t set_lock;
	struct watch_set *set;		/* current; we hold one reference */
	struct set_node *retired;
	uint32_t next_id;
	int sfd, tfd, efd;
	pthread_mutex_t note_lock;
	struct notice notes[MAX_NOTES];
	size_t nnotes;
	bool once_done;
	bool stopping;
	atomic_bool cancel;		/* shutdown kill: drop the results */
	atomic_bool failed;		/* a job could not be claimed, or its result
				   could not be written */
	atomic_bool broken;		/* a worker is stuck: stop, exit 1 */
	atomic_int busy;
	struct metrics m;
	struct out_file metrics_out, status_out;
	int64_t started_ns;
};

/* ---- watched directories ---- */

/* Filesystems where other machines write: inotify cannot see them. */
static bool network_fs(int fd)
{
	static const unsigned long magic[] = {
		0x6969,		/* NFS */
		0x517B,		/* SMB */
		0xFF534D42,	/* CIFS */
		0xFE534D42,	/* SMB2 */
		0x65735546,	/* FUSE (sshfs, glusterfs, s3fs...) */
		0x01021997,	/* 9P */
		0x00C36400,	/* Ceph */
		0x5346414F,	/* AFS */
		0x6B414653,	/* kAFS */
		0x73757245,	/* Coda */
		0x01161970,	/* GFS2 */
		0x7461636F,	/* OCFS2 */
		0x0BD00BD0,	/* Lustre */
	};
	struct statfs sf;

	if (fstatfs(fd, &sf) < 0)
		return false;
	for (size_t i = 0; i < sizeof(magic) / sizeof(magic[0]); i++)
		if ((unsigned long)sf.f_type == magic[i])
			return true;
	return false;
}

/* Whether @fd is the root of a mount (statx, else a device change at ..). */
static bool is_mount_root(int fd)
{
	struct statx sx;
	struct stat a, b;

	if (statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &sx) == 0 &&
	    (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))
		return sx.stx_attributes & STATX_ATTR_MOUNT_ROOT;
	return fstat(fd, &a) == 0 && fstatat(fd, "..", &b, 0) == 0 &&
	       (a.st_dev != b.st_dev || a.st_ino == b.st_ino);
}

/*
 * `tmpfs = SIZE`: a size-limited tmpfs on the directory unless it is a
 * mount already (ours from before a restart, or the admin's).  Mounted
 * through /proc/self/fd of a descriptor opened without following a
 * symlink, so one swapped in for the path is never followed.  Returns 0
 * or an exit code.
 */
static int tmpfs_mount(const struct cylo_config *cfg, const struct watch_conf *c,
		       char *err, size_t n)
{
	char target[64], opts[128];
	struct stat st;
	int fd, r = 0;

	if ((fd = config_open_watch(cfg, c, err, n)) < 0)
		return EXIT_CONFIG;
	if (is_mount_root(fd) || fstat(fd, &st) < 0)
		goto out;
	snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
	snprintf(opts, sizeof(opts), "size=%ld,mode=%o,uid=%u,gid=%u", c->tmpfs_bytes,
		 (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid, (unsigned)st.st_gid);
	if (mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) < 0) {
		int e = errno;

		snprintf(err, n, "watch %s: cannot mount the tmpfs of tmpfs = \"%s\": %s%s",
			 c->path, c->tmpfs, strerror(e), e == EPERM ?
			 " (it needs CAP_SYS_ADMIN in the initial namespaces: run cylo as "
			 "root, or remove tmpfs from the watch)" : "");
		r = EXIT_NOHOST;
	}
out:
	close(fd);
	return r;
}

static void dir_free(struct watch_dir *d)
{
	/* Retired pairs went with their last job, which held the set. */
	claim_dirs_free(d->claims);
	pthread_mutex_destroy(&d->claims_lock);
	if (d->dirfd >= 0)
		close(d->dirfd);
	free(d->path);
	free(d);
}

static void dir_put(struct watch_dir *d)
{
	if (atomic_fetch_sub(&d->refs, 1) == 1)
		dir_free(d);
}

/* Opens @d's directory and claim directories: 0, -EIO when the folder is
 * there but its .cylo cannot be used (read-only, an I/O error), another
 * -errno when the path names no directory; @err says which. */
static int dir_fds(struct watch_dir *d, const struct cylo_config *cfg,
		   const struct watch_conf *w, char *err, size_t n)
{
	struct claim_dirs *c;
	bool foreign = false;
	int e;

	if ((d->dirfd = config_open_watch(cfg, w, err, n)) < 0)
		return d->dirfd;
	e = claim_dirs_new(d->dirfd, &c, &foreign);
	if (e < 0) {
		snprintf(err, n, "watch %s: cannot use %s/.cylo/claims: %s", d->path,
			 d->path, strerror(-e));
		return -EIO;	/* the folder is there: not the config's fault */
	}
	d->claims = c;
	d->own_uid = geteuid();
	watch_note_owner(d, c->cylo_fd);
	if (foreign)
		log_warn("watch %s: .cylo belongs to another user, who can remove or "
			 "plant claims", d->path);
	return 0;
}

/* Opens watched directory @c as a new watch_dir (one reference). */
static int dir_open(struct daemon *dm, const struct cylo_config *cfg,
		    const struct watch_conf *c, struct watch_dir **out, char *err, size_t n)
{
	struct watch_dir *d = calloc(1, sizeof(*d));
	int code;

	if (!d || !(d->path = strdup(c->path))) {
		free(d);
		snprintf(err, n, "out of memory");
		return EXIT_FAIL;
	}
	d->dirfd = -1;
	pthread_mutex_init(&d->claims_lock, NULL);
	if (c->tmpfs_bytes > 0 && (code = tmpfs_mount(cfg, c, err, n)) != 0) {
		dir_free(d);
		return code;
	}
	if ((code = dir_fds(d, cfg, c, err, n)) < 0) {
		dir_free(d);
		/* A read-only or failing folder is a runtime failure; a path that
		 * names no directory, the command line's or the config's. */
		return code == -EIO ? EXIT_FAIL : dm->o->ndirs ? EXIT_USAGE : EXIT_CONFIG;
	}
	d->network = network_fs(d->dirfd);
	d->fsync = !fd_on_tmpfs(d->dirfd);
	d->id = ++dm->next_id;
	atomic_init(&d->refs, 1);
	*out = d;
	return 0;
}

/* ---- generations ---- */

static void set_free(struct watch_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		dir_put(s->dirs[i]);
	free(s->dirs);
	free(s->confs);
	free(s);
}

static struct watch_set *set_hold(struct daemon *dm)
{
	struct watch_set *s;

	pthread_mutex_lock(&dm->set_lock);
	s = dm->set;
	atomic_fetch_add(&s->refs, 1);
	pthread_mutex_unlock(&dm->set_lock);
	return s;
}

static void set_put(struct watch_set *s)
{
	atomic_fetch_sub(&s->refs, 1);	/* the main thread frees it (gc) */
}

static struct watch_dir *set_find(const struct watch_set *s, uint32_t id,
				  const struct watch_conf **conf)
{
	for (size_t i = 0; i < s->n; i++) {
		if (s->dirs[i]->id == id) {
			*conf = s->confs[i];
			return s->dirs[i];
		}
	}
	return NULL;
}

/*
 * The index in @c of the watch for command-line DIR @path, added with the
 * defaults unless the config has it already.  -errno when neither.
 */
static long cli_watch(struct cylo_config *c, const char *path)
{
	struct stat want, st;
	int e;

	/* The same directory by any spelling (./d, d/., a//d) is the
	 * configured watch, with its section's settings (its languages); a
	 * symlink is none (dir_fds() refuses it). */
	if (lstat(path, &want) == 0 && S_ISDIR(want.st_mode))
		for (size_t i = 0; i < c->nwatches; i++)
			if (stat(c->watches[i].path, &st) == 0 &&
			    st.st_dev == want.st_dev && st.st_ino == want.st_ino)
				return (long)i;
	e = config_add_watch(c, path);
	if (e == 0)
		return (long)c->nwatches - 1;
	if (e != -EEXIST)
		return e;
	for (size_t i = 0; i < c->nwatches; i++)
		if (!strcmp(c->watches[i].path, path))
			return (long)i;
	return -ENOENT;
}

/* The watches to use: the command line's DIRs, else the config's. */
static int pick_watches(struct daemon *dm, struct cylo_config *c,
			const struct watch_conf ***out, size_t *n, char *err, size_t len)
{
	size_t k = dm->o->ndirs ? dm->o->ndirs : c->nwatches;
	const struct watch_conf **v = calloc(k ? k : 1, sizeof(*v));
	long *idx = calloc(k ? k : 1, sizeof(*idx));

	if (!v || !idx) {
		snprintf(err, len, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < k; i++) {
		idx[i] = dm->o->ndirs ? cli_watch(c, dm->o->dirs[i]) : (long)i;
		if (idx[i] < 0) {
			snprintf(err, len, "watch %s: %s", dm->o->dirs[i], strerror((int)-idx[i]));
			goto fail;
		}
	}
	/* Pointers only now: config_add_watch() may move c->watches. */
	for (size_t i = 0; i < k; i++)
		v[i] = &c->watches[idx[i]];
	free(idx);
	if (k == 0) {
		snprintf(err, len, "nothing to watch: give a DIR or add a watch section "
			 "to the configuration");
		free(v);
		return EXIT_USAGE;
	}
	*out = v;
	*n = k;
	return 0;
fail:
	free(v);
	free(idx);
	return dm->o->ndirs ? EXIT_USAGE : EXIT_FAIL;
}

/*
 * A directory of @old at @path that can be shared, or NULL.  A deleted
 * one too: it stays as it is, its path retried by the watcher, which
 * reopens it alone (@replace_id) when a directory is there again.  Opened
 * anew here, a folder still missing failed the whole set, so that one
 * folder deleted kept another made again from being watched, and every
 * reload from taking effect.
 */
static struct watch_dir *reusable(const struct watch_set *old, const char *path,
				  uint32_t replace_id)
{
	for (size_t i = 0; old && i < old->n; i++) {
		struct watch_dir *d = old->dirs[i];

		if (!strcmp(d->path, path) && d->id != replace_id)
			return d;
	}
	return NULL;
}

/*
 * Whether another directory now stands at @d's path (@d was moved away and
 * a new one made there), reached with no symlink on the way and owned by
 * @d's owner: a reload then watches that one, found in @at.  Anything else
 * keeps @d: the daemon never follows a path swapped for a link (SECURITY
 * X09), and a user who can rename a parent cannot point the watch
 * elsewhere.
 */
static bool dir_replaced(const struct watch_dir *d, struct stat *at)
{
	struct stat st;
	int root, fd;
	bool other;

	if (d->path[0] != '/' || fstat(d->dirfd, &st) < 0 ||
	    (root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return false;
	fd = open_beneath(root, d->path + 1, O_PATH | O_DIRECTORY, 0);
	close(root);
	if (fd < 0)
		return false;
	other = fstat(fd, at) == 0 && st.st_uid == at->st_uid &&
		(st.st_dev != at->st_dev || st.st_ino != at->st_ino);
	close(fd);
	return other;
}

/* Whether @d opened the directory @at describes. */
static bool dir_is(const struct watch_dir *d, const struct stat *at)
{
	struct stat st;

	return fstat(d->dirfd, &st) == 0 && st.st_dev == at->st_dev && st.st_ino == at->st_ino;
}

static bool same_dir(const struct watch_set *s, const struct watch_dir *d)
{
	struct stat a, b;

	if (fstat(d->dirfd, &a) < 0)
		return false;
	for (size_t i = 0; i < s->n; i++)
		if (fstat(s->dirs[i]->dirfd, &b) == 0 && a.st_dev == b.st_dev &&
		    a.st_ino == b.st_ino)
			return true;
	return false;
}

static int set_add(struct daemon *dm, struct watch_set *s, const struct watch_set *old,
		   uint32_t replace_id, const struct watch_conf *c, char *err, size_t n)
{
	struct watch_dir *d = reusable(old, c->path, replace_id), *was = NULL;
	struct stat at;
	int code = 0;

	if (d && dir_replaced(d, &at)) {
		was = d;	/* moved away: its path's directory, as checked */
		d = NULL;
	}
	if (d) {
		atomic_fetch_add(&d->refs, 1);
	} else if ((code = dir_open(dm, s->cfg, c, &d, err, n)) != 0 ||
		   (was && !dir_is(d, &at))) {
		if (!was)
			return code;
		if (code == 0)
			dir_put(d);
		log_warn("watch %s: the directory at its path changed as it was opened; "
			 "the folder moved from there stays watched", c->path);
		d = was;
		atomic_fetch_add(&d->refs, 1);
	} else if (was) {
		log_info("watch %s: watching the directory now at its path (the one "
			 "watched before was moved away)", c->path);
	}
	if (same_dir(s, d)) {
		log_warn("watch %s: the same directory as another watch; ignored", c->path);
		dir_put(d);
		return 0;
	}
	s->dirs[s->n] = d;
	s->confs[s->n++] = c;
	return 0;
}

/*
 * Builds the set for config @c, sharing the directories of @old (except
 * @replace_id, reopened).  Returns 0 or an exit code with @err set.
 */
static int set_build(struct daemon *dm, struct cylo_config *c, const struct watch_set *old,
		     uint32_t replace_id, struct watch_set **out, char *err, size_t n)
{
	const struct watch_conf **confs = NULL;
	struct watch_set *s = NULL;
	size_t k = 0;
	int code;

	if ((code = pick_watches(dm, c, &confs, &k, err, n)) != 0)
		return code;
	s = calloc(1, sizeof(*s));
	if (!s || !(s->dirs = calloc(k, sizeof(*s->dirs))) ||
	    !(s->confs = calloc(k, sizeof(*s->confs)))) {
		snprintf(err, n, "out of memory");
		code = EXIT_FAIL;
		goto out;
	}
	s->cfg = c;
	atomic_init(&s->refs, 1);
	for (size_t i = 0; i < k && code == 0; i++)
		code = set_add(dm, s, old, replace_id, confs[i], err, n);
out:
	free(confs);
	if (code != 0 && s) {
		set_free(s);
		s = NULL;
	}
	*out = s;
	return code;
}

static bool cfg_in_use(const struct daemon *dm, const struct cylo_config *c)
{
	if (c == dm->cfg)
		return true;
	for (const struct set_node *n = dm->retired; n; n = n->next)
		if (n->set->cfg == c)
			return true;
	return false;
}

/* Frees retired sets nobody holds, then configs no set uses.  Main thread. */
static void gc(struct daemon *dm)
{
	struct set_node **pp = &dm->retired, *n;
	struct cfg_node **cp = &dm->cfgs, *c;

	while ((n = *pp)) {
		if (atomic_load(&n->set->refs) > 0) {
			pp = &n->next;
			continue;
		}
		*pp = n->next;
		set_free(n->set);
		free(n);
	}
	while ((c = *cp)) {
		if (cfg_in_use(dm, c->cfg)) {
			cp = &c->next;
			continue;
		}
		*cp = c->next;
		config_free(c->cfg);
		free(c);
	}
}

static int cfg_track(struct daemon *dm, struct cylo_config *c)
{
	struct cfg_node *n = malloc(sizeof(*n));

	if (!n)
		return -ENOMEM;
	n->cfg = c;
	n->next = dm->cfgs;
	dm->cfgs = n;
	return 0;
}

/* Publishes @s as the current set; the old one is retired.  Main thread. */
static void set_swap(struct daemon *dm, struct watch_set *s)
{
	struct set_node *n;
	struct watch_set *old;

	pthread_mutex_lock(&dm->set_lock);
	old = dm->set;
	dm->set = s;
	dm->cfg = (struct cylo_config *)s->cfg;
	pthread_mutex_unlock(&dm->set_lock);
	pthread_mutex_lock(&dm->wlock);
	if (dm->watcher)
		watcher_update(dm->watcher, s);
	pthread_mutex_unlock(&dm->wlock);
	if (!old)
		return;
	atomic_fetch_sub(&old->refs, 1);
	if (!(n = malloc(sizeof(*n)))) {
		/* Cannot track it: it stays allocated until exit (never freed twice). */
		log_err("out of memory; an old configuration is leaked");
		return;
	}
	n->set = old;
	n->next = dm->retired;
	dm->retired = n;
}

/* ---- metrics ---- */

static void metrics_add(struct metrics *m, const struct job_result *r,
			int64_t publish_ns)
{
	double s = r->execution_time_ms > 0 ? r->execution_time_ms / 1000.0 : 0;
	const char *lang = r->language ? r->language : "none";
	size_t i, b;

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->nc; i++)
		if (m->c[i].st == r->status && !strcmp(m->c[i].lang, lang))
			break;
	if (i == m->nc && m->nc < MAX_COUNTERS) {
		snprintf(m->c[i].lang, sizeof(m->c[i].lang), "%s", lang);
		m->c[i].st = r->status;
		m->nc++;
	}
	if (i < m->nc)
		m->c[i].n++;
	for (b = 0; b < NBUCKETS && s > buckets[b]; b++)
		;
	m->bucket[b]++;
	m->sum_s += s;
	m->count++;
	m->publish_s += (double)publish_ns / 1e9;
	m->published++;
	pthread_mutex_unlock(&m->lock);
}

/* A Prometheus label value: backslash, quote and newline escaped. */
static void label(char *dst, size_t n, const char *s)
{
	size_t j = 0;

	for (; *s && j + 3 < n; s++) {
		if (*s == '\\' || *s == '"' || *s == '\n')
			dst[j++] = '\\';
		dst[j++] = *s == '\n' ? 'n' : *s;
	}
	dst[j] = '\0';
}

static void addf(struct dynbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void addf(struct dynbuf *b, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		(void)dynbuf_add(b, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

static void metrics_jobs(struct daemon *dm, struct dynbuf *b)
{
	struct metrics *m = &dm->m;
	uint64_t cum = 0;
	char lbl[128];

	pthread_mutex_lock(&m->lock);
	addf(b, "# HELP cylo_jobs_total Finished jobs by language and status.\n"
	     "# TYPE cylo_jobs_total counter\n");
	for (size_t i = 0; i < m->nc; i++) {
		label(lbl, sizeof(lbl), m->c[i].lang);
		addf(b, "cylo_jobs_total{language=\"%s\",status=\"%s\"} %ju\n", lbl,
		     status_name(m->c[i].st), (uintmax_t)m->c[i].n);
	}
	addf(b, "# HELP cylo_job_duration_seconds Wall time of finished jobs.\n"
	     "# TYPE cylo_job_duration_seconds histogram\n");
	for (size_t i = 0; i <= NBUCKETS; i++) {
		cum += m->bucket[i];
		if (i < NBUCKETS)
			addf(b, "cylo_job_duration_seconds_bucket{le=\"%g\"} %ju\n",
			     buckets[i], (uintmax_t)cum);
		else
			addf(b, "cylo_job_duration_seconds_bucket{le=\"+Inf\"} %ju\n",
			     (uintmax_t)cum);
	}
	addf(b, "cylo_job_duration_seconds_sum %.6f\ncylo_job_duration_seconds_count %ju\n",
	     m->sum_s, (uintmax_t)m->count);
	addf(b, "# HELP cylo_result_write_seconds Writing each result file "
	     "(temporary file, fsync off tmpfs, rename).\n"
	     "# TYPE cylo_result_write_seconds summary\n"
	     "cylo_result_write_seconds_sum %.6f\ncylo_result_write_seconds_count %ju\n",
	     m->publish_s, (uintmax_t)m->published);
	addf(b, "# TYPE cylo_result_write_errors_total counter\n"
	     "cylo_result_write_errors_total %ju\n", (uintmax_t)m->publish_errors);
	pthread_mutex_unlock(&m->lock);
}

static void metrics_gauges(struct daemon *dm, struct dynbuf *b)
{
	struct watcher_stats ws = { 0 };
	size_t queued = 0, running = 0;

	queue_stats(dm->q, &queued, &running);
	pthread_mutex_lock(&dm->wlock);
	if (dm->watcher)
		watcher_get_stats(dm->watcher, &ws);
	else		/* counters never go back: the final write has these */
		ws = dm->last_stats;
	pthread_mutex_unlock(&dm->wlock);
	addf(b, "# TYPE cylo_queue_depth gauge\ncylo_queue_depth %zu\n", queued);
	addf(b, "# TYPE cylo_busy_workers gauge\ncylo_busy_workers %d\n",
	     atomic_load(&dm->busy));
	addf(b, "# TYPE cylo_workers gauge\ncylo_workers %d\n", dm->workers);
	addf(b, "# TYPE cylo_inotify_overflows_total counter\n"
	     "cylo_inotify_overflows_total %ju\n", (uintmax_t)ws.overflows);
	addf(b, "# TYPE cylo_rescans_total counter\ncylo_rescans_total %ju\n",
	     (uintmax_t)ws.rescans);
	addf(b, "# TYPE cylo_scans_total counter\ncylo_scans_total %ju\n",
	     (uintmax_t)ws.scans);
	addf(b, "# TYPE cylo_scan_result_reads_total counter\n"
	     "cylo_scan_result_reads_total %ju\n", (uintmax_t)ws.result_reads);
}

/* Writes @text (taken) to the admin's @path atomically, unless unchanged. */
static void write_file(const char *path, char *text, struct out_file *f)
{
	char *dir = strdup(path), *slash;
	const char *base;
	int dfd, e;

	if (!dir || !text || (f->last && !strcmp(f->last, text))) {
		free(dir);
		free(text);
		return;
	}
	slash = strrchr(dir, '/');
	base = slash ? slash + 1 : dir;
	if (slash)
		*slash = '\0';
	dfd = open(slash ? (dir[0] ? dir : "/") : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	e = dfd < 0 ? -errno : atomic_write_at(dfd, base, text, strlen(text),
					       &(struct write_opts){ .mode = 0644,
						.uid = (uid_t)-1, .gid = (gid_t)-1 });
	if (dfd >= 0)
		close(dfd);
	free(dir);
	if (e < 0) {
		if (!f->failing)
			log_warn("cannot write %s: %s", path, strerror(-e));
		f->failing = true;
		free(text);
		return;
	}
	f->failing = false;
	free(f->last);
	f->last = text;
}

static void write_metrics(struct daemon *dm)
{
	struct dynbuf b;

	if (!dm->cfg->metrics_file)
		return;
	dynbuf_init(&b, 1 << 20);
	metrics_jobs(dm, &b);
	metrics_gauges(dm, &b);
	if (b.len == 0 || dynbuf_add(&b, "", 1) < 0) {
		dynbuf_free(&b);
		return;
	}
	write_file(dm->cfg->metrics_file, dynbuf_take(&b, NULL), &dm->metrics_out);
}

/* "key value" lines: easy for shell scripts and monitoring checks. */
static void write_status(struct daemon *dm, const char *state)
{
	char esc[4200], t[64];
	size_t queued = 0, running = 0;
	struct dynbuf b;

	if (!dm->cfg->status_file)
		return;
	dynbuf_init(&b, 1 << 20);
	queue_stats(dm->q, &queued, &running);
	format_rfc3339(dm->started_ns, t, sizeof(t));
	addf(&b, "state %s\npid %ld\nstarted %s\nworkers %d\nbusy %d\nqueued %zu\n",
	     state, (long)getpid(), t, dm->workers, atomic_load(&dm->busy), queued);
	pthread_mutex_lock(&dm->set_lock);
	for (size_t i = 0; i < dm->set->n; i++) {
		const struct watch_dir *d = dm->set->dirs[i];
		const struct watch_conf *c = dm->set->confs[i];

		log_escape(d->path, esc, sizeof(esc));
		addf(&b, "watch %s %s\n", esc, atomic_load(&d->gone) ? "gone" :
		     c->poll == 1 || (c->poll < 0 && d->network) ? "poll" : "inotify");
	}
	pthread_mutex_unlock(&dm->set_lock);
	if (dynbuf_add(&b, "", 1) < 0) {
		dynbuf_free(&b);
		return;
	}
	write_file(dm->cfg->status_file, dynbuf_take(&b, NULL), &dm->status_out);
}

/* ---- workers ---- */

static const char *kind_of(mode_t m)
{
	return S_ISLNK(m) ? "a symbolic link" : S_ISFIFO(m) ? "a FIFO" :
	       S_ISSOCK(m) ? "a socket" : S_ISCHR(m) || S_ISBLK(m) ? "a device" :
	       "not a regular file";
}

struct job_env {
	struct daemon *dm;
	int slot;
	const struct cylo_config *cfg;
	const struct watch_conf *conf;
	struct watch_dir *d;
	const struct queue_item *it;
	struct stat st;
	char esc[ESC_NAME];
};

/* A regular file: the job layer stages it (or refuses it) and runs it. */
static void run_job(struct job_env *j, struct job_result *r)
{
	struct job_ctx ctx = { .cfg = j->cfg, .watch = j->conf, .sb = j->dm->sb,
			       .slot = j->slot, .worker = j->slot,
			       .self_fd = j->dm->self_fd };
	int64_t t0 = now_mono_ns();
	struct job_spec spec;
	int e;

	job_spec_init(&spec);
	log_debug("job=%s stage=start worker=%d", j->esc, j->slot);
	e = jobspec_from_input(&ctx, j->d->dirfd, j->it->name, &spec, r);
	r->timing.copy_in = (double)(now_mono_ns() - t0) / 1e6;
	if (e == 0)
		job_execute(&ctx, &spec, r);
	job_spec_free(&spec);
}

/* Fills @r: internal_error, invalid_job for non-files, or the job's run. */
static void produce(struct job_env *j, const struct claim *c, struct job_result *r)
{
	const char *name = j->it->name;

	r->job = strdup(name);
	r->host = strdup(j->dm->host);
	r->worker = j->slot;
	r->queued_at_ns = j->it->queued_at_ns;
	r->started_at_ns = now_real_ns();
	if (c->attempts > j->conf->max_attempts)
		result_set_error(r, ST_INTERNAL_ERROR, "the job was claimed %d times "
				 "without a result (cylo crashed or hung, or its result could "
				 "not be written, each time); it is not run again",
				 c->attempts - 1);
	else if (!S_ISREG(j->st.st_mode))
		/* Never opened: a FIFO could block, a device could act. */
		result_set_error(r, ST_INVALID_JOB, "input '%s' is %s; only regular "
				 "files are jobs", name, kind_of(j->st.st_mode));
	else
		run_job(j, r);
	if (r->input.dev == 0 && r->input.ino == 0)
		input_id_of(&j->st, &r->input);	/* refused before it was opened */
	r->finished_at_ns = now_real_ns();
}

/*
 * A full folder may have room again: a result that failed there for want
 * of space (or quota) does not count the run as an attempt.  Any other
 * failure does, a result too large for the folder's free space included
 * (the job chose how much it printed), so that such a job ends as
 * internal_error after max_attempts instead of running forever.
 */
static bool room_may_come(const struct job_env *j, int e)
{
	return (e == -ENOSPC || e == -EDQUOT) && result_folder_full(j->d->dirfd);
}

/*
 * Root may not give files away in this folder.  Where the file stays ours
 * (the mount does not map the owner's id), the result is cylo's without
 * its group bits (the group is not the owner's): no one new reads it.
 * Where it becomes another id's (NFS root_squash: nobody, shared by every
 * squashed root), a result_mode that lets everyone read gives 0404, and
 * whoever shares that id may change it; a private one would reach them,
 * so none is written.  Said once per folder.
 */
static int publish_unowned(struct job_env *j, const struct job_result *r,
			   struct publish_opts *po, enum chown_refusal why, int e,
			   char *es, size_t n)
{
	bool first = !atomic_exchange(&j->d->chown_refused, true);
	bool squashed = why == CHOWN_REFUSED_SQUASHED;

	if (squashed && !(po->mode & 0004)) {
		if (first)
			log_err("%s: results cannot be given to their inputs' owners "
				"(%s; a root-squashed NFS export?), and result_mode "
				"%04o keeps them from others: none is written", j->d->path,
				log_errstr(e, es, n), po->mode);
		return e;
	}
	po->mode = squashed ? 0404 : po->mode & 0707;
	if (first)
		log_warn("%s: results cannot be given to their inputs' owners (%s%s): "
			 "they stay cylo's, mode %04o", j->d->path, log_errstr(e, es, n),
			 squashed ? "; a root-squashed NFS export?" : "", po->mode);
	po->uid = (uid_t)-1;
	po->gid = (gid_t)-1;
	return result_publish(j->d->dirfd, j->it->name, r, po);
}

/* Writes the result next to the input: 0, or -errno when there is none.
 * @r's status becomes the one written (output_limit for an ok job whose
 * output could not fit), for the log and the metrics. */
static int publish(struct job_env *j, struct job_result *r)
{
	struct publish_opts po = {
		.raw_output = j->conf->raw_output, .mode = j->conf->result_mode,
		.uid = (uid_t)-1, .gid = (gid_t)-1, .fsync = j->d->fsync,
		.written = &r->status,
	};
	int e;

	/* Results belong to whoever dropped the input: the one that ran, as
	 * opened (another user could swap a file of theirs in at the name
	 * between the scan and the open, and get this output). */
	if (geteuid() == 0) {
		bool opened = r->input_uid != (uid_t)-1;

		po.uid = opened ? r->input_uid : j->st.st_uid;
		po.gid = opened ? r->input_gid : j->st.st_gid;
	}
	enum chown_refusal refused = CHOWN_DONE;
	char es[96];

	po.chown_refused = &refused;
	e = result_publish(j->d->dirfd, j->it->name, r, &po);
	if (refused != CHOWN_DONE)
		e = publish_unowned(j, r, &po, refused, e, es, sizeof(es));
	if (e == 1)
		log_warn("job=%s stage=publish the raw output files could not be "
			 "written; the result says why", j->esc);
	return e < 0 ? e : 0;
}

/*
 * After a result that could not be written (@e): the claim is given up,
 * counted as an attempt or not (room_may_come()), and one line says which.
 * A result too large for any folder never gets here: it is written
 * without its output (result_publish()).
 */
static void unpublished(struct job_env *j, struct claim *c, int e)
{
	bool counted = !room_may_come(j, e);
	char why[128];
	int r = 0;

	if (!counted) {
		claim_release(c);
		atomic_store(&j->d->full, true);	/* full_folder() waits */
	} else if ((r = claim_abandon(c)) < 0) {	/* then released, uncounted */
		counted = false;
	}
	log_err("job=%s stage=publish cannot write the result: %s; the job runs again "
		"later%s", j->esc, log_errstr(e, why, sizeof(why)),
		counted ? ", counting an attempt" :
		r < 0 ? " (its claim could not be marked, so this run is not counted)" : "");
	atomic_store(&j->dm->failed, true);
	pthread_mutex_lock(&j->dm->m.lock);
	j->dm->m.publish_errors++;
	pthread_mutex_unlock(&j->dm->m.lock);
}

static void log_finished(const struct job_env *j, const struct job_result *r)
{
	char lang[64];

	log_escape(r->language ? r->language : "-", lang, sizeof(lang));
	log_info("job=%s lang=%s status=%s exit=%d wall_ms=%.0f mem_kb=%ld worker=%d",
		 j->esc, lang, status_name(r->status), r->exit_code,
		 r->execution_time_ms > 0 ? r->execution_time_ms : 0, r->memory_used_kb,
		 j->slot);
}

/*
 * Whether @j's folder is still out of room after a result could not be
 * written there: its jobs then wait (they stay pending, tried again at
 * each rescan) instead of each running in full for a result that cannot
 * be written.  A statfs per job only while the folder was last full.
 */
static bool full_folder(struct job_env *j)
{
	if (!atomic_load(&j->d->full))
		return false;
	if (result_folder_full(j->d->dirfd)) {
		log_debug("job=%s stage=claim waits: no room for results in %s", j->esc,
			  j->d->path);
		return true;
	}
	if (atomic_exchange(&j->d->full, false))
		log_info("watch %s: room for results again; its jobs run", j->d->path);
	return false;
}

/* Claims, runs and publishes one input that was pending when queued. */
static void run_claimed(struct job_env *j, struct claim_dirs *cd)
{
	struct job_result r;
	struct input_id id;
	struct claim c;
	char why[128];
	int64_t t0, publish_ns = 0;
	bool published = false;
	int e, pe = 0;

	if (watch_input_state(j->d, j->it->name, &j->st) != 1 || full_folder(j))
		return;
	input_id_of(&j->st, &id);
	t0 = now_mono_ns();
	e = claim_acquire(cd->cylo_fd, cd->claims_fd, j->it->name, &id,
			  j->conf->claim_timeout, &c);
	if (e < 0) {
		if (e == -EBUSY)
			log_debug("job=%s stage=claim claimed by another worker or instance",
				  j->esc);
		else
			log_warn("job=%s stage=claim cannot claim it in %s/.cylo/claims: %s",
				 j->esc, j->d->path, log_errstr(e, why, sizeof(why)));
		if (e != -EBUSY)	/* --once: a job left unrun is a failure */
			atomic_store(&j->dm->failed, true);
		return;
	}
	/* Another instance may have finished it between our scan and our claim. */
	if (watch_input_state(j->d, j->it->name, &j->st) != 1) {
		claim_release(&c);
		return;
	}
	result_init(&r);
	r.timing.claim = (double)(now_mono_ns() - t0) / 1e6;
	log_debug("job=%s stage=claim attempt %d", j->esc, c.attempts);
	produce(j, &c, &r);
	job_log_steps(j->esc, &r);
	if (!atomic_load(&j->dm->cancel)) {
		t0 = now_mono_ns();
		published = (pe = publish(j, &r)) == 0;
		publish_ns = now_mono_ns() - t0;
		if (published)
			log_debug("job=%s stage=publish written in %.2f ms", j->esc,
				  (double)publish_ns / 1e6);
	}
	/* After the result is in place; a shutdown does not count. */
	if (published || atomic_load(&j->dm->cancel))
		claim_release(&c);
	else
		unpublished(j, &c, pe);
	/* Finished means a result exists: no line, no count otherwise. */
	if (published) {
		log_finished(j, &r);
		metrics_add(&j->dm->m, &r, publish_ns);
	} else if (atomic_load(&j->dm->cancel)) {
		log_info("job=%s stage=shutdown killed; it runs again at the next start",
			 j->esc);
	}
	result_free(&r);
}

/* The folder's claim directories stay open for the claim's whole life. */
static void run_input(struct job_env *j)
{
	struct claim_dirs *cd = watch_claims_hold(j->d);

	run_claimed(j, cd);
	watch_claims_put(j->d, cd);
}

static void notify_main(struct daemon *dm);

static void worker_loop(void *arg, int slot)
{
	struct daemon *dm = arg;
	struct queue_item *it;
	char es[64], what[PATH_MAX + 64], last_what[PATH_MAX + 64] = "";
	int e, last = 0;	/* the last failure: its error and what failed */

	for (;;) {
		if (sandbox_thread_stuck()) {
			/* Fail closed: no box is cloned, and nothing made
			 * ahead, from a namespace we could not leave.  The
			 * daemon stops (exit 1) so that its supervisor restarts
			 * it; the jobs stay queued in their folders. */
			log_err("worker=%d: it could not leave a box's namespace; "
				"stopping cylo", slot);
			atomic_store(&dm->broken, true);
			notify_main(dm);
			break;
		}
		/* The next box's network namespace and mount template are
		 * made now, off its clock, and renewed while no job comes.  A
		 * failure is logged when it starts or changes (its error or
		 * its path), not per job; a template's failed build is
		 * reported when it fails, once a minute at most. */
		e = sandbox_idle(dm->sb, slot, what, sizeof(what));
		if (e < 0 && (e != last || strcmp(what, last_what) != 0))
			log_warn("worker=%d: cannot make %s ahead (the next box "
				 "makes its own): %s", slot, what,
				 log_errstr(e, es, sizeof(es)));
		last = e < 0 ? e : 0;
		snprintf(last_what, sizeof(last_what), "%s", what);
		e = queue_pop_for(dm->q, &it, SANDBOX_IDLE_MS);
		if (e == -ETIMEDOUT)
			continue;
		if (e != 0)
			break;
		struct watch_set *s = set_hold(dm);
		struct job_env j = { .dm = dm, .slot = slot, .cfg = s->cfg, .it = it };

		atomic_fetch_add(&dm->busy, 1);
		j.d = set_find(s, it->watch, &j.conf);
		log_escape(it->name, j.esc, sizeof(j.esc));
		if (j.d && !atomic_load(&j.d->gone))
			run_input(&j);
		atomic_fetch_sub(&dm->busy, 1);
		set_put(s);
		queue_done(dm->q, it);
	}
	sandbox_thread_end();
}

/* ---- callbacks from other threads ---- */

static void notify_main(struct daemon *dm)
{
	uint64_t one = 1;

	if (write(dm->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_err("cannot notify the main thread: %s", strerror(errno));
}

static void on_space(void *arg)
{
	struct daemon *dm = arg;

	pthread_mutex_lock(&dm->wlock);
	if (dm->watcher)
		watcher_wake(dm->watcher);
	pthread_mutex_unlock(&dm->wlock);
}

static void on_dir_event(void *arg, uint32_t id, enum watch_event ev)
{
	struct daemon *dm = arg;

	pthread_mutex_lock(&dm->note_lock);
	if (dm->nnotes < MAX_NOTES)
		dm->notes[dm->nnotes++] = (struct notice){ id, ev };
	pthread_mutex_unlock(&dm->note_lock);
	notify_main(dm);
}

static void on_once_done(void *arg)
{
	struct daemon *dm = arg;

	pthread_mutex_lock(&dm->note_lock);
	dm->once_done = true;
	pthread_mutex_unlock(&dm->note_lock);
	notify_main(dm);
}

/* ---- main thread: reload, notices, signals ---- */

static void log_lines(int prio, const char *prefix, const char *text)
{
	char line[1024];

	while (*text) {
		size_t n = strcspn(text, "\n");

		snprintf(line, sizeof(line), "%.*s", (int)n, text);
		if (n)
			log_msg(prio, "%s%s", prefix, line);
		text += n + (text[n] == '\n');
	}
}

static void apply_level(struct daemon *dm)
{
	if (!dm->o->level_fixed)
		log_set_level(dm->cfg->log_level);
}

static int load_config(struct daemon *dm, struct cylo_config **out, char *err, size_t n)
{
	const char *path = dm->o->cli->config_path ? dm->o->cli->config_path : dm->cfg->path;

	err[0] = '\0';
	if (path)
		return config_load(path, true, out, err, n);
	/* Built-ins at start: the default path may exist by now. */
	*out = cli_load_config(dm->o->cli);
	return *out ? 0 : -EINVAL;
}

/* Set up once at start (the sandbox environment, the slots' uids). */
static bool sandbox_changed(const struct sandbox_conf *a, const struct sandbox_conf *b)
{
	bool paths = strv_len(a->extra_ro_paths) != strv_len(b->extra_ro_paths);

	for (size_t i = 0; !paths && a->extra_ro_paths && a->extra_ro_paths[i]; i++)
		paths = strcmp(a->extra_ro_paths[i], b->extra_ro_paths[i]) != 0;
	return paths || a->uid_base != b->uid_base || a->cgroups != b->cgroups ||
	       a->require_landlock != b->require_landlock ||
	       a->require_seccomp != b->require_seccomp ||
	       a->require_cgroups != b->require_cgroups ||
	       !a->cgroup_root != !b->cgroup_root ||
	       (a->cgroup_root && strcmp(a->cgroup_root, b->cgroup_root));
}

static void reload(struct daemon *dm)
{
	struct cylo_config *c = NULL;
	struct watch_set *s = NULL;
	char err[8192];
	bool moved;

	log_info("SIGHUP: reloading the configuration");
	if (load_config(dm, &c, err, sizeof(err)) < 0) {
		log_lines(LOG_ERR, "reload: ", err);
		log_err("reload: the configuration has errors; keeping the old one");
		return;
	}
	if (set_build(dm, c, dm->set, 0, &s, err, sizeof(err)) != 0 ||
	    cfg_track(dm, c) < 0) {
		log_err("reload: %s; keeping the old configuration", s ? "out of memory" : err);
		if (s)
			set_free(s);
		config_free(c);
		return;
	}
	if (c->workers != dm->workers)
		log_warn("reload: workers = %d takes effect at the next start", c->workers);
	if (sandbox_changed(&dm->cfg->sandbox, &c->sandbox))
		log_warn("reload: sandbox { } changes take full effect only at the next start");
	moved = dm->cfg->status_file &&
		(!c->status_file || strcmp(dm->cfg->status_file, c->status_file));
	if (moved)	/* nothing updates the old file any more */
		write_status(dm, "stopped");
	set_swap(dm, s);
	apply_level(dm);
	if (moved) {	/* the new one at once, whatever the old one last said */
		free(dm->status_out.last);
		dm->status_out.last = NULL;
		write_status(dm, "running");
	}
	log_info("configuration reloaded: %zu watched directories", s->n);
}

/* A deleted directory is back at its path: open it as a new watch. */
static void reopen(struct daemon *dm, uint32_t id)
{
	const struct watch_conf *c;
	struct watch_set *s = NULL;
	char err[1024];

	if (!set_find(dm->set, id, &c))
		return;		/* reopened already */
	if (set_build(dm, dm->cfg, dm->set, id, &s, err, sizeof(err)) != 0) {
		log_err("%s", err);
		return;
	}
	set_swap(dm, s);
}

static void handle_notes(struct daemon *dm)
{
	struct notice notes[MAX_NOTES];
	uint64_t v;
	size_t n;

	if (read(dm->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_err("eventfd: %s", strerror(errno));
	pthread_mutex_lock(&dm->note_lock);
	n = dm->nnotes;
	memcpy(notes, dm->notes, n * sizeof(notes[0]));
	dm->nnotes = 0;
	if (dm->once_done || atomic_load(&dm->broken))
		dm->stopping = true;
	pthread_mutex_unlock(&dm->note_lock);
	for (size_t i = 0; i < n; i++)
		if (notes[i].ev == WATCH_BACK)
			reopen(dm, notes[i].id);
}

/* 1 when a stop signal was read. */
static int handle_signals(struct daemon *dm)
{
	struct signalfd_siginfo si;
	int stop = 0;

	while (read(dm->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP && !dm->stopping) {
			reload(dm);
		} else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			log_info("%s: stopping", si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
			stop = 1;
		}
	}
	return stop;
}

static void tick(struct daemon *dm, const char *state)
{
	uint64_t v;

	if (read(dm->tfd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_err("timerfd: %s", strerror(errno));
	claim_renew_all();
	gc(dm);
	write_metrics(dm);
	write_status(dm, state);
}

static void main_loop(struct daemon *dm)
{
	struct pollfd p[3] = {
		{ .fd = dm->sfd, .events = POLLIN },
		{ .fd = dm->tfd, .events = POLLIN },
		{ .fd = dm->efd, .events = POLLIN },
	};

	while (!dm->stopping) {
		if (poll(p, 3, -1) < 0) {
			if (errno != EINTR) {
				log_err("poll: %s", strerror(errno));
				atomic_store(&dm->failed, true);
				return;
			}
			continue;
		}
		if ((p[0].revents & POLLIN) && handle_signals(dm))
			dm->stopping = true;
		if (p[1].revents & POLLIN)
			tick(dm, "running");
		if (p[2].revents & POLLIN)
			handle_notes(dm);
	}
}

/* ---- shutdown ---- */

/* 1 when a second SIGTERM/SIGINT asks not to wait any longer. */
static int grace_wait(struct daemon *dm, int *left)
{
	int64_t deadline = now_mono_ns() + (int64_t)(dm->cfg->shutdown_grace * 1e9);

	for (;;) {
		int64_t step = now_mono_ns() + TICK_MS * 1000000LL;

		if (pool_wait(dm->pool, step < deadline ? step : deadline, left) == 0)
			return 0;
		claim_renew_all();	/* still ours while they run */
		if (handle_signals(dm))
			return 1;
		if (now_mono_ns() >= deadline)
			return 0;
	}
}

static void stop_all(struct daemon *dm)
{
	struct watcher *w;
	size_t dropped;
	int left = 0;

	write_status(dm, "stopping");
	queue_close(dm->q);
	dropped = queue_drain(dm->q);
	pthread_mutex_lock(&dm->wlock);
	w = dm->watcher;
	if (w)
		watcher_get_stats(w, &dm->last_stats);
	dm->watcher = NULL;
	pthread_mutex_unlock(&dm->wlock);
	watcher_stop(w);
	if (dropped)
		log_info("%zu queued jobs stay pending in their folders", dropped);
	grace_wait(dm, &left);
	if (left > 0) {
		log_warn("killing %d jobs still running (shutdown_grace is over, or a "
			 "second signal came); they run again at the next start", left);
		atomic_store(&dm->cancel, true);
		sandbox_cancel_all(dm->sb);
		if (pool_wait(dm->pool, now_mono_ns() + KILL_WAIT_NS, &left) < 0) {
			log_err("%d workers did not stop after their boxes were killed", left);
			_exit(EXIT_FAIL);
		}
	}
	pool_join(dm->pool);
	dm->pool = NULL;
	write_metrics(dm);
	write_status(dm, "stopped");
}

/* ---- startup ---- */

static int setup_signals(struct daemon *dm)
{
	sigset_t all, fdset;

	/*
	 * Blocked in every thread (they inherit this mask); the main thread
	 * reads the ones it handles from the signalfd.  SIGPIPE ignored: a
	 * write to a closed pipe fails with EPIPE in whichever thread.
	 */
	sigemptyset(&all);
	for (int s = 1; s < SIGRTMIN; s++)
		if (s != SIGSEGV && s != SIGBUS && s != SIGFPE && s != SIGILL &&
		    s != SIGABRT && s != SIGTRAP && s != SIGKILL && s != SIGSTOP)
			sigaddset(&all, s);
	signal(SIGPIPE, SIG_IGN);
	if (pthread_sigmask(SIG_BLOCK, &all, NULL) != 0)
		return -EINVAL;
	sigemptyset(&fdset);
	sigaddset(&fdset, SIGTERM);
	sigaddset(&fdset, SIGINT);
	sigaddset(&fdset, SIGHUP);
	dm->sfd = signalfd(-1, &fdset, SFD_CLOEXEC | SFD_NONBLOCK);
	return dm->sfd < 0 ? -errno : 0;
}

static int setup_fds(struct daemon *dm)
{
	struct itimerspec its = {
		.it_interval = { 0, TICK_MS * 1000000L },
		.it_value = { 0, TICK_MS * 1000000L },
	};

	dm->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	dm->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (dm->tfd < 0 || dm->efd < 0 || timerfd_settime(dm->tfd, 0, &its, NULL) < 0)
		return -errno;
	return 0;
}

/* A job's crash may reach a core_pattern helper running as root (R10). */
static void warn_core(void)
{
	char pat[256];
	int f = sandbox_core_fate(pat, sizeof(pat));

	if (f < 0)
		log_warn("cannot read kernel.core_pattern (%s): what the host does "
			 "with a job's crash is unknown", strerror(-f));
	else if (f == CORE_HELPER_OTHER)
		log_warn("kernel.core_pattern pipes every crash, a job's too, to a helper "
			 "running as root (%s); jobs run with a core limit of 0, which "
			 "it may ignore; check it, or set kernel.core_pattern=core", pat);
}

/*
 * Results replace their name by rename, never by writing through it, so a
 * planted hard link cannot make cylo write another user's file; with
 * fs.protected_hardlinks off, a user could still link files they do not
 * own into the folder (SECURITY.md X02): say so at start.
 */
static void warn_host(void)
{
	char c = 0;
	int fd = open("/proc/sys/fs/protected_hardlinks", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (read(fd, &c, 1) != 1)
			c = 0;
		close(fd);
	}
	if (c != '1')
		log_warn("fs.protected_hardlinks is not 1: users may link files they do not "
			 "own into drop folders; set it (sysctl fs.protected_hardlinks=1)");
	warn_core();
}

/* Layers the configuration lets go when the host lacks them: say so. */
static void warn_layers(const struct daemon *dm)
{
	struct sandbox_caps c;

	sandbox_env_caps(dm->sb, &c);
	if (c.landlock_abi <= 0)
		log_warn("Landlock is not available: jobs run without it "
			 "(require_landlock = false)");
	if (!c.seccomp)
		log_warn("no seccomp filter: jobs run without it (require_seccomp = false)");
	if (!strcmp(c.limits_by, "rlimit") && dm->cfg->sandbox.cgroups != CGROUP_NONE)
		log_warn("no usable cgroup hierarchy: limits by rlimits only (memory "
			 "as address space, which some runtimes do not tolerate)");
}

/*
 * As root, the slots' host uids must be ours alone (sandbox_env_slots()).
 * A command whose configuration says fewer workers may hold one for its
 * job's length: wait a little for it, then fail with a code a supervisor
 * retries (a daemon on the same uids never lets go, so it stops retrying
 * at its start limit).
 */
static int take_slot_uids(struct daemon *dm)
{
	const struct timespec tick = { .tv_nsec = 100 * 1000000L };
	char err[512];
	int e, waited = 0;

	while ((e = sandbox_env_slots(dm->sb, dm->workers, err, sizeof(err))) == -EAGAIN &&
	       waited < SLOT_UIDS_WAIT_MS) {
		if (waited == 0)
			log_warn("%s; waiting up to %d s for it", err, SLOT_UIDS_WAIT_MS / 1000);
		nanosleep(&tick, NULL);
		waited += 100;
	}
	if (e < 0)
		log_err("the sandbox cannot be set up: %s", err);
	return e;
}

static int start_sandbox(struct daemon *dm)
{
	char err[512];
	int e;

	e = sandbox_env_init(&dm->cfg->sandbox, &dm->sb, err, sizeof(err));
	if (e < 0) {
		log_err("the sandbox cannot be set up: %s", err);
		return EXIT_NOHOST;
	}
	if (take_slot_uids(dm) < 0)
		return EXIT_FAIL;
	warn_host();
	warn_layers(dm);
	if ((e = claim_init_self()) < 0) {
		log_err("cannot read this host's identity for claims: %s", strerror(-e));
		return EXIT_FAIL;
	}
	/* For extracting archives inside the box, and only that. */
	dm->self_fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (dm->self_fd < 0)
		log_warn("cannot open /proc/self/exe (%s): archive jobs will fail",
			 strerror(errno));
	if (gethostname(dm->host, sizeof(dm->host) - 1) < 0)
		snprintf(dm->host, sizeof(dm->host), "%s", claim_host());
	return 0;
}

static int start_threads(struct daemon *dm)
{
	struct watcher_ops ops = {
		.once = dm->o->once, .dir_event = on_dir_event,
		.once_done = on_once_done, .arg = dm,
	};
	struct watcher *w;
	size_t cap = (size_t)dm->workers * 4;
	int e;

	if (cap < 8)
		cap = 8;
	if ((e = queue_new(cap, cap / 2, on_space, dm, &dm->q)) < 0)
		return e;
	ops.queue = dm->q;
	if ((e = pool_start(dm->workers, worker_loop, dm, &dm->pool)) < 0)
		return e;
	if ((e = watcher_start(&ops, dm->set, &w)) < 0)
		return e;
	pthread_mutex_lock(&dm->wlock);
	dm->watcher = w;
	pthread_mutex_unlock(&dm->wlock);
	return 0;
}

static void daemon_free(struct daemon *dm)
{
	if (dm->pool) {
		queue_close(dm->q);
		pool_join(dm->pool);
	}
	/* Every thread is gone: nobody else holds a set. */
	if (dm->set)
		set_free(dm->set);
	dm->set = NULL;
	while (dm->retired) {
		struct set_node *n = dm->retired;

		dm->retired = n->next;
		set_free(n->set);
		free(n);
	}
	dm->cfg = NULL;
	gc(dm);		/* no set left: frees every config */
	queue_free(dm->q);
	sandbox_env_free(dm->sb);
	for (int *fd = &dm->sfd; fd <= &dm->efd; fd++)
		if (*fd >= 0)
			close(*fd);
	if (dm->self_fd >= 0)
		close(dm->self_fd);
	free(dm->metrics_out.last);
	free(dm->status_out.last);
	pthread_mutex_destroy(&dm->m.lock);
	pthread_mutex_destroy(&dm->set_lock);
	pthread_mutex_destroy(&dm->wlock);
	pthread_mutex_destroy(&dm->note_lock);
}

static void daemon_init(struct daemon *dm, const struct daemon_opts *o,
			struct cylo_config *cfg)
{
	memset(dm, 0, sizeof(*dm));
	dm->o = o;
	dm->cfg = cfg;
	dm->sfd = dm->tfd = dm->efd = dm->self_fd = -1;
	dm->workers = cfg->workers > 0 ? cfg->workers : (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (dm->workers < 1)
		dm->workers = 1;
	dm->started_ns = now_real_ns();
	pthread_mutex_init(&dm->m.lock, NULL);
	pthread_mutex_init(&dm->set_lock, NULL);
	pthread_mutex_init(&dm->wlock, NULL);
	pthread_mutex_init(&dm->note_lock, NULL);
}

static int start(struct daemon *dm)
{
	struct watch_set *s = NULL;
	char err[1024];
	int code, e;

	if (cfg_track(dm, dm->cfg) < 0)
		return EXIT_FAIL;
	apply_level(dm);
	if ((e = setup_signals(dm)) < 0 || (e = setup_fds(dm)) < 0) {
		log_err("cannot set up signals and timers: %s", strerror(-e));
		return EXIT_FAIL;
	}
	if ((code = start_sandbox(dm)) != 0)
		return code;
	if ((code = set_build(dm, dm->cfg, NULL, 0, &s, err, sizeof(err))) != 0) {
		log_err("%s", err);
		return code;
	}
	set_swap(dm, s);
	if ((e = start_threads(dm)) < 0) {
		log_err("cannot start the worker threads: %s", strerror(-e));
		return EXIT_FAIL;
	}
	log_info("watching %zu director%s with %d workers%s", s->n, s->n == 1 ? "y" : "ies",
		 dm->workers, dm->o->once ? " (--once)" : "");
	for (size_t i = 0; i < s->n; i++)
		log_debug("watch %s: %s", s->dirs[i]->path,
			  s->confs[i]->poll == 1 || (s->confs[i]->poll < 0 &&
			  s->dirs[i]->network) ? "polling" : "inotify");
	return 0;
}

int daemon_run(const struct daemon_opts *o, struct cylo_config *cfg)
{
	struct daemon dm;
	int code;

	daemon_init(&dm, o, cfg);
	code = start(&dm);
	if (code == 0) {
		write_status(&dm, "running");
		main_loop(&dm);
		stop_all(&dm);
		code = (o->once && atomic_load(&dm.failed)) || atomic_load(&dm.broken) ?
		       EXIT_FAIL : EXIT_OK;
	}
	daemon_free(&dm);
	return code;
}
