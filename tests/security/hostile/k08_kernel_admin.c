/* K08: kernel administration: kexec, modules, reboot, swap, accounting,
 * the clock, the hostname, the kernel log, I/O ports.  Bad pointers where
 * the call takes one.  Prints "CALL: ERRNO" or OK. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define BAD ((void *)1)

static void say(const char *what, long r)
{
	printf("%s: %s\n", what, r < 0 ? strerrorname_np(errno) : "OK");
}

int main(void)
{
	char host[64] = "";

	say("kexec_load", syscall(SYS_kexec_load, 0, 1, BAD, 0));
	say("kexec_file_load", syscall(SYS_kexec_file_load, -1, -1, 0, BAD, 0));
	say("init_module", syscall(SYS_init_module, BAD, 16, ""));
	say("finit_module", syscall(SYS_finit_module, -1, "", 0));
	say("delete_module", syscall(SYS_delete_module, BAD, 0));
	say("reboot", syscall(SYS_reboot, 0xfee1dead, 672274793, 0x4321fedc, NULL));
	say("swapon", syscall(SYS_swapon, BAD, 0));
	say("swapoff", syscall(SYS_swapoff, BAD));
	say("acct", syscall(SYS_acct, BAD));
	say("settimeofday", syscall(SYS_settimeofday, BAD, NULL));
	say("clock_settime", syscall(SYS_clock_settime, CLOCK_REALTIME, BAD));
	say("clock_adjtime", syscall(SYS_clock_adjtime, CLOCK_REALTIME, BAD));
	say("adjtimex", syscall(SYS_adjtimex, BAD));
	say("sethostname", syscall(SYS_sethostname, BAD, 4));
	say("setdomainname", syscall(SYS_setdomainname, BAD, 4));
	say("syslog READ_ALL", syscall(SYS_syslog, 3, BAD, 16));
	say("iopl 3", syscall(SYS_iopl, 3));
	say("ioperm", syscall(SYS_ioperm, 0x80, 1, 1));
	say("quotactl", syscall(SYS_quotactl, 0, BAD, 0, BAD));
	gethostname(host, sizeof(host) - 1);
	printf("hostname: %s\n", host);
	return 0;
}
