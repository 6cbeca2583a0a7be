#!/bin/sh
# tests/security/fds.sh - SECURITY.md rows D01-D03: leaked descriptors and
# directories, the environment, and writes to the job's input.
. "$(dirname "$0")/lib.sh"

# ---- D01: inherited fds, cwd and root ---------------------------------------
# cylo itself holds directory fds, sockets, pipes and memfds when it
# clones the box; none may reach the job.
run_job D01 "$(job_from D01 d01_leaked_fds.c)"
expect D01 "only stdin (read-only), stdout and stderr (pipes); cwd /work, root /" 0 \
	"d['status'] == 'ok'" "e('open fds', '3')" \
	"o['fd 0'] in ('/dev/null', 'memfd')" "e('fd 0 flags', 'ro')" \
	"e('fd 1', 'pipe')" "e('fd 2', 'pipe')" "e('fd 1 flags', 'wo')" "e('fd 2 flags', 'wo')" \
	"e('directory fds', '0')" "e('socket fds', '0')" \
	"all(o['fd %d fchdir' % i] == 'ENOTDIR' for i in range(3))" \
	"all(o['fd %d openat ..' % i] == 'ENOTDIR' for i in range(3))" \
	"e('cwd link', '/work')" "e('root link', '/')" "e('getcwd', '/work')" \
	"'unreachable' not in out"
host D01
# The same with stdin from a file (a private sealed copy).
f=$(job_from D01b d01_leaked_fds.c)
echo "some input" >"$f.stdin"
run_job D01b "$f"
expect D01 "stdin from a file: a private read-only copy" 0 \
	"d['status'] == 'ok'" "e('open fds', '3')" "e('fd 0', 'memfd')" \
	"e('fd 0 flags', 'ro')" "e('getcwd', '/work')"
host D01

# ---- D02: the environment -----------------------------------------------------
# cylo's own environment carries secrets; the job sees only its own.
SECRET_TOKEN=cylo-sec-secret-$$ SUDO_USER=alice SUDO_UID=1234 \
	DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/0/bus SSH_AUTH_SOCK=/tmp/ssh-x/agent \
	AWS_SECRET_ACCESS_KEY=cylo-sec-aws-$$ CYLO_SOCKET=/run/cylo/cylo.sock
export SECRET_TOKEN SUDO_USER SUDO_UID DBUS_SESSION_BUS_ADDRESS SSH_AUTH_SOCK \
	AWS_SECRET_ACCESS_KEY CYLO_SOCKET
f=$(manifest D02 d02_env.sh 'env = {"FOO=bar"}')
run_job D02 "$f"
unset SECRET_TOKEN SUDO_USER SUDO_UID DBUS_SESSION_BUS_ADDRESS SSH_AUTH_SOCK \
	AWS_SECRET_ACCESS_KEY CYLO_SOCKET
expect D02 "only PATH, HOME=/work, LANG, TMPDIR, USER and the manifest's" 0 \
	"d['status'] == 'ok'" \
	"set(k[4:] for k in o if k.startswith('env ')) <= {'PATH', 'HOME', 'LANG', 'TMPDIR', 'USER', 'FOO', 'PWD', 'SHLVL', '_'}" \
	"e('env HOME', '/work')" "e('env TMPDIR', '/tmp')" "e('env FOO', 'bar')" \
	"e('env USER', 'cylo')" "'/work' not in o['env PATH'] and '.' not in o['env PATH'].split(':')" \
	"set(o['python env'].split(',')) <= {'PATH', 'HOME', 'LANG', 'TMPDIR', 'USER', 'FOO', 'PWD', 'SHLVL', '_'}" \
	"'cylo-sec-' not in out and 'SUDO' not in out and 'alice' not in out and '$TMPROOT' not in out"
host D02

# ---- D03: write to stdin; the drop-folder original is untouched ---------------
D=$(drop_dir D03)
cp "$HOSTILE/d03_stdin_write.c" "$D/d03.c"
printf 'original input\n' >"$D/d03.c.stdin"
chown "$ALICE_UID:$ALICE_UID" "$D/d03.c" "$D/d03.c.stdin"
sec snap "$TMPROOT/dsnap.D03" "$D/prev.py" "$D/prev.py.result.json" \
	"$D/alice-notes.txt" "$D/d03.c.stdin"
watch_once D03 "$D" 60
drop_expect D03 "stdin is read-only and sealed" "$D" d03.c \
	"d['status'] == 'ok'" "e('write 0', 'EBADF')" \
	"e('ftruncate 0', 'EINVAL', 'EBADF')" "e('fchmod 0', 'EPERM')" \
	"e('fchown 0', 'EPERM', 'EINVAL')" "e('fallocate 0', 'EBADF')" \
	"o['reopen rw'] != 'OK' or o['reopen write'] == 'EPERM'" \
	"o['reopen rw'] != 'OK' or o['reopen ftruncate'] == 'EPERM'" \
	"e('stdin', 'original input')"
only_files "$D" d03.c d03.c.stdin d03.c.result.json prev.py prev.py.result.json alice-notes.txt
verdict D03 "nothing new in the folder"
drop_host D03 "$D"
