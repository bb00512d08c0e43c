//! CPython's struct offsets and constants, read at start-up from the table
//! that `Python/bjit.c` compiles with the interpreter's own flags.  Nothing
//! here is a hand-copied layout; `cargo test` uses [`Consts::fake`].

use std::collections::HashMap;
use std::ffi::CStr;

/// One row of the C table: `{name, value}`.
#[repr(C)]
pub struct BjitConst {
    pub name: *const std::os::raw::c_char,
    pub value: i64,
}

/// The values the compiler uses, by name.
#[derive(Clone, Debug)]
pub struct Consts {
    pub frame_localsplus: i32,
    pub frame_instr_ptr: i32,
    pub tstate_eval_breaker: i32,
    pub tstate_tracing: i32,
    pub eval_events_mask: i64,
    pub ob_refcnt: i32,
    pub ob_type: i32,
    /// `&PyBool_Type`.
    pub bool_type: u64,
    /// Offset of `_co_instrumentation_version` in a code object.
    pub code_instrumentation_version: i32,
    pub ref_debug: bool,
    /// `--enable-pystats`: every instruction runs through its helper, which
    /// counts it as the interpreter does.
    pub pystats: bool,
    pub py_none: u64,
    pub py_true: u64,
    pub py_false: u64,
    pub fn_dealloc: u64,
    /// `_PyFloat_ExactDealloc` and `PyObject_Free`: what
    /// `_Py_DECREF_SPECIALIZED()` calls for exact floats and ints.
    pub fn_float_dealloc: u64,
    pub fn_object_free: u64,
    /// `&_PyRuntime.ref_tracer.tracer_func`: those direct calls need it
    /// NULL (else `_Py_Dealloc()`, which reports to the tracer).
    pub ref_tracer_func: u64,
    pub fn_incref: u64,
    pub fn_decref: u64,
    pub helpers: u64,
    /// `_PyBJIT_Deopts[256]`: a specialized opcode's family deopt target.
    pub deopts: u64,
    pub counter_handback_instrumentation: u64,
    pub counter_handback_no_entry: u64,
    pub counter_handback_unsupported: u64,
    pub codestate_instr_ok: i32,
    /// `_Py_BackoffCounter` with value 1 and backoff 0, as a u16.
    pub backoff_value_unit: u16,
    pub backoff_unreachable: u16,
    /// `_PyBJIT_INTERPRET`: a helper result that asks for the interpreter.
    pub result_interpret: i32,
    /// `_PyBJIT_ERROR`: 'goto error' in the eval loop.
    pub result_error: i32,
    /// Largest valid oparg of BINARY_OP, COMPARE_OP (>> 5), CALL_INTRINSIC_1,
    /// CALL_INTRINSIC_2 and CONVERT_VALUE: they index C tables.
    pub max_binary_op: u32,
    /// BINARY_OP opargs: `NB_ADD`, `NB_SUBTRACT`, `NB_MULTIPLY`,
    /// `NB_TRUE_DIVIDE` and their in-place forms.
    pub nb_add: [u32; 2],
    pub nb_subtract: [u32; 2],
    pub nb_multiply: [u32; 2],
    pub nb_true_divide: [u32; 2],
    pub max_compare_op: u32,
    pub max_intrinsic_1: u32,
    pub max_intrinsic_2: u32,
    pub max_convert_value: u32,
    /// Native fast paths of specialized instructions.
    pub native: Native,
    /// Frame switches in machine code (`Asm::leave`): where the next frame
    /// and its code's entry table are.
    pub switch: Switch,
    /// Native Python-to-Python calls and returns (`x64/calls.rs`).
    pub calls: Calls,
}

/// What the native fast paths read (see compiler.rs, `gen_native_*`).
#[derive(Clone, Debug)]
pub struct Native {
    pub float_type: u64,
    pub float_ob_fval: i32,
    pub fn_float_from_double: u64,
    pub type_version_tag: i32,
    pub type_basicsize: i32,
    pub dictvalues_valid: i32,
    pub dictvalues_values: i32,
    pub dictvalues_capacity: i32,
    pub dictvalues_size: i32,
    /// `MANAGED_DICT_OFFSET`: where an object with inline values keeps its
    /// dict pointer, if it has one (negative).
    pub managed_dict_offset: i32,
    pub heaptype_cached_keys: i32,
    pub int_type: u64,
    /// `_PyLong_Add`, `_PyLong_Subtract`, `_PyLong_Multiply`.
    pub fn_long_add: u64,
    pub fn_long_subtract: u64,
    pub fn_long_multiply: u64,
    /// `_PyEval_BinaryOps`: generic BINARY_OP's C function by oparg.
    pub binary_ops: u64,
    /// `PyObject_GetItem`, generic BINARY_SUBSCR's C function.
    pub fn_get_item: u64,
    /// The generic COMPARE_OP's: `PyObject_RichCompare()`, and
    /// `PyObject_IsTrue()` for its bool form (oparg & 16).
    pub fn_rich_compare: u64,
    pub fn_is_true: u64,
    /// `PyCellObject.ob_ref` (LOAD_DEREF, STORE_DEREF).
    pub cell_ob_ref: i32,
    pub long_tag: i32,
    pub long_digit: i32,
    /// `_PyLong_NON_SIZE_BITS` and `_PyLong_SIGN_MASK`.
    pub long_non_size_bits: u8,
    pub long_sign_mask: u8,
    pub list_type: u64,
    pub var_size: i32,
    pub list_items: i32,
    pub dict_type: u64,
    pub frame_globals: i32,
    pub frame_builtins: i32,
    pub dict_keys: i32,
    pub keys_version: i32,
    pub keys_log2_index_bytes: i32,
    pub keys_indices: i32,
    pub keys_nentries: i32,
    pub keys_kind: i32,
    /// `DICT_KEYS_GENERAL`: keys that are not all strings.
    pub keys_general: u8,
    pub unicode_entry_key: i32,
    /// log2(sizeof(PyDictUnicodeEntry)).
    pub unicode_entry_shift: u8,
    pub unicode_entry_value: i32,
    /// `&PyUnicode_Type` and the empty string (immortal).
    pub str_type: u64,
    pub empty_str: u64,
    /// Builtin functions: `PyCFunction_Type`, the object's method
    /// definition and self, the definition's C function and flags,
    /// `METH_O`, `METH_FASTCALL`.
    pub cfunction_type: u64,
    pub cfunction_ml: i32,
    pub cfunction_self: i32,
    pub methoddef_meth: i32,
    pub methoddef_flags: i32,
    pub meth_o: i32,
    pub meth_fastcall: i32,
    /// Method descriptors: `PyMethodDescr_Type`, the descriptor's method
    /// definition and the type it belongs to, `METH_NOARGS`.
    pub meth_noargs: i32,
    pub meth_keywords: i32,
    pub method_descriptor_type: u64,
    pub methoddescr_method: i32,
    pub descr_type: i32,
    /// `interp->callable_cache`: `len`, `isinstance`, `list.append`.
    pub interp_len: i32,
    pub interp_isinstance: i32,
    pub interp_list_append: i32,
    /// Classes called through their vectorcall (CALL_BUILTIN_CLASS):
    /// `tp_flags`, `Py_TPFLAGS_TYPE_SUBCLASS` (a type's type has it),
    /// `tp_vectorcall`.
    pub type_flags: i32,
    pub tpflags_type_subclass: u32,
    pub type_vectorcall: i32,
    /// Other callables (CALL_NON_PY_GENERAL): `&PyMethod_Type`,
    /// `PyObject_Vectorcall()`, `PY_VECTORCALL_ARGUMENTS_OFFSET`.
    pub method_type: u64,
    pub fn_vectorcall: u64,
    pub vectorcall_arguments_offset: u64,
    /// STORE_ATTR_WITH_HINT: the dict's `ma_version_tag`, the
    /// interpreter's `dict_state.global_version`, `DICT_VERSION_INCREMENT`,
    /// `DICT_WATCHER_MASK`, `DICT_WATCHER_AND_MODIFICATION_MASK`; where
    /// `_gc_next` is from the object (`_PyObject_GC_IS_TRACKED()`), and
    /// `Py_TPFLAGS_HAVE_GC`.
    pub dict_version_tag: i32,
    pub interp_dict_global_version: i32,
    pub dict_version_increment: u32,
    pub dict_watcher_mask: u32,
    pub dict_watcher_and_modification_mask: u32,
    pub gc_next: i32,
    pub tpflags_have_gc: u32,
    pub fn_object_length: u64,
    pub fn_long_from_ssize_t: u64,
    pub fn_object_isinstance: u64,
    /// `_PyList_AppendTakeRefListResize()`: an append that grows the list.
    pub fn_list_append_resize: u64,
    pub list_allocated: i32,
    pub tstate_c_recursion_remaining: i32,
    pub fn_handle_pending: u64,
    /// List, tuple and range iterators.
    pub list_iter_type: u64,
    pub list_iter_index: i32,
    pub list_iter_seq: i32,
    pub tuple_iter_type: u64,
    pub tuple_type: u64,
    pub module_type: u64,
    pub module_dict: i32,
    pub tuple_iter_index: i32,
    pub tuple_iter_seq: i32,
    pub tuple_items: i32,
    pub range_iter_type: u64,
    pub range_iter_start: i32,
    pub range_iter_step: i32,
    pub range_iter_len: i32,
    pub fn_long_from_long: u64,
    /// The small int -`small_neg`; they go up to `small_pos` - 1, each
    /// `long_size` bytes.
    pub small_ints: u64,
    pub small_neg: i32,
    pub small_pos: i32,
    pub long_size: i32,
    pub gen_type: u64,
    pub coro_type: u64,
    /// Offsets in a generator: its frame, its state (int8), and its
    /// exception state's `previous_item`.
    pub gen_iframe: i32,
    pub gen_frame_state: i32,
    pub gen_previous_exc: i32,
    pub gen_exc_state: i32,
    /// `FRAME_SUSPENDED` and `FRAME_EXECUTING`.
    pub frame_suspended: i8,
    pub frame_executing: i8,
    pub tstate_exc_info: i32,
    pub tstate_interp: i32,
    pub interp_eval_frame: i32,
    pub frame_previous: i32,
    pub frame_return_offset: i32,
    pub cache_entries_send: u32,
    pub cache_entries_for_iter: u32,
    /// `_PyBJIT_START_FRAME` and `_PyBJIT_RESUME_FRAME`.
    pub result_start_frame: i32,
    pub result_resume_frame: i32,
    /// `uint64_t[256]`: guard failures of native fast paths, per opcode.
    pub counter_native_slow: u64,
}

/// What the trampoline's frame switch reads (see `Asm::leave`).
#[derive(Clone, Debug)]
pub struct Switch {
    /// False when the eval loop must see every frame change itself
    /// (`LLTRACE` builds trace per frame).
    pub enabled: bool,
    pub tstate_current_frame: i32,
    pub tstate_py_recursion_remaining: i32,
    pub frame_owner: i32,
    pub frame_executable: i32,
    /// `frame->stacktop`, set to -1 while the frame runs (as
    /// `_PyFrame_GetStackPointer()` does): gc then skips its stack.
    pub frame_stacktop: i32,
    pub owned_by_cstack: u8,
    pub code_bjit: i32,
    pub code_units: i32,
    pub codestate_entries: i32,
    pub codestate_state: i32,
    pub compiled_state: u8,
    pub counter_frame_entries_jit: u64,
    pub counter_frame_switches: u64,
    pub counter_pair_returns: u64,
    /// `&_Py_InitCleanup`: the code of CALL_ALLOC_AND_ENTER_INIT's shim
    /// frame, which `leave` runs itself.
    pub init_cleanup: u64,
}

/// What native calls and returns read and write: the function, its code,
/// the thread's frame stack, the frame fields a push initializes.
#[derive(Clone, Debug)]
pub struct Calls {
    pub function_type: u64,
    pub func_code: i32,
    /// `func_version`, a u32.
    pub func_version: i32,
    pub func_globals: i32,
    pub func_builtins: i32,
    /// `co_argcount`, `co_framesize`, `co_nlocalsplus`: ints.
    pub code_argcount: i32,
    pub code_framesize: i32,
    pub code_nlocalsplus: i32,
    pub tstate_datastack_chunk: i32,
    pub tstate_datastack_top: i32,
    pub tstate_datastack_limit: i32,
    pub chunk_data: i32,
    pub frame_funcobj: i32,
    pub frame_locals: i32,
    pub frame_obj: i32,
    pub owned_by_thread: u8,
    /// `_PyThreadState_PopFrame()`: pops a frame that starts a chunk.
    pub fn_pop_frame: u64,
}

/// The version of the table's contract; bumped when names change.
pub const ABI_VERSION: i64 = 24;

impl Consts {
    /// Reads the table; `Err` names the first missing or bad entry.
    ///
    /// # Safety
    /// `table` must point to `n` rows whose names are C strings.
    pub unsafe fn from_table(table: *const BjitConst, n: usize) -> Result<Consts, String> {
        let mut map = HashMap::new();
        for i in 0..n {
            let row = &*table.add(i);
            let name = CStr::from_ptr(row.name).to_string_lossy().into_owned();
            map.insert(name, row.value);
        }
        Self::from_map(&map)
    }

    fn from_map(map: &HashMap<String, i64>) -> Result<Consts, String> {
        let get = |name: &str| map.get(name).copied().ok_or_else(|| format!("missing constant {name}"));
        if get("abi_version")? != ABI_VERSION {
            return Err("constant table version mismatch".into());
        }
        if get("sizeof_pointer")? != 8 || get("sizeof_codeunit")? != 2 {
            return Err("unsupported pointer or code unit size".into());
        }
        let limit = |name: &str| -> Result<u32, String> {
            u32::try_from(get(name)?).map_err(|_| format!("limit {name} out of range"))
        };
        let off = |name: &str| -> Result<i32, String> {
            i32::try_from(get(name)?).map_err(|_| format!("offset {name} out of range"))
        };
        let byte = |name: &str| -> Result<u8, String> {
            u8::try_from(get(name)?).map_err(|_| format!("{name} is not a byte"))
        };
        let consts = Consts {
            frame_localsplus: off("frame.localsplus")?,
            frame_instr_ptr: off("frame.instr_ptr")?,
            tstate_eval_breaker: off("tstate.eval_breaker")?,
            tstate_tracing: off("tstate.tracing")?,
            eval_events_mask: get("eval_events_mask")?,
            ob_refcnt: off("object.ob_refcnt")?,
            ob_type: off("object.ob_type")?,
            bool_type: get("type.bool")? as u64,
            code_instrumentation_version: off("code._co_instrumentation_version")?,
            ref_debug: get("ref_debug")? != 0,
            pystats: get("pystats")? != 0,
            py_none: get("Py_None")? as u64,
            py_true: get("Py_True")? as u64,
            py_false: get("Py_False")? as u64,
            fn_dealloc: get("fn._Py_Dealloc")? as u64,
            fn_float_dealloc: get("fn._PyFloat_ExactDealloc")? as u64,
            fn_object_free: get("fn.PyObject_Free")? as u64,
            ref_tracer_func: get("runtime.ref_tracer_func")? as u64,
            fn_incref: get("fn.Py_IncRef")? as u64,
            fn_decref: get("fn.Py_DecRef")? as u64,
            helpers: get("helpers")? as u64,
            deopts: get("deopts")? as u64,
            counter_handback_instrumentation: get("counter.handback_instrumentation")? as u64,
            counter_handback_no_entry: get("counter.handback_no_entry")? as u64,
            counter_handback_unsupported: get("counter.handback_unsupported")? as u64,
            codestate_instr_ok: off("codestate.instr_ok")?,
            backoff_value_unit: u16::try_from(get("backoff.value_unit")?)
                .ok()
                .filter(|u| u.is_power_of_two())
                .ok_or("bad backoff.value_unit")?,
            backoff_unreachable: u16::try_from(get("backoff.unreachable")?).map_err(|_| "bad backoff.unreachable")?,
            result_interpret: i32::try_from(get("result.interpret")?)
                .ok()
                .filter(|k| (1..8).contains(k))
                .ok_or("bad result.interpret")?,
            result_error: i32::try_from(get("result.error")?)
                .ok()
                .filter(|k| (1..8).contains(k))
                .ok_or("bad result.error")?,
            max_binary_op: limit("max.binary_op")?,
            nb_add: [limit("nb.add")?, limit("nb.inplace_add")?],
            nb_subtract: [limit("nb.subtract")?, limit("nb.inplace_subtract")?],
            nb_multiply: [limit("nb.multiply")?, limit("nb.inplace_multiply")?],
            nb_true_divide: [limit("nb.true_divide")?, limit("nb.inplace_true_divide")?],
            max_compare_op: limit("max.compare_op")?,
            max_intrinsic_1: limit("max.intrinsic_1")?,
            max_intrinsic_2: limit("max.intrinsic_2")?,
            max_convert_value: limit("max.convert_value")?,
            native: Native {
                float_type: get("type.float")? as u64,
                float_ob_fval: off("float.ob_fval")?,
                fn_float_from_double: get("fn.PyFloat_FromDouble")? as u64,
                type_version_tag: off("type.tp_version_tag")?,
                type_basicsize: off("type.tp_basicsize")?,
                dictvalues_valid: off("dictvalues.valid")?,
                dictvalues_values: off("dictvalues.values")?,
                dictvalues_capacity: off("dictvalues.capacity")?,
                dictvalues_size: off("dictvalues.size")?,
                managed_dict_offset: off("object.managed_dict_offset")?,
                heaptype_cached_keys: off("heaptype.ht_cached_keys")?,
                int_type: get("type.int")? as u64,
                fn_long_add: get("fn._PyLong_Add")? as u64,
                fn_long_subtract: get("fn._PyLong_Subtract")? as u64,
                fn_long_multiply: get("fn._PyLong_Multiply")? as u64,
                binary_ops: get("fn.binary_ops")? as u64,
                fn_get_item: get("fn.PyObject_GetItem")? as u64,
                fn_rich_compare: get("fn.PyObject_RichCompare")? as u64,
                fn_is_true: get("fn.PyObject_IsTrue")? as u64,
                cell_ob_ref: off("cell.ob_ref")?,
                long_tag: off("long.lv_tag")?,
                long_digit: off("long.ob_digit")?,
                long_non_size_bits: byte("long.non_size_bits")?,
                long_sign_mask: byte("long.sign_mask")?,
                list_type: get("type.list")? as u64,
                var_size: off("varobject.ob_size")?,
                list_items: off("list.ob_item")?,
                counter_native_slow: get("counter.native_slow")? as u64,
                str_type: get("type.str")? as u64,
                empty_str: get("str.empty")? as u64,
                cfunction_type: get("type.cfunction")? as u64,
                cfunction_ml: off("cfunction.m_ml")?,
                cfunction_self: off("cfunction.m_self")?,
                methoddef_meth: off("methoddef.ml_meth")?,
                methoddef_flags: off("methoddef.ml_flags")?,
                meth_o: off("meth.o")?,
                meth_fastcall: off("meth.fastcall")?,
                meth_noargs: off("meth.noargs")?,
                meth_keywords: off("meth.keywords")?,
                method_descriptor_type: get("type.method_descriptor")? as u64,
                methoddescr_method: off("methoddescr.d_method")?,
                descr_type: off("descr.d_type")?,
                interp_len: off("interp.callable_cache.len")?,
                interp_isinstance: off("interp.callable_cache.isinstance")?,
                interp_list_append: off("interp.callable_cache.list_append")?,
                type_flags: off("type.tp_flags")?,
                tpflags_type_subclass: limit("tpflags.type_subclass")?,
                type_vectorcall: off("type.tp_vectorcall")?,
                method_type: get("type.method")? as u64,
                fn_vectorcall: get("fn.PyObject_Vectorcall")? as u64,
                vectorcall_arguments_offset: get("vectorcall.arguments_offset")? as u64,
                dict_version_tag: off("dict.ma_version_tag")?,
                interp_dict_global_version: off("interp.dict_state.global_version")?,
                dict_version_increment: limit("dict.version_increment")?,
                dict_watcher_mask: limit("dict.watcher_mask")?,
                dict_watcher_and_modification_mask: limit("dict.watcher_and_modification_mask")?,
                gc_next: off("gc.gc_next")?,
                tpflags_have_gc: limit("tpflags.have_gc")?,
                fn_object_length: get("fn.PyObject_Length")? as u64,
                fn_long_from_ssize_t: get("fn.PyLong_FromSsize_t")? as u64,
                fn_object_isinstance: get("fn.PyObject_IsInstance")? as u64,
                fn_list_append_resize: get("fn._PyList_AppendTakeRefListResize")? as u64,
                list_allocated: off("list.allocated")?,
                tstate_c_recursion_remaining: off("tstate.c_recursion_remaining")?,
                fn_handle_pending: get("fn._Py_HandlePending")? as u64,
                list_iter_type: get("type.list_iter")? as u64,
                list_iter_index: off("listiter.it_index")?,
                list_iter_seq: off("listiter.it_seq")?,
                tuple_iter_type: get("type.tuple_iter")? as u64,
                tuple_type: get("type.tuple")? as u64,
                module_type: get("type.module")? as u64,
                module_dict: off("module.md_dict")?,
                tuple_iter_index: off("tupleiter.it_index")?,
                tuple_iter_seq: off("tupleiter.it_seq")?,
                tuple_items: off("tuple.ob_item")?,
                range_iter_type: get("type.range_iter")? as u64,
                range_iter_start: off("rangeiter.start")?,
                range_iter_step: off("rangeiter.step")?,
                range_iter_len: off("rangeiter.len")?,
                fn_long_from_long: get("fn.PyLong_FromLong")? as u64,
                small_ints: get("long.small_ints")? as u64,
                small_neg: off("long.nsmallnegints")?,
                small_pos: off("long.nsmallposints")?,
                long_size: off("sizeof.long_object")?,
                gen_type: get("type.generator")? as u64,
                coro_type: get("type.coroutine")? as u64,
                gen_iframe: off("gen.gi_iframe")?,
                gen_frame_state: off("gen.gi_frame_state")?,
                gen_previous_exc: off("gen.gi_exc_state.previous_item")?,
                gen_exc_state: off("gen.gi_exc_state")?,
                frame_suspended: i8::try_from(get("frame_state.suspended")?).map_err(|_| "bad frame_state.suspended")?,
                frame_executing: i8::try_from(get("frame_state.executing")?).map_err(|_| "bad frame_state.executing")?,
                tstate_exc_info: off("tstate.exc_info")?,
                tstate_interp: off("tstate.interp")?,
                interp_eval_frame: off("interp.eval_frame")?,
                frame_previous: off("frame.previous")?,
                frame_return_offset: off("frame.return_offset")?,
                cache_entries_send: limit("cache_entries.send")?,
                cache_entries_for_iter: limit("cache_entries.for_iter")?,
                result_start_frame: off("result.start_frame")?,
                result_resume_frame: off("result.resume_frame")?,
                dict_type: get("type.dict")? as u64,
                frame_globals: off("frame.f_globals")?,
                frame_builtins: off("frame.f_builtins")?,
                dict_keys: off("dict.ma_keys")?,
                keys_version: off("dictkeys.dk_version")?,
                keys_log2_index_bytes: off("dictkeys.dk_log2_index_bytes")?,
                keys_indices: off("dictkeys.dk_indices")?,
                keys_nentries: off("dictkeys.dk_nentries")?,
                keys_kind: off("dictkeys.dk_kind")?,
                keys_general: byte("dict_keys_general")?,
                unicode_entry_key: off("unicode_entry.me_key")?,
                unicode_entry_shift: u8::try_from(get("sizeof.unicode_entry")?)
                    .ok()
                    .filter(|n| n.is_power_of_two())
                    .map(|n| n.trailing_zeros() as u8)
                    .ok_or("bad sizeof.unicode_entry")?,
                unicode_entry_value: off("unicode_entry.me_value")?,
            },
            switch: Switch {
                enabled: get("switch.enabled")? != 0,
                tstate_current_frame: off("tstate.current_frame")?,
                tstate_py_recursion_remaining: off("tstate.py_recursion_remaining")?,
                frame_owner: off("frame.owner")?,
                frame_executable: off("frame.f_executable")?,
                frame_stacktop: off("frame.stacktop")?,
                owned_by_cstack: byte("frame_owned_by_cstack")?,
                code_bjit: off("code._co_bjit")?,
                code_units: off("code.co_code_adaptive")?,
                codestate_entries: off("codestate.entries")?,
                codestate_state: off("codestate.state")?,
                compiled_state: byte("codestate.compiled")?,
                counter_frame_entries_jit: get("counter.frame_entries_jit")? as u64,
                counter_frame_switches: get("counter.frame_switches")? as u64,
                counter_pair_returns: get("counter.pair_returns")? as u64,
                init_cleanup: get("code.init_cleanup")? as u64,
            },
            calls: Calls {
                function_type: get("type.function")? as u64,
                func_code: off("func.func_code")?,
                func_version: off("func.func_version")?,
                func_globals: off("func.func_globals")?,
                func_builtins: off("func.func_builtins")?,
                code_argcount: off("code.co_argcount")?,
                code_framesize: off("code.co_framesize")?,
                code_nlocalsplus: off("code.co_nlocalsplus")?,
                tstate_datastack_chunk: off("tstate.datastack_chunk")?,
                tstate_datastack_top: off("tstate.datastack_top")?,
                tstate_datastack_limit: off("tstate.datastack_limit")?,
                chunk_data: off("chunk.data")?,
                frame_funcobj: off("frame.f_funcobj")?,
                frame_locals: off("frame.f_locals")?,
                frame_obj: off("frame.frame_obj")?,
                owned_by_thread: byte("frame_owned_by_thread")?,
                fn_pop_frame: get("fn._PyThreadState_PopFrame")? as u64,
            },
        };
        // The frame switch reads these fields with these widths.
        for (name, size) in [
            ("sizeof.frame.owner", 1),
            ("sizeof.codestate.state", 1),
            ("sizeof.codestate.instr_ok", 1),
            ("sizeof.tstate.py_recursion_remaining", 4),
            ("sizeof.frame.stacktop", 4),
            ("sizeof.type.tp_version_tag", 4),
            ("sizeof.type.tp_basicsize", 8),
            ("sizeof.dictvalues.valid", 1),
            ("sizeof.dictkeys.dk_version", 4),
            ("sizeof.dictkeys.dk_log2_index_bytes", 1),
            ("sizeof.dictkeys.dk_nentries", 8),
            ("sizeof.dictkeys.dk_kind", 1),
            ("sizeof.dictvalues.capacity", 1),
            ("sizeof.dictvalues.size", 1),
            ("sizeof.long.lv_tag", 8),
            ("sizeof.long.digit", 4),
            ("sizeof.gen.gi_frame_state", 1),
            ("sizeof.rangeiter.len", 8),
            ("sizeof.methoddef.ml_flags", 4),
            ("sizeof.tstate.c_recursion_remaining", 4),
            ("sizeof.frame.return_offset", 2),
            ("sizeof.func.func_version", 4),
            ("sizeof.code.co_argcount", 4),
            ("sizeof.code.co_framesize", 4),
            ("sizeof.code.co_nlocalsplus", 4),
        ] {
            if get(name)? != size {
                return Err(format!("{name} is not {size}"));
            }
        }
        Ok(consts)
    }

    /// A stand-in for unit tests: plausible offsets, fake addresses.
    pub fn fake() -> Consts {
        Consts {
            frame_localsplus: 72,
            frame_instr_ptr: 56,
            tstate_eval_breaker: 24,
            tstate_tracing: 32,
            eval_events_mask: 0xff,
            ob_refcnt: 0,
            ob_type: 8,
            bool_type: 0x1030,
            code_instrumentation_version: 176,
            ref_debug: false,
            pystats: false,
            py_none: 0x1000,
            py_true: 0x1010,
            py_false: 0x1020,
            fn_dealloc: 0x2000,
            fn_float_dealloc: 0x2310,
            fn_object_free: 0x2318,
            ref_tracer_func: 0x2320,
            fn_incref: 0x2010,
            fn_decref: 0x2020,
            helpers: 0,
            deopts: 0,
            counter_handback_instrumentation: 0x3000,
            counter_handback_no_entry: 0x3008,
            counter_handback_unsupported: 0x3010,
            codestate_instr_ok: 21,
            backoff_value_unit: 16,
            backoff_unreachable: 0xffff,
            result_interpret: 5,
            result_error: 1,
            max_binary_op: 25,
            nb_add: [0, 13],
            nb_subtract: [10, 23],
            nb_multiply: [5, 18],
            nb_true_divide: [11, 24],
            max_compare_op: 5,
            max_intrinsic_1: 11,
            max_intrinsic_2: 5,
            max_convert_value: 3,
            native: Native {
                float_type: 0x1040,
                float_ob_fval: 16,
                fn_float_from_double: 0x2030,
                type_version_tag: 128,
                type_basicsize: 32,
                dictvalues_valid: 3,
                dictvalues_values: 8,
                dictvalues_capacity: 0,
                dictvalues_size: 1,
                managed_dict_offset: -24,
                heaptype_cached_keys: 896,
                int_type: 0x1060,
                fn_long_add: 0x2050,
                fn_long_subtract: 0x2058,
                fn_long_multiply: 0x2060,
                binary_ops: 0x2300,
                fn_get_item: 0x2308,
                fn_rich_compare: 0x2390,
                fn_is_true: 0x2398,
                cell_ob_ref: 16,
                long_tag: 16,
                long_digit: 24,
                long_non_size_bits: 3,
                long_sign_mask: 3,
                list_type: 0x1070,
                var_size: 16,
                list_items: 24,
                counter_native_slow: 0x4000,
                str_type: 0x10e0,
                empty_str: 0x6100,
                cfunction_type: 0x10d0,
                cfunction_ml: 16,
                cfunction_self: 24,
                methoddef_meth: 8,
                methoddef_flags: 16,
                meth_o: 8,
                meth_fastcall: 128,
                meth_noargs: 4,
                meth_keywords: 2,
                method_descriptor_type: 0x10f0,
                methoddescr_method: 40,
                descr_type: 16,
                interp_len: 4000,
                interp_isinstance: 4008,
                interp_list_append: 4016,
                type_flags: 168,
                tpflags_type_subclass: 1 << 31,
                type_vectorcall: 400,
                method_type: 0x1180,
                fn_vectorcall: 0x2380,
                vectorcall_arguments_offset: 1 << 63,
                dict_version_tag: 24,
                interp_dict_global_version: 5000,
                dict_version_increment: 1 << 12,
                dict_watcher_mask: 0xff,
                dict_watcher_and_modification_mask: 0xfff,
                gc_next: -16,
                tpflags_have_gc: 1 << 14,
                fn_object_length: 0x2090,
                fn_long_from_ssize_t: 0x20a0,
                fn_object_isinstance: 0x20b0,
                fn_list_append_resize: 0x20c0,
                list_allocated: 32,
                tstate_c_recursion_remaining: 44,
                fn_handle_pending: 0x2080,
                list_iter_type: 0x10a0,
                list_iter_index: 16,
                list_iter_seq: 24,
                tuple_iter_type: 0x10b0,
                tuple_type: 0x1100,
                module_type: 0x1110,
                module_dict: 16,
                tuple_iter_index: 16,
                tuple_iter_seq: 24,
                tuple_items: 24,
                range_iter_type: 0x10c0,
                range_iter_start: 16,
                range_iter_step: 24,
                range_iter_len: 32,
                fn_long_from_long: 0x2070,
                small_ints: 0x6000,
                small_neg: 5,
                small_pos: 257,
                long_size: 32,
                gen_type: 0x1080,
                coro_type: 0x1090,
                gen_iframe: 80,
                gen_frame_state: 72,
                gen_previous_exc: 48,
                gen_exc_state: 40,
                frame_suspended: -2,
                frame_executing: 0,
                tstate_exc_info: 112,
                tstate_interp: 16,
                interp_eval_frame: 4000,
                frame_previous: 8,
                frame_return_offset: 68,
                cache_entries_send: 1,
                cache_entries_for_iter: 1,
                result_start_frame: 3,
                result_resume_frame: 4,
                dict_type: 0x1050,
                frame_globals: 16,
                frame_builtins: 24,
                dict_keys: 32,
                keys_version: 20,
                keys_log2_index_bytes: 9,
                keys_indices: 32,
                keys_nentries: 24,
                keys_kind: 10,
                keys_general: 0,
                unicode_entry_key: 0,
                unicode_entry_shift: 4,
                unicode_entry_value: 8,
            },
            switch: Switch {
                enabled: true,
                tstate_current_frame: 56,
                tstate_py_recursion_remaining: 40,
                frame_owner: 70,
                frame_executable: 0,
                frame_stacktop: 64,
                owned_by_cstack: 3,
                code_bjit: 184,
                code_units: 200,
                codestate_entries: 8,
                codestate_state: 20,
                compiled_state: 1,
                counter_frame_entries_jit: 0x3020,
                counter_frame_switches: 0x3028,
                counter_pair_returns: 0x3030,
                init_cleanup: 0x5000,
            },
            calls: Calls {
                function_type: 0x1060,
                func_code: 48,
                func_version: 144,
                func_globals: 16,
                func_builtins: 24,
                code_argcount: 52,
                code_framesize: 76,
                code_nlocalsplus: 72,
                tstate_datastack_chunk: 200,
                tstate_datastack_top: 208,
                tstate_datastack_limit: 216,
                chunk_data: 24,
                frame_funcobj: 16,
                frame_locals: 40,
                frame_obj: 48,
                owned_by_thread: 0,
                fn_pop_frame: 0x2080,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_entry_is_an_error() {
        let mut map = HashMap::new();
        map.insert("abi_version".to_string(), ABI_VERSION);
        map.insert("sizeof_pointer".to_string(), 8);
        map.insert("sizeof_codeunit".to_string(), 2);
        let err = Consts::from_map(&map).unwrap_err();
        assert!(err.contains("frame.localsplus"), "{err}");
    }

    #[test]
    fn version_mismatch_is_an_error() {
        let mut map = HashMap::new();
        map.insert("abi_version".to_string(), ABI_VERSION + 1);
        assert!(Consts::from_map(&map).unwrap_err().contains("version"));
    }
}
