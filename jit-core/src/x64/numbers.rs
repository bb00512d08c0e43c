//! Float arithmetic where ints and floats mix: `x * 2`, `1 - x`.  The
//! interpreter specializes a BINARY_OP for one pair of types; a site that
//! sees float * float and float * int flips between BINARY_OP_MULTIPLY_FLOAT
//! and the generic instruction.  Machine code takes every mix of an exact
//! float with an exact float or a compact int, whatever the site is
//! specialized for.

use dynasmrt::{dynasm, DynamicLabel, DynasmApi, DynasmLabelApi};

use super::{Asm, FloatOp, R10, R11, R9};

macro_rules! asm {
    ($ops:expr; $($t:tt)*) => {
        dynasm!($ops ; .arch x64 ; $($t)*)
    };
}

impl Asm {
    /// `left op right` on stack slots `depth - 2` and `depth - 1` when one
    /// is an exact float and the other an exact float or a compact int
    /// (one digit, so its conversion to double is exact, as
    /// `PyLong_AsDouble()`'s), which is what `float_add()` and friends
    /// compute for either order of the operands.  Jumps to `slow` (nothing
    /// done) for anything else.  The result is a new float
    /// (`PyFloat_FromDouble()`, as the generic instruction); then left
    /// and right are released (exact ints and floats run no Python code
    /// when deallocated).  A failed allocation leaves for the eval loop's
    /// error handling with the operands still on the stack.  Release
    /// builds only.
    #[allow(clippy::too_many_arguments)]
    pub fn mixed_float_binop(&mut self, op: FloatOp, depth: u32, nlocals: u32, this_instr: u64, next_instr: u64, slow: DynamicLabel, exit: DynamicLabel) {
        let (d_left, d_right) = (self.sp_disp(depth - 2, nlocals), self.sp_disp(depth - 1, nlocals));
        asm!(self.ops ; xor r8d, r8d);
        self.load_as_double(d_left, 0, slow);
        self.load_as_double(d_right, 1, slow);
        asm!(self.ops
            // Two ints are not for this path.
            ; test r8d, r8d
            ; jz =>slow
        );
        self.float_arith(op, slow);
        self.new_float_or_error(this_instr, next_instr, d_right, exit);
        asm!(self.ops
            ; mov rbx, rax
            ; mov rax, [r13 + d_left]
        );
        self.decref(false, false, this_instr, None);
        asm!(self.ops ; mov rax, [r13 + d_right]);
        self.decref(false, false, this_instr, None);
        asm!(self.ops ; mov [r13 + d_left], rbx);
    }

    /// xmm0 = xmm0 `op` xmm1, as `float_add()` and friends compute it; a
    /// zero divisor (either sign) jumps to `slow`, where the helper
    /// raises ZeroDivisionError.
    pub(super) fn float_arith(&mut self, op: FloatOp, slow: DynamicLabel) {
        match op {
            FloatOp::Add => asm!(self.ops ; addsd xmm0, xmm1),
            FloatOp::Subtract => asm!(self.ops ; subsd xmm0, xmm1),
            FloatOp::Multiply => asm!(self.ops ; mulsd xmm0, xmm1),
            FloatOp::Divide => asm!(self.ops
                ; xorpd xmm2, xmm2
                ; ucomisd xmm1, xmm2
                ; jne >nonzero
                ; jnp =>slow
                ; nonzero:
                ; divsd xmm0, xmm1
            ),
        }
    }

    /// xmm`x` = the stack slot at `disp` as a double if it is an exact
    /// float (then bit `x` of r8d is set) or an exact compact int; else
    /// jump to `slow`.  Clobbers r9, r10, r11.
    #[allow(clippy::useless_conversion)] // in dynasm's expansion of Rx()
    fn load_as_double(&mut self, disp: i32, x: u8, slow: DynamicLabel) {
        let n = self.c.native.clone();
        let ty = self.c.ob_type;
        asm!(self.ops
            ; mov r9, [r13 + disp]
            ; mov r10, [r9 + ty]
            ; mov r11, QWORD n.float_type as i64
            ; cmp r10, r11
            ; jne >not_float
            ; movsd Rx(x), [r9 + n.float_ob_fval]
            ; or r8d, 1 << x
            ; jmp >done
            ; not_float:
            ; mov r11, QWORD n.int_type as i64
            ; cmp r10, r11
            ; jne =>slow
        );
        self.compact_int_value(R9, R10, R11, slow);
        asm!(self.ops
            ; cvtsi2sd Rx(x), r11
            ; done:
        );
    }
}
