#!/bin/sh
# tests/integration/bench.sh - `make bench` runs end to end on this host,
# at a small size: every section measures, the table is printed and the
# JSON holds every figure.  Only that the figures exist and are sane
# (positive, jobs that ended ok) is checked, never how fast they are:
# timings belong to the benchmark, not to a test's verdict.
. "$(dirname "$0")/../lib.sh"

out=$TMPROOT/out
mkdir "$out"
BENCH_N=40 BENCH_N_PY=10 BENCH_ROUNDS=3 BENCH_TP_ROUNDS=1 BENCH_BACKLOG=2000 \
	BENCH_LATENCY=5 BENCH_OUT=$out sh "$TOP/bench/run.sh" >"$TMPROOT/log" 2>&1
rc=$?
if [ "$rc" = 0 ]; then
	ok "bench: every section runs to the end"
else
	not_ok "bench: every section runs to the end" "rc=$rc: $(tail -5 "$TMPROOT/log")"
fi

missing=
for head in "1. start-up" "1b. where" "1c. a judged job" "2. throughput" "2b. Python throughput" \
	"2c. /usr/bin/true throughput" "3. latency" \
	"4. memory" "5. where the time goes" "6. against"; do
	grep -q "^$head" "$TMPROOT/log" || missing="$missing '$head'"
done
if [ -z "$missing" ]; then
	ok "bench: the table has every section"
else
	not_ok "bench: the table has every section" "missing:$missing"
fi

doc=$(ls "$out"/results-*.json 2>/dev/null | head -1)
if [ -z "$doc" ]; then
	not_ok "bench: the figures are written as JSON" "nothing in BENCH_OUT"
	exit 0
fi
ok "bench: the figures are written as JSON"

# Each figure the summary is made of, present and positive; a missing key
# or a null is named too (the check prints "all there" only when it ran).
bad=$(python3 - "$doc" <<'PY' 2>&1
import json, sys
d = json.load(open(sys.argv[1]))
paths = {
    "startup cylo": ("startup", "bash true", "cylo_ms"),
    "startup bwrap": ("startup", "python3 -c pass", "bwrap_ms"),
    "startup floor": ("startup", "bash true", "floor_ms"),
    "startup layers floor": ("startup", "python3 -c pass", "layers_ms"),
    "startup /usr/bin/true": ("startup", "/usr/bin/true", "cylo_ms"),
    "one-shot clone stage": ("startup_breakdown_ms", "clone"),
    "judged job": ("judged", "cylo_ms"),
    "judged job bare": ("judged", "bare_ms"),
    "judged job per test": ("judged", "cylo_per_test_ms"),
    "latency": ("latency", "p50_ms"),
    "rss idle": ("memory", "idle_rss_kb"),
    "rss backlog": ("memory", "backlog_rss_kb"),
    "scan": ("memory", "scan_ms"),
    "daemon run stage": ("breakdown_ms", "run"),
    "daemon clone stage": ("breakdown_ms", "clone"),
    "result write": ("breakdown_ms", "result_write"),
}
for sec in ("throughput", "python_throughput", "true_throughput"):
    for k in ("cylo", "bare", "bwrap", "floor", "layers"):
        paths[f"{sec} {k}"] = (sec, k + "_jobs_s")
bad = []
for name, path in paths.items():
    v = d
    for p in path:
        v = v.get(p) if isinstance(v, dict) else None
    if not isinstance(v, (int, float)) or not v > 0:
        bad.append(f"{name}={v!r}")
if not d.get("goals"):
    bad.append("goals missing")
print(" ".join(bad) or "all there")
PY
)
if [ "$bad" = "all there" ]; then
	ok "bench: every figure is there and positive"
else
	not_ok "bench: every figure is there and positive" "$bad"
fi
