"""The baseline JIT runs code as machine code, with the interpreter's results.

Run with the JIT-enabled interpreter: build/python -m unittest discover tests
"""

import gc
import json
import os
import re
import subprocess
import sys
import sysconfig
import tempfile
import textwrap
import unittest

JIT = getattr(sys, "_jit", None)


def run(code, *args, env=None):
    """Run `code` in a child interpreter; return (returncode, stdout, stderr)."""
    full_env = dict(os.environ)
    for name in ("PYTHON_JIT", "PYTHON_JIT_THRESHOLD"):
        full_env.pop(name, None)
    full_env.update(env or {})
    p = subprocess.run([sys.executable, *args, "-c", textwrap.dedent(code)],
                       capture_output=True, text=True, env=full_env)
    return p.returncode, p.stdout, p.stderr


def compile_now(func):
    """Compile `func` and its nested code; fail the test if refused."""
    reason = JIT.compile(func)
    if reason is not None:
        raise AssertionError(f"{func.__qualname__} refused: {reason}")


@unittest.skipIf(JIT is None, "needs an interpreter built with --enable-jit")
class ControlsTest(unittest.TestCase):

    def test_enabled_by_default(self):
        rc, out, err = run("import sys; print(sys._jit.is_available(), sys._jit.is_enabled())")
        self.assertEqual((rc, out.split()), (0, ["True", "True"]), err)

    def test_env_and_xoption_turn_it_off(self):
        code = "import sys; print(sys._jit.is_enabled())"
        self.assertEqual(run(code, env={"PYTHON_JIT": "0"})[1].strip(), "False")
        self.assertEqual(run(code, "-X", "jit=0")[1].strip(), "False")
        # -X wins over the environment, as for other options.
        self.assertEqual(run(code, "-X", "jit=1", env={"PYTHON_JIT": "0"})[1].strip(), "True")
        # -E ignores PYTHON_* variables.
        self.assertEqual(run(code, "-E", env={"PYTHON_JIT": "0"})[1].strip(), "True")

    def test_bad_values_are_clear_errors(self):
        for env, args in [({"PYTHON_JIT": "yes"}, ()), ((), ("-X", "jit=2")),
                          ({"PYTHON_JIT_THRESHOLD": "-1"}, ()),
                          ({"PYTHON_JIT_THRESHOLD": "lots"}, ()),
                          ((), ("-X", "jit_threshold=1e3"))]:
            with self.subTest(env=env, args=args):
                rc, out, err = run("print('ran')", *args, env=dict(env))
                self.assertNotEqual(rc, 0)
                self.assertNotIn("ran", out)
                self.assertIn("JIT", err)

    def test_threshold_zero_compiles_on_first_run(self):
        code = """
            import sys
            def f(): return 1
            f()
            print(sys._jit.is_compiled(f))
        """
        self.assertEqual(run(code, env={"PYTHON_JIT_THRESHOLD": "0"})[1].strip(), "True")
        self.assertEqual(run(code, env={"PYTHON_JIT_THRESHOLD": "1000"})[1].strip(), "False")

    def test_xoption_reaches_child_processes(self):
        code = """
            import subprocess, sys
            print(subprocess.check_output(
                [sys.executable, *subprocess._args_from_interpreter_flags(), "-c",
                 "import sys; print(sys._jit.is_enabled())"], text=True).strip())
        """
        self.assertEqual(run(code, "-X", "jit=0")[1].strip(), "False")


@unittest.skipIf(JIT is None or not JIT.is_enabled(), "needs the JIT enabled")
class MachineCodeTest(unittest.TestCase):

    def test_hot_loop_runs_as_machine_code(self):
        def loop(n):
            active = False
            total = 0
            for i in range(n):
                total += i
                if i == n - 1:
                    active = sys._jit.is_active()
            return total, active
        before = JIT.stats()["runs"]
        self.assertEqual(loop(100_000), (sum(range(100_000)), True))
        self.assertTrue(JIT.is_compiled(loop))
        self.assertGreater(JIT.stats()["runs"], before)

    def test_interpreter_is_not_active(self):
        rc, out, err = run("import sys; print(sys._jit.is_active())", env={"PYTHON_JIT": "0"})
        self.assertEqual(out.strip(), "False", err)

    def test_calls_and_returns(self):
        def add(a, b):
            return a + b

        def caller(n):
            s = 0
            for i in range(n):
                s = add(s, i)
            return s
        compile_now(add)
        compile_now(caller)
        entries = JIT.stats()["frame_entries_jit"]
        self.assertEqual(caller(1000), 499500)
        self.assertGreaterEqual(JIT.stats()["frame_entries_jit"] - entries, 1000)

    @unittest.skipIf(sysconfig.get_config_var("Py_DEBUG"),
                     "debug builds switch frames in the eval loop (LLTRACE)")
    def test_frame_switches_stay_in_machine_code(self):
        # Calls, returns, generator resumptions and yields move from one
        # compiled frame to the next without going back to the eval loop.
        def add(a, b):
            return a + b

        def gen(n):
            for i in range(n):
                yield i

        def caller(n):
            s = 0
            for i in range(n):
                s = add(s, i)
            for x in gen(n):
                s += x
            return s
        for f in (add, gen, caller):
            compile_now(f)
        # Let the interpreter specialize the calls, and the JIT recompile
        # what it specialized: the first visit after a specialization
        # goes through the eval loop (handback_specialize), once.
        for _ in range(3):
            caller(100)
        before = JIT.stats()
        self.assertEqual(caller(1000), 2 * 499500)
        after = JIT.stats()
        # 1000 calls and returns, 1000 resumptions and yields.
        self.assertGreaterEqual(after["frame_switches"] - before["frame_switches"], 4000)
        self.assertLess(after["runs"] - before["runs"], 50)
        self.assertGreaterEqual(after["frame_entries_jit"] - before["frame_entries_jit"], 1001)

    @unittest.skipIf(hasattr(sys, "gettotalrefcount"),
                     "debug builds switch frames in the eval loop (LLTRACE)")
    def test_init_shim_runs_in_machine_code(self):
        # CALL_ALLOC_AND_ENTER_INIT returns through a shim frame that checks
        # what __init__ returned; the frame switch runs it, so building
        # objects never leaves machine code.  A bad __init__ still raises
        # the interpreter's TypeError.
        class P:
            def __init__(self, x):
                self.x = x

        class Bad:
            def __init__(self, x):
                if x:
                    return x

        def build(cls, n):
            return [cls(i).x if cls is P else cls(0) for i in range(n)]

        for f in (build, P.__init__, Bad.__init__):
            compile_now(f)
        build(P, 100)  # let the interpreter specialize the call
        build(Bad, 100)
        before = JIT.stats()
        self.assertEqual(build(P, 1000), list(range(1000)))
        after = JIT.stats()
        self.assertEqual(after["interp_excluded"] - before["interp_excluded"], 0)
        self.assertLess(after["runs"] - before["runs"], 50)
        self.assertGreaterEqual(after["frame_switches"] - before["frame_switches"], 3000)
        self.assertEqual(len(build(Bad, 10)), 10)
        with self.assertRaisesRegex(TypeError, r"__init__\(\) should return None, not 'int'"):
            Bad(5)
        def make_bad():
            return [Bad(i) for i in range(3)]
        compile_now(make_bad)
        with self.assertRaisesRegex(TypeError, "should return None"):
            make_bad()

    def test_arithmetic_matches_the_interpreter(self):
        def arith(a, b):
            return (a + b, a - b, a * b, a / b, a // b, a % b, a ** 2,
                    a < b, a <= b, a == b, a != b, a > b, a >= b, -a)
        compile_now(arith)
        for a, b in [(7, 3), (-7, 3), (2**70, 3), (7.5, 2.0), (-0.5, 3)]:
            with self.subTest(a=a, b=b):
                self.assertEqual(arith(a, b), (a + b, a - b, a * b, a / b, a // b,
                                               a % b, a ** 2, a < b, a <= b, a == b,
                                               a != b, a > b, a >= b, -a))
        with self.assertRaises(ZeroDivisionError):
            arith(1, 0)

    def test_exceptions_and_tracebacks(self):
        def inner(x):
            return 1 / x

        def outer(x):
            try:
                return inner(x)
            except ZeroDivisionError as e:
                return ("caught", e.__traceback__.tb_next.tb_lineno)
        compile_now(inner)
        compile_now(outer)
        line = inner.__code__.co_firstlineno + 1
        self.assertEqual(outer(0), ("caught", line))
        self.assertEqual(outer(2), 0.5)

    def test_generators(self):
        def gen(n):
            for i in range(n):
                got = yield i
                if got:
                    yield got
        compile_now(gen)
        g = gen(3)
        self.assertEqual(next(g), 0)
        self.assertEqual(g.send("x"), "x")
        self.assertEqual(list(g), [1, 2])
        self.assertEqual(list(gen(5)), [0, 1, 2, 3, 4])

    def test_deep_recursion_is_a_recursion_error(self):
        def rec(n):
            return rec(n + 1)
        compile_now(rec)
        with self.assertRaises(RecursionError):
            rec(0)

    def test_tracing_switched_on_under_machine_code(self):
        def work(n):
            s = 0
            for i in range(n):
                s += i
            return s
        compile_now(work)
        work(10)
        events = []

        def tracer(frame, event, arg):
            if frame.f_code is work.__code__:
                events.append(event)
            return tracer
        sys.settrace(tracer)
        try:
            work(3)
        finally:
            sys.settrace(None)
        self.assertEqual(events[0], "call")
        self.assertEqual(events[-1], "return")
        self.assertEqual(events.count("line"), 1 + 2 * 3 + 1 + 1)

    def test_machine_code_is_freed_with_its_code_object(self):
        def make(i):
            ns = {}
            exec(compile(f"def f(x):\n    return x + {i}\n", f"<gen{i}>", "exec"), ns)
            return ns["f"]
        def churn(n):
            for i in range(n):
                f = make(i)
                compile_now(f)
                self.assertEqual(f(1), i + 1)
                del f
        # Warm up: allocator pools, the first mappings, and the compiles
        # (and recompiles, once specialized) of churn() and its callees.
        churn(100)
        gc.collect()
        baseline = JIT.stats()["exec_memory_bytes"]
        compiled = JIT.stats()["compiled"]
        churn(3000)
        self.assertGreaterEqual(JIT.stats()["compiled"] - compiled, 3000)
        # Each dropped code object unmapped its machine code (the functions
        # sit in reference cycles with their globals: collect them).
        gc.collect()
        self.assertLessEqual(JIT.stats()["exec_memory_bytes"], baseline + 64 * 1024)

    @unittest.skipUnless(hasattr(sys, "gettotalrefcount"), "needs a debug build (lltrace)")
    def test_lltrace_is_the_interpreters(self):
        # Frames whose globals set __lltrace__ stay in the interpreter, which
        # prints every instruction; the trace is the same with the JIT on.
        code = """
            __lltrace__ = 1
            def f(n):
                s = 0
                for i in range(n):
                    s += i
                return s
            print(f(3))
        """
        def trace(env):
            rc, out, err = run(code, env=env)
            self.assertEqual(rc, 0, err)
            return re.sub(r"0x[0-9a-f]+", "ADDR", out + err)
        off = trace({"PYTHON_JIT": "0"})
        on = trace({"PYTHON_JIT_THRESHOLD": "0"})
        self.assertIn("RETURN_VALUE", off)
        self.assertEqual(on, off)

    def test_compile_cost_and_peak_rss_are_counted(self):
        # compile_ns and code_instructions grow with each compile (the
        # instructions of a function, cache entries left out), and
        # PYTHON_JIT_STATS also writes the process's peak resident set,
        # which Tools/jit-stats-summary reports (Tools/bench's warm-up and
        # footprint table reads both).
        code = """
            import dis, json, sys
            def f(n):
                s = 0
                for i in range(n):
                    s += i * i
                return s
            before = sys._jit.stats()
            assert sys._jit.compile(f) is None
            after = sys._jit.stats()
            n = len(list(dis.get_instructions(f)))
            print(json.dumps([after["code_instructions"] - before["code_instructions"], n,
                              after["compile_ns"] - before["compile_ns"]]))
        """
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        stats = os.path.join(tmp.name, "stats.jsonl")
        rc, out, err = run(code, env={"PYTHON_JIT_THRESHOLD": "1000000",
                                      "PYTHON_JIT_STATS": stats})
        self.assertEqual(rc, 0, err)
        instrs, expected, ns = json.loads(out)
        self.assertEqual(instrs, expected)
        self.assertGreater(ns, 0)
        with open(stats) as f:
            row = json.loads(f.read())
        self.assertGreaterEqual(row["code_instructions"], instrs)
        self.assertGreater(row["max_rss_kib"], 1024)
        tool = os.path.join(os.path.dirname(os.path.dirname(__file__)), "Tools", "jit-stats-summary")
        p = subprocess.run([sys.executable, tool, stats], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stdout, r"compiling: [0-9.]+ us and [0-9]+ bytes of machine code "
                                   r"per instruction \(1 compiles, ")
        self.assertRegex(p.stdout, r"largest peak resident set of a process: [0-9.]+ MiB")

    def test_compile_cost_tool(self):
        # Tools/jit-compile-cost compiles a module's functions and reports
        # the cost per instruction from the same counters.
        tool = os.path.join(os.path.dirname(os.path.dirname(__file__)), "Tools", "jit-compile-cost")
        env = dict(os.environ, PYTHON_JIT_THRESHOLD="1000000")
        env.pop("PYTHON_JIT", None)
        p = subprocess.run([sys.executable, tool, "json.decoder"], capture_output=True,
                           text=True, env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        m = re.fullmatch(r"(\d+) code objects \(0 refused\), ([\d,]+) instructions, [\d.]+ ms: "
                         r"([\d.]+) us and (\d+) bytes per instruction\n", p.stdout)
        self.assertTrue(m, p.stdout)
        self.assertGreater(int(m.group(1)), 5)
        self.assertGreater(int(m.group(4)), 20)

    def test_perf_map_names_machine_code(self):
        # PYTHON_JIT_PERF_MAP=1: each compile appends its pieces of machine
        # code to /tmp/perf-<pid>.map, named after their instructions, and
        # Tools/jit-profile attributes costs at those addresses to them.
        code = """
            import os, sys
            def f(n):
                s = 0
                for i in range(n):
                    s += i
                return s
            f(3)
            print(os.getpid())
        """
        rc, out, err = run(code, env={"PYTHON_JIT_THRESHOLD": "0",
                                      "PYTHON_JIT_PERF_MAP": "1"})
        self.assertEqual(rc, 0, err)
        path = f"/tmp/perf-{int(out)}.map"
        self.addCleanup(os.unlink, path)
        with open(path) as f:
            lines = f.read().splitlines()
        pieces = [re.fullmatch(r"([0-9a-f]+) ([0-9a-f]+) bjit:([0-9a-f]+)\+(\d+) (.+)", l)
                  for l in lines]
        self.assertTrue(all(pieces), lines[:5])
        names = {m.group(5) for m in pieces}
        self.assertTrue({"FOR_ITER_RANGE", "RETURN_VALUE", "exit"} <= names
                        or {"FOR_ITER", "RETURN_VALUE", "exit"} <= names, names)
        # A made-up callgrind file with costs at two addresses of the map.
        first = next(m for m in pieces if m.group(5) == "RETURN_VALUE")
        addr = int(first.group(1), 16)
        fake = os.path.join(os.path.dirname(path), f"cg-{int(out)}.out")
        self.addCleanup(os.unlink, fake)
        with open(fake, "w") as f:
            f.write("positions: instr line\nevents: Ir\nfn=(1) ???\n"
                    f"{addr:#x} 0 7\n+1 0 5\n0x10 0 1000\n")
        tool = os.path.join(os.path.dirname(os.path.dirname(__file__)), "Tools", "jit-profile")
        p = subprocess.run([sys.executable, tool, fake, path], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stdout, r"\(all\) +12\n")
        self.assertRegex(p.stdout, r"RETURN_VALUE +12\n")

    def test_same_output_as_the_interpreter(self):
        program = """
            import sys
            def fib(n):
                return n if n < 2 else fib(n - 1) + fib(n - 2)
            def words(text):
                counts = {}
                for w in text.split():
                    counts[w] = counts.get(w, 0) + 1
                return sorted(counts.items())
            class P:
                def __init__(self, x): self.x = x
                def __repr__(self): return f"P({self.x})"
            print(fib(18), words("a b a c b a"), [P(i) for i in range(3)])
            print(sorted({i % 7 for i in range(50)}), "".join(reversed("jit")))
            try:
                [][1]
            except IndexError as e:
                print(type(e).__name__, e)
        """
        on = run(program, env={"PYTHON_JIT_THRESHOLD": "0"})
        off = run(program, env={"PYTHON_JIT": "0"})
        self.assertEqual(on, off)
        self.assertEqual(on[0], 0, on[2])


if __name__ == "__main__":
    unittest.main()
