/*
 * hashset.c - a bounded set of 64-bit hashes (see hashset.h).
 *
 * The values are hashes already, so their low bits index the table
 * directly; linear probing, no deletion (a scan builds a new set and
 * swaps it in).  0 marks a free slot, so the value 0 is stored as 1: a
 * set of hashes loses nothing that matters by that.  The table is never
 * more than half full, so a probe always reaches a free slot.
 *
 * Tables are mapped, not malloc()ed: a scan builds a new set of up to
 * 1 MiB and frees the old one, and from malloc's arena that memory stayed
 * resident between scans.  Unmapped, it is given back at once.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "hashset.h"

#define MIN_SLOTS 512		/* 4 KiB */
#define MAX_VALUES (SIZE_MAX / 64)	/* slots * 8 bytes cannot overflow */

struct hashset {
	uint64_t *slot;		/* 0: free */
	size_t nslots;		/* a power of two, or 0 when no table */
	size_t count, max;
};

int hashset_new(size_t max, struct hashset **out)
{
	struct hashset *s;

	if (max > MAX_VALUES)
		return -EINVAL;
	if (!(s = calloc(1, sizeof(*s))))
		return -ENOMEM;
	s->max = max;
	*out = s;
	return 0;
}

static uint64_t *table_new(size_t n)
{
	void *p = mmap(NULL, n * sizeof(uint64_t), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;	/* zero-filled */
}

/* munmap() of a whole mapping of ours can only fail on a bad argument. */
static void table_free(uint64_t *t, size_t n)
{
	if (t)
		(void)munmap(t, n * sizeof(uint64_t));
}

void hashset_free(struct hashset *s)
{
	if (!s)
		return;
	table_free(s->slot, s->nslots);
	free(s);
}

static uint64_t stored(uint64_t v)
{
	return v ? v : 1;
}

/* The slot holding @v, or the free slot where it would go. */
static uint64_t *find(const struct hashset *s, uint64_t v)
{
	size_t mask = s->nslots - 1, i = (size_t)v & mask;

	while (s->slot[i] && s->slot[i] != v)
		i = (i + 1) & mask;
	return &s->slot[i];
}

bool hashset_has(const struct hashset *s, uint64_t v)
{
	return s && s->nslots && *find(s, stored(v)) != 0;
}

/* A table of @n slots (a power of two) holding what @s holds. */
static int resize(struct hashset *s, size_t n)
{
	struct hashset bigger = { .nslots = n };

	if (!(bigger.slot = table_new(n)))
		return -ENOMEM;
	for (size_t i = 0; i < s->nslots; i++)
		if (s->slot[i])
			*find(&bigger, s->slot[i]) = s->slot[i];
	table_free(s->slot, s->nslots);
	s->slot = bigger.slot;
	s->nslots = n;
	return 0;
}

/* Slots for @n values at most half full. */
static size_t slots_for(size_t n)
{
	size_t k = MIN_SLOTS;

	while (k < 2 * n)
		k *= 2;
	return k;
}

int hashset_reserve(struct hashset *s, size_t n)
{
	if (!s)
		return -ENOMEM;
	if (n > s->max)
		n = s->max;
	if (n == 0 || slots_for(n) <= s->nslots)
		return 0;
	return resize(s, slots_for(n));
}

int hashset_add(struct hashset *s, uint64_t v)
{
	uint64_t *p;
	int e;

	if (!s)
		return -ENOMEM;
	v = stored(v);
	if (s->nslots && *(p = find(s, v)))
		return 0;			/* there already */
	if (s->count >= s->max)
		return -ENOSPC;
	if ((s->count + 1) * 2 > s->nslots) {
		if ((e = resize(s, slots_for(s->count + 1))) < 0)
			return e;
	}
	p = find(s, v);
	*p = v;
	s->count++;
	return 0;
}

void hashset_clear(struct hashset *s)
{
	if (!s)
		return;
	table_free(s->slot, s->nslots);
	s->slot = NULL;
	s->nslots = s->count = 0;
}

size_t hashset_count(const struct hashset *s)
{
	return s ? s->count : 0;
}
