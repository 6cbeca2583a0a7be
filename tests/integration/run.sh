#!/bin/sh
# tests/integration/run.sh - `cylo run` on manifests (SPEC §3) and on bad
# input, the result document (SPEC §4), and the small commands: check,
# langs, doctor, --version, --help, help CMD.
. "$(dirname "$0")/../lib.sh"

CONF=$TOP/etc/cylo.conf
J=$TMPROOT/jobs
mkdir -p "$J"

# A variable of the daemon's environment that no job may see.
SECRET_TOKEN=cylo-test-secret-$$
export SECRET_TOKEN

. "$(dirname "$0")/run_lib.sh"

# bad_job NAME LINE KEY [EXPR...]: J/NAME.job (written by the caller) is
# invalid_job, names LINE and KEY, and ran nothing.
bad_job() {
	bn=$1 line=$2 key=$3
	shift 3
	run_case "run/invalid/$bn" 125 "$J/$bn.job" "d['status'] == 'invalid_job'" \
		"names('$key', $line)" "d['stdout'] == ''" "d.get('exit_code') is None" \
		"d['execution_time_ms'] is None and d['cpu_time_ms'] is None" "$@"
}

# ---- a manifest with inline code and every key of SPEC §3 ---------------
cat >"$J/full.job" <<'EOF'
# Every scalar key of the manifest.
language = "python"
main = "prog.py"
code = "import json, os, sys\nprint(json.dumps({'argv': sys.argv[1:], 'env': dict(os.environ), 'stdin': sys.stdin.read(), 'cwd': os.getcwd(), 'files': sorted(os.listdir('.'))}))\n"
args = {"one", "two words", "--three"}
stdin = "line 1\nline 2\n"
env = {"FOO=bar", "GREETING=hello world"}
timeout = 5
cpu_time = 4.5
memory = 128
processes = 16
output_limit = 128
compile_timeout = 20
compile_memory = 512
EOF
# cylo's own environment: the secret, a marker, and a variable a runtime
# would honour (PYTHONUNBUFFERED is not in python's configured env).
RUNENV="env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=$TMPROOT SECRET_TOKEN=$SECRET_TOKEN
	CYLO_TEST_MARK=mark-$$ PYTHONUNBUFFERED=1 LC_CTYPE=C.UTF-8"
run_case run/manifest/inline-every-key 0 "$J/full.job" \
	"d['status'] == 'ok'" "d['language'] == 'python'" \
	"(o := json.loads(d['stdout'])) is not None" \
	"o['argv'] == ['one', 'two words', '--three']" \
	"o['stdin'] == 'line 1\nline 2\n'" \
	"o['env'].get('FOO') == 'bar'" "o['env'].get('GREETING') == 'hello world'" \
	"'SECRET_TOKEN' not in o['env']" \
	"'cylo-test-secret' not in d['stdout']" \
	"not [k for k in ('SECRET_TOKEN', 'CYLO_TEST_MARK', 'PYTHONUNBUFFERED', 'LC_CTYPE') if k in o['env']]" \
	"o['env'].get('HOME') != '$TMPROOT'" "len(o['env']) <= 16" \
	"'prog.py' in o['files']" \
	"d['limits']['timeout'] == 5" "d['limits']['cpu_time'] == 4.5" \
	"d['limits']['memory'] == 128" "d['limits']['processes'] == 16" \
	"d['limits']['output_limit'] == 128" "d['limits']['compile_timeout'] == 20" \
	"d['limits']['compile_memory'] == 512"
RUNENV=

# stdin_file needs a workspace file: a manifest with inline code and a directory.
mkdir "$J/withfile"
printf '3 4\n' >"$J/withfile/numbers.txt"
cat >"$J/withfile.job" <<'EOF'
language = "bash"
code = "read a b\necho \"product: $((a * b))\"\n"
stdin_file = "numbers.txt"
EOF
run_case run/manifest/stdin-file 0 "$J/withfile.job" \
	"d['status'] == 'ok'" "d['stdout'] == 'product: 12\n'"

# No main: the code lands in the language's default file; no language:
# inferred from main.
printf 'language = "bash"\ncode = "echo default main; ls"\n' >"$J/nomain.job"
run_case run/manifest/default-main 0 "$J/nomain.job" \
	"d['status'] == 'ok'" "d['stdout'].startswith('default main\n')" \
	"len(d['stdout'].splitlines()) == 2"
printf 'main = "m.rb"\ncode = "puts 6 * 7"\n' >"$J/infer.job"
run_case run/manifest/language-from-main 0 "$J/infer.job" \
	"d['status'] == 'ok'" "d['language'] == 'ruby'" "d['stdout'] == '42\n'"

# Inline code whose main is in a directory gets the directories its job
# directory lacks; an entry in the way is the manifest's error (both were
# sandbox_error, the box failing to unpack the job's files).
printf 'language = "sh"\nmain = "a/b/c.sh"\ncode = "cat s/other"\n' >"$J/deep.job"
mkdir -p "$J/deep/s"
echo beside >"$J/deep/s/other"
run_case run/manifest/code-in-a-directory 0 "$J/deep.job" \
	"d['status'] == 'ok'" "d['stdout'] == 'beside\n'"
printf 'language = "sh"\nmain = "x/c.sh"\ncode = "echo no"\n' >"$J/inway.job"
mkdir "$J/inway"
: >"$J/inway/x"
run_case run/manifest/code-with-a-file-in-the-way 125 "$J/inway.job" \
	"d['status'] == 'invalid_job'" \
	"d['error'].startswith('inway.job:3: code:') and \"way of 'x/c.sh'\" in d['error']"
printf 'language = "sh"\nmain = "c.sh"\ncode = "echo no"\n' >"$J/dirway.job"
mkdir -p "$J/dirway/c.sh"
run_case run/manifest/code-with-a-directory-in-the-way 125 "$J/dirway.job" \
	"d['status'] == 'invalid_job'" "d['error'].startswith('dirway.job:3: code:')"

# A job directory of more files than /work holds (64 a MiB): the job's
# fault, so invalid_job naming workspace, not the sandbox's error.
mkdir "$J/many"
(cd "$J/many" && seq 1 5000 | xargs touch)
printf 'language = "sh"\ncode = "ls | wc -l"\n' >"$J/many.job"
run_case run/manifest/files-over-the-workspace 125 "$J/many.job" \
	"d['status'] == 'invalid_job'" "d['error'].startswith('workspace: ')"

# ---- a manifest with a NAME/ directory: helper module + main ------------
mkdir -p "$J/proj/data"
cat >"$J/proj/helper.py" <<'EOF'
def greet(who):
    return "hello " + who + " from a helper"
EOF
cat >"$J/proj/main.py" <<'EOF'
import sys
import helper
print(helper.greet(sys.argv[1]))
print(open("data/note.txt").read().strip())
print(sys.stdin.read().strip())
EOF
echo "a note" >"$J/proj/data/note.txt"
cat >"$J/proj.job" <<'EOF'
language = "python"
main = "main.py"
args = {"grader"}
stdin = "piped"
EOF
run_case run/manifest/directory 0 "$J/proj.job" \
	"d['status'] == 'ok'" "d['job'] == 'proj.job'" \
	"d['stdout'] == 'hello grader from a helper\na note\npiped\n'"

mkdir "$J/cproj"
printf '#define ANSWER 42\nstatic inline int twice(int x) { return 2 * x; }\n' >"$J/cproj/calc.h"
printf '#include <stdio.h>\n#include "calc.h"\n\nint main(void)\n{\n\tprintf("%%d\\n", twice(ANSWER));\n\treturn 0;\n}\n' >"$J/cproj/prog.c"
printf 'language = "c"\nmain = "prog.c"\n' >"$J/cproj.job"
run_case run/manifest/directory-c 0 "$J/cproj.job" \
	"d['status'] == 'ok'" "d['stdout'] == '84\n'" "d['compile'] is not None" \
	"d['compile']['exit_code'] == 0"

# Several source files: C, C++ and Go compile every file of the job in the
# language ({sources}), as DOMjudge and Kattis do, not {main} alone ("undefined
# reference to add").  A file under a hidden directory is no source.
mkdir -p "$J/cmulti/lib" "$J/cmulti/.scratch" "$J/gomulti"
printf '#include <stdio.h>\n#include "lib/util.h"\nint main(void) { printf("%%d\\n", add(2, 3)); return 0; }\n' >"$J/cmulti/main.c"
printf 'int add(int a, int b);\n' >"$J/cmulti/lib/util.h"
printf '#include "util.h"\nint add(int a, int b) { return a + b; }\n' >"$J/cmulti/lib/util.c"
printf 'this is not C\n' >"$J/cmulti/.scratch/old.c"
printf 'language = "c"\nmain = "main.c"\n' >"$J/cmulti.job"
run_case run/manifest/several-c-files 0 "$J/cmulti.job" "d['status'] == 'ok'" "d['stdout'] == '5\n'"
# Go builds main's package ({maindir}): its other files, a package of a
# subdirectory it imports, and not a file its build constraint leaves out
# (files named to go build are all built, constraints or not).
mkdir -p "$J/gomulti/util"
printf 'package main\n\nimport (\n\t"fmt"\n\t"./util"\n)\n\nfunc main() { fmt.Println(add(4, util.Five())) }\n' >"$J/gomulti/main.go"
printf 'package main\n\nfunc add(a, b int) int { return a + b }\n' >"$J/gomulti/add.go"
printf 'package util\n\nfunc Five() int { return 5 }\n' >"$J/gomulti/util/util.go"
printf '//go:build ignore\n\npackage main\n\nfunc main() {}\n' >"$J/gomulti/gen.go"
printf 'language = "go"\nmain = "main.go"\n' >"$J/gomulti.job"
run_case run/manifest/several-go-files 0 "$J/gomulti.job" "d['status'] == 'ok'" "d['stdout'] == '9\n'"
# Not the job's stdin_file, though it ends in .c; a name starting with
# '@' is a file, not gcc's response file.
mkdir -p "$J/cin"
printf '#include <stdio.h>\nint main(void) { int a, b; if (scanf("%%d %%d", &a, &b) != 2) return 2; printf("%%d\\n", a + b); return 0; }\n' >"$J/cin/main.c"
printf '3 4\n' >"$J/cin/sample.c"
printf 'static int unused_helper(void) { return 1; }\n' >"$J/cin/@extra.c"
printf 'language = "c"\nmain = "main.c"\nstdin_file = "sample.c"\n' >"$J/cin.job"
run_case run/manifest/stdin-file-is-no-source 0 "$J/cin.job" "d['status'] == 'ok'" "d['stdout'] == '7\n'"
# More source files than a command may have words: the job's doing, not cylo's.
mkdir -p "$J/manyc"
printf 'int main(void) { return 0; }\n' >"$J/manyc/main.c"
(cd "$J/manyc" && seq 4100 | sed 's/$/.c/' | xargs touch)
printf 'language = "c"\nmain = "main.c"\n' >"$J/manyc.job"
run_case run/manifest/too-many-sources 125 "$J/manyc.job" "d['status'] == 'invalid_job'" \
	"'more than 4096 words' in d['error']"

# ---- an archive with a cylo.job manifest --------------------------------
# The manifest's main and stdin_file are looked up in the archive's files.
mkdir -p "$J/arcm/src" "$J/arcbad" "$J/arcdup"
printf 'main = "src/prog.py"\nstdin_file = "in.txt"\nargs = {"a1"}\n' >"$J/arcm/cylo.job"
printf 'import sys\nprint("archived", sys.argv[1], sys.stdin.read().strip())\n' \
	>"$J/arcm/src/prog.py"
echo "from-file" >"$J/arcm/in.txt"
tar -C "$J/arcm" -cf "$J/arcm.tar" cylo.job src in.txt
run_case run/archive/manifest 0 "$J/arcm.tar" \
	"d['status'] == 'ok'" "d['stdout'] == 'archived a1 from-file\n'"
printf 'language = "python"\n\nmain = "absent.py"\n' >"$J/arcbad/cylo.job"
echo 'print(1)' >"$J/arcbad/other.py"
tar -C "$J/arcbad" -cf "$J/arcbad.tar" cylo.job other.py
run_case run/archive/manifest-main-missing 125 "$J/arcbad.tar" \
	"d['status'] == 'invalid_job'" "names('main', 3)" "'absent.py' in d['error']"
printf 'language = "python"\ncode = "print(2)"\n' >"$J/arcdup/cylo.job"
echo 'print(1)' >"$J/arcdup/main.py"
tar -C "$J/arcdup" -cf "$J/arcdup.tar" cylo.job main.py
run_case run/archive/manifest-code-and-main 125 "$J/arcdup.tar" \
	"d['status'] == 'invalid_job'" "names('code', 2)"

# ---- an archive without a manifest: what to run is inferred -------------
# Two main files are ambiguous: refused, naming both, not one picked by
# the order of the entries.
mkdir -p "$J/arc2main" "$J/arc1main"
echo 'print("py")' >"$J/arc2main/main.py"
printf '#include <stdio.h>\nint main(void) { puts("c"); return 0; }\n' >"$J/arc2main/main.c"
tar -C "$J/arc2main" -cf "$J/arc2main.tar" main.py main.c
run_case run/archive/two-mains 125 "$J/arc2main.tar" \
	"d['status'] == 'invalid_job'" "'main.py' in d['error']" "'main.c' in d['error']" \
	"'cylo.job' in d['error']"
echo 'print("py")' >"$J/arc1main/main.py"
echo 'print("helper")' >"$J/arc1main/helper.py"
tar -C "$J/arc1main" -cf "$J/arc1main.tar" helper.py main.py
run_case run/archive/main-among-sources 0 "$J/arc1main.tar" \
	"d['status'] == 'ok'" "d['language'] == 'python'" "d['stdout'] == 'py\n'"

# ---- archives whose headers say their names are UTF-8 -------------------
# A pax tar and a zip with the UTF-8 flag (what Python and most tools now
# write): libarchive converts those names to the extractor's locale, so a
# non-ASCII name works only if the extractor runs in a UTF-8 one.
python3 - "$J" <<'PY'
import io, sys, tarfile, zipfile
d = sys.argv[1]
files = {"main.py": 'print(open("d\u00e9j\u00e0.txt").read().strip())\n'.encode(),
         "d\u00e9j\u00e0.txt": "caf\u00e9\n".encode()}
with tarfile.open(d + "/utf8pax.tar", "w", format=tarfile.PAX_FORMAT) as t:
    for name, data in files.items():
        info = tarfile.TarInfo(name)
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
with zipfile.ZipFile(d + "/utf8flag.zip", "w") as z:
    for name, data in files.items():
        z.writestr(name, data)
# A decomposed name (e + U+0301, as macOS writes it) reaches the job
# composed (NFC): libarchive's conversion, documented in the README.
with tarfile.open(d + "/nfd.tar", "w", format=tarfile.PAX_FORMAT) as t:
    for name, data in (("main.py", b'import os\nprint([n for n in os.listdir(".") if n != "main.py"])\n'),
                       ("e\u0301.txt", b"")):
        info = tarfile.TarInfo(name)
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
PY
run_case run/archive/utf8-pax 0 "$J/utf8pax.tar" \
	"d['status'] == 'ok'" "d['stdout'] == 'caf\u00e9\n'"
run_case run/archive/utf8-zip 0 "$J/utf8flag.zip" \
	"d['status'] == 'ok'" "d['stdout'] == 'caf\u00e9\n'"
run_case run/archive/utf8-nfc 0 "$J/nfd.tar" \
	"d['status'] == 'ok'" "d['stdout'] == \"['\u00e9.txt']\n\""

# An archive is refused past 32 levels and 10000 files and directories,
# as documented, and those the paths imply count (3000 files, 9000
# directories): the packer inside the extraction box stopped at 16
# levels, and at 10000 with the implied directories, with "cannot be
# packed (-7)".
python3 - "$J" <<'PY'
import io, sys, tarfile
d = sys.argv[1]
def tar(name, files):
    with tarfile.open(d + "/" + name, "w:gz" if name.endswith(".gz") else "w") as t:
        for path, data in files:
            info = tarfile.TarInfo(path)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
main = ("main.py", b"import os\nprint(sum(len(f) for _, _, f in os.walk('.')))\n")
tar("deep31.tar", [main, ("/".join(["d"] * 31) + "/f", b"x")])
tar("deep33.tar", [main, ("/".join(["d"] * 33) + "/f", b"x")])
tar("implied.tar.gz", [main] + [("a%d/b/c/f" % i, b"") for i in range(3000)])
PY
run_case run/archive/32-levels 0 "$J/deep31.tar" "d['status'] == 'ok'" "d['stdout'] == '2\n'"
run_case run/archive/over-32-levels 125 "$J/deep33.tar" "d['status'] == 'invalid_job'" \
	"'more than 32 path components' in d['error'] or 'levels' in d['error']"
# (A workspace of 256 MiB holds more than 10000 inodes; 64 MiB holds fewer.)
printf 'defaults {\n\tworkspace = 256\n}\n' >"$TMPROOT/ws256.conf"
COPT="-c $TMPROOT/ws256.conf" run_case run/archive/implied-directories-count 125 "$J/implied.tar.gz" \
	"d['status'] == 'invalid_job'" \
	"'more than 10000 files and directories (counting those its paths imply)' in d['error']"

# ---- orphans are reaped while the stage runs ----------------------------
# 150 short-lived orphans under a limit of 32 processes: the box's init
# reaps them as they die, so their zombies never fill pids.max.
cat >"$J/orphans.job" <<'EOF'
language = "bash"
code = "for i in $(seq 150); do ( /bin/true & ); done; echo done"
processes = 32
timeout = 10
EOF
run_case run/limits/orphans-reaped 0 "$J/orphans.job" \
	"d['status'] == 'ok'" "d['stdout'] == 'done\n'" "'fork' not in d['stderr']"

# ---- the stack: the memory limit, not the daemon's ----------------------
# A recursion 1e6 deep (about 70 MiB of stack) runs, as on Kattis and
# DOMjudge, where cgroups bound memory: it died of SIGSEGV at the 8 MiB
# the daemon happened to have.  A daemon started with an unlimited stack
# does not pass that on either.  Under rlimits only, 8 MiB (each thread's
# stack takes that much of RLIMIT_AS), the memory limit as the hard one.
cat >"$J/deep.c" <<'EOF'
#include <stdio.h>
static long depth(long n)
{
	volatile char pad[64];

	pad[0] = (char)(n & 1);
	return n ? depth(n - 1) + pad[0] : 0;
}
int main(void) { printf("%ld\n", depth(1000000)); return 0; }
EOF
run_case run/limits/deep-recursion 0 "$J/deep.c" \
	"d['limits']['enforced_by'] == 'rlimit' or d['status'] == 'ok'" \
	"d['limits']['enforced_by'] == 'rlimit' or d['stdout'] == '500000\n'"
printf 'language = "python"\nmemory = 200\ncode = "import resource\nprint(*resource.getrlimit(resource.RLIMIT_STACK))"\n' \
	>"$J/stack.job"
RUNENV="prlimit --stack=unlimited" run_case run/limits/stack-is-memory 0 "$J/stack.job" \
	"d['stdout'] == '209715200 209715200\n' or d['limits']['enforced_by'] == 'rlimit'"
# ... and no higher than the daemon's hard limit, which a stage cannot
# raise (a container's --ulimit stack=8M:8M made every job a sandbox_error).
RUNENV="prlimit --stack=8388608:8388608" run_case run/limits/stack-within-a-hard-limit 0 \
	"$J/stack.job" "d['status'] == 'ok'" "d['stdout'] == '8388608 8388608\n'"
printf 'sandbox {\n\tcgroups = "none"\n}\n' >"$TMPROOT/norl.conf"
COPT="-c $TMPROOT/norl.conf" RUNENV="prlimit --stack=unlimited" \
	run_case run/limits/stack-under-rlimits 0 "$J/stack.job" \
	"d['limits']['enforced_by'] == 'rlimit'" "d['stdout'] == '8388608 209715200\n'"

# ---- cpu_time without cgroups ----------------------------------------------
# RLIMIT_CPU is per process and in whole seconds: 1.6 s of CPU passed a
# cpu_time of 1.1, and so did a chain of processes that each burnt 0.6 s
# and handed on to a child (the orphans' CPU was not even counted).  The
# init now counts every process of the stage, as a cgroup does.
cat >"$J/chain.c" <<'EOF'
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static void burn(double s)
{
	clock_t end = clock() + (clock_t)(s * CLOCKS_PER_SEC);

	while (clock() < end)
		;
}

int main(int argc, char **argv)
{
	int n = atoi(argv[1]), p[2];
	char c;

	if (pipe(p) < 0)
		return 2;
	for (int i = 0; i < n; i++) {
		pid_t k = fork();

		if (k < 0)
			return 2;
		if (k > 0 && i > 0)
			_exit(0);	/* a link of the chain hands on */
		if (k == 0) {
			close(p[0]);
			burn(n == 1 ? 1.6 : 0.6);
			continue;
		}
		close(p[1]);		/* the stage's process waits for the end */
		while (read(p[0], &c, 1) > 0)
			;
		return 0;
	}
	return 0;
}
EOF
mkdir -p "$J/cpu1" "$J/cpu3"
cp "$J/chain.c" "$J/cpu1/"
mv "$J/chain.c" "$J/cpu3/"
printf 'language = "c"\nmain = "chain.c"\nargs = { "1" }\ncpu_time = 1.1\ntimeout = 8\n' >"$J/cpu1.job"
printf 'language = "c"\nmain = "chain.c"\nargs = { "3" }\ncpu_time = 1\ntimeout = 8\n' >"$J/cpu3.job"
COPT="-c $TMPROOT/norl.conf" run_case run/limits/cpu-time-under-rlimits 124 "$J/cpu1.job" \
	"d['limits']['enforced_by'] == 'rlimit'" "d['status'] == 'timeout'" \
	"d['cpu_time_ms'] > 1100"
COPT="-c $TMPROOT/norl.conf" run_case run/limits/cpu-time-of-orphans-under-rlimits 124 "$J/cpu3.job" \
	"d['limits']['enforced_by'] == 'rlimit'" "d['status'] == 'timeout'" \
	"d['cpu_time_ms'] > 1000"

# ---- memory that RLIMIT_AS does not see -------------------------------------
# Pages of a memfd file or a SysV segment, and SysV messages and
# semaphores, need no mapping, so RLIMIT_AS never counts them: a job held
# 2 GB of the host's memory in memfds under memory = 64.  Without cgroups
# the calls are refused; with them the memory is the job's, and all work.
mkdir -p "$J/unmapped"
cat >"$J/unmapped/um.c" <<'EOF'
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

int main(void)
{
	int m = memfd_create("x", 0), em = errno;
	int s = shmget(IPC_PRIVATE, 1 << 20, IPC_CREAT | 0600), es = errno;
	int q = msgget(IPC_PRIVATE, IPC_CREAT | 0600), eq = errno;
	int k = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600), ek = errno;

	printf("memfd %s shm %s msg %s sem %s\n", m < 0 ? strerrorname_np(em) : "OK",
	       s < 0 ? strerrorname_np(es) : "OK", q < 0 ? strerrorname_np(eq) : "OK",
	       k < 0 ? strerrorname_np(ek) : "OK");
	return 0;
}
EOF
printf 'language = "c"\nmain = "um.c"\n' >"$J/unmapped.job"
COPT="-c $TMPROOT/norl.conf" run_case run/limits/unmapped-memory-refused-under-rlimits 0 \
	"$J/unmapped.job" "d['limits']['enforced_by'] == 'rlimit'" \
	"d['stdout'] == 'memfd EPERM shm EPERM msg EPERM sem EPERM\n'"
run_case run/limits/unmapped-memory-with-cgroups 0 "$J/unmapped.job" \
	"d['limits']['enforced_by'] == 'rlimit' or d['stdout'] == 'memfd OK shm OK msg OK sem OK\n'"

# ---- the job's CPU time is the job's --------------------------------------
# 60 MiB of output cost little CPU in the job and some in cylo, which reads
# it.  On cgroup v1 cylo's thread shares the box's group: its own CPU must
# not count as the job's (it made cpu_time_ms three times the job's own,
# and a tight cpu_time a timeout).  The job reports its own CPU (its
# process, from before its exec) on stderr; the result may add the init's.
cat >"$J/bigout.job" <<'EOF'
language = "python"
code = "import os, resource, sys\nb = b'x' * (1 << 20)\nfor i in range(60):\n    os.write(1, b)\nr = resource.getrusage(resource.RUSAGE_SELF)\nsys.stderr.write('%.1f' % ((r.ru_utime + r.ru_stime) * 1000))\n"
output_limit = 65536
EOF
run_case run/cpu-time-is-the-jobs 0 "$J/bigout.job" "d['status'] == 'ok'" \
	"len(d['stdout']) == 60 << 20" "d['cpu_time_ms'] <= float(d['stderr']) + 20"

# ---- the --json document -----------------------------------------------
printf 'echo "to out"\necho "to err" >&2\n' >"$TMPROOT/doc.sh"
touch -d '2001-02-03 04:05:06.123456789' "$TMPROOT/doc.sh"
run_case run/json/every-field 0 "$TMPROOT/doc.sh" \
	"not [k for k in ('schema', 'job', 'input', 'language', 'status', 'exit_code', 'signal', 'stdout', 'stderr', 'stdout_truncated', 'stderr_truncated', 'timeout', 'memory_exceeded', 'execution_time_ms', 'cpu_time_ms', 'memory_used_kb', 'memory_used_mb', 'compile', 'tests', 'score', 'limits', 'worker', 'host', 'queued_at', 'started_at', 'finished_at', 'error') if k not in d]" \
	"sorted(d['input']) == ['dev', 'ino', 'mtime_ns', 'size']" \
	"d['schema'] == 1" "d['job'] == 'doc.sh'" "d['language'] == 'bash'" \
	"d['status'] == 'ok'" "d['exit_code'] == 0" "d['signal'] is None" \
	"d['stdout'] == 'to out\n'" "d['stderr'] == 'to err\n'" \
	"d['stdout_truncated'] is False" "d['stderr_truncated'] is False" \
	"d['timeout'] is False" "d['memory_exceeded'] is False" \
	"d['execution_time_ms'] > 0" "d['cpu_time_ms'] >= 0" \
	"d['memory_used_kb'] > 0" "abs(d['memory_used_mb'] - d['memory_used_kb'] / 1024) < 0.01" \
	"d['compile'] is None" "d['tests'] is None" "d['score'] is None" \
	"isinstance(d['limits'], dict) and d['limits']['enforced_by'] in ('cgroup2', 'cgroup1', 'rlimit')" \
	"d['host'] == os.uname().nodename" "d['error'] is None" \
	"rfc3339(d['queued_at']) <= rfc3339(d['started_at']) <= rfc3339(d['finished_at'])" \
	"abs((rfc3339(d['finished_at']) - datetime.datetime.now(datetime.timezone.utc)).total_seconds()) < 60" \
	"d['input'] == ident('$TMPROOT/doc.sh')"

printf 'printf "a\\377b \\303\\251\\n"\n' >"$TMPROOT/utf.sh"
run_case run/json/non-utf8-replaced 0 "$TMPROOT/utf.sh" \
	"d['status'] == 'ok'" "d['stdout'] == 'a\ufffdb \u00e9\n'" \
	"raw.decode('utf-8') is not None"

# ---- bad input ---------------------------------------------------------
printf '# unknown language\nlanguage = "cobol"\ncode = "DISPLAY 1."\n' >"$J/unknown-language.job"
bad_job unknown-language 2 language "'cobol' in d['error']"

printf 'language = "python"\ncode = "print(1)"\ntmeout = 3\n' >"$J/misspelled-key.job"
bad_job misspelled-key 3 tmeout

printf 'language = "python"\n\ncode = "print(1)"\nmemory = "lots"\n' >"$J/wrong-type.job"
bad_job wrong-type 4 memory

printf 'language = "python"\ncode = "print(1)"\ntimeout = 2\nmemory = 999999\n' >"$J/over-maximum.job"
bad_job over-maximum 4 memory

printf 'language = "python"\ncode = "print(1)"\ntimeout = 100000\n' >"$J/over-maximum-timeout.job"
bad_job over-maximum-timeout 3 timeout

printf 'language = "python"\ncode = ""\n' >"$J/empty-code.job"
bad_job empty-code 2 code

printf 'language = "python"\nmain = "nothere.py"\n' >"$J/missing-main.job"
bad_job missing-main 2 main "'nothere.py' in d['error']"

printf 'language = "python"\ncode = "print(1)\n' >"$J/unclosed.job"
run_case run/invalid/unclosed-quote 125 "$J/unclosed.job" \
	"d['status'] == 'invalid_job'" "d['error']" "d['stdout'] == ''"

printf 'language = "python"\ninclude("/etc/passwd")\ncode = "print(1)"\n' >"$J/include.job"
run_case run/invalid/include-refused 125 "$J/include.job" \
	"d['status'] == 'invalid_job'" "'root:' not in raw.decode()" "d['stdout'] == ''"

# Input over max_input_size: a configuration with a 1 KiB ceiling.
if [ -f "$CONF" ]; then
	grep -v '^max_input_size' "$CONF" >"$TMPROOT/small.conf"
else
	: >"$TMPROOT/small.conf"
fi
echo 'max_input_size = "1k"' >>"$TMPROOT/small.conf"
mkdir "$TMPROOT/size"
python3 -c 'print("# " + "x" * 2000); print("print(1)")' >"$TMPROOT/size/big.py"
echo 'print("small")' >"$TMPROOT/size/small.py"
COPT="-c $TMPROOT/small.conf"
run_case run/invalid/over-max-input-size 125 "$TMPROOT/size/big.py" \
	"d['status'] == 'invalid_job'" "'max_input_size' in d['error']" "d['stdout'] == ''"
run_case run/max-input-size-allows-small 0 "$TMPROOT/size/small.py" \
	"d['status'] == 'ok'" "d['stdout'] == 'small\n'"
COPT=

# An input within max_input_size but over the workspace is the submitter's
# problem (invalid_job), not cylo's (internal_error).
printf 'max_input_size = "4M"\ndefaults {\n  workspace = 1\n}\n' >"$TMPROOT/ws.conf"
python3 -c 'print("# " + "x" * 1200000); print("print(1)")' >"$TMPROOT/size/huge.py"
COPT="-c $TMPROOT/ws.conf"
run_case run/invalid/over-workspace 125 "$TMPROOT/size/huge.py" \
	"d['status'] == 'invalid_job'" "'workspace' in d['error']" "d['stdout'] == ''"
COPT=

# A symlinked input is never followed: /etc/shadow must not leak.
mkdir "$TMPROOT/links"
ln -s /etc/shadow "$TMPROOT/links/x.py"
run_case run/invalid/symlink-shadow 125 "$TMPROOT/links/x.py" \
	"d['status'] == 'invalid_job'" "d['error']" "d['stdout'] == '' and d['stderr'] == ''" \
	"not [l for l in open('/etc/shadow').read().splitlines() if l.strip() and l in raw.decode()]"
"$CYLO" run "$TMPROOT/links/x.py" >"$TMPROOT/shadow.txt" 2>&1
if python3 -c 'import sys
t = open(sys.argv[1], errors="replace").read()
sys.exit(any(l.strip() and l in t for l in open("/etc/shadow").read().splitlines()))' "$TMPROOT/shadow.txt" &&
	grep -q invalid_job "$TMPROOT/shadow.txt"; then
	ok run/invalid/symlink-shadow-summary
else
	not_ok run/invalid/symlink-shadow-summary "$(head -c 300 "$TMPROOT/shadow.txt" | tr '\n' '|')"
fi

echo 'print("via link")' >"$TMPROOT/links/real.txt"
ln -s real.txt "$TMPROOT/links/y.py"
run_case run/invalid/symlink-to-regular 125 "$TMPROOT/links/y.py" \
	"d['status'] == 'invalid_job'" "'via link' not in d['stdout']"

mkfifo "$TMPROOT/links/f.py"
run_case run/invalid/fifo 125 "$TMPROOT/links/f.py" \
	"d['status'] == 'invalid_job'" "d['error']"

echo 'print("linked")' >"$TMPROOT/links/a.py"
ln "$TMPROOT/links/a.py" "$TMPROOT/links/b.py"
run_case run/invalid/hardlink 125 "$TMPROOT/links/b.py" \
	"d['status'] == 'invalid_job'" "'link' in d['error']" "d['stdout'] == ''"

mkdir "$TMPROOT/links/dir.py"
run_case run/invalid/directory 125 "$TMPROOT/links/dir.py" "d['status'] == 'invalid_job'"

run_case run/invalid/missing-file 125 "$TMPROOT/links/nothing.py" "d['status'] == 'invalid_job'"

echo 'hello' >"$TMPROOT/links/notes.txt"
run_case run/invalid/not-a-job-name 125 "$TMPROOT/links/notes.txt" \
	"d['status'] == 'invalid_job'" "d['error']"

# ---- the human summary; exit codes as exec's -----------------------------
# summ NAME WANT_RC FILE TEXT...: `cylo run FILE` (no --json) exits WANT_RC
# and its output contains every TEXT.
summ() {
	sn=$1 want=$2 file=$3
	shift 3
	timeout 30 "$CYLO" run "$file" >"$TMPROOT/summ.out" 2>&1 </dev/null
	rc=$? why=
	[ "$rc" = "$want" ] || why="exit $rc, expected $want"
	for t in "$@"; do
		grep -qF -- "$t" "$TMPROOT/summ.out" || why="$why; no '$t'"
	done
	if [ -z "$why" ]; then ok "$sn"; else
		not_ok "$sn" "$why -- $(head -c 400 "$TMPROOT/summ.out" | tr '\n' '|')"
	fi
}
printf 'echo "summary out line"\necho "summary err line" >&2\n' >"$TMPROOT/s1.sh"
summ run/summary/ok 0 "$TMPROOT/s1.sh" ok "summary out line" "summary err line"
printf 'echo partial\nexit 3\n' >"$TMPROOT/s3.sh"
summ run/summary/runtime-error 3 "$TMPROOT/s3.sh" runtime_error partial
printf 'kill -TERM $$\nsleep 5\n' >"$TMPROOT/s15.sh"
summ run/summary/signal 143 "$TMPROOT/s15.sh" runtime_error
printf 'language = "bash"\ntimeout = 1\ncode = "while :; do :; done"\n' >"$J/loop.job"
summ run/summary/timeout 124 "$J/loop.job" timeout
summ run/summary/invalid 125 "$J/misspelled-key.job" invalid_job tmeout
printf 'int main(void) { return no_such_thing_42; }\n' >"$TMPROOT/ce.c"
summ run/summary/compile-error 1 "$TMPROOT/ce.c" compile_error no_such_thing_42

# ---- check, langs, doctor ------------------------------------------------
# cmd NAME WANT_RC ARGS...: `cylo ARGS`; stdout+stderr in $TMPROOT/cmd.out.
cmd() {
	cn=$1 want=$2
	shift 2
	timeout 60 "$CYLO" "$@" >"$TMPROOT/cmd.out" 2>&1 </dev/null
	rc=$?
	cwhy=
	[ "$rc" = "$want" ] || cwhy="exit $rc, expected $want"
}
cmd_has() { grep -qE -- "$1" "$TMPROOT/cmd.out" || cwhy="$cwhy; no /$1/"; }
cmd_end() {
	if [ -z "$cwhy" ]; then ok "$cn"; else
		not_ok "$cn" "$cwhy -- $(head -c 600 "$TMPROOT/cmd.out" | tr '\n' '|')"
	fi
}

cmd run/check/shipped-config 0 -c "$CONF" check
cmd_has '^configuration OK$'
cmd_end

cp "$CONF" "$TMPROOT/broken.conf" 2>/dev/null || : >"$TMPROOT/broken.conf"
n=$(( $(wc -l <"$TMPROOT/broken.conf") + 2 ))
printf '\nworkerz = 3\n' >>"$TMPROOT/broken.conf"
cmd run/check/unknown-key-78 78 -c "$TMPROOT/broken.conf" check
cmd_has "broken\\.conf:$n: workerz"
cmd_end

printf 'workers = "many"\n' >"$TMPROOT/type.conf"
cmd run/check/wrong-type-78 78 -c "$TMPROOT/type.conf" check
cmd_has 'type\.conf:1: workers'
cmd_end

cmd run/check/missing-file-78 78 -c "$TMPROOT/nonexistent.conf" check
cmd_has 'nonexistent\.conf'
cmd_end

# A watch path the daemon would refuse (exit 78) is refused by check too,
# every one of them, each naming its file and line: check said OK.
mkdir -p "$TMPROOT/wdir"
ln -sfn "$TMPROOT/wdir" "$TMPROOT/wlink"
printf 'workers = 1\nwatch "%s" {\n}\nwatch "%s" {\n}\nwatch "%s" {\n}\n' \
	"$TMPROOT/wdir" "$TMPROOT/wlink" "$TMPROOT/wnone" >"$TMPROOT/wpath.conf"
cmd run/check/watch-paths-78 78 -c "$TMPROOT/wpath.conf" check
cmd_has 'wpath\.conf:4: watch: ".*/wlink": Not a directory \(a watched directory must be a directory, not a symbolic link\)'
cmd_has 'wpath\.conf:6: watch: ".*/wnone": No such file or directory'
grep -q 'wpath\.conf:2' "$TMPROOT/cmd.out" && cwhy="$cwhy; the good one reported"
grep -q 'configuration OK' "$TMPROOT/cmd.out" && cwhy="$cwhy; said OK"
cmd_end
cmd run/watch/watch-path-line-78 78 -c "$TMPROOT/wpath.conf" watch --once
cmd_has 'wpath\.conf:4: watch: ".*/wlink": Not a directory'
cmd_end
printf 'watch "%s" {\n\ttmpfs = "1M"\n}\n' "$TMPROOT/wnone" >"$TMPROOT/wtmpfs.conf"
cmd run/watch/tmpfs-watch-path-line-78 78 -c "$TMPROOT/wtmpfs.conf" watch --once
cmd_has 'wtmpfs\.conf:1: watch: ".*/wnone": No such file or directory'
cmd_end

cmd run/langs 0 -c "$CONF" langs
python3 - "$TMPROOT/cmd.out" <<'PY' >"$TMPROOT/langs.why"
import sys
lines = open(sys.argv[1]).read().splitlines()
head = next((l.split() for l in lines if "INSTALLED" in l.split()), None)
if head is None:
    print("no INSTALLED column"); sys.exit()
col = head.index("INSTALLED")
rows = {l.split()[0]: l.split() for l in lines if l.split() and l.split() != head}
for lang in "python javascript go rust c cpp java ruby php bash".split():
    r = rows.get(lang)
    if r is None or len(r) <= col or r[col] != "yes":
        print(f"{lang} not listed as installed ({r})")
PY
[ -s "$TMPROOT/langs.why" ] && cwhy="$cwhy; $(tr '\n' ' ' <"$TMPROOT/langs.why")"
cmd_end

cmd run/doctor 0 -c "$CONF" doctor
abi=$(python3 -c 'import ctypes; print(ctypes.CDLL(None, use_errno=True).syscall(444, None, 0, 1))')
cmd_has "^landlock +ok +ABI $abi\\b"
cmd_has '^seccomp +ok'
if [ "$(id -u)" = 0 ] && grep -q ' /sys/fs/cgroup/memory cgroup ' /proc/mounts &&
	! grep -qw memory /sys/fs/cgroup/cgroup.controllers /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null; then
	cmd_has '^limits +ok +cgroup1'
else
	cmd_has '^limits +ok +cgroup[12]'
fi
cmd_has '^sandboxed job +ok'
for l in python javascript go rust c cpp java ruby php bash; do
	cmd_has "^runtime $l +ok"
done
grep -q 'FAIL' "$TMPROOT/cmd.out" && cwhy="$cwhy; a row FAILs"
cmd_end

# ---- global options ----------------------------------------------------------
cmd run/cli/version 0 --version
cmd_has '^cylo [0-9]+\.[0-9]+'
cmd_end

cmd run/cli/help 0 --help
for c in watch exec run doctor langs check; do cmd_has "cylo $c"; done
cmd_end

cmd run/cli/help-exec 0 help exec
cmd_has 'exec --lang'
cmd_end

# A command's --help (or -h), before any --, is its help, not a bad option.
cmd run/cli/exec--help 0 exec --lang bash --help
cmd_has '^usage: cylo exec --lang'
cmd_end
cmd run/cli/watch-h 0 watch -h
cmd_has '^usage: cylo watch'
cmd_end
cmd run/cli/doctor--help 0 doctor --help
cmd_has '^usage: cylo doctor'
cmd_end
cmd run/cli/exec-after-dashdash-is-code 127 exec --lang bash -- --help
cmd_end
# ... nor the value of an option: a file named -h is standard input.
printf 'read from a file named -h\n' >"$TMPROOT/-h"
cd "$TMPROOT" || exit 1
cmd run/cli/exec-stdin-dash-h 0 exec --lang bash --stdin -h cat
cmd_has '^read from a file named -h$'
cmd_end
cd "$TOP" || exit 1

cmd run/cli/unknown-command-64 64 frobnicate
cmd_has 'frobnicate'
cmd_end

cmd run/cli/help-unknown-64 64 help frobnicate
cmd_end

cmd run/cli/no-command-64 64
cmd_end

cmd run/cli/run-usage-64 64 run
cmd_end

# /dev/null, the usual "no configuration", is the built-in defaults; another
# device is refused.
cmd run/check/dev-null-is-defaults 0 -c /dev/null check
cmd_has '^configuration OK$'
cmd_end
cmd run/check/dev-zero-refused-78 78 -c /dev/zero check
cmd_has 'not a regular file'
cmd_end

# Commands that take no arguments refuse any (64), not ignore them.
for c in check langs doctor; do
	cmd "run/cli/$c-extra-argument-64" 64 -c "$CONF" "$c" --bogus
	cmd_has "unexpected argument '--bogus'"
	cmd_end
done

# A sandbox layer that was asked for and cannot be had (a cgroup_root that
# is no cgroup2 directory, on any host): a sandbox_error result naming it,
# exit 125, nothing run.
printf 'sandbox {\n  cgroup_root = "%s"\n}\n' "$TMPROOT" >"$TMPROOT/badroot.conf"
printf 'print("ran")\n' >"$J/badroot.py"
COPT="-c $TMPROOT/badroot.conf"
run_case run/sandbox-error/cgroup-root 125 "$J/badroot.py" \
	"d['status'] == 'sandbox_error'" \
	"'cgroup2: $TMPROOT is not a cgroup2 directory' in d['error']" \
	"d['exit_code'] is None" "d['stdout'] == ''"
cmd run/sandbox-error/summary 125 -c "$TMPROOT/badroot.conf" run "$J/badroot.py"
cmd_has '^status: +sandbox_error'
cmd_has 'not a cgroup2 directory'
cmd_end
COPT=''

# A cgroup_root where v1 or none would never look at it is refused.
for k in v1 none; do
	printf 'sandbox {\n  cgroups = "%s"\n  cgroup_root = "/sys/fs/cgroup"\n}\n' "$k" \
		>"$TMPROOT/root-$k.conf"
	cmd "run/check/cgroup-root-with-$k-78" 78 -c "$TMPROOT/root-$k.conf" check
	cmd_has ':3: cgroup_root: needs cgroups = auto or v2'
	cmd_end
done
