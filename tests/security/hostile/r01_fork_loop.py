# R01: os.fork() until it fails; the children sleep (they must die with
# the job).  Prints "fork: ERRNO" and "forks before: N".
import errno
import os
import time

n = 0
while True:
    try:
        pid = os.fork()
    except OSError as e:
        print(f"fork: {errno.errorcode[e.errno]}")
        break
    if pid == 0:
        time.sleep(3600)
        os._exit(0)
    n += 1
print(f"forks before: {n}")
