#!/bin/sh
# tests/security/fs.sh - SECURITY.md rows F01-F07: filesystem read/write
# escapes, device nodes, and traps left for the daemon.
. "$(dirname "$0")/lib.sh"

# ---- F01: read host files; the visible tree is exactly the configured view
f=$(job_from F01 f01_read_escape.py)
echo "$CANARY_ROOT $CANARY_STATE/metrics.prom $CANARY_DROP/other.py $CANARY_DROP" \
	"$CANARY_DROP/alice-notes.txt $J" >"$f.stdin"
run_job F01 "$f"
# The view: the language's paths as the host has them (links stay links),
# plus the box's own /dev, /etc, /proc, /tmp and /work.
usr=$(cd /usr && ls -A | sed 's|^|/usr/|' | tr '\n' ' ')
view="/dev:dir /etc:dir /proc:dir /tmp:dir /work:dir"
for p in /bin /lib /lib64 /sbin /usr; do
	if [ -L "$p" ]; then view="$view $p:link"; elif [ -d "$p" ]; then view="$view $p:dir"; fi
done
expect F01 "host files absent, the walk shows only the box's view" 1 \
	"d['status'] == 'runtime_error'" \
	"e('open /etc/shadow', 'ENOENT', 'EACCES')" \
	"e('open /root/.ssh/id_rsa', 'ENOENT', 'EACCES')" \
	"e('open /var/lib/cylo/state', 'ENOENT', 'EACCES')" \
	"e('open /etc/cylo/cylo.conf', 'ENOENT', 'EACCES')" \
	"e('open $CANARY_ROOT', 'ENOENT', 'EACCES')" \
	"e('open $CANARY_STATE/metrics.prom', 'ENOENT', 'EACCES')" \
	"e('open $CANARY_DROP/other.py', 'ENOENT', 'EACCES')" \
	"e('open $CANARY_DROP/alice-notes.txt', 'ENOENT', 'EACCES')" \
	"e('open $J', 'ENOENT', 'EACCES')" \
	"sorted(k[5:] + ':' + v for k, v in o.items() if k.startswith('walk ') and k.count('/') == 1) == sorted('$view'.split())" \
	"sorted(k[5:] for k in o if k.startswith('walk /etc/')) == ['/etc/group', '/etc/hosts', '/etc/ld.so.cache', '/etc/passwd']" \
	"sorted(k[5:] for k in o if k.startswith('walk /dev/')) == ['/dev/fd', '/dev/full', '/dev/null', '/dev/random', '/dev/shm', '/dev/stderr', '/dev/stdin', '/dev/stdout', '/dev/urandom', '/dev/zero']" \
	"sorted(k[5:] for k in o if k.startswith('walk /usr/')) == sorted('$usr'.split())" \
	"[k for k in o if k.startswith('walk /work/')] == ['walk /work/F01-f01_read_escape.py']" \
	"not [k for k in o if k.startswith(('walk /tmp/', 'walk /dev/shm/'))]" \
	"'FileNotFoundError' in err or 'PermissionError' in err"
host F01

# ---- F02: write to read-only binds; the bind holds without Landlock ------
# No kernel with Landlock ABI < 3 is at hand, so the proof that the
# read-only bind (not Landlock) stops the writes is taken from calls that
# Landlock does not decide: chmod() (no Landlock right) and mkdir()/O_TRUNC
# (the mount is checked before the LSM hook) answer EROFS, and
# /proc/self/mountinfo shows /usr as ro,nosuid,nodev.
# f02_checks CMD ARG...: runs CMD ARG... with F02's checks appended (for
# a cylo run and for the daemon case F02d below).
f02_checks() {
	"$@" "d['status'] == 'ok'" \
	"e('open /usr/bin/python3 O_WRONLY', 'EROFS', 'EACCES')" \
	"e('open /usr/bin/python3 O_RDWR', 'EROFS', 'EACCES')" \
	"e('truncate /usr/lib/os-release', 'EROFS', 'EACCES')" \
	"e('open /usr/lib/os-release O_RDONLY|O_TRUNC', 'EROFS')" \
	"e('creat /etc/x', 'EROFS', 'EACCES')" "e('creat /usr/x', 'EROFS', 'EACCES')" \
	"e('creat /x', 'EROFS', 'EACCES')" "e('unlink /etc/passwd', 'EROFS', 'EACCES')" \
	"e('rename /etc/passwd', 'EROFS', 'EXDEV', 'EACCES')" \
	"e('chmod /usr/bin/python3', 'EROFS')" "e('mkdir /usr/lib/x', 'EROFS')" \
	"e('open /dev/null O_WRONLY', 'OK')" "e('creat /work/ok', 'OK')" \
	"re.match(r'ro,nosuid,nodev\\b', o['mount /usr'])" \
	"re.match(r'ro,nosuid,nodev\\b', o['mount /'])" \
	"re.match(r'rw,nosuid,nodev\\b', o['mount /work'])"
}
run_job F02 "$(job_from F02 f02_write_ro.c)"
f02_checks expect F02 "read-only runtime paths and /etc refuse writes" 0
host F02

# ---- F03: mount, umount, chroot, pivot_root, shocker ---------------------
f03_checks() {
	"$@" "d['status'] == 'ok'" \
	"e('mount remount /usr rw', 'EPERM')" "e('mount badptr', 'EPERM')" \
	"e('mount proc', 'EPERM')" "e('umount2 /usr', 'EPERM')" \
	"e('umount2 badptr', 'EPERM')" "e('chroot /work/jail', 'EPERM')" \
	"e('chroot badptr', 'EPERM')" "e('chroot .', 'EPERM')" \
	"e('pivot_root', 'EPERM')" "e('pivot_root badptr', 'EPERM')" \
	"e('open_by_handle_at', 'EPERM')" "e('open_by_handle_at opened', '0')" \
	"e('open_by_handle_at badptr', 'EPERM')" "e('name_to_handle_at badptr', 'EPERM')" \
	"e('open /etc/shadow after', 'ENOENT')" "e('cwd after', '/')"
}
run_job F03 "$(job_from F03 f03_mount_escape.c)"
f03_checks expect F03 "mount family, chroot, pivot_root, handles: EPERM" 0
host F03

# ---- F04: hard links to setuid binaries, own setuid copy, capabilities ----
run_job F04 "$(job_from F04 f04_links_suid.sh)"
expect F04 "no hard link across the box, setuid and file caps give nothing" 0 \
	"d['status'] == 'ok'" \
	"e('ln su', 'Invalid cross-device link', 'Operation not permitted')" \
	"e('ln su tmp', 'Invalid cross-device link', 'Operation not permitted')" \
	"e('myid euid', '1000')" "e('myid ruid', '1000')" \
	"'su became root' not in o" "o['su exit'] != '0'" \
	"e('setxattr security.capability', 'EPERM')" "e('setxattr trusted.x', 'EPERM')"
host F04

# ---- F05: device nodes ----------------------------------------------------
run_job F05 "$(job_from F05 f05_devices.c)"
expect F05 "mknod refused, host devices absent" 0 \
	"d['status'] == 'ok'" \
	"e('mknod /work/sda', 'EPERM')" "e('mknod /work/mem', 'EPERM')" \
	"e('mknod /tmp/null', 'EPERM')" "e('mknod /dev/shm/mem', 'EPERM')" \
	"all(o['open ' + p] == 'ENOENT' for p in ('/dev/mem', '/dev/kmem', '/dev/port', '/dev/kmsg', '/dev/sda', '/dev/vda', '/dev/tty', '/dev/console', '/dev/kvm', '/dev/net/tun', '/dev/fuse', '/dev/loop-control'))" \
	"e('open /dev/urandom', 'OK')"
host F05

# ---- F02d: F02 and F03 in boxes cloned from a daemon's mount template ----
# In root mode a daemon worker clones its boxes from a read-only mount tree
# it built once (mnt_template.h); the first job of each worker builds its
# own root, the next ones copy the template, whose procfs lies under the
# box's.  The same checks must hold there, and the template must be used.
D=$(drop_dir F02d)
drop_snap F02d "$D"
for n in 1 2 3 4; do
	cp "$HOSTILE/f02_write_ro.c" "$D/f02_$n.c"
	cp "$HOSTILE/f03_mount_escape.c" "$D/f03_$n.c"
done
watch_once F02d "$D" 120
for n in 1 2 3 4; do
	f02_checks drop_expect F02d "job f02_$n: read-only paths refuse writes" "$D" "f02_$n.c"
	f03_checks drop_expect F02d "job f03_$n: mount family, chroot, pivot_root: EPERM" \
		"$D" "f03_$n.c"
done
templated F02d "later jobs were cloned from the template" "$D" 'f02_[234].c'
drop_expect F02d "the first job of a worker built its own root" "$D" "f02_1.c" \
	"o['proc mounts'] == '1'"
drop_host F02d "$D"

# ---- F06: traps left for the output reader (drop folder, raw_output) ------
D=$(drop_dir F06)
drop_snap F06 "$D"
cp "$HOSTILE/f06_output_traps.c" "$D/f06.c"
WCONF=$(watch_conf F06 "$D" "raw_output = true")
watch_once F06 "$D" 60
WCONF=
drop_expect F06 "output is the pipe's bytes; traps in /work are never read" "$D" f06.c \
	"d['status'] == 'ok'" "e('marker', 'F06-OUTPUT')" \
	"e('symlink output.txt', 'OK')" "e('mkfifo /work/f06.c.stdout', 'OK')" \
	"e('link /etc/passwd', 'EXDEV')" "e('link /usr/bin/python3', 'EXDEV')" \
	"open('$D/f06.c.stdout').read() == out" \
	"os.lstat('$D/f06.c.stdout').st_nlink == 1" \
	"os.path.isfile('$D/f06.c.stderr') and not os.path.islink('$D/f06.c.stderr')" \
	"'root:' not in out"
only_files "$D" f06.c f06.c.result.json f06.c.stdout f06.c.stderr prev.py \
	prev.py.result.json alice-notes.txt
[ "$MS" -lt 20000 ] || bad "the daemon took $MS ms (blocked on a FIFO?)"
verdict F06 "nothing but results appears in the folder"
drop_host F06 "$D"

# ---- F07: every path the daemon touches swapped for links to canaries ------
D=$(drop_dir F07)
drop_snap F07 "$D"
cp "$HOSTILE/f07_path_swap.c" "$D/f07.c"
echo "$CANARY_ROOT" >"$D/f07.c.stdin"
chown "$ALICE_UID:$ALICE_UID" "$D/f07.c" "$D/f07.c.stdin"
WCONF=$(watch_conf F07 "$D" "raw_output = true")
watch_once F07 "$D" 60
WCONF=
drop_expect F07 "swapped paths stay inside the box; results written fresh" "$D" f07.c \
	"d['status'] == 'ok'" "e('marker', 'F07-RAN')" \
	"e('swap /work/.cylo-exe', 'OK')" "e('swap /work/f07.c', 'OK')" \
	"e('swap /work/.cylo/claims/f07.c', 'OK')" \
	"e('link $CANARY_ROOT', 'ENOENT')" \
	"os.lstat('$D/f07.c.stdout').st_uid == $ALICE_UID" \
	"open('$D/f07.c.stdout').read() == out"
only_files "$D" f07.c f07.c.stdin f07.c.result.json f07.c.stdout f07.c.stderr \
	prev.py prev.py.result.json alice-notes.txt
[ -z "$(find "$D/.cylo" -type l -o -type p)" ] || bad "links or FIFOs in $D/.cylo"
verdict F07 "the folder and cylo's state hold no trap"
drop_host F07 "$D"
