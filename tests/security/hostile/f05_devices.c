/* F05: device nodes: create them (mknod) and open the host's.
 * Prints "CALL PATH: ERRNO" or OK. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static void say(const char *what, long r)
{
	printf("%s: %s\n", what, r < 0 ? strerrorname_np(errno) : "OK");
	if (r >= 0 && strncmp(what, "open", 4) == 0)
		close((int)r);
}

int main(void)
{
	static const char *const devs[] = {
		"/dev/mem", "/dev/kmem", "/dev/port", "/dev/kmsg", "/dev/sda",
		"/dev/vda", "/dev/tty", "/dev/console", "/dev/kvm",
		"/dev/net/tun", "/dev/fuse", "/dev/loop-control", NULL
	};
	char what[64];

	say("mknod /work/sda", mknod("/work/sda", S_IFBLK | 0600, makedev(8, 0)));
	say("mknod /work/mem", mknod("/work/mem", S_IFCHR | 0600, makedev(1, 1)));
	say("mknod /tmp/null", mknod("/tmp/null", S_IFCHR | 0666, makedev(1, 3)));
	say("mknod /dev/shm/mem", mknod("/dev/shm/mem", S_IFCHR | 0600, makedev(1, 1)));
	for (int i = 0; devs[i]; i++) {
		snprintf(what, sizeof(what), "open %s", devs[i]);
		say(what, open(devs[i], O_RDWR));
	}
	say("open /dev/urandom", open("/dev/urandom", O_RDONLY));
	return 0;
}
