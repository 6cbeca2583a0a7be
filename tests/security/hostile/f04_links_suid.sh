# F04: hard-link a setuid host binary into /work, make our own setuid
# copy and run it, set a file capability.  Prints "WHAT: OUTCOME" lines.
cd /work || exit 1
if ln /usr/bin/su /work/su 2>/work/err; then echo "ln su: OK"; else
	echo "ln su: $(sed 's/.*: //' /work/err)"; fi
if ln /usr/bin/su /tmp/su 2>/work/err; then echo "ln su tmp: OK"; else
	echo "ln su tmp: $(sed 's/.*: //' /work/err)"; fi
# Our own binary, setuid: the mount is nosuid and the owner is the job.
cp /usr/bin/id /work/myid && chmod 4755 /work/myid && echo "chmod 4755: OK"
echo "myid mode: $(stat -c %a /work/myid)"
echo "myid euid: $(/work/myid -u)"
echo "myid ruid: $(/work/myid -ru)"
# su itself (setuid root on the host) runs unprivileged: nosuid + no_new_privs.
su -c 'id -u' root </dev/null >/work/out 2>&1
echo "su exit: $?"
grep -q '^0$' /work/out && echo "su became root: YES"
echo "su said: $(tr '\n' ' ' </work/out | sed 's/: / /g')"
python3 -c '
import errno, os
for name, val in (("security.capability", b"\x01\x00\x00\x02\xff\xff\xff\xff\x00\x00\x00\x00\xff\xff\xff\xff\x00\x00\x00\x00"),
                  ("trusted.x", b"1"), ("security.evil", b"1"), ("user.note", b"1")):
    try:
        os.setxattr("/work/myid", name, val)
        print("setxattr %s: OK" % name)
    except OSError as e:
        print("setxattr %s: %s" % (name, errno.errorcode[e.errno]))
'
