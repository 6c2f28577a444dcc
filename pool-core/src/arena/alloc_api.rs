//! `allocator_api2::Allocator` for `&Arena`: arena-backed `Vec`, `HashMap` and friends.
//!
//! Growing the most recent allocation happens in place when the chunk has room; freeing
//! the most recent allocation gives its bytes back; anything else is a no-op until reset.

use allocator_api2::alloc::{AllocError as ApiAllocError, Allocator};
use core::alloc::Layout;
use core::ptr::NonNull;

use super::Arena;

impl Arena<'_> {
    /// Whether `ptr..ptr + size` is the newest block of the current chunk; its offset if so.
    #[inline]
    fn newest(&self, ptr: NonNull<u8>, size: usize) -> Option<usize> {
        let chunk = self.chunks().get(self.current.get())?;
        let off = chunk.offset_of(ptr)?;
        (off.checked_add(size) == Some(self.cursor())).then_some(off)
    }
}

// SAFETY: blocks come from `try_alloc_layout`, so they are valid, aligned and disjoint, and
// stay valid until the arena is reset or dropped, which needs `&mut Arena` and therefore
// cannot happen while this `&Arena` (or a copy) is alive. `deallocate`, `grow` and `shrink`
// only ever move the cursor over the block they were given, which the caller no longer uses
// past its new size.
unsafe impl Allocator for &Arena<'_> {
    #[inline]
    fn allocate(&self, layout: Layout) -> Result<NonNull<[u8]>, ApiAllocError> {
        let p = self.try_alloc_layout(layout).map_err(|_| ApiAllocError)?;
        Ok(NonNull::slice_from_raw_parts(p, layout.size()))
    }

    #[inline]
    unsafe fn deallocate(&self, ptr: NonNull<u8>, layout: Layout) {
        if let Some(off) = self.newest(ptr, layout.size()) {
            self.set_cursor(off);
            self.allocated.set(self.allocated.get() - layout.size());
        }
    }

    unsafe fn grow(
        &self,
        ptr: NonNull<u8>,
        old: Layout,
        new: Layout,
    ) -> Result<NonNull<[u8]>, ApiAllocError> {
        debug_assert!(new.size() >= old.size());
        if let Some(off) = self.newest(ptr, old.size()) {
            let aligned = ptr.as_ptr().addr() % new.align() == 0;
            if aligned && off + new.size() <= self.chunks()[self.current.get()].size() {
                // In place: just move the cursor.
                self.set_cursor(off + new.size());
                self.allocated
                    .set(self.allocated.get() + new.size() - old.size());
                return Ok(NonNull::slice_from_raw_parts(ptr, new.size()));
            }
        }
        let fresh = self.try_alloc_layout(new).map_err(|_| ApiAllocError)?;
        // SAFETY: the caller guarantees `ptr` is a live block of `old.size()` bytes from
        // this allocator; `fresh` is a new, disjoint block of at least that many bytes.
        unsafe { core::ptr::copy_nonoverlapping(ptr.as_ptr(), fresh.as_ptr(), old.size()) };
        Ok(NonNull::slice_from_raw_parts(fresh, new.size()))
    }

    unsafe fn shrink(
        &self,
        ptr: NonNull<u8>,
        old: Layout,
        new: Layout,
    ) -> Result<NonNull<[u8]>, ApiAllocError> {
        debug_assert!(new.size() <= old.size());
        if ptr.as_ptr().addr() % new.align() != 0 {
            let fresh = self.try_alloc_layout(new).map_err(|_| ApiAllocError)?;
            // SAFETY: `ptr` holds at least `new.size()` live bytes (caller); `fresh` is a
            // new, disjoint block of that size.
            unsafe { core::ptr::copy_nonoverlapping(ptr.as_ptr(), fresh.as_ptr(), new.size()) };
            return Ok(NonNull::slice_from_raw_parts(fresh, new.size()));
        }
        if let Some(off) = self.newest(ptr, old.size()) {
            self.set_cursor(off + new.size());
            self.allocated
                .set(self.allocated.get() - (old.size() - new.size()));
        }
        Ok(NonNull::slice_from_raw_parts(ptr, new.size()))
    }
}
