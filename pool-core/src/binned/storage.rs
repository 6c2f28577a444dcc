//! The memory behind a [`BinnedAllocator`](super::BinnedAllocator): zeroed raw
//! allocations, size-class bins made of fixed slabs, and large blocks.
//!
//! # Invariants
//!
//! - A [`RawBlock`] owns `layout.size()` bytes at `ptr`, allocated with `layout` by the
//!   global allocator and zeroed at allocation, so every byte is always initialised.
//!   `layout.size() > 0`. It is deallocated exactly once, in `Drop`.
//! - Every access goes through [`RawBlock::bytes`] / [`RawBlock::bytes_mut`], which check
//!   the range against `layout.size()`, so no caller can reach outside the allocation.

use alloc::alloc::{alloc_zeroed, dealloc};
use alloc::vec::Vec;
use core::alloc::Layout;
use core::ptr::NonNull;

use super::page_map::PageMap;
use crate::size_class::MAX_CLASS_ALIGN;

/// Slab size for a class: 64 blocks, at least a page, at most 64 KiB (one block for the
/// largest classes).
#[inline]
pub(super) fn slab_bytes(class_size: usize) -> usize {
    (class_size * 64).clamp(4096, 64 * 1024).max(class_size)
}

/// An owned, zero-initialised heap allocation.
pub(super) struct RawBlock {
    ptr: NonNull<u8>,
    layout: Layout,
}

// SAFETY: a `RawBlock` exclusively owns its bytes (plain `u8`s, no shared state); moving it
// to another thread moves that ownership, and `&RawBlock` only reads.
unsafe impl Send for RawBlock {}
// SAFETY: see `Send`: shared access only hands out `&[u8]`.
unsafe impl Sync for RawBlock {}

impl RawBlock {
    /// Allocates `layout` zeroed; `None` if `layout` is empty or the allocator refuses.
    pub(super) fn new_zeroed(layout: Layout) -> Option<RawBlock> {
        if layout.size() == 0 {
            return None;
        }
        // SAFETY: `layout` has a non-zero size (checked above).
        let ptr = unsafe { alloc_zeroed(layout) };
        NonNull::new(ptr).map(|ptr| RawBlock { ptr, layout })
    }

    #[inline]
    pub(super) fn size(&self) -> usize {
        self.layout.size()
    }

    /// The address of the first byte (for the page map and pointer lookups; never turned
    /// back into a pointer).
    #[inline]
    pub(super) fn addr(&self) -> usize {
        self.ptr.as_ptr().addr()
    }

    #[inline]
    pub(super) fn align(&self) -> usize {
        self.layout.align()
    }

    /// The bytes `offset..offset + len`.
    ///
    /// # Panics
    ///
    /// If the range is not inside the allocation (an internal bug, never user input).
    #[inline]
    pub(super) fn bytes(&self, offset: usize, len: usize) -> &[u8] {
        assert!(
            offset <= self.size() && len <= self.size() - offset,
            "block range outside its allocation"
        );
        // SAFETY: the range lies inside the allocation (checked above), whose bytes are all
        // initialised (zeroed at allocation, only ever overwritten with bytes); the
        // borrow of `self` keeps the allocation alive and unaliased by `&mut`.
        unsafe { core::slice::from_raw_parts(self.ptr.as_ptr().add(offset), len) }
    }

    /// The bytes `offset..offset + len`, mutably.
    ///
    /// # Panics
    ///
    /// If the range is not inside the allocation.
    #[inline]
    pub(super) fn bytes_mut(&mut self, offset: usize, len: usize) -> &mut [u8] {
        assert!(
            offset <= self.size() && len <= self.size() - offset,
            "block range outside its allocation"
        );
        // SAFETY: as in `bytes`; `&mut self` makes this the only reference.
        unsafe { core::slice::from_raw_parts_mut(self.ptr.as_ptr().add(offset), len) }
    }
}

impl Drop for RawBlock {
    fn drop(&mut self) {
        // SAFETY: `ptr` was allocated with `layout` by the global allocator and is freed
        // only here, once.
        unsafe { dealloc(self.ptr.as_ptr(), self.layout) }
    }
}

/// One size class: slabs of back-to-back blocks and a LIFO free list.
pub(super) struct Bin {
    pub(super) class_size: usize,
    pub(super) per_slab: usize,
    /// `ceil(2^64 / per_slab)`: `block / per_slab` is `(block * magic) >> 64`, exact for
    /// every `u32` block (a multiply instead of a division on every lookup).
    per_slab_magic: u128,
    /// `ceil(2^64 / class_size)`: the same for an offset inside a slab (below 2^32).
    class_magic: u128,
    pub(super) slabs: Vec<RawBlock>,
    /// `owner[b]`: the handle-table index of the entry block `b` was last handed out to
    /// (`u32::MAX` if never). Written on every allocation, never cleared: a lookup checks
    /// that the entry there is live and names block `b`. Invariant: `owner.len() ==
    /// slabs.len() * per_slab`.
    pub(super) owner: Vec<u32>,
    /// Blocks `0..next_unused` have been handed out at least once.
    pub(super) next_unused: u32,
    /// Free blocks below `next_unused`, most recently freed last.
    pub(super) free: Vec<u32>,
    /// Most blocks live at once. Freed blocks are always reused before unused ones, so
    /// live blocks reach `next_unused` exactly when an unused block is taken: the high
    /// water is the highest `next_unused` ever (trim lowers `next_unused`, not this).
    pub(super) high_water: u32,
}

impl Bin {
    /// Heap bytes of the bin's own tables (not its slabs), by capacity.
    pub(super) fn heap_bytes(&self) -> usize {
        self.slabs.capacity() * core::mem::size_of::<RawBlock>()
            + (self.owner.capacity() + self.free.capacity()) * core::mem::size_of::<u32>()
    }

    pub(super) fn new(class_size: usize) -> Bin {
        let per_slab = slab_bytes(class_size) / class_size;
        Bin {
            class_size,
            per_slab,
            per_slab_magic: u128::from(u64::MAX) / per_slab as u128 + 1,
            class_magic: u128::from(u64::MAX) / class_size as u128 + 1,
            slabs: Vec::new(),
            owner: Vec::new(),
            next_unused: 0,
            free: Vec::new(),
            high_water: 0,
        }
    }

    /// Bytes one new slab takes.
    #[inline]
    pub(super) fn slab_bytes(&self) -> usize {
        self.per_slab * self.class_size
    }

    /// Allocates one more slab (and its blocks' owner entries).
    pub(super) fn grow(&mut self) -> Option<()> {
        let layout = Layout::from_size_align(self.slab_bytes(), MAX_CLASS_ALIGN).ok()?;
        self.slabs.try_reserve(1).ok()?;
        self.owner.try_reserve(self.per_slab).ok()?;
        self.slabs.push(RawBlock::new_zeroed(layout)?);
        self.owner
            .resize(self.slabs.len() * self.per_slab, u32::MAX);
        Some(())
    }

    /// Gives back the last slab, which no block was taken from (undoes `grow`).
    pub(super) fn ungrow(&mut self) {
        self.slabs.pop();
        self.owner.truncate(self.slabs.len() * self.per_slab);
    }

    /// If `addr` lies in a block of slab `slab`, which starts at `base`, and the block was
    /// ever handed out: that block's number and first address.
    #[inline]
    pub(super) fn block_at(&self, slab: usize, base: usize, addr: usize) -> Option<(u32, usize)> {
        let offset = addr.checked_sub(base)?;
        if slab >= self.slabs.len() || offset >= self.slab_bytes() {
            return None;
        }
        // A slab is at most 64 KiB, so `offset` fits the exact range of the magic.
        let index = ((offset as u128 * self.class_magic) >> 64) as usize;
        debug_assert_eq!(index, offset / self.class_size);
        let block = u32::try_from(slab * self.per_slab + index).ok()?;
        (block < self.next_unused).then_some((block, base + index * self.class_size))
    }

    /// Whether taking a block needs a new slab first.
    #[inline]
    pub(super) fn needs_slab(&self) -> bool {
        self.free.is_empty() && self.next_unused as usize == self.slabs.len() * self.per_slab
    }

    /// Takes a block (the most recently freed, else the next unused one). The caller has
    /// made sure one exists (`needs_slab` is false).
    #[inline]
    pub(super) fn take(&mut self) -> u32 {
        match self.free.pop() {
            Some(b) => b,
            None => {
                self.next_unused += 1;
                self.high_water = self.high_water.max(self.next_unused);
                self.next_unused - 1
            }
        }
    }

    /// Records that `block` (taken from this bin) belongs to table index `owner`.
    #[inline]
    pub(super) fn set_owner(&mut self, block: u32, owner: u32) {
        debug_assert!(block < self.next_unused);
        // SAFETY: `block` was handed out, so `block < next_unused <= slabs.len() *
        // per_slab == owner.len()` (the `owner` invariant; a block is only taken from a
        // slab that exists).
        unsafe { *self.owner.get_unchecked_mut(block as usize) = owner };
    }

    /// Takes the most recently freed block, if any.
    #[inline]
    pub(super) fn take_freed(&mut self) -> Option<u32> {
        self.free.pop()
    }

    /// Returns a block; the caller has made sure it is live.
    #[inline]
    pub(super) fn give_back(&mut self, block: u32) {
        self.free.push(block);
    }

    /// Live blocks: every block handed out at least once, less the free ones.
    #[inline]
    pub(super) fn live(&self) -> u32 {
        self.next_unused - self.free.len() as u32
    }

    /// The slab of `block` and its byte offset there.
    #[inline]
    fn locate(&self, block: u32) -> (usize, usize) {
        // Exact for a 32-bit numerator and a divisor below 2^32 (Lemire, Kaser and Kurz,
        // "Faster remainder by direct computation", 2019).
        let slab = ((u128::from(block) * self.per_slab_magic) >> 64) as usize;
        debug_assert_eq!(slab, block as usize / self.per_slab);
        let index = block as usize - slab * self.per_slab;
        (slab, index * self.class_size)
    }

    #[inline]
    pub(super) fn bytes(&self, block: u32, len: usize) -> &[u8] {
        let (slab, offset) = self.locate(block);
        self.slabs[slab].bytes(offset, len)
    }

    #[inline]
    pub(super) fn bytes_mut(&mut self, block: u32, len: usize) -> &mut [u8] {
        let (slab, offset) = self.locate(block);
        self.slabs[slab].bytes_mut(offset, len)
    }

    /// Releases trailing slabs with no live block, clearing their pages in `pages`;
    /// returns the bytes released.
    pub(super) fn trim(&mut self, pages: &mut PageMap) -> usize {
        // The highest live block decides how many slabs must stay.
        let mut is_free = alloc::vec![false; self.next_unused as usize];
        for &b in &self.free {
            is_free[b as usize] = true;
        }
        let highest_live = (0..self.next_unused as usize).rev().find(|&b| !is_free[b]);
        let keep_blocks = highest_live.map_or(0, |b| b + 1);
        let keep_slabs = keep_blocks.div_ceil(self.per_slab);
        let released = (self.slabs.len() - keep_slabs) * self.slab_bytes();
        for slab in &self.slabs[keep_slabs..] {
            pages.clear(slab.addr(), slab.size());
        }
        self.slabs.truncate(keep_slabs);
        self.owner.truncate(keep_slabs * self.per_slab);
        let limit = keep_blocks as u32;
        self.free.retain(|&b| b < limit);
        self.next_unused = limit;
        released
    }
}

/// A block above the largest class, or more aligned than a class provides.
pub(super) struct Big {
    pub(super) mem: RawBlock,
    pub(super) in_use: bool,
    /// The requested length of the live block it holds (0 while free). Kept here rather
    /// than in the block's [`Entry`](super::Entry), which has no room for an overflow
    /// block's length.
    pub(super) len: usize,
    /// The handle-table index of the entry it was last handed out to (as `Bin::owner`).
    pub(super) owner: u32,
}
