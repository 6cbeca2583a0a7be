/*
 * compat.h - constants and syscall wrappers missing from older headers
 * (Debian 12 ships 6.1 kernel headers; cylo runs on newer kernels and
 * decides by what the running kernel answers).
 */
#ifndef CYLO_COMPAT_H
#define CYLO_COMPAT_H

#include <linux/landlock.h>
#include <sys/syscall.h>
#include <unistd.h>

/* COMPAT(linux-headers < 6.7): Landlock ABI 4 network rights. */
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_RULE_NET_PORT 2
struct landlock_net_port_attr {
	__u64 allowed_access;
	__u64 port;
};
#define LANDLOCK_ACCESS_NET_BIND_TCP	(1ULL << 0)
#define LANDLOCK_ACCESS_NET_CONNECT_TCP	(1ULL << 1)
#endif

/* COMPAT(linux-headers < 6.2): Landlock ABI 3 truncate. */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE	(1ULL << 14)
#endif
/* COMPAT(linux-headers < 6.10): Landlock ABI 5 device ioctls. */
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV	(1ULL << 15)
#endif
/* COMPAT(linux-headers < 6.12): Landlock ABI 6 scoping. */
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET	(1ULL << 0)
#define LANDLOCK_SCOPE_SIGNAL			(1ULL << 1)
#endif

/*
 * The ruleset attribute as the newest ABI knows it; the kernel takes the
 * size we pass and reads only the fields of the ABI it runs.
 */
struct cylo_landlock_ruleset_attr {
	__u64 handled_access_fs;
	__u64 handled_access_net;
	__u64 scoped;
};

/* COMPAT(linux-headers < 5.12): mount_setattr. */
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY	0x00000001
#define MOUNT_ATTR_NOSUID	0x00000002
#define MOUNT_ATTR_NODEV	0x00000004
#define MOUNT_ATTR_NOEXEC	0x00000008
#endif
#ifndef MOUNT_ATTR_NOSYMFOLLOW
#define MOUNT_ATTR_NOSYMFOLLOW	0x00200000
#endif

/* COMPAT(glibc < 2.34 headers): close_range. */
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
/* COMPAT(linux-headers < 6.15): open_tree_attr (same number on every arch). */
#ifndef SYS_open_tree_attr
#define SYS_open_tree_attr 467
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

#endif
