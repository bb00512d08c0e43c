//! Random and mutated bytecode never makes the compiler panic.
//!
//! `compiler::compile` is called directly (not through the C API, which
//! catches panics): a panic here fails the test.  Each case is either
//! refused or compiled; compiled code is checked for the invariants the
//! eval loop relies on (entries only at instruction starts, stack depths
//! within `co_stacksize`) and for indexes the verifier must have proved.
//!
//! The corpus is real CPython 3.13 bytecode (see `SAMPLES`); the generators
//! are seeded (a tiny xorshift PRNG), so every failure reproduces.  On a
//! panic the case being compiled is printed.
//!
//! Run with: cargo test -p jit-core --offline --test fuzz

use std::cell::RefCell;

use jit_core::bytecode;
use jit_core::compiler::{self, Compiled, Input, Stubs};
use jit_core::consts::Consts;
use jit_core::generated::opcodes as op;
use jit_core::Refusal;

// ---- A tiny PRNG (xorshift64*) ---------------------------------------------

struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// 0..n (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `num` in `den`.
    fn chance(&mut self, num: u64, den: u64) -> bool {
        self.below(den) < num
    }

    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }

    fn byte(&mut self) -> u8 {
        self.next() as u8
    }
}

/// FUZZ_SCALE=N runs N times as many cases (default 1); FUZZ_SEED=S
/// changes the seeds.  Both for longer runs by hand.
fn scale() -> usize {
    std::env::var("FUZZ_SCALE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
}

fn seed(base: u64) -> u64 {
    base ^ std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0)
        .wrapping_mul(0x1000_0001)
}

// ---- Cases -----------------------------------------------------------------

#[derive(Clone, Debug)]
struct Case {
    code: Vec<u16>,
    nlocalsplus: u32,
    stacksize: u32,
    nconsts: u32,
    table: Vec<u8>,
}

/// Fake constant pointers: never dereferenced (`live: false`).
/// Fake string addresses for the code objects' names.
const FAKE_NAMES: [u64; 64] = [0x7000; 64];

static FAKE_CONSTS: [u64; 1024] = {
    let mut a = [0u64; 1024];
    let mut i = 0;
    while i < a.len() {
        a[i] = 0x5000_0000 + 16 * i as u64;
        i += 1;
    }
    a
};

thread_local! {
    /// The case being compiled, printed if the compiler panics.
    static CURRENT: RefCell<Option<Case>> = const { RefCell::new(None) };
}

/// Prints the current case while a panic unwinds through it (the panic
/// still fails the test: nothing here catches it).
struct ReportOnPanic;

impl Drop for ReportOnPanic {
    fn drop(&mut self) {
        if std::thread::panicking() {
            CURRENT.with(|c| {
                if let Some(case) = c.borrow().as_ref() {
                    eprintln!("compiler panicked on this case:\n{}", show(case));
                }
            });
        }
    }
}

fn show(c: &Case) -> String {
    let code: Vec<String> = c
        .code
        .iter()
        .map(|u| {
            let (opc, arg) = ((u & 0xff) as usize, u >> 8);
            let name = if op::NAMES[opc].is_empty() { "?" } else { op::NAMES[opc] };
            format!("{name}({arg})")
        })
        .collect();
    format!(
        "  code (units) = {:04x?}\n  decoded      = [{}]\n  nlocalsplus = {}, stacksize = {}, nconsts = {}\n  exceptiontable = {:02x?}",
        c.code,
        code.join(", "),
        c.nlocalsplus,
        c.stacksize,
        c.nconsts,
        c.table
    )
}

const CODE_ADDR: u64 = 0x7f12_3456_0000;

/// Compile `c` with the fake constant table.  Panics propagate.
fn compile_case(c: &Case) -> Result<Compiled, Refusal> {
    CURRENT.with(|cur| *cur.borrow_mut() = Some(c.clone()));
    let _report = ReportOnPanic;
    let nconsts = (c.nconsts as usize).min(FAKE_CONSTS.len());
    let input = Input {
        code_addr: CODE_ADDR,
        code: &c.code,
        nlocalsplus: c.nlocalsplus,
        stacksize: c.stacksize,
        consts: &FAKE_CONSTS[..nconsts],
        // Enough names for the corpus; name indexes are checked like the rest.
        names: &FAKE_NAMES,
        exceptiontable: &c.table,
        instr_ok_addr: 0x20_0000,
        live: false,
    };
    let stubs = Stubs::fake();
    let result = compiler::compile(&input, &Consts::fake(), stubs);
    if let Ok(compiled) = &result {
        check_compiled(c, compiled);
    }
    result
}

/// What the eval loop relies on in a compiled code object.
fn check_compiled(c: &Case, out: &Compiled) {
    let n = c.code.len();
    let fake = Consts::fake();
    assert_eq!(out.entries.len(), n, "entry table size\n{}", show(c));
    assert_eq!(out.sp_offsets.len(), n, "sp table size\n{}", show(c));
    assert!(out.code_bytes > 0, "no machine code\n{}", show(c));
    assert!(out.block.is_none(), "unit tests map no memory");
    let starts: Vec<bool> = {
        let mut s = vec![false; n];
        for ins in bytecode::decode(&c.code).expect("compiled code decodes") {
            s[ins.start as usize] = true;
        }
        s
    };
    // The first instruction is always an entry, at depth 0.
    let base = i64::from(fake.frame_localsplus) + 8 * i64::from(c.nlocalsplus);
    assert_eq!(i64::from(out.sp_offsets[0]), base, "entry at unit 0\n{}", show(c));
    for (i, (&sp, &entry)) in out.sp_offsets.iter().zip(out.entries.iter()).enumerate() {
        if sp == -1 {
            assert!(
                i == 0 || entry == 0,
                "entry without a stack pointer at {i}\n{}",
                show(c)
            );
            continue;
        }
        assert!(starts[i], "entry at unit {i}, not an instruction start\n{}", show(c));
        let bytes = i64::from(sp) - base;
        assert!(
            bytes >= 0 && bytes % 8 == 0,
            "odd stack offset {sp} at {i}\n{}",
            show(c)
        );
        assert!(
            bytes / 8 <= i64::from(c.stacksize),
            "depth {} > co_stacksize at {i}\n{}",
            bytes / 8,
            show(c)
        );
    }
}

// ---- Real bytecode (CPython 3.13.15, from co_code) -------------------------

struct Sample {
    name: &'static str,
    nlocalsplus: u32,
    stacksize: u32,
    nconsts: u32,
    code: &'static [u16],
    table: &'static [u8],
}

impl Sample {
    fn case(&self) -> Case {
        Case {
            code: self.code.to_vec(),
            nlocalsplus: self.nlocalsplus,
            stacksize: self.stacksize,
            nconsts: self.nconsts,
            table: self.table.to_vec(),
        }
    }
}

// A loop, try/except/finally, a generator, closures, with and
// comprehensions, async with/for, match, calls with */**, super().
static SAMPLES: &[Sample] = &[
    Sample {
        name: "loop",
        nlocalsplus: 3,
        stacksize: 4,
        nconsts: 5,
        code: &[
            0x0095, 0x0153, 0x016e, 0x015b, 0x0000, 0x0000, 0x0000, 0x0000, 0x0055, 0x0135, 0x0000, 0x0000, 0x0000,
            0x0013, 0x1548, 0x0000, 0x026e, 0x0255, 0x0253, 0x062d, 0x0000, 0x0153, 0x583a, 0x0000, 0x0261, 0x0000,
            0x0e4d, 0x0000, 0x1258, 0x0353, 0x052d, 0x0000, 0x0d2d, 0x0000, 0x016e, 0x174d, 0x0000, 0x000b, 0x0020,
            0x0155, 0x0453, 0x943a, 0x0000, 0x0d61, 0x0000, 0x0155, 0x0353, 0x0f2d, 0x0000, 0x016e, 0x0155, 0x0453,
            0x943a, 0x0000, 0x0261, 0x0000, 0x0d4d, 0x0000, 0x0155, 0x0024,
        ],
        table: &[],
    },
    Sample {
        name: "tryexc",
        nlocalsplus: 2,
        stacksize: 4,
        nconsts: 2,
        code: &[
            0x0095, 0x001e, 0x0153, 0x0055, 0x0b2d, 0x0000, 0x0053, 0x006e, 0x0024, 0x0021, 0x005b, 0x0000, 0x0000,
            0x0000, 0x0000, 0x0007, 0x1761, 0x0000, 0x016e, 0x035b, 0x0000, 0x0000, 0x0000, 0x0000, 0x0155, 0x0135,
            0x0000, 0x0000, 0x0000, 0x0273, 0x001f, 0x0053, 0x016e, 0x0141, 0x0053, 0x006e, 0x0024, 0x0053, 0x016e,
            0x0141, 0x0166, 0x0066, 0x033d, 0x001f, 0x0166, 0x0021, 0x0053, 0x006e, 0x0066, 0x033d, 0x001f, 0x0166,
        ],
        table: &[
            0x82, 0x04, 0x09, 0x00, 0x89, 0x0a, 0x2a, 0x03, 0x93, 0x0a, 0x25, 0x03, 0x9d, 0x01, 0x2a, 0x03, 0x9e, 0x04,
            0x2d, 0x00, 0xa5, 0x05, 0x2a, 0x03, 0xaa, 0x03, 0x2d, 0x00, 0xad, 0x04, 0x31, 0x03,
        ],
    },
    Sample {
        name: "gen",
        nlocalsplus: 3,
        stacksize: 4,
        nconsts: 1,
        code: &[
            0x0023, 0x0020, 0x0095, 0x015b, 0x0000, 0x0000, 0x0000, 0x0000, 0x0055, 0x0135, 0x0000, 0x0000, 0x0000,
            0x0013, 0x2348, 0x0000, 0x016e, 0x0155, 0x0076, 0x0595, 0x026e, 0x0255, 0x0028, 0x0000, 0x0000, 0x0000,
            0x0264, 0x0000, 0x104d, 0x0000, 0x015b, 0x0000, 0x0000, 0x0000, 0x0000, 0x0255, 0x0135, 0x0000, 0x0000,
            0x0000, 0x0015, 0x0053, 0x0368, 0x0000, 0x0176, 0x0295, 0x054e, 0x000c, 0x0020, 0x254d, 0x0000, 0x000b,
            0x0020, 0x0067, 0x0008, 0x094e, 0x0337, 0x0166,
        ],
        table: &[
            0x82, 0x18, 0x38, 0x01, 0x9e, 0x0e, 0x38, 0x01, 0xac, 0x01, 0x36, 0x06, 0xad, 0x0a, 0x38, 0x01,
        ],
    },
    Sample {
        name: "closure",
        nlocalsplus: 3,
        stacksize: 2,
        nconsts: 2,
        code: &[
            0x005e, 0x025e, 0x0095, 0x0054, 0x012f, 0x026d, 0x0055, 0x0255, 0x0234, 0x0153, 0x001a, 0x086a, 0x016e,
            0x0155, 0x0024,
        ],
        table: &[],
    },
    Sample {
        name: "closure.<locals>.inner",
        nlocalsplus: 3,
        stacksize: 3,
        nconsts: 2,
        code: &[
            0x023e, 0x0095, 0x0154, 0x0055, 0x0d2d, 0x0000, 0x016d, 0x0154, 0x0254, 0x0153, 0x0005, 0x0000, 0x002d,
            0x0000, 0x0024,
        ],
        table: &[],
    },
    Sample {
        name: "withstmt",
        nlocalsplus: 8,
        stacksize: 7,
        nconsts: 1,
        code: &[
            0x0095, 0x015b, 0x0000, 0x0000, 0x0000, 0x0000, 0x0055, 0x0135, 0x0000, 0x0000, 0x0000, 0x0002, 0x026e,
            0x015b, 0x0000, 0x0000, 0x0000, 0x0000, 0x0055, 0x0135, 0x0000, 0x0000, 0x0000, 0x0002, 0x036e, 0x0255,
            0x0013, 0x0456, 0x0273, 0x002f, 0x0273, 0x0013, 0x1b48, 0x0000, 0x446f, 0x0028, 0x0000, 0x0000, 0x0000,
            0x0264, 0x0000, 0x0b4d, 0x0000, 0x0455, 0x0352, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000,
            0x0000, 0x0000, 0x0035, 0x0000, 0x0000, 0x0000, 0x0250, 0x1d4d, 0x0000, 0x000b, 0x0020, 0x056e, 0x046e,
            0x0053, 0x0053, 0x0053, 0x0235, 0x0000, 0x0000, 0x0000, 0x0020, 0x0053, 0x0053, 0x0053, 0x0235, 0x0000,
            0x0000, 0x0000, 0x0020, 0x055b, 0x0000, 0x0000, 0x0000, 0x0000, 0x0155, 0x0557, 0x0235, 0x0000, 0x0000,
            0x0000, 0x0013, 0x0656, 0x0756, 0x0373, 0x0030, 0x0273, 0x0013, 0x0748, 0x0000, 0x0275, 0x0000, 0x6770,
            0x6758, 0x025f, 0x094d, 0x0000, 0x000b, 0x0020, 0x0373, 0x076e, 0x066e, 0x012f, 0x0155, 0x0151, 0x0637,
            0x0024, 0x0273, 0x0020, 0x0273, 0x046e, 0x0066, 0x0021, 0x002c, 0x0028, 0x0000, 0x0000, 0x0000, 0x0164,
            0x0000, 0x0266, 0x0020, 0x001f, 0x0020, 0x0020, 0x404e, 0x033d, 0x001f, 0x0166, 0x0021, 0x002c, 0x0028,
            0x0000, 0x0000, 0x0000, 0x0164, 0x0000, 0x0266, 0x0020, 0x001f, 0x0020, 0x0020, 0x494e, 0x033d, 0x001f,
            0x0166, 0x0273, 0x0020, 0x0373, 0x076e, 0x066e, 0x0066,
        ],
        table: &[
            0x8c, 0x0c, 0x42, 0x0c, 0x03, 0x98, 0x05, 0x41, 0x3b, 0x05, 0x9d, 0x0a, 0x41, 0x36, 0x08, 0xab, 0x14, 0x41,
            0x36, 0x08, 0xbf, 0x02, 0x41, 0x3b, 0x05, 0xc1, 0x01, 0x08, 0x42, 0x0c, 0x03, 0xc1, 0x20, 0x0e, 0x42, 0x1d,
            0x06, 0xc1, 0x36, 0x05, 0x41, 0x3b, 0x05, 0xc1, 0x3b, 0x0a, 0x42, 0x09, 0x09, 0xc2, 0x05, 0x07, 0x42, 0x0c,
            0x03, 0xc2, 0x0c, 0x0a, 0x42, 0x1a, 0x07,
        ],
    },
    Sample {
        name: "coro",
        nlocalsplus: 4,
        stacksize: 7,
        nconsts: 1,
        code: &[
            0x0023, 0x0020, 0x0095, 0x0055, 0x0001, 0x0149, 0x0053, 0x0368, 0x0000, 0x0176, 0x0395, 0x054e, 0x000c,
            0x016e, 0x0155, 0x0010, 0x0012, 0x0053, 0x0368, 0x0000, 0x0176, 0x0395, 0x054e, 0x000c, 0x026e, 0x0255,
            0x0049, 0x0053, 0x0368, 0x0000, 0x0176, 0x0395, 0x054e, 0x000c, 0x0020, 0x154d, 0x0000, 0x0008, 0x1b4e,
            0x0008, 0x124e, 0x0008, 0x0a4e, 0x000a, 0x0053, 0x0053, 0x0053, 0x0235, 0x0000, 0x0000, 0x0000, 0x0249,
            0x0053, 0x0468, 0x0000, 0x0176, 0x0395, 0x054e, 0x0008, 0x000c, 0x0020, 0x1a4f, 0x0021, 0x002c, 0x0249,
            0x0053, 0x0468, 0x0000, 0x0176, 0x0395, 0x054e, 0x0008, 0x000c, 0x0028, 0x0000, 0x0000, 0x0000, 0x0164,
            0x0000, 0x0266, 0x0020, 0x001f, 0x0020, 0x0020, 0x034f, 0x033d, 0x001f, 0x0166, 0x0055, 0x0010, 0x0356,
            0x0273, 0x002f, 0x0273, 0x0012, 0x0053, 0x0468, 0x0000, 0x0176, 0x0395, 0x054e, 0x0008, 0x000c, 0x336f,
            0x0250, 0x0d4d, 0x0000, 0x000a, 0x0273, 0x036e, 0x0024, 0x0273, 0x0020, 0x0273, 0x036e, 0x0066, 0x0337,
            0x0166,
        ],
        table: &[
            0x82, 0x07, 0x41, 0x34, 0x01, 0x89, 0x01, 0x25, 0x06, 0x8a, 0x03, 0x41, 0x34, 0x01, 0x8d, 0x03, 0x3e, 0x03,
            0x90, 0x04, 0x2b, 0x04, 0x94, 0x01, 0x27, 0x08, 0x95, 0x03, 0x2b, 0x04, 0x98, 0x06, 0x3e, 0x03, 0x9e, 0x01,
            0x29, 0x08, 0x9f, 0x06, 0x3e, 0x03, 0xa5, 0x01, 0x41, 0x34, 0x01, 0xa7, 0x01, 0x2b, 0x04, 0xa9, 0x01, 0x3e,
            0x03, 0xab, 0x01, 0x3e, 0x03, 0xac, 0x0b, 0x41, 0x34, 0x01, 0xb7, 0x01, 0x3a, 0x04, 0xb8, 0x06, 0x41, 0x34,
            0x01, 0xbe, 0x06, 0x41, 0x15, 0x07, 0xc1, 0x04, 0x01, 0x41, 0x07, 0x0c, 0xc1, 0x05, 0x0c, 0x41, 0x15, 0x07,
            0xc1, 0x11, 0x0b, 0x41, 0x34, 0x01, 0xc1, 0x1c, 0x02, 0x41, 0x2f, 0x04, 0xc1, 0x1e, 0x04, 0x41, 0x2b, 0x06,
            0xc1, 0x22, 0x01, 0x41, 0x25, 0x0a, 0xc1, 0x23, 0x04, 0x41, 0x2b, 0x06, 0xc1, 0x27, 0x05, 0x41, 0x2f, 0x04,
            0xc1, 0x2c, 0x08, 0x41, 0x34, 0x01,
        ],
    },
    Sample {
        name: "matcher",
        nlocalsplus: 4,
        stacksize: 5,
        nconsts: 6,
        code: &[
            0x0095, 0x0055, 0x013d, 0x001c, 0x1e61, 0x0000, 0x0014, 0x0153, 0xac3a, 0x0000, 0x1861, 0x0000, 0x0553,
            0x001b, 0x013d, 0x1162, 0x0000, 0x0175, 0x0000, 0x0373, 0x0273, 0x0030, 0x0373, 0x0245, 0x0175, 0x0000,
            0x023d, 0x0273, 0x0009, 0x2170, 0x0020, 0x1258, 0x0234, 0x0024, 0x0020, 0x0020, 0x0020, 0x013d, 0x001d,
            0x1c61, 0x0000, 0x0014, 0x0253, 0xac3a, 0x0000, 0x1661, 0x0000, 0x0274, 0x0153, 0x583a, 0x0000, 0x0f61,
            0x0000, 0x0253, 0x583a, 0x0000, 0x0b61, 0x0000, 0x336f, 0x0028, 0x0000, 0x0000, 0x0000, 0x0561, 0x0000,
            0x0020, 0x0355, 0x0024, 0x0020, 0x0020, 0x013d, 0x005b, 0x0000, 0x0000, 0x0000, 0x0000, 0x0353, 0x0060,
            0x013d, 0x0462, 0x0000, 0x0075, 0x0000, 0x0020, 0x0467, 0x0020, 0x013d, 0x025b, 0x0000, 0x0000, 0x0000,
            0x0000, 0x0353, 0x0060, 0x013d, 0x0462, 0x0000, 0x0075, 0x0000, 0x0020, 0x0467, 0x0020, 0x0020, 0x001e,
            0x0067,
        ],
        table: &[],
    },
    Sample {
        name: "calls",
        nlocalsplus: 3,
        stacksize: 5,
        nconsts: 8,
        code: &[
            0x0095, 0x0055, 0x0052, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0022,
            0x0153, 0x012f, 0x0155, 0x0151, 0x0637, 0x0253, 0x0353, 0x0130, 0x0255, 0x0144, 0x0136, 0x0020, 0x035b,
            0x0000, 0x0000, 0x0000, 0x0000, 0x0055, 0x023c, 0x0453, 0x000f, 0x0553, 0x0155, 0x000e, 0x0333, 0x0653,
            0x0753, 0x0239, 0x0020, 0x0055, 0x023f, 0x0055, 0x0153, 0x0353, 0x0004, 0x0371, 0x1058, 0x0053, 0x0053,
            0x0353, 0x0332, 0x0027, 0x0000, 0x085b, 0x0000, 0x0000, 0x0000, 0x0000, 0x0024,
        ],
        table: &[],
    },
    Sample {
        name: "K.m",
        nlocalsplus: 2,
        stacksize: 3,
        nconsts: 1,
        code: &[
            0x013e, 0x0095, 0x005b, 0x0000, 0x0000, 0x0000, 0x0000, 0x0154, 0x0055, 0x055d, 0x0000, 0x0035, 0x0000,
            0x0000, 0x0000, 0x0154, 0x0452, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000,
            0x002d, 0x0000, 0x0024,
        ],
        table: &[],
    },
];

// ---- Generators ------------------------------------------------------------

/// Opcodes that exist (including specialized ones), instrumented excluded.
fn known_opcodes() -> Vec<u8> {
    (0..op::MIN_INSTRUMENTED_OPCODE)
        .filter(|&o| !op::NAMES[o as usize].is_empty())
        .collect()
}

const JUMPS: [u8; 9] = [
    op::JUMP_FORWARD,
    op::JUMP_BACKWARD,
    op::JUMP_BACKWARD_NO_INTERRUPT,
    op::POP_JUMP_IF_FALSE,
    op::POP_JUMP_IF_TRUE,
    op::POP_JUMP_IF_NONE,
    op::POP_JUMP_IF_NOT_NONE,
    op::FOR_ITER,
    op::SEND,
];

fn unit(opcode: u8, arg: u8) -> u16 {
    u16::from(opcode) | (u16::from(arg) << 8)
}

fn caches_of(opcode: u8) -> usize {
    op::CACHES[op::DEOPT[opcode as usize] as usize] as usize
}

/// One instruction with its caches, sometimes with EXTENDED_ARG prefixes.
fn push_instr(rng: &mut Rng, known: &[u8], code: &mut Vec<u16>) {
    let opcode = match rng.below(20) {
        0..=11 => rng.pick(known),
        12..=14 => rng.pick(&JUMPS),
        15..=16 => rng.pick(&[
            op::LOAD_FAST,
            op::LOAD_CONST,
            op::STORE_FAST,
            op::POP_TOP,
            op::RETURN_VALUE,
            op::RETURN_CONST,
        ]),
        17 => rng.range(op::MIN_INSTRUMENTED_OPCODE as u64, 255) as u8,
        _ => rng.byte(),
    };
    if rng.chance(1, 10) {
        for _ in 0..rng.range(1, 4) {
            code.push(unit(op::EXTENDED_ARG, if rng.chance(1, 2) { 0 } else { rng.byte() }));
        }
    }
    let arg = if rng.chance(3, 4) {
        rng.below(6) as u8
    } else {
        rng.byte()
    };
    code.push(unit(opcode, arg));
    let mut caches = caches_of(opcode);
    if rng.chance(1, 30) {
        caches = rng.below(caches as u64 + 2) as usize; // wrong cache count
    }
    for _ in 0..caches {
        code.push(if rng.chance(1, 20) { rng.next() as u16 } else { 0 });
    }
}

/// The exception table's varint: 6-bit chunks, most significant first,
/// bit 6 = more follow, bit 7 marks the first byte of an entry.
fn push_varint(out: &mut Vec<u8>, val: u32, entry_start: bool) {
    let mut chunks = vec![(val & 63) as u8];
    let mut v = val >> 6;
    while v != 0 {
        chunks.push((v & 63) as u8);
        v >>= 6;
    }
    chunks.reverse();
    let last = chunks.len() - 1;
    for (k, ch) in chunks.into_iter().enumerate() {
        let mut b = ch;
        if k != last {
            b |= 64;
        }
        if k == 0 && entry_start {
            b |= 128;
        }
        out.push(b);
    }
}

fn push_entry(out: &mut Vec<u8>, start: u32, size: u32, target: u32, depth: u32, lasti: bool) {
    push_varint(out, start, true);
    push_varint(out, size, false);
    push_varint(out, target, false);
    push_varint(out, (depth << 1) | u32::from(lasti), false);
}

/// A table of plausible and implausible rows for code of `n` units.
fn random_table(rng: &mut Rng, n: usize, stacksize: u32) -> Vec<u8> {
    let mut t = Vec::new();
    match rng.below(10) {
        0..=5 => {}
        6..=8 => {
            for _ in 0..rng.range(1, 4) {
                let start = rng.below(n as u64 + 2) as u32;
                let size = rng.below(n as u64 + 2) as u32;
                let target = rng.below(n as u64 + 2) as u32;
                let depth = rng.below(u64::from(stacksize.min(1000)) + 2) as u32;
                push_entry(&mut t, start, size, target, depth, rng.chance(1, 2));
            }
        }
        _ => {
            for _ in 0..rng.below(16) {
                t.push(rng.byte());
            }
        }
    }
    t
}

fn random_case(rng: &mut Rng, known: &[u8]) -> Case {
    let mut code = Vec::new();
    if rng.chance(1, 2) {
        code.push(unit(op::RESUME, 0));
    }
    let len = rng.range(1, 48) as usize;
    while code.len() < len {
        push_instr(rng, known, &mut code);
    }
    if rng.chance(2, 3) {
        code.push(unit(op::RETURN_VALUE, 0));
    }
    let stacksize = rng.below(12) as u32;
    Case {
        table: random_table(rng, code.len(), stacksize),
        nlocalsplus: rng.below(8) as u32,
        nconsts: rng.below(8) as u32,
        stacksize,
        code,
    }
}

/// One to four mutations of a real code object.
fn mutate(rng: &mut Rng, known: &[u8], c: &mut Case) {
    for _ in 0..rng.range(1, 4) {
        let n = c.code.len();
        let i = rng.below(n.max(1) as u64) as usize;
        match rng.below(16) {
            0 if n > 0 => c.code[i] ^= 1 << rng.below(16),
            1 if n > 0 => c.code[i] = (c.code[i] & 0xff00) | u16::from(rng.pick(known)),
            2 if n > 0 => c.code[i] = (c.code[i] & 0xff00) | u16::from(rng.byte()),
            3 if n > 0 => {
                let arg = if rng.chance(1, 2) {
                    rng.byte()
                } else {
                    ((c.code[i] >> 8) as u8).wrapping_add(rng.pick(&[1, 255, 2, 254]))
                };
                c.code[i] = (c.code[i] & 0xff) | (u16::from(arg) << 8);
            }
            4 => c.code.insert(i, unit(op::EXTENDED_ARG, rng.byte())),
            5 if n > 1 => {
                c.code.remove(i);
            }
            6 => c.code.insert(i, rng.next() as u16),
            7 if n > 1 => c.code.truncate(rng.range(1, n as u64 - 1) as usize),
            8 if n > 1 => {
                let j = rng.below(n as u64) as usize;
                c.code.swap(i, j);
            }
            9 if n > 1 => {
                let j = rng.range(i as u64, n as u64 - 1) as usize;
                let dup: Vec<u16> = c.code[i..=j].to_vec();
                let at = rng.below(n as u64) as usize;
                c.code.splice(at..at, dup);
            }
            10 if !c.table.is_empty() => {
                let k = rng.below(c.table.len() as u64) as usize;
                c.table[k] ^= 1 << rng.below(8);
            }
            11 if !c.table.is_empty() => {
                let k = rng.below(c.table.len() as u64) as usize;
                c.table.truncate(k);
            }
            12 => {
                let n = c.code.len();
                let mut extra = random_table(rng, n, c.stacksize);
                if rng.chance(1, 2) {
                    c.table = extra;
                } else {
                    c.table.append(&mut extra);
                }
            }
            13 => {
                c.stacksize = match rng.below(4) {
                    0 => 0,
                    1 => c.stacksize.saturating_sub(rng.range(1, 2) as u32),
                    2 => c.stacksize + rng.range(1, 3) as u32,
                    _ => rng.below(64) as u32,
                }
            }
            14 => {
                c.nlocalsplus = match rng.below(3) {
                    0 => 0,
                    1 => c.nlocalsplus.saturating_sub(1),
                    _ => rng.below(16) as u32,
                }
            }
            15 => c.nconsts = c.nconsts.saturating_sub(rng.range(1, 3) as u32),
            _ => {
                if n > 0 {
                    // A jump with a new offset.
                    c.code[i] = unit(rng.pick(&JUMPS), rng.byte());
                }
            }
        }
    }
}

/// Sizes and opargs at the ends of their ranges (CPython allows
/// co_stacksize and co_nlocalsplus up to INT_MAX, opargs up to 2**32-1).
fn extreme_case(rng: &mut Rng, known: &[u8]) -> Case {
    let mut c = if rng.chance(1, 2) {
        let mut case = SAMPLES[rng.below(SAMPLES.len() as u64) as usize].case();
        mutate(rng, known, &mut case);
        case
    } else {
        random_case(rng, known)
    };
    let big = [
        u32::MAX,
        i32::MAX as u32,
        (i32::MAX - 80) as u32,
        1 << 28,
        (1 << 28) + 1,
        1 << 29,
        1 << 30,
        1 << 31,
        0x00ff_ffff,
    ];
    let pick_big = |rng: &mut Rng, small: u32| -> u32 {
        match rng.below(3) {
            0 => small,
            1 => rng.pick(&big),
            _ => rng.next() as u32,
        }
    };
    c.stacksize = pick_big(rng, c.stacksize);
    c.nlocalsplus = pick_big(rng, c.nlocalsplus);
    // A long EXTENDED_ARG chain in front of a random instruction.
    if rng.chance(1, 2) && !c.code.is_empty() {
        let i = rng.below(c.code.len() as u64) as usize;
        let any = rng.pick(known);
        let opcode = rng.pick(&[
            op::LOAD_FAST,
            op::STORE_FAST,
            op::LOAD_FAST_CHECK,
            op::LOAD_CONST,
            op::UNPACK_SEQUENCE,
            op::UNPACK_EX,
            op::BUILD_TUPLE,
            op::COPY,
            op::SWAP,
            op::JUMP_FORWARD,
            op::JUMP_BACKWARD,
            op::POP_JUMP_IF_TRUE,
            op::FOR_ITER,
            op::LOAD_DEREF,
            op::RETURN_CONST,
            any,
        ]);
        let mut seq = vec![
            unit(op::EXTENDED_ARG, rng.byte()),
            unit(op::EXTENDED_ARG, rng.byte()),
            unit(op::EXTENDED_ARG, rng.byte()),
            unit(opcode, rng.byte()),
        ];
        seq.extend(std::iter::repeat(0).take(caches_of(opcode)));
        c.code.splice(i..i, seq);
    }
    c
}

/// A stack at least 2**28 deep, within a huge co_stacksize: no stack
/// displacement fits in the i32 of `Compiled::sp_offsets`.
fn deep_stack_case(rng: &mut Rng) -> Case {
    // LOAD_FAST 0; UNPACK_SEQUENCE n (n via EXTENDED_ARG); then an
    // instruction that touches the top of that deep stack.
    let any = (1 << 28) | rng.next() as u32;
    let n: u32 = rng.pick(&[
        1 << 28,
        (1 << 28) - 1,
        1 << 29,
        (1 << 31) - 4,
        u32::MAX >> 1,
        u32::MAX - 2,
        any,
    ]);
    let b = n.to_be_bytes();
    let mut code = vec![
        unit(op::RESUME, 0),
        unit(op::LOAD_FAST, 0),
        unit(op::EXTENDED_ARG, b[0]),
        unit(op::EXTENDED_ARG, b[1]),
        unit(op::EXTENDED_ARG, b[2]),
        unit(op::UNPACK_SEQUENCE, b[3]),
        0,
    ];
    let tail = match rng.below(7) {
        0 => vec![unit(op::RETURN_VALUE, 0)],
        1 => vec![unit(op::POP_TOP, 0), unit(op::RETURN_CONST, 0)],
        2 => vec![unit(op::STORE_FAST, 0), unit(op::RETURN_CONST, 0)],
        3 => vec![unit(op::LOAD_CONST, 0), unit(op::RETURN_VALUE, 0)],
        4 => vec![unit(op::LOAD_FAST, 0), unit(op::RETURN_VALUE, 0)],
        5 => vec![unit(op::POP_JUMP_IF_TRUE, 0), 0, unit(op::RETURN_CONST, 0)],
        _ => vec![unit(op::BINARY_OP, 0), 0, unit(op::RETURN_VALUE, 0)],
    };
    code.extend_from_slice(&tail);
    Case {
        code,
        nlocalsplus: rng.pick(&[1, 2, 1 << 20, (1 << 28) - 8]),
        stacksize: rng.pick(&[u32::MAX, i32::MAX as u32, n.saturating_add(2)]),
        nconsts: 1,
        table: Vec::new(),
    }
}

// ---- Tests -----------------------------------------------------------------

#[test]
fn real_code_compiles() {
    for s in SAMPLES {
        let r = compile_case(&s.case());
        assert!(r.is_ok(), "{} refused: {:?}", s.name, r.err());
    }
}

#[test]
fn empty_and_tiny_code_is_handled() {
    let mut rng = Rng::new(1);
    let known = known_opcodes();
    let empty = Case {
        code: vec![],
        nlocalsplus: 0,
        stacksize: 0,
        nconsts: 0,
        table: vec![],
    };
    assert!(compile_case(&empty).is_err());
    // Every single code unit, with every stack size up to 3.
    for u in 0..=u16::MAX {
        for stacksize in 0..4 {
            let c = Case {
                code: vec![u],
                nlocalsplus: 1,
                stacksize,
                nconsts: 1,
                table: vec![],
            };
            let _ = compile_case(&c);
        }
    }
    // Every known opcode followed by RETURN_VALUE and its caches.
    for &o in &known {
        for arg in [0u8, 1, 2, 3, 15, 16, 255] {
            let mut code = vec![
                unit(op::RESUME, 0),
                unit(op::LOAD_FAST, 0),
                unit(op::LOAD_FAST, 0),
                unit(o, arg),
            ];
            code.extend(std::iter::repeat(0).take(caches_of(o)));
            code.push(unit(op::RETURN_VALUE, 0));
            let c = Case {
                code,
                nlocalsplus: 1 + rng.below(2) as u32,
                stacksize: 8,
                nconsts: 1,
                table: vec![],
            };
            let _ = compile_case(&c);
        }
    }
}

#[test]
fn random_bytecode_never_panics() {
    let known = known_opcodes();
    let mut rng = Rng::new(seed(0x5eed_0001));
    let (mut compiled, mut refused) = (0, 0);
    for _ in 0..50_000 * scale() {
        let c = random_case(&mut rng, &known);
        match compile_case(&c) {
            Ok(_) => compiled += 1,
            Err(r) => {
                assert_ne!(r, Refusal::Panic);
                refused += 1;
            }
        }
    }
    // The generator must reach the compiler, not only the verifier.
    assert!(
        compiled > 200,
        "only {compiled} of {} random cases compiled",
        compiled + refused
    );
}

#[test]
fn mutated_real_bytecode_never_panics() {
    let known = known_opcodes();
    let mut rng = Rng::new(seed(0x5eed_0002));
    let (mut compiled, mut refused) = (0, 0);
    for k in 0..50_000 * scale() {
        let mut c = SAMPLES[k % SAMPLES.len()].case();
        mutate(&mut rng, &known, &mut c);
        match compile_case(&c) {
            Ok(_) => compiled += 1,
            Err(_) => refused += 1,
        }
    }
    assert!(
        compiled > 1000,
        "only {compiled} of {} mutants compiled",
        compiled + refused
    );
    assert!(
        refused > 1000,
        "only {refused} of {} mutants refused",
        compiled + refused
    );
}

#[test]
fn random_exception_tables_never_panic() {
    let mut rng = Rng::new(seed(0x5eed_0003));
    for k in 0..20_000 * scale() {
        let mut c = SAMPLES[k % SAMPLES.len()].case();
        let n = c.code.len();
        c.table = match rng.below(4) {
            0 => (0..rng.below(24)).map(|_| rng.byte()).collect(),
            1 => {
                let mut t = c.table.clone();
                for _ in 0..rng.range(1, 3) {
                    if !t.is_empty() {
                        let i = rng.below(t.len() as u64) as usize;
                        t[i] = rng.byte();
                    }
                }
                t
            }
            2 => {
                // Rows with values anywhere in u32 (varints up to 6 chunks).
                let mut t = Vec::new();
                for _ in 0..rng.range(1, 3) {
                    let v: Vec<u32> = (0..4)
                        .map(|_| {
                            if rng.chance(1, 2) {
                                rng.below(n as u64 + 3) as u32
                            } else {
                                rng.next() as u32
                            }
                        })
                        .collect();
                    push_entry(&mut t, v[0], v[1], v[2], v[3] >> 1, v[3] & 1 != 0);
                }
                t
            }
            _ => {
                // Varints longer than 32 bits.
                let mut t = vec![0x80 | 0x40];
                t.extend(std::iter::repeat(0x7f).take(rng.range(1, 12) as usize));
                t.extend_from_slice(&[0x05, 0x00, 0x00]);
                t
            }
        };
        let _ = compile_case(&c);
    }
}

/// LOAD_FAST with a local index of 2**28 (three EXTENDED_ARGs): refused,
/// not an overflowing displacement (`8 * i as i32` in x64.rs).
#[test]
fn huge_local_index_is_refused() {
    let ext = |a: u8| unit(op::EXTENDED_ARG, a);
    for (hi, opcode) in [
        (0x10, op::LOAD_FAST),
        (0x10, op::STORE_FAST),
        (0xff, op::LOAD_FAST),
        (0x01, op::LOAD_FAST),
    ] {
        let mut code = vec![unit(op::RESUME, 0), ext(hi), ext(0), ext(0), unit(opcode, 0)];
        if opcode == op::STORE_FAST {
            code.insert(1, unit(op::LOAD_CONST, 0));
            code.push(unit(op::RETURN_CONST, 0));
        } else {
            code.push(unit(op::RETURN_VALUE, 0));
        }
        let c = Case {
            code,
            nlocalsplus: 2,
            stacksize: 4,
            nconsts: 1,
            table: vec![],
        };
        assert!(compile_case(&c).is_err(), "compiled:\n{}", show(&c));
    }
}

/// A stack 2**28 deep or more within a huge co_stacksize (CPython 3.13
/// accepts any co_stacksize up to INT_MAX): refused, not an overflowing
/// stack displacement (`8 * (nlocals + depth) as i32` in x64.rs).
#[test]
fn deep_stack_is_refused() {
    let mut rng = Rng::new(seed(0x5eed_0006));
    for _ in 0..500 {
        let c = deep_stack_case(&mut rng);
        assert!(compile_case(&c).is_err(), "compiled:\n{}", show(&c));
    }
}

/// co_stacksize and co_nlocalsplus up to INT_MAX (CPython 3.13 accepts
/// them), opargs up to 2**32-1: machine-code displacements are i32, so the
/// compiler must refuse what does not fit rather than overflow.
#[test]
fn extreme_sizes_and_opargs_never_panic() {
    let known = known_opcodes();
    let mut rng = Rng::new(seed(0x5eed_0004));
    for _ in 0..10_000 * scale() {
        let c = extreme_case(&mut rng, &known);
        let _ = compile_case(&c);
    }
    for _ in 0..2_000 {
        let c = deep_stack_case(&mut rng);
        let _ = compile_case(&c);
    }
}

// ---- What compiled code must have been proved to do -------------------------

const LOCAL_INDEX: [u8; 10] = [
    op::LOAD_FAST,
    op::LOAD_FAST_CHECK,
    op::LOAD_FAST_AND_CLEAR,
    op::STORE_FAST,
    op::DELETE_FAST,
    op::LOAD_DEREF,
    op::STORE_DEREF,
    op::DELETE_DEREF,
    op::MAKE_CELL,
    op::LOAD_FROM_DICT_OR_DEREF,
];
const LOCAL_PAIR: [u8; 3] = [
    op::LOAD_FAST_LOAD_FAST,
    op::STORE_FAST_LOAD_FAST,
    op::STORE_FAST_STORE_FAST,
];
const CONST_INDEX: [u8; 2] = [op::LOAD_CONST, op::RETURN_CONST];
/// Never in a code object the bytecode compiler made: CACHE and RESERVED
/// abort the interpreter, ENTER_EXECUTOR indexes co_executors (tier 2),
/// INTERPRETER_EXIT belongs to the C-made trampoline code object.
const NEVER: [u8; 4] = [op::CACHE, op::RESERVED, op::ENTER_EXECUTOR, op::INTERPRETER_EXIT];

/// Why a compiled case should have been refused, if it should.
fn unproved(c: &Case) -> Option<String> {
    let code = bytecode::verify(&c.code, c.stacksize, &c.table).ok()?;
    let nl = c.nlocalsplus;
    for (k, ins) in code.instrs.iter().enumerate() {
        let Some(depth) = code.depth[k] else { continue };
        let (name, arg) = (op::NAMES[ins.opcode as usize], ins.oparg);
        let bad = if LOCAL_INDEX.contains(&ins.base) {
            arg >= nl
        } else if LOCAL_PAIR.contains(&ins.base) {
            arg >> 4 >= nl || arg & 15 >= nl
        } else if CONST_INDEX.contains(&ins.base) {
            arg >= c.nconsts
        } else if ins.base == op::COPY_FREE_VARS {
            arg > nl
        } else if ins.base == op::COPY {
            arg < 1 || arg > depth
        } else if ins.base == op::SWAP {
            arg < 2 || arg > depth
        } else {
            NEVER.contains(&ins.base) || ins.opcode >= op::MIN_INSTRUMENTED_OPCODE
        };
        if bad {
            return Some(format!(
                "{name} {arg} at unit {} (depth {depth}, nlocalsplus {nl}, nconsts {})",
                ins.at, c.nconsts
            ));
        }
    }
    None
}

/// The verifier refuses out-of-range local and constant indexes, stack
/// accesses below the stack (COPY 0, SWAP 1) and opcodes that cannot run;
/// random and mutated code that compiles has none of them.
#[test]
fn compiled_code_has_proved_indexes() {
    let known = known_opcodes();
    let mut rng = Rng::new(seed(0x5eed_0005));
    let mut failures = Vec::new();
    for k in 0..20_000 * scale() {
        let c = if k % 2 == 0 {
            random_case(&mut rng, &known)
        } else {
            let mut c = SAMPLES[k % SAMPLES.len()].case();
            mutate(&mut rng, &known, &mut c);
            c
        };
        if compile_case(&c).is_ok() {
            if let Some(why) = unproved(&c) {
                failures.push((why, c));
            }
        }
    }
    if let Some((why, c)) = failures.first() {
        let mut kinds: Vec<&str> = failures.iter().map(|(w, _)| w.split(' ').next().unwrap()).collect();
        kinds.sort();
        kinds.dedup();
        panic!(
            "{} compiled cases use what the verifier did not prove ({}); first: {why}\n{}",
            failures.len(),
            kinds.join(", "),
            show(c)
        );
    }
}

/// Hand-made cases from the requirement (tests/test_jit_badcode.py has
/// more, through CPython), each refused.
#[test]
fn hand_made_invalid_code_is_refused() {
    let r = unit(op::RESUME, 0);
    let ret = unit(op::RETURN_VALUE, 0);
    let ext = |a: u8| unit(op::EXTENDED_ARG, a);
    let case = |code: Vec<u16>, stacksize: u32| Case {
        code,
        nlocalsplus: 2,
        stacksize,
        nconsts: 2,
        table: vec![],
    };
    let cases: Vec<(&str, Case)> = vec![
        (
            "truncated caches",
            case(
                vec![
                    r,
                    unit(op::LOAD_FAST, 0),
                    unit(op::LOAD_FAST, 1),
                    unit(op::BINARY_OP, 0),
                ],
                4,
            ),
        ),
        ("unknown opcode", case(vec![r, unit(130, 0), ret], 4)),
        (
            "instrumented",
            case(vec![unit(op::INSTRUMENTED_RESUME, 0), unit(op::RETURN_CONST, 0)], 4),
        ),
        (
            "jump past the end",
            case(vec![r, unit(op::JUMP_FORWARD, 9), unit(op::RETURN_CONST, 0)], 4),
        ),
        (
            "jump into caches",
            case(
                vec![
                    r,
                    unit(op::JUMP_FORWARD, 3),
                    unit(op::LOAD_FAST, 0),
                    unit(op::LOAD_FAST, 1),
                    unit(op::BINARY_OP, 0),
                    0,
                    ret,
                ],
                4,
            ),
        ),
        (
            "jump before the start",
            case(vec![r, unit(op::JUMP_BACKWARD, 9), 0, unit(op::RETURN_CONST, 0)], 4),
        ),
        (
            "underflow",
            case(vec![r, unit(op::POP_TOP, 0), unit(op::RETURN_CONST, 0)], 4),
        ),
        (
            "overflow",
            case(vec![r, unit(op::LOAD_FAST, 0), unit(op::LOAD_FAST, 0), ret], 1),
        ),
        ("falls off the end", case(vec![r, unit(op::NOP, 0)], 4)),
        (
            "EXTENDED_ARG at the end",
            case(vec![r, unit(op::RETURN_CONST, 0), ext(0)], 4),
        ),
        (
            "LOAD_CONST out of range",
            case(vec![r, unit(op::LOAD_CONST, 2), ret], 4),
        ),
        ("LOAD_FAST out of range", case(vec![r, unit(op::LOAD_FAST, 2), ret], 4)),
        (
            "LOAD_FAST_LOAD_FAST out of range",
            case(vec![r, unit(op::LOAD_FAST_LOAD_FAST, 0x05), ret, ret], 4),
        ),
        ("RETURN_CONST out of range", case(vec![r, unit(op::RETURN_CONST, 7)], 4)),
        (
            "STORE_FAST out of range",
            case(
                vec![
                    r,
                    unit(op::LOAD_CONST, 0),
                    unit(op::STORE_FAST, 5),
                    unit(op::RETURN_CONST, 0),
                ],
                4,
            ),
        ),
        (
            "ENTER_EXECUTOR",
            case(vec![r, unit(op::ENTER_EXECUTOR, 0), unit(op::RETURN_CONST, 0)], 4),
        ),
        (
            "CACHE as an instruction",
            case(vec![r, unit(op::CACHE, 0), unit(op::RETURN_CONST, 0)], 4),
        ),
        (
            "RESERVED",
            case(vec![r, unit(op::RESERVED, 0), unit(op::RETURN_CONST, 0)], 4),
        ),
        ("COPY 0", case(vec![r, unit(op::COPY, 0), ret], 4)),
        (
            "SWAP 0",
            case(vec![r, unit(op::LOAD_FAST, 0), unit(op::SWAP, 0), ret], 4),
        ),
    ];
    // start = 2**36, 0 once wrapped to 32 bits: a valid row if wrapped
    // (units 0-1 -> POP_TOP at unit 2, depth 0).
    let long_varint = Case {
        code: vec![
            r,
            unit(op::RETURN_CONST, 0),
            unit(op::POP_TOP, 0),
            unit(op::RETURN_CONST, 0),
        ],
        table: vec![0xc1, 0x40, 0x40, 0x40, 0x40, 0x40, 0x00, 0x02, 0x02, 0x00],
        ..case(vec![], 4)
    };
    let mut cases = cases;
    cases.push(("exception table varint over 32 bits", long_varint));
    let mut compiled = Vec::new();
    for (name, c) in &cases {
        if compile_case(c).is_ok() {
            compiled.push(*name);
        }
    }
    assert!(compiled.is_empty(), "compiled instead of refused: {compiled:?}");
}
