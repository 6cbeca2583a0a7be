#!/bin/sh
# tests/security/net.sh - SECURITY.md rows N01-N05: egress, the host's
# loopback and unix-socket services, exotic socket families, io_uring.
# Nothing here sends a packet to a real outside address from the host: the
# jobs' attempts die in their empty network namespace (and Landlock's TCP
# rules), which is what N01 shows.
. "$(dirname "$0")/lib.sh"

# netprobe ID SECONDS: host listeners/probes in the background (sec.py
# netprobe); sets PORT_A PORT_B ABSTRACT SOCKPATH and NPID.
netprobe() {
	NPOUT=$TMPROOT/netprobe.$1
	PORT_A=0 PORT_B=0 ABSTRACT=@none SOCKPATH=/none
	sec netprobe "$NPOUT" "$2" &
	NPID=$!
	if wait_for "$NPOUT.ports" 10; then
		read -r PORT_A PORT_B ABSTRACT SOCKPATH <"$NPOUT.ports"
	fi
}

# ---- N01: egress to the Internet, the LAN, cloud metadata, DNS -----------
# An empty network namespace: only lo.  TCP is also refused by Landlock
# (ABI >= 4: EACCES before routing); UDP, which no Landlock ABI covers,
# shows the namespace itself: ENETUNREACH.
run_job N01 "$(job_from N01 n01_egress.py)"
expect N01 "no route out: only lo, ENETUNREACH/EACCES, no DNS" 1 \
	"d['status'] == 'runtime_error'" "e('interfaces', 'lo')" \
	"all(o['tcp ' + t] in ('ENETUNREACH', 'EACCES') for t in ('1.1.1.1:80', '192.168.1.1:80', '10.0.0.1:22', '169.254.169.254:80', '172.17.0.1:2375'))" \
	"e('udp 8.8.8.8:53', 'ENETUNREACH')" \
	"e('tcp6 2606:4700:4700::1111', 'ENETUNREACH', 'EACCES')" \
	"e('getaddrinfo example.com', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL')" \
	"'URLError' in err" "d['execution_time_ms'] < 8000"
host N01

# ---- N02: the host's loopback services; the job's own listener -----------
netprobe N02 4.5
f=$(manifest N02 n02_loopback.js "timeout = 3" "stdin = \"$PORT_A $PORT_B\"")
run_job N02 "$f"
wait "$NPID"
expect N02 "host loopback unreachable; killed at the wall limit" 124 \
	"d['status'] == 'timeout'" \
	"all(v in ('ECONNREFUSED', 'EACCES', 'ENETUNREACH', 'EADDRNOTAVAIL') for k, v in o.items() if k.startswith('connect '))" \
	"len([k for k in o if k.startswith('connect ')]) == 7" \
	"e('send udp 127.0.0.1:A', 'OK', 'ENETUNREACH', 'EACCES')" \
	"e('listen tcp 0.0.0.0:B', 'EACCES', 'OK')" "e('waiting', 'yes')" \
	"'received' not in o and 'accepted' not in o" \
	"2500 < d['execution_time_ms'] < 6000"
if [ ! -f "$NPOUT" ]; then bad "the host probe did not run"
elif [ -s "$NPOUT" ]; then bad "crossed the namespace: $(tr '\n' ' ' <"$NPOUT")"; fi
verdict N02 "nothing reached the host's listeners, the host reached nothing"
host N02

# ---- N03: unix sockets: abstract (per network namespace) and pathname -----
netprobe N03 2
f=$(job_from N03 n03_unix_sockets.c)
echo "$ABSTRACT $SOCKPATH" >"$f.stdin"
run_job N03 "$f"
wait "$NPID"
expect N03 "abstract names refused, host socket paths absent" 0 \
	"d['status'] == 'ok'" \
	"all(o['connect ' + n] in ('ECONNREFUSED', 'EPERM') for n in ('@/tmp/.X11-unix/X0', '@/containerd-shim/moby/x/shim.sock', '@/org/freedesktop/systemd1/notify', '$ABSTRACT'))" \
	"all(o['connect ' + n] in ('ENOENT', 'EACCES') for n in ('/run/dbus/system_bus_socket', '/var/run/docker.sock', '/run/containerd/containerd.sock', '/run/cylo/cylo.sock', '/run/systemd/journal/stdout', '/dev/log', '$SOCKPATH'))"
if [ ! -f "$NPOUT" ]; then bad "the host probe did not run"
elif [ -s "$NPOUT" ]; then bad "crossed: $(tr '\n' ' ' <"$NPOUT")"; fi
verdict N03 "the host's abstract and pathname listeners saw no connection"
host N03

# ---- N04: raw/exotic socket families, AF_ALG, netlink changes -------------
run_job N04 "$(job_from N04 n04_socket_families.c)"
expect N04 "no raw, packet, vsock, alg, tipc, rds, can; netlink changes refused" 0 \
	"d['status'] == 'ok'" \
	"all(o['socket ' + n] == 'EAFNOSUPPORT' for n in ('AF_PACKET SOCK_RAW', 'AF_PACKET SOCK_DGRAM', 'AF_VSOCK', 'AF_TIPC', 'AF_RDS', 'AF_CAN', 'AF_BLUETOOTH', 'AF_KEY', 'AF_XDP', 'AF_ALG', 'NETLINK_AUDIT', 'NETLINK_KOBJECT_UEVENT', 'NETLINK_SOCK_DIAG', 'high bits AF_INET'))" \
	"all(o['socket ' + n] in ('EPERM', 'EACCES') for n in ('AF_INET SOCK_RAW ICMP', 'AF_INET SOCK_RAW RAW', 'AF_INET6 SOCK_RAW', 'AF_INET SOCK_DGRAM ICMP', 'AF_INET SCTP'))" \
	"'bind AF_ALG skcipher' not in o" \
	"e('netlink set lo down', 'EPERM')" "e('netlink add addr', 'EPERM')" \
	"e('lo up', 'no')"
host N04

# ---- N05: io_uring --------------------------------------------------------
run_job N05 "$(job_from N05 n05_io_uring.c)"
expect N05 "io_uring answers ENOSYS (bad pointers would say EFAULT)" 0 \
	"d['status'] == 'ok'" \
	"e('io_uring_setup', 'ENOSYS')" "e('io_uring_setup badptr', 'ENOSYS')" \
	"e('io_uring_enter', 'ENOSYS')" "e('io_uring_register', 'ENOSYS')"
host N05

# hold_name ID: the host binds the abstract name every probe binds, and
# holds it (HPID) for a minute or until killed.
hold_name() {
	python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind("\0cylo-netns-probe")
open(sys.argv[1], "w").close()
time.sleep(60)' "$TMPROOT/$1.ready" &
	HPID=$!
	wait_for "$TMPROOT/$1.ready" 10 || bad "the host could not hold the name"
}

# ---- N01/N03 through the daemon: network namespaces made ahead -----------
# In root mode a worker makes the next box's empty network namespace while
# it is idle and hands it to exactly one box.  Four jobs on two workers,
# each holding an abstract name that the host holds as well: every bind
# must succeed (no namespace shared with the host or with a job running at
# the same time), each namespace holds only lo and is not the host's, and
# is owned by a user namespace above the box's: one made ahead, not by the
# clone (which shows the daemon took that path).
D=$(drop_dir N01d)
drop_snap N01d "$D"
for n in 1 2 3 4; do cp "$HOSTILE/netns_each.py" "$D/netns$n.py"; done
hold_name n01d
HOSTNET=$(readlink /proc/self/ns/net)
watch_once N01d "$D" 60
kill "$HPID" 2>/dev/null
wait "$HPID" 2>/dev/null
for n in 1 2 3 4; do
	drop_expect N01d "job $n: its own network namespace, made ahead, only lo" "$D" "netns$n.py" \
		"d['status'] == 'ok'" "e('bind', 'OK')" "e('interfaces', 'lo')" \
		"o['netns'] != '$HOSTNET'" "e('netns owner', 'outside')"
done
verdict N01d "the host's abstract name stayed the host's"
drop_host N01d "$D"

# ---- N01/N03 through `cylo run`: the namespace made on a helper thread ---
# A one-shot command makes its box's namespace on a helper thread, on a
# CPU beside its own, while it prepares the box (root mode).  The same
# probe: its own namespace, only lo, made ahead (owned above the box);
# with one CPU there is no helper and the box's clone makes it.
hold_name n01c
owner=outside
[ "$(nproc)" -gt 1 ] || owner="the box"
run_job N01c "$HOSTILE/netns_each.py"
kill "$HPID" 2>/dev/null
wait "$HPID" 2>/dev/null
expect N01c "cylo run: its own network namespace, only lo, made by the helper" 0 \
	"d['status'] == 'ok'" "e('bind', 'OK')" "e('interfaces', 'lo')" \
	"o['netns'] != '$HOSTNET'" "e('netns owner', '$owner')"
host N01c
verdict N01c "the host's abstract name stayed the host's"
