# tests/integration/run_lib.sh - sourced by run.sh and lang.sh: one
# `cylo run --json` case and its checks (chk.py beside this file).
#
# run_case NAME WANT_RC FILE EXPR...: `cylo [$COPT] run --json FILE` under a
# (WANT_RC "!N": any exit code but N)
# $RUN_TIMEOUT-second guard (no input may hang it), then chk.py's checks.
# $RUNENV: a command prefix, e.g. `env -i ...`.
CHK=$TOP/tests/integration/chk.py
# For judged jobs: the names of the tests and their verdicts, in order, as
# one string ("a=accepted b=wrong_answer").
V="' '.join(t['name'] + '=' + t['verdict'] for t in d['tests'])"
COPT='' RUNENV='' RUN_TIMEOUT=${RUN_TIMEOUT:-20}
run_case() {
	rn=$1 want=$2 file=$3
	shift 3
	res=$TMPROOT/res.$(echo "$rn" | tr / _)
	# shellcheck disable=SC2086
	$RUNENV timeout "$RUN_TIMEOUT" "$CYLO" $COPT run --json "$file" \
		>"$res.json" 2>"$res.err" </dev/null
	rc=$?
	if why=$(python3 "$CHK" "$res.json" "$res.err" "$rc" "$want" "$@"); then
		ok "$rn"
	else
		not_ok "$rn" "$why"
	fi
}
