/*
 * backlog.h - which of a folder's pending inputs one scan keeps, and the
 * order they run in: owners take turns, each owner's inputs oldest first.
 *
 * Round r holds every owner's r-th oldest input, oldest first within the
 * round, so a user who drops 100,000 files delays another user's file by
 * one of theirs a round, not by the whole flood (SECURITY X08).  The owner is the input's st_uid.  With one owner the order is
 * plain oldest first.
 *
 * A scan may find any number of inputs; the selection keeps the first
 * @keep of that order in bounded memory: each owner holds its oldest
 * `share` so far (a max-heap), and when they hold more than 2 * @keep the
 * share halves (rounding up), which cannot drop one of the first @keep.
 * Past 2 * @keep owners (one input each), the newest are dropped.  Not
 * thread-safe.
 */
#ifndef CYLO_BACKLOG_H
#define CYLO_BACKLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct backlog_item {
	int64_t mtime_ns;
	uid_t owner;
	uint32_t round;		/* set by backlog_take() */
	char *name;
};

struct backlog;

/* An empty selection that keeps at most @keep (> 0).  0 or -ENOMEM. */
int backlog_new(size_t keep, struct backlog **out);
void backlog_free(struct backlog *b);

/* Offers one pending input (the name is copied).  0 or -ENOMEM, which
 * leaves the selection as it was. */
int backlog_add(struct backlog *b, uid_t owner, int64_t mtime_ns, const char *name);

/* What the list holds of one owner. */
struct owner_count {
	uid_t owner;
	size_t queued;		/* its inputs queued or running (backlog_queued()) */
	size_t listed;		/* its inputs in the list */
	size_t n;		/* of those, not yet used: the caller counts down */
	bool cut;		/* it had more pending than the list holds */
};

/*
 * One more input of @owner is already queued or running: @owner's inputs
 * here come one round later each.  (A rescan while earlier inputs run
 * must not put the owner who has the most of them first again.)  0 or
 * -ENOMEM.  The first @keep are then kept as above when such inputs are
 * few against @keep: a queue's worth against 16,384 in the daemon.
 */
int backlog_queued(struct backlog *b, uid_t owner);

/* What a selection hands over: the list to run and its owners. */
struct backlog_list {
	struct backlog_item *items;	/* in run order */
	size_t n;			/* at most keep */
	struct owner_count *owners;	/* sorted by uid */
	size_t nowners;
	bool dropped;	/* owners were left out whole (past 2 * keep of them) */
};

/*
 * Ends the selection into @out (NULLs and zeros when it held nothing).
 * The caller frees with backlog_list_free(); @b is left empty for another
 * scan.  0, or -ENOMEM with @out empty.
 */
int backlog_take(struct backlog *b, struct backlog_list *out);
/* Frees the arrays and the names from @from on (those before it are the
 * caller's), and empties @l. */
void backlog_list_free(struct backlog_list *l, size_t from);

/* @owner's entry in @v (sorted by uid), or NULL. */
struct owner_count *backlog_owner(struct owner_count *v, size_t n, uid_t owner);

#endif
