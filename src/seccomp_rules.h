/*
 * seccomp_rules.h - the job's syscall filter as rules, built with libseccomp.
 *
 * For the build-time generator (tools/seccomp_gen.c) and the unit tests
 * only: the cylo binary embeds the generated program and links neither
 * this module nor libseccomp (see sandbox_seccomp.h).
 */
#ifndef CYLO_SECCOMP_RULES_H
#define CYLO_SECCOMP_RULES_H

#include <stddef.h>
#include <linux/filter.h>

/*
 * Builds the deny-list filter for the native architecture with libseccomp
 * and exports it as classic BPF; other architectures' syscalls kill the
 * process.  Returns 0 and a malloc'd program in @prog (the caller frees
 * prog->filter), or -errno with a reason in @err.  Thread: any.
 */
int seccomp_rules_build(struct sock_fprog *prog, char *err, size_t errlen);

/*
 * The unconditional and flag rules as data, for the tests and the docs:
 * the syscall name of row @i and its errno in @err, or NULL past the end.
 * (socket, socketpair and personality rules are generated from allow-sets
 * and are not listed here.)  Thread: any.
 */
const char *seccomp_rule_at(size_t i, int *err);

#endif
