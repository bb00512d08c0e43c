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
import dis, operator, sys

def slow(opname):
    return sys._jit.stats().get("native_slow_" + opname, 0)

def specialize_and_compile(func, opname, *args):
    for _ in range(100):
        func(*args)
    names = {i.opname for i in dis.get_instructions(func, adaptive=True)}
    assert opname in names, (opname, sorted(names))
    assert sys._jit.compile(func) is None
'''


def run_child(body):
    env = dict(os.environ)
    env.update(CHILD_ENV)
    code = PRELUDE + textwrap.dedent(body)
    p = subprocess.run([sys.executable, "-c", code], capture_output=True,
                       text=True, env=env)
    return p.returncode, p.stdout, p.stderr


@unittest.skipIf(JIT is None, "needs an interpreter built with --enable-jit")
@unittest.skipIf(sysconfig.get_config_var("Py_DEBUG"),
                 "debug builds run these instructions through their helpers")
class NativeFastPathTest(unittest.TestCase):

    def check(self, body):
        rc, out, err = run_child(body)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out.strip(), "ok", err)

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
                # An int operand fails the guard: the helper runs, deopts
                # to the generic BINARY_OP, and the result is right.
                got = f(2, 0.5, 3)
                assert slow(opname) > before, (opname, "guard never failed")
                assert got == (fn(fn(2, 0.5), 3), fn(2, fn(0.5, 3)), fn(2, 0.5), fn(2, 2)), got
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


if __name__ == "__main__":
    unittest.main()
