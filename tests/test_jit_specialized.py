"""Every specialized instruction of 3.13 gives the interpreter's results under the JIT.

The specialized forms come from the interpreter's own Lib/_opcode_metadata.py.
Each snippet below drives one form (or a few) through its fast path, then its
deopt path (another type, a changed class, dict, global or version, so that
the guard fails, and enough misses that the instruction is specialized again),
then the fast path again.  All snippets run, batched, in four child
interpreters:

  interp   PYTHON_JIT=0: the reference
  jit0     PYTHON_JIT_THRESHOLD=0: machine code is compiled before the
           interpreter specializes; it specializes after a hand-back
  jitwarm  a threshold that is never reached: the snippet is warmed up in the
           interpreter (its bytecode then holds the specialized forms) and
           compiled with sys._jit.compile
  jit20    PYTHON_JIT_THRESHOLD=20: compiled wherever the threshold is reached

For every snippet the test checks that
  1. the forms it names are in its adaptive bytecode after the warm-up, in
     every child (in jitwarm: before anything was compiled);
  2. the output of each JIT child equals the interpreter's: values,
     exceptions with the position of every frame of their tracebacks, the
     position of the frame that called Python code, and the reference counts
     of everything the snippet defined;
  3. in jit0 and jitwarm, the code objects holding those forms are compiled,
     and every frame entered on the fast path ran as machine code.
A separate test checks that the snippets together cover every specialized
form but those in EXCLUDED.

Run with the JIT-enabled interpreter:
    build/python -m unittest -v tests/test_jit_specialized.py
"""

import json
import os
import subprocess
import sys
import textwrap
import unittest

JIT = getattr(sys, "_jit", None)

try:
    from _opcode_metadata import _specializations
except ImportError:          # not CPython 3.13's Lib
    _specializations = {}

SPECIALIZED = frozenset(op for ops in _specializations.values() for op in ops)

# Specialized forms that no Python code can reach on 3.13: {opname: reason}.
EXCLUDED = {}

# The child interpreters.  "jitwarm" compiles explicitly: its threshold must
# never be reached by the snippets on their own.
MODES = {
    "interp": {"PYTHON_JIT": "0"},
    "jit0": {"PYTHON_JIT": "1", "PYTHON_JIT_THRESHOLD": "0"},
    "jitwarm": {"PYTHON_JIT": "1", "PYTHON_JIT_THRESHOLD": "1000000000"},
    # Also compare with code compiled by the threshold itself, wherever it
    # happens to be reached (a frame start, a loop head).
    "jit20": {"PYTHON_JIT": "1", "PYTHON_JIT_THRESHOLD": "20"},
}

# ---------------------------------------------------------------------------
# Snippets.  Each is a module (PRELUDE + its source) defining warm(out), the
# fast path, which also specializes, and deopt(out), where the guards fail,
# the generic form runs and, after enough misses, the instruction is
# specialized again.  deopt() must leave things so that warm() runs again.
# `out` is a list's append (a C function: no frame of its own); the values are
# repr()'d at the end, so emit values whose repr is deterministic (no
# addresses, no iteration order of sets of strings).
# The child runs:  warm, checkpoint, warm, deopt, warm.  At the checkpoint it
# records which specialized forms the snippet's bytecode holds; in "jitwarm"
# it then compiles every code object of the snippet.
# ---------------------------------------------------------------------------

PRELUDE = '''\
import sys

def catch(fn, *args):
    # The exception, and where each frame was when it was raised.
    try:
        return fn(*args)
    except Exception as e:
        where = []
        tb = e.__traceback__.tb_next
        while tb is not None:
            where.append((tb.tb_frame.f_code.co_name, tb.tb_lineno, tb.tb_lasti))
            tb = tb.tb_next
        return (type(e).__name__, str(e), where)

def caller():
    # Where the frame that called our caller is: the instruction that pushed
    # the frame (a specialized call, subscript, attribute, iteration, send).
    f = sys._getframe(2)
    return (f.f_code.co_name, f.f_lineno, f.f_lasti)

class IntSub(int):
    pass

class FloatSub(float):
    pass

class StrSub(str):
    pass

class ListSub(list):
    pass

class TupleSub(tuple):
    pass

class DictSub(dict):
    pass
'''

SNIPPETS = []   # (name, ops, source)
ALONE = set()   # snippets that run in a child of their own


def snippet(name, ops, source, alone=False):
    SNIPPETS.append((name, tuple(ops), PRELUDE + textwrap.dedent(source)))
    if alone:
        ALONE.add(name)


# --- RESUME ----------------------------------------------------------------

snippet("resume_check", ["RESUME_CHECK"], """
    def f(x):
        return x * 2 + 1

    def gen(n):
        for i in range(n):
            yield f(i)

    def warm(out):
        for i in range(4):
            out(f(i))
        out(list(gen(4)))

    def deopt(out):
        # Tracing bumps the instrumentation version: RESUME_CHECK fails.
        code = f.__code__
        events = []
        def tracer(frame, event, arg):
            if frame.f_code is code:
                events.append((event, frame.f_lineno - code.co_firstlineno))
            return tracer
        sys.settrace(tracer)
        try:
            out(f(10))
        finally:
            sys.settrace(None)
        out(events)
        for i in range(4):
            out(f(i))
        # Allocations schedule a collection, which sets a bit in the eval
        # breaker: the next RESUME_CHECK sees a changed version.
        total = 0
        for i in range(6000):
            t = ([i],)
            total += f(i)
        out(total)
        out(list(gen(3)))
""", alone=True)   # after sys.settrace, code that has not run yet cannot be
                  # compiled (refused as "instrumented") until it runs once

# --- TO_BOOL ---------------------------------------------------------------

TO_BOOL = """
    class Plain:
        pass

    class Falsy:
        def __bool__(self):
            return False

    class Empty:
        def __len__(self):
            return 0

    class BadBool:
        def __bool__(self):
            return 2

    class BadLen:
        def __len__(self):
            return -1

    def truth(x):
        if x:
            return 'T'
        return 'F'

    def negate(x):
        return not x

    def warm(out):
        for v in VALUES:
            out((truth(v), negate(v)))

    def deopt(out):
        others = [0, 5, 2**80, 0.0, 2.5, '', 'x', [], [1], (), (1,), {}, {1: 2},
                  None, True, False, Plain(), Falsy(), Empty(), IntSub(0),
                  IntSub(3), StrSub(''), StrSub('s'), ListSub(), ListSub([1]),
                  set(), b'']
        for _ in range(3):
            out(''.join([truth(v) for v in others]))
            out(tuple([negate(v) for v in others]))
        out(catch(truth, BadBool()))
        out(catch(negate, BadLen()))
        # A class changes under a specialized TO_BOOL_ALWAYS_TRUE.
        Plain.__bool__ = lambda self: False
        out((truth(Plain()), negate(Plain())))
        del Plain.__bool__
        out((truth(Plain()), negate(Plain())))
        Plain.__len__ = lambda self: 0
        out((truth(Plain()), negate(Plain())))
        del Plain.__len__
        out((truth(Plain()), negate(Plain())))
"""

for op, values in [
        ("TO_BOOL_BOOL", "[True, False, True, False, True]"),
        ("TO_BOOL_INT", "[0, 1, -7, 2**80, 0, 3]"),
        ("TO_BOOL_LIST", "[[], [0], [1, 2], [], [None]]"),
        ("TO_BOOL_NONE", "[None, None, None, None]"),
        ("TO_BOOL_STR", "['', 'a', '\\\\0', '', 'long string']"),
        ("TO_BOOL_ALWAYS_TRUE", "[Plain(), Plain(), Plain(), Plain()]")]:
    snippet(op.lower(), [op], f"VALUES = None\n{textwrap.dedent(TO_BOOL)}\nVALUES = {values}\n")

# --- BINARY_OP -------------------------------------------------------------

BINARY_OP = """
    class Vec:
        def __init__(self, v):
            self.v = v
        def __add__(self, o):
            return ('add', self.v, o)
        def __radd__(self, o):
            return ('radd', o, self.v)
        def __sub__(self, o):
            return ('sub', self.v, o)
        def __rsub__(self, o):
            return ('rsub', o, self.v)
        def __mul__(self, o):
            return ('mul', self.v, o)
        def __rmul__(self, o):
            return ('rmul', o, self.v)

    def f(a, b):
        return EXPR

    def warm(out):
        for a, b in PAIRS:
            out(catch(f, a, b))

    def deopt(out):
        pairs = [(1, 2), (1.5, 2), (2, 1.5), (True, True), (2**100, 1),
                 (-2**62, 2**62), (IntSub(2), 3), (3, IntSub(4)),
                 (FloatSub(1.5), 2.0), ('a', 'b'), (StrSub('a'), 'b'),
                 ('ab', 3), ([1], [2]), ([1], 2), (1, 'a'), (None, 1),
                 (Vec(1), 2), (2, Vec(1)), (float('inf'), 1.0), (1e308, 1e308)]
        for _ in range(4):
            for a, b in pairs:
                out(catch(f, a, b))
"""

for op, expr, pairs in [
        ("BINARY_OP_ADD_INT", "a + b",
         "[(1, 2), (-5, 3), (2**40, 2**40), (0, 0), (2**62, 2**62), (-1, -2**63)]"),
        ("BINARY_OP_SUBTRACT_INT", "a - b",
         "[(1, 2), (-5, 3), (2**40, -2**40), (0, 0), (-2**62, 2**62), (7, 7)]"),
        ("BINARY_OP_MULTIPLY_INT", "a * b",
         "[(3, 4), (-2, 2**31), (2**40, 2**40), (0, -9), (-1, -1), (2**62, 4)]"),
        ("BINARY_OP_ADD_FLOAT", "a + b",
         "[(1.5, 2.25), (-0.0, 0.0), (1e308, 1e308), (0.1, 0.2), (-1.5, 1.5)]"),
        ("BINARY_OP_SUBTRACT_FLOAT", "a - b",
         "[(1.5, 2.25), (-0.0, 0.0), (-1e308, 1e308), (0.3, 0.1), (2.5, 2.5)]"),
        ("BINARY_OP_MULTIPLY_FLOAT", "a * b",
         "[(1.5, 2.25), (-0.0, 3.0), (1e200, 1e200), (0.1, 3.0), (-2.0, 0.5)]"),
        ("BINARY_OP_ADD_UNICODE", "a + b",
         "[('ab', 'cd'), ('', 'x'), ('\\u00e9', '\\u00fc'), ('a' * 50, 'b'), ('x', '')]")]:
    snippet(op.lower(), [op],
            textwrap.dedent(BINARY_OP).replace("EXPR", expr).replace("PAIRS", pairs))

snippet("binary_op_inplace_add_unicode", ["BINARY_OP_INPLACE_ADD_UNICODE"], """
    def build(parts):
        s = ''
        for p in parts:
            s += p
        return s

    def shared(parts):
        s = 'start:'
        seen = []
        for p in parts:
            seen.append(s)
            s += p
        return s, seen

    def maybe_same(t, u, same):
        s = t if same else 'other'
        s = t + u          # in-place form only while s is t
        return s, t

    def warm(out):
        out(build(['a', 'b', 'c', 'd', '\\u00e9', 'f']))
        out(build(['x' * 100] * 5))
        out(shared(['1', '2', '3', '4']))
        for i in range(4):
            out(maybe_same('t%d' % i, 'u', True))

    def deopt(out):
        out(catch(build, ['a', 'b', 3, 'c']))
        out(catch(build, ['a', 'b', StrSub('sub'), 'c', 'd']))
        out(catch(build, [StrSub('s')] * 4))
        out(catch(shared, ['a', b'b']))
        for i in range(60):
            out(maybe_same('t%d' % i, 'u', i % 3 != 0))
        out(catch(maybe_same, 't', 5, True))
""")

# --- BINARY_SUBSCR ---------------------------------------------------------

snippet("binary_subscr_dict", ["BINARY_SUBSCR_DICT"], """
    import collections

    class Missing(dict):
        def __missing__(self, key):
            return ('missing', key)

    class Key:
        # Python code run by the lookup, from inside the instruction.
        log = []
        def __init__(self, k):
            self.k = k
        def __repr__(self):
            return 'Key(%r)' % self.k
        def __hash__(self):
            Key.log.append(('hash', self.k, caller()))
            return hash(self.k)
        def __eq__(self, other):
            Key.log.append(('eq', self.k, caller()))
            if self.k == 'raise':
                raise RuntimeError('__eq__ raised')
            return isinstance(other, Key) and self.k == other.k

    d = {'a': 1, 'b': 2, 3: 'three', (1, 2): 'tuple', 2.5: 'float',
         Key('k'): 'Key k', Key('raise'): 'unreachable'}

    def get(c, k):
        return c[k]

    def warm(out):
        for k in ['a', 'b', 3, (1, 2), 2.5, 'a', Key('k'), Key('x')]:
            out(catch(get, d, k))
        out(catch(get, d, 'zz'))
        out(catch(get, d, []))
        out(catch(get, d, Key('raise')))
        out(Key.log[:])
        del Key.log[:]

    def deopt(out):
        dd = collections.defaultdict(list)
        containers = [(Missing(d), 'q'), (Missing(d), 'a'), (dd, 'x'),
                      (DictSub(a=5), 'a'), ([10, 20], 1), ('str', 0),
                      ({}, 'a'), (d, 3), (None, 1)]
        for _ in range(8):
            for c, k in containers:
                out(catch(get, c, k))
        out(sorted(dd.items()))
""")

snippet("binary_subscr_getitem", ["BINARY_SUBSCR_GETITEM"], """
    class Seq:
        def __init__(self, n):
            self.n = n
        def __getitem__(self, i):
            if i >= self.n:
                raise IndexError(i)
            return (i * self.n, caller())

    class Other:
        def __getitem__(self, i):
            return ('other', i)

    class SeqSub(Seq):
        pass

    def get(s, i):
        return s[i]

    def warm(out):
        s = Seq(3)
        for i in range(3):
            out(get(s, i))
        out(catch(get, s, 5))
        out(catch(get, s, 'x'))

    def deopt(out):
        for _ in range(10):
            out(get(Other(), 1))
            out(get(SeqSub(4), 2))
            out(get([5, 6, 7], 1))
            out(catch(get, Seq(2), 2))
        old = Seq.__getitem__
        Seq.__getitem__ = lambda self, i: ('new', i)
        out(get(Seq(1), 7))
        Seq.__getitem__ = lambda self, i, extra=0: ('defaults', i, extra)
        out(get(Seq(1), 8))
        Seq.__getitem__ = old
        out(get(Seq(3), 2))
""")

SUBSCR = """
    def get(c, i):
        return c[i]

    def warm(out):
        c = CONTAINER
        for i in range(len(c)):
            out(get(c, i))
        out(catch(get, c, len(c)))

    def deopt(out):
        c = CONTAINER
        keys = [-1, -len(c), len(c), 2**70, True, slice(1, 3), slice(None, None, -1),
                '1', 1.0, 0]
        for _ in range(6):
            for k in keys:
                out(catch(get, c, k))
            for other in OTHERS:
                out(catch(get, other, 1))
"""

for op, container, others in [
        ("BINARY_SUBSCR_LIST_INT", "[10, 'b', None, 2.5]",
         "[ListSub([1, 2]), (1, 2), 'ab', {1: 'one'}]"),
        ("BINARY_SUBSCR_STR_INT", "'abcd'",
         "['h\\u00e9llo', 'x\\U0001f600y', StrSub('ab'), [1, 2], b'ab']"),
        ("BINARY_SUBSCR_TUPLE_INT", "(10, 'b', None, (1, 2))",
         "[TupleSub((1, 2)), [1, 2], 'ab', {1: 'one'}]")]:
    snippet(op.lower(), [op],
            textwrap.dedent(SUBSCR).replace("CONTAINER", container).replace("OTHERS", others))

# --- STORE_SUBSCR ----------------------------------------------------------

snippet("store_subscr_dict", ["STORE_SUBSCR_DICT"], """
    class Logged(dict):
        def __setitem__(self, k, v):
            dict.__setitem__(self, k, ('logged', v))

    def put(c, k, v):
        c[k] = v

    def warm(out):
        d = {}
        for i, k in enumerate(['a', 'b', 3, (1, 2), 'a']):
            put(d, k, i)
        out(list(d.items()))
        out(catch(put, d, [], 1))
        out(list(d.items()))

    def deopt(out):
        for _ in range(8):
            logged, sub, lst, d = Logged(), DictSub(), [0, 0], {}
            for c, k in [(logged, 'x'), (sub, 'y'), (lst, 1), (d, 'z'),
                         ((1, 2), 0), ('s', 0), (d, {})]:
                out(catch(put, c, k, 'v'))
            out((list(logged.items()), list(sub.items()), lst, list(d.items())))
""")

snippet("store_subscr_list_int", ["STORE_SUBSCR_LIST_INT"], """
    def put(c, i, v):
        c[i] = v

    def warm(out):
        lst = [0] * 5
        for i in range(5):
            put(lst, i, i * i)
        out(lst[:])
        out(catch(put, lst, 5, 'x'))
        out(lst[:])

    def deopt(out):
        for _ in range(6):
            lst = [0] * 4
            for i, v in [(-1, 'neg'), (4, 'past'), (2**70, 'big'), (True, 'bool'),
                         (slice(0, 2), ['s', 'l', 'i']), ('1', 'str'), (1.0, 'float'),
                         (0, 'ok')]:
                out(catch(put, lst, i, v))
            out(lst)
            for c in [ListSub([1, 2]), {}, (1, 2), bytearray(b'ab')]:
                out(catch(put, c, 1, 65))
                out(c)
""")

# --- SEND ------------------------------------------------------------------

snippet("send_gen", ["SEND_GEN"], """
    def inner(n):
        got = []
        for i in range(n):
            try:
                x = yield (i, caller())
            except KeyError as e:
                x = 'caught ' + str(e)
            got.append(x)
        return tuple(got)

    def outer(src):
        r = yield from src
        return ('outer got', r)

    def drive(g, sends):
        res = []
        try:
            res.append(next(g))
            for s in sends:
                res.append(g.send(s))
        except StopIteration as e:
            res.append(('stop', e.value))
        return res

    class Awaitable:
        def __await__(self):
            x = yield 'from Awaitable'
            return ('awaited', x)

    async def leaf(x):
        return (x * 2, caller())

    async def middle(aw):
        r = await aw
        return ('middle', r)

    def run_coro(c, sends):
        res = []
        try:
            res.append(c.send(None))
            for s in sends:
                res.append(c.send(s))
        except StopIteration as e:
            res.append(('stop', e.value))
        return res

    def warm(out):
        for n in range(4):
            out(drive(outer(inner(n)), 'abcdef'))
        for i in range(4):
            out(run_coro(middle(leaf(i)), []))

    def deopt(out):
        for _ in range(6):
            out(drive(outer(iter([1, 2, 3])), [None, None]))
            out(catch(drive, outer([4, 5]), 'xyz'))
            out(drive(outer(inner(2)), 'xyz'))
            out(run_coro(middle(Awaitable()), ['sent']))
        g = outer(inner(3))
        out(next(g))
        out(g.throw(KeyError('k')))
        out(catch(g.throw, ValueError('v')))
        out(catch(next, g))
        c = middle(leaf(5))
        out(run_coro(c, []))
        out(catch(c.send, None))
""")

# --- UNPACK_SEQUENCE -------------------------------------------------------

snippet("unpack_sequence_two_tuple", ["UNPACK_SEQUENCE_TWO_TUPLE"], """
    def swap(t):
        a, b = t
        return (b, a)

    def warm(out):
        for t in [(1, 2), ('a', None), ((1,), [2])]:
            out(swap(t))

    def deopt(out):
        for _ in range(8):
            for t in [[1, 2], 'xy', (1, 2, 3), (1,), TupleSub((5, 6)), iter((7, 8)),
                      {9: 0, 10: 0}, None, (3, 4)]:
                out(catch(swap, t))
""")

UNPACK3 = """
    def rot(t):
        a, b, c = t
        return (c, a, b)

    def warm(out):
        for t in WARM:
            out(rot(t))

    def deopt(out):
        for _ in range(8):
            for t in [[1, 2, 3], (1, 2, 3), 'xyz', (1, 2), [1, 2, 3, 4], (),
                      TupleSub((5, 6, 7)), ListSub([5, 6, 7]), iter('abc'),
                      range(3), None]:
                out(catch(rot, t))
"""

for op, values in [("UNPACK_SEQUENCE_TUPLE", "[(1, 2, 3), ('a', 'b', None), ((), [], {})]"),
                   ("UNPACK_SEQUENCE_LIST", "[[1, 2, 3], ['a', 'b', None], [(), [], {}]]")]:
    snippet(op.lower(), [op], textwrap.dedent(UNPACK3).replace("WARM", values))

# --- STORE_ATTR ------------------------------------------------------------

snippet("store_attr_instance_value", ["STORE_ATTR_INSTANCE_VALUE"], """
    class P:
        def __init__(self):
            self.x = 0
            self.y = 0

    class Q:
        def __init__(self):
            self.y = 0
            self.x = 0

    def setx(o, v):
        o.x = v

    def warm(out):
        for i in range(4):
            o = P()
            setx(o, i)
            out((o.x, o.y))

    def deopt(out):
        for i in range(8):
            q = Q()
            setx(q, i)
            out((q.x, q.y))
            o = P()
            d = o.__dict__          # a materialized dict
            setx(o, 'dict')
            out((o.x, d['x']))
            o = P()
            o.__dict__ = {'y': 'replaced'}
            setx(o, 'new dict')
            out(sorted(o.__dict__.items()))
            o = P()
            del o.x
            setx(o, 'after del')
            out((o.x, o.y))
        out(catch(setx, 5, 1))
        out(catch(setx, object(), 1))
        # A data descriptor appears on the class after specialization.
        log = []
        P.x = property(lambda self: 'property', lambda self, v: log.append(v))
        o = P()
        setx(o, 'to setter')
        out((o.x, log))
        del P.x
        o = P()
        setx(o, 'plain again')
        out(o.x)
""")

snippet("store_attr_slot", ["STORE_ATTR_SLOT"], """
    class S:
        __slots__ = ('x', 'y')

    class T:
        __slots__ = ('y', 'x')

    class SSub(S):
        pass

    def setx(o, v):
        o.x = v

    def warm(out):
        for i in range(4):
            o = S()
            setx(o, i)
            out((o.x, catch(getattr, o, 'y')))

    def deopt(out):
        for i in range(8):
            for cls in (T, SSub, S):
                o = cls()
                setx(o, (cls.__name__, i))
                out(o.x)
        out(catch(setx, (), 1))
        out(catch(setx, 'str', 1))
        class Plain:
            pass
        p = Plain()
        setx(p, 'plain')
        out(p.x)
        old = S.x
        log = []
        S.x = property(lambda self: 'prop', lambda self, v: log.append(v))
        o = S()
        setx(o, 'to setter')
        out((o.x, log))
        S.x = old
        o = S()
        setx(o, 'slot again')
        out(o.x)
""")

snippet("store_attr_with_hint", ["STORE_ATTR_WITH_HINT"], """
    class D:
        pass

    def make(**kw):
        o = D()
        o.__dict__ = dict(kw)
        return o

    def setx(o, v):
        o.x = v

    def warm(out):
        for i in range(4):
            o = make(a=1, x=0, b=2)
            setx(o, i)
            out(sorted(o.__dict__.items()))

    def deopt(out):
        for i in range(8):
            for o in [make(x=0), make(a=1, b=2), make(b=0, a=1, x=2), D(),
                      make(**{'x': 0, 'y': 1})]:
                setx(o, i)
                out(sorted(o.__dict__.items()))
            o = make(a=1, x=0, b=2)
            o.__dict__[5] = 'int key'
            setx(o, 'mixed keys')
            out(o.x)
        out(catch(setx, 1, 2))
""")

# --- LOAD_GLOBAL -----------------------------------------------------------

snippet("load_global_module", ["LOAD_GLOBAL_MODULE"], """
    from types import FunctionType

    G = 'initial'

    def read():
        return G

    def call_helper(x):
        return helper(x)

    def helper(x):
        return ('helper', x)

    def warm(out):
        for i in range(4):
            out(read())
            out(call_helper(i))

    def deopt(out):
        global G, helper
        g = globals()
        for i in range(6):
            G = i                        # the same keys: the fast path sees it
            out(read())
            g['new_%d' % i] = i          # new keys: the guard fails
            out(read())
        old = helper
        helper = lambda x: ('lambda', x)
        out(call_helper(1))
        del helper
        out(catch(call_helper, 2))
        out(catch(read, ))
        del G
        out(catch(read))
        G = 'back'
        helper = old
        for i in range(60):
            g['more_%d' % (i % 3)] = i
            out(read())
        # The same code object with other globals.
        other = FunctionType(read.__code__, {'G': 'other globals'})
        for i in range(4):
            out(other())
            out(read())
        out(catch(FunctionType(read.__code__, {}), ))
""")

snippet("load_global_builtin", ["LOAD_GLOBAL_BUILTIN"], """
    import builtins
    from types import FunctionType

    def length(x):
        return len(x)

    def ref():
        return abs

    def warm(out):
        for x in ['', 'ab', [1, 2, 3], {}]:
            out(length(x))
            out(ref() is abs)

    def deopt(out):
        global len
        g = globals()
        len = lambda x: ('shadow', x)
        out(length('xyz'))
        del len
        out(length('xyz'))
        for i in range(60):
            # The builtins dict's keys change.
            setattr(builtins, '_jit_test_name', i)
            delattr(builtins, '_jit_test_name')
            out(length('x' * i))
        g['abs'] = 'global abs'
        out(ref())
        del g['abs']
        out(ref() is abs)
        # The same code object with other builtins.
        other = FunctionType(length.__code__,
                             {'__builtins__': {'len': lambda x: ('other builtins', x)}})
        for i in range(4):
            out(other('abc'))
            out(length('abc'))
        out(catch(FunctionType(length.__code__, {'__builtins__': {}}), 'abc'))
""")

# --- LOAD_SUPER_ATTR -------------------------------------------------------

SUPER = """
    class A:
        v = 'A.v'
        def m(self, x):
            return ('A.m', x, caller())

    class B(A):
        v = 'B.v'
        def m(self, x):
            return ('B.m', super().m(x))
        def get_v(self):
            return super().v

    import builtins

    class MySuper(builtins.super):    # (naming `super` here would stop the
        pass                          # compiler from emitting LOAD_SUPER_ATTR)

    def fake_super(*args):
        return FakeSuper()

    class FakeSuper:
        v = 'fake v'
        def m(self, x):
            return ('fake m', x)

    def warm(out):
        b = B()
        for i in range(4):
            out(b.m(i))
            out(b.get_v())

    def deopt(out):
        b = B()
        g = globals()
        for i in range(3):
            for s in [MySuper, fake_super, 5]:
                g['super'] = s
                out(catch(b.m, i))
                out(catch(b.get_v))
            del g['super']
            out(b.m(i))
            out(b.get_v())
        out(catch(B.m, 'not a B', 1))
        del A.v
        out(catch(b.get_v))
        A.v = 'A.v again'
        out(b.get_v())
"""

snippet("load_super_attr", ["LOAD_SUPER_ATTR_ATTR", "LOAD_SUPER_ATTR_METHOD"], SUPER)

# --- LOAD_ATTR -------------------------------------------------------------

snippet("load_attr_instance_value", ["LOAD_ATTR_INSTANCE_VALUE"], """
    import types

    class P:
        def __init__(self, x):
            self.x = x
            self.y = -x

    class Q:
        def __init__(self, x):
            self.y = 0
            self.x = x * 10

    def getx(o):
        return o.x

    def warm(out):
        for i in range(4):
            out(getx(P(i)))

    def deopt(out):
        for i in range(8):
            out(getx(Q(i)))
            o = P(i)
            vars(o)
            out(getx(o))
            o = P(i)
            o.__dict__ = {'x': 'replaced'}
            out(getx(o))
            o = P(i)
            del o.x
            out(catch(getx, o))
            out(getx(types.SimpleNamespace(x='ns')))
            o = P(i)
            for k in range(40):
                setattr(o, 'a%d' % k, k)
            out(getx(o))
        P.x = 'class attr'
        o = P(1)
        del o.x
        out(getx(o))
        P.x = property(lambda self: 'property wins')
        out(catch(P, 1))
        del P.x
        out(getx(P(2)))
""")

snippet("load_attr_module", ["LOAD_ATTR_MODULE"], """
    import types

    m = types.ModuleType('m')
    m.value = 0

    def get(mod):
        return mod.value

    def warm(out):
        for i in range(4):
            m.value = i
            out(get(m))

    def deopt(out):
        for i in range(6):
            setattr(m, 'extra%d' % i, i)
            out(get(m))
        m2 = types.ModuleType('m2')
        out(catch(get, m2))
        m2.__getattr__ = lambda name: 'lazy ' + name
        out(get(m2))
        out(get(types.SimpleNamespace(value='ns')))
        out(catch(get, 5))
        del m.value
        out(catch(get, m))
        m.value = 'back'
        for i in range(60):
            out(get(m))
""")

snippet("load_attr_with_hint", ["LOAD_ATTR_WITH_HINT"], """
    class D:
        def __init__(self):
            self.x = 'inline'

    def make(**kw):
        o = D()
        o.__dict__ = dict(kw)
        return o

    def getx(o):
        return o.x

    def warm(out):
        for i in range(4):
            out(getx(make(a=1, x=i, b=2)))

    def deopt(out):
        for i in range(8):
            for o in [make(x=i), make(b=0, a=1, x=2), D(), make(a=1, b=2, c=3, x=4)]:
                out(catch(getx, o))
            out(catch(getx, make(a=1)))
            o = make(a=1, x='int key', b=2)
            o.__dict__[5] = 5
            out(getx(o))
        D.x = property(lambda self: 'property', lambda self, v: None)
        out(getx(make(a=1, x=0, b=2)))
        del D.x
        out(getx(make(a=1, x=0, b=2)))
""")

snippet("load_attr_slot", ["LOAD_ATTR_SLOT"], """
    class S:
        __slots__ = ('x', 'y')
        def __init__(self, x):
            self.x = x

    class T:
        __slots__ = ('y', 'x')
        def __init__(self, x):
            self.x = ('T', x)

    class SSub(S):
        pass

    def getx(o):
        return o.x

    def cls_name(o):
        return o.__class__.__name__

    def warm(out):
        for i in range(4):
            out(getx(S(i)))
            out(cls_name(S(i)))

    def deopt(out):
        for i in range(8):
            out(getx(T(i)))
            out(getx(SSub(i)))
            o = S(i)
            del o.x
            out(catch(getx, o))
            out(cls_name(i))
            out(cls_name(T(i)))
        old = S.x
        S.x = property(lambda self: 'property')
        out(getx(S.__new__(S)))
        S.x = old
        out(getx(S('slot')))
""")

snippet("load_attr_class", ["LOAD_ATTR_CLASS"], """
    class K:
        limit = 10
        def meth(self):
            return 'K.meth'

    class K2:
        limit = 'K2'

    class KSub(K):
        pass

    def get(cls):
        return cls.limit

    def call(cls, o):
        return cls.meth(o)

    def warm(out):
        for i in range(4):
            out(get(K))
            out(call(K, None))

    def deopt(out):
        for i in range(6):
            K.limit = i
            out(get(K))
            out(get(K2))
            out(get(KSub))
            out(catch(get, int))
            out(catch(get, K()))
        K.meth = lambda self: 'new meth'
        out(call(K, None))
        del K.limit
        out(catch(get, K))
        K.limit = 'back'
        for i in range(60):
            out(get(K))
""")

snippet("load_attr_property", ["LOAD_ATTR_PROPERTY"], """
    class P:
        def __init__(self, v):
            self._v = v
        @property
        def v(self):
            if self._v is None:
                raise ValueError('no value')
            return (self._v * 2, caller())

    class Q:
        def __init__(self, v):
            self.v = ('Q', v)

    class PSub(P):
        pass

    def get(o):
        return o.v

    def warm(out):
        for i in range(4):
            out(get(P(i)))
        out(catch(get, P(None)))

    def deopt(out):
        for i in range(8):
            out(get(Q(i)))
            out(get(PSub(i)))
            out(catch(get, i))
        P.v = property(lambda self: ('new property', self._v))
        out(get(P(1)))
        P.v = 'plain'
        out(get(P(2)))
        P.v = property(lambda self: self._v + 1)
        for i in range(60):
            out(get(P(i)))
""")

snippet("load_attr_getattribute_overridden", ["LOAD_ATTR_GETATTRIBUTE_OVERRIDDEN"], """
    class G:
        def __getattribute__(self, name):
            if name == 'missing':
                raise AttributeError(name)
            return ('G.' + name, caller())

    class H:
        def __getattribute__(self, name):
            raise AttributeError(name)
        def __getattr__(self, name):
            return 'H.__getattr__ ' + name

    def get(o):
        return o.anything

    def missing(o):
        return o.missing

    def warm(out):
        for i in range(4):
            out(get(G()))
            out(catch(missing, G()))

    def deopt(out):
        for i in range(8):
            out(get(H()))
            out(catch(get, i))
            out(catch(missing, H()))
        G.__getattribute__ = lambda self, name: ('new', name)
        out(get(G()))
        G.__getattr__ = lambda self, name: ('getattr', name)
        out(get(G()))
        del G.__getattr__
        old = G.__getattribute__
        del G.__getattribute__
        out(catch(get, G()))
        G.__getattribute__ = old
""")

snippet("load_attr_method_with_values", ["LOAD_ATTR_METHOD_WITH_VALUES"], """
    class C:
        def __init__(self, n):
            self.n = n
        def m(self):
            return self.n + 1

    class D:
        def m(self):
            return 'D.m'

    def call(o):
        return o.m()

    def warm(out):
        for i in range(4):
            out(call(C(i)))

    def deopt(out):
        for i in range(8):
            out(call(D()))
            o = C(i)
            o.m = lambda: ('instance attribute', i)
            out(call(o))
            out(call(C(i)))
        C.m = lambda self: ('replaced', self.n)
        out(call(C(1)))
        old = C.m
        del C.m
        out(catch(call, C(2)))
        C.m = old
""")

snippet("load_attr_method_no_dict", ["LOAD_ATTR_METHOD_NO_DICT"], """
    class S:
        __slots__ = ('v',)
        def __init__(self, v):
            self.v = v
        def m(self):
            return ('S.m', self.v)

    def upper(s):
        return s.upper()

    def call(o):
        return o.m()

    def warm(out):
        for s in ['abc', 'x', '\\u00e9t\\u00e9', '']:
            out(upper(s))
        for i in range(4):
            out(call(S(i)))

    def deopt(out):
        class M:
            def m(self):
                return 'M.m'
        for i in range(8):
            for s in [b'bytes', StrSub('sub'), bytearray(b'ba'), 5]:
                out(catch(upper, s))
            out(call(M()))
            out(catch(call, 'str'))
        S.m = lambda self: ('replaced', self.v)
        out(call(S(1)))
""")

snippet("load_attr_method_lazy_dict", ["LOAD_ATTR_METHOD_LAZY_DICT"], """
    class MyError(ValueError):
        pass

    def call(e):
        return e.with_traceback(None)

    def warm(out):
        for i in range(4):
            e = ValueError(i)
            out(call(e) is e)

    def deopt(out):
        for i in range(8):
            e = ValueError(i)
            e.note = 'has a dict now'
            out(call(e) is e)
            out(call(KeyError(i)) is not None)
            out(call(MyError(i)).args)
            out(catch(call, i))
        ValueError('x').__dict__
        out(call(ValueError('y')).args)
""")

snippet("load_attr_nondescriptor_with_values", ["LOAD_ATTR_NONDESCRIPTOR_WITH_VALUES"], """
    class C:
        K = 'class K'
        def __init__(self, n):
            self.n = n

    class D:
        K = 'D.K'

    def getk(o):
        return o.K

    def warm(out):
        for i in range(4):
            out(getk(C(i)))

    def deopt(out):
        for i in range(8):
            out(getk(D()))
            o = C(i)
            o.K = ('instance K', i)
            out(getk(o))
            out(getk(C(i)))
        C.K = 'changed'
        out(getk(C(1)))
        C.K = property(lambda self: 'property K')
        out(getk(C(2)))
        del C.K
        out(catch(getk, C(3)))
        C.K = 'class K again'
""")

snippet("load_attr_nondescriptor_no_dict", ["LOAD_ATTR_NONDESCRIPTOR_NO_DICT"], """
    class S:
        __slots__ = ('v',)
        K = 'S.K'

    class T:
        __slots__ = ()
        K = 'T.K'

    def getk(o):
        return o.K

    def warm(out):
        for i in range(4):
            out(getk(S()))

    def deopt(out):
        for i in range(8):
            out(getk(T()))
            out(catch(getk, i))
            S.K = ('changed', i)
            out(getk(S()))
        S.K = property(lambda self: 'property K')
        out(getk(S()))
        del S.K
        out(catch(getk, S()))
        S.K = 'S.K again'
""")

# --- COMPARE_OP ------------------------------------------------------------

COMPARE = """
    class Weird:
        def __lt__(self, o):
            return 'yes'
        def __eq__(self, o):
            return []
        __hash__ = None

    def compare(a, b):
        return EXPR

    def branch(a, b):
        if BRANCH:
            return 'taken'
        return 'not taken'

    def warm(out):
        for a, b in PAIRS:
            out(compare(a, b))
            out(branch(a, b))

    def deopt(out):
        pairs = [(1, 2), (2**70, 1), (1, 2**70), (1.0, 1), (1, 1.5), (float('nan'), 1.0),
                 ('a', 'b'), (StrSub('a'), 'a'), ('a', 1), (None, None), (None, 1),
                 (Weird(), 1), ((1, 2), (1, 3)), (True, 1), (IntSub(3), 3),
                 (FloatSub(2.5), 2.5)]
        for _ in range(4):
            for a, b in pairs:
                out(catch(compare, a, b))
                out(catch(branch, a, b))
"""

for op, expr, branch, pairs in [
        ("COMPARE_OP_INT", "(a < b, a <= b, a == b, a != b, a > b, a >= b)", "a < b",
         "[(1, 2), (2, 1), (3, 3), (-5, 5), (2**40, 2**40 + 1)]"),
        ("COMPARE_OP_FLOAT", "(a < b, a <= b, a == b, a != b, a > b, a >= b)", "a < b",
         "[(1.0, 2.0), (2.0, 1.0), (3.5, 3.5), (-0.0, 0.0), (float('nan'), 1.0)]"),
        ("COMPARE_OP_STR", "(a == b, a != b)", "a == b",
         "[('a', 'b'), ('abc', 'abc'), ('', ''), ('\\u00e9', 'e'), ('x' * 40, 'x' * 40)]")]:
    snippet(op.lower(), [op], textwrap.dedent(COMPARE)
            .replace("EXPR", expr).replace("BRANCH", branch).replace("PAIRS", pairs))

# --- CONTAINS_OP -----------------------------------------------------------

CONTAINS = """
    class Box:
        def __contains__(self, x):
            return x == 'box'

    class SetSub(set):
        def __contains__(self, x):
            return 'always'

    class DictSub2(dict):
        def __contains__(self, x):
            return False

    def has(c, x):
        return (x in c, x not in c)

    def warm(out):
        c = CONTAINER
        for x in ['a', 1, (1, 2), 'zz', 2.0]:
            out(has(c, x))
        out(catch(has, c, []))

    def deopt(out):
        for _ in range(6):
            for c in [{'a', 1}, frozenset(['a']), {'a': 1}, ['a', 1], 'abc', Box(),
                      SetSub(['a']), DictSub2(a=1), (1, 2), 5]:
                for x in ['a', 'box', 1]:
                    out(catch(has, c, x))
"""

for op, container in [("CONTAINS_OP_SET", "{'a', 1, (1, 2)}"),
                      ("CONTAINS_OP_DICT", "{'a': 0, 1: 0, (1, 2): 0}")]:
    snippet(op.lower(), [op], textwrap.dedent(CONTAINS).replace("CONTAINER", container))

# --- FOR_ITER --------------------------------------------------------------

FOR_ITER = """
    def collect(it):
        res = []
        for x in it:
            res.append(x)
        return res

    def first_big(it):
        for x in it:
            if x > 2:
                return ('found', x)
        return 'none'

    def gen(n):
        for i in range(n):
            yield i * 10
        return 'done'

    def raising(n):
        yield n
        raise KeyError(n)

    class It:
        def __init__(self, n):
            self.n = n
        def __iter__(self):
            return self
        def __next__(self):
            if self.n <= 0:
                raise StopIteration
            self.n -= 1
            return self.n

    def others():
        return [[1, 2, 3], (4, 5), range(3), range(2**70, 2**70 + 2), gen(3), 'ab',
                {1: 'a'}, It(3), iter([7, 8]), ListSub([9]), TupleSub((6,))]

    def warm(out):
        for n in range(3, 6):
            out(collect(MAKE(n)))
            out(first_big(MAKE(n)))

    def deopt(out):
        for _ in range(6):
            for it in others():
                out(catch(collect, it))
                out(catch(first_big, it))
        out(catch(collect, raising(1)))
        out(catch(collect, 5))
"""

for op, make in [("FOR_ITER_LIST", "lambda n: list(range(n))"),
                 ("FOR_ITER_TUPLE", "lambda n: tuple(range(n))"),
                 ("FOR_ITER_RANGE", "range"),
                 ("FOR_ITER_GEN", "gen")]:
    snippet(op.lower(), [op], textwrap.dedent(FOR_ITER).replace("MAKE", f"({make})"))

snippet("for_iter_list_mutated", ["FOR_ITER_LIST"], """
    def grow(lst):
        res = []
        for x in lst:
            res.append(x)
            if x < 3:
                lst.append(x + 10)
        return res

    def shrink(lst):
        res = []
        for x in lst:
            res.append(x)
            lst.pop()
        return res

    def warm(out):
        out(grow([0, 1, 2, 3]))
        out(shrink(list(range(9))))

    def deopt(out):
        out(grow([5]))
        out(shrink([1]))
        out(catch(grow, (1, 2)))
        out(catch(shrink, ListSub([1, 2, 3])))
""")

snippet("for_iter_gen_running", ["FOR_ITER_GEN"], """
    def gen(n):
        for i in range(n):
            yield (i, caller())

    def drain(it):
        res = []
        for x in it:
            res.append(x)
        return res

    def selfish():
        me = yield 'started'
        yield catch(drain, me)

    def warm(out):
        for n in range(4):
            out(drain(gen(n)))

    def deopt(out):
        g = gen(3)
        out(drain(g))
        out(drain(g))            # exhausted
        s = selfish()
        out(next(s))
        out(s.send(s))           # the generator is running
        out(drain(gen(5)))
""")

# --- CALL ------------------------------------------------------------------

snippet("call_py_exact_args", ["CALL_PY_EXACT_ARGS"], """
    def callee(a, b):
        if b == 0:
            raise ZeroDivisionError('b is zero')
        return (a // b, a % b, caller())

    def call(a, b):
        return callee(a, b)

    def call_param(fn, a, b):
        return fn(a, b)

    def warm(out):
        for a, b in [(7, 2), (-7, 2), (9, 3), (1, 5)]:
            out(call(a, b))
            out(call_param(callee, a, b))
        out(catch(call, 1, 0))

    def deopt(out):
        global callee
        old = callee
        for i in range(8):
            out(call_param(lambda a, b: ('lambda', a, b), i, 1))
            out(call_param(lambda a, b=5: ('defaults', a, b), i, 2))
            out(catch(call_param, lambda a: a, i, 3))
            out(call_param(divmod, i, 3))
        callee = lambda a, b: ('replaced', a, b)
        out(call(1, 2))
        callee = old
        callee.__defaults__ = (1,)
        out(call(10, 3))
        callee.__code__ = (lambda a, b: ('new code', a, b)).__code__
        out(call(10, 3))
""")

snippet("call_py_general", ["CALL_PY_GENERAL"], """
    def callee(a, b=10, *rest, **kw):
        return (a, b, rest, sorted(kw.items()), caller())

    def short(a, b=2):
        return (a, b, caller())

    def call(a):
        return callee(a)

    def call2(fn, a):
        return fn(a)

    def warm(out):
        for i in range(4):
            out(call(i))
            out(call2(short, i))

    def deopt(out):
        global callee
        for i in range(8):
            out(call2(lambda a: ('exact', a), i))
            out(call2(abs, -i))
            out(catch(call2, lambda: 0, i))
        old = callee
        callee = lambda a, *r: ('replaced', a, r)
        out(call(1))
        callee = old
        short.__defaults__ = ('new default',)
        out(call2(short, 5))
        short.__defaults__ = None
        out(catch(call2, short, 5))
        short.__defaults__ = (2,)
""")

snippet("call_bound_method_exact_args", ["CALL_BOUND_METHOD_EXACT_ARGS"], """
    class C:
        def __init__(self, n):
            self.n = n
        def m(self, x):
            return (self.n, x, caller())
        def other(self, x):
            return ('other', x)

    def call(bm, x):
        return bm(x)

    def warm(out):
        for i in range(4):
            out(call(C(i).m, i))

    def deopt(out):
        for i in range(8):
            out(call(C(i).other, i))
            out(call(lambda x: ('plain', x), i))
            out(call([].append, i))
            out(catch(call, C(i).__init__, i))
        c = C(5)
        bm = c.m
        C.m = lambda self, x: ('replaced', x)
        out(call(bm, 1))
        out(call(c.m, 2))
""")

snippet("call_bound_method_general", ["CALL_BOUND_METHOD_GENERAL"], """
    class C:
        def __init__(self, n):
            self.n = n
        def m(self, x, y='default'):
            return (self.n, x, y, caller())
        def star(self, *args):
            return ('star', args, caller())

    def call(bm, x):
        return bm(x)

    def warm(out):
        for i in range(4):
            out(call(C(i).m, i))
            out(call(C(i).star, i))

    def deopt(out):
        for i in range(8):
            out(call(lambda x: ('plain', x), i))
            out(call(C(i).__init__, i))
            out(catch(call, C(i).m.__func__, i))
        C.m.__defaults__ = None
        out(catch(call, C(1).m, 1))
        C.m.__defaults__ = ('default again',)
""")

snippet("call_alloc_and_enter_init", ["CALL_ALLOC_AND_ENTER_INIT"], """
    class P:
        def __init__(self, x):
            if x is None:
                raise ValueError('x is None')
            self.x = (x, caller())

    class Q:
        def __init__(self, x):
            self.q = x

    class WithNew:
        def __new__(cls, x):
            return ('from __new__', x)

    class Sub(P):
        pass

    def make(cls, x):
        return cls(x)

    def warm(out):
        for i in range(4):
            out(make(P, i).x)
        out(catch(make, P, None))

    def deopt(out):
        for i in range(8):
            out(make(Q, i).q)
            out(make(Sub, i).x)
            out(make(WithNew, i))
            out(make(int, str(i)))
            out(catch(make, lambda: 0, i))
        old = P.__init__
        P.__init__ = lambda self, x: None
        out(vars(make(P, 1)))
        P.__init__ = lambda self, x: 42
        out(catch(make, P, 1))
        def init(self, x, y=2):
            self.xy = (x, y)
        P.__init__ = init
        out(make(P, 3).xy)
        P.__init__ = old
""")

snippet("call_type_str_tuple_1", ["CALL_TYPE_1", "CALL_STR_1", "CALL_TUPLE_1"], """
    class Strange:
        def __str__(self):
            return 'Strange!'

    class BadStr:
        def __str__(self):
            return 5

    def typ(x):
        return type(x).__name__

    def to_str(x):
        return str(x)

    def to_tuple(x):
        return tuple(x)

    def warm(out):
        for x in [1, 'a', [2], None, Strange()]:
            out(typ(x))
            out(to_str(x))
        for x in [[1, 2], 'ab', (3,), range(3), {4: 5}]:
            out(to_tuple(x))
        out(catch(to_str, BadStr()))
        out(catch(to_tuple, 5))

    def deopt(out):
        g = globals()
        for i in range(3):
            g['type'] = lambda x: StrSub
            g['str'] = lambda x: ('fake str', x)
            g['tuple'] = list
            out(typ(i))
            out(to_str(i))
            out(to_tuple('ab'))
            del g['type'], g['str'], g['tuple']
            out(typ(i))
            out(to_str(i))
            out(to_tuple('ab'))
""")

snippet("call_builtin_class", ["CALL_BUILTIN_CLASS"], """
    class MyInt(int):
        pass

    def make(cls, x):
        return cls(x)

    def warm(out):
        for cls, x in [(int, '12'), (float, '2.5'), (list, 'ab'), (int, 7.9),
                       (frozenset, [1])]:
            out(make(cls, x))
        out(catch(make, int, 'x'))

    def deopt(out):
        for i in range(8):
            out(make(MyInt, i))
            out(make(lambda x: ('lambda', x), i))
            out(catch(make, object, i))
            out(make(range, i))
        out(make(str, 5))
""")

snippet("call_builtin_o", ["CALL_BUILTIN_O"], """
    def call(x):
        return abs(x)

    def call_param(fn, x):
        return fn(x)

    def warm(out):
        for x in [-1, 2.5, -2**70, True]:
            out(call(x))
            out(call_param(abs, x))
        out(catch(call, 'a'))
        out(call_param(ord, 'a'))

    def deopt(out):
        g = globals()
        for i in range(8):
            out(call_param(lambda x: ('lambda', x), i))
            out(call_param(repr, i))
            out(catch(call_param, max, i))
            out(call_param(str, i))
        g['abs'] = lambda x: ('shadow', x)
        out(call(-1))
        del g['abs']
        out(call(-1))
""")

snippet("call_builtin_fast", ["CALL_BUILTIN_FAST"], """
    def call(a, b):
        return divmod(a, b)

    def call_param(fn, a, b):
        return fn(a, b)

    def warm(out):
        for a, b in [(7, 2), (-7, 2), (7.5, 2), (2**70, 3)]:
            out(call(a, b))
            out(call_param(divmod, a, b))
        out(catch(call, 1, 0))
        out(call_param(getattr, 'abc', 'upper').__name__)

    def deopt(out):
        g = globals()
        for i in range(8):
            out(call_param(lambda a, b: ('lambda', a, b), i, 1))
            out(call_param(round, 2.567, 2))
            out(catch(call_param, abs, i, 1))
        g['divmod'] = lambda a, b: ('shadow', a, b)
        out(call(1, 2))
        del g['divmod']
        out(call(9, 2))
""")

snippet("call_builtin_fast_with_keywords", ["CALL_BUILTIN_FAST_WITH_KEYWORDS"], """
    def call(x):
        return sorted(x)

    def call_param(fn, x):
        return fn(x)

    def warm(out):
        for x in [[3, 1, 2], 'cba', (2, 1), {5: 0, 4: 0}]:
            out(call(x))
            out(call_param(sorted, x))
        out(catch(call, [1, 'a']))
        out(call_param(round, 2.5))

    def deopt(out):
        g = globals()
        for i in range(8):
            out(call_param(lambda x: ('lambda', x), i))
            out(call_param(abs, -i))
            out(call_param(list, 'ab'))
        g['sorted'] = lambda x: ('shadow', x)
        out(call([2, 1]))
        del g['sorted']
        out(call([2, 1]))
""")

snippet("call_len", ["CALL_LEN"], """
    class Sized:
        def __len__(self):
            return 3

    class Negative:
        def __len__(self):
            return -1

    def length(x):
        return len(x)

    def warm(out):
        for x in ['', 'abc', [1], {1: 2, 3: 4}, range(10), Sized()]:
            out(length(x))
        out(catch(length, 5))
        out(catch(length, Negative()))

    def deopt(out):
        global len
        for i in range(3):
            len = lambda x: ('shadow', x)
            out(length('ab'))
            del len
            out(length('ab'))
""")

snippet("call_isinstance", ["CALL_ISINSTANCE"], """
    class Meta(type):
        def __instancecheck__(cls, obj):
            return obj == 'special'

    class Special(metaclass=Meta):
        pass

    def check(x, t):
        return isinstance(x, t)

    def warm(out):
        for x, t in [(1, int), ('a', int), (True, int), ('a', (int, str)),
                     ('special', Special), (1, Special)]:
            out(check(x, t))
        out(catch(check, 1, 5))

    def deopt(out):
        g = globals()
        for i in range(3):
            g['isinstance'] = lambda x, t: ('shadow', x)
            out(check(i, int))
            del g['isinstance']
            out(check(i, int))
""")

snippet("call_list_append", ["CALL_LIST_APPEND"], """
    from collections import deque

    class Logged(list):
        def append(self, x):
            list.append(self, ('logged', x))

    def fill(lst, n):
        for i in range(n):
            lst.append(i)
        return lst

    def warm(out):
        for n in range(3, 6):
            out(fill([], n))

    def deopt(out):
        for n in range(6):
            out(fill(ListSub(), n))
            out(fill(Logged(), n))
            out(list(fill(deque(), n)))
            out(catch(fill, (), n))
""")

snippet("call_method_descriptor_o", ["CALL_METHOD_DESCRIPTOR_O"], """
    def join(sep, parts):
        return sep.join(parts)

    def count(lst, x):
        return lst.count(x)

    def warm(out):
        for sep, parts in [(',', ['a', 'b']), ('', 'xyz'), ('-', [])]:
            out(join(sep, parts))
        for x in [1, 2, 'a']:
            out(count([1, 2, 1, 'a'], x))
        out(catch(join, ',', [1, 2]))

    def deopt(out):
        for i in range(8):
            out(join(StrSub('+'), ['a', 'b']))
            out(join(b',', [b'a', b'b']))
            out(count((1, 1, 2), 1))
            out(count(ListSub([1, 1]), 1))
            out(catch(join, 5, []))
        out(join(',', ['back']))
""")

snippet("call_method_descriptor_fast_with_keywords",
        ["CALL_METHOD_DESCRIPTOR_FAST_WITH_KEYWORDS"], """
    def split(s, sep):
        return s.split(sep)

    def warm(out):
        for s, sep in [('a,b,c', ','), ('a b', None), ('', ','), ('x--y', '--')]:
            out(split(s, sep))
        out(catch(split, 'a', ''))
        out(catch(split, 'a', 5))

    def deopt(out):
        for i in range(8):
            out(split(b'a,b', b','))
            out(split(StrSub('a,b'), ','))
            out(catch(split, 5, ','))
            out(split(bytearray(b'x y'), None))
""")

snippet("call_method_descriptor_noargs", ["CALL_METHOD_DESCRIPTOR_NOARGS"], """
    def upper(s):
        return s.upper()

    def copy(c):
        return c.copy()

    def warm(out):
        for s in ['abc', 'X', '\\u00e9']:
            out(upper(s))
        for c in [[1], [], [2, 3]]:
            out(copy(c))

    def deopt(out):
        for i in range(8):
            out(upper(b'bytes'))
            out(upper(StrSub('sub')))
            out(copy({i: i}))
            out(copy(ListSub([i])))
            out(catch(upper, i))
""")

snippet("call_method_descriptor_fast", ["CALL_METHOD_DESCRIPTOR_FAST"], """
    def get(d, k):
        return d.get(k, 'default')

    def pop(lst):
        return lst.pop()

    def warm(out):
        d = {'a': 1}
        for k in ['a', 'b', 1]:
            out(get(d, k))
        out(catch(get, d, []))
        for lst in [[1, 2], ['x']]:
            out(pop(lst))
        out(catch(pop, []))

    def deopt(out):
        for i in range(8):
            out(get(DictSub(a=2), 'a'))
            out(catch(get, [1], 0))
            out(pop(ListSub([i, i + 1])))
            out(pop({i}))
            out(catch(pop, ()))
""")

snippet("call_non_py_general", ["CALL_NON_PY_GENERAL"], """
    import functools

    class Callable:
        def __init__(self, tag):
            self.tag = tag
        def __call__(self, x):
            return (self.tag, x)

    def call(fn, x):
        return fn(x)

    def warm(out):
        for i in range(4):
            out(call(Callable(i), i))
        out(call(functools.partial(divmod, 7), 2))
        out(call(Callable, 'class').tag)

    def deopt(out):
        for i in range(8):
            out(call(lambda x: ('lambda', x), i))
            out(call(abs, -i))
            out(catch(call, 5, i))
            out(call(Callable('again'), i))
""")

del op

# --- Several forms at once, in situations of their own ---------------------

snippet("handlers_in_the_same_frame",
        ["BINARY_SUBSCR_DICT", "BINARY_SUBSCR_LIST_INT", "STORE_SUBSCR_LIST_INT",
         "LOAD_ATTR_INSTANCE_VALUE", "UNPACK_SEQUENCE_TWO_TUPLE", "CALL_PY_EXACT_ARGS",
         "LOAD_ATTR_PROPERTY", "BINARY_SUBSCR_GETITEM"], """
    # The specialized instruction raises and a handler of its own frame takes
    # over: the frame goes through exception_unwind and comes back.
    class P:
        def __init__(self, x):
            self.x = x
        @property
        def prop(self):
            if self.x is None:
                raise LookupError('prop')
            return self.x

    class Seq:
        def __getitem__(self, i):
            if i < 0:
                raise IndexError('negative')
            return i

    def check(v):
        if v == 'bad':
            raise ValueError(v)
        return v

    def work(items, d, lst, objs, pairs, seq):
        res = []
        for i, k in enumerate(items):
            try:
                res.append(d[k])
                res.append(lst[i])
                lst[i] = k
                res.append(objs[i].x)
                a, b = pairs[i]
                res.append(b)
                res.append(check(k))
                res.append(objs[i].prop)
                res.append(seq[i - 2])
            except (KeyError, IndexError, AttributeError, ValueError, LookupError) as e:
                res.append(('except', type(e).__name__, str(e)))
            finally:
                res.append('finally')
        return res

    def args(n):
        items = ['a', 'b', 'c', 'd'][:n]
        return (items, {'a': 1, 'b': 2, 'c': 3, 'd': 4}, [0] * n,
                [P(i) for i in range(n)], [(i, -i) for i in range(n)], Seq())

    def warm(out):
        for n in range(2, 5):
            out(work(*args(n)))

    def deopt(out):
        items, d, lst, objs, pairs, seq = args(4)
        out(work(['a', 'zz', 'b', 'bad'], d, lst[:], objs, pairs, seq))
        out(work(items, d, [0, 1], objs, pairs, seq))
        del objs[2].x
        objs[3] = P(None)
        out(work(items, d, [0] * 4, objs, pairs, seq))
        out(work(items, d, [0] * 4, [P(1)] * 4, [(1, 2), (1, 2, 3), [4, 5], 'ab'], seq))
        out(catch(work, items, d, [0] * 4, [5] * 4, pairs, seq))
""")

snippet("generator_bodies",
        ["BINARY_OP_ADD_INT", "LOAD_ATTR_INSTANCE_VALUE", "COMPARE_OP_INT", "FOR_ITER_GEN",
         "SEND_GEN", "STORE_ATTR_INSTANCE_VALUE"], """
    # Specialized instructions inside generator frames, which are resumed by
    # FOR_ITER_GEN and SEND_GEN from machine code.
    class Acc:
        def __init__(self):
            self.total = 0

    def produce(acc, n):
        for i in range(n):
            acc.total = acc.total + i
            if acc.total > 5:
                got = yield ('big', acc.total)
            else:
                got = yield ('small', acc.total)
            if got is not None:
                acc.total = got
        return acc.total

    def relay(acc, n):
        r = yield from produce(acc, n)
        return ('relayed', r)

    def consume(n):
        res = []
        for v in produce(Acc(), n):
            res.append(v)
        return res

    def drive(n, sends):
        g = relay(Acc(), n)
        res = [next(g)]
        try:
            for s in sends:
                res.append(g.send(s))
        except StopIteration as e:
            res.append(e.value)
        return res

    class Weird:
        def __init__(self):
            self.total = 1.5

    def warm(out):
        for n in range(3, 6):
            out(consume(n))
            out(drive(n, [None, 100, None, None, None, None]))

    def deopt(out):
        g = produce(Weird(), 4)
        out(list(g))
        out(catch(drive, 3, ['str', None]))
        out(drive(4, [2**70, None, None, None, None]))
        g = produce(Acc(), 5)
        out(next(g))
        out(catch(g.throw, KeyError('in gen')))
        out(catch(next, g))
""")

snippet("side_effects_of_deallocation",
        ["STORE_ATTR_INSTANCE_VALUE", "LOAD_ATTR_INSTANCE_VALUE", "BINARY_OP_ADD_INT"], """
    # A __del__ run by an instruction (a store, or the native STORE_FAST and
    # POP_TOP) changes a class under the specialized instructions after it.
    class Node:
        def __init__(self):
            self.val = 0
            self.n = 1

    class Bomb:
        def __init__(self, log):
            self.log = log
        def __del__(self):
            self.log.append('__del__')
            Node.n = property(lambda node: 'property after __del__')

    def step(node, log):
        node.val = Bomb(log)
        node.val = node.n + 1          # the Bomb dies here
        return (node.val, node.n)

    def local(node, log):
        b = Bomb(log)
        x = node.n + 1
        b = None                       # and here, from STORE_FAST
        return (x, node.n)

    def reset():
        if 'n' in Node.__dict__:
            del Node.n

    def warm(out):
        log = []
        for i in range(4):
            reset()
            out(catch(step, Node(), log))
            reset()
            out(catch(local, Node(), log))
        reset()
        out(log)

    def deopt(out):
        log = []
        for i in range(3):
            reset()
            node = Node()
            node.val = Bomb(log)
            Node.n = 'class attribute'
            out(catch(step, node, log))
            del node
            reset()
            out(catch(local, Node(), log))
        reset()
        out(log)
""")


def _extended_arg_source():
    # Past 256 names, locals and code units, opargs and jumps need EXTENDED_ARG.
    names = ", ".join(f"m.a{i}" for i in range(300))
    locals_ = "\n".join(f"        l{i} = {i}" for i in range(300))
    return f"""
    import types

    m = types.ModuleType('m')
    for i in range(300):
        setattr(m, 'a%d' % i, i)
    G = 7

    class P:
        def __init__(self, x):
            self.x = x

    def big(o, d, n):
        many = ({names})
{locals_}
        total = 0
        for i in range(n):
            total = total + o.x + G + d['k'] + many[299] + l299
            if total > 10 ** 6:
                break
        return (total, many[-1] + l250)

    def warm(out):
        for i in range(3):
            out(big(P(i), {{'k': i}}, 5))

    def deopt(out):
        global G
        out(big(P(1.5), {{'k': 2}}, 3))
        out(catch(big, P(1), {{}}, 3))
        G = 'str'
        out(catch(big, P('a'), {{'k': 'b'}}, 2))
        G = 7
        setattr(m, 'a299', 2**70)
        out(big(P(1), {{'k': 1}}, 3))
        setattr(m, 'a299', 299)
"""


snippet("extended_args",
        ["LOAD_ATTR_MODULE", "LOAD_GLOBAL_MODULE", "LOAD_ATTR_INSTANCE_VALUE",
         "BINARY_OP_ADD_INT", "BINARY_SUBSCR_DICT", "BINARY_SUBSCR_TUPLE_INT",
         "FOR_ITER_RANGE"], _extended_arg_source())

snippet("deep_recursion",
        ["BINARY_SUBSCR_GETITEM", "LOAD_ATTR_PROPERTY", "LOAD_ATTR_GETATTRIBUTE_OVERRIDDEN",
         "CALL_ALLOC_AND_ENTER_INIT", "FOR_ITER_GEN", "SEND_GEN", "CALL_PY_EXACT_ARGS"], """
    # The specialized forms that call Python code push its frame instead of
    # recursing in C, so with a raised recursion limit a recursion through
    # them can go deeper than the C recursion limit.  (deopt() here is just
    # the deep run.)
    try:
        import _testcapi
        DEPTH = _testcapi.Py_C_RECURSION_LIMIT
    except (ImportError, AttributeError):
        DEPTH = 10000

    class Sub:
        def __getitem__(self, n):
            return 0 if n == 0 else self[n - 1] + 1

    class Prop:
        def __init__(self, n):
            self.n = n
        @property
        def depth(self):
            return 0 if self.n == 0 else Prop(self.n - 1).depth + 1

    class GetAttribute:
        def __init__(self, n):
            object.__setattr__(self, 'n', n)
        def __getattribute__(self, name):
            n = object.__getattribute__(self, 'n')
            return 0 if n == 0 else GetAttribute(n - 1).depth + 1

    class Init:
        def __init__(self, n):
            self.depth = 0 if n == 0 else Init(n - 1).depth + 1

    def gen(n):
        if n:
            for x in gen(n - 1):
                yield x + 1
        else:
            yield 0

    def delegate(n):
        if n:
            return (yield from delegate(n - 1)) + 1
        return 0
        yield

    def run_delegate(n):
        try:
            next(delegate(n))
        except StopIteration as e:
            return e.value

    def func(n):
        return 0 if n == 0 else func(n - 1) + 1

    FORMS = [('getitem', lambda n: Sub()[n]), ('property', lambda n: Prop(n).depth),
             ('getattribute', lambda n: GetAttribute(n).depth),
             ('init', lambda n: Init(n).depth), ('for_iter_gen', lambda n: next(gen(n))),
             ('send_gen', run_delegate), ('function', func)]

    def deep(fn, n):
        old = sys.getrecursionlimit()
        sys.setrecursionlimit(3 * n + 200)
        try:
            return fn(n)
        except RecursionError as e:
            return ('RecursionError', str(e))
        finally:
            sys.setrecursionlimit(old)

    def warm(out):
        for name, fn in FORMS:
            out((name, fn(3)))

    def deopt(out):
        for name, fn in FORMS:
            out((name, deep(fn, DEPTH)))
""")

snippet("instrumentation_under_specialized_code",
        ["LOAD_ATTR_INSTANCE_VALUE", "BINARY_OP_ADD_INT", "COMPARE_OP_INT",
         "CALL_PY_EXACT_ARGS"], """
    # sys.monitoring is switched on and off from inside a loop of specialized
    # instructions: by a call, and by a __del__ run from a native STORE_FAST.
    mon = sys.monitoring
    TOOL = 4
    events = []

    class P:
        def __init__(self, x):
            self.x = x

    def record(code, line):
        events.append(('line', code.co_name, line - code.co_firstlineno))

    def switch(on):
        if on:
            mon.use_tool_id(TOOL, 'test')
            mon.register_callback(TOOL, mon.events.LINE, record)
            mon.set_local_events(TOOL, loop.__code__, mon.events.LINE)
        else:
            mon.set_local_events(TOOL, loop.__code__, 0)
            mon.register_callback(TOOL, mon.events.LINE, None)
            mon.free_tool_id(TOOL)
        return on

    class Switch:
        def __init__(self, on):
            self.on = on
        def __del__(self):
            switch(self.on)

    def loop(o, n, on_at, off_at, by_del):
        total = 0
        for i in range(n):
            total = total + o.x
            if i == on_at:
                if by_del:
                    s = Switch(True)
                    s = None
                else:
                    switch(True)
            if i == off_at:
                switch(False)
            if total > 100:
                total = 0
        return total

    def warm(out):
        for i in range(3):
            out(loop(P(i), 10, -1, -1, False))

    def deopt(out):
        out(loop(P(3), 8, 2, 5, False))
        out(events[:])
        del events[:]
        out(loop(P(4), 8, 1, 4, True))
        out(events[:])
        del events[:]
        out(loop(P(5), 8, -1, -1, False))
        out(events[:])
""", alone=True)



# ---------------------------------------------------------------------------
# The child interpreter.
# ---------------------------------------------------------------------------

CHILD = r'''
import dis, gc, json, sys, traceback
from types import ModuleType

mode = sys.argv[1]
jit = getattr(sys, "_jit", None)
from _opcode_metadata import _specializations
SPEC = {op for ops in _specializations.values() for op in ops}
CodeType = type(compile("", "", "exec"))


def code_objects(code):
    for const in code.co_consts:
        if isinstance(const, CodeType):
            yield const
            yield from code_objects(const)


def specialized(codes):
    found = {}
    for code in codes:
        for ins in dis.get_instructions(code, adaptive=True):
            if ins.opname in SPEC:
                found.setdefault(ins.opname, []).append(code)
    return found


# A C function: reading the counters enters no frame of its own.
stats = jit.stats if jit is not None else dict


def entries(before, after):
    # Frames of the _Py_InitCleanup shim that CALL_ALLOC_AND_ENTER_INIT
    # pushes are never compiled ("interp_excluded"): not counted here.
    d = {k: after.get(k, 0) - before.get(k, 0)
         for k in ("frame_entries_jit", "frame_entries_interp", "interp_excluded")}
    return [d["frame_entries_jit"], d["frame_entries_interp"] - d["interp_excluded"]]


def run(name, ops, source):
    rec = {"name": name}
    module = compile(source, "<snippet %s>" % name, "exec")
    codes = list(code_objects(module))
    ns = {"__name__": "snippet_" + name}
    results = []
    out = results.append
    exec(module, ns)
    warm, deopt = ns["warm"], ns["deopt"]

    warm(out)
    # Checkpoint: the fast path has run, its instructions are specialized.
    found = specialized(codes)
    rec["seen"] = sorted(found)
    targets = {code for op in ops for code in found.get(op, ())}
    rec["targets"] = sorted(code.co_qualname for code in targets)
    if jit is not None:
        rec["compiled_before"] = sorted(c.co_qualname for c in targets if jit.is_compiled(c))
    if mode == "jitwarm":
        refused = {}
        for code in codes:
            reason = jit.compile(code)
            if reason is not None:
                refused[code.co_qualname] = reason
        rec["refused"] = refused
    results.append("--- checkpoint")
    s0 = stats()
    warm(out)
    s1 = stats()
    deopt(out)
    s2 = stats()
    results.append("--- after deopt")
    warm(out)
    s3 = stats()
    rec["warm_entries"] = [a + b for a, b in zip(entries(s0, s1), entries(s2, s3))]
    rec["deopt_entries"] = entries(s1, s2)
    if jit is not None:
        rec["not_compiled"] = sorted(c.co_qualname for c in targets if not jit.is_compiled(c))
    rec["out"] = [repr(r) for r in results]
    # A reference leaked or dropped by an instruction shows up here.
    del results, out, warm, deopt
    gc.collect()
    rec["refcounts"] = {k: sys.getrefcount(v) for k, v in ns.items()
                        if not isinstance(v, ModuleType) and k != "__builtins__"}
    return rec


# stdout carries the records; whatever a snippet prints goes to stderr.
records, sys.stdout = sys.stdout, sys.stderr
for name, ops, source in json.load(sys.stdin):
    print(json.dumps({"start": name}), file=records, flush=True)
    try:
        rec = run(name, ops, source)
    except BaseException:
        rec = {"name": name, "error": traceback.format_exc()}
    print(json.dumps(rec), file=records, flush=True)
'''


def child_env(mode):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON_JIT")}
    env.update(MODES[mode])
    env["PYTHONHASHSEED"] = "0"
    return env


def start_child(mode, snippets):
    proc = subprocess.Popen([sys.executable, "-c", CHILD, mode],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=child_env(mode))
    proc.stdin.write(json.dumps(snippets))
    proc.stdin.close()
    return proc


def collect(mode, proc, snippets, timeout=300):
    """Read a child's records; restart it past a snippet that killed it."""
    records = {}
    while True:
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate()
            stderr += "\n(timed out)"
        started = None
        for line in stdout.splitlines():
            rec = json.loads(line)
            if "start" in rec:
                started = rec["start"]
            else:
                records[rec["name"]] = rec
                started = None
        if started is None:
            return records
        # The child died inside `started`.
        records[started] = {"name": started, "error":
                            f"child ({mode}) died with exit code {proc.returncode} "
                            f"in this snippet:\n{stderr[-3000:]}"}
        names = [s[0] for s in snippets]
        snippets = snippets[names.index(started) + 1:]
        if not snippets:
            return records
        proc = start_child(mode, snippets)


RESULTS = {}


def results():
    if not RESULTS:
        batches = [[list(s) for s in SNIPPETS if s[0] not in ALONE]]
        batches += [[list(s)] for s in SNIPPETS if s[0] in ALONE]
        procs = [(mode, batch, start_child(mode, batch))
                 for batch in batches for mode in MODES]
        for mode, batch, proc in procs:
            RESULTS.setdefault(mode, {}).update(collect(mode, proc, batch))
    return RESULTS


@unittest.skipIf(JIT is None, "needs an interpreter built with --enable-jit")
class SpecializedInstructionsTest(unittest.TestCase):
    maxDiff = None

    def test_metadata_is_there(self):
        self.assertIn("LOAD_ATTR_INSTANCE_VALUE", SPECIALIZED)
        self.assertGreaterEqual(len(SPECIALIZED), 70)

    def test_every_specialized_instruction_is_covered(self):
        res = results()["interp"]
        covered = set()
        for name, ops, _ in SNIPPETS:
            seen = set(res.get(name, {}).get("seen", ()))
            covered |= set(ops) & seen
        self.assertEqual(set(EXCLUDED) - SPECIALIZED, set(), "unknown names in EXCLUDED")
        self.assertEqual(sorted(SPECIALIZED - set(EXCLUDED) - covered), [],
                         "specialized forms that no snippet exercised")
        self.assertEqual(sorted(covered & set(EXCLUDED)), [],
                         "excluded forms that a snippet exercises")

    def check_snippet(self, name, ops):
        res = results()
        interp = res["interp"].get(name)
        self.assertIsNotNone(interp, "no record from the interpreter run")
        self.assertNotIn("error", interp, interp.get("error"))
        for mode in MODES:
            with self.subTest(mode=mode):
                rec = res[mode].get(name)
                self.assertIsNotNone(rec, "no record")
                self.assertNotIn("error", rec, rec.get("error"))
                # 1. The snippet really runs the specialized forms.
                self.assertLessEqual(set(ops), set(rec["seen"]),
                                     f"not specialized at the checkpoint ({mode})")
                if mode == "interp":
                    continue
                # 2. The JIT's output is the interpreter's, and so are the
                # reference counts of what the snippet defined.
                self.assertEqual(rec["out"], interp["out"])
                self.assertEqual(rec["refcounts"], interp["refcounts"])
                if mode == "jitwarm":
                    # Specialized by the interpreter before it was compiled.
                    self.assertEqual(rec["compiled_before"], [])
                    self.assertEqual(rec["refused"], {})
                if mode in ("jit0", "jitwarm"):
                    # 3. Compiled, and the fast path ran as machine code only.
                    self.assertTrue(rec["targets"])
                    self.assertEqual(rec["not_compiled"], [])
                    jit_entries, interp_entries = rec["warm_entries"]
                    self.assertGreater(jit_entries, 0)
                    self.assertEqual(interp_entries, 0, "frames interpreted in the warm path")
                    self.assertGreater(rec["deopt_entries"][0], 0)


def _add_tests():
    for name, ops, _ in SNIPPETS:
        def test(self, name=name, ops=ops):
            self.check_snippet(name, ops)
        test.__name__ = "test_" + name
        test.__doc__ = None
        setattr(SpecializedInstructionsTest, test.__name__, test)


_add_tests()


if __name__ == "__main__":
    unittest.main()
