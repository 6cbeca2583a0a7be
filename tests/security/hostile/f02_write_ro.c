/* F02: write to the read-only runtime paths and to the box's /etc.
 * Prints "CALL PATH: ERRNO" (or OK), then the mount options of /, /usr and
 * /work, and how many mounts /proc holds (2 in a box cloned from a daemon's
 * mount template).  The ro bind itself must hold, not only Landlock: chmod() is no
 * Landlock right at all and mkdir() checks the mount before the LSM hook,
 * so EROFS there is the bind's answer on any Landlock ABI. */
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
	if (r >= 0 && strncmp(what, "open", 4) == 0)
		close((int)r);
}

int main(void)
{
	char line[4096];
	FILE *f;
	int procs = 0;

	say("open /usr/bin/python3 O_WRONLY", open("/usr/bin/python3", O_WRONLY));
	say("open /usr/bin/python3 O_RDWR", open("/usr/bin/python3", O_RDWR));
	say("truncate /usr/lib/os-release", truncate("/usr/lib/os-release", 0));
	say("open /usr/lib/os-release O_RDONLY|O_TRUNC",
	    open("/usr/lib/os-release", O_RDONLY | O_TRUNC));
	say("creat /etc/x", creat("/etc/x", 0644));
	say("creat /usr/x", creat("/usr/x", 0644));
	say("creat /x", creat("/x", 0644));
	say("unlink /etc/passwd", unlink("/etc/passwd"));
	say("rename /etc/passwd", rename("/etc/passwd", "/work/passwd"));
	say("chmod /usr/bin/python3", chmod("/usr/bin/python3", 04777));
	say("mkdir /usr/lib/x", mkdir("/usr/lib/x", 0755));
	say("open /dev/null O_WRONLY", open("/dev/null", O_WRONLY));
	say("creat /work/ok", creat("/work/ok", 0644));
	f = fopen("/proc/self/mountinfo", "r");
	while (f && fgets(line, sizeof(line), f)) {
		char mnt[1024], opts[1024];
		/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS ..." */
		if (sscanf(line, "%*s %*s %*s %*s %1023s %1023s", mnt, opts) == 2 &&
		    (strcmp(mnt, "/usr") == 0 || strcmp(mnt, "/") == 0 ||
		     strcmp(mnt, "/work") == 0))
			printf("mount %s: %s\n", mnt, opts);
		procs += strcmp(mnt, "/proc") == 0;
	}
	printf("proc mounts: %d\n", procs);
	return 0;
}
