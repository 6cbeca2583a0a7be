/* K02: become root again: setuid family, capset, setgroups, then exec
 * the host's setuid-root binaries.  Prints "WHAT: ERRNO" or OK, the ids,
 * the capability sets, and "exec NAME: exit N" / "exec NAME root: yes". */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void say(const char *what, long r)
{
	printf("%s: %s\n", what, r < 0 ? strerrorname_np(errno) : "OK");
	fflush(stdout);
}

/* Runs @argv with stdout+stderr into a pipe; reports exit and a root id. */
static void run(const char *name, char *const argv[])
{
	char out[4096] = "";
	int p[2], status = 0;
	ssize_t n, len = 0;
	pid_t pid;

	if (pipe(p) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		close(p[0]);
		execv(argv[0], argv);
		printf("exec failed %s\n", strerrorname_np(errno));
		_exit(127);
	}
	close(p[1]);
	while ((n = read(p[0], out + len, sizeof(out) - 1 - (size_t)len)) > 0)
		len += n;
	out[len] = '\0';
	close(p[0]);
	waitpid(pid, &status, 0);
	printf("exec %s: exit %d\n", name, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	if (strstr(out, "uid=0") || strncmp(out, "0\n", 2) == 0)
		printf("exec %s root: yes\n", name);
}

int main(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = { { ~0U, ~0U, ~0U }, { ~0U, ~0U, ~0U } };
	gid_t zero = 0;
	uid_t r, e, s;
	char line[256];
	FILE *f;

	say("setuid 0", setuid(0));
	say("setresuid 0", setresuid(0, 0, 0));
	say("setgid 0", setgid(0));
	say("setgroups 0", setgroups(1, &zero));
	setfsuid(0);	/* fails silently: the check is the fsuid below */
	say("capset all", syscall(SYS_capset, &h, d));
	say("prctl cap_ambient_raise", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, 21, 0, 0));
	say("prctl set_securebits 0", prctl(PR_SET_SECUREBITS, 0, 0, 0, 0));
	getresuid(&r, &e, &s);
	printf("resuid: %u %u %u\n", r, e, s);
	printf("fsuid: %d\n", setfsuid((uid_t)-1));	/* -1: a query */
	printf("securebits: %#x\n", prctl(PR_GET_SECUREBITS, 0, 0, 0, 0));
	f = fopen("/proc/self/status", "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "Cap", 3) || !strncmp(line, "NoNewPrivs", 10) ||
		    !strncmp(line, "Seccomp:", 8))
			fputs(line, stdout);	/* "CapEff:\t0000..." */
	fflush(stdout);
	run("su", (char *const[]){ "/usr/bin/su", "-c", "id", "root", NULL });
	run("sudo", (char *const[]){ "/usr/bin/sudo", "-n", "id", NULL });
	run("ping", (char *const[]){ "/usr/bin/ping", "-c1", "127.0.0.1", NULL });
	run("newuidmap", (char *const[]){ "/usr/bin/newuidmap", "1", "0", "0", "1", NULL });
	run("mount", (char *const[]){ "/usr/bin/mount", "-t", "tmpfs", "none", "/tmp", NULL });
	run("passwd", (char *const[]){ "/usr/bin/passwd", "-d", "root", NULL });
	run("newgrp", (char *const[]){ "/usr/bin/newgrp", "root", NULL });
	run("gpasswd", (char *const[]){ "/usr/bin/gpasswd", "-a", "cylo", "root", NULL });
	return 0;
}
