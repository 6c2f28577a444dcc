//! `allocator_api2::Allocator` for `&Arena`: arena-backed `Vec`, `HashMap` and friends.
//!
//! Growing the most recent allocation happens in place when the chunk has room (a block
//! older than a running scope raises the scope's rewind point with it, so the scope's end
//! never cuts it); freeing the most recent allocation gives its bytes back; anything else
//! is a no-op until reset.

use allocator_api2::alloc::{AllocError as ApiAllocError, Allocator};
use core::alloc::Layout;
use core::ptr::NonNull;

use super::Arena;

impl Arena<'_> {
    /// Gives the block `ptr..ptr + size` back if it is the newest of the current chunk;
    /// otherwise its bytes stay used until reset.
    #[inline]
    pub(super) fn give_back(&self, ptr: NonNull<u8>, size: usize) {
        if size == 0 {
            return;
        }
        if let Some(off) = self.newest(ptr, size) {
            self.set_cursor(off);
            self.allocated.set(self.allocated.get() - size);
        }
    }

    /// Whether `ptr..ptr + size` is the newest block of the current chunk; its offset if so.
    #[inline]
    fn newest(&self, ptr: NonNull<u8>, size: usize) -> Option<usize> {
        let chunk = self.chunk_list().get(self.current.get())?;
        let off = chunk.offset_of(ptr)?;
        (off.checked_add(size) == Some(self.cursor())).then_some(off)
    }

    /// Notes that the newest block, at `off` of the current chunk, grew in place to end at
    /// `end`. If it is older than the innermost running scope, the scope's floor rises with
    /// it, so the rewind at the scope's end keeps the grown block whole.
    #[inline]
    fn grew_in_place(&self, off: usize, end: usize, by: usize) {
        if let Some(mut f) = self.floor.get() {
            if self.current.get() == f.chunk && off < f.start {
                // The newest block ends at the cursor, so it ended at the floor before.
                f.start = end;
                f.grown += by;
                self.floor.set(Some(f));
            }
        }
    }
}

// SAFETY: blocks come from `try_alloc_layout`, so they are valid, aligned and disjoint, and
// stay valid until the arena is reset or dropped, which needs `&mut Arena` and therefore
// cannot happen while this `&Arena` (or a copy) is alive. `deallocate`, `grow` and `shrink`
// only ever move the cursor over the block they were given, which the caller no longer uses
// past its new size.
unsafe impl Allocator for &Arena<'_> {
    #[inline]
    #[cfg_attr(feature = "debug", track_caller)]
    fn allocate(&self, layout: Layout) -> Result<NonNull<[u8]>, ApiAllocError> {
        let p = self.try_alloc_layout(layout).map_err(|_| ApiAllocError)?;
        Ok(NonNull::slice_from_raw_parts(p, layout.size()))
    }

    #[inline]
    unsafe fn deallocate(&self, ptr: NonNull<u8>, layout: Layout) {
        self.give_back(ptr, layout.size());
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
            let room = off + new.size() <= self.chunk_list()[self.current.get()].size();
            if aligned && room {
                // In place: just move the cursor (and a scope's floor, if the block is
                // older than the scope).
                let by = new.size() - old.size();
                self.set_cursor(off + new.size());
                self.allocated.set(self.allocated.get() + by);
                self.grew_in_place(off, off + new.size(), by);
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
