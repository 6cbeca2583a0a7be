/*
 * sandbox_seccomp.h - the job's syscall filter.
 *
 * Built once in the parent with libseccomp and exported as classic BPF
 * (libseccomp 2.5 allocates inside seccomp_load(), which the post-clone
 * child must not do); the child installs the program with prctl().
 */
#ifndef CYLO_SANDBOX_SECCOMP_H
#define CYLO_SANDBOX_SECCOMP_H

#include <stddef.h>
#include <linux/filter.h>

/*
 * Builds the deny-list filter (see the table in sandbox_seccomp.c) for the
 * native architecture; other architectures' syscalls kill the process.
 * Returns 0 and an owned program in @prog, or -errno with a reason in @err.
 * Thread: any, before clone.
 */
int seccomp_build(struct sock_fprog *prog, char *err, size_t errlen);
void seccomp_free(struct sock_fprog *prog);

/*
 * Installs @prog on the calling thread (needs no_new_privs or
 * CAP_SYS_ADMIN).  Async-signal-safe: for the post-clone child.  0 or -errno.
 */
int seccomp_install(const struct sock_fprog *prog);

/*
 * The unconditional and flag rules as data, for the tests and the docs:
 * the syscall name of row @i and its errno in @err, or NULL past the end.
 * (socket, socketpair and personality rules are generated from allow-sets
 * and are not listed here.)  Thread: any.
 */
const char *seccomp_rule_at(size_t i, int *err);

#endif
