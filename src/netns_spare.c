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
 * Nothing here is async-signal-safe or needed to be: it runs on the
 * worker thread before and after clone3(), never in the child.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include "netns_spare.h"

static __thread int spare_fd = -1;

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
	int fd = spare_fd;

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
