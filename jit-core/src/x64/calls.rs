//! Native Python-to-Python calls and returns: CALL_PY_EXACT_ARGS pushes
//! the callee's frame and switches to its machine code, RETURN_VALUE and
//! RETURN_CONST pop the frame and switch to the caller's, each as the
//! interpreter's instruction does it (`_INIT_CALL_PY_EXACT_ARGS`,
//! `_PUSH_FRAME`, `_POP_FRAME` in bytecodes.c), without a helper call.
//! Release builds only, like every specialized fast path.

use dynasmrt::{dynasm, DynamicLabel, DynasmApi, DynasmLabelApi};

use super::{Asm, Pairing, RAX, RBX, RDI};

macro_rules! asm {
    ($ops:expr; $($t:tt)*) => {
        dynasm!($ops ; .arch x64 ; $($t)*)
    };
}

/// Where a returned value comes from.
#[derive(Clone, Copy)]
pub enum RetVal {
    /// RETURN_VALUE: the top of the stack, slot `depth - 1`.
    Stack,
    /// RETURN_CONST: a constant of the code object; `incref` unless it is
    /// immortal.
    Const { obj: u64, incref: bool },
}

impl Asm {
    /// CALL_PY_EXACT_ARGS with `oparg` arguments, the callable at stack
    /// slot `depth - 2 - oparg`, as the interpreter runs it.  Guards (else
    /// jump to `slow`, nothing done): an exact function whose version is
    /// the cache's `version` (baked), then the trampoline's `push_frame_stub()` (the
    /// guards shared by every site, and the frame push: one copy for all
    /// code, so that it stays in the instruction cache).  Then this frame
    /// records where to return, and machine code switches to the callee
    /// with this site's own lookup (or leaves through `exit` with "resume
    /// frame").
    #[allow(clippy::too_many_arguments)]
    pub fn call_py_exact_args(&mut self, depth: u32, nlocals: u32, oparg: u32, this_instr: u64, return_offset: u16, version: u32, push_frame: u64, pairing: Pairing, slow: DynamicLabel, exit: DynamicLabel) {
        let k = self.c.calls.clone();
        let n = self.c.native.clone();
        let s = self.c.switch.clone();
        let (ty, ip) = (self.c.ob_type, self.c.frame_instr_ptr);
        let base = depth - 2 - oparg;
        let (d_callable, d_self) = (self.sp_disp(base, nlocals), self.sp_disp(base + 1, nlocals));
        let d_args = self.sp_disp(depth - oparg, nlocals);
        asm!(self.ops
            // _CHECK_FUNCTION_VERSION: rsi = func.
            ; mov rsi, [r13 + d_callable]
            ; mov rax, QWORD k.function_type as i64
            ; cmp [rsi + ty], rax
            ; jne =>slow
            ; cmp DWORD [rsi + k.func_version], version as i32
            ; jne =>slow
            ; mov rdx, [r13 + d_self]
            ; lea rcx, [r13 + d_args]
            ; mov r10d, oparg as i32
            ; mov rax, QWORD push_frame as i64
            ; call rax
            ; test r8, r8
            ; jz =>slow
            // _SAVE_RETURN_OFFSET, and this frame as the eval loop leaves
            // it: at the CALL, with the call's operands gone.
            ; mov WORD [r13 + n.frame_return_offset], return_offset as i16
            ; mov rax, QWORD this_instr as i64
            ; mov [r13 + ip], rax
            ; mov DWORD [r13 + s.frame_stacktop], (nlocals + base) as i32
            ; mov rax, r9
            ; mov edx, n.result_resume_frame
        );
        self.switch_here(false, exit, pairing);
    }

    /// The shared part of CALL_PY_EXACT_ARGS, called (a machine `call`)
    /// with rsi = the function (its type and version checked), rdx = self
    /// or NULL, rcx = the address of the first of the r10d arguments on
    /// the caller's stack.  Guards (else r8 = 0, nothing done): no PEP 523
    /// evaluator, `co_argcount` equal to the arguments given (with self),
    /// room for the frame in the thread's chunk, `py_recursion_remaining`
    /// above 1.  Then the callee's frame is pushed and initialized
    /// (`_PyFrame_PushUnchecked()`), takes the callable, self and the
    /// arguments, and becomes the thread's current frame (`_PUSH_FRAME`):
    /// r8 = the frame, r9 = its first instruction.  Release builds only.
    pub fn push_frame_stub(&mut self) {
        let k = self.c.calls.clone();
        let n = self.c.native.clone();
        let s = self.c.switch.clone();
        let (ip, lp) = (self.c.frame_instr_ptr, self.c.frame_localsplus);
        asm!(self.ops
            // _CHECK_PEP_523
            ; mov rax, [r12 + n.tstate_interp]
            ; cmp QWORD [rax + n.interp_eval_frame], 0
            ; jne >fail
            // _CHECK_FUNCTION_EXACT_ARGS: rdi = the code.
            ; mov rdi, [rsi + k.func_code]
            ; xor eax, eax
            ; test rdx, rdx
            ; setnz al
            ; add eax, r10d
            ; cmp [rdi + k.code_argcount], eax
            ; jne >fail
            // _CHECK_STACK_SPACE: top != NULL, framesize < limit - top.
            ; mov r8, [r12 + k.tstate_datastack_top]
            ; test r8, r8
            ; jz >fail
            ; mov rax, [r12 + k.tstate_datastack_limit]
            ; sub rax, r8
            ; sar rax, 3
            ; movsxd r9, DWORD [rdi + k.code_framesize]
            ; cmp r9, rax
            ; jge >fail
            // _CHECK_RECURSION_REMAINING
            ; cmp DWORD [r12 + s.tstate_py_recursion_remaining], 1
            ; jle >fail
            // _PyFrame_PushUnchecked(): the new frame is r8.
            ; lea rax, [r8 + r9 * 8]
            ; mov [r12 + k.tstate_datastack_top], rax
            // _PyFrame_Initialize(): the frame takes the callable's
            // reference, and a new one to the code.
            ; mov [r8 + k.frame_funcobj], rsi
        );
        self.incref_inline(RDI, RAX);
        asm!(self.ops
            ; mov [r8 + s.frame_executable], rdi
            ; mov rax, [rsi + k.func_builtins]
            ; mov [r8 + n.frame_builtins], rax
            ; mov rax, [rsi + k.func_globals]
            ; mov [r8 + n.frame_globals], rax
            ; mov QWORD [r8 + k.frame_locals], 0
            ; mov eax, DWORD [rdi + k.code_nlocalsplus]
            ; mov [r8 + s.frame_stacktop], eax
            ; mov QWORD [r8 + k.frame_obj], 0
            ; lea r9, [rdi + s.code_units]
            ; mov [r8 + ip], r9
            ; mov WORD [r8 + n.frame_return_offset], 0
            ; mov BYTE [r8 + s.frame_owner], k.owned_by_thread as i8
            // _INIT_CALL_PY_EXACT_ARGS: self (if any), then the arguments
            // (r11 = where they go).
            ; lea r11, [r8 + lp]
            ; test rdx, rdx
            ; jz >no_self
            ; mov [r11], rdx
            ; add r11, 8
            ; no_self:
            ; test r10d, r10d
            ; jz >moved
            ; next_arg:
            ; mov rdx, [rcx]
            ; mov [r11], rdx
            ; add rcx, 8
            ; add r11, 8
            ; sub r10d, 1
            ; jnz <next_arg
            ; moved:
            // The other locals start out NULL: from co_argcount on.
            ; movsxd r10, DWORD [rdi + k.code_argcount]
            ; movsxd rax, eax
            ; cmp r10, rax
            ; jge >nulled
            ; null_next:
            ; mov QWORD [r8 + r10 * 8 + lp], 0
            ; add r10, 1
            ; cmp r10, rax
            ; jl <null_next
            ; nulled:
            // _PUSH_FRAME
            ; mov [r8 + n.frame_previous], r13
            ; mov [r12 + s.tstate_current_frame], r8
            ; sub DWORD [r12 + s.tstate_py_recursion_remaining], 1
            ; ret
            ; fail:
            ; xor r8d, r8d
            ; ret
        );
    }

    /// RETURN_VALUE (the value on top of a stack of `depth` 1) or
    /// RETURN_CONST (`depth` 0), as `_POP_FRAME` does.  Guards (else jump
    /// to `slow`, nothing done): the frame belongs to the thread (not a
    /// generator), has no frame object (which would take over the locals)
    /// and no `f_locals`.  Then rbx = the value, r15d = `nlocals`, and on
    /// to `shared`, the trampoline's one `return_stub()`.
    #[allow(clippy::too_many_arguments)]
    pub fn return_site(&mut self, value: RetVal, depth: u32, nlocals: u32, this_instr: u64, slow: DynamicLabel, shared: u64) {
        let k = self.c.calls.clone();
        let (ip, owner) = (self.c.frame_instr_ptr, self.c.switch.frame_owner);
        asm!(self.ops
            ; cmp BYTE [r13 + owner], k.owned_by_thread as i8
            ; jne =>slow
            ; cmp QWORD [r13 + k.frame_obj], 0
            ; jne =>slow
            ; cmp QWORD [r13 + k.frame_locals], 0
            ; jne =>slow
            ; mov rax, QWORD this_instr as i64
            ; mov [r13 + ip], rax
        );
        match value {
            RetVal::Stack => {
                let d_top = self.sp_disp(depth - 1, nlocals);
                asm!(self.ops ; mov rbx, [r13 + d_top]);
            }
            RetVal::Const { obj, incref } => {
                asm!(self.ops ; mov rbx, QWORD obj as i64);
                if incref {
                    self.incref_inline(RBX, RAX);
                }
            }
        }
        asm!(self.ops
            ; mov r15d, nlocals as i32
            ; mov rax, QWORD shared as i64
            ; jmp rax
        );
    }

    /// The rest of every native return, in the trampoline (one copy for
    /// all code, which keeps it in the instruction cache), with the value
    /// in rbx and the number of locals in r15d: the frame is unlinked, its
    /// locals and function released, and its code: if that frees the
    /// code, the rest runs in `dealloc_code` (`return_dealloc_code_stub`).
    /// Otherwise the frame is popped and the value pushed onto the
    /// caller's stack here, and machine code switches to the caller (or
    /// leaves through `exit`).
    pub fn return_stub(&mut self, dealloc_code: DynamicLabel, exit: DynamicLabel) {
        let n = self.c.native.clone();
        let s = self.c.switch.clone();
        let lp = self.c.frame_localsplus;
        let dealloc = self.c.fn_dealloc;
        let funcobj = self.c.calls.frame_funcobj;
        let (kept, alive) = (self.new_label(), self.new_label());
        asm!(self.ops
            // _Py_LeaveRecursiveCallPy(), then unlink the frame before
            // clearing it (GH-99729).
            ; add DWORD [r12 + s.tstate_py_recursion_remaining], 1
            ; mov rax, [r13 + n.frame_previous]
            ; mov [r12 + s.tstate_current_frame], rax
            // clear_thread_frame() and _PyFrame_ClearExceptCode(): the
            // locals, then the function.
            ; sub DWORD [r12 + n.tstate_c_recursion_remaining], 1
        );
        // Py_XDECREF(localsplus[i]) for i < nlocals (r14, callee-saved),
        // then Py_DECREF(f_funcobj) (never NULL) as the last round.
        asm!(self.ops
            ; xor r14d, r14d
            ; next_local:
            ; lea rdi, [r13 + r14 * 8 + lp]
            ; cmp r14, r15
            ; jb >load
            ; lea rdi, [r13 + funcobj]
            ; load:
            ; mov rdi, [rdi]
            ; test rdi, rdi
            ; jz =>kept
        );
        self.release_or_jump(RDI, kept);
        asm!(self.ops
            ; mov rax, QWORD dealloc as i64
            ; call rax
            ; =>kept
            ; add r14, 1
            ; cmp r14, r15
            ; jbe <next_local
            // Py_DECREF(f_executable): a deallocation may free this code.
            ; mov rdi, [r13 + s.frame_executable]
        );
        self.release_or_jump(RDI, alive);
        asm!(self.ops
            ; jmp =>dealloc_code
            ; =>alive
        );
        self.return_tail();
        self.return_by_pair();
        self.switch_here(false, exit, Pairing::Tested);
    }

    /// The end of a return, from `c_recursion_remaining++` on: pop the
    /// frame r13 (`_PyThreadState_PopFrame()`), push rbx onto the stack of
    /// the caller, which is already the thread's current frame, and leave
    /// rax:rdx = (the caller's next instruction, "resume frame") and r8 =
    /// the caller for the switch.
    pub fn return_tail(&mut self) {
        let k = self.c.calls.clone();
        let n = self.c.native.clone();
        let s = self.c.switch.clone();
        let ip = self.c.frame_instr_ptr;
        asm!(self.ops
            ; add DWORD [r12 + n.tstate_c_recursion_remaining], 1
            // A frame that starts a chunk frees the chunk: in C.
            ; mov rax, [r12 + k.tstate_datastack_chunk]
            ; lea rax, [rax + k.chunk_data]
            ; cmp rax, r13
            ; je >chunk
            ; mov [r12 + k.tstate_datastack_top], r13
            ; jmp >popped
            ; chunk:
            ; mov rdi, r12
            ; mov rsi, r13
            ; mov rax, QWORD k.fn_pop_frame as i64
            ; call rax
            ; popped:
            // _PyFrame_StackPush(caller, value), LOAD_IP(return_offset).
            ; mov r8, [r12 + s.tstate_current_frame]
        );
        self.push_onto_r8_frame(RBX);
        asm!(self.ops
            ; movzx eax, WORD [r8 + n.frame_return_offset]
            ; add rax, rax
            ; add rax, [r8 + ip]
            ; mov edx, n.result_resume_frame
        );
    }

    /// The trampoline's stub for a return whose code was freed by its
    /// last reference: the code is in rdi, the frame in r13, the value in
    /// rbx.  Deallocates the code, ends the return (`return_tail`) and
    /// jumps to `leave`.
    pub fn return_dealloc_code_stub(&mut self, leave: DynamicLabel) {
        let dealloc = self.c.fn_dealloc;
        asm!(self.ops
            ; mov rax, QWORD dealloc as i64
            ; call rax
        );
        self.return_tail();
        asm!(self.ops ; jmp =>leave);
    }
}
