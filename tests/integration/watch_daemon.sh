#!/bin/sh
# watch_daemon.sh - the running daemon: inotify triggers, writes that must
# not run early, re-drops, polling with a slow writer, SIGHUP with a
# broken and a good config, SIGTERM with running jobs (within and beyond
# shutdown_grace), and a watched folder deleted while running.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/watch_lib.sh"

A=$TMPROOT/a
B=$TMPROOT/b
P=$TMPROOT/p
L=$TMPROOT/l
mkdir -p "$A" "$B" "$P" "$L"
C=$TMPROOT/cylo.conf
write_conf() {	# write_conf RAW_OUTPUT [STATUS_FILE]
	conf "$C" <<EOF
status_file = "${2:-$TMPROOT/status.txt}"
metrics_file = "$TMPROOT/metrics.prom"
$(watch_section "$A" 'rescan_interval = 0.3' 'settle = 0.5' "raw_output = $1")
$(watch_section "$B" 'rescan_interval = 0.3')
$(watch_section "$P" 'poll = true' 'settle = 1' 'rescan_interval = 600')
$(watch_section "$L" 'rescan_interval = 3600')
EOF
}
write_conf false
start d "$C"
r() { field "$1.result.json" "$2"; }

until_ok 20 grep -q '^state running' "$TMPROOT/status.txt"
expect "status file: running, with its watches" grep -q "^watch $P poll$" "$TMPROOT/status.txt"

# inotify: a closed file runs at once.
printf 'echo quick\n' >"$A/quick.sh"
expect "dropped file runs (inotify)" until_ok 20 test -f "$A/quick.sh.result.json"
eq "its result" "$(r "$A/quick.sh" 'd["stdout"]')" quick

# Writer pattern: hidden .tmp, then rename.
printf 'echo renamed\n' >"$A/.ren.sh.tmp"
mv "$A/.ren.sh.tmp" "$A/ren.sh"
expect "renamed into place runs" until_ok 20 test -f "$A/ren.sh.result.json"
printf 'echo hidden\n' >"$A/.ren2.sh.tmp"
printf 'echo later\n' >"$A/later.sh"
expect "a later job ran..." until_ok 20 test -f "$A/later.sh.result.json"
expect "... and the .tmp written before it is not a job" \
	test ! -e "$A/.ren2.sh.tmp.result.json"

# Dropped while running, never closed by a writer: a symlink, a FIFO and a
# hard link get their refusing result at once, not after the five minutes
# a name being written may stay dirty.
ln -s "$A/quick.sh" "$A/link.sh"
mkfifo "$A/fifo.sh"
ln "$A/ren.sh" "$A/hard.sh"
for n in link fifo hard; do
	expect "$n dropped into the running daemon gets a result" \
		until_ok 5 test -f "$A/$n.sh.result.json"
	eq "... it is refused" "$(r "$A/$n.sh" 'd["status"]')" invalid_job
done
rm -f "$A/link.sh" "$A/fifo.sh" "$A/hard.sh" "$A"/link.sh.* "$A"/fifo.sh.* "$A"/hard.sh.*

# Published by a new name, with no close under it: an O_TMPFILE linked in
# (linkat), and a file linked to its final name, then its first name
# removed.  Both run once nobody has them open for writing, with the link
# count of then: a dirty name used to wait five minutes, and the second
# was refused as a hard link.
python3 - "$A" <<'EOF'
import ctypes, os, sys
d = sys.argv[1]
fd = os.open(d, os.O_TMPFILE | os.O_WRONLY, 0o644)
os.write(fd, b"echo tmpfile\n")
# linkat(AT_FDCWD, "/proc/self/fd/N", AT_FDCWD, name, AT_SYMLINK_FOLLOW)
if ctypes.CDLL(None, use_errno=True).linkat(-100, b"/proc/self/fd/%d" % fd, -100,
                                            os.path.join(d, "tmpf.sh").encode(), 0x400):
    sys.exit("linkat: %s" % os.strerror(ctypes.get_errno()))
os.close(fd)
with open(os.path.join(d, ".lk.tmp"), "w") as f:
    f.write("echo linked\n")
os.link(os.path.join(d, ".lk.tmp"), os.path.join(d, "lk.sh"))
os.unlink(os.path.join(d, ".lk.tmp"))
EOF
for n in tmpf lk; do
	expect "$n.sh, published by a link, runs" until_ok 20 test -f "$A/$n.sh.result.json"
done
eq "... the O_TMPFILE one ran whole" "$(r "$A/tmpf.sh" 'd["stdout"]')" tmpfile
eq "... the link-then-unlink one too" "$(r "$A/lk.sh" 'd["status"] + " " + d["stdout"]')" "ok linked"

# A user's write lease on a file being written (dirty) must not stall the
# watcher: asking whether it is still written never waits out the lease
# break (45 s), and other folders' jobs keep coming.
if [ "$(id -u)" = 0 ]; then
	touch "$A/leased.sh"
	chown 4242:4242 "$A/leased.sh"
	setpriv --reuid 4242 --regid 4242 --clear-groups /usr/bin/python3 -c '
import fcntl, os, signal, sys, time
signal.signal(signal.SIGIO, signal.SIG_IGN)
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_WRLCK)
os.write(fd, b"echo leased\n")
end = time.time() + 8
while time.time() < end:
    try:
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_WRLCK)
    except OSError:
        pass
    time.sleep(0.05)' "$A/leased.sh" &
	leaser=$!
	sleep 1.5
	printf 'echo beside\n' >"$B/beside.sh"
	expect "a write lease in one folder does not hold up another's jobs" \
		until_ok 5 test -f "$B/beside.sh.result.json"
	wait "$leaser"
	expect "... and the leased file runs once let go" \
		until_ok 20 test -f "$A/leased.sh.result.json"
	rm -f "$A/leased.sh" "$A"/leased.sh.*
fi

# A file still open for writing must not run, even across rescans (0.3 s)
# and past `settle`: only its close completes it.
python3 - "$A/slow.sh" >"$TMPROOT/slow.out" <<'EOF'
import os, sys, time
f = open(sys.argv[1], "w")
f.write("echo part1\n"); f.flush()
time.sleep(2.0)
early = os.path.exists(sys.argv[1] + ".result.json")
f.write("echo part2\n"); f.close()
print("early" if early else "waited")
EOF
eq "open file not taken before its close" "$(cat "$TMPROOT/slow.out")" waited
expect "closed file runs" until_ok 20 test -f "$A/slow.sh.result.json"
eq "it ran the whole file" "$(r "$A/slow.sh" 'repr(d["stdout"])')" "'part1\\npart2\\n'"

# Re-drop while running as a daemon.
ino1=$(r "$A/quick.sh" 'd["input"]["ino"]')
printf 'echo again\n' >"$A/.q.tmp"
mv "$A/.q.tmp" "$A/quick.sh"
expect "re-dropped input runs again" until_ok 20 sh -c "grep -q again '$A/quick.sh.result.json'"
expect "with the new identity" test "$(r "$A/quick.sh" 'd["input"]["ino"]')" != "$ino1"

# Re-dropped while its previous version runs: the new version runs when
# that run ends, not at the next rescan (an hour away in L).  The claim
# file says the first version is running.
printf 'sleep 2\necho v1\n' >"$L/.v.tmp"
mv "$L/.v.tmp" "$L/v.sh"
expect "a slow job is running" until_ok 20 test -e "$L/.cylo/claims/v.sh"
printf 'echo v2\n' >"$L/.v.tmp"
mv "$L/.v.tmp" "$L/v.sh"
expect "re-dropped while running: the new version runs after it" until_ok 30 \
	sh -c "grep -q v2 '$L/v.sh.result.json'"
eq "... its result is the new file's" "$(r "$L/v.sh" 'd["input"]["ino"]')" \
	"$(stat -c %i "$L/v.sh")"

# Removing a result asks for a rerun.
rm "$A/ren.sh.result.json"
expect "deleted result: the input runs again" until_ok 20 test -f "$A/ren.sh.result.json"

# Polling: a writer that closes and reopens (no inotify in poll mode).
python3 - "$P/grow.sh" <<'EOF'
import sys, time
for i in range(6):
    with open(sys.argv[1], "a") as f:
        f.write("echo line%d\n" % i)
    time.sleep(0.3)
EOF
expect "polling: the slow writer's file runs" until_ok 20 test -f "$P/grow.sh.result.json"
eq "polling: only once complete (settle)" "$(r "$P/grow.sh" 'd["stdout"].count("line")')" 6

# Scans remember finished inputs: P is polled twice a second and A, B
# rescanned every 0.3 s, yet no result is read again while neither it
# nor its input changes.  A re-drop and a replaced result still count.
for i in 1 2 3 4 5 6; do
	printf 'echo p%s\n' "$i" >"$P/.p$i.tmp" && mv "$P/.p$i.tmp" "$P/p$i.sh"
done
expect "polling: six more jobs done" until_ok 30 sh -c \
	"for i in 1 2 3 4 5 6; do test -f '$P/p'\$i.sh.result.json || exit 1; done"
metric() { sed -n "s/^$1 //p" "$TMPROOT/metrics.prom"; }
scans_from() { [ "$(metric cylo_scans_total)" -ge "$1" ]; }
expect "scans go on (warm-up)" until_ok 20 scans_from $(($(metric cylo_scans_total) + 20))
s0=$(metric cylo_scans_total) reads0=$(metric cylo_scan_result_reads_total)
expect "finished inputs' results were read once" [ "${reads0:-0}" -gt 0 ]
expect "twenty scans later..." until_ok 20 scans_from $((s0 + 20))
eq "... not one result was read again" "$(metric cylo_scan_result_reads_total)" "$reads0"
printf 'echo p1 again\n' >"$P/.p1.tmp" && mv "$P/.p1.tmp" "$P/p1.sh"
expect "polling: a re-dropped input runs again" until_ok 20 \
	sh -c "grep -q 'p1 again' '$P/p1.sh.result.json'"
sed 's/"ino":[ ]*[0-9]*/"ino": 1/' "$P/p2.sh.result.json" >"$P/.p2.tmp"
mv "$P/.p2.tmp" "$P/p2.sh.result.json"
expect "polling: a result replaced by one for another input: it runs again" \
	until_ok 20 sh -c "test \"\$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[\"input\"][\"ino\"])' '$P/p2.sh.result.json')\" != 1"

# SIGHUP with a broken config: logged with file and line, old config kept.
cp "$C" "$TMPROOT/good.conf"
printf 'workers = 2\nwatch "%s" {\n  settle = "abc"\n}\n' "$A" >"$C"
kill -HUP "$d_pid"
expect "broken config logged with file:line" until_ok 20 grep -q "cylo.conf:3" "$TMPROOT/d.log"
expect "daemon alive after a broken SIGHUP" alive "$d_pid"
printf 'echo still\n' >"$B/still.sh"
expect "old config still in force (B still watched)" until_ok 20 test -f "$B/still.sh.result.json"

# SIGHUP with a good config: applied to new jobs.  Its status file moved:
# the new one is written at once (the same text was not written again),
# and the old one, which nothing updates any more, says stopped (it said
# running, with a live pid, for ever).
write_conf true "$TMPROOT/status2.txt"
kill -HUP "$d_pid"
expect "reload logged" until_ok 20 grep -q "configuration reloaded" "$TMPROOT/d.log"
printf 'echo raw\n' >"$A/raw.sh"
expect "new config in force (raw_output)" until_ok 20 test -f "$A/raw.sh.stdout"
expect "... its status file moved is written at once" \
	until_ok 20 grep -q '^state running' "$TMPROOT/status2.txt"
expect "... and the old one says stopped" grep -q '^state stopped' "$TMPROOT/status.txt"

# A watched folder deleted while running: logged, others keep working,
# and a directory at the path again is watched again.  Inputs go first: a
# result deleted while its input is still there makes the input run again
# (by design), and its new claim could land in the folder while rm -rf
# empties it ("Directory not empty").
rm -f "$B"/*.sh
rm -rf "$B"
expect "deleted folder logged" until_ok 20 grep -q "watch $B: the directory was deleted" "$TMPROOT/d.log"
expect "daemon alive after its folder was deleted" alive "$d_pid"
printf 'echo other\n' >"$A/other.sh"
expect "other folders keep working" until_ok 20 test -f "$A/other.sh.result.json"
# Another folder deleted too, and still missing: the one made again is
# watched all the same (it was not, while any other was missing), and a
# reload meanwhile takes effect (it was refused).
rm -rf "$L"
kill -HUP "$d_pid"	# L is rescanned every hour; a reload looks at once
expect "a second folder deleted" until_ok 20 grep -q "watch $L: the directory was deleted" "$TMPROOT/d.log"
mkdir "$B"
printf 'echo back\n' >"$B/back.sh"
expect "recreated folder is watched again, another still missing" \
	until_ok 20 test -f "$B/back.sh.result.json"
reloads=$(grep -c 'configuration reloaded' "$TMPROOT/d.log")
kill -HUP "$d_pid"
expect "... a reload with a folder missing takes effect" until_ok 20 \
	test "$(grep -c 'configuration reloaded' "$TMPROOT/d.log")" -gt "$reloads"
mkdir "$L"
printf 'echo back\n' >"$L/back.sh"
kill -HUP "$d_pid"	# as above
expect "... and the missing one is watched when it is back" \
	until_ok 20 test -f "$L/back.sh.result.json"

# Moved away and a new one made at its path (a term's folder put aside):
# the daemon keeps the folder it opened (SECURITY X09, below), and a
# reload watches the new one at the configured path (a reload matched
# watches by path and kept the old folder).
mv "$B" "$B.old"
mkdir "$B"
printf 'echo old\n' >"$B.old/old.sh"
expect "a moved folder is still served" until_ok 20 test -f "$B.old/old.sh.result.json"
kill -HUP "$d_pid"
printf 'echo new\n' >"$B/new.sh"
expect "after a reload, the folder made at its path is watched" \
	until_ok 20 test -f "$B/new.sh.result.json"
rm -rf "$B.old"

# Its .cylo removed while a job runs: claims would fail until a restart.
# The next rescan (0.3 s) makes them anew; the running job, whose claim
# went with the old one, is not run a second time.
printf 'sleep 2; echo once\n' >"$B/running.sh"
expect "a job runs (its claim exists)" until_ok 20 test -e "$B/.cylo/claims/running.sh"
rm -rf "$B/.cylo"
printf 'echo reclaimed\n' >"$B/reclaim.sh"
expect "a job dropped after .cylo was removed runs" \
	until_ok 20 test -f "$B/reclaim.sh.result.json"
expect "... the log says .cylo was made anew" \
	grep -q "watch $B: its .cylo/claims directory was removed; made it anew" "$TMPROOT/d.log"
expect "the job running meanwhile ends" until_ok 20 test -f "$B/running.sh.result.json"
sleep 3		# the length of the job: a second run would have ended by now
eq "... and ran once" "$(grep -c 'job=running.sh .*status=' "$TMPROOT/d.log")" 1
# Removed again and again, with no job holding the old ones: no fd kept.
nfds() { ls "/proc/$d_pid/fd" | wc -l; }
f0=$(nfds)
for i in 1 2 3 4 5; do
	rm -rf "$B/.cylo"
	until_ok 10 test -d "$B/.cylo/claims"
done
f1=$(nfds)
expect "remaking .cylo five times keeps no old fds ($f0 -> $f1)" test "$f1" -le $((f0 + 2))

# Replaced while running: the folder moved away and a symlink put at its
# path.  The daemon keeps the directory it opened and never follows the
# link, not even at a reload (which takes a directory at the path).
mkdir "$TMPROOT/elsewhere"
mv "$B" "$TMPROOT/b.moved"
ln -s "$TMPROOT/elsewhere" "$B"
expect "move logged" until_ok 20 grep -q "watch $B: the directory was moved" "$TMPROOT/d.log"
reloads=$(grep -c 'configuration reloaded' "$TMPROOT/d.log")
kill -HUP "$d_pid"
reloaded() { [ "$(grep -c 'configuration reloaded' "$TMPROOT/d.log")" -gt "$reloads" ]; }
expect "... and reloaded" until_ok 20 reloaded
printf 'echo lured\n' >"$TMPROOT/elsewhere/lure.sh"
printf 'echo kept\n' >"$TMPROOT/b.moved/kept.sh"
expect "the moved folder is still served" until_ok 20 test -f "$TMPROOT/b.moved/kept.sh.result.json"
rescans() { sed -n 's/^cylo_rescans_total //p' "$TMPROOT/metrics.prom"; }
rescans_from() { [ "$(rescans)" -ge "$1" ]; }
r0=$(rescans)
expect "several rescans later..." until_ok 20 rescans_from $((r0 + 6))
expect "... the symlink swapped in was never followed" test ! -e "$TMPROOT/elsewhere/lure.sh.result.json"

expect "metrics file written while running" until_ok 20 \
	grep -q '^cylo_jobs_total{language="bash",status="ok"}' "$TMPROOT/metrics.prom"

# SIGTERM while a job runs: it finishes within shutdown_grace, exit 0.
printf 'sleep 1; echo finished\n' >"$A/long.sh"
expect "long job started (its claim exists)" until_ok 20 test -e "$A/.cylo/claims/long.sh"
t0=$(date +%s)
stop "$d_pid"
t1=$(date +%s)
eq "SIGTERM: exit 0" "$rc" 0
eq "running job finished within the grace" "$(r "$A/long.sh" 'd["stdout"]')" finished
expect "... and the exit came within the grace" test $((t1 - t0)) -lt 10
expect "no claim left" no_leftovers "$A"
expect "status file: stopped" grep -q '^state stopped' "$TMPROOT/status2.txt"

# SIGTERM with a job that outlives the grace: killed, no result, no claim;
# it runs again at the next start.
G=$TMPROOT/g
mkdir "$G"
conf "$TMPROOT/grace.conf" <<EOF
shutdown_grace = 0.5
$(watch_section "$G")
EOF
sed -i 's/^shutdown_grace = 10$//' "$TMPROOT/grace.conf"
printf 'sleep 3; echo slept\n' >"$G/sleepy.sh"
start g "$TMPROOT/grace.conf"
expect "sleepy job started" until_ok 20 test -e "$G/.cylo/claims/sleepy.sh"
t0=$(date +%s)
stop "$g_pid"
t1=$(date +%s)
eq "SIGTERM past the grace: exit 0" "$rc" 0
expect "... promptly (killed, not waited for)" test $((t1 - t0)) -le 2
expect "killed job has no result" test ! -e "$G/sleepy.sh.result.json"
expect "killed job left no claim" no_leftovers "$G"
expect "kill logged" grep -q "killing 1 jobs" "$TMPROOT/g.log"
start g2 "$TMPROOT/grace.conf"
expect "killed job runs again at the next start" until_ok 30 test -f "$G/sleepy.sh.result.json"
eq "... to completion" "$(r "$G/sleepy.sh" 'd["stdout"]')" slept
eq "... as its first attempt (no internal_error)" "$(r "$G/sleepy.sh" 'd["status"]')" ok
stop "$g2_pid"
eq "second daemon stops cleanly" "$rc" 0
exit 0
