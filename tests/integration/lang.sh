#!/bin/sh
# tests/integration/lang.sh - every language of SPEC §1 through the real
# binary and the real runtimes: `cylo run --json` on bare sources and on
# manifests with inline code, one "ok - lang/LANG/CASE" per assertion group.
#
# Cases per language: hello (with NAME.EXT.stdin), runtime error (exit 3),
# compile error (compiled languages), timeout, memory limit, output limit,
# death by a signal.  Each case asserts the result document and cylo's own
# exit code (it follows `cylo exec`: 124, 137, 128+N, 1 for compile errors).
# Compiled and interpreted languages run as two concurrent chains (the
# machines have two cores); within a chain every case runs in turn.
. "$(dirname "$0")/../lib.sh"

COMPILED="c cpp rust go java"
INTERPRETED="python javascript ruby php bash"

# Which mechanism must enforce the limits here: cgroup1 when we are root, the
# v1 memory controller is mounted and no cgroup2 hierarchy offers memory;
# elsewhere any of the three is accepted.
EXPECT_BY=
if [ "$(id -u)" = 0 ] && grep -q ' /sys/fs/cgroup/memory cgroup ' /proc/mounts; then
	v2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	if [ -z "$v2" ] || ! grep -qw memory "$v2/cgroup.controllers" 2>/dev/null; then
		EXPECT_BY=cgroup1
	fi
fi

# Compiling languages may take a while on a cold cache.
RUN_TIMEOUT=120
RLCONF=$TMPROOT/rlimits.conf
printf 'sandbox {\n  cgroups = "none"\n}\n' >"$RLCONF"
. "$(dirname "$0")/run_lib.sh"

# mkjob JOBFILE LANG MAIN SRCFILE [LINE...]: a manifest carrying SRCFILE as
# inline code (libconfuse double-quoted string), plus extra LINEs.
mkjob() {
	jf=$1 jl=$2 jm=$3 srcf=$4
	shift 4
	{
		echo "language = \"$jl\""
		echo "main = \"$jm\""
		python3 -c 'import sys
s = open(sys.argv[1]).read()
print("code = \"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"")' "$srcf"
		for jx in "$@"; do echo "$jx"; done
	} >"$jf"
}

ext_of() {
	case $1 in
	python) echo py ;; javascript) echo js ;; rust) echo rs ;;
	ruby) echo rb ;; bash) echo sh ;; *) echo "$1" ;;
	esac
}

# The signal each language's "sig" program dies of.
sig_of() {
	case $1 in
	c|cpp) echo 11 ;;		# SIGSEGV: a store through NULL
	rust|java) echo 6 ;;		# SIGABRT: abort(); the JVM's crash handler aborts
	*) echo 15 ;;			# SIGTERM sent to itself
	esac
}

# src LANG CASE: the program of one case on stdout.  Cases: hello (reads a
# line, prints "hello LINE"), rt (exits 3), ce (does not compile), loop
# (never ends), mem (allocates and touches 64 x 16 MiB), out (prints
# forever), sig (dies of sig_of LANG).  Java's class is Hello for hello and
# Main otherwise; no program contains "${", which libconfuse would expand.
src() {
	case $1.$2 in
	python.hello) cat <<'EOF'
import sys
print("hello " + sys.stdin.readline().rstrip("\n"))
EOF
	;;
	python.rt) printf 'import sys\nsys.exit(3)\n' ;;
	python.loop) printf 'while True:\n    pass\n' ;;
	python.mem) cat <<'EOF'
chunks = []
for i in range(64):
    chunks.append(b"x" * (16 << 20))
print(len(chunks))
EOF
	;;
	python.out) cat <<'EOF'
import sys
line = "y" * 99 + "\n"
while True:
    sys.stdout.write(line)
EOF
	;;
	python.sig) cat <<'EOF'
import os, signal, time
os.kill(os.getpid(), signal.SIGTERM)
time.sleep(5)
EOF
	;;
	javascript.hello) cat <<'EOF'
const line = require("fs").readFileSync(0, "utf8").split("\n")[0];
console.log("hello " + line);
EOF
	;;
	javascript.rt) echo 'process.exit(3);' ;;
	javascript.loop) echo 'for (;;) {}' ;;
	javascript.live) cat <<'EOF'
let keep = null;
for (let r = 0; r < 8; r++) {
  keep = [];
  for (let i = 0; i < 150; i++)
    keep.push(new Array(1 << 17).fill(r + 0.5));
}
console.log(Math.floor(keep[149][0]));
EOF
		;;
	javascript.mem) cat <<'EOF'
const chunks = [];
for (let i = 0; i < 64; i++) chunks.push(Buffer.alloc(16 << 20, 1));
console.log(chunks.length);
EOF
	;;
	javascript.out) cat <<'EOF'
const fs = require("fs");
const line = "y".repeat(99) + "\n";
for (;;) fs.writeSync(1, line);
EOF
	;;
	javascript.sig) cat <<'EOF'
process.kill(process.pid, "SIGTERM");
setTimeout(() => {}, 5000);
EOF
	;;
	go.hello) cat <<'EOF'
package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

func main() {
	line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
	fmt.Println("hello " + strings.TrimRight(line, "\n"))
}
EOF
	;;
	go.rt) printf 'package main\n\nimport "os"\n\nfunc main() {\n\tos.Exit(3)\n}\n' ;;
	go.ce) printf 'package main\n\nfunc main() {\n\tno_such_thing_42()\n}\n' ;;
	go.loop) printf 'package main\n\nfunc main() {\n\tfor {\n\t}\n}\n' ;;
	go.mem) cat <<'EOF'
package main

import "fmt"

func main() {
	var chunks [][]byte
	for i := 0; i < 64; i++ {
		b := make([]byte, 16<<20)
		for j := range b {
			b[j] = 1
		}
		chunks = append(chunks, b)
	}
	fmt.Println(len(chunks))
}
EOF
	;;
	go.out) cat <<'EOF'
package main

import (
	"os"
	"strings"
)

func main() {
	line := []byte(strings.Repeat("y", 99) + "\n")
	for {
		os.Stdout.Write(line)
	}
}
EOF
	;;
	go.sig) cat <<'EOF'
package main

import (
	"os"
	"syscall"
	"time"
)

func main() {
	syscall.Kill(os.Getpid(), syscall.SIGTERM)
	time.Sleep(5 * time.Second)
}
EOF
	;;
	c.modern) cat <<'EOF'
#include <stdio.h>
int main(void)
{
#ifdef ONLINE_JUDGE
	puts("judge");
#endif
	return 0;
}
EOF
		;;
	cpp.modern) cat <<'EOF'
#include <bits/stdc++.h>
using namespace std;
int main()
{
	vector<int> v{3, 1, 2};
	ranges::sort(v);
	map<int, int> m{{1, 2}};
#ifdef ONLINE_JUDGE
	cout << v[0] << m.contains(1) << ((1 <=> 2) < 0) << "\n";
#endif
}
EOF
		;;
	java.modern) cat <<'EOF'
public class Main {
    static int depth(int n) { return n == 0 ? 0 : 1 + depth(n - 1); }
    public static void main(String[] args) { System.out.println(depth(200000)); }
}
EOF
		;;
	rust.modern) cat <<'EOF'
fn main() {
    let x = u8::try_from(300i32).unwrap_or(7);
    let s: i32 = [1, 2, 3].into_iter().map(|v: i32| v).sum();
    println!("{} {}", x, s);
}
EOF
		;;
	rust.hello) cat <<'EOF'
use std::io::BufRead;

fn main() {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).unwrap();
    println!("hello {}", line.trim_end_matches('\n'));
}
EOF
	;;
	rust.rt) printf 'fn main() {\n    std::process::exit(3);\n}\n' ;;
	rust.ce) printf 'fn main() {\n    let x: i32 = no_such_thing_42;\n    println!("{}", x);\n}\n' ;;
	rust.loop) printf 'fn main() {\n    loop {}\n}\n' ;;
	rust.mem) cat <<'EOF'
fn main() {
    let mut chunks = Vec::new();
    for _ in 0..64 {
        chunks.push(vec![1u8; 16 << 20]);
    }
    let sum: u64 = chunks.iter().map(|c| c[12345] as u64).sum();
    println!("{}", sum);
}
EOF
	;;
	rust.out) cat <<'EOF'
use std::io::Write;

fn main() {
    let line = "y".repeat(99) + "\n";
    let mut out = std::io::stdout();
    loop {
        let _ = out.write_all(line.as_bytes());
    }
}
EOF
	;;
	rust.sig) printf 'fn main() {\n    std::process::abort();\n}\n' ;;
	c.hello) cat <<'EOF'
#include <stdio.h>
#include <string.h>

int main(void)
{
	char line[256] = "";

	if (!fgets(line, sizeof(line), stdin))
		return 1;
	line[strcspn(line, "\n")] = 0;
	printf("hello %s\n", line);
	return 0;
}
EOF
	;;
	c.rt) printf 'int main(void)\n{\n\treturn 3;\n}\n' ;;
	c.ce) printf 'int main(void)\n{\n\treturn no_such_thing_42;\n}\n' ;;
	c.loop|cpp.loop) printf 'int main()\n{\n\tvolatile unsigned long n = 0;\n\tfor (;;)\n\t\tn++;\n}\n' ;;
	c.mem) cat <<'EOF'
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	for (int i = 0; i < 64; i++) {
		volatile char *p = malloc(16 << 20);
		if (!p)
			return 2;
		for (long j = 0; j < (16 << 20); j += 4096)
			p[j] = 1;
	}
	puts("allocated");
	return 0;
}
EOF
	;;
	c.out|cpp.out) printf '#include <stdio.h>\n\nint main()\n{\n\tfor (;;)\n\t\tputs("yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy");\n}\n' ;;
	c.sig|cpp.sig) printf 'int main()\n{\n\tvolatile int *p = 0;\n\t*p = 1;\n\treturn 0;\n}\n' ;;
	cpp.hello) cat <<'EOF'
#include <iostream>
#include <string>

int main()
{
	std::string line;
	std::getline(std::cin, line);
	std::cout << "hello " << line << "\n";
}
EOF
	;;
	cpp.rt) printf 'int main()\n{\n\treturn 3;\n}\n' ;;
	cpp.ce) printf 'int main()\n{\n\treturn no_such_thing_42;\n}\n' ;;
	cpp.mem) cat <<'EOF'
#include <cstdio>
#include <vector>

int main()
{
	std::vector<std::vector<char>> chunks;
	for (int i = 0; i < 64; i++)
		chunks.emplace_back(16 << 20, 1);
	std::printf("%zu\n", chunks.size());
}
EOF
	;;
	java.hello) cat <<'EOF'
import java.io.BufferedReader;
import java.io.InputStreamReader;

public class Hello {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        System.out.println("hello " + in.readLine());
    }
}
EOF
	;;
	java.rt) printf 'public class Main {\n    public static void main(String[] a) {\n        System.exit(3);\n    }\n}\n' ;;
	java.ce) printf 'public class Main {\n    public static void main(String[] a) {\n        no_such_thing_42();\n    }\n}\n' ;;
	java.loop) printf 'public class Main {\n    public static void main(String[] a) {\n        long n = 0;\n        while (true)\n            n++;\n    }\n}\n' ;;
	java.threads) cat <<'EOF'
public class Main {
    public static void main(String[] a) {
        for (int i = 0; i < 1000; i++) {
            Thread t = new Thread(() -> {
                try { Thread.sleep(60000); } catch (InterruptedException e) { }
            });
            t.setDaemon(true);
            t.start();
        }
        System.out.println("all started");
    }
}
EOF
		;;
	javascript.big) cat <<'EOF'
const keep = [];
for (let i = 0; i < 200; i++)
  keep.push(new Array(1 << 17).fill(i + 0.5));
console.log(keep.length);
EOF
		;;
	java.live) cat <<'EOF'
public class Main {
    public static void main(String[] a) {
        int[][] keep = null;
        for (int r = 0; r < 8; r++) {
            keep = new int[150][];
            for (int i = 0; i < 150; i++) {
                keep[i] = new int[1 << 18];
                java.util.Arrays.fill(keep[i], r);
            }
        }
        System.out.println(keep[149][0]);
    }
}
EOF
		;;
	java.mem) cat <<'EOF'
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

public class Main {
    public static void main(String[] args) {
        List<byte[]> chunks = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            byte[] b = new byte[16 << 20];
            Arrays.fill(b, (byte) 1);
            chunks.add(b);
        }
        System.out.println(chunks.size());
    }
}
EOF
	;;
	java.out) printf 'public class Main {\n    public static void main(String[] a) {\n        String line = "y".repeat(99);\n        while (true)\n            System.out.println(line);\n    }\n}\n' ;;
	java.sig) cat <<'EOF'
import java.lang.reflect.Field;
import sun.misc.Unsafe;

public class Main {
    public static void main(String[] args) throws Exception {
        Field f = Unsafe.class.getDeclaredField("theUnsafe");
        f.setAccessible(true);
        Unsafe u = (Unsafe) f.get(null);
        u.putAddress(0, 0);
    }
}
EOF
	;;
	ruby.hello) printf 'line = $stdin.gets.to_s.chomp\nputs "hello " + line\n' ;;
	ruby.rt) echo 'exit 3' ;;
	ruby.loop) echo 'loop {}' ;;
	ruby.mem) printf 'chunks = []\n64.times { chunks << ("x" * (16 << 20)) }\nputs chunks.size\n' ;;
	ruby.out) printf 'line = "y" * 99\nloop { puts line }\n' ;;
	ruby.sig) printf 'Process.kill("TERM", Process.pid)\nsleep 5\n' ;;
	php.hello) cat <<'EOF'
<?php
$line = rtrim(fgets(STDIN), "\n");
echo "hello $line\n";
EOF
	;;
	php.rt) printf '<?php\nexit(3);\n' ;;
	php.loop) printf '<?php\nwhile (true) {\n}\n' ;;
	php.mem) cat <<'EOF'
<?php
$chunks = [];
for ($i = 0; $i < 64; $i++) {
	$chunks[] = str_repeat("x", 16 << 20);
}
echo count($chunks), "\n";
EOF
	;;
	php.out) printf '<?php\n$line = str_repeat("y", 99) . "\\n";\nwhile (true) {\n\techo $line;\n}\n' ;;
	php.sig) printf '<?php\nposix_kill(posix_getpid(), 15);\nsleep(5);\n' ;;
	bash.modern) printf 'echo 3 4 | awk "{ print \\$1 + \\$2 }"\nwhich bash\n' ;;
	bash.hello) printf 'read -r line\necho "hello $line"\n' ;;
	bash.rt) echo 'exit 3' ;;
	bash.loop) echo 'while :; do :; done' ;;
	bash.mem) printf 's=x\nfor i in {1..30}; do s=$s$s; done\necho done\n' ;;
	bash.out) printf 'while :; do\n\techo yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\ndone\n' ;;
	bash.sig) printf 'kill -TERM $$\nsleep 5\n' ;;
	*) echo "src: no program for $1.$2" >&2; return 1 ;;
	esac
}

is_compiled() {
	case " $COMPILED " in *" $1 "*) return 0 ;; esac
	return 1
}

# Every case of one language, in turn.
lang_suite() {
	l=$1
	x=$(ext_of "$l")
	d=$TMPROOT/$l
	main=main.$x hello=hello.$x
	[ "$l" = java ] && main=Main.java hello=Hello.java
	by="d['limits']['enforced_by'] in ('cgroup2', 'cgroup1', 'rlimit')"
	[ -n "$EXPECT_BY" ] && by="d['limits']['enforced_by'] == '$EXPECT_BY'"
	mkdir -p "$d/hello" "$d/rt" "$d/ce" "$d/sig" "$d/jobs"

	src "$l" hello >"$d/hello/$hello"
	printf 'world\n' >"$d/hello/$hello.stdin"
	run_case "lang/$l/hello" 0 "$d/hello/$hello" \
		"d['status'] == 'ok'" "d['language'] == '$l'" "d['exit_code'] == 0" \
		"d['signal'] is None" "d['stdout'] == 'hello world\n'" "d['stderr'] == ''" \
		"d['execution_time_ms'] > 0" "d['memory_used_kb'] > 0" "$by" \
		"(d['limits']['address_space'] is None) == (d['limits']['enforced_by'] != 'rlimit')" \
		"d['timeout'] is False" "d['memory_exceeded'] is False" \
		"d['stdout_truncated'] is False" "d['error'] is None"

	# Limits by rlimits alone (no usable cgroup, as for a user whose
	# cgroup cannot be delegated): RLIMIT_AS, with the language's
	# address_space, must still let the runtime start.
	COPT="-c $RLCONF"
	run_case "lang/$l/hello-rlimits-only" 0 "$d/hello/$hello" \
		"d['status'] == 'ok'" "d['stdout'] == 'hello world\n'" \
		"d['limits']['enforced_by'] == 'rlimit'" \
		"d['limits']['address_space'] >= d['limits']['memory'] == 256"
	COPT=

	src "$l" rt >"$d/rt/$main"
	run_case "lang/$l/runtime_error" 3 "$d/rt/$main" \
		"d['status'] == 'runtime_error'" "d['exit_code'] == 3" "d['signal'] is None"

	if is_compiled "$l"; then
		src "$l" ce >"$d/ce/$main"
		run_case "lang/$l/compile_error" 1 "$d/ce/$main" \
			"d['status'] == 'compile_error'" "d.get('exit_code') is None" \
			"d['compile'] is not None" "d['compile']['exit_code'] != 0" \
			"'no_such_thing_42' in d['compile']['output']" "d['stdout'] == ''"
	fi

	src "$l" loop >"$d/loop.src"
	mkjob "$d/jobs/timeout.job" "$l" "$main" "$d/loop.src" "timeout = 1"
	run_case "lang/$l/timeout" 124 "$d/jobs/timeout.job" \
		"d['status'] == 'timeout'" "d['timeout'] is True" \
		"1000 <= d['execution_time_ms'] < 4000" "d['limits']['timeout'] == 1"

	src "$l" mem >"$d/mem.src"
	mkjob "$d/jobs/memory.job" "$l" "$main" "$d/mem.src" "memory = 64" "timeout = 5"
	# The memory shown is within the limit: the largest RSS, which counts
	# shared library pages charged elsewhere, showed 5 MiB more.
	run_case "lang/$l/memory_limit" 137 "$d/jobs/memory.job" \
		"d['status'] == 'memory_limit'" "d['memory_exceeded'] is True" \
		"d['limits']['memory'] == 64" "d['stdout'] == ''" \
		"d['limits']['enforced_by'] == 'rlimit' or d['memory_used_kb'] <= 64 * 1024"
	# With rlimits only, the same 1 GiB still fails, as the runtime's own
	# error: Java's heap is {heap} there too, and its own OutOfMemoryError
	# (the language's out_of_memory) is memory_limit.
	case $l in
	java) rl_status="d['status'] == 'memory_limit'" ;;
	*) rl_status="d['status'] in ('runtime_error', 'timeout')" ;;
	esac
	COPT="-c $RLCONF"
	run_case "lang/$l/memory-rlimits-only" '!0' "$d/jobs/memory.job" "$rl_status" \
		"d['stdout'] == ''" "d['limits']['enforced_by'] == 'rlimit'"
	COPT=

	# 150 MiB live, replaced 8 times, under memory = 256: the JVM and V8
	# sized their heaps for the host's memory, outgrew the box before they
	# collected, and got memory_limit.  (Go's GOMEMLIMIT is a soft target:
	# a busy machine can see it overshot, so no verdict rests on it.)
	case $l in
	java|javascript)
		src "$l" live >"$d/live.src"
		mkjob "$d/jobs/live.job" "$l" "$main" "$d/live.src" "memory = 256" "timeout = 30"
		run_case "lang/$l/heap-sized-for-the-job" 0 "$d/jobs/live.job" \
			"d['limits']['enforced_by'] == 'rlimit' or d['status'] == 'ok'" \
			"d['limits']['enforced_by'] == 'rlimit' or d['stdout'] == '7\n'" ;;
	esac
	# A JVM that cannot start a thread (processes) says OutOfMemoryError
	# too, but it is no memory_limit; and a test's own larger memory sizes
	# the heap ({memory} is the most any run gets), not the job's.
	case $l in
	java)
		src "$l" threads >"$d/threads.src"
		mkjob "$d/jobs/threads.job" "$l" "$main" "$d/threads.src" "processes = 32" \
			"timeout = 20"
		run_case "lang/$l/thread-limit-is-no-memory-limit" '!0' "$d/jobs/threads.job" \
			"d['status'] == 'runtime_error'" "d['memory_exceeded'] is False" ;;
	javascript)
		src "$l" big >"$d/big.src"
		mkjob "$d/jobs/big.job" "$l" "$main" "$d/big.src" "memory = 128" \
			'test "t" { expect = "200"  memory = 512 }'
		run_case "lang/$l/heap-sized-for-a-tests-memory" 0 "$d/jobs/big.job" \
			"d['limits']['enforced_by'] == 'rlimit' or d['status'] == 'ok'" \
			"d['limits']['enforced_by'] == 'rlimit' or d['tests'][0]['verdict'] == 'accepted'" ;;
	esac
	# Ordinary code of today: Rust's 2021 edition (rustc defaulted to
	# 2015), awk and which in shell jobs (Debian alternatives), C++20 (g++
	# defaulted to 17), ONLINE_JUDGE defined as judges do (a template that
	# reads input.txt without it printed nothing), and Java recursion
	# 200,000 calls deep (the JVM's own 1 MiB stack took 20,000).
	case $l in
	c) want='judge\n' ;;
	cpp) want='111\n' ;;
	java) want='200000\n' ;;
	rust) want='7 6\n' ;;
	bash) want='7\n/usr/bin/bash\n' ;;
	*) want= ;;
	esac
	if [ -n "$want" ]; then
		src "$l" modern >"$d/modern.src"
		mkjob "$d/jobs/modern.job" "$l" "$main" "$d/modern.src"
		run_case "lang/$l/modern" 0 "$d/jobs/modern.job" \
			"d['status'] == 'ok'" "d['stdout'] == '$want'"
	fi

	src "$l" out >"$d/out.src"
	mkjob "$d/jobs/output.job" "$l" "$main" "$d/out.src" "output_limit = 64" "timeout = 5"
	run_case "lang/$l/output_limit" 137 "$d/jobs/output.job" \
		"d['status'] == 'output_limit'" "d['stdout_truncated'] is True" \
		"0 < len(d['stdout'].encode()) <= 65536" "d['stdout'].startswith('yyy')" \
		"d['limits']['output_limit'] == 64"

	n=$(sig_of "$l")
	src "$l" sig >"$d/sig/$main"
	run_case "lang/$l/signal" $((128 + n)) "$d/sig/$main" \
		"d['status'] == 'runtime_error'" "sig_is($n)" "d['exit_code'] is None"
}

start=$(date +%s)
( for l in $COMPILED; do lang_suite "$l"; done ) >"$TMPROOT/compiled.out" 2>&1 &
cpid=$!
( for l in $INTERPRETED; do lang_suite "$l"; done ) >"$TMPROOT/interpreted.out" 2>&1
wait $cpid
cat "$TMPROOT/compiled.out" "$TMPROOT/interpreted.out"
# How long it took is for the reader (make check's budget), never a verdict.
echo "# lang suite: $(( $(date +%s) - start ))s"

