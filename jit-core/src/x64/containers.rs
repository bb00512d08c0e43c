//! Tuples and lists taken apart and stored into: UNPACK_SEQUENCE_TWO_TUPLE,
//! _TUPLE and _LIST, and STORE_SUBSCR_LIST_INT, as the interpreter runs
//! them.  (Subscripts
//! that read, BINARY_SUBSCR_LIST_INT and _TUPLE_INT, share the index guard
//! in `Asm::guard_index`.)  And cells: LOAD_DEREF and STORE_DEREF.

use dynasmrt::{dynasm, DynamicLabel, DynasmApi, DynasmLabelApi};

use super::{Asm, RAX, RCX, RDI};

macro_rules! asm {
    ($ops:expr; $($t:tt)*) => {
        dynasm!($ops ; .arch x64 ; $($t)*)
    };
}

impl Asm {
    /// UNPACK_SEQUENCE_TWO_TUPLE, _TUPLE (`list` false) or _LIST with the
    /// sequence on top (slot `depth - 1`): unless it is an exact tuple
    /// (list) of `count` items jump to `slow` (nothing done); else its
    /// items replace it, the last one lowest, each a new reference.  The
    /// sequence stays in rax for the caller to release.  Release builds
    /// only.
    pub fn unpack_sequence(&mut self, list: bool, count: u32, depth: u32, nlocals: u32, slow: DynamicLabel) {
        let n = self.c.native.clone();
        let d_seq = self.sp_disp(depth - 1, nlocals);
        let ty = if list { n.list_type } else { n.tuple_type };
        self.load_of_type(RAX, d_seq, ty, slow);
        asm!(self.ops
            ; cmp QWORD [rax + n.var_size], count as i32
            ; jne =>slow
        );
        // rsi + items = the item array (a list's is separate).
        let items = if list {
            asm!(self.ops ; mov rsi, [rax + n.list_items]);
            0
        } else {
            asm!(self.ops ; mov rsi, rax);
            n.tuple_items
        };
        for j in 0..count {
            let d = self.sp_disp(depth - 1 + j, nlocals);
            let at = items + 8 * (count - 1 - j) as i32;
            asm!(self.ops ; mov rcx, [rsi + at]);
            self.incref_inline(RCX, RDI);
            asm!(self.ops ; mov [r13 + d], rcx);
        }
    }

    /// STORE_SUBSCR_LIST_INT with the value, an exact list and an exact
    /// int index (0 <= it < len) on top (slots `depth - 3` to `depth -
    /// 1`), else jump to `slow` (nothing done): the list takes the value
    /// at the index.  The old item is left in rax, the list in rbx, for
    /// the caller to release with the index.  Release builds only.
    pub fn store_subscr_list_int(&mut self, depth: u32, nlocals: u32, slow: DynamicLabel) {
        let n = self.c.native.clone();
        let (d_value, d_list, d_sub) = (
            self.sp_disp(depth - 3, nlocals),
            self.sp_disp(depth - 2, nlocals),
            self.sp_disp(depth - 1, nlocals),
        );
        self.guard_index(d_list, d_sub, n.list_type, slow);
        asm!(self.ops
            ; mov rbx, rax
            ; mov r8, [rax + n.list_items]
            ; mov rcx, [r13 + d_value]
            ; mov rax, [r8 + rdx * 8]
            ; mov [r8 + rdx * 8], rcx
        );
    }

    /// LOAD_DEREF: the value of the cell in local `local` onto stack slot
    /// `depth` with a new reference (`PyCell_GetRef()`); an empty cell
    /// jumps to `slow` (nothing done), whose helper raises.  Release
    /// builds only.
    pub fn load_deref(&mut self, local: u32, depth: u32, nlocals: u32, slow: DynamicLabel) {
        let ob_ref = self.c.native.cell_ob_ref;
        self.load_local(local);
        asm!(self.ops
            ; mov rax, [rax + ob_ref]
            ; test rax, rax
            ; jz =>slow
        );
        self.incref_inline(RAX, RCX);
        self.store_stack(depth, nlocals);
    }

    /// STORE_DEREF: the cell in local `local` takes the value on stack slot
    /// `depth - 1` (`PyCell_SetTakeRef()`); its old value (maybe NULL) is
    /// left in rax for the caller to release.  Release builds only.
    pub fn store_deref(&mut self, local: u32, depth: u32, nlocals: u32) {
        let ob_ref = self.c.native.cell_ob_ref;
        let d_value = self.sp_disp(depth - 1, nlocals);
        self.load_local(local);
        asm!(self.ops
            ; mov rcx, [r13 + d_value]
            ; mov rdx, rax
            ; mov rax, [rdx + ob_ref]
            ; mov [rdx + ob_ref], rcx
        );
    }
}
