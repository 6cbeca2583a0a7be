/* R09: real-time and priority: SCHED_FIFO, nice -20, IOPRIO_CLASS_RT,
 * mlockall(MCL_FUTURE) then a big allocation.  Prints "CALL: ERRNO" or OK. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

static void say(const char *what, long r)
{
	printf("%s: %s\n", what, r < 0 ? strerrorname_np(errno) : "OK");
}

int main(void)
{
	struct sched_param sp = { .sched_priority = 1 };
	char *p;

	say("sched_setscheduler SCHED_FIFO", sched_setscheduler(0, SCHED_FIFO, &sp));
	say("sched_setscheduler SCHED_RR", sched_setscheduler(0, SCHED_RR, &sp));
	say("setpriority -20", setpriority(PRIO_PROCESS, 0, -20));
	say("setpriority -1", setpriority(PRIO_PROCESS, 0, -1));
	say("ioprio_set RT", syscall(SYS_ioprio_set, 1, 0, (1 << 13) | 0));
	say("mlockall MCL_FUTURE", mlockall(MCL_CURRENT | MCL_FUTURE));
	p = malloc(32 << 20);
	say("mlock 32MiB", p ? mlock(p, 32 << 20) : -1);
	printf("sched policy: %d\n", sched_getscheduler(0));
	errno = 0;
	printf("nice: %d\n", getpriority(PRIO_PROCESS, 0));
	return 0;
}
