"""chk.py RESULT STDERR RC WANT_RC EXPR... - checks a `cylo run --json` run.

RESULT is its stdout (the result document), STDERR its stderr, RC its exit
code, WANT_RC the one expected.  Each EXPR is a Python expression over the
document `d` (its raw bytes in `raw`, cylo's stderr in `err`) with these
helpers: ident(PATH) the input identity stat() gives, rfc3339(S) a parsed
time, names(KEY, LINE) whether the error names both, sig_is(N) whether the
signal fields name signal N.  Prints one line naming every failure, with a
summary of the result, and exits 1 then.  Shared by run.sh and lang.sh.
"""
import datetime, json, os, re, signal, sys

path, errpath, rc, want = sys.argv[1:5]
raw = open(path, "rb").read()
err = open(errpath, "rb").read().decode("utf-8", "replace")
try:
    d = json.loads(raw)
except ValueError as e:
    print(f"no JSON document (cylo exit {rc}): {e}; stdout {raw[:200]!r} stderr {err[-300:]!r}")
    sys.exit(1)


def ident(p):
    st = os.stat(p, follow_symlinks=False)
    return {"dev": st.st_dev, "ino": st.st_ino, "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def rfc3339(s):
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", s), s
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))


def names(key, line):
    """The error names KEY and LINE (as FILE:LINE: or "line LINE")."""
    e = d.get("error") or ""
    return key in e and re.search(rf"(:{line}\b|line {line}\b)", e) is not None


def sig_is(n):
    """The signal field names signal n: its number, or its name with exit_signal = n."""
    s = d.get("signal")
    if isinstance(s, int) and not isinstance(s, bool):
        return s == n
    return s == signal.Signals(n).name and d.get("exit_signal") == n


# WANT: an exit code, or "!N" for any but N.
if want.startswith("!"):
    bad = [] if int(rc) != int(want[1:]) else [f"cylo exit {rc}, expected another"]
else:
    bad = [] if int(rc) == int(want) else [f"cylo exit {rc}, expected {want}"]
for e in sys.argv[5:]:
    try:
        if not eval(e):
            bad.append(f"false: {e}")
    except Exception as x:
        bad.append(f"error: {e}: {type(x).__name__} {x}")
if bad:
    comp = (d.get("compile") or {}).get("output") or ""
    print("; ".join(bad) + " -- got status=%r exit_code=%r signal=%r exit_signal=%r "
          "time=%r mem=%r by=%r error=%r stdout=%r stderr=%r compile=%r cylo-stderr=%r" % (
              d.get("status"), d.get("exit_code"), d.get("signal"), d.get("exit_signal"),
              d.get("execution_time_ms"), d.get("memory_used_kb"),
              (d.get("limits") or {}).get("enforced_by"), d.get("error"),
              (d.get("stdout") or "")[:300], (d.get("stderr") or "")[-300:],
              comp[-300:], err[-200:]))
    sys.exit(1)
