//! Raw element storage of a [`Shuffler`](super::Shuffler): fixed-capacity chunks that never
//! reallocate, so a pinned block's address stays put while others move around it.
//!
//! # Invariants
//!
//! - A chunk owns `cap` slots of `T` at `ptr` (allocated with `Layout::array::<T>(cap)`;
//!   dangling when `cap == 0` or `T` is zero-sized). Slots hold initialised values exactly
//!   where a live, zombie or pending block says so.
//! - Memory is only reached through raw pointers derived from `ptr`, so references held by
//!   rent guards into one block are never invalidated by access to another.

use alloc::alloc::{alloc, dealloc};
use core::alloc::Layout;
use core::ptr::NonNull;

pub(super) struct Chunk<T> {
    pub(super) ptr: NonNull<T>,
    pub(super) cap: usize,
    /// One past the highest slot any block uses (or higher, while `dirty`).
    pub(super) top: usize,
    /// Listed in the shuffler's `dirty` chunks: `top` may be too high.
    pub(super) dirty: bool,
}

impl<T> Chunk<T> {
    /// A chunk with room for `cap` elements; `None` if the layout overflows or the allocator
    /// refuses.
    pub(super) fn new(cap: usize) -> Option<Chunk<T>> {
        let layout = Layout::array::<T>(cap).ok()?;
        let ptr = if layout.size() == 0 {
            NonNull::dangling()
        } else {
            // SAFETY: the layout has a non-zero size.
            NonNull::new(unsafe { alloc(layout) })?.cast()
        };
        Some(Chunk {
            ptr,
            cap,
            top: 0,
            dirty: false,
        })
    }

    /// Pointer to slot `offset` (`offset <= cap`).
    #[inline]
    pub(super) fn at(&self, offset: usize) -> *mut T {
        debug_assert!(offset <= self.cap);
        // SAFETY: `offset <= cap`, so the result is within or one past the allocation (for
        // zero-sized `T` or `cap == 0` the offset is in units of zero bytes or zero).
        unsafe { self.ptr.as_ptr().add(offset) }
    }

    /// Bytes this chunk holds from the allocator.
    pub(super) fn bytes(&self) -> usize {
        self.cap * core::mem::size_of::<T>()
    }

    /// Returns the memory; the chunk keeps its place with no room.
    pub(super) fn release(&mut self) {
        if self.bytes() > 0 {
            // SAFETY: allocated in `new` with this layout (it did not overflow then) and not
            // yet freed; no block lives here (callers check `top == 0`).
            unsafe {
                dealloc(
                    self.ptr.as_ptr().cast(),
                    Layout::array::<T>(self.cap).unwrap_unchecked(),
                )
            }
        }
        self.ptr = NonNull::dangling();
        self.cap = 0;
        self.top = 0;
    }
}

impl<T> Drop for Chunk<T> {
    fn drop(&mut self) {
        // Values were dropped by the owner; only the memory is left.
        self.release();
    }
}
