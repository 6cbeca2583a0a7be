/* R06 (DMOJ #318 style): leave processes behind.  Double fork + setsid +
 * SIGTERM/SIGHUP ignored: a grandchild that keeps writing to stdout and to
 * /tmp; a child stopped by SIGSTOP; a child in its own process group.  The
 * main process prints "parent: exiting" and exits 0 at once. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static void daemonize(void)
{
	if (fork() != 0)
		_exit(0);
	setsid();
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	if (fork() != 0)
		_exit(0);
}

int main(void)
{
	printf("parent: exiting\n");
	fflush(stdout);
	if (fork() == 0) {
		daemonize();
		for (int i = 0;; i++) {
			int fd = open("/tmp/alive", O_WRONLY | O_CREAT | O_APPEND, 0644);
			if (fd >= 0) {
				write(fd, "x", 1);
				close(fd);
			}
			printf("grandchild tick: %d\n", i);
			fflush(stdout);
			usleep(200000);
		}
	}
	if (fork() == 0) {
		raise(SIGSTOP);
		_exit(0);
	}
	if (fork() == 0) {
		setpgid(0, 0);
		signal(SIGTERM, SIG_IGN);
		for (;;)
			pause();
	}
	return 0;
}
