/*
 * sandbox_seccomp.c - the job's syscall filter, as built into cylo.
 *
 * The filter takes no configuration (its rules: seccomp_rules.c), so for
 * one architecture its BPF program is a constant: the build runs
 * libseccomp once, in tools/seccomp_gen.c, and links the program it
 * exports into cylo ($(BUILD)/seccomp_prog.c).  cylo neither runs nor
 * links libseccomp: building the filter at start cost about 1.7 ms of CPU
 * per `cylo exec`, 11% of it.  test_seccomp.c checks that the embedded
 * program is byte for byte what libseccomp builds now, so the two cannot
 * drift apart.
 *
 * The parent hands out a copy before clone(); the post-clone child
 * installs it with a bare prctl(), which allocates nothing.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "sandbox_seccomp.h"
#include "seccomp_prog.h"

/* COMPAT: the architectures whose audit id the check below knows; on
 * others it checks the shape only. */
#if defined(__x86_64__)
#define NATIVE_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

/*
 * Fail closed on a broken build: the program must have a length the kernel
 * takes, begin as every libseccomp program does, by loading the
 * architecture (without that check i386 and x32 syscalls would get past
 * every rule) and comparing it with ours (a program generated for another
 * ABI would let every native syscall through), and end with a return.
 */
static bool prog_sane(const struct sock_filter *f, size_t n)
{
	if (n < 2 || n > BPF_MAXINSNS || BPF_CLASS(f[n - 1].code) != BPF_RET ||
	    f[0].code != (BPF_LD | BPF_W | BPF_ABS) ||
	    f[0].k != offsetof(struct seccomp_data, arch))
		return false;
#ifdef NATIVE_AUDIT_ARCH
	if (f[1].code != (BPF_JMP | BPF_JEQ | BPF_K) || f[1].k != NATIVE_AUDIT_ARCH)
		return false;
#endif
	return true;
}

int seccomp_build(struct sock_fprog *prog, char *err, size_t errlen)
{
	size_t size = seccomp_prog_len * sizeof(seccomp_prog[0]);

	prog->filter = NULL;
	prog->len = 0;
	err[0] = '\0';
	if (!prog_sane(seccomp_prog, seccomp_prog_len)) {
		snprintf(err, errlen, "the built-in BPF program (%zu instructions) "
			 "is not a seccomp filter: cylo was built wrong", seccomp_prog_len);
		return -ENOEXEC;
	}
	/* A copy, so the caller owns a program as before and may free it. */
	if (!(prog->filter = malloc(size))) {
		snprintf(err, errlen, "no memory for the BPF program");
		return -ENOMEM;
	}
	memcpy(prog->filter, seccomp_prog, size);
	prog->len = (unsigned short)seccomp_prog_len;
	return 0;
}

void seccomp_free(struct sock_fprog *prog)
{
	free(prog->filter);
	prog->filter = NULL;
	prog->len = 0;
}

int seccomp_install(const struct sock_fprog *prog)
{
	/* No SECCOMP_FILTER_FLAG_SPEC_ALLOW: the job keeps the kernel's
	 * speculative-store-bypass mitigation that seccomp turns on. */
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, prog, 0, 0) < 0)
		return -errno;
	return 0;
}

/* Other architectures get past this one: the main filter kills them. */
static struct sock_filter rlimit_insns[] = {
#ifdef NATIVE_AUDIT_ARCH
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_AUDIT_ARCH, 1, 0),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
#endif
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_memfd_create, 4, 0),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_shmget, 3, 0),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_msgget, 2, 0),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_semget, 1, 0),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
};

int seccomp_install_rlimit(void)
{
	struct sock_fprog prog = {
		.len = (unsigned short)(sizeof(rlimit_insns) / sizeof(rlimit_insns[0])),
		.filter = rlimit_insns,
	};

	return seccomp_install(&prog);
}
