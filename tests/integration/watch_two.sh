#!/bin/sh
# watch_two.sh - two daemons on one folder: every job runs once (from
# their logs) and both do work.  As root, each needs a uid_base of its own:
# a daemon whose slots' host uids another holds refuses to start, and a
# command with another workers setting still takes a uid above them.
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
# The second daemon's slots sit above the first's slots and commands.
C2=$TMPROOT/cylo2.conf
conf "$C2" <<EOF
sandbox {
	uid_base = 61024
}
$(watch_section "$D" 'rescan_interval = 0.5')
EOF
start one "$C"
start two "$C2"
expect "every job has a result" until_ok 120 has_results "$D" $N
if [ "$(id -u)" = 0 ]; then
	# A third with the first's uid_base would share its slots' host uids.
	start three "$C"
	gone() { ! alive "$three_pid"; }
	until_ok 10 gone || kill -TERM "$three_pid"
	wait "$three_pid"
	eq "a daemon on held host uids exits 71" "$?" 71
	expect "and says which uid is held" grep -q \
		'host uid 6000[01] (uid_base 60000 + a worker slot) is in use by another cylo' \
		"$TMPROOT/three.log"
	expect "the first daemon keeps running" alive "$one_pid"
	# A command configured with fewer workers than the first daemon takes
	# a uid above the daemon's slots (60000, 60001), read from the host
	# while its job sleeps.
	C1=$TMPROOT/one-worker.conf
	echo 'workers = 1' >"$C1"
	"$CYLO" -c "$C1" exec --lang sh 'sleep 3' >/dev/null 2>&1 &
	p=$!
	job_uid() {
		u=$(ps -eo uid=,comm= | awk '$2 == "sleep" && $1 >= 60000 && $1 < 61024 { print $1 }')
		[ -n "$u" ]
	}
	until_ok 10 job_uid
	wait "$p"
	eq "a command with workers = 1 beside the daemon exits 0" "$?" 0
	expect "and its job's host uid ($u) is not a daemon slot's" test "${u:-0}" -ge 60002
fi
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
