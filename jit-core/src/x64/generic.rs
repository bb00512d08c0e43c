//! Generic instructions whose whole semantics is one C function of the
//! two values on top of the stack: BINARY_OP (`_PyEval_BinaryOps[oparg]`),
//! BINARY_SUBSCR (`PyObject_GetItem`) and COMPARE_OP
//! (`PyObject_RichCompare`, then `PyObject_IsTrue` for its bool form)
//! once they are not specialized.
//! Machine code calls the function itself instead of the instruction's
//! helper, which would only add its own call, frame and result protocol
//! around the same call.  The compiler releases the operands and checks
//! the result as the helper does (`Gen::gen_binary_c`).  Release builds
//! only, like every fast path.

use dynasmrt::{dynasm, DynamicLabel, DynasmApi, DynasmLabelApi};

use super::Asm;

macro_rules! asm {
    ($ops:expr; $($t:tt)*) => {
        dynasm!($ops ; .arch x64 ; $($t)*)
    };
}

impl Asm {
    /// rbx = `function(left, right)` for the values on stack slots
    /// `depth - 2` and `depth - 1` (borrowed: they stay on the stack),
    /// with the frame's instruction pointer at `this_instr` first, as
    /// the helper sets it (tracebacks, and code the call runs, see it).
    /// With `third`, it is the third argument (a comparison's operator).
    pub fn call_binary_c(&mut self, function: u64, third: Option<u32>, depth: u32, nlocals: u32, this_instr: u64) {
        let (d_left, d_right) = (self.sp_disp(depth - 2, nlocals), self.sp_disp(depth - 1, nlocals));
        let ip = self.c.frame_instr_ptr;
        asm!(self.ops
            ; mov rax, QWORD this_instr as i64
            ; mov [r13 + ip], rax
            ; mov rdi, [r13 + d_left]
            ; mov rsi, [r13 + d_right]
        );
        if let Some(third) = third {
            asm!(self.ops ; mov edx, third as i32);
        }
        asm!(self.ops
            ; mov rax, QWORD function as i64
            ; call rax
            ; mov rbx, rax
        );
    }

    /// COMPARE_OP's bool form, after the result (not NULL) was stored at
    /// `disp`: `PyObject_IsTrue(result)`; the bool goes into the slot
    /// first (whatever runs when the result is released sees it), then
    /// the result is released; a failed truth test is an error at
    /// `next_instr` with the stack ending below the slot.
    pub fn compare_truth(&mut self, disp: i32, this_instr: u64, next_instr: u64, exit: DynamicLabel) {
        let is_true = self.c.native.fn_is_true;
        let (py_true, py_false) = (self.c.py_true, self.c.py_false);
        let (error, failed) = (self.c.result_error, self.new_label());
        asm!(self.ops
            ; mov rdi, rbx
            ; mov rax, QWORD is_true as i64
            ; call rax
            ; mov rcx, rbx
            ; movsxd rbx, eax
            ; mov rax, QWORD py_false as i64
            ; mov rdx, QWORD py_true as i64
            ; test ebx, ebx
            ; cmovg rax, rdx
            ; mov [r13 + disp], rax
            ; mov rax, rcx
        );
        self.decref(false, false, this_instr, None);
        asm!(self.ops
            ; test ebx, ebx
            ; js =>failed
        );
        self.cold(move |a| {
            a.bind(failed);
            a.exit_with(next_instr, disp, error, exit);
        });
    }
}
