/*
 * watcher.c - the watcher thread: inotify (libinotifytools), directory
 * scans, polling with a settle time, and feeding the job queue.
 *
 * Theory of operation.  One thread owns everything here, including all
 * use of libinotifytools, which keeps global state and is not thread-safe
 * (SPEC §10).  Other threads talk to it only through watcher_wake() (an
 * atomic flag plus SIGUSR2 aimed at this thread) and watcher_update() (a
 * new watch set handed over under a mutex).
 *
 * The directory listing decides what is pending; events are hints.  An
 * input is pending when it has no X.result.json or its result records
 * another identity (ino, size, mtime: input_id_same()): that is
 * re-checked by the worker under its claim, so a stale hint costs a
 * stat, never a second run.  A scan reads the whole directory but keeps
 * only the first SCAN_KEEP pending inputs in run order: owners in turn,
 * each owner's oldest first (backlog.h), so a backlog of any size costs
 * bounded memory and one user's flood does not hold back the others; the
 * folder itself is the durable backlog.  The kept list feeds the bounded
 * queue as it drains (the queue calls watcher_wake() at low water); when
 * the list is used up and the scan had found more, or events arrived
 * meanwhile, the directory is scanned again; earlier, at most every
 * EARLY_COST scan times, for what no event can announce (timed_scan()).
 * While a backlog list exists, an event hint marks the directory for a
 * rescan, so that inputs still run in their turns; but the input of an
 * owner with nothing left in the list is merged into it in that owner's
 * turns (late_add()).
 *
 * Completion.  With inotify, IN_CLOSE_WRITE and IN_MOVED_TO mark a name
 * complete and queue it at once, as IN_CREATE does for what no writer will
 * close and is never a job (a symlink, FIFO, socket or device); otherwise
 * IN_CREATE and IN_MODIFY mark it dirty (being written), and scans skip
 * dirty names until nobody has the file open for writing a settle after
 * its last event (dirty_settled(): a link gets no close under its new
 * name), or, where that cannot be told, for five minutes (a close lost
 * with a restarted watch must not hold a file forever).  A
 * name without events (present at start, or after an overflow or a watch
 * restart cleared the marks) counts as complete once its mtime is
 * `settle` seconds old.  Polling (poll = yes, or a network filesystem,
 * where inotify never sees other clients' writes) observes (size, mtime)
 * per name across scans, every settle/2 seconds (after a long scan, four
 * times its duration: poll_backoff()): a name unchanged for
 * `settle` seconds by our own clock is complete, whatever the server's
 * clock says.  On a local filesystem, an mtime ahead of our clock by more
 * than `settle` was copied with the file (cp -p, tar) and counts as
 * complete.  --once has no events: it judges every name by those rules,
 * waits for the names they hold back while the jobs run, and leaves for
 * the next run a name whose settle deadline falls more than three
 * settles after the folder's first scan (run_once()).
 *
 * A scan first lists which inputs have a result file at all (hashes of
 * the names), so that on a backlog the missing results are not looked up
 * one by one.  Inputs that can never get a result (its name would be over
 * 255 bytes, or a directory has taken the result's name) are logged once.
 * Deleting a result is a hint too: the input runs again.  A finished
 * input's identity and that of its result (dev, ino, size, mtime, ctime)
 * are remembered, so later scans compare two stat()s instead of opening
 * and reading the result again: on NFS each open is a round trip to the
 * server, and a polled folder is scanned twice a second.  Any change to
 * either file (a re-drop, a result rewritten or replaced) changes what
 * stat() says, and the result is read again.
 *
 * Recovery.  Every directory is scanned at start; IN_Q_OVERFLOW rescans
 * every inotify directory; `rescan_interval` rescans everything and also
 * sweeps leftovers: stale claims of inputs that have their result, and
 * result temporaries of dead publishers older than claim_timeout.
 *
 * Directories.  Each is opened once by the daemon (O_DIRECTORY|
 * O_NOFOLLOW) and watched through /proc/self/fd/N, so a path swapped for
 * a symlink is never followed.  A directory that is moved keeps being
 * watched where it is.  One that is deleted or unmounted (IN_IGNORED) is
 * logged and left; every rescan_interval its path is tried again, and when
 * a directory is there once more the daemon opens it as a new watch.
 * libinotifytools cannot forget a watch the kernel already dropped (its
 * remove function fails and leaves the entry), so any change to the set
 * of watches restarts the library and rescans.
 *
 * Known limits of libinotifytools 3.22 handled here: next_event(0) blocks
 * forever, so we pass a timeout of one second (its resolution) and wake
 * the thread earlier with SIGUSR2 (a lost race costs at most that second);
 * its inotify fd is not close-on-exec (fixed with fcntl after each init);
 * it waits with select(), so its fd must stay below FD_SETSIZE (checked
 * after each init; above it every directory is polled instead).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inotifytools/inotify.h>
#include <limits.h>
#include <inotifytools/inotifytools.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "backlog.h"
#include "claim.h"
#include "config.h"
#include "hashset.h"
#include "job.h"
#include "log.h"
#include "queue.h"
#include "result.h"
#include "util.h"
#include "watcher.h"

/* COMPAT(glibc < 2.41): the POSIX name of the thread id member. */
#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

#define SCAN_KEEP 16384		/* pending inputs one scan keeps (backlog.h) */
#define LATE_MAX 64		/* per directory: see late_add() */
#define LATE_PER_OWNER 8
#define EARLY_COST 10		/* a list rebuilt early: at most every 10 scan times */
#define NAMES_MAX 65536		/* per directory: marks, observations, finished inputs */
#define WARNED_MAX 4096		/* names we warned about once */
#define WAKE_SIGNAL SIGUSR2
#define NS 1000000000LL
#define POLL_MIN_NS (NS / 10)
#define POLL_BACKOFF 4		/* idle time after a scan, in scan times */
#define POLL_BACKOFF_MAX_NS (10 * NS)
#define DIRTY_MAX_NS (300 * NS)	/* a dirty mark this old no longer holds a file back */
#define NEVER INT64_MAX
#define IN_EVENTS (IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_MODIFY | \
		   IN_DELETE | IN_MOVED_FROM | IN_DELETE_SELF | IN_MOVE_SELF | \
		   IN_ONLYDIR)

enum { MARK_DIRTY = 1, MARK_COMPLETE, MARK_SEEN };

/* What we know of a name between scans. */
struct mark {
	int kind;
	int64_t size, mtime_ns;
	int64_t seen_ns;	/* polling: when (size, mtime) were first seen */
	uint64_t gen;		/* polling: the last scan that saw it */
};

struct late {
	char *name;
	uid_t owner;
};

struct late_owner {
	uid_t owner;
	size_t pushed;		/* turns taken: queued when the list was made, pushed since */
};

struct wdir {
	struct watch_dir *d;
	const struct watch_conf *conf;
	bool poll;		/* scan instead of inotify */
	bool fallback;		/* inotify failed for it: polling */
	int wd;			/* inotify watch, or -1 */
	bool gone;
	bool rescan;		/* a scan is due */
	bool full;		/* the due scan also sweeps */
	bool truncated;		/* the last scan found more than SCAN_KEEP */
	size_t pending;		/* what the last scan found pending */
	bool scanned;		/* the start-up scan is done */
	int64_t next_full, next_poll, next_settle;	/* CLOCK_MONOTONIC */
	int64_t once_until;	/* --once: the last settle deadline it waits for */
	int64_t once_scan;	/* --once: when it last began a scan here */
	size_t once_before;	/* --once: what it had pending before that scan */
	struct backlog_list bl;	/* the inputs to feed, in run order (backlog.h) */
	size_t ilist;		/* the next one */
	/* Inputs that events announced while the list is fed, of owners
	 * with nothing left in it: merged into it by turns (late_add()). */
	struct late late[LATE_MAX];
	size_t nlate;
	struct late_owner late_owners[LATE_MAX];	/* since the list was made */
	size_t nlate_owners;
	/* A scan before the list is used up (a poll, a settle deadline, late
	 * inputs that found no room) is due, not before next_early. */
	bool early;
	int64_t next_early;	/* CLOCK_MONOTONIC */
	struct namemap *marks;
	struct namemap *warned;
	/* Finished inputs, as done_key()s: the last scan's, and this one's. */
	struct hashset *done, *done_next;
	uint64_t gen;
};

struct watcher {
	struct watcher_ops ops;
	pthread_t tid;
	pid_t ktid;
	pthread_mutex_t lock;
	struct watch_set *posted;	/* from watcher_update, under lock */
	atomic_bool stop;
	atomic_bool wake;
	struct watch_set *set;		/* the thread's */
	struct wdir *dirs;
	size_t n;
	bool inotify_on, need_restart;
	timer_t timer;
	bool have_timer;
	_Atomic uint64_t overflows, rescans, scans, events, result_reads;
	uint64_t pushes;		/* the thread's, for the folders' turns */
	int64_t overflow_logged_ns;
};

static int64_t ns_of(double seconds)
{
	return (int64_t)(seconds * 1e9);
}

static int64_t mtime_of(const struct stat *st)
{
	return (int64_t)st->st_mtim.tv_sec * NS + st->st_mtim.tv_nsec;
}

/* ---- the folder protocol ---- */

static bool same_input(const struct input_id *id, const struct stat *st)
{
	struct input_id now;

	input_id_of(st, &now);
	return input_id_same(id, &now);
}

/*
 * Whether a result owned by @owner may stand for input @st of @d.  In a
 * shared folder anyone may stat an input and write a result with its
 * identity, so that it never runs (with the sticky bit, one its owner
 * cannot remove).  Only results the daemon could have written count: its
 * own files' owner there (root, or the anonymous user of a root-squashed
 * export), and, for a daemon running as root, which gives results away,
 * the input's owner.  An input's owner forging their own result harms
 * only themselves, so an unprivileged daemon accepts theirs too.
 */
static bool result_owner_ok(const struct watch_dir *d, uid_t owner, const struct stat *st)
{
	/* own_uid is the daemon's euid until the probe says otherwise. */
	return owner == st->st_uid || owner == (uid_t)atomic_load(&d->own_uid);
}

void watch_note_owner(struct watch_dir *d, int cylo_fd)
{
	char name[64];
	struct stat st;
	int fd;

	/* What a file the daemon makes there is owned by: it, or the export's
	 * anonymous user.  Not .cylo's owner, which anyone may have made. */
	snprintf(name, sizeof(name), ".owner.%ld.tmp", (long)getpid());
	fd = openat(cylo_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0)
		atomic_store(&d->own_uid, st.st_uid);
	close(fd);
	(void)unlinkat(cylo_fd, name, 0);
}

/* Whether result @rname records input @st: 0 yes, 1 no (rerun), -errno. */
static int result_state(const struct watch_dir *d, const char *rname, const struct stat *st)
{
	int dirfd = d->dirfd;
	struct input_id id;
	struct stat rst;
	uid_t owner;
	int e;

	e = result_read_identity(dirfd, rname, &id, &owner);
	if (e == 0 && !result_owner_ok(d, owner, st))
		return 1;
	/* A directory there can never be replaced by a result: not runnable. */
	if (e == -EINVAL && fstatat(dirfd, rname, &rst, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISDIR(rst.st_mode))
		return -EISDIR;
	if (e == -ENOENT || e == -EINVAL)	/* none, or not one of ours: rerun */
		return 1;
	if (e < 0)
		return e;
	return !same_input(&id, st);
}

int watch_input_state(const struct watch_dir *d, const char *name, struct stat *st)
{
	char rname[NAME_MAX + 1];
	int e;

	if (fstatat(d->dirfd, name, st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (S_ISDIR(st->st_mode))
		return 0;
	if ((e = result_name(name, rname)) < 0)
		return e;
	return result_state(d, rname, st);
}

/* ---- waking the thread ---- */

/* Set by the handler: a wake-up (or timer) signal arrived. */
static volatile sig_atomic_t woken;

static void on_wake_signal(int sig)
{
	(void)sig;	/* its job is to interrupt select() in libinotifytools */
	woken = 1;
}

void watcher_wake(struct watcher *w)
{
	atomic_store(&w->wake, true);
	pthread_kill(w->tid, WAKE_SIGNAL);
}

static void wake_signal_mask(int how)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, WAKE_SIGNAL);
	pthread_sigmask(how, &s, NULL);
}

static void timer_setup(struct watcher *w)
{
	struct sigevent sev;

	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = WAKE_SIGNAL;
	sev.sigev_notify_thread_id = w->ktid;
	w->have_timer = timer_create(CLOCK_MONOTONIC, &sev, &w->timer) == 0;
	if (!w->have_timer)
		log_warn("watcher: no timer (%d); sub-second deadlines round up", errno);
}

static void timer_arm(struct watcher *w, int64_t at_ns)
{
	struct itimerspec its = { .it_value = { at_ns / NS, at_ns % NS } };

	if (w->have_timer)
		timer_settime(w->timer, TIMER_ABSTIME, &its, NULL);
}

/* ---- per-directory state ---- */

static void list_free(struct wdir *wd)
{
	backlog_list_free(&wd->bl, wd->ilist);
	wd->ilist = 0;
}

static void late_free(struct wdir *wd)
{
	for (size_t i = 0; i < wd->nlate; i++)
		free(wd->late[i].name);
	wd->nlate = wd->nlate_owners = 0;
}

static void wdir_free(struct wdir *wd)
{
	list_free(wd);
	late_free(wd);
	namemap_free(wd->marks);
	namemap_free(wd->warned);
	hashset_free(wd->done);
	hashset_free(wd->done_next);
}

static int wdir_init(struct wdir *wd, struct watch_dir *d, const struct watch_conf *c)
{
	memset(wd, 0, sizeof(*wd));
	wd->d = d;
	wd->conf = c;
	wd->wd = -1;
	wd->rescan = wd->full = true;
	wd->next_settle = NEVER;
	wd->next_poll = 0;	/* due now */
	if (namemap_new(NAMES_MAX, sizeof(struct mark), &wd->marks) < 0)
		return -ENOMEM;
	if (namemap_new(WARNED_MAX, 0, &wd->warned) < 0 ||
	    hashset_new(NAMES_MAX, &wd->done) < 0 ||
	    hashset_new(NAMES_MAX, &wd->done_next) < 0)
		return -ENOMEM;
	return 0;
}

static bool dir_polls(const struct wdir *wd)
{
	return wd->conf->poll == 1 || (wd->conf->poll < 0 && wd->d->network) ||
	       wd->fallback;
}

static int64_t poll_period(const struct wdir *wd)
{
	int64_t p = ns_of(wd->conf->settle) / 2;

	if (p > ns_of(wd->conf->rescan_interval))
		p = ns_of(wd->conf->rescan_interval);
	return p < POLL_MIN_NS ? POLL_MIN_NS : p;
}

/* Inputs that are never run, said once per name (until WARNED_MAX names). */
static void warn_once(struct wdir *wd, const char *name, const char *why)
{
	char esc[1100];
	void *unused;

	if (namemap_put(wd->warned, 0, name, &unused) != 1)
		return;
	log_escape(name, esc, sizeof(esc));
	log_warn("job=%s stage=intake %s; not run", esc, why);
}

static void warn_long_name(struct wdir *wd, const char *name)
{
	warn_once(wd, name, "its result name would be longer than 255 bytes");
}

/* ---- completion ---- */

/* The next look at this folder's names: a scan at @at at the latest. */
static void settle_at(struct wdir *wd, int64_t at)
{
	if (at < wd->next_settle)
		wd->next_settle = at;
}

/*
 * A name created or written to and not closed since (a dirty mark).  A
 * writer that never closes under this name leaves no close event:
 * O_TMPFILE then linkat(), link() then unlink() of the first name,
 * truncate(2).  So once the last event is a settle old, a read lease asks
 * whether anyone still has the file open for writing (open_for_writing());
 * if not, it is complete.  Where that cannot be told, it waits for a close
 * or DIRTY_MAX_NS, as a mark always did.
 */
static bool dirty_settled(struct wdir *wd, const char *name, struct mark *m,
			  int64_t now, int64_t settle)
{
	int r;

	if (m->seen_ns + settle > now) {
		settle_at(wd, m->seen_ns + settle);
		return false;
	}
	r = open_for_writing(wd->d->dirfd, name);
	if (r == 0) {
		m->kind = MARK_COMPLETE;
		return true;
	}
	if (r > 0)
		settle_at(wd, now + settle);
	return false;
}

/*
 * Whether input @name (stat @st) is complete.  Notes in wd->next_settle
 * when an incomplete one should be looked at again.
 */
static bool settled(struct wdir *wd, const char *name,
		    const struct stat *st, int64_t now_mono, int64_t now_real)
{
	int64_t settle = ns_of(wd->conf->settle), at;
	struct mark *m = namemap_get(wd->marks, 0, name);
	void *p;

	/*
	 * A writer idle that long with the file open is rare; a close event we
	 * never got (lost with a restarted watch) must not hold it forever.
	 */
	if (m && m->kind == MARK_DIRTY && now_mono - m->seen_ns > DIRTY_MAX_NS) {
		namemap_del(wd->marks, 0, name);
		m = NULL;
	}
	if (m && m->kind == MARK_DIRTY)
		return dirty_settled(wd, name, m, now_mono, settle);
	if (m && m->kind != MARK_SEEN)
		return m->kind == MARK_COMPLETE;
	if (!m && (!dir_polls(wd) || namemap_put(wd->marks, 0, name, &p) < 0)) {
		/* No event and no observation: judged by the file's age.  On
		 * a local filesystem a time ahead of our clock was copied with
		 * the file (cp -p, tar): no writer here stamps the future.
		 * Another host's clock may be ahead: there it waits. */
		at = now_mono + (mtime_of(st) + settle - now_real);
		if (mtime_of(st) + settle <= now_real ||
		    (!wd->d->network && mtime_of(st) > now_real + settle))
			return true;
		goto later;
	}
	if (!m) {
		m = p;
		m->kind = MARK_SEEN;
		m->seen_ns = now_mono;
	} else if (m->size != (int64_t)st->st_size || m->mtime_ns != mtime_of(st)) {
		m->seen_ns = now_mono;
	}
	m->size = (int64_t)st->st_size;
	m->mtime_ns = mtime_of(st);
	m->gen = wd->gen;
	at = m->seen_ns + settle;
	if (at <= now_mono)
		return true;
later:
	settle_at(wd, at);
	return false;
}

static void mark(struct wdir *wd, const char *name, int kind)
{
	struct mark *m;
	void *p;

	if (namemap_put(wd->marks, 0, name, &p) < 0)
		return;		/* full: the age rule decides */
	m = p;
	m->kind = kind;
	m->seen_ns = now_mono_ns();
}

/* ---- scanning ---- */

/* A result temporary (".cylo.PID.N.RAND.tmp") whose writer is long gone. */
static void sweep_temp(struct wdir *wd, const char *name, int64_t now_real)
{
	int64_t age, lease = ns_of(wd->conf->claim_timeout);
	struct stat st;
	long pid;
	char *end;

	if (strncmp(name, ".cylo.", 6) || strlen(name) < 10 ||
	    strcmp(name + strlen(name) - 4, ".tmp"))
		return;
	errno = 0;
	pid = strtol(name + 6, &end, 10);
	if (errno || *end != '.' || pid == (long)getpid())
		return;
	if (fstatat(wd->d->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
		return;
	age = now_real - mtime_of(&st);
	/* The pid may be another host's (NFS): the age guard keeps its files. */
	if (age > lease && (!claim_pid_alive(pid) || age > 10 * lease) &&
	    unlinkat(wd->d->dirfd, name, 0) == 0)
		log_debug("watch %s: removed a stale result temporary", wd->d->path);
}

struct scan {
	struct backlog *sel;
	size_t pending;
	int64_t now_mono, now_real;
	bool listed;		/* @results is complete */
	uint64_t *results;	/* hashes of the inputs that have a result file */
	size_t nresults, capresults;
};

/* FNV-1a of the first @n bytes of @s. */
static uint64_t name_hash(const char *s, size_t n)
{
	return fnv1a(FNV1A_BASIS, s, n);
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * First pass: which inputs have a result file at all.  An input without
 * one is pending without looking its result up; on a big backlog those
 * lookups of missing names cost as much as the stat()s of the inputs.
 * -ENOMEM: no list, every result is looked up.
 */
static int list_results(DIR *dir, struct scan *s)
{
	struct dirent *de;

	while ((de = readdir(dir))) {
		size_t n = result_input_len(de->d_name);

		if (n == 0)
			continue;
		if (s->nresults == s->capresults) {
			size_t cap = s->capresults ? 2 * s->capresults : 1024;
			uint64_t *v = realloc(s->results, cap * sizeof(*v));

			if (!v)
				return -ENOMEM;
			s->results = v;
			s->capresults = cap;
		}
		s->results[s->nresults++] = name_hash(de->d_name, n);
	}
	if (s->nresults)
		qsort(s->results, s->nresults, sizeof(*s->results), u64_cmp);
	rewinddir(dir);
	s->listed = true;
	return 0;
}

static bool may_have_result(const struct scan *s, const char *name)
{
	uint64_t h = name_hash(name, strlen(name));

	return !s->listed || (s->nresults &&
			      bsearch(&h, s->results, s->nresults, sizeof(h), u64_cmp));
}

/* Set once, before the watcher thread starts: see done_key(). */
static uint64_t done_seed;

/*
 * A 64-bit hash of an input's name and of what identifies the input and
 * its result, so that a remembered input costs 8 bytes: 1 MiB a set for
 * the NAMES_MAX a folder may remember (hashset.h), twice that during a
 * scan.  A state never read as finished matches one of n remembered keys
 * with probability about n * 2^-64; the per-process seed changes which
 * names and states would collide from one run to the next.
 */
static uint64_t done_key(const char *name, const struct stat *in, const struct stat *res)
{
	const uint64_t v[] = {
		in->st_dev, in->st_ino, (uint64_t)in->st_size, (uint64_t)mtime_of(in),
		res->st_dev, res->st_ino, (uint64_t)res->st_size, (uint64_t)mtime_of(res),
		(uint64_t)res->st_ctim.tv_sec, (uint64_t)res->st_ctim.tv_nsec,
	};
	uint64_t h = fnv1a(done_seed, name, strlen(name));

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		h ^= v[i];
		h = mix64(h);
	}
	return h;
}

/*
 * watch_input_state() for a scan (@result false: the listing showed no
 * result file).  It remembers finished inputs: one whose input and result
 * stat() as they did when the result was last read is still finished,
 * without reading that result again.
 */
static int scan_state(struct watcher *w, struct wdir *wd, const char *name,
		      struct stat *st, bool result)
{
	char rname[NAME_MAX + 1];
	struct stat rst;
	uint64_t key = 0;
	int e, dirfd = wd->d->dirfd;
	bool rok;

	if (fstatat(dirfd, name, st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (S_ISDIR(st->st_mode))
		return 0;
	if (!result)
		return 1;
	if ((e = result_name(name, rname)) < 0)
		return e;
	/* Stat before the read: what is remembered is never newer than what
	 * was read, so a result replaced meanwhile is read again next time.
	 * A set that is full is not remembered: read every time. */
	rok = fstatat(dirfd, rname, &rst, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(rst.st_mode);
	if (rok)
		key = done_key(name, st, &rst);
	if (rok && hashset_has(wd->done, key)) {
		(void)hashset_add(wd->done_next, key);
		return 0;
	}
	atomic_fetch_add(&w->result_reads, 1);
	e = result_state(wd->d, rname, st);
	if (e == 0 && rok)
		(void)hashset_add(wd->done_next, key);
	return e;
}

/* Judges one directory entry for the scan. */
static void scan_entry(struct watcher *w, struct wdir *wd, struct scan *s,
		       const struct dirent *de)
{
	const char *name = de->d_name;
	struct stat st;
	int e;

	if (wd->full && name[0] == '.')
		sweep_temp(wd, name, s->now_real);
	if (de->d_type == DT_DIR || !job_is_input_name(w->set->cfg, wd->conf, name))
		return;
	if (!result_name_fits(name)) {
		warn_long_name(wd, name);
		return;
	}
	if (queue_contains(w->ops.queue, wd->d->id, name)) {
		/* Its owner's turn in this list comes after it. */
		if (fstatat(wd->d->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
			(void)backlog_queued(s->sel, st.st_uid);
		return;
	}
	e = scan_state(w, wd, name, &st, may_have_result(s, name));
	if (e == -EISDIR)
		warn_once(wd, name, "a directory has its result name");
	else if (e < 0 && e != -ENOENT)	/* gone meanwhile is no news */
		warn_once(wd, name, "its result cannot be read (permissions or I/O); "
			  "not run until that is mended");
	if (e != 1 || !settled(wd, name, &st, s->now_mono, s->now_real))
		return;
	s->pending++;
	if (backlog_add(s->sel, st.st_uid, mtime_of(&st), name) < 0)
		s->pending = SIZE_MAX / 2;	/* out of memory: try again later */
}

static bool unseen(uint32_t ns, const char *name, void *payload, void *arg)
{
	const struct mark *m = payload;
	const struct wdir *wd = arg;

	(void)ns;
	(void)name;
	return m->kind == MARK_SEEN && m->gen != wd->gen;
}

static void dir_gone(struct watcher *w, struct wdir *wd, const char *why);

/* Polling directories get no IN_IGNORED: look at the link count. */
static bool dir_deleted(struct watcher *w, struct wdir *wd)
{
	struct stat st;

	if (fstat(wd->d->dirfd, &st) == 0 && st.st_nlink > 0)
		return false;
	dir_gone(w, wd, "was deleted");
	return true;
}

int claim_dirs_new(int dirfd, struct claim_dirs **out, bool *foreign)
{
	struct claim_dirs *c = calloc(1, sizeof(*c));
	int e;

	*out = NULL;
	if (!c)
		return -ENOMEM;
	if ((e = claim_dirs_open(dirfd, &c->cylo_fd, &c->claims_fd, foreign)) < 0) {
		free(c);
		return e;
	}
	*out = c;
	return 0;
}

void claim_dirs_free(struct claim_dirs *c)
{
	if (!c)
		return;
	close(c->claims_fd);
	close(c->cylo_fd);
	free(c);
}

struct claim_dirs *watch_claims_hold(struct watch_dir *d)
{
	struct claim_dirs *c;

	pthread_mutex_lock(&d->claims_lock);
	c = d->claims;
	c->users++;
	pthread_mutex_unlock(&d->claims_lock);
	return c;
}

void watch_claims_put(struct watch_dir *d, struct claim_dirs *c)
{
	bool last;

	pthread_mutex_lock(&d->claims_lock);
	last = --c->users == 0 && c->retired;
	pthread_mutex_unlock(&d->claims_lock);
	if (last)
		claim_dirs_free(c);
}

/*
 * D/.cylo/claims removed under us (rm -rf D/.cylo): every claim would fail
 * until a restart.  Make them anew; the old pair is closed once no running
 * job's claim lives in it (a running job is not queued again: the queue
 * still holds its name).  Full rescans only.
 */
static void claims_remake(struct wdir *wd)
{
	struct watch_dir *d = wd->d;
	struct claim_dirs *old, *c;
	struct stat st;
	bool alive, foreign, unused;
	int e;

	old = watch_claims_hold(d);	/* the watcher is the only replacer */
	alive = fstat(old->claims_fd, &st) == 0 && st.st_nlink > 0;
	watch_claims_put(d, old);
	if (alive)
		return;
	if ((e = claim_dirs_new(d->dirfd, &c, &foreign)) < 0) {
		log_err("watch %s: its .cylo/claims directory was removed and cannot be "
			"made again: %s", d->path, strerror(-e));
		return;
	}
	watch_note_owner(d, c->cylo_fd);
	pthread_mutex_lock(&d->claims_lock);
	d->claims = c;
	old->retired = true;
	unused = old->users == 0;
	pthread_mutex_unlock(&d->claims_lock);
	if (unused)
		claim_dirs_free(old);
	log_warn("watch %s: its .cylo/claims directory was removed; made it anew%s",
		 d->path, foreign ? ", but .cylo belongs to another user, who can remove "
		 "or plant claims" : "");
}

/* The scan's selection becomes the list to feed, with its owners' counts. */
static void keep_list(struct wdir *wd, struct scan *s)
{
	int e;

	e = backlog_take(s->sel, &wd->bl);
	backlog_free(s->sel);
	if (e < 0)
		s->pending = SIZE_MAX / 2;	/* try again later */
	wd->truncated = s->pending > wd->bl.n;
	late_free(wd);	/* the scan found them: they are in the list, in turn */
}

/* Lists the directory; keeps the first pending inputs to run in wd->bl. */
static void scan(struct watcher *w, struct wdir *wd)
{
	struct scan s = { .now_mono = now_mono_ns(), .now_real = now_real_ns() };
	struct hashset *seen;
	struct dirent *de;
	DIR *dir = NULL;
	int fd;

	list_free(wd);
	wd->gen++;
	wd->next_settle = NEVER;
	fd = openat(wd->d->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(dir = fdopendir(fd))) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		if (!dir_deleted(w, wd)) {
			log_warn("watch %s: cannot list the directory: %s", wd->d->path,
				 strerror(e));
			wd->rescan = true;
		}
		return;
	}
	if (backlog_new(SCAN_KEEP, &s.sel) < 0) {
		closedir(dir);
		wd->rescan = true;
		return;
	}
	if (list_results(dir, &s) < 0)
		rewinddir(dir);		/* s.listed false: look every result up */
	/* Sized at once: as many finished as last time, most likely. */
	(void)hashset_reserve(wd->done_next, hashset_count(wd->done));
	while ((de = readdir(dir)))
		scan_entry(w, wd, &s, de);
	closedir(dir);
	free(s.results);
	if (dir_polls(wd))
		namemap_sweep(wd->marks, unseen, wd);
	/* What this scan did not see finished is forgotten. */
	seen = wd->done_next;
	wd->done_next = wd->done;
	wd->done = seen;
	hashset_clear(wd->done_next);
	keep_list(wd, &s);
	wd->pending = s.pending;
	atomic_fetch_add(&w->scans, 1);
	/* The start-up scan is worth a line (its time with a big backlog). */
	log_msg(wd->scanned ? LOG_DEBUG : LOG_INFO, "watch %s: %sscan in %.1f ms: %zu "
		"pending, %zu queued first", wd->d->path, wd->scanned ? "" : "start-up ",
		(double)(now_mono_ns() - s.now_mono) / 1e6, s.pending, wd->bl.n);
	wd->scanned = true;
}

struct keep_ctx {
	struct watcher *w;
	struct wdir *wd;
};

/* A stale claim stays while its input is pending: its taker counts the attempt. */
static bool claim_needed(const char *name, void *arg)
{
	struct keep_ctx *k = arg;
	struct stat st;

	return queue_contains(k->w->ops.queue, k->wd->d->id, name) ||
	       watch_input_state(k->wd->d, name, &st) == 1;
}

static void sweep_claims(struct watcher *w, struct wdir *wd)
{
	struct claim_dirs *cd = watch_claims_hold(wd->d);
	struct keep_ctx k = { w, wd };
	int n;

	n = claim_sweep(cd->cylo_fd, cd->claims_fd, wd->conf->claim_timeout,
			claim_needed, &k);
	watch_claims_put(wd->d, cd);
	if (n > 0)
		log_debug("watch %s: removed %d stale claims", wd->d->path, n);
}

/* ---- feeding the queue ---- */

/*
 * Inputs announced while a list is fed ("late") would wait for the whole
 * list, which may be one user's flood.  Owners take turns instead: the
 * list's next input is of round r (backlog.h), and a late input goes
 * before it when its owner has pushed at most r inputs, counting those
 * it had queued when the list was made.  An owner with inputs still in the
 * list, or left out of it (cut), has no late inputs: they wait for the
 * rescan after the list, which puts them in their turns; so do all when
 * the scan found more than 2 * SCAN_KEEP owners (some were left out).
 */
/* The round of the list's next input: late inputs due at it go first. */
static size_t list_round(const struct wdir *wd)
{
	return wd->ilist < wd->bl.n ? wd->bl.items[wd->ilist].round : SIZE_MAX;
}

static struct late_owner *late_owner(struct wdir *wd, uid_t owner)
{
	for (size_t i = 0; i < wd->nlate_owners; i++)
		if (wd->late_owners[i].owner == owner)
			return &wd->late_owners[i];
	return NULL;
}

/* The first late input whose owner's turn has come, or wd->nlate. */
static size_t late_due(struct wdir *wd)
{
	size_t round = list_round(wd);

	for (size_t i = 0; i < wd->nlate; i++) {
		struct late_owner *lo = late_owner(wd, wd->late[i].owner);

		if (!lo || lo->pushed <= round)
			return i;
	}
	return wd->nlate;
}

/* Makes room for one more late owner: forgets those with no late input
 * whose record says no more than a new one would. */
static void late_owners_prune(struct wdir *wd)
{
	size_t round = list_round(wd), k = 0;

	for (size_t i = 0; i < wd->nlate_owners; i++) {
		struct late_owner *lo = &wd->late_owners[i];
		bool waiting = false;

		for (size_t j = 0; j < wd->nlate && !waiting; j++)
			waiting = wd->late[j].owner == lo->owner;
		if (waiting || lo->pushed > round)
			wd->late_owners[k++] = *lo;
	}
	wd->nlate_owners = k;
}

/*
 * Keeps @name for its owner's turn.  False: it waits for the next scan,
 * which is asked for early (*@early) when only room was missing.
 */
static bool late_add(struct wdir *wd, const char *name, uid_t owner, bool *early)
{
	struct owner_count *oc = backlog_owner(wd->bl.owners, wd->bl.nowners, owner);
	struct late_owner *lo;
	size_t mine = 0;

	*early = false;
	if (wd->ilist == wd->bl.n || (oc && (oc->n > 0 || oc->cut)) ||
	    (!oc && wd->bl.dropped))
		return false;	/* its turns are in the list, or after it */
	for (size_t i = 0; i < wd->nlate; i++) {
		if (!strcmp(wd->late[i].name, name))
			return true;	/* a second event */
		mine += wd->late[i].owner == owner;
	}
	if (!(lo = late_owner(wd, owner)) && wd->nlate_owners == LATE_MAX)
		late_owners_prune(wd);
	*early = wd->nlate == LATE_MAX || mine == LATE_PER_OWNER ||
		 (!lo && wd->nlate_owners == LATE_MAX);
	if (*early || !(wd->late[wd->nlate].name = strdup(name)))
		return false;
	wd->late[wd->nlate++].owner = owner;
	/* Its turns start now: one a round, none made up for the rounds
	 * before it came (else it would hold the list back for as long). */
	if (!lo) {
		size_t base = oc ? oc->queued + oc->listed : 0, round = list_round(wd);

		wd->late_owners[wd->nlate_owners++] =
			(struct late_owner){ owner, base > round ? base : round };
	}
	return true;
}

/* Pushes one name; 0 or the push's error, -ENOSPC when the queue is full. */
static int push(struct watcher *w, struct wdir *wd, const char *name)
{
	int e = queue_push(w->ops.queue, wd->d->id, name, w->ops.once);

	if (e == 0) {
		namemap_del(wd->marks, 0, name);
		w->pushes++;
	} else if (e == -ENOMEM)
		wd->rescan = true;	/* the scan finds it again */
	return e;
}

/* Pushes late input @i; the push's result, the input kept on -ENOSPC. */
static int push_late(struct watcher *w, struct wdir *wd, size_t i)
{
	struct late_owner *lo = late_owner(wd, wd->late[i].owner);
	int e = push(w, wd, wd->late[i].name);

	if (e == -ENOSPC)
		return e;
	if (lo)
		lo->pushed++;
	free(wd->late[i].name);
	wd->nlate--;
	memmove(&wd->late[i], &wd->late[i + 1], (wd->nlate - i) * sizeof(*wd->late));
	return e;
}

/* Pushes the list's next input, as push_late(). */
static int push_listed(struct watcher *w, struct wdir *wd)
{
	struct backlog_item *c = &wd->bl.items[wd->ilist];
	struct owner_count *oc = backlog_owner(wd->bl.owners, wd->bl.nowners, c->owner);
	struct late_owner *lo = late_owner(wd, c->owner);
	int e = push(w, wd, c->name);

	if (e == -ENOSPC)
		return e;
	if (oc)
		oc->n--;
	if (lo)
		lo->pushed++;
	free(c->name);
	wd->ilist++;
	return e;
}

/* Pushes, in turn, late inputs and the scan list while the queue has room. */
static void refill(struct watcher *w, struct wdir *wd)
{
	for (;;) {
		size_t i = late_due(wd);
		int e;

		if (i < wd->nlate)
			e = push_late(w, wd, i);
		else if (wd->ilist < wd->bl.n)
			e = push_listed(w, wd);
		else
			break;
		if (e == -ENOSPC)
			return;		/* the queue calls us back at low water */
	}
	list_free(wd);
	if (wd->truncated)
		wd->rescan = true;
}

/* An event says @name may be ready: queue it now unless a backlog is being fed. */
static void consider(struct watcher *w, struct wdir *wd, const char *name)
{
	struct stat st;
	bool backlog = wd->ilist < wd->bl.n || wd->truncated;
	int e;

	/* In flight: queued again after its run, which a rescan would skip. */
	if (queue_again(w->ops.queue, wd->d->id, name))
		return;
	if (wd->truncated && wd->ilist == wd->bl.n) {
		wd->rescan = true;	/* due now: it puts this one in its turn */
		return;
	}
	if (!result_name_fits(name)) {
		warn_long_name(wd, name);
		return;
	}
	if (watch_input_state(wd->d, name, &st) != 1)
		return;
	if (backlog) {
		bool early;

		if (late_add(wd, name, st.st_uid, &early)) {
			refill(w, wd);
			return;
		}
		wd->rescan = true;	/* in its turn */
		wd->early |= early;
		return;
	}
	e = queue_push(w->ops.queue, wd->d->id, name, false);
	if (e == 0)
		namemap_del(wd->marks, 0, name);
	else if (e == -ENOSPC)
		wd->truncated = wd->rescan = true;
}

/* ---- inotify ---- */

static struct wdir *dir_by_wd(struct watcher *w, int wdesc)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->dirs[i].wd == wdesc)
			return &w->dirs[i];
	return NULL;
}

static void overflow(struct watcher *w)
{
	int64_t now = now_mono_ns();

	atomic_fetch_add(&w->overflows, 1);
	/* A flood overflows again and again: one line a minute is enough. */
	if (now - w->overflow_logged_ns >= 60 * NS || !w->overflow_logged_ns) {
		log_warn("watcher: the inotify queue overflowed; rescanning (%ju "
			 "overflows so far; raise fs.inotify.max_queued_events)",
			 (uintmax_t)atomic_load(&w->overflows));
		w->overflow_logged_ns = now;
	}
	for (size_t i = 0; i < w->n; i++) {
		if (dir_polls(&w->dirs[i]) || w->dirs[i].gone)
			continue;
		/* Marks may have missed their close: back to the age rule. */
		namemap_clear(w->dirs[i].marks);
		list_free(&w->dirs[i]);
		w->dirs[i].rescan = true;
		w->dirs[i].truncated = false;
		atomic_fetch_add(&w->rescans, 1);
	}
}

static void dir_gone(struct watcher *w, struct wdir *wd, const char *why)
{
	if (wd->gone)
		return;
	wd->gone = true;
	atomic_store(&wd->d->gone, true);
	wd->wd = -1;
	list_free(wd);
	namemap_clear(wd->marks);
	hashset_clear(wd->done);
	hashset_clear(wd->done_next);
	log_warn("watch %s: the directory %s; its jobs stop until a directory is "
		 "there again", wd->d->path, why);
	w->need_restart = true;
	if (w->ops.dir_event)
		w->ops.dir_event(w->ops.arg, wd->d->id, WATCH_GONE);
}

/* Events about the watched directory itself. */
static void self_event(struct watcher *w, struct wdir *wd, uint32_t mask)
{
	struct stat st;

	if (mask & IN_MOVE_SELF) {
		log_warn("watch %s: the directory was moved; cylo keeps watching it "
			 "where it is now", wd->d->path);
		return;
	}
	if (!(mask & (IN_IGNORED | IN_UNMOUNT)))
		return;		/* IN_DELETE_SELF: IN_IGNORED follows */
	wd->wd = -1;
	if (mask & IN_UNMOUNT)
		dir_gone(w, wd, "was unmounted");
	else if (fstat(wd->d->dirfd, &st) < 0 || st.st_nlink == 0)
		dir_gone(w, wd, "was deleted");
	else
		w->need_restart = true;	/* the watch went away: add it again */
}

static void result_deleted(struct watcher *w, struct wdir *wd, const char *name)
{
	char input[NAME_MAX + 1];
	size_t n = result_input_len(name);

	if (n == 0)
		return;
	memcpy(input, name, n);
	input[n] = '\0';
	if (job_is_input_name(w->set->cfg, wd->conf, input))
		consider(w, wd, input);	/* its result was removed: run it again */
}

/*
 * IN_CREATE of something no writer will close and that is never a job: a
 * symlink, FIFO, socket or device.  It is whole as created (and gets a
 * result refusing it).  A new name of a regular file (link(), linkat() of
 * an O_TMPFILE) gets no close event either, but its other name may be on
 * its way out (link, then unlink): it is judged a settle later
 * (dirty_settled()), with the link count of then.
 */
static bool created_whole(const struct wdir *wd, const struct inotify_event *ev)
{
	struct stat st;

	return (ev->mask & IN_CREATE) &&
	       fstatat(wd->d->dirfd, ev->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       !S_ISREG(st.st_mode);
}

static void on_event(struct watcher *w, const struct inotify_event *ev)
{
	struct wdir *wd;

	atomic_fetch_add(&w->events, 1);
	if (ev->mask & IN_Q_OVERFLOW) {
		overflow(w);
		return;
	}
	if (!(wd = dir_by_wd(w, ev->wd)) || wd->gone)
		return;
	if (ev->mask & (IN_IGNORED | IN_UNMOUNT | IN_DELETE_SELF | IN_MOVE_SELF)) {
		self_event(w, wd, ev->mask);
		return;
	}
	if (!ev->len || (ev->mask & IN_ISDIR))
		return;
	if (ev->mask & (IN_DELETE | IN_MOVED_FROM)) {
		namemap_del(wd->marks, 0, ev->name);
		result_deleted(w, wd, ev->name);
		return;
	}
	if (!job_is_input_name(w->set->cfg, wd->conf, ev->name))
		return;
	if ((ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) || created_whole(wd, ev)) {
		mark(wd, ev->name, MARK_COMPLETE);
		consider(w, wd, ev->name);
	} else {
		mark(wd, ev->name, MARK_DIRTY);
		settle_at(wd, now_mono_ns() + ns_of(wd->conf->settle));
	}
}

/*
 * libinotifytools opens its fd without O_CLOEXEC and does not tell us
 * which it is: find every inotify fd of ours and set the flag.  Returns
 * the highest one, or -1.
 */
static int inotify_fix_cloexec(void)
{
	char link[64], target[64];
	struct dirent *de;
	int top = -1;
	long fd;
	DIR *d = opendir("/proc/self/fd");

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		ssize_t n;
		int fl;

		if (parse_long(de->d_name, 0, 1L << 30, &fd) < 0 || fd == dirfd(d))
			continue;
		snprintf(link, sizeof(link), "/proc/self/fd/%ld", fd);
		n = readlink(link, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		if (strcmp(target, "anon_inode:inotify"))
			continue;
		fl = fcntl((int)fd, F_GETFD);
		if (fl >= 0 && !(fl & FD_CLOEXEC))
			(void)fcntl((int)fd, F_SETFD, fl | FD_CLOEXEC);
		if (fd > top)
			top = (int)fd;
	}
	closedir(d);
	return top;
}

static void add_watch(struct wdir *wd)
{
	char path[64];
	int e;

	/* Through our fd: the path may have been replaced by a symlink since. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d/", wd->d->dirfd);
	if (inotifytools_watch_file(path, IN_EVENTS)) {
		wd->wd = inotifytools_wd_from_filename(path);
		return;
	}
	e = inotifytools_error();
	log_warn("watch %s: cannot add an inotify watch (%s); polling instead%s",
		 wd->d->path, strerror(e),
		 e == ENOSPC ? " (raise fs.inotify.max_user_watches)" : "");
	wd->fallback = true;
}

static void fall_back_all(struct watcher *w, const char *why)
{
	log_warn("watcher: inotify is unavailable (%s); polling every directory", why);
	for (size_t i = 0; i < w->n; i++)
		w->dirs[i].fallback = true;
}

/* (Re)starts libinotifytools with a watch on every inotify directory. */
static void inotify_restart(struct watcher *w)
{
	bool need = false;
	int top;

	w->need_restart = false;
	if (w->inotify_on)
		inotifytools_cleanup();
	w->inotify_on = false;
	for (size_t i = 0; i < w->n; i++) {
		w->dirs[i].wd = -1;
		w->dirs[i].rescan = true;	/* events were lost meanwhile */
		/* A close may have been among them: back to the age rule. */
		if (!dir_polls(&w->dirs[i]))
			namemap_clear(w->dirs[i].marks);
		need |= !dir_polls(&w->dirs[i]) && !w->dirs[i].gone;
	}
	if (!need)
		return;
	if (!inotifytools_initialize()) {
		fall_back_all(w, strerror(inotifytools_error()));
		return;
	}
	top = inotify_fix_cloexec();
	if (top < 0 || top >= FD_SETSIZE) {
		inotifytools_cleanup();
		fall_back_all(w, "its descriptor is above FD_SETSIZE");
		return;
	}
	w->inotify_on = true;
	for (size_t i = 0; i < w->n; i++)
		if (!dir_polls(&w->dirs[i]) && !w->dirs[i].gone)
			add_watch(&w->dirs[i]);
}

/* ---- the thread ---- */

static void dir_check_back(struct watcher *w, struct wdir *wd)
{
	int fd = open(wd->d->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return;
	close(fd);
	log_info("watch %s: a directory is there again; opening it", wd->d->path);
	if (w->ops.dir_event)
		w->ops.dir_event(w->ops.arg, wd->d->id, WATCH_BACK);
}

/*
 * A polled folder whose scan takes long (tens of thousands of files, or a
 * slow server) is polled again only after four times that long, up to
 * POLL_BACKOFF_MAX_NS, instead of being scanned without pause and keeping
 * an NFS server busy.  Only the periodic poll waits: settle deadlines,
 * `rescan_interval` and a reload scan as before.  The cap bounds what one
 * stalled scan (a hung server, a paused VM) costs new drops.
 */
static void poll_backoff(struct wdir *wd, int64_t start, int64_t end)
{
	int64_t wait = POLL_BACKOFF * (end - start);

	if (wait > POLL_BACKOFF_MAX_NS)
		wait = POLL_BACKOFF_MAX_NS;
	if (wd->next_poll < end + wait)
		wd->next_poll = end + wait;
}

/*
 * Scans, and sets when the next early scan may come.  A list is rebuilt
 * before it is used up only for what no event announces: a poll (no
 * events), a settle deadline (a name judged by its age, after an overflow
 * cleared the marks), late inputs with no room.  Each costs a scan, during
 * which nothing is queued, so they come at most every EARLY_COST scan
 * times (and a poll period): the folder is scanned a tenth of the time.
 */
static void timed_scan(struct watcher *w, struct wdir *wd)
{
	int64_t t0 = now_mono_ns(), t1, gap;

	wd->rescan = wd->early = false;
	scan(w, wd);
	t1 = now_mono_ns();
	if (dir_polls(wd))
		poll_backoff(wd, t0, t1);
	gap = EARLY_COST * (t1 - t0);
	if (gap < poll_period(wd))
		gap = poll_period(wd);
	wd->next_early = t1 + gap;
}

/* Runs what is due for one directory; returns its next deadline. */
static int64_t service(struct watcher *w, struct wdir *wd, int64_t now)
{
	int64_t next;

	if (now >= wd->next_full) {
		wd->next_full = now + ns_of(wd->conf->rescan_interval);
		if (wd->gone) {
			dir_check_back(w, wd);
			return wd->next_full;
		}
		wd->full = wd->rescan = true;
	}
	if (wd->gone)
		return wd->next_full;
	if (dir_polls(wd) && now >= wd->next_poll) {
		wd->next_poll = now + poll_period(wd);
		wd->rescan = wd->early = true;
	}
	if (now >= wd->next_settle) {
		wd->next_settle = NEVER;	/* the scan sets it again */
		wd->rescan = wd->early = true;
	}
	if (wd->full && dir_deleted(w, wd))
		return wd->next_full;
	if (wd->full)
		claims_remake(wd);
	if (wd->full) {
		sweep_claims(w, wd);
		atomic_fetch_add(&w->rescans, 1);
	}
	if (wd->rescan && (wd->ilist == wd->bl.n || (wd->early && now >= wd->next_early)))
		timed_scan(w, wd);
	wd->full = false;
	refill(w, wd);
	next = wd->next_full < wd->next_settle ? wd->next_full : wd->next_settle;
	if (dir_polls(wd) && wd->next_poll < next)
		next = wd->next_poll;
	if (wd->rescan && wd->early && wd->next_early < next)
		next = wd->next_early;
	return next;
}

/* Waits for an event, a wake-up or @deadline (CLOCK_MONOTONIC). */
static void wait_for_work(struct watcher *w, int64_t deadline)
{
	struct inotify_event *ev = NULL;
	int64_t left = deadline - now_mono_ns();
	struct timespec ts;
	sigset_t mask;

	woken = 0;
	if (atomic_exchange(&w->wake, false) || left <= 0)
		return;
	if (!w->inotify_on) {
		/* ppoll swaps the mask atomically: no lost wake-up. */
		pthread_sigmask(SIG_SETMASK, NULL, &mask);
		sigdelset(&mask, WAKE_SIGNAL);
		ts.tv_sec = left / NS;
		ts.tv_nsec = left % NS;
		ppoll(NULL, 0, &ts, &mask);
		return;
	}
	if (left < NS)
		timer_arm(w, deadline);
	wake_signal_mask(SIG_UNBLOCK);
	/* A signal pending since before the unblock has run its handler by now. */
	if (!woken && !atomic_load(&w->wake))
		ev = inotifytools_next_event(1);
	wake_signal_mask(SIG_BLOCK);
	if (left < NS)
		timer_arm(w, 0);
	if (ev)
		on_event(w, ev);
}

static void apply_set(struct watcher *w, struct watch_set *set);

static void take_posted(struct watcher *w)
{
	struct watch_set *s;

	pthread_mutex_lock(&w->lock);
	s = w->posted;
	w->posted = NULL;
	pthread_mutex_unlock(&w->lock);
	if (s)
		apply_set(w, s);
}

/*
 * Folders take turns too: the first one served that queues something
 * takes the queue's free slots, so the next pass starts after it.  Else a
 * backlog in one folder would hold back every folder served after it
 * until it was done.
 */
static void run_daemon(struct watcher *w)
{
	size_t first = 0;

	while (!atomic_load(&w->stop)) {
		int64_t now, next = NEVER, t;
		size_t start;

		take_posted(w);
		if (w->need_restart)
			inotify_restart(w);
		now = now_mono_ns();
		start = first < w->n ? first : 0;
		first = start;
		for (size_t k = 0; k < w->n; k++) {
			uint64_t pushed = w->pushes;

			t = service(w, &w->dirs[(start + k) % w->n], now);
			if (first == start && w->pushes != pushed)
				first = (start + k + 1) % w->n;
			if (t < next)
				next = t;
		}
		wait_for_work(w, next);
	}
}

/* Waits until @until (CLOCK_MONOTONIC) or a stop; false once stopped. */
static bool once_sleep(struct watcher *w, int64_t until)
{
	struct timespec ts;
	sigset_t mask;
	int64_t left;

	/* ppoll swaps the mask atomically: a stop's wake-up is not lost. */
	pthread_sigmask(SIG_SETMASK, NULL, &mask);
	sigdelset(&mask, WAKE_SIGNAL);
	while (!atomic_load(&w->stop) && (left = until - now_mono_ns()) > 0) {
		ts.tv_sec = left / NS;
		ts.tv_nsec = left % NS;
		if (ppoll(NULL, 0, &ts, &mask) < 0 && errno != EINTR)
			return false;
	}
	return !atomic_load(&w->stop);
}

/* --once: one folder's scan, and how long it may wait for its names. */
static void once_scan_dir(struct watcher *w, struct wdir *wd)
{
	int64_t settle = ns_of(wd->conf->settle), now = now_mono_ns();

	/* Three settles from the first scan; after a pause of the folder
	 * (the last pass's feed, which waits for a full queue) one more
	 * observation, so that a polled file is seen twice. */
	if (!wd->once_until)
		wd->once_until = now + 3 * settle;
	else if (now - wd->once_scan > 2 * settle && now + settle > wd->once_until)
		wd->once_until = now + settle;
	wd->once_scan = now;
	wd->once_before = wd->pending;
	if (wd->full)
		sweep_claims(w, wd);
	scan(w, wd);
	wd->full = false;
}

/* --once: the folders' lists, one input of each in turn; each push
 * blocks while the queue is full. */
static void once_feed(struct watcher *w)
{
	bool any = true;

	while (any && !atomic_load(&w->stop)) {
		any = false;
		for (size_t i = 0; i < w->n; i++) {
			struct wdir *wd = &w->dirs[i];

			if (wd->ilist < wd->bl.n) {
				(void)push_listed(w, wd);
				any = true;
			}
		}
	}
}

/*
 * One pass of --once over every folder; the earliest settle deadline a
 * folder may still wait for, or NEVER.  *@more: a scan was truncated and
 * its folder's backlog shrank since the last pass (a backlog that cannot
 * get results, say a read-only folder, is not scanned forever).
 */
static int64_t once_pass(struct watcher *w, bool *more)
{
	int64_t next = NEVER;

	for (size_t i = 0; i < w->n && !atomic_load(&w->stop); i++)
		once_scan_dir(w, &w->dirs[i]);
	once_feed(w);
	for (size_t i = 0; i < w->n && !atomic_load(&w->stop); i++) {
		struct wdir *wd = &w->dirs[i];

		refill(w, wd);	/* what the feed left: nothing, unless stopped */
		if (wd->truncated && (wd->once_before == 0 || wd->pending < wd->once_before))
			*more = true;
		else if (wd->truncated)
			log_warn("watch %s: %zu inputs are still pending and got no result "
				 "in this run; left for the next run", wd->d->path, wd->pending);
		wd->truncated = false;
		if (wd->next_settle <= wd->once_until && wd->next_settle < next)
			next = wd->next_settle;
	}
	return next;
}

/*
 * --once: every pending input of every directory, then done.  A name that
 * is not complete yet (a young mtime, or polling's unchanged-for-settle)
 * is waited for while the jobs run; one whose settle deadline falls more
 * than three settles after its folder's first scan (still changing two
 * settles in; once_pass()) is left for the next run, said once per folder.
 */
static void run_once(struct watcher *w)
{
	bool more = true, stopped = false;

	while (more && !stopped && !atomic_load(&w->stop)) {
		int64_t next;

		more = false;
		next = once_pass(w, &more);
		if (more) {	/* the rest of a truncated scan, once these ran */
			stopped = queue_wait_idle(w->ops.queue) < 0;
		} else if (next != NEVER) {
			more = true;
			stopped = !once_sleep(w, next);
		}
	}
	if (!stopped && queue_wait_idle(w->ops.queue) == 0)
		for (size_t i = 0; i < w->n; i++)
			if (w->dirs[i].next_settle != NEVER)
				log_info("watch %s: inputs still being written are left for "
					 "the next run", w->dirs[i].d->path);
	if (w->ops.once_done)
		w->ops.once_done(w->ops.arg);
}

static void *watcher_main(void *arg)
{
	struct watcher *w = arg;

	w->ktid = (pid_t)syscall(SYS_gettid);
	if (!w->ops.once)
		timer_setup(w);
	apply_set(w, w->set);
	if (w->ops.once)
		run_once(w);
	else
		run_daemon(w);
	if (w->inotify_on)
		inotifytools_cleanup();
	if (w->have_timer)
		timer_delete(w->timer);
	return NULL;
}

/* Carries the state of directories that stay; starts the new ones. */
static void apply_set(struct watcher *w, struct watch_set *set)
{
	struct wdir *nd = calloc(set->n ? set->n : 1, sizeof(*nd));
	int64_t now = now_mono_ns();

	if (!nd) {
		log_err("watcher: out of memory; keeping the old watch set");
		atomic_fetch_sub(&set->refs, 1);
		return;
	}
	for (size_t i = 0; i < set->n; i++) {
		struct wdir *old = NULL;

		for (size_t j = 0; j < w->n && !old; j++)
			if (w->dirs[j].d && w->dirs[j].d->id == set->dirs[i]->id)
				old = &w->dirs[j];
		if (old) {
			nd[i] = *old;
			old->d = NULL;	/* moved */
			nd[i].conf = set->confs[i];
		} else if (wdir_init(&nd[i], set->dirs[i], set->confs[i]) < 0) {
			log_err("watch %s: out of memory", set->dirs[i]->path);
		}
		nd[i].next_full = now;
	}
	for (size_t j = 0; j < w->n; j++)
		if (w->dirs[j].d)
			wdir_free(&w->dirs[j]);
	free(w->dirs);
	if (w->set && w->set != set)
		atomic_fetch_sub(&w->set->refs, 1);
	w->dirs = nd;
	w->n = set->n;
	w->set = set;
	w->need_restart = !w->ops.once;
}

int watcher_start(const struct watcher_ops *ops, struct watch_set *set,
		  struct watcher **out)
{
	struct sigaction sa;
	struct watcher *w = calloc(1, sizeof(*w));
	int e;

	if (!w)
		return -ENOMEM;
	/* The seed only keeps collisions from being aimed. */
	if (!done_seed)
		done_seed = random_u64();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_wake_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: select() must return; others restart or do not block. */
	sa.sa_flags = 0;
	if (sigaction(WAKE_SIGNAL, &sa, NULL) < 0) {
		e = -errno;
		free(w);
		return e;
	}
	w->ops = *ops;
	w->set = set;
	atomic_fetch_add(&set->refs, 1);
	pthread_mutex_init(&w->lock, NULL);
	e = -pthread_create(&w->tid, NULL, watcher_main, w);
	if (e < 0) {
		atomic_fetch_sub(&set->refs, 1);
		pthread_mutex_destroy(&w->lock);
		free(w);
		return e;
	}
	*out = w;
	return 0;
}

void watcher_update(struct watcher *w, struct watch_set *set)
{
	struct watch_set *old;

	atomic_fetch_add(&set->refs, 1);
	pthread_mutex_lock(&w->lock);
	old = w->posted;
	w->posted = set;
	pthread_mutex_unlock(&w->lock);
	if (old)
		atomic_fetch_sub(&old->refs, 1);
	watcher_wake(w);
}

void watcher_stop(struct watcher *w)
{
	if (!w)
		return;
	atomic_store(&w->stop, true);
	watcher_wake(w);
	pthread_join(w->tid, NULL);
	for (size_t i = 0; i < w->n; i++)
		if (w->dirs[i].d)
			wdir_free(&w->dirs[i]);
	free(w->dirs);
	if (w->posted)
		atomic_fetch_sub(&w->posted->refs, 1);
	if (w->set)
		atomic_fetch_sub(&w->set->refs, 1);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

void watcher_get_stats(struct watcher *w, struct watcher_stats *st)
{
	st->overflows = atomic_load(&w->overflows);
	st->rescans = atomic_load(&w->rescans);
	st->scans = atomic_load(&w->scans);
	st->events = atomic_load(&w->events);
	st->result_reads = atomic_load(&w->result_reads);
}
