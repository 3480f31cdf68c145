"""The Markdown summary (summary.md)."""

import math

from . import stats


def fmt_ms(us):
    """Microseconds as milliseconds with three or four significant digits."""
    if us is None or (isinstance(us, float) and not math.isfinite(us)):
        return "–"
    ms = us / 1000.0
    a = abs(ms)
    if a >= 1000:
        return f"{ms:,.0f}"
    if a >= 100:
        return f"{ms:.0f}"
    if a >= 10:
        return f"{ms:.1f}"
    if a >= 1:
        return f"{ms:.2f}"
    return f"{ms:.3f}"


def fmt_ratio(r):
    if r is None or not math.isfinite(r):
        return "–"
    a = abs(r)
    if a >= 100:
        return f"{r:.0f}"
    if a >= 10:
        return f"{r:.1f}"
    if a >= 1:
        return f"{r:.2f}"
    if a >= 0.1:
        return f"{r:.3f}"
    return f"{r:.2g}"


def fmt_ci(ci, fmt):
    if not ci or any(x is None or not math.isfinite(x) for x in ci):
        return "–"
    return f"{fmt(ci[0])}–{fmt(ci[1])}"


def _table(header, rows, text_columns=1):
    out = ["| " + " | ".join(header) + " |",
           "|" + "|".join("---" if i < text_columns else "--:" for i in range(len(header))) + "|"]
    for r in rows:
        out.append("| " + " | ".join(str(x) for x in r) + " |")
    return out


def _targets_lines(data):
    out = []
    for t in data["targets"]:
        what = " ".join([t["path"]] + list(t["args"]))
        if t.get("core_lib"):
            what += f"   (core library {t['core_lib']})"
        out.append(f"- `{t['label']}`: `{what}`")
    return out


def render(data, an):
    md = data["metadata"]
    st = data["settings"]
    git = md.get("git", {})
    mach = md.get("machine", {})
    commit = git.get("commit") or "unknown"
    if git.get("commit"):
        commit = f"{git['commit'][:12]}{' (with uncommitted changes)' if git.get('dirty') else ''}"
    lines = ["# Benchmark results", ""]
    lines += [f"- date: {md.get('date')}",
              f"- commit: {commit}",
              f"- machine: {mach.get('cpu', mach.get('machine'))}, {mach.get('cpus')} cores, "
              f"load average at start {mach.get('loadavg_at_start')}",
              f"- command: `{' '.join(md.get('command', []))}`",
              f"- {st['invocations']} invocations × {st['iterations']} iterations"
              f"{' (quick sizes)' if st.get('quick') else ''}; baseline `{an.baseline}`"]
    lines += ["", "Targets:", ""] + _targets_lines(data)
    warm = ("the second half of the iterations of each invocation" if an.warmup is None
            else f"the iterations after the first {an.warmup} of each invocation")
    lines += ["", f"Times in milliseconds. *first*: median over invocations of the first "
              f"iteration. *steady*: {an.statistic} of {warm}, pooled over invocations. "
              f"*95% CI*: percentile interval of a hierarchical bootstrap ({an.resamples} "
              f"resamples, seed {an.seed}; invocations, then iterations within them). "
              f"*ratio*: steady time of the target / steady time of `{an.baseline}` on the "
              f"same benchmark (below 1: faster than `{an.baseline}`). Geometric means are "
              f"over the benchmarks that both targets completed.", ""]

    suites = []
    for b in an.benchmarks:
        if b["suite"] not in suites:
            suites.append(b["suite"])
    others = [t for t in an.targets if t != an.baseline]
    for suite in suites:
        benches = [b for b in an.benchmarks if b["suite"] == suite]
        iterates = any(b.get("iterates", True) for b in benches)
        lines += [f"## {suite}", ""]
        rows = []
        for b in benches:
            first_row = True
            for t in an.targets:
                c = an.cells.get((t, b["name"]))
                name = b["name"] if first_row else ""
                inner = (b.get("inner") if b.get("inner") is not None else "") if first_row else ""
                first_row = False
                if c is None:
                    rows.append([name, inner, f"`{t}`", "failed"] + ["–"] * (5 if iterates else 4))
                    continue
                ratio = "1 (baseline)" if t == an.baseline else fmt_ratio(c.ratio)
                rci = "" if t == an.baseline else fmt_ci(c.ratio_ci, fmt_ratio)
                if iterates:
                    rows.append([name, inner, f"`{t}`", fmt_ms(c.first), fmt_ms(c.steady),
                                 fmt_ci(c.ci, fmt_ms),
                                 fmt_ratio(c.first / c.steady if c.steady else None),
                                 ratio, rci])
                else:
                    totals = [r[0] for r in c.runs]
                    rows.append([name, inner, f"`{t}`", fmt_ms(c.steady), fmt_ci(c.ci, fmt_ms),
                                 f"{fmt_ms(min(totals))}–{fmt_ms(max(totals))}", ratio, rci])
        if iterates:
            header = ["benchmark", "inner", "target", "first", "steady", "95% CI",
                      "first/steady", f"ratio to `{an.baseline}`", "95% CI of ratio"]
        else:
            header = ["workload", "size", "target", f"total ({an.statistic})", "95% CI",
                      "min–max", f"ratio to `{an.baseline}`", "95% CI of ratio"]
        lines += _table(header, rows, text_columns=3) + [""]

        if others:
            what = "Steady-state" if iterates else "Total-time"
            lines += [f"{what} ratios to `{an.baseline}` (95% CI):", ""]
            rows = []
            for b in benches:
                row = [b["name"]]
                for t in others:
                    c = an.cells.get((t, b["name"]))
                    if c is None or c.ratio is None:
                        row.append("–")
                    else:
                        row.append(f"{fmt_ratio(c.ratio)} ({fmt_ci(c.ratio_ci, fmt_ratio)})")
                rows.append(row)
            g_row = ["**geometric mean**"]
            f_row = ["geometric mean, first iteration"] if iterates else None
            for t in others:
                g = an.geomeans.get((suite, t))
                if g is None:
                    g_row.append("–")
                    if f_row:
                        f_row.append("–")
                    continue
                ci = f" ({fmt_ci(g['ci'], fmt_ratio)})" if g.get("ci") else ""
                g_row.append(f"**{fmt_ratio(g['steady'])}**{ci} over {g['n']}")
                if f_row:
                    f_row.append(fmt_ratio(g["first"]))
            rows.append(g_row)
            if f_row:
                rows.append(f_row)
            lines += _table(["benchmark"] + [f"`{t}`" for t in others], rows) + [""]

        part_benches = [b for b in benches
                        if any((t, b["name"]) in an.parts for t in an.targets)]
        for b in part_benches:
            names = []
            for t in an.targets:
                for p in an.parts.get((t, b["name"]), {}):
                    if p not in names:
                        names.append(p)
            rows = []
            for p in names:
                row = [p]
                for t in an.targets:
                    xs = an.parts.get((t, b["name"]), {}).get(p)
                    row.append(fmt_ms(stats.median(xs)) if xs else "–")
                rows.append(row)
            lines += [f"Parts of `{b['name']}` (ms; a part's time in one invocation, summed "
                      f"over its occurrences; median over invocations):", ""]
            lines += _table(["part"] + [f"`{t}`" for t in an.targets], rows) + [""]

    changed = md.get("vm_changed_during_run")
    if changed:
        lines += ["**Warning**: these VM binaries changed while the benchmarks ran, so the "
                  "results may mix builds: " + ", ".join(f"`{c}`" for c in changed), ""]
    failures = [i for i in data["invocations"] if not i["ok"]]
    if failures:
        lines += ["## Failures", ""]
        for f in failures:
            lines.append(f"- `{f['target']}` {f['benchmark']} invocation {f['invocation']}: "
                         f"{f['error']}")
        lines.append("")
    return "\n".join(lines)
