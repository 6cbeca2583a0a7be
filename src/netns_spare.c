/*
 * netns_spare.c - an empty network namespace made ahead of time.
 *
 * clone3(CLONE_NEWNET) creates the box's network namespace on the critical
 * path of every job: a loopback device and the IPv4 and IPv6 sysctl
 * tables, about 1 ms.  A worker thread in root mode instead makes one
 * while it is idle, after a job's result is written: unshare(CLONE_NEWNET)
 * moves the thread into a new, empty namespace, an fd keeps it alive, and
 * the thread returns to the daemon's namespace at once.  box_open() then
 * enters it just for the clone3(), which passes the thread's namespace to
 * the child, and leaves it right after; the fd is closed, so the box's
 * namespace dies with the box.
 *
 * The spare is owned by the daemon's user namespace rather than by
 * the box's: the box holds no capability over it, which is stricter than
 * CLONE_NEWNET (its processes drop every capability anyway).  A spare is
 * never shared: one thread, one box, then gone.
 *
 * A one-shot command makes its box's spare on a helper thread, which
 * unshares, keeps the fd and ends: it never returns to the host's
 * namespace, since it runs nothing more.  The box's thread takes the fd
 * when it enters, joining the helper if it is not done yet.
 *
 * Nothing here is async-signal-safe or needed to be: it runs on the
 * thread that opens a box, before and after clone3(), and on a one-shot
 * command's main and helper threads, never in the child.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <unistd.h>

#include "netns_spare.h"

static __thread int spare_fd = -1;

/* The one-shot command's spare, made on a helper thread. */
enum { AHEAD_IDLE, AHEAD_STARTING, AHEAD_RUNNING, AHEAD_TAKING };
static struct {
	atomic_int state;	/* only RUNNING has a helper to join */
	pthread_t tid;
	int fd;			/* once joined; -1: unshare() failed */
} ahead = { .state = AHEAD_IDLE, .fd = -1 };

static void *ahead_main(void *unused)
{
	(void)unused;
	if (unshare(CLONE_NEWNET) == 0)
		ahead.fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	return NULL;
}

/* The CPUs the helper may use: ours but the one we are on; false if none. */
static bool other_cpus(cpu_set_t *cpus)
{
	int here = sched_getcpu();

	if (here < 0 || sched_getaffinity(0, sizeof(*cpus), cpus) < 0)
		return false;
	CPU_CLR(here, cpus);
	return CPU_COUNT(cpus) > 0;
}

void netns_spare_ahead(void)
{
	int idle = AHEAD_IDLE, next = AHEAD_IDLE;
	pthread_attr_t attr;
	cpu_set_t cpus;

	/*
	 * Root mode only, as for the sandbox's own spares.  On another CPU
	 * than ours: the kernel tends to queue a new thread behind the one
	 * that made it, which is busy until the box is set up.  With one CPU
	 * it would only wait behind us: no helper then.
	 */
	if (geteuid() != 0 || !other_cpus(&cpus) ||
	    !atomic_compare_exchange_strong(&ahead.state, &idle, AHEAD_STARTING))
		return;
	ahead.fd = -1;
	if (pthread_attr_init(&attr) == 0) {
		if (pthread_attr_setaffinity_np(&attr, sizeof(cpus), &cpus) == 0 &&
		    pthread_create(&ahead.tid, &attr, ahead_main, NULL) == 0)
			next = AHEAD_RUNNING;
		pthread_attr_destroy(&attr);
	}
	atomic_store(&ahead.state, next);
}

/* The helper's spare, once it is done; -1 when there is none. */
static int ahead_take(void)
{
	int running = AHEAD_RUNNING, fd;

	/* a plain load first: workers with spares of their own write nothing */
	if (atomic_load(&ahead.state) != AHEAD_RUNNING ||
	    !atomic_compare_exchange_strong(&ahead.state, &running, AHEAD_TAKING))
		return -1;
	pthread_join(ahead.tid, NULL);	/* cannot fail: joinable, not us */
	fd = ahead.fd;
	ahead.fd = -1;
	atomic_store(&ahead.state, AHEAD_IDLE);
	return fd;
}

void netns_spare_ahead_end(void)
{
	int fd = ahead_take();

	if (fd >= 0)
		close(fd);
}

int netns_spare_make(int host_fd)
{
	int fd, e = 0;

	if (spare_fd >= 0)
		return 0;
	if (host_fd < 0)
		return -EBADF;
	if (unshare(CLONE_NEWNET) < 0)
		return -errno;
	fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		e = -errno;
	/* Not back home: keep no spare, so no box ever shares this one. */
	if (setns(host_fd, CLONE_NEWNET) < 0) {
		e = -errno;
		if (fd >= 0)
			close(fd);
		return e;
	}
	spare_fd = fd;
	return e;
}

bool netns_spare_enter(void)
{
	int fd = spare_fd >= 0 ? spare_fd : ahead_take();

	if (fd < 0)
		return false;
	spare_fd = -1;		/* spent, whatever happens next */
	if (setns(fd, CLONE_NEWNET) < 0) {
		close(fd);
		return false;
	}
	close(fd);
	return true;
}

int netns_spare_leave(int host_fd)
{
	return setns(host_fd, CLONE_NEWNET) < 0 ? -errno : 0;
}

void netns_spare_drop(void)
{
	if (spare_fd >= 0) {
		close(spare_fd);
		spare_fd = -1;
	}
}
