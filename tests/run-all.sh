#!/bin/sh
# Runs the test suites and prints one closing line "N passed, N failed".
# Files named *lib.sh in a suite directory are helpers the suites source.
#   tests/run-all.sh [unit|integration|security]...   (default: all three)
# Unit suites are Check programs in build/tests; integration and security
# suites are shell scripts that print "ok - NAME" or "not ok - NAME" per
# case (tests/lib.sh).  A suite that dies counts as one failure.
set -u
cd "$(dirname "$0")/.."
UNIT_DIR=${CYLO_UNIT_DIR:-build/tests}
suites=${*:-unit integration security}
pass=0 fail=0 skip=0
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

count_check() {	# Check's summary: "100%: Checks: 7, Failures: 0, Errors: 0"
	line=$(grep -E '^[0-9]+%: Checks: ' "$1" | tail -1)
	if [ -z "$line" ]; then fail=$((fail + 1)); return; fi
	n=$(echo "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
	f=$(echo "$line" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
	e=$(echo "$line" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
	pass=$((pass + n - f - e)); fail=$((fail + f + e))
}

count_tap() {
	tp=$(grep -c '^ok - ' "$1"); tf=$(grep -c '^not ok - ' "$1"); ts=$(grep -c '^skip - ' "$1")
	pass=$((pass + tp)); fail=$((fail + tf)); skip=$((skip + ts))
	[ "$2" != 0 ] && [ "$tf" = 0 ] && { echo "suite $3 exited $2"; fail=$((fail + 1)); }
	return 0
}

for suite in $suites; do
	case $suite in
	unit)
		for t in "$UNIT_DIR"/test_*; do
			case $t in *.o|*.d) continue ;; esac
			[ -x "$t" ] || continue
			echo "== unit $(basename "$t")"
			if [ -n "${CYLO_VALGRIND:-}" ]; then
				valgrind -q --leak-check=full --errors-for-leak-kinds=definite \
					--error-exitcode=99 "$t" >"$log/out" 2>&1
			else
				"$t" >"$log/out" 2>&1
			fi
			rc=$?
			cat "$log/out"
			count_check "$log/out"
			[ $rc = 99 ] && fail=$((fail + 1))
		done ;;
	integration|security)
		for t in tests/$suite/*.sh; do
			case $t in *lib.sh) continue ;; esac	# sourced helpers
			[ -f "$t" ] || continue
			echo "== $suite $(basename "$t")"
			sh "$t" >"$log/out" 2>&1
			rc=$?
			cat "$log/out"
			count_tap "$log/out" $rc "$t"
		done ;;
	esac
done
echo
if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" = 0 ] && [ "$skip" = 0 ]
