#!/bin/sh
# watch_two.sh - two daemons on one folder: every job runs once (from
# their logs) and both do work.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/watch_lib.sh"

N=200
D=$TMPROOT/drop
mkdir -p "$D"
C=$TMPROOT/cylo.conf
conf "$C" <<EOF
$(watch_section "$D" 'rescan_interval = 0.5')
EOF
python3 -c '
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    p = "%s/t%d.sh" % (d, i)
    with open(p, "w") as f:
        f.write("echo %d\n" % i)
    os.utime(p, (1, 1))	# old: the start-up scans take them at once
' "$D" "$N"
start one "$C"
start two "$C"
expect "every job has a result" until_ok 120 has_results "$D" $N
stop "$one_pid"
rc1=$rc
stop "$two_pid"
eq "both exit 0" "$rc1/$rc" 0/0
runs() { grep -c ' status=' "$TMPROOT/$1.log"; }
dups=$(cat "$TMPROOT/one.log" "$TMPROOT/two.log" | grep ' status=' | sed 's/ lang=.*//' |
	sort | uniq -d | wc -l)
eq "each job ran exactly once across both logs" "$dups/$(( $(runs one) + $(runs two) ))" "0/$N"
expect "the first daemon did work" test "$(runs one)" -gt 0
expect "the second daemon did work" test "$(runs two)" -gt 0
expect "no claims left" no_leftovers "$D"
exit 0
