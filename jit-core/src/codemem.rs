//! Executable memory, W^X: pages are mapped read-write, filled, then
//! switched to read-execute; they are never writable and executable at once.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Bytes of executable memory mapped now, and the cap.
static MAPPED: AtomicUsize = AtomicUsize::new(0);
static CAP: AtomicUsize = AtomicUsize::new(512 << 20);

pub fn set_cap(bytes: usize) {
    CAP.store(bytes, Ordering::Relaxed);
}

pub fn mapped() -> usize {
    MAPPED.load(Ordering::Relaxed)
}

/// Is there no room left for even one more page?  Lets a compile be
/// refused before any work is done once the cap is reached.
pub fn full() -> bool {
    mapped() + page_size() > CAP.load(Ordering::Relaxed)
}

fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if n > 0 { n as usize } else { 4096 }
}

/// A block of machine code, unmapped on drop.
#[derive(Debug)]
pub struct CodeBlock {
    ptr: *mut u8,
    len: usize,
}

// SAFETY: the block is immutable once made executable.
unsafe impl Send for CodeBlock {}
unsafe impl Sync for CodeBlock {}

#[derive(Debug, PartialEq, Eq)]
pub enum MemError {
    Cap,
    Map,
}

impl CodeBlock {
    /// Maps `len` bytes read-write; `fill` writes the code given its final
    /// address; then the pages become read-execute.
    pub fn new(len: usize, fill: impl FnOnce(*mut u8) -> Result<(), MemError>) -> Result<CodeBlock, MemError> {
        let page = page_size();
        let len = len.max(1).div_ceil(page) * page;
        let cap = CAP.load(Ordering::Relaxed);
        if MAPPED.fetch_add(len, Ordering::Relaxed) + len > cap {
            MAPPED.fetch_sub(len, Ordering::Relaxed);
            return Err(MemError::Cap);
        }
        // SAFETY: anonymous private mapping, checked below.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            MAPPED.fetch_sub(len, Ordering::Relaxed);
            return Err(MemError::Map);
        }
        let block = CodeBlock { ptr: ptr as *mut u8, len };
        fill(block.ptr)?;
        // SAFETY: the range is our mapping.
        if unsafe { libc::mprotect(ptr, len, libc::PROT_READ | libc::PROT_EXEC) } != 0 {
            return Err(MemError::Map);
        }
        Ok(block)
    }

    pub fn addr(&self) -> usize {
        self.ptr as usize
    }
}

impl Drop for CodeBlock {
    fn drop(&mut self) {
        // SAFETY: we own the mapping.
        unsafe { libc::munmap(self.ptr as *mut libc::c_void, self.len) };
        MAPPED.fetch_sub(self.len, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_read_execute_and_counted() {
        let before = mapped();
        let b = CodeBlock::new(10, |p| {
            unsafe { p.write(0xc3) };
            Ok(())
        })
        .unwrap();
        assert!(mapped() >= before + 10);
        // SAFETY: the mapping is readable.
        assert_eq!(unsafe { *(b.addr() as *const u8) }, 0xc3);
        drop(b);
        assert_eq!(mapped(), before);
    }
}
