# tests/security/lib.sh - shared helpers of the security suites (sourced
# after tests/lib.sh's conventions: "ok - ID what" / "not ok - ID what: why").
#
# Every case is a hostile job from tests/security/hostile/ (or one generated
# here at test time: archives, drop-folder tricks).  A case asserts what the
# job saw inside (the hostile program prints "KEY: VALUE" lines, e.g.
# "open /etc/shadow: ENOENT", that sec.py's e() checks) and, on a separate
# line, the host invariants of SECURITY.md after the run (sec.py inv):
# canaries unchanged (sha256 + lstat), no process of a job uid left, no
# cgroup of cylo holding one and none of the finished cylo left, and the
# next job completes.
#
# The suites use a copy of etc/cylo.conf whose uid_base is SEC_UID_LO, a
# range no other cylo on the host uses, so "no process of a job uid is
# left" cannot be confused by another instance's jobs; and two workers.
# Run alone, this file has nothing to do (run-all.sh skips it too).

case $0 in
*/lib.sh) exit 0 ;;
esac

. "$(dirname "$0")/../lib.sh"

SECDIR=$TOP/tests/security
HOSTILE=$SECDIR/hostile
# Job uids of this run: 4 from 61000-62999, by our pid, so that two runs of
# the suite at once (or another cylo) do not see each other's jobs.
SEC_UID_LO=$((61000 + ($$ % 500) * 4))
SEC_UID_HI=$((SEC_UID_LO + 4))
CONF=$TMPROOT/cylo.conf
J=$TMPROOT/jobs
CANARY=$TMPROOT/canary
SNAP=$TMPROOT/snap.json
mkdir -p "$J" "$CANARY" "$TMPROOT/bin"
# A private copy of the binary: it is a canary (the box's init runs it, so
# P04 aims at it) and must not change under us when build/cylo is rebuilt.
cp "$CYLO" "$TMPROOT/bin/cylo"
CYLO=$TMPROOT/bin/cylo
SEC_CYLO=$CYLO SEC_CONF=$CONF
export SEC_CYLO SEC_CONF
chmod 755 "$J"

sec() { python3 "$SECDIR/sec.py" "$@"; }

# Two workers whatever the machine: K01 and S01 need two jobs at once.
sed -e "s/^\([[:space:]]*uid_base[[:space:]]*=\).*/\1 $SEC_UID_LO/" \
	-e "s/^workers[[:space:]]*=.*/workers = 2/" "$TOP/etc/cylo.conf" >"$CONF"
grep -q "uid_base = $SEC_UID_LO" "$CONF" && grep -q '^workers = 2' "$CONF" ||
	echo "not ok - setup: uid_base or workers not replaced"

# ---- canaries ------------------------------------------------------------
# A root-only file (its text is a program: if it ever ran in a box, a
# result would say CANARY-RAN), a fake daemon state directory, another job's
# input and result in a drop folder (made by the daemon), and another user's
# file there.
CANARY_ROOT=$CANARY/root-only.py
CANARY_STATE=$CANARY/state
CANARY_DROP=$CANARY/drop
ALICE_UID=1234
printf 'print("CANARY-RAN")\n' >"$CANARY_ROOT"
chmod 600 "$CANARY_ROOT"
mkdir -p "$CANARY_STATE/claims" "$CANARY_DROP"
printf 'cylo-claim 1\nhost canary\n' >"$CANARY_STATE/claims/other.py"
printf 'cylo_jobs_total 7\n' >"$CANARY_STATE/metrics.prom"
printf 'print("other job")\n' >"$CANARY_DROP/other.py"
printf 'secret of alice\n' >"$CANARY_DROP/alice-notes.txt"
chown "$ALICE_UID:$ALICE_UID" "$CANARY_DROP/alice-notes.txt" "$CANARY_DROP/other.py"
chmod 600 "$CANARY_DROP/alice-notes.txt"
"$CYLO" -c "$CONF" -q watch --once "$CANARY_DROP" >/dev/null 2>&1
[ -f "$CANARY_DROP/other.py.result.json" ] ||
	echo "not ok - setup: the canary drop folder got no result"

canary_paths() {
	echo "$CANARY_ROOT" "$CANARY_STATE" "$CANARY_STATE/claims" "$CANARY_DROP" \
		/etc/shadow /etc/passwd "$(readlink -f /usr/bin/python3)" /usr/bin/su \
		"$(readlink -f "$(ldd /bin/sh | awk '/libc\.so/ { print $3 }')")" \
		"$CYLO" /proc/modules /proc/sys/kernel/hostname
}
# shellcheck disable=SC2046
sec snap "$SNAP" $(canary_paths)

# ---- running a case ------------------------------------------------------
# run_job ID FILE [GUARD]: `cylo run --json FILE` under a guard (default
# 60 s); sets R (result file), RERR, RC (999: killed by the guard), CPID,
# MS (wall ms) and RSS (cylo's peak RSS in KiB).
run_job() {
	R=$TMPROOT/res.$1.json RERR=$TMPROOT/res.$1.err
	# shellcheck disable=SC2046
	set -- $(sec run "$R" "$RERR" "${3:-60}" "$CYLO" -c "$CONF" run --json "$2")
	CPID=${1:-0} RC=${2:-999} MS=${3:-0} RSS=${4:-0}
}

# expect ID WHAT WANT_RC EXPR...: the last run's result (see sec.py).
expect() {
	eid=$1 what=$2 want=$3
	shift 3
	if why=$(sec result "$R" "$RERR" "$RC" "$want" "$@"); then
		ok "$eid $what"
	else
		not_ok "$eid $what" "$why"
	fi
}

# host ID: the host invariants after the last run (CPID has exited).
host() {
	if why=$(sec inv "$SNAP" "$SEC_UID_LO" "$SEC_UID_HI" "$CPID"); then
		ok "$1 host invariants"
	else
		not_ok "$1 host invariants" "$why"
	fi
}

# verdict ID WHAT: ok when no bad() since the last verdict; resets.
fails=
bad() { fails="$fails${fails:+; }$1"; }
verdict() {
	if [ -z "$fails" ]; then ok "$1 $2"; else not_ok "$1 $2" "$fails"; fi
	fails=
}

# job_from ID NAME: copies hostile/NAME to J/ID-NAME; prints the path.
job_from() {
	cp "$HOSTILE/$2" "$J/$1-$2"
	echo "$J/$1-$2"
}

# manifest ID MAIN KEY=VALUE...: J/ID.job running hostile/MAIN from the
# directory J/ID/ (copied whole into the workspace); prints its path.
# Each extra argument is one manifest line, written as given.
manifest() {
	mid=$1 mmain=$2
	shift 2
	mkdir -p "$J/$mid"
	cp "$HOSTILE/$mmain" "$J/$mid/$mmain"
	{
		echo "main = \"$mmain\""
		for l in "$@"; do echo "$l"; done
	} >"$J/$mid.job"
	echo "$J/$mid.job"
}

# ---- the drop folder -----------------------------------------------------
# drop_dir ID: a fresh drop folder with another user's file and another
# job's input and result in place (processed by the daemon); prints it.
drop_dir() {
	dd_=$TMPROOT/drop-$1
	mkdir -p "$dd_"
	printf 'print("previous job")\n' >"$dd_/prev.py"
	printf 'secret of alice\n' >"$dd_/alice-notes.txt"
	chown "$ALICE_UID:$ALICE_UID" "$dd_/alice-notes.txt" "$dd_/prev.py"
	chmod 600 "$dd_/alice-notes.txt"
	"$CYLO" -c "$CONF" -q watch --once "$dd_" >/dev/null 2>&1
	echo "$dd_"
}

# drop_snap ID DIR: snapshot of DIR's pre-existing files (other job, alice).
drop_snap() {
	sec snap "$TMPROOT/dsnap.$1" "$2/prev.py" "$2/prev.py.result.json" \
		"$2/alice-notes.txt"
}

# watch_conf ID DIR LINE...: a config watching DIR with the given lines in
# its watch section; prints its path (for watch_once's $WCONF).
watch_conf() {
	wc_=$TMPROOT/watch-$1.conf
	cp "$CONF" "$wc_"
	printf 'watch "%s" {\n' "$2" >>"$wc_"
	shift 2
	for l in "$@"; do printf '\t%s\n' "$l" >>"$wc_"; done
	echo "}" >>"$wc_"
	echo "$wc_"
}

# watch_once ID DIR [GUARD]: `cylo watch --once DIR` (with $WCONF set:
# `cylo -c $WCONF watch --once`, its watch sections); sets RC, CPID, MS and
# WLOG (its stderr).
watch_once() {
	WLOG=$TMPROOT/watch.$1.log
	if [ -n "${WCONF:-}" ]; then
		# shellcheck disable=SC2046
		set -- $(sec run /dev/null "$WLOG" "${3:-60}" "$CYLO" -c "$WCONF" watch --once)
	else
		# shellcheck disable=SC2046
		set -- $(sec run /dev/null "$WLOG" "${3:-60}" "$CYLO" -c "$CONF" watch --once "$2")
	fi
	CPID=${1:-0} RC=${2:-999} MS=${3:-0} RSS=${4:-0}
}

# templated ID WHAT DIR GLOB: passes when at least one of DIR's jobs GLOB
# ran in a box cloned from a daemon's mount template, whose procfs lies
# under the box's ("proc mounts: 2" in its output).  Not a given job: a
# worker that started late may run a later job as its first.
templated() {
	n_=$(python3 -c 'import glob, json, sys
print(sum("proc mounts: 2" in json.load(open(f))["stdout"]
          for f in glob.glob(sys.argv[1] + "/" + sys.argv[2] + ".result.json")))' "$3" "$4")
	if [ "$n_" -ge 1 ]; then ok "$1 $2"; else not_ok "$1 $2" "no job $4 was"; fi
}

# drop_expect ID WHAT DIR NAME EXPR...: DIR/NAME's one result (sec.py dropres).
drop_expect() {
	eid=$1 what=$2 ddir=$3 dname=$4
	shift 4
	if why=$(sec dropres "$ddir" "$dname" "$@"); then
		ok "$eid $what"
	else
		not_ok "$eid $what" "$why"
	fi
}

# drop_host ID DIR: host invariants of a drop-folder case: the global ones,
# the folder's own canaries, the daemon exited 0 (so it did not crash).
# SEC_IGNORE (fields a case changes on purpose) applies to the folder's
# snapshot only: the host's canaries keep every field.
drop_host() {
	why=
	[ "$RC" = 0 ] || why="cylo watch exited $RC: $(tail -c 300 "$WLOG")"
	if w=$(SEC_NO_CONTROL=1 sec inv "$TMPROOT/dsnap.$1" "$SEC_UID_LO" \
		"$SEC_UID_HI" "$CPID"); then :; else
		why="$why${why:+; }$w"
	fi
	if w=$(SEC_IGNORE= sec inv "$SNAP" "$SEC_UID_LO" "$SEC_UID_HI"); then :; else
		why="$why${why:+; }$w"
	fi
	if [ -z "$why" ]; then ok "$1 host invariants"; else not_ok "$1 host invariants" "$why"; fi
}

# only_files DIR NAME...: DIR holds exactly NAME... (and cylo's .cylo).
only_files() {
	have=$(cd "$1" && ls -A | grep -vx '.cylo' | sort | tr '\n' ' ')
	shift
	want=$(for n in "$@"; do echo "$n"; done | sort | tr '\n' ' ')
	[ "$have" = "$want" ] || bad "files in the folder: [$have], expected [$want]"
}

# daemon_start ID ARGS...: `cylo ARGS` (e.g. -c CONF watch DIR) in the
# background, until its start-up line; sets DPID and WLOG.
daemon_start() {
	WLOG=$TMPROOT/daemon.$1.log
	: >"$WLOG"
	shift
	"$CYLO" "$@" 2>"$WLOG" &
	DPID=$!
	i=0
	# The start-up scan, not "watching": the watcher thread adds its
	# inotify watches just before, and a case that floods the folder
	# (X08) must not start before them.
	while ! grep -q 'start-up scan' "$WLOG" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
}

# daemon_stop: SIGTERM, then up to 30 s for it to exit (SIGKILL after);
# sets RC (its exit code) and CPID.
daemon_stop() {
	kill -TERM "$DPID" 2>/dev/null
	timeout 30 tail --pid="$DPID" -f /dev/null
	kill -KILL "$DPID" 2>/dev/null
	wait "$DPID"
	RC=$? CPID=$DPID
}

# wait_result ID WHAT DIR NAME SECONDS EXPR...: prints ok/not ok for the
# first version of DIR/NAME's result for which every EXPR holds.
wait_result() {
	wid=$1 what=$2 wdir=$3 wname=$4 wsec=$5
	shift 5
	if why=$(sec waitres "$wdir" "$wname" "$wsec" "$@"); then
		ok "$wid $what"
	else
		not_ok "$wid $what" "$why"
	fi
}
