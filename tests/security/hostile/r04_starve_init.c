/* R04: starve the box's init, which runs as the job's uid: SCHED_IDLE,
 * nice 19 (by pid, process group and user), a tiny CPU limit and one
 * CPU, then 40 busy processes.  The init carries out the kill at the
 * wall limit; starved, it took minutes.  Prints "CALL: ERRNO" or OK. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static void say(const char *what, long r)
{
	printf("%s: %s\n", what, r < 0 ? strerrorname_np(errno) : "OK");
}

int main(void)
{
	struct sched_param sp = { 0 };
	struct rlimit one = { 1, 1 };
	cpu_set_t cpus;
	volatile unsigned long x = 0;

	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	say("sched_setscheduler 1 SCHED_IDLE", sched_setscheduler(1, SCHED_IDLE, &sp));
	say("setpriority pid 1", setpriority(PRIO_PROCESS, 1, 19));
	say("setpriority pgrp", setpriority(PRIO_PGRP, 0, 19));
	say("setpriority user", setpriority(PRIO_USER, 0, 19));
	say("prlimit 1 cpu", prlimit(1, RLIMIT_CPU, &one, NULL));
	say("sched_setaffinity 1", sched_setaffinity(1, sizeof(cpus), &cpus));
	say("nice self", setpriority(PRIO_PROCESS, 0, 5));
	fflush(stdout);
	for (int i = 0; i < 40; i++)
		if (fork() == 0)
			break;
	for (;;)
		x++;
}
