#!/usr/bin/env python3
"""Golden-output test runner for TwoSOM (Python 3 standard library only).

Every case in this directory is identified by a file <name>.expected
(the exact expected stdout). Optional companions:

  <name>.som      the main file (usually a class <name> with a run method)
  <name>.exit     expected exit status (a single integer; 0 if missing)
  <name>.stderr   lines that must each appear in stderr as a substring
                  (compared case-insensitively; blank lines are ignored)
  <name>.args     replaces the default program arguments (the main file);
                  shell-style quoting; '{dir}' expands to this directory.
                  A relative first argument is taken relative to {dir}.

Each case runs as

  VM <vm-args> -cp <core-lib>:<golden-dir> <golden-dir>/<name>.som

(or with the .args arguments instead of the main file) in a fixed
working directory (an empty temporary directory), with a 60 s timeout.
"""

import argparse
import concurrent.futures
import difflib
import os
import re
import shlex
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TIMEOUT = 60


def discover(directory):
    return sorted(f[:-len('.expected')] for f in os.listdir(directory)
                  if f.endswith('.expected'))


def read(path, default=None, binary=False):
    if not os.path.exists(path):
        return default
    with open(path, 'rb' if binary else 'r', encoding=None if binary else 'utf-8') as f:
        return f.read()


def program_args(name, directory):
    args_text = read(os.path.join(directory, name + '.args'))
    if args_text is None:
        return [os.path.join(directory, name + '.som')]
    args = [a.replace('{dir}', directory) for a in shlex.split(args_text)]
    if args and not os.path.isabs(args[0]):
        args[0] = os.path.join(directory, args[0])
    return args


def run_case(name, opts, workdir):
    directory = opts.dir
    cmd = ([opts.vm] + shlex.split(opts.vm_args)
           + ['-cp', opts.core_lib + ':' + directory]
           + program_args(name, directory))
    expected_out = read(os.path.join(directory, name + '.expected'), b'', binary=True)
    exit_text = read(os.path.join(directory, name + '.exit'), '0').strip() or '0'
    expected_exit = int(exit_text)
    stderr_text = read(os.path.join(directory, name + '.stderr'), '')
    stderr_needles = [l.strip() for l in stderr_text.splitlines() if l.strip()]

    problems = []
    try:
        proc = subprocess.run(cmd, cwd=workdir, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=TIMEOUT)
        out, err, code = proc.stdout, proc.stderr, proc.returncode
    except subprocess.TimeoutExpired as e:
        out, err, code = e.stdout or b'', e.stderr or b'', None
        problems.append('timed out after %d s' % TIMEOUT)
    except OSError as e:
        return name, ['cannot run %s: %s' % (opts.vm, e)], cmd

    if opts.drop_stdout_lines:
        pattern = re.compile(opts.drop_stdout_lines.encode('utf-8'))
        out = b''.join(l for l in out.splitlines(keepends=True)
                       if not pattern.search(l))
    if code is not None and code != expected_exit:
        if code < 0:
            problems.append('exit status: killed by signal %d (expected %d)'
                            % (-code, expected_exit))
        else:
            problems.append('exit status: %d (expected %d)' % (code, expected_exit))
    if out != expected_out:
        exp_lines = expected_out.decode('utf-8', 'replace').splitlines(keepends=True)
        got_lines = out.decode('utf-8', 'replace').splitlines(keepends=True)
        diff = ''.join(difflib.unified_diff(exp_lines, got_lines,
                                            'expected stdout', 'actual stdout'))
        if not diff:  # differences only in the final newline
            diff = 'expected %r\n     got %r\n' % (expected_out[-80:], out[-80:])
        problems.append('stdout differs:\n' + diff.rstrip('\n'))
    err_text = err.decode('utf-8', 'replace')
    for needle in stderr_needles:
        if needle.lower() not in err_text.lower():
            problems.append('stderr lacks %r' % needle)
    if problems and err_text.strip():
        tail = err_text.strip().splitlines()[-15:]
        problems.append('stderr (last lines):\n    ' + '\n    '.join(tail))
    return name, problems, cmd


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--vm', required=True, help='path of the VM binary')
    parser.add_argument('--vm-args', default='', help='extra VM options (one string)')
    parser.add_argument('--core-lib', default=os.path.join(REPO, 'core-lib'),
                        help='core library directory (default: <repo>/core-lib)')
    parser.add_argument('--dir', default=HERE, help=argparse.SUPPRESS)
    parser.add_argument('--drop-stdout-lines', metavar='REGEX', default=None,
                        help='ignore stdout lines matching REGEX (for reference VMs '
                             'that print banners, e.g. "^This is SOM\\+\\+")')
    parser.add_argument('-j', '--jobs', type=int, default=2, help='parallel cases (default 2)')
    parser.add_argument('-v', '--verbose', action='store_true', help='print every case')
    parser.add_argument('cases', nargs='*', help='case names (default: all)')
    opts = parser.parse_args()
    opts.vm = os.path.abspath(opts.vm)
    opts.core_lib = os.path.abspath(opts.core_lib)
    opts.dir = os.path.abspath(opts.dir)

    all_cases = discover(opts.dir)
    cases = []
    for c in opts.cases:
        c = os.path.basename(c)
        for suffix in ('.som', '.expected'):
            if c.endswith(suffix):
                c = c[:-len(suffix)]
        if c not in all_cases:
            print('unknown case: %s' % c, file=sys.stderr)
            return 2
        cases.append(c)
    if not cases:
        cases = all_cases

    failed = []
    with tempfile.TemporaryDirectory(prefix='twosom-golden-') as workdir:
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, opts.jobs)) as pool:
            results = pool.map(lambda c: run_case(c, opts, workdir), cases)
            for name, problems, cmd in results:
                if problems:
                    failed.append(name)
                    print('FAIL %s' % name)
                    print('  command: %s' % ' '.join(shlex.quote(a) for a in cmd))
                    for p in problems:
                        print('  ' + p.replace('\n', '\n  '))
                elif opts.verbose:
                    print('ok   %s' % name)
                sys.stdout.flush()

    print('golden: %d passed, %d failed, %d total'
          % (len(cases) - len(failed), len(failed), len(cases)))
    if failed:
        print('failed: ' + ' '.join(failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
