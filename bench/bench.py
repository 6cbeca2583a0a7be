"""cylo's benchmark harness (make bench).

Every figure is measured side by side in one run: the candidates are
interleaved round by round and reported as medians and ratios, never as a
lone absolute time, because the machines are noisy.

  1. start-up: a trivial job through `cylo exec` against the same program
     run bare, under bubblewrap with a comparable set of namespaces, and
     under the namespace floor (build/tools/nsfloor: the seven namespaces
     made and the program run in them, nothing more) and under the layers
     floor (nsfloor -l: the namespaces, an id map, the root's mounts,
     Landlock and seccomp, each done once and directly); then where a
     one-shot box's time goes, stage by stage (`cylo run --json`); and
     what a test of a judged job costs, through `cylo run` and bare;
  2. throughput: N trivial jobs dropped at once into a tmpfs watch with 2
     workers, first drop to last result, against the bare programs and
     bwrap and both floors at the same parallelism, in rounds with the
     candidates' order rotated each round; then the same with Python
     `pass` jobs, and with jobs that run /usr/bin/true (the program the
     peers' reference figures use) through a language of that name
     defined in the configuration;
  3. latency: single jobs dropped one at a time into an idle daemon;
  4. memory: the daemon's RSS idle and with a 100,000-input backlog, and
     the time of the start-up scan of that backlog;
  5. where the time goes: the per-stage breakdown the daemon records for
     each job (timing_ms in the results);
  6. each figure measured against its target (GOALS), met or not, and
     whether the namespace floor and the layers floor meet it on this
     machine.

The summary is printed and written as JSON under bench/ (ignored by git).
Environment: BENCH_N (throughput jobs, 2000), BENCH_N_PY (Python
throughput jobs, 400), BENCH_ROUNDS (start-up rounds, 20), BENCH_TP_ROUNDS
(throughput rounds, 3), BENCH_BACKLOG (100000), BENCH_LATENCY (100),
BENCH_CYLO (the binary to measure, build/cylo: to compare two builds),
BENCH_OUT (the directory the JSON goes to, bench/).
Sections can be named on the command line: startup, judged, throughput,
python, true_jobs, latency, memory.
"""
import concurrent.futures
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CYLO = os.path.abspath(os.environ.get("BENCH_CYLO") or os.path.join(TOP, "build", "cylo"))
# A launcher that only makes the namespaces SPEC section 6 gives a job, on
# its critical path, and runs the program in them (tools/nsfloor.c).
FLOOR = os.path.join(TOP, "build", "tools", "nsfloor")
N = int(os.environ.get("BENCH_N", "2000"))
N_PY = int(os.environ.get("BENCH_N_PY", "400"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "20"))
TP_ROUNDS = max(1, int(os.environ.get("BENCH_TP_ROUNDS", "3")))
BACKLOG = int(os.environ.get("BENCH_BACKLOG", "100000"))
LATENCY_N = int(os.environ.get("BENCH_LATENCY", "100"))
WORKERS = 2
CPUS = len(os.sched_getaffinity(0))     # the CPUs this run may use
ONLINE = os.cpu_count()                 # the CPUs /proc/stat counts
SHM = "/dev/shm"  # a tmpfs on every Linux host

BWRAP = ["bwrap", "--unshare-all", "--die-with-parent",
         "--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib",
         "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/bin", "/bin",
         "--symlink", "usr/sbin", "/sbin", "--proc", "/proc", "--dev", "/dev",
         "--tmpfs", "/tmp", "--chdir", "/tmp"]

# A kill (timeout, Ctrl-C) unwinds like an error: every `finally` stops
# its daemon and removes its folder.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

report = {"host": os.uname().nodename, "kernel": os.uname().release,
          "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def run(cmd):
    """ms to run @cmd, which must exit 0: a candidate that failed would
    report a time that means nothing."""
    start = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    if r.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} exited {r.returncode}: "
                 f"{r.stderr.decode(errors='replace').strip()[:300]}")
    return (time.perf_counter() - start) * 1000


def interleaved(cands, rounds):
    """Runs each candidate (a command, or a function that returns its ms)
    once per round, the order rotated each round so that none always goes
    first; {candidate: [ms per round]}."""
    times, order = {k: [] for k in cands}, list(cands)
    for r in range(rounds):
        for k in order[r % len(order):] + order[:r % len(order)]:
            times[k].append(cands[k]() if callable(cands[k]) else run(cands[k]))
    return times


def quartiles(v):
    """(lower quartile, median) of @v."""
    q = statistics.quantiles(v, n=4) if len(v) > 1 else [v[0]] * 3
    return q[0], q[1]


def startup_row(bare, code, bw, conf, norl):
    """One program's start-up row.  Each candidate's added time is the
    median of the rounds' differences to bare (paired, so that a slow
    round slows both), and for the floors also their lower quartile, below
    which the target must lie to call a floor's miss more than noise."""
    times = interleaved({"bare": bare, "cylo": [CYLO, "-c", conf, "exec"] + code,
                         "cylo_rlimit": [CYLO, "-c", norl, "exec"] + code,
                         "bwrap": bw, "floor": [FLOOR] + bare,
                         "layers": [FLOOR, "-l"] + bare}, ROUNDS)
    med = {k: statistics.median(v) for k, v in times.items()}
    added = {k: quartiles([x - b for x, b in zip(times[k], times["bare"])])
             for k in ("cylo", "cylo_rlimit", "bwrap", "floor", "layers")}
    return {
        "bare_ms": med["bare"], "cylo_ms": med["cylo"], "bwrap_ms": med["bwrap"],
        "cylo_rlimit_ms": med["cylo_rlimit"],
        "cylo_added_ms": added["cylo"][1],
        "cylo_rlimit_added_ms": added["cylo_rlimit"][1],
        "bwrap_added_ms": added["bwrap"][1],
        "floor_ms": med["floor"], "floor_added_ms": added["floor"][1],
        "floor_added_q1_ms": added["floor"][0],
        "layers_ms": med["layers"], "layers_added_ms": added["layers"][1],
        "layers_added_q1_ms": added["layers"][0],
        "cylo_vs_bwrap": med["cylo"] / med["bwrap"],
        "bare_vs_cylo": med["bare"] / med["cylo"],
        "rounds_ms": times,
    }


def startup():
    """`cylo exec` as shipped, and with cgroups off (rlimits only): the
    difference is what creating, joining and removing the command's
    cgroups costs."""
    work = tempfile.mkdtemp(prefix="cylo-bench-")
    script = os.path.join(work, "true.sh")
    with open(script, "w") as f:
        f.write("true\n")
    norl = os.path.join(work, "rlimit.conf")
    with open(norl, "w") as f:
        f.write('sandbox {\n  cgroups = "none"\n}\n' + TRUE_LANG)
    # the defaults plus TRUE_LANG, not whatever /etc/cylo/cylo.conf an install left
    conf = os.path.join(work, "default.conf")
    with open(conf, "w") as f:
        f.write(TRUE_LANG)
    os.chmod(work, 0o755)
    os.chmod(script, 0o644)
    try:
        rows = {name: startup_row(bare, code, bw, conf, norl)
                for name, bare, code, bw in [
                    ("bash true", ["/bin/bash", script], ["--lang", "sh", "true"],
                     BWRAP + ["--ro-bind", script, "/tmp/true.sh", "/bin/bash",
                              "/tmp/true.sh"]),
                    ("python3 -c pass", ["/usr/bin/python3", "-c", "pass"],
                     ["--lang", "python", "pass"], BWRAP + ["/usr/bin/python3", "-c", "pass"]),
                    ("/usr/bin/true", ["/usr/bin/true"], ["--lang", "true", "x"],
                     BWRAP + ["/usr/bin/true"]),
                ]}
        cli = cli_breakdown(script, conf)
    finally:
        shutil.rmtree(work)
    report["startup"] = rows
    print(f"\n1. start-up: `cylo exec` vs bare, bwrap and the two floors (median of "
          f"{ROUNDS} interleaved rounds, ms)")
    print(f"   {'program':<16}{'bare':>7}{'cylo':>8}{'+cylo':>8}{'+cylo(rl)':>10}"
          f"{'bwrap':>8}{'+bwrap':>8}{'+floor':>8}{'+layers':>8}{'cylo/bwrap':>11}"
          f"{'bare/cylo':>10}")
    for k, r in rows.items():
        print(f"   {k:<16}{r['bare_ms']:>7.2f}{r['cylo_ms']:>8.2f}{r['cylo_added_ms']:>8.2f}"
              f"{r['cylo_rlimit_added_ms']:>10.2f}{r['bwrap_ms']:>8.2f}"
              f"{r['bwrap_added_ms']:>8.2f}{r['floor_added_ms']:>8.2f}"
              f"{r['layers_added_ms']:>8.2f}{r['cylo_vs_bwrap']:>11.2f}"
              f"{r['bare_vs_cylo']:>10.2f}")
    print("   +cylo(rl): the same with cgroups = \"none\" (rlimits only, no cgroup to make)")
    print("   +floor: a launcher that only makes the seven namespaces (nsfloor)\n"
          "   +layers: the layers floor, the namespaces and every layer done once the plain\n"
          "   way (nsfloor -l; no limits, init process or configuration)\n"
          "   +X: the median of the rounds' differences to bare")
    show_cli_breakdown(cli)


def cli_breakdown(script, conf):
    """Where a one-shot command's time goes: `cylo run --json` of the bash
    start-up job, ROUNDS times; the median of each stage the box stamps
    (timing_ms), and of the rest of the command's wall time: process start,
    configuration, the cgroups' set-up and removal, printing (and the
    harness's own spawn and wait, which bare pays too)."""
    rows = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        r = subprocess.run([CYLO, "-c", conf, "run", "--json", script], capture_output=True,
                           check=False)
        wall = (time.perf_counter() - start) * 1000
        doc = json.loads(r.stdout or b"{}")
        if r.returncode != 0 or doc.get("status") != "ok":
            sys.exit(f"bench: cylo run {script} did not end ok: "
                     f"{r.stderr.decode(errors='replace').strip()[:300]}")
        t = {k: v for k, v in doc["timing_ms"].items() if k not in ("claim", "compile", "drain")}
        t["other"] = wall - sum(t.values())
        rows.append(t)
    return {k: statistics.median(r[k] for r in rows) for k in rows[0]}


def show_cli_breakdown(t):
    report["startup_breakdown_ms"] = t
    print(f"\n1b. where a one-shot box's time goes (`cylo run --json` of the bash job, median "
          f"of {ROUNDS}, ms;\n    other: process start, configuration, cgroups made and "
          "removed, output,\n    and the harness's spawn and wait)")
    print("   " + "  ".join(f"{k} {v:.2f}" for k, v in t.items()))


JUDGED_TESTS = 40
JUDGED_CODE = "read a b; echo $((a + b))"


def judged():
    """A judged job: JUDGED_TESTS tests of a bash one-liner, each a stage
    of one box, through `cylo run`, against the same runs bare (bash fed
    each test's input, its output compared here).  A test's cost is the
    difference between that job and the same with one test (the process,
    configuration and box it shares with the others left out): what a
    grading server pays per test."""
    work = tempfile.mkdtemp(prefix="cylo-bench-")
    conf = os.path.join(work, "cylo.conf")     # the defaults, not /etc/cylo's
    open(conf, "w").close()
    tests = [(f"{i} {i * 7}", str(i * 8)) for i in range(1, JUDGED_TESTS + 1)]
    jobs = {}
    for n in (1, len(tests)):
        jobs[n] = os.path.join(work, f"sum{n}.job")
        with open(jobs[n], "w") as f:
            f.write(f'language = "bash"\ncode = "{JUDGED_CODE}"\n')
            f.writelines(f'test "t{i}" {{ stdin = "{a}"  expect = "{e}" }}\n'
                         for i, (a, e) in enumerate(tests[:n]))
        os.chmod(jobs[n], 0o644)
    os.chmod(work, 0o755)

    def bare(n):
        start = time.perf_counter()
        for a, e in tests[:n]:
            r = subprocess.run(["/bin/bash", "-c", JUDGED_CODE], input=a.encode(),
                               capture_output=True, check=False)
            if r.returncode != 0 or r.stdout.decode().strip() != e:
                sys.exit(f"bench: the bare judged run of {a!r} printed {r.stdout!r}")
        return (time.perf_counter() - start) * 1000

    def cylo(n):
        start = time.perf_counter()
        r = subprocess.run([CYLO, "-c", conf, "run", "--json", jobs[n]], capture_output=True,
                           check=False)
        ms = (time.perf_counter() - start) * 1000
        doc = json.loads(r.stdout or b"{}")
        if doc.get("status") != "ok" or doc.get("score") != n:
            sys.exit(f"bench: the judged job did not pass every test: {r.stdout[:300]!r} "
                     f"{r.stderr.decode(errors='replace').strip()[:300]}")
        return ms

    n = len(tests)
    cands = {"bare": lambda: bare(n), "bare1": lambda: bare(1),
             "cylo": lambda: cylo(n), "cylo1": lambda: cylo(1)}
    try:
        times = interleaved(cands, ROUNDS)
    finally:
        shutil.rmtree(work)
    med = {k: statistics.median(v) for k, v in times.items()}
    per = {k: (med[k] - med[k + "1"]) / (n - 1) for k in ("bare", "cylo")}
    report["judged"] = {"tests": n, "bare_ms": med["bare"], "cylo_ms": med["cylo"],
                        "bare_per_test_ms": per["bare"], "cylo_per_test_ms": per["cylo"],
                        "cylo_added_per_test_ms": per["cylo"] - per["bare"],
                        "rounds_ms": times}
    print(f"\n1c. a judged job: {n} tests of a bash one-liner in one box (`cylo run`),\n"
          f"    against the same runs bare; a test: the job's time less the same job's\n"
          f"    with one test, over {n - 1}; median of {ROUNDS} interleaved rounds, ms")
    print(f"   {n} tests: bare {med['bare']:.1f}, cylo {med['cylo']:.1f}; a test: bare "
          f"{per['bare']:.2f}, cylo {per['cylo']:.2f}, added "
          f"{per['cylo'] - per['bare']:.2f}")


# A language whose run is /usr/bin/true, the job's file its ignored
# argument: the cheapest job a configuration can define, and the program
# of the peers' reference figures.
TRUE_LANG = ('language "true" {\n  extensions = { "true" }\n  run = "/usr/bin/true {main}"\n'
             '  paths = { "/usr", "/bin", "/lib", "/lib64" }\n}\n')


def write_config(path, watch, workers=WORKERS, level="warning", extra=""):
    metrics = os.path.join(os.path.dirname(path), "metrics.prom")
    with open(path, "w") as f:
        f.write(f'workers = {workers}\nlog_level = "{level}"\n'
                f'metrics_file = "{metrics}"\n'
                f'watch "{watch}" {{\n  rescan_interval = 3600\n}}\n{extra}')


def result_write_ms(conf):
    """Mean time to write a result, from the daemon's metrics (a result
    cannot carry its own write time)."""
    path = os.path.join(os.path.dirname(conf), "metrics.prom")
    vals = {}
    with open(path) as f:
        for line in f:
            k, _, v = line.partition(" ")
            if k.startswith("cylo_result_write_seconds_"):
                vals[k] = float(v)
    n = vals.get("cylo_result_write_seconds_count", 0)
    return 1000 * vals["cylo_result_write_seconds_sum"] / n if n else 0.0


class Daemon:
    def __init__(self, conf, stderr=subprocess.DEVNULL):
        self.p = subprocess.Popen([CYLO, "-c", conf, "watch"], stdout=subprocess.DEVNULL,
                                  stderr=stderr)

    def rss_kb(self):
        with open(f"/proc/{self.p.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return -1

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        try:
            self.p.wait(30)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


def wait_results(paths, limit=600):
    """Waits until every result in @paths exists.  Polls every 20 ms and
    stats only from the first missing one on: the daemon writes them in
    about the order they were dropped, so a poll costs a few stat calls.
    Listing the folder instead (thousands of names per poll) took 5-10 %
    of the 2 CPUs from the daemon under test."""
    end, i = time.monotonic() + limit, 0
    while True:
        while i < len(paths) and os.path.exists(paths[i]):
            i += 1
        if i == len(paths):
            return
        if time.monotonic() > end:
            raise RuntimeError(f"{paths[i]} missing after {limit} s")
        time.sleep(0.02)


def wait_idle(d):
    """The daemon is ready when a probe job gets its result."""
    probe = os.path.join(d, "probe.sh")
    with open(os.path.join(d, ".probe.tmp"), "w") as f:
        f.write("true\n")
    os.rename(os.path.join(d, ".probe.tmp"), probe)
    wait_results([probe + ".result.json"], 60)
    os.unlink(probe)
    os.unlink(probe + ".result.json")


def make_jobs(stage, n, body="true\n", ext="sh"):
    for i in range(n):
        with open(os.path.join(stage, f"job{i:06d}.{ext}"), "w") as f:
            f.write(body)


def parallel(cmds):
    """jobs/s of @cmds run WORKERS at a time; every one must exit 0, or the
    rate would time failures."""
    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as ex:
        codes = list(ex.map(lambda c: subprocess.run(c, stdout=subprocess.DEVNULL,
                                                     stderr=subprocess.DEVNULL).returncode,
                            cmds))
    secs = time.perf_counter() - start
    bad = [c for c, rc in zip(cmds, codes) if rc != 0]
    if bad:
        sys.exit(f"bench: {len(bad)} of {len(cmds)} runs failed, e.g. {' '.join(bad[0])}; "
                 "no rate is reported")
    return len(cmds) / secs


def floor_rate(interp, scripts, cpu, layers=False):
    """jobs/s of the namespace floor (with @layers, the layers floor): one
    launcher per worker, each running
    its share of @scripts in turn, as the daemon's workers do (no process
    start per job).  Appends to @cpu the CPU ms per job it took, two ways:
    "own", the launchers' and the jobs' (namespace set-up and the exits'
    teardown included), and "machine", the whole machine's less the idle
    share quiesce() saw, which adds what the kernel's threads spend tearing
    network namespaces down (work a sandbox can defer past a burst, not
    avoid).  A run on a machine that would not go quiet records neither."""
    quiet = quiesce()
    b0, _ = busy_jiffies()
    c0, start = os.times(), time.perf_counter()
    procs = [subprocess.Popen([FLOOR] + ["-l"] * layers + ["-e", interp], stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL, text=True)
             for w in range(WORKERS)]
    for w, p in enumerate(procs):
        p.stdin.write("".join(x + "\n" for x in scripts[w::WORKERS]))
        p.stdin.close()
    if [p.wait() for p in procs] != [0] * WORKERS:
        sys.exit("bench: a job under a floor failed; no rate is reported")
    secs, c1 = time.perf_counter() - start, os.times()
    b1, _ = busy_jiffies()
    if quiet:
        own = (c1.children_user + c1.children_system
               - c0.children_user - c0.children_system)
        machine = (b1 - b0) / os.sysconf("SC_CLK_TCK") - idle_busy * secs * ONLINE
        cpu.append({"own": 1000 * own / len(scripts),
                    "machine": 1000 * machine / len(scripts)})
    return len(scripts) / secs


def drop_run(n, ext, body, interp, lang_conf=""):
    """@n jobs dropped at once into a tmpfs watch: jobs/s through cylo, and
    the same files run bare, under bwrap and under both floors at the same
    parallelism.  The five run TP_ROUNDS rounds, interleaved, the order
    rotated each round so that none always goes first; each cylo round has
    a fresh watch and daemon, configured with @lang_conf too.  Returns
    ({candidate: [jobs/s per round]}, per-stage timings over the results
    of all cylo rounds, {floor: [its CPU ms per job, as floor_rate()
    appends it]})."""
    base = tempfile.mkdtemp(prefix="cylo-bench-", dir=SHM)
    os.chmod(base, 0o755)
    files = os.path.join(base, "jobs")
    os.mkdir(files)
    make_jobs(files, n, body, ext)
    scripts = [os.path.join(files, x) for x in sorted(os.listdir(files))]
    watches, write_ms, floor_cpu = [], [], {"floor": [], "layers": []}

    def cylo():
        rnd = os.path.join(base, f"round{len(watches)}")
        watch, stage = os.path.join(rnd, "watch"), os.path.join(rnd, "stage")
        os.makedirs(watch)
        os.mkdir(stage)
        os.chmod(rnd, 0o755)
        os.chmod(watch, 0o755)
        conf = os.path.join(rnd, "cylo.conf")
        write_config(conf, watch, extra=lang_conf)
        make_jobs(stage, n, body, ext)
        names = sorted(os.listdir(stage))
        d = Daemon(conf)
        try:
            wait_idle(watch)
            results = [os.path.join(watch, x + ".result.json") for x in names]
            start = time.perf_counter()
            for name in names:
                os.rename(os.path.join(stage, name), os.path.join(watch, name))
            wait_results(results)
            rate = len(names) / (time.perf_counter() - start)
        finally:
            d.stop()
        watches.append(watch)
        write_ms.append(result_write_ms(conf))
        return rate

    cands = {
        "cylo": cylo,
        "bare": lambda: parallel([[interp, s] for s in scripts]),
        "bwrap": lambda: parallel([BWRAP + ["--ro-bind", s, "/tmp/job." + ext, interp,
                                            "/tmp/job." + ext] for s in scripts]),
        # one launcher per worker, each running its share in turn, as the
        # daemon's workers do: no process start per job
        "floor": lambda: floor_rate(interp, scripts, floor_cpu["floor"]),
        "layers": lambda: floor_rate(interp, scripts, floor_cpu["layers"], layers=True),
    }
    rates, order = {k: [] for k in cands}, list(cands)
    try:
        for r in range(TP_ROUNDS):
            for k in order[r % len(order):] + order[:r % len(order)]:
                if k not in floor_cpu:  # floor_rate() notes whether it was quiet
                    quiesce()
                rates[k].append(cands[k]())
        timings = breakdown(watches)
    finally:
        shutil.rmtree(base)
    # mean of the rounds' means (each round writes the same number of results)
    timings["result_write"] = statistics.mean(write_ms)
    return rates, timings, floor_cpu


def cpu_bound(cpu):
    """A floor's median CPU ms per job, its own and the machine's, and the
    jobs/s they allow on CPUS (None without a quiet round)."""
    own = statistics.median(c["own"] for c in cpu) if cpu else None
    mach = statistics.median(c["machine"] for c in cpu) if cpu else None
    # a tiny run can measure no CPU, or less than the idle machine's share
    return {"own_cpu_ms_per_job": own, "machine_cpu_ms_per_job": mach,
            "bound_jobs_s": CPUS * 1000 / own if own and own > 0 else None,
            "sustained_jobs_s": CPUS * 1000 / mach if mach and mach > 0 else None,
            "cpu_ms_rounds": cpu}


def show_rate(key, title, n, rates, floor_cpu, goal=""):
    """Medians of the rounds and the ratios of the medians.  A floor's
    median CPU per job bounds the rate of a sandbox that does what it does:
    CPUs / its own CPU for one that defers all kernel teardown past the
    burst, CPUs / the machine's for a sustained rate."""
    med = {k: statistics.median(v) for k, v in rates.items()}
    cylo, bare, bw, fl, ly = (med[k] for k in ("cylo", "bare", "bwrap", "floor", "layers"))
    r = report[key] = {"jobs": n, "workers": WORKERS, "rounds": TP_ROUNDS,
                       "cylo_jobs_s": cylo, "bare_jobs_s": bare, "bwrap_jobs_s": bw,
                       "floor_jobs_s": fl, "layers_jobs_s": ly, "cylo_vs_bare": cylo / bare,
                       "cylo_vs_bwrap": cylo / bw, "cylo_vs_floor": cylo / fl,
                       "cylo_vs_layers": cylo / ly, "floor_vs_bare": fl / bare,
                       "layers_vs_bare": ly / bare, "rounds_jobs_s": rates}
    for f in ("floor", "layers"):
        r.update({f"{f}_{k}": v for k, v in cpu_bound(floor_cpu[f]).items()})
    print(f"\n{title}")
    print(f"   cylo {cylo:6.0f} jobs/s   bare {bare:6.0f}   bwrap {bw:6.0f}   floor {fl:6.0f}"
          f"   layers floor {ly:6.0f}")
    print(f"   cylo/bare {cylo / bare:.2f}{goal}   cylo/bwrap {cylo / bw:.2f}"
          f"   cylo/floor {cylo / fl:.2f}   cylo/layers {cylo / ly:.2f}"
          f"   floor/bare {fl / bare:.2f}   layers/bare {ly / bare:.2f}")
    print("   rounds: " + "   ".join(f"{k} " + " ".join(f"{v:.0f}" for v in rates[k])
                                     for k in rates))
    for f, what in (("floor", "making every namespace"), ("layers", "with every layer")):
        if r[f"{f}_bound_jobs_s"] and r[f"{f}_sustained_jobs_s"]:
            print(f"   the {f} floor's CPU per job: {r[f'{f}_own_cpu_ms_per_job']:.2f} ms its own, "
                  f"{r[f'{f}_machine_cpu_ms_per_job']:.2f} ms the machine's;\n"
                  f"     so a sandbox {what} runs at most {r[f'{f}_bound_jobs_s']:.0f} jobs/s "
                  f"on {CPUS} CPUs\n     (kernel teardown deferred past the burst), "
                  f"{r[f'{f}_sustained_jobs_s']:.0f} sustained")
        else:
            print(f"   (the machine never went quiet for the {f} floor: no bound)")


def throughput():
    rates, timings, floor_cpu = drop_run(N, "sh", "true\n", "/bin/bash")
    show_rate("throughput", f"2. throughput ({N} trivial sh jobs dropped at once, "
              f"{WORKERS} workers, tmpfs; median of {TP_ROUNDS} interleaved rounds)",
              N, rates, floor_cpu)
    show_breakdown(timings)


def python():
    """The same with `pass` in Python, whose interpreter start-up dominates:
    the project's goal is at least 90 % of the bare interpreter's rate."""
    rates, _, floor_cpu = drop_run(N_PY, "py", "pass\n", "/usr/bin/python3")
    show_rate("python_throughput", f"2b. Python throughput ({N_PY} `pass` jobs dropped "
              f"at once, {WORKERS} workers; median of {TP_ROUNDS} interleaved rounds)",
              N_PY, rates, floor_cpu, " (goal 0.90)")


def true_jobs():
    """The same with jobs that run /usr/bin/true: next to no work of the
    job's own, so the rate is the sandbox's."""
    rates, _, floor_cpu = drop_run(N, "true", "x\n", "/usr/bin/true", TRUE_LANG)
    show_rate("true_throughput", f"2c. /usr/bin/true throughput ({N} jobs dropped at once, "
              f"{WORKERS} workers; median of {TP_ROUNDS} interleaved rounds)",
              N, rates, floor_cpu)


def breakdown(dirs):
    """Medians of the per-stage timing each result in @dirs carries.  Every
    job must have ended ok: a rate of failed jobs would mean nothing."""
    keys, rows, bad = None, [], {}
    for d in dirs:
        for n in os.listdir(d):
            if n.endswith(".result.json"):
                with open(os.path.join(d, n)) as f:
                    doc = json.load(f)
                if doc.get("status") != "ok":
                    bad[doc.get("status")] = bad.get(doc.get("status"), 0) + 1
                t = doc.get("timing_ms") or {}
                keys = keys or list(t)
                rows.append(t)
    if bad:
        sys.exit(f"bench: jobs through cylo did not end ok: {bad}; no rate is reported")
    return {k: statistics.median(r.get(k, 0) for r in rows) for k in keys or []}


def show_breakdown(t):
    report["breakdown_ms"] = t
    print(f"\n5. where the time goes (median per job over all {TP_ROUNDS} cylo rounds, ms,"
          " from the daemon's own stamps; result_write: the mean, from its metrics)")
    total = sum(t.values()) or 1
    for k, v in t.items():
        print(f"   {k:<13}{v:8.3f}  {100 * v / total:5.1f} %")


def latency():
    base = tempfile.mkdtemp(prefix="cylo-bench-", dir=SHM)
    lat, bare = [], []
    try:
        os.chmod(base, 0o755)
        watch = os.path.join(base, "watch")
        os.mkdir(watch)
        os.chmod(watch, 0o755)
        conf = os.path.join(base, "cylo.conf")
        write_config(conf, watch)
        d = Daemon(conf)
        try:
            wait_idle(watch)
            for i in range(LATENCY_N):
                lat.append(drop_one(watch, i))
                bare.append(run(["/bin/bash", os.path.join(watch, f"l{i}.sh")]))
        finally:
            d.stop()
    finally:
        shutil.rmtree(base)
    lat.sort()
    p50, p99 = lat[len(lat) // 2], lat[min(len(lat) - 1, int(len(lat) * 0.99))]
    b = statistics.median(bare)
    report["latency"] = {"n": len(lat), "p50_ms": p50, "p99_ms": p99, "bare_ms": b,
                         "p50_added_ms": p50 - b, "p99_added_ms": p99 - b}
    print(f"\n3. latency (drop to result, {LATENCY_N} single jobs, idle daemon)")
    print(f"   p50 {p50:.2f} ms  p99 {p99:.2f} ms{' (the slowest)' if len(lat) <= 100 else ''}"
          f"  bare run {b:.2f} ms  -> added p50 {p50 - b:.2f} ms, p99 {p99 - b:.2f} ms")


def drop_one(watch, i):
    """ms from dropping job @i into the idle daemon's @watch to its result,
    which must say ok.  Polls every 0.5 ms: finer polling would take CPU
    from the daemon it times."""
    tmp, name = os.path.join(watch, ".l.tmp"), os.path.join(watch, f"l{i}.sh")
    res = name + ".result.json"
    with open(tmp, "w") as f:
        f.write("true\n")
    start = time.perf_counter()
    os.rename(tmp, name)
    end = time.monotonic() + 60
    while not os.path.exists(res):
        if time.monotonic() > end:
            sys.exit(f"bench: no result for {name} after 60 s")
        time.sleep(0.0005)
    ms = (time.perf_counter() - start) * 1000
    with open(res) as f:
        status = json.load(f).get("status")
    if status != "ok":
        sys.exit(f"bench: {name} ended {status}, not ok; no latency is reported")
    return ms


def memory():
    base = tempfile.mkdtemp(prefix="cylo-bench-", dir=SHM)
    try:
        idle, backlog, scan = memory_in(base)
    finally:
        shutil.rmtree(base)
    report["memory"] = {"idle_rss_kb": idle, "backlog": BACKLOG, "backlog_rss_kb": backlog,
                        "scan_ms": scan, "idle_rss_mib": idle / 1024,
                        "backlog_rss_mib": backlog / 1024,
                        "scan_s": scan / 1000 if scan else None}
    print(f"\n4. memory: idle RSS {idle / 1024:.1f} MiB; with {BACKLOG} pending inputs "
          f"{backlog / 1024:.1f} MiB; start-up scan "
          f"{'%.0f ms' % scan if scan else 'not seen in the log'}")


def memory_in(base):
    """(idle RSS kB, RSS kB with BACKLOG pending inputs, the start-up scan
    in ms or None) of a daemon watching a folder in @base."""
    os.chmod(base, 0o755)
    watch = os.path.join(base, "watch")
    os.mkdir(watch)
    conf = os.path.join(base, "cylo.conf")
    write_config(conf, watch)
    d = Daemon(conf)
    try:
        wait_idle(watch)
        time.sleep(0.2)
        idle = d.rss_kb()
    finally:
        d.stop()
    make_jobs(watch, BACKLOG, "exit 0\n")
    log = os.path.join(base, "log")
    write_config(conf, watch, level="info")
    with open(log, "w") as lf:
        d = Daemon(conf, stderr=lf)
        scan = None
        try:
            end = time.monotonic() + 120
            while scan is None and time.monotonic() < end:
                with open(log) as f:
                    for line in f:
                        if "start-up scan in" in line:
                            # the daemon's own figure: "... scan in X ms: ..."
                            scan = float(line.split("scan in ")[1].split()[0])
                            break
                time.sleep(0.01)
            time.sleep(0.5)
            backlog = d.rss_kb()
        finally:
            d.stop()
    return idle, backlog, scan


def busy_jiffies():
    """(busy, total) jiffies of all CPUs.  Busy is user, nice, system, irq
    and softirq: steal (the host's) cannot be waited out, and guest time
    is already inside user and nice."""
    with open("/proc/stat") as f:
        user, nice, system, idle, iowait, irq, softirq, steal = \
            [int(x) for x in f.readline().split()[1:9]]
    busy = user + nice + system + irq + softirq
    return busy, busy + idle + iowait + steal


idle_busy = 0.0     # the busy share of the idle machine, as quiesce() last saw it


def quiesce(limit=30.0):
    """Waits (up to @limit s) until the machine is mostly idle: a section
    leaves thousands of network namespaces for the kernel to tear down in
    the background, which would otherwise be charged to the next one.
    True when it did go idle."""
    global idle_busy
    end = time.monotonic() + limit
    while time.monotonic() < end:
        b0, t0 = busy_jiffies()
        time.sleep(0.5)
        b1, t1 = busy_jiffies()
        if t1 > t0 and (b1 - b0) / (t1 - t0) < 0.05:
            idle_busy = (b1 - b0) / (t1 - t0)
            return True
    report["not_quiet"] = report.get("not_quiet", 0) + 1
    print(f"   (warning: the machine was not idle after {limit:.0f} s; measuring anyway)")
    return False


# The targets the sandbox is held to (the project's speed issue): the
# figure, its bound and direction, its format, and the key of the floors'
# figure for it (after "floor_" or "layers_"; None: no floor applies).
# Start-up takes the lower quartile of a floor's added time, throughput a
# floor's most generous bound (kernel teardown deferred), so that "misses
# it too" is said only when noise or deferral cannot explain it.  The
# Python share compares a floor's measured rate with bare's, a rate with a
# rate.
GOALS = [
    ("start-up added, bash `true` (ms)", "startup", "bash true",
     "cylo_added_ms", 2.0, "max", "{:.2f}", "added_q1_ms"),
    ("throughput, trivial bash jobs (jobs/s)", "throughput", None,
     "cylo_jobs_s", 600, "min", "{:.0f}", "bound_jobs_s"),
    ("Python throughput, share of bare", "python_throughput", None,
     "cylo_vs_bare", 0.90, "min", "{:.2f}", "vs_bare"),
    ("start-up added, /usr/bin/true (ms)", "startup", "/usr/bin/true",
     "cylo_added_ms", 2.0, "max", "{:.2f}", "added_q1_ms"),
    ("throughput, /usr/bin/true jobs (jobs/s)", "true_throughput", None,
     "cylo_jobs_s", 600, "min", "{:.0f}", "bound_jobs_s"),
    ("idle RSS (MiB)", "memory", None, "idle_rss_mib", 8, "max", "{:.1f}", None),
    ("RSS with a 100,000-input backlog (MiB)", "memory", None, "backlog_rss_mib", 64,
     "max", "{:.1f}", None),
    ("start-up scan of the backlog (s)", "memory", None, "scan_s", 2, "max", "{:.2f}", None),
]
FLOORS = ("floor", "layers")


def goals():
    """Each target this run measured, met or not, and whether the two
    floors meet it.  When the namespace floor misses it, a sandbox that
    makes every namespace on its critical path cannot meet it on this
    machine; when the layers floor misses it, a sandbox that makes every
    layer the plain way that floor does cannot (see the README for what
    such a sandbox could still make ahead or overlap)."""
    rows = []
    for name, sect, sub, key, bound, kind, fmt, floor_key in GOALS:
        if sect not in report:
            continue        # its section did not run
        if "backlog" in name and BACKLOG < 100000:
            continue        # measured on a smaller backlog than the target's
        r = report[sect][sub] if sub else report[sect]
        meets = lambda v: None if v is None else (v <= bound if kind == "max" else v >= bound)
        row = {"goal": name, "value": r.get(key), "bound": bound, "kind": kind,
               "met": bool(meets(r.get(key))), "fmt": fmt}
        for f in FLOORS:
            fv = r.get(f"{f}_{floor_key}") if floor_key else None
            row.update({f: fv, f"{f}_meets": meets(fv)})
        rows.append(row)
    if not rows:
        return
    print("\n6. against the targets (floors: the lower quartile of their added start-up;")
    print("   the most jobs/s their CPU per job allows, kernel teardown deferred; their")
    print("   Python share)")
    for g in rows:
        sign = "<=" if g["kind"] == "max" else ">="
        fmt = g.pop("fmt")
        value = "n/a" if g["value"] is None else fmt.format(g["value"])
        floors = "".join(f"; {f} {fmt.format(g[f])}" + ("" if g[f"{f}_meets"] else " misses it")
                         for f in FLOORS if g[f] is not None)
        print(f"   {g['goal']:<40}{value:>8} (target {sign} {g['bound']}) "
              f"{'met' if g['met'] else 'NOT met'}{floors}")
    report["goals"] = rows


def main():
    if not (os.access(CYLO, os.X_OK) and os.access(FLOOR, os.X_OK)
            and shutil.which("bwrap")):
        sys.exit("bench: build cylo and build/tools/nsfloor and install bubblewrap "
                 "first (make bench does all three)")
    print(f"cylo benchmark on {report['host']} ({report['kernel']}), "
          f"{CPUS} CPUs")
    parts = sys.argv[1:] or ["startup", "judged", "throughput", "python", "true_jobs", "latency",
                             "memory"]
    for p in parts:
        quiesce()
        globals()[p]()
    goals()
    out = os.path.join(os.environ.get("BENCH_OUT") or os.path.join(TOP, "bench"),
                       time.strftime("results-%Y%m%d-%H%M%S.json"))
    with open(out, "w") as f:
        json.dump(report, f, indent=2)
    print(f"\nwritten: {out}")


if __name__ == "__main__":
    main()
