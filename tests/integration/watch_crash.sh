#!/bin/sh
# watch_crash.sh - SIGKILL the daemon at random moments while jobs run,
# restart it, and check that every input ends with exactly one correct,
# whole result and that no claim or temporary file is left behind.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/watch_lib.sh"

N=60
D=$TMPROOT/drop
mkdir -p "$D"
C=$TMPROOT/cylo.conf
# max_attempts high: these kills are ours, not the jobs' fault.
conf "$C" <<EOF
$(watch_section "$D" 'max_attempts = 100' 'claim_timeout = 1' 'rescan_interval = 0.3')
EOF
i=0
# Jobs long enough (60 x 0.2 s on 2 workers) that the kills below, at most
# 3.6 s in all, surely land while some are still to run.
while [ $i -lt $N ]; do
	printf 'sleep 0.2; echo "job %d"\n' "$i" >"$D/.j$i.tmp"
	mv "$D/.j$i.tmp" "$D/j$i.sh"
	i=$((i + 1))
done

# Four daemons killed at random moments (the kill time is the test's
# input, not a synchronisation: any moment must be safe).
kills=0
for round in 1 2 3 4; do
	start k$round "$C"
	eval "p=\$k${round}_pid"
	sleep "0.$(shuf -i 2-9 -n 1)"
	kill -KILL "$p" 2>/dev/null && kills=$((kills + 1))
	wait "$p" 2>/dev/null
done
eq "daemons killed mid-work" "$kills" 4
done_before=$(nresults "$D")
expect "some jobs were still pending after the kills" test "$done_before" -lt $N

echo "# claims and temporaries left by the kills: $(leftovers "$D" | wc -l)"
start final "$C"
expect "after restart every input has a result" until_ok 90 has_results "$D" $N
expect "no stale claim or temporary file remains" until_ok 20 no_leftovers "$D"
bad=$(python3 -c '
import json, os, sys
d, n = sys.argv[1], int(sys.argv[2])
bad = []
for i in range(n):
    p = "%s/j%d.sh.result.json" % (d, i)
    try:
        r = json.load(open(p))
    except Exception as e:
        bad.append("j%d: %s" % (i, e))
        continue
    st = os.stat("%s/j%d.sh" % (d, i))
    if r["status"] != "ok" or r["stdout"] != "job %d\n" % i or r["input"]["ino"] != st.st_ino:
        bad.append("j%d: %s %r" % (i, r["status"], r["stdout"]))
extra = [f for f in os.listdir(d) if f.endswith(".result.json") and not f.startswith("j")]
print(" ".join(bad + extra))
' "$D" "$N")
eq "every result whole and correct" "$bad" ""
stop "$final_pid"
eq "final daemon exits 0" "$rc" 0
exit 0
