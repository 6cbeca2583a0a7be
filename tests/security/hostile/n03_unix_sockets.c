/* N03 (containerd CVE-2020-15257, Judge0 CVE-2024-29021): host services
 * on unix sockets, abstract and pathname.  stdin names an abstract name
 * and a pathname socket the host test listens on.  Prints
 * "connect NAME: ERRNO" or OK. */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static void try_connect(const char *name)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	size_t n = strlen(name);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	long r = fd;

	if (n >= sizeof(a.sun_path))
		n = sizeof(a.sun_path) - 1;
	memcpy(a.sun_path, name, n);
	if (name[0] == '@')
		a.sun_path[0] = '\0';	/* abstract */
	if (fd >= 0) {
		r = connect(fd, (struct sockaddr *)&a,
			    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n));
		close(fd);
	}
	printf("connect %s: %s\n", name, r < 0 ? strerrorname_np(errno) : "OK");
}

int main(void)
{
	static const char *const fixed[] = {
		"@/tmp/.X11-unix/X0", "@/containerd-shim/moby/x/shim.sock",
		"@/org/freedesktop/systemd1/notify", "/run/dbus/system_bus_socket",
		"/var/run/docker.sock", "/run/containerd/containerd.sock",
		"/run/cylo/cylo.sock", "/run/systemd/journal/stdout", "/dev/log", NULL
	};
	char name[256];

	for (int i = 0; fixed[i]; i++)
		try_connect(fixed[i]);
	while (scanf("%255s", name) == 1)
		try_connect(name);
	return 0;
}
