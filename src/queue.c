/*
 * queue.c - the bounded FIFO between the watcher and the workers (one
 * mutex, condition variables for "not empty", "space" and "idle"), and
 * the (ns, name) hash map used for its in-flight set and by the watcher.
 *
 * The shape follows redis's bio.c: producers append under the lock and
 * signal; a fixed set of consumers wait on a condition variable.  What is
 * ours: the in-flight set (an input is queued once, until its job is
 * over, so event storms and rescans cannot pile up duplicates) and the
 * low-water callback, which lets a producer that met a full queue go
 * away and be called back when there is room, instead of blocking a
 * thread that has other work (the watcher reads inotify).
 */
#include <errno.h>
#include <pthread.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "queue.h"
#include "util.h"

/* ---- the name map ---- */

struct nm_entry {
	struct nm_entry *next;
	uint64_t hash;
	uint32_t ns;
	char *name;		/* points into the same allocation */
	alignas(max_align_t) unsigned char payload[];
};

struct namemap {
	struct nm_entry **b;
	size_t nb;		/* power of two */
	size_t count, max;
	size_t payload;
};

#define NM_MIN_BUCKETS 64

/* FNV-1a over the namespace and the name. */
static uint64_t nm_hash(uint32_t ns, const char *name)
{
	return fnv1a(fnv1a_u32(FNV1A_BASIS, ns), name, strlen(name));
}

int namemap_new(size_t max_entries, size_t payload, struct namemap **out)
{
	struct namemap *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	m->b = calloc(NM_MIN_BUCKETS, sizeof(*m->b));
	if (!m->b) {
		free(m);
		return -ENOMEM;
	}
	m->nb = NM_MIN_BUCKETS;
	m->max = max_entries;
	m->payload = payload;
	*out = m;
	return 0;
}

void namemap_clear(struct namemap *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nb; i++) {
		struct nm_entry *e = m->b[i], *n;

		for (; e; e = n) {
			n = e->next;
			free(e);
		}
		m->b[i] = NULL;
	}
	m->count = 0;
}

void namemap_free(struct namemap *m)
{
	if (!m)
		return;
	namemap_clear(m);
	free(m->b);
	free(m);
}

static struct nm_entry **nm_slot(const struct namemap *m, uint32_t ns,
				 const char *name, uint64_t h)
{
	struct nm_entry **pp = &m->b[h & (m->nb - 1)];

	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->hash == h && (*pp)->ns == ns && !strcmp((*pp)->name, name))
			break;
	return pp;
}

void *namemap_get(const struct namemap *m, uint32_t ns, const char *name)
{
	struct nm_entry *e;

	if (!m)
		return NULL;
	e = *nm_slot(m, ns, name, nm_hash(ns, name));

	return e ? e->payload : NULL;
}

/* Doubles the bucket array; on ENOMEM the map just stays denser. */
static void nm_grow(struct namemap *m)
{
	size_t nb = m->nb * 2;
	struct nm_entry **b = calloc(nb, sizeof(*b));

	if (!b)
		return;
	for (size_t i = 0; i < m->nb; i++) {
		struct nm_entry *e = m->b[i], *n;

		for (; e; e = n) {
			n = e->next;
			e->next = b[e->hash & (nb - 1)];
			b[e->hash & (nb - 1)] = e;
		}
	}
	free(m->b);
	m->b = b;
	m->nb = nb;
}

int namemap_put(struct namemap *m, uint32_t ns, const char *name, void **payload)
{
	uint64_t h = nm_hash(ns, name);
	struct nm_entry **pp, *e;
	size_t len = strlen(name), psize;

	if (!m)
		return -ENOMEM;
	pp = nm_slot(m, ns, name, h);
	if (*pp) {
		*payload = (*pp)->payload;
		return 0;
	}
	if (m->max && m->count >= m->max)
		return -ENOSPC;
	psize = (m->payload + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1);
	e = calloc(1, sizeof(*e) + psize + len + 1);
	if (!e)
		return -ENOMEM;
	e->hash = h;
	e->ns = ns;
	e->name = (char *)e->payload + psize;
	memcpy(e->name, name, len + 1);
	*pp = e;
	m->count++;
	if (m->count > m->nb)
		nm_grow(m);
	*payload = e->payload;
	return 1;
}

bool namemap_del(struct namemap *m, uint32_t ns, const char *name)
{
	struct nm_entry **pp, *e;

	if (!m)
		return false;
	pp = nm_slot(m, ns, name, nm_hash(ns, name));
	e = *pp;
	if (!e)
		return false;
	*pp = e->next;
	free(e);
	m->count--;
	return true;
}

size_t namemap_count(const struct namemap *m)
{
	return m ? m->count : 0;
}

void namemap_sweep(struct namemap *m,
		   bool (*fn)(uint32_t ns, const char *name, void *payload, void *arg),
		   void *arg)
{
	for (size_t i = 0; m && i < m->nb; i++) {
		struct nm_entry **pp = &m->b[i];

		while (*pp) {
			struct nm_entry *e = *pp;

			if (fn(e->ns, e->name, e->payload, arg)) {
				*pp = e->next;
				free(e);
				m->count--;
			} else {
				pp = &e->next;
			}
		}
	}
}

/* ---- the queue ---- */

struct queue {
	pthread_mutex_t lock;
	pthread_cond_t nonempty, space, idle;
	struct queue_item *head, *tail;
	size_t len, cap, running;
	bool closed;
	struct namemap *inflight;	/* queued + running: an enum flight */
	size_t low_water;
	bool want_space;		/* a push met a full queue */
	void (*on_space)(void *arg);
	void *arg;
};

/* An in-flight item's state, its payload in q->inflight. */
enum flight { QUEUED, RUNNING, RUN_AGAIN };

static void set_flight(struct queue *q, const struct queue_item *it, enum flight f)
{
	unsigned char *p = namemap_get(q->inflight, it->watch, it->name);

	if (p)
		*p = (unsigned char)f;
}

/* Appends @it; the caller holds the lock and has it in flight already. */
static void append(struct queue *q, struct queue_item *it)
{
	it->next = NULL;
	if (q->tail)
		q->tail->next = it;
	else
		q->head = it;
	q->tail = it;
	q->len++;
	pthread_cond_signal(&q->nonempty);
}

/* A condition variable timed on the monotonic clock (queue_pop_for()). */
static int cond_init_monotonic(pthread_cond_t *c)
{
	pthread_condattr_t ca;
	int e;

	if ((e = pthread_condattr_init(&ca)) != 0)
		return -e;
	if ((e = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC)) == 0)
		e = pthread_cond_init(c, &ca);
	pthread_condattr_destroy(&ca);
	return -e;
}

int queue_new(size_t capacity, size_t low_water, void (*on_space)(void *arg),
	      void *arg, struct queue **out)
{
	struct queue *q = calloc(1, sizeof(*q));
	int e;

	if (!q)
		return -ENOMEM;
	if ((e = namemap_new(0, 1, &q->inflight)) < 0)
		goto fail;
	if ((e = cond_init_monotonic(&q->nonempty)) < 0) {
		namemap_free(q->inflight);
		goto fail;
	}
	/* default attributes: glibc cannot fail these */
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->space, NULL);
	pthread_cond_init(&q->idle, NULL);
	q->cap = capacity ? capacity : 1;
	q->low_water = low_water < q->cap ? low_water : q->cap - 1;
	q->on_space = on_space;
	q->arg = arg;
	*out = q;
	return 0;
fail:
	free(q);
	return e;
}

void queue_free(struct queue *q)
{
	struct queue_item *it, *n;

	if (!q)
		return;
	for (it = q->head; it; it = n) {
		n = it->next;
		free(it);
	}
	namemap_free(q->inflight);
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->nonempty);
	pthread_cond_destroy(&q->space);
	pthread_cond_destroy(&q->idle);
	free(q);
}

static struct queue_item *item_new(uint32_t watch, const char *name)
{
	size_t len = strlen(name);
	struct queue_item *it = malloc(sizeof(*it) + len + 1);

	if (!it)
		return NULL;
	it->next = NULL;
	it->watch = watch;
	it->queued_at_ns = now_real_ns();
	memcpy(it->name, name, len + 1);
	return it;
}

int queue_push(struct queue *q, uint32_t watch, const char *name, bool wait)
{
	struct queue_item *it = NULL;
	void *unused;
	int r;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		r = -EPIPE;
		if (q->closed)
			goto out;
		r = -EEXIST;
		if (namemap_get(q->inflight, watch, name))
			goto out;
		if (q->len < q->cap)
			break;
		q->want_space = true;
		r = -ENOSPC;
		if (!wait)
			goto out;
		pthread_cond_wait(&q->space, &q->lock);
	}
	r = -ENOMEM;
	if (!(it = item_new(watch, name)))
		goto out;
	if ((r = namemap_put(q->inflight, watch, name, &unused)) < 0) {
		free(it);
		goto out;
	}
	append(q, it);
	r = 0;
out:
	pthread_mutex_unlock(&q->lock);
	return r;
}

int queue_pop_for(struct queue *q, struct queue_item **out, int timeout_ms)
{
	void (*cb)(void *) = NULL;
	struct queue_item *it;
	struct timespec until;

	if (timeout_ms >= 0) {
		if (clock_gettime(CLOCK_MONOTONIC, &until) < 0)
			return -errno;
		until.tv_sec += timeout_ms / 1000;
		until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
	}
	pthread_mutex_lock(&q->lock);
	while (!q->head && !q->closed) {
		if (timeout_ms < 0) {
			pthread_cond_wait(&q->nonempty, &q->lock);
		} else if (pthread_cond_timedwait(&q->nonempty, &q->lock, &until) == ETIMEDOUT &&
			   !q->head && !q->closed) {
			pthread_mutex_unlock(&q->lock);
			return -ETIMEDOUT;
		}
	}
	/* Closed: stop taking jobs at once, even with some left (queue_drain). */
	it = q->closed ? NULL : q->head;
	if (it) {
		q->head = it->next;
		if (!q->head)
			q->tail = NULL;
		it->next = NULL;
		q->len--;
		q->running++;
		set_flight(q, it, RUNNING);
		pthread_cond_signal(&q->space);
		if (q->want_space && q->len <= q->low_water) {
			q->want_space = false;
			cb = q->on_space;
		}
	}
	pthread_mutex_unlock(&q->lock);
	if (!it)
		return -EPIPE;
	/* Outside the lock: the callback may push. */
	if (cb)
		cb(q->arg);
	*out = it;
	return 0;
}

int queue_pop(struct queue *q, struct queue_item **out)
{
	return queue_pop_for(q, out, -1);
}

void queue_done(struct queue *q, struct queue_item *it)
{
	unsigned char *f;

	pthread_mutex_lock(&q->lock);
	q->running--;
	f = namemap_get(q->inflight, it->watch, it->name);
	if (f && *f == RUN_AGAIN && !q->closed) {
		/* Past the capacity, by at most one per running item. */
		*f = QUEUED;
		it->queued_at_ns = now_real_ns();
		append(q, it);
		pthread_mutex_unlock(&q->lock);
		return;
	}
	namemap_del(q->inflight, it->watch, it->name);
	if (q->len == 0 && q->running == 0)
		pthread_cond_broadcast(&q->idle);
	pthread_mutex_unlock(&q->lock);
	free(it);
}

bool queue_again(struct queue *q, uint32_t watch, const char *name)
{
	unsigned char *f;

	pthread_mutex_lock(&q->lock);
	f = namemap_get(q->inflight, watch, name);
	if (f && *f == RUNNING)
		*f = RUN_AGAIN;
	pthread_mutex_unlock(&q->lock);
	return f != NULL;
}

bool queue_contains(struct queue *q, uint32_t watch, const char *name)
{
	bool r;

	pthread_mutex_lock(&q->lock);
	r = namemap_get(q->inflight, watch, name) != NULL;
	pthread_mutex_unlock(&q->lock);
	return r;
}

void queue_close(struct queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->closed = true;
	pthread_cond_broadcast(&q->nonempty);
	pthread_cond_broadcast(&q->space);
	pthread_cond_broadcast(&q->idle);
	pthread_mutex_unlock(&q->lock);
}

size_t queue_drain(struct queue *q)
{
	struct queue_item *it, *n;
	size_t count = 0;

	pthread_mutex_lock(&q->lock);
	for (it = q->head; it; it = n) {
		n = it->next;
		namemap_del(q->inflight, it->watch, it->name);
		free(it);
		count++;
	}
	q->head = q->tail = NULL;
	q->len = 0;
	pthread_cond_broadcast(&q->space);
	if (q->running == 0)
		pthread_cond_broadcast(&q->idle);
	pthread_mutex_unlock(&q->lock);
	return count;
}

int queue_wait_idle(struct queue *q)
{
	int r = 0;

	pthread_mutex_lock(&q->lock);
	while ((q->len || q->running) && !q->closed)
		pthread_cond_wait(&q->idle, &q->lock);
	if (q->len || q->running)
		r = -EPIPE;
	pthread_mutex_unlock(&q->lock);
	return r;
}

void queue_stats(struct queue *q, size_t *queued, size_t *running)
{
	pthread_mutex_lock(&q->lock);
	*queued = q->len;
	*running = q->running;
	pthread_mutex_unlock(&q->lock);
}
