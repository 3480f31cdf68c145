#!/usr/bin/env python3
"""Random but valid, deterministic SOM programs for differential testing (stdlib only).

    gen.py SEED OUTDIR        writes OUTDIR/Main.som and the helper classes' files
    gen.py SEED               prints every file to stdout

A program is a class Main plus a small hierarchy of helper classes (K0, K1, ...). Every
program:

- keeps a running checksum (`check:` folds integers into `sum`) and prints it after every
  test method, plus doubles, strings, collections and the messages of its own error
  handlers, so a divergence shows up near where it happens;
- has hot code: loops of up to a few hundred iterations (inlined to:do:/whileTrue:/
  to:by:do:/downTo:do:, and the same through real sends: timesRepeat:, do:, inject:into:,
  to:do: with a block variable, whileTrue: on a block variable), methods called from loops;
- mixes integer arithmetic that overflows into large integers and back (assignments are
  reduced with rem:), doubles (printed), strings, Arrays, Vectors, Dictionaries;
- sends polymorphically (the same site sees several helper classes), uses super sends,
  class-side methods and per-class class-side fields, perform: and perform:withArguments:;
- has recursion, non-local returns from blocks passed to other methods (library and own,
  through up to 25 activations), blocks stored in variables and evaluated later in their
  home method, blocks that escape (a non-local return from a block whose home method has
  returned; every class overrides escapedBlock: to answer a number, Main's also prints),
  sends of selectors nobody implements (doesNotUnderstand:arguments: overrides answer a
  number; Main's prints), globals read before they are bound (Main's unknownGlobal: prints
  and binds them) and bound later with system global:put:;
- in about 15% of the programs, ends with a runtime error raised inside a hot loop (division
  by zero, index out of bounds, a non-Boolean condition, error:, exit: ...).

Generation is type-directed so the programs run without unintended runtime errors (no
division by zero, indices in range, no nil receivers, bounded sizes, no unbounded
recursion), and deterministic: no ticks, hashes, identity-dependent output or random
numbers. A cost estimate keeps programs small enough to run in well under 0.5 s on the
interpreter.

The program is built as a tree (classes > methods > statements > nested statements) so
that tests/diff/run.py can minimize a failing program by deleting methods and statements.
"""

import os
import random
import sys

# ---------------------------------------------------------------------------------------
# Program representation (also used by the minimizer in run.py)


class Compound:
    """A statement with nested statement lists: parts alternate text and lists."""

    def __init__(self, *parts):
        self.parts = list(parts)

    def render(self):
        out = []
        for p in self.parts:
            if isinstance(p, list):
                out.append(render_stmts(p))
            elif p.startswith('. ') and (not out or not out[-1]):
                out.append(p[2:])  # no statement before it any more
            else:
                out.append(p)
        return ' '.join(x for x in out if x)


def render_stmt(s):
    return s.render() if isinstance(s, Compound) else s


def render_stmts(stmts):
    return '. '.join(render_stmt(s) for s in stmts)


class Method:
    def __init__(self, pattern, locals_=None, body=None, ret=None, removable=True):
        self.pattern = pattern
        self.locals = locals_ if locals_ is not None else []
        self.body = body if body is not None else []
        self.ret = ret            # final '^ expr' text or None
        self.removable = removable

    def render(self):
        lines = ['    %s = (' % self.pattern]
        if self.locals:
            lines.append('        | %s |' % ' '.join(self.locals))
        for s in self.body:
            lines.append('        %s.' % render_stmt(s))
        if self.ret is not None:
            lines.append('        ^ %s' % self.ret)
        lines.append('    )')
        return '\n'.join(lines)


class ClassDef:
    def __init__(self, name, superclass, fields, class_fields=None):
        self.name = name
        self.superclass = superclass
        self.fields = fields
        self.class_fields = class_fields or []
        self.methods = []
        self.class_methods = []

    def render(self):
        out = ['%s = %s (' % (self.name, self.superclass)]
        if self.fields:
            out.append('    | %s |' % ' '.join(self.fields))
        for m in self.methods:
            out.append(m.render())
        if self.class_methods or self.class_fields:
            out.append('    ----')
            if self.class_fields:
                out.append('    | %s |' % ' '.join(self.class_fields))
            for m in self.class_methods:
                out.append(m.render())
        out.append(')')
        return '\n'.join(out) + '\n'


class Program:
    def __init__(self, seed, classes):
        self.seed = seed
        self.classes = classes

    def files(self):
        return {c.name + '.som': c.render() for c in self.classes}

    def write(self, directory):
        os.makedirs(directory, exist_ok=True)
        for name, text in self.files().items():
            with open(os.path.join(directory, name), 'w') as f:
                f.write(text)


# ---------------------------------------------------------------------------------------
# Types: I Integer, D Double, S String, B Boolean, A Array of Integers, V Vector of
# Integers, M Dictionary Integer->Integer, O helper object, OA Array of helper objects,
# K1 one-argument block Integer->Integer.

BIG_INTS = ['1152921504606846975', '4611686018427387903', '4611686018427387904', '9223372036854775807',
            '9223372036854775808', '1152921504606846976', '18446744073709551616',
            '100000000000000000000', '99999999999999999999999', '2305843009213693951',
            '2305843009213693952']
MODULI = ['1000000007', '65536', '4611686018427387904', '9223372036854775807',
          '100000000000000000000000', '2147483647', '1000']
DOUBLES = ['0.5', '1.5', '2.25', '3.0', '0.1', '100.125', '1234.5678', '7.75', '0.001',
           '42.0', '3.14159', '2.718281828']
STRINGS = ["'abc'", "'x'", "''", "'hello world'", "'SOM'", "'tier'", "'42'", "'a-b'",
           "'loop'", "'zz'"]
DICT_KEYS = 8
# Statements that end a program with an error (see gen_main)
ERRORS = ['sum println. sum / 0', 'sum println. nil foo', '(Array new: 3) at: sum abs + 4',
          "self error: 'boom ' + sum", 'system exit: 3', 'sum ifTrue: [ 1 ]',
          '[:x | x ] value: 1 with: 2', 'sum + nil', "'abc' substringFrom: 2 to: 9", 'sum println. 1 << -1',
          'sum println. #(1 2) at: 0 put: 3', 'sum println. Integer fromString: 12']
# globals the program binds with system global:put: (and reads before that: Main's
# unknownGlobal: answers 0 for them)
GLOBALS = ['Gv1', 'Gv2', 'Gv3']

# The helper classes' interface: selector -> (rank, argument types, result type). A method
# of rank r sends (to self or other helpers) only selectors of lower rank, so helper code
# never recurses.
IFACE = [
    # rank 0: often trivial methods (getter, setter, constant, self), answered at the send
    # site without an activation; a subclass may make them ordinary methods
    ('geta', 0, [], 'I'),
    ('seta:', 0, ['I'], 'O'),
    ('flag', 0, [], 'B'),
    ('me', 0, [], 'O'),
    ('v0', 1, [], 'I'),
    ('+', 2, ['I'], 'I'),
    ('v1:', 3, ['I'], 'I'),
    ('label', 4, [], 'S'),
    ('ratio', 5, [], 'D'),
    ('v2:with:', 6, ['I', 'I'], 'I'),
    ('bump', 7, [], 'I'),
    ('visit:', 8, ['K1'], 'I'),
    ('mk:', 9, ['I'], 'K1'),
    ('esc:', 10, ['I'], 'K1'),
]
NO_RANK = 100


def kw_send(sel, args):
    """Renders the message part of a send: 'v2:with:' + [a, b] -> 'v2: a with: b'."""
    if not args:
        return sel
    if sel[0] not in 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ':
        return '%s %s' % (sel, args[0])
    parts = [p + ':' for p in sel.split(':') if p]
    return ' '.join('%s %s' % (p, a) for p, a in zip(parts, args))


class Var:
    def __init__(self, name, typ, assignable=True, field=False):
        self.name = name
        self.typ = typ
        self.assignable = assignable
        self.field = field


class Ctx:
    """Where code is being generated: visible variables and constraints."""

    def __init__(self, env, rank=NO_RANK, main=True, weight=1, in_block=False,
                 method=None, allow_nlr=False, helpers=()):
        self.env = env            # list of Var
        self.rank = rank          # helper sends allowed below this rank
        self.main = main          # code in Main (check:, prints, Main helpers)
        self.weight = weight      # iterations of enclosing loops (cost estimate)
        self.in_block = in_block  # inside a real (non-inlined) block
        self.method = method      # the Method being built (for new locals)
        self.allow_nlr = allow_nlr
        self.helpers = helpers    # Main helper methods callable from here
        self.test = False         # in a test method (t0, t1, ...) of Main

    def child(self, **kw):
        c = Ctx(list(self.env), self.rank, self.main, self.weight, self.in_block,
                self.method, self.allow_nlr, self.helpers)
        c.test = self.test
        for k, v in kw.items():
            setattr(c, k, v)
        return c

    def vars(self, typ, assignable=None):
        return [v for v in self.env if v.typ == typ and
                (assignable is None or v.assignable == assignable)]


class Gen:
    LOOP_BUDGET = 3000  # max product of nested loop counts in Main code

    # Estimated cost (roughly: statements and sends executed) above which a program is
    # generated again from another random stream: keeps interpreter runs well under 0.5 s.
    COST_BUDGET = 4000000

    def __init__(self, seed, attempt=0):
        self.seed = seed
        self.r = random.Random(seed * 7919 + attempt)
        self.counter = 0
        self.helper_classes = []  # ClassDef
        self.sel_cost = {}        # interface selector -> max cost of its implementations
        self.cost = 0.0           # cost of the code being generated (see charge)
        # Every Array in a program has this length, so an index computed with side effects
        # (that may assign another Array to the variable) is still in range.
        self.alen = self.r.randint(2, 7)

    def charge(self, amount):
        self.cost += amount

    def fresh(self, prefix):
        self.counter += 1
        return '%s%d' % (prefix, self.counter)

    def chance(self, p):
        return self.r.random() < p

    def pick(self, seq):
        return self.r.choice(seq)

    # --- expressions -------------------------------------------------------------------

    def lit(self, t):
        r = self.r
        if t == 'I':
            k = r.random()
            if k < 0.5:
                v = r.randint(-20, 300)
            elif k < 0.75:
                v = r.randint(-2**31, 2**31)
            elif k < 0.9:
                return self.pick(BIG_INTS)
            else:
                return '(-%s)' % self.pick(BIG_INTS)
            return '(%d)' % v if v < 0 else str(v)
        if t == 'D':
            d = self.pick(DOUBLES)
            return '(-%s)' % d if self.chance(0.2) else d
        if t == 'S':
            return self.pick(STRINGS)
        if t == 'B':
            return self.pick(['true', 'false'])
        if t == 'A':
            return '#(%s)' % ' '.join(str(r.randint(-5, 50)) for _ in range(self.alen))
        raise ValueError(t)

    def index_expr(self, length_expr, ctx, d):
        return '(((%s) abs rem: %s) + 1)' % (self.expr('I', ctx, d), length_expr)

    def expr(self, t, ctx, d=2):
        """An expression of type t, fully parenthesized where it matters."""
        vs = ctx.vars(t)
        if d <= 0 or self.chance(0.25):
            if vs and self.chance(0.75):
                return self.pick(vs).name
            if t in ('I', 'D', 'S', 'B'):
                return self.lit(t)
        gen = getattr(self, 'expr_' + t)
        return gen(ctx, d - 1)

    def objects_expr(self, ctx, d):
        """An expression answering a helper object."""
        return self.expr('O', ctx, d)

    def helper_send(self, ctx, d, want):
        """A send of an interface selector answering `want` to some helper object."""
        cands = [(s, r, a) for s, r, a, t in IFACE if t == want and r < ctx.rank]
        if not cands or not (ctx.vars('O') or ctx.vars('OA') or ctx.main):
            return None
        sel, rank, args = self.pick(cands)
        self.charge(ctx.weight * self.sel_cost.get(sel, 1))
        sub = ctx.child(rank=min(ctx.rank, rank))
        recv = self.objects_expr(ctx, d)
        argv = [self.block1(sub, d) if a == 'K1' else self.expr(a, sub, d) for a in args]
        if self.chance(0.12) and sel not in ('+',):
            if argv:
                return '(%s perform: #%s withArguments: (Array %s))' % (
                    recv, sel, ' '.join('with: %s' % a for a in argv))
            return '(%s perform: #%s)' % (recv, sel)
        return '(%s %s)' % (recv, kw_send(sel, argv))

    def expr_I(self, ctx, d):
        r = self.r
        e = lambda: self.expr('I', ctx, d)
        choices = [
            (8, lambda: '(%s %s %s)' % (e(), self.pick(['+', '-', '*']), e())),
            (2, lambda: '(%s / ((%s) abs + 1))' % (e(), e())),
            (2, lambda: '(%s %% ((%s) abs + 1))' % (e(), e())),
            (2, lambda: '(%s rem: ((%s) abs + 1))' % (e(), e())),
            # Negative divisors: each sign combination of the floored and truncated forms.
            (1, lambda: '(%s %s (((%s) abs + 1) negated))' % (e(), self.pick(['/', '%', 'rem:']), e())),
            (1, lambda: '(%s abs)' % e()),
            (1, lambda: '(%s negated)' % e()),
            (1, lambda: '(%s max: %s)' % (e(), e())),
            (1, lambda: '(%s min: %s)' % (e(), e())),
            (1, lambda: '(%s & %s)' % (e(), e())),
            (1, lambda: '(%s bitXor: %s)' % (e(), e())),
            (1, lambda: '(%s << %d)' % (e(), r.randint(0, 66))),
            (1, lambda: '(%s >>> %d)' % (e(), r.randint(0, 40))),
            (1, lambda: '(%s + %s - %s)' % (e(), self.pick(BIG_INTS), self.pick(BIG_INTS))),
            (1, lambda: '(self roundOf: %s)' % self.expr('D', ctx, d)),
            (1, lambda: '(self truncOf: %s)' % self.expr('D', ctx, d)),
            (1, lambda: '(%s length)' % self.expr('S', ctx, d)),
            (1, lambda: '((%s) ifTrue: [ %s ] ifFalse: [ %s ])' % (
                self.expr('B', ctx, d), e(), e())),
            (1, lambda: '([:%s | %s] value: %s)' % self.block_param_expr(ctx, d)),
            (1, lambda: '(%s sqrt asInteger)' % '(%s abs)' % e()),
        ]
        if ctx.vars('A'):
            a = self.pick(ctx.vars('A')).name
            choices += [(2, lambda: '(%s at: %s)' % (a, self.index_expr(str(self.alen), ctx, d))),
                        (1, lambda: '(%s length)' % a),
                        (1, lambda: (lambda p, q: '(%s inject: 0 into: [:%s :%s | %s + %s])' % (
                            a, p, q, p, q))(self.fresh('acc'), self.fresh('el')))]
        if ctx.vars('V'):
            v = self.pick(ctx.vars('V')).name
            choices += [(1, lambda: '(%s at: %s)' % (v, self.index_expr('%s size' % v, ctx, d))),
                        (1, lambda: '(%s size)' % v)]
        if ctx.vars('M'):
            m = self.pick(ctx.vars('M')).name
            choices += [(1, lambda: '((%s at: ((%s) abs rem: %d)) ifNil: [ 0 ])' % (
                m, e(), DICT_KEYS))]
        if ctx.vars('K1'):
            b = self.pick(ctx.vars('K1')).name
            choices += [(2, lambda: '(%s value: %s)' % (b, e()))]
        if ctx.main or ctx.vars('O'):
            # mk: answers a block, esc: one whose non-local return has no home any more
            choices += [(1, lambda: '(%s value: %s)' % (self.helper_send(ctx, d, 'K1') or
                                                        self.block1(ctx, d, False), e()))]
        if ctx.vars('OA'):
            oa = self.pick(ctx.vars('OA')).name
            def inject_v0():
                self.charge(ctx.weight * 6 * self.sel_cost.get('v0', 1))
                p, q = self.fresh('acc'), self.fresh('ob')
                return '(%s inject: 0 into: [:%s :%s | %s + %s v0])' % (oa, p, q, p, q)
            choices += [(1, inject_v0)]
        if ctx.main or ctx.vars('O'):
            choices += [(5, lambda: self.helper_send(ctx, d, 'I') or e())]
            noisy = 1 if ctx.weight <= 50 and ctx.test else 0.05  # these may print
            choices += [(noisy, lambda: '(%s %s)' % (self.objects_expr(ctx, d), self.pick(
                ['zork', 'frob: 3', 'frob: %s with: 2' % e()])))]
        if ctx.vars('N'):
            n = self.pick(ctx.vars('N')).name
            choices += [(1, lambda: '(%s ifNil: [ %s ] ifNotNil: [ %s v0 ])' % (n, e(), n)),
                        (1, lambda: '(%s isNil ifTrue: [ 1 ] ifFalse: [ %s geta ])' % (n, n))]
        if ctx.main:
            def fib():
                k = self.r.randint(0, 12)
                self.charge(ctx.weight * 1.7 ** k)
                return '(self fib: %d)' % k

            def deep():
                k = self.r.randint(0, 25)
                self.charge(ctx.weight * k)
                return '(self %s: %d)' % (self.pick(['deepRet', 'deepVal']), k)
            def walk():
                k = self.r.randint(0, 5)
                self.charge(ctx.weight * 3 ** k)
                if self.r.random() < 0.5:
                    return '(self walkVal: %d)' % k
                return '(self walkRet: %d over: %d)' % (k, self.r.randint(0, 4 * 3 ** k))
            choices += [(1, fib), (1, deep), (1, walk),
                        (1, lambda: self.pick(GLOBALS))]
            choices += [(1, lambda: '((%s cnt) ifNil: [ 0 ])' % self.pick(self.helper_classes).name),
                        (2, lambda: '(self gadd: %s with: %s)' % (e(), e())),
                        (1, lambda: '(self gmul: %s with: %s)' % (e(), e())),
                        (1, lambda: '(self gmax: %s with: %s)' % (e(), e())),
                        (1, lambda: self.gsum(ctx, e(), '%d'))]
            choices += [(1, lambda: '(%s instances)' % self.pick(self.helper_classes).name),
                        (noisy, lambda: '(self %s)' % self.pick(['nothingHere', 'missing: 7']))]
            hs = [h for h in ctx.helpers if h[2] == 'I']
            if hs:
                choices += [(3, lambda: self.main_helper_call(ctx, d, hs))]
            choices += [(noisy, lambda: '((self esc%d: %s) value: %s)' % (
                self.r.randint(0, 1), e(), e()))]
        return self.weighted(choices)()

    def gsum(self, ctx, first, span_format):
        span = self.r.randint(0, 30)
        self.charge(ctx.weight * 3 * (span + 1))  # a loop of Integer or Double additions
        return '(self gsum: %s span: %s)' % (first, span_format % span)

    def main_helper_call(self, ctx, d, hs):
        sel, args, _t, cost = self.pick(hs)
        self.charge(ctx.weight * cost)
        argv = [self.expr(a, ctx, d) for a in args]
        return '(self %s)' % kw_send(sel, argv)

    def block_param_expr(self, ctx, d):
        x = self.fresh('x')
        env = [v for v in ctx.env if v.typ != 'K1'] + [Var(x, 'I', assignable=False)]
        inner = ctx.child(env=env, in_block=True)
        return (x, self.expr('I', inner, d), self.expr('I', ctx, d))

    def block1(self, ctx, d, allow_nlr=None):
        """A literal one-argument block Integer -> Integer (maybe with statements)."""
        x = self.fresh('x')
        nlr = ctx.allow_nlr if allow_nlr is None else allow_nlr
        env = [v for v in ctx.env if v.typ != 'K1'] + [Var(x, 'I', assignable=False)]
        inner = ctx.child(env=env, in_block=True, allow_nlr=nlr)
        body = ''
        if nlr and self.chance(0.3):
            body = '(%s) ifTrue: [ ^ %s ]. ' % (self.expr('B', inner, 1), self.expr('I', inner, 1))
        elif self.chance(0.3):
            lv = [v for v in inner.vars('I', True) if not v.field]
            if lv and ctx.main:
                t = self.pick(lv).name
                body = '%s := (%s + %s) rem: 1000003. ' % (t, t, x)
        return '[:%s | %s%s]' % (x, body, self.expr('I', inner, d))

    def expr_D(self, ctx, d):
        e = lambda: self.expr('D', ctx, d)
        i = lambda: self.expr('I', ctx, d)
        choices = [
            (6, lambda: '(%s %s %s)' % (e(), self.pick(['+', '-', '*']), e())),
            (2, lambda: '(%s %s %s)' % (e(), self.pick(['+', '-', '*']), i())),
            (1, lambda: '(%s + %s)' % (i(), e())),
            (2, lambda: '(%s // ((%s) abs + 1.0))' % (e(), e())),
            (1, lambda: '(%s // ((%s) abs + 1))' % (i(), i())),
            (1, lambda: '((%s) abs sqrt)' % e()),
            (1, lambda: '(%s %s)' % (e(), self.pick(['sin', 'cos', 'abs', 'negated']))),
            (1, lambda: '(%s asDouble)' % i()),
            (1, lambda: '(%s %% 7.5)' % e()),
        ]
        if ctx.main or ctx.vars('O'):
            choices.append((2, lambda: self.helper_send(ctx, d, 'D') or e()))
        if ctx.main:
            # the generic methods' arithmetic sites see Integers and Doubles
            choices += [(2, lambda: '(self gadd: %s with: %s)' % (e(), self.pick([e, i])())),
                        (1, lambda: '(self gmul: %s with: %s)' % (self.pick([e, i])(), e())),
                        (1, lambda: '(self gmax: %s with: %s)' % (e(), e())),
                        (1, lambda: self.gsum(ctx, '(%s %% 100.0)' % e(), '%d.5'))]
        return self.weighted(choices)()

    def expr_S(self, ctx, d):
        e = lambda: self.expr('S', ctx, d)
        choices = [
            (4, lambda: '(%s + %s)' % (e(), e())),
            (2, lambda: '(%s + %s)' % (e(), self.expr(self.pick(['I', 'D', 'B']), ctx, d))),
            (1, lambda: '(%s concatenate: %s)' % (e(), e())),
            (2, lambda: '(%s asString)' % self.expr(self.pick(['I', 'D']), ctx, d)),
            (2, lambda: '((%s + \'abcd\') substringFrom: %d to: %d)' % (
                e(), 1, self.r.randint(1, 4))),
            (1, lambda: '(#%s asString)' % self.pick(['foo', 'bar:', 'with:with:', 'x'])),
            (1, lambda: '(%s asSymbol asString)' % e()),
        ]
        if ctx.main or ctx.vars('O'):
            choices.append((2, lambda: self.helper_send(ctx, d, 'S') or e()))
        return self.weighted(choices)()

    def expr_B(self, ctx, d):
        i = lambda: self.expr('I', ctx, d)
        b = lambda: self.expr('B', ctx, d)
        choices = [
            (6, lambda: '(%s %s %s)' % (i(), self.pick(['<', '<=', '>', '>=', '=', '~=', '==']), i())),
            (2, lambda: '(%s %s %s)' % (self.expr('D', ctx, d), self.pick(['<', '>', '>=', '<=']),
                                        self.expr(self.pick(['D', 'I']), ctx, d))),
            (1, lambda: '(%s = %s)' % (self.expr('S', ctx, d), self.expr('S', ctx, d))),
            (2, lambda: '(%s %s [ %s ])' % (b(), self.pick(['and:', 'or:', '&&', '||']), b())),
            (1, lambda: '(%s %s %s)' % (b(), self.pick(['and:', 'or:']), b())),
            (1, lambda: '(%s not)' % b()),
            (1, lambda: '(%s between: %s and: %s)' % (i(), i(), i())),
            (1, lambda: '((%s) asSymbol == #%s)' % (self.expr('S', ctx, d),
                                                    self.pick(['abc', 'x', 'SOM']))),
        ]
        if ctx.vars('O') + ctx.vars('N'):
            choices.append((1, lambda: '(%s %s)' % (self.pick(ctx.vars('O') + ctx.vars('N')).name,
                                                    self.pick(['isNil', 'notNil']))))
        if ctx.main or ctx.vars('O'):
            choices.append((1, lambda: self.helper_send(ctx, d, 'B') or b()))
        if ctx.main:
            choices.append((1, lambda: '(self gless: %s with: %s)' % (
                self.expr(self.pick(['I', 'D']), ctx, d), self.expr(self.pick(['I', 'D']), ctx, d))))
            choices.append((1, lambda: '(%s cnt) isNil' % self.pick(self.helper_classes).name))
        if ctx.vars('A'):
            choices.append((1, lambda: '(%s contains: %s)' % (self.pick(ctx.vars('A')).name, i())))
        return self.weighted(choices)()

    def expr_A(self, ctx, d):
        choices = [
            (2, lambda: self.lit('A')),
            (1, lambda: '(Array new: %d withAll: %s)' % (self.alen, self.expr('I', ctx, d))),
            (1, lambda: '(%d to: %d)' % (lambda k: (k, k + self.alen - 1))(self.r.randint(-3, 9))),
        ]
        if self.alen == 2:
            choices.append((1, lambda: '(Array with: %s with: %s)' % (self.expr('I', ctx, d),
                                                                      self.expr('I', ctx, d))))
        if ctx.vars('A'):
            a = self.pick(ctx.vars('A')).name
            choices.append((2, lambda: (lambda el: '(%s collect: [:%s | (%s) rem: 1000003])' % (
                a, el, self.expr('I', ctx.child(env=[v for v in ctx.env if v.typ != 'K1'] +
                                                [Var(el, 'I', False)], in_block=True), d)))(
                self.fresh('el'))))
            choices.append((1, lambda: '(%s copy)' % a))
        return self.weighted(choices)()

    def expr_O(self, ctx, d):
        choices = [(1, lambda: '(%s new)' % self.pick(self.helper_classes).name)]
        if ctx.vars('OA'):
            oa = self.pick(ctx.vars('OA')).name
            choices.append((4, lambda: '(%s at: %s)' % (oa, self.index_expr('%s length' % oa, ctx, d))))
        if ctx.vars('O'):
            choices.append((4, lambda: self.pick(ctx.vars('O')).name))
        if ctx.main or ctx.vars('O'):
            choices.append((2, lambda: self.helper_send(ctx, d, 'O') or
                            '(%s new)' % self.pick(self.helper_classes).name))
        if ctx.vars('N'):
            n = self.pick(ctx.vars('N')).name
            choices.append((1, lambda: '(%s ifNil: [ %s := %s new ])' % (
                n, n, self.pick(self.helper_classes).name)))
        return self.weighted(choices)()

    def expr_K1(self, ctx, d):
        """A block to be stored in a variable. It must not lead back to the code that
        calls it: a block in a field sends nothing to helper objects or Main helpers."""
        return self.block1(self.safe_block_ctx(ctx), d, allow_nlr=False)

    def safe_block_ctx(self, ctx, field=True):
        if field or not ctx.main:
            return ctx.child(rank=0, helpers=())
        return ctx

    def expr_V(self, ctx, d):
        return self.pick(ctx.vars('V')).name

    def expr_M(self, ctx, d):
        return self.pick(ctx.vars('M')).name

    def expr_OA(self, ctx, d):
        return self.pick(ctx.vars('OA')).name

    def weighted(self, choices):
        total = sum(w for w, _ in choices)
        x = self.r.uniform(0, total)
        for w, f in choices:
            x -= w
            if x <= 0:
                return f
        return choices[-1][1]

    # --- statements --------------------------------------------------------------------

    def bounded_assign(self, v, ctx):
        t = v.typ
        if t == 'I':
            return '%s := (%s) rem: %s' % (v.name, self.expr('I', ctx), self.pick(MODULI))
        if t == 'D':
            return '%s := (%s) %% 1000.0' % (v.name, self.expr('D', ctx))
        if t == 'S':
            return '%s := self clip: %s' % (v.name, self.expr('S', ctx))
        if t == 'B':
            return '%s := %s' % (v.name, self.expr('B', ctx))
        if t == 'A':
            return '%s := %s' % (v.name, self.expr('A', ctx))
        if t == 'O':
            return '%s := %s' % (v.name, self.expr('O', ctx))
        if t == 'K1':
            return '%s := %s' % (v.name, self.block1(self.safe_block_ctx(ctx, v.field), 1,
                                                     allow_nlr=False))
        if t == 'V':
            return '%s append: ((%s) rem: 1000). %s size > 12 ifTrue: [ %s removeFirst ]' % (
                v.name, self.expr('I', ctx), v.name, v.name)
        if t == 'M':
            return '%s at: ((%s) abs rem: %d) put: ((%s) rem: 100000)' % (
                v.name, self.expr('I', ctx), DICT_KEYS, self.expr('I', ctx))
        return None

    def stmt(self, ctx, depth):
        """One statement (a string or a Compound)."""
        r = self.r
        self.charge(ctx.weight)
        choices = []
        assignable = [v for v in ctx.env if v.assignable and v.typ in
                      ('I', 'D', 'S', 'B', 'A', 'O', 'K1', 'V', 'M')]
        if assignable:
            choices.append((5, lambda: self.bounded_assign(self.pick(assignable), ctx)))
        arrays = [v for v in ctx.env if v.typ == 'A']
        if arrays:
            choices.append((2, lambda: (lambda a: '%s at: %s put: ((%s) rem: 100000)' % (
                a, self.index_expr(str(self.alen), ctx, 1), self.expr('I', ctx)))(
                self.pick(arrays).name)))
        if ctx.main:
            choices.append((8, lambda: 'self check: %s' % self.expr('I', ctx)))
            if ctx.weight <= 1 and ctx.test:
                choices.append((2, lambda: '(%s) println' % self.expr(
                    self.pick(['D', 'S', 'I', 'D']), ctx)))
                coll = [v for v in ctx.env if v.typ in ('V', 'M')]
                if coll:
                    choices.append((1, lambda: '%s println' % self.pick(coll).name))
            elif ctx.weight <= 60 and ctx.test:
                choices.append((1, lambda: '(%s) println' % self.expr(self.pick(['D', 'S']), ctx, 1)))
        else:
            unary = [s for s, rk, a, t in IFACE if not a and rk < ctx.rank and t == 'I']

            def self_send():
                sel = 'undefinedThing' if not unary or self.chance(0.1) else self.pick(unary)
                self.charge(ctx.weight * self.sel_cost.get(sel, 2))
                return 'self %s' % sel
            choices.append((1, self_send))
        if depth < 3:
            choices.append((3, lambda: self.if_stmt(ctx, depth)))
            if self.loop_allowed(ctx):
                choices.append((5 if ctx.main else 1, lambda: self.loop_stmt(ctx, depth)))
        if ctx.main and ctx.vars('O'):
            choices.append((1, lambda: '%s bump' % self.pick(ctx.vars('O')).name))
        if ctx.main:
            choices.append((1, lambda: 'system global: #%s put: ((%s) rem: 1000)' % (
                self.pick(GLOBALS), self.expr('I', ctx))))
        if ctx.vars('N'):
            choices.append((1, lambda: '%s := %s' % (self.pick(ctx.vars('N')).name, self.pick(
                ['nil', '%s new' % self.pick(self.helper_classes).name]))))
        if ctx.allow_nlr and ctx.in_block is False and ctx.main and depth > 0 and ctx.test:
            choices.append((0.2, lambda: '(%s) ifTrue: [ ^ self ]' % self.expr('B', ctx, 1)))
        return self.weighted(choices)()

    def stmts(self, ctx, depth, n):
        return [self.stmt(ctx, depth) for _ in range(n)]

    def if_stmt(self, ctx, depth):
        c = self.expr('B', ctx, 1)
        k = self.r.random()
        body = lambda: self.stmts(ctx, depth + 1, self.r.randint(1, 2))
        if k < 0.4:
            return Compound('(%s) ifTrue: [' % c, body(), ']')
        if k < 0.55:
            return Compound('(%s) ifFalse: [' % c, body(), ']')
        if k < 0.9:
            return Compound('(%s) ifTrue: [' % c, body(), '] ifFalse: [', body(), ']')
        # not inlined: the blocks are arguments of a real send
        b = self.fresh('cb')
        ctx.method.locals.append(b)
        inner = ctx.child(in_block=True)
        return Compound('%s := [' % b, self.stmts(inner, depth + 1, 1),
                        ']. (%s) ifTrue: %s ifFalse: [ nil ]' % (c, b))

    def loop_allowed(self, ctx):
        if ctx.main:
            return ctx.weight * 20 <= self.LOOP_BUDGET
        return ctx.weight == 1

    def loop_count(self, ctx):
        if not ctx.main:
            return self.r.randint(1, 5)
        hi = max(2, self.LOOP_BUDGET // ctx.weight)
        n = self.r.choice([self.r.randint(2, 20), self.r.randint(20, 150),
                           self.r.randint(100, 400)])
        return max(2, min(n, hi))

    def new_local(self, ctx, prefix):
        name = self.fresh(prefix)
        ctx.method.locals.append(name)
        return name

    def loop_stmt(self, ctx, depth):
        r = self.r
        n = self.loop_count(ctx)
        w = ctx.weight * n
        i = self.fresh('i')
        body_n = r.randint(1, 3)
        if not ctx.main:
            ctx = ctx.child(rank=0)  # helper code sends nothing to helpers inside loops
        inl = ctx.child(weight=w, env=ctx.env + [Var(i, 'I', assignable=False)])
        real = inl.child(in_block=True)
        k = r.random()
        if k < 0.25:
            return Compound('1 to: %d do: [:%s |' % (n, i), self.stmts(inl, depth + 1, body_n), ']')
        if k < 0.29:
            return Compound('1 to: %d by: 3 do: [:%s |' % (n, i), self.stmts(inl, depth + 1, body_n), ']')
        if k < 0.32:
            # downTo:by:do: is not inlined
            return Compound('%d downTo: 1 by: 2 do: [:%s |' % (n, i),
                            self.stmts(real, depth + 1, body_n), ']')
        if k < 0.38:
            return Compound('%d downTo: 1 do: [:%s |' % (n, i), self.stmts(inl, depth + 1, body_n), ']')
        if k < 0.43:
            # assigning the loop variable makes the compiler use a real block
            return Compound('1 to: %d do: [:%s | %s := %s + 0.' % (n, i, i, i),
                            self.stmts(real, depth + 1, body_n), ']')
        if k < 0.58:
            c = self.new_local(ctx, 'k')
            inl2 = ctx.child(weight=w, env=ctx.env + [Var(c, 'I', assignable=False)])
            if self.chance(0.5):
                return Compound('%s := 0. [ %s < %d ] whileTrue: [' % (c, c, n),
                                self.stmts(inl2, depth + 1, body_n), '. %s := %s + 1 ]' % (c, c))
            return Compound('%s := %d. [ %s <= 0 ] whileFalse: [' % (c, n, c),
                            self.stmts(inl2, depth + 1, body_n), '. %s := %s - 1 ]' % (c, c))
        if k < 0.64:
            return Compound('%d timesRepeat: [' % n, self.stmts(ctx.child(weight=w, in_block=True),
                                                               depth + 1, body_n), ']')
        if k < 0.72:
            b = self.new_local(ctx, 'lb')
            return Compound('%s := [:%s |' % (b, i), self.stmts(real, depth + 1, body_n),
                            ']. 1 to: %d do: %s' % (n, b))
        if k < 0.78:
            c = self.new_local(ctx, 'k')
            cb = self.new_local(ctx, 'wb')
            inner = ctx.child(weight=w, in_block=True, env=ctx.env + [Var(c, 'I', assignable=False)])
            return Compound('%s := 0. %s := [ %s < %d ]. %s whileTrue: [' % (c, cb, c, n, cb),
                            self.stmts(inner, depth + 1, body_n), '. %s := %s + 1 ]' % (c, c))
        if k < 0.81:
            dv = self.fresh('d')
            innerd = ctx.child(weight=w, env=ctx.env + [Var(dv, 'D', assignable=False)])
            return Compound('0.5 to: %d.5 do: [:%s |' % (n, dv), self.stmts(innerd, depth + 1, body_n), ']')
        if k < 0.84:
            lo = self.pick(['1152921504606846970', '(-1152921504606846980)', '4611686018427387900',
                            '(-4611686018427387910)', '9223372036854775800'])
            return Compound('%s to: %s + %d do: [:%s |' % (lo, lo, min(n, 12), i),
                            self.stmts(inl, depth + 1, body_n), ']')
        oas = ctx.vars('OA')
        if k < 0.9 and oas:
            o = self.fresh('o')
            oa = self.pick(oas).name
            w2 = ctx.weight * 6
            inner = ctx.child(weight=w2, in_block=True, env=ctx.env + [Var(o, 'O', assignable=False)])
            return Compound('%s do: [:%s |' % (oa, o), self.stmts(inner, depth + 1, body_n), ']')
        arrs = [v.name for v in ctx.vars('A')] + ['(%s asArray)' % v.name for v in ctx.vars('V')]
        if arrs:
            a = self.pick(arrs)  # a Vector is iterated over a copy: the body may change it
            w2 = ctx.weight * 12
            inner = ctx.child(weight=w2, in_block=True, env=ctx.env + [Var(i, 'I', assignable=False)])
            return Compound('%s do: [:%s |' % (a, i), self.stmts(inner, depth + 1, body_n), ']')
        return Compound('1 to: %d do: [:%s |' % (n, i), self.stmts(inl, depth + 1, body_n), ']')

    # --- classes -----------------------------------------------------------------------

    FIELD_TYPES = ['I', 'I', 'D', 'S', 'A', 'K1']

    def init_value(self, t, ctx, field=True):
        if t == 'I':
            return self.lit('I')
        if t == 'D':
            return self.lit('D')
        if t == 'S':
            return self.lit('S')
        if t == 'A':
            return '(Array new: %d withAll: %d)' % (self.alen, self.r.randint(0, 9))
        if t == 'K1':
            return self.block1(self.safe_block_ctx(ctx, field), 1, allow_nlr=False)
        if t == 'V':
            return 'Vector new'
        if t == 'M':
            return 'Dictionary new'
        if t == 'O':
            return '%s new' % self.pick(self.helper_classes).name
        if t == 'B':
            return 'true'
        raise ValueError(t)

    def common_methods(self, cls_name):
        if cls_name == 'Main':
            dnu = Method('doesNotUnderstand: sel arguments: args',
                         body=["('dnu ' + sel + ' ' + args length + ' in ' + self class name) println"],
                         ret='args length * 7 + 1000', removable=False)
        else:
            # helpers are called from hot loops: no output, but a result that depends on
            # the selector, the arguments and the class
            dnu = Method('doesNotUnderstand: sel arguments: args',
                         ret='(sel length * 3) + (args length * 7) + (self class name length * 11) '
                             '+ (((args length > 0) and: [ (args at: 1) class == Integer ])\n'
                             '            ifTrue: [ (args at: 1) abs rem: 1000 ] ifFalse: [ 0 ])',
                         removable=False)
        return [dnu] + [
            Method('clip: s', body=['s length > 40 ifTrue: [ ^ s substringFrom: 1 to: 12 ]'],
                   ret='s', removable=False),
            # Doubles can become inf or NaN; round and asInteger fail on those
            Method('roundOf: d', body=['(d < 1000000000000000.0 and: [ d > -1000000000000000.0 ]) '
                                       'ifTrue: [ ^ d round ]'], ret='0', removable=False),
            Method('truncOf: d', body=['(d < 1000000000000000.0 and: [ d > -1000000000000000.0 ]) '
                                       'ifTrue: [ ^ d asInteger ]'], ret='-1', removable=False),
            Method('escapedBlock: aBlock',
                   body=["('escaped in ' + self class name) println"] if cls_name == 'Main' else [],
                   ret='555 + (self class name length * 1000)', removable=False),
        ]

    def gen_helpers(self):
        r = self.r
        n = r.randint(2, 5)
        classes = []
        field_types = {}
        for ci in range(n):
            name = 'K%d' % ci
            sup = 'Object' if ci == 0 or r.random() < 0.2 else r.choice(classes).name
            own = [(self.fresh('f'), self.pick(self.FIELD_TYPES)) for _ in range(r.randint(1, 3))]
            if sup == 'Object':
                own[0] = (own[0][0], 'I')
            inherited = field_types.get(sup, [])
            field_types[name] = inherited + own
            cf = [self.fresh('cf')] if (sup == 'Object' or self.chance(0.5)) else []
            c = ClassDef(name, sup, [f for f, _ in own], (['count'] if sup == 'Object' else []) + cf)
            c.own = own
            c.cf = cf
            c.root = sup == 'Object'
            classes.append(c)
        self.helper_classes = classes
        fields_of = {}
        for c in classes:
            fields = [Var(f, t, True, True) for f, t in field_types[c.name]]
            fields.append(Var('self', 'O', False))
            fields_of[c.name] = fields
            base = Ctx(fields, main=False, rank=0)
            # init: every field gets a value of its type
            init = Method('init', removable=False)
            if not c.root:
                init.body.append('super init')
            for f, t in c.own:
                init.body.append('%s := %s' % (f, self.init_value(t, base)))
            c.methods.append(init)
        # Interface methods rank by rank, so that the cost of every selector a method can
        # send is known when it is generated.
        for sel, rank, args, rt in IFACE:
            worst = 1.0
            for c in classes:
                if not c.root and not self.chance(0.45):
                    continue  # inherited
                self.cost = 1.0
                if not c.root and sel in self.sel_cost:
                    self.charge(self.sel_cost[sel])  # a possible super send
                c.methods.append(self.helper_method(c, sel, rank, args, rt, fields_of[c.name]))
                worst = max(worst, self.cost)
            self.sel_cost[sel] = worst
        for c in classes:
            if c.root:
                c.methods += self.common_methods(c.name)
            elif self.chance(0.3):
                c.methods.append(Method('escapedBlock: aBlock',
                                        ret='556 + self class name length', removable=False))
            # class side
            if c.root:
                c.class_methods.append(Method('new', body=['count := (count ifNil: [ 0 ]) + 1'],
                                              ret='super new init', removable=False))
                if not c.cf:
                    c.class_methods.append(Method('instances', ret='count ifNil: [ 0 ]',
                                                  removable=False))
                # a trivial getter on the class side (nil until the first new)
                c.class_methods.append(Method('cnt', ret='count', removable=False))
            elif self.chance(0.5):
                c.class_methods.append(Method('new', body=['count := (count ifNil: [ 0 ]) + 10'],
                                              ret='super new'))
            for f in c.cf:
                c.class_methods.append(Method('instances', body=[
                    '%s := (%s ifNil: [ 0 ]) + 1' % (f, f)],
                    ret='(super instances) + (%s * 100)' % f if not c.root else
                    '(count ifNil: [ 0 ]) + (%s * 100)' % f))
        return classes

    def helper_method(self, c, sel, rank, args, rt, fields):
        params = []
        env = list(fields)
        for a in args:
            p = self.fresh('p')
            params.append(p)
            env.append(Var(p, a, assignable=False))
        if sel[0].isalpha():
            pattern = kw_send(sel, params)
        else:
            pattern = '%s %s' % (sel, params[0])
        m = Method(pattern)
        ctx = Ctx(env, rank=rank, main=False, method=m)
        sup = not c.root and self.chance(0.5)
        for _ in range(self.r.randint(0, 2)):
            m.body.append(self.stmt(ctx, 1))
        ints = [v.name for v in fields if v.typ == 'I' and v.name != 'self']
        k = self.r.random()
        if sel in ('geta', 'seta:', 'flag', 'me'):
            m.body = []
        if sel == 'geta':
            if ints and k < 0.6:
                m.ret = self.pick(ints)                       # getter
            elif k < 0.8:
                m.ret = str(self.r.randint(-3, 99))           # constant
            else:
                m.ret = '%s + 1' % (self.pick(ints) if ints else '0')
        elif sel == 'seta:':
            if ints and k < 0.6:
                m.body = ['%s := %s' % (self.pick(ints), params[0])]   # setter
            elif ints and k < 0.8:
                m.body = ['%s := %s rem: 1000' % (self.pick(ints), params[0])]
                m.ret = 'self'
        elif sel == 'flag':
            m.ret = self.pick(['true', 'false', 'true']) if k < 0.7 else \
                '(%s > 3)' % (self.pick(ints) if ints else '4')
        elif sel == 'me':
            if k < 0.3:
                m.locals = ['t']
                m.body = ['t := self']
                m.ret = 't'
            else:
                m.ret = 'self'
        elif sel == 'mk:':
            m.ret = '[:x | x + %s + %s]' % (params[0], self.expr('I', ctx.child(in_block=True), 1))
        elif sel == 'esc:':
            m.ret = '[:x | ^ x * %s]' % params[0]
        elif sel == 'visit:':
            b = params[0]
            m.ret = '(%s value: %s) + (%s value: %s)' % (b, self.expr('I', ctx, 1), b,
                                                        self.expr('I', ctx, 1))
            if self.chance(0.4):
                m.body.append('1 to: 3 do: [:vi | %s value: vi ]' % b)
        elif sel == 'bump':
            ints = [v for v in fields if v.typ == 'I']
            if ints:
                f = self.pick(ints).name
                m.body.append('%s := (%s + %s) rem: 1000000007' % (f, f, self.expr('I', ctx, 1)))
                m.ret = f
            else:
                m.ret = self.expr('I', ctx, 1)
        else:
            e = self.expr(rt, ctx, 2)
            if sup:
                supcall = 'super %s' % (kw_send(sel, params) if sel[0].isalpha() else
                                        '%s %s' % (sel, params[0]))
                if rt == 'I':
                    e = '(%s) + (%s)' % (supcall, e)
                elif rt == 'S':
                    e = '(%s) + (%s)' % (supcall, e)
                elif rt == 'D':
                    e = '(%s) + (%s)' % (supcall, e)
            m.ret = e if rt != 'I' else '(%s) rem: 1000000007' % e
        return m

    def gen_main(self):
        r = self.r
        main = ClassDef('Main', 'Object', [])
        fields = [('sum', 'I'), ('count', 'I')]
        extra = [('fi', 'I'), ('fi', 'I'), ('fd', 'D'), ('fs', 'S'), ('fa', 'A'), ('fv', 'V'),
                 ('fm', 'M'), ('fo', 'O'), ('fo', 'O'), ('fobjs', 'OA'), ('fb', 'K1'), ('fn', 'N')]
        for prefix, t in extra:
            if t in ('OA', 'V', 'M') or self.chance(0.7):
                fields.append((self.fresh(prefix), t))
        main.fields = [f for f, _ in fields]
        fvars = [Var(f, t, assignable=(t != 'OA' and f not in ('sum', 'count')), field=True)
                 for f, t in fields]
        fvars = [v for v in fvars if v.name not in ('sum', 'count')]
        base = Ctx(fvars, main=True)

        init = Method('init', removable=False)
        for f, t in fields:
            if f in ('sum', 'count'):
                continue
            if t == 'N':
                init.body.append('%s := %s' % (f, self.pick(['nil', '%s new' % self.pick(
                    self.helper_classes).name])))
            elif t == 'OA':
                k = r.randint(3, 6)
                init.body.append('%s := Array new: %d' % (f, k))
                for j in range(k):
                    init.body.append('%s at: %d put: %s new' % (f, j + 1, self.pick(self.helper_classes).name))
            else:
                init.body.append('%s := %s' % (f, self.init_value(t, base)))
                if t == 'V':
                    init.body.append('%s append: 1' % f)
                if t == 'M':
                    init.body.append('%s at: 1 put: 10' % f)

        check = Method('check: x', body=['sum := (sum * 31 + x) rem: 1000000007',
                                        'count := count + 1'], removable=False)
        main.methods += [init, check]
        main.methods += self.common_methods('Main')
        # two ways for a block to escape its home method
        main.methods.append(Method('esc0: k', ret='[:x | ^ x + k]', removable=False))
        main.methods.append(Method('esc1: k', locals_=['b'], body=['b := [:x | x > 0 ifTrue: [ ^ k ]. x]'],
                                   ret='b', removable=False))
        # generic arithmetic: the same sites see small and large Integers and Doubles
        main.methods.append(Method('gadd: a with: b', ret='a + b', removable=False))
        main.methods.append(Method('gmul: a with: b', ret='(a * b) - a', removable=False))
        main.methods.append(Method('gless: a with: b', ret='a < b', removable=False))
        main.methods.append(Method('gmax: a with: b', body=['a > b ifTrue: [ ^ a ]'], ret='b',
                                   removable=False))
        main.methods.append(Method('gsum: a span: k', locals_=['s'], body=[
            's := a - a', 'a to: a + k do: [:i | s := s + i ]'], ret='s', removable=False))
        main.methods.append(Method('fib: n', body=['n < 2 ifTrue: [ ^ n ]'],
                                   ret='(self fib: n - 1) + (self fib: n - 2)', removable=False))
        # a non-local return that unwinds n activations of deep:blk:
        main.methods.append(Method('deep: n blk: b', body=['n = 0 ifTrue: [ ^ b value: n ]'],
                                   ret='(self deep: n - 1 blk: b) + 1', removable=False))
        main.methods.append(Method('deepRet: n', body=['self deep: n blk: [:x | ^ n * 1000 + x ]'],
                                   ret='0', removable=False))
        main.methods.append(Method('deepVal: n', ret='self deep: n blk: [:x | x + n ]',
                                   removable=False))
        # recursion inside a loop (a trace of the loop calls the method), with a block
        # that may return non-locally from the top
        main.methods.append(Method('walk: n at: p blk: b', locals_=['s'], body=[
            's := n', 'n = 0 ifTrue: [ ^ b value: p ]',
            '1 to: 3 do: [:i | s := s + (self walk: n - 1 at: p * 3 + i blk: b) ]'], ret='s',
            removable=False))
        main.methods.append(Method('walkRet: n over: k', body=[
            'self walk: n at: 0 blk: [:x | x > k ifTrue: [ ^ x * 1000 + n ]. x ]'], ret='0',
            removable=False))
        main.methods.append(Method('walkVal: n', ret='self walk: n at: 0 blk: [:x | x + n ]',
                                   removable=False))
        main.methods.append(Method('unknownGlobal: name', locals_=['c'], body=[
            'c := system load: name', 'c notNil ifTrue: [ ^ c ]',
            "('unknown global ' + name) println", 'system global: name put: 0'], ret='0',
            removable=False))

        # Main helper methods: h0 ... (each may call lower ones)
        helpers = []
        for hi in range(r.randint(2, 5)):
            sel, args = self.pick([('h%d' % hi, []), ('h%d:' % hi, ['I']),
                                   ('h%d:with:' % hi, ['I', 'I']), ('h%d:on:' % hi, ['I', 'O'])])
            self.cost = 2.0
            main.methods.append(self.main_helper(sel, args, fvars, helpers))
            helpers.append((sel, args, 'I', self.cost))

        tests = []
        self.cost = 0.0
        for ti in range(r.randint(3, 7)):
            name = 't%d' % ti
            m = Method(name)
            ctx = Ctx(list(fvars), main=True, method=m, allow_nlr=True, helpers=helpers)
            ctx.test = True
            locs = []
            for _ in range(r.randint(1, 4)):
                t = self.pick(['I', 'I', 'D', 'S', 'A', 'O', 'K1', 'B'])
                ln = self.fresh('l')
                m.locals.append(ln)
                m.body.append('%s := %s' % (ln, self.init_value(t, ctx.child(env=ctx.env + locs), False)
                                            if t != 'B' else self.expr('B', ctx, 1)))
                locs.append(Var(ln, t))
            ctx.env += locs
            for _ in range(r.randint(3, 10)):
                m.body.append(self.stmt(ctx, 0))
            m.body.append("('%s ' + sum) println" % name)
            main.methods.append(m)
            tests.append(name)

        reps = r.randint(1, 3)
        self.total_cost = self.cost * reps
        run = Method('run', removable=False)
        run.body.append('sum := 0')
        run.body.append('count := 0')
        run.body.append('self init')
        calls = ['self %s' % t for t in tests]
        if reps == 1:
            run.body += calls
        else:
            run.body.append(Compound('1 to: %d do: [:rep |' % reps, calls, ']'))
        run.body.append("('final ' + sum + ' ' + count) println")
        run.body.append("(%s) println" % ' + '.join('%s instances' % c.name for c in self.helper_classes))
        if self.chance(0.15):
            # End with an error raised in hot (compiled) code: the output so far, the
            # message on stdout if there is one, and the exit status must not depend on
            # the configuration.
            err = self.pick(ERRORS)
            run.body.append(Compound('1 to: %d do: [:ei | self check: ei. ei = %d ifTrue: [' % (
                self.r.randint(150, 400), self.r.randint(100, 149)), [err], ']. sum := sum + ei ]'))
            run.body.append("'not reached' println")
        main.methods.insert(0, run)
        return main

    def main_helper(self, sel, args, fvars, lower):
        params = []
        env = list(fvars)
        for a in args:
            p = self.fresh('a')
            params.append(p)
            env.append(Var(p, a, assignable=False))
        m = Method(kw_send(sel, params))
        # weight 10: loops in helpers stay short, helpers are called from loops
        ctx = Ctx(env, main=True, method=m, allow_nlr=True, helpers=list(lower), weight=10)
        self.charge(60)
        kind = self.r.random()
        ints = [p for p, a in zip(params, args) if a == 'I']
        objs = [p for p, a in zip(params, args) if a == 'O']
        lim = ints[0] if ints else str(self.r.randint(0, 50))
        if kind < 0.2:
            # non-local return from a block passed to a library method
            arr = self.expr('A', ctx, 1)
            m.body.append('%s do: [:e | e > %s ifTrue: [ ^ e * 3 ] ]' % (arr, lim))
            m.ret = '-1'
        elif kind < 0.4:
            # non-local return through a helper object's visit:
            o = objs[0] if objs else self.expr('O', ctx, 1)
            self.charge(self.sel_cost.get('visit:', 1) + 5)
            m.body.append('%s visit: [:e | (e rem: 7) = (%s rem: 7) ifTrue: [ ^ e ]. e + 1 ]' % (o, lim))
            m.ret = '-2'
        elif kind < 0.5:
            # non-local return from a nested block, through a non-inlined to:do:
            m.locals.append('blk')
            m.body.append('blk := [:j | [:q | q > (%s rem: 40) ifTrue: [ ^ q + j ] ] value: j * 2 ]' % lim)
            m.body.append('1 to: 30 do: blk')
            m.ret = '0'
        elif kind < 0.6:
            # a block stored in a local, evaluated later, with a captured counter
            m.locals += ['acc', 'blk']
            m.body.append('acc := 0')
            m.body.append('blk := [:j | acc := acc + j. acc > 1000 ifTrue: [ ^ acc ]. acc ]')
            m.body.append('%d timesRepeat: [ blk value: (%s rem: 50) ]' % (self.r.randint(5, 60), lim))
            m.ret = 'acc'
        else:
            for _ in range(self.r.randint(1, 3)):
                m.body.append(self.stmt(ctx, 1))
            m.ret = '(%s) rem: 1000000007' % self.expr('I', ctx, 2)
        return m

    def program(self):
        helpers = self.gen_helpers()
        main = self.gen_main()
        p = Program(self.seed, [main] + helpers)
        p.cost = self.total_cost
        return p


def generate(seed):
    """The program for `seed`: the first of its random variants within the cost budget."""
    for attempt in range(50):
        p = Gen(seed, attempt).program()
        if p.cost <= Gen.COST_BUDGET:
            return p
    return p


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip().split('\n\n')[1], file=sys.stderr)
        return 2
    prog = generate(int(argv[1]))
    if len(argv) > 2:
        prog.write(argv[2])
    else:
        for name, text in sorted(prog.files().items()):
            print('"=== %s"' % name)
            print(text)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
