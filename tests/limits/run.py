#!/usr/bin/env python3
"""Hard limits fail cleanly: programs that hit a limit of the VM (heap, array and string
sizes, activation depth through methods, blocks and perform:, literal sizes, the number
of classes) must either run correctly or stop with a clear error on stderr and exit
status 1, printing nothing misleading on stdout. Python 3 stdlib only.

    run.py --vm build/twosom [--vm-args "--jit=tier1 --tier1-threshold=0"] [-k NAME] [-v]

Each case writes its program (and, for the class-count case, its thousands of classes)
into a temporary directory and checks stdout exactly, the exit status and a substring of
stderr. The last line is `limits: P passed, F failed, N total`.
"""
import argparse
import os
import shlex
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Case:
    def __init__(self, name, source, stdout="", exit=0, stderr=None, args=(), vm_args=(),
                 extra_files=None):
        self.name = name
        self.source = source
        self.stdout = stdout
        self.exit = exit
        self.stderr = stderr
        self.args = list(args)
        self.vm_args = list(vm_args)
        self.extra_files = extra_files or (lambda directory: None)


def program(body, temps="", methods=""):
    declaration = "    | %s |\n" % temps if temps else ""
    return "Main = (\n  run = (\n%s%s\n  )\n%s\n)\n" % (declaration, body, methods)


def many_classes(directory, count=3000, chain=400):
    """Classes K0..K{count-1}: the first `chain` form one subclass chain (K1 subclasses K0
    ...), each overriding #value with super value + 1; the rest subclass Object and answer
    their index from a method and a class-side method."""
    for i in range(count):
        if i == 0:
            text = "K0 = (\n  value = ( ^ 0 )\n  ----\n  index = ( ^ 0 )\n)\n"
        elif i < chain:
            text = ("K%d = K%d (\n  value = ( ^ super value + 1 )\n  ----\n  index = ( ^ %d )\n)\n"
                    % (i, i - 1, i))
        else:
            text = "K%d = (\n  value = ( ^ %d )\n  ----\n  index = ( ^ %d )\n)\n" % (i, i, i)
        with open(os.path.join(directory, "K%d.som" % i), "w") as f:
            f.write(text)


def classes_program(count=3000, chain=400):
    # One method per hundred classes (a method's literals are bounded, and so should
    # generated code be).
    methods = []
    calls = []
    for start in range(0, count, 100):
        terms = " + ".join("K%d new value + K%d index" % (i, i) for i in range(start, min(start + 100, count)))
        methods.append("  sum%d = ( ^ %s )" % (start, terms))
        calls.append("total := total + self sum%d." % start)
    body = "    total := 0.\n    " + "\n    ".join(calls) + "\n    total println.\n    (K%d new value) println" % (chain - 1)
    return program(body, "total", "\n".join(methods))


def expected_classes_total(count=3000, chain=400):
    total = 0
    for i in range(count):
        total += i + i  # value (chain: depth = i) + index
    return "%d\n%d\n" % (total, chain - 1)


BIG_DIGITS = "9" * 20000

CASES = [
    Case("array-too-large",
         program("    (Array new: 100000000000) length println"),
         exit=1, stderr="is too large"),
    Case("array-length-beyond-smallint-words",
         program("    (Array new: 1152921504606846975) length println"),
         exit=1, stderr="is too large"),
    Case("vector-too-large",
         program("    (Vector new: 100000000000) size println"),
         exit=1, stderr="is too large"),
    Case("array-large-ok",
         program("    a := Array new: 10000000 withAll: 7.\n"
                 "    a at: 10000000 put: 8.\n    (a at: 10000000) println.\n    a length println", "a"),
         stdout="8\n10000000\n"),
    Case("string-large-ok",
         program("    s := 'ab'.\n    22 timesRepeat: [ s := s + s ].\n    s length println.\n"
                 "    (s charAt: 8388608) println.\n    (s asSymbol length) println", "s"),
         stdout="8388608\nb\n8388608\n"),
    Case("string-doubling-exhausts-heap",
         program("    s := 'ab'.\n    60 timesRepeat: [ s := s + s ].\n    s length println", "s"),
         vm_args=["--max-heap=64M"], exit=1, stderr="out of memory"),
    Case("vector-growth-exhausts-heap",
         program("    v := Vector new.\n    [ true ] whileTrue: [ v append: v size ]", "v"),
         vm_args=["--max-heap=64M"], exit=1, stderr="out of memory"),
    Case("object-graph-exhausts-heap",
         program("    head := nil.\n    [ true ] whileTrue: [ head := Array with: head with: (Array new: 8) ]", "head"),
         vm_args=["--max-heap=32M"], exit=1, stderr="out of memory"),
    Case("large-integer-literal",
         program("    n := %s.\n    (n + 1) asString length println.\n"
                 "    (n / (n - 1)) println" % BIG_DIGITS, "n"),
         stdout="20001\n1\n"),
    Case("large-string-literal",
         program("    '%s' length println" % ("x" * 100000)),
         stdout="100000\n"),
    Case("many-literals",
         program("    sum := 0.\n" +
                 "".join("    sum := sum + %d.\n" % (1000000 + i) for i in range(3000)) +
                 "    sum println", "sum"),
         stdout="%d\n" % sum(1000000 + i for i in range(3000))),
    Case("recursion-methods",
         program("    self down: 0", methods="  down: n = ( ^ self down: n + 1 )"),
         exit=1, stderr="stack overflow"),
    Case("recursion-blocks",
         program("    b := nil.\n    b := [:n | b value: n + 1].\n    b value: 0", "b"),
         exit=1, stderr="stack overflow"),
    Case("recursion-perform",
         program("    self perform: #down: withArguments: (Array with: 0)",
                 methods="  down: n = ( ^ self perform: #down: withArguments: (Array with: n + 1) )"),
         exit=1, stderr="stack overflow"),
    Case("recursion-perform-in-block",
         program("    self down: 0",
                 methods="  down: n = ( ^ [:k | self perform: #down: withArguments: (Array with: k)] value: n + 1 )"),
         exit=1, stderr="stack overflow"),
    Case("recursion-dnu",
         program("    self missing: 0",
                 methods="  doesNotUnderstand: sel arguments: args = ( ^ self missing: (args at: 1) + 1 )"),
         exit=1, stderr="stack overflow"),
    Case("thousands-of-classes",
         classes_program(), stdout=expected_classes_total(),
         extra_files=many_classes),
]


def run_case(case, vm, vm_args, verbose):
    with tempfile.TemporaryDirectory(prefix="twosom-limits-") as d:
        main = os.path.join(d, "Main.som")
        with open(main, "w") as f:
            f.write(case.source)
        case.extra_files(d)
        cmd = [vm] + vm_args + case.vm_args + ["-cp", os.path.join(REPO, "core-lib") + ":" + d, main] + case.args
        try:
            p = subprocess.run(cmd, capture_output=True, timeout=300, cwd=d)
        except subprocess.TimeoutExpired:
            return False, "timed out: %s" % shlex.join(cmd)
        out = p.stdout.decode("utf-8", "replace")
        err = p.stderr.decode("utf-8", "replace")
        problems = []
        if out != case.stdout:
            problems.append("stdout: expected %r, got %r" % (case.stdout, out[:300]))
        if p.returncode != case.exit:
            problems.append("exit status: expected %d, got %d" % (case.exit, p.returncode))
        if case.stderr and case.stderr.lower() not in err.lower():
            problems.append("stderr lacks %r; got %r" % (case.stderr, err[:500]))
        if case.exit == 0 and err:
            problems.append("unexpected stderr %r" % err[:300])
        ok = not problems
        if verbose or not ok:
            problems.insert(0, "command: %s" % shlex.join(cmd))
        return ok, "\n    ".join(problems)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vm", required=True)
    ap.add_argument("--vm-args", default="", help="VM options (one string, split like a shell)")
    ap.add_argument("-k", dest="only", action="append", help="run only cases containing this")
    ap.add_argument("-v", "--verbose", action="store_true")
    opts = ap.parse_args()
    opts.vm = os.path.abspath(opts.vm)
    vm_args = shlex.split(opts.vm_args)
    passed = failed = 0
    for case in CASES:
        if opts.only and not any(k in case.name for k in opts.only):
            continue
        ok, detail = run_case(case, opts.vm, vm_args, opts.verbose)
        print("%s %s" % ("ok  " if ok else "FAIL", case.name))
        if detail and (not ok or opts.verbose):
            print("    " + detail)
        if ok:
            passed += 1
        else:
            failed += 1
    print("limits: %d passed, %d failed, %d total" % (passed, failed, passed + failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
