/* D03: write to the input: stdin is the job's private read-only copy.
 * write, ftruncate, fchmod, fchown on fd 0, then a read-write reopen
 * through /proc/self/fd/0.  Prints "CALL: ERRNO" or OK, and stdin's text. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void say(const char *what, long r)
{
	printf("%s: %s\n", what, r < 0 ? strerrorname_np(errno) : "OK");
}

int main(void)
{
	char buf[256];
	ssize_t n;
	int fd;

	say("write 0", write(0, "PWNED\n", 6));
	say("ftruncate 0", ftruncate(0, 0));
	say("fchmod 0", fchmod(0, 0777));
	say("fchown 0", fchown(0, 1000, 1000));
	say("fallocate 0", fallocate(0, 0, 0, 4096));
	fd = open("/proc/self/fd/0", O_RDWR);
	say("reopen rw", fd);
	if (fd >= 0) {
		say("reopen write", write(fd, "PWNED\n", 6));
		say("reopen ftruncate", ftruncate(fd, 0));
	}
	fd = open("/proc/self/fd/0", O_WRONLY | O_APPEND);
	say("reopen append", fd);
	lseek(0, 0, SEEK_SET);
	n = read(0, buf, sizeof(buf) - 1);
	buf[n < 0 ? 0 : n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	printf("stdin: %s\n", buf);
	return 0;
}
