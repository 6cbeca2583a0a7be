/* S01: a covert channel between two concurrent jobs through locks on an
 * inode both can read (a runtime file on the read-only bind).  argv[1]
 * "hold": take flock(LOCK_EX) and an OFD read lock, hold them 3 s.
 * "probe": after 0.8 s, ask whether anyone holds them.
 * Prints "WHAT: OUTCOME" lines ("held by another" = the channel works),
 * and when the locks were held and probed (CLOCK_REALTIME ns, which every
 * box shares), so that a "free" is shown to come while they were held. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#define SHARED "/usr/lib/os-release"

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1 };
	int fd = open(SHARED, O_RDONLY);

	if (fd < 0) {
		printf("open: %s\n", strerrorname_np(errno));
		return 1;
	}
	if (argc > 1 && strcmp(argv[1], "hold") == 0) {
		printf("flock LOCK_EX: %s\n", flock(fd, LOCK_EX | LOCK_NB) < 0 ? strerrorname_np(errno) : "OK");
		printf("F_OFD_SETLK read: %s\n", fcntl(fd, F_OFD_SETLK, &fl) < 0 ? strerrorname_np(errno) : "OK");
		printf("held from: %lld\n", now_ns());
		fflush(stdout);
		sleep(3);
		printf("held until: %lld\n", now_ns());	/* released at exit */
		return 0;
	}
	usleep(800000);
	/* Both probes between two stamps, which must both fall in the hold. */
	printf("probed from: %lld\n", now_ns());
	printf("flock probe: %s\n", flock(fd, LOCK_EX | LOCK_NB) < 0 ?
	       (errno == EWOULDBLOCK ? "held by another" : strerrorname_np(errno)) : "free");
	fl.l_type = F_WRLCK;
	fl.l_pid = 0;
	if (fcntl(fd, F_OFD_GETLK, &fl) < 0)
		printf("F_OFD_GETLK probe: %s\n", strerrorname_np(errno));
	else
		printf("F_OFD_GETLK probe: %s\n", fl.l_type == F_UNLCK ? "free" : "held by another");
	printf("probed until: %lld\n", now_ns());
	return 0;
}
