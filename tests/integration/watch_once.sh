#!/bin/sh
# watch_once.sh - `cylo watch --once` on real folders: each trigger kind,
# re-drops, names that are never jobs, result files that are links to a
# canary, raw output, result mode and owner, metrics and status files,
# max_attempts, a file still being written, and the exit codes.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/watch_lib.sh"

D=$TMPROOT/drop
mkdir -p "$D"
C=$TMPROOT/cylo.conf
conf "$C" <<EOF
metrics_file = "$TMPROOT/metrics.prom"
status_file = "$TMPROOT/status.txt"
$(watch_section "$D" 'raw_output = true' 'result_mode = 0640')
EOF

once() {
	"$CYLO" -c "$C" watch --once >>"$TMPROOT/once.log" 2>&1
}

r() { field "$D/$1.result.json" "$2"; }

# --- triggers ---
printf 'read a; read b; echo "sum $((a + b))"\n' >"$D/add.sh"
printf '2\n40\n' >"$D/add.sh.stdin"
printf 'import sys\nprint("py", sys.version_info[0])\n' >"$D/hello.py"
cat >"$D/inline.job" <<'EOF'
language = "sh"
code = "echo inline; echo to-stderr >&2; exit 3"
EOF
mkdir "$D/withdir"
printf 'cat data.txt\n' >"$D/withdir/run.sh"
printf 'from the directory\n' >"$D/withdir/data.txt"
cat >"$D/withdir.job" <<'EOF'
language = "sh"
main = "run.sh"
EOF
python3 - "$D" <<'EOF'
import io, sys, tarfile, zipfile
d = sys.argv[1]
src = b'echo from-archive\n'
with tarfile.open(d + '/arch.tar.gz', 'w:gz') as t:
    ti = tarfile.TarInfo('main.sh'); ti.size = len(src)
    t.addfile(ti, io.BytesIO(src))
with zipfile.ZipFile(d + '/arch2.zip', 'w') as z:
    z.writestr('main.sh', src)
EOF
# A raw output name taken by a directory: the result still comes, says why.
mkdir "$D/blocked.sh.stderr"
echo 'echo blocked' >"$D/blocked.sh"

once
rc=$?
eq "once exits 0" "$rc" 0
eq "bare source with .stdin" "$(r add.sh 'd["status"], d["stdout"]')" "('ok', 'sum 42\\n')"
eq "bare python source" "$(r hello.py 'd["language"], d["stdout"]')" "('python', 'py 3\\n')"
eq "manifest with inline code" "$(r inline.job 'd["status"], d["exit_code"], d["stdout"]')" \
	"('runtime_error', 3, 'inline\\n')"
eq "manifest with a NAME/ directory" "$(r withdir.job 'd["status"], d["stdout"]')" \
	"('ok', 'from the directory\\n')"
eq "archive tar.gz" "$(r arch.tar.gz 'd["status"], d["stdout"]')" "('ok', 'from-archive\\n')"
eq "archive zip" "$(r arch2.zip 'd["status"], d["stdout"]')" "('ok', 'from-archive\\n')"
eq "result records the input identity" \
	"$(r add.sh 'd["input"]["ino"], d["input"]["size"]')" \
	"($(stat -c %i "$D/add.sh"), $(stat -c %s "$D/add.sh"))"
eq "raw_output files are byte exact" "$(cat "$D/inline.job.stdout")/$(cat "$D/inline.job.stderr")" \
	"inline/to-stderr"
eq "result_mode" "$(stat -c %a "$D/add.sh.result.json")" 640
eq "a raw output name that is a directory: result with the reason" \
	"$(r blocked.sh 'd["status"], d["stdout"], "cannot write blocked.sh.stderr" in d["error"]')" \
	"('ok', 'blocked\\n', True)"
expect "no claims or temporaries left" no_leftovers "$D"
expect "one log line per job, in the documented shape" \
	grep -q '^cylo: job=add.sh lang=bash status=ok exit=0 wall_ms=[0-9]* mem_kb=-\?[0-9]* worker=[01]$' \
	"$TMPROOT/once.log"
expect "metrics file in Prometheus text format" \
	grep -q '^cylo_jobs_total{language="bash",status="ok"} [1-9]' "$TMPROOT/metrics.prom"
expect "metrics times every result write" python3 -c '
import re, sys
t = open(sys.argv[1]).read()
jobs = sum(int(n) for n in re.findall(r"^cylo_jobs_total\{.*\} (\d+)$", t, re.M))
n = int(re.search(r"^cylo_result_write_seconds_count (\d+)$", t, re.M).group(1))
s = float(re.search(r"^cylo_result_write_seconds_sum (\S+)$", t, re.M).group(1))
sys.exit(not (jobs > 0 and n == jobs and s > 0))' "$TMPROOT/metrics.prom"
expect "metrics has queue depth and overflows" \
	grep -q '^cylo_inotify_overflows_total 0' "$TMPROOT/metrics.prom"
# The last write, after the watcher stopped, keeps its counters (they read
# 0 there, a counter going back).
expect "... and the scans the run made" \
	grep -q '^cylo_scans_total [1-9]' "$TMPROOT/metrics.prom"
expect "status file says stopped" grep -q '^state stopped$' "$TMPROOT/status.txt"

# --- a second run finds nothing pending ---
before=$(stat -c %Y.%i "$D/add.sh.result.json")
once
eq "nothing pending runs again" "$(stat -c %Y.%i "$D/add.sh.result.json")" "$before"

# --- re-drop: same name, new content ---
printf 'echo second version\n' >"$D/.add.sh.tmp"
mv "$D/.add.sh.tmp" "$D/add.sh"
once
eq "re-drop gives a new result" "$(r add.sh 'd["stdout"], d["input"]["ino"]')" \
	"('second version\\n', $(stat -c %i "$D/add.sh"))"

# --- names that are never jobs ---
for n in .hidden.sh 'tilde.sh~' x.tmp x.part x.swp lone.sh.stdin out.stdout \
	.nfs000123 notes.txt; do
	printf 'echo no\n' >"$D/$n"
done
mkdir "$D/dir.sh"
once
for n in .hidden.sh 'tilde.sh~' x.tmp x.part x.swp lone.sh.stdin out.stdout \
	.nfs000123 notes.txt dir.sh; do
	expect "never a job: $n" test ! -e "$D/$n.result.json"
done

# --- result name already a link to a canary ---
echo canary >"$TMPROOT/canary"
printf 'echo linked\n' >"$D/sym.sh"
ln -s "$TMPROOT/canary" "$D/sym.sh.result.json"
printf 'echo linked\n' >"$D/hard.sh"
ln "$TMPROOT/canary" "$D/hard.sh.result.json"
ln -s "$TMPROOT/canary" "$D/sym.sh.stdout"
once
eq "canary unchanged through symlinked/hardlinked results" "$(cat "$TMPROOT/canary")" canary
expect "symlinked result replaced by a file" test -f "$D/sym.sh.result.json" -a ! -L "$D/sym.sh.result.json"
eq "hardlinked result replaced" "$(r hard.sh 'd["stdout"]')" linked
eq "canary has one link again" "$(stat -c %h "$TMPROOT/canary")" 1

# --- results owned by the input's owner (root only) ---
if [ "$(id -u)" = 0 ]; then
	printf 'echo owned\n' >"$D/owned.sh"
	chown 65534:65534 "$D/owned.sh"
	once
	eq "result owned by the input's owner" "$(stat -c %u:%g "$D/owned.sh.result.json")" 65534:65534
	eq "raw files owned by the input's owner" "$(stat -c %u "$D/owned.sh.stdout")" 65534
else
	echo "skip - result owner: needs root"
fi

# --- a folder where root may not give results away ---
# cylo as root of a user namespace that maps only root and the boxes' ids:
# no chown can give a result to the input's owner (EINVAL), as on a
# root-squashed NFS export, but here the file stays cylo's.  The results
# are written all the same, cylo's, without the group bits (the group is
# not the owner's), with one line saying why, not retried until
# max_attempts.  (Squashed to nobody, the README's other case, a private
# result_mode writes none: that needs an NFS server to test.)
squashed() {	# squashed NAME RESULT_MODE
	S=$TMPROOT/$1
	mkdir -p "$S"
	printf 'echo squashed\n' >"$S/sq1.sh"
	printf 'echo squashed\n' >"$S/sq2.sh"
	chown 4242:4242 "$S/sq1.sh" "$S/sq2.sh"
	touch -d '-2 seconds' "$S/sq1.sh" "$S/sq2.sh"
	printf 'workers = 1\n%s\n' "$(watch_section "$S" "result_mode = $2")" >"$TMPROOT/$1.conf"
	python3 "$(dirname "$0")/userns.py" 0:0:1,60000:60000:1024 0:0:1,60000:60000:1024 \
		"$CYLO" -c "$TMPROOT/$1.conf" watch --once >"$TMPROOT/$1.log" 2>&1
}
if [ "$(id -u)" = 0 ]; then
	squashed public 0644
	eq "root that cannot chown: exit 0" $? 0
	for n in sq1 sq2; do
		eq "... $n.sh has its result" "$(field "$S/$n.sh.result.json" 'd["stdout"]')" squashed
		eq "... cylo's, no group bits" "$(stat -c %u:%a "$S/$n.sh.result.json")" 0:604
	done
	eq "... and the log says why, once" \
		"$(grep -c 'cannot be given to their inputs' "$TMPROOT/public.log")" 1
	squashed private 0640
	eq "a private result_mode: the result stays private to cylo" \
		"$(stat -c %u:%a "$S/sq1.sh.result.json")" 0:600
else
	echo "skip - results where chown is refused: needs root"
fi

# --- a job that crashed its owner max_attempts times ---
printf 'echo poison\n' >"$D/poison.sh"
sleep 0.01 & dead=$!; wait $dead
boot=$(cat /proc/sys/kernel/random/boot_id)
ino=$(stat -c %i "$D/poison.sh"); dev=$(stat -c %d "$D/poison.sh")
mt=$(python3 -c 'import os,sys; print(os.stat(sys.argv[1]).st_mtime_ns)' "$D/poison.sh")
printf 'cylo-claim 1\nhost %s\nboot %s\npid %s\npid_start 1\nstarted 1\nattempts 3\ninput %s %s 12 %s\n' \
	"$(hostname | tr -c 'A-Za-z0-9._\n-' _)" "$boot" "$dead" "$dev" "$ino" "$mt" >"$D/.cylo/claims/poison.sh"
once
eq "max_attempts reached gives internal_error" "$(r poison.sh 'd["status"]')" internal_error
expect "its claim is gone" test ! -e "$D/.cylo/claims/poison.sh"

# --- two watched folders in one config ---
D2=$TMPROOT/drop2
mkdir "$D2"
C2=$TMPROOT/two.conf
conf "$C2" <<EOF
$(watch_section "$D")
$(watch_section "$D2")
EOF
printf 'echo one\n' >"$D/in-one.sh"
printf 'echo two\n' >"$D2/in-two.sh"
"$CYLO" -c "$C2" watch --once >>"$TMPROOT/once.log" 2>&1
expect "several watch sections" test -f "$D/in-one.sh.result.json" -a -f "$D2/in-two.sh.result.json"

# --- DIR on the command line, built-in defaults ---
D3=$TMPROOT/cli
mkdir "$D3"
printf 'echo cli\n' >"$D3/c.sh"
"$CYLO" watch --once "$D3" >>"$TMPROOT/once.log" 2>&1
eq "DIR given on the command line" "$(field "$D3/c.sh.result.json" 'd["stdout"]')" cli

# A result written by another host over NFS records that client's device
# number for the same file: it still counts, the job does not run again.
python3 - "$D3/c.sh.result.json" <<'EOF'
import json, os, sys
d = json.load(open(sys.argv[1]))
d["input"]["dev"] += 12345
d["stdout"] = "from another host\n"
with open(sys.argv[1] + ".tmp", "w") as f:
    json.dump(d, f)
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
EOF
"$CYLO" watch --once "$D3" >>"$TMPROOT/once.log" 2>&1
eq "another host's device number: not run again" \
	"$(field "$D3/c.sh.result.json" 'd["stdout"]')" "from another host"

# A job starts as from a clean shell, not with the daemon's signal mask
# nor what cylo's own parent ignored (here SIGUSR1 and a real-time signal):
# nothing blocked or ignored, so a pipe's writer dies quietly of SIGPIPE.
printf 'grep -E "^Sig(Blk|Ign)" /proc/self/status\nyes | head -n 1\n' >"$D3/sig.sh"
python3 -c 'import os, signal, sys
for s in (signal.SIGUSR1, signal.SIGRTMIN + 2):
    signal.signal(s, signal.SIG_IGN)
os.execv(sys.argv[1], sys.argv[1:])' "$CYLO" watch --once "$D3" >>"$TMPROOT/once.log" 2>&1
eq "a daemon's job runs with no signal blocked or ignored" \
	"$(field "$D3/sig.sh.result.json" 'd["stdout"] + "|" + d["stderr"]')" \
	"SigBlk:	0000000000000000
SigIgn:	0000000000000000
y
|"

# --debug: every step of a job, each once, in order; none without it.
printf 'echo debug\n' >"$D3/dbg.sh"
"$CYLO" -d watch --once "$D3" >"$TMPROOT/debug.log" 2>&1
steps=$(grep -oE 'job=dbg\.sh stage=(claim|start|steps|publish)' "$TMPROOT/debug.log" |
	sed 's/.*stage=//' | tr '\n' ' ')
eq "--debug logs the claim, start, steps and write of a job" "$steps" "claim start steps publish "
expect "--debug times each step of the box" grep -qE \
	'job=dbg\.sh stage=steps .*clone=[0-9.]+ ids=[0-9.]+ mounts=[0-9.]+ .*seccomp=[0-9.]+ run=[0-9.]+ .*status=ok' \
	"$TMPROOT/debug.log"
printf 'echo quiet\n' >"$D3/quiet.sh"
"$CYLO" watch --once "$D3" >"$TMPROOT/quiet.log" 2>&1
expect "without --debug no step is logged" sh -c "! grep -q 'stage=steps' '$TMPROOT/quiet.log'"

# --- completion without events: a file being written is not run ---
# settle = 1: a writer appending every 0.1 s, until told to stop after
# the run, keeps its file young past the three settles --once waits, so
# it is left for the next run; a file closed just before the run is waited
# for and runs whole; one whose time is a day ahead (copied with its
# times from a clock ahead) is not being written and runs at once.
W=$TMPROOT/writing
mkdir -p "$W"
printf 'workers = 1\n%s\n' "$(watch_section "$W" 'settle = 1')" >"$TMPROOT/w.conf"
python3 - "$W/grow.sh" "$TMPROOT/grow.stop" <<'EOF' &
import os, sys, time
with open(sys.argv[1], "w") as f:
    n = 0
    while not os.path.exists(sys.argv[2]):
        f.write("echo line%d\n" % n)
        f.flush()
        n += 1
        time.sleep(0.1)
EOF
writer=$!
i=0
until [ -s "$W/grow.sh" ] || [ $i -ge 100 ]; do sleep 0.05; i=$((i + 1)); done
printf 'echo fresh\n' >"$W/fresh.sh"
printf 'echo ahead\n' >"$W/ahead.sh"
touch -d 'tomorrow' "$W/ahead.sh"
"$CYLO" -c "$TMPROOT/w.conf" watch --once >"$TMPROOT/w.log" 2>&1
eq "a folder with a file still being written: exit 0" $? 0
touch "$TMPROOT/grow.stop"
expect "... that file has no result" test ! -e "$W/grow.sh.result.json"
expect "... and is said to be left for the next run" \
	grep -q "left for the next run" "$TMPROOT/w.log"
eq "a file closed just before --once runs, whole" \
	"$(field "$W/fresh.sh.result.json" 'd["stdout"]')" fresh
eq "a file dated tomorrow runs" "$(field "$W/ahead.sh.result.json" 'd["stdout"]')" ahead
wait "$writer"
"$CYLO" -c "$TMPROOT/w.conf" watch --once >>"$TMPROOT/w.log" 2>&1
eq "the next run takes the finished file, every line of it" \
	"$(field "$W/grow.sh.result.json" 'd["stdout"].count("line")')" \
	"$(grep -c line "$W/grow.sh")"

# A DIR on the command line that is a configured watch by another
# spelling keeps its section's settings (its languages): ./d, d/. and a
# path with // ran the folder with the defaults.
L=$TMPROOT/langs
mkdir -p "$L"
conf "$TMPROOT/langs.conf" <<EOF
$(watch_section "$L" 'languages = { "python" }')
EOF
printf 'echo refused\n' >"$L/x.sh"
(cd "$TMPROOT" && "$CYLO" -c "$TMPROOT/langs.conf" watch --once ./langs/. \
	>"$TMPROOT/langs.log" 2>&1)
eq "a configured folder named another way keeps its own settings" \
	"$(field "$L/x.sh.result.json" 'd["status"] + " " + d["error"]')" \
	"invalid_job language: bash is not allowed in this folder"

# --- exit codes ---
"$CYLO" -c "$C" watch --bogus >/dev/null 2>&1
eq "unknown option exits 64" $? 64
"$CYLO" watch --once "$TMPROOT/missing" >/dev/null 2>&1
eq "missing DIR exits 64" $? 64
ln -s "$D3" "$TMPROOT/link"
"$CYLO" watch --once "$TMPROOT/link" >"$TMPROOT/link.log" 2>&1
eq "a symlinked DIR is refused (64)" $? 64
printf 'workers = 2\nbogus_key = 1\n' >"$TMPROOT/bad.conf"
"$CYLO" -c "$TMPROOT/bad.conf" watch --once "$D3" >"$TMPROOT/bad.log" 2>&1
eq "broken config exits 78" $? 78
expect "broken config names file and line" grep -q "bad.conf:2" "$TMPROOT/bad.log"
printf 'workers = 1\n' >"$TMPROOT/empty.conf"
"$CYLO" -c "$TMPROOT/empty.conf" watch --once >/dev/null 2>&1
eq "nothing to watch exits 64" $? 64
printf 'workers = 1\n%s\n' "$(watch_section "$TMPROOT/nowhere")" >"$TMPROOT/nowhere.conf"
"$CYLO" -c "$TMPROOT/nowhere.conf" watch --once >/dev/null 2>&1
eq "a watch section on a missing directory exits 78" $? 78
# A read-only folder is no configuration error (it exited 78, and 64 when
# named on the command line): a runtime failure, 1.
if [ "$(id -u)" = 0 ]; then
	RO=$TMPROOT/ro
	mkdir -p "$RO"
	printf 'echo x\n' >"$RO/x.sh"
	printf 'workers = 1\n%s\n' "$(watch_section "$RO")" >"$TMPROOT/ro.conf"
	unshare -m sh -c 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" &&
		exec "$2" -c "$3" watch --once' sh "$RO" "$CYLO" "$TMPROOT/ro.conf" \
		>"$TMPROOT/ro.log" 2>&1
	eq "a read-only folder: exit 1, a runtime failure" $? 1
	expect "... saying why" grep -q "cannot use $RO/.cylo/claims: Read-only file system" \
		"$TMPROOT/ro.log"
	# A job that cannot be claimed is left unrun: exit 1 as well (it was
	# 0, so cron saw a clean run), and the input stays for the next run.
	RC=$TMPROOT/roclaims
	mkdir -p "$RC"
	printf 'workers = 1\n%s\n' "$(watch_section "$RC")" >"$TMPROOT/rc.conf"
	"$CYLO" -c "$TMPROOT/rc.conf" watch --once >/dev/null 2>&1
	printf 'echo x\n' >"$RC/x.sh"
	unshare -m sh -c 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" &&
		exec "$2" -c "$3" watch --once' sh "$RC/.cylo/claims" "$CYLO" "$TMPROOT/rc.conf" \
		>"$TMPROOT/rc.log" 2>&1
	eq "a job that cannot be claimed: exit 1" $? 1
	expect "... saying why" grep -q "job=x.sh stage=claim cannot claim it" "$TMPROOT/rc.log"
	expect "... and it is left for the next run" test ! -e "$RC/x.sh.result.json"
fi
exit 0
