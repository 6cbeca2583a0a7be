/*
 * netns_spare.h - an empty network namespace made ahead of time, so that
 * a box's clone3() does not pay for creating one (about 1 ms).
 *
 * Root mode only (creating a namespace outside the box's own user
 * namespace needs CAP_SYS_ADMIN).  One spare per thread, used by exactly
 * one box, never shared and never reused.  @host_fd is an fd of the
 * network namespace the daemon runs in (/proc/self/ns/net, opened at
 * start), where the calling thread always returns.
 */
#ifndef CYLO_NETNS_SPARE_H
#define CYLO_NETNS_SPARE_H

#include <stdbool.h>

/*
 * Makes this thread's spare if it has none, and ends with the thread in
 * @host_fd, also when an earlier failed setns() had left it elsewhere (a
 * spare is spent by then).  0 or -errno (then no spare).
 */
int netns_spare_make(int host_fd);

/*
 * Moves the calling thread into its spare, which the next clone3() without
 * CLONE_NEWNET hands to the child.  true when it did; false when there is
 * no spare or entering failed (the caller then uses CLONE_NEWNET).
 */
bool netns_spare_enter(void);

/*
 * Right after that clone3(): back to @host_fd, and the spare is spent.
 * -errno when the thread could not leave; the caller must then fail the
 * box, since its thread still shares the box's namespace.
 */
int netns_spare_leave(int host_fd);

/* Closes this thread's spare, if any: at the end of a worker thread. */
void netns_spare_drop(void);

/*
 * A one-shot command has no idle moment before its first box: it calls
 * this as it starts, and a helper thread makes a spare on another CPU
 * while the command reads its configuration and prepares the box.  The
 * next netns_spare_enter() of a thread without a spare of its own takes
 * it (an archive's extraction box, when the job is an archive).  Root
 * mode and at least two usable CPUs only; else, or without a thread,
 * there is no spare and nothing else changes.  One at a time: a call
 * while a helper's spare is pending does nothing.  Any thread may call.
 */
void netns_spare_ahead(void);

/* Closes the helper's spare if no box took it.  At the command's end. */
void netns_spare_ahead_end(void);

#endif
