# K01's victim: a concurrent job that must finish untouched.
import signal
import sys
import time

got = []
for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1, signal.SIGINT):
    signal.signal(s, lambda n, _f: got.append(n))
time.sleep(2)
print("signals: " + (" ".join(map(str, got)) or "none"))
print("victim: alive")
sys.stdout.flush()
