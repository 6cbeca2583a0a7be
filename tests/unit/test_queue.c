/*
 * test_queue.c - the bounded job queue and the name map (queue.c).
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "queue.h"
#include "testutil.h"

static atomic_int space_calls;

static void count_space(void *arg)
{
	(void)arg;
	atomic_fetch_add(&space_calls, 1);
}

static struct queue *mkq(size_t cap, size_t low)
{
	struct queue *q = NULL;

	ck_assert_int_eq(queue_new(cap, low, count_space, NULL, &q), 0);
	atomic_store(&space_calls, 0);
	return q;
}

/* An idle worker wakes now and then (mnt_template.h): a timed pop. */
START_TEST(test_pop_for_times_out)
{
	struct queue *q = mkq(8, 4);
	struct queue_item *it;
	struct timespec a, b;
	double ms;

	clock_gettime(CLOCK_MONOTONIC, &a);
	ck_assert_int_eq(queue_pop_for(q, &it, 150), -ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
	ck_assert_msg(ms >= 150, "woke after %.1f ms", ms);
	ck_assert_int_eq(queue_push(q, 1, "a.py", false), 0);
	ck_assert_int_eq(queue_pop_for(q, &it, 150), 0);
	ck_assert_str_eq(it->name, "a.py");
	queue_done(q, it);
	queue_close(q);
	ck_assert_int_eq(queue_pop_for(q, &it, 150), -EPIPE);
	queue_free(q);
}
END_TEST

START_TEST(test_fifo_order)
{
	struct queue *q = mkq(8, 4);
	struct queue_item *it;
	char name[16];

	for (int i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "job%d.sh", i);
		ck_assert_int_eq(queue_push(q, 1, name, false), 0);
	}
	for (int i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "job%d.sh", i);
		ck_assert_int_eq(queue_pop(q, &it), 0);
		ck_assert_str_eq(it->name, name);
		ck_assert_uint_eq(it->watch, 1);
		ck_assert(it->queued_at_ns > 0);
		queue_done(q, it);
	}
	queue_free(q);
}
END_TEST

START_TEST(test_dedupe_until_done)
{
	struct queue *q = mkq(8, 4);
	struct queue_item *it;
	size_t queued, running;

	ck_assert_int_eq(queue_push(q, 1, "a.py", false), 0);
	ck_assert_int_eq(queue_push(q, 1, "a.py", false), -EEXIST);
	/* Another directory's a.py is another input. */
	ck_assert_int_eq(queue_push(q, 2, "a.py", false), 0);
	ck_assert_int_eq(queue_pop(q, &it), 0);
	ck_assert(queue_contains(q, 1, "a.py"));
	/* Running counts as in flight: a rescan must not queue it again. */
	ck_assert_int_eq(queue_push(q, 1, "a.py", false), -EEXIST);
	queue_stats(q, &queued, &running);
	ck_assert_uint_eq(queued, 1);
	ck_assert_uint_eq(running, 1);
	queue_done(q, it);
	ck_assert(!queue_contains(q, 1, "a.py"));
	ck_assert_int_eq(queue_push(q, 1, "a.py", false), 0);
	queue_free(q);
}
END_TEST

/* Written again while it runs: back in the queue once done, at the tail. */
START_TEST(test_again_while_running)
{
	struct queue *q = mkq(1, 0);
	struct queue_item *it, *b;
	size_t queued, running;

	ck_assert(!queue_again(q, 1, "a.py"));	/* not in flight */
	ck_assert_int_eq(queue_push(q, 1, "a.py", false), 0);
	ck_assert(queue_again(q, 1, "a.py"));	/* queued: it will read the new one */
	ck_assert_int_eq(queue_pop(q, &it), 0);
	queue_done(q, it);
	ck_assert(!queue_contains(q, 1, "a.py"));

	ck_assert_int_eq(queue_push(q, 1, "a.py", false), 0);
	ck_assert_int_eq(queue_pop(q, &it), 0);
	ck_assert_int_eq(queue_push(q, 1, "b.py", false), 0);	/* fills it */
	ck_assert(queue_again(q, 1, "a.py"));
	ck_assert(queue_again(q, 1, "a.py"));	/* twice is once */
	queue_done(q, it);
	queue_stats(q, &queued, &running);
	ck_assert_uint_eq(queued, 2);		/* past the capacity of 1 */
	ck_assert_uint_eq(running, 0);
	ck_assert_int_eq(queue_pop(q, &b), 0);
	ck_assert_str_eq(b->name, "b.py");
	ck_assert_int_eq(queue_pop(q, &it), 0);
	ck_assert_str_eq(it->name, "a.py");
	queue_done(q, b);
	queue_done(q, it);
	queue_stats(q, &queued, &running);
	ck_assert_uint_eq(queued + running, 0);
	ck_assert(!queue_contains(q, 1, "a.py"));

	/* Closed: nothing goes back. */
	ck_assert_int_eq(queue_push(q, 1, "a.py", false), 0);
	ck_assert_int_eq(queue_pop(q, &it), 0);
	ck_assert(queue_again(q, 1, "a.py"));
	queue_close(q);
	queue_done(q, it);
	ck_assert(!queue_contains(q, 1, "a.py"));
	queue_free(q);
}
END_TEST

START_TEST(test_full_and_low_water)
{
	struct queue *q = mkq(4, 2);
	struct queue_item *it[4];
	char name[16];

	for (int i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		ck_assert_int_eq(queue_push(q, 1, name, false), 0);
	}
	ck_assert_int_eq(queue_push(q, 1, "late", false), -ENOSPC);
	ck_assert_int_eq(queue_pop(q, &it[0]), 0);	/* 3 left: above low water */
	ck_assert_int_eq(atomic_load(&space_calls), 0);
	ck_assert_int_eq(queue_pop(q, &it[1]), 0);	/* 2 left: low water */
	ck_assert_int_eq(atomic_load(&space_calls), 1);
	ck_assert_int_eq(queue_pop(q, &it[2]), 0);
	ck_assert_int_eq(atomic_load(&space_calls), 1);	/* once per refusal */
	ck_assert_int_eq(queue_push(q, 1, "late", false), 0);
	for (int i = 0; i < 3; i++)
		queue_done(q, it[i]);
	queue_free(q);
}
END_TEST

struct pusher {
	struct queue *q;
	int rc;
	atomic_bool done;
};

static void *blocking_push(void *p)
{
	struct pusher *ps = p;

	ps->rc = queue_push(ps->q, 1, "blocked", true);
	atomic_store(&ps->done, true);
	return NULL;
}

START_TEST(test_blocking_push_waits_for_space)
{
	struct pusher ps = { .q = mkq(1, 0) };
	struct queue_item *it;
	pthread_t t;

	ck_assert_int_eq(queue_push(ps.q, 1, "first", false), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, blocking_push, &ps), 0);
	usleep(50000);
	ck_assert(!atomic_load(&ps.done));
	ck_assert_int_eq(queue_pop(ps.q, &it), 0);
	pthread_join(t, NULL);
	ck_assert_int_eq(ps.rc, 0);
	ck_assert(queue_contains(ps.q, 1, "blocked"));
	queue_done(ps.q, it);
	queue_free(ps.q);
}
END_TEST

START_TEST(test_blocking_push_ends_on_close)
{
	struct pusher ps = { .q = mkq(1, 0) };
	pthread_t t;

	ck_assert_int_eq(queue_push(ps.q, 1, "first", false), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, blocking_push, &ps), 0);
	usleep(20000);
	queue_close(ps.q);
	pthread_join(t, NULL);
	ck_assert_int_eq(ps.rc, -EPIPE);
	queue_free(ps.q);
}
END_TEST

struct popper {
	struct queue *q;
	int rc;
	struct queue_item *it;
};

static void *blocking_pop(void *p)
{
	struct popper *pp = p;

	pp->rc = queue_pop(pp->q, &pp->it);
	return NULL;
}

START_TEST(test_pop_blocks_until_push)
{
	struct popper pp = { .q = mkq(4, 2), .rc = 99 };
	pthread_t t;

	ck_assert_int_eq(pthread_create(&t, NULL, blocking_pop, &pp), 0);
	usleep(30000);
	ck_assert_int_eq(pp.rc, 99);
	ck_assert_int_eq(queue_push(pp.q, 3, "x.c", false), 0);
	pthread_join(t, NULL);
	ck_assert_int_eq(pp.rc, 0);
	ck_assert_str_eq(pp.it->name, "x.c");
	queue_done(pp.q, pp.it);
	queue_free(pp.q);
}
END_TEST

START_TEST(test_close_stops_pops_and_drain)
{
	struct popper pp = { .q = mkq(4, 2), .rc = 99 };
	struct queue_item *it;
	pthread_t t;

	ck_assert_int_eq(pthread_create(&t, NULL, blocking_pop, &pp), 0);
	usleep(20000);
	queue_close(pp.q);
	pthread_join(t, NULL);
	ck_assert_int_eq(pp.rc, -EPIPE);
	queue_free(pp.q);

	pp.q = mkq(4, 2);
	ck_assert_int_eq(queue_push(pp.q, 1, "a", false), 0);
	ck_assert_int_eq(queue_push(pp.q, 1, "b", false), 0);
	ck_assert_int_eq(queue_pop(pp.q, &it), 0);	/* "a" is running */
	queue_close(pp.q);
	/* Closed: nothing more is taken, even with "b" still queued. */
	ck_assert_int_eq(queue_pop(pp.q, &pp.it), -EPIPE);
	ck_assert_int_eq(queue_push(pp.q, 1, "c", false), -EPIPE);
	ck_assert_uint_eq(queue_drain(pp.q), 1);
	ck_assert(!queue_contains(pp.q, 1, "b"));
	ck_assert(queue_contains(pp.q, 1, "a"));
	queue_done(pp.q, it);
	ck_assert(!queue_contains(pp.q, 1, "a"));
	queue_free(pp.q);
}
END_TEST

static void *finish_later(void *p)
{
	struct popper *pp = p;

	usleep(30000);
	queue_done(pp->q, pp->it);
	return NULL;
}

START_TEST(test_wait_idle)
{
	struct popper pp = { .q = mkq(4, 2) };
	pthread_t t;

	ck_assert_int_eq(queue_wait_idle(pp.q), 0);	/* idle already */
	ck_assert_int_eq(queue_push(pp.q, 1, "a", false), 0);
	ck_assert_int_eq(queue_pop(pp.q, &pp.it), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, finish_later, &pp), 0);
	ck_assert_int_eq(queue_wait_idle(pp.q), 0);
	ck_assert(!queue_contains(pp.q, 1, "a"));
	pthread_join(t, NULL);
	ck_assert_int_eq(queue_push(pp.q, 1, "b", false), 0);
	queue_close(pp.q);
	ck_assert_int_eq(queue_wait_idle(pp.q), -EPIPE);
	queue_free(pp.q);
}
END_TEST

#define STRESS_PRODUCERS 4
#define STRESS_CONSUMERS 4
#define STRESS_EACH 5000

struct stress {
	struct queue *q;
	int id;
	atomic_int *seen;
};

static void *stress_produce(void *p)
{
	struct stress *s = p;
	char name[32];

	for (int i = 0; i < STRESS_EACH; i++) {
		snprintf(name, sizeof(name), "%d", s->id * STRESS_EACH + i);
		ck_assert_int_eq(queue_push(s->q, 7, name, true), 0);
	}
	return NULL;
}

static void *stress_consume(void *p)
{
	struct stress *s = p;
	struct queue_item *it;

	while (queue_pop(s->q, &it) == 0) {
		long k = strtol(it->name, NULL, 10);

		atomic_fetch_add(&s->seen[k], 1);
		queue_done(s->q, it);
	}
	return NULL;
}

START_TEST(test_stress_each_once)
{
	static atomic_int seen[STRESS_PRODUCERS * STRESS_EACH];
	struct stress p[STRESS_PRODUCERS], c[STRESS_CONSUMERS];
	pthread_t pt[STRESS_PRODUCERS], ct[STRESS_CONSUMERS];
	struct queue *q = mkq(8, 4);

	for (int i = 0; i < STRESS_CONSUMERS; i++) {
		c[i] = (struct stress){ q, i, seen };
		ck_assert_int_eq(pthread_create(&ct[i], NULL, stress_consume, &c[i]), 0);
	}
	for (int i = 0; i < STRESS_PRODUCERS; i++) {
		p[i] = (struct stress){ q, i, seen };
		ck_assert_int_eq(pthread_create(&pt[i], NULL, stress_produce, &p[i]), 0);
	}
	for (int i = 0; i < STRESS_PRODUCERS; i++)
		pthread_join(pt[i], NULL);
	ck_assert_int_eq(queue_wait_idle(q), 0);
	queue_close(q);
	for (int i = 0; i < STRESS_CONSUMERS; i++)
		pthread_join(ct[i], NULL);
	for (int i = 0; i < STRESS_PRODUCERS * STRESS_EACH; i++)
		ck_assert_msg(atomic_load(&seen[i]) == 1, "item %d seen %d times", i,
			      atomic_load(&seen[i]));
	queue_free(q);
}
END_TEST

START_TEST(test_namemap_basics)
{
	struct namemap *m = NULL;
	long *v;
	void *p;

	ck_assert_int_eq(namemap_new(3, sizeof(long), &m), 0);
	ck_assert_int_eq(namemap_put(m, 0, "a", &p), 1);
	v = p;
	ck_assert_int_eq(*v, 0);	/* zeroed */
	*v = 42;
	ck_assert_int_eq(namemap_put(m, 0, "a", &p), 0);
	ck_assert_int_eq(*(long *)p, 42);
	ck_assert_int_eq(namemap_put(m, 1, "a", &p), 1);	/* other namespace */
	ck_assert_int_eq(namemap_put(m, 0, "b", &p), 1);
	ck_assert_int_eq(namemap_put(m, 0, "c", &p), -ENOSPC);
	ck_assert_uint_eq(namemap_count(m), 3);
	ck_assert_int_eq(*(long *)namemap_get(m, 0, "a"), 42);
	ck_assert_ptr_null(namemap_get(m, 0, "c"));
	ck_assert(namemap_del(m, 0, "a"));
	ck_assert(!namemap_del(m, 0, "a"));
	ck_assert_int_eq(namemap_put(m, 0, "c", &p), 1);
	namemap_clear(m);
	ck_assert_uint_eq(namemap_count(m), 0);
	ck_assert_ptr_null(namemap_get(m, 0, "b"));
	namemap_free(m);
}
END_TEST

static bool drop_odd(uint32_t ns, const char *name, void *payload, void *arg)
{
	(void)ns;
	(void)name;
	(*(int *)arg)++;
	return *(long *)payload % 2 == 1;
}

START_TEST(test_namemap_growth_and_sweep)
{
	struct namemap *m = NULL;
	char name[32];
	int visits = 0;
	void *p;

	ck_assert_int_eq(namemap_new(0, sizeof(long), &m), 0);
	for (long i = 0; i < 20000; i++) {
		snprintf(name, sizeof(name), "input-%ld.py", i);
		ck_assert_int_eq(namemap_put(m, 5, name, &p), 1);
		*(long *)p = i;
	}
	for (long i = 0; i < 20000; i += 997) {
		snprintf(name, sizeof(name), "input-%ld.py", i);
		ck_assert_int_eq(*(long *)namemap_get(m, 5, name), i);
	}
	namemap_sweep(m, drop_odd, &visits);
	ck_assert_int_eq(visits, 20000);
	ck_assert_uint_eq(namemap_count(m), 10000);
	ck_assert_ptr_null(namemap_get(m, 5, "input-1.py"));
	ck_assert_ptr_nonnull(namemap_get(m, 5, "input-2.py"));
	namemap_free(m);
}
END_TEST

START_TEST(test_namemap_null_is_empty)
{
	void *p;

	ck_assert_ptr_null(namemap_get(NULL, 0, "a"));
	ck_assert_int_eq(namemap_put(NULL, 0, "a", &p), -ENOMEM);
	ck_assert(!namemap_del(NULL, 0, "a"));
	ck_assert_uint_eq(namemap_count(NULL), 0);
	namemap_clear(NULL);
	namemap_free(NULL);
}
END_TEST

static Suite *queue_suite(void)
{
	Suite *s = suite_create("queue");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_pop_for_times_out);
	tcase_add_test(tc, test_fifo_order);
	tcase_add_test(tc, test_dedupe_until_done);
	tcase_add_test(tc, test_again_while_running);
	tcase_add_test(tc, test_full_and_low_water);
	tcase_add_test(tc, test_blocking_push_waits_for_space);
	tcase_add_test(tc, test_blocking_push_ends_on_close);
	tcase_add_test(tc, test_pop_blocks_until_push);
	tcase_add_test(tc, test_close_stops_pops_and_drain);
	tcase_add_test(tc, test_wait_idle);
	tcase_add_test(tc, test_stress_each_once);
	tcase_add_test(tc, test_namemap_basics);
	tcase_add_test(tc, test_namemap_growth_and_sweep);
	tcase_add_test(tc, test_namemap_null_is_empty);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(queue_suite());
}
