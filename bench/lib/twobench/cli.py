"""Command line of bench/run."""

import argparse
import datetime
import os
import shlex
import sys
import time

from . import analysis, plots, report, results, suites as suites_mod
from .runner import (Progress, Target, UsageError, command_for, fmt_duration, parse_config,
                     parse_external, run_invocation)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
REGISTRY = os.path.join(ROOT, "bench", "lib", "suites.json")

EPILOG = """\
examples:
  bench/run --benchmarks Richards,Bounce --invocations 3 --iterations 10
  bench/run --benchmarks awfy --config off \\
            --config "tier1:--jit=tier1 --tier1-threshold=100" \\
            --external sompp=/work/peers/sompp/build/SOM++:/tmp/som/Smalltalk
  bench/run --quick --benchmarks Bounce,Sieve        # smoke test at tiny sizes
  bench/run --plot-only bench/results/20260101-120000 --baseline sompp
  bench/run --list                                    # suites and benchmarks

Results go to --out (default bench/results/<timestamp>/): results.json (everything),
results.csv (one row per timed iteration), parts.csv (workload parts), summary.md, *.png.
See bench/README.md for what the numbers mean.
"""


def build_parser():
    p = argparse.ArgumentParser(
        prog="bench/run", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Runs benchmarks on TwoSOM configurations and external SOM VMs, stores "
                    "the raw times, and draws warm-up curves, ratio charts and a summary.",
        epilog=EPILOG)
    g = p.add_argument_group("what to run")
    g.add_argument("--benchmarks", "-b", default="",
                   help="comma-separated benchmark and/or suite names (default: the default "
                        "suites, i.e. all of awfy)")
    g.add_argument("--invocations", "-n", type=int, default=None,
                   help="processes per (target, benchmark) (default 5; --quick: 2)")
    g.add_argument("--iterations", "-i", type=int, default=None,
                   help="timed iterations per invocation for iterating suites (default 20; "
                        "--quick: 3); workloads always run once per invocation")
    g.add_argument("--inner", action="append", default=[], metavar="NAME=SIZE",
                   help="override a benchmark's inner size (repeatable)")
    g.add_argument("--quick", action="store_true",
                   help="tiny sizes and few iterations, for smoke testing")
    g.add_argument("--list", action="store_true", help="list suites and benchmarks and exit")
    g.add_argument("--suites", default=REGISTRY, metavar="FILE",
                   help="the benchmark registry (default bench/lib/suites.json)")
    g = p.add_argument_group("on what")
    g.add_argument("--vm", default=os.path.join(ROOT, "build", "twosom"),
                   help="our VM's binary (default build/twosom)")
    g.add_argument("--core-lib", default=os.path.join(ROOT, "core-lib"),
                   help="our VM's core library, put last on the class path (default core-lib)")
    g.add_argument("--config", "-c", action="append", default=[], metavar="NAME[:ARGS]",
                   help="a configuration of our VM: NAME alone means --jit=NAME; NAME:ARGS "
                        "gives the VM options explicitly, e.g. "
                        "\"tier1:--jit=tier1 --tier1-threshold=100\" (repeatable; default off)")
    g.add_argument("--no-twosom", action="store_true",
                   help="run only the external VMs")
    g.add_argument("--external", "-e", action="append", default=[],
                   metavar="NAME=PATH[:CLASSPATH]",
                   help="an external SOM VM and its core library (last on the class path), "
                        "e.g. sompp=/work/peers/sompp/build/SOM++:/tmp/som/Smalltalk "
                        "(repeatable)")
    g.add_argument("--external-args", action="append", default=[], metavar="NAME=ARGS",
                   help="extra options for an external VM, before -cp")
    g = p.add_argument_group("how")
    g.add_argument("--order", choices=["interleaved", "grouped"], default="interleaved",
                   help="interleaved (default): round-robin over invocations, so slow drifts "
                        "of the machine hit all targets alike; grouped: all invocations of "
                        "one (target, benchmark) in a row")
    g.add_argument("--timeout", type=float, default=1800, metavar="SECONDS",
                   help="per invocation (default 1800)")
    g.add_argument("--fail-fast", action="store_true", help="stop at the first failure")
    g.add_argument("--dry-run", action="store_true", help="print the commands and exit")
    g.add_argument("--quiet", "-q", action="store_true", help="report only failures")
    g = p.add_argument_group("output and statistics")
    g.add_argument("--out", "-o", default=None,
                   help="output directory (default bench/results/<timestamp>)")
    g.add_argument("--plot-only", metavar="DIR",
                   help="redraw the summary and figures from DIR/results.json (no runs)")
    g.add_argument("--no-plots", action="store_true", help="write no figures")
    g.add_argument("--baseline", default=None,
                   help="the target (configuration or external VM name) that ratios are relative to (default: the first one)")
    g.add_argument("--statistic", choices=["median", "mean"], default="median",
                   help="steady-state statistic (default median)")
    g.add_argument("--warmup", type=int, default=None, metavar="K",
                   help="iterations of each invocation that are warm-up (default: the first "
                        "half); the rest are the steady state")
    g.add_argument("--bootstrap", type=int, default=1000, metavar="N",
                   help="bootstrap resamples for confidence intervals (default 1000)")
    g.add_argument("--seed", type=int, default=1, help="bootstrap seed (default 1)")
    p.add_argument("--self-test", action="store_true",
                   help="run a tiny configuration and check every output; exit 0 or 1")
    return p


def make_targets(args):
    targets = []
    if not args.no_twosom:
        for spec in args.config or ["off"]:
            name, extra = parse_config(spec)
            targets.append(Target(label=name, vm="twosom", path=os.path.abspath(args.vm),
                                  args=extra, core_lib=args.core_lib))
    ext_args = {}
    for spec in args.external_args:
        if "=" not in spec:
            raise UsageError(f"--external-args {spec!r}: expected NAME=ARGS")
        n, a = spec.split("=", 1)
        ext_args[n] = shlex.split(a)
    for spec in args.external:
        name, path, cp = parse_external(spec)
        targets.append(Target(label=name, vm=name, path=os.path.abspath(path),
                              args=ext_args.get(name, []), core_lib=cp, external=True))
    unknown = set(ext_args) - {t.label for t in targets if t.external}
    if unknown:
        raise UsageError(f"--external-args for unknown external VM(s): {', '.join(sorted(unknown))}")
    labels = [t.label for t in targets]
    dup = {l for l in labels if labels.count(l) > 1}
    if dup:
        raise UsageError(f"duplicate target name(s): {', '.join(sorted(dup))}")
    if not targets:
        raise UsageError("nothing to run on: no configuration and no external VM")
    for t in targets:
        if not os.access(t.path, os.X_OK):
            raise UsageError(f"{t.label}: {t.path} is not an executable "
                             f"(build ours with tools/build)")
    return targets


def inner_sizes(args, benches):
    sizes = {b.name: (b.quick if args.quick and b.quick is not None else b.inner) for b in benches}
    by_lower = {b.name.lower(): b.name for b in benches}
    for spec in args.inner:
        if "=" not in spec:
            raise UsageError(f"--inner {spec!r}: expected NAME=SIZE")
        n, v = spec.split("=", 1)
        if n.lower() not in by_lower:
            raise UsageError(f"--inner {spec!r}: {n} is not a selected benchmark")
        sizes[by_lower[n.lower()]] = int(v) if v.strip().lstrip("-").isdigit() else v
    return sizes


def summarize(data, out, args, plots_wanted=True):
    """Writes summary.md and the figures; returns (analysis, list of PNGs or None)."""
    an = analysis.analyze(data, baseline=args.baseline, statistic=args.statistic,
                          warmup=args.warmup, resamples=args.bootstrap, seed=args.seed)
    text = report.render(data, an)
    with open(os.path.join(out, "summary.md"), "w") as f:
        f.write(text + "\n")
    pngs = []
    if plots_wanted:
        pngs = plots.draw(data, an, out)
        if pngs is None:
            print("note: matplotlib is not available (Debian: python3-matplotlib); "
                  "no figures drawn", file=sys.stderr)
    return an, pngs


def do_run(args, argv):
    registry = suites_mod.load_registry(args.suites, ROOT)
    benches = suites_mod.select(registry, args.benchmarks)
    if not benches:
        raise UsageError("no benchmarks selected")
    targets = make_targets(args)
    invocations = args.invocations or (2 if args.quick else 5)
    iterations = args.iterations or (3 if args.quick else 20)
    if invocations < 1 or iterations < 1:
        raise UsageError("--invocations and --iterations must be at least 1")
    sizes = inner_sizes(args, benches)

    plan = []
    if args.order == "interleaved":
        for inv in range(1, invocations + 1):
            for b in benches:
                for t in targets:
                    plan.append((t, b, inv))
    else:
        for b in benches:
            for t in targets:
                for inv in range(1, invocations + 1):
                    plan.append((t, b, inv))

    if args.dry_run:
        for t, b, inv in plan:
            if inv == 1:
                print(shlex.join(command_for(t, b, iterations, sizes[b.name], ROOT)))
        return 0

    out = args.out or os.path.join(ROOT, "bench", "results",
                                   datetime.datetime.now().strftime("%Y%m%d-%H%M%S"))
    out = os.path.abspath(out)
    os.makedirs(out, exist_ok=True)
    settings = {"invocations": invocations, "iterations": iterations, "quick": args.quick,
                "order": args.order, "inner": sizes, "timeout_s": args.timeout}
    data = results.new_results(ROOT, argv, settings, targets, benches)
    results.save(data, out)
    print(f"bench/run: {len(benches)} benchmark(s) × {len(targets)} target(s) × "
          f"{invocations} invocation(s) × {iterations} iteration(s) -> {out}", file=sys.stderr)

    progress = Progress(plan, quiet=args.quiet)
    failed = 0
    interrupted = False
    try:
        for t, b, inv in plan:
            argv_run = command_for(t, b, iterations, sizes[b.name], ROOT)
            progress.starting(t, b, inv, invocations)
            outcome = run_invocation(argv_run, b, iterations, args.timeout, ROOT)
            progress.finished(t, b, outcome)
            results.record(data, t, b, sizes[b.name], inv, outcome, argv_run)
            results.save(data, out)
            if not outcome.ok:
                failed += 1
                if args.fail_fast:
                    break
    except KeyboardInterrupt:
        interrupted = True
        print("bench/run: interrupted; summarizing what was measured", file=sys.stderr)
    changed = [t.label for t in targets
               if results.vm_info(t.path) != data["metadata"]["vms"][t.label]]
    if changed:
        data["metadata"]["vm_changed_during_run"] = changed
        results.save(data, out)
        print(f"bench/run: warning: the binaries of {', '.join(changed)} changed during the "
              f"run; the results may mix builds", file=sys.stderr)
    elapsed = fmt_duration(time.monotonic() - progress.start)
    print(f"bench/run: done in {elapsed}; {failed} failed invocation(s)", file=sys.stderr)
    if data["results"]:
        an, pngs = summarize(data, out, args, plots_wanted=not args.no_plots)
        with open(os.path.join(out, "summary.md")) as f:
            print(f.read())
    print(f"results in {out}", file=sys.stderr)
    return 130 if interrupted else (1 if failed else 0)


def do_plot_only(args):
    data = results.load(args.plot_only)
    out = args.out or (args.plot_only if os.path.isdir(args.plot_only)
                       else os.path.dirname(args.plot_only))
    os.makedirs(out, exist_ok=True)
    an, pngs = summarize(data, out, args, plots_wanted=not args.no_plots)
    with open(os.path.join(out, "summary.md")) as f:
        print(f.read())
    if pngs:
        print("figures: " + ", ".join(os.path.basename(p) for p in pngs), file=sys.stderr)
    return 0


def do_list(args):
    for s in suites_mod.load_registry(args.suites, ROOT):
        print(f"{s.name} ({s.kind}{', default' if s.default else ''}): {s.description}")
        for b in s.benchmarks:
            print(f"  {b.name:12s} inner {b.inner}  quick {b.quick}  {b.main}")
        if s.note:
            print(f"  ({s.note})")
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser().parse_args(argv)
    try:
        if args.self_test:
            from . import selftest
            return selftest.run(args)
        if args.list:
            return do_list(args)
        if args.plot_only:
            return do_plot_only(args)
        return do_run(args, ["bench/run"] + argv)
    except (UsageError, suites_mod.RegistryError, ValueError) as e:
        print(f"bench/run: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bench/run: interrupted (results so far are saved)", file=sys.stderr)
        return 130
