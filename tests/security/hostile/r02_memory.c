/* R02: memory bombs.  argv[1] "heap": malloc and touch 64 GiB a MiB at a
 * time; "shm": a MAP_SHARED mapping of a 60 MiB tmpfs file in /dev/shm
 * (under the file size limit), touched a MiB at a time.  Prints progress
 * every 4 MiB ("touched MiB: N") and how it stopped, if it was not killed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	size_t mib = 1 << 20;

	if (argc > 1 && strcmp(argv[1], "shm") == 0) {
		int fd = open("/dev/shm/bomb", O_RDWR | O_CREAT, 0600);
		char *p;
		if (fd < 0 || ftruncate(fd, (off_t)60 * mib) < 0) {
			printf("shm setup: %s\n", strerrorname_np(errno));
			return 1;
		}
		p = mmap(NULL, 60 * mib, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED) {
			printf("mmap: %s\n", strerrorname_np(errno));
			return 1;
		}
		for (size_t i = 0; i < 60; i++) {
			memset(p + i * mib, 1, mib);
			if (i % 4 == 0) {
				printf("touched MiB: %zu\n", i);
				fflush(stdout);
			}
		}
		printf("shm: all touched\n");
		return 0;
	}
	for (size_t i = 0; i < 64 * 1024; i++) {
		char *p = malloc(mib);
		if (!p) {
			printf("malloc: ENOMEM after %zu MiB\n", i);
			return 1;
		}
		memset(p, 1, mib);
		if (i % 4 == 0) {
			printf("touched MiB: %zu\n", i);
			fflush(stdout);
		}
	}
	printf("heap: all touched\n");
	return 0;
}
