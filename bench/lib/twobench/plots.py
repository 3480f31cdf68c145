"""PNG figures with matplotlib (Agg backend).

- ``warmup-<Benchmark>.png``: time per iteration, one line per target (median over
  invocations) with a band from the fastest to the slowest invocation;
- ``warmup-all.png``: the same for every iterating benchmark, one panel each;
- ``ratios.png``: steady-state ratio to the baseline per benchmark (log scale, 95% CI);
- ``workloads.png``: workload totals per target (median, whiskers min..max);
- ``parts-<Workload>.png``: a workload's parts per target (stacked medians).
"""

import math
import os
import sys

from .stats import median as _median


def import_pyplot():
    """Returns matplotlib.pyplot (Agg) or None. Falls back to Debian's python3-matplotlib
    when the running interpreter is not the system one (e.g. a pyenv python3)."""
    def attempt():
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        return plt
    try:
        return attempt()
    except Exception:
        pass
    ver = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for d in ("/usr/lib/python3/dist-packages", f"/usr/lib/{ver}/dist-packages"):
        if os.path.isdir(os.path.join(d, "matplotlib")) and d not in sys.path:
            sys.path.append(d)
            try:
                return attempt()
            except Exception:
                sys.path.remove(d)
                for m in [m for m in sys.modules if m.split(".")[0] in ("matplotlib", "numpy")]:
                    del sys.modules[m]
    return None


def _MaxNLocator(**kw):
    from matplotlib.ticker import MaxNLocator
    return MaxNLocator(**kw)


def _ratio_ticks(lo, hi):
    """Readable ticks for a log-scaled ratio axis from lo to hi."""
    decades = [10.0 ** e for e in range(-3, 4)]
    if hi / lo <= 2.5:
        cands = [0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.1, 1.2, 1.3, 1.5, 1.75, 2, 2.5]
    elif hi / lo <= 30:
        cands = [d * m for d in decades for m in (1, 1.5, 2, 3, 5, 7)]
    else:
        cands = [d * m for d in decades for m in (1, 2, 5)]
    inside = [round(c, 6) for c in cands if lo <= c <= hi]
    while len(inside) > 10:
        inside = sorted(set(inside[::2]) | {1})
    return inside


def _fmt_ms(ms):
    return f"{ms:.0f}" if ms >= 100 else f"{ms:.3g}"


def _colors(plt, targets):
    cycle = plt.get_cmap("tab10").colors
    return {t: cycle[i % len(cycle)] for i, t in enumerate(targets)}


def _safe(name):
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)


def _warmup_axes(ax, an, bench, colors, title=True):
    drawn = False
    for t in an.targets:
        c = an.cells.get((t, bench["name"]))
        if c is None or not c.curve:
            continue
        xs = list(range(1, len(c.curve) + 1))
        med = [p[0] / 1000 for p in c.curve]
        lo = [p[1] / 1000 for p in c.curve]
        hi = [p[2] / 1000 for p in c.curve]
        ax.plot(xs, med, marker="o", markersize=3, linewidth=1.5, color=colors[t],
                label=f"{t} (steady {_fmt_ms(c.steady / 1000)} ms)")
        if len(c.runs) > 1:
            ax.fill_between(xs, lo, hi, color=colors[t], alpha=0.2, linewidth=0)
        drawn = True
    if not drawn:
        return False
    ax.set_ylim(bottom=0)
    ax.xaxis.set_major_locator(_MaxNLocator(integer=True))
    ax.set_xlabel("iteration")
    ax.set_ylabel("time per iteration (ms)")
    ax.grid(True, alpha=0.3)
    if title:
        inner = f", inner {bench['inner']}" if bench.get("inner") is not None else ""
        ax.set_title(f"{bench['name']}{inner}")
    return True


def _mark_steady(ax, an, bench):
    starts = [c.steady_from for t in an.targets
              if (c := an.cells.get((t, bench["name"]))) is not None and len(c.curve) > 1]
    if starts:
        ax.axvline(min(starts) - 0.5, color="grey", linestyle=":", linewidth=1)


def draw(data, an, out):
    """Writes the figures into ``out``; returns the list of files written, or None if
    matplotlib is not available."""
    plt = import_pyplot()
    if plt is None:
        return None
    written = []
    colors = _colors(plt, an.targets)
    n_inv = data["settings"]["invocations"]
    iterating = [b for b in an.benchmarks if b.get("iterates", True)
                 and any((t, b["name"]) in an.cells for t in an.targets)]

    for b in iterating:
        fig, ax = plt.subplots(figsize=(7, 4.2))
        if _warmup_axes(ax, an, b, colors):
            _mark_steady(ax, an, b)
            ax.legend(fontsize=8, loc="best")
            ax.set_title(f"{b['name']}" + (f" (inner {b['inner']})" if b.get("inner") is not None else "")
                         + f": time per iteration, median of {n_inv} invocations, band min–max",
                         fontsize=10)
            fig.tight_layout()
            path = os.path.join(out, f"warmup-{_safe(b['name'])}.png")
            fig.savefig(path, dpi=110)
            written.append(path)
        plt.close(fig)

    if len(iterating) > 1:
        ncols = 3 if len(iterating) > 4 else 2
        nrows = math.ceil(len(iterating) / ncols)
        fig, axes = plt.subplots(nrows, ncols, figsize=(5 * ncols, 3.2 * nrows), squeeze=False)
        for i, b in enumerate(iterating):
            ax = axes[i // ncols][i % ncols]
            _warmup_axes(ax, an, b, colors)
            _mark_steady(ax, an, b)
            ax.set_xlabel("iteration", fontsize=8)
            ax.set_ylabel("ms", fontsize=8)
            ax.tick_params(labelsize=7)
            ax.title.set_fontsize(10)
        for j in range(len(iterating), nrows * ncols):
            axes[j // ncols][j % ncols].axis("off")
        axes[0][0].legend(fontsize=7, loc="best")
        fig.suptitle(f"Time per iteration (median of {n_inv} invocations, band min–max; "
                     f"dotted line: steady state starts)", fontsize=10)
        fig.tight_layout()
        path = os.path.join(out, "warmup-all.png")
        fig.savefig(path, dpi=100)
        written.append(path)
        plt.close(fig)

    others = [t for t in an.targets if t != an.baseline]
    with_ratio = [b for b in an.benchmarks
                  if any(an.cells.get((t, b["name"])) is not None
                         and an.cells[(t, b["name"])].ratio is not None for t in others)]
    if others and with_ratio:
        names = [b["name"] for b in with_ratio]
        suites = []
        for b in with_ratio:
            if b["suite"] not in suites:
                suites.append(b["suite"])
        labels = names + [f"geomean {s}" for s in suites]
        fig, ax = plt.subplots(figsize=(8, 1.2 + 0.32 * len(labels) * max(1, len(others)) ** 0.6))
        h = 0.8 / len(others)
        all_vals = []
        for k, t in enumerate(others):
            ys, vals, err_lo, err_hi = [], [], [], []
            for i, b in enumerate(with_ratio):
                c = an.cells.get((t, b["name"]))
                if c is None or c.ratio is None:
                    continue
                ys.append(i + (k - (len(others) - 1) / 2) * h)
                vals.append(c.ratio)
                lo, hi = c.ratio_ci if c.ratio_ci else (c.ratio, c.ratio)
                err_lo.append(max(0.0, c.ratio - lo))
                err_hi.append(max(0.0, hi - c.ratio))
            for j, s in enumerate(suites):
                g = an.geomeans.get((s, t))
                if g is None:
                    continue
                ys.append(len(names) + j + (k - (len(others) - 1) / 2) * h)
                vals.append(g["steady"])
                lo, hi = g["ci"] if g.get("ci") else (g["steady"], g["steady"])
                err_lo.append(max(0.0, g["steady"] - lo))
                err_hi.append(max(0.0, hi - g["steady"]))
            all_vals += vals
            ax.barh(ys, [v - 1 for v in vals], left=1, height=h, color=colors[t],
                    label=t, xerr=[err_lo, err_hi], capsize=2, error_kw={"linewidth": 0.8})
            for y, v, el, eh in zip(ys, vals, err_lo, err_hi):
                ax.annotate(f"{v:.3g}" if v < 100 else f"{v:.0f}", (v + eh if v >= 1 else v - el, y),
                            xytext=(4 if v >= 1 else -4, 0),
                            textcoords="offset points", va="center",
                            ha="left" if v >= 1 else "right", fontsize=7)
        ax.axvline(1, color="black", linewidth=0.8)
        ax.set_xscale("log")
        ax.set_yticks(range(len(labels)))
        ax.set_yticklabels(labels, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel(f"steady-state time / time of {an.baseline} (log scale; < 1 is faster)")
        ax.set_title(f"Steady state relative to {an.baseline} (whiskers: 95% bootstrap CI)",
                     fontsize=10)
        ax.grid(True, axis="x", which="both", alpha=0.3)
        lo_all, hi_all = min(all_vals), max(all_vals)
        xlo, xhi = min(lo_all / 1.6, 1 / 1.25), max(hi_all * 1.6, 1.25)
        ax.set_xlim(xlo, xhi)
        from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator
        ax.xaxis.set_major_locator(FixedLocator(_ratio_ticks(xlo, xhi)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.axhline(len(names) - 0.5, color="grey", linewidth=0.6)
        ax.legend(fontsize=8, loc="lower right")
        fig.tight_layout()
        path = os.path.join(out, "ratios.png")
        fig.savefig(path, dpi=110)
        written.append(path)
        plt.close(fig)

    workloads = [b for b in an.benchmarks if not b.get("iterates", True)
                 and any((t, b["name"]) in an.cells for t in an.targets)]
    if workloads:
        fig, ax = plt.subplots(figsize=(max(5, 1.2 + 1.1 * len(workloads) * len(an.targets) ** 0.7), 4.2))
        w = min(0.8 / len(an.targets), 0.3)
        for k, t in enumerate(an.targets):
            xs, meds, lo, hi = [], [], [], []
            for i, b in enumerate(workloads):
                c = an.cells.get((t, b["name"]))
                if c is None:
                    continue
                totals = [r[0] / 1000 for r in c.runs]
                m = c.steady / 1000
                xs.append(i + (k - (len(an.targets) - 1) / 2) * w)
                meds.append(m)
                lo.append(m - min(totals))
                hi.append(max(totals) - m)
            bars = ax.bar(xs, meds, width=w, color=colors[t], label=t, yerr=[lo, hi], capsize=3)
            ax.bar_label(bars, labels=[_fmt_ms(m) for m in meds], fontsize=7, padding=3)
        ax.set_xlim(-0.6, len(workloads) - 0.4)
        ax.set_xticks(range(len(workloads)))
        ax.set_xticklabels([b["name"] for b in workloads], fontsize=8,
                           rotation=30 if len(workloads) > 4 else 0, ha="right" if len(workloads) > 4 else "center")
        ax.set_ylim(0, ax.get_ylim()[1] * 1.15)
        ax.set_ylabel("total time (ms)")
        ax.set_title(f"Workload totals ({an.statistic} of {n_inv} invocations, whiskers min–max)",
                     fontsize=10)
        ax.grid(True, axis="y", alpha=0.3)
        ax.legend(fontsize=8)
        fig.tight_layout()
        path = os.path.join(out, "workloads.png")
        fig.savefig(path, dpi=110)
        written.append(path)
        plt.close(fig)

        for b in workloads:
            ts = [t for t in an.targets if an.parts.get((t, b["name"]))]
            if not ts:
                continue
            names = []
            for t in ts:
                for p in an.parts[(t, b["name"])]:
                    if p not in names:
                        names.append(p)
            fig, ax = plt.subplots(figsize=(8, 1.4 + 0.5 * len(ts)))
            cmap = plt.get_cmap("tab20").colors
            left = [0.0] * len(ts)
            for j, p in enumerate(names):
                vals = []
                for t in ts:
                    xs = an.parts[(t, b["name"])].get(p)
                    vals.append(_median(xs) / 1000 if xs else 0.0)
                ax.barh(range(len(ts)), vals, left=left, color=cmap[j % len(cmap)], label=p,
                        height=0.6)
                left = [a + v for a, v in zip(left, vals)]
            ax.set_yticks(range(len(ts)))
            ax.set_yticklabels(ts)
            ax.invert_yaxis()
            ax.set_xlabel("time (ms): per part, summed over its occurrences in an invocation, "
                          "median over invocations", fontsize=8)
            ax.set_title(f"{b['name']}: parts", fontsize=10)
            ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
            fig.tight_layout()
            path = os.path.join(out, f"parts-{_safe(b['name'])}.png")
            fig.savefig(path, dpi=110, bbox_inches="tight")
            written.append(path)
            plt.close(fig)
    return written
