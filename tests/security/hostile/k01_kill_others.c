/* K01: find and attack other processes: scan every pid, ptrace, peek at
 * memory, steal fds, signal the box's init and whatever else is visible,
 * kill(-1).  stdin: host pids to try by number (the daemon, a concurrent
 * job's host pid).  Prints "WHAT: ERRNO" or OK, and "alive: yes" at the
 * end (the box's init still answered for us if the result exists). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static void say(const char *what, long r)
{
	printf("%s: %s\n", what, r < 0 ? strerrorname_np(errno) : "OK");
	fflush(stdout);
}

int main(void)
{
	char what[96], buf[16];
	struct iovec local = { buf, sizeof(buf) }, remote = { (void *)0x400000, sizeof(buf) };
	int status = 0, pidfd;
	long hostpid;
	pid_t child;

	usleep(300000);	/* let a concurrent job get going */
	printf("visible pids:");
	for (pid_t p = 1; p < 65536; p++)
		if (kill(p, 0) == 0 || errno == EPERM)
			printf(" %d", (int)p);
	printf("\n");
	printf("self: %d\n", (int)getpid());
	say("ptrace attach 1", ptrace(PTRACE_ATTACH, 1, 0, 0));
	say("ptrace attach badpid", ptrace(PTRACE_ATTACH, -5, 0, 0));
	say("ptrace traceme", ptrace(PTRACE_TRACEME, 0, 0, 0));
	say("process_vm_readv 1", process_vm_readv(1, &local, 1, &remote, 1, 0));
	say("process_vm_writev 1", process_vm_writev(1, &local, 1, &remote, 1, 0));
	say("kcmp", syscall(SYS_kcmp, 1, getpid(), 0, 0, 0));
	pidfd = (int)syscall(SYS_pidfd_open, 1, 0);
	say("pidfd_open 1", pidfd);
	say("pidfd_getfd", syscall(SYS_pidfd_getfd, pidfd >= 0 ? pidfd : 0, 0, 0));
	if (pidfd >= 0)
		say("pidfd_send_signal 1 SIGKILL",
		    syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0));
	while (scanf("%ld", &hostpid) == 1) {
		snprintf(what, sizeof(what), "kill host pid %ld", hostpid);
		say(what, kill((pid_t)hostpid, SIGKILL));
		snprintf(what, sizeof(what), "pidfd_open host pid %ld", hostpid);
		say(what, syscall(SYS_pidfd_open, hostpid, 0));
	}
	child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	say("kill(-1, SIGKILL)", kill(-1, SIGKILL));
	waitpid(child, &status, 0);
	printf("own child: %s\n", WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "survived");
	say("kill(getppid(), SIGKILL)", kill(getppid(), SIGKILL));
	say("kill(1, SIGTERM)", kill(1, SIGTERM));
	say("kill(1, SIGSTOP)", kill(1, SIGSTOP));
	/* The init's one handled signal ends the running stage (this one)
	 * when it carries the run's number: a plain kill() and a forged
	 * sigqueue with this run's likely numbers. */
	say("kill(1, stop signal)", kill(1, SIGRTMIN));
	for (int seq = 1; seq <= 3; seq++) {
		union sigval v = { .sival_int = seq };
		char what[48];

		snprintf(what, sizeof(what), "sigqueue(1, stop signal, %d)", seq);
		say(what, sigqueue(1, SIGRTMIN, v));
	}
	/* rt_sigqueueinfo() lets the sender write its siginfo: si_pid 0, as
	 * if from outside the box.  Signal 34, glibc's SIGRTMIN and cylo's,
	 * whatever this libc calls it; the key it must carry is a guess. */
	for (int seq = 1; seq <= 3; seq++) {
		siginfo_t si;
		char what[48];

		memset(&si, 0, sizeof(si));
		si.si_signo = 34;
		si.si_code = SI_QUEUE;
		si.si_value.sival_ptr = (void *)(long)seq;
		snprintf(what, sizeof(what), "forged siginfo(1, 34, %d)", seq);
		say(what, syscall(SYS_rt_sigqueueinfo, 1, 34, &si));
	}
	usleep(100000);
	printf("ppid: %d\n", (int)getppid());
	printf("alive: yes\n");
	return 0;
}
