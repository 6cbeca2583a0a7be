/*
 * claim.h - claim files: which cylo instance runs which input, so that
 * several instances (threads, processes, hosts sharing the folder over
 * NFS) run every input version once.
 *
 * A claim is D/.cylo/claims/NAME, created with O_CREAT|O_EXCL and holding
 * the owner's host, pid, boot id, start time, the attempt count and the
 * input identity.  See claim.c for the protocol.
 */
#ifndef CYLO_CLAIM_H
#define CYLO_CLAIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "result.h"

struct claim {
	int fd;			/* the claim file, kept open to renew the lease */
	int claims_fd;		/* borrowed: the claims directory */
	dev_t dev;
	ino_t ino;
	int attempts;		/* 1 for the first claim of this input version */
	double lease;		/* seconds: renewed every lease / 3 */
	int64_t renewed_ns;	/* CLOCK_MONOTONIC of the last renewal */
	char name[256];
	struct claim *prev, *next;	/* claim.c's list of live claims */
};

/*
 * Learns who we are: host name, boot id, our pid and its start time.
 * Main thread, once, before any claim.  0 or -errno.
 */
int claim_init_self(void);

/* Our host name as claims record it (sanitised).  After claim_init_self(). */
const char *claim_host(void);

/*
 * Creates (mode 0700) and opens @dirfd's ".cylo" and ".cylo/claims"
 * without following symlinks.  -ELOOP / -ENOTDIR when a user planted
 * something else there.  *@foreign is set when .cylo belongs to another
 * uid (worth a warning: that user can remove or plant claims).
 */
int claim_dirs_open(int dirfd, int *cylo_fd, int *claims_fd, bool *foreign);

/*
 * Claims input @name (identity @in).  A live owner's claim: -EBUSY.  A
 * stale one (same host: its process or boot is gone; other host: not
 * renewed for @lease seconds) is taken over, counting one more attempt
 * when it was for the same input version.  On success @c is filled and
 * registered for lease renewal; the caller must claim_release() it.
 * Any thread.
 */
int claim_acquire(int cylo_fd, int claims_fd, const char *name,
		  const struct input_id *in, double lease, struct claim *c);

/* Removes the claim file if it is still ours, closes it, unregisters @c. */
void claim_release(struct claim *c);

/*
 * Gives the claim up without removing it: it is marked abandoned, which
 * makes it stale at once, so the next claim of the same input version
 * counts one more attempt.  For a run whose result could not be written:
 * without it, a job whose result never fits would run again forever.
 * On failure the claim is released (that attempt is not counted); -errno.
 */
int claim_abandon(struct claim *c);

/* Touches every live claim whose lease is a third gone.  Any thread (a timer). */
void claim_renew_all(void);

/* Number of live claims of this process. */
size_t claim_count(void);

/*
 * Removes stale claims that are no longer needed (@keep(name) false: the
 * input is gone or has its result) and leftovers of interrupted takeovers
 * older than @lease.  Returns how many files it removed, or -errno.
 */
int claim_sweep(int cylo_fd, int claims_fd, double lease,
		bool (*keep)(const char *name, void *arg), void *arg);

/* Whether a process of this host with @pid exists (kill(pid, 0)). */
bool claim_pid_alive(long pid);

#endif
