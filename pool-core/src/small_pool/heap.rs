//! Slabs and the per-class heap that carves blocks out of them.
//!
//! A slab is one allocation from the backing allocator, aligned to its own size (a power of
//! two, [`slab_shift`]), holding blocks of one size class. Its header sits in its first
//! [`HEADER_AREA`] bytes, so the slab of a block is found from `block & !(slab_size - 1)`:
//! no per-block header and no search. Blocks start at `max(HEADER_AREA, class align)`, at
//! multiples of the class size from there, so every block has the class alignment.
//!
//! # Header colouring
//!
//! Slabs are aligned to 64 KiB or more, so headers at their very start would all fall in
//! the same cache set (in L1 and in L2) and evict each other as soon as a thread touches
//! more slabs than the cache has ways: a free of a random block would then miss the cache
//! on its header. The header is placed instead at one of [`COLORS`] cache lines of the
//! header area, chosen by the slab's address bits just above its size, so headers of
//! neighbouring slabs spread over that many sets (the area costs 1 KiB per slab, 1.6% of a
//! 64 KiB slab).
//!
//! # Invariants
//!
//! 1. A slab's `owner` and `class` never change while any of its blocks is handed out
//!    (they are written when the slab is formatted, before its first block leaves), so
//!    any thread holding a block may read them.
//! 2. Every other header field and every [`Heap`] field but the counters is touched only
//!    by whoever has exclusive access to the owning heap: the shard's owner thread, or
//!    the holder of the bucket's lock. The `unsafe fn`s here require that access.
//! 3. `live` counts the slab's blocks that are not on its free list and not in its
//!    uncarved tail: handed out, or waiting on a deferred list.
//! 4. A slab is in exactly one place: the heap's current slab, its `partial` list (it has
//!    free or uncarved blocks), or its `full` list; `list` says which. An empty slab that
//!    is not current stays on the partial list if the heap keeps fewer than [`KEEP_EMPTY`]
//!    such slabs (`empties` counts them), else leaves the heap at once
//!    ([`SlabSource::retire_slab`]).

use core::ptr;

use crate::size_class::{SizeClass, CLASS_COUNT};
use crate::sync::cell::UnsafeCell;
// Statistics only: owner-written counters that no model depends on, so they stay outside
// loom's state space (see `sync::process`).
use crate::sync::process::{AtomicU64, Ordering::Relaxed};

/// Bytes at the start of every slab that hold the header (at a coloured offset).
pub(super) const HEADER_AREA: usize = 1024;
/// Cache lines in the header area where a header may sit.
pub(super) const COLORS: usize = HEADER_AREA / 64;

/// `owner` of slabs that belong to the locked buckets rather than to a shard.
pub(super) const BUCKET_OWNER: u16 = u16::MAX;

/// Empty slabs a heap keeps besides its current one before it gives them away: a class
/// whose blocks are all freed and then allocated again (a batch) does not format a slab
/// each time.
const KEEP_EMPTY: u32 = 1;

const CURRENT: u8 = 0;
const PARTIAL: u8 = 1;
const FULL: u8 = 2;

/// The smallest slab (log2 of its size) for each class: room for at least four blocks
/// after the header, whatever the class alignment.
const MIN_SHIFT: [u8; CLASS_COUNT] = {
    let mut out = [0u8; CLASS_COUNT];
    let mut c = 0;
    while c < CLASS_COUNT {
        let size = match SizeClass::from_index(c) {
            Some(class) => class.size(),
            None => 0,
        };
        let mut shift = 0u8;
        while (1usize << shift) < size * 4 + 4096 {
            shift += 1;
        }
        out[c] = shift;
        c += 1;
    }
    out
};

/// log2 of the slab size for class `c` when the pool's base slab size is `1 << base`.
#[inline(always)]
pub(super) fn slab_shift(base: u8, c: usize) -> u8 {
    let min = MIN_SHIFT[c];
    if base > min {
        base
    } else {
        min
    }
}

/// The header at the start of a slab.
#[repr(C)]
pub(super) struct Slab {
    free: *mut u8,
    bump: *mut u8,
    end: *mut u8,
    next: *mut Slab,
    prev: *mut Slab,
    live: u32,
    /// Shard index, or [`BUCKET_OWNER`]. Invariant 1.
    pub(super) owner: u16,
    /// Class index. Invariant 1.
    pub(super) class: u8,
    list: u8,
    /// log2 of the slab's size.
    pub(super) shift: u8,
}

const _: () = assert!(core::mem::size_of::<Slab>() <= 64);

/// Offset of the header in a slab starting at address `base` with `1 << shift` bytes.
#[inline(always)]
fn header_offset(base: usize, shift: u8) -> usize {
    ((base >> shift) & (COLORS - 1)) * 64
}

/// The header of the slab of `1 << shift` bytes that holds `block` (or starts at it).
#[inline(always)]
pub(super) fn slab_of(block: *mut u8, shift: u8) -> *mut Slab {
    block
        .map_addr(|a| {
            let base = a & !((1usize << shift) - 1);
            base + header_offset(base, shift)
        })
        .cast::<Slab>()
}

/// The start of the slab whose header is `slab`.
#[inline]
fn base_of(slab: *mut Slab, shift: u8) -> *mut u8 {
    slab.cast::<u8>().map_addr(|a| a & !((1usize << shift) - 1))
}

/// Reads the free-list link stored in a free block's first word.
///
/// # Safety
///
/// `block` is a free block (at least 16 bytes, owned by the caller's list).
#[inline(always)]
pub(super) unsafe fn next_of(block: *mut u8) -> *mut u8 {
    // SAFETY: the caller's block is at least 16 bytes; blocks of 4-aligned classes are
    // not pointer-aligned, hence the unaligned read.
    unsafe { block.cast::<*mut u8>().read_unaligned() }
}

/// Writes the free-list link into a free block's first word.
///
/// # Safety
///
/// As for [`next_of`].
#[inline(always)]
pub(super) unsafe fn set_next(block: *mut u8, next: *mut u8) {
    // SAFETY: as in `next_of`.
    unsafe { block.cast::<*mut u8>().write_unaligned(next) }
}

/// Where a heap gets new slabs and sends empty ones, and how it reclaims blocks freed by
/// other threads.
pub(super) trait SlabSource {
    /// A fresh slab of `1 << shift` bytes aligned to its size, or null.
    fn new_slab(&self, shift: u8) -> *mut u8;
    /// Takes back an empty slab.
    ///
    /// # Safety
    ///
    /// `base` came from `new_slab(shift)` of the same pool and none of its blocks is in use.
    unsafe fn retire_slab(&self, base: *mut u8, shift: u8);
    /// Moves blocks other threads freed back onto their slabs; whether any moved.
    ///
    /// # Safety
    ///
    /// The caller has exclusive access to the heaps of this source.
    unsafe fn reclaim(&self) -> bool;
}

/// One class's slabs in one owner (a shard, or a bucket), and its counters.
#[repr(align(64))]
pub(super) struct Heap {
    cur: UnsafeCell<*mut Slab>,
    partial: UnsafeCell<*mut Slab>,
    full: UnsafeCell<*mut Slab>,
    /// Empty slabs kept on the partial list (at most [`KEEP_EMPTY`]).
    empties: UnsafeCell<u32>,
    /// Blocks handed out, ever.
    pub(super) allocs: AtomicU64,
    /// Blocks handed out and not yet back on a slab.
    pub(super) in_use: AtomicU64,
    /// The most `in_use` has been.
    pub(super) high: AtomicU64,
    /// Slabs the heap holds.
    pub(super) slabs: AtomicU64,
}

// SAFETY: the raw pointers are slabs the heap owns; invariant 2 says who may touch them,
// and the pool upholds it (owner thread or bucket lock).
unsafe impl Send for Heap {}
// SAFETY: as above; `&Heap` from other threads only reads the atomic counters.
unsafe impl Sync for Heap {}

impl core::fmt::Debug for Heap {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Heap")
            .field("in_use", &self.in_use.load(Relaxed))
            .field("slabs", &self.slabs.load(Relaxed))
            .finish_non_exhaustive()
    }
}

/// Adds `d` to a counter only one thread writes (load and store, no read-modify-write).
#[inline(always)]
pub(super) fn add(counter: &AtomicU64, d: u64) {
    counter.store(counter.load(Relaxed).wrapping_add(d), Relaxed);
}

#[inline(always)]
fn sub(counter: &AtomicU64, d: u64) {
    counter.store(counter.load(Relaxed).wrapping_sub(d), Relaxed);
}

impl Heap {
    pub(super) fn new() -> Self {
        Heap {
            cur: UnsafeCell::new(ptr::null_mut()),
            partial: UnsafeCell::new(ptr::null_mut()),
            full: UnsafeCell::new(ptr::null_mut()),
            empties: UnsafeCell::new(0),
            allocs: AtomicU64::new(0),
            in_use: AtomicU64::new(0),
            high: AtomicU64::new(0),
            slabs: AtomicU64::new(0),
        }
    }

    #[inline(always)]
    fn cur(&self) -> *mut Slab {
        // SAFETY: invariant 2, upheld by every caller of this module's unsafe fns; this
        // private helper is only called from them.
        self.cur.with(|p| unsafe { *p })
    }

    /// The current slab (null if none).
    ///
    /// # Safety
    ///
    /// Exclusive access to this heap (invariant 2).
    #[inline(always)]
    pub(super) unsafe fn current(&self) -> *mut Slab {
        self.cur()
    }

    #[inline(always)]
    fn set_cur(&self, s: *mut Slab) {
        // SAFETY: as in `cur`.
        self.cur.with_mut(|p| unsafe { *p = s })
    }

    fn head(&self, list: u8) -> &UnsafeCell<*mut Slab> {
        if list == PARTIAL {
            &self.partial
        } else {
            &self.full
        }
    }

    #[inline(always)]
    fn count_alloc(&self) {
        add(&self.allocs, 1);
        let n = self.in_use.load(Relaxed) + 1;
        self.in_use.store(n, Relaxed);
        if n > self.high.load(Relaxed) {
            self.high.store(n, Relaxed);
        }
    }

    /// Pops a free block of the current slab; null when there is none (then
    /// [`alloc_slow`](Self::alloc_slow)).
    ///
    /// # Safety
    ///
    /// The caller has exclusive access to this heap (invariant 2).
    #[inline(always)]
    pub(super) unsafe fn pop(&self) -> *mut u8 {
        let slab = self.cur();
        if slab.is_null() {
            return ptr::null_mut();
        }
        // SAFETY: `slab` is the heap's current slab (invariant 4), valid while the heap
        // holds it; the caller has exclusive access to its header (invariant 2).
        unsafe {
            let b = (*slab).free;
            if b.is_null() {
                return ptr::null_mut();
            }
            (*slab).free = next_of(b);
            (*slab).live += 1;
            self.count_alloc();
            b
        }
    }

    /// Allocates when [`pop`](Self::pop) found nothing: carves the current slab's tail,
    /// moves to a partial slab, reclaims remote frees, or formats a new slab. Null when the
    /// backing allocator fails.
    ///
    /// # Safety
    ///
    /// Exclusive access to this heap and to every heap `src` reclaims into; `c` is this
    /// heap's class, `owner` its owner, `base` the pool's base slab shift.
    #[cold]
    #[inline(never)]
    pub(super) unsafe fn alloc_slow(
        &self,
        c: usize,
        owner: u16,
        base: u8,
        src: &impl SlabSource,
    ) -> *mut u8 {
        let size = class_size(c);
        let mut reclaimed = false;
        loop {
            // SAFETY: exclusive access (the caller's contract).
            let b = unsafe { self.pop() };
            if !b.is_null() {
                return b;
            }
            let slab = self.cur();
            if !slab.is_null() {
                // SAFETY: the current slab is valid and ours (invariants 2 and 4).
                unsafe {
                    if (*slab).bump < (*slab).end {
                        let b = (*slab).bump;
                        (*slab).bump = b.add(size);
                        (*slab).live += 1;
                        self.count_alloc();
                        return b;
                    }
                    // No free block and no tail: the slab is full.
                    self.set_cur(ptr::null_mut());
                    self.link(FULL, slab);
                }
            }
            // SAFETY: exclusive access; `partial` holds valid slabs of this heap.
            let p = self.partial.with(|h| unsafe { *h });
            if !p.is_null() {
                // SAFETY: `p` is on the partial list of this heap.
                unsafe {
                    self.unlink(p);
                    (*p).list = CURRENT;
                    if (*p).live == 0 {
                        self.empties.with_mut(|n| *n -= 1);
                    }
                }
                self.set_cur(p);
                continue;
            }
            if !reclaimed {
                reclaimed = true;
                // SAFETY: the caller's contract covers the heaps `src` reclaims into.
                if unsafe { src.reclaim() } {
                    continue;
                }
            }
            let shift = slab_shift(base, c);
            let mem = src.new_slab(shift);
            if mem.is_null() {
                return ptr::null_mut();
            }
            // SAFETY: `mem` is a fresh slab of `1 << shift` bytes aligned to its size.
            let s = unsafe { format(mem, c, shift, owner) };
            add(&self.slabs, 1);
            self.set_cur(s);
        }
    }

    /// Puts `block` back on `slab`'s free list, and moves the slab if that changed where it
    /// belongs ([`after_free`](Self::after_free)): it was full, or it is now empty.
    ///
    /// # Safety
    ///
    /// Exclusive access to this heap; `slab` is the slab of `block`, a block of this heap
    /// that is in use (handed out or on a deferred list); `src` is this heap's source.
    #[inline(always)]
    pub(super) unsafe fn push(&self, slab: *mut Slab, block: *mut u8, src: &impl SlabSource) {
        // SAFETY: the caller's contract: `slab` is ours, `block` is one of its blocks.
        unsafe {
            set_next(block, (*slab).free);
            (*slab).free = block;
            (*slab).live -= 1;
            sub(&self.in_use, 1);
            // The current slab stays where it is, also when empty.
            if (*slab).list != CURRENT && ((*slab).live == 0 || (*slab).list == FULL) {
                self.after_free(slab, src);
            }
        }
    }

    /// Moves `slab` after a [`push`](Self::push) that left it empty or no longer full: off
    /// the full list, and to `src` if it is empty and not current (unless kept).
    ///
    /// # Safety
    ///
    /// Exclusive access to this heap; `slab` is one of its slabs.
    #[cold]
    unsafe fn after_free(&self, slab: *mut Slab, src: &impl SlabSource) {
        // SAFETY: the caller's contract.
        unsafe {
            if (*slab).list == FULL {
                self.unlink(slab);
                self.link(PARTIAL, slab);
            }
            if (*slab).live == 0 && (*slab).list == PARTIAL {
                let kept = self.empties.with_mut(|n| {
                    if *n < KEEP_EMPTY {
                        *n += 1;
                        true
                    } else {
                        false
                    }
                });
                if kept {
                    return;
                }
                self.unlink(slab);
                sub(&self.slabs, 1);
                let shift = (*slab).shift;
                ptr::drop_in_place(slab);
                src.retire_slab(base_of(slab, shift), shift);
            }
        }
    }

    /// Retires the current slab if it is empty (for `trim`); bytes given back.
    ///
    /// # Safety
    ///
    /// Exclusive access to this heap.
    pub(super) unsafe fn trim(&self, src: &impl SlabSource) -> usize {
        let mut bytes = 0;
        // SAFETY: exclusive access; the current slab and the partial list are ours
        // (invariants 2 and 4).
        unsafe {
            let mut retire = |slab: *mut Slab| {
                sub(&self.slabs, 1);
                let shift = (*slab).shift;
                ptr::drop_in_place(slab);
                src.retire_slab(base_of(slab, shift), shift);
                bytes += 1usize << shift;
            };
            let mut s = self.partial.with(|h| *h);
            while !s.is_null() {
                let next = (*s).next;
                if (*s).live == 0 {
                    self.unlink(s);
                    retire(s);
                }
                s = next;
            }
            self.empties.with_mut(|n| *n = 0);
            let cur = self.cur();
            if !cur.is_null() && (*cur).live == 0 {
                self.set_cur(ptr::null_mut());
                retire(cur);
            }
        }
        bytes
    }

    /// Hands every slab to `release`, whatever it holds (the pool is being dropped).
    ///
    /// # Safety
    ///
    /// Exclusive access to this heap, and no block of it is used again.
    pub(super) unsafe fn release_all(&self, mut release: impl FnMut(*mut u8, u8)) {
        let mut lists = [self.cur(), ptr::null_mut(), ptr::null_mut()];
        // SAFETY: exclusive access; the lists hold valid slabs of this heap.
        unsafe {
            lists[1] = self.partial.with(|h| *h);
            lists[2] = self.full.with(|h| *h);
            for (i, mut s) in lists.into_iter().enumerate() {
                while !s.is_null() {
                    let next = if i == 0 { ptr::null_mut() } else { (*s).next };
                    let shift = (*s).shift;
                    ptr::drop_in_place(s);
                    release(base_of(s, shift), shift);
                    s = next;
                }
            }
        }
        self.set_cur(ptr::null_mut());
        self.partial.with_mut(|h| {
            // SAFETY: exclusive access.
            unsafe { *h = ptr::null_mut() }
        });
        self.full.with_mut(|h| {
            // SAFETY: exclusive access.
            unsafe { *h = ptr::null_mut() }
        });
        self.empties.with_mut(|n| {
            // SAFETY: exclusive access.
            unsafe { *n = 0 }
        });
        self.slabs.store(0, Relaxed);
        self.in_use.store(0, Relaxed);
    }

    /// # Safety
    ///
    /// Exclusive access; `s` is a slab of this heap on no list.
    unsafe fn link(&self, list: u8, s: *mut Slab) {
        let head = self.head(list);
        // SAFETY: exclusive access; `s` and the list's slabs are ours.
        head.with_mut(|h| unsafe {
            (*s).prev = ptr::null_mut();
            (*s).next = *h;
            if !(*h).is_null() {
                (**h).prev = s;
            }
            (*s).list = list;
            *h = s;
        });
    }

    /// # Safety
    ///
    /// Exclusive access; `s` is on this heap's partial or full list.
    unsafe fn unlink(&self, s: *mut Slab) {
        // SAFETY: exclusive access; `s` is on the list its `list` field names.
        unsafe {
            let head = self.head((*s).list);
            let (prev, next) = ((*s).prev, (*s).next);
            if !next.is_null() {
                (*next).prev = prev;
            }
            if prev.is_null() {
                head.with_mut(|h| *h = next);
            } else {
                (*prev).next = next;
            }
            (*s).prev = ptr::null_mut();
            (*s).next = ptr::null_mut();
        }
    }
}

/// The block size of class `c`.
#[inline(always)]
pub(super) fn class_size(c: usize) -> usize {
    match SizeClass::from_index(c) {
        Some(class) => class.size(),
        None => 0,
    }
}

/// Blocks a slab of class `c` with `1 << shift` bytes holds.
pub(super) fn blocks_per_slab(c: usize, shift: u8) -> usize {
    let align = SizeClass::from_index(c).map_or(1, |k| k.align());
    ((1usize << shift) - HEADER_AREA.max(align)) / class_size(c)
}

/// Writes a fresh header into `mem`; returns it as the slab, current in its heap.
///
/// # Safety
///
/// `mem` is valid for `1 << shift` bytes, aligned to that size, and not in use.
unsafe fn format(mem: *mut u8, c: usize, shift: u8, owner: u16) -> *mut Slab {
    let align = SizeClass::from_index(c).map_or(1, |k| k.align());
    let start = HEADER_AREA.max(align);
    let n = blocks_per_slab(c, shift);
    let slab = slab_of(mem, shift);
    // SAFETY: `mem` is valid for the slab size, which is at least `start + n * size`, and
    // aligned to it; the header is at a multiple of 64 inside the header area, before
    // `start`.
    unsafe {
        slab.write(Slab {
            free: ptr::null_mut(),
            bump: mem.add(start),
            end: mem.add(start + n * class_size(c)),
            next: ptr::null_mut(),
            prev: ptr::null_mut(),
            live: 0,
            owner,
            class: c as u8,
            list: CURRENT,
            shift,
        });
    }
    slab
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_class_fits_four_blocks_with_its_alignment() {
        for c in 0..CLASS_COUNT {
            for base in [16u8, 18, 22] {
                let shift = slab_shift(base, c);
                assert!(blocks_per_slab(c, shift) >= 4, "class {c} shift {shift}");
            }
        }
        assert_eq!(slab_shift(16, 0), 16);
        assert_eq!(slab_shift(16, CLASS_COUNT - 1), 19);
    }
}
