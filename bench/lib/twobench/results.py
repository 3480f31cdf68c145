"""The stored form of a run: results.json (everything) and results.csv / parts.csv (flat)."""

import csv
import datetime
import json
import os
import platform
import subprocess
import sys

FORMAT = "twosom-bench-results/1"

CSV_FIELDS = ["target", "vm", "config", "suite", "benchmark", "kind", "inner", "invocation",
              "iteration", "time_us", "gc_count", "gc_time_ms", "allocated_bytes", "compile_ms"]
PARTS_FIELDS = ["target", "vm", "config", "suite", "benchmark", "inner", "invocation", "part",
                "occurrence", "time_us"]


def _run(argv, cwd=None):
    try:
        p = subprocess.run(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                           stdin=subprocess.DEVNULL, timeout=30)
        return p.stdout.decode("utf-8", "replace").strip() if p.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def git_info(root):
    commit = _run(["git", "rev-parse", "HEAD"], root)
    if commit is None:
        return {"commit": None}
    status = _run(["git", "status", "--porcelain", "--untracked-files=no"], root)
    return {"commit": commit,
            "describe": _run(["git", "log", "-1", "--format=%h %s"], root),
            "dirty": bool(status)}


def machine_info():
    info = {"hostname": platform.node(), "system": platform.system(),
            "release": platform.release(), "machine": platform.machine(),
            "cpus": os.cpu_count(), "python": sys.version.split()[0]}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        info["loadavg_at_start"] = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        pass
    try:
        with open("/proc/meminfo") as f:
            info["memory_kb"] = int(f.readline().split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return info


def vm_info(path):
    info = {"path": path}
    try:
        st = os.stat(path)
        info["size"] = st.st_size
        info["mtime"] = datetime.datetime.fromtimestamp(st.st_mtime).isoformat(timespec="seconds")
    except OSError:
        pass
    return info


def new_results(root, argv, settings, targets, benches):
    now = datetime.datetime.now().astimezone()
    return {
        "format": FORMAT,
        "metadata": {
            "date": now.isoformat(timespec="seconds"),
            "command": argv,
            "cwd": os.getcwd(),
            "git": git_info(root),
            "machine": machine_info(),
            "vms": {t.label: vm_info(t.path) for t in targets},
        },
        "settings": settings,
        "targets": [t.to_json() for t in targets],
        "benchmarks": [{"name": b.name, "suite": b.suite.name, "kind": b.kind,
                        "iterates": b.iterates, "inner": settings["inner"].get(b.name),
                        "main": b.main, "classpath": b.classpath, "args": b.args}
                       for b in benches],
        "invocations": [],
        "results": [],
        "parts": [],
    }


def record(data, target, bench, inner, invocation, outcome, argv):
    data["invocations"].append({
        "target": target.label, "benchmark": bench.name, "invocation": invocation,
        "ok": outcome.ok, "wall_s": round(outcome.wall_s, 4), "exit_code": outcome.exit_code,
        "error": outcome.error, "command": argv,
        **({} if outcome.ok else {"stdout_tail": outcome.stdout_tail,
                                   "stderr_tail": outcome.stderr_tail})})
    if not outcome.ok:
        return
    config = target.label if not target.external else ""
    base = {"target": target.label, "vm": target.vm, "config": config,
            "suite": bench.suite.name, "benchmark": bench.name, "kind": bench.kind,
            "inner": inner, "invocation": invocation}
    for i, it in enumerate(outcome.iterations, 1):
        data["results"].append({**base, "iteration": i, **it})
    seen = {}
    for name, us in outcome.parts:
        seen[name] = seen.get(name, 0) + 1
        data["parts"].append({"target": target.label, "vm": target.vm, "config": config,
                              "suite": bench.suite.name, "benchmark": bench.name,
                              "inner": inner, "invocation": invocation, "part": name,
                              "occurrence": seen[name], "time_us": us})


def _atomic_write(path, writer):
    tmp = path + ".tmp"
    with open(tmp, "w", newline="") as f:
        writer(f)
    os.replace(tmp, path)


def save(data, out):
    os.makedirs(out, exist_ok=True)
    _atomic_write(os.path.join(out, "results.json"),
                  lambda f: (json.dump(data, f, indent=1), f.write("\n")))

    def write_csv(fields, rows):
        def w(f):
            wr = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
            wr.writeheader()
            for r in rows:
                wr.writerow(r)
        return w

    _atomic_write(os.path.join(out, "results.csv"), write_csv(CSV_FIELDS, data["results"]))
    if data["parts"]:
        _atomic_write(os.path.join(out, "parts.csv"), write_csv(PARTS_FIELDS, data["parts"]))


def load(out):
    path = out if out.endswith(".json") else os.path.join(out, "results.json")
    with open(path) as f:
        data = json.load(f)
    if data.get("format") != FORMAT:
        raise ValueError(f"{path}: not a bench/run results file (format {data.get('format')!r})")
    return data
