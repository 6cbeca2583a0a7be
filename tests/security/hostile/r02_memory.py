# R02: python memory bombs: one huge allocation (refused or not), then
# 1 GB really written.  Prints "bytearray 10**11: OUTCOME".
import sys

try:
    b = bytearray(10**11)
    print("bytearray 10**11: OK")
    del b
except MemoryError:
    print("bytearray 10**11: MemoryError")
sys.stdout.flush()
x = b"x" * 10**9
print("1 GB written: yes")
