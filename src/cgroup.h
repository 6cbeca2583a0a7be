/*
 * cgroup.h - per-job control groups: cgroup v2, cgroup v1 or none.
 *
 * cg_env_detect() decides once, at start, which kind the host offers and
 * creates the daemon's own parent group; each job then gets a box (a child
 * group, or on v1 for a one-shot command the parent itself) for its whole
 * life: limits, peak memory, OOM kills, CPU time, a kill switch.  With CG_NONE the sandbox falls back to rlimits.
 *
 * Threads: a cg_env is read-only after cg_env_detect(), so any thread may
 * create boxes from it; a box belongs to one thread at a time.  Every
 * fallible function returns 0 (or a count) or -errno; nothing here logs.
 */
#ifndef CYLO_CGROUP_H
#define CYLO_CGROUP_H

#include <stddef.h>
#include <sys/types.h>

enum cg_kind { CG_NONE, CG_V1, CG_V2 };

struct cg_env;
struct cg_box;

/*
 * Detects and prepares the cgroup layer.  @want is an enum cgroup_mode
 * (config.h): CGROUP_AUTO, CGROUP_V2, CGROUP_V1 or CGROUP_NONE.  @root is
 * a delegated cgroup2 directory (sandbox.cgroup_root) or NULL.
 * AUTO picks v2 when memory and pids can be enabled below our group (or
 * below @root), else v1 when memory and pids are mounted and we can create
 * groups below our own, else CG_NONE; on success @err then says why the
 * better kinds were passed over ("" when v2 was taken).  An explicitly
 * wanted kind, or a @root, that cannot be used fails with -errno and a
 * sentence with the reason and the fix in @err.
 * v2 without @root takes over the daemon's own group the way systemd's
 * Delegate=yes intends: the daemon moves itself into "<own>/supervisor".
 * The parent groups are named cylo-<pid>-<n> (see cg_env_path()).
 * Returns an owned env in *@out (NULL on failure).  Thread: main, at start,
 * before other threads exist (v2 may move the whole process).
 */
int cg_env_detect(int want, const char *root, struct cg_env **out,
		  char *err, size_t n);

enum cg_kind cg_env_kind(const struct cg_env *e);

/* "cgroup2", "cgroup1", "rlimit": the names results and `cylo doctor` use. */
const char *cg_kind_name(enum cg_kind k);

/*
 * The absolute path of the daemon's parent group in hierarchy @i (v2: one,
 * v1: one per mounted hierarchy used), NULL past the last one.  Borrowed,
 * valid until cg_env_free().  For `cylo doctor` and tests.
 */
const char *cg_env_path(const struct cg_env *e, size_t i);

/*
 * Removes the daemon's parent group(s) (only when empty: boxes must have
 * been destroyed) and frees @e.  The v2 supervisor group, which holds the
 * daemon itself, stays.  NULL is a no-op.
 */
void cg_env_free(struct cg_env *e);

/*
 * Test only: a v2 env under the caller's own cgroup2 group with no
 * controller enabled, for hosts whose cgroup2 has none (v1 controllers).
 * Exercises mkdir, attach, cgroup.kill, populated, stats without memory
 * and pids, rmdir.  Fails with -errno and a reason in @err when the own
 * group is not writable.
 */
int cg_env_v2_bare(struct cg_env **out, char *err, size_t n);

/*
 * Creates box @name (letters, digits, '-', '_', '.', at most 64 bytes, not
 * starting with '.') below the parent group(s).  v2: also memory.oom.group=1
 * and memory.swap.max=0.  Returns an owned box, -EEXIST when the name is
 * taken, -EINVAL for a bad name, -EOPNOTSUPP for CG_NONE.
 */
int cg_box_create(const struct cg_env *e, const char *name, struct cg_box **out);

/*
 * v1: a box made of the parent groups themselves, for a process that runs
 * one box at a time (a one-shot command): no group is made below them, and
 * cg_box_destroy() leaves them to cg_env_free().  -EOPNOTSUPP but on v1
 * (v2's parent hands its controllers down, so holds no process).
 */
int cg_box_parent(const struct cg_env *e, struct cg_box **out);

/*
 * Sets the memory limit in MiB (no swap) and the number of tasks
 * (processes + threads); -1 means unlimited.  May be called again between
 * stages.  -EOPNOTSUPP when a limit is asked of a missing controller.
 */
int cg_box_limit(struct cg_box *b, long memory_mb, long pids);

/*
 * Restarts peak-memory tracking for the next stage.  v1 resets the
 * counter; v2 needs Linux 6.12 (the reset applies to the fd the box keeps
 * for later reads), else -EOPNOTSUPP.
 */
int cg_box_reset_peak(struct cg_box *b);

/*
 * v2: an O_PATH directory fd for clone3(CLONE_INTO_CGROUP), borrowed (valid
 * until cg_box_destroy).  v1: -1, use cg_box_attach().
 */
int cg_box_dirfd(const struct cg_box *b);

/* Moves process @pid (all its threads) into the box, in every hierarchy. */
int cg_box_attach(struct cg_box *b, pid_t pid);

/*
 * v1 only: moves the calling thread (not its process) into the box in
 * every hierarchy, so that processes it clones are born inside.  A thread
 * moving itself skips the grace period a v1 migration of another task
 * waits for, so this is cheap; a worker still joins its slot's box once.
 * -EOPNOTSUPP on v2 (use CLONE_INTO_CGROUP).
 */
int cg_box_join_thread(struct cg_box *b);

/* Counters of the box; a field is -1 when the kernel does not provide it. */
struct cg_stats {
	long long peak_kb;	/* peak memory since create or reset_peak */
	long long oom_kills;	/* OOM kills inside the box */
	long long cpu_usec;	/* CPU time of every task, ever */
	long long pids_max_hits;	/* forks refused at the pids limit */
	long long usage_kb;	/* memory charged now (page cache included) */
};
int cg_box_stats(struct cg_box *b, struct cg_stats *s);

/*
 * The page cache charged to the box (memory.stat's active_file plus
 * inactive_file, in KiB): memory the kernel reclaims at the limit, unlike
 * tmpfs files and shared memory.  -ENOENT without a memory controller.
 */
int cg_box_file_kb(struct cg_box *b, long *kb);

/*
 * SIGKILLs every process of the box, races with fork included: v2 writes
 * cgroup.kill; v1 (and v2 before Linux 5.14) sets pids.max to 0 and
 * signals each listed process through a pidfd after checking that it is
 * still listed.  Does not wait: see cg_box_populated().  v1 leaves
 * pids.max at 0 until the next cg_box_limit().  -EOPNOTSUPP for a box a
 * thread of ours joined (cg_box_join_thread()): v1 lists the whole
 * process of a member thread, so the kill would hit the daemon.
 */
int cg_box_kill(struct cg_box *b);

/* 1 while any process is in the box, 0 when empty, or -errno. */
int cg_box_populated(struct cg_box *b);

/*
 * Removes the box's group(s), retrying briefly while the kernel finishes
 * exiting tasks (EBUSY), and frees @b in every case.  Returns the first
 * error: -EBUSY means a process is still inside and the group is left
 * behind.  A parent box (cg_box_parent()) removes nothing and returns 0.
 * NULL is a no-op.
 */
int cg_box_destroy(struct cg_box *b);

#endif
