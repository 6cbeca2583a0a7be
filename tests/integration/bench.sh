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
for head in "1. start-up" "1b. where" "2. throughput" "2b. Python throughput" "3. latency" \
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

# Each figure the summary is made of, present and positive.
bad=$(json "$doc" '" ".join(k for k, v in {
	"startup cylo": d["startup"]["bash true"]["cylo_added_ms"] + d["startup"]["bash true"]["bare_ms"],
	"startup bwrap": d["startup"]["python3 -c pass"]["bwrap_ms"],
	"startup floor": d["startup"]["bash true"]["floor_ms"],
	"throughput": min(d["throughput"][k + "_jobs_s"] for k in ("cylo", "bare", "bwrap", "floor")),
	"python": min(d["python_throughput"][k + "_jobs_s"] for k in ("cylo", "bare", "bwrap", "floor")),
	"latency": d["latency"]["p50_ms"],
	"rss idle": d["memory"]["idle_rss_kb"],
	"rss backlog": d["memory"]["backlog_rss_kb"],
	"scan": d["memory"]["scan_ms"],
	"daemon run stage": d["breakdown_ms"]["run"],
	"daemon clone stage": d["breakdown_ms"]["clone"],
	"result write": d["breakdown_ms"]["result_write"],
	"one-shot clone stage": d["startup_breakdown_ms"]["clone"],
	"goals": len(d["goals"]),
	}.items() if not v > 0)')
if [ -z "$bad" ]; then
	ok "bench: every figure is there and positive"
else
	not_ok "bench: every figure is there and positive" "$bad"
fi
