/*
 * test_seccomp.c - the job's syscall filter (seccomp_rules.c, embedded by
 * sandbox_seccomp.c), applied for real.
 *
 * Each row of the table is one syscall with arguments chosen so that a
 * call the filter lets through fails harmlessly in the kernel (EFAULT,
 * EBADF, EINVAL, ESRCH, ENOSYS for removed syscalls) or succeeds without
 * side effects, while a filtered call shows the filter's errno.  Every row
 * runs twice, each in its own helper process (see run_probe()): once under
 * the installed filter (the errno must be the filter's), and once without
 * it (the result must differ, so the row really tests the filter and not
 * the kernel's own refusal).  The tests run as root, as on our machines, so
 * the kernel's capability checks pass and the arguments decide.
 *
 * Rows marked KERNEL_MAY_AGREE name socket families this kernel may not
 * have at all; the kernel then answers EAFNOSUPPORT too, so only the
 * filtered run is asserted for them (other rows test the same rule).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "compat.h"
#include "sandbox_seccomp.h"
#include "seccomp_rules.h"

#define KERNEL_MAY_AGREE 1
#define OK 0		/* want: the call succeeds (returns >= 0) */
#define HI (1L << 32)	/* junk in the high half of an int argument */
#define BAD 1L		/* a pointer the kernel cannot read */

struct row {
	const char *name;	/* as in the filter's table and doc/seccomp.md */
	const char *what;
	long nr;
	long a[6];
	int want;		/* errno under the filter, or OK */
	int flags;
};

#define R(n, what, want, ...) { #n, what, SYS_##n, { __VA_ARGS__ }, want, 0 }
#define R_MAY(n, what, want, ...) \
	{ #n, what, SYS_##n, { __VA_ARGS__ }, want, KERNEL_MAY_AGREE }

static const struct row rows[] = {
	/* mounts and root changes (F03, P03, K04) */
	R(mount, "bad pointers", EPERM, BAD, BAD, BAD, 0, 0),
	R(umount2, "bad path", EPERM, BAD, 0),
	R(pivot_root, "bad paths", EPERM, BAD, BAD),
	R(chroot, "bad path", EPERM, BAD),
	R(fsopen, "bad name", EPERM, BAD, 0),
	R(fsconfig, "bad fd", EPERM, -1, 0, 0, 0, 0),
	R(fsmount, "bad fd", EPERM, -1, 0, 0),
	R(fspick, "bad path", EPERM, -1, BAD, 0),
	R(open_tree, "bad path", EPERM, -1, BAD, 0),
	R(move_mount, "bad paths", EPERM, -1, BAD, -1, BAD, 0),
	R(mount_setattr, "size 0", EPERM, -1, BAD, 0, 0, 0),
	R(open_tree_attr, "bad path", EPERM, -1, BAD, 0, 0, 0),
	R(open_by_handle_at, "bad fd", EPERM, -1, BAD, 0),
	R(name_to_handle_at, "bad fd", EPERM, -1, BAD, BAD, BAD, 0),
	/* namespaces (K03) */
	R(unshare, "CLONE_VFORK (invalid)", EPERM, CLONE_VFORK),
	R(setns, "bad fd", EPERM, -1, 0),
	R(clone, "NEWNS", EPERM, CLONE_NEWNS | CLONE_SIGHAND),
	R(clone, "NEWCGROUP", EPERM, CLONE_NEWCGROUP | CLONE_SIGHAND),
	R(clone, "NEWUTS", EPERM, CLONE_NEWUTS | CLONE_SIGHAND),
	R(clone, "NEWIPC", EPERM, CLONE_NEWIPC | CLONE_SIGHAND),
	R(clone, "NEWUSER", EPERM, CLONE_NEWUSER | CLONE_SIGHAND),
	R(clone, "NEWPID", EPERM, CLONE_NEWPID | CLONE_SIGHAND),
	R(clone, "NEWNET", EPERM, CLONE_NEWNET | CLONE_SIGHAND),
	R(clone, "NEWUSER + high bits", EPERM, HI | CLONE_NEWUSER | CLONE_SIGHAND),
	R(clone, "no namespace flag", EINVAL, CLONE_SIGHAND),
	R(clone3, "NULL args", ENOSYS, 0, 0),
	/* other processes (K01) */
	R(ptrace, "GETREGS pid -1", EPERM, 12, -1, 0, 0),
	R(process_vm_readv, "flags 1", EPERM, 0, 0, 0, 0, 0, 1),
	R(process_vm_writev, "flags 1", EPERM, 0, 0, 0, 0, 0, 1),
	R(process_madvise, "bad fd", EPERM, -1, 0, 0, 0, 0),
	R(kcmp, "no such pid", EPERM, 0x7ffffff0, 0x7ffffff0, 0, 0, 0),
	R(pidfd_getfd, "bad fd", EPERM, -1, 0, 0),
	/* kernel attack surface (N05, K05, K06) */
	R(bpf, "bad command", EPERM, -1, 0, 0),
	R(perf_event_open, "bad attr", EPERM, BAD, 0, -1, -1, 0),
	R(userfaultfd, "bad flags", EPERM, ~0L),
	R(io_uring_setup, "bad params", ENOSYS, 1, BAD),
	R(io_uring_enter, "bad fd", ENOSYS, -1, 0, 0, 0, 0, 0),
	R(io_uring_register, "bad fd", ENOSYS, -1, 0, 0, 0),
	R(add_key, "bad type", EPERM, BAD, BAD, 0, 0, -1),
	R(request_key, "bad type", EPERM, BAD, BAD, 0, 0),
	R(keyctl, "bad command", EPERM, -1, 0, 0, 0, 0),
	R(memfd_secret, "bad flags", EPERM, ~0L),
	R(fanotify_init, "bad flags", EPERM, ~0L, 0),
	/* the machine (K08) */
	R(kexec_load, "too many segments", EPERM, 0, 1000, 0, 0),
	R(kexec_file_load, "bad flags", EPERM, -1, -1, 0, 0, ~0L),
	R(init_module, "empty image", EPERM, 0, 0, 0),
	R(finit_module, "bad fd", EPERM, -1, 0, 0),
	R(delete_module, "bad name", EPERM, BAD, 0),
	R(create_module, "removed", EPERM, 0, 0),
	R(get_kernel_syms, "removed", EPERM, 0),
	R(query_module, "removed", EPERM, 0, 0, 0, 0, 0),
	R(reboot, "bad magic", EPERM, 0, 0, 0, 0),
	R(swapon, "bad path", EPERM, BAD, 0),
	R(swapoff, "bad path", EPERM, BAD),
	R(acct, "bad path", EPERM, BAD),
	R(settimeofday, "bad pointer", EPERM, BAD, 0),
	R(clock_settime, "bad pointer", EPERM, CLOCK_REALTIME, BAD),
	R(clock_adjtime, "bad pointer", EPERM, CLOCK_REALTIME, BAD),
	R(adjtimex, "bad pointer", EPERM, BAD),
	R(sethostname, "bad pointer", EPERM, BAD, 1),
	R(setdomainname, "bad pointer", EPERM, BAD, 1),
	R(syslog, "bad type", EPERM, 99, 0, 0),
	R(iopl, "level 4", EPERM, 4),
	R(ioperm, "out of range", EPERM, 0x7fffffff, 1, 1),
	R(lookup_dcookie, "bad pointer", EPERM, 0, BAD, 1),
	R(quotactl, "bad path", EPERM, 0, BAD, 0, 0),
	R(quotactl_fd, "bad fd", EPERM, -1, 0, 0, 0),
	R(vhangup, "no terminal", EPERM, 0),
	R(nfsservctl, "removed", EPERM, 0, 0, 0),
	/* obsolete (K07) */
	R(uselib, "bad path", EPERM, BAD),
	R(ustat, "no device 0", EPERM, 0, BAD),
	R(sysfs, "bad option", EPERM, 99, 0, 0),
	R(_sysctl, "removed", EPERM, 0),
	R(modify_ldt, "bad func", EPERM, 99, 0, 0),
	/* scheduling and NUMA (R09) */
	R(ioprio_set, "bad which", EPERM, 99, 0, 0),
	R(move_pages, "bad flags", EPERM, 0, 0, 0, 0, 0, ~0L),
	R(migrate_pages, "no such pid", EPERM, 0x7ffffff0, 0, 0, 0),
	R(mbind, "bad mode", EPERM, 0, 0, 99, 0, 0, 0),
	R(set_mempolicy, "bad mode", EPERM, 99, 0, 0),
	R(get_mempolicy, "bad flags", EPERM, 0, 0, 0, 0, ~0L),
	R(set_mempolicy_home_node, "bad flags", EPERM, 0, 0, 0, ~0L),
	/* the box's init, pid 1 (R04): arguments the kernel refuses anyway if
	 * the filter let them through, so the host's init is never touched */
	R(sched_setscheduler, "pid 1", EPERM, 1, -1, BAD),
	R(sched_setscheduler, "pid 1 + high bits", EPERM, HI | 1, -1, BAD),
	R(sched_setscheduler, "pid 0", EINVAL, 0, -1, BAD),
	R(sched_setparam, "pid 1", EPERM, 1, 0),
	R(sched_setattr, "pid 1", EPERM, 1, BAD, ~0L),
	R(sched_setaffinity, "pid 1", EPERM, 1, 0, BAD),
	R(prlimit64, "pid 1, a query", EPERM, 1, RLIMIT_CPU, 0, 0),
	R(prlimit64, "pid 0, a query", OK, 0, RLIMIT_CPU, 0, 0),
	R(setpriority, "who 1", EPERM, 99, 1, 0),
	R(setpriority, "PRIO_PGRP", EPERM, PRIO_PGRP, 0x7ffffff0, 0),
	R(setpriority, "PRIO_USER", EPERM, PRIO_USER, 0x7ffffff0, 0),
	R(setpriority, "PRIO_USER + high bits", EPERM, HI | PRIO_USER, 0x7ffffff0, 0),
	R(setpriority, "PRIO_PROCESS, no such pid", ESRCH, PRIO_PROCESS, 0x7ffffff0, 0),
	/* terminals (K09): the kernel reads the low 32 bits of the command */
	R(ioctl, "TIOCSTI", EPERM, -1, TIOCSTI, 0),
	R(ioctl, "TIOCSTI + high bits", EPERM, -1, (0x123L << 32) | TIOCSTI, 0),
	R(ioctl, "TIOCLINUX", EPERM, -1, TIOCLINUX, 0),
	R(ioctl, "TIOCLINUX + high bits", EPERM, -1, HI | TIOCLINUX, 0),
	R(ioctl, "TIOCSETD", EPERM, -1, TIOCSETD, BAD),
	R(ioctl, "TCGETS", EBADF, -1, TCGETS, BAD),
	R(ioctl, "TIOCSCTTY", EBADF, -1, TIOCSCTTY, 0),
	/* personality (K07): Docker's values only */
	R(personality, "READ_IMPLIES_EXEC", EPERM, 0x0400000),
	R(personality, "ADDR_NO_RANDOMIZE", EPERM, 0x0040000),
	R(personality, "MMAP_PAGE_ZERO", EPERM, 0x0100000),
	R(personality, "PER_BSD", EPERM, 0x6),
	R(personality, "0x80000000", EPERM, 0x80000000L),
	R(personality, "0xfffffffe", EPERM, 0xfffffffeL),
	R(personality, "0x7fffffff", EPERM, 0x7fffffffL),
	R(personality, "high bits + READ_IMPLIES_EXEC", EPERM, HI | 0x0400000),
	R(personality, "PER_LINUX", OK, 0),
	R(personality, "PER_LINUX32", OK, 0x8),
	R(personality, "UNAME26", OK, 0x20000),
	R(personality, "PER_LINUX32|UNAME26", OK, 0x20008),
	R(personality, "query", OK, 0xffffffffL),
	/* sockets (N04) */
	R(socket, "AF_PACKET", EAFNOSUPPORT, AF_PACKET, SOCK_RAW, 0),
	R(socket, "AF_PACKET + high bits", EAFNOSUPPORT, HI | AF_PACKET, SOCK_RAW, 0),
	R(socket, "AF_INET + high bits", EAFNOSUPPORT, HI | AF_INET, SOCK_STREAM, 0),
	R(socket, "AF_NETLINK AUDIT", EAFNOSUPPORT, AF_NETLINK, SOCK_RAW, NETLINK_AUDIT),
	R(socket, "AF_NETLINK KOBJECT_UEVENT", EAFNOSUPPORT, AF_NETLINK, SOCK_DGRAM,
	  NETLINK_KOBJECT_UEVENT),
	R(socket, "AF_NETLINK SOCK_DIAG", EAFNOSUPPORT, AF_NETLINK, SOCK_RAW,
	  NETLINK_SOCK_DIAG),
	R_MAY(socket, "AF_VSOCK", EAFNOSUPPORT, AF_VSOCK, SOCK_STREAM, 0),
	R_MAY(socket, "AF_ALG", EAFNOSUPPORT, AF_ALG, SOCK_SEQPACKET, 0),
	R_MAY(socket, "AF_TIPC", EAFNOSUPPORT, AF_TIPC, SOCK_RDM, 0),
	R_MAY(socket, "AF_RDS", EAFNOSUPPORT, AF_RDS, SOCK_SEQPACKET, 0),
	R_MAY(socket, "AF_CAN", EAFNOSUPPORT, AF_CAN, SOCK_RAW, 1),
	R_MAY(socket, "AF_KEY", EAFNOSUPPORT, AF_KEY, SOCK_RAW, 2),
	R_MAY(socket, "AF_BLUETOOTH", EAFNOSUPPORT, AF_BLUETOOTH, SOCK_RAW, 0),
	R_MAY(socket, "AF_UNSPEC", EAFNOSUPPORT, AF_UNSPEC, SOCK_STREAM, 0),
	R_MAY(socket, "AF_MAX", EAFNOSUPPORT, AF_MAX, SOCK_STREAM, 0),
	R(socket, "AF_INET SOCK_RAW ICMP", EPERM, AF_INET, SOCK_RAW, IPPROTO_ICMP),
	R(socket, "AF_INET6 SOCK_RAW", EPERM, AF_INET6, SOCK_RAW | SOCK_CLOEXEC,
	  IPPROTO_RAW),
	R(socket, "AF_INET SOCK_RAW + high bits", EPERM, AF_INET, HI | SOCK_RAW,
	  IPPROTO_ICMP),
	R(socket, "AF_INET SOCK_PACKET", EPERM, AF_INET, SOCK_PACKET, 0),
	R(socket, "AF_INET SOCK_SEQPACKET", EPERM, AF_INET, SOCK_SEQPACKET, 0),
	R(socket, "AF_INET SCTP", EPERM, AF_INET, SOCK_STREAM, IPPROTO_SCTP),
	R(socket, "AF_INET6 UDPLITE", EPERM, AF_INET6, SOCK_DGRAM, IPPROTO_UDPLITE),
	R(socket, "AF_INET MPTCP", EPERM, AF_INET, SOCK_STREAM, IPPROTO_MPTCP),
	R(socket, "AF_INET ICMP (ping)", EPERM, AF_INET, SOCK_DGRAM, IPPROTO_ICMP),
	R(socket, "AF_INET protocol + high bits", EPERM, AF_INET, SOCK_STREAM, HI),
	R(socket, "AF_UNIX stream", OK, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0),
	R(socket, "AF_UNIX dgram", OK, AF_UNIX, SOCK_DGRAM, 0),
	R(socket, "AF_INET stream", OK, AF_INET, SOCK_STREAM, 0),
	R(socket, "AF_INET stream TCP", OK, AF_INET,
	  SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP),
	R(socket, "AF_INET6 dgram UDP", OK, AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC,
	  IPPROTO_UDP),
	R(socket, "AF_NETLINK ROUTE", OK, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
	  NETLINK_ROUTE),
	R(socketpair, "AF_INET", EAFNOSUPPORT, AF_INET, SOCK_STREAM, 0, BAD),
	R(socketpair, "AF_UNIX + high bits", EAFNOSUPPORT, HI | AF_UNIX, SOCK_STREAM,
	  0, BAD),
	R_MAY(socketpair, "AF_TIPC", EAFNOSUPPORT, AF_TIPC, SOCK_STREAM, 0, BAD),
	R(socketpair, "AF_UNIX", EFAULT, AF_UNIX, SOCK_STREAM, 0, BAD),
	/* a few of the many syscalls the filter lets through */
	R(read, "bad fd", EBADF, -1, 0, 0),
	R(getpid, "", OK, 0),
	R(openat, "bad pointer", EFAULT, AT_FDCWD, BAD, O_RDONLY),
	R(kill, "no such pid", ESRCH, 0x7ffffff0, 0),
};

#define NROWS ((int)(sizeof(rows) / sizeof(rows[0])))

static long call(const struct row *r)
{
	long v = syscall(r->nr, r->a[0], r->a[1], r->a[2], r->a[3], r->a[4], r->a[5]);

	return v < 0 ? -errno : v;
}

/*
 * The probes run in a helper: this binary run again as "--probe MODE N".
 * A helper may install the filter and make odd syscalls without touching
 * the test process (also in CK_FORK=no mode), and it runs natively under
 * `make valgrind` (valgrind does not follow exec by default, and knows
 * neither seccomp() nor several of these syscalls; libseccomp's API probe fails
 * there, so even the fresh build of the filter runs in the helper).
 */
enum mode {
	M_FILTERED, M_UNFILTERED, M_X32, M_INT80, M_SPAWN, M_NNP, M_SHAPE, M_SAME,
	M_RLIMIT
};
static const char *const mode_name[] = {
	"filtered", "unfiltered", "x32", "int80", "spawn", "nnp", "shape", "same",
	"rlimit",
};
#define NMODES ((int)(sizeof(mode_name) / sizeof(mode_name[0])))

/* Runs the helper; its stdout (up to @size bytes) lands in @out.  Returns
 * the helper's wait status; *@got says how many bytes came. */
static int run_probe(enum mode m, int n, void *out, size_t size, size_t *got)
{
	char num[16], self[4096], flag[] = "--probe";
	int fds[2], status;
	ssize_t r = readlink("/proc/self/exe", self, sizeof(self) - 1);
	pid_t pid;

	/* The path, not /proc/self/exe: under valgrind that is valgrind. */
	ck_assert_int_gt(r, 0);
	self[r] = '\0';
	snprintf(num, sizeof(num), "%d", n);
	ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char *argv[] = { self, flag, (char *)mode_name[m], num, NULL };

		if (dup2(fds[1], 1) == 1)	/* dup2 clears close-on-exec */
			execv(self, argv);
		_exit(127);
	}
	close(fds[1]);
	*got = 0;
	while (*got < size && (r = read(fds[0], (char *)out + *got, size - *got)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		ck_assert_int_gt(r, 0);
		*got += (size_t)r;
	}
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return status;
}

/* A probe that sends @n longs and exits 0. */
static void run_probe_ok(enum mode m, int i, long *out, size_t n)
{
	size_t got;
	int status = run_probe(m, i, out, n * sizeof(*out), &got);

	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
		      got == n * sizeof(*out),
		      "%s probe %d: status 0x%x, %zu bytes", mode_name[m], i, status, got);
}

static const char *result(long v, char *buf, size_t len)
{
	const char *name = v < 0 ? strerrorname_np((int)-v) : NULL;

	if (v >= 0)
		snprintf(buf, len, "success (%ld)", v);
	else
		snprintf(buf, len, "%s", name ? name : "unknown errno");
	return buf;
}

START_TEST(test_filtered)
{
	const struct row *r = &rows[_i];
	char got[64];
	long v;

	run_probe_ok(M_FILTERED, _i, &v, 1);
	ck_assert_msg(r->want == OK ? v >= 0 : v == -r->want,
		      "%s(%s): %s, want %s", r->name, r->what, result(v, got, sizeof(got)),
		      r->want == OK ? "success" : strerrorname_np(r->want));
}
END_TEST

START_TEST(test_unfiltered)
{
	const struct row *r = &rows[_i];
	char got[64];
	long v;

	run_probe_ok(M_UNFILTERED, _i, &v, 1);
	if (r->want == OK || r->want == EBADF || r->want == EFAULT ||
	    r->want == EINVAL || r->want == ESRCH)	/* let through: same answer */
		ck_assert_msg(r->want == OK ? v >= 0 : v == -r->want,
			      "%s(%s) without the filter: %s", r->name, r->what,
			      result(v, got, sizeof(got)));
	else if (!(r->flags & KERNEL_MAY_AGREE))
		ck_assert_msg(v != -r->want,
			      "%s(%s): the kernel alone answers %s: the row tests nothing",
			      r->name, r->what, result(v, got, sizeof(got)));
}
END_TEST

/* Every rule of the filter's table is exercised by a row with its errno. */
START_TEST(test_table_covered)
{
	const char *name;
	int err;

	for (size_t i = 0; (name = seccomp_rule_at(i, &err)); i++) {
		int found = 0;

		for (int j = 0; j < NROWS; j++)
			found |= !strcmp(rows[j].name, name) && rows[j].want == err;
		ck_assert_msg(found, "filter rule %s (%s) has no test row", name,
			      strerrorname_np(err));
	}
}
END_TEST

/* doc/seccomp.md, found from this binary (build/tests/test_seccomp). */
static FILE *open_doc(void)
{
	char path[4096];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 32);
	FILE *f;

	ck_assert_msg(n > 0, "readlink /proc/self/exe: %s", strerror(errno));
	path[n] = '\0';
	for (int up = 0; up < 3; up++) {
		char *slash = strrchr(path, '/');

		ck_assert_ptr_nonnull(slash);
		*slash = '\0';
	}
	strncat(path, "/doc/seccomp.md", sizeof(path) - strlen(path) - 1);
	f = fopen(path, "re");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	return f;
}

/* The documented deny-list names every rule with its errno on one line. */
START_TEST(test_doc_agrees)
{
	static char doc[65536];
	static const char *const gen[] = { "socket", "socketpair", "personality" };
	FILE *f = open_doc();
	size_t n = fread(doc, 1, sizeof(doc) - 1, f);
	const char *name;
	char needle[96];
	int err;

	fclose(f);
	doc[n] = '\0';
	for (size_t i = 0; (name = seccomp_rule_at(i, &err)); i++) {
		snprintf(needle, sizeof(needle), "| `%s` | %s |", name,
			 strerrorname_np(err));
		ck_assert_msg(strstr(doc, needle), "doc/seccomp.md lacks \"%s\"", needle);
	}
	for (size_t i = 0; i < sizeof(gen) / sizeof(gen[0]); i++) {
		snprintf(needle, sizeof(needle), "| `%s` |", gen[i]);
		ck_assert_msg(strstr(doc, needle), "doc/seccomp.md lacks %s", needle);
	}
}
END_TEST

/* seccomp_build's result: an owned program of sane length; seccomp_free
 * clears it. */
START_TEST(test_program_shape)
{
	long v[3];

	run_probe_ok(M_SHAPE, 0, v, 3);
	ck_assert_int_eq(v[0], 0);
	ck_assert_int_gt(v[1], 100);
	ck_assert_int_le(v[1], BPF_MAXINSNS);
	ck_assert_int_eq(v[2], 1);	/* freed: NULL and 0 */
}
END_TEST

/* The program built into cylo is, instruction for instruction, what
 * libseccomp builds from the rules now: a rule changed without the program
 * being regenerated, or a new libseccomp, shows here. */
START_TEST(test_embedded_is_fresh_build)
{
	long v[3];

	run_probe_ok(M_SAME, 0, v, 3);
	ck_assert_msg(v[0] > 0, "embedded program: %ld instructions", v[0]);
	ck_assert_msg(v[0] == v[1], "embedded program has %ld instructions, a "
		      "fresh build %ld: the generated program is stale", v[0], v[1]);
	ck_assert_msg(v[2] < 0, "embedded program differs from a fresh build at "
		      "instruction %ld: the generated program is stale", v[2]);
}
END_TEST

/*
 * Instructions the program runs for syscall @nr with zero arguments, by a
 * classic BPF interpreter that knows the opcodes libseccomp emits; -1 on
 * any other opcode or a jump out of the program.  The architecture is the
 * one libseccomp compares first, right after loading it.
 */
static int steps_to_verdict(const struct sock_fprog *p, int nr)
{
	struct seccomp_data d = { .nr = nr, .arch = p->filter[1].k };
	uint32_t a = 0;
	int steps = 0;

	for (unsigned pc = 0; pc < p->len; pc++, steps++) {
		const struct sock_filter *f = &p->filter[pc];

		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (f->k > sizeof(d) - sizeof(a))
				return -1;
			memcpy(&a, (const char *)&d + f->k, sizeof(a));
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			a &= f->k;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			pc += a == f->k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JGT | BPF_K:
			pc += a > f->k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JGE | BPF_K:
			pc += a >= f->k ? f->jt : f->jf;
			break;
		case BPF_RET | BPF_K:
			return steps + 1;
		default:
			return -1;
		}
	}
	return -1;
}

/* The syscall checks form a binary tree (SCMP_FLTATR_CTL_OPTIMIZE 2): a
 * syscall no rule names returns after a few compares, not after one
 * compare per filtered syscall (82 instructions in the linear layout). */
START_TEST(test_tree_layout)
{
	static const long nrs[] = {
		SYS_read, SYS_write, SYS_openat, SYS_mmap, SYS_futex, SYS_getppid,
	};
	struct sock_fprog prog;
	char err[256];

	ck_assert_msg(seccomp_build(&prog, err, sizeof(err)) == 0, "%s", err);
	for (size_t i = 0; i < sizeof(nrs) / sizeof(nrs[0]); i++) {
		int n = steps_to_verdict(&prog, (int)nrs[i]);

		ck_assert_msg(n > 0 && n <= 24, "syscall %ld: %d instructions to a "
			      "verdict", nrs[i], n);
	}
	seccomp_free(&prog);
}
END_TEST

/* Without no_new_privs nor CAP_SYS_ADMIN the kernel refuses a filter and
 * seccomp_install() passes the errno on; with no_new_privs it works. */
START_TEST(test_install_needs_nnp_or_admin)
{
	long v[3];

	run_probe_ok(M_NNP, 0, v, 3);
	ck_assert_int_eq(v[0], -EACCES);
	ck_assert_int_eq(v[1], 0);
	ck_assert_int_eq(v[2], -EPERM);	/* unshare(), now filtered */
}
END_TEST

/* glibc's pthread_create and posix_spawn try clone3 first: ENOSYS must
 * make them fall back to clone, and fork() must work. */
START_TEST(test_processes_and_threads_work)
{
	static const char *const step[] = {
		"all worked", "pthread_create", "pthread_join", "fork", "fork's child",
		"posix_spawnp", "the spawned true",
	};
	long v;

	run_probe_ok(M_SPAWN, 0, &v, 1);
	ck_assert_msg(v == 0, "under the filter, %s failed",
		      v > 0 && v < 7 ? step[v] : "an unknown step");
}
END_TEST

/* Without cgroups the second filter refuses what RLIMIT_AS cannot count;
 * the main filter alone lets the same calls through. */
START_TEST(test_rlimit_filter)
{
	static const char *const call_name[] = {
		"memfd_create", "shmget", "msgget", "semget", "getpid",
	};
	long v[5];

	for (int stacked = 0; stacked < 2; stacked++) {
		run_probe_ok(M_RLIMIT, stacked, v, 5);
		for (int i = 0; i < 5; i++) {
			bool refused = stacked && i < 4;

			ck_assert_msg(refused ? v[i] == -EPERM : v[i] >= 0,
				      "%s under the %s: %ld, want %s", call_name[i],
				      stacked ? "two filters" : "main filter", v[i],
				      refused ? "EPERM" : "success");
		}
	}
}
END_TEST

#if defined(__x86_64__)
static const char *const bad_arch_name[] = { "x32 getpid", "int $0x80 getpid" };

START_TEST(test_bad_arch_killed)
{
	enum mode m = _i ? M_INT80 : M_X32;
	size_t got;
	int status = run_probe(m, 1, NULL, 0, &got);

	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS,
		      "%s: status 0x%x, want death by SIGSYS", bad_arch_name[_i], status);
	/* Without the filter the same call returns: the filter killed it. */
	status = run_probe(m, 0, NULL, 0, &got);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "%s unfiltered: status 0x%x", bad_arch_name[_i], status);
}
END_TEST
#endif

/* ---- the helper's side: plain C, no Check ---- */

static int install(void)
{
	struct sock_fprog prog;
	char err[256];
	int e;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	if ((e = seccomp_build(&prog, err, sizeof(err))) < 0) {
		fprintf(stderr, "seccomp_build: %s\n", err);
		return e;
	}
	e = seccomp_install(&prog);
	seccomp_free(&prog);
	return e;
}

static void *thread_main(void *arg)
{
	return arg;
}

/* 0, or the number of the step that failed (see the test). */
static long spawn_steps(void)
{
	static int token;
	char *argv[] = { (char *)"true", NULL };
	void *ret = NULL;
	pthread_t t;
	int status;
	pid_t pid;

	if (pthread_create(&t, NULL, thread_main, &token) != 0)
		return 1;
	if (pthread_join(t, &ret) != 0 || ret != &token)
		return 2;
	if ((pid = fork()) < 0)
		return 3;
	if (pid == 0)
		_exit(7);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 7)
		return 4;
	if (posix_spawnp(&pid, "true", NULL, NULL, argv, NULL) != 0)
		return 5;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return 6;
	return 0;
}

/* Drops every effective capability (CAP_SYS_ADMIN with them), then tries
 * to install without and with no_new_privs. */
static int nnp_steps(long *v)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	struct sock_fprog prog;
	char err[256];

	memset(d, 0, sizeof(d));
	if (seccomp_build(&prog, err, sizeof(err)) < 0 ||
	    prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 0 ||
	    syscall(SYS_capset, &h, d) < 0)
		return -1;
	v[0] = seccomp_install(&prog);
	v[1] = prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ? -errno : seccomp_install(&prog);
	v[2] = syscall(SYS_unshare, CLONE_VFORK) < 0 ? -errno : 0;
	seccomp_free(&prog);
	return 0;
}

static int shape_steps(long *v)
{
	struct sock_fprog prog;
	char err[256];

	v[0] = seccomp_build(&prog, err, sizeof(err));
	v[1] = v[0] == 0 && prog.filter ? prog.len : -1;
	seccomp_free(&prog);
	v[2] = prog.filter == NULL && prog.len == 0;
	return 3;
}

/* v: the embedded program's length, a fresh build's, and the first
 * instruction where they differ or -1. */
static int same_steps(long *v)
{
	struct sock_fprog built, fresh;
	char err[256];
	long i = 0;

	if (seccomp_build(&built, err, sizeof(err)) < 0 ||
	    seccomp_rules_build(&fresh, err, sizeof(err)) < 0) {
		fprintf(stderr, "building the filter: %s\n", err);
		return -1;
	}
	v[0] = built.len;
	v[1] = fresh.len;
	while (i < built.len && i < fresh.len &&
	       !memcmp(&built.filter[i], &fresh.filter[i], sizeof(built.filter[i])))
		i++;
	v[2] = i == built.len && i == fresh.len ? -1 : i;
	seccomp_free(&built);
	free(fresh.filter);
	return 3;
}

/* v: memfd_create, shmget, msgget, semget and getpid, each its result
 * or -errno; the objects made are removed. */
static int unmapped_steps(long *v)
{
	long r[5];

	r[0] = memfd_create("probe", MFD_CLOEXEC);
	v[0] = r[0] < 0 ? -errno : 0;
	r[1] = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	v[1] = r[1] < 0 ? -errno : 0;
	r[2] = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	v[2] = r[2] < 0 ? -errno : 0;
	r[3] = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
	v[3] = r[3] < 0 ? -errno : 0;
	v[4] = getpid();
	if (r[1] >= 0)
		shmctl((int)r[1], IPC_RMID, NULL);
	if (r[2] >= 0)
		msgctl((int)r[2], IPC_RMID, NULL);
	if (r[3] >= 0)
		semctl((int)r[3], 0, IPC_RMID);
	return 5;
}

#if defined(__x86_64__)
static void x32_getpid(void)
{
	syscall(SYS_getpid | 0x40000000);	/* __X32_SYSCALL_BIT */
}

static void i386_getpid(void)
{
	long ret = 20;	/* __NR_getpid in the i386 table */

	__asm__ volatile("int $0x80" : "+a"(ret) : : "memory", "r8", "r9", "r10", "r11");
}
#endif

static int probe_main(const char *mode, const char *arg)
{
	struct rlimit no_core = { 0, 0 };
	long v[5] = { 0 }, n = strtol(arg, NULL, 10);
	int m = 0, nv = 1, filtered;

	while (m < NMODES && strcmp(mode_name[m], mode))
		m++;
	if (m == NMODES || n < 0 || (m <= M_UNFILTERED && n >= NROWS))
		return 2;
	setrlimit(RLIMIT_CORE, &no_core);	/* SIGSYS would dump core */
	setsid();	/* vhangup(): no controlling terminal to hang up */
	/* x32 and int80 take N = 1 for filtered, 0 for not. */
	filtered = m == M_FILTERED || m == M_SPAWN || m == M_RLIMIT ||
		   ((m == M_X32 || m == M_INT80) && n == 1);
	if (filtered && install() < 0)
		return 3;
	if (m == M_RLIMIT && n == 1 && seccomp_install_rlimit() < 0)
		return 3;
	switch (m) {
	case M_FILTERED:
	case M_UNFILTERED:
		v[0] = call(&rows[n]);
		break;
#if defined(__x86_64__)
	case M_X32:
		x32_getpid();
		return 0;
	case M_INT80:
		i386_getpid();
		return 0;
#endif
	case M_SPAWN:
		v[0] = spawn_steps();
		break;
	case M_NNP:
		if (nnp_steps(v) < 0)
			return 4;
		nv = 3;
		break;
	case M_SHAPE:
		nv = shape_steps(v);
		break;
	case M_SAME:
		if ((nv = same_steps(v)) < 0)
			return 4;
		break;
	case M_RLIMIT:
		nv = unmapped_steps(v);
		break;
	default:
		return 2;
	}
	return write(1, v, (size_t)nv * sizeof(v[0])) == (ssize_t)(nv * sizeof(v[0])) ? 0 : 5;
}

static Suite *seccomp_suite(void)
{
	Suite *s = suite_create("seccomp");
	TCase *tc = tcase_create("filter");

	tcase_add_loop_test(tc, test_filtered, 0, NROWS);
	tcase_add_loop_test(tc, test_unfiltered, 0, NROWS);
	tcase_add_test(tc, test_table_covered);
	tcase_add_test(tc, test_doc_agrees);
	tcase_add_test(tc, test_program_shape);
	tcase_add_test(tc, test_embedded_is_fresh_build);
	tcase_add_test(tc, test_tree_layout);
	tcase_add_test(tc, test_install_needs_nnp_or_admin);
	tcase_add_test(tc, test_processes_and_threads_work);
	tcase_add_test(tc, test_rlimit_filter);
#if defined(__x86_64__)
	tcase_add_loop_test(tc, test_bad_arch_killed, 0, 2);
#endif
	suite_add_tcase(s, tc);
	return s;
}

int main(int argc, char **argv)
{
	SRunner *sr;
	int failed;

	/* _exit: a helper runs no exit handlers (LeakSanitizer's would need
	 * ptrace, which the filter refuses). */
	if (argc == 4 && !strcmp(argv[1], "--probe"))
		_exit(probe_main(argv[2], argv[3]));
	sr = srunner_create(seccomp_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
