//! The page map: which storage region (slab, overflow block or over-aligned block) owns
//! each 4 KiB page of a [`BinnedAllocator`](super::BinnedAllocator)'s storage, for the
//! pointer-to-handle lookup.
//!
//! A radix tree over page numbers, nine bits per level (512 children, like a hardware page
//! table): six levels cover a 64-bit address space, three a 32-bit one. A lookup is that
//! many dependent loads whatever the allocator holds, so it is O(1); nodes are made only
//! for address ranges that hold storage.
//!
//! # Invariants
//!
//! - Every region starts on a 4 KiB boundary (all storage is at least
//!   [`MAX_CLASS_ALIGN`](crate::size_class::MAX_CLASS_ALIGN)-aligned), so no two regions
//!   share a page, and a page's value names the one region that may contain an address in
//!   it (the caller still checks the address against the region's end).
//! - A value of 0 means no region; the allocator writes a region's value over its pages
//!   when it takes the region and 0 when it gives the region back.
//! - Every non-zero child index, less one, names an existing node of the next level
//!   down: an index into `inner` above level 1, into `leaves` at level 1. Nodes are never
//!   freed or moved out of their arena before the map is dropped: an emptied range keeps
//!   its nodes. (`get` relies on this to index without bounds checks.)

use alloc::vec::Vec;

/// Bits of an address inside one page.
const PAGE_SHIFT: u32 = 12;
/// Bits of the page number each level resolves.
const BITS: u32 = 9;
const FAN: usize = 1 << BITS;
/// Levels needed for every page number of this target (at least two: a root and the
/// leaves).
const LEVELS: u32 = {
    let levels = (usize::BITS - PAGE_SHIFT).div_ceil(BITS);
    if levels < 2 {
        2
    } else {
        levels
    }
};

/// The index of `page` at `level`.
#[inline(always)]
fn digit(page: usize, level: u32) -> usize {
    // `checked_shr`: on the top level of a 32-bit target the shift may reach the width.
    page.checked_shr(level * BITS).unwrap_or(0) & (FAN - 1)
}

/// Maps 4 KiB pages to region values. See the module docs.
///
/// Nodes live in two arenas and name their children by index, so a child costs four
/// bytes: an inner node is 2 KiB, a leaf 4 KiB, and the first region mapped on a 64-bit
/// target costs five inner nodes and a leaf (14 KiB).
#[derive(Default)]
pub(super) struct PageMap {
    /// Inner nodes; `inner[0]` is the root (levels `LEVELS - 1` down to 1). A child is
    /// `1 + ` its index in `inner` (below level 2: in `leaves`); 0 means none.
    inner: Vec<[u32; FAN]>,
    /// Leaves (level 0): the value of each page.
    leaves: Vec<[u64; FAN]>,
}

impl PageMap {
    /// The value of the page holding `addr`; 0 if none.
    #[inline]
    pub(super) fn get(&self, addr: usize) -> u64 {
        let page = addr >> PAGE_SHIFT;
        if self.inner.is_empty() {
            return 0;
        }
        let mut node = 0;
        for level in (2..LEVELS).rev() {
            // SAFETY: `node` is 0 (the root, which exists: `inner` is not empty) or a
            // child index less one, which names an existing inner node (invariant);
            // `digit` is below `FAN`.
            let kid = unsafe {
                *self
                    .inner
                    .get_unchecked(node)
                    .get_unchecked(digit(page, level))
            };
            if kid == 0 {
                return 0;
            }
            node = kid as usize - 1;
        }
        // SAFETY: as above.
        let leaf = unsafe { *self.inner.get_unchecked(node).get_unchecked(digit(page, 1)) };
        if leaf == 0 {
            return 0;
        }
        // SAFETY: a level-1 child index less one names an existing leaf (invariant).
        unsafe {
            *self
                .leaves
                .get_unchecked(leaf as usize - 1)
                .get_unchecked(digit(page, 0))
        }
    }

    /// The leaf holding `page`, if its nodes exist.
    fn leaf_mut(&mut self, page: usize) -> Option<&mut [u64; FAN]> {
        let mut node = 0;
        if self.inner.is_empty() {
            return None;
        }
        for level in (2..LEVELS).rev() {
            node = (self.inner[node][digit(page, level)] as usize).checked_sub(1)?;
        }
        let leaf = (self.inner[node][digit(page, 1)] as usize).checked_sub(1)?;
        self.leaves.get_mut(leaf)
    }

    /// Makes the nodes for every page of `start..start + len`, so that [`set`](Self::set)
    /// on that range cannot fail. On failure some empty nodes may stay (harmless).
    pub(super) fn try_reserve(&mut self, start: usize, len: usize) -> Result<(), ()> {
        let (first, last) = pages(start, len);
        if self.inner.is_empty() {
            self.inner.try_reserve(1).map_err(|_| ())?;
            self.inner.push([0; FAN]);
        }
        let mut page = first;
        while page <= last {
            let mut node = 0;
            for level in (1..LEVELS).rev() {
                let d = digit(page, level);
                let mut kid = self.inner[node][d];
                if kid == 0 {
                    // A new child: an inner node above level 1, a leaf at level 1.
                    let count = if level == 1 {
                        self.leaves.try_reserve(1).map_err(|_| ())?;
                        self.leaves.push([0; FAN]);
                        self.leaves.len()
                    } else {
                        self.inner.try_reserve(1).map_err(|_| ())?;
                        self.inner.push([0; FAN]);
                        self.inner.len()
                    };
                    kid = u32::try_from(count).map_err(|_| ())?;
                    self.inner[node][d] = kid;
                }
                node = kid as usize - 1;
            }
            // The next leaf's first page (one leaf covers `FAN` pages).
            match (page | (FAN - 1)).checked_add(1) {
                Some(next) => page = next,
                None => break,
            }
        }
        Ok(())
    }

    /// Writes `value` over every page of `start..start + len`.
    ///
    /// # Panics
    ///
    /// If the range was not reserved with [`try_reserve`](Self::try_reserve) (a bug).
    pub(super) fn set(&mut self, start: usize, len: usize, value: u64) {
        let (first, last) = pages(start, len);
        for page in first..=last {
            let leaf = self.leaf_mut(page).expect("page map range reserved");
            leaf[digit(page, 0)] = value;
        }
    }

    /// Writes 0 over every page of `start..start + len` that has a node; allocates nothing.
    pub(super) fn clear(&mut self, start: usize, len: usize) {
        let (first, last) = pages(start, len);
        for page in first..=last {
            if let Some(leaf) = self.leaf_mut(page) {
                leaf[digit(page, 0)] = 0;
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
        let (a, b) = (0x7f00_0000_0000usize & (usize::MAX >> 1), 0x10_0000usize);
        map.try_reserve(a, 3 * 4096 + 1).unwrap();
        map.set(a, 3 * 4096 + 1, 7);
        map.try_reserve(b, 100).unwrap();
        map.set(b, 100, 9);
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
    fn a_range_crossing_leaves_and_the_top_of_memory_is_mapped() {
        let mut map = PageMap::default();
        // Crosses a leaf boundary (512 pages) and a second-level one.
        let start = (FAN * FAN - 2) << PAGE_SHIFT;
        let len = 5 << PAGE_SHIFT;
        map.try_reserve(start, len).unwrap();
        map.set(start, len, 3);
        for p in 0..5 {
            assert_eq!(map.get(start + (p << PAGE_SHIFT)), 3);
        }
        assert_eq!(map.get(start + len), 0);
        // The last page of the address space.
        let top = usize::MAX & !((1 << PAGE_SHIFT) - 1);
        map.try_reserve(top, 1 << PAGE_SHIFT).unwrap();
        map.set(top, 1 << PAGE_SHIFT, 4);
        assert_eq!((map.get(usize::MAX), map.get(top - 1)), (4, 0));
    }
}
