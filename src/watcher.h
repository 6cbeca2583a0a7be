/*
 * watcher.h - finds pending inputs in the watched directories and feeds
 * them to the job queue: inotify events as hints, directory scans as the
 * truth, polling with a settle time where inotify cannot see.
 */
#ifndef CYLO_WATCHER_H
#define CYLO_WATCHER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

struct cylo_config;
struct watch_conf;
struct queue;

/*
 * D/.cylo and D/.cylo/claims, as opened at one time.  When they are
 * removed, the watcher makes a new pair (watcher.c, claims_remake()); the
 * old one is retired and closed by the last job that still holds it (its
 * claim lives there).
 */
struct claim_dirs {
	int cylo_fd;		/* D/.cylo */
	int claims_fd;		/* D/.cylo/claims */
	int users;		/* holders (watch_claims_hold()); under claims_lock */
	bool retired;		/* replaced: freed when users drops to 0 */
};

/* One watched directory, opened once; owned and freed by the daemon. */
struct watch_dir {
	uint32_t id;		/* unique for the daemon's life, the queue's ns */
	char *path;
	int dirfd;		/* O_RDONLY|O_DIRECTORY|O_NOFOLLOW */
	pthread_mutex_t claims_lock;
	struct claim_dirs *claims;	/* the current pair, under claims_lock */
	bool network;		/* NFS, SMB, FUSE...: inotify sees no remote writes */
	bool fsync;		/* false on tmpfs */
	atomic_bool gone;	/* set by the watcher: deleted or unmounted */
	atomic_int refs;	/* watch sets holding it (daemon.c) */
	atomic_bool chown_refused;	/* said once: results stay ours (daemon.c) */
	atomic_bool full;	/* no room for results: jobs wait (daemon.c) */
	atomic_uint own_uid;	/* what the daemon's files there are owned by */
};

/*
 * One generation of the configuration: the directories and their
 * settings.  Immutable once published; the daemon frees it when @refs
 * drops to zero, so a holder may use it without locks.
 */
struct watch_set {
	const struct cylo_config *cfg;
	size_t n;
	struct watch_dir **dirs;
	const struct watch_conf **confs;	/* confs[i] configures dirs[i] */
	atomic_int refs;
};

enum watch_event {
	WATCH_GONE,		/* the directory was deleted or unmounted */
	WATCH_BACK,		/* a directory is at its path again: reopen it */
};

struct watcher_ops {
	struct queue *queue;
	bool once;		/* scan everything, wait until the queue is idle, stop */
	/* Called from the watcher thread; must not block. */
	void (*dir_event)(void *arg, uint32_t id, enum watch_event ev);
	void (*once_done)(void *arg);	/* --once: everything pending ran */
	void *arg;
};

struct watcher;

struct watcher_stats {
	uint64_t overflows;	/* IN_Q_OVERFLOW seen */
	uint64_t rescans;	/* full scans: start, periodic, overflow */
	uint64_t scans;		/* every directory scan */
	uint64_t events;	/* inotify events read */
	uint64_t result_reads;	/* results a scan read to judge their input */
};

/*
 * Starts the watcher thread on @set (takes one reference; the caller's
 * signal mask must block every signal).  Main thread.  0 or -errno.
 */
int watcher_start(const struct watcher_ops *ops, struct watch_set *set,
		  struct watcher **out);

/* Switches to @set (takes one reference), e.g. after SIGHUP.  Main thread. */
void watcher_update(struct watcher *w, struct watch_set *set);

/* Makes the watcher look at its queue and timers now.  Any thread. */
void watcher_wake(struct watcher *w);

/* Stops and joins the thread, drops its set reference, frees @w.  Main thread. */
void watcher_stop(struct watcher *w);

void watcher_get_stats(struct watcher *w, struct watcher_stats *st);

/*
 * The folder protocol, shared with the workers.
 *
 * watch_input_state: lstat()s input @name in @d into @st (never opening
 * it) and says whether it is pending: 1 pending (no result, the result
 * records another identity, or it belongs to none of the daemon, the
 * owner its files get there and the input's owner), 0 not (current
 * result, or a directory), -errno (-ENOENT: gone).
 */
int watch_input_state(const struct watch_dir *d, const char *name, struct stat *st);

/* Notes what a file the daemon makes in @d's .cylo is owned by (root, or
 * a root-squashed export's anonymous user), as its claims were opened. */
void watch_note_owner(struct watch_dir *d, int cylo_fd);

/* The folder's current claim directories, held until watch_claims_put():
 * for a claim's whole life (it uses their fds). */
struct claim_dirs *watch_claims_hold(struct watch_dir *d);
void watch_claims_put(struct watch_dir *d, struct claim_dirs *c);
/* Opens (making them if need be) @dirfd's .cylo and .cylo/claims into a
 * new pair, *@foreign when .cylo is another user's: 0 or -errno. */
int claim_dirs_new(int dirfd, struct claim_dirs **out, bool *foreign);
/* Closes and frees @c (no holder left). */
void claim_dirs_free(struct claim_dirs *c);

#endif
