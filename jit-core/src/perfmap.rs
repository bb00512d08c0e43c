//! Symbols for profilers: with `PYTHON_JIT_PERF_MAP` set in the
//! environment, each compile appends one line per piece of machine code
//! to `/tmp/perf-<pid>.map` (the format `perf report` reads), named after
//! the bytecode instruction it runs: `bjit:<code address>+<unit> <OPNAME>`
//! for an instruction's inline code, `... slow <OPNAME>` for its
//! out-of-line path, and `... <part>` for the shared blocks.  A developer
//! tool: read with `getenv()` once, so `-E` does not turn it off.

use std::fs::OpenOptions;
use std::io::Write;
use std::sync::OnceLock;

/// One named piece, from its offset in the code to the next piece's.
pub struct Mark {
    pub offset: usize,
    pub unit: u32,
    pub name: String,
}

pub fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("PYTHON_JIT_PERF_MAP").is_some_and(|v| !v.is_empty() && v != "0"))
}

/// Append the pieces of code at `base` (`len` bytes) compiled for the
/// bytecode at `code_addr`.  Errors are ignored: this is a debugging aid.
pub fn write(base: u64, len: usize, code_addr: u64, marks: &[Mark]) {
    let mut text = String::new();
    for (i, m) in marks.iter().enumerate() {
        let end = marks.get(i + 1).map_or(len, |n| n.offset);
        if end > m.offset {
            text += &format!("{:x} {:x} bjit:{:x}+{} {}\n", base + m.offset as u64, end - m.offset, code_addr, m.unit, m.name);
        }
    }
    let path = format!("/tmp/perf-{}.map", std::process::id());
    if let Ok(mut f) = OpenOptions::new().create(true).append(true).open(path) {
        let _ = f.write_all(text.as_bytes());
    }
}
