"""The benchmark registry (bench/lib/suites.json) and the parsers of benchmark output.

A suite has a *kind* that says how one invocation is run and how its output is read:

- ``harness``: the Are We Fast Yet harness. One process runs all iterations and prints
  ``Name: iterations=1 runtime: <us>us`` per iteration (preceded by GC count, GC time,
  allocated bytes and compile time lines, which are kept when present).
- ``workload``: a whole program run once per invocation. It prints ``<part>: <us>us`` lines
  and a final ``Total: <us>us``; the total is the invocation's one iteration.

Lines a parser does not understand (a VM's banner, warnings, the benchmark's own output) are
ignored. Adding a kind means adding a parser to ``PARSERS``.
"""

import glob
import json
import os
import re
from dataclasses import dataclass, field


@dataclass
class Benchmark:
    name: str
    suite: "Suite"
    inner: object = None          # default size (None: the program takes none)
    quick: object = None          # size used by --quick
    main: str = None              # main file, relative to the repository root
    classpath: list = field(default_factory=list)
    args: list = field(default_factory=list)

    @property
    def kind(self):
        return self.suite.kind

    @property
    def iterates(self):
        """True if one invocation runs several timed iterations."""
        return self.suite.kind == "harness"


@dataclass
class Suite:
    name: str
    kind: str
    description: str = ""
    default: bool = False
    benchmarks: list = field(default_factory=list)
    note: str = ""                # why the suite has no benchmarks, if it has none


class RegistryError(Exception):
    pass


def load_registry(path, root):
    """Reads the registry; returns the list of Suites. Paths stay relative to ``root``."""
    with open(path) as f:
        data = json.load(f)
    suites = []
    for s in data.get("suites", []):
        kind = s.get("kind")
        if kind not in PARSERS:
            raise RegistryError(f"{path}: suite {s.get('name')!r} has unknown kind {kind!r}")
        suite = Suite(name=s["name"], kind=kind, description=s.get("description", ""),
                      default=bool(s.get("default", False)))
        cp = list(s.get("classpath", []))
        args = list(s.get("args", []))
        for b in s.get("benchmarks", []):
            suite.benchmarks.append(Benchmark(
                name=b["name"], suite=suite, inner=b.get("inner"), quick=b.get("quick"),
                main=b.get("main", s.get("main")),
                classpath=list(b.get("classpath", cp)), args=list(b.get("args", args))))
        disc = s.get("discover")
        if disc:
            pattern = disc if isinstance(disc, str) else disc["glob"]
            name_from = "stem" if isinstance(disc, str) else disc.get("name_from", "stem")
            exclude = set() if isinstance(disc, str) else set(disc.get("exclude", []))
            for p in sorted(glob.glob(os.path.join(root, pattern))):
                rel = p if os.path.isabs(pattern) else os.path.relpath(p, root)
                if name_from == "parent":
                    name = os.path.basename(os.path.dirname(p))
                else:
                    name = os.path.splitext(os.path.basename(p))[0]
                if name in exclude or any(b.name == name for b in suite.benchmarks):
                    continue
                bcp = [c.replace("{dir}", os.path.dirname(rel)) for c in cp] or [os.path.dirname(rel)]
                suite.benchmarks.append(Benchmark(
                    name=name, suite=suite, inner=s.get("inner"), quick=s.get("quick"),
                    main=rel, classpath=bcp, args=list(args)))
        # Drop benchmarks whose main file is missing (e.g. generated programs not made yet).
        present = [b for b in suite.benchmarks if b.main and os.path.exists(os.path.join(root, b.main))]
        if len(present) != len(suite.benchmarks):
            missing = sorted({b.main for b in suite.benchmarks} - {b.main for b in present}, key=str)
            suite.note = "missing: " + ", ".join(str(m) for m in missing)
        suite.benchmarks = present
        suites.append(suite)
    return suites


def select(suites, spec):
    """Resolves a comma-separated list of benchmark or suite names (case-insensitive)
    to Benchmarks, in the order given. An empty spec selects the default suites."""
    by_name = {}
    for s in suites:
        for b in s.benchmarks:
            by_name.setdefault(b.name.lower(), b)
    suite_names = {s.name.lower(): s for s in suites}
    if not spec:
        return [b for s in suites if s.default for b in s.benchmarks]
    out = []
    for item in (x.strip() for x in spec.split(",")):
        if not item:
            continue
        key = item.lower()
        if key in by_name:
            chosen = [by_name[key]]
        elif key in suite_names:
            chosen = suite_names[key].benchmarks
            if not chosen:
                raise RegistryError(f"suite {item!r} has no benchmarks ({suite_names[key].note})")
        elif key.split(":", 1)[0] in suite_names and ":" in key:
            s, b = key.split(":", 1)
            chosen = [x for x in suite_names[s].benchmarks if x.name.lower() == b]
            if not chosen:
                raise RegistryError(f"no benchmark {item!r}")
        else:
            known = ", ".join(sorted({b.name for s in suites for b in s.benchmarks}))
            raise RegistryError(f"unknown benchmark or suite {item!r} (known: {known})")
        for b in chosen:
            if b not in out:
                out.append(b)
    return out


def substitute(args, **values):
    out = []
    for a in args:
        for k, v in values.items():
            a = a.replace("{" + k + "}", "" if v is None else str(v))
        out.append(a)
    return out


# ---------------------------------------------------------------------------------------
# Output parsers. Each returns a dict:
#   iterations: list of dicts {time_us, [gc_count, gc_time_ms, allocated_bytes, compile_ms]}
#   parts:      list of (name, time_us) (workloads)
#   errors:     list of strings (failure indications found in the output)

_RUNTIME = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*): iterations=1 runtime: (?P<us>[0-9]+)us\s*$")
_EXTRA = {
    "gc_count": re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*): GC count:\s*(?P<v>[0-9]+)n\s*$"),
    "gc_time_ms": re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*): GC time:\s*(?P<v>[0-9]+)ms\s*$"),
    "allocated_bytes": re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*): Allocated:\s*(?P<v>[0-9]+)bytes\s*$"),
    "compile_ms": re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*): Compile time:\s*(?P<v>[0-9]+)ms\s*$"),
}


def parse_harness(text, benchmark):
    iterations, errors, pending = [], [], {}
    for line in text.splitlines():
        line = line.rstrip("\r")
        if line.startswith("ERROR"):
            errors.append(line.strip())
            continue
        m = _RUNTIME.match(line)
        if m and m.group("name") == benchmark:
            it = {"time_us": int(m.group("us"))}
            it.update(pending)
            pending = {}
            iterations.append(it)
            continue
        for key, rx in _EXTRA.items():
            m = rx.match(line)
            if m and m.group("name") == benchmark:
                pending[key] = int(m.group("v"))
                break
    return {"iterations": iterations, "parts": [], "errors": errors}


_PART = re.compile(r"^\s*(?P<name>[^:\s][^:]*?):\s*(?P<us>[0-9]+(?:\.[0-9]+)?)\s*us\s*$")


def parse_workload(text, benchmark):
    parts, total, errors = [], None, []
    for line in text.splitlines():
        line = line.rstrip("\r")
        if line.startswith("ERROR"):
            errors.append(line.strip())
            continue
        m = _PART.match(line)
        if not m:
            continue
        us = float(m.group("us"))
        us = int(us) if us.is_integer() else us
        if m.group("name") == "Total":
            total = us
        else:
            parts.append((m.group("name"), us))
    its = [] if total is None else [{"time_us": total}]
    if total is None and not errors:
        errors.append("no 'Total: <us>us' line in the output")
    return {"iterations": its, "parts": parts, "errors": errors}


PARSERS = {"harness": parse_harness, "workload": parse_workload}
