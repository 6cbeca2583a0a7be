/*
 * sandbox.h - run untrusted programs in a box: fresh user, mount, PID,
 * network, IPC, UTS and cgroup namespaces; a tmpfs root with read-only
 * runtime paths; Landlock; seccomp; cgroup or rlimit limits.
 *
 * A box is opened once per job and runs its stages in order (extract,
 * compile, run, one run per test).  Every stage is a fresh process with
 * its own limits; the box's /work persists between the stages.
 *
 * Threads: sandbox_env is built once at start and is read-only after;
 * boxes are independent, so each worker thread may open its own.
 */
#ifndef CYLO_SANDBOX_H
#define CYLO_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "config.h"
#include "util.h"

struct sandbox_env;
struct box;

/*
 * What the host does with a job's crash (SECURITY.md R10).  Every stage
 * runs with RLIMIT_CORE 0, which stops a core file, but a core_pattern
 * pipe still runs its helper as host root for each crash and leaves the
 * limit to it.  @pattern gets the setting.  sandbox_limits.c
 */
enum core_fate {
	CORE_NONE,		/* a file pattern: the limit writes nothing */
	CORE_HELPER_HONOURS,	/* systemd-coredump: logs, stores nothing at 0 */
	CORE_HELPER_OTHER,	/* another helper: up to it */
};
/* A core_fate, or -errno when the setting cannot be read. */
int sandbox_core_fate(char *pattern, size_t n);

/* Worker slots: 0 .. SANDBOX_MAX_SLOTS-1 (box_spec.slot).  The workers
 * take the first WORKERS_MAX at most; one-shot commands take theirs above. */
#define SANDBOX_MAX_SLOTS 1024
_Static_assert(2 * WORKERS_MAX <= SANDBOX_MAX_SLOTS, "room for commands above the workers");

/* What `cylo doctor` and the result report about the host. */
struct sandbox_caps {
	int landlock_abi;	/* < 0: -errno of the probe */
	bool seccomp;
	const char *limits_by;	/* "cgroup2", "cgroup1", "rlimit" */
	bool root_mode;		/* each worker slot runs as its own host uid */
};

/*
 * Probes the host and prepares what every box shares: the seccomp BPF,
 * the Landlock plan, the cgroup parent.  A required layer that is missing
 * fails with -errno and a sentence naming the layer and the fix in @err.
 * Thread: main, at start.
 */
int sandbox_env_init(const struct sandbox_conf *conf, struct sandbox_env **out,
		     char *err, size_t errlen);
void sandbox_env_free(struct sandbox_env *env);

/*
 * For a command that opens one box at a time on slot 0 (exec, run): on
 * cgroup v1 its boxes live in the command's own groups, with no slot
 * group below them, 3 mkdir and 3 rmdir fewer per start.  As root its
 * boxes take a host uid of their own, above the daemon's @workers slots
 * (uid_base + @workers and up, the first no other process holds), locked
 * in /run/cylo/uids.lock until the env is freed, so that no two commands,
 * nor a command and a worker, share one.  Before the first box_open().
 * 0, or -errno with @err.
 */
int sandbox_env_one_slot(struct sandbox_env *env, int workers, char *err, size_t errlen);
/*
 * For a daemon, as root: locks its @workers slots' host uids (uid_base
 * and up) in the same file, so that a second daemon with the same or an
 * overlapping range fails to start, and commands take uids above them
 * whatever their own workers setting.  0, or -EAGAIN or -errno with @err.
 */
int sandbox_env_slots(struct sandbox_env *env, int workers, char *err, size_t errlen);
void sandbox_env_caps(const struct sandbox_env *env, struct sandbox_caps *caps);

struct box_spec {
	char *const *ro_paths;	/* host paths bound read-only at the same place */
	int bundle_fd;		/* job files (bundle.h) copied into /work, or -1 */
	long workspace_mb;
	long tmp_mb;		/* /tmp and /dev/shm each */
	int slot;		/* worker slot; root mode runs it as uid_base+slot */
};

struct stage_spec {
	char *const *argv;	/* argv[0] is an absolute path inside the box */
	char *const *envp;
	int stdin_fd;		/* read-only fd, or -1 for /dev/null; read by
				   box_run(), so it may be set just before */
	int exec_fd;		/* run this fd (execveat) instead of argv[0], or -1 */
	int stdout_fd;		/* a file to write stdout to instead of capturing, or -1;
				   bounded by file_size_mb, not output_kb */
	double timeout;		/* wall seconds */
	double cpu_time;	/* seconds */
	long memory_mb;
	long address_space_mb;	/* RLIMIT_AS, when it limits memory, is memory_mb
				   plus this: what the runtime reserves unused */
	long processes;
	long output_kb;		/* per stream */
	long file_size_mb;
	long open_files;
};

/* Where a stage's time went, in ms, for the benchmark's breakdown. */
struct stage_timing {
	double setup;		/* request to confinement: fork, stdio, rlimits, fds */
	double landlock;	/* the box's ruleset applied, plus box_timing's */
	double seccomp;		/* box_timing's: the stages inherit the init's filter */
	double run;		/* execve to the stage's exit, as the box's init saw it */
	double drain;		/* output pipes to EOF after the exit */
};

/* Where opening a box went, in ms. */
struct box_timing {
	double cgroup;		/* the box's (or slot's) group ready */
	double clone;		/* clone3 with every namespace */
	double ids;		/* id maps, cgroup attach, the init taking its ids */
	double mounts;		/* root, binds, /proc, /dev, tmpfs, job files, pivot */
	double landlock;	/* the init's ruleset built, for all the stages */
	double seccomp;		/* capabilities dropped, the init's filter installed */
};

struct stage_outcome {
	int exit_code;		/* -1 when killed by a signal */
	int signal;		/* 0 when it exited */
	bool timed_out;		/* wall or CPU limit */
	bool memory_exceeded;	/* an OOM kill in the box's cgroup (job.c adds a
				   runtime's own out-of-memory error) */
	bool output_exceeded;	/* a stream went over output_kb */
	double wall_ms, cpu_ms;
	long memory_kb;		/* peak, -1 unknown */
	struct dynbuf out, err;	/* captured streams, capped at output_kb */
	size_t drain_max;	/* a stream over its cap is read on and cut, not
				   stopped, until both have given this many
				   bytes (0: the stage ends at the cap) */
	size_t read_bytes;	/* both streams, as read */
	struct stage_timing timing;
	int error;		/* -errno when the sandbox failed; then: */
	char reason[256];	/* "landlock: ..." naming the layer */
};

/*
 * Opens a box: clone into new namespaces, map ids, build the root and
 * /work.  @stages (all the stages the box will run; borrowed, must stay
 * valid until box_close) are prepared before clone because the child may
 * not allocate.  Returns 0, or -errno with the failing layer in @err;
 * -EDQUOT when the job's files do not fit /work (the job's fault).
 * Thread: any worker; the box belongs to the caller.
 */
int box_open(struct sandbox_env *env, const struct box_spec *spec,
	     const struct stage_spec *stages, size_t nstages, struct box **out,
	     char *err, size_t errlen);

/*
 * Runs stage @i and waits for it (wall deadline, CPU and output budgets).
 * Fills @o (initialise it with stage_outcome_init()).  Returns 0 when the
 * stage ran (whatever it did), -errno when the sandbox failed (o->reason).
 * A stage killed at its wall, CPU or output limit takes only its own
 * processes along; the box may die with it (an OOM kill of the whole
 * group, an init that did not answer), and then later stages fail.
 */
int box_run(struct box *b, size_t i, struct stage_outcome *o);

/* Whether @b's init is gone, so that no further stage can run in it. */
bool box_dead(const struct box *b);

/*
 * Kills every box running now (their box_run() returns -ECANCELED) and
 * refuses new ones: for a shutdown past its grace.  Any thread.
 */
void sandbox_cancel_all(struct sandbox_env *env);

/* How long opening @b took, step by step. */
void box_get_timing(const struct box *b, struct box_timing *t);

/* Kills whatever is left, reaps, removes the cgroup, frees.  NULL is a no-op. */
void box_close(struct box *b);

/*
 * Makes ahead, on the calling thread, what the next box it opens would
 * otherwise make on its critical path: in root mode, an empty network
 * namespace (netns_spare.h) and the read-only mount tree of the paths its
 * last box bound (mnt_template.h), for worker slot @slot.  For a worker
 * between jobs, after a result is written.  0, or -errno with @what
 * (@whatlen bytes) naming the first thing that failed, and the path when
 * a mount template failed on one (the next box then makes its own);
 * -ENOTRECOVERABLE, making nothing, on a thread sandbox_thread_stuck().
 */
int sandbox_idle(struct sandbox_env *env, int slot, char *what, size_t whatlen);

/* How long a worker may stay idle between sandbox_idle() calls. */
#define SANDBOX_IDLE_MS 4000

/* Whether the calling thread could not leave a box's namespace: it then
 * opens no box again (box_open() fails) and should take no more jobs. */
bool sandbox_thread_stuck(void);

/* Frees what sandbox_idle() and box_run() keep for the calling thread:
 * at its end. */
void sandbox_thread_end(void);

/*
 * Runs @fn(@arg) on a new thread and waits for it.  A thread may join its
 * slot's cgroup (v1) for good; one-shot commands run their boxes this way
 * so the group is empty, and removable, once the thread is gone.
 */
int sandbox_on_thread(void (*fn)(void *), void *arg);

void stage_outcome_init(struct stage_outcome *o, size_t out_max);
void stage_outcome_free(struct stage_outcome *o);

#endif
