/* K06: eBPF, perf events, userfaultfd.  Bad pointers: filtered calls
 * answer EPERM/ENOSYS, unfiltered ones would say EFAULT.  Prints
 * "CALL: ERRNO" or OK. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static void say(const char *what, long r)
{
	printf("%s: %s\n", what, r < 0 ? strerrorname_np(errno) : "OK");
}

int main(void)
{
	struct perf_event_attr pe;

	memset(&pe, 0, sizeof(pe));
	pe.type = PERF_TYPE_HARDWARE;
	pe.size = sizeof(pe);
	pe.config = PERF_COUNT_HW_CPU_CYCLES;
	say("bpf BPF_PROG_LOAD badptr", syscall(SYS_bpf, 5 /* BPF_PROG_LOAD */, (void *)1, 128));
	say("bpf BPF_MAP_CREATE badptr", syscall(SYS_bpf, 0, (void *)1, 64));
	say("perf_event_open cycles cpu0", syscall(SYS_perf_event_open, &pe, -1, 0, -1, 0));
	say("perf_event_open self", syscall(SYS_perf_event_open, &pe, 0, -1, -1, 0));
	say("perf_event_open badptr", syscall(SYS_perf_event_open, (void *)1, 0, -1, -1, 0));
	say("userfaultfd", syscall(SYS_userfaultfd, 0));
	say("userfaultfd O_CLOEXEC", syscall(SYS_userfaultfd, O_CLOEXEC));
	say("open /dev/userfaultfd", open("/dev/userfaultfd", O_RDWR));
	say("memfd_secret", syscall(447, 0));
	say("fanotify_init", syscall(SYS_fanotify_init, 0, 0));
	return 0;
}
