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

# drop DIR NAME OWNER AGE: a job of OWNER, its mtime AGE ago, moved in whole.
drop() {
	printf 'sleep 0.1\necho %s\n' "$2" >"$TMPROOT/$2"
	chown "$3" "$TMPROOT/$2"
	touch -d "$4" "$TMPROOT/$2"
	mv "$TMPROOT/$2" "$1/$2"
}

# around DIR NAME: how many other jobs started after NAME's input was
# dropped (its mtime) and before NAME's job, and how many after it.
around() {
	python3 - "$1" "$2" <<'EOF'
import datetime, glob, json, os, sys
d, name = sys.argv[1], sys.argv[2]
def start(p):
    with open(p) as f:
        s = json.load(f)['started_at']
    return datetime.datetime.fromisoformat(s.replace('Z', '+00:00')).timestamp()
dropped = os.stat(os.path.join(d, name)).st_mtime
mine = start(os.path.join(d, name + '.result.json'))
others = [start(p) for p in glob.glob(os.path.join(d, '*.result.json'))
          if os.path.basename(p) != name + '.result.json']
print(sum(dropped <= t < mine for t in others), sum(t > mine for t in others))
EOF
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
i=100
while [ $i -lt 140 ]; do
	drop "$D" "a$i.sh" $A "-1 hour +$i seconds"
	i=$((i + 1))
done
start ev "$C"
until_ok 60 has_results "$D" 1
drop "$D" late.sh $B "now"
# A late file of the flood's owner waits for its turn, after the backlog.
drop "$D" a999.sh $A "now"
until_ok 120 has_results "$D" 42
stop "$ev_pid"
# shellcheck disable=SC2046
set -- $(order "$D")
eq "every job ran" "$#" 42
set -- $(around "$D" late.sh)
# Between its drop and its start, at most what the queue held (8) and the
# job running; and the backlog was still running when it started.
expect "the other owner's file ran before the rest of the backlog ($1 jobs before it, $2 after)" \
	test "$1" -le 9 -a "$2" -ge 10
set -- $(order "$D")
eq "the flood owner's late file ran after its backlog" "$(eval echo "\${$#}")" a999.sh

exit 0
