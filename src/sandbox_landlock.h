/*
 * sandbox_landlock.h - the Landlock layer, negotiated with the running
 * kernel's ABI.
 *
 * The parent probes the ABI once (landlock_abi()) and fills a plan of
 * access masks; the post-clone child, after pivot_root, builds the ruleset
 * from paths inside the new root and restricts itself.  Everything the
 * child calls is a plain syscall: async-signal-safe, no allocation.
 */
#ifndef CYLO_SANDBOX_LANDLOCK_H
#define CYLO_SANDBOX_LANDLOCK_H

#include <stdint.h>

/* ABI version (>= 1), or -ENOSYS / -EOPNOTSUPP when Landlock is absent or off. */
int landlock_abi(void);

struct landlock_plan {
	int abi;
	uint64_t fs_handled;	/* every fs right this ABI knows */
	uint64_t fs_ro;		/* read + execute beneath runtime paths */
	uint64_t fs_rw;		/* everything but device ioctls beneath /work, /tmp, /dev/shm */
	uint64_t fs_dev;	/* read/write the device files of /dev */
	uint64_t net_handled;	/* ABI >= 4: TCP bind + connect (no rule: all denied) */
	uint64_t scoped;	/* ABI >= 6: abstract unix sockets + signals */
};

/* Fills @p for @abi (masking rights the ABI does not know). */
void landlock_plan_init(struct landlock_plan *p, int abi);

/* Inside a box's root: where it may write, and the device nodes it uses
 * (NULL-terminated; the layers floor, tools/nsfloor.c, takes them too). */
extern const char *const landlock_box_rw[];
extern const char *const landlock_box_dev[];

/*
 * Creates the ruleset: @ro (NULL-terminated) read/execute, @rw read/write/
 * execute, @dev device files.  Paths that do not exist are skipped.
 * Returns the ruleset fd (O_CLOEXEC) or -errno.  Async-signal-safe.
 */
int landlock_build(const struct landlock_plan *p, const char *const *ro,
		   const char *const *rw, const char *const *dev);

/* Adds read+execute on the single file or dir @fd to @ruleset_fd.  0 or -errno. */
int landlock_allow_fd(int ruleset_fd, const struct landlock_plan *p, int fd);

/* landlock_restrict_self(); needs no_new_privs.  0 or -errno.  Async-signal-safe. */
int landlock_apply(int ruleset_fd);

#endif
