//! [`BinnedAllocator`]: byte blocks behind generational handles, served from size-class
//! bins with LIFO free lists, deterministic run after run.
//!
//! Blocks up to 64 KiB live in slabs of their [size class](crate::size_class); bigger
//! blocks go to an overflow list that is reused best-fit; blocks more aligned than a class
//! provides (above 4 KiB) come straight from the global allocator and go back to it when
//! freed. Slabs never move and are only returned to the system by [`trim`]. Every byte is
//! initialised (slabs are allocated zeroed), so reading a block never reads uninitialised
//! memory; a block from [`alloc`] may hold bytes of a previous block, one from
//! [`alloc_zeroed`] holds zeros. A block may be empty: `alloc(0)` gives a live handle to
//! an empty slice, as `malloc(0)` gives a pointer, so an empty payload needs no special
//! case.
//!
//! The handle table is a [`Pool`], so block handles have the same
//! generation, raw-bits and foreign-handle guarantees as pool handles. Its entries are one
//! word each (a block's location, and a binned block's length), so a table slot is 16
//! bytes; with the owner maps and free lists the tables cost about 25 bytes a block (see
//! [`bookkeeping_bytes`](BinnedAllocator::bookkeeping_bytes)).
//!
//! # Alignment
//!
//! A block from [`alloc`] is aligned to its class: the largest power of two dividing the
//! class size, at most 4 KiB (see [`size_class`](crate::size_class); `alloc(17)` lands in
//! the 20-byte class and is 4-aligned, `alloc(64)` is 64-aligned). [`SizeClass::align`]
//! gives it for any class. For a stated alignment use [`alloc_aligned`] (contents
//! unspecified) or [`try_alloc_layout`] (zero-filled): up to 4 KiB from the bins, above
//! that straight from the global allocator.
//!
//! # Pointers into blocks
//!
//! Slabs, overflow blocks and over-aligned blocks never move while they hold a live
//! block. A pointer taken from [`get`] or [`get_mut`] therefore names the same bytes until
//! that block is freed, or the allocator is restored from a snapshot, cleared or
//! dropped; [`trim`] only returns storage with no live block. The borrow checker ties the
//! slice to the allocator borrow; a raw pointer kept past it is the caller's to keep within
//! those rules. [`handle_of`] leads from such a pointer (to any byte of a live block) back
//! to the block's handle in O(1), and gives `None` for anything else: a freed block, bytes
//! past a block's length, another allocator's storage.
//!
//! [`SizeClass::align`]: crate::size_class::SizeClass::align
//! [`alloc_aligned`]: BinnedAllocator::alloc_aligned
//! [`try_alloc_layout`]: BinnedAllocator::try_alloc_layout
//! [`get`]: BinnedAllocator::get
//! [`get_mut`]: BinnedAllocator::get_mut
//! [`trim`]: BinnedAllocator::trim
//! [`handle_of`]: BinnedAllocator::handle_of
//! [`alloc`]: BinnedAllocator::alloc
//! [`alloc_zeroed`]: BinnedAllocator::alloc_zeroed

#[cfg(feature = "debug")]
mod debug;
mod iter;
mod lookup;
mod page_map;
mod place;
mod pod;
#[cfg(feature = "serde")]
mod serde;
mod snapshot;
mod stats;
mod storage;

pub use self::iter::{Handles, Iter};
pub(crate) use self::place::{Entry, Loc};
pub use self::pod::PodHandle;
use self::stats::Counters;
pub use self::stats::{BinStats, BinnedStats, HISTOGRAM_BUCKETS};

use alloc::vec::Vec;
use core::fmt;

use self::page_map::PageMap;
use self::storage::{Big, Bin, RawBlock};
use crate::error::BinnedError;
use crate::size_class::{SizeClassTable, MAX_CLASS_ALIGN};
use crate::{Handle, Pool};

/// Marker type naming a block in a [`BinnedAllocator`]; see [`BlockHandle`].
#[derive(Debug)]
pub enum Block {}

/// A handle to a block of bytes in a [`BinnedAllocator`].
pub type BlockHandle = Handle<Block>;

/// Byte blocks of any size behind generational handles, from size-class bins with LIFO
/// free lists. See the [module docs](self).
///
/// # Examples
///
/// ```
/// use pool_core::BinnedAllocator;
///
/// let mut a = BinnedAllocator::new();
/// let msg = a.alloc(5);
/// a.write(msg, b"hello").unwrap();
/// assert_eq!(a.get(msg), Some(&b"hello"[..]));
/// assert_eq!(a.block_size(msg), Some(16));
/// assert!(a.free(msg));
/// assert_eq!(a.get(msg), None); // stale from now on
///
/// // Rollback: snapshot, go on, restore, and the same operations give the same handles.
/// let snap = a.snapshot();
/// let h1 = a.alloc(100);
/// a.restore(&snap).unwrap();
/// assert_eq!(a.alloc(100), h1);
/// ```
pub struct BinnedAllocator {
    table: SizeClassTable,
    bins: Vec<Bin>,
    overflow: Vec<Big>,
    /// Over-aligned blocks; `None` where one was freed (reused LIFO via `direct_free`).
    direct: Vec<Option<RawBlock>>,
    /// `direct_owner[i]`: the table index over-aligned block `i` was last handed out to
    /// (see [`lookup`]). As long as `direct`.
    direct_owner: Vec<u32>,
    direct_free: Vec<u32>,
    entries: Pool<Entry>,
    /// Which region owns each page of storage (see [`lookup`]).
    pages: PageMap,
    limit: Option<usize>,
    /// Zero a block's bytes when it is freed (see [`BinnedBuilder::zero_freed`]).
    zero_freed: bool,
    counters: Counters,
}

/// Configures a [`BinnedAllocator`]; see [`BinnedAllocator::builder`].
///
/// # Examples
///
/// ```
/// use pool_core::{size_class::SizeClassTable, BinnedAllocator};
/// let a = BinnedAllocator::builder()
///     .limit(1 << 20)
///     .id(3)
///     .table(SizeClassTable::default())
///     .build();
/// assert_eq!(a.stats().storage_bytes, 0);
/// ```
#[derive(Debug, Default)]
pub struct BinnedBuilder {
    table: SizeClassTable,
    limit: Option<usize>,
    id: Option<u32>,
    zero_freed: bool,
}

impl BinnedBuilder {
    /// The size-class table (the default one unless set).
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::{size_class::SizeClassTable, BinnedAllocator};
    /// let table = SizeClassTable::custom(&[64, 4096]).unwrap();
    /// let mut a = BinnedAllocator::builder().table(table).build();
    /// let h = a.alloc(65);
    /// assert_eq!(a.block_size(h), Some(4096));
    /// ```
    pub fn table(mut self, table: SizeClassTable) -> Self {
        self.table = table;
        self
    }

    /// Most bytes of storage (slabs, overflow and over-aligned blocks) to hold.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut a = pool_core::BinnedAllocator::builder().limit(4096).build();
    /// assert!(a.try_alloc(16).is_ok());
    /// assert!(a.try_alloc(100_000).is_err());
    /// ```
    pub fn limit(mut self, bytes: usize) -> Self {
        self.limit = Some(bytes);
        self
    }

    /// The id from which handle keys derive (see [`Handle`]); a process-wide counter by
    /// default.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut a = pool_core::BinnedAllocator::builder().id(9).build();
    /// let mut b = pool_core::BinnedAllocator::builder().id(9).build();
    /// assert_eq!(a.alloc(8), b.alloc(8));
    /// ```
    pub fn id(mut self, id: u32) -> Self {
        self.id = Some(id);
        self
    }

    /// Zero every block's bytes (its whole class size) when it is freed. Freed blocks and
    /// the bytes past a block's length are part of a [snapshot](BinnedAllocator::snapshot),
    /// so without this, secrets in freed blocks travel inside snapshots; with it they are
    /// zeros there, and a block from [`alloc`](BinnedAllocator::alloc) never shows a
    /// previous block's bytes. The setting is kept in snapshots.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut a = pool_core::BinnedAllocator::builder().zero_freed(true).build();
    /// let h = a.alloc(6);
    /// a.write(h, b"secret").unwrap();
    /// a.free(h);
    /// let again = a.alloc(6); // the same block
    /// assert_eq!(a.get(again), Some(&[0u8; 6][..]));
    /// ```
    pub fn zero_freed(mut self, on: bool) -> Self {
        self.zero_freed = on;
        self
    }

    /// Builds the allocator; it holds no memory until the first allocation.
    ///
    /// # Examples
    ///
    /// ```
    /// let a = pool_core::BinnedAllocator::builder().build();
    /// assert_eq!(a.stats().live_blocks, 0);
    /// ```
    pub fn build(self) -> BinnedAllocator {
        let entries = match self.id {
            // The handle table records sites in debug mode (the allocation paths pass the
            // caller's site down); the allocator reports for it.
            Some(id) => Pool::builder().id(id).untracked().build(),
            None => Pool::builder().untracked().build(),
        };
        let bins = (0..self.table.len())
            .map(|c| Bin::new(self.table.size_of(c)))
            .collect();
        BinnedAllocator {
            table: self.table,
            bins,
            overflow: Vec::new(),
            direct: Vec::new(),
            direct_owner: Vec::new(),
            direct_free: Vec::new(),
            entries,
            pages: PageMap::default(),
            limit: self.limit,
            zero_freed: self.zero_freed,
            counters: Counters::default(),
        }
    }
}

#[cold]
#[inline(never)]
#[track_caller]
fn alloc_panic(e: BinnedError) -> ! {
    panic!("BinnedAllocator: {e}")
}

impl Default for BinnedAllocator {
    fn default() -> Self {
        Self::new()
    }
}

impl BinnedAllocator {
    /// An allocator with the default size classes and no limit.
    ///
    /// # Examples
    ///
    /// ```
    /// let a = pool_core::BinnedAllocator::new();
    /// assert_eq!(a.stats().storage_bytes, 0);
    /// ```
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// A [`BinnedBuilder`] for a custom table, a storage limit or an explicit id.
    ///
    /// # Examples
    ///
    /// ```
    /// let a = pool_core::BinnedAllocator::builder().limit(1 << 16).build();
    /// assert_eq!(a.stats().live_blocks, 0);
    /// ```
    pub fn builder() -> BinnedBuilder {
        BinnedBuilder::default()
    }

    // === allocation ===

    /// Allocates a block of `size` bytes (contents unspecified but initialised).
    ///
    /// A `size` of 0 gives an empty block: a live handle whose [`get`](Self::get) is an
    /// empty slice, freed like any other (it takes a block of the smallest class).
    ///
    /// # Panics
    ///
    /// On any error of [`try_alloc`](Self::try_alloc).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut a = pool_core::BinnedAllocator::new();
    /// let h = a.alloc(100);
    /// assert_eq!(a.len(h), Some(100));
    ///
    /// let empty = a.alloc(0); // an empty payload is a block too
    /// assert_eq!(a.get(empty), Some(&[][..]));
    /// assert!(a.free(empty));
    /// ```
    #[inline]
    #[track_caller]
    pub fn alloc(&mut self, size: usize) -> BlockHandle {
        self.try_alloc(size).unwrap_or_else(|e| alloc_panic(e))
    }

    /// Allocates a block of `size` bytes, or says why not; nothing changes on error.
    ///
    /// # Errors
    ///
    /// [`BinnedError::SizeOverflow`], [`BinnedError::LimitExceeded`] or
    /// [`BinnedError::AllocFailed`].
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::{BinnedAllocator, BinnedError};
    /// let mut a = BinnedAllocator::builder().limit(4096).build();
    /// assert!(a.try_alloc(10).is_ok());
    /// assert_eq!(a.try_alloc(1 << 20), Err(BinnedError::LimitExceeded { limit: 4096 }));
    /// ```
    #[inline]
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn try_alloc(&mut self, size: usize) -> Result<BlockHandle, BinnedError> {
        self.alloc_inner(size, 1, false)
    }

    /// Allocates a zero-filled block.
    ///
    /// # Panics
    ///
    /// On any error of [`try_alloc`](Self::try_alloc).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut a = pool_core::BinnedAllocator::new();
    /// let h = a.alloc(4);
    /// a.write(h, &[9; 4]).unwrap();
    /// a.free(h);
    /// let z = a.alloc_zeroed(4); // the same block, zeroed again
    /// assert_eq!(a.get(z), Some(&[0u8; 4][..]));
    /// ```
    #[track_caller]
    pub fn alloc_zeroed(&mut self, size: usize) -> BlockHandle {
        self.alloc_inner(size, 1, true)
            .unwrap_or_else(|e| alloc_panic(e))
    }

    /// Allocates a block of `size` bytes aligned to `align`, without zeroing it (contents
    /// unspecified but initialised, like [`alloc`](Self::alloc)).
    ///
    /// # Panics
    ///
    /// On any error of [`try_alloc_aligned`](Self::try_alloc_aligned).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut a = pool_core::BinnedAllocator::new();
    /// let h = a.alloc_aligned(17, 16);
    /// assert_eq!(a.get(h).unwrap().as_ptr() as usize % 16, 0);
    /// ```
    #[track_caller]
    pub fn alloc_aligned(&mut self, size: usize, align: usize) -> BlockHandle {
        self.alloc_inner(size, align, false)
            .unwrap_or_else(|e| alloc_panic(e))
    }

    /// Allocates a block of `size` bytes aligned to `align`, without zeroing it, or says
    /// why not; nothing changes on error.
    ///
    /// Alignments up to 4 KiB are served from the bins; larger ones from the global
    /// allocator.
    ///
    /// # Errors
    ///
    /// As [`try_alloc`](Self::try_alloc), plus [`BinnedError::BadAlign`] if `align` is not
    /// a power of two and [`BinnedError::ZeroSize`] for a `size` of 0 aligned above 4 KiB.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut a = pool_core::BinnedAllocator::new();
    /// let h = a.try_alloc_aligned(100, 64).unwrap();
    /// assert_eq!(a.get(h).unwrap().as_ptr() as usize % 64, 0);
    /// assert!(a.try_alloc_aligned(100, 48).is_err());
    /// ```
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn try_alloc_aligned(
        &mut self,
        size: usize,
        align: usize,
    ) -> Result<BlockHandle, BinnedError> {
        self.alloc_inner(size, align, false)
    }

    /// Allocates a zero-filled block of `size` bytes aligned to `align`.
    ///
    /// Alignments up to 4 KiB are served from the bins; larger ones from the global
    /// allocator.
    ///
    /// # Errors
    ///
    /// As [`try_alloc`](Self::try_alloc), plus [`BinnedError::BadAlign`] if `align` is not
    /// a power of two and [`BinnedError::ZeroSize`] for a `size` of 0 aligned above 4 KiB.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut a = pool_core::BinnedAllocator::new();
    /// let h = a.try_alloc_layout(24, 8).unwrap();
    /// assert_eq!(a.get(h).unwrap().as_ptr() as usize % 8, 0);
    /// assert!(a.try_alloc_layout(24, 3).is_err());
    /// ```
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn try_alloc_layout(
        &mut self,
        size: usize,
        align: usize,
    ) -> Result<BlockHandle, BinnedError> {
        self.alloc_inner(size, align, true)
    }

    #[inline]
    #[cfg_attr(feature = "debug", track_caller)]
    fn alloc_inner(
        &mut self,
        size: usize,
        align: usize,
        zero: bool,
    ) -> Result<BlockHandle, BinnedError> {
        if !align.is_power_of_two() {
            return Err(BinnedError::BadAlign);
        }
        if size > isize::MAX as usize - (align - 1) {
            return Err(BinnedError::SizeOverflow);
        }
        // Room for the handle first, so nothing below can be left half-done.
        self.entries
            .try_reserve(1)
            .map_err(|_| BinnedError::AllocFailed)?;
        // Each arm builds its entry from a known kind of location, so the bin path packs
        // it in registers.
        // The table index the entry will get: each arm records it as the block's owner.
        let owner = self.entries.next_insert_index();
        let (entry, block_size) = match self.table.class_for(size, align) {
            Some(class) => {
                let (block, class_size) = self.take_binned(class, owner)?;
                (Entry::bin(class as u8, block, size), class_size)
            }
            None if align <= MAX_CLASS_ALIGN => {
                // A zero-length block still takes a byte of storage (a custom table with
                // no class aligned enough sends it here).
                let i = self.take_overflow(size.max(1), align)?;
                let big = &mut self.overflow[i as usize];
                big.owner = owner;
                big.len = size;
                (Entry::overflow(i), big.mem.size())
            }
            None => {
                if size == 0 {
                    // Over-aligned storage is exactly as long as its block: see `ZeroSize`.
                    return Err(BinnedError::ZeroSize);
                }
                let i = self.take_direct(size, align)?;
                self.direct_owner[i as usize] = owner;
                (Entry::direct(i), size)
            }
        };
        if zero {
            self.bytes_mut(&entry, false).fill(0);
        }
        // Plain adds: counters start at 0 or come from a snapshot, which restore refuses
        // above 2^62, so counting on cannot overflow in any program's lifetime.
        let c = &mut self.counters;
        c.allocations += 1;
        c.live_bytes += size as u64;
        c.block_bytes += block_size as u64;
        c.histogram[Counters::bucket(size)] += 1;
        let h = self.entries.insert(entry);
        debug_assert_eq!(h.index(), owner, "the entry went where it was expected");
        Ok(h.cast())
    }

    // === free ===

    /// Frees a block; the handle is stale from then on. Returns `false` (and counts a
    /// rejected free) for a double free or a stale, foreign or forged handle.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut a = pool_core::BinnedAllocator::new();
    /// let h = a.alloc(8);
    /// assert!(a.free(h));
    /// assert!(!a.free(h));
    /// ```
    #[inline]
    pub fn free(&mut self, h: BlockHandle) -> bool {
        if self.zero_freed {
            self.zero_block(h);
        }
        let Some(entry) = self.entries.remove(h.cast()) else {
            self.counters.rejected_frees += 1;
            return false;
        };
        let (len, block_size) = match entry.loc() {
            Loc::Bin { class, block } => {
                let bin = &mut self.bins[class as usize];
                bin.give_back(block);
                (entry.bin_len(), bin.class_size)
            }
            Loc::Overflow(i) => {
                let big = &mut self.overflow[i as usize];
                big.in_use = false;
                self.counters.overflow_live -= 1;
                (core::mem::take(&mut big.len), big.mem.size())
            }
            Loc::Direct(i) => {
                let mem = self.direct[i as usize].take();
                self.direct_free.push(i);
                if let Some(m) = &mem {
                    self.pages.clear(m.addr(), m.size());
                }
                let size = mem.map_or(0, |m| m.size());
                self.counters.storage_bytes -= size as u64;
                (size, size)
            }
        };
        let c = &mut self.counters;
        c.frees += 1;
        c.live_bytes -= len as u64;
        c.block_bytes -= block_size as u64;
        true
    }

    /// Returns storage to the system: trailing slabs of each bin with no live block,
    /// free overflow blocks and freed over-aligned slots. Live blocks never move.
    /// Returns the bytes released.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut a = pool_core::BinnedAllocator::new();
    /// let h = a.alloc(100_000);
    /// a.free(h);
    /// assert!(a.stats().storage_bytes >= 100_000); // kept for reuse
    /// assert!(a.trim() >= 100_000);
    /// assert_eq!(a.stats().storage_bytes, 0);
    /// ```
    pub fn trim(&mut self) -> usize {
        let pages = &mut self.pages;
        let mut released: usize = self.bins.iter_mut().map(|b| b.trim(pages)).sum();
        // Overflow blocks are named by index: only trailing free ones can go.
        while self.overflow.last().is_some_and(|b| !b.in_use) {
            if let Some(b) = self.overflow.pop() {
                self.pages.clear(b.mem.addr(), b.mem.size());
                released += b.mem.size();
            }
        }
        while self.direct.last().is_some_and(Option::is_none) {
            self.direct.pop();
            self.direct_owner.pop();
            let last = self.direct.len() as u32;
            self.direct_free.retain(|&i| i != last);
        }
        self.counters.storage_bytes -= released as u64;
        released
    }

    // === access ===

    /// The requested bytes of the live block `e` names.
    #[inline]
    fn bytes(&self, e: &Entry) -> &[u8] {
        match e.loc() {
            Loc::Bin { class, block } => self.bins[class as usize].bytes(block, e.bin_len()),
            Loc::Overflow(i) => {
                let big = &self.overflow[i as usize];
                big.mem.bytes(0, big.len)
            }
            Loc::Direct(i) => match &self.direct[i as usize] {
                Some(mem) => mem.bytes(0, mem.size()),
                None => &[],
            },
        }
    }

    /// The requested bytes of the live block `e` names, or with `whole` all of its
    /// storage.
    #[inline]
    fn bytes_mut(&mut self, e: &Entry, whole: bool) -> &mut [u8] {
        match e.loc() {
            Loc::Bin { class, block } => {
                let bin = &mut self.bins[class as usize];
                let len = if whole { bin.class_size } else { e.bin_len() };
                bin.bytes_mut(block, len)
            }
            Loc::Overflow(i) => {
                let big = &mut self.overflow[i as usize];
                let len = if whole { big.mem.size() } else { big.len };
                big.mem.bytes_mut(0, len)
            }
            Loc::Direct(i) => match &mut self.direct[i as usize] {
                Some(mem) => mem.bytes_mut(0, mem.size()),
                None => &mut [],
            },
        }
    }

    /// Whether `h` names a live block here.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut a = pool_core::BinnedAllocator::new();
    /// let h = a.alloc(1);
    /// assert!(a.contains(h));
    /// ```
    #[inline]
    pub fn contains(&self, h: BlockHandle) -> bool {
        self.entries.contains(h.cast())
    }

    /// The block's bytes (its requested length); `None` once freed.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut a = pool_core::BinnedAllocator::new();
    /// let h = a.alloc_zeroed(3);
    /// assert_eq!(a.get(h), Some(&[0, 0, 0][..]));
    /// ```
    #[inline]
    pub fn get(&self, h: BlockHandle) -> Option<&[u8]> {
        let e = self.entries.get(h.cast())?;
        Some(self.bytes(e))
    }

    /// The block's bytes, mutably; `None` once freed.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut a = pool_core::BinnedAllocator::new();
    /// let h = a.alloc_zeroed(2);
    /// a.get_mut(h).unwrap()[1] = 7;
    /// assert_eq!(a.get(h), Some(&[0, 7][..]));
    /// ```
    #[inline]
    pub fn get_mut(&mut self, h: BlockHandle) -> Option<&mut [u8]> {
        let e = *self.entries.get(h.cast())?;
        Some(self.bytes_mut(&e, false))
    }

    /// Copies `data` to the start of the block.
    ///
    /// # Errors
    ///
    /// [`BinnedError::Stale`] for a handle that is not live; [`BinnedError::TooLong`] if
    /// `data` is longer than the block (nothing is written: no silent truncation).
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::{BinnedAllocator, BinnedError};
    /// let mut a = BinnedAllocator::new();
    /// let h = a.alloc(2);
    /// assert_eq!(a.write(h, b"abc"), Err(BinnedError::TooLong { len: 3, capacity: 2 }));
    /// a.write(h, b"ab").unwrap();
    /// ```
    pub fn write(&mut self, h: BlockHandle, data: &[u8]) -> Result<(), BinnedError> {
        let e = *self.entries.get(h.cast()).ok_or(BinnedError::Stale)?;
        let capacity = self.len_of(&e);
        if data.len() > capacity {
            return Err(BinnedError::TooLong {
                len: data.len(),
                capacity,
            });
        }
        self.bytes_mut(&e, false)[..data.len()].copy_from_slice(data);
        Ok(())
    }

    /// The block's requested length.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut a = pool_core::BinnedAllocator::new();
    /// let h = a.alloc(33);
    /// assert_eq!(a.len(h), Some(33));
    /// ```
    #[inline]
    pub fn len(&self, h: BlockHandle) -> Option<usize> {
        self.entries.get(h.cast()).map(|e| self.len_of(e))
    }

    /// Bytes the block occupies: its class size, or the size of an overflow or
    /// over-aligned block.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut a = pool_core::BinnedAllocator::new();
    /// let h = a.alloc(33);
    /// assert_eq!(a.block_size(h), Some(40));
    /// ```
    pub fn block_size(&self, h: BlockHandle) -> Option<usize> {
        let e = self.entries.get(h.cast())?;
        Some(self.capacity_of(e))
    }

    /// Zeroes the whole storage of the block `h` names, if it is live.
    #[cold]
    #[inline(never)]
    fn zero_block(&mut self, h: BlockHandle) {
        if let Some(&entry) = self.entries.get(h.cast()) {
            self.bytes_mut(&entry, true).fill(0);
        }
    }

    /// Bytes of storage a live block has (its class size, overflow block size, or length).
    #[inline]
    fn capacity_of(&self, e: &Entry) -> usize {
        match e.loc() {
            Loc::Bin { class, .. } => self.bins[class as usize].class_size,
            Loc::Overflow(i) => self.overflow[i as usize].mem.size(),
            Loc::Direct(i) => self.direct[i as usize].as_ref().map_or(0, RawBlock::size),
        }
    }

    // === stats ===

    /// The allocator's counters, in O(1).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut a = pool_core::BinnedAllocator::new();
    /// a.alloc(17);
    /// let s = a.stats();
    /// assert_eq!((s.live_bytes, s.block_bytes), (17, 20));
    /// ```
    pub fn stats(&self) -> BinnedStats {
        let c = &self.counters;
        BinnedStats {
            allocations: c.allocations,
            frees: c.frees,
            rejected_frees: c.rejected_frees,
            live_blocks: c.allocations - c.frees,
            live_bytes: c.live_bytes,
            block_bytes: c.block_bytes,
            storage_bytes: c.storage_bytes,
            overflow_live: c.overflow_live,
            overflow_blocks: self.overflow.len() as u64,
            direct_live: (self.direct.len() - self.direct_free.len()) as u64,
            size_histogram: c.histogram,
        }
    }

    /// Heap bytes of the allocator's own tables, as allocated: the handle table, the bins'
    /// slab lists, owner maps and free lists, and the page map behind
    /// [`handle_of`](BinnedAllocator::handle_of). They are not in
    /// [`stats().storage_bytes`](BinnedStats::storage_bytes) and do not count against a
    /// [`limit`](BinnedBuilder::limit). O(size classes).
    ///
    /// The tables grow with the most blocks ever live and are kept for reuse; a failed
    /// allocation may leave room reserved in them.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut a = pool_core::BinnedAllocator::new();
    /// let before = a.bookkeeping_bytes();
    /// for _ in 0..1000 {
    ///     a.alloc(16);
    /// }
    /// assert!(a.bookkeeping_bytes() > before);
    /// ```
    pub fn bookkeeping_bytes(&self) -> usize {
        use core::mem::size_of;
        self.bins.iter().map(Bin::heap_bytes).sum::<usize>()
            + self.bins.capacity() * size_of::<Bin>()
            + self.overflow.capacity() * size_of::<Big>()
            + self.direct.capacity() * size_of::<Option<RawBlock>>()
            + (self.direct_owner.capacity() + self.direct_free.capacity()) * size_of::<u32>()
            + self.entries.heap_bytes()
            + self.pages.heap_bytes()
    }

    /// Counters of bin `class` (an index into the table); `None` past the last class.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut a = pool_core::BinnedAllocator::new();
    /// a.alloc(16);
    /// assert_eq!(a.bin_stats(0).unwrap().live, 1);
    /// assert!(a.bin_stats(1000).is_none());
    /// ```
    pub fn bin_stats(&self, class: usize) -> Option<BinStats> {
        let b = self.bins.get(class)?;
        Some(BinStats {
            class_size: b.class_size,
            live: b.live() as usize,
            free: b.free.len(),
            high_water: b.high_water as usize,
            slabs: b.slabs.len(),
        })
    }

    /// The size-class table in use.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(pool_core::BinnedAllocator::new().table().is_default());
    /// ```
    pub fn table(&self) -> &SizeClassTable {
        &self.table
    }
}

impl fmt::Debug for BinnedAllocator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.stats();
        f.debug_struct("BinnedAllocator")
            .field("live_blocks", &s.live_blocks)
            .field("live_bytes", &s.live_bytes)
            .field("storage_bytes", &s.storage_bytes)
            .field("table", &self.table)
            .finish_non_exhaustive()
    }
}
