"""Summary statistics: medians, steady state, a hierarchical bootstrap, geometric means.

Pure standard library. All bootstraps use a fixed seed, so the same results give the same
intervals.
"""

import math
import random


def median(xs):
    s = sorted(xs)
    n = len(s)
    if n == 0:
        return float("nan")
    mid = n // 2
    return float(s[mid]) if n % 2 else (s[mid - 1] + s[mid]) / 2.0


def mean(xs):
    return sum(xs) / len(xs) if xs else float("nan")


def quantile(sorted_xs, q):
    """Linear interpolation between order statistics (like numpy's default)."""
    n = len(sorted_xs)
    if n == 0:
        return float("nan")
    pos = (n - 1) * q
    lo = int(math.floor(pos))
    hi = min(lo + 1, n - 1)
    frac = pos - lo
    return sorted_xs[lo] * (1 - frac) + sorted_xs[hi] * frac


STATISTICS = {"median": median, "mean": mean}


def steady_start(n, warmup=None):
    """0-based index of the first steady-state iteration of a run of n iterations:
    ``warmup`` iterations are discarded (default: the first half, n // 2), but at least one
    iteration is kept."""
    k = n // 2 if warmup is None else warmup
    return max(0, min(k, n - 1))


def bootstrap(groups, stat, resamples, rng):
    """Hierarchical bootstrap replicates of ``stat``: each replicate resamples the groups
    (invocations) with replacement, then the values within each chosen group, and pools them.
    A group of one value is resampled as a value. Returns the list of replicate values."""
    groups = [g for g in groups if g]
    if not groups:
        return []
    reps = []
    ng = len(groups)
    for _ in range(resamples):
        pooled = []
        for g in rng.choices(groups, k=ng):
            pooled.extend(rng.choices(g, k=len(g)) if len(g) > 1 else g)
        reps.append(stat(pooled))
    return reps


def percentile_ci(reps, level=0.95):
    if not reps:
        return (float("nan"), float("nan"))
    s = sorted(reps)
    a = (1 - level) / 2
    return (quantile(s, a), quantile(s, 1 - a))


def geomean(xs):
    xs = [x for x in xs if x is not None and x > 0 and math.isfinite(x)]
    if not xs:
        return float("nan")
    return math.exp(sum(math.log(x) for x in xs) / len(xs))


def make_rng(seed, *keys):
    """A random generator seeded by the global seed and the keys (stable across runs)."""
    text = repr((seed,) + keys)
    h = 0
    for ch in text.encode():
        h = (h * 1000003 + ch) % (1 << 61)
    return random.Random(h)
