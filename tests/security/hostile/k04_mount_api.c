/* K04: cgroup v1 release_agent (CVE-2022-0492) and the new mount API
 * (fsopen/fsconfig: CVE-2022-0185; open_tree, move_mount, mount_setattr,
 * fspick, fsmount).  Bad fds/pointers where the call takes one: filtered
 * calls answer EPERM, unfiltered ones would say EBADF/EFAULT.  Prints
 * "CALL: ERRNO" or OK. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define BAD ((void *)1)

static void say(const char *what, long r)
{
	printf("%s: %s\n", what, r < 0 ? strerrorname_np(errno) : "OK");
}

int main(void)
{
	mkdir("/tmp/cg", 0755);
	say("mount cgroup v1 rdma", mount("cgroup", "/tmp/cg", "cgroup", 0, "rdma"));
	say("mount cgroup v1 none,name=x", mount("cgroup", "/tmp/cg", "cgroup", 0, "none,name=x"));
	say("open release_agent", open("/sys/fs/cgroup/release_agent", O_WRONLY));
	say("fsopen cgroup2", syscall(SYS_fsopen, "cgroup2", 0));
	say("fsopen cgroup", syscall(SYS_fsopen, "cgroup", 0));
	say("fsopen badptr", syscall(SYS_fsopen, BAD, 0));
	say("fsconfig badfd", syscall(SYS_fsconfig, -1, 0, NULL, NULL, 0));
	say("fsmount badfd", syscall(SYS_fsmount, -1, 0, 0));
	say("fspick badptr", syscall(SYS_fspick, AT_FDCWD, BAD, 0));
	say("open_tree /usr", syscall(SYS_open_tree, AT_FDCWD, "/usr", 1 /* OPEN_TREE_CLONE */));
	say("open_tree badptr", syscall(SYS_open_tree, -1, BAD, 0));
	say("move_mount badfd", syscall(SYS_move_mount, -1, BAD, -1, BAD, 0));
	say("mount_setattr badptr", syscall(SYS_mount_setattr, -1, BAD, 0, BAD, 32));
	say("open_tree_attr badptr", syscall(467, -1, BAD, 0, BAD, 32));
	return 0;
}
