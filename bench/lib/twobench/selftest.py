"""bench/run --self-test: unit checks of the parsers and statistics, then a tiny real run of
our VM (two configurations, Bounce and Sieve at small sizes, 2 invocations × 3 iterations,
plus a generated workload program), a redraw with --plot-only, and checks of every output."""

import csv
import json
import os
import shutil
import sys
import tempfile

from . import cli, plots, report, stats, suites

WORKLOAD = """\
"Written by bench/run --self-test: a tiny workload in the workload output format."
SelfTestWorkload = (
  run: args = (
    | start t sum total |
    start := system ticks.
    t := system ticks.
    sum := 0.
    1 to: 20000 do: [:i | sum := sum + i].
    ('loop: ' + (system ticks - t) asString + 'us') println.
    t := system ticks.
    total := 0.
    1 to: 300 do: [:i | total := total + (Array new: 50) length].
    ('alloc: ' + (system ticks - t) asString + 'us') println.
    'some other output line' println.
    ('Total: ' + (system ticks - start) asString + 'us') println
  )
)
"""

HARNESS_SAMPLE = """\
This is SOM++
Warn: Primitive Vector>>#size was not installed.
Starting Bounce benchmark ...
Bounce: GC count:     3n
Bounce: GC time:      1ms
Bounce: Allocated:    1024bytes
Bounce: Compile time: 0ms
Bounce: iterations=1 runtime: 1234us
Other: iterations=1 runtime: 99us
Bounce: iterations=1 runtime: 1000us
Bounce: iterations=2 average: 1117us total: 2234us


Total Runtime: 2234us
"""


class Checker:
    def __init__(self):
        self.failures = []
        self.count = 0

    def check(self, cond, what):
        self.count += 1
        if not cond:
            self.failures.append(what)
            print(f"self-test: FAIL: {what}", file=sys.stderr)
        return cond


def unit_checks(c):
    p = suites.parse_harness(HARNESS_SAMPLE, "Bounce")
    c.check([i["time_us"] for i in p["iterations"]] == [1234, 1000],
            f"harness parser ignores banners and other benchmarks: {p}")
    c.check(p["iterations"][0].get("gc_count") == 3 and p["iterations"][0].get("allocated_bytes") == 1024,
            "harness parser keeps GC count and allocation")
    c.check(suites.parse_harness("ERROR: Benchmark failed with incorrect result\n", "X")["errors"],
            "harness parser reports ERROR lines")
    w = suites.parse_workload("banner\nparse: 10us\nrun: 25us\nTotal: 40us\n", "W")
    c.check(w["iterations"] == [{"time_us": 40}] and w["parts"] == [("parse", 10), ("run", 25)],
            f"workload parser: {w}")
    c.check(suites.parse_workload("parse: 10us\n", "W")["errors"], "workload without Total fails")
    c.check(cli.parse_config("off") == ("off", ["--jit=off"]), "--config off")
    c.check(cli.parse_config("t1:--jit=tier1 --tier1-threshold=100")
            == ("t1", ["--jit=tier1", "--tier1-threshold=100"]), "--config name:args")
    c.check(cli.parse_external("s=/a/b:/c:/d") == ("s", "/a/b", "/c:/d"), "--external")
    c.check(stats.median([3, 1, 2]) == 2 and stats.median([4, 1, 2, 3]) == 2.5, "median")
    c.check(stats.steady_start(10) == 5 and stats.steady_start(1) == 0
            and stats.steady_start(3) == 1 and stats.steady_start(4, warmup=9) == 3,
            "steady_start")
    g = [[10, 11, 12], [20, 21, 22]]
    r1 = stats.bootstrap(g, stats.median, 200, stats.make_rng(1, "a"))
    r2 = stats.bootstrap(g, stats.median, 200, stats.make_rng(1, "a"))
    lo, hi = stats.percentile_ci(r1)
    c.check(r1 == r2 and 10 <= lo <= hi <= 22, "bootstrap is deterministic and bounded")
    c.check(abs(stats.geomean([2, 8]) - 4) < 1e-9, "geomean")
    c.check(report.fmt_ms(1234) == "1.23" and report.fmt_ms(41805) == "41.8"
            and report.fmt_ms(3577445) == "3,577", "fmt_ms")


def run(args):
    c = Checker()
    unit_checks(c)

    vm = os.path.abspath(args.vm)
    if not os.access(vm, os.X_OK):
        print(f"self-test: {vm} is not an executable (build with tools/build)", file=sys.stderr)
        return 1
    base = os.path.abspath(args.out) if args.out else tempfile.mkdtemp(prefix="bench-self-test-")
    marker = os.path.join(base, ".bench-self-test")
    if os.path.isdir(base) and os.listdir(base):
        if not os.path.exists(marker):
            print(f"self-test: {base} exists and is not a self-test directory; "
                  f"not overwriting it", file=sys.stderr)
            return 1
        shutil.rmtree(base)
    os.makedirs(base, exist_ok=True)
    open(marker, "w").close()
    wdir = os.path.join(base, "workload")
    os.makedirs(wdir)
    with open(os.path.join(wdir, "SelfTestWorkload.som"), "w") as f:
        f.write(WORKLOAD)
    with open(cli.REGISTRY) as f:
        reg = json.load(f)
    awfy = next(s for s in reg["suites"] if s["name"] == "awfy")
    reg = {"suites": [awfy, {
        "name": "selftest-workload", "kind": "workload", "main": os.path.join(wdir, "SelfTestWorkload.som"),
        "classpath": [wdir], "args": [],
        "benchmarks": [{"name": "SelfTestWorkload"}]}]}
    reg_path = os.path.join(base, "suites.json")
    with open(reg_path, "w") as f:
        json.dump(reg, f, indent=1)

    out = os.path.join(base, "run")
    run_args = ["--suites", reg_path, "--vm", vm, "--core-lib", args.core_lib,
                "--benchmarks", "Bounce,Sieve,SelfTestWorkload",
                "--invocations", "2", "--iterations", "3",
                "--inner", "Bounce=2", "--inner", "Sieve=2",
                "--config", "off", "--config", "off-again:--jit=off",
                "--bootstrap", "200", "--out", out]
    print("self-test: bench/run " + " ".join(run_args), file=sys.stderr)
    code = cli.main(run_args)
    c.check(code == 0, f"the run exits 0 (got {code})")

    # results.json
    try:
        data = json.load(open(os.path.join(out, "results.json")))
    except (OSError, ValueError) as e:
        c.check(False, f"results.json readable: {e}")
        return finish(c, base)
    rs = data["results"]
    c.check(len(rs) == 2 * 2 * 2 * 3 + 2 * 2,
            f"results.json has 28 timed iterations (has {len(rs)})")
    c.check(all(isinstance(r["time_us"], int) and 0 < r["time_us"] < 60_000_000 for r in rs),
            "every time is a positive integer below a minute")
    keys = {(r["target"], r["benchmark"], r["invocation"], r["iteration"]) for r in rs}
    c.check(len(keys) == len(rs), "no duplicate (target, benchmark, invocation, iteration)")
    c.check({r["iteration"] for r in rs if r["benchmark"] == "Bounce"} == {1, 2, 3},
            "iterations are numbered 1..3")
    c.check(all(r["inner"] == 2 for r in rs if r["benchmark"] in ("Bounce", "Sieve")),
            "--inner overrides are recorded")
    c.check(len(data["invocations"]) == 12 and all(i["ok"] for i in data["invocations"]),
            "12 successful invocations are recorded")
    md = data["metadata"]
    c.check(md.get("date") and md.get("command") and md.get("machine", {}).get("cpus"),
            "metadata has date, command and machine")
    c.check("commit" in md.get("git", {}), "metadata has the git commit")
    c.check({p["part"] for p in data["parts"]} == {"loop", "alloc"}, "workload parts recorded")

    # results.csv / parts.csv
    try:
        rows = list(csv.DictReader(open(os.path.join(out, "results.csv"))))
        c.check(len(rows) == len(rs), f"results.csv has one row per iteration ({len(rows)})")
        c.check(all(int(r["time_us"]) > 0 for r in rows), "results.csv times are positive")
        prow = list(csv.DictReader(open(os.path.join(out, "parts.csv"))))
        c.check(len(prow) == 2 * 2 * 2, f"parts.csv has 8 rows ({len(prow)})")
    except (OSError, ValueError, KeyError) as e:
        c.check(False, f"CSV files readable: {e}")

    # summary.md
    try:
        text = open(os.path.join(out, "summary.md")).read()
        for needle in ("| Bounce | 2 | `off` |", "| Sieve |", "SelfTestWorkload",
                       "1 (baseline)", "**geometric mean**", "`off-again`", "first/steady"):
            c.check(needle in text, f"summary.md contains {needle!r}")
        c.check("nan" not in text.lower(), "summary.md has no NaN")
    except OSError as e:
        c.check(False, f"summary.md readable: {e}")

    # figures
    have_mpl = plots.import_pyplot() is not None
    expected = ["warmup-Bounce.png", "warmup-Sieve.png", "warmup-all.png", "ratios.png",
                "workloads.png", "parts-SelfTestWorkload.png"]
    if have_mpl:
        for name in expected:
            path = os.path.join(out, name)
            ok = os.path.isfile(path) and os.path.getsize(path) > 2000
            if ok:
                with open(path, "rb") as f:
                    ok = f.read(8) == b"\x89PNG\r\n\x1a\n"
            c.check(ok, f"{name} is a PNG")
    else:
        print("self-test: note: matplotlib is not available (Debian: python3-matplotlib); "
              "figures are not checked", file=sys.stderr)

    # --plot-only into another directory with another baseline
    replot = os.path.join(base, "replot")
    code = cli.main(["--plot-only", out, "--out", replot, "--baseline", "off-again",
                     "--bootstrap", "200"])
    c.check(code == 0, "--plot-only exits 0")
    try:
        text2 = open(os.path.join(replot, "summary.md")).read()
        c.check("ratio to `off-again`" in text2, "--plot-only honours --baseline")
    except OSError as e:
        c.check(False, f"--plot-only wrote summary.md: {e}")
    if have_mpl:
        c.check(os.path.isfile(os.path.join(replot, "warmup-all.png")), "--plot-only redraws")

    # a failing invocation is detected, not recorded as a time
    bench = next(b for b in suites.load_registry(reg_path, cli.ROOT)[0].benchmarks
                 if b.name == "Bounce")
    from .runner import run_invocation
    fake = [sys.executable, "-c",
            "print('This is SOM++'); print('Bounce: iterations=1 runtime: 5us'); "
            "import sys; sys.exit(3)"]
    o = run_invocation(fake, bench, 1, 30, base)
    c.check(not o.ok and "exit status 3" in o.error, f"a non-zero exit fails the invocation ({o.error})")
    fake = [sys.executable, "-c", "print('This is SOM++'); print('Bounce: iterations=1 runtime: 5us')"]
    o = run_invocation(fake, bench, 2, 30, base)
    c.check(not o.ok and "expected 2" in o.error, "a missing iteration fails the invocation")
    o = run_invocation(fake, bench, 1, 30, base)
    c.check(o.ok and o.iterations == [{"time_us": 5}], "a banner line before the results is ignored")
    return finish(c, base)


def finish(c, base):
    if c.failures:
        print(f"self-test: {len(c.failures)} of {c.count} checks FAILED (outputs in {base})",
              file=sys.stderr)
        return 1
    print(f"self-test: all {c.count} checks passed (outputs in {base})", file=sys.stderr)
    return 0
