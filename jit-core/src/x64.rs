//! The x86-64 backend: every machine instruction the JIT emits is here.
//!
//! The native frame is fixed (one template for all compiled code):
//! the trampoline pushes rbp (frame pointer kept), the callee-saved
//! registers and the address of `_PyBJIT_Run()`'s current-frame slot
//! (which also aligns the stack to 16 bytes), and pins
//!   r12 = PyThreadState *tstate
//!   r13 = _PyInterpreterFrame *frame
//! Values live in the frame's value stack (`frame->localsplus`), so every
//! instruction boundary is a valid entry.  A result travels in rax
//! (next_instr) and rdx (stack pointer | kind), as `_PyBJIT_Result`.
//!
//! Below that frame, native calls push *return pairs* (see `Pair`): a
//! call that switches to its callee's machine code pushes the caller's
//! frame and makes a machine `call`, so that the callee's return or yield
//! can `ret` to it and the processor's return-stack predictor sees the
//! frame switch coming.  `exit` drops whatever pairs are left.

use dynasmrt::x64::X64Relocation;
use dynasmrt::{dynasm, DynamicLabel, DynasmApi, DynasmLabelApi, VecAssembler};

use crate::consts::Consts;

pub mod builtins;
pub mod calls;
pub mod containers;
pub mod generic;
pub mod numbers;

/// The float operations with a native fast path.
#[derive(Clone, Copy)]
pub enum FloatOp {
    Add,
    Subtract,
    Multiply,
    /// True division; a zero divisor is the helper's (ZeroDivisionError).
    Divide,
}

/// Where an instance attribute lives: in the object's inline values
/// (`*_INSTANCE_VALUE`, the cache holds an index) or in a `__slots__` slot
/// (`*_SLOT`, the cache holds a byte offset).
#[derive(Clone, Copy)]
pub enum AttrKind {
    InlineValues,
    Slot,
    /// In the object's materialized dict (`LOAD_ATTR_WITH_HINT`), at the
    /// cached entry, whose key must be this name.
    Hint { name: u64 },
}

/// The TO_BOOL forms with a native path.
#[derive(Clone, Copy, PartialEq)]
pub enum BoolKind {
    Int,
    None,
    Str,
    List,
    AlwaysTrue,
}

/// The iterators FOR_ITER runs natively.
#[derive(Clone, Copy, PartialEq)]
pub enum IterKind {
    List,
    Tuple,
    Range,
}

/// The C calls with a native path: builtin functions and method
/// descriptors, by their method's flags, classes with a vectorcall, and
/// any other callable but a Python function or bound method.
#[derive(Clone, Copy, PartialEq)]
pub enum CCall {
    BuiltinO,
    BuiltinFast,
    BuiltinFastKw,
    DescrO,
    DescrNoargs,
    DescrFast,
    DescrFastKw,
    Class,
    NonPy,
}

impl CCall {
    /// The native path of a CALL-family opcode, if it has one.
    pub fn of(opcode: u8) -> Option<CCall> {
        use crate::generated::opcodes as op;
        Some(match opcode {
            op::CALL_BUILTIN_O => CCall::BuiltinO,
            op::CALL_BUILTIN_FAST => CCall::BuiltinFast,
            op::CALL_BUILTIN_FAST_WITH_KEYWORDS => CCall::BuiltinFastKw,
            op::CALL_METHOD_DESCRIPTOR_O => CCall::DescrO,
            op::CALL_METHOD_DESCRIPTOR_NOARGS => CCall::DescrNoargs,
            op::CALL_METHOD_DESCRIPTOR_FAST => CCall::DescrFast,
            op::CALL_METHOD_DESCRIPTOR_FAST_WITH_KEYWORDS => CCall::DescrFastKw,
            op::CALL_BUILTIN_CLASS => CCall::Class,
            op::CALL_NON_PY_GENERAL => CCall::NonPy,
            _ => return None,
        })
    }

    /// Can the native path take a call with `oparg` arguments (not
    /// counting self_or_null)?  METH_O takes one argument and METH_NOARGS
    /// none, a descriptor's self included.
    pub fn takes(self, oparg: u32) -> bool {
        match self {
            CCall::BuiltinO => oparg <= 1,
            CCall::DescrO => oparg == 1 || oparg == 2,
            CCall::DescrNoargs => oparg <= 1,
            _ => true,
        }
    }
}

/// Where to hand the frame back if instrumentation changed during a
/// deallocation: the `instr_ok` byte to test, the counter, and the
/// interpreter's next_instr and stack depth.
#[derive(Clone, Copy)]
pub struct Handback {
    pub instr_ok: u64,
    pub counter: u64,
    pub next_instr: u64,
    pub depth: u32,
    pub nlocals: u32,
    pub exit: DynamicLabel,
}

/// A native call site that pushes a return pair (`[rsp]` = the address
/// after its `call`, `[rsp + 8]` = the calling frame) when it switches to
/// the callee: a return or yield to that frame while the pair is on top
/// `ret`s to it, and the caller goes on at `next` (the instruction after
/// the call, where a return or yield resumes it), after checking its
/// code's `instr_ok` byte.  At most `PAIR_BUDGET` pairs per activation of
/// the trampoline; deeper calls switch without one.
#[derive(Clone, Copy)]
pub struct Pair {
    pub instr_ok: u64,
    pub next: DynamicLabel,
    /// The bytecode address of `next`: where a native return or yield
    /// resumes the caller.  A switch through `leave` (a helper's return or
    /// yield) may resume it elsewhere (a generator's return continues at
    /// its SEND's or FOR_ITER's `return_offset`): it comes back with the
    /// entry it looked up in r10, and the landing jumps there.
    pub resume: u64,
}

/// Return pairs one activation of the trampoline may hold (16 bytes
/// each): enough for the call depths of ordinary code, small against the
/// C stack that the eval loop's own recursion needs.
pub const PAIR_BUDGET: i32 = 64;

/// The out-of-line path of a fast path whose guards are exactly its
/// instruction's DEOPT_IFs: while the live instruction is still the one
/// compiled (its `opcode`, and the type `version` baked into the guard in
/// the 32-bit cache entry at `version_unit`), the specialized helper
/// would only deopt, so `helper`, the family's deopt target, is called.
#[derive(Clone, Copy)]
pub struct DirectDeopt {
    pub opcode: u8,
    pub version_unit: u32,
    pub version: u32,
    pub helper: u64,
}

/// What a frame switch does with return pairs (see `Pair`).
#[derive(Clone, Copy)]
pub enum Pairing {
    /// A return, yield or resume: the pair on top, if it is this frame's,
    /// is used up (dropped).
    Drop,
    /// As `Drop`, where the caller already tested the pair on top and it
    /// was not this frame's.
    Tested,
    /// A native call site: push a pair (within the budget) and `call`.
    Push(Pair),
}

/// Where `Asm::count_down()` goes after taking 1 from a reference count.
#[derive(Clone, Copy)]
enum CountDown {
    /// Jump there if the count reached 0, else fall through.
    ZeroTo(DynamicLabel),
    /// Jump there unless the count reached 0 (or the object is immortal),
    /// else fall through.
    AliveTo(DynamicLabel),
    /// The object has other references: fall through.
    NeverZero,
}

/// x64 register numbers, for `load_of_type()`.
const RAX: u8 = 0;
const RCX: u8 = 1;
const RBX: u8 = 3;
const RDI: u8 = 7;
const R8: u8 = 8;
const R9: u8 = 9;
const R10: u8 = 10;
const R11: u8 = 11;

pub struct Asm {
    pub ops: VecAssembler<X64Relocation>,
    pub c: Consts,
    /// Adaptive countdowns whose out-of-line half is still to emit.
    countdowns: Vec<Countdown>,
    /// Deallocations whose out-of-line call is still to emit.
    deallocs: Vec<Dealloc>,
    /// Rarely taken code to emit after all instructions (`cold()`).
    colds: Vec<ColdBlock>,
    /// The shared switch after a CALL helper (`exit_or_switch_unless_next()`).
    helper_switch: Option<DynamicLabel>,
}

/// Code that `cold()` deferred.
type ColdBlock = Box<dyn FnOnce(&mut Asm)>;

/// The out-of-line half of one `decref()`: the object (in rax) reached
/// a count of 0.
struct Dealloc {
    entry: DynamicLabel,
    back: DynamicLabel,
    this_instr: u64,
    check: Option<Handback>,
    /// The type's own deallocator, for an object known to be an exact
    /// float or int (`decref_exact()`).
    exact: Option<u64>,
}

/// The out-of-line half of one `adaptive_countdown()`.
struct Countdown {
    entry: DynamicLabel,
    back: DynamicLabel,
    start: u64,
    disp: i32,
    interpret_kind: i32,
    exit: DynamicLabel,
}

macro_rules! asm {
    ($ops:expr; $($t:tt)*) => {
        dynasm!($ops ; .arch x64 ; $($t)*)
    };
}

impl Asm {
    pub fn new(c: &Consts) -> Asm {
        Asm::with_capacity(c, 0)
    }

    /// An assembler with room for the code of `instrs` bytecode
    /// instructions, so that compiling does not keep growing its buffers
    /// (about 150 bytes, four labels and six label references each).  The
    /// few larger code objects grow them as needed: a compile's memory
    /// stays within the allocator's reserve.
    pub fn with_capacity(c: &Consts, instrs: usize) -> Asm {
        let n = instrs.min(4096);
        let ops = VecAssembler::new_with_capacity(0, 1024 + 192 * n, 64, 0, 16 + 4 * n, 16 + n, 16 + 6 * n);
        Asm { ops, c: c.clone(), countdowns: Vec::new(), deallocs: Vec::new(), colds: Vec::new(), helper_switch: None }
    }

    pub fn offset(&self) -> usize {
        self.ops.offset().0
    }

    pub fn new_label(&mut self) -> DynamicLabel {
        self.ops.new_dynamic_label()
    }

    pub fn bind(&mut self, l: DynamicLabel) {
        asm!(self.ops; =>l);
    }

    pub fn finish(mut self) -> Result<Vec<u8>, String> {
        // Whatever was deferred after the last emit_cold() / emit_deallocs()
        // (each may defer more of the other).
        while !self.colds.is_empty() || !self.deallocs.is_empty() {
            self.emit_cold();
            self.emit_deallocs();
        }
        self.ops.finalize().map_err(|e| format!("{e:?}"))
    }

    /// Enter(tstate, frame, target, running): the only way into machine
    /// code.  `*running` is kept equal to the frame machine code runs.
    pub fn trampoline_enter(&mut self) {
        asm!(self.ops
            ; push rbp
            ; mov rbp, rsp
            ; push rbx
            ; push r12
            ; push r13
            ; push r14
            ; push r15
            ; push rcx
            ; mov r12, rdi
            ; mov r13, rsi
            ; jmp rdx
        );
    }

    /// Leave machine code with the result in rax:rdx (drops the return
    /// pairs, and the running slot with the alignment).
    pub fn exit(&mut self) {
        asm!(self.ops
            ; lea rsp, [rbp - 40]
            ; pop r15
            ; pop r14
            ; pop r13
            ; pop r12
            ; pop rbx
            ; pop rbp
            ; ret
        );
    }

    /// Call the helper in rax (arguments already set), then go on as
    /// `leave` (which must follow).  Lives in the never-freed trampoline:
    /// the helper may free the code that jumped here.
    pub fn call_rax(&mut self) {
        asm!(self.ops ; call rax);
    }

    /// Every way out of compiled code, with a result in rax:rdx.  If it asks
    /// for another frame (a call pushed one: START_FRAME; a return or yield
    /// went back to one: RESUME_FRAME), switch to that frame's machine code
    /// here, as the eval loop would after `start_frame`/`resume_frame` and
    /// `_PyBJIT_EntryFor()`.  Whatever this cannot take (the entry frame,
    /// code not compiled or instrumented, no entry, recursion limit) leaves
    /// for the eval loop with the result unchanged, and the eval loop does
    /// it.  Lives in the trampoline: the code that jumped here may be freed.
    ///
    /// A return into the shim frame of CALL_ALLOC_AND_ENTER_INIT (which is
    /// never compiled) runs the shim here: EXIT_INIT_CHECK (an `__init__`
    /// that returned something else than None goes to the eval loop, which
    /// raises), then RETURN_VALUE's helper (`return_value`), and switches on
    /// with its result.
    pub fn leave(&mut self, return_value: u64) {
        let s = self.c.switch.clone();
        if s.enabled {
            let (start_frame, resume_frame) = (self.c.native.result_start_frame, self.c.native.result_resume_frame);
            let (none, shim_code) = (self.c.py_none, s.init_cleanup + s.code_units as u64);
            let (again, resume, out, shim) = (self.new_label(), self.new_label(), self.new_label(), self.new_label());
            asm!(self.ops
                ; =>again
                ; mov ecx, edx
                ; and ecx, 7
                ; cmp ecx, resume_frame
                ; je =>resume
                ; cmp ecx, start_frame
                ; jne =>out
                ; mov r8, [r12 + s.tstate_current_frame]
            );
            self.switch_lookup(true, out, out, Pairing::Drop);
            asm!(self.ops
                ; =>resume
                ; mov r8, [r12 + s.tstate_current_frame]
            );
            self.switch_lookup(false, out, shim, Pairing::Drop);
            asm!(self.ops
                // No JIT state: the shim (never compiled) is run here, on a
                // resume at its first unit with what __init__ returned on
                // top.
                ; =>shim
                ; mov r10, QWORD s.init_cleanup as i64
                ; cmp r9, r10
                ; jne =>out
                ; mov r10, QWORD shim_code as i64
                ; cmp rax, r10
                ; jne =>out
                // _PyFrame_GetStackPointer(): a resumed frame's stack
                // pointer is in the frame (the result carries none).
                ; movsxd r10, DWORD [r8 + s.frame_stacktop]
                ; lea r10, [r8 + r10 * 8 + self.c.frame_localsplus]
                ; mov r11, QWORD none as i64
                ; cmp [r10 - 8], r11
                ; jne =>out
                ; mov DWORD [r8 + s.frame_stacktop], -1
                // None is immortal: popped without a decref.  Then the
                // shim's RETURN_VALUE, whose result goes round again.
                ; mov r9, QWORD s.counter_frame_switches as i64
                ; add QWORD [r9], 1
                ; mov rdi, r12
                ; mov rsi, r8
                ; lea rdx, [r10 - 8]
                ; lea rcx, [rax + 2]
                ; xor r8d, r8d
                ; mov rax, QWORD return_value as i64
                ; call rax
                ; jmp =>again
                ; =>out
            );
        }
        self.exit();
    }

    /// The frame switch proper, for the frame in r8 that a call made
    /// (`start`: the recursion check of `_Py_EnterRecursivePy()`, begin at
    /// its instr_ptr) or that a return or yield resumes at rax: the lookup
    /// of `_PyBJIT_EntryFor()` (not the C entry frame, code compiled,
    /// `instr_ok`, an entry at the instruction), then r13 and the running
    /// slot become that frame and control jumps to its machine code.
    /// Anything else jumps to `out` (or, with no JIT state, `no_state`,
    /// r9 holding the code) with rax, rdx and the frame unchanged.
    /// `leave` uses it, and so do the native generator switches, whose
    /// own copy gives each site its own indirect jump to predict.
    /// `pairing`: what happens to return pairs (see `Pair`); with a
    /// `Push`, a return through the pair comes back after the `call`,
    /// where this emits the landing, which goes on at the pair's `next`
    /// (or to `out` if instrumentation changed meanwhile).
    pub fn switch_lookup(&mut self, start: bool, out: DynamicLabel, no_state: DynamicLabel, pairing: Pairing) {
        let s = self.c.switch.clone();
        let ip = self.c.frame_instr_ptr;
        if start {
            asm!(self.ops
                // _Py_EnterRecursivePy(): the eval loop raises RecursionError.
                ; cmp DWORD [r12 + s.tstate_py_recursion_remaining], 0
                ; jle =>out
            );
        }
        asm!(self.ops
            ; cmp BYTE [r8 + s.frame_owner], s.owned_by_cstack as i8
            ; je =>out
        );
        if start {
            asm!(self.ops ; mov rax, [r8 + ip]);
        }
        asm!(self.ops
            ; mov r9, [r8 + s.frame_executable]
            ; mov r10, [r9 + s.code_bjit]
            ; test r10, r10
            ; jz =>no_state
        );
        if self.c.codestate_instr_ok == s.codestate_state + 1 {
            // Compiled, and instr_ok: one 16-bit compare.
            let both = i16::from(s.compiled_state) | (1 << 8);
            asm!(self.ops
                ; cmp WORD [r10 + s.codestate_state], both
                ; jne =>out
            );
        } else {
            asm!(self.ops
                ; cmp BYTE [r10 + s.codestate_state], s.compiled_state as i8
                ; jne =>out
                ; cmp BYTE [r10 + self.c.codestate_instr_ok], 0
                ; je =>out
            );
        }
        asm!(self.ops
            // entries[(next_instr - _PyCode_CODE(co)) / 2]
            ; mov r11, rax
            ; lea r11, [r11 - s.code_units]
            ; sub r11, r9
            ; mov r10, [r10 + s.codestate_entries]
            ; mov r10, [r10 + r11 * 4]
            ; test r10, r10
            ; jz =>out
        );
        // Commit: this is now the running frame.
        if start {
            asm!(self.ops ; sub DWORD [r12 + s.tstate_py_recursion_remaining], 1);
        }
        asm!(self.ops
            ; cmp rax, [r8 + ip]
            ; jne >not_entry
            ; mov r9, QWORD s.counter_frame_entries_jit as i64
            ; add QWORD [r9], 1
            ; not_entry:
        );
        match pairing {
            Pairing::Drop => {
                // The pair on top is used up if it is this frame's: `ret`
                // through it, which keeps the processor's return stack in
                // step with the pairs (a dropped pair would leave its
                // `call` there and the returns above it mispredicted).
                // The landing makes it the running frame and goes on
                // at the entry in r10 if it is not its `next`.
                let other = self.new_label();
                self.jump_unless_pair_of_r8(other);
                asm!(self.ops
                    ; ret 8
                    ; =>other
                );
            }
            Pairing::Tested => (),
            Pairing::Push(_) => asm!(self.ops ; mov r11, r13),
        }
        self.enter_r8_frame();
        match pairing {
            Pairing::Push(pair) => {
                let landed = self.new_label();
                asm!(self.ops
                    ; lea r9, [rbp - 48 - 16 * PAIR_BUDGET]
                    ; cmp rsp, r9
                    ; ja >push
                    ; jmp r10
                    ; push:
                    ; push r11
                    ; call r10
                    // A return or yield `ret`s here with this frame in r8
                    // and rax:rdx = (where it resumes, "resume frame"), as
                    // for the lookup, which the instrumentation check
                    // replaces: the code is this, and has an entry there
                    // (`next`, or from `leave` the one in r10).
                    ; mov r9, QWORD s.counter_pair_returns as i64
                    ; add QWORD [r9], 1
                    ; mov r9, QWORD pair.instr_ok as i64
                    ; cmp BYTE [r9], 0
                    ; jne =>landed
                    ; jmp =>out
                    ; =>landed
                );
                self.enter_r8_frame();
                asm!(self.ops
                    ; mov r9, QWORD pair.resume as i64
                    ; cmp rax, r9
                    ; je =>pair.next
                    ; jmp r10
                );
            }
            _ => asm!(self.ops ; jmp r10),
        }
    }

    /// The frame in r8 becomes the running frame (counted as a switch).
    fn enter_r8_frame(&mut self) {
        let s = self.c.switch.clone();
        asm!(self.ops
            ; mov r9, QWORD s.counter_frame_switches as i64
            ; add QWORD [r9], 1
            ; mov DWORD [r8 + s.frame_stacktop], -1
            ; mov r13, r8
            ; mov r9, [rbp - 48]
            ; mov [r9], r13
        );
    }

    /// A return or yield to the frame in r8, with rax:rdx = (where it
    /// resumes, "resume frame"): `ret` through the pair on top if it is
    /// that frame's (its call site goes on), else fall through.
    pub fn return_by_pair(&mut self) {
        if !self.c.switch.enabled {
            return;
        }
        let other = self.new_label();
        self.jump_unless_pair_of_r8(other);
        asm!(self.ops ; ret 8 ; =>other);
    }

    /// Jump to `other` unless a return pair is on top of the stack (the
    /// stack is below the trampoline's frame) and its frame is r8.
    fn jump_unless_pair_of_r8(&mut self, other: DynamicLabel) {
        asm!(self.ops
            ; lea r9, [rbp - 48]
            ; cmp rsp, r9
            ; je =>other
            ; cmp r8, [rsp + 8]
            ; jne =>other
        );
    }

    /// Jump to an absolute address (the trampoline's `leave`), keeping
    /// rax:rdx.
    pub fn jump_abs(&mut self, addr: u64) {
        asm!(self.ops
            ; mov rcx, QWORD addr as i64
            ; jmp rcx
        );
    }

    pub fn sp_disp(&self, depth: u32, nlocals: u32) -> i32 {
        self.c.frame_localsplus + 8 * (nlocals + depth) as i32
    }

    /// Load the helper arguments: (tstate, frame, sp, this_instr, oparg).
    pub fn helper_args(&mut self, sp_disp: i32, this_instr: u64, oparg: u32) {
        asm!(self.ops
            ; mov rdi, r12
            ; mov rsi, r13
            ; lea rdx, [r13 + sp_disp]
            ; mov rcx, QWORD this_instr as i64
            ; mov r8d, oparg as i32
        );
    }

    /// Call a helper; its result is left in rax:rdx.
    pub fn call_helper(&mut self, depth: u32, nlocals: u32, this_instr: u64, oparg: u32, helper: u64) {
        let disp = self.sp_disp(depth, nlocals);
        self.helper_args(disp, this_instr, oparg);
        asm!(self.ops
            ; mov rax, QWORD helper as i64
            ; call rax
        );
    }

    /// Call the helper of the live opcode at `this_instr` through `table`
    /// (`_PyBJIT_Helpers`, 256 entries); the result is left in rax:rdx.
    pub fn call_live_helper(&mut self, depth: u32, nlocals: u32, this_instr: u64, oparg: u32, table: u64) {
        let disp = self.sp_disp(depth, nlocals);
        self.helper_args(disp, this_instr, oparg);
        asm!(self.ops
            ; movzx eax, BYTE [rcx]
            ; mov r9, QWORD table as i64
            ; call QWORD [r9 + rax * 8]
        );
    }

    /// As `call_live_helper()`, but while the live instruction is the one
    /// compiled (`deopt`), call its deopt target instead.
    pub fn call_live_helper_or(&mut self, depth: u32, nlocals: u32, this_instr: u64, oparg: u32, table: u64, deopt: DirectDeopt) {
        let disp = self.sp_disp(depth, nlocals);
        self.helper_args(disp, this_instr, oparg);
        let at = 2 * deopt.version_unit as i32;
        asm!(self.ops
            ; movzx eax, BYTE [rcx]
            ; cmp eax, i32::from(deopt.opcode)
            ; jne >live
            ; cmp DWORD [rcx + at], deopt.version as i32
            ; jne >live
            ; mov rax, QWORD deopt.helper as i64
            ; call rax
            ; jmp >done
            ; live:
            ; mov r9, QWORD table as i64
            ; call QWORD [r9 + rax * 8]
            ; done:
        );
    }

    /// A helper that asks for the interpreter (`_PyBJIT_INTERPRET`) names
    /// the instruction's opcode unit; make it `start`, the first of its
    /// EXTENDED_ARG prefixes, so that the interpreter sees the whole oparg.
    pub fn interpret_from(&mut self, start: u64, interpret_kind: i32) {
        asm!(self.ops
            ; mov ecx, edx
            ; and ecx, 7
            ; cmp ecx, interpret_kind
            ; jne >keep
            ; mov rax, QWORD start as i64
            ; keep:
        );
    }

    /// Tail-call a frame-popping helper through the trampoline's stub.
    pub fn tail_call_helper(&mut self, depth: u32, nlocals: u32, this_instr: u64, oparg: u32, helper: u64, stub: u64) {
        let disp = self.sp_disp(depth, nlocals);
        self.helper_args(disp, this_instr, oparg);
        asm!(self.ops
            ; mov rax, QWORD helper as i64
            ; mov r9, QWORD stub as i64
            ; jmp r9
        );
    }

    /// Results other than "next instruction" go to the eval loop as they are.
    pub fn exit_unless_next(&mut self, exit: DynamicLabel) {
        asm!(self.ops
            ; test dl, 7
            ; jnz =>exit
        );
    }

    /// As `exit_unless_next()`, for a helper that may push a frame (the
    /// CALL family): a started frame is switched to here, with this call
    /// site's own copy of the lookup; anything else leaves through `exit`.
    pub fn exit_or_switch_unless_next(&mut self, exit: DynamicLabel) {
        if !self.c.switch.enabled {
            self.exit_unless_next(exit);
            return;
        }
        let shared = self.shared_helper_switch(exit);
        asm!(self.ops
            ; test dl, 7
            ; jnz =>shared
        );
    }

    /// As `exit_or_switch_unless_next()`, for a call site whose helper
    /// nearly always pushes a Python frame (`CALL_ALLOC_AND_ENTER_INIT`,
    /// `CALL_PY_GENERAL`, ...): its own out-of-line copy of the switch
    /// pushes a return pair, so that the callee's return (or, after
    /// `__init__`, the shim's) comes back through `ret`.  `start`: the
    /// helper's result for the pushed frame is "start frame" (its
    /// instruction does `goto start_frame`), else "resume frame" (it ends
    /// in `_PUSH_FRAME`, which did the recursion check); the other kind
    /// goes the shared way.
    pub fn exit_or_switch_with_pair(&mut self, exit: DynamicLabel, start: bool, pair: Pair) {
        if !self.c.switch.enabled {
            self.exit_unless_next(exit);
            return;
        }
        let shared = self.shared_helper_switch(exit);
        let l = self.new_label();
        asm!(self.ops
            ; test dl, 7
            ; jnz =>l
        );
        self.cold(move |a| a.helper_switch(l, start, shared, exit, Pairing::Push(pair)));
    }

    /// The switch after a CALL-family helper, the same for every call
    /// site of the code object: emitted once, out of line.
    fn shared_helper_switch(&mut self, exit: DynamicLabel) -> DynamicLabel {
        match self.helper_switch {
            Some(l) => l,
            None => {
                let l = self.new_label();
                self.helper_switch = Some(l);
                self.cold(move |a| a.helper_switch(l, true, exit, exit, Pairing::Drop));
                l
            }
        }
    }

    /// At `l`: a helper's result other than "continue" in rax:rdx.  A
    /// result of the kind `start` says ("start frame", else "resume
    /// frame") switches, with `pairing`, to the frame the helper pushed
    /// (the thread's current one); any other goes to `otherwise`.
    fn helper_switch(&mut self, l: DynamicLabel, start: bool, otherwise: DynamicLabel, exit: DynamicLabel, pairing: Pairing) {
        let n = self.c.native.clone();
        let kind = if start { n.result_start_frame } else { n.result_resume_frame };
        let current = self.c.switch.tstate_current_frame;
        asm!(self.ops
            ; =>l
            ; mov ecx, edx
            ; and ecx, 7
            ; cmp ecx, kind
            ; jne =>otherwise
            ; mov r8, [r12 + current]
        );
        self.switch_lookup(start, exit, exit, pairing);
    }

    /// Jump to `l` if the byte at `addr` is zero (rax:rdx unchanged).
    pub fn jump_if_byte_zero(&mut self, addr: u64, l: DynamicLabel) {
        asm!(self.ops
            ; mov rcx, QWORD addr as i64
            ; cmp BYTE [rcx], 0
            ; je =>l
        );
    }

    /// Jump to `l` if rax (the returned next_instr) equals `addr`.
    pub fn jump_if_next_is(&mut self, addr: u64, l: DynamicLabel) {
        asm!(self.ops
            ; mov rcx, QWORD addr as i64
            ; cmp rax, rcx
            ; je =>l
        );
    }

    /// Crash (ud2) unless rax is `addr`: an assertion in debug builds.
    pub fn trap_unless_next_is(&mut self, addr: u64) {
        asm!(self.ops
            ; mov rcx, QWORD addr as i64
            ; cmp rax, rcx
            ; je >ok
            ; ud2
            ; ok:
        );
    }

    pub fn jump(&mut self, l: DynamicLabel) {
        asm!(self.ops ; jmp =>l);
    }

    /// Continue at the entry of the code unit rax points to, if there is
    /// one and the stack pointer in rdx is the one it expects; otherwise
    /// hand the frame back to the interpreter there.
    pub fn dynamic_dispatch(&mut self, code: u64, n: u32, entries: u64, sp_offsets: u64, counter: u64, exit: DynamicLabel) {
        asm!(self.ops
            ; mov rcx, rax
            ; mov r8, QWORD code as i64
            ; sub rcx, r8
            ; shr rcx, 1
            ; cmp rcx, n as i32
            ; jae >miss
            ; mov r8, QWORD entries as i64
            ; mov r9, [r8 + rcx * 8]
            ; test r9, r9
            ; jz >miss
            ; mov r8, QWORD sp_offsets as i64
            ; movsxd r10, DWORD [r8 + rcx * 4]
            ; add r10, r13
            ; cmp r10, rdx
            ; jne >miss
            ; jmp r9
            ; miss:
            ; mov rcx, QWORD counter as i64
            ; add QWORD [rcx], 1
            ; jmp =>exit
        );
    }

    /// Hand the frame back at `next_instr` with the stack at `depth`.
    pub fn hand_back(&mut self, next_instr: u64, depth: u32, nlocals: u32, counter: u64, exit: DynamicLabel) {
        let disp = self.sp_disp(depth, nlocals);
        asm!(self.ops
            ; mov rcx, QWORD counter as i64
            ; add QWORD [rcx], 1
            ; mov rax, QWORD next_instr as i64
            ; lea rdx, [r13 + disp]
            ; jmp =>exit
        );
    }

    /// Leave with `kind` (an error) at `next_instr` with `depth` stack
    /// items.
    pub fn leave_with_error(&mut self, next_instr: u64, depth: u32, nlocals: u32, kind: i32, exit: DynamicLabel) {
        let disp = self.sp_disp(depth, nlocals);
        self.exit_with(next_instr, disp, kind, exit);
    }

    /// Leave with the result (`next_instr`, the stack pointer at frame
    /// offset `disp`, `kind`).
    fn exit_with(&mut self, next_instr: u64, disp: i32, kind: i32, exit: DynamicLabel) {
        asm!(self.ops
            ; mov rax, QWORD next_instr as i64
            ; lea rdx, [r13 + disp]
            ; or rdx, kind
            ; jmp =>exit
        );
    }

    /// Count down the adaptive counter of the live instruction at `instr`
    /// as the interpreter does, while it is still the generic `opcode`;
    /// when the counter triggers, hand the frame back at `start` with
    /// `interpret_kind` so that the interpreter specializes it (helpers
    /// never specialize) and `_PyBJIT_Run()` schedules a recompile.
    /// Inline is only the opcode test: the countdown itself is emitted
    /// out of line by `emit_countdowns()`, since most live opcodes are
    /// specialized by the time machine code runs.  With `other`, a live
    /// opcode that is not `opcode` jumps there instead of falling through.
    #[allow(clippy::too_many_arguments)]
    pub fn adaptive_countdown(&mut self, instr: u64, opcode: u8, start: u64, depth: u32, nlocals: u32, interpret_kind: i32, other: Option<DynamicLabel>, exit: DynamicLabel) {
        let (entry, back) = (self.new_label(), self.new_label());
        let disp = self.sp_disp(depth, nlocals);
        asm!(self.ops
            ; mov rcx, QWORD instr as i64
            ; cmp BYTE [rcx], opcode as i8
            ; je =>entry
        );
        if let Some(other) = other {
            asm!(self.ops ; jmp =>other);
        }
        asm!(self.ops ; =>back);
        self.countdowns.push(Countdown { entry, back, start, disp, interpret_kind, exit });
    }

    /// The out-of-line halves of `adaptive_countdown()`, with the live
    /// instruction in rcx: count down, or hand the frame back.
    pub fn emit_countdowns(&mut self) {
        let unit = i32::from(self.c.backoff_value_unit);
        let mask = 0xfff * unit;
        let unreachable = i32::from(self.c.backoff_unreachable);
        for c in std::mem::take(&mut self.countdowns) {
            let advance = self.new_label();
            asm!(self.ops
                ; =>c.entry
                ; movzx eax, WORD [rcx + 2]
                ; test eax, mask
                ; jnz =>advance
            );
            self.exit_with(c.start, c.disp, c.interpret_kind, c.exit);
            asm!(self.ops
                ; =>advance
                ; cmp eax, unreachable
                ; je =>c.back
                ; sub eax, unit
                ; mov WORD [rcx + 2], ax
                ; jmp =>c.back
            );
        }
    }

    /// RESUME quickens itself to RESUME_CHECK when it ran to its end
    /// (rax is the fall-through) and the thread is not tracing, as in the
    /// interpreter; helpers leave bytecode alone.
    pub fn quicken_resume(&mut self, instr: u64, fallthrough: u64, resume: u8, resume_check: u8) {
        let tracing = self.c.tstate_tracing;
        asm!(self.ops
            ; mov rcx, QWORD fallthrough as i64
            ; cmp rax, rcx
            ; jne >skip
            ; cmp DWORD [r12 + tracing], 0
            ; jne >skip
            ; mov rcx, QWORD instr as i64
            ; cmp BYTE [rcx], resume as i8
            ; jne >skip
            ; mov BYTE [rcx], resume_check as i8
            ; skip:
        );
    }

    // ---- native instructions -------------------------------------------

    /// rax = local `i`.
    pub fn load_local(&mut self, i: u32) {
        let disp = self.c.frame_localsplus + 8 * i as i32;
        asm!(self.ops ; mov rax, [r13 + disp]);
    }

    /// Stack slot `depth` = rax.
    pub fn store_stack(&mut self, depth: u32, nlocals: u32) {
        let disp = self.sp_disp(depth, nlocals);
        asm!(self.ops ; mov [r13 + disp], rax);
    }

    /// rax = stack slot `depth`.
    pub fn load_stack(&mut self, depth: u32, nlocals: u32) {
        let disp = self.sp_disp(depth, nlocals);
        asm!(self.ops ; mov rax, [r13 + disp]);
    }

    pub fn load_imm(&mut self, value: u64) {
        asm!(self.ops ; mov rax, QWORD value as i64);
    }

    /// Local `i` = rax; the old value goes to rcx.
    pub fn swap_local(&mut self, i: u32) {
        let disp = self.c.frame_localsplus + 8 * i as i32;
        asm!(self.ops
            ; mov rcx, [r13 + disp]
            ; mov [r13 + disp], rax
        );
    }

    /// Py_INCREF(rax); clobbers rcx (and caller-saved registers in debug).
    pub fn incref_rax(&mut self) {
        if self.c.ref_debug {
            let f = self.c.fn_incref;
            asm!(self.ops
                ; push rax
                ; push rax
                ; mov rdi, rax
                ; mov rax, QWORD f as i64
                ; call rax
                ; pop rax
                ; pop rax
            );
            return;
        }
        self.incref_inline(RAX, RCX);
    }

    /// Py_INCREF(reg) inline (release builds), with `scratch`.
    #[allow(clippy::useless_conversion)] // in dynasm's expansion of Rq()
    fn incref_inline(&mut self, reg: u8, scratch: u8) {
        let off = self.c.ob_refcnt;
        // Immortal objects keep 0xFFFFFFFF in the low half: +1 wraps to 0.
        // The usual registers with the field at offset 0 (every build but
        // Py_TRACE_REFS) get the short encoding: 9 bytes instead of 26.
        // (Dynamic labels here and in count_down(): local labels cost the
        // assembler hash-map work, and these run for nearly every
        // instruction compiled.)
        let done = self.new_label();
        if off == 0 && reg == RAX && scratch == RCX {
            asm!(self.ops
                ; mov ecx, DWORD [rax]
                ; add ecx, 1
                ; je BYTE =>done
                ; mov DWORD [rax], ecx
                ; =>done
            );
            return;
        }
        asm!(self.ops
            ; mov Rd(scratch), DWORD [Rq(reg) + off]
            ; add Rd(scratch), 1
            ; je =>done
            ; mov DWORD [Rq(reg) + off], Rd(scratch)
            ; =>done
        );
    }

    /// Py_DECREF(reg) inline (release builds) up to the deallocation:
    /// jumps to `kept` unless the count reached 0 (immortal objects are
    /// kept).
    fn release_or_jump(&mut self, reg: u8, kept: DynamicLabel) {
        self.count_down(reg, CountDown::AliveTo(kept));
    }

    /// Take 1 from the reference count of the object in `reg` (release
    /// builds), unless it is immortal, and go where `then` says.
    ///
    /// Py_DECREF() takes 1 from the 64-bit count.  Machine code takes it
    /// from the low 32 bits while the high half is 0 (the same result: the
    /// low half is not negative, or the object is immortal), because the
    /// count's last store was usually a 32-bit one (Py_INCREF(), a
    /// LOAD_FAST just before): a 64-bit load of it cannot be forwarded from
    /// the store buffer and waits for the store to retire (raytrace spent
    /// 12% of its time on the `dec` of `self` in LOAD_ATTR_INSTANCE_VALUE).
    /// A high half that is not 0 takes the 64-bit path.
    #[allow(clippy::useless_conversion)] // in dynasm's expansion of Rq()
    fn count_down(&mut self, reg: u8, then: CountDown) {
        let rc = self.c.ob_refcnt;
        let (wide, kept) = (self.new_label(), self.new_label());
        if let (0, RAX, CountDown::ZeroTo(zero)) = (rc, reg, then) {
            // decref()'s hot case, with the short encodings (clobbers ecx).
            asm!(self.ops
                ; mov ecx, DWORD [rax]
                ; test ecx, ecx
                ; js BYTE =>kept
                ; cmp DWORD [rax + 4], BYTE 0
                ; jne BYTE =>wide
                ; sub DWORD [rax], BYTE 1
                ; jz =>zero
                ; jmp BYTE =>kept
                ; =>wide
                ; dec QWORD [rax]
                ; jz =>zero
                ; =>kept
            );
            return;
        }
        let high = rc + 4;
        let end = kept;
        let alive = match then {
            CountDown::AliveTo(l) => l,
            _ => end,
        };
        asm!(self.ops
            ; cmp DWORD [Rq(reg) + rc], 0
            ; jl =>alive
            ; cmp DWORD [Rq(reg) + high], 0
            ; jne =>wide
            ; sub DWORD [Rq(reg) + rc], 1
        );
        self.count_down_tail(then);
        asm!(self.ops
            ; jmp =>end
            ; =>wide
            ; sub QWORD [Rq(reg) + rc], 1
        );
        self.count_down_tail(then);
        self.bind(end);
    }

    /// After one of `count_down()`'s subtractions: the jump `then` asks for.
    fn count_down_tail(&mut self, then: CountDown) {
        match then {
            CountDown::ZeroTo(l) => asm!(self.ops ; jz =>l),
            CountDown::AliveTo(l) => asm!(self.ops ; jnz =>l),
            CountDown::NeverZero => (),
        }
    }

    /// Py_DECREF(reg) for reg in {rax, rcx}, optionally NULL-tolerant.  Before
    /// a deallocation (which can run any code) frame->instr_ptr is set to
    /// `this_instr`.  Clobbers caller-saved registers.
    /// After a deallocation (which may run `__del__` and switch on
    /// tracing), `check` hands the frame back at the next instruction if
    /// instrumentation changed (None: the caller checks later).
    /// In release builds only the count is inline; the deallocation and
    /// the check are out of line (`emit_deallocs()`), so that the hot path
    /// stays short.
    pub fn decref(&mut self, use_rcx: bool, xdecref: bool, this_instr: u64, check: Option<Handback>) {
        let done = self.new_label();
        if self.c.ref_debug {
            self.decref_or_jump(use_rcx, xdecref, this_instr, done);
            if let Some(check) = check {
                self.handback_if_instrumented(check);
            }
            self.bind(done);
            return;
        }
        if use_rcx {
            asm!(self.ops ; mov rax, rcx);
        }
        if xdecref {
            // `done` follows the count, well within a short jump.
            asm!(self.ops ; test rax, rax ; jz BYTE =>done);
        }
        self.release_rax(done, this_instr, check, None);
    }

    /// The count of rax down, then `done` (bound here); a count that
    /// reached 0 goes to the deallocation, emitted out of line by
    /// `emit_deallocs()` (with the type's own deallocator, `exact`).
    fn release_rax(&mut self, done: DynamicLabel, this_instr: u64, check: Option<Handback>, exact: Option<u64>) {
        let entry = self.new_label();
        self.count_down(RAX, CountDown::ZeroTo(entry));
        self.bind(done);
        self.deallocs.push(Dealloc { entry, back: done, this_instr, check, exact });
    }

    /// Emit `f` out of line, after all instructions (`emit_cold()`): for
    /// paths the hot code jumps to rarely, which then jump back.
    pub fn cold(&mut self, f: impl FnOnce(&mut Asm) + 'static) {
        self.colds.push(Box::new(f));
    }

    /// The blocks `cold()` deferred (including those they defer).
    pub fn emit_cold(&mut self) {
        while !self.colds.is_empty() {
            for f in std::mem::take(&mut self.colds) {
                f(self);
            }
        }
    }

    /// Py_DECREF(rax) of an exact float or int (`exact_dealloc` is
    /// `fn_float_dealloc` or `fn_object_free`), as
    /// `_Py_DECREF_SPECIALIZED()`: a count reaching 0 calls that
    /// deallocator directly unless a reference tracer is set.  These
    /// deallocations run no Python code.  Release builds only.
    pub fn decref_exact(&mut self, exact_dealloc: u64, this_instr: u64) {
        let done = self.new_label();
        self.release_rax(done, this_instr, None, Some(exact_dealloc));
    }

    /// The out-of-line halves of `decref()`: set frame->instr_ptr, call
    /// the deallocator, check the instrumentation, go back.
    pub fn emit_deallocs(&mut self) {
        let ip = self.c.frame_instr_ptr;
        let f = self.c.fn_dealloc;
        let tracer = self.c.ref_tracer_func;
        for d in std::mem::take(&mut self.deallocs) {
            asm!(self.ops ; =>d.entry);
            if let Some(exact) = d.exact {
                asm!(self.ops
                    ; mov rcx, QWORD tracer as i64
                    ; cmp QWORD [rcx], 0
                    ; jne >traced
                    ; mov rdi, rax
                    ; mov rax, QWORD exact as i64
                    ; call rax
                    ; jmp =>d.back
                    ; traced:
                );
            }
            asm!(self.ops
                ; mov rcx, QWORD d.this_instr as i64
                ; mov [r13 + ip], rcx
                ; mov rdi, rax
                ; mov rax, QWORD f as i64
                ; call rax
            );
            if let Some(check) = d.check {
                self.handback_if_instrumented(check);
            }
            asm!(self.ops ; jmp =>d.back);
        }
    }

    /// Py_DECREF(rax or rcx) (Py_XDECREF if `xdecref`), jumping to `kept` unless
    /// the object was deallocated; falls through after a deallocation (in
    /// debug builds, after every decref).  Clobbers caller-saved registers.
    pub fn decref_or_jump(&mut self, use_rcx: bool, xdecref: bool, this_instr: u64, kept: DynamicLabel) {
        if use_rcx {
            asm!(self.ops ; mov rax, rcx);
        }
        if xdecref {
            asm!(self.ops ; test rax, rax ; jz =>kept);
        }
        let ip = self.c.frame_instr_ptr;
        let f = if self.c.ref_debug { self.c.fn_decref } else { self.c.fn_dealloc };
        if !self.c.ref_debug {
            self.release_or_jump(RAX, kept);
        }
        asm!(self.ops
            ; mov rcx, QWORD this_instr as i64
            ; mov [r13 + ip], rcx
            ; mov rdi, rax
            ; mov rax, QWORD f as i64
            ; call rax
        );
    }

    /// Hand the frame back as `h` says if instrumentation changed (the code
    /// state's `instr_ok` byte is 0).
    pub fn handback_if_instrumented(&mut self, h: Handback) {
        // The hand-back (rare) is out of line.
        let changed = self.new_label();
        asm!(self.ops
            ; mov rcx, QWORD h.instr_ok as i64
            ; cmp BYTE [rcx], 0
            ; je =>changed
        );
        self.cold(move |a| {
            a.bind(changed);
            a.hand_back(h.next_instr, h.depth, h.nlocals, h.counter, h.exit);
        });
    }

    /// Register `reg` = the pointer at frame offset `disp`; jump to `slow`
    /// unless it is exactly of type `ty`.  Clobbers r11.
    #[allow(clippy::useless_conversion)] // in dynasm's expansion of Rq()
    fn load_of_type(&mut self, reg: u8, disp: i32, ty: u64, slow: DynamicLabel) {
        let off = self.c.ob_type;
        asm!(self.ops
            ; mov Rq(reg), [r13 + disp]
            ; mov r11, QWORD ty as i64
            ; cmp [Rq(reg) + off], r11
            ; jne =>slow
        );
    }

    /// xmm0, xmm1 = the values of the floats at frame offsets `d_left`,
    /// `d_right` (rax, rcx = the objects); jump to `slow` unless both are
    /// exact floats.  Clobbers rdx.
    fn load_two_floats(&mut self, d_left: i32, d_right: i32, slow: DynamicLabel) {
        let n = self.c.native.clone();
        self.load_two_of_type(d_left, d_right, n.float_type, slow);
        asm!(self.ops
            ; movsd xmm0, [rax + n.float_ob_fval]
            ; movsd xmm1, [rcx + n.float_ob_fval]
        );
    }

    /// rax, rcx = the stack slots at `d_left`, `d_right`; jump to `slow`
    /// unless both are exactly of type `ty`.  Clobbers rdx.
    fn load_two_of_type(&mut self, d_left: i32, d_right: i32, ty: u64, slow: DynamicLabel) {
        let off = self.c.ob_type;
        asm!(self.ops
            ; mov rax, [r13 + d_left]
            ; mov rcx, [r13 + d_right]
            ; mov rdx, QWORD ty as i64
            ; cmp [rax + off], rdx
            ; jne =>slow
            ; cmp [rcx + off], rdx
            ; jne =>slow
        );
    }

    /// BINARY_OP_{ADD,SUBTRACT,MULTIPLY}_FLOAT on stack slots `depth - 2`
    /// and `depth - 1`, as DECREF_INPUTS_AND_REUSE_FLOAT does: the result
    /// goes into an operand whose only reference is the stack, else into a
    /// new float.  Jumps to `slow` (nothing done) unless both are exact
    /// floats.  A failed allocation leaves for the eval loop's error
    /// handling with the operands still on the stack.  Release builds only.
    #[allow(clippy::too_many_arguments)]
    pub fn float_binop(&mut self, op: FloatOp, depth: u32, nlocals: u32, this_instr: u64, next_instr: u64, slow: DynamicLabel, exit: DynamicLabel) {
        let (d_left, d_right) = (self.sp_disp(depth - 2, nlocals), self.sp_disp(depth - 1, nlocals));
        let fval = self.c.native.float_ob_fval;
        self.load_two_floats(d_left, d_right, slow);
        self.float_arith(op, slow);
        let (done, right, alloc) = (self.new_label(), self.new_label(), self.new_label());
        self.jump_unless_sole_reference(RAX, right);
        // Reuse left; drop right (_Py_DECREF_SPECIALIZED).
        asm!(self.ops
            ; movsd [rax + fval], xmm0
            ; mov rax, rcx
        );
        self.decref_exact(self.c.fn_float_dealloc, this_instr);
        asm!(self.ops
            ; jmp =>done
            ; =>right
        );
        self.jump_unless_sole_reference(RCX, alloc);
        // Reuse right; left keeps a reference elsewhere.
        asm!(self.ops ; movsd [rcx + fval], xmm0);
        self.decref_no_dealloc(RAX);
        asm!(self.ops
            ; mov [r13 + d_left], rcx
            ; jmp =>done
            ; =>alloc
        );
        self.new_float_or_error(this_instr, next_instr, d_right, exit);
        asm!(self.ops ; mov rcx, [r13 + d_left]);
        self.decref_no_dealloc(RCX);
        asm!(self.ops ; mov rcx, [r13 + d_right]);
        self.decref_no_dealloc(RCX);
        asm!(self.ops
            ; mov [r13 + d_left], rax
            ; =>done
        );
    }

    /// BINARY_OP_{ADD,SUBTRACT,MULTIPLY}_FLOAT with the right operand (and
    /// the left, with `left_lent`) lent by the local at `d_right`
    /// (`d_left`) instead of held by the stack (`Gen::try_fuse`); the
    /// result goes to `d_result`.  Jumps to `lend` (nothing done) unless
    /// both are exact floats.  A lent operand is never reused for the
    /// result (its local holds it) nor released.  A failed allocation
    /// jumps to `lend_error`, which puts the lent operands on the stack
    /// and leaves for the eval loop's error handling.  Release builds
    /// only.
    #[allow(clippy::too_many_arguments)]
    pub fn float_binop_lent(&mut self, op: FloatOp, d_left: i32, left_lent: bool, d_right: i32, d_result: i32, this_instr: u64, lend: DynamicLabel, lend_error: DynamicLabel) {
        let fval = self.c.native.float_ob_fval;
        self.load_two_floats(d_left, d_right, lend);
        self.float_arith(op, lend);
        let (done, alloc) = (self.new_label(), self.new_label());
        if !left_lent {
            // The stack's reference is the left operand's only one: reuse it.
            self.jump_unless_sole_reference(RAX, alloc);
            asm!(self.ops
                ; movsd [rax + fval], xmm0
                ; jmp =>done
            );
        }
        self.bind(alloc);
        self.new_float_or_jump(this_instr, lend_error);
        if !left_lent {
            // It had another reference: released without deallocation.
            asm!(self.ops ; mov rcx, [r13 + d_left]);
            self.decref_no_dealloc(RCX);
        }
        asm!(self.ops
            ; mov [r13 + d_result], rax
            ; =>done
        );
    }

    /// Register `out` = the value of the exact int in `obj` if it is
    /// compact (one digit), else jump to `slow`; clobbers `tag`.
    #[allow(clippy::useless_conversion)] // in dynasm's expansion of Rq()
    fn compact_int_value(&mut self, obj: u8, tag: u8, out: u8, slow: DynamicLabel) {
        let n = self.c.native.clone();
        let compact = 2i32 << n.long_non_size_bits;
        let sign = i32::from(n.long_sign_mask);
        asm!(self.ops
            ; mov Rq(tag), [Rq(obj) + n.long_tag]
            ; cmp Rq(tag), compact
            ; jae =>slow
            // _PyLong_CompactValue(): (1 - (tag & sign mask)) * digit.
            ; mov Rd(out), DWORD [Rq(obj) + n.long_digit]
            ; and Rd(tag), sign
            ; neg Rq(tag)
            ; add Rq(tag), 1
            ; imul Rq(out), Rq(tag)
        );
    }

    /// rax = PyFloat_FromDouble(xmm0).  If that fails, leave for the eval
    /// loop's error handling with the two operands (the top one at
    /// `d_right`) still on the stack.
    fn new_float_or_error(&mut self, this_instr: u64, next_instr: u64, d_right: i32, exit: DynamicLabel) {
        let (failed, error) = (self.new_label(), self.c.result_error);
        self.new_float_or_jump(this_instr, failed);
        self.cold(move |a| {
            a.bind(failed);
            a.exit_with(next_instr, d_right + 8, error, exit);
        });
    }

    /// rax = PyFloat_FromDouble(xmm0), or jump to `failed` if that fails.
    fn new_float_or_jump(&mut self, this_instr: u64, failed: DynamicLabel) {
        let (ip, from_double) = (self.c.frame_instr_ptr, self.c.native.fn_float_from_double);
        asm!(self.ops
            ; mov rdx, QWORD this_instr as i64
            ; mov [r13 + ip], rdx
            ; mov rax, QWORD from_double as i64
            ; call rax
            ; test rax, rax
            ; jz =>failed
        );
    }

    /// Jump to `other` unless the count of the object in `reg` (rax or
    /// rcx) is 1: the stack's reference is its only one.  Read as two
    /// 32-bit halves (see `decref()`).
    #[allow(clippy::useless_conversion)] // in dynasm's expansion of Rq()
    fn jump_unless_sole_reference(&mut self, reg: u8, other: DynamicLabel) {
        let rc = self.c.ob_refcnt;
        let high = rc + 4;
        asm!(self.ops
            ; cmp DWORD [Rq(reg) + rc], 1
            ; jne =>other
            ; cmp DWORD [Rq(reg) + high], 0
            ; jne =>other
        );
    }

    /// _Py_DECREF_NO_DEALLOC(reg): the object has other references.
    fn decref_no_dealloc(&mut self, reg: u8) {
        self.count_down(reg, CountDown::NeverZero);
    }

    /// The type-version guard of attribute instructions: rdx = the owner
    /// (the stack slot at `disp`), rcx = its type; jump to `slow` unless
    /// the type's version is `version` (the inline cache's, baked: a
    /// version is never given to another type or state).
    fn guard_type_version(&mut self, disp: i32, version: u32, slow: DynamicLabel) {
        let (ty, tag) = (self.c.ob_type, self.c.native.type_version_tag);
        asm!(self.ops
            ; mov rdx, [r13 + disp]
            ; mov rcx, [rdx + ty]
            ; cmp DWORD [rcx + tag], version as i32
            ; jne =>slow
        );
    }

    /// After guard_type_version(): rcx = the owner's inline values
    /// (`_PyObject_InlineValues`), jump to `slow` unless they are valid.
    fn inline_values(&mut self, slow: DynamicLabel) {
        let n = self.c.native.clone();
        asm!(self.ops
            ; mov rcx, [rcx + n.type_basicsize]
            ; add rcx, rdx
            ; cmp BYTE [rcx + n.dictvalues_valid], 0
            ; je =>slow
        );
    }

    /// LOAD_ATTR_INSTANCE_VALUE / LOAD_ATTR_SLOT / LOAD_ATTR_WITH_HINT
    /// (`kind`) of the owner at frame offset `d_owner` (a stack slot, or a
    /// local when a LOAD_FAST lends it), with the inline cache's type
    /// version and value index, slot offset or hint baked in.  Jumps to `slow`
    /// (nothing done) on a guard failure or an unset attribute.  Stores
    /// the attribute (a new reference) at frame offset `d_result` and
    /// leaves the owner in rcx.  Release builds only.
    #[allow(clippy::too_many_arguments)]
    pub fn load_attr(&mut self, kind: AttrKind, d_owner: i32, d_result: i32, version: u32, index: u32, slow: DynamicLabel) {
        self.guard_type_version(d_owner, version, slow);
        self.attr_address(kind, index, slow);
        asm!(self.ops ; mov rax, [rcx]);
        self.jump_if_rax_null(slow);
        // Release builds: incref_rax() clobbers only rcx, not the owner in rdx.
        debug_assert!(!self.c.ref_debug);
        self.incref_rax();
        asm!(self.ops
            ; mov [r13 + d_result], rax
            ; mov rcx, rdx
        );
    }

    /// After guard_type_version(): rcx = the address of the attribute's
    /// slot in the owner (rdx), `index` the cache's value index, slot
    /// offset or hint, jumping to `slow` where `kind` needs more guards.
    fn attr_address(&mut self, kind: AttrKind, index: u32, slow: DynamicLabel) {
        let values = self.c.native.dictvalues_values;
        match kind {
            AttrKind::InlineValues => {
                self.inline_values(slow);
                asm!(self.ops ; lea rcx, [rcx + values + 8 * index as i32]);
            }
            AttrKind::Slot => {
                // The cache holds the slot's byte offset.
                asm!(self.ops ; lea rcx, [rdx + index as i32]);
            }
            AttrKind::Hint { name } => {
                // A dict (left in r8) with string keys only, the hint
                // within them, and the entry there holding this very name.
                let n = self.c.native.clone();
                asm!(self.ops
                    ; mov r8, [rdx + n.managed_dict_offset]
                    ; test r8, r8
                    ; jz =>slow
                    ; mov r9, [r8 + n.dict_keys]
                    ; cmp QWORD [r9 + n.keys_nentries], index as i32
                    ; jle =>slow
                    ; cmp BYTE [r9 + n.keys_kind], n.keys_general as i8
                    ; je =>slow
                );
                self.unicode_entries();
                let entry = (index << n.unicode_entry_shift) as i32;
                asm!(self.ops
                    ; mov r10, QWORD name as i64
                    ; cmp [r9 + entry + n.unicode_entry_key], r10
                    ; jne =>slow
                    ; lea rcx, [r9 + entry + n.unicode_entry_value]
                );
            }
        }
    }

    /// STORE_ATTR_INSTANCE_VALUE / _SLOT / _WITH_HINT (`kind`) with the owner
    /// at frame offset `d_owner` (a stack slot, or a local a LOAD_FAST
    /// lends) and the value at `d_value` (a stack slot), with the inline
    /// cache's type version and index or offset baked in.  Jumps to
    /// `slow` (nothing done) on a guard failure.
    /// Otherwise stores the value (the slot's reference moves into the
    /// object) and leaves the old value, or NULL, in rax for the caller to
    /// release, then the owner.  Release builds only.
    #[allow(clippy::too_many_arguments)]
    pub fn store_attr(&mut self, kind: AttrKind, d_owner: i32, d_value: i32, version: u32, index: u32, slow: DynamicLabel) {
        let n = self.c.native.clone();
        self.guard_type_version(d_owner, version, slow);
        if let AttrKind::InlineValues = kind {
            // No materialized dict (the inline values are checked next).
            asm!(self.ops
                ; cmp QWORD [rdx + n.managed_dict_offset], 0
                ; jne =>slow
            );
        }
        self.attr_address(kind, index, slow);
        if let AttrKind::Hint { .. } = kind {
            self.dict_store_guards(d_value, slow);
        }
        asm!(self.ops
            ; mov r9, [r13 + d_value]
            ; mov r10, [rcx]
            ; mov [rcx], r9
        );
        if let AttrKind::Hint { .. } = kind {
            self.next_dict_version();
        }
        if let AttrKind::InlineValues = kind {
            // A new attribute: _PyDictValues_AddToInsertionOrder(), whose
            // array follows the `capacity` value slots.
            asm!(self.ops
                ; test r10, r10
                ; jnz >done
                ; mov rcx, [rdx + self.c.ob_type]
                ; mov rcx, [rcx + n.type_basicsize]
                ; add rcx, rdx
                ; movzx r9d, BYTE [rcx + n.dictvalues_capacity]
                ; lea r9, [rcx + n.dictvalues_values + r9 * 8]
                ; movzx r11d, BYTE [rcx + n.dictvalues_size]
                ; mov BYTE [r9 + r11], index as i8
                ; add r11d, 1
                ; mov BYTE [rcx + n.dictvalues_size], r11b
                ; done:
            );
        }
        asm!(self.ops ; mov rax, r10);
    }

    /// The guards STORE_ATTR_WITH_HINT adds to the hint's (the dict in r8,
    /// the entry's value slot at rcx): an exact dict with no watcher
    /// (`_PyDict_NotifyEvent()` would call them), a value in the slot, and
    /// no `_PyObject_GC_TRACK()` needed: the dict tracked already or the
    /// value (at `d_value`) of a type without GC.  Else jump to `slow`.
    /// Clobbers rax, r9.
    fn dict_store_guards(&mut self, d_value: i32, slow: DynamicLabel) {
        let n = self.c.native.clone();
        let ty = self.c.ob_type;
        asm!(self.ops
            ; mov rax, QWORD n.dict_type as i64
            ; cmp [r8 + ty], rax
            ; jne =>slow
            ; test DWORD [r8 + n.dict_version_tag], n.dict_watcher_mask as i32
            ; jnz =>slow
            ; cmp QWORD [rcx], 0
            ; je =>slow
            ; cmp QWORD [r8 + n.gc_next], 0
            ; jne >tracked
            ; mov r9, [r13 + d_value]
            ; mov r9, [r9 + ty]
            ; test DWORD [r9 + n.type_flags], n.tpflags_have_gc as i32
            ; jnz =>slow
            ; tracked:
        );
    }

    /// The dict in r8 was modified: its `ma_version_tag` becomes the
    /// interpreter's next dict version with its own watcher and
    /// modification bits (`_PyDict_NotifyEvent()`, PEP 509).  Clobbers
    /// r9, r11.
    fn next_dict_version(&mut self) {
        let n = self.c.native.clone();
        asm!(self.ops
            ; mov r9, [r12 + n.tstate_interp]
            ; mov r11, [r9 + n.interp_dict_global_version]
            ; add r11, n.dict_version_increment as i32
            ; mov [r9 + n.interp_dict_global_version], r11
            ; mov r9, [r8 + n.dict_version_tag]
            ; and r9d, n.dict_watcher_and_modification_mask as i32
            ; or r11, r9
            ; mov [r8 + n.dict_version_tag], r11
        );
    }

    /// LOAD_ATTR_METHOD_WITH_VALUES (`keys_version` given) or
    /// LOAD_ATTR_METHOD_NO_DICT with the owner in stack slot `depth - 1`:
    /// guard the cache's type (and keys) version, then push the cached
    /// method `descr` below the owner (all three baked: the type version
    /// keeps the method alive).  Jumps to `slow` (nothing done) on a guard
    /// failure.  Release builds only.
    pub fn load_attr_method(&mut self, depth: u32, nlocals: u32, version: u32, keys_version: Option<u32>, descr: u64, slow: DynamicLabel) {
        let n = self.c.native.clone();
        let d = self.sp_disp(depth - 1, nlocals);
        self.guard_type_version(d, version, slow);
        if let Some(keys_version) = keys_version {
            asm!(self.ops
                ; mov r9, [rcx + n.type_basicsize]
                ; cmp BYTE [rdx + r9 + n.dictvalues_valid], 0
                ; je =>slow
                ; mov r9, [rcx + n.heaptype_cached_keys]
            );
            self.guard_keys_version(keys_version, slow);
        }
        asm!(self.ops ; mov rax, QWORD descr as i64);
        // Release builds: incref_rax() clobbers only rcx, not the owner in rdx.
        debug_assert!(!self.c.ref_debug);
        self.incref_rax();
        asm!(self.ops
            ; mov [r13 + d], rax
            ; mov [r13 + d + 8], rdx
        );
    }

    /// The guards and comparison of COMPARE_OP_INT / COMPARE_OP_FLOAT
    /// (`float`) on the operands at frame offsets `d_left` and `d_right`
    /// (stack slots, or locals that lend them): both exact
    /// ints of at most one digit, or exact floats, else jump to `slow`
    /// (nothing done).  Sets bl to whether the values compare as `mask`
    /// says (COMPARISON_BIT: 1 unordered, 2 less, 4 greater, 8 equal).  The
    /// operands stay on the stack.
    pub fn compare(&mut self, float: bool, d_left: i32, d_right: i32, mask: u32, slow: DynamicLabel) {
        let n = self.c.native.clone();
        if float {
            self.load_two_floats(d_left, d_right, slow);
            // 1 << (2 * (x >= y) + (x <= y)); NaN makes both false.
            asm!(self.ops
                ; xor r8d, r8d
                ; xor r9d, r9d
                ; ucomisd xmm0, xmm1
                ; setae r8b
                ; ucomisd xmm1, xmm0
                ; setae r9b
                ; lea ecx, [r9 + r8 * 2]
                ; mov eax, 1
                ; shl eax, cl
                ; test eax, (mask & 15) as i32
                ; setnz bl
            );
            return;
        }
        self.load_two_of_type(d_left, d_right, n.int_type, slow);
        self.compact_int_value(RAX, R8, R10, slow);
        self.compact_int_value(RCX, R9, R11, slow);
        asm!(self.ops ; cmp r10, r11);
        // Ints are never unordered: the mask's bit 0 does not matter.
        match mask & 14 {
            2 => asm!(self.ops ; setl bl),
            4 => asm!(self.ops ; setg bl),
            8 => asm!(self.ops ; sete bl),
            6 => asm!(self.ops ; setne bl),
            10 => asm!(self.ops ; setle bl),
            12 => asm!(self.ops ; setge bl),
            14 => asm!(self.ops ; mov bl, 1),
            _ => asm!(self.ops ; mov bl, 0),
        }
    }

    /// BINARY_OP_{ADD,SUBTRACT,MULTIPLY}_INT on stack slots `depth - 2` and
    /// `depth - 1`: unless both are exact ints (else jump to `slow`, nothing
    /// done), call `function` (`_PyLong_Add`, ...), release right then left
    /// (exact ints: no Python code runs), and put the result in slot
    /// `depth - 2`; a NULL result is an error at `next_instr` with both
    /// operands consumed.  Release builds only.
    #[allow(clippy::too_many_arguments)]
    pub fn int_binop(&mut self, function: u64, depth: u32, nlocals: u32, this_instr: u64, next_instr: u64, slow: DynamicLabel, exit: DynamicLabel) {
        let (d_left, d_right) = (self.sp_disp(depth - 2, nlocals), self.sp_disp(depth - 1, nlocals));
        let int_type = self.c.native.int_type;
        let ip = self.c.frame_instr_ptr;
        self.load_two_of_type(d_left, d_right, int_type, slow);
        asm!(self.ops
            ; mov rdx, QWORD this_instr as i64
            ; mov [r13 + ip], rdx
            ; mov rdi, rax
            ; mov rsi, rcx
            ; mov rax, QWORD function as i64
            ; call rax
            ; mov rbx, rax
        );
        // _Py_DECREF_SPECIALIZED(right, PyObject_Free), then left.
        let free = self.c.fn_object_free;
        self.load_stack(depth - 1, nlocals);
        self.decref_exact(free, this_instr);
        self.load_stack(depth - 2, nlocals);
        self.decref_exact(free, this_instr);
        self.store_rbx_or_error(d_left, next_instr, exit);
    }

    /// `store_result_or_error()` of rbx, where calls leave their result.
    pub fn store_rbx_or_error(&mut self, disp: i32, next_instr: u64, exit: DynamicLabel) {
        self.rbx_to_rax();
        self.store_result_or_error(disp, next_instr, exit);
    }

    /// Stack slot at `disp` = rax; if rax is NULL, an error at `next_instr`
    /// instead, with the stack ending below that slot.
    fn store_result_or_error(&mut self, disp: i32, next_instr: u64, exit: DynamicLabel) {
        let (error, failed) = (self.c.result_error, self.new_label());
        asm!(self.ops
            ; test rax, rax
            ; jz =>failed
            ; mov [r13 + disp], rax
        );
        self.cold(move |a| {
            a.bind(failed);
            a.exit_with(next_instr, disp, error, exit);
        });
    }

    /// The guard and test of TO_BOOL_INT / _NONE / _STR / _LIST /
    /// _ALWAYS_TRUE (`kind`; `version` is the cache's type version of
    /// the last) on the value at frame offset `d` (a stack slot, or a
    /// local that lends it): jump to `slow` (nothing done) unless the
    /// value has the expected type, else set bl to its truth.  The value
    /// stays where it is, and in rax.
    pub fn to_bool(&mut self, kind: BoolKind, d: i32, version: u32, slow: DynamicLabel) {
        let n = self.c.native.clone();
        match kind {
            BoolKind::None => {
                asm!(self.ops ; mov rax, [r13 + d]);
                self.branch_if_rax(self.c.py_none, false, slow);
                asm!(self.ops ; mov bl, 0);
            }
            BoolKind::Int => {
                // _PyLong_IsZero(): the sign bits say zero (1).
                self.load_of_type(RAX, d, n.int_type, slow);
                asm!(self.ops
                    ; mov ecx, DWORD [rax + n.long_tag]
                    ; and ecx, n.long_sign_mask as i32
                    ; cmp ecx, 1
                    ; setne bl
                );
            }
            BoolKind::Str => {
                self.load_of_type(RAX, d, n.str_type, slow);
                asm!(self.ops
                    ; mov rcx, QWORD n.empty_str as i64
                    ; cmp rax, rcx
                    ; setne bl
                );
            }
            BoolKind::List => {
                self.load_of_type(RAX, d, n.list_type, slow);
                asm!(self.ops
                    ; cmp QWORD [rax + n.var_size], 0
                    ; setne bl
                );
            }
            BoolKind::AlwaysTrue => {
                self.guard_type_version(d, version, slow);
                asm!(self.ops
                    ; mov rax, rdx
                    ; mov bl, 1
                );
            }
        }
    }

    /// Stack slot `depth` = Py_True if bl is set, else Py_False.  Clobbers
    /// rcx and rdx only.
    pub fn store_stack_bool_bl(&mut self, depth: u32, nlocals: u32, py_true: u64, py_false: u64) {
        let d = self.sp_disp(depth, nlocals);
        asm!(self.ops
            ; mov rdx, QWORD py_false as i64
            ; mov rcx, QWORD py_true as i64
            ; test bl, bl
            ; cmovnz rdx, rcx
            ; mov [r13 + d], rdx
        );
    }

    /// Jump to `l` if bl is (not) set.
    pub fn branch_if_bl(&mut self, set: bool, l: DynamicLabel) {
        if set {
            asm!(self.ops ; test bl, bl ; jnz =>l);
        } else {
            asm!(self.ops ; test bl, bl ; jz =>l);
        }
    }

    /// BINARY_SUBSCR_LIST_INT (or, `tuple`, _TUPLE_INT) on the container
    /// at frame offset `d_list` (an exact list or tuple) and the index at
    /// `d_sub` (an exact int, 0 <= it < len): stack slots, or locals that
    /// lend them.  Else jump to `slow` (nothing done).  Puts the new
    /// reference to the item at `d_result`, leaves the container in rbx
    /// for the caller to release after the index.  Release builds only.
    pub fn binary_subscr_int(&mut self, tuple: bool, d_list: i32, d_sub: i32, d_result: i32, slow: DynamicLabel) {
        let n = self.c.native.clone();
        let seq_type = if tuple { n.tuple_type } else { n.list_type };
        self.guard_index(d_list, d_sub, seq_type, slow);
        asm!(self.ops
            ; mov rbx, rax
        );
        if tuple {
            asm!(self.ops ; mov rax, [rax + rdx * 8 + n.tuple_items]);
        } else {
            asm!(self.ops
                ; mov r8, [rax + n.list_items]
                ; mov rax, [r8 + rdx * 8]
            );
        }
        debug_assert!(!self.c.ref_debug);
        self.incref_rax();
        asm!(self.ops ; mov [r13 + d_result], rax);
    }

    /// The guards of `seq[sub]` for an exact list or tuple (`seq_type`)
    /// at `d_seq` and an exact int at `d_sub` with 0 <= it < len, else jump
    /// to `slow`: rax = seq, rcx = sub, rdx = the index.
    pub fn guard_index(&mut self, d_seq: i32, d_sub: i32, seq_type: u64, slow: DynamicLabel) {
        let n = self.c.native.clone();
        let ty = self.c.ob_type;
        // _PyLong_IsNonNegativeCompact(): tag <= 1 << non-size bits.
        let non_negative = 1i32 << n.long_non_size_bits;
        asm!(self.ops
            ; mov rax, [r13 + d_seq]
            ; mov rcx, [r13 + d_sub]
            ; mov rdx, QWORD n.int_type as i64
            ; cmp [rcx + ty], rdx
            ; jne =>slow
            ; mov rdx, QWORD seq_type as i64
            ; cmp [rax + ty], rdx
            ; jne =>slow
            ; cmp QWORD [rcx + n.long_tag], non_negative
            ; ja =>slow
            ; mov edx, DWORD [rcx + n.long_digit]
            ; cmp rdx, [rax + n.var_size]
            ; jae =>slow
        );
    }

    /// rax = rbx.
    pub fn rbx_to_rax(&mut self) {
        asm!(self.ops ; mov rax, rbx);
    }

    /// SEND_GEN (`send`: the value on top is sent to the receiver below
    /// it) or FOR_ITER_GEN (None is sent to the iterator on top), as the
    /// interpreter does them: guards (else jump to `slow`, nothing done):
    /// no PEP 523 frame evaluator, an exact generator (or, for SEND, a
    /// coroutine) that is not running.  Then the value goes onto the
    /// generator frame's stack, the generator runs and takes the thread's
    /// exception state, this frame records `return_offset`, its
    /// instr_ptr and stack pointer, and machine code leaves through `exit`
    /// to switch to the generator's frame: SEND_GEN as DISPATCH_INLINED (a
    /// started frame, whose recursion check `leave` makes), FOR_ITER_GEN as
    /// _PUSH_FRAME (counted here, resumed at its instr_ptr).
    #[allow(clippy::too_many_arguments)]
    pub fn gen_send(&mut self, send: bool, depth: u32, nlocals: u32, this_instr: u64, return_offset: u16, pairing: Pairing, slow: DynamicLabel, exit: DynamicLabel) {
        let n = self.c.native.clone();
        let s = self.c.switch.clone();
        let (ty, ip) = (self.c.ob_type, self.c.frame_instr_ptr);
        let d_gen = self.sp_disp(depth - 1 - u32::from(send), nlocals);
        let d_top = self.sp_disp(depth - 1, nlocals);
        // This frame's stack after the instruction, as the eval loop sees it.
        let stacktop = (nlocals + depth - u32::from(send)) as i32;
        asm!(self.ops
            ; mov rax, [r12 + n.tstate_interp]
            ; cmp QWORD [rax + n.interp_eval_frame], 0
            ; jne =>slow
            ; mov rcx, [r13 + d_gen]
            ; mov rax, [rcx + ty]
            ; mov rdx, QWORD n.gen_type as i64
            ; cmp rax, rdx
        );
        if send {
            asm!(self.ops
                ; je >type_ok
                ; mov rdx, QWORD n.coro_type as i64
                ; cmp rax, rdx
                ; jne =>slow
                ; type_ok:
            );
        } else {
            asm!(self.ops ; jne =>slow);
        }
        asm!(self.ops
            ; cmp BYTE [rcx + n.gen_frame_state], n.frame_executing
            ; jge =>slow
            ; lea r8, [rcx + n.gen_iframe]
        );
        if send {
            asm!(self.ops ; mov rax, [r13 + d_top]);
        } else {
            asm!(self.ops ; mov rax, QWORD self.c.py_none as i64);
        }
        self.push_onto_r8_frame(RAX);
        asm!(self.ops
            ; mov BYTE [rcx + n.gen_frame_state], n.frame_executing
            ; mov rax, [r12 + n.tstate_exc_info]
            ; mov [rcx + n.gen_previous_exc], rax
            ; lea rax, [rcx + n.gen_exc_state]
            ; mov [r12 + n.tstate_exc_info], rax
            ; mov WORD [r13 + n.frame_return_offset], return_offset as i16
            ; mov rax, QWORD this_instr as i64
            ; mov [r13 + ip], rax
            ; mov DWORD [r13 + s.frame_stacktop], stacktop
            ; mov [r8 + n.frame_previous], r13
            ; mov [r12 + s.tstate_current_frame], r8
        );
        if send {
            asm!(self.ops
                ; xor eax, eax
                ; mov edx, n.result_start_frame
            );
        } else {
            asm!(self.ops
                ; sub DWORD [r12 + s.tstate_py_recursion_remaining], 1
                ; mov rax, [r8 + ip]
                ; mov edx, n.result_resume_frame
            );
        }
        self.switch_here(send, exit, pairing);
    }

    /// `_PyFrame_StackPush()` of `reg` onto the stack of the frame in r8,
    /// which is not running (its stack pointer is in `stacktop`).
    /// Clobbers rdx.
    #[allow(clippy::useless_conversion)] // in dynasm's expansion of Rq()
    fn push_onto_r8_frame(&mut self, reg: u8) {
        let (top, lp) = (self.c.switch.frame_stacktop, self.c.frame_localsplus);
        asm!(self.ops
            ; movsxd rdx, DWORD [r8 + top]
            ; mov [r8 + rdx * 8 + lp], Rq(reg)
            ; add DWORD [r8 + top], 1
        );
    }

    /// Switch to the frame in r8 as `leave` would, with this site's own
    /// copy of the lookup; what it cannot take goes to `exit` with rax:rdx.
    fn switch_here(&mut self, start: bool, exit: DynamicLabel, pairing: Pairing) {
        if !self.c.switch.enabled {
            asm!(self.ops ; jmp =>exit);
            return;
        }
        self.switch_lookup(start, exit, exit, pairing);
    }

    /// YIELD_VALUE of the generator whose frame runs, with the value on top
    /// of the stack (`depth`), as the interpreter does it: the generator is
    /// suspended (`oparg`: FRAME_SUSPENDED or _YIELD_FROM) and gives back
    /// the exception state, its caller becomes the running frame, the
    /// value goes onto the caller's stack, and machine code leaves through
    /// `exit` to resume the caller after its SEND or FOR_ITER.  Never
    /// fails.
    pub fn yield_value(&mut self, depth: u32, nlocals: u32, this_instr: u64, oparg: u32, exit: DynamicLabel) {
        let n = self.c.native.clone();
        let s = self.c.switch.clone();
        let ip = self.c.frame_instr_ptr;
        let d_top = self.sp_disp(depth - 1, nlocals);
        let state = n.frame_suspended + oparg as i8;
        let resume_at = 2 * (1 + n.cache_entries_send) as i32;
        asm!(self.ops
            ; mov r9, [r13 + d_top]
            ; mov rax, QWORD (this_instr + 2) as i64
            ; mov [r13 + ip], rax
            // _PyFrame_GetGenerator(frame)
            ; lea rcx, [r13 - n.gen_iframe]
            ; mov BYTE [rcx + n.gen_frame_state], state
            ; mov DWORD [r13 + s.frame_stacktop], (nlocals + depth - 1) as i32
            ; mov rax, [rcx + n.gen_previous_exc]
            ; mov [r12 + n.tstate_exc_info], rax
            ; mov QWORD [rcx + n.gen_previous_exc], 0
            ; add DWORD [r12 + s.tstate_py_recursion_remaining], 1
            ; mov r8, [r13 + n.frame_previous]
            ; mov [r12 + s.tstate_current_frame], r8
            ; mov QWORD [r13 + n.frame_previous], 0
            // LOAD_IP(1 + INLINE_CACHE_ENTRIES_SEND), then push the value
            // onto the caller's stack (LOAD_SP, push, save).
            ; mov rax, [r8 + ip]
            ; add rax, resume_at
        );
        self.push_onto_r8_frame(R9);
        asm!(self.ops ; mov edx, n.result_resume_frame);
        self.return_by_pair();
        self.switch_here(false, exit, Pairing::Tested);
    }

    /// FOR_ITER_LIST / _TUPLE / _RANGE with the iterator on top (stack slot
    /// `depth - 1`) while it has items: push the next one.  Jumps to `slow`
    /// (nothing done) if the iterator is of another type or exhausted: the
    /// helper then ends the loop.  A range's next value is a small int
    /// (immortal) or PyLong_FromLong()'s, whose failure is an error at
    /// `next_instr` with the iterator still on the stack.  Release builds
    /// only.
    #[allow(clippy::too_many_arguments)]
    pub fn for_iter(&mut self, kind: IterKind, depth: u32, nlocals: u32, this_instr: u64, next_instr: u64, slow: DynamicLabel, exit: DynamicLabel) {
        let n = self.c.native.clone();
        let (d_iter, d_next) = (self.sp_disp(depth - 1, nlocals), self.sp_disp(depth, nlocals));
        let (iter_type, index, seq, items) = match kind {
            IterKind::List => (n.list_iter_type, n.list_iter_index, n.list_iter_seq, None),
            IterKind::Tuple => (n.tuple_iter_type, n.tuple_iter_index, n.tuple_iter_seq, Some(n.tuple_items)),
            IterKind::Range => (n.range_iter_type, 0, 0, None),
        };
        self.load_of_type(RAX, d_iter, iter_type, slow);
        if kind == IterKind::Range {
            let ip = self.c.frame_instr_ptr;
            // value = start; start += step; len--.
            asm!(self.ops
                ; mov rcx, rax
                ; cmp QWORD [rcx + n.range_iter_len], 0
                ; jle =>slow
                ; sub QWORD [rcx + n.range_iter_len], 1
                ; mov rax, [rcx + n.range_iter_start]
                ; mov rdx, rax
                ; add rdx, [rcx + n.range_iter_step]
                ; mov [rcx + n.range_iter_start], rdx
                // A small int: its immortal singleton.
                ; lea rdx, [rax + n.small_neg]
                ; cmp rdx, n.small_neg + n.small_pos
                ; jae >big
                ; imul rdx, rdx, n.long_size
                ; mov rax, QWORD n.small_ints as i64
                ; add rax, rdx
                ; jmp >done
                ; big:
                ; mov rdx, QWORD this_instr as i64
                ; mov [r13 + ip], rdx
                ; mov rdi, rax
                ; mov rax, QWORD n.fn_long_from_long as i64
                ; call rax
                ; done:
            );
            self.store_result_or_error(d_next, next_instr, exit);
            return;
        }
        asm!(self.ops
            ; mov rcx, [rax + seq]
            ; test rcx, rcx
            ; jz =>slow
            ; mov rdx, [rax + index]
            ; cmp rdx, [rcx + n.var_size]
            ; jae =>slow
            ; lea r8, [rdx + 1]
            ; mov [rax + index], r8
        );
        match items {
            Some(off) => asm!(self.ops ; mov rax, [rcx + rdx * 8 + off]),
            None => asm!(self.ops
                ; mov r8, [rcx + n.list_items]
                ; mov rax, [r8 + rdx * 8]
            ),
        }
        debug_assert!(!self.c.ref_debug);
        self.incref_rax();
        asm!(self.ops ; mov [r13 + d_next], rax);
    }

    /// The C call of CALL_BUILTIN_O / _FAST / _FAST_WITH_KEYWORDS or
    /// CALL_METHOD_DESCRIPTOR_O / _NOARGS / _FAST / _FAST_WITH_KEYWORDS
    /// (`kind`) with the callable at stack slot `depth - 2 - oparg`,
    /// self_or_null above it and the arguments above that.  Guards (else
    /// jump to `slow`, nothing done), as the instruction's: an exact
    /// builtin function or method descriptor whose method has exactly the
    /// kind's flags; the number of arguments the kind takes (counting
    /// self_or_null); for a descriptor, `self` (the first of them) of
    /// exactly the descriptor's type; for METH_O and METH_NOARGS, C
    /// recursion left.  Calls the C function directly (METH_O and
    /// METH_NOARGS count the C recursion); leaves the result (or NULL) in
    /// rbx and the arguments and callable on the stack for the caller to
    /// release.  The compiler only asks for an `oparg` the kind can take
    /// (`CCall::takes`).  A class (`CCall::Class`) and any other callable
    /// (`CCall::NonPy`) are called through a vectorcall instead
    /// (`call_class`, `call_non_py`).
    pub fn call_c(&mut self, kind: CCall, depth: u32, nlocals: u32, oparg: u32, this_instr: u64, slow: DynamicLabel) {
        let n = self.c.native.clone();
        let ip = self.c.frame_instr_ptr;
        let d_callable = self.sp_disp(depth - 2 - oparg, nlocals);
        let d_self = d_callable + 8;
        let d_args = d_callable + 16;
        let (ty, def, flags) = match kind {
            CCall::BuiltinO => (n.cfunction_type, n.cfunction_ml, n.meth_o),
            CCall::BuiltinFast => (n.cfunction_type, n.cfunction_ml, n.meth_fastcall),
            CCall::BuiltinFastKw => (n.cfunction_type, n.cfunction_ml, n.meth_fastcall | n.meth_keywords),
            CCall::DescrO => (n.method_descriptor_type, n.methoddescr_method, n.meth_o),
            CCall::DescrNoargs => (n.method_descriptor_type, n.methoddescr_method, n.meth_noargs),
            CCall::DescrFast => (n.method_descriptor_type, n.methoddescr_method, n.meth_fastcall),
            CCall::DescrFastKw => (n.method_descriptor_type, n.methoddescr_method, n.meth_fastcall | n.meth_keywords),
            CCall::Class => return self.call_class(d_callable, oparg, this_instr, slow),
            CCall::NonPy => return self.call_non_py(d_callable, oparg, this_instr, slow),
        };
        let descr = ty == n.method_descriptor_type;
        self.load_of_type(RCX, d_callable, ty, slow);
        asm!(self.ops
            ; mov rdx, [rcx + def]
            ; cmp DWORD [rdx + n.methoddef_flags], flags
            ; jne =>slow
            ; mov rax, [rdx + n.methoddef_meth]
            ; mov r8, QWORD this_instr as i64
            ; mov [r13 + ip], r8
        );
        match kind {
            // (CCall::Class and NonPy returned above.)
            CCall::BuiltinFast | CCall::BuiltinFastKw | CCall::DescrFast | CCall::DescrFastKw | CCall::Class | CCall::NonPy => {
                // args = &self_or_null if it is set, and nargs counts it;
                // a descriptor's first argument is its self.
                let skip = u32::from(descr);
                asm!(self.ops
                    ; cmp QWORD [r13 + d_self], 0
                    ; je >no_self
                    ; lea rsi, [r13 + d_self + 8 * skip as i32]
                    ; mov edx, (oparg + 1 - skip) as i32
                    ; jmp >have_args
                    ; no_self:
                );
                if oparg < skip {
                    asm!(self.ops ; jmp =>slow);
                }
                asm!(self.ops
                    ; lea rsi, [r13 + d_args + 8 * skip as i32]
                    ; mov edx, oparg.saturating_sub(skip) as i32
                    ; have_args:
                );
                if descr {
                    asm!(self.ops ; mov rdi, [rsi - 8]);
                    self.guard_descr_self(slow);
                } else {
                    asm!(self.ops ; mov rdi, [rcx + n.cfunction_self]);
                }
                if matches!(kind, CCall::BuiltinFastKw | CCall::DescrFastKw) {
                    asm!(self.ops ; xor ecx, ecx);
                }
            }
            CCall::BuiltinO | CCall::DescrO | CCall::DescrNoargs => {
                // A fixed number of arguments (CCall::takes): self_or_null
                // must be set exactly when oparg is one short of them.
                let total = match kind {
                    CCall::BuiltinO => 1,
                    CCall::DescrO => 2,
                    _ => 1,
                };
                let self_set = oparg + 1 == total;
                asm!(self.ops ; cmp QWORD [r13 + d_self], 0);
                if self_set {
                    asm!(self.ops ; je =>slow);
                } else {
                    asm!(self.ops ; jne =>slow);
                }
                let first = if self_set { d_self } else { d_args };
                if descr {
                    asm!(self.ops ; mov rdi, [r13 + first]);
                    self.guard_descr_self(slow);
                    if kind == CCall::DescrO {
                        asm!(self.ops ; mov rsi, [r13 + first + 8]);
                    } else {
                        asm!(self.ops ; xor esi, esi);
                    }
                } else {
                    asm!(self.ops
                        ; mov rdi, [rcx + n.cfunction_self]
                        ; mov rsi, [r13 + first]
                    );
                }
                asm!(self.ops
                    ; cmp DWORD [r12 + n.tstate_c_recursion_remaining], 0
                    ; jle =>slow
                    ; sub DWORD [r12 + n.tstate_c_recursion_remaining], 1
                );
            }
        }
        asm!(self.ops
            ; call rax
            ; mov rbx, rax
        );
        if matches!(kind, CCall::BuiltinO | CCall::DescrO | CCall::DescrNoargs) {
            asm!(self.ops ; add DWORD [r12 + n.tstate_c_recursion_remaining], 1);
        }
    }

    /// `call_c()` for CALL_BUILTIN_CLASS, the class at `d_callable`:
    /// unless it is a type (`PyType_Check()`) with a `tp_vectorcall`, jump
    /// to `slow` (nothing done); else rbx = tp_vectorcall(class, args,
    /// nargs, NULL), self_or_null counted when it is set.
    fn call_class(&mut self, d_callable: i32, oparg: u32, this_instr: u64, slow: DynamicLabel) {
        let n = self.c.native.clone();
        let ty = self.c.ob_type;
        asm!(self.ops
            ; mov rdi, [r13 + d_callable]
            ; mov rcx, [rdi + ty]
            ; test DWORD [rcx + n.type_flags], n.tpflags_type_subclass as i32
            ; jz =>slow
            ; mov rax, [rdi + n.type_vectorcall]
            ; test rax, rax
            ; jz =>slow
        );
        self.vectorcall_args(d_callable, oparg, this_instr);
        asm!(self.ops
            ; call rax
            ; mov rbx, rax
        );
    }

    /// `call_c()` for CALL_NON_PY_GENERAL, the callable at `d_callable`:
    /// unless it is neither a Python function nor a bound method
    /// (`_CHECK_IS_NOT_PY_CALLABLE`), jump to `slow` (nothing done); else
    /// rbx = PyObject_Vectorcall(callable, args, nargs |
    /// PY_VECTORCALL_ARGUMENTS_OFFSET, NULL), self_or_null counted when it
    /// is set.
    fn call_non_py(&mut self, d_callable: i32, oparg: u32, this_instr: u64, slow: DynamicLabel) {
        let n = self.c.native.clone();
        let ty = self.c.ob_type;
        let function_type = self.c.calls.function_type;
        asm!(self.ops
            ; mov rdi, [r13 + d_callable]
            ; mov rcx, [rdi + ty]
            ; mov rax, QWORD function_type as i64
            ; cmp rcx, rax
            ; je =>slow
            ; mov rax, QWORD n.method_type as i64
            ; cmp rcx, rax
            ; je =>slow
        );
        self.vectorcall_args(d_callable, oparg, this_instr);
        asm!(self.ops
            ; mov rax, QWORD n.vectorcall_arguments_offset as i64
            ; or rdx, rax
            ; mov rax, QWORD n.fn_vectorcall as i64
            ; call rax
            ; mov rbx, rax
        );
    }

    /// The arguments of a vectorcall from the CALL whose callable is at
    /// `d_callable`: rsi = &self_or_null if it is set, else the first
    /// argument, rdx = their number (`oparg`, plus self), rcx = NULL (no
    /// keywords); the frame's instr_ptr set to `this_instr` (the callee
    /// may look at this frame).  Keeps rax and rdi.
    fn vectorcall_args(&mut self, d_callable: i32, oparg: u32, this_instr: u64) {
        let ip = self.c.frame_instr_ptr;
        let d_self = d_callable + 8;
        asm!(self.ops
            ; mov r8, QWORD this_instr as i64
            ; mov [r13 + ip], r8
            ; lea rsi, [r13 + d_self + 8]
            ; mov edx, oparg as i32
            ; cmp QWORD [r13 + d_self], 0
            ; je >no_self
            ; sub rsi, 8
            ; add edx, 1
            ; no_self:
            ; xor ecx, ecx
        );
    }

    /// Jump to `slow` unless the method descriptor in rcx belongs to the
    /// exact type of rdi (its self).  Clobbers r8.
    fn guard_descr_self(&mut self, slow: DynamicLabel) {
        let (ty, d_type) = (self.c.ob_type, self.c.native.descr_type);
        asm!(self.ops
            ; mov r8, [rdi + ty]
            ; cmp r8, [rcx + d_type]
            ; jne =>slow
        );
    }

    /// After a call: store the result in rbx at stack slot `disp` (an error
    /// at `next_instr` if NULL, the stack ending below the slot), then
    /// _CHECK_PERIODIC: handle a pending eval-breaker event, whose failure
    /// is an error with the result on the stack.
    pub fn call_result(&mut self, disp: i32, next_instr: u64, exit: DynamicLabel) {
        let (breaker, mask) = (self.c.tstate_eval_breaker, self.c.eval_events_mask as i32);
        let handle_pending = self.c.native.fn_handle_pending;
        let error = self.c.result_error;
        self.store_rbx_or_error(disp, next_instr, exit);
        // An event pending (rare): handled out of line.
        let (pending, done) = (self.new_label(), self.new_label());
        asm!(self.ops
            ; mov rax, [r12 + breaker]
            ; test rax, mask
            ; jnz =>pending
            ; =>done
        );
        self.cold(move |a| {
            asm!(a.ops
                ; =>pending
                ; mov rdi, r12
                ; mov rax, QWORD handle_pending as i64
                ; call rax
                ; test eax, eax
                ; jz =>done
            );
            a.exit_with(next_instr, disp + 8, error, exit);
        });
    }

    /// Add one to the u64 counter at `addr`.
    pub fn count(&mut self, addr: u64) {
        asm!(self.ops
            ; mov rcx, QWORD addr as i64
            ; add QWORD [rcx], 1
        );
    }

    /// The guard of one dict of LOAD_GLOBAL_MODULE / _BUILTIN: the frame's
    /// dict at `frame_field` is an exact dict whose keys have the cache's
    /// `version`; leaves its keys in r9.
    fn global_dict_guard(&mut self, frame_field: i32, version: u32, slow: DynamicLabel) {
        let n = self.c.native.clone();
        self.load_of_type(R9, frame_field, n.dict_type, slow);
        asm!(self.ops ; mov r9, [r9 + n.dict_keys]);
        self.guard_keys_version(version, slow);
    }

    /// Jump to `slow` unless the dict keys in r9 have the cache's
    /// `version` (baked: a keys version names one keys object in one
    /// state, and is never reused).
    fn guard_keys_version(&mut self, version: u32, slow: DynamicLabel) {
        let off = self.c.native.keys_version;
        asm!(self.ops
            ; cmp DWORD [r9 + off], version as i32
            ; jne =>slow
        );
    }

    /// r9 = DK_UNICODE_ENTRIES(the dict keys in r9).  Clobbers rcx, r10.
    fn unicode_entries(&mut self) {
        let n = self.c.native.clone();
        asm!(self.ops
            ; movzx ecx, BYTE [r9 + n.keys_log2_index_bytes]
            ; mov r10d, 1
            ; shl r10, cl
            ; lea r9, [r9 + r10 + n.keys_indices]
        );
    }

    /// LOAD_GLOBAL_MODULE (`builtins_version` None) or
    /// LOAD_GLOBAL_BUILTIN: guard the dict versions of the inline cache,
    /// push the value at the cached `index` of the module's (builtins')
    /// keys, all three baked.  Jumps to `slow` (nothing done) on a guard
    /// failure or an empty slot.  Release builds only.
    pub fn load_global(&mut self, depth: u32, nlocals: u32, version: u32, builtins_version: Option<u32>, index: u32, slow: DynamicLabel) {
        let n = self.c.native.clone();
        let d = self.sp_disp(depth, nlocals);
        self.global_dict_guard(n.frame_globals, version, slow);
        if let Some(v) = builtins_version {
            self.global_dict_guard(n.frame_builtins, v, slow);
        }
        self.entry_value(index, slow);
        asm!(self.ops ; mov [r13 + d], rax);
    }

    /// rax = a new reference to DK_UNICODE_ENTRIES(keys in r9)[index]
    /// .me_value; jump to `slow` if it is NULL.
    fn entry_value(&mut self, index: u32, slow: DynamicLabel) {
        let n = self.c.native.clone();
        self.unicode_entries();
        let entry = (index << n.unicode_entry_shift) as i32;
        asm!(self.ops ; mov rax, [r9 + entry + n.unicode_entry_value]);
        self.jump_if_rax_null(slow);
        self.incref_rax();
    }

    /// LOAD_ATTR_MODULE with the owner on top (slot `depth - 1`): an
    /// exact module whose dict's keys have the cache's `version`, and a
    /// value at the cached `index` (both baked); else jump to `slow`
    /// (nothing done).  The
    /// value replaces the owner (a new reference), NULL goes above it if
    /// `push_null`, and the module stays in rbx for the caller to
    /// release.  Release builds only.
    pub fn load_attr_module(&mut self, depth: u32, nlocals: u32, version: u32, index: u32, push_null: bool, slow: DynamicLabel) {
        let n = self.c.native.clone();
        let d_owner = self.sp_disp(depth - 1, nlocals);
        self.load_of_type(R9, d_owner, n.module_type, slow);
        asm!(self.ops
            ; mov rbx, r9
            ; mov r9, [r9 + n.module_dict]
            ; mov r9, [r9 + n.dict_keys]
        );
        self.guard_keys_version(version, slow);
        self.entry_value(index, slow);
        asm!(self.ops ; mov [r13 + d_owner], rax);
        if push_null {
            self.store_stack_null(depth, nlocals);
        }
    }

    /// Stack slots `a` and `b` trade places.
    pub fn swap_stack(&mut self, a: u32, b: u32, nlocals: u32) {
        let (da, db) = (self.sp_disp(a, nlocals), self.sp_disp(b, nlocals));
        asm!(self.ops
            ; mov rax, [r13 + da]
            ; mov rcx, [r13 + db]
            ; mov [r13 + da], rcx
            ; mov [r13 + db], rax
        );
    }

    /// Stack slot `depth` = NULL.
    pub fn store_stack_null(&mut self, depth: u32, nlocals: u32) {
        let disp = self.sp_disp(depth, nlocals);
        asm!(self.ops ; mov QWORD [r13 + disp], 0);
    }

    /// Local `i` = NULL.
    pub fn clear_local(&mut self, i: u32) {
        let disp = self.c.frame_localsplus + 8 * i as i32;
        asm!(self.ops ; mov QWORD [r13 + disp], 0);
    }

    /// Jump to `l` if rax is NULL.
    pub fn jump_if_rax_null(&mut self, l: DynamicLabel) {
        asm!(self.ops ; test rax, rax ; jz =>l);
    }

    /// Jump to `l` unless the live opcode at `instr` is `opcode`.
    pub fn jump_unless_opcode(&mut self, instr: u64, opcode: u8, l: DynamicLabel) {
        asm!(self.ops
            ; mov rcx, QWORD instr as i64
            ; cmp BYTE [rcx], opcode as i8
            ; jne =>l
        );
    }

    /// Jump to `l` unless Py_TYPE(rax) is `ty`.
    pub fn jump_unless_type(&mut self, ty: u64, l: DynamicLabel) {
        let off = self.c.ob_type;
        asm!(self.ops
            ; mov rcx, QWORD ty as i64
            ; cmp [rax + off], rcx
            ; jne =>l
        );
    }

    /// RESUME_CHECK: jump to `l` unless tstate->eval_breaker equals the
    /// code object's instrumentation version (at `version`).
    pub fn jump_unless_resume_ok(&mut self, version: u64, l: DynamicLabel) {
        let off = self.c.tstate_eval_breaker;
        asm!(self.ops
            ; mov rax, [r12 + off]
            ; mov rcx, QWORD version as i64
            ; cmp rax, [rcx]
            ; jne =>l
        );
    }

    /// Jump to `l` if rax == value (or != value).
    pub fn branch_if_rax(&mut self, value: u64, equal: bool, l: DynamicLabel) {
        asm!(self.ops ; mov rcx, QWORD value as i64 ; cmp rax, rcx);
        if equal {
            asm!(self.ops ; je =>l);
        } else {
            asm!(self.ops ; jne =>l);
        }
    }

    /// Jump to `l` unless an eval-breaker event is pending.
    pub fn jump_unless_eval_breaker(&mut self, l: DynamicLabel) {
        let off = self.c.tstate_eval_breaker;
        let mask = self.c.eval_events_mask as i32;
        asm!(self.ops
            ; mov rax, [r12 + off]
            ; test rax, mask
            ; jz =>l
        );
    }
}
