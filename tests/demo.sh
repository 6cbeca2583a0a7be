#!/bin/sh
# make demo: run the example drop folder through the daemon once and show
# the results.  Exits non-zero when a result differs from EXPECTED.
set -u
cd "$(dirname "$0")/.."
CYLO=${CYLO:-build/cylo}
dir=$(mktemp -d /tmp/cylo-demo.XXXXXX)
trap 'rm -rf "$dir"' EXIT
cp -R watched_dir.example/. "$dir/"
chmod 755 "$dir"

echo "cylo watch --once $dir"
"$CYLO" -c etc/cylo.conf watch --once "$dir" || { echo "demo: cylo watch failed" >&2; exit 1; }
echo
python3 - "$dir" <<'PY'
import json, os, sys
d = sys.argv[1]
bad = 0
print(f"{'INPUT':<16} {'LANGUAGE':<11} {'STATUS':<14} {'TIME':>8}  OUTPUT")
for line in open(os.path.join(d, "EXPECTED")):
    if not line.strip() or line.startswith("#"):
        continue
    name, status, first = line.rstrip("\n").split("\t")
    try:
        r = json.load(open(os.path.join(d, name + ".result.json")))
    except (OSError, ValueError) as e:
        print(f"{name:<16} {'-':<11} {'NO RESULT':<14} {'':>8}  {e}")
        bad += 1
        continue
    out = (r.get("stdout") or "").split("\n")[0]
    ms = r.get("execution_time_ms") or 0
    ok = r["status"] == status and (first == "-" or out == first)
    bad += not ok
    mark = "" if ok else f"   <-- expected {status} {first!r}"
    print(f"{name:<16} {r.get('language') or '-':<11} {r['status']:<14} {ms:>6.0f}ms  {out[:40]}{mark}")
print()
print("demo: every result as expected" if not bad else f"demo: {bad} unexpected result(s)")
sys.exit(1 if bad else 0)
PY
