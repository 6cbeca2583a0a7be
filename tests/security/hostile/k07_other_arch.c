/* K07 (x86_64): other syscall tables: i386 through int $0x80 (socketcall's
 * SYS_SOCKET for AF_VSOCK, where socket rules would not apply), x32
 * numbers (bit 30), personality(READ_IMPLIES_EXEC), modify_ldt.  Each
 * foreign-ABI call runs in a child ("CHILD: killed by SIGNAL" or "exit N");
 * last, the main process makes an i386 call itself: the job must end by
 * SIGSYS. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void say(const char *what, long r)
{
	printf("%s: %s\n", what, r < 0 ? strerrorname_np(errno) : "OK");
	fflush(stdout);
}

static long int80(long nr, long a, long b)
{
	long r;

	__asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a), "c"(b) : "memory");
	return r;
}

static void i386_socket(void)
{
	static unsigned int args[3] = { 40 /* AF_VSOCK */, 1, 0 };

	/* i386 socketcall(SYS_SOCKET=1, args).  The pointer may not fit in
	 * 32 bits: no matter, the filter must kill before the call runs. */
	long r = int80(102, 1, (long)(unsigned long)args);
	printf("i386 socketcall returned %ld\n", r);
}

static void x32_getpid(void)
{
	long r = syscall(39 | 0x40000000);	/* x32 getpid */
	printf("x32 getpid returned %ld\n", r);
}

static void child(const char *what, void (*fn)(void))
{
	int status = 0;
	pid_t pid = fork();

	if (pid == 0) {
		fn();
		fflush(stdout);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	if (WIFSIGNALED(status))
		printf("%s: killed by %s\n", what, sigabbrev_np(WTERMSIG(status)));
	else
		printf("%s: exit %d\n", what, WEXITSTATUS(status));
	fflush(stdout);
}

int main(void)
{
	child("i386 socketcall", i386_socket);
	child("x32 getpid", x32_getpid);
	say("personality READ_IMPLIES_EXEC", personality(READ_IMPLIES_EXEC));
	say("personality ADDR_NO_RANDOMIZE", personality(ADDR_NO_RANDOMIZE));
	say("personality query", personality(0xffffffff));
	say("modify_ldt badptr", syscall(SYS_modify_ldt, 1, (void *)1, 16));
	printf("last: int 0x80 getpid\n");
	fflush(stdout);
	int80(20, 0, 0);	/* i386 getpid: SIGSYS kills us here */
	printf("survived: yes\n");
	return 0;
}
