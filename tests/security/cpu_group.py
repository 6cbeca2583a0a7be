"""cpu_group.py: the cylo groups of the CPU scheduler's hierarchy that hold
a task now, one line each ("v1 PATH N" or "v2 PATH N"), found from this
process's own groups.  v1: the hierarchy mounted with the cpu controller;
v2: groups whose cgroup.controllers name cpu."""
import glob
import os


def mounts():
    with open("/proc/self/mounts") as f:
        for line in f:
            dev, mnt, fstype, opts = line.split()[:4]
            yield mnt, fstype, opts.split(",")


def own(ctl):
    with open("/proc/self/cgroup") as f:
        for line in f:
            _, ctls, path = line.rstrip("\n").split(":", 2)
            if ctl in ctls.split(",") or (ctl == "" and ctls == ""):
                return path
    return None


def report(kind, base):
    for d, _, files in os.walk(base):
        if "/cylo-" not in d + "/":
            continue
        tasks = "tasks" if kind == "v1" else "cgroup.threads"
        if tasks not in files:
            continue
        if kind == "v2":
            try:
                if "cpu" not in open(os.path.join(d, "cgroup.controllers")).read().split():
                    continue
            except OSError:
                continue
        try:
            n = len(open(os.path.join(d, tasks)).read().split())
        except OSError:
            continue
        if n:
            print(kind, d, n)


for mnt, fstype, opts in mounts():
    if fstype == "cgroup" and "cpu" in opts:
        report("v1", mnt + (own("cpu") or "/"))
    elif fstype == "cgroup2" and os.path.exists(mnt + "/cgroup.controllers") and \
            "cpu" in open(mnt + "/cgroup.controllers").read().split():
        report("v2", mnt + (own("") or "/"))
