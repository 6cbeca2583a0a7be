/*
 * backlog.h - which of a folder's pending inputs one scan keeps, and the
 * order they run in: owners take turns, each owner's inputs oldest first.
 *
 * Round r holds every owner's r-th oldest input, oldest first within the
 * round, so a user who drops 100,000 files delays another user's one file
 * by at most one job of theirs per worker, not by the whole flood (SECURITY
 * X08).  The owner is the input's st_uid.  With one owner the order is
 * plain oldest first.
 *
 * A scan may find any number of inputs; the selection keeps the first
 * @keep of that order in bounded memory: each owner holds its oldest
 * `share` so far (a max-heap), and when they hold more than 2 * @keep the
 * share halves, which cannot drop one of the first @keep.  Past 2 * @keep
 * owners (one input each), the newest are dropped.  Not thread-safe.
 */
#ifndef CYLO_BACKLOG_H
#define CYLO_BACKLOG_H

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

/*
 * Ends the selection: the kept inputs in run order (*@n of them, at most
 * @keep), or NULL when none (or -ENOMEM in *@err).  The caller owns the
 * array and its names; @b is left empty.
 */
struct backlog_item *backlog_take(struct backlog *b, size_t *n, int *err);

/* How many of @items[0..@n) @owner has; @items as backlog_take() gave them. */
struct owner_count {
	uid_t owner;
	size_t n;
};
/* The owners of @items, sorted by uid, with their counts.  NULL when @n is
 * 0 or on -ENOMEM (*@err). */
struct owner_count *backlog_owners(const struct backlog_item *items, size_t n,
				   size_t *nowners, int *err);
/* @owner's entry in @v (sorted), or NULL. */
struct owner_count *backlog_owner(struct owner_count *v, size_t n, uid_t owner);

#endif
