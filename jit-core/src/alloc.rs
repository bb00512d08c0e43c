//! The crate's global allocator: the system allocator, plus a reserve for
//! when it fails.
//!
//! Rust aborts the process when an allocation fails.  Inside the
//! interpreter that would turn "out of memory while compiling" into a crash,
//! while the rule is that a failed compile means "run in the interpreter".
//! So a failed allocation is served from a reserve mapped at start-up, and
//! the failure is remembered: [`take_failure`] tells the compiler to drop
//! what it built and refuse the code object.  Everything a compile allocates
//! is freed when the compile ends, so the reserve is a bump allocator that
//! starts over when its last block is freed.  Compiles are serialized by the
//! GIL; the atomics only keep this sound if that ever changes.
//!
//! The reserve bounds what a compile may need: the compiler refuses code
//! objects larger than [`crate::compiler::MAX_CODE_UNITS`], whose worst case
//! fits in it (checked by a unit test).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Bytes of address space set aside; untouched pages cost no memory.
pub const RESERVE_BYTES: usize = 64 << 20;

static BASE: AtomicUsize = AtomicUsize::new(0);
static BUMP: AtomicUsize = AtomicUsize::new(0);
static LIVE: AtomicUsize = AtomicUsize::new(0);
static FAILED: AtomicBool = AtomicBool::new(false);
/// Bytes allocated now, and the most ever (for the memory-bound test).
static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

pub struct Allocator;

/// Maps the reserve (once).  Returns false if it cannot be mapped.
pub fn init() -> bool {
    if BASE.load(Ordering::Acquire) != 0 {
        return true;
    }
    // SAFETY: an anonymous private mapping; MAP_NORESERVE because it is
    // only touched when the system allocator has already failed.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            RESERVE_BYTES,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        )
    };
    if p == libc::MAP_FAILED {
        return false;
    }
    BASE.store(p as usize, Ordering::Release);
    true
}

/// Did an allocation fail since the last call?  Clears the flag.
pub fn take_failure() -> bool {
    FAILED.swap(false, Ordering::AcqRel)
}

/// Bytes allocated now; resets the peak to it.
#[cfg_attr(not(test), allow(dead_code))]
pub fn reset_peak() -> usize {
    let now = CURRENT.load(Ordering::Relaxed);
    PEAK.store(now, Ordering::Relaxed);
    now
}

/// The most bytes allocated at once since [`reset_peak`].
#[cfg_attr(not(test), allow(dead_code))]
pub fn peak() -> usize {
    PEAK.load(Ordering::Relaxed)
}

fn count(p: *mut u8, size: usize) -> *mut u8 {
    if !p.is_null() {
        let now = CURRENT.fetch_add(size, Ordering::Relaxed) + size;
        PEAK.fetch_max(now, Ordering::Relaxed);
    }
    p
}

fn in_reserve(p: *mut u8) -> bool {
    let base = BASE.load(Ordering::Acquire);
    base != 0 && (p as usize) >= base && (p as usize) < base + RESERVE_BYTES
}

/// Serves `layout` from the reserve, or returns null if it is full (then
/// Rust's allocation-error handler aborts, as without this allocator).
fn from_reserve(layout: Layout) -> *mut u8 {
    let base = BASE.load(Ordering::Acquire);
    if base == 0 {
        return std::ptr::null_mut();
    }
    FAILED.store(true, Ordering::Release);
    let mut cur = BUMP.load(Ordering::Relaxed);
    loop {
        let start = (base + cur).next_multiple_of(layout.align()) - base;
        let end = match start.checked_add(layout.size()) {
            Some(e) if e <= RESERVE_BYTES => e,
            _ => return std::ptr::null_mut(),
        };
        match BUMP.compare_exchange_weak(cur, end, Ordering::AcqRel, Ordering::Relaxed) {
            Ok(_) => {
                LIVE.fetch_add(1, Ordering::AcqRel);
                return (base + start) as *mut u8;
            }
            Err(now) => cur = now,
        }
    }
}

fn free_to_reserve() {
    if LIVE.fetch_sub(1, Ordering::AcqRel) == 1 {
        BUMP.store(0, Ordering::Release);
    }
}

// SAFETY: every block comes from System or from the reserve, and goes back
// to where it came from.
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        count(if p.is_null() { from_reserve(layout) } else { p }, layout.size())
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        if !p.is_null() {
            return count(p, layout.size());
        }
        let p = from_reserve(layout);
        if !p.is_null() {
            // Reserve space is reused: zero it.
            std::ptr::write_bytes(p, 0, layout.size());
        }
        count(p, layout.size())
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
        if in_reserve(ptr) {
            free_to_reserve();
        } else {
            System.dealloc(ptr, layout);
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if !in_reserve(ptr) {
            let p = System.realloc(ptr, layout, new_size);
            if !p.is_null() {
                CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
                return count(p, new_size);
            }
        }
        // Move the block: into System memory if it has room again, else
        // into the reserve.
        let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
        let p = self.alloc(new_layout);
        if !p.is_null() {
            std::ptr::copy_nonoverlapping(ptr, p, layout.size().min(new_size));
            self.dealloc(ptr, layout);
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserve_serves_and_resets() {
        assert!(init());
        let l = Layout::from_size_align(100, 16).unwrap();
        let a = from_reserve(l);
        let b = from_reserve(l);
        assert!(in_reserve(a) && in_reserve(b));
        assert_eq!(a as usize % 16, 0);
        assert_eq!(b as usize % 16, 0);
        assert!(take_failure());
        assert!(!take_failure());
        // SAFETY: both blocks came from the reserve.
        unsafe {
            Allocator.dealloc(a, l);
            Allocator.dealloc(b, l);
        }
        assert_eq!(BUMP.load(Ordering::Relaxed), 0);
        let too_big = Layout::from_size_align(RESERVE_BYTES + 1, 8).unwrap();
        assert!(from_reserve(too_big).is_null());
        let _ = take_failure();
    }
}
