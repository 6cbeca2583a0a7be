/* P04 (runc CVE-2019-5736): open the box's init (/proc/1/exe), our own
 * binary and the interpreter for writing, directly and by reopening an
 * O_PATH fd through /proc/self/fd.  Prints "WHAT: ERRNO" or OK; a python
 * child tries its own /proc/self/exe too. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void say(const char *what, long r)
{
	printf("%s: %s\n", what, r < 0 ? strerrorname_np(errno) : "OK");
	fflush(stdout);
}

static void reopen_rw(const char *what, const char *path)
{
	char proc[64];
	int fd = open(path, O_PATH), rw;

	if (fd < 0) {
		say(what, -1);
		return;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	rw = open(proc, O_RDWR);
	say(what, rw);
	if (rw >= 0)
		close(rw);
	close(fd);
}

int main(void)
{
	static char *const py[] = {
		"/usr/bin/python3", "-c",
		"import errno\n"
		"try:\n"
		"    open('/proc/self/exe', 'r+b')\n"
		"    print('python open /proc/self/exe O_RDWR: OK')\n"
		"except OSError as e:\n"
		"    print('python open /proc/self/exe O_RDWR: ' + errno.errorcode[e.errno])\n",
		NULL
	};
	pid_t pid;

	say("open /proc/1/exe O_RDWR", open("/proc/1/exe", O_RDWR));
	say("open /proc/1/exe O_PATH", open("/proc/1/exe", O_PATH));
	say("open /proc/self/exe O_RDWR", open("/proc/self/exe", O_RDWR));
	say("open /proc/self/exe O_WRONLY|O_TRUNC", open("/proc/self/exe", O_WRONLY | O_TRUNC));
	reopen_rw("reopen /proc/1/exe O_RDWR", "/proc/1/exe");
	reopen_rw("reopen /usr/bin/python3 O_RDWR", "/usr/bin/python3");
	reopen_rw("reopen /usr/lib/x86_64-linux-gnu/libc.so.6 O_RDWR",
		  "/usr/lib/x86_64-linux-gnu/libc.so.6");
	say("open /proc/self/map_files", open("/proc/self/map_files", O_RDONLY));
	pid = fork();
	if (pid == 0) {
		execv(py[0], py);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
	return 0;
}
