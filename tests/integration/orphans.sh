#!/bin/sh
# tests/integration/orphans.sh - no job outlives the cylo that runs it: a
# one-shot command stopped by SIGTERM, SIGINT or SIGKILL, and a daemon
# killed with SIGKILL, take their running box along (its PID 1 dies with
# the thread that cloned it, and every process of the box with PID 1).
# Without that a sleeping job would run on past its wall timeout, with no
# one left to enforce it.  The jobs sleep for 15 minutes, so that only the
# kill can have ended them within the 30 s each case waits.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/watch_lib.sh"

# running TAG: the job's own "sleep TAG" runs (not just a cylo whose
# command line holds it); none_left TAG: no process's command line ends in
# it (pgrep's 1, not an error).  The brackets keep the pattern from
# matching a line that holds it; the tag's dots are escaped.
pat() { printf '[s]leep %s$' "$(printf '%s' "$1" | sed 's/[.]/[.]/g')"; }
running() { pgrep -f -- "^$(pat "$1")" >/dev/null; }
none_left() { pgrep -f -- "$(pat "$1")" >/dev/null; [ $? = 1 ]; }
gone() { ! alive "$1"; }	# a zombie is gone too

# gone_after NAME PID SIGNAL TAG: once TAG's job runs, SIGNAL to PID;
# then neither PID nor any process of the box may be left.
gone_after() {
	if ! until_ok 30 running "$4"; then
		not_ok "$1" "the job never started"
		kill -KILL "$2" 2>/dev/null
		pkill -KILL -f -- "$(pat "$4")"
		return
	fi
	kill "-$3" "$2"
	until_ok 30 gone "$2" || kill -KILL "$2" 2>/dev/null
	wait "$2" 2>/dev/null
	if until_ok 30 none_left "$4"; then
		ok "$1"
	else
		not_ok "$1" "left running: $(pgrep -af -- "$(pat "$4")" | tr '\n' '|')"
		pkill -KILL -f -- "$(pat "$4")"
	fi
}

# A background job of a script ignores SIGINT; Ctrl-C's SIGINT reaches
# cylo with its default action, which dfl restores before the exec.
dfl() {
	exec python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])' "$@"
}
n=0
for sig in TERM INT KILL; do
	n=$((n + 1))
	tag=90$n.$$
	dfl "$CYLO" exec --lang sh --timeout 120 "sleep $tag" >/dev/null 2>&1 &
	gone_after "exec: SIG$sig takes the box along" $! "$sig" "$tag"
done

printf 'sleep 904.%s\n' "$$" >"$TMPROOT/slow.sh"
"$CYLO" run "$TMPROOT/slow.sh" >/dev/null 2>&1 &
gone_after "run: SIGTERM takes the box along" $! TERM "904.$$"

# The daemon killed outright, a job running: the job goes too (it runs
# again at the next start, as a job whose daemon crashed does).
D=$TMPROOT/drop
mkdir -p "$D"
conf "$TMPROOT/cylo.conf" <<EOF
$(watch_section "$D")
EOF
printf 'sleep 905.%s\n' "$$" >"$D/.slow.tmp"
mv "$D/.slow.tmp" "$D/slow.sh"
start d "$TMPROOT/cylo.conf"
gone_after "watch: SIGKILL takes the running box along" "$d_pid" KILL "905.$$"
