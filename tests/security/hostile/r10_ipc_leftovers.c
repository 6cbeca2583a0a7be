/* R10: leave things for the next job: a 1 GiB SysV segment, a POSIX
 * message queue, a /dev/shm file, a /tmp file; argv[1] "leave" makes them,
 * "look" looks for them.  "crash" touches 32 MiB and segfaults: no core
 * file may appear anywhere.  Prints "WHAT: ERRNO" or OK. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <unistd.h>

#define KEY 0x0c1105ec

static void say(const char *what, long r)
{
	printf("%s: %s\n", what, r < 0 ? strerrorname_np(errno) : "OK");
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "look";
	struct rlimit rl;

	if (strcmp(mode, "leave") == 0) {
		int id = shmget(KEY, 1UL << 30, IPC_CREAT | 0666);
		say("shmget create", id);
		if (id >= 0) {
			char *p = shmat(id, NULL, 0);
			say("shmat", p == (void *)-1 ? -1 : 0);
			if (p != (void *)-1)
				memset(p, 7, 1 << 20);
		}
		say("mq_open create", mq_open("/cylo-r10", O_CREAT | O_RDWR, 0666, NULL));
		say("create /dev/shm/r10", open("/dev/shm/r10", O_CREAT | O_WRONLY, 0666));
		say("create /tmp/r10", open("/tmp/r10", O_CREAT | O_WRONLY, 0666));
		say("create /var/tmp/r10", open("/var/tmp/r10", O_CREAT | O_WRONLY, 0666));
		return 0;
	}
	if (strcmp(mode, "crash") == 0) {
		char *p = malloc(32 << 20);
		getrlimit(RLIMIT_CORE, &rl);
		printf("core limit: %lu %lu\n", (unsigned long)rl.rlim_cur,
		       (unsigned long)rl.rlim_max);
		memset(p, 1, 32 << 20);
		fflush(stdout);
		*(volatile int *)8 = 1;
		return 0;
	}
	say("shmget find", shmget(KEY, 0, 0));
	say("mq_open find", mq_open("/cylo-r10", O_RDONLY));
	say("open /dev/shm/r10", open("/dev/shm/r10", O_RDONLY));
	say("open /tmp/r10", open("/tmp/r10", O_RDONLY));
	say("open /var/tmp/r10", open("/var/tmp/r10", O_RDONLY));
	return 0;
}
