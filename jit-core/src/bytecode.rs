//! Bytecode decoding and verification.
//!
//! Turns a code object's code units into instructions (EXTENDED_ARG folded
//! in, inline caches skipped) and computes the value-stack depth before
//! every reachable instruction.  Anything it cannot prove is refused: the
//! code object then runs in the interpreter.

use crate::generated::opcodes as op;
use crate::Refusal;

/// One instruction, prefixes and caches included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Instr {
    /// Code unit of the first EXTENDED_ARG prefix (or of the opcode).
    pub start: u32,
    /// Code unit of the opcode itself.
    pub at: u32,
    /// The opcode as found in the bytecode (may be specialized).
    pub opcode: u8,
    /// The generic instruction it belongs to.
    pub base: u8,
    pub oparg: u32,
    /// Code unit after the instruction's caches.
    pub next: u32,
}

/// One row of the exception table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Handler {
    pub start: u32,
    pub end: u32,
    pub target: u32,
    pub depth: u32,
    pub lasti: bool,
}

/// A decoded and verified code object.
#[derive(Debug)]
pub struct Code {
    pub instrs: Vec<Instr>,
    /// Stack depth before each instruction, None when unreachable.
    pub depth: Vec<Option<u32>>,
    /// Index into `instrs` by code unit of an instruction start.
    pub index_of: Vec<Option<u32>>,
    pub handlers: Vec<Handler>,
}

pub fn decode(code: &[u16]) -> Result<Vec<Instr>, Refusal> {
    let mut out = Vec::new();
    let n = code.len();
    let mut i = 0usize;
    while i < n {
        let start = i as u32;
        let mut oparg: u32 = 0;
        let mut opcode = (code[i] & 0xff) as u8;
        let mut prefixes = 0;
        while opcode == op::EXTENDED_ARG {
            oparg = (oparg | u32::from(code[i] >> 8)) << 8;
            prefixes += 1;
            i += 1;
            if i >= n || prefixes > 3 {
                return Err(Refusal::BadBytecode);
            }
            opcode = (code[i] & 0xff) as u8;
        }
        oparg |= u32::from(code[i] >> 8);
        if op::NAMES[opcode as usize].is_empty() {
            return Err(Refusal::BadBytecode);
        }
        if opcode >= op::MIN_INSTRUMENTED_OPCODE {
            return Err(Refusal::Instrumented);
        }
        // CACHE, RESERVED, ENTER_EXECUTOR, INTERPRETER_EXIT, EXIT_INIT_CHECK
        // never appear as instructions of a code object we compile.
        if op::FLAGS[opcode as usize] & op::HAS_HELPER == 0 {
            return Err(Refusal::BadBytecode);
        }
        let base = op::DEOPT[opcode as usize];
        let next = i + 1 + op::CACHES[base as usize] as usize;
        if next > n {
            return Err(Refusal::BadBytecode);
        }
        out.push(Instr { start, at: i as u32, opcode, base, oparg, next: next as u32 });
        i = next;
    }
    Ok(out)
}

fn varint(table: &[u8], pos: &mut usize) -> Result<u32, Refusal> {
    let mut b = *table.get(*pos).ok_or(Refusal::ExceptionTable)?;
    *pos += 1;
    let mut val = u32::from(b & 63);
    while b & 64 != 0 {
        b = *table.get(*pos).ok_or(Refusal::ExceptionTable)?;
        *pos += 1;
        if val >> 26 != 0 {
            return Err(Refusal::ExceptionTable);
        }
        val = (val << 6) | u32::from(b & 63);
    }
    Ok(val)
}

/// Parses `co_exceptiontable` (format: Objects/exception_handling_notes.txt).
pub fn exception_table(table: &[u8]) -> Result<Vec<Handler>, Refusal> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < table.len() {
        if table[pos] & 128 == 0 {
            return Err(Refusal::ExceptionTable);
        }
        let start = varint(table, &mut pos)?;
        let size = varint(table, &mut pos)?;
        let target = varint(table, &mut pos)?;
        let dl = varint(table, &mut pos)?;
        let end = start.checked_add(size).ok_or(Refusal::ExceptionTable)?;
        out.push(Handler { start, end, target, depth: dl >> 1, lasti: dl & 1 != 0 });
    }
    Ok(out)
}

/// At most three successors, without a heap allocation (`verify()` asks
/// for every instruction's).
pub struct Successors {
    items: [(i64, i64); 3],
    len: usize,
    pos: usize,
}

impl Successors {
    fn of(list: &[(i64, i64)]) -> Successors {
        let mut items = [(0, 0); 3];
        items[..list.len()].copy_from_slice(list);
        Successors { items, len: list.len(), pos: 0 }
    }
}

impl Iterator for Successors {
    type Item = (i64, i64);
    fn next(&mut self) -> Option<(i64, i64)> {
        let item = self.items[..self.len].get(self.pos).copied();
        self.pos += 1;
        item
    }
}

/// Where control can go after `ins`, with the stack depth there.
/// Instructions without a rule here that the metadata says jump are refused.
pub fn successors(ins: &Instr, depth: u32) -> Result<Successors, Refusal> {
    let d = i64::from(depth);
    let next = i64::from(ins.next);
    let arg = i64::from(ins.oparg);
    // The generic instruction's effect: specialized forms that push a frame
    // (CALL_PY_EXACT_ARGS...) push their result only when the callee returns.
    let popped = op::num_popped(ins.base, arg).ok_or(Refusal::BadBytecode)?;
    let pushed = op::num_pushed(ins.base, arg).ok_or(Refusal::BadBytecode)?;
    let fall = (next, d - popped + pushed);
    let s = Successors::of;
    Ok(match ins.base {
        op::RETURN_VALUE | op::RETURN_CONST | op::RAISE_VARARGS | op::RERAISE => s(&[]),
        op::JUMP_FORWARD => s(&[(next + arg, d)]),
        op::JUMP_BACKWARD | op::JUMP_BACKWARD_NO_INTERRUPT => s(&[(next - arg, d)]),
        op::POP_JUMP_IF_FALSE | op::POP_JUMP_IF_TRUE | op::POP_JUMP_IF_NONE
        | op::POP_JUMP_IF_NOT_NONE => s(&[fall, (next + arg, d - 1)]),
        // Exhausted: pop the iterator and skip END_FOR and POP_TOP.  A
        // generator's return comes back at END_FOR with its value pushed.
        op::FOR_ITER => s(&[fall, (next + arg + 2, d - 1), (next + arg, d + 1)]),
        op::SEND => s(&[fall, (next + arg, d)]),
        _ => {
            if op::FLAGS[ins.base as usize] & op::JUMPS != 0 {
                return Err(Refusal::UnsupportedJump);
            }
            s(&[fall])
        }
    })
}

/// Decodes `code`, checks every jump and computes stack depths.
pub fn verify(code: &[u16], stacksize: u32, table: &[u8]) -> Result<Code, Refusal> {
    let instrs = decode(code)?;
    let mut index_of = vec![None; code.len()];
    for (k, ins) in instrs.iter().enumerate() {
        index_of[ins.start as usize] = Some(k as u32);
    }
    let handlers = exception_table(table)?;
    let mut depth: Vec<Option<u32>> = vec![None; instrs.len()];
    let mut work: Vec<usize> = Vec::new();
    let set = |target: i64, d: i64, depth: &mut Vec<Option<u32>>, work: &mut Vec<usize>| {
        if target < 0 || target as usize >= code.len() || d < 0 || d > i64::from(stacksize) {
            return Err(if d < 0 || d > i64::from(stacksize) { Refusal::StackDepth } else { Refusal::BadJump });
        }
        let k = index_of[target as usize].ok_or(Refusal::BadJump)? as usize;
        match depth[k] {
            None => {
                depth[k] = Some(d as u32);
                work.push(k);
                Ok(())
            }
            Some(old) if i64::from(old) == d => Ok(()),
            Some(_) => Err(Refusal::StackDepth),
        }
    };
    if !instrs.is_empty() {
        set(0, 0, &mut depth, &mut work)?;
    }
    for h in &handlers {
        if h.end as usize > code.len() {
            return Err(Refusal::ExceptionTable);
        }
        set(i64::from(h.target), i64::from(h.depth) + i64::from(h.lasti) + 1, &mut depth, &mut work)?;
    }
    while let Some(k) = work.pop() {
        let ins = instrs[k];
        let d = depth[k].expect("queued instructions have a depth");
        let popped = op::num_popped(ins.base, i64::from(ins.oparg)).ok_or(Refusal::BadBytecode)?;
        if popped > i64::from(d) {
            return Err(Refusal::StackDepth);
        }
        for (target, td) in successors(&ins, d)? {
            if target as usize == code.len() && td >= 0 {
                // Falling off the end: the compiler never emits it.
                return Err(Refusal::BadJump);
            }
            set(target, td, &mut depth, &mut work)?;
        }
    }
    Ok(Code { instrs, depth, index_of, handlers })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(opcode: u8, arg: u8) -> u16 {
        u16::from(opcode) | (u16::from(arg) << 8)
    }

    #[test]
    fn extended_arg_is_folded_and_caches_skipped() {
        let code = [
            unit(op::EXTENDED_ARG, 1),
            unit(op::LOAD_CONST, 2),
            unit(op::BINARY_OP, 0),
            0,
            unit(op::RETURN_VALUE, 0),
        ];
        let ins = decode(&code).unwrap();
        assert_eq!(ins.len(), 3);
        assert_eq!((ins[0].start, ins[0].at, ins[0].oparg, ins[0].next), (0, 1, 258, 2));
        assert_eq!(ins[1].next, 4);
        assert_eq!(ins[2].opcode, op::RETURN_VALUE);
    }

    #[test]
    fn instrumented_code_is_refused() {
        let code = [unit(op::INSTRUMENTED_LINE, 0)];
        assert_eq!(decode(&code), Err(Refusal::Instrumented));
    }

    #[test]
    fn truncated_caches_are_refused() {
        let code = [unit(op::BINARY_OP, 0)];
        assert_eq!(decode(&code), Err(Refusal::BadBytecode));
    }

    #[test]
    fn depths_follow_both_branches() {
        // x = 1 if cond else 2
        let code = [
            unit(op::RESUME, 0),
            unit(op::LOAD_FAST, 0),
            unit(op::POP_JUMP_IF_FALSE, 2),
            0,
            unit(op::LOAD_CONST, 1),
            unit(op::RETURN_VALUE, 0),
            unit(op::LOAD_CONST, 2),
            unit(op::RETURN_VALUE, 0),
        ];
        let c = verify(&code, 1, &[]).unwrap();
        let depths: Vec<_> = c.depth.iter().map(|d| d.unwrap()).collect();
        assert_eq!(depths, vec![0, 0, 1, 0, 1, 0, 1]);
    }

    #[test]
    fn stack_overflow_is_refused() {
        let code = [unit(op::LOAD_CONST, 0), unit(op::LOAD_CONST, 0), unit(op::RETURN_VALUE, 0)];
        assert_eq!(verify(&code, 1, &[]).unwrap_err(), Refusal::StackDepth);
    }

    #[test]
    fn jump_into_caches_is_refused() {
        let code = [unit(op::JUMP_FORWARD, 1), unit(op::BINARY_OP, 0), 0, unit(op::RETURN_CONST, 0)];
        assert_eq!(verify(&code, 2, &[]).unwrap_err(), Refusal::BadJump);
    }

    #[test]
    fn exception_table_rows_parse() {
        // start 1, size 3, target 6, depth 2 with lasti
        let table = [0x80 | 1, 3, 6, (2 << 1) | 1];
        let h = exception_table(&table).unwrap();
        assert_eq!(h, vec![Handler { start: 1, end: 4, target: 6, depth: 2, lasti: true }]);
        assert_eq!(exception_table(&[1, 2]), Err(Refusal::ExceptionTable));
    }
}
