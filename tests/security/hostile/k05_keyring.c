/* K05 (isolate flag 1): keyrings are not namespaced, so a key could carry
 * data to a later job.  argv[1] "write" adds keys; "read" looks for them.
 * Raw syscalls (no libkeyutils); bad pointers where the call takes one.
 * Prints "CALL: ERRNO" or OK (with the value found, if any). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define KEY_SPEC_SESSION_KEYRING -3
#define KEY_SPEC_USER_KEYRING -4
#define KEYCTL_GET_KEYRING_ID 0
#define KEYCTL_JOIN_SESSION_KEYRING 1
#define KEYCTL_READ 11
#define KEYCTL_SEARCH 10

static void say(const char *what, long r)
{
	printf("%s: %s\n", what, r < 0 ? strerrorname_np(errno) : "OK");
}

int main(int argc, char **argv)
{
	char buf[64] = "";
	long id;

	if (argc > 1 && strcmp(argv[1], "write") == 0) {
		say("add_key user", syscall(SYS_add_key, "user", "cylo-k05", "secret-k05", 10,
					    KEY_SPEC_USER_KEYRING));
		say("add_key session", syscall(SYS_add_key, "user", "cylo-k05", "secret-k05", 10,
					       KEY_SPEC_SESSION_KEYRING));
		say("add_key badptr", syscall(SYS_add_key, (void *)1, (void *)1, (void *)1, 1,
					      KEY_SPEC_USER_KEYRING));
		say("keyctl join session", syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING,
						   "cylo-k05-ring"));
	}
	say("keyctl get session", syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID,
					  KEY_SPEC_SESSION_KEYRING, 0));
	id = syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_USER_KEYRING, "user", "cylo-k05", 0);
	say("keyctl search user", id);
	if (id >= 0 && syscall(SYS_keyctl, KEYCTL_READ, id, buf, sizeof(buf) - 1) >= 0)
		printf("found: %s\n", buf);
	say("request_key", syscall(SYS_request_key, "user", "cylo-k05", NULL,
				   KEY_SPEC_USER_KEYRING));
	say("keyctl badptr", syscall(SYS_keyctl, KEYCTL_READ, 1, (void *)1, 10));
	return 0;
}
