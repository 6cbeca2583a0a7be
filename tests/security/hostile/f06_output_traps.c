/* F06: leave traps where a daemon might read outputs back: a symlink to
 * /etc/passwd named like an output file, FIFOs named like the captured
 * streams and like result files, hard links.  The job's real output is
 * its stdout pipe; prints "WHAT: OUTCOME" lines and a marker. */
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

int main(int argc, char **argv)
{
	static const char *const fifos[] = {
		"/work/stdout", "/work/stderr", "/work/output", "/work/f06.c.stdout",
		"/work/f06.c.stderr", "/work/f06.c.result.json", "/tmp/stdout", NULL
	};
	char what[96];

	(void)argc;
	(void)argv;
	say("symlink output.txt", symlink("/etc/passwd", "/work/output.txt"));
	say("symlink result", symlink("/etc/shadow", "/work/result.json"));
	for (int i = 0; fifos[i]; i++) {
		snprintf(what, sizeof(what), "mkfifo %s", fifos[i]);
		say(what, mkfifo(fifos[i], 0666));
	}
	say("link /etc/passwd", link("/etc/passwd", "/work/passwd"));
	say("link /usr/bin/python3", link("/usr/bin/python3", "/work/py"));
	say("link own source", link("/work/f06.c", "/work/f06.c.hard"));
	printf("marker: F06-OUTPUT\n");
	fflush(stdout);
	/* The stdout pipe stays the only channel: nothing else is read back. */
	return 0;
}
