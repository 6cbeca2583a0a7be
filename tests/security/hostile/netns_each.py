# Network namespaces made ahead of time (the daemon, root mode): is this
# job's namespace its own?  It binds an abstract unix name that the host
# holds too and that every other job of the case binds, then keeps it for a
# while so the other worker's job runs meanwhile.  Abstract names are per
# network namespace: EADDRINUSE would mean a namespace shared with the host
# or with another job.  Prints "KEY: VALUE" lines.
import errno
import fcntl
import os
import socket
import time

print("netns: " + os.readlink("/proc/self/ns/net"))
# NS_GET_USERNS: a namespace the box's clone made is owned by the box's
# user namespace (an fd comes back); one made ahead by the daemon is owned
# by a user namespace above the box's (EPERM).
fd = os.open("/proc/self/ns/net", os.O_RDONLY)
try:
    os.close(fcntl.ioctl(fd, 0xB701))
    print("netns owner: the box")
except OSError as e:
    print("netns owner: " + ("outside" if e.errno == errno.EPERM else
                             errno.errorcode.get(e.errno, str(e.errno))))
os.close(fd)
print("interfaces: " + " ".join(n for _i, n in socket.if_nameindex()))
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.bind("\0cylo-netns-probe")
    print("bind: OK")
except OSError as e:
    print("bind: " + errno.errorcode.get(e.errno, str(e.errno)))
time.sleep(1.5)
