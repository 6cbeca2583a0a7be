# tests/integration/watch_lib.sh - helpers shared by the watch_*.sh suites
# (sourced after tests/lib.sh).  Run on its own it is an empty suite.
case $0 in *watch_lib.sh) exit 0 ;; esac

# Python one-liners need the results' JSON; the daemon needs its sandbox.
DPIDS=""

# Kills every daemon a suite started (they may still run when a case failed).
watch_cleanup() {
	for p in $DPIDS; do kill -KILL "$p" 2>/dev/null; done
	if [ -n "${CYLO_KEEP_TMP:-}" ]; then echo "# kept $TMPROOT"; else rm -rf "$TMPROOT"; fi
}
trap watch_cleanup EXIT

# conf FILE [GLOBAL-LINES]: a config with two workers and $3... watch sections.
# Usage: conf FILE <<EOF ... EOF (the body is appended after the globals).
conf() {
	{
		echo 'workers = 2'
		echo 'shutdown_grace = 10'
		cat
	} >"$1"
}

# watch_section DIR [KEY=VALUE lines...]
watch_section() {
	d=$1; shift
	echo "watch \"$d\" {"
	for kv in "$@"; do echo "	$kv"; done
	echo "}"
}

# start NAME CONF [ARGS...]: runs `cylo -c CONF watch ARGS` in the background;
# its pid is in $NAME_pid, its log in $TMPROOT/NAME.log.
start() {
	n=$1; c=$2; shift 2
	"$CYLO" -c "$c" watch "$@" >"$TMPROOT/$n.log" 2>&1 &
	eval "${n}_pid=$!"
	DPIDS="$DPIDS $!"
}

# alive PID: the process exists and is not a zombie.
alive() {
	[ -e "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

# stop PID: SIGTERM, wait for the exit; its code in $rc (no subshell:
# only this shell can wait for its children).
stop() {
	kill -TERM "$1" 2>/dev/null
	wait "$1"
	rc=$?
}

# until_ok TIMEOUT CMD...: polls CMD every 0.1 s until it succeeds.
until_ok() {
	lim=$(( $1 * 10 )); shift
	i=0
	while ! "$@" 2>/dev/null; do
		i=$((i + 1))
		[ $i -ge "$lim" ] && return 1
		sleep 0.1
	done
	return 0
}

# nresults DIR: how many *.result.json files DIR holds.
nresults() {
	find "$1" -maxdepth 1 -name '*.result.json' -type f | wc -l
}

# has_results DIR N
has_results() {
	[ "$(nresults "$1")" -ge "$2" ]
}

# field RESULT EXPR: a Python expression over the result document `d`.
field() {
	json "$1" "$2" 2>/dev/null
}

# leftovers DIR: claims and result temporaries left behind (prints them).
leftovers() {
	find "$1/.cylo/claims" -mindepth 1 2>/dev/null
	find "$1" -maxdepth 1 -name '.cylo.*.tmp' 2>/dev/null
	find "$1/.cylo" -maxdepth 1 -name '.stale.*' 2>/dev/null
}

no_leftovers() {
	[ -z "$(leftovers "$1")" ]
}

# expect NAME COND...: ok when the test command succeeds, else the reason
# is the command itself.
expect() {
	name=$1; shift
	if "$@"; then ok "$name"; else not_ok "$name" "$*"; fi
}

# eq NAME GOT WANT
eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got '$2', want '$3'"; fi
}
