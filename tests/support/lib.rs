//! Shared helpers for the workspace's integration tests, benches and examples: a drop
//! counter and a counting global allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Counts how many times values made by one [`DropCounter`] were dropped.
///
/// # Examples
///
/// ```
/// let counter = typed_pool_tests::DropCounter::new();
/// drop(counter.make(1));
/// assert_eq!(counter.dropped(), 1);
/// ```
#[derive(Clone, Debug, Default)]
pub struct DropCounter {
    dropped: Rc<Cell<usize>>,
    made: Rc<Cell<usize>>,
}

impl DropCounter {
    /// A counter at zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// A value that bumps this counter when dropped.
    pub fn make(&self, id: u64) -> Counted {
        self.made.set(self.made.get() + 1);
        Counted {
            id,
            dropped: self.dropped.clone(),
            panic_on_drop: false,
        }
    }

    /// Like [`make`](Self::make), but the value's `Drop` panics (after counting).
    pub fn make_panicking(&self, id: u64) -> Counted {
        let mut c = self.make(id);
        c.panic_on_drop = true;
        c
    }

    /// Values dropped so far.
    pub fn dropped(&self) -> usize {
        self.dropped.get()
    }

    /// Values made so far.
    pub fn made(&self) -> usize {
        self.made.get()
    }
}

/// A value counted by a [`DropCounter`].
#[derive(Debug)]
pub struct Counted {
    /// An id to tell values apart.
    pub id: u64,
    dropped: Rc<Cell<usize>>,
    panic_on_drop: bool,
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.dropped.set(self.dropped.get() + 1);
        if self.panic_on_drop && !std::thread::panicking() {
            panic!("Counted({}) panics in Drop", self.id);
        }
    }
}

/// A global allocator that counts allocations, for tests of "no allocation in steady
/// state". Install it with `#[global_allocator]` in one test binary.
#[derive(Debug)]
pub struct CountingAlloc {
    allocations: AtomicUsize,
}

impl CountingAlloc {
    /// A counter at zero.
    pub const fn new() -> Self {
        CountingAlloc {
            allocations: AtomicUsize::new(0),
        }
    }

    /// Allocations (including reallocations) made so far.
    pub fn allocations(&self) -> usize {
        self.allocations.load(Ordering::SeqCst)
    }
}

impl Default for CountingAlloc {
    fn default() -> Self {
        Self::new()
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so
// `System`'s guarantees carry over; counting touches only an atomic.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.allocations.fetch_add(1, Ordering::SeqCst);
        // SAFETY: forwarded unchanged; the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        self.allocations.fetch_add(1, Ordering::SeqCst);
        // SAFETY: forwarded unchanged.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged; `ptr` came from `System` through this allocator.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        self.allocations.fetch_add(1, Ordering::SeqCst);
        // SAFETY: forwarded unchanged; `ptr` came from `System` through this allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}
