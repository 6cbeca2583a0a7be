/*
 * mnt_template.h - read-only mount trees built once per worker thread and
 * copied by each box's clone3() (see sandbox_mount.c for what they hold).
 *
 * Root mode and daemon workers only: building one needs CAP_SYS_ADMIN,
 * and it pays off only for a thread that runs many boxes, so only a
 * thread that calls mnt_template_idle() uses them.  A thread keeps up to
 * four, one per set of read-only paths (a language's), and builds them
 * while idle: a box whose paths have no template yet builds its own root,
 * and the next idle moment builds the template.  A template older than
 * ten seconds is never used, so a host file bound by path
 * (/etc/ld.so.cache, replaced by ldconfig) is never older than that; an
 * idle worker (woken every 4 s, see daemon.c) rebuilds those older than
 * five, and drops those unused for two minutes.  A failed build of a set
 * of paths is retried a minute later; meanwhile its boxes build their own
 * roots.  Templates hold the filesystems of the bound paths, as a running
 * box does.
 * @host_fd is an fd of the daemon's mount namespace (/proc/self/ns/mnt),
 * where the calling thread always returns.
 */
#ifndef CYLO_MNT_TEMPLATE_H
#define CYLO_MNT_TEMPLATE_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Moves the calling thread into its template for @ro_paths, which the next
 * clone3() with CLONE_NEWNS copies.  true when it did; false when there is
 * none yet (noted for mnt_template_idle()) or entering failed.
 */
bool mnt_template_enter(char *const *ro_paths);

/*
 * Right after that clone3(): back to @host_fd.  -errno when the thread
 * could not leave; the caller must then fail the box, since the thread
 * no longer sees the host's files.
 */
int mnt_template_leave(int host_fd);

/*
 * Between jobs: builds the template a box lacked and rebuilds old ones;
 * drops those unused for two minutes.  Host paths are looked up as
 * @uid/@gid, the host ids of the worker's boxes, never as root.  0 or
 * -errno when a build failed now (nothing is lost: the next box builds
 * its own root); when the first build that failed failed on one path,
 * that path goes to @path (@pathlen bytes), else "".  A set of paths
 * whose build failed is tried again a minute later, not sooner, and is
 * not reported meanwhile: a failure is reported once a minute at most.
 */
int mnt_template_idle(int host_fd, unsigned uid, unsigned gid, char *path, size_t pathlen);

/* How often at most an idle worker calls mnt_template_idle(), so that a
 * template is rebuilt before it is too old to use. */
#define MNT_TEMPLATE_IDLE_MS 4000

/* Closes this thread's templates: at the end of a worker thread. */
void mnt_template_drop(void);

/* For tests: the clock templates age by (NULL: CLOCK_MONOTONIC).  One for
 * the process, not per thread: set it before any thread uses templates. */
void mnt_template_clock(int64_t (*fn)(void));

#endif
