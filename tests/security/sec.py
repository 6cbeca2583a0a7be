#!/usr/bin/env python3
"""tests/security/sec.py - the host side of the security suite.

Subcommands (all print one line per problem and exit 1 when there is one):

  snap OUT PATH...        record PATH's identity: lstat fields that must not
                          change and a sha256 of regular files; a directory
                          records its listing and each entry (one level)
  inv SNAP LO HI [PID]    host invariants after a case: the snapshot still
                          matches; no process has a uid in [LO, HI); no
                          cgroup of a cylo holds such a process; with PID (a
                          cylo that has exited) none of its groups is left;
                          then $SEC_CYLO -c $SEC_CONF completes a next job;
                          fields named in $SEC_IGNORE are not compared
  run OUT ERR GUARD CMD.. CMD under a guard; prints "PID EXIT MS MAXRSS_KB"
  netprobe OUT SECONDS    host listeners and probes for the network rows
  userprobe KIND OUT SECONDS  can root still use its per-user inotify
                          instances / pending signals (R08)
  waitres DIR NAME SECONDS [EXPR...]
                          polls for DIR/NAME's result until EXPRs hold
  result RES ERR RC WANT [EXPR...]
                          RES is `cylo run --json` output: exactly one JSON
                          document, well formed; RC the exit code (WANT, or
                          '-' for any of the documented ones); each EXPR a
                          Python expression over the result (names below)
  dropres DIR NAME [EXPR...]
                          DIR/NAME.result.json: a regular file with one link,
                          owned by NAME's owner, well formed, the only result
                          of NAME; then the expressions

Names the expressions see: d (the result), out/err (its stdout/stderr),
lines (stdout lines), o (a dict "KEY" -> "VALUE" from the hostile program's
"KEY: VALUE" lines, the value after the last ": "), e(KEY, *ALLOWED) (o[KEY]
is one of ALLOWED, else a failure naming what was seen), has(TEXT) (a
stdout line equals TEXT), parse_outcomes(TEXT) (the dict o of any text),
json, os, re.
"""
import hashlib
import json
import os
import re
import resource
import stat
import subprocess
import sys
import time

STATUSES = {"ok", "runtime_error", "timeout", "memory_limit", "output_limit",
            "compile_error", "invalid_job", "sandbox_error", "internal_error"}
# Fields every result document carries (SPEC §4).
FIELDS = ("schema", "job", "input", "language", "status", "exit_code", "signal",
          "stdout", "stderr", "stdout_truncated", "stderr_truncated", "timeout",
          "memory_exceeded", "execution_time_ms", "cpu_time_ms", "memory_used_kb",
          "compile", "tests", "score", "limits", "error")


def ident(path):
    """What must not change about PATH (atime excluded: reads are allowed).
    A /proc file is its content only: its inode times are those of the
    lookup."""
    if path.startswith("/proc/"):
        try:
            with open(path, "rb") as f:
                return {"sha256": hashlib.sha256(f.read()).hexdigest()}
        except OSError as x:
            return {"missing": x.strerror}
    try:
        st = os.lstat(path)
    except OSError as x:
        return {"missing": x.strerror}
    rec = {"mode": oct(st.st_mode), "uid": st.st_uid, "gid": st.st_gid,
           "nlink": st.st_nlink, "ino": st.st_ino, "dev": st.st_dev,
           "size": st.st_size, "mtime_ns": st.st_mtime_ns, "ctime_ns": st.st_ctime_ns}
    if stat.S_ISREG(st.st_mode):
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        rec["sha256"] = h.hexdigest()
    elif stat.S_ISLNK(st.st_mode):
        rec["target"] = os.readlink(path)
    elif stat.S_ISDIR(st.st_mode):
        rec["list"] = sorted(os.listdir(path))
    return rec


def snapshot(paths):
    snap = {}
    for p in paths:
        snap[p] = ident(p)
        if "list" in snap[p]:
            for n in snap[p]["list"]:
                snap[os.path.join(p, n)] = ident(os.path.join(p, n))
    return snap


def cmd_snap(out, *paths):
    with open(out, "w") as f:
        json.dump({"paths": list(paths), "snap": snapshot(paths)}, f)
    return []


def uids_of(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("Uid:"):
                    return [int(x) for x in line.split()[1:]]
    except OSError:
        pass
    return []


def procs_in(lo, hi):
    bad = []
    for p in os.listdir("/proc"):
        if p.isdigit() and any(lo <= u < hi for u in uids_of(p)):
            try:
                comm = open(f"/proc/{p}/comm").read().strip()
            except OSError:
                comm = "?"
            bad.append(f"process {p} ({comm}) of uid {uids_of(p)} is still alive")
    return bad


def own_cgroup_map():
    """(controllers, our own group's directory) of every mounted cgroup
    hierarchy (controllers [] for v2): cylo makes its groups below the
    group it was started in."""
    mounts = {}
    with open("/proc/self/mountinfo") as f:
        for line in f:
            a, b = line.split(" - ", 1)
            fs, _src, opts = b.split()[:3]
            mnt, root = a.split()[4], a.split()[3]
            if fs == "cgroup2":
                mounts[""] = (mnt, root)
            elif fs == "cgroup":
                for o in opts.split(","):
                    mounts.setdefault(o, (mnt, root))
    found = []
    with open("/proc/self/cgroup") as f:
        for line in f:
            _id, ctrls, path = line.rstrip("\n").split(":", 2)
            key = ctrls.split(",")[0] if ctrls else ""
            if key not in mounts:
                continue
            mnt, root = mounts[key]
            rel = path[len(root):] if root != "/" and path.startswith(root) else path
            found.append((ctrls.split(",") if ctrls else [], os.path.normpath(mnt + "/" + rel)))
    return found


def own_cgroup_dirs():
    return sorted({d for _ctrls, d in own_cgroup_map()})


def job_groups(base, lo, hi):
    """The groups below @base's cylo-* groups that hold a process of a job
    uid in [lo, hi)."""
    try:
        names = [n for n in os.listdir(base) if n.startswith("cylo-")]
    except OSError:
        return
    for n in names:
        for top, _dirs, files in os.walk(f"{base}/{n}"):
            if "cgroup.procs" not in files:
                continue
            try:
                pids = open(f"{top}/cgroup.procs").read().split()
            except OSError:
                continue
            for p in pids:
                if any(lo <= u < hi for u in uids_of(p)):
                    yield top, p
                    break


def cgroup_problems(lo, hi, pid):
    bad = []
    for base in own_cgroup_dirs():
        try:
            names = [n for n in os.listdir(base) if n.startswith("cylo-")]
        except OSError:
            continue
        bad += [f"cgroup {base}/{n} of the finished cylo {pid} is left"
                for n in names if pid is not None and n.startswith(f"cylo-{pid}-")]
        bad += [f"{top}/cgroup.procs holds job process {p}"
                for top, p in job_groups(base, lo, hi)]
    return bad


def cmd_sched(lo, hi):
    """A job of uid [LO, HI) runs now in a cylo group of the CPU scheduler:
    v1's cpu hierarchy, or a v2 group with the cpu controller."""
    for ctrls, base in own_cgroup_map():
        for top, p in job_groups(base, int(lo), int(hi)):
            if "cpu" in ctrls:
                return []
            try:
                if not ctrls and "cpu" in open(f"{top}/cgroup.controllers").read().split():
                    return []
            except OSError:
                pass
    return [f"no cylo group of the CPU scheduler holds a job of uid {lo}-{int(hi) - 1}"]


def control_job():
    """The CLI still completes a job: `cylo exec` of a one-line script
    (not with $SEC_NO_CONTROL set, for a second check of one case)."""
    if os.environ.get("SEC_NO_CONTROL"):
        return []
    cmd = [os.environ["SEC_CYLO"], "-c", os.environ["SEC_CONF"], "exec",
           "--lang", "bash", "echo next-job-ok"]
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=60)
    except subprocess.TimeoutExpired:
        return ["the next job did not finish in 60 s"]
    if p.returncode != 0 or p.stdout != b"next-job-ok\n":
        return [f"the next job failed: exit {p.returncode} stdout {p.stdout[:100]!r} "
                f"stderr {p.stderr[-200:]!r}"]
    return []


def cmd_inv(snapfile, lo, hi, pid=None):
    with open(snapfile) as f:
        old = json.load(f)
    new = snapshot(old["paths"])
    bad = []
    # $SEC_IGNORE: fields a case changes on purpose (X02's planted links).
    for k in filter(None, os.environ.get("SEC_IGNORE", "").split(",")):
        for rec in list(old["snap"].values()) + list(new.values()):
            rec.pop(k, None)
    for p in sorted(set(old["snap"]) | set(new)):
        a, b = old["snap"].get(p), new.get(p)
        if a != b:
            diff = {k: (a.get(k) if a else None, b.get(k) if b else None)
                    for k in set(a or {}) | set(b or {})
                    if (a or {}).get(k) != (b or {}).get(k)}
            bad.append(f"canary {p} changed: {diff}")
    bad += procs_in(int(lo), int(hi))
    bad += cgroup_problems(int(lo), int(hi), pid)
    return bad + control_job()


def cmd_run(out, err, guard, *cmd):
    """Runs CMD (stdin /dev/null) under a guard of GUARD seconds; prints
    "PID EXIT MS MAXRSS_KB" (EXIT 999: killed by the guard)."""
    t0 = time.monotonic()
    with open(out, "wb") as fo, open(err, "wb") as fe:
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=fo, stderr=fe)
        try:
            rc = p.wait(timeout=float(guard))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            rc = 999
    ms = int((time.monotonic() - t0) * 1000)
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(p.pid, rc, ms, rss)
    return []


def parse_outcomes(text):
    o = {}
    for line in text.splitlines():
        k, sep, v = line.rpartition(": ")
        if sep:
            o[k] = v
    return o


class Fail(Exception):
    pass


def evaluate(d, exprs):
    out = d.get("stdout") or ""
    err = d.get("stderr") or ""
    lines = out.splitlines()
    o = parse_outcomes(out)

    def e(key, *allowed):
        if o.get(key) not in allowed:
            raise Fail(f"{key!r}: got {o.get(key)!r}, want {'|'.join(allowed)}")
        return True

    def has(text):
        return text in lines

    env = {"d": d, "out": out, "err": err, "lines": lines, "o": o, "e": e,
           "has": has, "json": json, "os": os, "re": re, "stat": stat,
           "parse_outcomes": parse_outcomes}
    bad = []
    for x in exprs:
        try:
            if not eval(x, env):
                bad.append(f"false: {x}")
        except Fail as f:
            bad.append(str(f))
        except Exception as f:
            bad.append(f"error: {x}: {type(f).__name__} {f}")
    return bad


def well_formed(d):
    bad = [f"field {k} missing" for k in FIELDS if k not in d]
    if d.get("schema") != 1:
        bad.append(f"schema {d.get('schema')!r}")
    if d.get("status") not in STATUSES:
        bad.append(f"status {d.get('status')!r}")
    return bad


def summary(d):
    return ("status=%r exit=%r signal=%r wall_ms=%r cpu_ms=%r mem_kb=%r error=%r "
            "stdout=%r stderr=%r compile=%r" % (
        d.get("status"), d.get("exit_code"), d.get("signal"), d.get("execution_time_ms"),
        d.get("cpu_time_ms"), d.get("memory_used_kb"), d.get("error"),
        (d.get("stdout") or "")[-600:], (d.get("stderr") or "")[-300:],
        ((d.get("compile") or {}).get("output") or "")[-300:]))


def cmd_result(res, errfile, rc, want, *exprs):
    raw = open(res, "rb").read()
    cerr = open(errfile, "rb").read().decode("utf-8", "replace")
    try:
        d = json.loads(raw)	# one document: trailing data is an error
    except ValueError as x:
        return [f"not one JSON document (cylo exit {rc}): {x}; "
                f"stdout {raw[:200]!r} stderr {cerr[-300:]!r}"]
    bad = well_formed(d)
    if want == "-":
        if int(rc) > 137 or int(rc) in (126, 127):
            bad.append(f"cylo exit {rc}")
    elif int(rc) not in [int(w) for w in want.split("|")]:
        bad.append(f"cylo exit {rc}, expected {want}")
    bad += evaluate(d, exprs)
    if bad:
        bad.append("-- " + summary(d) + f" cylo-stderr={cerr[-200:]!r}")
    return bad


def cmd_dropres(dirpath, name, *exprs):
    results = [n for n in os.listdir(dirpath)
               if n.startswith(name + ".") and n.endswith(".result.json")]
    path = os.path.join(dirpath, name + ".result.json")
    bad = []
    if results != [name + ".result.json"]:
        return [f"results for {name}: {sorted(results)}"]
    st = os.lstat(path)
    if not stat.S_ISREG(st.st_mode) or st.st_nlink != 1:
        bad.append(f"{path}: mode {oct(st.st_mode)} nlink {st.st_nlink}")
    try:
        ist = os.lstat(os.path.join(dirpath, name))
        if (st.st_uid, st.st_gid) != (ist.st_uid, ist.st_gid):
            bad.append(f"result owned by {st.st_uid}:{st.st_gid}, input by "
                       f"{ist.st_uid}:{ist.st_gid}")
    except FileNotFoundError:
        pass
    try:
        d = json.loads(open(path, "rb").read())
    except ValueError as x:
        return bad + [f"{path}: not one JSON document: {x}"]
    bad += well_formed(d)
    if d.get("job") != name:
        bad.append(f"job {d.get('job')!r}")
    bad += evaluate(d, exprs)
    if bad:
        bad.append("-- " + summary(d))
    return bad


def cmd_netprobe(out, seconds):
    """Host services for N02/N03 for SECONDS: TCP and UDP listeners on
    127.0.0.1 and ::1 (port A), an abstract and a pathname unix listener;
    meanwhile TCP connects and UDP datagrams to port B on 127.0.0.1, where
    the job listens in its own namespace.  Writes "A B @ABSTRACT PATH" to
    OUT.ports when ready and, at the end, one line per thing that reached
    us or that we reached to OUT (empty: nothing crossed)."""
    import socket
    socks, seen = [], []
    port_a = 0
    for fam, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
        t = socket.socket(fam, socket.SOCK_STREAM)
        t.bind((host, port_a))
        port_a = t.getsockname()[1]
        t.listen(16)
        u = socket.socket(fam, socket.SOCK_DGRAM)
        u.bind((host, port_a))
        socks += [t, u]
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    port_b = probe.getsockname()[1]	# free now; the job binds it inside
    probe.close()
    abstract = f"cylo-sec-{os.getpid()}"
    a = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    a.bind("\0" + abstract)
    a.listen(16)
    path = out + ".sock"
    p = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    p.bind(path)
    os.chmod(path, 0o777)
    p.listen(16)
    socks += [a, p]
    for s_ in socks:
        s_.setblocking(False)
    with open(out + ".ports.tmp", "w") as f:
        f.write(f"{port_a} {port_b} @{abstract} {path}\n")
    os.rename(out + ".ports.tmp", out + ".ports")
    end = time.monotonic() + float(seconds)
    while time.monotonic() < end:
        for s_ in socks:
            try:
                if s_.type == socket.SOCK_STREAM:
                    c, addr = s_.accept()
                    seen.append(f"accepted a connection on {s_.getsockname()!r} from {addr!r}")
                    c.close()
                else:
                    data, addr = s_.recvfrom(4096)
                    seen.append(f"datagram {data[:40]!r} on {s_.getsockname()!r}")
            except (BlockingIOError, InterruptedError):
                pass
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.settimeout(0.2)
        try:
            c.connect(("127.0.0.1", port_b))
            seen.append(f"the host reached 127.0.0.1:{port_b} over TCP")
        except OSError:
            pass
        c.close()
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.sendto(b"from-the-host", ("127.0.0.1", port_b))
        u.close()
        time.sleep(0.05)
    with open(out, "w") as f:
        f.write("".join(x + "\n" for x in seen))
    return []


def cmd_userprobe(kind, out, seconds):
    """For SECONDS, every 20 ms: can this process's user (root, as the
    daemon) still use a per-user resource?  KIND "inotify": make an inotify
    instance; "sigqueue": queue a real-time signal to itself (then take it
    back).  Writes "ok N" or "failed F of N: ERRNO" to OUT."""
    import ctypes
    import signal
    libc = ctypes.CDLL(None, use_errno=True)
    sig = signal.SIGRTMIN + 1
    signal.pthread_sigmask(signal.SIG_BLOCK, [sig])
    n = failed = 0
    why = ""
    end = time.monotonic() + float(seconds)
    while time.monotonic() < end:
        n += 1
        if kind == "inotify":
            r = libc.inotify_init1(os.O_CLOEXEC)
            if r >= 0:
                os.close(r)
        else:
            r = libc.sigqueue(os.getpid(), sig, ctypes.c_void_p(0))
            if r == 0:
                signal.sigtimedwait([sig], 0)
        if r < 0:
            failed += 1
            why = errno_name(ctypes.get_errno())
        time.sleep(0.02)
    with open(out, "w") as f:
        f.write(f"failed {failed} of {n}: {why}\n" if failed else f"ok {n}\n")
    return []


def errno_name(e):
    import errno
    return errno.errorcode.get(e, str(e))


def read_result(path):
    try:
        with open(path, "rb") as f:
            return json.loads(f.read())
    except (OSError, ValueError):
        return None


def cmd_waitres(dirpath, name, seconds, *exprs):
    """Polls DIR/NAME.result.json until it parses and every EXPR holds (over
    d, as in `result`), or SECONDS pass; each distinct version seen is
    appended, one JSON line each, to DIR/../NAME.versions (for the X rows
    that must see an intermediate result)."""
    path = os.path.join(dirpath, name + ".result.json")
    log = os.path.join(os.path.dirname(dirpath.rstrip("/")), name + ".versions")
    end = time.monotonic() + float(seconds)
    last, bad = None, ["no result"]
    while time.monotonic() < end:
        d = read_result(path)
        if d is not None and d != last:
            last = d
            with open(log, "a") as f:
                f.write(json.dumps(d) + "\n")
        if d is not None:
            bad = evaluate(d, exprs)
            if not bad:
                return []
        time.sleep(0.02)
    return [f"{path}: after {seconds} s: " + "; ".join(bad) +
            (" -- " + summary(last) if last else "")]


def main(argv):
    cmds = {"snap": cmd_snap, "inv": cmd_inv, "result": cmd_result,
            "dropres": cmd_dropres, "run": cmd_run, "netprobe": cmd_netprobe,
            "userprobe": cmd_userprobe, "waitres": cmd_waitres, "sched": cmd_sched}
    try:
        bad = cmds[argv[1]](*argv[2:])
    except Exception as x:	# a broken check is a failure that says why
        bad = [f"{argv[1]}: {type(x).__name__}: {x}"]
    if bad:
        print("; ".join(bad))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
