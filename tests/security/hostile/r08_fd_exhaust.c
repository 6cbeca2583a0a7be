/* R08: exhaust descriptors: /dev/null opens, pipes, epoll, eventfd,
 * inotify watches and inotify instances (inotify's limits are per user:
 * they must hit the job's uid, not the daemon's).  Each prints
 * "WHAT: ERRNO after N", closing everything in between; the instances are
 * held for 2 s at the end. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Prints how @what stopped, then closes everything it opened. */
static void report(const char *what, int n)
{
	printf("%s: %s after %d\n", what, strerrorname_np(errno), n);
	syscall(SYS_close_range, 3, ~0U, 0);
}

int main(void)
{
	struct rlimit rl;
	int n, fd, p[2];
	char name[64];

	getrlimit(RLIMIT_NOFILE, &rl);
	printf("nofile: %lu %lu\n", (unsigned long)rl.rlim_cur, (unsigned long)rl.rlim_max);
	for (n = 0; n < 1000000 && (fd = open("/dev/null", O_RDONLY)) >= 0; n++)
		;
	report("open /dev/null", n);
	for (n = 0; n < 1000000 && pipe(p) == 0; n++)
		;
	report("pipe", n);
	for (n = 0; n < 1000000 && (fd = epoll_create1(0)) >= 0; n++)
		;
	report("epoll_create1", n);
	for (n = 0; n < 1000000 && (fd = eventfd(0, 0)) >= 0; n++)
		;
	report("eventfd", n);
	fd = inotify_init1(0);
	for (n = 0; n < 200000; n++) {
		snprintf(name, sizeof(name), "/tmp/w%d", n);
		int f = open(name, O_WRONLY | O_CREAT, 0600);
		if (f < 0)
			break;
		close(f);
		if (inotify_add_watch(fd, name, IN_MODIFY) < 0)
			break;
	}
	printf("inotify_add_watch: %s after %d\n", n < 200000 ? strerrorname_np(errno) : "none", n);
	syscall(SYS_close_range, 3, ~0U, 0);
	/* Last, held for 2 s: the host test meanwhile checks that its own
	 * user (root, the daemon's) can still make an inotify instance. */
	for (n = 0; n < 1000000 && (fd = inotify_init1(0)) >= 0; n++)
		;
	printf("inotify_init1: %s after %d\n", strerrorname_np(errno), n);
	fflush(stdout);
	sleep(2);
	return 0;
}
