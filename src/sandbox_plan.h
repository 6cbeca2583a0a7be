/*
 * sandbox_plan.h - internal to the sandbox: the immutable plan the parent
 * prepares before clone(), the steps the child can fail at, and the
 * fixed-size messages on the control socket between them.
 *
 * Not for other modules: they use sandbox.h.
 */
#ifndef CYLO_SANDBOX_PLAN_H
#define CYLO_SANDBOX_PLAN_H

#include <stdbool.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/filter.h>

#include "sandbox.h"
#include "sandbox_landlock.h"

/* Inside the box every job runs as this uid/gid, mapped to one host id. */
#define BOX_UID 1000
#define BOX_GID 1000

/* Steps the child reports on failure.  The init takes ids, builds the
 * root, then Landlock's ruleset, capabilities, no_new_privs and seccomp
 * for every stage (sandbox_child.c confine_init()); a stage sets fds and
 * rlimits, applies Landlock and execs. */
enum box_step {
	STEP_NONE,
	STEP_START,		/* fds, waiting for the parent */
	STEP_USERNS,		/* ids, groups, max_user_namespaces */
	STEP_MOUNT_PRIVATE,
	STEP_MOUNT_ROOT,
	STEP_MOUNT_RO,		/* arg: index in ro_paths */
	STEP_MOUNT_ETC,
	STEP_MOUNT_PROC,
	STEP_MOUNT_DEV,
	STEP_MOUNT_TMP,
	STEP_MOUNT_WORK,
	STEP_UNPACK,
	STEP_PIVOT,
	STEP_STAGE_FDS,		/* in the stage process */
	STEP_RLIMITS,
	STEP_CAPS,
	STEP_NO_NEW_PRIVS,
	STEP_LANDLOCK,
	STEP_SECCOMP,
	STEP_EXEC,
};

/* Sentence fragment naming the layer of a step: "mount namespace", ... */
const char *box_step_name(enum box_step s);

struct box_plan {
	bool root_mode;		/* host root: setgroups allowed, drop groups */
	char *const *ro_paths;
	const char *work_opts;	/* tmpfs option strings, built by the parent */
	const char *tmp_opts;
	const char *shm_opts;
	int ctl_fd;		/* child's end of the control socket */
	int bundle_fd;		/* or -1 */
	const struct stage_spec *stages;
	size_t nstages;
	bool rlimit_memory;	/* no cgroup: memory and processes by rlimit */
	const struct sock_fprog *seccomp;	/* or NULL when not required & absent */
	const struct landlock_plan *landlock;	/* abi <= 0: none */
	uint32_t stop_key;	/* random per box: a stop signal must carry it */
	int cap_last_cap;
	uint64_t sig_ignored;	/* signal s ignored here: bit s - 1 (reset per stage) */
	bool in_template;	/* cloned from a template's mount namespace */
};

/* The kernel's struct sigaction, for the raw rt_sigaction syscall
 * (glibc's differs in layout, and its wrapper refuses the real-time
 * signals glibc reserves). */
struct k_sigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

/* With REQ_RUN: stdin, stdout, stderr, and the program to execveat() (or
 * /dev/null when the stage runs argv[0]). */
#define STAGE_FDS 4

/* parent -> child */
enum { REQ_GO = 1, REQ_RUN = 2 };
struct box_req {
	uint32_t op;
	uint32_t stage;
	uint32_t seq;		/* REQ_RUN: the run's number in this box, from 1 */
};

/*
 * parent -> init, queued with the run's seq: end that run (sandbox.c
 * stop_stage(), sandbox_child.c on_stop()).  A real-time signal queues
 * every instance and, when the queue is full, fails at the sender (which
 * then kills the box) instead of arriving without its seq.
 */
#define BOX_STOP_SIGNAL SIGRTMIN

/* child -> parent */
enum { MSG_READY = 1, MSG_FAIL = 2, MSG_DONE = 3, MSG_TIMING = 4 };
struct box_msg {
	int32_t kind;
	int32_t step;		/* enum box_step, for MSG_FAIL */
	int32_t err;		/* -errno, for MSG_FAIL */
	int32_t arg;		/* step detail (ro_paths index) */
	int32_t status;		/* wait status, for MSG_DONE */
	int32_t pad;
	int64_t utime_us, stime_us, maxrss_kb;
	/* CLOCK_MONOTONIC ns (one clock for every namespace here):
	 * MSG_READY: ids taken, root built, Landlock ruleset built, filter
	 * installed; MSG_TIMING, sent by a stage just before execve: started,
	 * limits and fds set, Landlock applied, the same again (the stage
	 * installs no filter: it inherits the init's). */
	int64_t t[4];
};

/* The box's init process: never returns.  sandbox_child.c */
void box_child_main(const struct box_plan *p) __attribute__((noreturn));

/* Builds the new root, /work included, and pivots into it.  On failure
 * returns -errno and sets *step / *arg.  sandbox_mount.c */
int mount_build_root(const struct box_plan *p, int *step, int *arg);

/* Host ids to look host paths up as. */
struct fs_as {
	unsigned uid, gid;
};

/* A template for boxes binding @ro_paths: the shared part of the root,
 * built in a fresh mount and PID namespace, then made the root; host
 * paths are looked up as @as, the box's host ids.  On failure -errno
 * with *step / *arg.  sandbox_mount.c */
int mount_build_template(char *const *ro_paths, const struct fs_as *as,
			 int *step, int *arg);

/* In a copy of a template's namespace: the box's /proc, /dev/shm, /tmp
 * and /work; ends in /work.  sandbox_mount.c */
int mount_build_from_template(const struct box_plan *p, int *step, int *arg);

/* Applies a stage's rlimits.  Async-signal-safe.  sandbox_limits.c */
int limits_apply_stage(const struct stage_spec *s, bool rlimit_memory);
/* Drops every capability, locks securebits.  Async-signal-safe. */
int caps_drop_all(int cap_last_cap);

#endif
