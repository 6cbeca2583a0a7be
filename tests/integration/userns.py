"""userns.py UIDMAP GIDMAP CMD...: runs CMD as root of a new user namespace
(with a mount namespace of its own, as in a container) whose id maps are
UIDMAP and GIDMAP ("inside:outside:count[,...]"), written by this (root)
process from outside.  Only the mapped host ids exist in there: a file of
another owner shows as the overflow id, and no chown can give a file to
it (EINVAL), as root on a root-squashed NFS export cannot.  Exits with
CMD's status."""
import ctypes
import os
import sys

CLONE_NEWUSER = 0x10000000
CLONE_NEWNS = 0x00020000


def write_map(pid, name, spec):
    with open(f"/proc/{pid}/{name}", "w") as f:
        f.write("".join(" ".join(m.split(":")) + "\n" for m in spec.split(",")))


def main():
    uidmap, gidmap, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
    libc = ctypes.CDLL(None, use_errno=True)
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(ready_r)
        os.close(go_w)
        if libc.unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0:
            os.write(2, b"userns.py: unshare: %d\n" % ctypes.get_errno())
            os._exit(125)
        os.write(ready_w, b"1")
        if os.read(go_r, 1) != b"1":
            os._exit(125)
        os.execvp(cmd[0], cmd)
    os.close(ready_w)
    os.close(go_r)
    if os.read(ready_r, 1) != b"1":
        sys.exit(f"userns.py: the child could not make its namespace")
    write_map(pid, "uid_map", uidmap)
    write_map(pid, "gid_map", gidmap)
    os.write(go_w, b"1")
    _, status = os.waitpid(pid, 0)
    sys.exit(os.waitstatus_to_exitcode(status) & 0xff)


main()
