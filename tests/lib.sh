# tests/lib.sh - shared helpers for the shell suites (sourced).
# Each case prints "ok - NAME" or "not ok - NAME: why"; run-all.sh counts.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
CYLO=${CYLO:-$TOP/build/cylo}
TMPROOT=$(mktemp -d /tmp/cylo-test.XXXXXX)
chmod 755 "$TMPROOT"
cleanup() { rm -rf "$TMPROOT"; }
trap cleanup EXIT

ok() { echo "ok - $1"; }
not_ok() { echo "not ok - $1: $2"; }

# check NAME COND_DESCRIPTION -- command...   (ok when the command succeeds)
check() {
	name=$1; shift
	if "$@"; then ok "$name"; else not_ok "$name" "failed: $*"; fi
}

# json FILE EXPR: evaluates a Python expression over the document `d`.
json() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# Waits up to $2 seconds (default 30) for file $1 to exist.
wait_for() {
	i=0; lim=$(( ${2:-30} * 10 ))
	while [ ! -e "$1" ] && [ $i -lt $lim ]; do sleep 0.1; i=$((i + 1)); done
	[ -e "$1" ]
}
