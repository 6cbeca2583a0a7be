/*
 * pool.c - the daemon's fixed worker threads.
 *
 * Theory of operation.  The main thread starts `workers` threads at
 * start-up and never more or fewer: the number of jobs running at once is
 * the number of threads, and slot N is what the sandbox maps to host uid
 * uid_base + N, so a slot must never run two jobs at once.  Each thread
 * runs the daemon's worker loop (pop a job, run it, repeat until the
 * queue is closed) and then ends; the pool only counts how many are still
 * running, so that shutdown can wait for them with a deadline
 * (shutdown_grace) before it decides to kill what is left.  pool_join()
 * comes last, after the queue is closed and every running job was
 * finished or killed.
 *
 * Threads inherit the creator's signal mask: the daemon blocks every
 * signal before pool_start() and reads them from a signalfd, so no signal
 * handler ever runs on a worker.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "pool.h"

struct pool;

struct worker {
	struct pool *pool;
	int slot;
	pthread_t tid;
};

struct pool {
	void (*fn)(void *arg, int slot);
	void *arg;
	int n;
	struct worker *w;
	pthread_mutex_t lock;
	pthread_cond_t ended;
	int running;
};

static void *worker_main(void *p)
{
	struct worker *w = p;
	struct pool *pl = w->pool;

	pl->fn(pl->arg, w->slot);
	pthread_mutex_lock(&pl->lock);
	pl->running--;
	pthread_cond_broadcast(&pl->ended);
	pthread_mutex_unlock(&pl->lock);
	return NULL;
}

static void pool_free(struct pool *p)
{
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->ended);
	free(p->w);
	free(p);
}

int pool_start(int n, void (*fn)(void *arg, int slot), void *arg, struct pool **out)
{
	struct pool *p = calloc(1, sizeof(*p));
	pthread_condattr_t ca;
	int e = -ENOMEM, i;

	if (!p || n <= 0 || !(p->w = calloc((size_t)n, sizeof(*p->w)))) {
		free(p);
		return n <= 0 ? -EINVAL : -ENOMEM;
	}
	p->fn = fn;
	p->arg = arg;
	p->n = n;
	pthread_mutex_init(&p->lock, NULL);
	/* Deadlines are CLOCK_MONOTONIC: a clock step must not cut the grace. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->ended, &ca);
	pthread_condattr_destroy(&ca);
	for (i = 0; i < n; i++) {
		p->w[i].pool = p;
		p->w[i].slot = i;
		pthread_mutex_lock(&p->lock);
		p->running++;
		pthread_mutex_unlock(&p->lock);
		e = -pthread_create(&p->w[i].tid, NULL, worker_main, &p->w[i]);
		if (e < 0)
			goto fail;
	}
	*out = p;
	return 0;
fail:
	/* The caller has not opened its queue to anyone: it closes it, we join. */
	p->running--;
	p->n = i;
	*out = p;
	return e;
}

int pool_wait(struct pool *p, int64_t deadline_ns, int *left)
{
	struct timespec ts = { deadline_ns / 1000000000, deadline_ns % 1000000000 };
	int r = 0;

	pthread_mutex_lock(&p->lock);
	while (p->running > 0 && r == 0) {
		if (deadline_ns < 0)
			pthread_cond_wait(&p->ended, &p->lock);
		else
			r = pthread_cond_timedwait(&p->ended, &p->lock, &ts);
	}
	if (left)
		*left = p->running;
	r = p->running > 0 ? -ETIMEDOUT : 0;
	pthread_mutex_unlock(&p->lock);
	return r;
}

void pool_join(struct pool *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->n; i++)
		pthread_join(p->w[i].tid, NULL);
	pool_free(p);
}

int pool_size(const struct pool *p)
{
	return p->n;
}
