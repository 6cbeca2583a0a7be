/*
 * seccomp_prog.h - the job's syscall filter as a classic BPF program,
 * generated at build time ($(BUILD)/seccomp_prog.c, written by
 * tools/seccomp_gen.c from seccomp_rules.c).  Read it through
 * seccomp_build() (sandbox_seccomp.h), which checks it first.
 */
#ifndef CYLO_SECCOMP_PROG_H
#define CYLO_SECCOMP_PROG_H

#include <stddef.h>
#include <linux/filter.h>

extern const struct sock_filter seccomp_prog[];
extern const size_t seccomp_prog_len;	/* instructions in seccomp_prog */

#endif
