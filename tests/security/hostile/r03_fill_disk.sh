# R03: fill every writable file system: /work, /tmp and /dev/shm with yes
# and dd, a 100 GB fallocate, and inodes.  Each step prints
# "STEP: OUTCOME" (the end of its error message, SIGXFSZ, or OK) and frees
# its space before the next one.  Error messages are captured through a
# pipe: the file systems are full when they are written.
step() {
	msg=$("$@" 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then echo "$1: OK"
	elif [ $rc -eq 153 ]; then echo "$1: SIGXFSZ"
	else echo "$1: $(printf '%s' "$msg" | tail -n 1 | sed 's/.*: //')"; fi
}
fill_yes() { yes >/work/big; }
step fill_yes
echo "work big MiB: $(( $(stat -c %s /work/big) >> 20 ))"
rm -f /work/big
fill_tmp() { dd if=/dev/zero of=/tmp/x bs=1M count=100000 status=none; }
step fill_tmp
rm -f /tmp/x
fill_shm() { dd if=/dev/zero of=/dev/shm/x bs=1M count=100000 status=none; }
step fill_shm
rm -f /dev/shm/x
fallocate_100g() { fallocate -l 100G /work/f; }
step fallocate_100g
rm -f /work/f
touch_many() {
	n=0
	while : >"/work/f$n"; do n=$((n + 1)); [ $n -ge 1000000 ] && break; done
	echo "files: $n" >&2
	return 1
}
msg=$(touch_many 2>&1)
echo "inodes: $(printf '%s' "$msg" | head -n 1 | sed 's/.*: //')"
echo "inode $(printf '%s' "$msg" | tail -n 1)"
rm -f /work/f*
