# X05: the attacker in the shared folder (runs on the host as another
# user): for SECONDS, rename a regular file and a symlink to TARGET into
# place as NAME, over and over; after each pair, stat NAME's result and
# read every new version of it (the daemon renames each one into place, so
# only a version replaced within one loop can be missed), noting any that
# carries TARGET's marker.  Prints "renames: N", "results: N" (versions
# read) and "leaks: N" (results that ran TARGET).
#   python3 x05_racer.py DIR NAME TARGET SECONDS
import os
import sys
import time

d, name, target, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
job, res = os.path.join(d, name), os.path.join(d, name + ".result.json")
reg, lnk = os.path.join(d, ".x05.reg.tmp"), os.path.join(d, ".x05.lnk.tmp")
n = leaks = reads = 0
seen = None
end = time.monotonic() + seconds
while time.monotonic() < end:
    with open(reg, "w") as f:
        f.write('print("REGULAR-RAN")\n')
    os.rename(reg, job)
    try:
        os.unlink(lnk)
    except FileNotFoundError:
        pass
    os.symlink(target, lnk)
    os.rename(lnk, job)
    n += 2
    try:
        st = os.lstat(res)
        if (st.st_ino, st.st_mtime_ns) != seen:
            seen = (st.st_ino, st.st_mtime_ns)
            with open(res) as f:
                reads += 1
                if "CANARY-RAN" in f.read():
                    leaks += 1
    except OSError:
        pass
print(f"renames: {n}")
print(f"results: {reads}")
print(f"leaks: {leaks}")
