# P01: what /proc shows of other processes.  Prints the visible pids, then
# for pid 1 and every visible pid its environ/cmdline/status outcome:
# "read /proc/N/FILE: OK <len>" or the errno; "uid N: ...", "env N: KEYS",
# "cmdline N: ARGV".  Then whether the procfs can be unmounted to see what
# lies beneath ("umount2 /proc": the errno), and how many procfs mounts
# /proc holds ("proc mounts": 2 in a box cloned from a daemon's mount
# template, whose own procfs lies under the box's).
import ctypes
import errno
import os

pids = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
print("pids: " + " ".join(map(str, pids)))
print("self: %d" % os.getpid())


def read(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
        print(f"read {path}: OK {len(data)}")
        return data
    except OSError as e:
        print(f"read {path}: {errno.errorcode[e.errno]}")
        return None


libc = ctypes.CDLL(None, use_errno=True)
rc = libc.umount2(b"/proc", 2)      # MNT_DETACH
print("umount2 /proc: " + ("OK" if rc == 0 else errno.errorcode[ctypes.get_errno()]))
with open("/proc/self/mountinfo") as f:
    print("proc mounts: %d" % sum(line.split()[4] == "/proc" for line in f))

for pid in sorted(set([1] + pids)):
    env = read(f"/proc/{pid}/environ")
    if env is not None:
        keys = sorted(x.split(b"=", 1)[0].decode() for x in env.split(b"\0") if x)
        print(f"env {pid}: {','.join(keys)}")
    cmd = read(f"/proc/{pid}/cmdline")
    if cmd is not None:
        argv = cmd.replace(b"\0", b" ").decode(errors="replace").strip()
        print(f"cmdline {pid}: {argv}")
    st = read(f"/proc/{pid}/status")
    if st is not None:
        for line in st.decode().splitlines():
            if line.startswith(("Uid:", "Name:", "PPid:")):
                k, v = line.split(":", 1)
                print(f"{k.lower()} {pid}: {' '.join(v.split())}")
