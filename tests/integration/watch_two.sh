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
# based_conf FILE UID_BASE: the folder's config with a uid_base of its own.
based_conf() {
	conf "$1" <<EOF
sandbox {
	uid_base = $2
}
$(watch_section "$D" 'rescan_interval = 0.5')
EOF
}
# The second daemon's slots sit above the first's slots and commands.
C2=$TMPROOT/cylo2.conf
based_conf "$C2" 61024
start one "$C"
start two "$C2"
expect "every job has a result" until_ok 120 has_results "$D" $N
if [ "$(id -u)" = 0 ]; then
	# A third with the first's uid_base would share its slots' host uids:
	# it waits a few seconds for them, then gives up.
	start three "$C"
	gone() { ! alive "$three_pid"; }
	until_ok 20 gone || kill -TERM "$three_pid"
	wait "$three_pid"
	eq "a daemon on held host uids exits 1" "$?" 1
	expect "and says which uid is held" grep -q \
		'host uid 60000 (uid_base 60000 + a worker slot) is in use by another cylo' \
		"$TMPROOT/three.log"
	expect "the first daemon keeps running" alive "$one_pid"
	# A uid held for a moment (a command's job) is waited for.
	C4=$TMPROOT/cylo4.conf
	based_conf "$C4" 62048
	python3 -c '
import fcntl, os, sys, time
fd = os.open("/run/cylo/uids.lock", os.O_RDWR | os.O_CREAT, 0o600)
fcntl.lockf(fd, fcntl.LOCK_EX, 1, 62049)
open(sys.argv[1], "w").close()
time.sleep(2)' "$TMPROOT/held" &
	holder=$!
	until_ok 10 test -e "$TMPROOT/held"
	start four "$C4"
	waiting() { grep -q 'host uid 62049 .* waiting' "$TMPROOT/four.log"; }
	expect "a daemon waits for a uid a command holds" until_ok 10 waiting
	wait "$holder"
	up() { grep -q 'watching' "$TMPROOT/four.log"; }
	expect "and starts once it is free" until_ok 10 up
	stop "$four_pid"
	eq "... then stops cleanly" "$rc" 0
	# A command configured with fewer workers than the first daemon takes
	# a uid above the daemon's slots (60000, 60001), read from the host
	# while its job sleeps.
	C1=$TMPROOT/one-worker.conf
	echo 'workers = 1' >"$C1"
	"$CYLO" -c "$C1" exec --lang sh 'sleep 3.25' >/dev/null 2>&1 &
	p=$!
	job_uid() {
		u=$(ps -eo uid=,args= | awk '$2 == "sleep" && $3 == "3.25" { print $1 }')
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

# A daemon in a pid namespace of its own (a container that shares the
# host's name and boot id): the pid in its claim means nothing on the
# host, where pid 1 is init, alive.  Its claim is judged by its lock, and
# the job runs once (the host's daemon took it over and ran it again).
if [ "$(id -u)" = 0 ]; then
	unshare --pid --fork --mount-proc --kill-child=TERM "$CYLO" -c "$C" watch \
		>"$TMPROOT/ns.log" 2>&1 &
	ns_pid=$!
	DPIDS="$DPIDS $ns_pid"
	up() { grep -q 'watching' "$TMPROOT/ns.log"; }
	until_ok 10 up
	printf 'sleep 3\necho slow\n' >"$TMPROOT/slow.tmp"
	mv "$TMPROOT/slow.tmp" "$D/slow.sh"
	expect "a daemon in its own pid namespace claims a job" until_ok 10 \
		test -e "$D/.cylo/claims/slow.sh"
	start host "$C2"
	expect "... which gets its result" until_ok 30 test -e "$D/slow.sh.result.json"
	expect "... and no claim is left" until_ok 20 no_leftovers "$D"
	stop "$host_pid"
	rc1=$rc
	# unshare itself ignores SIGTERM: the daemon, its child, gets it.
	kill -TERM "$(cat "/proc/$ns_pid/task/$ns_pid/children")"
	stop "$ns_pid"
	eq "... both daemons exit 0" "$rc1/$rc" 0/0
	eq "... run once, not again by the host's daemon" \
		"$(cat "$TMPROOT/ns.log" "$TMPROOT/host.log" | grep -c 'job=slow.sh lang=')" 1
fi
exit 0
