# A01-A09: writes every hostile archive of the catalogue into OUTDIR, at
# test time (nothing binary is stored).  TAG makes the host paths the
# archives aim at unique: /tmp/cylo-sec-TAG-*.
#   python3 mkarchives.py OUTDIR TAG
# Each archive that could run carries a main.py printing "KEY: VALUE"
# lines about what it sees ("entry PATH: file|dir|other" for every file of
# /work); the test asserts the status and those lines.
import gzip
import io
import os
import random
import struct
import sys
import tarfile
import time
import zipfile
import zlib

OUT, TAG = sys.argv[1], sys.argv[2]
MAIN_LIST = b"""import os, stat
for top, dirs, files in os.walk("/work"):
    for n in sorted(dirs + files):
        m = os.lstat(os.path.join(top, n)).st_mode
        kind = "dir" if stat.S_ISDIR(m) else "file" if stat.S_ISREG(m) else "other"
        print("entry " + os.path.join(top, n)[6:] + ": " + kind)
print("main: ran")
"""


def ti(name, data=b"", **kw):
    t = tarfile.TarInfo(name)
    t.size = len(data)
    t.mode = 0o644
    t.mtime = 1700000000
    for k, v in kw.items():
        setattr(t, k, v)
    return t


def tar(name, entries, fmt=tarfile.PAX_FORMAT, mode="w"):
    """entries: (TarInfo, data) pairs."""
    with tarfile.open(os.path.join(OUT, name), mode, format=fmt) as t:
        for info, data in entries:
            t.addfile(info, io.BytesIO(data) if data else None)


def main_entry():
    return (ti("main.py", MAIN_LIST), MAIN_LIST)


def raw_tar(name, blocks):
    """A tar made of hand-made 512-byte headers and data, two zero blocks."""
    with open(os.path.join(OUT, name), "wb") as f:
        for b in blocks:
            f.write(b)
        f.write(b"\0" * 1024)


def header(info):
    return info.tobuf(tarfile.USTAR_FORMAT, "utf-8", "surrogateescape")


def patch_type(buf, typeflag, linkname=b""):
    """Rewrites the typeflag and linkname of a ustar header; new checksum."""
    b = bytearray(buf[:512])
    b[156:157] = typeflag
    b[157:257] = linkname.ljust(100, b"\0")
    b[148:156] = b" " * 8
    b[148:156] = b"%06o\0 " % sum(b)
    return bytes(b) + buf[512:]


def pad(data):
    return data + b"\0" * (-len(data) % 512)


def zipfile_with(name, entries):
    with zipfile.ZipFile(os.path.join(OUT, name), "w", zipfile.ZIP_DEFLATED) as z:
        for zi, data in entries:
            z.writestr(zi, data)


def zinfo(name, mode=0o100644):
    zi = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    zi.external_attr = mode << 16
    zi.create_system = 3	# unix: the mode is in the external attributes
    zi.compress_type = zipfile.ZIP_DEFLATED
    return zi


# ---- A01: path traversal ----------------------------------------------------
tar("a01_dotdot.tar", [main_entry(), (ti(f"../../../../tmp/cylo-sec-{TAG}-dotdot", b"x"), b"x")])
tar("a01_nested_dotdot.tar", [main_entry(), (ti("a/../../cylo-sec-x", b"x"), b"x")])
tar("a01_abs.tar", [main_entry(), (ti(f"/tmp/cylo-sec-{TAG}-abs", b"x"), b"x")])
tar("a01_abs_cron.tar", [main_entry(), (ti(f"/etc/cron.d/cylo-sec-{TAG}", b"x"), b"x")])
zipfile_with("a01_backslash.zip", [(zinfo("main.py"), MAIN_LIST),
                                   (zinfo(f"..\\..\\tmp\\cylo-sec-{TAG}-bs"), b"x")])
zipfile_with("a01_dotdot.zip", [(zinfo("main.py"), MAIN_LIST),
                                (zinfo(f"../../../../tmp/cylo-sec-{TAG}-zip"), b"x")])

# ---- A02: symlinks ---------------------------------------------------------
tar("a02_link_then_file.tar", [main_entry(), (ti("d", type=tarfile.SYMTYPE, linkname="/etc"), b""),
                               (ti("d/passwd", b"evil"), b"evil")])
tar("a02_two_hops.tar", [main_entry(), (ti("a", type=tarfile.SYMTYPE, linkname="b"), b""),
                         (ti("b", type=tarfile.SYMTYPE, linkname="/etc"), b""),
                         (ti("a/x", b"evil"), b"evil")])
tar("a02_dir_link_file.tar", [main_entry(), (ti("d", type=tarfile.DIRTYPE, mode=0o755), b""),
                              (ti("d", type=tarfile.SYMTYPE, linkname="/etc"), b""),
                              (ti("d/x", b"evil"), b"evil")])
tar("a02_relative_escape.tar", [main_entry(),
                                (ti("up", type=tarfile.SYMTYPE, linkname="../../../../etc"), b"")])

# ---- A03: hard links ---------------------------------------------------------
tar("a03_hard_abs.tar", [main_entry(), (ti("h", type=tarfile.LNKTYPE, linkname="/etc/shadow"), b"")])
tar("a03_hard_rel.tar", [main_entry(), (ti("h", type=tarfile.LNKTYPE, linkname="../../etc/shadow"), b"")])
tar("a03_hard_su.tar", [main_entry(), (ti("h", type=tarfile.LNKTYPE, linkname="/usr/bin/su"), b"")])
tar("a03_hard_earlier.tar", [main_entry(), (ti("h", type=tarfile.LNKTYPE, linkname="main.py"), b"")])
# CVE-2016-5418: a hard link that carries data (the data would be written
# through the link into its target).
data = b"overwritten through a hard link\n"
reg = header(ti("h", data))
raw_tar("a03_hard_with_data.tar", [header(main_entry()[0]), pad(MAIN_LIST),
                                   patch_type(reg, b"1", b"/etc/passwd"), pad(data)])

# ---- A04: special files, modes, owners, xattrs, ACLs, flags ----------------
tar("a04_chardev.tar", [main_entry(), (ti("null", type=tarfile.CHRTYPE, devmajor=1, devminor=3), b"")])
tar("a04_blockdev.tar", [main_entry(), (ti("sda", type=tarfile.BLKTYPE, devmajor=8, devminor=0), b"")])
tar("a04_fifo.tar", [main_entry(), (ti("input.txt", type=tarfile.FIFOTYPE), b"")])
zipfile_with("a04_socket.zip", [(zinfo("main.py"), MAIN_LIST), (zinfo("sock", 0o140755), b"")])
STAT_MAIN = b"""import os, stat, fcntl, struct, errno
for n in ("suid", "capfile", "aclfile", "immutable", "main.py"):
    st = os.stat(n)
    print("%s mode: %o" % (n, stat.S_IMODE(st.st_mode)))
    print("%s owner: %d:%d" % (n, st.st_uid, st.st_gid))
    print("%s xattrs: %s" % (n, ",".join(os.listxattr(n)) or "none"))
    fd = os.open(n, os.O_RDONLY)
    try:
        flags = struct.unpack("l", fcntl.ioctl(fd, 0x80086601, b"\\0" * 8))[0]
        print("%s flags: %#x" % (n, flags))
    except OSError as e:
        print("%s flags: %s" % (n, errno.errorcode[e.errno]))
    os.close(fd)
    try:
        with open(n, "a") as f:
            f.write("")
        print("%s writable: yes" % n)
    except OSError as e:
        print("%s writable: %s" % (n, errno.errorcode[e.errno]))
"""
tar("a04_attributes.tar", [
    (ti("main.py", STAT_MAIN), STAT_MAIN),
    (ti("suid", b"#!/bin/sh\nid\n", mode=0o4755, uid=0, gid=0, uname="root", gname="root"),
     b"#!/bin/sh\nid\n"),
    (ti("capfile", b"c", mode=0o755, pax_headers={
        "SCHILY.xattr.security.capability": "\x01\x00\x00\x02\xff\xff\xff\xff\x00\x00\x00\x00",
        "SCHILY.xattr.user.evil": "1"}), b"c"),
    (ti("aclfile", b"a", pax_headers={"SCHILY.acl.access": "user::rwx,user:0:rwx,group::r-x,mask::rwx,other::rwx"}), b"a"),
    (ti("immutable", b"i", pax_headers={"SCHILY.fflags": "schg,uchg,sappnd"}), b"i"),
])

# ---- A05: bombs ------------------------------------------------------------
kernel = b"\0" * (1 << 20)
inner = io.BytesIO()
with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as z:
    for i in range(16):
        z.writestr(zinfo(f"zero{i}.bin"), kernel)
zipfile_with("a05_nested.zip", [(zinfo("main.py"), MAIN_LIST)] +
             [(zinfo(f"inner{i}.zip"), inner.getvalue()) for i in range(16)])


class Zeros(io.RawIOBase):
    """n zero bytes, streamed."""
    def __init__(self, n):
        self.left = n

    def readable(self):
        return True

    def readinto(self, b):
        k = min(len(b), self.left)
        b[:k] = bytes(k)
        self.left -= k
        return k


with tarfile.open(os.path.join(OUT, "a05_zeros.tar.gz"), "w:gz", compresslevel=9) as t:
    t.addfile(ti("main.py", MAIN_LIST), io.BytesIO(MAIN_LIST))
    t.addfile(ti("zeros.bin", size=128 << 20), io.BufferedReader(Zeros(128 << 20), 1 << 20))
# Overlapping entries (Fifield's construction, simplified): many central
# directory records point at one local entry holding 8 MiB of zeros.
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr(zinfo("main.py"), MAIN_LIST)
    z.writestr(zinfo("kernel.bin"), b"\0" * (8 << 20))
raw = buf.getvalue()
eocd = raw.rindex(b"PK\x05\x06")
cd_off = struct.unpack("<I", raw[eocd + 16:eocd + 20])[0]
cd = raw[cd_off:eocd]
second = cd.index(b"PK\x01\x02", 4)	# the kernel's central record
rec = cd[second:]
extra = b""
for i in range(200):
    nm = b"k%03d.bin" % i
    r = bytearray(rec[:46]) + nm
    r[28:30] = struct.pack("<H", len(nm))
    r[30:32] = b"\0\0"
    r[32:34] = b"\0\0"
    extra += bytes(r)
newcd = cd + extra
n = 2 + 200
tail = (b"PK\x05\x06" + b"\0" * 4 + struct.pack("<HHII", n, n, len(newcd), cd_off) + b"\0\0")
with open(os.path.join(OUT, "a05_overlap.zip"), "wb") as f:
    f.write(raw[:cd_off] + newcd + tail)
# Thirty gzip layers around a tar: a decompressor that looped on its own
# output (a gzip quine does that) must stay bounded.
layer = io.BytesIO()
with tarfile.open(fileobj=layer, mode="w") as t:
    t.addfile(ti("main.py", MAIN_LIST), io.BytesIO(MAIN_LIST))
blob = layer.getvalue()
for _ in range(30):
    blob = gzip.compress(blob, mtime=0)
with open(os.path.join(OUT, "a05_layers.tar.gz"), "wb") as f:
    f.write(blob)

# ---- A06: counts, depth, path length, declared sizes -------------------------
with tarfile.open(os.path.join(OUT, "a06_many.tar.gz"), "w:gz", format=tarfile.USTAR_FORMAT) as t:
    t.addfile(ti("main.py", MAIN_LIST), io.BytesIO(MAIN_LIST))
    for i in range(20000):
        t.addfile(ti(f"e{i}"), None)
deep = "/".join(["d"] * 10000) + "/f"
tar("a06_deep_10000.tar", [main_entry(), (ti(deep, b"x"), b"x")])
tar("a06_deep_40.tar", [main_entry(), (ti("/".join(["d"] * 40) + "/f", b"x"), b"x")])
tar("a06_path_4k.tar", [main_entry(), (ti("/".join(["p" * 200] * 20) + "/f", b"x"), b"x")])
tar("a06_declared_1t.tar", [main_entry(), (ti("big.bin", pax_headers={"size": str(1 << 40)}), b"")])
sparse_map = pad(b"1\n%d\n512\n" % ((1 << 40) - 512))
tar("a06_sparse_1t.tar", [main_entry(), (ti("GNUSparseFile.0/big.bin", sparse_map + b"\0" * 512, pax_headers={
    "GNU.sparse.major": "1", "GNU.sparse.minor": "0", "GNU.sparse.name": "big.bin",
    "GNU.sparse.realsize": str(1 << 40)}), sparse_map + b"\0" * 512)])

# ---- A07: duplicate and hostile names -----------------------------------------
tar("a07_dup_then_link.tar", [main_entry(), (ti("main.py", type=tarfile.SYMTYPE, linkname="/etc/shadow"), b"")])
tar("a07_dup_regular.tar", [main_entry(), main_entry()])
tar("a07_case.tar", [main_entry(), (ti("Main.py", b"print(1)\n"), b"print(1)\n")])
for tag, nm in (("newline", "a\nb.txt"), ("ansi", "\x1b[31mred\x1b[0m.txt"),
                ("nonutf8", "\udcff\udcfe.txt"), ("nul", "a\x00b.txt"),
                ("cr", "fake\rline.txt")):
    tar(f"a07_name_{tag}.tar", [main_entry(), (ti(nm, b"x"), b"x")])

# ---- A09: local header vs central directory; a fuzzed corpus --------------------
def mismatch(name, local, central):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zinfo(local), MAIN_LIST)
    raw = bytearray(buf.getvalue())
    cd = raw.rindex(b"PK\x01\x02")
    assert len(local) == len(central)
    raw[cd + 46:cd + 46 + len(central)] = central.encode()
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(raw)


mismatch("a09_local_ok.zip", "okay-sixteen1.py", "../../cylo-sec-x")
mismatch("a09_local_evil.zip", "../../cylo-sec-x", "okay-sixteen1.py")
rng = random.Random(20240501)
seeds = {}
for name in ("a05_layers.tar.gz", "a01_dotdot.zip", "a04_attributes.tar"):
    with open(os.path.join(OUT, name), "rb") as f:
        seeds[name] = f.read()
os.makedirs(os.path.join(OUT, "fuzz"), exist_ok=True)
for i in range(30):
    src = list(seeds)[i % len(seeds)]
    b = bytearray(seeds[src])
    for _ in range(rng.randint(1, 12)):
        b[rng.randrange(len(b))] = rng.randrange(256)
    ext = ".tar.gz" if src.endswith(".tar.gz") else ".zip" if src.endswith(".zip") else ".tar"
    with open(os.path.join(OUT, "fuzz", f"f{i:02d}{ext}"), "wb") as f:
        f.write(b)
