#!/usr/bin/env python3
"""Differential testing of TwoSOM's execution configurations (Python 3 stdlib only).

Generates N random SOM programs (tests/diff/gen.py, seeds SEED .. SEED+N-1), runs each
under every configuration and compares stdout, exit status and the first line of stderr
(the runtime error message, if any; --stdout-only leaves it out) with the first
configuration (the reference, normally the interpreter). A mismatching program is
minimized (delta debugging over methods and statements, keeping the mismatch) and written
with the outputs to tests/diff/regressions/seed-<S>/; the run then exits non-zero.

    run.py [--count N] [--seed S] [--jobs J] [--vm PATH] [--config "OPTIONS"]...
    run.py --replay DIR          runs a saved program (e.g. a regression) under the
                                 configurations in DIR/configs.txt (or the given ones)

Default configurations: --jit=off (reference), --jit=tier1 --tier1-threshold=0,
--jit=tier1 --tier1-threshold=3, --jit=tier1, --jit=tier2 --tier2-threshold=2,
--jit=tier2 --tier2-threshold=0, --jit=tier2 --tier2-threshold=2 --tier2-param=hotexit=1
--tier2-param=hotcall=2 (side traces from every exit taken, methods traced from their
entry after two calls), --jit=both --tier1-threshold=0 --tier2-threshold=2
--tier2-param=hotexit=1 --tier2-param=hotcall=2.
Giving --config replaces the list.
"""

import argparse
import concurrent.futures
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import gen  # noqa: E402

COMPARE_ERROR_LINE = True
DEFAULT_CONFIGS = ['--jit=off', '--jit=tier1 --tier1-threshold=0',
                   '--jit=tier1 --tier1-threshold=3', '--jit=tier1',
                   '--jit=tier2 --tier2-threshold=2', '--jit=tier2 --tier2-threshold=0',
                   '--jit=tier2 --tier2-threshold=2 --tier2-param=hotexit=1 --tier2-param=hotcall=2',
                   '--jit=both --tier1-threshold=0 --tier2-threshold=2 --tier2-param=hotexit=1 --tier2-param=hotcall=2']


class Result:
    def __init__(self, stdout, stderr, status, seconds):
        self.stdout = stdout
        self.stderr = stderr
        self.status = status      # exit status, negative for a signal, 'timeout'
        self.seconds = seconds

    def key(self):
        return (self.stdout, self.status, self.error_line())

    def error_line(self):
        """The first line of stderr, i.e. the runtime error message (the backtrace that
        follows may differ between configurations and is not compared)."""
        if not COMPARE_ERROR_LINE or not self.stderr:
            return b''
        return self.stderr.split(b'\n', 1)[0]


def run_vm(vm, config, directory, timeout):
    directory = os.path.abspath(directory)
    cmd = [vm] + shlex.split(config) + [os.path.join(directory, 'Main.som')]
    for attempt in range(20):
        t0 = time.monotonic()
        try:
            p = subprocess.run(cmd, cwd=directory, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=timeout)
            return Result(p.stdout, p.stderr, p.returncode, time.monotonic() - t0)
        except subprocess.TimeoutExpired as e:
            return Result(e.stdout or b'', e.stderr or b'', 'timeout', time.monotonic() - t0)
        except OSError as e:
            # the binary is being rebuilt (for long runs, test a copy of it)
            if attempt == 19:
                raise SystemExit('run.py: cannot run %s: %s' % (vm, e))
            time.sleep(3)


def run_all(vm, configs, directory, timeout):
    return [run_vm(vm, c, directory, timeout) for c in configs]


def sanitizer_report(r):
    """True if a sanitizer build of the VM reported an error (ASan, UBSan)."""
    return b'ERROR: AddressSanitizer' in r.stderr or b': runtime error: ' in r.stderr


def mismatching(results):
    """Indices of the configurations whose result differs from the reference (index 0), or
    that have a sanitizer report (the reference included). A program that times out on the
    reference configuration is not compared."""
    bad = [i for i, r in enumerate(results) if sanitizer_report(r)]
    if results[0].status == 'timeout':
        return bad
    ref = results[0].key()
    return sorted(set(bad) | {i for i, r in enumerate(results) if i and r.key() != ref})


# --- minimization ----------------------------------------------------------------------

def lists_in(program):
    """Every removable list in the program tree, outermost first."""
    out = []
    for c in program.classes:
        out.append(('methods', c, c.methods))
        out.append(('methods', c, c.class_methods))
    for c in program.classes:
        for m in c.methods + c.class_methods:
            todo = [m.body]
            while todo:
                lst = todo.pop(0)
                out.append(('stmts', m, lst))
                for s in lst:
                    if isinstance(s, gen.Compound):
                        todo += [p for p in s.parts if isinstance(p, list)]
    return out


def ddmin_list(lst, removable, still_fails):
    """Shrinks lst in place to a 1-minimal sublist (over removable items) that still fails."""
    fixed = [x for x in lst if not removable(x)]
    items = [x for x in lst if removable(x)]
    if not items:
        return False
    order = {id(x): i for i, x in enumerate(lst)}

    def attempt(keep):
        candidate = sorted(fixed + keep, key=lambda x: order[id(x)])
        old = lst[:]
        lst[:] = candidate
        if still_fails():
            return True
        lst[:] = old
        return False

    changed = False
    if attempt([]):
        return True
    n = 2
    while len(items) >= 2:
        size = (len(items) + n - 1) // n
        chunks = [items[i:i + size] for i in range(0, len(items), size)]
        reduced = False
        for ch in chunks:
            rest = [x for x in items if all(x is not y for y in ch)]
            if attempt(rest):
                items = rest
                n = max(n - 1, 2)
                reduced = changed = True
                break
        if not reduced:
            if n >= len(items):
                break
            n = min(len(items), n * 2)
    if len(items) == 1 and attempt([]):
        changed = True
    return changed


def minimize(program, vm, configs, timeout, log, ref_status):
    """Deletes methods and statements while the mismatch persists and the reference
    configuration still ends with the same exit status (so that the program stays as valid
    as it was). Answers the number of test executions."""
    work = tempfile.mkdtemp(prefix='twosom-diff-min-')
    runs = [0]

    def still_fails():
        runs[0] += 1
        shutil.rmtree(work, ignore_errors=True)
        program.write(work)
        results = run_all(vm, configs, work, timeout)
        return results[0].status == ref_status and bool(mismatching(results))

    try:
        for _ in range(3):
            changed = False
            for kind, owner, lst in lists_in(program):
                if kind == 'methods':
                    removable = lambda m: m.removable
                else:
                    removable = lambda s: True
                if ddmin_list(lst, removable, still_fails):
                    changed = True
            log('  minimization pass: %d test runs so far' % runs[0])
            if not changed:
                break
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return runs[0]


def shown_path(path):
    rel = os.path.relpath(path, REPO)
    return path if rel.startswith('..') else rel


def save_regression(out_dir, seed, program, configs, results):
    d = os.path.join(out_dir, 'seed-%d' % seed)
    shutil.rmtree(d, ignore_errors=True)
    program.write(d)
    with open(os.path.join(d, 'configs.txt'), 'w') as f:
        for c in configs:
            f.write(c + '\n')
    with open(os.path.join(d, 'README.txt'), 'w') as f:
        f.write('Differential-testing mismatch: program seed %d (tests/diff/gen.py), minimized.\n'
                'Replay: tests/diff/run.py --replay %s\n\n' % (seed, shown_path(d)))
        for c, r in zip(configs, results):
            f.write('=== %s: exit status %s, %.2f s\n' % (c, r.status, r.seconds))
            f.write('--- stdout\n%s\n' % r.stdout.decode('utf-8', 'replace'))
            err = r.stderr.decode('utf-8', 'replace')
            if err:
                f.write('--- stderr (first 40 lines)\n%s\n' % '\n'.join(err.splitlines()[:40]))
    return d


# --- driver ----------------------------------------------------------------------------

def check_seed(seed, args):
    program = gen.generate(seed)
    d = tempfile.mkdtemp(prefix='twosom-diff-')
    try:
        program.write(d)
        results = run_all(args.vm, args.configs, d, args.timeout)
        return seed, results, mismatching(results)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def report_mismatch(seed, results, bad, args, log):
    log('MISMATCH seed %d: %s differ from %s or have sanitizer reports' % (
        seed, ', '.join(repr(args.configs[i]) for i in bad), repr(args.configs[0])))
    bad = [i for i in bad if i]
    for i in [0] + bad:
        r = results[i]
        log('  %-40s exit %s, %d bytes of output' % (args.configs[i], r.status, len(r.stdout)))
    program = gen.generate(seed)
    configs = [args.configs[0]] + [args.configs[i] for i in bad]
    if args.minimize:
        log('  minimizing ...')
        minimize(program, args.vm, configs, args.timeout, log, results[0].status)
    d = tempfile.mkdtemp(prefix='twosom-diff-')
    program.write(d)
    final = run_all(args.vm, configs, d, args.timeout)
    shutil.rmtree(d, ignore_errors=True)
    saved = save_regression(args.out, seed, program, configs, final)
    log('  reproducer: %s' % shown_path(saved))


def replay(directory, args):
    results = run_all(args.vm, args.configs, directory, args.timeout)
    bad = mismatching(results)
    for c, r in zip(args.configs, results):
        print('%-40s exit %s, %d bytes, %.2f s%s' % (c, r.status, len(r.stdout), r.seconds,
                                                     '  MISMATCH' if c in [args.configs[i] for i in bad] else ''))
    if bad:
        ref = results[0].stdout.decode('utf-8', 'replace').splitlines()
        import difflib
        for i in bad:
            other = results[i].stdout.decode('utf-8', 'replace').splitlines()
            print('--- diff %s vs %s' % (args.configs[0], args.configs[i]))
            for line in list(difflib.unified_diff(ref, other, lineterm='', n=1))[:60]:
                print(line)
            err = results[i].stderr.decode('utf-8', 'replace').strip()
            if err:
                print('--- stderr of %s\n%s' % (args.configs[i], '\n'.join(err.splitlines()[:20])))
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--count', type=int, default=100, help='number of programs (default 100)')
    ap.add_argument('--seed', type=int, default=1, help='first program seed (default 1)')
    ap.add_argument('--jobs', type=int, default=os.cpu_count() or 1)
    ap.add_argument('--vm', default=os.path.join(REPO, 'build', 'twosom'))
    ap.add_argument('--config', action='append', dest='configs',
                    help='VM options of one configuration (repeat; the first is the reference)')
    ap.add_argument('--timeout', type=float, default=20.0, help='seconds per run (default 20)')
    ap.add_argument('--out', default=os.path.join(HERE, 'regressions'),
                    help='where reproducers go (default tests/diff/regressions)')
    ap.add_argument('--no-minimize', dest='minimize', action='store_false')
    ap.add_argument('--max-failures', type=int, default=5,
                    help='stop after this many mismatching programs (default 5)')
    ap.add_argument('--replay', metavar='DIR', help='run the program in DIR and compare')
    ap.add_argument('--regressions', metavar='DIR',
                    help='first replay every saved reproducer in DIR (each under the '
                         'configurations in its configs.txt); any mismatch fails the run')
    ap.add_argument('--quiet', action='store_true')
    ap.add_argument('--stdout-only', action='store_true',
                    help='compare stdout and exit status only (not the first line of stderr)')
    args = ap.parse_args()
    saved = args.replay and os.path.join(args.replay, 'configs.txt')
    if not args.configs and saved and os.path.exists(saved):
        with open(saved) as f:
            args.configs = [line.strip() for line in f if line.strip()]
    args.configs = args.configs or DEFAULT_CONFIGS
    args.vm = os.path.abspath(args.vm)
    global COMPARE_ERROR_LINE
    COMPARE_ERROR_LINE = not args.stdout_only
    if not os.access(args.vm, os.X_OK):
        print('run.py: no VM at %s (build it with tools/build)' % args.vm, file=sys.stderr)
        return 2
    if len(args.configs) < 2:
        print('run.py: need at least two configurations', file=sys.stderr)
        return 2

    def log(msg):
        print(msg, flush=True)

    if args.replay:
        return replay(args.replay, args)

    regression_failures = []
    if args.regressions and os.path.isdir(args.regressions):
        for name in sorted(os.listdir(args.regressions)):
            d = os.path.join(args.regressions, name)
            cfg = os.path.join(d, 'configs.txt')
            if not os.path.exists(os.path.join(d, 'Main.som')) or not os.path.exists(cfg):
                continue
            with open(cfg) as f:
                configs = [line.strip() for line in f if line.strip()]
            if mismatching(run_all(args.vm, configs, d, args.timeout)):
                regression_failures.append(name)
                log('REGRESSION %s still mismatches (tests/diff/run.py --replay %s)' % (
                    name, shown_path(d)))

    t0 = time.monotonic()
    done = 0
    failures = []
    slow = []
    ref_time = 0.0
    nonzero = 0
    max_ref = (0.0, None)
    seeds = range(args.seed, args.seed + args.count)
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = {}
        it = iter(seeds)
        # keep a bounded number of programs in flight
        for s in it:
            futures[pool.submit(check_seed, s, args)] = s
            if len(futures) >= args.jobs * 2:
                break
        while futures:
            finished, _ = concurrent.futures.wait(futures, return_when=concurrent.futures.FIRST_COMPLETED)
            for f in finished:
                del futures[f]
                seed, results, bad = f.result()
                done += 1
                t = results[0].seconds
                ref_time += t
                if t > max_ref[0]:
                    max_ref = (t, seed)
                if t > 0.5:
                    slow.append((seed, t))
                if results[0].status == 'timeout':
                    log('note: seed %d times out on the reference configuration (not compared)' % seed)
                elif results[0].status != 0:
                    nonzero += 1  # most end with a deliberate error (gen.ERRORS)
                if bad:
                    failures.append((seed, results, bad))
                # (quiet runs still report every 5000, so that a long run that is stopped
                # has said how far it got)
                if done % (5000 if args.quiet else 100) == 0:
                    log('%d programs, %d mismatches, %.0f s' % (done, len(failures), time.monotonic() - t0))
                if len(failures) < args.max_failures:
                    nxt = next(it, None)
                    if nxt is not None:
                        futures[pool.submit(check_seed, nxt, args)] = nxt
    for seed, results, bad in failures:
        report_mismatch(seed, results, bad, args, log)
    log('%d programs x %d configurations in %.0f s: %d mismatches; %d exit non-zero on the '
        'reference; reference run time avg %.3f s, max %.3f s (seed %s)%s' % (
            done, len(args.configs), time.monotonic() - t0, len(failures), nonzero,
            ref_time / max(done, 1), max_ref[0], max_ref[1],
            ('; %d programs over 0.5 s' % len(slow)) if slow else ''))
    if regression_failures:
        log('%d saved reproducers still mismatch' % len(regression_failures))
    return 1 if failures or regression_failures else 0


if __name__ == '__main__':
    sys.exit(main())
