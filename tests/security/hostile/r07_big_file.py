# R07: write a 10 GB output file in /work.  Prints "write: ERRNO after N MiB".
import errno

chunk = b"\0" * (1 << 20)
n = 0
try:
    with open("/work/out.bin", "wb") as f:
        for n in range(10 * 1024):
            f.write(chunk)
            f.flush()
    print("write: OK")
except OSError as e:
    print(f"write: {errno.errorcode[e.errno]} after {n} MiB")
