/*
 * seccomp_rules.c - the job's syscall filter as rules, built with
 * libseccomp 2.5 and exported as classic BPF.
 *
 * Runs at build time only: tools/seccomp_gen.c writes the program it
 * exports into the cylo binary (sandbox_seccomp.c hands that copy out),
 * and the unit tests compare the two.  The filter takes no configuration,
 * so for one architecture and one libseccomp it is a constant.
 *
 * A deny-list with a default of ALLOW: every syscall that Docker's default
 * profile refuses to a container without extra capabilities, plus what
 * SECURITY.md principle 6 adds (no io_uring, no ptrace family, no nested
 * namespaces, restricted socket families, TIOCSTI/TIOCLINUX/TIOCSETD).  The
 * rules are data (deny_table below, and the allow-sets of the generated
 * socket and personality rules); doc/seccomp.md lists the same rows with
 * the reason for each, and test_seccomp.c checks that the two agree.
 *
 * Every comparison is made on the bits the kernel reads: int and unsigned
 * int arguments are compared on their low 32 bits (the kernel ignores the
 * high half, so an exact 64-bit match could be dodged with junk above bit
 * 31: CVE-2019-10063), and where a set of allowed values is exact, any
 * value with high bits set is refused (fail closed).
 *
 * Syscalls of other ABIs (i386 `int $0x80`, x32 numbers with bit 30 set)
 * kill the process: the filter holds the native architecture only.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <sched.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compat.h"
#include "seccomp_rules.h"

/* COMPAT(s390): clone() takes the stack first and the flags second. */
#if defined(__s390__) || defined(__s390x__)
#define CLONE_FLAGS_ARG 1
#else
#define CLONE_FLAGS_ARG 0
#endif

#define LOW32 0xffffffffULL

/*
 * One refused syscall: unconditionally when arg < 0, else when
 * (argument & mask) == datum.  nr is used only when libseccomp 2.5.4 does
 * not know the name; syscalls numbered from 424 on share their number on
 * every architecture but alpha, so a fallback number is portable.
 */
struct deny_rule {
	const char *name;
	int nr;
	int err;
	int arg;
	uint64_t mask;
	uint64_t datum;
};

#define DENY(n, e)		{ #n, -1, e, -1, 0, 0 }
#define DENY_NR(n, nr, e)	{ #n, nr, e, -1, 0, 0 }
#define DENY_CLONE(flag)	{ "clone", -1, EPERM, CLONE_FLAGS_ARG, flag, flag }
#define DENY_IOCTL(cmd)		{ "ioctl", -1, EPERM, 1, LOW32, cmd }
#define DENY_ARG(n, arg, v)	{ #n, -1, EPERM, arg, LOW32, v }

/* Keep in step with doc/seccomp.md (test_seccomp.c compares them). */
static const struct deny_rule deny_table[] = {
	/* mounts, old and new API, and root changes */
	DENY(mount, EPERM), DENY(umount2, EPERM), DENY(pivot_root, EPERM),
	DENY(chroot, EPERM), DENY(fsopen, EPERM), DENY(fsconfig, EPERM),
	DENY(fsmount, EPERM), DENY(fspick, EPERM), DENY(open_tree, EPERM),
	DENY(move_mount, EPERM), DENY(mount_setattr, EPERM),
	DENY_NR(open_tree_attr, SYS_open_tree_attr, EPERM),
	/* file handles ("shocker") */
	DENY(open_by_handle_at, EPERM), DENY(name_to_handle_at, EPERM),
	/* namespaces: unshare/setns always, clone with any namespace flag */
	DENY(unshare, EPERM), DENY(setns, EPERM),
	DENY_CLONE(CLONE_NEWNS), DENY_CLONE(CLONE_NEWCGROUP),
	DENY_CLONE(CLONE_NEWUTS), DENY_CLONE(CLONE_NEWIPC),
	DENY_CLONE(CLONE_NEWUSER), DENY_CLONE(CLONE_NEWPID),
	DENY_CLONE(CLONE_NEWNET),
	/* ENOSYS, not EPERM: libc then falls back to clone(), whose flags a
	 * classic BPF filter can read (clone3's live behind a pointer). */
	DENY(clone3, ENOSYS),
	/* other processes' memory and fds */
	DENY(ptrace, EPERM), DENY(process_vm_readv, EPERM),
	DENY(process_vm_writev, EPERM), DENY(process_madvise, EPERM),
	DENY(kcmp, EPERM), DENY(pidfd_getfd, EPERM),
	/* kernel attack surface reached without a capability */
	DENY(bpf, EPERM), DENY(perf_event_open, EPERM), DENY(userfaultfd, EPERM),
	DENY(io_uring_setup, ENOSYS), DENY(io_uring_enter, ENOSYS),
	DENY(io_uring_register, ENOSYS),
	DENY(add_key, EPERM), DENY(request_key, EPERM), DENY(keyctl, EPERM),
	DENY(memfd_secret, EPERM), DENY(fanotify_init, EPERM),
	/* the machine: kernels, modules, power, swap, accounting, clocks */
	DENY(kexec_load, EPERM), DENY(kexec_file_load, EPERM),
	DENY(init_module, EPERM), DENY(finit_module, EPERM),
	DENY(delete_module, EPERM), DENY(create_module, EPERM),
	DENY(get_kernel_syms, EPERM), DENY(query_module, EPERM),
	DENY(reboot, EPERM), DENY(swapon, EPERM), DENY(swapoff, EPERM),
	DENY(acct, EPERM), DENY(settimeofday, EPERM), DENY(clock_settime, EPERM),
	DENY(clock_adjtime, EPERM), DENY(adjtimex, EPERM),
	DENY(sethostname, EPERM), DENY(setdomainname, EPERM),
	DENY(syslog, EPERM), DENY(iopl, EPERM), DENY(ioperm, EPERM),
	DENY(lookup_dcookie, EPERM), DENY(quotactl, EPERM),
	DENY(quotactl_fd, EPERM), DENY(vhangup, EPERM), DENY(nfsservctl, EPERM),
	/* obsolete interfaces */
	DENY(uselib, EPERM), DENY(ustat, EPERM), DENY(sysfs, EPERM),
	DENY(_sysctl, EPERM), DENY(modify_ldt, EPERM),
	/* scheduling and NUMA placement (Docker: CAP_SYS_NICE only) */
	DENY(ioprio_set, EPERM), DENY(move_pages, EPERM),
	DENY(migrate_pages, EPERM), DENY(mbind, EPERM),
	DENY(set_mempolicy, EPERM), DENY(get_mempolicy, EPERM),
	DENY(set_mempolicy_home_node, EPERM),
	/* the box's init (pid 1), which runs as the job's uid: made SCHED_IDLE
	 * or niced under busy children it never ran, so the kill it carries
	 * out took minutes; its limits could break it.  setpriority() by
	 * process group or user reaches it too. */
	DENY_ARG(sched_setscheduler, 0, 1), DENY_ARG(sched_setparam, 0, 1),
	DENY_ARG(sched_setattr, 0, 1), DENY_ARG(sched_setaffinity, 0, 1),
	DENY_ARG(prlimit64, 0, 1), DENY_ARG(setpriority, 1, 1),
	DENY_ARG(setpriority, 0, PRIO_PGRP), DENY_ARG(setpriority, 0, PRIO_USER),
	/* terminal injection and line disciplines */
	DENY_IOCTL(TIOCSTI), DENY_IOCTL(TIOCLINUX), DENY_IOCTL(TIOCSETD),
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* "@what @name: reason" into @err; strerror_r, as threads may build. */
static void say(char *err, size_t errlen, const char *what, const char *name,
		int e)
{
	char buf[128];

	snprintf(err, errlen, "%s%s%s: %s", what, name ? " " : "", name ? name : "",
		 strerror_r(-e, buf, sizeof(buf)));
}

const char *seccomp_rule_at(size_t i, int *err)
{
	if (i >= NELEM(deny_table))
		return NULL;
	*err = deny_table[i].err;
	return deny_table[i].name;
}

/* The native number of @name, or < 0 when this architecture lacks it. */
static int syscall_nr(const char *name, int fallback)
{
	int nr = seccomp_syscall_resolve_name(name);

	return nr == __NR_SCMP_ERROR ? fallback : nr;
}

static int add_deny(scmp_filter_ctx ctx, const struct deny_rule *r,
		    char *err, size_t errlen)
{
	int nr = syscall_nr(r->name, r->nr), e;

	if (nr < 0)	/* e.g. _sysctl, iopl on arm64: nothing to refuse */
		return 0;
	if (r->arg < 0)
		e = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(r->err), nr, 0);
	else
		e = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(r->err), nr, 1,
				     SCMP_CMP(r->arg, SCMP_CMP_MASKED_EQ,
					      r->mask, r->datum));
	if (e < 0)
		say(err, errlen, "rule for", r->name, e);
	return e;
}

/*
 * Refuses every value of argument @arg except those in @allow (all below
 * @ceil) with @errnum, when the optional @pre comparison also holds.
 * Values are compared on all 64 bits, so anything with high bits set
 * falls into the ">= ceil" rule: exact allow-sets fail closed.
 */
static int deny_except(scmp_filter_ctx ctx, int nr, const struct scmp_arg_cmp *pre,
		       unsigned arg, const uint64_t *allow, size_t nallow,
		       uint64_t ceil, int errnum)
{
	struct scmp_arg_cmp c[2];
	unsigned n = 0;
	int e;

	if (pre)
		c[n++] = *pre;
	for (uint64_t v = 0; v <= ceil; v++) {
		bool allowed = false;

		for (size_t i = 0; i < nallow; i++)
			allowed |= allow[i] == v;
		if (allowed)
			continue;
		c[n] = v < ceil ? SCMP_CMP(arg, SCMP_CMP_EQ, v)
				: SCMP_CMP(arg, SCMP_CMP_GE, ceil);
		e = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(errnum), nr, n + 1, c);
		if (e < 0)
			return e;
	}
	return 0;
}

/*
 * AF_INET/AF_INET6: only stream and datagram sockets (no SOCK_RAW: no
 * crafted packets; no SEQPACKET/RDM/DCCP/PACKET types), and only the
 * protocols TCP and UDP (no SCTP, UDP-Lite, MPTCP, ICMP: less kernel code
 * reachable, no module autoload).  The type is compared on its low four
 * bits, so SOCK_NONBLOCK and SOCK_CLOEXEC do not matter.
 */
static int deny_inet(scmp_filter_ctx ctx, int nr, uint64_t family)
{
	static const uint64_t types[] = { SOCK_STREAM, SOCK_DGRAM };
	static const uint64_t protos[] = { 0, IPPROTO_TCP, IPPROTO_UDP };
	struct scmp_arg_cmp fam = SCMP_A0(SCMP_CMP_EQ, family);
	int e;

	for (uint64_t t = 0; t <= 0xf; t++) {
		if (t == types[0] || t == types[1])
			continue;
		e = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 2, fam,
				     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, t));
		if (e < 0)
			return e;
	}
	return deny_except(ctx, nr, &fam, 2, protos, NELEM(protos),
			   IPPROTO_UDP + 1, EPERM);
}

/*
 * socket(): AF_UNIX; AF_INET and AF_INET6 as deny_inet() allows; AF_NETLINK
 * with NETLINK_ROUTE only (glibc's getaddrinfo() asks it for the
 * interface addresses).  Every other family is EAFNOSUPPORT, as if the
 * kernel had none (AF_PACKET, AF_VSOCK, AF_ALG, AF_TIPC, AF_RDS, AF_CAN,
 * AF_KEY, AF_BLUETOOTH, ...).  socketpair(): AF_UNIX only.
 */
static int deny_sockets(scmp_filter_ctx ctx)
{
	static const uint64_t fams[] = { AF_UNIX, AF_INET, AF_INET6, AF_NETLINK };
	static const uint64_t route[] = { NETLINK_ROUTE };
	static const uint64_t unix_only[] = { AF_UNIX };
	struct scmp_arg_cmp nl = SCMP_A0(SCMP_CMP_EQ, AF_NETLINK);
	int sock = SCMP_SYS(socket), pair = SCMP_SYS(socketpair), e;

	if ((e = deny_except(ctx, sock, NULL, 0, fams, NELEM(fams), AF_MAX,
			     EAFNOSUPPORT)) < 0 ||
	    (e = deny_except(ctx, sock, &nl, 2, route, NELEM(route),
			     NETLINK_ROUTE + 1, EAFNOSUPPORT)) < 0 ||
	    (e = deny_inet(ctx, sock, AF_INET)) < 0 ||
	    (e = deny_inet(ctx, sock, AF_INET6)) < 0 ||
	    (e = deny_except(ctx, pair, NULL, 0, unix_only, NELEM(unix_only),
			     AF_MAX, EAFNOSUPPORT)) < 0)
		return e;
	return 0;
}

/*
 * personality(): Docker's values only, on the low 32 bits the kernel
 * reads: 0 (PER_LINUX), 0x8 (PER_LINUX32), 0x20000 (UNAME26), 0x20008,
 * and 0xffffffff (query).  So any bit but 0x8 and 0x20000 is refused
 * (READ_IMPLIES_EXEC, ADDR_NO_RANDOMIZE, MMAP_PAGE_ZERO, ...), unless all
 * 32 are set.  libseccomp allows one comparison per argument and rule, so
 * bit 31 splits the cases: clear, refuse each other bad bit; set, refuse
 * it unless bits 0-30 are all set too.  60 one-comparison rules.
 */
static int deny_personality(scmp_filter_ctx ctx)
{
	const uint64_t ok = 0x8 | 0x20000, top = 1ULL << 31;
	int nr = SCMP_SYS(personality), e;

	for (unsigned b = 0; b < 31; b++) {
		uint64_t bit = 1ULL << b;

		if (!(ok & bit)) {
			e = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 1,
					     SCMP_A0(SCMP_CMP_MASKED_EQ, top | bit, bit));
			if (e < 0)
				return e;
		}
		e = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 1,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, top | bit, top));
		if (e < 0)
			return e;
	}
	return 0;
}

/* Copies libseccomp's export (written to an fd) into a malloc'd program. */
static int export_bpf(scmp_filter_ctx ctx, struct sock_fprog *prog)
{
	struct sock_filter *insns = NULL;
	struct stat st;
	size_t size, done = 0;
	int fd, r;

	fd = memfd_create("cylo-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if ((r = seccomp_export_bpf(ctx, fd)) < 0)
		goto out;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	size = (size_t)st.st_size;
	if (size == 0 || size % sizeof(*insns) ||
	    size / sizeof(*insns) > BPF_MAXINSNS) {
		r = -E2BIG;
		goto out;
	}
	if (!(insns = malloc(size))) {
		r = -ENOMEM;
		goto out;
	}
	while (done < size) {
		ssize_t n = pread(fd, (char *)insns + done, size - done, (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;
			goto out;
		}
		done += (size_t)n;
	}
	prog->filter = insns;
	prog->len = (unsigned short)(size / sizeof(*insns));
	insns = NULL;
	r = 0;
out:
	free(insns);
	close(fd);
	return r;
}

/*
 * Foreign architectures kill.  The syscall checks form a binary tree on
 * the syscall number (libseccomp >= 2.5) rather than a chain of compares:
 * same verdicts (checked on 2.6 million inputs with a BPF interpreter), 514
 * instructions instead of 497, but a syscall reaches its rules after about
 * 15 of them instead of 82, and on Linux 6.18 the kernel converts and
 * JIT-compiles it at install in 0.24 ms instead of 0.35 ms (every box
 * installs it); ioctl(), checked on its arguments, costs 18 ns less.
 */
static int set_attrs(scmp_filter_ctx ctx, char *err, size_t errlen)
{
	int r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);

	if (r < 0) {
		say(err, errlen, "bad-arch action", NULL, r);
		return r;
	}
	r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (r < 0)
		say(err, errlen, "binary-tree layout", NULL, r);
	return r;
}

int seccomp_rules_build(struct sock_fprog *prog, char *err, size_t errlen)
{
	scmp_filter_ctx ctx;
	int r = 0;

	prog->filter = NULL;
	prog->len = 0;
	err[0] = '\0';
	if (!(ctx = seccomp_init(SCMP_ACT_ALLOW))) {
		snprintf(err, errlen, "seccomp_init failed (libseccomp without "
			 "support for this architecture?)");
		return -ENOMEM;
	}
	if ((r = set_attrs(ctx, err, errlen)) < 0)
		goto out;
	for (size_t i = 0; i < NELEM(deny_table); i++)
		if ((r = add_deny(ctx, &deny_table[i], err, errlen)) < 0)
			goto out;
	if ((r = deny_sockets(ctx)) < 0) {
		say(err, errlen, "socket rules", NULL, r);
		goto out;
	}
	if ((r = deny_personality(ctx)) < 0) {
		say(err, errlen, "personality rules", NULL, r);
		goto out;
	}
	if ((r = export_bpf(ctx, prog)) < 0)
		say(err, errlen, "exporting the BPF program", NULL, r);
out:
	seccomp_release(ctx);
	return r;
}
