/* F03: remount /usr read-write, detach it, the classic chroot escape,
 * pivot_root, and open_by_handle_at ("shocker").  Bad pointers where the
 * call takes one: an unfiltered call would say EFAULT, a filtered one EPERM.
 * Then proves the root did not move: /etc/shadow is still absent. */
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
	struct { unsigned int bytes; int type; unsigned char h[8]; } fh = { 8, 1, { 2 } };
	int found = 0;

	say("mount remount /usr rw",
	    mount(NULL, "/usr", NULL, MS_REMOUNT | MS_BIND, NULL));
	say("mount badptr", mount(BAD, BAD, BAD, 0, BAD));
	say("mount proc", mount("proc", "/work", "proc", 0, NULL));
	say("umount2 /usr", umount2("/usr", MNT_DETACH));
	say("umount2 badptr", umount2(BAD, 0));
	mkdir("/work/jail", 0755);
	say("chroot /work/jail", chroot("/work/jail"));
	say("chroot badptr", chroot(BAD));
	for (int i = 0; i < 64; i++)
		chdir("..");
	say("chroot .", chroot("."));
	say("pivot_root", syscall(SYS_pivot_root, ".", "."));
	say("pivot_root badptr", syscall(SYS_pivot_root, BAD, BAD));
	/* shocker brute force: walk a few inode numbers of the root fs */
	for (unsigned i = 2; i < 64; i++) {
		int fd;
		memcpy(fh.h, &i, sizeof(i));
		fd = (int)syscall(SYS_open_by_handle_at, AT_FDCWD, &fh, O_RDONLY);
		if (fd >= 0) {
			found++;
			close(fd);
		}
		if (i == 2)
			say("open_by_handle_at", fd);
	}
	printf("open_by_handle_at opened: %d\n", found);
	say("open_by_handle_at badptr", syscall(SYS_open_by_handle_at, AT_FDCWD, BAD, 0));
	say("name_to_handle_at badptr",
	    syscall(SYS_name_to_handle_at, AT_FDCWD, "/", BAD, BAD, 0));
	say("open /etc/shadow after", open("/etc/shadow", O_RDONLY));
	char cwd[256];
	printf("cwd after: %s\n", getcwd(cwd, sizeof(cwd)) ? cwd : strerrorname_np(errno));
	return 0;
}
