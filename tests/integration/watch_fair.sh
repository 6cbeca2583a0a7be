#!/bin/sh
# watch_fair.sh - owners take turns (SECURITY X08's per-owner limits): a
# backlog of one user's files does not hold back another user's, neither
# in a scan's order nor for a file dropped while the backlog runs.  One
# worker, so the order the jobs started in is the order they were queued.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/watch_lib.sh"

A=50001	# the owner with the flood
B=50002	# the other one

# order DIR: the inputs' names in the order their jobs started.
order() {
	python3 - "$1" <<'EOF'
import glob, json, os, sys
rs = []
for p in glob.glob(os.path.join(sys.argv[1], '*.result.json')):
    with open(p) as f:
        d = json.load(f)
    rs.append((d['started_at'], os.path.basename(p)[:-len('.result.json')]))
print(' '.join(n for _, n in sorted(rs)))
EOF
}

# drop DIR NAME OWNER AGE [SECONDS]: a job of OWNER that sleeps SECONDS
# (0.1), its mtime AGE ago, moved in whole.
drop() {
	printf 'sleep %s\necho %s\n' "${5:-0.1}" "$2" >"$TMPROOT/$2"
	chown "$3" "$TMPROOT/$2"
	touch -d "$4" "$TMPROOT/$2"
	mv "$TMPROOT/$2" "$1/$2"
}

# backlog DIR [SECONDS]: 40 jobs of $A, a100.sh to a139.sh, an hour old.
backlog() {
	i=100
	while [ $i -lt 140 ]; do
		drop "$1" "a$i.sh" $A "-1 hour +$i seconds" "${2:-0.1}"
		i=$((i + 1))
	done
}

# before DIR NAME LIST: how many of LIST's inputs (a file of names) had
# their jobs started before NAME's (by the results' started_at).
before() {
	python3 - "$1" "$2" "$3" <<'EOF'
import json, os, sys
d, name, lst = sys.argv[1:]
def start(n):
    with open(os.path.join(d, n + '.result.json')) as f:
        return json.load(f)['started_at']
mine = start(name)
with open(lst) as f:
    print(sum(start(n.strip()) < mine for n in f if n.strip()))
EOF
}

# pending DIR: the inputs of DIR without a result yet.
pending() {
	for f in "$1"/*.sh; do [ -e "$f.result.json" ] || basename "$f"; done
}

# --- a scan: round r has every owner's r-th oldest ---
D=$TMPROOT/scan
mkdir -p "$D"
C=$TMPROOT/scan.conf
{ echo 'workers = 1'; watch_section "$D"; } >"$C"
for i in 10 11 12 13 14 15 16 17 18 19; do
	drop "$D" "a$i.sh" $A "-2 hours +$i seconds"
done
drop "$D" b1.sh $B "-1 hour"
drop "$D" b2.sh $B "-1 hour +1 second"
"$CYLO" -c "$C" watch --once >"$TMPROOT/scan.log" 2>&1
eq "a scan: each owner's oldest first, owners in turn" "$(order "$D")" \
	"a10.sh b1.sh a11.sh b2.sh a12.sh a13.sh a14.sh a15.sh a16.sh a17.sh a18.sh a19.sh"
eq "... and the results are the owners'" \
	"$(stat -c %u "$D/a10.sh.result.json" "$D/b1.sh.result.json" | tr '\n' ' ')" "$A $B "

# --- a file dropped while another owner's backlog runs ---
D=$TMPROOT/event
mkdir -p "$D"
C=$TMPROOT/event.conf
{ echo 'workers = 1'; watch_section "$D"; } >"$C"
backlog "$D"
start ev "$C"
until_ok 60 has_results "$D" 1
drop "$D" late1.sh $B "now"
drop "$D" late2.sh $B "now"
drop "$D" late3.sh $B "now"
# What of the backlog had not finished once they were in the folder.
pending "$D" | grep '^a' >"$TMPROOT/waiting"
# A late file of the flood's owner waits for its turn, after the backlog.
drop "$D" a999.sh $A "now"
until_ok 120 has_results "$D" 44
stop "$ev_pid"
# shellcheck disable=SC2046
set -- $(order "$D")
eq "every job ran" "$#" 44
eq "the flood owner's late file ran after its backlog" "$(eval echo "\${$#}")" a999.sh
# Before the first, at most what the queue held (8) and the job running,
# of the backlog still waiting (with room for a slow event); most of it
# ran after them.  And the other owner takes one turn a round, no more:
# the backlog's owner is not held back either.
w=$(wc -l <"$TMPROOT/waiting")
b1=$(before "$D" late1.sh "$TMPROOT/waiting")
b3=$(before "$D" late3.sh "$TMPROOT/waiting")
expect "another owner's files ran before the rest of the backlog ($b1 and $b3 of $w before)" \
	test "$b1" -le 15 -a "$b3" -le 20 -a "$w" -ge 25
expect "... in turns with the backlog's owner: $*" \
	sh -c 'echo "$*" | grep -Eq "late1\.sh( a[0-9]+\.sh)+ late2\.sh( a[0-9]+\.sh)+ late3\.sh"' - "$@"

# --- a polled folder (NFS): no events, its polls rebuild the list ---
D=$TMPROOT/polled
mkdir -p "$D"
C=$TMPROOT/polled.conf
{ echo 'workers = 1'; watch_section "$D" 'poll = true' 'settle = 0.3'; } >"$C"
backlog "$D" 0.15
start po "$C"
until_ok 60 has_results "$D" 1
drop "$D" late.sh $B "now"
pending "$D" | grep '^a' >"$TMPROOT/waiting"
until_ok 120 has_results "$D" 41
stop "$po_pid"
w=$(wc -l <"$TMPROOT/waiting")
b=$(before "$D" late.sh "$TMPROOT/waiting")
# The queue (8), the job running, the list's first, and those that ran
# while the file settled (0.3 s to 0.45 s: three or four), with room.
expect "polled: another owner's file ran before the rest of the backlog ($b of $w before it)" \
	test "$b" -le 20 -a "$w" -ge 25

# --- folders: a backlog in one does not hold the next one back ---
# Both have one at start; the first's refills alone would fill the queue
# each time, if it were always served before the second.  An idle folder
# is served before both.
D=$TMPROOT/first
E=$TMPROOT/second
mkdir -p "$D" "$E" "$TMPROOT/idle"
C=$TMPROOT/two.conf
{ echo 'workers = 1'; watch_section "$TMPROOT/idle"; watch_section "$D"; watch_section "$E"; } >"$C"
backlog "$D"
drop "$E" other1.sh $A "-1 hour"
drop "$E" other2.sh $A "-1 hour"
start two "$C"
until_ok 120 has_results "$D" 40
until_ok 60 has_results "$E" 2
stop "$two_pid"
(cd "$D" && ls ./*.sh | sed 's|^\./||') >"$TMPROOT/first.list"
b=$(before "$D" ../second/other2.sh "$TMPROOT/first.list")
# Each folder's turn is a refill (up to 8 jobs), so the second folder's
# last job waits for two or three of the first's turns, not for all 40.
expect "folders: the second busy one's jobs ran amid the first's backlog ($b of 40 before the last)" \
	test "$b" -le 24

# ... and with --once, which feeds its folders one input of each in turn.
rm -f "$D"/*.result.json "$E"/*.result.json
"$CYLO" -c "$C" watch --once >"$TMPROOT/two-once.log" 2>&1
b=$(before "$D" ../second/other2.sh "$TMPROOT/first.list")
expect "two folders, --once: one job of each in turn ($b of 40 before the second's last)" \
	test "$b" -le 4

exit 0
