#!/bin/sh
# tests/integration/nsfloor.sh - the benchmark's namespace floor
# (tools/nsfloor.c) does what make bench takes it to do: the program runs
# in seven namespaces none of which is the host's, every file of -e runs
# in turn, and a run that fails or cannot start fails nsfloor with a
# reason, so that a broken floor never yields a time.
. "$(dirname "$0")/../lib.sh"
FLOOR=$TOP/build/tools/nsfloor

# Each namespace the program saw differs from ours.
inside=$("$FLOOR" /bin/sh -c 'for n in user mnt pid net ipc uts cgroup; do
	readlink /proc/self/ns/$n; done' 2>&1)
same=
for n in user mnt pid net ipc uts cgroup; do
	echo "$inside" | grep -qxF "$(readlink /proc/self/ns/$n)" && same="$same $n"
done
if [ "$(echo "$inside" | grep -c ':\[')" = 7 ] && [ -z "$same" ]; then
	ok "nsfloor: the program runs in seven fresh namespaces"
else
	not_ok "nsfloor: the program runs in seven fresh namespaces" \
		"shared:$same; saw: $inside"
fi

# -e: each line of stdin is one run of PROG FILE, in order.
# A job reads its stdin: it gets /dev/null, not the names of the jobs
# after it (the list arrives late, so an inherited stdin would be read).
for i in 1 2 3; do
	printf 'read x\necho %s >>%s/order\n' "$i" "$TMPROOT" >"$TMPROOT/job$i.sh"
done
: >"$TMPROOT/order"
{ echo "$TMPROOT/job1.sh"; sleep 0.3; printf '%s\n' "$TMPROOT/job2.sh" "$TMPROOT/job3.sh"; } |
	"$FLOOR" -e /bin/sh
rc=$?
got=$(tr '\n' ' ' <"$TMPROOT/order")
if [ "$rc" = 0 ] && [ "$got" = "1 2 3 " ]; then
	ok "nsfloor -e: every file runs, in turn"
else
	not_ok "nsfloor -e: every file runs, in turn" "rc=$rc order='$got'"
fi

# A failing run and one that cannot start fail nsfloor, saying why; -e
# stops at the first failure.
err=$("$FLOOR" /bin/sh -c 'exit 3' 2>&1); rc=$?
err2=$("$FLOOR" /nonexistent 2>&1); rc2=$?
printf '%s\n' /nonexistent "$TMPROOT/job1.sh" | "$FLOOR" -e /bin/sh 2>/dev/null; rc3=$?
got=$(tr '\n' ' ' <"$TMPROOT/order")
if [ "$rc" = 1 ] && [ "$rc2" = 1 ] && [ "$rc3" = 1 ] && [ "$got" = "1 2 3 " ] &&
	echo "$err" | grep -q 'exited 3' &&
	echo "$err2" | grep -q 'cannot run /nonexistent: No such file'; then
	ok "nsfloor: a failed run fails it with the reason"
else
	not_ok "nsfloor: a failed run fails it with the reason" \
		"rc=$rc '$err'; rc2=$rc2 '$err2'; rc3=$rc3 order='$got'"
fi

# -l: the layers floor applies every layer it claims.  The job reports
# its id, its root, its /work (the copy of its file), no_new_privs, the
# seccomp filter, Landlock's TCP rule (without it, a connect in an empty
# network namespace fails with "Network is unreachable"), the read-only
# runtime paths, and its procfs mounts: its own, plus, when the root is a
# copy of a template, the template's.
cat >"$TMPROOT/facts.sh" <<'SH'
id -u
ls / | tr '\n' ' '; echo
ls /work
grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status | tr -s '\t ' ' '
(exec 3<>/dev/tcp/127.0.0.1/80) 2>&1 | sed -n '1s/.*: //p'
touch /usr/x 2>&1 | sed 's/.*: //'
grep -c ' - proc ' /proc/self/mountinfo
SH
# Landlock refuses TCP from ABI 4 on; below, the empty network namespace
# answers (landlock_create_ruleset's number is 444 on every architecture).
abi=$(python3 -c 'import ctypes; print(ctypes.CDLL(None).syscall(444, None, 0, 1))')
tcp="Permission denied"
[ "$abi" -ge 4 ] || tcp="Network is unreachable"
want="1000
bin dev lib lib64 proc sbin tmp usr work 
job
NoNewPrivs: 1
Seccomp: 2
$tcp
Read-only file system"
got=$("$FLOOR" -l /bin/bash "$TMPROOT/facts.sh" 2>&1)
want_e="$want
$( [ "$(id -u)" = 0 ] && echo 2 || echo 1 )"	# as root, -e copies a template
want="$want
1"
if [ "$got" = "$want" ]; then
	ok "nsfloor -l: id, root, the job's copy, no_new_privs, seccomp and Landlock"
else
	not_ok "nsfloor -l: id, root, the job's copy, no_new_privs, seccomp and Landlock" "$got"
fi

# -l -e (as root, from a mount template): the same for each job in turn.
got=$(printf '%s\n' "$TMPROOT/facts.sh" "$TMPROOT/facts.sh" | "$FLOOR" -l -e /bin/bash 2>&1)
if [ "$got" = "$want_e
$want_e" ]; then
	ok "nsfloor -l -e: every job gets every layer"
else
	not_ok "nsfloor -l -e: every job gets every layer" "$got"
fi
