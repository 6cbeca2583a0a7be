/*
 * nsfloor.c - the least any sandbox with cylo's namespaces must spend.
 *
 * `make bench` measures cylo against this floor as well as against bare
 * runs and bubblewrap.  For each run nsfloor clone3()s a child into fresh
 * user, mount, PID, network, IPC, UTS and cgroup namespaces (the set SPEC
 * section 6 requires per job), the child execs the program at once, and
 * nsfloor waits for it.  Nothing else: no root, no id map, no Landlock,
 * seccomp, limits or result file.  What this costs over a bare run is what
 * the kernel charges for the namespaces alone; a target below it cannot be
 * met on that machine by any sandbox that keeps every namespace.
 *
 *   nsfloor PROG [ARG...]       runs PROG once
 *   nsfloor -e PROG FILE...     runs `PROG FILE` for each FILE in turn, as
 *                               one daemon worker would
 * Exit 0 when every run exited 0, else 1 with the reason on stderr.
 */
#include <errno.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define NS_FLAGS (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | \
		  CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP)

/* Runs @argv in fresh namespaces and waits: 0 when it exited 0. */
static int run_once(char *const argv[])
{
	struct clone_args args = { .flags = NS_FLAGS, .exit_signal = SIGCHLD };
	int status;
	long pid = syscall(SYS_clone3, &args, sizeof(args));

	if (pid < 0) {
		fprintf(stderr, "nsfloor: clone3: %s\n", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	while (waitpid((pid_t)pid, &status, 0) < 0)
		if (errno != EINTR) {
			fprintf(stderr, "nsfloor: waitpid: %s\n", strerror(errno));
			return -1;
		}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "nsfloor: %s ended with status %#x\n", argv[0], status);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "-e") == 0) {
		for (int i = 3; i < argc; i++) {
			char *run[] = { argv[2], argv[i], NULL };

			if (run_once(run) < 0)
				return 1;
		}
		return 0;
	}
	if (argc < 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: nsfloor PROG [ARG...] | nsfloor -e PROG FILE...\n");
		return 2;
	}
	return run_once(argv + 1) < 0 ? 1 : 0;
}
