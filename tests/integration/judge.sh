#!/bin/sh
# tests/integration/judge.sh - judging a manifest's tests (SPEC §3, §4):
# a verdict per test from how its run ended and from comparing its stdout,
# the score, the top-level fields, the compare modes, per-test limits, one
# compile and one box for every test, expected outputs kept out of the
# box, refused manifests, and a judged job dropped into a folder.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/run_lib.sh"

CONF=$TOP/etc/cylo.conf
COPT="-c $CONF"
J=$TMPROOT/jobs
mkdir -p "$J"

# ---- every verdict, the score, and what the top level shows ---------------
cat >"$J/sum.job" <<'EOF'
language = "python"
code = "a, b = map(int, input().split())
if a < 0:
    raise SystemExit(3)
if a == 7:
    while True:
        pass
if a == 8:
    x = bytearray(400 << 20)
if a == 9:
    print('x' * 100000)
print(a + b)
"
timeout = 5
memory = 64
test "small" { stdin = "1 2"  expect = "3" }
test "wrong" { stdin = "1 2"  expect = "4"  points = 5 }
test "crash" { stdin = "-1 2"  expect = "1" }
test "slow"  { stdin = "7 1"  expect = "8"  timeout = 0.5 }
test "fat"   { stdin = "8 1"  expect = "9" }
test "loud"  { stdin = "9 1"  expect = "10"  output_limit = 16 }
test "last"  { stdin = "1000000 2000000"  expect = "3000000"  points = 2.5 }
EOF
run_case judge/verdicts 0 "$J/sum.job" \
	"d['status'] == 'ok'" \
	"$V == 'small=accepted wrong=wrong_answer crash=runtime_error slow=timeout fat=memory_limit loud=output_limit last=accepted'" \
	"[t['points'] for t in d['tests']] == [1, 0, 0, 0, 0, 0, 2.5]" "d['score'] == 3.5" \
	"all(t['time_ms'] > 0 and t['memory_used_kb'] > 0 for t in d['tests'])" \
	"400 <= d['tests'][3]['time_ms'] < 4000" \
	"d['tests'][4]['memory_used_kb'] >= 60 * 1024" \
	"d['stdout'] == '3\n'" "d['exit_code'] == 0" "d['error'] is None"

# All accepted: the top level shows the last run.
cat >"$J/allok.job" <<'EOF'
language = "bash"
code = "read n; echo $((n * 2))"
test "one" { stdin = "1"  expect = "2" }
test "two" { stdin = "21"  expect = "42" }
EOF
run_case judge/all-accepted 0 "$J/allok.job" \
	"$V == 'one=accepted two=accepted'" "d['score'] == 2" "d['stdout'] == '42\n'" \
	"all(t['checker_message'] is None for t in d['tests'])"

# The first test not accepted is the one shown, with its own status.
cat >"$J/shown.job" <<'EOF'
language = "bash"
code = "read n; [ \"$n\" = die ] && { echo dying >&2; exit 7; }; echo $n"
test "fine" { stdin = "a"  expect = "a" }
test "dies" { stdin = "die"  expect = "x" }
test "odd"  { stdin = "b"  expect = "c" }
EOF
run_case judge/first-failure-shown 7 "$J/shown.job" \
	"d['status'] == 'runtime_error'" "d['exit_code'] == 7" "d['stderr'] == 'dying\n'" \
	"$V == 'fine=accepted dies=runtime_error odd=wrong_answer'" "d['score'] == 1"

# A run's memory is what it adds to the box.  What an earlier test left in
# /tmp is not charged to the tests after it (a test whose memory was below
# it got memory_limit without running), nor are the job's own files in
# /work: a 60 MiB data file the program never reads took that much of a
# 64 MiB limit, and the program's 40 MiB was a memory_limit.
cat >"$J/leftover.job" <<'EOF'
language = "sh"
code = "read x; if [ \"$x\" = a ]; then head -c 40000000 /dev/zero > /tmp/fill; fi; echo $x"
test "write" { stdin = "a"  expect = "a" }
test "small" { stdin = "b"  expect = "b"  memory = 20 }
test "after" { stdin = "c"  expect = "c" }
EOF
run_case judge/leftovers-not-a-later-tests-memory 0 "$J/leftover.job" \
	"$V == 'write=accepted small=accepted after=accepted'" \
	"d['tests'][1]['memory_used_kb'] < 20 * 1024"
mkdir "$J/data"
head -c 62914560 /dev/zero >"$J/data/table.bin"
cat >"$J/data.job" <<'EOF'
language = "python"
memory = 64
code = "b = bytearray(40 << 20); print(len(b) >> 20)"
test "alloc" { expect = "40" }
EOF
run_case judge/job-files-not-the-programs-memory 0 "$J/data.job" \
	"$V == 'alloc=accepted'" "d['tests'][0]['memory_used_kb'] < 64 * 1024"

# ... but what the box holds raises a limit by no more than its tmpfs
# (64 + 2 x 64 MiB here): SysV shared memory outlives a test, and each
# test stashing 60 MiB of it grew the box without end.  The fifth stash
# (300 MiB) is over 100 + 192.
mkdir "$J/stash"
cat >"$J/stash/main.c" <<'EOF'
#include <stdio.h>
#include <string.h>
#include <sys/shm.h>

int main(void)
{
	int id = shmget(IPC_PRIVATE, 60 << 20, IPC_CREAT | 0600);
	char *p = id < 0 ? (char *)-1 : shmat(id, NULL, 0);

	if (p == (char *)-1)
		return 2;
	memset(p, 1, 60 << 20);
	puts("kept");
	return 0;
}
EOF
cat >"$J/stash.job" <<'EOF'
language = "c"
main = "main.c"
memory = 100
test "a" { expect = "kept" }
test "b" { expect = "kept" }
test "c" { expect = "kept" }
test "d" { expect = "kept" }
test "e" { expect = "kept" }
test "f" { expect = "kept" }
EOF
run_case judge/what-outlives-a-test-raises-limits-only-so-far '!0' "$J/stash.job" \
	"d['limits']['enforced_by'] == 'rlimit' or $V == 'a=accepted b=accepted c=accepted d=accepted e=memory_limit f=memory_limit'"

# ... and page cache raises none: the kernel takes it back at the limit.
# A test that read 150 MiB of a file let the next one use 64 + 64 MiB
# (on cgroup v1 a slot's group kept even an earlier job's cache), so a
# 100 MiB program passed under memory = 64.
# The file is on a disk, outside the /tmp every box has its own of.
CACHE=$(mktemp -d /var/tmp/cylo-cache.XXXXXX)
chmod 755 "$CACHE"
head -c 157286400 /dev/zero >"$CACHE/cache.bin"
# Out of the cache (written back first), so that the box's reads are
# charged to the box.
python3 -c 'import os, sys; fd = os.open(sys.argv[1], os.O_RDONLY); os.fsync(fd); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)' \
	"$CACHE/cache.bin"
printf 'sandbox {\n\textra_ro_paths = { "%s" }\n}\n' "$CACHE/cache.bin" >"$TMPROOT/cache.conf"
cat >"$J/cache.job" <<EOF
language = "python"
memory = 64
code = "import sys
if input() == 'read':
    with open('$CACHE/cache.bin', 'rb') as f:
        while f.read(1 << 20):
            pass
else:
    b = bytearray(100 << 20)
print('done')
"
test "read" { stdin = "read"  expect = "done" }
test "alloc" { stdin = "alloc"  expect = "done" }
EOF
COPT="-c $TMPROOT/cache.conf" run_case judge/page-cache-raises-no-limit '!0' "$J/cache.job" \
	"d['limits']['enforced_by'] == 'rlimit' or $V == 'read=accepted alloc=memory_limit'"
rm -r "$CACHE"

# A test's timeout is its CPU time too, unless it sets cpu_time: a test
# that asks for 3 s was stopped at the job's 0.5 s of CPU (SIGXCPU).
cat >"$J/longer.job" <<'EOF'
language = "python"
timeout = 0.5
cpu_time = 0.5
code = "import time\nwhile time.process_time() < 1.2: pass\nprint('done')"
test "long"  { expect = "done"  timeout = 3 }
test "short" { expect = "done" }
EOF
run_case judge/a-tests-timeout-lifts-its-cpu-time '!0' "$J/longer.job" \
	"$V == 'long=accepted short=timeout'"

# A test without an expected output passes when its run ends well.
cat >"$J/noexp.job" <<'EOF'
language = "bash"
code = "read n; [ \"$n\" -gt 0 ]"
test "pos" { stdin = "3" }
test "neg" { stdin = "-3" }
EOF
run_case judge/no-expect 1 "$J/noexp.job" "$V == 'pos=accepted neg=runtime_error'"

# ---- compare modes ----------------------------------------------------------
# The program prints its stdin back, so each test's expectation is judged
# against exactly what stdin held.
cat >"$J/cmp.job" <<'EOF'
language = "python"
code = "import sys
sys.stdout.write(sys.stdin.read())
"
test "exact-same"    { stdin = "a b\n"  expect = "a b\n"  compare = "exact" }
test "exact-newline" { stdin = "a b\n"  expect = "a b"  compare = "exact" }
test "trim-ends"     { stdin = "\n  a b  \r\n\n"  expect = "a b" }
test "trim-inner"    { stdin = "a  b\n"  expect = "a b"  compare = "trim" }
test "trim-blank"    { stdin = "1\n\n2\n"  expect = "1\n2"  compare = "trim" }
test "tokens"        { stdin = " 1\n2\t 3 "  expect = "1 2 3"  compare = "tokens" }
test "tokens-differ" { stdin = "1 2 3"  expect = "1 2 4"  compare = "tokens" }
test "float-near"    { stdin = "0.30000000000000004 1e3"  expect = "0.3 1000"  compare = "float:1e-9" }
test "float-far"     { stdin = "0.31"  expect = "0.3"  compare = "float:1e-3" }
test "float-words"   { stdin = "x = 2.0000001"  expect = "x = 2"  compare = "float:1e-6" }
EOF
run_case judge/compare-modes 0 "$J/cmp.job" \
	"$V == 'exact-same=accepted exact-newline=wrong_answer trim-ends=accepted trim-inner=wrong_answer trim-blank=wrong_answer tokens=accepted tokens-differ=wrong_answer float-near=accepted float-far=wrong_answer float-words=accepted'"

# ---- per-test limits: CPU time, memory ------------------------------------
cat >"$J/lim.job" <<'EOF'
language = "python"
code = "import sys
w = sys.stdin.read().split()
if w[0] == 'spin':
    while True:
        pass
bytearray(int(w[1]) << 20)
print('ok')
"
timeout = 10
memory = 256
test "cpu"   { stdin = "spin"  expect = "ok"  cpu_time = 0.5 }
test "big"   { stdin = "mem 100"  expect = "ok" }
test "small" { stdin = "mem 100"  expect = "ok"  memory = 48 }
EOF
run_case judge/per-test-limits 124 "$J/lim.job" \
	"$V == 'cpu=timeout big=accepted small=memory_limit'" \
	"d['tests'][0]['time_ms'] < 8000"

# ---- one compile, one box: a count kept in /tmp goes on across every stop --
# Each run but a "hang" counts itself in /tmp; the count goes on only if
# every test ran in the one box, compiled once.  A box lost at a stop would
# be rebuilt and compiled again, and the count would start over.  The
# "tiny" run's 1 ms limit sends its stop about when its stage starts.
cat >"$J/count.job" <<'EOF'
language = "c"
code = "#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(void) {
	char w[16] = \"\";
	int n = 0;
	FILE *f;
	if (scanf(\"%15s\", w) == 1 && strcmp(w, \"hang\") == 0)
		pause();
	f = fopen(\"/tmp/count\", \"r\");
	if (f) { if (fscanf(f, \"%d\", &n) != 1) n = -100; fclose(f); }
	f = fopen(\"/tmp/count\", \"w\");
	fprintf(f, \"%d\", n + 1);
	fclose(f);
	printf(\"%d\\n\", n + 1);
	fflush(stdout);
	if (strcmp(w, \"flood\") == 0)
		for (;;) fputs(\"0123456789abcdef\", stdout);
	if (strcmp(w, \"spin\") == 0)
		for (volatile int x = 0;; x++) ;
	return 0;
}
"
timeout = 5
test "1"     { expect = "1" }
test "hang"  { stdin = "hang"  timeout = 0.3 }
test "2"     { expect = "2" }
test "flood" { stdin = "flood"  output_limit = 16 }
test "4"     { expect = "4" }
test "spin"  { stdin = "spin"  cpu_time = 0.3 }
test "6"     { expect = "6" }
test "tiny"  { stdin = "hang"  timeout = 0.001 }
test "7"     { expect = "7" }
EOF
run_case judge/compile-once-one-box 124 "$J/count.job" \
	"d['compile'] is not None and d['compile']['exit_code'] == 0" \
	"$V == '1=accepted hang=timeout 2=accepted flood=output_limit 4=accepted spin=timeout 6=accepted tiny=timeout 7=accepted'"

# A compile error ends the job before its tests.
cat >"$J/broken.job" <<'EOF'
language = "c"
code = "int main(void) { return missing; }"
test "t" { expect = "" }
EOF
run_case judge/compile-error 1 "$J/broken.job" \
	"d['status'] == 'compile_error'" "d['tests'] is None" "d['score'] is None" \
	"d['execution_time_ms'] is None and d['cpu_time_ms'] is None"

# A compiler's output over output_limit is cut, not a limit the student
# went over: many errors are still a compile_error, and many warnings
# still let the program run.  A compiler that writes on past 16 MiB is
# stopped, for output_limit.
python3 - "$J" <<'PYEOF'
import sys
d = sys.argv[1]
errs = "".join(f"  missing_{i}(1);\n" for i in range(2000))
warns = "".join(f'#warning "warning number {i} of many"\n' for i in range(2000))
with open(f"{d}/errors.job", "w") as f:
    f.write('language = "c"\noutput_limit = 16\ncode = "int main(void) {\n'
            + errs + '  return 0;\n}"\ntest "t" { expect = "" }\n')
with open(f"{d}/warnings.job", "w") as f:
    f.write('language = "c"\noutput_limit = 16\ncode = "#include <stdio.h>\n'
            + warns.replace('"', '\\"')
            + 'int main(void) { puts(\\"ran\\"); return 0; }"\n'
            'test "t" { expect = "ran" }\n')
PYEOF
run_case judge/compile-output-cut 1 "$J/errors.job" \
	"d['status'] == 'compile_error'" "d['compile']['exit_code'] == 1" \
	"d['compile']['output_truncated'] is True" \
	"16384 <= len(d['compile']['output'].encode()) <= 32768" \
	"'missing_0' in d['compile']['output']"
run_case judge/compile-warnings-cut 0 "$J/warnings.job" \
	"d['status'] == 'ok'" "d['compile']['exit_code'] == 0" \
	"d['compile']['output_truncated'] is True" "$V == 't=accepted'"
cat >"$TMPROOT/spew.conf" <<EOF
$(cat "$CONF")
language "spew" {
	extensions = { "spew" }
	compile = "/usr/bin/yes compiling"
	run = "/usr/bin/true"
	paths = { "/usr", "/bin", "/lib", "/lib64" }
}
EOF
printf 'x\n' >"$J/forever.spew"
COPT="-c $TMPROOT/spew.conf" run_case judge/compile-output-endless 137 "$J/forever.spew" \
	"d['status'] == 'output_limit'" "d['compile']['output_truncated'] is True" \
	"'compile stage went over output_limit' in d['error']"

# ---- files of the job directory: a test's files stay out of /work ---------
mkdir -p "$J/files/data"
printf '6 7\n' >"$J/files/data/in1.txt"
printf '42\n' >"$J/files/data/out1.txt"
printf 'shared\n' >"$J/files/data/note.txt"
cat >"$J/files.job" <<'EOF'
language = "python"
code = "import os
a, b = map(int, input().split())
seen = sorted(os.listdir('data'))
print(a * b)
print(' '.join(seen))
"
test "mul" { stdin_file = "data/in1.txt"  expect_file = "data/out1.txt"  compare = "tokens" }
EOF
# The program saw only note.txt, so it printed "42 note.txt": one token
# more than the expected "42", which tells the two apart.
run_case judge/files-hidden 0 "$J/files.job" \
	"d['stdout'] == '42\nnote.txt\n'" "$V == 'mul=wrong_answer'"

# An inline stdin with an expected output from a file.
mkdir -p "$J/mixed"
printf '12\n' >"$J/mixed/want.txt"
cat >"$J/mixed.job" <<'EOF'
language = "bash"
code = "read a b; echo $((a * b)); ls >&2"
test "t" { stdin = "3 4"  expect_file = "want.txt" }
EOF
run_case judge/inline-stdin-expect-file 0 "$J/mixed.job" \
	"$V == 't=accepted'" "d['stdout'] == '12\n'" "d['stderr'] == 'main.sh\n'"

# An archive's cylo.job holds every answer: with tests it stays out of /work.
python3 - "$J/arch.tar.gz" <<'PY'
import io, sys, tarfile
files = {
    "cylo.job": b'language = "python"\nmain = "main.py"\n'
                b'test "t" { stdin = "5"  expect = "25" }\n',
    "main.py": b"import os\nn = int(input())\nprint(n * n)\n"
               b"print('cylo.job' in os.listdir('.'))\n",
}
with tarfile.open(sys.argv[1], "w:gz") as t:
    for name, data in files.items():
        info = tarfile.TarInfo(name)
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
PY
run_case judge/archive-manifest-hidden 0 "$J/arch.tar.gz" \
	"d['stdout'] == '25\nFalse\n'" "$V == 't=wrong_answer'"

# ... so it cannot be main too: that program would lose its own file.
python3 - "$J/arch-main.tar" <<'PY'
import io, sys, tarfile
data = b'language = "bash"\nmain = "cylo.job"\ntest "t" { expect = "x" }\n'
with tarfile.open(sys.argv[1], "w") as t:
    info = tarfile.TarInfo("cylo.job")
    info.size = len(data)
    t.addfile(info, io.BytesIO(data))
PY
run_case judge/archive-manifest-is-main 125 "$J/arch-main.tar" \
	"d['status'] == 'invalid_job'" "names('main', 2)" "'answers' in d['error']" \
	"d['tests'] is None"

# A job directory's own file named cylo.job is an ordinary file: only an
# archive's manifest is hidden.
mkdir -p "$J/plain"
printf 'notes\n' >"$J/plain/cylo.job"
cat >"$J/plain.job" <<'EOF'
language = "bash"
code = "cat cylo.job"
test "t" { expect = "notes" }
EOF
run_case judge/dir-cylo-job-visible 0 "$J/plain.job" "$V == 't=accepted'"

# Every test is as confined as a box's only run: the box's init confines
# itself once and its stages inherit seccomp, no_new_privs and no
# capability, and each applies Landlock (with ABI >= 4 its TCP rule
# answers EACCES; without it, the box's network, no interface up,
# answers ENETUNREACH).
mkdir -p "$J/confined"
cat >"$J/confined/show.sh" <<'EOF'
s=
while read -r k v; do
	case $k in Seccomp:|NoNewPrivs:|CapEff:|CapBnd:) s="$s$v " ;; esac
done </proc/self/status
err=$( (exec 3<>/dev/tcp/127.0.0.1/9) 2>&1)
case $err in
*"Permission denied"*) echo "${s}tcp-EACCES" ;;
*"Network is unreachable"*) echo "${s}tcp-ENETUNREACH" ;;
*) echo "${s}tcp: $err" ;;
esac
EOF
want=$("$CYLO" $COPT exec --lang bash - <"$J/confined/show.sh" 2>&1)
case $want in
"0000000000000000 0000000000000000 1 2 tcp-E"*)
	cat >"$J/confined.job" <<EOF
language = "bash"
main = "show.sh"
test "a" { expect = "$want" }
test "b" { expect = "$want" }
test "c" { expect = "$want" }
EOF
	run_case judge/each-test-confined 0 "$J/confined.job" \
		"$V == 'a=accepted b=accepted c=accepted'" ;;
*)	not_ok judge/each-test-confined "a box's only run is not confined: $want" ;;
esac

# 200 tests with their own stdin under a soft limit of 64 open files: a job
# holds one test's stdin at a time, not one per test.
python3 - "$J/many.job" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write('language = "bash"\ncode = "read n; echo $((n + 1))"\n')
    for i in range(200):
        f.write(f'test "t{i}" {{ stdin = "{i}"  expect = "{i + 1}" }}\n')
PY
RUNENV="prlimit --nofile=64:"
run_case judge/many-tests-few-fds 0 "$J/many.job" \
	"len(d['tests']) == 200" "all(t['verdict'] == 'accepted' for t in d['tests'])" \
	"d['score'] == 200"
RUNENV=

# ---- refused manifests -------------------------------------------------------
bad() {	# bad NAME LINE KEY: J/NAME.job is invalid_job naming LINE and KEY
	run_case "judge/invalid/$1" 125 "$J/$1.job" "d['status'] == 'invalid_job'" \
		"names('$3', $2)" "d['stdout'] == ''" "d['tests'] is None"
}
printf 'language = "bash"\ncode = "cat"\ntest "a" {\n  expect_file = "nope.txt"\n}\n' >"$J/noexpfile.job"
bad noexpfile 4 expect_file
printf 'language = "bash"\ncode = "cat"\n\ntest "a" { stdin_file = "gone.txt" }\n' >"$J/nostdinfile.job"
bad nostdinfile 4 stdin_file
mkdir -p "$J/ismain"
printf 'echo hi\n' >"$J/ismain/main.sh"
printf 'language = "bash"\nmain = "main.sh"\ntest "a" { expect_file = "main.sh" }\n' >"$J/ismain.job"
bad ismain 3 expect_file
printf 'language = "bash"\ncode = "cat"\nstdin = "7"\ntest "a" { expect = "7" }\n' >"$J/jobstdin.job"
bad jobstdin 3 stdin

# ---- a judged job dropped into a folder -------------------------------------
D=$TMPROOT/drop
mkdir -p "$D"
cp "$J/allok.job" "$D/graded.job"
"$CYLO" -c "$CONF" watch --once "$D" >"$TMPROOT/once.log" 2>&1
if [ -f "$D/graded.job.result.json" ] &&
	[ "$(json "$D/graded.job.result.json" "$V + ' ' + str(d['score'])")" = 'one=accepted two=accepted 2.0' ]; then
	ok judge/drop-folder
else
	not_ok judge/drop-folder "result: $(cat "$D/graded.job.result.json" 2>&1 | head -c 600) log: $(tail -5 "$TMPROOT/once.log")"
fi
