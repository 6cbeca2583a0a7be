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
