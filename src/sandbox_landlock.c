/*
 * sandbox_landlock.c - the Landlock layer: file-system, TCP and scope
 * rules negotiated with the running kernel's ABI.
 *
 * Landlock is defence in depth behind the mount namespace (SECURITY.md
 * principle 10): the box's root already holds only what the job may see,
 * and Landlock says what it may do there even if a mount were wrong.  The
 * parent probes the ABI once and fills a plan (landlock_plan_init()); the
 * box's init builds the ruleset from paths inside its new root, and each
 * stage restricts itself with it.  Those child-side functions make plain
 * syscalls only: no allocation, no stdio, errno read right after the
 * failing call.
 *
 * Every right the ABI knows is handled, so anything not granted below is
 * denied: TCP bind/connect (ABI 4) get no rule at all, and the scopes
 * (ABI 6) cut the job off from abstract unix sockets and from signalling
 * processes outside its own domain.
 *
 * Device ioctls (ABI 5) are not granted on /dev: the box's devices (null,
 * zero, full, random, urandom) have no ioctl a job needs, and the ioctls
 * worth refusing are the terminal ones (TIOCSTI, TIOCLINUX, TIOCSETD).  A
 * job's isatty() on a device it opened itself sees EACCES, not ENOTTY;
 * both mean "not a terminal".  Fds opened before the rules (stdio: pipes
 * and a regular file) are not affected.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "compat.h"
#include "sandbox_landlock.h"

/* ABI 1: the thirteen rights every Landlock kernel knows. */
#define FS_V1 (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | \
	       LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR | \
	       LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE | \
	       LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR | \
	       LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK | \
	       LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK | \
	       LANDLOCK_ACCESS_FS_MAKE_SYM)

/* The rights that make sense on a non-directory; others give EINVAL. */
#define FS_FILE (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | \
		 LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE | \
		 LANDLOCK_ACCESS_FS_IOCTL_DEV)

#define FS_RO (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | \
	       LANDLOCK_ACCESS_FS_READ_DIR)

#define FS_DEV (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE | \
		LANDLOCK_ACCESS_FS_TRUNCATE)

const char *const landlock_box_rw[] = { "/work", "/tmp", "/dev/shm", NULL };
const char *const landlock_box_dev[] = {
	"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", NULL
};

int landlock_abi(void)
{
	long v = syscall(SYS_landlock_create_ruleset, NULL, 0,
			 LANDLOCK_CREATE_RULESET_VERSION);

	if (v < 0)
		return -errno;	/* ENOSYS: not built; EOPNOTSUPP: off at boot */
	return (int)v;
}

void landlock_plan_init(struct landlock_plan *p, int abi)
{
	uint64_t fs = 0;

	*p = (struct landlock_plan){ .abi = abi };
	if (abi < 1)
		return;
	fs = FS_V1;
	if (abi >= 2)
		fs |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		fs |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 4)
		p->net_handled = LANDLOCK_ACCESS_NET_BIND_TCP |
				 LANDLOCK_ACCESS_NET_CONNECT_TCP;
	if (abi >= 5)
		fs |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	if (abi >= 6)
		p->scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET |
			    LANDLOCK_SCOPE_SIGNAL;
	p->fs_handled = fs;
	p->fs_ro = FS_RO & fs;
	/* EXECUTE included: compiled programs run from /work. */
	p->fs_rw = fs & ~LANDLOCK_ACCESS_FS_IOCTL_DEV;
	p->fs_dev = FS_DEV & fs;
}

/* Grants @access beneath @fd (on @fd alone when it is not a directory). */
static int add_rule(int ruleset_fd, int fd, uint64_t access)
{
	struct landlock_path_beneath_attr pb;
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		access &= FS_FILE;
	if (!access)	/* the kernel refuses an empty rule (ENOMSG) */
		return 0;
	pb.allowed_access = access;
	pb.parent_fd = fd;
	if (syscall(SYS_landlock_add_rule, ruleset_fd, LANDLOCK_RULE_PATH_BENEATH,
		    &pb, 0) < 0)
		return -errno;
	return 0;
}

/* @paths may be NULL; a path that does not exist in this root is skipped. */
static int add_paths(int ruleset_fd, const char *const *paths, uint64_t access)
{
	for (size_t i = 0; paths && paths[i]; i++) {
		/* Following a symlink is right here: the child runs after
		 * pivot_root, so an absolute link resolves inside the box. */
		int fd = open(paths[i], O_PATH | O_CLOEXEC), e;

		if (fd < 0) {
			if (errno == ENOENT)
				continue;
			return -errno;
		}
		e = add_rule(ruleset_fd, fd, access);
		close(fd);
		if (e < 0)
			return e;
	}
	return 0;
}

/* The size of the fields the ABI knows, as the kernel's sample passes it:
 * an older kernel refuses a longer attribute whose tail is not zero. */
static size_t attr_size(int abi)
{
	if (abi >= 6)
		return sizeof(struct cylo_landlock_ruleset_attr);
	if (abi >= 4)
		return offsetof(struct cylo_landlock_ruleset_attr, scoped);
	return offsetof(struct cylo_landlock_ruleset_attr, handled_access_net);
}

int landlock_build(const struct landlock_plan *p, const char *const *ro,
		   const char *const *rw, const char *const *dev)
{
	struct cylo_landlock_ruleset_attr attr = {
		.handled_access_fs = p->fs_handled,
		.handled_access_net = p->net_handled,
		.scoped = p->scoped,
	};
	int fd, e;

	if (p->abi < 1)
		return -EOPNOTSUPP;
	/* The kernel makes the ruleset fd close-on-exec. */
	fd = (int)syscall(SYS_landlock_create_ruleset, &attr, attr_size(p->abi), 0);
	if (fd < 0)
		return -errno;
	if ((e = add_paths(fd, ro, p->fs_ro)) < 0 ||
	    (e = add_paths(fd, rw, p->fs_rw)) < 0 ||
	    (e = add_paths(fd, dev, p->fs_dev)) < 0) {
		close(fd);
		return e;
	}
	return fd;
}

int landlock_allow_fd(int ruleset_fd, const struct landlock_plan *p, int fd)
{
	return add_rule(ruleset_fd, fd, p->fs_ro);
}

int landlock_apply(int ruleset_fd)
{
	if (syscall(SYS_landlock_restrict_self, ruleset_fd, 0) < 0)
		return -errno;
	return 0;
}
