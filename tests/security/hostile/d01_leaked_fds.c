/* D01: inherited descriptors and directories (runc CVE-2024-21626): every
 * fd 0..65535 that is open, what it is, and whether it leads anywhere
 * (fchdir, openat ".."); cwd and root as the kernel sees them.  Prints
 * "fd N: TARGET" for each open fd and "WHAT: VALUE" lines. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void)
{
	char path[64], target[4096], cwd[4096];
	struct sockaddr_storage ss;
	socklen_t sl;
	int open_fds = 0, dirs = 0, sockets = 0;

	for (int fd = 0; fd < 65536; fd++) {
		struct stat st;
		ssize_t n;
		if (fcntl(fd, F_GETFD) < 0)
			continue;
		open_fds++;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n = readlink(path, target, sizeof(target) - 1);
		target[n < 0 ? 0 : n] = '\0';
		if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
			dirs++;
		sl = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
			sockets++;
		printf("fd %d: %s\n", fd, strncmp(target, "pipe:", 5) == 0 ? "pipe" :
		       strncmp(target, "/memfd:", 7) == 0 ? "memfd" : target);
		printf("fd %d fchdir: %s\n", fd, fchdir(fd) < 0 ? strerrorname_np(errno) : "OK");
		printf("fd %d openat ..: %s\n", fd,
		       openat(fd, "..", O_RDONLY) < 0 ? strerrorname_np(errno) : "OK");
		printf("fd %d flags: %s\n", fd,
		       (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY ? "ro" :
		       (fcntl(fd, F_GETFL) & O_ACCMODE) == O_WRONLY ? "wo" : "rw");
	}
	if (chdir("/work") < 0)
		return 1;
	printf("open fds: %d\n", open_fds);
	printf("directory fds: %d\n", dirs);
	printf("socket fds: %d\n", sockets);
	memset(target, 0, sizeof(target));
	printf("cwd link: %s\n", readlink("/proc/self/cwd", target, sizeof(target)) < 0 ?
	       strerrorname_np(errno) : target);
	memset(target, 0, sizeof(target));
	printf("root link: %s\n", readlink("/proc/self/root", target, sizeof(target)) < 0 ?
	       strerrorname_np(errno) : target);
	printf("getcwd: %s\n", getcwd(cwd, sizeof(cwd)) ? cwd : strerrorname_np(errno));
	return 0;
}
