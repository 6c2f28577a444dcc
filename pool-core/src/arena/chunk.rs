//! The memory of an [`Arena`](super::Arena): heap chunks or the caller's buffer.
//!
//! # Invariants
//!
//! - A chunk owns (`Heap`) or borrows (`Borrowed`) `size` bytes at `base`, valid for reads
//!   and writes for as long as the chunk exists. Heap chunks are allocated with `align`
//!   (at least [`CHUNK_ALIGN`]), so an offset that is a multiple of `a <= align` from
//!   `base` is `a`-aligned. A heap chunk serves no larger alignment (the arena makes a
//!   chunk as aligned as the request instead), so every block's alignment follows from its
//!   chunk's `Layout`, as Miri's symbolic alignment check requires. In the caller's buffer,
//!   whose alignment is unknown, padding is found from the address.
//! - Pointers into a chunk are derived from `base` with `add`, never made from integers
//!   (strict provenance).

use alloc::alloc::{alloc, dealloc};
use core::alloc::Layout;
use core::cell::Cell;
use core::marker::PhantomData;
use core::mem::MaybeUninit;
use core::ptr::NonNull;

/// The least alignment of heap chunks; a chunk made for a more aligned request has that
/// request's alignment.
pub(super) const CHUNK_ALIGN: usize = 4096;

pub(super) struct Chunk<'a> {
    base: NonNull<u8>,
    size: usize,
    /// The alignment `base` was allocated with (1 for the caller's buffer: unknown).
    align: usize,
    /// `true` if allocated here (and freed in `Drop`); `false` for the caller's buffer.
    owned: bool,
    /// Bytes in use when the arena last moved past this chunk (only meaningful for chunks
    /// before the current one).
    pub(super) used: Cell<usize>,
    _buffer: PhantomData<&'a mut [MaybeUninit<u8>]>,
}

impl<'a> Chunk<'a> {
    /// A new heap chunk of `size > 0` bytes aligned to `align` (a power of two, raised to
    /// [`CHUNK_ALIGN`]); `None` if the layout is impossible or the allocator refuses.
    pub(super) fn heap(size: usize, align: usize) -> Option<Chunk<'static>> {
        let align = align.max(CHUNK_ALIGN);
        let layout = Layout::from_size_align(size, align).ok()?;
        if size == 0 {
            return None;
        }
        // SAFETY: `layout` has a non-zero size.
        let base = NonNull::new(unsafe { alloc(layout) })?;
        Some(Chunk {
            base,
            size,
            align,
            owned: true,
            used: Cell::new(0),
            _buffer: PhantomData,
        })
    }

    /// The caller's buffer as the one chunk of a fixed arena.
    pub(super) fn borrowed(buf: &'a mut [MaybeUninit<u8>]) -> Chunk<'a> {
        Chunk {
            base: NonNull::new(buf.as_mut_ptr().cast::<u8>()).unwrap_or(NonNull::dangling()),
            size: buf.len(),
            align: 1,
            owned: false,
            used: Cell::new(0),
            _buffer: PhantomData,
        }
    }

    #[inline(always)]
    pub(super) fn size(&self) -> usize {
        self.size
    }

    /// Whether blocks of alignment `align` may be placed in this chunk: any in the
    /// caller's buffer (padding from the address), up to the chunk's own in a heap chunk.
    #[inline(always)]
    pub(super) fn serves(&self, align: usize) -> bool {
        !self.owned || align <= self.align
    }

    /// The offset from `base` at or after `from` where an `align`-aligned block starts
    /// (`self.serves(align)`).
    #[inline(always)]
    pub(super) fn align_offset(&self, from: usize, align: usize) -> usize {
        debug_assert!(self.serves(align));
        if self.owned {
            // The base is `self.align`-aligned and `align <= self.align`: offsets suffice.
            (from + align - 1) & !(align - 1)
        } else {
            // The caller's buffer has no known alignment: use the address (no pointer is
            // made from it; it only decides the padding).
            let addr = self.base.as_ptr().addr().wrapping_add(from);
            from + (addr.wrapping_neg() & (align - 1))
        }
    }

    /// Pointer to byte `offset` of the chunk (`offset <= size`).
    #[inline(always)]
    pub(super) fn at(&self, offset: usize) -> NonNull<u8> {
        debug_assert!(
            offset <= self.size,
            "offset {offset} past chunk of {}",
            self.size
        );
        // SAFETY: `offset <= size`, so the result is within (or one past) the chunk and
        // non-null.
        unsafe { NonNull::new_unchecked(self.base.as_ptr().add(offset)) }
    }

    /// The offset of `ptr` in this chunk, if it points into it.
    #[inline]
    pub(super) fn offset_of(&self, ptr: NonNull<u8>) -> Option<usize> {
        let off = ptr.as_ptr().addr().wrapping_sub(self.base.as_ptr().addr());
        (off <= self.size).then_some(off)
    }
}

impl Drop for Chunk<'_> {
    fn drop(&mut self) {
        if self.owned {
            // SAFETY: owned chunks were allocated in `heap` with this size and alignment
            // (a valid layout then, so now), and are freed only here.
            unsafe {
                dealloc(
                    self.base.as_ptr(),
                    Layout::from_size_align_unchecked(self.size, self.align),
                )
            }
        }
    }
}
