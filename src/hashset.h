/*
 * hashset.h - a bounded set of 64-bit hashes.
 *
 * What a directory scan remembers of the inputs it found finished
 * (watcher.c): one hash of each name with the stat() of its input and
 * result, 8 bytes a name instead of a copy of the name.  Open addressing,
 * at most half full; the table is allocated on the first add and freed
 * by hashset_clear().  Not thread-safe: one watcher thread owns it.
 */
#ifndef CYLO_HASHSET_H
#define CYLO_HASHSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hashset;

/* An empty set of at most @max values.  0 or -ENOMEM. */
int hashset_new(size_t max, struct hashset **out);
void hashset_free(struct hashset *s);

bool hashset_has(const struct hashset *s, uint64_t v);

/* 0 (also when @v was there), -ENOSPC when the set holds @max values,
 * -ENOMEM. */
int hashset_add(struct hashset *s, uint64_t v);

/* Empties the set and frees its table. */
void hashset_clear(struct hashset *s);

size_t hashset_count(const struct hashset *s);

/* Exchanges the contents of @a and @b (both bounds stay). */
void hashset_swap(struct hashset *a, struct hashset *b);

#endif
