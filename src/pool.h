/*
 * pool.h - a fixed set of worker threads.
 */
#ifndef CYLO_POOL_H
#define CYLO_POOL_H

#include <stdint.h>

struct pool;

/*
 * Starts @n threads, each running @fn(@arg, slot) with slot 0..n-1 once;
 * a thread ends when @fn returns.  Threads inherit the caller's signal
 * mask (block every signal first).  Returns 0, or -errno when a thread
 * could not be created: *@out then holds the threads that did start, and
 * the caller makes their @fn return (closes its queue) and pool_join()s.
 * Main thread.
 */
int pool_start(int n, void (*fn)(void *arg, int slot), void *arg, struct pool **out);

/*
 * Waits until every thread's @fn has returned or CLOCK_MONOTONIC reaches
 * @deadline_ns (< 0: no deadline).  0, or -ETIMEDOUT with the number of
 * threads still running in *@left.
 */
int pool_wait(struct pool *p, int64_t deadline_ns, int *left);

/* Joins every thread (they must be ending) and frees the pool. */
void pool_join(struct pool *p);

int pool_size(const struct pool *p);

#endif
