/*
 * hashset.h - a bounded set of 64-bit hashes.
 *
 * What a directory scan remembers of the inputs it found finished
 * (watcher.c): one hash of each name with the stat() of its input and
 * result, 8 bytes a name instead of a copy of the name.  Open addressing,
 * at most half full; the table is mapped on the first add (or reserve)
 * and unmapped by hashset_clear().  Not thread-safe: one watcher thread
 * owns it.  As with the name map (queue.h), a NULL set is an empty set
 * that refuses values with -ENOMEM, so a folder whose sets could not be
 * allocated still works, reading every result.
 */
#ifndef CYLO_HASHSET_H
#define CYLO_HASHSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hashset;

/* An empty set of at most @max values (0: it refuses every value).
 * 0, -EINVAL for a @max no table could hold, or -ENOMEM. */
int hashset_new(size_t max, struct hashset **out);
void hashset_free(struct hashset *s);

bool hashset_has(const struct hashset *s, uint64_t v);

/* 0 (also when @v was there), -ENOSPC when the set holds @max values,
 * -ENOMEM. */
int hashset_add(struct hashset *s, uint64_t v);

/* Sizes the table for @n values (up to @max) at once, so that filling
 * it does not grow it step by step.  0 or -ENOMEM. */
int hashset_reserve(struct hashset *s, size_t n);

/* Empties the set and unmaps its table. */
void hashset_clear(struct hashset *s);

size_t hashset_count(const struct hashset *s);

#endif
