//! The slab map: from a slab's address to the slab, with the provenance of the slab's
//! allocation.
//!
//! A block handed back by the program comes with the program's pointer, which may carry a
//! narrower permission than the whole slab (a `Box` or a slice reference made from it).
//! The pool never reads its own bookkeeping through that pointer: it looks the slab up
//! here (the address, masked to the slab size, is the key) and rebuilds the block pointer
//! from the slab's own with [`pointer::with_addr`]. Three levels over the 32 bits of a
//! 48-bit address above 64 KiB (11, 11 and 10 bits): a lookup is three dependent loads on
//! lines that stay hot, and nodes are only made for address ranges that hold slabs.
//!
//! # Invariants
//!
//! 1. An entry is set (release) before any block of its slab is handed out, and cleared
//!    only after the slab has no block in use, so a lookup for a block in use (whose
//!    hand-over to the freeing thread carries a happens-before edge) finds it.
//! 2. Nodes are made with a compare-exchange and never freed before the map is dropped.
//! 3. The root node lives in the pool state's allocation (see the `state` module), which
//!    outlives the map; the map holds a pointer to it with that allocation's permissions.
//!
//! The atomics here are `core`'s, also under loom: the models exercise the pool through
//! this map, not the map itself (its ordering rests on invariant 1).

use core::alloc::Layout;
use core::ptr;

use super::backing::BackingAllocator;
use crate::sync::process::{AtomicPtr, Ordering::*};

const L1: usize = 1 << 11;
const L2: usize = 1 << 11;
const L3: usize = 1 << 10;
/// Address bits below the key (slabs are at least 64 KiB and aligned to their size).
pub(super) const KEY_SHIFT: u32 = 16;

struct Mid([AtomicPtr<Leaf>; L2]);
struct Leaf([AtomicPtr<u8>; L3]);

/// The map's first level, kept by the pool state (invariant 3); read only through
/// [`SlabMap`]'s pointer to its entries.
pub(super) struct MapRoot {
    _entries: [AtomicPtr<Mid>; L1],
}

impl MapRoot {
    /// Writes an empty root into `p`.
    ///
    /// # Safety
    ///
    /// `p` is valid for writes of a `MapRoot` and aligned.
    pub(super) unsafe fn init(p: *mut MapRoot) {
        // SAFETY: the caller's contract; all-zero bytes are a root of null entries.
        unsafe { p.write_bytes(0, 1) };
    }
}

pub(super) struct SlabMap {
    /// The first of the root's `L1` entries (invariant 3).
    root: *const AtomicPtr<Mid>,
}

impl core::fmt::Debug for SlabMap {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SlabMap")
    }
}

/// Keys the map covers: 2^32 (48-bit addresses); on 32-bit targets every address fits.
const KEYS: u64 = (L1 as u64) * (L2 as u64) * (L3 as u64);

/// `(root, mid, leaf)` indices of `addr`, or `None` past 48 bits.
#[inline(always)]
fn split(addr: usize) -> Option<(usize, usize, usize)> {
    let key = addr >> KEY_SHIFT;
    if key as u64 >= KEYS {
        return None;
    }
    Some((key / (L2 * L3), (key / L3) % L2, key % L3))
}

/// A zeroed node from the backing allocator (all pointers null), or null.
fn new_node<T>(backing: &BackingAllocator) -> *mut T {
    // SAFETY: nodes are not zero-sized; all-zero bytes are valid null atomic pointers.
    unsafe { backing.alloc_zeroed(Layout::new::<T>()) }.cast::<T>()
}

impl SlabMap {
    /// A map over `root`.
    ///
    /// # Safety
    ///
    /// `root` is an initialised [`MapRoot`] that outlives the map, and the pointer carries
    /// the permissions of its whole allocation (invariant 3).
    pub(super) unsafe fn new(root: *mut MapRoot) -> SlabMap {
        SlabMap {
            root: root.cast::<AtomicPtr<Mid>>(),
        }
    }

    /// Root entry `a`.
    ///
    /// # Panics
    ///
    /// If `a >= L1` (never: `split` bounds it).
    #[inline(always)]
    fn root(&self, a: usize) -> &AtomicPtr<Mid> {
        assert!(a < L1, "slab map root index out of range");
        // SAFETY: `root` points at `L1` initialised entries that outlive the map
        // (invariant 3), and `a` is in range.
        unsafe { &*self.root.add(a) }
    }

    /// The slab starting at `base`, with its allocation's provenance; null if none.
    #[inline(always)]
    pub(super) fn get(&self, base: usize) -> *mut u8 {
        let Some((a, b, c)) = split(base) else {
            return ptr::null_mut();
        };
        let mid = self.root(a).load(Acquire);
        if mid.is_null() {
            return ptr::null_mut();
        }
        // SAFETY: nodes live as long as the map (invariant 2).
        let leaf = unsafe { (*mid).0[b].load(Acquire) };
        if leaf.is_null() {
            return ptr::null_mut();
        }
        // SAFETY: as above.
        unsafe { (*leaf).0[c].load(Acquire) }
    }

    /// Sets the entry of the slab at `base` (null clears it); `false` if the address is
    /// past 48 bits or a node could not be allocated.
    pub(super) fn set(&self, base: *mut u8, value: *mut u8, backing: &BackingAllocator) -> bool {
        let Some((a, b, c)) = split(base.addr()) else {
            return false;
        };
        let mid = Self::node(self.root(a), backing);
        if mid.is_null() {
            return false;
        }
        // SAFETY: nodes live as long as the map (invariant 2).
        let leaf = Self::node(unsafe { &(*mid).0[b] }, backing);
        if leaf.is_null() {
            return false;
        }
        // SAFETY: as above.
        unsafe { (*leaf).0[c].store(value, Release) };
        true
    }

    /// The node in `slot`, made if missing; null if the backing allocator fails.
    fn node<T>(slot: &AtomicPtr<T>, backing: &BackingAllocator) -> *mut T {
        let n = slot.load(Acquire);
        if !n.is_null() {
            return n;
        }
        let fresh = new_node::<T>(backing);
        if fresh.is_null() {
            return fresh;
        }
        match slot.compare_exchange(ptr::null_mut(), fresh, AcqRel, Acquire) {
            Ok(_) => fresh,
            Err(winner) => {
                // SAFETY: `fresh` was never shared.
                unsafe { backing.dealloc(fresh.cast(), Layout::new::<T>()) };
                winner
            }
        }
    }

    /// Frees every node.
    ///
    /// # Safety
    ///
    /// The map is not used again; `backing` made its nodes.
    pub(super) unsafe fn free_nodes(&self, backing: &BackingAllocator) {
        for a in 0..L1 {
            let mid = self.root(a).load(Acquire);
            if mid.is_null() {
                continue;
            }
            // SAFETY: a node of this map, freed once.
            unsafe {
                for l in &(*mid).0 {
                    let leaf = l.load(Acquire);
                    if !leaf.is_null() {
                        backing.dealloc(leaf.cast(), Layout::new::<Leaf>());
                    }
                }
                backing.dealloc(mid.cast(), Layout::new::<Mid>());
            }
        }
    }
}
