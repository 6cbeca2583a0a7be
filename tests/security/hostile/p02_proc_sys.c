/* P02: kernel knobs and kernel memory through /proc and /sys.
 * Prints "CALL PATH: ERRNO" or OK. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

static void try_read(const char *path)
{
	char buf[64];
	int fd = open(path, O_RDONLY);
	long r = fd;

	if (fd >= 0) {
		r = read(fd, buf, sizeof(buf));
		close(fd);
	}
	printf("read %s: %s\n", path, r < 0 ? strerrorname_np(errno) : "OK");
}

int main(void)
{
	try_write("/proc/sys/kernel/core_pattern", "|/work/evil");
	try_write("/proc/sysrq-trigger", "b");
	try_write("/proc/sys/vm/drop_caches", "3");
	try_write("/proc/sys/kernel/hostname", "evil");
	try_read("/proc/kallsyms");
	try_read("/proc/kcore");
	try_read("/proc/keys");
	try_read("/proc/modules");
	try_read("/proc/sched_debug");
	try_read("/proc/timer_list");
	try_read("/sys/kernel/debug");
	try_read("/sys/kernel/security");
	try_read("/sys/fs/cgroup");
	try_read("/proc/self/status");
	return 0;
}
