/* N05 (isolate flag 8): io_uring would run openat/socket inside the
 * kernel, where the seccomp filter never looks.  Bad pointers: a filtered
 * call says ENOSYS, an unfiltered one EFAULT.  Prints "CALL: ERRNO". */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static void say(const char *what, long r)
{
	printf("%s: %s\n", what, r < 0 ? strerrorname_np(errno) : "OK");
}

int main(void)
{
	char params[120];

	memset(params, 0, sizeof(params));
	say("io_uring_setup", syscall(SYS_io_uring_setup, 8, params));
	say("io_uring_setup badptr", syscall(SYS_io_uring_setup, 8, (void *)1));
	say("io_uring_enter", syscall(SYS_io_uring_enter, -1, 1, 0, 0, NULL, 0));
	say("io_uring_register", syscall(SYS_io_uring_register, -1, 0, NULL, 0));
	return 0;
}
