"""The native fast paths fire, and agree with the generic helpers.

A few specialized instructions run as machine code without calling their
helper (Doc/design.md, "Native instructions").  For each, a child
interpreter warms a function up in the interpreter (so that its bytecode
holds the specialized form), compiles it with sys._jit.compile, and runs it:

  * on inputs the fast path takes, the counter native_slow_<OPNAME> must
    stay 0: the fast path, not the helper, produced the result;
  * on inputs where its guard fails, the counter must grow, and the
    results must still be right;
  * results and reference counts are compared with what C code computes
    (operator, getattr) and with the counts before the call.

Release builds only: debug builds run these instructions through their
helpers (reference counting there goes through functions).

Run with the JIT-enabled interpreter:
    build/python -m unittest -v tests/test_jit_native.py
"""

import os
import subprocess
import sys
import sysconfig
import textwrap
import unittest

JIT = getattr(sys, "_jit", None)

CHILD_ENV = {"PYTHON_JIT": "1", "PYTHON_JIT_THRESHOLD": "1000000000"}

PRELUDE = '''\
import dis, operator, os, sys

def slow(opname):
    return sys._jit.stats().get("native_slow_" + opname, 0)

def perf_map_names():
    # The names of this process's pieces of machine code in its perf map
    # (PYTHON_JIT_PERF_MAP=1), which is then removed.
    path = f"/tmp/perf-{os.getpid()}.map"
    with open(path) as f:
        names = {line.split(" ", 3)[3].strip() for line in f}
    os.unlink(path)
    return names

def raises_here(fn, exc, *args):
    # fn(*args) raises exc, with fn's own frame next in the traceback.
    try:
        fn(*args)
    except exc as e:
        assert e.__traceback__.tb_next.tb_frame.f_code is fn.__code__, (fn, args)
    else:
        raise AssertionError(("no exception", fn, args))

log = []

class Noisy:
    # Records its n in log when it dies.
    def __init__(self, n):
        self.n = n
    def __del__(self):
        log.append(self.n)

def specialize_and_compile(func, opname, *args):
    for _ in range(100):
        func(*args)
    names = {i.opname for i in dis.get_instructions(func, adaptive=True)}
    assert opname in names, (opname, sorted(names))
    assert sys._jit.compile(func) is None

COMPARISONS = [operator.lt, operator.le, operator.eq, operator.ne, operator.gt, operator.ge]

def comparisons():
    # value(a, b): the six comparisons as values; branch(a, b): each one
    # in an `if`, where it is fused with the branch.
    ops = ["<", "<=", "==", "!=", ">", ">="]
    src = "def value(a, b):\\n    return (" + ", ".join(f"a {o} b" for o in ops) + ")\\n"
    src += "def branch(a, b):\\n    r = []\\n"
    for o in ops:
        src += f"    if a {o} b:\\n        r.append(1)\\n    else:\\n        r.append(0)\\n"
    src += "    return tuple(r)\\n"
    ns = {}
    exec(src, ns)
    return ns["value"], ns["branch"]
'''


def run_child(body, extra_env=None):
    env = dict(os.environ)
    env.update(CHILD_ENV)
    env.update(extra_env or {})
    code = PRELUDE + textwrap.dedent(body)
    p = subprocess.run([sys.executable, "-c", code], capture_output=True,
                       text=True, env=env)
    return p.returncode, p.stdout, p.stderr


@unittest.skipIf(JIT is None, "needs an interpreter built with --enable-jit")
@unittest.skipIf(sysconfig.get_config_var("Py_DEBUG"),
                 "debug builds run these instructions through their helpers")
class NativeFastPathTest(unittest.TestCase):

    def check(self, body, extra_env=None):
        rc, out, err = run_child(body, extra_env)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out.strip(), "ok", err)

    def run_off_and_on(self, body, threshold):
        # body's output with PYTHON_JIT=0, then with PYTHON_JIT=1.
        outs = []
        for jit in ("0", "1"):
            env = dict(os.environ, PYTHON_JIT=jit, PYTHON_JIT_THRESHOLD=threshold)
            p = subprocess.run([sys.executable, "-c", textwrap.dedent(body)],
                               capture_output=True, text=True, env=env)
            self.assertEqual(p.returncode, 0, p.stderr)
            outs.append(p.stdout)
        return outs

    def test_float_arithmetic(self):
        # Every way DECREF_INPUTS_AND_REUSE_FLOAT can go: the left operand
        # reused (a temporary), the right one reused, a new float (both
        # operands referenced elsewhere), the same object on both sides.
        self.check('''
            OPS = [("BINARY_OP_ADD_FLOAT", operator.add),
                   ("BINARY_OP_SUBTRACT_FLOAT", operator.sub),
                   ("BINARY_OP_MULTIPLY_FLOAT", operator.mul)]
            def make(op):
                src = f"""
            def f(a, b, c):
                t1 = (a {op} b) {op} c
                t2 = a {op} (b {op} c)
                t3 = a {op} b
                t4 = a {op} a
                return t1, t2, t3, t4
            """
                ns = {}
                exec(src, ns)
                return ns["f"]
            for (opname, fn), sym in zip(OPS, "+-*"):
                f = make(sym)
                specialize_and_compile(f, opname, 1.5, 2.25, -3.0)
                a, b, c = 1.25, 1e300, -7.5
                counts = [sys.getrefcount(x) for x in (a, b, c)]
                before = slow(opname)
                got = f(a, b, c)
                assert slow(opname) == before, (opname, "fast path not taken")
                want = (fn(fn(a, b), c), fn(a, fn(b, c)), fn(a, b), fn(a, a))
                assert got == want, (opname, got, want)
                assert all(type(x) is float for x in got)
                assert counts == [sys.getrefcount(x) for x in (a, b, c)], opname
                # Results are fresh objects or reused temporaries, never an
                # input object changed in place.
                assert (a, b, c) == (1.25, 1e300, -7.5)
                # Two ints (a op a) fail the guard: the helper runs, deopts
                # to the generic BINARY_OP, and the result is right.
                got = f(2, 0.5, 3)
                assert slow(opname) > before, (opname, "guard never failed")
                assert got == (fn(fn(2, 0.5), 3), fn(2, fn(0.5, 3)), fn(2, 0.5), fn(2, 2)), got
            print("ok")
        ''')

    def test_mixed_int_float_arithmetic(self):
        # A float with a compact int, in either order, runs inline (the
        # int converted exactly), both where the site is specialized for
        # floats and where it is generic, and so does true division (not
        # specialized by the interpreter); big ints, bools, two ints and
        # zero divisors take the helper.  Results, signed zeros and reference counts
        # agree with C code.
        self.check('''
            import math
            def f(a, b):
                return a + b, a - b, a * b, a / b
            def g(a, b):
                return a + b, a - b, a * b, a / b
            want = lambda a, b: (operator.add(a, b), operator.sub(a, b), operator.mul(a, b),
                                 operator.truediv(a, b))
            def same(x, y):
                return all(type(p) is type(q) and (p == q or p != p and q != q)
                           and math.copysign(1, p) == math.copysign(1, q)
                           for p, q in zip(x, y))
            specialize_and_compile(f, "BINARY_OP_MULTIPLY_FLOAT", 1.5, 2.5)
            # g: compiled before it ever ran, its sites generic.
            assert sys._jit.compile(g) is None
            names = [f"BINARY_OP_{n}_FLOAT" for n in ("ADD", "SUBTRACT", "MULTIPLY")]
            before = [slow(n) for n in names] + [slow("BINARY_OP")]
            big = 2**40
            n = sys.getrefcount(big)
            cases = [(1.5, 2), (2, 1.5), (-7, 0.25), (0.25, -7), (-0.0, 2), (0, -1.0),
                     (math.inf, 3), (3, math.nan), (1e308, 2**29), (2**30 - 1, 0.5)]
            for a, b in cases:
                for fn in (f, g):
                    got = fn(a, b)
                    assert same(got, want(a, b)), (fn.__name__, a, b, got, want(a, b))
            assert [slow(n) for n in names] + [slow("BINARY_OP")] == before
            for a, b in [(big, 0.5), (0.5, big), (True, 0.5), (2, 3)]:
                assert same(f(a, b), want(a, b)) and same(g(a, b), want(a, b)), (a, b)
            assert slow("BINARY_OP_ADD_FLOAT") > before[0]
            # A zero divisor, of either sign, raises as in the interpreter.
            for a, b in [(1.5, 0), (1, 0.0), (1.5, -0.0), (0.0, 0.0)]:
                for fn in (f, g):
                    try:
                        fn(a, b)
                    except ZeroDivisionError as e:
                        assert e.__traceback__.tb_next.tb_frame.f_code is fn.__code__
                    else:
                        raise AssertionError((fn.__name__, a, b))
            assert sys.getrefcount(big) == n
            print("ok")
        ''')

    def test_float_overflow_and_nan(self):
        self.check('''
            import math
            def f(a, b):
                return a * b, a + b, a - b
            specialize_and_compile(f, "BINARY_OP_MULTIPLY_FLOAT", 1.5, 2.5)
            before = slow("BINARY_OP_MULTIPLY_FLOAT")
            got = f(1e308, 10.0)
            assert got[0] == math.inf and got[1] == 1e308 and got[2] == 1e308, got
            got = f(math.nan, 1.0)
            assert all(math.isnan(x) for x in got), got
            assert slow("BINARY_OP_MULTIPLY_FLOAT") == before
            print("ok")
        ''')

    def test_load_attr_instance_value(self):
        self.check('''
            class C:
                def __init__(self):
                    self.x = [1]
                    self.y = "y"
            class D:
                def __init__(self):
                    self.x = "other"
            def f(o):
                return o.x, o.y
            def g(o):
                return o.x
            c = C()
            specialize_and_compile(f, "LOAD_ATTR_INSTANCE_VALUE", c)
            before = slow("LOAD_ATTR_INSTANCE_VALUE")
            n = sys.getrefcount(c.x), sys.getrefcount(c)
            r = f(c)
            assert r == ([1], "y") and r[0] is c.x
            del r
            assert (sys.getrefcount(c.x), sys.getrefcount(c)) == n
            # A temporary owner is released by the fast path.
            assert f(C()) == ([1], "y")
            assert slow("LOAD_ATTR_INSTANCE_VALUE") == before
            # Another class fails the type-version guard; a deleted
            # attribute reads NULL: the generic path raises as usual.
            specialize_and_compile(g, "LOAD_ATTR_INSTANCE_VALUE", c)
            before = slow("LOAD_ATTR_INSTANCE_VALUE")
            assert g(D()) == "other"
            c2 = C()
            del c2.x
            try:
                g(c2)
            except AttributeError as e:
                assert "x" in str(e)
            else:
                raise AssertionError("no AttributeError")
            # A dict materialized by vars() keeps inline values valid or
            # not, as the interpreter decides: the result is the same.
            c3 = C()
            vars(c3)["x"] = "via dict"
            assert g(c3) == "via dict"
            assert slow("LOAD_ATTR_INSTANCE_VALUE") > before
            print("ok")
        ''')

    def test_load_global(self):
        # Everything but G lives in main()'s locals: a new module global
        # would change the module's keys version.
        self.check('''
            import builtins
            G = [5]
            def f():
                return G, len("ab")
            def main():
                specialize_and_compile(f, "LOAD_GLOBAL_MODULE")
                specialize_and_compile(f, "LOAD_GLOBAL_BUILTIN")
                b1, b2 = slow("LOAD_GLOBAL_MODULE"), slow("LOAD_GLOBAL_BUILTIN")
                g = globals()
                n = sys.getrefcount(g["G"])
                r = f()
                assert r == ([5], 2) and r[0] is g["G"]
                del r
                assert sys.getrefcount(g["G"]) == n
                # A new value under the same key keeps the keys' version:
                # the fast path reads the new value.
                g["G"] = "new"
                assert f() == ("new", 2)
                assert (slow("LOAD_GLOBAL_MODULE"), slow("LOAD_GLOBAL_BUILTIN")) == (b1, b2)
                # A new global changes the module's keys, a shadowing
                # builtin the builtins' keys: the guards fail, the helper runs.
                g["H"] = 1
                orig = builtins.len
                builtins.len = lambda x: 100
                try:
                    assert f() == ("new", 100)
                finally:
                    builtins.len = orig
                assert slow("LOAD_GLOBAL_MODULE") > b1
                assert slow("LOAD_GLOBAL_BUILTIN") > b2
                # A deleted global is an empty slot: NameError, as ever.
                del g["G"]
                try:
                    f()
                except NameError as e:
                    assert "G" in str(e)
                else:
                    raise AssertionError("no NameError")
            main()
            print("ok")
        ''')

    def test_to_bool_bool_and_resume_check(self):
        self.check('''
            def f(flag):
                if flag:
                    return 1
                return 0
            specialize_and_compile(f, "TO_BOOL_BOOL", True)
            specialize_and_compile(f, "RESUME_CHECK", True)
            b1, b2 = slow("TO_BOOL_BOOL"), slow("RESUME_CHECK")
            assert [f(True), f(False)] == [1, 0]
            assert (slow("TO_BOOL_BOOL"), slow("RESUME_CHECK")) == (b1, b2)
            assert [f(1), f(0), f([]), f("x")] == [1, 0, 0, 1]
            assert slow("TO_BOOL_BOOL") > b1
            # A tracing function bumps the instrumentation version: the
            # RESUME_CHECK guard fails and the frame goes to the interpreter.
            events = []
            sys.settrace(lambda fr, ev, arg: events.append(ev))
            f(True)
            sys.settrace(None)
            assert "call" in events, events
            print("ok")
        ''')

    def test_store_attr_instance_value(self):
        # New attributes (insertion order kept), replaced ones (the old
        # value released, its __del__ run in place), and guard failures.
        self.check('''
            log = []
            class Noisy:
                def __del__(self):
                    log.append("del")
            class C:
                pass
            class D:
                pass
            def f(o, a, b):
                o.x = a
                o.y = b
            c = C()
            specialize_and_compile(f, "STORE_ATTR_INSTANCE_VALUE", C(), 1, 2)
            before = slow("STORE_ATTR_INSTANCE_VALUE")
            v1, v2 = [1], "two"
            n = sys.getrefcount(v1), sys.getrefcount(v2), sys.getrefcount(c)
            f(c, v1, v2)
            assert (c.x, c.y) == (v1, v2) and c.x is v1
            assert sys.getrefcount(v1) == n[0] + 1 and sys.getrefcount(c) == n[2]
            f(c, Noisy(), 3)
            assert log == [], log
            f(c, 4, 5)
            assert log == ["del"], log
            assert (c.x, c.y) == (4, 5)
            assert sys.getrefcount(v1) == n[0] and sys.getrefcount(v2) == n[1]
            # A temporary owner is released.
            f(C(), 1, 2)
            # Only y set before: x comes second in the insertion order.
            e = C()
            e.y = 0
            f(e, 7, 8)
            assert slow("STORE_ATTR_INSTANCE_VALUE") == before
            # (vars() materializes a dict, which the guard refuses.)
            assert list(vars(c)) == ["x", "y"], vars(c)
            assert list(vars(e)) == ["y", "x"], vars(e)
            # Another class and a materialized dict fail the guards.
            d = D()
            f(d, 1, 2)
            c3 = C()
            vars(c3)
            f(c3, "a", "b")
            assert (d.x, d.y, c3.x, c3.y) == (1, 2, "a", "b")
            assert slow("STORE_ATTR_INSTANCE_VALUE") > before
            print("ok")
        ''')

    def test_lent_locals(self):
        # LOAD_FAST then an attribute instruction (self.x, self.x = v) is
        # one piece of machine code that reads the owner from the local
        # without a reference of its own (Doc/design.md, "Lent locals").
        # The second instruction is also compiled on its own: the entry for
        # jumps to it and the fallback when a guard fails.  Everything
        # must agree with the interpreter, reference counts included.
        self.check('''
            import os
            log.clear()
            class C:
                def __init__(self):
                    self.x = [1]
            class S:
                __slots__ = ("x",)
                def __init__(self):
                    self.x = [2]
            class D:
                def __init__(self):
                    self.x = "other"
            def load(o):
                return o.x
            def store(o, v):
                o.x = v
            def joined(c, a, b):
                # The LOAD_ATTR is a jump target, with a LOAD_FAST of b
                # before it.
                return (a if c else b).x
            def slots(o):
                return o.x
            c, d, s = C(), D(), S()
            specialize_and_compile(load, "LOAD_ATTR_INSTANCE_VALUE", c)
            specialize_and_compile(store, "STORE_ATTR_INSTANCE_VALUE", C(), 0)
            specialize_and_compile(joined, "LOAD_ATTR_INSTANCE_VALUE", True, c, c)
            specialize_and_compile(slots, "LOAD_ATTR_SLOT", s)
            before = {op: slow(op) for op in ("LOAD_ATTR_INSTANCE_VALUE", "STORE_ATTR_INSTANCE_VALUE", "LOAD_ATTR_SLOT")}
            n = sys.getrefcount(c), sys.getrefcount(c.x)
            for _ in range(3):
                assert load(c) is c.x
                assert joined(True, c, d) is c.x and joined(False, d, c) is c.x
                assert slots(s) == [2]
            assert (sys.getrefcount(c), sys.getrefcount(c.x)) == n
            v = [3]
            nv = sys.getrefcount(v)
            store(c, v)
            assert c.x is v and sys.getrefcount(v) == nv + 1
            assert sys.getrefcount(c) == n[0]
            # The old value is released in place; its __del__ runs before
            # the function goes on.
            store(c, Noisy(1))
            store(c, Noisy(2))
            assert log == [1], log
            store(c, v)
            assert log == [1, 2], log
            after = {op: slow(op) for op in before}
            assert after == before, (before, after)
            # Guard failures: another class, a deleted attribute.  The
            # LOAD_FAST is done, then the instruction on its own.
            assert load(d) == "other" and joined(True, d, c) == "other"
            store(d, 5)
            assert d.x == 5
            e = C()
            del e.x
            caught = None
            try:
                load(e)
            except AttributeError as exc:
                caught = str(exc)
            assert caught is not None and "x" in caught, caught
            assert sys.getrefcount(c) == n[0] and sys.getrefcount(d) == 2
            assert slow("LOAD_ATTR_INSTANCE_VALUE") > before["LOAD_ATTR_INSTANCE_VALUE"]
            # The pairs were fused: the perf map names the second
            # instruction's own copy "unfused".
            names = perf_map_names()
            for op in ("LOAD_ATTR_INSTANCE_VALUE", "STORE_ATTR_INSTANCE_VALUE", "LOAD_ATTR_SLOT"):
                assert "unfused " + op in names, (op, sorted(names))
            print("ok")
        ''', {"PYTHON_JIT_PERF_MAP": "1"})

    def test_lent_float_operands(self):
        # Float arithmetic on locals (a * b, t - a): the operands are lent
        # by the LOAD_FAST(_LOAD_FAST) before it, never reused for the
        # result (the locals hold them), never released.
        self.check('''
            import os
            def both(a, b):
                return a * b, a - b, a + b
            def right(a, b):
                t = a * 2.0
                return t + b, t - b, t * b
            specialize_and_compile(both, "BINARY_OP_MULTIPLY_FLOAT", 1.5, 2.5)
            specialize_and_compile(right, "BINARY_OP_ADD_FLOAT", 1.5, 2.5)
            before = {op: slow(op) for op in ("BINARY_OP_MULTIPLY_FLOAT", "BINARY_OP_SUBTRACT_FLOAT", "BINARY_OP_ADD_FLOAT")}
            a, b = 1.25, -3.5
            n = sys.getrefcount(a), sys.getrefcount(b)
            for _ in range(3):
                assert both(a, b) == (operator.mul(a, b), operator.sub(a, b), operator.add(a, b))
                t = a * 2.0
                assert right(a, b) == (t + b, t - b, t * b)
                # The results are new objects, the operands untouched.
                r = both(a, b)
                assert all(x is not a and x is not b for x in r)
                del r
            assert (sys.getrefcount(a), sys.getrefcount(b)) == n
            after = {op: slow(op) for op in before}
            assert after == before, (before, after)
            # An int operand fails the guard: the loads are done, then the
            # operation on its own (its mixed path or helper).
            assert both(3, 0.5) == (1.5, 2.5, 3.5)
            assert both(3, 4) == (12, -1, 7)
            assert right(1.5, 2) == (5.0, 1.0, 6.0)
            assert (sys.getrefcount(a), sys.getrefcount(b)) == n
            names = perf_map_names()
            for op in before:
                assert "unfused " + op in names, (op, sorted(names))
            print("ok")
        ''', {"PYTHON_JIT_PERF_MAP": "1"})

    def test_lent_compare_operands(self):
        # i < n on locals: COMPARE_OP_INT / _FLOAT borrows its operands
        # from the LOAD_FAST(_LOAD_FAST) before it, as a value or fused
        # with the branch after it.
        self.check('''
            import os
            funcs = {int: comparisons(), float: comparisons()}
            def right(a, b):
                t = a + 0
                return t < b, t == b, t >= b
            def loop(n):
                i = 0
                while i < n:
                    i += 1
                return i
            for a, b in [(1, 2), (2.5, 1.5)]:
                for f in funcs[type(a)]:
                    specialize_and_compile(f, "COMPARE_OP_" + type(a).__name__.upper(), a, b)
            specialize_and_compile(right, "COMPARE_OP_INT", 1, 2)
            specialize_and_compile(loop, "COMPARE_OP_INT", 3)
            before = slow("COMPARE_OP_INT"), slow("COMPARE_OP_FLOAT")
            big = 10 ** 30
            n = sys.getrefcount(big)
            for a, b in [(1, 2), (2, 2), (3, -2), (-5, 0), (1.5, 2.5), (2.0, 2.0), (float("nan"), 1.0), (-0.0, 0.0)]:
                value, branch = funcs[type(a)]
                expect = tuple(op(a, b) for op in COMPARISONS)
                assert value(a, b) == expect and branch(a, b) == tuple(map(int, expect))
                if type(a) is int:
                    assert right(a, b) == (a < b, a == b, a >= b)
            assert loop(1000) == 1000
            # Compact but not cached ints: the lent ones keep their counts.
            m = 10 ** 5 + 1
            nm = sys.getrefcount(m)
            for _ in range(5):
                assert right(m - 1, m) == (True, False, False)
                assert funcs[int][0](m, m) == (False, True, True, False, False, True)
            assert sys.getrefcount(m) == nm
            assert (slow("COMPARE_OP_INT"), slow("COMPARE_OP_FLOAT")) == before
            # Big ints and mixed types fail the guards: the loads, then the
            # comparison on its own.
            value, branch = funcs[int]
            assert value(big, 1) == tuple(op(big, 1) for op in COMPARISONS)
            assert branch(1, big) == tuple(int(op(1, big)) for op in COMPARISONS)
            assert right(big, big) == (False, True, True)
            assert sys.getrefcount(big) == n
            assert slow("COMPARE_OP_INT") > before[0]
            names = perf_map_names()
            assert {"unfused COMPARE_OP_INT", "unfused COMPARE_OP_FLOAT"} <= names, sorted(names)
            print("ok")
        ''', {"PYTHON_JIT_PERF_MAP": "1"})

    def test_lent_subscript_operands(self):
        # seq[i] on locals: BINARY_SUBSCR_LIST_INT / _TUPLE_INT borrows the
        # index (and the container, after LOAD_FAST_LOAD_FAST) from the
        # locals; a container on the stack is released as before.
        self.check('''
            import os
            log = []
            class Noisy:
                def __del__(self):
                    log.append("del")
            def both(seq, i):
                return seq[i]
            def index(seq, i):
                return list(seq)[i]
            specialize_and_compile(both, "BINARY_SUBSCR_LIST_INT", [1, 2], 1)
            specialize_and_compile(index, "BINARY_SUBSCR_LIST_INT", [1, 2], 1)
            before = slow("BINARY_SUBSCR_LIST_INT")
            item, i = [7], 10 ** 3
            seq = [0] * i + [item]
            n = sys.getrefcount(seq), sys.getrefcount(item), sys.getrefcount(i)
            for _ in range(3):
                assert both(seq, i) is item and index(seq, i) is item
            assert (sys.getrefcount(seq), sys.getrefcount(item), sys.getrefcount(i)) == n
            # The temporary list dies in the fused code; the item's
            # __del__ runs when the argument list dies.
            assert index([Noisy(), 5], 1) == 5 and log == ["del"], log
            assert slow("BINARY_SUBSCR_LIST_INT") == before
            # Out of range, negative, a tuple, a dict: the loads, then the
            # subscript on its own.
            try:
                both(seq, i + 1)
            except IndexError:
                pass
            else:
                raise AssertionError("no IndexError")
            assert both(seq, -1) is item and both((1, 2), 0) == 1
            assert both({3: "d"}, 3) == "d"
            assert (sys.getrefcount(seq), sys.getrefcount(item), sys.getrefcount(i)) == n
            assert slow("BINARY_SUBSCR_LIST_INT") > before
            names = perf_map_names()
            assert "unfused BINARY_SUBSCR_LIST_INT" in names, sorted(names)
            print("ok")
        ''', {"PYTHON_JIT_PERF_MAP": "1"})

    def test_generic_binary_ops_call_their_c_function(self):
        # A generic BINARY_OP or BINARY_SUBSCR calls _PyEval_BinaryOps[oparg]
        # or PyObject_GetItem from machine code, not through its helper;
        # the helper only runs (counted as native_slow_*) when the live
        # opcode is no longer the generic one.  Results, errors and their
        # tracebacks, reference counts, __del__ of an operand and
        # instrumentation switched on by the call agree with the
        # interpreter.
        self.check('''
            import array, os
            log = []
            class Noisy:
                def __init__(self, n):
                    self.n = n
                def __xor__(self, other):
                    return self.n ^ other
                def __del__(self):
                    log.append(self.n)
            class Items:
                def __getitem__(self, k):
                    if k == "boom":
                        raise KeyError(k)
                    return k * 2
            def ops(a, b):
                return a ^ b, a << b, a % b, a // b, a | b, a & b, a >> b, a ** b
            def xor(a, b):
                return a ^ b
            def sub(c, k):
                return c[k]
            # Compiled before they ever ran: every site generic.
            for fn in (ops, xor, sub):
                assert sys._jit.compile(fn) is None
            before = slow("BINARY_OP"), slow("BINARY_SUBSCR")
            big = 2**70
            arr, items, d = array.array("d", [1.5, 2.5]), Items(), {"k": big}
            n = sys.getrefcount(big)
            fns = (operator.xor, operator.lshift, operator.mod, operator.floordiv,
                   operator.or_, operator.and_, operator.rshift, operator.pow)
            for a, b in [(5, 3), (big, 7), (-9, 4), (True, 2), (7, big % 5)]:
                assert ops(a, b) == tuple(f(a, b) for f in fns), (a, b)
            for _ in range(3):
                assert sub(arr, 1) == 2.5 and sub(items, 21) == 42 and sub(d, "k") is big
                assert sub("abc", slice(1, None)) == "bc"
                assert sub(d, "k") is big and xor(3, big) == big ^ 3
            assert sys.getrefcount(big) == n
            # Errors: raised in the function's frame, operands released.
            for fn, args, exc in [(ops, (1, 0), ZeroDivisionError), (sub, (items, "boom"), KeyError),
                                  (sub, (arr, 5), IndexError), (xor, ("a", 1), TypeError)]:
                raises_here(fn, exc, *args)
            # The left operand dies when released, before the function
            # goes on: its __del__ runs then.
            assert xor(Noisy(6), 3) == 5 and log == [6], log
            assert (slow("BINARY_OP"), slow("BINARY_SUBSCR")) == before
            # The call itself switches instrumentation on: the rest of the
            # function reports its lines, as in the interpreter.
            mon, tool, lines = sys.monitoring, 3, []
            def on_line(code, line):
                if code is after.__code__:
                    lines.append(line - code.co_firstlineno)
            class Starter:
                def __getitem__(self, k):
                    mon.use_tool_id(tool, "test")
                    mon.register_callback(tool, mon.events.LINE, on_line)
                    mon.set_events(tool, mon.events.LINE)
                    return k
            def after(c):
                x = c[1]
                y = x + 1
                return y
            assert sys._jit.compile(after) is None
            assert after(Starter()) == 2
            mon.set_events(tool, 0)
            mon.free_tool_id(tool)
            assert lines == [2, 3], lines
            # The out-of-line path (the live opcode's helper) exists: the
            # perf map names it.
            names = perf_map_names()
            assert {"slow BINARY_OP", "slow BINARY_SUBSCR"} <= names, sorted(names)
            print("ok")
        ''', {"PYTHON_JIT_PERF_MAP": "1"})

    def test_generic_compare_op_calls_rich_compare(self):
        # A generic COMPARE_OP calls PyObject_RichCompare from machine
        # code, and in its bool form (before a branch) PyObject_IsTrue:
        # results of all six operators as values and as branches, rich
        # comparisons returning other objects, errors from the comparison
        # and from the truth test with their tracebacks, reference counts,
        # and the result's __del__ seeing the bool already on the stack.
        self.check('''
            log = []
            class Truth:
                def __init__(self, v):
                    self.v = v
                def __bool__(self):
                    if self.v is None:
                        raise ValueError("no truth")
                    return self.v
                def __del__(self):
                    log.append(self.v)
            class Odd:
                def __init__(self, v):
                    self.v = v
                def __lt__(self, other):
                    if other == "boom":
                        raise KeyError(other)
                    return Truth(self.v)
            def lt_value(a, b):
                return a < b
            def lt_branch(a, b):
                if a < b:
                    return "yes"
                return "no"
            value, branch = comparisons()
            # Compiled before they ever ran: every site generic.
            for fn in (value, branch, lt_value, lt_branch):
                assert sys._jit.compile(fn) is None
            big = 2**70
            pairs = [(1, 2.5), (2.5, 1), (big, 1.0), (1.0, big), ("a", "b"), ((1, 2), (1, 3)), (None, None)]
            n = sys.getrefcount(big)
            for a, b in pairs:
                try:
                    want = tuple(f(a, b) for f in COMPARISONS)
                except TypeError:
                    continue
                assert value(a, b) == want, (a, b)
                assert branch(a, b) == tuple(int(x) for x in want), (a, b)
            assert sys.getrefcount(big) == n
            # Objects of Python classes: the sites below stay generic, and
            # never leave machine code for the helper.
            before = slow("COMPARE_OP")
            t = lt_value(Odd(True), 1)
            assert isinstance(t, Truth) and t.v is True
            del t
            del log[:]
            assert lt_branch(Odd(True), 1) == "yes" and lt_branch(Odd(False), 1) == "no"
            assert log == [True, False], log
            for fn, args, exc in [(lt_branch, (Odd(None), 1), ValueError), (lt_value, (Odd(1), "boom"), KeyError),
                                  (lt_branch, (Odd(1), "boom"), KeyError), (lt_value, (1, "a"), TypeError)]:
                raises_here(fn, exc, *args)
            assert slow("COMPARE_OP") == before
            print("ok")
        ''')

    def test_exact_deallocations_report_to_the_reference_tracer(self):
        # Floats and ints released by the float and int fast paths go
        # straight to their deallocator (_Py_DECREF_SPECIALIZED), except
        # while a reference tracer (PyRefTracer_SetTracer) is set: then
        # through _Py_Dealloc, which reports them.  The tracer here is
        # libc's putchar, one byte per event into a file: compiled code
        # must report exactly as many events as the same code
        # interpreted.
        self.check('''
            import ctypes, os, tempfile, textwrap
            libc = ctypes.CDLL(None)
            set_tracer = ctypes.pythonapi.PyRefTracer_SetTracer
            set_tracer.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
            putchar = ctypes.cast(libc.putchar, ctypes.c_void_p).value
            def events(fn, *args):
                libc.fflush(None)
                saved = os.dup(1)
                with tempfile.TemporaryFile() as f:
                    os.dup2(f.fileno(), 1)
                    try:
                        set_tracer(putchar, None)
                        result = fn(*args)
                        set_tracer(None, None)
                        libc.fflush(None)
                    finally:
                        os.dup2(saved, 1)
                        os.close(saved)
                    return os.fstat(f.fileno()).st_size, result
            src = """
            def work(a, b, n, seq):
                t, k = 0.0, 0
                for i in range(n):
                    t = t + a * b - (a + i) * b
                    if a * b < t:
                        t = t - 1.0
                    k = k + i * 3 - seq[i]
                    if k > i * 1000:
                        k = 0
                return t, k
            """
            ns1, ns2 = {}, {}
            exec(textwrap.dedent(src), ns1)
            exec(textwrap.dedent(src), ns2)
            jitted, interpreted = ns1["work"], ns2["work"]
            seq = list(range(1000, 3000))
            for _ in range(100):
                jitted(1.5, 2.5, 10, seq)
                interpreted(1.5, 2.5, 10, seq)
            assert sys._jit.compile(jitted) is None
            ops = ("BINARY_OP_MULTIPLY_FLOAT", "BINARY_OP_ADD_INT", "COMPARE_OP_INT",
                   "COMPARE_OP_FLOAT", "BINARY_SUBSCR_LIST_INT")
            names = {i.opname for i in dis.get_instructions(jitted, adaptive=True)}
            assert set(ops) <= names, sorted(names)
            before = [slow(op) for op in ops]
            got = events(jitted, 1.5, 2.5, 1000, seq)
            want = events(interpreted, 1.5, 2.5, 1000, seq)
            assert got == want and got[0] > 2000, (got, want)
            assert [slow(op) for op in ops] == before
            print("ok")
        ''', {"PYTHON_JIT_THRESHOLD": "1000000000"})

    def test_cells(self):
        # LOAD_DEREF pushes a cell's value with a new reference; an empty
        # cell takes the out-of-line path (counted), whose helper raises
        # NameError.  STORE_DEREF stores into the cell, then releases the
        # old value, whose __del__ runs before the function goes on.
        self.check('''
            log.clear()
            def make():
                # value is a cell of make's that nothing has set yet.
                if False:
                    value = None
                def get():
                    return value
                def put(v):
                    nonlocal value
                    value = v
                return get, put
            def counter(n):
                total = 0
                def add(k):
                    nonlocal total
                    total += k
                    return total
                for i in range(n):
                    add(i)
                return total, add(0)
            get, put = make()
            for fn in (get, put, counter):
                assert sys._jit.compile(fn) is None
            before = slow("LOAD_DEREF")
            try:
                get()
            except NameError as e:
                assert "value" in str(e) and e.__traceback__.tb_next.tb_frame.f_code is get.__code__
            else:
                raise AssertionError("no NameError")
            assert slow("LOAD_DEREF") == before + 1
            obj = [1]
            n = sys.getrefcount(obj)
            put(obj)
            assert sys.getrefcount(obj) == n + 1
            for _ in range(3):
                assert get() is obj
            assert sys.getrefcount(obj) == n + 1
            put(Noisy(1))
            assert sys.getrefcount(obj) == n and log == []
            put(Noisy(2))
            assert log == [1], log
            put(None)
            assert log == [1, 2], log
            assert counter(100) == (4950, 4950)
            assert slow("LOAD_DEREF") == before + 1
            print("ok")
        ''')

    def test_lent_truth_tests(self):
        # if x: on a local: TO_BOOL_INT / _NONE / _STR / _LIST /
        # _ALWAYS_TRUE borrows the value from the LOAD_FAST before it; the
        # truth goes into the branch, or onto the stack as a bool.
        self.check('''
            import os
            class C:
                pass
            def branch(x):
                if x:
                    return 1
                return 0
            def value(x):
                return not x
            cases = {"TO_BOOL_INT": (5, 0), "TO_BOOL_NONE": (None,),
                     "TO_BOOL_STR": ("s", ""), "TO_BOOL_LIST": ([1], []),
                     "TO_BOOL_ALWAYS_TRUE": (C(),)}
            funcs = {}
            for opname, args in cases.items():
                b = type(branch)(branch.__code__.replace(), {})
                v = type(value)(value.__code__.replace(), {})
                specialize_and_compile(b, opname, args[0])
                specialize_and_compile(v, opname, args[0])
                funcs[opname] = b, v
            before = {op: slow(op) for op in cases}
            for opname, args in cases.items():
                b, v = funcs[opname]
                for x in args:
                    n = sys.getrefcount(x)
                    for _ in range(3):
                        assert b(x) == int(bool(x)) and v(x) is (not x), (opname, x)
                    assert sys.getrefcount(x) == n, (opname, x)
            after = {op: slow(op) for op in cases}
            assert after == before, (before, after)
            # Another type fails the guard: the load, then TO_BOOL on its own.
            b, v = funcs["TO_BOOL_INT"]
            assert b([]) == 0 and v("x") is False and b(C()) == 1
            assert slow("TO_BOOL_INT") > before["TO_BOOL_INT"]
            names = perf_map_names()
            for op in cases:
                assert "unfused " + op in names, (op, sorted(names))
            print("ok")
        ''', {"PYTHON_JIT_PERF_MAP": "1"})

    def test_load_attr_with_hint(self):
        # An instance whose __dict__ was replaced (no inline values) is read
        # through the cached hint: the entry must hold the same name.
        self.check('''
            class C:
                pass
            def f(o):
                return o.a
            def make(**kw):
                o = C()
                o.__dict__ = dict(kw)
                return o
            c = make(a=[1], b=2)
            specialize_and_compile(f, "LOAD_ATTR_WITH_HINT", c)
            before = slow("LOAD_ATTR_WITH_HINT")
            n = sys.getrefcount(c), sys.getrefcount(c.a)
            assert f(c) is c.a and f(make(a=5, b=6)) == 5
            assert (sys.getrefcount(c), sys.getrefcount(c.a)) == n
            assert slow("LOAD_ATTR_WITH_HINT") == before
            # Another position, a non-string key, a deleted attribute.
            assert f(make(b=1, a=7)) == 7
            d = make(a=8, b=9)
            d.__dict__[1] = 0
            assert f(d) == 8
            e = make(a=1, b=2)
            del e.a
            try:
                f(e)
            except AttributeError:
                pass
            else:
                raise AssertionError("no AttributeError")
            assert slow("LOAD_ATTR_WITH_HINT") > before
            print("ok")
        ''')

    def test_load_attr_method(self):
        self.check('''
            class C:
                def __init__(self):
                    self.v = 1
                def m(self, k):
                    return self.v + k
            class S:
                __slots__ = ()
                def m(self, k):
                    return -k
            def f(o):
                return o.m(10)
            c, s = C(), S()
            specialize_and_compile(f, "LOAD_ATTR_METHOD_WITH_VALUES", c)
            before = slow("LOAD_ATTR_METHOD_WITH_VALUES")
            n = sys.getrefcount(c), sys.getrefcount(C.m)
            assert f(c) == 11 and f(C()) == 11
            assert (sys.getrefcount(c), sys.getrefcount(C.m)) == n
            assert slow("LOAD_ATTR_METHOD_WITH_VALUES") == before
            # An instance attribute that shadows the method changes the
            # shared keys: the guard fails and the attribute is called.
            c2 = C()
            c2.m = lambda k: "shadow"
            assert f(c2) == "shadow"
            assert slow("LOAD_ATTR_METHOD_WITH_VALUES") > before
            def g(o):
                return o.m(3)
            specialize_and_compile(g, "LOAD_ATTR_METHOD_NO_DICT", s)
            before = slow("LOAD_ATTR_METHOD_NO_DICT")
            n = sys.getrefcount(s)
            assert g(s) == -3 and sys.getrefcount(s) == n
            assert slow("LOAD_ATTR_METHOD_NO_DICT") == before
            assert g(c) == 4
            assert slow("LOAD_ATTR_METHOD_NO_DICT") > before
            print("ok")
        ''')

    def test_compare_op_int(self):
        # Every comparison, as a value and fused with the branch that
        # follows it, on small (immortal), larger, negative and multi-digit
        # ints.
        self.check('''
            value, branch = comparisons()
            specialize_and_compile(value, "COMPARE_OP_INT", 1, 2)
            specialize_and_compile(branch, "COMPARE_OP_INT", 1, 2)
            fns = COMPARISONS
            big = 2**40
            pairs = [(1, 2), (2, 1), (3, 3), (-5, 4), (0, -1), (-7, -7),
                     (1000, 999), (10**6 + 1, 10**6 + 1), (-(2**29), 2**29)]
            before = slow("COMPARE_OP_INT")
            for a, b in pairs:
                want = tuple(fn(a, b) for fn in fns)
                assert value(a, b) == want, (a, b, value(a, b))
                assert branch(a, b) == tuple(map(int, want)), (a, b)
            x, y = 10**6 + 7, 10**6 + 8
            n = sys.getrefcount(x), sys.getrefcount(y)
            value(x, y); branch(x, y)
            assert (sys.getrefcount(x), sys.getrefcount(y)) == n
            assert slow("COMPARE_OP_INT") == before
            # Multi-digit ints fail the compactness guard.
            want = tuple(fn(big, 5) for fn in fns)
            assert value(big, 5) == want and branch(big, 5) == tuple(map(int, want))
            assert slow("COMPARE_OP_INT") > before
            print("ok")
        ''')

    def test_slots(self):
        self.check('''
            log = []
            class Noisy:
                def __del__(self):
                    log.append("del")
            class P:
                __slots__ = ("x", "y")
            class Q:
                __slots__ = ("y", "x")
            def store(o, a, b):
                o.x = a
                o.y = b
            def load(o):
                return o.x, o.y
            p = P()
            store(p, 1, 2)
            specialize_and_compile(store, "STORE_ATTR_SLOT", p, 1, 2)
            specialize_and_compile(load, "LOAD_ATTR_SLOT", p)
            b1, b2 = slow("STORE_ATTR_SLOT"), slow("LOAD_ATTR_SLOT")
            v = [1]
            n = sys.getrefcount(v), sys.getrefcount(p)
            store(p, v, Noisy())
            assert load(p)[0] is v
            store(p, 3, 4)
            assert log == ["del"], log
            assert load(p) == (3, 4)
            assert (sys.getrefcount(v), sys.getrefcount(p)) == n
            store(P(), 5, 6)
            assert (slow("STORE_ATTR_SLOT"), slow("LOAD_ATTR_SLOT")) == (b1, b2)
            # An empty slot raises; another class fails the version guard.
            try:
                load(P())
            except AttributeError as e:
                assert "x" in str(e)
            else:
                raise AssertionError("no AttributeError")
            q = Q()
            store(q, 7, 8)
            assert load(q) == (7, 8)
            assert slow("STORE_ATTR_SLOT") > b1 and slow("LOAD_ATTR_SLOT") > b2
            print("ok")
        ''')

    def test_int_arithmetic(self):
        self.check('''
            OPS = [("BINARY_OP_ADD_INT", "+", operator.add),
                   ("BINARY_OP_SUBTRACT_INT", "-", operator.sub),
                   ("BINARY_OP_MULTIPLY_INT", "*", operator.mul)]
            for opname, sym, fn in OPS:
                ns = {}
                exec(f"def f(a, b):\\n    return a {sym} b, (a {sym} b) {sym} b\\n", ns)
                f = ns["f"]
                specialize_and_compile(f, opname, 3, 4)
                before = slow(opname)
                for a, b in [(1, 2), (-5, 3), (2**62, 2**62), (10**30, -7), (0, 0), (255, 1)]:
                    assert f(a, b) == (fn(a, b), fn(fn(a, b), b)), (opname, a, b)
                x, y = 10**6 + 1, 10**6 + 2
                n = sys.getrefcount(x), sys.getrefcount(y)
                f(x, y)
                assert (sys.getrefcount(x), sys.getrefcount(y)) == n
                assert slow(opname) == before, opname
                assert f(1.5, 2) == (fn(1.5, 2), fn(fn(1.5, 2), 2))
                assert slow(opname) > before, opname
            print("ok")
        ''')

    def test_compare_op_float(self):
        self.check('''
            import math
            value, branch = comparisons()
            specialize_and_compile(value, "COMPARE_OP_FLOAT", 1.0, 2.0)
            specialize_and_compile(branch, "COMPARE_OP_FLOAT", 1.0, 2.0)
            fns = COMPARISONS
            before = slow("COMPARE_OP_FLOAT")
            for a, b in [(1.0, 2.0), (2.0, 1.0), (0.5, 0.5), (-0.0, 0.0), (math.nan, 1.0),
                         (1.0, math.nan), (math.nan, math.nan), (math.inf, 1e308)]:
                want = tuple(fn(a, b) for fn in fns)
                assert value(a, b) == want, (a, b, value(a, b))
                assert branch(a, b) == tuple(map(int, want)), (a, b)
            assert slow("COMPARE_OP_FLOAT") == before
            assert value(1, 2.0) == tuple(fn(1, 2.0) for fn in fns)
            assert slow("COMPARE_OP_FLOAT") > before
            print("ok")
        ''')

    def test_to_bool(self):
        # Truth tests of ints, None, strings, lists and plain objects, fused
        # with the branch (`if v`) and as values (`not v`); a list whose
        # release runs __del__; other types fail the guards.
        self.check('''
            log = []
            class Noisy:
                def __del__(self):
                    log.append("del")
            class Plain:
                pass
            for opname, yes, no in [("TO_BOOL_INT", 5, 0), ("TO_BOOL_NONE", None, None),
                                    ("TO_BOOL_STR", "x", ""), ("TO_BOOL_LIST", [1], []),
                                    ("TO_BOOL_ALWAYS_TRUE", Plain(), Plain())]:
                ns = {}
                exec("def branch(v):\\n    if v:\\n        return 1\\n    return 0\\n"
                     "def value(v):\\n    return not v\\n", ns)
                b, v = ns["branch"], ns["value"]
                specialize_and_compile(b, opname, yes)
                specialize_and_compile(v, opname, yes)
                before = slow(opname)
                for x in (yes, no):
                    assert b(x) == (1 if x else 0) and v(x) == (not x), (opname, x)
                big = 10**20 if opname == "TO_BOOL_INT" else None
                if big:
                    n = sys.getrefcount(big)
                    assert b(big) == 1 and v(big) is False and sys.getrefcount(big) == n
                assert slow(opname) == before, opname
                assert b(2.5) == 1 and v(0.0) is True
                assert slow(opname) > before, opname
            def temp_list():
                if [Noisy()]:
                    log.append("then")
            specialize_and_compile(temp_list, "TO_BOOL_LIST")
            del log[:]
            temp_list()
            assert log == ["del", "then"], log
            print("ok")
        ''')

    def test_binary_subscr_list_int(self):
        self.check('''
            def f(l, i):
                return l[i]
            def temp(i):
                return [10, 20, 30][i]
            specialize_and_compile(f, "BINARY_SUBSCR_LIST_INT", [1, 2], 1)
            specialize_and_compile(temp, "BINARY_SUBSCR_LIST_INT", 1)
            before = slow("BINARY_SUBSCR_LIST_INT")
            item = [0]
            l = [item, "b", 3]
            n = sys.getrefcount(l), sys.getrefcount(item)
            assert f(l, 0) is item and f(l, 2) == 3
            assert (sys.getrefcount(l), sys.getrefcount(item)) == n
            assert [temp(0), temp(1), temp(2)] == [10, 20, 30]
            assert slow("BINARY_SUBSCR_LIST_INT") == before
            # Out of range, negative, not an exact int: the helper decides.
            for i in (3, 2**40):
                try:
                    f(l, i)
                except IndexError:
                    pass
                else:
                    raise AssertionError(i)
            assert f(l, -1) == 3 and f(l, True) == "b"
            assert slow("BINARY_SUBSCR_LIST_INT") > before
            print("ok")
        ''')

    def test_tuples_and_list_stores(self):
        # BINARY_SUBSCR_TUPLE_INT, UNPACK_SEQUENCE_TWO_TUPLE and
        # STORE_SUBSCR_LIST_INT: results, reference counts (a temporary
        # tuple released, the replaced item released with its finalizer
        # run at the store), and the guards falling back.
        self.check('''
            def sub(t, i):
                return t[i]
            def unpack(t):
                a, b = t
                return b, a
            def pair(x):
                return (x, [x])
            def temp_unpack(x):
                a, b = pair(x)
                return a, b
            def store(l, i, v):
                l[i] = v
                return l
            specialize_and_compile(sub, "BINARY_SUBSCR_TUPLE_INT", (1, 2), 1)
            specialize_and_compile(unpack, "UNPACK_SEQUENCE_TWO_TUPLE", (1, 2))
            specialize_and_compile(temp_unpack, "UNPACK_SEQUENCE_TWO_TUPLE", 1)
            specialize_and_compile(store, "STORE_SUBSCR_LIST_INT", [0, 0], 1, 5)
            ops = ["BINARY_SUBSCR_TUPLE_INT", "UNPACK_SEQUENCE_TWO_TUPLE", "STORE_SUBSCR_LIST_INT"]
            before = [slow(n) for n in ops]
            item, big = [0], 10**30
            t = (item, big)
            n = sys.getrefcount(item), sys.getrefcount(big), sys.getrefcount(t)
            assert sub(t, 0) is item and sub(t, 1) is big
            assert unpack(t) == (big, item)
            assert (sys.getrefcount(item), sys.getrefcount(big), sys.getrefcount(t)) == n
            a, b = temp_unpack(big)
            assert a is big and b == [big]
            del a, b
            assert sys.getrefcount(big) == n[1]
            class Fin:
                died = 0
                def __del__(self):
                    Fin.died += 1
            l = [Fin(), 1]
            nb = sys.getrefcount(big)
            assert store(l, 0, big) == [big, 1] and Fin.died == 1
            assert sys.getrefcount(big) == nb + 1
            assert [slow(n) for n in ops] == before, [slow(n) - b for n, b in zip(ops, before)]
            # Out of range, negative, not a tuple / list, wrong length.
            try:
                sub(t, 2)
            except IndexError:
                pass
            else:
                raise AssertionError("no IndexError")
            assert sub(t, -1) is big and sub([7], 0) == 7
            try:
                unpack((1, 2, 3))
            except ValueError:
                pass
            else:
                raise AssertionError("no ValueError")
            assert unpack([1, 2]) == (2, 1)
            try:
                store(l, 5, 0)
            except IndexError:
                pass
            else:
                raise AssertionError("no IndexError")
            assert store(l, -1, 9) == [big, 9]
            assert all(slow(n) > b for n, b in zip(ops, before))
            print("ok")
        ''')

    def test_unpack_tuples_and_lists(self):
        # UNPACK_SEQUENCE_TUPLE and _LIST inline (up to 16 items): the
        # items in order with new references, a temporary list released
        # with its last item's finalizer run, and the guards: another
        # length, another type; a 17-item unpack runs the helper.
        self.check('''
            def three(t):
                a, b, c = t
                return c, b, a
            def four(l):
                a, b, c, d = l
                return a, d
            class Fin:
                died = 0
                def __del__(self):
                    Fin.died += 1
            def temp_list():
                a, b = [Fin(), 2]
                return b
            names = ", ".join(f"v{i}" for i in range(17))
            ns = {}
            exec(f"def many(t):\\n    {names} = t\\n    return v0 + v16", ns)
            many = ns["many"]
            specialize_and_compile(three, "UNPACK_SEQUENCE_TUPLE", (1, 2, 3))
            specialize_and_compile(four, "UNPACK_SEQUENCE_LIST", [1, 2, 3, 4])
            specialize_and_compile(temp_list, "UNPACK_SEQUENCE_LIST")
            specialize_and_compile(many, "UNPACK_SEQUENCE_TUPLE", tuple(range(17)))
            ops = ["UNPACK_SEQUENCE_TUPLE", "UNPACK_SEQUENCE_LIST"]
            before = [slow(n) for n in ops]
            big, item = 10**30, [0]
            t, l = (big, item, "s"), [item, 1, 2, big]
            n = sys.getrefcount(big), sys.getrefcount(item), sys.getrefcount(t), sys.getrefcount(l)
            assert three(t) == ("s", item, big)
            assert four(l) == (item, big)
            assert (sys.getrefcount(big), sys.getrefcount(item), sys.getrefcount(t), sys.getrefcount(l)) == n
            died = Fin.died
            assert temp_list() == 2 and Fin.died == died + 1
            assert many(tuple(range(17))) == 16
            assert [slow(n) for n in ops] == before, [slow(n) - b for n, b in zip(ops, before)]
            try:
                three((1, 2))
            except ValueError:
                pass
            else:
                raise AssertionError("no ValueError")
            assert three([1, 2, 3]) == (3, 2, 1) and four((1, 2, 3, 4)) == (1, 4)
            # Two misses of the tuple unpack, one of the list unpack.
            assert [slow(n) - b for n, b in zip(ops, before)] == [2, 1], [slow(n) - b for n, b in zip(ops, before)]
            print("ok")
        ''')

    def test_load_attr_module(self):
        # LOAD_ATTR_MODULE (a module attribute, with and without the NULL
        # of a method call): values, reference counts, and the guards:
        # a changed module dict, a deleted attribute, another owner.
        self.check('''
            import types
            m = types.ModuleType("m")
            m.value = 10**30
            m.double = lambda x: 2 * x
            def get(mod):
                return mod.value, mod.double(3)
            specialize_and_compile(get, "LOAD_ATTR_MODULE", m)
            before = slow("LOAD_ATTR_MODULE")
            n = sys.getrefcount(m.value), sys.getrefcount(m)
            assert get(m) == (10**30, 6)
            assert (sys.getrefcount(m.value), sys.getrefcount(m)) == n
            assert slow("LOAD_ATTR_MODULE") == before
            m.value = "changed"
            assert get(m) == ("changed", 6)
            del m.value
            try:
                get(m)
            except AttributeError:
                pass
            else:
                raise AssertionError("no AttributeError")
            class Obj:
                value = 1
                def double(self, x):
                    return -x
            assert get(Obj()) == (1, -3)
            assert slow("LOAD_ATTR_MODULE") > before
            print("ok")
        ''')

    def test_for_iter(self):
        # Lists, tuples and ranges (small ints, big ints, negative steps,
        # empty ranges) run natively until exhausted; the helper ends the
        # loop.  A list that shrinks under the loop ends it early.
        self.check('''
            def total(it):
                t = []
                for x in it:
                    t.append(x)
                return t
            def mutate(l):
                seen = []
                for x in l:
                    seen.append(x)
                    if x == 1:
                        del l[2:]
                return seen
            cases = [("FOR_ITER_LIST", [1, 2, 3]), ("FOR_ITER_TUPLE", (1, "b", None)),
                     ("FOR_ITER_RANGE", range(5))]
            for opname, arg in cases:
                ns = {}
                exec("def f(it):\\n    t = []\\n    for x in it:\\n        t.append(x)\\n    return t\\n", ns)
                f = ns["f"]
                specialize_and_compile(f, opname, arg)
                before = slow(opname)
                if opname == "FOR_ITER_RANGE":
                    for r in (range(300), range(-10, 10, 3), range(2**40, 2**40 + 3),
                              range(10, 0, -4), range(0)):
                        assert f(r) == list(r), r
                    # The loop's exhaustion is one helper call per loop.
                    assert slow(opname) - before == 5, slow(opname) - before
                    # Bounds beyond a C long make another iterator type.
                    r = range(2**62, 2**63 - 1, 2**61)
                    assert f(r) == list(r) and slow(opname) - before > 5
                else:
                    item = [9]
                    seq = [item, 2, item] if opname == "FOR_ITER_LIST" else (item, 2, item)
                    n = sys.getrefcount(item)
                    assert f(seq) == list(seq) and f(seq[:0]) == []
                    assert sys.getrefcount(item) == n
                    assert slow(opname) - before == 2
            specialize_and_compile(mutate, "FOR_ITER_LIST", [0])
            assert mutate([0, 1, 2, 3]) == [0, 1]
            print("ok")
        ''')

    def test_call_builtin(self):
        # METH_O and METH_FASTCALL builtins called directly: results,
        # reference counts, errors raised by the function, and a signal
        # handler that raises while the call's eval-breaker check runs.
        self.check('''
            import math, signal
            def one(x):
                return math.sqrt(x), abs(x)
            def apply(f, x):
                return f(x)
            def two(a, b):
                return divmod(a, b)
            def raise_sig(sig):
                signal.raise_signal(sig)
                return "not reached"
            specialize_and_compile(one, "CALL_BUILTIN_O", 4.0)
            specialize_and_compile(two, "CALL_BUILTIN_FAST", 7, 2)
            b1, b2 = slow("CALL_BUILTIN_O"), slow("CALL_BUILTIN_FAST")
            big = 10**30
            n = sys.getrefcount(big)
            assert one(16.0) == (4.0, 16.0) and two(big, 7) == divmod(big, 7)
            assert sys.getrefcount(big) == n
            assert (slow("CALL_BUILTIN_O"), slow("CALL_BUILTIN_FAST")) == (b1, b2)
            try:
                one(-1.0)
            except ValueError as e:
                assert e.__traceback__.tb_next.tb_frame.f_code is one.__code__
            else:
                raise AssertionError("no ValueError")
            try:
                two(1, 0)
            except ZeroDivisionError:
                pass
            else:
                raise AssertionError("no ZeroDivisionError")
            assert (slow("CALL_BUILTIN_O"), slow("CALL_BUILTIN_FAST")) == (b1, b2)
            # Another callable fails the guard.
            specialize_and_compile(apply, "CALL_BUILTIN_O", ord, "a")
            b1 = slow("CALL_BUILTIN_O")
            assert apply(ord, "b") == 98 and slow("CALL_BUILTIN_O") == b1
            assert apply(len, "abc") == 3 and slow("CALL_BUILTIN_O") == b1
            assert apply(lambda x: x * 2, 5) == 10 and slow("CALL_BUILTIN_O") > b1
            def handler(signum, frame):
                raise KeyboardInterrupt("from handler")
            signal.signal(signal.SIGUSR1, handler)
            specialize_and_compile(raise_sig, "CALL_BUILTIN_O", 0)
            try:
                raise_sig(signal.SIGUSR1)
            except KeyboardInterrupt as e:
                assert str(e) == "from handler"
                assert e.__traceback__.tb_next.tb_frame.f_code is raise_sig.__code__
            else:
                raise AssertionError("the handler did not run")
            print("ok")
        ''')

    def test_call_builtin_class(self):
        # Classes with a vectorcall (int, float, str, tuple, list, ...)
        # called through it: results, reference counts, an error raised by
        # the class with this frame in the traceback, and callables that
        # fail the guard (a class without a vectorcall, a function).
        self.check('''
            def make(cls, x):
                return cls(x)
            def two(x):
                return int(x, 16), str(x)
            specialize_and_compile(make, "CALL_BUILTIN_CLASS", float, "1.5")
            specialize_and_compile(two, "CALL_BUILTIN_CLASS", "ff")
            b = slow("CALL_BUILTIN_CLASS")
            big = 10**30
            items = [big, "s"]
            n = sys.getrefcount(big)
            assert make(float, "2.5") == 2.5 and make(tuple, items) == (big, "s")
            assert make(list, (1, 2)) == [1, 2] and two("7f") == (127, "7f")
            assert make(int, big) is big
            assert sys.getrefcount(big) == n
            assert slow("CALL_BUILTIN_CLASS") == b
            raises_here(make, ValueError, int, "nope")
            assert slow("CALL_BUILTIN_CLASS") == b
            class Plain:
                def __init__(self, x):
                    self.x = x
            assert make(Plain, 3).x == 3 and slow("CALL_BUILTIN_CLASS") == b + 1
            assert make(lambda x: x + 1, 3) == 4 and slow("CALL_BUILTIN_CLASS") == b + 2
            assert sys._jit.is_compiled(make) and sys._jit.is_compiled(two)
            print("ok")
        ''')

    def test_call_non_py_general(self):
        # Callables that are neither Python functions nor bound methods
        # (partial objects, instances with __call__) called through
        # PyObject_Vectorcall(): results, reference counts, an error with
        # this frame in the traceback, the callable released before the
        # arguments, and a Python function failing the guard.
        self.check('''
            import functools
            log = []
            class Callable:
                def __init__(self, tag):
                    self.tag = tag
                def __call__(self, x):
                    if x is None:
                        raise KeyError("none")
                    return (self.tag, x)
                def __del__(self):
                    log.append("callable")
            class Arg:
                def __del__(self):
                    log.append("arg")
            def call(f, x):
                return f(x)
            class Tag:
                def __call__(self, x):
                    return "t"
                def __del__(self):
                    log.append("callable")
            def temps():
                return Tag()(Arg())
            specialize_and_compile(call, "CALL_NON_PY_GENERAL", functools.partial(max, 0), 1)
            specialize_and_compile(temps, "CALL_NON_PY_GENERAL")
            b = slow("CALL_NON_PY_GENERAL")
            big = 10**30
            n = sys.getrefcount(big)
            c = Callable("c")
            assert call(functools.partial(max, 0), big) is big and call(c, big) == ("c", big)
            assert sys.getrefcount(big) == n
            del log[:]
            assert temps() == "t" and log == ["callable", "arg"], log
            raises_here(call, KeyError, c, None)
            assert slow("CALL_NON_PY_GENERAL") == b
            assert call(lambda x: x + 1, 1) == 2 and slow("CALL_NON_PY_GENERAL") == b + 1
            assert call(c.__call__, 5) == ("c", 5) and slow("CALL_NON_PY_GENERAL") == b + 2
            assert sys._jit.is_compiled(call) and sys._jit.is_compiled(temps)
            print("ok")
        ''')

    def test_call_method_descriptor_and_keywords(self):
        # Method descriptors (METH_O, METH_NOARGS, METH_FASTCALL, with and
        # without keywords; bound as methods or called on the type) and
        # METH_FASTCALL|METH_KEYWORDS builtins are called directly: results,
        # reference counts, errors, and a self of another type.
        self.check('''
            def o(s, parts):
                return s.join(parts), str.join(s, parts)
            def noargs(s):
                return s.upper(), str.upper(s)
            def fast(d, k):
                return d.get(k), d.get(k, "dflt"), dict.get(d, k)
            def fast_kw(lst):
                lst.sort()
                return max(lst), sorted(lst)
            ops = {o: "CALL_METHOD_DESCRIPTOR_O", noargs: "CALL_METHOD_DESCRIPTOR_NOARGS",
                   fast: "CALL_METHOD_DESCRIPTOR_FAST"}
            specialize_and_compile(o, ops[o], ",", ["a", "b"])
            specialize_and_compile(noargs, ops[noargs], "ab")
            specialize_and_compile(fast, ops[fast], {1: 2}, 1)
            specialize_and_compile(fast_kw, "CALL_METHOD_DESCRIPTOR_FAST_WITH_KEYWORDS", [3, 1])
            kw_ops = {i.opname for i in dis.get_instructions(fast_kw, adaptive=True)}
            assert "CALL_BUILTIN_FAST_WITH_KEYWORDS" in kw_ops, kw_ops
            names = list(ops.values()) + ["CALL_METHOD_DESCRIPTOR_FAST_WITH_KEYWORDS",
                                          "CALL_BUILTIN_FAST_WITH_KEYWORDS"]
            before = [slow(n) for n in names]
            key, val = "k" * 20, 10**30
            d = {key: val}
            nk, nv = sys.getrefcount(key), sys.getrefcount(val)
            assert o("-", ["x", "y", "z"]) == ("x-y-z", "x-y-z")
            assert noargs("abc") == ("ABC", "ABC")
            assert fast(d, key) == (val, val, val)
            assert fast(d, "missing") == (None, "dflt", None)
            big = [5, 2, 9, 1]
            assert fast_kw(big) == (9, [1, 2, 5, 9]) and big == [1, 2, 5, 9]
            assert (sys.getrefcount(key), sys.getrefcount(val)) == (nk, nv)
            assert [slow(n) for n in names] == before, [slow(n) - b for n, b in zip(names, before)]
            # Errors raised by the C function, with this frame in the
            # traceback.
            try:
                o(",", ["a", 1])
            except TypeError as e:
                assert e.__traceback__.tb_next.tb_frame.f_code is o.__code__
            else:
                raise AssertionError("no TypeError")
            try:
                fast_kw([1, "a"])
            except TypeError:
                pass
            else:
                raise AssertionError("no TypeError")
            assert [slow(n) for n in names] == before
            # A self of another type (a str subclass) fails the guard.
            class S(str):
                pass
            assert noargs(S("q")) == ("Q", "Q")
            assert slow("CALL_METHOD_DESCRIPTOR_NOARGS") > before[1]
            print("ok")
        ''')

    def test_len_isinstance_and_appends(self):
        # len(), isinstance() and list.append() called directly, and the
        # comprehension's LIST_APPEND inline (growing the list through its
        # C function): results, reference counts, errors, fallbacks.
        self.check('''
            def use(xs):
                out = []
                for x in xs:
                    out.append(len(x))
                    if isinstance(x, str):
                        out.append(x)
                return out
            def comp(n):
                return [i * 2 for i in range(n)]
            def appender(lst, x):
                lst.append(x)
                return lst
            specialize_and_compile(use, "CALL_LEN", ["ab", [1]])
            names = {i.opname for i in dis.get_instructions(use, adaptive=True)}
            assert {"CALL_ISINSTANCE", "CALL_LIST_APPEND"} <= names, names
            assert sys._jit.compile(comp) is None
            specialize_and_compile(appender, "CALL_LIST_APPEND", [], 1)
            ops = ["CALL_LEN", "CALL_ISINSTANCE", "CALL_LIST_APPEND", "LIST_APPEND"]
            before = [slow(n) for n in ops]
            s = "x" * 30
            n = sys.getrefcount(s)
            assert use([s, [1, 2, 3], (), "q"]) == [30, s, 3, 0, 1, "q"]
            assert sys.getrefcount(s) == n
            assert comp(1000) == [2 * i for i in range(1000)]
            big = 10**30
            n = sys.getrefcount(big)
            lst = appender([], big)
            assert lst == [big] and sys.getrefcount(big) == n + 1
            del lst
            assert [slow(n) for n in ops] == before, [slow(n) - b for n, b in zip(ops, before)]
            # Errors from the C functions, with this frame in the traceback.
            class BadLen:
                def __len__(self):
                    return -1
            class Meta(type):
                def __instancecheck__(cls, inst):
                    raise KeyError("no")
            for arg, exc in [(1, TypeError), (BadLen(), ValueError)]:
                try:
                    use([arg])
                except exc as e:
                    assert e.__traceback__.tb_next.tb_frame.f_code is use.__code__
                else:
                    raise AssertionError(exc)
            def check(x, cls):
                return isinstance(x, cls)
            specialize_and_compile(check, "CALL_ISINSTANCE", 1, int)
            for cls, exc in [(Meta("M", (), {}), KeyError), (3, TypeError)]:
                try:
                    check(1, cls)
                except exc:
                    pass
                else:
                    raise AssertionError(exc)
            assert [slow(n) for n in ops] == before
            # A list subclass, and another callable named len, fall back.
            class L(list):
                pass
            assert appender(L(), 5) == [5] and slow("CALL_LIST_APPEND") > before[2]
            assert use.__globals__ is globals()
            len_ = len
            globals()["len"] = lambda x: 7
            try:
                assert use(["ab"]) == [7, "ab"]
            finally:
                globals()["len"] = len_
                del globals()["len"]
            assert slow("CALL_LEN") > before[0]
            # The list released by list.append() as a statement dies there:
            # its items' finalizers run, and the frame goes on.
            class Fin:
                died = 0
                def __del__(self):
                    Fin.died += 1
            def temp_append(x):
                [Fin()].append(x)
                return Fin.died
            specialize_and_compile(temp_append, "CALL_LIST_APPEND", 0)
            d = Fin.died
            assert temp_append(1) == d + 1
            print("ok")
        ''')

    def test_generators(self):
        # SEND_GEN (yield from), FOR_ITER_GEN (for over a generator) and
        # YIELD_VALUE switch frames natively: values, the exception state a
        # generator sees, close() and throw(), a running generator.
        self.check('''
            def inner(n):
                for i in range(n):
                    got = yield i
                    if got is not None:
                        yield ("got", got)
            def outer(n):
                r = yield from inner(n)
                yield "end"
            def drive(n):
                return [x for x in outer(n)]
            def exc_seen():
                try:
                    raise KeyError("k")
                except KeyError:
                    yield sys.exception()
                yield sys.exception()
            def use_exc():
                out = []
                try:
                    raise ValueError("v")
                except ValueError:
                    for e in exc_seen():
                        out.append(type(e).__name__ if e else None)
                    out.append(type(sys.exception()).__name__)
                return out
            specialize_and_compile(drive, "FOR_ITER_GEN", 3)
            specialize_and_compile(outer, "SEND_GEN", 3)
            specialize_and_compile(use_exc, "FOR_ITER_GEN")
            for f in (inner, exc_seen):
                assert sys._jit.compile(f) is None
            b1, b2 = slow("SEND_GEN"), slow("FOR_ITER_GEN")
            s0 = sys._jit.stats()["frame_switches"]
            assert drive(50) == list(range(50)) + ["end"]
            assert sys._jit.stats()["frame_switches"] - s0 >= 200
            assert use_exc() == ["KeyError", "ValueError", "ValueError"], use_exc()
            g = outer(3)
            assert next(g) == 0
            assert g.send("x") == ("got", "x")
            try:
                g.throw(IndexError("i"))
            except IndexError:
                pass
            else:
                raise AssertionError("throw() swallowed")
            g = outer(3)
            next(g)
            g.close()
            assert (slow("SEND_GEN"), slow("FOR_ITER_GEN")) == (b1, b2)
            # A generator that is already running raises ValueError.
            def selfish():
                yield next(me)
            def consume(it):
                return [x for x in it]
            for _ in range(100):
                assert consume(i for i in range(3)) == [0, 1, 2]
            assert "FOR_ITER_GEN" in {i.opname for i in dis.get_instructions(consume, adaptive=True)}
            assert sys._jit.compile(consume) is None
            b2 = slow("FOR_ITER_GEN")
            me = selfish()
            try:
                consume(me)
            except ValueError as e:
                assert "already executing" in str(e), e
            else:
                raise AssertionError("no ValueError")
            # Another iterator fails the guard; the helper runs.
            assert consume(iter([4, 5])) == [4, 5]
            assert slow("FOR_ITER_GEN") > b2
            print("ok")
        ''')

    def test_python_calls_and_returns(self):
        # CALL_PY_EXACT_ARGS pushes the callee's frame natively and
        # RETURN_VALUE / RETURN_CONST pop it: results, reference counts of
        # the arguments and of a returned constant, a callee's locals
        # released at the return, methods (self), and the guards.
        self.check('''
            import weakref, types
            class Tracked:
                released = []
                def __init__(self, name):
                    self.name = name
                def __del__(self):
                    Tracked.released.append(self.name)
            def add(a, b):
                return a + b
            def const():
                return 1.5
            def local_dies(x):
                t = Tracked(x)
                return x
            class P:
                def m(self, x):
                    return (self, x)
            def caller(a, b, p):
                r = add(a, b)
                c = const()
                d = local_dies(a)
                released = list(Tracked.released)
                return r, c, d, released, p.m(b)
            p = P()
            specialize_and_compile(caller, "CALL_PY_EXACT_ARGS", 1, 2, p)
            for f in (add, const, local_dies, P.m):
                assert sys._jit.compile(f) is None
            b = slow("CALL_PY_EXACT_ARGS")
            r0, v0 = slow("RETURN_VALUE"), slow("RETURN_CONST")
            big, big2 = 10**30, 10**40
            n1, n2, nc = sys.getrefcount(big), sys.getrefcount(big2), sys.getrefcount(const())
            s0 = sys._jit.stats()["frame_switches"]
            Tracked.released.clear()
            r, c, d, released, (self_, x) = caller(big, big2, p)
            assert (r, c, d) == (big + big2, 1.5, big)
            assert self_ is p and x is big2
            # The callee's local was released by its return, before the
            # caller went on.
            assert released == [big], released
            del r, c, d, self_, x, released
            Tracked.released.clear()
            assert (sys.getrefcount(big), sys.getrefcount(big2)) == (n1, n2)
            assert sys.getrefcount(const()) == nc
            assert sys._jit.stats()["frame_switches"] - s0 >= 8
            assert slow("CALL_PY_EXACT_ARGS") == b
            assert (slow("RETURN_VALUE"), slow("RETURN_CONST")) == (r0, v0)
            # Another function with the same arity fails the version guard.
            def apply(f, x):
                return f(x)
            def double(x):
                return 2 * x
            specialize_and_compile(apply, "CALL_PY_EXACT_ARGS", double, 1)
            b = slow("CALL_PY_EXACT_ARGS")
            assert apply(double, 4) == 8 and slow("CALL_PY_EXACT_ARGS") == b
            assert apply(lambda x: x + 1, 4) == 5 and slow("CALL_PY_EXACT_ARGS") > b
            # A frame object (sys._getframe) makes the return the helper's,
            # and the frame keeps its locals after the return.
            def keep_frame(x):
                y = x + 1
                return sys._getframe()
            specialize_and_compile(apply, "CALL_PY_EXACT_ARGS", keep_frame, 1)
            assert sys._jit.compile(keep_frame) is None
            r0 = slow("RETURN_VALUE")
            fr = apply(keep_frame, 41)
            assert fr.f_locals == {"x": 41, "y": 42}, fr.f_locals
            # keep_frame's return, and apply's: a frame object taking over
            # its frame links a frame object for the caller too (f_back).
            assert slow("RETURN_VALUE") == r0 + 2, (slow("RETURN_VALUE"), r0)
            # A return that frees its own code object (and machine code):
            # the function deletes its last other reference.
            src = "def gone(x):\\n    del globals()['gone']\\n    return x * 3\\n"
            G = {}
            def make():
                code = compile(src, "<gone>", "exec").co_consts[0]
                G["gone"] = types.FunctionType(code, G)
                return weakref.ref(code)
            def call_gone(x):
                return G["gone"](x)
            # (Each new function has a new version: the call is the
            # helper's, the return native.)
            assert sys._jit.compile(call_gone) is None
            r0 = slow("RETURN_VALUE")
            for i in range(20):
                alive = make()
                assert sys._jit.compile(G["gone"]) is None
                assert call_gone(i) == 3 * i
                assert alive() is None
            assert slow("RETURN_VALUE") == r0
            print("ok")
        ''')

    def test_return_pairs(self):
        # A native call pushes a return pair and makes a machine call; the
        # callee's return or yield to it returns through the pair
        # (counter pair_returns).  Pairs that a return cannot use (an
        # exception) are dropped: after thousands of them, calls in the
        # same activation
        # of machine code still return through pairs.  Recursion deeper
        # than the budget of pairs works (without pairs below it).
        self.check('''
            def pairs():
                return sys._jit.stats()["pair_returns"]
            def add(a, b):
                return a + b
            def gen(n):
                for i in range(n):
                    yield i
            def boom(x):
                raise KeyError(x)
            def calls(n):
                t = 0
                for i in range(n):
                    t = add(t, i)
                return t
            def churn(n):
                t = 0
                for k in range(n):
                    for x in gen(3):
                        t += x
                    try:
                        boom(k)
                    except KeyError:
                        t += 1
                p0 = pairs()
                t += calls(100)
                return t, pairs() - p0
            def down(n):
                if n == 0:
                    return 0
                return down(n - 1) + 1
            specialize_and_compile(calls, "CALL_PY_EXACT_ARGS", 5)
            specialize_and_compile(churn, "FOR_ITER_GEN", 2)
            specialize_and_compile(down, "CALL_PY_EXACT_ARGS", 5)
            for f in (add, gen, boom):
                assert sys._jit.compile(f) is None
            b = slow("CALL_PY_EXACT_ARGS")
            p0 = pairs()
            assert calls(1000) == sum(range(1000))
            # (An eval breaker, a collection say, may send a few returns
            # through the eval loop.)
            assert pairs() - p0 >= 990, pairs() - p0
            p0 = pairs()
            t, inner = churn(3000)
            assert t == 3000 * 4 + sum(range(100)), t
            # calls(100) returns through a pair, and so do its 100 calls.
            assert inner >= 95, inner
            # Each gen(3): three yields and its return (test below).
            assert pairs() - p0 >= 3000 * 4, pairs() - p0
            assert slow("CALL_PY_EXACT_ARGS") == b
            # (Deep, the calls also need new chunks of frame memory: the
            # helper's.)
            sys.setrecursionlimit(5000)
            p0 = pairs()
            assert down(3000) == 3000
            assert pairs() - p0 >= 64, pairs() - p0
            print("ok")
        ''')

    def test_generator_return_through_pair(self):
        # A generator's return runs its helper and then switches through
        # `leave`, to where its SEND or FOR_ITER continues after the
        # generator is exhausted, not to the instruction after the call:
        # it still returns through the pair (counted), and the landing
        # goes on at the entry that the switch looked up.
        self.check('''
            def pairs():
                return sys._jit.stats()["pair_returns"]
            def gen(n):
                for i in range(n):
                    yield i
                return n * 10
            def send_all(n):
                total = yield from gen(n)
                yield total
            def walk(n):
                out = []
                for x in send_all(n):
                    out.append(x)
                for x in gen(n):
                    out.append(-x)
                return out
            specialize_and_compile(walk, "FOR_ITER_GEN", 2)
            specialize_and_compile(send_all, "SEND_GEN", 2)
            assert sys._jit.compile(gen) is None
            p0 = pairs()
            for k in range(1000):
                assert walk(2) == [0, 1, 20, 0, -1], walk(2)
            # Per walk: through FOR_ITER_GEN, send_all's three yields and
            # its return, gen's two yields and its return; through
            # SEND_GEN, gen's two yields and its return.  (An eval
            # breaker may send a few through the eval loop.)
            assert pairs() - p0 >= 1000 * 10 - 50, pairs() - p0
            print("ok")
        ''')

    def test_helper_started_frames_return_through_pairs(self):
        # CALL_ALLOC_AND_ENTER_INIT, CALL_PY_GENERAL and
        # CALL_BOUND_METHOD_EXACT_ARGS run their helpers, which push the
        # callee's frame; the switch to it pushes a return pair, so that
        # the return comes back through it (for __init__: through the
        # shim, whose return `leave` runs).
        self.check('''
            def pairs():
                return sys._jit.stats()["pair_returns"]
            class P:
                def __init__(self, x):
                    self.x = x
                def get(self, k):
                    return self.x + k
            def defaults(a, b=2):
                return a * b
            def make(n):
                t = 0
                for i in range(n):
                    t += P(i).x
                return t
            def general(n):
                t = 0
                for i in range(n):
                    t += defaults(i)
                return t
            def bound(n):
                m = P(3).get
                t = 0
                for i in range(n):
                    t += m(i)
                return t
            specialize_and_compile(make, "CALL_ALLOC_AND_ENTER_INIT", 5)
            specialize_and_compile(general, "CALL_PY_GENERAL", 5)
            specialize_and_compile(bound, "CALL_BOUND_METHOD_EXACT_ARGS", 5)
            for f in (P.__init__, P.get, defaults):
                assert sys._jit.compile(f) is None
            for f, expected in ((make, sum(range(1000))), (general, 2 * sum(range(1000))),
                                (bound, 3000 + sum(range(1000)))):
                p0 = pairs()
                assert f(1000) == expected, f
                assert pairs() - p0 >= 990, (f, pairs() - p0)
            print("ok")
        ''')

    def test_return_pair_after_monitoring_starts(self):
        # The callee turns on LINE events for its caller's code only, while
        # the caller waits for a return through a pair: the callee's code
        # runs on and returns through the pair, and the caller's code
        # checks for changed instrumentation where the pair returns, so
        # that the interpreter reports the rest of its lines, as with the
        # JIT off.
        body = '''
            import sys
            mon = sys.monitoring
            TOOL = mon.DEBUGGER_ID
            lines = []
            def turn_on(on):
                if on:
                    mon.set_local_events(TOOL, caller.__code__, mon.events.LINE)
                return 1
            def caller(on):
                a = turn_on(on)
                b = a + 1
                c = b + 1
                return c
            mon.use_tool_id(TOOL, "test")
            mon.register_callback(TOOL, mon.events.LINE,
                lambda code, line: lines.append(line - code.co_firstlineno))
            for _ in range(100):
                caller(False)
            jit = sys._jit.is_enabled()
            if jit:
                assert sys._jit.compile(caller) is None
                assert sys._jit.compile(turn_on) is None
                p0 = sys._jit.stats()["pair_returns"]
                assert caller(False) == 3
                assert sys._jit.stats()["pair_returns"] > p0
                p0 = sys._jit.stats()["pair_returns"]
            assert caller(True) == 3
            if jit:
                # turn_on's return went through the pair.
                assert sys._jit.stats()["pair_returns"] > p0
            print(lines)
        '''
        outs = self.run_off_and_on(body, "1000000000")
        self.assertEqual(outs[0].strip(), "[2, 3, 4]")
        self.assertEqual(outs[0], outs[1])

    def test_recursion_limit_is_the_interpreters(self):
        # Native calls check the recursion limit as the interpreter does:
        # RecursionError at the same depth with the JIT on and off.
        body = '''
            import sys
            sys.setrecursionlimit(300)
            depth = 0
            def down(n):
                global depth
                depth = n
                return down(n + 1)
            try:
                down(0)
            except RecursionError:
                pass
            print(depth)
        '''
        outs = [int(out) for out in self.run_off_and_on(body, "0")]
        self.assertGreater(outs[0], 250)
        self.assertEqual(outs[0], outs[1])

    def test_recompiled_after_specialization(self):
        # Compiled before the interpreter specialized anything: the machine
        # code calls the generic helper.  When the interpreter specializes,
        # the code object is compiled again, with the native path, which a
        # failing guard then shows.
        self.check('''
            def f(a, b):
                return a * b
            assert sys._jit.compile(f) is None
            assert "BINARY_OP_MULTIPLY_FLOAT" not in {i.opname for i in dis.get_instructions(f, adaptive=True)}
            r0 = sys._jit.stats()["recompiled"]
            for _ in range(10):
                assert f(1.5, 2.0) == 3.0
            assert sys._jit.stats()["recompiled"] > r0
            assert sys._jit.is_compiled(f)
            before = slow("BINARY_OP_MULTIPLY_FLOAT")
            assert f(1.5, 4.0) == 6.0
            assert slow("BINARY_OP_MULTIPLY_FLOAT") == before
            assert f(2, 3) == 6
            assert slow("BINARY_OP_MULTIPLY_FLOAT") > before
            print("ok")
        ''')


    def test_failed_specialization_keeps_the_recompiles(self):
        # A subscript of an array cannot be specialized: its adaptive
        # counter fires again and again, and each time the recompile is
        # called off (the opcode did not change), so the code object keeps
        # its recompiles for the instructions that do get specialized
        # later: here a float multiplication first run in machine code.
        self.check('''
            from array import array
            def f(a, n, later):
                s = 0.0
                for i in range(n):
                    s += a[i & 3]
                if later:
                    for i in range(n):
                        s = s * 1.0
                return s
            a = array("d", [1.0, 2.0, 3.0, 4.0])
            for _ in range(10):
                f(a, 10, False)
            assert sys._jit.compile(f) is None
            st = sys._jit.stats
            r0, off0 = st()["recompiled"], st()["recompiles_called_off"]
            for _ in range(20):
                assert f(a, 4000, False) == 10000.0
            assert st()["recompiles_called_off"] - off0 >= 5, st()["recompiles_called_off"] - off0
            assert st()["recompiled"] == r0
            names = {i.opname for i in dis.get_instructions(f, adaptive=True)}
            assert "BINARY_OP_MULTIPLY_FLOAT" not in names, names
            assert f(a, 4000, True) == 10000.0
            assert "BINARY_OP_MULTIPLY_FLOAT" in {i.opname for i in dis.get_instructions(f, adaptive=True)}
            assert st()["recompiled"] > r0
            before = slow("BINARY_OP_MULTIPLY_FLOAT")
            assert f(a, 4000, True) == 10000.0
            assert slow("BINARY_OP_MULTIPLY_FLOAT") == before
            print("ok")
        ''')

    def test_attribute_guard_failures_deopt_as_the_interpreter(self):
        # Attribute sites compiled for A that then see B: the out-of-line
        # path calls the family's generic instruction directly (its DEOPT
        # target), which counts the misses as the interpreter's does, so
        # the site is specialized again for B (the same opcode with another
        # cache), the code is compiled again with B's cache baked in, and
        # B runs natively.  Results and reference counts stay right.
        self.check('''
            class A:
                def __init__(self, v):
                    self.v = v
                def m(self):
                    return 1
            class B:
                def __init__(self, v):
                    self.w = 0
                    self.v = v
                def m(self):
                    return 2
            class SA:
                __slots__ = ("v",)
            class SB:
                __slots__ = ("w", "v")
            def load(o):
                return o.v
            def store(o, x):
                o.v = x
            def method(o):
                return o.m()
            def slot(o):
                return o.v
            sa, sb = SA(), SB()
            sa.v, sb.v, sb.w = 1, 2, 0
            for f, opname, a in ((load, "LOAD_ATTR_INSTANCE_VALUE", A(1)),
                                 (store, "STORE_ATTR_INSTANCE_VALUE", A(1)),
                                 (method, "LOAD_ATTR_METHOD_WITH_VALUES", A(1)),
                                 (slot, "LOAD_ATTR_SLOT", sa)):
                args = (a, 5) if f is store else (a,)
                specialize_and_compile(f, opname, *args)
            big = 10**30
            b = B(big)
            n = sys.getrefcount(big)
            s0 = slow("LOAD_ATTR_INSTANCE_VALUE")
            for _ in range(2000):
                assert load(b) is big
            assert sys.getrefcount(big) == n
            grew = slow("LOAD_ATTR_INSTANCE_VALUE") - s0
            # Some misses, then B's specialization runs natively.
            assert 0 < grew < 500, grew
            s0 = slow("LOAD_ATTR_INSTANCE_VALUE")
            assert load(b) is big and slow("LOAD_ATTR_INSTANCE_VALUE") == s0
            for _ in range(2000):
                store(b, big)
            assert b.v is big and sys.getrefcount(big) == n
            assert slow("STORE_ATTR_INSTANCE_VALUE") < 500
            for _ in range(2000):
                assert method(b) == 2
            assert slow("LOAD_ATTR_METHOD_WITH_VALUES") < 500
            for _ in range(2000):
                assert slot(sb) == 2
            assert slow("LOAD_ATTR_SLOT") < 500
            assert load(A(3)) == 3 and method(A(0)) == 1 and slot(sa) == 1
            print("ok")
        ''')

    def test_store_attr_with_hint(self):
        # STORE_ATTR_WITH_HINT (an instance given its own __dict__) inline:
        # values and reference counts, the old value's finalizer, and the
        # cases it leaves to the helper: a watched dict (the watcher sees
        # the store), an untracked dict getting a value the GC tracks (the
        # dict becomes tracked), a missing attribute, another class.
        self.check('''
            import gc
            class C:
                pass
            def store(o, v):
                o.x = v
            def make(x):
                o = C()
                o.__dict__ = {"x": x}
                return o
            specialize_and_compile(store, "STORE_ATTR_WITH_HINT", make(0), 1)
            b = slow("STORE_ATTR_WITH_HINT")
            o, big = make([]), 10**30
            assert gc.is_tracked(o.__dict__)
            n = sys.getrefcount(big)
            store(o, big)
            assert o.x is big and sys.getrefcount(big) == n + 1
            store(o, 2)
            assert o.x == 2 and sys.getrefcount(big) == n
            class Fin:
                died = 0
                def __del__(self):
                    Fin.died += 1
            store(o, Fin())
            store(o, 3)
            assert Fin.died == 1 and o.x == 3
            assert slow("STORE_ATTR_WITH_HINT") == b
            # Only ints in the dict: not tracked.  A list makes it so.
            u = make(5)
            assert not gc.is_tracked(u.__dict__)
            store(u, 6)
            assert not gc.is_tracked(u.__dict__) and slow("STORE_ATTR_WITH_HINT") == b
            store(u, [1])
            assert gc.is_tracked(u.__dict__) and u.x == [1]
            assert slow("STORE_ATTR_WITH_HINT") == b + 1
            try:
                import _testcapi
            except ImportError:
                _testcapi = None
            if _testcapi is not None:
                w = make(7)
                wid = _testcapi.add_dict_watcher(0)
                _testcapi.watch_dict(wid, w.__dict__)
                store(w, 8)
                assert _testcapi.get_dict_watcher_events() == ["mod:x:8"], _testcapi.get_dict_watcher_events()
                _testcapi.unwatch_dict(wid, w.__dict__)
                _testcapi.clear_dict_watcher(wid)
                assert slow("STORE_ATTR_WITH_HINT") == b + 2
                b += 1
            m = make(0)
            del m.x
            m.y = 1
            store(m, 4)
            assert m.x == 4 and slow("STORE_ATTR_WITH_HINT") == b + 2
            assert sys._jit.is_compiled(store)
            print("ok")
        ''')

    def test_baked_cache_after_the_recompiles_run_out(self):
        # Machine code bakes an attribute site's cache (type version,
        # index).  Once the code object's recompiles are used up, the site
        # can be specialized for B while the machine code still bakes A:
        # then B's misses must run the live specialized helper, which
        # hits, not the deopt target, which would count them down and hand
        # the frame back to be specialized again and again.
        self.check('''
            class A:
                def __init__(self):
                    self.v = "a"
            class B:
                def __init__(self):
                    self.w = 0
                    self.v = "b"
            def load(o):
                return o.v
            specialize_and_compile(load, "LOAD_ATTR_INSTANCE_VALUE", A())
            st = sys._jit.stats
            objs = [A(), B()]
            for phase in range(12):
                o = objs[phase % 2]
                for _ in range(300):
                    assert load(o) == o.v
            r0, h0, s0 = st()["recompiled"], st()["handback_specialize"], slow("LOAD_ATTR_INSTANCE_VALUE")
            for phase in range(4):
                o = objs[phase % 2]
                for _ in range(300):
                    assert load(o) == o.v
            # No recompile is left, and the site's misses no longer hand
            # the frame back (one switch of its specialization at most).
            assert st()["recompiled"] == r0
            assert st()["handback_specialize"] - h0 <= 1, st()["handback_specialize"] - h0
            # The type that is not baked runs out of line, every time.
            assert 600 <= slow("LOAD_ATTR_INSTANCE_VALUE") - s0 <= 602, slow("LOAD_ATTR_INSTANCE_VALUE") - s0
            assert sys._jit.is_compiled(load)
            print("ok")
        ''')

if __name__ == "__main__":
    unittest.main()
