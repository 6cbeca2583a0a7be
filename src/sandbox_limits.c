/*
 * sandbox_limits.c - per-stage rlimits, applied by the stage process after
 * fork and before exec, and the capability drop, by the box's init once
 * for all its stages.
 *
 * cgroups (cgroup.c) are the primary memory and process limits; rlimits
 * cover what cgroups do not (CPU seconds per process, file size, open
 * files, core dumps, locked memory, real-time priority, the stack) and, on a host
 * without usable cgroups, memory (RLIMIT_AS, which breaks runtimes that
 * reserve large address ranges: documented in the README) and processes.
 * Async-signal-safe: plain syscalls only.  Also what the host does with a
 * crash that RLIMIT_CORE does not stop (sandbox_core_fate()).
 */
#include <errno.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fsutil.h"
#include "sandbox_plan.h"

static int set_rl(int res, rlim_t soft, rlim_t hard)
{
	struct rlimit r = { .rlim_cur = soft, .rlim_max = hard };

	return setrlimit(res, &r) < 0 ? -errno : 0;
}

/* Lowers @res to at most @v; never raises (that needs a capability). */
static int cap_rl(int res, rlim_t v)
{
	struct rlimit r;

	if (getrlimit(res, &r) < 0)
		return -errno;
	if (r.rlim_max != RLIM_INFINITY && r.rlim_max < v)
		v = r.rlim_max;
	return set_rl(res, v, v);
}

#define MIB(x) ((rlim_t)(x) << 20)
#define STACK_SOFT_RLIMIT_MB 8	/* the usual default, and glibc's thread stack */

/*
 * The stack, not the daemon's own soft limit (grades would hang on how it
 * was started).  Where cgroups bound memory, as large as the memory
 * limit, as Kattis and DOMjudge give: deep recursion runs, and its pages
 * count against memory as they are touched.  Under RLIMIT_AS, where each
 * thread's default stack (the soft limit) takes its size of the address
 * space, 8 MiB, with the memory limit as the hard one for a program that
 * raises its own.  Both at most the daemon's hard limit.
 */
static int stack_limit(const struct stage_spec *s, bool rlimit_memory)
{
	rlim_t hard = s->memory_mb > 0 ? MIB(s->memory_mb) : RLIM_INFINITY;
	rlim_t soft = rlimit_memory || s->memory_mb <= 0 ? MIB(STACK_SOFT_RLIMIT_MB) : hard;
	struct rlimit cur;

	/* Never above the daemon's hard limit: raising it needs a capability
	 * (a container started with --ulimit stack=8M:8M). */
	if (getrlimit(RLIMIT_STACK, &cur) < 0)
		return -errno;
	if (cur.rlim_max != RLIM_INFINITY && cur.rlim_max < hard)
		hard = cur.rlim_max;
	return set_rl(RLIMIT_STACK, soft < hard ? soft : hard, hard);
}

int limits_apply_stage(const struct stage_spec *s, bool rlimit_memory)
{
	int e = 0;

	if (s->cpu_time > 0) {
		/* SIGXCPU at the soft limit, SIGKILL one second later. */
		rlim_t sec = (rlim_t)s->cpu_time;
		if ((double)sec < s->cpu_time)
			sec++;
		if ((e = set_rl(RLIMIT_CPU, sec, sec + 1)) < 0)
			return e;
	}
	if (s->file_size_mb >= 0 &&
	    (e = set_rl(RLIMIT_FSIZE, MIB(s->file_size_mb), MIB(s->file_size_mb))) < 0)
		return e;
	if (s->open_files > 0 &&
	    (e = set_rl(RLIMIT_NOFILE, (rlim_t)s->open_files, (rlim_t)s->open_files)) < 0)
		return e;
	/* Pending signals and message-queue bytes are charged to the daemon's
	 * user too (user-namespace counts go up the chain): small caps. */
	if ((e = cap_rl(RLIMIT_SIGPENDING, 256)) < 0 ||
	    (e = cap_rl(RLIMIT_MSGQUEUE, 256 << 10)) < 0)
		return e;
	if ((e = set_rl(RLIMIT_CORE, 0, 0)) < 0 ||
	    (e = set_rl(RLIMIT_MEMLOCK, 0, 0)) < 0 ||
	    (e = set_rl(RLIMIT_RTPRIO, 0, 0)) < 0 ||
	    (e = set_rl(RLIMIT_NICE, 0, 0)) < 0)
		return e;
	/* Counted per uid inside the box's user namespace: the init process
	 * runs as the same uid, hence the +1. */
	if (s->processes > 0 &&
	    (e = set_rl(RLIMIT_NPROC, (rlim_t)s->processes + 1,
			(rlim_t)s->processes + 1)) < 0)
		return e;
	if ((e = stack_limit(s, rlimit_memory)) < 0)
		return e;
	if (rlimit_memory && s->memory_mb > 0)
		e = set_rl(RLIMIT_AS, MIB(s->memory_mb + s->address_space_mb),
			   MIB(s->memory_mb + s->address_space_mb));
	return e;
}

int caps_drop_all(int cap_last_cap)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = { { 0 } };

	/* Locked securebits: no way back to root semantics inside the box. */
	if (prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
		  SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED |
		  SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE |
		  SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED) < 0)
		return -errno;
	for (int c = 0; c <= cap_last_cap; c++)
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return -errno;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		return -errno;
	if (syscall(SYS_capset, &h, d) < 0)
		return -errno;
	return 0;
}

int sandbox_core_fate(char *pattern, size_t n)
{
	static const char sd[] = "systemd-coredump";
	int e = read_line_file("/proc/sys/kernel/core_pattern", pattern, n);

	if (e < 0)
		return e;
	if (pattern[0] != '|')
		return CORE_NONE;
	/* "|/lib/systemd/systemd-coredump %P %u ...": the program's base name. */
	for (const char *p = pattern + 1; *p && *p != ' '; p++)
		if (*p == '/' && strncmp(p + 1, sd, sizeof(sd) - 1) == 0 &&
		    (p[sizeof(sd)] == ' ' || p[sizeof(sd)] == '\0'))
			return CORE_HELPER_HONOURS;
	return CORE_HELPER_OTHER;
}
