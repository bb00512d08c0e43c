//! Tuples and lists taken apart and stored into: UNPACK_SEQUENCE_TWO_TUPLE
//! and STORE_SUBSCR_LIST_INT, as the interpreter runs them.  (Subscripts
//! that read, BINARY_SUBSCR_LIST_INT and _TUPLE_INT, share the index guard
//! in `Asm::guard_index`.)  And cells: LOAD_DEREF and STORE_DEREF.

use dynasmrt::{dynasm, DynamicLabel, DynasmApi, DynasmLabelApi};

use super::{Asm, RAX, RCX, RDX, RDI};

macro_rules! asm {
    ($ops:expr; $($t:tt)*) => {
        dynasm!($ops ; .arch x64 ; $($t)*)
    };
}

impl Asm {
    /// UNPACK_SEQUENCE_TWO_TUPLE with the sequence on top (slot `depth -
    /// 1`): unless it is an exact tuple of two items jump to `slow`
    /// (nothing done); else item 1 replaces it and item 0 goes on top,
    /// each a new reference.  The tuple stays in rax for the caller to
    /// release.  Release builds only.
    pub fn unpack_two_tuple(&mut self, depth: u32, nlocals: u32, slow: DynamicLabel) {
        let n = self.c.native.clone();
        let (d_seq, d_top) = (self.sp_disp(depth - 1, nlocals), self.sp_disp(depth, nlocals));
        self.load_of_type(RAX, d_seq, n.tuple_type, slow);
        asm!(self.ops
            ; cmp QWORD [rax + n.var_size], 2
            ; jne =>slow
            ; mov rcx, [rax + n.tuple_items + 8]
        );
        self.incref_inline(RCX, RDI);
        asm!(self.ops
            ; mov [r13 + d_seq], rcx
            ; mov rdx, [rax + n.tuple_items]
        );
        self.incref_inline(RDX, RDI);
        asm!(self.ops ; mov [r13 + d_top], rdx);
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
