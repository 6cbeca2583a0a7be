# N01: reach the outside: HTTP to 1.1.1.1, TCP to the LAN and the cloud
# metadata address, UDP DNS to 8.8.8.8, name resolution.  The box's network
# namespace is empty, so every attempt fails before a packet exists.
# Prints "WHAT: ERRNO-NAME" lines and the interfaces; then dies on urlopen.
import errno
import socket
import urllib.request


def name(e):
    return errno.errorcode.get(e.errno, str(e.errno)) if e.errno else type(e).__name__


print("interfaces: " + " ".join(n for _i, n in socket.if_nameindex()))
for host, port in (("1.1.1.1", 80), ("192.168.1.1", 80), ("10.0.0.1", 22),
                   ("169.254.169.254", 80), ("172.17.0.1", 2375)):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(3)
    try:
        s.connect((host, port))
        print(f"tcp {host}:{port}: OK")
    except OSError as e:
        print(f"tcp {host}:{port}: {name(e)}")
    s.close()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    s.sendto(b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", ("8.8.8.8", 53))
    print("udp 8.8.8.8:53: OK")
except OSError as e:
    print(f"udp 8.8.8.8:53: {name(e)}")
s6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
try:
    s6.connect(("2606:4700:4700::1111", 80))
    print("tcp6 2606:4700:4700::1111: OK")
except OSError as e:
    print(f"tcp6 2606:4700:4700::1111: {name(e)}")
try:
    socket.getaddrinfo("example.com", 80)
    print("getaddrinfo example.com: OK")
except socket.gaierror as e:
    print("getaddrinfo example.com: " + {socket.EAI_AGAIN: "EAI_AGAIN",
          socket.EAI_NONAME: "EAI_NONAME", socket.EAI_FAIL: "EAI_FAIL"}.get(e.errno, str(e.errno)))
import sys
sys.stdout.flush()
urllib.request.urlopen("http://1.1.1.1", timeout=3)
