/* P03: reach the cgroup tree: mount cgroupfs (v2 and v1), write our pid
 * into a parent's cgroup.procs, raise memory.max.  Prints "WHAT: ERRNO",
 * our own /proc/self/cgroup lines ("cgroup N: PATH"), then forks sleepers
 * until fork fails, to show the pids limit still holds ("forks: N ERRNO"). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void say(const char *what, long r)
{
	printf("%s: %s\n", what, r < 0 ? strerrorname_np(errno) : "OK");
}

static void try_write(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	long r = fd;

	if (fd >= 0) {
		r = write(fd, text, strlen(text));
		close(fd);
	}
	printf("write %s: %s\n", path, r < 0 ? strerrorname_np(errno) : "OK");
}

int main(void)
{
	char pid[32], line[512];
	FILE *f;
	int n = 0;

	mkdir("/tmp/cg", 0755);
	say("mount cgroup2", mount("none", "/tmp/cg", "cgroup2", 0, NULL));
	say("mount cgroup memory", mount("none", "/tmp/cg", "cgroup", 0, "memory"));
	say("mount cgroup pids", mount("none", "/tmp/cg", "cgroup", 0, "pids"));
	snprintf(pid, sizeof(pid), "%d", getpid());
	try_write("/sys/fs/cgroup/cgroup.procs", pid);
	try_write("/sys/fs/cgroup/memory/cgroup.procs", pid);
	try_write("/sys/fs/cgroup/memory.max", "max");
	try_write("/sys/fs/cgroup/memory/memory.limit_in_bytes", "-1");
	try_write("/sys/fs/cgroup/pids/pids.max", "max");
	try_write("/tmp/cg/cgroup.procs", pid);
	f = fopen("/proc/self/cgroup", "r");
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		printf("cgroup %d: %s\n", n++, strrchr(line, ':') + 1);
	}
	fflush(stdout);
	for (n = 0; n < 1000; n++) {
		pid_t p = fork();
		if (p == 0) {
			pause();
			_exit(0);
		}
		if (p < 0)
			break;
	}
	printf("forks: %d %s\n", n, n < 1000 ? strerrorname_np(errno) : "none");
	return 0;
}
