//! `cargo run -p capi-header [-- --check]`: generate jit-core's C header
//! with cbindgen, or check that the checked-in one is current.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let check = std::env::args().any(|a| a == "--check");
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../jit-core");
    let config = match cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("capi-header: {e}");
            return ExitCode::FAILURE;
        }
    };
    let bindings = match cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
    {
        Ok(b) => b,
        Err(e) => {
            eprintln!("capi-header: cbindgen failed: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut out = Vec::new();
    bindings.write(&mut out);
    let path = crate_dir.join("include/jit_core.h");
    let current = std::fs::read(&path).unwrap_or_default();
    if check {
        if current != out {
            eprintln!("capi-header: {} is stale; run `cargo run -p capi-header`", path.display());
            return ExitCode::FAILURE;
        }
        println!("capi-header: {} is up to date", path.display());
    } else if current != out {
        if let Err(e) = std::fs::write(&path, &out) {
            eprintln!("capi-header: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        println!("capi-header: wrote {}", path.display());
    }
    ExitCode::SUCCESS
}
