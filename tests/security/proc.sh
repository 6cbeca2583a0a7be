#!/bin/sh
# tests/security/proc.sh - SECURITY.md rows P01-P04: /proc and /sys
# snooping, cgroupfs, and the runc /proc/self/exe overwrite.
. "$(dirname "$0")/lib.sh"

# ---- P01: other processes through /proc ---------------------------------
# The box's init (PID 1, a copy of the daemon: its memory holds the daemon's
# environment and command line) is non-dumpable, so hidepid=invisible hides
# it; only the job's own processes are listed.
# p01_checks CMD ARG...: runs CMD ARG... with P01's checks appended.
p01_checks() {
	"$@" "d['status'] == 'ok'" \
	"o['pids'] == o['self']" \
	"e('read /proc/1/environ', 'ENOENT', 'EACCES')" \
	"e('read /proc/1/cmdline', 'ENOENT', 'EACCES')" \
	"e('read /proc/1/status', 'ENOENT', 'EACCES')" \
	"'env 1' not in o and 'cmdline 1' not in o" \
	"o['env ' + o['self']] == 'HOME,LANG,PATH,PYTHONDONTWRITEBYTECODE,TMPDIR,USER'" \
	"o['uid ' + o['self']] == '1000 1000 1000 1000'" \
	"'$TMPROOT' not in out and 'SEC_C' not in out" \
	"e('umount2 /proc', 'EPERM')"
}
run_job P01 "$(job_from P01 p01_proc_snoop.py)"
p01_checks expect P01 "only the job's processes are visible, pid 1 is hidden" 0
host P01

# P01d: the same in boxes cloned from a daemon's mount template (see F02d),
# where the template's own procfs (of an empty PID namespace) lies under
# the box's: it stays covered.
D=$(drop_dir P01d)
drop_snap P01d "$D"
for n in 1 2 3 4; do cp "$HOSTILE/p01_proc_snoop.py" "$D/p01_$n.py"; done
watch_once P01d "$D" 60
for n in 1 2 3 4; do
	p01_checks drop_expect P01d "job $n: only its own processes, pid 1 hidden" "$D" "p01_$n.py"
done
templated P01d "later jobs were cloned from the template" "$D" 'p01_[234].py'
drop_host P01d "$D"

# ---- P02: kernel knobs and memory through /proc, /sys --------------------
run_job P02 "$(job_from P02 p02_proc_sys.c)"
expect P02 "no /proc/sys, sysrq, kallsyms, kcore, keys; no /sys" 0 \
	"d['status'] == 'ok'" \
	"all(o['write ' + p] in ('ENOENT', 'EACCES', 'EROFS') for p in ('/proc/sys/kernel/core_pattern', '/proc/sysrq-trigger', '/proc/sys/vm/drop_caches', '/proc/sys/kernel/hostname'))" \
	"all(o['read ' + p] in ('ENOENT', 'EACCES') for p in ('/proc/kallsyms', '/proc/kcore', '/proc/keys', '/proc/modules', '/proc/sched_debug', '/proc/timer_list', '/sys/kernel/debug', '/sys/kernel/security', '/sys/fs/cgroup'))" \
	"e('read /proc/self/status', 'OK')"
[ "$(cat /proc/sys/kernel/core_pattern)" != "|/work/evil" ] || bad "host core_pattern changed"
verdict P02 "host kernel knobs unchanged"
host P02

# ---- P03: cgroupfs --------------------------------------------------------
f=$(manifest P03 p03_cgroup_escape.c "processes = 8" "timeout = 5")
run_job P03 "$f"
expect P03 "no cgroupfs, own cgroup namespace root, pids limit holds" 0 \
	"d['status'] == 'ok'" \
	"e('mount cgroup2', 'EPERM')" "e('mount cgroup memory', 'EPERM')" \
	"e('mount cgroup pids', 'EPERM')" \
	"all(v == 'ENOENT' for k, v in o.items() if k.startswith('write '))" \
	"len([k for k in o if k.startswith('write ')]) == 6" \
	"all(v == '/' for k, v in o.items() if k.startswith('cgroup '))" \
	"int(o['forks'].split()[0]) <= 8 and o['forks'].split()[1] == 'EAGAIN'"
host P03

# ---- P04: /proc/self/exe, /proc/1/exe for writing ------------------------
# The host binaries aimed at (cylo, which the box's init runs, python3,
# libc) are canaries: sha256 and lstat unchanged.
run_job P04 "$(job_from P04 p04_exe_overwrite.c)"
expect P04 "init's binary unreachable, host binaries not writable" 0 \
	"d['status'] == 'ok'" \
	"e('open /proc/1/exe O_RDWR', 'ENOENT', 'EACCES')" \
	"e('open /proc/1/exe O_PATH', 'ENOENT', 'EACCES')" \
	"e('reopen /proc/1/exe O_RDWR', 'ENOENT', 'EACCES')" \
	"e('open /proc/self/exe O_RDWR', 'ETXTBSY', 'EACCES')" \
	"e('open /proc/self/exe O_WRONLY|O_TRUNC', 'ETXTBSY', 'EACCES')" \
	"e('reopen /usr/bin/python3 O_RDWR', 'EACCES', 'EROFS')" \
	"e('reopen /usr/lib/x86_64-linux-gnu/libc.so.6 O_RDWR', 'EACCES', 'EROFS')" \
	"e('python open /proc/self/exe O_RDWR', 'EACCES', 'EROFS', 'ETXTBSY')"
host P04
