//! Generic instructions whose whole semantics is one C function of the
//! two values on top of the stack: BINARY_OP (`_PyEval_BinaryOps[oparg]`)
//! and BINARY_SUBSCR (`PyObject_GetItem`) once they are not specialized.
//! Machine code calls the function itself instead of the instruction's
//! helper, which would only add its own call, frame and result protocol
//! around the same call.  The compiler releases the operands and checks
//! the result as the helper does (`Gen::gen_binary_c`).  Release builds
//! only, like every fast path.

use dynasmrt::{dynasm, DynasmApi};

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
    pub fn call_binary_c(&mut self, function: u64, depth: u32, nlocals: u32, this_instr: u64) {
        let (d_left, d_right) = (self.sp_disp(depth - 2, nlocals), self.sp_disp(depth - 1, nlocals));
        let ip = self.c.frame_instr_ptr;
        asm!(self.ops
            ; mov rax, QWORD this_instr as i64
            ; mov [r13 + ip], rax
            ; mov rdi, [r13 + d_left]
            ; mov rsi, [r13 + d_right]
            ; mov rax, QWORD function as i64
            ; call rax
            ; mov rbx, rax
        );
    }
}
