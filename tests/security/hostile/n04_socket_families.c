/* N04: raw and exotic sockets (module autoload bait), AF_ALG, and
 * NETLINK_ROUTE changes to the box's own interfaces.  Prints
 * "socket NAME: ERRNO" or OK, the netlink answers, and lo's state. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/if_alg.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

static int try_socket(const char *name, int fam, int type, int proto)
{
	int fd = socket(fam, type, proto);

	printf("socket %s: %s\n", name, fd < 0 ? strerrorname_np(errno) : "OK");
	return fd;
}

/* One RTM_NEWLINK (set lo down) or RTM_NEWADDR; prints the kernel's answer. */
static void nl_request(const char *what, int type, int flags)
{
	struct {
		struct nlmsghdr h;
		union {
			struct ifinfomsg i;
			struct ifaddrmsg a;
		};
		char attrs[32];
	} req;
	char buf[4096];
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	long r;

	if (fd < 0) {
		printf("%s: socket %s\n", what, strerrorname_np(errno));
		return;
	}
	memset(&req, 0, sizeof(req));
	req.h.nlmsg_type = (unsigned short)type;
	req.h.nlmsg_flags = (unsigned short)(NLM_F_REQUEST | NLM_F_ACK | flags);
	if (type == RTM_NEWLINK) {
		req.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
		req.i.ifi_family = AF_UNSPEC;
		req.i.ifi_index = (int)if_nametoindex("lo");
		req.i.ifi_change = IFF_UP;
		req.i.ifi_flags = 0;
	} else {
		struct rtattr *rta;
		req.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
		req.a.ifa_family = AF_INET;
		req.a.ifa_prefixlen = 24;
		req.a.ifa_index = if_nametoindex("lo");
		rta = (struct rtattr *)((char *)&req + NLMSG_ALIGN(req.h.nlmsg_len));
		rta->rta_type = IFA_LOCAL;
		rta->rta_len = RTA_LENGTH(4);
		memcpy(RTA_DATA(rta), "\x0a\x0b\x0c\x0d", 4);
		req.h.nlmsg_len = NLMSG_ALIGN(req.h.nlmsg_len) + rta->rta_len;
	}
	r = send(fd, &req, req.h.nlmsg_len, 0);
	if (r >= 0)
		r = recv(fd, buf, sizeof(buf), 0);
	if (r >= (long)NLMSG_LENGTH(sizeof(struct nlmsgerr)) &&
	    ((struct nlmsghdr *)buf)->nlmsg_type == NLMSG_ERROR) {
		int err = ((struct nlmsgerr *)NLMSG_DATA(buf))->error;
		printf("%s: %s\n", what, err ? strerrorname_np(-err) : "OK");
	} else {
		printf("%s: %s\n", what, r < 0 ? strerrorname_np(errno) : "no answer");
	}
	close(fd);
}

int main(void)
{
	struct sockaddr_alg sa = { .salg_family = AF_ALG, .salg_type = "skcipher",
				   .salg_name = "cbc(aes)" };
	struct ifreq ifr;
	int fd, s;

	try_socket("AF_PACKET SOCK_RAW", AF_PACKET, SOCK_RAW, 0);
	try_socket("AF_PACKET SOCK_DGRAM", AF_PACKET, SOCK_DGRAM, 0);
	try_socket("AF_INET SOCK_RAW ICMP", AF_INET, SOCK_RAW, IPPROTO_ICMP);
	try_socket("AF_INET SOCK_RAW RAW", AF_INET, SOCK_RAW, IPPROTO_RAW);
	try_socket("AF_INET6 SOCK_RAW", AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);
	try_socket("AF_INET SOCK_DGRAM ICMP", AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
	try_socket("AF_INET SCTP", AF_INET, SOCK_STREAM, IPPROTO_SCTP);
	try_socket("AF_VSOCK", AF_VSOCK, SOCK_STREAM, 0);
	try_socket("AF_TIPC", AF_TIPC, SOCK_RDM, 0);
	try_socket("AF_RDS", AF_RDS, SOCK_SEQPACKET, 0);
	try_socket("AF_CAN", AF_CAN, SOCK_RAW, 1);
	try_socket("AF_BLUETOOTH", AF_BLUETOOTH, SOCK_RAW, 0);
	try_socket("AF_KEY", AF_KEY, SOCK_RAW, 2);
	try_socket("AF_XDP", 44, SOCK_RAW, 0);
	try_socket("NETLINK_AUDIT", AF_NETLINK, SOCK_RAW, NETLINK_AUDIT);
	try_socket("NETLINK_KOBJECT_UEVENT", AF_NETLINK, SOCK_RAW, NETLINK_KOBJECT_UEVENT);
	try_socket("NETLINK_SOCK_DIAG", AF_NETLINK, SOCK_RAW, NETLINK_SOCK_DIAG);
	try_socket("high bits AF_INET", AF_INET | (1 << 20), SOCK_STREAM, 0);
	fd = try_socket("AF_ALG", AF_ALG, SOCK_SEQPACKET, 0);
	if (fd >= 0) {
		printf("bind AF_ALG skcipher: %s\n",
		       bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ?
		       strerrorname_np(errno) : "OK");
		close(fd);
	}
	nl_request("netlink set lo down", RTM_NEWLINK, 0);
	nl_request("netlink add addr", RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (s >= 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == 0)
		printf("lo up: %s\n", (ifr.ifr_flags & IFF_UP) ? "yes" : "no");
	return 0;
}
