/*
 * sandbox.c - the parent side of the sandbox: the shared environment,
 * opening a box, running its stages, closing it.
 *
 * Theory of operation.  A worker thread calls box_open(): it creates the
 * control socket and the box's cgroup, prepares the immutable plan, and
 * clone3()s the box's init process (sandbox_child.c) into new namespaces
 * with a pidfd: on cgroup v2 straight into the box's own group, on v1 into
 * the worker slot's group (a one-shot command's own groups), which the
 * worker thread joined once (see slot_cgroup()).  It then writes the
 * uid/gid maps, says REQ_GO and waits for MSG_READY.  box_run() creates
 * the stage's stdout/stderr pipes, sets the stage's cgroup limits, sends
 * REQ_RUN with the fds, and waits in poll() on the pipes, the control
 * socket (MSG_DONE, or EOF when the init died) and the shutdown eventfd
 * until the stage is done and both pipes are at EOF, enforcing the wall
 * deadline, the CPU budget (cgroup usage) and the output budget.  A breach ends the stage: BOX_STOP_SIGNAL through
 * the pidfd makes the init kill every other process of the box and report
 * MSG_DONE, so the box lives on for the job's next stage (its next test).
 * Should the init not answer, or the sandbox fail, the whole box is
 * killed: SIGKILL to its init makes the kernel kill every process of the
 * PID namespace, and cgroup.kill (v2) covers the cgroup.  box_close()
 * kills, reaps through the pidfd and removes the cgroup, so no process of
 * the job outlives it.
 *
 * The parent owns every fd it creates; the init process closes its copies
 * of everything except its end of the socket and the bundle, and keeps
 * the Landlock ruleset it builds for its stages.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/limits.h>
#include <linux/sched.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "compat.h"
#include "fsutil.h"
#include "mnt_template.h"
#include "netns_spare.h"
#include "sandbox.h"
#include "sandbox_landlock.h"
#include "sandbox_plan.h"
#include "sandbox_seccomp.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define OPEN_TIMEOUT_MS 10000	/* box set-up: mounts and the bundle */
#define DRAIN_TIMEOUT_MS 2000	/* pipes after the stage's processes died */
#define CPU_POLL_MS 100

struct sandbox_env {
	bool root_mode;
	uid_t uid_base;
	int cap_last_cap;
	uint64_t sig_ignored;	/* see ignored_signals() */
	int devnull;		/* stdin of stages that have none */
	int host_net;		/* root mode: our network namespace, for spares */
	int host_mnt;		/* root mode: our mount namespace, for templates */
	struct sock_fprog seccomp;
	bool have_seccomp;
	struct landlock_plan landlock;
	struct cg_env *cg;
	unsigned gen;		/* tells envs apart for the threads' slot memo */
	pthread_mutex_t slot_lock;
	struct cg_box *slot_cg[SANDBOX_MAX_SLOTS];	/* v1: one group per slot */
	bool one_slot;		/* sandbox_env_one_slot(): v1 slot 0 is the parent */
	unsigned one_uid;	/* and, as root, its boxes' host uid */
	int uid_lock;		/* /run/cylo/uids.lock, holding our uids, or -1 */
	int cancel_fd;		/* eventfd, readable once sandbox_cancel_all() ran */
	atomic_bool cancelled;
};

struct box {
	struct sandbox_env *env;
	struct box_plan plan;
	struct cg_box *cg;
	pid_t pid;
	int pidfd;
	int ctl;		/* our end of the control socket */
	bool dead;		/* killed: no further stage can run */
	uint32_t runs;		/* REQ_RUNs sent: the seq of the latest */
	bool shared_cg;		/* cg is the slot's (v1), not the box's own */
	const char *stuck;	/* the namespace the thread could not leave */
	struct box_timing timing;
	int64_t t_cloned;
	char work_opts[96], tmp_opts[96], shm_opts[96];
	long work_mb;		/* /work's size */
	long tmpfs_mb;		/* /work, /tmp and /dev/shm together */
};

static atomic_uint box_seq, env_seq;


/* The slot whose v1 group this thread has joined (see slot_cgroup()). */
static __thread unsigned tls_env_gen;
static __thread int tls_slot = -1;

/* strerror for worker threads (strerror() is not thread-safe). */
static const char *es(int neg)
{
	static __thread char buf[96];

	return strerror_r(-neg, buf, sizeof(buf));
}

const char *box_step_name(enum box_step s)
{
	static const char *const names[] = {
		[STEP_NONE] = "sandbox",
		[STEP_START] = "sandbox start-up (fds)",
		[STEP_USERNS] = "user namespace (ids, groups, nested namespaces)",
		[STEP_MOUNT_PRIVATE] = "mount namespace (private propagation)",
		[STEP_MOUNT_ROOT] = "mount namespace (root tmpfs)",
		[STEP_MOUNT_RO] = "mount namespace (read-only bind)",
		[STEP_MOUNT_ETC] = "mount namespace (/etc)",
		[STEP_MOUNT_PROC] = "mount namespace (/proc)",
		[STEP_MOUNT_DEV] = "mount namespace (/dev)",
		[STEP_MOUNT_TMP] = "mount namespace (/tmp)",
		[STEP_MOUNT_WORK] = "mount namespace (/work and the job's files)",
		[STEP_UNPACK] = "job files",
		[STEP_PIVOT] = "mount namespace (pivot_root)",
		[STEP_STAGE_FDS] = "stage start-up (fds, session, signals)",
		[STEP_RLIMITS] = "rlimits",
		[STEP_CAPS] = "capabilities",
		[STEP_NO_NEW_PRIVS] = "no_new_privs",
		[STEP_LANDLOCK] = "landlock",
		[STEP_SECCOMP] = "seccomp",
		[STEP_EXEC] = "exec",
	};

	if ((unsigned)s < sizeof(names) / sizeof(names[0]) && names[s])
		return names[s];
	return "sandbox";
}

/* ---- the environment ---------------------------------------------- */

/*
 * The signals this process ignores (bit s - 1 for signal s): boxes inherit
 * them, and exec keeps them, so each stage resets these.  Learnt once:
 * dispositions are set before the sandbox (the daemon ignores SIGPIPE
 * first) and never change after.  A signal that cannot be asked about
 * counts as ignored, so that it is reset all the same.
 */
static uint64_t ignored_signals(void)
{
	struct k_sigaction old;
	uint64_t set = 0;

	for (int s = 1; s <= 64; s++)
		if (s != SIGKILL && s != SIGSTOP &&
		    (syscall(SYS_rt_sigaction, s, NULL, &old, sizeof(uint64_t)) < 0 ||
		     old.handler == SIG_IGN))
			set |= 1ULL << (s - 1);
	return set;
}

static int read_cap_last_cap(void)
{
	long v;

	/* Unreadable: drop every bit the kernel could know. */
	if (read_long_file("/proc/sys/kernel/cap_last_cap", 1, 63, &v) < 0)
		return 63;
	return (int)v;
}

static int env_layers(struct sandbox_env *env, const struct sandbox_conf *conf,
		      char *err, size_t errlen)
{
	char why[256];
	int abi, e;

	abi = landlock_abi();
	if (abi < 0 && conf->require_landlock) {
		snprintf(err, errlen, "landlock: not available (%s); boot with "
			 "lsm=...,landlock or set sandbox { require_landlock = false }",
			 abi == -EOPNOTSUPP ? "disabled at boot" : "kernel without Landlock");
		return abi;
	}
	landlock_plan_init(&env->landlock, abi < 0 ? 0 : abi);
	e = seccomp_build(&env->seccomp, why, sizeof(why));
	if (e < 0 && conf->require_seccomp) {
		snprintf(err, errlen, "seccomp: %s", why);
		return e;
	}
	env->have_seccomp = e == 0;
	e = cg_env_detect(conf->cgroups, conf->cgroup_root, &env->cg, why, sizeof(why));
	/* A kind or a root that was asked for is used or refused, never passed over. */
	if (e < 0 && (conf->require_cgroups || conf->cgroups != CGROUP_AUTO ||
		      conf->cgroup_root)) {
		snprintf(err, errlen, "cgroups: %s", why);
		return e;
	}
	if (e < 0)
		env->cg = NULL;
	if (conf->require_cgroups && (!env->cg || cg_env_kind(env->cg) == CG_NONE)) {
		snprintf(err, errlen, "cgroups: required but none is usable; %s", why);
		return -ENOTSUP;
	}
	return 0;
}

int sandbox_env_init(const struct sandbox_conf *conf, struct sandbox_env **out,
		     char *err, size_t errlen)
{
	struct sandbox_env *env = calloc(1, sizeof(*env));
	int e;

	if (!env) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	env->devnull = env->cancel_fd = env->host_net = env->host_mnt = env->uid_lock = -1;
	env->gen = atomic_fetch_add(&env_seq, 1) + 1;
	pthread_mutex_init(&env->slot_lock, NULL);
	env->root_mode = geteuid() == 0;
	env->uid_base = conf->uid_base;
	env->cap_last_cap = read_cap_last_cap();
	env->sig_ignored = ignored_signals();
	env->devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	env->cancel_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (env->root_mode) {
		env->host_net = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		env->host_mnt = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	}
	if (env->devnull < 0 || env->cancel_fd < 0 ||
	    (env->root_mode && (env->host_net < 0 || env->host_mnt < 0))) {
		e = -errno;
		snprintf(err, errlen, "cannot open /dev/null, an eventfd, "
			 "/proc/self/ns/net or /proc/self/ns/mnt");
		sandbox_env_free(env);
		return e;
	}
	if ((e = env_layers(env, conf, err, errlen)) < 0) {
		sandbox_env_free(env);
		return e;
	}
	*out = env;
	return 0;
}

/*
 * Host uids in use by a box are locked in one file, /run/cylo/uids.lock:
 * one byte at offset uid, an open file description lock (F_OFD_SETLK),
 * so a daemon's slots take one range and a command one byte, on one fd
 * each, dropped by the kernel when the process dies.  Opens the file into
 * env->uid_lock.
 */
static int open_uid_locks(struct sandbox_env *env)
{
	int dfd, fd, e;

	if (env->uid_lock >= 0)
		return 0;
	if (mkdir("/run/cylo", 0700) < 0 && errno != EEXIST)
		return -errno;
	if ((dfd = open("/run/cylo", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -errno;
	fd = openat(dfd, "uids.lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	e = fd < 0 ? -errno : 0;
	close(dfd);
	env->uid_lock = fd;
	return e;
}

/* Locks host uids [@uid, @uid + @n): 0, -EAGAIN if one is held, or -errno. */
static int lock_uids(int fd, unsigned uid, unsigned n)
{
	struct flock l = { .l_type = F_WRLCK, .l_whence = SEEK_SET,
			   .l_start = (off_t)uid, .l_len = (off_t)n };

	if (fcntl(fd, F_OFD_SETLK, &l) == 0)
		return 0;
	return errno == EAGAIN || errno == EACCES ? -EAGAIN : -errno;
}

/* The lowest uid of [@uid, @uid + @n) another process holds, or @uid
 * (F_OFD_GETLK reports a conflicting lock, not the lowest). */
static unsigned held_uid(int fd, unsigned uid, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		struct flock l = { .l_type = F_WRLCK, .l_whence = SEEK_SET,
				   .l_start = (off_t)(uid + k), .l_len = 1 };

		if (fcntl(fd, F_OFD_GETLK, &l) == 0 && l.l_type != F_UNLCK)
			return uid + k;
	}
	return uid;
}

/* Takes the first host uid from uid_base + @first up that no other
 * process holds, kept until the env is freed. */
static int reserve_uid(struct sandbox_env *env, int first, char *err, size_t errlen)
{
	int e = open_uid_locks(env);

	if (e == 0)
		e = -EAGAIN;
	for (int k = first; k < SANDBOX_MAX_SLOTS && e == -EAGAIN; k++) {
		unsigned uid = (unsigned)env->uid_base + (unsigned)k;

		if ((e = lock_uids(env->uid_lock, uid, 1)) == 0)
			env->one_uid = uid;
	}
	if (e < 0)
		snprintf(err, errlen, "user namespace: cannot reserve a host uid for this "
			 "command in /run/cylo/uids.lock: %s", es(e));
	return e;
}

int sandbox_env_one_slot(struct sandbox_env *env, int workers, char *err, size_t errlen)
{
	env->one_slot = true;
	return env->root_mode ? reserve_uid(env, workers > 0 ? workers : 1, err, errlen) : 0;
}

int sandbox_env_slots(struct sandbox_env *env, int workers, char *err, size_t errlen)
{
	unsigned base = (unsigned)env->uid_base, n = (unsigned)workers;
	int e;

	if (!env->root_mode)
		return 0;
	if ((e = open_uid_locks(env)) == 0)
		e = lock_uids(env->uid_lock, base, n);
	if (e == -EAGAIN)
		snprintf(err, errlen, "user namespace: host uid %u (uid_base %u + a worker "
			 "slot) is in use by another cylo, a daemon or a command (daemons need "
			 "uid_bases 1024 apart)", held_uid(env->uid_lock, base, n), base);
	else if (e < 0)
		snprintf(err, errlen, "user namespace: cannot reserve the worker slots' "
			 "host uids in /run/cylo/uids.lock: %s", es(e));
	return e;
}

void sandbox_env_free(struct sandbox_env *env)
{
	if (!env)
		return;
	if (env->have_seccomp)
		seccomp_free(&env->seccomp);
	for (int i = 0; i < SANDBOX_MAX_SLOTS; i++)
		if (env->slot_cg[i])
			cg_box_destroy(env->slot_cg[i]);
	if (env->cg)
		cg_env_free(env->cg);
	pthread_mutex_destroy(&env->slot_lock);
	if (env->devnull >= 0)
		close(env->devnull);
	if (env->cancel_fd >= 0)
		close(env->cancel_fd);
	if (env->host_net >= 0)
		close(env->host_net);
	if (env->host_mnt >= 0)
		close(env->host_mnt);
	if (env->uid_lock >= 0)
		close(env->uid_lock);
	free(env);
}

void sandbox_env_caps(const struct sandbox_env *env, struct sandbox_caps *c)
{
	c->landlock_abi = env->landlock.abi > 0 ? env->landlock.abi : landlock_abi();
	c->seccomp = env->have_seccomp;
	c->limits_by = cg_kind_name(env->cg ? cg_env_kind(env->cg) : CG_NONE);
	c->root_mode = env->root_mode;
}

static bool use_cgroup(const struct sandbox_env *env)
{
	return env->cg && cg_env_kind(env->cg) != CG_NONE;
}

/* ---- opening a box ------------------------------------------------ */

static int write_proc(pid_t pid, const char *file, const char *text)
{
	char path[64];
	int fd, e = 0;
	size_t n = strlen(text);
	ssize_t wr;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	wr = write(fd, text, n);
	if (wr != (ssize_t)n)
		e = wr < 0 ? -errno : -EIO;
	if (close(fd) < 0 && e == 0)
		e = -errno;
	return e;
}

/* One host id mapped to BOX_UID/BOX_GID; host root is never mapped. */
static int write_maps(const struct box *b, int slot)
{
	char map[64];
	unsigned uid, gid;
	int e;

	if (b->env->root_mode) {
		uid = gid = b->env->one_slot ? b->env->one_uid
					     : (unsigned)b->env->uid_base + (unsigned)slot;
	} else {
		uid = (unsigned)geteuid();
		gid = (unsigned)getegid();
		if ((e = write_proc(b->pid, "setgroups", "deny")) < 0)
			return e;
	}
	snprintf(map, sizeof(map), "%d %u 1\n", BOX_UID, uid);
	if ((e = write_proc(b->pid, "uid_map", map)) < 0)
		return e;
	snprintf(map, sizeof(map), "%d %u 1\n", BOX_GID, gid);
	return write_proc(b->pid, "gid_map", map);
}

/* Files and directories /work holds: 64 a MiB, and some for a tiny one. */
static long work_inodes(long workspace_mb)
{
	return workspace_mb * 64 + 256;
}

static void plan_init(struct box *b, const struct box_spec *spec,
		      const struct stage_spec *stages, size_t nstages, int child_ctl)
{
	struct box_plan *p = &b->plan;
	long inodes = work_inodes(spec->workspace_mb);

	snprintf(b->work_opts, sizeof(b->work_opts),
		 "size=%ldm,nr_inodes=%ld,mode=0755,uid=%d,gid=%d",
		 spec->workspace_mb, inodes, BOX_UID, BOX_GID);
	b->work_mb = spec->workspace_mb;
	b->tmpfs_mb = spec->workspace_mb + 2 * spec->tmp_mb;
	snprintf(b->tmp_opts, sizeof(b->tmp_opts), "size=%ldm,nr_inodes=%ld,mode=1777",
		 spec->tmp_mb, spec->tmp_mb * 64 + 256);
	snprintf(b->shm_opts, sizeof(b->shm_opts), "size=%ldm,nr_inodes=%ld,mode=1777",
		 spec->tmp_mb, spec->tmp_mb * 16 + 64);
	p->root_mode = b->env->root_mode;
	p->ro_paths = spec->ro_paths;
	p->work_opts = b->work_opts;
	p->tmp_opts = b->tmp_opts;
	p->shm_opts = b->shm_opts;
	p->ctl_fd = child_ctl;
	p->bundle_fd = spec->bundle_fd;
	p->stages = stages;
	p->nstages = nstages;
	p->rlimit_memory = !use_cgroup(b->env);
	p->seccomp = b->env->have_seccomp ? &b->env->seccomp : NULL;
	p->landlock = &b->env->landlock;
	p->cap_last_cap = b->env->cap_last_cap;
	p->sig_ignored = b->env->sig_ignored;
	p->stop_key = (uint32_t)random_u64();
}

/*
 * Set when this thread could not return from a box's network namespace
 * or a template's mount namespace: it then opens no box again, since it
 * would clone the next one from the wrong place.
 */
static __thread const char *thread_stuck;

static int do_clone(struct box *b)
{
	struct clone_args a = {
		.flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET |
			 CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP | CLONE_PIDFD,
		.pidfd = (uint64_t)(uintptr_t)&b->pidfd,
		.exit_signal = SIGCHLD,
	};
	int cgfd = b->cg ? cg_box_dirfd(b->cg) : -1;
	bool spare = b->env->host_net >= 0 && netns_spare_enter();
	long pid;
	int e, le;

	/* The child copies the namespace we stand in: the template's. */
	b->plan.in_template = b->env->host_mnt >= 0 &&
			      mnt_template_enter(b->plan.ro_paths);

	if (cgfd >= 0) {	/* v2: born inside its cgroup, no race */
		a.flags |= CLONE_INTO_CGROUP;
		a.cgroup = (uint64_t)cgfd;
	}
	if (spare)		/* the child inherits the spare we stand in */
		a.flags &= ~(uint64_t)CLONE_NEWNET;
	pid = syscall(SYS_clone3, &a, sizeof(a));
	if (pid == 0)
		box_child_main(&b->plan);
	e = pid < 0 ? -errno : 0;
	if (pid > 0)
		b->pid = (pid_t)pid;
	if (spare && (le = netns_spare_leave(b->env->host_net)) < 0) {
		thread_stuck = b->stuck = "network";
		e = le;
	}
	if (b->plan.in_template && (le = mnt_template_leave(b->env->host_mnt)) < 0) {
		thread_stuck = b->stuck = "mount";
		e = le;
	}
	return e;
}

/* Waits for one message from the init process, up to @ms.  0 or -errno. */
static int recv_msg(struct box *b, struct box_msg *m, int ms)
{
	struct pollfd pfd = { .fd = b->ctl, .events = POLLIN };
	ssize_t n;
	int r;

	do
		r = poll(&pfd, 1, ms);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	if (r == 0)
		return -ETIMEDOUT;
	n = recv(b->ctl, m, sizeof(*m), 0);
	if (n < 0)
		return -errno;
	return n == sizeof(*m) ? 0 : -EPIPE;	/* EOF: init died */
}

static void fail_reason(const struct box *b, const struct box_msg *m,
			char *err, size_t errlen)
{
	const char *what = box_step_name((enum box_step)m->step);
	if (m->step == STEP_MOUNT_RO && m->arg >= 0)
		snprintf(err, errlen, "%s %s: %s", what, b->plan.ro_paths[m->arg], es(m->err));
	else if (m->step == STEP_USERNS && m->err == -EPERM)
		snprintf(err, errlen, "%s: %s (are unprivileged user namespaces "
			 "allowed? sysctl kernel.unprivileged_userns_clone=1)", what, es(m->err));
	else
		snprintf(err, errlen, "%s: %s", what, es(m->err));
}

static int start_box(struct box *b, int slot, char *err, size_t errlen)
{
	struct box_req go = { .op = REQ_GO };
	struct box_msg m;
	int e;

	if (b->cg && !b->shared_cg && cg_box_dirfd(b->cg) < 0 &&
	    (e = cg_box_attach(b->cg, b->pid)) < 0) {
		snprintf(err, errlen, "cgroups: cannot attach the box: %s", es(e));
		return e;
	}
	if ((e = write_maps(b, slot)) < 0) {
		snprintf(err, errlen, "user namespace: cannot write the id maps: %s",
			 es(e));
		return e;
	}
	if (send(b->ctl, &go, sizeof(go), MSG_NOSIGNAL) != sizeof(go)) {
		snprintf(err, errlen, "sandbox: the box's init died at start");
		return -EPIPE;
	}
	if ((e = recv_msg(b, &m, OPEN_TIMEOUT_MS)) < 0) {
		snprintf(err, errlen, "sandbox: no answer from the box's init (%s)",
			 es(e));
		return e;
	}
	if (m.kind == MSG_FAIL && m.step == STEP_UNPACK &&
	    (m.err == -ENOSPC || m.err == -EDQUOT)) {
		snprintf(err, errlen, "workspace: the job's files do not fit its %ld MiB "
			 "(each file takes whole 4 KiB pages; %ld files and directories "
			 "at most)", b->work_mb, work_inodes(b->work_mb));
		return -EDQUOT;
	}
	if (m.kind == MSG_FAIL) {
		fail_reason(b, &m, err, errlen);
		return m.err < 0 ? m.err : -EIO;
	}
	if (m.kind != MSG_READY)
		return -EPROTO;
	b->timing.ids = (double)(m.t[0] - b->t_cloned) / 1e6;
	b->timing.mounts = (double)(m.t[1] - m.t[0]) / 1e6;
	b->timing.landlock = (double)(m.t[2] - m.t[1]) / 1e6;
	b->timing.seccomp = (double)(m.t[3] - m.t[2]) / 1e6;
	return 0;
}

/*
 * cgroup v1: moving a process between groups waits for an RCU grace period
 * (milliseconds per hierarchy), so instead of a group per job each worker
 * slot has one group that its thread joins once; the boxes it clones are
 * born inside.  The group outlives the box: every process of a box is gone
 * once its init is reaped, and the peak and OOM counters are read per
 * stage.  A one-shot command's slot 0 is its parent groups themselves
 * (sandbox_env_one_slot()).  v2 needs none of this: CLONE_INTO_CGROUP, a
 * group per box.
 */
static int slot_cgroup(struct box *b, int slot, char *err, size_t errlen)
{
	struct sandbox_env *env = b->env;
	char name[32];
	int e = 0;

	if (slot < 0 || slot >= SANDBOX_MAX_SLOTS)
		return -EINVAL;
	pthread_mutex_lock(&env->slot_lock);
	if (!env->slot_cg[slot]) {
		snprintf(name, sizeof(name), "slot-%d", slot);
		e = env->one_slot && slot == 0 ? cg_box_parent(env->cg, &env->slot_cg[slot])
					       : cg_box_create(env->cg, name, &env->slot_cg[slot]);
		if (e < 0)
			env->slot_cg[slot] = NULL;
	}
	pthread_mutex_unlock(&env->slot_lock);
	if (e == 0 && (tls_env_gen != env->gen || tls_slot != slot)) {
		e = cg_box_join_thread(env->slot_cg[slot]);
		if (e == 0) {
			tls_env_gen = env->gen;
			tls_slot = slot;
		}
	}
	if (e < 0) {
		snprintf(err, errlen, "cgroups: cannot prepare slot %d's group: %s", slot, es(e));
		return e;
	}
	b->cg = env->slot_cg[slot];
	b->shared_cg = true;
	return 0;
}

static int box_cgroup(struct box *b, int slot, char *err, size_t errlen)
{
	char name[48];
	int e;

	if (!use_cgroup(b->env))
		return 0;
	if (cg_env_kind(b->env->cg) == CG_V1)
		return slot_cgroup(b, slot, err, errlen);
	snprintf(name, sizeof(name), "box-%d-%u", (int)getpid(),
		 atomic_fetch_add(&box_seq, 1));
	if ((e = cg_box_create(b->env->cg, name, &b->cg)) < 0) {
		snprintf(err, errlen, "cgroups: cannot create the job's group: %s", es(e));
		b->cg = NULL;
	}
	return e;
}

int box_open(struct sandbox_env *env, const struct box_spec *spec,
	     const struct stage_spec *stages, size_t nstages, struct box **out,
	     char *err, size_t errlen)
{
	struct box *b;
	int sv[2], e;

	if (atomic_load(&env->cancelled)) {	/* sandbox_cancel_all() ran */
		snprintf(err, errlen, "sandbox: cancelled");
		return -ECANCELED;
	}
	if (!(b = calloc(1, sizeof(*b))))
		return -ENOMEM;
	int64_t t0 = now_mono_ns();

	b->env = env;
	b->pidfd = b->ctl = -1;
	if (thread_stuck) {
		e = -ENOTRECOVERABLE;
		snprintf(err, errlen, "namespaces: this worker could not leave a box's "
			 "%s namespace earlier and opens no more boxes; restart cylo",
			 thread_stuck);
		goto out;
	}
	if ((e = box_cgroup(b, spec->slot, err, errlen)) < 0)
		goto out;
	b->timing.cgroup = (double)(now_mono_ns() - t0) / 1e6;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		e = -errno;
		snprintf(err, errlen, "sandbox: socketpair: %s", es(e));
		goto out;
	}
	b->ctl = sv[0];
	plan_init(b, spec, stages, nstages, sv[1]);
	t0 = now_mono_ns();
	e = do_clone(b);
	b->t_cloned = now_mono_ns();
	b->timing.clone = (double)(b->t_cloned - t0) / 1e6;
	close(sv[1]);
	if (e < 0 && b->stuck) {
		snprintf(err, errlen, "namespaces: cannot leave the box's %s "
			 "namespace after clone3: %s", b->stuck, es(e));
		goto out;
	}
	if (e < 0) {
		snprintf(err, errlen, "namespaces: clone3 failed: %s%s", es(e),
			 e == -EPERM || e == -ENOSPC ? " (are user namespaces allowed? "
			 "sysctl user.max_user_namespaces, kernel.unprivileged_userns_clone)" : "");
		goto out;
	}
	e = start_box(b, spec->slot, err, errlen);
out:
	if (e < 0) {
		box_close(b);
		return e;
	}
	*out = b;
	return 0;
}

/* ---- running a stage ---------------------------------------------- */

void stage_outcome_init(struct stage_outcome *o, size_t out_max)
{
	memset(o, 0, sizeof(*o));
	o->exit_code = -1;
	o->memory_kb = -1;
	dynbuf_init(&o->out, out_max);
	dynbuf_init(&o->err, out_max);
}

void stage_outcome_free(struct stage_outcome *o)
{
	dynbuf_free(&o->out);
	dynbuf_free(&o->err);
}

static void kill_box(struct box *b)
{
	if (b->dead)
		return;
	b->dead = true;
	if (b->pidfd >= 0)
		syscall(SYS_pidfd_send_signal, b->pidfd, SIGKILL, NULL, 0);
	/* A v1 slot group also holds the worker thread: there the PID
	 * namespace is the kill switch (its init's death kills the rest). */
	if (b->cg && !b->shared_cg)
		cg_box_kill(b->cg);
}

static int send_run(struct box *b, uint32_t stage, const int fds[STAGE_FDS])
{
	char cbuf[CMSG_SPACE(STAGE_FDS * sizeof(int))];
	struct box_req r = { .op = REQ_RUN, .stage = stage, .seq = ++b->runs };
	struct iovec iov = { .iov_base = &r, .iov_len = sizeof(r) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

	memset(cbuf, 0, sizeof(cbuf));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(STAGE_FDS * sizeof(int));
	memcpy(CMSG_DATA(c), fds, STAGE_FDS * sizeof(int));
	return sendmsg(b->ctl, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/* State of one stage's wait loop. */
struct waiter {
	struct box *b;
	const struct stage_spec *s;
	struct stage_outcome *o;
	int pipes[2];		/* read ends, -1 at EOF */
	bool done;		/* MSG_DONE seen */
	bool stopping;		/* stop_stage() asked the init to end the stage */
	int64_t start, deadline, drain_until;
	int64_t t_stage[4], t_done;	/* MSG_TIMING stamps; MSG_DONE seen */
	long long cpu_base_us;
	long long self_base_us;	/* this thread's CPU at the start (own_cpu_us()) */
};

/*
 * This thread's CPU time (µs), on v1 only: there the worker thread sits in
 * its slot's group (slot_cgroup()), so the group's CPU counter also
 * counts its own work while a stage runs (reading the pipes, about 1 ms a
 * MiB of output), which is not the job's.  0 elsewhere.
 */
static long long own_cpu_us(const struct box *b)
{
	struct timespec ts;

	if (!b->shared_cg || clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) < 0)
		return 0;
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The stage's CPU so far from group stats @st, less our own. */
static long long stage_cpu_us(const struct waiter *w, const struct cg_stats *st)
{
	long long us = st->cpu_usec - w->cpu_base_us - (own_cpu_us(w->b) - w->self_base_us);

	return us > 0 ? us : 0;
}

#define PUMP_BYTES 65536

/*
 * Ends the stage at a limit and keeps the box: the init's stop handler
 * kills every other process of the box, then the init reports MSG_DONE as
 * for any stage.  The signal names the run it is meant for (the seq of
 * its REQ_RUN), so one that reaches the init before the run's stage
 * exists still ends it, and a late one never ends the next.  If MSG_DONE
 * does not come within DRAIN_TIMEOUT_MS, the deadline kills the box.
 */
static void stop_stage(struct waiter *w)
{
	siginfo_t si;

	if (w->stopping)
		return;
	w->stopping = true;
	/* set even for a box killed already (cancelled): the past deadline
	 * would make wait_stage() poll without waiting until the init's EOF */
	w->deadline = now_mono_ns() + (int64_t)DRAIN_TIMEOUT_MS * 1000000;
	if (w->b->dead)
		return;
	memset(&si, 0, sizeof(si));
	si.si_signo = BOX_STOP_SIGNAL;
	si.si_code = SI_QUEUE;
	si.si_pid = getpid();
	si.si_uid = getuid();
	/* the box's key above the run's seq (see sandbox_child.c, on_stop()) */
	si.si_value.sival_ptr = (void *)(uintptr_t)((uint64_t)w->b->plan.stop_key << 32 |
						    w->b->runs);
	if (syscall(SYS_pidfd_send_signal, w->b->pidfd, BOX_STOP_SIGNAL, &si, 0) < 0)
		kill_box(w->b);
}

/*
 * The pipes' read buffer, one per thread, mapped once and left out of the
 * boxes' copies of our memory (MADV_DONTFORK).  On the stack, its 16
 * pages, which the compiler probes one by one, were write-protected by
 * every clone of a box and cost 16 copy-on-write faults per stage.
 */
static __thread char *pump_buf;

static char *pump_buffer(void)
{
	void *p;

	if (pump_buf)
		return pump_buf;
	p = mmap(NULL, PUMP_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (madvise(p, PUMP_BYTES, MADV_DONTFORK) < 0) {
		munmap(p, PUMP_BYTES);
		return NULL;
	}
	return pump_buf = p;
}

/* Reads what a pipe has; ends the stage when a stream is over budget
 * (with a drain_max, once both streams gave that much). */
static void pump(struct waiter *w, int k)
{
	char small[512], *buf = pump_buffer();
	size_t len = buf ? PUMP_BYTES : sizeof(small);
	struct dynbuf *d = k == 0 ? &w->o->out : &w->o->err;
	ssize_t n;

	if (!buf)
		buf = small;	/* out of memory: slower, still correct */
	n = read(w->pipes[k], buf, len);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		close(w->pipes[k]);
		w->pipes[k] = -1;
		return;
	}
	w->o->read_bytes += (size_t)n;
	if (dynbuf_add(d, buf, (size_t)n) < 0 ||
	    (d->truncated && w->o->read_bytes > w->o->drain_max)) {
		if (!w->o->output_exceeded && !w->b->dead)
			w->o->output_exceeded = true;
		stop_stage(w);
	}
}

static void on_msg(struct waiter *w)
{
	struct box_msg m;
	ssize_t n = recv(w->b->ctl, &m, sizeof(m), MSG_DONTWAIT);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n != sizeof(m)) {	/* init is gone: killed, or OOM */
		w->done = true;
		w->b->dead = true;
		return;
	}
	if (m.kind == MSG_FAIL && !w->o->error) {
		w->o->error = m.err < 0 ? m.err : -EIO;
		fail_reason(w->b, &m, w->o->reason, sizeof(w->o->reason));
	} else if (m.kind == MSG_TIMING) {
		memcpy(w->t_stage, m.t, sizeof(w->t_stage));
	} else if (m.kind == MSG_DONE) {
		w->done = true;
		w->t_done = now_mono_ns();
		if (WIFEXITED(m.status))
			w->o->exit_code = WEXITSTATUS(m.status);
		else if (WIFSIGNALED(m.status))
			w->o->signal = WTERMSIG(m.status);
		w->o->cpu_ms = (double)(m.utime_us + m.stime_us) / 1000.0;
		w->o->memory_kb = m.maxrss_kb;
	}
}

static bool cpu_over(struct waiter *w)
{
	struct cg_stats st;

	if (!w->b->cg || w->s->cpu_time <= 0 || cg_box_stats(w->b->cg, &st) < 0)
		return false;
	return (double)stage_cpu_us(w, &st) > w->s->cpu_time * 1e6;
}

static int poll_ms(struct waiter *w, int64_t now)
{
	int64_t until = w->done ? w->drain_until : w->deadline;
	int64_t ms = (until - now) / 1000000 + 1;

	if (!w->done && w->b->cg && w->s->cpu_time > 0 && ms > CPU_POLL_MS)
		ms = CPU_POLL_MS;
	return ms < 0 ? 0 : (int)ms;
}

static void wait_stage(struct waiter *w)
{
	while (!w->done || w->pipes[0] >= 0 || w->pipes[1] >= 0) {
		struct pollfd pfd[4] = {
			{ .fd = w->pipes[0], .events = POLLIN },
			{ .fd = w->pipes[1], .events = POLLIN },
			{ .fd = w->done ? -1 : w->b->ctl, .events = POLLIN },
			{ .fd = w->b->dead ? -1 : w->b->env->cancel_fd, .events = POLLIN },
		};
		int64_t now = now_mono_ns();
		int r;

		if (!w->done && now >= w->deadline) {
			if (w->stopping) {	/* the init did not end it */
				kill_box(w->b);
				w->deadline = now + (int64_t)DRAIN_TIMEOUT_MS * 1000000;
			} else {
				w->o->timed_out = true;
				stop_stage(w);	/* which sets the next deadline */
			}
		} else if (w->done && now >= w->drain_until) {
			kill_box(w->b);	/* a pipe held open past the stage's end */
			break;
		}
		r = poll(pfd, 4, poll_ms(w, now));
		if (r < 0 && errno != EINTR) {	/* cannot watch it: end it */
			if (!w->o->error) {
				w->o->error = -errno;
				snprintf(w->o->reason, sizeof(w->o->reason),
					 "sandbox: poll: %s", es(w->o->error));
			}
			kill_box(w->b);
			break;
		}
		if (r > 0 && pfd[3].revents) {	/* shutdown: the job reruns later */
			w->o->error = -ECANCELED;
			snprintf(w->o->reason, sizeof(w->o->reason), "sandbox: cancelled");
			kill_box(w->b);
		}
		for (int k = 0; k < 2 && r > 0; k++)
			if (pfd[k].revents)
				pump(w, k);
		if (r > 0 && pfd[2].revents)
			on_msg(w);
		if (w->done && !w->drain_until)
			w->drain_until = now_mono_ns() + (int64_t)DRAIN_TIMEOUT_MS * 1000000;
		if (!w->done && !w->o->timed_out && cpu_over(w)) {
			w->o->timed_out = true;
			stop_stage(w);
		}
	}
}

static double ms_between(int64_t a, int64_t b)
{
	return a && b && b >= a ? (double)(b - a) / 1e6 : 0;
}

static void stage_timing(struct waiter *w, int64_t end)
{
	struct stage_timing *t = &w->o->timing;

	t->setup = ms_between(w->start, w->t_stage[1]);
	/* The ruleset is built and the filter installed once per box, by its
	 * init: each stage shows that share, plus applying the ruleset. */
	t->landlock = w->b->timing.landlock + ms_between(w->t_stage[1], w->t_stage[2]);
	t->seccomp = w->b->timing.seccomp + ms_between(w->t_stage[2], w->t_stage[3]);
	t->run = ms_between(w->t_stage[3], w->t_done);
	t->drain = ms_between(w->t_done, end);
}

/* collect()'s share from the box's group: peak memory, CPU, OOM kills. */
static void collect_cgroup(struct waiter *w, const struct cg_stats *st,
			   const struct cg_stats *before)
{
	/* What the stage added over what the group held when it started: a
	 * reused v1 slot group (and a box after its compile stage) already
	 * holds page cache and files that are not this stage's doing.  Never
	 * below the largest RSS the box's init saw. */
	if (st->peak_kb >= 0) {
		long long used = st->peak_kb - (before->usage_kb > 0 ? before->usage_kb : 0);
		if (used > w->o->memory_kb)
			w->o->memory_kb = (long)used;
	}
	/* The RSS counts shared library pages charged to other groups: it
	 * went over the limit the group held the stage to. */
	if (w->s->memory_mb > 0 && w->o->memory_kb > w->s->memory_mb * 1024)
		w->o->memory_kb = w->s->memory_mb * 1024;
	/* -1: no CPU accounting (v1 without cpuacct); keep init's rusage. */
	if (st->cpu_usec >= 0 && before->cpu_usec >= 0 && st->cpu_usec >= before->cpu_usec)
		w->o->cpu_ms = (double)stage_cpu_us(w, st) / 1000.0;
	if (st->oom_kills > before->oom_kills)
		w->o->memory_exceeded = true;
}

static void collect(struct box *b, struct waiter *w, const struct cg_stats *before)
{
	struct cg_stats st;
	int64_t end = now_mono_ns();

	w->o->wall_ms = (double)(end - w->start) / 1e6;
	stage_timing(w, end);
	/* RLIMIT_CPU counts per process: a multi-threaded stage gets SIGXCPU
	 * (then SIGKILL) at its CPU limit, which is a timeout, not a crash. */
	if (w->s->cpu_time > 0 && w->o->signal == SIGXCPU)
		w->o->timed_out = true;
	if (b->cg && cg_box_stats(b->cg, &st) == 0)
		collect_cgroup(w, &st, before);
	/* Without cgroups, the init's count of every process of the stage
	 * (RLIMIT_CPU is per process and in whole seconds). */
	if (w->s->cpu_time > 0 && w->o->cpu_ms > w->s->cpu_time * 1000)
		w->o->timed_out = true;
}

static int stage_cgroup(struct box *b, const struct stage_spec *s,
			struct cg_stats *before)
{
	long mem = s->memory_mb, extra;
	int e;

	memset(before, 0, sizeof(*before));
	if (!b->cg)
		return 0;
	/*
	 * memory limits what the stage adds: what the box holds as it starts
	 * (the job's files in /work, what a compile or an earlier test left
	 * there or in /tmp) is not the stage's, as collect() measures it.
	 * Not page cache, which the kernel reclaims at the limit: what an
	 * earlier job of a reused v1 slot group, or an earlier test, read
	 * would let this stage use that much more.  At most as much as the
	 * box's tmpfs hold: SysV shared memory and message queues, which
	 * outlive a stage too, would otherwise raise each next limit, and
	 * the box could grow without end.
	 */
	if ((e = cg_box_stats(b->cg, before)) < 0)
		return e;
	if (mem > 0 && before->usage_kb > 0) {
		long file_kb = 0, held;

		if ((e = cg_box_file_kb(b->cg, &file_kb)) < 0)
			return e;
		held = (long)((before->usage_kb - file_kb + 1023) / 1024);
		if (held > 0)
			mem += held < b->tmpfs_mb ? held : b->tmpfs_mb;
	}
	/* The box's init lives in the group too, and on v1 the worker thread. */
	extra = b->shared_cg ? 2 : 1;
	if ((e = cg_box_limit(b->cg, mem, s->processes > 0 ? s->processes + extra : -1)) < 0)
		return e;
	e = cg_box_reset_peak(b->cg);
	if (e < 0 && e != -EOPNOTSUPP)
		return e;
	/* A limit below the charge made the kernel reclaim page cache: the
	 * stage's use is measured from what is left. */
	if (mem > 0 && before->usage_kb > (long long)mem * 1024)
		return cg_box_stats(b->cg, before);
	return 0;
}

static int stage_pipes(int out[2], int err[2])
{
	if (pipe2(out, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(err, O_CLOEXEC) < 0) {
		int e = -errno;
		close(out[0]);
		close(out[1]);
		return e;
	}
	return 0;
}

int box_run(struct box *b, size_t i, struct stage_outcome *o)
{
	struct waiter w = { .b = b, .s = &b->plan.stages[i], .o = o };
	struct cg_stats before;
	int out[2], errp[2], fds[STAGE_FDS], e;

	if (b->dead || i >= b->plan.nstages) {
		snprintf(o->reason, sizeof(o->reason), "sandbox: the box is gone");
		return o->error = -ESRCH;
	}
	e = stage_cgroup(b, w.s, &before);
	if (e < 0) {
		snprintf(o->reason, sizeof(o->reason), "cgroups: cannot set the limits: %s",
			 es(e));
		return o->error = e;
	}
	if ((e = stage_pipes(out, errp)) < 0) {
		snprintf(o->reason, sizeof(o->reason), "sandbox: pipe: %s", es(e));
		return o->error = e;
	}
	if (w.s->stdout_fd >= 0) {	/* nothing to capture on this stream */
		close(out[0]);
		close(out[1]);
		out[0] = -1;
		out[1] = dup(w.s->stdout_fd);
		if (out[1] < 0) {
			e = -errno;
			close(errp[0]);
			close(errp[1]);
			return o->error = e;
		}
	}
	fds[0] = w.s->stdin_fd >= 0 ? w.s->stdin_fd : b->env->devnull;
	fds[1] = out[1];
	fds[2] = errp[1];
	fds[3] = w.s->exec_fd >= 0 ? w.s->exec_fd : b->env->devnull;
	w.start = now_mono_ns();
	w.deadline = w.start + (int64_t)(w.s->timeout * 1e9);
	w.cpu_base_us = before.cpu_usec;
	w.self_base_us = own_cpu_us(b);
	e = send_run(b, (uint32_t)i, fds);
	close(out[1]);
	close(errp[1]);
	w.pipes[0] = out[0];
	w.pipes[1] = errp[0];
	if (e < 0)
		kill_box(b);
	else
		wait_stage(&w);
	for (int k = 0; k < 2; k++)
		if (w.pipes[k] >= 0)
			close(w.pipes[k]);
	collect(b, &w, &before);
	if (e < 0 || (!w.done && !o->timed_out && !o->output_exceeded && !o->memory_exceeded)) {
		snprintf(o->reason, sizeof(o->reason), "sandbox: the box's init died");
		return o->error = e < 0 ? e : -EPIPE;
	}
	return o->error;
}

bool box_dead(const struct box *b)
{
	return b->dead;
}

void box_get_timing(const struct box *b, struct box_timing *t)
{
	*t = b->timing;
}

/*
 * Kills the box's init and waits for it: once PID 1 of the namespace is
 * reaped, every process of it is gone (the kernel kills and waits for
 * them first), so the caller may publish the result.  (Handing this wait
 * to a thread saved about 1 ms per job, but let a result appear while the
 * init was still exiting.)
 */
void box_close(struct box *b)
{
	siginfo_t si;

	if (!b)
		return;
	if (b->ctl >= 0)
		close(b->ctl);
	if (b->pidfd >= 0) {
		syscall(SYS_pidfd_send_signal, b->pidfd, SIGKILL, NULL, 0);
		while (waitid((idtype_t)P_PIDFD, (id_t)b->pidfd, &si, WEXITED) < 0 &&
		       errno == EINTR)
			;
		close(b->pidfd);
	}
	if (b->cg && !b->shared_cg)
		cg_box_destroy(b->cg);
	free(b);
}

void sandbox_cancel_all(struct sandbox_env *env)
{
	uint64_t one = 1;

	atomic_store(&env->cancelled, true);
	if (write(env->cancel_fd, &one, sizeof(one)) < 0)
		return;		/* only EAGAIN at a full counter: already readable */
}

struct thread_call {
	void (*fn)(void *);
	void *arg;
};

static void *thread_main(void *p)
{
	struct thread_call *c = p;

	c->fn(c->arg);
	sandbox_thread_end();
	return NULL;
}

_Static_assert(SANDBOX_IDLE_MS <= MNT_TEMPLATE_IDLE_MS,
	       "idle workers must renew their templates often enough");

int sandbox_idle(struct sandbox_env *env, int slot, char *what, size_t whatlen)
{
	unsigned id = (unsigned)env->uid_base + (unsigned)slot;
	char path[PATH_MAX];
	int e = 0, r;

	if (whatlen)
		what[0] = '\0';
	if (thread_stuck)	/* nothing is made from a namespace we are stuck in */
		return -ENOTRECOVERABLE;
	if (env->host_net >= 0 && (r = netns_spare_make(env->host_net)) < 0) {
		e = r;
		snprintf(what, whatlen, "a spare network namespace");
	}
	if (env->host_mnt >= 0 &&
	    (r = mnt_template_idle(env->host_mnt, id, id, path, sizeof(path))) < 0 && e == 0) {
		e = r;
		snprintf(what, whatlen, "a mount template%s%s", path[0] ? " binding " : "", path);
	}
	return e;
}

bool sandbox_thread_stuck(void)
{
	return thread_stuck != NULL;
}

void sandbox_thread_end(void)
{
	netns_spare_drop();
	mnt_template_drop();
	if (pump_buf) {
		munmap(pump_buf, PUMP_BYTES);
		pump_buf = NULL;
	}
}

int sandbox_on_thread(void (*fn)(void *), void *arg)
{
	struct thread_call c = { .fn = fn, .arg = arg };
	pthread_t t;
	int e;

	if ((e = pthread_create(&t, NULL, thread_main, &c)) != 0)
		return -e;
	return -pthread_join(t, NULL);
}
