"""Targets (a VM with a configuration) and running invocations with progress reporting."""

import os
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field

from .suites import PARSERS, substitute


@dataclass
class Target:
    """One column of the results: our VM under one configuration, or an external VM."""
    label: str                    # unique name used in tables, plots and files
    vm: str                       # 'twosom' or the external VM's name
    path: str                     # the executable
    args: list = field(default_factory=list)   # VM options, before -cp
    core_lib: str = None          # the VM's core library, last on the class path
    external: bool = False

    def to_json(self):
        return {"label": self.label, "vm": self.vm, "path": self.path, "args": self.args,
                "core_lib": self.core_lib, "external": self.external}


class UsageError(Exception):
    pass


def parse_config(spec):
    """'off' -> ('off', ['--jit=off']); 'name:args...' -> (name, shlex.split(args))."""
    if ":" in spec:
        name, args = spec.split(":", 1)
        name = name.strip()
        if not name:
            raise UsageError(f"--config {spec!r}: empty name")
        return name, shlex.split(args)
    spec = spec.strip()
    if not spec:
        raise UsageError("--config: empty")
    return spec, [f"--jit={spec}"]


def parse_external(spec):
    """'NAME=PATH[:CLASSPATH]' -> (name, path, classpath or None)."""
    if "=" not in spec:
        raise UsageError(f"--external {spec!r}: expected NAME=PATH[:CLASSPATH]")
    name, rest = spec.split("=", 1)
    path, _, cp = rest.partition(":")
    if not name or not path:
        raise UsageError(f"--external {spec!r}: expected NAME=PATH[:CLASSPATH]")
    return name.strip(), path, (cp or None)


def command_for(target, bench, iterations, inner, root):
    """The argv of one invocation of ``bench`` on ``target``."""
    cp = [os.path.join(root, c) for c in bench.classpath]
    if target.core_lib:
        cp += target.core_lib.split(":")
    argv = [target.path] + list(target.args)
    if cp:
        argv += ["-cp", ":".join(cp)]
    argv.append(os.path.join(root, bench.main))
    argv += substitute(bench.args, benchmark=bench.name,
                       iterations=iterations if bench.iterates else 1, inner=inner)
    return argv


@dataclass
class Outcome:
    ok: bool
    wall_s: float
    exit_code: int
    iterations: list
    parts: list
    error: str = ""
    stdout_tail: str = ""
    stderr_tail: str = ""


def _tail(text, n=15):
    lines = text.splitlines()
    return "\n".join(lines[-n:])


def run_invocation(argv, bench, expected_iterations, timeout, cwd):
    start = time.monotonic()
    try:
        p = subprocess.run(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           stdin=subprocess.DEVNULL, timeout=timeout)
        out = p.stdout.decode("utf-8", "replace")
        err = p.stderr.decode("utf-8", "replace")
        code = p.returncode
    except subprocess.TimeoutExpired as e:
        wall = time.monotonic() - start
        out = (e.stdout or b"").decode("utf-8", "replace")
        err = (e.stderr or b"").decode("utf-8", "replace")
        return Outcome(False, wall, -1, [], [], f"timed out after {timeout}s",
                       _tail(out), _tail(err))
    except OSError as e:
        return Outcome(False, time.monotonic() - start, -1, [], [], f"cannot run: {e}", "", "")
    wall = time.monotonic() - start
    parsed = PARSERS[bench.kind](out, bench.name)
    problems = list(parsed["errors"])
    if code != 0:
        problems.insert(0, f"exit status {code}")
    n = len(parsed["iterations"])
    want = expected_iterations if bench.iterates else 1
    if not problems and n != want:
        problems.append(f"expected {want} timed iterations, found {n}")
    return Outcome(not problems, wall, code, parsed["iterations"], parsed["parts"],
                   "; ".join(problems), _tail(out), _tail(err))


def fmt_duration(s):
    if s is None:
        return "?"
    s = int(round(s))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


class Progress:
    """Progress lines on stderr: position, what runs, elapsed time and an ETA that uses the
    durations measured so far (per target and benchmark, else per benchmark, else overall)."""

    def __init__(self, plan, quiet=False, stream=sys.stderr):
        self.plan = plan            # list of (target, bench, invocation)
        self.total = len(plan)
        self.done = 0
        self.start = time.monotonic()
        self.durations = {}         # (label, bench) -> [seconds]
        self.quiet = quiet
        self.stream = stream

    def _estimate(self, label, bench):
        d = self.durations.get((label, bench))
        if d:
            return sum(d) / len(d)
        same_bench = [x for (l, b), v in self.durations.items() if b == bench for x in v]
        if same_bench:
            return sum(same_bench) / len(same_bench)
        return None

    def eta(self):
        remaining = self.plan[self.done:]
        if not remaining:
            return 0.0
        all_d = [x for v in self.durations.values() for x in v]
        if not all_d:
            return None
        overall = sum(all_d) / len(all_d)
        total = 0.0
        for target, bench, _ in remaining:
            e = self._estimate(target.label, bench.name)
            total += overall if e is None else e
        return total

    def starting(self, target, bench, inv, invocations):
        if self.quiet:
            return
        elapsed = time.monotonic() - self.start
        print(f"[{self.done + 1}/{self.total}] {target.label} {bench.name} "
              f"invocation {inv}/{invocations}  elapsed {fmt_duration(elapsed)}  "
              f"ETA {fmt_duration(self.eta())}", file=self.stream, flush=True)

    def finished(self, target, bench, outcome):
        self.done += 1
        self.durations.setdefault((target.label, bench.name), []).append(outcome.wall_s)
        if self.quiet and outcome.ok:
            return
        if outcome.ok:
            times = [it["time_us"] for it in outcome.iterations]
            if len(times) > 1:
                what = f"first {times[0] / 1000:.1f} ms, last {times[-1] / 1000:.1f} ms"
            elif times:
                what = f"total {times[0] / 1000:.1f} ms"
            else:
                what = ""
            print(f"      ok in {outcome.wall_s:.1f}s: {what}", file=self.stream, flush=True)
        else:
            print(f"      FAILED ({outcome.error}) after {outcome.wall_s:.1f}s", file=self.stream)
            if outcome.stderr_tail:
                print("      stderr: " + outcome.stderr_tail.replace("\n", "\n              "),
                      file=self.stream)
            if outcome.stdout_tail:
                print("      stdout: " + outcome.stdout_tail.replace("\n", "\n              "),
                      file=self.stream, flush=True)
