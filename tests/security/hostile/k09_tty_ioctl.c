/* K09: terminal injection: TIOCSTI (CVE-2017-5226), the same with junk in
 * the high 32 bits of the command (CVE-2019-10063), TIOCLINUX, TIOCSCTTY,
 * TIOCSETD, on stdin/stdout/stderr and /dev/tty.  Prints "CALL: ERRNO" or
 * OK, and the session facts. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static void say(const char *what, long r)
{
	printf("%s: %s\n", what, r < 0 ? strerrorname_np(errno) : "OK");
}

int main(void)
{
	char c = 'x', what[64];
	int ldisc = 0;

	for (int fd = 0; fd < 3; fd++) {
		snprintf(what, sizeof(what), "TIOCSTI fd%d", fd);
		say(what, ioctl(fd, TIOCSTI, &c));
		snprintf(what, sizeof(what), "TIOCSTI high bits fd%d", fd);
		say(what, syscall(SYS_ioctl, fd, (0x123UL << 32) | TIOCSTI, &c));
	}
	say("TIOCLINUX", ioctl(0, TIOCLINUX, &c));
	say("TIOCLINUX high bits", syscall(SYS_ioctl, 0, (0x1UL << 32) | TIOCLINUX, &c));
	say("TIOCSCTTY", ioctl(0, TIOCSCTTY, 1));
	say("TIOCSETD", ioctl(0, TIOCSETD, &ldisc));
	say("open /dev/tty", open("/dev/tty", O_RDWR));
	say("isatty 0", isatty(0) ? 0 : -1);
	printf("session leader: %s\n", getsid(0) == getpid() ? "yes" : "no");
	printf("controlling tty: %s\n", tcgetpgrp(0) < 0 ? strerrorname_np(errno) : "yes");
	return 0;
}
