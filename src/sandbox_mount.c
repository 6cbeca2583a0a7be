/*
 * sandbox_mount.c - the box's filesystem view, built by its init process
 * after clone() in the new mount namespace.
 *
 * The new root is a small tmpfs mounted over /tmp (any existing directory
 * would do: the namespace is private, nothing propagates to the host).
 * Into it go read-only, nosuid, nodev binds of the language's paths (host
 * symlinks such as /bin -> usr/bin are recreated as symlinks), a minimal
 * /etc, a fresh procfs that shows only this PID namespace, a minimal /dev,
 * and size-limited tmpfs mounts for /tmp, /dev/shm and /work.  Then the
 * root tmpfs turns read-only and pivot_root detaches the host's root.
 *
 * A daemon in root mode builds the shared part once instead, as a
 * template (mnt_template.c): the same root, binds, /etc and /dev, with
 * empty /tmp and /work, in a mount namespace of its own.  A box cloned
 * from the template's namespace copies only those few mounts and adds
 * its /proc, /dev/shm, /tmp and /work: no copy of the host's mounts to
 * detach, whose unmount waits for an RCU grace period (0.1-2.5 ms).  The
 * copy belongs to the box's user namespace, so the kernel locks the
 * template's mounts in it: the box can neither unmount one nor lift its
 * read-only, nosuid or nodev flag, and the template's read-only root
 * tmpfs belongs to the daemon, not to any box.  The box's own four
 * mounts are not locked, as in a root built per box; the template's full
 * procfs lies under the box's (no job holds the capability to unmount).
 * The builder is root on the host, so it looks host paths up with the
 * box's host ids (look_up()).
 *
 * Runs post-clone in a copy of a multi-threaded process: no allocation, no
 * stdio, only syscalls and string copies into stack buffers.
 * mount_setattr() (Linux 5.12) sets read-only recursively and changes only
 * the flags we name, so flags locked by the user namespace stay intact.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <string.h>
#include <linux/securebits.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bundle.h"
#include "compat.h"
#include "sandbox_plan.h"

#define NEWROOT "/tmp"
#define PATH_BYTES 4096
/* The box's procfs: only its own processes, and only their directories. */
#define BOX_PROC_OPTS "hidepid=invisible,subset=pid"

static const char etc_passwd[] =
	"root:x:0:0:root:/:/usr/sbin/nologin\n"
	"cylo:x:1000:1000:cylo job:/work:/bin/sh\n"
	"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
static const char etc_group[] =
	"root:x:0:\ncylo:x:1000:\nnogroup:x:65534:\n";
static const char etc_hosts[] =
	"127.0.0.1\tlocalhost\n::1\tlocalhost\n";
static const char *const dev_nodes[] = {
	"null", "zero", "full", "random", "urandom", NULL
};

/* NEWROOT + @path into @buf; 0 or -ENAMETOOLONG. */
static int in_root(char *buf, const char *path)
{
	size_t a = sizeof(NEWROOT) - 1, b = strlen(path);

	if (a + b + 1 > PATH_BYTES)
		return -ENAMETOOLONG;
	memcpy(buf, NEWROOT, a);
	memcpy(buf + a, path, b + 1);
	return 0;
}

/* mkdir -p of an absolute path that already lies inside the new root. */
static int mkdirs(const char *full)
{
	char buf[PATH_BYTES];
	size_t n = strlen(full);

	if (n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, full, n + 1);
	for (size_t i = sizeof(NEWROOT); i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		char c = buf[i];
		buf[i] = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		buf[i] = c;
	}
	return 0;
}

static int mkparent(const char *full)
{
	char buf[PATH_BYTES];
	size_t n = strlen(full);

	if (n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, full, n + 1);
	while (n > 0 && buf[n] != '/')
		n--;
	buf[n] = '\0';
	return n > sizeof(NEWROOT) - 1 ? mkdirs(buf) : 0;
}

static int touch(const char *full, mode_t mode)
{
	int fd = open(full, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);

	if (fd < 0)
		return errno == EEXIST ? 0 : -errno;
	return close(fd) < 0 ? -errno : 0;
}

static int set_ro(const char *full, unsigned flags)
{
	struct mount_attr a = {
		.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
	};

	if (syscall(SYS_mount_setattr, AT_FDCWD, full, flags, &a, sizeof(a)) < 0)
		return -errno;
	return 0;
}

/* Sets the ids the kernel checks file access against; 0 or -EPERM. */
static int fs_ids(unsigned uid, unsigned gid)
{
	syscall(SYS_setfsgid, gid);
	syscall(SYS_setfsuid, uid);
	/* They answer the previous id, never an error: an invalid id (-1)
	 * changes nothing and reads the current one back. */
	if ((unsigned)syscall(SYS_setfsuid, -1) != uid ||
	    (unsigned)syscall(SYS_setfsgid, -1) != gid)
		return -EPERM;
	return 0;
}

/* A host path as the box's ids see it. */
struct looked {
	struct stat st;
	char target[PATH_BYTES];	/* a symlink's */
	int fd;				/* O_PATH, when not a symlink */
};

/*
 * Looks host @path up as @as (NULL: with our own ids, already the box's).
 * A template's builder is root on the host: looking paths up as the
 * worker's slot keeps closed to the box what a box's own root would find
 * closed (a 0700 parent), and the bind then starts from the fd, never
 * from a second lookup as root.
 */
static int look_up(const char *path, const struct fs_as *as, struct looked *l)
{
	struct stat now;
	ssize_t n;
	int e = 0;

	l->fd = -1;
	if (as && (e = fs_ids(as->uid, as->gid)) < 0)
		goto back;
	if (lstat(path, &l->st) < 0) {
		e = -errno;
	} else if (S_ISLNK(l->st.st_mode)) {
		if ((n = readlink(path, l->target, sizeof(l->target) - 1)) < 0)
			e = -errno;
		else
			l->target[n] = '\0';
	} else {
		/* O_DIRECTORY triggers an automount as mount() did.  What is
		 * opened must still be what lstat() saw, not a link put there
		 * since. */
		l->fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC |
			     (S_ISDIR(l->st.st_mode) ? O_DIRECTORY : 0));
		if (l->fd < 0)
			e = -errno;
		else if (fstat(l->fd, &now) < 0)
			e = -errno;
		else if ((now.st_mode & S_IFMT) != (l->st.st_mode & S_IFMT))
			e = -ELOOP;
	}
back:
	if (as && fs_ids(0, 0) < 0)
		e = -EPERM;
	return e;
}

/* "/proc/self/fd/@fd" into @buf (32 bytes), without stdio. */
static void fd_path(char *buf, int fd)
{
	char digits[12];
	size_t n = 0, k = sizeof("/proc/self/fd/") - 1;

	memcpy(buf, "/proc/self/fd/", k);
	do
		digits[n++] = (char)('0' + fd % 10);
	while ((fd /= 10) > 0);
	while (n > 0)
		buf[k++] = digits[--n];
	buf[k] = '\0';
}

/* Binds host @path read-only at the same place; recreates a symlink. */
static int bind_ro(const char *path, const struct fs_as *as)
{
	char dst[PATH_BYTES], src[32];
	struct looked l;
	int e;

	if (path[0] != '/' || in_root(dst, path) < 0)
		return -EINVAL;
	e = look_up(path, as, &l);
	if (e == -ENOENT)
		return 0;	/* an optional path (no fd open) */
	if (e < 0 || (e = mkparent(dst)) < 0)
		goto out;
	if (S_ISLNK(l.st.st_mode)) {
		if (symlink(l.target, dst) < 0 && errno != EEXIST)
			e = -errno;
		goto out;
	}
	e = S_ISDIR(l.st.st_mode) ? mkdirs(dst) : touch(dst, 0644);
	if (e < 0)
		goto out;
	fd_path(src, l.fd);
	if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
		e = -errno;
	else
		e = set_ro(dst, AT_RECURSIVE);
out:
	if (l.fd >= 0)
		close(l.fd);
	return e;
}

static int write_file(const char *full, const char *text)
{
	int fd = open(full, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	size_t n = strlen(text);
	ssize_t w;

	if (fd < 0)
		return -errno;
	w = write(fd, text, n);
	if (w < 0 || (size_t)w != n) {
		int e = w < 0 ? -errno : -EIO;
		close(fd);
		return e;
	}
	return close(fd) < 0 ? -errno : 0;
}

static int build_etc(const struct fs_as *as)
{
	int e;

	if ((e = mkdirs(NEWROOT "/etc")) < 0)
		return e;
	if ((e = write_file(NEWROOT "/etc/passwd", etc_passwd)) < 0 ||
	    (e = write_file(NEWROOT "/etc/group", etc_group)) < 0 ||
	    (e = write_file(NEWROOT "/etc/hosts", etc_hosts)) < 0)
		return e;
	return bind_ro("/etc/ld.so.cache", as);
}

static int tmpfs_at(const char *full, unsigned long flags, const char *opts)
{
	int e = mkdirs(full);

	if (e < 0)
		return e;
	if (mount("tmpfs", full, "tmpfs", flags, opts) < 0)
		return -errno;
	return 0;
}

/* @shm_opts NULL: /dev/shm is left an empty directory (a template's). */
static int build_dev(const char *shm_opts)
{
	char dst[PATH_BYTES], src[64];
	int e;

	e = tmpfs_at(NEWROOT "/dev", MS_NOSUID | MS_NOEXEC,
		     "size=64k,nr_inodes=64,mode=0755");
	if (e < 0)
		return e;
	for (size_t i = 0; dev_nodes[i]; i++) {
		size_t n = strlen(dev_nodes[i]);
		memcpy(src, "/dev/", 5);
		memcpy(src + 5, dev_nodes[i], n + 1);
		if ((e = in_root(dst, src)) < 0 || (e = touch(dst, 0666)) < 0)
			return e;
		if (mount(src, dst, NULL, MS_BIND, NULL) < 0)
			return -errno;
	}
	if (symlink("/proc/self/fd", NEWROOT "/dev/fd") < 0 ||
	    symlink("/proc/self/fd/0", NEWROOT "/dev/stdin") < 0 ||
	    symlink("/proc/self/fd/1", NEWROOT "/dev/stdout") < 0 ||
	    symlink("/proc/self/fd/2", NEWROOT "/dev/stderr") < 0)
		return -errno;
	e = shm_opts ? tmpfs_at(NEWROOT "/dev/shm", MS_NOSUID | MS_NODEV, shm_opts)
		     : mkdirs(NEWROOT "/dev/shm");
	if (e < 0)
		return e;
	/* The /dev tmpfs itself turns read-only; its device binds and shm stay rw. */
	return set_ro(NEWROOT "/dev", 0);
}

/* /work at @path (the directory exists): the job's tmpfs. */
static int work_tmpfs(const struct box_plan *p, const char *path)
{
	return mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, p->work_opts) < 0 ? -errno : 0;
}

/* The job's files into /work at @path: a step of its own, since their
 * not fitting (ENOSPC) is the job's doing, not the host's. */
static int work_unpack(const struct box_plan *p, const char *path)
{
	int e, fd;

	if (p->bundle_fd < 0)
		return 0;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	e = bundle_unpack(p->bundle_fd, fd);
	close(fd);
	return e;
}

/* Makes NEWROOT read-only and the root; ends in @cwd. */
static int pivot(const char *cwd)
{
	if (set_ro(NEWROOT, 0) < 0)
		return -errno;
	if (chdir(NEWROOT) < 0)
		return -errno;
	/* pivot_root(".", "."): the old root stacks under the new one and the
	 * lazy unmount detaches it; no directory for it needed (pivot_root(2)). */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return -errno;
	if (umount2(".", MNT_DETACH) < 0)
		return -errno;
	if (chdir(cwd) < 0)
		return -errno;
	return 0;
}

#define STEP(s, call) do { *step = (s); if ((e = (call)) < 0) return e; } while (0)

/* What every box shares: the root tmpfs, the binds, /etc.  Not /proc. */
static int build_base(char *const *ro_paths, const struct fs_as *as, int *step, int *arg)
{
	int e;

	*arg = -1;
	*step = STEP_MOUNT_PRIVATE;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	*step = STEP_MOUNT_ROOT;
	if (mount("tmpfs", NEWROOT, "tmpfs", MS_NOSUID | MS_NODEV,
		  "size=1m,nr_inodes=4096,mode=0755") < 0)
		return -errno;
	for (int i = 0; ro_paths && ro_paths[i]; i++) {
		*arg = i;
		STEP(STEP_MOUNT_RO, bind_ro(ro_paths[i], as));
	}
	*arg = -1;
	STEP(STEP_MOUNT_ETC, build_etc(as));
	STEP(STEP_MOUNT_PROC, mkdirs(NEWROOT "/proc"));
	return 0;
}

int mount_build_root(const struct box_plan *p, int *step, int *arg)
{
	int e;

	if ((e = build_base(p->ro_paths, NULL, step, arg)) < 0)
		return e;
	if (mount("proc", NEWROOT "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  BOX_PROC_OPTS) < 0)
		return -errno;
	STEP(STEP_MOUNT_DEV, build_dev(p->shm_opts));
	STEP(STEP_MOUNT_TMP, tmpfs_at(NEWROOT "/tmp", MS_NOSUID | MS_NODEV, p->tmp_opts));
	STEP(STEP_MOUNT_WORK, mkdirs(NEWROOT "/work"));
	STEP(STEP_MOUNT_WORK, work_tmpfs(p, NEWROOT "/work"));
	STEP(STEP_UNPACK, work_unpack(p, NEWROOT "/work"));
	STEP(STEP_PIVOT, pivot("/work"));
	return 0;
}

int mount_build_template(char *const *ro_paths, const struct fs_as *as,
			 int *step, int *arg)
{
	int e;

	*step = STEP_USERNS;
	/* Paths are looked up as the box: that takes the kernel's fix-up of
	 * capabilities when fsuid leaves 0, which this securebit turns off. */
	if (prctl(PR_GET_SECUREBITS) & SECBIT_NO_SETUID_FIXUP)
		return -EPERM;
	if (syscall(SYS_setgroups, 0, NULL) < 0)	/* raw: see take_ids() */
		return -errno;
	if ((e = build_base(ro_paths, as, step, arg)) < 0)
		return e;
	/* The builder's own PID namespace, empty once it exits.  A box may
	 * mount a procfs only where one is fully visible already (the
	 * kernel's mount_too_revealing()); its own then covers this one. */
	if (mount("proc", NEWROOT "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) < 0)
		return -errno;
	STEP(STEP_MOUNT_DEV, build_dev(NULL));
	STEP(STEP_MOUNT_TMP, mkdirs(NEWROOT "/tmp"));
	STEP(STEP_MOUNT_WORK, mkdirs(NEWROOT "/work"));
	STEP(STEP_PIVOT, pivot("/"));
	return 0;
}

int mount_build_from_template(const struct box_plan *p, int *step, int *arg)
{
	int e;

	*arg = -1;
	*step = STEP_MOUNT_PROC;
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  BOX_PROC_OPTS) < 0)
		return -errno;
	*step = STEP_MOUNT_DEV;
	if (mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, p->shm_opts) < 0)
		return -errno;
	*step = STEP_MOUNT_TMP;
	if (mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, p->tmp_opts) < 0)
		return -errno;
	STEP(STEP_MOUNT_WORK, work_tmpfs(p, "/work"));
	STEP(STEP_UNPACK, work_unpack(p, "/work"));
	*step = STEP_PIVOT;
	return chdir("/work") < 0 ? -errno : 0;
}
