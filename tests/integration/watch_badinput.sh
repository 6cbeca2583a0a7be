#!/bin/sh
# watch_badinput.sh - hostile objects and names in the drop folder: each
# gets a clear result or is ignored as SPEC §2 says, nothing blocks, the
# daemon never reads through a link and never writes outside the folder.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/watch_lib.sh"

D=$TMPROOT/drop
mkdir -p "$D"
C=$TMPROOT/cylo.conf
conf "$C" <<EOF
$(watch_section "$D" 'max_input_size = "8M"')
EOF
echo 'echo secret-canary' >"$TMPROOT/outside.sh"
echo 'top secret' >"$TMPROOT/secret"

once() {
	timeout 60 "$CYLO" -c "$C" watch --once >>"$TMPROOT/once.log" 2>&1
}
r() { field "$D/$1.result.json" "$2"; }

# Object kinds.
ln -s "$TMPROOT/outside.sh" "$D/symlink.sh"
ln -s /etc/shadow "$D/shadow.py"
ln "$TMPROOT/outside.sh" "$D/hardlink.sh"
mkfifo "$D/fifo.py"
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$D/sock.sh"
if [ "$(id -u)" = 0 ]; then mknod "$D/device.sh" c 1 3; fi
printf 'echo fine\n' >"$D/regular.sh"

# Names.
nl=$(printf 'new\nline.sh')
printf 'echo newline\n' >"$D/$nl"
ctl=$(printf 'ctl\001\033[31m.sh')
printf 'echo control\n' >"$D/$ctl"
bad=$(printf 'bad\377\376.sh')
printf 'echo latin\n' >"$D/$bad"
printf 'echo dash\n' >"$D/-rf.sh"
printf 'echo dashdash\n' >"$D/--help.sh"
fits=$(python3 -c 'print("f" * 240 + ".sh")')		# 243 + 12 = 255
long=$(python3 -c 'print("l" * 241 + ".sh")')		# 244 + 12 > 255
max=$(python3 -c 'print("m" * 252 + ".sh")')		# 255: a file, no result name
printf 'echo fits\n' >"$D/$fits"
printf 'echo long\n' >"$D/$long"
printf 'echo max\n' >"$D/$max"

# Manifests.
printf 'language = "sh"\ncode = "echo x"\nbogus = 1\n' >"$D/unknown-key.job"
printf 'language = "sh"\ncode = "unterminated\n' >"$D/quote.job"
printf 'language = "cobol"\ncode = "x"\n' >"$D/nolang.job"
printf 'language = "sh"\ncode = "echo hi"\ntimeout = 100000\n' >"$D/over-max.job"
printf 'language = "sh"\nmain = "missing.sh"\n' >"$D/nomain.job"
printf '\000\001\002garbage' >"$D/binary.job"
printf 'garbage' >"$D/corrupt.tar.gz"
# A directory where the result must go: never replaced, never run.
printf 'echo blocked\n' >"$D/dirres.sh"
mkdir "$D/dirres.sh.result.json"

# A manifest over its own 1 MiB cap (the folder allows 8 MiB inputs).
python3 -c 'import sys; open(sys.argv[1], "w").write("#" * (1 << 20) + "\n")' "$D/huge.job"

start_t=$(date +%s)
once
rc=$?
end_t=$(date +%s)
eq "--once finishes on hostile input (FIFO does not block)" "$rc" 0
expect "... in reasonable time" test $((end_t - start_t)) -lt 30

eq "an oversized manifest says so" "$(r huge.job 'd["status"], d["error"]')" \
	"('invalid_job', \"input 'huge.job': a manifest is at most 1 MiB\")"
for n in symlink.sh shadow.py hardlink.sh fifo.py sock.sh; do
	eq "invalid_job: $n" "$(r "$n" 'd["status"]')" invalid_job
done
if [ -e "$D/device.sh" ]; then
	eq "invalid_job: device" "$(r device.sh 'd["status"], "device" in d["error"]')" "('invalid_job', True)"
fi
expect "symlinked input never read" sh -c "! grep -rq 'secret-canary' '$D'/*.result.json"
eq "hardlink refused for its link count" "$(r hardlink.sh '"hard link" in d["error"]')" True
eq "symlink result records the link's identity" "$(r symlink.sh 'd["input"]["ino"]')" \
	"$(stat -c %i "$D/symlink.sh")"
eq "regular job next to them ran" "$(r regular.sh 'd["status"]')" ok
expect "FIFO was never opened for writing (no writer blocked)" test -p "$D/fifo.py"

# The job layer may refuse such names as workspace file names: a clear
# result either way, in valid JSON that names the input.
eq "newline in the name" "$(r "$nl" 'd["status"] in ("ok", "invalid_job") and d["job"] == "new\nline.sh"')" True
eq "control characters in the name" \
	"$(r "$ctl" 'd["status"] in ("ok", "invalid_job") and d["job"] == "ctl\x01\x1b[31m.sh"')" True
eq "non-UTF-8 name: JSON valid, bytes replaced" "$(r "$bad" 'd["status"], d["job"] == "bad\ufffd\ufffd.sh"')" \
	"('ok', True)"
eq "leading dash" "$(r -rf.sh 'd["status"], d["stdout"]')" "('ok', 'dash\\n')"
eq "leading double dash" "$(r --help.sh 'd["status"]')" ok
eq "name whose result just fits (255 bytes)" "$(r "$fits" 'd["status"]')" ok
expect "name whose result does not fit: not run" test ! -e "$D/$long.result.json"
expect "255-byte name: not run" sh -c "! ls '$D' | grep -q '^m*\.sh\.'"
expect "too long: warned" grep -q "longer than 255 bytes" "$TMPROOT/once.log"
expect "log lines stay one line each (names escaped)" \
	sh -c "! grep -v '^cylo: ' '$TMPROOT/once.log' | grep -q ."
expect "escaped newline in the log" grep -q 'job=new\\x0aline.sh ' "$TMPROOT/once.log"

eq "unknown manifest key" "$(r unknown-key.job 'd["status"], "bogus" in d["error"]')" \
	"('invalid_job', True)"
eq "unclosed quote" "$(r quote.job 'd["status"]')" invalid_job
eq "unknown language" "$(r nolang.job 'd["status"]')" invalid_job
eq "value above the maxima" "$(r over-max.job 'd["status"], "timeout" in d["error"]')" \
	"('invalid_job', True)"
eq "main file missing" "$(r nomain.job 'd["status"]')" invalid_job
eq "binary garbage manifest" "$(r binary.job 'd["status"]')" invalid_job
eq "corrupt archive" "$(r corrupt.tar.gz 'd["status"]')" invalid_job
eq "secret outside untouched" "$(cat "$TMPROOT/secret")" "top secret"
expect "result name taken by a directory: left alone" test -d "$D/dirres.sh.result.json"
expect "... and said why" grep -q 'job=dirres.sh stage=intake a directory has its result name' \
	"$TMPROOT/once.log"

# A second pass: nothing reruns, the long name is not warned about again
# within one run, and nothing is pending.
n1=$(grep -c 'longer than 255' "$TMPROOT/once.log")
once
n2=$(grep -c 'longer than 255' "$TMPROOT/once.log")
eq "too-long names warned once each per run" $((n2 - n1)) 2
eq "nothing reruns" "$(grep -c ' status=' "$TMPROOT/once.log")" \
	"$(python3 -c 'import os,sys; d=sys.argv[1].encode(); print(sum(n.endswith(b".result.json") and not os.path.isdir(os.path.join(d, n)) for n in os.listdir(d)))' "$D")"
expect "no claims or temporaries left" no_leftovers "$D"

# Swapping a planted .cylo symlink in: the folder is refused, not followed;
# a folder that cannot be used is a runtime failure (1), not a bad
# command line.
E=$TMPROOT/evil
mkdir -p "$E" "$TMPROOT/elsewhere"
ln -s "$TMPROOT/elsewhere" "$E/.cylo"
printf 'echo x\n' >"$E/x.sh"
"$CYLO" watch --once "$E" >"$TMPROOT/evil.log" 2>&1
eq "planted .cylo symlink: refused" $? 1
expect "nothing created through it" test -z "$(ls -A "$TMPROOT/elsewhere")"
exit 0
