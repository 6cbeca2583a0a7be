/* R01: the classic fork bomb.  The main process counts its successful
 * forks until the first failure ("fork: ERRNO", "forks before: N"), then
 * everything forks forever until the wall limit. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
	int n = 0;

	for (;;) {
		pid_t p = fork();
		if (p == 0)
			for (;;)
				fork();
		if (p < 0)
			break;
		n++;
	}
	printf("fork: %s\nforks before: %d\n", strerrorname_np(errno), n);
	fflush(stdout);
	for (;;)
		fork();
}
