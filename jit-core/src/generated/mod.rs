//! Files generated from CPython's `Python/bytecodes.c` by
//! `Tools/cases_generator/bjit_generator.py` (`make regen-bjit`).
pub mod opcodes;
