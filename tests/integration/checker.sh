#!/bin/sh
# tests/integration/checker.sh - a manifest's checker program (SPEC §3):
# its exit statuses as verdicts, in a box of its own, compiled when its
# language compiles, given INPUT OUTPUT ANSWER (from inline text or from
# the job's hidden files), kept out of the program's box, never run on a
# run that did not end well, a checker that cannot judge failing the job,
# and the manifests it makes invalid.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/run_lib.sh"

CONF=$TOP/etc/cylo.conf
COPT="-c $CONF"
J=$TMPROOT/jobs
mkdir -p "$J"

# ---- tolerance: the checker's verdicts, the score, the run shown ------------
# The program is off by 0.001 below 5 and by 1 from there: the checker
# takes 0.01.  Exit 2 (a presentation error) is a wrong answer too.
mkdir -p "$J/tol"
cat >"$J/tol/chk.py" <<'EOF'
import sys
inp, out, ans = sys.argv[1:4]
got, want = open(out).read().split(), open(ans).read().split()
if len(got) != 1:
    sys.exit(2)
sys.exit(0 if abs(float(got[0]) - float(want[0])) < 0.01 else 1)
EOF
cat >"$J/tol.job" <<'EOF'
language = "python"
code = "import sys, time
a, b = map(float, input().split())
if a == 10:
    time.sleep(0.3)
if a == 3:
    print(a, b)
    sys.exit(0)
print(a + b + (0.001 if a < 5 else 1))
print('run', a, file=sys.stderr)
"
checker = "chk.py"
test "small" { stdin = "1 2"  expect = "3"  points = 1 }
test "big"   { stdin = "10 20"  expect = "30"  points = 2 }
test "two"   { stdin = "3 4"  expect = "7"  points = 8 }
test "last"  { stdin = "2 2"  expect = "4"  points = 4 }
EOF
run_case checker/verdicts 0 "$J/tol.job" \
	"d['status'] == 'ok'" \
	"$V == 'small=accepted big=wrong_answer two=wrong_answer last=accepted'" \
	"[t['points'] for t in d['tests']] == [1, 0, 0, 4]" "d['score'] == 5" \
	"d['stdout'] == '31.0\n'" "d['stderr'] == 'run 10.0\n'" "d['exit_code'] == 0" \
	"d['tests'][1]['time_ms'] == d['execution_time_ms']" \
	"d['timing_ms']['run'] >= 250"

# All accepted: the top level shows the last run, as without a checker.
cat >"$J/tolok.job" <<'EOF'
language = "python"
code = "a, b = map(float, input().split())
print(a + b + 0.001)
"
checker = "chk.py"
test "one" { stdin = "1 2"  expect = "3" }
test "two" { stdin = "2 2"  expect = "4" }
EOF
mkdir -p "$J/tolok"
cp "$J/tol/chk.py" "$J/tolok/"
run_case checker/all-accepted 0 "$J/tolok.job" \
	"$V == 'one=accepted two=accepted'" "d['score'] == 2" "d['stdout'] == '4.001\n'"

# ---- what the checker says: each test's `checker_message` -------------------
# The first line of stderr (testlib writes there) that is not empty, cut
# at the line's end, a carriage return dropped; a checker that dies of an
# exception exits 1, a wrong answer, but its traceback shows; one that
# writes nothing leaves null.
mkdir -p "$J/said"
cat >"$J/said/chk.py" <<'EOF'
import sys
inp, out, ans = sys.argv[1:4]
got, want = open(out).read().split(), open(ans).read().split()
if got == want:
    print('ok', got[0], file=sys.stderr)
    sys.exit(0)
if want == ['quiet']:
    sys.exit(1)
if want == ['crlf']:
    sys.stderr.write('\n\r\nbad\r\nmore\n')
    sys.exit(1)
print('expected', want[0], 'found', got[0], file=sys.stderr)
print('second line', file=sys.stderr)
sys.exit(1)
EOF
cat >"$J/said.job" <<'EOF'
language = "python"
code = "print(input())"
checker = "chk.py"
test "same"  { stdin = "5"  expect = "5" }
test "diff"  { stdin = "6"  expect = "7" }
test "quiet" { stdin = "2"  expect = "quiet" }
test "crlf"  { stdin = "3"  expect = "crlf" }
EOF
run_case checker/messages 0 "$J/said.job" \
	"$V == 'same=accepted diff=wrong_answer quiet=wrong_answer crlf=wrong_answer'" \
	"[t['checker_message'] for t in d['tests']] == ['ok 5', 'expected 7 found 6', None, 'bad']"

# A checker may run a helper of the job: its copy keeps its execute bits.
mkdir -p "$J/helper"
printf '#!/bin/sh\n[ "$(cat "$1")" = "$(cat "$2")" ]\n' >"$J/helper/same.sh"
chmod 755 "$J/helper/same.sh"
printf 'import subprocess, sys\nsys.exit(subprocess.run(["./same.sh"] + sys.argv[2:4]).returncode)\n' \
	>"$J/helper/chk.py"
cat >"$J/helper.job" <<'EOF'
language = "python"
code = "print(input())"
checker = "chk.py"
test "yes" { stdin = "5"  expect = "5" }
test "no"  { stdin = "6"  expect = "7" }
EOF
run_case checker/helper-runs 0 "$J/helper.job" "$V == 'yes=accepted no=wrong_answer'"

# A file many tests name reaches the checker once, as itself: 64 tests
# share a 1 MiB stdin_file and expect_file, and the checker's /work stays
# near 1 MiB (a copy per test would make it 128 MiB, held by the daemon).
mkdir -p "$J/shared/data"
python3 -c "import sys; sys.stdout.write('7' * (1 << 20))" >"$J/shared/data/big"
cat >"$J/shared/chk.py" <<'EOF'
import os, sys
n = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk('.') for f in fs)
print('work MiB', n >> 20, sys.argv[1], sys.argv[3], file=sys.stderr)
EOF
python3 - "$J/shared.job" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write('language = "bash"\ncode = "echo ok"\nchecker = "chk.py"\n')
    for i in range(64):
        f.write(f'test "t{i}" {{ stdin_file = "data/big"  expect_file = "data/big" }}\n')
PY
run_case checker/shared-files-once 0 "$J/shared.job" "d['score'] == 64" \
	"all(t['checker_message'] == 'work MiB 1 ./data/big ./data/big' for t in d['tests'])"

# ---- a compiled checker, a helper file, inputs and answers from files -------
# The C checker includes a header of the job directory; stdin_file and
# expect_file stay out of the program's /work and reach the checker as
# INPUT and ANSWER; the checker itself stays out of the program's /work
# (which lists the empty data/ and limits.h beside main.sh, nothing else).
mkdir -p "$J/files/data"
printf '6 7\n' >"$J/files/data/in.txt"
printf '42\n' >"$J/files/data/want.txt"
cat >"$J/files/limits.h" <<'EOF'
#define WANT_INPUT "6 7\n"
EOF
cat >"$J/files/check.c" <<'EOF'
#include <stdio.h>
#include <string.h>
#include "limits.h"
static int slurp(const char *p, char *b, size_t n)
{
	FILE *f = fopen(p, "r");
	size_t k = f ? fread(b, 1, n - 1, f) : 0;
	b[k] = 0;
	return f ? fclose(f) : -1;
}
int main(int argc, char **argv)
{
	char in[64], out[64], ans[64];
	if (argc != 4 || slurp(argv[1], in, 64) || slurp(argv[2], out, 64) || slurp(argv[3], ans, 64))
		return 3;
	if (strcmp(in, WANT_INPUT) != 0)
		return 4;	/* not the test's input: the job fails, which the test sees */
	return strncmp(out, ans, 2) == 0 ? 0 : 1;
}
EOF
cat >"$J/files.job" <<'EOF'
language = "bash"
code = "read a b; echo $((a * b)) left; ls -A | tr '\n' ' ' >&2; ls -A data >&2"
checker = "check.c"
test "mul" { stdin_file = "data/in.txt"  expect_file = "data/want.txt" }
EOF
run_case checker/compiled-files-hidden 0 "$J/files.job" \
	"$V == 'mul=accepted'" "d['stdout'] == '42 left\n'" \
	"d['stderr'] == 'data limits.h main.sh '"

# A C checker beside a C program: the program's compile takes every C file
# of the job ({sources}) but the checker, whose main would clash with its own.
mkdir -p "$J/cc"
printf '#include <stdio.h>\nint main(void) { int a; if (scanf("%%d", &a) != 1) return 2; printf("%%d\\n", a * 2); return 0; }\n' >"$J/cc/main.c"
printf '#include <stdio.h>\nint main(int c, char **v) { FILE *o = fopen(v[2], "r"), *a = fopen(v[3], "r"); int x, y; return o && a && fscanf(o, "%%d", &x) == 1 && fscanf(a, "%%d", &y) == 1 && x == y ? 0 : 1; }\n' >"$J/cc/chk.c"
printf 'language = "c"\nmain = "main.c"\nchecker = "chk.c"\ntest "t" { stdin = "21"  expect = "42" }\n' >"$J/cc.job"
run_case checker/c-checker-beside-c-sources 0 "$J/cc.job" "$V == 't=accepted'"

# ---- only runs that ended well are judged ------------------------------------
# This checker cannot judge an empty output (exit 3): a run that crashed
# keeps its runtime_error and never reaches it.
mkdir -p "$J/crash"
cat >"$J/crash/chk.sh" <<'EOF'
[ -s "$2" ] || exit 3
exit 0
EOF
cat >"$J/crash.job" <<'EOF'
language = "bash"
code = "read n; [ $n -gt 0 ] || exit 5; echo $n"
checker = "chk.sh"
test "pos" { stdin = "1" }
test "neg" { stdin = "0" }
EOF
run_case checker/only-good-runs 5 "$J/crash.job" \
	"$V == 'pos=accepted neg=runtime_error'" "d['exit_code'] == 5"

# ---- a checker that cannot judge fails the job -------------------------------
# broken_checker NAME FILE TEXT [LINES]: job NAME, whose program prints 1 and
# whose one test expects it, judged by FILE holding TEXT (checker at line 3,
# then LINES of the manifest).
broken_checker() {
	mkdir -p "$J/$1"
	printf '%s' "$3" >"$J/$1/$2"
	printf 'language = "bash"\ncode = "echo 1"\nchecker = "%s"\n%stest "a" { expect = "1" }\n' \
		"$2" "${4:-}" >"$J/$1.job"
}

broken_checker bad chk.sh 'echo boom >&2
exit 3
'
run_case checker/cannot-judge 125 "$J/bad.job" "d['status'] == 'invalid_job'" \
	"d['error'] == \"bad.job:3: checker: test 'a': it exited 3: boom\"" "d['tests'] is None" \
	"d['score'] is None"

broken_checker slow chk.sh 'while :; do :; done
' 'timeout = 1
'
run_case checker/timeout 125 "$J/slow.job" "d['status'] == 'invalid_job'" \
	"'ran out of time' in d['error']" "d['tests'] is None"

# A Python checker dying of an uncaught exception exits 1, which read as a
# wrong answer: the student failed the test for the checker's bug.
broken_checker raises chk.py 'import sys
int(open(sys.argv[2]).read()) / 0
'
run_case checker/uncaught-error-is-no-verdict 125 "$J/raises.job" \
	"d['status'] == 'invalid_job'" "d['tests'] is None" \
	"d['error'].startswith(\"raises.job:3: checker: test 'a': it died of an uncaught error (exit 1)\")"

# ... but a checker that quotes the program's output judged, whatever the
# program wrote: a program printing Python's traceback header made its
# own wrong answer invalid_job, and the other tests' verdicts were lost.
mkdir -p "$J/quotes"
cat >"$J/quotes/chk.py" <<'EOF'
import sys
got = open(sys.argv[2]).read().strip()
want = open(sys.argv[3]).read().strip()
if got != want:
    print(f"wrong answer: expected {want!r}, got {got!r}", file=sys.stderr)
    sys.exit(1)
EOF
cat >"$J/quotes.job" <<'EOF'
language = "python"
code = "x = input()
print('Traceback (most recent call last):' if x == 'trick' else x)"
checker = "chk.py"
test "a" { stdin = "1"  expect = "1" }
test "b" { stdin = "trick"  expect = "8" }
EOF
run_case checker/quoted-traceback-is-a-wrong-answer 0 "$J/quotes.job" \
	"$V == 'a=accepted b=wrong_answer'" "d['score'] == 1" \
	"d['tests'][1]['checker_message'].startswith('wrong answer: expected')"

broken_checker nocc chk.c 'int main(void) { return nope; }
'
run_case checker/compile-error 125 "$J/nocc.job" "d['status'] == 'invalid_job'" \
	"d['error'].startswith(\"nocc.job:3: checker: 'chk.c' did not compile: it exited 1: \")" \
	"d['tests'] is None"

# ---- what the runs may keep: the job's workspace --------------------------------
# Each run prints 800 KiB; a 2 MiB workspace keeps two for the checker,
# and the third run's output no longer fits: output_limit, not a failure.
# A .cylo-check/ of the job's own (here a forged answer) is the
# program's, never the checker's.
mkdir -p "$J/big/.cylo-check/0"
printf 'forged\n' >"$J/big/.cylo-check/0/answer"
cat >"$J/big/chk.sh" <<'EOF'
[ "$(cat "$3")" = ok ] || exit 1
[ "$(wc -c <"$2")" -eq 819200 ] || exit 1
EOF
cat >"$J/big.job" <<'EOF'
language = "bash"
code = "head -c 819200 /dev/zero"
checker = "chk.sh"
output_limit = 1024
test "a" { expect = "ok" }
test "b" { expect = "ok" }
test "c" { expect = "ok" }
EOF
printf 'defaults {\n  workspace = 2\n}\n' >"$TMPROOT/small.conf"
COPT="-c $TMPROOT/small.conf"
run_case checker/workspace-budget 0 "$J/big.job" \
	"$V == 'a=accepted b=accepted c=output_limit'" "d['score'] == 2"
COPT="-c $CONF"

# ---- in an archive -----------------------------------------------------------
python3 - "$J/arch.tar.gz" <<'PY2'
import io, sys, tarfile
files = {
    "cylo.job": b'language = "python"\nmain = "main.py"\nchecker = "chk.py"\n'
                b'test "t" { stdin = "5"  expect = "25" }\n',
    "main.py": b"import os\nn = int(input())\nprint(n * n, sorted(os.listdir('.')))\n",
    "chk.py": b"import sys\nout = open(sys.argv[2]).read().split()\n"
              b"sys.exit(0 if out[0] == open(sys.argv[3]).read().strip() else 1)\n",
}
with tarfile.open(sys.argv[1], "w:gz") as t:
    for name, data in files.items():
        info = tarfile.TarInfo(name)
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
PY2
run_case checker/archive 0 "$J/arch.tar.gz" \
	"$V == 't=accepted'" "d['stdout'] == \"25 ['main.py']\\n\""

# ---- refused manifests -------------------------------------------------------
bad() {	# bad NAME LINE TEXT: J/NAME.job is invalid_job naming LINE, "checker", TEXT
	run_case "checker/invalid/$1" 125 "$J/$1.job" "d['status'] == 'invalid_job'" \
		"names('checker', $2)" "'$3' in d['error']" "d['stdout'] == ''" \
		"d['tests'] is None"
}
printf 'language = "bash"\ncode = "cat"\nchecker = "check.sh"\ntest "a" { expect = "" }\n' >"$J/missing.job"
bad missing 3 "is not a file of"
mkdir -p "$J/notests"
printf 'exit 0\n' >"$J/notests/chk.sh"
printf 'language = "bash"\ncode = "cat"\n\nchecker = "chk.sh"\n' >"$J/notests.job"
bad notests 4 "no test"
mkdir -p "$J/nolang"
printf 'x\n' >"$J/nolang/chk.txt"
printf 'language = "bash"\ncode = "cat"\nchecker = "chk.txt"\ntest "a" { }\n' >"$J/nolang.job"
bad nolang 3 "no language runs"
mkdir -p "$J/ismain"
printf 'echo 1\n' >"$J/ismain/main.sh"
printf 'language = "bash"\nmain = "main.sh"\nchecker = "main.sh"\ntest "a" { }\n' >"$J/ismain.job"
bad ismain 3 "is main"
mkdir -p "$J/owndir/.cylo-check"
printf 'exit 0\n' >"$J/owndir/.cylo-check/chk.sh"
printf 'language = "bash"\ncode = "cat"\nchecker = ".cylo-check/chk.sh"\ntest "a" { }\n' >"$J/owndir.job"
bad owndir 3 "own directory"
mkdir -p "$J/asinput"
printf 'exit 0\n' >"$J/asinput/chk.sh"
printf 'language = "bash"\ncode = "cat"\nchecker = "chk.sh"\ntest "a" { stdin_file = "chk.sh" }\n' >"$J/asinput.job"
bad asinput 3 "stdin_file"

# ---- a folder's languages bound the checker too -------------------------------
W=$TMPROOT/langs
mkdir -p "$W/only"
chmod 755 "$W"
printf 'watch "%s" {\n  languages = { "bash" }\n}\n' "$W" >"$TMPROOT/langs.conf"
printf 'import sys\nsys.exit(0)\n' >"$W/only/chk.py"
printf 'language = "bash"\ncode = "echo 1"\nchecker = "chk.py"\ntest "a" { }\n' >"$W/only.job"
printf '# the program of its own language, refused at its line\nlanguage = "python"\ncode = "print(1)"\n' \
	>"$W/prog.job"
timeout 60 "$CYLO" -c "$TMPROOT/langs.conf" watch --once >"$TMPROOT/langs.log" 2>&1
# status_error NAME JOB WANT: JOB's result reads "STATUS | ERROR" as WANT.
status_error() {
	got=$(python3 -c 'import json, sys; d = json.load(open(sys.argv[1]))
print(d["status"], "|", d["error"])' "$W/$2.result.json" 2>&1)
	if [ "$got" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1" "$got; log: $(tail -3 "$TMPROOT/langs.log")"
	fi
}
status_error checker/folder-languages only.job \
	"invalid_job | only.job:3: checker: python is not allowed in this folder"
status_error checker/folder-languages-name-the-line prog.job \
	"invalid_job | prog.job:2: language: python is not allowed in this folder"
