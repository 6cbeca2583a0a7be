#!/bin/sh
# tests/integration/exec.sh - `cylo exec` as SPEC §1 describes it: the
# program's stdout and stderr byte for byte, its exit code as cylo's, 124 on
# timeout, 137 on a memory kill, 128+N on a signal, 125 with a one-line
# reason when the job cannot run, 64 for a bad command line.
. "$(dirname "$0")/../lib.sh"

# xrun TAG ARGS...: `cylo exec ARGS` with stdin from $XIN (default
# /dev/null); output in $TMPROOT/TAG.out and TAG.err, exit code in $rc,
# wall time in ms in $ms.
xrun() {
	tag=$1
	shift
	t0=$(date +%s%N)
	timeout 60 "$CYLO" exec "$@" <"${XIN:-/dev/null}" \
		>"$TMPROOT/$tag.out" 2>"$TMPROOT/$tag.err"
	rc=$?
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
}

# show TAG.EXT: the first 200 bytes of an output file, on one line.
show() {
	python3 -c 'import sys; print(repr(open(sys.argv[1], "rb").read()[:200]))' "$TMPROOT/$1"
}

fails=
bad() { fails="$fails${fails:+; }$1"; }

# verdict NAME TAG: ok when no bad() since the last verdict.
verdict() {
	if [ -z "$fails" ]; then
		ok "$1"
	else
		not_ok "$1" "$fails -- rc=$rc stdout=$(show "$2.out") stderr=$(show "$2.err")"
	fi
	fails=
}

# Assertions over the last xrun.
want_rc() { [ "$rc" = "$1" ] || bad "exit $rc, expected $1"; }
want_out() {	# want_out TAG STREAM TEXT: the stream holds exactly TEXT
	printf '%s' "$3" | cmp -s - "$TMPROOT/$1.$2" || bad "$2 differs from '$3'"
}
want_empty() { [ -s "$TMPROOT/$1.$2" ] && bad "$2 is not empty"; }
want_grep() {	# want_grep TAG STREAM TEXT: the stream contains TEXT
	grep -qF -- "$3" "$TMPROOT/$1.$2" || bad "$2 does not mention '$3'"
}

nl='
'

xrun hi --lang python "print('hi')"
want_rc 0; want_out hi out "hi$nl"; want_empty hi err
verdict exec/python-hi hi

# Every alias of SPEC §1 that is not a canonical name.
for a in py js node golang rs c++ rb sh; do
	case $a in
	py) code="print('alias $a')" ;;
	js|node) code="console.log('alias $a')" ;;
	golang) code="package main

import \"fmt\"

func main() {
	fmt.Println(\"alias $a\")
}" ;;
	rs) code="fn main() {
    println!(\"alias $a\");
}" ;;
	c++) code="#include <iostream>
int main() { std::cout << \"alias $a\" << std::endl; }" ;;
	rb) code="puts 'alias $a'" ;;
	sh) code="echo alias $a" ;;
	esac
	xrun alias --lang "$a" "$code"
	want_rc 0; want_out alias out "alias $a$nl"; want_empty alias err
	verdict "exec/alias-$a" alias
done

xrun exit3 --lang sh 'echo before; exit 3'
want_rc 3; want_out exit3 out "before$nl"
verdict exec/exit-code-3 exit3

xrun exit3py --lang python 'import sys; sys.exit(3)'
want_rc 3; want_empty exit3py out
verdict exec/exit-code-3-python exit3py

xrun to --timeout 1 --lang python 'while True: pass'
want_rc 124
[ "$ms" -lt 6000 ] || bad "took ${ms}ms with --timeout 1"
verdict exec/timeout-124 to

xrun mem --memory 64 --lang python 'b = b"x" * (1 << 30)
print(len(b))'
want_rc 137; want_empty mem out
verdict exec/memory-137 mem

xrun sigterm --lang sh 'kill -TERM $$; sleep 5'
want_rc 143
[ "$ms" -lt 4000 ] || bad "took ${ms}ms: the signal did not end the job"
verdict exec/signal-term-143 sigterm

xrun segv --lang c 'int main(void)
{
	volatile int *p = 0;
	*p = 1;
	return 0;
}'
want_rc 139
verdict exec/signal-segv-139 segv

printf 'first line\nsecond \001 line\n' >"$TMPROOT/in.txt"
xrun stdin --lang sh --stdin "$TMPROOT/in.txt" 'cat'
want_rc 0
cmp -s "$TMPROOT/in.txt" "$TMPROOT/stdin.out" || bad "stdout is not the --stdin file"
verdict exec/stdin-file stdin

xrun stdinpy --stdin "$TMPROOT/in.txt" --lang python 'import sys; print(sys.stdin.readline().strip().upper())'
want_rc 0; want_out stdinpy out "FIRST LINE$nl"
verdict exec/stdin-file-python stdinpy

xrun nostdin --lang sh 'if read -r x; then echo "got $x"; else echo eof; fi'
want_rc 0; want_out nostdin out "eof$nl"
verdict exec/no-stdin-is-empty nostdin

printf 'import sys\nprint("code from stdin", sys.argv[1:])\n' >"$TMPROOT/code.py"
XIN=$TMPROOT/code.py xrun dash --lang python -
want_rc 0; want_out dash out "code from stdin []$nl"
verdict exec/code-from-stdin dash

xrun unk --lang cobol 'DISPLAY "HI".'
want_rc 64; want_empty unk out; want_grep unk err cobol
verdict exec/unknown-language-64 unk

xrun empty --lang python ''
want_rc 125; want_empty empty out
if [ "$(wc -l <"$TMPROOT/empty.err")" != 1 ] || [ "$(wc -c <"$TMPROOT/empty.err")" -lt 6 ]; then
	bad "stderr is not a one-line reason"
fi
verdict exec/empty-code-125 empty

XIN=/dev/null xrun emptydash --lang sh -
want_rc 125; want_empty emptydash out
[ "$(wc -l <"$TMPROOT/emptydash.err")" = 1 ] || bad "stderr is not a one-line reason"
verdict exec/empty-code-from-stdin-125 emptydash

xrun ce --lang c 'int main(void)
{
	return no_such_thing_42;
}'
want_rc 1; want_empty ce out; want_grep ce err no_such_thing_42
verdict exec/compile-error-1 ce

xrun cecpp --lang c++ 'int main() { return no_such_thing_42; }'
want_rc 1; want_empty cecpp out; want_grep cecpp err no_such_thing_42
verdict exec/compile-error-cpp-1 cecpp

# Raw bytes: non-UTF-8 and NUL, no trailing newline, streams apart.
xrun bytes --lang sh "printf '\\xff\\x00x'; printf 'e\\xfe\\x00r' >&2"
want_rc 0
printf '\377\000x' | cmp -s - "$TMPROOT/bytes.out" || bad "stdout is not ff 00 78"
printf 'e\376\000r' | cmp -s - "$TMPROOT/bytes.err" || bad "stderr is not 65 fe 00 72"
verdict exec/bytes-exact bytes

xrun apart --lang python 'import sys
for i in range(200):
    print("out", i, flush=True)
    print("err", i, file=sys.stderr, flush=True)'
want_rc 0
python3 -c 'import sys
o = open(sys.argv[1]).read(); e = open(sys.argv[2]).read()
assert o == "".join(f"out {i}\n" for i in range(200)), "stdout"
assert e == "".join(f"err {i}\n" for i in range(200)), "stderr"' \
	"$TMPROOT/apart.out" "$TMPROOT/apart.err" 2>/dev/null || bad "streams are mixed or incomplete"
verdict exec/streams-apart apart

# A larger output, exact to the byte (1 MiB is under the default limit).
xrun big --lang python 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 3000)'
want_rc 0
python3 -c 'import sys; sys.exit(open(sys.argv[1], "rb").read() != bytes(range(256)) * 3000)' \
	"$TMPROOT/big.out" || bad "768000 bytes not exact"
verdict exec/large-output-exact big

# Bad command lines.
xrun nolang 'echo hi'
want_rc 64; want_empty nolang out
verdict exec/usage-no-lang-64 nolang

xrun nocode --lang sh
want_rc 64; want_empty nocode out
verdict exec/usage-no-code-64 nocode

xrun badto --lang sh --timeout never 'echo hi'
want_rc 64; want_empty badto out
verdict exec/usage-bad-timeout-64 badto

xrun nofile --lang sh --stdin "$TMPROOT/does-not-exist" 'cat'
want_rc 64; want_empty nofile out
verdict exec/usage-missing-stdin-file-64 nofile

xrun dirstdin --lang sh --stdin "$TMPROOT" 'cat'
want_rc 64; want_empty dirstdin out; want_grep dirstdin err "directory"
verdict exec/usage-stdin-directory-64 dirstdin

# --stdin from a device or a pipe: read whole, then fed like a file.
xrun devnull --lang sh --stdin /dev/null 'wc -c; cat; echo end'
want_rc 0; want_out devnull out "0${nl}end$nl"
verdict exec/stdin-dev-null devnull

mkfifo "$TMPROOT/fifo"
timeout 60 python3 -c 'import sys
with open(sys.argv[1], "w") as f:
    f.write("".join(f"line {i}\n" for i in range(5000)))' "$TMPROOT/fifo" &
xrun fifo --lang sh --stdin "$TMPROOT/fifo" 'wc -l; tail -n 1 /dev/stdin'
wait
want_rc 0; want_out fifo out "5000${nl}line 4999$nl"
verdict exec/stdin-fifo-read-whole fifo

# A value over the configured maxima is a refused job (125), not a
# malformed option (64); the reason names the key.
xrun overmem --lang sh --memory 99999999 'echo ran'
want_rc 125; want_empty overmem out; want_grep overmem err "memory: the value exceeds the configured maximum"
verdict exec/memory-over-maximum-125 overmem

xrun overto --lang sh --timeout 5000000 'echo ran'
want_rc 125; want_empty overto out; want_grep overto err "timeout: the value exceeds the configured maximum"
verdict exec/timeout-over-maximum-125 overto

# A sandbox layer that was asked for and cannot be had: 125 naming it,
# nothing run.  A cgroup_root that is no cgroup2 directory fails on any host.
printf 'sandbox {\n  cgroup_root = "%s"\n}\n' "$TMPROOT" >"$TMPROOT/badroot.conf"
timeout 60 "$CYLO" -c "$TMPROOT/badroot.conf" exec --lang sh "echo ran" \
	</dev/null >"$TMPROOT/badroot.out" 2>"$TMPROOT/badroot.err"
rc=$?
want_rc 125; want_empty badroot out	# "ran" would be the job's
want_grep badroot err "sandbox_error: cgroups: cgroup2: $TMPROOT is not a cgroup2 directory"
verdict exec/cgroup-root-unusable-125 badroot

# A regular file that says it is empty but is not (procfs) is read whole.
xrun procstdin --lang sh --stdin /proc/self/status 'grep -c "^Name:"'
want_rc 0; want_out procstdin out "1$nl"
verdict exec/stdin-procfs-file procstdin

# --debug (a global option): the sandbox's layers and the box's steps.
timeout 60 "$CYLO" -d exec --lang sh 'echo dbg' </dev/null >"$TMPROOT/dbg.out" 2>"$TMPROOT/dbg.err"
rc=$?
want_rc 0; want_out dbg out "dbg$nl"
want_grep dbg err "sandbox: Landlock ABI"
grep -qE 'stage=steps .*clone=[0-9.]+ .*run=[0-9.]+ .*status=ok' "$TMPROOT/dbg.err" ||
	bad "no stage=steps line"
verdict exec/debug-logs-steps dbg

# What cylo's own parent ignored (SIGPIPE here) is not the job's.
python3 -c 'import os, signal, sys
signal.signal(signal.SIGPIPE, signal.SIG_IGN)
os.execv(sys.argv[1], sys.argv[1:])' "$CYLO" exec --lang sh \
	'grep "^SigIgn" /proc/self/status; yes | head -n 1' </dev/null \
	>"$TMPROOT/sigign.out" 2>"$TMPROOT/sigign.err"
rc=$?
want_rc 0; want_out sigign out "SigIgn:	0000000000000000${nl}y$nl"; want_empty sigign err
verdict exec/parent-ignored-signals-reset sigign

# As root, two commands at once and the daemon's worker slots never share a
# host uid (per-uid limits: processes, inotify instances, signals): each
# command's boxes take one above the slots, uid_base (60000 here) + workers
# and up.  The uids are read from the host while both jobs sleep.
if [ "$(id -u)" = 0 ]; then
	"$CYLO" exec --lang sh 'sleep 3' >/dev/null 2>&1 &
	p1=$!
	"$CYLO" exec --lang sh 'sleep 3' >/dev/null 2>&1 &
	p2=$!
	uids=
	i=0
	while [ $i -lt 40 ]; do
		uids=$(ps -eo uid=,comm= | awk '$2 == "sleep" && $1 >= 60000 && $1 < 61024 { print $1 }' |
			sort -u | tr '\n' ' ')
		[ "$(echo $uids | wc -w)" -ge 2 ] && break
		sleep 0.1
		i=$((i + 1))
	done
	wait "$p1" "$p2"
	rc=$?
	workers=$(nproc)
	[ "$(echo $uids | wc -w)" = 2 ] || bad "the two jobs ran as host uids '$uids'"
	for u in $uids; do
		[ "$u" -ge $((60000 + workers)) ] || bad "uid $u is a worker slot's (workers = $workers)"
	done
	verdict exec/root-one-host-uid-each dbg

	# cylo doctor's test job takes a command's uid too, not worker 0's: with
	# every command uid held, it cannot run its job (and says why).
	python3 - "$CYLO" "$workers" >"$TMPROOT/doctor.out" 2>&1 <<'EOF'
import fcntl, os, subprocess, sys
os.makedirs('/run/cylo', mode=0o700, exist_ok=True)
fd = os.open('/run/cylo/uids.lock', os.O_RDWR | os.O_CREAT, 0o600)
first = 60000 + int(sys.argv[2])
fcntl.lockf(fd, fcntl.LOCK_EX, 61024 - first, first)   # a byte per host uid
r = subprocess.run([sys.argv[1], 'doctor'], capture_output=True, text=True)
print(r.stdout + r.stderr)
EOF
	grep -q 'cannot reserve a host uid' "$TMPROOT/doctor.out" ||
		bad "doctor ran its job with every command uid held"
	verdict exec/root-doctor-takes-a-command-uid doctor
else
	echo "skip - one host uid per command: needs root"
fi
