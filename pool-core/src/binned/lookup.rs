//! From a pointer back to its block's handle: [`BinnedAllocator::handle_of`].
//!
//! Two pieces of bookkeeping make it O(1):
//!
//! - the [page map](super::page_map) names, for every 4 KiB page of storage, the region
//!   (a class's slab and the page's place in it, an overflow block or an over-aligned
//!   block) that owns it. It changes only when storage is taken from or given back to the
//!   system;
//! - every block remembers the handle-table index of the entry it was last handed out to
//!   (`Bin::owner`, `Big::owner`, `direct_owner`): one `u32` store per allocation, never
//!   cleared. A lookup trusts neither: it checks that the entry there is live and names
//!   this very block, so a freed block, or a block whose entry slot was reused, gives
//!   `None`.

use super::page_map::{PageMap, PAGE};
use super::storage::RawBlock;
use super::{BinnedAllocator, BlockHandle, Entry, Loc};

/// Page-map values: the kind in the top two bits (0 is no region). For a bin's slab, the
/// class in bits 40..48, the slab in bits 8..40 and the page's number within the slab in
/// bits 0..8 (a slab is at most 16 pages), so that the slab's address follows from the
/// page's without a look at the slab list; for an overflow or over-aligned block, its
/// index.
const KIND_BIN: u64 = 1 << 62;
const KIND_OVERFLOW: u64 = 2 << 62;
const KIND_DIRECT: u64 = 3 << 62;

/// The page-map value of the first page of slab `slab` of class `class` (the next pages
/// count up from it).
#[inline]
fn bin_region(class: usize, slab: usize) -> u64 {
    debug_assert!(
        u32::try_from(slab).is_ok(),
        "block numbers are u32, so slabs are too"
    );
    KIND_BIN | (class as u64) << 40 | (slab as u64) << 8
}

impl BinnedAllocator {
    /// The handle of the live block whose bytes contain `ptr`: the first byte, or any
    /// byte up to its length (as [`get`](Self::get) shows it). `None` for any other
    /// address: a freed block, the spare bytes past a block's length, storage of another
    /// allocator, or anything else. The pointer is only compared, never read.
    ///
    /// O(1) (expected): a hash probe and a read in the page map, then the block's owner
    /// and one check of its entry, whatever the allocator holds. Nothing is kept up on
    /// `free`, and `alloc` stores one `u32`.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut a = pool_core::BinnedAllocator::new();
    /// let h = a.alloc(100);
    /// let p = a.get_mut(h).unwrap().as_mut_ptr();
    /// assert_eq!(a.handle_of(p), Some(h));
    /// assert_eq!(a.handle_of(p.wrapping_add(99)), Some(h)); // any byte of the block
    /// assert_eq!(a.handle_of(p.wrapping_add(100)), None); // past its length
    /// a.free(h);
    /// assert_eq!(a.handle_of(p), None);
    /// ```
    #[inline]
    pub fn handle_of(&self, ptr: *const u8) -> Option<BlockHandle> {
        let addr = ptr.addr();
        let region = self.pages.get(addr);
        let low = region & ((1 << 40) - 1);
        let (h, start, len) = match region & (3 << 62) {
            KIND_BIN => {
                let class = ((region >> 40) & 0xff) as usize;
                let (slab, page_in_slab) = ((low >> 8) as usize, (low & 0xff) as usize);
                let base = (addr & !(PAGE - 1)).wrapping_sub(page_in_slab * PAGE);
                let bin = self.bins.get(class)?;
                let (block, start) = bin.block_at(slab, base, addr)?;
                let owner = *bin.owner.get(block as usize)?;
                let class = class as u8;
                let (h, entry) = self.owned(owner, Loc::Bin { class, block })?;
                (h, start, entry.bin_len())
            }
            KIND_OVERFLOW => {
                let i = u32::try_from(low).ok()?;
                let big = self.overflow.get(i as usize).filter(|b| b.in_use)?;
                let (h, _) = self.owned(big.owner, Loc::Overflow(i))?;
                (h, big.mem.addr(), big.len)
            }
            KIND_DIRECT => {
                let i = u32::try_from(low).ok()?;
                let mem = self.direct.get(i as usize)?.as_ref()?;
                let owner = *self.direct_owner.get(i as usize)?;
                let (h, _) = self.owned(owner, Loc::Direct(i))?;
                (h, mem.addr(), mem.size())
            }
            _ => return None,
        };
        (addr.checked_sub(start)? < len).then_some(h)
    }

    /// The handle and entry at table index `owner`, if it is live and names `loc`.
    #[inline]
    fn owned(&self, owner: u32, loc: Loc) -> Option<(BlockHandle, Entry)> {
        let (h, entry) = self.entries.handle_at(owner)?;
        (entry.loc() == loc).then(|| (h.cast(), *entry))
    }

    /// Remembers that the block at `loc` belongs to table index `owner` (for a rebuild:
    /// allocation records it where it takes the block).
    fn set_owner(&mut self, loc: Loc, owner: u32) {
        match loc {
            Loc::Bin { class, block } => self.bins[class as usize].owner[block as usize] = owner,
            Loc::Overflow(i) => self.overflow[i as usize].owner = owner,
            Loc::Direct(i) => self.direct_owner[i as usize] = owner,
        }
    }

    /// Enters the newest slab of class `class` in the page map; on failure gives the slab
    /// back, so that nothing changed.
    pub(super) fn map_new_slab(&mut self, class: usize) -> Result<(), ()> {
        let bin = &mut self.bins[class];
        let slab = bin.slabs.len() - 1;
        let (addr, size) = (bin.slabs[slab].addr(), bin.slabs[slab].size());
        if self.pages.try_reserve(addr, size).is_err() {
            self.bins[class].ungrow();
            return Err(());
        }
        self.pages.set(addr, size, bin_region(class, slab), 1);
        Ok(())
    }

    /// Enters overflow block `i` in the page map.
    pub(super) fn map_overflow(&mut self, i: u32) -> Result<(), ()> {
        map(
            &mut self.pages,
            &self.overflow[i as usize].mem,
            KIND_OVERFLOW | u64::from(i),
            0,
        )
    }

    /// Enters over-aligned block `i` in the page map.
    pub(super) fn map_direct(&mut self, i: u32, mem: &RawBlock) -> Result<(), ()> {
        map(&mut self.pages, mem, KIND_DIRECT | u64::from(i), 0)
    }

    /// Builds the page map and the owners from scratch (after a restore): every slab,
    /// overflow and over-aligned block, and every live entry.
    pub(super) fn index_storage(&mut self) -> Result<(), ()> {
        for class in 0..self.bins.len() {
            for slab in 0..self.bins[class].slabs.len() {
                let mem = &self.bins[class].slabs[slab];
                map(&mut self.pages, mem, bin_region(class, slab), 1)?;
            }
        }
        for i in 0..self.overflow.len() {
            self.map_overflow(i as u32)?;
        }
        self.direct_owner
            .try_reserve_exact(self.direct.len())
            .map_err(|_| ())?;
        self.direct_owner.resize(self.direct.len(), u32::MAX);
        for (i, mem) in self.direct.iter().enumerate() {
            if let Some(mem) = mem {
                map(&mut self.pages, mem, KIND_DIRECT | i as u64, 0)?;
            }
        }
        // Collect first: `set_owner` needs `&mut self` while the table is borrowed.
        let mut owners = alloc::vec::Vec::new();
        owners
            .try_reserve_exact(self.entries.len())
            .map_err(|_| ())?;
        owners.extend(self.entries.iter().map(|(h, e)| (e.loc(), h.index())));
        for (loc, owner) in owners {
            self.set_owner(loc, owner);
        }
        Ok(())
    }
}

/// Enters `mem` in `pages` under `value` (counting up by `step` per page).
fn map(pages: &mut PageMap, mem: &RawBlock, value: u64, step: u64) -> Result<(), ()> {
    pages.try_reserve(mem.addr(), mem.size())?;
    pages.set(mem.addr(), mem.size(), value, step);
    Ok(())
}
