//! The builtins the interpreter specializes by identity: `len()`,
//! `isinstance()`, `list.append()` (CALL_LEN, CALL_ISINSTANCE,
//! CALL_LIST_APPEND), and the comprehension's LIST_APPEND.  Their C
//! functions are called directly; appending to a list with room is inline.

use dynasmrt::{dynasm, DynamicLabel, DynasmApi, DynasmLabelApi};

use super::{Asm, RDI};

macro_rules! asm {
    ($ops:expr; $($t:tt)*) => {
        dynasm!($ops ; .arch x64 ; $($t)*)
    };
}

impl Asm {
    /// `_PyList_AppendTakeRef(list, item)` for the stack slots at `d_list`
    /// and `d_item`; jump to `slow` (nothing done) unless the list is an
    /// exact list.  The list takes the item's reference: inline when it
    /// has room, else `_PyList_AppendTakeRefListResize()`, whose failure
    /// is an error at `next_instr` with the stack ending below the item.
    #[allow(clippy::too_many_arguments)]
    pub fn list_append(&mut self, d_list: i32, d_item: i32, this_instr: u64, next_instr: u64, slow: DynamicLabel, exit: DynamicLabel) {
        let n = self.c.native.clone();
        let ip = self.c.frame_instr_ptr;
        let error = self.c.result_error;
        self.load_of_type(RDI, d_list, n.list_type, slow);
        asm!(self.ops
            ; mov rsi, [r13 + d_item]
            ; mov rax, [rdi + n.var_size]
            ; cmp rax, [rdi + n.list_allocated]
            ; jge >resize
            ; mov rcx, [rdi + n.list_items]
            ; mov [rcx + rax * 8], rsi
            ; add rax, 1
            ; mov [rdi + n.var_size], rax
            ; jmp >done
            ; resize:
            ; mov rax, QWORD this_instr as i64
            ; mov [r13 + ip], rax
            ; mov rax, QWORD n.fn_list_append_resize as i64
            ; call rax
            ; test eax, eax
            ; jns >done
        );
        self.exit_with(next_instr, d_item, error, exit);
        asm!(self.ops ; done:);
    }

    /// Jump to `slow` unless the stack slot at `disp` is the interpreter's
    /// cached builtin at `cache_offset` in `tstate->interp`.
    pub fn guard_cached_callable(&mut self, disp: i32, cache_offset: i32, slow: DynamicLabel) {
        let interp = self.c.native.tstate_interp;
        asm!(self.ops
            ; mov rax, [r12 + interp]
            ; mov rax, [rax + cache_offset]
            ; cmp [r13 + disp], rax
            ; jne =>slow
        );
    }

    /// Stack slot `depth` = rbx.
    pub fn store_stack_rbx(&mut self, depth: u32, nlocals: u32) {
        let disp = self.sp_disp(depth, nlocals);
        asm!(self.ops ; mov [r13 + disp], rbx);
    }

    /// Jump to `slow` unless the stack slot at `disp` is NULL (`null`) or
    /// is not.
    pub fn guard_null(&mut self, disp: i32, null: bool, slow: DynamicLabel) {
        asm!(self.ops ; cmp QWORD [r13 + disp], 0);
        if null {
            asm!(self.ops ; jne =>slow);
        } else {
            asm!(self.ops ; je =>slow);
        }
    }

    /// CALL_LEN's call, the argument at `d_arg`: rbx = PyLong_FromSsize_t(
    /// PyObject_Length(arg)); either failing is an error at `next_instr`
    /// with the whole stack (`depth`) in place.
    pub fn call_len(&mut self, d_arg: i32, depth_disp: i32, this_instr: u64, next_instr: u64, exit: DynamicLabel) {
        let n = self.c.native.clone();
        let ip = self.c.frame_instr_ptr;
        let error = self.c.result_error;
        let failed = self.new_label();
        asm!(self.ops
            ; mov rax, QWORD this_instr as i64
            ; mov [r13 + ip], rax
            ; mov rdi, [r13 + d_arg]
            ; mov rax, QWORD n.fn_object_length as i64
            ; call rax
            ; test rax, rax
            ; js =>failed
            ; mov rdi, rax
            ; mov rax, QWORD n.fn_long_from_ssize_t as i64
            ; call rax
            ; test rax, rax
            ; jz =>failed
            ; mov rbx, rax
            ; jmp >done
            ; =>failed
        );
        self.exit_with(next_instr, depth_disp, error, exit);
        asm!(self.ops ; done:);
    }

    /// CALL_ISINSTANCE's call, the instance at `d_inst` and the class
    /// above it: rbx = True or False; a failure is an error at
    /// `next_instr` with the whole stack in place.
    pub fn call_isinstance(&mut self, d_inst: i32, depth_disp: i32, this_instr: u64, next_instr: u64, exit: DynamicLabel) {
        let n = self.c.native.clone();
        let ip = self.c.frame_instr_ptr;
        let error = self.c.result_error;
        let (py_true, py_false) = (self.c.py_true, self.c.py_false);
        asm!(self.ops
            ; mov rax, QWORD this_instr as i64
            ; mov [r13 + ip], rax
            ; mov rdi, [r13 + d_inst]
            ; mov rsi, [r13 + d_inst + 8]
            ; mov rax, QWORD n.fn_object_isinstance as i64
            ; call rax
            ; test eax, eax
            ; jns >ok
        );
        self.exit_with(next_instr, depth_disp, error, exit);
        asm!(self.ops
            ; ok:
            // True and False are immortal: no reference to take.
            ; mov rbx, QWORD py_false as i64
            ; jz >done
            ; mov rbx, QWORD py_true as i64
            ; done:
        );
    }
}
