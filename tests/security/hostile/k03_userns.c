/* K03: nested namespaces: unshare, clone with namespace flags, raw
 * clone3, setns into the init's namespaces, and util-linux `unshare -Ur`.
 * Bad pointers/fds where the call takes one: filtered calls answer
 * EPERM/ENOSYS, unfiltered ones would say EFAULT/EBADF.  Prints
 * "WHAT: ERRNO" or OK; stays alive ~2 s ("sleeping: yes") so the host test
 * can look at the box's user namespace from outside. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void say(const char *what, long r)
{
	printf("%s: %s\n", what, r < 0 ? strerrorname_np(errno) : "OK");
	fflush(stdout);
}

/* clone() with @flags; the child exits at once. */
static void try_clone(const char *what, unsigned long flags)
{
	long pid = syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);

	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid((pid_t)pid, NULL, 0);
	say(what, pid);
}

int main(void)
{
	struct clone_args ca = { .flags = CLONE_NEWUSER, .exit_signal = SIGCHLD };
	int fd, status = 0;
	long pid;

	say("unshare CLONE_NEWUSER", unshare(CLONE_NEWUSER));
	say("unshare CLONE_NEWNS", unshare(CLONE_NEWNS));
	say("unshare CLONE_NEWNET", unshare(CLONE_NEWNET));
	say("unshare CLONE_NEWPID", unshare(CLONE_NEWPID));
	say("unshare bad flags", unshare(-1));
	try_clone("clone CLONE_NEWUSER|CLONE_NEWNS", CLONE_NEWUSER | CLONE_NEWNS);
	try_clone("clone CLONE_NEWUSER", CLONE_NEWUSER);
	try_clone("clone CLONE_NEWNET", CLONE_NEWNET);
	try_clone("clone high bits CLONE_NEWUSER", (0x5UL << 32) | CLONE_NEWUSER);
	pid = syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid == 0)
		_exit(0);
	say("clone3 CLONE_NEWUSER", pid);
	say("clone3 badptr", syscall(SYS_clone3, (void *)1, 88));
	fd = open("/proc/1/ns/mnt", O_RDONLY);
	say("open /proc/1/ns/mnt", fd);
	fd = open("/proc/self/ns/user", O_RDONLY);
	say("setns own userns", syscall(SYS_setns, fd, CLONE_NEWUSER));
	say("setns badfd", syscall(SYS_setns, -1, 0));
	say("open /proc/sys/user/max_user_namespaces",
	    open("/proc/sys/user/max_user_namespaces", O_RDONLY));
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 2);
		execl("/usr/bin/unshare", "unshare", "-Ur", "/usr/bin/id", "-u", (char *)NULL);
		_exit(127);
	}
	waitpid((pid_t)pid, &status, 0);
	printf("unshare -Ur: exit %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128);
	fflush(stdout);
	printf("sleeping: yes\n");
	fflush(stdout);
	sleep(2);
	return 0;
}
