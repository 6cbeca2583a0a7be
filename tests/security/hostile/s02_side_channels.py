# S02: what a job can learn about the host and other jobs: load, CPU and
# memory statistics, pressure, uptime, other processes.  Prints
# "read PATH: OK|ERRNO" and "pids: ...".
import errno
import os

for p in ("/proc/loadavg", "/proc/stat", "/proc/meminfo", "/proc/uptime",
          "/proc/pressure/cpu", "/proc/pressure/memory", "/proc/vmstat",
          "/proc/interrupts", "/proc/schedstat", "/proc/diskstats",
          "/sys/devices/system/cpu/online", "/sys/fs/cgroup/cpu.stat"):
    try:
        open(p).read()
        print(f"read {p}: OK")
    except OSError as e:
        print(f"read {p}: {errno.errorcode[e.errno]}")
print("pids: " + " ".join(sorted(p for p in os.listdir("/proc") if p.isdigit())))
print("self: %d" % os.getpid())
print("cpus: %d" % os.cpu_count())
