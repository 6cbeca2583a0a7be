#!/bin/sh
# watch_overflow.sh - an inotify queue overflow (max_queued_events lowered
# to 16 for this test, restored on exit) triggers a rescan and every job
# of the flood still runs, once.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/watch_lib.sh"

Q=/proc/sys/fs/inotify/max_queued_events
if [ "$(id -u)" != 0 ] || [ ! -w "$Q" ]; then
	echo "skip - inotify overflow: needs root to lower $Q"
	exit 0
fi
OLD=$(cat "$Q")
trap 'echo "$OLD" >"$Q"; watch_cleanup' EXIT
echo 16 >"$Q"

N=500
D=$TMPROOT/drop
mkdir -p "$D"
C=$TMPROOT/cylo.conf
conf "$C" <<EOF
metrics_file = "$TMPROOT/metrics.prom"
$(watch_section "$D")
EOF
# The daemon's inotify instance is made now, with the small queue.
start d "$C"
until_ok 20 grep -q 'watching 1 directory' "$TMPROOT/d.log"
sleep 0.2	# not synchronisation: the watch is added just after that line
python3 -c '
import sys
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    with open("%s/o%d.sh" % (d, i), "w") as f:
        f.write("echo %d\n" % i)
' "$D" "$N"
echo "$OLD" >"$Q"
expect "every job of the flood ran" until_ok 120 has_results "$D" $N
expect "the overflow was seen" until_ok 10 \
	grep -q '^cylo_inotify_overflows_total [1-9]' "$TMPROOT/metrics.prom"
expect "the overflow triggered a rescan" grep -q 'overflowed; rescanning' "$TMPROOT/d.log"
eq "each job ran once" "$(grep -c ' status=ok ' "$TMPROOT/d.log")" $N
stop "$d_pid"
eq "daemon exits 0" "$rc" 0
exit 0
