#!/bin/sh
# tests/security/resources.sh - SECURITY.md rows R01-R11: fork bombs,
# memory bombs, disk filling, CPU burning, sleeping, escaping processes,
# output floods, descriptor exhaustion, priorities, IPC leftovers and core
# dumps, and the compile stage.  Every bomb runs inside a box with small
# limits (timeout 1.5-3 s, memory 64 MiB, processes 32, output 64 KiB), so
# the whole file takes well under a minute and nothing runs on the host.
. "$(dirname "$0")/lib.sh"

# ---- R01: fork bombs in four runtimes -------------------------------------
run_job R01 "$(manifest R01 r01_fork_bomb.c "processes = 32" "timeout = 2")"
expect R01 "C fork bomb: EAGAIN at the process limit, killed at the wall limit" 124 \
	"d['status'] == 'timeout'" "e('fork', 'EAGAIN')" \
	"0 < int(o['forks before']) <= 32" "d['execution_time_ms'] < 6000"
host R01
run_job R01b "$(manifest R01b r01_fork_bomb.sh "processes = 32" "timeout = 2")"
expect R01 "bash :(){ :|:& wait; };: EAGAIN, killed at the wall limit" 124 \
	"d['status'] == 'timeout'" "'Resource temporarily unavailable' in err" \
	"d['execution_time_ms'] < 6000"
host R01
run_job R01c "$(manifest R01c r01_fork_loop.py "processes = 32" "timeout = 3")"
expect R01 "python os.fork() loop: EAGAIN; the sleeping children die with it" 0 \
	"d['status'] == 'ok'" "e('fork', 'EAGAIN')" "0 < int(o['forks before']) <= 32"
host R01
run_job R01d "$(manifest R01d R01Threads.java "processes = 64" "timeout = 8")"
expect R01 "java threads stop at the process limit" 0 \
	"d['status'] == 'ok'" "e('error', 'java.lang.OutOfMemoryError')" \
	"0 < int(o['threads']) <= 64"
host R01

# ---- R02: memory bombs ----------------------------------------------------
run_job R02 "$(manifest R02 r02_memory.c "memory = 64" 'args = {"heap"}' "timeout = 10")"
expect R02 "malloc+memset of 64 GiB: OOM kill in the cgroup" 137 \
	"d['status'] == 'memory_limit'" "d['memory_exceeded'] is True" \
	"'heap: all touched' not in out" "int(o['touched MiB']) <= 64"
host R02
# The tmpfs pages of /dev/shm are charged to the job's memory cgroup.
run_job R02b "$(manifest R02b r02_memory.c "memory = 32" 'args = {"shm"}' "timeout = 10")"
expect R02 "a shared mapping of a /dev/shm file: OOM kill in the cgroup" 137 \
	"d['status'] == 'memory_limit'" "d['memory_exceeded'] is True" \
	"'shm: all touched' not in out" "int(o['touched MiB']) <= 32"
host R02
run_job R02c "$(manifest R02c r02_memory.py "memory = 64" "timeout = 10")"
expect R02 "python: bytearray(10**11) refused, 1 GB written is an OOM kill" 137 \
	"d['status'] == 'memory_limit'" "e('bytearray 10**11', 'MemoryError')" \
	"'1 GB written' not in o"
host R02

# ---- R03: fill /work, /tmp, /dev/shm; fallocate; inodes ------------------
before=$(ls -A "$J" | wc -l)
run_job R03 "$(job_from R03 r03_fill_disk.sh)"
expect R03 "ENOSPC or SIGXFSZ at every writable file system" 0 \
	"d['status'] == 'ok'" \
	"all(o[s] in ('No space left on device', 'SIGXFSZ', 'File too large') for s in ('fill_yes', 'fill_tmp', 'fill_shm', 'fallocate_100g'))" \
	"int(o['work big MiB']) <= 64" \
	"e('inodes', 'No space left on device')" "int(o['inode files']) < 10000"
[ "$(ls -A "$J" | wc -l)" = $((before + 1)) ] || bad "new files in the jobs folder: $(ls -A "$J")"
verdict R03 "the host's folders got nothing"
host R03

# ---- R04: CPU burners --------------------------------------------------------
run_job R04 "$(manifest R04 r04_busy.c 'args = {"1"}' "timeout = 2")"
expect R04 "one busy thread: killed at the wall limit" 124 \
	"d['status'] == 'timeout'" "d['timeout'] is True" \
	"1900 <= d['execution_time_ms'] < 5000"
host R04
# Four threads on two cores with 1 s of CPU: stopped by the CPU limit well
# before the 5 s wall limit; meanwhile another job still gets its share.
f=$(manifest R04b r04_busy.c 'args = {"4"}' "timeout = 5" "cpu_time = 1")
R=$TMPROOT/res.R04b.json RERR=$TMPROOT/res.R04b.err
sec run "$R" "$RERR" 60 "$CYLO" -c "$CONF" run --json "$f" >"$TMPROOT/bg.R04b" &
bgp=$!
t0=$(date +%s%N)
out=$("$CYLO" -c "$CONF" exec --lang python "print('share ok')" 2>&1)
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
wait "$bgp"
# shellcheck disable=SC2046
set -- $(cat "$TMPROOT/bg.R04b")
CPID=${1:-0} RC=${2:-999}
expect R04 "four busy threads: stopped by the CPU limit" 124 \
	"d['status'] == 'timeout'" "e('threads', '4')" \
	"d['execution_time_ms'] < 4000" "d['cpu_time_ms'] >= 900"
[ "$out" = "share ok" ] || bad "the concurrent job said: $out"
[ "$ms" -lt 5000 ] || bad "the concurrent job took $ms ms"
verdict R04 "a concurrent job kept its CPU share"
host R04
# Where the share comes from: the box's group is in the CPU scheduler's
# hierarchy (v1 cpu, v2 the cpu controller), one equal share per box
# whatever its threads, not only in cpuacct's.
f=$(manifest R04d r04_busy.c 'args = {"1"}' "timeout = 3")
R=$TMPROOT/res.R04d.json RERR=$TMPROOT/res.R04d.err
sec run "$R" "$RERR" 60 "$CYLO" -c "$CONF" run --json "$f" >"$TMPROOT/bg.R04d" &
bgp=$!
for i in $(seq 1 30); do
	why=$(sec sched "$SEC_UID_LO" "$SEC_UID_HI") && break
	sleep 0.1
done
wait "$bgp"
[ -z "$why" ] || bad "$why"
verdict R04 "a running box is in a cylo group of the CPU scheduler"
# The box's init runs as the job's uid and carries out the kill at a
# limit: made SCHED_IDLE (or nice 19) under 40 busy processes, it never
# ran, and a 1 s job ran 11 s on both cores.  Its scheduling is not the
# job's to change; the job's own is.
run_job R04e "$(manifest R04e r04_starve_init.c "timeout = 1" "processes = 64")"
expect R04 "the init cannot be starved: its scheduling and limits are refused" 124 \
	"d['status'] == 'timeout'" "e('sched_setscheduler 1 SCHED_IDLE', 'EPERM')" \
	"e('setpriority pid 1', 'EPERM')" "e('setpriority pgrp', 'EPERM')" \
	"e('setpriority user', 'EPERM')" "e('prlimit 1 cpu', 'EPERM')" \
	"e('sched_setaffinity 1', 'EPERM')" "e('nice self', 'OK')" \
	"d['execution_time_ms'] < 5000"
host R04
run_job R04c "$(manifest R04c r04_busy.go "timeout = 2" "cpu_time = 1")"
expect R04 "go, GOMAXPROCS(64) busy goroutines: stopped" 124 \
	"d['status'] == 'timeout'" "e('goroutines', '64')" \
	"d['execution_time_ms'] < 5000"
host R04

# ---- R05: sleeping, pausing, blocking -------------------------------------
run_job R05 "$(manifest R05 r05_sleep.py "timeout = 1.5")"
expect R05 "python time.sleep(10**9): killed at the wall limit" 124 \
	"d['status'] == 'timeout'" "e('sleeping', 'yes')" \
	"1400 <= d['execution_time_ms'] < 4500"
host R05
run_job R05b "$(manifest R05b r05_pause.c "timeout = 1.5")"
expect R05 "C pause() ignoring SIGTERM/SIGHUP: killed" 124 \
	"d['status'] == 'timeout'" "e('pausing', 'yes')" \
	"1400 <= d['execution_time_ms'] < 4500"
host R05
run_job R05c "$(manifest R05c r05_block_read.sh "timeout = 1.5" 'stdin = "one line\n"')"
expect R05 "blocked in read(): killed" 124 \
	"d['status'] == 'timeout'" "e('stdin ended', 'yes')" "e('blocking', 'yes')" \
	"'unblocked' not in o" "1400 <= d['execution_time_ms'] < 4500"
host R05

# ---- R06: double fork, setsid, SIGSTOP ----------------------------------
run_job R06 "$(manifest R06 r06_escape_daemon.c "timeout = 5")"
expect R06 "the job ends with its main process; nothing outlives it" 0 \
	"d['status'] == 'ok'" "d['exit_code'] == 0" "e('parent', 'exiting')" \
	"d['execution_time_ms'] < 4000"
host R06

# ---- R07: output floods, a 10 GB file --------------------------------------
run_job R07 "$(manifest R07 r07_output_flood.py "output_limit = 64" "timeout = 10")"
rsize=$(stat -c %s "$R")
expect R07 "stdout/stderr flood: output_limit, capture bounded" 137 \
	"d['status'] == 'output_limit'" \
	"d['stdout_truncated'] is True or d['stderr_truncated'] is True" \
	"len(d['stdout'].encode()) <= 64 * 1024 and len(d['stderr'].encode()) <= 64 * 1024" \
	"d['execution_time_ms'] < 5000"
[ "$rsize" -lt 1048576 ] || bad "the result is $rsize bytes"
[ "$RSS" -lt 100000 ] || bad "cylo's peak RSS was $RSS KiB"
verdict R07 "result size and cylo's memory bounded"
host R07
run_job R07b "$(job_from R07b r07_big_file.py)"
expect R07 "a 10 GB output file stops at the file size or workspace limit" 0 \
	"d['status'] == 'ok'" \
	"o['write'].split()[0] in ('ENOSPC', 'EFBIG')" "int(o['write'].split()[2]) <= 64"
host R07

# ---- R08: descriptor exhaustion; per-user limits fall on the slot uid ----
# While a job holds every inotify instance (or pending signal) it can
# get, root (the daemon's user) must still get one: per-user limits must
# hit the job's host uid, not the daemon's.  (The kernel charges what a
# process in a user namespace uses to its uid there and also to the
# namespace's owner in the parent namespace.)
sec userprobe inotify "$TMPROOT/probe.R08" 3.5 &
ipid=$!
run_job R08 "$(job_from R08 r08_fd_exhaust.c)"
wait "$ipid"
expect R08 "EMFILE at RLIMIT_NOFILE for every kind of descriptor" 0 \
	"d['status'] == 'ok'" "e('nofile', '256 256')" \
	"all(o[k].startswith('EMFILE after ') for k in ('open /dev/null', 'pipe', 'epoll_create1', 'eventfd'))" \
	"o['inotify_init1'].split()[0] in ('EMFILE', 'ENFILE')" \
	"o['inotify_add_watch'].split()[0] in ('ENOSPC', 'EMFILE')"
probe=$(cat "$TMPROOT/probe.R08" 2>/dev/null)
case $probe in ok*) ;; *) bad "root could not make inotify instances while the job held its own: ${probe:-no probe}" ;; esac
verdict R08 "the job's inotify instances did not use up the daemon user's"
host R08
sec userprobe sigqueue "$TMPROOT/probe.R08b" 3.5 &
ipid=$!
run_job R08b "$(job_from R08b r08_sigpending.c)"
wait "$ipid"
expect R08 "pending signals stop at RLIMIT_SIGPENDING" 0 \
	"d['status'] == 'ok'" "o['sigqueue'].split()[0] == 'EAGAIN'"
probe=$(cat "$TMPROOT/probe.R08b" 2>/dev/null)
case $probe in ok*) ;; *) bad "root could not queue a signal while the job held its own: ${probe:-no probe}" ;; esac
verdict R08 "the job's pending signals did not use up the daemon user's"
host R08

# ---- R09: real-time scheduling, nice, I/O priority, mlock -----------------
run_job R09 "$(job_from R09 r09_priority.c)"
expect R09 "SCHED_FIFO/RR, nice -20, IOPRIO_CLASS_RT, mlockall refused" 0 \
	"d['status'] == 'ok'" \
	"e('sched_setscheduler SCHED_FIFO', 'EPERM')" "e('sched_setscheduler SCHED_RR', 'EPERM')" \
	"e('setpriority -20', 'EACCES', 'EPERM')" "e('setpriority -1', 'EACCES', 'EPERM')" \
	"e('ioprio_set RT', 'EPERM')" "e('mlockall MCL_FUTURE', 'EPERM', 'ENOMEM', 'EAGAIN')" \
	"e('mlock 32MiB', 'EPERM', 'ENOMEM', 'EAGAIN')" \
	"e('sched policy', '0')" "e('nice', '0')"
host R09

# ---- R10: SysV/POSIX IPC and files left behind; a core dump -----------------
run_job R10 "$(manifest R10 r10_ipc_leftovers.c 'args = {"leave"}')"
expect R10 "a job makes IPC objects and files" 0 \
	"d['status'] == 'ok'" "e('shmget create', 'OK')" "e('shmat', 'OK')" \
	"e('mq_open create', 'OK', 'EACCES')" "e('create /dev/shm/r10', 'OK')" \
	"e('create /tmp/r10', 'OK')" "e('create /var/tmp/r10', 'ENOENT', 'EROFS', 'EACCES')"
host R10
run_job R10b "$(manifest R10b r10_ipc_leftovers.c 'args = {"look"}')"
expect R10 "the next job finds none of them" 0 \
	"d['status'] == 'ok'" "e('shmget find', 'ENOENT')" "e('mq_open find', 'ENOENT')" \
	"e('open /dev/shm/r10', 'ENOENT')" "e('open /tmp/r10', 'ENOENT')" \
	"e('open /var/tmp/r10', 'ENOENT')"
ipcs -m | grep -qi '0x0c1105ec' && bad "the host has the job's SysV segment"
host R10
cores_before=$(ls /var/lib/systemd/coredump 2>/dev/null | wc -l)
run_job R10c "$(manifest R10c r10_ipc_leftovers.c 'args = {"crash"}' "memory = 128")"
expect R10 "a crash with 32 MiB resident dumps no core" 139 \
	"d['status'] == 'runtime_error'" "d['signal'] == 'SIGSEGV'" \
	"e('core limit', '0 0')"
[ -z "$(find "$TMPROOT" "$SECDIR" -name 'core*' 2>/dev/null)" ] || bad "a core file appeared"
[ "$(ls /var/lib/systemd/coredump 2>/dev/null | wc -l)" = "$cores_before" ] ||
	bad "systemd-coredump stored something"
verdict R10 "no core file anywhere"
host R10

# A core_pattern pipe gets a crash whatever the core limit: cylo says so at
# start and in doctor.  The setting is the host's: one run of the suite at
# a time changes it (a lock), its helper lives in a directory only root
# can enter (not /tmp), and the old value comes back however this ends,
# unless something else changed it meanwhile.  The lock, in root's /run,
# is not skipped: without it nothing is changed.
exec 9>/run/cylo-test-core-pattern.lock
cored=$(mktemp -d /run/cylo-core.XXXXXX)
printf '#!/bin/sh\necho "limit=$1 uid=$2 bytes=$(wc -c)" >>%s\n' "$cored/log" >"$cored/helper"
chmod 700 "$cored/helper"
core_ours="|$cored/helper %c %u"
restore_core() {
	[ "$(cat /proc/sys/kernel/core_pattern)" = "$core_ours" ] &&
		printf '%s\n' "$core_was" >/proc/sys/kernel/core_pattern
	rm -rf "$cored"
	flock -u 9
}
if ! flock -w 120 9; then
	bad "another run held the core_pattern lock for 2 minutes: nothing changed"
	rm -rf "$cored"
	core_was=$(cat /proc/sys/kernel/core_pattern)
elif core_was=$(cat /proc/sys/kernel/core_pattern) &&
	trap 'restore_core; cleanup' EXIT &&
	trap 'restore_core; cleanup; exit 130' INT TERM HUP &&
	printf '%s\n' "$core_ours" >/proc/sys/kernel/core_pattern; then
	run_job R10d "$J/R10c.job"
	expect R10 "a crash under a core_pattern pipe" 139 "d['signal'] == 'SIGSEGV'"
	i=0
	until grep -q "^limit=0 uid=6" "$cored/log" 2>/dev/null || [ $i -ge 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	awk -v lo="$SEC_UID_LO" -v hi="$SEC_UID_HI" '
		{ split($2, u, "="); if ($1 == "limit=0" && u[2] >= lo && u[2] < hi) f = 1 }
		END { exit !f }' "$cored/log" 2>/dev/null ||
		bad "the helper did not get the job's crash with limit 0: $(cat "$cored/log" 2>&1)"
	"$CYLO" -c "$CONF" doctor >"$TMPROOT/doctor.core" 2>&1
	grep -q "^core dumps  *warn  *|$cored/helper" "$TMPROOT/doctor.core" ||
		bad "doctor: $(grep '^core' "$TMPROOT/doctor.core")"
	D=$(drop_dir R10d)
	watch_once R10d "$D"
	grep -q "kernel.core_pattern pipes every crash" "$WLOG" ||
		bad "watch did not warn: $(head -c 300 "$WLOG")"
else
	bad "cannot set kernel.core_pattern"
fi
[ -d "$cored" ] && restore_core
trap cleanup EXIT
trap - INT TERM HUP
exec 9>&-
[ "$(cat /proc/sys/kernel/core_pattern)" = "$core_was" ] || bad "core_pattern not restored"
case $core_was in
'|'*/systemd-coredump\ *) core_mark=ok ;;
'|'*) core_mark=warn ;;
*) core_mark=ok ;;
esac
"$CYLO" -c "$CONF" doctor >"$TMPROOT/doctor.core" 2>&1
grep -q "^core dumps  *$core_mark " "$TMPROOT/doctor.core" ||
	bad "doctor with core_pattern '$core_was': $(grep '^core' "$TMPROOT/doctor.core")"
verdict R10 "a core_pattern helper is reported at start and by doctor"
host R10

# ---- R11: the compile stage ---------------------------------------------------
run_job R11 "$(manifest R11 r11_templates.cpp "compile_timeout = 3" "compile_memory = 128")"
expect R11 "C++ template explosion: compile stage stopped by its limits" '124|137' \
	"d['status'] in ('timeout', 'memory_limit')" \
	"d['timeout'] == (d['status'] == 'timeout')" \
	"d['memory_exceeded'] == (d['status'] == 'memory_limit')" \
	"'compile stage' in d['error']" "d['tests'] is None" \
	"d['compile']['time_ms'] < 6000"
host R11
run_job R11b "$(manifest R11b r11_devzero.c "compile_timeout = 3" "compile_memory = 128")"
expect R11 "#include \"/dev/zero\": compile stage stopped by its limits" '124|137' \
	"d['status'] in ('timeout', 'memory_limit')" "'compile stage' in d['error']"
host R11
# Rust: cylo compiles one file with rustc; a Cargo build script never runs.
mkdir -p "$J/R11c"
cp "$HOSTILE/r11_build.rs" "$J/R11c/build.rs"
cp "$HOSTILE/r11_main.rs" "$J/R11c/main.rs"
printf 'language = "rust"\nmain = "main.rs"\n' >"$J/R11c.job"
run_job R11c "$J/R11c.job"
expect R11 "rust build.rs is never run" 0 \
	"d['status'] == 'ok'" "e('build.rs ran', 'no')" "e('other processes', 'none')"
host R11
# Java: an annotation processor on the workspace class path runs inside
# the compile stage (compiled here, on the host, at test time).  It also
# plants symlinks where a daemon might look (F07 at compile time), so it
# runs from a drop folder with raw_output.
D=$(drop_dir R11)
drop_snap R11 "$D"
mkdir -p "$D/r11/META-INF/services" "$TMPROOT/javac"
cp "$HOSTILE/R11Main.java" "$D/r11/"
if javac --release 17 -d "$D/r11" "$HOSTILE/R11Proc.java" 2>"$TMPROOT/javac/err"; then
	echo R11Proc >"$D/r11/META-INF/services/javax.annotation.processing.Processor"
else
	echo "not ok - R11 setup: javac: $(cat "$TMPROOT/javac/err")"
fi
printf 'language = "java"\nmain = "R11Main.java"\ncompile_timeout = 30\n' >"$D/r11.job"
WCONF=$(watch_conf R11 "$D" "raw_output = true")
watch_once R11 "$D" 90
WCONF=
drop_expect R11 "java annotation processor: sandboxed, its sleeper gone" "$D" r11.job \
	"d['status'] == 'ok'" "e('run', 'done')" "e('other processes', 'none')" \
	"(c := parse_outcomes(d['compile']['output'].replace('Note: ', ''))) is not None" \
	"c.get('processor') == 'running'" \
	"c.get('read /etc/shadow') == 'NoSuchFileException'" \
	"c.get('read /root/.ssh/id_rsa') == 'NoSuchFileException'" \
	"c.get('list /etc', '').split() and set(c['list /etc'].split()) <= {'passwd', 'group', 'hosts', 'ld.so.cache', 'java-17-openjdk'}" \
	"c.get('spawn sleeper') == 'OK'"
drop_expect F07 "(compile stage) links planted by build-time code stay in the box" "$D" r11.job \
	"(c := parse_outcomes(d['compile']['output'].replace('Note: ', ''))) is not None" \
	"c.get('symlink /work/.cylo') == 'OK'" "c.get('symlink /work/R11.java.stdout') == 'OK'" \
	"open('$D/r11.job.stdout').read() == out"
only_files "$D" r11 r11.job r11.job.result.json r11.job.stdout r11.job.stderr prev.py \
	prev.py.result.json alice-notes.txt
[ -z "$(find "$D" -type l -o -type p)" ] || bad "links or FIFOs in the folder: $(find "$D" -type l -o -type p)"
verdict F07 "(compile stage) the folder and cylo's state hold no trap"
drop_host R11 "$D"
