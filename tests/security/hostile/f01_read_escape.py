# F01: read host files, then walk the whole visible tree.  stdin names the
# host paths to try (canaries, the drop folder).  Prints "open PATH: ERRNO"
# and "walk PATH: TYPE" lines; /usr and /proc are listed one level deep
# ("walk /usr/bin: dir" ...), everything else in full.
import errno
import os
import stat
import sys

targets = ["/etc/shadow", "/root/.ssh/id_rsa", "/var/lib/cylo/state",
           "/var/lib/cylo", "/etc/cylo/cylo.conf"] + sys.stdin.read().split()
for p in targets:
    try:
        open(p).close()
        print(f"open {p}: OK")
    except OSError as e:
        print(f"open {p}: {errno.errorcode[e.errno]}")


def kind(p):
    m = os.lstat(p).st_mode
    return "link" if stat.S_ISLNK(m) else "dir" if stat.S_ISDIR(m) else \
        "file" if stat.S_ISREG(m) else "chr" if stat.S_ISCHR(m) else "other"


def walk(top, deep):
    try:
        names = sorted(os.listdir(top))
    except OSError as e:
        print(f"list {top}: {errno.errorcode[e.errno]}")
        return
    for n in names:
        p = os.path.join(top, n)
        k = kind(p)
        print(f"walk {p}: {k}")
        if k == "dir" and deep and p not in ("/usr", "/proc"):
            walk(p, True)
        elif k == "dir" and p in ("/usr", "/proc"):
            walk(p, False)


walk("/", True)
# The catalogue's outcome: the job dies on the refused read.
open("/etc/shadow")
