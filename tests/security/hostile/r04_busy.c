/* R04: busy loops: argv[1] is the number of spinning threads (1 = the
 * main thread only).  Never ends on its own. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static void *spin(void *arg)
{
	volatile unsigned long n = 0;

	(void)arg;
	for (;;)
		n++;
	return NULL;
}

int main(int argc, char **argv)
{
	long threads = argc > 1 ? strtol(argv[1], NULL, 10) : 1;
	pthread_t t;

	printf("threads: %ld\n", threads);
	fflush(stdout);
	for (long i = 1; i < threads; i++)
		pthread_create(&t, NULL, spin, NULL);
	spin(NULL);
	return 0;
}
