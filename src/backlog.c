/*
 * backlog.c - a scan's selection of pending inputs: owners in turn, each
 * owner's oldest first (backlog.h).
 *
 * Each owner keeps a max-heap on (mtime, name), so its root is the newest
 * input it holds and the one to give up first.  An open-addressing index
 * maps a uid to its owner.  The total held is at most 2 * keep + 1, and so
 * is the number of owners that hold one, plus those with only queued
 * inputs (backlog_queued(): a queue's worth) or left empty by a failed
 * add.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "backlog.h"

struct owner {
	uid_t uid;
	size_t n, cap;
	size_t base;		/* its inputs queued or running: its first round */
	bool cut;		/* offered more than it holds */
	struct backlog_item *h;
};

struct backlog {
	size_t keep;
	size_t share;		/* the most inputs one owner holds */
	size_t total;		/* held by all owners */
	bool dropped;		/* owners were dropped whole: any may have been one */
	struct owner *owners;
	size_t nowners, capowners;
	size_t *index;		/* owner slot + 1; 0 is a free cell */
	size_t nindex;		/* a power of two, at least twice nowners */
};

static bool item_newer(const struct backlog_item *a, const struct backlog_item *b)
{
	if (a->mtime_ns != b->mtime_ns)
		return a->mtime_ns > b->mtime_ns;
	return strcmp(a->name, b->name) > 0;
}

static int item_age_cmp(const void *a, const void *b)
{
	const struct backlog_item *x = a, *y = b;

	return item_newer(x, y) ? 1 : item_newer(y, x) ? -1 : 0;
}

/* Run order: by round, then oldest first. */
static int item_run_cmp(const void *a, const void *b)
{
	const struct backlog_item *x = a, *y = b;

	if (x->round != y->round)
		return x->round < y->round ? -1 : 1;
	return item_age_cmp(a, b);
}

static void heap_down(struct backlog_item *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		struct backlog_item t;

		if (l < n && item_newer(&h[l], &h[m]))
			m = l;
		if (r < n && item_newer(&h[r], &h[m]))
			m = r;
		if (m == i)
			return;
		t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

static void heap_up(struct backlog_item *h, size_t i)
{
	while (i > 0 && item_newer(&h[i], &h[(i - 1) / 2])) {
		struct backlog_item t = h[i];

		h[i] = h[(i - 1) / 2];
		h[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

/* Drops the owner's newest input. */
static void heap_pop(struct owner *o)
{
	free(o->h[0].name);
	o->h[0] = o->h[--o->n];
	heap_down(o->h, o->n, 0);
}

int backlog_new(size_t keep, struct backlog **out)
{
	struct backlog *b;

	*out = NULL;
	if (keep == 0)
		return -EINVAL;
	if (!(b = calloc(1, sizeof(*b))))
		return -ENOMEM;
	b->keep = b->share = keep;
	*out = b;
	return 0;
}

static void owners_clear(struct backlog *b)
{
	for (size_t i = 0; i < b->nowners; i++) {
		struct owner *o = &b->owners[i];

		for (size_t k = 0; k < o->n; k++)
			free(o->h[k].name);
		free(o->h);
	}
	b->nowners = b->total = 0;
	b->share = b->keep;
	b->dropped = false;
	if (b->index)
		memset(b->index, 0, b->nindex * sizeof(*b->index));
}

void backlog_free(struct backlog *b)
{
	if (!b)
		return;
	owners_clear(b);
	free(b->owners);
	free(b->index);
	free(b);
}

static size_t uid_slot(uid_t uid, size_t nindex)
{
	return ((uint64_t)uid * 0x9e3779b97f4a7c15ULL >> 32) & (nindex - 1);
}

/* Puts every owner into a zeroed index of @nindex cells. */
static void index_fill(struct backlog *b)
{
	for (size_t i = 0; i < b->nowners; i++) {
		size_t s = uid_slot(b->owners[i].uid, b->nindex);

		while (b->index[s])
			s = (s + 1) & (b->nindex - 1);
		b->index[s] = i + 1;
	}
}

/* Room for one more owner in the array and the index. */
static int owners_reserve(struct backlog *b)
{
	if (b->nowners == b->capowners) {
		size_t cap = b->capowners ? 2 * b->capowners : 16;
		struct owner *v = realloc(b->owners, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		b->owners = v;
		b->capowners = cap;
	}
	if (2 * (b->nowners + 1) > b->nindex) {
		size_t n = b->nindex ? 2 * b->nindex : 64;
		size_t *v = calloc(n, sizeof(*v));

		if (!v)
			return -ENOMEM;
		free(b->index);
		b->index = v;
		b->nindex = n;
		index_fill(b);
	}
	return 0;
}

/* @uid's owner, created empty if new. */
static int owner_get(struct backlog *b, uid_t uid, struct owner **out)
{
	size_t s;
	int e;

	if (b->nindex) {
		for (s = uid_slot(uid, b->nindex); b->index[s]; s = (s + 1) & (b->nindex - 1))
			if (b->owners[b->index[s] - 1].uid == uid) {
				*out = &b->owners[b->index[s] - 1];
				return 0;
			}
	}
	if ((e = owners_reserve(b)) < 0)
		return e;
	for (s = uid_slot(uid, b->nindex); b->index[s]; s = (s + 1) & (b->nindex - 1))
		;
	*out = &b->owners[b->nowners];
	memset(*out, 0, sizeof(**out));
	(*out)->uid = uid;
	b->index[s] = ++b->nowners;
	return 0;
}

static int owner_root_cmp(const void *a, const void *b)
{
	return item_age_cmp(&((const struct owner *)a)->h[0], &((const struct owner *)b)->h[0]);
}

/*
 * Back to at most 2 * keep held.  Halving the share (rounding up) keeps
 * every input of a round below the new share, at least half of what was
 * held, so more than keep: the first keep of the run order stay.  At a
 * share of one, the owners whose one input is newest go.
 */
static void shrink(struct backlog *b)
{
	size_t k = 0;

	while (b->total > 2 * b->keep && b->share > 1) {
		b->share = (b->share + 1) / 2;
		b->total = 0;
		for (size_t i = 0; i < b->nowners; i++) {
			while (b->owners[i].n > b->share) {
				heap_pop(&b->owners[i]);
				b->owners[i].cut = true;
			}
			b->total += b->owners[i].n;
		}
	}
	if (b->total <= 2 * b->keep)
		return;
	/* Every owner holds one input now, or none after a failed add. */
	for (size_t i = 0; i < b->nowners; i++) {
		if (b->owners[i].n)
			b->owners[k++] = b->owners[i];
		else
			free(b->owners[i].h);
	}
	b->nowners = k;
	b->dropped = true;
	qsort(b->owners, b->nowners, sizeof(*b->owners), owner_root_cmp);
	while (b->nowners > b->keep) {
		struct owner *o = &b->owners[--b->nowners];

		free(o->h[0].name);
		free(o->h);
	}
	b->total = b->nowners;
	memset(b->index, 0, b->nindex * sizeof(*b->index));
	index_fill(b);
}

int backlog_queued(struct backlog *b, uid_t owner)
{
	struct owner *o;
	int e;

	if ((e = owner_get(b, owner, &o)) < 0)
		return e;
	if (o->base < UINT32_MAX / 2)
		o->base++;
	return 0;
}

int backlog_add(struct backlog *b, uid_t owner, int64_t mtime_ns, const char *name)
{
	struct backlog_item c = { .mtime_ns = mtime_ns, .owner = owner, .name = (char *)name };
	struct owner *o;
	int e;

	if ((e = owner_get(b, owner, &o)) < 0)
		return e;
	if (o->n == b->share && !item_newer(&o->h[0], &c)) {
		o->cut = true;	/* not among this owner's oldest */
		return 0;
	}
	if (o->n < b->share && o->n == o->cap) {
		size_t cap = o->cap ? 2 * o->cap : 4;
		struct backlog_item *v;

		if (cap > b->share)
			cap = b->share;
		if (!(v = realloc(o->h, cap * sizeof(*v))))
			return -ENOMEM;
		o->h = v;
		o->cap = cap;
	}
	if (!(c.name = strdup(name)))
		return -ENOMEM;
	if (o->n == b->share) {
		o->cut = true;
		free(o->h[0].name);
		o->h[0] = c;
		heap_down(o->h, o->n, 0);
		return 0;
	}
	o->h[o->n] = c;
	heap_up(o->h, o->n++);
	if (++b->total > 2 * b->keep)
		shrink(b);
	return 0;
}

static int count_cmp(const void *a, const void *b)
{
	uid_t x = ((const struct owner_count *)a)->owner;
	uid_t y = ((const struct owner_count *)b)->owner;

	return x < y ? -1 : x > y;
}

/* Each owner's inputs oldest first, numbered by round, into @v; and the
 * owners into @oc.  Returns how many inputs. */
static size_t collect(struct backlog *b, struct backlog_item *v, struct owner_count *oc,
		      size_t *noc)
{
	size_t k = 0;

	*noc = 0;
	for (size_t i = 0; i < b->nowners; i++) {
		struct owner *o = &b->owners[i];

		if (o->n == 0 && o->base == 0)
			continue;	/* a failed add's */
		if (o->n)
			qsort(o->h, o->n, sizeof(*o->h), item_age_cmp);
		for (size_t r = 0; r < o->n; r++) {
			v[k] = o->h[r];
			v[k++].round = (uint32_t)(o->base + r);
		}
		oc[(*noc)++] = (struct owner_count){ o->uid, o->base, 0, 0, o->cut || b->dropped };
		o->n = 0;	/* the names are the array's now */
	}
	return k;
}

int backlog_take(struct backlog *b, struct backlog_list *out)
{
	struct backlog_item *v = NULL;
	struct owner_count *oc = NULL;
	size_t k, noc = 0;

	memset(out, 0, sizeof(*out));
	if (b->total == 0) {
		owners_clear(b);
		return 0;
	}
	v = malloc(b->total * sizeof(*v));
	oc = malloc(b->nowners * sizeof(*oc));
	if (!v || !oc) {
		free(v);
		free(oc);
		owners_clear(b);
		return -ENOMEM;
	}
	out->dropped = b->dropped;
	k = collect(b, v, oc, &noc);
	owners_clear(b);
	qsort(v, k, sizeof(*v), item_run_cmp);
	qsort(oc, noc, sizeof(*oc), count_cmp);
	for (size_t i = 0; i < k; i++) {
		struct owner_count *c = backlog_owner(oc, noc, v[i].owner);

		if (i < b->keep) {
			c->listed = ++c->n;
			continue;
		}
		c->cut = true;
		free(v[i].name);
	}
	out->items = v;
	out->n = k < b->keep ? k : b->keep;
	out->owners = oc;
	out->nowners = noc;
	return 0;
}

void backlog_list_free(struct backlog_list *l, size_t from)
{
	for (size_t i = from; i < l->n; i++)
		free(l->items[i].name);
	free(l->items);
	free(l->owners);
	memset(l, 0, sizeof(*l));
}

struct owner_count *backlog_owner(struct owner_count *v, size_t n, uid_t owner)
{
	struct owner_count key = { .owner = owner };

	return n ? bsearch(&key, v, n, sizeof(*v), count_cmp) : NULL;
}
