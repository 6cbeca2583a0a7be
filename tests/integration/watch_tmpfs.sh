#!/bin/sh
# watch_tmpfs.sh - `tmpfs = "SIZE"`: a size-limited nosuid,nodev,noexec
# tmpfs mounted on the folder (once: it outlives a restart), and a clear
# error without CAP_SYS_ADMIN.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/watch_lib.sh"

if [ "$(id -u)" != 0 ]; then
	echo "skip - tmpfs watch: needs root"
	exit 0
fi
T=$TMPROOT/tmpfs-drop
mkdir -p "$T"
chmod 0775 "$T"
trap 'while mountpoint -q "$T"; do umount "$T"; done; watch_cleanup' EXIT
C=$TMPROOT/cylo.conf
conf "$C" <<EOF
$(watch_section "$T" 'tmpfs = "8M"' 'rescan_interval = 1')
EOF
start d "$C"
expect "tmpfs mounted on the folder" until_ok 20 mountpoint -q "$T"
opts=$(findmnt -n -o FSTYPE,OPTIONS --target "$T")
eq "it is a tmpfs" "${opts%% *}" tmpfs
for o in nosuid nodev noexec size=8192k mode=775; do
	case ",${opts#* }," in
	*",$o,"*) ok "mount option $o" ;;
	*) not_ok "mount option $o" "$opts" ;;
	esac
done
printf 'echo in-tmpfs\n' >"$T/t.sh"
expect "jobs run in the tmpfs folder" until_ok 20 test -f "$T/t.sh.result.json"
eq "its result" "$(field "$T/t.sh.result.json" 'd["stdout"]')" in-tmpfs
stop "$d_pid"
start d2 "$C"
until_ok 20 grep -q 'watching 1 directory' "$TMPROOT/d2.log"
eq "not mounted twice after a restart" "$(findmnt -n -o TARGET "$T" | wc -l)" 1
expect "earlier results still there (the mount outlived the restart)" \
	test -f "$T/t.sh.result.json"

# A full folder: the job runs and its claim takes the last free page, so
# its result cannot be written.  That is logged as such, the job is not
# logged as finished, and it waits for room (not counted as an attempt)
# instead of running in full at every rescan, as did every pending job of
# the folder; once there is room again it runs to a result.
printf 'echo after-full\n' >"$T/.full.tmp"
avail=$(stat -f -c %a "$T")
head -c $(((avail - 1) * $(stat -f -c %S "$T"))) /dev/zero >"$T/.fill" 2>/dev/null
mv "$T/.full.tmp" "$T/full.sh"
full_fails() {
	[ "$(grep -c 'job=full.sh stage=publish cannot write the result' "$TMPROOT/d2.log")" -ge "$1" ]
}
expect "full folder: the failed result write is logged" until_ok 30 full_fails 1
sleep 4		# four rescans, each of which ran the job again
eq "... and the job waits for room instead of running again" \
	"$(grep -c 'job=full.sh stage=publish cannot write the result' "$TMPROOT/d2.log")" 1
expect "... the daemon goes on" alive "$d2_pid"
rm "$T/.fill"
expect "... and with room again the job gets its result" until_ok 20 \
	test -f "$T/full.sh.result.json"
expect "... the log says the folder has room again" \
	grep -q "watch $T: room for results again" "$TMPROOT/d2.log"
eq "... the right one" "$(field "$T/full.sh.result.json" 'd["stdout"]')" after-full
eq "... logged as finished once, when its result was written" \
	"$(grep -c 'job=full.sh lang=' "$TMPROOT/d2.log")" 1

# A result that can never fit: 2 MiB of control bytes escape to 12 MiB of
# JSON in an 8 MiB folder.  Written at once without the output, the job
# output_limit, instead of failing at every run.
printf 'head -c 1048576 /dev/zero | tr "\\0" "\\1"\nhead -c 1048576 /dev/zero | tr "\\0" "\\1" >&2\n' \
	>"$T/.big.tmp"
mv "$T/.big.tmp" "$T/big.sh"
expect "a result that never fits is written without the output" until_ok 60 \
	test -f "$T/big.sh.result.json"
eq "... its status" "$(field "$T/big.sh.result.json" 'd["status"]')" output_limit
eq "... no output, marked truncated" \
	"$(field "$T/big.sh.result.json" '(d["stdout"], d["stderr"], d["stdout_truncated"], d["stderr_truncated"], d["exit_code"])')" \
	"('', '', True, True, 0)"
expect "... which says why" grep -q "larger than the folder's filesystem" \
	"$T/big.sh.result.json"
eq "... from its first run: no failed write" \
	"$(grep -c 'job=big.sh stage=publish cannot write the result' "$TMPROOT/d2.log")" 0
eq "... logged as finished once, with the status written" \
	"$(grep -c 'job=big.sh lang=bash status=output_limit' "$TMPROOT/d2.log")" 1
expect "... and the daemon goes on" alive "$d2_pid"

# Nor is the output escaped to learn that it cannot fit: 32 MiB of control
# bytes would take 192 MiB of JSON, twice that while rendered (two such
# jobs at the largest output_limit took the daemon to 3.6 GB).
cat >"$T/.huge.tmp" <<'EOF'
language = "sh"
output_limit = 40000
code = "head -c 33554432 /dev/zero | tr '\\0' '\\1'"
EOF
mv "$T/.huge.tmp" "$T/huge.job"
expect "32 MiB of control bytes: written without the output" until_ok 60 \
	test -f "$T/huge.job.result.json"
eq "... its status" "$(field "$T/huge.job.result.json" 'd["status"]')" output_limit
expect "... which says what the output takes at least" \
	grep -q 'output (at least [0-9]* bytes) is larger than' "$T/huge.job.result.json"
hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$d2_pid/status")
expect "... never rendered: the daemon's peak memory stayed under 128 MiB" \
	test "${hwm:-999999}" -lt 131072

# A result that fits the folder but not the room left in it: the job
# chose its size, so each failed write counts as an attempt, and after
# max_attempts (3) the job ends as internal_error instead of running at
# every scan.  About 2.4 MB of JSON with 1 MiB free.
printf 'head -c 400000 /dev/zero | tr "\\0" "\\1"\n' >"$T/.wide.tmp"
avail=$(stat -f -c %a "$T")
head -c $(((avail - 256) * $(stat -f -c %S "$T"))) /dev/zero >"$T/.fill"
mv "$T/.wide.tmp" "$T/wide.sh"
expect "too large for the room left: it ends as internal_error" until_ok 60 \
	test -f "$T/wide.sh.result.json"
eq "... its status" "$(field "$T/wide.sh.result.json" 'd["status"]')" internal_error
expect "... after max_attempts runs" grep -q 'claimed 3 times' "$T/wide.sh.result.json"
eq "... each failed write counted, and logged so" \
	"$(grep -c 'job=wide.sh stage=publish cannot write the result: No space left on device; the job runs again later, counting an attempt' "$TMPROOT/d2.log")" 3
rm "$T/.fill"
expect "... the daemon goes on" alive "$d2_pid"
stop "$d2_pid"

U=$TMPROOT/unpriv
mkdir -p "$U"
chmod 777 "$U"
printf 'workers = 1\n%s\n' "$(watch_section "$U" 'tmpfs = "8M"')" >"$TMPROOT/u.conf"
chmod 644 "$TMPROOT/u.conf"
setpriv --reuid=65534 --regid=65534 --clear-groups "$CYLO" -c "$TMPROOT/u.conf" \
	watch --once >"$TMPROOT/u.log" 2>&1
eq "without CAP_SYS_ADMIN: exit 71" $? 71
expect "... with a clear error" grep -q 'needs CAP_SYS_ADMIN' "$TMPROOT/u.log"
expect "... and nothing mounted" sh -c "! mountpoint -q '$U'"
exit 0
