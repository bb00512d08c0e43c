"""Executable memory: freed with its code object, capped, and never a crash.

Run with the JIT-enabled interpreter: build/python -m unittest tests/test_jit_memory.py
"""

import os
import subprocess
import sys
import textwrap
import unittest

JIT = getattr(sys, "_jit", None)


def run(code, *args, env=None):
    """Run `code` in a child interpreter; return (returncode, stdout, stderr)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON_JIT")}
    full_env.update(env or {})
    p = subprocess.run([sys.executable, *args, "-c", textwrap.dedent(code)],
                       capture_output=True, text=True, env=full_env)
    return p.returncode, p.stdout, p.stderr


def run_ok(test, code, *args, env=None):
    rc, out, err = run(code, *args, env=env)
    test.assertEqual(rc, 0, err)
    return out


# Makes distinct code objects without reference cycles, so each one (and
# its machine code) dies as soon as the last function using it is dropped.
MAKERS = """
    import sys, types
    G = {}
    BASE = compile("def f(x):\\n    return x + 0\\n", "<base>", "exec").co_consts[0]
    def by_compile(i):
        src = f"def f(x):\\n    return x + {i}\\n"
        return types.FunctionType(compile(src, f"<c{i}>", "exec").co_consts[0], G)
    def by_replace(i):
        return types.FunctionType(BASE.replace(co_consts=(None, i)), G)
"""


def with_makers(code):
    return textwrap.dedent(MAKERS) + textwrap.dedent(code)


@unittest.skipIf(JIT is None or not JIT.is_enabled(), "needs the JIT enabled")
class MemoryTest(unittest.TestCase):

    def test_100000_distinct_code_objects_do_not_grow_memory(self):
        out = run_ok(self, with_makers("""
            def churn(make, n):
                for i in range(n):
                    f = make(i)
                    if f(1) != i + 1:
                        raise AssertionError(i)
                    if not sys._jit.is_compiled(f):
                        raise AssertionError(f"{i} not compiled")
            churn(by_compile, 200)
            churn(by_replace, 200)
            base = sys._jit.stats()["exec_memory_bytes"]
            compiled = sys._jit.stats()["compiled"]
            peak = base
            for make in (by_compile, by_replace):
                for chunk in range(10):
                    churn(make, 5000)
                    peak = max(peak, sys._jit.stats()["exec_memory_bytes"])
            s = sys._jit.stats()
            print(s["compiled"] - compiled, base, peak, s["exec_memory_bytes"])
        """), env={"PYTHON_JIT_THRESHOLD": "0"})
        compiled, base, peak, end = map(int, out.split())
        self.assertGreaterEqual(compiled, 100_000)
        # Only the few code objects alive at a time hold machine code.
        self.assertLessEqual(peak, base + 64 * 1024)
        self.assertLessEqual(end, base + 64 * 1024)

    def test_exec_code_that_drops_its_own_code_object(self):
        # The frame of exec'd code holds the last reference to its code
        # object; the frame pop frees it, and its machine code, while that
        # machine code is returning.
        out = run_ok(self, """
            import sys
            total = 0
            for i in range(5000):
                exec(compile(f"total += {i}", "<exec>", "exec"))
            print(total, sys._jit.stats()["compiled"] > 5000)
        """, env={"PYTHON_JIT_THRESHOLD": "0"})
        self.assertEqual(out.split(), [str(sum(range(5000))), "True"])

    def test_memory_limit(self):
        code = with_makers("""
            fs = [by_compile(i) for i in range(2000)]
            total = sum(f(1) for f in fs)
            s = sys._jit.stats()
            print(total, s["compiled"], s.get("refused_memory_cap", 0),
                  s["exec_memory_bytes"], s["exec_memory_limit"],
                  sum(map(sys._jit.is_compiled, fs)))
            # Freeing machine code makes room for new code again.
            del fs
            g = by_compile(-1)
            print(g(1), sys._jit.is_compiled(g))
        """)
        expected_total = sum(range(1, 2001))
        out = run_ok(self, code, env={"PYTHON_JIT_THRESHOLD": "0",
                                      "PYTHON_JIT_MAX_MEMORY": "2"})
        line1, line2 = out.splitlines()
        total, compiled, capped, mapped, limit, compiled_fs = map(int, line1.split())
        self.assertEqual(total, expected_total)
        self.assertEqual(limit, 2 << 20)
        self.assertGreater(compiled, 50)
        # What `del fs` frees: if none of them got machine code, the cap
        # is too small for this test (machine code grew), not broken.
        self.assertGreater(compiled_fs, 0)
        self.assertGreater(capped, 1000)
        self.assertLessEqual(mapped, limit)
        self.assertEqual(line2.split(), ["0", "True"])

        # A limit of 0 compiles nothing, and everything still runs.
        out = run_ok(self, code, "-X", "jit_max_memory=0",
                     env={"PYTHON_JIT_THRESHOLD": "0"})
        line1, line2 = out.splitlines()
        total, compiled, capped, mapped, limit, _ = map(int, line1.split())
        self.assertEqual((total, compiled, limit), (expected_total, 0, 0))
        self.assertGreater(capped, 2000)
        self.assertEqual(line2.split(), ["0", "False"])

    def test_default_limit_and_forwarding(self):
        out = run_ok(self, """
            import subprocess, sys
            print(sys._jit.stats()["exec_memory_limit"])
            print(subprocess.check_output(
                [sys.executable, *subprocess._args_from_interpreter_flags(), "-c",
                 "import sys; print(sys._jit.stats()['exec_memory_limit'])"],
                text=True).strip())
        """, "-X", "jit_max_memory=7")
        self.assertEqual(out.split(), [str(7 << 20)] * 2)
        out = run_ok(self, "import sys; print(sys._jit.stats()['exec_memory_limit'])")
        self.assertEqual(out.strip(), str(512 << 20))

    def test_bad_memory_limits_are_clear_errors(self):
        for env, args in [({"PYTHON_JIT_MAX_MEMORY": "-1"}, ()),
                          ({"PYTHON_JIT_MAX_MEMORY": "1G"}, ()),
                          ((), ("-X", "jit_max_memory=1048577")),
                          ((), ("-X", "jit_max_memory= 5"))]:
            with self.subTest(env=env, args=args):
                rc, out, err = run("print('ran')", *args, env=dict(env))
                self.assertNotEqual(rc, 0)
                self.assertNotIn("ran", out)
                self.assertIn("PYTHON_JIT_MAX_MEMORY and -X jit_max_memory", err)

    @unittest.skipUnless(sys.platform == "linux", "uses RLIMIT_AS and /proc")
    def test_out_of_memory_while_compiling_is_a_refusal(self):
        # With the address space nearly exhausted, mmap and the compiler's
        # own allocations fail: each is a refusal, the code runs in the
        # interpreter, and compiling works again once memory is back.
        out = run_ok(self, with_makers("""
            import resource
            fs = [by_compile(i) for i in range(3000)]
            junk = [bytes(200) for _ in range(100000)]
            del junk
            with open("/proc/self/status") as st:
                vm = next(int(l.split()[1]) for l in st if l.startswith("VmSize"))
            soft, hard = resource.getrlimit(resource.RLIMIT_AS)
            resource.setrlimit(resource.RLIMIT_AS, ((vm + 1024) * 1024, hard))
            results = {}
            for f in fs:
                try:
                    r = sys._jit.compile(f)
                except MemoryError:
                    r = "MemoryError"
                results[r] = results.get(r, 0) + 1
            resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
            print(results.get("no_memory", 0), sum(f(1) for f in fs),
                  sys._jit.compile(by_compile(-5)))
        """), env={"PYTHON_JIT_THRESHOLD": "100000"})
        refused, total, last = out.split()
        self.assertGreater(int(refused), 100)
        self.assertEqual(int(total), sum(range(1, 3001)))
        self.assertEqual(last, "None")


if __name__ == "__main__":
    unittest.main()
