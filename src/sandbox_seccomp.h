/*
 * sandbox_seccomp.h - the job's syscall filter.
 *
 * A classic BPF program generated with libseccomp at build time and
 * embedded in cylo (rules: seccomp_rules.h); the parent takes a copy, the
 * post-clone child installs it with prctl() (libseccomp 2.5 would allocate
 * inside seccomp_load(), which that child must not do).
 */
#ifndef CYLO_SANDBOX_SECCOMP_H
#define CYLO_SANDBOX_SECCOMP_H

#include <stddef.h>
#include <linux/filter.h>

/*
 * The deny-list filter (see the table in seccomp_rules.c) for the native
 * architecture, as embedded at build time; other architectures' syscalls
 * kill the process.  Returns 0 and an owned copy in @prog (release with
 * seccomp_free()), or -errno with a reason in @err: -ENOEXEC when the
 * embedded program is not a filter, -ENOMEM.  Thread: any, before clone.
 */
int seccomp_build(struct sock_fprog *prog, char *err, size_t errlen);
void seccomp_free(struct sock_fprog *prog);

/*
 * Installs @prog on the calling thread (needs no_new_privs or
 * CAP_SYS_ADMIN).  Async-signal-safe: for the post-clone child.  0 or -errno.
 */
int seccomp_install(const struct sock_fprog *prog);

/*
 * Where rlimits alone limit memory, stacked on the filter above: refuses
 * memfd_create() and the SysV shmget(), msgget() and semget() with EPERM.
 * RLIMIT_AS counts mappings only, and their memory needs none (a job held
 * 2 GB of the host's memory in memfd files under memory = 64, 125 MiB in
 * message queues); with cgroups it is charged to the job, and the calls
 * stay.  Async-signal-safe.  0 or -errno.
 */
int seccomp_install_rlimit(void);

#endif
