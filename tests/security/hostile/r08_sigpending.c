/* R08: exhaust the per-user pending-signal limit: queue a blocked
 * real-time signal to ourselves until sigqueue fails, then hold them 2 s
 * (the host test meanwhile checks that root, the daemon's user, can still
 * queue one).  Prints "rlimit: N" and "sigqueue: ERRNO after N". */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

int main(void)
{
	union sigval v = { 0 };
	struct rlimit rl;
	sigset_t set;
	long n = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN);
	sigprocmask(SIG_BLOCK, &set, NULL);
	getrlimit(RLIMIT_SIGPENDING, &rl);
	printf("rlimit: %lu\n", (unsigned long)rl.rlim_cur);
	while (n < 10000000 && sigqueue(getpid(), SIGRTMIN, v) == 0)
		n++;
	printf("sigqueue: %s after %ld\n", strerrorname_np(errno), n);
	fflush(stdout);
	sleep(2);
	return 0;
}
