/*
 * queue.h - the bounded job queue between the watcher and the workers,
 * and the name map that both the queue and the watcher use to remember
 * inputs by (watch, name).
 *
 * The drop folder is the durable backlog; the queue only holds the next
 * few inputs to run, so its capacity is small and fixed whatever the
 * backlog.  An input is in the queue at most once: from queue_push() until
 * queue_done() it is "in flight", and pushing it again fails with -EEXIST.
 * An input written again while it runs (queue_again()) goes back to the
 * queue when its run is done, so the new version runs without waiting
 * for a rescan.
 */
#ifndef CYLO_QUEUE_H
#define CYLO_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A map from (ns, name) to a fixed-size payload, with a ceiling on the
 * number of entries.  Not thread-safe: the owner locks.  A NULL map (its
 * creation failed) is an empty map that refuses entries with -ENOMEM.
 */
struct namemap;

/* @max_entries 0: no ceiling.  @payload: bytes per entry (zeroed when created). */
int namemap_new(size_t max_entries, size_t payload, struct namemap **out);
void namemap_free(struct namemap *m);
/* The payload of (ns, name), or NULL. */
void *namemap_get(const struct namemap *m, uint32_t ns, const char *name);
/* 1 created, 0 already there (*@payload set either way), -ENOSPC, -ENOMEM. */
int namemap_put(struct namemap *m, uint32_t ns, const char *name, void **payload);
bool namemap_del(struct namemap *m, uint32_t ns, const char *name);
void namemap_clear(struct namemap *m);
size_t namemap_count(const struct namemap *m);
/* Calls @fn for every entry; an entry for which @fn returns true is removed. */
void namemap_sweep(struct namemap *m,
		   bool (*fn)(uint32_t ns, const char *name, void *payload, void *arg),
		   void *arg);

struct queue_item {
	struct queue_item *next;	/* the queue's */
	uint32_t watch;			/* which watched directory */
	int64_t queued_at_ns;		/* CLOCK_REALTIME, for the result */
	char name[];			/* file name in that directory */
};

struct queue;

/*
 * A queue of @capacity items.  When a push found the queue full, @on_space
 * (may be NULL) is called once the queue has drained to @low_water, from
 * the popping thread with no lock held: the producer's cue to refill.
 * Returns 0 or -ENOMEM.
 */
int queue_new(size_t capacity, size_t low_water, void (*on_space)(void *arg),
	      void *arg, struct queue **out);
void queue_free(struct queue *q);	/* after every thread stopped using it */

/*
 * Appends a copy of @name.  @wait: block while the queue is full (else
 * -ENOSPC).  -EEXIST when the input is already queued or running, -EPIPE
 * once the queue is closed, -ENOMEM.  Any thread.
 */
int queue_push(struct queue *q, uint32_t watch, const char *name, bool wait);

/*
 * Takes the oldest item, blocking while the queue is empty and open.
 * Returns 0 with an item the caller must hand back to queue_done(), or
 * -EPIPE once the queue is closed (queued items stay for queue_drain()).
 * Any thread.
 */
int queue_pop(struct queue *q, struct queue_item **out);
/* The same, waiting at most @timeout_ms (< 0: forever): -ETIMEDOUT then. */
int queue_pop_for(struct queue *q, struct queue_item **out, int timeout_ms);

/* The item's job is over (run or not): it may be pushed again.  Frees it,
 * or, when queue_again() marked it meanwhile, puts it back at the tail. */
void queue_done(struct queue *q, struct queue_item *it);

/*
 * Whether (watch, name) is queued or running; when running, it is queued
 * again once done (the run may have read the old version; the worker
 * then judges the input by its result as for any other).
 */
bool queue_again(struct queue *q, uint32_t watch, const char *name);
/* Whether (watch, name) is queued or running. */
bool queue_contains(struct queue *q, uint32_t watch, const char *name);

/* No more pushes or pops (-EPIPE); wakes every waiter.  Running items may still be done. */
void queue_close(struct queue *q);

/* Drops every queued (not running) item; returns how many. */
size_t queue_drain(struct queue *q);

/*
 * Waits until nothing is queued or running.  0, or -EPIPE when the queue
 * was closed while waiting.
 */
int queue_wait_idle(struct queue *q);

/* Queued and running counts, for metrics. */
void queue_stats(struct queue *q, size_t *queued, size_t *running);

#endif
