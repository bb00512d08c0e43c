"""Odd bytecode is refused or compiled, never a crash.

The compiler never panics on any code object; its verifier refuses what it
cannot prove (stack depths, jump targets, indexes, cache layout).  The code
objects here are made with CodeType.replace(): hand-made bad bytecode, odd
exception tables and sizes, and seeded random mutations of real bytecode.
Each is only compiled (sys._jit.compile), never run: the interpreter itself
may crash on it.  Everything runs in child processes, so that a crash fails
one test instead of the whole run.

Run with the JIT-enabled interpreter: build/python -m unittest discover tests
"""

import json
import os
import subprocess
import sys
import textwrap
import unittest

JIT = getattr(sys, "_jit", None)

# What sys._jit.compile() may answer for a code object it does not compile
# (Doc/design.md, "Refusals").  "panic" is a bug in jit-core that the C
# boundary caught: never acceptable.
REFUSALS = {"bad_bytecode", "instrumented", "stack_depth", "bad_jump",
            "unsupported_jump", "exception_table", "too_large",
            "no_memory", "memory_cap"}


def run(code, *args, env=None):
    """Run `code` in a child interpreter; return (returncode, stdout, stderr)."""
    full_env = dict(os.environ)
    for name in list(full_env):
        if name.startswith("PYTHON_JIT"):
            del full_env[name]
    full_env.update(env or {})
    p = subprocess.run([sys.executable, *args, "-c", code],
                       capture_output=True, text=True, env=full_env,
                       timeout=300)
    return p.returncode, p.stdout, p.stderr


# Shared by the child processes: opcode tables, building code objects that
# CPython itself accepts, compiling them.
PRELUDE = r'''
import dis, json, opcode, random, sys, types

J = sys._jit
OP = dis._all_opmap                  # base, specialized and instrumented
NOP, EXT, RESUME = OP["NOP"], OP["EXTENDED_ARG"], OP["RESUME"]
CodeType = types.CodeType

# Inline cache entries per opcode, as _PyCode_Quicken() sees them.
CACHES = [0] * 256
for _name, _n in opcode._inline_cache_entries.items():
    CACHES[OP[_name]] = _n
for _base, _specs in opcode._specializations.items():
    for _s in _specs:
        CACHES[OP[_s]] = CACHES[OP[_base]]
for _name, _v in OP.items():
    if _name.startswith("INSTRUMENTED_") and _name[13:] in OP and _v < 256:
        CACHES[_v] = CACHES[OP[_name[13:]]]

# CPython cannot even build a code object holding these: _PyCode_Quicken()
# reads co->_co_monitoring, which is NULL in a new code object.
NO_CONSTRUCT = {OP["INSTRUMENTED_LINE"], OP["INSTRUMENTED_INSTRUCTION"]}


def u(name, arg=0):
    """One code unit."""
    return bytes([OP[name] if isinstance(name, str) else name, arg])


def quicken_overflows(code):
    """Would _PyCode_Quicken() write a cache entry past the end of `code`?

    It writes the first cache entry of every instruction that has caches,
    present or not.  The allocation is rounded up to 8 bytes, so that write
    lands in the object only if the code does not end on that boundary.
    """
    n = len(code) // 2
    i = 0
    while i < n:
        caches = CACHES[code[2 * i]]
        if caches and i + 1 >= n:
            return (CodeType.__basicsize__ + len(code)) % 8 == 0
        i += 1 + caches
    return False


def cpython_safe(code, pad_front=False):
    """`code`, changed as little as possible so that building the code
    object cannot corrupt CPython's own memory (the JIT is not on trial
    there)."""
    b = bytearray(code)
    for i in range(0, len(b), 2):
        if b[i] in NO_CONSTRUCT:
            b[i] = NOP
    if quicken_overflows(b):
        b = bytearray(u("NOP")) + b if pad_front else b + u("NOP")
    return bytes(b)


def make(co, code, **kw):
    """A code object like `co` with bytecode `code` (hand-made: the code
    must already be safe for CPython, see cpython_safe())."""
    assert cpython_safe(code) == code, f"not safe for CPython: {code.hex()}"
    return co.replace(co_code=code, **kw)


def walk(co):
    """`co` and the code objects nested in its constants."""
    yield co
    for c in co.co_consts:
        if isinstance(c, CodeType):
            yield from walk(c)


def compile_only(co):
    r = J.compile(co)
    assert r is None or isinstance(r, str), repr(r)
    return r


def report(obj):
    print(json.dumps(obj))
'''


def run_child(testcase, body, env=None, setup=""):
    """Run PRELUDE + setup + body; check that the child exited cleanly and
    return the JSON object it printed last."""
    code = PRELUDE + f"REFUSALS = {sorted(REFUSALS)!r}\n" + setup + textwrap.dedent(body)
    rc, out, err = run(code, env=env)
    testcase.assertEqual(rc, 0, f"child crashed or failed (rc={rc}):\n{err[-3000:]}")
    testcase.assertNotIn("panic", err.lower(), err[-3000:])
    lines = out.strip().splitlines()
    testcase.assertTrue(lines, f"child printed nothing:\n{err[-3000:]}")
    return json.loads(lines[-1])


# Hand-made cases, built in the child: cases[name] = (base code object,
# bytecode, replace() keywords, acceptable refusals or ANY).  The base is F,
#     def f(a, b): return a + b
# with co_consts (None, 1) and co_stacksize 4, or G (a try/except) for the
# exception tables.
HAND_MADE = r'''
def f(a, b):
    return a + b

def g(x):
    try:
        return 1 / x
    except ZeroDivisionError:
        return -1

F = f.__code__.replace(co_consts=(None, 1), co_stacksize=4)
G = g.__code__
R = u("RESUME")
C = b"\0\0"                      # one inline cache entry
RET = u("RETURN_VALUE")
RC0 = u("RETURN_CONST", 0)
LF0 = u("LOAD_FAST", 0)
ADD = u("BINARY_OP", 0) + C


def ext(*args):
    return b"".join(u("EXTENDED_ARG", a) for a in args)


def entry(start, size, target, depth, lasti=False):
    """One exception table row (Objects/exception_handling_notes.txt)."""
    out = bytearray()
    for k, val in enumerate((start, size, target, (depth << 1) | lasti)):
        chunks = [val & 63]
        val >>= 6
        while val:
            chunks.append(val & 63)
            val >>= 6
        chunks.reverse()
        for j, ch in enumerate(chunks):
            b = ch | (64 if j < len(chunks) - 1 else 0)
            if k == 0 and j == 0:
                b |= 128
            out.append(b)
    return bytes(out)


cases = {}


def case(name, code, expect, co=None, **kw):
    # A NOP in front if CPython would otherwise write past the end.
    cases[name] = (co or F, cpython_safe(code, pad_front=True), kw, expect)


BAD = ["bad_bytecode"]
STACK = ["stack_depth"]
JUMP = ["bad_jump"]
TABLE = ["exception_table"]
ANY = None

# -- empty, truncated, malformed instructions
case("empty code", b"", ANY)
case("BINARY_OP without its cache", R + LF0 + u("LOAD_FAST", 1) + u("BINARY_OP", 0), BAD)
case("LOAD_GLOBAL with 2 of 4 caches", R + u("NOP") + u("LOAD_GLOBAL", 0) + C * 2, BAD)
case("LOAD_ATTR with 8 of 9 caches", R + LF0 + u("LOAD_ATTR", 0) + C * 8, BAD)
case("CALL with 1 of 3 caches", R + u("PUSH_NULL") + LF0 + u("CALL", 0) + C, BAD)
case("EXTENDED_ARG at the end", R + LF0 + RET + ext(0), BAD)
case("EXTENDED_ARG only", ext(0), BAD)
case("four EXTENDED_ARGs then the end", R + ext(1, 2, 3, 4), BAD)
for opc in [119, 130, 148, 223, 235, 255]:
    case(f"unknown opcode {opc}", R + u(opc) + RC0, BAD)
case("CACHE as an instruction", R + u("CACHE") + RC0, ANY)
case("RESERVED", R + u("RESERVED") + RC0, ANY)
case("ENTER_EXECUTOR", R + u("ENTER_EXECUTOR", 0) + RC0, ANY)
case("ENTER_EXECUTOR 5", R + LF0 + u("ENTER_EXECUTOR", 5) + RET, ANY)
for name, v in sorted(OP.items(), key=lambda kv: kv[1]):
    if name.startswith("INSTRUMENTED_") and v < 256 and v not in NO_CONSTRUCT:
        case(name, R + LF0 + LF0 + LF0 + u(v, 0) + C * CACHES[v] + RC0, ["instrumented"])
case("INSTRUMENTED_RESUME first", u("INSTRUMENTED_RESUME") + RC0, ["instrumented"])
# Lib/test/crashers/bogus_code_obj.py: BINARY_SLICE on an empty stack.
case("bogus_code_obj crasher", b"\x04\x00\x71\x00", STACK, co_stacksize=0, co_names=("x",))

# -- jumps
case("JUMP_FORWARD past the end", R + u("JUMP_FORWARD", 50) + RC0, JUMP)
case("JUMP_FORWARD to the end", R + u("JUMP_FORWARD", 1) + RC0, JUMP)
case("JUMP_FORWARD into a cache", R + u("JUMP_FORWARD", 3) + LF0 + LF0 + ADD + RET, JUMP)
case("JUMP_FORWARD into LOAD_ATTR's caches",
     R + u("JUMP_FORWARD", 4) + LF0 + u("LOAD_ATTR", 0) + C * 9 + RET, JUMP)
case("JUMP_BACKWARD before the start", R + u("JUMP_BACKWARD", 9) + C + RC0, JUMP)
case("JUMP_BACKWARD into its own cache", R + u("JUMP_BACKWARD", 1) + C + RC0, JUMP)
case("JUMP_BACKWARD_NO_INTERRUPT before the start",
     R + u("JUMP_BACKWARD_NO_INTERRUPT", 7) + RC0, JUMP)
case("POP_JUMP_IF_TRUE past the end", R + LF0 + u("POP_JUMP_IF_TRUE", 40) + C + RC0, JUMP)
case("POP_JUMP_IF_NONE into a cache",
     R + LF0 + u("POP_JUMP_IF_NONE", 3) + C + LF0 + LF0 + ADD + RET + RC0, JUMP)
case("FOR_ITER exit past the end",
     R + LF0 + u("GET_ITER") + u("FOR_ITER", 9) + C + u("POP_TOP") + RC0, JUMP)
case("SEND past the end", R + LF0 + LF0 + u("SEND", 30) + C + RET, JUMP)
case("jump into an EXTENDED_ARG chain",
     R + u("JUMP_FORWARD", 1) + ext(0) + LF0 + RET, JUMP)
case("EXTENDED_ARG makes JUMP_FORWARD huge",
     R + ext(255, 255, 255) + u("JUMP_FORWARD", 255) + RC0, JUMP)
case("EXTENDED_ARG makes JUMP_BACKWARD huge",
     R + ext(0, 0, 1) + u("JUMP_BACKWARD", 0) + C + RC0, JUMP)
case("falls off the end", R + u("NOP"), JUMP)
case("falls off the end after a branch", R + LF0 + u("POP_JUMP_IF_TRUE", 0) + C, JUMP)

# -- indexes
case("LOAD_CONST out of range", R + u("LOAD_CONST", 2) + RET, BAD)
case("LOAD_CONST 2**16", R + ext(1, 0) + u("LOAD_CONST", 0) + RET, BAD)
case("RETURN_CONST out of range", R + u("RETURN_CONST", 7), BAD)
case("LOAD_CONST with no constants", R + u("LOAD_CONST", 0) + RET, BAD, co_consts=())
case("LOAD_FAST out of range", R + u("LOAD_FAST", 2) + RET, BAD)
case("LOAD_FAST 2**28", R + ext(0x10, 0, 0) + u("LOAD_FAST", 0) + RET, BAD)
case("LOAD_FAST 2**32-1", R + ext(255, 255, 255) + u("LOAD_FAST", 255) + RET, BAD)
case("LOAD_FAST with no locals", R + LF0 + RET, BAD,
     co_varnames=(), co_nlocals=0, co_argcount=0)
case("LOAD_FAST_CHECK out of range", R + u("LOAD_FAST_CHECK", 9) + RET, BAD)
case("LOAD_FAST_AND_CLEAR out of range", R + u("LOAD_FAST_AND_CLEAR", 9) + RET, BAD)
case("LOAD_FAST_LOAD_FAST out of range (first)",
     R + u("LOAD_FAST_LOAD_FAST", 0x50) + ADD + RET, BAD)
case("LOAD_FAST_LOAD_FAST out of range (second)",
     R + u("LOAD_FAST_LOAD_FAST", 0x05) + ADD + RET, BAD)
case("STORE_FAST out of range", R + LF0 + u("STORE_FAST", 5) + RC0, BAD)
case("STORE_FAST_LOAD_FAST out of range",
     R + LF0 + u("STORE_FAST_LOAD_FAST", 0x07) + RET, BAD)
case("STORE_FAST_STORE_FAST out of range",
     R + LF0 + LF0 + u("STORE_FAST_STORE_FAST", 0x70) + RC0, BAD)
case("DELETE_FAST out of range", R + u("DELETE_FAST", 3) + RC0, BAD)
case("LOAD_DEREF out of range", R + u("LOAD_DEREF", 9) + RET, BAD)
case("STORE_DEREF out of range", R + LF0 + u("STORE_DEREF", 9) + RC0, BAD)
case("MAKE_CELL out of range", u("MAKE_CELL", 9) + R + RC0, BAD)
case("COPY_FREE_VARS more than the locals", u("COPY_FREE_VARS", 9) + R + RC0, BAD)

# -- the value stack
case("POP_TOP on an empty stack", R + u("POP_TOP") + RC0, STACK)
case("RETURN_VALUE on an empty stack", R + RET, STACK)
case("BINARY_OP with one operand", R + LF0 + ADD + RET, STACK)
case("BUILD_TUPLE 3 with one item", R + LF0 + u("BUILD_TUPLE", 3) + RET, STACK)
case("BUILD_TUPLE 2**24", R + LF0 + ext(1, 0, 0) + u("BUILD_TUPLE", 0) + RET, STACK)
case("RERAISE on an empty stack", R + u("RERAISE", 0), STACK)
case("RAISE_VARARGS 2 with one item", R + LF0 + u("RAISE_VARARGS", 2), STACK)
case("CALL 5 with three items", R + LF0 + LF0 + LF0 + u("CALL", 5) + C * 3 + RET, STACK)
case("push past co_stacksize", R + LF0 * 5 + RET, STACK)
case("UNPACK_SEQUENCE past co_stacksize", R + LF0 + u("UNPACK_SEQUENCE", 9) + C + RET, STACK)
case("co_stacksize 1 for a + b", R + LF0 + u("LOAD_FAST", 1) + ADD + RET, STACK,
     co_stacksize=1)
case("depths disagree at a join",
     R + LF0 + LF0 + u("POP_JUMP_IF_TRUE", 1) + C + LF0 + RET, STACK)
case("depths disagree around a loop",
     R + LF0 + u("JUMP_BACKWARD", 3) + C + RC0, STACK)
case("COPY 0", R + u("COPY", 0) + RET, ANY)
case("COPY 3 with two items", R + LF0 + LF0 + u("COPY", 3) + RET, STACK)
case("SWAP 0", R + LF0 + u("SWAP", 0) + RET, ANY)
case("SWAP 1", R + LF0 + u("SWAP", 1) + RET, ANY)
case("SWAP 3 with two items", R + LF0 + LF0 + u("SWAP", 3) + u("POP_TOP") + RET, STACK)
# 2**29 values on the stack: co_stacksize allows it, but no stack slot
# offset fits in 32 bits any more.
case("stack 2**29 deep",
     R + LF0 + ext(0x20, 0, 0) + u("UNPACK_SEQUENCE", 0) + C + RET, ANY,
     co_stacksize=2**30)
case("stack 2**31-3 deep",
     R + LF0 + ext(0x7f, 0xff, 0xff) + u("UNPACK_SEQUENCE", 0xfd) + C + RET, ANY,
     co_stacksize=2**31 - 1)

# -- exception tables (on g: a try/except)
T = G.co_exceptiontable
NG = len(G.co_code) // 2
case("table: garbage", G.co_code, TABLE, co=G, co_exceptiontable=b"\x01\x02")
case("table: truncated", G.co_code, TABLE, co=G, co_exceptiontable=T[:-1])
case("table: no start bit", G.co_code, TABLE, co=G,
     co_exceptiontable=bytes([T[0] & 0x7f]) + T[1:])
# start = 2**36, which is 0 once wrapped to 32 bits: a valid row if wrapped.
case("table: varint over 32 bits", G.co_code, TABLE, co=G,
     co_exceptiontable=b"\xc1" + b"\x40" * 5 + b"\x00" + b"\x04\x07\x00")
case("table: range past the end", G.co_code, TABLE, co=G,
     co_exceptiontable=entry(0, NG + 5, 2, 0))
case("table: target past the end", G.co_code, TABLE + JUMP, co=G,
     co_exceptiontable=entry(0, 4, NG + 3, 0))
case("table: target far away", G.co_code, TABLE + JUMP, co=G,
     co_exceptiontable=entry(0, 4, 2**30, 0))
case("table: target in a cache", G.co_code, TABLE + JUMP, co=G,
     co_exceptiontable=entry(0, 4, 5, 0))
# Unit 7 is the handler (PUSH_EXC_INFO), entered with depth 0 + 1.
case("table: depth past co_stacksize", G.co_code, TABLE + STACK, co=G,
     co_exceptiontable=entry(2, 3, 7, 40))
case("table: depth 2**20", G.co_code, TABLE + STACK, co=G,
     co_exceptiontable=entry(2, 3, 7, 2**20))
case("table: handler depth disagrees", G.co_code, TABLE + STACK, co=G,
     co_exceptiontable=T + entry(1, 1, 7, 2))
'''


@unittest.skipIf(JIT is None, "needs an interpreter built with --enable-jit")
class BadCodeTest(unittest.TestCase):

    def test_hand_made_invalid_code_is_refused(self):
        result = run_child(self, r'''
            results = {}
            for name, (co, code, kw, expect) in cases.items():
                results[name] = [compile_only(make(co, code, **kw)), expect]
            # The unmodified code objects compile.
            results["f itself"] = [compile_only(F.replace()), "compiled"]
            results["g itself"] = [compile_only(G.replace()), "compiled"]
            report(results)
        ''', setup=HAND_MADE)
        self.assertGreater(len(result), 80)
        for name, (got, expect) in result.items():
            with self.subTest(name):
                if expect == "compiled":
                    self.assertIsNone(got)
                    continue
                self.assertIsInstance(got, str, "compiled, not refused")
                self.assertIn(got, REFUSALS)
                if expect is not None:
                    self.assertIn(got, expect)

    def test_odd_length_bytecode_never_reaches_the_jit(self):
        # CPython refuses it when the code object is made.
        result = run_child(self, r'''
            def f(): pass
            out = {}
            for code in [b"\x95", f.__code__.co_code + b"\x00", b"\x95\x00\x24"]:
                try:
                    f.__code__.replace(co_code=code)
                    out[code.hex()] = "made"
                except ValueError:
                    out[code.hex()] = "ValueError"
            report(out)
        ''')
        self.assertEqual(set(result.values()), {"ValueError"})

    def test_other_out_of_range_indexes_are_refused(self):
        # Indexes into co_names and into the interpreter's operator tables,
        # which helpers read unchecked (as the interpreter does).
        result = run_child(self, r'''
            cases.clear()
            case("LOAD_GLOBAL out of co_names", R + u("LOAD_GLOBAL", 20) + C * 4 + RET, ANY)
            case("LOAD_NAME out of co_names", R + u("LOAD_NAME", 9) + RET, ANY)
            case("STORE_NAME out of co_names", R + LF0 + u("STORE_NAME", 9) + RC0, ANY)
            case("LOAD_ATTR out of co_names", R + LF0 + u("LOAD_ATTR", 20) + C * 9 + RET, ANY)
            case("IMPORT_NAME out of co_names",
                 R + LF0 + LF0 + u("IMPORT_NAME", 9) + RET, ANY)
            case("BINARY_OP 99", R + LF0 + LF0 + u("BINARY_OP", 99) + C + RET, ANY)
            case("CALL_INTRINSIC_1 99", R + LF0 + u("CALL_INTRINSIC_1", 99) + RET, ANY)
            case("CALL_INTRINSIC_2 99", R + LF0 + LF0 + u("CALL_INTRINSIC_2", 99) + RET, ANY)
            case("COMPARE_OP 255", R + LF0 + LF0 + u("COMPARE_OP", 255) + C + RET, ANY)
            case("CONVERT_VALUE 9", R + LF0 + u("CONVERT_VALUE", 9) + RET, ANY)
            report({name: compile_only(make(co, code, **kw))
                    for name, (co, code, kw, expect) in cases.items()})
        ''', setup=HAND_MADE)
        self.assertEqual(len(result), 10)
        for name, got in result.items():
            with self.subTest(name):
                self.assertIsInstance(got, str, "compiled, not refused")
                self.assertIn(got, REFUSALS)

    def test_truncations_of_real_code(self):
        # Every prefix of real bytecode: a cut inside an instruction (after
        # EXTENDED_ARG, before the last inline cache) is refused.
        result = run_child(self, r'''
            import json.decoder, textwrap
            cos = [json.decoder.JSONObject.__code__, textwrap.TextWrapper._wrap_chunks.__code__]
            out = {"mid": [], "boundary": [], "n": 0}
            for co in cos:
                code = co.co_code
                starts = set()       # code units where an instruction starts
                i, n = 0, len(code) // 2
                while i < n:
                    starts.add(i)
                    while code[2 * i] == EXT:
                        i += 1
                    i += 1 + CACHES[code[2 * i]]
                for cut in range(1, n):
                    c = code[:2 * cut]
                    if quicken_overflows(c):
                        continue
                    r = compile_only(co.replace(co_code=c))
                    out["mid" if cut not in starts else "boundary"].append(r)
                    out["n"] += 1
            report(out)
        ''')
        self.assertGreater(result["n"], 200)
        self.assertGreater(len(result["mid"]), 50)
        for r in result["mid"]:
            self.assertEqual(r, "bad_bytecode")
        for r in result["boundary"]:
            self.assertTrue(r is None or r in REFUSALS, r)

    def test_random_mutations(self):
        result = run_child(self, r'''
            import collections
            import json.decoder, json.encoder, textwrap, heapq, fnmatch, string, bisect, contextlib

            def loop(n):
                total = 0
                for i in range(n):
                    if i % 3 == 0:
                        continue
                    total += i * 2
                while total > 100:
                    total //= 2
                return total

            def tryexc(x):
                try:
                    return 1 / x
                except ZeroDivisionError as e:
                    return str(e)
                finally:
                    x = None

            def gen(n):
                for i in range(n):
                    got = yield i
                    if got:
                        yield from range(got)

            def closure(a):
                b = [a]
                def inner(c):
                    nonlocal a
                    a += c
                    return a + b[0]
                return inner

            def matcher(p):
                match p:
                    case {"x": x, **rest}:
                        return x, rest
                    case [1, 2, *others] if others:
                        return others
                    case str() | bytes():
                        return "s"
                    case _:
                        return None

            def calls(*args, **kw):
                d = dict(*args, **kw)
                s = f"{d!r:>10} {len(args)}"
                with contextlib.nullcontext(d) as same:
                    s += str(same is d)
                return s, [k for k in sorted(d) if k], {k: v for k, v in d.items()}

            def uses(f, g, c, m, k):
                return [f(50), f(7), g(0), g(4), list(gen(3)), c(1)(2), c(5)(5),
                        m({"x": 1, "y": 2}), m([1, 2, 3]), m("x"), m(4),
                        k({"a": 1}, b=2)]

            # Results in the interpreter (nothing is compiled yet).
            expected = repr(uses(loop, tryexc, closure, matcher, calls))
            local = [loop, tryexc, gen, closure, closure(1), matcher, calls, uses]

            originals = [f.__code__ for f in local]
            for m in [json.decoder, json.encoder, textwrap, heapq, fnmatch, string, bisect,
                      contextlib]:
                with open(m.__file__, encoding="utf-8") as fh:
                    originals.extend(walk(compile(fh.read(), m.__file__, "exec")))
            originals = [co for co in originals if len(co.co_code) <= 1200]
            sources = [(co, co.co_code) for co in originals]   # co_code once, before any JIT state

            OPCODES = [v for v in OP.values() if v < 256 and v not in NO_CONSTRUCT]
            VARARGS = 0x04 | 0x08
            rng = random.Random(20240613)
            hist = collections.Counter()
            bad = []

            def varint_row(rng, n):
                row = bytearray()
                for k in range(4):
                    v = rng.choice([rng.randrange(n + 3), rng.randrange(2**32), rng.randrange(64)])
                    chunks = [v & 63]
                    v >>= 6
                    while v:
                        chunks.append(v & 63)
                        v >>= 6
                    chunks.reverse()
                    for j, ch in enumerate(chunks):
                        more = 64 if j < len(chunks) - 1 else 0
                        row.append(ch | more | (128 if k == j == 0 else 0))
                return bytes(row)

            def mutate(rng, co, raw):
                code = bytearray(raw)
                table = bytearray(co.co_exceptiontable)
                kw = {}
                for _ in range(rng.randint(1, 3)):
                    n = len(code) // 2
                    i = rng.randrange(max(n, 1))
                    k = rng.randrange(13)
                    if n == 0:
                        code += u("NOP")
                    elif k == 0:                                  # bit flip
                        code[rng.randrange(len(code))] ^= 1 << rng.randrange(8)
                    elif k == 1:                                  # another opcode
                        code[2 * i] = rng.choice(OPCODES)
                    elif k == 2:                                  # any byte as opcode
                        code[2 * i] = rng.randrange(256)
                    elif k == 3:                                  # another oparg
                        arg = code[2 * i + 1]
                        code[2 * i + 1] = rng.choice([rng.randrange(256), (arg + 1) % 256,
                                                      (arg - 1) % 256])
                    elif k == 4:                                  # swap two units
                        j = rng.randrange(n)
                        code[2*i:2*i+2], code[2*j:2*j+2] = code[2*j:2*j+2], code[2*i:2*i+2]
                    elif k == 5:                                  # EXTENDED_ARG prefix
                        code[2*i:2*i] = u("EXTENDED_ARG", rng.choice([0, 1, rng.randrange(256)]))
                    elif k == 6 and n > 1:                        # drop a unit
                        del code[2*i:2*i+2]
                    elif k == 7 and n > 1:                        # truncate
                        del code[2 * rng.randrange(1, n):]
                    elif k == 8:                                  # exception table
                        how = rng.randrange(4)
                        if how == 0 and table:
                            table[rng.randrange(len(table))] ^= 1 << rng.randrange(8)
                        elif how == 1 and table:
                            del table[rng.randrange(len(table)):]
                        elif how == 2:
                            table = bytearray(rng.randbytes(rng.randrange(12)))
                        else:
                            table += varint_row(rng, n)
                    elif k == 9:                                  # co_stacksize
                        kw["co_stacksize"] = rng.choice([0, 1, max(co.co_stacksize - 1, 0),
                                                         co.co_stacksize + 1, 2**31 - 1, 2**28,
                                                         rng.randrange(64)])
                    elif k == 10 and co.co_consts:                # fewer constants
                        kw["co_consts"] = co.co_consts[:rng.randrange(len(co.co_consts))]
                    elif k == 11 and co.co_varnames:              # fewer locals
                        names = co.co_varnames[:rng.randrange(len(co.co_varnames))]
                        kw.update(co_varnames=names, co_nlocals=len(names), co_argcount=0,
                                  co_posonlyargcount=0, co_kwonlyargcount=0,
                                  co_flags=co.co_flags & ~VARARGS)
                    else:                                         # a jump, anywhere
                        code[2*i:2*i+2] = u(rng.choice(["JUMP_FORWARD", "JUMP_BACKWARD",
                                                        "POP_JUMP_IF_TRUE", "FOR_ITER", "SEND"]),
                                            rng.randrange(256))
                return cpython_safe(bytes(code)), bytes(table), kw

            N = 20000
            made = 0
            for k in range(N):
                co, raw = sources[k % len(sources)]
                code, table, kw = mutate(rng, co, raw)
                try:
                    new = co.replace(co_code=code, co_exceptiontable=table, **kw)
                except (ValueError, OverflowError):
                    hist["not a code object"] += 1
                    continue
                made += 1
                r = J.compile(new)
                hist["compiled" if r is None else r] += 1
                if not (r is None or (isinstance(r, str) and r in REFUSALS)):
                    bad.append({"result": repr(r), "code": code.hex(), "table": table.hex(),
                                "kw": {k: repr(v) for k, v in kw.items()}, "name": co.co_qualname})
                del new

            # Well-formed code still compiles.
            not_compiled = {}
            for co, raw in sources:
                r = J.compile(co.replace())
                if r is not None:
                    not_compiled[co.co_qualname] = r
            # The original functions compile and give the interpreter's results.
            for f in local:
                r = J.compile(f)
                if r is not None:
                    not_compiled[f.__qualname__] = r
            got = repr(uses(loop, tryexc, closure, matcher, calls))
            compiled_now = all(J.is_compiled(f) for f in local)
            stats = J.stats()
            report({"hist": dict(hist), "bad": bad[:5], "nbad": len(bad), "made": made,
                    "not_compiled": not_compiled, "expected": expected, "got": got,
                    "compiled_now": compiled_now,
                    "refused_panic": stats.get("refused_panic", 0),
                    "refused_other": stats.get("refused_other", 0)})
        ''', env={"PYTHON_JIT_THRESHOLD": "1000000"})
        if "-v" in sys.argv or "--verbose" in sys.argv:
            print("\nrefusals of mutated code objects:",
                  json.dumps(result["hist"], sort_keys=True), file=sys.stderr)
        self.assertEqual(result["nbad"], 0, result["bad"])
        self.assertEqual(result["refused_panic"], 0)
        self.assertEqual(result["refused_other"], 0)
        self.assertGreater(result["made"], 16000)
        hist = result["hist"]
        # Both paths are exercised: the compiler, and the verifier's refusals.
        self.assertGreater(hist.get("compiled", 0), 1000, hist)
        self.assertGreater(sum(v for k, v in hist.items() if k in REFUSALS), 6000, hist)
        self.assertEqual(result["not_compiled"], {})
        self.assertTrue(result["compiled_now"])
        self.assertEqual(result["got"], result["expected"])

    def test_valid_code_the_jit_refuses_still_runs(self):
        # Bytecode the interpreter runs but the verifier may refuse: a jump
        # into an EXTENDED_ARG chain (not an instruction start: refused),
        # four EXTENDED_ARG prefixes.  With the threshold at 0 every call
        # tries to compile it; refused, it runs interpreted, with the right
        # results.  So does the function whose code it was made from.
        result = run_child(self, r'''
            def f(a, b):
                return a + b
            co = f.__code__
            # EXTENDED_ARG 1 (a debug build asserts that the oparg so far
            # is not 0) before a NOP, which ignores its oparg.
            R, X, RET = u("RESUME"), u("EXTENDED_ARG", 1), u("RETURN_VALUE")
            NOP, LF = u("NOP"), u("LOAD_FAST", 1)
            codes = {
                "jump into a chain": R + u("JUMP_FORWARD", 1) + X + X + NOP + LF + RET,
                "four prefixes": R + X * 4 + NOP + LF + RET,
            }
            out = {}
            for name, code in codes.items():
                fn = types.FunctionType(make(co, code), {})
                results = [fn(1, i) for i in range(100)]
                out[name] = [results == list(range(100)), J.compile(fn), J.is_compiled(fn)]
            out["f"] = [[f(1, i) for i in range(100)] == list(range(1, 101)), J.compile(f),
                        J.is_compiled(f)]
            report(out)
        ''', env={"PYTHON_JIT_THRESHOLD": "0"})
        self.assertEqual(len(result), 3)
        for name, (right, reason, compiled) in result.items():
            with self.subTest(name):
                self.assertTrue(right)
                self.assertTrue(reason is None or reason in REFUSALS, reason)
                self.assertEqual(compiled, reason is None)
        self.assertIn(result["jump into a chain"][1], REFUSALS)
        self.assertEqual(result["f"][1:], [None, True])

    def test_crashers_compile_only(self):
        # Lib/test/crashers: compile every code object of every module,
        # never run them.
        result = run_child(self, r'''
            import os, test
            d = os.path.join(os.path.dirname(test.__file__), "crashers")
            out = {}
            for fn in sorted(os.listdir(d)):
                if fn.endswith(".py"):
                    with open(os.path.join(d, fn), encoding="utf-8") as fh:
                        top = compile(fh.read(), fn, "exec")
                    out[fn] = [compile_only(co) for co in walk(top)]
            report(out)
        ''')
        self.assertGreaterEqual(len(result), 3, result)
        for fn, reasons in result.items():
            with self.subTest(fn):
                self.assertTrue(reasons)
                # Their source is valid Python: the code objects are well
                # formed and compile (the crashes are in what they do).
                self.assertEqual(reasons, [None] * len(reasons))


if __name__ == "__main__":
    unittest.main()
