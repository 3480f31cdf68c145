"""Turns stored results into per-(target, benchmark) summaries and ratios to a baseline."""

import math
from collections import defaultdict
from dataclasses import dataclass, field

from . import stats


@dataclass
class Cell:
    """One target on one benchmark."""
    target: str
    benchmark: str
    runs: list                    # per invocation: list of iteration times (us), in order
    first: float                  # median over invocations of the first iteration
    steady: float                 # statistic of the pooled steady-state iterations
    ci: tuple                     # 95% CI of ``steady``
    reps: list                    # bootstrap replicates of ``steady``
    n_steady: int                 # number of pooled steady-state iterations
    steady_from: int              # 1-based first steady iteration (of the longest run)
    ratio: float = None           # steady / baseline steady
    ratio_ci: tuple = None
    first_ratio: float = None     # first / baseline first
    curve: list = field(default_factory=list)   # per iteration: (median, min, max)


@dataclass
class Analysis:
    targets: list                 # labels, in order
    baseline: str
    benchmarks: list              # benchmark dicts from the results, in order
    cells: dict                   # (target, benchmark) -> Cell
    geomeans: dict                # (suite, target) -> dict(steady, ci, first, n)
    parts: dict                   # (target, benchmark) -> {part: [us per invocation]}
    statistic: str
    warmup: object
    resamples: int
    seed: int
    level: float = 0.95


def analyze(data, baseline=None, statistic="median", warmup=None, resamples=1000, seed=1):
    stat = stats.STATISTICS[statistic]
    targets = [t["label"] for t in data["targets"]]
    if baseline is None:
        baseline = targets[0] if targets else None
    elif baseline not in targets:
        raise ValueError(f"baseline {baseline!r} is not one of {', '.join(targets)}")
    series = defaultdict(lambda: defaultdict(dict))
    for r in data["results"]:
        series[(r["target"], r["benchmark"])][r["invocation"]][r["iteration"]] = r["time_us"]
    # A part's time in one invocation is the sum over its occurrences (a workload may run a
    # part several times); parts[(target, benchmark)][part] lists it per invocation.
    sums = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for p in data.get("parts", []):
        sums[(p["target"], p["benchmark"])][p["part"]][p["invocation"]] += p["time_us"]
    parts = {k: {part: [v for _, v in sorted(invs.items())] for part, invs in d.items()}
             for k, d in sums.items()}

    cells = {}
    for (t, b), invs in series.items():
        runs = [[its[i] for i in sorted(its)] for _, its in sorted(invs.items())]
        runs = [r for r in runs if r]
        if not runs:
            continue
        first = stats.median([r[0] for r in runs])
        groups = [r[stats.steady_start(len(r), warmup):] for r in runs]
        pooled = [x for g in groups for x in g]
        reps = stats.bootstrap(groups, stat, resamples, stats.make_rng(seed, t, b))
        longest = max(len(r) for r in runs)
        curve = []
        for i in range(longest):
            col = [r[i] for r in runs if len(r) > i]
            curve.append((stats.median(col), min(col), max(col)))
        cells[(t, b)] = Cell(t, b, runs, first, stat(pooled), stats.percentile_ci(reps), reps,
                             len(pooled), stats.steady_start(longest, warmup) + 1, curve=curve)

    for (t, b), c in cells.items():
        base = cells.get((baseline, b))
        if base is None or not base.steady:
            continue
        c.ratio = c.steady / base.steady
        c.first_ratio = c.first / base.first if base.first else None
        if c.reps and base.reps:
            c.ratio_ci = stats.percentile_ci([x / y for x, y in zip(c.reps, base.reps) if y])

    geomeans = {}
    suites = []
    for b in data["benchmarks"]:
        if b["suite"] not in suites:
            suites.append(b["suite"])
    for suite in suites:
        names = [b["name"] for b in data["benchmarks"] if b["suite"] == suite]
        for t in targets:
            have = [n for n in names
                    if (t, n) in cells and cells[(t, n)].ratio is not None]
            if not have:
                continue
            g = {"n": len(have),
                 "steady": stats.geomean([cells[(t, n)].ratio for n in have]),
                 "first": stats.geomean([cells[(t, n)].first_ratio for n in have])}
            reps = []
            reps_t = [cells[(t, n)].reps for n in have]
            reps_b = [cells[(baseline, n)].reps for n in have]
            if all(reps_t) and all(reps_b):
                for i in range(min(len(r) for r in reps_t + reps_b)):
                    logs = [math.log(rt[i] / rb[i]) for rt, rb in zip(reps_t, reps_b)
                            if rt[i] > 0 and rb[i] > 0]
                    if len(logs) == len(have):
                        reps.append(math.exp(sum(logs) / len(logs)))
            g["ci"] = stats.percentile_ci(reps) if reps else None
            geomeans[(suite, t)] = g
    return Analysis(targets, baseline, data["benchmarks"], cells, geomeans,
                    parts, statistic, warmup, resamples, seed)
