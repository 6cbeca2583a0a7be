# R05: sleep for 31 years.
import time

print("sleeping: yes", flush=True)
time.sleep(10**9)
