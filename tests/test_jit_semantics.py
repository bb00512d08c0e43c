"""Machine code behaves exactly as the interpreter, also when things go sideways.

Every test writes a small program and runs it in two child interpreters:
once with PYTHON_JIT=0 and once with PYTHON_JIT=1 PYTHON_JIT_THRESHOLD=0
(every code object is compiled the first time it runs). The two runs must
print the same stdout, exit with the same status and, where it is
deterministic (tracebacks), write the same stderr.

The programs also record *facts* that only make sense in the JIT run, such
as "this frame ran as machine code right before tracing was switched on"
(sys._jit.is_active()). They write them with fact(name, value) to a side
file, never to stdout, so they cannot make the two outputs differ; the test
then checks the facts of the JIT run. The programs compute the facts in
both runs, so that both runs execute the same Python code.

A probe `fact(..., sys._jit.is_active())` is placed where it runs once (or
is read after a few loop iterations): the second run of an instruction
triggers its adaptive counter, and the frame is handed to the interpreter
for a moment to specialize it, so a probe that runs exactly twice would
truthfully report False.

Run with: build/obj-snap/python -m unittest -v tests/test_jit_semantics.py
"""

import ast
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import unittest

JIT = getattr(sys, "_jit", None)

# The side channel. Imported by every program as its first line (line 1 of
# the program is this import, so line numbers are the snippet's plus one).
FACTS_MODULE = """\
import os
_fd = os.open(os.environ["JIT_SEM_FACTS"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)


def fact(name, value=True):
    os.write(_fd, ("%s\\t%r\\n" % (name, value)).encode())
"""

PRELUDE = "from _jitsem import fact; import sys\n"

TIMEOUT = 60

_tmpdir = None


def setUpModule():
    global _tmpdir
    _tmpdir = tempfile.mkdtemp(prefix="jitsem-")
    with open(os.path.join(_tmpdir, "_jitsem.py"), "w") as f:
        f.write(FACTS_MODULE)


def tearDownModule():
    shutil.rmtree(_tmpdir, ignore_errors=True)


def child_env(jit, facts):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON_JIT")}
    for k in ("PYTHONWARNINGS", "PYTHONSTARTUP", "PYTHONBREAKPOINT", "PYTHONINSPECT"):
        env.pop(k, None)
    env["PYTHONHASHSEED"] = "0"
    env["HOME"] = _tmpdir          # no ~/.pdbrc
    env["PYTHONIOENCODING"] = "utf-8"
    env["JIT_SEM_FACTS"] = facts
    if jit:
        env["PYTHON_JIT"] = "1"
        env["PYTHON_JIT_THRESHOLD"] = "0"
    else:
        env["PYTHON_JIT"] = "0"
    return env


class Run:
    def __init__(self, rc, out, err, facts):
        self.rc, self.out, self.err, self.facts = rc, out, err, facts

    def __repr__(self):
        return f"<rc={self.rc}\n--- stdout\n{self.out}\n--- stderr\n{self.err}>"


def read_facts(path):
    facts = {}
    try:
        with open(path) as f:
            for line in f:
                name, _, value = line.rstrip("\n").partition("\t")
                facts.setdefault(name, []).append(ast.literal_eval(value))
    except FileNotFoundError:
        pass
    return facts


class SemanticsTest(unittest.TestCase):
    maxDiff = None
    _serial = 0

    def run_both(self, code, *, stdin=None, args=()):
        """Run `code` (a string, or a tuple of strings each dedented on its
        own) with the JIT off and on, concurrently; return (off, on)."""
        if isinstance(code, tuple):
            code = "".join(textwrap.dedent(part) for part in code)
        SemanticsTest._serial += 1
        stem = "%s_%d" % (self._testMethodName, SemanticsTest._serial)
        script = os.path.join(_tmpdir, stem + ".py")
        with open(script, "w") as f:
            f.write(PRELUDE + textwrap.dedent(code))
        procs = []
        for jit in (False, True):
            facts = os.path.join(_tmpdir, "%s.%s.facts" % (stem, "on" if jit else "off"))
            p = subprocess.Popen([sys.executable, *args, script], cwd=_tmpdir,
                                 env=child_env(jit, facts),
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
            procs.append((p, facts))
        runs = []
        for p, facts in procs:
            try:
                out, err = p.communicate(stdin, timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                for q, _ in procs:
                    q.kill()
                out, err = p.communicate()
                for q, _ in procs:
                    q.communicate()
                self.fail("child timed out (JIT %s):\n%s\n%s" % (
                    "on" if facts.endswith(".on.facts") else "off", out, err))
            runs.append(Run(p.returncode, out, err, read_facts(facts)))
        return runs[0], runs[1]

    def check(self, code, *, facts=None, stdin=None, args=(), rc=0, stderr=True):
        """Run both, require the same behaviour, and check the JIT run's facts.

        `facts` maps a fact name to True (every value recorded must be True
        and at least one recorded) or to a predicate over the list of values.
        """
        off, on = self.run_both(code, stdin=stdin, args=args)
        if os.environ.get("JIT_SEM_SHOW"):
            # JIT_SEM_SHOW=1: show what the children did.
            print("\n=== %s\n--- interpreter %r\n--- JIT %r\n--- facts %r"
                  % (self.id(), off, on, on.facts), file=sys.stderr)
        self.assertEqual(off.rc, rc, "interpreter run failed unexpectedly: %r" % off)
        self.assertEqual(on.out, off.out, "stdout differs\nJIT run: %r" % on)
        if stderr:
            self.assertEqual(on.err, off.err, "stderr differs")
        self.assertEqual(on.rc, off.rc, "exit status differs: %r" % on)
        for name, want in (facts or {}).items():
            got = on.facts.get(name)
            self.assertTrue(got, "fact %r never recorded in the JIT run (facts: %r)"
                            % (name, on.facts))
            if want is True:
                self.assertTrue(all(v is True for v in got),
                                "fact %r: %r in the JIT run" % (name, got))
                # The probe can tell: without the JIT it says False.
                self.assertFalse(any(off.facts.get(name, [])),
                                 "fact %r: %r without the JIT" % (name, off.facts))
            else:
                self.assertTrue(want(got), "fact %r: %r in the JIT run" % (name, got))
        return off, on


def positive(values):
    return all(isinstance(v, int) and v > 0 for v in values)


# ---------------------------------------------------------------------------

@unittest.skipIf(JIT is None, "needs an interpreter built with --enable-jit")
class InstrumentationTest(SemanticsTest):
    """Tracing and monitoring switched on while frames run as machine code."""

    def test_settrace_from_the_same_frame_mid_loop(self):
        self.check("""
            events = []
            def tracer(frame, event, arg):
                if frame.f_code.co_name in ('work', 'helper'):
                    events.append((frame.f_code.co_name, event,
                                   frame.f_lineno - frame.f_code.co_firstlineno))
                return tracer
            def helper(i):
                return i * 2
            def work(n):
                s = 0
                for i in range(n):
                    if i == 5:
                        fact('before', sys._jit.is_active())
                        sys._getframe().f_trace = tracer
                        sys.settrace(tracer)
                    s += helper(i)
                    if i == 7:
                        sys.settrace(None)
                    if i == 20:
                        fact('resumed_same_frame', sys._jit.is_active())
                return s
            print(work(30))
            print(events)
            def later(n):
                t = 0
                for i in range(n):
                    t += helper(i)
                    if i == 10:
                        fact('resumed_new_frame', sys._jit.is_active())
                return t
            print(later(20))
            fact('handbacks', sys._jit.stats()['handback_instrumentation'])
        """, facts={"before": True, "resumed_same_frame": True,
                    "resumed_new_frame": True, "handbacks": positive})

    def test_settrace_from_a_callee(self):
        self.check("""
            events = []
            def tracer(frame, event, arg):
                if frame.f_code.co_name in ('work', 'mid', 'leaf'):
                    events.append((frame.f_code.co_name, event,
                                   frame.f_lineno - frame.f_code.co_firstlineno))
                return tracer
            def enable(i):
                if i == 5:
                    fact('callee', sys._jit.is_active())
                    sys._getframe(1).f_trace = tracer   # mid
                    sys._getframe(2).f_trace = tracer   # work
                    sys.settrace(tracer)
                elif i == 8:
                    sys.settrace(None)
            def leaf(i):
                return -i
            def mid(i):
                enable(i)
                x = leaf(i)
                return x + 1
            def work(n):
                s = 0
                for i in range(n):
                    if i == 4:
                        fact('caller', sys._jit.is_active())
                    s += mid(i)
                    s += 1
                    if i == 14:
                        fact('resumed', sys._jit.is_active())
                return s
            print(work(16))
            for e in events:
                print(*e)
        """, facts={"callee": True, "caller": True, "resumed": True})

    def test_settrace_from_del(self):
        # __del__ runs from a deallocation inside machine code: natively
        # emitted STORE_FAST / POP_TOP, a helper (DELETE_FAST, list.clear),
        # and a callee's frame being torn down by its return.
        self.check("""
            events = []
            def tracer(frame, event, arg):
                if frame.f_code.co_name.startswith('via_'):
                    events.append((frame.f_code.co_name, event,
                                   frame.f_lineno - frame.f_code.co_firstlineno))
                return tracer
            class Trigger:
                def __del__(self):
                    f = sys._getframe(1)
                    print('  __del__ called from', f.f_code.co_name)
                    f.f_trace = tracer
                    sys.settrace(tracer)
            def drop():
                t = Trigger()
                return 1
            def via_store(n):
                s = 0
                t = None
                for i in range(n):
                    if i == 4:
                        t = Trigger()
                    if i == 5:
                        fact('via_store', sys._jit.is_active())
                        t = None
                        s += 100
                    s += i
                    if i == 7:
                        sys.settrace(None)
                return s
            def via_pop_top(n):
                s = 0
                for i in range(n):
                    if i == 5:
                        fact('via_pop_top', sys._jit.is_active())
                        Trigger()
                        s += 100
                    s += i
                    if i == 7:
                        sys.settrace(None)
                return s
            def via_delete(n):
                s = 0
                for i in range(n):
                    t = Trigger() if i == 5 else i
                    if i == 5:
                        fact('via_delete', sys._jit.is_active())
                        del t
                        s += 100
                    s += i
                    if i == 7:
                        sys.settrace(None)
                return s
            def via_clear(n):
                s = 0
                box = []
                for i in range(n):
                    if i == 5:
                        box.append(Trigger())
                        fact('via_clear', sys._jit.is_active())
                        box.clear()
                        s += 100
                    s += i
                    if i == 7:
                        sys.settrace(None)
                return s
            def via_return(n):
                s = 0
                for i in range(n):
                    if i == 5:
                        fact('via_return', sys._jit.is_active())
                        s += drop()
                        s += 100
                    s += i
                    if i == 7:
                        sys.settrace(None)
                return s
            for f in (via_store, via_pop_top, via_delete, via_clear, via_return):
                events.clear()
                print(f.__name__, f(10))
                for e in events:
                    print('   ', *e)
        """, facts={n: True for n in ("via_store", "via_pop_top", "via_delete",
                                      "via_clear", "via_return")})

    def test_settrace_and_monitoring_from_another_thread(self):
        self.check("""
            import threading
            main = threading.get_ident()
            M = sys.monitoring
            seen = []
            stop = [False]
            started = threading.Event()
            def tracer(frame, event, arg):
                if threading.get_ident() == main and frame.f_code.co_name == 'poke':
                    seen.append(('trace', event))
                    stop[0] = True
                return None
            def on_start(code, offset):
                if threading.get_ident() == main and code.co_name == 'poke':
                    seen.append(('PY_START', offset))
                    stop[0] = True
            def poke():
                return 1
            def spin(label):
                stop[0] = False
                n = 0
                while not stop[0]:
                    n += poke()
                    if n == 2000:
                        for _ in range(3):
                            on = sys._jit.is_active()
                        fact(label, on)
                        started.set()
                return n > 2000
            def other_settrace():
                started.wait()
                threading.settrace_all_threads(tracer)
            def other_monitoring():
                started.wait()
                M.use_tool_id(4, 'other')
                M.register_callback(4, M.events.PY_START, on_start)
                M.set_events(4, M.events.PY_START)
            for label, target in [('settrace', other_settrace),
                                  ('monitoring', other_monitoring)]:
                started.clear()
                t = threading.Thread(target=target)
                t.start()
                print(label, spin(label))
                t.join()
                threading.settrace_all_threads(None)
                M.set_events(4, 0) if M.get_tool(4) else None
                print(seen)
                seen.clear()
            fact('handbacks', sys._jit.stats()['handback_instrumentation'])
        """, facts={"settrace": True, "monitoring": True, "handbacks": positive})

    def test_setprofile(self):
        self.check("""
            events = []
            def profiler(frame, event, arg):
                name = frame.f_code.co_name
                if name.startswith('via_') or name == 'helper':
                    events.append((name, event, getattr(arg, '__name__', None)
                                   if event.startswith('c_') else None))
            def helper(i):
                return len([i])
            class Trigger:
                def __del__(self):
                    sys.setprofile(profiler)
            def enable(i):
                if i == 5:
                    fact('callee', sys._jit.is_active())
                    sys.setprofile(profiler)
            def via_same_frame(n):
                s = 0
                for i in range(n):
                    if i == 5:
                        fact('same_frame', sys._jit.is_active())
                        sys.setprofile(profiler)
                    s += helper(i) + abs(-i)
                    if i == 7:
                        sys.setprofile(None)
                return s
            def via_callee(n):
                s = 0
                for i in range(n):
                    enable(i)
                    s += helper(i) + abs(-i)
                    if i == 7:
                        sys.setprofile(None)
                return s
            def via_del(n):
                s = 0
                for i in range(n):
                    t = Trigger() if i == 5 else None
                    if i == 5:
                        fact('del', sys._jit.is_active())
                        t = None
                    s += helper(i) + abs(-i)
                    if i == 7:
                        sys.setprofile(None)
                return s
            def via_return(n):
                # profiling switched on by the callee's __del__ at its
                # return: the caller's return event must be seen too.
                t = Trigger()
                for _ in range(3):
                    on = sys._jit.is_active()
                fact('return', on)
                return helper(n) + len(str(t is None))
            def outer():
                x = via_return(3)
                sys.setprofile(None)
                return x
            for f in (via_same_frame, via_callee, via_del, outer):
                events.clear()
                print(f.__name__, f(10) if f is not outer else f())
                for e in events:
                    print('   ', *e)
            def later(n):
                s = 0
                for i in range(n):
                    s += helper(i)
                    if i == 10:
                        fact('resumed', sys._jit.is_active())
                return s
            print(later(12))
        """, facts={n: True for n in ("callee", "same_frame", "del", "return", "resumed")})

    def test_setprofile_from_another_thread(self):
        self.check("""
            import threading
            main = threading.get_ident()
            seen = []
            stop = [False]
            started = threading.Event()
            def profiler(frame, event, arg):
                # Profiling may start while poke() runs: begin at a call.
                if threading.get_ident() == main and frame.f_code.co_name == 'poke':
                    if event == 'call' or seen:
                        seen.append(event)
                    if event == 'return' and seen:
                        stop[0] = True
            def poke():
                return 1
            def spin():
                n = 0
                while not stop[0]:
                    n += poke()
                    if n == 2000:
                        fact('spin', sys._jit.is_active())
                        started.set()
                return n > 2000
            def other():
                started.wait()
                threading.setprofile_all_threads(profiler)
            t = threading.Thread(target=other)
            t.start()
            print(spin())
            t.join()
            threading.setprofile_all_threads(None)
            print(seen)
        """, facts={"spin": True})

    def test_tracing_switched_on_in_handlers_and_generators(self):
        # From __exit__, from an except handler (with a finally pending),
        # from a resumed generator; local events on a suspended
        # generator's code; a __del__ that raises under machine code.
        self.check("""
            log = []
            def tracer(frame, event, arg):
                name = frame.f_code.co_name
                if name.startswith('w_') or name == 'gen':
                    log.append((name, event, frame.f_lineno - frame.f_code.co_firstlineno,
                                frame.f_lasti))
                return tracer
            def on(depth=2):
                f = sys._getframe(depth)
                f.f_trace = tracer
                sys.settrace(tracer)
            class CM:
                def __enter__(self):
                    return self
                def __exit__(self, *a):
                    on()
                    return True
            def w_exit(n):
                s = 0
                for i in range(n):
                    if i == 3:
                        fact('w_exit', sys._jit.is_active())
                        with CM():
                            s += 1
                            raise KeyError
                    s += i
                sys.settrace(None)
                return s
            def w_finally(n):
                s = 0
                for i in range(n):
                    try:
                        if i == 3:
                            fact('w_finally', sys._jit.is_active())
                            raise ValueError
                    except ValueError:
                        on(1)
                        s += 100
                    finally:
                        s += 1
                    s += i
                sys.settrace(None)
                return s
            def gen():
                x = 0
                for i in range(10):
                    x += yield i
                    if i == 3:
                        for _ in range(3):
                            active = sys._jit.is_active()
                        fact('gen', active)
                    if i == 4:
                        on(1)
                    if i == 6:
                        sys.settrace(None)
            def w_gen():
                g = gen()
                next(g)
                out = []
                for i in range(8):
                    out.append(g.send(i))
                return out
            def hook(u):
                print('  unraisable', type(u.exc_value).__name__, u.exc_value,
                      u.object.__qualname__)
            sys.unraisablehook = hook
            class Bad:
                def __del__(self):
                    raise RuntimeError('in __del__')
            def w_del(n):
                s = 0
                for i in range(n):
                    b = Bad() if i == 3 else None
                    s += i
                return s
            M = sys.monitoring
            M.use_tool_id(2, 'x')
            M.register_callback(2, M.events.LINE,
                                lambda code, line: log.append(('LINE', code.co_name, line)))
            M.register_callback(2, M.events.PY_RESUME,
                                lambda code, off: log.append(('RESUME', code.co_name, off)))
            def w_local_gen():
                g = gen()
                next(g)
                g.send(0)
                M.set_local_events(2, gen.__code__, M.events.LINE | M.events.PY_RESUME)
                r = [g.send(1), g.send(2)]
                M.set_local_events(2, gen.__code__, 0)
                r.append(g.send(3))
                return r
            for f in (w_exit, w_finally, w_gen, w_del, w_local_gen):
                log.clear()
                print(f.__name__, f(6) if f.__code__.co_argcount else f())
                for e in log:
                    print('   ', *e)
        """, facts={"w_exit": True, "w_finally": True, "gen": True})

    def test_settrace_from_a_signal_handler_and_a_gc_callback(self):
        # Handlers that run from the eval breaker, polled by a machine-code
        # loop, switch tracing on for the interrupted frame.
        self.check("""
            import gc, signal
            log = []
            stop = [False]
            def tracer(frame, event, arg):
                if frame.f_code.co_name.startswith('spin'):
                    rel = frame.f_lineno - frame.f_code.co_firstlineno
                    # Where a collection is polled may vary: start the log
                    # at the loop head.
                    if log or rel == LOOP_HEAD[frame.f_code.co_name]:
                        log.append((frame.f_code.co_name, event, rel))
                    if len(log) > 12:
                        stop[0] = True
                        sys.settrace(None)
                return tracer
            def handler(signum, frame):
                frame.f_trace = tracer
                sys.settrace(tracer)
            signal.signal(signal.SIGALRM, handler)
            LOOP_HEAD = {'spin_signal': 6, 'spin_gc': 5}
            def spin_signal():
                n = 0
                for _ in range(3):
                    on = sys._jit.is_active()
                fact('spin_signal', on)
                signal.setitimer(signal.ITIMER_REAL, 0.02)
                while not stop[0]:
                    n += 1
                return n > 0
            print(spin_signal())
            print(log)
            log.clear()
            stop[0] = False
            def on_gc(phase, info):
                if phase == 'stop' and not stop[0]:
                    f = sys._getframe(1)
                    while f.f_code.co_name != 'spin_gc':
                        f = f.f_back
                    f.f_trace = tracer
                    sys.settrace(tracer)
            class Node:
                def __init__(self):
                    self.me = self
            def spin_gc():
                n = 0
                for _ in range(3):
                    on = sys._jit.is_active()
                fact('spin_gc', on)
                while not stop[0]:
                    Node()
                    n += 1
                return n > 0
            gc.callbacks.append(on_gc)
            print(spin_gc())
            gc.callbacks.remove(on_gc)
            print(log)
        """, facts={"spin_signal": True, "spin_gc": True})

    MONITORING_SETUP = """
        M = sys.monitoring
        E = M.events
        TOOL = 2
        M.use_tool_id(TOOL, 'jitsem')
        log = []
        WATCH = {'work', 'helper', 'outer', 'work2'}
        def show(a):
            if isinstance(a, (int, str)) or a is None:
                return a
            return getattr(a, '__name__', type(a).__name__)
        def make(name):
            def cb(code, *args):
                if code.co_name in WATCH:
                    log.append((name, code.co_name) + tuple(show(a) for a in args))
            return cb
        for name in ('LINE', 'INSTRUCTION', 'JUMP', 'BRANCH', 'CALL', 'C_RETURN',
                     'C_RAISE', 'PY_START', 'PY_RESUME', 'PY_RETURN', 'PY_YIELD',
                     'RAISE', 'EXCEPTION_HANDLED', 'PY_UNWIND', 'RERAISE', 'PY_THROW',
                     'STOP_ITERATION'):
            M.register_callback(TOOL, getattr(E, name), make(name))
        def dump(title):
            print(title, len(log))
            for e in log:
                print('   ', *e)
            log.clear()
    """

    def test_monitoring_global_events(self):
        self.check((self.MONITORING_SETUP, """
            ALL = (E.LINE | E.INSTRUCTION | E.JUMP | E.BRANCH | E.CALL | E.C_RETURN
                   | E.C_RAISE | E.PY_START | E.PY_RETURN)
            def helper(x):
                return x + 1
            def work(n):
                s = 0
                for i in range(n):
                    if i == 3:
                        fact('before_same_frame', sys._jit.is_active())
                        M.set_events(TOOL, ALL)
                    s += helper(i) if i % 2 else len('ab')
                    if i == 5:
                        M.set_events(TOOL, 0)
                    if i == 15:
                        fact('resumed', sys._jit.is_active())
                return s
            print(work(20))
            dump('same frame')
            def enable(i):
                if i == 3:
                    fact('callee', sys._jit.is_active())
                    M.set_events(TOOL, ALL)
            def work2(n):
                s = 0
                for i in range(n):
                    enable(i)
                    s += helper(i)
                    if i == 5:
                        M.set_events(TOOL, 0)
                return s
            print(work2(8))
            dump('from callee')
            # A callback returning DISABLE, then restart_events().
            def line_once(code, line):
                if code.co_name == 'work2':
                    log.append(('LINE', code.co_name, line))
                    return M.DISABLE
            M.register_callback(TOOL, E.LINE, line_once)
            M.set_events(TOOL, E.LINE)
            print(work2(3))
            dump('disabled after first')
            M.restart_events()
            M.set_events(TOOL, E.LINE)
            print(work2(3))
            M.set_events(TOOL, 0)
            dump('restarted')
        """), facts={"before_same_frame": True, "resumed": True, "callee": True})

    def test_monitoring_local_events(self):
        self.check((self.MONITORING_SETUP, """
            def helper(x):
                return x + 1
            def enable_local():
                fact('callee', sys._jit.is_active())
                M.set_local_events(TOOL, work.__code__,
                                   E.LINE | E.INSTRUCTION | E.BRANCH | E.JUMP | E.CALL)
                # outer is suspended in a call, running as machine code.
                M.set_local_events(TOOL, outer.__code__, E.LINE | E.PY_RETURN)
                M.set_local_events(TOOL, helper.__code__, E.PY_START | E.PY_RETURN)
            def work(n):
                s = 0
                for i in range(n):
                    if i == 3:
                        fact('before', sys._jit.is_active())
                        enable_local()
                    s += helper(i)
                    if i == 5:
                        M.set_local_events(TOOL, work.__code__, 0)
                    if i == 12:
                        fact('resumed', sys._jit.is_active())
                return s
            def outer():
                fact('outer', sys._jit.is_active())
                r = work(14)
                r += helper(1)
                return r
            print(outer())
            M.set_local_events(TOOL, outer.__code__, 0)
            M.set_local_events(TOOL, helper.__code__, 0)
            dump('local')
            print(M.get_local_events(TOOL, work.__code__))
        """), facts={"callee": True, "before": True, "resumed": True, "outer": True})

    def test_f_trace_opcodes(self):
        self.check("""
            log = []
            def tracer(frame, event, arg):
                if frame.f_code.co_name == 'work':
                    log.append((event, frame.f_lineno - frame.f_code.co_firstlineno,
                                frame.f_lasti))
                    if event == 'line' and frame.f_lineno - frame.f_code.co_firstlineno == 8:
                        frame.f_trace_opcodes = False
                return tracer
            def enable():
                f = sys._getframe(1)
                f.f_trace_opcodes = True
                f.f_trace = tracer
                sys.settrace(tracer)
            def work(n):
                s = 0
                for i in range(n):
                    if i == 4:
                        fact('before', sys._jit.is_active())
                        enable()
                    s += i * 2
                    if i == 6:
                        s -= 1
                    if i == 7:
                        sys.settrace(None)
                return s
            print(work(10))
            for e in log:
                print(*e)
        """, facts={"before": True})

    def test_tracing_that_starts_mid_line(self):
        self.check("""
            log = []
            def tracer(frame, event, arg):
                if frame.f_code.co_name == 'work':
                    log.append((event, frame.f_lineno - frame.f_code.co_firstlineno,
                                frame.f_lasti if event == 'opcode' else None))
                return tracer
            M = sys.monitoring
            M.use_tool_id(2, 'midline')
            def on_line(code, line):
                if code.co_name == 'work':
                    log.append(('LINE', line - code.co_firstlineno))
            def on_instr(code, offset):
                if code.co_name == 'work':
                    log.append(('INSTRUCTION', offset))
            M.register_callback(2, M.events.LINE, on_line)
            M.register_callback(2, M.events.INSTRUCTION, on_instr)
            mode = [None]
            def a(i):
                return i
            def b(i):
                if i == 3:
                    for _ in range(3):
                        on = sys._jit.is_active()
                    fact('b_' + mode[0], on)
                    if mode[0] == 'monitoring':
                        M.set_events(2, M.events.LINE | M.events.INSTRUCTION)
                    else:
                        f = sys._getframe(1)
                        f.f_trace = tracer
                        f.f_trace_opcodes = mode[0] == 'opcodes'
                        sys.settrace(tracer)
                return i
            def c(i):
                return i
            def off():
                sys.settrace(None)
                M.set_events(2, 0)
            def work(n):
                s = 0
                for i in range(n):
                    s += a(i) + b(i) + c(i); s -= 1
                    s += (a(i) +
                          b(i + 10) +
                          c(i))
                    if i == 4:
                        off()
                return s
            for m in ('lines', 'opcodes', 'monitoring'):
                mode[0] = m
                print(m, work(6))
                for e in log:
                    print('   ', *e)
                log.clear()
        """, facts={"b_lines": True, "b_opcodes": True, "b_monitoring": True})

    def test_monitoring_events_while_unwinding(self):
        # RAISE, EXCEPTION_HANDLED, PY_UNWIND, RERAISE and PY_THROW do not
        # instrument bytecode: frames keep running as machine code while
        # the exception unwinds through them. Then the same again with
        # PY_START / PY_RETURN / PY_YIELD / PY_RESUME, which hand back.
        self.check((self.MONITORING_SETUP, """
            WATCH.update({'leaf', 'mid', 'top', 'gen', 'ctx_user', 'bare', 'chain',
                          'loop_gen', 'drive', '__exit__', 'fin'})
            UNWIND = (E.RAISE | E.EXCEPTION_HANDLED | E.PY_UNWIND | E.RERAISE
                      | E.PY_THROW)
            def leaf(x):
                if x:
                    raise ValueError(x)
                return 0
            def mid(x):
                try:
                    return leaf(x)
                finally:
                    x = None
            def top(x):
                try:
                    return mid(x)
                except ValueError as e:
                    return 'caught %s' % e
            def gen():
                try:
                    yield 1
                except KeyError:
                    yield 'handled'
                yield 3
            class Ctx:
                def __enter__(self):
                    return self
                def __exit__(self, t, v, tb):
                    return t is TypeError
            def ctx_user(exc):
                with Ctx():
                    raise exc
            def bare():
                try:
                    leaf(2)
                except ValueError:
                    raise
            def chain():
                try:
                    leaf(3)
                except ValueError as e:
                    raise KeyError('k') from e
            def fin():
                for i in range(3):
                    try:
                        if i == 1:
                            continue
                        leaf(0)
                    finally:
                        i = -i
                return i
            def loop_gen():
                s = 0
                for v in gen():
                    s += 1
                return s
            def drive(k, tag=None):
                if tag:
                    for _ in range(3):
                        on = sys._jit.is_active()
                    fact(tag, on)
                out = []
                out.append(top(0))
                out.append(top(k))
                g = gen()
                out.append(next(g))
                out.append(g.throw(KeyError))
                out.append(next(g))
                try:
                    g.throw(IndexError)
                except IndexError:
                    out.append('thrown through')
                out.append(ctx_user(TypeError('swallowed')))
                try:
                    ctx_user(OSError('kept'))
                except OSError as e:
                    out.append(repr(e))
                for f in (bare, chain):
                    try:
                        f()
                    except Exception as e:
                        out.append((type(e).__name__, type(e.__context__).__name__))
                out.append(fin())
                out.append(loop_gen())
                return out
            for k in range(1, 4):
                drive(k)          # warm up and specialize
            log.clear()
            def go(title, events, k):
                M.set_events(TOOL, events)
                print(drive(k, title))
                M.set_events(TOOL, 0)
                dump(title)
            go('unwind', UNWIND, 7)
            go('with_frames', UNWIND | E.PY_START | E.PY_RETURN | E.PY_YIELD | E.PY_RESUME
               | E.STOP_ITERATION, 8)
        """), facts={"unwind": True})

    def test_pdb_set_trace_and_breakpoint(self):
        commands = "\n".join([
            "p x", "n", "n", "p y", "s", "n", "n", "p total", "where", "c",
            "p (i, acc)", "n", "n", "p acc", "c",
        ]) + "\n"
        self.check("""
            import pdb
            def helper(v):
                total = v * 10
                return total
            def compute(n):
                x = 0
                for i in range(n):
                    x += i
                fact('before_pdb', sys._jit.is_active())
                pdb.set_trace()
                y = x * 2
                z = helper(y)
                return z + 1
            def loop(n):
                acc = 0
                for i in range(n):
                    if i == 3:
                        # pdb continued without breakpoints: tracing is off
                        # again and machine code took the loop back.
                        fact('loop', sys._jit.is_active())
                        breakpoint()
                    acc += i
                    acc += 1
                return acc
            print('result', compute(5))
            print('loop', loop(8))
        """, stdin=commands, facts={"before_pdb": True, "loop": True})


# ---------------------------------------------------------------------------

# Helpers for the programs of ExceptionsTest: where is every frame?
FRAME_TOOLS = """
    import traceback
    def tb_info(tb):
        out = []
        while tb is not None:
            out.append((tb.tb_frame.f_code.co_name, tb.tb_lineno, tb.tb_lasti))
            tb = tb.tb_next
        return out
    def stack_info():
        f = sys._getframe(1)
        out = []
        while f is not None:
            out.append((f.f_code.co_name, f.f_lineno, f.f_lasti))
            f = f.f_back
        return out
    def show(e):
        print('   ', type(e).__name__, e, tb_info(e.__traceback__))
        print('   ', ''.join(traceback.format_exception(e)).replace(__file__, 'FILE'))
"""


@unittest.skipIf(JIT is None, "needs an interpreter built with --enable-jit")
class ExceptionsTest(SemanticsTest):

    def test_try_except_finally_with_and_tracebacks(self):
        self.check((FRAME_TOOLS, """
            class Box:
                def __init__(self, v):
                    if v is None:
                        raise TypeError('no value')
                    self.v = v
                @property
                def half(self):
                    return 10 // self.v
                def __getitem__(self, i):
                    return [self.v][i]
            def leaf(x):
                return 10 // x
            def middle(x):
                y = leaf(x)
                return y + 1
            def catcher(x):
                try:
                    return middle(x)
                except ZeroDivisionError as e:
                    print('  handler stack', stack_info())
                    show(e)
                    return 'caught'
                finally:
                    print('  finally', x)
            def loop_finally(n):
                out = []
                for i in range(n):
                    try:
                        if i == 1:
                            continue
                        if i == 3:
                            break
                        out.append(i)
                    finally:
                        out.append(-i)
                return out
            def return_in_finally():
                try:
                    return 'try'
                finally:
                    return 'finally'
            class CM:
                def __init__(self, swallow):
                    self.swallow = swallow
                def __enter__(self):
                    print('  enter')
                    return self
                def __exit__(self, t, v, tb):
                    print('  exit', t and t.__name__, tb_info(tb))
                    return self.swallow
            def with_user(swallow, x):
                with CM(swallow) as cm:
                    leaf(x)
                    return 'body done'
                return 'swallowed'
            def specialized(objs):
                # Warm frame-pushing specializations, then make them raise.
                out = []
                for o in objs:
                    try:
                        out.append((Box(o).half, Box(o)[0]))
                    except (ZeroDivisionError, TypeError, IndexError) as e:
                        out.append(type(e).__name__)
                        show(e)
                return out
            def reraise(kind):
                try:
                    leaf(0)
                except ZeroDivisionError as e:
                    if kind == 'bare':
                        raise
                    if kind == 'named':
                        raise e
                    if kind == 'from':
                        raise KeyError('k') from e
                    if kind == 'from_none':
                        raise KeyError('k') from None
                    if kind == 'in_handler':
                        {}['missing']
            def exc_info_nesting():
                out = []
                try:
                    raise ValueError('outer')
                except ValueError:
                    out.append(sys.exc_info()[0].__name__)
                    try:
                        raise KeyError('inner')
                    except KeyError:
                        out.append(sys.exc_info()[0].__name__)
                    out.append(sys.exc_info()[0].__name__)
                out.append(sys.exc_info()[0])
                return out
            fact('module', sys._jit.is_active())
            for x in (2, 0, 5, 0):
                print('catcher', x, catcher(x))
            print(loop_finally(6), return_in_finally())
            for swallow in (True, False):
                for x in (1, 0):
                    try:
                        print('with', swallow, x, with_user(swallow, x))
                    except ZeroDivisionError as e:
                        print('with escaped', swallow, x)
                        show(e)
            print(specialized([1, 2, 3, 4, 0, 5, None, 6]))
            for kind in ('bare', 'named', 'from', 'from_none', 'in_handler'):
                try:
                    reraise(kind)
                except Exception as e:
                    print('reraise', kind, repr(e), repr(e.__cause__), repr(e.__context__),
                          e.__suppress_context__)
                    show(e)
            print(exc_info_nesting())
            def probe():
                try:
                    leaf(0)
                except ZeroDivisionError:
                    for _ in range(3):
                        on = sys._jit.is_active()
                    fact('handler', on)
                    return stack_info()
            print(probe())
        """), facts={"module": True, "handler": True})

    def test_except_star_and_exception_groups(self):
        self.check((FRAME_TOOLS, """
            def raiser(i):
                if i % 3 == 0:
                    raise ValueError(i)
                if i % 3 == 1:
                    raise TypeError(i)
                raise KeyError(i)
            def group(n):
                errors = []
                for i in range(n):
                    try:
                        raiser(i)
                    except Exception as e:
                        errors.append(e)
                raise ExceptionGroup('many', errors)
            def star(n):
                seen = []
                try:
                    group(n)
                except* ValueError as eg:
                    seen.append(('V', [str(e) for e in eg.exceptions]))
                except* TypeError as eg:
                    seen.append(('T', [str(e) for e in eg.exceptions]))
                    for _ in range(3):
                        on = sys._jit.is_active()
                    fact('star_handler', on)
                return seen
            def star_reraise():
                try:
                    group(5)
                except* ValueError:
                    raise RuntimeError('from handler')
                except* KeyError:
                    pass
            def nested():
                got = None
                try:
                    raise ExceptionGroup('outer', [ValueError(1),
                                                   ExceptionGroup('inner', [TypeError(2), OSError(3)])])
                except* OSError as eg:
                    got = repr(eg)
                return got
            for n in (1, 3, 6):
                try:
                    print('star', n, star(n))
                except ExceptionGroup as eg:
                    print('left over', n, repr(eg))
                    show(eg)
            try:
                star_reraise()
            except ExceptionGroup as eg:
                print(repr(eg), repr(eg.exceptions[0].__context__))
                show(eg)
            try:
                nested()
            except ExceptionGroup as eg:
                print('nested rest', repr(eg))
        """), facts={"star_handler": True})

    def test_errors_raised_by_each_kind_of_instruction(self):
        # Where each instruction reports its error: tb_lineno, tb_lasti
        # and the message, for errors from helpers of many kinds.
        self.check((FRAME_TOOLS, """
            import operator
            def unbound_local():
                if False:
                    x = 1
                return x
            def unbound_free():
                def inner():
                    return v
                r = inner()
                v = 1
                return r
            def deleted():
                y = 1
                del y
                return y
            def attribute():
                return (1).nope
            def subscript():
                return {'a': 1}['b']
            def unpack_few():
                a, b, c = (1, 2)
            def unpack_many():
                a, b = [1, 2, 3]
            def unpack_ex():
                a, *b, c = [1]
            def bad_call():
                return len(1, 2)
            def bad_kwargs():
                def f(a):
                    return a
                return f(**{'b': 1})
            def bad_star():
                return max(*5)
            def bad_import():
                from os import nothing_here
            def failed_assert():
                assert 1 == 2, 'message'
            def bad_compare():
                return [] < 1
            def bad_binary():
                return 'a' - 1
            def bad_iter():
                for x in 5:
                    pass
            def bad_contains():
                return 1 in 5
            def bad_format():
                return f'{1:q}'
            def bad_build():
                return {[]: 1}
            def bad_setitem():
                t = (1,)
                t[0] = 2
            def bad_global():
                return undefined_global_name
            def bad_match(v):
                match v:
                    case {'k': int(x)}:
                        return x
                    case _:
                        return v.missing
            def bad_with():
                with 5:
                    pass
            def bad_super():
                class A:
                    def m(self):
                        return super().nothing()
                return A().m()
            def genexpr():
                return list(1 // x for x in (1, 0))
            def listcomp():
                return [1 // x for x in (1, 0)]
            def bad_await():
                async def c():
                    await 5
                c().send(None)
            cases = [unbound_local, unbound_free, deleted, attribute, subscript, unpack_few,
                     unpack_many, unpack_ex, bad_call, bad_kwargs, bad_star, bad_import,
                     failed_assert, bad_compare, bad_binary, bad_iter, bad_contains,
                     bad_format, bad_build, bad_setitem, bad_global,
                     lambda: bad_match({'k': 1.5}), bad_with, bad_super, genexpr, listcomp,
                     bad_await]
            for rnd in range(3):
                for f in cases:
                    try:
                        f()
                    except Exception as e:
                        if rnd == 2:
                            print(f.__name__, type(e).__name__, e, tb_info(e.__traceback__)[1:])
                if rnd == 2:
                    for _ in range(3):
                        on = sys._jit.is_active()
                    fact('loop', on)
        """), facts={"loop": True})

    def test_uncaught_exception_traceback(self):
        # The traceback printed at exit, chained exceptions included.
        off, on = self.check((FRAME_TOOLS, """
            def deep(n):
                if n == 0:
                    for _ in range(3):
                        on = sys._jit.is_active()
                    fact('deep', on)
                    return {}['key']
                return deep(n - 1)
            def handler():
                try:
                    deep(4)
                except KeyError as e:
                    raise RuntimeError('while handling') from e
            def outer():
                try:
                    handler()
                finally:
                    print('finally ran')
            print('start')
            outer()
        """), rc=1, facts={"deep": True})
        self.assertIn("RuntimeError: while handling", on.err)
        self.assertIn("The above exception was the direct cause", on.err)

    def test_callee_raises_at_the_first_instruction_of_a_try_block(self):
        # gh-140104: when a callee's frame raises, the interpreter resumes
        # the caller at `resume_with_error` with next_instr = instr_ptr,
        # and exception_unwind looks the handler up at next_instr - 1: the
        # code unit *before* the calling instruction. Python's compiler
        # never makes a try range start right at a call, so the programs
        # move the start of the range onto the call. The interpreter then
        # does not catch the exception of a Python callee (but catches
        # that of a C callee, whose error is raised inside the
        # instruction); machine code must do the same, including for the
        # specialized instructions that push a frame (property getters,
        # __getitem__, __init__, generators), and report the same RAISE
        # offsets.
        self.check("""
            import dis
            def varint(v, first):
                chunks = []
                while True:
                    chunks.append(v & 63)
                    v >>= 6
                    if not v:
                        break
                chunks.reverse()
                out = []
                for i, c in enumerate(chunks):
                    b = c | (64 if i < len(chunks) - 1 else 0) | (128 if i == 0 and first else 0)
                    out.append(b)
                return out
            def encode(entries):
                out = []
                for start, end, target, depth, lasti in entries:
                    out += varint(start // 2, True)
                    out += varint((end - start) // 2, False)
                    out += varint(target // 2, False)
                    out += varint(depth << 1 | lasti, False)
                return bytes(out)
            def start_range_at(func, opname):
                code = func.__code__
                ins = [i for i in dis.get_instructions(code) if i.opname == opname][-1]
                tab = dis._parse_exception_table(code)
                first = tab[0]
                assert first.start < ins.offset < first.end, (first, ins.offset)
                new = [(ins.offset, first.end, first.target, first.depth, first.lasti)]
                new += [(e.start, e.end, e.target, e.depth, e.lasti) for e in tab[1:]]
                func.__code__ = code.replace(co_exceptiontable=encode(new))
            class C:
                def __init__(self, bad=False):
                    if bad == 'init':
                        raise ValueError('init')
                    self.bad = bad
                @property
                def prop(self):
                    if self.bad:
                        raise ValueError('prop')
                    return 1
                def __getitem__(self, i):
                    if self.bad:
                        raise ValueError('getitem')
                    return i
            def gen(bad):
                if bad:
                    raise ValueError('gen')
                yield 1
            def boom(bad):
                if bad:
                    raise ValueError('call')
                return 0
            # Natural code: the try body starts with the call (RAISE offsets
            # differ between a frame push and a C-level call).
            def natural(bad):
                try:
                    boom(bad)
                except ValueError:
                    return 'caught'
                return 'ok'
            def natural_prop(o):
                try:
                    o.prop
                except ValueError:
                    return 'caught'
                return 'ok'
            def via_call(bad):
                try:
                    boom(bad)
                except ValueError:
                    return 'caught'
                return 'ok'
            def via_c_call(bad):
                try:
                    int(bad)
                except ValueError:
                    return 'caught'
                return 'ok'
            def via_prop(o):
                try:
                    o.prop
                except ValueError:
                    return 'caught'
                return 'ok'
            def via_getitem(o):
                try:
                    o[0]
                except ValueError:
                    return 'caught'
                return 'ok'
            def via_init(bad):
                try:
                    C(bad)
                except ValueError:
                    return 'caught'
                return 'ok'
            def via_for_gen(bad):
                try:
                    for x in gen(bad):
                        pass
                except ValueError:
                    return 'caught'
                return 'ok'
            start_range_at(via_call, 'CALL')
            start_range_at(via_c_call, 'CALL')
            start_range_at(via_prop, 'LOAD_ATTR')
            start_range_at(via_getitem, 'BINARY_SUBSCR')
            start_range_at(via_init, 'CALL')
            start_range_at(via_for_gen, 'FOR_ITER')
            M = sys.monitoring
            M.use_tool_id(3, 'raise')
            raises = []
            M.register_callback(3, M.events.RAISE,
                                lambda code, off, exc: raises.append((code.co_name, off)))
            M.set_events(3, M.events.RAISE)
            good, bad = C(), C(True)
            cases = [(natural, 0, 1), (natural_prop, good, bad), (via_call, 0, 1), (via_c_call, '1', 'x'),
                     (via_prop, good, bad), (via_getitem, good, bad),
                     (via_init, False, 'init'), (via_for_gen, 0, 1)]
            for f, ok, ko in cases:
                results = []
                for i in range(8):
                    raises.clear()
                    try:
                        results.append(f(ko if i in (0, 3, 7) else ok))
                    except ValueError as e:
                        results.append('escaped')
                    results.append(tuple(off for name, off in raises if name == f.__name__))
                print(f.__name__, results)
        """)


# ---------------------------------------------------------------------------

@unittest.skipIf(JIT is None, "needs an interpreter built with --enable-jit")
class GeneratorsTest(SemanticsTest):

    def test_generator_protocol(self):
        self.check("""
            def where(g):
                f = g.gi_frame
                if f is None:
                    return None
                return (f.f_lineno - g.gi_code.co_firstlineno, f.f_lasti,
                        g.gi_running, g.gi_suspended)
            def echo(n):
                total = 0
                try:
                    for i in range(n):
                        try:
                            got = yield i
                        except KeyError as e:
                            got = 'threw %s' % e
                            yield got
                        if got is not None:
                            total += len(str(got))
                finally:
                    print('  echo finally, total', total)
                return total
            def delegate(n):
                for _ in range(3):
                    on = sys._jit.is_active()
                fact('delegate', on)
                r = yield from echo(n)
                yield ('delegated result', r)
                return r * 2
            def stubborn():
                try:
                    yield 1
                finally:
                    yield 'refuses to close'
            g = echo(5)
            print(next(g), where(g))
            print(g.send('abc'), where(g))
            print(g.throw(KeyError('k')), where(g))
            print(next(g), where(g))
            g.close()
            print('closed', where(g), g.gi_suspended)
            g = delegate(3)
            print([next(g), g.send('x'), g.throw(KeyError('q')), where(g)])
            print(list(g))
            g = delegate(2)
            next(g)
            print(where(g), where(g.gi_yieldfrom))
            try:
                g.throw(ValueError('in'))
            except ValueError as e:
                print('propagated', e, where(g))
            s = stubborn()
            next(s)
            try:
                s.close()
            except RuntimeError as e:
                print('RuntimeError', e)
            def counter():
                i = 0
                while True:
                    got = yield i
                    i += 1 if got is None else got
            c = counter()
            print([next(c)] + [c.send(k % 3) for k in range(10)], where(c))
            # Return values through StopIteration, gen expressions, early exits.
            def ret():
                yield 1
                return 'value'
            r = ret()
            next(r)
            try:
                next(r)
            except StopIteration as e:
                print('StopIteration', e.value)
            print(sum(x * x for x in range(10) if x % 2), any(x > 5 for x in range(10)))
            def first_over(limit, it):
                for x in it:
                    if x > limit:
                        return x
            print(first_over(3, echo(10)))
        """, facts={"delegate": True})

    def test_coroutines_and_async_generators(self):
        self.check("""
            import types
            @types.coroutine
            def suspend(v):
                got = yield v
                return got
            async def add(a, b):
                x = await suspend(('add', a))
                return a + b + (x or 0)
            async def main():
                for _ in range(3):
                    on = sys._jit.is_active()
                fact('coroutine', on)
                r = await add(1, 2)
                try:
                    await suspend('will throw')
                except KeyError as e:
                    r += 100
                return r
            def drive(coro, sends):
                out = []
                try:
                    v = coro.send(None)
                    for s in sends:
                        out.append(v)
                        if s == 'throw':
                            v = coro.throw(KeyError('t'))
                        else:
                            v = coro.send(s)
                except StopIteration as e:
                    out.append(('done', e.value))
                return out
            print(drive(main(), [5, 'throw']))
            c = main()
            c.send(None)
            print(c.cr_frame.f_lineno - c.cr_code.co_firstlineno, c.cr_frame.f_lasti,
                  c.cr_await is not None, c.cr_suspended)
            c.close()
            print(c.cr_frame)
            async def agen(n):
                try:
                    for i in range(n):
                        got = yield i
                        if got:
                            yield ('got', got)
                        await suspend(('tick', i))
                finally:
                    print('  agen finally')
            async def consume():
                out = []
                async for v in agen(3):
                    out.append(v)
                g = agen(5)
                out.append(await g.asend(None))
                out.append(await g.asend('hello'))
                try:
                    await g.athrow(ValueError('boom'))
                except ValueError as e:
                    out.append(('athrow', str(e)))
                await g.aclose()
                out.append([x async for x in agen(4) if x % 2])
                return out
            def run(coro):
                # A tiny event loop: answer every suspension with None.
                try:
                    while True:
                        coro.send(None)
                except StopIteration as e:
                    return e.value
            print(run(consume()))
        """, facts={"coroutine": True})

    def test_asyncio_run(self):
        self.check("""
            import asyncio
            log = []
            async def leaf(name, delay_steps):
                for i in range(delay_steps):
                    await asyncio.sleep(0)
                log.append(name)
                if name == 'bad':
                    raise ValueError(name)
                return name.upper()
            async def middle(tag):
                a, b = await asyncio.gather(leaf(tag + '1', 2), leaf(tag + '2', 1))
                return a + b
            async def canceller():
                t = asyncio.create_task(leaf('never', 100))
                await asyncio.sleep(0)
                t.cancel()
                try:
                    await t
                except asyncio.CancelledError:
                    return 'cancelled'
            async def queue_pipe(n):
                q = asyncio.Queue()
                async def producer():
                    for i in range(n):
                        await q.put(i)
                    await q.put(None)
                async def consumer():
                    total = 0
                    while (item := await q.get()) is not None:
                        total += item
                    return total
                _, total = await asyncio.gather(producer(), consumer())
                return total
            async def main():
                for _ in range(3):
                    on = sys._jit.is_active()
                fact('main', on)
                out = [await middle('x'), await canceller(), await queue_pipe(50)]
                res = await asyncio.gather(leaf('ok', 1), leaf('bad', 2), return_exceptions=True)
                out.append([repr(r) for r in res])
                async with asyncio.timeout(10):
                    out.append(await asyncio.wait_for(leaf('w', 3), 10))
                try:
                    async with asyncio.TaskGroup() as tg:
                        tg.create_task(leaf('bad', 1))
                        tg.create_task(leaf('fine', 3))
                except* ValueError as eg:
                    out.append(('taskgroup', [str(e) for e in eg.exceptions]))
                return out
            print(asyncio.run(main()))
            print(log)
        """, facts={"main": True})


# ---------------------------------------------------------------------------

@unittest.skipIf(JIT is None, "needs an interpreter built with --enable-jit")
class RecursionTest(SemanticsTest):
    """sys.setrecursionlimit(100000): deep recursion ends in RecursionError
    at the same depth, and recursion the interpreter can do succeeds."""

    RECURSION_SETUP = """
        sys.setrecursionlimit(100000)
        depth = 0
        def first(gen):
            # The first value, then run the chain to its end: dropping a
            # suspended chain of generators deallocates it recursively in C
            # (gen_dealloc -> gen_close -> frame clear -> gen_dealloc), which
            # overflows the C stack of a -Og debug build, JIT or not.
            r = next(gen)
            for _ in gen:
                pass
            return r
        def attempt(name, f, *args):
            global depth
            depth = 0
            try:
                r = f(*args)
                print(name, 'returned', r)
            except RecursionError as e:
                print(name, 'RecursionError:', e, 'at depth', depth)
    """

    def test_plain_and_method_recursion(self):
        self.check((self.RECURSION_SETUP, """
            def plain(n):
                global depth
                depth = n
                return plain(n + 1)
            def countdown(n):
                if n == 0:
                    for _ in range(3):
                        on = sys._jit.is_active()
                    fact('bottom', on)
                    return 0
                return 1 + countdown(n - 1)
            class Walker:
                def step(self, n):
                    global depth
                    depth = n
                    return self.step(n + 1)
                @classmethod
                def cls_step(cls, n):
                    global depth
                    depth = n
                    return cls.cls_step(n + 1)
            def mutual_a(n):
                global depth
                depth = n
                return mutual_b(n + 1)
            def mutual_b(n):
                return mutual_a(n + 1)
            def kw(n, *, step=1):
                global depth
                depth = n
                return kw(n + step, step=step)
            def star(*args):
                global depth
                depth = args[0]
                return star(*(args[0] + 1,))
            attempt('countdown', countdown, 50000)
            attempt('plain', plain, 0)
            attempt('method', Walker().step, 0)
            attempt('classmethod', Walker.cls_step, 0)
            attempt('mutual', mutual_a, 0)
            attempt('keywords', kw, 0)
            attempt('star args', star, 0)
            attempt('plain again', plain, 0)
            print(sys.getrecursionlimit())
        """), facts={"bottom": True})

    def test_recursion_through_generators(self):
        self.check((self.RECURSION_SETUP, """
            def yield_from(n):
                global depth
                depth = n
                yield from yield_from(n + 1)
            def for_gen(n):
                global depth
                depth = n
                for x in for_gen(n + 1):
                    yield x
            def next_gen(n):
                global depth
                depth = n
                yield next(next_gen(n + 1))
            def nested(n):
                if n == 0:
                    yield 'bottom'
                    return
                for x in nested(n - 1):
                    yield x
            def nested_yield_from(n):
                if n == 0:
                    return (yield 'bottom')
                return (yield from nested_yield_from(n - 1))
            attempt('nested for 20000', lambda: first(nested(20000)))
            attempt('nested yield from 20000', lambda: first(nested_yield_from(20000)))
            attempt('yield from', lambda: next(yield_from(0)))
            attempt('for over generator', lambda: next(for_gen(0)))
            attempt('next() of generator', lambda: next(next_gen(0)))
        """))

    def test_generator_recursion_in_a_thread_with_a_small_stack(self):
        # The interpreter runs `for x in gen` (FOR_ITER_GEN) and
        # `yield from` without C recursion, so this depth needs no C stack.
        self.check((self.RECURSION_SETUP, """
            import threading
            threading.stack_size(1 << 20)
            def nested(n):
                if n == 0:
                    for _ in range(3):
                        on = sys._jit.is_active()
                    fact('bottom', on)
                    yield 'bottom'
                    return
                for x in nested(n - 1):
                    yield x
            def nested_yield_from(n):
                if n == 0:
                    return (yield 'bottom')
                return (yield from nested_yield_from(n - 1))
            def run():
                attempt('yield from 4000', lambda: first(nested_yield_from(4000)))
                attempt('for 4000', lambda: first(nested(4000)))
            t = threading.Thread(target=run)
            t.start()
            t.join()
        """), facts={"bottom": True})

    def test_recursion_through_dunders(self):
        # Property getters, __getitem__ and __init__ are called by
        # instructions the interpreter specializes to push a frame.
        self.check((self.RECURSION_SETUP, """
            class P:
                def __init__(self, n):
                    self.n = n
                @property
                def down(self):
                    global depth
                    depth = self.n
                    return P(self.n + 1).down
            class G:
                def __getitem__(self, n):
                    global depth
                    depth = n
                    return self[n + 1]
            class I:
                def __init__(self, n):
                    global depth
                    depth = n
                    I(n + 1)
            class A:
                def __getattr__(self, name):
                    global depth
                    depth += 1
                    return getattr(self, name + 'x')
            class Add:
                def __add__(self, other):
                    global depth
                    depth = other
                    return self + (other + 1)
            def nested_getitem(n):
                class N:
                    def __getitem__(self, k):
                        return k if k == 0 else self[k - 1]
                return N()[n]
            attempt('getitem 20000', nested_getitem, 20000)
            attempt('property', lambda: P(0).down)
            attempt('getitem', lambda: G()[0])
            attempt('__init__', I, 0)
            attempt('__getattr__', lambda: A().a)
            attempt('__add__', lambda: Add() + 0)
        """))


def have_pending_calls():
    try:
        import _testcapi
    except ImportError:
        return False
    return hasattr(_testcapi, "_pending_threadfunc")


# ---------------------------------------------------------------------------

@unittest.skipIf(JIT is None, "needs an interpreter built with --enable-jit")
class PollingTest(SemanticsTest):
    """Machine-code loops poll the eval breaker like the interpreter."""

    def test_signal_handler_interrupts_a_tight_loop(self):
        self.check("""
            import signal, itertools
            class Alarm(Exception):
                pass
            def handler(signum, frame):
                raise Alarm(signal.Signals(signum).name, frame.f_code.co_name,
                            frame.f_lineno - frame.f_code.co_firstlineno)
            signal.signal(signal.SIGALRM, handler)
            def spin_pass():
                for _ in range(3):
                    on = sys._jit.is_active()
                fact('spin_pass', on)
                while True:
                    pass
            def spin_count():
                n = 0
                for _ in range(3):
                    on = sys._jit.is_active()
                fact('spin_count', on)
                while True:
                    n += 1
            def spin_for():
                for _ in range(3):
                    on = sys._jit.is_active()
                fact('spin_for', on)
                for i in itertools.count():
                    x = i * 2
            def spin_nested():
                for _ in range(3):
                    on = sys._jit.is_active()
                fact('spin_nested', on)
                while True:
                    for j in range(10):
                        pass
            def report(name, e):
                # Where a nested loop is interrupted depends on timing.
                exact = name != 'nested'
                tb = e.__traceback__
                lines = []
                while tb is not None:
                    lines.append((tb.tb_frame.f_code.co_name,
                                  tb.tb_lineno - tb.tb_frame.f_code.co_firstlineno
                                  if exact else None))
                    tb = tb.tb_next
                print(name, e.args if exact else e.args[:2], lines)
            for name, f in [('pass', spin_pass), ('count', spin_count), ('for', spin_for),
                            ('nested', spin_nested)]:
                signal.setitimer(signal.ITIMER_REAL, 0.05)
                try:
                    f()
                except Alarm as e:
                    report(name, e)
            signal.alarm(1)
            try:
                spin_pass()
            except Alarm as e:
                report('alarm', e)
        """, facts={n: True for n in ("spin_pass", "spin_count", "spin_for", "spin_nested")})

    def test_keyboard_interrupt(self):
        off, on = self.check("""
            import _thread, os, signal, threading, time
            # A shell's background job starts with SIGINT ignored, and then
            # Python installs no KeyboardInterrupt handler: install it.
            signal.signal(signal.SIGINT, signal.default_int_handler)
            spinning = threading.Event()
            def spin(tag):
                for _ in range(3):
                    on = sys._jit.is_active()
                fact(tag, on)
                spinning.set()
                while True:
                    pass
            def interrupter(how):
                # Only once the main thread spins: on a loaded machine it
                # may not have reached its try block after a fixed delay.
                spinning.wait()
                time.sleep(0.05)
                if how == 'interrupt_main':
                    _thread.interrupt_main()
                else:
                    os.kill(os.getpid(), signal.SIGINT)
            for how in ('interrupt_main', 'kill'):
                spinning.clear()
                t = threading.Thread(target=interrupter, args=(how,))
                t.start()
                try:
                    spin(how)
                except KeyboardInterrupt as e:
                    tb = e.__traceback__
                    print(how, 'KeyboardInterrupt in', tb.tb_next.tb_frame.f_code.co_name,
                          tb.tb_next.tb_lineno)
                t.join()
            print('now uncaught', flush=True)
            spinning.clear()
            threading.Thread(target=interrupter, args=('kill',)).start()
            spin('uncaught')
        """, rc=-int(signal.SIGINT), facts={"interrupt_main": True, "kill": True,
                                             "uncaught": True})
        self.assertIn("KeyboardInterrupt", on.err)

    def test_threads_switch_in_busy_loops(self):
        self.check("""
            import threading
            sys.setswitchinterval(0.0005)
            N = 20000
            counts = [0, 0, 0]
            def busy(me):
                # Every thread spins until all three have made progress: if
                # machine code never dropped the GIL, this would hang.
                n = 0
                while min(counts) < N:
                    n += 1
                    counts[me] = n
                    if n == 1000:
                        for _ in range(3):
                            on = sys._jit.is_active()
                        fact('busy', on)
                return n
            threads = [threading.Thread(target=busy, args=(k,)) for k in (1, 2)]
            for t in threads:
                t.start()
            busy(0)
            for t in threads:
                t.join()
            print('all made progress', min(counts) >= N)
        """, facts={"busy": lambda v: len(v) == 3 and all(v)})

    def test_gc_callbacks_and_pending_calls(self):
        self.check("""
            import gc, threading, time, weakref
            phases = []
            def on_gc(phase, info):
                phases.append(phase)
            class Node:
                def __init__(self):
                    self.me = self
            fired = []
            refs = []
            def churn(n):
                for i in range(n):
                    o = Node()
                    refs.append(weakref.ref(o, fired.append))
                    if i == 100:
                        fact('churn', sys._jit.is_active())
                return n
            gc.collect()
            gc.callbacks.append(on_gc)
            churn(50000)
            gc.callbacks.remove(on_gc)
            print('automatic collections ran during the loop:',
                  'start' in phases and 'stop' in phases, len(fired) > 0)
            if HAVE_PENDING:
                import _testcapi
                main = threading.get_ident()
                ran = []
                def pending():
                    ran.append(threading.get_ident() == main)
                def pending_raise():
                    raise KeyError('from a pending call')
                def wait(k):
                    n = 0
                    for _ in range(3):
                        on = sys._jit.is_active()
                    fact('wait', on)
                    while len(ran) < k:
                        n += 1
                    return n >= 0
                spinning = [False]
                def spin_forever():
                    for _ in range(3):
                        on = sys._jit.is_active()
                    fact('spin_forever', on)
                    spinning[0] = True
                    while True:
                        pass
                def add(func, num):
                    _testcapi._pending_threadfunc(func, num, ensure_added=True)
                def add_when_spinning(func, num):
                    while not spinning[0]:
                        time.sleep(0.001)
                    add(func, num)
                t = threading.Thread(target=add, args=(pending, 5))
                t.start()
                print('pending calls ran in the main thread', wait(5), ran)
                t.join()
                t = threading.Thread(target=add_when_spinning, args=(pending_raise, 1))
                t.start()
                try:
                    spin_forever()
                except KeyError as e:
                    print('pending call raised', e, e.__traceback__.tb_next.tb_frame.f_code.co_name)
                t.join()
        """.replace("HAVE_PENDING", str(have_pending_calls())),
            facts={"churn": True, **({"wait": True, "spin_forever": True}
                                     if have_pending_calls() else {})})


# ---------------------------------------------------------------------------

@unittest.skipIf(JIT is None, "needs an interpreter built with --enable-jit")
class FramesTest(SemanticsTest):

    def test_getframe_f_locals_and_pep667_writes(self):
        self.check("""
            def peek(depth):
                return sorted(sys._getframe(depth).f_locals.items())
            def poke(name, value):
                sys._getframe(1).f_locals[name] = value
            def work(n):
                x = 0
                total = 0
                for i in range(n):
                    x += 1
                    if i == 5:
                        fact('work', sys._jit.is_active())
                        print('peek', peek(1))
                        print('peek module', [k for k, v in peek(2) if k == 'work'])
                        poke('x', 100)
                        print('x after poke', x)
                        poke('i', 1000)
                        print('i after poke', i)
                        poke('brand_new', 'extra')
                        print('extra key', sys._getframe().f_locals['brand_new'],
                              'brand_new' in locals())
                    total += x
                return total, x, i
            print(work(10))
            def same_frame():
                f = sys._getframe()
                f.f_locals['unbound'] = 5
                print('bound through the proxy', unbound)
                a = 1
                f.f_locals['a'] = 2
                b = a + 1
                try:
                    del f.f_locals['a']
                except Exception as e:
                    print('del', type(e).__name__, e)
                return b
            unbound = 'global'
            print(same_frame())
            def closure():
                cell = 1
                def inner():
                    return cell
                sys._getframe().f_locals['cell'] = 41
                return inner() + 1
            print(closure())
            def gen():
                x = 1
                while True:
                    x = (yield x) or x
            g = gen()
            next(g)
            g.gi_frame.f_locals['x'] = 42
            print('generator local', next(g), g.send(7), next(g))
            def caller_of_caller():
                secret = 'shh'
                return middle()
            def middle():
                return [k for k, v in peek(2) if k == 'secret']
            print(caller_of_caller())
        """, facts={"work": True})

    def test_f_lineno_jumps_from_a_trace_function(self):
        self.check("""
            log = []
            plan = {}
            def tracer(frame, event, arg):
                if frame.f_code.co_name != 'work':
                    return tracer
                rel = frame.f_lineno - frame.f_code.co_firstlineno
                log.append((event, rel))
                if event == 'line' and plan.get(rel):
                    target = plan.pop(rel)
                    try:
                        frame.f_lineno = frame.f_code.co_firstlineno + target
                        log.append(('jumped to', target))
                    except ValueError as e:
                        log.append(('refused', str(e)))
                return tracer
            def start(i):
                if i == 3:
                    fact('start_' + str(len(runs)), sys._jit.is_active())
                    sys._getframe(1).f_trace = tracer
                    sys.settrace(tracer)
            def work():
                out = []
                for i in range(5):
                    start(i)
                    out.append('a%d' % i)
                    out.append('b%d' % i)
                    out.append('c%d' % i)
                sys.settrace(None)
                out.append('end')
                return out
            runs = []
            for p in ({5: 7}, {7: 5}, {6: 9}, {5: 2}):
                plan.clear()
                plan.update(p)
                log.clear()
                print(p, work())
                sys.settrace(None)      # if a jump skipped it
                print('   ', log)
                runs.append(p)
        """, facts={"start_0": True})

    def test_frame_clear(self):
        self.check("""
            def gen():
                x = 'local'
                try:
                    for i in range(5):
                        yield i
                finally:
                    print('  gen finally')
            g = gen()
            print(next(g), next(g))
            f = g.gi_frame
            print('lasti before', f.f_lasti, f.f_lineno - g.gi_code.co_firstlineno)
            try:
                f.clear()
                print('cleared', g.gi_frame, g.gi_suspended, g.gi_running)
            except RuntimeError as e:
                print('RuntimeError', e)
            print(list(g))
            def running():
                try:
                    sys._getframe().clear()
                except RuntimeError as e:
                    return str(e)
            print(running())
            def fails():
                big = list(range(10))
                fact('fails', sys._jit.is_active())
                1 / 0
            try:
                fails()
            except ZeroDivisionError as e:
                fr = e.__traceback__.tb_next.tb_frame
                print(sorted(fr.f_locals))
                fr.clear()
                print(sorted(fr.f_locals), fr.f_lineno)
            def make_and_clear():
                def inner():
                    y = 2
                    return sys._getframe()
                fr = inner()
                before = dict(fr.f_locals)
                fr.clear()
                return before, dict(fr.f_locals)
            print(make_and_clear())
            def suspended_in_yield_from():
                yield from gen()
            h = suspended_in_yield_from()
            next(h)
            inner = h.gi_yieldfrom
            try:
                h.gi_frame.clear()
                print('outer cleared', h.gi_frame, inner.gi_frame is not None)
            except RuntimeError as e:
                print('RuntimeError', e)
            print(list(inner))
        """, facts={"fails": True})

    def test_warnings_stacklevel(self):
        self.check("""
            import os, warnings
            def lib(level):
                warnings.warn('careful %d' % level, UserWarning, stacklevel=level)
            def mid(level):
                lib(level)
            def top(level):
                for _ in range(3):
                    on = sys._jit.is_active()
                fact('top', on)
                mid(level)
            with warnings.catch_warnings(record=True) as ws:
                warnings.simplefilter('always')
                for level in (1, 2, 3, 4, 5):
                    top(level)
            for w in ws:
                print(w.message, os.path.basename(w.filename), w.lineno)
            # The default filter: once per location, printed to stderr.
            warnings.simplefilter('default')
            for i in range(4):
                top(2 + i % 2)
        """, facts={"top": True})

    def test_inspect_stack_and_currentframe(self):
        self.check("""
            import inspect, traceback
            def info():
                return [(fi.function, fi.lineno, fi.positions, fi.code_context, fi.index)
                        for fi in inspect.stack()[1:5]]
            def a(x):
                y = info() if x else None
                return y
            def b(x):
                for _ in range(3):
                    on = sys._jit.is_active()
                fact('b', on)
                return [a(x),
                        a(x)][1]
            def c():
                return b(1)
            for row in c():
                print(row)
            def here():
                f = inspect.currentframe()
                return (f.f_lineno - f.f_code.co_firstlineno, f.f_back.f_code.co_name,
                        f.f_back.f_lineno, inspect.getframeinfo(f.f_back)[1:4])
            def loop():
                out = []
                for i in range(3):
                    out.append(here())
                return out
            print(loop())
            def extract():
                return [(s.name, s.lineno, s.colno, s.end_colno, s.line)
                        for s in traceback.extract_stack()[-3:]]
            def deeper():
                return (extract(),
                        extract())
            print(deeper())
            print(inspect.getouterframes(inspect.currentframe())[0][1:4])
        """, facts={"b": True})


# ---------------------------------------------------------------------------

@unittest.skipIf(JIT is None, "needs an interpreter built with --enable-jit")
class InvalidationTest(SemanticsTest):
    """Things the interpreter's specializations depend on change under
    compiled and specialized code."""

    def test_classes_and_instances_change(self):
        self.check("""
            class Base:
                kind = 'base'
                def greet(self):
                    return 'base greet'
            class Sub(Base):
                pass
            class Other:
                kind = 'other'
                def greet(self):
                    return 'other greet'
            class Slotted:
                __slots__ = ('kind',)
                def greet(self):
                    return 'slotted greet'
            def use(o):
                return (o.kind, o.greet(), getattr(o, 'extra', None))
            def run(o, n, at, mutate, tag):
                out = []
                for i in range(n):
                    if i == at:
                        for _ in range(3):
                            on = sys._jit.is_active()
                        fact(tag, on)
                        try:
                            mutate(o)
                        except Exception as e:
                            out.append(('mutate failed', type(e).__name__))
                    try:
                        out.append(use(o))
                    except AttributeError as e:
                        out.append(('AttributeError', str(e)))
                return out[at - 1:at + 2]
            def replace_class_attr(o):
                Base.kind = 'replaced'
            def add_method_to_subclass(o):
                Sub.greet = lambda self: 'sub greet'
            def assign_class(o):
                o.__class__ = Other
            def replace_dict(o):
                o.__dict__ = {'kind': 'instance', 'extra': 'x'}
            def method_to_property(o):
                Base.greet = property(lambda self: lambda: 'property greet')
            def add_getattr(o):
                Base.__getattr__ = lambda self, name: 'dynamic ' + name
            def delete_class_attr(o):
                del Base.kind
            def instance_shadows_method(o):
                o.greet = lambda: 'instance greet'
            def add_data_descriptor(o):
                Base.kind = property(lambda self: 'descriptor kind')
            def slot_to_class(o):
                o.kind = 'slot value'
            mutations = [replace_class_attr, add_method_to_subclass, assign_class, replace_dict,
                         method_to_property, add_getattr, instance_shadows_method,
                         add_data_descriptor, delete_class_attr]
            saved = dict(Base.__dict__)
            for m in mutations:
                for k in list(Base.__dict__):
                    if k not in saved:
                        delattr(Base, k)
                for k, v in saved.items():
                    if k not in ('__dict__', '__weakref__', '__doc__', '__module__'):
                        setattr(Base, k, v)
                if 'greet' in Sub.__dict__:
                    del Sub.greet
                print(m.__name__, run(Sub(), 40, 30, m, m.__name__))
            s = Slotted()
            s.kind = 'slot'
            print(run(s, 40, 30, slot_to_class, 'slot_to_class'))
            # Calls through a type whose __init__ changes.
            class Made:
                def __init__(self, v):
                    self.v = v
            def make(n, at):
                out = []
                for i in range(n):
                    if i == at:
                        Made.__init__ = lambda self, v: setattr(self, 'v', -v)
                    out.append(Made(i).v)
                return out[at - 2:]
            print(make(40, 35))
        """, facts={"replace_class_attr": True, "assign_class": True,
                    "add_getattr": True, "slot_to_class": True})

    def test_globals_and_builtins_change(self):
        self.check("""
            import builtins
            G = 1
            def mutate(kind):
                if kind == 'rebind':
                    globals()['G'] = 10
                elif kind == 'delete':
                    del globals()['G']
                elif kind == 'resize':
                    for k in range(200):
                        globals()['filler%d' % k] = k
                    globals()['G'] = 20
                elif kind == 'len':
                    builtins.len = lambda x: 42
                elif kind == 'shadow_len':
                    globals()['len'] = lambda x: -1
                elif kind == 'unshadow_len':
                    del globals()['len']
            def read(n, at, kind):
                s = []
                for i in range(n):
                    if i == at:
                        for _ in range(3):
                            on = sys._jit.is_active()
                        fact(kind, on)
                        mutate(kind)
                    s.append((G, len('ab')))
                return s[at - 1:at + 1]
            real_len = builtins.len
            for kind in ('rebind', 'resize', 'len', 'shadow_len', 'unshadow_len'):
                print(kind, read(30, 20, kind))
            builtins.len = real_len
            try:
                read(30, 20, 'delete')
            except NameError as e:
                print('NameError', e, e.__traceback__.tb_next.tb_lineno)
            G = 'back'
            print(read(30, 20, 'none'))
            try:
                del builtins.len
                print(len('abc'))
            except NameError as e:
                print('no builtin len:', e)
            finally:
                builtins.len = real_len
            # exec'd code with its own globals and builtins
            ns = {'__builtins__': {'len': lambda x: 'custom', 'range': range}}
            exec('def f(n):\\n    return [len(i) for i in range(n)]', ns)
            print(ns['f'](3))
            ns['__builtins__']['len'] = lambda x: 'changed'
            print(ns['f'](3))
        """, facts={"rebind": True, "resize": True, "len": True, "shadow_len": True,
                    "delete": True})


# ---------------------------------------------------------------------------

@unittest.skipIf(JIT is None, "needs an interpreter built with --enable-jit")
class PEP523Test(SemanticsTest):
    """_testinternalcapi.set_eval_frame_record() installs a PEP 523 hook
    that records the name of every function whose frame it evaluates."""

    def setUp(self):
        try:
            import _testinternalcapi
        except ImportError:
            self.skipTest("needs _testinternalcapi")
        if not hasattr(_testinternalcapi, "set_eval_frame_record"):
            self.skipTest("needs _testinternalcapi.set_eval_frame_record")

    SETUP = """
        import _testinternalcapi
        rec = []
        def set_hook(i):
            if i == 3:
                fact('callee', sys._jit.is_active())
                _testinternalcapi.set_eval_frame_record(rec)
        def run(body):
            def loop(n, from_callee):
                s = 0
                for i in range(n):
                    if i == 3 and not from_callee:
                        fact('before_hook', sys._jit.is_active())
                        _testinternalcapi.set_eval_frame_record(rec)
                    if from_callee:
                        set_hook(i)
                    s += body(i)
                    rec.append('|')
                    if i == 5:
                        _testinternalcapi.set_eval_frame_default()
                return s
            for from_callee in (False, True):
                rec.clear()
                print(loop(8, from_callee))
                print(rec)
    """

    def test_eval_frame_hook_set_while_machine_code_runs(self):
        # Python calls and generators, made by machine code after the hook
        # was installed, go through it; after set_eval_frame_default() they
        # do not.
        self.check((self.SETUP, """
            def leaf(x):
                return x + 1
            def mid(x):
                return leaf(x) * 2
            def gen(n):
                for i in range(n):
                    yield i
            def kw(a, *, b):
                return a - b
            def body(i):
                return mid(i) + sum(gen(2)) + kw(i, b=1) + (lambda: 1)()
            run(body)
        """), facts={"before_hook": True, "callee": True})

    def test_eval_frame_hook_and_specialized_calls(self):
        # Calls the interpreter makes from instructions it specialized to
        # push a frame: __init__ (CALL_ALLOC_AND_ENTER_INIT, which in 3.13
        # does not look at the hook), property getters, __getitem__.
        self.check((self.SETUP, """
            class K:
                def __init__(self, v):
                    self.v = v
                @property
                def p(self):
                    return self.v
                def __getitem__(self, i):
                    return i
            def body(i):
                k = K(i)
                return k.p + k[i]
            run(body)
        """), facts={"before_hook": True, "callee": True})


# ---------------------------------------------------------------------------

@unittest.skipIf(JIT is None, "needs an interpreter built with --enable-jit")
class ForkTest(SemanticsTest):

    @unittest.skipUnless(hasattr(os, "fork"), "needs os.fork")
    def test_fork_child_compiles_and_runs_machine_code(self):
        self.check("""
            import os
            def work(n, tag=None):
                s = 0
                for i in range(n):
                    s += i
                if tag:
                    for _ in range(3):
                        on = sys._jit.is_active()
                    fact(tag, on)
                return s
            print('parent before', work(100, 'parent_before'))
            fact('parent_compiled', sys._jit.is_compiled(work))
            sys.stdout.flush()
            pid = os.fork()
            if pid == 0:
                try:
                    ns = {'sys': sys, 'fact': fact}
                    exec('def fresh(n):\\n'
                         '    t = 0\\n'
                         '    for i in range(n):\\n'
                         '        t += i * i\\n'
                         '        if i == n - 1:\\n'
                         '            fact("child_fresh", sys._jit.is_active())\\n'
                         '    return t\\n', ns)
                    fresh = ns['fresh']
                    print('child', fresh(1000), work(50, 'child_old_code'))
                    fact('child_fresh_compiled', sys._jit.is_compiled(fresh))
                    fact('child_stats', sys._jit.stats()['frame_entries_jit'])
                    def gen():
                        yield from range(3)
                    try:
                        1 / 0
                    except ZeroDivisionError as e:
                        print('child exception', e, list(gen()))
                    sys.stdout.flush()
                finally:
                    os._exit(7)
            _, status = os.waitpid(pid, 0)
            print('child exit', os.waitstatus_to_exitcode(status))
            print('parent after', work(200, 'parent_after'))
        """, facts={"parent_before": True, "parent_compiled": True, "child_fresh": True,
                    "child_old_code": True, "child_fresh_compiled": True,
                    "child_stats": positive, "parent_after": True})


# ---------------------------------------------------------------------------

@unittest.skipIf(JIT is None, "needs an interpreter built with --enable-jit")
class ThreadsTest(SemanticsTest):

    def test_threads_compile_and_call_concurrently(self):
        self.check("""
            import threading
            sys.setswitchinterval(0.0002)
            N = 4
            def shared(x):
                s = 0
                for i in range(x):
                    s += i * i
                return s
            # Never called before the threads start: their first calls,
            # hence their compilations, race.
            fresh = []
            for k in range(30):
                ns = {}
                exec('def f%d(a, b=%d):\\n'
                     '    out = []\\n'
                     '    for i in range(a):\\n'
                     '        out.append((i * b) %% 7)\\n'
                     '    return sum(out)\\n' % (k, k), ns)
                fresh.append(ns['f%d' % k])
            barrier = threading.Barrier(N)
            results = {}
            def worker(w):
                barrier.wait()
                out = []
                order = fresh if w % 2 else fresh[::-1]
                for j, f in enumerate(order):
                    out.append(f(j + w))
                    out.append(shared(j + w))
                    ns = {}
                    exec('def g(a):\\n    return a * %d + %d\\n' % (w, j), ns)
                    out.append(ns['g'](j))
                for _ in range(3):
                    on = sys._jit.is_active()
                fact('worker', on)
                results[w] = out
            threads = [threading.Thread(target=worker, args=(w,)) for w in range(N)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            for w in range(N):
                print(w, results[w])
            fact('all_compiled', all(sys._jit.is_compiled(f) for f in fresh))
        """, facts={"worker": lambda v: len(v) == 4 and all(v), "all_compiled": True})


# ---------------------------------------------------------------------------

@unittest.skipIf(JIT is None, "needs an interpreter built with --enable-jit")
class SubinterpreterTest(SemanticsTest):
    """The JIT runs in the main interpreter only (by design); code in
    subinterpreters must still work, with the interpreter's results."""

    def test_code_runs_in_a_subinterpreter(self):
        off, on = self.check("""
            try:
                from test.support import interpreters
            except ImportError:
                interpreters = None
            import _interpreters, textwrap
            SUB = textwrap.dedent('''
            import os, sys
            def fact(name, value):
                fd = os.open(os.environ["JIT_SEM_FACTS"], os.O_WRONLY | os.O_APPEND)
                os.write(fd, ("%s\\\\t%r\\\\n" % (KIND + name, value)).encode())
                os.close(fd)
            def fib(n):
                return n if n < 2 else fib(n - 1) + fib(n - 2)
            def gen(n):
                for i in range(n):
                    yield i * i
            def loop(n):
                s = 0
                for i in range(n):
                    s += i
                    if i == n - 1:
                        active = sys._jit.is_active() if hasattr(sys, '_jit') else None
                return s, active
            s, active = loop(1000)
            try:
                {}['k']
            except KeyError as e:
                err = repr(e)
            print(KIND, fib(18), list(gen(5)), s, err, flush=True)
            jit = getattr(sys, '_jit', None)
            fact('has_jit', jit is not None)
            fact('is_enabled', jit.is_enabled() if jit else None)
            fact('is_active', active)
            fact('is_compiled', jit.is_compiled(loop) if jit else None)
            ''')
            sys.stdout.flush()
            if interpreters is not None:
                interp = interpreters.create()
                interp.exec('KIND = "sub_isolated_"\\n' + SUB)
                interp.close()
            else:
                i = _interpreters.create()
                _interpreters.exec(i, 'KIND = "sub_isolated_"\\n' + SUB)
                _interpreters.destroy(i)
            legacy = _interpreters.create(_interpreters.new_config('legacy'))
            _interpreters.exec(legacy, 'KIND = "sub_legacy_"\\n' + SUB)
            _interpreters.destroy(legacy)
            def loop(n):
                s = 0
                for i in range(n):
                    s += i
                    if i == n - 1:
                        fact('main_after', sys._jit.is_active())
                return s
            print('main', loop(1000))
        """, facts={"main_after": True,
                    # The JIT is off in subinterpreters (Doc/design.md).
                    "sub_isolated_is_enabled": lambda v: v == [False],
                    "sub_legacy_is_enabled": lambda v: v == [False],
                    "sub_isolated_is_active": lambda v: v == [False],
                    "sub_legacy_is_active": lambda v: v == [False]})
        # Reported, not required: what the subinterpreters say about the JIT.
        if os.environ.get("JIT_SEM_SHOW"):
            print("\n  subinterpreter JIT facts:",
                  {k: v for k, v in on.facts.items() if k.startswith("sub_")}, file=sys.stderr)


if __name__ == "__main__":
    unittest.main()
