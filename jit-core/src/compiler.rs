//! The compiler: one pass over the verified bytecode, one emitter per
//! instruction (`gen_*`).  Most instructions call their generated helper
//! (Python/bjit_cases.c.h); a short list runs natively (see Doc/design.md,
//! "Native instructions").

use dynasmrt::DynamicLabel;

use crate::bytecode::{self, Code, Instr};
use crate::codemem::{CodeBlock, MemError};
use crate::consts::Consts;
use crate::generated::opcodes::{self as op, Cache};
use crate::x64::calls::RetVal;
use crate::x64::{Asm, AttrKind, BoolKind, CCall, DirectDeopt, FloatOp, Handback, IterKind, Pair, Pairing};
use crate::Refusal;

/// What the compiler needs to know about one code object.
pub struct Input<'a> {
    /// Address of `_PyCode_CODE(co)`: machine code compares next_instr
    /// values against addresses in it.
    pub code_addr: u64,
    pub code: &'a [u16],
    pub nlocalsplus: u32,
    pub stacksize: u32,
    pub consts: &'a [u64],
    /// `co_names`' items: string addresses.
    pub names: &'a [u64],
    pub exceptiontable: &'a [u8],
    /// Address of the code object's `_PyBJIT_CodeState.instr_ok` byte.
    pub instr_ok_addr: u64,
    /// False in unit tests: objects and helpers are not real.
    pub live: bool,
}

/// Machine code for one code object and its entry table.
pub struct Compiled {
    pub block: Option<CodeBlock>,
    /// Code unit -> absolute machine address (0: no entry).
    pub entries: Box<[usize]>,
    /// Code unit -> expected stack pointer, as an offset from the frame.
    pub sp_offsets: Box<[i32]>,
    pub code_bytes: usize,
    /// Bytecode instructions (inline cache entries not counted).
    pub instructions: usize,
    /// The code this replaced, kept until the code object dies.
    pub retired: Option<Box<Compiled>>,
}

/// Addresses inside the never-freed trampoline.
#[derive(Clone, Copy)]
pub struct Stubs {
    /// Call the helper in rax, then `leave`.
    pub call_then_leave: u64,
    /// Every exit from compiled code; switches frames (`Asm::leave`).
    pub leave: u64,
    /// The end of a native return whose code object was freed
    /// (`Asm::return_dealloc_code_stub`).
    pub return_dealloc_code: u64,
    /// The rest of every native return (`Asm::return_stub`).
    pub return_stub: u64,
    /// The shared part of CALL_PY_EXACT_ARGS (`Asm::push_frame_stub`).
    pub push_frame: u64,
}

impl Stubs {
    /// Addresses for tests that never run the code.
    pub fn fake() -> Stubs {
        Stubs { call_then_leave: 0x30_0000, leave: 0x30_0010, return_dealloc_code: 0x30_0020, return_stub: 0x30_0030, push_frame: 0x30_0040 }
    }
}

struct Gen<'a> {
    asm: Asm,
    input: &'a Input<'a>,
    code: &'a Code,
    labels: Vec<DynamicLabel>,
    exit: DynamicLabel,
    dynamic: DynamicLabel,
    stubs: Stubs,
    /// Native fast paths whose guard failed continue here, emitted after
    /// all instructions: (label, instruction index, depth, whether the
    /// adaptive countdown already ran).
    slow: Vec<(DynamicLabel, usize, u32, bool)>,
    /// Instructions emitted out of line, after all others: the second of
    /// a fused pair (`try_fuse`), whose entry and fallback this is.
    unfused: Vec<usize>,
    /// The code of a generator or coroutine (it starts with
    /// RETURN_GENERATOR): its frame is the generator's, and its returns
    /// are the helper's.
    generator: bool,
    /// Where a helper's result goes when instrumentation changed during
    /// the call: counted, then to the eval loop as it is (one per code
    /// object, out of line).
    instr_changed: Option<DynamicLabel>,
}

impl Gen<'_> {
    fn c(&self) -> &Consts {
        &self.asm.c
    }

    fn addr(&self, unit: u32) -> u64 {
        self.input.code_addr + 2 * u64::from(unit)
    }

    fn label_at(&self, unit: i64) -> Option<DynamicLabel> {
        let k = *self.code.index_of.get(usize::try_from(unit).ok()?)?;
        k.map(|k| self.labels[k as usize])
    }

    fn helper_for(&self, opcode: u8) -> Option<u64> {
        if op::FLAGS[opcode as usize] & op::HAS_HELPER == 0 {
            return None;
        }
        if !self.input.live {
            return Some(0xdead_0000 + u64::from(opcode));
        }
        // SAFETY: `helpers` is the address of `_PyBJIT_Helpers[256]`.
        let f = unsafe { *((self.c().helpers as *const u64).add(opcode as usize)) };
        (f != 0).then_some(f)
    }

    /// The helper to run `ins`: its own, or the generic instruction's.
    fn helper(&self, ins: &Instr) -> Option<(u8, u64)> {
        self.helper_for(ins.opcode)
            .map(|h| (ins.opcode, h))
            .or_else(|| self.helper_for(ins.base).map(|h| (ins.base, h)))
    }

    fn is_immortal(&self, obj: u64) -> bool {
        if !self.input.live {
            return false;
        }
        // SAFETY: a live constant of the code object.
        let low = unsafe { *((obj as *const u8).offset(self.c().ob_refcnt as isize) as *const i32) };
        low < 0
    }

    /// How the native call `ins` switches to its callee: with a return pair
    /// whose `ret` resumes this code at the next instruction (where the
    /// callee's return or yield continues), if that has an entry.
    fn pairing(&self, ins: &Instr) -> Pairing {
        match self.label_at(i64::from(ins.next)) {
            Some(next) => Pairing::Push(Pair { instr_ok: self.input.instr_ok_addr, next, resume: self.addr(ins.next) }),
            None => Pairing::Drop,
        }
    }

    /// A label for the out-of-line path of instruction `k`: the generic
    /// route (helper call) emitted after all instructions.
    fn slow_path(&mut self, k: usize, depth: u32) -> DynamicLabel {
        self.slow_path_after(k, depth, false)
    }

    /// As `slow_path()`; `counted`: the instruction's adaptive countdown
    /// ran before its fast path, and the out-of-line path does not run it
    /// again.
    fn slow_path_after(&mut self, k: usize, depth: u32, counted: bool) -> DynamicLabel {
        let l = self.asm.new_label();
        self.slow.push((l, k, depth, counted));
        l
    }

    /// The first guard of every specialized fast path: jump to the
    /// out-of-line path of instruction `k` (returned) unless the live
    /// opcode is still the one compiled.
    fn guard_live_opcode(&mut self, k: usize, depth: u32) -> DynamicLabel {
        let ins = self.code.instrs[k];
        let slow = self.slow_path(k, depth);
        self.asm.jump_unless_opcode(self.addr(ins.at), ins.opcode, slow);
        slow
    }

    /// The inline-cache entry `c` of instruction `ins` as the bytecode
    /// holds it now (read_u16 / read_u32 / read_obj), to bake into guards
    /// and loads.  A fast path that bakes its cache does not check the
    /// live opcode: its guards hold whatever the interpreter rewrites later
    /// (a type or keys version is never reused, and the entries baked with
    /// it were valid for it).
    fn cache(&self, ins: &Instr, c: Cache) -> u64 {
        let at = (ins.at + c.unit) as usize;
        (at..at + c.units as usize)
            .rev()
            .fold(0, |v, u| v << 16 | u64::from(self.input.code.get(u).copied().unwrap_or(0)))
    }

    /// As `cache()` for an entry of one or two units.
    fn cache32(&self, ins: &Instr, c: Cache) -> u32 {
        debug_assert!(c.units <= 2);
        self.cache(ins, c) as u32
    }

    /// Where the attribute instruction `ins` (LOAD_ATTR_INSTANCE_VALUE,
    /// _SLOT, _WITH_HINT, STORE_ATTR_INSTANCE_VALUE, _SLOT, _WITH_HINT) finds its
    /// attribute, and its cache entries (type version, index / offset /
    /// hint), baked.
    fn attr_kind(&self, ins: &Instr) -> (AttrKind, u32, u32) {
        let (kind, version, index) = self.attr_caches(ins);
        (kind, self.cache32(ins, version), self.cache32(ins, index))
    }

    fn attr_caches(&self, ins: &Instr) -> (AttrKind, Cache, Cache) {
        match ins.opcode {
            op::LOAD_ATTR_SLOT => (AttrKind::Slot, op::CACHE_LOAD_ATTR_SLOT_TYPE_VERSION, op::CACHE_LOAD_ATTR_SLOT_INDEX),
            op::LOAD_ATTR_WITH_HINT => {
                // check_operand() has proved the name index.
                let name = self.input.names.get((ins.oparg >> 1) as usize).copied().unwrap_or(0);
                (AttrKind::Hint { name }, op::CACHE_LOAD_ATTR_WITH_HINT_TYPE_VERSION, op::CACHE_LOAD_ATTR_WITH_HINT_HINT)
            }
            op::STORE_ATTR_SLOT => (AttrKind::Slot, op::CACHE_STORE_ATTR_SLOT_TYPE_VERSION, op::CACHE_STORE_ATTR_SLOT_INDEX),
            op::STORE_ATTR_WITH_HINT => {
                let name = self.input.names.get(ins.oparg as usize).copied().unwrap_or(0);
                (AttrKind::Hint { name }, op::CACHE_STORE_ATTR_WITH_HINT_TYPE_VERSION, op::CACHE_STORE_ATTR_WITH_HINT_HINT)
            }
            op::STORE_ATTR_INSTANCE_VALUE => (
                AttrKind::InlineValues,
                op::CACHE_STORE_ATTR_INSTANCE_VALUE_TYPE_VERSION,
                op::CACHE_STORE_ATTR_INSTANCE_VALUE_INDEX,
            ),
            _ => (AttrKind::InlineValues, op::CACHE_LOAD_ATTR_INSTANCE_VALUE_TYPE_VERSION, op::CACHE_LOAD_ATTR_INSTANCE_VALUE_INDEX),
        }
    }

    /// A LOAD_FAST or LOAD_FAST_LOAD_FAST (`k`) that lends its (last)
    /// local to the attribute instruction after it (`self.x`,
    /// `self.x = v`): the pair is emitted
    /// as one piece that reads the owner from the local, so the owner gets
    /// no reference for its short stay on the stack (no incref, no store,
    /// no load, no decref).  Nothing can run in between: no code runs
    /// between the two instructions in the interpreter either, and the
    /// owner, still held by the local, cannot be deallocated.  The
    /// attribute instruction is also emitted on its own, out of line
    /// (`Gen::unfused`): that is its entry, and where the pair goes when a
    /// guard fails, after doing the LOAD_FAST.  Returns false (nothing
    /// emitted) when the pair does not qualify.
    fn try_fuse(&mut self, k: usize) -> bool {
        let (Some(ins), Some(next)) = (self.code.instrs.get(k).copied(), self.code.instrs.get(k + 1).copied()) else {
            return false;
        };
        let (Some(depth), Some(next_depth)) = (self.code.depth[k], self.code.depth.get(k + 1).copied().flatten()) else {
            return false;
        };
        // The owner is the local LOAD_FAST pushes, or the second one of
        // LOAD_FAST_LOAD_FAST (`v` in `o.x = v`... pushed as `v, o`).
        let (local, first) = match ins.opcode {
            op::LOAD_FAST => (ins.oparg, None),
            op::LOAD_FAST_LOAD_FAST => (ins.oparg & 15, Some(ins.oparg >> 4)),
            _ => return false,
        };
        let depth = depth + u32::from(first.is_some());
        if self.c().ref_debug || self.c().pystats || ins.next != next.start || next_depth != depth + 1 || k + 2 >= self.labels.len() {
            return false;
        }
        let float_op = match next.opcode {
            op::BINARY_OP_ADD_FLOAT => Some(FloatOp::Add),
            op::BINARY_OP_SUBTRACT_FLOAT => Some(FloatOp::Subtract),
            op::BINARY_OP_MULTIPLY_FLOAT => Some(FloatOp::Multiply),
            _ => None,
        };
        if let (Some(float_op), true) = (float_op, depth >= 1) {
            self.fuse_float_op(k, local, first, depth, float_op);
            return true;
        }
        if matches!(next.opcode, op::COMPARE_OP_INT | op::COMPARE_OP_FLOAT) && depth >= 1 {
            self.fuse_compare(k, local, first, depth);
            return true;
        }
        if matches!(next.opcode, op::BINARY_SUBSCR_LIST_INT | op::BINARY_SUBSCR_TUPLE_INT) && depth >= 1 {
            self.fuse_subscr(k, local, first, depth);
            return true;
        }
        if first.is_none()
            && matches!(next.opcode, op::TO_BOOL_INT | op::TO_BOOL_NONE | op::TO_BOOL_STR | op::TO_BOOL_LIST | op::TO_BOOL_ALWAYS_TRUE)
        {
            self.fuse_to_bool(k, local, depth);
            return true;
        }
        let load = matches!(next.opcode, op::LOAD_ATTR_INSTANCE_VALUE | op::LOAD_ATTR_SLOT | op::LOAD_ATTR_WITH_HINT);
        let store = matches!(next.opcode, op::STORE_ATTR_INSTANCE_VALUE | op::STORE_ATTR_SLOT | op::STORE_ATTR_WITH_HINT) && depth >= 1;
        if !load && !store {
            return false;
        }
        if let Some(first) = first {
            self.gen_load_fast(first, depth - 1);
        }
        let nl = self.input.nlocalsplus;
        let this = self.addr(next.at);
        // The cache is baked: no live-opcode guard (see `cache()`).
        let (d_local, lend) = self.lend_one(k, local, depth);
        let (kind, version, index) = self.attr_kind(&next);
        if load {
            let d_result = self.asm.sp_disp(depth, nl);
            self.asm.load_attr(kind, d_local, d_result, version, index, lend);
            if next.oparg & 1 != 0 {
                self.asm.store_stack_null(depth + 1, nl);
            }
        } else {
            let d_value = self.asm.sp_disp(depth - 1, nl);
            self.asm.store_attr(kind, d_local, d_value, version, index, lend);
            // Release the old value (if any); the owner was lent.
            let check = self.after_dealloc(&next, depth - 1);
            self.asm.decref(false, true, this, Some(check));
        }
        self.unfused.push(k + 1);
        true
    }

    /// `try_fuse()` for a float operation: the right operand is the local
    /// `local` lent by instruction `k`, which, a LOAD_FAST_LOAD_FAST, lends
    /// the left one too (`first`); else the left one is on the stack.  The
    /// lent operands would be in stack slots `depth - 1` and `depth`.
    fn fuse_float_op(&mut self, k: usize, local: u32, first: Option<u32>, depth: u32, float_op: FloatOp) {
        let next = self.code.instrs[k + 1];
        let nl = self.input.nlocalsplus;
        let this = self.addr(next.at);
        let (d_left, d_right, lend) = self.lend_operands(k, local, first, depth);
        let d_result = self.asm.sp_disp(depth - 1, nl);
        // The allocation failed: do the loads, then leave with the error
        // (at the operation, with its operands on the stack).
        let lend_error = self.asm.new_label();
        let (next_instr, error, exit) = (self.addr(next.next), self.c().result_error, self.exit);
        self.asm.cold(move |a| {
            a.bind(lend_error);
            push_lent(a, first, local, depth, nl);
            a.leave_with_error(next_instr, depth + 1, nl, error, exit);
        });
        self.asm.jump_unless_opcode(this, next.opcode, lend);
        self.asm.float_binop_lent(float_op, d_left, first.is_some(), d_right, d_result, this, lend, lend_error);
        self.unfused.push(k + 1);
    }

    /// `try_fuse()` for BINARY_SUBSCR_LIST_INT / _TUPLE_INT (`k + 1`,
    /// `seq[i]`): the index is lent, and the container too after a
    /// LOAD_FAST_LOAD_FAST; a container on the stack is released (a list's
    /// items may run code when it dies: then instrumentation is checked).
    fn fuse_subscr(&mut self, k: usize, local: u32, first: Option<u32>, depth: u32) {
        let next = self.code.instrs[k + 1];
        let nl = self.input.nlocalsplus;
        let this = self.addr(next.at);
        let (d_list, d_sub, lend) = self.lend_operands(k, local, first, depth);
        let d_result = self.asm.sp_disp(depth - 1, nl);
        self.asm.jump_unless_opcode(this, next.opcode, lend);
        self.asm.binary_subscr_int(next.opcode == op::BINARY_SUBSCR_TUPLE_INT, d_list, d_sub, d_result, lend);
        if first.is_none() {
            self.asm.rbx_to_rax();
            let check = self.after_dealloc(&next, depth);
            self.asm.decref(false, false, this, Some(check));
        }
        self.unfused.push(k + 1);
    }

    /// `try_fuse()` for TO_BOOL_INT / _NONE / _STR / _LIST / _ALWAYS_TRUE
    /// (`k + 1`, `if x:`): the value is lent by a LOAD_FAST, so nothing is
    /// released and no code can run; the truth goes straight into the
    /// POP_JUMP_IF_* after it, or onto the stack as a bool.
    fn fuse_to_bool(&mut self, k: usize, local: u32, depth: u32) {
        let next = self.code.instrs[k + 1];
        let this = self.addr(next.at);
        let (d_local, lend) = self.lend_one(k, local, depth);
        self.asm.jump_unless_opcode(this, next.opcode, lend);
        let version = self.cache32(&next, op::CACHE_TO_BOOL_ALWAYS_TRUE_TYPE_VERSION);
        self.asm.to_bool(bool_kind(next.opcode), d_local, version, lend);
        self.bool_result(k + 1, depth);
        self.unfused.push(k + 1);
    }

    /// The end of COMPARE_OP_INT / COMPARE_OP_FLOAT or a lent TO_BOOL
    /// (`k`), its result in bl: a branch when a POP_JUMP_IF_TRUE/FALSE
    /// follows (which keeps its own code for other entries), else a bool
    /// in stack slot `slot`.
    fn bool_result(&mut self, k: usize, slot: u32) {
        match self.fused_branch(k) {
            Some((if_true, target, after)) => {
                self.asm.branch_if_bl(if_true, target);
                self.asm.jump(after);
            }
            None => {
                let (t, f) = (self.c().py_true, self.c().py_false);
                self.asm.store_stack_bool_bl(slot, self.input.nlocalsplus, t, f);
            }
        }
    }

    /// Where `try_fuse()` lends operands: the lending instruction `k`
    /// pushes the local `local` into stack slot `depth` (and `first`, if
    /// a LOAD_FAST_LOAD_FAST, into `depth - 1`).  Returns the frame
    /// offsets of the left and right operands (the left one on the stack
    /// unless `first`), and the label of a cold path that does the loads
    /// and goes on with instruction `k + 1` on its own.
    fn lend_operands(&mut self, k: usize, local: u32, first: Option<u32>, depth: u32) -> (i32, i32, DynamicLabel) {
        let d_left = match first {
            Some(l) => self.c().frame_localsplus + 8 * l as i32,
            None => self.asm.sp_disp(depth - 1, self.input.nlocalsplus),
        };
        let lend = self.lend(k, local, first, depth);
        (d_left, self.c().frame_localsplus + 8 * local as i32, lend)
    }

    /// As `lend_operands()` for one operand, the local `local` (which the
    /// LOAD_FAST `k` pushes into stack slot `depth`): its frame offset, and
    /// the cold path.
    fn lend_one(&mut self, k: usize, local: u32, depth: u32) -> (i32, DynamicLabel) {
        let lend = self.lend(k, local, None, depth);
        (self.c().frame_localsplus + 8 * local as i32, lend)
    }

    /// The cold path of `lend_operands()` and `lend_one()`: the loads
    /// (`push_lent()`), then instruction `k + 1` on its own.
    fn lend(&mut self, k: usize, local: u32, first: Option<u32>, depth: u32) -> DynamicLabel {
        let (nl, lend, unfused) = (self.input.nlocalsplus, self.asm.new_label(), self.labels[k + 1]);
        self.asm.cold(move |a| {
            a.bind(lend);
            push_lent(a, first, local, depth, nl);
            a.jump(unfused);
        });
        lend
    }

    /// `try_fuse()` for COMPARE_OP_INT / COMPARE_OP_FLOAT (`k + 1`): the
    /// operands are lent as `lend_operands()` says; a left one on the
    /// stack is released (an exact int or float: no code runs).
    fn fuse_compare(&mut self, k: usize, local: u32, first: Option<u32>, depth: u32) {
        let next = self.code.instrs[k + 1];
        let nl = self.input.nlocalsplus;
        let this = self.addr(next.at);
        let (d_left, d_right, lend) = self.lend_operands(k, local, first, depth);
        self.asm.jump_unless_opcode(this, next.opcode, lend);
        self.asm.compare(next.opcode == op::COMPARE_OP_FLOAT, d_left, d_right, next.oparg, lend);
        if first.is_none() {
            let dealloc = self.exact_dealloc(next.opcode);
            self.asm.load_stack(depth - 1, nl);
            self.asm.decref_exact(dealloc, this);
        }
        self.bool_result(k + 1, depth - 1);
        self.unfused.push(k + 1);
    }

    fn gen_instr(&mut self, k: usize) -> Result<(), Refusal> {
        let ins = self.code.instrs[k];
        let Some(depth) = self.code.depth[k] else { return Ok(()) };
        let nl = self.input.nlocalsplus;
        let this = self.addr(ins.at);
        if self.c().pystats {
            // Instructions emitted inline would be missing from the counts.
            return self.gen_helper_call(&ins, depth, true).map(drop);
        }
        match ins.opcode {
            op::NOP => {}
            // check_operand() has proved every local index below.
            op::LOAD_FAST => self.gen_load_fast(ins.oparg, depth),
            op::LOAD_FAST_LOAD_FAST => {
                self.gen_load_fast(ins.oparg >> 4, depth);
                self.gen_load_fast(ins.oparg & 15, depth + 1);
            }
            op::LOAD_CONST => {
                let obj = *self.input.consts.get(ins.oparg as usize).ok_or(Refusal::BadBytecode)?;
                self.asm.load_imm(obj);
                if !self.is_immortal(obj) {
                    self.asm.incref_rax();
                }
                self.asm.store_stack(depth, nl);
            }
            op::LOAD_FAST_AND_CLEAR => {
                self.asm.load_local(ins.oparg);
                self.asm.clear_local(ins.oparg);
                self.asm.store_stack(depth, nl);
            }
            op::LOAD_FAST_CHECK => {
                // An unbound local raises in the helper.
                let slow = self.slow_path(k, depth);
                self.asm.load_local(ins.oparg);
                self.asm.jump_if_rax_null(slow);
                self.asm.incref_rax();
                self.asm.store_stack(depth, nl);
            }
            op::STORE_FAST => {
                // Store first, then drop the old value: its __del__ may look.
                self.asm.load_stack(depth - 1, nl);
                self.asm.swap_local(ins.oparg);
                let check = self.after_dealloc(&ins, depth - 1);
                self.asm.decref(true, true, this, Some(check));
            }
            op::STORE_FAST_STORE_FAST => {
                // SETLOCAL(oparg >> 4, top); SETLOCAL(oparg & 15, second).
                // The first __del__ may switch on tracing: the instruction
                // ends before the frame is handed back.
                self.asm.load_stack(depth - 1, nl);
                self.asm.swap_local(ins.oparg >> 4);
                let check = self.after_dealloc(&ins, depth - 2);
                self.decref_then(true, true, this, check, |g, check| {
                    g.asm.load_stack(depth - 2, nl);
                    g.asm.swap_local(ins.oparg & 15);
                    g.asm.decref(true, true, this, check);
                });
            }
            op::STORE_FAST_LOAD_FAST => {
                self.asm.load_stack(depth - 1, nl);
                self.asm.swap_local(ins.oparg >> 4);
                self.asm.decref(true, true, this, None);
                self.gen_load_fast(ins.oparg & 15, depth - 1);
                let check = self.after_dealloc(&ins, depth);
                self.asm.handback_if_instrumented(check);
            }
            op::POP_TOP | op::END_FOR => {
                self.asm.load_stack(depth - 1, nl);
                let check = self.after_dealloc(&ins, depth - 1);
                self.asm.decref(false, false, this, Some(check));
            }
            op::PUSH_NULL => self.asm.store_stack_null(depth, nl),
            op::COPY => {
                self.asm.load_stack(depth - ins.oparg, nl);
                self.asm.incref_rax();
                self.asm.store_stack(depth, nl);
            }
            op::SWAP => self.asm.swap_stack(depth - 1, depth - ins.oparg, nl),
            op::POP_JUMP_IF_NONE | op::POP_JUMP_IF_NOT_NONE => {
                // None is immortal; anything else is released first.
                let target_unit = i64::from(ins.next) + i64::from(ins.oparg);
                let target = self.label_at(target_unit).ok_or(Refusal::BadJump)?;
                let none = self.c().py_none;
                let is_none = self.asm.new_label();
                self.asm.load_stack(depth - 1, nl);
                self.asm.branch_if_rax(none, true, is_none);
                // Not None: where the instruction goes on.
                let (next_unit, next) = if ins.opcode == op::POP_JUMP_IF_NONE {
                    (ins.next, None)
                } else {
                    (target_unit as u32, Some(target))
                };
                let mut check = self.after_dealloc(&ins, depth - 1);
                check.next_instr = self.addr(next_unit);
                self.asm.decref(false, false, this, Some(check));
                let fall = self.label_at(i64::from(ins.next)).ok_or(Refusal::BadJump)?;
                self.asm.jump(next.unwrap_or(fall));
                self.asm.bind(is_none);
                if ins.opcode == op::POP_JUMP_IF_NONE {
                    self.asm.jump(target);
                }
            }
            op::TO_BOOL_BOOL => {
                // Live opcode still TO_BOOL_BOOL and a bool: nothing to do.
                let slow = self.guard_live_opcode(k, depth);
                self.asm.load_stack(depth - 1, nl);
                let ty = self.c().bool_type;
                self.asm.jump_unless_type(ty, slow);
            }
            // Guarded fast paths of specialized instructions.  Release
            // builds only: debug builds count references in functions.
            op::BINARY_OP_ADD_FLOAT | op::BINARY_OP_SUBTRACT_FLOAT | op::BINARY_OP_MULTIPLY_FLOAT
                if !self.c().ref_debug =>
            {
                let slow = self.guard_live_opcode(k, depth);
                let float_op = match ins.opcode {
                    op::BINARY_OP_ADD_FLOAT => FloatOp::Add,
                    op::BINARY_OP_SUBTRACT_FLOAT => FloatOp::Subtract,
                    _ => FloatOp::Multiply,
                };
                self.gen_float_arith(&ins, depth, float_op, slow);
            }
            // Not specialized (yet, or any more: the site saw several type
            // pairs): after the adaptive countdown, which lets the
            // interpreter specialize it as usual, floats and ints mixed with
            // floats run inline; anything else takes the generic route.
            op::BINARY_OP if !self.c().ref_debug => match self.float_op(ins.oparg) {
                Some(float_op) => {
                    self.gen_countdown(&ins, depth);
                    let slow = self.slow_path_after(k, depth, true);
                    self.gen_float_arith(&ins, depth, float_op, slow);
                }
                None => match self.binary_c(&ins) {
                    Some(function) => self.gen_binary_c(k, depth, function),
                    None => {
                        self.gen_helper_call(&ins, depth, true)?;
                        return Ok(());
                    }
                },
            },
            op::BINARY_SUBSCR | op::COMPARE_OP if !self.c().ref_debug => match self.binary_c(&ins) {
                Some(function) => self.gen_binary_c(k, depth, function),
                None => {
                    self.gen_helper_call(&ins, depth, true)?;
                    return Ok(());
                }
            },
            op::LOAD_ATTR_INSTANCE_VALUE | op::LOAD_ATTR_SLOT | op::LOAD_ATTR_WITH_HINT if !self.c().ref_debug => {
                let slow = self.slow_path(k, depth);
                let push_null = ins.oparg & 1 != 0;
                let (kind, version, index) = self.attr_kind(&ins);
                let d = self.asm.sp_disp(depth - 1, nl);
                self.asm.load_attr(kind, d, d, version, index, slow);
                if push_null {
                    self.asm.store_stack_null(depth, nl);
                }
                // Release the owner (in rcx); its __del__ may look.
                let check = self.after_dealloc(&ins, depth + u32::from(push_null));
                self.asm.decref(true, false, this, Some(check));
            }
            op::STORE_ATTR_INSTANCE_VALUE | op::STORE_ATTR_SLOT | op::STORE_ATTR_WITH_HINT if !self.c().ref_debug => {
                let slow = self.slow_path(k, depth);
                let (kind, version, index) = self.attr_kind(&ins);
                let (d_value, d_owner) = (self.asm.sp_disp(depth - 2, nl), self.asm.sp_disp(depth - 1, nl));
                self.asm.store_attr(kind, d_owner, d_value, version, index, slow);
                // Release the old value (if any), then the owner.
                let check = self.after_dealloc(&ins, depth - 2);
                self.decref_then(false, true, this, check, |g, check| {
                    g.asm.load_stack(depth - 1, nl);
                    g.asm.decref(false, false, this, check);
                });
            }
            op::BINARY_OP_ADD_INT | op::BINARY_OP_SUBTRACT_INT | op::BINARY_OP_MULTIPLY_INT
                if !self.c().ref_debug =>
            {
                let slow = self.guard_live_opcode(k, depth);
                let n = &self.c().native;
                let function = match ins.opcode {
                    op::BINARY_OP_ADD_INT => n.fn_long_add,
                    op::BINARY_OP_SUBTRACT_INT => n.fn_long_subtract,
                    _ => n.fn_long_multiply,
                };
                let next = self.addr(ins.next);
                self.asm.int_binop(function, depth, nl, this, next, slow, self.exit);
            }
            op::LOAD_ATTR_METHOD_WITH_VALUES | op::LOAD_ATTR_METHOD_NO_DICT if !self.c().ref_debug => {
                let slow = self.slow_path(k, depth);
                let (version, keys, descr) = if ins.opcode == op::LOAD_ATTR_METHOD_WITH_VALUES {
                    (
                        op::CACHE_LOAD_ATTR_METHOD_WITH_VALUES_TYPE_VERSION,
                        Some(op::CACHE_LOAD_ATTR_METHOD_WITH_VALUES_KEYS_VERSION),
                        op::CACHE_LOAD_ATTR_METHOD_WITH_VALUES_DESCR,
                    )
                } else {
                    (op::CACHE_LOAD_ATTR_METHOD_NO_DICT_TYPE_VERSION, None, op::CACHE_LOAD_ATTR_METHOD_NO_DICT_DESCR)
                };
                let (version, descr) = (self.cache32(&ins, version), self.cache(&ins, descr));
                let keys = keys.map(|c| self.cache32(&ins, c));
                self.asm.load_attr_method(depth, nl, version, keys, descr, slow);
            }
            op::COMPARE_OP_INT | op::COMPARE_OP_FLOAT if !self.c().ref_debug => {
                let slow = self.guard_live_opcode(k, depth);
                let (d_left, d_right) = (self.asm.sp_disp(depth - 2, nl), self.asm.sp_disp(depth - 1, nl));
                self.asm.compare(ins.opcode == op::COMPARE_OP_FLOAT, d_left, d_right, ins.oparg, slow);
                // Release the operands: exact ints or floats, whose
                // deallocation runs no Python code (_Py_DECREF_SPECIALIZED).
                let dealloc = self.exact_dealloc(ins.opcode);
                self.asm.load_stack(depth - 2, nl);
                self.asm.decref_exact(dealloc, this);
                self.asm.load_stack(depth - 1, nl);
                self.asm.decref_exact(dealloc, this);
                self.bool_result(k, depth - 2);
            }
            op::TO_BOOL_INT | op::TO_BOOL_NONE | op::TO_BOOL_STR | op::TO_BOOL_LIST | op::TO_BOOL_ALWAYS_TRUE
                if !self.c().ref_debug =>
            {
                let slow = self.guard_live_opcode(k, depth);
                let kind = bool_kind(ins.opcode);
                let d = self.asm.sp_disp(depth - 1, nl);
                let version = self.cache32(&ins, op::CACHE_TO_BOOL_ALWAYS_TRUE_TYPE_VERSION);
                self.asm.to_bool(kind, d, version, slow);
                // Releasing a list or any object may run code that looks at
                // the stack or hands the frame back: the bool is stored
                // first.  Ints and strings run none (None is not released).
                let runs_code = matches!(kind, BoolKind::List | BoolKind::AlwaysTrue);
                let fused = self.fused_branch(k);
                if runs_code || fused.is_none() {
                    let (t, f) = (self.c().py_true, self.c().py_false);
                    self.asm.store_stack_bool_bl(depth - 1, nl, t, f);
                }
                if kind != BoolKind::None {
                    let check = runs_code.then(|| self.after_dealloc(&ins, depth));
                    self.asm.decref(false, false, this, check);
                }
                if let Some((if_true, target, after)) = fused {
                    self.asm.branch_if_bl(if_true, target);
                    self.asm.jump(after);
                }
            }
            op::BINARY_SUBSCR_LIST_INT | op::BINARY_SUBSCR_TUPLE_INT if !self.c().ref_debug => {
                let slow = self.guard_live_opcode(k, depth);
                let (d_list, d_sub) = (self.asm.sp_disp(depth - 2, nl), self.asm.sp_disp(depth - 1, nl));
                self.asm.binary_subscr_int(ins.opcode == op::BINARY_SUBSCR_TUPLE_INT, d_list, d_sub, d_list, slow);
                // Release the index (an exact int, no Python code), then the
                // list, kept in rbx.
                let free = self.c().fn_object_free;
                self.asm.load_stack(depth - 1, nl);
                self.asm.decref_exact(free, this);
                self.asm.rbx_to_rax();
                let check = self.after_dealloc(&ins, depth - 1);
                self.asm.decref(false, false, this, Some(check));
            }
            _ if !self.c().ref_debug && CCall::of(ins.opcode).is_some_and(|c| c.takes(ins.oparg)) => {
                let kind = CCall::of(ins.opcode).ok_or(Refusal::BadBytecode)?;
                let slow = self.guard_live_opcode(k, depth);
                self.asm.call_c(kind, depth, nl, ins.oparg, this, slow);
                // Release the arguments (self_or_null first, maybe NULL),
                // then the callable (CALL_NON_PY_GENERAL: the callable
                // first); each may run any code, and so may the call:
                // check instrumentation once it is all done.
                let base = depth - 2 - ins.oparg;
                let callable_first = kind == CCall::NonPy;
                if callable_first {
                    self.asm.load_stack(base, nl);
                    self.asm.decref(false, false, this, None);
                }
                self.asm.load_stack(base + 1, nl);
                self.asm.decref(false, true, this, None);
                for i in 0..ins.oparg {
                    self.asm.load_stack(base + 2 + i, nl);
                    self.asm.decref(false, false, this, None);
                }
                if !callable_first {
                    self.asm.load_stack(base, nl);
                    self.asm.decref(false, false, this, None);
                }
                let disp = self.asm.sp_disp(base, nl);
                self.asm.call_result(disp, self.addr(ins.next), self.exit);
                let check = self.after_dealloc(&ins, base + 1);
                self.asm.handback_if_instrumented(check);
            }
            op::LOAD_DEREF if !self.c().ref_debug => {
                let slow = self.slow_path(k, depth);
                self.asm.load_deref(ins.oparg, depth, nl, slow);
            }
            op::STORE_DEREF if !self.c().ref_debug => {
                // The old value is released once the cell holds the new
                // one; it may run any code.
                self.asm.store_deref(ins.oparg, depth, nl);
                let check = self.after_dealloc(&ins, depth - 1);
                self.asm.decref(false, true, this, Some(check));
            }
            op::LIST_APPEND if !self.c().ref_debug => {
                // The comprehension's list (an exact list, checked: the
                // helper handles anything else) takes the item.
                let slow = self.slow_path(k, depth);
                let (d_list, d_item) = (self.asm.sp_disp(depth - 1 - ins.oparg, nl), self.asm.sp_disp(depth - 1, nl));
                self.asm.list_append(d_list, d_item, this, self.addr(ins.next), slow, self.exit);
            }
            op::CALL_LIST_APPEND if !self.c().ref_debug && ins.oparg == 1 && self.pop_top_follows(k, depth - 2) => {
                // list.append(x) as a statement: the result is never
                // pushed, and the POP_TOP after it is skipped (SKIP_OVER).
                let slow = self.guard_live_opcode(k, depth);
                let base = depth - 3;
                let cache = self.c().native.interp_list_append;
                self.asm.guard_cached_callable(self.asm.sp_disp(base, nl), cache, slow);
                let (d_list, d_arg) = (self.asm.sp_disp(base + 1, nl), self.asm.sp_disp(base + 2, nl));
                self.asm.list_append(d_list, d_arg, this, self.addr(ins.next), slow, self.exit);
                // Py_DECREF(self), Py_DECREF(callable); then after the
                // POP_TOP.
                let pop_top = self.code.instrs[k + 1];
                self.release_then_check(&[base + 1, base], None, &pop_top, base);
                self.asm.jump(self.labels[k + 2]);
                return Ok(());
            }
            op::CALL_LEN | op::CALL_ISINSTANCE if !self.c().ref_debug => {
                // len(x) / isinstance(x, cls): self_or_null is set exactly
                // when the arguments are one short.
                let len = ins.opcode == op::CALL_LEN;
                let total = if len { 1 } else { 2 };
                if ins.oparg != total && ins.oparg + 1 != total {
                    self.gen_helper_call(&ins, depth, true)?;
                    return Ok(());
                }
                let slow = self.guard_live_opcode(k, depth);
                let base = depth - 2 - ins.oparg;
                let self_null = ins.oparg == total;
                let first = if self_null { base + 2 } else { base + 1 };
                let n = self.c().native.clone();
                self.asm.guard_null(self.asm.sp_disp(base + 1, nl), self_null, slow);
                let cache = if len { n.interp_len } else { n.interp_isinstance };
                self.asm.guard_cached_callable(self.asm.sp_disp(base, nl), cache, slow);
                let (d_first, d_top) = (self.asm.sp_disp(first, nl), self.asm.sp_disp(depth, nl));
                let next = self.addr(ins.next);
                if len {
                    self.asm.call_len(d_first, d_top, this, next, self.exit);
                } else {
                    self.asm.call_isinstance(d_first, d_top, this, next, self.exit);
                }
                // The result replaces the callable; then the interpreter's
                // releases: len's callable and argument, isinstance's
                // instance, class and callable.
                let order: &[u32] = if len { &[base, first] } else { &[first, first + 1, base] };
                self.release_then_check(order, Some(base), &ins, base + 1);
            }
            op::LOAD_ATTR_MODULE if !self.c().ref_debug => {
                let slow = self.slow_path(k, depth);
                let push_null = ins.oparg & 1 != 0;
                let version = self.cache32(&ins, op::CACHE_LOAD_ATTR_MODULE_DICT_VERSION);
                let index = self.cache32(&ins, op::CACHE_LOAD_ATTR_MODULE_INDEX);
                self.asm.load_attr_module(depth, nl, version, index, push_null, slow);
                // DECREF_INPUTS(): the module, kept in rbx.
                self.asm.rbx_to_rax();
                let check = self.after_dealloc(&ins, depth + u32::from(push_null));
                self.asm.decref(false, false, this, Some(check));
            }
            op::UNPACK_SEQUENCE_TWO_TUPLE | op::UNPACK_SEQUENCE_TUPLE | op::UNPACK_SEQUENCE_LIST
                if !self.c().ref_debug && (1..=MAX_NATIVE_UNPACK).contains(&ins.oparg) =>
            {
                let slow = self.guard_live_opcode(k, depth);
                let list = ins.opcode == op::UNPACK_SEQUENCE_LIST;
                self.asm.unpack_sequence(list, ins.oparg, depth, nl, slow);
                // DECREF_INPUTS(): the sequence; its items have new
                // references.
                let check = self.after_dealloc(&ins, depth - 1 + ins.oparg);
                self.asm.decref(false, false, this, Some(check));
            }
            op::STORE_SUBSCR_LIST_INT if !self.c().ref_debug => {
                let slow = self.guard_live_opcode(k, depth);
                self.asm.store_subscr_list_int(depth, nl, slow);
                // The old item, the index (an exact int), the list (kept
                // in rbx).
                self.asm.decref(false, false, this, None);
                self.asm.load_stack(depth - 1, nl);
                self.asm.decref_exact(self.c().fn_object_free, this);
                self.asm.rbx_to_rax();
                self.asm.decref(false, false, this, None);
                let check = self.after_dealloc(&ins, depth - 3);
                self.asm.handback_if_instrumented(check);
            }
            op::FOR_ITER_LIST | op::FOR_ITER_TUPLE | op::FOR_ITER_RANGE if !self.c().ref_debug => {
                let slow = self.guard_live_opcode(k, depth);
                let kind = match ins.opcode {
                    op::FOR_ITER_LIST => IterKind::List,
                    op::FOR_ITER_TUPLE => IterKind::Tuple,
                    _ => IterKind::Range,
                };
                let next = self.addr(ins.next);
                self.asm.for_iter(kind, depth, nl, this, next, slow, self.exit);
            }
            op::SEND_GEN | op::FOR_ITER_GEN if !self.c().ref_debug => {
                let send = ins.opcode == op::SEND_GEN;
                // return_offset: from this instruction to where the
                // generator's return continues (a u16 in the frame).
                let Ok(return_offset) = u16::try_from(ins.next - ins.at + ins.oparg) else {
                    self.gen_helper_call(&ins, depth, true)?;
                    return Ok(());
                };
                let slow = self.guard_live_opcode(k, depth);
                let pairing = self.pairing(&ins);
                self.asm.gen_send(send, depth, nl, this, return_offset, pairing, slow, self.exit);
                return Ok(());
            }
            op::CALL_PY_EXACT_ARGS if !self.c().ref_debug => {
                let slow = self.slow_path(k, depth);
                let return_offset = u16::try_from(ins.next - ins.at).map_err(|_| Refusal::BadBytecode)?;
                let version = self.cache32(&ins, op::CACHE_CALL_PY_EXACT_ARGS_FUNC_VERSION);
                let pairing = self.pairing(&ins);
                self.asm.call_py_exact_args(depth, nl, ins.oparg, this, return_offset, version, self.stubs.push_frame, pairing, slow, self.exit);
                return Ok(());
            }
            // A return with an empty stack (as CPython's compiler emits it)
            // from a function's frame.
            op::RETURN_VALUE | op::RETURN_CONST
                if !self.c().ref_debug && !self.generator && depth == u32::from(ins.opcode == op::RETURN_VALUE) =>
            {
                let slow = self.slow_path(k, depth);
                let value = if ins.opcode == op::RETURN_VALUE {
                    RetVal::Stack
                } else {
                    let obj = *self.input.consts.get(ins.oparg as usize).ok_or(Refusal::BadBytecode)?;
                    RetVal::Const { obj, incref: !self.is_immortal(obj) }
                };
                let shared = self.stubs.return_stub;
                self.asm.return_site(value, depth, nl, this, slow, shared);
                return Ok(());
            }
            op::YIELD_VALUE if !self.c().ref_debug => {
                self.asm.yield_value(depth, nl, this, ins.oparg, self.exit);
                return Ok(());
            }
            op::LOAD_GLOBAL_MODULE | op::LOAD_GLOBAL_BUILTIN if !self.c().ref_debug => {
                let slow = self.slow_path(k, depth);
                let (version, builtins, index) = if ins.opcode == op::LOAD_GLOBAL_MODULE {
                    (op::CACHE_LOAD_GLOBAL_MODULE_VERSION, None, op::CACHE_LOAD_GLOBAL_MODULE_INDEX)
                } else {
                    (
                        op::CACHE_LOAD_GLOBAL_BUILTIN_VERSION,
                        Some(op::CACHE_LOAD_GLOBAL_BUILTIN_VERSION_2),
                        op::CACHE_LOAD_GLOBAL_BUILTIN_INDEX,
                    )
                };
                let (version, index) = (self.cache32(&ins, version), self.cache32(&ins, index));
                let builtins = builtins.map(|c| self.cache32(&ins, c));
                self.asm.load_global(depth, nl, version, builtins, index, slow);
                if ins.oparg & 1 != 0 {
                    self.asm.store_stack_null(depth + 1, nl);
                }
            }
            op::RESUME_CHECK => {
                let slow = self.slow_path(k, depth);
                let c = self.c();
                let version = self.input.code_addr - c.switch.code_units as u64 + c.code_instrumentation_version as u64;
                self.asm.jump_unless_resume_ok(version, slow);
            }
            op::POP_JUMP_IF_TRUE | op::POP_JUMP_IF_FALSE => {
                // The operand is a bool (immortal): compare, no decref.
                let target = self.label_at(i64::from(ins.next) + i64::from(ins.oparg)).ok_or(Refusal::BadJump)?;
                let py_true = self.c().py_true;
                self.asm.load_stack(depth - 1, nl);
                self.asm.branch_if_rax(py_true, ins.opcode == op::POP_JUMP_IF_TRUE, target);
            }
            op::JUMP_FORWARD | op::JUMP_BACKWARD_NO_INTERRUPT => {
                let to = if ins.opcode == op::JUMP_FORWARD {
                    i64::from(ins.next) + i64::from(ins.oparg)
                } else {
                    i64::from(ins.next) - i64::from(ins.oparg)
                };
                let target = self.label_at(to).ok_or(Refusal::BadJump)?;
                self.asm.jump(target);
                return Ok(());
            }
            op::JUMP_BACKWARD => {
                // Poll the eval breaker as the interpreter does; the helper
                // handles a pending event.
                let target = self.label_at(i64::from(ins.next) - i64::from(ins.oparg)).ok_or(Refusal::BadJump)?;
                self.asm.jump_unless_eval_breaker(target);
                self.gen_helper_call(&ins, depth, true)?;
                return Ok(());
            }
            _ => {
                self.gen_helper_call(&ins, depth, true)?;
                return Ok(());
            }
        }
        Ok(())
    }

    /// Does a helper's "continue" always mean the next instruction, whose
    /// code is emitted right after this one?  Then machine code falls
    /// through instead of comparing next_instr with the successors.
    fn falls_through(&self, ins: &Instr) -> bool {
        let redirects = |opcode: u8| op::FLAGS[opcode as usize] & op::REDIRECTS != 0;
        if redirects(ins.opcode) || redirects(ins.base) {
            return false;
        }
        let Some(Some(k)) = self.code.index_of.get(ins.next as usize) else { return false };
        let k = *k as usize;
        // The next instruction is emitted after this one (reachable).
        self.code.instrs.get(k).is_some_and(|n| n.start == ins.next)
            && self.code.depth[k].is_some()
            && self.code.index_of[ins.start as usize].is_some_and(|me| me as usize + 1 == k)
    }

    /// Where to hand the frame back if a deallocation in `ins` changed
    /// instrumentation: the next instruction, with `depth` values.
    fn after_dealloc(&self, ins: &Instr, depth: u32) -> Handback {
        Handback {
            instr_ok: self.input.instr_ok_addr,
            counter: self.c().counter_handback_instrumentation,
            next_instr: self.addr(ins.next),
            depth,
            nlocals: self.input.nlocalsplus,
            exit: self.exit,
        }
    }

    /// Release rax (rcx if `use_rcx`), then do `rest`.  A deallocation in
    /// either may change instrumentation: then the frame is handed back as
    /// `check` says, once `rest` is done.  `rest` runs with `Some(check)`
    /// where it must check its own deallocation, with None where the check
    /// follows anyway.
    fn decref_then(&mut self, use_rcx: bool, xdecref: bool, this: u64, check: Handback, rest: impl Fn(&mut Self, Option<Handback>)) {
        let kept = self.asm.new_label();
        let done = self.asm.new_label();
        self.asm.decref_or_jump(use_rcx, xdecref, this, kept);
        rest(self, None);
        self.asm.handback_if_instrumented(check);
        self.asm.jump(done);
        self.asm.bind(kept);
        rest(self, Some(check));
        self.asm.bind(done);
    }

    /// Release the stack slots `slots` in order (each may run any code),
    /// store rbx (a call's result) at slot `result` if given, then hand
    /// the frame back after `ins` with `depth` values if instrumentation
    /// changed meanwhile.
    fn release_then_check(&mut self, slots: &[u32], result: Option<u32>, ins: &Instr, depth: u32) {
        let (nl, this) = (self.input.nlocalsplus, self.addr(ins.at));
        for &slot in slots {
            self.asm.load_stack(slot, nl);
            self.asm.decref(false, false, this, None);
        }
        if let Some(slot) = result {
            self.asm.store_stack_rbx(slot, nl);
        }
        let check = self.after_dealloc(ins, depth);
        self.asm.handback_if_instrumented(check);
    }

    /// Is instruction `k + 1` a POP_TOP (an entry with `depth` values on
    /// the stack) followed by an instruction with an entry?
    fn pop_top_follows(&self, k: usize, depth: u32) -> bool {
        let ok = |i: usize| self.code.depth.get(i).copied().flatten();
        self.code.instrs.get(k + 1).is_some_and(|p| p.opcode == op::POP_TOP && p.start == p.at)
            && ok(k + 1) == Some(depth)
            && ok(k + 2) == Some(depth - 1)
    }

    /// If instruction `k` is followed by a POP_JUMP_IF_TRUE/FALSE that
    /// consumes its result: (jump if true?, its target, the instruction
    /// after it).
    fn fused_branch(&self, k: usize) -> Option<(bool, DynamicLabel, DynamicLabel)> {
        let next = self.code.instrs.get(k + 1)?;
        self.code.depth.get(k + 1)?.as_ref()?;
        if next.start != next.at || !matches!(next.opcode, op::POP_JUMP_IF_TRUE | op::POP_JUMP_IF_FALSE) {
            return None;
        }
        let target = self.label_at(i64::from(next.next) + i64::from(next.oparg))?;
        let after = self.label_at(i64::from(next.next))?;
        Some((next.opcode == op::POP_JUMP_IF_TRUE, target, after))
    }

    /// What `_Py_DECREF_SPECIALIZED()` calls for the operands of the
    /// float or int instruction `opcode` (COMPARE_OP_FLOAT / _INT).
    fn exact_dealloc(&self, opcode: u8) -> u64 {
        if opcode == op::COMPARE_OP_FLOAT {
            self.c().fn_float_dealloc
        } else {
            self.c().fn_object_free
        }
    }

    /// The float operation of a BINARY_OP oparg, if it has a native path.
    fn float_op(&self, oparg: u32) -> Option<FloatOp> {
        let c = self.c();
        if c.nb_add.contains(&oparg) {
            Some(FloatOp::Add)
        } else if c.nb_subtract.contains(&oparg) {
            Some(FloatOp::Subtract)
        } else if c.nb_multiply.contains(&oparg) {
            Some(FloatOp::Multiply)
        } else if c.nb_true_divide.contains(&oparg) {
            Some(FloatOp::Divide)
        } else {
            None
        }
    }

    /// The adaptive countdown of `ins` (see `Asm::adaptive_countdown`).
    fn gen_countdown(&mut self, ins: &Instr, depth: u32) {
        self.gen_countdown_or(ins, depth, None);
    }

    /// As `gen_countdown()`; with `other`, a live opcode other than the
    /// generic one jumps there.
    fn gen_countdown_or(&mut self, ins: &Instr, depth: u32, other: Option<DynamicLabel>) {
        let (this, start) = (self.addr(ins.at), self.addr(ins.start));
        let interpret = self.c().result_interpret;
        self.asm.adaptive_countdown(this, ins.base, start, depth, self.input.nlocalsplus, interpret, other, self.exit);
    }

    /// The C function that is the whole of the generic BINARY_OP or
    /// BINARY_SUBSCR `ins` (see `x64::generic`); None when compiling
    /// without a live interpreter (no table to read).
    fn binary_c(&self, ins: &Instr) -> Option<u64> {
        if !self.input.live {
            return None;
        }
        let n = &self.c().native;
        match ins.opcode {
            op::BINARY_SUBSCR => Some(n.fn_get_item),
            op::COMPARE_OP if n.fn_rich_compare != 0 => Some(n.fn_rich_compare),
            op::BINARY_OP if ins.oparg <= self.c().max_binary_op && n.binary_ops != 0 => {
                // SAFETY: `binary_ops` is the address of `_PyEval_BinaryOps`,
                // whose entries up to `max_binary_op` (NB_INPLACE_XOR) are
                // set and never change.
                let f = unsafe { *((n.binary_ops as *const u64).add(ins.oparg as usize)) };
                (f != 0).then_some(f)
            }
            _ => None,
        }
    }

    /// The generic BINARY_OP, BINARY_SUBSCR or COMPARE_OP `k` as its
    /// helper runs it, without the helper: the adaptive countdown (the
    /// interpreter still specializes the instruction), then, while the
    /// live opcode is the generic one, `function(left, right)` (a
    /// comparison's with its operator) called directly, both operands
    /// released (either may run any code: instrumentation is checked
    /// after), and the result stored or the error raised; a comparison's
    /// bool form then takes its truth.  A specialized live opcode takes
    /// the out-of-line path: its helper.
    fn gen_binary_c(&mut self, k: usize, depth: u32, function: u64) {
        let ins = self.code.instrs[k];
        let (nl, this) = (self.input.nlocalsplus, self.addr(ins.at));
        // The generic opcode is the countdown's `base`; another live
        // opcode (specialized meanwhile) takes the out-of-line path.
        let slow = self.slow_path_after(k, depth, true);
        self.gen_countdown_or(&ins, depth, Some(slow));
        // COMPARE_OP: PyObject_RichCompare(left, right, oparg >> 5).
        let compare = ins.base == op::COMPARE_OP;
        let third = compare.then_some(ins.oparg >> 5);
        self.asm.call_binary_c(function, third, depth, nl, this);
        for slot in [depth - 2, depth - 1] {
            self.asm.load_stack(slot, nl);
            self.asm.decref(false, false, this, None);
        }
        // As the helper's `pop_2_error`: the stack ends below the result.
        let disp = self.asm.sp_disp(depth - 2, nl);
        let next = self.addr(ins.next);
        self.asm.store_rbx_or_error(disp, next, self.exit);
        if compare && ins.oparg & 16 != 0 {
            self.asm.compare_truth(disp, this, next, self.exit);
        }
        let check = self.after_dealloc(&ins, depth - 1);
        self.asm.handback_if_instrumented(check);
    }

    /// Float arithmetic inline: two floats (reusing an operand), else a
    /// float mixed with a compact int, else `slow`.
    fn gen_float_arith(&mut self, ins: &Instr, depth: u32, float_op: FloatOp, slow: DynamicLabel) {
        let (nl, this, next) = (self.input.nlocalsplus, self.addr(ins.at), self.addr(ins.next));
        let (mixed, done, exit) = (self.asm.new_label(), self.asm.new_label(), self.exit);
        self.asm.float_binop(float_op, depth, nl, this, next, mixed, exit);
        self.asm.bind(done);
        // A float mixed with an int: out of line.
        self.asm.cold(move |a| {
            a.bind(mixed);
            a.mixed_float_binop(float_op, depth, nl, this, next, slow, exit);
            a.jump(done);
        });
    }

    fn gen_load_fast(&mut self, local: u32, depth: u32) {
        self.asm.load_local(local);
        self.asm.incref_rax();
        self.asm.store_stack(depth, self.input.nlocalsplus);
    }

    /// Call the helper, then go where it says: a known successor, another
    /// entry of this code object, or back to the eval loop.
    /// Returns true if it falls through to the next instruction.
    fn gen_helper_call(&mut self, ins: &Instr, depth: u32, countdown: bool) -> Result<bool, Refusal> {
        self.helper_call_with(ins, depth, countdown, None)
    }

    /// The family's deopt target for the out-of-line path of a native
    /// fast path whose guards are exactly its instruction's DEOPT_IFs:
    /// when they failed and the opcode is still the one compiled, the
    /// specialized helper would only deopt, so it is called directly.
    /// (Other fast paths guard more narrowly than their helper, or their
    /// out-of-line path also serves cases the helper handles.)
    fn direct_deopt(&self, ins: &Instr) -> Option<DirectDeopt> {
        let exact_guards = matches!(
            ins.opcode,
            op::LOAD_ATTR_INSTANCE_VALUE
                | op::LOAD_ATTR_SLOT
                | op::LOAD_ATTR_METHOD_WITH_VALUES
                | op::LOAD_ATTR_METHOD_NO_DICT
                | op::STORE_ATTR_INSTANCE_VALUE
                | op::STORE_ATTR_SLOT
        );
        if !exact_guards || !self.input.live || self.c().deopts == 0 {
            return None;
        }
        // SAFETY: `deopts` is the address of `_PyBJIT_Deopts[256]`.
        let helper = unsafe { *((self.c().deopts as *const u64).add(ins.opcode as usize)) };
        // Each of them has its type version in the same cache entry.
        let v = op::CACHE_LOAD_ATTR_INSTANCE_VALUE_TYPE_VERSION;
        debug_assert!([
            op::CACHE_LOAD_ATTR_SLOT_TYPE_VERSION,
            op::CACHE_LOAD_ATTR_METHOD_WITH_VALUES_TYPE_VERSION,
            op::CACHE_LOAD_ATTR_METHOD_NO_DICT_TYPE_VERSION,
            op::CACHE_STORE_ATTR_INSTANCE_VALUE_TYPE_VERSION,
            op::CACHE_STORE_ATTR_SLOT_TYPE_VERSION,
        ]
        .iter()
        .all(|c| (c.unit, c.units) == (v.unit, v.units)));
        let version = self.cache32(ins, v);
        (helper != 0).then_some(DirectDeopt { opcode: ins.opcode, version_unit: v.unit, version, helper })
    }

    /// As `gen_helper_call()`; with `deopt`, the out-of-line path of a
    /// native fast path calls the deopt target instead of the helper while
    /// the live instruction is the one compiled (see `direct_deopt()`).
    fn helper_call_with(&mut self, ins: &Instr, depth: u32, countdown: bool, deopt: Option<DirectDeopt>) -> Result<bool, Refusal> {
        let nl = self.input.nlocalsplus;
        let this = self.addr(ins.at);
        let Some((opcode, helper)) = self.helper(ins) else {
            let counter = self.c().counter_handback_unsupported;
            let start = self.addr(ins.start);
            self.asm.hand_back(start, depth, nl, counter, self.exit);
            return Ok(false);
        };
        if op::FLAGS[ins.base as usize] & op::ADAPTIVE != 0 {
            // The interpreter specializes this instruction in place, also
            // while machine code runs (see adaptive_countdown): call the
            // helper of whatever the opcode is now, which reads the inline
            // cache that goes with it.
            let start = self.addr(ins.start);
            if countdown {
                self.gen_countdown(ins, depth);
            }
            let table = if self.input.live { self.c().helpers } else { 0xdead_0000 };
            match deopt {
                Some(d) => self.asm.call_live_helper_or(depth, nl, this, ins.oparg, table, d),
                None => self.asm.call_live_helper(depth, nl, this, ins.oparg, table),
            }
            if ins.start != ins.at {
                self.asm.interpret_from(start, self.c().result_interpret);
            }
        } else if op::FLAGS[opcode as usize] & op::FRAME_EXIT != 0 {
            self.asm.tail_call_helper(depth, nl, this, ins.oparg, helper, self.stubs.call_then_leave);
            return Ok(false);
        } else {
            self.asm.call_helper(depth, nl, this, ins.oparg, helper);
        }
        if ins.base == op::CALL {
            // A specialization that calls Python code gets its own switch
            // with a return pair; other calls share one.  (Only
            // CALL_ALLOC_AND_ENTER_INIT goes to start_frame; the others
            // end in _PUSH_FRAME, which resumes the new frame.)
            let starts_frames = matches!(
                ins.opcode,
                op::CALL_ALLOC_AND_ENTER_INIT | op::CALL_BOUND_METHOD_EXACT_ARGS | op::CALL_PY_GENERAL | op::CALL_BOUND_METHOD_GENERAL
            );
            match self.pairing(ins) {
                Pairing::Push(pair) if starts_frames => {
                    let start = ins.opcode == op::CALL_ALLOC_AND_ENTER_INIT;
                    self.asm.exit_or_switch_with_pair(self.exit, start, pair)
                }
                _ => self.asm.exit_or_switch_unless_next(self.exit),
            }
        } else {
            self.asm.exit_unless_next(self.exit);
        }
        // Any helper can change instrumentation (a decref can run __del__,
        // RESUME instruments the code itself): the analyzer's "escapes"
        // flag is not a safe guide, so check after every call.
        let changed = *self.instr_changed.get_or_insert_with(|| self.asm.new_label());
        self.asm.jump_if_byte_zero(self.input.instr_ok_addr, changed);
        if ins.opcode == op::RESUME {
            let fall = self.addr(ins.next);
            self.asm.quicken_resume(this, fall, op::RESUME, op::RESUME_CHECK);
        }
        if self.falls_through(ins) {
            if self.c().ref_debug {
                // Debug builds check the generated REDIRECTS flag.
                self.asm.trap_unless_next_is(self.addr(ins.next));
            }
            return Ok(true);
        }
        for (target, _) in bytecode::successors(ins, depth)? {
            if let Some(l) = self.label_at(target) {
                let addr = self.addr(target as u32);
                self.asm.jump_if_next_is(addr, l);
            }
        }
        self.asm.jump(self.dynamic);
        Ok(false)
    }
}

/// The longest UNPACK_SEQUENCE_TUPLE / _LIST emitted inline (about 16
/// bytes of machine code per item); longer ones call the helper.
const MAX_NATIVE_UNPACK: u32 = 16;

/// The native TO_BOOL form of a specialized TO_BOOL opcode.
fn bool_kind(opcode: u8) -> BoolKind {
    match opcode {
        op::TO_BOOL_INT => BoolKind::Int,
        op::TO_BOOL_NONE => BoolKind::None,
        op::TO_BOOL_STR => BoolKind::Str,
        op::TO_BOOL_LIST => BoolKind::List,
        _ => BoolKind::AlwaysTrue,
    }
}

/// What a lending LOAD_FAST (LOAD_FAST_LOAD_FAST with `first`) does
/// when the pair cannot go on as one (`Gen::try_fuse`): push the local
/// `local` into stack slot `depth` (and `first` into `depth - 1`).
fn push_lent(a: &mut Asm, first: Option<u32>, local: u32, depth: u32, nlocals: u32) {
    if let Some(first) = first {
        a.load_local(first);
        a.incref_rax();
        a.store_stack(depth - 1, nlocals);
    }
    a.load_local(local);
    a.incref_rax();
    a.store_stack(depth, nlocals);
}

/// Longer bytecode is refused (`too_large`): it bounds the memory one
/// compile needs, which must fit in the allocator's reserve (`alloc.rs`).
pub const MAX_CODE_UNITS: usize = 1 << 16;

/// Locals plus stack slots beyond this are refused (`stack_depth`): frame
/// slots are addressed with 32-bit displacements.
pub const MAX_FRAME_SLOTS: u32 = 1 << 20;

/// Refuses an instruction whose oparg indexes past what the code object
/// has: locals, constants, names (kinds generated from bytecodes.c), the
/// C tables of a few instructions (limits from the headers), or stack items
/// sized `oparg - N`.
fn check_operand(ins: &Instr, next: Option<&Instr>, input: &Input, c: &Consts) -> Result<(), Refusal> {
    let arg = ins.oparg;
    let op = ins.opcode as usize;
    if arg < u32::from(op::MIN_OPARG[op]) {
        return Err(Refusal::BadBytecode);
    }
    let nl = input.nlocalsplus;
    let ok = match op::OPERAND[op] {
        op::OPERAND_LOCAL => arg < nl,
        op::OPERAND_LOCAL_PAIR => arg >> 4 < nl && arg & 15 < nl,
        op::OPERAND_FREE_COUNT => arg <= nl,
        op::OPERAND_CONST => (arg as usize) < input.consts.len(),
        op::OPERAND_NAME => ((arg >> op::NAME_SHIFT[op]) as usize) < input.names.len(),
        // BINARY_OP_INPLACE_ADD_UNICODE reads the local its STORE_FAST names.
        op::OPERAND_NEXT_LOCAL => next.is_some_and(|n| n.opcode == op::STORE_FAST && n.oparg < nl),
        _ => true,
    };
    let ok = ok
        && match ins.base {
            op::BINARY_OP => arg <= c.max_binary_op,
            op::COMPARE_OP => arg >> 5 <= c.max_compare_op,
            op::CALL_INTRINSIC_1 => arg <= c.max_intrinsic_1,
            op::CALL_INTRINSIC_2 => arg <= c.max_intrinsic_2,
            op::CONVERT_VALUE => (1..=c.max_convert_value).contains(&arg),
            _ => true,
        };
    if ok { Ok(()) } else { Err(Refusal::BadBytecode) }
}

/// Compiles one code object.
pub fn compile(input: &Input, consts: &Consts, stubs: Stubs) -> Result<Compiled, Refusal> {
    let n = input.code.len();
    if n == 0 || n > MAX_CODE_UNITS {
        return Err(Refusal::TooLarge);
    }
    if u64::from(input.nlocalsplus) + u64::from(input.stacksize) > u64::from(MAX_FRAME_SLOTS) {
        return Err(Refusal::StackDepth);
    }
    let code = bytecode::verify(input.code, input.stacksize, input.exceptiontable)?;
    for (k, ins) in code.instrs.iter().enumerate() {
        if code.depth[k].is_some() {
            check_operand(ins, code.instrs.get(k + 1), input, consts)?;
        }
    }
    let mut entries = vec![0usize; n].into_boxed_slice();
    let mut sp_offsets = vec![-1i32; n].into_boxed_slice();
    let mut asm = Asm::with_capacity(consts, code.instrs.len());
    let labels = (0..code.instrs.len()).map(|_| asm.new_label()).collect();
    let exit = asm.new_label();
    let dynamic = asm.new_label();
    let generator = code.instrs.iter().any(|i| i.opcode == op::RETURN_GENERATOR);
    let mut g = Gen { asm, input, code: &code, labels, exit, dynamic, stubs, slow: Vec::new(), unfused: Vec::new(), generator, instr_changed: None };
    let mut offsets = vec![0usize; code.instrs.len()];
    let mut marks = Vec::new();
    let mut mark = |g: &Gen, k: Option<usize>, what: &str| {
        if crate::perfmap::enabled() {
            let unit = k.map_or(0, |k| code.instrs[k].start);
            let name = match k {
                Some(k) => format!("{what}{}", op::NAMES[code.instrs[k].opcode as usize]),
                None => what.to_string(),
            };
            marks.push(crate::perfmap::Mark { offset: g.asm.offset(), unit, name });
        }
    };
    let mut k = 0;
    while k < code.instrs.len() {
        let l = g.labels[k];
        g.asm.bind(l);
        offsets[k] = g.asm.offset();
        mark(&g, Some(k), "");
        if g.try_fuse(k) {
            k += 2;
            continue;
        }
        g.gen_instr(k)?;
        k += 1;
    }
    // The second instructions of fused pairs, on their own.
    for k in std::mem::take(&mut g.unfused) {
        g.asm.bind(g.labels[k]);
        offsets[k] = g.asm.offset();
        mark(&g, Some(k), "unfused ");
        g.gen_instr(k)?;
        g.asm.jump(g.labels[k + 1]);
    }
    // Out-of-line paths: the instruction's helper, then on to the next.
    for (l, k, depth, counted) in std::mem::take(&mut g.slow) {
        g.asm.bind(l);
        mark(&g, Some(k), "slow ");
        let counter = consts.native.counter_native_slow + 8 * u64::from(code.instrs[k].opcode);
        g.asm.count(counter);
        let deopt = g.direct_deopt(&code.instrs[k]);
        if g.helper_call_with(&code.instrs[k], depth, !counted, deopt)? {
            g.asm.jump(g.labels[k + 1]);
        }
    }
    mark(&g, None, "cold");
    g.asm.emit_cold();
    mark(&g, None, "countdowns");
    g.asm.emit_countdowns();
    mark(&g, None, "deallocs");
    g.asm.emit_deallocs();
    if let Some(l) = g.instr_changed {
        g.asm.bind(l);
        g.asm.count(consts.counter_handback_instrumentation);
        g.asm.jump(exit);
    }
    // Falling off the last instruction cannot happen: verify() refused it.
    mark(&g, None, "exit");
    g.asm.bind(exit);
    g.asm.jump_abs(stubs.leave);
    g.asm.bind(dynamic);
    let counter = g.c().counter_handback_no_entry;
    g.asm.dynamic_dispatch(
        input.code_addr,
        n as u32,
        entries.as_ptr() as u64,
        sp_offsets.as_ptr() as u64,
        counter,
        exit,
    );
    let bytes = g.asm.finish().map_err(|_| Refusal::Assembler)?;
    let code_bytes = bytes.len();
    let block = if input.live {
        let block = CodeBlock::new(bytes.len(), |p| {
            // SAFETY: the block is at least bytes.len() long and writable.
            unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), p, bytes.len()) };
            Ok(())
        })
        .map_err(|e| if e == MemError::Cap { Refusal::MemoryCap } else { Refusal::NoMemory })?;
        Some(block)
    } else {
        None
    };
    let base = block.as_ref().map_or(0, |b| b.addr());
    if block.is_some() && !marks.is_empty() {
        crate::perfmap::write(base as u64, code_bytes, input.code_addr, &marks);
    }
    for (k, ins) in code.instrs.iter().enumerate() {
        if let Some(d) = code.depth[k] {
            entries[ins.start as usize] = base + offsets[k];
            sp_offsets[ins.start as usize] = consts.frame_localsplus + 8 * (input.nlocalsplus + d) as i32;
        }
    }
    Ok(Compiled { block, entries, sp_offsets, code_bytes, instructions: code.instrs.len(), retired: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(opcode: u8, arg: u8) -> u16 {
        u16::from(opcode) | (u16::from(arg) << 8)
    }

    fn input<'a>(code: &'a [u16], consts: &'a [u64]) -> Input<'a> {
        Input {
            code_addr: 0x10_0000,
            code,
            nlocalsplus: 2,
            stacksize: 4,
            consts,
            names: &[],
            exceptiontable: &[],
            instr_ok_addr: 0x20_0000,
            live: false,
        }
    }

    #[test]
    fn every_reachable_instruction_gets_an_entry() {
        let code = [
            unit(op::RESUME, 0),
            unit(op::LOAD_FAST, 0),
            unit(op::LOAD_FAST, 1),
            unit(op::BINARY_OP, 0),
            0,
            unit(op::RETURN_VALUE, 0),
        ];
        let out = compile(&input(&code, &[]), &Consts::fake(), Stubs::fake()).unwrap();
        let starts = [0usize, 1, 2, 3, 5];
        for (i, e) in out.entries.iter().enumerate() {
            assert_eq!(starts.contains(&i), *e != 0 || i == 0, "unit {i}");
        }
        assert_eq!(out.sp_offsets[3], 72 + 8 * (2 + 2));
        assert_eq!(out.sp_offsets[4], -1);
        assert!(out.code_bytes > 0);
    }

    /// The largest code object we compile, made of the instructions that
    /// emit the most machine code per code unit, fits in the allocator's
    /// reserve with room to spare: running out of memory mid-compile is a
    /// refusal, never an abort.
    #[test]
    fn the_largest_compile_fits_in_the_reserve() {
        let mut code = vec![unit(op::RESUME, 0)];
        while code.len() + 8 <= MAX_CODE_UNITS {
            code.extend([
                unit(op::LOAD_FAST, 0),
                unit(op::UNARY_NEGATIVE, 0),
                unit(op::LOAD_FAST, 1),
                unit(op::POP_JUMP_IF_TRUE, 0),
                0,
                unit(op::POP_TOP, 0),
            ]);
        }
        while code.len() < MAX_CODE_UNITS - 1 {
            code.push(unit(op::NOP, 0));
        }
        code.push(unit(op::RETURN_CONST, 0));
        assert_eq!(code.len(), MAX_CODE_UNITS);
        let before = crate::alloc::reset_peak();
        let out = compile(&input(&code, &[0x1000]), &Consts::fake(), Stubs::fake()).unwrap();
        let used = crate::alloc::peak() - before;
        assert!(out.code_bytes > 20 * MAX_CODE_UNITS, "{} bytes of code", out.code_bytes);
        assert!(used < crate::alloc::RESERVE_BYTES / 2, "a compile used {used} bytes");
        let mut too_big = code.clone();
        too_big.push(unit(op::NOP, 0));
        let err = compile(&input(&too_big, &[0x1000]), &Consts::fake(), Stubs::fake()).err();
        assert_eq!(err, Some(Refusal::TooLarge));
    }

    /// Every tier-1 instruction of uninstrumented bytecode, specialized
    /// forms included, has its own helper generated from bytecodes.c (the
    /// native paths are checked against them by tests/).  The exclusions
    /// are the ones the issue names; EXTENDED_ARG is folded.
    #[test]
    fn every_instruction_has_machine_code() {
        let excluded = |name: &str| {
            name.starts_with("INSTRUMENTED_")
                || ["CACHE", "RESERVED", "INTERPRETER_EXIT", "ENTER_EXECUTOR", "EXIT_INIT_CHECK", "EXTENDED_ARG"]
                    .contains(&name)
        };
        let mut covered = 0;
        for opcode in 0..=255u8 {
            let name = op::NAMES[opcode as usize];
            if name.is_empty() {
                continue;
            }
            let helper = op::FLAGS[opcode as usize] & op::HAS_HELPER != 0;
            assert_eq!(helper, !excluded(name), "{name}");
            covered += usize::from(helper);
        }
        // 3.13.15 has 212 named opcodes; 19 INSTRUMENTED_* and 6 others
        // are excluded.
        assert_eq!(covered, 212 - 19 - 6);
    }

    #[test]
    fn bad_local_index_is_refused() {
        let code = [unit(op::LOAD_CONST, 0), unit(op::STORE_FAST, 9), unit(op::RETURN_CONST, 0)];
        let err = compile(&input(&code, &[0x1000]), &Consts::fake(), Stubs::fake()).err();
        assert_eq!(err, Some(Refusal::BadBytecode));
    }

    #[test]
    fn const_index_out_of_range_is_refused() {
        let code = [unit(op::LOAD_CONST, 3), unit(op::RETURN_VALUE, 0)];
        let err = compile(&input(&code, &[0x1000]), &Consts::fake(), Stubs::fake()).err();
        assert_eq!(err, Some(Refusal::BadBytecode));
    }
}
