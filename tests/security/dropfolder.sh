#!/bin/sh
# tests/security/dropfolder.sh - SECURITY.md rows X02-X09: attacks on the
# shared drop folder itself (planted links, FIFOs, races, slow and partial
# writers, floods, a swapped folder, huge inputs), against the real daemon
# (`cylo watch`, with --once where the attack is in place before it
# starts).  The catalogue has no X01 or X07.  The attacker is another user
# of the folder (uid ALICE_UID) where that matters.
. "$(dirname "$0")/lib.sh"

mkdir -p "$TMPROOT/sh"
SHADOW=$TMPROOT/sh/shadow	# a root-only stand-in for /etc/shadow on the
printf 'print("CANARY-RAN")\n' >"$SHADOW"	# folder's file system: the
chmod 600 "$SHADOW"		# real one is never put at risk

# ---- X02: result names planted as hard links and symlinks ------------------
# Root may hard-link anything whatever fs.protected_hardlinks says, so the
# links are planted here as root; the daemon must replace the names
# (temporary file + rename) and never write through them.  Planting and
# replacing a link leaves the target's link count as it was before the
# planting and changes only its ctime.
D=$(drop_dir X02)
sec snap "$TMPROOT/dsnap.X02" "$SHADOW" "$D/prev.py" "$D/prev.py.result.json" \
	"$D/alice-notes.txt"
ln "$SHADOW" "$D/job1.py.result.json"
ln "$D/prev.py.result.json" "$D/job2.py.result.json"	# another user's result
ln -s "$SHADOW" "$D/job3.py.result.json"
for n in 1 2 3; do printf 'print("job%s ok")\n' "$n" >"$D/job$n.py"; done
watch_once X02 "$D" 60
for n in 1 2 3; do
	drop_expect X02 "planted job$n.py.result.json replaced, not written through" "$D" "job$n.py" \
		"d['status'] == 'ok'" "out == 'job$n ok\n'"
done
SEC_IGNORE=ctime_ns drop_host X02 "$D"
v=$("$CYLO" -c "$CONF" doctor 2>&1 | grep 'protected hardlinks')
case $v in *ok*"fs.protected_hardlinks = 1"*) ;; *) bad "doctor: $v" ;; esac
verdict X02 "doctor checks fs.protected_hardlinks (the host has it on)"

# ---- X02r: the raw output names planted too (raw_output = true) ----------
# With raw_output the daemon also writes NAME.stdout and NAME.stderr; links
# and a FIFO planted there by another user are replaced, never written
# through, read or waited on.
D=$(drop_dir X02r)
sec snap "$TMPROOT/dsnap.X02r" "$SHADOW" "$D/prev.py" "$D/prev.py.result.json" \
	"$D/alice-notes.txt" "$CANARY_DROP"
ln -s "$SHADOW" "$D/job1.py.stdout"
ln "$SHADOW" "$D/job1.py.stderr"
mkfifo "$D/job2.py.stdout"
ln -s "$CANARY_DROP" "$D/job2.py.stderr"
ln "$D/alice-notes.txt" "$D/job3.py.stdout"
for n in 1 2 3; do
	printf 'import sys\nprint("job%s out")\nprint("job%s err", file=sys.stderr)\n' \
		"$n" "$n" >"$D/job$n.py"
done
WCONF=$(watch_conf X02r "$D" "raw_output = true")
watch_once X02r "$D" 60
WCONF=
for n in 1 2 3; do
	drop_expect X02r "planted job$n.py.stdout/.stderr replaced by the output" "$D" \
		"job$n.py" "d['status'] == 'ok'" \
		"open('$D/job$n.py.stdout').read() == 'job$n out\n'" \
		"open('$D/job$n.py.stderr').read() == 'job$n err\n'" \
		"all(stat.S_ISREG(os.lstat('$D/job$n.py.' + s).st_mode) and
		     os.lstat('$D/job$n.py.' + s).st_nlink == 1 for s in ('stdout', 'stderr'))"
done
only_files "$D" prev.py prev.py.result.json alice-notes.txt \
	job1.py job1.py.result.json job1.py.stdout job1.py.stderr \
	job2.py job2.py.result.json job2.py.stdout job2.py.stderr \
	job3.py job3.py.result.json job3.py.stdout job3.py.stderr
verdict X02r "nothing but the outputs took the planted names"
SEC_IGNORE=ctime_ns drop_host X02r "$D"

# ---- X02f: a result forged by another user -----------------------------------
# forge_victim_result: as alice, D/victim.py.result.json recording
# D/victim.py's identity, with a status and error of her choosing.
forge_victim_result() {
	setpriv --reuid "$ALICE_UID" --regid "$ALICE_UID" --clear-groups /usr/bin/python3 - "$D" <<'PY'
import json, os, sys
d = sys.argv[1]
st = os.stat(d + "/victim.py")
with open(d + "/victim.py.result.json", "w") as f:
    json.dump({"schema": 1, "job": "victim.py", "input": {"dev": st.st_dev,
               "ino": st.st_ino, "size": st.st_size, "mtime_ns": st.st_mtime_ns},
               "status": "compile_error", "error": "FORGED"}, f)
PY
}
# Anyone who can stat an input can write a result with its identity: the
# input counted as done and never ran (in a sticky folder its owner cannot
# even remove the forgery).  Only a result of cylo's or of the input's
# owner counts; the forgery is replaced by the real result.
D=$(drop_dir X02f)
chmod 1777 "$D"
printf 'print("really ran")\n' >"$D/.v.tmp"
mv "$D/.v.tmp" "$D/victim.py"
forge_victim_result
watch_once X02f "$D" 60
drop_expect X02f "a result another user forged does not stand for the run" "$D" victim.py \
	"d['status'] == 'ok'" "out == 'really ran\n'" "'FORGED' not in json.dumps(d)" \
	"os.lstat('$D/victim.py.result.json').st_uid == os.getuid()"
[ "$RC" = 0 ] || bad "cylo watch exited $RC: $(tail -c 300 "$WLOG")"
verdict X02f "the daemon ran the input and exited 0"
# The one who made .cylo is no trusted writer either: in a sticky folder
# anyone can make it before the daemon first starts (a version of the
# check trusted .cylo's owner, to cover root-squashed exports; it now
# trusts the owner its own files get, found with a probe).
D=$TMPROOT/drop-X02g
mkdir -p "$D"
chmod 1777 "$D"
setpriv --reuid "$ALICE_UID" --regid "$ALICE_UID" --clear-groups mkdir -m 0777 "$D/.cylo"
printf 'print("really ran")\n' >"$D/.v.tmp"
mv "$D/.v.tmp" "$D/victim.py"
forge_victim_result
watch_once X02f "$D" 60
drop_expect X02f "the maker of .cylo cannot forge a result either" "$D" victim.py \
	"d['status'] == 'ok'" "out == 'really ran\n'" "'FORGED' not in json.dumps(d)"

# ---- X03: symlinked and hard-linked inputs --------------------------------
# The folder is snapshotted with the links in place: the daemon must not
# change them, nor add a link to any target.
D=$(drop_dir X03)
ln -s "$SHADOW" "$D/job1.py"
ln -s "../../canary/drop/other.py" "$D/job2.py"
ln "$SHADOW" "$D/job3.py"
ln "$D/prev.py" "$D/job4.py"
ln -s "$CANARY_DROP" "$D/job5.py"
sec snap "$TMPROOT/dsnap.X03" "$SHADOW" "$D/prev.py" "$D/prev.py.result.json" \
	"$D/alice-notes.txt"
watch_once X03 "$D" 60
for n in 1 2 3 4 5; do
	drop_expect X03 "job$n.py (link) is invalid_job, never read" "$D" "job$n.py" \
		"d['status'] == 'invalid_job'" "d['stdout'] == ''" "'CANARY' not in json.dumps(d)" \
		"'previous job' not in json.dumps(d) and 'other job' not in json.dumps(d)"
done
drop_host X03 "$D"

# ---- X03b: another user's files taken beside one's own input ------------
# The attacker (uid ALICE_UID + 1) drops a manifest whose NAME/ directory,
# and a bare source whose NAME.EXT.stdin, are alice's private files (she
# made them first, meaning to drop her own input last).  The daemon runs as
# root and could read them: it must take files beside an input only from
# the input's owner.  The attacker's own job directory still works.
MAL=$((ALICE_UID + 1))
D=$(drop_dir X03b)
mkdir -m 700 "$D/hw" "$D/own"
printf 'secret of alice in hw\n' >"$D/hw/data.txt"
printf 'secret of alice on stdin\n' >"$D/q.sh.stdin"
chmod 600 "$D/hw/data.txt" "$D/q.sh.stdin"
chown -R "$ALICE_UID:$ALICE_UID" "$D/hw" "$D/q.sh.stdin"
printf 'language = "sh"\ncode = "cat data.txt"\n' >"$D/hw.job"
printf 'cat\n' >"$D/q.sh"
printf 'mallory own data\n' >"$D/own/data.txt"
printf 'language = "sh"\ncode = "cat data.txt"\n' >"$D/own.job"
chown -R "$MAL:$MAL" "$D/hw.job" "$D/q.sh" "$D/own" "$D/own.job"
touch -d '-10 seconds' "$D/hw.job" "$D/q.sh" "$D/own.job"
sec snap "$TMPROOT/dsnap.X03b" "$D/prev.py" "$D/prev.py.result.json" \
	"$D/alice-notes.txt" "$D/hw/data.txt" "$D/q.sh.stdin"
watch_once X03b "$D" 60
drop_expect X03b "a manifest with alice's NAME/ is invalid_job, naming why" "$D" hw.job \
	"d['status'] == 'invalid_job'" "'belongs to another user' in d['error']" \
	"'secret of alice' not in json.dumps(d)"
drop_expect X03b "a source with alice's .stdin is invalid_job, naming why" "$D" q.sh \
	"d['status'] == 'invalid_job'" "'belongs to another user' in d['error']" \
	"'secret of alice' not in json.dumps(d)"
drop_expect X03b "the attacker's own job directory is used" "$D" own.job \
	"d['status'] == 'ok'" "d['stdout'] == 'mallory own data\\n'"
drop_host X03b "$D"

# ---- X04: a FIFO, a socket and a device named like jobs -------------------
D=$(drop_dir X04)
drop_snap X04 "$D"
mkfifo "$D/job.py"
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$D/job.sh"
mknod "$D/job.rb" c 1 3
printf 'echo next-ok\n' >"$D/zz-control.sh"
watch_once X04 "$D" 60
for n in job.py job.sh job.rb; do
	drop_expect X04 "$n (not a regular file) is invalid_job at once" "$D" "$n" \
		"d['status'] == 'invalid_job'" "'regular' in d['error']"
done
drop_expect X04 "the other jobs keep flowing" "$D" zz-control.sh \
	"d['status'] == 'ok'" "out == 'next-ok\n'"
[ "$MS" -lt 15000 ] || bad "the daemon took $MS ms"
verdict X04 "nothing blocked the daemon"
drop_host X04 "$D"

# ---- X05: rename race between a regular file and a symlink ---------------
# rescan_interval = 2 here and in X06: a version of an input renamed in
# while the daemon runs the previous one is queued again when that run
# ends, but one whose event was lost (a full queue) waits for a rescan,
# and the suite must not wait 30 s for it.
D=$(drop_dir X05)
drop_snap X05 "$D"
chmod 1777 "$D"
daemon_start X05 -c "$(watch_conf X05 "$D" "rescan_interval = 2")" watch
race=$(setpriv --reuid "$ALICE_UID" --regid "$ALICE_UID" --clear-groups \
	/usr/bin/python3 "$HOSTILE/x05_racer.py" "$D" job.py "$SHADOW" 3 2>&1)
case $race in *"leaks: 0"*) ;; *) bad "the racer saw: $race" ;; esac
case $race in *"renames: "[0-9][0-9][0-9]*) ;; *) bad "the racer did not race: $race" ;; esac
case $race in *"results: 0"*) bad "the racer read no result: $race" ;; esac
verdict X05 "no result ever held the symlink target's content during the race"
wait_result X05 "the last version of job.py gets one well-formed result" "$D" job.py 30 \
	"d['input']['ino'] == os.lstat('$D/job.py').st_ino" \
	"d['status'] in ('ok', 'invalid_job')" "'CANARY' not in json.dumps(d)"
daemon_stop
drop_expect X05 "the result is well formed" "$D" job.py "'CANARY' not in json.dumps(d)"
[ "$RC" = 0 ] || bad "the daemon exited $RC: $(tail -c 300 "$WLOG")"
grep -q 'CANARY' "$WLOG" && bad "the log mentions the canary"
verdict X05 "the daemon survived the race and stopped cleanly"
drop_host X05 "$D"

# The same race between two users' files in a folder without the sticky
# bit: the daemon scanned one and opened the other, and gave the result,
# with the victim's output, to the other file's owner (result_mode 0600).
# A result belongs to the owner of the input that ran.
D=$(drop_dir X05b)
drop_snap X05b "$D"
chmod 0777 "$D"
printf 'print("VICTIM-SECRET")\n' >"$D/.v.tmp"
chmod 600 "$D/.v.tmp"
mv "$D/.v.tmp" "$D/victim.py"
daemon_start X05b -c "$(watch_conf X05b "$D" "result_mode = 0600" "settle = 0.1")" watch
race=$(setpriv --reuid "$ALICE_UID" --regid "$ALICE_UID" --clear-groups \
	/usr/bin/python3 "$HOSTILE/x05_swap.py" "$D" victim.py VICTIM-SECRET 4 2>&1)
case $race in *"leaks: 0"*) ;; *) bad "the other user read the victim's output: $race" ;; esac
case $race in *"swaps: "[0-9][0-9][0-9]*) ;; *) bad "the racer did not race: $race" ;; esac
case $race in *"results: 0"*) bad "the racer read no result: $race" ;; esac
verdict X05 "a result never went to the owner of a file that did not run"
daemon_stop
[ "$RC" = 0 ] || bad "the daemon exited $RC: $(tail -c 300 "$WLOG")"
verdict X05 "the daemon survived the owners' race"
# The other's file a symlink, refused: its refusal recorded the victim's
# identity, so the victim's input counted as done and never ran.
D=$(drop_dir X05c)
chmod 0777 "$D"
printf 'print("VICTIM-RAN")\n' >"$D/.v.tmp"
mv "$D/.v.tmp" "$D/victim.py"
daemon_start X05c -c "$(watch_conf X05c "$D" "settle = 0.1" "rescan_interval = 1")" watch
race=$(setpriv --reuid "$ALICE_UID" --regid "$ALICE_UID" --clear-groups \
	/usr/bin/python3 "$HOSTILE/x05_swap.py" "$D" victim.py VICTIM-RAN 3 link 2>&1)
case $race in *"swaps: "[0-9][0-9][0-9]*) ;; *) bad "the racer did not race: $race" ;; esac
case $race in *"mislabeled: 0"*) ;; *) bad "a refusal of the link named the victim's file: $race" ;; esac
# The victim's file back at its name if the race ended with the link there.
if [ -L "$D/victim.py" ]; then mv -T "$D/.x05.mine.tmp" "$D/victim.py"; fi
wait_result X05 "after the race the victim's input runs" "$D" victim.py 30 \
	"d['status'] == 'ok'" "out == 'VICTIM-RAN\n'"
daemon_stop

# ---- X06: slow writers, rewrites during a run, a partial archive ----------
D=$(drop_dir X06)
drop_snap X06 "$D"
daemon_start X06 -c "$(watch_conf X06 "$D" "rescan_interval = 2")" watch
# A writer that keeps the file open: nothing runs before it closes.
python3 - "$D/slow.py" <<'PY' &
import sys, time
with open(sys.argv[1], "w") as f:
    for ch in 'print("slow writer done")\n':
        f.write(ch)
        f.flush()
        time.sleep(0.06)
PY
wpid=$!
sleep 0.5
[ -e "$D/slow.py.result.json" ] && bad "slow.py ran while its writer still had it open"
wait "$wpid"
verdict X06 "no run before the writer closed the file"
wait_result X06 "the completed file runs whole" "$D" slow.py 30 \
	"d['status'] == 'ok'" "out == 'slow writer done\n'" \
	"d['input']['size'] == os.lstat('$D/slow.py').st_size"
# Close, reopen, append: every close makes a version; the last one wins.
for part in 'print("part 1")' 'print("part 2")' 'print("part 3")'; do
	echo "$part" >>"$D/append.py"
	sleep 0.3
done
wait_result X06 "close/reopen/append: the final version's result" "$D" append.py 30 \
	"d['input']['size'] == os.lstat('$D/append.py').st_size" \
	"out == 'part 1\npart 2\npart 3\n'"
# Truncated and rewritten while it runs: the run uses the accepted copy.
printf 'import time\ntime.sleep(1.5)\nprint("ORIGINAL")\n' >"$D/rewrite.py"
i=0
while [ -z "$(ls -A "$D/.cylo/claims" 2>/dev/null)" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
sleep 0.3
: >"$D/rewrite.py"
printf 'import time\ntime.sleep(2)\nprint("REWRITTEN")\n' >"$D/rewrite.py"
wait_result X06 "the run in progress used its private copy" "$D" rewrite.py 30 \
	"d['status'] == 'ok' and out == 'ORIGINAL\n'"
wait_result X06 "the rewritten version runs again, with its own identity" "$D" rewrite.py 30 \
	"d['status'] == 'ok' and out == 'REWRITTEN\n'" \
	"d['input']['size'] == os.lstat('$D/rewrite.py').st_size"
# A partial archive is invalid_job; completed, it runs.
mkdir -p "$TMPROOT/x06arc"
printf 'print("archive complete")\n' >"$TMPROOT/x06arc/main.py"
head -c 100000 /dev/urandom >"$TMPROOT/x06arc/pad.bin"
tar -C "$TMPROOT/x06arc" -czf "$TMPROOT/x06.tar.gz" main.py pad.bin
head -c 20000 "$TMPROOT/x06.tar.gz" >"$D/part.tar.gz"
wait_result X06 "a partial archive is invalid_job" "$D" part.tar.gz 30 \
	"d['status'] == 'invalid_job'"
tail -c +20001 "$TMPROOT/x06.tar.gz" >>"$D/part.tar.gz"
wait_result X06 "the completed archive runs" "$D" part.tar.gz 30 \
	"d['status'] == 'ok' and out == 'archive complete\n'"
daemon_stop
[ "$RC" = 0 ] || bad "the daemon exited $RC: $(tail -c 300 "$WLOG")"
verdict X06 "the daemon stopped cleanly (no SIGBUS, no crash)"
drop_host X06 "$D"

# ---- X08: a flood of files, inotify overflow; a folder without events ------
# The attacker out-writes the daemon: to make that certain on any machine,
# the daemon is stopped (SIGSTOP) while 7000 files churn (>= 3 events
# each, the queue holds 16384), then continued: it must see the overflow,
# rescan, and run each of the 10 jobs among the noise exactly once.
D=$(drop_dir X08)
drop_snap X08 "$D"
daemon_start X08 -c "$CONF" watch "$D"
kill -STOP "$DPID"
python3 - "$D" <<'PY'
import os, sys
d = sys.argv[1]
for i in range(7000):
    p = os.path.join(d, f"noise-{i}.dat")
    with open(p, "w") as f:
        f.write("x")
    if i % 3 == 0:
        os.unlink(p)		# churn
    if i % 700 == 0:
        with open(os.path.join(d, f".job{i}.tmp"), "w") as f:
            f.write(f'print("job {i}")\n')
        os.rename(os.path.join(d, f".job{i}.tmp"), os.path.join(d, f"job{i}.py"))
PY
kill -CONT "$DPID"
printf 'echo next-ok\n' >"$D/zz-control.sh"
wait_result X08 "the daemon answers a job after the flood" "$D" zz-control.sh 60 \
	"d['status'] == 'ok'"
jobs_x08="0 700 1400 2100 2800 3500 4200 4900 5600 6300"
for i in $jobs_x08; do
	sec waitres "$D" "job$i.py" 60 "d['status'] == 'ok'" "out == 'job $i\n'" >/dev/null ||
		bad "job$i.py: no ok result"
done
daemon_stop
[ "$RC" = 0 ] || bad "the daemon exited $RC: $(tail -c 300 "$WLOG")"
for i in $jobs_x08; do
	n=$(grep -c "job=job$i.py .*status=" "$WLOG")
	[ "$n" = 1 ] || bad "job$i.py ran $n times"
done
[ -z "$(ls "$D" | grep '^noise-.*result')" ] || bad "noise files got results"
verdict X08 "10 jobs among 7000 churning files: each ran exactly once"
grep -q 'inotify queue overflowed' "$WLOG" || bad "no inotify overflow was logged"
verdict X08 "the inotify queue overflowed and a rescan recovered"
drop_host X08 "$D"
# No inotify event at all (a file written by another NFS client): a
# polling watch finds it by its rescans.
D=$(drop_dir X08b)
WCONF=$(watch_conf X08b "$D" "poll = true" "settle = 0.2" "rescan_interval = 1")
daemon_start X08b -c "$WCONF" watch
printf 'print("found by polling")\n' >"$D/nfs.py"
wait_result X08 "a polled folder's new file is found by the rescan" "$D" nfs.py 20 \
	"d['status'] == 'ok' and out == 'found by polling\n'"
daemon_stop

# Per-owner limits: one user floods the folder with 120 jobs; another
# user's one job, dropped once the flood runs, must not wait for it all.
# Owners take turns, so it waits at most for what the queue held.
D=$(drop_dir X08c)
drop_snap X08c "$D"
python3 - "$D" <<'PY'
import os, sys, time
d = sys.argv[1]
for i in range(120):
    tmp = os.path.join(d, f".flood{i}.tmp")
    with open(tmp, "w") as f:
        f.write("sleep 0.15\n")
    os.chown(tmp, 50011, 50011)
    os.utime(tmp, (time.time() - 3600 + i, time.time() - 3600 + i))
    os.rename(tmp, os.path.join(d, f"flood{i:03d}.sh"))
PY
daemon_start X08c -c "$CONF" watch "$D"
sec waitres "$D" flood000.sh 60 "d['status'] == 'ok'" >/dev/null || bad "the flood did not start"
printf 'echo victim-ran\n' >"$TMPROOT/victim.sh"
chown 50012:50012 "$TMPROOT/victim.sh"
mv "$TMPROOT/victim.sh" "$D/victim.sh"
# The flood jobs not finished once the victim's file was in the folder.
(cd "$D" && for f in flood*.sh; do [ -e "$f.result.json" ] || echo "$f"; done) \
	>"$TMPROOT/x08c.waiting"
wait_result X08 "another owner's job dropped during a 120-job flood runs" "$D" victim.sh 60 \
	"d['status'] == 'ok' and out == 'victim-ran\n'"
i=0
while [ "$(ls "$D" | grep -c '^flood.*result')" -lt 120 ] && [ $i -lt 600 ]; do
	sleep 0.2
	i=$((i + 1))
done
daemon_stop
# How many of the waiting flood jobs started before the victim's.
set -- $(python3 - "$D" "$TMPROOT/x08c.waiting" <<'PY'
import json, os, sys
d = sys.argv[1]
def start(n):		# RFC 3339 in UTC, ms: they sort as strings
    try:
        with open(os.path.join(d, n + ".result.json")) as f:
            return json.load(f)["started_at"]
    except (OSError, ValueError, KeyError):
        return "~"	# none: after every time
waiting = [n.strip() for n in open(sys.argv[2]) if n.strip()]
mine = start("victim.sh")
print(len(waiting), sum(start(n) < mine for n in waiting))
PY
)
[ "$(ls "$D" | grep -c '^flood.*result')" = 120 ] || bad "not every flood job got a result"
# The queue holds 8 with two workers; two more may have been running
# (and room for an event read late): not the whole flood.
[ "$2" -le 20 ] || bad "$2 of the waiting flood jobs started before the victim's"
[ "$1" -ge 60 ] || bad "only $1 flood jobs were waiting: no flood to jump"
verdict X08 "per-owner turns: the victim waited for $2 of the $1 waiting flood jobs"
drop_host X08c "$D"

# ---- X09: the folder swapped for a symlink; subdirectories; huge inputs ----
P=$TMPROOT/x09parent
FAKE=$TMPROOT/x09fake-etc
mkdir -p "$P/drop" "$FAKE"
printf 'root:x:0:0::/root:/bin/sh\n' >"$FAKE/passwd"
printf 'echo FAKE-ETC-RAN\n' >"$FAKE/evil.sh"
sec snap "$TMPROOT/dsnap.X09" "$FAKE/passwd" "$FAKE/evil.sh"
D=$P/drop
mkdir "$D/sub"
printf 'print("in a subdirectory")\n' >"$D/sub/job.py"
ln -s "$FAKE" "$D/etc-link"
ln -s "$FAKE" "$D/dirlink.py"
truncate -s 1T "$D/huge.c"
truncate -s 5G "$D/big.tar"
# Rescans every second: a daemon that found its folder by path again would
# walk into the fake /etc within the 2.5 s given below.
daemon_start X09 -c "$(watch_conf X09 "$D" "rescan_interval = 1")" watch
wait_result X09 "a sparse 1 TB source is invalid_job before any copy" "$D" huge.c 20 \
	"d['status'] == 'invalid_job'"
wait_result X09 "a sparse 5 GB tar is invalid_job before any copy" "$D" big.tar 20 \
	"d['status'] == 'invalid_job'"
wait_result X09 "a symlink to a directory named like a job is invalid_job" "$D" dirlink.py 20 \
	"d['status'] == 'invalid_job'"
mv "$D" "$P/drop.moved"
ln -s "$FAKE" "$D"
printf 'print("dropped through the swapped path")\n' >"$P/drop/new.py"
printf 'print("dropped in the real folder")\n' >"$P/drop.moved/real.py"
wait_result X09 "the daemon keeps its folder (the one it opened)" "$P/drop.moved" real.py 20 \
	"d['status'] == 'ok'"
sleep 2.5	# two rescans: time for a wrong turn into the fake /etc
daemon_stop
[ -z "$(ls "$FAKE" | grep -v '^new.py$' | grep -vx 'passwd' | grep -vx 'evil.sh')" ] ||
	bad "files appeared in the symlinked folder: $(ls "$FAKE")"
[ -e "$P/drop.moved/sub/job.py.result.json" ] && bad "a subdirectory was processed"
[ -z "$(ls -A "$P/drop.moved/sub" | grep -v '^job.py$')" ] || bad "files in sub/: $(ls -A "$P/drop.moved/sub")"
[ "$RC" = 0 ] || bad "the daemon exited $RC: $(tail -c 300 "$WLOG")"
verdict X09 "nothing ran or was written through the symlinked folder or in sub/"
rm -f "$FAKE/new.py"
if why=$(SEC_NO_CONTROL=1 sec inv "$TMPROOT/dsnap.X09" "$SEC_UID_LO" "$SEC_UID_HI" "$CPID") &&
	why=$(sec inv "$SNAP" "$SEC_UID_LO" "$SEC_UID_HI"); then
	ok "X09 host invariants"
else
	not_ok "X09 host invariants" "$why"
fi
