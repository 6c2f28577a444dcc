//! The page map: which storage region (slab, overflow block or over-aligned block) owns
//! each 4 KiB page of a [`BinnedAllocator`](super::BinnedAllocator)'s storage, for the
//! pointer-to-handle lookup.
//!
//! Pages are grouped 512 to a leaf (a leaf covers 2 MiB of address space and holds one
//! `u64` per page). Leaves are found through a small open-addressed hash table keyed by
//! the leaf's address range: a lookup hashes the address, finds the leaf in about one
//! probe and reads the page's value, so it costs two dependent loads whatever the
//! allocator holds (O(1) expected). Leaves are made only for ranges that hold storage.
//!
//! # Invariants
//!
//! - Every region starts on a 4 KiB boundary (all storage is at least
//!   [`MAX_CLASS_ALIGN`](crate::size_class::MAX_CLASS_ALIGN)-aligned), so no two regions
//!   share a page, and a page's value names the one region that may contain an address in
//!   it (the caller still checks the address against the region's end).
//! - A value of 0 means no region; the allocator writes a region's values over its pages
//!   when it takes the region and 0 when it gives the region back.
//! - `dir` is empty or has a power-of-two length and at most half its slots used; a used
//!   slot's leaf index names an existing leaf, and every leaf has exactly one slot. Leaves
//!   are never removed before the map is dropped: an emptied range keeps its leaf.

use alloc::vec::Vec;

/// Bits of an address inside one page.
const PAGE_SHIFT: u32 = 12;
/// Bytes of one page.
pub(super) const PAGE: usize = 1 << PAGE_SHIFT;
/// Bits of a page number inside one leaf.
const LEAF_BITS: u32 = 9;
/// Pages per leaf.
const FAN: usize = 1 << LEAF_BITS;

/// A slot of the leaf table: the leaf's key (`1 +` its first page number `>> LEAF_BITS`;
/// 0 for an empty slot) and its index in `leaves`.
#[derive(Clone, Copy)]
struct DirSlot {
    key: usize,
    leaf: u32,
}

const EMPTY: DirSlot = DirSlot { key: 0, leaf: 0 };

/// The key of the leaf holding `page`.
#[inline(always)]
fn key_of(page: usize) -> usize {
    (page >> LEAF_BITS) + 1
}

/// The first slot to probe for `key` in a table of `len` slots (a power of two).
#[inline(always)]
fn home(key: usize, len: usize) -> usize {
    // Fibonacci hashing: the high bits of the product are well mixed.
    let mixed = (key as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (mixed >> (64 - len.trailing_zeros())) as usize
}

/// Maps 4 KiB pages to region values. See the module docs.
#[derive(Default)]
pub(super) struct PageMap {
    dir: Vec<DirSlot>,
    leaves: Vec<[u64; FAN]>,
}

impl PageMap {
    /// Heap bytes held, by capacity.
    pub(super) fn heap_bytes(&self) -> usize {
        self.dir.capacity() * core::mem::size_of::<DirSlot>()
            + self.leaves.capacity() * core::mem::size_of::<[u64; FAN]>()
    }

    /// The index in `leaves` of the leaf with `key`, if there is one.
    #[inline(always)]
    fn find(&self, key: usize) -> Option<usize> {
        let len = self.dir.len();
        if len == 0 {
            return None;
        }
        let mut i = home(key, len);
        loop {
            // SAFETY: `i < len`: `home` gives `log2(len)` bits, and the probe wraps with
            // the mask.
            let slot = unsafe { *self.dir.get_unchecked(i) };
            if slot.key == key {
                return Some(slot.leaf as usize);
            }
            if slot.key == 0 {
                // The table is at most half full, so every probe ends at an empty slot.
                return None;
            }
            i = (i + 1) & (len - 1);
        }
    }

    /// The value of the page holding `addr`; 0 if none.
    #[inline]
    pub(super) fn get(&self, addr: usize) -> u64 {
        let page = addr >> PAGE_SHIFT;
        match self.find(key_of(page)) {
            // SAFETY: a slot's leaf index names an existing leaf (invariant); the page's
            // index in its leaf is below `FAN`.
            Some(leaf) => unsafe {
                *self
                    .leaves
                    .get_unchecked(leaf)
                    .get_unchecked(page & (FAN - 1))
            },
            None => 0,
        }
    }

    /// The leaf holding `page`, if it exists.
    fn leaf_mut(&mut self, page: usize) -> Option<&mut [u64; FAN]> {
        let leaf = self.find(key_of(page))?;
        self.leaves.get_mut(leaf)
    }

    /// Makes the leaves for every page of `start..start + len`, so that
    /// [`set`](Self::set) on that range cannot fail. On failure some empty leaves may
    /// stay (harmless).
    pub(super) fn try_reserve(&mut self, start: usize, len: usize) -> Result<(), ()> {
        let (first, last) = pages(start, len);
        for key in key_of(first)..=key_of(last) {
            if self.find(key).is_some() {
                continue;
            }
            // Room first: a table at most half full after the insert, and the leaf.
            if (self.leaves.len() + 1) * 2 > self.dir.len() {
                self.grow_dir()?;
            }
            self.leaves.try_reserve(1).map_err(|_| ())?;
            self.leaves.push([0; FAN]);
            let leaf = u32::try_from(self.leaves.len() - 1).map_err(|_| ())?;
            self.insert(DirSlot { key, leaf });
        }
        Ok(())
    }

    /// Doubles the leaf table (or makes its first 16 slots) and re-inserts every leaf.
    #[cold]
    fn grow_dir(&mut self) -> Result<(), ()> {
        let len = (self.dir.len() * 2).max(16);
        let mut dir = Vec::new();
        dir.try_reserve_exact(len).map_err(|_| ())?;
        dir.resize(len, EMPTY);
        for slot in core::mem::replace(&mut self.dir, dir) {
            if slot.key != 0 {
                self.insert(slot);
            }
        }
        Ok(())
    }

    /// Puts `slot` in the first empty slot of its probe sequence (there is room).
    fn insert(&mut self, slot: DirSlot) {
        let len = self.dir.len();
        let mut i = home(slot.key, len);
        while self.dir[i].key != 0 {
            i = (i + 1) & (len - 1);
        }
        self.dir[i] = slot;
    }

    /// Writes `value + k * step` over page `k` of `start..start + len` (a step of 1
    /// numbers the pages of a region, 0 gives them all the same value).
    ///
    /// # Panics
    ///
    /// If the range was not reserved with [`try_reserve`](Self::try_reserve) (a bug).
    pub(super) fn set(&mut self, start: usize, len: usize, value: u64, step: u64) {
        let (first, last) = pages(start, len);
        let mut value = value;
        for page in first..=last {
            let leaf = self.leaf_mut(page).expect("page map range reserved");
            leaf[page & (FAN - 1)] = value;
            value = value.wrapping_add(step);
        }
    }

    /// Writes 0 over every page of `start..start + len` that has a leaf; allocates
    /// nothing.
    pub(super) fn clear(&mut self, start: usize, len: usize) {
        let (first, last) = pages(start, len);
        for page in first..=last {
            if let Some(leaf) = self.leaf_mut(page) {
                leaf[page & (FAN - 1)] = 0;
            }
        }
    }
}

/// The first and last page of `start..start + len` (`len > 0`).
#[inline]
fn pages(start: usize, len: usize) -> (usize, usize) {
    debug_assert!(len > 0);
    let end = start.saturating_add(len.max(1) - 1);
    (start >> PAGE_SHIFT, end >> PAGE_SHIFT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_map_to_their_value_and_nothing_else() {
        let mut map = PageMap::default();
        assert_eq!(map.get(0x1234_5000), 0);
        // High in the address space (of either width) and low.
        let (a, b) = ((usize::MAX / 3) & !(PAGE - 1), 0x10_0000usize);
        map.try_reserve(a, 3 * 4096 + 1).unwrap();
        map.set(a, 3 * 4096 + 1, 7, 0);
        map.try_reserve(b, 100).unwrap();
        map.set(b, 100, 9, 0);
        for addr in [a, a + 1, a + 4096, a + 3 * 4096] {
            assert_eq!(map.get(addr), 7, "{addr:#x}");
        }
        assert_eq!(map.get(a + 4 * 4096), 0);
        assert_eq!(map.get(a - 1), 0);
        assert_eq!(
            (map.get(b), map.get(b + 4095), map.get(b + 4096)),
            (9, 9, 0)
        );
        map.clear(a, 3 * 4096 + 1);
        assert_eq!((map.get(a), map.get(a + 3 * 4096), map.get(b)), (0, 0, 9));
        // Clearing a range that never had nodes changes nothing and allocates nothing.
        map.clear(0x5000_0000, 1 << 20);
        assert_eq!(map.get(b), 9);
    }

    #[test]
    fn the_leaf_table_grows_and_finds_every_leaf() {
        let mut map = PageMap::default();
        let n = if cfg!(miri) { 40 } else { 3000 };
        // One region each in scattered, distinct 2 MiB ranges (a multiplier coprime to
        // the number of ranges: 100 003 is prime, 2047 on a 32-bit target is 23 * 89).
        let ranges = 100_003usize.min(usize::MAX >> (PAGE_SHIFT + LEAF_BITS));
        let start = |i: usize| (i * 3 * 7919 % ranges) << (PAGE_SHIFT + LEAF_BITS);
        let n = n.min(ranges);
        for i in 0..n {
            map.try_reserve(start(i), PAGE).unwrap();
            map.set(start(i), PAGE, i as u64 + 1, 0);
        }
        assert!(map.dir.len() >= 2 * map.leaves.len());
        for i in 0..n {
            assert_eq!(map.get(start(i) + 5), i as u64 + 1);
            assert_eq!(map.get(start(i) + PAGE), 0);
        }
        assert_eq!(map.get(usize::MAX), 0);
    }

    #[test]
    fn a_range_crossing_leaves_and_the_top_of_memory_is_mapped() {
        let mut map = PageMap::default();
        // Crosses a leaf boundary (512 pages) and a second-level one.
        let start = (FAN * FAN - 2) << PAGE_SHIFT;
        let len = 5 << PAGE_SHIFT;
        map.try_reserve(start, len).unwrap();
        map.set(start, len, 3, 1);
        for p in 0..5 {
            assert_eq!(
                map.get(start + (p << PAGE_SHIFT)),
                3 + p as u64,
                "numbered pages"
            );
        }
        assert_eq!(map.get(start + len), 0);
        // The last page of the address space.
        let top = usize::MAX & !((1 << PAGE_SHIFT) - 1);
        map.try_reserve(top, 1 << PAGE_SHIFT).unwrap();
        map.set(top, 1 << PAGE_SHIFT, 4, 0);
        assert_eq!((map.get(usize::MAX), map.get(top - 1)), (4, 0));
    }
}
