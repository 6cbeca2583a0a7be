# R07: flood stdout and stderr with 1 MiB lines, forever.
import sys

line = "x" * (1 << 20)
while True:
    print(line)
    print(line, file=sys.stderr)
