#!/bin/sh
# tests/security/side.sh - SECURITY.md rows S01-S02: what one job can
# leave for, or signal to, another; what it can learn of the host.
. "$(dirname "$0")/lib.sh"

# ---- S01: files left behind ----------------------------------------------------------
run_job S01 "$(manifest S01 s01_leave_files.sh 'args = {"leave"}')"
expect S01 "job A writes its private /dev/shm, /tmp and /work" 0 \
	"d['status'] == 'ok'" "e('/dev/shm/s01', 'written')" "e('/tmp/s01', 'written')" \
	"e('/work/s01', 'written')" "e('/var/tmp/s01', 'refused')"
host S01
run_job S01b "$(manifest S01b s01_leave_files.sh 'args = {"look"}')"
expect S01 "the next job sees none of it" 0 \
	"d['status'] == 'ok'" "all(v == 'absent' for v in o.values())" "len(o) == 5"
host S01

# ---- S01: a lock channel between concurrent jobs ------------------------------------
# Both boxes bind the same read-only runtime files; flock and OFD locks on
# such an inode are visible across boxes (no Landlock right, no seccomp
# rule covers them).  The catalogue accepts "blocked, or documented as an
# accepted risk": the test passes when the probe sees nothing, or when the
# repository's security documentation names the channel.
D=$(drop_dir S01)
drop_snap S01 "$D"
cp "$HOSTILE/s01_lock_channel.c" "$D/hold.c"
cp "$HOSTILE/s01_lock_channel.c" "$D/probe.c"
mkdir "$D/hold" "$D/probe"
mv "$D/hold.c" "$D/hold/s01.c"
mv "$D/probe.c" "$D/probe/s01.c"
printf 'main = "s01.c"\nargs = {"hold"}\n' >"$D/hold.job"
printf 'main = "s01.c"\nargs = {"probe"}\n' >"$D/probe.job"
# Both past `settle`, so that --once takes them at once, the holder first.
touch -d '-3 seconds' "$D/hold.job"
touch -d '-2 seconds' "$D/probe.job"
watch_once S01 "$D" 60
drop_expect S01 "the holder took its locks" "$D" hold.job \
	"d['status'] == 'ok'" "e('flock LOCK_EX', 'OK')" "e('F_OFD_SETLK read', 'OK')"
drop_expect S01 "the concurrent prober ran" "$D" probe.job "d['status'] == 'ok'"
probe=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["stdout"])' \
	"$D/probe.job.result.json" 2>/dev/null)
case $probe in
*"held by another"*)
	# A paragraph of README.md, doc/ or man/ naming flock and the risk.
	python3 - "$TOP" <<'PY' ||
import glob, re, sys
top = sys.argv[1]
files = [top + "/README.md"] + glob.glob(top + "/doc/*") + glob.glob(top + "/man/*")
for f in files:
    try:
        text = open(f, errors="replace").read()
    except OSError:
        continue
    for para in re.split(r"\n\s*\n", text):
        if "flock" in para and re.search(r"accept|risk|covert", para, re.I):
            sys.exit(0)
sys.exit(1)
PY
		bad "the lock channel works ($(echo "$probe" | tr '\n' ' ')) and no paragraph of README.md, doc/ or man/ names it as an accepted risk" ;;
*"free"*)
	# Free only counts if the probe came while the holder held the locks.
	python3 - "$D/hold.job.result.json" "$D/probe.job.result.json" <<'PY' ||
import json, re, sys
def stamp(path, key):
    m = re.search(r"^" + key + r": (\d+)$", json.load(open(path))["stdout"], re.M)
    return int(m.group(1)) if m else None
held = stamp(sys.argv[1], "held from"), stamp(sys.argv[1], "held until")
probed = stamp(sys.argv[2], "probed from"), stamp(sys.argv[2], "probed until")
sys.exit(0 if None not in held + probed and held[0] <= probed[0] <= probed[1] <= held[1] else 1)
PY
		bad "the probe said free but did not run while the locks were held" ;;
*) bad "the probe said: $probe" ;;
esac
verdict S01 "the lock channel is blocked or documented as an accepted risk"
drop_host S01 "$D"

# ---- S02: host statistics and other jobs ----------------------------------------------
# Timing and cache probing is out of scope for pass/fail (SECURITY.md).
# What is checked is the mitigation cylo applies: procfs subset=pid hides
# the host-wide statistics files (load, CPU and memory counters, pressure)
# and no sysfs is mounted; other jobs' processes are invisible.  Not done
# by cylo and left to the host: cpusets per worker, core scheduling.
run_job S02 "$(job_from S02 s02_side_channels.py)"
expect S02 "host-wide statistics hidden, no other job visible" 0 \
	"d['status'] == 'ok'" \
	"all(v in ('ENOENT', 'EACCES') for k, v in o.items() if k.startswith('read '))" \
	"len([k for k in o if k.startswith('read ')]) == 12" \
	"o['pids'] == o['self']"
host S02
