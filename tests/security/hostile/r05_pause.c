/* R05: wait for a signal that never comes, ignoring the polite ones. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	printf("pausing: yes\n");
	fflush(stdout);
	for (;;)
		pause();
}
