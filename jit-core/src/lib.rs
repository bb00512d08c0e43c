//! jit-core: the Rust half of CPython's baseline JIT (`--enable-jit`).
//!
//! Modules, in the order data flows through them:
//! - [`consts`]: CPython's offsets and constants, read at start-up;
//! - [`bytecode`]: decoding and verification (stack depths, jumps);
//! - [`compiler`]: one emitter per instruction;
//! - [`x64`]: the architecture backend (dynasm-rs);
//! - [`codemem`]: W^X executable memory;
//! - this file: the C API used by `Python/bjit.c`.  Every exported
//!   function catches panics: a failed compile means "interpret".

mod alloc;
pub mod bytecode;
pub mod codemem;
pub mod compiler;
pub mod consts;
pub mod generated;
mod perfmap;
pub mod x64;

use std::ffi::{c_char, c_void, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;

use codemem::CodeBlock;
use compiler::{Compiled, Stubs};
use consts::{BjitConst, Consts};
use generated::opcodes as op;

/// Why a code object was not compiled (reported by `sys._jit.stats()`).
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    Panic = 1,
    NotInitialized = 2,
    BadBytecode = 3,
    Instrumented = 4,
    StackDepth = 5,
    BadJump = 6,
    UnsupportedJump = 7,
    ExceptionTable = 8,
    NoMemory = 9,
    MemoryCap = 10,
    Assembler = 11,
    TooLarge = 12,
}

impl Refusal {
    pub const ALL: [Refusal; 12] = [
        Refusal::Panic,
        Refusal::NotInitialized,
        Refusal::BadBytecode,
        Refusal::Instrumented,
        Refusal::StackDepth,
        Refusal::BadJump,
        Refusal::UnsupportedJump,
        Refusal::ExceptionTable,
        Refusal::NoMemory,
        Refusal::MemoryCap,
        Refusal::Assembler,
        Refusal::TooLarge,
    ];

    pub fn name(self) -> &'static CStr {
        match self {
            Refusal::Panic => c"panic",
            Refusal::NotInitialized => c"not_initialized",
            Refusal::BadBytecode => c"bad_bytecode",
            Refusal::Instrumented => c"instrumented",
            Refusal::StackDepth => c"stack_depth",
            Refusal::BadJump => c"bad_jump",
            Refusal::UnsupportedJump => c"unsupported_jump",
            Refusal::ExceptionTable => c"exception_table",
            Refusal::NoMemory => c"no_memory",
            Refusal::MemoryCap => c"memory_cap",
            Refusal::Assembler => c"assembler",
            Refusal::TooLarge => c"too_large",
        }
    }
}

struct Runtime {
    consts: Consts,
    _trampoline: CodeBlock,
    enter: usize,
    stubs: Stubs,
}

static RUNTIME: OnceLock<Runtime> = OnceLock::new();

/// Allocation failure must not abort the interpreter (see `alloc.rs`).
#[global_allocator]
static ALLOCATOR: alloc::Allocator = alloc::Allocator;

fn build_runtime(consts: Consts) -> Option<Runtime> {
    let mut asm = x64::Asm::new(&consts);
    asm.trampoline_enter();
    let leave_label = asm.new_label();
    let return_dealloc_code = asm.offset();
    let dealloc_code_label = asm.new_label();
    asm.bind(dealloc_code_label);
    asm.return_dealloc_code_stub(leave_label);
    let return_stub = asm.offset();
    asm.return_stub(dealloc_code_label, leave_label);
    let push_frame = asm.offset();
    asm.push_frame_stub();
    let stub = asm.offset();
    asm.call_rax();
    let leave = asm.offset();
    asm.bind(leave_label);
    // SAFETY: `helpers` is the address of `_PyBJIT_Helpers[256]`.
    let return_value = unsafe { *((consts.helpers as *const u64).add(usize::from(op::RETURN_VALUE))) };
    asm.leave(return_value);
    let bytes = asm.finish().ok()?;
    let block = CodeBlock::new(bytes.len(), |p| {
        // SAFETY: the block is writable and large enough.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), p, bytes.len()) };
        Ok(())
    })
    .ok()?;
    let base = block.addr();
    if perfmap::enabled() {
        let mark = |offset: usize, name: &str| perfmap::Mark { offset, unit: 0, name: name.to_string() };
        let marks = [
            mark(0, "trampoline enter"),
            mark(return_dealloc_code, "trampoline return_dealloc_code"),
            mark(return_stub, "trampoline return"),
            mark(push_frame, "trampoline push_frame"),
            mark(stub, "trampoline call_then_leave"),
            mark(leave, "trampoline leave"),
        ];
        perfmap::write(base as u64, bytes.len(), 0, &marks);
    }
    Some(Runtime {
        consts,
        enter: base,
        stubs: Stubs {
            call_then_leave: (base + stub) as u64,
            leave: (base + leave) as u64,
            return_dealloc_code: (base + return_dealloc_code) as u64,
            return_stub: (base + return_stub) as u64,
            push_frame: (base + push_frame) as u64,
        },
        _trampoline: block,
    })
}

/// What `Python/bjit.c` tells the compiler about a code object.
#[repr(C)]
pub struct BjitCodeInfo {
    pub code: *const u16,
    pub ncodeunits: u32,
    pub nlocalsplus: u32,
    pub stacksize: u32,
    pub consts: *const *mut c_void,
    pub nconsts: u32,
    /// `co_names`' items (strings, kept alive by the code object).
    pub names: *const *mut c_void,
    pub nnames: u32,
    pub exceptiontable: *const u8,
    pub exceptiontable_len: u32,
    /// The code object's `_PyBJIT_CodeState`.
    pub codestate: *mut c_void,
}

/// A compiled code object, as the C side sees it.
#[repr(C)]
pub struct BjitCompiled {
    /// Owned by jit-core; release with `_PyBJIT_rs_free`.
    pub handle: *mut c_void,
    /// Code unit -> machine address, NULL where there is no entry.
    pub entries: *const *const c_void,
    pub code_bytes: usize,
    /// Bytecode instructions compiled (inline cache entries not counted).
    pub instructions: usize,
}

/// Start-up: read the constant table and build the trampoline.
/// Returns 0 on success, -1 if the JIT cannot run here.
///
/// # Safety
/// `table` points to `n` valid rows.
#[no_mangle]
pub unsafe extern "C" fn _PyBJIT_rs_init(table: *const BjitConst, n: usize) -> i32 {
    let r = catch_unwind(AssertUnwindSafe(|| {
        if RUNTIME.get().is_some() {
            return 0;
        }
        // Panics are caught and reported as refusals: stay quiet.
        std::panic::set_hook(Box::new(|_| {}));
        if !alloc::init() {
            return -1;
        }
        let Ok(consts) = Consts::from_table(table, n) else { return -1 };
        match build_runtime(consts) {
            Some(rt) => {
                let _ = RUNTIME.set(rt);
                0
            }
            None => -1,
        }
    }));
    r.unwrap_or(-1)
}

/// Compile a code object.  Returns 0 and fills `out`, or a [`Refusal`].
///
/// # Safety
/// `info` describes a live code object; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn _PyBJIT_rs_compile(info: *const BjitCodeInfo, out: *mut BjitCompiled) -> i32 {
    let r = catch_unwind(AssertUnwindSafe(|| -> Result<(), Refusal> {
        let rt = RUNTIME.get().ok_or(Refusal::NotInitialized)?;
        if codemem::full() {
            return Err(Refusal::MemoryCap);
        }
        let _ = alloc::take_failure();
        let info = &*info;
        let code = std::slice::from_raw_parts(info.code, info.ncodeunits as usize);
        let consts = std::slice::from_raw_parts(info.consts as *const u64, info.nconsts as usize);
        let names = std::slice::from_raw_parts(info.names as *const u64, info.nnames as usize);
        let table = if info.exceptiontable_len == 0 {
            &[][..]
        } else {
            std::slice::from_raw_parts(info.exceptiontable, info.exceptiontable_len as usize)
        };
        let input = compiler::Input {
            code_addr: info.code as u64,
            code,
            nlocalsplus: info.nlocalsplus,
            stacksize: info.stacksize,
            consts,
            names,
            exceptiontable: table,
            instr_ok_addr: info.codestate as u64 + rt.consts.codestate_instr_ok as u64,
            live: true,
        };
        let compiled = compiler::compile(&input, &rt.consts, rt.stubs);
        let boxed = compiled.map(Box::new);
        if alloc::take_failure() {
            // Something was served from the reserve: give it all back.
            drop(boxed);
            return Err(Refusal::NoMemory);
        }
        let boxed = boxed?;
        *out = BjitCompiled {
            entries: boxed.entries.as_ptr() as *const *const c_void,
            code_bytes: boxed.code_bytes,
            instructions: boxed.instructions,
            handle: Box::into_raw(boxed) as *mut c_void,
        };
        Ok(())
    }));
    match r {
        Ok(Ok(())) => 0,
        Ok(Err(reason)) => reason as i32,
        Err(_) => Refusal::Panic as i32,
    }
}

/// Free what `_PyBJIT_rs_compile` made.
///
/// # Safety
/// `handle` came from `_PyBJIT_rs_compile` and no frame runs its code.
#[no_mangle]
pub unsafe extern "C" fn _PyBJIT_rs_free(handle: *mut c_void) {
    if !handle.is_null() {
        let _ = catch_unwind(AssertUnwindSafe(|| drop(Box::from_raw(handle as *mut Compiled))));
    }
}

/// `old` was compiled for the same code object as `new`, which replaces
/// it: `new` keeps it alive (a frame deeper on the C stack may still
/// return into its code) and frees it with itself.
///
/// # Safety
/// Both came from `_PyBJIT_rs_compile`; `old` is not used otherwise.
#[no_mangle]
pub unsafe extern "C" fn _PyBJIT_rs_retire(new: *mut c_void, old: *mut c_void) {
    if !new.is_null() && !old.is_null() {
        let new = &mut *(new as *mut Compiled);
        let old = Box::from_raw(old as *mut Compiled);
        debug_assert!(new.retired.is_none());
        new.retired = Some(old);
    }
}

/// The address of the trampoline:
/// `_PyBJIT_Result enter(tstate, frame, target, running)`.
#[no_mangle]
pub extern "C" fn _PyBJIT_rs_trampoline() -> *const c_void {
    RUNTIME.get().map_or(std::ptr::null(), |rt| rt.enter as *const c_void)
}

/// A refusal's name, for `sys._jit.stats()`.
#[no_mangle]
pub extern "C" fn _PyBJIT_rs_refusal_name(reason: i32) -> *const c_char {
    Refusal::ALL
        .iter()
        .find(|r| **r as i32 == reason)
        .map_or(c"other", |r| r.name())
        .as_ptr()
}

/// Bytes of executable memory mapped now (trampoline included).
#[no_mangle]
pub extern "C" fn _PyBJIT_rs_mapped_bytes() -> usize {
    codemem::mapped()
}

/// Cap executable memory (bytes); compiles past it are refused.
#[no_mangle]
pub extern "C" fn _PyBJIT_rs_set_memory_cap(bytes: usize) {
    codemem::set_cap(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiling_before_init_is_refused_not_a_crash() {
        let code = [0u16; 2];
        let info = BjitCodeInfo {
            code: code.as_ptr(),
            ncodeunits: 2,
            nlocalsplus: 0,
            stacksize: 0,
            consts: std::ptr::null(),
            nconsts: 0,
            names: std::ptr::null(),
            nnames: 0,
            exceptiontable: std::ptr::null(),
            exceptiontable_len: 0,
            codestate: std::ptr::null_mut(),
        };
        let mut out = BjitCompiled { handle: std::ptr::null_mut(), entries: std::ptr::null(), code_bytes: 0, instructions: 0 };
        let r = unsafe { _PyBJIT_rs_compile(&info, &mut out) };
        assert_eq!(r, Refusal::NotInitialized as i32);
        assert!(out.handle.is_null());
        assert!(_PyBJIT_rs_trampoline().is_null());
    }

    #[test]
    fn refusal_names_agree() {
        for r in Refusal::ALL {
            let c = unsafe { CStr::from_ptr(_PyBJIT_rs_refusal_name(r as i32)) };
            assert_eq!(c, r.name());
        }
        let c = unsafe { CStr::from_ptr(_PyBJIT_rs_refusal_name(99)) };
        assert_eq!(c.to_str().unwrap(), "other");
    }
}
