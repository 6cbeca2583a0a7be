/*
 * nsfloor.c - a launcher that only makes a job's namespaces.
 *
 * `make bench` runs it beside cylo, bare runs and bubblewrap as "the
 * namespace floor": for each run it clone3()s a child into fresh user,
 * mount, PID, network, IPC, UTS and cgroup namespaces (the set SPEC section
 * 6 gives every job), the child execs the program at once, and nsfloor
 * waits for it.  Nothing else: no id map (bash and Python behave the same
 * unmapped, as uid 65534), no root, Landlock, seccomp, limits or result.
 * So it is the cost of a standalone launcher that makes every namespace on
 * its critical path; a sandbox that makes some ahead of time (cylo's
 * daemon does, for the network namespace) or defers their teardown can go
 * below it, by the margins the README gives.
 *
 *   nsfloor PROG [ARG...]    runs PROG once
 *   nsfloor -e PROG          runs `PROG FILE` for each line FILE of stdin, in
 *                            turn, as one daemon worker would, each with
 *                            /dev/null as its stdin
 * Exit 0 when every run exited 0; 1 with the reason on stderr when one did
 * not (or could not start); 2 for a bad command line.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/limits.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compat.h"

#define NS_FLAGS (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | \
		  CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP)
#define EXEC_FAILED 127		/* as a shell reports a program it cannot run */

/* Writes @s to stderr; if stderr is gone there is no one to tell. */
static void say(const char *s)
{
	if (write(STDERR_FILENO, s, strlen(s)) < 0)
		return;
}

/* The child: exec, else say why (the process is a copy of a
 * single-threaded one, so stdio-free calls are all it needs). */
static __attribute__((noreturn)) void child(char *const argv[])
{
	const char *why;

	execv(argv[0], argv);
	why = strerror(errno);
	say("nsfloor: cannot run ");
	say(argv[0]);
	say(": ");
	say(why);
	say("\n");
	_exit(EXEC_FAILED);
}

/* Waits for @pid: 0 when it exited 0; else, said on stderr, waitpid's
 * -errno or -EPROTO for a non-zero exit or a signal. */
static int reap(pid_t pid, const char *prog)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			int e = errno;

			fprintf(stderr, "nsfloor: waitpid: %s\n", strerror(e));
			return -e;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		fprintf(stderr, "nsfloor: %s exited %d\n", prog, WEXITSTATUS(status));
	else
		fprintf(stderr, "nsfloor: %s killed by signal %d\n", prog, WTERMSIG(status));
	return -EPROTO;
}

/* Runs @argv in fresh namespaces and waits: 0 when it exited 0.  waitpid
 * and a pidfd wait cost the same here, so the plainer one is used. */
static int run_once(char *const argv[])
{
	struct clone_args args = { .flags = NS_FLAGS, .exit_signal = SIGCHLD };
	long pid = syscall(SYS_clone3, &args, sizeof(args));

	if (pid < 0) {
		int e = errno;

		fprintf(stderr, "nsfloor: clone3: %s\n", strerror(e));
		return -e;
	}
	if (pid == 0)
		child(argv);
	return reap((pid_t)pid, argv[0]);
}

/* The list of files, moved off fd 0, which becomes /dev/null: a job that
 * reads its stdin must not eat the names of the jobs after it. */
static FILE *take_stdin(void)
{
	int list = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3), null;
	FILE *f;

	if (list < 0 || (null = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	if (dup2(null, STDIN_FILENO) < 0 || close(null) < 0 || !(f = fdopen(list, "r")))
		return NULL;
	return f;
}

/* -e: one run per line of stdin, so that any number of files fits. */
static int run_each(char *prog)
{
	char line[PATH_MAX + 1];
	FILE *in = take_stdin();

	if (!in) {
		fprintf(stderr, "nsfloor: cannot take the list from stdin: %s\n", strerror(errno));
		return -EIO;
	}
	while (fgets(line, sizeof(line), in)) {
		size_t n = strcspn(line, "\n");
		char *argv[] = { prog, line, NULL };
		int r;

		if (line[n] != '\n' && !feof(in)) {
			fprintf(stderr, "nsfloor: a file name on stdin is too long\n");
			return -ENAMETOOLONG;
		}
		line[n] = '\0';
		if ((r = run_once(argv)) < 0)
			return r;
	}
	if (ferror(in)) {
		fprintf(stderr, "nsfloor: reading stdin failed\n");
		return -EIO;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "-e") == 0)
		return run_each(argv[2]) < 0 ? 1 : 0;
	if (argc < 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: nsfloor PROG [ARG...] | nsfloor -e PROG <FILES\n");
		return 2;
	}
	return run_once(argv + 1) < 0 ? 1 : 0;
}
