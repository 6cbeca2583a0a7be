/*
 * sandbox_child.c - the box's init process and its stage processes.
 *
 * Theory of operation.  The parent (a worker thread, sandbox.c) clones
 * this process into new user, mount, PID, network, IPC, UTS and cgroup
 * namespaces.  It is PID 1 of the box and a copy of a multi-threaded
 * process, so it never allocates, never logs and calls only syscalls: any
 * lock another thread held at clone time is held forever here.
 *
 * Init: close every inherited fd but the control socket and the bundle;
 * wait for REQ_GO (the parent has written the uid/gid maps and attached
 * the cgroup); take the box uid; forbid nested user namespaces; build the
 * root (sandbox_mount.c); turn non-dumpable; confine itself for every
 * stage (confine_init(): Landlock's ruleset built, capabilities dropped,
 * no_new_privs, the seccomp filter); report MSG_READY.  Then, for
 * each REQ_RUN with three fds (stdin, stdout, stderr), fork a stage
 * process, wait for it, SIGKILL every other process of the namespace
 * (kill(-1) from PID 1 spares only itself: nothing a stage forked outlives
 * it), reap them, and report MSG_DONE with the status and rusage.  A
 * BOX_STOP_SIGNAL from the parent (a stage over a limit) kills every other
 * process of the box at once, so the stage ends and the box serves the
 * next one.  EOF on the socket ends the box: when PID 1 exits the kernel
 * kills the rest.
 *
 * Stage: new session, stdio, cwd /work, rlimits, fds marked close-on-exec,
 * Landlock applied, exec; the capabilities, no_new_privs and seccomp it
 * inherits from the init.
 * Any failure before exec is reported as MSG_FAIL with the step, so the
 * job gets sandbox_error naming the layer; nothing runs unconfined.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"
#include "sandbox_landlock.h"
#include "sandbox_plan.h"
#include "sandbox_seccomp.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* The box's root is our own tmpfs view: reading beneath it shows only the
 * configured paths, /etc, /proc and /dev; writing stays confined to
 * landlock_box_rw. */
static const char *const lock_ro[] = { "/", NULL };

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);	/* vDSO: async-signal-safe */
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void send_msg(int fd, const struct box_msg *m)
{
	while (send(fd, m, sizeof(*m), MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
}

static void fail(int fd, int step, int err, int arg)
{
	struct box_msg m = { .kind = MSG_FAIL, .step = step, .err = err, .arg = arg };

	send_msg(fd, &m);
}

static __attribute__((noreturn)) void die(const struct box_plan *p, int step,
					   int err, int arg)
{
	fail(p->ctl_fd, step, err, arg);
	_exit(127);
}

/* Closes every fd except the few in @keep (ascending, -1 entries ignored). */
static int close_except(const int *keep, int n)
{
	unsigned lo = 0;

	for (int i = 0; i < n; i++) {
		if (keep[i] < 0)
			continue;
		if ((unsigned)keep[i] > lo &&
		    syscall(SYS_close_range, lo, (unsigned)keep[i] - 1, 0) < 0)
			return -errno;
		lo = (unsigned)keep[i] + 1;
	}
	return syscall(SYS_close_range, lo, ~0U, 0) < 0 ? -errno : 0;
}

static int stdio_devnull(void)
{
	int fd = open("/dev/null", O_RDWR);	/* no O_CLOEXEC: meant for 0-2 */

	if (fd < 0)
		return -errno;
	for (int i = 0; i < 3; i++)
		if (fd != i && dup2(fd, i) < 0)
			return -errno;
	if (fd > 2)
		close(fd);
	return 0;
}

static int start(const struct box_plan *p)
{
	int keep[2] = { p->ctl_fd, p->bundle_fd };

	if (keep[1] >= 0 && keep[1] < keep[0]) {
		keep[0] = p->bundle_fd;
		keep[1] = p->ctl_fd;
	}
	/* Other workers' pipes must not stay open in here. */
	if (close_except(keep, 2) < 0)
		return -errno;
	return stdio_devnull();
}

static int wait_go(int fd)
{
	struct box_req r;
	ssize_t n;

	do
		n = recv(fd, &r, sizeof(r), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == sizeof(r) && r.op == REQ_GO ? 0 : -EPIPE;
}

/*
 * In the template path these go through the template's procfs, mounted
 * before the box's own covers it: these sysctls act on the writer's user
 * namespace, the box's, whichever procfs carries them.
 */
static int write_sysctl(const char *path, const char *val)
{
	size_t n = strlen(val);
	int fd = open(path, O_WRONLY | O_CLOEXEC), e = 0;
	ssize_t w;

	if (fd < 0)
		return -errno;
	if ((w = write(fd, val, n)) != (ssize_t)n)
		e = w < 0 ? -errno : -EIO;
	if (close(fd) < 0 && e == 0)
		e = -errno;
	return e;
}

/*
 * Per-user-namespace counts are charged up the chain to the namespace's
 * creator, the daemon's user: without a cap of the box's own, a job could
 * use up root's inotify instances.  0 user namespaces forbids nested ones,
 * as bubblewrap's --disable-userns does.
 */
static const char *const box_sysctls[][2] = {
	{ "/proc/sys/user/max_user_namespaces", "0" },
	{ "/proc/sys/user/max_inotify_instances", "16" },
	{ "/proc/sys/user/max_inotify_watches", "8192" },
};

static int take_ids(const struct box_plan *p)
{
	int e;

	for (size_t i = 0; i < sizeof(box_sysctls) / sizeof(box_sysctls[0]); i++)
		if ((e = write_sysctl(box_sysctls[i][0], box_sysctls[i][1])) < 0)
			return e;
	/* Raw syscalls: glibc's set*id() wrappers make every thread of the
	 * process change ids together, and wait for threads that exist only
	 * in the daemon this process is a copy of (a hang, seen). */
	if (p->root_mode && syscall(SYS_setgroups, 0, NULL) < 0)
		return -errno;
	if (syscall(SYS_setresgid, BOX_GID, BOX_GID, BOX_GID) < 0 ||
	    syscall(SYS_setresuid, BOX_UID, BOX_UID, BOX_UID) < 0)
		return -errno;
	return 0;
}

/* Receives one REQ_RUN and its fds.  0 on EOF, 1 on a request. */
static int recv_run(int fd, uint32_t *stage, uint32_t *seq, int fds[STAGE_FDS])
{
	char cbuf[CMSG_SPACE(STAGE_FDS * sizeof(int))];
	struct box_req r;
	struct iovec iov = { .iov_base = &r, .iov_len = sizeof(r) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;
	ssize_t n;

	do
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n < 0 ? -errno : 0;
	c = CMSG_FIRSTHDR(&mh);
	if (n != sizeof(r) || r.op != REQ_RUN || !c ||
	    c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(STAGE_FDS * sizeof(int)))
		return -EPROTO;
	memcpy(fds, CMSG_DATA(c), STAGE_FDS * sizeof(int));
	*stage = r.stage;
	*seq = r.seq;
	return 1;
}

/*
 * The daemon blocks nearly every signal in all its threads (its main
 * thread reads them from a signalfd) and ignores SIGPIPE, and whoever
 * started cylo may have left others ignored; a box and its stages
 * inherit all that, and exec keeps it.  A job starts as from a clean
 * shell instead: nothing blocked, nothing ignored (@ignored: what the
 * parent learnt once, see ignored_signals()).  No handler of ours
 * survives exec; only SIG_IGN would.
 */
static int stage_signals(uint64_t ignored)
{
	struct k_sigaction dfl = { .handler = SIG_DFL };
	uint64_t none = 0;

	for (int s = 1; s <= 64; s++)
		if ((ignored & (1ULL << (s - 1))) &&
		    syscall(SYS_rt_sigaction, s, &dfl, NULL, sizeof(uint64_t)) < 0)
			return -errno;
	return syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, sizeof(none)) < 0 ?
	       -errno : 0;
}

static void stage_fds(const struct box_plan *p, const int fds[3])
{
	int e;

	if ((e = stage_signals(p->sig_ignored)) < 0)
		die(p, STEP_STAGE_FDS, e, -1);
	for (int i = 0; i < 3; i++)
		if (dup2(fds[i], i) < 0)	/* dup2 clears close-on-exec */
			die(p, STEP_STAGE_FDS, -errno, i);
	if (setsid() < 0)
		die(p, STEP_STAGE_FDS, -errno, -1);
	if (chdir("/work") < 0)
		die(p, STEP_STAGE_FDS, -errno, -1);
}

/* Read and execute beneath each of @paths (inside the new root). */
static int allow_paths(int rs, const struct landlock_plan *lp,
		       const char *const *paths)
{
	for (int i = 0; paths[i]; i++) {
		int fd = open(paths[i], O_PATH | O_CLOEXEC), e;
		if (fd < 0)
			return -errno;
		e = landlock_allow_fd(rs, lp, fd);
		close(fd);
		if (e < 0)
			return e;
	}
	return 0;
}

/* The box's Landlock ruleset (inside the new root): its fd, or -errno. */
static int build_ruleset(const struct box_plan *p)
{
	int rs = landlock_build(p->landlock, (const char *const *)p->ro_paths,
				landlock_box_rw, landlock_box_dev), e;

	if (rs >= 0 && (e = allow_paths(rs, p->landlock, lock_ro)) < 0) {
		close(rs);
		return e;
	}
	return rs;
}

/* Built once by the init, applied by every stage that runs no fd of its
 * own; -1 without Landlock.  No rule is added to it after confine_init():
 * one would reach every later stage. */
static int box_ruleset = -1;

/*
 * What every stage shares is done once, here in the init, rather than per
 * stage: the Landlock ruleset is built, every capability dropped,
 * no_new_privs set and the seccomp filter installed.  The stages inherit
 * the last three (installing a filter compiles it to native code: about
 * 0.25 ms a stage on a small machine).  From here on the init lives under
 * the job's own filter, which leaves it all it still does: clone() without
 * namespace flags, wait, kill, and messages on its socket.
 */
static void confine_init(const struct box_plan *p, struct box_msg *ready)
{
	bool shared = false;	/* some stage runs no fd of its own */
	int e;

	for (size_t i = 0; i < p->nstages; i++)
		shared |= p->stages[i].exec_fd < 0;
	if (shared && p->landlock && p->landlock->abi > 0 &&
	    (box_ruleset = build_ruleset(p)) < 0)
		die(p, STEP_LANDLOCK, box_ruleset, -1);
	ready->t[2] = mono_ns();
	if ((e = caps_drop_all(p->cap_last_cap)) < 0)
		die(p, STEP_CAPS, e, -1);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die(p, STEP_NO_NEW_PRIVS, -errno, -1);
	if (p->seccomp && (e = seccomp_install(p->seccomp)) < 0)
		die(p, STEP_SECCOMP, e, -1);
	if (p->seccomp && p->rlimit_memory && (e = seccomp_install_rlimit()) < 0)
		die(p, STEP_SECCOMP, e, -1);
	ready->t[3] = mono_ns();
}

/* The box's ruleset, or for a stage that runs an fd of its own (outside
 * the root), a ruleset that also allows that one file. */
static int stage_landlock(const struct box_plan *p, int exec_fd)
{
	int rs, e;

	if (exec_fd < 0)
		return landlock_apply(box_ruleset);
	if ((rs = build_ruleset(p)) < 0)
		return rs;
	if ((e = landlock_allow_fd(rs, p->landlock, exec_fd)) == 0)
		e = landlock_apply(rs);
	close(rs);
	return e;
}

/* Capabilities, no_new_privs and seccomp come from the init
 * (confine_init()); the stage adds its limits and Landlock. */
static void stage_confine(const struct box_plan *p, const struct stage_spec *s,
			  int exec_fd, struct box_msg *tm)
{
	int e;

	if ((e = limits_apply_stage(s, p->rlimit_memory)) < 0)
		die(p, STEP_RLIMITS, e, -1);
	/* Everything but 0-2 closes at exec; the control socket stays open
	 * until then so a failure below can still be reported. */
	if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		die(p, STEP_STAGE_FDS, -errno, -1);
	tm->t[1] = mono_ns();
	if (p->landlock && p->landlock->abi > 0 && (e = stage_landlock(p, exec_fd)) < 0)
		die(p, STEP_LANDLOCK, e, -1);
	tm->t[2] = tm->t[3] = mono_ns();
}

static __attribute__((noreturn)) void stage_main(const struct box_plan *p,
						  uint32_t i, const int fds[STAGE_FDS])
{
	const struct stage_spec *s = &p->stages[i];
	int exec_fd = s->exec_fd >= 0 ? fds[3] : -1;
	struct box_msg tm = { .kind = MSG_TIMING, .t = { mono_ns() } };

	stage_fds(p, fds);
	stage_confine(p, s, exec_fd, &tm);
	send_msg(p->ctl_fd, &tm);
	if (exec_fd >= 0)
		syscall(SYS_execveat, exec_fd, "", s->argv, s->envp, AT_EMPTY_PATH);
	else
		execve(s->argv[0], s->argv, s->envp);
	die(p, STEP_EXEC, -errno, (int)i);
}

/* The stage's stack while it shares our memory (see run_stage()). */
static char stage_stack[256 * 1024] __attribute__((aligned(64)));

struct stage_arg {
	const struct box_plan *p;
	uint32_t i;
	const int *fds;
};

static int stage_entry(void *arg)
{
	const struct stage_arg *a = arg;

	stage_main(a->p, a->i, a->fds);
}

static void reap_all(void)
{
	/* PID 1 is never hit by its own kill(-1). */
	kill(-1, SIGKILL);
	while (waitpid(-1, NULL, __WALL) > 0 || errno == EINTR)
		;
}

/*
 * BOX_STOP_SIGNAL with the seq of a run: the parent ends that run
 * (sandbox.c, stop_stage()).  Killing right in the handler (kill is async-signal-safe)
 * leaves no window between a check and a blocking wait in which the
 * request could be lost.  A request that comes before the run's stage
 * exists is kept in stop_seq, which run_stage() reads once the stage has
 * started; one for an earlier run kills nothing.  The value carries the
 * box's random stop_key above the seq, and the sender must be outside the
 * box's PID namespace (si_pid 0): a job can write its own siginfo with
 * rt_sigqueueinfo(), si_pid 0 included, where Landlock's signal scope
 * (ABI 6) does not refuse the signal, but it cannot know the key, which
 * lives only in this non-dumpable process (its stages share it only
 * until their exec).
 */
static volatile sig_atomic_t run_seq, stop_seq;
static uint32_t stop_key;

static void on_stop(int sig, siginfo_t *si, void *uc)
{
	uint64_t v = (uint64_t)(uintptr_t)si->si_value.sival_ptr;
	int saved = errno;

	(void)sig;
	(void)uc;
	if (si->si_code != SI_QUEUE || si->si_pid != 0 || (uint32_t)(v >> 32) != stop_key)
		return;
	stop_seq = (sig_atomic_t)(uint32_t)v;
	if (stop_seq == run_seq)
		kill(-1, SIGKILL);	/* from PID 1: all but itself */
	errno = saved;
}

/* Takes BOX_STOP_SIGNAL (see on_stop()) for @key, unblocking it in case
 * the thread we are a copy of blocks it. */
static int take_stop_signal(uint32_t key)
{
	struct sigaction sa = { .sa_sigaction = on_stop,
				.sa_flags = SA_SIGINFO | SA_RESTART };
	sigset_t set;

	stop_key = key;
	sigemptyset(&set);
	sigaddset(&set, BOX_STOP_SIGNAL);
	if (sigaction(BOX_STOP_SIGNAL, &sa, NULL) < 0 ||
	    sigprocmask(SIG_UNBLOCK, &set, NULL) < 0)
		return -errno;
	return 0;
}

static struct timeval tv_minus(struct timeval a, struct timeval b)
{
	struct timeval d = { a.tv_sec - b.tv_sec, a.tv_usec - b.tv_usec };

	if (d.tv_usec < 0) {
		d.tv_sec--;
		d.tv_usec += 1000000;
	}
	return d;
}

static void run_stage(const struct box_plan *p, uint32_t i, uint32_t seq,
		      int fds[STAGE_FDS])
{
	struct box_msg m = { .kind = MSG_DONE };
	struct rusage ru = { 0 }, before = { 0 }, after;
	int status = 127 << 8;	/* as exit(127), until the stage has one */
	pid_t pid, w;
	int e;

	if (i >= p->nstages) {
		for (int k = 0; k < STAGE_FDS; k++)
			close(fds[k]);
		fail(p->ctl_fd, STEP_STAGE_FDS, -EINVAL, (int)i);
		goto done;
	}
	/* vfork-style, as posix_spawn does: the stage shares our memory on a
	 * stack of its own until it execs, so no page table of this copy of
	 * the daemon is copied; we are suspended meanwhile.  (glibc's fork()
	 * would also take malloc locks another daemon thread may have held.) */
	struct stage_arg a = { .p = p, .i = i, .fds = fds };
	run_seq = (sig_atomic_t)seq;
	getrusage(RUSAGE_CHILDREN, &before);
	pid = clone(stage_entry, stage_stack + sizeof(stage_stack),
		    CLONE_VM | CLONE_VFORK | SIGCHLD, &a);
	e = pid < 0 ? -errno : 0;
	if (pid > 0 && stop_seq == run_seq)
		kill(-1, SIGKILL);	/* stopped before it started */
	for (int k = 0; k < STAGE_FDS; k++)
		close(fds[k]);
	if (pid < 0) {
		fail(p->ctl_fd, STEP_STAGE_FDS, e, (int)i);
		goto done;
	}
	/* PID 1 of the box: orphans of the stage are ours to reap as they
	 * die, or their zombies would count against pids.max until its end. */
	for (;;) {
		int st;
		struct rusage r;

		w = wait4(-1, &st, __WALL, &r);
		if (w == pid) {
			status = st;
			ru = r;
			break;
		}
		if (w < 0 && errno != EINTR)
			break;
	}
	reap_all();
	/* The CPU of every process of the stage, the orphans we reaped too
	 * (the stage's own rusage holds only what it waited for): without
	 * cgroups, that is what cpu_time is held to. */
	if (getrusage(RUSAGE_CHILDREN, &after) == 0) {
		ru.ru_utime = tv_minus(after.ru_utime, before.ru_utime);
		ru.ru_stime = tv_minus(after.ru_stime, before.ru_stime);
	}
done:	/* MSG_DONE after a MSG_FAIL too: the parent need not wait out the stage */
	m.status = status;
	m.utime_us = (int64_t)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec;
	m.stime_us = (int64_t)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec;
	m.maxrss_kb = ru.ru_maxrss;
	send_msg(p->ctl_fd, &m);
}

void box_child_main(const struct box_plan *p)
{
	struct box_msg ready = { .kind = MSG_READY };
	int e, step, arg, fds[STAGE_FDS];
	uint32_t stage = 0, seq = 0;

	if ((e = start(p)) < 0)
		die(p, STEP_START, e, -1);
	if ((e = wait_go(p->ctl_fd)) < 0)
		_exit(127);	/* the parent gave up on us */
	if ((e = take_ids(p)) < 0)
		die(p, STEP_USERNS, e, -1);
	ready.t[0] = mono_ns();
	e = p->in_template ? mount_build_from_template(p, &step, &arg)
			   : mount_build_root(p, &step, &arg);
	if (e < 0)
		die(p, step, e, arg);
	if (p->bundle_fd >= 0)
		close(p->bundle_fd);
	/* No ptrace-style access to PID 1 from the job, no /proc/1/mem. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		die(p, STEP_CAPS, -errno, -1);
	if (sethostname("cylo", 4) < 0)
		die(p, STEP_USERNS, -errno, -1);
	if ((e = take_stop_signal(p->stop_key)) < 0)
		die(p, STEP_START, e, -1);
	ready.t[1] = mono_ns();
	confine_init(p, &ready);
	/*
	 * Die with the thread that cloned us (a cylo killed or crashed):
	 * PID 1's death takes every process of the box along, so no job
	 * outlives its supervisor and its wall timeout.  Set after our last
	 * change of credentials (confine_init()'s), which may clear it; a
	 * parent gone before this shows as EOF on the control socket, where
	 * we go next.
	 */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		die(p, STEP_CAPS, -errno, -1);
	send_msg(p->ctl_fd, &ready);
	while ((e = recv_run(p->ctl_fd, &stage, &seq, fds)) > 0)
		run_stage(p, stage, seq, fds);
	_exit(0);
}
